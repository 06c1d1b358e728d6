//! Shared by the end-to-end test binaries: example servers started as real processes, a
//! throw-away PostgreSQL, psql, and a raw protocol client.

#![allow(dead_code)]

pub mod example;
pub mod handler;
pub mod pg;
pub mod raw;
pub mod transcript;

use std::process::Command;

/// Runs `psql` with `args` against `host:port` as user `user`; returns (status ok, stdout, stderr).
pub fn psql(host: &str, port: u16, user: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new("psql")
        .env_remove("PGPASSWORD")
        .env("PGCONNECT_TIMEOUT", "10")
        .args([
            "-X",
            "-h",
            host,
            "-p",
            &port.to_string(),
            "-U",
            user,
            "-d",
            "postgres",
        ])
        .args(args)
        .output()
        .expect("psql runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The Python interpreter of the venv `.ci/install-deps.sh` makes
/// (`${PGWIRE_VENV:-$HOME/.cache/pgwire-venv}`), with psycopg 3 and asyncpg importable.
///
/// Without it the calling test fails and says how to get it, unless `PGWIRE_SKIP_PYTHON=1`
/// is set: then `None`, and the caller skips its Python part.
pub fn python() -> Option<std::path::PathBuf> {
    let venv = std::env::var("PGWIRE_VENV")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| {
            std::path::PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/pgwire-venv")
        });
    let py = venv.join("bin/python");
    let ready = Command::new(&py)
        .args(["-c", "import psycopg, asyncpg"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ready {
        return Some(py);
    }
    if std::env::var_os("PGWIRE_SKIP_PYTHON").is_some() {
        eprintln!(
            "skipped: PGWIRE_SKIP_PYTHON is set and {} lacks psycopg/asyncpg",
            py.display()
        );
        return None;
    }
    panic!(
        "{} with psycopg and asyncpg is missing: run .ci/install-deps.sh \
         (or set PGWIRE_SKIP_PYTHON=1 to skip the Python clients)",
        py.display()
    );
}

/// The rows of a simple-protocol answer, as text (`None` for NULL).
pub fn simple_rows(msgs: &[tokio_postgres::SimpleQueryMessage]) -> Vec<Vec<Option<String>>> {
    msgs.iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => {
                Some((0..r.len()).map(|i| r.get(i).map(str::to_owned)).collect())
            }
            _ => None,
        })
        .collect()
}

/// The SQLSTATE of a server error, or a description of a client-side one.
pub fn sqlstate(e: &tokio_postgres::Error) -> String {
    e.as_db_error()
        .map(|d| d.code().code().to_owned())
        .unwrap_or_else(|| format!("not a server error: {e}"))
}

/// Runs the venv's Python (see [`python`]) with `args`, e.g. a script path and a port; its
/// stdout. Fails the test with stdout and stderr when the script fails; `None` when the
/// Python clients are skipped.
pub fn run_python<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Option<String> {
    let py = python()?;
    let out = Command::new(py).args(args).output().expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "python {:?} failed:\n{stdout}\n{stderr}",
        args.iter().map(|a| a.as_ref()).collect::<Vec<_>>()
    );
    Some(stdout)
}
