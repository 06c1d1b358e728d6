//! `gluesql`: an in-memory GlueSQL database served over the PostgreSQL protocol.

use clap::Parser;

#[derive(Parser)]
#[command(about = "An in-memory GlueSQL database that PostgreSQL clients can talk to")]
struct Args {
    #[command(flatten)]
    listen: pgwire_examples::ListenArgs,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let db = pgwire_examples::gluesql::GlueSql::default();
    pgwire_examples::run(args.listen.builder(db)).await
}
