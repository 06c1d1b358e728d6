//! A real SQLite database behind the PostgreSQL protocol: psql, tokio-postgres, psycopg
//! and friends connect to it as to PostgreSQL.
//!
//! ```no_run
//! use pgwire_examples::sqlite::SqliteHandler;
//!
//! # async fn run() -> std::io::Result<()> {
//! let handler = SqliteHandler::in_memory().map_err(std::io::Error::other)?;
//! let server = pgwire::Server::builder(handler).listen("127.0.0.1:5432").bind().await?;
//! server.serve().await
//! # }
//! ```
//!
//! How it fits together:
//!
//! - every session opens its own connection to one shared database ([`Database`]), so each
//!   has its own transaction; BEGIN/COMMIT/ROLLBACK follow PostgreSQL (a failed
//!   transaction really rolls back, COMMIT of one answers ROLLBACK);
//! - statements are translated from PostgreSQL's dialect (`$1`, `::casts`, `SERIAL`,
//!   `current_user` …, see [`translate`]), and typed for Describe from SQLite's declared
//!   column types and a light inference ([`infer`]);
//! - a statement runs on the runtime thread when it is read-only and quick, and on the
//!   blocking pool otherwise; big results stream in batches ([`stream`]);
//! - `COPY … FROM STDIN` and `COPY … TO STDOUT` (text, CSV, binary) go through the
//!   runtime's COPY codecs: rows are inserted in batches with one prepared statement in one
//!   transaction, and read out with a cursor streamed batch by batch ([`copy`]);
//! - SET/SHOW/RESET are answered from the session's parameters ([`settings`]);
//! - a client's cancel and `statement_timeout` stop running SQL through SQLite's progress
//!   handler (every 1000 VM steps), and `pg_sleep` and lock waits watch them too ([`exec`]).
//!   `sqlite3_interrupt` is not used: it stays armed while any statement of the connection
//!   is active, so with a suspended portal open it would also kill the next statements.

pub mod copy;
pub mod database;
pub mod date_functions;
pub mod datetime;
pub mod ddl;
pub mod encode;
pub mod errors;
pub mod exec;
pub mod functions;
mod handler;
pub mod infer;
pub mod interval;
pub mod lex;
pub mod numeric;
pub mod order;
pub mod params;
pub mod plan;
mod raw;
mod run;
pub mod session;
pub mod settings;
pub mod stream;
pub mod text_functions;
pub mod translate;
pub mod types;

pub use database::Database;
pub use handler::SqliteHandler;
pub use plan::Plan;
