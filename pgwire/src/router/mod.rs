//! The declarative layer's runtime: a [`Router`] of `#[pg_query]` routes that implements
//! [`QueryHandler`], so a server is a list of annotated async fns.
//!
//! ```no_run
//! use std::collections::BTreeMap;
//! use std::sync::Mutex;
//! use pgwire::{PgError, PgRow, Router, Server, State, pg_query, routes};
//!
//! #[derive(Default)]
//! struct Db(Mutex<BTreeMap<i64, Order>>);
//!
//! #[derive(PgRow, Clone)]
//! struct Order {
//!     id: i64,
//!     #[pg(rename = "customer")]
//!     customer_name: String,
//!     note: Option<String>,
//! }
//!
//! #[pg_query("SELECT id, customer, note FROM orders WHERE id = $1")]
//! async fn order_by_id(db: State<Db>, id: i64) -> Result<Option<Order>, PgError> {
//!     Ok(db.0.lock().unwrap().get(&id).cloned())
//! }
//!
//! #[pg_query("INSERT INTO orders (customer, note) VALUES ($1, $2)")]
//! async fn add_order(db: State<Db>, customer: String, note: Option<String>) -> u64 {
//!     let mut orders = db.0.lock().unwrap();
//!     let id = orders.len() as i64 + 1;
//!     orders.insert(id, Order { id, customer_name: customer, note });
//!     1
//! }
//!
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     let router = Router::new(Db::default()).routes(routes![order_by_id, add_order]);
//!     Server::builder(router).listen("127.0.0.1:5432").bind().await?.serve().await
//! }
//! ```
//!
//! # Matching
//!
//! A statement is reduced to its *shape* by [`crate::sql::template::normalize`]: keywords
//! and identifiers lower-cased, whitespace, comments and trailing `;` dropped, every value
//! (`$n`, string, number, `NULL`, `TRUE`, `FALSE`, with any `::cast`) a slot. The router
//! keeps routes in a hash map keyed by the shape's fingerprint, so a lookup costs one
//! normalization and one hash probe whatever the number of routes.
//!
//! * Extended protocol (Parse/Bind): the statement's own `$n` bind to the route's
//!   parameters; Describe is answered from the route's parameter types and row type without
//!   running it; Bind values are decoded (text or binary) into the fn's argument types.
//! * Simple protocol, and client-side binding (psql, `psycopg.ClientCursor`): literals in
//!   the placeholders' positions (`WHERE id = 42`, `'O''Brien'`, `NULL`,
//!   `'2024-01-01'::date`) are bound as text values.
//! * A template may also spell literals (`WHERE status = 'open' AND id = $1`): a statement
//!   matches only with the same literal, and of two templates of one shape the one with
//!   more literals is tried first.
//!
//! Statements that match no route go, in order, to the built-in session statements
//! (`SET`/`RESET`/`SHOW`, `BEGIN`/`COMMIT`/`ROLLBACK`/savepoints, `DISCARD ALL`,
//! `DEALLOCATE`, `SELECT version()`, `current_database()`, `current_user`,
//! `current_schema()`; disable with [`Router::builtins`]), then to the
//! [`fallback`](Router::fallback) handler if there is one, else they fail with SQLSTATE
//! `0A000` (feature_not_supported) and a hint naming the closest route. `0A000` rather than
//! `42601` (syntax_error): the statement is usually valid SQL that this server does not
//! implement, and tools treat a syntax error as a bug in the query. Statements that do not
//! even lex (an unterminated string) fail with `42601` and a position, as in PostgreSQL.

mod builtins;
mod extract;
pub(crate) mod response;
mod route;
mod row;
mod table;

use std::fmt;
use std::sync::Arc;

pub use extract::{Cancellation, FromContext, SessionInfo, State};
pub use response::IntoResponse;
pub use route::{BoxedRoute, Route, RouteCtx, RouteInfo};
pub use row::PgRow;

use builtins::Builtin;
use table::{AddError, Binding, Match, Source, Table};

use crate::error::{PgError, PgResult, SqlState};
use crate::query::{Portal, Prepared, QueryHandler, Response, Statement};
use crate::session::Session;
use crate::sql::lexer::LexError;
use crate::sql::template::{self, Shape};
use crate::types::{Column, Format, Formats, Params, Type};

/// A [`QueryHandler`] made of `#[pg_query]` routes, with shared state `S` and an optional
/// fallback handler `F` for statements no route matches.
pub struct Router<S = (), F = NoFallback> {
    state: Arc<S>,
    routes: Vec<Entry<S>>,
    table: Table,
    fallback: Option<F>,
    builtins: bool,
}

struct Entry<S> {
    route: BoxedRoute<S>,
    info: RouteInfo,
}

impl<S, F> fmt::Debug for Router<S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Router")
            .field(
                "routes",
                &self.routes.iter().map(|e| e.info.sql).collect::<Vec<_>>(),
            )
            .field("fallback", &self.fallback.is_some())
            .field("builtins", &self.builtins)
            .finish()
    }
}

/// Why a route could not be added to a [`Router`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteError(String);

impl fmt::Display for RouteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RouteError {}

/// The fallback of a [`Router`] without one: never called.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoFallback;

impl QueryHandler for NoFallback {
    type Statement = ();
    async fn prepare(
        &self,
        _: &mut Session,
        _: &str,
        _: &[Option<Type>],
    ) -> PgResult<Prepared<()>> {
        Err(PgError::not_supported("no fallback handler"))
    }
    async fn execute(&self, _: &mut Session, _: &Portal<()>) -> PgResult<Response> {
        Err(PgError::not_supported("no fallback handler"))
    }
}

impl<S: Send + Sync + 'static> Router<S, NoFallback> {
    /// An empty router whose routes share `state` (extract it with [`State<S>`]).
    pub fn new(state: S) -> Self {
        Router::with_shared_state(Arc::new(state))
    }

    /// Like [`new`](Self::new), with state that is already shared.
    pub fn with_shared_state(state: Arc<S>) -> Self {
        Router {
            state,
            routes: Vec::new(),
            table: Table::default(),
            fallback: None,
            builtins: true,
        }
    }
}

impl<S: Send + Sync + 'static, F: QueryHandler> Router<S, F> {
    /// Adds a route.
    ///
    /// # Panics
    ///
    /// When the route's template duplicates one already added (same shape and literals), or
    /// is invalid; [`try_route`](Self::try_route) returns the error instead.
    #[track_caller]
    pub fn route(self, route: impl Route<S>) -> Self {
        match self.try_route(route) {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        }
    }

    /// Adds the routes of [`routes![…]`](crate::routes).
    ///
    /// # Panics
    ///
    /// As [`route`](Self::route).
    pub fn routes(self, routes: impl FnOnce(Self) -> Self) -> Self {
        routes(self)
    }

    /// Adds a route, or says why it cannot be added.
    pub fn try_route(mut self, route: impl Route<S>) -> Result<Self, RouteError> {
        let info = route.info();
        let shape = template::normalize(info.sql).map_err(|e| {
            RouteError(format!(
                "route `{}` ({}): its SQL template does not lex: {e}",
                info.name, info.location
            ))
        })?;
        if !info.key.is_empty() && info.key != shape.key {
            return Err(RouteError(format!(
                "route `{}` ({}) was compiled by a pgwire-derive whose SQL normalizer differs \
                 from this pgwire's (key `{}` vs `{}`); use matching versions of pgwire and \
                 pgwire-derive",
                info.name, info.location, info.key, shape.key
            )));
        }
        if info.fingerprint != 0 && info.fingerprint != shape.fingerprint() {
            return Err(RouteError(format!(
                "route `{}` ({}): fingerprint mismatch between pgwire-derive and pgwire; use \
                 matching versions",
                info.name, info.location
            )));
        }
        let count = template::placeholders(&shape)
            .map_err(|e| RouteError(format!("route `{}` ({}): {e}", info.name, info.location)))?;
        if count as usize != info.param_types.len() {
            return Err(RouteError(format!(
                "route `{}` ({}): the template has {count} placeholders but the route declares \
                 {} parameter types",
                info.name,
                info.location,
                info.param_types.len()
            )));
        }
        let index = self.routes.len();
        match self.table.add(index, shape) {
            Ok(()) => {}
            Err(AddError::Duplicate(other)) => {
                let o = &self.routes[other].info;
                return Err(RouteError(format!(
                    "duplicate route: `{}` ({}) and `{}` ({}) have the same SQL template \
                     `{}`; a statement can only be answered by one route",
                    o.name, o.location, info.name, info.location, o.sql
                )));
            }
            Err(AddError::Placeholders(e)) => {
                return Err(RouteError(format!(
                    "route `{}` ({}): {e}",
                    info.name, info.location
                )));
            }
        }
        self.routes.push(Entry {
            route: Box::new(route),
            info,
        });
        Ok(self)
    }

    /// Sends statements that match no route (nor a built-in session statement) to
    /// `handler`, e.g. a real SQL engine behind the routes.
    pub fn fallback<G: QueryHandler>(self, handler: G) -> Router<S, G> {
        Router {
            state: self.state,
            routes: self.routes,
            table: self.table,
            fallback: Some(handler),
            builtins: self.builtins,
        }
    }

    /// Whether the router answers session statements (`SET`, `SHOW`, `BEGIN`, …) that no
    /// route matches (default `true`). Turn it off to send them to the fallback.
    pub fn builtins(mut self, enabled: bool) -> Self {
        self.builtins = enabled;
        self
    }

    /// The shared state.
    pub fn state(&self) -> &Arc<S> {
        &self.state
    }

    /// How many routes there are.
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// Whether there are no routes.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// What each route is, in the order they were added.
    pub fn route_infos(&self) -> impl Iterator<Item = &RouteInfo> {
        self.routes.iter().map(|e| &e.info)
    }

    /// The name of the route that answers `sql`, if any (for tests and diagnostics).
    pub fn match_sql(&self, sql: &str) -> Option<&'static str> {
        let mut shape = template::normalize(sql).ok()?;
        self.find(&mut shape)
            .map(|m| self.routes[m.route].info.name)
    }

    /// Like [`match_sql`](Self::match_sql) for an already normalized statement (benchmarks).
    #[doc(hidden)]
    pub fn match_shape(&self, shape: &mut Shape) -> Option<&'static str> {
        self.find(shape).map(|m| self.routes[m.route].info.name)
    }

    fn find(&self, shape: &mut Shape) -> Option<Match> {
        self.table.find(shape, |i| {
            self.routes.get(i).map_or(&[][..], |e| &e.info.param_types)
        })
    }

    /// The error for a statement no route matches, with the closest template as a hint.
    fn unmatched(&self, shape: &Shape) -> PgError {
        let mut e = PgError::new(
            SqlState::FEATURE_NOT_SUPPORTED,
            "statement not supported: it matches none of this server's routes",
        )
        .detail(format!("The statement's normalized form is: {}", shape.key));
        // Prefer routes of the same command (a SELECT is not "close" to a DELETE just
        // because it is short), then any route.
        let keys: Vec<(usize, &str)> = self.table.keys().collect();
        let verb = |k: &str| k.split(' ').next().unwrap_or("").to_owned();
        let own = verb(&shape.key);
        let same: Vec<&str> = keys
            .iter()
            .map(|(_, k)| *k)
            .filter(|k| verb(k) == own)
            .collect();
        let closest = template::closest(&shape.key, same.iter().copied())
            .or_else(|| template::closest(&shape.key, keys.iter().map(|(_, k)| *k)))
            .and_then(|k| keys.iter().find(|(_, kk)| *kk == k))
            .and_then(|(i, _)| self.routes.get(*i));
        e = match closest {
            Some(entry) => e.hint(format!(
                "The closest route is `{}`: {}",
                entry.info.name, entry.info.sql
            )),
            None if self.routes.is_empty() => e.hint("This server has no routes."),
            None => e.hint(format!(
                "This server answers {} statement shape{}; none is close to this one.",
                self.routes.len(),
                if self.routes.len() == 1 { "" } else { "s" }
            )),
        };
        e
    }

    /// Runs route `m` with `params` (already in the route's parameter order).
    async fn run_route(
        &self,
        session: &mut Session,
        m: &Match,
        client: &Params,
        columns: Arc<[Column]>,
        formats: Formats,
    ) -> PgResult<Response> {
        let entry = &self.routes[m.route];
        let mapped;
        let params = match &m.binding {
            Binding::Direct => client,
            Binding::Mapped(sources) => {
                mapped = map_params(sources, client, &entry.info.param_types);
                &mapped
            }
        };
        let generation = session.cancel_token().generation();
        let ctx = RouteCtx {
            state: &self.state,
            session,
            params,
            param_names: entry.info.param_names,
            columns,
            formats,
            tag: entry.info.tag,
            generation,
        };
        entry.route.call(ctx).await
    }
}

/// Decodes parameter `i` (0-based) of a route as `T`, naming it (`parameter $1 (id)`) in
/// errors.
///
/// Text values are parsed as the route's type (so a bad value reads "invalid input syntax
/// for type bigint", whatever type the client declared). A binary value of a client-declared
/// text type (`text`, `varchar`, `unknown`, …) is UTF-8 text, and is parsed the same way;
/// other binary values are read as the type the client declared (psycopg sends small ints
/// as `int2`), which the type system converts.
pub(crate) fn decode_param<T: crate::types::FromPgValue + crate::types::PgType>(
    params: &Params,
    i: usize,
    name: &str,
) -> PgResult<T> {
    let declared = params.ty(i);
    let textual = matches!(
        *declared,
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN
    );
    let r = match (i < params.len(), params.raw(i), params.format(i)) {
        (false, ..) => Err(PgError::protocol_violation(format!(
            "there is no parameter ${}",
            i + 1
        ))),
        (true, None, _) => T::from_null(&T::pg_type()),
        (true, Some(raw), Format::Text) => T::from_text(&T::pg_type(), raw),
        (true, Some(raw), Format::Binary) if textual && T::pg_type() != *declared => {
            T::from_text(&T::pg_type(), raw)
        }
        // The type system reads other widths itself (an `int2` into an `i64`, …).
        (true, Some(raw), Format::Binary) => T::from_binary(declared, raw),
    };
    r.map_err(|mut e| {
        if e.code == SqlState::INVALID_BINARY_REPRESENTATION {
            e.message = format!("incorrect binary data format in bind parameter {}", i + 1);
        }
        e.where_ = Some(format!("parameter ${} ({name})", i + 1));
        e
    })
}

/// The route's parameters from the client's parameters and literals.
fn map_params(sources: &[Source], client: &Params, types: &[Type]) -> Params {
    let mut formats = Vec::with_capacity(sources.len());
    let mut values = Vec::with_capacity(sources.len());
    let mut tys = Vec::with_capacity(sources.len());
    for (s, route_ty) in sources.iter().zip(types) {
        match s {
            Source::Client(i) => {
                formats.push(client.format(*i));
                values.push(client.raw(*i).cloned());
                // The value is in the type the client bound it as.
                tys.push(client.ty(*i).clone());
            }
            Source::Literal(v) => {
                formats.push(Format::Text);
                values.push(v.clone());
                tys.push(route_ty.clone());
            }
        }
    }
    let formats = if formats.iter().all(|f| *f == Format::Text) {
        Formats::AllText
    } else {
        Formats::PerColumn(formats.into())
    };
    Params::new(tys.into(), formats, values)
}

/// A lexical error as PostgreSQL reports it: 42601 with a 1-based character position.
fn lex_error(sql: &str, e: &LexError) -> PgError {
    let near: String = sql.get(e.pos..).unwrap_or("").chars().take(24).collect();
    let position = sql.get(..e.pos).map_or(0, |s| s.chars().count()) + 1;
    let message = if e.message.starts_with("syntax error") {
        e.message.clone()
    } else {
        format!("{} at or near \"{near}\"", e.message)
    };
    PgError::new(SqlState::SYNTAX_ERROR, message).position(position as u32)
}

/// A prepared statement of a [`Router`].
#[derive(Debug)]
pub struct RouterStatement<T>(Kind<T>);

#[derive(Debug)]
enum Kind<T> {
    Route(Match),
    Builtin(Builtin),
    Fallback(Arc<Statement<T>>),
}

impl<S: Send + Sync + 'static, F: QueryHandler> QueryHandler for Router<S, F> {
    type Statement = RouterStatement<F::Statement>;

    async fn prepare(
        &self,
        session: &mut Session,
        sql: &str,
        param_types: &[Option<Type>],
    ) -> PgResult<Prepared<Self::Statement>> {
        let mut shape = template::normalize(sql);
        if let Ok(shape) = &mut shape {
            if let Some(m) = self.find(shape) {
                let info = &self.routes[m.route].info;
                let types = match m.binding {
                    Binding::Direct => info.param_types.clone(),
                    Binding::Mapped(_) => m.client_types.clone(),
                };
                let columns = info.columns.clone();
                return Ok(Prepared::new(
                    RouterStatement(Kind::Route(m)),
                    types,
                    columns,
                ));
            }
            if self.builtins {
                if let Some(b) = builtins::parse(sql, &shape.key) {
                    let columns = b.columns();
                    return Ok(Prepared::new(
                        RouterStatement(Kind::Builtin(b)),
                        Vec::new(),
                        columns,
                    ));
                }
            }
        }
        if let Some(f) = &self.fallback {
            let prepared = f.prepare(session, sql, param_types).await?;
            let types = prepared.param_types.clone();
            let columns = prepared.columns.clone();
            let stmt = Statement {
                name: String::new(),
                verb: crate::query::split::TxVerb::of(sql),
                sql: sql.to_owned(),
                param_types: types.clone().into(),
                prepared,
            };
            return Ok(Prepared::new(
                RouterStatement(Kind::Fallback(Arc::new(stmt))),
                types,
                columns,
            ));
        }
        match shape {
            Ok(shape) => Err(self.unmatched(&shape)),
            Err(e) => Err(lex_error(sql, &e)),
        }
    }

    async fn execute(
        &self,
        session: &mut Session,
        portal: &Portal<Self::Statement>,
    ) -> PgResult<Response> {
        match &portal.statement().0 {
            Kind::Route(m) => {
                let columns = portal.columns();
                let formats = portal.result_formats.clone();
                self.run_route(session, m, &portal.params, columns, formats)
                    .await
            }
            Kind::Builtin(b) => b.run(session, portal.columns(), portal.result_formats.clone()),
            Kind::Fallback(stmt) => match &self.fallback {
                Some(f) => {
                    let inner = Portal {
                        name: portal.name.clone(),
                        statement: Arc::clone(stmt),
                        params: portal.params.clone(),
                        result_formats: portal.result_formats.clone(),
                    };
                    f.execute(session, &inner).await
                }
                None => Err(PgError::new(
                    SqlState::INTERNAL_ERROR,
                    "fallback handler missing",
                )),
            },
        }
    }

    async fn simple_query(&self, session: &mut Session, sql: &str) -> PgResult<Response> {
        let mut shape = template::normalize(sql);
        if let Ok(shape) = &mut shape {
            if let Some(m) = self.find(shape) {
                if let Some(n) = m.client_types.len().checked_sub(1) {
                    return Err(PgError::new(
                        SqlState::from_code("42P02"),
                        format!("there is no parameter ${}", n + 1),
                    ));
                }
                let columns = self.routes[m.route]
                    .info
                    .columns
                    .clone()
                    .unwrap_or_else(|| Arc::from(Vec::new()));
                return self
                    .run_route(session, &m, &Params::default(), columns, Formats::AllText)
                    .await;
            }
            if self.builtins {
                if let Some(b) = builtins::parse(sql, &shape.key) {
                    let columns = b.columns().unwrap_or_else(|| Arc::from(Vec::new()));
                    return b.run(session, columns, Formats::AllText);
                }
            }
        }
        if let Some(f) = &self.fallback {
            return f.simple_query(session, sql).await;
        }
        match shape {
            Ok(shape) => Err(self.unmatched(&shape)),
            Err(e) => Err(lex_error(sql, &e)),
        }
    }

    async fn on_close(&self, session: &mut Session) {
        if let Some(f) = &self.fallback {
            f.on_close(session).await;
        }
    }
}
