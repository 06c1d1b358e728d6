use pgwire::pg_query;

struct Books;

impl Books {
    #[pg_query("DELETE FROM books WHERE id = $1")]
    async fn delete(&self, id: i64) -> u64 {
        let _ = id;
        0
    }
}

fn main() {}
