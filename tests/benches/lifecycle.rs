//! Cancel latency and NOTIFY fan-out: pgwire (in process, with the test handler) against
//! PostgreSQL 15, in the same run.
//!
//! `cargo bench -p pgwire-tests --bench lifecycle` (CANCELS=1000 LISTENERS=1000 by default).

#[allow(dead_code)]
#[path = "../tests/support/handler.rs"]
mod handler;
#[path = "../tests/support/pg.rs"]
mod pg;
#[allow(dead_code)]
#[path = "../tests/support/raw.rs"]
mod raw;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use pgwire::codec::{BackendMessage, CancelRequest, FrontendMessage, Query, StartupPacket};
use pgwire::prelude::*;
use raw::Raw;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn cancel_latency(port: u16, user: &str, sleep_sql: &str, n: usize) -> Vec<Duration> {
    let mut session = Raw::startup(port, user).await;
    let (pid, key) = session.key.clone().expect("BackendKeyData");
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        session
            .send(&[FrontendMessage::Query(Query {
                sql: sleep_sql.into(),
            })])
            .await;
        // Give the query time to start running.
        tokio::time::sleep(Duration::from_millis(2)).await;
        let started = Instant::now();
        let mut c = Raw::connect(port).await;
        let mut b = BytesMut::new();
        StartupPacket::Cancel(CancelRequest {
            pid,
            key: key.clone(),
        })
        .encode(&mut b);
        c.send_bytes(&b).await;
        let msgs = session.until_ready().await;
        out.push(started.elapsed());
        assert_eq!(raw::error_code(&msgs).as_deref(), Some("57014"), "{msgs:?}");
    }
    out.sort();
    out
}

async fn fan_out(port: u16, user: &str, listeners: usize) -> Duration {
    let mut sessions = Vec::with_capacity(listeners);
    for _ in 0..listeners {
        let mut s = Raw::startup(port, user).await;
        s.send(&[FrontendMessage::Query(Query {
            sql: "LISTEN bench".into(),
        })])
        .await;
        s.until_ready().await;
        sessions.push(s);
    }
    let mut notifier = Raw::startup(port, user).await;
    let started = Instant::now();
    let waits: Vec<_> = sessions
        .into_iter()
        .map(|mut s| {
            tokio::spawn(async move {
                loop {
                    match s.recv().await {
                        Some(BackendMessage::NotificationResponse { .. }) => return Instant::now(),
                        Some(_) => continue,
                        None => panic!("listener closed"),
                    }
                }
            })
        })
        .collect();
    notifier
        .send(&[FrontendMessage::Query(Query {
            sql: "NOTIFY bench, 'go'".into(),
        })])
        .await;
    let mut last = started;
    for w in waits {
        last = last.max(w.await.unwrap());
    }
    last - started
}

fn report(what: &str, pg: &[Duration], ours: &[Duration]) {
    println!(
        "{what}: PostgreSQL median {:?} p99 {:?} | pgwire median {:?} p99 {:?}",
        pct(pg, 0.5),
        pct(pg, 0.99),
        pct(ours, 0.5),
        pct(ours, 0.99)
    );
}

fn main() {
    let cancels = env("CANCELS", 1000);
    let listeners = env("LISTENERS", 1000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let pg = pg::PgServer::start(
            pg::PgOptions::default().max_connections((listeners + 50) as u32),
        )
        .expect("PostgreSQL starts");
        let server = Server::builder(handler::TestHandler {
            probe: Arc::new(handler::Probe::default()),
        })
        .listen("127.0.0.1:0")
        .configure(|c| c.max_connections = listeners + 50)
        .bind()
        .await
        .unwrap();
        let port = server.local_addr().unwrap().port();
        tokio::spawn(server.serve());

        let pg_c = cancel_latency(pg.port, "postgres", "SELECT pg_sleep(10)", cancels).await;
        let our_c = cancel_latency(port, "bench", "sleep", cancels).await;
        report(&format!("cancel latency over {cancels} cancels"), &pg_c, &our_c);

        let pg_f = fan_out(pg.port, "postgres", listeners).await;
        let our_f = fan_out(port, "bench", listeners).await;
        println!(
            "NOTIFY fan-out to {listeners} listeners: PostgreSQL {pg_f:?} | pgwire {our_f:?} ({:.1}x faster)",
            pg_f.as_secs_f64() / our_f.as_secs_f64()
        );
    });
}
