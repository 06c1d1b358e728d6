//! LISTEN / NOTIFY: a hub of channels and listening sessions, with PostgreSQL's delivery
//! rules — notifications are sent when the notifying transaction commits (never for a
//! rolled-back one), duplicates within a transaction are folded, and a listener receives
//! them when it is idle (outside a transaction block and between queries).
//!
//! Handlers call [`Session::listen`](crate::Session::listen),
//! [`unlisten`](crate::Session::unlisten) and [`notify`](crate::Session::notify), or let
//! [`statement`] answer `LISTEN`, `UNLISTEN` and `NOTIFY` for them. An engine that offers
//! `pg_notify()` inside SQL queues through a [`Notifier`] handle.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};

use crate::cancel::Registry;
use crate::error::{PgError, PgResult, SqlState};
use crate::query::{Response, Tag};
use crate::server::Push;
use crate::session::Session;

/// Channel name → listening sessions.
#[derive(Debug, Default)]
pub(crate) struct Hub {
    channels: RwLock<HashMap<String, HashSet<i32>>>,
}

impl Hub {
    pub fn listen(&self, pid: i32, channel: &str) {
        let mut c = self.channels.write().unwrap_or_else(|e| e.into_inner());
        c.entry(channel.to_owned()).or_default().insert(pid);
    }

    pub fn unlisten(&self, pid: i32, channel: Option<&str>) {
        let mut c = self.channels.write().unwrap_or_else(|e| e.into_inner());
        match channel {
            Some(ch) => {
                if let Some(set) = c.get_mut(ch) {
                    set.remove(&pid);
                    if set.is_empty() {
                        c.remove(ch);
                    }
                }
            }
            None => c.retain(|_, set| {
                set.remove(&pid);
                !set.is_empty()
            }),
        }
    }

    /// Sends each notification to every session listening on its channel.
    pub fn deliver(&self, registry: &Registry, from: i32, notes: Vec<(String, String)>) {
        let c = self.channels.read().unwrap_or_else(|e| e.into_inner());
        for (channel, payload) in notes {
            if let Some(pids) = c.get(&channel) {
                for &pid in pids {
                    registry.push(
                        pid,
                        Push::Notification {
                            pid: from,
                            channel: channel.clone(),
                            payload: payload.clone(),
                        },
                    );
                }
            }
        }
    }
}

/// A cloneable handle that queues notifications into a session's transaction (for
/// `pg_notify()` called from inside an engine, on another thread).
#[derive(Debug, Clone, Default)]
pub struct Notifier {
    pending: Arc<Mutex<Vec<(String, String)>>>,
}

impl Notifier {
    /// Queues a notification; it is sent when the session's transaction commits.
    /// Identical (channel, payload) pairs within one transaction are sent once.
    pub fn notify(&self, channel: &str, payload: &str) -> PgResult<()> {
        if channel.is_empty() {
            return Err(PgError::new(
                SqlState::INVALID_PARAMETER_VALUE,
                "channel name cannot be empty",
            ));
        }
        if channel.len() >= 64 {
            return Err(PgError::new(
                SqlState::INVALID_PARAMETER_VALUE,
                "channel name too long",
            ));
        }
        if payload.len() >= 8000 {
            return Err(PgError::new(
                SqlState::INVALID_PARAMETER_VALUE,
                "payload string too long",
            ));
        }
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if !p.iter().any(|(c, v)| c == channel && v == payload) {
            p.push((channel.to_owned(), payload.to_owned()));
        }
        Ok(())
    }

    /// How many notifications are queued (a savepoint's mark).
    pub(crate) fn len(&self) -> usize {
        self.pending.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Drops the notifications queued after the first `n` (ROLLBACK TO a savepoint).
    pub(crate) fn truncate(&self, n: usize) {
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .truncate(n);
    }

    pub(crate) fn take(&self) -> Vec<(String, String)> {
        std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Answers `LISTEN ch`, `UNLISTEN ch|*` and `NOTIFY ch [, 'payload']` like PostgreSQL;
/// `None` for any other statement. Handlers call it first and go on when it says `None`.
///
/// ```
/// # use pgwire::prelude::*;
/// # async fn f(session: &mut Session, sql: &str) -> PgResult<Response> {
/// if let Some(answer) = pgwire::notify::statement(session, sql) {
///     return answer;
/// }
/// // … the engine's own statements
/// # Ok(Response::Empty)
/// # }
/// ```
pub fn statement(session: &mut Session, sql: &str) -> Option<PgResult<Response>> {
    let tokens = crate::sql::lexer::tokenize(sql).ok()?;
    use crate::sql::lexer::TokenKind as K;
    let mut it = tokens
        .iter()
        .map(|t| &t.kind)
        .filter(|k| !matches!(k, K::Semicolon));
    let verb = match it.next()? {
        K::Ident(v) => v.as_str(),
        _ => return None,
    };
    let name = |k: Option<&K>| match k {
        Some(K::Ident(s)) | Some(K::QuotedIdent(s)) => Some(s.clone()),
        _ => None,
    };
    let syntax = || {
        Some(Err(PgError::new(
            SqlState::SYNTAX_ERROR,
            format!("syntax error in {} statement", verb.to_ascii_uppercase()),
        )))
    };
    match verb {
        "listen" => {
            let Some(ch) = name(it.next()) else {
                return syntax();
            };
            session.listen(&ch);
            Some(Ok(Response::Command(Tag::new("LISTEN"))))
        }
        "unlisten" => {
            match it.next() {
                Some(K::Operator(op)) if op == "*" => session.unlisten(None),
                other => match name(other) {
                    Some(ch) => session.unlisten(Some(&ch)),
                    None => return syntax(),
                },
            }
            Some(Ok(Response::Command(Tag::new("UNLISTEN"))))
        }
        "notify" => {
            let Some(ch) = name(it.next()) else {
                return syntax();
            };
            let payload = match (it.next(), it.next()) {
                (None, _) => String::new(),
                (Some(K::Comma), Some(K::Str(p))) => p.clone(),
                _ => return syntax(),
            };
            Some(
                session
                    .notify(&ch, &payload)
                    .map(|()| Response::Command(Tag::new("NOTIFY"))),
            )
        }
        _ => None,
    }
}
