//! examples/sqlite with psql (`-c` commands, `\gdesc`) and psycopg 3.

mod support;

use std::sync::OnceLock;

use support::example::Example;

fn server() -> &'static Example {
    static SERVER: OnceLock<Example> = OnceLock::new();
    SERVER.get_or_init(|| Example::start_with_socket("sqlite", &[]))
}

fn psql(args: &[&str]) -> String {
    let (ok, out, err) = support::psql("127.0.0.1", server().port, "postgres", args);
    assert!(ok, "psql {args:?} failed: {err}");
    out
}

#[test]
fn psql_commands() {
    let out = psql(&[
        "-A",
        "-t",
        "-c",
        "CREATE TABLE fruit (id SERIAL PRIMARY KEY, name TEXT NOT NULL, price NUMERIC(6,2))",
        "-c",
        "INSERT INTO fruit (name, price) VALUES ('apple', 1.25), ('pear', 2)",
        "-c",
        "SELECT id, name, price FROM fruit ORDER BY id",
        "-c",
        "SELECT count(*), sum(price) FROM fruit",
    ]);
    assert_eq!(
        out, "CREATE TABLE\nINSERT 0 2\n1|apple|1.25\n2|pear|2.00\n2|3.25\n",
        "{out}"
    );
    // psql's own error output, with the SQLSTATE.
    let (ok, _, err) = support::psql(
        "127.0.0.1",
        server().port,
        "postgres",
        &["-v", "VERBOSITY=verbose", "-c", "SELECT * FROM nowhere"],
    );
    assert!(!ok);
    assert!(
        err.contains("42P01") && err.contains("relation \"nowhere\" does not exist"),
        "{err}"
    );
    // Over the Unix socket too.
    let dir = server()
        .socket_dir
        .as_ref()
        .unwrap()
        .path()
        .to_str()
        .unwrap();
    let (ok, out, err) = support::psql(
        dir,
        server().port,
        "postgres",
        &["-A", "-t", "-c", "SELECT name FROM fruit WHERE id = 2"],
    );
    assert!(ok, "{err}");
    assert_eq!(out, "pear\n");
}

#[test]
fn psql_gdesc_describes_without_running() {
    psql(&[
        "-c",
        "CREATE TABLE described (id BIGINT PRIMARY KEY, label VARCHAR(20), at TIMESTAMPTZ, ok BOOLEAN)",
    ]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gdesc.sql");
    std::fs::write(
        &file,
        "SELECT id, label, at, ok, count(*) OVER () AS n, 1.5 AS x FROM described \\gdesc\n\
         SELECT pg_sleep(30) \\gdesc\n",
    )
    .unwrap();
    let started = std::time::Instant::now();
    let out = psql(&["-A", "-t", "-f", file.to_str().unwrap()]);
    assert_eq!(
        out,
        "id|bigint\nlabel|character varying(20)\nat|timestamp with time zone\nok|boolean\n\
         n|bigint\nx|numeric\npg_sleep|void\n",
        "{out}"
    );
    assert!(started.elapsed().as_secs() < 20, "\\gdesc ran the query");
}

#[test]
fn psycopg_create_insert_select() {
    let script = r#"
import datetime, sys
import psycopg

with psycopg.connect(sys.argv[1]) as conn:
    cur = conn.cursor()
    cur.execute("CREATE TABLE py (id BIGSERIAL PRIMARY KEY, name TEXT, score DOUBLE PRECISION, "
                "ok BOOLEAN, data BYTEA, at TIMESTAMPTZ DEFAULT now(), day DATE)")
    for i in range(10):
        cur.execute("INSERT INTO py (name, score, ok, data, day) VALUES (%s, %s, %s, %s, %s)",
                    (f"n{i}", i / 2, i % 2 == 0, bytes([i, 255]), datetime.date(2024, 1, i + 1)))
    conn.commit()
    cur.execute("SELECT id, name, score, ok, data, at, day FROM py WHERE id > %s ORDER BY id", (7,))
    rows = cur.fetchall()
    assert [r[0] for r in rows] == [8, 9, 10], rows
    r = rows[0]
    assert r[1:5] == ("n7", 3.5, False, b"\x07\xff"), r
    assert isinstance(r[5], datetime.datetime) and r[5].tzinfo is not None, r
    assert r[6] == datetime.date(2024, 1, 8), r
    # Binary results, and a statement psycopg prepares after a few runs.
    for i in range(8):
        cur.execute("SELECT name FROM py WHERE id = %s", (i + 1,), binary=True)
        assert cur.fetchone() == (f"n{i}",)
    cur.execute("SELECT count(*), max(score) FROM py")
    assert cur.fetchone() == (10, 4.5)
    try:
        cur.execute("INSERT INTO py (id) VALUES (1)")
        raise SystemExit("no error")
    except psycopg.errors.UniqueViolation:
        conn.rollback()
    cur.execute("SELECT current_user, version()")
    user, version = cur.fetchone()
    assert user == "postgres" and version.startswith("PostgreSQL 15.0"), (user, version)
print("ok")
"#;
    let url = format!(
        "host=127.0.0.1 port={} user=postgres dbname=postgres",
        server().port
    );
    let Some(stdout) = support::run_python(&["-c", script, &url]) else {
        return;
    };
    assert_eq!(stdout.trim(), "ok", "psycopg script");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_file_persists_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.db");
    let path = path.to_str().unwrap();
    {
        let server = Example::start("sqlite", &["--db", path]);
        let c = support::example::connect(&server.url("postgres")).await;
        c.batch_execute("CREATE TABLE kept (id BIGSERIAL PRIMARY KEY, v TEXT)")
            .await
            .unwrap();
        // Concurrent writers on the file wait for each other's locks.
        let mut tasks = Vec::new();
        for w in 0..4 {
            let url = server.url("postgres");
            tasks.push(tokio::spawn(async move {
                let c = support::example::connect(&url).await;
                for i in 0..25 {
                    c.execute("INSERT INTO kept (v) VALUES ($1)", &[&format!("{w}-{i}")])
                        .await
                        .unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    }
    // The positional form, on the same file after a restart.
    let server = Example::start("sqlite", &[path]);
    let c = support::example::connect(&server.url("postgres")).await;
    let n: i64 = c
        .query_one("SELECT count(*) FROM kept", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 100);
}
