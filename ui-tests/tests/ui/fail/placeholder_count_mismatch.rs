use pgwire::pg_query;

#[pg_query("DELETE FROM books WHERE id = $1")]
async fn delete_book(id: i64, title: String) -> u64 {
    let _ = (id, title);
    0
}

fn main() {}
