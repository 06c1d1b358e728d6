//! A real SQLite database behind the PostgreSQL protocol: psql, tokio-postgres, psycopg
//! and friends connect to it as to PostgreSQL.
//!
//! ```no_run
//! use pgwire_examples::sqlite::SqliteHandler;
//!
//! # async fn run() -> std::io::Result<()> {
//! let handler = SqliteHandler::in_memory().map_err(std::io::Error::other)?;
//! let server = pgwire::Server::builder(handler).listen("127.0.0.1:5432").bind().await?;
//! server.serve().await
//! # }
//! ```
//!
//! How it fits together:
//!
//! - every session opens its own connection to one shared database ([`Database`]), so each
//!   has its own transaction; BEGIN/COMMIT/ROLLBACK follow PostgreSQL (a failed
//!   transaction really rolls back, COMMIT of one answers ROLLBACK);
//! - statements are translated from PostgreSQL's dialect (`$1`, `::casts`, `SERIAL`,
//!   `current_user` …, see [`translate`]), and typed for Describe from SQLite's declared
//!   column types and a light inference ([`infer`]);
//! - a statement runs on the runtime thread when it is read-only and quick, and on the
//!   blocking pool otherwise; big results stream in batches ([`stream`]);
//! - SET/SHOW/RESET are answered from the session's parameters ([`settings`]).

pub mod database;
pub mod datetime;
pub mod encode;
pub mod errors;
pub mod exec;
pub mod functions;
pub mod infer;
pub mod lex;
pub mod numeric;
pub mod params;
pub mod plan;
mod raw;
pub mod session;
pub mod settings;
pub mod stream;
pub mod translate;
pub mod types;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures::stream as fstream;
use pgwire::TransactionStatus;
use pgwire::prelude::*;
use pgwire::types::DataRow;
use rusqlite::ffi;

pub use database::Database;
pub use plan::Plan;

use exec::{ExecError, FIRST_BATCH, Limits, NEXT_BATCH};
use plan::{PlanKind, Verb};
use session::{SessionDb, SessionShared};
use settings::Command;

/// Plans cached per session, by SQL text.
const PLAN_CACHE: usize = 256;

/// A [`QueryHandler`] serving a SQLite database.
#[derive(Debug, Clone)]
pub struct SqliteHandler {
    db: Arc<Database>,
}

impl SqliteHandler {
    /// A handler for a fresh in-memory database shared by all sessions.
    pub fn in_memory() -> rusqlite::Result<SqliteHandler> {
        Ok(SqliteHandler {
            db: Arc::new(Database::in_memory()?),
        })
    }

    /// A handler for a database file (created if missing).
    pub fn open(path: impl AsRef<Path>) -> rusqlite::Result<SqliteHandler> {
        Ok(SqliteHandler {
            db: Arc::new(Database::open(path)?),
        })
    }

    /// The database.
    pub fn database(&self) -> &Arc<Database> {
        &self.db
    }
}

/// What the handler keeps in each [`Session`].
struct SqliteSession {
    shared: Arc<SessionShared>,
    plans: HashMap<String, Arc<Plan>>,
    /// Parameter values at session start, for RESET.
    defaults: HashMap<String, String>,
    statement_timeout: Option<Duration>,
}

/// What a statement's first run produced.
enum Started {
    /// All rows (or none); `changes` for INSERT/UPDATE/DELETE.
    Done {
        rows: DataRow,
        changes: u64,
        first_row: Option<Vec<i32>>,
    },
    /// The first batch; the rest waits in cursor `id`.
    More {
        rows: DataRow,
        id: u64,
        first_row: Option<Vec<i32>>,
    },
}

/// PostgreSQL's error for a prepared statement whose result columns changed underneath.
fn result_type_changed() -> PgError {
    PgError::not_supported("cached plan must not change result type")
}

fn pg_of(e: ExecError) -> PgError {
    match e {
        ExecError::Pg(e) => e,
        ExecError::Retry => PgError::new(SqlState::INTERNAL_ERROR, "statement could not be run"),
    }
}

fn join_error(e: tokio::task::JoinError) -> PgError {
    PgError::new(
        SqlState::INTERNAL_ERROR,
        format!("statement runner failed: {e}"),
    )
}

/// Binds and runs the first batch of `plan` (under the session lock).
fn start(
    db: &mut SessionDb,
    plan: &Plan,
    params: &Params,
    formats: &Formats,
    columns: &Arc<[Column]>,
    want_first_row: bool,
    inline: bool,
) -> Result<Started, ExecError> {
    let mut stmt = db.checkout(&plan.sql)?;
    if stmt.column_count() != plan.kinds.len() {
        // A cached statement from before a schema change: prepare it afresh.
        drop(stmt);
        stmt = db.prepare_fresh(&plan.sql)?;
        if stmt.column_count() != plan.kinds.len() {
            db.checkin(plan.sql.clone(), stmt);
            return Err(ExecError::Pg(result_type_changed()));
        }
    }
    if let Err(e) = params::bind(&mut stmt, params) {
        db.checkin(plan.sql.clone(), stmt);
        return Err(e.into());
    }
    let mut cursor = exec::Cursor {
        stmt,
        key: plan.sql.clone(),
        kinds: plan.kinds.clone(),
        enc: DataRowEncoder::new(columns.clone(), formats.clone()),
        first_row: None,
        want_first_row,
    };
    match cursor.batch(if inline { FIRST_BATCH } else { NEXT_BATCH }) {
        Ok((rows, true)) => {
            let changes = db.raw().changes();
            let first_row = cursor.first_row.take();
            db.finish(cursor);
            Ok(Started::Done {
                rows,
                changes,
                first_row,
            })
        }
        Ok((rows, false)) => {
            let first_row = cursor.first_row.take();
            Ok(Started::More {
                rows,
                id: db.park(cursor),
                first_row,
            })
        }
        Err(e) => {
            db.finish(cursor);
            Err(e)
        }
    }
}

/// Column types refined from the first row's storage classes (simple protocol, columns
/// nothing else typed).
fn refine(columns: &Arc<[Column]>, untyped: &[bool], first_row: &[i32]) -> Arc<[Column]> {
    columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if !untyped.get(i).copied().unwrap_or(false) {
                return c.clone();
            }
            let ty = match first_row.get(i).copied() {
                Some(ffi::SQLITE_INTEGER) => Type::INT8,
                Some(ffi::SQLITE_FLOAT) => Type::FLOAT8,
                Some(ffi::SQLITE_BLOB) => Type::BYTEA,
                _ => Type::TEXT,
            };
            Column::new(c.name.clone(), ty)
        })
        .collect::<Vec<_>>()
        .into()
}

fn tag_for(verb: &Verb, changes: u64) -> Tag {
    match verb {
        Verb::Select => Tag::select(changes),
        Verb::Insert => Tag::insert(changes),
        Verb::Update => Tag::update(changes),
        Verb::Delete => Tag::delete(changes),
        Verb::Other(t) => Tag::new(t.clone()),
    }
}

fn warning(code: &'static str, msg: &str) -> PgError {
    PgError::new(SqlState::from_code(code), msg).severity(Severity::Warning)
}

impl SqliteHandler {
    /// The session's state, opening its connection on first use.
    fn state<'s>(&self, session: &'s mut Session) -> PgResult<&'s mut SqliteSession> {
        if session.get::<SqliteSession>().is_none() {
            let info = functions::SessionInfo {
                user: session.user().to_owned(),
                database: session.database().to_owned(),
                pid: session.pid(),
            };
            let conn = self.db.connect(&info).map_err(|e| {
                PgError::fatal(
                    SqlState::from_code("08006"),
                    format!("could not open the database: {e}"),
                )
            })?;
            let defaults = session.parameters().clone();
            session.insert(SqliteSession {
                shared: Arc::new(SessionShared::new(conn)),
                plans: HashMap::new(),
                defaults,
                statement_timeout: None,
            });
        }
        session
            .get_mut::<SqliteSession>()
            .ok_or_else(|| PgError::new(SqlState::INTERNAL_ERROR, "session state missing"))
    }

    async fn plan(&self, session: &mut Session, sql: &str) -> PgResult<Arc<Plan>> {
        let epoch = self.db.epoch();
        let st = self.state(session)?;
        if let Some(p) = st.plans.get(sql) {
            if p.epoch == epoch || !p.needs_db() {
                return Ok(p.clone());
            }
        }
        let toks = lex::tokenize(sql);
        let plan = match plan::classify(sql, &toks)? {
            Some(p) => Arc::new(p),
            None => {
                let shared = st.shared.clone();
                let mut db = shared.db.clone().lock_owned().await;
                db.reap(&shared.closed);
                let cancel = session.cancel_token().clone();
                let limits = Limits::new(&cancel, None);
                let first = {
                    let _scope = limits.enter(true);
                    plan::prepare_sql(&mut db, epoch, sql, &toks)
                };
                let plan = match first {
                    Err(ExecError::Retry) => {
                        tracing::debug!(sql, "preparing on the blocking pool (locked schema)");
                        let sql = sql.to_owned();
                        tokio::task::spawn_blocking(move || {
                            let _scope = limits.enter(false);
                            plan::prepare_sql(&mut db, epoch, &sql, &lex::tokenize(&sql))
                        })
                        .await
                        .map_err(join_error)?
                    }
                    other => other,
                };
                Arc::new(plan.map_err(pg_of)?)
            }
        };
        let st = self.state(session)?;
        if st.plans.len() >= PLAN_CACHE {
            st.plans.clear();
        }
        st.plans.insert(sql.to_owned(), plan.clone());
        Ok(plan)
    }

    /// Runs SQL for SQLite: inline if it may, else (or on a retry) on the blocking pool.
    async fn run_sql(
        &self,
        session: &mut Session,
        plan: &Arc<Plan>,
        params: &Params,
        formats: &Formats,
        simple: bool,
    ) -> PgResult<Response> {
        let st = self.state(session)?;
        let shared = st.shared.clone();
        let timeout = st.statement_timeout;
        let limits = Limits::new(session.cancel_token(), timeout);
        let columns = plan
            .columns
            .clone()
            .unwrap_or_else(|| Arc::from(Vec::new()));
        let want_first_row = simple && plan.untyped.iter().any(|&u| u);
        let mut db = shared.db.clone().lock_owned().await;
        db.reap(&shared.closed);
        let first = if plan.inline {
            let _scope = limits.enter(true);
            start(
                &mut db,
                plan,
                params,
                formats,
                &columns,
                want_first_row,
                true,
            )
        } else {
            Err(ExecError::Retry)
        };
        let started = match first {
            Err(ExecError::Retry) => {
                if plan.inline {
                    tracing::debug!(sql = %plan.sql, "moving statement to the blocking pool");
                }
                let (plan2, params2, formats2, columns2, limits2) = (
                    plan.clone(),
                    params.clone(),
                    formats.clone(),
                    columns.clone(),
                    limits.clone(),
                );
                tokio::task::spawn_blocking(move || {
                    let _scope = limits2.enter(false);
                    start(
                        &mut db,
                        &plan2,
                        &params2,
                        &formats2,
                        &columns2,
                        want_first_row,
                        false,
                    )
                })
                .await
                .map_err(join_error)?
            }
            other => {
                drop(db);
                other
            }
        }
        .map_err(pg_of)?;
        if plan.ddl {
            self.db.schema_changed();
        }
        let refine_cols = |first_row: &Option<Vec<i32>>| match first_row {
            Some(f) if want_first_row => refine(&columns, &plan.untyped, f),
            _ => columns.clone(),
        };
        Ok(match started {
            Started::Done {
                rows,
                changes,
                first_row,
            } => {
                if plan.columns.is_none() {
                    Response::Command(tag_for(&plan.verb, changes))
                } else {
                    Response::Rows(
                        RowStream::new(refine_cols(&first_row), fstream::iter([Ok(rows)]))
                            .with_tag(tag_for(&plan.verb, 0)),
                    )
                }
            }
            Started::More {
                rows,
                id,
                first_row,
            } => Response::Rows(
                RowStream::new(
                    refine_cols(&first_row),
                    stream::BatchStream::new(shared, id, limits, rows),
                )
                .with_tag(tag_for(&plan.verb, 0)),
            ),
        })
    }

    /// Runs one of the fixed transaction-control statements.
    async fn run_fixed(&self, session: &mut Session, sql: &str) -> PgResult<()> {
        let plan = Arc::new(Plan {
            kind: PlanKind::Sql,
            sql: Arc::from(sql),
            verb: Verb::Other(String::new()),
            columns: None,
            kinds: Arc::from(Vec::new()),
            untyped: Arc::from(Vec::new()),
            params: Vec::new(),
            inline: self.db.is_memory(),
            ddl: false,
            epoch: 0,
        });
        self.run_sql(session, &plan, &Params::default(), &Formats::AllText, false)
            .await
            .map(drop)
    }

    async fn sqlite_autocommit(&self, session: &mut Session) -> PgResult<bool> {
        let shared = self.state(session)?.shared.clone();
        let db = shared.db.lock().await;
        Ok(db.autocommit())
    }

    async fn run(
        &self,
        session: &mut Session,
        plan: &Arc<Plan>,
        params: &Params,
        formats: &Formats,
        simple: bool,
    ) -> PgResult<Response> {
        let status = session.transaction_status();
        match &plan.kind {
            PlanKind::Empty => Ok(Response::Empty),
            PlanKind::Sql => self.run_sql(session, plan, params, formats, simple).await,
            PlanKind::Setting(cmd) => self.setting(session, cmd, plan),
            PlanKind::Begin => {
                if status != TransactionStatus::Idle {
                    session.notice(warning(
                        "25001",
                        "there is already a transaction in progress",
                    ));
                } else {
                    self.run_fixed(session, "BEGIN").await?;
                }
                Ok(Response::Command(Tag::new("BEGIN")))
            }
            PlanKind::Commit | PlanKind::Rollback => {
                let commit = plan.kind == PlanKind::Commit;
                let tag = Tag::new(if commit { "COMMIT" } else { "ROLLBACK" });
                if status == TransactionStatus::Idle {
                    session.notice(warning("25P01", "there is no transaction in progress"));
                    return Ok(Response::Command(tag));
                }
                if self.sqlite_autocommit(session).await? {
                    // SQLite already ended it (e.g. rolled back after an interrupted write).
                    return Ok(Response::Command(tag));
                }
                if commit && status == TransactionStatus::InTransaction {
                    if let Err(e) = self.run_fixed(session, "COMMIT").await {
                        // PostgreSQL ends a transaction whose COMMIT failed.
                        if !self.sqlite_autocommit(session).await.unwrap_or(true) {
                            let _ = self.run_fixed(session, "ROLLBACK").await;
                        }
                        session.set_transaction_status(TransactionStatus::Idle);
                        return Err(e);
                    }
                } else {
                    self.run_fixed(session, "ROLLBACK").await?;
                }
                Ok(Response::Command(tag))
            }
            PlanKind::InTransaction(msg) => {
                if status == TransactionStatus::Idle {
                    return Err(PgError::new(SqlState::NO_ACTIVE_SQL_TRANSACTION, *msg));
                }
                self.run_sql(session, plan, params, formats, simple).await
            }
        }
    }

    fn setting(&self, session: &mut Session, cmd: &Command, plan: &Plan) -> PgResult<Response> {
        let lookup = |session: &Session, name: &str| -> Option<String> {
            session
                .parameter(name)
                .map(str::to_owned)
                .or_else(|| settings::find(name).map(|g| g.default.to_owned()))
        };
        match cmd {
            Command::Ignored(tag) => Ok(Response::Command(Tag::new(*tag))),
            Command::Set { name, value } => {
                let value = match value {
                    Some(v) => v.clone(),
                    None => self.default_of(session, name),
                };
                self.apply(session, name, value)?;
                Ok(Response::Command(Tag::new("SET")))
            }
            Command::Reset(name) => {
                let names: Vec<String> = match name {
                    Some(n) => vec![n.clone()],
                    None => session
                        .parameters()
                        .keys()
                        .filter(|k| {
                            settings::find(k).is_none_or(|g| {
                                !matches!(
                                    g.name,
                                    "server_version"
                                        | "server_encoding"
                                        | "integer_datetimes"
                                        | "is_superuser"
                                        | "in_hot_standby"
                                        | "session_authorization"
                                )
                            })
                        })
                        .cloned()
                        .collect(),
                };
                for n in names {
                    let v = self.default_of(session, &n);
                    self.apply(session, &n, v)?;
                }
                Ok(Response::Command(Tag::new("RESET")))
            }
            Command::Show(name) => {
                let value = lookup(session, name).ok_or_else(|| {
                    PgError::new(
                        SqlState::UNDEFINED_OBJECT,
                        format!("unrecognized configuration parameter \"{name}\""),
                    )
                })?;
                let columns = plan
                    .columns
                    .clone()
                    .unwrap_or_else(|| Arc::from(Vec::new()));
                let mut enc = DataRowEncoder::new(columns.clone(), Formats::AllText);
                enc.encode_field(value.as_str())?;
                let rows = enc.finish()?;
                Ok(Response::Rows(
                    RowStream::new(columns, fstream::iter([Ok(rows)])).with_tag(Tag::new("SHOW")),
                ))
            }
            Command::ShowAll => {
                let columns = plan
                    .columns
                    .clone()
                    .unwrap_or_else(|| Arc::from(Vec::new()));
                let mut enc = DataRowEncoder::new(columns.clone(), Formats::AllText);
                let mut names: Vec<String> =
                    settings::GUCS.iter().map(|g| g.name.to_owned()).collect();
                for k in session.parameters().keys() {
                    if settings::find(k).is_none() {
                        names.push(k.clone());
                    }
                }
                names.sort_by_key(|n| n.to_ascii_lowercase());
                for n in names {
                    enc.encode_field(n.as_str())?;
                    enc.encode_field(lookup(session, &n).unwrap_or_default().as_str())?;
                    enc.encode_field(settings::find(&n).map_or("", |g| g.description))?;
                    enc.end_row()?;
                }
                Ok(Response::Rows(
                    RowStream::new(columns, fstream::iter([Ok(enc.take_rows())]))
                        .with_tag(Tag::new("SHOW")),
                ))
            }
        }
    }

    fn default_of(&self, session: &mut Session, name: &str) -> String {
        let started = session.get::<SqliteSession>().and_then(|s| {
            s.defaults
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        });
        started
            .or_else(|| settings::find(name).map(|g| g.default.to_owned()))
            .unwrap_or_default()
    }

    fn apply(&self, session: &mut Session, name: &str, value: String) -> PgResult<()> {
        if name == "statement_timeout" {
            let ms = settings::parse_duration_ms(&value).unwrap_or(0);
            self.state(session)?.statement_timeout = (ms > 0).then(|| Duration::from_millis(ms));
        }
        session.set_parameter(name, value);
        Ok(())
    }
}

impl QueryHandler for SqliteHandler {
    type Statement = Arc<Plan>;

    async fn prepare(
        &self,
        session: &mut Session,
        sql: &str,
        _param_types: &[Option<Type>],
    ) -> PgResult<Prepared<Arc<Plan>>> {
        let plan = self.plan(session, sql).await?;
        Ok(Prepared::new(
            plan.clone(),
            plan.params.clone(),
            plan.columns.clone(),
        ))
    }

    async fn execute(
        &self,
        session: &mut Session,
        portal: &Portal<Arc<Plan>>,
    ) -> PgResult<Response> {
        let plan = portal.statement().clone();
        self.run(
            session,
            &plan,
            &portal.params,
            &portal.result_formats,
            false,
        )
        .await
    }

    async fn simple_query(&self, session: &mut Session, sql: &str) -> PgResult<Response> {
        let plan = self.plan(session, sql).await?;
        self.run(session, &plan, &Params::default(), &Formats::AllText, true)
            .await
    }
}
