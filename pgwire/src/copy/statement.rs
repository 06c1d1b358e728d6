//! Parsing `COPY` statements as PostgreSQL 15's grammar accepts them (`CopyStmt` in
//! `gram.y`), with the PostgreSQL lexer from [`crate::sql::lexer`].
//!
//! Both option syntaxes are read: `WITH (FORMAT csv, HEADER match, …)` and the old one
//! (`WITH CSV HEADER DELIMITER AS ';' NULL AS '' FORCE NOT NULL a`, `COPY BINARY t`,
//! `USING DELIMITERS ','`). Errors carry PostgreSQL's SQLSTATE, wording and position.

use std::sync::Arc;

use super::options::{
    CopyDirection, CopyOptions, FileFormat, ForceQuote, Header, Written, check, check_encoding,
    invalid, syntax, unsupported,
};
use crate::error::{PgError, PgResult, SqlState};
use crate::sql::lexer::{Lexer, RawKind, RawToken};
use crate::types::Column;

/// A table name as written, possibly qualified (`db.schema.table`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableName {
    /// The database part of a three-part name.
    pub catalog: Option<String>,
    /// The schema, if qualified.
    pub schema: Option<String>,
    /// The table (case-folded unless quoted).
    pub name: String,
}

/// What a COPY reads into or writes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopySource {
    /// `COPY t [(a, b)] …`; `columns` is empty when no column list was written.
    Table {
        /// The table.
        name: TableName,
        /// The column list, in order.
        columns: Vec<String>,
    },
    /// `COPY (query) TO …`: the query text between the parentheses.
    Query(String),
}

/// A parsed `COPY` statement.
///
/// ```
/// use pgwire::copy::{CopyDirection, CopyStatement, FileFormat, Header};
/// let s = CopyStatement::parse("COPY items (id, name) FROM STDIN WITH (FORMAT csv, HEADER)").unwrap();
/// assert_eq!(s.direction, CopyDirection::From);
/// assert_eq!(s.table_name(), "items");
/// assert_eq!(s.column_names(), ["id", "name"]);
/// assert_eq!(s.options.format, FileFormat::Csv);
/// assert_eq!(s.options.header, Header::On);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyStatement {
    /// The table (and columns) or the query.
    pub source: CopySource,
    /// FROM STDIN or TO STDOUT.
    pub direction: CopyDirection,
    /// The format and its settings, checked.
    pub options: CopyOptions,
    /// The `WHERE` condition of a COPY FROM, as written.
    pub where_clause: Option<String>,
}

/// Whether `sql` starts with the `COPY` keyword (after whitespace and comments).
pub fn is_copy(sql: &str) -> bool {
    matches!(Lexer::new(sql).next(), Some(Ok(RawToken { kind: RawKind::Ident(w), .. })) if w.eq_ignore_ascii_case("copy"))
}

impl CopyStatement {
    /// A COPY of `table` (all its columns) in `direction` with `options`, for handlers that
    /// do not parse SQL.
    pub fn new(table: &str, direction: CopyDirection, options: CopyOptions) -> CopyStatement {
        CopyStatement {
            source: CopySource::Table {
                name: TableName {
                    catalog: None,
                    schema: None,
                    name: table.to_owned(),
                },
                columns: Vec::new(),
            },
            direction,
            options,
            where_clause: None,
        }
    }

    /// Parses one COPY statement (a trailing `;` is allowed).
    ///
    /// Errors as PostgreSQL 15 reports them: 42601 for syntax and conflicting options, 22023
    /// and 0A000 for invalid or unsupported option values, and 0A000 for COPY to or from a
    /// file or program (only STDIN and STDOUT exist here).
    pub fn parse(sql: &str) -> PgResult<CopyStatement> {
        Parser::new(sql)?.statement()
    }

    /// The table's name (without schema) as PostgreSQL names it in COPY error context, or
    /// `""` for `COPY (query) TO`.
    pub fn table_name(&self) -> &str {
        match &self.source {
            CopySource::Table { name, .. } => &name.name,
            CopySource::Query(_) => "",
        }
    }

    /// The column list as written (empty: all columns).
    pub fn column_names(&self) -> &[String] {
        match &self.source {
            CopySource::Table { columns, .. } => columns,
            CopySource::Query(_) => &[],
        }
    }

    /// Picks the COPY's columns out of the table's, in the order of the column list (all of
    /// them when there is none), and checks the `FORCE_*` column lists, with PostgreSQL's
    /// errors: 42703 for a column the table lacks, 42701 for one listed twice, 42P10 for a
    /// `FORCE_*` column the COPY does not include.
    pub fn select_columns(&self, table: &[Column]) -> PgResult<Arc<[Column]>> {
        let rel = self.table_name();
        let find = |name: &str| {
            table.iter().find(|c| c.name == name).ok_or_else(|| {
                PgError::new(
                    SqlState::UNDEFINED_COLUMN,
                    format!("column \"{name}\" of relation \"{rel}\" does not exist"),
                )
            })
        };
        let cols: Vec<Column> = if self.column_names().is_empty() {
            table.to_vec()
        } else {
            let mut out: Vec<Column> = Vec::with_capacity(self.column_names().len());
            for name in self.column_names() {
                let c = find(name)?;
                if out.iter().any(|o| o.name == c.name) {
                    return Err(PgError::new(
                        SqlState::from_code("42701"),
                        format!("column \"{name}\" specified more than once"),
                    ));
                }
                out.push(c.clone());
            }
            out
        };
        let lists: [(&str, &[String]); 3] = [
            (
                "FORCE_QUOTE",
                match &self.options.force_quote {
                    ForceQuote::Columns(c) => c,
                    _ => &[],
                },
            ),
            ("FORCE_NOT_NULL", &self.options.force_not_null),
            ("FORCE_NULL", &self.options.force_null),
        ];
        for (option, names) in lists {
            for name in names {
                find(name)?;
            }
            super::not_referenced(option, names, &cols)?;
        }
        Ok(cols.into())
    }
}

/// One option as written: name, argument, and where it starts.
struct DefElem {
    name: String,
    arg: Arg,
    pos: usize,
}

enum Arg {
    None,
    /// An identifier or keyword (case-folded), a string or a number (sign included).
    Str(String),
    Int(i64),
    Star,
    List(Vec<String>),
}

struct Parser<'a> {
    sql: &'a str,
    toks: Vec<RawToken<'a>>,
    i: usize,
}

/// Keywords that cannot name a table or column unquoted (PostgreSQL's reserved and
/// type/function-name keywords).
const RESERVED: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "placing",
    "primary",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

impl<'a> Parser<'a> {
    fn new(sql: &'a str) -> PgResult<Parser<'a>> {
        let mut toks = Vec::new();
        for t in Lexer::new(sql) {
            match t {
                Ok(t) => toks.push(t),
                Err(e) => {
                    let near = sql.get(e.pos..).unwrap_or("");
                    return Err(syntax(format!("{} at or near \"{near}\"", e.message))
                        .position(char_pos(sql, e.pos)));
                }
            }
        }
        Ok(Parser { sql, toks, i: 0 })
    }

    fn peek(&self) -> Option<&RawToken<'a>> {
        self.toks.get(self.i)
    }

    fn peek_kind(&self) -> Option<&RawKind<'a>> {
        self.peek().map(|t| &t.kind)
    }

    /// The byte offset of the next token (or the end).
    fn here(&self) -> usize {
        self.peek().map_or(self.sql.len(), |t| t.start)
    }

    fn is_kw(&self, kw: &str) -> bool {
        self.is_kw_at(self.i, kw)
    }

    fn is_kw_at(&self, i: usize, kw: &str) -> bool {
        matches!(self.toks.get(i), Some(RawToken { kind: RawKind::Ident(w), .. }) if w.eq_ignore_ascii_case(kw))
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        let yes = self.is_kw(kw);
        if yes {
            self.i += 1;
        }
        yes
    }

    fn expect_kw(&mut self, kw: &str) -> PgResult<()> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.error())
        }
    }

    fn eat(&mut self, f: impl Fn(&RawKind<'a>) -> bool) -> bool {
        let yes = self.peek_kind().is_some_and(f);
        if yes {
            self.i += 1;
        }
        yes
    }

    /// `syntax error at or near "…"` at the next token.
    fn error(&self) -> PgError {
        match self.peek() {
            Some(t) => syntax(format!(
                "syntax error at or near \"{}\"",
                self.sql.get(t.start..t.end).unwrap_or("")
            ))
            .position(char_pos(self.sql, t.start)),
            None => {
                syntax("syntax error at end of input").position(char_pos(self.sql, self.sql.len()))
            }
        }
    }

    fn statement(mut self) -> PgResult<CopyStatement> {
        self.expect_kw("copy")?;
        let mut opts = Vec::new();
        let (source, direction) = if matches!(self.peek_kind(), Some(RawKind::LParen)) {
            let query = self.parenthesized()?;
            self.expect_kw("to")?;
            (CopySource::Query(query), CopyDirection::To)
        } else {
            if self.is_kw("binary") {
                opts.push(DefElem {
                    name: "format".into(),
                    arg: Arg::Str("binary".into()),
                    pos: self.here(),
                });
                self.i += 1;
            }
            let name = self.table_name()?;
            let columns = if matches!(self.peek_kind(), Some(RawKind::LParen)) {
                self.i += 1;
                let cols = self.column_list()?;
                if !self.eat(|k| matches!(k, RawKind::RParen)) {
                    return Err(self.error());
                }
                cols
            } else {
                Vec::new()
            };
            let direction = if self.eat_kw("from") {
                CopyDirection::From
            } else if self.eat_kw("to") {
                CopyDirection::To
            } else {
                return Err(self.error());
            };
            (CopySource::Table { name, columns }, direction)
        };
        let program = self.eat_kw("program");
        let file_pos = self.here();
        let to_file = match self.peek_kind() {
            Some(RawKind::Str(_)) => true,
            _ if self.is_kw("stdin") || self.is_kw("stdout") => false,
            _ => return Err(self.error()),
        };
        self.i += 1;
        if program && !to_file {
            return Err(syntax("STDIN/STDOUT not allowed with PROGRAM")
                .position(char_pos(self.sql, file_pos)));
        }
        if let CopySource::Table { .. } = source {
            // copy_delimiter: [USING] DELIMITERS 'c'
            let using = self.is_kw("using") && self.is_kw_at(self.i + 1, "delimiters");
            if using || self.is_kw("delimiters") {
                let pos = self.here();
                self.i += 1 + usize::from(using);
                let d = self.sconst()?;
                opts.push(DefElem {
                    name: "delimiter".into(),
                    arg: Arg::Str(d),
                    pos,
                });
            }
        }
        self.eat_kw("with");
        if matches!(self.peek_kind(), Some(RawKind::LParen)) {
            self.i += 1;
            self.generic_options(&mut opts)?;
        } else {
            self.old_options(&mut opts)?;
        }
        let mut where_clause = None;
        if self.is_kw("where") {
            if let (CopySource::Table { .. }, CopyDirection::From) = (&source, direction) {
                self.i += 1;
                let start = self.here();
                let mut end = start;
                while let Some(t) = self.peek() {
                    if matches!(t.kind, RawKind::Semicolon) {
                        break;
                    }
                    end = t.end;
                    self.i += 1;
                }
                if end == start {
                    return Err(self.error());
                }
                where_clause = Some(self.sql.get(start..end).unwrap_or("").to_owned());
            } else if let CopySource::Table { .. } = source {
                return Err(syntax("WHERE clause not allowed with COPY TO")
                    .position(char_pos(self.sql, self.here())));
            }
        }
        while self.eat(|k| matches!(k, RawKind::Semicolon)) {}
        if self.peek().is_some() {
            return Err(self.error());
        }
        let options = process_options(self.sql, &opts, direction)?;
        if to_file {
            let (verb, what) = match (direction, program) {
                (CopyDirection::From, false) => ("from", "a file"),
                (CopyDirection::To, false) => ("to", "a file"),
                (CopyDirection::From, true) => ("from", "a program"),
                (CopyDirection::To, true) => ("to", "a program"),
            };
            return Err(unsupported(format!("COPY {verb} {what} is not supported"))
                .hint("Use COPY FROM STDIN or COPY TO STDOUT; psql's \\copy reads and writes files on the client.")
                .position(char_pos(self.sql, file_pos)));
        }
        Ok(CopyStatement {
            source,
            direction,
            options,
            where_clause,
        })
    }

    /// `( … )` with balanced parentheses; returns the text inside, trimmed.
    fn parenthesized(&mut self) -> PgResult<String> {
        let open = self.i;
        let mut depth = 0usize;
        while let Some(t) = self.peek() {
            match t.kind {
                RawKind::LParen => depth += 1,
                RawKind::RParen => {
                    depth -= 1;
                    if depth == 0 {
                        let start = self.toks[open].end;
                        let end = t.start;
                        self.i += 1;
                        let inner = self.sql.get(start..end).unwrap_or("").trim();
                        if inner.is_empty() {
                            self.i -= 1;
                            return Err(self.error());
                        }
                        return Ok(inner.to_owned());
                    }
                }
                _ => {}
            }
            self.i += 1;
        }
        Err(self.error())
    }

    /// A column or table name part: an identifier that is not reserved, or a quoted one.
    fn col_id(&mut self) -> PgResult<String> {
        let name = match self.peek_kind() {
            Some(RawKind::Ident(w)) if !RESERVED.contains(&w.to_ascii_lowercase().as_str()) => {
                w.to_ascii_lowercase()
            }
            Some(RawKind::QuotedIdent(w)) => w.to_string(),
            _ => return Err(self.error()),
        };
        self.i += 1;
        Ok(name)
    }

    /// After a dot any keyword is allowed (ColLabel).
    fn col_label(&mut self) -> PgResult<String> {
        let name = match self.peek_kind() {
            Some(RawKind::Ident(w)) => w.to_ascii_lowercase(),
            Some(RawKind::QuotedIdent(w)) => w.to_string(),
            _ => return Err(self.error()),
        };
        self.i += 1;
        Ok(name)
    }

    fn table_name(&mut self) -> PgResult<TableName> {
        let mut parts = vec![self.col_id()?];
        while matches!(self.peek_kind(), Some(RawKind::Dot)) {
            self.i += 1;
            parts.push(self.col_label()?);
        }
        let mut parts = parts.into_iter().rev();
        let name = parts.next().unwrap_or_default();
        let schema = parts.next();
        let catalog = parts.next();
        if parts.next().is_some() {
            return Err(syntax(format!(
                "improper qualified name (too many dotted names): {}",
                self.sql.get(..self.here()).unwrap_or("").trim()
            )));
        }
        Ok(TableName {
            catalog,
            schema,
            name,
        })
    }

    /// `a, b, c`
    fn column_list(&mut self) -> PgResult<Vec<String>> {
        let mut cols = vec![self.col_id()?];
        while self.eat(|k| matches!(k, RawKind::Comma)) {
            cols.push(self.col_id()?);
        }
        Ok(cols)
    }

    fn sconst(&mut self) -> PgResult<String> {
        match self.peek_kind() {
            Some(RawKind::Str(s)) => {
                let s = s.to_string();
                self.i += 1;
                Ok(s)
            }
            _ => Err(self.error()),
        }
    }

    /// `name [arg] {, name [arg]} )`
    fn generic_options(&mut self, opts: &mut Vec<DefElem>) -> PgResult<()> {
        loop {
            let pos = self.here();
            let name = self.col_label()?;
            let arg = match self.peek_kind() {
                Some(RawKind::Comma | RawKind::RParen) => Arg::None,
                Some(RawKind::Operator("*")) => {
                    self.i += 1;
                    Arg::Star
                }
                Some(RawKind::LParen) => {
                    self.i += 1;
                    let mut list = vec![self.bool_or_string()?];
                    while self.eat(|k| matches!(k, RawKind::Comma)) {
                        list.push(self.bool_or_string()?);
                    }
                    if !self.eat(|k| matches!(k, RawKind::RParen)) {
                        return Err(self.error());
                    }
                    Arg::List(list)
                }
                Some(RawKind::Operator(op @ ("+" | "-"))) => {
                    let neg = *op == "-";
                    self.i += 1;
                    match self.peek_kind() {
                        Some(RawKind::Number(n)) => {
                            let n = n.to_string();
                            self.i += 1;
                            number_arg(&n, neg)
                        }
                        _ => return Err(self.error()),
                    }
                }
                Some(RawKind::Number(n)) => {
                    let n = n.to_string();
                    self.i += 1;
                    number_arg(&n, false)
                }
                _ => Arg::Str(self.bool_or_string()?),
            };
            opts.push(DefElem { name, arg, pos });
            if self.eat(|k| matches!(k, RawKind::RParen)) {
                return Ok(());
            }
            if !self.eat(|k| matches!(k, RawKind::Comma)) {
                return Err(self.error());
            }
        }
    }

    /// An identifier or keyword (case-folded) or a string constant.
    fn bool_or_string(&mut self) -> PgResult<String> {
        let s = match self.peek_kind() {
            Some(RawKind::Ident(w)) => w.to_ascii_lowercase(),
            Some(RawKind::QuotedIdent(w)) => w.to_string(),
            Some(RawKind::Str(s)) => s.to_string(),
            _ => return Err(self.error()),
        };
        self.i += 1;
        Ok(s)
    }

    /// The pre-9.0 option list: `BINARY`, `CSV`, `HEADER`, `DELIMITER [AS] 'c'`, …
    fn old_options(&mut self, opts: &mut Vec<DefElem>) -> PgResult<()> {
        loop {
            let pos = self.here();
            let (name, arg) = if self.eat_kw("binary") {
                ("format", Arg::Str("binary".into()))
            } else if self.eat_kw("csv") {
                ("format", Arg::Str("csv".into()))
            } else if self.eat_kw("header") {
                ("header", Arg::Int(1))
            } else if self.eat_kw("freeze") {
                ("freeze", Arg::Int(1))
            } else if let Some(name) = ["delimiter", "null", "quote", "escape"]
                .into_iter()
                .find(|k| self.is_kw(k))
            {
                self.i += 1;
                self.eat_kw("as");
                (name, Arg::Str(self.sconst()?))
            } else if self.eat_kw("encoding") {
                ("encoding", Arg::Str(self.sconst()?))
            } else if self.eat_kw("force") {
                if self.eat_kw("quote") {
                    if self.eat(|k| matches!(k, RawKind::Operator("*"))) {
                        ("force_quote", Arg::Star)
                    } else {
                        ("force_quote", Arg::List(self.column_list()?))
                    }
                } else if self.eat_kw("not") {
                    self.expect_kw("null")?;
                    ("force_not_null", Arg::List(self.column_list()?))
                } else if self.eat_kw("null") {
                    ("force_null", Arg::List(self.column_list()?))
                } else {
                    return Err(self.error());
                }
            } else {
                return Ok(());
            };
            opts.push(DefElem {
                name: name.into(),
                arg,
                pos,
            });
        }
    }
}

fn number_arg(n: &str, neg: bool) -> Arg {
    let text = if neg { format!("-{n}") } else { n.to_owned() };
    match text.parse::<i64>() {
        Ok(v) => Arg::Int(v),
        Err(_) => Arg::Str(text),
    }
}

/// 1-based character position of byte offset `byte`, as PostgreSQL reports positions.
fn char_pos(sql: &str, byte: usize) -> u32 {
    let prefix = sql.get(..byte).unwrap_or(sql);
    (prefix.chars().count() + 1) as u32
}

/// `defGetString`
fn get_string(d: &DefElem) -> PgResult<String> {
    match &d.arg {
        Arg::None => Err(syntax(format!("{} requires a parameter", d.name))),
        Arg::Str(s) => Ok(s.clone()),
        Arg::Int(i) => Ok(i.to_string()),
        Arg::Star => Ok("*".into()),
        Arg::List(l) => Ok(l.join(".")),
    }
}

/// `defGetBoolean`; with `allow_match`, `defGetCopyHeaderChoice`.
fn get_choice(d: &DefElem, allow_match: Option<CopyDirection>) -> PgResult<Header> {
    match &d.arg {
        Arg::None => return Ok(Header::On),
        Arg::Int(0) => return Ok(Header::Off),
        Arg::Int(1) => return Ok(Header::On),
        Arg::Str(s) => {
            let l = s.to_ascii_lowercase();
            match l.as_str() {
                "true" | "on" => return Ok(Header::On),
                "false" | "off" => return Ok(Header::Off),
                "match" if allow_match.is_some() => {
                    if allow_match == Some(CopyDirection::To) {
                        return Err(unsupported(format!(
                            "cannot use \"{s}\" with HEADER in COPY TO"
                        )));
                    }
                    return Ok(Header::Match);
                }
                _ => {}
            }
        }
        _ => {}
    }
    Err(syntax(if allow_match.is_some() {
        format!("{} requires a Boolean value or \"match\"", d.name)
    } else {
        format!("{} requires a Boolean value", d.name)
    }))
}

/// `ProcessCopyOptions`: reads each option, then runs the cross-option checks.
fn process_options(sql: &str, opts: &[DefElem], direction: CopyDirection) -> PgResult<CopyOptions> {
    let conflict =
        |d: &DefElem| syntax("conflicting or redundant options").position(char_pos(sql, d.pos));
    let mut format: Option<FileFormat> = None;
    let mut freeze: Option<bool> = None;
    let mut header: Option<Header> = None;
    let mut delimiter: Option<String> = None;
    let mut null: Option<String> = None;
    let mut quote: Option<String> = None;
    let mut escape: Option<String> = None;
    let mut force_quote: Option<ForceQuote> = None;
    let mut force_not_null: Option<Vec<String>> = None;
    let mut force_null: Option<Vec<String>> = None;
    let mut convert_selectively = false;
    let mut encoding: Option<String> = None;
    let column_list = |d: &DefElem, star: bool| -> PgResult<ForceQuote> {
        match &d.arg {
            Arg::Star if star => Ok(ForceQuote::All),
            Arg::List(l) => Ok(ForceQuote::Columns(l.clone())),
            _ => Err(invalid(format!(
                "argument to option \"{}\" must be a list of column names",
                d.name
            ))
            .position(char_pos(sql, d.pos))),
        }
    };
    let list = |q: ForceQuote| match q {
        ForceQuote::Columns(c) => c,
        _ => Vec::new(),
    };
    for d in opts {
        match d.name.as_str() {
            "format" => {
                if format.is_some() {
                    return Err(conflict(d));
                }
                let f = get_string(d)?;
                format = Some(match f.as_str() {
                    "text" => FileFormat::Text,
                    "csv" => FileFormat::Csv,
                    "binary" => FileFormat::Binary,
                    _ => {
                        return Err(invalid(format!("COPY format \"{f}\" not recognized"))
                            .position(char_pos(sql, d.pos)));
                    }
                });
            }
            "freeze" => {
                if freeze.is_some() {
                    return Err(conflict(d));
                }
                freeze = Some(get_choice(d, None)? == Header::On);
            }
            "delimiter" => {
                if delimiter.is_some() {
                    return Err(conflict(d));
                }
                delimiter = Some(get_string(d)?);
            }
            "null" => {
                if null.is_some() {
                    return Err(conflict(d));
                }
                null = Some(get_string(d)?);
            }
            "header" => {
                if header.is_some() {
                    return Err(conflict(d));
                }
                header = Some(get_choice(d, Some(direction))?);
            }
            "quote" => {
                if quote.is_some() {
                    return Err(conflict(d));
                }
                quote = Some(get_string(d)?);
            }
            "escape" => {
                if escape.is_some() {
                    return Err(conflict(d));
                }
                escape = Some(get_string(d)?);
            }
            "force_quote" => {
                if force_quote.is_some() {
                    return Err(conflict(d));
                }
                force_quote = Some(column_list(d, true)?);
            }
            "force_not_null" => {
                if force_not_null.is_some() {
                    return Err(conflict(d));
                }
                force_not_null = Some(list(column_list(d, false)?));
            }
            "force_null" => {
                if force_null.is_some() {
                    return Err(conflict(d));
                }
                force_null = Some(list(column_list(d, false)?));
            }
            "convert_selectively" => {
                if convert_selectively {
                    return Err(conflict(d));
                }
                convert_selectively = true;
                if !matches!(d.arg, Arg::None | Arg::List(_)) {
                    column_list(d, false)?;
                }
            }
            "encoding" => {
                if encoding.is_some() {
                    return Err(conflict(d));
                }
                let e = get_string(d)?;
                check_encoding(&e).map_err(|err| err.position(char_pos(sql, d.pos)))?;
                encoding = Some(e);
            }
            other => {
                return Err(syntax(format!("option \"{other}\" not recognized"))
                    .position(char_pos(sql, d.pos)));
            }
        }
    }
    let format = format.unwrap_or_default();
    let csv = format == FileFormat::Csv;
    let base = if csv {
        CopyOptions::csv()
    } else {
        CopyOptions::text()
    };
    let delimiter_given = delimiter.is_some();
    let null_given = null.is_some();
    let delimiter = delimiter.unwrap_or_else(|| (base.delimiter as char).to_string());
    let null = null.unwrap_or(base.null);
    let header = header.unwrap_or_default();
    let force_quote = force_quote.unwrap_or_default();
    let force_not_null = force_not_null.unwrap_or_default();
    let force_null = force_null.unwrap_or_default();
    check(
        &Written {
            format,
            delimiter: (delimiter_given, delimiter.as_bytes()),
            null: (null_given, &null),
            header,
            quote: quote.as_deref().map(str::as_bytes),
            escape: escape.as_deref().map(str::as_bytes),
            force_quote: force_quote != ForceQuote::None,
            force_not_null: !force_not_null.is_empty(),
            force_null: !force_null.is_empty(),
        },
        direction,
    )?;
    // The checks passed: every single-byte option is one byte (quote and escape in CSV).
    let byte = |s: &Option<String>, default: u8| match s.as_deref().map(str::as_bytes) {
        Some(&[b]) if csv => b,
        _ => default,
    };
    let quote = byte(&quote, b'"');
    Ok(CopyOptions {
        format,
        delimiter: delimiter
            .as_bytes()
            .first()
            .copied()
            .unwrap_or(base.delimiter),
        null,
        header,
        quote,
        escape: byte(&escape, quote),
        force_quote,
        force_not_null,
        force_null,
        encoding,
        freeze: freeze.unwrap_or(false),
    })
}

#[cfg(test)]
mod tests;
