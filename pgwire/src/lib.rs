//! # pgwire
//!
//! Build servers that speak the PostgreSQL wire protocol, so that every PostgreSQL client
//! (psql, libpq, JDBC, psycopg, tokio-postgres, …) can talk to a program that is not
//! PostgreSQL.
//!
//! Implement [`QueryHandler`] and hand it to a [`Server`]:
//!
//! ```no_run
//! use pgwire::prelude::*;
//!
//! struct One;
//!
//! impl QueryHandler for One {
//!     type Statement = ();
//!     async fn prepare(&self, _: &mut Session, _: &str, _: &[Option<Type>]) -> PgResult<Prepared<()>> {
//!         Ok(Prepared::new((), vec![], Some(vec![Column::new("one", Type::INT4)].into())))
//!     }
//!     async fn execute(&self, _: &mut Session, portal: &Portal<()>) -> PgResult<Response> {
//!         let mut row = portal.encoder();
//!         row.encode_field(&1i32)?;
//!         Ok(Response::rows(portal.columns(), vec![row.finish()?]))
//!     }
//! }
//!
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     let server = Server::builder(One).listen("127.0.0.1:5432").bind().await?;
//!     server.serve().await
//! }
//! ```
//!
//! Or declare the statements the server answers and let a [`Router`] dispatch them: derive
//! [`PgRow`] for result rows, mark async fns with [`pg_query`], and collect them with
//! [`routes!`]. See [`router`] for matching, extractors, return types and the session
//! statements a router answers by itself.
//!
//! ```no_run
//! use pgwire::prelude::*;
//!
//! #[derive(PgRow)]
//! struct Greeting {
//!     text: String,
//! }
//!
//! #[pg_query("SELECT text FROM greetings WHERE name = $1")]
//! async fn greet(name: String) -> Greeting {
//!     Greeting { text: format!("hello, {name}") }
//! }
//!
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     let router = Router::new(()).routes(routes![greet]);
//!     Server::builder(router).listen("127.0.0.1:5432").bind().await?.serve().await
//! }
//! ```
//!
//! Layers, bottom up: [`codec`] (messages, no I/O), [`types`] (values), [`server`]
//! (sockets, TLS and the connection loop), [`auth`] (trust, password, MD5, SCRAM),
//! [`query`] (simple and extended protocol, handler trait), [`router`] (the runtime of the
//! macros), [`sql`] (PostgreSQL's lexer; literals, `$n` substitution and parameter types for
//! engines that take SQL text).
#![warn(missing_docs)]

// Lets the crate's own tests and doctests use the macros, whose output names `::pgwire`.
extern crate self as pgwire;

#[doc(hidden)]
pub mod __private;
pub mod auth;
pub mod cancel;
pub mod codec;
pub mod copy;
pub mod error;
pub mod notify;
pub mod query;
pub mod router;
pub mod server;
pub mod session;
pub mod sql;
mod startup;
pub mod types;

pub use codec::TransactionStatus;
pub use error::{PgError, PgErrorFields, PgResult, Severity, SqlState};
pub use pgwire_derive::{PgRow, pg_query};
pub use query::{Portal, Prepared, QueryHandler, Response, RowStream, Statement, Tag};
pub use router::{Cancellation, IntoResponse, PgRow, Router, SessionInfo, State};
pub use server::{Config, Push, Server, ServerBuilder, ServerHandle, TlsConfig, TlsInfo};
pub use session::Session;

/// Everything a handler usually needs.
pub mod prelude {
    pub use crate::error::{PgError, PgResult, Severity, SqlState};
    pub use crate::query::{Portal, Prepared, QueryHandler, Response, RowStream, Tag};
    pub use crate::router::{Cancellation, Router, SessionInfo, State};
    pub use crate::server::{Server, ServerHandle};
    pub use crate::session::Session;
    pub use crate::types::{
        Column, DataRow, DataRowEncoder, Format, Formats, FromPgValue, Params, ToPgValue, Type,
    };
    pub use crate::{PgRow, pg_query, routes};
}
