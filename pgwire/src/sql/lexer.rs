//! A lexer that follows PostgreSQL's lexical rules (`src/backend/parser/scan.l`).
//!
//! [`tokenize`] turns SQL text into [`Token`]s with owned, decoded payloads.
//! [`Lexer`] is the zero-copy engine underneath: it yields [`RawToken`]s that
//! borrow from the input wherever possible, and is what the template
//! normalizer uses.
//!
//! Behaviour follows PostgreSQL 16 with `standard_conforming_strings = on`:
//!
//! * whitespace (`[ \t\n\r\f\v]`), `--` line comments and nested `/* */`
//!   comments are skipped;
//! * unquoted identifiers and keywords are folded to ASCII lower case; every
//!   non-ASCII character counts as an identifier character, as in PostgreSQL;
//! * string literals: `'...'` (`''` escape), `E'...'` (backslash escapes),
//!   `N'...'`, `U&'...'` (`\XXXX` / `\+XXXXXX` escapes), `B'...'`, `X'...'`
//!   and dollar quoting (`$$...$$`, `$tag$...$tag$`); quoted literals that are
//!   separated only by whitespace containing a newline are concatenated, as
//!   the SQL standard requires;
//! * numbers: decimal integers, decimals and exponents, `0x`/`0o`/`0b`
//!   integers and `_` digit separators; a number directly followed by an
//!   identifier character is an error ("trailing junk after numeric literal");
//! * operators follow PostgreSQL's rules: a multi-character operator cannot end
//!   in `+` or `-` unless it also contains one of ``~ ! @ # % ^ & | ` ?``, and
//!   `--` or `/*` inside an operator start a comment.
//!
//! Not handled: the `UESCAPE` clause (the default escape `\` is assumed),
//! `standard_conforming_strings = off`, and identifier truncation to
//! `NAMEDATALEN`.
//!
//! The lexer never panics; every malformed input yields a [`LexError`].

use std::borrow::Cow;
use std::fmt::{self, Write as _};

/// A lexical error, with a message worded like PostgreSQL's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    /// Byte offset into the input. For unterminated literals and comments this
    /// is where the literal or comment starts; for bad escapes it is the
    /// backslash.
    pub pos: usize,
    /// What went wrong, e.g. `unterminated quoted string`.
    pub message: String,
}

impl LexError {
    fn new(pos: usize, message: impl Into<String>) -> Self {
        LexError {
            pos,
            message: message.into(),
        }
    }
}

impl fmt::Display for LexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte offset {}", self.message, self.pos)
    }
}

impl std::error::Error for LexError {}

/// The kind of a [`Token`], carrying its decoded value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// An unquoted identifier or keyword, folded to ASCII lower case.
    Ident(String),
    /// A `"quoted identifier"` (or `U&"..."`), with escapes decoded and case kept.
    QuotedIdent(String),
    /// A string constant (`'...'`, `E'...'`, `N'...'`, `U&'...'`), decoded.
    Str(String),
    /// A bit-string constant. As in PostgreSQL, the text starts with `b` for
    /// `B'...'` and `x` for `X'...'`, followed by the digits as written
    /// (`B'0101'` gives `"b0101"`, `X'1F'` gives `"x1F"`).
    BitString(String),
    /// The body of a dollar-quoted string (`$$...$$` or `$tag$...$tag$`).
    DollarString(String),
    /// A numeric constant, exactly as written in the source.
    Number(String),
    /// A positional parameter `$n` (`$0` is lexed; validity is the caller's concern).
    Param(u32),
    /// An operator such as `=`, `<=`, `||`, `->>`, `:=` or `=>`.
    Operator(String),
    /// `::`
    Typecast,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `,`
    Comma,
    /// `;`
    Semicolon,
    /// `:`
    Colon,
    /// `.`
    Dot,
    /// `..` (PL/pgSQL ranges; PostgreSQL lexes it as one token)
    DotDot,
}

/// A token with its byte range in the input.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Token {
    /// What the token is.
    pub kind: TokenKind,
    /// Byte offset of the first byte of the token.
    pub start: usize,
    /// Byte offset just past the last byte of the token.
    pub end: usize,
}

impl Token {
    /// The source text of the token (empty if `sql` is not the tokenized input).
    pub fn text<'s>(&self, sql: &'s str) -> &'s str {
        sql.get(self.start..self.end).unwrap_or("")
    }
}

/// Splits `sql` into tokens, skipping whitespace and comments.
///
/// Returns the first lexical error, if any.
pub fn tokenize(sql: &str) -> Result<Vec<Token>, LexError> {
    let mut out = Vec::with_capacity(sql.len() / 4 + 1);
    for raw in Lexer::new(sql) {
        out.push(raw?.into_token());
    }
    Ok(out)
}

/// The kind of a [`RawToken`]: like [`TokenKind`] but borrowing from the input.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RawKind<'a> {
    /// An unquoted identifier or keyword, as written (not case-folded).
    Ident(&'a str),
    /// A quoted identifier, decoded.
    QuotedIdent(Cow<'a, str>),
    /// A string constant, decoded.
    Str(Cow<'a, str>),
    /// A bit-string constant.
    BitString {
        /// `true` for `X'...'`, `false` for `B'...'`.
        hex: bool,
        /// The digits between the quotes, as written.
        digits: Cow<'a, str>,
    },
    /// The body of a dollar-quoted string.
    DollarString(&'a str),
    /// A numeric constant as written.
    Number(&'a str),
    /// A positional parameter `$n`.
    Param(u32),
    /// An operator.
    Operator(&'a str),
    /// `::`
    Typecast,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `,`
    Comma,
    /// `;`
    Semicolon,
    /// `:`
    Colon,
    /// `.`
    Dot,
    /// `..`
    DotDot,
}

/// A token produced by [`Lexer`], borrowing from the input.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RawToken<'a> {
    /// What the token is.
    pub kind: RawKind<'a>,
    /// Byte offset of the first byte of the token.
    pub start: usize,
    /// Byte offset just past the last byte of the token.
    pub end: usize,
}

impl RawToken<'_> {
    /// Converts into an owned [`Token`], folding identifiers to lower case.
    pub fn into_token(self) -> Token {
        let kind = match self.kind {
            RawKind::Ident(s) => TokenKind::Ident(s.to_ascii_lowercase()),
            RawKind::QuotedIdent(s) => TokenKind::QuotedIdent(s.into_owned()),
            RawKind::Str(s) => TokenKind::Str(s.into_owned()),
            RawKind::BitString { hex, digits } => {
                let mut s = String::with_capacity(digits.len() + 1);
                s.push(if hex { 'x' } else { 'b' });
                s.push_str(&digits);
                TokenKind::BitString(s)
            }
            RawKind::DollarString(s) => TokenKind::DollarString(s.to_owned()),
            RawKind::Number(s) => TokenKind::Number(s.to_owned()),
            RawKind::Param(n) => TokenKind::Param(n),
            RawKind::Operator(s) => TokenKind::Operator(s.to_owned()),
            RawKind::Typecast => TokenKind::Typecast,
            RawKind::LParen => TokenKind::LParen,
            RawKind::RParen => TokenKind::RParen,
            RawKind::LBracket => TokenKind::LBracket,
            RawKind::RBracket => TokenKind::RBracket,
            RawKind::Comma => TokenKind::Comma,
            RawKind::Semicolon => TokenKind::Semicolon,
            RawKind::Colon => TokenKind::Colon,
            RawKind::Dot => TokenKind::Dot,
            RawKind::DotDot => TokenKind::DotDot,
        };
        Token {
            kind,
            start: self.start,
            end: self.end,
        }
    }
}

/// A zero-copy tokenizer over SQL text; an iterator of [`RawToken`]s.
///
/// After yielding an error the iterator is exhausted.
#[derive(Debug, Clone)]
pub struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    done: bool,
}

impl<'a> Iterator for Lexer<'a> {
    type Item = Result<RawToken<'a>, LexError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.scan();
        if !matches!(item, Some(Ok(_))) {
            self.done = true;
        }
        item
    }
}

/// Which escape rules apply inside a quoted literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// `'...'`, `N'...'`, `"..."`, and `U&` literals before their escapes
    /// are decoded: only the doubled quote.
    Plain,
    /// `E'...'`: backslash escapes.
    Escape,
    /// `B'...'`: no escapes at all, not even the doubled quote.
    Bit,
    /// `X'...'`: like `Bit`.
    Hex,
}

const SPACE: u8 = 1;
const IDENT_START: u8 = 2;
const IDENT_CONT: u8 = 4;
const DOLQ_CONT: u8 = 8;
const OP_CHAR: u8 = 16;

/// Character classes of every byte value (PostgreSQL's `scan.l` sets; every
/// byte >= 0x80 is an identifier character).
static CLASSES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut class = 0;
        if matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
            class |= SPACE;
        }
        if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 {
            class |= IDENT_START | IDENT_CONT | DOLQ_CONT;
        }
        if b.is_ascii_digit() {
            class |= IDENT_CONT | DOLQ_CONT;
        }
        if b == b'$' {
            class |= IDENT_CONT;
        }
        if matches!(
            b,
            b'~' | b'!'
                | b'@'
                | b'#'
                | b'^'
                | b'&'
                | b'|'
                | b'`'
                | b'?'
                | b'+'
                | b'-'
                | b'*'
                | b'/'
                | b'%'
                | b'<'
                | b'>'
                | b'='
        ) {
            class |= OP_CHAR;
        }
        table[i] = class;
        i += 1;
    }
    table
};

fn has_class(b: u8, class: u8) -> bool {
    CLASSES[usize::from(b)] & class != 0
}

fn is_space(b: u8) -> bool {
    has_class(b, SPACE)
}

fn is_ident_start(b: u8) -> bool {
    has_class(b, IDENT_START)
}

fn is_ident_cont(b: u8) -> bool {
    has_class(b, IDENT_CONT)
}

fn is_dolq_cont(b: u8) -> bool {
    has_class(b, DOLQ_CONT)
}

fn is_op_char(b: u8) -> bool {
    has_class(b, OP_CHAR)
}

/// Characters that allow a multi-character operator to end in `+` or `-`.
fn is_op_qualifier(b: u8) -> bool {
    matches!(
        b,
        b'~' | b'!' | b'@' | b'#' | b'^' | b'&' | b'|' | b'`' | b'?' | b'%'
    )
}

fn hex_val(b: u8) -> Option<u32> {
    char::from(b).to_digit(16)
}

/// Exactly `n` hex digits at `i`.
fn hex_digits(bytes: &[u8], i: usize, n: usize) -> Option<u32> {
    let digits = bytes.get(i..i.checked_add(n)?)?;
    digits
        .iter()
        .try_fold(0u32, |acc, &b| Some((acc << 4) | hex_val(b)?))
}

fn slice(bytes: &[u8], from: usize, to: usize) -> &[u8] {
    bytes.get(from..to).unwrap_or_default()
}

/// Result of looking for a Unicode escape at some offset.
enum Escape {
    /// No Unicode escape starts here.
    Absent,
    /// An escape starts here but is malformed.
    Malformed,
    /// A code point, and the offset just past the escape.
    Valid(u32, usize),
}

/// Looks for a `\uXXXX` or `\UXXXXXXXX` escape at `i` (E'' strings).
fn e_unicode_at(bytes: &[u8], i: usize) -> Escape {
    let (width, start) = match (bytes.get(i), bytes.get(i + 1)) {
        (Some(b'\\'), Some(b'u')) => (4, i + 2),
        (Some(b'\\'), Some(b'U')) => (8, i + 2),
        _ => return Escape::Absent,
    };
    match hex_digits(bytes, start, width) {
        Some(cp) => Escape::Valid(cp, start + width),
        None => Escape::Malformed,
    }
}

/// Looks for a `\XXXX` or `\+XXXXXX` escape at `i` (U&'' strings); `\\` is
/// not a Unicode escape.
fn u_unicode_at(bytes: &[u8], i: usize) -> Escape {
    if bytes.get(i) != Some(&b'\\') {
        return Escape::Absent;
    }
    let (width, start) = match bytes.get(i + 1) {
        Some(b'\\') => return Escape::Absent,
        Some(b'+') => (6, i + 2),
        _ => (4, i + 1),
    };
    match hex_digits(bytes, start, width) {
        Some(cp) => Escape::Valid(cp, start + width),
        None => Escape::Malformed,
    }
}

/// Reads one Unicode escape at an offset.
type EscapeReader = fn(&[u8], usize) -> Escape;

/// Decodes one Unicode escape (plus a trailing low surrogate if needed) at
/// `i`, in `E''` syntax if `e_string`, else in `U&''` syntax.
fn unicode_escape(bytes: &[u8], i: usize, e_string: bool) -> Result<(char, usize), LexError> {
    let read: EscapeReader = if e_string { e_unicode_at } else { u_unicode_at };
    let Escape::Valid(cp, next) = read(bytes, i) else {
        return Err(LexError::new(i, "invalid Unicode escape"));
    };
    let (cp, next) = if (0xD800..=0xDBFF).contains(&cp) {
        match read(bytes, next) {
            Escape::Valid(lo, after) if (0xDC00..=0xDFFF).contains(&lo) => {
                (0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00), after)
            }
            Escape::Malformed => return Err(LexError::new(next, "invalid Unicode escape")),
            // Like PostgreSQL, U& literals check the value before the pairing.
            Escape::Valid(lo, _) if !e_string && (lo == 0 || lo > 0x10FFFF) => {
                return Err(LexError::new(next, "invalid Unicode escape value"));
            }
            _ => return Err(LexError::new(i, "invalid Unicode surrogate pair")),
        }
    } else if (0xDC00..=0xDFFF).contains(&cp) {
        return Err(LexError::new(i, "invalid Unicode surrogate pair"));
    } else {
        (cp, next)
    };
    match char::from_u32(cp) {
        Some(c) if cp != 0 => Ok((c, next)),
        _ => Err(LexError::new(i, "invalid Unicode escape value")),
    }
}

/// Decodes the `\XXXX`, `\+XXXXXX` and `\\` escapes of a `U&` literal whose
/// (already unquoted) body started at byte `base` of the input.
fn decode_unicode_escapes(body: Cow<'_, str>, base: usize) -> Result<Cow<'_, str>, LexError> {
    if !body.contains('\\') {
        return Ok(body);
    }
    let bytes = body.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b != b'\\' {
            out.push(b);
            i += 1;
        } else if bytes.get(i + 1) == Some(&b'\\') {
            out.push(b'\\');
            i += 2;
        } else {
            let (c, next) = unicode_escape(bytes, i, false)
                .map_err(|e| LexError::new(base + e.pos, e.message))?;
            push_char(&mut out, c);
            i = next;
        }
    }
    checked_utf8(out, base).map(Cow::Owned)
}

/// Converts decoded literal bytes to a string, rejecting NUL bytes and invalid
/// UTF-8 with PostgreSQL's message (reported at `pos`).
fn checked_utf8(bytes: Vec<u8>, pos: usize) -> Result<String, LexError> {
    let bad = |seq: &[u8]| {
        let mut message = String::from("invalid byte sequence for encoding \"UTF8\":");
        for b in seq {
            // Writing to a String cannot fail.
            let _ = write!(message, " 0x{b:02x}");
        }
        LexError::new(pos, message)
    };
    let valid_up_to = match std::str::from_utf8(&bytes) {
        Ok(_) => bytes.len(),
        Err(e) => e.valid_up_to(),
    };
    if slice(&bytes, 0, valid_up_to).contains(&0) {
        return Err(bad(&[0]));
    }
    if valid_up_to < bytes.len() {
        let first = bytes.get(valid_up_to).copied().unwrap_or(0);
        let len = match first {
            0xc0..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf7 => 4,
            _ => 1,
        };
        return Err(bad(slice(
            &bytes,
            valid_up_to,
            (valid_up_to + len).min(bytes.len()),
        )));
    }
    String::from_utf8(bytes).map_err(|_| bad(&[]))
}

fn push_char(buf: &mut Vec<u8>, c: char) {
    let mut tmp = [0u8; 4];
    buf.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
}

/// If a quoted literal that closed just before `i` continues after
/// whitespace containing a newline, returns the offset just past the next
/// opening quote.
fn continuation(bytes: &[u8], mut i: usize) -> Option<usize> {
    fn skip_line_comment(bytes: &[u8], mut i: usize) -> usize {
        while !matches!(bytes.get(i), None | Some(b'\n' | b'\r')) {
            i += 1;
        }
        i
    }
    loop {
        match bytes.get(i) {
            Some(b' ' | b'\t' | 0x0c) => i += 1,
            Some(b'-') if bytes.get(i + 1) == Some(&b'-') => i = skip_line_comment(bytes, i),
            _ => break,
        }
    }
    if !matches!(bytes.get(i), Some(b'\n' | b'\r')) {
        return None;
    }
    i += 1;
    loop {
        match bytes.get(i) {
            Some(&b) if is_space(b) => i += 1,
            Some(b'-') if bytes.get(i + 1) == Some(&b'-') => i = skip_line_comment(bytes, i),
            Some(b'\'') => return Some(i + 1),
            _ => return None,
        }
    }
}

impl<'a> Lexer<'a> {
    /// Creates a lexer over `sql`.
    pub fn new(sql: &'a str) -> Self {
        Lexer {
            src: sql,
            pos: 0,
            done: false,
        }
    }

    fn at(&self, i: usize) -> Option<u8> {
        self.src.as_bytes().get(i).copied()
    }

    fn text(&self, from: usize, to: usize) -> &'a str {
        self.src.get(from..to).unwrap_or("")
    }

    /// Skips whitespace and comments.
    fn skip_trivia(&mut self) -> Result<(), LexError> {
        loop {
            match self.at(self.pos) {
                Some(b) if is_space(b) => self.pos += 1,
                Some(b'-') if self.at(self.pos + 1) == Some(b'-') => {
                    while !matches!(self.at(self.pos), None | Some(b'\n' | b'\r')) {
                        self.pos += 1;
                    }
                }
                Some(b'/') if self.at(self.pos + 1) == Some(b'*') => {
                    let start = self.pos;
                    let mut depth = 1usize;
                    let mut i = start + 2;
                    loop {
                        match (self.at(i), self.at(i + 1)) {
                            (None, _) => {
                                return Err(LexError::new(start, "unterminated /* comment"));
                            }
                            (Some(b'*'), Some(b'/')) => {
                                i += 2;
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            (Some(b'/'), Some(b'*')) => {
                                i += 2;
                                depth += 1;
                            }
                            _ => i += 1,
                        }
                    }
                    self.pos = i;
                }
                _ => return Ok(()),
            }
        }
    }

    /// The next token, `None` at the end of input.
    #[inline]
    fn scan(&mut self) -> Option<Result<RawToken<'a>, LexError>> {
        if let Err(e) = self.skip_trivia() {
            return Some(Err(e));
        }
        let start = self.pos;
        let b = self.at(start)?;
        Some(self.scan_token(start, b))
    }

    /// Scans the token starting with byte `b` at `start`.
    #[inline(always)]
    fn scan_token(&mut self, start: usize, b: u8) -> Result<RawToken<'a>, LexError> {
        let single = |lexer: &mut Self, kind: RawKind<'a>| {
            lexer.pos += 1;
            kind
        };
        let kind = match b {
            b'(' => single(self, RawKind::LParen),
            b')' => single(self, RawKind::RParen),
            b'[' => single(self, RawKind::LBracket),
            b']' => single(self, RawKind::RBracket),
            b',' => single(self, RawKind::Comma),
            b';' => single(self, RawKind::Semicolon),
            b':' => match self.at(start + 1) {
                Some(b':') => {
                    self.pos += 2;
                    RawKind::Typecast
                }
                Some(b'=') => {
                    self.pos += 2;
                    RawKind::Operator(self.text(start, start + 2))
                }
                _ => single(self, RawKind::Colon),
            },
            b'.' => match self.at(start + 1) {
                Some(b'.') => {
                    self.pos += 2;
                    RawKind::DotDot
                }
                Some(d) if d.is_ascii_digit() => self.scan_number(start)?,
                _ => single(self, RawKind::Dot),
            },
            b'0'..=b'9' => self.scan_number(start)?,
            b'\'' => RawKind::Str(self.scan_quoted(start, start + 1, b'\'', Mode::Plain)?),
            b'"' => self.scan_quoted_ident(start, start + 1, false)?,
            b'$' => self.scan_dollar(start)?,
            b if is_op_char(b) => self.scan_operator(start),
            b if is_ident_start(b) => self.scan_word(start)?,
            other => {
                return Err(LexError::new(
                    start,
                    format!("syntax error at or near \"{}\"", char::from(other)),
                ));
            }
        };
        Ok(RawToken {
            kind,
            start,
            end: self.pos,
        })
    }

    /// Identifiers, keywords and prefixed literals (`E'`, `N'`, `B'`, `X'`, `U&'`, `U&"`).
    fn scan_word(&mut self, start: usize) -> Result<RawKind<'a>, LexError> {
        let first = self.at(start).map(|b| b.to_ascii_lowercase());
        match self.at(start + 1) {
            Some(b'\'') => {
                let body = start + 2;
                match first {
                    Some(b'e') => {
                        let s = self.scan_quoted(start, body, b'\'', Mode::Escape)?;
                        return Ok(RawKind::Str(s));
                    }
                    Some(b'n') => {
                        let s = self.scan_quoted(start, body, b'\'', Mode::Plain)?;
                        return Ok(RawKind::Str(s));
                    }
                    Some(b'b') => {
                        let digits = self.scan_quoted(start, body, b'\'', Mode::Bit)?;
                        return Ok(RawKind::BitString { hex: false, digits });
                    }
                    Some(b'x') => {
                        let digits = self.scan_quoted(start, body, b'\'', Mode::Hex)?;
                        return Ok(RawKind::BitString { hex: true, digits });
                    }
                    _ => {}
                }
            }
            Some(b'&') if first == Some(b'u') => match self.at(start + 2) {
                Some(b'\'') => {
                    let raw = self.scan_quoted(start, start + 3, b'\'', Mode::Plain)?;
                    return Ok(RawKind::Str(decode_unicode_escapes(raw, start + 3)?));
                }
                Some(b'"') => return self.scan_quoted_ident(start, start + 3, true),
                _ => {}
            },
            _ => {}
        }
        let mut i = start + 1;
        while self.at(i).is_some_and(is_ident_cont) {
            i += 1;
        }
        self.pos = i;
        Ok(RawKind::Ident(self.text(start, i)))
    }

    fn scan_quoted_ident(
        &mut self,
        start: usize,
        body: usize,
        unicode: bool,
    ) -> Result<RawKind<'a>, LexError> {
        let name = self.scan_quoted(start, body, b'"', Mode::Plain)?;
        if name.is_empty() {
            return Err(LexError::new(start, "zero-length delimited identifier"));
        }
        if unicode {
            return Ok(RawKind::QuotedIdent(decode_unicode_escapes(name, body)?));
        }
        Ok(RawKind::QuotedIdent(name))
    }

    /// Scans a quoted literal whose body starts at `body` and decodes it.
    ///
    /// `quote` is `'` (strings, which may continue across newlines) or `"`
    /// (identifiers).
    fn scan_quoted(
        &mut self,
        tok_start: usize,
        body: usize,
        quote: u8,
        mode: Mode,
    ) -> Result<Cow<'a, str>, LexError> {
        let bytes = self.src.as_bytes();
        // Decoded output, created only once the value differs from a plain slice.
        let mut buf: Option<Vec<u8>> = None;
        let mut seg = body;
        let mut i = body;
        loop {
            let Some(&b) = bytes.get(i) else {
                let message = match (quote, mode) {
                    (b'"', _) => "unterminated quoted identifier",
                    (_, Mode::Bit) => "unterminated bit string literal",
                    (_, Mode::Hex) => "unterminated hexadecimal string literal",
                    _ => "unterminated quoted string",
                };
                return Err(LexError::new(tok_start, message));
            };
            if b == quote {
                let doubled =
                    !matches!(mode, Mode::Bit | Mode::Hex) && bytes.get(i + 1) == Some(&quote);
                if doubled {
                    buf.get_or_insert_with(Vec::new)
                        .extend_from_slice(slice(bytes, seg, i + 1));
                    i += 2;
                    seg = i;
                    continue;
                }
                if quote == b'\'' {
                    if let Some(next) = continuation(bytes, i + 1) {
                        buf.get_or_insert_with(Vec::new)
                            .extend_from_slice(slice(bytes, seg, i));
                        i = next;
                        seg = i;
                        continue;
                    }
                }
                self.pos = i + 1;
                return match buf {
                    None => Ok(Cow::Borrowed(self.text(seg, i))),
                    Some(mut v) => {
                        v.extend_from_slice(slice(bytes, seg, i));
                        checked_utf8(v, tok_start).map(Cow::Owned)
                    }
                };
            }
            if b != b'\\' || mode != Mode::Escape {
                i += 1;
                continue;
            }
            // A backslash escape.
            let Some(&c) = bytes.get(i + 1) else {
                // Let the loop report the unterminated literal.
                i += 1;
                continue;
            };
            let out = buf.get_or_insert_with(Vec::new);
            out.extend_from_slice(slice(bytes, seg, i));
            i = self.backslash_escape(i, c, out)?;
            seg = i;
        }
    }

    /// Decodes an `E''` escape whose backslash is at `i` and whose next byte is `c`.
    fn backslash_escape(&self, i: usize, c: u8, out: &mut Vec<u8>) -> Result<usize, LexError> {
        let simple = |b: u8, out: &mut Vec<u8>| {
            out.push(b);
            Ok(i + 2)
        };
        match c {
            b'b' => simple(0x08, out),
            b'f' => simple(0x0c, out),
            b'n' => simple(b'\n', out),
            b'r' => simple(b'\r', out),
            b't' => simple(b'\t', out),
            b'0'..=b'7' => {
                let mut v: u32 = 0;
                let mut j = i + 1;
                while j < i + 4 {
                    match self.at(j) {
                        Some(d @ b'0'..=b'7') => v = (v << 3) | u32::from(d - b'0'),
                        _ => break,
                    }
                    j += 1;
                }
                // PostgreSQL keeps the low byte of `\ooo`; validity (no NUL,
                // valid UTF-8) is checked once the literal is complete.
                out.push((v & 0xff) as u8);
                Ok(j)
            }
            b'x' => {
                let mut v: u32 = 0;
                let mut j = i + 2;
                while j < i + 4 {
                    match self.at(j).and_then(hex_val) {
                        Some(d) => v = (v << 4) | d,
                        None => break,
                    }
                    j += 1;
                }
                if j == i + 2 {
                    // `\x` without hex digits is just `x`.
                    return simple(b'x', out);
                }
                out.push((v & 0xff) as u8);
                Ok(j)
            }
            b'u' | b'U' => {
                let (ch, next) = unicode_escape(self.src.as_bytes(), i, true)?;
                push_char(out, ch);
                Ok(next)
            }
            other => simple(other, out),
        }
    }

    /// `$n` parameters and dollar-quoted strings.
    fn scan_dollar(&mut self, start: usize) -> Result<RawKind<'a>, LexError> {
        let syntax = || LexError::new(start, "syntax error at or near \"$\"");
        let open_end = match self.at(start + 1) {
            Some(d) if d.is_ascii_digit() => return self.scan_param(start),
            Some(b'$') => start + 2,
            Some(c) if is_ident_start(c) => {
                let mut j = start + 2;
                while self.at(j).is_some_and(is_dolq_cont) {
                    j += 1;
                }
                if self.at(j) != Some(b'$') {
                    return Err(syntax());
                }
                j + 1
            }
            _ => return Err(syntax()),
        };
        let delim = self.text(start, open_end);
        let rest = self.text(open_end, self.src.len());
        match rest.find(delim) {
            Some(k) => {
                self.pos = open_end + k + delim.len();
                Ok(RawKind::DollarString(self.text(open_end, open_end + k)))
            }
            None => Err(LexError::new(start, "unterminated dollar-quoted string")),
        }
    }

    fn scan_param(&mut self, start: usize) -> Result<RawKind<'a>, LexError> {
        let limit = u64::from(i32::MAX.unsigned_abs());
        let mut value: u64 = 0;
        let mut too_large = false;
        let mut j = start + 1;
        loop {
            match self.at(j) {
                Some(d) if d.is_ascii_digit() => {
                    if value > limit {
                        too_large = true;
                    } else {
                        value = value * 10 + u64::from(d - b'0');
                    }
                    j += 1;
                }
                Some(b'_') if self.at(j + 1).is_some_and(|d| d.is_ascii_digit()) => j += 1,
                _ => break,
            }
        }
        if self.at(j).is_some_and(is_ident_start) {
            return Err(LexError::new(start, "trailing junk after parameter"));
        }
        match u32::try_from(value) {
            Ok(n) if !too_large && value <= limit => {
                self.pos = j;
                Ok(RawKind::Param(n))
            }
            _ => Err(LexError::new(start, "parameter number too large")),
        }
    }

    fn scan_number(&mut self, start: usize) -> Result<RawKind<'a>, LexError> {
        let junk = || LexError::new(start, "trailing junk after numeric literal");
        if self.at(start) == Some(b'0') {
            let radix = match self.at(start + 1) {
                Some(b'x' | b'X') => Some((16, "hexadecimal")),
                Some(b'o' | b'O') => Some((8, "octal")),
                Some(b'b' | b'B') => Some((2, "binary")),
                _ => None,
            };
            if let Some((radix, name)) = radix {
                let is_digit = |b: u8| char::from(b).is_digit(radix);
                let mut j = start + 2;
                let mut digits = 0usize;
                loop {
                    match self.at(j) {
                        Some(b) if is_digit(b) => {
                            j += 1;
                            digits += 1;
                        }
                        Some(b'_') if self.at(j + 1).is_some_and(is_digit) => j += 1,
                        _ => break,
                    }
                }
                // `0` followed by an identifier (e.g. `0x1g`) is junk.
                let mut ident_end = start + 1;
                while self.at(ident_end).is_some_and(is_ident_cont) {
                    ident_end += 1;
                }
                if digits == 0 {
                    let fail_end = start + 2 + usize::from(self.at(start + 2) == Some(b'_'));
                    if ident_end > fail_end {
                        return Err(junk());
                    }
                    return Err(LexError::new(start, format!("invalid {name} integer")));
                }
                if ident_end > j {
                    return Err(junk());
                }
                self.pos = j;
                return Ok(RawKind::Number(self.text(start, j)));
            }
        }
        let dec = |lexer: &Self, mut j: usize| {
            // Precondition: a digit at `j`.
            j += 1;
            loop {
                match lexer.at(j) {
                    Some(d) if d.is_ascii_digit() => j += 1,
                    Some(b'_') if lexer.at(j + 1).is_some_and(|d| d.is_ascii_digit()) => j += 2,
                    _ => return j,
                }
            }
        };
        let mut j = start;
        if self.at(j).is_some_and(|d| d.is_ascii_digit()) {
            j = dec(self, j);
            if self.at(j) == Some(b'.') && self.at(j + 1) != Some(b'.') {
                j += 1;
                if self.at(j).is_some_and(|d| d.is_ascii_digit()) {
                    j = dec(self, j);
                }
            }
        } else {
            // `.` followed by a digit.
            j = dec(self, j + 1);
        }
        if matches!(self.at(j), Some(b'e' | b'E')) {
            match self.at(j + 1) {
                Some(d) if d.is_ascii_digit() => j = dec(self, j + 1),
                Some(b'+' | b'-') if self.at(j + 2).is_some_and(|d| d.is_ascii_digit()) => {
                    j = dec(self, j + 2);
                }
                _ => return Err(junk()),
            }
        }
        if self.at(j).is_some_and(is_ident_start) {
            return Err(junk());
        }
        self.pos = j;
        Ok(RawKind::Number(self.text(start, j)))
    }

    fn scan_operator(&mut self, start: usize) -> RawKind<'a> {
        let mut end = start;
        while self.at(end).is_some_and(is_op_char) {
            end += 1;
        }
        let run = slice(self.src.as_bytes(), start, end);
        // A comment start ends the operator.
        let mut n = run
            .windows(2)
            .position(|w| w == b"--" || w == b"/*")
            .unwrap_or(run.len())
            .max(1);
        if n > 1 && matches!(run.get(n - 1), Some(b'+' | b'-')) {
            let qualified = slice(run, 0, n - 1).iter().any(|&b| is_op_qualifier(b));
            if !qualified {
                n -= 1;
                while n > 1 && matches!(run.get(n - 1), Some(b'+' | b'-')) {
                    n -= 1;
                }
            }
        }
        self.pos = start + n;
        RawKind::Operator(self.text(start, start + n))
    }
}

#[cfg(test)]
mod tests {
    use super::TokenKind::*;
    use super::*;

    fn kinds(sql: &str) -> Vec<TokenKind> {
        match tokenize(sql) {
            Ok(toks) => toks.into_iter().map(|t| t.kind).collect(),
            Err(e) => panic!("tokenize({sql:?}) failed: {e}"),
        }
    }

    fn err(sql: &str) -> LexError {
        match tokenize(sql) {
            Ok(toks) => panic!("tokenize({sql:?}) succeeded: {toks:?}"),
            Err(e) => e,
        }
    }

    fn id(s: &str) -> TokenKind {
        Ident(s.into())
    }
    fn op(s: &str) -> TokenKind {
        Operator(s.into())
    }
    fn st(s: &str) -> TokenKind {
        Str(s.into())
    }
    fn num(s: &str) -> TokenKind {
        Number(s.into())
    }

    #[test]
    fn identifiers_fold_case() {
        assert_eq!(
            kinds("SELECT Foo, _bar$1, été FROM T"),
            vec![
                id("select"),
                id("foo"),
                Comma,
                id("_bar$1"),
                Comma,
                id("été"),
                id("from"),
                id("t")
            ]
        );
    }

    #[test]
    fn quoted_identifiers() {
        assert_eq!(
            kinds(r#""MixedCase" "a""b" "sp ace""#),
            vec![
                QuotedIdent("MixedCase".into()),
                QuotedIdent("a\"b".into()),
                QuotedIdent("sp ace".into())
            ]
        );
        let e = err(r#"select """#);
        assert_eq!(
            (e.pos, e.message.as_str()),
            (7, "zero-length delimited identifier")
        );
    }

    #[test]
    fn unicode_identifier() {
        assert_eq!(
            kinds(r#"U&"d\0061t\+000061""#),
            vec![QuotedIdent("data".into())]
        );
        assert_eq!(kinds(r#"u&"a\\b""#), vec![QuotedIdent("a\\b".into())]);
        assert_eq!(err(r#"U&"""#).message, "zero-length delimited identifier");
        let e = err(r#"select U&"a\zz""#);
        assert_eq!((e.pos, e.message.as_str()), (11, "invalid Unicode escape"));
        // Not a U& literal: identifier `u` and operator `&`.
        assert_eq!(kinds("u & v"), vec![id("u"), op("&"), id("v")]);
        assert_eq!(kinds("u&v"), vec![id("u"), op("&"), id("v")]);
    }

    #[test]
    fn plain_strings() {
        assert_eq!(kinds("'O''Brien' ''"), vec![st("O'Brien"), st("")]);
        // Backslashes are literal in standard strings.
        assert_eq!(kinds(r"'a\nb'"), vec![st(r"a\nb")]);
        assert_eq!(kinds("N'nat'"), vec![st("nat")]);
    }

    #[test]
    fn string_continuation() {
        assert_eq!(kinds("'foo'\n  'bar'"), vec![st("foobar")]);
        assert_eq!(kinds("'foo' -- c\n 'bar'"), vec![st("foobar")]);
        // Without a newline they are two tokens (a syntax error for the parser).
        assert_eq!(kinds("'foo' 'bar'"), vec![st("foo"), st("bar")]);
        assert_eq!(kinds("E'a\\n'\n'\\t'"), vec![st("a\n\t")]);
    }

    #[test]
    fn escape_strings() {
        assert_eq!(
            kinds(r"E'a\nb\tc\\d\'e\bf\fg\rh'"),
            vec![st("a\nb\tc\\d'e\u{8}f\u{c}g\rh")]
        );
        assert_eq!(kinds(r"e'\101\x41\x4a\q\x'"), vec![st("AAJqx")]);
        assert_eq!(kinds(r"E'\u00e9\U0001F600'"), vec![st("é😀")]);
        assert_eq!(kinds(r"E'\uD83D\uDE00'"), vec![st("😀")]);
        assert_eq!(kinds(r"E'\303\251'"), vec![st("é")]);
        assert_eq!(kinds("E'it''s'"), vec![st("it's")]);
    }

    #[test]
    fn escape_string_errors() {
        let e = err(r"select E'ab\u12'");
        assert_eq!((e.pos, e.message.as_str()), (11, "invalid Unicode escape"));
        let e = err(r"E'\uD83Dx'");
        assert_eq!(e.message, "invalid Unicode surrogate pair");
        let e = err(r"E'\uDE00'");
        assert_eq!(e.message, "invalid Unicode surrogate pair");
        let e = err(r"E'\U00110000'");
        assert_eq!(e.message, "invalid Unicode escape value");
        assert!(err(r"E'\000'").message.contains("0x00"));
        assert!(err(r"E'\xff'").message.contains("invalid byte sequence"));
        let e = err(r"x = E'abc\'");
        assert_eq!(
            (e.pos, e.message.as_str()),
            (4, "unterminated quoted string")
        );
    }

    #[test]
    fn unicode_strings() {
        assert_eq!(kinds(r"U&'d\0061t\+000061'"), vec![st("data")]);
        assert_eq!(kinds(r"U&'\D83D\DE00 \\'"), vec![st("😀 \\")]);
        assert_eq!(err(r"U&'\zz'").message, "invalid Unicode escape");
    }

    #[test]
    fn bit_strings() {
        assert_eq!(
            kinds("B'0101' x'1F' b''"),
            vec![
                BitString("b0101".into()),
                BitString("x1F".into()),
                BitString("b".into())
            ]
        );
        let e = err("select B'01");
        assert_eq!(
            (e.pos, e.message.as_str()),
            (7, "unterminated bit string literal")
        );
        assert_eq!(
            err("X'1").message,
            "unterminated hexadecimal string literal"
        );
    }

    #[test]
    fn dollar_strings() {
        assert_eq!(kinds("$$a'b$$"), vec![DollarString("a'b".into())]);
        assert_eq!(
            kinds("$fn$ body $$ inner $$ $fn$"),
            vec![DollarString(" body $$ inner $$ ".into())]
        );
        assert_eq!(kinds("$a$x$b$y$a$"), vec![DollarString("x$b$y".into())]);
        assert_eq!(
            kinds("$$$$"),
            vec![DollarString(std::string::String::new())]
        );
        // Tags are case-sensitive.
        let e = err("select $A$ x $a$");
        assert_eq!(
            (e.pos, e.message.as_str()),
            (7, "unterminated dollar-quoted string")
        );
        // A `$` that starts nothing is a syntax error.
        assert_eq!(err("select $ 1").message, "syntax error at or near \"$\"");
        assert_eq!(err("select $abc").pos, 7);
    }

    #[test]
    fn params_next_to_dollar_quotes() {
        assert_eq!(kinds("$1$$x$$"), vec![Param(1), DollarString("x".into())]);
        assert_eq!(kinds("$1||$2"), vec![Param(1), op("||"), Param(2)]);
        assert_eq!(kinds("$0 $12 $1_0"), vec![Param(0), Param(12), Param(10)]);
        assert_eq!(kinds("$2147483647"), vec![Param(2147483647)]);
        assert_eq!(err("$2147483648").message, "parameter number too large");
        assert_eq!(
            err("$99999999999999999999999").message,
            "parameter number too large"
        );
        assert_eq!(err("$1abc").message, "trailing junk after parameter");
        // `$` inside identifiers is part of the identifier.
        assert_eq!(kinds("a$$b"), vec![id("a$$b")]);
    }

    #[test]
    fn numbers() {
        assert_eq!(
            kinds("42 .5 5. 1.5 1e10 1.5E-3 2e+2 .5e1 1_000 0x1F 0o17 0b101 0X_ff"),
            vec![
                num("42"),
                num(".5"),
                num("5."),
                num("1.5"),
                num("1e10"),
                num("1.5E-3"),
                num("2e+2"),
                num(".5e1"),
                num("1_000"),
                num("0x1F"),
                num("0o17"),
                num("0b101"),
                num("0X_ff"),
            ]
        );
        assert_eq!(kinds("1..10"), vec![num("1"), DotDot, num("10")]);
        assert_eq!(kinds("1.2.3"), vec![num("1.2"), num(".3")]);
        assert_eq!(kinds("t.a"), vec![id("t"), Dot, id("a")]);
    }

    #[test]
    fn number_errors() {
        for bad in ["123abc", "1e", "1e+", "1.5x", "0x1g", "0b102", "1_", "5._1"] {
            let e = err(bad);
            assert_eq!(e.message, "trailing junk after numeric literal", "{bad}");
            assert_eq!(e.pos, 0);
        }
        assert_eq!(err("0x").message, "invalid hexadecimal integer");
        assert_eq!(err("0o ").message, "invalid octal integer");
    }

    #[test]
    fn operators() {
        assert_eq!(kinds("a+-b"), vec![id("a"), op("+"), op("-"), id("b")]);
        assert_eq!(kinds("x<=y"), vec![id("x"), op("<="), id("y")]);
        assert_eq!(
            kinds("a<>b!=c"),
            vec![id("a"), op("<>"), id("b"), op("!="), id("c")]
        );
        assert_eq!(kinds("a @- b"), vec![id("a"), op("@-"), id("b")]);
        assert_eq!(kinds("a*-1"), vec![id("a"), op("*"), op("-"), num("1")]);
        assert_eq!(kinds("j->>'k'"), vec![id("j"), op("->>"), st("k")]);
        assert_eq!(
            kinds("a=>b x:=1"),
            vec![id("a"), op("=>"), id("b"), id("x"), op(":="), num("1")]
        );
        assert_eq!(kinds("a ?| b"), vec![id("a"), op("?|"), id("b")]);
        assert_eq!(kinds("a<-b"), vec![id("a"), op("<"), op("-"), id("b")]);
        assert_eq!(kinds("a !=- b"), vec![id("a"), op("!=-"), id("b")]);
    }

    #[test]
    fn comments_inside_operators() {
        assert_eq!(kinds("a--comment\n+b"), vec![id("a"), op("+"), id("b")]);
        assert_eq!(kinds("a+--x\nb"), vec![id("a"), op("+"), id("b")]);
        assert_eq!(kinds("a*/*c*/b"), vec![id("a"), op("*"), id("b")]);
        assert_eq!(kinds("a--"), vec![id("a")]);
    }

    #[test]
    fn casts_and_punctuation() {
        assert_eq!(kinds("1::int"), vec![num("1"), Typecast, id("int")]);
        assert_eq!(
            kinds("a[1:2]; (b), c.d"),
            vec![
                id("a"),
                LBracket,
                num("1"),
                Colon,
                num("2"),
                RBracket,
                Semicolon,
                LParen,
                id("b"),
                RParen,
                Comma,
                id("c"),
                Dot,
                id("d")
            ]
        );
    }

    #[test]
    fn nested_comments() {
        assert_eq!(kinds("a /* x /* y */ z */ b"), vec![id("a"), id("b")]);
        assert_eq!(kinds("a/**/b/***/c"), vec![id("a"), id("b"), id("c")]);
        assert_eq!(kinds("-- only a comment"), vec![]);
        assert_eq!(kinds("  \t\r\n\x0b\x0c "), vec![]);
        let e = err("select 1 /* a /* b */");
        assert_eq!((e.pos, e.message.as_str()), (9, "unterminated /* comment"));
        assert_eq!(err("/*/").pos, 0);
    }

    #[test]
    fn unterminated_literals() {
        let e = err("select 'abc");
        assert_eq!(
            (e.pos, e.message.as_str()),
            (7, "unterminated quoted string")
        );
        let e = err("select E'abc");
        assert_eq!(
            (e.pos, e.message.as_str()),
            (7, "unterminated quoted string")
        );
        let e = err("select a, \"Col");
        assert_eq!(
            (e.pos, e.message.as_str()),
            (10, "unterminated quoted identifier")
        );
        let e = err("x = 'it''");
        assert_eq!(e.pos, 4);
        let e = err("x = $$abc");
        assert_eq!(
            (e.pos, e.message.as_str()),
            (4, "unterminated dollar-quoted string")
        );
        assert_eq!(
            e.to_string(),
            "unterminated dollar-quoted string at byte offset 4"
        );
    }

    #[test]
    fn other_characters_are_errors() {
        let e = err("select {1}");
        assert_eq!(
            (e.pos, e.message.as_str()),
            (7, "syntax error at or near \"{\"")
        );
        assert_eq!(err("a \\ b").pos, 2);
    }

    #[test]
    fn token_offsets() {
        let sql = "SELECT  'x''y', $1 -- c\n FROM \"T\"";
        let toks = tokenize(sql).expect("lexes");
        let texts: Vec<&str> = toks.iter().map(|t| t.text(sql)).collect();
        assert_eq!(texts, vec!["SELECT", "'x''y'", ",", "$1", "FROM", "\"T\""]);
    }

    #[test]
    fn borrowed_when_possible() {
        let mut lexer = Lexer::new("'plain' 'it''s' \"Id\"");
        let mut next = || lexer.next().and_then(Result::ok).map(|t| t.kind);
        assert!(matches!(next(), Some(RawKind::Str(Cow::Borrowed("plain")))));
        assert!(matches!(next(), Some(RawKind::Str(Cow::Owned(_)))));
        assert!(matches!(
            next(),
            Some(RawKind::QuotedIdent(Cow::Borrowed("Id")))
        ));
        assert!(next().is_none());
    }

    #[test]
    fn lexer_stops_after_error() {
        let mut lexer = Lexer::new("a 'b");
        assert!(matches!(lexer.next(), Some(Ok(_))));
        assert!(matches!(lexer.next(), Some(Err(_))));
        assert!(lexer.next().is_none());
    }

    /// Small deterministic PRNG (xorshift64*), so the fuzz test needs no crates.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn fuzz_never_panics() {
        const PIECES: &[&str] = &[
            "'", "\"", "$", "$$", "$a$", "$1", "-", "--", "/*", "*/", "/", "*", "\\", "e'", "E'",
            "u&'", "U&\"", "b'", "x'", "n'", "0x", "0b", "1", "9", ".", "..", "e", "_", ":", "::",
            ";", "(", ")", "[", "]", ",", "+", "!", "@", "#", "%", "^", "&", "|", "`", "?", "<",
            ">", "=", "\n", " ", "\t", "é", "日", "\\u", "\\U", "\\x", "\\0", "\\+", "D83D",
            "0041", "select", "a", "''", "{", "\r", "\0",
        ];
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut sql = std::string::String::new();
        for _ in 0..40_000 {
            sql.clear();
            for _ in 0..rng.below(24) {
                sql.push_str(PIECES[rng.below(PIECES.len())]);
            }
            match tokenize(&sql) {
                Ok(tokens) => {
                    let mut last = 0;
                    for t in &tokens {
                        assert!(
                            t.start >= last && t.start < t.end && t.end <= sql.len(),
                            "{sql:?}"
                        );
                        assert!(sql.get(t.start..t.end).is_some(), "{sql:?}");
                        last = t.end;
                    }
                }
                Err(e) => assert!(e.pos <= sql.len(), "{sql:?}: {e}"),
            }
        }
    }
}
