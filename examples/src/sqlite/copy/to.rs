//! `COPY t [(cols)] TO STDOUT` and `COPY (query) TO STDOUT`: the query is planned as a
//! SELECT would be (same column types, same value encoding), and a cursor steps it on the
//! blocking pool batch by batch, encoding rows straight into COPY data with the runtime's
//! [`CopyEncoder`]. The next batch is made while the previous one is sent, so memory stays
//! flat (one batch being made, one being sent) however many rows there are.

use pgwire::copy::{CopyDataBatch, CopyEncoder, CopyFormat, CopyOut, CopyStatement};
use pgwire::prelude::*;
use tokio::sync::OwnedMutexGuard;

use super::blocking;
use crate::sqlite::exec::{Cursor, Limits, NEXT_BATCH};
use crate::sqlite::handler::SqliteHandler;
use crate::sqlite::plan::{Plan, PlanKind};
use crate::sqlite::run::pg_of;
use crate::sqlite::session::SessionDb;
use crate::sqlite::stream::{Prefetch, Producer};

impl SqliteHandler {
    /// A COPY TO STDOUT of the rows of `query`. The first batch is made before answering,
    /// so errors in starting the query come before CopyOutResponse.
    pub(super) async fn copy_to(
        &self,
        session: &mut Session,
        copy: &CopyStatement,
        query: &str,
    ) -> PgResult<Response> {
        let plan = self.plan(session, query).await?;
        let columns = match (&plan.kind, &plan.columns) {
            (PlanKind::Sql, Some(c)) => c.clone(),
            (PlanKind::Sql, None) => {
                return Err(PgError::not_supported(
                    "COPY query must have a RETURNING clause",
                ));
            }
            _ => {
                return Err(PgError::not_supported(
                    "COPY (query) TO supports SELECT, VALUES and INSERT, UPDATE or DELETE with RETURNING",
                ));
            }
        };
        let enc = CopyEncoder::new(&copy.options, columns.clone())?;
        let format = CopyFormat::of(&copy.options, columns.len());
        let st = self.state(session)?;
        let shared = st.shared.clone();
        let timeout = st.statement_timeout;
        let limits = Limits::new(session.cancel_token(), timeout);
        let mut db = shared.db.clone().lock_owned().await;
        db.reap(&shared.closed);
        let (dump, first) = blocking(move || {
            let mut dump = Dump::start(db, &plan, enc, limits)?;
            let first = dump.next_batch()?;
            Ok((dump, first))
        })
        .await?;
        Ok(Response::CopyOut(CopyOut::batches(
            format,
            Prefetch::new(dump, first),
        )))
    }
}

/// A running COPY TO: the cursor and the session's connection it runs on.
struct Dump {
    cursor: Option<Cursor<CopyEncoder>>,
    limits: Limits,
    db: OwnedMutexGuard<SessionDb>,
}

impl Dump {
    fn start(
        mut db: OwnedMutexGuard<SessionDb>,
        plan: &Plan,
        enc: CopyEncoder,
        limits: Limits,
    ) -> PgResult<Dump> {
        let mut stmt = db.checkout(&plan.sql).map_err(pg_of)?;
        if stmt.column_count() != plan.kinds.len() {
            // A cached statement from before a schema change: prepare it afresh.
            drop(stmt);
            stmt = db.prepare_fresh(&plan.sql).map_err(pg_of)?;
            if stmt.column_count() != plan.kinds.len() {
                db.checkin(plan.sql.clone(), stmt);
                return Err(PgError::not_supported(
                    "cached plan must not change result type",
                ));
            }
        }
        Ok(Dump {
            cursor: Some(Cursor {
                stmt,
                key: plan.sql.clone(),
                kinds: plan.kinds.clone(),
                enc,
                first_row: None,
                want_first_row: false,
            }),
            limits,
            db,
        })
    }

    /// The next batch of COPY data (the last one ends with the binary trailer), `None` after
    /// the last.
    fn next_batch(&mut self) -> PgResult<Option<CopyDataBatch>> {
        let Some(cursor) = self.cursor.as_mut() else {
            return Ok(None);
        };
        let _scope = self.limits.enter(false);
        let r = cursor.batch(NEXT_BATCH);
        if !matches!(r, Ok((_, false))) {
            self.close();
        }
        r.map(|(batch, _)| Some(batch)).map_err(pg_of)
    }

    fn close(&mut self) {
        if let Some(c) = self.cursor.take() {
            self.db.finish(c);
        }
    }
}

impl Drop for Dump {
    fn drop(&mut self) {
        self.close();
    }
}

impl Producer for Dump {
    type Batch = CopyDataBatch;

    fn exhausted(&self) -> bool {
        self.cursor.is_none()
    }

    fn produce(&mut self) -> PgResult<Option<CopyDataBatch>> {
        self.next_batch()
    }
}
