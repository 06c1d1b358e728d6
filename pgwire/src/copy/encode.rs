//! [`CopyEncoder`]: rows in, COPY TO data out (text with escapes, CSV with quoting, binary
//! with signature and trailer), batched into [`CopyChunk`]s; and [`ToCopyRow`], the rows
//! [`CopyOut::rows`](super::CopyOut::rows) takes (tuples and vectors of values).

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{BufMut, BytesMut};
use futures::Stream;

use super::CopyChunk;
use super::binary;
use super::csv::CsvSyntax;
use super::options::{CopyDirection, CopyOptions, FileFormat, ForceQuote, Header};
use super::text;
use crate::error::{PgError, PgResult, SqlState};
use crate::types::{Column, IsNull, ToPgValue, Type};

/// Bytes gathered before a chunk is handed out by [`CopyOut::rows`](super::CopyOut::rows).
pub const CHUNK_BYTES: usize = 64 * 1024;

/// Encodes rows for a COPY TO in text, CSV or binary format, into one buffer that is split
/// into [`CopyChunk`]s without copying.
///
/// ```
/// use pgwire::copy::{CopyEncoder, CopyOptions};
/// use pgwire::types::{Column, Type};
///
/// let cols = vec![Column::new("id", Type::INT8), Column::new("note", Type::TEXT)];
/// let mut enc = CopyEncoder::new(&CopyOptions::text(), cols.into()).unwrap();
/// enc.encode_field(&1i64).unwrap();
/// enc.encode_field("tab\there").unwrap();
/// enc.end_row().unwrap();
/// enc.encode_field(&2i64).unwrap();
/// enc.encode_null();
/// enc.end_row().unwrap();
/// let chunk = enc.finish().unwrap();
/// assert_eq!(&chunk.data[..], b"1\ttab\\there\n2\t\\N\n");
/// assert_eq!(chunk.rows, 2);
/// ```
#[derive(Debug)]
pub struct CopyEncoder {
    format: FileFormat,
    csv: CsvSyntax<'static>,
    null: Box<[u8]>,
    force_quote: Box<[bool]>,
    columns: Arc<[Column]>,
    /// Text: bytes that need a backslash; CSV: bytes that need quotes.
    table: Box<[bool; 256]>,
    buf: BytesMut,
    scratch: Vec<u8>,
    col: usize,
    row_start: Option<usize>,
    rows: u64,
    finished: bool,
}

impl CopyEncoder {
    /// An encoder for rows of `columns` (names for a header line, types for binary values).
    /// Checks the options (as [`CopyOptions::validate`]) and that FORCE_QUOTE names columns
    /// of the COPY (42P10). A header (binary signature, or HEADER's column names) is written
    /// first.
    pub fn new(options: &CopyOptions, columns: Arc<[Column]>) -> PgResult<CopyEncoder> {
        options.validate(CopyDirection::To)?;
        let force_quote: Box<[bool]> = match &options.force_quote {
            ForceQuote::None => vec![false; columns.len()].into(),
            ForceQuote::All => vec![true; columns.len()].into(),
            ForceQuote::Columns(names) => {
                let mut f = vec![false; columns.len()];
                for name in names {
                    match columns.iter().position(|c| &c.name == name) {
                        Some(i) => f[i] = true,
                        None => {
                            return Err(PgError::new(
                                SqlState::from_code("42P10"),
                                format!("FORCE_QUOTE column \"{name}\" not referenced by COPY"),
                            ));
                        }
                    }
                }
                f.into()
            }
        };
        // CsvSyntax borrows the NULL string; the encoder keeps its own copy.
        let csv = CsvSyntax {
            delim: options.delimiter,
            quote: options.quote,
            escape: options.escape,
            null: b"",
        };
        let table = Box::new(match options.format {
            FileFormat::Csv => csv.quote_table(),
            _ => text::escape_table(options.delimiter),
        });
        let mut enc = CopyEncoder {
            format: options.format,
            csv,
            null: options.null.as_bytes().into(),
            force_quote,
            columns,
            table,
            buf: BytesMut::with_capacity(CHUNK_BYTES + 1024),
            scratch: Vec::new(),
            col: 0,
            row_start: None,
            rows: 0,
            finished: false,
        };
        match options.format {
            FileFormat::Binary => enc.buf.extend_from_slice(binary::HEADER),
            _ if options.header == Header::On => enc.header_line(),
            _ => {}
        }
        Ok(enc)
    }

    fn header_line(&mut self) {
        let columns = self.columns.clone();
        let single = columns.len() == 1;
        for (i, c) in columns.iter().enumerate() {
            if i > 0 {
                self.buf.put_u8(self.csv.delim);
            }
            let start = self.buf.len();
            self.buf.extend_from_slice(c.name.as_bytes());
            self.finish_text(start, false, single);
        }
        self.buf.put_u8(b'\n');
    }

    /// The columns being encoded.
    pub fn columns(&self) -> &Arc<[Column]> {
        &self.columns
    }

    /// The data format.
    pub fn format(&self) -> FileFormat {
        self.format
    }

    #[inline]
    fn begin_field(&mut self) {
        if self.row_start.is_none() {
            self.row_start = Some(self.buf.len());
            if self.format == FileFormat::Binary {
                self.buf.put_i16(self.columns.len() as i16);
            }
        } else if self.format != FileFormat::Binary {
            self.buf.put_u8(self.csv.delim);
        }
    }

    /// Escapes (text) or quotes (CSV) the value just written at `start`.
    #[inline]
    fn finish_text(&mut self, start: usize, force: bool, single: bool) {
        match self.format {
            FileFormat::Csv => {
                let syn = CsvSyntax {
                    null: &self.null,
                    ..self.csv
                };
                syn.quote_in_place(
                    &mut self.buf,
                    start,
                    force,
                    single,
                    &self.table,
                    &mut self.scratch,
                );
            }
            _ => text::escape_in_place(&mut self.buf, start, &self.table, &mut self.scratch),
        }
    }

    /// Appends the next column's value: its text form (escaped or quoted as the format
    /// needs) or its binary form for the column's type. On error the row is discarded.
    #[inline]
    pub fn encode_field<T: ToPgValue + ?Sized>(&mut self, value: &T) -> PgResult<()> {
        self.begin_field();
        let col = self.col;
        let r = if self.format == FileFormat::Binary {
            let len_pos = self.buf.len();
            self.buf.put_i32(0);
            let ty = self.columns.get(col).map_or(&Type::UNKNOWN, |c| &c.ty);
            value.encode_binary(ty, &mut self.buf).map(|is_null| {
                let len = match is_null {
                    IsNull::Yes => {
                        self.buf.truncate(len_pos + 4);
                        -1
                    }
                    IsNull::No => (self.buf.len() - len_pos - 4) as i32,
                };
                self.buf[len_pos..len_pos + 4].copy_from_slice(&len.to_be_bytes());
            })
        } else {
            let start = self.buf.len();
            value
                .encode_text(&mut self.buf)
                .map(|is_null| match is_null {
                    IsNull::Yes => {
                        self.buf.truncate(start);
                        self.buf.extend_from_slice(&self.null);
                    }
                    IsNull::No => {
                        let force = self.force_quote.get(col) == Some(&true);
                        self.finish_text(start, force, self.columns.len() == 1);
                    }
                })
        };
        match r {
            Ok(()) => {
                self.col += 1;
                Ok(())
            }
            Err(e) => {
                self.discard_row();
                Err(e)
            }
        }
    }

    /// Appends a NULL for the next column.
    pub fn encode_null(&mut self) {
        self.begin_field();
        if self.format == FileFormat::Binary {
            self.buf.put_i32(-1);
        } else {
            self.buf.extend_from_slice(&self.null);
        }
        self.col += 1;
    }

    /// Appends a value already in the format's representation (`None` for NULL): PostgreSQL
    /// text (escaped or quoted here) for text and CSV, the binary value for binary.
    pub fn encode_raw(&mut self, value: Option<&[u8]>) {
        let Some(v) = value else {
            self.encode_null();
            return;
        };
        self.begin_field();
        if self.format == FileFormat::Binary {
            self.buf.put_i32(v.len() as i32);
            self.buf.extend_from_slice(v);
        } else {
            let start = self.buf.len();
            self.buf.extend_from_slice(v);
            let force = self.force_quote.get(self.col) == Some(&true);
            self.finish_text(start, force, self.columns.len() == 1);
        }
        self.col += 1;
    }

    /// Ends the current row; an error (and the row is dropped) unless it has one value per
    /// column.
    pub fn end_row(&mut self) -> PgResult<()> {
        if self.col != self.columns.len() {
            let got = self.col;
            self.discard_row();
            return Err(PgError::new(
                SqlState::INTERNAL_ERROR,
                format!(
                    "COPY row has {got} values but the COPY has {} columns",
                    self.columns.len()
                ),
            ));
        }
        if self.row_start.is_none() && self.format == FileFormat::Binary {
            // A row of zero columns.
            self.buf.put_i16(0);
        }
        if self.format != FileFormat::Binary {
            self.buf.put_u8(b'\n');
        }
        self.row_start = None;
        self.col = 0;
        self.rows += 1;
        Ok(())
    }

    /// Drops a partly encoded row.
    pub fn discard_row(&mut self) {
        if let Some(start) = self.row_start.take() {
            self.buf.truncate(start);
        }
        self.col = 0;
    }

    /// Bytes of completed rows (and header) waiting.
    pub fn pending_bytes(&self) -> usize {
        self.row_start.unwrap_or(self.buf.len())
    }

    /// Takes every completed row (and the header, if not taken yet) as one chunk.
    pub fn take_chunk(&mut self) -> CopyChunk {
        let end = self.pending_bytes();
        let data = self.buf.split_to(end).freeze();
        if let Some(start) = self.row_start.as_mut() {
            *start -= end;
        }
        if self.buf.capacity() < 1024 {
            self.buf.reserve(CHUNK_BYTES);
        }
        CopyChunk {
            data,
            rows: std::mem::take(&mut self.rows),
        }
    }

    /// Ends the data: the rows not taken yet, and the binary trailer. An error if a row is
    /// unfinished.
    pub fn finish(&mut self) -> PgResult<CopyChunk> {
        if self.row_start.is_some() {
            self.discard_row();
            return Err(PgError::new(
                SqlState::INTERNAL_ERROR,
                "COPY ended in the middle of a row",
            ));
        }
        if self.format == FileFormat::Binary && !self.finished {
            self.buf.put_i16(-1);
        }
        self.finished = true;
        Ok(self.take_chunk())
    }
}

/// A row for [`CopyOut::rows`](super::CopyOut::rows): writes its values, in column order,
/// with [`CopyEncoder::encode_field`]. Implemented for tuples of up to 16 values, and for
/// vectors, slices and arrays of one value type.
pub trait ToCopyRow {
    /// Encodes each value of the row (the caller ends the row).
    fn encode_row(&self, enc: &mut CopyEncoder) -> PgResult<()>;
}

impl<R: ToCopyRow + ?Sized> ToCopyRow for &R {
    fn encode_row(&self, enc: &mut CopyEncoder) -> PgResult<()> {
        (**self).encode_row(enc)
    }
}

impl<T: ToPgValue> ToCopyRow for [T] {
    fn encode_row(&self, enc: &mut CopyEncoder) -> PgResult<()> {
        self.iter().try_for_each(|v| enc.encode_field(v))
    }
}

impl<T: ToPgValue> ToCopyRow for Vec<T> {
    fn encode_row(&self, enc: &mut CopyEncoder) -> PgResult<()> {
        self.as_slice().encode_row(enc)
    }
}

impl<T: ToPgValue, const N: usize> ToCopyRow for [T; N] {
    fn encode_row(&self, enc: &mut CopyEncoder) -> PgResult<()> {
        self.as_slice().encode_row(enc)
    }
}

macro_rules! tuple_rows {
    ($($name:ident)+) => {
        impl<$($name: ToPgValue),+> ToCopyRow for ($($name,)+) {
            #[allow(non_snake_case)]
            #[inline]
            fn encode_row(&self, enc: &mut CopyEncoder) -> PgResult<()> {
                let ($($name,)+) = self;
                $(enc.encode_field($name)?;)+
                Ok(())
            }
        }
    };
}

tuple_rows!(A);
tuple_rows!(A B);
tuple_rows!(A B C);
tuple_rows!(A B C D);
tuple_rows!(A B C D E);
tuple_rows!(A B C D E F);
tuple_rows!(A B C D E F G);
tuple_rows!(A B C D E F G H);
tuple_rows!(A B C D E F G H I);
tuple_rows!(A B C D E F G H I J);
tuple_rows!(A B C D E F G H I J K);
tuple_rows!(A B C D E F G H I J K L);
tuple_rows!(A B C D E F G H I J K L M);
tuple_rows!(A B C D E F G H I J K L M N);
tuple_rows!(A B C D E F G H I J K L M N O);
tuple_rows!(A B C D E F G H I J K L M N O P);

/// A stream of rows encoded into chunks of about [`CHUNK_BYTES`]; a chunk also goes out
/// when the rows stream has nothing ready, so a slow source is not held back.
pub(crate) struct EncodeStream<S> {
    pub rows: S,
    pub enc: CopyEncoder,
    pub done: bool,
}

impl<S, R> Stream for EncodeStream<S>
where
    S: Stream<Item = PgResult<R>> + Unpin,
    R: ToCopyRow,
{
    type Item = PgResult<CopyChunk>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        loop {
            match Pin::new(&mut this.rows).poll_next(cx) {
                Poll::Ready(Some(Ok(row))) => {
                    let r = row.encode_row(&mut this.enc);
                    let r = r.and_then(|()| this.enc.end_row());
                    if let Err(e) = r {
                        this.enc.discard_row();
                        this.done = true;
                        return Poll::Ready(Some(Err(e)));
                    }
                    if this.enc.pending_bytes() >= CHUNK_BYTES {
                        return Poll::Ready(Some(Ok(this.enc.take_chunk())));
                    }
                }
                Poll::Ready(Some(Err(e))) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(None) => {
                    this.done = true;
                    return Poll::Ready(Some(this.enc.finish()));
                }
                Poll::Pending => {
                    if this.enc.pending_bytes() > 0 {
                        return Poll::Ready(Some(Ok(this.enc.take_chunk())));
                    }
                    return Poll::Pending;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(n: &[(&str, Type)]) -> Arc<[Column]> {
        n.iter().map(|(n, t)| Column::new(*n, t.clone())).collect()
    }

    #[test]
    fn text_and_csv_rows() {
        let c = cols(&[("a", Type::INT4), ("b", Type::TEXT)]);
        let mut enc = CopyEncoder::new(
            &CopyOptions {
                header: Header::On,
                ..CopyOptions::csv()
            },
            c.clone(),
        )
        .unwrap();
        enc.encode_field(&1i32).unwrap();
        enc.encode_field("a,b").unwrap();
        enc.end_row().unwrap();
        enc.encode_field(&2i32).unwrap();
        enc.encode_field(&Option::<String>::None).unwrap();
        enc.end_row().unwrap();
        enc.encode_raw(Some(b"3"));
        enc.encode_raw(Some(b""));
        enc.end_row().unwrap();
        let chunk = enc.finish().unwrap();
        assert_eq!(&chunk.data[..], b"a,b\n1,\"a,b\"\n2,\n3,\"\"\n");
        assert_eq!(chunk.rows, 3);
        // Too few values: the row is dropped.
        let mut enc = CopyEncoder::new(&CopyOptions::text(), c).unwrap();
        enc.encode_field(&1i32).unwrap();
        assert!(enc.end_row().is_err());
        enc.encode_field(&1i32).unwrap();
        enc.encode_field("x").unwrap();
        enc.end_row().unwrap();
        assert_eq!(&enc.finish().unwrap().data[..], b"1\tx\n");
    }

    #[test]
    fn binary_rows() {
        let c = cols(&[("a", Type::INT4), ("b", Type::TEXT)]);
        let mut enc = CopyEncoder::new(&CopyOptions::binary(), c).unwrap();
        (7i32, "hi").encode_row(&mut enc).unwrap();
        enc.end_row().unwrap();
        enc.encode_field(&8i32).unwrap();
        enc.encode_null();
        enc.end_row().unwrap();
        let data = enc.finish().unwrap().data;
        let mut want = binary::HEADER.to_vec();
        want.extend_from_slice(b"\0\x02\0\0\0\x04\0\0\0\x07\0\0\0\x02hi");
        want.extend_from_slice(b"\0\x02\0\0\0\x04\0\0\0\x08\xff\xff\xff\xff");
        want.extend_from_slice(b"\xff\xff");
        assert_eq!(&data[..], &want[..]);
    }

    #[test]
    fn force_quote_names_must_be_columns() {
        let c = cols(&[("a", Type::INT4)]);
        let opts = CopyOptions {
            force_quote: ForceQuote::Columns(vec!["zz".into()]),
            ..CopyOptions::csv()
        };
        let e = CopyEncoder::new(&opts, c).unwrap_err();
        assert_eq!(e.code.code(), "42P10");
    }
}
