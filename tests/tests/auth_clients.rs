//! Authentication and TLS end to end with real clients: psql (libpq 15), tokio-postgres over
//! rustls, and psycopg 3 (a recent libpq) for PostgreSQL 17's direct TLS; with verifiers and
//! MD5 hashes produced by a real PostgreSQL 15.

mod auth_common;
mod support;

use std::process::Command;
use std::sync::OnceLock;

use auth_common::{Certs, MakeRustls, db_error, try_connect, try_connect_tls};
use sha2::Digest;
use support::example::Example;
use support::pg::{PgOptions, PgServer, pg_available};
use tokio_postgres::SimpleQueryMessage;

/// Stored passwords a real PostgreSQL 15 produced for password `pw`.
struct PgSecrets {
    /// `SCRAM-SHA-256$4096:…` of role `pgscram`.
    scram: String,
    /// `md5…` of role `pgmd5`.
    md5: String,
}

struct Fixture {
    certs: Certs,
    pg: Option<PgSecrets>,
    scram: Example,
    md5: Example,
    password: Example,
    secure: Example,
    require: Example,
}

fn pg_secrets() -> Option<PgSecrets> {
    if !pg_available() {
        eprintln!("PostgreSQL 15 not installed: tests of its verifiers are skipped");
        return None;
    }
    let pg = PgServer::start(PgOptions::default()).expect("start PostgreSQL");
    pg.psql(
        "SET password_encryption = 'scram-sha-256'; CREATE ROLE pgscram LOGIN PASSWORD 'pw'; \
         SET password_encryption = 'md5'; CREATE ROLE pgmd5 LOGIN PASSWORD 'pw'",
    );
    let get = |role: &str| {
        pg.psql(&format!(
            "SELECT rolpassword FROM pg_authid WHERE rolname = '{role}'"
        ))
    };
    let s = PgSecrets {
        scram: get("pgscram"),
        md5: get("pgmd5"),
    };
    assert!(s.scram.starts_with("SCRAM-SHA-256$4096:"), "{}", s.scram);
    assert!(s.md5.starts_with("md5") && s.md5.len() == 35, "{}", s.md5);
    Some(s)
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let certs = Certs::new();
        let pg = pg_secrets();
        let mut users = vec!["--user".to_owned(), "alice:secret".to_owned()];
        if let Some(s) = &pg {
            users.extend([
                "--user".into(),
                format!("pgscram:{}", s.scram),
                "--user".into(),
                format!("pgmd5:{}", s.md5),
            ]);
        }
        let start = |bin: &str, extra: &[&str]| {
            let mut args: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
            args.extend(users.iter().cloned());
            args.extend(certs.server_args());
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            Example::start(bin, &args)
        };
        let ca = certs.ca.display().to_string();
        Fixture {
            scram: start("server", &["--auth", "scram"]),
            md5: start("server", &["--auth", "md5"]),
            password: start("server", &["--auth", "password"]),
            secure: start("secure_server", &["--tls-client-ca", &ca]),
            require: start("server", &["--auth", "scram", "--require-tls"]),
            certs,
            pg,
        }
    })
}

fn url(port: u16, user: &str, password: &str) -> String {
    format!("host=localhost port={port} user={user} password={password} dbname=postgres")
}

/// Runs psql with a connection string and a password; (ok, stdout, stderr).
fn psql(conninfo: &str, password: &str, sql: &str) -> (bool, String, String) {
    let out = Command::new("psql")
        .env("PGPASSWORD", password)
        .env("PGCONNECT_TIMEOUT", "10")
        .args(["-X", "-A", "-t", "-d", conninfo, "-c", sql])
        .output()
        .expect("psql runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn first_row(client: &tokio_postgres::Client) -> Vec<Option<String>> {
    let msgs = client.simple_query("SELECT 1").await.expect("query");
    msgs.iter()
        .find_map(|m| match m {
            SimpleQueryMessage::Row(r) => {
                Some((0..r.len()).map(|i| r.get(i).map(str::to_owned)).collect())
            }
            _ => None,
        })
        .expect("a row")
}

#[tokio::test]
async fn every_method_works_with_tokio_postgres_plain_and_tls() {
    let f = fixture();
    let tls = MakeRustls::new(f.certs.client_config(false));
    for (name, server) in [
        ("scram", &f.scram),
        ("md5", &f.md5),
        ("password", &f.password),
    ] {
        let u = url(server.port, "alice", "secret");
        let c = try_connect(&u)
            .await
            .unwrap_or_else(|e| panic!("{name} without TLS: {e}"));
        c.simple_query("SELECT 1").await.expect("query");
        // tokio-postgres knows sslmode=require only; the rustls connector verifies the
        // chain to the test CA and the name `localhost`, as verify-full does.
        let c = try_connect_tls(&format!("{u} sslmode=require"), tls.clone())
            .await
            .unwrap_or_else(|e| panic!("{name} with TLS: {e}"));
        c.simple_query("SELECT 1").await.expect("query");
    }
    // channel_binding=require only succeeds with SCRAM-SHA-256-PLUS, offered on TLS.
    let u = format!(
        "{} sslmode=require channel_binding=require",
        url(f.scram.port, "alice", "secret")
    );
    try_connect_tls(&u, tls.clone())
        .await
        .expect("SCRAM-SHA-256-PLUS over TLS");
    // Without TLS there is no -PLUS, so requiring channel binding fails on the client.
    let u = format!(
        "{} channel_binding=require",
        url(f.scram.port, "alice", "secret")
    );
    assert!(try_connect(&u).await.is_err());
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_error() {
    let f = fixture();
    let tls = MakeRustls::new(f.certs.client_config(false));
    for (name, server) in [
        ("scram", &f.scram),
        ("md5", &f.md5),
        ("password", &f.password),
    ] {
        for ssl in ["disable", "require"] {
            let attempt = |user: &str, password: &str| {
                format!("{} sslmode={ssl}", url(server.port, user, password))
            };
            let wrong = try_connect_tls(&attempt("alice", "nope"), tls.clone())
                .await
                .err()
                .unwrap_or_else(|| panic!("{name}/{ssl}: wrong password accepted"));
            let unknown = try_connect_tls(&attempt("mallory", "nope"), tls.clone())
                .await
                .err()
                .unwrap_or_else(|| panic!("{name}/{ssl}: unknown user accepted"));
            assert_eq!(
                db_error(&wrong),
                (
                    "28P01".into(),
                    "password authentication failed for user \"alice\"".into()
                ),
                "{name}/{ssl}"
            );
            assert_eq!(
                db_error(&unknown),
                (
                    "28P01".into(),
                    "password authentication failed for user \"mallory\"".into()
                ),
                "{name}/{ssl}"
            );
        }
    }
}

#[tokio::test]
async fn psql_sslmodes_and_channel_binding() {
    let f = fixture();
    let ca = f.certs.ca.display();
    let port = f.scram.port;
    for conninfo in [
        format!("host=127.0.0.1 port={port} user=alice dbname=postgres sslmode=require"),
        format!(
            "host=localhost port={port} user=alice dbname=postgres sslmode=verify-full sslrootcert={ca}"
        ),
        format!(
            "host=localhost port={port} user=alice dbname=postgres sslmode=verify-full sslrootcert={ca} channel_binding=require"
        ),
        format!("host=127.0.0.1 port={port} user=alice dbname=postgres sslmode=disable"),
    ] {
        let (ok, out, err) = psql(&conninfo, "secret", "SELECT 1");
        assert!(ok, "{conninfo}: {err}");
        assert!(out.contains("Tom"), "{conninfo}: {out}");
    }
    // verify-full refuses a server certificate that does not chain to sslrootcert.
    let (ok, _, err) = psql(
        &format!(
            "host=localhost hostaddr=127.0.0.1 port={port} user=alice dbname=postgres sslmode=verify-full sslrootcert={}",
            f.certs.client_cert.display()
        ),
        "secret",
        "SELECT 1",
    );
    assert!(!ok, "a certificate from an unknown CA was accepted");
    assert!(err.contains("certificate verify failed"), "{err}");
    // Wrong password and unknown user through psql, over TLS.
    for user in ["alice", "mallory"] {
        let (ok, _, err) = psql(
            &format!("host=127.0.0.1 port={port} user={user} dbname=postgres sslmode=require"),
            "nope",
            "SELECT 1",
        );
        assert!(!ok);
        assert!(
            err.contains(&format!(
                "FATAL:  password authentication failed for user \"{user}\""
            )),
            "{err}"
        );
    }
}

#[tokio::test]
async fn postgres_15_verifiers_and_md5_hashes_log_in() {
    let f = fixture();
    if f.pg.is_none() {
        eprintln!("skipped: PostgreSQL 15 not installed");
        return;
    }
    let tls = MakeRustls::new(f.certs.client_config(false));
    // SCRAM verifier under scram and md5 methods (md5 with a SCRAM secret runs SCRAM, as in
    // PostgreSQL), and as a cleartext check; MD5 hash under md5 and password methods.
    for (server, user) in [
        (&f.scram, "pgscram"),
        (&f.md5, "pgscram"),
        (&f.password, "pgscram"),
        (&f.md5, "pgmd5"),
        (&f.password, "pgmd5"),
    ] {
        for ssl in ["disable", "require"] {
            let u = format!("{} sslmode={ssl}", url(server.port, user, "pw"));
            let c = try_connect_tls(&u, tls.clone())
                .await
                .unwrap_or_else(|e| panic!("{user} on port {}: {e}", server.port));
            c.simple_query("SELECT 1").await.expect("query");
            let (ok, _, err) = psql(&u, "pw", "SELECT 1");
            assert!(ok, "psql {u}: {err}");
        }
    }
    // A SCRAM method cannot use an MD5 hash: the login fails like a wrong password.
    let e = try_connect(&url(f.scram.port, "pgmd5", "pw"))
        .await
        .map(|_| ())
        .expect_err("scram with an md5 hash must fail");
    assert_eq!(
        db_error(&e),
        (
            "28P01".into(),
            "password authentication failed for user \"pgmd5\"".into()
        )
    );
}

#[tokio::test]
async fn tls_required_refuses_plaintext_like_hostssl() {
    let f = fixture();
    let port = f.require.port;
    let e = try_connect(&url(port, "alice", "secret"))
        .await
        .map(|_| ())
        .expect_err("plaintext refused");
    assert_eq!(
        db_error(&e),
        (
            "28000".into(),
            "no pg_hba.conf entry for host \"127.0.0.1\", user \"alice\", database \"postgres\", no encryption".into()
        )
    );
    let (ok, _, err) = psql(
        &format!("host=127.0.0.1 port={port} user=alice dbname=postgres sslmode=disable"),
        "secret",
        "SELECT 1",
    );
    assert!(!ok);
    assert!(err.contains("no encryption"), "{err}");
    // sslmode=prefer (libpq's default) and require get in.
    for mode in ["prefer", "require"] {
        let (ok, _, err) = psql(
            &format!("host=127.0.0.1 port={port} user=alice dbname=postgres sslmode={mode}"),
            "secret",
            "SELECT 1",
        );
        assert!(ok, "sslmode={mode}: {err}");
    }
}

#[tokio::test]
async fn handlers_see_sni_alpn_and_client_certificate() {
    let f = fixture();
    let port = f.secure.port;
    // With a client certificate, over an SSLRequest.
    let tls = MakeRustls::new(f.certs.client_config(true));
    let c = try_connect_tls(
        &format!("{} sslmode=require", url(port, "alice", "secret")),
        tls,
    )
    .await
    .expect("connect with a client certificate");
    let row = first_row(&c).await;
    let fingerprint: String = sha2::Sha256::digest(&f.certs.client_cert_der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(row[0].as_deref(), Some("alice"));
    assert_eq!(row[2].as_deref(), Some("TLSv1.3"));
    assert_eq!(row[4].as_deref(), Some("localhost"), "SNI");
    assert_eq!(row[5].as_deref(), Some("postgresql"), "ALPN");
    assert_eq!(row[6].as_deref(), Some("off"), "direct");
    assert_eq!(row[7].as_deref(), Some(fingerprint.as_str()), "client cert");

    // Direct TLS with tokio-postgres (it supports sslnegotiation=direct), no client cert.
    let tls = MakeRustls::new(f.certs.client_config(false));
    let c = try_connect_tls(
        &format!(
            "{} sslmode=require sslnegotiation=direct channel_binding=require",
            url(port, "alice", "secret")
        ),
        tls,
    )
    .await
    .expect("direct TLS");
    let row = first_row(&c).await;
    assert_eq!(row[6].as_deref(), Some("on"), "direct");
    assert_eq!(row[7], None, "no client cert");
}

#[test]
fn direct_tls_with_psycopg() {
    let f = fixture();
    let script = r#"
import sys, psycopg
if psycopg.pq.version() < 170000:
    print("SKIP libpq", psycopg.pq.version(), "predates sslnegotiation=direct")
    sys.exit(0)
port, ca = sys.argv[1], sys.argv[2]
base = f"host=localhost port={port} user=alice password=secret dbname=postgres sslrootcert={ca}"
with psycopg.connect(base + " sslmode=verify-full sslnegotiation=direct channel_binding=require") as c:
    assert c.pgconn.ssl_in_use
    row = c.execute("SELECT 1").fetchone()
    assert row[6] == "on" and row[5] == "postgresql" and row[4] == "localhost", row
with psycopg.connect(base + " sslmode=verify-full") as c:
    assert c.execute("SELECT 1").fetchone()[6] == "off"
try:
    psycopg.connect(base.replace("password=secret", "password=nope") + " sslmode=require sslnegotiation=direct")
    sys.exit("wrong password accepted")
except psycopg.OperationalError as e:
    assert 'password authentication failed for user "alice"' in str(e), e
print("OK")
"#;
    let port = f.secure.port.to_string();
    let ca = f.certs.ca.to_str().expect("a UTF-8 temp path");
    let Some(stdout) = support::run_python(&["-c", script, &port, ca]) else {
        return;
    };
    if stdout.starts_with("SKIP") {
        eprintln!("skipped: {stdout}");
        return;
    }
    assert_eq!(stdout.trim(), "OK");
}
