//! `examples/gluesql` end to end: psql and tokio-postgres against an in-memory GlueSQL.
//! Each test works on its own tables, since the tests share one server (and one database).

mod support;

use std::error::Error;
use std::sync::OnceLock;

use bytes::{BufMut, BytesMut};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use pgwire::types::Numeric;
use support::example::{Example, connect};
use support::simple_rows as rows;
use tokio_postgres::Client;
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

fn server() -> &'static Example {
    static SERVER: OnceLock<Example> = OnceLock::new();
    SERVER.get_or_init(|| Example::start("gluesql", &[]))
}

async fn client() -> Client {
    connect(&server().url("glue")).await
}

type BoxError = Box<dyn Error + Sync + Send>;

/// `numeric` through tokio-postgres, which has no numeric type of its own.
#[derive(Debug, PartialEq)]
struct Num(String);

impl<'a> FromSql<'a> for Num {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        Ok(Num(Numeric::from_binary_bytes(raw)?.as_str().to_owned()))
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::NUMERIC
    }
}

impl ToSql for Num {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        self.0.parse::<Numeric>()?.write_binary(out);
        Ok(IsNull::No)
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::NUMERIC
    }
    to_sql_checked!();
}

/// `interval` as PostgreSQL's binary form: (months, days, microseconds).
#[derive(Debug, PartialEq)]
struct Iv(i32, i32, i64);

impl<'a> FromSql<'a> for Iv {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let raw: [u8; 16] = raw.try_into()?;
        let (us, rest) = raw.split_at(8);
        let (days, months) = rest.split_at(4);
        Ok(Iv(
            i32::from_be_bytes(months.try_into()?),
            i32::from_be_bytes(days.try_into()?),
            i64::from_be_bytes(us.try_into()?),
        ))
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::INTERVAL
    }
}

impl ToSql for Iv {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        out.put_i64(self.2);
        out.put_i32(self.1);
        out.put_i32(self.0);
        Ok(IsNull::No)
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::INTERVAL
    }
    to_sql_checked!();
}

/// One column of each GlueSQL type, and the PostgreSQL type it is served as.
const COLUMNS: &[(&str, &str, Type)] = &[
    ("b", "BOOLEAN", Type::BOOL),
    ("i8", "INT8", Type::INT2),
    ("i16", "INT16", Type::INT2),
    ("i32", "INT32", Type::INT4),
    ("i64", "INT", Type::INT8),
    ("i128", "INT128", Type::NUMERIC),
    ("u8", "UINT8", Type::INT2),
    ("u16", "UINT16", Type::INT4),
    ("u32", "UINT32", Type::INT8),
    ("u64", "UINT64", Type::NUMERIC),
    ("u128", "UINT128", Type::NUMERIC),
    ("f32", "FLOAT32", Type::FLOAT4),
    ("f64", "FLOAT", Type::FLOAT8),
    ("t", "TEXT", Type::TEXT),
    ("by", "BYTEA", Type::BYTEA),
    ("ip", "INET", Type::TEXT),
    ("d", "DATE", Type::DATE),
    ("ts", "TIMESTAMP", Type::TIMESTAMP),
    ("tm", "TIME", Type::TIME),
    ("iv", "INTERVAL", Type::INTERVAL),
    ("u", "UUID", Type::UUID),
    ("m", "MAP", Type::JSONB),
    ("l", "LIST", Type::JSONB),
    ("dec", "DECIMAL", Type::NUMERIC),
    ("p", "POINT", Type::TEXT),
];

/// The row every typed test inserts, as psql prints it (text format).
const TEXT_ROW: &str = "t|-1|2|-3|4|-170141183460469231731687303715884105728|255|65535|4294967295\
|18446744073709551615|340282366920938463463374607431768211455|1.5|-2.25|it's \"q\"|\\x00ff\
|127.0.0.1|2024-01-02|2024-01-02 03:04:05.123456|12:34:56.5|1 day 00:00:01|550e8400-e29b-41d4-a716-446655440000\
|{\"a\": 1, \"b\": [1, 2]}|[1, \"x\", null]|-12.345|POINT(1 2)";

fn create_sql(table: &str) -> String {
    let cols: Vec<String> = COLUMNS.iter().map(|(n, t, _)| format!("{n} {t}")).collect();
    format!("CREATE TABLE {table} (id INT, {})", cols.join(", "))
}

/// Inserts the typed row with tokio-postgres parameters (binary, typed by inference).
async fn insert_typed_row(c: &Client, table: &str, id: i64) {
    let placeholders: Vec<String> = (1..=COLUMNS.len() + 1).map(|i| format!("${i}")).collect();
    let sql = format!("INSERT INTO {table} VALUES ({})", placeholders.join(", "));
    let ts = NaiveDate::from_ymd_opt(2024, 1, 2)
        .and_then(|d| d.and_hms_micro_opt(3, 4, 5, 123_456))
        .unwrap();
    let params: Vec<Box<dyn ToSql + Sync>> = vec![
        Box::new(id),
        Box::new(true),
        Box::new(-1i16),
        Box::new(2i16),
        Box::new(-3i32),
        Box::new(4i64),
        Box::new(Num("-170141183460469231731687303715884105728".into())),
        Box::new(255i16),
        Box::new(65535i32),
        Box::new(4294967295i64),
        Box::new(Num("18446744073709551615".into())),
        Box::new(Num("340282366920938463463374607431768211455".into())),
        Box::new(1.5f32),
        Box::new(-2.25f64),
        Box::new("it's \"q\""),
        Box::new(vec![0u8, 255]),
        Box::new("127.0.0.1"),
        Box::new(NaiveDate::from_ymd_opt(2024, 1, 2).unwrap()),
        Box::new(ts),
        Box::new(NaiveTime::from_hms_milli_opt(12, 34, 56, 500).unwrap()),
        Box::new(Iv(0, 1, 1_000_000)),
        Box::new(uuid::Uuid::parse_str("550e8400-e29b-41d4-a716-446655440000").unwrap()),
        Box::new(serde_json::json!({"a": 1, "b": [1, 2]})),
        Box::new(serde_json::json!([1, "x", null])),
        Box::new(Num("-12.345".into())),
        Box::new("POINT(1 2)"),
    ];
    let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref()).collect();
    assert_eq!(c.execute(&sql, &refs).await.unwrap(), 1);
}

#[tokio::test]
async fn psql_creates_inserts_selects_and_reports_errors() {
    let s = server();
    let script = format!(
        "{};\nINSERT INTO psql_t VALUES (1, TRUE, -1, 2, -3, 4, -170141183460469231731687303715884105728, \
         255, 65535, 4294967295, 18446744073709551615, 340282366920938463463374607431768211455, 1.5, \
         -2.25, 'it''s \"q\"', X'00ff', '127.0.0.1', '2024-01-02', '2024-01-02 03:04:05.123456', \
         '12:34:56.5', INTERVAL '86401' SECOND, '550e8400-e29b-41d4-a716-446655440000', \
         '{{\"a\":1,\"b\":[1,2]}}', '[1,\"x\",null]', -12.345, 'POINT(1 2)');\n\
         SELECT * FROM psql_t;\nSELECT 1/0;\nSELECT count(*) FROM psql_t;\n",
        create_sql("psql_t")
    );
    let (ok, out, err) = support::psql(
        "127.0.0.1",
        s.port,
        "glue",
        &["-q", "-A", "-t", "-v", "VERBOSITY=verbose", "-c", &script],
    );
    // psql -c runs the script as one simple Query: the error stops it before the count.
    assert!(!ok, "{out}{err}");
    assert_eq!(out.trim(), format!("1|{TEXT_ROW}"), "{err}");
    assert!(err.contains("ERROR:  22012:"), "{err}");

    let (ok, out, err) = support::psql(
        "127.0.0.1",
        s.port,
        "glue",
        &["-A", "-t", "-c", "SELECT count(*), max(id) FROM psql_t"],
    );
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "1|1");
}

#[tokio::test]
async fn parameters_and_every_type_in_text_and_binary() {
    let c = client().await;
    c.batch_execute(&create_sql("typed")).await.unwrap();
    insert_typed_row(&c, "typed", 7).await;

    // Text results (simple query) are what psql prints.
    let text = rows(&c.simple_query("SELECT * FROM typed").await.unwrap());
    let expected: Vec<Option<String>> = std::iter::once("7")
        .chain(TEXT_ROW.split('|'))
        .map(|s| Some(s.to_owned()))
        .collect();
    assert_eq!(text, vec![expected]);

    // Binary results, with columns described before execution.
    let stmt = c
        .prepare("SELECT * FROM typed WHERE id = $1")
        .await
        .unwrap();
    assert_eq!(stmt.params(), &[Type::INT8]);
    let types: Vec<_> = stmt.columns().iter().map(|c| c.type_().clone()).collect();
    let mut want = vec![Type::INT8];
    want.extend(COLUMNS.iter().map(|(_, _, t)| t.clone()));
    assert_eq!(types, want);
    let rows = c.query(&stmt, &[&7i64]).await.unwrap();
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert!(r.get::<_, bool>("b"));
    assert_eq!(r.get::<_, i16>("i8"), -1);
    assert_eq!(r.get::<_, i16>("i16"), 2);
    assert_eq!(r.get::<_, i32>("i32"), -3);
    assert_eq!(r.get::<_, i64>("i64"), 4);
    assert_eq!(
        r.get::<_, Num>("i128").0,
        "-170141183460469231731687303715884105728"
    );
    assert_eq!(r.get::<_, i16>("u8"), 255);
    assert_eq!(r.get::<_, i32>("u16"), 65535);
    assert_eq!(r.get::<_, i64>("u32"), 4294967295);
    assert_eq!(r.get::<_, Num>("u64").0, "18446744073709551615");
    assert_eq!(
        r.get::<_, Num>("u128").0,
        "340282366920938463463374607431768211455"
    );
    assert_eq!(r.get::<_, f32>("f32"), 1.5);
    assert_eq!(r.get::<_, f64>("f64"), -2.25);
    assert_eq!(r.get::<_, &str>("t"), "it's \"q\"");
    assert_eq!(r.get::<_, &[u8]>("by"), &[0, 255]);
    assert_eq!(r.get::<_, &str>("ip"), "127.0.0.1");
    assert_eq!(r.get::<_, NaiveDate>("d").to_string(), "2024-01-02");
    assert_eq!(
        r.get::<_, NaiveDateTime>("ts").to_string(),
        "2024-01-02 03:04:05.123456"
    );
    assert_eq!(r.get::<_, NaiveTime>("tm").to_string(), "12:34:56.500");
    assert_eq!(r.get::<_, Iv>("iv"), Iv(0, 1, 1_000_000));
    assert_eq!(
        r.get::<_, uuid::Uuid>("u").to_string(),
        "550e8400-e29b-41d4-a716-446655440000"
    );
    assert_eq!(
        r.get::<_, serde_json::Value>("m"),
        serde_json::json!({"a": 1, "b": [1, 2]})
    );
    assert_eq!(
        r.get::<_, serde_json::Value>("l"),
        serde_json::json!([1, "x", null])
    );
    assert_eq!(r.get::<_, Num>("dec").0, "-12.345");
    assert_eq!(r.get::<_, &str>("p"), "POINT(1 2)");
    assert!(c.query(&stmt, &[&8i64]).await.unwrap().is_empty());
}

#[tokio::test]
async fn parameters_are_literals_not_sql() {
    let c = client().await;
    c.batch_execute("CREATE TABLE inj (id INT, name TEXT)")
        .await
        .unwrap();
    let evil = "x'); DROP TABLE inj; --";
    for (i, name) in [evil, "back\\slash", "$1", "multi\nline"]
        .iter()
        .enumerate()
    {
        let n = c
            .execute(
                "INSERT INTO inj (id, name) VALUES ($1, $2)",
                &[&(i as i64), name],
            )
            .await
            .unwrap();
        assert_eq!(n, 1);
    }
    let names: Vec<String> = c
        .query("SELECT name FROM inj ORDER BY id LIMIT $1", &[&10i64])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(names, [evil, "back\\slash", "$1", "multi\nline"]);
    // Negative numbers next to a minus sign stay numbers, not a `--` comment.
    let sql = "SELECT id-$1 AS d FROM inj WHERE id = $2";
    let row = c.query_one(sql, &[&-5i64, &2i64]).await.unwrap();
    assert_eq!(row.get::<_, i64>("d"), 7);
    // An expression over no rows at Parse cannot be typed: it is declared (and sent) as text.
    let sql = "SELECT id-$1 AS d FROM inj WHERE name = $2";
    let row = c.query_one(sql, &[&-5i64, &"$1"]).await.unwrap();
    assert_eq!(row.get::<_, &str>("d"), "7");
    // Declared parameter types win over inference.
    let row = c
        .query_one("SELECT $1 AS a", &[&"plain text"])
        .await
        .unwrap();
    assert_eq!(row.get::<_, &str>(0), "plain text");
}

#[tokio::test]
async fn describe_types_expressions_and_never_serves_stale_rows() {
    let c = client().await;
    c.batch_execute("CREATE TABLE probe (id INT, name TEXT); INSERT INTO probe VALUES (1, 'a')")
        .await
        .unwrap();
    // Parse runs the query to type its expressions.
    let stmt = c
        .prepare("SELECT count(*) AS n, max(id) + 1 AS next FROM probe")
        .await
        .unwrap();
    let types: Vec<_> = stmt.columns().iter().map(|c| c.type_().clone()).collect();
    assert_eq!(types, [Type::INT8, Type::INT8]);
    // A write between Parse and Execute: the rows Parse saw are not reused.
    c.execute("INSERT INTO probe VALUES (2, 'b')", &[])
        .await
        .unwrap();
    let row = c.query_one(&stmt, &[]).await.unwrap();
    assert_eq!((row.get::<_, i64>(0), row.get::<_, i64>(1)), (2, 3));
    let row = c.query_one(&stmt, &[]).await.unwrap();
    assert_eq!(row.get::<_, i64>(0), 2);
    // Parameters typed by the columns they meet; LIMIT takes bigint.
    let stmt = c
        .prepare("SELECT name FROM probe WHERE id > $1 AND name <> $2 LIMIT $3")
        .await
        .unwrap();
    assert_eq!(stmt.params(), &[Type::INT8, Type::TEXT, Type::INT8]);
    let rows = c.query(&stmt, &[&0i64, &"b", &5i64]).await.unwrap();
    assert_eq!(
        rows.iter().map(|r| r.get(0)).collect::<Vec<String>>(),
        ["a"]
    );
    // UPDATE and DELETE with parameters.
    let n = c
        .execute("UPDATE probe SET name = $1 WHERE id = $2", &[&"c", &2i64])
        .await
        .unwrap();
    assert_eq!(n, 1);
    let n = c
        .execute("DELETE FROM probe WHERE name = $1", &[&"c"])
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(count_rows(&c, "probe").await, 1);
    // Empty statements are EmptyQueryResponse, not errors.
    for sql in ["", ";", "-- nothing"] {
        assert_eq!(c.execute(sql, &[]).await.unwrap(), 0, "{sql:?}");
    }
}

#[tokio::test]
async fn errors_carry_sqlstates_and_the_session_recovers() {
    let c = client().await;
    c.batch_execute("CREATE TABLE errs (id INT PRIMARY KEY, v INT NOT NULL)")
        .await
        .unwrap();
    c.execute("INSERT INTO errs VALUES (1, 1)", &[])
        .await
        .unwrap();
    for (sql, code) in [
        ("SELEC 1", "42601"),
        ("SELECT * FROM nope", "42P01"),
        ("SELECT 1/0", "22012"),
        ("SELECT nope FROM errs", "42703"),
        ("INSERT INTO errs VALUES (1, 2)", "23505"),
        ("INSERT INTO errs VALUES (2, NULL)", "23502"),
        ("CREATE TABLE errs (x INT)", "42P07"),
        ("SELECT nope_fn(1)", "42883"),
        ("SAVEPOINT s", "0A000"),
    ] {
        for extended in [false, true] {
            let err = if extended {
                c.execute(sql, &[]).await.unwrap_err()
            } else {
                c.batch_execute(sql).await.unwrap_err()
            };
            let code_got = err.code().map(|c| c.code().to_owned());
            assert_eq!(code_got.as_deref(), Some(code), "{sql}: {err}");
        }
    }
    let row = c.query_one("SELECT count(*) FROM errs", &[]).await.unwrap();
    assert_eq!(row.get::<_, i64>(0), 1);
}

#[tokio::test]
async fn transactions_commit_roll_back_and_stay_isolated() {
    let mut a = client().await;
    let b = client().await;
    a.batch_execute("CREATE TABLE tx (id INT)").await.unwrap();

    // Rolled back: gone.
    let t = a.transaction().await.unwrap();
    t.execute("INSERT INTO tx VALUES ($1)", &[&1i64])
        .await
        .unwrap();
    assert_eq!(count_rows(&t, "tx").await, 1);
    assert_eq!(
        count_rows(&b, "tx").await,
        0,
        "uncommitted rows are private"
    );
    t.rollback().await.unwrap();
    assert_eq!(count_rows(&b, "tx").await, 0);

    // Committed: visible to others.
    let t = a.transaction().await.unwrap();
    t.execute("INSERT INTO tx VALUES ($1)", &[&2i64])
        .await
        .unwrap();
    t.commit().await.unwrap();
    assert_eq!(count_rows(&b, "tx").await, 1);

    // An error fails the block (25P02) until its end, and COMMIT then rolls back.
    a.batch_execute("BEGIN; INSERT INTO tx VALUES (3)")
        .await
        .unwrap();
    assert!(a.batch_execute("SELECT 1/0").await.is_err());
    let err = a.batch_execute("SELECT 1").await.unwrap_err();
    assert_eq!(err.code().map(|c| c.code()), Some("25P02"));
    a.batch_execute("COMMIT").await.unwrap();
    assert_eq!(count_rows(&a, "tx").await, 1);

    // Two writers from the same snapshot: the second COMMIT is a serialization failure.
    a.batch_execute("BEGIN; INSERT INTO tx VALUES (4)")
        .await
        .unwrap();
    b.batch_execute("BEGIN; INSERT INTO tx VALUES (5); COMMIT")
        .await
        .unwrap();
    let err = a.batch_execute("COMMIT").await.unwrap_err();
    assert_eq!(err.code().map(|c| c.code()), Some("40001"));
    a.batch_execute("SELECT 1").await.unwrap(); // the block is over
    assert_eq!(count_rows(&a, "tx").await, 2);
}

async fn count_rows(c: &impl tokio_postgres::GenericClient, table: &str) -> i64 {
    let sql = format!("SELECT count(*) FROM {table}");
    c.query_one(sql.as_str(), &[]).await.unwrap().get(0)
}
