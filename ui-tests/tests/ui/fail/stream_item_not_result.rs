use futures::Stream;
use pgwire::{pg_query, PgRow};

#[derive(PgRow)]
struct Line {
    n: i64,
}

#[pg_query("SELECT n FROM lines")]
async fn lines() -> impl Stream<Item = Line> + Send + 'static {
    futures::stream::iter((0..3).map(|n| Line { n }))
}

fn main() {}
