//! COPY formats against a real PostgreSQL 15:
//! - what PostgreSQL writes with `COPY (…) TO STDOUT` in text, CSV and binary (NULLs, tabs,
//!   newlines, backslashes, quotes, non-ASCII, `\.`…) decodes to the values a SELECT returns,
//!   and pgwire's encoder writes the same bytes, byte for byte and CopyData message for
//!   message;
//! - the same COPY statements and data sent to PostgreSQL and to a pgwire server using the
//!   typed COPY API (tests/tests/copy_handler) end the same way: the same `COPY n` and data
//!   read back, or the same error (SQLSTATE, message, context, position).

#[path = "copy_handler/mod.rs"]
mod copy_handler;
mod support;

use std::sync::Arc;

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use pgwire::copy::{CopyDecoder, CopyEncoder, CopyStatement, Decoded, FileFormat, ForceQuote};
use pgwire::types::{Column, Type};
use support::example::connect;
use support::pg::{PgOptions, PgServer, pg_available};

fn start_pg() -> PgServer {
    assert!(
        pg_available(),
        "PostgreSQL 15 binaries are missing: run .ci/install-deps.sh"
    );
    PgServer::start(PgOptions::default()).expect("PostgreSQL starts")
}

const SAMPLES: &str = r#"
CREATE TABLE samples (id int8, txt text, f float8);
INSERT INTO samples VALUES
  (1, 'plain', 1.5),
  (2, NULL, NULL),
  (3, '', 0),
  (4, E'tab\there', -0.25),
  (5, E'new\nline and\r\ncrlf', 123.456),
  (6, E'back\\slash \\N \\. a\\.b', 'NaN'),
  (7, 'quote " and comma , and semi ; and apos ''', 'Infinity'),
  (8, '\.', '-Infinity'),
  (9, '\N', 0.1),
  (10, 'NULL', -0),
  (11, 'ünïcödé ☃ 𝄞 日本語', 0.3333333333333333),
  (12, E'ctl \x01 \x7f \b \f \v end', 42),
  (13, '  spaced  ', 1e-3),
  (14, repeat('long é ', 40), 2.5),
  (15, '"', 100),
  (16, ',', -7.75);
"#;

/// The rows as a SELECT returns them.
type Sample = (i64, Option<String>, Option<f64>);

fn same(a: &[Sample], b: &[Sample]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.0 == y.0
                && x.1 == y.1
                && match (x.2, y.2) {
                    (Some(p), Some(q)) => p == q || (p.is_nan() && q.is_nan()),
                    (p, q) => p == q,
                }
        })
}

/// The CopyData messages of a COPY TO (tokio-postgres yields one item per message).
async fn copy_out(client: &tokio_postgres::Client, sql: &str) -> Vec<Bytes> {
    try_copy_out(client, sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
}

async fn try_copy_out(client: &tokio_postgres::Client, sql: &str) -> Result<Vec<Bytes>, Outcome> {
    let stream = client.copy_out(sql).await.map_err(failed)?;
    Ok(stream.map(|c| c.unwrap()).collect().await)
}

fn decode_all(stmt: &CopyStatement, columns: Arc<[Column]>, data: &[u8]) -> Vec<Sample> {
    let mut opts = stmt.options.clone();
    opts.force_quote = ForceQuote::None;
    let mut dec = CopyDecoder::new(&opts, "samples", columns).unwrap();
    let mut out = Vec::new();
    // Small chunks, so rows and fields straddle them.
    let mut chunks = data.chunks(97);
    loop {
        match dec.next_row().unwrap() {
            Decoded::Row(r) => out.push((r.get(0).unwrap(), r.get(1).unwrap(), r.get(2).unwrap())),
            Decoded::NeedInput => match chunks.next() {
                Some(c) => dec.push(c),
                None => dec.finish(),
            },
            Decoded::End => return out,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_copy_output_decodes_and_encodes_byte_for_byte() {
    let pg = start_pg();
    pg.psql(SAMPLES);
    let client = connect(&pg.url("postgres")).await;
    let rows: Vec<Sample> = client
        .query("SELECT id, txt, f FROM samples ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(rows.len(), 16);
    let columns: Arc<[Column]> = vec![
        Column::new("id", Type::INT8),
        Column::new("txt", Type::TEXT),
        Column::new("f", Type::FLOAT8),
    ]
    .into();
    let variants = [
        "",
        "(FORMAT text)",
        "(FORMAT csv)",
        "(FORMAT csv, HEADER)",
        "(FORMAT binary)",
        "WITH CSV HEADER",
        "WITH BINARY",
        "(FORMAT csv, DELIMITER ';', NULL 'NULL', QUOTE '''', ESCAPE '\\', FORCE_QUOTE (txt), HEADER)",
        "(FORMAT csv, FORCE_QUOTE *, NULL '-')",
        "(FORMAT csv, DELIMITER '|', QUOTE '\"', ESCAPE '\"')",
        "(FORMAT text, DELIMITER ',', NULL '', HEADER)",
        "(FORMAT text, DELIMITER '|', NULL 'NULL')",
        "WITH DELIMITER AS ';' NULL AS 'nil'",
        "(FORMAT text, DELIMITER E'\\x01')",
    ];
    for v in variants {
        let sql = format!("COPY (SELECT id, txt, f FROM samples ORDER BY id) TO STDOUT {v}");
        let messages = copy_out(&client, &sql).await;
        let theirs = messages.concat();
        let stmt = CopyStatement::parse(&sql).unwrap_or_else(|e| panic!("{sql}: {e:?}"));
        // Decoding PostgreSQL's bytes gives the SELECT's values (in text format, text equal
        // to the NULL string is written as it is and reads back as NULL, in PostgreSQL too).
        let decoded = decode_all(&stmt, columns.clone(), &theirs);
        let null = &stmt.options.null;
        let text = stmt.options.format == FileFormat::Text && !null.contains('\\');
        let expected: Vec<Sample> = rows
            .iter()
            .map(|(i, t, f)| {
                let t = t.clone().filter(|t| !(text && t == null));
                (*i, t, *f)
            })
            .collect();
        assert!(
            same(&decoded, &expected),
            "{sql}\n{decoded:?}\n{expected:?}"
        );
        // Encoding the values gives PostgreSQL's bytes.
        let mut enc = CopyEncoder::new(&stmt.options, columns.clone()).unwrap();
        for (id, txt, f) in &rows {
            enc.encode_field(id).unwrap();
            enc.encode_field(txt).unwrap();
            enc.encode_field(f).unwrap();
            enc.end_row().unwrap();
        }
        let batch = enc.finish().unwrap();
        let ours = batch.payload();
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&theirs),
            "{sql}"
        );
        assert_eq!(ours, theirs, "{sql}");
        // Message for message, as PostgreSQL frames them (a row each, the binary header with
        // the first row, the trailer alone).
        assert_eq!(batch.messages().collect::<Vec<_>>(), messages, "{sql}");
        // So does passing the text of each field through (encode_raw).
        if stmt.options.format != FileFormat::Binary {
            let mut enc = CopyEncoder::new(&stmt.options, columns.clone()).unwrap();
            let text_rows = client
                .query(
                    "SELECT id::text AS i, txt, f::text AS g FROM samples ORDER BY id",
                    &[],
                )
                .await
                .unwrap();
            for r in &text_rows {
                for i in 0..3 {
                    enc.encode_raw(r.get::<_, Option<&str>>(i).map(str::as_bytes));
                }
                enc.end_row().unwrap();
            }
            assert_eq!(enc.finish().unwrap().payload(), theirs, "{sql} (raw)");
        }
    }
    // One column: CSV quotes a lone `\.` so it cannot end the data.
    let one: Arc<[Column]> = vec![Column::new("txt", Type::TEXT)].into();
    for v in ["(FORMAT csv)", "(FORMAT csv, HEADER)", "(FORMAT text)"] {
        let sql = format!("COPY (SELECT txt FROM samples ORDER BY id) TO STDOUT {v}");
        let theirs = copy_out(&client, &sql).await.concat();
        let stmt = CopyStatement::parse(&sql).unwrap();
        let mut enc = CopyEncoder::new(&stmt.options, one.clone()).unwrap();
        for (_, txt, _) in &rows {
            enc.encode_field(txt).unwrap();
            enc.end_row().unwrap();
        }
        assert_eq!(enc.finish().unwrap().payload(), theirs, "{sql}");
    }
}

/// The outcome of a COPY FROM: the count and the table's contents (as COPY TO text), or the
/// error's fields.
#[derive(Debug, PartialEq)]
enum Outcome {
    Copied(u64, String),
    Failed {
        code: String,
        message: String,
        context: Option<String>,
        hint: Option<String>,
        position: Option<u32>,
    },
}

fn failed(e: tokio_postgres::Error) -> Outcome {
    let Some(db) = e.as_db_error() else {
        panic!("not a server error: {e}");
    };
    Outcome::Failed {
        code: db.code().code().to_owned(),
        message: db.message().to_owned(),
        context: db.where_().map(str::to_owned),
        hint: db.hint().map(str::to_owned),
        position: match db.position() {
            Some(tokio_postgres::error::ErrorPosition::Original(p)) => Some(*p),
            _ => None,
        },
    }
}

/// Runs a COPY FROM on a new connection to `url` (tokio-postgres does not recover a
/// connection whose COPY failed before CopyInResponse).
async fn copy_in(url: &str, sql: &str, data: &[u8]) -> Outcome {
    let client = connect(url).await;
    client.batch_execute("TRUNCATE t").await.unwrap();
    client.batch_execute("TRUNCATE t1").await.unwrap();
    let sink = match client.copy_in::<_, Bytes>(sql).await {
        Ok(s) => s,
        Err(e) => return failed(e),
    };
    futures::pin_mut!(sink);
    // In two pieces, so the data straddles CopyData messages.
    let cut = data.len() / 2;
    for part in [&data[..cut], &data[cut..]] {
        if let Err(e) = sink.send(Bytes::copy_from_slice(part)).await {
            return failed(e);
        }
    }
    match sink.finish().await {
        Err(e) => failed(e),
        Ok(n) => {
            let table = if sql.contains(" t1") { "t1" } else { "t" };
            let out = client
                .copy_out(&format!("COPY {table} TO STDOUT"))
                .await
                .unwrap();
            let chunks: Vec<Bytes> = out.map(|c| c.unwrap()).collect().await;
            Outcome::Copied(n, String::from_utf8_lossy(&chunks.concat()).into_owned())
        }
    }
}

/// COPY FROM statements and data; each must end the same way on PostgreSQL and pgwire.
const CASES: &[(&str, &[u8])] = &[
    // Text format.
    ("COPY t FROM STDIN", b"1\tx\t1.5\n2\t\\N\t\\N\n"),
    ("COPY t FROM STDIN", b"1\ta\\tb\\\\c\\nd\\x41\\101\\q\t2\n3\tx\\\ny\t4"),
    ("COPY t FROM STDIN", b"1\tx\t1\r\n2\ty\t2\r\n\\.\r\n"),
    ("COPY t FROM STDIN", b"1\tx\t1\r2\ty\t2\r"),
    ("COPY t FROM STDIN", b"1\tx\t1\n2\ty\t2\\.\nignored\n"),
    ("COPY t FROM STDIN", b"1\tx\t1.5\n2\tb\\."),
    ("COPY t FROM STDIN", b"1\tx\t1.5\n\\.x\n"),
    ("COPY t FROM STDIN", b"1\tx\t1.5\r\n\\.\n"),
    ("COPY t FROM STDIN", b"1\tx\t1.5\r\n\\.\r"),
    ("COPY t FROM STDIN", b"1\tx\t1.5\r\n2\tb\t2\n"),
    ("COPY t FROM STDIN", b"1\tx\t1.5\n2\tb\r\t2\n"),
    ("COPY t FROM STDIN", b"1\tx\t1.5\n2\tb\n"),
    ("COPY t FROM STDIN", b"1\tx\t1.5\t5\n"),
    ("COPY t FROM STDIN", b"z\tx\t1.5\n"),
    ("COPY t FROM STDIN", b"1\tx\tzz\n"),
    ("COPY t FROM STDIN", b"1\t\\xff\t1.5\n"),
    ("COPY t FROM STDIN", b"1\tabc\\\n"),
    ("COPY t FROM STDIN (DELIMITER ',', NULL 'NULL')", b"1,a\\,b,NULL\nNULL,\\N,\n"),
    ("COPY t (c, a) FROM STDIN", b"1.5\t7\n"),
    ("COPY t FROM STDIN (HEADER)", b"whatever\n1\tx\t1\n2\ty\n"),
    ("COPY t1 FROM STDIN (HEADER match)", b"a\nx\n"),
    ("COPY t1 FROM STDIN (HEADER match)", b"A\nx\n"),
    // CSV.
    ("COPY t FROM STDIN (FORMAT csv)", b"1,\"a,b\",\"\"\n,\"q\"\"q\",\n"),
    ("COPY t FROM STDIN (FORMAT csv)", b"1,\"a\nb\",1\n2,\"c\nd\ne\",zz\n"),
    ("COPY t FROM STDIN (FORMAT csv)", b"1,\"a\r\nb\",1\r\n2,\"\r\n\",zz\r\n"),
    ("COPY t FROM STDIN (FORMAT csv)", b"1,\"x\"y,1\n1,\" x \"  ,1"),
    ("COPY t FROM STDIN (FORMAT csv)", b"1,\"abc\n"),
    ("COPY t FROM STDIN (FORMAT csv)", b"1,x\"y,1\n"),
    ("COPY t FROM STDIN (FORMAT csv)", b"1,x,1\r\n\\.\n"),
    ("COPY t FROM STDIN (FORMAT csv)", b"1,x,1\n2,y\r,1\n"),
    ("COPY t FROM STDIN (FORMAT csv)", b"1,x\r,1\r\n"),
    ("COPY t FROM STDIN (FORMAT csv)", b"1,x,1,\n"),
    ("COPY t FROM STDIN (FORMAT csv)", b"1,x,\"\"\n"),
    ("COPY t1 FROM STDIN (FORMAT csv)", b"x\n\\.x\n\"\\.\"\n\\."),
    ("COPY t1 FROM STDIN (FORMAT csv)", b"x\r\n\\.\r\n"),
    ("COPY t FROM STDIN WITH CSV HEADER", b"a,b,c\n1,x,1\n"),
    ("COPY t FROM STDIN (FORMAT csv, HEADER match)", b"a,b,d\n"),
    ("COPY t FROM STDIN (FORMAT csv, HEADER match)", b"a,b,\n"),
    ("COPY t FROM STDIN (FORMAT csv, HEADER match)", b"a,b\n"),
    ("COPY t FROM STDIN (FORMAT csv, HEADER match)", b""),
    ("COPY t (b, a) FROM STDIN (FORMAT csv, HEADER match)", b"b,\"a\"\nx,1\n"),
    (
        "COPY t FROM STDIN (FORMAT csv, QUOTE '''', ESCAPE '\\', DELIMITER ';', NULL 'NULL')",
        b"'1';'a\\'b\\\\';NULL\nNULL;'NULL';''\n",
    ),
    (
        "COPY t FROM STDIN (FORMAT csv, FORCE_NOT_NULL (b), FORCE_NULL (c))",
        b"1,,\"\"\n2,\"\",3\n",
    ),
    ("COPY t FROM STDIN WITH CSV FORCE NOT NULL b", b"1,,1\n"),
    // Binary.
    ("COPY t FROM STDIN (FORMAT binary)", b""),
    ("COPY t FROM STDIN (FORMAT binary)", b"PGCOPY\n\xff\r\n\0\0\0\0"),
    ("COPY t FROM STDIN (FORMAT binary)", b"PGCOPY\n\xff\r\n\0\0\x01\0\0\0\0\0\0"),
    ("COPY t FROM STDIN (FORMAT binary)", b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0\xff\xff"),
    (
        "COPY t FROM STDIN (FORMAT binary)",
        b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0\0\x03\0\0\0\x04\0\0\0\x07\0\0\0\x02hi\xff\xff\xff\xff\xff\xff",
    ),
    ("COPY t FROM STDIN (FORMAT binary)", b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0\0\x02"),
    ("COPY t FROM STDIN (FORMAT binary)", b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0\0\x03\0\0\0\x02"),
    ("COPY t FROM STDIN (FORMAT binary)", b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0\0\x03\xff\xff\xff\xfe"),
    ("COPY t FROM STDIN (FORMAT binary)", b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0\xff\xffxyz"),
    // Option errors (before any data).
    ("COPY t FROM STDIN (FORMAT xml)", b""),
    ("COPY t FROM STDIN (FORMAT text, FORMAT csv)", b""),
    ("COPY t FROM STDIN (DELIMITER ',,')", b""),
    ("COPY t FROM STDIN (DELIMITER 'a')", b""),
    ("COPY t FROM STDIN (FORMAT binary, DELIMITER ',')", b""),
    ("COPY t FROM STDIN (FORMAT binary, HEADER)", b""),
    ("COPY t FROM STDIN (QUOTE '\"')", b""),
    ("COPY t FROM STDIN (FORMAT csv, QUOTE ',')", b""),
    ("COPY t FROM STDIN (FORMAT csv, FORCE_QUOTE (a))", b""),
    ("COPY t FROM STDIN (FORCE_NULL (a))", b""),
    ("COPY t FROM STDIN (NULL 'a\tb')", b""),
    ("COPY t FROM STDIN (FORMAT csv, NULL '\"')", b""),
    ("COPY t FROM STDIN (foo 1)", b""),
    ("COPY t FROM STDIN (ENCODING 'nope')", b""),
    ("COPY t FROM STDIN (HEADER maybe)", b""),
    ("COPY t FROM STDIN (FREEZE maybe)", b""),
    ("COPY t FROM STDIN (FORCE_QUOTE 1)", b""),
    ("COPY t FROM STDIN (FORMAT)", b""),
    ("COPY t FROM STDIN WITH blah", b""),
    ("COPY t (a, a) FROM STDIN", b""),
    ("COPY t (zz) FROM STDIN", b""),
    ("COPY t (a) FROM STDIN (FORMAT csv, FORCE_NOT_NULL (b))", b""),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_from_ends_as_on_postgres() {
    let pg = start_pg();
    pg.psql("CREATE TABLE t (a int4, b text, c float8); CREATE TABLE t1 (a text);");
    let theirs = pg.url("postgres");
    let (port, _db) = copy_handler::start().await;
    let ours = format!("host=127.0.0.1 port={port} user=tester dbname=db");
    let mut differ = Vec::new();
    for (sql, data) in CASES {
        let want = copy_in(&theirs, sql, data).await;
        let got = copy_in(&ours, sql, data).await;
        if want != got {
            differ.push(format!(
                "{sql} with {:?}:\n  PostgreSQL: {want:?}\n  pgwire:     {got:?}",
                String::from_utf8_lossy(data)
            ));
        }
    }
    assert!(
        differ.is_empty(),
        "{} of {} cases differ:\n{}",
        differ.len(),
        CASES.len(),
        differ.join("\n")
    );
}

/// COPY TO with options: PostgreSQL and pgwire write the same bytes for the same rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_to_writes_what_postgres_writes() {
    let pg = start_pg();
    pg.psql("CREATE TABLE t (a int4, b text, c float8); CREATE TABLE t1 (a text);");
    let theirs_url = pg.url("postgres");
    let (port, _db) = copy_handler::start().await;
    let ours_url = format!("host=127.0.0.1 port={port} user=tester dbname=db");
    let data: &[u8] = b"1\tplain\t1.5\n2\t\\N\t\\N\n3\t\t0\n4\ta,b \"q\" \\\\ \\t \\n \\r \\\\.\t-2.5\n5\t\\\\.\t7\n6\tNULL\t8\n7\t\xc3\xa9\xe2\x98\x83\t9\n";
    for url in [&theirs_url, &ours_url] {
        match copy_in(url, "COPY t FROM STDIN", data).await {
            Outcome::Copied(7, _) => {}
            other => panic!("{other:?}"),
        }
    }
    let theirs = connect(&theirs_url).await;
    let ours = connect(&ours_url).await;
    for opts in [
        "",
        "(FORMAT csv)",
        "(FORMAT csv, HEADER, FORCE_QUOTE (b))",
        "(FORMAT csv, FORCE_QUOTE *, QUOTE '''', ESCAPE '\\', DELIMITER ';', NULL 'NULL')",
        "(FORMAT text, HEADER, DELIMITER ',', NULL '')",
        "(FORMAT binary)",
        "WITH CSV HEADER FORCE QUOTE a, c",
    ] {
        for target in ["t", "t (c, b)"] {
            let sql = format!("COPY {target} TO STDOUT {opts}");
            let want = try_copy_out(&theirs, &sql).await;
            let got = try_copy_out(&ours, &sql).await;
            if let (Ok(got), Ok(want)) = (&got, &want) {
                assert_eq!(
                    String::from_utf8_lossy(&got.concat()),
                    String::from_utf8_lossy(&want.concat()),
                    "{sql}"
                );
            }
            // Message for message.
            assert_eq!(got, want, "{sql}");
        }
    }
    // Option errors of COPY TO.
    for sql in [
        "COPY t TO STDOUT (FORMAT csv, FORCE_NOT_NULL (a))",
        "COPY t TO STDOUT (FORMAT csv, HEADER match)",
        "COPY t TO STDOUT (FORCE_QUOTE *)",
        "COPY t TO STDOUT (FORMAT csv, FORCE_QUOTE (zz))",
        "COPY t (a) TO STDOUT (FORMAT csv, FORCE_QUOTE (b))",
        "COPY t TO STDOUT WHERE a > 1",
    ] {
        let want = connect(&theirs_url)
            .await
            .copy_out(sql)
            .await
            .map(drop)
            .map_err(failed);
        let got = connect(&ours_url)
            .await
            .copy_out(sql)
            .await
            .map(drop)
            .map_err(failed);
        assert_eq!(got, want, "{sql}");
    }
}
