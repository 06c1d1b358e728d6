use pgwire::pg_query;

#[pg_query("SELECT title FROM books WHERE id = $1")]
async fn title(id: i64) -> String {
    format!("book {id}")
}

fn main() {}
