//! An in-memory [GlueSQL](https://github.com/gluesql/gluesql) database served over the
//! PostgreSQL protocol: every session shares one `MemoryStorage`.
//!
//! * **Parameters**: GlueSQL binds `$n` only to values of exactly the column's type (an `i32`
//!   into an `INT` column fails), so bound parameters are written into the SQL as literals
//!   instead (found with pgwire's lexer, quoted as GlueSQL's PostgreSQL dialect reads them),
//!   and GlueSQL types each literal by where it stands, as for SQL typed by hand. Parameter
//!   types are inferred from the column a parameter is compared with, computed with, assigned
//!   to or inserted into (`text` elsewhere); types the client declares win.
//! * **Describe before execution**: GlueSQL returns untyped rows and knows a result's columns
//!   only by running the query, so Parse plans the statement and, when it only reads, runs it
//!   with 1 for numeric parameters and NULL for the others: a column's type is that of its
//!   first non-NULL value, else that of the table column of that name, else `text` (an
//!   expression over no rows: its values are then sent as text). Without parameters the
//!   rows are kept for the first Execute, unless something was written in between. Simple
//!   queries run once and type the columns from the rows they return.
//! * **Transactions**: GlueSQL's `MemoryStorage` has none (its BEGIN fails), so a transaction
//!   block works on a private copy of the database, published at COMMIT unless another
//!   session committed since BEGIN (40001 then, as a serializable transaction would). Outside
//!   a block each statement commits on its own. Savepoints are not supported.

mod convert;
mod error;
mod sql;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use convert::Table;
use gluesql::core::plan::StatementPlan;
use gluesql::core::prelude::Glue;
use gluesql::gluesql_memory_storage::MemoryStorage;
use pgwire::TransactionStatus;
use pgwire::prelude::*;
use pgwire::query::TxVerb;
use pgwire::types::Value;

type Engine = Glue<MemoryStorage>;

/// Versions of the database, unique across all copies.
static VERSIONS: AtomicU64 = AtomicU64::new(1);

/// A version of the database.
struct Db {
    glue: Engine,
    version: u64,
}

/// A session's transaction block: its own copy of the database, taken at version `base`.
struct Tx {
    db: Db,
    base: u64,
}

/// An in-memory GlueSQL database, shared by every session.
pub struct GlueSql {
    db: Mutex<Db>,
}

impl Default for GlueSql {
    fn default() -> Self {
        let glue = Glue::new(MemoryStorage::default());
        GlueSql {
            db: Mutex::new(Db { glue, version: 0 }),
        }
    }
}

/// A prepared statement.
#[derive(Debug)]
pub struct Stmt {
    verb: TxVerb,
    /// The command tag of a statement without rows; `None` for an empty statement.
    command: Option<String>,
    params: Vec<sql::Param>,
    /// The rows Parse computed (without parameters) and the version they were read from.
    probed: Mutex<Option<(u64, Table)>>,
}

/// Plans the one statement in `sql`.
fn plan(db: &mut Db, sql: &str) -> PgResult<StatementPlan> {
    let mut plans = db.glue.plan(sql).map_err(error::to_pg)?;
    match plans.pop() {
        Some(plan) if plans.is_empty() => Ok(plan),
        _ => Err(PgError::new(
            SqlState::SYNTAX_ERROR,
            "cannot insert multiple commands into a prepared statement",
        )),
    }
}

fn reads(plan: &StatementPlan) -> bool {
    use StatementPlan::{Query, ShowColumns, ShowIndexes, ShowVariable};
    matches!(
        plan,
        Query(_) | ShowColumns { .. } | ShowVariable(_) | ShowIndexes(_)
    )
}

/// Runs a planned statement: its rows, or its command tag.
fn exec(db: &mut Db, plan: &StatementPlan, command: &str) -> PgResult<Result<Table, Tag>> {
    if !reads(plan) {
        db.version = VERSIONS.fetch_add(1, Ordering::Relaxed);
    }
    let payload = db.glue.execute_stmt(plan).map_err(error::to_pg)?;
    Ok(convert::into_table(payload, command))
}

/// Plans and runs the one statement in `sql`.
fn run(db: &mut Db, sql: &str, command: &str) -> PgResult<Result<Table, Tag>> {
    let plan = plan(db, sql)?;
    exec(db, &plan, command)
}

/// Columns typed by their first non-NULL value, else by the table column of that name.
fn columns(db: &Db, sql: &str, tokens: &[sql::Token], t: &Table) -> Arc<[Column]> {
    let column = |(i, label): (usize, &String)| {
        let ty = (t.rows.iter().find_map(|r| r.get(i)?.get_type()))
            .or_else(|| sql::column_type(&db.glue, sql, tokens, label));
        Column::new(
            label.as_str(),
            ty.map_or(Type::TEXT, |t| convert::pg_type(&t)),
        )
    };
    t.labels.iter().enumerate().map(column).collect()
}

/// Rows encoded into `columns`, or the command tag.
fn respond(result: Result<Table, Tag>, cols: Arc<[Column]>, f: Formats) -> PgResult<Response> {
    let table = match result {
        Ok(table) => table,
        Err(tag) => return Ok(Response::Command(tag)),
    };
    let mut enc = DataRowEncoder::new(cols.clone(), f);
    for row in &table.rows {
        for v in row {
            convert::encode(&mut enc, v)?;
        }
        enc.end_row()?;
    }
    Ok(Response::rows(cols, vec![enc.take_rows()]))
}

impl GlueSql {
    fn lock(&self) -> MutexGuard<'_, Db> {
        self.db.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the session's transaction copy, or else on the shared database.
    fn with_db<T>(&self, session: &mut Session, f: impl FnOnce(&mut Db) -> T) -> T {
        match session.get_mut::<Option<Tx>>() {
            Some(Some(tx)) => f(&mut tx.db),
            _ => f(&mut self.lock()),
        }
    }

    fn transaction(&self, session: &mut Session, verb: TxVerb) -> PgResult<Response> {
        let warn = |code, msg| PgError::new(code, msg).severity(Severity::Warning);
        let open = session.get_mut::<Option<Tx>>().and_then(Option::take);
        let tag = match (verb, open) {
            (TxVerb::RollbackTo | TxVerb::Prepared, tx) => {
                session.insert(tx);
                return Err(PgError::not_supported(
                    "savepoints and prepared transactions",
                ));
            }
            (TxVerb::Begin, None) => {
                let shared = self.lock();
                let (glue, base) = (Glue::new(shared.glue.storage.clone()), shared.version);
                let db = Db {
                    glue,
                    version: base,
                };
                session.insert(Some(Tx { db, base }));
                "BEGIN"
            }
            (TxVerb::Begin, tx) => {
                session.insert(tx);
                let msg = "there is already a transaction in progress";
                session.notice(warn(SqlState::ACTIVE_SQL_TRANSACTION, msg));
                "BEGIN"
            }
            (verb, None) => {
                let msg = "there is no transaction in progress";
                session.notice(warn(SqlState::NO_ACTIVE_SQL_TRANSACTION, msg));
                if verb == TxVerb::Commit {
                    "COMMIT"
                } else {
                    "ROLLBACK"
                }
            }
            (TxVerb::Commit, Some(tx))
                if tx.db.version != tx.base
                    && session.transaction_status() == TransactionStatus::InTransaction =>
            {
                let mut shared = self.lock();
                if shared.version != tx.base {
                    session.set_transaction_status(TransactionStatus::Idle);
                    let msg = "could not serialize access due to concurrent update";
                    return Err(PgError::new(SqlState::SERIALIZATION_FAILURE, msg));
                }
                *shared = tx.db;
                "COMMIT"
            }
            // The runtime reports a failed block's COMMIT as ROLLBACK.
            (TxVerb::Commit, Some(_)) => "COMMIT",
            (_, Some(_)) => "ROLLBACK",
        };
        Ok(Response::Command(Tag::new(tag)))
    }
}

impl QueryHandler for GlueSql {
    type Statement = Stmt;

    async fn prepare(
        &self,
        session: &mut Session,
        sql: &str,
        declared: &[Option<Type>],
    ) -> PgResult<Prepared<Stmt>> {
        let tokens = sql::tokens(sql)?;
        let params = sql::params(&tokens)?;
        let mut stmt = Stmt {
            verb: TxVerb::of(sql),
            command: sql::command(&tokens),
            params,
            probed: Mutex::new(None),
        };
        if stmt.verb != TxVerb::Other || stmt.command.is_none() {
            return Ok(Prepared::new(stmt, vec![], None));
        }
        self.with_db(session, |db| {
            let types = sql::param_types(&db.glue, sql, &tokens, &stmt.params, declared);
            // 1 keeps `LIMIT $1` legal and `x - $1` typed (where NULL would type nothing).
            let probe = sql::substitute(sql, &stmt.params, |p| {
                let number = matches!(
                    types[p.index],
                    Type::INT2
                        | Type::INT4
                        | Type::INT8
                        | Type::NUMERIC
                        | Type::FLOAT4
                        | Type::FLOAT8
                );
                Ok(if number { "1" } else { "NULL" }.to_owned())
            })?;
            let plan = plan(db, &probe)?;
            let mut cols = None;
            if reads(&plan) {
                if let Ok(table) = exec(db, &plan, "")? {
                    cols = Some(columns(db, sql, &tokens, &table));
                    if stmt.params.is_empty() {
                        stmt.probed = Mutex::new(Some((db.version, table)));
                    }
                }
            }
            Ok(Prepared::new(stmt, types, cols))
        })
    }

    async fn execute(&self, session: &mut Session, portal: &Portal<Stmt>) -> PgResult<Response> {
        let stmt = portal.statement();
        if stmt.verb != TxVerb::Other {
            return self.transaction(session, stmt.verb);
        }
        let Some(command) = &stmt.command else {
            return Ok(Response::Empty);
        };
        let sql = sql::substitute(portal.sql(), &stmt.params, |p| {
            convert::literal(&portal.params.get::<Value>(p.index)?)
        })?;
        let probed = stmt
            .probed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        self.with_db(session, |db| {
            let result = match probed.filter(|(version, _)| *version == db.version) {
                Some((_, table)) => Ok(table),
                None => run(db, &sql, command)?,
            };
            respond(result, portal.columns(), portal.result_formats.clone())
        })
    }

    async fn simple_query(&self, session: &mut Session, sql: &str) -> PgResult<Response> {
        let verb = TxVerb::of(sql);
        if verb != TxVerb::Other {
            return self.transaction(session, verb);
        }
        let tokens = sql::tokens(sql)?;
        self.with_db(session, |db| {
            let result = run(db, sql, &sql::command(&tokens).unwrap_or_default())?;
            let cols = match &result {
                Ok(table) => columns(db, sql, &tokens, table),
                Err(_) => Arc::from(Vec::new()),
            };
            respond(result, cols, Formats::AllText)
        })
    }
}
