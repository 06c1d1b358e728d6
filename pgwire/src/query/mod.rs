//! The query layer: the [`QueryHandler`] trait a server implements, what it answers with
//! ([`Response`]), and the drivers of the simple and extended query protocols.

pub(crate) mod extended;
mod response;
pub(crate) mod simple;
mod snapshots;
pub(crate) mod split;

use std::future::Future;
use std::sync::Arc;

pub use response::{Response, RowStream, Tag};
pub use snapshots::{Snapshots, Version};
pub use split::TxVerb;

use crate::error::PgResult;
use crate::session::Session;
use crate::types::{Column, DataRowEncoder, Formats, Params, Type};

/// A statement as the handler prepared it, with what Describe reports about it.
#[derive(Debug)]
pub struct Prepared<S> {
    /// The handler's own representation of the statement.
    pub statement: S,
    /// Parameter types, one per `$n` (ParameterDescription).
    pub param_types: Vec<Type>,
    /// Result columns, or `None` when the statement returns no rows (NoData).
    pub columns: Option<Arc<[Column]>>,
}

impl<S> Prepared<S> {
    /// A statement with these parameter types and result columns.
    pub fn new(statement: S, param_types: Vec<Type>, columns: Option<Arc<[Column]>>) -> Self {
        Prepared {
            statement,
            param_types,
            columns,
        }
    }
}

/// A prepared statement in a session's store (named, or the unnamed one).
#[derive(Debug)]
pub struct Statement<S> {
    /// Its name; empty for the unnamed statement.
    pub name: String,
    /// The SQL text it was prepared from.
    pub sql: String,
    /// What the handler prepared.
    pub prepared: Prepared<S>,
    pub(crate) param_types: Arc<[Type]>,
    pub(crate) verb: split::TxVerb,
}

/// A portal: a statement with bound parameters and chosen result formats, ready to run.
#[derive(Debug)]
pub struct Portal<S> {
    /// Its name; empty for the unnamed portal.
    pub name: String,
    /// The statement it was bound from.
    pub statement: Arc<Statement<S>>,
    /// Parameter values.
    pub params: Params,
    /// The result formats the client asked for.
    pub result_formats: Formats,
}

impl<S> Portal<S> {
    /// The handler's statement.
    pub fn statement(&self) -> &S {
        &self.statement.prepared.statement
    }

    /// The SQL text.
    pub fn sql(&self) -> &str {
        &self.statement.sql
    }

    /// What the statement does to the transaction block.
    pub fn verb(&self) -> TxVerb {
        self.statement.verb
    }

    /// The result columns (empty when the statement returns no rows).
    pub fn columns(&self) -> Arc<[Column]> {
        self.statement
            .prepared
            .columns
            .clone()
            .unwrap_or_else(|| Arc::from(Vec::new()))
    }

    /// An encoder for this portal's rows, in the formats the client asked for.
    pub fn encoder(&self) -> DataRowEncoder {
        DataRowEncoder::new(self.columns(), self.result_formats.clone())
    }
}

/// What a pgwire server does with queries.
///
/// Implement [`prepare`](Self::prepare) (Parse: turn SQL into your statement type and say
/// what it takes and returns, without running it) and [`execute`](Self::execute) (run a
/// bound portal). Simple-protocol queries are split into statements by the runtime and run
/// as prepare + execute unless you override [`simple_query`](Self::simple_query).
///
/// Transaction statements only need their tags: the runtime follows `BEGIN`, `COMMIT`,
/// `ROLLBACK` and savepoints for ReadyForQuery's status (25P02 in a failed block), and
/// sends PostgreSQL's warnings for a `BEGIN` inside a block (25001) and a `COMMIT` or
/// `ROLLBACK` outside one (25P01).
///
/// ```
/// use std::sync::Arc;
/// use pgwire::prelude::*;
///
/// struct Hello;
///
/// impl QueryHandler for Hello {
///     type Statement = ();
///
///     async fn prepare(&self, _s: &mut Session, _sql: &str, _types: &[Option<Type>]) -> PgResult<Prepared<()>> {
///         Ok(Prepared::new((), vec![], Some(vec![Column::new("greeting", Type::TEXT)].into())))
///     }
///
///     async fn execute(&self, _s: &mut Session, portal: &Portal<()>) -> PgResult<Response> {
///         let mut enc = portal.encoder();
///         enc.encode_field("hello")?;
///         Ok(Response::rows(portal.columns(), vec![enc.finish()?]))
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot answer queries",
    note = "implement `pgwire::QueryHandler` for it (prepare + execute), or build a `pgwire::Router` from #[pg_query] routes"
)]
pub trait QueryHandler: Send + Sync + 'static {
    /// The handler's prepared-statement type.
    type Statement: Send + Sync + 'static;

    /// Prepares `sql` (one statement). `param_types` holds the types the client declared
    /// (`None` where it left the type to the server).
    fn prepare(
        &self,
        session: &mut Session,
        sql: &str,
        param_types: &[Option<Type>],
    ) -> impl Future<Output = PgResult<Prepared<Self::Statement>>> + Send;

    /// Runs a portal.
    fn execute(
        &self,
        session: &mut Session,
        portal: &Portal<Self::Statement>,
    ) -> impl Future<Output = PgResult<Response>> + Send;

    /// Runs one statement of a simple-protocol query (results in text format).
    fn simple_query(
        &self,
        session: &mut Session,
        sql: &str,
    ) -> impl Future<Output = PgResult<Response>> + Send {
        async move {
            let prepared = self.prepare(session, sql, &[]).await?;
            let portal = Portal {
                name: String::new(),
                statement: Arc::new(Statement {
                    name: String::new(),
                    sql: sql.to_owned(),
                    param_types: prepared.param_types.clone().into(),
                    verb: split::TxVerb::of(sql),
                    prepared,
                }),
                params: Params::default(),
                result_formats: Formats::AllText,
            };
            self.execute(session, &portal).await
        }
    }

    /// Called at the end of an implicit transaction: outside a transaction block, the
    /// extended-protocol messages up to a Sync, or all statements of one simple Query, run as
    /// one transaction in PostgreSQL, so an error rolls back what ran before it. `failed` says
    /// whether a statement failed. Engines with transactions start one lazily (when executing
    /// while [`Session::transaction_status`] is idle) and commit or roll it back here; the
    /// default does nothing (each statement stands alone). An error is sent to the client
    /// before ReadyForQuery.
    fn end_implicit_transaction(
        &self,
        session: &mut Session,
        failed: bool,
    ) -> impl Future<Output = PgResult<()>> + Send {
        let _ = (session, failed);
        async { Ok(()) }
    }

    /// Called when a session ends (after Terminate or a closed socket).
    fn on_close(&self, session: &mut Session) -> impl Future<Output = ()> + Send {
        let _ = session;
        async {}
    }
}
