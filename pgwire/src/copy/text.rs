//! Text format fields: splitting a line at the delimiter and undoing backslash escapes
//! (`CopyReadAttributesText`), and escaping values on output (`CopyAttributeOutText`).

use bytes::{BufMut, BytesMut};
use memchr::memchr2;

use super::row::{Span, check_utf8};
use crate::error::PgResult;

/// Splits `line` into fields, decoding them into `out`. A field whose raw text is the NULL
/// string is NULL. Errors (a decoded field that is not UTF-8) come without context.
pub(crate) fn parse_fields(
    line: &[u8],
    delim: u8,
    null: &[u8],
    out: &mut Vec<u8>,
    fields: &mut Vec<Option<Span>>,
) -> PgResult<()> {
    let mut i = 0;
    loop {
        let raw_start = i;
        let out_start = out.len();
        let mut non_ascii = false;
        let mut found_delim = false;
        let raw_end;
        loop {
            let Some(off) = memchr2(delim, b'\\', &line[i..]) else {
                out.extend_from_slice(&line[i..]);
                i = line.len();
                raw_end = i;
                break;
            };
            let j = i + off;
            out.extend_from_slice(&line[i..j]);
            if line[j] == delim {
                raw_end = j;
                i = j + 1;
                found_delim = true;
                break;
            }
            let Some(&c) = line.get(j + 1) else {
                // A backslash ending the line is dropped.
                raw_end = j;
                i = line.len();
                break;
            };
            let mut k = j + 2;
            let v = match c {
                b'0'..=b'7' => {
                    let mut val = u32::from(c - b'0');
                    for _ in 0..2 {
                        match line.get(k) {
                            Some(&d @ b'0'..=b'7') => {
                                val = (val << 3) + u32::from(d - b'0');
                                k += 1;
                            }
                            _ => break,
                        }
                    }
                    let b = (val & 0xff) as u8;
                    non_ascii |= b == 0 || b >= 0x80;
                    b
                }
                b'x' => match line.get(k).and_then(|&h| hex(h)) {
                    Some(h) => {
                        k += 1;
                        let mut val = h;
                        if let Some(l) = line.get(k).and_then(|&l| hex(l)) {
                            k += 1;
                            val = (val << 4) + l;
                        }
                        non_ascii |= val == 0 || val >= 0x80;
                        val
                    }
                    None => b'x',
                },
                b'b' => 0x08,
                b'f' => 0x0c,
                b'n' => b'\n',
                b'r' => b'\r',
                b't' => b'\t',
                b'v' => 0x0b,
                other => other,
            };
            out.push(v);
            i = k;
        }
        if &line[raw_start..raw_end] == null {
            out.truncate(out_start);
            fields.push(None);
        } else {
            if non_ascii {
                check_utf8(&out[out_start..])?;
            }
            fields.push(Some(Span::new(out_start, out.len())));
        }
        if !found_delim {
            return Ok(());
        }
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Which bytes need a backslash on output with delimiter `delim`.
pub(crate) fn escape_table(delim: u8) -> [bool; 256] {
    let mut t = [false; 256];
    for b in [0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, b'\\', delim] {
        t[b as usize] = true;
    }
    t
}

/// Escapes `buf[start..]` in place (a value just written there), as PostgreSQL does:
/// `\b \f \n \r \t \v` for those control characters, a backslash before `\` and the
/// delimiter; other bytes as they are. `scratch` is reused between calls.
#[inline]
pub(crate) fn escape_in_place(
    buf: &mut BytesMut,
    start: usize,
    table: &[bool; 256],
    scratch: &mut Vec<u8>,
) {
    let Some(first) = buf[start..].iter().position(|&b| table[b as usize]) else {
        return;
    };
    let from = start + first;
    scratch.clear();
    scratch.extend_from_slice(&buf[from..]);
    buf.truncate(from);
    buf.reserve(scratch.len() + scratch.len() / 4 + 2);
    for &b in scratch.iter() {
        if table[b as usize] {
            buf.put_u8(b'\\');
            buf.put_u8(match b {
                0x08 => b'b',
                0x09 => b't',
                0x0a => b'n',
                0x0b => b'v',
                0x0c => b'f',
                0x0d => b'r',
                other => other,
            });
        } else {
            buf.put_u8(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &[u8]) -> Vec<Option<Vec<u8>>> {
        parse_with(line, b'\t', b"\\N")
    }

    fn parse_with(line: &[u8], delim: u8, null: &[u8]) -> Vec<Option<Vec<u8>>> {
        let mut out = Vec::new();
        let mut fields = Vec::new();
        parse_fields(line, delim, null, &mut out, &mut fields).unwrap();
        fields
            .iter()
            .map(|f| f.map(|s| out[s.start as usize..s.end as usize].to_vec()))
            .collect()
    }

    fn s(v: &[u8]) -> Option<Vec<u8>> {
        Some(v.to_vec())
    }

    #[test]
    fn splits_and_nulls() {
        assert_eq!(parse(b"a\tb"), vec![s(b"a"), s(b"b")]);
        assert_eq!(parse(b""), vec![s(b"")]);
        assert_eq!(parse(b"\t"), vec![s(b""), s(b"")]);
        assert_eq!(parse(b"\\N\tx\t\\N"), vec![None, s(b"x"), None]);
        // The NULL string is matched on the raw text, before escapes.
        assert_eq!(parse(b"\\\\N"), vec![s(b"\\N")]);
        assert_eq!(parse(b"\\Nx"), vec![s(b"Nx")]);
        assert_eq!(
            parse_with(b"NULL\t\\N", b'\t', b"NULL"),
            vec![None, s(b"N")]
        );
        assert_eq!(parse_with(b"\t", b'\t', b""), vec![None, None]);
    }

    #[test]
    fn escapes() {
        assert_eq!(
            parse(b"\\t\\n\\r\\b\\f\\v\\\\\\q\\."),
            vec![s(b"\t\n\r\x08\x0c\x0b\\q.")]
        );
        assert_eq!(parse(b"\\101\\x41\\x4g\\x\\7a"), vec![s(b"AA\x04gx\x07a")]);
        assert_eq!(parse(b"\\1012"), vec![s(b"A2")]);
        assert_eq!(parse(b"\\x414"), vec![s(b"A4")]);
        // An escaped delimiter is data; a trailing backslash is dropped.
        assert_eq!(parse(b"a\\\tb\tc\\"), vec![s(b"a\tb"), s(b"c")]);
        assert_eq!(
            parse_with(b"a\\,b,c", b',', b"\\N"),
            vec![s(b"a,b"), s(b"c")]
        );
        // Escapes may produce UTF-8 (valid) but not invalid bytes or NUL.
        assert_eq!(parse(b"\\303\\251"), vec![s("é".as_bytes())]);
        let mut out = Vec::new();
        let mut f = Vec::new();
        let e = parse_fields(b"\\xff", b'\t', b"\\N", &mut out, &mut f).unwrap_err();
        assert_eq!(
            e.message,
            "invalid byte sequence for encoding \"UTF8\": 0xff"
        );
        let e = parse_fields(b"\\0", b'\t', b"\\N", &mut out, &mut f).unwrap_err();
        assert_eq!(
            e.message,
            "invalid byte sequence for encoding \"UTF8\": 0x00"
        );
        // \400 wraps to a NUL byte, as in PostgreSQL.
        assert!(parse_fields(b"\\400", b'\t', b"\\N", &mut out, &mut f).is_err());
    }

    #[test]
    fn output_escaping() {
        let table = escape_table(b'\t');
        let mut scratch = Vec::new();
        let mut buf = BytesMut::from(&b"x|"[..]);
        buf.extend_from_slice(b"a\tb\nc\\d\x01\x7f\r\x08\x0b\x0c");
        escape_in_place(&mut buf, 2, &table, &mut scratch);
        assert_eq!(&buf[..], b"x|a\\tb\\nc\\\\d\x01\x7f\\r\\b\\v\\f");
        let table = escape_table(b',');
        let mut buf = BytesMut::from(&b"a,b\tc"[..]);
        escape_in_place(&mut buf, 0, &table, &mut scratch);
        assert_eq!(&buf[..], b"a\\,b\\tc");
        // A control character as delimiter is escaped as itself.
        let table = escape_table(0x01);
        let mut buf = BytesMut::from(&b"a\x01b"[..]);
        escape_in_place(&mut buf, 0, &table, &mut scratch);
        assert_eq!(&buf[..], b"a\\\x01b");
        let mut buf = BytesMut::from(&b"plain"[..]);
        escape_in_place(&mut buf, 0, &escape_table(b'\t'), &mut scratch);
        assert_eq!(&buf[..], b"plain");
    }
}
