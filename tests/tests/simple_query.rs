//! The foundation, end to end: tokio-postgres and psql against `examples/server` over TCP
//! and a Unix socket, and bad input answered without harming other sessions.

mod support;

use std::sync::OnceLock;

use pgwire::codec::{BackendMessage, FrontendMessage, Query, TransactionStatus};
use support::example::{Example, connect};
use support::raw::{Raw, error_code};
use support::simple_rows as rows;
use tokio_postgres::SimpleQueryMessage;

/// One server for the whole test binary.
fn server() -> &'static Example {
    static SERVER: OnceLock<Example> = OnceLock::new();
    SERVER.get_or_init(|| Example::start_with_socket("server", &[]))
}

fn tags(msgs: &[SimpleQueryMessage]) -> Vec<u64> {
    msgs.iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::CommandComplete(n) => Some(*n),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn tokio_postgres_simple_query() {
    let client = connect(&server().url("alice")).await;
    let msgs = client.simple_query("SELECT 1").await.unwrap();
    assert_eq!(
        rows(&msgs),
        vec![
            vec![Some("1".into()), Some("Tom".into())],
            vec![Some("2".into()), Some("Jerry".into())]
        ]
    );
    assert_eq!(tags(&msgs), vec![2]);
}

#[tokio::test]
async fn multi_statement_answers_each_statement() {
    let client = connect(&server().url("alice")).await;
    let msgs = client
        .simple_query("SELECT 1; SELECT 2;; SELECT ';'")
        .await
        .unwrap();
    assert_eq!(tags(&msgs), vec![2, 2, 2]);
    assert_eq!(rows(&msgs).len(), 6);
}

#[tokio::test]
async fn extended_query_with_tokio_postgres() {
    let client = connect(&server().url("alice")).await;
    let rows = client.query("SELECT id, name FROM t", &[]).await.unwrap();
    assert_eq!(rows.len(), 2);
    let id: i32 = rows[0].get(0);
    let name: &str = rows[1].get(1);
    assert_eq!((id, name), (1, "Jerry"));
    let stmt = client.prepare("SELECT whatever").await.unwrap();
    for _ in 0..100 {
        assert_eq!(client.query(&stmt, &[]).await.unwrap().len(), 2);
    }
}

#[tokio::test]
async fn empty_query_gets_empty_query_response() {
    let mut raw = Raw::startup(server().port, "alice").await;
    raw.send(&[FrontendMessage::Query(Query {
        sql: " -- nothing\n ".into(),
    })])
    .await;
    let msgs = raw.until_ready().await;
    assert_eq!(
        msgs,
        vec![
            BackendMessage::EmptyQueryResponse,
            BackendMessage::ReadyForQuery(TransactionStatus::Idle)
        ]
    );
}

#[test]
fn psql_over_tcp_and_unix_socket() {
    let s = server();
    let (ok, out, err) = support::psql(
        "127.0.0.1",
        s.port,
        "alice",
        &["-A", "-t", "-c", "select 1"],
    );
    assert!(ok, "psql failed: {err}");
    assert_eq!(out, "1|Tom\n2|Jerry\n");
    let dir = s.socket_dir.as_ref().unwrap().path().to_str().unwrap();
    let (ok, out, err) = support::psql(dir, s.port, "alice", &["-A", "-t", "-c", "select 1"]);
    assert!(ok, "psql over the Unix socket failed: {err}");
    assert_eq!(out, "1|Tom\n2|Jerry\n");
}

#[tokio::test]
async fn missing_user_is_fatal_28000() {
    let mut raw = Raw::connect(server().port).await;
    raw.send_startup(pgwire::codec::ProtocolVersion::V3_0, &[("database", "x")])
        .await;
    let msgs = raw.until_closed().await;
    assert_eq!(error_code(&msgs).as_deref(), Some("28000"));
}

#[tokio::test]
async fn other_protocol_versions_are_fatal_0a000() {
    let mut raw = Raw::connect(server().port).await;
    // Protocol 2.0 startup packet.
    let mut b = vec![0, 0, 0, 0, 0, 2, 0, 0];
    b.extend_from_slice(b"user\0bob\0\0");
    let len = b.len() as u32;
    b[..4].copy_from_slice(&len.to_be_bytes());
    raw.send_bytes(&b).await;
    let msgs = raw.until_closed().await;
    assert_eq!(error_code(&msgs).as_deref(), Some("0A000"));
}
