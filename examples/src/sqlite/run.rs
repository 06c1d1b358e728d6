//! Running SQL on SQLite: bind, run the first batch inline when the statement may (else,
//! or on a retry, on the blocking pool), and answer with a command tag, the rows, or a
//! stream for the rest.

use std::sync::Arc;

use futures::stream as fstream;
use pgwire::prelude::*;
use pgwire::types::DataRow;
use rusqlite::ffi;

use super::exec::{self, ExecError, FIRST_BATCH, Limits, NEXT_BATCH};
use super::handler::SqliteHandler;
use super::params;
use super::plan::{Plan, PlanKind};
use super::session::SessionDb;
use super::stream;

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

pub(super) fn pg_of(e: ExecError) -> PgError {
    match e {
        ExecError::Pg(e) => e,
        ExecError::Retry => PgError::new(SqlState::INTERNAL_ERROR, "statement could not be run"),
    }
}

pub(super) fn join_error(e: tokio::task::JoinError) -> PgError {
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

/// The plan's tag with the rows the statement returned or changed.
fn tag_for(plan: &Plan, changes: u64) -> Tag {
    let mut tag = plan.tag.clone();
    tag.set_rows(changes);
    tag
}

impl SqliteHandler {
    /// Runs SQL for SQLite: inline if it may, else (or on a retry) on the blocking pool.
    pub(super) async fn run_sql(
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
        // Reads run inline: stopped early, they simply run again. Writes always go to the
        // blocking pool: an inline write interrupted by the time budget and run again was
        // seen applied twice under load (sqlite_load), so they are never retried.
        let inline = plan.inline && plan.readonly;
        let first = if inline {
            let _turn = self.db.inline_turn().await;
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
                if inline {
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
                    Response::Command(tag_for(plan, changes))
                } else {
                    Response::Rows(
                        RowStream::new(refine_cols(&first_row), fstream::iter([Ok(rows)]))
                            .with_tag(tag_for(plan, 0)),
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
                    stream::CursorBatches::stream(shared, id, limits, rows),
                )
                .with_tag(tag_for(plan, 0)),
            ),
        })
    }

    /// Runs one of the fixed transaction-control statements.
    pub(super) async fn run_fixed(&self, session: &mut Session, sql: &str) -> PgResult<()> {
        let plan = Arc::new(Plan {
            kind: PlanKind::Sql,
            sql: Arc::from(sql),
            tag: Tag::new(""),
            columns: None,
            kinds: Arc::from(Vec::new()),
            untyped: Arc::from(Vec::new()),
            params: Vec::new(),
            readonly: true,
            inline: self.db.is_memory(),
            ddl: false,
            epoch: 0,
        });
        self.run_sql(session, &plan, &Params::default(), &Formats::AllText, false)
            .await
            .map(drop)
    }
}
