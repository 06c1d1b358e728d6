use pgwire::pg_query;

#[pg_query("SELECT 1 FROM books WHERE id = $0")]
async fn find(id: i64) {
    let _ = id;
}

fn main() {}
