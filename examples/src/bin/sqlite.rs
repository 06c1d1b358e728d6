//! `sqlite`: a real SQLite database served over the PostgreSQL protocol.
//!
//! ```text
//! cargo run -p pgwire-examples --bin sqlite            # in-memory, shared by all sessions
//! cargo run -p pgwire-examples --bin sqlite -- app.db  # a database file (or --db app.db)
//! psql -h 127.0.0.1 -p 5432 -U postgres -c "CREATE TABLE t (id BIGSERIAL PRIMARY KEY, name TEXT)"
//! ```

use std::path::PathBuf;

use clap::Parser;
use pgwire_examples::sqlite::SqliteHandler;

#[derive(Parser)]
#[command(about = "A SQLite database behind the PostgreSQL wire protocol")]
struct Args {
    #[command(flatten)]
    listen: pgwire_examples::ListenArgs,
    #[command(flatten)]
    auth: pgwire_examples::AuthArgs,
    /// Database file (created if missing); without it the database lives in memory.
    #[arg(long = "db", value_name = "PATH")]
    db: Option<PathBuf>,
    /// Database file, as a positional argument.
    #[arg(value_name = "PATH", conflicts_with = "db")]
    path: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let handler = match args.db.or(args.path) {
        Some(path) => SqliteHandler::open(&path),
        None => SqliteHandler::in_memory(),
    }
    .map_err(std::io::Error::other)?;
    let builder = args.auth.apply(args.listen.builder(handler))?;
    pgwire_examples::run(builder).await
}
