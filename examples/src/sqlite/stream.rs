//! A result larger than one batch, streamed: each batch is produced on the blocking pool
//! while the previous one is written to the client, so memory stays flat (one batch being
//! made, one being sent) however many rows there are.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::Stream;
use pgwire::error::{PgError, PgResult, SqlState};
use pgwire::types::DataRow;
use tokio::task::JoinHandle;

use super::exec::{Limits, NEXT_BATCH};
use super::session::SessionShared;

type Batch = PgResult<Option<(DataRow, bool)>>;

/// The rows of a parked cursor, batch by batch.
pub struct BatchStream {
    shared: Arc<SessionShared>,
    id: u64,
    limits: Limits,
    first: Option<DataRow>,
    next: Option<JoinHandle<Batch>>,
    done: bool,
}

impl BatchStream {
    /// Streams `first`, then the rest of cursor `id`.
    pub fn new(shared: Arc<SessionShared>, id: u64, limits: Limits, first: DataRow) -> BatchStream {
        BatchStream {
            shared,
            id,
            limits,
            first: Some(first),
            next: None,
            done: false,
        }
    }

    fn fetch(&mut self) {
        let shared = self.shared.clone();
        let id = self.id;
        let mut limits = self.limits.clone();
        // Cancels before this point were for earlier statements.
        limits.generation = limits.cancel.generation();
        self.next = Some(tokio::task::spawn_blocking(move || {
            let mut db = shared.db.blocking_lock();
            db.reap(&shared.closed);
            let _scope = limits.enter(false);
            db.next_batch(id, NEXT_BATCH)
        }));
    }
}

impl Stream for BatchStream {
    type Item = PgResult<DataRow>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let me = &mut *self;
        if let Some(first) = me.first.take() {
            me.fetch();
            return Poll::Ready(Some(Ok(first)));
        }
        let Some(next) = me.next.as_mut() else {
            return Poll::Ready(None);
        };
        let r = match Pin::new(next).poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(r) => r,
        };
        me.next = None;
        match r {
            Ok(Ok(Some((rows, done)))) => {
                me.done = done;
                if !done {
                    me.fetch();
                }
                Poll::Ready(Some(Ok(rows)))
            }
            Ok(Ok(None)) => {
                me.done = true;
                Poll::Ready(None)
            }
            Ok(Err(e)) => {
                me.done = true;
                Poll::Ready(Some(Err(e)))
            }
            Err(join) => {
                me.done = true;
                Poll::Ready(Some(Err(PgError::new(
                    SqlState::INTERNAL_ERROR,
                    format!("row producer failed: {join}"),
                ))))
            }
        }
    }
}

impl Drop for BatchStream {
    fn drop(&mut self) {
        if !self.done {
            self.shared.close_cursor(self.id);
        }
    }
}

use std::future::Future as _;
