//! `COPY t [(cols)] FROM STDIN`: the runtime decodes the client's rows ([`CopyReader`]);
//! they are inserted in batches on the blocking pool with one prepared `INSERT` reused for
//! every row, while the next batch is being decoded.
//!
//! A COPY is all or nothing: outside a transaction it runs in its own (BEGIN … COMMIT), in a
//! transaction block (or an implicit transaction of several statements) it joins it inside a
//! savepoint. A bad row, a CopyFail, a cancel or a lost client rolls back whatever it
//! inserted; in a block the runtime then marks the block failed, as PostgreSQL does.
//!
//! Memory stays flat in the row count: one batch is inserted while the next is decoded, and
//! the runtime reads from the socket only as fast as batches are taken.

use std::sync::Arc;

use pgwire::copy::{CopyIn, CopyReader, CopyStatement, RowBatch, TableName};
use pgwire::prelude::*;
use tokio::sync::OwnedMutexGuard;
use tokio::task::JoinHandle;

use super::{blocking, column_list, exec, quote};
use crate::sqlite::errors;
use crate::sqlite::exec::Limits;
use crate::sqlite::handler::SqliteHandler;
use crate::sqlite::params::{decode_binary, decode_text};
use crate::sqlite::raw::Stmt;
use crate::sqlite::run::{join_error, pg_of};
use crate::sqlite::session::{SessionDb, SessionShared};

/// Rows handed to the blocking pool at once (batches are also cut at 1 MiB of data, and
/// when the client has sent nothing more yet).
const BATCH_ROWS: usize = 8192;

fn with_context(mut e: PgError, context: impl FnOnce() -> String) -> PgError {
    if e.where_.is_none() {
        e.where_ = Some(context());
    }
    e
}

/// 22P03, as PostgreSQL reports a binary COPY field its type cannot read.
fn bad_binary() -> PgError {
    PgError::new(SqlState::from_code("22P03"), "incorrect binary data format")
}

impl SqliteHandler {
    /// A COPY FROM STDIN into `table`'s `columns`.
    pub(super) fn copy_from(
        &self,
        session: &mut Session,
        copy: &CopyStatement,
        table: &TableName,
        columns: Arc<[Column]>,
    ) -> PgResult<Response> {
        let st = self.state(session)?;
        let shared = st.shared.clone();
        let timeout = st.statement_timeout;
        let limits = Limits::new(session.cancel_token(), timeout);
        let sql: Arc<str> = Arc::from(format!(
            "INSERT INTO {} ({}) VALUES ({})",
            quote(&table.name),
            column_list(&columns),
            (1..=columns.len())
                .map(|i| format!("?{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        let copy_in = CopyIn::rows(copy, columns, move |rows| load(shared, limits, sql, rows))?;
        Ok(Response::CopyIn(copy_in))
    }
}

/// Reads every row and inserts it; returns the row count. Nothing stays inserted on error.
async fn load(
    shared: Arc<SessionShared>,
    limits: Limits,
    sql: Arc<str>,
    mut rows: CopyReader,
) -> PgResult<u64> {
    let mut db = shared.db.clone().lock_owned().await;
    db.reap(&shared.closed);
    let loader = blocking(move || Loader::begin(db, sql, limits)).await?;
    let mut idle = Some(loader);
    let mut inflight: Option<JoinHandle<(Loader, PgResult<()>)>> = None;
    let result = loop {
        // Decode the next batch while the previous one is inserted.
        let next = rows.next_batch(BATCH_ROWS).await;
        if let Some(task) = inflight.take() {
            // A panicked insert dropped its loader, which rolled back.
            let (loader, inserted) = task.await.map_err(join_error)?;
            idle = Some(loader);
            if let Err(e) = inserted {
                break Err(e);
            }
        }
        match next {
            Ok(Some(batch)) => {
                let Some(mut loader) = idle.take() else {
                    break Err(PgError::new(SqlState::INTERNAL_ERROR, "COPY loader lost"));
                };
                inflight = Some(tokio::task::spawn_blocking(move || {
                    let r = loader.insert(&batch);
                    (loader, r)
                }));
            }
            Ok(None) => break Ok(rows.rows()),
            Err(e) => break Err(e),
        }
    };
    let Some(mut loader) = idle else {
        return Err(PgError::new(SqlState::INTERNAL_ERROR, "COPY loader lost"));
    };
    match result {
        Ok(n) => blocking(move || loader.commit()).await.map(|()| n),
        Err(e) => {
            let _ = blocking(move || {
                loader.rollback();
                Ok(())
            })
            .await;
            Err(e)
        }
    }
}

/// Whether the COPY has its own transaction or a savepoint in the session's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Transaction,
    Savepoint,
}

/// The session's connection during a COPY FROM: the open transaction or savepoint and the
/// prepared INSERT. Dropped unfinished (a panic, a dropped future), it rolls back.
struct Loader {
    stmt: Option<Stmt>,
    sql: Arc<str>,
    scope: Scope,
    /// The transaction or savepoint is still open.
    open: bool,
    limits: Limits,
    db: OwnedMutexGuard<SessionDb>,
}

impl Loader {
    /// Opens the transaction (or savepoint) and prepares the INSERT.
    fn begin(
        mut db: OwnedMutexGuard<SessionDb>,
        sql: Arc<str>,
        limits: Limits,
    ) -> PgResult<Loader> {
        let _scope = limits.enter(false);
        let scope = if db.autocommit() {
            exec(&mut db, "BEGIN")?;
            Scope::Transaction
        } else {
            exec(&mut db, "SAVEPOINT pgwire_copy")?;
            Scope::Savepoint
        };
        let mut loader = Loader {
            stmt: None,
            sql,
            scope,
            open: true,
            limits,
            db,
        };
        loader.stmt = Some(loader.db.checkout(&loader.sql).map_err(pg_of)?);
        Ok(loader)
    }

    /// Inserts every row of `batch` (binding each field as its column's type reads it).
    fn insert(&mut self, batch: &RowBatch) -> PgResult<()> {
        let _scope = self.limits.enter(false);
        let Some(stmt) = self.stmt.as_mut() else {
            return Err(PgError::new(SqlState::INTERNAL_ERROR, "COPY loader closed"));
        };
        for row in batch.iter() {
            for i in 0..row.len() {
                let idx = i + 1;
                let bound = match row.raw(i) {
                    None => stmt.bind_null(idx).map_err(|e| errors::to_pg(&e)),
                    Some(raw) => {
                        let ty = row.column(i).map_or(&Type::TEXT, |c| &c.ty);
                        if row.is_binary() {
                            decode_binary(ty, raw, &bad_binary)
                        } else {
                            decode_text(ty, raw)
                        }
                        .and_then(|v| v.bind(stmt, idx))
                    }
                };
                bound.map_err(|e| with_context(e, || row.column_context(i)))?;
            }
            let stepped = stmt.step();
            stmt.reset();
            if let Err(e) = stepped {
                return Err(with_context(pg_of(e.into()), || row.context()));
            }
        }
        Ok(())
    }

    /// Commits the transaction (or releases the savepoint).
    fn commit(&mut self) -> PgResult<()> {
        let _scope = self.limits.enter(false);
        self.close_stmt();
        match self.scope {
            Scope::Transaction => exec(&mut self.db, "COMMIT")?,
            Scope::Savepoint => exec(&mut self.db, "RELEASE pgwire_copy")?,
        }
        self.open = false;
        Ok(())
    }

    /// Undoes everything the COPY inserted (not interruptible: no limits apply).
    fn rollback(&mut self) {
        self.close_stmt();
        if !std::mem::take(&mut self.open) {
            return;
        }
        if self.db.autocommit() {
            return; // SQLite already rolled the transaction back (an interrupted write).
        }
        let r = match self.scope {
            Scope::Transaction => exec(&mut self.db, "ROLLBACK"),
            Scope::Savepoint => exec(&mut self.db, "ROLLBACK TO pgwire_copy")
                .and_then(|()| exec(&mut self.db, "RELEASE pgwire_copy")),
        };
        if let Err(e) = r {
            tracing::warn!(error = %e.message, "COPY rollback failed");
        }
    }

    fn close_stmt(&mut self) {
        if let Some(stmt) = self.stmt.take() {
            let sql = self.sql.clone();
            self.db.checkin(sql, stmt);
        }
    }
}

impl Drop for Loader {
    fn drop(&mut self) {
        self.rollback();
    }
}
