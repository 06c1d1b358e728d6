//! Extractors before the SQL parameters, and routes that stay callable fns.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use pgwire::{pg_query, routes, Cancellation, PgRow, Router, SessionInfo, State};

#[derive(Default)]
struct Counter {
    hits: AtomicU64,
}

#[derive(PgRow)]
struct Me {
    user: String,
    database: String,
    hits: i64,
}

#[pg_query("SELECT user, database, hits FROM me WHERE bump = $1")]
async fn me(state: State<Counter>, session: SessionInfo, cancel: Cancellation, bump: bool) -> Me {
    let _ = cancel.is_cancelled();
    if bump {
        state.hits.fetch_add(1, Ordering::Relaxed);
    }
    Me {
        user: session.user().to_owned(),
        database: session.database().to_owned(),
        hits: state.hits.load(Ordering::Relaxed) as i64,
    }
}

#[pg_query("UPDATE counter SET n = n + $1")]
async fn bump(state: State<Counter>, by: i64) -> u64 {
    state.hits.fetch_add(by as u64, Ordering::Relaxed);
    1
}

#[pg_query("SELECT 1 FROM nothing WHERE flag = $1")]
async fn stateless(flag: Option<bool>) {
    let _ = flag;
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let router = Router::new(Counter::default()).routes(routes![me, bump, stateless]);
    assert_eq!(router.match_sql("update counter set n = n + 5"), Some("bump"));
    // The fn is still a plain async fn.
    let state = State::from(Arc::new(Counter::default()));
    assert_eq!(bump(state.clone(), 2).await, 1);
    assert_eq!(state.hits.load(Ordering::Relaxed), 2);
    // A route without extractors fits any router.
    let _ = Router::new(42u8).routes(routes![stateless]);
}
