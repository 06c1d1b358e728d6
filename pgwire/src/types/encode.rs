//! Writing values into `DataRow` messages.

use std::sync::Arc;

use bytes::{BufMut, Bytes, BytesMut};

use super::{Column, Format, Formats, Type};
use crate::error::{PgError, PgResult, SqlState};

/// Whether an encoder wrote a value or a NULL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IsNull {
    /// The value is NULL; nothing was written.
    Yes,
    /// A value was written.
    No,
}

/// A Rust type that maps to one PostgreSQL type (used for RowDescription and
/// ParameterDescription).
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no PostgreSQL type",
    note = "implement `pgwire::types::PgType` for it, or use a type pgwire maps (i64, String, bool, f64, chrono and uuid types, Option<T>, Vec<T>, ...)"
)]
pub trait PgType {
    /// The PostgreSQL type values of this Rust type are sent as.
    fn pg_type() -> Type;
}

/// A value that can be sent to a client as a column value, in text or binary format.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sent as a PostgreSQL value",
    note = "implement `pgwire::types::ToPgValue` for it, or convert it to a type pgwire encodes (i64, String, bool, f64, chrono and uuid types, Option<T>, Vec<T>, ...)"
)]
pub trait ToPgValue {
    /// Appends the text representation, exactly as PostgreSQL prints it.
    fn encode_text(&self, buf: &mut BytesMut) -> PgResult<IsNull>;
    /// Appends the binary representation for column type `ty`.
    fn encode_binary(&self, ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull>;
}

impl<T: ToPgValue + ?Sized> ToPgValue for &T {
    fn encode_text(&self, buf: &mut BytesMut) -> PgResult<IsNull> {
        (**self).encode_text(buf)
    }
    fn encode_binary(&self, ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull> {
        (**self).encode_binary(ty, buf)
    }
}

impl<T: PgType + ?Sized> PgType for &T {
    fn pg_type() -> Type {
        T::pg_type()
    }
}

impl<T: PgType + ?Sized> PgType for Box<T> {
    fn pg_type() -> Type {
        T::pg_type()
    }
}

impl<T: ToPgValue + ?Sized> ToPgValue for Box<T> {
    fn encode_text(&self, buf: &mut BytesMut) -> PgResult<IsNull> {
        (**self).encode_text(buf)
    }
    fn encode_binary(&self, ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull> {
        (**self).encode_binary(ty, buf)
    }
}

impl<T: PgType + ?Sized> PgType for Arc<T> {
    fn pg_type() -> Type {
        T::pg_type()
    }
}

impl<T: ToPgValue + ?Sized> ToPgValue for Arc<T> {
    fn encode_text(&self, buf: &mut BytesMut) -> PgResult<IsNull> {
        (**self).encode_text(buf)
    }
    fn encode_binary(&self, ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull> {
        (**self).encode_binary(ty, buf)
    }
}

impl<T: PgType> PgType for Option<T> {
    fn pg_type() -> Type {
        T::pg_type()
    }
}

impl<T: ToPgValue> ToPgValue for Option<T> {
    fn encode_text(&self, buf: &mut BytesMut) -> PgResult<IsNull> {
        match self {
            Some(v) => v.encode_text(buf),
            None => Ok(IsNull::Yes),
        }
    }
    fn encode_binary(&self, ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull> {
        match self {
            Some(v) => v.encode_binary(ty, buf),
            None => Ok(IsNull::Yes),
        }
    }
}

/// One or more encoded `DataRow` messages, ready to be written to a client as they are.
///
/// A `DataRow` usually holds one row; [`DataRowEncoder::take_rows`] hands out many at once so
/// that engines producing rows on another thread pay per batch, not per row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataRow {
    pub(crate) bytes: Bytes,
    pub(crate) rows: usize,
}

impl DataRow {
    /// The encoded messages.
    pub fn as_bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// How many rows this holds.
    pub fn row_count(&self) -> usize {
        self.rows
    }

    /// Splits off the first `n` rows (n < row_count), leaving the rest in `self`.
    pub(crate) fn split_rows(&mut self, n: usize) -> DataRow {
        let mut offset = 0;
        for _ in 0..n {
            let len = i32::from_be_bytes([
                self.bytes[offset + 1],
                self.bytes[offset + 2],
                self.bytes[offset + 3],
                self.bytes[offset + 4],
            ]) as usize;
            offset += 1 + len;
        }
        let head = self.bytes.split_to(offset);
        self.rows -= n;
        DataRow {
            bytes: head,
            rows: n,
        }
    }
}

/// Encodes rows for a result set, column by column, in the formats the client asked for.
///
/// One encoder is reused for every row of a result: its buffer is allocated once and rows are
/// split off it without copying.
///
/// ```
/// use std::sync::Arc;
/// use pgwire::types::{Column, DataRowEncoder, Formats, Type};
///
/// let columns: Arc<[Column]> = vec![Column::new("id", Type::INT8), Column::new("name", Type::TEXT)].into();
/// let mut enc = DataRowEncoder::new(columns, Formats::AllText);
/// enc.encode_field(&1i64).unwrap();
/// enc.encode_field("ada").unwrap();
/// let row = enc.finish().unwrap();
/// assert_eq!(row.row_count(), 1);
/// ```
#[derive(Debug)]
pub struct DataRowEncoder {
    buf: BytesMut,
    columns: Arc<[Column]>,
    formats: Formats,
    col: usize,
    row_start: usize,
    rows: usize,
}

impl DataRowEncoder {
    /// An encoder for rows of `columns` in `formats`.
    pub fn new(columns: Arc<[Column]>, formats: Formats) -> Self {
        Self::with_capacity(columns, formats, 4096)
    }

    /// Like [`new`](Self::new), with a first buffer of `bytes` (it grows as needed): a small
    /// one for a result known to be a few rows saves allocator work on every query.
    pub fn with_capacity(columns: Arc<[Column]>, formats: Formats, bytes: usize) -> Self {
        DataRowEncoder {
            buf: BytesMut::with_capacity(bytes),
            columns,
            formats,
            col: 0,
            row_start: usize::MAX,
            rows: 0,
        }
    }

    /// The columns being encoded.
    pub fn columns(&self) -> &Arc<[Column]> {
        &self.columns
    }

    #[inline]
    fn begin_field(&mut self) {
        if self.row_start == usize::MAX {
            self.row_start = self.buf.len();
            self.buf.put_u8(b'D');
            self.buf.put_i32(0);
            self.buf.put_i16(self.columns.len() as i16);
        }
    }

    /// Appends the next column's value (in that column's format).
    #[inline]
    pub fn encode_field<T: ToPgValue + ?Sized>(&mut self, value: &T) -> PgResult<()> {
        self.begin_field();
        let col = self.col;
        let len_pos = self.buf.len();
        self.buf.put_i32(0);
        let is_null = match self.formats.get(col) {
            Format::Text => value.encode_text(&mut self.buf)?,
            Format::Binary => {
                let ty = match self.columns.get(col) {
                    Some(c) => &c.ty,
                    None => &Type::UNKNOWN,
                };
                value.encode_binary(ty, &mut self.buf)?
            }
        };
        let len = match is_null {
            IsNull::Yes => {
                self.buf.truncate(len_pos + 4);
                -1
            }
            IsNull::No => (self.buf.len() - len_pos - 4) as i32,
        };
        self.buf[len_pos..len_pos + 4].copy_from_slice(&len.to_be_bytes());
        self.col += 1;
        Ok(())
    }

    /// Appends a NULL for the next column.
    pub fn encode_null(&mut self) {
        self.begin_field();
        self.buf.put_i32(-1);
        self.col += 1;
    }

    /// Appends a value already encoded in the column's format (`None` for NULL).
    pub fn encode_raw(&mut self, value: Option<&[u8]>) {
        self.begin_field();
        crate::codec::put_len_prefixed(&mut self.buf, value);
        self.col += 1;
    }

    /// Ends the current row, keeping it in the encoder's buffer (see [`take_rows`](Self::take_rows)).
    pub fn end_row(&mut self) -> PgResult<()> {
        self.begin_field();
        if self.col != self.columns.len() {
            let got = self.col;
            self.discard_row();
            return Err(PgError::new(
                SqlState::INTERNAL_ERROR,
                format!(
                    "row has {got} values but the result has {} columns",
                    self.columns.len()
                ),
            ));
        }
        let len = (self.buf.len() - self.row_start - 1) as i32;
        self.buf[self.row_start + 1..self.row_start + 5].copy_from_slice(&len.to_be_bytes());
        self.row_start = usize::MAX;
        self.col = 0;
        self.rows += 1;
        Ok(())
    }

    /// Drops a partly encoded row.
    pub fn discard_row(&mut self) {
        if self.row_start != usize::MAX {
            self.buf.truncate(self.row_start);
        }
        self.row_start = usize::MAX;
        self.col = 0;
    }

    /// Ends the current row and returns it (with any earlier rows not taken yet).
    pub fn finish(&mut self) -> PgResult<DataRow> {
        self.end_row()?;
        Ok(self.take_rows())
    }

    /// Takes every completed row as one batch.
    pub fn take_rows(&mut self) -> DataRow {
        let end = if self.row_start == usize::MAX {
            self.buf.len()
        } else {
            self.row_start
        };
        let bytes = self.buf.split_to(end).freeze();
        if self.row_start != usize::MAX {
            self.row_start -= end;
        }
        let rows = std::mem::take(&mut self.rows);
        if self.buf.capacity() < 1024 {
            self.buf.reserve(8192);
        }
        DataRow { bytes, rows }
    }

    /// Bytes of completed rows waiting in the buffer.
    pub fn pending_bytes(&self) -> usize {
        if self.row_start == usize::MAX {
            self.buf.len()
        } else {
            self.row_start
        }
    }
}
