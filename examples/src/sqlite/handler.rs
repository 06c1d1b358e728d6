//! The [`QueryHandler`]: per-session state, planning with a cache, transaction control
//! with PostgreSQL's semantics, and SET/SHOW/RESET.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures::stream as fstream;
use pgwire::TransactionStatus;
use pgwire::prelude::*;

use super::database::Database;
use super::exec::{ExecError, Limits};
use super::functions;
use super::lex;
use super::plan::{self, Plan, PlanKind};
use super::run::{join_error, pg_of};
use super::session::SessionShared;
use super::settings::{self, Command};

/// Plans cached per session, by SQL text.
const PLAN_CACHE: usize = 256;

/// A [`QueryHandler`] serving a SQLite database.
#[derive(Debug, Clone)]
pub struct SqliteHandler {
    pub(super) db: Arc<Database>,
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
pub(super) struct SqliteSession {
    pub(super) shared: Arc<SessionShared>,
    plans: HashMap<String, Arc<Plan>>,
    /// Parameter values at session start, for RESET.
    defaults: HashMap<String, String>,
    pub(super) statement_timeout: Option<Duration>,
    /// A transaction this handler opened for an implicit transaction (several statements
    /// before a Sync, or in one Query); ended in `end_implicit_transaction`.
    implicit: bool,
}

impl SqliteHandler {
    /// The session's state, opening its connection on first use.
    pub(super) fn state<'s>(&self, session: &'s mut Session) -> PgResult<&'s mut SqliteSession> {
        if session.get::<SqliteSession>().is_none() {
            let info = functions::SessionInfo {
                user: session.user().to_owned(),
                database: session.database().to_owned(),
                pid: session.pid(),
                notifier: session.notifier(),
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
                implicit: false,
            });
        }
        session
            .get_mut::<SqliteSession>()
            .ok_or_else(|| PgError::new(SqlState::INTERNAL_ERROR, "session state missing"))
    }

    pub(super) async fn plan(&self, session: &mut Session, sql: &str) -> PgResult<Arc<Plan>> {
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

    /// PostgreSQL runs the statements up to a Sync (or of one Query) as one transaction:
    /// opens one when more are known to follow. Not for DDL: in shared-cache mode a schema
    /// change holds the schema lock, and keeping it for the rest of a long script stalls
    /// every other session.
    async fn open_implicit(&self, session: &mut Session, plan: &Plan) -> PgResult<()> {
        if session.transaction_status() == TransactionStatus::Idle
            && !plan.ddl
            && session.implicit_transaction_continues()
            && !self.state(session)?.implicit
        {
            self.run_fixed(session, "BEGIN").await?;
            self.state(session)?.implicit = true;
        }
        Ok(())
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
            PlanKind::Sql => {
                self.open_implicit(session, plan).await?;
                self.run_sql(session, plan, params, formats, simple).await
            }
            PlanKind::Copy(copy) => {
                self.open_implicit(session, plan).await?;
                self.copy(session, copy).await
            }
            PlanKind::Setting(cmd) => self.setting(session, cmd, plan),
            PlanKind::Notify => pgwire::notify::statement(session, &plan.sql)
                .unwrap_or_else(|| Err(PgError::new(SqlState::SYNTAX_ERROR, "syntax error"))),
            PlanKind::Begin => {
                if std::mem::take(&mut self.state(session)?.implicit) {
                    // BEGIN inside an implicit transaction makes it a transaction block.
                    return Ok(Response::Command(Tag::new("BEGIN")));
                }
                // Inside a block the runtime warns (25001), as it does (25P01) for a
                // COMMIT or ROLLBACK outside one.
                if status == TransactionStatus::Idle {
                    self.run_fixed(session, "BEGIN").await?;
                }
                Ok(Response::Command(Tag::new("BEGIN")))
            }
            PlanKind::Commit | PlanKind::Rollback => {
                let commit = plan.kind == PlanKind::Commit;
                let tag = Tag::new(if commit { "COMMIT" } else { "ROLLBACK" });
                if status == TransactionStatus::Idle {
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

    async fn end_implicit_transaction(&self, session: &mut Session, failed: bool) -> PgResult<()> {
        if session.get::<SqliteSession>().is_none_or(|s| !s.implicit) {
            return Ok(());
        }
        self.state(session)?.implicit = false;
        if self.sqlite_autocommit(session).await? {
            return Ok(()); // SQLite already ended it (an interrupted write rolls back).
        }
        if failed {
            self.run_fixed(session, "ROLLBACK").await
        } else if let Err(e) = self.run_fixed(session, "COMMIT").await {
            if !self.sqlite_autocommit(session).await.unwrap_or(true) {
                let _ = self.run_fixed(session, "ROLLBACK").await;
            }
            Err(e)
        } else {
            Ok(())
        }
    }
}
