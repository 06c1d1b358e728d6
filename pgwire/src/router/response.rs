//! [`IntoResponse`]: what a route fn may return, and how rows are encoded and streamed.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::Stream;

use super::route::RouteCtx;
use super::row::PgRow;
use crate::error::{PgError, PgResult};
use crate::query::{Response, RowStream, Tag};
use crate::types::{Column, DataRow, DataRowEncoder};

/// What a `#[pg_query]` fn may return.
///
/// * a [`PgRow`] (one row), `Option<Row>` (zero or one), `Vec<Row>` (streamed to the client
///   in batches as it is encoded);
/// * `impl Stream<Item = Result<Row, E>> + Send + 'static` (rows pulled as the client reads,
///   never collected; write the `impl Stream` in the signature so the macro sees the row
///   type) or a `BoxStream<'static, Result<Row, E>>`;
/// * `u64`: a row count, sent as the command tag of the template's verb
///   (`INSERT 0 n`, `UPDATE n`, `DELETE n`);
/// * `()`: the command tag alone (`CREATE TABLE`, `SET`, …);
/// * `Result<T, E>` of any of these, where `E: Into<PgError>`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a #[pg_query] route",
    label = "not a route response",
    note = "return a #[derive(PgRow)] struct, `Option<Row>`, `Vec<Row>`, `impl Stream<Item = Result<Row, E>> + Send + 'static`, a row count `u64`, `()`, or a `Result<_, E: Into<PgError>>` of one of these"
)]
pub trait IntoResponse: Send + Sized {
    /// The result columns this type produces (`None`: no rows, NoData).
    fn columns() -> Option<Arc<[Column]>>;

    /// Turns the value into the statement's response.
    fn into_response<S>(self, ctx: &RouteCtx<'_, S>) -> PgResult<Response>;
}

fn rows_tag(verb: &str) -> Tag {
    Tag::for_verb(verb, 0)
}

impl<T: PgRow + Send> IntoResponse for T {
    fn columns() -> Option<Arc<[Column]>> {
        Some(T::columns())
    }
    fn into_response<S>(self, ctx: &RouteCtx<'_, S>) -> PgResult<Response> {
        Some(self).into_response(ctx)
    }
}

impl<T: PgRow + Send> IntoResponse for Option<T> {
    fn columns() -> Option<Arc<[Column]>> {
        Some(T::columns())
    }
    fn into_response<S>(self, ctx: &RouteCtx<'_, S>) -> PgResult<Response> {
        let mut enc = DataRowEncoder::new(ctx.columns.clone(), ctx.formats.clone());
        let rows = match self {
            Some(row) => {
                row.encode_row(&mut enc)?;
                vec![enc.finish()?]
            }
            None => Vec::new(),
        };
        Ok(Response::Rows(
            RowStream::new(
                ctx.columns.clone(),
                futures::stream::iter(rows.into_iter().map(Ok)),
            )
            .with_tag(rows_tag(ctx.tag)),
        ))
    }
}

impl<T: PgRow + Send + 'static> IntoResponse for Vec<T> {
    fn columns() -> Option<Arc<[Column]>> {
        Some(T::columns())
    }
    fn into_response<S>(self, ctx: &RouteCtx<'_, S>) -> PgResult<Response> {
        let rows = futures::stream::iter(self.into_iter().map(Ok::<T, PgError>));
        Ok(encode_stream(rows, ctx))
    }
}

impl IntoResponse for u64 {
    fn columns() -> Option<Arc<[Column]>> {
        None
    }
    fn into_response<S>(self, ctx: &RouteCtx<'_, S>) -> PgResult<Response> {
        Ok(Response::Command(Tag::for_verb(ctx.tag, self)))
    }
}

impl IntoResponse for () {
    fn columns() -> Option<Arc<[Column]>> {
        None
    }
    fn into_response<S>(self, ctx: &RouteCtx<'_, S>) -> PgResult<Response> {
        let tag = match ctx.tag {
            "SELECT" | "INSERT" | "UPDATE" | "DELETE" | "MERGE" => Tag::for_verb(ctx.tag, 0),
            verb => Tag::new(verb),
        };
        Ok(Response::Command(tag))
    }
}

impl<T: IntoResponse, E: Into<PgError> + Send> IntoResponse for Result<T, E> {
    fn columns() -> Option<Arc<[Column]>> {
        T::columns()
    }
    fn into_response<S>(self, ctx: &RouteCtx<'_, S>) -> PgResult<Response> {
        self.map_err(Into::into)?.into_response(ctx)
    }
}

impl<T, E> IntoResponse for Pin<Box<dyn Stream<Item = Result<T, E>> + Send + 'static>>
where
    T: PgRow + Send + 'static,
    E: Into<PgError> + Send + 'static,
{
    fn columns() -> Option<Arc<[Column]>> {
        Some(T::columns())
    }
    fn into_response<S>(self, ctx: &RouteCtx<'_, S>) -> PgResult<Response> {
        Ok(encode_stream(self, ctx))
    }
}

/// Encodes a stream of rows lazily, in batches, as the runtime pulls them.
pub(crate) fn encode_stream<St, T, E, S>(rows: St, ctx: &RouteCtx<'_, S>) -> Response
where
    St: Stream<Item = Result<T, E>> + Send + 'static,
    T: PgRow + Send + 'static,
    E: Into<PgError> + Send + 'static,
{
    // A result of a few rows (a Vec, an Option) gets a buffer its size, not the 4 KiB of a
    // stream's batches: allocations past 1 KiB take the allocator's slow path.
    let bytes = match rows.size_hint() {
        (_, Some(n)) if n <= 8 => 128 + n * 64 * ctx.columns.len().max(1),
        _ => 4096,
    };
    let enc = DataRowEncoder::with_capacity(ctx.columns.clone(), ctx.formats.clone(), bytes);
    Response::Rows(
        RowStream::new(
            ctx.columns.clone(),
            RowBatches {
                rows: Box::pin(rows),
                enc,
                error: None,
                done: false,
            },
        )
        .with_tag(rows_tag(ctx.tag)),
    )
}

/// Rows per batch handed to the connection when the source is always ready.
const BATCH_ROWS: usize = 256;
/// Bytes per batch handed to the connection.
const BATCH_BYTES: usize = 32 * 1024;

/// A stream of encoded [`DataRow`] batches over a stream of [`PgRow`] values.
///
/// Rows are encoded into one reused buffer; a batch is cut when it is large enough, or
/// when the source has nothing ready (so slow sources still reach the client promptly).
struct RowBatches<T, E> {
    rows: Pin<Box<dyn Stream<Item = Result<T, E>> + Send>>,
    enc: DataRowEncoder,
    /// An error that arrived after some rows of the current batch: sent after them.
    error: Option<PgError>,
    done: bool,
}

impl<T: PgRow, E: Into<PgError>> Stream for RowBatches<T, E> {
    type Item = PgResult<DataRow>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Some(e) = this.error.take() {
            this.done = true;
            return Poll::Ready(Some(Err(e)));
        }
        if this.done {
            return Poll::Ready(None);
        }
        let mut count = 0usize;
        loop {
            match this.rows.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(row))) => {
                    if let Err(e) = row
                        .encode_row(&mut this.enc)
                        .and_then(|()| this.enc.end_row())
                    {
                        this.enc.discard_row();
                        return this.fail(count, e);
                    }
                    count += 1;
                    if count >= BATCH_ROWS || this.enc.pending_bytes() >= BATCH_BYTES {
                        return Poll::Ready(Some(Ok(this.enc.take_rows())));
                    }
                }
                Poll::Ready(Some(Err(e))) => return this.fail(count, e.into()),
                Poll::Ready(None) => {
                    this.done = true;
                    return if count > 0 {
                        Poll::Ready(Some(Ok(this.enc.take_rows())))
                    } else {
                        Poll::Ready(None)
                    };
                }
                Poll::Pending if count > 0 => {
                    return Poll::Ready(Some(Ok(this.enc.take_rows())));
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl<T, E> RowBatches<T, E> {
    /// Sends the rows encoded so far, then `e`.
    fn fail(&mut self, count: usize, e: PgError) -> Poll<Option<PgResult<DataRow>>> {
        if count > 0 {
            self.error = Some(e);
            Poll::Ready(Some(Ok(self.enc.take_rows())))
        } else {
            self.done = true;
            Poll::Ready(Some(Err(e)))
        }
    }
}
