//! LISTEN / NOTIFY on the sqlite example: delivered across sessions, only after COMMIT.

mod support;

use std::time::Duration;

use futures::StreamExt;
use support::example::{Example, connect};

async fn listener(
    port: u16,
) -> (
    tokio_postgres::Client,
    tokio::sync::mpsc::UnboundedReceiver<tokio_postgres::Notification>,
) {
    let url = format!("host=127.0.0.1 port={port} user=me dbname=postgres");
    let (client, mut conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut messages = futures::stream::poll_fn(move |cx| conn.poll_message(cx));
        while let Some(Ok(m)) = messages.next().await {
            if let tokio_postgres::AsyncMessage::Notification(n) = m {
                let _ = tx.send(n);
            }
        }
    });
    (client, rx)
}

#[tokio::test]
async fn notifications_cross_sessions_after_commit_only() {
    let server = Example::start("sqlite", &[]);
    let (listening, mut notes) = listener(server.port).await;
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
