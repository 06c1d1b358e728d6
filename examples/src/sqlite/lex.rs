//! A small SQL tokenizer that follows PostgreSQL's lexical rules (quotes, `E''` and
//! dollar-quoted strings, nested comments, `$n` parameters, `::`), so that rewrites and type
//! inference never touch what is inside a string, a quoted identifier or a comment.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Spaces, tabs, newlines.
    Space,
    /// `-- …` or `/* … */`.
    Comment,
    /// An unquoted word: keyword or identifier.
    Word,
    /// `"…"`.
    QuotedIdent,
    /// `'…'` (standard-conforming: backslashes are literal).
    Str,
    /// `E'…'` with backslash escapes.
    EscStr,
    /// `$tag$…$tag$`.
    DollarStr,
    /// A numeric literal.
    Number,
    /// `$n`.
    Param(u32),
    /// `::`.
    Cast,
    /// An operator (`=`, `<>`, `||`, `->>`, …).
    Op,
    /// `(`, `)`, `[`, `]`, `,`, `;`, `.`, `:`.
    Punct(u8),
    /// A byte that starts nothing known (passed through).
    Other,
}

/// One token: its kind and byte range in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Its kind.
    pub kind: Kind,
    /// Start byte offset.
    pub start: usize,
    /// End byte offset (exclusive).
    pub end: usize,
}

impl Token {
    /// The token's text.
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        &src[self.start..self.end]
    }

    /// Whether this is a word equal (ASCII case-insensitively) to `kw`.
    pub fn is_word(&self, src: &str, kw: &str) -> bool {
        self.kind == Kind::Word && self.text(src).eq_ignore_ascii_case(kw)
    }

    /// Whether this is whitespace or a comment.
    pub fn is_trivia(&self) -> bool {
        matches!(self.kind, Kind::Space | Kind::Comment)
    }
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

fn is_op_char(b: u8) -> bool {
    matches!(
        b,
        b'+' | b'-'
            | b'*'
            | b'/'
            | b'<'
            | b'>'
            | b'='
            | b'~'
            | b'!'
            | b'@'
            | b'#'
            | b'%'
            | b'^'
            | b'&'
            | b'|'
            | b'`'
            | b'?'
    )
}

/// Splits `src` into tokens covering every byte. Unterminated strings and comments run to the
/// end of the input (SQLite then reports the syntax error).
pub fn tokenize(src: &str) -> Vec<Token> {
    let b = src.as_bytes();
    let mut out = Vec::with_capacity(b.len() / 3 + 1);
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let c = b[i];
        let kind = if c.is_ascii_whitespace() {
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            Kind::Space
        } else if c == b'-' && b.get(i + 1) == Some(&b'-') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            Kind::Comment
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i = block_comment_end(b, i);
            Kind::Comment
        } else if (c == b'e' || c == b'E') && b.get(i + 1) == Some(&b'\'') {
            i = quoted_end(b, i + 1, true);
            Kind::EscStr
        } else if is_ident_start(c) {
            while i < b.len() && is_ident_char(b[i]) {
                i += 1;
            }
            Kind::Word
        } else if c == b'"' {
            i = quoted_end(b, i, false);
            Kind::QuotedIdent
        } else if c == b'\'' {
            i = quoted_end(b, i, false);
            Kind::Str
        } else if c == b'$' {
            let mut j = i + 1;
            if j < b.len() && b[j].is_ascii_digit() {
                let mut n: u32 = 0;
                while j < b.len() && b[j].is_ascii_digit() {
                    n = n.saturating_mul(10).saturating_add(u32::from(b[j] - b'0'));
                    j += 1;
                }
                i = j;
                Kind::Param(n)
            } else {
                while j < b.len() && is_ident_char(b[j]) && b[j] != b'$' {
                    j += 1;
                }
                if j < b.len() && b[j] == b'$' {
                    let tag = &b[i..=j];
                    i = find(b, j + 1, tag).map_or(b.len(), |p| p + tag.len());
                    Kind::DollarStr
                } else {
                    i += 1;
                    Kind::Other
                }
            }
        } else if c.is_ascii_digit() || (c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            i = number_end(b, i);
            Kind::Number
        } else if c == b':' && b.get(i + 1) == Some(&b':') {
            i += 2;
            Kind::Cast
        } else if matches!(c, b'(' | b')' | b'[' | b']' | b',' | b';' | b'.' | b':') {
            i += 1;
            Kind::Punct(c)
        } else if is_op_char(c) {
            i = operator_end(b, i);
            Kind::Op
        } else {
            // A whole UTF-8 sequence or an unknown ASCII byte.
            i += 1;
            while i < b.len() && (b[i] & 0xC0) == 0x80 {
                i += 1;
            }
            Kind::Other
        };
        out.push(Token {
            kind,
            start,
            end: i,
        });
    }
    out
}

fn block_comment_end(b: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            depth += 1;
            i += 2;
        } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    b.len()
}

/// End of a quoted token starting at the quote `b[i]`; a doubled quote is an escaped quote,
/// and with `backslash` a backslash escapes the next byte.
fn quoted_end(b: &[u8], i: usize, backslash: bool) -> usize {
    let q = b[i];
    let mut j = i + 1;
    while j < b.len() {
        if backslash && b[j] == b'\\' {
            j += 2;
            continue;
        }
        if b[j] == q {
            if b.get(j + 1) == Some(&q) {
                j += 2;
                continue;
            }
            return j + 1;
        }
        j += 1;
    }
    b.len()
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    if from > hay.len() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn number_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i < b.len() && b[i] == b'.' && b.get(i + 1) != Some(&b'.') {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            i = j;
        }
    }
    i
}

/// PostgreSQL's operator rule: the longest run of operator characters, cut before `--` or
/// `/*`, and a multi-character operator may end in `+` or `-` only if it also holds one of
/// `~ ! @ # % ^ & | ` ?` (so `=-1` is `=` then `-1`).
fn operator_end(b: &[u8], i: usize) -> usize {
    let mut j = i;
    while j < b.len() && is_op_char(b[j]) {
        if j > i && ((b[j] == b'-' && b[j - 1] == b'-') || (b[j] == b'*' && b[j - 1] == b'/')) {
            j -= 1;
            break;
        }
        if (b[j] == b'-' && b.get(j + 1) == Some(&b'-'))
            || (b[j] == b'/' && b.get(j + 1) == Some(&b'*'))
        {
            break;
        }
        j += 1;
    }
    let mut end = j.max(i + 1);
    let op = &b[i..end];
    if op.len() > 1 && !op.iter().any(|c| b"~!@#%^&|`?".contains(c)) {
        while end > i + 1 && matches!(b[end - 1], b'+' | b'-') {
            end -= 1;
        }
    }
    end
}

/// Decodes the body of an `E'…'` literal (without the `E` and quotes) into plain text.
pub fn unescape_e_string(body: &str) -> String {
    let b = body.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\'' && b.get(i + 1) == Some(&b'\'') {
            out.push(b'\'');
            i += 2;
            continue;
        }
        if c != b'\\' || i + 1 >= b.len() {
            out.push(c);
            i += 1;
            continue;
        }
        let e = b[i + 1];
        i += 2;
        match e {
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                let mut n = 1;
                while n < 3 && i < b.len() && (b'0'..=b'7').contains(&b[i]) {
                    v = v * 8 + u32::from(b[i] - b'0');
                    i += 1;
                    n += 1;
                }
                out.push(v as u8);
            }
            b'x' => {
                let mut v = 0u32;
                let mut n = 0;
                while n < 2 && i < b.len() && b[i].is_ascii_hexdigit() {
                    v = v * 16 + (b[i] as char).to_digit(16).unwrap_or(0);
                    i += 1;
                    n += 1;
                }
                out.push(v as u8);
            }
            b'u' | b'U' => {
                let len = if e == b'u' { 4 } else { 8 };
                let hex = body.get(i..i + len).unwrap_or("");
                match u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) if hex.len() == len => {
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        i += len;
                    }
                    _ => out.push(e),
                }
            }
            other => out.push(other),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Quotes `s` as a standard SQL string literal.
pub fn quote_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for ch in s.chars() {
        if ch == '\'' {
            out.push('\'');
        }
        out.push(ch);
    }
    out.push('\'');
    out
}

/// The value of a string token (`'…'`, `E'…'`, `$$…$$`), or of a quoted identifier.
pub fn string_value(tok: &Token, src: &str) -> Option<String> {
    let t = tok.text(src);
    match tok.kind {
        Kind::Str => Some(t.get(1..t.len().saturating_sub(1))?.replace("''", "'")),
        Kind::EscStr => Some(unescape_e_string(t.get(2..t.len().saturating_sub(1))?)),
        Kind::DollarStr => {
            let tag_len = t[1..].find('$')? + 2;
            Some(t.get(tag_len..t.len().checked_sub(tag_len)?)?.to_owned())
        }
        Kind::QuotedIdent => Some(t.get(1..t.len().saturating_sub(1))?.replace("\"\"", "\"")),
        _ => None,
    }
}

/// An identifier's name as PostgreSQL folds it: unquoted words lower-cased, quoted ones as
/// written.
pub fn ident_name(tok: &Token, src: &str) -> Option<String> {
    match tok.kind {
        Kind::Word => Some(tok.text(src).to_ascii_lowercase()),
        Kind::QuotedIdent => string_value(tok, src),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<(Kind, &str)> {
        tokenize(s)
            .into_iter()
            .filter(|t| !t.is_trivia())
            .map(|t| (t.kind, t.text(s)))
            .collect()
    }

    #[test]
    fn params_casts_and_strings() {
        assert_eq!(
            kinds("select $1::int, 'a''$2', $$x$1$$, e'\\''"),
            vec![
                (Kind::Word, "select"),
                (Kind::Param(1), "$1"),
                (Kind::Cast, "::"),
                (Kind::Word, "int"),
                (Kind::Punct(b','), ","),
                (Kind::Str, "'a''$2'"),
                (Kind::Punct(b','), ","),
                (Kind::DollarStr, "$$x$1$$"),
                (Kind::Punct(b','), ","),
                (Kind::EscStr, "e'\\''"),
            ]
        );
    }

    #[test]
    fn comments_and_operators() {
        assert_eq!(
            kinds("a<=-1 /* x /* y */ $1 */ -- $2\n b||c"),
            vec![
                (Kind::Word, "a"),
                (Kind::Op, "<="),
                (Kind::Op, "-"),
                (Kind::Number, "1"),
                (Kind::Word, "b"),
                (Kind::Op, "||"),
                (Kind::Word, "c"),
            ]
        );
    }

    #[test]
    fn tagged_dollar_quotes_and_numbers() {
        assert_eq!(
            kinds("$f$ a $$ b $f$ 1.5e3 .5"),
            vec![
                (Kind::DollarStr, "$f$ a $$ b $f$"),
                (Kind::Number, "1.5e3"),
                (Kind::Number, ".5")
            ]
        );
    }

    #[test]
    fn e_strings_unescape() {
        assert_eq!(unescape_e_string(r"a\nb\x41\101\u00e9''"), "a\nbAAé'");
        let toks = tokenize("E'it''s'");
        assert_eq!(string_value(&toks[0], "E'it''s'").as_deref(), Some("it's"));
    }

    #[test]
    fn unterminated_input_does_not_panic() {
        for s in ["'abc", "\"x", "/* a", "$a$ b", "E'\\", "$", "1e", "é"] {
            let toks = tokenize(s);
            assert_eq!(toks.last().map(|t| t.end), Some(s.len()), "{s}");
        }
    }
}
