//! Prepared statements at the level of the SQLite C API.
//!
//! rusqlite ties a statement's rows to a borrow of the statement (and resets it when they
//! are dropped), which rules out what a PostgreSQL portal needs: a statement left half-way
//! through its rows while others run on the same connection, resumed later, possibly from
//! another thread. [`Stmt`] owns a `sqlite3_stmt` and steps it directly.
//!
//! Invariants (kept by [`super::session::SessionDb`], which owns the connection and every
//! statement): a `Stmt` is used only while its session's lock is held, and all of a
//! connection's statements are finalized before the connection closes.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::ptr::NonNull;
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use rusqlite::ffi;

use super::encode::Val;
use super::errors::SqliteError;
use super::exec;

/// A raw connection handle (owned by a `rusqlite::Connection`).
#[derive(Debug, Clone, Copy)]
pub struct Db(pub(crate) *mut ffi::sqlite3);

/// The error of the last failed call on `db`.
pub fn last_error(db: *mut ffi::sqlite3, code: c_int) -> SqliteError {
    // SAFETY: `db` is a live connection; errmsg returns a NUL-terminated string owned by it.
    let message = unsafe {
        let p = ffi::sqlite3_errmsg(db);
        if p.is_null() {
            String::new()
        } else {
            CStr::from_ptr(p).to_string_lossy().into_owned()
        }
    };
    SqliteError { code, message }
}

/// Why a step or prepare did not succeed.
#[derive(Debug)]
pub enum StepError {
    /// SQLite failed.
    Sqlite(SqliteError),
    /// The table is locked by another session and this thread may not wait (it is a
    /// runtime worker): run again on a blocking thread.
    WouldBlock,
}

impl From<SqliteError> for StepError {
    fn from(e: SqliteError) -> Self {
        StepError::Sqlite(e)
    }
}

/// An owned prepared statement.
#[derive(Debug)]
pub struct Stmt {
    ptr: NonNull<ffi::sqlite3_stmt>,
    db: *mut ffi::sqlite3,
    /// Rows returned since the last reset.
    rows: u64,
}

// SAFETY: the connection is opened in multi-thread mode (SQLITE_OPEN_NO_MUTEX); a statement
// is only touched while its session's lock is held, so never from two threads at once.
unsafe impl Send for Stmt {}

impl Drop for Stmt {
    fn drop(&mut self) {
        // SAFETY: the statement is live and finalized once; its connection is still open
        // (statements are dropped before their connection).
        unsafe {
            ffi::sqlite3_finalize(self.ptr.as_ptr());
        }
    }
}

/// Whether `code` means "locked by another connection of the shared cache".
fn shared_cache_locked(code: c_int) -> bool {
    code == ffi::SQLITE_LOCKED_SHAREDCACHE
}

impl Db {
    /// Prepares the first statement of `sql`; returns it (None for only whitespace or
    /// comments) and the byte offset of the rest.
    pub fn prepare(self, sql: &str) -> Result<(Option<Stmt>, usize), StepError> {
        loop {
            let mut stmt: *mut ffi::sqlite3_stmt = std::ptr::null_mut();
            let mut tail: *const c_char = std::ptr::null();
            let len = c_int::try_from(sql.len()).map_err(|_| SqliteError {
                code: ffi::SQLITE_TOOBIG,
                message: "statement too long".into(),
            })?;
            // SAFETY: `sql` is valid for `len` bytes; out-pointers are valid.
            let rc = unsafe {
                ffi::sqlite3_prepare_v3(
                    self.0,
                    sql.as_ptr().cast(),
                    len,
                    ffi::SQLITE_PREPARE_PERSISTENT,
                    &mut stmt,
                    &mut tail,
                )
            };
            if rc == ffi::SQLITE_OK {
                let offset = if tail.is_null() {
                    sql.len()
                } else {
                    (tail as usize).saturating_sub(sql.as_ptr() as usize)
                };
                let stmt = NonNull::new(stmt).map(|ptr| Stmt {
                    ptr,
                    db: self.0,
                    rows: 0,
                });
                return Ok((stmt, offset));
            }
            let code = unsafe { ffi::sqlite3_extended_errcode(self.0) };
            if shared_cache_locked(code) {
                wait_for_unlock(self.0)?;
                continue;
            }
            return Err(last_error(self.0, code).into());
        }
    }

    /// Whether the connection is outside any transaction.
    pub fn autocommit(self) -> bool {
        // SAFETY: live connection.
        unsafe { ffi::sqlite3_get_autocommit(self.0) != 0 }
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    pub fn changes(self) -> u64 {
        // SAFETY: live connection.
        unsafe { ffi::sqlite3_changes64(self.0) as u64 }
    }
}

impl Stmt {
    fn err(&self, code: c_int) -> SqliteError {
        last_error(self.db, code)
    }

    /// Advances to the next row: `Ok(true)` when there is one, `Ok(false)` when done.
    ///
    /// A table locked by another session (shared cache) is waited for with
    /// `sqlite3_unlock_notify` before any row was returned; on a runtime worker thread the
    /// caller gets [`StepError::WouldBlock`] instead.
    #[inline]
    pub fn step(&mut self) -> Result<bool, StepError> {
        loop {
            // SAFETY: live statement, used by one thread at a time.
            let rc = unsafe { ffi::sqlite3_step(self.ptr.as_ptr()) };
            match rc {
                ffi::SQLITE_ROW => {
                    self.rows += 1;
                    return Ok(true);
                }
                ffi::SQLITE_DONE => return Ok(false),
                rc if shared_cache_locked(rc) && self.rows == 0 => {
                    wait_for_unlock(self.db)?;
                    // SAFETY: live statement.
                    unsafe { ffi::sqlite3_reset(self.ptr.as_ptr()) };
                }
                rc => return Err(self.err(rc).into()),
            }
        }
    }

    /// Rows returned since the last reset.
    #[inline]
    pub fn rows_returned(&self) -> u64 {
        self.rows
    }

    /// Resets to run again (bindings stay).
    pub fn reset(&mut self) {
        self.rows = 0;
        // SAFETY: live statement.
        unsafe { ffi::sqlite3_reset(self.ptr.as_ptr()) };
    }

    /// Resets and clears bindings (before going back to a cache).
    pub fn recycle(&mut self) {
        self.reset();
        // SAFETY: live statement.
        unsafe { ffi::sqlite3_clear_bindings(self.ptr.as_ptr()) };
    }

    /// Number of `?n` parameters (the largest n).
    pub fn param_count(&self) -> usize {
        // SAFETY: live statement.
        unsafe { ffi::sqlite3_bind_parameter_count(self.ptr.as_ptr()) as usize }
    }

    /// Number of result columns.
    pub fn column_count(&self) -> usize {
        // SAFETY: live statement.
        unsafe { ffi::sqlite3_column_count(self.ptr.as_ptr()) as usize }
    }

    fn cstr(p: *const c_char) -> Option<String> {
        if p.is_null() {
            None
        } else {
            // SAFETY: SQLite returns NUL-terminated UTF-8 valid until the next call.
            Some(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
        }
    }

    /// Column `i`'s name.
    pub fn column_name(&self, i: usize) -> String {
        // SAFETY: live statement, index checked by SQLite (NULL when out of range).
        Self::cstr(unsafe { ffi::sqlite3_column_name(self.ptr.as_ptr(), i as c_int) })
            .unwrap_or_default()
    }

    /// Column `i`'s declared type, when it is a table column.
    pub fn column_decltype(&self, i: usize) -> Option<String> {
        // SAFETY: as above.
        Self::cstr(unsafe { ffi::sqlite3_column_decltype(self.ptr.as_ptr(), i as c_int) })
            .filter(|d| !d.trim().is_empty())
    }

    /// The table and column that result column `i` comes straight from, if it does.
    pub fn column_origin(&self, i: usize) -> Option<(String, String)> {
        // SAFETY: as above (the bundled SQLite has column metadata).
        let table =
            Self::cstr(unsafe { ffi::sqlite3_column_table_name(self.ptr.as_ptr(), i as c_int) })?;
        // SAFETY: as above.
        let column =
            Self::cstr(unsafe { ffi::sqlite3_column_origin_name(self.ptr.as_ptr(), i as c_int) })?;
        Some((table, column))
    }

    /// Whether the statement writes nothing (SELECT, BEGIN, …).
    pub fn readonly(&self) -> bool {
        // SAFETY: live statement.
        unsafe { ffi::sqlite3_stmt_readonly(self.ptr.as_ptr()) != 0 }
    }

    /// The storage class of column `i` in the current row.
    #[inline]
    pub fn column_type(&self, i: usize) -> c_int {
        // SAFETY: live statement positioned on a row.
        unsafe { ffi::sqlite3_column_type(self.ptr.as_ptr(), i as c_int) }
    }

    /// Column `i` of the current row.
    #[inline]
    pub fn value(&self, i: usize) -> Val<'_> {
        let p = self.ptr.as_ptr();
        let i = i as c_int;
        // SAFETY: live statement positioned on a row; text/blob pointers stay valid until
        // the next step/reset/finalize, which need `&mut self`, so not while the borrow lives.
        unsafe {
            match ffi::sqlite3_column_type(p, i) {
                ffi::SQLITE_INTEGER => Val::Int(ffi::sqlite3_column_int64(p, i)),
                ffi::SQLITE_FLOAT => Val::Real(ffi::sqlite3_column_double(p, i)),
                ffi::SQLITE_TEXT => {
                    let t = ffi::sqlite3_column_text(p, i);
                    let n = ffi::sqlite3_column_bytes(p, i) as usize;
                    if t.is_null() {
                        Val::Text(&[])
                    } else {
                        Val::Text(std::slice::from_raw_parts(t, n))
                    }
                }
                ffi::SQLITE_BLOB => {
                    let b = ffi::sqlite3_column_blob(p, i);
                    let n = ffi::sqlite3_column_bytes(p, i) as usize;
                    if b.is_null() || n == 0 {
                        Val::Blob(&[])
                    } else {
                        Val::Blob(std::slice::from_raw_parts(b.cast(), n))
                    }
                }
                _ => Val::Null,
            }
        }
    }

    fn check(&self, rc: c_int) -> Result<(), SqliteError> {
        if rc == ffi::SQLITE_OK {
            Ok(())
        } else {
            Err(self.err(rc))
        }
    }

    /// Binds NULL to parameter `i` (1-based).
    pub fn bind_null(&mut self, i: usize) -> Result<(), SqliteError> {
        // SAFETY: live statement.
        self.check(unsafe { ffi::sqlite3_bind_null(self.ptr.as_ptr(), i as c_int) })
    }

    /// Binds an integer.
    pub fn bind_int(&mut self, i: usize, v: i64) -> Result<(), SqliteError> {
        // SAFETY: live statement.
        self.check(unsafe { ffi::sqlite3_bind_int64(self.ptr.as_ptr(), i as c_int, v) })
    }

    /// Binds a float.
    pub fn bind_real(&mut self, i: usize, v: f64) -> Result<(), SqliteError> {
        // SAFETY: live statement.
        self.check(unsafe { ffi::sqlite3_bind_double(self.ptr.as_ptr(), i as c_int, v) })
    }

    /// Binds text (copied by SQLite).
    pub fn bind_text(&mut self, i: usize, v: &str) -> Result<(), SqliteError> {
        self.bind_utf8(i, v.as_bytes())
    }

    /// Binds bytes already known to be UTF-8 as text (a decoded text COPY field), without
    /// checking them again.
    pub fn bind_utf8(&mut self, i: usize, v: &[u8]) -> Result<(), SqliteError> {
        // SAFETY: `v` is valid for its length; SQLITE_TRANSIENT makes SQLite copy it.
        self.check(unsafe {
            ffi::sqlite3_bind_text64(
                self.ptr.as_ptr(),
                i as c_int,
                v.as_ptr().cast(),
                v.len() as u64,
                ffi::SQLITE_TRANSIENT(),
                ffi::SQLITE_UTF8 as u8,
            )
        })
    }

    /// Binds a blob (copied by SQLite).
    pub fn bind_blob(&mut self, i: usize, v: &[u8]) -> Result<(), SqliteError> {
        // SAFETY: as for text.
        self.check(unsafe {
            ffi::sqlite3_bind_blob64(
                self.ptr.as_ptr(),
                i as c_int,
                v.as_ptr().cast(),
                v.len() as u64,
                ffi::SQLITE_TRANSIENT(),
            )
        })
    }
}

/// What `sqlite3_unlock_notify` signals.
struct Unlock {
    fired: Mutex<bool>,
    cond: Condvar,
}

unsafe extern "C" fn unlock_callback(args: *mut *mut c_void, n: c_int) {
    for k in 0..n as usize {
        // SAFETY: each argument is the `Unlock` registered by a waiter below, alive until
        // that waiter cancels its registration (which cannot overlap this call: SQLite holds
        // its notify mutex for both).
        let u = unsafe { &*(*args.add(k) as *const Unlock) };
        *u.fired.lock().unwrap_or_else(|e| e.into_inner()) = true;
        u.cond.notify_all();
    }
}

/// Blocks until the connection holding the lock `db` waits for finishes its transaction.
/// Cancellation and statement timeouts end the wait; a deadlock is reported at once.
fn wait_for_unlock(db: *mut ffi::sqlite3) -> Result<(), StepError> {
    if exec::is_inline() {
        exec::request_retry();
        return Err(StepError::WouldBlock);
    }
    let unlock = Box::new(Unlock {
        fired: Mutex::new(false),
        cond: Condvar::new(),
    });
    let arg = &*unlock as *const Unlock as *mut c_void;
    // SAFETY: live connection; `unlock` outlives the registration (cancelled below).
    let rc = unsafe { ffi::sqlite3_unlock_notify(db, Some(unlock_callback), arg) };
    if rc != ffi::SQLITE_OK {
        return Err(StepError::Sqlite(SqliteError {
            code: ffi::SQLITE_LOCKED,
            message: "deadlock detected".into(),
        }));
    }
    let mut stop = None;
    {
        let mut fired = unlock.fired.lock().unwrap_or_else(|e| e.into_inner());
        while !*fired {
            if let Some(reason) = exec::interrupted() {
                stop = Some(reason);
                break;
            }
            fired = unlock
                .cond
                .wait_timeout(fired, Duration::from_millis(10))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
    // SAFETY: cancels any pending callback so that `unlock` can be freed.
    unsafe { ffi::sqlite3_unlock_notify(db, None, std::ptr::null_mut()) };
    match stop {
        None => Ok(()),
        Some(_) => Err(StepError::Sqlite(SqliteError {
            code: ffi::SQLITE_INTERRUPT,
            message: "interrupted".into(),
        })),
    }
}
