//! Every supported return type of a #[pg_query] fn.
use futures::stream::BoxStream;
use futures::{Stream, StreamExt};
use pgwire::{pg_query, routes, PgError, PgRow, Router, SqlState};

#[derive(PgRow)]
struct Book {
    id: i64,
    title: String,
}

fn book(id: i64) -> Book {
    Book { id, title: format!("book {id}") }
}

/// A user error type that converts into a PostgreSQL error.
struct NotFound;

impl From<NotFound> for PgError {
    fn from(_: NotFound) -> PgError {
        PgError::new(SqlState::from_code("P0002"), "no such book")
    }
}

#[pg_query("SELECT id, title FROM books WHERE id = $1")]
async fn one(id: i64) -> Book {
    book(id)
}

#[pg_query("SELECT id, title FROM books WHERE id = $1 LIMIT 1")]
async fn maybe(id: i64) -> Option<Book> {
    (id > 0).then(|| book(id))
}

#[pg_query("SELECT id, title FROM books")]
async fn all() -> Vec<Book> {
    (1..=3).map(book).collect()
}

#[pg_query("SELECT id, title FROM books ORDER BY id")]
async fn streamed() -> impl Stream<Item = Result<Book, PgError>> + Send + 'static {
    futures::stream::iter((1..=3).map(|i| Ok(book(i))))
}

#[pg_query("SELECT id, title FROM books WHERE $1 ORDER BY title")]
async fn maybe_streamed(
    fail: bool,
) -> Result<impl Stream<Item = Result<Book, NotFound>> + Send + 'static, PgError> {
    if fail {
        return Err(PgError::new(SqlState::INTERNAL_ERROR, "no"));
    }
    Ok(futures::stream::iter((1..=3).map(|i| Ok(book(i)))))
}

#[pg_query("SELECT id, title FROM books ORDER BY id DESC")]
async fn boxed() -> BoxStream<'static, Result<Book, PgError>> {
    futures::stream::iter((1..=3).map(|i| Ok(book(i)))).boxed()
}

#[pg_query("UPDATE books SET title = $2 WHERE id = $1")]
async fn count(id: i64, title: String) -> u64 {
    let _ = (id, title);
    1
}

#[pg_query("CREATE TABLE books (id int8)")]
async fn unit() {}

#[pg_query("DELETE FROM books WHERE id = $1")]
async fn fallible(id: i64) -> Result<u64, NotFound> {
    if id > 0 { Ok(1) } else { Err(NotFound) }
}

#[pg_query("SELECT id, title FROM books WHERE title = $1")]
async fn fallible_row(title: String) -> pgwire::PgResult<Option<Book>> {
    let _ = title;
    Ok(None)
}

fn main() {
    let router = Router::new(()).routes(routes![
        one,
        maybe,
        all,
        streamed,
        maybe_streamed,
        boxed,
        count,
        unit,
        fallible,
        fallible_row,
    ]);
    assert_eq!(router.len(), 10);
    let infos: Vec<_> = router.route_infos().collect();
    assert_eq!(infos[6].tag, "UPDATE");
    assert_eq!(infos[7].tag, "CREATE TABLE");
    assert!(infos[7].columns.is_none());
    assert_eq!(infos[3].columns.as_ref().map(|c| c.len()), Some(2));
}
