//! Running statements: the per-thread execution context that SQLite's callbacks consult
//! (cancellation, statement timeout, the inline time budget) and the batch loop that steps a
//! statement and encodes its rows.
//!
//! Statements run in one of two modes:
//!
//! - **inline**, on the runtime worker that handles the session, for read-only statements
//!   whose first batch is cheap (most queries): no thread hop. The progress handler stops
//!   the statement when it runs past a small time budget, and anything that would wait (a
//!   lock held by another session, `pg_sleep`) asks for a retry instead. Nothing has been
//!   sent yet at that point and the statement is read-only, so it simply runs again:
//! - **blocking**, on tokio's blocking pool, where waiting is fine: writes, retries, and
//!   every batch after the first.

use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pgwire::cancel::CancelToken;
use pgwire::copy::{CopyDataBatch, CopyEncoder};
use pgwire::error::{PgError, PgResult, SqlState};
use pgwire::types::{DataRow, DataRowEncoder};

use super::encode::Cell as Field;
use super::errors::{self, SqliteError};
use super::raw::{StepError, Stmt};
use super::types::ColKind;

const RETRY: u8 = 1;
const CANCELLED: u8 = 2;
const TIMED_OUT: u8 = 4;

/// How long an inline run may take before it is moved to a blocking thread.
pub const INLINE_BUDGET: Duration = Duration::from_micros(1000);

/// What a run may do, and what stopped it.
pub struct ExecCtx {
    inline: bool,
    budget: Option<Instant>,
    deadline: Option<Instant>,
    cancel: CancelToken,
    generation: u64,
    flags: Cell<u8>,
}

thread_local! {
    static CTX: RefCell<Option<ExecCtx>> = const { RefCell::new(None) };
}

/// Where a statement's limits come from: the session's cancel token (as of the statement's
/// start) and its `statement_timeout`.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The session's cancel token.
    pub cancel: CancelToken,
    /// Its generation when the statement started.
    pub generation: u64,
    /// When `statement_timeout` expires.
    pub deadline: Option<Instant>,
}

impl Limits {
    /// Limits for a statement starting now.
    pub fn new(cancel: &CancelToken, timeout: Option<Duration>) -> Limits {
        Limits {
            cancel: cancel.clone(),
            generation: cancel.generation(),
            deadline: timeout.map(|t| Instant::now() + t),
        }
    }

    /// Makes this thread run under these limits until the guard drops.
    pub fn enter(&self, inline: bool) -> Scope {
        CTX.with(|c| {
            *c.borrow_mut() = Some(ExecCtx {
                inline,
                budget: inline.then(|| Instant::now() + INLINE_BUDGET),
                deadline: self.deadline,
                cancel: self.cancel.clone(),
                generation: self.generation,
                flags: Cell::new(0),
            });
        });
        Scope(())
    }
}

/// Clears the thread's context on drop.
pub struct Scope(());

impl Drop for Scope {
    fn drop(&mut self) {
        CTX.with(|c| c.borrow_mut().take());
    }
}

fn with<R>(f: impl FnOnce(&ExecCtx) -> R) -> Option<R> {
    CTX.with(|c| c.borrow().as_ref().map(f))
}

/// Whether this thread runs a statement inline (must not block).
pub fn is_inline() -> bool {
    with(|c| c.inline).unwrap_or(false)
}

/// Asks for the statement to be run again on a blocking thread.
pub fn request_retry() {
    with(|c| c.flags.set(c.flags.get() | RETRY));
}

/// Why a run must stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The client cancelled.
    Cancelled,
    /// `statement_timeout` passed.
    TimedOut,
}

/// Checks cancellation and the statement timeout (and records what it found).
pub fn interrupted() -> Option<Stop> {
    with(|c| {
        if c.cancel.is_cancelled_since(c.generation) {
            c.flags.set(c.flags.get() | CANCELLED);
            return Some(Stop::Cancelled);
        }
        if c.deadline.is_some_and(|d| Instant::now() >= d) {
            c.flags.set(c.flags.get() | TIMED_OUT);
            return Some(Stop::TimedOut);
        }
        None
    })
    .flatten()
}

/// SQLite's progress handler: true interrupts the statement.
pub fn progress() -> bool {
    if interrupted().is_some() {
        return true;
    }
    with(|c| {
        if c.budget.is_some_and(|b| Instant::now() >= b) {
            c.flags.set(c.flags.get() | RETRY);
            return true;
        }
        false
    })
    .unwrap_or(false)
}

/// SQLite's busy handler (file databases): wait a little and retry, unless inline,
/// cancelled, timed out, or waiting for more than half a minute.
pub fn busy(count: i32) -> bool {
    if is_inline() {
        request_retry();
        return false;
    }
    if interrupted().is_some() || count > 3000 {
        return false;
    }
    std::thread::sleep(Duration::from_millis(if count < 10 { 1 } else { 10 }));
    true
}

/// Sleeps for `d` unless interrupted; false when it did not sleep the whole time (inline:
/// a retry was requested; otherwise cancelled or timed out).
pub fn sleep(d: Duration) -> bool {
    if is_inline() {
        request_retry();
        return false;
    }
    let end = Instant::now() + d;
    loop {
        if interrupted().is_some() {
            return false;
        }
        let now = Instant::now();
        if now >= end {
            return true;
        }
        std::thread::sleep((end - now).min(Duration::from_millis(10)));
    }
}

/// How a run failed.
#[derive(Debug)]
pub enum ExecError {
    /// Run it again on a blocking thread (only for inline runs, before anything was sent).
    Retry,
    /// Report this.
    Pg(PgError),
}

impl From<PgError> for ExecError {
    fn from(e: PgError) -> Self {
        ExecError::Pg(e)
    }
}

/// The error to report for a SQLite failure, given what the callbacks recorded.
pub fn sqlite_error(e: SqliteError) -> ExecError {
    let flags = with(|c| c.flags.get()).unwrap_or(0);
    if flags & CANCELLED != 0 {
        ExecError::Pg(PgError::query_canceled())
    } else if flags & TIMED_OUT != 0 {
        ExecError::Pg(PgError::new(
            SqlState::QUERY_CANCELED,
            "canceling statement due to statement timeout",
        ))
    } else if flags & RETRY != 0 && is_inline() {
        ExecError::Retry
    } else {
        ExecError::Pg(errors::to_pg(&e))
    }
}

impl From<StepError> for ExecError {
    fn from(e: StepError) -> Self {
        match e {
            StepError::WouldBlock => ExecError::Retry,
            StepError::Sqlite(e) => sqlite_error(e),
        }
    }
}

/// Where a cursor's rows are encoded: DataRows for a query, COPY data for `COPY … TO`.
pub trait RowSink: Send {
    /// What a full batch is handed out as.
    type Batch;
    /// Appends the next field of the current row.
    fn field(&mut self, field: &Field<'_>) -> PgResult<()>;
    /// Ends the current row.
    fn end_row(&mut self) -> PgResult<()>;
    /// Drops a partly encoded row.
    fn discard_row(&mut self);
    /// Bytes of completed rows waiting.
    fn pending_bytes(&self) -> usize;
    /// Takes the completed rows.
    fn take(&mut self) -> Self::Batch;
    /// Takes the completed rows and ends the data (a binary COPY's trailer).
    fn finish(&mut self) -> PgResult<Self::Batch>;
}

impl RowSink for DataRowEncoder {
    type Batch = DataRow;
    #[inline]
    fn field(&mut self, field: &Field<'_>) -> PgResult<()> {
        self.encode_field(field)
    }
    fn end_row(&mut self) -> PgResult<()> {
        DataRowEncoder::end_row(self)
    }
    fn discard_row(&mut self) {
        DataRowEncoder::discard_row(self)
    }
    fn pending_bytes(&self) -> usize {
        DataRowEncoder::pending_bytes(self)
    }
    fn take(&mut self) -> DataRow {
        self.take_rows()
    }
    fn finish(&mut self) -> PgResult<DataRow> {
        Ok(self.take_rows())
    }
}

impl RowSink for CopyEncoder {
    type Batch = CopyDataBatch;
    #[inline]
    fn field(&mut self, field: &Field<'_>) -> PgResult<()> {
        self.encode_field(field)
    }
    fn end_row(&mut self) -> PgResult<()> {
        CopyEncoder::end_row(self)
    }
    fn discard_row(&mut self) {
        CopyEncoder::discard_row(self)
    }
    fn pending_bytes(&self) -> usize {
        CopyEncoder::pending_bytes(self)
    }
    fn take(&mut self) -> CopyDataBatch {
        self.take_batch()
    }
    fn finish(&mut self) -> PgResult<CopyDataBatch> {
        CopyEncoder::finish(self)
    }
}

/// A statement being stepped, with the encoder for its rows.
pub struct Cursor<E: RowSink = DataRowEncoder> {
    /// The statement (checked out of the session's cache).
    pub stmt: Stmt,
    /// Its cache key (the SQL).
    pub key: Arc<str>,
    /// How to encode each column.
    pub kinds: Arc<[ColKind]>,
    /// Where rows go.
    pub enc: E,
    /// Storage classes of the first row, when asked for (simple-protocol type inference).
    pub first_row: Option<Vec<i32>>,
    /// Whether to record `first_row`.
    pub want_first_row: bool,
}

/// How much one batch may hold.
#[derive(Debug, Clone, Copy)]
pub struct BatchSize {
    /// Stop after this many bytes of rows.
    pub bytes: usize,
    /// Stop after this long (checked every 64 rows).
    pub time: Duration,
}

/// The first batch, run inline.
pub const FIRST_BATCH: BatchSize = BatchSize {
    bytes: 64 * 1024,
    time: INLINE_BUDGET,
};

/// Later batches, on a blocking thread.
pub const NEXT_BATCH: BatchSize = BatchSize {
    bytes: 128 * 1024,
    time: Duration::from_millis(20),
};

impl<E: RowSink> Cursor<E> {
    /// Steps and encodes rows until the batch is full or the statement is done; returns the
    /// rows and whether it is done.
    pub fn batch(&mut self, size: BatchSize) -> Result<(E::Batch, bool), ExecError> {
        let ncols = self.kinds.len();
        let start = Instant::now();
        let mut n: u32 = 0;
        loop {
            if !self.stmt.step()? {
                return Ok((self.enc.finish()?, true));
            }
            if self.stmt.rows_returned() == 1 && self.stmt.column_count() != ncols {
                // SQLite re-prepared it after a schema change and its columns moved.
                return Err(ExecError::Pg(PgError::not_supported(
                    "cached plan must not change result type",
                )));
            }
            if self.want_first_row && self.first_row.is_none() {
                self.first_row = Some((0..ncols).map(|i| self.stmt.column_type(i)).collect());
            }
            for i in 0..ncols {
                let field = Field {
                    kind: self.kinds[i],
                    val: self.stmt.value(i),
                };
                if let Err(e) = self.enc.field(&field) {
                    self.enc.discard_row();
                    return Err(e.into());
                }
            }
            self.enc.end_row()?;
            n += 1;
            if self.enc.pending_bytes() >= size.bytes
                || (n % 64 == 0 && start.elapsed() >= size.time)
            {
                return Ok((self.enc.take(), false));
            }
        }
    }
}
