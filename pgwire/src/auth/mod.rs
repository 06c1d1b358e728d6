//! Authentication: what happens between the StartupMessage and AuthenticationOk.
//!
//! An [`Authenticator`] runs the exchange for one connection through an [`AuthContext`]. The
//! built-in ones are [`Trust`] and [`PasswordAuth`] (cleartext `password`, `md5`,
//! `scram-sha-256` with SCRAM-SHA-256-PLUS on TLS connections), which read stored
//! credentials from an [`AuthSource`] in PostgreSQL's own formats. They behave like a
//! PostgreSQL 15 `pg_hba.conf` line with that method: the same messages, the same method
//! and credential combinations (an `md5` method with a SCRAM verifier runs SCRAM), the same
//! errors, and unknown users are answered exactly like wrong passwords.
//!
//! ```no_run
//! use std::sync::Arc;
//! use pgwire::auth::{PasswordAuth, StaticAuthSource};
//! # use pgwire::prelude::*;
//! # async fn run<H: QueryHandler>(handler: H) -> std::io::Result<()> {
//! let users = StaticAuthSource::new().with_password("alice", "secret");
//! let server = Server::builder(handler)
//!     .listen("127.0.0.1:5432")
//!     .configure(|c| c.auth = Arc::new(PasswordAuth::scram(users)))
//!     .bind()
//!     .await?;
//! # server.serve().await }
//! ```

mod cleartext;
mod md5;
pub mod scram;
mod source;

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;

pub use scram::{ScramServer, ScramStep, ScramVerifier};
pub use source::{AuthSource, Credential, PasswordEncryption, StaticAuthSource, hash_password};

use crate::codec::{Authentication, BackendMessage, CodecError};
use crate::error::{PgError, PgResult, SqlState};
use crate::server::TlsInfo;
use crate::server::conn::ReadError;

/// Largest authentication message accepted from a client, as PostgreSQL's
/// `PG_MAX_AUTH_TOKEN_LENGTH` (65535 bytes).
pub const MAX_AUTH_MESSAGE_LEN: usize = 65535;

/// An authentication method, as named in `pg_hba.conf`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// `trust`: no password.
    Trust,
    /// `password`: the password in clear.
    Password,
    /// `md5`: MD5 challenge, or SCRAM when the user has a SCRAM verifier.
    Md5,
    /// `scram-sha-256`: SCRAM-SHA-256, and SCRAM-SHA-256-PLUS on TLS connections.
    ScramSha256,
}

/// Runs the authentication exchange of a connection, after the StartupMessage and before
/// AuthenticationOk (which the server sends when this returns `Ok`).
///
/// Return an error to refuse the connection; it is sent as FATAL. Implement it for methods
/// the built-ins do not cover (a token checked by another service, say), using
/// [`AuthContext::send`] and [`AuthContext::recv`].
#[async_trait::async_trait]
pub trait Authenticator: Send + Sync + fmt::Debug + 'static {
    /// Authenticates the client of `ctx`.
    async fn authenticate(&self, ctx: &mut AuthContext<'_>) -> PgResult<()>;
}

/// Lets everyone in (`trust`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Trust;

#[async_trait::async_trait]
impl Authenticator for Trust {
    async fn authenticate(&self, _ctx: &mut AuthContext<'_>) -> PgResult<()> {
        Ok(())
    }
}

/// Which exchange a client message answers (for error wording).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseKind {
    /// PasswordMessage (cleartext or MD5).
    Password,
    /// SASLInitialResponse / SASLResponse.
    Sasl,
}

/// The connection's socket as the authentication code sees it.
#[async_trait::async_trait]
pub(crate) trait AuthIo: Send {
    /// Queues `msg` without flushing.
    fn queue(&mut self, msg: &BackendMessage);
    /// Queues `msg` and flushes.
    async fn send_flush(&mut self, msg: &BackendMessage) -> std::io::Result<()>;
    /// Reads one message (type byte and body) no longer than `max_len`; `None` at EOF.
    async fn recv_frame(&mut self, max_len: usize) -> Result<Option<(u8, Bytes)>, ReadError>;
}

/// One connection during authentication: who asks, over what, and the means to talk.
pub struct AuthContext<'a> {
    pub(crate) user: &'a str,
    pub(crate) database: &'a str,
    pub(crate) peer: Option<SocketAddr>,
    pub(crate) tls: Option<&'a TlsInfo>,
    pub(crate) end_point: Option<&'a [u8]>,
    pub(crate) io: &'a mut dyn AuthIo,
}

impl fmt::Debug for AuthContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthContext")
            .field("user", &self.user)
            .field("database", &self.database)
            .field("peer", &self.peer)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

impl<'a> AuthContext<'a> {
    /// The user name from the startup packet.
    pub fn user(&self) -> &'a str {
        self.user
    }

    /// The database name (defaults to the user name).
    pub fn database(&self) -> &'a str {
        self.database
    }

    /// The client's address (None on a Unix socket).
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.peer
    }

    /// The TLS session, when the connection is encrypted.
    pub fn tls(&self) -> Option<&'a TlsInfo> {
        self.tls
    }

    /// `tls-server-end-point` channel-binding data (RFC 5929: the hash of the server's
    /// certificate), when the connection is encrypted and the certificate allows it.
    pub fn channel_binding(&self) -> Option<&'a [u8]> {
        self.end_point
    }

    /// Sends an Authentication request and flushes it.
    pub async fn send(&mut self, msg: Authentication) -> PgResult<()> {
        self.io
            .send_flush(&BackendMessage::Authentication(msg))
            .await
            .map_err(|e| PgError::fatal(SqlState::CONNECTION_FAILURE, e.to_string()))
    }

    /// Queues an Authentication message without flushing: for the last message of a
    /// successful exchange (AuthenticationSASLFinal), which then travels with
    /// AuthenticationOk and the rest of the startup response in one write.
    pub fn queue(&mut self, msg: Authentication) {
        self.io.queue(&BackendMessage::Authentication(msg));
    }

    /// Reads the body of the client's next 'p' message (PasswordMessage, SASLInitialResponse
    /// or SASLResponse), at most [`MAX_AUTH_MESSAGE_LEN`] bytes. Any other message is a
    /// protocol violation, as in PostgreSQL.
    pub async fn recv(&mut self, kind: ResponseKind) -> PgResult<Bytes> {
        match self.io.recv_frame(MAX_AUTH_MESSAGE_LEN + 4).await {
            Ok(Some((b'p', body))) => Ok(body),
            Ok(Some((tag, _))) => Err(PgError::fatal(
                SqlState::PROTOCOL_VIOLATION,
                format!(
                    "expected {} response, got message type {tag}",
                    match kind {
                        ResponseKind::Password => "password",
                        ResponseKind::Sasl => "SASL",
                    }
                ),
            )),
            Ok(None) | Err(ReadError::Io(_)) => Err(PgError::fatal(
                SqlState::CONNECTION_FAILURE,
                "client closed the connection during authentication",
            )),
            // PostgreSQL drops an oversized token and fails the login.
            Err(ReadError::Fatal(CodecError::TooLarge { .. })) => Err(self.password_failed()),
            Err(ReadError::Fatal(_)) | Err(ReadError::Malformed(_)) => Err(PgError::fatal(
                SqlState::PROTOCOL_VIOLATION,
                "invalid message length",
            )),
        }
    }

    /// FATAL 28P01 `password authentication failed for user "…"`: the one answer to a wrong
    /// password, an unknown user or an unusable stored secret.
    pub fn password_failed(&self) -> PgError {
        PgError::fatal(
            SqlState::INVALID_PASSWORD,
            format!("password authentication failed for user \"{}\"", self.user),
        )
    }

    /// FATAL 28000 `no pg_hba.conf entry for host "…", user "…", database "…", no encryption`:
    /// PostgreSQL's answer when no `pg_hba.conf` line lets this connection in.
    pub fn no_hba_entry(&self) -> PgError {
        no_hba_entry(self.peer, self.user, self.database, self.tls.is_some())
    }
}

/// FATAL 28000 as PostgreSQL words it when no pg_hba.conf line matches.
pub(crate) fn no_hba_entry(
    peer: Option<SocketAddr>,
    user: &str,
    database: &str,
    tls: bool,
) -> PgError {
    let host = peer.map_or_else(|| "[local]".to_owned(), |p| p.ip().to_string());
    PgError::fatal(
        SqlState::INVALID_AUTHORIZATION_SPECIFICATION,
        format!(
            "no pg_hba.conf entry for host \"{host}\", user \"{user}\", database \"{database}\", {}",
            if tls {
                "SSL encryption"
            } else {
                "no encryption"
            }
        ),
    )
}

/// Reads a PasswordMessage body: one NUL-terminated string and nothing after it.
pub(crate) fn password_from_body(body: &[u8]) -> PgResult<String> {
    match body.split_last() {
        Some((0, s)) if !s.contains(&0) => Ok(String::from_utf8_lossy(s).into_owned()),
        _ => Err(PgError::fatal(
            SqlState::PROTOCOL_VIOLATION,
            "invalid password packet size",
        )),
    }
}

/// Password authentication with credentials from an [`AuthSource`]: cleartext, MD5 or
/// SCRAM-SHA-256(-PLUS), with PostgreSQL 15's rules:
///
/// | method | stored credential | exchange |
/// |---|---|---|
/// | `Password` | any | cleartext password, checked against it |
/// | `Md5` | MD5 hash or plaintext | MD5 |
/// | `Md5` | SCRAM verifier | SCRAM |
/// | `ScramSha256` | SCRAM verifier (or plaintext) | SCRAM |
/// | `ScramSha256` | MD5 hash | mock SCRAM, then 28P01 |
/// | any | unknown user | full doomed exchange, then 28P01 |
///
/// SCRAM-SHA-256-PLUS is offered on TLS connections whose certificate has a usable
/// signature hash. The mock exchange for unknown users uses a salt derived from a secret
/// (random per `PasswordAuth` unless set with [`mock_secret`](Self::mock_secret)).
pub struct PasswordAuth {
    method: AuthMethod,
    source: Arc<dyn AuthSource>,
    encryption: PasswordEncryption,
    mock_secret: [u8; 32],
    allow_without_tls: bool,
}

impl fmt::Debug for PasswordAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordAuth")
            .field("method", &self.method)
            .field("password_encryption", &self.encryption)
            .field("allow_without_tls", &self.allow_without_tls)
            .finish_non_exhaustive()
    }
}

impl PasswordAuth {
    /// `method` with credentials from `source`.
    pub fn new(method: AuthMethod, source: impl AuthSource) -> Self {
        Self::shared(method, Arc::new(source))
    }

    /// `method` with a shared credential source.
    pub fn shared(method: AuthMethod, source: Arc<dyn AuthSource>) -> Self {
        let mut mock_secret = [0u8; 32];
        rand::fill(&mut mock_secret);
        PasswordAuth {
            method,
            source,
            encryption: PasswordEncryption::default(),
            mock_secret,
            allow_without_tls: true,
        }
    }

    /// Cleartext password (`password`).
    pub fn cleartext(source: impl AuthSource) -> Self {
        Self::new(AuthMethod::Password, source)
    }

    /// MD5 (`md5`).
    pub fn md5(source: impl AuthSource) -> Self {
        Self::new(AuthMethod::Md5, source)
    }

    /// SCRAM-SHA-256 (`scram-sha-256`).
    pub fn scram(source: impl AuthSource) -> Self {
        Self::new(AuthMethod::ScramSha256, source)
    }

    /// The method.
    pub fn method(&self) -> AuthMethod {
        self.method
    }

    /// With the `md5` method, which exchange an unknown user gets (PostgreSQL uses
    /// `password_encryption`; default SCRAM).
    pub fn password_encryption(mut self, encryption: PasswordEncryption) -> Self {
        self.encryption = encryption;
        self
    }

    /// The secret the mock SCRAM salt of unknown users is derived from. Keep it stable
    /// across restarts so that an unknown user's salt never changes.
    pub fn mock_secret(mut self, secret: [u8; 32]) -> Self {
        self.mock_secret = secret;
        self
    }

    /// Whether the `password` and `md5` methods may run on unencrypted TCP connections
    /// (default true). When false, such a connection is refused with 28000 `no pg_hba.conf
    /// entry …, no encryption`, like a `hostssl`-only pg_hba.conf. SCRAM, which never
    /// exposes the password, and Unix-socket connections are not affected.
    pub fn allow_without_tls(mut self, allow: bool) -> Self {
        self.allow_without_tls = allow;
        self
    }
}

#[async_trait::async_trait]
impl Authenticator for PasswordAuth {
    async fn authenticate(&self, ctx: &mut AuthContext<'_>) -> PgResult<()> {
        let weak = matches!(self.method, AuthMethod::Password | AuthMethod::Md5);
        if weak && !self.allow_without_tls && ctx.tls.is_none() && ctx.peer.is_some() {
            return Err(ctx.no_hba_entry());
        }
        if self.method == AuthMethod::Trust {
            return Ok(());
        }
        let credential = self.source.credential(ctx.user()).await?;
        let credential = credential.as_ref();
        match self.method {
            AuthMethod::Trust => Ok(()),
            AuthMethod::Password => cleartext::authenticate(ctx, credential).await,
            AuthMethod::Md5 => match credential {
                Some(Credential::Scram(_)) => {
                    scram::authenticate(ctx, credential, &self.mock_secret).await
                }
                Some(_) => md5::authenticate(ctx, credential).await,
                None if self.encryption == PasswordEncryption::Md5 => {
                    md5::authenticate(ctx, None).await
                }
                None => scram::authenticate(ctx, None, &self.mock_secret).await,
            },
            AuthMethod::ScramSha256 => {
                scram::authenticate(ctx, credential, &self.mock_secret).await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_packet_must_be_one_string() {
        assert_eq!(password_from_body(b"pw\0").unwrap(), "pw");
        assert_eq!(password_from_body(b"\0").unwrap(), "");
        for bad in [&b""[..], b"pw", b"p\0w\0"] {
            assert_eq!(
                password_from_body(bad).unwrap_err().message,
                "invalid password packet size"
            );
        }
    }

    #[test]
    fn hba_message_matches_postgres() {
        let e = no_hba_entry(Some("127.0.0.1:5".parse().unwrap()), "u", "d", false);
        assert_eq!(e.code, SqlState::INVALID_AUTHORIZATION_SPECIFICATION);
        assert_eq!(
            e.message,
            "no pg_hba.conf entry for host \"127.0.0.1\", user \"u\", database \"d\", no encryption"
        );
    }
}
