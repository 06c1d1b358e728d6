//! [`CopyDecoder`]: COPY FROM data in, rows out, with no I/O. Bytes are pushed in chunks
//! split anywhere (inside a row, a quoted field, an escape or a UTF-8 character); rows come
//! out one at a time as [`CopyRow`]s borrowed from the decoder, so decoding allocates nothing
//! per row. Errors are PostgreSQL's (22P04, 22021, …) with its context (`COPY t, line 3:
//! "…"`).

use std::sync::Arc;

use bytes::{Buf, BytesMut};

use super::binary::{self, HeaderEnd, TupleEnd};
use super::csv::CsvSyntax;
use super::lines::{LineEnd, LineScanner};
use super::options::{CopyDirection, CopyOptions, FileFormat, Header};
use super::row::{CopyRow, Meta, Span, bad_format, check_utf8, with_context};
use super::text;
use crate::error::{PgError, PgResult, SqlState};
use crate::types::Column;

/// The longest line (or binary tuple) accepted, as PostgreSQL's 1 GB string limit.
pub const MAX_ROW_BYTES: usize = (1 << 30) - 1;

/// What [`CopyDecoder::next_row`] found.
#[derive(Debug)]
pub enum Decoded<'a> {
    /// A row.
    Row(CopyRow<'a>),
    /// More bytes are needed ([`push`](CopyDecoder::push) them, or
    /// [`finish`](CopyDecoder::finish) if there are none).
    NeedInput,
    /// The data ended (end of input, `\.` or the binary trailer) and every row was read.
    End,
}

/// What one decoding step found (the row itself is read with `row()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    Row,
    NeedInput,
    End,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    BinaryHeader,
    HeaderLine,
    Rows,
    /// The end marker was read; waiting for the end of input.
    Ended,
    Finished,
}

/// Decodes COPY FROM data in text, CSV or binary format into rows.
///
/// ```
/// use pgwire::copy::{CopyDecoder, CopyOptions, Decoded};
/// use pgwire::types::{Column, Type};
///
/// let cols = vec![Column::new("id", Type::INT8), Column::new("name", Type::TEXT)];
/// let mut dec = CopyDecoder::new(&CopyOptions::csv(), "t", cols.into()).unwrap();
/// dec.push(b"1,\"multi\nline\"\n2,");   // chunks may split rows anywhere
/// let mut names = Vec::new();
/// loop {
///     match dec.next_row().unwrap() {
///         Decoded::Row(row) => names.push(row.get::<Option<String>>(1).unwrap()),
///         Decoded::NeedInput => dec.finish(),   // no more data
///         Decoded::End => break,
///     }
/// }
/// assert_eq!(names, [Some("multi\nline".to_owned()), None]);
/// ```
#[derive(Debug)]
pub struct CopyDecoder {
    meta: Arc<Meta>,
    format: FileFormat,
    syntax: Syntax,
    header: Header,
    force_not_null: Box<[bool]>,
    force_null: Box<[bool]>,
    max_row: usize,

    input: BytesMut,
    /// Bytes of `input` that belong to the last row handed out; dropped at the next step.
    consumed: usize,
    eof: bool,
    state: State,
    lines: LineScanner,
    in_record: bool,
    lineno: u64,
    rows: u64,

    /// Text and CSV: the decoded fields of the current row.
    row: Vec<u8>,
    fields: Vec<Option<Span>>,
    failed: Option<PgError>,
}

/// Indexes of `names` in `columns`; 42P10 for a name the COPY does not include.
pub(crate) fn not_referenced(option: &str, names: &[String], columns: &[Column]) -> PgResult<()> {
    flags(option, names, columns).map(drop)
}

fn flags(option: &str, names: &[String], columns: &[Column]) -> PgResult<Box<[bool]>> {
    let mut f = vec![false; columns.len()];
    for name in names {
        match columns.iter().position(|c| &c.name == name) {
            Some(i) => f[i] = true,
            None => {
                return Err(PgError::new(
                    SqlState::from_code("42P10"),
                    format!("{option} column \"{name}\" not referenced by COPY"),
                ));
            }
        }
    }
    Ok(f.into())
}

impl CopyDecoder {
    /// A decoder for a COPY FROM into `table` (named in error context) of `columns` (in the
    /// order the data has them). Checks the options (as
    /// [`CopyOptions::validate`]) and that FORCE_NOT_NULL and FORCE_NULL name columns of
    /// the COPY (42P10).
    pub fn new(
        options: &CopyOptions,
        table: &str,
        columns: Arc<[Column]>,
    ) -> PgResult<CopyDecoder> {
        options.validate(CopyDirection::From)?;
        let force_not_null = flags("FORCE_NOT_NULL", &options.force_not_null, &columns)?;
        let force_null = flags("FORCE_NULL", &options.force_null, &columns)?;
        let format = options.format;
        let lines = match format {
            FileFormat::Csv => LineScanner::csv(options.quote, options.escape),
            _ => LineScanner::text(),
        };
        let state = match (format, options.header) {
            (FileFormat::Binary, _) => State::BinaryHeader,
            (_, Header::Off) => State::Rows,
            _ => State::HeaderLine,
        };
        Ok(CopyDecoder {
            meta: Arc::new(Meta {
                table: table.to_owned(),
                columns,
                binary: format == FileFormat::Binary,
            }),
            format,
            syntax: Syntax {
                csv: format == FileFormat::Csv,
                delimiter: options.delimiter,
                quote: options.quote,
                escape: options.escape,
                null: options.null.as_bytes().into(),
            },
            header: options.header,
            force_not_null,
            force_null,
            max_row: MAX_ROW_BYTES,
            input: BytesMut::new(),
            consumed: 0,
            eof: false,
            state,
            lines,
            in_record: false,
            lineno: 0,
            rows: 0,
            row: Vec::new(),
            fields: Vec::new(),
            failed: None,
        })
    }

    /// Sets the longest line or tuple accepted (default [`MAX_ROW_BYTES`]); a longer one
    /// fails the COPY with 54000.
    pub fn max_row_bytes(mut self, max: usize) -> CopyDecoder {
        self.max_row = max.min(MAX_ROW_BYTES);
        self
    }

    /// The columns rows are decoded for.
    pub fn columns(&self) -> &Arc<[Column]> {
        &self.meta.columns
    }

    /// The data format.
    pub fn format(&self) -> FileFormat {
        self.format
    }

    /// Rows decoded so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The current line number (of the row being read or last read).
    pub fn line(&self) -> u64 {
        self.lineno
    }

    /// `COPY t, line N`: PostgreSQL's context for an error at this point of the data.
    pub fn context(&self) -> String {
        self.meta.line_context(self.lineno.max(1))
    }

    pub(crate) fn meta(&self) -> &Arc<Meta> {
        &self.meta
    }

    /// Adds data (a CopyData payload).
    pub fn push(&mut self, data: &[u8]) {
        match self.state {
            State::Ended | State::Finished => {
                if self.format == FileFormat::Binary && !data.is_empty() && self.failed.is_none() {
                    let e = bad_format("received copy data after EOF marker")
                        .context(self.meta.line_context(self.lineno));
                    self.fail(e);
                }
                // Text and CSV ignore what follows `\.`, as PostgreSQL does.
            }
            _ => self.input.extend_from_slice(data),
        }
    }

    /// Marks the end of the data (CopyDone).
    pub fn finish(&mut self) {
        self.eof = true;
    }

    /// Ends decoding with `e`: every later call returns it.
    pub(crate) fn fail(&mut self, e: PgError) {
        self.failed = Some(e);
    }

    /// The next row, or whether more input is needed or the data ended.
    pub fn next_row(&mut self) -> PgResult<Decoded<'_>> {
        Ok(match self.step()? {
            Step::Row => Decoded::Row(self.row()),
            Step::NeedInput => Decoded::NeedInput,
            Step::End => Decoded::End,
        })
    }

    /// The row the last [`Step::Row`] decoded.
    pub(crate) fn row(&self) -> CopyRow<'_> {
        CopyRow {
            data: if self.format == FileFormat::Binary {
                &self.input
            } else {
                &self.row
            },
            fields: &self.fields,
            line: self.lineno,
            meta: &self.meta,
        }
    }

    pub(crate) fn step(&mut self) -> PgResult<Step> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if self.consumed > 0 {
            self.input.advance(self.consumed);
            self.consumed = 0;
        }
        let r = self.step_inner();
        if let Err(e) = &r {
            self.failed = Some(e.clone());
        }
        r
    }

    fn step_inner(&mut self) -> PgResult<Step> {
        loop {
            match self.state {
                State::Finished => return Ok(Step::End),
                State::Ended => {
                    self.input.clear();
                    if self.eof {
                        self.state = State::Finished;
                        return Ok(Step::End);
                    }
                    return Ok(Step::NeedInput);
                }
                State::BinaryHeader => match binary::header(&self.input, self.eof)? {
                    HeaderEnd::NeedMore => return Ok(Step::NeedInput),
                    HeaderEnd::Done(n) => {
                        self.input.advance(n);
                        self.state = State::Rows;
                    }
                },
                State::HeaderLine => {
                    if !self.in_record {
                        self.begin_record();
                    }
                    let Some(end) = self.scan_line()? else {
                        return Ok(Step::NeedInput);
                    };
                    self.in_record = false;
                    let (content, next) = match end {
                        LineEnd::Line { content, next } => (content, next),
                        LineEnd::EndOfData { content } => (content, self.input.len()),
                        LineEnd::NeedMore => return Ok(Step::NeedInput),
                    };
                    if self.header == Header::Match {
                        self.check_header(content)?;
                    }
                    self.input.advance(next);
                    self.state = if matches!(end, LineEnd::EndOfData { .. }) {
                        State::Ended
                    } else {
                        State::Rows
                    };
                }
                State::Rows if self.format == FileFormat::Binary => return self.binary_row(),
                State::Rows => {
                    if self.eof && self.input.is_empty() {
                        // Nothing is left of a line (bytes are consumed only at its end).
                        self.in_record = false;
                        self.state = State::Finished;
                        return Ok(Step::End);
                    }
                    if !self.in_record {
                        self.begin_record();
                    }
                    let Some(end) = self.scan_line()? else {
                        return Ok(Step::NeedInput);
                    };
                    self.in_record = false;
                    match end {
                        LineEnd::NeedMore => return Ok(Step::NeedInput),
                        LineEnd::Line { content, next } => {
                            self.decode_line(content)?;
                            self.consumed = next;
                            self.rows += 1;
                            return Ok(Step::Row);
                        }
                        LineEnd::EndOfData { content } => {
                            self.state = State::Ended;
                            if content > 0 {
                                self.decode_line(content)?;
                                self.consumed = self.input.len();
                                self.rows += 1;
                                return Ok(Step::Row);
                            }
                        }
                    }
                }
            }
        }
    }

    fn begin_record(&mut self) {
        self.in_record = true;
        self.lineno += 1;
        self.lines.reset();
    }

    /// Scans for the end of the current line; `None` when more input is needed.
    fn scan_line(&mut self) -> PgResult<Option<LineEnd>> {
        let end = self
            .lines
            .scan(&self.input, self.eof, &mut self.lineno)
            .map_err(|e| with_context(e, || self.meta.line_context(self.lineno)))?;
        if end == LineEnd::NeedMore {
            if self.lines.scanned() > self.max_row {
                return Err(too_long(self.lines.scanned()));
            }
            return Ok(None);
        }
        Ok(Some(end))
    }

    /// Splits `input[..content]` into the row's fields and checks their number.
    fn decode_line(&mut self, content: usize) -> PgResult<()> {
        if content > self.max_row {
            return Err(too_long(content));
        }
        let CopyDecoder {
            meta,
            syntax,
            input,
            lineno,
            row,
            fields,
            force_not_null,
            force_null,
            ..
        } = self;
        let (meta, lineno, line) = (&**meta, *lineno, &input[..content]);
        check_utf8(line).map_err(|e| with_context(e, || meta.line_context(lineno)))?;
        syntax
            .split(line, row, fields)
            .map_err(|e| with_context(e, || meta.line_text_context(lineno, line)))?;
        let n = meta.columns.len();
        let got = fields.len();
        if n > 0 && got > n {
            return Err(with_context(
                bad_format("extra data after last expected column"),
                || meta.line_text_context(lineno, line),
            ));
        }
        if let Some(col) = meta.columns.get(got) {
            return Err(with_context(
                bad_format(format!("missing data for column \"{}\"", col.name)),
                || meta.line_text_context(lineno, line),
            ));
        }
        if syntax.csv {
            // FORCE_NOT_NULL: a NULL reads as the NULL string; FORCE_NULL: a quoted NULL
            // string reads as NULL.
            for (i, f) in fields.iter_mut().enumerate() {
                match f {
                    None if force_not_null.get(i) == Some(&true) => {
                        let start = row.len();
                        row.extend_from_slice(&syntax.null);
                        *f = Some(Span::new(start, row.len()));
                    }
                    Some(s)
                        if force_null.get(i) == Some(&true)
                            && row[s.start as usize..s.end as usize] == *syntax.null =>
                    {
                        *f = None;
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// HEADER MATCH: the first line must hold the column names.
    fn check_header(&mut self, content: usize) -> PgResult<()> {
        let CopyDecoder {
            meta,
            syntax,
            input,
            lineno,
            row,
            fields,
            ..
        } = self;
        let (meta, lineno, line) = (&**meta, *lineno, &input[..content]);
        check_utf8(line).map_err(|e| with_context(e, || meta.line_context(lineno)))?;
        let ctx = || meta.line_text_context(lineno, line);
        syntax
            .split(line, row, fields)
            .map_err(|e| with_context(e, ctx))?;
        let cols = &meta.columns;
        if fields.len() != cols.len() {
            return Err(with_context(
                bad_format(format!(
                    "wrong number of fields in header line: got {}, expected {}",
                    fields.len(),
                    cols.len()
                )),
                ctx,
            ));
        }
        for (i, (f, col)) in fields.iter().zip(cols.iter()).enumerate() {
            let msg = match f {
                None => format!(
                    "column name mismatch in header line field {}: got null value (\"{}\"), expected \"{}\"",
                    i + 1,
                    String::from_utf8_lossy(&syntax.null),
                    col.name
                ),
                Some(s) => {
                    let got = &row[s.start as usize..s.end as usize];
                    if got == col.name.as_bytes() {
                        continue;
                    }
                    format!(
                        "column name mismatch in header line field {}: got \"{}\", expected \"{}\"",
                        i + 1,
                        String::from_utf8_lossy(got),
                        col.name
                    )
                }
            };
            return Err(with_context(bad_format(msg), ctx));
        }
        Ok(())
    }

    fn binary_row(&mut self) -> PgResult<Step> {
        if !self.in_record {
            self.in_record = true;
            self.lineno += 1;
        }
        let meta = &self.meta;
        let lineno = self.lineno;
        let end = binary::tuple(&self.input, self.eof, meta.columns.len(), &mut self.fields)
            .map_err(|e| match e.column {
                Some(c) => with_context(e.error, || meta.column_context(lineno, c, None)),
                None => with_context(e.error, || meta.line_context(lineno)),
            })?;
        match end {
            TupleEnd::NeedMore => {
                if self.input.len() > self.max_row {
                    return Err(too_long(self.input.len()));
                }
                Ok(Step::NeedInput)
            }
            TupleEnd::Eof => {
                self.in_record = false;
                self.state = State::Finished;
                Ok(Step::End)
            }
            TupleEnd::Trailer => {
                self.in_record = false;
                if self.input.len() > 2 {
                    return Err(with_context(
                        bad_format("received copy data after EOF marker"),
                        || meta.line_context(lineno),
                    ));
                }
                self.state = State::Ended;
                self.step_inner()
            }
            TupleEnd::Tuple(len) => {
                self.in_record = false;
                self.consumed = len;
                self.rows += 1;
                Ok(Step::Row)
            }
        }
    }
}

/// How text and CSV lines split into fields.
#[derive(Debug)]
struct Syntax {
    csv: bool,
    delimiter: u8,
    quote: u8,
    escape: u8,
    null: Box<[u8]>,
}

impl Syntax {
    fn split(
        &self,
        line: &[u8],
        row: &mut Vec<u8>,
        fields: &mut Vec<Option<Span>>,
    ) -> PgResult<()> {
        row.clear();
        fields.clear();
        if self.csv {
            CsvSyntax {
                delim: self.delimiter,
                quote: self.quote,
                escape: self.escape,
                null: &self.null,
            }
            .parse_fields(line, row, fields)
        } else {
            text::parse_fields(line, self.delimiter, &self.null, row, fields)
        }
    }
}

/// 54000, as PostgreSQL fails on a line past its 1 GB string limit.
fn too_long(len: usize) -> PgError {
    PgError::new(SqlState::PROGRAM_LIMIT_EXCEEDED, "out of memory").detail(format!(
        "Cannot enlarge string buffer containing {len} bytes by 1 more bytes."
    ))
}
