//! COPY for the sqlite example: `COPY t [(cols)] FROM STDIN`, `COPY t [(cols)] TO STDOUT`
//! and `COPY (query) TO STDOUT`, in text, CSV and binary.
//!
//! The runtime does the protocol and the formats ([`pgwire::copy`]): it parsed the
//! statement at Parse time (a [`PlanKind::Copy`](super::plan::PlanKind::Copy) plan), decodes
//! rows for COPY FROM and encodes them for COPY TO. This module finds the table's columns
//! (their PostgreSQL types from the declared types, as a SELECT announces them), inserts
//! decoded rows (`from`) and reads rows out with a cursor (`to`).
//!
//! Both directions hold the session's connection for the whole COPY: the session can run
//! nothing else meanwhile, and a COPY FROM's transaction (or savepoint) lives on it.

mod from;
mod to;

use std::sync::Arc;

use pgwire::copy::{CopyDirection, CopySource, CopyStatement, TableName};
use pgwire::prelude::*;

use super::exec::{ExecError, Limits};
use super::handler::SqliteHandler;
use super::run::{join_error, pg_of};
use super::session::SessionDb;
use super::types;

/// `"name"`, quoted for SQLite.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `"a", "b"`
fn column_list(columns: &[Column]) -> String {
    columns
        .iter()
        .map(|c| quote(&c.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs `f` on the blocking pool.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> PgResult<T> + Send + 'static,
) -> PgResult<T> {
    tokio::task::spawn_blocking(f).await.map_err(join_error)?
}

/// Runs fixed SQL (transaction control, a PRAGMA) on the connection.
fn exec(db: &mut SessionDb, sql: &str) -> PgResult<()> {
    let key: Arc<str> = Arc::from(sql);
    let mut stmt = db.checkout(&key).map_err(pg_of)?;
    let r = stmt.step();
    db.checkin(key, stmt);
    r.map(drop).map_err(|e| pg_of(e.into()))
}

/// The integer a PRAGMA reads (`None` when it returns none).
fn pragma_int(db: &mut SessionDb, sql: &str) -> PgResult<Option<i64>> {
    let key: Arc<str> = Arc::from(sql);
    let mut stmt = db.checkout(&key).map_err(pg_of)?;
    let r = stmt.step().map(|row| match stmt.value(0) {
        super::encode::Val::Int(n) if row => Some(n),
        _ => None,
    });
    db.checkin(key, stmt);
    r.map_err(|e| pg_of(e.into()))
}

impl SqliteHandler {
    /// Answers a COPY statement with `Response::CopyIn` or `Response::CopyOut`.
    pub(super) async fn copy(
        &self,
        session: &mut Session,
        copy: &Arc<CopyStatement>,
    ) -> PgResult<Response> {
        match (&copy.source, copy.direction) {
            (CopySource::Table { name, .. }, CopyDirection::From) => {
                let table = self.table_columns(session, name).await?;
                let columns = copy.select_columns(&table)?;
                self.copy_from(session, copy, name, columns)
            }
            (CopySource::Table { name, .. }, CopyDirection::To) => {
                let table = self.table_columns(session, name).await?;
                let columns = copy.select_columns(&table)?;
                let sql = format!(
                    "SELECT {} FROM {}",
                    column_list(&columns),
                    quote(&name.name)
                );
                self.copy_to(session, copy, &sql).await
            }
            (CopySource::Query(query), CopyDirection::To) => {
                self.copy_to(session, copy, query).await
            }
            (CopySource::Query(_), CopyDirection::From) => Err(PgError::new(
                SqlState::SYNTAX_ERROR,
                "syntax error at or near \"FROM\"",
            )),
        }
    }

    /// The columns of `name` with the PostgreSQL types of their declared types; 42P01 when
    /// there is no such table. Names read as PostgreSQL folds unquoted identifiers (lower
    /// case), so `COPY t (name)` finds a column created as `Name`.
    async fn table_columns(
        &self,
        session: &mut Session,
        name: &TableName,
    ) -> PgResult<Vec<Column>> {
        let epoch = self.db.epoch();
        let shared = self.state(session)?.shared.clone();
        let limits = Limits::new(session.cancel_token(), None);
        let mut db = shared.db.clone().lock_owned().await;
        db.reap(&shared.closed);
        let first = {
            let _scope = limits.enter(true);
            db.table_columns(&name.name, epoch)
        };
        let found = match first {
            // The schema is locked by another session: wait on the blocking pool.
            Err(ExecError::Retry) => {
                let table = name.name.clone();
                blocking(move || {
                    let _scope = limits.enter(false);
                    db.table_columns(&table, epoch).map_err(pg_of)
                })
                .await?
            }
            other => other.map_err(pg_of)?,
        };
        let Some(found) = found else {
            let shown = match &name.schema {
                Some(s) => format!("{s}.{}", name.name),
                None => name.name.clone(),
            };
            return Err(PgError::new(
                SqlState::UNDEFINED_TABLE,
                format!("relation \"{shown}\" does not exist"),
            ));
        };
        Ok(found
            .into_iter()
            .map(|(n, decl)| {
                let ty = decl.map_or(Type::TEXT, |d| types::from_decltype(&d).ty);
                Column::new(n.to_ascii_lowercase(), ty)
            })
            .collect())
    }
}
