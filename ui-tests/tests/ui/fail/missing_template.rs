use pgwire::pg_query;

#[pg_query]
async fn nothing() {}

fn main() {}
