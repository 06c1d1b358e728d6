//! `fixed_route`: the `server` example's fixed result written as one `#[pg_query]` route,
//! the declarative twin that `bench/declarative.sh` measures against the hand-written server.
//!
//! ```text
//! cargo run -p pgwire-examples --bin fixed_route -- --listen 127.0.0.1:5433
//! psql -h 127.0.0.1 -p 5433 -c "SELECT id, name FROM fixed"
//! ```

use clap::Parser;
use pgwire::prelude::*;

#[derive(Parser)]
#[command(about = "One #[pg_query] route answering the `server` example's two fixed rows")]
struct Args {
    #[command(flatten)]
    listen: pgwire_examples::ListenArgs,
}

/// A row of the fixed result.
#[derive(PgRow)]
struct Fixed {
    id: i32,
    name: &'static str,
}

/// The same two rows as `examples/src/bin/server.rs`, encoded per query as a route does.
#[pg_query("SELECT id, name FROM fixed")]
async fn fixed() -> Vec<Fixed> {
    vec![
        Fixed { id: 1, name: "Tom" },
        Fixed {
            id: 2,
            name: "Jerry",
        },
    ]
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let router = Router::new(()).routes(routes![fixed]);
    pgwire_examples::run(args.listen.builder(router)).await
}
