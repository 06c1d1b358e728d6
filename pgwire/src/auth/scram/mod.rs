//! SCRAM-SHA-256 and SCRAM-SHA-256-PLUS (RFC 5802, RFC 7677) with `tls-server-end-point`
//! channel binding (RFC 5929), server side, as PostgreSQL runs it.
//!
//! The server keeps only a [`ScramVerifier`] (salt, iteration count, StoredKey, ServerKey):
//! a login costs a few HMACs, never PBKDF2. Unknown users get a mock exchange with a
//! deterministic salt derived from a server secret, and fail at the end exactly like a wrong
//! password. Message parsing follows PostgreSQL's `auth-scram.c`, including its errors.

mod exchange;
mod verifier;

use super::source::Credential;
use super::{AuthContext, ResponseKind};
use crate::codec::Authentication;
use crate::error::{PgError, PgResult, SqlState};

pub use exchange::{ScramServer, ScramStep};
pub use verifier::ScramVerifier;

/// `SCRAM-SHA-256`.
pub const SCRAM_SHA_256: &str = "SCRAM-SHA-256";
/// `SCRAM-SHA-256-PLUS` (with channel binding).
pub const SCRAM_SHA_256_PLUS: &str = "SCRAM-SHA-256-PLUS";
/// PostgreSQL's default iteration count (`scram_iterations`).
pub const DEFAULT_ITERATIONS: u32 = 4096;
/// Salt length PostgreSQL uses (`SCRAM_DEFAULT_SALT_LEN`).
pub const SALT_LEN: usize = 16;
/// Random bytes in a server nonce (`SCRAM_RAW_NONCE_LEN`).
const RAW_NONCE_LEN: usize = 18;
const KEY_LEN: usize = 32;

/// Parses a SASLInitialResponse body as PostgreSQL does (`pq_getmsgrawstring`,
/// `pq_getmsgint`, `pq_getmsgbytes`, `pq_getmsgend`), with its error wording.
fn parse_initial(body: &[u8]) -> PgResult<(&str, Option<&[u8]>)> {
    let nul = body
        .iter()
        .position(|&b| b == 0)
        .ok_or_else(|| PgError::fatal(SqlState::PROTOCOL_VIOLATION, "invalid string in message"))?;
    let mechanism = std::str::from_utf8(&body[..nul]).unwrap_or("");
    let rest = &body[nul + 1..];
    Ok((mechanism, {
        let insufficient = || {
            PgError::fatal(
                SqlState::PROTOCOL_VIOLATION,
                "insufficient data left in message",
            )
        };
        let len_bytes: [u8; 4] = rest
            .get(..4)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(insufficient)?;
        let len = i32::from_be_bytes(len_bytes);
        let data = &rest[4..];
        if len == -1 {
            if !data.is_empty() {
                return Err(invalid_format());
            }
            None
        } else {
            let len = usize::try_from(len).map_err(|_| insufficient())?;
            if len > data.len() {
                return Err(insufficient());
            }
            if len < data.len() {
                return Err(invalid_format());
            }
            Some(data)
        }
    }))
}

fn invalid_format() -> PgError {
    PgError::fatal(SqlState::PROTOCOL_VIOLATION, "invalid message format")
}

/// Runs a SCRAM exchange on `ctx` against `credential`. A missing or non-SCRAM credential
/// (an MD5 hash) runs a doomed mock exchange; a plaintext one is turned into a verifier
/// first (one PBKDF2 run).
pub(crate) async fn authenticate(
    ctx: &mut AuthContext<'_>,
    credential: Option<&Credential>,
    mock_secret: &[u8],
) -> PgResult<()> {
    let verifier = match credential {
        Some(Credential::Scram(v)) => Some(v.clone()),
        Some(Credential::Plain(p)) => Some(ScramVerifier::with_salt(
            p,
            &ScramVerifier::mock(ctx.user(), mock_secret).salt,
            DEFAULT_ITERATIONS,
        )),
        Some(Credential::Md5(_)) => {
            tracing::info!(user = ctx.user(), "user does not have a valid SCRAM secret");
            None
        }
        None => None,
    };
    let end_point = ctx.channel_binding().map(<[u8]>::to_vec);
    let mut mechanisms = Vec::with_capacity(2);
    if end_point.is_some() {
        mechanisms.push(SCRAM_SHA_256_PLUS.to_owned());
    }
    mechanisms.push(SCRAM_SHA_256.to_owned());
    ctx.send(Authentication::Sasl(mechanisms)).await?;

    let body = ctx.recv(ResponseKind::Sasl).await?;
    let (mechanism, data) = parse_initial(&body)?;
    let user = ctx.user().to_owned();
    let mut server = ScramServer::new(mechanism, end_point.as_deref(), verifier, || {
        ScramVerifier::mock(&user, mock_secret)
    })?;
    let mut step = server.step(data)?;
    loop {
        match step {
            ScramStep::Continue(out) => {
                ctx.send(Authentication::SaslContinue(out.into())).await?;
                let body = ctx.recv(ResponseKind::Sasl).await?;
                step = server.step(Some(&body))?;
            }
            ScramStep::Success(out) => {
                ctx.queue(Authentication::SaslFinal(out.into()));
                return Ok(());
            }
            ScramStep::Failure => return Err(ctx.password_failed()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_response_parsing() {
        assert_eq!(
            parse_initial(b"SCRAM-SHA-256\0\xff\xff\xff\xff").unwrap(),
            ("SCRAM-SHA-256", None)
        );
        assert_eq!(
            parse_initial(b"M\0\0\0\0\x02ab").unwrap(),
            ("M", Some(&b"ab"[..]))
        );
        assert_eq!(
            parse_initial(b"M").unwrap_err().message,
            "invalid string in message"
        );
        assert_eq!(
            parse_initial(b"M\0\0\0").unwrap_err().message,
            "insufficient data left in message"
        );
        assert_eq!(
            parse_initial(b"M\0\0\0\0\x05ab").unwrap_err().message,
            "insufficient data left in message"
        );
        assert_eq!(
            parse_initial(b"M\0\0\0\0\x01ab").unwrap_err().message,
            "invalid message format"
        );
    }
}
