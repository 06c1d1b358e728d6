use pgwire::pg_query;

#[pg_query("SELECT 1 FROM books WHERE title = $1")]
async fn find(title: &str) {
    let _ = title;
}

fn main() {}
