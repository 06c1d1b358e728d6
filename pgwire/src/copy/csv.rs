//! CSV fields: splitting a line with quotes and escapes (`CopyReadAttributesCSV`), and
//! quoting values on output (`CopyAttributeOutCSV`).

use bytes::{BufMut, BytesMut};
use memchr::{memchr, memchr2};

use super::row::{Span, bad_format};
use crate::error::PgResult;

/// The CSV settings: delimiter, quote, escape and NULL string.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CsvSyntax<'a> {
    pub delim: u8,
    pub quote: u8,
    pub escape: u8,
    pub null: &'a [u8],
}

impl CsvSyntax<'_> {
    /// Splits `line` (which may hold newlines inside quotes) into fields, decoding them into
    /// `out`. An unquoted field equal to the NULL string is NULL.
    pub(crate) fn parse_fields(
        &self,
        line: &[u8],
        out: &mut Vec<u8>,
        fields: &mut Vec<Option<Span>>,
    ) -> PgResult<()> {
        let (delim, quote, escape) = (self.delim, self.quote, self.escape);
        let mut i = 0;
        loop {
            let raw_start = i;
            let out_start = out.len();
            let mut saw_quote = false;
            let mut found_delim = false;
            let raw_end;
            'field: loop {
                // Outside quotes.
                match memchr2(delim, quote, &line[i..]) {
                    None => {
                        out.extend_from_slice(&line[i..]);
                        i = line.len();
                        raw_end = i;
                        break 'field;
                    }
                    Some(off) => {
                        let j = i + off;
                        out.extend_from_slice(&line[i..j]);
                        i = j + 1;
                        if line[j] == delim {
                            raw_end = j;
                            found_delim = true;
                            break 'field;
                        }
                        saw_quote = true;
                    }
                }
                // Inside quotes.
                loop {
                    let hit = if escape == quote {
                        memchr(quote, &line[i..])
                    } else {
                        memchr2(quote, escape, &line[i..])
                    };
                    let Some(off) = hit else {
                        return Err(bad_format("unterminated CSV quoted field"));
                    };
                    let j = i + off;
                    out.extend_from_slice(&line[i..j]);
                    let c = line[j];
                    i = j + 1;
                    if c == escape {
                        if let Some(&next) = line.get(i) {
                            if next == escape || next == quote {
                                out.push(next);
                                i += 1;
                                continue;
                            }
                        }
                    }
                    if c == quote {
                        break;
                    }
                    out.push(c);
                }
            }
            if !saw_quote && &line[raw_start..raw_end] == self.null {
                out.truncate(out_start);
                fields.push(None);
            } else {
                fields.push(Some(Span::new(out_start, out.len())));
            }
            if !found_delim {
                return Ok(());
            }
        }
    }

    /// Which bytes make a value need quotes.
    pub(crate) fn quote_table(&self) -> [bool; 256] {
        let mut t = [false; 256];
        for b in [self.delim, self.quote, b'\n', b'\r'] {
            t[b as usize] = true;
        }
        t
    }

    /// Quotes `buf[start..]` in place when it must be (or `force`): it holds the delimiter,
    /// quote, CR or LF, equals the NULL string, or is `\.` alone on a line
    /// (`single_column`). Inside quotes, quote and escape bytes get the escape before them.
    #[inline]
    pub(crate) fn quote_in_place(
        &self,
        buf: &mut BytesMut,
        start: usize,
        force: bool,
        single_column: bool,
        table: &[bool; 256],
        scratch: &mut Vec<u8>,
    ) {
        let value = &buf[start..];
        let needed = force
            || value == self.null
            || (single_column && value == b"\\.")
            || value.iter().any(|&b| table[b as usize]);
        if !needed {
            return;
        }
        scratch.clear();
        scratch.extend_from_slice(value);
        buf.truncate(start);
        buf.reserve(scratch.len() + 2);
        buf.put_u8(self.quote);
        for &b in scratch.iter() {
            if b == self.quote || b == self.escape {
                buf.put_u8(self.escape);
            }
            buf.put_u8(b);
        }
        buf.put_u8(self.quote);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STD: CsvSyntax<'static> = CsvSyntax {
        delim: b',',
        quote: b'"',
        escape: b'"',
        null: b"",
    };

    fn parse(syn: &CsvSyntax<'_>, line: &[u8]) -> PgResult<Vec<Option<Vec<u8>>>> {
        let mut out = Vec::new();
        let mut fields = Vec::new();
        syn.parse_fields(line, &mut out, &mut fields)?;
        Ok(fields
            .iter()
            .map(|f| f.map(|s| out[s.start as usize..s.end as usize].to_vec()))
            .collect())
    }

    fn values(syn: &CsvSyntax<'_>, line: &[u8]) -> Vec<Option<String>> {
        parse(syn, line)
            .unwrap()
            .into_iter()
            .map(|v| v.map(|v| String::from_utf8(v).unwrap()))
            .collect()
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_owned())
    }

    #[test]
    fn quoting_rules() {
        assert_eq!(values(&STD, b"a,b"), vec![s("a"), s("b")]);
        assert_eq!(values(&STD, b""), vec![None]);
        assert_eq!(values(&STD, b",\"\""), vec![None, s("")]);
        assert_eq!(
            values(&STD, b"\"a,b\",\"q\"\"q\""),
            vec![s("a,b"), s("q\"q")]
        );
        assert_eq!(values(&STD, b"\"l\nl\""), vec![s("l\nl")]);
        // Quotes may open and close anywhere in a field; spaces are kept.
        assert_eq!(values(&STD, b"\"x\"y,a\"b\"c"), vec![s("xy"), s("abc")]);
        assert_eq!(values(&STD, b" \" x \" "), vec![s("  x  ")]);
        // Backslashes are plain data in CSV.
        assert_eq!(values(&STD, b"\\.,\\N"), vec![s("\\."), s("\\N")]);
        let e = parse(&STD, b"a,\"b").unwrap_err();
        assert_eq!(e.message, "unterminated CSV quoted field");
        let e = parse(&STD, b"a,b\"c").unwrap_err();
        assert_eq!(e.message, "unterminated CSV quoted field");
    }

    #[test]
    fn null_string_and_escape() {
        let syn = CsvSyntax {
            null: b"NULL",
            ..STD
        };
        let r = parse(&syn, b"NULL,\"NULL\",").unwrap();
        assert_eq!(r, vec![None, Some(b"NULL".to_vec()), Some(Vec::new())]);
        let syn = CsvSyntax {
            quote: b'\'',
            escape: b'\\',
            ..STD
        };
        assert_eq!(
            values(&syn, b"'a\\'b\\\\c\\d','x''y'"),
            vec![s("a'b\\c\\d"), s("xy")]
        );
    }

    #[test]
    fn output_quoting() {
        let t = STD.quote_table();
        let mut scratch = Vec::new();
        let mut q = |v: &[u8], force: bool, single: bool| {
            let mut b = BytesMut::from(v);
            STD.quote_in_place(&mut b, 0, force, single, &t, &mut scratch);
            String::from_utf8(b.to_vec()).unwrap()
        };
        assert_eq!(q(b"plain", false, false), "plain");
        assert_eq!(q(b"", false, false), "\"\"");
        assert_eq!(q(b"a,b", false, false), "\"a,b\"");
        assert_eq!(q(b"q\"q", false, false), "\"q\"\"q\"");
        assert_eq!(q(b"l\nl", false, false), "\"l\nl\"");
        assert_eq!(q(b"c\rr", false, false), "\"c\rr\"");
        assert_eq!(q(b"\\.", false, false), "\\.");
        assert_eq!(q(b"\\.", false, true), "\"\\.\"");
        assert_eq!(q(b"x", true, false), "\"x\"");
        let esc = CsvSyntax {
            escape: b'\\',
            ..STD
        };
        let mut b = BytesMut::from(&b"a\"b\\c"[..]);
        esc.quote_in_place(&mut b, 0, false, false, &esc.quote_table(), &mut scratch);
        assert_eq!(&b[..], b"\"a\\\"b\\\\c\"");
    }
}
