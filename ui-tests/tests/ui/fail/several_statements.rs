use pgwire::pg_query;

#[pg_query("DELETE FROM books; DELETE FROM authors")]
async fn wipe() -> u64 {
    0
}

fn main() {}
