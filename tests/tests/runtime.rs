//! The runtime with a test handler in process (real TCP, real clients): errors and recovery,
//! multi-statement abort, transaction status, notices, streaming, and session cleanup.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::stream;
use pgwire::codec::{BackendMessage, FrontendMessage, Query, TransactionStatus};
use pgwire::prelude::*;
use support::example::connect;
use support::raw::{Raw, error_code};
use tokio_postgres::SimpleQueryMessage;

/// Counts handler futures that are alive, to prove dropped sessions drop their work.
#[derive(Default)]
struct Probe {
    running: AtomicUsize,
}

struct Running(Arc<Probe>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Understands: `rows N`, `fail`, `notice`, `sleep`, `begin`, `commit`, `rollback`, `set x y`.
struct TestHandler {
    probe: Arc<Probe>,
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

use futures::StreamExt;

struct Harness {
    port: u16,
    handle: ServerHandle,
    probe: Arc<Probe>,
}

async fn start() -> Harness {
    let probe = Arc::new(Probe::default());
    let server = Server::builder(TestHandler {
        probe: probe.clone(),
    })
    .listen("127.0.0.1:0")
    .bind()
    .await
    .unwrap();
    let port = server.local_addr().unwrap().port();
    let handle = server.handle();
    tokio::spawn(server.serve());
    Harness {
        port,
        handle,
        probe,
    }
}

fn url(port: u16) -> String {
    format!("host=127.0.0.1 port={port} user=tester dbname=db")
}

async fn query(raw: &mut Raw, sql: &str) -> Vec<BackendMessage> {
    raw.send(&[FrontendMessage::Query(Query { sql: sql.into() })])
        .await;
    raw.until_ready().await
}

fn ready(msgs: &[BackendMessage]) -> TransactionStatus {
    match msgs.last() {
        Some(BackendMessage::ReadyForQuery(s)) => *s,
        other => panic!("no ReadyForQuery: {other:?}"),
    }
}

#[tokio::test]
async fn an_error_aborts_the_rest_of_a_multi_statement_query_and_the_session_goes_on() {
    let h = start().await;
    let client = connect(&url(h.port)).await;
    let err = client
        .simple_query("rows 1; fail; rows 2")
        .await
        .unwrap_err();
    assert_eq!(err.code().unwrap().code(), "42601");
    let msgs = client.simple_query("rows 3").await.unwrap();
    let rows = msgs
        .iter()
        .filter(|m| matches!(m, SimpleQueryMessage::Row(_)))
        .count();
    assert_eq!(rows, 3);
    // Through the raw protocol: the first statement's rows arrive, the third never runs.
    let mut raw = Raw::startup(h.port, "tester").await;
    let msgs = query(&mut raw, "rows 1; fail; rows 2").await;
    let data_rows = msgs
        .iter()
        .filter(|m| matches!(m, BackendMessage::DataRow(_)))
        .count();
    assert_eq!(data_rows, 1);
    assert_eq!(error_code(&msgs).as_deref(), Some("42601"));
}

#[tokio::test]
async fn transaction_status_follows_begin_errors_and_rollback() {
    let h = start().await;
    let mut raw = Raw::startup(h.port, "tester").await;
    assert_eq!(
        ready(&query(&mut raw, "begin").await),
        TransactionStatus::InTransaction
    );
    assert_eq!(
        ready(&query(&mut raw, "rows 1").await),
        TransactionStatus::InTransaction
    );
    let msgs = query(&mut raw, "fail").await;
    assert_eq!(ready(&msgs), TransactionStatus::Failed);
    let msgs = query(&mut raw, "rows 1").await;
    assert_eq!(error_code(&msgs).as_deref(), Some("25P02"));
    assert_eq!(ready(&msgs), TransactionStatus::Failed);
    // COMMIT of a failed transaction reports ROLLBACK, as PostgreSQL does.
    let msgs = query(&mut raw, "commit").await;
    assert_eq!(msgs[0], BackendMessage::CommandComplete("ROLLBACK".into()));
    assert_eq!(ready(&msgs), TransactionStatus::Idle);
    assert_eq!(
        ready(&query(&mut raw, "begin").await),
        TransactionStatus::InTransaction
    );
    assert_eq!(
        ready(&query(&mut raw, "rollback").await),
        TransactionStatus::Idle
    );
}

#[tokio::test]
async fn notices_reach_the_client_before_the_command_completes() {
    let h = start().await;
    let mut raw = Raw::startup(h.port, "tester").await;
    let msgs = query(&mut raw, "notice").await;
    match &msgs[0] {
        BackendMessage::NoticeResponse(f) => {
            assert_eq!(f.get(b'S'), Some("NOTICE"));
            assert_eq!(f.get(b'M'), Some("hello from the handler"));
        }
        other => panic!("expected a notice first, got {other:?}"),
    }
    assert_eq!(msgs[1], BackendMessage::CommandComplete("NOTICE".into()));
}

#[tokio::test]
async fn set_of_a_reported_parameter_sends_parameter_status() {
    let h = start().await;
    let mut raw = Raw::startup(h.port, "tester").await;
    let msgs = query(&mut raw, "set application_name demo").await;
    assert!(
        msgs.contains(&BackendMessage::ParameterStatus {
            name: "application_name".into(),
            value: "demo".into()
        }),
        "{msgs:?}"
    );
    let msgs = query(&mut raw, "set work_mem 1MB").await;
    assert!(
        !msgs
            .iter()
            .any(|m| matches!(m, BackendMessage::ParameterStatus { .. })),
        "work_mem is not reported: {msgs:?}"
    );
}

#[tokio::test]
async fn a_million_rows_stream_through_tokio_postgres() {
    let h = start().await;
    let client = connect(&url(h.port)).await;
    let stream = client
        .query_raw("rows 1000000", Vec::<i64>::new())
        .await
        .unwrap();
    futures::pin_mut!(stream);
    let mut n = 0i64;
    while let Some(row) = stream.next().await {
        let v: i64 = row.unwrap().get(0);
        assert_eq!(v, n);
        n += 1;
    }
    assert_eq!(n, 1_000_000);
}

#[tokio::test]
async fn sessions_are_counted_and_dropped_sessions_drop_their_work() {
    let h = start().await;
    assert_eq!(h.handle.active_sessions(), 0);
    let mut clients = Vec::new();
    for _ in 0..5 {
        clients.push(Raw::startup(h.port, "tester").await);
    }
    assert_eq!(h.handle.active_sessions(), 5);
    // Two sessions start a query that never ends, then vanish.
    for raw in clients.iter_mut().take(2) {
        raw.send(&[FrontendMessage::Query(Query {
            sql: "sleep".into(),
        })])
        .await;
    }
    wait_for(|| h.probe.running.load(Ordering::SeqCst) == 2).await;
    // One says Terminate, the others just drop their sockets.
    clients[4].send(&[FrontendMessage::Terminate]).await;
    clients.clear();
    wait_for(|| h.handle.active_sessions() == 0).await;
    // The sleeping handler futures were dropped with their sessions: a running query keeps
    // watching the socket, so a client that leaves mid-query does not leak its work.
    wait_for(|| h.probe.running.load(Ordering::SeqCst) == 0).await;
}

async fn wait_for(cond: impl Fn() -> bool) {
    for _ in 0..500 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("condition not reached within 5 s");
}

#[tokio::test]
async fn cancel_request_stops_a_running_query_with_57014() {
    let h = start().await;
    let client = connect(&url(h.port)).await;
    let token = client.cancel_token();
    let canceller = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        token.cancel_query(tokio_postgres::NoTls).await.unwrap();
    });
    let started = std::time::Instant::now();
    let err = client.simple_query("sleep").await.unwrap_err();
    assert_eq!(err.code().unwrap().code(), "57014");
    assert!(started.elapsed() < Duration::from_secs(5));
    canceller.await.unwrap();
    // The session goes on, and the cancel does not leak into the next query.
    assert_eq!(client.simple_query("rows 2").await.unwrap().len(), 4);
    wait_for(|| h.probe.running.load(Ordering::SeqCst) == 0).await;
}

#[tokio::test]
async fn a_cancel_with_the_wrong_key_does_nothing() {
    let h = start().await;
    let mut raw = Raw::startup(h.port, "tester").await;
    raw.send(&[FrontendMessage::Query(Query {
        sql: "sleep".into(),
    })])
    .await;
    wait_for(|| h.probe.running.load(Ordering::SeqCst) == 1).await;
    // Every live pid with a key that is surely wrong.
    let mut bogus = Raw::connect(h.port).await;
    let mut b = bytes::BytesMut::new();
    pgwire::codec::StartupPacket::Cancel(pgwire::codec::CancelRequest {
        pid: 1,
        key: bytes::Bytes::from_static(&[0, 0, 0, 0]),
    })
    .encode(&mut b);
    bogus.send_bytes(&b).await;
    assert!(
        bogus.until_closed().await.is_empty(),
        "a cancel gets no answer"
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(h.probe.running.load(Ordering::SeqCst), 1);
}
