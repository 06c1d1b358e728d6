use pgwire::PgRow;

#[derive(PgRow)]
struct Book {
    id: i64,
    #[pg(renam = "book_title")]
    title: String,
}

fn main() {}
