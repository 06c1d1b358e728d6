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
    /// How clients authenticate (default [`Trust`]); see [`crate::auth`].
    pub auth: Arc<dyn Authenticator>,
    /// TLS settings; with them, TCP clients may use TLS (SSLRequest or direct TLS).
    pub tls: Option<TlsConfig>,
    /// Refuse unencrypted TCP connections with FATAL 28000 `no pg_hba.conf entry for host
    /// "…", user "…", database "…", no encryption`, like a `hostssl`-only pg_hba.conf
    /// (default false). Unix-socket connections are not affected.
    pub require_tls: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            server_version: "15.0".to_owned(),
            max_message_len: DEFAULT_MAX_MESSAGE_LEN,
            authentication_timeout: Duration::from_secs(60),
            parameters: Vec::new(),
            auth: Arc::new(Trust),
            tls: None,
            require_tls: false,
        }
    }
}

impl Config {
    /// The ParameterStatus values a PostgreSQL 15 server reports at startup, for `user`.
    pub(crate) fn startup_parameters(&self, user: &str) -> Vec<(String, String)> {
        let mut p: Vec<(String, String)> = [
            ("application_name", ""),
            ("client_encoding", "UTF8"),
            ("DateStyle", "ISO, MDY"),
            ("default_transaction_read_only", "off"),
            ("in_hot_standby", "off"),
            ("integer_datetimes", "on"),
            ("IntervalStyle", "postgres"),
            ("is_superuser", "on"),
            ("server_encoding", "UTF8"),
            ("server_version", self.server_version.as_str()),
            ("session_authorization", user),
            ("standard_conforming_strings", "on"),
            ("TimeZone", "UTC"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        for (k, v) in &self.parameters {
            match p.iter_mut().find(|(name, _)| name == k) {
                Some(slot) => slot.1 = v.clone(),
                None => p.push((k.clone(), v.clone())),
            }
        }
        p
    }
}
