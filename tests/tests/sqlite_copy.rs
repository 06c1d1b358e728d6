//! COPY on the sqlite example with real clients: psql `\copy` (simple protocol),
//! tokio-postgres `copy_in`/`copy_out` (extended protocol) in text and binary, and psycopg 3's
//! `cursor.copy`. 100k rows with NULLs, tabs, newlines, backslashes, quotes and non-ASCII go
//! in and come out byte for byte; a CopyFail, a malformed row at line 5,000, a dropped
//! connection and a failure inside a transaction block each leave the table as it was.
//! Typed values come out as PostgreSQL 15 writes them, byte for byte, in every format.

mod support;

use std::sync::OnceLock;

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use pgwire::codec::{BackendMessage, CopyFail, FrontendMessage, Query, TransactionStatus};
use support::example::{Example, connect};
use support::pg::{PgOptions, PgServer, pg_available};
use support::raw::{Raw, error_code};
use tokio_postgres::binary_copy::{BinaryCopyInWriter, BinaryCopyOutStream};
use tokio_postgres::types::Type;

/// One sqlite server for the whole file; each test uses its own tables.
fn server() -> &'static Example {
    static S: OnceLock<Example> = OnceLock::new();
    S.get_or_init(|| Example::start("sqlite", &[]))
}

fn url() -> String {
    server().url("postgres")
}

const ROWS: i64 = 100_000;
const TABLE: &str = "(id bigint, s text, f double precision)";

/// Row `i`: every awkward kind of text in turn, NULLs in both nullable columns.
fn row(i: i64) -> (i64, Option<String>, Option<f64>) {
    let s = match i % 11 {
        0 => None,
        1 => Some("tab\there".to_owned()),
        2 => Some("new\nline".to_owned()),
        3 => Some("back\\slash".to_owned()),
        4 => Some("quote \" and ' , comma".to_owned()),
        5 => Some(format!("héllo wörld ✓ 日本 {i}")),
        6 => Some(String::new()),
        7 => Some("\\N not null".to_owned()),
        8 => Some("cr\rlf\r\n".to_owned()),
        9 => Some("\\.".to_owned()),
        _ => Some(format!("plain {i}")),
    };
    let f = (i % 7 != 0).then(|| (i - ROWS / 2) as f64 / 4.0);
    (i, s, f)
}

/// The rows in PostgreSQL's text COPY format, as PostgreSQL writes them.
fn text_data(n: i64) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 1..=n {
        let (id, s, f) = row(i);
        out.extend_from_slice(format!("{id}\t").as_bytes());
        match s {
            None => out.extend_from_slice(b"\\N"),
            Some(s) => {
                for b in s.bytes() {
                    match b {
                        b'\\' => out.extend_from_slice(b"\\\\"),
                        b'\t' => out.extend_from_slice(b"\\t"),
                        b'\n' => out.extend_from_slice(b"\\n"),
                        b'\r' => out.extend_from_slice(b"\\r"),
                        b => out.push(b),
                    }
                }
            }
        }
        match f {
            None => out.extend_from_slice(b"\t\\N\n"),
            Some(f) => out.extend_from_slice(format!("\t{f}\n").as_bytes()),
        }
    }
    out
}

/// The rows in CSV with a header line, quoted as PostgreSQL quotes them.
fn csv_data(n: i64) -> Vec<u8> {
    let mut out = b"id,s,f\n".to_vec();
    for i in 1..=n {
        let (id, s, f) = row(i);
        out.extend_from_slice(format!("{id},").as_bytes());
        if let Some(s) = s {
            if s.is_empty() || s.contains([',', '"', '\n', '\r']) {
                out.push(b'"');
                out.extend_from_slice(s.replace('"', "\"\"").as_bytes());
                out.push(b'"');
            } else {
                out.extend_from_slice(s.as_bytes());
            }
        }
        match f {
            None => out.extend_from_slice(b",\n"),
            Some(f) => out.extend_from_slice(format!(",{f}\n").as_bytes()),
        }
    }
    out
}

async fn create(client: &tokio_postgres::Client, table: &str) {
    client
        .batch_execute(&format!(
            "DROP TABLE IF EXISTS {table}; CREATE TABLE {table} {TABLE}"
        ))
        .await
        .unwrap();
}

/// Sends `data` with `COPY … FROM STDIN` in 64 KiB CopyData messages; the row count.
async fn copy_in(
    client: &tokio_postgres::Client,
    sql: &str,
    data: &[u8],
) -> Result<u64, tokio_postgres::Error> {
    let sink = client.copy_in::<_, Bytes>(sql).await?;
    futures::pin_mut!(sink);
    for chunk in data.chunks(64 * 1024) {
        sink.send(Bytes::copy_from_slice(chunk)).await?;
    }
    sink.finish().await
}

/// Everything a `COPY … TO STDOUT` sends.
async fn copy_out(client: &tokio_postgres::Client, sql: &str) -> Vec<u8> {
    let stream = client.copy_out(sql).await.unwrap();
    futures::pin_mut!(stream);
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        out.extend_from_slice(&chunk.unwrap());
    }
    out
}

fn psql(args: &[&str]) -> String {
    let (ok, stdout, stderr) = support::psql("127.0.0.1", server().port, "postgres", args);
    assert!(ok, "psql {args:?} failed:\n{stdout}\n{stderr}");
    stdout
}

#[tokio::test]
async fn psql_copy_round_trips_text_and_csv() {
    let client = connect(&url()).await;
    create(&client, "pt").await;
    create(&client, "pc").await;
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let text = text_data(ROWS);
    std::fs::write(path("in.txt"), &text).unwrap();
    let out = psql(&["-c", &format!("\\copy pt from '{}'", path("in.txt"))]);
    assert_eq!(out.trim(), format!("COPY {ROWS}"));
    psql(&["-c", &format!("\\copy pt to '{}'", path("out.txt"))]);
    assert!(
        std::fs::read(path("out.txt")).unwrap() == text,
        "text differs"
    );

    let csv = csv_data(ROWS);
    std::fs::write(path("in.csv"), &csv).unwrap();
    psql(&[
        "-c",
        &format!("\\copy pc from '{}' with csv header", path("in.csv")),
    ]);
    psql(&[
        "-c",
        &format!(
            "\\copy pc to '{}' with (format csv, header)",
            path("out.csv")
        ),
    ]);
    assert!(
        std::fs::read(path("out.csv")).unwrap() == csv,
        "CSV differs"
    );
    // The same rows whichever way they went in.
    assert!(copy_out(&client, "COPY pc TO STDOUT").await == text);
}

#[tokio::test]
async fn tokio_postgres_text_round_trip_and_copy_of_a_query() {
    let client = connect(&url()).await;
    create(&client, "tt").await;
    let text = text_data(ROWS);
    assert_eq!(
        copy_in(&client, "COPY tt FROM STDIN", &text).await.unwrap(),
        ROWS as u64
    );
    assert!(copy_out(&client, "COPY tt TO STDOUT").await == text);
    // A column list, and a query (values as a SELECT sends them, in text).
    let out = copy_out(&client, "COPY tt (f, id) TO STDOUT WITH (FORMAT csv)").await;
    assert!(out.starts_with(b"-12499.75,1\n-12499.5,2\n"));
    let out = copy_out(
        &client,
        "COPY (SELECT id, s, f * 2 AS g FROM tt WHERE id IN (1, 2, 7) ORDER BY id DESC) TO STDOUT WITH (FORMAT csv, HEADER)",
    )
    .await;
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "id,s,g\n7,\\N not null,\n2,\"new\nline\",-24999\n1,tab\there,-24999.5\n"
    );
    // Unknown tables and columns are refused before any data, as PostgreSQL does.
    let e = copy_in(&client, "COPY nope FROM STDIN", b"")
        .await
        .unwrap_err();
    assert_eq!(
        e.as_db_error().unwrap().message(),
        "relation \"nope\" does not exist"
    );
    let client = connect(&url()).await;
    let e = client
        .copy_out("COPY tt (nope) TO STDOUT")
        .await
        .err()
        .unwrap();
    assert_eq!(e.as_db_error().unwrap().code().code(), "42703");
}

#[tokio::test]
async fn tokio_postgres_binary_round_trip() {
    let client = connect(&url()).await;
    create(&client, "tb").await;
    let types = [Type::INT8, Type::TEXT, Type::FLOAT8];
    let sink = client
        .copy_in("COPY tb FROM STDIN (FORMAT binary)")
        .await
        .unwrap();
    let writer = BinaryCopyInWriter::new(sink, &types);
    futures::pin_mut!(writer);
    for i in 1..=ROWS {
        let (id, s, f) = row(i);
        writer.as_mut().write(&[&id, &s, &f]).await.unwrap();
    }
    assert_eq!(writer.finish().await.unwrap(), ROWS as u64);
    // Binary out gives the same values; text out the same bytes as a text COPY in.
    let stream = client
        .copy_out("COPY tb TO STDOUT (FORMAT binary)")
        .await
        .unwrap();
    let rows = BinaryCopyOutStream::new(stream, &types);
    futures::pin_mut!(rows);
    let mut i = 0;
    while let Some(r) = rows.next().await {
        let r = r.unwrap();
        i += 1;
        let got: (i64, Option<String>, Option<f64>) = (r.get(0), r.get(1), r.get(2));
        assert_eq!(got, row(i));
    }
    assert_eq!(i, ROWS);
    assert!(copy_out(&client, "COPY tb TO STDOUT").await == text_data(ROWS));
}

const TYPED: &str = "CREATE TABLE typed (id int8, n int4, s text, f float8, b boolean, \
    d date, ts timestamp, by bytea, num numeric, v varchar(10))";

/// Rows for `typed` in CSV, as PostgreSQL writes them.
const TYPED_CSV: &[u8] = b"1,2,x\ty,1.5,t,2024-01-02,2024-01-02 03:04:05.5,\\x01ff,12.5,abc
2,,,1e+20,f,,,,,
3,-7,\"\xc3\xa9\\ \"\"q\"\"\",-0.1,,1999-12-31,2000-01-01 00:00:00,\\x,0.001,\"\"
4,0,\"a\nb\",0.30000000000000004,t,2024-02-29,2024-02-29 23:59:59.123456,\\x00,-3,z
";

#[tokio::test]
async fn typed_values_copy_out_as_postgres_writes_them() {
    assert!(
        pg_available(),
        "PostgreSQL 15 binaries are missing: run .ci/install-deps.sh"
    );
    let pg = PgServer::start(PgOptions::default()).expect("PostgreSQL starts");
    let theirs = connect(&pg.url("postgres")).await;
    let ours = connect(&url()).await;
    for c in [&theirs, &ours] {
        c.batch_execute(&format!("DROP TABLE IF EXISTS typed; {TYPED}"))
            .await
            .unwrap();
        let n = copy_in(c, "COPY typed FROM STDIN (FORMAT csv)", TYPED_CSV).await;
        assert_eq!(n.unwrap(), 4);
    }
    for sql in [
        "COPY typed TO STDOUT",
        "COPY typed TO STDOUT (FORMAT csv, HEADER)",
        "COPY typed TO STDOUT (FORMAT binary)",
        "COPY typed (v, id, f) TO STDOUT (FORMAT csv, FORCE_QUOTE (v), DELIMITER ';', NULL 'null')",
        "COPY (SELECT id, n * 2 AS n2, s || '!' AS s2, f / 2 AS half, NOT b AS nb, length(s) AS len \
         FROM typed ORDER BY id DESC) TO STDOUT (FORMAT csv, HEADER, FORCE_QUOTE *)",
        "COPY (SELECT count(*), sum(f), max(d) FROM typed) TO STDOUT (FORMAT binary)",
        "COPY (VALUES (1, 'a'), (2, NULL)) TO STDOUT",
    ] {
        let (a, b) = (copy_out(&ours, sql).await, copy_out(&theirs, sql).await);
        assert!(
            a == b,
            "{sql}\nours: {:?}\nPostgreSQL: {:?}",
            String::from_utf8_lossy(&a),
            String::from_utf8_lossy(&b)
        );
    }
    // PostgreSQL's binary COPY goes into ours and comes out as the same text.
    let binary = copy_out(&theirs, "COPY typed TO STDOUT (FORMAT binary)").await;
    ours.batch_execute("DELETE FROM typed").await.unwrap();
    let n = copy_in(&ours, "COPY typed FROM STDIN (FORMAT binary)", &binary).await;
    assert_eq!(n.unwrap(), 4);
    assert!(
        copy_out(&ours, "COPY typed TO STDOUT").await
            == copy_out(&theirs, "COPY typed TO STDOUT").await
    );
}

#[tokio::test]
async fn copy_into_a_database_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("copy.db");
    let server = Example::start("sqlite", &[path.to_str().unwrap()]);
    let client = connect(&server.url("postgres")).await;
    create(&client, "ft").await;
    let text = text_data(20_000);
    assert_eq!(
        copy_in(&client, "COPY ft FROM STDIN", &text).await.unwrap(),
        20_000
    );
    // Values are read as PostgreSQL's input functions read them (a float overflow is an
    // error, not Infinity), with PostgreSQL's messages and context.
    client
        .batch_execute("CREATE TABLE fr (n smallint); CREATE TABLE fl (x float8)")
        .await
        .unwrap();
    let bad: [(&str, &[u8], &str, &str, &str); 3] = [
        (
            "COPY fr FROM STDIN",
            b"1\n70000\n",
            "22003",
            "value \"70000\" is out of range for type smallint",
            "COPY fr, line 2, column n: \"70000\"",
        ),
        (
            "COPY ft (s, id) FROM STDIN (FORMAT csv)",
            b"x,1\ny,1x\n",
            "22P02",
            "invalid input syntax for type bigint: \"1x\"",
            "COPY ft, line 2, column id: \"1x\"",
        ),
        (
            "COPY fl FROM STDIN",
            b"1.5\n1e999\n",
            "22003",
            "\"1e999\" is out of range for type double precision",
            "COPY fl, line 2, column x: \"1e999\"",
        ),
    ];
    for (sql, data, code, message, context) in bad {
        let e = copy_in(&client, sql, data).await.unwrap_err();
        let db = e.as_db_error().unwrap();
        assert_eq!(
            (db.code().code(), db.message(), db.where_()),
            (code, message, Some(context)),
            "{sql}"
        );
    }
    // Dates are checked by the column's CHECK, which COPY keeps on for such tables; a table
    // of numbers skips the CHECKs during its COPY (the decoder did their work) and has them
    // back afterwards, on the same connection.
    client
        .batch_execute("CREATE TABLE dated (d date)")
        .await
        .unwrap();
    let e = copy_in(&client, "COPY dated FROM STDIN", b"2024-01-02\nnotadate\n")
        .await
        .unwrap_err();
    assert_eq!(e.as_db_error().unwrap().code().code(), "22007");
    copy_in(&client, "COPY fl FROM STDIN", b"2.5\n")
        .await
        .unwrap();
    let e = client
        .batch_execute("INSERT INTO fl VALUES ('x')")
        .await
        .unwrap_err();
    assert_eq!(e.as_db_error().unwrap().code().code(), "22P02");
    assert!(copy_out(&client, "COPY ft TO STDOUT").await == text);
    // The COPY's connection checkpoints automatically again afterwards.
    let rows = support::simple_rows(
        &client
            .simple_query("PRAGMA wal_autocheckpoint")
            .await
            .unwrap(),
    );
    assert_eq!(rows, [[Some("1000".to_owned())]]);
}

/// The table's whole content, to compare before and after a failed COPY.
async fn content(table: &str) -> Vec<u8> {
    let client = connect(&url()).await;
    copy_out(&client, &format!("COPY {table} TO STDOUT")).await
}

/// The ReadyForQuery status of the messages.
fn status(msgs: &[BackendMessage]) -> Option<TransactionStatus> {
    msgs.iter().find_map(|m| match m {
        BackendMessage::ReadyForQuery(s) => Some(*s),
        _ => None,
    })
}

fn query(sql: &str) -> FrontendMessage {
    FrontendMessage::Query(Query { sql: sql.into() })
}

#[tokio::test]
async fn failed_copies_leave_the_table_as_it_was() {
    let client = connect(&url()).await;
    create(&client, "tf").await;
    copy_in(&client, "COPY tf FROM STDIN", &text_data(10_000))
        .await
        .unwrap();
    let before = content("tf").await;
    let more = text_data(6_000);

    // A malformed value at line 5,000: 22P02 with PostgreSQL's context.
    let lines: Vec<&[u8]> = more.split_inclusive(|&b| b == b'\n').collect();
    let mut bad = lines[..4999].concat();
    bad.extend_from_slice(b"abc\tx\t1\n");
    bad.extend_from_slice(&lines[5000..].concat());
    let e = copy_in(&client, "COPY tf FROM STDIN", &bad)
        .await
        .unwrap_err();
    let db = e.as_db_error().unwrap();
    assert_eq!(db.code().code(), "22P02");
    assert_eq!(
        db.message(),
        "invalid input syntax for type bigint: \"abc\""
    );
    assert_eq!(db.where_(), Some("COPY tf, line 5000, column id: \"abc\""));
    assert!(content("tf").await == before);
    // A row missing a column at line 5,000: 22P04.
    let mut short = lines[..4999].concat();
    short.extend_from_slice(b"5000\tx\n");
    short.extend_from_slice(&lines[5000..].concat());
    let e = copy_in(&client, "COPY tf FROM STDIN", &short)
        .await
        .unwrap_err();
    let db = e.as_db_error().unwrap();
    assert_eq!(db.code().code(), "22P04");
    assert_eq!(db.message(), "missing data for column \"f\"");
    assert_eq!(db.where_(), Some("COPY tf, line 5000: \"5000\tx\""));
    assert!(content("tf").await == before);

    // CopyFail mid-stream: 57014, back to idle, nothing applied.
    let mut raw = Raw::startup(server().port, "postgres").await;
    raw.send(&[query("COPY tf FROM STDIN")]).await;
    assert!(matches!(
        raw.recv().await,
        Some(BackendMessage::CopyInResponse(_))
    ));
    raw.send(&[
        FrontendMessage::CopyData(Bytes::copy_from_slice(&more[..more.len() / 2])),
        FrontendMessage::CopyFail(CopyFail {
            message: "client gave up".into(),
        }),
    ])
    .await;
    let msgs = raw.until_ready().await;
    assert_eq!(error_code(&msgs).as_deref(), Some("57014"));
    assert_eq!(status(&msgs), Some(TransactionStatus::Idle));
    assert!(content("tf").await == before);

    // Inside a transaction block: the COPY joins it and a failure fails the block.
    raw.send(&[query("BEGIN; INSERT INTO tf VALUES (-1, 'in block', 0)")])
        .await;
    assert_eq!(
        status(&raw.until_ready().await),
        Some(TransactionStatus::InTransaction)
    );
    raw.send(&[query("COPY tf FROM STDIN")]).await;
    assert!(matches!(
        raw.recv().await,
        Some(BackendMessage::CopyInResponse(_))
    ));
    raw.send(&[
        FrontendMessage::CopyData(Bytes::from_static(b"-2\tok\t1\n-3\tbad\tnot a float\n")),
        FrontendMessage::CopyDone,
    ])
    .await;
    let msgs = raw.until_ready().await;
    assert_eq!(error_code(&msgs).as_deref(), Some("22P02"));
    assert_eq!(status(&msgs), Some(TransactionStatus::Failed));
    raw.send(&[query("ROLLBACK")]).await;
    assert_eq!(
        status(&raw.until_ready().await),
        Some(TransactionStatus::Idle)
    );
    assert!(content("tf").await == before);
    // A good COPY in a block is undone by ROLLBACK, and the status is the block's.
    raw.send(&[query("BEGIN")]).await;
    raw.until_ready().await;
    raw.send(&[query("COPY tf FROM STDIN")]).await;
    assert!(matches!(
        raw.recv().await,
        Some(BackendMessage::CopyInResponse(_))
    ));
    raw.send(&[
        FrontendMessage::CopyData(Bytes::from_static(b"-2\tok\t1\n")),
        FrontendMessage::CopyDone,
    ])
    .await;
    let msgs = raw.until_ready().await;
    assert!(error_code(&msgs).is_none(), "{msgs:?}");
    assert_eq!(status(&msgs), Some(TransactionStatus::InTransaction));
    raw.send(&[query("ROLLBACK")]).await;
    raw.until_ready().await;
    assert!(content("tf").await == before);

    // The client goes away mid-COPY.
    raw.send(&[query("COPY tf FROM STDIN")]).await;
    assert!(matches!(
        raw.recv().await,
        Some(BackendMessage::CopyInResponse(_))
    ));
    raw.send(&[FrontendMessage::CopyData(Bytes::copy_from_slice(
        &more[..more.len() / 2],
    ))])
    .await;
    drop(raw);
    assert!(content("tf").await == before);
    // The table is not left locked: the next COPY works.
    assert_eq!(
        copy_in(&client, "COPY tf FROM STDIN", &more).await.unwrap(),
        6_000
    );
}

#[test]
fn psycopg_cursor_copy() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/sqlite_copy_psycopg.py");
    let Some(stdout) = support::run_python(&[script, &server().port.to_string()]) else {
        return;
    };
    assert!(stdout.contains("text copy ok"), "{stdout}");
    assert!(stdout.contains("binary copy ok"), "{stdout}");
}
