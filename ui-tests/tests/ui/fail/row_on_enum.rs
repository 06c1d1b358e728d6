use pgwire::PgRow;

#[derive(PgRow)]
enum Status {
    Open,
    Closed,
}

fn main() {}
