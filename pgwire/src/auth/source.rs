//! Where stored credentials come from: [`AuthSource`], the [`Credential`] formats PostgreSQL
//! keeps in `pg_authid.rolpassword`, and a helper that hashes a password into each format.

use std::collections::HashMap;
use std::fmt;

use md5::{Digest, Md5};

use super::scram::ScramVerifier;
use crate::error::PgResult;

/// A user's stored credential, in one of PostgreSQL's three formats, so that rows of
/// `SELECT rolname, rolpassword FROM pg_authid` can be used as they are.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    /// A plaintext password. Fine for cleartext and MD5 authentication; with SCRAM it costs
    /// a PBKDF2 run (4096 HMACs) per login, so prefer [`Credential::scram`] for SCRAM users.
    Plain(String),
    /// `md5` followed by 32 hex digits: `md5(password || user)`.
    Md5(String),
    /// A SCRAM-SHA-256 verifier (`SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`).
    Scram(ScramVerifier),
}

impl Credential {
    /// Reads a stored password as PostgreSQL's `get_password_type` does: an MD5 hash when it
    /// is `md5` + 32 hex digits, a SCRAM verifier when it parses as one, plaintext otherwise.
    pub fn parse(stored: &str) -> Credential {
        if is_md5_hash(stored) {
            Credential::Md5(stored.to_ascii_lowercase())
        } else if let Some(v) = ScramVerifier::parse(stored) {
            Credential::Scram(v)
        } else {
            Credential::Plain(stored.to_owned())
        }
    }

    /// A SCRAM-SHA-256 verifier for `password` with a random salt and 4096 iterations (what
    /// PostgreSQL stores with `password_encryption = scram-sha-256`). Runs PBKDF2 once.
    pub fn scram(password: &str) -> Credential {
        Credential::Scram(ScramVerifier::new(password))
    }

    /// The MD5 hash PostgreSQL stores with `password_encryption = md5`.
    pub fn md5(user: &str, password: &str) -> Credential {
        Credential::Md5(md5_password_hash(user, password))
    }

    /// `password` hashed as `encryption` says (see [`hash_password`]).
    pub fn hashed(encryption: PasswordEncryption, user: &str, password: &str) -> Credential {
        match encryption {
            PasswordEncryption::Md5 => Credential::md5(user, password),
            PasswordEncryption::ScramSha256 => Credential::scram(password),
        }
    }
}

impl fmt::Display for Credential {
    /// The stored form, as in `pg_authid.rolpassword`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::Plain(p) => f.write_str(p),
            Credential::Md5(h) => f.write_str(h),
            Credential::Scram(v) => v.fmt(f),
        }
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print secrets into logs.
        match self {
            Credential::Plain(_) => f.write_str("Credential::Plain(..)"),
            Credential::Md5(_) => f.write_str("Credential::Md5(..)"),
            Credential::Scram(v) => write!(f, "Credential::Scram(iterations={})", v.iterations()),
        }
    }
}

/// How a password given in clear is stored, as PostgreSQL's `password_encryption`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PasswordEncryption {
    /// `md5`.
    Md5,
    /// `scram-sha-256` (PostgreSQL's default since 14).
    #[default]
    ScramSha256,
}

/// Hashes `password` for `user` into PostgreSQL's stored format: `md5<32 hex>` or
/// `SCRAM-SHA-256$4096:<salt>$<StoredKey>:<ServerKey>` (random salt).
///
/// ```
/// use pgwire::auth::{hash_password, PasswordEncryption};
/// assert_eq!(
///     hash_password(PasswordEncryption::Md5, "u", "pw"),
///     "md5b350798a23d7544eb353a6f8dca231c2"
/// );
/// assert!(hash_password(PasswordEncryption::ScramSha256, "u", "pw").starts_with("SCRAM-SHA-256$4096:"));
/// ```
pub fn hash_password(encryption: PasswordEncryption, user: &str, password: &str) -> String {
    Credential::hashed(encryption, user, password).to_string()
}

/// `"md5" + hex(md5(password || user))`.
pub(crate) fn md5_password_hash(user: &str, password: &str) -> String {
    let mut h = Md5::new();
    h.update(password.as_bytes());
    h.update(user.as_bytes());
    let mut out = String::with_capacity(35);
    out.push_str("md5");
    push_hex(&mut out, &h.finalize());
    out
}

/// Appends `bytes` as lowercase hex.
pub(crate) fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 15)] as char);
    }
}

fn is_md5_hash(s: &str) -> bool {
    s.len() == 35 && s.starts_with("md5") && s[3..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// Looks up users' stored credentials: a user table, a config file, a call to another
/// service. Object-safe, so servers hold an `Arc<dyn AuthSource>`.
///
/// Returning `Ok(None)` for an unknown user makes the server go through a full, doomed
/// exchange (a mock SCRAM exchange, or a password prompt) and answer exactly as for a wrong
/// password, so that clients cannot probe which users exist.
#[async_trait::async_trait]
pub trait AuthSource: Send + Sync + 'static {
    /// The stored credential of `user`, or `None` when there is no such user (or no
    /// password).
    async fn credential(&self, user: &str) -> PgResult<Option<Credential>>;
}

/// An in-memory user table.
///
/// ```
/// use pgwire::auth::{Credential, StaticAuthSource};
/// let users = StaticAuthSource::new()
///     .with_password("alice", "secret")                  // kept as a SCRAM verifier
///     .with("bob", Credential::parse("md5b350798a23d7544eb353a6f8dca231c2"));
/// assert_eq!(users.len(), 2);
/// ```
#[derive(Debug, Clone, Default)]
pub struct StaticAuthSource {
    users: HashMap<String, Credential>,
    encryption: PasswordEncryption,
}

impl StaticAuthSource {
    /// An empty table storing clear passwords as SCRAM verifiers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores clear passwords given to [`with_password`](Self::with_password) as
    /// `encryption` says (as `password_encryption`).
    pub fn password_encryption(mut self, encryption: PasswordEncryption) -> Self {
        self.encryption = encryption;
        self
    }

    /// Adds `user` with a stored credential.
    pub fn with(mut self, user: impl Into<String>, credential: Credential) -> Self {
        self.insert(user, credential);
        self
    }

    /// Adds `user` with `password`, hashed once now (SCRAM by default).
    pub fn with_password(mut self, user: impl Into<String>, password: &str) -> Self {
        let user = user.into();
        let c = Credential::hashed(self.encryption, &user, password);
        self.users.insert(user, c);
        self
    }

    /// Adds or replaces `user`.
    pub fn insert(&mut self, user: impl Into<String>, credential: Credential) {
        self.users.insert(user.into(), credential);
    }

    /// Number of users.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// Whether there are no users.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }
}

#[async_trait::async_trait]
impl AuthSource for StaticAuthSource {
    async fn credential(&self, user: &str) -> PgResult<Option<Credential>> {
        Ok(self.users.get(user).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_postgres_formats() {
        assert!(matches!(
            Credential::parse("md5b350798a23d7544eb353a6f8dca231c2"),
            Credential::Md5(_)
        ));
        // Not 32 hex digits: a plaintext password that happens to start with md5.
        assert!(matches!(Credential::parse("md5abc"), Credential::Plain(_)));
        assert!(matches!(
            Credential::parse(
                "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU="
            ),
            Credential::Scram(_)
        ));
        assert!(matches!(
            Credential::parse("SCRAM-SHA-256$x:y$z:w"),
            Credential::Plain(_)
        ));
    }

    #[test]
    fn md5_hash_matches_postgres() {
        // SELECT 'md5' || md5('pw' || 'u')
        assert_eq!(
            md5_password_hash("u", "pw"),
            "md5b350798a23d7544eb353a6f8dca231c2"
        );
    }
}
