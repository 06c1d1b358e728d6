//! A small in-process handler for runtime tests and benchmarks: each statement is a tiny
//! command, so tests can make the runtime stream, fail, notice, sleep and notify on demand.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::{StreamExt, stream};
use pgwire::prelude::*;

/// Counts handler futures that are alive, to prove dropped sessions drop their work.
#[derive(Default)]
pub struct Probe {
    pub running: AtomicUsize,
}

struct Running(Arc<Probe>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Understands: `rows N`, `fail`, `notice`, `sleep`, `begin`, `commit`, `rollback`, `set x y`.
pub struct TestHandler {
    pub probe: Arc<Probe>,
}

fn int_column() -> Arc<[Column]> {
    vec![Column::new("n", Type::INT8)].into()
}

impl QueryHandler for TestHandler {
    type Statement = String;

    async fn prepare(
        &self,
        _s: &mut Session,
        sql: &str,
        _t: &[Option<Type>],
    ) -> PgResult<Prepared<String>> {
        let cols = sql.trim().starts_with("rows").then(int_column);
        Ok(Prepared::new(sql.trim().to_owned(), vec![], cols))
    }

    async fn execute(&self, session: &mut Session, portal: &Portal<String>) -> PgResult<Response> {
        let sql = portal.statement().clone();
        if let Some(answer) = pgwire::notify::statement(session, &sql) {
            return answer;
        }
        let words: Vec<&str> = sql.split_whitespace().collect();
        match words.as_slice() {
            ["rows", n] => {
                let n: i64 = n.parse().unwrap_or(0);
                let mut enc = portal.encoder();
                let rows = stream::iter(0..n).map(move |i| {
                    enc.encode_field(&i)?;
                    enc.finish()
                });
                Ok(Response::stream(portal.columns(), rows))
            }
            ["fail"] => Err(PgError::new(SqlState::SYNTAX_ERROR, "you asked for it")),
            ["notice"] => {
                session.notice(PgError::notice("hello from the handler"));
                Ok(Response::Command(Tag::new("NOTICE")))
            }
            ["sleepms", ms] => {
                let ms: u64 = ms.parse().unwrap_or(0);
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok(Response::Command(Tag::new("SLEPT")))
            }
            ["sleep"] => {
                self.probe.running.fetch_add(1, Ordering::SeqCst);
                let _guard = Running(self.probe.clone());
                futures::future::pending::<()>().await;
                unreachable!()
            }
            ["set", name, value] => {
                session.set_parameter(name, *value);
                Ok(Response::Command(Tag::new("SET")))
            }
            [verb] => Ok(Response::Command(Tag::new(verb.to_ascii_uppercase()))),
            _ => Ok(Response::Empty),
        }
    }
}
