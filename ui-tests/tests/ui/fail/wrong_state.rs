use pgwire::{pg_query, routes, Router, State};

struct Books;
struct Authors;

#[pg_query("SELECT count FROM books")]
async fn count(books: State<Books>) -> u64 {
    let _ = books;
    0
}

fn main() {
    let _ = Router::new(Authors).routes(routes![count]);
}
