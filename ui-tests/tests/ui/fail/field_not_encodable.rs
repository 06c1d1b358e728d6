use pgwire::PgRow;

struct Isbn(String);

#[derive(PgRow)]
struct Book {
    id: i64,
    isbn: Isbn,
}

fn main() {}
