//! Results larger than one batch, streamed: each batch is made on the blocking pool while
//! the previous one is written to the client, so memory stays flat (one batch being made,
//! one being sent) however many rows there are. [`Prefetch`] does this for any
//! [`Producer`]: a parked cursor's DataRows ([`CursorBatches`]) or COPY data.

use std::future::Future as _;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::Stream;
use pgwire::error::PgResult;
use pgwire::types::DataRow;
use tokio::task::JoinHandle;

use super::exec::{Limits, NEXT_BATCH};
use super::run::join_error;
use super::session::SessionShared;

/// Makes batches on a blocking thread, one at a time; dropping it releases what it holds.
pub trait Producer: Send + Unpin + 'static {
    /// What it makes.
    type Batch: Send + Unpin + 'static;
    /// Called on the runtime before each batch is asked for.
    fn before_fetch(&mut self) {}
    /// Whether the last batch was made (no need to ask again).
    fn exhausted(&self) -> bool;
    /// The next batch (on a blocking thread); `None` after the last.
    fn produce(&mut self) -> PgResult<Option<Self::Batch>>;
}

/// A batch being made on the blocking pool; the producer comes back with it.
type Fetch<P> = JoinHandle<(P, PgResult<Option<<P as Producer>::Batch>>)>;

/// A producer's batches as a stream: `first`, then each next one made while the previous
/// one is sent.
pub struct Prefetch<P: Producer> {
    first: Option<P::Batch>,
    idle: Option<P>,
    next: Option<Fetch<P>>,
}

impl<P: Producer> Prefetch<P> {
    /// Streams `first` (already made), then what `producer` makes.
    pub fn new(producer: P, first: Option<P::Batch>) -> Prefetch<P> {
        Prefetch {
            first,
            idle: Some(producer),
            next: None,
        }
    }

    fn fetch(&mut self) {
        match self.idle.take() {
            Some(p) if p.exhausted() => {}
            Some(mut p) => {
                p.before_fetch();
                self.next = Some(tokio::task::spawn_blocking(move || {
                    let r = p.produce();
                    (p, r)
                }));
            }
            None => {}
        }
    }
}

impl<P: Producer> Stream for Prefetch<P> {
    type Item = PgResult<P::Batch>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let me = self.get_mut();
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
            Ok((producer, Ok(Some(batch)))) => {
                me.idle = Some(producer);
                me.fetch();
                Poll::Ready(Some(Ok(batch)))
            }
            Ok((_, Ok(None))) => Poll::Ready(None),
            Ok((_, Err(e))) => Poll::Ready(Some(Err(e))),
            Err(join) => Poll::Ready(Some(Err(join_error(join)))),
        }
    }
}

/// The rest of a parked cursor's rows, batch by batch; closes the cursor when dropped
/// before its end.
pub struct CursorBatches {
    shared: Arc<SessionShared>,
    id: u64,
    limits: Limits,
    done: bool,
}

impl CursorBatches {
    /// Streams `first`, then the rest of cursor `id`.
    pub fn stream(
        shared: Arc<SessionShared>,
        id: u64,
        limits: Limits,
        first: DataRow,
    ) -> Prefetch<CursorBatches> {
        let producer = CursorBatches {
            shared,
            id,
            limits,
            done: false,
        };
        Prefetch::new(producer, Some(first))
    }
}

impl Producer for CursorBatches {
    type Batch = DataRow;

    fn before_fetch(&mut self) {
        // Cancels before this point were for earlier statements.
        self.limits.generation = self.limits.cancel.generation();
    }

    fn exhausted(&self) -> bool {
        self.done
    }

    fn produce(&mut self) -> PgResult<Option<DataRow>> {
        let mut db = self.shared.db.blocking_lock();
        db.reap(&self.shared.closed);
        let _scope = self.limits.enter(false);
        let r = db.next_batch(self.id, NEXT_BATCH);
        self.done = !matches!(r, Ok(Some((_, false))));
        Ok(r?.map(|(rows, _)| rows))
    }
}

impl Drop for CursorBatches {
    fn drop(&mut self) {
        if !self.done {
            self.shared.close_cursor(self.id);
        }
    }
}
