use pgwire::PgRow;

#[derive(PgRow)]
struct Book {
    id: i64,
    #[pg(flatten)]
    price: f64,
}

fn main() {}
