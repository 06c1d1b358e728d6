use pgwire::pg_query;

#[pg_query("SELECT 1 FROM books WHERE id = $1 AND title = $3")]
async fn find(id: i64, title: String) {
    let _ = (id, title);
}

fn main() {}
