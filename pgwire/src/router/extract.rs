//! Extractors: the leading arguments of a route fn, taken from the router and the session
//! rather than from the statement's parameters.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::Arc;

use super::route::RouteCtx;
use crate::cancel::CancelToken;
use crate::error::PgResult;

/// A value a route fn can take before its SQL parameters.
///
/// pgwire provides [`State<T>`] (the router's shared state), [`SessionInfo`] (user, database,
/// parameters) and [`Cancellation`] (fires when the client cancels the query). Implement it
/// for your own types to extract anything else from the context.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be extracted by a route of a `Router` whose state is `{S}`",
    label = "not an extractor for this router",
    note = "arguments before the SQL parameters are extractors: `State<T>` (with `Router::new(T)`), `SessionInfo` or `Cancellation`",
    note = "the last arguments bind to the template's $1..$n placeholders in order"
)]
pub trait FromContext<S>: Sized {
    /// Takes the value from the route's context.
    fn from_context(ctx: &RouteCtx<'_, S>) -> PgResult<Self>;
}

/// The router's shared state, as given to [`Router::new`](super::Router::new).
///
/// ```
/// use pgwire::{State, pg_query};
///
/// struct Counter(std::sync::atomic::AtomicU64);
///
/// #[pg_query("SELECT count FROM counter")]
/// async fn count(state: State<Counter>) -> u64 {
///     state.0.load(std::sync::atomic::Ordering::Relaxed)
/// }
/// ```
///
/// It derefs to `T` (the field is private, so `state.0` reaches a tuple struct's own field).
/// In tests, call a route fn with `State::new(value)`.
#[derive(Debug)]
pub struct State<T> {
    inner: Arc<T>,
}

impl<T> State<T> {
    /// Wraps a value (e.g. to call a route fn directly in a test).
    pub fn new(value: T) -> Self {
        State {
            inner: Arc::new(value),
        }
    }

    /// The shared pointer.
    pub fn arc(&self) -> &Arc<T> {
        &self.inner
    }
}

impl<T> From<Arc<T>> for State<T> {
    fn from(inner: Arc<T>) -> Self {
        State { inner }
    }
}

impl<T> Clone for State<T> {
    fn clone(&self) -> Self {
        State {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T> Deref for State<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<S: Send + Sync + 'static> FromContext<S> for State<S> {
    fn from_context(ctx: &RouteCtx<'_, S>) -> PgResult<Self> {
        Ok(State::from(Arc::clone(ctx.state)))
    }
}

/// Who is asking: the session's user, database and parameters, copied when the route runs.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    user: String,
    database: String,
    pid: i32,
    parameters: HashMap<String, String>,
}

impl SessionInfo {
    /// The user name the client connected as.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The database name the client asked for.
    pub fn database(&self) -> &str {
        &self.database
    }

    /// The session's process id (as in BackendKeyData).
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// A session parameter (`application_name`, `TimeZone`, …), case-insensitively.
    pub fn parameter(&self, name: &str) -> Option<&str> {
        self.parameters.get(name).map(String::as_str).or_else(|| {
            self.parameters
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        })
    }
}

impl<S> FromContext<S> for SessionInfo {
    fn from_context(ctx: &RouteCtx<'_, S>) -> PgResult<Self> {
        let s = &*ctx.session;
        Ok(SessionInfo {
            user: s.user().to_owned(),
            database: s.database().to_owned(),
            pid: s.pid(),
            parameters: s.parameters().clone(),
        })
    }
}

/// The running query's cancellation: fires when the client sends a CancelRequest for it.
///
/// The runtime already stops a cancelled route (its future and any row stream are dropped);
/// take this extractor to stop work that runs elsewhere, e.g. on a blocking thread.
#[derive(Debug, Clone)]
pub struct Cancellation {
    token: CancelToken,
    generation: u64,
}

impl Cancellation {
    /// Whether the client cancelled this query.
    pub fn is_cancelled(&self) -> bool {
        self.token.is_cancelled_since(self.generation)
    }

    /// Resolves when the client cancels this query.
    pub async fn cancelled(&self) {
        self.token.cancelled_since(self.generation).await;
    }
}

impl<S> FromContext<S> for Cancellation {
    fn from_context(ctx: &RouteCtx<'_, S>) -> PgResult<Self> {
        Ok(Cancellation {
            token: ctx.session.cancel_token().clone(),
            generation: ctx.generation,
        })
    }
}
