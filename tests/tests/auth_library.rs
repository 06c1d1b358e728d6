//! The auth API from a library user's side, in-process: a custom AuthSource, a custom
//! Authenticator built on AuthContext, the authentication timeout, refusing weak methods
//! without TLS, and the mock salt of unknown users.

mod auth_common;
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use auth_common::{db_error, fatal_of, try_connect};
use pgwire::Config;
use pgwire::auth::{
    AuthContext, AuthSource, Authenticator, Credential, PasswordAuth, PasswordEncryption,
    ResponseKind, hash_password,
};
use pgwire::codec::{Authentication, BackendMessage};
use pgwire::prelude::*;
use pgwire::types::Column;
use support::raw::Raw;

/// Answers every query with the session's user name.
struct WhoAmI;

impl QueryHandler for WhoAmI {
    type Statement = ();

    async fn prepare(
        &self,
        _: &mut Session,
        _: &str,
        _: &[Option<Type>],
    ) -> PgResult<Prepared<()>> {
        Ok(Prepared::new(
            (),
            vec![],
            Some(vec![Column::new("user", Type::TEXT)].into()),
        ))
    }

    async fn execute(&self, session: &mut Session, portal: &Portal<()>) -> PgResult<Response> {
        let mut row = portal.encoder();
        row.encode_field(session.user())?;
        Ok(Response::rows(portal.columns(), vec![row.finish()?]))
    }
}

/// Starts an in-process server with `configure` applied; returns its port.
async fn start(configure: impl FnOnce(&mut Config)) -> u16 {
    let server = Server::builder(WhoAmI)
        .listen("127.0.0.1:0")
        .configure(configure)
        .bind()
        .await
        .expect("bind");
    let port = server.local_addr().expect("addr").port();
    tokio::spawn(server.serve());
    port
}

/// Users whose password is their name reversed, stored as MD5 hashes computed on demand.
struct Reversed;

#[async_trait::async_trait]
impl AuthSource for Reversed {
    async fn credential(&self, user: &str) -> PgResult<Option<Credential>> {
        if user.starts_with("nobody") {
            return Ok(None);
        }
        let pw: String = user.chars().rev().collect();
        Ok(Some(Credential::parse(&hash_password(
            PasswordEncryption::Md5,
            user,
            &pw,
        ))))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_auth_source() {
    let port = start(|c| c.auth = Arc::new(PasswordAuth::md5(Reversed))).await;
    let url = |u: &str, p: &str| {
        format!("host=127.0.0.1 port={port} user={u} password={p} dbname=postgres")
    };
    let c = try_connect(&url("alice", "ecila")).await.expect("login");
    let rows = c.query("SELECT 1", &[]).await.expect("query");
    assert_eq!(rows[0].get::<_, &str>(0), "alice");
    for (u, p) in [("alice", "alice"), ("nobody", "x")] {
        let e = try_connect(&url(u, p))
            .await
            .map(|_| ())
            .expect_err("refused");
        assert_eq!(
            db_error(&e),
            (
                "28P01".into(),
                format!("password authentication failed for user \"{u}\"")
            )
        );
    }
}

/// A pluggable method: the cleartext password must be `token-<user>`.
#[derive(Debug)]
struct TokenAuth;

#[async_trait::async_trait]
impl Authenticator for TokenAuth {
    async fn authenticate(&self, ctx: &mut AuthContext<'_>) -> PgResult<()> {
        ctx.send(Authentication::CleartextPassword).await?;
        let body = ctx.recv(ResponseKind::Password).await?;
        let expected = format!("token-{}\0", ctx.user());
        if body.as_ref() == expected.as_bytes() {
            Ok(())
        } else {
            Err(ctx.password_failed())
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_authenticator() {
    let port = start(|c| c.auth = Arc::new(TokenAuth)).await;
    let url = |p: &str| format!("host=127.0.0.1 port={port} user=bob password={p} dbname=postgres");
    try_connect(&url("token-bob")).await.expect("login");
    let e = try_connect(&url("token-alice"))
        .await
        .map(|_| ())
        .expect_err("refused");
    assert_eq!(db_error(&e).0, "28P01");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authentication_timeout_closes_silently() {
    let port = start(|c| {
        c.auth = Arc::new(PasswordAuth::scram(Reversed));
        c.authentication_timeout = Duration::from_millis(300);
    })
    .await;
    // A client that stops answering mid-exchange.
    let mut w = Raw::connect(port).await;
    w.send_startup_for("alice").await;
    assert!(matches!(
        w.recv().await,
        Some(BackendMessage::Authentication(Authentication::Sasl(_)))
    ));
    let t = Instant::now();
    assert!(w.until_closed().await.is_empty());
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    // A client that never sends its startup packet.
    let mut w = Raw::connect(port).await;
    assert!(w.until_closed().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weak_methods_can_require_tls() {
    for auth in [
        PasswordAuth::md5(Reversed).allow_without_tls(false),
        PasswordAuth::cleartext(Reversed).allow_without_tls(false),
    ] {
        let port = start(|c| c.auth = Arc::new(auth)).await;
        let mut w = Raw::connect(port).await;
        w.send_startup_for("alice").await;
        assert_eq!(
            fatal_of(&w.until_closed().await),
            Some((
                "28000".into(),
                "no pg_hba.conf entry for host \"127.0.0.1\", user \"alice\", database \"postgres\", no encryption".into()
            ))
        );
    }
    // SCRAM never exposes the password, so it is not affected.
    let port =
        start(|c| c.auth = Arc::new(PasswordAuth::scram(Reversed).allow_without_tls(false))).await;
    let mut w = Raw::connect(port).await;
    w.send_startup_for("alice").await;
    assert!(matches!(
        w.recv().await,
        Some(BackendMessage::Authentication(Authentication::Sasl(_)))
    ));
}

/// The salt of the server-first-message for `user`.
async fn salt_of(port: u16, user: &str) -> String {
    let mut w = Raw::connect(port).await;
    w.send_startup_for(user).await;
    assert!(matches!(
        w.recv().await,
        Some(BackendMessage::Authentication(Authentication::Sasl(_)))
    ));
    w.sasl_initial("SCRAM-SHA-256", Some(b"n,,n=,r=abcdefgh"))
        .await;
    match w.recv().await {
        Some(BackendMessage::Authentication(Authentication::SaslContinue(d))) => {
            let s = String::from_utf8(d.to_vec()).expect("ascii");
            let salt = s
                .split(',')
                .find_map(|a| a.strip_prefix("s="))
                .expect("salt");
            assert!(s.ends_with(",i=4096"), "{s}");
            salt.to_owned()
        }
        other => panic!("expected SASLContinue, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_users_get_a_stable_mock_salt() {
    let secret = [7u8; 32];
    let port =
        start(|c| c.auth = Arc::new(PasswordAuth::scram(Reversed).mock_secret(secret))).await;
    let a = salt_of(port, "nobody1").await;
    assert_eq!(a, salt_of(port, "nobody1").await, "same user, same salt");
    assert_ne!(
        a,
        salt_of(port, "nobody2").await,
        "salt depends on the user"
    );
    // Another server with the same secret gives the same salt (stable across restarts).
    let port2 =
        start(|c| c.auth = Arc::new(PasswordAuth::scram(Reversed).mock_secret(secret))).await;
    assert_eq!(a, salt_of(port2, "nobody1").await);
    // A user with an MD5 hash under SCRAM gets a mock exchange too (then 28P01).
    let b = salt_of(port, "alice").await;
    assert_eq!(b, salt_of(port, "alice").await);
}
