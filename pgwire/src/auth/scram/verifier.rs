//! The stored SCRAM-SHA-256 secret and the primitives that derive it (PBKDF2, HMAC).

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{DEFAULT_ITERATIONS, KEY_LEN, SALT_LEN, SCRAM_SHA_256};

type HmacSha256 = Hmac<Sha256>;

pub(super) fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; KEY_LEN] {
    // HMAC accepts keys of any length.
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

pub(super) fn sha256(data: &[u8]) -> [u8; KEY_LEN] {
    Sha256::digest(data).into()
}

/// PBKDF2-HMAC-SHA-256 with one output block (RFC 2898), SCRAM's `Hi()`.
fn hi(password: &[u8], salt: &[u8], iterations: u32) -> [u8; KEY_LEN] {
    let keyed =
        <HmacSha256 as KeyInit>::new_from_slice(password).unwrap_or_else(|_| unreachable!());
    let mut mac = keyed.clone();
    mac.update(salt);
    mac.update(&1u32.to_be_bytes());
    let mut u: [u8; KEY_LEN] = mac.finalize().into_bytes().into();
    let mut out = u;
    for _ in 1..iterations {
        let mut mac = keyed.clone();
        mac.update(&u);
        u = mac.finalize().into_bytes().into();
        for (o, b) in out.iter_mut().zip(u) {
            *o ^= b;
        }
    }
    out
}

/// The password after SASLprep, or as it is when SASLprep refuses it (as PostgreSQL and
/// libpq do).
fn prepare(password: &str) -> std::borrow::Cow<'_, str> {
    stringprep::saslprep(password).unwrap_or(std::borrow::Cow::Borrowed(password))
}

/// What a SCRAM server stores for a user: `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`.
#[derive(Clone, PartialEq, Eq)]
pub struct ScramVerifier {
    pub(super) iterations: u32,
    pub(super) salt: Vec<u8>,
    /// The salt as stored (sent as is in server-first-message).
    pub(super) salt_b64: String,
    pub(super) stored_key: [u8; KEY_LEN],
    pub(super) server_key: [u8; KEY_LEN],
}

impl ScramVerifier {
    /// A verifier for `password` with a random 16-byte salt and 4096 iterations.
    pub fn new(password: &str) -> ScramVerifier {
        let mut salt = [0u8; SALT_LEN];
        rand::fill(&mut salt);
        Self::with_salt(password, &salt, DEFAULT_ITERATIONS)
    }

    /// A verifier for `password` with the given salt and iteration count (at least 1).
    pub fn with_salt(password: &str, salt: &[u8], iterations: u32) -> ScramVerifier {
        let iterations = iterations.max(1);
        let salted = hi(prepare(password).as_bytes(), salt, iterations);
        let client_key = hmac(&salted, &[b"Client Key"]);
        ScramVerifier {
            iterations,
            salt: salt.to_vec(),
            salt_b64: B64.encode(salt),
            stored_key: sha256(&client_key),
            server_key: hmac(&salted, &[b"Server Key"]),
        }
    }

    /// Parses PostgreSQL's stored form; `None` if it is not a valid SCRAM-SHA-256 verifier.
    pub fn parse(s: &str) -> Option<ScramVerifier> {
        let (scheme, rest) = s.split_once('$')?;
        let (iterations, rest) = rest.split_once(':')?;
        let (salt_b64, rest) = rest.split_once('$')?;
        let (stored, server) = rest.split_once(':')?;
        if scheme != SCRAM_SHA_256 {
            return None;
        }
        let iterations: u32 = iterations.parse().ok().filter(|&i| i > 0)?;
        let salt = B64.decode(salt_b64).ok()?;
        let key = |s: &str| -> Option<[u8; KEY_LEN]> { B64.decode(s).ok()?.try_into().ok() };
        Some(ScramVerifier {
            iterations,
            salt,
            salt_b64: salt_b64.to_owned(),
            stored_key: key(stored)?,
            server_key: key(server)?,
        })
    }

    /// The iteration count.
    pub fn iterations(&self) -> u32 {
        self.iterations
    }

    /// The salt.
    pub fn salt(&self) -> &[u8] {
        &self.salt
    }

    /// Checks a password given in clear against this verifier (one PBKDF2 run), as
    /// PostgreSQL's `scram_verify_plain_password`; for the cleartext `password` method.
    pub fn verify_password(&self, password: &str) -> bool {
        let salted = hi(prepare(password).as_bytes(), &self.salt, self.iterations);
        let server_key = hmac(&salted, &[b"Server Key"]);
        server_key.ct_eq(&self.server_key).into()
    }

    /// The doomed verifier of a mock exchange: PostgreSQL's `mock_scram_secret`, a salt of
    /// `sha256(user || secret)` and the default iteration count.
    pub(crate) fn mock(user: &str, secret: &[u8]) -> ScramVerifier {
        let mut h = Sha256::new();
        h.update(user.as_bytes());
        h.update(secret);
        let digest = h.finalize();
        let salt = &digest[..SALT_LEN];
        ScramVerifier {
            iterations: DEFAULT_ITERATIONS,
            salt: salt.to_vec(),
            salt_b64: B64.encode(salt),
            stored_key: [0; KEY_LEN],
            server_key: [0; KEY_LEN],
        }
    }
}

impl fmt::Display for ScramVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{SCRAM_SHA_256}${}:{}${}:{}",
            self.iterations,
            self.salt_b64,
            B64.encode(self.stored_key),
            B64.encode(self.server_key)
        )
    }
}

impl fmt::Debug for ScramVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScramVerifier")
            .field("iterations", &self.iterations)
            .field("salt", &self.salt_b64)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifier_round_trips_and_checks_passwords() {
        let v = ScramVerifier::with_salt(
            "pencil",
            &B64.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap(),
            4096,
        );
        let text = v.to_string();
        assert!(text.starts_with("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$"));
        assert_eq!(ScramVerifier::parse(&text), Some(v.clone()));
        assert!(v.verify_password("pencil"));
        assert!(!v.verify_password("pencil2"));
    }
}
