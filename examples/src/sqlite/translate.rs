//! Rewrites the PostgreSQL spellings SQLite does not understand, token by token (never
//! inside strings, quoted identifiers or comments):
//!
//! - `$n` → `?n` (numbered parameters bind by position);
//! - `expr::type`, `type 'literal'` and `CAST(x AS type)` → `CAST(x AS <sqlite type>)`,
//!   choosing a target whose affinity keeps the value (`::date` casts to TEXT), with
//!   `pgwire_bool(x)`/`pgwire_bytea(x)` for `bool`/`bytea` and `pgwire_int4(x)`,
//!   `pgwire_float8(x)`… for numbers (they reject and range-check as PostgreSQL does);
//! - `current_user`, `session_user`, `current_schema`, … → function calls;
//! - `E'…'` and `$$…$$` strings → standard literals; `ILIKE` → `REGEXP` (our `regexp()`
//!   matches LIKE patterns ignoring case; LIKE itself is case-sensitive, as in PostgreSQL);
//!   `substring(s FROM a FOR b)`, `position(a IN s)`, `extract(field FROM x)` → argument
//!   lists; `pg_catalog.`
//!   qualifiers dropped;
//! - in CREATE/ALTER TABLE: `timestamp with time zone` → `TIMESTAMPTZ`, and
//!   `DEFAULT now()` → `DEFAULT (now())` (SQLite wants parentheses); then
//!   [`ddl`](super::ddl) declares the columns' types (`SERIAL PRIMARY KEY` → `INTEGER
//!   PRIMARY KEY AUTOINCREMENT`) and gives them CHECKs that keep their types;
//! - `ORDER BY` terms get PostgreSQL's NULL ordering ([`order`](super::order));
//! - first of all, date arithmetic (`x ± interval '…'`, `date ± n`, `date - date`) becomes
//!   calls ([`interval`](super::interval)).

use pgwire::error::{PgError, PgResult, SqlState};

use super::lex::{self, Kind, Token};
use super::types::{self, PgTy};

/// A statement rewritten for SQLite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translated {
    /// The SQL to prepare.
    pub sql: String,
    /// Parameter types known from casts (`$1::int8`), by parameter index − 1.
    pub param_hints: Vec<Option<PgTy>>,
}

/// The highest `$n` SQLite can bind (`SQLITE_MAX_VARIABLE_NUMBER`).
pub const MAX_PARAM: u32 = 32766;

/// Words that, before `(`, open a group rather than call a function.
const NOT_FUNCTIONS: &[&str] = &[
    "all",
    "and",
    "any",
    "as",
    "between",
    "by",
    "case",
    "check",
    "conflict",
    "constraint",
    "default",
    "distinct",
    "do",
    "else",
    "except",
    "exists",
    "filter",
    "from",
    "having",
    "in",
    "intersect",
    "into",
    "is",
    "join",
    "key",
    "lateral",
    "like",
    "limit",
    "not",
    "offset",
    "on",
    "or",
    "over",
    "recursive",
    "references",
    "returning",
    "select",
    "set",
    "some",
    "table",
    "then",
    "union",
    "unique",
    "update",
    "using",
    "values",
    "when",
    "where",
    "with",
    "within",
];

/// Bare SQL-standard functions PostgreSQL calls without parentheses.
const BARE_FUNCTIONS: &[&str] = &[
    "current_user",
    "session_user",
    "current_role",
    "current_schema",
    "current_catalog",
];

/// Type names that may start a typed literal (`DATE '2024-01-02'`).
const LITERAL_TYPES: &[&str] = &[
    "date",
    "time",
    "timestamp",
    "timestamptz",
    "interval",
    "uuid",
    "json",
    "jsonb",
    "numeric",
    "decimal",
    "int",
    "int2",
    "int4",
    "int8",
    "integer",
    "bigint",
    "smallint",
    "text",
    "bool",
    "boolean",
    "float4",
    "float8",
    "real",
    "bytea",
    "varchar",
];

/// A subquery's or table function's alias, with its column names if it lists them.
struct Alias<'s> {
    name: &'s str,
    /// The token after the alias name.
    end: usize,
    columns: Vec<&'s str>,
    /// The token after the column list (`end` when there is none).
    columns_end: usize,
}

struct Frame {
    open: usize,
    call_start: Option<usize>,
    close_extra: bool,
    cast_start: Option<usize>,
    /// `CAST(x AS t)` whose type has a helper: the operand's range in the output, and the
    /// helper the whole CAST becomes at its `)`.
    helper_cast: Option<(usize, usize, &'static str)>,
}

struct Rewriter<'a> {
    src: &'a str,
    toks: &'a [Token],
    out: String,
    hints: Vec<Option<PgTy>>,
    prim: Option<usize>,
    frames: Vec<Frame>,
    prev_sig: Option<Token>,
    after_default: Option<usize>,
    ddl: bool,
    /// The LIKE pattern token after which to write `ESCAPE '\'`.
    escape_after: Option<usize>,
}

/// The index of the first non-trivia token at or after `i`.
pub fn next_sig(toks: &[Token], mut i: usize) -> Option<usize> {
    while i < toks.len() {
        if !toks[i].is_trivia() {
            return Some(i);
        }
        i += 1;
    }
    None
}

impl<'a> Rewriter<'a> {
    fn hint(&mut self, n: u32, ty: PgTy) {
        let Some(i) = (n as usize).checked_sub(1) else {
            return;
        };
        if self.hints.len() <= i {
            self.hints.resize(i + 1, None);
        }
        self.hints[i] = Some(ty);
    }

    /// Reads a type name starting at token `i` (`double precision`, `pg_catalog.int4`,
    /// `varchar(20)`, `int[]`, `timestamp with time zone`). Returns the text and the index
    /// after it.
    fn read_type(&self, i: usize) -> Option<(String, usize)> {
        let mut i = next_sig(self.toks, i)?;
        let first = self.toks[i];
        if first.is_word(self.src, "pg_catalog")
            && next_sig(self.toks, i + 1).is_some_and(|j| self.toks[j].kind == Kind::Punct(b'.'))
        {
            i = next_sig(self.toks, next_sig(self.toks, i + 1)? + 1)?;
        }
        let tok = self.toks[i];
        let mut name = lex::ident_name(&tok, self.src)?;
        let mut end = i + 1;
        let follow = |words: &[&str], from: usize| -> Option<usize> {
            let mut j = from;
            for w in words {
                let k = next_sig(self.toks, j)?;
                if !self.toks[k].is_word(self.src, w) {
                    return None;
                }
                j = k + 1;
            }
            Some(j)
        };
        let combos: &[(&str, &[&str], &str)] = &[
            ("double", &["precision"], "double precision"),
            ("character", &["varying"], "character varying"),
            ("char", &["varying"], "character varying"),
            ("timestamp", &["with", "time", "zone"], "timestamptz"),
            ("timestamp", &["without", "time", "zone"], "timestamp"),
            ("time", &["with", "time", "zone"], "timetz"),
            ("time", &["without", "time", "zone"], "time"),
        ];
        for (head, rest, full) in combos {
            if name == *head {
                if let Some(j) = follow(rest, end) {
                    name = (*full).to_owned();
                    end = j;
                    break;
                }
            }
        }
        // Modifiers: (n) or (n, m).
        if let Some(j) = next_sig(self.toks, end) {
            if self.toks[j].kind == Kind::Punct(b'(') {
                let mut k = j + 1;
                let mut mods = String::new();
                while let Some(m) = next_sig(self.toks, k) {
                    let t = self.toks[m];
                    match t.kind {
                        Kind::Number => mods.push_str(t.text(self.src)),
                        Kind::Punct(b',') => mods.push(','),
                        Kind::Punct(b')') => {
                            name = format!("{name}({mods})");
                            end = m + 1;
                            break;
                        }
                        _ => break,
                    }
                    k = m + 1;
                }
            }
        }
        // Array suffix.
        if let Some(j) = next_sig(self.toks, end) {
            if self.toks[j].kind == Kind::Punct(b'[') {
                if let Some(k) = next_sig(self.toks, j + 1) {
                    if self.toks[k].kind == Kind::Punct(b']') {
                        name.push_str("[]");
                        end = k + 1;
                    }
                }
            }
        }
        Some((name, end))
    }

    /// `CAST(operand AS …)` (or a helper call) for type `name`.
    fn cast_text(operand: &str, name: &str) -> String {
        match types::pg_type_named(name) {
            Some(t) => match types::cast_helper(&t.ty) {
                Some(helper) => format!("{helper}({operand})"),
                None => format!("CAST({operand} AS {})", types::sqlite_cast_target(&t.ty)),
            },
            None if name.ends_with("[]") => operand.to_owned(),
            None => format!("CAST({operand} AS TEXT)"),
        }
    }

    /// Replaces the primary ending the output with a cast to `name`.
    fn apply_cast(&mut self, start: usize, name: &str) {
        let operand = self.out[start..].trim_end().to_owned();
        if let Some(n) = operand
            .strip_prefix('?')
            .and_then(|n| n.parse::<u32>().ok())
        {
            if let Some(t) = types::pg_type_named(name) {
                self.hint(n, t);
            }
        }
        let mut cast = Self::cast_text(&operand, name);
        if self.after_default == Some(start) {
            cast = format!("({cast})");
        }
        self.out.truncate(start);
        self.out.push_str(&cast);
        self.prim = Some(start);
    }

    /// `(VALUES …) alias(a, b)` — SQLite has no column aliases on subqueries, so it becomes
    /// `(SELECT column1 AS a, column2 AS b FROM (VALUES …)) alias`. `open` is where the
    /// just-closed group starts in the output, `i` the token after it.
    fn values_alias(&mut self, i: usize, open: usize) -> Option<usize> {
        let inner = self.out[open + 1..].trim_start();
        if !inner.get(..6)?.eq_ignore_ascii_case("values") {
            return None;
        }
        let alias = self.alias_at(i)?;
        if alias.columns.is_empty() {
            return None;
        }
        let cols: Vec<String> = alias
            .columns
            .iter()
            .enumerate()
            .map(|(n, name)| format!("column{} AS {name}", n + 1))
            .collect();
        let values = self.out[open..].to_owned();
        self.out.truncate(open);
        self.out.push_str(&format!(
            "(SELECT {} FROM {values}) {}",
            cols.join(", "),
            alias.name
        ));
        self.prim = None;
        Some(alias.columns_end)
    }

    /// `FROM generate_series(…) [AS] g[(n)]`, just closed at `call`: SQLite's series table
    /// names its column `value`, PostgreSQL after the alias (or the function), so it becomes
    /// `(SELECT value AS n FROM generate_series(…)) g`. Returns the token index after the
    /// alias (or after the call when there is none).
    fn series_alias(&mut self, i: usize, call: usize, open: usize) -> Option<usize> {
        let name = self.out[call..open].trim();
        if !name.eq_ignore_ascii_case("generate_series") {
            return None;
        }
        let before = self.out[..call].trim_end().to_ascii_lowercase();
        if !(before.ends_with("from") || before.ends_with("join")) {
            return None;
        }
        let alias = self
            .alias_at(i)
            .filter(|a| !super::infer::TABLE_STOP.contains(&a.name.to_ascii_lowercase().as_str()));
        let (alias, column, next) = match &alias {
            None => ("generate_series", "generate_series", i),
            // g(n): one column name.
            Some(a) => match a.columns.as_slice() {
                [n] => (a.name, *n, a.columns_end),
                _ => (a.name, a.name, a.end),
            },
        };
        let call_text = self.out[call..].to_owned();
        self.out.truncate(call);
        self.out.push_str(&format!(
            "(SELECT value AS {column} FROM {call_text}) {alias}"
        ));
        self.prim = None;
        Some(next)
    }

    /// `[AS] alias [(c1, c2, …)]` starting at token `i` (after a subquery or a call).
    fn alias_at(&self, i: usize) -> Option<Alias<'a>> {
        let mut j = next_sig(self.toks, i)?;
        if self.toks[j].is_word(self.src, "as") {
            j = next_sig(self.toks, j + 1)?;
        }
        let t = self.toks[j];
        if !matches!(t.kind, Kind::Word | Kind::QuotedIdent)
            || NOT_FUNCTIONS.contains(&t.text(self.src).to_ascii_lowercase().as_str())
        {
            return None;
        }
        let mut alias = Alias {
            name: t.text(self.src),
            end: j + 1,
            columns: Vec::new(),
            columns_end: j + 1,
        };
        let Some(mut k) =
            next_sig(self.toks, j + 1).filter(|&k| self.toks[k].kind == Kind::Punct(b'('))
        else {
            return Some(alias);
        };
        let mut columns = Vec::new();
        loop {
            let Some(n) = next_sig(self.toks, k + 1) else {
                return Some(alias);
            };
            let c = self.toks[n];
            if !matches!(c.kind, Kind::Word | Kind::QuotedIdent) {
                return Some(alias);
            }
            columns.push(c.text(self.src));
            let Some(next) = next_sig(self.toks, n + 1) else {
                return Some(alias);
            };
            k = next;
            match self.toks[k].kind {
                Kind::Punct(b',') => continue,
                Kind::Punct(b')') => break,
                _ => return Some(alias),
            }
        }
        alias.columns = columns;
        alias.columns_end = k + 1;
        Some(alias)
    }

    fn run(mut self) -> PgResult<Translated> {
        let mut i = 0;
        while i < self.toks.len() {
            let tok = self.toks[i];
            let text = tok.text(self.src);
            let pos = self.out.len();
            let mut sig = true;
            match tok.kind {
                Kind::Space | Kind::Comment => {
                    self.out.push_str(text);
                    sig = false;
                }
                Kind::Word => {
                    if let Some(next) = self.word(i, tok)? {
                        i = next;
                        continue;
                    }
                }
                Kind::QuotedIdent => {
                    self.out.push_str(text);
                    if self.prev_sig.map(|t| t.kind) != Some(Kind::Punct(b'.')) {
                        self.prim = Some(pos);
                    }
                }
                Kind::Str | Kind::Number => {
                    self.out.push_str(text);
                    self.prim = Some(pos);
                }
                Kind::EscStr | Kind::DollarStr => {
                    let v = lex::string_value(&tok, self.src).unwrap_or_default();
                    self.out.push_str(&lex::quote_literal(&v));
                    self.prim = Some(pos);
                }
                Kind::Param(n) => {
                    if n == 0 || n > MAX_PARAM {
                        return Err(PgError::new(
                            SqlState::from_code("42P02"),
                            format!(
                                "there is no parameter ${}",
                                tok.text(self.src).trim_start_matches('$')
                            ),
                        ));
                    }
                    if self.hints.len() < n as usize {
                        self.hints.resize(n as usize, None);
                    }
                    self.out.push('?');
                    self.out.push_str(&n.to_string());
                    self.prim = Some(pos);
                }
                Kind::Cast => {
                    if let (Some(start), Some((name, end))) = (self.prim, self.read_type(i + 1)) {
                        self.apply_cast(start, &name);
                        self.prev_sig = (i..end)
                            .rev()
                            .map(|k| self.toks[k])
                            .find(|t| !t.is_trivia());
                        i = end;
                        continue;
                    }
                    self.out.push_str(text);
                    self.prim = None;
                }
                Kind::Punct(b'(') => {
                    let call = matches!(self.prev_sig, Some(t) if
                        (t.kind == Kind::Word && !NOT_FUNCTIONS.contains(&t.text(self.src).to_ascii_lowercase().as_str()))
                        || t.kind == Kind::QuotedIdent)
                        && self.prim.is_some();
                    let cast_start = self
                        .prev_sig
                        .filter(|t| t.is_word(self.src, "cast"))
                        .and(self.prim);
                    let mut close_extra = false;
                    if call && self.after_default.is_some() && self.after_default == self.prim {
                        // DEFAULT f(...) → DEFAULT (f(...)).
                        let start = self.prim.unwrap_or(pos);
                        self.out.insert(start, '(');
                        close_extra = true;
                    }
                    let open = self.out.len();
                    self.out.push('(');
                    self.frames.push(Frame {
                        open,
                        call_start: if call { self.prim } else { None },
                        close_extra,
                        cast_start,
                        helper_cast: None,
                    });
                    self.prim = None;
                }
                Kind::Punct(b')') => {
                    self.out.push(')');
                    match self.frames.pop() {
                        Some(f) => {
                            if let (Some(cs), Some((es, ee, helper))) =
                                (f.cast_start, f.helper_cast)
                            {
                                let expr = self.out[es..ee].trim().to_owned();
                                self.out.truncate(cs);
                                self.out.push_str(&format!("{helper}({expr})"));
                            }
                            if f.close_extra {
                                self.out.push(')');
                            }
                            self.prim = Some(f.cast_start.or(f.call_start).unwrap_or(f.open));
                            let aliased = match f.call_start {
                                Some(call) => self.series_alias(i + 1, call, f.open),
                                None => self.values_alias(i + 1, f.open),
                            };
                            if let Some(next) = aliased {
                                self.prev_sig = next.checked_sub(1).map(|k| self.toks[k]);
                                i = next;
                                continue;
                            }
                        }
                        None => self.prim = None,
                    }
                }
                Kind::Punct(b'.') => self.out.push('.'),
                _ => {
                    self.out.push_str(text);
                    self.prim = None;
                }
            }
            if sig {
                self.prev_sig = Some(tok);
                if self.after_default.is_some_and(|p| p < pos) && tok.kind != Kind::Punct(b'.') {
                    // Only the primary right after DEFAULT gets wrapped.
                    if !matches!(tok.kind, Kind::Punct(b'(')) || self.frames.is_empty() {
                        self.after_default = None;
                    }
                }
            }
            if self.escape_after == Some(i) {
                self.out.push_str(" ESCAPE '\\'");
            }
            i += 1;
        }
        Ok(Translated {
            sql: self.out,
            param_hints: self.hints,
        })
    }

    /// Handles a word at token `i`. Returns the index to continue from when it consumed
    /// more than this token, or `None` after emitting just this one.
    fn word(&mut self, i: usize, tok: Token) -> PgResult<Option<usize>> {
        let text = tok.text(self.src);
        let lower = text.to_ascii_lowercase();
        let pos = self.out.len();
        let next = next_sig(self.toks, i + 1);
        let next_is = |k: Kind| next.is_some_and(|j| self.toks[j].kind == k);
        let after_dot = self.prev_sig.map(|t| t.kind) == Some(Kind::Punct(b'.'));

        if lower == "pg_catalog" && next_is(Kind::Punct(b'.')) {
            // Dropped with its dot; what follows is read as if unqualified.
            return Ok(next.map(|j| j + 1));
        }
        let last = |me: &mut Self, end: usize| {
            me.prev_sig = (i..end).rev().map(|k| me.toks[k]).find(|t| !t.is_trivia());
        };
        if !after_dot && BARE_FUNCTIONS.contains(&lower.as_str()) && !next_is(Kind::Punct(b'(')) {
            let call = format!("{lower}()");
            if self.after_default == Some(pos) {
                self.out.push_str(&format!("({call})"));
            } else {
                self.out.push_str(&call);
            }
            self.prim = Some(pos);
            last(self, i + 1);
            return Ok(Some(i + 1));
        }
        if lower == "ilike" {
            // LIKE is case-sensitive (as in PostgreSQL); `x REGEXP p` calls our regexp(p, x),
            // which matches LIKE patterns ignoring case.
            self.out.push_str("REGEXP");
            self.prim = None;
            last(self, i + 1);
            return Ok(Some(i + 1));
        }
        // PostgreSQL's LIKE escapes with `\` by default, SQLite's with nothing: a pattern
        // that is a literal with a `\`, or a parameter, gets `ESCAPE '\'` (when it is the
        // whole operand and has none of its own).
        if lower == "like" {
            let operand = next.filter(|&j| match self.toks[j].kind {
                Kind::Str => self.toks[j].text(self.src).contains('\\'),
                Kind::Param(_) => true,
                _ => false,
            });
            let after = operand.and_then(|j| next_sig(self.toks, j + 1));
            let whole = after.is_none_or(|k| {
                !matches!(self.toks[k].kind, Kind::Op | Kind::Cast | Kind::Punct(b'.'))
                    && !self.toks[k].is_word(self.src, "escape")
                    && !self.toks[k].is_word(self.src, "collate")
            });
            if whole {
                self.escape_after = operand;
            }
        }
        // substring(s FROM a FOR b) and position(a IN s): SQL's keyword arguments.
        if matches!(lower.as_str(), "from" | "for" | "in") {
            let call = self.frames.last().and_then(|f| {
                let name = &self.out[f.call_start?..f.open];
                Some(name.trim().to_ascii_lowercase())
            });
            let keyword_argument = match call.as_deref() {
                Some("substring" | "substr") => lower != "in",
                Some("position") => lower == "in",
                Some("extract") => lower == "from",
                _ => false,
            };
            if keyword_argument {
                // extract(year FROM x): the field is a word, passed as text.
                if let (Some("extract"), Some(f)) = (call.as_deref(), self.frames.last()) {
                    let field = self.out[f.open + 1..].trim().to_owned();
                    if !field.is_empty() && field.bytes().all(|b| b.is_ascii_alphabetic()) {
                        self.out.truncate(f.open + 1);
                        self.out
                            .push_str(&lex::quote_literal(&field.to_ascii_lowercase()));
                    }
                }
                self.out.push(',');
                self.prim = None;
                last(self, i + 1);
                return Ok(Some(i + 1));
            }
        }
        if self.ddl && !after_dot && (lower == "timestamp" || lower == "time") {
            if let Some((name, end)) = self.read_type(i) {
                if name == "timestamptz" || name == "timetz" || end > i + 1 {
                    self.out.push_str(&name.to_ascii_uppercase());
                    self.prim = Some(pos);
                    last(self, end);
                    return Ok(Some(end));
                }
            }
        }
        if lower == "default" {
            self.out.push_str(text);
            let after = next.map_or(self.out.len(), |j| {
                // Keep the whitespace between DEFAULT and its expression.
                self.out.push_str(&self.src[tok.end..self.toks[j].start]);
                self.out.len()
            });
            self.after_default = Some(after);
            self.prim = None;
            self.prev_sig = Some(tok);
            return Ok(Some(next.unwrap_or(i + 1)));
        }
        // Typed literal: DATE '2024-01-02'.
        if !after_dot && LITERAL_TYPES.contains(&lower.as_str()) {
            if let Some((name, end)) = self.read_type(i) {
                if let Some(j) = next_sig(self.toks, end) {
                    let lit = self.toks[j];
                    if matches!(lit.kind, Kind::Str | Kind::EscStr | Kind::DollarStr) {
                        let v = lex::string_value(&lit, self.src).unwrap_or_default();
                        self.out.push_str(&lex::quote_literal(&v));
                        self.apply_cast(pos, &name);
                        last(self, j + 1);
                        return Ok(Some(j + 1));
                    }
                }
            }
        }
        // `AS type` inside CAST( … ).
        if lower == "as" {
            if let Some(f) = self.frames.last() {
                if f.cast_start.is_some() {
                    if let Some((name, end)) = self.read_type(i + 1) {
                        let open = f.open;
                        let expr_end = self.out.len();
                        let operand = self.out[open + 1..].trim().to_owned();
                        if let Some(n) = operand
                            .strip_prefix('?')
                            .and_then(|n| n.parse::<u32>().ok())
                        {
                            if let Some(t) = types::pg_type_named(&name) {
                                self.hint(n, t);
                            }
                        }
                        let target = match types::pg_type_named(&name) {
                            Some(t) => {
                                if let (Some(helper), Some(f)) =
                                    (types::cast_helper(&t.ty), self.frames.last_mut())
                                {
                                    f.helper_cast = Some((open + 1, expr_end, helper));
                                }
                                types::sqlite_cast_target(&t.ty)
                            }
                            None => "TEXT",
                        };
                        self.out.push_str(text);
                        self.out.push(' ');
                        self.out.push_str(target);
                        self.prim = None;
                        last(self, end);
                        return Ok(Some(end));
                    }
                }
            }
        }
        self.out.push_str(text);
        if !after_dot {
            self.prim = Some(pos);
        }
        Ok(None)
    }
}

/// Whether the statement is CREATE [TEMP] TABLE or ALTER TABLE.
fn is_table_ddl(src: &str, toks: &[Token]) -> bool {
    let words = lex::first_words(src, toks, 4);
    match words.first().map(String::as_str) {
        Some("create") => words[1..]
            .iter()
            .take_while(|w| matches!(w.as_str(), "temp" | "temporary" | "unlogged" | "table"))
            .any(|w| w == "table"),
        Some("alter") => words.get(1).is_some_and(|w| w == "table"),
        _ => false,
    }
}

/// Rewrites one statement for SQLite.
pub fn translate(src: &str, toks: &[Token]) -> PgResult<Translated> {
    translate_typed(src, toks, &mut |_, _| None)
}

/// [`translate`], knowing the columns' types (`types`: qualifier, column), which date
/// arithmetic on columns needs.
pub fn translate_typed(
    src: &str,
    toks: &[Token],
    types: super::interval::ColumnType<'_>,
) -> PgResult<Translated> {
    if let Some(sql) = super::interval::rewrite(src, toks, types) {
        return translate_statement(&sql, &lex::tokenize(&sql));
    }
    translate_statement(src, toks)
}

fn translate_statement(src: &str, toks: &[Token]) -> PgResult<Translated> {
    let mut out = rewrite(src, toks)?;
    if is_table_ddl(src, toks) {
        out.sql = super::ddl::rewrite(&out.sql);
    } else if let Some(sql) = super::order::rewrite(&out.sql) {
        out.sql = sql;
    }
    Ok(out)
}

/// The token-by-token rewrite (everything but [`ddl`](super::ddl)'s column checks).
fn rewrite(src: &str, toks: &[Token]) -> PgResult<Translated> {
    Rewriter {
        src,
        toks,
        out: String::with_capacity(src.len() + 16),
        hints: Vec::new(),
        prim: None,
        frames: Vec::new(),
        prev_sig: None,
        after_default: None,
        ddl: is_table_ddl(src, toks),
        escape_after: None,
    }
    .run()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pgwire::types::Type;

    fn tr(s: &str) -> String {
        rewrite(s, &lex::tokenize(s)).unwrap().sql
    }

    #[test]
    fn parameters() {
        assert_eq!(tr("SELECT $1, '$2', $10"), "SELECT ?1, '$2', ?10");
        let t = translate("select $2::int8", &lex::tokenize("select $2::int8")).unwrap();
        assert_eq!(t.sql, "select pgwire_int8(?2)");
        assert_eq!(t.param_hints.len(), 2);
        assert_eq!(t.param_hints[1].as_ref().map(|t| &t.ty), Some(&Type::INT8));
        assert!(translate("select $0", &lex::tokenize("select $0")).is_err());
        let e = translate("select $99999", &lex::tokenize("select $99999")).unwrap_err();
        assert_eq!(e.message, "there is no parameter $99999");
    }

    #[test]
    fn casts() {
        assert_eq!(tr("select x::text"), "select CAST(x AS TEXT)");
        assert_eq!(tr("select t.x :: int"), "select pgwire_int4(t.x)");
        assert_eq!(
            tr("select count(*)::int, (a+b)::float8"),
            "select pgwire_int4(count(*)), pgwire_float8((a+b))"
        );
        assert_eq!(
            tr("select '1'::int::text"),
            "select CAST(pgwire_int4('1') AS TEXT)"
        );
        assert_eq!(tr("select 't'::bool"), "select pgwire_bool('t')");
        assert_eq!(tr("select now()::date"), "select CAST(now() AS TEXT)");
        assert_eq!(
            tr("select '23'::pg_catalog.oid"),
            "select CAST('23' AS INTEGER)"
        );
        assert_eq!(
            tr("select x::varchar(10), y::timestamp with time zone"),
            "select CAST(x AS TEXT), CAST(y AS TEXT)"
        );
        assert_eq!(
            tr("select date '2024-01-02'"),
            "select CAST('2024-01-02' AS TEXT)"
        );
        assert_eq!(tr("select cast($1 as bigint)"), "select pgwire_int8(?1)");
        assert_eq!(
            tr("select cast(x as boolean) from t"),
            "select pgwire_bool(x) from t"
        );
    }

    #[test]
    fn functions_and_strings() {
        assert_eq!(
            tr("select current_user, session_user, current_schema()"),
            "select current_user(), session_user(), current_schema()"
        );
        assert_eq!(
            tr("select pg_catalog.version(), E'a\\nb', $$it's$$"),
            "select version(), 'a\nb', 'it''s'"
        );
        assert_eq!(
            tr("select 1 where a like '10\\%' and b like $1 and c like 'x%' and d like $2 || '%'"),
            "select 1 where a like '10\\%' ESCAPE '\\' and b like ?1 ESCAPE '\\' and c like 'x%' and d like ?2 || '%'"
        );
        assert_eq!(
            tr("select 1 where a ILIKE 'x'"),
            "select 1 where a REGEXP 'x'"
        );
        assert_eq!(tr("select 'current_user'"), "select 'current_user'");
    }

    #[test]
    fn values_with_column_aliases() {
        // What psql's \gdesc sends.
        assert_eq!(
            tr(
                "SELECT name AS \"Column\", pg_catalog.format_type(tp, tpm) AS \"Type\"\nFROM (VALUES ('id', '23'::pg_catalog.oid, -1)) s(name, tp, tpm)"
            ),
            "SELECT name AS \"Column\", format_type(tp, tpm) AS \"Type\"\nFROM (SELECT column1 AS name, column2 AS tp, column3 AS tpm FROM (VALUES ('id', CAST('23' AS INTEGER), -1))) s"
        );
        assert_eq!(
            tr("select * from (select 1) s"),
            "select * from (select 1) s"
        );
    }

    #[test]
    fn generate_series_columns_are_named_as_in_postgres() {
        assert_eq!(
            tr("select g from generate_series(1, 3) g"),
            "select g from (SELECT value AS g FROM generate_series(1, 3)) g"
        );
        assert_eq!(
            tr("select n from generate_series(1, $1) AS s(n) where n > 1"),
            "select n from (SELECT value AS n FROM generate_series(1, ?1)) s where n > 1"
        );
        assert_eq!(
            tr("select * from generate_series(1,2) join t on true"),
            "select * from (SELECT value AS generate_series FROM generate_series(1,2)) generate_series join t on true"
        );
        assert_eq!(tr("select max(value) from t"), "select max(value) from t");
    }

    #[test]
    fn ddl() {
        assert_eq!(
            tr("CREATE TABLE t (id BIGSERIAL PRIMARY KEY, ts TIMESTAMPTZ DEFAULT now(), n serial)"),
            "CREATE TABLE t (id BIGSERIAL PRIMARY KEY, ts TIMESTAMPTZ DEFAULT (now()), n serial)"
        );
        assert_eq!(
            tr(
                "create table t (a timestamp with time zone default current_timestamp, u text default current_user)"
            ),
            "create table t (a TIMESTAMPTZ default current_timestamp, u text default (current_user()))"
        );
        assert_eq!(
            tr("create table t (a int default 0::int, b text default 'x')"),
            "create table t (a int default (pgwire_int4(0)), b text default 'x')"
        );
        // Not DDL: serial is just a word.
        assert_eq!(tr("select serial from t"), "select serial from t");
    }
}
