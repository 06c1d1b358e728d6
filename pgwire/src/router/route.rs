//! The [`Route`] trait that `#[pg_query]` implements, what a route tells the router about
//! itself ([`RouteInfo`]), and what it runs with ([`RouteCtx`]).

use std::sync::Arc;

use futures::future::BoxFuture;

use crate::error::PgResult;
use crate::query::Response;
use crate::session::Session;
use crate::types::{Column, Formats, Params, Type};

/// What a route is: its SQL template, parameter types and result columns.
///
/// `#[pg_query]` fills it in at compile time (the key and fingerprint come from the same
/// normalizer the router runs, see [`crate::sql`]).
#[derive(Debug, Clone)]
pub struct RouteInfo {
    /// The fn's name.
    pub name: &'static str,
    /// The SQL template as written.
    pub sql: &'static str,
    /// The template's normalized shape key (empty to let the router compute it).
    pub key: &'static str,
    /// FNV-1a of the key (0 to let the router compute it).
    pub fingerprint: u64,
    /// The command verb of its CommandComplete tag (`SELECT`, `INSERT`, `CREATE TABLE`, …).
    pub tag: &'static str,
    /// The names of the fn's SQL parameters, `$1` first (for error messages).
    pub param_names: &'static [&'static str],
    /// The types of `$1..$n` (ParameterDescription).
    pub param_types: Vec<Type>,
    /// The result columns, or `None` when the route returns no rows (NoData).
    pub columns: Option<Arc<[Column]>>,
    /// Where the route is defined (`file:line`).
    pub location: &'static str,
}

/// Everything a route runs with: the router's state, the session, the bound parameters and
/// the result formats the client asked for.
pub struct RouteCtx<'a, S> {
    pub(crate) state: &'a Arc<S>,
    pub(crate) session: &'a mut Session,
    pub(crate) params: &'a Params,
    pub(crate) param_names: &'static [&'static str],
    pub(crate) columns: Arc<[Column]>,
    pub(crate) formats: Formats,
    pub(crate) tag: &'static str,
    pub(crate) generation: u64,
}

impl<S> std::fmt::Debug for RouteCtx<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RouteCtx")
            .field("params", &self.params)
            .field("formats", &self.formats)
            .field("tag", &self.tag)
            .finish_non_exhaustive()
    }
}

impl<S> RouteCtx<'_, S> {
    /// The router's shared state.
    pub fn state(&self) -> &Arc<S> {
        self.state
    }

    /// The session running the statement.
    pub fn session(&self) -> &Session {
        self.session
    }

    /// The session, mutably (to set parameters or store per-session values).
    pub fn session_mut(&mut self) -> &mut Session {
        self.session
    }

    /// The bound parameters (`$1` is index 0).
    pub fn params(&self) -> &Params {
        self.params
    }

    /// The result columns.
    pub fn columns(&self) -> &Arc<[Column]> {
        &self.columns
    }

    /// The result formats the client asked for.
    pub fn formats(&self) -> &Formats {
        &self.formats
    }

    /// The command verb of the route's CommandComplete tag.
    pub fn tag(&self) -> &'static str {
        self.tag
    }

    /// The name of SQL parameter `i` (0-based) in the route fn.
    pub fn param_name(&self, i: usize) -> Option<&'static str> {
        self.param_names.get(i).copied()
    }
}

/// A route: one SQL template and the code that answers it. `#[pg_query]` implements it on
/// the braced struct it adds next to the fn; collect routes with [`routes!`](crate::routes).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a route of a `Router<{S}>`",
    label = "not a route for this router",
    note = "routes are `async fn`s marked #[pg_query(\"...\")]; add them with `router.routes(pgwire::routes![my_fn, ...])`",
    note = "a route whose extractors need `State<T>` only fits a `Router<T>` (made by `Router::new(T)`)"
)]
pub trait Route<S>: Send + Sync + 'static {
    /// What the route is; called once, when it is added to a router.
    fn info(&self) -> RouteInfo;

    /// Runs the route: extract, decode parameters, call the fn, encode its answer.
    fn call<'a>(&'a self, ctx: RouteCtx<'a, S>) -> BoxFuture<'a, PgResult<Response>>;
}

/// A route behind a pointer.
pub type BoxedRoute<S> = Box<dyn Route<S>>;

impl<S: 'static> Route<S> for BoxedRoute<S> {
    fn info(&self) -> RouteInfo {
        (**self).info()
    }
    fn call<'a>(&'a self, ctx: RouteCtx<'a, S>) -> BoxFuture<'a, PgResult<Response>> {
        (**self).call(ctx)
    }
}

/// Adds `#[pg_query]` routes to a router: `router.routes(routes![a, b, path::to::c])`.
///
/// ```
/// use pgwire::{Router, pg_query, routes};
///
/// #[pg_query("SELECT 1 AS one")]
/// async fn one() {}
///
/// #[pg_query("DELETE FROM t WHERE id = $1")]
/// async fn delete(id: i64) -> u64 { let _ = id; 1 }
///
/// let router = Router::new(()).routes(routes![one, delete]);
/// assert_eq!(router.len(), 2);
/// ```
///
/// It expands to a closure that adds each route in turn, so a route that does not fit the
/// router (say it extracts `State<A>` from a `Router<B>`) is reported by name.
#[macro_export]
macro_rules! routes {
    ($($($segment:ident)::+),* $(,)?) => {
        |__router| {
            $(let __router = $crate::__private::add_route(__router, $($segment)::+ {});)*
            __router
        }
    };
}
