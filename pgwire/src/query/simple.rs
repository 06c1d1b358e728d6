//! The simple query protocol: split a Query into statements and run them in order; an error
//! aborts the rest.

use futures::StreamExt;
use tokio::io::{AsyncRead, AsyncWrite};

use super::response::RowSource;
use super::split::{self, TxVerb};
use super::{QueryHandler, Response, Tag};
use crate::cancel::CancelToken;
use crate::codec::{BackendMessage, TransactionStatus};
use crate::error::{PgError, PgResult, Severity, SqlState};
use crate::server::connection::{ConnError, SessionIo};
use crate::session::Session;
use crate::types::{DataRow, Formats};

/// Runs every statement of `sql`; the caller sends ReadyForQuery afterwards. Returns
/// whether a statement failed.
pub(crate) async fn run<H, S>(
    handler: &H,
    session: &mut Session,
    io: &mut SessionIo<S>,
    sql: &str,
) -> Result<bool, ConnError>
where
    H: QueryHandler,
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let statements = split::statements(sql);
    if statements.is_empty() {
        io.conn.send(&BackendMessage::EmptyQueryResponse);
        return Ok(false);
    }
    let last = statements.len() - 1;
    for (i, stmt) in statements.into_iter().enumerate() {
        session.more_in_implicit = i < last;
        let result = run_one(handler, session, io, stmt).await;
        io.drain_notices();
        if let Err(e) = result {
            io.fail(session, e)?;
            return Ok(true);
        }
    }
    Ok(false)
}

async fn run_one<H, S>(
    handler: &H,
    session: &mut Session,
    io: &mut SessionIo<S>,
    stmt: &str,
) -> Result<(), QueryError>
where
    H: QueryHandler,
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let verb = TxVerb::of(stmt);
    check_failed_transaction(session, verb)?;
    let cancel = session.cancel.clone();
    let generation = cancel.generation();
    let before = session.status;
    session.status_set = false;
    let response = tokio::select! {
        biased;
        _ = cancel.cancelled_since(generation) => return Err(cancel.error().into()),
        _ = io.conn.closed() => return Err(ConnError::Closed.into()),
        r = handler.simple_query(session, stmt) => r?,
    };
    io.drain_notices();
    match response {
        Response::Empty => io.conn.send(&BackendMessage::EmptyQueryResponse),
        Response::Command(tag) => {
            complete(io, session, before, verb, stmt, tag);
        }
        Response::Rows(rows) => {
            io.send_columns(Some(&rows.columns), &Formats::AllText);
            let mut rows = rows;
            let sent = stream_rows(io, &mut rows.rows, &mut None, u64::MAX, &cancel, generation)
                .await?
                .0;
            let mut tag = rows.tag.clone();
            tag.set_rows(sent);
            complete(io, session, before, verb, stmt, tag);
        }
        copy @ (Response::CopyIn(_) | Response::CopyOut(_)) => {
            let tag = crate::copy::protocol::run(io, copy, &cancel, generation).await?;
            complete(io, session, before, verb, stmt, tag);
        }
    }
    Ok(())
}

/// Sends up to `limit` rows from `pending` then `rows`; returns how many were sent and
/// whether the stream ended. Stops early when the query is cancelled or the client leaves.
pub(crate) async fn stream_rows<S>(
    io: &mut SessionIo<S>,
    rows: &mut RowSource,
    pending: &mut Option<DataRow>,
    limit: u64,
    cancel: &CancelToken,
    generation: u64,
) -> Result<(u64, bool), QueryError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let mut sent = 0u64;
    loop {
        if sent == limit {
            return Ok((sent, false));
        }
        let mut batch = match pending.take() {
            Some(b) => b,
            None => {
                let next = tokio::select! {
                    biased;
                    r = rows.next() => r,
                    _ = cancel.cancelled_since(generation) => return Err(cancel.error().into()),
                    _ = io.conn.closed() => return Err(ConnError::Closed.into()),
                };
                match next {
                    Some(b) => b?,
                    None => return Ok((sent, true)),
                }
            }
        };
        let room = limit - sent;
        if batch.row_count() as u64 > room {
            let head = batch.split_rows(room as usize);
            *pending = Some(batch);
            batch = head;
        }
        sent += batch.row_count() as u64;
        io.drain_notices();
        io.conn.send_rows(&batch).await.map_err(ConnError::Io)?;
    }
}

/// A failure while running a statement: an error for the client, or a dead connection.
#[derive(Debug)]
pub(crate) enum QueryError {
    Pg(PgError),
    Conn(ConnError),
}

impl From<PgError> for QueryError {
    fn from(e: PgError) -> Self {
        QueryError::Pg(e)
    }
}

impl From<ConnError> for QueryError {
    fn from(e: ConnError) -> Self {
        QueryError::Conn(e)
    }
}

/// 25P02 unless a statement of kind `verb` may run in the session's transaction state.
pub(crate) fn check_failed_transaction(session: &Session, verb: TxVerb) -> PgResult<()> {
    if session.status == TransactionStatus::Failed && !verb.allowed_when_failed() {
        return Err(PgError::new(
            SqlState::IN_FAILED_SQL_TRANSACTION,
            "current transaction is aborted, commands ignored until end of transaction block",
        ));
    }
    Ok(())
}

/// Completes `stmt`, which succeeded with `tag`: updates the transaction status (unless the
/// handler set it) and the session's notifications and savepoints, then sends PostgreSQL's
/// warning for a BEGIN inside a block (25001) or a COMMIT/ROLLBACK outside one (25P01) and
/// the CommandComplete. Returns the tag sent: COMMIT of a failed transaction reports
/// ROLLBACK.
pub(crate) fn complete<S>(
    io: &mut SessionIo<S>,
    session: &mut Session,
    before: TransactionStatus,
    verb: TxVerb,
    stmt: &str,
    tag: Tag,
) -> Tag
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let warning = match verb {
        TxVerb::Begin if before != TransactionStatus::Idle => Some((
            SqlState::ACTIVE_SQL_TRANSACTION,
            "there is already a transaction in progress",
        )),
        TxVerb::Commit | TxVerb::Rollback if before == TransactionStatus::Idle => Some((
            SqlState::NO_ACTIVE_SQL_TRANSACTION,
            "there is no transaction in progress",
        )),
        _ => None,
    };
    if let Some((code, message)) = warning {
        io.conn
            .send_error(&PgError::new(code, message).severity(Severity::Warning));
    }
    let tag = update_transaction(session, before, verb, stmt, tag);
    io.conn.send_command_complete(&tag);
    tag
}

/// The bookkeeping half of [`complete`].
fn update_transaction(
    session: &mut Session,
    before: TransactionStatus,
    verb: TxVerb,
    stmt: &str,
    tag: Tag,
) -> Tag {
    let tag = if before == TransactionStatus::Failed && verb == TxVerb::Commit {
        Tag::new("ROLLBACK")
    } else {
        tag
    };
    match verb {
        TxVerb::Commit if before == TransactionStatus::InTransaction => {
            session.deliver_notifications()
        }
        TxVerb::Commit | TxVerb::Rollback => session.discard_notifications(),
        TxVerb::RollbackTo | TxVerb::Other => {
            if let Some((op, name)) = super::split::savepoint_op(stmt) {
                session.savepoint(op, name);
            }
        }
        _ => {}
    }
    if session.status_set {
        session.status_set = false;
        return tag;
    }
    match verb {
        TxVerb::Begin if before == TransactionStatus::Idle => {
            session.status = TransactionStatus::InTransaction;
        }
        TxVerb::RollbackTo if before == TransactionStatus::Failed => {
            session.status = TransactionStatus::InTransaction;
        }
        TxVerb::Commit | TxVerb::Rollback => session.status = TransactionStatus::Idle,
        _ => {}
    }
    tag
}
