//! COPY: the protocol side of `COPY … FROM STDIN` and `COPY … TO STDOUT`.
//!
//! A handler answers a COPY statement with [`Response::CopyIn`](crate::Response::CopyIn) or
//! [`Response::CopyOut`](crate::Response::CopyOut). For COPY FROM, the runtime sends
//! CopyInResponse and hands the handler's consumer a [`CopyInStream`] of the client's
//! CopyData payloads, pulled with backpressure (a client sending 1 GB never makes the server
//! hold more than a few chunks); CopyFail arrives as a 57014 error item and a lost client as
//! an 08006 one, so a consumer that runs in a transaction rolls back. For COPY TO, the
//! handler returns a stream of [`CopyChunk`]s and the runtime sends them as CopyData.

pub(crate) mod protocol;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::future::BoxFuture;
use futures::stream::{BoxStream, Stream, StreamExt};
use tokio::sync::mpsc;

use crate::error::{PgError, PgResult};
use crate::types::Format;

/// The formats a COPY announces: overall text or binary, and one format per column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyFormat {
    /// Overall format: binary COPY (`FORMAT binary`) or textual (text and CSV).
    pub binary: bool,
    /// Number of columns (each column's format follows the overall format).
    pub columns: usize,
}

impl CopyFormat {
    /// Text or CSV COPY of `columns` columns.
    pub fn text(columns: usize) -> CopyFormat {
        CopyFormat {
            binary: false,
            columns,
        }
    }

    /// Binary COPY of `columns` columns.
    pub fn binary(columns: usize) -> CopyFormat {
        CopyFormat {
            binary: true,
            columns,
        }
    }

    pub(crate) fn response(&self) -> crate::codec::CopyResponse {
        let f = if self.binary {
            Format::Binary
        } else {
            Format::Text
        };
        crate::codec::CopyResponse {
            format: f.code() as i8,
            column_formats: vec![f.code(); self.columns],
        }
    }
}

/// The client's CopyData payloads for a COPY FROM STDIN, in order. Ends after CopyDone;
/// yields an error (and then ends) on CopyFail or when the client goes away.
pub struct CopyInStream {
    rx: mpsc::Receiver<PgResult<Bytes>>,
}

impl fmt::Debug for CopyInStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CopyInStream").finish_non_exhaustive()
    }
}

impl Stream for CopyInStream {
    type Item = PgResult<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.rx.poll_recv(cx)
    }
}

/// A COPY FROM STDIN in progress: its formats and the consumer of the client's data.
pub struct CopyIn {
    pub(crate) format: CopyFormat,
    pub(crate) consumer: Box<dyn FnOnce(CopyInStream) -> BoxFuture<'static, PgResult<u64>> + Send>,
}

impl fmt::Debug for CopyIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CopyIn")
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl CopyIn {
    /// A COPY FROM whose data goes to `consumer`, which returns the number of rows it
    /// stored (the `COPY n` tag) or an error (the COPY fails).
    ///
    /// ```
    /// use futures::StreamExt;
    /// use pgwire::copy::{CopyFormat, CopyIn};
    ///
    /// let copy = CopyIn::new(CopyFormat::text(2), |mut data| async move {
    ///     let mut bytes = 0u64;
    ///     while let Some(chunk) = data.next().await {
    ///         bytes += chunk?.len() as u64;
    ///     }
    ///     Ok(bytes)
    /// });
    /// # let _ = copy;
    /// ```
    pub fn new<F, Fut>(format: CopyFormat, consumer: F) -> CopyIn
    where
        F: FnOnce(CopyInStream) -> Fut + Send + 'static,
        Fut: Future<Output = PgResult<u64>> + Send + 'static,
    {
        CopyIn {
            format,
            consumer: Box::new(move |s| Box::pin(consumer(s))),
        }
    }
}

/// Part of a COPY TO STDOUT: CopyData payload(s) and how many rows they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyChunk {
    /// The bytes (one or more whole rows in the COPY's format, or a binary header/trailer).
    pub data: Bytes,
    /// Rows in `data` (counted for the `COPY n` tag).
    pub rows: u64,
}

/// A COPY TO STDOUT: its formats and the stream of data.
pub struct CopyOut {
    pub(crate) format: CopyFormat,
    pub(crate) chunks: BoxStream<'static, PgResult<CopyChunk>>,
}

impl fmt::Debug for CopyOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CopyOut")
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl CopyOut {
    /// A COPY TO whose data comes from `chunks`.
    pub fn new(
        format: CopyFormat,
        chunks: impl Stream<Item = PgResult<CopyChunk>> + Send + 'static,
    ) -> CopyOut {
        CopyOut {
            format,
            chunks: chunks.boxed(),
        }
    }
}

/// 57014, as PostgreSQL reports a CopyFail from the client.
pub(crate) fn copy_failed(message: &str) -> PgError {
    PgError::new(
        crate::SqlState::QUERY_CANCELED,
        format!("COPY from stdin failed: {message}"),
    )
}
