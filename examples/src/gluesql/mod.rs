//! An in-memory [GlueSQL](https://github.com/gluesql/gluesql) database served over the
//! PostgreSQL protocol: every session shares one `MemoryStorage`.
//!
//! * **Parameters**: GlueSQL binds `$n` only to values of exactly the column's type (an `i32`
//!   into an `INT` column fails), so bound parameters are written into the SQL as literals
//!   instead ([`pgwire::sql::params`]), which GlueSQL types by where they stand, as SQL typed
//!   by hand. Types the client leaves open are inferred from the columns the parameters meet
//!   ([`pgwire::sql::infer`]).
//! * **Describe before execution**: GlueSQL returns untyped rows and knows a result's columns
//!   only by running the query, so Parse plans the statement and, when it only reads, runs it
//!   with 1 for numeric parameters and NULL for the others: a column's type is that of its
//!   first non-NULL value, else that of the table column of that name, else `text` (an
//!   expression over no rows: its values are then sent as text). Without parameters the
//!   rows are kept for the first Execute, unless something was written in between: a simple
//!   query (Parse and Execute for the runtime) runs once.
//! * **Transactions**: `MemoryStorage` has none (its BEGIN fails), so [`Snapshots`] gives a
//!   transaction block a private copy of the database, published at COMMIT unless another
//!   session committed since BEGIN (40001 then, as a serializable transaction would). Outside
//!   a block each statement commits on its own. Savepoints are not supported.

mod convert;
mod error;

use std::sync::{Mutex, PoisonError};

use convert::Table;
use gluesql::core::plan::StatementPlan;
use gluesql::core::prelude::Glue;
use gluesql::gluesql_memory_storage::MemoryStorage;
use pgwire::prelude::*;
use pgwire::query::{Snapshots, TxVerb, Version};
use pgwire::sql::{infer::Scope, lexer::TokenKind, params::Placeholders};
use pgwire::types::is_numeric;

/// GlueSQL over its in-memory storage (copied for each transaction block).
struct Db(Glue<MemoryStorage>);

impl Clone for Db {
    fn clone(&self) -> Self {
        Db(Glue::new(self.0.storage.clone()))
    }
}

/// An in-memory GlueSQL database, shared by every session.
pub struct GlueSql {
    db: Snapshots<Db>,
}

impl Default for GlueSql {
    fn default() -> Self {
        let db = Db(Glue::new(MemoryStorage::default()));
        GlueSql {
            db: Snapshots::new(db),
        }
    }
}

/// A prepared statement.
#[derive(Debug)]
pub struct Stmt {
    empty: bool,
    params: Placeholders,
    /// The rows Parse read (without parameters) and the version of the database they are of.
    probed: Mutex<Option<(Version, Table)>>,
}

fn reads(plan: &StatementPlan) -> bool {
    use StatementPlan::{Query, ShowColumns, ShowIndexes, ShowVariable};
    matches!(
        plan,
        Query(_) | ShowColumns { .. } | ShowVariable(_) | ShowIndexes(_)
    )
}

impl Db {
    /// Plans `sql` (one statement: the runtime rejects more in a Parse, and splits a Query).
    fn plan(&mut self, sql: &str) -> PgResult<StatementPlan> {
        let plans = self.0.plan(sql).map_err(error::to_pg)?;
        let none = || PgError::new(SqlState::SYNTAX_ERROR, "syntax error: no statement");
        plans.into_iter().next().ok_or_else(none)
    }

    /// Runs a plan: its rows, or (`Err`) how many rows it changed.
    fn run(&mut self, plan: &StatementPlan, version: &mut Version) -> PgResult<Result<Table, u64>> {
        if !reads(plan) {
            version.bump();
        }
        convert::table(self.0.execute_stmt(plan).map_err(error::to_pg)?)
    }

    /// The tables `tokens` name, with their columns.
    fn scope(&self, tokens: &[pgwire::sql::lexer::Token]) -> Scope {
        Scope::new(tokens, |table| {
            let item = self.0.storage.items.get(table)?;
            let defs = item.schema.column_defs.as_ref()?;
            let column = |c: &gluesql::core::ast::ColumnDef| {
                Column::new(c.name.as_str(), convert::pg_type(&c.data_type))
            };
            Some(defs.iter().map(column).collect())
        })
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
        let tokens = pgwire::sql::lexer::tokenize(sql)?;
        let mut stmt = Stmt {
            empty: tokens.iter().all(|t| t.kind == TokenKind::Semicolon),
            params: Placeholders::find(&tokens)?,
            probed: Mutex::default(),
        };
        if TxVerb::of(sql) != TxVerb::Other || stmt.empty {
            return Ok(Prepared::new(stmt, vec![], None));
        }
        self.db.with(session, |db, version| {
            let scope = db.scope(&tokens);
            let types = scope.param_types(&tokens, declared);
            // 1 keeps `LIMIT $1` legal and `x - $1` typed (where NULL would type nothing).
            let probe = stmt.params.substitute(sql, |i, out| {
                let number = types.get(i).is_some_and(is_numeric);
                out.push_str(if number { "1" } else { "NULL" });
                Ok(())
            })?;
            let plan = db.plan(&probe)?;
            let mut cols = None;
            if reads(&plan) {
                if let Ok(table) = db.run(&plan, version)? {
                    cols = Some(scope.result_columns(&table.labels, &table.rows));
                    if stmt.params.is_empty() {
                        stmt.probed = Mutex::new(Some((*version, table)));
                    }
                }
            }
            Ok(Prepared::new(stmt, types, cols))
        })
    }

    async fn execute(&self, session: &mut Session, portal: &Portal<Stmt>) -> PgResult<Response> {
        let stmt = portal.statement();
        if portal.verb() != TxVerb::Other {
            return self.db.transaction(session, portal.verb());
        } else if stmt.empty {
            return Ok(Response::Empty);
        }
        let sql = (stmt.params).substitute(portal.sql(), |i, out| {
            convert::literal(&portal.params.get(i)?, out)
        })?;
        let probed = (stmt.probed.lock().unwrap_or_else(PoisonError::into_inner)).take();
        self.db.with(session, |db, version| {
            let result = match probed.filter(|(v, _)| v == version) {
                Some((_, table)) => Ok(table),
                None => {
                    let plan = db.plan(&sql)?;
                    db.run(&plan, version)?
                }
            };
            match result {
                Ok(t) => Response::values(portal.columns(), portal.result_formats.clone(), t.rows),
                Err(n) => Ok(Response::Command(Tag::for_statement(portal.sql(), n))),
            }
        })
    }
}
