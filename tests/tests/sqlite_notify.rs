//! LISTEN / NOTIFY on the sqlite example: delivered across sessions, only after COMMIT.

mod support;

use std::time::Duration;

use support::example::{Example, connect, connect_listening};

#[tokio::test]
async fn notifications_cross_sessions_after_commit_only() {
    let server = Example::start("sqlite", &[]);
    let (listening, mut notes) = connect_listening(&server.url("me")).await;
    listening.simple_query("LISTEN orders").await.unwrap();
    let other = connect(&server.url("me")).await;
    other.simple_query("NOTIFY orders, 'one'").await.unwrap();
    let n = tokio::time::timeout(Duration::from_secs(2), notes.recv())
        .await
        .expect("delivered")
        .unwrap();
    assert_eq!((n.channel(), n.payload()), ("orders", "one"));
    // Inside a transaction: nothing until COMMIT; nothing at all after ROLLBACK.
    other.simple_query("BEGIN").await.unwrap();
    other.execute("NOTIFY orders, 'two'", &[]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(notes.try_recv().is_err());
    other.simple_query("COMMIT").await.unwrap();
    let n = tokio::time::timeout(Duration::from_secs(2), notes.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(n.payload(), "two");
    other.simple_query("BEGIN").await.unwrap();
    other.simple_query("NOTIFY orders, 'never'").await.unwrap();
    other.simple_query("ROLLBACK").await.unwrap();
    listening.simple_query("UNLISTEN *").await.unwrap();
    other
        .simple_query("NOTIFY orders, 'after unlisten'")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(notes.try_recv().is_err());
}
