//! Example servers started as the real binaries, the way users start them.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

/// The workspace's target directory.
fn target_dir() -> PathBuf {
    if let Ok(d) = std::env::var("CARGO_TARGET_DIR") {
        return PathBuf::from(d);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target")
}

/// The example binaries the tests start.
const EXAMPLES: &[&str] = &[
    "server",
    "sqlite",
    "gluesql",
    "secure_server",
    "declarative",
    "fixed_route",
];

/// The directory holding the example binaries, built once per test process when missing or
/// older than a source file. `cargo test --workspace` builds them itself (they are the
/// subjects of `examples/tests/conventions.rs`), with the build's own features: building them
/// again here with `cargo build -p pgwire-examples` would resolve other features and make
/// the two builds overwrite each other's artifacts, rebuilding both every run.
pub fn bin_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = target_dir().join("debug");
        if !built_after_sources(&dir) {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = Command::new(cargo)
                .args(["build", "-q", "-p", "pgwire-examples", "--bins"])
                .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
                .status()
                .expect("cargo runs");
            assert!(status.success(), "building the example servers failed");
        }
        dir
    })
}

/// Whether every example binary in `dir` is newer than every source and manifest it is
/// built from.
fn built_after_sources(dir: &Path) -> bool {
    let oldest_bin = EXAMPLES
        .iter()
        .map(|name| {
            std::fs::metadata(dir.join(name))
                .and_then(|m| m.modified())
                .ok()
        })
        .collect::<Option<Vec<_>>>()
        .and_then(|times| times.into_iter().min());
    let Some(oldest_bin) = oldest_bin else {
        return false;
    };
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let mut newest = SystemTime::UNIX_EPOCH;
    for part in [
        "pgwire",
        "pgwire-derive",
        "examples",
        "Cargo.toml",
        "Cargo.lock",
    ] {
        newest = newest.max(newest_mtime(&root.join(part)));
    }
    oldest_bin >= newest
}

/// The newest modification time of `path` and, for a directory, of everything below it.
fn newest_mtime(path: &Path) -> SystemTime {
    let Ok(meta) = std::fs::metadata(path) else {
        return SystemTime::UNIX_EPOCH;
    };
    let own = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
    if !meta.is_dir() {
        return own;
    }
    let entries = std::fs::read_dir(path).into_iter().flatten().flatten();
    entries
        .filter(|e| e.file_name() != "target")
        .map(|e| newest_mtime(&e.path()))
        .fold(own, SystemTime::max)
}

/// Pids of servers to kill when the test process exits: servers shared through a `static`
/// are never dropped, and a leaked server would hold the test's output pipe open.
static CHILDREN: std::sync::Mutex<Vec<u32>> = std::sync::Mutex::new(Vec::new());

extern "C" fn kill_children() {
    if let Ok(pids) = CHILDREN.lock() {
        for &pid in pids.iter() {
            // SAFETY: kill(2) has no memory-safety preconditions.
            unsafe {
                libc::kill(pid as libc::pid_t, libc::SIGKILL);
            }
        }
    }
}

fn kill_at_exit(pid: u32) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: registers a plain `extern "C"` function with no arguments.
        unsafe {
            libc::atexit(kill_children);
        }
    });
    CHILDREN.lock().unwrap_or_else(|e| e.into_inner()).push(pid);
}

/// A running example server; killed on drop (or when the test process exits).
pub struct Example {
    child: Child,
    /// The TCP port it listens on.
    pub port: u16,
    /// Its Unix socket directory, when started with one.
    pub socket_dir: Option<tempfile::TempDir>,
}

impl Example {
    /// Starts example `name` on a free port with extra `args`, waiting for its
    /// `listening on HOST:PORT` line.
    pub fn start(name: &str, args: &[&str]) -> Example {
        Self::start_inner(name, args, false)
    }

    /// Like [`start`](Self::start), also listening on a Unix socket in a temp dir.
    pub fn start_with_socket(name: &str, args: &[&str]) -> Example {
        Self::start_inner(name, args, true)
    }

    fn start_inner(name: &str, args: &[&str], socket: bool) -> Example {
        let socket_dir = socket.then(|| tempfile::tempdir().expect("tempdir"));
        let mut cmd = Command::new(bin_dir().join(name));
        cmd.args(["--listen", "127.0.0.1:0"]).args(args);
        if let Some(d) = &socket_dir {
            cmd.arg("--unix-socket").arg(d.path());
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name}: {e}"));
        kill_at_exit(child.id());
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(first)) = lines.next() {
                let _ = tx.send(first);
            }
            for _ in lines {}
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        let first = rx
            .recv_timeout(deadline - Instant::now())
            .unwrap_or_else(|_| panic!("{name} printed no line within 60 s"));
        let port = first
            .strip_prefix("listening on ")
            .and_then(|a| a.rsplit(':').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| {
                panic!("{name}'s first line is not `listening on HOST:PORT`: {first:?}")
            });
        Example {
            child,
            port,
            socket_dir,
        }
    }

    /// A tokio-postgres connection string for `user`.
    pub fn url(&self, user: &str) -> String {
        format!(
            "host=127.0.0.1 port={} user={user} dbname=postgres",
            self.port
        )
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Connects tokio-postgres to `url`, driving the connection on a background task.
pub async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("connect {url}: {e}"));
    tokio::spawn(async move {
        let _ = conn.await;
    });
    client
}

/// Connects tokio-postgres to `url` and forwards the connection's NotificationResponses to
/// the returned channel.
pub async fn connect_listening(
    url: &str,
) -> (
    tokio_postgres::Client,
    tokio::sync::mpsc::UnboundedReceiver<tokio_postgres::Notification>,
) {
    use futures::StreamExt;
    let (client, mut conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("connect {url}: {e}"));
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut messages = futures::stream::poll_fn(move |cx| conn.poll_message(cx));
        while let Some(Ok(m)) = messages.next().await {
            if let tokio_postgres::AsyncMessage::Notification(n) = m {
                let _ = tx.send(n);
            }
        }
    });
    (client, rx)
}
