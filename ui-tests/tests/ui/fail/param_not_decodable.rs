use pgwire::pg_query;

struct Isbn(String);

#[pg_query("SELECT 1 FROM books WHERE isbn = $1")]
async fn by_isbn(isbn: Isbn) {
    let _ = isbn.0;
}

fn main() {}
