use pgwire::PgRow;

// Every mistake is reported in one compile, each on its own token.
#[derive(PgRow)]
#[pg(rename_all = "camel")]
struct Book {
    #[pg(skip, rename = "x")]
    id: i64,
    #[pg(ty = "varchr(20)")]
    title: String,
    #[pg(colour = "red")]
    cover: String,
}

fn main() {}
