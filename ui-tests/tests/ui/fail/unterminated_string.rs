use pgwire::pg_query;

#[pg_query("SELECT id FROM books WHERE title = 'Dune")]
async fn dune() {}

fn main() {}
