//! Compile-pass and compile-fail tests of `#[derive(PgRow)]`, `#[pg_query]` and `routes!`.
//!
//! The `.stderr` snapshots hold rustc's exact output, which changes between compiler
//! releases, so they are pinned to one: the test runs only on rustc 1.95.x and otherwise
//! skips with a message. To move to a new compiler, run
//! `TRYBUILD=overwrite cargo test -p pgwire-ui-tests`, review the snapshot diff, and
//! update `PINNED` below.

use std::process::Command;

/// The compiler release the snapshots were made with.
const PINNED: &str = "rustc 1.95.";

fn rustc_version() -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    Command::new(rustc)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

#[test]
fn ui() {
    let version = rustc_version();
    if !version.starts_with(PINNED) {
        eprintln!(
            "skipping pgwire ui-tests: snapshots are pinned to {PINNED}x, this is `{version}`"
        );
        return;
    }
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
