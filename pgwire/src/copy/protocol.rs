//! Driving COPY over a connection: CopyInResponse + CopyData pumping with backpressure, and
//! CopyOutResponse + CopyData + CopyDone.

use bytes::Bytes;
use futures::StreamExt;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;

use super::{CopyIn, CopyInStream, CopyOut, copy_failed};
use crate::cancel::CancelToken;
use crate::codec::{BackendMessage, FrontendMessage};
use crate::error::{PgError, PgResult, SqlState};
use crate::query::simple::QueryError;
use crate::server::conn::ReadError;
use crate::server::connection::{ConnError, SessionIo};

/// Chunks buffered between the socket and the consumer.
const PIPE: usize = 16;

/// Runs a `Response::CopyIn` or `Response::CopyOut`; returns its `COPY n` tag.
pub(crate) async fn run<S>(
    io: &mut SessionIo<S>,
    response: crate::query::Response,
    cancel: &CancelToken,
    generation: u64,
) -> Result<crate::query::Tag, QueryError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    use crate::query::Response;
    let rows = match response {
        Response::CopyIn(copy) => copy_in(io, copy, cancel, generation).await?,
        Response::CopyOut(copy) => copy_out(io, copy, cancel, generation).await?,
        other => {
            return Err(PgError::new(
                SqlState::INTERNAL_ERROR,
                format!("not a COPY response: {other:?}"),
            )
            .into());
        }
    };
    Ok(crate::query::Tag::with_rows("COPY", rows))
}

/// Runs a COPY FROM STDIN; returns the row count the consumer reported.
async fn copy_in<S>(
    io: &mut SessionIo<S>,
    copy: CopyIn,
    cancel: &CancelToken,
    generation: u64,
) -> Result<u64, QueryError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    io.conn
        .send(&BackendMessage::CopyInResponse(copy.format.response()));
    io.conn.flush().await.map_err(ConnError::Io)?;
    let (tx, rx) = mpsc::channel::<PgResult<Bytes>>(PIPE);
    let mut tx = Some(tx);
    let consumer = (copy.consumer)(CopyInStream { rx });
    tokio::pin!(consumer);
    // A message read but not yet handed to the consumer (the pipe was full).
    let mut pending: Option<PgResult<Bytes>> = None;
    let mut lost = false;
    let result = loop {
        tokio::select! {
            biased;
            r = &mut consumer => break r,
            _ = cancel.cancelled_since(generation) => {
                // Tell the consumer, then let it finish (and roll back).
                pending = None;
                if let Some(t) = tx.take() {
                    let _ = t.try_send(Err(cancel.error()));
                }
            }
            permit = reserve(tx.clone()), if pending.is_some() && tx.is_some() => {
                match permit {
                    Ok(p) => {
                        let item = pending.take().expect("checked");
                        let last = item.is_err();
                        p.send(item);
                        if last {
                            tx = None;
                        }
                    }
                    // The consumer stopped reading; wait for its result.
                    Err(_) => { pending = None; tx = None; }
                }
            }
            msg = io.conn.read_message(), if pending.is_none() && tx.is_some() => {
                match msg {
                    Ok(Some(FrontendMessage::CopyData(d))) => pending = Some(Ok(d)),
                    Ok(Some(FrontendMessage::CopyDone)) => tx = None,
                    Ok(Some(FrontendMessage::CopyFail(f))) => pending = Some(Err(copy_failed(&f.message))),
                    // Ignored during COPY, as PostgreSQL does.
                    Ok(Some(FrontendMessage::Flush | FrontendMessage::Sync)) => {}
                    Ok(Some(other)) => {
                        pending = Some(Err(PgError::protocol_violation(format!(
                            "unexpected message type 0x{:02X} during COPY from stdin",
                            other.tag()
                        ))));
                    }
                    Ok(None) | Err(ReadError::Io(_)) => {
                        lost = true;
                        pending = Some(Err(PgError::new(
                            SqlState::CONNECTION_FAILURE,
                            "unexpected EOF on client connection with an open transaction",
                        )));
                    }
                    Err(ReadError::Fatal(e) | ReadError::Malformed(e)) => {
                        pending = Some(Err(PgError::from(e)));
                    }
                }
            }
        }
    };
    drop(tx);
    if lost {
        return Err(ConnError::Closed.into());
    }
    Ok(result?)
}

/// Room in the pipe, without borrowing the sender (so the loop may drop it).
async fn reserve(
    tx: Option<mpsc::Sender<PgResult<Bytes>>>,
) -> Result<mpsc::OwnedPermit<PgResult<Bytes>>, ()> {
    match tx {
        Some(t) => t.reserve_owned().await.map_err(drop),
        None => std::future::pending().await,
    }
}

/// Runs a COPY TO STDOUT; returns the number of rows sent.
async fn copy_out<S>(
    io: &mut SessionIo<S>,
    copy: CopyOut,
    cancel: &CancelToken,
    generation: u64,
) -> Result<u64, QueryError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    io.conn
        .send(&BackendMessage::CopyOutResponse(copy.format.response()));
    let mut data = copy.data;
    let mut rows = 0u64;
    loop {
        let next = tokio::select! {
            biased;
            r = data.next() => r,
            _ = cancel.cancelled_since(generation) => return Err(cancel.error().into()),
            _ = io.conn.closed() => return Err(ConnError::Closed.into()),
        };
        match next {
            None => break,
            Some(item) => {
                let item = item?;
                rows += item.rows();
                item.write_to(&mut io.conn.wbuf);
                io.conn.flush_if_full().await.map_err(ConnError::Io)?;
            }
        }
    }
    io.conn.send(&BackendMessage::CopyDone);
    Ok(rows)
}
