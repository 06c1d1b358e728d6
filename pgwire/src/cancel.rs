//! Cancellation: secret keys, the registry of running sessions, and the token a running
//! query watches.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use rand::RngCore;
use tokio::sync::{Notify, mpsc};

use crate::codec::CancelRequest;
use crate::error::{PgError, SqlState};
use crate::server::Push;

/// A cancellation signal for the query a session is running.
///
/// Cancelling bumps a generation counter, so a cancel that arrives between queries does
/// not leak into the next one: a query takes a [`CancelToken::generation`] snapshot when it
/// starts and only reacts to later cancels.
#[derive(Debug, Clone, Default)]
pub struct CancelToken {
    inner: Arc<TokenInner>,
}

#[derive(Debug, Default)]
struct TokenInner {
    generation: AtomicU64,
    terminating: AtomicBool,
    notify: Notify,
}

impl CancelToken {
    /// Signals cancellation to whatever runs now.
    pub fn cancel(&self) {
        self.inner.generation.fetch_add(1, Ordering::SeqCst);
        self.inner.notify.notify_waiters();
    }

    /// Ends the session: the running query (if any) stops and the client gets FATAL 57P01,
    /// as PostgreSQL's fast shutdown and `pg_terminate_backend` do.
    pub fn terminate(&self) {
        self.inner.terminating.store(true, Ordering::SeqCst);
        self.cancel();
    }

    /// Whether the session is being terminated (not just its query cancelled).
    pub fn is_terminating(&self) -> bool {
        self.inner.terminating.load(Ordering::SeqCst)
    }

    /// The error a cancelled query reports: 57014 for a cancel, FATAL 57P01 when the session
    /// is being terminated.
    pub fn error(&self) -> PgError {
        if self.is_terminating() {
            PgError::fatal(
                SqlState::ADMIN_SHUTDOWN,
                "terminating connection due to administrator command",
            )
        } else {
            PgError::query_canceled()
        }
    }

    /// The current generation; compare with [`is_cancelled_since`](Self::is_cancelled_since).
    pub fn generation(&self) -> u64 {
        self.inner.generation.load(Ordering::SeqCst)
    }

    /// Whether a cancel arrived after `generation` was read.
    pub fn is_cancelled_since(&self, generation: u64) -> bool {
        self.generation() != generation
    }

    /// Resolves when a cancel arrives after `generation` was read.
    pub async fn cancelled_since(&self, generation: u64) {
        loop {
            let notified = self.inner.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.is_cancelled_since(generation) {
                return;
            }
            notified.await;
        }
    }
}

/// What the server keeps about each live session.
#[derive(Debug)]
pub(crate) struct SessionEntry {
    pub key: Bytes,
    pub cancel: CancelToken,
    pub mailbox: mpsc::UnboundedSender<Push>,
}

/// Live sessions by process id.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    sessions: Mutex<HashMap<i32, SessionEntry>>,
}

impl Registry {
    /// Registers a new session under a fresh random pid and key of `key_len` bytes.
    ///
    /// With an `instance` id the pid carries it in bits 16–30 (so a CancelRequest that reaches
    /// the wrong instance can be forwarded) and 16 random bits below; `None` when no free pid
    /// was found.
    pub fn register(
        &self,
        key_len: usize,
        instance: Option<u16>,
        cancel: CancelToken,
        mailbox: mpsc::UnboundedSender<Push>,
    ) -> Option<(i32, Bytes)> {
        let mut rng = rand::rng();
        let mut key = vec![0u8; key_len];
        rng.fill_bytes(&mut key);
        let key = Bytes::from(key);
        let mut map = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        for _ in 0..10_000 {
            let r = rng.next_u32();
            let pid = match instance {
                Some(i) => ((i32::from(i) & 0x7fff) << 16) | (r & 0xffff) as i32,
                None => (r & 0x7fff_ffff) as i32,
            };
            if pid == 0 || map.contains_key(&pid) {
                continue;
            }
            map.insert(
                pid,
                SessionEntry {
                    key: key.clone(),
                    cancel,
                    mailbox,
                },
            );
            return Some((pid, key));
        }
        None
    }

    /// Forgets a session.
    pub fn remove(&self, pid: i32) {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&pid);
    }

    /// Number of live sessions.
    pub fn len(&self) -> usize {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    /// Cancels the session named by `req` if its key matches (compared in constant time).
    /// Returns whether it did; a mismatch does nothing and reveals nothing.
    pub fn cancel(&self, req: &CancelRequest) -> bool {
        let map = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(&req.pid) {
            Some(entry) if constant_time_eq(&entry.key, &req.key) => {
                entry.cancel.cancel();
                true
            }
            _ => false,
        }
    }

    /// Sends `push` to session `pid`; false if it is gone.
    pub fn push(&self, pid: i32, push: Push) -> bool {
        let map = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        map.get(&pid)
            .is_some_and(|entry| entry.mailbox.send(push).is_ok())
    }

    /// Terminates every session (see [`CancelToken::terminate`]).
    pub fn terminate_all(&self) {
        let map = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        for entry in map.values() {
            entry.cancel.terminate();
        }
    }

    /// Sends a push built by `f` to every session.
    pub fn broadcast(&self, f: impl Fn(i32) -> Push) {
        let map = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        for (pid, entry) in map.iter() {
            let _ = entry.mailbox.send(f(*pid));
        }
    }
}

/// Compares two byte strings without an early exit on the first difference.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The instance a pid was issued by, when pids carry instance ids (`Config::instance_id`).
pub fn instance_of(pid: i32) -> u16 {
    ((pid >> 16) & 0x7fff) as u16
}

/// Sends a CancelRequest meant for another instance of the same service to that instance.
///
/// Users who run several pgwire servers behind one TCP load balancer give each an instance
/// id ([`Config::instance_id`](crate::Config::instance_id)); a CancelRequest can land on any
/// of them, and the one that receives a request for another instance hands it to this.
pub trait CancelForwarder: Send + Sync + std::fmt::Debug {
    /// Forwards `request` to `instance`. Errors are the forwarder's to log: a cancel gets no
    /// answer either way.
    fn forward(
        &self,
        instance: u16,
        request: CancelRequest,
    ) -> futures::future::BoxFuture<'static, ()>;
}

/// Forwards CancelRequests over TCP to the peer instance's address, as a client would send
/// them (plain TCP, no TLS).
#[derive(Debug, Clone, Default)]
pub struct TcpCancelForwarder {
    peers: HashMap<u16, std::net::SocketAddr>,
}

impl TcpCancelForwarder {
    /// A forwarder that knows each instance's address.
    pub fn new(peers: impl IntoIterator<Item = (u16, std::net::SocketAddr)>) -> Self {
        TcpCancelForwarder {
            peers: peers.into_iter().collect(),
        }
    }
}

impl CancelForwarder for TcpCancelForwarder {
    fn forward(
        &self,
        instance: u16,
        request: CancelRequest,
    ) -> futures::future::BoxFuture<'static, ()> {
        let addr = self.peers.get(&instance).copied();
        Box::pin(async move {
            let Some(addr) = addr else {
                tracing::debug!(instance, "cancel for an unknown instance dropped");
                return;
            };
            let mut packet = bytes::BytesMut::new();
            crate::codec::StartupPacket::Cancel(request).encode(&mut packet);
            let sent = tokio::time::timeout(std::time::Duration::from_secs(5), async {
                use tokio::io::AsyncWriteExt;
                let mut s = tokio::net::TcpStream::connect(addr).await?;
                s.write_all(&packet).await?;
                s.shutdown().await
            })
            .await;
            if !matches!(sent, Ok(Ok(()))) {
                tracing::warn!(instance, %addr, "forwarding a cancel request failed");
            }
        })
    }
}
