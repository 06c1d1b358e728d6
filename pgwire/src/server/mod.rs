//! The tokio server: listeners (TCP and Unix socket), one task per connection, and a handle
//! to watch and steer a running server.

mod config;
pub(crate) mod conn;
pub(crate) mod connection;
mod tls;

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::net::{TcpListener, UnixListener};
use tokio::sync::watch;

pub use config::Config;
pub use tls::{
    ALPN_POSTGRESQL, ClientAuth, EndPointHash, TlsConfig, TlsInfo, end_point_hash, parse_pem,
    server_end_point,
};

use crate::cancel::Registry;
use crate::error::PgError;
use crate::query::QueryHandler;

/// A message the server pushes to a session outside any query (delivered while it is idle).
#[derive(Debug, Clone)]
pub enum Push {
    /// NotificationResponse.
    Notification {
        /// Process id of the notifying session.
        pid: i32,
        /// Channel.
        channel: String,
        /// Payload.
        payload: String,
    },
    /// ParameterStatus.
    ParameterStatus {
        /// Parameter name.
        name: String,
        /// New value.
        value: String,
    },
    /// Send this error (FATAL) and end the session.
    Terminate(PgError),
}

/// State shared by every connection of one server.
#[derive(Debug)]
pub(crate) struct Shared {
    pub config: Config,
    /// The startup ParameterStatus values, from `config`.
    pub startup: config::StartupParameters,
    pub registry: Registry,
    /// LISTEN/NOTIFY channels.
    pub hub: crate::notify::Hub,
    /// Open client connections (counted at accept, before startup).
    pub connections: AtomicUsize,
    /// Becomes true when a shutdown begins: idle sessions end at once.
    pub draining: watch::Sender<bool>,
}

/// Counts a connection for as long as it lives.
pub(crate) struct ConnectionSlot(Arc<Shared>);

impl ConnectionSlot {
    /// Takes a slot; the flag says whether the connection is over `max_connections`.
    pub(crate) fn take(shared: &Arc<Shared>) -> (ConnectionSlot, bool) {
        let n = shared.connections.fetch_add(1, Ordering::SeqCst) + 1;
        (
            ConnectionSlot(shared.clone()),
            n > shared.config.max_connections,
        )
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        self.0.connections.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Builds a [`Server`]: where to listen and with what settings.
pub struct ServerBuilder<H> {
    handler: Arc<H>,
    listen: Option<String>,
    unix_dir: Option<PathBuf>,
    config: Config,
}

impl<H: QueryHandler> ServerBuilder<H> {
    /// Listens on TCP `addr` (`HOST:PORT`; port 0 picks a free port).
    pub fn listen(mut self, addr: impl Into<String>) -> Self {
        self.listen = Some(addr.into());
        self
    }

    /// Also listens on a Unix socket in `dir`, named `.s.PGSQL.<port>` as PostgreSQL names it
    /// (the port is the TCP port, or 5432 without TCP).
    pub fn unix_socket(mut self, dir: impl Into<PathBuf>) -> Self {
        self.unix_dir = Some(dir.into());
        self
    }

    /// Replaces the settings.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Edits the settings in place.
    pub fn configure(mut self, f: impl FnOnce(&mut Config)) -> Self {
        f(&mut self.config);
        self
    }

    /// Binds the listeners.
    pub async fn bind(self) -> io::Result<Server<H>> {
        let reactors = self.config.reactors;
        let (tcp, reactor_tcp) = match &self.listen {
            Some(addr) if reactors > 0 => (None, bind_reuseport(addr, reactors).await?),
            Some(addr) => (Some(TcpListener::bind(addr.as_str()).await?), Vec::new()),
            None => (None, Vec::new()),
        };
        let local_addr = match reactor_tcp.first() {
            Some(l) => Some(l.local_addr()?),
            None => tcp.as_ref().map(TcpListener::local_addr).transpose()?,
        };
        let unix = match &self.unix_dir {
            Some(dir) => {
                let port = local_addr.map_or(5432, |a| a.port());
                let path = dir.join(format!(".s.PGSQL.{port}"));
                if path.exists() {
                    std::fs::remove_file(&path)?;
                }
                Some((UnixListener::bind(&path)?, path))
            }
            None => None,
        };
        if local_addr.is_none() && unix.is_none() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a server needs a TCP address or a Unix socket directory",
            ));
        }
        let (stop_tx, stop_rx) = watch::channel(false);
        Ok(Server {
            handler: self.handler,
            shared: Arc::new(Shared {
                startup: self.config.startup_parameters(),
                config: self.config,
                registry: Registry::default(),
                hub: Default::default(),
                connections: AtomicUsize::new(0),
                draining: watch::channel(false).0,
            }),
            tcp,
            reactor_tcp,
            unix,
            local_addr,
            stop_tx: Arc::new(stop_tx),
            stop_rx,
        })
    }
}

/// A bound server, ready to [`serve`](Server::serve).
///
/// ```no_run
/// # use pgwire::prelude::*;
/// # async fn run<H: QueryHandler>(handler: H) -> std::io::Result<()> {
/// let server = Server::builder(handler).listen("127.0.0.1:5432").bind().await?;
/// println!("listening on {}", server.local_addr().unwrap());
/// server.serve().await
/// # }
/// ```
pub struct Server<H> {
    handler: Arc<H>,
    shared: Arc<Shared>,
    tcp: Option<TcpListener>,
    /// One listening socket per reactor thread (`Config::reactors`), all on one port.
    reactor_tcp: Vec<std::net::TcpListener>,
    unix: Option<(UnixListener, PathBuf)>,
    local_addr: Option<SocketAddr>,
    stop_tx: Arc<watch::Sender<bool>>,
    stop_rx: watch::Receiver<bool>,
}

impl<H: QueryHandler> Server<H> {
    /// Starts building a server around `handler`.
    pub fn builder(handler: H) -> ServerBuilder<H> {
        Self::builder_shared(Arc::new(handler))
    }

    /// Starts building a server around a shared `handler`.
    pub fn builder_shared(handler: Arc<H>) -> ServerBuilder<H> {
        ServerBuilder {
            handler,
            listen: None,
            unix_dir: None,
            config: Config::default(),
        }
    }

    /// The bound TCP address.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.local_addr
    }

    /// The Unix socket file, if any.
    pub fn unix_socket_path(&self) -> Option<&Path> {
        self.unix.as_ref().map(|(_, p)| p.as_path())
    }

    /// A handle to watch and stop the server.
    pub fn handle(&self) -> ServerHandle {
        ServerHandle {
            shared: self.shared.clone(),
            stop: self.stop_tx.clone(),
        }
    }

    /// Accepts connections until [`ServerHandle::stop`] is called.
    ///
    /// The accept loop runs as a task of the runtime rather than in the caller's future:
    /// under `#[tokio::main]` the caller is the main thread, outside the worker pool, and
    /// every accepted connection would then be handed across threads (a futex wake and two
    /// context switches per connection). On a worker, a new connection's task starts in that
    /// worker's next-task slot. Dropping the returned future stops the loop.
    pub async fn serve(self) -> io::Result<()> {
        if !self.reactor_tcp.is_empty() {
            return self.serve_on_reactors().await;
        }
        let Server {
            handler,
            shared,
            tcp,
            unix,
            stop_rx,
            ..
        } = self;
        let (unix, unix_path) = unix.unzip();
        let accept = accept_loop(handler, shared, tcp, unix, stop_rx);
        let mut task = AbortOnDrop(tokio::spawn(accept));
        let result = match (&mut task.0).await {
            Ok(()) => Ok(()),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => Err(io::Error::other(e)),
        };
        if let Some(p) = unix_path {
            let _ = std::fs::remove_file(p);
        }
        result
    }

    /// [`serve`](Self::serve) with `Config::reactors` threads, each with a single-threaded
    /// runtime, its own TCP listener, and (the first) the Unix-socket listener. Returns when
    /// every thread has stopped accepting; the threads go on serving their sessions until
    /// those end.
    async fn serve_on_reactors(self) -> io::Result<()> {
        let Server {
            handler,
            shared,
            reactor_tcp,
            unix,
            stop_rx,
            ..
        } = self;
        let (unix, unix_path) = unix.unzip();
        let mut unix = unix.map(UnixListener::into_std).transpose()?;
        let mut finished = Vec::new();
        for (i, tcp) in reactor_tcp.into_iter().enumerate() {
            let (handler, shared, stop_rx) = (handler.clone(), shared.clone(), stop_rx.clone());
            let unix = unix.take();
            let (done, finished_rx) = tokio::sync::oneshot::channel::<io::Result<()>>();
            finished.push(finished_rx);
            std::thread::Builder::new()
                .name(format!("pgwire-reactor-{i}"))
                .spawn(move || {
                    let rt = match tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    {
                        Ok(rt) => rt,
                        Err(e) => {
                            let _ = done.send(Err(e));
                            return;
                        }
                    };
                    rt.block_on(async move {
                        let listeners = TcpListener::from_std(tcp).and_then(|tcp| {
                            Ok((tcp, unix.map(UnixListener::from_std).transpose()?))
                        });
                        let (tcp, unix) = match listeners {
                            Ok(l) => l,
                            Err(e) => {
                                let _ = done.send(Err(e));
                                return;
                            }
                        };
                        accept_loop(handler, shared.clone(), Some(tcp), unix, stop_rx).await;
                        // Accepting has stopped: `serve` returns, as it does without reactors.
                        let _ = done.send(Ok(()));
                        // The sessions this thread accepted live on its runtime: it serves
                        // them until they end (ServerHandle::shutdown waits for that).
                        while shared.connections.load(Ordering::SeqCst) > 0 {
                            tokio::time::sleep(Duration::from_millis(10)).await;
                        }
                    });
                })?;
        }
        let mut result = Ok(());
        for f in finished {
            match f.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => result = Err(e),
                Err(_) => result = Err(io::Error::other("a reactor thread panicked")),
            }
        }
        if let Some(p) = unix_path {
            let _ = std::fs::remove_file(p);
        }
        result
    }
}

/// Accepts connections and spawns their sessions on the current runtime until the server is
/// stopped.
async fn accept_loop<H: QueryHandler>(
    handler: Arc<H>,
    shared: Arc<Shared>,
    tcp: Option<TcpListener>,
    unix: Option<UnixListener>,
    mut stop_rx: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = stop_rx.changed() => break,
            accepted = accept_tcp(tcp.as_ref()) => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        tracing::warn!("accept failed: {e}");
                        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                if let Some(k) = shared.config.keepalive() {
                    let _ = socket2::SockRef::from(&stream).set_tcp_keepalive(&k);
                }
                tokio::spawn(connection::serve(handler.clone(), shared.clone(), stream, Some(peer)));
            }
            accepted = accept_unix(unix.as_ref()) => {
                match accepted {
                    Ok(stream) => {
                        tokio::spawn(connection::serve(handler.clone(), shared.clone(), stream, None));
                    }
                    Err(e) => {
                        tracing::warn!("accept failed: {e}");
                        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    }
                }
            }
        }
    }
}

/// `n` listening sockets on `addr`'s port (the first picks it for port 0), with
/// `SO_REUSEPORT` so the kernel spreads connections between them.
async fn bind_reuseport(addr: &str, n: usize) -> io::Result<Vec<std::net::TcpListener>> {
    let mut at = tokio::net::lookup_host(addr)
        .await?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address to listen on"))?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let s = socket2::Socket::new(
            socket2::Domain::for_address(at),
            socket2::Type::STREAM,
            Some(socket2::Protocol::TCP),
        )?;
        s.set_reuse_address(true)?;
        s.set_reuse_port(true)?;
        s.set_nonblocking(true)?;
        s.bind(&at.into())?;
        s.listen(1024)?;
        let l = std::net::TcpListener::from(s);
        at = l.local_addr()?;
        out.push(l);
    }
    Ok(out)
}

/// Aborts a spawned task when dropped (so that dropping [`Server::serve`] stops accepting).
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn accept_tcp(l: Option<&TcpListener>) -> io::Result<(tokio::net::TcpStream, SocketAddr)> {
    match l {
        Some(l) => l.accept().await,
        None => std::future::pending().await,
    }
}

async fn accept_unix(l: Option<&UnixListener>) -> io::Result<tokio::net::UnixStream> {
    match l {
        Some(l) => l.accept().await.map(|(s, _)| s),
        None => std::future::pending().await,
    }
}

/// Watches and steers a running server.
#[derive(Debug, Clone)]
pub struct ServerHandle {
    shared: Arc<Shared>,
    stop: Arc<watch::Sender<bool>>,
}

impl ServerHandle {
    /// Sessions past startup and not yet ended.
    pub fn active_sessions(&self) -> usize {
        self.shared.registry.len()
    }

    /// Pushes a message to session `pid`; false if it is gone.
    pub fn push(&self, pid: i32, push: Push) -> bool {
        self.shared.registry.push(pid, push)
    }

    /// Pushes a message built by `f` (given each session's pid) to every session.
    pub fn broadcast(&self, f: impl Fn(i32) -> Push) {
        self.shared.registry.broadcast(f);
    }

    /// Open client connections (including ones still in startup).
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Stops accepting connections (sessions already open go on).
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }

    /// Shuts down gracefully: stops accepting, ends idle sessions at once with FATAL 57P01
    /// ("terminating connection due to administrator command"), lets running queries finish
    /// for up to `grace`, then terminates those too. Resolves when every session has ended
    /// (or 5 s after the grace period, whichever comes first).
    pub async fn shutdown(&self, grace: Duration) {
        self.stop();
        self.shared.draining.send_replace(true);
        let deadline = tokio::time::Instant::now() + grace;
        while self.shared.connections.load(Ordering::SeqCst) > 0
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.shared.registry.terminate_all();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while self.shared.connections.load(Ordering::SeqCst) > 0
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}
