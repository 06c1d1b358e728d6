//! `secure_server`: TLS and SCRAM-SHA-256-PLUS by default, with a self-signed certificate
//! generated at start unless `--tls-cert`/`--tls-key` are given.
//!
//! Every statement is answered with one row describing the connection as the server sees
//! it: user, database, TLS version and cipher, SNI, ALPN, whether TLS was started directly,
//! and the SHA-256 fingerprint of the client certificate.
//!
//! ```text
//! secure_server --listen 127.0.0.1:5433 --user alice:secret --write-cert /tmp/ca.pem
//! psql "host=localhost port=5433 user=alice sslmode=verify-full sslrootcert=/tmp/ca.pem channel_binding=require"
//! ```

use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;
use pgwire::prelude::*;
use pgwire_examples::{AuthArgs, AuthKind, ListenArgs};
use sha2::Digest;

#[derive(Parser)]
#[command(about = "A pgwire server with TLS and SCRAM-SHA-256-PLUS that describes each connection")]
struct Args {
    #[command(flatten)]
    listen: ListenArgs,
    #[command(flatten)]
    auth: AuthArgs,
    /// Write the generated self-signed certificate (PEM) here, for clients' `sslrootcert`.
    #[arg(long, value_name = "PATH")]
    write_cert: Option<PathBuf>,
}

/// Describes the connection of whoever asks.
struct Describe {
    columns: Arc<[Column]>,
}

impl Describe {
    fn new() -> Describe {
        let columns = [
            "user",
            "database",
            "ssl_version",
            "ssl_cipher",
            "sni",
            "alpn",
            "direct_tls",
            "client_cert_sha256",
        ]
        .into_iter()
        .map(|n| Column::new(n, Type::TEXT))
        .collect();
        Describe { columns }
    }
}

impl QueryHandler for Describe {
    type Statement = ();

    async fn prepare(
        &self,
        _session: &mut Session,
        _sql: &str,
        _types: &[Option<Type>],
    ) -> PgResult<Prepared<()>> {
        Ok(Prepared::new((), vec![], Some(self.columns.clone())))
    }

    async fn execute(&self, session: &mut Session, portal: &Portal<()>) -> PgResult<Response> {
        let tls = session.tls();
        let fingerprint = tls
            .and_then(|t| t.peer_certificates.first())
            .map(|c| hex(&sha2::Sha256::digest(c)));
        let values: [Option<String>; 8] = [
            Some(session.user().to_owned()),
            Some(session.database().to_owned()),
            tls.map(|t| t.version.to_owned()),
            tls.map(|t| t.cipher.clone()),
            tls.and_then(|t| t.sni.clone()),
            tls.and_then(|t| t.alpn.as_ref())
                .map(|a| String::from_utf8_lossy(a).into_owned()),
            tls.map(|t| if t.direct { "on" } else { "off" }.to_owned()),
            fingerprint,
        ];
        let mut row = portal.encoder();
        for v in &values {
            match v {
                Some(v) => row.encode_field(v.as_str())?,
                None => row.encode_null(),
            }
        }
        Ok(Response::rows(self.columns.clone(), vec![row.finish()?]))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = Args::parse();
    if args.auth.users.is_empty() {
        eprintln!("secure_server: no --user given; allowing user postgres with password postgres");
        args.auth.users.push("postgres:postgres".to_owned());
    }
    let generated = if args.auth.tls_cert.is_none() {
        let names = vec![
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
            "::1".to_owned(),
        ];
        let ck = rcgen::generate_simple_self_signed(names).map_err(std::io::Error::other)?;
        let cert_pem = ck.cert.pem();
        if let Some(path) = &args.write_cert {
            std::fs::write(path, &cert_pem)?;
        }
        Some(
            args.auth
                .tls_from_pem(cert_pem.as_bytes(), ck.key_pair.serialize_pem().as_bytes())?,
        )
    } else {
        None
    };
    let builder = args.auth.apply_with(
        args.listen.builder(Describe::new()),
        AuthKind::Scram,
        generated,
    )?;
    pgwire_examples::run(builder).await
}
