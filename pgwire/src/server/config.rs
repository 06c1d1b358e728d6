//! Server settings, with defaults that mirror PostgreSQL 15.

use std::sync::Arc;
use std::time::Duration;

use super::tls::TlsConfig;
use crate::auth::{Authenticator, Trust};
use crate::codec::DEFAULT_MAX_MESSAGE_LEN;

/// Settings shared by every connection of a server.
#[derive(Debug, Clone)]
pub struct Config {
    /// Reported as `server_version` (default `15.0`).
    pub server_version: String,
    /// Cap on one message from a client (default 1 GiB, as PostgreSQL).
    pub max_message_len: usize,
    /// Time a client has to finish startup and authentication (default 60 s, as
    /// `authentication_timeout`).
    pub authentication_timeout: Duration,
    /// Extra or overridden ParameterStatus values sent at startup.
    pub parameters: Vec<(String, String)>,
    /// Most client connections at once (default 100, as `max_connections`); one more is
    /// refused with FATAL 53300 before any authentication work.
    pub max_connections: usize,
    /// End sessions idle outside a transaction this long (FATAL 57P05, as
    /// `idle_session_timeout`; default off).
    pub idle_session_timeout: Option<Duration>,
    /// End sessions idle inside a transaction block this long (FATAL 25P03, as
    /// `idle_in_transaction_session_timeout`; default off).
    pub idle_in_transaction_session_timeout: Option<Duration>,
    /// TCP keepalive probes: idle time before the first probe (default: the OS's).
    pub tcp_keepalives_idle: Option<Duration>,
    /// TCP keepalive: time between probes (default: the OS's).
    pub tcp_keepalives_interval: Option<Duration>,
    /// TCP keepalive: probes before the connection is dropped (default: the OS's).
    pub tcp_keepalives_count: Option<u32>,
    /// This server's id among instances behind one address (0–32767). Session pids then
    /// carry it, so a CancelRequest that reaches another instance can be forwarded here.
    pub instance_id: Option<u16>,
    /// Where CancelRequests for other instances go (see
    /// [`TcpCancelForwarder`](crate::cancel::TcpCancelForwarder)).
    pub cancel_forwarder: Option<std::sync::Arc<dyn crate::cancel::CancelForwarder>>,
    /// How clients authenticate (default [`Trust`]); see [`crate::auth`].
    pub auth: Arc<dyn Authenticator>,
    /// TLS settings; with them, TCP clients may use TLS (SSLRequest or direct TLS).
    pub tls: Option<TlsConfig>,
    /// Refuse unencrypted TCP connections with FATAL 28000 `no pg_hba.conf entry for host
    /// "…", user "…", database "…", no encryption`, like a `hostssl`-only pg_hba.conf
    /// (default false). Unix-socket connections are not affected.
    pub require_tls: bool,
    /// Serve sessions on this many threads, each running its own single-threaded tokio
    /// runtime with its own listening socket (`SO_REUSEPORT`: the kernel spreads new
    /// connections); default 0: sessions run on the runtime that calls
    /// [`Server::serve`](crate::Server::serve). A session then never moves between threads,
    /// which saves the wake-ups a work-stealing runtime spends handing tasks between its
    /// workers: most of the CPU a short query or a new connection costs on a small machine.
    /// Handlers run on these threads (resources of the caller's runtime keep working while
    /// it runs). As without reactors, `serve` returns once accepting has stopped; the
    /// threads serve open sessions until they end ([`ServerHandle::shutdown`](crate::ServerHandle::shutdown)
    /// ends them and waits).
    pub reactors: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            server_version: "15.0".to_owned(),
            max_message_len: DEFAULT_MAX_MESSAGE_LEN,
            authentication_timeout: Duration::from_secs(60),
            parameters: Vec::new(),
            max_connections: 100,
            idle_session_timeout: None,
            idle_in_transaction_session_timeout: None,
            tcp_keepalives_idle: None,
            tcp_keepalives_interval: None,
            tcp_keepalives_count: None,
            instance_id: None,
            cancel_forwarder: None,
            auth: Arc::new(Trust),
            tls: None,
            require_tls: false,
            reactors: 0,
        }
    }
}

impl Config {
    /// The keepalive settings to apply to accepted TCP sockets, if any were set.
    pub(crate) fn keepalive(&self) -> Option<socket2::TcpKeepalive> {
        if self.tcp_keepalives_idle.is_none()
            && self.tcp_keepalives_interval.is_none()
            && self.tcp_keepalives_count.is_none()
        {
            return None;
        }
        let mut k = socket2::TcpKeepalive::new();
        if let Some(t) = self.tcp_keepalives_idle {
            k = k.with_time(t);
        }
        if let Some(t) = self.tcp_keepalives_interval {
            k = k.with_interval(t);
        }
        if let Some(n) = self.tcp_keepalives_count {
            k = k.with_retries(n);
        }
        Some(k)
    }

    /// The ParameterStatus values a PostgreSQL 15 server reports at startup, in order;
    /// `None` stands for the session's user name (`session_authorization`).
    pub(crate) fn startup_parameters(&self) -> StartupParameters {
        let mut p: Vec<(String, Option<String>)> = [
            ("application_name", Some("")),
            ("client_encoding", Some("UTF8")),
            ("DateStyle", Some("ISO, MDY")),
            ("default_transaction_read_only", Some("off")),
            ("in_hot_standby", Some("off")),
            ("integer_datetimes", Some("on")),
            ("IntervalStyle", Some("postgres")),
            ("is_superuser", Some("on")),
            ("server_encoding", Some("UTF8")),
            ("server_version", Some(self.server_version.as_str())),
            ("session_authorization", None),
            ("standard_conforming_strings", Some("on")),
            ("TimeZone", Some("UTC")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.map(str::to_owned)))
        .collect();
        for (k, v) in &self.parameters {
            match p.iter_mut().find(|(name, _)| name == k) {
                Some(slot) => slot.1 = Some(v.clone()),
                None => p.push((k.clone(), Some(v.clone()))),
            }
        }
        let defaults = p
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.clone()?)))
            .collect();
        StartupParameters { order: p, defaults }
    }
}

/// The startup ParameterStatus values, worked out once per server rather than per
/// connection.
#[derive(Debug, Clone)]
pub(crate) struct StartupParameters {
    /// Names in the order they are reported, with their value (`None`: the user name).
    pub order: Vec<(String, Option<String>)>,
    /// The same values as a session's initial parameter map (without the user name).
    pub defaults: std::collections::HashMap<String, String>,
}
