//! The example's view of SQL tokens: pgwire's PostgreSQL lexer (`pgwire::sql::lexer`: quotes,
//! `E''`, `U&''` and dollar-quoted strings, nested comments, `$n` parameters, `::`), plus the
//! whitespace and comments between tokens, so that the translator can copy a statement
//! through byte for byte and rewrites never touch what is inside a string or a comment.

use pgwire::sql::lexer::{Lexer, RawKind};

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
    /// Any other string constant (`E'…'`, `N'…'`, `U&'…'`): SQLite needs it re-quoted.
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
    /// Passed through as written: bit strings (`X'1F'`, which SQLite reads as a blob) and,
    /// after a lexical error, the rest of the input (SQLite then reports the syntax error).
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

/// The tokens of `src` that are not whitespace or comments.
pub fn significant(src: &str) -> Vec<Token> {
    without_trivia(&tokenize(src))
}

/// `toks` without whitespace and comments.
pub fn without_trivia(toks: &[Token]) -> Vec<Token> {
    toks.iter().copied().filter(|t| !t.is_trivia()).collect()
}

/// The first `n` keywords or other tokens of a statement, lower-cased.
pub fn first_words(src: &str, toks: &[Token], n: usize) -> Vec<String> {
    toks.iter()
        .filter(|t| !t.is_trivia())
        .take(n)
        .map(|t| t.text(src).to_ascii_lowercase())
        .collect()
}

/// Splits `src` into tokens covering every byte: pgwire's tokens, and a `Space` or `Comment`
/// token for each gap between them.
pub fn tokenize(src: &str) -> Vec<Token> {
    let mut out = Vec::with_capacity(src.len() / 3 + 1);
    let gap = |out: &mut Vec<Token>, start: usize, end: usize| {
        if start < end {
            let blank = src.as_bytes()[start..end]
                .iter()
                .all(u8::is_ascii_whitespace);
            let kind = if blank { Kind::Space } else { Kind::Comment };
            out.push(Token { kind, start, end });
        }
    };
    let mut at = 0;
    let mut failed = false;
    for raw in Lexer::new(src) {
        let Ok(raw) = raw else {
            failed = true;
            break;
        };
        gap(&mut out, at, raw.start);
        let text = &src[raw.start..raw.end];
        let kind = match raw.kind {
            RawKind::Ident(_) => Kind::Word,
            RawKind::QuotedIdent(_) if text.starts_with('"') => Kind::QuotedIdent,
            RawKind::Str(_) if text.starts_with('\'') => Kind::Str,
            RawKind::Str(_) => Kind::EscStr,
            RawKind::DollarString(_) => Kind::DollarStr,
            RawKind::QuotedIdent(_) | RawKind::BitString { .. } => Kind::Other,
            RawKind::Number(_) => Kind::Number,
            RawKind::Param(n) => Kind::Param(n),
            RawKind::Operator(_) | RawKind::DotDot => Kind::Op,
            RawKind::Typecast => Kind::Cast,
            RawKind::LParen => Kind::Punct(b'('),
            RawKind::RParen => Kind::Punct(b')'),
            RawKind::LBracket => Kind::Punct(b'['),
            RawKind::RBracket => Kind::Punct(b']'),
            RawKind::Comma => Kind::Punct(b','),
            RawKind::Semicolon => Kind::Punct(b';'),
            RawKind::Colon => Kind::Punct(b':'),
            RawKind::Dot => Kind::Punct(b'.'),
        };
        out.push(Token {
            kind,
            start: raw.start,
            end: raw.end,
        });
        at = raw.end;
    }
    if failed {
        // Everything after a lexical error, as written: SQLite reports the syntax error.
        let rest = src[at..].trim_start();
        gap(&mut out, at, src.len() - rest.len());
        at = src.len() - rest.len();
        if at < src.len() {
            out.push(Token {
                kind: Kind::Other,
                start: at,
                end: src.len(),
            });
        }
    } else {
        gap(&mut out, at, src.len());
    }
    out
}

/// Quotes `s` as a standard SQL string literal.
pub fn quote_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    pgwire::sql::literal::quote(&mut out, s);
    out
}

/// The value of a string token (`'…'`, `E'…'`, `U&'…'`, `$$…$$`), or of a quoted
/// identifier, as pgwire's lexer decodes it.
pub fn string_value(tok: &Token, src: &str) -> Option<String> {
    match Lexer::new(tok.text(src)).next()?.ok()?.kind {
        RawKind::Str(v) | RawKind::QuotedIdent(v) => Some(v.into_owned()),
        RawKind::DollarString(v) => Some(v.to_owned()),
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
    fn string_values_are_decoded() {
        for (sql, value) in [
            (r"E'a\nb\x41\101\u00e9'''", "a\nbAAé'"),
            ("'it''s'", "it's"),
            (r"U&'d\0061t\+000061'", "data"),
            ("$f$ a $$ b $f$", " a $$ b "),
            (r#""Mixed""Case""#, r#"Mixed"Case"#),
        ] {
            let toks = tokenize(sql);
            assert_eq!(toks.len(), 1, "{sql}");
            assert_eq!(string_value(&toks[0], sql).as_deref(), Some(value), "{sql}");
        }
    }

    #[test]
    fn tokens_and_gaps_cover_every_byte() {
        let sql = "select /* c */ X'1F', n'x' -- end\n";
        let toks = tokenize(sql);
        assert_eq!(
            toks.iter().map(|t| t.kind).collect::<Vec<_>>(),
            [
                Kind::Word,
                Kind::Comment,
                Kind::Other,
                Kind::Punct(b','),
                Kind::Space,
                Kind::EscStr,
                Kind::Comment,
            ]
        );
    }

    #[test]
    fn unterminated_input_does_not_panic() {
        for s in [
            "'abc", "\"x", "/* a", "$a$ b", "E'\\", "$", "1e", "é", "a 'b",
        ] {
            let toks = tokenize(s);
            let mut at = 0;
            for t in &toks {
                assert_eq!(t.start, at, "{s}: {toks:?}");
                at = t.end;
            }
            assert_eq!(at, s.len(), "{s}");
        }
    }
}
