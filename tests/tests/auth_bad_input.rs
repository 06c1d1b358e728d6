//! Bad input during authentication, sent with a raw client: each is refused with the
//! SQLSTATE (and message) PostgreSQL 15 answers, never a panic. Probes that need no TLS run
//! against a real PostgreSQL 15 too and must get the same answer; TLS probes (the server
//! offering SCRAM-SHA-256-PLUS) are checked against PostgreSQL's source.

mod auth_common;
mod support;

use std::sync::{Arc, Mutex, OnceLock};

use auth_common::{Certs, fatal_of};
use pgwire::codec::{Authentication, BackendMessage, FrontendMessage, Query};
use postgres_protocol::authentication::sasl::{ChannelBinding, ScramSha256};
use support::example::Example;
use support::pg::{HostAuth, PgOptions, PgServer, pg_available};
use support::raw::Raw;

struct Fixture {
    certs: Certs,
    scram: Example,
    md5: Example,
    password: Example,
    require: Example,
    /// PostgreSQL 15 configured the same way: alice (scram-sha-256), md5user (md5),
    /// pwuser (password); all with password `secret`. Shut down at exit.
    pg: Option<PgPort>,
}

struct PgPort {
    port: u16,
}

/// The shared PostgreSQL, shut down (and its directory removed) when the test process
/// exits: a `static` is never dropped.
static PG: Mutex<Option<PgServer>> = Mutex::new(None);

extern "C" fn stop_pg() {
    if let Ok(mut pg) = PG.lock() {
        drop(pg.take());
    }
}

fn keep_until_exit(pg: PgServer) -> PgPort {
    let port = pg.port;
    *PG.lock().unwrap_or_else(|e| e.into_inner()) = Some(pg);
    // SAFETY: registers a plain `extern "C"` function with no arguments.
    unsafe {
        libc::atexit(stop_pg);
    }
    PgPort { port }
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let certs = Certs::new();
        let tls = certs.server_args();
        let tls: Vec<&str> = tls.iter().map(String::as_str).collect();
        fn with<'a>(args: &[&'a str], tls: &[&'a str]) -> Vec<&'a str> {
            [args, tls].concat()
        }
        let with_tls = |args: &[&'static str]| with(args, &tls);
        let pg = pg_available().then(|| {
            let pg = PgServer::start(
                PgOptions::default()
                    .host_auth(HostAuth::ScramSha256)
                    .hba("host all md5user 127.0.0.1/32 md5")
                    .hba("host all pwuser 127.0.0.1/32 password"),
            )
            .expect("start PostgreSQL");
            pg.psql(
                "SET password_encryption = 'scram-sha-256'; \
                 CREATE ROLE alice LOGIN PASSWORD 'secret'; \
                 CREATE ROLE pwuser LOGIN PASSWORD 'secret'; \
                 SET password_encryption = 'md5'; \
                 CREATE ROLE md5user LOGIN PASSWORD 'secret'",
            );
            keep_until_exit(pg)
        });
        if pg.is_none() {
            eprintln!("PostgreSQL 15 not installed: answers are checked against its source only");
        }
        Fixture {
            scram: Example::start(
                "server",
                &with_tls(&["--auth", "scram", "--user", "alice:secret"]),
            ),
            md5: Example::start("server", &["--auth", "md5", "--user", "md5user:secret"]),
            password: Example::start("server", &["--auth", "password", "--user", "pwuser:secret"]),
            require: Example::start("server", &with_tls(&["--require-tls"])),
            certs,
            pg,
        }
    })
}

/// Reads the AuthenticationSASL request and returns the mechanisms.
async fn sasl_mechanisms(w: &mut Raw) -> Vec<String> {
    match w.recv().await {
        Some(BackendMessage::Authentication(Authentication::Sasl(m))) => m,
        other => panic!("expected AuthenticationSASL, got {other:?}"),
    }
}

async fn sasl_continue(w: &mut Raw) -> Vec<u8> {
    match w.recv().await {
        Some(BackendMessage::Authentication(Authentication::SaslContinue(d))) => d.to_vec(),
        other => panic!("expected AuthenticationSASLContinue, got {other:?}"),
    }
}

/// A SCRAM exchange up to the client-final-message, which `tamper` may rewrite.
async fn scram_until_final(w: &mut Raw, tamper: impl FnOnce(String) -> String) {
    w.send_startup_for("alice").await;
    sasl_mechanisms(w).await;
    let mut scram = ScramSha256::new(b"secret", ChannelBinding::unsupported());
    w.sasl_initial("SCRAM-SHA-256", Some(scram.message())).await;
    let server_first = sasl_continue(w).await;
    scram.update(&server_first).expect("server-first");
    let fin = String::from_utf8(scram.message().to_vec()).expect("ascii");
    w.send_p(tamper(fin).as_bytes()).await;
}

#[derive(Debug, Clone, Copy)]
enum Probe {
    UnknownMechanism,
    PlusWithoutTls,
    TruncatedInitialResponse,
    InitialLengthPastEnd,
    MechanismWithoutTerminator,
    TruncatedClientFirst,
    ReorderedClientFirst,
    BindingFlagWithoutPlus,
    NonPrintableNonce,
    WrongNonce,
    TamperedProof,
    TruncatedClientFinal,
    ReorderedClientFinal,
    GarbageAfterProof,
    WrongBindingAttribute,
    QueryInsteadOfSasl,
    OversizedSasl,
    CorrectPassword,
    YFlagWithoutTls,
}

/// Runs a probe on the SCRAM server at `port`; returns what the server sent after the
/// probe's last message (up to the close).
async fn run(port: u16, probe: Probe) -> Vec<BackendMessage> {
    let mut w = Raw::connect(port).await;
    match probe {
        Probe::UnknownMechanism | Probe::PlusWithoutTls => {
            w.send_startup_for("alice").await;
            assert_eq!(sasl_mechanisms(&mut w).await, ["SCRAM-SHA-256"]);
            let mech = match probe {
                Probe::UnknownMechanism => "SCRAM-SHA-1",
                _ => "SCRAM-SHA-256-PLUS",
            };
            w.sasl_initial(mech, Some(b"n,,n=,r=abcdef")).await;
        }
        Probe::TruncatedInitialResponse
        | Probe::InitialLengthPastEnd
        | Probe::MechanismWithoutTerminator => {
            w.send_startup_for("alice").await;
            sasl_mechanisms(&mut w).await;
            let body: &[u8] = match probe {
                Probe::TruncatedInitialResponse => b"SCRAM-SHA-256\0\0\0",
                Probe::InitialLengthPastEnd => b"SCRAM-SHA-256\0\0\0\0\x20n,,n=,r=abc",
                _ => b"SCRAM-SHA-256",
            };
            w.send_p(body).await;
        }
        Probe::TruncatedClientFirst
        | Probe::ReorderedClientFirst
        | Probe::BindingFlagWithoutPlus
        | Probe::NonPrintableNonce => {
            w.send_startup_for("alice").await;
            sasl_mechanisms(&mut w).await;
            let first: &[u8] = match probe {
                Probe::TruncatedClientFirst => b"n,,n=",
                Probe::ReorderedClientFirst => b"n,,r=abcdef,n=",
                Probe::BindingFlagWithoutPlus => b"p=tls-server-end-point,,n=,r=abcdef",
                _ => b"n,,n=,r=ab\x7fcd",
            };
            w.sasl_initial("SCRAM-SHA-256", Some(first)).await;
        }
        Probe::WrongNonce => {
            scram_until_final(&mut w, |f| f.replacen(",r=", ",r=X", 1)).await;
        }
        Probe::TamperedProof => {
            scram_until_final(&mut w, |f| {
                let (head, proof) = f.split_once(",p=").expect("proof");
                let flipped = if proof.starts_with('A') { "B" } else { "A" };
                format!("{head},p={flipped}{}", &proof[1..])
            })
            .await;
        }
        Probe::TruncatedClientFinal => {
            scram_until_final(&mut w, |f| f[..f.find(",r=").expect("nonce")].to_owned()).await;
        }
        Probe::ReorderedClientFinal => {
            scram_until_final(&mut w, |f| {
                let (c, rest) = f.split_once(',').expect("attrs");
                let (r, p) = rest.split_once(',').expect("attrs");
                format!("{r},{c},{p}")
            })
            .await;
        }
        Probe::GarbageAfterProof => {
            scram_until_final(&mut w, |f| format!("{f},x=1")).await;
        }
        Probe::WrongBindingAttribute => {
            scram_until_final(&mut w, |f| f.replacen("c=biws", "c=eSws", 1)).await;
        }
        Probe::QueryInsteadOfSasl => {
            w.send_startup_for("alice").await;
            sasl_mechanisms(&mut w).await;
            let mut b = bytes::BytesMut::new();
            FrontendMessage::Query(Query {
                sql: "SELECT 1".into(),
            })
            .encode(&mut b);
            w.send_bytes(&b).await;
        }
        Probe::OversizedSasl => {
            w.send_startup_for("alice").await;
            sasl_mechanisms(&mut w).await;
            let mut data = b"n,,n=,r=".to_vec();
            data.resize(70_000, b'a');
            w.sasl_initial("SCRAM-SHA-256", Some(&data)).await;
        }
        Probe::CorrectPassword | Probe::YFlagWithoutTls => {
            w.send_startup_for("alice").await;
            sasl_mechanisms(&mut w).await;
            let cb = match probe {
                Probe::CorrectPassword => ChannelBinding::unsupported(),
                _ => ChannelBinding::unrequested(),
            };
            let mut scram = ScramSha256::new(b"secret", cb);
            w.sasl_initial("SCRAM-SHA-256", Some(scram.message())).await;
            let server_first = sasl_continue(&mut w).await;
            scram.update(&server_first).expect("server-first");
            w.send_p(scram.message()).await;
            match w.recv().await {
                Some(BackendMessage::Authentication(Authentication::SaslFinal(d))) => {
                    scram.finish(&d).expect("server signature verifies");
                }
                other => panic!("expected AuthenticationSASLFinal, got {other:?}"),
            }
            let next = w.recv().await;
            assert!(
                matches!(
                    next,
                    Some(BackendMessage::Authentication(Authentication::Ok))
                ),
                "{next:?}"
            );
            return Vec::new();
        }
    }
    w.until_closed().await
}

/// Runs `probe` on our server and, when installed, on PostgreSQL 15; they must answer the
/// same. Returns our (SQLSTATE, message).
async fn same_as_postgres(probe: Probe) -> Option<(String, String)> {
    let f = fixture();
    let ours = fatal_of(&run(f.scram.port, probe).await);
    if let Some(pg) = &f.pg {
        let theirs = fatal_of(&run(pg.port, probe).await);
        assert_eq!(ours, theirs, "{probe:?}: ours vs PostgreSQL 15");
    }
    ours
}

fn err(code: &str, msg: &str) -> Option<(String, String)> {
    Some((code.to_owned(), msg.to_owned()))
}

#[tokio::test]
async fn sasl_mechanism_choice() {
    let invalid = err(
        "08P01",
        "client selected an invalid SASL authentication mechanism",
    );
    assert_eq!(same_as_postgres(Probe::UnknownMechanism).await, invalid);
    assert_eq!(same_as_postgres(Probe::PlusWithoutTls).await, invalid);
}

#[tokio::test]
async fn truncated_sasl_messages() {
    assert_eq!(
        same_as_postgres(Probe::TruncatedInitialResponse).await,
        err("08P01", "insufficient data left in message")
    );
    assert_eq!(
        same_as_postgres(Probe::InitialLengthPastEnd).await,
        err("08P01", "insufficient data left in message")
    );
    assert_eq!(
        same_as_postgres(Probe::MechanismWithoutTerminator).await,
        err("08P01", "invalid string in message")
    );
    let malformed = err("08P01", "malformed SCRAM message");
    assert_eq!(
        same_as_postgres(Probe::TruncatedClientFirst).await,
        malformed
    );
    assert_eq!(
        same_as_postgres(Probe::TruncatedClientFinal).await,
        malformed
    );
}

#[tokio::test]
async fn malformed_or_reordered_scram_attributes() {
    let malformed = err("08P01", "malformed SCRAM message");
    assert_eq!(
        same_as_postgres(Probe::ReorderedClientFirst).await,
        malformed
    );
    assert_eq!(
        same_as_postgres(Probe::ReorderedClientFinal).await,
        malformed
    );
    assert_eq!(
        same_as_postgres(Probe::BindingFlagWithoutPlus).await,
        malformed
    );
    assert_eq!(same_as_postgres(Probe::GarbageAfterProof).await, malformed);
    assert_eq!(
        same_as_postgres(Probe::NonPrintableNonce).await,
        err("08P01", "non-printable characters in SCRAM nonce")
    );
    assert_eq!(
        same_as_postgres(Probe::WrongBindingAttribute).await,
        err(
            "08P01",
            "unexpected SCRAM channel-binding attribute in client-final-message"
        )
    );
}

#[tokio::test]
async fn wrong_nonce_and_tampered_proof() {
    assert_eq!(
        same_as_postgres(Probe::WrongNonce).await,
        err("08P01", "invalid SCRAM response")
    );
    assert_eq!(
        same_as_postgres(Probe::TamperedProof).await,
        err("28P01", "password authentication failed for user \"alice\"")
    );
}

#[tokio::test]
async fn other_messages_and_oversized_tokens() {
    assert_eq!(
        same_as_postgres(Probe::QueryInsteadOfSasl).await,
        err("08P01", "expected SASL response, got message type 81")
    );
    assert_eq!(
        same_as_postgres(Probe::OversizedSasl).await,
        err("28P01", "password authentication failed for user \"alice\"")
    );
}

#[tokio::test]
async fn valid_exchanges_succeed_with_a_verified_server_signature() {
    // "y" (client could bind, thinks the server cannot) is fine without TLS.
    assert_eq!(same_as_postgres(Probe::CorrectPassword).await, None);
    assert_eq!(same_as_postgres(Probe::YFlagWithoutTls).await, None);
}

/// A raw TLS exchange with the SCRAM server: the mechanisms offered and what `first`
/// (client-first-message for `mech`) and then `final_of` (given the server-first) lead to.
async fn tls_exchange(
    mech: &str,
    first: &[u8],
    final_of: impl FnOnce(&[u8], &[u8]) -> Option<Vec<u8>>,
) -> (Vec<String>, Vec<BackendMessage>) {
    let f = fixture();
    let mut w = Raw::tls(f.scram.port, f.certs.client_config(false)).await;
    w.send_startup_for("alice").await;
    let mechs = sasl_mechanisms(&mut w).await;
    w.sasl_initial(mech, Some(first)).await;
    let end_point = w.end_point.clone().expect("end point");
    let mut msgs = Vec::new();
    match w.recv().await {
        Some(BackendMessage::Authentication(Authentication::SaslContinue(d))) => {
            if let Some(fin) = final_of(&d, &end_point) {
                w.send_p(&fin).await;
            }
        }
        Some(m) => msgs.push(m),
        None => {}
    }
    msgs.extend(w.until_closed().await);
    (mechs, msgs)
}

#[tokio::test]
async fn channel_binding_over_tls() {
    // The -PLUS variant comes first, on TLS only.
    let (mechs, msgs) = tls_exchange("SCRAM-SHA-256", b"y,,n=,r=abcdef", |_, _| None).await;
    assert_eq!(mechs, ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"]);
    // "y" while the server offered -PLUS: a downgrade, 28000 (PostgreSQL's
    // read_client_first_message).
    assert_eq!(
        fatal_of(&msgs),
        err("28000", "SCRAM channel binding negotiation error")
    );
    // -PLUS selected but the message says "n": 08P01.
    let (_, msgs) = tls_exchange("SCRAM-SHA-256-PLUS", b"n,,n=,r=abcdef", |_, _| None).await;
    assert_eq!(fatal_of(&msgs), err("08P01", "malformed SCRAM message"));
    // -PLUS with a binding type other than tls-server-end-point.
    let (_, msgs) = tls_exchange(
        "SCRAM-SHA-256-PLUS",
        b"p=tls-unique,,n=,r=abcdef",
        |_, _| None,
    )
    .await;
    assert_eq!(
        fatal_of(&msgs),
        err(
            "08P01",
            "unsupported SCRAM channel-binding type \"tls-unique\""
        )
    );
    // -PLUS with binding data for another certificate: 28000.
    let mut scram = ScramSha256::new(b"secret", ChannelBinding::tls_server_end_point(vec![0; 32]));
    let first = scram.message().to_vec();
    let (_, msgs) = tls_exchange("SCRAM-SHA-256-PLUS", &first, |server_first, _| {
        scram.update(server_first).expect("server-first");
        Some(scram.message().to_vec())
    })
    .await;
    assert_eq!(
        fatal_of(&msgs),
        err("28000", "SCRAM channel binding check failed")
    );
    // And the right binding data logs in.
    let f = fixture();
    let mut w = Raw::tls(f.scram.port, f.certs.client_config(false)).await;
    w.send_startup_for("alice").await;
    sasl_mechanisms(&mut w).await;
    let mut scram = ScramSha256::new(
        b"secret",
        ChannelBinding::tls_server_end_point(w.end_point.clone().expect("end point")),
    );
    w.sasl_initial("SCRAM-SHA-256-PLUS", Some(scram.message()))
        .await;
    let server_first = sasl_continue(&mut w).await;
    scram.update(&server_first).expect("server-first");
    w.send_p(scram.message()).await;
    match w.recv().await {
        Some(BackendMessage::Authentication(Authentication::SaslFinal(d))) => {
            scram.finish(&d).expect("server signature verifies");
        }
        other => panic!("expected AuthenticationSASLFinal, got {other:?}"),
    }
}

/// The password-packet probes against the md5 and password servers.
async fn password_probe(port: u16, user: &str, body: Option<&[u8]>) -> Option<(String, String)> {
    let mut w = Raw::connect(port).await;
    w.send_startup_for(user).await;
    let req = w.recv().await;
    assert!(
        matches!(
            req,
            Some(BackendMessage::Authentication(
                Authentication::Md5Password { .. } | Authentication::CleartextPassword
            ))
        ),
        "{req:?}"
    );
    match body {
        Some(b) => w.send_p(b).await,
        None => {
            let mut b = bytes::BytesMut::new();
            FrontendMessage::Query(Query { sql: "x".into() }).encode(&mut b);
            w.send_bytes(&b).await;
        }
    }
    fatal_of(&w.until_closed().await)
}

#[tokio::test]
async fn malformed_password_messages() {
    let f = fixture();
    for (port, pg_port, user) in [
        (f.md5.port, f.pg.as_ref().map(|p| p.port), "md5user"),
        (f.password.port, f.pg.as_ref().map(|p| p.port), "pwuser"),
    ] {
        for (body, expected) in [
            (
                Some(&b"no terminator"[..]),
                err("08P01", "invalid password packet size"),
            ),
            (
                Some(b"two\0strings\0"),
                err("08P01", "invalid password packet size"),
            ),
            (
                None,
                err("08P01", "expected password response, got message type 81"),
            ),
            (
                Some(b"wrong\0"),
                err(
                    "28P01",
                    &format!("password authentication failed for user \"{user}\""),
                ),
            ),
        ] {
            let ours = password_probe(port, user, body).await;
            assert_eq!(ours, expected, "{user} {body:?}");
            if let Some(pg_port) = pg_port {
                assert_eq!(
                    password_probe(pg_port, user, body).await,
                    ours,
                    "{user} {body:?}: ours vs PostgreSQL 15"
                );
            }
        }
    }
    // An empty cleartext password.
    let ours = password_probe(f.password.port, "pwuser", Some(b"\0")).await;
    assert_eq!(ours, err("28P01", "empty password returned by client"));
    if let Some(pg) = &f.pg {
        assert_eq!(password_probe(pg.port, "pwuser", Some(b"\0")).await, ours);
    }
}

#[tokio::test]
async fn tls_negotiation_edge_cases() {
    let f = fixture();
    // A plaintext client when TLS is required.
    let mut w = Raw::connect(f.require.port).await;
    w.send_startup_for("alice").await;
    assert_eq!(
        fatal_of(&w.until_closed().await),
        err(
            "28000",
            "no pg_hba.conf entry for host \"127.0.0.1\", user \"alice\", database \"postgres\", no encryption"
        )
    );
    // The same client over TLS gets in (trust).
    let mut w = Raw::tls(f.require.port, f.certs.client_config(false)).await;
    w.send_startup_for("alice").await;
    assert!(matches!(
        w.recv().await,
        Some(BackendMessage::Authentication(Authentication::Ok))
    ));

    // Direct TLS without ALPN: the handshake may finish, but the server closes without
    // reading the startup packet (PostgreSQL 17 requires ALPN on direct TLS).
    let mut config = (*f.certs.client_config(false)).clone();
    config.alpn_protocols.clear();
    if let Ok(mut w) = Raw::direct_tls(f.scram.port, Arc::new(config)).await {
        w.send_startup_for("alice").await;
        assert!(w.until_closed().await.is_empty());
    }
    // Direct TLS offering another protocol only: refused at the handshake.
    let mut config = (*f.certs.client_config(false)).clone();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    assert!(
        Raw::direct_tls(f.scram.port, Arc::new(config))
            .await
            .is_err()
    );
    // Direct TLS with ALPN works.
    let mut w = Raw::direct_tls(f.scram.port, f.certs.client_config(false))
        .await
        .expect("direct TLS");
    w.send_startup_for("alice").await;
    assert!(matches!(
        w.recv().await,
        Some(BackendMessage::Authentication(Authentication::Sasl(_)))
    ));

    // Plaintext bytes right behind an SSLRequest (CVE-2021-23214) are refused, before the
    // handshake; on a server without TLS after its 'N', as PostgreSQL does.
    for port in [f.scram.port, f.md5.port] {
        let mut w = Raw::connect(port).await;
        let mut b = bytes::BytesMut::new();
        pgwire::codec::StartupPacket::SslRequest.encode(&mut b);
        pgwire::codec::StartupPacket::SslRequest.encode(&mut b);
        w.send_bytes(&b).await;
        let mut rest = Vec::new();
        tokio::io::AsyncReadExt::read_to_end(&mut w.stream, &mut rest)
            .await
            .expect("read");
        let text = String::from_utf8_lossy(&rest);
        assert!(
            text.contains("received unencrypted data after SSL request"),
            "{text:?}"
        );
        if port == f.md5.port {
            assert_eq!(rest[0], b'N');
        }
    }
}
