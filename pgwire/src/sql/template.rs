//! Statement shapes and literal-slot matching for SQL templates.
//!
//! A router keeps templates such as
//! `SELECT id, name FROM books WHERE id = $1 AND title LIKE $2` and matches
//! incoming SQL against them. [`normalize`] reduces a statement to a
//! [`Shape`]: a canonical key in which every value (parameter, string,
//! number, `NULL`, `TRUE`, `FALSE`) is a `?` marker, plus the list of those
//! value [`Slot`]s. Two statements have the same key exactly when they have
//! the same shape, so
//!
//! ```text
//! SELECT id FROM t WHERE id = $1
//! select id from t where id = 42;
//! select id from t where id = -42 -- comment
//! select id from t where id = '42'::int8
//! ```
//!
//! all share the key `select id from t where id = ?`. [`bind`] then pairs the
//! slots of a template with those of a query that inlines its values (simple
//! query protocol, psql, client-side binding in psycopg and friends), and
//! [`closest`] finds a "did you mean" candidate when nothing matches.
//!
//! Queries that use `$n` parameters themselves (extended protocol) are matched
//! by key equality alone: their parameters arrive separately, so [`bind`]
//! refuses them with [`BindError::QueryHasParams`].
//!
//! `NULL`, `TRUE` and `FALSE` are values except right after `IS` / `IS NOT`
//! (and `NULL` after `NOT`, as in `NOT NULL` constraints), where they stay
//! keywords in the key. A literal followed by `::type` (including multi-word
//! types, modifiers and array bounds) or preceded by a type name
//! (`DATE '2024-01-01'`) is one slot that records the cast; a `-` directly
//! before a number in value position is folded into the number.
//!
//! Known approximations: a number after `ORDER BY`/`GROUP BY` is a column
//! position in PostgreSQL but is still treated as a value slot here (a
//! template that spells the literal requires the same literal, so this only
//! matters for templates that put `$n` there); `IN (1, 2)` and `IN (1, 2, 3)`
//! have different shapes.
//!
//! This module expects the lexer as its sibling module `super::lexer`.

use super::lexer::{LexError, Lexer, RawKind, RawToken};
use std::borrow::Cow;
use std::fmt;

/// The value found in a [`Slot`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SlotValue {
    /// A positional parameter `$n`.
    Param(u32),
    /// A string (decoded) or a number (as written, with a folded unary minus).
    ///
    /// Bit strings use PostgreSQL's text form: `B'01'` is `b01`, `X'1F'` is `x1F`.
    Text(String),
    /// `NULL`.
    Null,
    /// `TRUE` or `FALSE`.
    Bool(bool),
}

/// One value position of a statement, shown as `?` in the [`Shape`] key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slot {
    /// The value written at this position.
    pub value: SlotValue,
    /// The type the value is cast to, lower-cased as written: from a
    /// following `::type` (chained casts are joined with `::`, e.g.
    /// `text::int4`) or from a prefix such as `DATE '2024-01-01'`.
    pub cast: Option<String>,
    /// Byte offset where the slot starts in the statement (including a folded
    /// minus sign or type prefix).
    pub start: usize,
    /// Byte offset just past the slot (including a folded cast).
    pub end: usize,
}

/// The shape of a statement: its canonical key and its value slots.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Shape {
    /// The statement's tokens, single-space separated, with keywords and
    /// identifiers lower-cased, quoted identifiers kept in double quotes,
    /// `!=` written as `<>`, the operator `?` written as `?op`, and each slot
    /// written as `?`. Trailing semicolons are dropped.
    pub key: String,
    /// The value slots, in source order; the n-th `?` of the key is `slots[n]`.
    pub slots: Vec<Slot>,
}

impl Shape {
    /// A stable 64-bit FNV-1a hash of [`Shape::key`].
    ///
    /// It depends only on the key's bytes, so it is the same across runs,
    /// platforms and crates (e.g. a proc macro computing it at compile time).
    pub fn fingerprint(&self) -> u64 {
        fnv1a64(self.key.as_bytes())
    }

    /// Whether any slot is a `$n` parameter.
    pub fn has_params(&self) -> bool {
        self.slots
            .iter()
            .any(|s| matches!(s.value, SlotValue::Param(_)))
    }
}

/// 64-bit FNV-1a hash of `bytes`, usable in `const` contexts.
pub const fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
}

/// What came before the current token, for telling unary from binary minus
/// and value `NULL`/`TRUE`/`FALSE` from the keywords in `IS NULL` etc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prev {
    /// Start of statement, or after `;`.
    Start,
    /// An operator or opening punctuation.
    Open,
    /// `IS`
    Is,
    /// `IS NOT`
    IsNot,
    /// `NOT` (not after `IS`)
    Not,
    /// A keyword after which an expression starts.
    Keyword,
    /// Something that ends an operand (identifier, literal, `)`, `]`).
    Operand,
}

/// What a lower-cased unquoted word is, as far as normalization cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Word {
    Null,
    True,
    False,
    Is,
    Not,
    /// A keyword after which an expression starts (so `-` is a unary minus).
    Keyword,
    /// A type name that can prefix a literal (`DATE '2024-01-01'`).
    LiteralType,
    /// The first word of a multi-word literal type (`double precision`).
    TypeStart,
    Other,
}

/// Classifies a lower-cased word (one `match`, compiled to a length switch).
fn classify_word(word: &str) -> Word {
    match word {
        "null" => Word::Null,
        "true" => Word::True,
        "false" => Word::False,
        "is" => Word::Is,
        "not" => Word::Not,
        "select" | "where" | "and" | "or" | "values" | "then" | "else" | "when" | "case"
        | "limit" | "offset" | "having" | "on" | "by" | "between" | "symmetric" | "like"
        | "ilike" | "similar" | "escape" | "return" | "returning" | "distinct" | "all" | "from"
        | "in" | "using" | "to" | "default" => Word::Keyword,
        "double" => Word::TypeStart,
        "date" | "time" | "timestamp" | "timestamptz" | "timetz" | "interval" | "int" | "int2"
        | "int4" | "int8" | "integer" | "smallint" | "bigint" | "numeric" | "decimal" | "real"
        | "float" | "float4" | "float8" | "bool" | "boolean" | "text" | "varchar" | "char"
        | "character" | "bpchar" | "name" | "uuid" | "json" | "jsonb" | "jsonpath" | "bytea"
        | "inet" | "cidr" | "macaddr" | "macaddr8" | "money" | "point" | "line" | "lseg"
        | "box" | "path" | "polygon" | "circle" | "tsvector" | "tsquery" | "xml" | "oid"
        | "regclass" | "regtype" | "regproc" | "bit" | "varbit" | "int4range" | "int8range"
        | "numrange" | "tsrange" | "tstzrange" | "daterange" => Word::LiteralType,
        _ => Word::Other,
    }
}

const INTERVAL_FIELDS: &[&str] = &["year", "month", "day", "hour", "minute", "second"];

fn push_lower(out: &mut String, s: &str) {
    let from = out.len();
    out.push_str(s);
    if let Some(tail) = out.get_mut(from..) {
        tail.make_ascii_lowercase();
    }
}

fn push_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
}

/// The decoded text of a string-like token.
fn string_text<'t>(kind: &'t RawKind<'_>) -> Option<&'t str> {
    match kind {
        RawKind::Str(s) => Some(s),
        RawKind::DollarString(s) => Some(s),
        _ => None,
    }
}

// Lookahead works on clones of the lexer (a few words, cheap to copy): a
// speculative parse runs on a clone, which replaces the original on success.

/// The next token and the lexer positioned after it (`None` at the end of
/// input or on a lexical error, which the main loop reports when it gets there).
fn peek<'a>(lx: &Lexer<'a>) -> Option<(RawToken<'a>, Lexer<'a>)> {
    let mut ahead = lx.clone();
    match ahead.next() {
        Some(Ok(tok)) => Some((tok, ahead)),
        _ => None,
    }
}

/// Consumes the next token if it is the unquoted word `word`; returns its end.
fn eat_word(lx: &mut Lexer<'_>, word: &str) -> Option<usize> {
    let mut ahead = lx.clone();
    match ahead.next() {
        Some(Ok(RawToken {
            kind: RawKind::Ident(w),
            end,
            ..
        })) if w.eq_ignore_ascii_case(word) => {
            *lx = ahead;
            Some(end)
        }
        _ => None,
    }
}

/// Consumes the next token if it is the unquoted word `word`, appending
/// ` word` to `out` and updating `end`.
fn eat_type_word(lx: &mut Lexer<'_>, word: &str, out: &mut String, end: &mut usize) -> bool {
    match eat_word(lx, word) {
        Some(e) => {
            out.push(' ');
            out.push_str(word);
            *end = e;
            true
        }
        None => false,
    }
}

/// Consumes the next token if it is the punctuation (payload-free) `kind`;
/// returns its end.
fn eat(lx: &mut Lexer<'_>, kind: &RawKind<'_>) -> Option<usize> {
    let mut ahead = lx.clone();
    match ahead.next() {
        Some(Ok(ref tok)) if std::mem::discriminant(&tok.kind) == std::mem::discriminant(kind) => {
            let end = tok.end;
            *lx = ahead;
            Some(end)
        }
        _ => None,
    }
}

/// Consumes the next token if it is one of the interval field words.
fn eat_interval_field(lx: &mut Lexer<'_>, out: &mut String, end: &mut usize) -> bool {
    INTERVAL_FIELDS
        .iter()
        .any(|field| eat_type_word(lx, field, out, end))
}

/// Parses `(a, b, ...)` type modifiers; returns the end of the `)`.
fn parse_modifiers(lx: &mut Lexer<'_>, out: &mut String) -> Option<usize> {
    eat(lx, &RawKind::LParen)?;
    out.push('(');
    let mut want_item = true;
    loop {
        let (tok, ahead) = peek(lx)?;
        *lx = ahead;
        match (&tok.kind, want_item) {
            (RawKind::Number(n), true) => out.push_str(n),
            (RawKind::Ident(s), true) => push_lower(out, s),
            (RawKind::QuotedIdent(s), true) => push_quoted(out, s),
            (RawKind::Comma, false) => out.push(','),
            (RawKind::RParen, false) => {
                out.push(')');
                return Some(tok.end);
            }
            _ => return None,
        }
        want_item = !want_item;
    }
}

/// Parses a type name (what follows `::`), appending its canonical text to
/// `out`. Returns the end offset of the type. On `None`, `lx` is garbage.
fn parse_type(lx: &mut Lexer<'_>, out: &mut String) -> Option<usize> {
    // Possibly qualified name.
    let mut last_word: &str;
    let mut end;
    loop {
        let (tok, ahead) = peek(lx)?;
        match &tok.kind {
            RawKind::Ident(s) => {
                push_lower(out, s);
                last_word = s;
            }
            RawKind::QuotedIdent(s) => {
                push_quoted(out, s);
                last_word = "";
            }
            _ => return None,
        }
        *lx = ahead;
        end = tok.end;
        let mut probe = lx.clone();
        let qualified = eat(&mut probe, &RawKind::Dot).is_some()
            && matches!(
                peek(&probe),
                Some((
                    RawToken {
                        kind: RawKind::Ident(_) | RawKind::QuotedIdent(_),
                        ..
                    },
                    _
                ))
            );
        if !qualified {
            break;
        }
        *lx = probe;
        out.push('.');
    }
    let is = |w: &str| last_word.eq_ignore_ascii_case(w);
    // Multi-word type names.
    if is("double") {
        eat_type_word(lx, "precision", out, &mut end);
    }
    let mut character = is("character") || is("char") || is("bit") || is("nchar");
    if is("national")
        && (eat_type_word(lx, "character", out, &mut end)
            || eat_type_word(lx, "char", out, &mut end))
    {
        character = true;
    }
    if character {
        eat_type_word(lx, "varying", out, &mut end);
    }
    if matches!(
        peek(lx),
        Some((
            RawToken {
                kind: RawKind::LParen,
                ..
            },
            _
        ))
    ) {
        end = parse_modifiers(lx, out)?;
    }
    if is("time") || is("timestamp") {
        let mut probe = lx.clone();
        let mut zone = String::new();
        let mut zone_end = end;
        if (eat_type_word(&mut probe, "with", &mut zone, &mut zone_end)
            || eat_type_word(&mut probe, "without", &mut zone, &mut zone_end))
            && eat_type_word(&mut probe, "time", &mut zone, &mut zone_end)
            && eat_type_word(&mut probe, "zone", &mut zone, &mut zone_end)
        {
            *lx = probe;
            out.push_str(&zone);
            end = zone_end;
        }
    }
    if is("interval") && eat_interval_field(lx, out, &mut end) {
        let mut probe = lx.clone();
        let mut to = String::new();
        let mut to_end = end;
        if eat_type_word(&mut probe, "to", &mut to, &mut to_end)
            && eat_interval_field(&mut probe, &mut to, &mut to_end)
        {
            *lx = probe;
            out.push_str(&to);
            end = to_end;
        }
        if out.ends_with("second") {
            let mut probe = lx.clone();
            let mark = out.len();
            match parse_modifiers(&mut probe, out) {
                Some(e) => {
                    *lx = probe;
                    end = e;
                }
                None => out.truncate(mark),
            }
        }
    }
    // Array bounds: `[]`, `[n]`, `ARRAY`, `ARRAY[n]`.
    loop {
        let mut probe = lx.clone();
        if eat(&mut probe, &RawKind::LBracket).is_some() {
            let Some((tok, ahead)) = peek(&probe) else {
                break;
            };
            let bound = match tok.kind {
                RawKind::Number(n) => {
                    probe = ahead;
                    n
                }
                _ => "",
            };
            let Some(e) = eat(&mut probe, &RawKind::RBracket) else {
                break;
            };
            out.push('[');
            out.push_str(bound);
            out.push(']');
            end = e;
        } else if let Some(e) = eat_word(&mut probe, "array") {
            out.push_str(" array");
            end = e;
        } else {
            break;
        }
        *lx = probe;
    }
    Some(end)
}

/// After the lower-cased word `first`, a prefix-typed literal
/// (`DATE '2024-01-01'`, `double precision '1.5'`,
/// `timestamp with time zone '...'`): its type, value and end offset.
fn typed_literal(first: &str, lx: &mut Lexer<'_>) -> Option<(String, String, usize)> {
    let (tok, ahead) = peek(lx)?;
    *lx = ahead;
    if let Some(text) = string_text(&tok.kind) {
        let single = classify_word(first) == Word::LiteralType;
        return single.then(|| (first.to_owned(), text.to_owned(), tok.end));
    }
    let RawKind::Ident(second) = tok.kind else {
        return None;
    };
    let mut ty = String::with_capacity(32);
    ty.push_str(first);
    let mut end = tok.end;
    match first {
        "double" if second.eq_ignore_ascii_case("precision") => ty.push_str(" precision"),
        "character" | "char" | "bit" if second.eq_ignore_ascii_case("varying") => {
            ty.push_str(" varying");
        }
        "time" | "timestamp" => {
            let with = if second.eq_ignore_ascii_case("with") {
                " with"
            } else if second.eq_ignore_ascii_case("without") {
                " without"
            } else {
                return None;
            };
            ty.push_str(with);
            if !(eat_type_word(lx, "time", &mut ty, &mut end)
                && eat_type_word(lx, "zone", &mut ty, &mut end))
            {
                return None;
            }
        }
        _ => return None,
    }
    let (tok, ahead) = peek(lx)?;
    let text = string_text(&tok.kind)?;
    *lx = ahead;
    Some((ty, text.to_owned(), tok.end))
}

struct Normalizer {
    key: String,
    slots: Vec<Slot>,
    prev: Prev,
    /// Semicolons seen but not yet emitted (trailing ones are dropped).
    semicolons: usize,
}

impl Normalizer {
    fn sep(&mut self) {
        if !self.key.is_empty() {
            self.key.push(' ');
        }
    }

    fn emit(&mut self, text: &str, prev: Prev) {
        self.sep();
        self.key.push_str(text);
        self.prev = prev;
    }

    /// If `tok` (in its context) starts a value slot: its value, prefix cast
    /// and end offset; `lx` is advanced past any further tokens it uses.
    /// Unquoted words that are not slots are emitted into the key.
    fn slot<'a>(
        &mut self,
        tok: &RawToken<'a>,
        lx: &mut Lexer<'a>,
    ) -> Option<(SlotValue, Option<String>, usize)> {
        let text = |s: &str| Some((SlotValue::Text(s.to_owned()), None, tok.end));
        match &tok.kind {
            RawKind::Param(n) => Some((SlotValue::Param(*n), None, tok.end)),
            RawKind::Str(s) => text(s),
            RawKind::DollarString(s) | RawKind::Number(s) => text(s),
            RawKind::BitString { hex, digits } => {
                let mut v = String::with_capacity(digits.len() + 1);
                v.push(if *hex { 'x' } else { 'b' });
                v.push_str(digits);
                Some((SlotValue::Text(v), None, tok.end))
            }
            RawKind::Operator("-") if self.prev != Prev::Operand => {
                let (next, ahead) = peek(lx)?;
                let RawKind::Number(n) = next.kind else {
                    return None;
                };
                *lx = ahead;
                let mut v = String::with_capacity(n.len() + 1);
                v.push('-');
                v.push_str(n);
                Some((SlotValue::Text(v), None, next.end))
            }
            RawKind::Ident(w) => {
                // Emit the word, then take it back if it turns out to be a value.
                let mark = self.key.len();
                self.sep();
                let from = self.key.len();
                push_lower(&mut self.key, w);
                let word = self.key.get(from..).unwrap_or("");
                let class = classify_word(word);
                let after_is = matches!(self.prev, Prev::Is | Prev::IsNot);
                let value = match class {
                    Word::Null if !after_is && self.prev != Prev::Not => {
                        Some((SlotValue::Null, None, tok.end))
                    }
                    Word::True if !after_is => Some((SlotValue::Bool(true), None, tok.end)),
                    Word::False if !after_is => Some((SlotValue::Bool(false), None, tok.end)),
                    Word::LiteralType | Word::TypeStart => {
                        let mut ahead = lx.clone();
                        typed_literal(word, &mut ahead).map(|(ty, v, end)| {
                            *lx = ahead;
                            (SlotValue::Text(v), Some(ty), end)
                        })
                    }
                    _ => None,
                };
                match value {
                    Some(_) => self.key.truncate(mark),
                    None => {
                        self.prev = match class {
                            Word::Is => Prev::Is,
                            Word::Not if self.prev == Prev::Is => Prev::IsNot,
                            Word::Not => Prev::Not,
                            Word::Keyword => Prev::Keyword,
                            _ => Prev::Operand,
                        }
                    }
                }
                value
            }
            _ => None,
        }
    }

    fn token<'a>(&mut self, tok: &RawToken<'a>, lx: &mut Lexer<'a>) {
        if tok.kind == RawKind::Semicolon {
            self.semicolons += 1;
            return;
        }
        for _ in 0..std::mem::take(&mut self.semicolons) {
            self.emit(";", Prev::Start);
        }
        if let Some((value, mut cast, mut end)) = self.slot(tok, lx) {
            // Fold trailing `::type` casts into the slot.
            loop {
                let mut ahead = lx.clone();
                if eat(&mut ahead, &RawKind::Typecast).is_none() {
                    break;
                }
                let mut ty = String::with_capacity(16);
                let Some(ty_end) = parse_type(&mut ahead, &mut ty) else {
                    break;
                };
                *lx = ahead;
                end = ty_end;
                match &mut cast {
                    Some(c) => {
                        c.push_str("::");
                        c.push_str(&ty);
                    }
                    None => cast = Some(ty),
                }
            }
            self.emit("?", Prev::Operand);
            self.slots.push(Slot {
                value,
                cast,
                start: tok.start,
                end,
            });
            return;
        }
        match &tok.kind {
            // Emitted by `slot`.
            RawKind::Ident(_) => {}
            RawKind::QuotedIdent(s) => {
                self.sep();
                push_quoted(&mut self.key, s);
                self.prev = Prev::Operand;
            }
            RawKind::Operator(op) => {
                let text = match *op {
                    "!=" => "<>",
                    "?" => "?op",
                    other => other,
                };
                self.emit(text, Prev::Open);
            }
            RawKind::Typecast => self.emit("::", Prev::Open),
            RawKind::LParen => self.emit("(", Prev::Open),
            RawKind::RParen => self.emit(")", Prev::Operand),
            RawKind::LBracket => self.emit("[", Prev::Open),
            RawKind::RBracket => self.emit("]", Prev::Operand),
            RawKind::Comma => self.emit(",", Prev::Open),
            RawKind::Semicolon => self.emit(";", Prev::Start),
            RawKind::Colon => self.emit(":", Prev::Open),
            RawKind::Dot => self.emit(".", Prev::Open),
            RawKind::DotDot => self.emit("..", Prev::Open),
            // Literals and parameters are always slots (handled above).
            RawKind::Str(_)
            | RawKind::BitString { .. }
            | RawKind::DollarString(_)
            | RawKind::Number(_)
            | RawKind::Param(_) => self.emit("?", Prev::Operand),
        }
    }
}

/// Reduces `sql` to its [`Shape`].
///
/// Fails only on lexical errors; the statement is not parsed, so any token
/// sequence has a shape.
pub fn normalize(sql: &str) -> Result<Shape, LexError> {
    let mut n = Normalizer {
        key: String::with_capacity(sql.len() + 16),
        slots: Vec::with_capacity(4),
        prev: Prev::Start,
        semicolons: 0,
    };
    let mut lx = Lexer::new(sql);
    loop {
        // Matching by reference avoids copying each token out of the result.
        match &lx.next() {
            Some(Ok(tok)) => n.token(tok, &mut lx),
            Some(Err(e)) => return Err(e.clone()),
            None => break,
        }
    }
    Ok(Shape {
        key: n.key,
        slots: n.slots,
    })
}

/// A problem with the `$n` placeholders of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceholderError {
    /// The template uses `$0`.
    Zero,
    /// The placeholders are not contiguous from `$1`.
    Missing {
        /// The lowest placeholder number that is absent.
        missing: u32,
        /// The highest placeholder number used.
        highest: u32,
    },
}

impl fmt::Display for PlaceholderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlaceholderError::Zero => {
                write!(
                    f,
                    "placeholder $0 is not allowed: placeholders are numbered from $1"
                )
            }
            PlaceholderError::Missing { missing, highest } => write!(
                f,
                "placeholder ${missing} is missing: the template uses up to ${highest}, \
                 and placeholders must be numbered contiguously from $1"
            ),
        }
    }
}

impl std::error::Error for PlaceholderError {}

/// Checks that the `$n` placeholders of `shape` are exactly `$1..=$count`
/// (each may appear any number of times) and returns `count`.
pub fn placeholders(shape: &Shape) -> Result<u32, PlaceholderError> {
    let mut nums: Vec<u32> = shape
        .slots
        .iter()
        .filter_map(|s| match s.value {
            SlotValue::Param(n) => Some(n),
            _ => None,
        })
        .collect();
    nums.sort_unstable();
    nums.dedup();
    if nums.first() == Some(&0) {
        return Err(PlaceholderError::Zero);
    }
    let highest = nums.last().copied().unwrap_or(0);
    let mut expected: u32 = 1;
    for &n in &nums {
        if n != expected {
            return Err(PlaceholderError::Missing {
                missing: expected,
                highest,
            });
        }
        expected = expected.saturating_add(1);
    }
    Ok(highest)
}

/// A template parameter's value taken from a query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct BoundParam {
    /// The value in PostgreSQL text format; `None` for `NULL`.
    /// Booleans are `t` / `f`.
    pub value: Option<String>,
    /// The cast written on the template's `$n` or, if it has none, on the
    /// query's literal (lower-cased as written, e.g. `int8` or `date`).
    pub cast: Option<String>,
}

/// Why a query could not be bound to a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindError {
    /// The shapes differ (`template.key != query.key`).
    KeyMismatch,
    /// The query has `$n` parameters of its own; such queries are matched by
    /// key equality alone, their values arrive with Bind.
    QueryHasParams,
    /// The template's placeholders are invalid.
    Placeholders(PlaceholderError),
    /// A query literal does not fit the template.
    Mismatch {
        /// Index of the slot in [`Shape::slots`].
        slot: usize,
        /// Byte offset of the offending literal in the query.
        pos: usize,
        /// What differs.
        detail: String,
    },
}

impl fmt::Display for BindError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BindError::KeyMismatch => f.write_str("query does not have the template's shape"),
            BindError::QueryHasParams => {
                f.write_str("query has its own $n parameters; match it by shape key instead")
            }
            BindError::Placeholders(e) => write!(f, "invalid template: {e}"),
            BindError::Mismatch { slot, pos, detail } => write!(
                f,
                "value #{} (at byte offset {pos}) does not match the template: {detail}",
                slot + 1
            ),
        }
    }
}

impl std::error::Error for BindError {}

/// Canonical spelling of common type aliases, for comparing casts.
fn canonical_type(ty: &str) -> Cow<'_, str> {
    fn base_alias(base: &str) -> Option<&'static str> {
        Some(match base {
            "int" | "integer" | "int4" => "int4",
            "smallint" | "int2" => "int2",
            "bigint" | "int8" => "int8",
            "real" | "float4" => "float4",
            "double precision" | "float8" | "float" => "float8",
            "bool" | "boolean" => "bool",
            "decimal" | "numeric" => "numeric",
            "varchar" | "character varying" | "char varying" => "varchar",
            "char" | "character" => "char",
            "timestamptz" | "timestamp with time zone" => "timestamptz",
            "timestamp" | "timestamp without time zone" => "timestamp",
            "timetz" | "time with time zone" => "timetz",
            "time" | "time without time zone" => "time",
            "varbit" | "bit varying" => "varbit",
            _ => return None,
        })
    }
    if ty.contains("::") {
        let parts: Vec<Cow<'_, str>> = ty.split("::").map(canonical_type).collect();
        return Cow::Owned(parts.join("::"));
    }
    let ty = ty.strip_prefix("pg_catalog.").unwrap_or(ty);
    let split = ty.find(['(', '[']).unwrap_or(ty.len());
    let (base, rest) = ty.split_at(split);
    match base_alias(base) {
        // `float(p)` depends on p; leave it alone.
        Some(_) if base == "float" && rest.starts_with('(') => Cow::Borrowed(ty),
        Some(alias) => Cow::Owned(format!("{alias}{rest}")),
        None => Cow::Borrowed(ty),
    }
}

fn casts_compatible(template: Option<&str>, query: Option<&str>) -> bool {
    match (template, query) {
        (Some(t), Some(q)) => t == q || canonical_type(t) == canonical_type(q),
        _ => true,
    }
}

fn describe(v: &SlotValue) -> String {
    match v {
        SlotValue::Param(n) => format!("${n}"),
        SlotValue::Text(s) => {
            let mut out = String::from("'");
            out.extend(s.chars().take(40));
            if s.chars().nth(40).is_some() {
                out.push_str("...");
            }
            out.push('\'');
            out
        }
        SlotValue::Null => "NULL".into(),
        SlotValue::Bool(true) => "TRUE".into(),
        SlotValue::Bool(false) => "FALSE".into(),
    }
}

/// Binds a query that inlines its values to a template of the same shape.
///
/// Slots pair up positionally. A template `$n` slot takes the query's value
/// (`NULL` becomes `None`, booleans `t`/`f`, strings and numbers their text);
/// a `$n` used several times must receive equal values. A template literal
/// must equal the query literal exactly. Casts must agree when both sides
/// have one (common aliases such as `int`/`int4` are treated as equal).
///
/// Returns one [`BoundParam`] per placeholder: element `k` is `$(k + 1)`.
pub fn bind(template: &Shape, query: &Shape) -> Result<Vec<BoundParam>, BindError> {
    if template.key != query.key || template.slots.len() != query.slots.len() {
        return Err(BindError::KeyMismatch);
    }
    if query.has_params() {
        return Err(BindError::QueryHasParams);
    }
    let count = placeholders(template).map_err(BindError::Placeholders)?;
    let mut out: Vec<Option<BoundParam>> = vec![None; count as usize];
    for (idx, (t, q)) in template.slots.iter().zip(&query.slots).enumerate() {
        let mismatch = |detail: String| BindError::Mismatch {
            slot: idx,
            pos: q.start,
            detail,
        };
        if !casts_compatible(t.cast.as_deref(), q.cast.as_deref()) {
            return Err(mismatch(format!(
                "cast ::{} does not match the template's ::{}",
                q.cast.as_deref().unwrap_or(""),
                t.cast.as_deref().unwrap_or("")
            )));
        }
        let SlotValue::Param(n) = t.value else {
            if t.value != q.value {
                return Err(mismatch(format!(
                    "expected {}, found {}",
                    describe(&t.value),
                    describe(&q.value)
                )));
            }
            continue;
        };
        let value = match &q.value {
            SlotValue::Text(s) => Some(s.clone()),
            SlotValue::Null => None,
            SlotValue::Bool(b) => Some(if *b { "t" } else { "f" }.to_owned()),
            SlotValue::Param(_) => return Err(BindError::QueryHasParams),
        };
        let Some(entry) = (n as usize).checked_sub(1).and_then(|k| out.get_mut(k)) else {
            // Unreachable after `placeholders` succeeded.
            return Err(BindError::Placeholders(PlaceholderError::Zero));
        };
        let cast = t.cast.clone().or_else(|| q.cast.clone());
        match entry {
            Some(prev) if prev.value != value => {
                return Err(mismatch(format!(
                    "${n} is used more than once but receives different values"
                )));
            }
            Some(prev) => {
                if prev.cast.is_none() {
                    prev.cast = cast;
                }
            }
            None => *entry = Some(BoundParam { value, cast }),
        }
    }
    Ok(out.into_iter().map(Option::unwrap_or_default).collect())
}

/// Keys longer than this many tokens are compared on their first tokens only.
const MAX_KEY_TOKENS: usize = 256;

/// Splits a shape key into tokens (quoted identifiers may contain spaces).
fn key_tokens<'k>(key: &'k str, out: &mut Vec<&'k str>) {
    out.clear();
    let bytes = key.as_bytes();
    let mut i = 0;
    while i < bytes.len() && out.len() < MAX_KEY_TOKENS {
        while bytes.get(i) == Some(&b' ') {
            i += 1;
        }
        let start = i;
        if bytes.get(i) == Some(&b'"') {
            i += 1;
            loop {
                match bytes.get(i) {
                    None => break,
                    Some(b'"') if bytes.get(i + 1) == Some(&b'"') => i += 2,
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(_) => i += 1,
                }
            }
        }
        while bytes.get(i).is_some_and(|&b| b != b' ') {
            i += 1;
        }
        if let Some(tok) = key.get(start..i).filter(|t| !t.is_empty()) {
            out.push(tok);
        }
    }
}

/// Token-level edit distance between `a` and `b`, or `None` if it exceeds `limit`.
fn bounded_distance(a: &[&str], b: &[&str], limit: usize, row: &mut Vec<usize>) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    row.clear();
    row.extend(0..=b.len());
    for (i, ta) in a.iter().enumerate() {
        let mut diag = i;
        let mut best = i + 1;
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, tb) in b.iter().enumerate() {
            let up = row.get(j + 1).copied().unwrap_or(usize::MAX);
            let left = row.get(j).copied().unwrap_or(usize::MAX);
            let cost = diag + usize::from(ta != tb);
            let v = cost.min(up.saturating_add(1)).min(left.saturating_add(1));
            diag = up;
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = v;
            }
            best = best.min(v);
        }
        if best > limit {
            return None;
        }
    }
    row.last().copied().filter(|&d| d <= limit)
}

/// The candidate key closest to `query_key`, for "did you mean" hints.
///
/// Distance is the edit distance over key tokens. A candidate qualifies only
/// if at most about half of its tokens differ (`2 * distance <= longest + 1`),
/// so unrelated statements get no suggestion. Ties go to the earliest
/// candidate. Work is bounded: keys are compared on their first 256 tokens,
/// and candidates whose length alone rules them out are skipped.
pub fn closest<'a>(
    query_key: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut query = Vec::new();
    key_tokens(query_key, &mut query);
    let mut cand = Vec::new();
    let mut row = Vec::new();
    let mut best: Option<(&'a str, usize)> = None;
    for candidate in candidates {
        key_tokens(candidate, &mut cand);
        let longest = query.len().max(cand.len());
        let mut limit = longest.div_ceil(2);
        if let Some((_, d)) = best {
            match d.checked_sub(1) {
                Some(better) => limit = limit.min(better),
                None => break,
            }
        }
        if let Some(d) = bounded_distance(&query, &cand, limit, &mut row) {
            best = Some((candidate, d));
        }
    }
    best.map(|(c, _)| c)
}

#[cfg(test)]
mod tests {
    use super::super::lexer::{TokenKind, tokenize};
    use super::*;

    fn shape(sql: &str) -> Shape {
        match normalize(sql) {
            Ok(s) => s,
            Err(e) => panic!("normalize({sql:?}) failed: {e}"),
        }
    }

    fn key(sql: &str) -> String {
        shape(sql).key
    }

    fn text(s: &str) -> SlotValue {
        SlotValue::Text(s.into())
    }

    fn bound(template: &str, query: &str) -> Result<Vec<BoundParam>, BindError> {
        bind(&shape(template), &shape(query))
    }

    fn values(template: &str, query: &str) -> Vec<Option<String>> {
        match bound(template, query) {
            Ok(v) => v.into_iter().map(|b| b.value).collect(),
            Err(e) => panic!("bind({template:?}, {query:?}) failed: {e}"),
        }
    }

    #[test]
    fn whitespace_case_and_semicolons() {
        assert_eq!(key("SELECT  *  FROM t;"), "select * from t");
        assert_eq!(key("select * from t"), "select * from t");
        assert_eq!(key("select\n*\tfrom T ; ;"), "select * from t");
        assert_eq!(key("select 1; select 2;"), "select ? ; select ?");
    }

    #[test]
    fn comments_are_ignored() {
        assert_eq!(
            key("/* hi /* nested */ */ SELECT a -- trailing\nFROM t"),
            key("select a from t")
        );
    }

    #[test]
    fn value_forms_share_a_key() {
        let expected = "select id from t where id = ?";
        for sql in [
            "SELECT id FROM t WHERE id = $1",
            "select id from t where id = 42",
            "select id from t where id = -42",
            "select id from t where id = '42'::int8",
            "select id from t where id = $1::int8",
            "select id from t where id = E'4\\x32'",
            "select id from t where id = $$42$$",
            "select id from t where id = NULL",
            "select id from t where id = 1.5e3",
            "select id from t where id = int8 '42'",
        ] {
            assert_eq!(key(sql), expected, "{sql}");
        }
        assert_eq!(
            shape("select id from t where id = -42").slots[0].value,
            text("-42")
        );
    }

    #[test]
    fn casts_on_typed_literals_chain() {
        let s = shape("select date '2024-01-01'::text");
        assert_eq!(s.key, "select ?");
        assert_eq!(s.slots[0].cast.as_deref(), Some("date::text"));
        assert_eq!(key("select 1; -1; select -x"), "select ? ; ? ; select - x");
        assert!(shape("select $1").has_params());
        assert!(!shape("select 1").has_params());
    }

    #[test]
    fn quoted_identifiers_stay_distinct() {
        assert_eq!(key(r#"select "ID" from t"#), r#"select "ID" from t"#);
        assert_ne!(key(r#"select "ID" from t"#), key("select ID from t"));
        assert_ne!(key(r#"select "id" from t"#), key("select id from t"));
        assert_eq!(
            key(r#"select "a ""b"" c" from t"#),
            r#"select "a ""b"" c" from t"#
        );
    }

    #[test]
    fn unary_minus_only_in_value_position() {
        assert_eq!(key("select a - 1 from t"), "select a - ? from t");
        assert_eq!(key("select a-1"), "select a - ?");
        assert_eq!(key("select -1"), "select ?");
        assert_eq!(key("select (-1), f(-2, -3)"), "select ( ? ) , f ( ? , ? )");
        assert_eq!(key("select x * -1, y --1\n"), "select x * ? , y");
        assert_eq!(key("select (a) - 1"), "select ( a ) - ?");
        assert_eq!(key("select $1 - 1"), "select ? - ?");
        assert_eq!(key("select - -1"), "select - ?");
        assert_eq!(key("-1"), "?");
        let s = shape("select x where y = - 5");
        assert_eq!(
            (s.slots[0].value.clone(), s.slots[0].start, s.slots[0].end),
            (text("-5"), 19, 22)
        );
    }

    #[test]
    fn null_true_false() {
        let s = shape("insert into t values (NULL, TRUE, false, 'x')");
        assert_eq!(s.key, "insert into t values ( ? , ? , ? , ? )");
        let v: Vec<_> = s.slots.iter().map(|s| s.value.clone()).collect();
        assert_eq!(
            v,
            vec![
                SlotValue::Null,
                SlotValue::Bool(true),
                SlotValue::Bool(false),
                text("x")
            ]
        );
        assert_eq!(key("select 1 where a IS NULL"), "select ? where a is null");
        assert_eq!(
            key("select 1 where a is not true"),
            "select ? where a is not true"
        );
        assert_eq!(
            key("create table t (a int not null)"),
            "create table t ( a int not null )"
        );
        assert_eq!(
            key("select 1 where a is distinct from null"),
            "select ? where a is distinct from ?"
        );
    }

    #[test]
    fn casts_fold_into_slots() {
        let cases = [
            ("'2024-01-01'::date", "date"),
            ("$1::INT8", "int8"),
            ("'x'::varchar(10)", "varchar(10)"),
            ("'1'::numeric(10, 2)", "numeric(10,2)"),
            ("'{1}'::int[]", "int[]"),
            ("'{1}'::int4[3][]", "int4[3][]"),
            ("'{1}'::integer array", "integer array"),
            ("'x'::timestamp with time zone", "timestamp with time zone"),
            (
                "'x'::timestamp(3) without time zone",
                "timestamp(3) without time zone",
            ),
            ("'1'::double precision", "double precision"),
            ("'x'::character varying(5)", "character varying(5)"),
            ("'x'::pg_catalog.text", "pg_catalog.text"),
            ("'x'::\"MyType\"", "\"MyType\""),
            (
                "'1 day'::interval day to second(3)",
                "interval day to second(3)",
            ),
            ("'1'::text::int", "text::int"),
            ("NULL::text", "text"),
            ("-1::int", "int"),
        ];
        for (lit, cast) in cases {
            let s = shape(&format!("select {lit} from t"));
            assert_eq!(s.key, "select ? from t", "{lit}");
            assert_eq!(s.slots[0].cast.as_deref(), Some(cast), "{lit}");
            assert_eq!(
                (s.slots[0].start, s.slots[0].end),
                (7, 7 + lit.len()),
                "{lit}"
            );
        }
        // A cast on a non-slot stays in the key; an alias after a cast is not a type.
        assert_eq!(key("select a::int from t"), "select a :: int from t");
        assert_eq!(key("select 1::int x"), "select ? x");
    }

    #[test]
    fn prefix_typed_literals() {
        for (sql, cast, value) in [
            ("DATE '2024-01-01'", "date", "2024-01-01"),
            (
                "timestamp '2024-01-01 10:00'",
                "timestamp",
                "2024-01-01 10:00",
            ),
            ("interval '1 day'", "interval", "1 day"),
            ("double precision '1.5'", "double precision", "1.5"),
            (
                "timestamp with time zone 'x'",
                "timestamp with time zone",
                "x",
            ),
            ("uuid $$a$$", "uuid", "a"),
        ] {
            let s = shape(&format!("select {sql}"));
            assert_eq!(s.key, "select ?", "{sql}");
            assert_eq!(s.slots[0].cast.as_deref(), Some(cast), "{sql}");
            assert_eq!(s.slots[0].value, text(value), "{sql}");
        }
        // Not typed literals.
        assert_eq!(
            key("select now() at time zone 'UTC'"),
            "select now ( ) at time zone ?"
        );
        assert_eq!(
            key("select a from t where b like 'x%'"),
            "select a from t where b like ?"
        );
        assert_eq!(key("select interval '1' day"), "select ? day");
    }

    #[test]
    fn inlined_client_literals() {
        let s = shape(
            "INSERT INTO people (name, born, bio, ok, n) \
             VALUES ('O''Brien', '2024-01-01'::date, E'a\\nb', true, NULL)",
        );
        let v: Vec<_> = s
            .slots
            .iter()
            .map(|s| (s.value.clone(), s.cast.clone()))
            .collect();
        assert_eq!(
            v,
            vec![
                (text("O'Brien"), None),
                (text("2024-01-01"), Some("date".into())),
                (text("a\nb"), None),
                (SlotValue::Bool(true), None),
                (SlotValue::Null, None),
            ]
        );
    }

    #[test]
    fn operators_in_keys() {
        assert_eq!(key("select 1 where a != b"), key("select 1 where a <> b"));
        assert_eq!(key("select j ? 'k'"), "select j ?op ?");
        assert_ne!(key("select j ? 'k'"), key("select j 'k' ?"));
        assert_eq!(
            key("select a from t where x<=y"),
            "select a from t where x <= y"
        );
        assert_eq!(key("select B'01', X'ff'"), "select ? , ?");
    }

    #[test]
    fn lexical_errors_propagate() {
        let e = normalize("select 'abc").expect_err("unterminated");
        assert_eq!(e.pos, 7);
    }

    #[test]
    fn fingerprint_is_stable() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x85944171f73967e8);
        const AT_COMPILE_TIME: u64 = fnv1a64(b"select ?");
        assert_eq!(shape("SELECT $1").fingerprint(), AT_COMPILE_TIME);
        assert_eq!(
            shape("select 1;").fingerprint(),
            shape("SELECT 'x'").fingerprint()
        );
    }

    #[test]
    fn placeholder_checks() {
        let p = |sql: &str| placeholders(&shape(sql));
        assert_eq!(p("select 1"), Ok(0));
        assert_eq!(p("select $1, $2"), Ok(2));
        assert_eq!(p("select $2, $1, $2"), Ok(2));
        assert_eq!(p("select $0"), Err(PlaceholderError::Zero));
        let e = p("select $1, $3").expect_err("gap");
        assert_eq!(
            e,
            PlaceholderError::Missing {
                missing: 2,
                highest: 3
            }
        );
        assert!(e.to_string().contains("$2 is missing"), "{e}");
        assert_eq!(
            p("select $2").expect_err("gap"),
            PlaceholderError::Missing {
                missing: 1,
                highest: 2
            }
        );
        assert_eq!(
            p("select $2147483647").expect_err("gap"),
            PlaceholderError::Missing {
                missing: 1,
                highest: 2147483647
            }
        );
    }

    #[test]
    fn bind_params() {
        let t = "SELECT id, name FROM books WHERE id = $1 AND title LIKE $2";
        assert_eq!(
            values(
                t,
                "select id, name from books where id = 7 and title like 'Dune%'"
            ),
            vec![Some("7".into()), Some("Dune%".into())]
        );
        assert_eq!(
            values(
                "update t set a = $1, b = $2 where c = $3",
                "update t set a = NULL, b = false where c = -3"
            ),
            vec![None, Some("f".into()), Some("-3".into())]
        );
        assert_eq!(
            values("select $1, $2", "select E'x\\ty', B'0101'"),
            vec![Some("x\ty".into()), Some("b0101".into())]
        );
    }

    #[test]
    fn bind_casts() {
        let b = bound(
            "select * from t where d = $1::date",
            "select * from t where d = '2024-01-01'",
        )
        .expect("binds");
        assert_eq!(
            b,
            vec![BoundParam {
                value: Some("2024-01-01".into()),
                cast: Some("date".into())
            }]
        );
        let b = bound(
            "select * from t where d = $1",
            "select * from t where d = date '2024-01-01'",
        )
        .expect("binds");
        assert_eq!(b[0].cast.as_deref(), Some("date"));
        assert!(bound("select $1::int4", "select '1'::integer").is_ok());
        assert!(
            bound(
                "select $1::timestamptz",
                "select 'x'::timestamp with time zone"
            )
            .is_ok()
        );
        let e = bound("select $1::date", "select '1'::text").expect_err("cast mismatch");
        assert!(
            matches!(
                e,
                BindError::Mismatch {
                    slot: 0,
                    pos: 7,
                    ..
                }
            ),
            "{e}"
        );
    }

    #[test]
    fn bind_literal_slots_must_match() {
        let t = "select * from t where kind = 'book' and id = $1";
        assert_eq!(
            values(t, "select * from t where kind = 'book' and id = 3"),
            vec![Some("3".into())]
        );
        let e = bound(t, "select * from t where kind = 'film' and id = 3").expect_err("mismatch");
        match &e {
            BindError::Mismatch { slot, pos, detail } => {
                assert_eq!((*slot, *pos), (0, 29));
                assert_eq!(detail, "expected 'book', found 'film'");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(
            bound(
                "select * from t where a = NULL",
                "select * from t where a = false"
            )
            .is_err()
        );
        assert!(bound("select * from t limit 10", "select * from t limit 10").is_ok());
    }

    #[test]
    fn bind_repeated_params() {
        let t = "select * from t where a = $1 or b = $1";
        assert_eq!(
            values(t, "select * from t where a = 5 or b = 5"),
            vec![Some("5".into())]
        );
        assert!(matches!(
            bound(t, "select * from t where a = 5 or b = 6"),
            Err(BindError::Mismatch { slot: 1, .. })
        ));
    }

    #[test]
    fn bind_refusals() {
        assert_eq!(
            bound("select $1", "select $1"),
            Err(BindError::QueryHasParams)
        );
        assert_eq!(bound("select $1", "select a"), Err(BindError::KeyMismatch));
        assert_eq!(
            bound("select $1, $3", "select 1, 2"),
            Err(BindError::Placeholders(PlaceholderError::Missing {
                missing: 2,
                highest: 3
            }))
        );
    }

    #[test]
    fn closest_candidates() {
        let templates = [
            "select id , name from books where id = ?",
            "select id from authors where id = ?",
            "insert into books ( id , name ) values ( ? , ? )",
        ];
        let q = key("select id, name from books where id = 1 and x = 2");
        assert_eq!(closest(&q, templates), Some(templates[0]));
        let q = key("select id from author where id = 1");
        assert_eq!(closest(&q, templates), Some(templates[1]));
        assert_eq!(closest("begin", templates), None);
        assert_eq!(closest("anything", std::iter::empty()), None);
        // Quoted identifiers containing spaces are single tokens.
        let quoted = [r#"select "a b" from t"#, "select a b c d from t"];
        assert_eq!(closest(r#"select "a b" from u"#, quoted), Some(quoted[0]));
        // Long keys are bounded and still work.
        let long = "x , ".repeat(1000);
        assert_eq!(closest(&long, [long.as_str()]), Some(long.as_str()));
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
            "select",
            "from",
            "where",
            "is",
            "not",
            "null",
            "true",
            "false",
            "date",
            "timestamp",
            "with",
            "time",
            "zone",
            "double",
            "precision",
            "interval",
            "day",
            "to",
            "second",
            "array",
            "varying",
            "character",
            "int",
            "x",
            "\"Q\"",
            "::",
            ":",
            ".",
            ",",
            ";",
            "(",
            ")",
            "[",
            "]",
            "-",
            "+",
            "=",
            "?",
            "!=",
            "'s'",
            "$$d$$",
            "$1",
            "$2",
            "$0",
            "1",
            "2.5",
            "B'1'",
            "E'\\n'",
            " ",
            "\n",
            "--c\n",
            "/*c*/",
            "'",
            "é",
        ];
        let mut rng = Rng(0x0123_4567_89AB_CDEF);
        let mut sql = String::new();
        let mut keys: Vec<String> = Vec::new();
        for round in 0..20_000 {
            sql.clear();
            for _ in 0..rng.below(16) {
                sql.push_str(PIECES[rng.below(PIECES.len())]);
                if rng.below(3) > 0 {
                    sql.push(' ');
                }
            }
            let Ok(s) = normalize(&sql) else { continue };
            let markers = s.key.split(' ').filter(|t| *t == "?").count();
            assert_eq!(markers, s.slots.len(), "{sql:?}");
            let mut last_end = 0;
            for slot in &s.slots {
                assert!(slot.start >= last_end, "{sql:?}");
                assert!(slot.start < slot.end && slot.end <= sql.len(), "{sql:?}");
                last_end = slot.end;
            }
            // Whitespace, comments and keyword case between tokens do not matter.
            let tokens = tokenize(&sql).expect("normalize succeeded");
            let respaced: String = tokens
                .iter()
                .map(|t| {
                    let text = t.text(&sql);
                    match t.kind {
                        TokenKind::Ident(_) => text.to_ascii_uppercase(),
                        _ => text.to_owned(),
                    }
                })
                .collect::<Vec<_>>()
                .join(" /* c */\t");
            let again = normalize(&respaced).expect("respaced SQL lexes");
            assert_eq!(again.key, s.key, "{sql:?} vs {respaced:?}");
            let values = |s: &Shape| -> Vec<(SlotValue, Option<String>)> {
                s.slots
                    .iter()
                    .map(|x| (x.value.clone(), x.cast.clone()))
                    .collect()
            };
            assert_eq!(values(&again), values(&s), "{sql:?} vs {respaced:?}");
            let _ = placeholders(&s);
            let _ = bind(&s, &s);
            let _ = s.fingerprint();
            if round % 50 == 0 {
                keys.push(s.key.clone());
            }
            let _ = closest(&s.key, keys.iter().map(String::as_str));
        }
    }
}
