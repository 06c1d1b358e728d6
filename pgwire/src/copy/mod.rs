//! COPY: `COPY … FROM STDIN` and `COPY … TO STDOUT` in text, CSV and binary formats.
//!
//! A handler answers a COPY statement with [`Response::CopyIn`](crate::Response::CopyIn) or
//! [`Response::CopyOut`](crate::Response::CopyOut).
//!
//! The typed API does the formats: [`CopyStatement::parse`] reads the statement (table,
//! columns, options) as PostgreSQL 15 does; [`CopyIn::rows`] hands the consumer a
//! [`CopyReader`] of decoded [`CopyRow`]s (`row.get::<i64>(0)?`), and [`CopyOut::rows`] turns a
//! stream of rows (tuples of values) into COPY data. Errors are PostgreSQL's, with its context
//! (`COPY t, line 5, column n: "abc"`).
//!
//! ```
//! use futures::stream;
//! use pgwire::copy::{CopyDirection, CopyIn, CopyOut, CopyStatement};
//! use pgwire::prelude::*;
//!
//! fn answer(sql: &str) -> PgResult<Response> {
//!     let copy = CopyStatement::parse(sql)?;
//!     let table = [Column::new("id", Type::INT8), Column::new("name", Type::TEXT)];
//!     let columns = copy.select_columns(&table)?;
//!     Ok(match copy.direction {
//!         CopyDirection::From => Response::CopyIn(CopyIn::rows(&copy, columns, |mut rows| async move {
//!             while let Some(row) = rows.next_row().await? {
//!                 let (_id, _name): (i64, Option<String>) = (row.get(0)?, row.get(1)?);
//!             }
//!             Ok(rows.rows())
//!         })?),
//!         CopyDirection::To => {
//!             let data = stream::iter([Ok((1i64, "one")), Ok((2, "two"))]);
//!             Response::CopyOut(CopyOut::rows(&copy, columns, data)?)
//!         }
//!     })
//! }
//! # answer("COPY t TO STDOUT (FORMAT csv)").unwrap();
//! ```
//!
//! Underneath, [`CopyDecoder`] and [`CopyEncoder`] do the formats without I/O, and the raw
//! API stays: for COPY FROM the runtime sends CopyInResponse and hands the consumer given to
//! [`CopyIn::new`] a [`CopyInStream`] of the client's CopyData payloads, pulled with
//! backpressure (a client sending 1 GB never makes the server hold more than a few chunks);
//! CopyFail arrives as a 57014 error item and a lost client as an 08006 one, so a consumer
//! that runs in a transaction rolls back. For COPY TO, [`CopyOut::new`] takes a stream of
//! [`CopyChunk`]s and the runtime sends them as CopyData.

mod binary;
mod csv;
mod decode;
mod encode;
mod lines;
mod options;
pub(crate) mod protocol;
mod reader;
mod row;
mod statement;
mod text;

#[cfg(test)]
mod tests;

pub(crate) use decode::not_referenced;
pub use decode::{CopyDecoder, Decoded, MAX_ROW_BYTES};
pub use encode::{CHUNK_BYTES, CopyDataBatch, CopyEncoder, ToCopyRow};
pub use options::{CopyDirection, CopyOptions, FileFormat, ForceQuote, Header};
pub use reader::CopyReader;
pub use row::{CopyRow, RowBatch};
pub use statement::{CopySource, CopyStatement, TableName, is_copy};

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::future::BoxFuture;
use futures::stream::{BoxStream, Stream, StreamExt};
use tokio::sync::mpsc;

use crate::error::{PgError, PgResult};
use crate::types::{Column, Format};

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

    /// The formats a COPY of `columns` columns with `options` announces.
    pub fn of(options: &CopyOptions, columns: usize) -> CopyFormat {
        CopyFormat {
            binary: options.format == FileFormat::Binary,
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

impl CopyIn {
    /// A COPY FROM whose rows are decoded (in `statement`'s format and options) for
    /// `columns` and read by `consumer` from a [`CopyReader`]; it returns the row count (the
    /// `COPY n` tag) or an error. An error the consumer returns without context gets
    /// PostgreSQL's `COPY t, line N` for the row being read.
    ///
    /// Fails at once (before the client is asked for data, as PostgreSQL does) when the
    /// options do not fit the columns (a FORCE_NOT_NULL column the COPY lacks…).
    pub fn rows<F, Fut>(
        statement: &CopyStatement,
        columns: Arc<[Column]>,
        consumer: F,
    ) -> PgResult<CopyIn>
    where
        F: FnOnce(CopyReader) -> Fut + Send + 'static,
        Fut: Future<Output = PgResult<u64>> + Send + 'static,
    {
        let format = CopyFormat::of(&statement.options, columns.len());
        let decoder = CopyDecoder::new(&statement.options, statement.table_name(), columns)?;
        let table = statement.table_name().to_owned();
        Ok(CopyIn::new(format, move |input| {
            let line = Arc::new(AtomicU64::new(0));
            let done = consumer(CopyReader::new(input, decoder).track_line(line.clone()));
            async move {
                done.await.map_err(|e| {
                    let n = line.load(Ordering::Relaxed);
                    if n == 0 {
                        return e;
                    }
                    row::with_context(e, || format!("COPY {table}, line {n}"))
                })
            }
        }))
    }
}

/// Part of a COPY TO STDOUT, sent as one CopyData message, and how many rows it holds.
/// (PostgreSQL sends one row per message and some clients rely on it; see [`CopyOut::new`].)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyChunk {
    /// The bytes (whole rows in the COPY's format, or a binary header/trailer).
    pub data: Bytes,
    /// Rows in `data` (counted for the `COPY n` tag).
    pub rows: u64,
}

/// A COPY TO STDOUT: its formats and the stream of data.
pub struct CopyOut {
    pub(crate) format: CopyFormat,
    pub(crate) data: BoxStream<'static, PgResult<Outgoing>>,
}

/// What a COPY TO sends: a raw chunk (one CopyData message) or encoded messages.
pub(crate) enum Outgoing {
    Chunk(CopyChunk),
    Batch(CopyDataBatch),
}

impl Outgoing {
    /// Rows held (for the `COPY n` tag).
    pub(crate) fn rows(&self) -> u64 {
        match self {
            Outgoing::Chunk(c) => c.rows,
            Outgoing::Batch(b) => b.rows(),
        }
    }

    /// Appends the CopyData message(s) to `buf`.
    pub(crate) fn write_to(&self, buf: &mut bytes::BytesMut) {
        match self {
            Outgoing::Chunk(c) => {
                crate::codec::write_message(buf, b'd', |b| b.extend_from_slice(&c.data))
            }
            Outgoing::Batch(b) => buf.extend_from_slice(&b.wire),
        }
    }
}

impl fmt::Debug for CopyOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CopyOut")
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl CopyOut {
    /// A COPY TO whose data comes from `chunks`, each sent as one CopyData message. (Clients
    /// such as psycopg's `Copy.rows()` and tokio-postgres's `BinaryCopyOutStream` read one
    /// row per message, as PostgreSQL sends them: give one row per chunk, or use
    /// [`CopyOut::rows`] or [`CopyOut::batches`].)
    pub fn new(
        format: CopyFormat,
        chunks: impl Stream<Item = PgResult<CopyChunk>> + Send + 'static,
    ) -> CopyOut {
        CopyOut {
            format,
            data: chunks.map(|c| c.map(Outgoing::Chunk)).boxed(),
        }
    }

    /// A COPY TO whose data was encoded with a [`CopyEncoder`] (for engines that encode on
    /// another thread and send the batches through a channel).
    pub fn batches(
        format: CopyFormat,
        batches: impl Stream<Item = PgResult<CopyDataBatch>> + Send + 'static,
    ) -> CopyOut {
        CopyOut {
            format,
            data: batches.map(|b| b.map(Outgoing::Batch)).boxed(),
        }
    }
}

impl CopyOut {
    /// A COPY TO of `rows` (each a tuple or vector of values, see [`ToCopyRow`]) for
    /// `columns`, encoded in `statement`'s format and options, one CopyData message per row
    /// as PostgreSQL sends them, in batches of about [`CHUNK_BYTES`].
    ///
    /// Fails at once when the options do not fit the columns (a FORCE_QUOTE column the COPY
    /// lacks).
    pub fn rows<S, R>(
        statement: &CopyStatement,
        columns: Arc<[Column]>,
        rows: S,
    ) -> PgResult<CopyOut>
    where
        S: Stream<Item = PgResult<R>> + Send + 'static,
        R: ToCopyRow + Send + 'static,
    {
        let format = CopyFormat::of(&statement.options, columns.len());
        let enc = CopyEncoder::new(&statement.options, columns)?;
        Ok(CopyOut::batches(
            format,
            encode::EncodeStream {
                rows: Box::pin(rows),
                enc,
                done: false,
            },
        ))
    }
}

/// 57014, as PostgreSQL reports a CopyFail from the client.
pub(crate) fn copy_failed(message: &str) -> PgError {
    PgError::new(
        crate::SqlState::QUERY_CANCELED,
        format!("COPY from stdin failed: {message}"),
    )
}
