//! What a statement is, worked out once at Parse: the handler's prepared statement type.

use std::sync::Arc;

use pgwire::Tag;
use pgwire::copy::CopyStatement;
use pgwire::error::{PgError, SqlState};
use pgwire::types::{Column, Type};

use super::exec::ExecError;
use super::infer::{self, Inference};
use super::lex::{self, Kind, Token};
use super::session::{SchemaLookup, SessionDb};
use super::settings::{self, Command};
use super::translate;
use super::types::{self, ColKind, PgTy};

/// What running the statement means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanKind {
    /// Nothing but whitespace and comments.
    Empty,
    /// SQL for SQLite.
    Sql,
    /// `BEGIN` / `START TRANSACTION`.
    Begin,
    /// `COMMIT` / `END`.
    Commit,
    /// `ROLLBACK` / `ABORT`.
    Rollback,
    /// `SAVEPOINT`, `RELEASE`, `ROLLBACK TO`: SQL that needs a transaction block (the
    /// error message when there is none).
    InTransaction(&'static str),
    /// `SET` / `RESET` / `SHOW`.
    Setting(Command),
    /// `LISTEN` / `UNLISTEN` / `NOTIFY`, answered by the runtime's notification hub.
    Notify,
    /// `COPY … FROM STDIN` / `COPY … TO STDOUT` (see [`copy`](super::copy)).
    Copy(Arc<CopyStatement>),
}

/// A prepared statement: the SQL SQLite runs and what Describe says about it.
#[derive(Debug)]
pub struct Plan {
    pub(crate) kind: PlanKind,
    /// The SQL given to SQLite (the cache key for its prepared statements).
    pub(crate) sql: Arc<str>,
    /// The command tag it completes with (the row count is set when it runs).
    pub(crate) tag: Tag,
    pub(crate) columns: Option<Arc<[Column]>>,
    pub(crate) kinds: Arc<[ColKind]>,
    /// Columns whose type nothing told (sent as text; the simple protocol types them from
    /// the first row).
    pub(crate) untyped: Arc<[bool]>,
    pub(crate) params: Vec<Type>,
    /// Whether it only reads (`sqlite3_stmt_readonly`; true for BEGIN/COMMIT too).
    pub(crate) readonly: bool,
    /// Whether the first batch may run on the runtime thread at all (see `run_sql`).
    pub(crate) inline: bool,
    /// Whether running it changes the schema.
    pub(crate) ddl: bool,
    pub(crate) epoch: u64,
}

impl Plan {
    fn fixed(kind: PlanKind, sql: &str, tag: Tag, columns: Option<Vec<Column>>) -> Plan {
        let n = columns.as_ref().map_or(0, Vec::len);
        Plan {
            kind,
            sql: Arc::from(sql),
            tag,
            columns: columns.map(Into::into),
            kinds: vec![ColKind::Text; n].into(),
            untyped: vec![false; n].into(),
            params: Vec::new(),
            readonly: true,
            inline: true,
            ddl: false,
            epoch: 0,
        }
    }

    /// The parameter types (for ParameterDescription).
    pub fn param_types(&self) -> &[Type] {
        &self.params
    }

    /// The result columns (for RowDescription), `None` for NoData.
    pub fn columns(&self) -> Option<&Arc<[Column]>> {
        self.columns.as_ref()
    }

    /// Whether SQLite runs it (as opposed to the handler answering by itself).
    pub(crate) fn needs_db(&self) -> bool {
        !matches!(
            self.kind,
            PlanKind::Empty | PlanKind::Setting(_) | PlanKind::Copy(_)
        )
    }
}

/// The command tag of a SQL statement, as PostgreSQL words it; SQLite's `REPLACE INTO`
/// completes as the INSERT it is.
fn tag_of(src: &str, toks: &[Token]) -> Tag {
    match lex::first_words(src, toks, 1).first().map(String::as_str) {
        Some("replace") => Tag::insert(0),
        _ => Tag::for_statement(src, 0),
    }
}

/// A parse-time error before SQLite sees the statement.
fn syntax(msg: impl Into<String>) -> PgError {
    PgError::new(SqlState::SYNTAX_ERROR, msg)
}

/// Classifies `sql`; statements the handler answers itself get their whole plan here.
/// `Ok(None)`: SQL for SQLite, to be prepared with [`prepare_sql`].
pub fn classify(sql: &str, toks: &[Token]) -> Result<Option<Plan>, PgError> {
    let w = lex::first_words(sql, toks, 4);
    let Some(first) = w.first() else {
        return Ok(Some(Plan::fixed(PlanKind::Empty, "", Tag::new(""), None)));
    };
    let word = |i: usize| w.get(i).map(String::as_str).unwrap_or("");
    let tag = |t: &'static str| Tag::new(t);
    let plan = match first.as_str() {
        "begin" | "start" => Plan::fixed(PlanKind::Begin, "BEGIN", tag("BEGIN"), None),
        "commit" | "end" => Plan::fixed(PlanKind::Commit, "COMMIT", tag("COMMIT"), None),
        "rollback" | "abort" => {
            let to = (1..4).find(|&i| word(i) == "to");
            match to {
                Some(i) => {
                    // ROLLBACK [WORK|TRANSACTION] TO [SAVEPOINT] name
                    let rest: Vec<&str> = toks
                        .iter()
                        .filter(|t| !t.is_trivia())
                        .skip(i + 1)
                        .filter(|t| !t.is_word(sql, "savepoint") && t.kind != Kind::Punct(b';'))
                        .map(|t| t.text(sql))
                        .collect();
                    let [name] = rest.as_slice() else {
                        return Err(syntax("syntax error in ROLLBACK TO SAVEPOINT"));
                    };
                    Plan::fixed(
                        PlanKind::InTransaction(
                            "ROLLBACK TO SAVEPOINT can only be used in transaction blocks",
                        ),
                        &format!("ROLLBACK TO {name}"),
                        tag("ROLLBACK"),
                        None,
                    )
                }
                None => Plan::fixed(PlanKind::Rollback, "ROLLBACK", tag("ROLLBACK"), None),
            }
        }
        "savepoint" => Plan::fixed(
            PlanKind::InTransaction("SAVEPOINT can only be used in transaction blocks"),
            sql.trim().trim_end_matches(';'),
            tag("SAVEPOINT"),
            None,
        ),
        "release" => Plan::fixed(
            PlanKind::InTransaction("RELEASE SAVEPOINT can only be used in transaction blocks"),
            sql.trim().trim_end_matches(';'),
            tag("RELEASE"),
            None,
        ),
        "set" | "reset" | "show" => {
            let Some(cmd) = settings::parse(sql, toks) else {
                return Ok(None);
            };
            let cmd = cmd?;
            let (verb, columns) = match &cmd {
                Command::Set { .. } | Command::Ignored(_) => (tag("SET"), None),
                Command::Reset(_) => (tag("RESET"), None),
                Command::Show(name) => (
                    tag("SHOW"),
                    Some(vec![Column::new(name.clone(), Type::TEXT)]),
                ),
                Command::ShowAll => (
                    tag("SHOW"),
                    Some(vec![
                        Column::new("name", Type::TEXT),
                        Column::new("setting", Type::TEXT),
                        Column::new("description", Type::TEXT),
                    ]),
                ),
            };
            Plan::fixed(PlanKind::Setting(cmd), "", verb, columns)
        }
        "deallocate" => Plan::fixed(
            PlanKind::Setting(Command::Ignored("DEALLOCATE")),
            "",
            tag("DEALLOCATE"),
            None,
        ),
        "discard" => Plan::fixed(
            PlanKind::Setting(Command::Ignored("DISCARD ALL")),
            "",
            tag("DISCARD ALL"),
            None,
        ),
        "listen" | "unlisten" | "notify" => Plan::fixed(
            PlanKind::Notify,
            sql,
            Tag::new(first.to_ascii_uppercase()),
            None,
        ),
        "copy" => {
            let copy = CopyStatement::parse(sql)?;
            if copy.where_clause.is_some() {
                return Err(PgError::not_supported(
                    "COPY FROM … WHERE is not supported by the sqlite example",
                ));
            }
            Plan::fixed(PlanKind::Copy(Arc::new(copy)), "", tag("COPY"), None)
        }
        _ => return Ok(None),
    };
    Ok(Some(plan))
}

/// `TRUNCATE [TABLE] [ONLY] name [RESTART IDENTITY | CONTINUE IDENTITY] [CASCADE | RESTRICT]`
/// → `DELETE FROM name`.
fn truncate(sql: &str, toks: &[Token]) -> Option<String> {
    let sig: Vec<&Token> = toks
        .iter()
        .filter(|t| !t.is_trivia() && t.kind != Kind::Punct(b';'))
        .collect();
    if !sig.first()?.is_word(sql, "truncate") {
        return None;
    }
    let mut i = 1;
    while sig
        .get(i)
        .is_some_and(|t| t.is_word(sql, "table") || t.is_word(sql, "only"))
    {
        i += 1;
    }
    let name = sig.get(i)?;
    let mut end = name.end;
    if sig.get(i + 1).is_some_and(|t| t.kind == Kind::Punct(b'.')) {
        end = sig.get(i + 2)?.end;
    }
    Some(format!("DELETE FROM {}", &sql[name.start..end]))
}

fn only_trivia(rest: &str) -> bool {
    lex::tokenize(rest)
        .iter()
        .all(|t| t.is_trivia() || t.kind == Kind::Punct(b';'))
}

/// Translates, prepares and describes SQL for SQLite.
pub fn prepare_sql(
    db: &mut SessionDb,
    epoch: u64,
    sql: &str,
    toks: &[Token],
) -> Result<Plan, ExecError> {
    let (sqlite_sql, tag) = match truncate(sql, toks) {
        Some(delete) => (
            translate::Translated {
                sql: delete,
                param_hints: Vec::new(),
            },
            Tag::new("TRUNCATE TABLE"),
        ),
        None => {
            let mut lookup = SchemaLookup {
                db,
                epoch,
                would_block: false,
            };
            let mut columns = infer::ColumnTypes::new(sql, toks, &mut lookup);
            let translated = translate::translate_typed(sql, toks, &mut |q, c| columns.get(q, c));
            drop(columns);
            if lookup.would_block {
                return Err(ExecError::Retry);
            }
            (translated?, tag_of(sql, toks))
        }
    };
    let key: Arc<str> = Arc::from(sqlite_sql.sql.as_str());
    let (stmt, tail) = db.raw().prepare(&key)?;
    let Some(stmt) = stmt else {
        return Ok(Plan::fixed(PlanKind::Empty, "", Tag::new(""), None));
    };
    if !only_trivia(&key[tail..]) {
        drop(stmt);
        return Err(ExecError::Pg(syntax(
            "cannot insert multiple commands into a prepared statement",
        )));
    }
    let ncols = stmt.column_count();
    let nparams = stmt.param_count();
    let readonly = stmt.readonly();
    let names: Vec<String> = (0..ncols).map(|i| stmt.column_name(i)).collect();
    let mut decls: Vec<Option<String>> = (0..ncols).map(|i| stmt.column_decltype(i)).collect();
    // A rowid column is declared `INTEGER` whatever it holds: its table says (`serial` is
    // an int4).
    let origins: Vec<Option<(String, String)>> = (0..ncols)
        .map(|i| {
            let rowid = decls[i]
                .as_deref()
                .is_some_and(|d| d.eq_ignore_ascii_case("integer"));
            rowid.then(|| stmt.column_origin(i)).flatten()
        })
        .collect();
    db.checkin(key.clone(), stmt);
    for (decl, origin) in decls.iter_mut().zip(origins) {
        if let Some((table, column)) = origin {
            let declared = db.table_columns(&table, epoch)?.and_then(|cols| {
                cols.into_iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case(&column))
                    .and_then(|(_, d)| d)
            });
            if declared.is_some() {
                *decl = declared;
            }
        }
    }

    let Inference { params, items } = {
        let mut lookup = SchemaLookup {
            db,
            epoch,
            would_block: false,
        };
        let inf = infer::infer(sql, toks, &sqlite_sql.param_hints, &mut lookup);
        if lookup.would_block {
            return Err(ExecError::Retry);
        }
        inf
    };
    let items = items.filter(|i| i.len() == ncols);
    let mut columns = Vec::with_capacity(ncols);
    let mut kinds = Vec::with_capacity(ncols);
    let mut untyped = Vec::with_capacity(ncols);
    for i in 0..ncols {
        let item = items.as_ref().and_then(|it| it.get(i));
        let ty: Option<PgTy> = match &decls[i] {
            Some(d) => Some(types::from_decltype(d)),
            None => item.and_then(|it| it.ty.clone()),
        };
        let name = match (item.and_then(|it| it.name.clone()), &decls[i]) {
            (Some(n), None) => n,
            _ => names[i].clone(),
        };
        untyped.push(ty.is_none());
        let ty = ty.unwrap_or(PgTy {
            ty: Type::TEXT,
            typmod: -1,
        });
        kinds.push(ColKind::of_typed(&ty));
        columns.push(Column::new(name, ty.ty).with_type_modifier(ty.typmod));
    }
    let params = (0..nparams)
        .map(|i| {
            params
                .get(i)
                .cloned()
                .flatten()
                .map_or(Type::TEXT, |t| t.ty)
        })
        .collect();
    let ddl = ["CREATE", "DROP", "ALTER"]
        .iter()
        .any(|verb| tag.command().starts_with(verb));
    Ok(Plan {
        kind: PlanKind::Sql,
        sql: key,
        tag,
        // DDL returns no rows (SQLite's ALTER TABLE … ADD COLUMN with a CHECK runs an
        // internal query whose column would show otherwise).
        columns: (ncols > 0 && !ddl).then(|| columns.into()),
        kinds: kinds.into(),
        untyped: untyped.into(),
        params,
        readonly,
        inline: true,
        ddl,
        epoch,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        let t = |s: &str| tag_of(s, &lex::tokenize(s)).to_string();
        assert_eq!(t("select 1"), "SELECT 0");
        assert_eq!(
            t("with x as (select 1) insert into t select * from x"),
            "INSERT 0 0"
        );
        assert_eq!(t("replace into t values (1)"), "INSERT 0 0");
        assert_eq!(t("CREATE TEMP TABLE t (a int)"), "CREATE TABLE");
        assert_eq!(t("create virtual table t using fts5(a)"), "CREATE TABLE");
        assert_eq!(t("create unique index i on t(a)"), "CREATE INDEX");
        assert_eq!(t("drop table if exists t"), "DROP TABLE");
        assert_eq!(t("pragma foo"), "PRAGMA");
    }

    #[test]
    fn classification() {
        let c = |s: &str| classify(s, &lex::tokenize(s));
        assert_eq!(c("  -- x").unwrap().unwrap().kind, PlanKind::Empty);
        assert_eq!(
            c("START TRANSACTION ISOLATION LEVEL SERIALIZABLE")
                .unwrap()
                .unwrap()
                .kind,
            PlanKind::Begin
        );
        assert_eq!(c("end").unwrap().unwrap().kind, PlanKind::Commit);
        let p = c("rollback to savepoint a").unwrap().unwrap();
        assert_eq!(&*p.sql, "ROLLBACK TO a");
        assert!(matches!(
            c("show all").unwrap().unwrap().kind,
            PlanKind::Setting(Command::ShowAll)
        ));
        assert!(c("select 1").unwrap().is_none());
        assert!(matches!(
            c("copy t from stdin with (format csv)")
                .unwrap()
                .unwrap()
                .kind,
            PlanKind::Copy(_)
        ));
        assert_eq!(c("copy t to '/tmp/x'").unwrap_err().code.code(), "0A000");
        assert_eq!(
            c("copy t from stdin where a > 1").unwrap_err().code.code(),
            "0A000"
        );
        assert!(matches!(
            c("listen x").unwrap().unwrap().kind,
            PlanKind::Notify
        ));
        assert_eq!(
            truncate(
                "TRUNCATE TABLE only t RESTART IDENTITY",
                &lex::tokenize("TRUNCATE TABLE only t RESTART IDENTITY")
            )
            .as_deref(),
            Some("DELETE FROM t")
        );
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;

    struct NoSchema;

    impl infer::Schema for NoSchema {
        fn columns(&mut self, _table: &str) -> Option<Vec<(String, Option<String>)>> {
            Some(vec![("a".into(), Some("INTEGER".into()))])
        }
    }

    /// Random token soup through every layer that reads SQL text: none may panic.
    #[test]
    fn sql_text_layers_never_panic() {
        const PIECES: &[&str] = &[
            "select",
            "insert",
            "into",
            "values",
            "update",
            "set",
            "delete",
            "from",
            "where",
            "with",
            "as",
            "cast",
            "default",
            "create",
            "table",
            "serial",
            "primary",
            "key",
            "timestamp",
            "with",
            "time",
            "zone",
            "show",
            "reset",
            "to",
            "=",
            "::",
            "(",
            ")",
            ",",
            ";",
            ".",
            "$1",
            "$2",
            "$0",
            "$99999999999",
            "'s'",
            "E'\\x'",
            "$$d$$",
            "$t$",
            "\"q\"",
            "1",
            "1.5e",
            "a",
            "t",
            "current_user",
            "pg_catalog",
            "in",
            "between",
            "and",
            "like",
            "returning",
            "*",
            "||",
            "-",
            "/*",
            "*/",
            "--",
            "\n",
            "count",
            "over",
            "case",
            "end",
            "rollback",
            "savepoint",
            "begin",
            "truncate",
            "ilike",
            "[",
            "]",
            "date",
            "é",
            "\u{0}",
            "select $0",
            "values ($0",
            "insert into t (a) values ($0)",
            "x::int",
            "limit $0",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..30_000 {
            let n = (next() % 14) as usize;
            let mut sql = String::new();
            for _ in 0..n {
                sql.push_str(PIECES[(next() % PIECES.len() as u64) as usize]);
                if next() % 3 != 0 {
                    sql.push(' ');
                }
            }
            let toks = lex::tokenize(&sql);
            let hints = translate::translate(&sql, &toks)
                .map(|t| t.param_hints)
                .unwrap_or_default();
            let _ = infer::infer(&sql, &toks, &hints, &mut NoSchema);
            let _ = settings::parse(&sql, &toks);
            let _ = classify(&sql, &toks);
            let _ = truncate(&sql, &toks);
            let _ = tag_of(&sql, &toks);
        }
    }
}
