//! `declarative`: a bookstore written only with pgwire's macros — `#[derive(PgRow)]` row
//! types and `#[pg_query]` routes collected into a `Router`. No `QueryHandler` by hand.
//!
//! ```text
//! cargo run -p pgwire-examples --bin declarative -- --listen 127.0.0.1:5433
//! psql -h 127.0.0.1 -p 5433 -c "SELECT id, title, author, year, price, in_stock FROM books WHERE id = 1"
//! ```

use std::collections::BTreeMap;
use std::sync::Mutex;

use chrono::NaiveDate;
use clap::Parser;
use futures::Stream;
use pgwire::prelude::*;

#[derive(Parser)]
#[command(about = "A bookstore served over the PostgreSQL protocol, built from #[pg_query] routes")]
struct Args {
    #[command(flatten)]
    listen: pgwire_examples::ListenArgs,
}

/// A book, as the `books` queries return it.
#[derive(PgRow, Clone, Debug)]
struct Book {
    id: i64,
    #[pg(ty = "varchar(200)")]
    title: String,
    author: String,
    /// Unknown for some books: sent as NULL.
    #[pg(rename = "year")]
    published: Option<i32>,
    price: f64,
    in_stock: bool,
    /// Not a column of `books` queries: see [`Arrival`].
    #[pg(skip)]
    added: NaiveDate,
}

/// When a book arrived in the shop.
#[derive(PgRow)]
struct Arrival {
    id: i64,
    title: String,
    added: NaiveDate,
}

/// The id given to a new book (`INSERT … RETURNING id`).
#[derive(PgRow)]
struct NewId {
    id: i64,
}

/// One line of the generated sales report.
#[derive(PgRow)]
struct Sale {
    seq: i64,
    book_id: i64,
    amount: f64,
}

/// Who is asking, from the session.
#[derive(PgRow)]
struct Whoami {
    #[pg(rename = "user")]
    user_name: String,
    database: String,
    books_visible: i64,
}

/// The shared state: every route reads or writes it through `State<Store>`.
struct Store {
    books: Mutex<BTreeMap<i64, Book>>,
}

impl Store {
    fn seeded() -> Store {
        let books = [
            ("Dune", "Frank Herbert", Some(1965), 9.99, true),
            ("Dubliners", "James Joyce", Some(1914), 7.5, true),
            (
                "At Swim-Two-Birds",
                "Flann O'Brien",
                Some(1939),
                11.0,
                false,
            ),
            ("The Anonymous Book", "Anonymous", None, 3.25, true),
        ];
        // Arrived one a day from 2023-12-30.
        let day = |i: usize| {
            NaiveDate::from_ymd_opt(2023, 12, 30)
                .and_then(|d| d.checked_add_days(chrono::Days::new(i as u64)))
                .unwrap_or_default()
        };
        let map = books
            .into_iter()
            .enumerate()
            .map(|(i, (title, author, year, price, in_stock))| {
                let id = i as i64 + 1;
                let book = Book {
                    id,
                    title: title.into(),
                    author: author.into(),
                    published: year,
                    price,
                    in_stock,
                    added: day(i),
                };
                (id, book)
            })
            .collect();
        Store {
            books: Mutex::new(map),
        }
    }

    fn books(&self) -> PgResult<std::sync::MutexGuard<'_, BTreeMap<i64, Book>>> {
        self.books
            .lock()
            .map_err(|_| PgError::new(SqlState::INTERNAL_ERROR, "the store is poisoned"))
    }
}

#[pg_query("SELECT id, title, author, year, price, in_stock FROM books ORDER BY id")]
async fn list_books(store: State<Store>) -> PgResult<Vec<Book>> {
    Ok(store.books()?.values().cloned().collect())
}

#[pg_query("SELECT id, title, author, year, price, in_stock FROM books WHERE id = $1")]
async fn book_by_id(store: State<Store>, id: i64) -> PgResult<Option<Book>> {
    Ok(store.books()?.get(&id).cloned())
}

#[pg_query(
    "SELECT id, title, author, year, price, in_stock FROM books
     WHERE starts_with(title, $1) ORDER BY id"
)]
async fn search_by_title(store: State<Store>, prefix: String) -> PgResult<Vec<Book>> {
    let books = store.books()?;
    Ok(books
        .values()
        .filter(|b| b.title.starts_with(&prefix))
        .cloned()
        .collect())
}

fn insert(
    store: &Store,
    title: String,
    author: String,
    year: Option<i32>,
    price: f64,
) -> PgResult<i64> {
    if price < 0.0 {
        return Err(PgError::new(
            SqlState::CHECK_VIOLATION,
            "new row for relation \"books\" violates check constraint \"books_price_check\"",
        )
        .detail(format!("Failing row has price {price}.")));
    }
    let mut books = store.books()?;
    if books.values().any(|b| b.title == title) {
        return Err(PgError::new(
            SqlState::UNIQUE_VIOLATION,
            "duplicate key value violates unique constraint \"books_title_key\"",
        )
        .detail(format!("Key (title)=({title}) already exists.")));
    }
    let id = books.keys().next_back().copied().unwrap_or(0) + 1;
    let book = Book {
        id,
        title,
        author,
        published: year,
        price,
        in_stock: true,
        added: chrono::Utc::now().date_naive(),
    };
    books.insert(id, book);
    Ok(id)
}

#[pg_query("SELECT id, title, added FROM books WHERE added >= $1 ORDER BY id")]
async fn arrivals_since(store: State<Store>, since: NaiveDate) -> PgResult<Vec<Arrival>> {
    let books = store.books()?;
    Ok(books
        .values()
        .filter(|b| b.added >= since)
        .map(|b| Arrival {
            id: b.id,
            title: b.title.clone(),
            added: b.added,
        })
        .collect())
}

#[pg_query("INSERT INTO books (title, author, year, price) VALUES ($1, $2, $3, $4)")]
async fn add_book(
    store: State<Store>,
    title: String,
    author: String,
    year: Option<i32>,
    price: f64,
) -> PgResult<u64> {
    insert(&store, title, author, year, price).map(|_| 1)
}

#[pg_query("INSERT INTO books (title, author, year, price) VALUES ($1, $2, $3, $4) RETURNING id")]
async fn add_book_returning(
    store: State<Store>,
    title: String,
    author: String,
    year: Option<i32>,
    price: f64,
) -> PgResult<NewId> {
    insert(&store, title, author, year, price).map(|id| NewId { id })
}

#[pg_query("UPDATE books SET price = $2, in_stock = $3 WHERE id = $1")]
async fn update_book(store: State<Store>, id: i64, price: f64, in_stock: bool) -> PgResult<u64> {
    let mut books = store.books()?;
    Ok(match books.get_mut(&id) {
        Some(b) => {
            b.price = price;
            b.in_stock = in_stock;
            1
        }
        None => 0,
    })
}

#[pg_query("DELETE FROM books WHERE id = $1")]
async fn delete_book(store: State<Store>, id: i64) -> PgResult<u64> {
    Ok(store.books()?.remove(&id).map_or(0, |_| 1))
}

/// A million generated rows, encoded and sent as the client reads them: never collected.
#[pg_query("SELECT seq, book_id, amount FROM sales_report")]
async fn sales_report() -> impl Stream<Item = PgResult<Sale>> + Send + 'static {
    sales(1_000_000)
}

#[pg_query("SELECT seq, book_id, amount FROM sales_report LIMIT $1")]
async fn sales_report_limit(
    limit: i64,
) -> PgResult<impl Stream<Item = PgResult<Sale>> + Send + 'static> {
    if limit < 0 {
        return Err(PgError::new(
            SqlState::from_code("2201W"),
            "LIMIT must not be negative",
        ));
    }
    Ok(sales(limit.min(1_000_000) as u64))
}

fn sales(n: u64) -> impl Stream<Item = PgResult<Sale>> + Send + 'static {
    futures::stream::iter((1..=n).map(|seq| {
        Ok(Sale {
            seq: seq as i64,
            book_id: (seq % 4 + 1) as i64,
            amount: (seq % 1000) as f64 / 4.0,
        })
    }))
}

/// Uses the session: who connected, to which database.
#[pg_query("SELECT user, database, books_visible FROM whoami")]
async fn whoami(store: State<Store>, session: SessionInfo) -> PgResult<Whoami> {
    Ok(Whoami {
        user_name: session.user().to_owned(),
        database: session.database().to_owned(),
        books_visible: store.books()?.len() as i64,
    })
}

/// The router: every route above, sharing one store.
fn router() -> Router<Store> {
    Router::new(Store::seeded()).routes(routes![
        list_books,
        book_by_id,
        search_by_title,
        arrivals_since,
        add_book,
        add_book_returning,
        update_book,
        delete_book,
        sales_report,
        sales_report_limit,
        whoami,
    ])
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    pgwire_examples::run(args.listen.builder(router())).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn routes_stay_plain_functions() {
        let store = State::new(Store::seeded());
        let book = book_by_id(store.clone(), 1).await.unwrap().unwrap();
        assert_eq!(book.title, "Dune");
        assert_eq!(delete_book(store.clone(), 1).await.unwrap(), 1);
        assert_eq!(delete_book(store, 1).await.unwrap(), 0);
    }

    #[test]
    fn statements_find_their_routes() {
        let r = router();
        assert_eq!(
            r.match_sql("select id, title, author, year, price, in_stock from books where id = 7"),
            Some("book_by_id")
        );
        assert_eq!(
            r.match_sql("DELETE FROM books WHERE id = $1;"),
            Some("delete_book")
        );
        assert_eq!(r.match_sql("select * from books"), None);
    }
}
