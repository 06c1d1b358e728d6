//! examples/sqlite under load: many concurrent sessions writing and reading one shared
//! database, explicit transactions contending for the same table, and a large result
//! streamed in batches.

mod support;

use std::sync::OnceLock;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use support::example::{Example, connect};

fn server() -> &'static Example {
    static SERVER: OnceLock<Example> = OnceLock::new();
    SERVER.get_or_init(|| Example::start("sqlite", &[]))
}

async fn client() -> tokio_postgres::Client {
    connect(&server().url("load")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_clients_insert_two_hundred_rows_each() {
    let setup = client().await;
    setup
        .batch_execute(
            "CREATE TABLE hits (id INTEGER PRIMARY KEY, client INT4 NOT NULL, n INT4 NOT NULL)",
        )
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for client_id in 0..16i32 {
        tasks.push(tokio::spawn(async move {
            let c = client().await;
            let ins = c
                .prepare("INSERT INTO hits (client, n) VALUES ($1, $2)")
                .await
                .unwrap();
            for n in 0..200i32 {
                c.execute(&ins, &[&client_id, &n]).await.unwrap();
                if n % 50 == 0 {
                    // Reads interleaved with the other sessions' writes.
                    let mine: i64 = c
                        .query_one("SELECT count(*) FROM hits WHERE client = $1", &[&client_id])
                        .await
                        .unwrap()
                        .get(0);
                    assert_eq!(mine, i64::from(n) + 1);
                }
            }
        }));
    }
    tokio::time::timeout(Duration::from_secs(120), async {
        for t in tasks {
            t.await.unwrap();
        }
    })
    .await
    .expect("all clients finished");
    let rows = setup
        .query(
            "SELECT client, count(*), count(DISTINCT n) FROM hits GROUP BY client ORDER BY client",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 16);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r.get::<_, i32>(0), i as i32);
        assert_eq!(r.get::<_, i64>(1), 200);
        assert_eq!(r.get::<_, i64>(2), 200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn transactions_contending_for_one_table() {
    let setup = client().await;
    setup
        .batch_execute(
            "CREATE TABLE account (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL); \
                        INSERT INTO account VALUES (1, 0), (2, 0);",
        )
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for t in 0..8 {
        tasks.push(tokio::spawn(async move {
            let mut c = client().await;
            let mut done = 0;
            while done < 25 {
                let tx = c.transaction().await.unwrap();
                let r = async {
                    tx.execute("UPDATE account SET balance = balance + 1 WHERE id = 1", &[])
                        .await?;
                    tx.execute("UPDATE account SET balance = balance - 1 WHERE id = 2", &[])
                        .await?;
                    tx.commit().await
                }
                .await;
                match r {
                    Ok(()) => done += 1,
                    // Lock conflicts are reported as PostgreSQL would: retry.
                    Err(e) => {
                        let code = e.code().map(|c| c.code().to_owned()).unwrap_or_default();
                        assert!(
                            matches!(code.as_str(), "40001" | "40P01" | "55P03"),
                            "client {t}: {e}"
                        );
                    }
                }
            }
        }));
    }
    tokio::time::timeout(Duration::from_secs(120), async {
        for t in tasks {
            t.await.unwrap();
        }
    })
    .await
    .expect("no session hung");
    let rows = setup
        .query("SELECT balance FROM account ORDER BY id", &[])
        .await
        .unwrap();
    // `balance INTEGER` is an int4, as in PostgreSQL.
    let b: Vec<i32> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(b, vec![200, -200]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_results_stream_in_batches() {
    let c = client().await;
    c.batch_execute(
        "CREATE TABLE big (n BIGINT, label TEXT); \
         INSERT INTO big WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 200000) \
         SELECT n, 'row ' || n FROM s;",
    )
    .await
    .unwrap();
    // Extended protocol, binary, streamed row by row by the client.
    let rows = c
        .query_raw(
            "SELECT n, label FROM big ORDER BY n",
            std::iter::empty::<i64>(),
        )
        .await
        .unwrap();
    futures::pin_mut!(rows);
    let mut expected = 1i64;
    while let Some(row) = rows.next().await {
        let row = row.unwrap();
        assert_eq!(row.get::<_, i64>(0), expected);
        expected += 1;
    }
    assert_eq!(expected, 200_001);
    // Simple protocol: every row, text format.
    let msgs = c.simple_query("SELECT n FROM big").await.unwrap();
    let n = msgs
        .iter()
        .filter(|m| matches!(m, tokio_postgres::SimpleQueryMessage::Row(_)))
        .count();
    assert_eq!(n, 200_000);
    // A stream dropped half-way leaves the session (and the table) usable.
    {
        let rows = c
            .query_raw("SELECT n FROM big", std::iter::empty::<i64>())
            .await
            .unwrap();
        let firsts: Vec<_> = rows.take(10).try_collect().await.unwrap();
        assert_eq!(firsts.len(), 10);
    }
    let other = client().await;
    other
        .execute("INSERT INTO big VALUES (0, 'zero')", &[])
        .await
        .unwrap();
    let total: i64 = c
        .query_one("SELECT count(*) FROM big", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(total, 200_001);
}
