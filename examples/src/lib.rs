//! What every example server shares: the command-line flags of the examples' convention and
//! the "listening on HOST:PORT" start-up line.

pub mod gluesql;

use std::path::PathBuf;

use pgwire::{QueryHandler, Server, ServerBuilder};

/// Flags every example takes.
#[derive(Debug, Clone, clap::Args)]
pub struct ListenArgs {
    /// TCP address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:5432", value_name = "HOST:PORT")]
    pub listen: String,
    /// Also listen on a Unix socket in this directory (socket file `.s.PGSQL.<port>`).
    #[arg(long, value_name = "DIR")]
    pub unix_socket: Option<PathBuf>,
}

impl ListenArgs {
    /// A server builder listening where the flags say.
    pub fn builder<H: QueryHandler>(&self, handler: H) -> ServerBuilder<H> {
        let mut b = Server::builder(handler).listen(self.listen.clone());
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
