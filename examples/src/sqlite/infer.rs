//! Cheap type inference on the PostgreSQL text of a statement, so that Describe can answer
//! before anything runs:
//!
//! - parameter types from their context: `col = $1`, `$1 < t.col`, `col IN ($1, $2)`,
//!   `col BETWEEN $1 AND $2`, `INSERT INTO t (a, b) VALUES ($1, $2)`, `SET col = $1`,
//!   `LIKE $1` (text), `LIMIT $1` (int8);
//! - result types of select-list expressions SQLite has no declared type for: literals,
//!   casts, `count(*)`, known functions, comparisons, `||`;
//! - PostgreSQL's names for unaliased expression columns (`count`, `?column?`, `now`).
//!
//! Whatever is not recognized stays unknown (text for Describe).

use pgwire::types::Type;

use super::lex::{self, Kind, Token};
use super::types::{self, PgTy};

/// Looks up a table's columns: name and declared type.
pub trait Schema {
    /// The columns of `table`, or `None` when there is no such table.
    fn columns(&mut self, table: &str) -> Option<Vec<(String, Option<String>)>>;
}

/// What inference found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Inference {
    /// Parameter types by index (`$1` is 0); `None` where unknown.
    pub params: Vec<Option<PgTy>>,
    /// The result columns' inferred types and PostgreSQL names, when the select list could
    /// be mapped one-to-one onto the result columns.
    pub items: Option<Vec<Item>>,
}

/// One select-list item.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Item {
    /// The name PostgreSQL gives the column when it has no alias and is not a plain column
    /// reference (`count`, `?column?`); `None` to keep SQLite's.
    pub name: Option<String>,
    /// The inferred type.
    pub ty: Option<PgTy>,
}

const CLAUSE_END: &[&str] = &[
    "from",
    "where",
    "group",
    "having",
    "order",
    "limit",
    "offset",
    "union",
    "intersect",
    "except",
    "window",
    "into",
    "fetch",
    "for",
    "returning",
    "on",
];

const NOT_ALIAS: &[&str] = &[
    "end",
    "null",
    "true",
    "false",
    "current_timestamp",
    "current_date",
    "current_time",
    "current_user",
    "session_user",
    "localtimestamp",
    "localtime",
    "user",
];

/// Words that end a table reference in FROM (and so are not its alias).
pub(crate) const TABLE_STOP: &[&str] = &[
    "where",
    "join",
    "inner",
    "left",
    "right",
    "full",
    "cross",
    "natural",
    "on",
    "using",
    "group",
    "order",
    "limit",
    "offset",
    "having",
    "window",
    "union",
    "intersect",
    "except",
    "set",
    "values",
    "select",
    "returning",
    "default",
    "outer",
    "lateral",
    "as",
    "indexed",
    "not",
    "do",
];

fn pg(ty: Type) -> Option<PgTy> {
    Some(PgTy { ty, typmod: -1 })
}

struct Ctx<'a, S: Schema> {
    src: &'a str,
    sig: Vec<Token>,
    depth: Vec<i32>,
    schema: &'a mut S,
    /// (table, alias)
    tables: Vec<(String, Option<String>)>,
    hints: &'a [Option<PgTy>],
}

impl<S: Schema> Ctx<'_, S> {
    fn word(&self, i: usize) -> Option<String> {
        let t = self.sig.get(i)?;
        (t.kind == Kind::Word).then(|| t.text(self.src).to_ascii_lowercase())
    }

    fn is_word(&self, i: usize, w: &str) -> bool {
        self.sig.get(i).is_some_and(|t| t.is_word(self.src, w))
    }

    fn kind(&self, i: usize) -> Option<Kind> {
        self.sig.get(i).map(|t| t.kind)
    }

    fn op(&self, i: usize) -> Option<&str> {
        let t = self.sig.get(i)?;
        (t.kind == Kind::Op).then(|| t.text(self.src))
    }

    fn ident(&self, i: usize) -> Option<String> {
        let t = self.sig.get(i)?;
        lex::ident_name(t, self.src)
    }

    /// The index of the paren closing the one opened at `open`.
    fn close_of(&self, open: usize) -> usize {
        let mut d = 0;
        for k in open..self.sig.len() {
            match self.sig[k].kind {
                Kind::Punct(b'(') => d += 1,
                Kind::Punct(b')') => {
                    d -= 1;
                    if d == 0 {
                        return k;
                    }
                }
                _ => {}
            }
        }
        self.sig.len()
    }

    /// The index of the paren opening the group that contains `i`.
    fn open_of(&self, i: usize) -> Option<usize> {
        let mut d = 0;
        for k in (0..i).rev() {
            match self.sig[k].kind {
                Kind::Punct(b')') => d += 1,
                Kind::Punct(b'(') => {
                    if d == 0 {
                        return Some(k);
                    }
                    d -= 1;
                }
                _ => {}
            }
        }
        None
    }

    fn collect_tables(&mut self) {
        let mut i = 0;
        while i < self.sig.len() {
            let w = self.word(i);
            let starts = matches!(w.as_deref(), Some("from" | "join" | "update" | "into"));
            if !starts {
                i += 1;
                continue;
            }
            let list = w.as_deref() == Some("from");
            let mut j = i + 1;
            // UPDATE OR REPLACE t / INSERT OR IGNORE INTO t: `or x` precedes the name.
            if self.is_word(j, "only") {
                j += 1;
            }
            loop {
                if self.kind(j) == Some(Kind::Punct(b'(')) {
                    j = self.close_of(j) + 1;
                    j = self.skip_alias(j).0;
                } else if let Some(mut name) = self.ident(j) {
                    if self.kind(j + 1) == Some(Kind::Punct(b'.')) {
                        if let Some(n) = self.ident(j + 2) {
                            name = n;
                            j += 2;
                        }
                    }
                    j += 1;
                    // A function in FROM (generate_series(…)): skip its arguments.
                    if self.kind(j) == Some(Kind::Punct(b'(')) {
                        j = self.close_of(j) + 1;
                    }
                    let (next, alias) = self.skip_alias(j);
                    j = next;
                    self.tables.push((name, alias));
                } else {
                    break;
                }
                if list && self.kind(j) == Some(Kind::Punct(b',')) {
                    j += 1;
                    continue;
                }
                break;
            }
            i = j.max(i + 1);
        }
    }

    fn skip_alias(&self, j: usize) -> (usize, Option<String>) {
        if self.is_word(j, "as") {
            if let Some(a) = self.ident(j + 1) {
                return (j + 2, Some(a));
            }
        }
        match self.sig.get(j) {
            Some(t) if t.kind == Kind::QuotedIdent => (j + 1, self.ident(j)),
            Some(t) if t.kind == Kind::Word => {
                let w = t.text(self.src).to_ascii_lowercase();
                if TABLE_STOP.contains(&w.as_str()) {
                    (j, None)
                } else {
                    (j + 1, Some(w))
                }
            }
            _ => (j, None),
        }
    }

    fn column_type(&mut self, qual: Option<&str>, col: &str) -> Option<PgTy> {
        if matches!(col, "rowid" | "oid" | "_rowid_") {
            return pg(Type::INT8);
        }
        let candidates: Vec<String> = self
            .tables
            .iter()
            .filter(|(t, a)| match qual {
                Some(q) => {
                    a.as_deref() == Some(q)
                        || (a.is_none() && t.eq_ignore_ascii_case(q))
                        || t.eq_ignore_ascii_case(q)
                }
                None => true,
            })
            .map(|(t, _)| t.clone())
            .collect();
        for t in candidates {
            if let Some(cols) = self.schema.columns(&t) {
                if let Some((_, decl)) = cols.iter().find(|(n, _)| n.eq_ignore_ascii_case(col)) {
                    return decl.as_deref().map(types::from_decltype);
                }
            }
        }
        None
    }

    /// A column reference ending at `i` (`c` or `q.c`): (qualifier, column).
    fn colref_before(&self, i: usize) -> Option<(Option<String>, String)> {
        let col = self.ident(i)?;
        if self
            .word(i)
            .is_some_and(|w| NOT_ALIAS.contains(&w.as_str()) || w == "and" || w == "or")
        {
            return None;
        }
        if i >= 2 && self.kind(i - 1) == Some(Kind::Punct(b'.')) {
            return Some((self.ident(i - 2), col));
        }
        Some((None, col))
    }

    /// A column reference starting at `i`.
    fn colref_after(&self, i: usize) -> Option<(Option<String>, String)> {
        let first = self.ident(i)?;
        if self.kind(i + 1) == Some(Kind::Punct(b'(')) {
            return None;
        }
        if self.kind(i + 1) == Some(Kind::Punct(b'.')) {
            return Some((Some(first), self.ident(i + 2)?));
        }
        Some((None, first))
    }

    fn resolve(&mut self, r: Option<(Option<String>, String)>) -> Option<PgTy> {
        let (q, c) = r?;
        self.column_type(q.as_deref(), &c)
    }

    fn param_type(&mut self, p: usize) -> Option<PgTy> {
        const CMP: &[&str] = &[
            "=", "<>", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%",
        ];
        let prev = p.checked_sub(1);
        if let Some(op) = prev.and_then(|k| self.op(k)) {
            if op == "||" {
                return pg(Type::TEXT);
            }
            if CMP.contains(&op) {
                if let Some(k) = p.checked_sub(2) {
                    if let Some(t) = self.resolve(self.colref_before(k)) {
                        return Some(t);
                    }
                }
            }
        }
        if let Some(op) = self.op(p + 1) {
            if op == "||" {
                return pg(Type::TEXT);
            }
            if CMP.contains(&op) {
                if let Some(t) = self.resolve(self.colref_after(p + 2)) {
                    return Some(t);
                }
            }
        }
        if let Some(w) = prev.and_then(|k| self.word(k)) {
            match w.as_str() {
                "like" | "ilike" | "glob" => return pg(Type::TEXT),
                "limit" | "offset" => return pg(Type::INT8),
                "between" => {
                    return self.resolve(p.checked_sub(2).and_then(|k| self.colref_before(k)));
                }
                "and" if p >= 4 && self.is_word(p - 3, "between") => {
                    return self.resolve(self.colref_before(p - 4));
                }
                _ => {}
            }
        }
        // An item of `col [NOT] IN (…)`.
        let in_list = p > 0 && matches!(self.kind(p - 1), Some(Kind::Punct(b'(' | b',')));
        if in_list {
            if let Some(open) = self.open_of(p) {
                if open >= 2 && self.is_word(open - 1, "in") {
                    let mut k = open - 2;
                    if self.is_word(k, "not") && k > 0 {
                        k -= 1;
                    }
                    return self.resolve(self.colref_before(k));
                }
            }
        }
        None
    }

    /// `INSERT INTO t [(cols)] VALUES (…), (…)`: parameters standing alone as values.
    fn insert_values(&mut self, params: &mut [Option<PgTy>]) {
        if !self.is_word(0, "insert") && !self.is_word(0, "replace") {
            return;
        }
        let Some(into) = (0..self.sig.len()).find(|&k| self.is_word(k, "into")) else {
            return;
        };
        let mut j = into + 1;
        let Some(mut table) = self.ident(j) else {
            return;
        };
        if self.kind(j + 1) == Some(Kind::Punct(b'.')) {
            if let Some(n) = self.ident(j + 2) {
                table = n;
                j += 2;
            }
        }
        j += 1;
        let (next, _) = self.skip_alias(j);
        j = next;
        let mut cols: Vec<String> = Vec::new();
        if self.kind(j) == Some(Kind::Punct(b'(')) {
            let close = self.close_of(j);
            cols = (j + 1..close).filter_map(|k| self.ident(k)).collect();
            j = close + 1;
        } else if let Some(all) = self.schema.columns(&table) {
            cols = all.into_iter().map(|(n, _)| n).collect();
        }
        if !self.is_word(j, "values") {
            return;
        }
        let decls = self.schema.columns(&table).unwrap_or_default();
        let ty_of = |c: &str| {
            decls
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(c))
                .and_then(|(_, d)| d.as_deref().map(types::from_decltype))
        };
        j += 1;
        while self.kind(j) == Some(Kind::Punct(b'(')) {
            let close = self.close_of(j);
            let mut idx = 0;
            let mut start = j + 1;
            for k in j + 1..=close {
                let at_sep = k == close
                    || (self.kind(k) == Some(Kind::Punct(b','))
                        && self.depth[k] == self.depth[j] + 1);
                if at_sep {
                    if k == start + 1 {
                        if let Some(Kind::Param(n @ 1..)) = self.kind(start) {
                            let slot = n as usize - 1;
                            if slot < params.len() && params[slot].is_none() {
                                params[slot] = cols.get(idx).and_then(|c| ty_of(c));
                            }
                        }
                    }
                    idx += 1;
                    start = k + 1;
                }
            }
            j = close + 1;
            if self.kind(j) == Some(Kind::Punct(b',')) {
                j += 1;
            }
        }
    }

    /// Where the main select list starts (after SELECT, or RETURNING), and its depth.
    fn select_list(&self) -> Option<usize> {
        let d0 = |k: usize| self.depth[k] == 0;
        let first = self.word(0)?;
        match first.as_str() {
            "select" | "with" => (0..self.sig.len())
                .find(|&k| d0(k) && self.is_word(k, "select"))
                .map(|k| k + 1),
            "insert" | "update" | "delete" | "replace" => (0..self.sig.len())
                .find(|&k| d0(k) && self.is_word(k, "returning"))
                .map(|k| k + 1),
            _ => None,
        }
    }

    fn items(&mut self, params: &[Option<PgTy>]) -> Option<Vec<Item>> {
        let mut k = self.select_list()?;
        if self.is_word(k, "distinct") {
            k += 1;
            if self.is_word(k, "on") && self.kind(k + 1) == Some(Kind::Punct(b'(')) {
                k = self.close_of(k + 1) + 1;
            }
        } else if self.is_word(k, "all") {
            k += 1;
        }
        let mut items = Vec::new();
        let mut start = k;
        let mut end = k;
        while end < self.sig.len() {
            let t = self.sig[end];
            if self.depth[end] == 0 {
                if t.kind == Kind::Punct(b';') {
                    break;
                }
                if self
                    .word(end)
                    .is_some_and(|w| CLAUSE_END.contains(&w.as_str()))
                {
                    break;
                }
                if t.kind == Kind::Punct(b',') {
                    items.push(self.item(start, end, params)?);
                    start = end + 1;
                }
            }
            end += 1;
        }
        if start < end {
            items.push(self.item(start, end, params)?);
        }
        Some(items)
    }

    /// Types and names one item `[a, b)`; `None` for `*` (columns cannot be mapped).
    fn item(&mut self, a: usize, b: usize, params: &[Option<PgTy>]) -> Option<Item> {
        if b <= a {
            return Some(Item::default());
        }
        let last = self.sig[b - 1];
        if last.kind == Kind::Op && last.text(self.src) == "*" {
            return None;
        }
        // Alias: `expr AS name` or `expr name`.
        let mut e = b;
        let mut aliased = false;
        if b - a >= 2 && matches!(last.kind, Kind::Word | Kind::QuotedIdent) {
            let before = self.sig[b - 2];
            if before.is_word(self.src, "as") {
                e = b - 2;
                aliased = true;
            } else {
                let last_kw = self
                    .word(b - 1)
                    .is_some_and(|w| NOT_ALIAS.contains(&w.as_str()));
                let ends_expr = matches!(
                    before.kind,
                    Kind::Word
                        | Kind::QuotedIdent
                        | Kind::Number
                        | Kind::Str
                        | Kind::Param(_)
                        | Kind::Punct(b')')
                );
                let cast_type = self
                    .cast_at(a, b)
                    .is_some_and(|(c, _)| c + 1 >= b - 1 || self.type_span(c + 1) >= b);
                if !last_kw && ends_expr && !cast_type && !before.is_word(self.src, "as") {
                    e = b - 1;
                    aliased = true;
                }
            }
        }
        let (ty, name) = self.expr(a, e, params);
        Some(Item {
            name: if aliased { None } else { name },
            ty,
        })
    }

    /// The last depth-relative-0 `::` in `[a, b)` and the text of its type.
    fn cast_at(&self, a: usize, b: usize) -> Option<(usize, String)> {
        let base = self.depth[a];
        let c = (a..b)
            .rev()
            .find(|&k| self.sig[k].kind == Kind::Cast && self.depth[k] == base)?;
        Some((c, self.type_text(c + 1)))
    }

    /// The end of the type name starting at `k`.
    fn type_span(&self, k: usize) -> usize {
        let mut j = k;
        while j < self.sig.len() {
            match self.sig[j].kind {
                Kind::Word
                | Kind::QuotedIdent
                | Kind::Punct(b'.')
                | Kind::Punct(b'[')
                | Kind::Punct(b']') => j += 1,
                Kind::Punct(b'(') => j = self.close_of(j) + 1,
                _ => break,
            }
            // Multi-word names: only known continuations.
            if j < self.sig.len() && self.sig[j].kind == Kind::Word {
                let prev = self.word(j - 1).unwrap_or_default();
                let w = self.word(j).unwrap_or_default();
                let cont = matches!(
                    (prev.as_str(), w.as_str()),
                    ("double", "precision")
                        | ("character" | "char", "varying")
                        | ("timestamp" | "time", "with" | "without")
                        | ("with" | "without", "time")
                        | ("time", "zone")
                );
                if !cont {
                    break;
                }
            }
        }
        j
    }

    fn type_text(&self, k: usize) -> String {
        let end = self.type_span(k);
        match (
            self.sig.get(k),
            end.checked_sub(1).and_then(|e| self.sig.get(e)),
        ) {
            (Some(s), Some(l)) if end > k => self.src[s.start..l.end].to_owned(),
            _ => String::new(),
        }
    }

    /// Type and PostgreSQL column name of expression `[a, e)`.
    fn expr(
        &mut self,
        a: usize,
        e: usize,
        params: &[Option<PgTy>],
    ) -> (Option<PgTy>, Option<String>) {
        let qm = Some("?column?".to_owned());
        if e <= a {
            return (None, qm);
        }
        let base = self.depth[a];
        // A cast applied to the whole expression: `operand :: type` (`::` binds tighter than
        // any operator, so `a + b::int` is not one).
        if let Some((c, ty_text)) = self.cast_at(a, e) {
            let operator = (a + 1..c).any(|k| self.depth[k] == base && self.op(k).is_some());
            if self.type_span(c + 1) >= e && !operator {
                let ty = types::pg_type_named(&ty_text);
                let (_, inner) = self.expr(a, c, params);
                let name = match inner {
                    Some(n) if n != "?column?" => Some(n),
                    _ => ty.as_ref().map(|t| t.ty.name().to_owned()).or(qm),
                };
                return (ty, name);
            }
        }
        let n = e - a;
        let t0 = self.sig[a];
        // `( expr )`, not a subquery.
        if t0.kind == Kind::Punct(b'(')
            && self.close_of(a) == e - 1
            && !self.is_word(a + 1, "select")
        {
            return (self.expr(a + 1, e - 1, params).0, qm);
        }
        if n == 1 {
            return match t0.kind {
                Kind::Param(p) => (
                    (p as usize)
                        .checked_sub(1)
                        .and_then(|i| params.get(i))
                        .cloned()
                        .flatten(),
                    qm,
                ),
                Kind::Number => (number_type(t0.text(self.src)), qm),
                Kind::Str | Kind::EscStr | Kind::DollarStr => (pg(Type::TEXT), qm),
                Kind::Word => {
                    let w = t0.text(self.src).to_ascii_lowercase();
                    match w.as_str() {
                        "true" | "false" => (pg(Type::BOOL), Some("bool".into())),
                        "null" => (None, qm),
                        "current_timestamp" => (pg(Type::TIMESTAMPTZ), Some(w)),
                        "current_date" => (pg(Type::DATE), Some(w)),
                        "current_time" | "localtime" => (pg(Type::TIME), Some(w)),
                        "localtimestamp" => (pg(Type::TIMESTAMP), Some(w)),
                        "current_user" | "session_user" | "user" | "current_role"
                        | "current_schema" | "current_catalog" => (pg(Type::NAME), Some(w)),
                        _ => (None, Some(w)),
                    }
                }
                Kind::QuotedIdent => (None, lex::ident_name(&t0, self.src)),
                _ => (None, qm),
            };
        }
        if n == 2 && self.op(a) == Some("-") && self.kind(a + 1) == Some(Kind::Number) {
            return (number_type(self.sig[a + 1].text(self.src)), qm);
        }
        if n == 3 && self.kind(a + 1) == Some(Kind::Punct(b'.')) && self.ident(a + 2).is_some() {
            return (None, self.ident(a + 2));
        }
        // CAST(x AS type)
        if t0.is_word(self.src, "cast")
            && self.kind(a + 1) == Some(Kind::Punct(b'('))
            && self.close_of(a + 1) == e - 1
        {
            let close = e - 1;
            let as_kw = (a + 2..close)
                .rev()
                .find(|&k| self.is_word(k, "as") && self.depth[k] == base + 1);
            if let Some(k) = as_kw {
                let ty = types::pg_type_named(&self.type_text(k + 1));
                let (_, inner) = self.expr(a + 2, k, params);
                let name = match inner {
                    Some(n) if n != "?column?" => Some(n),
                    _ => ty.as_ref().map(|t| t.ty.name().to_owned()).or(qm),
                };
                return (ty, name);
            }
        }
        // EXISTS (…) looks like a call but is a predicate.
        if t0.is_word(self.src, "exists")
            || (t0.is_word(self.src, "not") && self.is_word(a + 1, "exists"))
        {
            return (pg(Type::BOOL), Some("exists".into()));
        }
        // A function call spanning the expression (window functions: `f(…) OVER (…)`).
        if let (Some(f), Some(Kind::Punct(b'('))) = (self.word(a), self.kind(a + 1)) {
            let close = self.close_of(a + 1);
            // `count(*) FILTER (WHERE …) [OVER …]` is still the function's column.
            let after = if self.is_word(close + 1, "filter")
                && self.kind(close + 2) == Some(Kind::Punct(b'('))
            {
                self.close_of(close + 2)
            } else {
                close
            };
            let windowed = self.is_word(after + 1, "over")
                && match self.kind(after + 2) {
                    Some(Kind::Punct(b'(')) => self.close_of(after + 2) == e - 1,
                    _ => after + 3 == e,
                };
            if after == e - 1 || windowed {
                return self.function(&f, a + 2, close, params);
            }
        }
        if t0.is_word(self.src, "case") {
            return (None, Some("case".into()));
        }
        // Top-level operators.
        let mut concat = false;
        for k in a..e {
            if self.depth[k] != base {
                continue;
            }
            if let Some(op) = self.op(k) {
                if matches!(op, "=" | "<>" | "!=" | "<" | ">" | "<=" | ">=") {
                    return (pg(Type::BOOL), qm);
                }
                if op == "||" {
                    concat = true;
                }
            }
            if self.word(k).is_some_and(|w| {
                matches!(
                    w.as_str(),
                    "and" | "or" | "not" | "is" | "like" | "ilike" | "in" | "between" | "glob"
                )
            }) {
                return (pg(Type::BOOL), qm);
            }
        }
        if concat {
            return (pg(Type::TEXT), qm);
        }
        (self.arithmetic(a, e, params), qm)
    }

    /// The type of `[a, e)` if it is arithmetic on numbers (`price * qty`, `count(*) + 1`),
    /// split at its last top-level binary operator of the lowest precedence.
    fn arithmetic(&mut self, a: usize, e: usize, params: &[Option<PgTy>]) -> Option<PgTy> {
        let base = self.depth[a];
        let binary = |k: usize| {
            k > a
                && self.depth[k] == base
                && !matches!(
                    self.kind(k - 1),
                    Some(Kind::Op) | Some(Kind::Punct(b'(' | b','))
                )
        };
        let split = ["+-", "*/%"].iter().find_map(|ops| {
            (a + 1..e - 1)
                .rev()
                .find(|&k| binary(k) && self.op(k).is_some_and(|o| o.len() == 1 && ops.contains(o)))
        })?;
        let left = self.operand_type(a, split, params)?;
        // date/time ± interval '…' keeps the timestamp (a date becomes one).
        if self.is_word(split + 1, "interval") {
            return match left.ty {
                Type::TIMESTAMPTZ => pg(Type::TIMESTAMPTZ),
                Type::TIMESTAMP | Type::DATE => pg(Type::TIMESTAMP),
                _ => None,
            };
        }
        let right = self.operand_type(split + 1, e, params)?;
        // date ± integer is a date, date - date a number of days (see interval.rs).
        match (&left.ty, &right.ty) {
            (&Type::DATE, &Type::INT2 | &Type::INT4 | &Type::INT8) => return pg(Type::DATE),
            (&Type::DATE, &Type::DATE) if self.op(split) == Some("-") => return pg(Type::INT4),
            _ => {}
        }
        numeric_result(&left.ty, &right.ty).and_then(pg)
    }

    /// An arithmetic operand's type: a column's declared type, or what the expression says.
    fn operand_type(&mut self, a: usize, e: usize, params: &[Option<PgTy>]) -> Option<PgTy> {
        let column = match e - a {
            1 if matches!(self.kind(a), Some(Kind::Word | Kind::QuotedIdent)) => {
                self.resolve(self.colref_after(a))
            }
            3 if self.kind(a + 1) == Some(Kind::Punct(b'.')) => self.resolve(self.colref_after(a)),
            _ => None,
        };
        column.or_else(|| self.expr(a, e, params).0)
    }

    /// The type and name of `f(args)` with arguments `[a, b)`.
    fn function(
        &mut self,
        f: &str,
        a: usize,
        b: usize,
        params: &[Option<PgTy>],
    ) -> (Option<PgTy>, Option<String>) {
        // PostgreSQL names a column after the function it calls: trim() is btrim().
        let name = Some(if f == "trim" { "btrim" } else { f }.to_owned());
        // First argument's type, for functions returning their argument's type.
        let base = self.depth.get(a).copied().unwrap_or(0);
        let first_end = (a..b)
            .find(|&k| self.kind(k) == Some(Kind::Punct(b',')) && self.depth[k] == base)
            .unwrap_or(b);
        let arg = |me: &mut Self| me.operand_type(a, first_end, params);
        let ty = match f {
            "count" | "row_number" | "rank" | "dense_rank" | "ntile" | "unixepoch" | "random"
            | "changes" | "total_changes" | "last_insert_rowid" => pg(Type::INT8),
            "sum" => arg(self).map(|t| match t.ty {
                Type::INT2 | Type::INT4 | Type::INT8 => PgTy {
                    ty: Type::INT8,
                    typmod: -1,
                },
                Type::NUMERIC => PgTy {
                    ty: Type::NUMERIC,
                    typmod: -1,
                },
                _ => PgTy {
                    ty: Type::FLOAT8,
                    typmod: -1,
                },
            }),
            "avg" | "total" | "julianday" | "round" | "stddev" | "variance" => pg(Type::FLOAT8),
            "min" | "max" | "abs" | "coalesce" | "ifnull" | "nullif" => {
                arg(self).map(|t| PgTy { typmod: -1, ..t })
            }
            "length" | "char_length" | "character_length" | "octet_length" | "instr"
            | "unicode" | "pg_backend_pid" | "strpos" | "position" => pg(Type::INT4),
            "lower" | "upper" | "trim" | "ltrim" | "rtrim" | "btrim" | "substr" | "substring"
            | "replace" | "concat" | "concat_ws" | "format" | "printf" | "quote" | "hex"
            | "typeof" | "group_concat" | "string_agg" | "lpad" | "rpad" | "left" | "right"
            | "repeat" | "reverse" | "md5" | "initcap" | "split_part" | "chr" | "version"
            | "format_type" | "sqlite_version" | "strftime" | "char" | "to_char" => pg(Type::TEXT),
            "current_database" | "current_user" | "session_user" | "current_schema"
            | "current_catalog" | "user" => pg(Type::NAME),
            "now" | "transaction_timestamp" | "statement_timestamp" | "clock_timestamp" => {
                pg(Type::TIMESTAMPTZ)
            }
            "date" => pg(Type::DATE),
            "datetime" => pg(Type::TIMESTAMP),
            "time" => pg(Type::TIME),
            "pg_sleep" | "pg_notify" => pg(Type::VOID),
            "extract" => pg(Type::NUMERIC),
            "date_part" => pg(Type::FLOAT8),
            // date_trunc(field, x) keeps a timestamp a timestamp; anything else is read as
            // a timestamptz, as PostgreSQL casts it.
            "date_trunc" => {
                let second = (first_end + 1 < b)
                    .then(|| self.operand_type(first_end + 1, b, params))
                    .flatten();
                match second {
                    Some(t) if t.ty == Type::TIMESTAMP => pg(Type::TIMESTAMP),
                    _ => pg(Type::TIMESTAMPTZ),
                }
            }
            "gen_random_uuid" => pg(Type::UUID),
            "pgwire_bool" => pg(Type::BOOL),
            "pgwire_bytea" | "randomblob" | "zeroblob" => pg(Type::BYTEA),
            _ => None,
        };
        (ty, name)
    }
}

/// The type PostgreSQL gives `l op r` for numbers: float4 only with float4, float8 with any
/// other float, numeric with numeric, else the wider integer.
fn numeric_result(l: &Type, r: &Type) -> Option<Type> {
    let rank = |t: &Type| match *t {
        Type::INT2 => Some(0),
        Type::INT4 => Some(1),
        Type::INT8 => Some(2),
        Type::NUMERIC => Some(3),
        Type::FLOAT4 => Some(4),
        Type::FLOAT8 => Some(5),
        _ => None,
    };
    let (a, b) = (rank(l)?, rank(r)?);
    Some(match (a, b) {
        (4, 4) => Type::FLOAT4,
        _ if a >= 4 || b >= 4 => Type::FLOAT8,
        _ => [Type::INT2, Type::INT4, Type::INT8, Type::NUMERIC][a.max(b)].clone(),
    })
}

fn number_type(text: &str) -> Option<PgTy> {
    if text.bytes().all(|c| c.is_ascii_digit()) {
        match text.parse::<i64>() {
            Ok(v) if i32::try_from(v).is_ok() => pg(Type::INT4),
            Ok(_) => pg(Type::INT8),
            Err(_) => pg(Type::NUMERIC),
        }
    } else {
        pg(Type::NUMERIC)
    }
}

/// The statement's significant tokens with their paren depths, and the tables it names.
fn context<'a, S: Schema>(
    src: &'a str,
    toks: &[Token],
    hints: &'a [Option<PgTy>],
    schema: &'a mut S,
) -> Ctx<'a, S> {
    let sig = lex::without_trivia(toks);
    let mut depth = Vec::with_capacity(sig.len());
    let mut d = 0i32;
    for t in &sig {
        if t.kind == Kind::Punct(b')') {
            d -= 1;
        }
        depth.push(d);
        if t.kind == Kind::Punct(b'(') {
            d += 1;
        }
    }
    let mut ctx = Ctx {
        src,
        sig,
        depth,
        schema,
        tables: Vec::new(),
        hints,
    };
    ctx.collect_tables();
    ctx
}

/// The declared types of the columns a statement can name (`col` or `q.col`, resolved
/// against its tables), for translations that depend on them (date arithmetic). Nothing is
/// read until the first question: most statements ask none.
pub struct ColumnTypes<'a, S: Schema> {
    src: &'a str,
    toks: &'a [Token],
    schema: Option<&'a mut S>,
    ctx: Option<Ctx<'a, S>>,
}

impl<'a, S: Schema> ColumnTypes<'a, S> {
    /// The tables of `src`, looked up in `schema` on demand.
    pub fn new(src: &'a str, toks: &'a [Token], schema: &'a mut S) -> Self {
        ColumnTypes {
            src,
            toks,
            schema: Some(schema),
            ctx: None,
        }
    }

    /// The type of column `col` (of table or alias `qual`).
    pub fn get(&mut self, qual: Option<&str>, col: &str) -> Option<PgTy> {
        if let Some(schema) = self.schema.take() {
            self.ctx = Some(context(self.src, self.toks, &[], schema));
        }
        self.ctx.as_mut()?.column_type(qual, col)
    }
}

/// Infers what it can about `src` (PostgreSQL text, tokenized as `toks`); `hints` are the
/// parameter types the statement spells out with casts.
pub fn infer(
    src: &str,
    toks: &[Token],
    hints: &[Option<PgTy>],
    schema: &mut impl Schema,
) -> Inference {
    let mut ctx = context(src, toks, hints, schema);
    let nparams = ctx
        .sig
        .iter()
        .filter_map(|t| match t.kind {
            Kind::Param(n) if n <= super::translate::MAX_PARAM => Some(n as usize),
            _ => None,
        })
        .max()
        .unwrap_or(0)
        .max(hints.len());
    let mut params: Vec<Option<PgTy>> = (0..nparams)
        .map(|i| ctx.hints.get(i).cloned().flatten())
        .collect();
    ctx.insert_values(&mut params);
    for p in 0..ctx.sig.len() {
        if let Kind::Param(n @ 1..) = ctx.sig[p].kind {
            let slot = n as usize - 1;
            if params.get(slot).is_some_and(Option::is_none) {
                params[slot] = ctx.param_type(p);
            }
        }
    }
    let items = ctx.items(&params);
    Inference { params, items }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Fake(HashMap<String, Vec<(String, Option<String>)>>);

    impl Schema for Fake {
        fn columns(&mut self, table: &str) -> Option<Vec<(String, Option<String>)>> {
            self.0.get(table).cloned()
        }
    }

    fn schema() -> Fake {
        let cols = |c: &[(&str, &str)]| {
            c.iter()
                .map(|(n, t)| (n.to_string(), Some(t.to_string())))
                .collect::<Vec<_>>()
        };
        Fake(HashMap::from([
            (
                "t".to_string(),
                cols(&[
                    ("id", "INTEGER"),
                    ("name", "TEXT"),
                    ("score", "REAL"),
                    ("ok", "BOOLEAN"),
                ]),
            ),
            (
                "u".to_string(),
                cols(&[("id", "INT4"), ("t_id", "BIGINT"), ("at", "TIMESTAMPTZ")]),
            ),
        ]))
    }

    fn run(sql: &str) -> Inference {
        let toks = lex::tokenize(sql);
        infer(sql, &toks, &[], &mut schema())
    }

    fn ptys(sql: &str) -> Vec<Option<Type>> {
        run(sql)
            .params
            .into_iter()
            .map(|p| p.map(|p| p.ty))
            .collect()
    }

    #[test]
    fn params_from_comparisons() {
        assert_eq!(
            ptys("select * from t where id = $1"),
            vec![Some(Type::INT8)]
        );
        assert_eq!(
            ptys("select * from t where $1 < t.score"),
            vec![Some(Type::FLOAT8)]
        );
        assert_eq!(
            ptys("select * from t x join u on u.t_id = x.id where x.name like $1 and u.at > $2"),
            vec![Some(Type::TEXT), Some(Type::TIMESTAMPTZ)]
        );
        assert_eq!(
            ptys("select * from t where id in ($1, $2) and score between $3 and $4 limit $5"),
            vec![
                Some(Type::INT8),
                Some(Type::INT8),
                Some(Type::FLOAT8),
                Some(Type::FLOAT8),
                Some(Type::INT8)
            ]
        );
        assert_eq!(ptys("select $1 + 1"), vec![None]);
    }

    #[test]
    fn params_from_insert_and_update() {
        assert_eq!(
            ptys("insert into t (name, id) values ($1, $2), ($3, 5)"),
            vec![Some(Type::TEXT), Some(Type::INT8), Some(Type::TEXT)]
        );
        assert_eq!(
            ptys("INSERT INTO t VALUES ($1, $2, $3, $4)"),
            vec![
                Some(Type::INT8),
                Some(Type::TEXT),
                Some(Type::FLOAT8),
                Some(Type::BOOL)
            ]
        );
        assert_eq!(
            ptys("update t set name = $1, ok = $2 where id = $3"),
            vec![Some(Type::TEXT), Some(Type::BOOL), Some(Type::INT8)]
        );
    }

    fn items(sql: &str) -> Vec<(Option<Type>, Option<String>)> {
        run(sql)
            .items
            .unwrap_or_else(|| panic!("no items for {sql}"))
            .into_iter()
            .map(|i| (i.ty.map(|t| t.ty), i.name))
            .collect()
    }

    #[test]
    fn select_items() {
        let q = |s: &str| Some(s.to_owned());
        assert_eq!(
            items("select count(*), count(*) as n, 1, 1.5, 'a', true, now(), id, t.name from t"),
            vec![
                (Some(Type::INT8), q("count")),
                (Some(Type::INT8), None),
                (Some(Type::INT4), q("?column?")),
                (Some(Type::NUMERIC), q("?column?")),
                (Some(Type::TEXT), q("?column?")),
                (Some(Type::BOOL), q("bool")),
                (Some(Type::TIMESTAMPTZ), q("now")),
                (None, q("id")),
                (None, q("name")),
            ]
        );
        assert_eq!(
            items(
                "select id::text, 1::int8 x, max(score), sum(id), a || b, id = 1, version() v from t"
            ),
            vec![
                (Some(Type::TEXT), q("id")),
                (Some(Type::INT8), None),
                (Some(Type::FLOAT8), q("max")),
                (Some(Type::INT8), q("sum")),
                (Some(Type::TEXT), q("?column?")),
                (Some(Type::BOOL), q("?column?")),
                (Some(Type::TEXT), None),
            ]
        );
        assert_eq!(
            items(
                "select cast(1 as float8), 2::double precision, current_user, row_number() over (order by x)"
            ),
            vec![
                (Some(Type::FLOAT8), q("float8")),
                (Some(Type::FLOAT8), q("float8")),
                (Some(Type::NAME), q("current_user")),
                (Some(Type::INT8), q("row_number")),
            ]
        );
        // Arithmetic gets PostgreSQL's result type, with columns' declared types.
        assert_eq!(
            items(
                "select 1 + 1, 1 + 1.5, count(*) + 1, 2 * (1::int8), 1::int4 + 1::float4, \
                 -1 - -2, u.id * t_id, score / 2, 7 % 2::int2, id = 1::int8, name || 1 from t, u"
            ),
            vec![
                (Some(Type::INT4), q("?column?")),
                (Some(Type::NUMERIC), q("?column?")),
                (Some(Type::INT8), q("?column?")),
                (Some(Type::INT8), q("?column?")),
                (Some(Type::FLOAT8), q("?column?")),
                (Some(Type::INT4), q("?column?")),
                (Some(Type::INT8), q("?column?")),
                (Some(Type::FLOAT8), q("?column?")),
                (Some(Type::INT4), q("?column?")),
                (Some(Type::BOOL), q("?column?")),
                (Some(Type::TEXT), q("?column?")),
            ]
        );
        assert_eq!(items("select at + 1 from u"), vec![(None, q("?column?"))]);
        assert_eq!(
            items("select exists (select 1), not exists (select 1) from t"),
            vec![
                (Some(Type::BOOL), q("exists")),
                (Some(Type::BOOL), q("exists"))
            ]
        );
        assert!(run("select * from t").items.is_none());
        assert_eq!(
            items("insert into t (name) values ('x') returning id, 1"),
            vec![(None, q("id")), (Some(Type::INT4), q("?column?"))]
        );
        assert_eq!(
            items("with x as (select 1 as a) select a, 'b' from x"),
            vec![(None, q("a")), (Some(Type::TEXT), q("?column?"))]
        );
    }
}
