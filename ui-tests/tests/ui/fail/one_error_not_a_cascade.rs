use pgwire::{pg_query, routes, Router};

// The template is wrong, but the fn and its route struct still exist: the mistake is
// reported once, and the code that uses the route compiles on.
#[pg_query("DELETE FROM books WHERE id = $2")]
async fn delete_book(id: i64) -> u64 {
    let _ = id;
    0
}

fn main() {
    let _ = Router::new(()).routes(routes![delete_book]);
    let _ = delete_book(1);
}
