//! A session's SQLite connection with its statement cache and open cursors.
//!
//! The connection and everything prepared on it live in one [`SessionDb`] behind an async
//! mutex: the session's handler locks it to run a statement inline, blocking-pool tasks lock
//! it (`blocking_lock`) to run the rest, and a suspended portal's cursor waits in it between
//! Executes. The lock is only held while SQLite works, never while rows wait for the client.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use pgwire::error::PgError;
use pgwire::types::DataRow;
use rusqlite::Connection;

use super::exec::{BatchSize, Cursor, ExecError, RowSink};
use super::infer;
use super::raw::{Db, StepError, Stmt};

/// A table's columns: name and declared type.
pub type TableColumns = Vec<(String, Option<String>)>;

/// At most this many idle prepared statements are kept per session.
const CACHE_LIMIT: usize = 128;

/// A session's connection, statements and cursors. Field order matters: statements are
/// finalized before the connection closes.
pub struct SessionDb {
    cursors: HashMap<u64, Cursor>,
    next_cursor: u64,
    cache: HashMap<Arc<str>, Vec<Stmt>>,
    cached: usize,
    tables: HashMap<String, (u64, Option<TableColumns>)>,
    conn: Connection,
}

/// What a session's handler and its row streams share.
pub struct SessionShared {
    /// The connection and its statements.
    pub db: Arc<tokio::sync::Mutex<SessionDb>>,
    /// Cursors whose streams were dropped, to be closed at the next chance.
    pub closed: Mutex<Vec<u64>>,
}

impl SessionShared {
    /// Wraps a new connection.
    pub fn new(conn: Connection) -> SessionShared {
        SessionShared {
            db: Arc::new(tokio::sync::Mutex::new(SessionDb {
                cursors: HashMap::new(),
                next_cursor: 0,
                cache: HashMap::new(),
                cached: 0,
                tables: HashMap::new(),
                conn,
            })),
            closed: Mutex::new(Vec::new()),
        }
    }

    /// Marks a cursor for closing; closes it soon on the runtime if there is one.
    pub fn close_cursor(self: &Arc<Self>, id: u64) {
        self.closed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(id);
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let me = self.clone();
            rt.spawn(async move {
                let mut db = me.db.lock().await;
                db.reap(&me.closed);
            });
        }
    }
}

impl SessionDb {
    /// The raw connection handle.
    pub fn raw(&self) -> Db {
        // SAFETY: the handle is only used while `self` (which owns the connection) is
        // borrowed, under the session lock.
        Db(unsafe { self.conn.handle() })
    }

    /// Whether SQLite is outside a transaction.
    pub fn autocommit(&self) -> bool {
        self.conn.is_autocommit()
    }

    /// A prepared statement for `sql`: an idle cached one, or a new one.
    pub fn checkout(&mut self, sql: &Arc<str>) -> Result<Stmt, ExecError> {
        if let Some(stmt) = self.cache.get_mut(sql).and_then(Vec::pop) {
            self.cached -= 1;
            return Ok(stmt);
        }
        self.prepare_fresh(sql)
    }

    /// A newly prepared statement for `sql` (bypassing the cache).
    pub fn prepare_fresh(&mut self, sql: &str) -> Result<Stmt, ExecError> {
        match self.raw().prepare(sql)? {
            (Some(stmt), _) => Ok(stmt),
            (None, _) => Err(ExecError::Pg(PgError::new(
                pgwire::SqlState::INTERNAL_ERROR,
                "empty statement",
            ))),
        }
    }

    /// Returns a statement to the cache (reset, bindings cleared).
    pub fn checkin(&mut self, key: Arc<str>, mut stmt: Stmt) {
        stmt.recycle();
        if self.cached >= CACHE_LIMIT {
            self.cache.clear();
            self.cached = 0;
        }
        self.cached += 1;
        self.cache.entry(key).or_default().push(stmt);
    }

    /// Parks a cursor between batches; returns its id.
    pub fn park(&mut self, cursor: Cursor) -> u64 {
        self.next_cursor += 1;
        self.cursors.insert(self.next_cursor, cursor);
        self.next_cursor
    }

    /// Closes a finished or abandoned cursor.
    pub fn finish<E: RowSink>(&mut self, cursor: Cursor<E>) {
        self.checkin(cursor.key, cursor.stmt);
    }

    /// Closes the cursors whose streams went away.
    pub fn reap(&mut self, closed: &Mutex<Vec<u64>>) {
        let ids = std::mem::take(&mut *closed.lock().unwrap_or_else(|e| e.into_inner()));
        for id in ids {
            if let Some(c) = self.cursors.remove(&id) {
                self.finish(c);
            }
        }
    }

    /// The next batch of a parked cursor (`None` when it is gone).
    pub fn next_batch(
        &mut self,
        id: u64,
        size: BatchSize,
    ) -> Result<Option<(DataRow, bool)>, PgError> {
        let Some(cursor) = self.cursors.get_mut(&id) else {
            return Ok(None);
        };
        let r = cursor.batch(size);
        let done = !matches!(r, Ok((_, false)));
        if done {
            if let Some(c) = self.cursors.remove(&id) {
                self.finish(c);
            }
        }
        match r {
            Ok(b) => Ok(Some(b)),
            Err(ExecError::Pg(e)) => Err(e),
            Err(ExecError::Retry) => Err(PgError::new(
                pgwire::SqlState::INTERNAL_ERROR,
                "statement cannot be resumed",
            )),
        }
    }

    /// A table's columns and declared types, cached per schema epoch. `Err` when the
    /// lookup would have to wait for a lock on a runtime thread.
    pub fn table_columns(
        &mut self,
        table: &str,
        epoch: u64,
    ) -> Result<Option<TableColumns>, ExecError> {
        let key = table.to_ascii_lowercase();
        if let Some((e, cols)) = self.tables.get(&key) {
            if *e == epoch {
                return Ok(cols.clone());
            }
        }
        let sql: Arc<str> = Arc::from("SELECT name, type FROM pragma_table_info(?1)");
        let mut stmt = self.checkout(&sql)?;
        let mut cols = Vec::new();
        let result = (|| -> Result<(), StepError> {
            stmt.bind_text(1, table)?;
            while stmt.step()? {
                let name = match stmt.value(0) {
                    super::encode::Val::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    _ => continue,
                };
                let decl = match stmt.value(1) {
                    super::encode::Val::Text(t) if !t.is_empty() => {
                        Some(String::from_utf8_lossy(t).into_owned())
                    }
                    _ => None,
                };
                cols.push((name, decl));
            }
            Ok(())
        })();
        self.checkin(sql, stmt);
        result?;
        // The rowid is declared `INTEGER` (64-bit) even when it holds an int4 (`serial`).
        if cols.iter().any(|(_, d)| {
            d.as_deref()
                .is_some_and(|d| d.eq_ignore_ascii_case("integer"))
        }) {
            let rowid = self
                .table_sql(table)?
                .and_then(|sql| super::ddl::rowid_type(&sql));
            if let Some((name, ty)) = rowid {
                for (col, decl) in &mut cols {
                    if col.eq_ignore_ascii_case(&name) {
                        *decl = Some(ty.ty.name().to_owned());
                    }
                }
            }
        }
        let cols = (!cols.is_empty()).then_some(cols);
        self.tables.insert(key, (epoch, cols.clone()));
        Ok(cols)
    }
}

impl SessionDb {
    /// The CREATE TABLE statement of `table` (`None` for no such table).
    pub fn table_sql(&mut self, table: &str) -> Result<Option<String>, ExecError> {
        let key: Arc<str> = Arc::from(
            "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1 COLLATE NOCASE \
             UNION ALL \
             SELECT sql FROM sqlite_temp_schema WHERE type = 'table' AND name = ?1 COLLATE NOCASE",
        );
        let mut stmt = self.checkout(&key)?;
        let found = (|| -> Result<Option<String>, StepError> {
            stmt.bind_text(1, table)?;
            Ok(match (stmt.step()?, stmt.value(0)) {
                (true, super::encode::Val::Text(t)) => {
                    Some(String::from_utf8_lossy(t).into_owned())
                }
                _ => None,
            })
        })();
        self.checkin(key, stmt);
        Ok(found?)
    }
}

/// [`infer::Schema`] over a session's connection.
pub struct SchemaLookup<'a> {
    /// The connection.
    pub db: &'a mut SessionDb,
    /// The schema epoch to cache under.
    pub epoch: u64,
    /// Set when a lookup would have blocked (the caller retries on a blocking thread).
    pub would_block: bool,
}

impl infer::Schema for SchemaLookup<'_> {
    fn columns(&mut self, table: &str) -> Option<Vec<(String, Option<String>)>> {
        match self.db.table_columns(table, self.epoch) {
            Ok(c) => c,
            Err(ExecError::Retry) => {
                self.would_block = true;
                None
            }
            Err(ExecError::Pg(_)) => None,
        }
    }
}
