//! Connection startup: SSL/GSS negotiation (including PostgreSQL 17's direct TLS), the
//! StartupMessage, protocol version negotiation, and the session parameters reported to the
//! client.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::codec::{BackendMessage, ProtocolVersion, StartupMessage, StartupPacket};
use crate::error::{PgError, SqlState};
use crate::server::Shared;
use crate::server::conn::{Conn, ReadError};

/// The newest protocol version this server speaks.
pub const NEWEST_PROTOCOL: ProtocolVersion = ProtocolVersion::V3_2;

/// How startup ended.
pub(crate) enum Outcome {
    /// A StartupMessage for protocol 3.x, validated.
    Session(StartupMessage),
    /// The connection carried a CancelRequest (handled) or closed: nothing more to do.
    Done,
    /// Start the TLS handshake: after an SSLRequest answered `S`, or directly when the
    /// client's first byte opens a TLS record (`sslnegotiation=direct`). Bytes already read
    /// (the start of the ClientHello) are in the connection's read buffer.
    StartTls {
        /// Whether the client started TLS without an SSLRequest.
        direct: bool,
    },
}

/// First byte of a TLS handshake record.
const TLS_HANDSHAKE: u8 = 0x16;

/// Reads packets until a StartupMessage arrives, answering SSLRequest with 'S' when
/// `tls_available` (else 'N'), GSSENCRequest with 'N', and handling CancelRequest.
/// `ssl_done` is set on the TLS stream, where a second SSLRequest is a protocol violation.
pub(crate) async fn negotiate<S>(
    conn: &mut Conn<S>,
    shared: &Shared,
    tls_available: bool,
    ssl_done: bool,
) -> Result<Outcome, PgError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    if !ssl_done {
        if conn.rbuf.is_empty() && matches!(conn.io.read_buf(&mut conn.rbuf).await, Ok(0) | Err(_))
        {
            return Ok(Outcome::Done);
        }
        if conn.rbuf.first() == Some(&TLS_HANDSHAKE) {
            if tls_available {
                return Ok(Outcome::StartTls { direct: true });
            }
            // A TLS ClientHello to a server without TLS: nothing useful can be answered.
            tracing::debug!("direct TLS connection attempted but TLS is not configured");
            return Ok(Outcome::Done);
        }
    }
    let mut refused_ssl = ssl_done;
    let mut refused_gss = ssl_done;
    loop {
        let packet = match conn.read_startup().await {
            Ok(Some(p)) => p,
            Ok(None) | Err(ReadError::Io(_)) => return Ok(Outcome::Done),
            Err(ReadError::Fatal(e)) | Err(ReadError::Malformed(e)) => {
                return Err(match e {
                    crate::codec::CodecError::UnsupportedProtocol { major, minor } => {
                        unsupported(major, minor)
                    }
                    crate::codec::CodecError::TooLarge { .. }
                    | crate::codec::CodecError::InvalidLength(_) => PgError::fatal(
                        SqlState::PROTOCOL_VIOLATION,
                        "invalid length of startup packet",
                    ),
                    other => PgError::fatal(SqlState::PROTOCOL_VIOLATION, other.to_string()),
                });
            }
        };
        match packet {
            StartupPacket::SslRequest if !refused_ssl => {
                refused_ssl = true;
                if tls_available {
                    respond_byte(conn, b'S').await?;
                    return Ok(Outcome::StartTls { direct: false });
                }
                respond_byte(conn, b'N').await?;
            }
            StartupPacket::GssEncRequest if !refused_gss => {
                refused_gss = true;
                respond_byte(conn, b'N').await?;
            }
            StartupPacket::SslRequest | StartupPacket::GssEncRequest => {
                return Err(PgError::fatal(
                    SqlState::PROTOCOL_VIOLATION,
                    "unsupported frontend protocol: duplicate encryption request",
                ));
            }
            StartupPacket::Cancel(req) => {
                let target = crate::cancel::instance_of(req.pid);
                match (&shared.config.instance_id, &shared.config.cancel_forwarder) {
                    (Some(mine), Some(fwd)) if *mine != target => fwd.forward(target, req).await,
                    _ => {
                        shared.registry.cancel(&req);
                    }
                }
                return Ok(Outcome::Done);
            }
            StartupPacket::Startup(msg) => return Ok(Outcome::Session(msg)),
        }
    }
}

/// Answers an SSLRequest or GSSENCRequest with one byte. Bytes the client sent after the
/// request and before our answer could have been injected by a man in the middle
/// (CVE-2021-23214): PostgreSQL refuses them with FATAL 08P01 after its answer; before a TLS
/// handshake we refuse them before answering, so that they never reach the handshake.
async fn respond_byte<S>(conn: &mut Conn<S>, b: u8) -> Result<(), PgError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let injected = || {
        PgError::fatal(
            SqlState::PROTOCOL_VIOLATION,
            "received unencrypted data after SSL request",
        )
        .detail(
            "This could be either a client-software bug or evidence of an attempted man-in-the-middle attack.",
        )
    };
    if b == b'S' && !conn.rbuf.is_empty() {
        return Err(injected());
    }
    conn.io
        .write_all(&[b])
        .await
        .map_err(|e| PgError::fatal(SqlState::CONNECTION_FAILURE, e.to_string()))?;
    if !conn.rbuf.is_empty() {
        return Err(injected());
    }
    Ok(())
}

fn unsupported(major: u16, minor: u16) -> PgError {
    PgError::fatal(
        SqlState::FEATURE_NOT_SUPPORTED,
        format!(
            "unsupported frontend protocol {major}.{minor}: server supports 3.0 to {}.{}",
            NEWEST_PROTOCOL.major, NEWEST_PROTOCOL.minor
        ),
    )
}

/// The checked contents of a StartupMessage.
pub(crate) struct StartupInfo {
    pub user: String,
    pub database: String,
    pub protocol: ProtocolVersion,
    /// Session parameters from the packet (including `options` `-c` settings).
    pub params: Vec<(String, String)>,
    /// Messages to send before authentication (NegotiateProtocolVersion).
    pub negotiate: Option<BackendMessage>,
}

/// Validates a StartupMessage as PostgreSQL does.
pub(crate) fn check(msg: StartupMessage) -> Result<StartupInfo, PgError> {
    let user = msg.param("user").unwrap_or("").to_owned();
    if user.is_empty() {
        return Err(PgError::fatal(
            SqlState::INVALID_AUTHORIZATION_SPECIFICATION,
            "no PostgreSQL user name specified in startup packet",
        ));
    }
    let database = match msg.param("database") {
        Some(d) if !d.is_empty() => d.to_owned(),
        _ => user.clone(),
    };
    let mut unrecognized = Vec::new();
    let mut params = Vec::new();
    for (k, v) in &msg.params {
        match k.as_str() {
            "user" | "database" | "replication" => {}
            "options" => params.extend(parse_options(v)),
            k if k.starts_with("_pq_.") => unrecognized.push(k.to_owned()),
            _ => params.push((k.clone(), v.clone())),
        }
    }
    let protocol = if msg.version > NEWEST_PROTOCOL {
        NEWEST_PROTOCOL
    } else {
        msg.version
    };
    let negotiate = (msg.version > NEWEST_PROTOCOL || !unrecognized.is_empty()).then(|| {
        BackendMessage::NegotiateProtocolVersion {
            newest_minor: protocol.minor.into(),
            unrecognized,
        }
    });
    Ok(StartupInfo {
        user,
        database,
        protocol,
        params,
        negotiate,
    })
}

/// Parses the `options` startup parameter: `-c name=value`, `-cname=value` and
/// `--name=value`, with backslash-escaped spaces, as PostgreSQL's `pg_split_opts`.
fn parse_options(opts: &str) -> Vec<(String, String)> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut chars = opts.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            c if c.is_whitespace() => {
                if !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    let mut out = Vec::new();
    let mut it = words.into_iter();
    while let Some(w) = it.next() {
        let setting = if w == "-c" {
            it.next()
        } else if let Some(rest) = w.strip_prefix("-c") {
            Some(rest.to_owned())
        } else {
            w.strip_prefix("--").map(str::to_owned)
        };
        if let Some((k, v)) = setting.as_deref().and_then(|s| s.split_once('=')) {
            out.push((k.replace('-', "_"), v.to_owned()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_parsed_like_postgres() {
        assert_eq!(
            parse_options("-c search_path=a,b --statement-timeout=5 -cwork_mem=1MB -c x=a\\ b"),
            vec![
                ("search_path".into(), "a,b".into()),
                ("statement_timeout".into(), "5".into()),
                ("work_mem".into(), "1MB".into()),
                ("x".into(), "a b".into()),
            ]
        );
    }
}
