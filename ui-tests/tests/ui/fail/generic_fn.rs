use pgwire::pg_query;

#[pg_query("SELECT 1 FROM books WHERE id = $1")]
async fn find<T: Send>(id: T) {
    let _ = id;
}

fn main() {}
