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

use super::{blocking, column_list, exec, pragma_int, quote};
use crate::sqlite::database::Database;
use crate::sqlite::ddl;
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

/// An integer in plain decimal (`-42`), without overflow; `None` for anything else
/// (whitespace, `+`, too long), which the general parser then reads or rejects.
#[inline]
fn parse_int(raw: &[u8]) -> Option<i64> {
    let (neg, digits) = match raw.split_first()? {
        (b'-', rest) => (true, rest),
        _ => (false, raw),
    };
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    let mut v: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(d - b'0');
    }
    Some(if neg { -v } else { v })
}

/// Binds a text or CSV field (valid UTF-8: the decoder checked it) as its column's type
/// reads it: integers and text without a detour, the rest through the parameter decoder.
#[inline]
fn bind_text_field(stmt: &mut Stmt, idx: usize, ty: &Type, raw: &[u8]) -> PgResult<()> {
    let sqlite = |e: errors::SqliteError| errors::to_pg(&e);
    match *ty {
        Type::INT2 | Type::INT4 | Type::INT8 => {
            let fits = |v: i64| match *ty {
                Type::INT2 => i16::try_from(v).is_ok(),
                Type::INT4 => i32::try_from(v).is_ok(),
                _ => true,
            };
            match parse_int(raw) {
                Some(v) if fits(v) => stmt.bind_int(idx, v).map_err(sqlite),
                // Anything else (spaces, `+`, out of range, not a number) is read or
                // rejected by the general decoder, with int4in's errors.
                _ => decode_text(ty, raw)?.bind(stmt, idx),
            }
        }
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
            stmt.bind_utf8(idx, raw).map_err(sqlite)
        }
        _ => decode_text(ty, raw)?.bind(stmt, idx),
    }
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
        let database = self.db.clone();
        let name: Arc<str> = Arc::from(table.name.as_str());
        let copy_in = CopyIn::rows(copy, columns, move |rows| {
            load(database, shared, limits, sql, name, rows)
        })?;
        Ok(Response::CopyIn(copy_in))
    }
}

/// Reads every row and inserts it; returns the row count. Nothing stays inserted on error.
async fn load(
    database: Arc<Database>,
    shared: Arc<SessionShared>,
    limits: Limits,
    sql: Arc<str>,
    table: Arc<str>,
    mut rows: CopyReader,
) -> PgResult<u64> {
    let mut db = shared.db.clone().lock_owned().await;
    db.reap(&shared.closed);
    let loader = blocking(move || Loader::begin(db, sql, &table, limits)).await?;
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
        Ok(n) => {
            blocking(move || loader.commit()).await?;
            database.checkpoint_soon();
            Ok(n)
        }
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
    /// The connection's `wal_autocheckpoint`, to restore (`None` once restored).
    autocheckpoint: Option<i64>,
    /// CHECK constraints are off for this COPY, to turn back on.
    checks_off: bool,
    limits: Limits,
    db: OwnedMutexGuard<SessionDb>,
}

impl Loader {
    /// Opens the transaction (or savepoint) and prepares the INSERT.
    fn begin(
        mut db: OwnedMutexGuard<SessionDb>,
        sql: Arc<str>,
        table: &str,
        limits: Limits,
    ) -> PgResult<Loader> {
        let _scope = limits.enter(false);
        // No automatic checkpoint in this COPY's COMMIT (it would copy the whole WAL into
        // the database file first): the database checkpoints in the background after it.
        let autocheckpoint = pragma_int(&mut db, "PRAGMA wal_autocheckpoint")?.unwrap_or(1000);
        exec(&mut db, "PRAGMA wal_autocheckpoint = 0")?;
        let skip_checks = db
            .table_sql(table)
            .map_err(pg_of)?
            .is_some_and(|s| ddl::copy_may_skip_checks(&s));
        let scope = if db.autocommit() {
            Scope::Transaction
        } else {
            Scope::Savepoint
        };
        let mut loader = Loader {
            stmt: None,
            sql,
            scope,
            open: false,
            autocheckpoint: Some(autocheckpoint),
            checks_off: false,
            limits,
            db,
        };
        // From here on, dropping the loader restores the pragmas (and rolls back).
        if skip_checks {
            exec(&mut loader.db, "PRAGMA ignore_check_constraints = ON")?;
            loader.checks_off = true;
        }
        exec(
            &mut loader.db,
            match scope {
                Scope::Transaction => "BEGIN",
                Scope::Savepoint => "SAVEPOINT pgwire_copy",
            },
        )?;
        loader.open = true;
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
                            decode_binary(ty, raw, &bad_binary).and_then(|v| v.bind(stmt, idx))
                        } else {
                            bind_text_field(stmt, idx, ty, raw)
                        }
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
        self.restore_pragmas();
        Ok(())
    }

    /// Undoes everything the COPY inserted (not interruptible: no limits apply).
    fn rollback(&mut self) {
        self.close_stmt();
        self.restore_pragmas();
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

    /// Puts the connection's automatic checkpoints and CHECK constraints back as they were.
    fn restore_pragmas(&mut self) {
        if let Some(n) = self.autocheckpoint.take() {
            let sql = format!("PRAGMA wal_autocheckpoint = {n}");
            if let Err(e) = exec(&mut self.db, &sql) {
                tracing::warn!(error = %e.message, "restoring wal_autocheckpoint failed");
            }
        }
        if std::mem::take(&mut self.checks_off) {
            if let Err(e) = exec(&mut self.db, "PRAGMA ignore_check_constraints = OFF") {
                tracing::warn!(error = %e.message, "turning CHECK constraints back on failed");
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_parse_without_a_detour_or_not_at_all() {
        assert_eq!(parse_int(b"0"), Some(0));
        assert_eq!(parse_int(b"-42"), Some(-42));
        assert_eq!(
            parse_int(b"999999999999999999"),
            Some(999_999_999_999_999_999)
        );
        for general in [
            &b""[..],
            b"-",
            b"+1",
            b" 1",
            b"1.5",
            b"1e3",
            b"9999999999999999999",
        ] {
            assert_eq!(parse_int(general), None, "{general:?}");
        }
    }
}
