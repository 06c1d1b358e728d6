//! The extended query protocol: Parse, Bind, Describe, Execute and Close against a
//! per-session store of statements and portals, with row-limited Execute that suspends a
//! portal and resumes it later.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};

use super::response::RowSource;
use super::simple::{QueryError, check_failed_transaction, complete, stream_rows};
use super::split::TxVerb;
use super::{Portal, QueryHandler, Response, Statement, Tag};
use crate::codec::{self, BackendMessage, FrontendMessage, Target};
use crate::error::{PgError, PgResult, SqlState};
use crate::server::connection::{ConnError, SessionIo};
use crate::session::Session;
use crate::types::{DataRow, Format, Formats, Params, Type, type_size};

/// How far a portal's execution got.
enum Execution {
    /// Not run yet.
    New,
    /// Suspended after a row limit: the rest of the stream and any rows already pulled.
    Suspended {
        rows: RowSource,
        pending: Option<DataRow>,
        tag: Tag,
    },
    /// Ran to completion; running again yields no rows.
    Done(Tag),
}

struct PortalState<S> {
    portal: Portal<S>,
    execution: Execution,
}

/// A session's statements and portals, and where the pipeline stands.
pub(crate) struct Extended<S> {
    statements: HashMap<String, Arc<Statement<S>>>,
    portals: HashMap<String, PortalState<S>>,
    /// After an error, skip every message until Sync.
    pub ignore_till_sync: bool,
    /// Extended-protocol messages arrived since the last Sync.
    pub in_pipeline: bool,
    /// An error happened since the last Sync.
    pub failed: bool,
}

impl<S> Default for Extended<S> {
    fn default() -> Self {
        Extended {
            statements: HashMap::new(),
            portals: HashMap::new(),
            ignore_till_sync: false,
            in_pipeline: false,
            failed: false,
        }
    }
}

fn missing_statement(name: &str) -> PgError {
    let msg = if name.is_empty() {
        "unnamed prepared statement does not exist".to_owned()
    } else {
        format!("prepared statement \"{name}\" does not exist")
    };
    PgError::new(SqlState::INVALID_SQL_STATEMENT_NAME, msg)
}

fn missing_portal(name: &str) -> PgError {
    PgError::new(
        SqlState::INVALID_CURSOR_NAME,
        format!("portal \"{name}\" does not exist"),
    )
}

impl<St> Extended<St> {
    /// Drops every portal (end of transaction).
    pub fn close_all_portals(&mut self) {
        self.portals.clear();
    }
}

impl<St: Send + Sync + 'static> Extended<St> {
    /// Handles one Parse/Bind/Describe/Execute/Close message.
    pub async fn handle<H, S>(
        &mut self,
        handler: &H,
        session: &mut Session,
        io: &mut SessionIo<S>,
        msg: FrontendMessage,
    ) -> Result<(), QueryError>
    where
        H: QueryHandler<Statement = St>,
        S: AsyncRead + AsyncWrite + Unpin + Send,
    {
        match msg {
            FrontendMessage::Parse(p) => self.parse(handler, session, io, p).await,
            FrontendMessage::Bind(b) => self.bind(session, io, b),
            FrontendMessage::Describe(d) => self.describe(io, d),
            FrontendMessage::Execute(e) => {
                session.more_in_implicit = io.conn.execute_buffered_before_sync();
                self.execute(handler, session, io, e).await
            }
            FrontendMessage::Close(c) => {
                match c.target {
                    Target::Statement => self.statements.remove(&c.name).map(drop),
                    Target::Portal => self.portals.remove(&c.name).map(drop),
                };
                io.conn.send(&BackendMessage::CloseComplete);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    async fn parse<H, S>(
        &mut self,
        handler: &H,
        session: &mut Session,
        io: &mut SessionIo<S>,
        p: codec::Parse,
    ) -> Result<(), QueryError>
    where
        H: QueryHandler<Statement = St>,
        S: AsyncRead + AsyncWrite + Unpin + Send,
    {
        if !p.name.is_empty() && self.statements.contains_key(&p.name) {
            return Err(PgError::new(
                SqlState::DUPLICATE_PREPARED_STATEMENT,
                format!("prepared statement \"{}\" already exists", p.name),
            )
            .into());
        }
        // PostgreSQL parses before it checks for a failed transaction.
        if super::split::statements(&p.sql).len() > 1 {
            return Err(PgError::new(
                SqlState::SYNTAX_ERROR,
                "cannot insert multiple commands into a prepared statement",
            )
            .into());
        }
        let verb = TxVerb::of(&p.sql);
        check_failed_transaction(session, verb)?;
        let declared = p
            .param_types
            .iter()
            .map(|&oid| match oid {
                0 => Ok(None),
                oid => Type::from_oid(oid).map(Some).ok_or_else(|| {
                    PgError::new(
                        SqlState::UNDEFINED_OBJECT,
                        format!("type with OID {oid} does not exist"),
                    )
                }),
            })
            .collect::<PgResult<Vec<_>>>()?;
        let prepared = handler.prepare(session, &p.sql, &declared).await?;
        let mut types = prepared.param_types.clone();
        for (i, d) in declared.iter().enumerate() {
            match (types.get_mut(i), d) {
                (Some(slot), Some(ty)) => *slot = ty.clone(),
                (None, Some(ty)) => types.push(ty.clone()),
                (None, None) => types.push(Type::UNKNOWN),
                (Some(_), None) => {}
            }
        }
        let stmt = Statement {
            name: p.name.clone(),
            sql: p.sql,
            param_types: types.into(),
            verb,
            prepared,
        };
        self.statements.insert(p.name, Arc::new(stmt));
        io.conn.send(&BackendMessage::ParseComplete);
        Ok(())
    }

    fn bind<S>(
        &mut self,
        session: &mut Session,
        io: &mut SessionIo<S>,
        b: codec::Bind,
    ) -> Result<(), QueryError>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send,
    {
        let stmt = self
            .statements
            .get(&b.statement)
            .cloned()
            .ok_or_else(|| missing_statement(&b.statement))?;
        if !b.portal.is_empty() && self.portals.contains_key(&b.portal) {
            return Err(PgError::new(
                SqlState::DUPLICATE_CURSOR,
                format!("portal \"{}\" already exists", b.portal),
            )
            .into());
        }
        let nparams = stmt.param_types.len();
        let param_formats = Formats::from_codes(&b.param_formats, b.params.len(), |given| {
            PgError::protocol_violation(format!(
                "bind message has {given} parameter formats but {} parameters",
                b.params.len()
            ))
        })?;
        if b.params.len() != nparams {
            return Err(PgError::protocol_violation(format!(
                "bind message supplies {} parameters, but prepared statement \"{}\" requires {nparams}",
                b.params.len(),
                b.statement
            ))
            .into());
        }
        check_failed_transaction(session, stmt.verb)?;
        for (i, value) in b.params.iter().enumerate() {
            if let (Some(v), Format::Binary) = (value, param_formats.get(i)) {
                let size = type_size(&stmt.param_types[i]);
                // What PostgreSQL's fixed-size recv functions report: too few bytes is
                // 08P01 (the read runs off the value), too many is 22P03.
                if size > 0 && size != 64 && v.len() < size as usize {
                    return Err(
                        PgError::protocol_violation("insufficient data left in message").into(),
                    );
                }
                if size > 0 && size != 64 && v.len() > size as usize {
                    return Err(PgError::new(
                        SqlState::INVALID_BINARY_REPRESENTATION,
                        format!("incorrect binary data format in bind parameter {}", i + 1),
                    )
                    .into());
                }
            }
        }
        let ncols = stmt.prepared.columns.as_ref().map_or(0, |c| c.len());
        let result_formats = Formats::from_codes(&b.result_formats, ncols, |given| {
            PgError::protocol_violation(format!(
                "bind message has {given} result formats but query has {ncols} columns"
            ))
        })?;
        let portal = Portal {
            name: b.portal.clone(),
            params: Params::new(stmt.param_types.clone(), param_formats, b.params),
            statement: stmt,
            result_formats,
        };
        self.portals.insert(
            b.portal,
            PortalState {
                portal,
                execution: Execution::New,
            },
        );
        io.conn.send(&BackendMessage::BindComplete);
        Ok(())
    }

    fn describe<S>(&mut self, io: &mut SessionIo<S>, d: codec::Describe) -> Result<(), QueryError>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send,
    {
        match d.target {
            Target::Statement => {
                let stmt = self
                    .statements
                    .get(&d.name)
                    .ok_or_else(|| missing_statement(&d.name))?;
                io.conn.send(&BackendMessage::ParameterDescription(
                    stmt.param_types.iter().map(Type::oid).collect(),
                ));
                io.send_columns(stmt.prepared.columns.as_deref(), &Formats::AllText);
            }
            Target::Portal => {
                let state = self
                    .portals
                    .get(&d.name)
                    .ok_or_else(|| missing_portal(&d.name))?;
                let p = &state.portal;
                io.send_columns(p.statement.prepared.columns.as_deref(), &p.result_formats);
            }
        }
        Ok(())
    }

    async fn execute<H, S>(
        &mut self,
        handler: &H,
        session: &mut Session,
        io: &mut SessionIo<S>,
        e: codec::Execute,
    ) -> Result<(), QueryError>
    where
        H: QueryHandler<Statement = St>,
        S: AsyncRead + AsyncWrite + Unpin + Send,
    {
        let state = self
            .portals
            .get_mut(&e.portal)
            .ok_or_else(|| missing_portal(&e.portal))?;
        let verb = state.portal.statement.verb;
        check_failed_transaction(session, verb)?;
        let limit = if e.max_rows > 0 {
            e.max_rows as u64
        } else {
            u64::MAX
        };
        let cancel = session.cancel.clone();
        let generation = cancel.generation();
        let before = session.status;
        let (mut rows, mut pending, tag) =
            match std::mem::replace(&mut state.execution, Execution::New) {
                Execution::Done(mut tag) => {
                    tag.set_rows(0);
                    state.execution = Execution::Done(tag.clone());
                    io.conn.send_command_complete(&tag);
                    return Ok(());
                }
                Execution::Suspended { rows, pending, tag } => (rows, pending, tag),
                Execution::New => {
                    session.status_set = false;
                    let response = tokio::select! {
                        biased;
                        _ = cancel.cancelled_since(generation) => return Err(cancel.error().into()),
                        _ = io.conn.closed() => return Err(ConnError::Closed.into()),
                        r = handler.execute(session, &state.portal) => r?,
                    };
                    io.drain_notices();
                    match response {
                        Response::Empty => {
                            state.execution = Execution::Done(Tag::new(""));
                            io.conn.send(&BackendMessage::EmptyQueryResponse);
                            return Ok(());
                        }
                        Response::Command(tag) => {
                            let tag = complete(io, session, before, verb, state.portal.sql(), tag);
                            state.execution = Execution::Done(tag);
                            return Ok(());
                        }
                        Response::Rows(r) => (r.rows, None, r.tag),
                        copy @ (Response::CopyIn(_) | Response::CopyOut(_)) => {
                            let tag =
                                crate::copy::protocol::run(io, copy, &cancel, generation).await?;
                            let tag = complete(io, session, before, verb, state.portal.sql(), tag);
                            state.execution = Execution::Done(tag);
                            return Ok(());
                        }
                    }
                }
            };
        let (sent, finished) =
            stream_rows(io, &mut rows, &mut pending, limit, &cancel, generation).await?;
        if finished {
            let mut tag = tag;
            tag.set_rows(sent);
            let tag = complete(io, session, before, verb, state.portal.sql(), tag);
            state.execution = Execution::Done(tag);
        } else {
            io.conn.send(&BackendMessage::PortalSuspended);
            state.execution = Execution::Suspended { rows, pending, tag };
        }
        Ok(())
    }
}
