//! Every example binary follows the conventions users and scripts rely on: `--help` lists
//! `--listen` and `--unix-socket`, and a server started on port 0 prints
//! `listening on HOST:PORT` as its first stdout line (on the main runtime and with
//! `--reactors 2`).
//!
//! Being an integration test of this package also makes `cargo test` build the binaries
//! themselves, with the same features as the rest of the test build, so the end-to-end tests
//! in `tests/` start them as built instead of building them again.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const EXAMPLES: &[(&str, &str)] = &[
    ("server", env!("CARGO_BIN_EXE_server")),
    ("sqlite", env!("CARGO_BIN_EXE_sqlite")),
    ("gluesql", env!("CARGO_BIN_EXE_gluesql")),
    ("secure_server", env!("CARGO_BIN_EXE_secure_server")),
    ("declarative", env!("CARGO_BIN_EXE_declarative")),
    ("fixed_route", env!("CARGO_BIN_EXE_fixed_route")),
];

#[test]
fn help_lists_the_listen_flags() {
    for (name, bin) in EXAMPLES {
        let out = Command::new(bin).arg("--help").output().expect("runs");
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{name} --help failed");
        for flag in ["--listen", "--unix-socket"] {
            assert!(help.contains(flag), "{name} --help lacks {flag}:\n{help}");
        }
    }
}

#[test]
fn first_line_is_listening_on_the_chosen_port() {
    let runtimes: [&[&str]; 2] = [&[], &["--reactors", "2"]];
    for ((name, bin), extra) in EXAMPLES.iter().flat_map(|e| runtimes.map(|r| (e, r))) {
        let mut child = Command::new(bin)
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut first = String::new();
            let _ = BufReader::new(stdout).read_line(&mut first);
            let _ = tx.send(first);
        });
        let first = rx.recv_timeout(Duration::from_secs(30));
        let _ = child.kill();
        let _ = child.wait();
        let first =
            first.unwrap_or_else(|_| panic!("{name} {extra:?} printed nothing within 30 s"));
        let port = first
            .trim_end()
            .strip_prefix("listening on 127.0.0.1:")
            .and_then(|p| p.parse::<u16>().ok());
        assert!(
            port.is_some_and(|p| p != 0),
            "{name} {extra:?}: first line {first:?}"
        );
    }
}
