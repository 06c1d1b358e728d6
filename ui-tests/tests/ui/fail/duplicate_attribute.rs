use pgwire::PgRow;

#[derive(PgRow)]
struct Book {
    id: i64,
    #[pg(rename = "name", rename = "book_title")]
    title: String,
}

fn main() {}
