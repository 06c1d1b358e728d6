//! Session statements a router answers by itself, so that real clients can talk to a server
//! made only of routes: `SET`/`RESET`/`SHOW`, transaction control, `DISCARD ALL`,
//! `DEALLOCATE`, `SELECT version()` and the `current_*` functions. A route with the same
//! template takes precedence.

use std::collections::HashMap;
use std::sync::Arc;

use crate::codec::TransactionStatus;
use crate::error::{PgError, PgResult, SqlState};
use crate::query::{Response, Tag};
use crate::session::{REPORTED_PARAMETERS, Session};
use crate::sql::lexer::{TokenKind, tokenize};
use crate::types::{Column, DataRowEncoder, Formats, Type};

/// A session statement, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Builtin {
    /// `SET name = value` (`None`: `DEFAULT`); `SET LOCAL`, `SET TRANSACTION …` too.
    Set { name: String, value: Option<String> },
    /// `SET TRANSACTION …`, `SET SESSION CHARACTERISTICS …`: accepted, no effect.
    SetIgnored,
    /// `RESET name`.
    Reset(String),
    /// `RESET ALL`.
    ResetAll,
    /// `SHOW name`.
    Show(String),
    /// `SHOW ALL`.
    ShowAll,
    /// `BEGIN` / `START TRANSACTION` (the tag to send).
    Begin(&'static str),
    /// `COMMIT` / `END`.
    Commit,
    /// `ROLLBACK` / `ABORT`.
    Rollback,
    /// `SAVEPOINT name`.
    Savepoint(String),
    /// `RELEASE [SAVEPOINT] name`.
    Release(String),
    /// `ROLLBACK TO [SAVEPOINT] name`.
    RollbackTo(String),
    /// `DISCARD ALL`.
    DiscardAll,
    /// `DEALLOCATE [PREPARE] name | ALL`.
    Deallocate { all: bool },
    /// `SELECT version()`, `SELECT current_user`, …: one text-like value.
    Function(Function),
}

/// The session functions answered by [`Builtin::Function`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Function {
    Version,
    CurrentDatabase,
    CurrentUser,
    SessionUser,
    CurrentSchema,
}

impl Function {
    fn from_key(key: &str) -> Option<(Function, &'static str)> {
        Some(match key {
            "select version ( )" | "select pg_catalog . version ( )" => {
                (Function::Version, "version")
            }
            "select current_database ( )" | "select pg_catalog . current_database ( )" => {
                (Function::CurrentDatabase, "current_database")
            }
            "select current_user" => (Function::CurrentUser, "current_user"),
            "select current_role" => (Function::CurrentUser, "current_role"),
            "select user" => (Function::CurrentUser, "user"),
            "select session_user" => (Function::SessionUser, "session_user"),
            "select current_schema ( )"
            | "select current_schema"
            | "select pg_catalog . current_schema ( )" => {
                (Function::CurrentSchema, "current_schema")
            }
            _ => return None,
        })
    }
}

/// Words of a statement: unquoted identifiers lower-cased, quoted ones as written.
struct Words {
    tokens: Vec<TokenKind>,
    pos: usize,
}

impl Words {
    fn peek(&self) -> Option<&TokenKind> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<&TokenKind> {
        let t = self.tokens.get(self.pos);
        self.pos += 1;
        t
    }

    fn eat(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some(TokenKind::Ident(w)) if w == word) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.tokens.len()
    }

    /// A (possibly dotted) parameter name.
    fn name(&mut self) -> Option<String> {
        let mut name = match self.next()? {
            TokenKind::Ident(w) | TokenKind::QuotedIdent(w) => w.clone(),
            _ => return None,
        };
        while matches!(self.peek(), Some(TokenKind::Dot)) {
            self.pos += 1;
            match self.next()? {
                TokenKind::Ident(w) | TokenKind::QuotedIdent(w) => {
                    name.push('.');
                    name.push_str(w);
                }
                _ => return None,
            }
        }
        Some(name)
    }

    /// A `SET` value list: `None` for `DEFAULT`.
    fn value(&mut self) -> Option<Option<String>> {
        if self.eat("default") {
            return self.at_end().then_some(None);
        }
        let mut items = Vec::new();
        loop {
            let item = match self.next()? {
                TokenKind::Ident(w) | TokenKind::QuotedIdent(w) => w.clone(),
                TokenKind::Str(s) | TokenKind::DollarString(s) => s.clone(),
                TokenKind::Number(n) => n.clone(),
                TokenKind::Operator(op) if op == "-" || op == "+" => {
                    let sign = if op == "-" { "-" } else { "" };
                    match self.next()? {
                        TokenKind::Number(n) => format!("{sign}{n}"),
                        _ => return None,
                    }
                }
                _ => return None,
            };
            items.push(item);
            match self.next() {
                None => return Some(Some(items.join(", "))),
                Some(TokenKind::Comma) => {}
                Some(_) => return None,
            }
        }
    }
}

/// Parses `sql` (whose shape key is `key`) as a session statement.
pub(crate) fn parse(sql: &str, key: &str) -> Option<Builtin> {
    if let Some((f, _)) = Function::from_key(key) {
        return Some(Builtin::Function(f));
    }
    let first = key.split(' ').next()?;
    if !matches!(
        first,
        "set"
            | "reset"
            | "show"
            | "begin"
            | "start"
            | "commit"
            | "end"
            | "rollback"
            | "abort"
            | "savepoint"
            | "release"
            | "discard"
            | "deallocate"
    ) {
        return None;
    }
    let mut tokens: Vec<TokenKind> = tokenize(sql).ok()?.into_iter().map(|t| t.kind).collect();
    while tokens.last() == Some(&TokenKind::Semicolon) {
        tokens.pop();
    }
    let mut w = Words { tokens, pos: 1 };
    let b = match first {
        "set" => {
            if w.eat("transaction") || (w.eat("session") && w.eat("characteristics")) {
                return Some(Builtin::SetIgnored);
            }
            w.pos = 1;
            if !(w.eat("session") || w.eat("local")) {
                w.pos = 1;
            }
            if matches!(w.peek(), Some(TokenKind::Ident(x)) if x == "time") {
                let save = w.pos;
                w.pos += 1;
                if w.eat("zone") {
                    let value = w.value()?;
                    return Some(Builtin::Set {
                        name: "TimeZone".into(),
                        value,
                    });
                }
                w.pos = save;
            }
            let name = w.name()?;
            if !(w.eat("to") || matches!(w.next(), Some(TokenKind::Operator(op)) if op == "=")) {
                return None;
            }
            Builtin::Set {
                name,
                value: w.value()?,
            }
        }
        "reset" => {
            if w.eat("all") {
                Builtin::ResetAll
            } else if w.eat("time") && w.eat("zone") {
                Builtin::Reset("TimeZone".into())
            } else {
                w.pos = 1;
                Builtin::Reset(w.name()?)
            }
        }
        "show" => {
            if w.eat("all") {
                Builtin::ShowAll
            } else if w.eat("time") && w.eat("zone") {
                Builtin::Show("TimeZone".into())
            } else if w.eat("transaction") && w.eat("isolation") && w.eat("level") {
                Builtin::Show("transaction_isolation".into())
            } else {
                w.pos = 1;
                Builtin::Show(w.name()?)
            }
        }
        "begin" => {
            let _ = w.eat("work") || w.eat("transaction");
            w.pos = w.tokens.len(); // isolation level and access mode: accepted as is
            Builtin::Begin("BEGIN")
        }
        "start" => {
            if !w.eat("transaction") {
                return None;
            }
            w.pos = w.tokens.len();
            Builtin::Begin("START TRANSACTION")
        }
        "commit" | "end" => {
            let _ = w.eat("work") || w.eat("transaction");
            if w.eat("and") {
                return None; // COMMIT AND CHAIN
            }
            Builtin::Commit
        }
        "rollback" | "abort" => {
            let _ = w.eat("work") || w.eat("transaction");
            if first == "rollback" && w.eat("to") {
                let _ = w.eat("savepoint");
                Builtin::RollbackTo(w.name()?)
            } else if w.eat("and") || w.eat("prepared") {
                return None;
            } else {
                Builtin::Rollback
            }
        }
        "savepoint" => Builtin::Savepoint(w.name()?),
        "release" => {
            let _ = w.eat("savepoint");
            Builtin::Release(w.name()?)
        }
        "discard" => {
            if !w.eat("all") {
                return None;
            }
            Builtin::DiscardAll
        }
        "deallocate" => {
            let _ = w.eat("prepare");
            if w.eat("all") {
                Builtin::Deallocate { all: true }
            } else {
                w.name()?;
                Builtin::Deallocate { all: false }
            }
        }
        _ => return None,
    };
    w.at_end().then_some(b)
}

/// The session's parameters as they were before the first `SET`, for `RESET`.
struct Defaults(HashMap<String, String>);

/// Values PostgreSQL 15 shows for settings a session does not report.
fn extra_setting(name: &str, session: &Session) -> Option<String> {
    Some(match name.to_ascii_lowercase().as_str() {
        "transaction_isolation" | "default_transaction_isolation" => "read committed".into(),
        "transaction_read_only" => "off".into(),
        "search_path" => "\"$user\", public".into(),
        "max_identifier_length" => "63".into(),
        "server_version_num" => {
            let v = session.parameter("server_version").unwrap_or("15.0");
            let mut parts = v.split(|c: char| !c.is_ascii_digit());
            let major: u32 = parts.next()?.parse().ok()?;
            let minor: u32 = parts.next().and_then(|m| m.parse().ok()).unwrap_or(0);
            (major * 10000 + minor).to_string()
        }
        "lc_messages" | "lc_monetary" | "lc_numeric" | "lc_time" => "C".into(),
        "statement_timeout" | "lock_timeout" | "idle_in_transaction_session_timeout" => "0".into(),
        "extra_float_digits" => "1".into(),
        _ => return None,
    })
}

fn canonical_name(name: &str) -> String {
    REPORTED_PARAMETERS
        .iter()
        .find(|p| p.eq_ignore_ascii_case(name))
        .map(|p| (*p).to_owned())
        .unwrap_or_else(|| name.to_ascii_lowercase())
}

fn setting(session: &Session, name: &str) -> PgResult<String> {
    session
        .parameter(name)
        .map(str::to_owned)
        .or_else(|| extra_setting(name, session))
        .ok_or_else(|| {
            PgError::new(
                SqlState::UNDEFINED_OBJECT,
                format!("unrecognized configuration parameter \"{name}\""),
            )
        })
}

fn defaults(session: &mut Session) -> HashMap<String, String> {
    if session.get::<Defaults>().is_none() {
        let snapshot = session.parameters().clone();
        session.insert(Defaults(snapshot));
    }
    session
        .get::<Defaults>()
        .map(|d| d.0.clone())
        .unwrap_or_default()
}

fn reset(session: &mut Session, name: &str) {
    let defaults = defaults(session);
    let key = canonical_name(name);
    match defaults.iter().find(|(k, _)| k.eq_ignore_ascii_case(&key)) {
        Some((k, v)) => session.set_parameter(k, v.clone()),
        None => {
            session.params.retain(|k, _| !k.eq_ignore_ascii_case(&key));
        }
    }
}

fn reset_all(session: &mut Session) {
    let defaults = defaults(session);
    let names: Vec<String> = session.parameters().keys().cloned().collect();
    for name in names {
        if !defaults.contains_key(&name) {
            session.params.remove(&name);
        }
    }
    for (k, v) in defaults {
        session.set_parameter(&k, v);
    }
}

/// Combines a `SET DateStyle` value with the current setting, as PostgreSQL does:
/// `SET DateStyle = iso` gives `ISO, MDY`.
fn datestyle(current: Option<&str>, value: &str) -> PgResult<String> {
    let mut style = None;
    let mut order = None;
    for part in value.split(',').map(str::trim) {
        match part.to_ascii_lowercase().as_str() {
            "iso" => style = Some("ISO"),
            "sql" => style = Some("SQL"),
            "postgres" => style = Some("Postgres"),
            "german" => style = Some("German"),
            "mdy" | "us" | "noneuropean" | "non-european" => order = Some("MDY"),
            "dmy" | "european" => order = Some("DMY"),
            "ymd" => order = Some("YMD"),
            _ => {
                return Err(PgError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    format!("invalid value for parameter \"DateStyle\": \"{value}\""),
                ));
            }
        }
    }
    let mut cur = current.unwrap_or("ISO, MDY").split(',').map(str::trim);
    let cur_style = cur.next().unwrap_or("ISO").to_owned();
    let cur_order = cur.next().unwrap_or("MDY").to_owned();
    Ok(format!(
        "{}, {}",
        style.map_or(cur_style, str::to_owned),
        order.map_or(cur_order, str::to_owned)
    ))
}

fn not_in_block(what: &str) -> PgError {
    PgError::new(
        SqlState::NO_ACTIVE_SQL_TRANSACTION,
        format!("{what} can only be used in transaction blocks"),
    )
}

/// 3B001 unless `name` is an open savepoint (the runtime tracks them: it sets, releases
/// and rolls back to them after a statement succeeds).
fn check_savepoint(session: &Session, name: &str) -> PgResult<()> {
    if session.has_savepoint(name) {
        return Ok(());
    }
    Err(PgError::new(
        SqlState::from_code("3B001"),
        format!("savepoint \"{name}\" does not exist"),
    ))
}

fn text_columns(names: &[&str], ty: Type) -> Arc<[Column]> {
    names.iter().map(|n| Column::new(*n, ty.clone())).collect()
}

impl Builtin {
    /// The result columns (`None`: the statement returns no rows).
    pub(crate) fn columns(&self) -> Option<Arc<[Column]>> {
        match self {
            Builtin::Show(name) => {
                let col = match name.as_str() {
                    "TimeZone" => "TimeZone".to_owned(),
                    n => canonical_name(n),
                };
                Some(text_columns(&[&col], Type::TEXT))
            }
            Builtin::ShowAll => Some(text_columns(
                &["name", "setting", "description"],
                Type::TEXT,
            )),
            Builtin::Function(f) => {
                let (name, ty) = match f {
                    Function::Version => ("version", Type::TEXT),
                    Function::CurrentDatabase => ("current_database", Type::NAME),
                    Function::CurrentUser => ("current_user", Type::NAME),
                    Function::SessionUser => ("session_user", Type::NAME),
                    Function::CurrentSchema => ("current_schema", Type::NAME),
                };
                Some(text_columns(&[name], ty))
            }
            _ => None,
        }
    }

    /// Runs the statement.
    pub(crate) fn run(
        &self,
        session: &mut Session,
        columns: Arc<[Column]>,
        formats: Formats,
    ) -> PgResult<Response> {
        let status = session.transaction_status();
        let in_block = status != TransactionStatus::Idle;
        let tag = match self {
            Builtin::Set { name, value } => {
                defaults(session);
                match value {
                    Some(v) if name.eq_ignore_ascii_case("datestyle") => {
                        let v = datestyle(session.parameter("DateStyle"), v)?;
                        session.set_parameter(name, v);
                    }
                    Some(v) => session.set_parameter(name, v.clone()),
                    None => reset(session, name),
                }
                Tag::new("SET")
            }
            Builtin::SetIgnored => Tag::new("SET"),
            Builtin::Reset(name) => {
                reset(session, name);
                Tag::new("RESET")
            }
            Builtin::ResetAll => {
                reset_all(session);
                Tag::new("RESET")
            }
            Builtin::Show(name) => {
                let value = setting(session, name)?;
                return rows(columns, formats, vec![vec![value]], "SHOW");
            }
            Builtin::ShowAll => {
                let mut all: Vec<(String, String)> = session
                    .parameters()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                all.sort_by_key(|(k, _)| k.to_ascii_lowercase());
                let rows_ = all
                    .into_iter()
                    .map(|(k, v)| vec![k, v, String::new()])
                    .collect();
                return rows(columns, formats, rows_, "SHOW");
            }
            // The runtime warns of a BEGIN inside a block and a COMMIT/ROLLBACK outside one.
            Builtin::Begin(tag) => Tag::new(*tag),
            Builtin::Commit => Tag::new("COMMIT"),
            Builtin::Rollback => Tag::new("ROLLBACK"),
            Builtin::Savepoint(_) => {
                if !in_block {
                    return Err(not_in_block("SAVEPOINT"));
                }
                Tag::new("SAVEPOINT")
            }
            Builtin::Release(name) => {
                if !in_block {
                    return Err(not_in_block("RELEASE SAVEPOINT"));
                }
                check_savepoint(session, name)?;
                Tag::new("RELEASE")
            }
            Builtin::RollbackTo(name) => {
                if !in_block {
                    return Err(not_in_block("ROLLBACK TO SAVEPOINT"));
                }
                check_savepoint(session, name)?;
                Tag::new("ROLLBACK")
            }
            Builtin::DiscardAll => {
                if in_block {
                    return Err(PgError::new(
                        SqlState::ACTIVE_SQL_TRANSACTION,
                        "DISCARD ALL cannot run inside a transaction block",
                    ));
                }
                reset_all(session);
                Tag::new("DISCARD ALL")
            }
            Builtin::Deallocate { all } => {
                Tag::new(if *all { "DEALLOCATE ALL" } else { "DEALLOCATE" })
            }
            Builtin::Function(f) => {
                let value = match f {
                    Function::Version => format!(
                        "PostgreSQL {} (pgwire {})",
                        session.parameter("server_version").unwrap_or("15.0"),
                        env!("CARGO_PKG_VERSION")
                    ),
                    Function::CurrentDatabase => session.database().to_owned(),
                    Function::CurrentUser | Function::SessionUser => session.user().to_owned(),
                    Function::CurrentSchema => "public".to_owned(),
                };
                return rows(columns, formats, vec![vec![value]], "SELECT");
            }
        };
        Ok(Response::Command(tag))
    }
}

fn rows(
    columns: Arc<[Column]>,
    formats: Formats,
    values: Vec<Vec<String>>,
    verb: &str,
) -> PgResult<Response> {
    let mut enc = DataRowEncoder::new(columns.clone(), formats);
    for row in values {
        for v in &row {
            enc.encode_field(v.as_str())?;
        }
        enc.end_row()?;
    }
    let batch = enc.take_rows();
    let tag = if verb == "SHOW" {
        Tag::new("SHOW")
    } else {
        Tag::select(0)
    };
    Ok(Response::Rows(
        crate::query::RowStream::new(columns, futures::stream::iter([Ok(batch)])).with_tag(tag),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::template::normalize;

    fn p(sql: &str) -> Option<Builtin> {
        parse(sql, &normalize(sql).unwrap().key)
    }

    #[test]
    fn parses_session_statements() {
        let set = |n: &str, v: Option<&str>| Builtin::Set {
            name: n.into(),
            value: v.map(Into::into),
        };
        assert_eq!(
            p("SET DateStyle = ISO"),
            Some(set("datestyle", Some("iso")))
        );
        assert_eq!(
            p("set application_name to 'psql'"),
            Some(set("application_name", Some("psql")))
        );
        assert_eq!(
            p("SET extra_float_digits = 3;"),
            Some(set("extra_float_digits", Some("3")))
        );
        assert_eq!(
            p("SET SESSION search_path = a, \"B\""),
            Some(set("search_path", Some("a, B")))
        );
        assert_eq!(p("SET TIME ZONE 'UTC'"), Some(set("TimeZone", Some("UTC"))));
        assert_eq!(p("set x.y = default"), Some(set("x.y", None)));
        assert_eq!(
            p("SHOW transaction isolation level"),
            Some(Builtin::Show("transaction_isolation".into()))
        );
        assert_eq!(
            p("begin isolation level serializable"),
            Some(Builtin::Begin("BEGIN"))
        );
        assert_eq!(
            p("ROLLBACK TO SAVEPOINT s1"),
            Some(Builtin::RollbackTo("s1".into()))
        );
        assert_eq!(
            p("deallocate prepare s"),
            Some(Builtin::Deallocate { all: false })
        );
        assert_eq!(
            p("select  VERSION()"),
            Some(Builtin::Function(Function::Version))
        );
        assert_eq!(
            p("select current_schema"),
            Some(Builtin::Function(Function::CurrentSchema))
        );
        assert_eq!(p("set x = "), None);
        assert_eq!(p("commit and chain"), None);
        assert_eq!(p("select * from t"), None);
    }
}
