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
