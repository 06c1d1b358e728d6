use pgwire::PgRow;

#[derive(PgRow)]
struct Price {
    amount: f64,
}

#[derive(PgRow)]
struct Book {
    id: i64,
    #[pg(flatten, rename = "price")]
    price: Price,
}

fn main() {}
