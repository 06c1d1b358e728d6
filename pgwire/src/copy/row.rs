//! Decoded COPY rows ([`CopyRow`], borrowed; [`RowBatch`], owned) and the error context
//! PostgreSQL attaches to COPY FROM errors (`COPY t, line 5, column v: "abc"`).

use std::sync::Arc;

use crate::error::{PgError, PgResult, SqlState};
use crate::types::{Column, FromPgValue, Type};

/// Where a field's bytes are in a row's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    /// The span moved from `from` to `to` (`from` is at most `start`).
    fn rebased(self, from: u32, to: usize) -> Span {
        Span::new(
            (self.start - from) as usize + to,
            (self.end - from) as usize + to,
        )
    }
}

/// What every row of one COPY shares: the table (for error context), columns and format.
#[derive(Debug)]
pub(crate) struct Meta {
    pub table: String,
    pub columns: Arc<[Column]>,
    pub binary: bool,
}

impl Meta {
    /// `COPY t, line N`
    pub fn line_context(&self, line: u64) -> String {
        format!("COPY {}, line {line}", self.table)
    }

    /// `COPY t, line N: "raw line"`
    pub fn line_text_context(&self, line: u64, raw: &[u8]) -> String {
        format!(
            "COPY {}, line {line}: \"{}\"",
            self.table,
            limit_printout(raw)
        )
    }

    /// `COPY t, line N, column c: "value"` (text), `…: null input`, or `COPY t, line N,
    /// column c` (binary).
    pub fn column_context(&self, line: u64, col: usize, value: Option<&[u8]>) -> String {
        let name = self.columns.get(col).map_or("?", |c| c.name.as_str());
        if self.binary {
            format!("COPY {}, line {line}, column {name}", self.table)
        } else {
            match value {
                Some(v) => format!(
                    "COPY {}, line {line}, column {name}: \"{}\"",
                    self.table,
                    limit_printout(v)
                ),
                None => format!(
                    "COPY {}, line {line}, column {name}: null input",
                    self.table
                ),
            }
        }
    }
}

/// At most 100 bytes of `raw` (cut at a character boundary) and `...`, as PostgreSQL's
/// `limit_printout_length` prints data in error context.
pub(crate) fn limit_printout(raw: &[u8]) -> String {
    const MAX: usize = 100;
    let s = String::from_utf8_lossy(raw);
    if s.len() <= MAX {
        return s.into_owned();
    }
    let mut cut = MAX;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}...", &s[..cut])
}

/// 22P04 bad_copy_file_format.
pub(crate) fn bad_format(message: impl Into<String>) -> PgError {
    PgError::new(SqlState::BAD_COPY_FILE_FORMAT, message)
}

/// Adds `context` to `e` unless it has one.
pub(crate) fn with_context(mut e: PgError, context: impl FnOnce() -> String) -> PgError {
    if e.where_.is_none() {
        e.where_ = Some(context());
    }
    e
}

/// 22021 for bytes that are not UTF-8 (or hold a NUL), worded as PostgreSQL's
/// `report_invalid_encoding`.
pub(crate) fn check_utf8(bytes: &[u8]) -> PgResult<()> {
    let bad = match std::str::from_utf8(bytes) {
        Ok(_) => match memchr::memchr(0, bytes) {
            None => return Ok(()),
            Some(i) => i,
        },
        Err(e) => {
            let ok = e.valid_up_to();
            match memchr::memchr(0, &bytes[..ok]) {
                Some(i) => i,
                None => ok,
            }
        }
    };
    let rest = &bytes[bad..];
    let lead = rest.first().copied().unwrap_or(0);
    let len = match lead {
        b if b & 0x80 == 0 => 1,
        b if b & 0xe0 == 0xc0 => 2,
        b if b & 0xf0 == 0xe0 => 3,
        b if b & 0xf8 == 0xf0 => 4,
        _ => 1,
    };
    let shown: Vec<String> = rest
        .iter()
        .take(len)
        .map(|b| format!("0x{b:02x}"))
        .collect();
    Err(PgError::new(
        SqlState::CHARACTER_NOT_IN_REPERTOIRE,
        format!(
            "invalid byte sequence for encoding \"UTF8\": {}",
            shown.join(" ")
        ),
    ))
}

/// One row of a COPY FROM, borrowed from the decoder (or a [`RowBatch`]): one buffer and
/// the place of each field in it, so reading a row allocates nothing.
///
/// In text and CSV formats a field holds its decoded text (escapes and quotes removed,
/// valid UTF-8); in binary format, the value's binary representation.
#[derive(Clone, Copy)]
pub struct CopyRow<'a> {
    pub(crate) data: &'a [u8],
    pub(crate) fields: &'a [Option<Span>],
    pub(crate) line: u64,
    pub(crate) meta: &'a Meta,
}

impl std::fmt::Debug for CopyRow<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CopyRow")
            .field("line", &self.line)
            .field(
                "fields",
                &self
                    .iter()
                    .map(|v| v.map(String::from_utf8_lossy))
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl<'a> CopyRow<'a> {
    /// Number of fields (the number of columns).
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether the row has no fields (a COPY of zero columns).
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The line number PostgreSQL would report for this row (1-based, counting a header
    /// line; in binary format, the tuple number).
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Whether field `i` (0-based) is NULL (or missing).
    pub fn is_null(&self, i: usize) -> bool {
        self.raw(i).is_none()
    }

    /// Field `i` (0-based): the decoded text (text and CSV) or the binary value; `None` for
    /// NULL (or for an index past the last field).
    #[inline]
    pub fn raw(&self, i: usize) -> Option<&'a [u8]> {
        let s = (*self.fields.get(i)?)?;
        self.data.get(s.start as usize..s.end as usize)
    }

    /// Field `i` as text; 22021 if it is not UTF-8 (text and CSV fields always are; in binary
    /// format only text-like columns hold text).
    pub fn text(&self, i: usize) -> PgResult<Option<&'a str>> {
        match self.raw(i) {
            None => Ok(None),
            Some(b) => match std::str::from_utf8(b) {
                Ok(s) => Ok(Some(s)),
                Err(_) => {
                    let e = check_utf8(b).err().unwrap_or_else(|| {
                        PgError::new(SqlState::CHARACTER_NOT_IN_REPERTOIRE, "invalid UTF-8")
                    });
                    Err(with_context(e, || {
                        self.meta.column_context(self.line, i, None)
                    }))
                }
            },
        }
    }

    /// Field `i` decoded as `T` for its column's type (`from_text` in text and CSV,
    /// `from_binary` in binary, `from_null` for NULL). Errors carry PostgreSQL's context,
    /// e.g. `COPY t, line 5, column n: "abc"`.
    ///
    /// ```
    /// use pgwire::copy::{CopyDecoder, CopyOptions, Decoded};
    /// use pgwire::types::{Column, Type};
    ///
    /// let cols = vec![Column::new("n", Type::INT4), Column::new("s", Type::TEXT)];
    /// let mut dec = CopyDecoder::new(&CopyOptions::text(), "t", cols.into()).unwrap();
    /// dec.push(b"42\t\\N\n");
    /// let Decoded::Row(row) = dec.next_row().unwrap() else { panic!() };
    /// assert_eq!(row.get::<i32>(0).unwrap(), 42);
    /// assert_eq!(row.get::<Option<String>>(1).unwrap(), None);
    /// ```
    pub fn get<T: FromPgValue>(&self, i: usize) -> PgResult<T> {
        let ty = self.meta.columns.get(i).map_or(&Type::UNKNOWN, |c| &c.ty);
        let value = self.raw(i);
        let r = match value {
            None if i >= self.fields.len() => Err(PgError::new(
                SqlState::UNDEFINED_COLUMN,
                format!("COPY row has no field {i}"),
            )),
            None => T::from_null(ty),
            Some(v) if self.meta.binary => T::from_binary(ty, v),
            Some(v) => T::from_text(ty, v),
        };
        r.map_err(|e| with_context(e, || self.meta.column_context(self.line, i, value)))
    }

    /// The fields in order (`None` for NULL).
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Option<&'a [u8]>> + '_ {
        (0..self.fields.len()).map(|i| self.raw(i))
    }

    /// `COPY t, line N`: PostgreSQL's context for an error about this row, for errors a
    /// consumer raises itself (the typed API adds it to consumer errors that have none).
    pub fn context(&self) -> String {
        self.meta.line_context(self.line)
    }

    /// Whether the fields hold binary values (`FORMAT binary`) rather than text.
    pub fn is_binary(&self) -> bool {
        self.meta.binary
    }

    /// The column field `i` is read for (its name and type).
    pub fn column(&self, i: usize) -> Option<&'a Column> {
        self.meta.columns.get(i)
    }

    /// `COPY t, line N, column c: "value"` (`…: null input` for NULL; `COPY t, line N,
    /// column c` in binary): PostgreSQL's context for an error about field `i`, for
    /// consumers that convert fields themselves instead of with [`get`](CopyRow::get).
    pub fn column_context(&self, i: usize) -> String {
        self.meta.column_context(self.line, i, self.raw(i))
    }
}

/// Decoded rows that own their data, to hand to another thread (a blocking engine) in one
/// piece: one buffer for all rows' fields, no allocation per row.
#[derive(Debug)]
pub struct RowBatch {
    pub(crate) meta: Arc<Meta>,
    data: Vec<u8>,
    fields: Vec<Option<Span>>,
    /// Per row: its line number and where its fields start in `fields`.
    rows: Vec<(u64, u32)>,
}

impl RowBatch {
    pub(crate) fn new(meta: Arc<Meta>) -> RowBatch {
        RowBatch {
            meta,
            data: Vec::new(),
            fields: Vec::new(),
            rows: Vec::new(),
        }
    }

    /// Appends a copy of `row`.
    pub(crate) fn push(&mut self, row: &CopyRow<'_>) {
        let base = self.data.len();
        self.rows.push((row.line, self.fields.len() as u32));
        let (lo, hi) = row
            .fields
            .iter()
            .flatten()
            .fold((u32::MAX, 0), |(lo, hi), s| {
                (lo.min(s.start), hi.max(s.end))
            });
        if lo == u32::MAX {
            self.fields.extend_from_slice(row.fields);
            return;
        }
        self.data
            .extend_from_slice(&row.data[lo as usize..hi as usize]);
        self.fields
            .extend(row.fields.iter().map(|f| f.map(|s| s.rebased(lo, base))));
    }

    /// Bytes of field data held.
    pub(crate) fn data_len(&self) -> usize {
        self.data.len()
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Row `i`.
    pub fn get(&self, i: usize) -> Option<CopyRow<'_>> {
        (i < self.rows.len()).then(|| self.row_at(i))
    }

    fn row_at(&self, i: usize) -> CopyRow<'_> {
        let (line, start) = self.rows.get(i).copied().unwrap_or_default();
        let end = self
            .rows
            .get(i + 1)
            .map_or(self.fields.len(), |r| r.1 as usize);
        CopyRow {
            data: &self.data,
            fields: self.fields.get(start as usize..end).unwrap_or_default(),
            line,
            meta: &self.meta,
        }
    }

    /// The rows in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = CopyRow<'_>> + '_ {
        (0..self.rows.len()).map(|i| self.row_at(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printout_is_limited_at_a_char_boundary() {
        assert_eq!(limit_printout(b"abc"), "abc");
        let long = "é".repeat(60);
        let shown = limit_printout(long.as_bytes());
        assert_eq!(shown, format!("{}...", "é".repeat(50)));
        let long = "a".repeat(101);
        assert_eq!(limit_printout(long.as_bytes()).len(), 103);
    }

    #[test]
    fn invalid_utf8_is_worded_as_postgres() {
        assert!(check_utf8("héllo".as_bytes()).is_ok());
        let e = check_utf8(b"ab\xffc").unwrap_err();
        assert_eq!(e.code, SqlState::CHARACTER_NOT_IN_REPERTOIRE);
        assert_eq!(
            e.message,
            "invalid byte sequence for encoding \"UTF8\": 0xff"
        );
        let e = check_utf8(b"a\0b").unwrap_err();
        assert_eq!(
            e.message,
            "invalid byte sequence for encoding \"UTF8\": 0x00"
        );
        let e = check_utf8(b"x\xe2\x28\xa1").unwrap_err();
        assert_eq!(
            e.message,
            "invalid byte sequence for encoding \"UTF8\": 0xe2 0x28 0xa1"
        );
        let e = check_utf8(b"x\xe2\x82").unwrap_err();
        assert_eq!(
            e.message,
            "invalid byte sequence for encoding \"UTF8\": 0xe2 0x82"
        );
    }
}
