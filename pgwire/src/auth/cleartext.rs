//! Cleartext password authentication (`password` in pg_hba.conf): the client sends the
//! password itself, checked against any stored format (a SCRAM verifier costs one PBKDF2
//! run, as in PostgreSQL). Use it over TLS only; see
//! [`PasswordAuth::allow_without_tls`](super::PasswordAuth::allow_without_tls).

use subtle::ConstantTimeEq;

use super::source::{Credential, md5_password_hash};
use super::{AuthContext, ResponseKind, password_from_body};
use crate::codec::Authentication;
use crate::error::{PgError, PgResult, SqlState};

/// Whether `password` matches `credential`.
pub(crate) fn verify(user: &str, credential: &Credential, password: &str) -> bool {
    match credential {
        Credential::Plain(p) => p.as_bytes().ct_eq(password.as_bytes()).into(),
        Credential::Md5(h) => h
            .as_bytes()
            .ct_eq(md5_password_hash(user, password).as_bytes())
            .into(),
        Credential::Scram(v) => v.verify_password(password),
    }
}

/// Asks for the password in clear and checks it.
pub(crate) async fn authenticate(
    ctx: &mut AuthContext<'_>,
    credential: Option<&Credential>,
) -> PgResult<()> {
    ctx.send(Authentication::CleartextPassword).await?;
    let body = ctx.recv(ResponseKind::Password).await?;
    let password = password_from_body(&body)?;
    if password.is_empty() {
        return Err(PgError::fatal(
            SqlState::INVALID_PASSWORD,
            "empty password returned by client",
        ));
    }
    match credential {
        Some(c) if verify(ctx.user(), c, &password) => Ok(()),
        _ => Err(ctx.password_failed()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_every_stored_format() {
        for c in [
            Credential::Plain("pw".into()),
            Credential::md5("u", "pw"),
            Credential::scram("pw"),
        ] {
            assert!(verify("u", &c, "pw"), "{c:?}");
            assert!(!verify("u", &c, "pw2"), "{c:?}");
        }
    }
}
