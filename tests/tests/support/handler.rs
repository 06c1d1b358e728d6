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
    /// Rows stored by successful `copy in` statements.
    pub copied: AtomicUsize,
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
        let spaced = sql.replace(['(', ')'], " ");
        let words: Vec<&str> = spaced.split_whitespace().collect();
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
            ["copy", "in"] | ["COPY", _, "FROM", "STDIN"] => {
                // Counts newline-terminated rows; a row "fail" fails the COPY.
                let seen = self.probe.clone();
                Ok(Response::CopyIn(pgwire::copy::CopyIn::new(
                    pgwire::copy::CopyFormat::text(1),
                    move |mut data| async move {
                        let mut rows = 0u64;
                        while let Some(chunk) = data.next().await {
                            let chunk = chunk?;
                            for line in chunk.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                                if line == b"fail" {
                                    return Err(PgError::new(
                                        SqlState::BAD_COPY_FILE_FORMAT,
                                        "bad row",
                                    ));
                                }
                                rows += 1;
                            }
                        }
                        seen.copied.fetch_add(rows as usize, Ordering::SeqCst);
                        Ok(rows)
                    },
                )))
            }
            ["copy", "out", n] | ["COPY", "out", n, ..] => {
                let n: u64 = n.parse().unwrap_or(0);
                let chunks = stream::iter(0..n).map(|i| {
                    Ok(pgwire::copy::CopyChunk {
                        data: bytes::Bytes::from(format!("{i}\trow {i}\n")),
                        rows: 1,
                    })
                });
                Ok(Response::CopyOut(pgwire::copy::CopyOut::new(
                    pgwire::copy::CopyFormat::text(2),
                    chunks,
                )))
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
