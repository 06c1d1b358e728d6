//! What a handler knows about the client it is serving.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::net::SocketAddr;

use tokio::sync::mpsc;

use crate::cancel::CancelToken;
use crate::codec::{ProtocolVersion, TransactionStatus};
use std::sync::Arc;

use crate::error::{PgError, PgResult};
use crate::notify::Notifier;
use crate::server::{Shared, TlsInfo};

/// Session parameters that PostgreSQL reports with ParameterStatus when they change
/// (`GUC_REPORT`).
pub const REPORTED_PARAMETERS: &[&str] = &[
    "application_name",
    "client_encoding",
    "DateStyle",
    "default_transaction_read_only",
    "in_hot_standby",
    "integer_datetimes",
    "IntervalStyle",
    "is_superuser",
    "server_encoding",
    "server_version",
    "session_authorization",
    "standard_conforming_strings",
    "TimeZone",
];

/// Where a session's notices go; cloneable so that row streams can warn while they run.
#[derive(Debug, Clone)]
pub struct NoticeSender(pub(crate) mpsc::UnboundedSender<PgError>);

impl NoticeSender {
    /// Queues a NoticeResponse; it reaches the client before the next message of the
    /// session's response.
    pub fn send(&self, notice: PgError) {
        let _ = self.0.send(notice);
    }
}

/// One client session: who connected, its parameters, its transaction status, and a place
/// for the handler's own per-session state.
#[derive(Debug)]
pub struct Session {
    pub(crate) user: String,
    pub(crate) database: String,
    pub(crate) params: HashMap<String, String>,
    pub(crate) pid: i32,
    pub(crate) protocol: ProtocolVersion,
    pub(crate) peer: Option<SocketAddr>,
    pub(crate) status: TransactionStatus,
    pub(crate) status_set: bool,
    pub(crate) more_in_implicit: bool,
    pub(crate) reported: Vec<(String, String)>,
    pub(crate) notices: NoticeSender,
    pub(crate) cancel: CancelToken,
    pub(crate) notifier: Notifier,
    /// LISTEN (`true`) and UNLISTEN (`false`; `None` for `*`) of the current transaction,
    /// applied in order when it commits, as PostgreSQL does.
    listens: Vec<(bool, Option<String>)>,
    /// The transaction's savepoints, innermost last: name, and how many notifications and
    /// LISTEN/UNLISTEN were queued when it was set.
    savepoints: Vec<(String, usize, usize)>,
    pub(crate) shared: Option<Arc<Shared>>,
    pub(crate) tls: Option<TlsInfo>,
    extensions: HashMap<TypeId, Box<dyn Any + Send + Sync>>,
}

impl Session {
    pub(crate) fn new(
        user: String,
        database: String,
        pid: i32,
        protocol: ProtocolVersion,
        peer: Option<SocketAddr>,
        notices: NoticeSender,
        cancel: CancelToken,
    ) -> Session {
        Session {
            user,
            database,
            params: HashMap::new(),
            pid,
            protocol,
            peer,
            status: TransactionStatus::Idle,
            status_set: false,
            more_in_implicit: false,
            reported: Vec::new(),
            notices,
            cancel,
            notifier: Notifier::default(),
            listens: Vec::new(),
            savepoints: Vec::new(),
            shared: None,
            tls: None,
            extensions: HashMap::new(),
        }
    }

    /// The user name from the startup packet.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The database name (defaults to the user name, as in PostgreSQL).
    pub fn database(&self) -> &str {
        &self.database
    }

    /// The session's process id (as sent in BackendKeyData).
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// The protocol version in use.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.protocol
    }

    /// The client's address (None on a Unix socket).
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.peer
    }

    /// The TLS connection (SNI, ALPN, client certificates), when the client uses TLS.
    pub fn tls(&self) -> Option<&TlsInfo> {
        self.tls.as_ref()
    }

    /// A session parameter: from the startup packet, the server defaults, or `SET`.
    pub fn parameter(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str).or_else(|| {
            self.params
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        })
    }

    /// All session parameters.
    pub fn parameters(&self) -> &HashMap<String, String> {
        &self.params
    }

    /// Sets a session parameter; a reported one (see [`REPORTED_PARAMETERS`]) is announced to
    /// the client with ParameterStatus, as PostgreSQL does after `SET`.
    pub fn set_parameter(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        let canonical = REPORTED_PARAMETERS
            .iter()
            .find(|p| p.eq_ignore_ascii_case(name))
            .map(|p| (*p).to_owned());
        let key = canonical
            .clone()
            .unwrap_or_else(|| name.to_ascii_lowercase());
        let changed = self.params.get(&key) != Some(&value);
        if let (Some(key), true) = (canonical, changed) {
            self.reported.push((key, value.clone()));
        }
        self.params.insert(key, value);
    }

    /// The transaction status the next ReadyForQuery reports.
    pub fn transaction_status(&self) -> TransactionStatus {
        self.status
    }

    /// Sets the transaction status. Without this, the runtime infers it from command tags
    /// (`BEGIN`, `COMMIT`, `ROLLBACK`) and errors.
    pub fn set_transaction_status(&mut self, status: TransactionStatus) {
        self.status = status;
        self.status_set = true;
    }

    /// Whether more statements are known to follow the running one in the same implicit
    /// transaction: the next statements of a multi-statement Query, or an Execute already
    /// buffered before the next Sync. An engine that autocommits single statements can start
    /// a real transaction only when this is true (and end it in
    /// [`QueryHandler::end_implicit_transaction`](crate::QueryHandler::end_implicit_transaction)),
    /// keeping the common single-statement case cheap. (A pipeline whose later messages have
    /// not arrived yet when a statement runs is not seen.)
    pub fn implicit_transaction_continues(&self) -> bool {
        self.more_in_implicit
    }

    /// Queues a NoticeResponse to the client.
    pub fn notice(&self, notice: PgError) {
        self.notices.send(notice);
    }

    /// A handle for sending notices from a row stream.
    pub fn notice_sender(&self) -> NoticeSender {
        self.notices.clone()
    }

    /// The cancellation token of the running query: it fires when the client cancels.
    pub fn cancel_token(&self) -> &CancelToken {
        &self.cancel
    }

    /// Starts listening on `channel` (LISTEN) when the current transaction commits (at once
    /// outside a transaction block, which commits at the end of the statement).
    pub fn listen(&mut self, channel: &str) {
        self.listens.push((true, Some(channel.to_owned())));
    }

    /// Stops listening on `channel`, or on every channel for `None` (UNLISTEN / UNLISTEN *),
    /// when the current transaction commits.
    pub fn unlisten(&mut self, channel: Option<&str>) {
        self.listens.push((false, channel.map(str::to_owned)));
    }

    /// Queues a notification (NOTIFY); it is sent to listeners when this session's
    /// transaction commits, and dropped if it rolls back.
    pub fn notify(&self, channel: &str, payload: &str) -> PgResult<()> {
        self.notifier.notify(channel, payload)
    }

    /// A handle for queueing notifications from elsewhere (e.g. a `pg_notify()` SQL function
    /// running on an engine's thread).
    pub fn notifier(&self) -> Notifier {
        self.notifier.clone()
    }

    /// Applies the transaction's LISTEN/UNLISTEN, then sends its notifications (it
    /// committed): a session that listens and notifies in one transaction hears itself.
    pub(crate) fn deliver_notifications(&mut self) {
        self.savepoints.clear();
        let listens = std::mem::take(&mut self.listens);
        let notes = self.notifier.take();
        if let Some(shared) = &self.shared {
            for (listen, channel) in listens {
                match (listen, channel) {
                    (true, Some(ch)) => shared.hub.listen(self.pid, &ch),
                    (true, None) => {}
                    (false, ch) => shared.hub.unlisten(self.pid, ch.as_deref()),
                }
            }
            if !notes.is_empty() {
                shared.hub.deliver(&shared.registry, self.pid, notes);
            }
        }
    }

    /// Follows a savepoint statement that succeeded: ROLLBACK TO drops the notifications and
    /// LISTEN/UNLISTEN queued since the savepoint was set, as PostgreSQL does.
    pub(crate) fn savepoint(&mut self, op: crate::query::split::SavepointOp, name: String) {
        use crate::query::split::SavepointOp;
        let at = self.savepoints.iter().rposition(|(n, _, _)| *n == name);
        match (op, at) {
            (SavepointOp::Set, _) => {
                let mark = (name, self.notifier.len(), self.listens.len());
                self.savepoints.push(mark);
            }
            (SavepointOp::Release, Some(i)) => self.savepoints.truncate(i),
            (SavepointOp::RollbackTo, Some(i)) => {
                let (_, notes, listens) = self.savepoints[i];
                self.savepoints.truncate(i + 1);
                self.notifier.truncate(notes);
                self.listens.truncate(listens);
            }
            (_, None) => {}
        }
    }

    /// Whether `name` (folded as PostgreSQL folds it) is an open savepoint of the block.
    pub(crate) fn has_savepoint(&self, name: &str) -> bool {
        self.savepoints.iter().any(|(n, _, _)| n == name)
    }

    /// Drops the transaction's notifications and LISTEN/UNLISTEN (it rolled back).
    pub(crate) fn discard_notifications(&mut self) {
        self.savepoints.clear();
        self.listens.clear();
        self.notifier.take();
    }

    /// The handler's per-session value of type `T`, if set.
    pub fn get<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.extensions
            .get(&TypeId::of::<T>())
            .and_then(|b| b.downcast_ref())
    }

    /// The handler's per-session value of type `T`, mutably.
    pub fn get_mut<T: Any + Send + Sync>(&mut self) -> Option<&mut T> {
        self.extensions
            .get_mut(&TypeId::of::<T>())
            .and_then(|b| b.downcast_mut())
    }

    /// Stores a per-session value of type `T` (replacing any earlier one).
    pub fn insert<T: Any + Send + Sync>(&mut self, value: T) {
        self.extensions.insert(TypeId::of::<T>(), Box::new(value));
    }
}
