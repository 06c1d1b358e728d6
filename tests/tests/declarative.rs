//! The declarative layer end to end: psql (simple protocol, literals inlined), tokio-postgres
//! (extended protocol, prepared, binary) and psycopg 3 (server-side and client-side binding)
//! against `examples/declarative`, a bookstore written only with #[pg_query] routes.

mod support;

use std::process::Command;
use std::sync::OnceLock;

use futures::{StreamExt, TryStreamExt, pin_mut};
use support::example::{Example, connect};
use support::psql;
use tokio_postgres::types::Type;
use tokio_postgres::{IsolationLevel, SimpleQueryMessage};

const COLUMNS: &str = "id, title, author, year, price, in_stock";

/// One server for the whole test binary. Tests that write use titles of their own, so they
/// can run in parallel against the shared store.
fn server() -> &'static Example {
    static SERVER: OnceLock<Example> = OnceLock::new();
    SERVER.get_or_init(|| Example::start("declarative", &[]))
}

/// Runs psql with `-A -t` (unaligned, tuples only) and the given `-c` commands.
fn psql_c(user: &str, commands: &[&str]) -> (bool, String, String) {
    let mut args = vec!["-A", "-t", "-v", "ON_ERROR_STOP=1"];
    for c in commands {
        args.push("-c");
        args.push(c);
    }
    psql("127.0.0.1", server().port, user, &args)
}

fn psql_verbose(commands: &[&str]) -> (bool, String, String) {
    let mut args = vec!["-A", "-t", "-v", "VERBOSITY=verbose"];
    for c in commands {
        args.push("-c");
        args.push(c);
    }
    psql("127.0.0.1", server().port, "alice", &args)
}

#[test]
fn psql_reads_with_inlined_literals() {
    let (ok, out, err) = psql_c(
        "alice",
        &[
            &format!("SELECT {COLUMNS} FROM books ORDER BY id"),
            &format!("select {COLUMNS} from books where id = 3;"),
            &format!("SELECT {COLUMNS}\n  FROM books -- by id\n  WHERE id = '4'::int8"),
            &format!("select {COLUMNS} from books where starts_with(title, 'Du') order by id"),
        ],
    );
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "1|Dune|Frank Herbert|1965|9.99|t");
    assert!(
        lines.contains(&"3|At Swim-Two-Birds|Flann O'Brien|1939|11|f"),
        "{out}"
    );
    // NULL year is empty in unaligned output.
    assert!(
        lines.contains(&"4|The Anonymous Book|Anonymous||3.25|t"),
        "{out}"
    );
    let (ok, out, err) = psql_c(
        "alice",
        &[
            "SELECT id, title, added FROM books WHERE added >= '2024-01-01'::date ORDER BY id",
            "select id, title, added from books where added >= date '2024-01-01' order by id",
        ],
    );
    assert!(ok, "{err}");
    let dated: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("3|") || l.starts_with("4|"))
        .collect();
    assert_eq!(
        dated,
        [
            "3|At Swim-Two-Birds|2024-01-01",
            "4|The Anonymous Book|2024-01-02",
            "3|At Swim-Two-Birds|2024-01-01",
            "4|The Anonymous Book|2024-01-02"
        ],
        "{out}"
    );
    assert!(!out.contains("|Dune|"), "{out}");
    let dune_and_dubliners = lines
        .iter()
        .filter(|l| l.starts_with("1|Dune") || l.starts_with("2|Dubliners"))
        .count();
    assert!(dune_and_dubliners >= 3, "{out}");
}

#[test]
fn psql_writes_quotes_and_nulls() {
    let (ok, out, err) = psql_c(
        "alice",
        &[
            "INSERT INTO books (title, author, year, price) VALUES ('psql''s O''Brien', 'Pat O''Hara', NULL, 2.5)",
            "select id, title, author, year, price, in_stock from books where starts_with(title, 'psql''s') order by id",
        ],
    );
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "INSERT 0 1");
    let row = lines[1];
    let id: i64 = row.split('|').next().unwrap().parse().unwrap();
    assert!(row.ends_with("|psql's O'Brien|Pat O'Hara||2.5|t"), "{row}");
    let (ok, out, err) = psql_c(
        "alice",
        &[
            &format!("UPDATE books SET price = 4.75, in_stock = false WHERE id = {id}"),
            &format!("select {COLUMNS} from books where id = {id}"),
            &format!("DELETE FROM books WHERE id = {id}"),
            &format!("DELETE FROM books WHERE id = {id}"),
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "UPDATE 1",
            &format!("{id}|psql's O'Brien|Pat O'Hara||4.75|f"),
            "DELETE 1",
            "DELETE 0"
        ]
    );
}

#[test]
fn psql_session_user_and_session_statements() {
    let (ok, out, err) = psql_c(
        "carol",
        &[
            "SELECT user, database, books_visible FROM whoami",
            "SHOW DateStyle",
            "SET DateStyle = 'German'",
            "SHOW datestyle",
            "SELECT current_user",
            "select current_database()",
            "SELECT version()",
        ],
    );
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("carol|postgres|"), "{out}");
    assert_eq!(
        lines[1..6],
        ["ISO, MDY", "SET", "German, MDY", "carol", "postgres"]
    );
    assert!(lines[6].starts_with("PostgreSQL 15"), "{out}");
}

#[test]
fn psql_errors_name_the_parameter_and_the_closest_route() {
    let (_, _, err) = psql_verbose(&[&format!("select {COLUMNS} from books where id = 'abc'")]);
    assert!(err.contains("22P02"), "{err}");
    assert!(
        err.contains("invalid input syntax for type bigint: \"abc\""),
        "{err}"
    );
    assert!(err.contains("parameter $1 (id)"), "{err}");

    // A column missing from the select list: the route that has it is suggested.
    let (_, _, err) =
        psql_verbose(&["SELECT id, title, author, year, price FROM books WHERE id = 1"]);
    assert!(err.contains("0A000"), "{err}");
    assert!(
        err.contains("matches none of this server's routes"),
        "{err}"
    );
    assert!(
        err.contains("HINT:  The closest route is `book_by_id`"),
        "{err}"
    );

    let (_, _, err) = psql_verbose(&["select 'unterminated"]);
    assert!(
        err.contains("42601") && err.contains("unterminated quoted string"),
        "{err}"
    );
}

#[test]
fn psql_transactions_track_status() {
    // \echo :LAST_ERROR_SQLSTATE is not needed: psql's prompt shows the status, and the
    // statement after an error inside a block fails with 25P02.
    let input = "BEGIN;\nSELECT nothing FROM nowhere;\nDELETE FROM books WHERE id = 999999;\nROLLBACK;\nDELETE FROM books WHERE id = 999999;\n";
    let out = Command::new("psql")
        .args(["-X", "-A", "-t", "-h", "127.0.0.1", "-p"])
        .arg(server().port.to_string())
        .args(["-U", "alice", "-d", "postgres", "-v", "VERBOSITY=verbose"])
        .env("PGCONNECT_TIMEOUT", "10")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(input.as_bytes())?;
            child.wait_with_output()
        })
        .expect("psql runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        ["BEGIN", "ROLLBACK", "DELETE 0"],
        "{stderr}"
    );
    assert!(stderr.contains("0A000"), "{stderr}");
    assert!(stderr.contains("25P02"), "{stderr}");
}

#[tokio::test]
async fn tokio_postgres_prepared_binary() {
    let client = connect(&server().url("bob")).await;
    let stmt = client
        .prepare(&format!("SELECT {COLUMNS} FROM books WHERE id = $1"))
        .await
        .unwrap();
    // Describe is answered from the route's signature and row type.
    assert_eq!(stmt.params(), &[Type::INT8]);
    let cols: Vec<(&str, &Type)> = stmt
        .columns()
        .iter()
        .map(|c| (c.name(), c.type_()))
        .collect();
    assert_eq!(
        cols,
        [
            ("id", &Type::INT8),
            ("title", &Type::VARCHAR),
            ("author", &Type::TEXT),
            ("year", &Type::INT4),
            ("price", &Type::FLOAT8),
            ("in_stock", &Type::BOOL)
        ]
    );
    let row = client.query_one(&stmt, &[&1i64]).await.unwrap();
    assert_eq!(row.get::<_, String>("title"), "Dune");
    assert_eq!(row.get::<_, Option<i32>>("year"), Some(1965));
    assert!(row.get::<_, bool>("in_stock"));
    let row = client.query_one(&stmt, &[&4i64]).await.unwrap();
    assert_eq!(row.get::<_, Option<i32>>("year"), None);
    assert!(
        client
            .query_opt(&stmt, &[&424242i64])
            .await
            .unwrap()
            .is_none()
    );

    // Whitespace, keyword case, comments and a trailing `;` do not matter.
    let rows = client
        .query(
            "select ID, TITLE, author, year, price, in_stock /* all */ from BOOKS\n where starts_with(title, $1) order by id;",
            &[&"Du"],
        )
        .await
        .unwrap();
    let titles: Vec<String> = rows.iter().map(|r| r.get(1)).collect();
    assert!(
        titles.starts_with(&["Dune".to_owned(), "Dubliners".to_owned()]),
        "{titles:?}"
    );
}

#[tokio::test]
async fn tokio_postgres_writes_with_nulls() {
    let client = connect(&server().url("bob")).await;
    let insert =
        "INSERT INTO books (title, author, year, price) VALUES ($1, $2, $3, $4) RETURNING id";
    let stmt = client.prepare(insert).await.unwrap();
    assert_eq!(
        stmt.params(),
        &[Type::TEXT, Type::TEXT, Type::INT4, Type::FLOAT8]
    );
    let id: i64 = client
        .query_one(
            &stmt,
            &[&"tokio's book", &"T. Postgres", &None::<i32>, &12.5f64],
        )
        .await
        .unwrap()
        .get(0);
    let n = client
        .execute(
            "UPDATE books SET price = $2, in_stock = $3 WHERE id = $1",
            &[&id, &13.0f64, &false],
        )
        .await
        .unwrap();
    assert_eq!(n, 1);
    let row = client
        .query_one(
            &format!("SELECT {COLUMNS} FROM books WHERE id = $1"),
            &[&id],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, Option<i32>>(3), None);
    assert_eq!(row.get::<_, f64>(4), 13.0);
    assert!(!row.get::<_, bool>(5));
    // Errors from the route keep their SQLSTATE and detail.
    let e = client
        .query_one(&stmt, &[&"tokio's book", &"again", &None::<i32>, &1.0f64])
        .await
        .unwrap_err();
    let db = e.as_db_error().expect("a server error");
    assert_eq!(db.code().code(), "23505");
    assert!(db.detail().unwrap_or("").contains("tokio's book"));
    assert_eq!(
        client
            .execute("DELETE FROM books WHERE id = $1", &[&id])
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn tokio_postgres_wrong_parameter_types_name_the_parameter() {
    let client = connect(&server().url("bob")).await;
    // Declaring $1 as text makes tokio-postgres send a text value the route decodes as i64.
    let stmt = client
        .prepare_typed(
            &format!("SELECT {COLUMNS} FROM books WHERE id = $1"),
            &[Type::TEXT],
        )
        .await
        .unwrap();
    let e = client.query(&stmt, &[&"seven"]).await.unwrap_err();
    let db = e.as_db_error().expect("a server error");
    assert_eq!(db.code().code(), "22P02");
    assert_eq!(
        db.message(),
        "invalid input syntax for type bigint: \"seven\""
    );
    assert_eq!(db.where_(), Some("parameter $1 (id)"));
    // NULL for a non-Option parameter.
    let stmt = client
        .prepare("DELETE FROM books WHERE id = $1")
        .await
        .unwrap();
    let e = client.execute(&stmt, &[&None::<i64>]).await.unwrap_err();
    assert_eq!(e.as_db_error().unwrap().code().code(), "22004");
    // The connection is still usable.
    assert_eq!(client.execute(&stmt, &[&987654i64]).await.unwrap(), 0);
}

#[tokio::test]
async fn tokio_postgres_unmatched_statement_is_hinted() {
    let client = connect(&server().url("bob")).await;
    let e = client
        .prepare("SELECT id, title, author, year, price FROM books WHERE id = $1")
        .await
        .unwrap_err();
    let db = e.as_db_error().expect("a server error");
    assert_eq!(db.code().code(), "0A000");
    let hint = db.hint().unwrap_or("");
    assert!(
        hint.contains("`book_by_id`") && hint.contains("in_stock"),
        "{hint}"
    );
}

#[tokio::test]
async fn tokio_postgres_streams_a_million_rows() {
    let client = connect(&server().url("bob")).await;
    let rows = client
        .query_raw(
            "SELECT seq, book_id, amount FROM sales_report",
            std::iter::empty::<i64>(),
        )
        .await
        .unwrap();
    pin_mut!(rows);
    let mut count = 0u64;
    let mut last = 0i64;
    while let Some(row) = rows.next().await {
        let row = row.unwrap();
        last = row.get(0);
        count += 1;
    }
    assert_eq!((count, last), (1_000_000, 1_000_000));
    assert_eq!(rows.rows_affected(), Some(1_000_000));

    let rows: Vec<_> = client
        .query_raw(
            "SELECT seq, book_id, amount FROM sales_report LIMIT $1",
            [5i64],
        )
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[4].get::<_, f64>(2), 1.25);
}

#[tokio::test]
async fn tokio_postgres_transactions_and_session_statements() {
    let mut client = connect(&server().url("bob")).await;
    let tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::Serializable)
        .start()
        .await
        .unwrap();
    assert_eq!(
        tx.execute("DELETE FROM books WHERE id = $1", &[&5555i64])
            .await
            .unwrap(),
        0
    );
    tx.batch_execute("SAVEPOINT s1; ROLLBACK TO SAVEPOINT s1; RELEASE s1")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let msgs = client
        .simple_query("SET application_name = 'decl test'; SHOW application_name; DISCARD ALL; SHOW application_name")
        .await
        .unwrap();
    let values: Vec<Option<String>> = msgs
        .iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(r) => Some(r.get(0).map(str::to_owned)),
            _ => None,
        })
        .collect();
    assert_eq!(values, [Some("decl test".into()), Some(String::new())]);
    // SHOW in the extended protocol, described like any statement.
    let row = client.query_one("SHOW TimeZone", &[]).await.unwrap();
    assert_eq!(row.get::<_, String>("TimeZone"), "UTC");
    let e = client.simple_query("SAVEPOINT outside").await.unwrap_err();
    assert_eq!(e.as_db_error().unwrap().code().code(), "25P01");
}

#[test]
fn psycopg_server_and_client_side_binding_and_asyncpg() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/declarative_psycopg.py");
    let Some(stdout) = support::run_python(&[script, &server().port.to_string()]) else {
        return;
    };
    assert!(stdout.contains("server-side binding ok"), "{stdout}");
    assert!(stdout.contains("client-side binding ok"), "{stdout}");
    assert!(stdout.contains("asyncpg ok"), "{stdout}");
}
