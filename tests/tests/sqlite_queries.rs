//! examples/sqlite with tokio-postgres and a raw protocol client: parameters in text and
//! binary, prepared statements, binary results, portal row limits, pipelining,
//! transactions with a failed state, SQLSTATEs, SET/SHOW, functions and cancellation.

mod support;

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use bytes::Bytes;
use pgwire::codec::{
    BackendMessage, Bind, Describe, Execute, FrontendMessage, Parse, Query, Target,
    TransactionStatus,
};
use support::example::{Example, connect};
use support::raw::{Raw, error_code};
use support::{simple_rows, sqlstate as code};
use tokio_postgres::types::Type;

fn server() -> &'static Example {
    static SERVER: OnceLock<Example> = OnceLock::new();
    SERVER.get_or_init(|| Example::start("sqlite", &[]))
}

async fn client() -> tokio_postgres::Client {
    connect(&server().url("alice")).await
}

#[tokio::test]
async fn create_insert_select_with_binary_parameters() {
    let c = client().await;
    c.batch_execute(
        "CREATE TABLE people (id BIGINT PRIMARY KEY, name TEXT NOT NULL, score DOUBLE PRECISION, \
         ok BOOLEAN, photo BYTEA)",
    )
    .await
    .unwrap();
    let insert = c
        .prepare("INSERT INTO people (id, name, score, ok, photo) VALUES ($1, $2, $3, $4, $5)")
        .await
        .unwrap();
    assert_eq!(
        insert.params(),
        &[
            Type::INT8,
            Type::TEXT,
            Type::FLOAT8,
            Type::BOOL,
            Type::BYTEA
        ]
    );
    let n = c
        .execute(
            &insert,
            &[&1i64, &"ada", &9.5f64, &true, &vec![0u8, 1, 255]],
        )
        .await
        .unwrap();
    assert_eq!(n, 1);
    c.execute(
        &insert,
        &[&2i64, &"bob", &None::<f64>, &false, &None::<Vec<u8>>],
    )
    .await
    .unwrap();
    let rows = c
        .query(
            "SELECT id, name, score, ok, photo FROM people WHERE id >= $1 ORDER BY id",
            &[&1i64],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    let r = &rows[0];
    assert_eq!(r.get::<_, i64>(0), 1);
    assert_eq!(r.get::<_, &str>(1), "ada");
    assert_eq!(r.get::<_, f64>(2), 9.5);
    assert!(r.get::<_, bool>(3));
    assert_eq!(r.get::<_, Vec<u8>>(4), vec![0, 1, 255]);
    assert_eq!(rows[1].get::<_, Option<f64>>(2), None);
    assert!(!rows[1].get::<_, bool>(3));
    let updated = c
        .execute(
            "UPDATE people SET score = score + $1 WHERE name = $2",
            &[&0.5f64, &"ada"],
        )
        .await
        .unwrap();
    assert_eq!(updated, 1);
    let deleted = c
        .execute("DELETE FROM people WHERE id = $1", &[&2i64])
        .await
        .unwrap();
    assert_eq!(deleted, 1);
}

#[tokio::test]
async fn text_and_binary_parameters_over_the_raw_protocol() {
    let c = client().await;
    c.batch_execute(
        "CREATE TABLE raw_t (id BIGINT PRIMARY KEY, name VARCHAR(10)); \
         INSERT INTO raw_t VALUES (1, 'one'), (2, 'two');",
    )
    .await
    .unwrap();
    let mut raw = Raw::startup(server().port, "alice").await;
    let parse = FrontendMessage::Parse(Parse {
        name: "s".into(),
        sql: "SELECT id, name FROM raw_t WHERE id = $1".into(),
        param_types: vec![],
    });
    let bind = |formats: Vec<i16>, value: Bytes, results: Vec<i16>| {
        FrontendMessage::Bind(Bind {
            portal: String::new(),
            statement: "s".into(),
            param_formats: formats,
            params: vec![Some(value)],
            result_formats: results,
        })
    };
    let execute = FrontendMessage::Execute(Execute {
        portal: String::new(),
        max_rows: 0,
    });
    raw.send(&[
        parse,
        FrontendMessage::Describe(Describe {
            target: Target::Statement,
            name: "s".into(),
        }),
        bind(vec![], Bytes::from_static(b"2"), vec![]),
        execute.clone(),
        bind(vec![1], Bytes::from(1i64.to_be_bytes().to_vec()), vec![1]),
        execute,
        FrontendMessage::Sync,
    ])
    .await;
    let msgs = raw.until_ready().await;
    assert!(
        msgs.contains(&BackendMessage::ParameterDescription(vec![20])),
        "{msgs:?}"
    );
    let described = msgs.iter().find_map(|m| match m {
        BackendMessage::RowDescription(f) => Some(f.clone()),
        _ => None,
    });
    let fields = described.expect("RowDescription");
    assert_eq!((fields[0].type_oid, fields[1].type_oid), (20, 1043));
    assert_eq!(fields[1].type_modifier, 14);
    let data: Vec<&Vec<Option<Bytes>>> = msgs
        .iter()
        .filter_map(|m| match m {
            BackendMessage::DataRow(d) => Some(d),
            _ => None,
        })
        .collect();
    assert_eq!(data.len(), 2, "{msgs:?}");
    assert_eq!(data[0][0].as_deref(), Some(&b"2"[..]));
    assert_eq!(data[0][1].as_deref(), Some(&b"two"[..]));
    assert_eq!(data[1][0].as_deref(), Some(&1i64.to_be_bytes()[..]));
    assert_eq!(data[1][1].as_deref(), Some(&b"one"[..]));
    // A text parameter that is not a bigint.
    raw.send(&[
        bind(vec![], Bytes::from_static(b"two"), vec![]),
        FrontendMessage::Execute(Execute {
            portal: String::new(),
            max_rows: 0,
        }),
        FrontendMessage::Sync,
    ])
    .await;
    let msgs = raw.until_ready().await;
    assert_eq!(error_code(&msgs).as_deref(), Some("22P02"), "{msgs:?}");
}

#[tokio::test]
async fn prepared_statement_reused_a_thousand_times() {
    let c = client().await;
    c.batch_execute("CREATE TABLE reuse (k INTEGER PRIMARY KEY, v TEXT)")
        .await
        .unwrap();
    let ins = c
        .prepare("INSERT INTO reuse (k, v) VALUES ($1, $2)")
        .await
        .unwrap();
    let get = c.prepare("SELECT v FROM reuse WHERE k = $1").await.unwrap();
    // `k INTEGER PRIMARY KEY` is SQLite's rowid, described as PostgreSQL's int4.
    for k in 0..1000i32 {
        c.execute(&ins, &[&k, &format!("v{k}")]).await.unwrap();
        let v: String = c.query_one(&get, &[&k]).await.unwrap().get(0);
        assert_eq!(v, format!("v{k}"));
    }
    let n: i64 = c
        .query_one("SELECT count(*) FROM reuse", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1000);
}

#[tokio::test]
async fn binary_results_for_each_type() {
    let c = client().await;
    let stmt = c
        .prepare(
            "SELECT 42::int4, 7::int8, 1.5::float8, 'x'::text, '\\x01ff'::bytea, true::bool, \
             2::int2, 0.25::float4, count(*) AS n, 'a' || 'b' AS ab, 1 = 1 AS yes",
        )
        .await
        .unwrap();
    let types: Vec<Type> = stmt.columns().iter().map(|c| c.type_().clone()).collect();
    assert_eq!(
        types,
        vec![
            Type::INT4,
            Type::INT8,
            Type::FLOAT8,
            Type::TEXT,
            Type::BYTEA,
            Type::BOOL,
            Type::INT2,
            Type::FLOAT4,
            Type::INT8,
            Type::TEXT,
            Type::BOOL
        ]
    );
    let names: Vec<&str> = stmt.columns().iter().map(|c| c.name()).collect();
    assert_eq!(&names[..4], &["int4", "int8", "float8", "text"]);
    let r = c.query_one(&stmt, &[]).await.unwrap();
    assert_eq!(r.get::<_, i32>(0), 42);
    assert_eq!(r.get::<_, i64>(1), 7);
    assert_eq!(r.get::<_, f64>(2), 1.5);
    assert_eq!(r.get::<_, &str>(3), "x");
    assert_eq!(r.get::<_, Vec<u8>>(4), vec![1, 255]);
    assert!(r.get::<_, bool>(5));
    assert_eq!(r.get::<_, i16>(6), 2);
    assert_eq!(r.get::<_, f32>(7), 0.25);
    assert_eq!(r.get::<_, i64>(8), 1);
    assert_eq!(r.get::<_, &str>(9), "ab");
    assert!(r.get::<_, bool>(10));
}

#[tokio::test]
async fn portal_row_limits_in_a_transaction() {
    let mut c = client().await;
    c.batch_execute(
        "CREATE TABLE series (n INTEGER); \
         WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 2500) \
         INSERT INTO series SELECT n FROM s;",
    )
    .await
    .unwrap();
    let tx = c.transaction().await.unwrap();
    let stmt = tx
        .prepare("SELECT n FROM series WHERE n > $1 ORDER BY n")
        .await
        .unwrap();
    // `n INTEGER` is an int4, as in PostgreSQL.
    let portal = tx.bind(&stmt, &[&0i32]).await.unwrap();
    let mut seen = Vec::new();
    let mut calls = 0;
    loop {
        let rows = tx.query_portal(&portal, 700).await.unwrap();
        calls += 1;
        if rows.is_empty() {
            break;
        }
        // Another statement while the portal is suspended.
        let one: i64 = tx
            .query_one("SELECT count(*) FROM series", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(one, 2500);
        seen.extend(rows.iter().map(|r| r.get::<_, i32>(0)));
    }
    assert_eq!(calls, 5);
    assert_eq!(seen, (1..=2500).collect::<Vec<i32>>());
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn pipelined_queries_with_an_error_in_the_middle() {
    let c = client().await;
    let (a, b, d) = futures::join!(
        c.query_one("SELECT 1::int8", &[]),
        c.query_one("SELECT * FROM no_such_table", &[]),
        c.query_one("SELECT 'after'::text", &[]),
    );
    assert_eq!(a.unwrap().get::<_, i64>(0), 1);
    assert_eq!(code(&b.unwrap_err()), "42P01");
    assert_eq!(d.unwrap().get::<_, &str>(0), "after");
}

#[tokio::test]
async fn transactions_failed_state_and_rollback() {
    let c = client().await;
    c.batch_execute("CREATE TABLE tx (id INTEGER PRIMARY KEY)")
        .await
        .unwrap();
    let mut raw = Raw::startup(server().port, "alice").await;
    let mut q = async |sql: &str| {
        raw.send(&[FrontendMessage::Query(Query { sql: sql.into() })])
            .await;
        raw.until_ready().await
    };
    let tag = |msgs: &[BackendMessage]| {
        msgs.iter()
            .find_map(|m| match m {
                BackendMessage::CommandComplete(t) => Some(t.clone()),
                _ => None,
            })
            .unwrap_or_default()
    };
    let status = |msgs: &[BackendMessage]| match msgs.last() {
        Some(BackendMessage::ReadyForQuery(s)) => *s,
        other => panic!("{other:?}"),
    };
    let m = q("BEGIN").await;
    assert_eq!(status(&m), TransactionStatus::InTransaction);
    let m = q("INSERT INTO tx VALUES (1)").await;
    assert_eq!(tag(&m), "INSERT 0 1");
    let m = q("INSERT INTO tx VALUES (1)").await;
    assert_eq!(error_code(&m).as_deref(), Some("23505"));
    assert_eq!(status(&m), TransactionStatus::Failed);
    let m = q("SELECT 1").await;
    assert_eq!(error_code(&m).as_deref(), Some("25P02"));
    let m = q("COMMIT").await;
    assert_eq!(tag(&m), "ROLLBACK");
    assert_eq!(status(&m), TransactionStatus::Idle);
    // The insert before the error was really rolled back.
    let n: i64 = c
        .query_one("SELECT count(*) FROM tx", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 0);
    // Savepoints: a failed statement undone with ROLLBACK TO.
    q("BEGIN").await;
    q("INSERT INTO tx VALUES (1)").await;
    q("SAVEPOINT s").await;
    let m = q("INSERT INTO tx VALUES (1)").await;
    assert_eq!(status(&m), TransactionStatus::Failed);
    let m = q("ROLLBACK TO SAVEPOINT s").await;
    assert_eq!(status(&m), TransactionStatus::InTransaction);
    q("INSERT INTO tx VALUES (2)").await;
    let m = q("COMMIT").await;
    assert_eq!(tag(&m), "COMMIT");
    let rows = c.query("SELECT id FROM tx ORDER BY id", &[]).await.unwrap();
    let ids: Vec<i32> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(ids, vec![1, 2]);
    // PostgreSQL's warnings for misplaced BEGIN/COMMIT; SAVEPOINT needs a block.
    let m = q("COMMIT").await;
    assert!(
        matches!(&m[0], BackendMessage::NoticeResponse(f) if f.get(b'C') == Some("25P01")),
        "{m:?}"
    );
    let m = q("SAVEPOINT x").await;
    assert_eq!(error_code(&m).as_deref(), Some("25P01"));
    // ROLLBACK discards.
    q("BEGIN; INSERT INTO tx VALUES (3)").await;
    let m = q("ROLLBACK").await;
    assert_eq!(tag(&m), "ROLLBACK");
    let n: i64 = c
        .query_one("SELECT count(*) FROM tx", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 2);
}

#[tokio::test]
async fn errors_carry_postgres_sqlstates() {
    let c = client().await;
    c.batch_execute("CREATE TABLE errs (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)")
        .await
        .unwrap();
    c.execute("INSERT INTO errs VALUES (1, 'a')", &[])
        .await
        .unwrap();
    let cases = [
        ("SELEC 1", "42601"),
        ("SELECT 1 FROM", "42601"),
        ("SELECT * FROM missing", "42P01"),
        ("SELECT nope FROM errs", "42703"),
        ("INSERT INTO errs VALUES (1, 'b')", "23505"),
        ("INSERT INTO errs VALUES (2, 'a')", "23505"),
        ("INSERT INTO errs (id) VALUES (3)", "23502"),
        ("CREATE TABLE errs (x INT)", "42P07"),
        ("SELECT 1; SELECT 2", "42601"),
    ];
    for (sql, want) in cases {
        let e = c.execute(sql, &[]).await.unwrap_err();
        assert_eq!(code(&e), want, "{sql}: {e}");
    }
    let e = c
        .execute("INSERT INTO errs VALUES (1, 'z')", &[])
        .await
        .unwrap_err();
    let db = e.as_db_error().unwrap();
    assert_eq!(
        db.message(),
        "duplicate key value violates unique constraint \"errs_pkey\""
    );
    let e = c.simple_query("SELECT * FROM missing").await.unwrap_err();
    assert_eq!(
        e.as_db_error().unwrap().message(),
        "relation \"missing\" does not exist"
    );
    // Casts read and range-check as PostgreSQL's input functions do (SQLite's CAST would
    // give 0 and Infinity), in both protocols; messages as PostgreSQL 15 words them.
    let casts = [
        (
            "SELECT 'x'::float8",
            "22P02",
            "invalid input syntax for type double precision: \"x\"",
        ),
        (
            "SELECT '1e999'::float8",
            "22003",
            "\"1e999\" is out of range for type double precision",
        ),
        (
            "SELECT '1e39'::float4",
            "22003",
            "\"1e39\" is out of range for type real",
        ),
        (
            "SELECT 'abc'::int",
            "22P02",
            "invalid input syntax for type integer: \"abc\"",
        ),
        (
            "SELECT '99999999999'::int",
            "22003",
            "value \"99999999999\" is out of range for type integer",
        ),
        ("SELECT 99999999999::int", "22003", "integer out of range"),
        ("SELECT 40000::smallint", "22003", "smallint out of range"),
        ("SELECT 1e20::int8", "22003", "bigint out of range"),
        (
            "SELECT CAST('x' AS integer)",
            "22P02",
            "invalid input syntax for type integer: \"x\"",
        ),
        (
            "SELECT pg_notify(1, 2)",
            "42883",
            "function pg_notify(integer, integer) does not exist",
        ),
    ];
    for (sql, want, message) in casts {
        for e in [
            c.simple_query(sql).await.unwrap_err(),
            c.query(sql, &[]).await.unwrap_err(),
        ] {
            let db = e.as_db_error().unwrap();
            assert_eq!((db.code().code(), db.message()), (want, message), "{sql}");
        }
    }
    let row = c
        .query_one(
            "SELECT 2.5::int, (-2.5)::int, ' 42 '::int8, 1::float4, '1.5'::float8, CAST(' 7' AS bigint) + 1",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, i32>(0), 3);
    assert_eq!(row.get::<_, i32>(1), -3);
    assert_eq!(row.get::<_, i64>(2), 42);
    assert_eq!(row.get::<_, f32>(3), 1.0);
    assert_eq!(row.get::<_, f64>(4), 1.5);
    assert_eq!(row.get::<_, i64>(5), 8);
}

#[tokio::test]
async fn columns_keep_their_postgres_types() {
    let c = client().await;
    c.batch_execute(
        "CREATE TABLE typed (i int, s smallint, r real, o bool, d date, u uuid, v varchar(3))",
    )
    .await
    .unwrap();
    // What PostgreSQL rejects is rejected (SQLite alone would store it and fail every read).
    let cases = [
        (
            "INSERT INTO typed (i) VALUES ('abc')",
            "22P02",
            "invalid input syntax for type integer: \"abc\"",
        ),
        (
            "INSERT INTO typed (i) VALUES (99999999999)",
            "22003",
            "integer out of range",
        ),
        (
            "INSERT INTO typed (s) VALUES (70000)",
            "22003",
            "smallint out of range",
        ),
        (
            "INSERT INTO typed (o) VALUES ('maybe')",
            "22P02",
            "invalid input syntax for type boolean: \"maybe\"",
        ),
        (
            "INSERT INTO typed (d) VALUES ('notadate')",
            "22007",
            "invalid input syntax for type date: \"notadate\"",
        ),
        (
            "INSERT INTO typed (u) VALUES ('nope')",
            "22P02",
            "invalid input syntax for type uuid: \"nope\"",
        ),
        (
            "INSERT INTO typed (v) VALUES ('abcd')",
            "22001",
            "value too long for type character varying(3)",
        ),
    ];
    for (sql, want, message) in cases {
        let e = c.simple_query(sql).await.unwrap_err();
        let db = e.as_db_error().unwrap();
        assert_eq!((db.code().code(), db.message()), (want, message), "{sql}");
    }
    // The same through a parameter-less UPDATE and a column added later.
    c.batch_execute("INSERT INTO typed (i, o, d, v) VALUES ('12', 't', '2024-02-03', 'abc')")
        .await
        .unwrap();
    let e = c
        .execute("UPDATE typed SET i = 'x'", &[])
        .await
        .unwrap_err();
    assert_eq!(code(&e), "22P02");
    c.batch_execute("ALTER TABLE typed ADD COLUMN z int2")
        .await
        .unwrap();
    let e = c
        .execute("UPDATE typed SET z = 40000", &[])
        .await
        .unwrap_err();
    assert_eq!(code(&e), "22003");
    // `int` is an int4 and `real` a float4, as PostgreSQL describes them.
    let row = c
        .query_one("SELECT i, r, o, d, v FROM typed", &[])
        .await
        .unwrap();
    let types: Vec<Type> = row.columns().iter().map(|c| c.type_().clone()).collect();
    assert_eq!(
        types,
        [
            Type::INT4,
            Type::FLOAT4,
            Type::BOOL,
            Type::DATE,
            Type::VARCHAR
        ]
    );
    assert_eq!(row.get::<_, i32>(0), 12);
    assert!(row.get::<_, bool>(2));
}

#[tokio::test]
async fn numeric_columns_print_their_scale_and_divide_as_decimals() {
    let c = client().await;
    c.batch_execute(
        "CREATE TABLE prices (p numeric(10,2), q numeric); \
         INSERT INTO prices VALUES (10.5, 7), (20, 2.5);",
    )
    .await
    .unwrap();
    let msgs = c
        .simple_query("SELECT p, q, p / 3, EXISTS (SELECT 1 FROM prices) FROM prices ORDER BY p")
        .await
        .unwrap();
    // PostgreSQL prints 6.6666666666666667 for 20.00 / 3; SQLite's doubles give one digit
    // less, but no longer divide integers (which gave 6).
    assert_eq!(
        simple_rows(&msgs),
        vec![
            ["10.50", "7", "3.5", "t"]
                .map(|v| Some(v.to_owned()))
                .to_vec(),
            ["20.00", "2.5", "6.666666666666667", "t"]
                .map(|v| Some(v.to_owned()))
                .to_vec(),
        ]
    );
}

#[tokio::test]
async fn interval_arithmetic_on_dates_and_times() {
    let c = client().await;
    c.batch_execute(
        "CREATE TABLE ev_i (id int, at timestamptz, d date); \
         INSERT INTO ev_i VALUES (1, '2024-03-01 10:00:00+00', '2024-01-31'), \
                                 (2, now() - interval '30 days', now());",
    )
    .await
    .unwrap();
    // SQLite alone read `now() - interval '7 days'` as numbers (2019).
    let row = c
        .query_one(
            "SELECT at + interval '2 hours', d + interval '1 month', \
                    (SELECT count(*) FROM ev_i WHERE at > now() - interval '7 days') \
             FROM ev_i WHERE id = 1",
            &[],
        )
        .await
        .unwrap();
    let types: Vec<Type> = row.columns().iter().map(|c| c.type_().clone()).collect();
    assert_eq!(types[..2], [Type::TIMESTAMPTZ, Type::TIMESTAMP]);
    let msgs = c
        .simple_query(
            "SELECT at + interval '2 hours', d + interval '1 month', \
                    (SELECT count(*) FROM ev_i WHERE at > now() - interval '7 days') \
             FROM ev_i WHERE id = 1",
        )
        .await
        .unwrap();
    assert_eq!(
        simple_rows(&msgs),
        vec![
            ["2024-03-01 12:00:00+00", "2024-02-29 00:00:00", "0"]
                .map(|v| Some(v.to_owned()))
                .to_vec()
        ]
    );
    let e = c
        .simple_query("SELECT now() + interval '1 fortnight'")
        .await
        .unwrap_err();
    assert_eq!(code(&e), "22007");
    // date ± integer and date - date, with date and integer columns, in both protocols.
    c.batch_execute(
        "CREATE TABLE inv_d (issued date, due date, n int); \
         INSERT INTO inv_d VALUES ('2024-01-15', '2024-02-14', 3);",
    )
    .await
    .unwrap();
    let sql = "SELECT due - issued, issued + 30, i.due - 1, issued + n FROM inv_d i";
    let row = c.query_one(sql, &[]).await.unwrap();
    let types: Vec<Type> = row.columns().iter().map(|c| c.type_().clone()).collect();
    assert_eq!(types, [Type::INT4, Type::DATE, Type::DATE, Type::DATE]);
    assert_eq!(row.get::<_, i32>(0), 30);
    assert_eq!(
        simple_rows(&c.simple_query(sql).await.unwrap()),
        vec![
            ["30", "2024-02-14", "2024-02-13", "2024-01-18"]
                .map(|v| Some(v.to_owned()))
                .to_vec()
        ]
    );
}

#[tokio::test]
async fn order_by_sorts_nulls_as_postgres_does() {
    let c = client().await;
    c.batch_execute(
        "CREATE TABLE nulls_o (id int, v int); \
         INSERT INTO nulls_o VALUES (1, 3), (2, NULL), (3, 1), (4, NULL), (5, 2);",
    )
    .await
    .unwrap();
    // NULLs are larger than any value: last ascending, first descending (SQLite's own order
    // is the reverse); an explicit NULLS FIRST|LAST is kept. Both protocols.
    let cases = [
        ("SELECT id FROM nulls_o ORDER BY v, id", vec![3, 5, 1, 2, 4]),
        (
            "SELECT id FROM nulls_o ORDER BY v DESC, id",
            vec![2, 4, 1, 5, 3],
        ),
        (
            "SELECT id FROM nulls_o ORDER BY v NULLS FIRST, id",
            vec![2, 4, 3, 5, 1],
        ),
        (
            "SELECT id FROM (SELECT id, v FROM nulls_o ORDER BY v LIMIT 3) s ORDER BY id",
            vec![1, 3, 5],
        ),
    ];
    for (sql, want) in cases {
        let rows = c.query(sql, &[]).await.unwrap();
        let ids: Vec<i32> = rows.iter().map(|r| r.get(0)).collect();
        assert_eq!(ids, want, "{sql}");
        let ids: Vec<i32> = simple_rows(&c.simple_query(sql).await.unwrap())
            .into_iter()
            .map(|r| r[0].as_deref().unwrap().parse().unwrap())
            .collect();
        assert_eq!(ids, want, "{sql}");
    }
}

#[tokio::test]
async fn like_and_string_functions_as_postgres() {
    let c = client().await;
    // LIKE is case-sensitive, ILIKE is not, `\` escapes; SQL's keyword-argument forms.
    let msgs = c
        .simple_query(
            "SELECT 'abc' LIKE 'A%', 'abc' ILIKE 'A%', 'ABC' NOT ILIKE 'a_c', '10%' LIKE '10\\%', \
             '100' LIKE '10\\%', substring('hello' from 2 for 3), position('l' in 'hello'), \
             left('hello', 2), right('hello', -1), trim('  x  ')",
        )
        .await
        .unwrap();
    assert_eq!(
        simple_rows(&msgs),
        vec![
            ["f", "t", "f", "t", "f", "ell", "3", "he", "ello", "x"]
                .map(|v| Some(v.to_owned()))
                .to_vec()
        ]
    );
    c.batch_execute(
        "CREATE TABLE names_l (n text); INSERT INTO names_l VALUES ('Ann'), ('anna'), ('Bob');",
    )
    .await
    .unwrap();
    let rows = c
        .query(
            "SELECT count(*) FILTER (WHERE n LIKE 'A%'), count(*) FILTER (WHERE n ILIKE $1) \
             FROM names_l",
            &[&"a%"],
        )
        .await
        .unwrap();
    assert_eq!(rows[0].columns()[0].name(), "count");
    assert_eq!((rows[0].get::<_, i64>(0), rows[0].get::<_, i64>(1)), (1, 2));
    let e = c.simple_query("SELECT 'a' ILIKE 'a\\'").await.unwrap_err();
    assert_eq!(code(&e), "22025");
    // More of PostgreSQL's string and date functions, answers as PostgreSQL 15 gives them.
    let msgs = c
        .simple_query(
            "SELECT lpad('7', 3, '0'), rpad('ab', 4), repeat('ab', 2), split_part('a,b,c', ',', 2), \
             initcap('hello wORLD'), md5('abc'), reverse('abc'), strpos('hello', 'l'), \
             extract(year FROM '2024-02-10 23:59:59'::timestamp), \
             EXTRACT(DOW FROM DATE '2024-02-10'), date_part('hour', '2024-02-10 23:59:59'), \
             date_trunc('month', '2024-02-10 23:59:59'::timestamp), \
             (SELECT sum(g) FROM generate_series(1, 4) AS g)",
        )
        .await
        .unwrap();
    assert_eq!(
        simple_rows(&msgs),
        vec![
            [
                "007",
                "ab  ",
                "abab",
                "b",
                "Hello World",
                "900150983cd24fb0d6963f7d28e17f72",
                "cba",
                "3",
                "2024",
                "6",
                "23",
                "2024-02-01 00:00:00",
                "10"
            ]
            .map(|v| Some(v.to_owned()))
            .to_vec()
        ]
    );
    let e = c
        .simple_query("SELECT extract(fortnight FROM now())")
        .await
        .unwrap_err();
    assert_eq!(code(&e), "22023");
    let row = c
        .query_one(
            "SELECT to_char('2024-02-05 14:07:09'::timestamp, 'FMDay, DD Mon YYYY HH12:MI AM')",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, &str>(0), "Monday, 05 Feb 2024 02:07 PM");
}

#[tokio::test]
async fn functions_version_user_now() {
    let c = client().await;
    let r = c
        .query_one(
            "SELECT version(), current_user, current_database(), now(), pg_backend_pid()",
            &[],
        )
        .await
        .unwrap();
    let v: &str = r.get(0);
    assert!(
        v.starts_with("PostgreSQL 15.0 (pgwire sqlite example)"),
        "{v}"
    );
    assert_eq!(r.get::<_, &str>(1), "alice");
    assert_eq!(r.get::<_, &str>(2), "postgres");
    let now: std::time::SystemTime = r.get(3);
    let age = std::time::SystemTime::now()
        .duration_since(now)
        .unwrap_or_default();
    assert!(age < Duration::from_secs(60));
    assert!(r.get::<_, i32>(4) > 0);
    let msgs = c.simple_query("SELECT version()").await.unwrap();
    assert!(
        simple_rows(&msgs)[0][0]
            .as_deref()
            .unwrap()
            .starts_with("PostgreSQL 15.0")
    );
}

#[tokio::test]
async fn set_and_show_like_postgres() {
    let c = client().await;
    let show = async |sql: &str| {
        let msgs = c.simple_query(sql).await.unwrap();
        simple_rows(&msgs)[0][0].clone().unwrap()
    };
    assert_eq!(show("SHOW DateStyle").await, "ISO, MDY");
    c.simple_query("SET search_path TO app, public")
        .await
        .unwrap();
    assert_eq!(show("SHOW search_path").await, "app, public");
    c.simple_query("SET statement_timeout = 5000")
        .await
        .unwrap();
    assert_eq!(show("show statement_timeout").await, "5s");
    c.simple_query("RESET statement_timeout").await.unwrap();
    assert_eq!(show("SHOW statement_timeout").await, "0");
    c.simple_query("SET application_name = 'tests'")
        .await
        .unwrap();
    let row = c.query_one("SHOW application_name", &[]).await.unwrap();
    assert_eq!(row.columns()[0].name(), "application_name");
    assert_eq!(row.get::<_, &str>(0), "tests");
    let e = c.simple_query("SHOW no_such_thing").await.unwrap_err();
    assert_eq!(code(&e), "42704");
    let e = c.simple_query("SET no_such_thing = 1").await.unwrap_err();
    assert_eq!(code(&e), "42704");
    let all = c.simple_query("SHOW ALL").await.unwrap();
    let rows = simple_rows(&all);
    assert!(
        rows.iter()
            .any(|r| r[0].as_deref() == Some("search_path")
                && r[1].as_deref() == Some("app, public"))
    );
}

#[tokio::test]
async fn postgres_ddl_runs_unchanged() {
    let c = client().await;
    c.batch_execute(
        "CREATE TABLE events (id BIGSERIAL PRIMARY KEY, kind VARCHAR(20) NOT NULL, \
         at TIMESTAMPTZ DEFAULT now(), payload JSONB, amount NUMERIC(10,2), day DATE)",
    )
    .await
    .unwrap();
    let ins = c
        .prepare(
            "INSERT INTO events (kind, payload, amount, day) \
             VALUES ($1, '{\"k\": 1}', 12.50, DATE '2024-02-29') RETURNING id, at",
        )
        .await
        .unwrap();
    assert_eq!(ins.params(), &[Type::VARCHAR]);
    let mut ids = Vec::new();
    for kind in ["a", "b"] {
        let r = c.query_one(&ins, &[&kind]).await.unwrap();
        ids.push(r.get::<_, i64>(0));
        let _at: std::time::SystemTime = r.get(1);
    }
    assert_eq!(ids, vec![1, 2]);
    let msgs = c
        .simple_query("SELECT kind, payload, amount, day FROM events WHERE id = 1")
        .await
        .unwrap();
    assert_eq!(
        simple_rows(&msgs),
        vec![vec![
            Some("a".into()),
            Some("{\"k\": 1}".into()),
            Some("12.50".into()),
            Some("2024-02-29".into())
        ]]
    );
}

#[tokio::test]
async fn cancel_interrupts_pg_sleep() {
    let c = client().await;
    let token = c.cancel_token();
    let started = Instant::now();
    let canceller = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        token.cancel_query(tokio_postgres::NoTls).await.unwrap();
    });
    let e = c.simple_query("SELECT pg_sleep(30)").await.unwrap_err();
    canceller.await.unwrap();
    assert_eq!(code(&e), "57014");
    assert!(started.elapsed() < Duration::from_secs(10));
    // The session is usable afterwards, and a statement timeout stops a sleep too.
    c.simple_query("SET statement_timeout = '200ms'")
        .await
        .unwrap();
    let e = c.query("SELECT pg_sleep(30)", &[]).await.unwrap_err();
    assert_eq!(code(&e), "57014");
    assert!(
        e.as_db_error()
            .unwrap()
            .message()
            .contains("statement timeout")
    );
    c.simple_query("SET statement_timeout = 0").await.unwrap();
    let r = c.query_one("SELECT 1::int4", &[]).await.unwrap();
    assert_eq!(r.get::<_, i32>(0), 1);
}

#[tokio::test]
async fn schema_changes_replan_like_postgres() {
    let c = client().await;
    c.batch_execute("CREATE TABLE shape (a INTEGER); INSERT INTO shape VALUES (1);")
        .await
        .unwrap();
    let named = c.prepare("SELECT * FROM shape").await.unwrap();
    assert_eq!(c.query(&named, &[]).await.unwrap()[0].len(), 1);
    assert_eq!(
        c.query("SELECT * FROM shape", &[]).await.unwrap()[0].len(),
        1
    );
    c.batch_execute("ALTER TABLE shape ADD COLUMN b TEXT DEFAULT 'x'")
        .await
        .unwrap();
    // New statements see the new column, in both protocols.
    let rows = c.query("SELECT * FROM shape", &[]).await.unwrap();
    assert_eq!(rows[0].len(), 2);
    assert_eq!(rows[0].get::<_, &str>(1), "x");
    let msgs = c.simple_query("SELECT * FROM shape").await.unwrap();
    assert_eq!(
        simple_rows(&msgs),
        vec![vec![Some("1".into()), Some("x".into())]]
    );
    // A statement prepared before the change fails as PostgreSQL's does.
    let e = c.query(&named, &[]).await.unwrap_err();
    assert_eq!(code(&e), "0A000");
}

#[tokio::test]
async fn simple_protocol_types_expressions_from_the_first_row() {
    let mut raw = Raw::startup(server().port, "alice").await;
    raw.send(&[FrontendMessage::Query(Query {
        sql: "SELECT 1 + 1, 2.5 * 2, CASE WHEN true THEN 1 END, upper('a') || 'b', x'01ff', NULL"
            .into(),
    })])
    .await;
    let msgs = raw.until_ready().await;
    let fields = msgs
        .iter()
        .find_map(|m| match m {
            BackendMessage::RowDescription(f) => Some(f.clone()),
            _ => None,
        })
        .expect("RowDescription");
    let oids: Vec<u32> = fields.iter().map(|f| f.type_oid).collect();
    // Arithmetic is typed from the SQL as PostgreSQL types it (int4, numeric); what nothing
    // types (the CASE, the blob literal) is typed from the first row.
    assert_eq!(oids, vec![23, 1700, 20, 25, 17, 25]);
    let row = msgs
        .iter()
        .find_map(|m| match m {
            BackendMessage::DataRow(d) => Some(d.clone()),
            _ => None,
        })
        .expect("DataRow");
    let text: Vec<Option<&[u8]>> = row.iter().map(|v| v.as_deref()).collect();
    assert_eq!(
        text,
        vec![
            Some(&b"2"[..]),
            Some(&b"5"[..]),
            Some(&b"1"[..]),
            Some(&b"Ab"[..]),
            Some(&b"\\x01ff"[..]),
            None
        ]
    );
}

#[tokio::test]
async fn client_declared_parameter_types_are_accepted() {
    let c = client().await;
    c.batch_execute(
        "CREATE TABLE declared (id INTEGER PRIMARY KEY, f REAL); INSERT INTO declared VALUES (7, 0.5);",
    )
    .await
    .unwrap();
    // int8 and float8 where the columns are int4 (the rowid, `INTEGER` as in PostgreSQL) and
    // float4 (`REAL`).
    let stmt = c
        .prepare_typed(
            "SELECT id, f FROM declared WHERE id = $1 AND f < $2",
            &[Type::INT8, Type::FLOAT8],
        )
        .await
        .unwrap();
    assert_eq!(stmt.params(), &[Type::INT8, Type::FLOAT8]);
    let row = c.query_one(&stmt, &[&7i64, &1.0f64]).await.unwrap();
    assert_eq!((row.get::<_, i32>(0), row.get::<_, f32>(1)), (7, 0.5));
    // Untyped contexts default to text, which SQLite converts where numbers are needed.
    let stmt = c
        .prepare("SELECT count(*) FROM declared WHERE abs(id) = abs($1)")
        .await
        .unwrap();
    assert_eq!(stmt.params(), &[Type::TEXT]);
    let row = c.query_one(&stmt, &[&"7"]).await.unwrap();
    assert_eq!(row.get::<_, i64>(0), 1);
}

#[tokio::test]
async fn writes_moved_off_the_runtime_apply_once() {
    let c = client().await;
    c.batch_execute("CREATE TABLE once (id INTEGER PRIMARY KEY, v TEXT)")
        .await
        .unwrap();
    // pg_sleep cannot block a runtime thread: the inline attempt is rolled back and the
    // insert runs again on the blocking pool, once.
    c.execute("INSERT INTO once (v) SELECT pg_sleep(0.05)", &[])
        .await
        .unwrap();
    // Inside a transaction, writes go to the blocking pool from the start.
    c.batch_execute("BEGIN; INSERT INTO once (v) SELECT pg_sleep(0.05); COMMIT;")
        .await
        .unwrap();
    // A write longer than the inline time budget.
    let n = c
        .execute(
            "INSERT INTO once (v) WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 50000) \
             SELECT 'bulk' FROM s",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(n, 50_000);
    let total: i64 = c
        .query_one("SELECT count(*) FROM once", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(total, 50_002);
}

#[tokio::test]
async fn transaction_ends_while_a_portal_is_suspended() {
    let mut c = client().await;
    c.batch_execute(
        "CREATE TABLE pending (n INTEGER); \
         INSERT INTO pending WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 20000) SELECT n FROM s;",
    )
    .await
    .unwrap();
    for end in ["COMMIT", "ROLLBACK"] {
        let tx = c.transaction().await.unwrap();
        tx.execute("INSERT INTO pending VALUES (0)", &[])
            .await
            .unwrap();
        let stmt = tx.prepare("SELECT n FROM pending").await.unwrap();
        let portal = tx.bind(&stmt, &[]).await.unwrap();
        assert_eq!(tx.query_portal(&portal, 5).await.unwrap().len(), 5);
        tx.batch_execute(end).await.unwrap();
        // Ended by hand above: dropping `tx` would send a ROLLBACK of its own.
        std::mem::forget(tx);
    }
    // One insert committed, one rolled back; the session and the table are fine.
    let n: i64 = c
        .query_one("SELECT count(*) FROM pending WHERE n = 0", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1);
    let other = client().await;
    other
        .execute("INSERT INTO pending VALUES (-1)", &[])
        .await
        .unwrap();
}
