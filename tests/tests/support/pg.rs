//! Throw-away PostgreSQL servers for end-to-end tests.
//!
//! This module is self-contained (std + the `tempfile` crate) so that any
//! integration test can pull it in with `mod support;` (where
//! `tests/support/mod.rs` declares `pub mod pg;`) or directly with
//! `#[path = "support/pg.rs"] mod pg;`.
//!
//! Each [`PgServer`] gets its own temporary directory (data directory, Unix
//! socket directory and log file) and its own free TCP port on 127.0.0.1, so
//! many servers can run side by side, including from parallel tests in one
//! test binary.
//!
//! ```ignore
//! let pg = PgServer::start(PgOptions::default())?;
//! assert_eq!(pg.psql("select 1"), "1");
//! // connect a client to 127.0.0.1:pg.port as user `postgres`, database `postgres`
//! drop(pg); // fast shutdown + directory removal
//! ```
//!
//! Privileges: `initdb` and `postgres` refuse to run as root. When the test
//! process runs as root, every PostgreSQL binary is run as the `postgres` OS
//! user (via `setuid`/`setgid` in the spawned child, so the pid we hold *is*
//! the postmaster's pid — `runuser` would insert a watching parent process in
//! between) and the temporary directory is chowned to that user. When not
//! root, the binaries are run directly as the current user.
//!
//! Environment overrides:
//! * `PGWIRE_PG_BINDIR` — directory holding `postgres`, `initdb`, `psql`,
//!   `pg_isready` (otherwise `pg_config --bindir`, then
//!   `/usr/lib/postgresql/15/bin`).
//! * `PGWIRE_PG_TMPDIR` — parent directory for the per-server temporary
//!   directories (otherwise `/tmp` when it exists, else `std::env::temp_dir()`).
//!   It must be traversable by the `postgres` user and short enough for a
//!   Unix socket path (see [`PgServer::start`]).
//! * `PGWIRE_PG_OS_USER` — OS user to run PostgreSQL as when root
//!   (default `postgres`).

#![allow(dead_code)]

use std::collections::HashSet;
use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// Fallback location of the PostgreSQL 15 binaries on Debian/Ubuntu.
pub const DEFAULT_BINDIR: &str = "/usr/lib/postgresql/15/bin";

/// Database superuser created by `initdb -U postgres` (also the default
/// database name).
pub const SUPERUSER: &str = "postgres";

/// How long [`PgServer::start`] waits for the server to accept connections.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// How long `Drop` waits after each shutdown signal before escalating.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);

/// Maximum number of attempts when the chosen port turns out to be taken.
const PORT_ATTEMPTS: usize = 5;

// ---------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------

/// Authentication method required for TCP (`host`) connections, written into
/// `pg_hba.conf` for `127.0.0.1/32` and `::1/128`.
///
/// Unix-socket (`local`) connections always use `trust`, so
/// [`PgServer::psql`] works whatever is chosen here (use it to set passwords:
/// `pg.psql("ALTER USER postgres PASSWORD 'secret'")`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HostAuth {
    /// No password needed.
    #[default]
    Trust,
    /// MD5 challenge (falls back to SCRAM when the stored password is a SCRAM
    /// verifier, as PostgreSQL does).
    Md5,
    /// SCRAM-SHA-256 (SASL).
    ScramSha256,
    /// Clear-text password.
    Password,
}

impl HostAuth {
    /// The method keyword as written in `pg_hba.conf`.
    pub fn as_hba(self) -> &'static str {
        match self {
            HostAuth::Trust => "trust",
            HostAuth::Md5 => "md5",
            HostAuth::ScramSha256 => "scram-sha-256",
            HostAuth::Password => "password",
        }
    }
}

impl fmt::Display for HostAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_hba())
    }
}

/// Configuration of a [`PgServer`]. Build with `PgOptions::default()` and the
/// chaining setters (or struct-update syntax; all fields are public).
#[derive(Clone, Debug)]
pub struct PgOptions {
    /// `max_connections` (default 200).
    pub max_connections: u32,
    /// Authentication method for TCP connections (default [`HostAuth::Trust`]).
    pub host_auth: HostAuth,
    /// `password_encryption` setting (`"md5"` or `"scram-sha-256"`); `None`
    /// keeps PostgreSQL's default (`scram-sha-256` in PostgreSQL 14+).
    pub password_encryption: Option<String>,
    /// Extra `postgresql.conf` lines, appended last (so they win).
    pub extra_conf: Vec<String>,
    /// Extra `pg_hba.conf` lines, inserted *before* the generated ones (first
    /// match wins in `pg_hba.conf`).
    pub extra_hba: Vec<String>,
    /// Upper bound on waiting for the server to accept connections
    /// (default [`STARTUP_TIMEOUT`], 30 s).
    pub startup_timeout: Duration,
}

impl Default for PgOptions {
    fn default() -> Self {
        PgOptions {
            max_connections: 200,
            host_auth: HostAuth::Trust,
            password_encryption: None,
            extra_conf: Vec::new(),
            extra_hba: Vec::new(),
            startup_timeout: STARTUP_TIMEOUT,
        }
    }
}

impl PgOptions {
    /// Sets `max_connections`.
    pub fn max_connections(mut self, n: u32) -> Self {
        self.max_connections = n;
        self
    }
    /// Sets the authentication method for TCP connections.
    pub fn host_auth(mut self, auth: HostAuth) -> Self {
        self.host_auth = auth;
        self
    }
    /// Sets `password_encryption` (`"md5"` or `"scram-sha-256"`).
    pub fn password_encryption(mut self, enc: impl Into<String>) -> Self {
        self.password_encryption = Some(enc.into());
        self
    }
    /// Appends one `postgresql.conf` line, e.g. `"log_connections = on"`.
    pub fn conf(mut self, line: impl Into<String>) -> Self {
        self.extra_conf.push(line.into());
        self
    }
    /// Adds one `pg_hba.conf` line, taking precedence over the generated ones.
    pub fn hba(mut self, line: impl Into<String>) -> Self {
        self.extra_hba.push(line.into());
        self
    }
    /// Sets the startup timeout.
    pub fn startup_timeout(mut self, t: Duration) -> Self {
        self.startup_timeout = t;
        self
    }
}

// ---------------------------------------------------------------------------
// Environment helpers
// ---------------------------------------------------------------------------

/// Directory holding the PostgreSQL server binaries: `$PGWIRE_PG_BINDIR`,
/// else `pg_config --bindir` (if it contains `postgres`), else
/// [`DEFAULT_BINDIR`]. Computed once per process.
pub fn pg_bindir() -> PathBuf {
    static BINDIR: OnceLock<PathBuf> = OnceLock::new();
    BINDIR
        .get_or_init(|| {
            if let Some(d) = std::env::var_os("PGWIRE_PG_BINDIR") {
                return PathBuf::from(d);
            }
            if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
                if out.status.success() {
                    let d = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
                    if d.join("postgres").is_file() && d.join("initdb").is_file() {
                        return d;
                    }
                }
            }
            PathBuf::from(DEFAULT_BINDIR)
        })
        .clone()
}

/// Full path of a PostgreSQL binary (`"postgres"`, `"initdb"`, `"psql"`,
/// `"pg_isready"`, …) in [`pg_bindir`]; falls back to the bare name (looked
/// up in `PATH`) when it is not there.
pub fn pg_bin(name: &str) -> PathBuf {
    let p = pg_bindir().join(name);
    if p.is_file() { p } else { PathBuf::from(name) }
}

/// `true` when the PostgreSQL binaries needed by [`PgServer`] (`postgres`,
/// `initdb`, `psql`) are present, and — when running as root — the OS user to
/// run them as exists. Tests can use it to skip gracefully:
///
/// ```ignore
/// if !pg_available() { eprintln!("skipping: PostgreSQL not installed"); return; }
/// ```
pub fn pg_available() -> bool {
    let dir = pg_bindir();
    let bins_ok = ["postgres", "initdb", "psql"]
        .iter()
        .all(|b| dir.join(b).is_file());
    bins_ok && (!is_root() || os_user_ids(&pg_os_user()).is_some())
}

/// `true` when this process runs with effective uid 0.
pub fn is_root() -> bool {
    static ROOT: OnceLock<bool> = OnceLock::new();
    *ROOT.get_or_init(|| {
        if let Ok(s) = fs::read_to_string("/proc/self/status") {
            for line in s.lines() {
                if let Some(rest) = line.strip_prefix("Uid:") {
                    // real, effective, saved, fs
                    if let Some(euid) = rest.split_whitespace().nth(1) {
                        return euid == "0";
                    }
                }
            }
        }
        Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false)
    })
}

fn pg_os_user() -> String {
    std::env::var("PGWIRE_PG_OS_USER").unwrap_or_else(|_| "postgres".to_string())
}

/// (uid, gid) of an OS user, from `/etc/passwd`, falling back to `id`.
fn os_user_ids(user: &str) -> Option<(u32, u32)> {
    if let Ok(passwd) = fs::read_to_string("/etc/passwd") {
        for line in passwd.lines() {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() >= 4 && f[0] == user {
                if let (Ok(u), Ok(g)) = (f[2].parse(), f[3].parse()) {
                    return Some((u, g));
                }
            }
        }
    }
    let id = |flag: &str| -> Option<u32> {
        let o = Command::new("id").arg(flag).arg(user).output().ok()?;
        if !o.status.success() {
            return None;
        }
        String::from_utf8_lossy(&o.stdout).trim().parse().ok()
    };
    Some((id("-u")?, id("-g")?))
}

/// Ports handed out by [`free_port`] in this process, never handed out twice.
fn handed_out() -> &'static Mutex<HashSet<u16>> {
    static PORTS: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    PORTS.get_or_init(|| Mutex::new(HashSet::new()))
}

/// A TCP port on 127.0.0.1 that is free right now (the OS picks it by binding
/// port 0). Never returns the same port twice within one process, so parallel
/// tests don't collide with each other; another process may still grab it
/// before it is used, which [`PgServer::start`] handles by retrying.
pub fn free_port() -> u16 {
    for _ in 0..1000 {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("bind 127.0.0.1:0");
        if handed_out()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(port)
        {
            return port;
        }
    }
    panic!("free_port: could not find an unused port");
}

fn other_err(msg: impl Into<String>) -> io::Error {
    io::Error::other(msg.into())
}

// ---------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------

/// A running, private PostgreSQL server (postmaster child process).
///
/// Connect over TCP to `127.0.0.1:port` (user and database `postgres`) or over
/// the Unix socket in [`socket_dir`](PgServer::socket_dir). Dropping it shuts
/// the server down (fast shutdown, bounded wait, escalating to immediate
/// shutdown and then SIGKILL) and deletes its directory.
pub struct PgServer {
    /// TCP port the server listens on (127.0.0.1 only).
    pub port: u16,
    /// The per-server temporary directory: holds `data/` (PGDATA), the Unix
    /// socket and `postgres.log`. Removed on drop.
    pub dir: PathBuf,
    /// Options the server was started with.
    pub opts: PgOptions,
    child: Option<Child>,
    tmp: Option<tempfile::TempDir>,
    /// (uid, gid) to run PostgreSQL binaries as; `None` = as ourselves.
    run_as: Option<(u32, u32)>,
}

impl fmt::Debug for PgServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgServer")
            .field("port", &self.port)
            .field("dir", &self.dir)
            .field("pid", &self.pid())
            .finish()
    }
}

impl PgServer {
    /// Creates a fresh cluster and starts it.
    ///
    /// Steps: pick a free port ([`free_port`]); create a temporary directory
    /// (chowned to the `postgres` OS user when root); run
    /// `initdb -A trust -U postgres --no-sync -E UTF8 --locale=C`; write
    /// `pg_hba.conf` (`local` = trust, `host` on 127.0.0.1/::1 =
    /// `opts.host_auth`, preceded by `opts.extra_hba`) and append to
    /// `postgresql.conf` (`listen_addresses = '127.0.0.1'`,
    /// `unix_socket_directories` = the directory, `fsync = off`,
    /// `max_connections`, `password_encryption`, then `opts.extra_conf`);
    /// spawn `postgres -D DIR/data -p PORT` as a direct child (stdout/stderr
    /// to `DIR/postgres.log`); poll until it accepts connections (bounded by
    /// `opts.startup_timeout`). If the port was taken meanwhile, retries with
    /// another port (up to 5 times).
    ///
    /// Errors carry the tail of the server log / initdb output.
    pub fn start(opts: PgOptions) -> io::Result<PgServer> {
        let bindir = pg_bindir();
        for b in ["postgres", "initdb"] {
            if !bindir.join(b).is_file() {
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!(
                        "PostgreSQL binary {} not found (set PGWIRE_PG_BINDIR or install postgresql-15)",
                        bindir.join(b).display()
                    ),
                ));
            }
        }
        let run_as = if is_root() {
            let user = pg_os_user();
            Some(os_user_ids(&user).ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("running as root but OS user {user:?} does not exist"),
                )
            })?)
        } else {
            None
        };

        let parent = match std::env::var_os("PGWIRE_PG_TMPDIR") {
            Some(p) => PathBuf::from(p),
            None if Path::new("/tmp").is_dir() => PathBuf::from("/tmp"),
            None => std::env::temp_dir(),
        };
        let tmp = tempfile::Builder::new()
            .prefix("pgwire-pg.")
            .tempdir_in(&parent)?;
        let dir = tmp.path().to_path_buf();
        // sun_path is 108 bytes; the socket is DIR/.s.PGSQL.NNNNN (+ ".lock").
        if dir.as_os_str().len() + "/.s.PGSQL.65535.lock".len() >= 107 {
            return Err(other_err(format!(
                "temporary directory path too long for a Unix socket: {} (set PGWIRE_PG_TMPDIR)",
                dir.display()
            )));
        }
        if let Some((uid, gid)) = run_as {
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid))?;
        }

        let mut server = PgServer {
            port: 0,
            dir,
            opts,
            child: None,
            tmp: Some(tmp),
            run_as,
        };
        server.initdb()?;
        server.write_config()?;

        let mut last_err = None;
        for _ in 0..PORT_ATTEMPTS {
            server.port = free_port();
            match server.launch() {
                Ok(()) => return Ok(server),
                Err((e, port_in_use)) => {
                    last_err = Some(e);
                    if !port_in_use {
                        break;
                    }
                }
            }
        }
        Err(last_err.unwrap_or_else(|| other_err("postgres did not start")))
    }

    /// Pid of the postmaster (our direct child). Backends are its children.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    /// Directory holding the server's Unix socket (`.s.PGSQL.<port>`); pass
    /// it as the host (`-h`) to libpq clients.
    pub fn socket_dir(&self) -> &Path {
        &self.dir
    }

    /// The data directory (`<dir>/data`).
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// Path of the server log (postmaster stdout + stderr).
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("postgres.log")
    }

    /// Current contents of the server log (empty string if unreadable).
    pub fn log(&self) -> String {
        fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// TCP address of the server: `127.0.0.1:port`.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// libpq-style URL for TCP connections as `user` (no password) to
    /// database `postgres`, e.g. `postgresql://postgres@127.0.0.1:5433/postgres`.
    pub fn url(&self, user: &str) -> String {
        format!("postgresql://{user}@127.0.0.1:{}/postgres", self.port)
    }

    /// `true` while the postmaster process is alive.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.as_mut().map(|c| c.try_wait()), Some(Ok(None)))
    }

    /// Runs `sql` with `psql -X -A -t -q -v ON_ERROR_STOP=1` over the Unix
    /// socket as database user `postgres` on database `postgres` (as the
    /// `postgres` OS user when root) and returns its stdout with the trailing
    /// newline removed. Rows are one per line, columns separated by `|`.
    ///
    /// Panics (with psql's stderr) if psql fails.
    pub fn psql(&self, sql: &str) -> String {
        self.psql_db(SUPERUSER, sql)
    }

    /// Like [`psql`](PgServer::psql) but connected to database `db`.
    pub fn psql_db(&self, db: &str, sql: &str) -> String {
        match self.try_psql_db(db, sql) {
            Ok(s) => s,
            Err(e) => panic!("psql failed on port {} running {sql:?}:\n{e}", self.port),
        }
    }

    /// Like [`psql`](PgServer::psql) but returns psql's stderr (plus exit
    /// status) as the error instead of panicking.
    pub fn try_psql(&self, sql: &str) -> Result<String, String> {
        self.try_psql_db(SUPERUSER, sql)
    }

    /// Like [`try_psql`](PgServer::try_psql) but connected to database `db`.
    pub fn try_psql_db(&self, db: &str, sql: &str) -> Result<String, String> {
        let out = self
            .pg_command("psql")
            .args(["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-h"])
            .arg(&self.dir)
            .arg("-p")
            .arg(self.port.to_string())
            .args(["-U", SUPERUSER, "-d", db, "-c", sql])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("could not run psql: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "{}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let mut s = String::from_utf8_lossy(&out.stdout).into_owned();
        if s.ends_with('\n') {
            s.pop();
        }
        Ok(s)
    }

    /// A `Command` for PostgreSQL binary `name` from [`pg_bindir`], set up to
    /// run as the `postgres` OS user when we are root, with the working
    /// directory set to the server directory and `PGHOST`/`PGPORT`/`PGUSER`/
    /// `PGDATABASE` pointing at this server (Unix socket). Useful for
    /// `pgbench`, `pg_dump`, etc.
    pub fn pg_command(&self, name: &str) -> Command {
        let mut cmd = self.raw_command(name);
        cmd.env("PGHOST", &self.dir)
            .env("PGPORT", self.port.to_string())
            .env("PGUSER", SUPERUSER)
            .env("PGDATABASE", SUPERUSER);
        cmd
    }

    /// `Command` for a PostgreSQL binary with the user switch and working
    /// directory set and every inherited libpq/server `PG*` variable removed
    /// (e.g. a stray `PGPORT` would change the port initdb's bootstrap and
    /// the postmaster use).
    fn raw_command(&self, name: &str) -> Command {
        let mut cmd = Command::new(pg_bin(name));
        cmd.current_dir(&self.dir);
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("PG") {
                cmd.env_remove(k);
            }
        }
        if let Some((uid, gid)) = self.run_as {
            // std drops supplementary groups (setgroups(0)) when switching
            // uid as root.
            cmd.uid(uid).gid(gid);
        }
        cmd
    }

    fn initdb(&self) -> io::Result<()> {
        let out = self
            .raw_command("initdb")
            .arg("-D")
            .arg(self.data_dir())
            .args([
                "-A",
                "trust",
                "-U",
                SUPERUSER,
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ])
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .output()?;
        check_output("initdb", &out)
    }

    fn write_config(&self) -> io::Result<()> {
        let data = self.data_dir();
        let o = &self.opts;
        let method = o.host_auth.as_hba();
        let mut hba = String::from("# generated by tests/support/pg.rs\n");
        for l in &o.extra_hba {
            hba.push_str(l);
            hba.push('\n');
        }
        hba.push_str("local all all trust\n");
        hba.push_str(&format!("host all all 127.0.0.1/32 {method}\n"));
        hba.push_str(&format!("host all all ::1/128 {method}\n"));
        fs::write(data.join("pg_hba.conf"), hba)?;

        let mut conf = String::from("\n# ---- added by tests/support/pg.rs ----\n");
        conf.push_str("listen_addresses = '127.0.0.1'\n");
        conf.push_str(&format!(
            "unix_socket_directories = '{}'\n",
            self.dir.display().to_string().replace('\'', "''")
        ));
        conf.push_str("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n");
        conf.push_str("logging_collector = off\nlog_destination = 'stderr'\n");
        conf.push_str(&format!("max_connections = {}\n", o.max_connections));
        if let Some(enc) = &o.password_encryption {
            conf.push_str(&format!("password_encryption = '{enc}'\n"));
        }
        for l in &o.extra_conf {
            conf.push_str(l);
            conf.push('\n');
        }
        // Files are created by initdb (as the postgres user) and only
        // appended to / overwritten here, so ownership is preserved.
        fs::OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))?
            .write_all(conf.as_bytes())
    }

    /// Spawns the postmaster on `self.port` and waits for readiness. On error
    /// returns (error, whether the port was already in use).
    fn launch(&mut self) -> Result<(), (io::Error, bool)> {
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .map_err(|e| (e, false))?;
        let log2 = log.try_clone().map_err(|e| (e, false))?;
        let offset = log.metadata().map(|m| m.len()).unwrap_or(0);
        let child = self
            .raw_command("postgres")
            .arg("-D")
            .arg(self.data_dir())
            .arg("-p")
            .arg(self.port.to_string())
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(|e| (e, false))?;
        self.child = Some(child);

        let deadline = Instant::now() + self.opts.startup_timeout;
        loop {
            let exited = match self.child.as_mut().unwrap().try_wait() {
                Ok(Some(status)) => Some(status),
                Ok(None) => None,
                Err(e) => return Err((e, false)),
            };
            if let Some(status) = exited {
                self.child = None;
                let log = self.log();
                let tail = log.get(offset as usize..).unwrap_or(&log);
                let in_use = tail.contains("Address already in use")
                    || tail.contains("could not bind")
                    || tail.contains("could not create any TCP/IP sockets");
                return Err((
                    other_err(format!(
                        "postgres exited during startup ({status}) on port {}; log:\n{}",
                        self.port,
                        tail_lines(tail, 30)
                    )),
                    in_use,
                ));
            }
            if self.ready() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                let log = self.log();
                self.stop();
                return Err((
                    io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!(
                            "postgres on port {} not ready after {:?}; log:\n{}",
                            self.port,
                            self.opts.startup_timeout,
                            tail_lines(&log, 30)
                        ),
                    ),
                    false,
                ));
            }
            sleep(Duration::from_millis(50));
        }
    }

    /// Readiness: `pg_isready` says the server accepts connections (its exit
    /// code 0), or — if pg_isready is unavailable — a TCP connect succeeds and
    /// the `postmaster.pid` file reports `ready`.
    fn ready(&self) -> bool {
        let isready = pg_bin("pg_isready");
        if isready.is_file() {
            return Command::new(&isready)
                .args(["-q", "-t", "1", "-h", "127.0.0.1", "-p"])
                .arg(self.port.to_string())
                .args(["-U", SUPERUSER, "-d", SUPERUSER])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
        }
        let tcp = TcpStream::connect_timeout(&self.addr(), Duration::from_millis(500)).is_ok();
        let pidfile =
            fs::read_to_string(self.data_dir().join("postmaster.pid")).unwrap_or_default();
        tcp && pidfile
            .lines()
            .nth(7)
            .map(|l| l.trim() == "ready")
            .unwrap_or(false)
    }

    /// Sends `sig` (e.g. `"INT"`) to the postmaster with `kill(1)`.
    fn signal(&self, sig: &str) {
        if let Some(c) = &self.child {
            let _ = Command::new("kill")
                .arg(format!("-{sig}"))
                .arg(c.id().to_string())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }

    fn wait_exit(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while let Some(c) = self.child.as_mut() {
            match c.try_wait() {
                Ok(Some(_)) | Err(_) => {
                    self.child = None;
                    return true;
                }
                Ok(None) if Instant::now() >= deadline => return false,
                Ok(None) => sleep(Duration::from_millis(20)),
            }
        }
        true
    }

    /// Stops the server now: SIGINT (fast shutdown: disconnects clients,
    /// aborts their transactions), up to 10 s; then SIGQUIT (immediate
    /// shutdown), up to 10 s; then SIGKILL. Idempotent; also done by `Drop`.
    pub fn stop(&mut self) {
        if self.child.is_none() {
            return;
        }
        self.signal("INT");
        if self.wait_exit(SHUTDOWN_TIMEOUT) {
            return;
        }
        self.signal("QUIT");
        if self.wait_exit(SHUTDOWN_TIMEOUT) {
            return;
        }
        if let Some(c) = self.child.as_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
        self.child = None;
    }

    /// Keeps the directory (data and log) after drop, e.g. to inspect a
    /// failure; returns its path. The server itself is still stopped on drop.
    pub fn keep_dir(&mut self) -> PathBuf {
        if let Some(t) = self.tmp.take() {
            // Works with every tempfile 3.x (`into_path`/`keep` vary by version).
            std::mem::forget(t);
        }
        self.dir.clone()
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        self.stop();
        if let Some(t) = self.tmp.take() {
            let _ = t.close();
        }
    }
}

fn check_output(what: &str, out: &Output) -> io::Result<()> {
    if out.status.success() {
        return Ok(());
    }
    Err(other_err(format!(
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )))
}

fn tail_lines(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
