//! COPY end to end with tokio-postgres against an in-process server that uses the typed COPY
//! API (tests/tests/copy_handler): 100,000 rows go in with `copy_in` (text, CSV) and
//! `BinaryCopyInWriter`, and come back out with `copy_out` and `BinaryCopyOutStream`, byte
//! for byte and value for value.

#[path = "copy_handler/mod.rs"]
mod copy_handler;
mod support;

use bytes::{BufMut, Bytes, BytesMut};
use futures::{SinkExt, StreamExt, TryStreamExt};
use support::example::connect;
use tokio_postgres::binary_copy::{BinaryCopyInWriter, BinaryCopyOutStream};
use tokio_postgres::types::Type;

const ROWS: i64 = 100_000;

/// Row `i`: (id, name, price) with NULLs and every character the formats escape or quote.
fn row(i: i64) -> (i64, Option<String>, Option<f64>) {
    let name = match i % 10 {
        0 => None,
        1 => Some(String::new()),
        2 => Some(format!("tab\t{i}\nnewline\r\\back")),
        3 => Some(format!("\"quoted\", {i}; 'x'")),
        4 => Some("\\.".to_owned()),
        5 => Some(format!("ünïcödé ☃ 𝄞 {i}")),
        6 => Some("\\N".to_owned()),
        _ => Some(format!("item number {i}")),
    };
    let price = match i % 7 {
        0 => None,
        1 => Some(-0.5),
        _ => Some(i as f64 * 0.25),
    };
    (i, name, price)
}

/// PostgreSQL's text format, written independently of pgwire's encoder.
fn text_escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
}

fn text_data() -> String {
    let mut s = String::new();
    for i in 0..ROWS {
        let (id, name, price) = row(i);
        s.push_str(&id.to_string());
        s.push('\t');
        match name {
            Some(n) => text_escape(&n, &mut s),
            None => s.push_str("\\N"),
        }
        s.push('\t');
        match price {
            Some(p) => s.push_str(&p.to_string()),
            None => s.push_str("\\N"),
        }
        s.push('\n');
    }
    s
}

fn csv_data() -> String {
    csv_rows(ROWS)
}

fn csv_rows(n: i64) -> String {
    let mut s = String::from("id,name,price\n");
    for i in 0..n {
        let (id, name, price) = row(i);
        s.push_str(&id.to_string());
        s.push(',');
        match name {
            Some(n) if n.is_empty() || n.contains([',', '"', '\n', '\r']) => {
                s.push('"');
                s.push_str(&n.replace('"', "\"\""));
                s.push('"');
            }
            Some(n) => s.push_str(&n),
            None => {}
        }
        s.push(',');
        if let Some(p) = price {
            s.push_str(&p.to_string());
        }
        s.push('\n');
    }
    s
}

fn binary_data() -> Bytes {
    let mut b = BytesMut::new();
    b.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
    b.put_i32(0);
    b.put_i32(0);
    for i in 0..ROWS {
        let (id, name, price) = row(i);
        b.put_i16(3);
        b.put_i32(8);
        b.put_i64(id);
        match name {
            Some(n) => {
                b.put_i32(n.len() as i32);
                b.extend_from_slice(n.as_bytes());
            }
            None => b.put_i32(-1),
        }
        match price {
            Some(p) => {
                b.put_i32(8);
                b.put_f64(p);
            }
            None => b.put_i32(-1),
        }
    }
    b.put_i16(-1);
    b.freeze()
}

async fn send(client: &tokio_postgres::Client, sql: &str, data: &[u8]) -> u64 {
    let sink = client.copy_in::<_, Bytes>(sql).await.unwrap();
    futures::pin_mut!(sink);
    // 8 KiB messages, cutting rows, escapes and characters anywhere.
    for chunk in data.chunks(8 * 1024) {
        sink.feed(Bytes::copy_from_slice(chunk)).await.unwrap();
    }
    sink.finish().await.unwrap()
}

async fn receive(client: &tokio_postgres::Client, sql: &str) -> Vec<u8> {
    let chunks: Vec<Bytes> = client
        .copy_out(sql)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    chunks.concat()
}

async fn setup() -> tokio_postgres::Client {
    let (port, _db) = copy_handler::start().await;
    connect(&format!("host=127.0.0.1 port={port} user=tester dbname=db")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_round_trips_100k_rows_byte_for_byte() {
    let client = setup().await;
    let data = text_data();
    assert_eq!(
        send(&client, "COPY items FROM STDIN", data.as_bytes()).await,
        ROWS as u64
    );
    let back = receive(&client, "COPY items TO STDOUT").await;
    assert_eq!(back.len(), data.len());
    assert!(back == data.as_bytes(), "text differs");
    // The same rows in binary, as tokio-postgres reads them.
    let stream = client
        .copy_out("COPY items TO STDOUT (FORMAT binary)")
        .await
        .unwrap();
    let rows = BinaryCopyOutStream::new(stream, &[Type::INT8, Type::TEXT, Type::FLOAT8]);
    futures::pin_mut!(rows);
    let mut i = 0;
    while let Some(r) = rows.next().await {
        let r = r.unwrap();
        let got: (i64, Option<String>, Option<f64>) = (r.get(0), r.get(1), r.get(2));
        assert_eq!(got, row(i));
        i += 1;
    }
    assert_eq!(i, ROWS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_round_trips_100k_rows_byte_for_byte() {
    let client = setup().await;
    let data = csv_data();
    let n = send(
        &client,
        "COPY items FROM STDIN WITH (FORMAT csv, HEADER match)",
        data.as_bytes(),
    )
    .await;
    assert_eq!(n, ROWS as u64);
    let back = receive(&client, "COPY items TO STDOUT (FORMAT csv, HEADER)").await;
    assert_eq!(back.len(), data.len());
    assert!(back == data.as_bytes(), "CSV differs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_round_trips_100k_rows_with_tokio_postgres_binary_copy() {
    let client = setup().await;
    let sink = client
        .copy_in("COPY items FROM STDIN (FORMAT binary)")
        .await
        .unwrap();
    let writer = BinaryCopyInWriter::new(sink, &[Type::INT8, Type::TEXT, Type::FLOAT8]);
    futures::pin_mut!(writer);
    for i in 0..ROWS {
        let (id, name, price) = row(i);
        writer.as_mut().write(&[&id, &name, &price]).await.unwrap();
    }
    assert_eq!(writer.finish().await.unwrap(), ROWS as u64);
    // What comes out is PostgreSQL's binary format, byte for byte.
    let back = receive(&client, "COPY items TO STDOUT (FORMAT binary)").await;
    let want = binary_data();
    assert_eq!(back.len(), want.len());
    assert!(back == want, "binary differs");
    // And raw binary COPY in, then text out, agrees with the text encoding.
    client.batch_execute("TRUNCATE items").await.unwrap();
    assert_eq!(
        send(&client, "COPY items FROM STDIN WITH BINARY", &want).await,
        ROWS as u64
    );
    let text = receive(&client, "COPY items TO STDOUT").await;
    assert!(text == text_data().as_bytes(), "text after binary differs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_row_fails_the_copy_and_stores_nothing() {
    let client = setup().await;
    let mut data = text_data();
    data.push_str("oops\tx\t1\n");
    let sink = client
        .copy_in::<_, Bytes>("COPY items FROM STDIN")
        .await
        .unwrap();
    futures::pin_mut!(sink);
    for chunk in data.as_bytes().chunks(64 * 1024) {
        if sink.feed(Bytes::copy_from_slice(chunk)).await.is_err() {
            break;
        }
    }
    let err = sink.finish().await.unwrap_err();
    let db = err.as_db_error().unwrap();
    assert_eq!(db.code().code(), "22P02");
    assert_eq!(
        db.message(),
        "invalid input syntax for type bigint: \"oops\""
    );
    assert_eq!(
        db.where_(),
        Some(format!("COPY items, line {}, column id: \"oops\"", ROWS + 1).as_str())
    );
    let out = receive(&client, "COPY items TO STDOUT").await;
    assert!(out.is_empty());
}

#[test]
fn psql_copy_files_in_and_out() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (port, _db) = rt.block_on(copy_handler::start());
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.csv");
    let data = csv_rows(1000);
    std::fs::write(&input, &data).unwrap();
    let (ok, out, err) = support::psql(
        "127.0.0.1",
        port,
        "tester",
        &[
            "-c",
            &format!(
                "\\copy items from '{}' with (format csv, header match)",
                input.display()
            ),
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "COPY 1000");
    let output = dir.path().join("out.csv");
    let (ok, out, err) = support::psql(
        "127.0.0.1",
        port,
        "tester",
        &[
            "-c",
            &format!("\\copy items to '{}' csv header", output.display()),
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "COPY 1000");
    assert!(
        std::fs::read_to_string(&output).unwrap() == data,
        "CSV differs"
    );
    // A bad row: psql shows PostgreSQL's error and context.
    std::fs::write(&input, "1,x,1\n2,y\n").unwrap();
    let (ok, _, err) = support::psql(
        "127.0.0.1",
        port,
        "tester",
        &[
            "-c",
            &format!("\\copy items from '{}' csv", input.display()),
        ],
    );
    assert!(!ok);
    assert!(err.contains("missing data for column \"price\""), "{err}");
    assert!(err.contains("COPY items, line 2: \"2,y\""), "{err}");
}

const PSYCOPG: &str = r#"
import sys, psycopg
conn = psycopg.connect(f"host=127.0.0.1 port={sys.argv[1]} user=tester dbname=db", autocommit=True)
cur = conn.cursor()
with cur.copy("COPY items FROM STDIN") as cp:
    for i in range(1000):
        cp.write_row((i, None if i % 3 == 0 else f"name\t{i}\\ \"q\"", i * 0.5))
assert cur.rowcount == 1000, cur.rowcount
with cur.copy("COPY items TO STDOUT") as cp:
    rows = list(cp.rows())
assert len(rows) == 1000, len(rows)
assert rows[1] == ("1", "name\t1\\ \"q\"", "0.5"), rows[1]
assert rows[3] == ("3", None, "1.5"), rows[3]
with cur.copy("COPY items TO STDOUT (FORMAT binary)") as cp:
    cp.set_types(["int8", "text", "float8"])
    rows = list(cp.rows())
assert rows[1] == (1, "name\t1\\ \"q\"", 0.5), rows[1]
with cur.copy("COPY items (id, name) FROM STDIN (FORMAT binary)") as cp:
    cp.set_types(["int8", "text"])
    cp.write_row((5000, "bin"))
with cur.copy("COPY items (name, id) TO STDOUT") as cp:
    rows = list(cp.rows())
assert rows[-1] == ("bin", "5000"), rows[-1]
try:
    with cur.copy("COPY items FROM STDIN (FORMAT csv)") as cp:
        cp.write(b"1,x,1\nzz,y,2\n")
    raise SystemExit("no error")
except psycopg.errors.InvalidTextRepresentation as e:
    assert e.diag.context == 'COPY items, line 2, column id: "zz"', e.diag.context
print("ok")
"#;

#[test]
fn psycopg_copy_rows_in_text_and_binary() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (port, _db) = rt.block_on(copy_handler::start());
    let Some(stdout) = support::run_python(&["-c", PSYCOPG, &port.to_string()]) else {
        return;
    };
    assert_eq!(stdout.trim(), "ok");
}
