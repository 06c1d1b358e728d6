use pgwire::pg_query;

struct Book {
    id: i64,
}

#[pg_query("SELECT id FROM books")]
async fn books() -> Vec<Book> {
    vec![Book { id: 1 }]
}

fn main() {
    let _ = books;
}
