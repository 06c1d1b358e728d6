use pgwire::pg_query;

#[pg_query("DELETE FROM books WHERE id = $1")]
fn delete_book(id: i64) -> u64 {
    let _ = id;
    0
}

fn main() {}
