//! Bad input from the network: each case gets an ErrorResponse (08P01) or a clean close,
//! never a crash, and other sessions go on working.

mod support;

use std::sync::OnceLock;

use pgwire::codec::{BackendMessage, FrontendMessage, Query, TransactionStatus};
use support::example::{Example, connect};
use support::raw::{Raw, error_code};

fn server() -> &'static Example {
    static SERVER: OnceLock<Example> = OnceLock::new();
    SERVER.get_or_init(|| Example::start("server", &[]))
}

/// Asserts the server closed the connection, with 08P01 if it said anything, and that a
/// fresh session (and the one kept open across the attack) still works.
async fn assert_refused_and_server_fine(msgs: Vec<BackendMessage>, bystander: &mut Raw) {
    if let Some(code) = error_code(&msgs) {
        assert_eq!(code, "08P01", "unexpected error: {msgs:?}");
    }
    let client = connect(&server().url("bob")).await;
    assert_eq!(client.simple_query("SELECT 1").await.unwrap().len(), 4);
    bystander
        .send(&[FrontendMessage::Query(Query {
            sql: "SELECT 1".into(),
        })])
        .await;
    let reply = bystander.until_ready().await;
    assert_eq!(
        reply.last(),
        Some(&BackendMessage::ReadyForQuery(TransactionStatus::Idle))
    );
}

async fn after_startup(bytes: &[u8]) -> Vec<BackendMessage> {
    let mut raw = Raw::startup(server().port, "mallory").await;
    raw.send_bytes(bytes).await;
    // Half-close: the server sees EOF after our bytes.
    let _ = tokio::io::AsyncWriteExt::shutdown(&mut raw.stream).await;
    raw.until_closed().await
}

#[tokio::test]
async fn garbage_instead_of_a_startup_packet() {
    let mut bystander = Raw::startup(server().port, "alice").await;
    let mut raw = Raw::connect(server().port).await;
    raw.send_bytes(b"GET / HTTP/1.1\r\nHost: example\r\n\r\n")
        .await;
    let msgs = raw.until_closed().await;
    assert_refused_and_server_fine(msgs, &mut bystander).await;
}

#[tokio::test]
async fn startup_packet_over_10000_bytes() {
    let mut bystander = Raw::startup(server().port, "alice").await;
    let mut raw = Raw::connect(server().port).await;
    let mut packet = 10_001u32.to_be_bytes().to_vec();
    packet.extend_from_slice(&196608u32.to_be_bytes());
    packet.resize(10_001, b'a');
    raw.send_bytes(&packet).await;
    let msgs = raw.until_closed().await;
    assert_eq!(error_code(&msgs).as_deref(), Some("08P01"));
    assert_refused_and_server_fine(msgs, &mut bystander).await;
}

#[tokio::test]
async fn startup_length_below_minimum() {
    let mut bystander = Raw::startup(server().port, "alice").await;
    let mut raw = Raw::connect(server().port).await;
    raw.send_bytes(&[0, 0, 0, 3, 0, 0, 0, 0]).await;
    let msgs = raw.until_closed().await;
    assert_refused_and_server_fine(msgs, &mut bystander).await;
}

#[tokio::test]
async fn message_length_below_4() {
    let mut bystander = Raw::startup(server().port, "alice").await;
    let msgs = after_startup(&[b'Q', 0, 0, 0, 3]).await;
    assert_eq!(error_code(&msgs).as_deref(), Some("08P01"));
    assert_refused_and_server_fine(msgs, &mut bystander).await;
}

#[tokio::test]
async fn message_length_over_the_cap() {
    let mut bystander = Raw::startup(server().port, "alice").await;
    let msgs = after_startup(&[b'Q', 0x7f, 0xff, 0xff, 0xff, b'x']).await;
    assert_eq!(error_code(&msgs).as_deref(), Some("08P01"));
    assert_refused_and_server_fine(msgs, &mut bystander).await;
}

#[tokio::test]
async fn truncated_message_then_eof() {
    let mut bystander = Raw::startup(server().port, "alice").await;
    // Announces 100 bytes, sends 10, then closes its side.
    let msgs = after_startup(&[b'Q', 0, 0, 0, 100, b's', b'e', b'l', b'e', b'c', b't']).await;
    assert_refused_and_server_fine(msgs, &mut bystander).await;
}

#[tokio::test]
async fn unknown_message_type() {
    let mut bystander = Raw::startup(server().port, "alice").await;
    let msgs = after_startup(&[b'@', 0, 0, 0, 4]).await;
    assert_eq!(error_code(&msgs).as_deref(), Some("08P01"));
    assert_refused_and_server_fine(msgs, &mut bystander).await;
}

#[tokio::test]
async fn malformed_body_is_an_error_not_the_end() {
    // A Query without its terminating NUL: ERROR 08P01, then the session goes on.
    let mut raw = Raw::startup(server().port, "alice").await;
    raw.send_bytes(&[b'Q', 0, 0, 0, 5, b'x']).await;
    let msgs = raw.until_ready().await;
    assert_eq!(error_code(&msgs).as_deref(), Some("08P01"));
    raw.send(&[FrontendMessage::Query(Query {
        sql: "SELECT 1".into(),
    })])
    .await;
    let msgs = raw.until_ready().await;
    assert!(
        matches!(msgs[0], BackendMessage::RowDescription(_)),
        "{msgs:?}"
    );
}

#[tokio::test]
async fn bind_with_counts_beyond_the_body() {
    // Bind claiming 30,000 parameter values in a 20-byte body.
    let mut raw = Raw::startup(server().port, "alice").await;
    let mut body = vec![0u8, 0u8]; // portal "", statement ""
    body.extend_from_slice(&0i16.to_be_bytes());
    body.extend_from_slice(&30_000i16.to_be_bytes());
    let mut msg = vec![b'B'];
    msg.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
    msg.extend_from_slice(&body);
    msg.extend_from_slice(&[b'S', 0, 0, 0, 4]);
    raw.send_bytes(&msg).await;
    let msgs = raw.until_ready().await;
    assert_eq!(error_code(&msgs).as_deref(), Some("08P01"));
}
