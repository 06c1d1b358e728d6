//! LISTEN / NOTIFY and `pg_notify()` on the sqlite example: delivered across sessions, only
//! after COMMIT (or the end of the implicit transaction), never after ROLLBACK.

mod support;

use std::sync::OnceLock;
use std::time::Duration;

use support::example::{Example, connect, connect_listening};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio_postgres::Notification;

/// One server for the test binary; each test uses channels of its own.
fn server() -> &'static Example {
    static SERVER: OnceLock<Example> = OnceLock::new();
    SERVER.get_or_init(|| Example::start("sqlite", &[]))
}

async fn next(notes: &mut UnboundedReceiver<Notification>) -> Notification {
    tokio::time::timeout(Duration::from_secs(2), notes.recv())
        .await
        .expect("a notification within 2 s")
        .expect("listener still connected")
}

/// Nothing arrives for a while (time for a notification to have been delivered).
async fn nothing(notes: &mut UnboundedReceiver<Notification>) {
    tokio::time::sleep(Duration::from_millis(150)).await;
    if let Ok(n) = notes.try_recv() {
        panic!(
            "unexpected notification {:?} {:?}",
            n.channel(),
            n.payload()
        );
    }
}

#[tokio::test]
async fn notifications_cross_sessions_after_commit_only() {
    let server = server();
    let (listening, mut notes) = connect_listening(&server.url("me")).await;
    listening.simple_query("LISTEN orders").await.unwrap();
    let other = connect(&server.url("me")).await;
    other.simple_query("NOTIFY orders, 'one'").await.unwrap();
    let n = next(&mut notes).await;
    assert_eq!((n.channel(), n.payload()), ("orders", "one"));
    // Inside a transaction: nothing until COMMIT; nothing at all after ROLLBACK.
    other.simple_query("BEGIN").await.unwrap();
    other.execute("NOTIFY orders, 'two'", &[]).await.unwrap();
    nothing(&mut notes).await;
    other.simple_query("COMMIT").await.unwrap();
    assert_eq!(next(&mut notes).await.payload(), "two");
    other.simple_query("BEGIN").await.unwrap();
    other.simple_query("NOTIFY orders, 'never'").await.unwrap();
    other.simple_query("ROLLBACK").await.unwrap();
    listening.simple_query("UNLISTEN *").await.unwrap();
    other
        .simple_query("NOTIFY orders, 'after unlisten'")
        .await
        .unwrap();
    nothing(&mut notes).await;
}

#[tokio::test]
async fn pg_notify_function_queues_into_the_transaction() {
    let server = server();
    let (listening, mut notes) = connect_listening(&server.url("me")).await;
    listening.simple_query("LISTEN jobs").await.unwrap();
    let other = connect(&server.url("me")).await;
    let sender_pid: i32 = other
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .unwrap()
        .get(0);

    // Outside a transaction block: sent when the statement's implicit transaction ends.
    // Returns void, which psql shows as an empty value (text format: "").
    let answer = other
        .simple_query("SELECT pg_notify('jobs', 'simple')")
        .await
        .unwrap();
    assert_eq!(support::simple_rows(&answer), [[Some(String::new())]]);
    let tokio_postgres::SimpleQueryMessage::RowDescription(columns) = &answer[0] else {
        panic!("{answer:?}");
    };
    assert_eq!(columns[0].name(), "pg_notify");
    let n = next(&mut notes).await;
    assert_eq!((n.channel(), n.payload()), ("jobs", "simple"));
    assert_eq!(n.process_id(), sender_pid);

    // Extended protocol with parameters, case kept (unlike NOTIFY's identifier).
    listening.simple_query("LISTEN \"Jobs\"").await.unwrap();
    other
        .execute("SELECT pg_notify($1, $2)", &[&"Jobs", &"bound"])
        .await
        .unwrap();
    let n = next(&mut notes).await;
    assert_eq!((n.channel(), n.payload()), ("Jobs", "bound"));

    // Inside another statement, one notification per row, in a transaction block: nothing
    // before COMMIT, all of them after it, duplicates folded as PostgreSQL does.
    other
        .batch_execute("CREATE TABLE IF NOT EXISTS job_queue (id INTEGER, name TEXT)")
        .await
        .unwrap();
    other.batch_execute("BEGIN").await.unwrap();
    other
        .execute(
            "INSERT INTO job_queue SELECT v, 'job' || v FROM (VALUES (1), (2), (2)) AS t(v) \
             WHERE pg_notify('jobs', 'job' || v) IS NOT NULL",
            &[],
        )
        .await
        .unwrap();
    nothing(&mut notes).await;
    other.batch_execute("COMMIT").await.unwrap();
    let got = [next(&mut notes).await, next(&mut notes).await];
    assert_eq!(
        got.iter().map(|n| n.payload()).collect::<Vec<_>>(),
        ["job1", "job2"]
    );
    nothing(&mut notes).await;

    // ROLLBACK drops them, and so does a failed implicit transaction.
    other.batch_execute("BEGIN").await.unwrap();
    other
        .query("SELECT pg_notify('jobs', 'rolled back')", &[])
        .await
        .unwrap();
    other.batch_execute("ROLLBACK").await.unwrap();
    let e = other
        .batch_execute("SELECT pg_notify('jobs', 'failed'); SELECT * FROM no_such_table")
        .await
        .unwrap_err();
    assert_eq!(support::sqlstate(&e), "42P01");
    nothing(&mut notes).await;
    // A failed transaction block's COMMIT is a ROLLBACK.
    other.batch_execute("BEGIN").await.unwrap();
    other
        .query("SELECT pg_notify('jobs', 'aborted')", &[])
        .await
        .unwrap();
    other
        .batch_execute("SELECT * FROM no_such_table")
        .await
        .unwrap_err();
    other.batch_execute("COMMIT").await.unwrap();
    nothing(&mut notes).await;

    // NULL payload is the empty string.
    other
        .simple_query("SELECT pg_notify('jobs', NULL)")
        .await
        .unwrap();
    assert_eq!(next(&mut notes).await.payload(), "");
    listening.simple_query("UNLISTEN *").await.unwrap();
}

#[tokio::test]
async fn pg_notify_rejects_what_postgres_rejects() {
    let c = connect(&server().url("me")).await;
    let long_channel = "c".repeat(64);
    let long_payload = "p".repeat(8000);
    for (channel, payload, message) in [
        ("", "x", "channel name cannot be empty"),
        (&long_channel[..], "x", "channel name too long"),
        ("ok", &long_payload[..], "payload string too long"),
    ] {
        let e = c
            .query("SELECT pg_notify($1, $2)", &[&channel, &payload])
            .await
            .unwrap_err();
        let db = e.as_db_error().expect("a server error");
        assert_eq!(
            (db.code().code(), db.message()),
            ("22023", message),
            "{channel:?}"
        );
    }
    let e = c
        .simple_query("SELECT pg_notify(NULL, 'x')")
        .await
        .unwrap_err();
    assert_eq!(
        e.as_db_error().unwrap().message(),
        "channel name cannot be empty"
    );
    // The limits are exclusive: 63-byte channels and 7999-byte payloads are fine.
    c.query(
        "SELECT pg_notify($1, $2)",
        &[&&long_channel[1..], &&long_payload[1..]],
    )
    .await
    .unwrap();
}

/// A session's own notification, like any already waiting, comes before ReadyForQuery when
/// its transaction ends (as in PostgreSQL), so psql prints it right after the command that
/// sent it rather than after the next one.
#[test]
fn own_notifications_arrive_before_ready_for_query() {
    let (ok, stdout, stderr) = support::psql(
        "127.0.0.1",
        server().port,
        "me",
        &[
            "-c",
            "LISTEN own",
            "-c",
            "SELECT pg_notify('own', 'from myself')",
        ],
    );
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("Asynchronous notification \"own\" with payload \"from myself\" received"),
        "{stdout}"
    );
}

#[tokio::test]
async fn rollback_to_a_savepoint_drops_what_was_queued_after_it() {
    let server = server();
    let (listening, mut notes) = connect_listening(&server.url("me")).await;
    listening.simple_query("LISTEN sp").await.unwrap();
    let other = connect(&server.url("me")).await;
    other
        .batch_execute(
            "BEGIN; NOTIFY sp, 'kept'; SAVEPOINT a; NOTIFY sp, 'dropped'; \
             SAVEPOINT b; SELECT pg_notify('sp', 'dropped too'); ROLLBACK TO SAVEPOINT a; \
             SELECT pg_notify('sp', 'after'); SAVEPOINT c; NOTIFY sp, 'released'; \
             RELEASE c; COMMIT",
        )
        .await
        .unwrap();
    let got: Vec<String> = [
        next(&mut notes).await,
        next(&mut notes).await,
        next(&mut notes).await,
    ]
    .iter()
    .map(|n| n.payload().to_owned())
    .collect();
    assert_eq!(got, ["kept", "after", "released"]);
    nothing(&mut notes).await;
    // A LISTEN rolled back to a savepoint never listens.
    let (late, mut late_notes) = connect_listening(&server.url("me")).await;
    late.batch_execute("BEGIN; SAVEPOINT s; LISTEN sp; ROLLBACK TO s; COMMIT")
        .await
        .unwrap();
    other.simple_query("NOTIFY sp, 'x'").await.unwrap();
    assert_eq!(next(&mut notes).await.payload(), "x");
    nothing(&mut late_notes).await;
}
