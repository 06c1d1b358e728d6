//! The runtime with a test handler in process (real TCP, real clients): errors and recovery,
//! multi-statement abort, transaction status, notices, streaming, and session cleanup.

mod support;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use pgwire::codec::{BackendMessage, FrontendMessage, Query, TransactionStatus};
use pgwire::prelude::*;
use support::example::{connect, connect_listening};
use support::raw::{Raw, error_code};
use tokio_postgres::SimpleQueryMessage;

use support::handler::{Probe, TestHandler};

use futures::StreamExt;

struct Harness {
    port: u16,
    handle: ServerHandle,
    probe: Arc<Probe>,
}

async fn start() -> Harness {
    start_with(|_| {}).await
}

async fn start_with(config: impl FnOnce(&mut pgwire::Config)) -> Harness {
    let probe = Arc::new(Probe::default());
    let server = Server::builder(TestHandler {
        probe: probe.clone(),
    })
    .listen("127.0.0.1:0")
    .configure(config)
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
    // The runtime warns of a BEGIN inside a block and a COMMIT/ROLLBACK outside one, before
    // the command completes, for any handler (this one only returns the tags).
    let msgs = query(&mut raw, "begin").await;
    assert_warning(&msgs, "25001", "there is already a transaction in progress");
    assert_eq!(msgs[1], BackendMessage::CommandComplete("BEGIN".into()));
    assert_eq!(ready(&msgs), TransactionStatus::InTransaction);
    assert_eq!(
        ready(&query(&mut raw, "rollback").await),
        TransactionStatus::Idle
    );
    for verb in ["commit", "rollback"] {
        let msgs = query(&mut raw, verb).await;
        assert_warning(&msgs, "25P01", "there is no transaction in progress");
        let tag = verb.to_ascii_uppercase();
        assert_eq!(
            msgs[1],
            BackendMessage::CommandComplete(tag.as_str().into())
        );
        assert_eq!(ready(&msgs), TransactionStatus::Idle);
    }
}

fn assert_warning(msgs: &[BackendMessage], code: &str, message: &str) {
    match &msgs[0] {
        BackendMessage::NoticeResponse(f) => {
            assert_eq!(f.get(b'S'), Some("WARNING"));
            assert_eq!(f.get(b'C'), Some(code));
            assert_eq!(f.get(b'M'), Some(message));
        }
        other => panic!("expected a warning first, got {other:?}"),
    }
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_on_reactor_threads_query_cancel_notify_and_shut_down() {
    let probe = Arc::new(Probe::default());
    let server = Server::builder(TestHandler {
        probe: probe.clone(),
    })
    .listen("127.0.0.1:0")
    .configure(|c| c.reactors = 2)
    .bind()
    .await
    .unwrap();
    let port = server.local_addr().unwrap().port();
    let handle = server.handle();
    let serving = tokio::spawn(server.serve());
    // Many sessions, spread over both reactors by the kernel, all answered.
    let mut clients = Vec::new();
    for _ in 0..20 {
        clients.push(connect(&url(port)).await);
    }
    for c in &clients {
        assert_eq!(c.simple_query("rows 3").await.unwrap().len(), 5);
    }
    assert_eq!(handle.active_sessions(), 20);
    // A cancel reaches a query whichever thread it runs on.
    let token = clients[7].cancel_token();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        token.cancel_query(tokio_postgres::NoTls).await.unwrap();
    });
    let err = clients[7].simple_query("sleep").await.unwrap_err();
    assert_eq!(err.code().unwrap().code(), "57014");
    // Notifications cross threads.
    let (listening, mut notes) = connect_listening(&url(port)).await;
    listening.simple_query("LISTEN r").await.unwrap();
    for c in &clients {
        c.simple_query("NOTIFY r").await.unwrap();
    }
    for _ in 0..clients.len() {
        tokio::time::timeout(Duration::from_secs(2), notes.recv())
            .await
            .expect("delivered")
            .unwrap();
    }
    // stop(): serve() returns once nothing accepts, and open sessions go on, as without
    // reactors; shutdown then ends them.
    handle.stop();
    tokio::time::timeout(Duration::from_secs(5), serving)
        .await
        .expect("serve returns")
        .unwrap()
        .unwrap();
    assert_eq!(clients[3].simple_query("rows 1").await.unwrap().len(), 3);
    drop(clients);
    handle.shutdown(Duration::from_millis(500)).await;
    assert_eq!(handle.active_sessions(), 0);
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
    );
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

fn fatal_code(msgs: &[BackendMessage]) -> Option<String> {
    msgs.iter().find_map(|m| match m {
        BackendMessage::ErrorResponse(f) if f.get(b'S') == Some("FATAL") => {
            f.get(b'C').map(str::to_owned)
        }
        _ => None,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_tells_idle_and_busy_sessions_the_right_thing() {
    let h = start_with(|c| c.max_connections = 200).await;
    let mut idle = Vec::new();
    for _ in 0..100 {
        idle.push(Raw::startup(h.port, "tester").await);
    }
    // Three busy sessions finish within the grace period, two never would.
    let mut quick = Vec::new();
    for _ in 0..3 {
        let mut raw = Raw::startup(h.port, "tester").await;
        raw.send(&[FrontendMessage::Query(Query {
            sql: "sleepms 500".into(),
        })])
        .await;
        quick.push(raw);
    }
    let mut stuck = Vec::new();
    for _ in 0..2 {
        let mut raw = Raw::startup(h.port, "tester").await;
        raw.send(&[FrontendMessage::Query(Query {
            sql: "sleep".into(),
        })])
        .await;
        stuck.push(raw);
    }
    wait_for(|| h.probe.running.load(Ordering::SeqCst) == 2).await;
    assert_eq!(h.handle.active_sessions(), 105);
    let handle = h.handle.clone();
    let started = std::time::Instant::now();
    let shutdown = tokio::spawn(async move { handle.shutdown(Duration::from_millis(1500)).await });
    for raw in &mut idle {
        let msgs = raw.until_closed().await;
        assert_eq!(fatal_code(&msgs).as_deref(), Some("57P01"), "{msgs:?}");
    }
    assert!(
        started.elapsed() < Duration::from_millis(1000),
        "idle sessions end at once"
    );
    for raw in &mut quick {
        let msgs = raw.until_closed().await;
        assert!(
            msgs.contains(&BackendMessage::CommandComplete("SLEPT".into())),
            "the running query finished within the grace period: {msgs:?}"
        );
        assert_eq!(fatal_code(&msgs).as_deref(), Some("57P01"));
    }
    for raw in &mut stuck {
        let msgs = raw.until_closed().await;
        assert_eq!(fatal_code(&msgs).as_deref(), Some("57P01"), "{msgs:?}");
    }
    assert!(
        started.elapsed() >= Duration::from_millis(1400),
        "stuck queries get the grace period"
    );
    shutdown.await.unwrap();
    assert_eq!(h.handle.active_sessions(), 0);
    assert_eq!(h.probe.running.load(Ordering::SeqCst), 0);
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", h.port))
            .await
            .is_err(),
        "no longer accepting"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connection_over_the_limit_gets_53300_and_the_others_keep_working() {
    let h = start_with(|c| c.max_connections = 100).await;
    let mut sessions = Vec::new();
    for _ in 0..100 {
        sessions.push(Raw::startup(h.port, "tester").await);
    }
    let mut extra = Raw::connect(h.port).await;
    extra
        .send_startup(pgwire::codec::ProtocolVersion::V3_0, &[("user", "tester")])
        .await;
    let msgs = extra.until_closed().await;
    assert_eq!(fatal_code(&msgs).as_deref(), Some("53300"), "{msgs:?}");
    for raw in sessions.iter_mut().step_by(10) {
        let msgs = query(raw, "rows 1").await;
        assert_eq!(ready(&msgs), TransactionStatus::Idle);
    }
    // A slot frees up when a session leaves.
    sessions.pop();
    wait_for(|| h.handle.connections() == 99).await;
    let mut again = Raw::startup(h.port, "tester").await;
    assert_eq!(
        ready(&query(&mut again, "rows 1").await),
        TransactionStatus::Idle
    );
}

#[tokio::test]
async fn idle_timeouts_end_sessions_as_postgres_words_it() {
    let h = start_with(|c| {
        c.idle_session_timeout = Some(Duration::from_millis(300));
        c.idle_in_transaction_session_timeout = Some(Duration::from_millis(200));
    })
    .await;
    let mut idle = Raw::startup(h.port, "tester").await;
    let msgs = idle.until_closed().await;
    assert_eq!(fatal_code(&msgs).as_deref(), Some("57P05"));
    let mut in_tx = Raw::startup(h.port, "tester").await;
    assert_eq!(
        ready(&query(&mut in_tx, "begin").await),
        TransactionStatus::InTransaction
    );
    let msgs = in_tx.until_closed().await;
    assert_eq!(fatal_code(&msgs).as_deref(), Some("25P03"));
    // Activity keeps a session alive.
    let mut busy = Raw::startup(h.port, "tester").await;
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert_eq!(
            ready(&query(&mut busy, "rows 1").await),
            TransactionStatus::Idle
        );
    }
}

#[tokio::test]
async fn newer_protocol_minor_versions_are_negotiated_down() {
    let h = start().await;
    let mut raw = Raw::connect(h.port).await;
    raw.send_startup(
        pgwire::codec::ProtocolVersion {
            major: 3,
            minor: 9999,
        },
        &[("user", "tester"), ("_pq_.test_protocol_negotiation", "")],
    )
    .await;
    let msgs = raw.until_ready().await;
    assert_eq!(
        msgs[0],
        BackendMessage::NegotiateProtocolVersion {
            newest_minor: 2,
            unrecognized: vec!["_pq_.test_protocol_negotiation".into()]
        }
    );
    // Protocol 3.2 carries a 256-bit cancel key.
    let key = msgs.iter().find_map(|m| match m {
        BackendMessage::BackendKeyData { key, .. } => Some(key.len()),
        _ => None,
    });
    assert_eq!(key, Some(32));
    assert_eq!(
        ready(&query(&mut raw, "rows 2").await),
        TransactionStatus::Idle
    );
    // 3.0 clients keep 4-byte keys and get no negotiation message.
    let mut old = Raw::connect(h.port).await;
    old.send_startup(pgwire::codec::ProtocolVersion::V3_0, &[("user", "tester")])
        .await;
    let msgs = old.until_ready().await;
    assert!(
        !msgs
            .iter()
            .any(|m| matches!(m, BackendMessage::NegotiateProtocolVersion { .. }))
    );
    assert!(
        msgs.iter()
            .any(|m| matches!(m, BackendMessage::BackendKeyData { key, .. } if key.len() == 4))
    );
}

#[tokio::test]
async fn notify_reaches_an_idle_listener_quickly() {
    let h = start().await;
    let (listening, mut notes) = connect_listening(&url(h.port)).await;
    listening.simple_query("LISTEN jobs").await.unwrap();
    let notifier = connect(&url(h.port)).await;
    let sent = std::time::Instant::now();
    notifier.simple_query("NOTIFY jobs, 'hello'").await.unwrap();
    let n = tokio::time::timeout(Duration::from_secs(2), notes.recv())
        .await
        .expect("delivered")
        .unwrap();
    let latency = sent.elapsed();
    assert_eq!((n.channel(), n.payload()), ("jobs", "hello"));
    assert!(latency < Duration::from_millis(50), "took {latency:?}");
    // Other channels are not delivered; UNLISTEN stops delivery.
    notifier.simple_query("NOTIFY other").await.unwrap();
    listening.simple_query("UNLISTEN *").await.unwrap();
    notifier.simple_query("NOTIFY jobs, 'late'").await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(notes.try_recv().is_err());
}

#[tokio::test]
async fn notify_is_sent_at_commit_and_never_after_rollback() {
    let h = start().await;
    let (listening, mut notes) = connect_listening(&url(h.port)).await;
    listening.simple_query("LISTEN ch").await.unwrap();
    let notifier = connect(&url(h.port)).await;
    notifier.simple_query("begin").await.unwrap();
    notifier.simple_query("NOTIFY ch, 'a'").await.unwrap();
    notifier.simple_query("NOTIFY ch, 'a'").await.unwrap();
    notifier.simple_query("NOTIFY ch, 'b'").await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(notes.try_recv().is_err(), "nothing before COMMIT");
    notifier.simple_query("commit").await.unwrap();
    let first = tokio::time::timeout(Duration::from_secs(2), notes.recv())
        .await
        .unwrap()
        .unwrap();
    let second = tokio::time::timeout(Duration::from_secs(2), notes.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (first.payload(), second.payload()),
        ("a", "b"),
        "duplicates folded, order kept"
    );
    notifier.simple_query("begin").await.unwrap();
    notifier.simple_query("NOTIFY ch, 'never'").await.unwrap();
    notifier.simple_query("rollback").await.unwrap();
    // A failed implicit transaction does not notify either.
    let _ = notifier.simple_query("NOTIFY ch, 'never2'; fail").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(notes.try_recv().is_err());
}

#[tokio::test]
async fn a_listener_inside_a_transaction_gets_notifications_after_it_ends() {
    let h = start().await;
    let (listening, mut notes) = connect_listening(&url(h.port)).await;
    listening.simple_query("LISTEN ch").await.unwrap();
    listening.simple_query("begin").await.unwrap();
    let notifier = connect(&url(h.port)).await;
    notifier.simple_query("NOTIFY ch, 'x'").await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        notes.try_recv().is_err(),
        "held while the listener is in a transaction"
    );
    listening.simple_query("commit").await.unwrap();
    let n = tokio::time::timeout(Duration::from_secs(2), notes.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(n.payload(), "x");
}

#[tokio::test]
async fn listen_and_unlisten_take_effect_at_commit() {
    let h = start().await;
    let (listening, mut notes) = connect_listening(&url(h.port)).await;
    let notifier = connect(&url(h.port)).await;
    let heard = |notes: &mut tokio::sync::mpsc::UnboundedReceiver<tokio_postgres::Notification>| {
        std::iter::from_fn(|| notes.try_recv().ok())
            .map(|n| n.payload().to_owned())
            .collect::<Vec<_>>()
    };
    // A rolled-back LISTEN never listens.
    listening
        .simple_query("BEGIN; LISTEN a; ROLLBACK")
        .await
        .unwrap();
    notifier.simple_query("NOTIFY a, '1'").await.unwrap();
    // A committed one does, and hears its own transaction's NOTIFY.
    listening
        .simple_query("BEGIN; LISTEN a; NOTIFY a, '2'")
        .await
        .unwrap();
    notifier.simple_query("NOTIFY a, 'held'").await.unwrap();
    listening.simple_query("COMMIT").await.unwrap();
    notifier.simple_query("NOTIFY a, '3'").await.unwrap();
    // A rolled-back UNLISTEN keeps listening; a committed one stops.
    listening
        .simple_query("BEGIN; UNLISTEN *; ROLLBACK")
        .await
        .unwrap();
    notifier.simple_query("NOTIFY a, '4'").await.unwrap();
    listening
        .simple_query("BEGIN; UNLISTEN a; COMMIT")
        .await
        .unwrap();
    notifier.simple_query("NOTIFY a, '5'").await.unwrap();
    listening.simple_query("SELECT 1").await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(heard(&mut notes), ["2", "3", "4"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_sent_to_the_wrong_instance_is_forwarded() {
    // Two instances; each knows the other's address. Ports first, then the forwarders.
    let l1 = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let l2 = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let (a1, a2) = (l1.local_addr().unwrap(), l2.local_addr().unwrap());
    drop((l1, l2));
    let one = start_on(a1, 1, pgwire::cancel::TcpCancelForwarder::new([(2, a2)])).await;
    let two = start_on(a2, 2, pgwire::cancel::TcpCancelForwarder::new([(1, a1)])).await;
    let mut session = Raw::startup(one.port, "tester").await;
    let (pid, key) = session.key.clone().unwrap();
    assert_eq!(
        pgwire::cancel::instance_of(pid),
        1,
        "the pid carries the instance id"
    );
    session
        .send(&[FrontendMessage::Query(Query {
            sql: "sleep".into(),
        })])
        .await;
    wait_for(|| one.probe.running.load(Ordering::SeqCst) == 1).await;
    // The cancel lands on instance two, which forwards it to instance one.
    let mut raw = Raw::connect(two.port).await;
    let mut b = bytes::BytesMut::new();
    pgwire::codec::StartupPacket::Cancel(pgwire::codec::CancelRequest { pid, key }).encode(&mut b);
    raw.send_bytes(&b).await;
    assert!(raw.until_closed().await.is_empty());
    let msgs = session.until_ready().await;
    assert_eq!(error_code(&msgs).as_deref(), Some("57014"));
    assert_eq!(two.handle.active_sessions(), 0);
}

async fn start_on(
    addr: std::net::SocketAddr,
    instance: u16,
    forwarder: pgwire::cancel::TcpCancelForwarder,
) -> Harness {
    let probe = Arc::new(Probe::default());
    let server = Server::builder(TestHandler {
        probe: probe.clone(),
    })
    .listen(addr.to_string())
    .configure(|c| {
        c.instance_id = Some(instance);
        c.cancel_forwarder = Some(Arc::new(forwarder));
    })
    .bind()
    .await
    .unwrap();
    let handle = server.handle();
    tokio::spawn(server.serve());
    Harness {
        port: addr.port(),
        handle,
        probe,
    }
}

#[tokio::test]
async fn copy_in_and_out_with_tokio_postgres() {
    let h = start().await;
    let client = connect(&url(h.port)).await;
    let sink = client.copy_in::<_, bytes::Bytes>("copy in").await.unwrap();
    futures::pin_mut!(sink);
    use futures::SinkExt;
    for i in 0..1000 {
        sink.feed(bytes::Bytes::from(format!("{i}\n")))
            .await
            .unwrap();
    }
    let n = sink.finish().await.unwrap();
    assert_eq!(n, 1000);
    assert_eq!(h.probe.copied.load(Ordering::SeqCst), 1000);
    let out = client.copy_out("copy out 500").await.unwrap();
    let chunks: Vec<bytes::Bytes> = out.map(|c| c.unwrap()).collect().await;
    let text: String = chunks
        .iter()
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    assert_eq!(text.lines().count(), 500);
    assert!(text.starts_with("0\trow 0\n"));
    // The session goes on.
    assert_eq!(client.simple_query("rows 1").await.unwrap().len(), 3);
}

#[tokio::test]
async fn copy_fail_and_bad_rows_abort_the_copy() {
    let h = start().await;
    let mut raw = Raw::startup(h.port, "tester").await;
    raw.send(&[FrontendMessage::Query(Query {
        sql: "copy in".into(),
    })])
    .await;
    assert!(matches!(
        raw.recv().await,
        Some(BackendMessage::CopyInResponse(_))
    ));
    raw.send(&[
        FrontendMessage::CopyData(bytes::Bytes::from_static(b"1\n2\n")),
        FrontendMessage::CopyFail(pgwire::codec::CopyFail {
            message: "client gave up".into(),
        }),
    ])
    .await;
    let msgs = raw.until_ready().await;
    assert_eq!(error_code(&msgs).as_deref(), Some("57014"));
    assert_eq!(ready(&msgs), TransactionStatus::Idle);
    // A bad row ends the COPY with the handler's error; later CopyData is ignored.
    raw.send(&[FrontendMessage::Query(Query {
        sql: "copy in".into(),
    })])
    .await;
    assert!(matches!(
        raw.recv().await,
        Some(BackendMessage::CopyInResponse(_))
    ));
    raw.send(&[
        FrontendMessage::CopyData(bytes::Bytes::from_static(b"1\nfail\n")),
        FrontendMessage::CopyData(bytes::Bytes::from_static(b"3\n")),
        FrontendMessage::CopyDone,
    ])
    .await;
    let msgs = raw.until_ready().await;
    assert_eq!(error_code(&msgs).as_deref(), Some("22P04"));
    assert_eq!(h.probe.copied.load(Ordering::SeqCst), 0);
    assert_eq!(
        ready(&query(&mut raw, "rows 1").await),
        TransactionStatus::Idle
    );
}

#[test]
fn psql_copy_in_and_out() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let h = rt.block_on(start());
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.txt");
    std::fs::write(&input, "a\nb\nc\n").unwrap();
    let (ok, out, err) = support::psql(
        "127.0.0.1",
        h.port,
        "tester",
        &["-c", &format!("\\copy x from '{}'", input.display())],
    );
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "COPY 3");
    let output = dir.path().join("out.txt");
    let (ok, _, err) = support::psql(
        "127.0.0.1",
        h.port,
        "tester",
        &["-c", &format!("\\copy (out 3 x) to '{}'", output.display())],
    );
    assert!(ok, "{err}");
    assert_eq!(
        std::fs::read_to_string(output).unwrap(),
        "0\trow 0\n1\trow 1\n2\trow 2\n"
    );
}
