//! PostgreSQL's binary COPY format: an 11-byte signature, a flags word and a header
//! extension, then tuples (an i16 field count, then per field an i32 length and the bytes,
//! or -1 for NULL), then an i16 -1 trailer.

use super::row::{Span, bad_format};
use crate::error::PgError;

/// `PGCOPY\n\377\r\n\0`
pub(crate) const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";

/// Signature, flags 0 and an empty header extension, as PostgreSQL writes them.
pub(crate) const HEADER: &[u8; 19] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// The header's outcome.
pub(crate) enum HeaderEnd {
    NeedMore,
    /// The header is `len` bytes long.
    Done(usize),
}

fn be32(b: &[u8]) -> i32 {
    i32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// Checks the file header at the start of `buf` (errors worded as PostgreSQL's).
pub(crate) fn header(buf: &[u8], eof: bool) -> Result<HeaderEnd, PgError> {
    let short = |need: usize, what: &str| -> Result<Option<HeaderEnd>, PgError> {
        if buf.len() >= need {
            Ok(None)
        } else if eof {
            Err(bad_format(what.to_owned()))
        } else {
            Ok(Some(HeaderEnd::NeedMore))
        }
    };
    if let Some(r) = short(11, "COPY file signature not recognized")? {
        return Ok(r);
    }
    if &buf[..11] != SIGNATURE {
        return Err(bad_format("COPY file signature not recognized"));
    }
    if let Some(r) = short(15, "invalid COPY file header (missing flags)")? {
        return Ok(r);
    }
    let flags = be32(&buf[11..15]);
    if flags & (1 << 16) != 0 {
        return Err(bad_format("invalid COPY file header (WITH OIDS)"));
    }
    if (flags & !(1 << 16)) >> 16 != 0 {
        return Err(bad_format(
            "unrecognized critical flags in COPY file header",
        ));
    }
    if let Some(r) = short(19, "invalid COPY file header (missing length)")? {
        return Ok(r);
    }
    let ext = be32(&buf[15..19]);
    if ext < 0 {
        return Err(bad_format("invalid COPY file header (missing length)"));
    }
    let total = 19 + ext as usize;
    if let Some(r) = short(total, "invalid COPY file header (wrong length)")? {
        return Ok(r);
    }
    Ok(HeaderEnd::Done(total))
}

/// A tuple's outcome.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TupleEnd {
    NeedMore,
    /// End of data without a trailer (PostgreSQL accepts it, even with a stray byte).
    Eof,
    /// The -1 trailer (2 bytes).
    Trailer,
    /// A tuple of `len` bytes; its fields were pushed.
    Tuple(usize),
}

/// A malformed tuple: the message, and the column it concerns (for context).
pub(crate) struct TupleError {
    pub error: PgError,
    pub column: Option<usize>,
}

/// Reads the tuple at the start of `buf`, pushing each field's span (relative to `buf`).
pub(crate) fn tuple(
    buf: &[u8],
    eof: bool,
    columns: usize,
    fields: &mut Vec<Option<Span>>,
) -> Result<TupleEnd, TupleError> {
    fields.clear();
    let Some(count) = buf.get(..2) else {
        return Ok(if eof {
            TupleEnd::Eof
        } else {
            TupleEnd::NeedMore
        });
    };
    let count = i16::from_be_bytes([count[0], count[1]]);
    if count == -1 {
        return Ok(TupleEnd::Trailer);
    }
    if count as isize != columns as isize {
        return Err(TupleError {
            error: bad_format(format!("row field count is {count}, expected {columns}")),
            column: None,
        });
    }
    let mut at = 2usize;
    for col in 0..columns {
        let unexpected_eof = || TupleError {
            error: bad_format("unexpected EOF in COPY data"),
            column: Some(col),
        };
        let Some(len) = buf.get(at..at + 4) else {
            return if eof {
                Err(unexpected_eof())
            } else {
                Ok(TupleEnd::NeedMore)
            };
        };
        let len = be32(len);
        at += 4;
        if len == -1 {
            fields.push(None);
            continue;
        }
        if len < 0 {
            return Err(TupleError {
                error: bad_format("invalid field size"),
                column: Some(col),
            });
        }
        let end = at + len as usize;
        if end > buf.len() {
            return if eof {
                Err(unexpected_eof())
            } else {
                Ok(TupleEnd::NeedMore)
            };
        }
        fields.push(Some(Span::new(at, end)));
        at = end;
    }
    Ok(TupleEnd::Tuple(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_checks() {
        assert!(matches!(header(b"PGCO", false), Ok(HeaderEnd::NeedMore)));
        let msg = |b: &[u8]| match header(b, true) {
            Err(e) => e.message.clone(),
            Ok(_) => "ok".into(),
        };
        assert_eq!(msg(b""), "COPY file signature not recognized");
        assert_eq!(
            msg(b"PGCOPY\n\xff\r\n\x01"),
            "COPY file signature not recognized"
        );
        assert_eq!(msg(SIGNATURE), "invalid COPY file header (missing flags)");
        assert_eq!(
            msg(b"PGCOPY\n\xff\r\n\0\0\x01\0\0"),
            "invalid COPY file header (WITH OIDS)"
        );
        assert_eq!(
            msg(b"PGCOPY\n\xff\r\n\0\x01\0\0\0"),
            "unrecognized critical flags in COPY file header"
        );
        assert_eq!(
            msg(b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0"),
            "invalid COPY file header (missing length)"
        );
        assert_eq!(
            msg(b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\x02x"),
            "invalid COPY file header (wrong length)"
        );
        // Non-critical flag bits and an extension are skipped.
        assert!(matches!(
            header(b"PGCOPY\n\xff\r\n\0\0\0\0\x01\0\0\0\x02xy", true),
            Ok(HeaderEnd::Done(21))
        ));
        assert!(matches!(header(HEADER, false), Ok(HeaderEnd::Done(19))));
    }

    #[test]
    fn tuples() {
        let mut f = Vec::new();
        let t = b"\0\x02\0\0\0\x01a\xff\xff\xff\xff";
        assert_eq!(tuple(t, false, 2, &mut f).ok(), Some(TupleEnd::Tuple(11)));
        assert_eq!(f, vec![Some(Span::new(6, 7)), None]);
        for cut in 0..t.len() {
            assert_eq!(
                tuple(&t[..cut], false, 2, &mut f).ok(),
                Some(TupleEnd::NeedMore)
            );
        }
        assert_eq!(
            tuple(b"\xff\xff", false, 2, &mut f).ok(),
            Some(TupleEnd::Trailer)
        );
        assert_eq!(tuple(b"\0", true, 2, &mut f).ok(), Some(TupleEnd::Eof));
        let err = |b: &[u8]| match tuple(b, true, 2, &mut Vec::new()) {
            Err(e) => (e.error.message.clone(), e.column),
            Ok(_) => ("ok".into(), None),
        };
        assert_eq!(
            err(b"\0\x03"),
            ("row field count is 3, expected 2".into(), None)
        );
        assert_eq!(
            err(b"\0\x02\0\0\0\x05ab"),
            ("unexpected EOF in COPY data".into(), Some(0))
        );
        assert_eq!(
            err(b"\0\x02\xff\xff\xff\xff\0\0"),
            ("unexpected EOF in COPY data".into(), Some(1))
        );
        assert_eq!(
            err(b"\0\x02\xff\xff\xff\xfe"),
            ("invalid field size".into(), Some(0))
        );
    }
}
