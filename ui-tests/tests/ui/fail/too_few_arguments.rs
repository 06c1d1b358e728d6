use pgwire::pg_query;

#[pg_query("UPDATE books SET title = $2 WHERE id = $1")]
async fn rename(id: i64) -> u64 {
    let _ = id;
    0
}

fn main() {}
