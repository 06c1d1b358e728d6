//! MD5 challenge-response authentication (`md5` in pg_hba.conf).
//!
//! The server sends a random 4-byte salt; the client answers
//! `"md5" + hex(md5(hex(md5(password || user)) || salt))`, which the server checks against the
//! stored `md5…` hash (or one computed from a plaintext credential).

use md5::{Digest, Md5};
use subtle::ConstantTimeEq;

use super::source::{Credential, md5_password_hash, push_hex};
use super::{AuthContext, ResponseKind, password_from_body};
use crate::codec::Authentication;
use crate::error::PgResult;

/// `"md5" + hex(md5(hash_hex || salt))` for a stored hash `md5<hash_hex>`.
pub(crate) fn salted_response(stored: &str, salt: [u8; 4]) -> String {
    let mut h = Md5::new();
    h.update(stored.get(3..).unwrap_or("").as_bytes());
    h.update(salt);
    let mut out = String::with_capacity(35);
    out.push_str("md5");
    push_hex(&mut out, &h.finalize());
    out
}

/// Runs the MD5 exchange. `credential` must be an MD5 hash or a plaintext password; anything
/// else (or none) makes the exchange fail after the client answered, like a wrong password.
pub(crate) async fn authenticate(
    ctx: &mut AuthContext<'_>,
    credential: Option<&Credential>,
) -> PgResult<()> {
    let mut salt = [0u8; 4];
    rand::fill(&mut salt);
    ctx.send(Authentication::Md5Password { salt }).await?;
    let body = ctx.recv(ResponseKind::Password).await?;
    let response = password_from_body(&body)?;
    let stored = match credential {
        Some(Credential::Md5(h)) => Some(h.clone()),
        Some(Credential::Plain(p)) => Some(md5_password_hash(ctx.user(), p)),
        _ => None,
    };
    let ok = stored.is_some_and(|s| {
        bool::from(
            salted_response(&s, salt)
                .as_bytes()
                .ct_eq(response.as_bytes()),
        )
    });
    if ok {
        Ok(())
    } else {
        Err(ctx.password_failed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_matches_libpq() {
        // libpq: pg_md5_encrypt(pg_md5_encrypt("pw", "u") + 3, salt)
        let stored = md5_password_hash("u", "pw");
        assert_eq!(
            salted_response(&stored, [1, 2, 3, 4]),
            "md50803a98a0618b75c8f9a50f280cad373"
        );
    }
}
