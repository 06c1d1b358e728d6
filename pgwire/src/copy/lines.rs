//! Splitting text and CSV COPY data into lines as PostgreSQL's `CopyReadLineText` does: the
//! first line fixes the newline style (`\n`, `\r\n` or a lone `\r`) and a different one later
//! is an error; a backslash escapes the next byte (text format); a quoted CSV field may span
//! lines; `\.` ends the data (anywhere in a text line, alone at the start of a CSV line).
//!
//! The scan is resumable: when a line is not complete yet it stops, keeps its place, and
//! goes on from there once more bytes arrive, so a long line costs one pass.

use memchr::{memchr2, memchr3};

use super::row::bad_format;
use crate::error::PgError;

/// The newline style, fixed by the first line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Eol {
    Unknown,
    Nl,
    Cr,
    CrNl,
}

/// How a scan ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineEnd {
    /// The line is not complete yet.
    NeedMore,
    /// A line: its content is `buf[..content]` and the next one starts at `next`.
    Line { content: usize, next: usize },
    /// The end-of-data marker; `buf[..content]` (possibly empty) is a last line.
    EndOfData { content: usize },
}

/// A resumable line scan.
#[derive(Debug, Clone)]
pub(crate) struct LineScanner {
    pub eol: Eol,
    /// CSV: quote and escape (`None` when it is the quote character).
    csv: Option<(u8, Option<u8>)>,
    pos: usize,
    in_quote: bool,
    last_was_esc: bool,
}

impl LineScanner {
    pub fn text() -> LineScanner {
        LineScanner {
            eol: Eol::Unknown,
            csv: None,
            pos: 0,
            in_quote: false,
            last_was_esc: false,
        }
    }

    pub fn csv(quote: u8, escape: u8) -> LineScanner {
        LineScanner {
            csv: Some((quote, (escape != quote).then_some(escape))),
            ..LineScanner::text()
        }
    }

    /// Starts a new line.
    pub fn reset(&mut self) {
        self.pos = 0;
        self.in_quote = false;
        self.last_was_esc = false;
    }

    /// Bytes of the current line looked at so far.
    pub fn scanned(&self) -> usize {
        self.pos
    }

    /// Scans the line at the start of `buf`; `eof` when no more bytes will come. `lineno`
    /// counts newlines inside quoted CSV fields, as PostgreSQL does.
    pub fn scan(&mut self, buf: &[u8], eof: bool, lineno: &mut u64) -> Result<LineEnd, PgError> {
        match self.csv {
            None => self.scan_text(buf, eof),
            Some((q, e)) => self.scan_csv(buf, eof, lineno, q, e),
        }
    }

    fn scan_text(&mut self, buf: &[u8], eof: bool) -> Result<LineEnd, PgError> {
        let mut i = self.pos;
        loop {
            let Some(off) = memchr3(b'\\', b'\n', b'\r', &buf[i..]) else {
                return Ok(self.out_of_data(buf, eof));
            };
            let j = i + off;
            match buf[j] {
                b'\\' => {
                    let Some(&c2) = buf.get(j + 1) else {
                        if eof {
                            // A backslash at the very end belongs to the last line.
                            return Ok(LineEnd::Line {
                                content: buf.len(),
                                next: buf.len(),
                            });
                        }
                        self.pos = j;
                        return Ok(LineEnd::NeedMore);
                    };
                    if c2 == b'.' {
                        if let Some(end) = self.end_marker(buf, j, eof)? {
                            return Ok(end);
                        }
                    }
                    // Any other escaped byte (even a newline) is data.
                    i = j + 2;
                }
                b'\r' => match self.carriage_return(buf, j, eof, false)? {
                    Some(end) => return Ok(end),
                    None => {
                        self.pos = j;
                        return Ok(LineEnd::NeedMore);
                    }
                },
                _ => return self.newline(j, false),
            }
        }
    }

    fn scan_csv(
        &mut self,
        buf: &[u8],
        eof: bool,
        lineno: &mut u64,
        quote: u8,
        escape: Option<u8>,
    ) -> Result<LineEnd, PgError> {
        let mut i = self.pos;
        loop {
            // The end marker is only recognized as a line's first byte.
            let j = if i == 0 && buf.first() == Some(&b'\\') {
                0
            } else {
                let nl = if self.eol == Eol::Nl { b'\n' } else { b'\r' };
                let hit = match (self.in_quote, escape) {
                    (false, _) => memchr3(quote, b'\n', b'\r', &buf[i..]),
                    (true, None) => memchr2(quote, nl, &buf[i..]),
                    (true, Some(e)) => memchr3(quote, e, nl, &buf[i..]),
                };
                let Some(off) = hit else {
                    if i < buf.len() {
                        self.last_was_esc = false;
                    }
                    if eof {
                        // An open quote at the end: the field parser reports it.
                        return Ok(LineEnd::Line {
                            content: buf.len(),
                            next: buf.len(),
                        });
                    }
                    self.pos = buf.len();
                    return Ok(LineEnd::NeedMore);
                };
                if off > 0 {
                    self.last_was_esc = false;
                }
                i + off
            };
            let c = buf[j];
            if (c == b'\\' || c == b'\r') && j + 1 >= buf.len() && !eof {
                self.pos = j;
                return Ok(LineEnd::NeedMore);
            }
            // To undo this byte's effect if it has to be scanned again.
            let before = (self.in_quote, self.last_was_esc);
            if self.in_quote && Some(c) == escape {
                self.last_was_esc = !self.last_was_esc;
            }
            if c == quote && !self.last_was_esc {
                self.in_quote = !self.in_quote;
            }
            if Some(c) != escape {
                self.last_was_esc = false;
            }
            let nl = if self.eol == Eol::Nl { b'\n' } else { b'\r' };
            if self.in_quote && c == nl {
                *lineno += 1;
            }
            if !self.in_quote {
                if c == b'\r' {
                    match self.carriage_return(buf, j, eof, true)? {
                        Some(end) => return Ok(end),
                        None => {
                            (self.in_quote, self.last_was_esc) = before;
                            self.pos = j;
                            return Ok(LineEnd::NeedMore);
                        }
                    }
                }
                if c == b'\n' {
                    return self.newline(j, true);
                }
            }
            if c == b'\\' && j == 0 && buf.get(1) == Some(&b'.') {
                match self.end_marker(buf, 0, eof)? {
                    Some(LineEnd::NeedMore) => {
                        (self.in_quote, self.last_was_esc) = before;
                        return Ok(LineEnd::NeedMore);
                    }
                    Some(end) => return Ok(end),
                    // Not a marker: `\.` is data; go on after the backslash.
                    None => {}
                }
            }
            i = j + 1;
            self.pos = i;
        }
    }

    /// No line end in `buf[self.pos..]`.
    fn out_of_data(&mut self, buf: &[u8], eof: bool) -> LineEnd {
        if eof {
            LineEnd::Line {
                content: buf.len(),
                next: buf.len(),
            }
        } else {
            self.pos = buf.len();
            LineEnd::NeedMore
        }
    }

    /// `\r` at `j` outside quotes; `None` when the next byte is needed and not there yet.
    fn carriage_return(
        &mut self,
        buf: &[u8],
        j: usize,
        eof: bool,
        csv: bool,
    ) -> Result<Option<LineEnd>, PgError> {
        match self.eol {
            Eol::Unknown | Eol::CrNl => {
                let next = match buf.get(j + 1) {
                    Some(&b) => b,
                    None if !eof => return Ok(None),
                    None => 0,
                };
                if next == b'\n' {
                    self.eol = Eol::CrNl;
                    return Ok(Some(LineEnd::Line {
                        content: j,
                        next: j + 2,
                    }));
                }
                if self.eol == Eol::CrNl {
                    return Err(literal_cr(csv));
                }
                self.eol = Eol::Cr;
            }
            Eol::Nl => return Err(literal_cr(csv)),
            Eol::Cr => {}
        }
        Ok(Some(LineEnd::Line {
            content: j,
            next: j + 1,
        }))
    }

    /// `\n` at `j` outside quotes.
    fn newline(&mut self, j: usize, csv: bool) -> Result<LineEnd, PgError> {
        if matches!(self.eol, Eol::Cr | Eol::CrNl) {
            return Err(if csv {
                bad_format("unquoted newline found in data")
                    .hint("Use quoted CSV field to represent newline.")
            } else {
                bad_format("literal newline found in data")
                    .hint("Use \"\\n\" to represent newline.")
            });
        }
        self.eol = Eol::Nl;
        Ok(LineEnd::Line {
            content: j,
            next: j + 1,
        })
    }

    /// `\.` at `j`: the end marker if a newline (of this data's style) follows. In text
    /// format anything else is an error; in CSV it is data (`Ok(None)`). Asks for more
    /// bytes (`NeedMore`) when they decide and have not arrived.
    fn end_marker(&mut self, buf: &[u8], j: usize, eof: bool) -> Result<Option<LineEnd>, PgError> {
        let csv = self.csv.is_some();
        let mut k = j + 2;
        let next = |k: &mut usize| -> Option<u8> {
            match buf.get(*k) {
                Some(&b) => {
                    *k += 1;
                    Some(b)
                }
                None if eof => Some(0),
                None => None,
            }
        };
        if self.eol == Eol::CrNl {
            let Some(c2) = next(&mut k) else {
                self.pos = j;
                return Ok(Some(LineEnd::NeedMore));
            };
            if c2 == b'\n' {
                if !csv {
                    return Err(bad_format(
                        "end-of-copy marker does not match previous newline style",
                    ));
                }
                return Ok(None);
            }
            if c2 != b'\r' {
                if !csv {
                    return Err(bad_format("end-of-copy marker corrupt"));
                }
                return Ok(None);
            }
        }
        let Some(c2) = next(&mut k) else {
            self.pos = j;
            return Ok(Some(LineEnd::NeedMore));
        };
        if c2 != b'\r' && c2 != b'\n' {
            if !csv {
                return Err(bad_format("end-of-copy marker corrupt"));
            }
            return Ok(None);
        }
        if (matches!(self.eol, Eol::Nl | Eol::CrNl) && c2 != b'\n')
            || (self.eol == Eol::Cr && c2 != b'\r')
        {
            return Err(bad_format(
                "end-of-copy marker does not match previous newline style",
            ));
        }
        Ok(Some(LineEnd::EndOfData { content: j }))
    }
}

fn literal_cr(csv: bool) -> PgError {
    if csv {
        bad_format("unquoted carriage return found in data")
            .hint("Use quoted CSV field to represent carriage return.")
    } else {
        bad_format("literal carriage return found in data")
            .hint("Use \"\\r\" to represent carriage return.")
    }
}
