//! One client connection: startup, then the session loop that reads messages, drives the
//! query layer, and delivers pushed messages (notifications) while the session is idle.

use std::net::SocketAddr;
use std::sync::Arc;

use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, timeout_at};

use super::conn::{Conn, ReadError};
use super::tls::{ALPN_POSTGRESQL, Prefixed, TlsConfig, TlsInfo};
use super::{Push, Shared};
use crate::auth::{self, AuthContext, AuthIo};
use crate::cancel::CancelToken;
use crate::codec::{
    Authentication, BackendMessage, CodecError, FrontendMessage, StartupMessage, TransactionStatus,
};
use crate::error::{PgError, SqlState};
use crate::query::simple::QueryError;
use crate::query::{QueryHandler, extended, simple};
use crate::session::{NoticeSender, Session};
use crate::startup::{self, Outcome};
use crate::types::{Column, Formats};

/// Why a session ended abnormally.
#[derive(Debug)]
pub(crate) enum ConnError {
    /// The socket failed.
    Io(std::io::Error),
    /// A FATAL error was sent; close.
    Fatal,
    /// The client went away while a query ran.
    Closed,
}

/// The connection plus the session's side channels.
pub(crate) struct SessionIo<S> {
    pub conn: Conn<S>,
    pub notices: mpsc::UnboundedReceiver<PgError>,
}

impl<S: AsyncRead + AsyncWrite + Unpin + Send> SessionIo<S> {
    /// Writes queued notices.
    pub fn drain_notices(&mut self) {
        while let Ok(n) = self.notices.try_recv() {
            self.conn.send_error(&n);
        }
    }

    /// Sends RowDescription for `columns` in `formats`, or NoData for `None`.
    pub fn send_columns(&mut self, columns: Option<&[Column]>, formats: &Formats) {
        match columns {
            None => self.conn.send(&BackendMessage::NoData),
            Some(cols) => crate::codec::write_message(&mut self.conn.wbuf, b'T', |b| {
                b.extend_from_slice(&(cols.len() as i16).to_be_bytes());
                for (i, c) in cols.iter().enumerate() {
                    c.write_description(b, formats.get(i));
                }
            }),
        }
    }

    /// Reports a failed statement: sends the error and marks an open transaction failed.
    /// A FATAL error ends the session.
    pub fn fail(&mut self, session: &mut Session, e: QueryError) -> Result<(), ConnError> {
        match e {
            QueryError::Conn(c) => Err(c),
            QueryError::Pg(e) => {
                self.conn.send_error(&e);
                if e.is_fatal() {
                    return Err(ConnError::Fatal);
                }
                if session.status == TransactionStatus::InTransaction {
                    session.status = TransactionStatus::Failed;
                }
                session.status_set = false;
                Ok(())
            }
        }
    }
}

/// Serves one accepted connection to the end: encryption negotiation (TLS by SSLRequest or
/// direct), startup, authentication, then the session loop. Startup and authentication
/// together must finish within `authentication_timeout`.
pub(crate) async fn serve<H, S>(
    handler: Arc<H>,
    shared: Arc<Shared>,
    io: S,
    peer: Option<SocketAddr>,
) where
    H: QueryHandler,
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let (_slot, over_limit) = super::ConnectionSlot::take(&shared);
    let deadline = Instant::now() + shared.config.authentication_timeout;
    let accepted = Accepted {
        peer,
        deadline,
        over_limit,
    };
    let mut conn = Conn::new(io, shared.config.max_message_len);
    // As PostgreSQL, TLS only on TCP: a Unix-socket SSLRequest is answered 'N'.
    let tls = peer.and(shared.config.tls.clone());
    let direct = match timeout_at(
        deadline,
        startup::negotiate(&mut conn, &shared, tls.is_some(), false),
    )
    .await
    {
        Err(_) => return, // authentication_timeout: PostgreSQL closes silently.
        Ok(Ok(Outcome::Done)) => return,
        Ok(Ok(Outcome::Session(msg))) => {
            // Boxed (as is the TLS path): the spawned future stays a few hundred bytes, so
            // spawning it copies little, and only the path taken is allocated.
            return Box::pin(start(handler, shared.clone(), conn, msg, None, accepted)).await;
        }
        Ok(Err(e)) => return fatal(&mut conn, &e).await,
        Ok(Ok(Outcome::StartTls { direct })) => direct,
    };
    let Some(tls) = tls else { return };
    Box::pin(serve_tls(handler, shared, conn, tls, direct, accepted)).await
}

/// The TLS handshake, then startup again on the encrypted stream, then the session.
async fn serve_tls<H, S>(
    handler: Arc<H>,
    shared: Arc<Shared>,
    conn: Conn<S>,
    tls: TlsConfig,
    direct: bool,
    accepted: Accepted,
) where
    H: QueryHandler,
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let Accepted { peer, deadline, .. } = accepted;
    let Conn { io, rbuf, .. } = conn;
    let accept = tls.acceptor().accept(Prefixed::new(rbuf.freeze(), io));
    let stream = match timeout_at(deadline, accept).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            tracing::debug!(?peer, "could not accept TLS connection: {e}");
            return;
        }
        Err(_) => return,
    };
    let info = TlsInfo::new(stream.get_ref().1, direct);
    if direct && info.alpn.as_deref() != Some(ALPN_POSTGRESQL) {
        // PostgreSQL 17 requires ALPN on direct TLS, so that a TLS connection meant for
        // another protocol is never taken for a PostgreSQL one.
        tracing::debug!(
            ?peer,
            "received direct TLS connection request without ALPN protocol negotiation extension"
        );
        return;
    }
    let mut conn = Conn::new(stream, shared.config.max_message_len);
    match timeout_at(
        deadline,
        startup::negotiate(&mut conn, &shared, false, true),
    )
    .await
    {
        Ok(Ok(Outcome::Session(msg))) => {
            start(
                handler,
                shared.clone(),
                conn,
                msg,
                Some((info, tls)),
                accepted,
            )
            .await
        }
        Ok(Err(e)) => fatal(&mut conn, &e).await,
        _ => {}
    }
}

/// What is known about a connection from accepting it.
#[derive(Clone, Copy)]
struct Accepted {
    peer: Option<SocketAddr>,
    /// When authentication must be done (`authentication_timeout`).
    deadline: Instant,
    /// The connection is over `max_connections`: refuse it after the startup packet.
    over_limit: bool,
}

/// Checks the StartupMessage, authenticates, and runs the session.
async fn start<H, S>(
    handler: Arc<H>,
    shared: Arc<Shared>,
    mut conn: Conn<S>,
    msg: StartupMessage,
    tls: Option<(TlsInfo, TlsConfig)>,
    accepted: Accepted,
) where
    H: QueryHandler,
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let Accepted {
        peer,
        deadline,
        over_limit,
    } = accepted;
    if over_limit {
        let e = PgError::fatal(
            SqlState::TOO_MANY_CONNECTIONS,
            "sorry, too many clients already",
        );
        return fatal(&mut conn, &e).await;
    }
    if *shared.draining.borrow() {
        let e = PgError::fatal(
            SqlState::from_code("57P03"),
            "the database system is shutting down",
        );
        return fatal(&mut conn, &e).await;
    }
    let info = match startup::check(msg) {
        Ok(info) => info,
        Err(e) => return fatal(&mut conn, &e).await,
    };
    if shared.config.require_tls && tls.is_none() && peer.is_some() {
        let e = auth::no_hba_entry(peer, &info.user, &info.database, false);
        return fatal(&mut conn, &e).await;
    }
    if let Some(m) = &info.negotiate {
        conn.send(m);
    }
    let (tls_info, end_point) = match &tls {
        Some((i, c)) => (Some(i), c.channel_binding()),
        None => (None, None),
    };
    let mut ctx = AuthContext {
        user: &info.user,
        database: &info.database,
        peer,
        tls: tls_info,
        end_point,
        io: &mut conn,
    };
    match timeout_at(deadline, shared.config.auth.authenticate(&mut ctx)).await {
        Err(_) => return,
        Ok(Err(e)) => {
            tracing::debug!(
                user = info.user,
                ?peer,
                "authentication failed: {}",
                e.message
            );
            return fatal(&mut conn, &e).await;
        }
        Ok(Ok(())) => {}
    }
    conn.send(&BackendMessage::Authentication(Authentication::Ok));

    let (push_tx, push_rx) = mpsc::unbounded_channel();
    let (notice_tx, notice_rx) = mpsc::unbounded_channel();
    let cancel = CancelToken::default();
    let key_len = if info.protocol >= crate::codec::ProtocolVersion::V3_2 {
        32
    } else {
        4
    };
    let Some((pid, key)) =
        shared
            .registry
            .register(key_len, shared.config.instance_id, cancel.clone(), push_tx)
    else {
        let e = PgError::fatal(
            SqlState::TOO_MANY_CONNECTIONS,
            "sorry, too many clients already",
        );
        return fatal(&mut conn, &e).await;
    };
    let _guard = RegistryGuard(&shared, pid);

    let mut session = Session::new(
        info.user,
        info.database,
        pid,
        info.protocol,
        peer,
        NoticeSender(notice_tx),
        cancel,
    );
    session.shared = Some(shared.clone());
    session.tls = tls.map(|(i, _)| i);
    session.params = shared.startup.defaults.clone();
    for (name, value) in &shared.startup.order {
        if value.is_none() {
            session.params.insert(name.clone(), session.user.clone());
        }
    }
    for (k, v) in info.params {
        session.set_parameter(&k, v);
    }
    session.reported.clear();
    for (name, default) in &shared.startup.order {
        let value = session
            .parameter(name)
            .or(default.as_deref())
            .unwrap_or(&session.user);
        crate::codec::write_message(&mut conn.wbuf, b'S', |b| {
            crate::codec::put_cstr(b, name.as_bytes());
            crate::codec::put_cstr(b, value.as_bytes());
        });
    }
    conn.send(&BackendMessage::BackendKeyData { pid, key });
    conn.send(&BackendMessage::ReadyForQuery(TransactionStatus::Idle));

    let mut io = SessionIo {
        conn,
        notices: notice_rx,
    };
    let draining = shared.draining.subscribe();
    let timeouts = Timeouts {
        idle: shared.config.idle_session_timeout,
        idle_in_transaction: shared.config.idle_in_transaction_session_timeout,
    };
    if let Err(ConnError::Io(e)) = session_loop(
        &*handler,
        &mut session,
        &mut io,
        push_rx,
        draining,
        timeouts,
    )
    .await
    {
        tracing::debug!(pid, "connection lost: {e}");
    }
    let _ = io.conn.flush().await;
    handler.on_close(&mut session).await;
}

#[async_trait::async_trait]
impl<S: AsyncRead + AsyncWrite + Unpin + Send> AuthIo for Conn<S> {
    fn queue(&mut self, msg: &BackendMessage) {
        self.send(msg);
    }

    async fn send_flush(&mut self, msg: &BackendMessage) -> std::io::Result<()> {
        self.send(msg);
        self.flush().await
    }

    async fn recv_frame(&mut self, max_len: usize) -> Result<Option<(u8, Bytes)>, ReadError> {
        loop {
            if let Some(frame) =
                crate::codec::split_frame(&mut self.rbuf, max_len).map_err(ReadError::Fatal)?
            {
                return Ok(Some(frame));
            }
            super::conn::reserve_read(&mut self.rbuf);
            if self.io.read_buf(&mut self.rbuf).await? == 0 {
                return Ok(None);
            }
        }
    }
}

struct RegistryGuard<'a>(&'a Shared, i32);

impl Drop for RegistryGuard<'_> {
    fn drop(&mut self) {
        self.0.hub.unlisten(self.1, None);
        self.0.registry.remove(self.1);
    }
}

async fn fatal<S: AsyncRead + AsyncWrite + Unpin + Send>(conn: &mut Conn<S>, e: &PgError) {
    let mut e = e.clone();
    e.severity = crate::Severity::Fatal;
    conn.send_error(&e);
    let _ = conn.flush().await;
}

fn codec_fatal(e: CodecError) -> PgError {
    match e {
        CodecError::UnknownFrontendTag(t) => PgError::fatal(
            SqlState::PROTOCOL_VIOLATION,
            format!("invalid frontend message type {t}"),
        ),
        CodecError::InvalidLength(_) | CodecError::TooLarge { .. } => {
            PgError::fatal(SqlState::PROTOCOL_VIOLATION, "invalid message length")
        }
        other => PgError::fatal(SqlState::PROTOCOL_VIOLATION, other.to_string()),
    }
}

/// Idle timeouts in force for a session.
struct Timeouts {
    idle: Option<Duration>,
    idle_in_transaction: Option<Duration>,
}

impl Timeouts {
    /// The timeout that applies while waiting in `status`, and the error it ends with.
    fn applying(&self, status: TransactionStatus) -> Option<(Duration, PgError)> {
        match status {
            TransactionStatus::Idle => self.idle.map(|t| {
                (
                    t,
                    PgError::fatal(
                        SqlState::IDLE_SESSION_TIMEOUT,
                        "terminating connection due to idle-session timeout",
                    ),
                )
            }),
            _ => self.idle_in_transaction.map(|t| {
                (
                    t,
                    PgError::fatal(
                        SqlState::IDLE_IN_TRANSACTION_SESSION_TIMEOUT,
                        "terminating connection due to idle-in-transaction timeout",
                    ),
                )
            }),
        }
    }
}

fn shutdown_error() -> PgError {
    PgError::fatal(
        SqlState::ADMIN_SHUTDOWN,
        "terminating connection due to administrator command",
    )
}

async fn session_loop<H, S>(
    handler: &H,
    session: &mut Session,
    io: &mut SessionIo<S>,
    mut pushes: mpsc::UnboundedReceiver<Push>,
    mut draining: watch::Receiver<bool>,
    timeouts: Timeouts,
) -> Result<(), ConnError>
where
    H: QueryHandler,
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let mut ext = extended::Extended::<H::Statement>::default();
    loop {
        if !io.conn.has_buffered_message() {
            io.conn.flush().await.map_err(ConnError::Io)?;
        }
        let msg = if io.conn.has_buffered_message() {
            // Pipelined messages are handled back to back; the waits below (shutdown, cancel,
            // timeouts, pushes) are only set up when the session is about to block.
            io.conn.read_message().await
        } else {
            let idle = !ext.in_pipeline && session.status == TransactionStatus::Idle;
            let timeout = timeouts
                .applying(session.status)
                .filter(|_| !ext.in_pipeline);
            let cancel = session.cancel.clone();
            let generation = cancel.generation();
            tokio::select! {
                biased;
                _ = draining.wait_for(|d| *d), if !ext.in_pipeline => {
                    io.conn.send_error(&shutdown_error());
                    return Err(ConnError::Fatal);
                }
                _ = cancel.cancelled_since(generation) => {
                    if cancel.is_terminating() {
                        io.conn.send_error(&shutdown_error());
                        return Err(ConnError::Fatal);
                    }
                    // A cancel while nothing runs does nothing.
                    continue;
                }
                _ = sleep_or_forever(timeout.as_ref().map(|t| t.0)) => {
                    if let Some((_, e)) = timeout {
                        io.conn.send_error(&e);
                    }
                    return Err(ConnError::Fatal);
                }
                m = io.conn.read_message() => m,
                Some(push) = pushes.recv(), if idle => {
                    if deliver(io, push) {
                        continue;
                    }
                    return Err(ConnError::Fatal);
                }
            }
        };
        let msg = match msg {
            Ok(Some(m)) => m,
            Ok(None) => return Ok(()),
            Err(ReadError::Io(e)) => return Err(ConnError::Io(e)),
            Err(ReadError::Fatal(e)) => {
                io.conn.send_error(&codec_fatal(e));
                return Err(ConnError::Fatal);
            }
            Err(ReadError::Malformed(e)) => {
                io.conn.send_error(&PgError::from(e));
                if ext.in_pipeline {
                    ext.ignore_till_sync = true;
                } else {
                    ready(io, session);
                }
                continue;
            }
        };
        if ext.ignore_till_sync
            && !matches!(msg, FrontendMessage::Sync | FrontendMessage::Terminate)
        {
            continue;
        }
        match msg {
            FrontendMessage::Query(q) => {
                let failed = simple::run(handler, session, io, &q.sql).await?;
                finish_implicit_transaction(handler, session, io, failed).await;
                end_of_transaction(&mut ext, session);
                if !deliver_waiting(io, session, &ext, &mut pushes) {
                    return Err(ConnError::Fatal);
                }
                ready(io, session);
            }
            FrontendMessage::Sync => {
                ext.ignore_till_sync = false;
                ext.in_pipeline = false;
                let failed = std::mem::take(&mut ext.failed);
                finish_implicit_transaction(handler, session, io, failed).await;
                end_of_transaction(&mut ext, session);
                if !deliver_waiting(io, session, &ext, &mut pushes) {
                    return Err(ConnError::Fatal);
                }
                ready(io, session);
            }
            FrontendMessage::Flush => io.conn.flush().await.map_err(ConnError::Io)?,
            FrontendMessage::Terminate => return Ok(()),
            FrontendMessage::Parse(_)
            | FrontendMessage::Bind(_)
            | FrontendMessage::Describe(_)
            | FrontendMessage::Execute(_)
            | FrontendMessage::Close(_) => {
                ext.in_pipeline = true;
                if let Err(e) = ext.handle(handler, session, io, msg).await {
                    io.drain_notices();
                    io.fail(session, e)?;
                    ext.ignore_till_sync = true;
                    ext.failed = true;
                }
            }
            // Outside COPY these are ignored, as PostgreSQL does.
            FrontendMessage::CopyData(_)
            | FrontendMessage::CopyDone
            | FrontendMessage::CopyFail(_) => {}
            FrontendMessage::FunctionCall(_) => {
                io.conn.send_error(&PgError::not_supported(
                    "fast-path function calls are not supported",
                ));
                ready(io, session);
            }
            FrontendMessage::PasswordMessage(_) => {
                io.conn
                    .send_error(&codec_fatal(CodecError::UnknownFrontendTag(b'p')));
                return Err(ConnError::Fatal);
            }
        }
    }
}

async fn sleep_or_forever(d: Option<Duration>) {
    match d {
        Some(d) => tokio::time::sleep(d).await,
        None => std::future::pending().await,
    }
}

/// Outside a transaction block, the messages up to Sync (or one Query message) form an
/// implicit transaction: tell the handler it ended, and whether it failed.
async fn finish_implicit_transaction<H, S>(
    handler: &H,
    session: &mut Session,
    io: &mut SessionIo<S>,
    failed: bool,
) where
    H: QueryHandler,
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    if session.status != TransactionStatus::Idle {
        return;
    }
    let result = handler.end_implicit_transaction(session, failed).await;
    if failed || result.is_err() {
        session.discard_notifications();
    } else {
        session.deliver_notifications();
    }
    if let Err(e) = result {
        io.conn.send_error(&e);
    }
    io.drain_notices();
}

/// Sends ParameterStatus for parameters changed by the last command, then ReadyForQuery.
fn ready<S: AsyncRead + AsyncWrite + Unpin + Send>(io: &mut SessionIo<S>, session: &mut Session) {
    for (name, value) in std::mem::take(&mut session.reported) {
        io.conn
            .send(&BackendMessage::ParameterStatus { name, value });
    }
    io.conn.send(&BackendMessage::ReadyForQuery(session.status));
}

/// At the end of a transaction, portals go away (PostgreSQL's portals are not holdable).
fn end_of_transaction<S>(ext: &mut extended::Extended<S>, session: &Session) {
    if session.status == TransactionStatus::Idle {
        ext.close_all_portals();
    }
}

/// Before ReadyForQuery outside a transaction, sends the pushes already waiting (among them
/// the session's own notifications, queued when its transaction just committed), as
/// PostgreSQL does; false when one ends the session.
fn deliver_waiting<S, T>(
    io: &mut SessionIo<S>,
    session: &Session,
    ext: &extended::Extended<T>,
    pushes: &mut mpsc::UnboundedReceiver<Push>,
) -> bool
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    if ext.in_pipeline || session.status != TransactionStatus::Idle {
        return true;
    }
    while let Ok(push) = pushes.try_recv() {
        if !deliver(io, push) {
            return false;
        }
    }
    true
}

/// Writes a pushed message; false when the push ends the session.
fn deliver<S: AsyncRead + AsyncWrite + Unpin + Send>(io: &mut SessionIo<S>, push: Push) -> bool {
    match push {
        Push::Notification {
            pid,
            channel,
            payload,
        } => {
            io.conn.send(&BackendMessage::NotificationResponse {
                pid,
                channel,
                payload,
            });
            true
        }
        Push::ParameterStatus { name, value } => {
            io.conn
                .send(&BackendMessage::ParameterStatus { name, value });
            true
        }
        Push::Terminate(e) => {
            io.conn.send_error(&e);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    /// The future spawned per connection is copied several times by `tokio::spawn` (it was
    /// 10 KB, copied 7 times: half the user-space instructions of a trust connection); its
    /// big stages are boxed so that it stays small.
    #[test]
    fn spawned_connection_future_is_small() {
        let shared = std::sync::Arc::new(super::super::Shared {
            startup: crate::Config::default().startup_parameters(),
            config: Default::default(),
            registry: Default::default(),
            hub: Default::default(),
            connections: Default::default(),
            draining: tokio::sync::watch::channel(false).0,
        });
        let handler = std::sync::Arc::new(crate::router::NoFallback);
        let (io, _peer) = tokio::io::duplex(64);
        let f = super::serve(handler, shared, io, None);
        let size = std::mem::size_of_val(&f);
        assert!(size <= 1024, "connection future is {size} bytes");
    }
}
