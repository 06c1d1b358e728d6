//! The database every session shares, and the per-session connections to it.
//!
//! In memory, sessions share one shared-cache database
//! (`file:pgwire-<pid>-<n>?mode=memory&cache=shared`), kept alive by a connection the
//! server holds; table-level locks between sessions are waited for with
//! `sqlite3_unlock_notify`. On disk, sessions open the file in WAL mode and wait for locks
//! in a busy handler. Either way each session has its own connection, hence its own
//! transaction.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags};

use super::exec;
use super::functions::{self, SessionInfo};

/// A SQLite database served to PostgreSQL clients.
#[derive(Debug)]
pub struct Database {
    uri: String,
    memory: bool,
    /// Keeps a shared in-memory database alive while sessions come and go; checkpoints a
    /// database file's WAL after big writes ([`Database::checkpoint_soon`]).
    keeper: Mutex<Connection>,
    /// Bumped by every schema change, so cached plans know to look again.
    epoch: AtomicU64,
    /// Taken by statements that run inline on a runtime worker. Shared-cache connections
    /// (the in-memory database) serialize on SQLite's own cache mutex at every step anyway;
    /// waiting here instead leaves the worker free for other sessions' I/O, where two
    /// workers stepping at once spent their time handing that mutex back and forth (6 futex
    /// calls per 100-row read).
    inline_gate: tokio::sync::Mutex<()>,
}

fn flags() -> OpenFlags {
    OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
}

impl Database {
    /// A fresh in-memory database, shared by all sessions of this server.
    pub fn in_memory() -> rusqlite::Result<Database> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let uri = format!(
            "file:pgwire-{}-{}?mode=memory&cache=shared",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let keeper = Connection::open_with_flags(&uri, flags())?;
        Ok(Database {
            uri,
            memory: true,
            keeper: Mutex::new(keeper),
            epoch: AtomicU64::new(0),
            inline_gate: tokio::sync::Mutex::new(()),
        })
    }

    /// A database file (created if missing), in WAL mode.
    pub fn open(path: impl AsRef<Path>) -> rusqlite::Result<Database> {
        let uri = path.as_ref().to_string_lossy().into_owned();
        let keeper = Connection::open_with_flags(&uri, flags() & !OpenFlags::SQLITE_OPEN_URI)?;
        let _mode: String = keeper.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        Ok(Database {
            uri,
            memory: false,
            keeper: Mutex::new(keeper),
            epoch: AtomicU64::new(0),
            inline_gate: tokio::sync::Mutex::new(()),
        })
    }

    /// Whether the database lives in memory.
    pub fn is_memory(&self) -> bool {
        self.memory
    }

    /// Held while a statement runs inline (see the field).
    pub async fn inline_turn(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.inline_gate.lock().await
    }

    /// The schema generation (changes after CREATE, DROP, ALTER).
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Notes a schema change.
    pub fn schema_changed(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// Checkpoints a database file's WAL soon, on the blocking pool with the server's own
    /// connection: a big write (a COPY) turns automatic checkpoints off for its transaction
    /// so its COMMIT does not copy the whole WAL into the database, and leaves the copying to
    /// this, as PostgreSQL leaves it to its checkpointer. PASSIVE: it never waits for, or
    /// blocks, readers and writers.
    pub fn checkpoint_soon(self: &Arc<Self>) {
        if self.memory {
            return;
        }
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let me = self.clone();
        rt.spawn_blocking(move || {
            let conn = me.keeper.lock().unwrap_or_else(|e| e.into_inner());
            if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                tracing::debug!(error = %e, "background checkpoint failed");
            }
        });
    }

    /// Opens a session's connection, with PostgreSQL's functions and the callbacks that
    /// implement cancellation, statement timeouts and lock waits.
    pub fn connect(&self, info: &SessionInfo) -> rusqlite::Result<Connection> {
        let mut f = flags();
        if !self.memory {
            f &= !OpenFlags::SQLITE_OPEN_URI;
        }
        let conn = Connection::open_with_flags(&self.uri, f)?;
        conn.busy_handler(Some(exec::busy))?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // PostgreSQL's LIKE is case-sensitive (ILIKE is translated to our regexp()).
        conn.pragma_update(None, "case_sensitive_like", "ON")?;
        if !self.memory {
            conn.pragma_update(None, "synchronous", "NORMAL")?;
        }
        conn.progress_handler(1000, Some(exec::progress));
        functions::register(&conn, info)?;
        rusqlite::vtab::series::load_module(&conn)?;
        Ok(conn)
    }
}
