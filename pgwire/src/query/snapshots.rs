//! Transaction blocks for an engine that has none (an in-memory store, GlueSQL's
//! `MemoryStorage`): [`Snapshots`] gives each transaction block a private copy of the data,
//! taken at BEGIN and published at COMMIT unless another session committed a change since
//! (then COMMIT fails with 40001, as a serializable transaction would in PostgreSQL).
//! Outside a block each statement works on the shared data and commits on its own.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::{Response, Tag, TxVerb};
use crate::codec::TransactionStatus;
use crate::error::{PgError, PgResult, SqlState};
use crate::session::Session;

static NEXT_VERSION: AtomicU64 = AtomicU64::new(1);

/// Identifies one state of the data: a write [bumps](Version::bump) it to a value never used
/// before, so equal versions mean unchanged data (results computed earlier are still valid).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Version(u64);

impl Version {
    /// Marks the data as changed.
    pub fn bump(&mut self) {
        self.0 = NEXT_VERSION.fetch_add(1, Ordering::Relaxed);
    }
}

/// A session's transaction block: its copy of the data, and the shared version it was
/// taken from.
struct Block<T> {
    data: T,
    version: Version,
    base: Version,
}

/// Data shared by every session, with snapshot transaction blocks: BEGIN takes a private
/// copy, COMMIT publishes it unless another session committed a change since (then 40001, as
/// a serializable transaction would fail in PostgreSQL). Each session keeps its block in its
/// [`Session`] storage, under a key private to `T`: one `Snapshots<T>` per `T` in a server.
///
/// ```
/// use pgwire::prelude::*;
/// use pgwire::query::{Snapshots, TxVerb};
///
/// struct Counter(Snapshots<i64>);
///
/// impl Counter {
///     async fn run(&self, session: &mut Session, sql: &str) -> PgResult<Response> {
///         match TxVerb::of(sql) {
///             TxVerb::Other => self.0.with(session, |n, version| {
///                 *n += 1;
///                 version.bump();
///                 Ok(Response::Command(Tag::new("UPDATE")))
///             }),
///             verb => self.0.transaction(session, verb),
///         }
///     }
/// }
/// ```
#[derive(Debug)]
pub struct Snapshots<T> {
    shared: Mutex<(T, Version)>,
}

impl<T: Clone + Send + Sync + 'static> Snapshots<T> {
    /// Shared `data`, at a first version.
    pub fn new(data: T) -> Self {
        let mut version = Version(0);
        version.bump();
        Snapshots {
            shared: Mutex::new((data, version)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, (T, Version)> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the session's copy in a transaction block, else on the shared data (under
    /// its lock). `f` must [bump](Version::bump) the version when it changes the data.
    pub fn with<R>(&self, session: &mut Session, f: impl FnOnce(&mut T, &mut Version) -> R) -> R {
        match session.get_mut::<Option<Block<T>>>() {
            Some(Some(block)) => f(&mut block.data, &mut block.version),
            _ => {
                let mut shared = self.lock();
                let (data, version) = &mut *shared;
                f(data, version)
            }
        }
    }

    /// Answers a transaction statement as PostgreSQL does: `BEGIN` takes the copy,
    /// `COMMIT` publishes it (40001 if another session committed a change since BEGIN; the
    /// runtime answers `ROLLBACK` for a failed block), `ROLLBACK` drops it. (The runtime
    /// warns of a BEGIN inside a block, 25001, and a COMMIT/ROLLBACK outside one, 25P01.) Savepoints
    /// and prepared transactions are not supported (0A000); `verb` must not be `Other`.
    pub fn transaction(&self, session: &mut Session, verb: TxVerb) -> PgResult<Response> {
        let open = session.get_mut::<Option<Block<T>>>().and_then(Option::take);
        let tag = match (verb, open) {
            (TxVerb::RollbackTo | TxVerb::Prepared, block) => {
                session.insert(block);
                return Err(PgError::not_supported(
                    "savepoints and prepared transactions are not supported",
                ));
            }
            (TxVerb::Other, block) => {
                session.insert(block);
                return Err(PgError::new(
                    SqlState::INTERNAL_ERROR,
                    "not a transaction statement",
                ));
            }
            (TxVerb::Begin, None) => {
                let (data, version) = self.lock().clone();
                session.insert(Some(Block {
                    data,
                    version,
                    base: version,
                }));
                "BEGIN"
            }
            // The runtime sends the warnings (25001, 25P01) for these two.
            (TxVerb::Begin, block) => {
                session.insert(block);
                "BEGIN"
            }
            (verb, None) => {
                if verb == TxVerb::Commit {
                    "COMMIT"
                } else {
                    "ROLLBACK"
                }
            }
            (TxVerb::Commit, Some(block))
                if block.version != block.base
                    && session.transaction_status() == TransactionStatus::InTransaction =>
            {
                let mut shared = self.lock();
                if shared.1 != block.base {
                    session.set_transaction_status(TransactionStatus::Idle);
                    return Err(PgError::new(
                        SqlState::SERIALIZATION_FAILURE,
                        "could not serialize access due to concurrent update",
                    ));
                }
                *shared = (block.data, block.version);
                "COMMIT"
            }
            (TxVerb::Commit, Some(_)) => "COMMIT",
            (_, Some(_)) => "ROLLBACK",
        };
        Ok(Response::Command(Tag::new(tag)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Session {
        let (notices, _) = tokio::sync::mpsc::unbounded_channel();
        let version = crate::codec::ProtocolVersion { major: 3, minor: 0 };
        let notices = crate::session::NoticeSender(notices);
        let cancel = crate::cancel::CancelToken::default();
        Session::new("u".into(), "d".into(), 1, version, None, notices, cancel)
    }

    fn add(db: &Snapshots<Vec<i32>>, s: &mut Session, v: i32) {
        db.with(s, |data, version| {
            data.push(v);
            version.bump();
        });
    }

    fn seen(db: &Snapshots<Vec<i32>>, s: &mut Session) -> Vec<i32> {
        db.with(s, |data, _| data.clone())
    }

    fn run(db: &Snapshots<Vec<i32>>, s: &mut Session, verb: TxVerb) -> PgResult<String> {
        let r = db.transaction(s, verb);
        // What the runtime does with the tag.
        match (&r, verb) {
            (Ok(_), TxVerb::Begin) => s.status = TransactionStatus::InTransaction,
            (Ok(_), _) => s.status = TransactionStatus::Idle,
            _ => {}
        }
        r.map(|r| match r {
            Response::Command(t) => t.to_string(),
            _ => String::new(),
        })
    }

    #[test]
    fn blocks_are_private_until_commit() {
        let db = Snapshots::new(vec![]);
        let (mut a, mut b) = (session(), session());
        assert_eq!(run(&db, &mut a, TxVerb::Begin).unwrap(), "BEGIN");
        add(&db, &mut a, 1);
        assert_eq!(seen(&db, &mut a), [1]);
        assert!(seen(&db, &mut b).is_empty());
        assert_eq!(run(&db, &mut a, TxVerb::Rollback).unwrap(), "ROLLBACK");
        assert!(seen(&db, &mut a).is_empty());
        run(&db, &mut a, TxVerb::Begin).unwrap();
        add(&db, &mut a, 2);
        assert_eq!(run(&db, &mut a, TxVerb::Commit).unwrap(), "COMMIT");
        assert_eq!(seen(&db, &mut b), [2]);
    }

    #[test]
    fn the_second_committer_of_a_snapshot_fails() {
        let db = Snapshots::new(vec![]);
        let (mut a, mut b) = (session(), session());
        run(&db, &mut a, TxVerb::Begin).unwrap();
        run(&db, &mut b, TxVerb::Begin).unwrap();
        add(&db, &mut a, 1);
        add(&db, &mut b, 2);
        run(&db, &mut b, TxVerb::Commit).unwrap();
        let e = run(&db, &mut a, TxVerb::Commit).unwrap_err();
        assert_eq!(e.code, SqlState::SERIALIZATION_FAILURE);
        assert_eq!(a.transaction_status(), TransactionStatus::Idle);
        assert_eq!(seen(&db, &mut a), [2]);
        // A block that only read commits whatever others did.
        run(&db, &mut a, TxVerb::Begin).unwrap();
        add(&db, &mut b, 3);
        assert_eq!(run(&db, &mut a, TxVerb::Commit).unwrap(), "COMMIT");
        assert_eq!(seen(&db, &mut a), [2, 3]);
    }

    #[test]
    fn misplaced_statements_warn_or_fail() {
        let db = Snapshots::new(vec![]);
        let mut s = session();
        assert_eq!(run(&db, &mut s, TxVerb::Commit).unwrap(), "COMMIT");
        run(&db, &mut s, TxVerb::Begin).unwrap();
        assert_eq!(run(&db, &mut s, TxVerb::Begin).unwrap(), "BEGIN");
        let e = run(&db, &mut s, TxVerb::RollbackTo).unwrap_err();
        assert_eq!(e.code, SqlState::FEATURE_NOT_SUPPORTED);
        assert_eq!(run(&db, &mut s, TxVerb::Rollback).unwrap(), "ROLLBACK");
        assert_eq!(run(&db, &mut s, TxVerb::Rollback).unwrap(), "ROLLBACK");
    }
}
