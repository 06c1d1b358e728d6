//! What every example server shares: the command-line flags of the examples' convention
//! (listening, authentication, TLS) and the "listening on HOST:PORT" start-up line.

pub mod gluesql;

use std::path::PathBuf;
use std::sync::Arc;

use pgwire::auth::{
    AuthMethod, Authenticator, Credential, PasswordAuth, PasswordEncryption, StaticAuthSource,
    Trust,
};
use pgwire::server::ClientAuth;
use pgwire::{QueryHandler, Server, ServerBuilder, TlsConfig};

/// Flags every example takes.
#[derive(Debug, Clone, clap::Args)]
pub struct ListenArgs {
    /// TCP address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:5432", value_name = "HOST:PORT")]
    pub listen: String,
    /// Also listen on a Unix socket in this directory (socket file `.s.PGSQL.<port>`).
    #[arg(long, value_name = "DIR")]
    pub unix_socket: Option<PathBuf>,
    /// Serve sessions on N threads with a single-threaded runtime each (pgwire's
    /// `Config::reactors`); 0: on the main multi-threaded runtime.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub reactors: usize,
}

impl ListenArgs {
    /// A server builder listening where the flags say.
    pub fn builder<H: QueryHandler>(&self, handler: H) -> ServerBuilder<H> {
        let reactors = self.reactors;
        let mut b = Server::builder(handler)
            .listen(self.listen.clone())
            .configure(|c| c.reactors = reactors);
        if let Some(dir) = &self.unix_socket {
            b = b.unix_socket(dir.clone());
        }
        b
    }
}

/// Binds, prints `listening on HOST:PORT` as the first line on stdout, and serves.
pub async fn run<H: QueryHandler>(builder: ServerBuilder<H>) -> std::io::Result<()> {
    init_tracing();
    let server = builder.bind().await?;
    if let Some(addr) = server.local_addr() {
        println!("listening on {addr}");
    }
    if let Some(path) = server.unix_socket_path() {
        eprintln!("unix socket {}", path.display());
    }
    use std::io::Write;
    std::io::stdout().flush()?;
    server.serve().await
}

/// Logs to stderr, filtered by `RUST_LOG` (default: warnings).
pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .try_init();
}

/// Authentication methods the examples offer (`--auth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthKind {
    /// No password.
    Trust,
    /// Cleartext password (use with TLS).
    Password,
    /// MD5 challenge (SCRAM for users given a SCRAM verifier, as PostgreSQL).
    Md5,
    /// SCRAM-SHA-256, and SCRAM-SHA-256-PLUS over TLS.
    Scram,
}

/// Authentication and TLS flags every example takes (flatten it next to [`ListenArgs`]).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AuthArgs {
    /// Authentication method [default: trust; secure_server: scram].
    #[arg(long, value_enum)]
    pub auth: Option<AuthKind>,
    /// A user allowed in: `NAME:PASSWORD`, where PASSWORD may also be a stored verifier as
    /// in pg_authid (`md5…` or `SCRAM-SHA-256$…`). Repeatable. Clear passwords are hashed
    /// once at start (SCRAM; MD5 with `--auth md5`).
    #[arg(long = "user", value_name = "NAME:PASSWORD")]
    pub users: Vec<String>,
    /// TLS certificate chain (PEM), leaf first.
    #[arg(long, value_name = "PATH", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, value_name = "PATH", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// CA certificates (PEM) that client certificates must chain to; clients may then
    /// present one (handlers see it in `Session::tls()`).
    #[arg(long, value_name = "PATH")]
    pub tls_client_ca: Option<PathBuf>,
    /// Refuse unencrypted TCP connections (28000, like a `hostssl`-only pg_hba.conf).
    #[arg(long)]
    pub require_tls: bool,
    /// Refuse the `password` and `md5` methods on unencrypted TCP connections.
    #[arg(long)]
    pub password_requires_tls: bool,
}

impl AuthArgs {
    /// The method: `--auth`, else `default`.
    pub fn method(&self, default: AuthKind) -> AuthKind {
        self.auth.unwrap_or(default)
    }

    /// The users from `--user`, hashed for `method` (a clear password becomes a SCRAM
    /// verifier, or an MD5 hash with `--auth md5`).
    pub fn auth_source(&self, method: AuthKind) -> std::io::Result<StaticAuthSource> {
        let encryption = match method {
            AuthKind::Md5 => PasswordEncryption::Md5,
            _ => PasswordEncryption::ScramSha256,
        };
        let mut users = StaticAuthSource::new().password_encryption(encryption);
        for spec in &self.users {
            let (name, password) = spec.split_once(':').ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("--user {spec:?}: expected NAME:PASSWORD"),
                )
            })?;
            users = match Credential::parse(password) {
                Credential::Plain(p) => users.with_password(name, &p),
                stored => users.with(name, stored),
            };
        }
        Ok(users)
    }

    /// The authenticator for `method`.
    pub fn authenticator(&self, method: AuthKind) -> std::io::Result<Arc<dyn Authenticator>> {
        let m = match method {
            AuthKind::Trust => return Ok(Arc::new(Trust)),
            AuthKind::Password => AuthMethod::Password,
            AuthKind::Md5 => AuthMethod::Md5,
            AuthKind::Scram => AuthMethod::ScramSha256,
        };
        let encryption = if method == AuthKind::Md5 {
            PasswordEncryption::Md5
        } else {
            PasswordEncryption::ScramSha256
        };
        Ok(Arc::new(
            PasswordAuth::new(m, self.auth_source(method)?)
                .password_encryption(encryption)
                .allow_without_tls(!self.password_requires_tls),
        ))
    }

    /// The TLS settings from `--tls-cert`/`--tls-key` (and `--tls-client-ca`), if given.
    pub fn tls_config(&self) -> std::io::Result<Option<TlsConfig>> {
        let (Some(cert), Some(key)) = (&self.tls_cert, &self.tls_key) else {
            return Ok(None);
        };
        let read = |p: &PathBuf| {
            std::fs::read(p)
                .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", p.display())))
        };
        self.tls_from_pem(&read(cert)?, &read(key)?).map(Some)
    }

    /// TLS settings from PEM text, with `--tls-client-ca` applied.
    pub fn tls_from_pem(&self, cert: &[u8], key: &[u8]) -> std::io::Result<TlsConfig> {
        let (chain, key) = pgwire::server::parse_pem(cert, key)?;
        let client_auth = match &self.tls_client_ca {
            Some(ca) => ClientAuth::Optional(TlsConfig::client_roots_from_pem_file(ca)?),
            None => ClientAuth::None,
        };
        TlsConfig::from_der(chain, key, client_auth)
    }

    /// Applies the flags to `builder`, with `default` as the method when `--auth` is not
    /// given and `tls` as the TLS settings when `--tls-cert` is not given.
    pub fn apply_with<H: QueryHandler>(
        &self,
        builder: ServerBuilder<H>,
        default: AuthKind,
        tls: Option<TlsConfig>,
    ) -> std::io::Result<ServerBuilder<H>> {
        let auth = self.authenticator(self.method(default))?;
        let tls = match self.tls_config()? {
            Some(t) => Some(t),
            None => tls,
        };
        if self.require_tls && tls.is_none() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "--require-tls needs --tls-cert and --tls-key",
            ));
        }
        let require_tls = self.require_tls;
        Ok(builder.configure(move |c| {
            c.auth = auth;
            c.tls = tls;
            c.require_tls = require_tls;
        }))
    }

    /// Applies the flags to `builder` (trust unless `--auth` says otherwise).
    pub fn apply<H: QueryHandler>(
        &self,
        builder: ServerBuilder<H>,
    ) -> std::io::Result<ServerBuilder<H>> {
        self.apply_with(builder, AuthKind::Trust, None)
    }
}

pub mod sqlite;
