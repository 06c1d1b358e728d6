//! [`CopyEncoder`]: rows in, COPY TO data out (text with escapes, CSV with quoting, binary
//! with signature and trailer), batched into [`CopyDataBatch`]es; and [`ToCopyRow`], the rows
//! [`CopyOut::rows`](super::CopyOut::rows) takes (tuples and vectors of values).
//!
//! A batch holds many rows but each row is its own CopyData message, as PostgreSQL sends
//! them: clients such as tokio-postgres's `BinaryCopyOutStream` and psycopg's
//! `Copy.rows()` read one row per message.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Buf, BufMut, Bytes, BytesMut};
use futures::Stream;

use super::binary;
use super::csv::CsvSyntax;
use super::options::{CopyDirection, CopyOptions, FileFormat, ForceQuote, Header};
use super::text;
use crate::error::{PgError, PgResult, SqlState};
use crate::types::{Column, IsNull, ToPgValue, Type};

/// Bytes gathered before a batch is handed out by [`CopyOut::rows`](super::CopyOut::rows).
pub const CHUNK_BYTES: usize = 64 * 1024;

/// CopyData messages encoded by a [`CopyEncoder`], ready for the wire: one message per row
/// (and for a header line; the binary signature rides with the first row, the trailer has
/// its own), as PostgreSQL sends them. Send batches with
/// [`CopyOut::batches`](super::CopyOut::batches).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CopyDataBatch {
    /// Whole CopyData messages (tag, length, payload).
    pub(crate) wire: Bytes,
    rows: u64,
}

impl CopyDataBatch {
    /// Rows in the batch (counted for the `COPY n` tag).
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Whether the batch holds no messages.
    pub fn is_empty(&self) -> bool {
        self.wire.is_empty()
    }

    /// The payload of each CopyData message, in order (slices of the batch, no copy).
    pub fn messages(&self) -> impl Iterator<Item = Bytes> + '_ {
        let mut rest = self.wire.clone();
        std::iter::from_fn(move || {
            if rest.len() < 5 {
                return None;
            }
            let len = i32::from_be_bytes([rest[1], rest[2], rest[3], rest[4]]) as usize;
            let mut msg = rest.split_to((1 + len).min(rest.len()));
            msg.advance(5);
            Some(msg)
        })
    }

    /// Bytes of COPY data (the payloads, without message headers).
    pub fn payload_len(&self) -> usize {
        self.messages().map(|m| m.len()).sum()
    }

    /// The COPY data itself: every payload, concatenated (what a file would hold).
    pub fn payload(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.wire.len());
        for m in self.messages() {
            out.extend_from_slice(&m);
        }
        out
    }
}

/// Encodes rows for a COPY TO in text, CSV or binary format, into one buffer that is split
/// into [`CopyDataBatch`]es without copying.
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
/// let batch = enc.finish().unwrap();
/// assert_eq!(batch.payload(), b"1\ttab\\there\n2\t\\N\n");
/// assert_eq!(batch.rows(), 2);
/// assert_eq!(batch.messages().count(), 2);
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
    /// Where the current row's CopyData message starts.
    row_start: Option<usize>,
    rows: u64,
    /// Binary: the file header, not sent yet (it goes with the first row or the trailer).
    header_pending: bool,
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
            header_pending: options.format == FileFormat::Binary,
            finished: false,
        };
        if options.format != FileFormat::Binary && options.header == Header::On {
            enc.header_line();
        }
        Ok(enc)
    }

    /// Starts a CopyData message (its length is filled in by `end_message`).
    #[inline]
    fn begin_message(&mut self) -> usize {
        let start = self.buf.len();
        self.buf.put_u8(b'd');
        self.buf.put_i32(0);
        if self.header_pending {
            self.header_pending = false;
            self.buf.extend_from_slice(binary::HEADER);
        }
        start
    }

    #[inline]
    fn end_message(&mut self, start: usize) {
        let len = (self.buf.len() - start - 1) as i32;
        self.buf[start + 1..start + 5].copy_from_slice(&len.to_be_bytes());
    }

    fn header_line(&mut self) {
        let msg = self.begin_message();
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
        self.end_message(msg);
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
            self.begin_row();
        } else if self.format != FileFormat::Binary {
            self.buf.put_u8(self.csv.delim);
        }
    }

    fn begin_row(&mut self) {
        self.row_start = Some(self.begin_message());
        if self.format == FileFormat::Binary {
            self.buf.put_i16(self.columns.len() as i16);
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
        let start = match self.row_start.take() {
            Some(s) => s,
            None => {
                // A row of zero columns.
                self.begin_row();
                self.row_start.take().unwrap_or(0)
            }
        };
        if self.format != FileFormat::Binary {
            self.buf.put_u8(b'\n');
        }
        self.end_message(start);
        self.col = 0;
        self.rows += 1;
        Ok(())
    }

    /// Drops a partly encoded row.
    pub fn discard_row(&mut self) {
        if let Some(start) = self.row_start.take() {
            // The binary header rides with the first row: keep it for the next one. (A
            // tuple cannot start like it: "PG" would be 20551 columns.)
            if self.format == FileFormat::Binary
                && self.buf.get(start + 5..start + 5 + binary::HEADER.len())
                    == Some(&binary::HEADER[..])
            {
                self.header_pending = true;
            }
            self.buf.truncate(start);
        }
        self.col = 0;
    }

    /// Bytes of completed rows (and header) waiting.
    pub fn pending_bytes(&self) -> usize {
        self.row_start.unwrap_or(self.buf.len())
    }

    /// Takes every completed row (and a header line) as one batch.
    pub fn take_batch(&mut self) -> CopyDataBatch {
        let end = self.pending_bytes();
        let wire = self.buf.split_to(end).freeze();
        if let Some(start) = self.row_start.as_mut() {
            *start -= end;
        }
        if self.buf.capacity() < 1024 {
            self.buf.reserve(CHUNK_BYTES);
        }
        CopyDataBatch {
            wire,
            rows: std::mem::take(&mut self.rows),
        }
    }

    /// Ends the data: the rows not taken yet, and the binary trailer. An error if a row is
    /// unfinished.
    pub fn finish(&mut self) -> PgResult<CopyDataBatch> {
        if self.row_start.is_some() {
            self.discard_row();
            return Err(PgError::new(
                SqlState::INTERNAL_ERROR,
                "COPY ended in the middle of a row",
            ));
        }
        if self.format == FileFormat::Binary && !self.finished {
            let msg = self.begin_message();
            self.buf.put_i16(-1);
            self.end_message(msg);
        }
        self.finished = true;
        Ok(self.take_batch())
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
    type Item = PgResult<CopyDataBatch>;

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
                        return Poll::Ready(Some(Ok(this.enc.take_batch())));
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
                        return Poll::Ready(Some(Ok(this.enc.take_batch())));
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
        let batch = enc.finish().unwrap();
        assert_eq!(batch.payload(), b"a,b\n1,\"a,b\"\n2,\n3,\"\"\n");
        assert_eq!(batch.rows(), 3);
        let messages: Vec<Bytes> = batch.messages().collect();
        assert_eq!(messages, ["a,b\n", "1,\"a,b\"\n", "2,\n", "3,\"\"\n"]);
        // Too few values: the row is dropped.
        let mut enc = CopyEncoder::new(&CopyOptions::text(), c).unwrap();
        enc.encode_field(&1i32).unwrap();
        assert!(enc.end_row().is_err());
        enc.encode_field(&1i32).unwrap();
        enc.encode_field("x").unwrap();
        enc.end_row().unwrap();
        assert_eq!(enc.finish().unwrap().payload(), b"1\tx\n");
    }

    #[test]
    fn binary_rows() {
        let c = cols(&[("a", Type::INT4), ("b", Type::TEXT)]);
        let mut enc = CopyEncoder::new(&CopyOptions::binary(), c).unwrap();
        // A failed first row keeps the header for the next.
        enc.encode_field(&1i32).unwrap();
        enc.discard_row();
        (7i32, "hi").encode_row(&mut enc).unwrap();
        enc.end_row().unwrap();
        enc.encode_field(&8i32).unwrap();
        enc.encode_null();
        enc.end_row().unwrap();
        let batch = enc.finish().unwrap();
        let mut first = binary::HEADER.to_vec();
        first.extend_from_slice(b"\0\x02\0\0\0\x04\0\0\0\x07\0\0\0\x02hi");
        let second = b"\0\x02\0\0\0\x04\0\0\0\x08\xff\xff\xff\xff".to_vec();
        let messages: Vec<Vec<u8>> = batch.messages().map(|m| m.to_vec()).collect();
        assert_eq!(messages, vec![first, second, b"\xff\xff".to_vec()]);
        // No rows: header and trailer in one message, as PostgreSQL sends them.
        let mut enc = CopyEncoder::new(&CopyOptions::binary(), cols(&[("a", Type::INT4)])).unwrap();
        let mut want = binary::HEADER.to_vec();
        want.extend_from_slice(b"\xff\xff");
        let messages: Vec<Vec<u8>> = enc
            .finish()
            .unwrap()
            .messages()
            .map(|m| m.to_vec())
            .collect();
        assert_eq!(messages, vec![want]);
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
