//! One SCRAM exchange, server side and without I/O: the client-first and client-final
//! messages parsed as PostgreSQL's `auth-scram.c` parses them, with its error wording.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use subtle::ConstantTimeEq;

use super::verifier::{hmac, sha256};
use super::{KEY_LEN, RAW_NONCE_LEN, SCRAM_SHA_256, SCRAM_SHA_256_PLUS, ScramVerifier};
use crate::error::{PgError, PgResult, SqlState};

/// The outcome of one step of a [`ScramServer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScramStep {
    /// Send this in AuthenticationSASLContinue and wait for the next client message.
    Continue(Vec<u8>),
    /// Authenticated: send this in AuthenticationSASLFinal, then AuthenticationOk.
    Success(Vec<u8>),
    /// Wrong password, unknown user or unusable secret: answer 28P01.
    Failure,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Init,
    SaltSent,
    Finished,
}

/// The server side of one SCRAM exchange, without I/O: feed it the client's messages.
#[derive(Debug)]
pub struct ScramServer {
    verifier: ScramVerifier,
    doomed: bool,
    /// With -PLUS: the expected `c=` attribute (base64 of the gs2 header + end-point hash).
    binding: Option<String>,
    /// Whether -PLUS was offered (a `y` flag is then a downgrade).
    plus_offered: bool,
    state: State,
    cbind_flag: u8,
    client_first_bare: Vec<u8>,
    client_nonce: Vec<u8>,
    server_nonce: String,
    server_first: Vec<u8>,
}

fn malformed(detail: impl Into<String>) -> PgError {
    PgError::fatal(SqlState::PROTOCOL_VIOLATION, "malformed SCRAM message").detail(detail)
}

/// A byte for an error message, as PostgreSQL's `sanitize_char`.
fn sanitize_char(c: Option<u8>) -> String {
    match c {
        Some(c @ 0x21..=0x7e) => format!("'{}'", c as char),
        Some(c) => format!("0x{c:02x}"),
        None => "0x00".to_owned(),
    }
}

/// A cursor over a SCRAM message with PostgreSQL's attribute readers.
struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn value(&mut self) -> &'a [u8] {
        let rest = &self.s[self.pos..];
        let end = rest.iter().position(|&b| b == b',').unwrap_or(rest.len());
        self.pos += end;
        if self.peek() == Some(b',') {
            self.pos += 1;
        }
        &rest[..end]
    }

    /// `read_attr_value`: `attr=value`, consuming the following comma.
    fn attr(&mut self, attr: u8) -> PgResult<&'a [u8]> {
        if self.peek() != Some(attr) {
            return Err(malformed(format!(
                "Expected attribute \"{}\" but found \"{}\".",
                attr as char,
                sanitize_char(self.peek())
            )));
        }
        self.pos += 1;
        if self.peek() != Some(b'=') {
            return Err(malformed(format!(
                "Expected character \"=\" for attribute \"{}\".",
                attr as char
            )));
        }
        self.pos += 1;
        Ok(self.value())
    }

    /// `read_any_attr`: any `ALPHA=value`.
    fn any_attr(&mut self) -> PgResult<(u8, &'a [u8])> {
        let attr = match self.peek() {
            None => {
                return Err(malformed("Attribute expected, but found end of string."));
            }
            Some(a) if a.is_ascii_alphabetic() => a,
            c => {
                return Err(malformed(format!(
                    "Attribute expected, but found invalid character \"{}\".",
                    sanitize_char(c)
                )));
            }
        };
        self.pos += 1;
        if self.peek() != Some(b'=') {
            return Err(malformed(format!(
                "Expected character \"=\" for attribute \"{}\".",
                attr as char
            )));
        }
        self.pos += 1;
        Ok((attr, self.value()))
    }

    fn comma(&mut self) -> PgResult<()> {
        if self.peek() != Some(b',') {
            return Err(malformed(format!(
                "Comma expected, but found character \"{}\".",
                sanitize_char(self.peek())
            )));
        }
        self.pos += 1;
        Ok(())
    }
}

impl ScramServer {
    /// Starts an exchange for the mechanism the client selected.
    ///
    /// `end_point` is the `tls-server-end-point` binding data when the connection uses TLS
    /// and -PLUS was offered. `verifier` is the user's verifier; `None` runs a doomed exchange
    /// with `mock` (see [`ScramVerifier`]).
    pub fn new(
        mechanism: &str,
        end_point: Option<&[u8]>,
        verifier: Option<ScramVerifier>,
        mock: impl FnOnce() -> ScramVerifier,
    ) -> PgResult<ScramServer> {
        let binding = match (mechanism, end_point) {
            (SCRAM_SHA_256_PLUS, Some(hash)) => {
                let mut input = b"p=tls-server-end-point,,".to_vec();
                input.extend_from_slice(hash);
                Some(B64.encode(input))
            }
            (SCRAM_SHA_256, _) => None,
            _ => {
                return Err(PgError::fatal(
                    SqlState::PROTOCOL_VIOLATION,
                    "client selected an invalid SASL authentication mechanism",
                ));
            }
        };
        let doomed = verifier.is_none();
        Ok(ScramServer {
            verifier: verifier.unwrap_or_else(mock),
            doomed,
            binding,
            plus_offered: end_point.is_some(),
            state: State::Init,
            cbind_flag: 0,
            client_first_bare: Vec::new(),
            client_nonce: Vec::new(),
            server_nonce: String::new(),
            server_first: Vec::new(),
        })
    }

    /// Processes one client message (`None`: a SASLInitialResponse without data).
    pub fn step(&mut self, input: Option<&[u8]>) -> PgResult<ScramStep> {
        let mut raw = [0u8; RAW_NONCE_LEN];
        rand::fill(&mut raw);
        self.step_with_nonce(input, &B64.encode(raw))
    }

    /// [`step`](Self::step) with a given server nonce (for tests against known vectors).
    pub fn step_with_nonce(
        &mut self,
        input: Option<&[u8]>,
        server_nonce: &str,
    ) -> PgResult<ScramStep> {
        let Some(input) = input else {
            if self.state == State::Init {
                // No initial response: an empty challenge asks the client for it.
                return Ok(ScramStep::Continue(Vec::new()));
            }
            return Err(malformed("The message is empty."));
        };
        if input.is_empty() {
            return Err(malformed("The message is empty."));
        }
        if input.contains(&0) {
            return Err(malformed("Message length does not match input length."));
        }
        match self.state {
            State::Init => {
                self.read_client_first(input)?;
                self.server_nonce = server_nonce.to_owned();
                let mut m = Vec::with_capacity(96);
                m.extend_from_slice(b"r=");
                m.extend_from_slice(&self.client_nonce);
                m.extend_from_slice(self.server_nonce.as_bytes());
                m.extend_from_slice(b",s=");
                m.extend_from_slice(self.verifier.salt_b64.as_bytes());
                m.extend_from_slice(format!(",i={}", self.verifier.iterations).as_bytes());
                self.server_first = m.clone();
                self.state = State::SaltSent;
                Ok(ScramStep::Continue(m))
            }
            State::SaltSent => {
                self.state = State::Finished;
                let fin = self.read_client_final(input)?;
                if !self.nonce_matches(fin.nonce) {
                    return Err(PgError::fatal(
                        SqlState::PROTOCOL_VIOLATION,
                        "invalid SCRAM response",
                    )
                    .detail("Nonce does not match."));
                }
                // The proof is checked even in a doomed exchange, so that timing does not
                // tell whether the user exists.
                let auth_message = [
                    &self.client_first_bare[..],
                    b",",
                    &self.server_first,
                    b",",
                    fin.without_proof,
                ];
                let client_signature = hmac(&self.verifier.stored_key, &auth_message);
                let mut client_key = fin.proof;
                for (k, s) in client_key.iter_mut().zip(client_signature) {
                    *k ^= s;
                }
                let ok: bool = sha256(&client_key).ct_eq(&self.verifier.stored_key).into();
                if !ok || self.doomed {
                    return Ok(ScramStep::Failure);
                }
                let server_signature = hmac(&self.verifier.server_key, &auth_message);
                let mut out = b"v=".to_vec();
                out.extend_from_slice(B64.encode(server_signature).as_bytes());
                Ok(ScramStep::Success(out))
            }
            State::Finished => Err(PgError::fatal(
                SqlState::PROTOCOL_VIOLATION,
                "invalid SCRAM exchange state",
            )),
        }
    }

    fn nonce_matches(&self, fin: &[u8]) -> bool {
        let c = self.client_nonce.len();
        fin.len() == c + self.server_nonce.len()
            && bool::from(fin[..c].ct_eq(&self.client_nonce))
            && bool::from(fin[c..].ct_eq(self.server_nonce.as_bytes()))
    }

    fn read_client_first(&mut self, input: &[u8]) -> PgResult<()> {
        let mut p = Cursor { s: input, pos: 0 };
        let with_binding = self.binding.is_some();
        self.cbind_flag = p.peek().unwrap_or(0);
        match p.peek() {
            Some(b'n') | Some(b'y') if with_binding => {
                return Err(malformed(
                    "The client selected SCRAM-SHA-256-PLUS, but the SCRAM message does not include channel binding data.",
                ));
            }
            Some(b'n') => {
                p.pos += 1;
                p.comma()?;
            }
            Some(b'y') => {
                if self.plus_offered {
                    return Err(PgError::fatal(
                        SqlState::INVALID_AUTHORIZATION_SPECIFICATION,
                        "SCRAM channel binding negotiation error",
                    )
                    .detail(
                        "The client supports SCRAM channel binding but thinks the server does not.  However, this server does support channel binding.",
                    ));
                }
                p.pos += 1;
                p.comma()?;
            }
            Some(b'p') => {
                if !with_binding {
                    return Err(malformed(
                        "The client selected SCRAM-SHA-256 without channel binding, but the SCRAM message includes channel binding data.",
                    ));
                }
                let kind = p.attr(b'p')?;
                if kind != b"tls-server-end-point" {
                    let shown: String = kind
                        .iter()
                        .take(30)
                        .map(|&c| {
                            if (0x21..=0x7e).contains(&c) {
                                c as char
                            } else {
                                '?'
                            }
                        })
                        .collect();
                    return Err(PgError::fatal(
                        SqlState::PROTOCOL_VIOLATION,
                        format!("unsupported SCRAM channel-binding type \"{shown}\""),
                    ));
                }
            }
            c => {
                return Err(malformed(format!(
                    "Unexpected channel-binding flag \"{}\".",
                    sanitize_char(c)
                )));
            }
        }
        if p.peek() == Some(b'a') {
            return Err(PgError::fatal(
                SqlState::FEATURE_NOT_SUPPORTED,
                "client uses authorization identity, but it is not supported",
            ));
        }
        if p.peek() != Some(b',') {
            return Err(malformed(format!(
                "Unexpected attribute \"{}\" in client-first-message.",
                sanitize_char(p.peek())
            )));
        }
        p.pos += 1;
        self.client_first_bare = input[p.pos..].to_vec();
        if p.peek() == Some(b'm') {
            return Err(PgError::fatal(
                SqlState::FEATURE_NOT_SUPPORTED,
                "client requires an unsupported SCRAM extension",
            ));
        }
        // The user name here is ignored: the startup packet's is used (libpq sends "n=").
        p.attr(b'n')?;
        let nonce = p.attr(b'r')?;
        if nonce.is_empty()
            || !nonce
                .iter()
                .all(|&c| (0x21..=0x7e).contains(&c) && c != b',')
        {
            return Err(PgError::fatal(
                SqlState::PROTOCOL_VIOLATION,
                "non-printable characters in SCRAM nonce",
            ));
        }
        self.client_nonce = nonce.to_vec();
        while p.peek().is_some() {
            p.any_attr()?;
        }
        Ok(())
    }

    fn read_client_final<'a>(&self, input: &'a [u8]) -> PgResult<ClientFinal<'a>> {
        let mut p = Cursor { s: input, pos: 0 };
        let channel_binding = p.attr(b'c')?;
        match &self.binding {
            Some(expected) => {
                if !bool::from(channel_binding.ct_eq(expected.as_bytes())) {
                    return Err(PgError::fatal(
                        SqlState::INVALID_AUTHORIZATION_SPECIFICATION,
                        "SCRAM channel binding check failed",
                    ));
                }
            }
            None => {
                let ok = (channel_binding == b"biws" && self.cbind_flag == b'n')
                    || (channel_binding == b"eSws" && self.cbind_flag == b'y');
                if !ok {
                    return Err(PgError::fatal(
                        SqlState::PROTOCOL_VIOLATION,
                        "unexpected SCRAM channel-binding attribute in client-final-message",
                    ));
                }
            }
        }
        let nonce = p.attr(b'r')?;
        let (proof_at, value) = loop {
            let at = p.pos.saturating_sub(1);
            let (attr, value) = p.any_attr()?;
            if attr == b'p' {
                break (at, value);
            }
        };
        let proof: [u8; KEY_LEN] = B64
            .decode(value)
            .ok()
            .and_then(|v| v.try_into().ok())
            .ok_or_else(|| malformed("Malformed proof in client-final-message."))?;
        if p.peek().is_some() {
            return Err(malformed(
                "Garbage found at the end of client-final-message.",
            ));
        }
        Ok(ClientFinal {
            nonce,
            proof,
            without_proof: &input[..proof_at],
        })
    }
}

struct ClientFinal<'a> {
    nonce: &'a [u8],
    proof: [u8; KEY_LEN],
    without_proof: &'a [u8],
}

#[cfg(test)]
mod tests {
    use super::*;

    const SALT: &str = "W22ZaJ0SNY7soEsUEjb6gQ==";
    const CLIENT_FIRST: &[u8] = b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    const SERVER_NONCE: &str = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    const SERVER_FIRST: &[u8] =
        b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    const CLIENT_FINAL: &[u8] = b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    const SERVER_FINAL: &[u8] = b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    fn rfc_verifier() -> ScramVerifier {
        ScramVerifier::with_salt("pencil", &B64.decode(SALT).unwrap(), 4096)
    }

    fn server(verifier: Option<ScramVerifier>) -> ScramServer {
        ScramServer::new(SCRAM_SHA_256, None, verifier, || {
            ScramVerifier::mock("user", b"secret")
        })
        .unwrap()
    }

    #[test]
    fn rfc7677_exchange() {
        let mut s = server(Some(rfc_verifier()));
        assert_eq!(
            s.step_with_nonce(Some(CLIENT_FIRST), SERVER_NONCE).unwrap(),
            ScramStep::Continue(SERVER_FIRST.to_vec())
        );
        assert_eq!(
            s.step(Some(CLIENT_FINAL)).unwrap(),
            ScramStep::Success(SERVER_FINAL.to_vec())
        );
    }

    #[test]
    fn doomed_and_tampered_exchanges_fail() {
        // Unknown user: the full exchange runs, with a deterministic salt, then fails.
        let mut s = server(None);
        let ScramStep::Continue(first) =
            s.step_with_nonce(Some(CLIENT_FIRST), SERVER_NONCE).unwrap()
        else {
            panic!()
        };
        let mut again = server(None);
        assert_eq!(
            again
                .step_with_nonce(Some(CLIENT_FIRST), SERVER_NONCE)
                .unwrap(),
            ScramStep::Continue(first)
        );
        assert_eq!(s.step(Some(CLIENT_FINAL)).unwrap(), ScramStep::Failure);

        // Tampered proof.
        let mut s = server(Some(rfc_verifier()));
        s.step_with_nonce(Some(CLIENT_FIRST), SERVER_NONCE).unwrap();
        let tampered = String::from_utf8(CLIENT_FINAL.to_vec())
            .unwrap()
            .replace("p=dHzb", "p=dHzc");
        assert_eq!(
            s.step(Some(tampered.as_bytes())).unwrap(),
            ScramStep::Failure
        );

        // Wrong nonce.
        let mut s = server(Some(rfc_verifier()));
        s.step_with_nonce(Some(CLIENT_FIRST), SERVER_NONCE).unwrap();
        let e = s
            .step(Some(
                b"c=biws,r=rOprNGfwEbeRWgbNEkqOX,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
            ))
            .unwrap_err();
        assert_eq!(e.code, SqlState::PROTOCOL_VIOLATION);
        assert_eq!(e.detail.as_deref(), Some("Nonce does not match."));
    }

    #[test]
    fn malformed_messages_are_refused_like_postgres() {
        let first = |msg: &[u8]| {
            let mut s = server(Some(rfc_verifier()));
            s.step(Some(msg)).unwrap_err()
        };
        for (msg, code, detail) in [
            (
                &b"x,,n=,r=abc"[..],
                "08P01",
                Some("Unexpected channel-binding flag \"'x'\"."),
            ),
            (
                b"n",
                "08P01",
                Some("Comma expected, but found character \"0x00\"."),
            ),
            (
                b"n,,r=abc,n=",
                "08P01",
                Some("Expected attribute \"n\" but found \"'r'\"."),
            ),
            (
                b"n,,n=,r",
                "08P01",
                Some("Expected character \"=\" for attribute \"r\"."),
            ),
            (b"n,,n=,r=", "08P01", None),
            (
                b"n,,n=,r=abc,1=x",
                "08P01",
                Some("Attribute expected, but found invalid character \"'1'\"."),
            ),
            (b"n,a=x,n=,r=abc", "0A000", None),
            (b"n,,m=x,n=,r=abc", "0A000", None),
            (
                b"p=tls-server-end-point,,n=,r=abc",
                "08P01",
                Some(
                    "The client selected SCRAM-SHA-256 without channel binding, but the SCRAM message includes channel binding data.",
                ),
            ),
            (
                b"n,,n=,r=a\0",
                "08P01",
                Some("Message length does not match input length."),
            ),
            (b"", "08P01", Some("The message is empty.")),
        ] {
            let e = first(msg);
            assert_eq!(e.code.code(), code, "{:?}", String::from_utf8_lossy(msg));
            assert!(e.is_fatal());
            if let Some(d) = detail {
                assert_eq!(
                    e.detail.as_deref(),
                    Some(d),
                    "{:?}",
                    String::from_utf8_lossy(msg)
                );
            }
        }
        // Final message: truncated, reordered, garbage, bad proof, wrong binding flag.
        for (msg, detail) in [
            (
                &b"c=biws"[..],
                Some("Expected attribute \"r\" but found \"0x00\"."),
            ),
            (
                b"r=x,c=biws,p=AA==",
                Some("Expected attribute \"c\" but found \"'r'\"."),
            ),
            (
                b"c=biws,r=x,p=AA==",
                Some("Malformed proof in client-final-message."),
            ),
            (
                b"c=biws,r=x,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=,x=1",
                Some("Garbage found at the end of client-final-message."),
            ),
            (
                b"c=biws,r=x",
                Some("Attribute expected, but found end of string."),
            ),
            (
                b"c=eSws,r=x,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
                None,
            ),
        ] {
            let mut s = server(Some(rfc_verifier()));
            s.step_with_nonce(Some(CLIENT_FIRST), SERVER_NONCE).unwrap();
            let e = s.step(Some(msg)).unwrap_err();
            assert_eq!(
                e.code,
                SqlState::PROTOCOL_VIOLATION,
                "{:?}",
                String::from_utf8_lossy(msg)
            );
            assert_eq!(
                e.detail.as_deref(),
                detail,
                "{:?}",
                String::from_utf8_lossy(msg)
            );
        }
    }

    #[test]
    fn channel_binding_rules() {
        let hash = [7u8; 32];
        let mock = || ScramVerifier::mock("user", b"s");
        // -PLUS without TLS binding data: not offered, so invalid.
        assert!(ScramServer::new(SCRAM_SHA_256_PLUS, None, None, mock).is_err());
        assert!(ScramServer::new("SCRAM-SHA-1", Some(&hash), None, mock).is_err());
        // "y" over TLS when -PLUS was offered: downgrade, 28000.
        let mut s =
            ScramServer::new(SCRAM_SHA_256, Some(&hash), Some(rfc_verifier()), mock).unwrap();
        let e = s.step(Some(b"y,,n=,r=abc")).unwrap_err();
        assert_eq!(e.code, SqlState::INVALID_AUTHORIZATION_SPECIFICATION);
        // -PLUS with the "n" flag.
        let mut s =
            ScramServer::new(SCRAM_SHA_256_PLUS, Some(&hash), Some(rfc_verifier()), mock).unwrap();
        assert_eq!(
            s.step(Some(b"n,,n=,r=abc")).unwrap_err().code,
            SqlState::PROTOCOL_VIOLATION
        );
        // -PLUS with an unknown binding type.
        let mut s =
            ScramServer::new(SCRAM_SHA_256_PLUS, Some(&hash), Some(rfc_verifier()), mock).unwrap();
        let e = s.step(Some(b"p=tls-unique,,n=,r=abc")).unwrap_err();
        assert_eq!(
            e.message,
            "unsupported SCRAM channel-binding type \"tls-unique\""
        );
        // -PLUS with the wrong binding data: 28000.
        let mut s =
            ScramServer::new(SCRAM_SHA_256_PLUS, Some(&hash), Some(rfc_verifier()), mock).unwrap();
        s.step(Some(b"p=tls-server-end-point,,n=,r=abc")).unwrap();
        let wrong = B64.encode(b"p=tls-server-end-point,,wrong");
        let e = s
            .step(Some(format!("c={wrong},r=abc,p=AA==").as_bytes()))
            .unwrap_err();
        assert_eq!(e.code, SqlState::INVALID_AUTHORIZATION_SPECIFICATION);
        assert_eq!(e.message, "SCRAM channel binding check failed");
    }
}
