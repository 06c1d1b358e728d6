//! Runs every wire transcript in `tests/transcripts/` against a real PostgreSQL 15 (proving
//! each expectation is PostgreSQL's behaviour) and against the sqlite example.

mod support;

use std::path::PathBuf;

use support::example::{Example, bin_dir};
use support::pg::{PgOptions, PgServer, pg_available};
use support::raw::Raw;
use support::transcript::Transcript;

fn files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("transcripts");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/transcripts exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "t"))
        .collect();
    files.sort();
    files
}

fn transcripts() -> Vec<Transcript> {
    files()
        .iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            Transcript::parse(&name, &std::fs::read_to_string(p).unwrap())
                .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect()
}

async fn run_all(port: u16, user: &str, target: &str) {
    let all = transcripts();
    assert!(all.len() >= 25, "only {} transcripts", all.len());
    let mut failures = Vec::new();
    for t in &all {
        let mut raw = Raw::startup(port, user).await;
        if let Err(e) = t.run(&mut raw).await {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} transcripts differ on {target}:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n\n")
    );
    println!("{} transcripts match on {target}", all.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transcripts_hold_on_postgres() {
    if !pg_available() {
        panic!("PostgreSQL 15 binaries are missing: run .ci/install-deps.sh");
    }
    let pg = PgServer::start(PgOptions::default()).expect("PostgreSQL starts");
    if std::env::var_os("TRANSCRIPT_REWRITE").is_some() {
        // Records PostgreSQL's answers into the files (review the diff before committing).
        for path in files() {
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let t = Transcript::parse(&name, &text).unwrap_or_else(|e| panic!("{e}"));
            let mut raw = Raw::startup(pg.port, "postgres").await;
            std::fs::write(&path, t.record(&mut raw, &text).await).unwrap();
        }
    }
    run_all(pg.port, "postgres", "PostgreSQL 15").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transcripts_hold_on_the_sqlite_example() {
    if !bin_dir().join("sqlite").exists() {
        eprintln!("skipped: the sqlite example is not built in this tree");
        return;
    }
    let server = Example::start("sqlite", &[]);
    run_all(server.port, "postgres", "the sqlite example").await;
}
