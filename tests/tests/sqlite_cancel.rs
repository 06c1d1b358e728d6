//! Cancelling queries on the sqlite example the way real clients do: tokio-postgres'
//! `CancelToken` in the middle of a 10-million-row stream, psql on Ctrl-C (SIGINT), and
//! asyncpg's `timeout=`. Each time the statement stops with 57014 well before it would have
//! finished, and the session (or the server, for psql) keeps working.

mod support;

use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use futures::{StreamExt, pin_mut};
use support::example::{Example, connect};

/// One server for the test binary.
fn server() -> &'static Example {
    static SERVER: OnceLock<Example> = OnceLock::new();
    SERVER.get_or_init(|| Example::start("sqlite", &[]))
}

/// Ten million rows, produced lazily by SQLite (about 20 s to stream them all to
/// tokio-postgres in a debug build).
const TEN_MILLION: &str = "WITH RECURSIVE c(x) AS \
     (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000000) SELECT x FROM c";

#[tokio::test]
async fn cancel_token_stops_a_ten_million_row_stream() {
    let c = connect(&server().url("me")).await;
    let token = c.cancel_token();
    let started = Instant::now();
    let rows = c
        .query_raw(TEN_MILLION, std::iter::empty::<i32>())
        .await
        .unwrap();
    pin_mut!(rows);
    let mut received = 0u64;
    let mut canceller = None;
    let error = loop {
        match rows.next().await {
            Some(Ok(_)) => {
                received += 1;
                if received == 1000 {
                    let token = token.clone();
                    canceller = Some(tokio::spawn(async move {
                        token.cancel_query(tokio_postgres::NoTls).await
                    }));
                }
            }
            Some(Err(e)) => break e,
            None => panic!("all {received} rows arrived: the cancel was ignored"),
        }
    };
    let elapsed = started.elapsed();
    canceller
        .expect("cancel sent")
        .await
        .unwrap()
        .expect("CancelRequest delivered");
    let db = error.as_db_error().unwrap_or_else(|| panic!("{error}"));
    assert_eq!(db.code().code(), "57014");
    assert_eq!(db.message(), "canceling statement due to user request");
    // Stopped within a few batches of the cancel, not after producing everything.
    assert!(
        received < 1_000_000,
        "{received} rows before the stream ended"
    );
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    eprintln!("cancelled after {received} rows in {elapsed:?}");
    // The session is ready for the next statement.
    let one: i32 = c.query_one("SELECT 1", &[]).await.unwrap().get(0);
    assert_eq!(one, 1);
}

#[test]
fn psql_ctrl_c_cancels_the_running_statement() {
    let port = server().port.to_string();
    let started = Instant::now();
    let mut child = Command::new("psql")
        .env_remove("PGPASSWORD")
        .args([
            "-X",
            "-h",
            "127.0.0.1",
            "-p",
            &port,
            "-U",
            "me",
            "-d",
            "postgres",
        ])
        .args(["-c", "SELECT pg_sleep(30)"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("psql runs");
    std::thread::sleep(Duration::from_secs(1));
    // What Ctrl-C does: psql sends a CancelRequest on a new connection.
    // SAFETY: kill(2) has no memory-safety preconditions; the pid is our live child's.
    let sent = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(sent, 0, "SIGINT sent");
    // Wait (bounded) for psql to exit; kill it if it does not, so no psql outlives the test.
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().expect("psql status").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("psql still running 10 s after Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("psql's output");
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("ERROR:  canceling statement due to user request"),
        "{stderr}"
    );
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    // The server still serves new sessions.
    let (ok, stdout, stderr) = support::psql(
        "127.0.0.1",
        server().port,
        "me",
        &["-A", "-t", "-c", "SELECT 40 + 2"],
    );
    assert!(ok, "{stderr}");
    assert_eq!(stdout.trim(), "42");
}

#[test]
fn asyncpg_timeout_cancels_and_the_connection_goes_on() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/sqlite_cancel.py");
    // Start the server (and build it if needed) before the clock does.
    let port = server().port.to_string();
    let started = Instant::now();
    let Some(stdout) = support::run_python(&[script, &port]) else {
        return;
    };
    let elapsed = started.elapsed();
    assert!(stdout.contains("asyncpg timeout ok"), "{stdout}");
    // Two 0.5 s timeouts; a cancel the server ignored would hold each for 10 s.
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
}
