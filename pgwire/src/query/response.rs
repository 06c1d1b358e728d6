//! What a handler answers with.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use futures::stream::{BoxStream, Stream, StreamExt};

use super::split;
use crate::error::{PgError, PgResult};
use crate::sql::lexer::RawKind;
use crate::types::{Column, DataRow, DataRowEncoder, Formats, ToPgValue};

/// A command tag, as CommandComplete carries it (`SELECT 3`, `INSERT 0 1`, `BEGIN`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    command: Cow<'static, str>,
    oid: bool,
    rows: Option<u64>,
}

impl Tag {
    /// A tag with no row count (`BEGIN`, `CREATE TABLE`, `SET`).
    pub fn new(command: impl Into<Cow<'static, str>>) -> Tag {
        Tag {
            command: command.into(),
            oid: false,
            rows: None,
        }
    }

    /// A tag with a row count (`UPDATE 3`).
    pub fn with_rows(command: impl Into<Cow<'static, str>>, rows: u64) -> Tag {
        Tag {
            command: command.into(),
            oid: false,
            rows: Some(rows),
        }
    }

    /// `SELECT n`.
    pub fn select(rows: u64) -> Tag {
        Tag::with_rows("SELECT", rows)
    }

    /// `INSERT 0 n` (the 0 is the legacy OID field).
    pub fn insert(rows: u64) -> Tag {
        Tag {
            command: Cow::Borrowed("INSERT"),
            oid: true,
            rows: Some(rows),
        }
    }

    /// `UPDATE n`.
    pub fn update(rows: u64) -> Tag {
        Tag::with_rows("UPDATE", rows)
    }

    /// `DELETE n`.
    pub fn delete(rows: u64) -> Tag {
        Tag::with_rows("DELETE", rows)
    }

    /// The command word(s).
    pub fn command(&self) -> &str {
        &self.command
    }

    /// The row count, if the tag carries one.
    pub fn rows(&self) -> Option<u64> {
        self.rows
    }

    /// The same tag with its row count replaced (if it carries one).
    pub fn set_rows(&mut self, rows: u64) {
        if self.rows.is_some() {
            self.rows = Some(rows);
        }
    }

    /// The tag for `rows` affected by a statement starting with keyword `verb`
    /// (`INSERT 0 n`, `UPDATE n`, `DELETE n`, `MERGE n`, `SELECT n`, or the verb alone).
    pub fn for_verb(verb: &str, rows: u64) -> Tag {
        match verb.to_ascii_uppercase().as_str() {
            "INSERT" => Tag::insert(rows),
            "UPDATE" => Tag::update(rows),
            "DELETE" => Tag::delete(rows),
            "MERGE" => Tag::with_rows("MERGE", rows),
            "SELECT" | "VALUES" | "WITH" | "TABLE" => Tag::select(rows),
            "COPY" => Tag::with_rows("COPY", rows),
            "FETCH" => Tag::with_rows("FETCH", rows),
            "MOVE" => Tag::with_rows("MOVE", rows),
            other => Tag::new(other.to_owned()),
        }
    }

    /// The tag PostgreSQL completes statement `sql` with, from its keywords, with `rows`
    /// where the tag counts them: `INSERT 0 n`, `UPDATE n`, `SELECT n` (also for `VALUES`
    /// and `TABLE`), `CREATE TABLE`, `DROP INDEX` (`CREATE OR REPLACE VIEW` is
    /// `CREATE VIEW`, `CREATE UNIQUE INDEX` is `CREATE INDEX`), `SET`, … A `WITH` statement
    /// takes the tag of its main statement; `END` is `COMMIT`, `ABORT` is `ROLLBACK`. An
    /// empty statement gives an empty tag.
    ///
    /// ```
    /// use pgwire::Tag;
    /// assert_eq!(Tag::for_statement("create temp table t (x int)", 0).to_string(), "CREATE TABLE");
    /// assert_eq!(Tag::for_statement("WITH a AS (SELECT 1) DELETE FROM t", 2).to_string(), "DELETE 2");
    /// assert_eq!(Tag::for_statement("insert into t values (1)", 1).to_string(), "INSERT 0 1");
    /// ```
    pub fn for_statement(sql: &str, rows: u64) -> Tag {
        let mut words = split::keywords(sql);
        let first = words.next().unwrap_or("");
        let is = |w: &str, k: &str| w.eq_ignore_ascii_case(k);
        if is(first, "with") {
            return Tag::for_verb(main_verb(sql), rows);
        }
        if is(first, "end") || is(first, "abort") {
            return Tag::new(if is(first, "end") {
                "COMMIT"
            } else {
                "ROLLBACK"
            });
        }
        if !["create", "drop", "alter"].iter().any(|k| is(first, k)) {
            return Tag::for_verb(first, rows);
        }
        const MODIFIERS: &[&str] = &[
            "or",
            "replace",
            "temp",
            "temporary",
            "unique",
            "unlogged",
            "global",
            "local",
            "virtual", // SQLite's CREATE VIRTUAL TABLE
        ];
        let object = words.find(|w| !MODIFIERS.iter().any(|m| is(w, m)));
        let mut tag = format!("{first} {}", object.unwrap_or(""));
        if object.is_some_and(|o| is(o, "materialized") || is(o, "foreign")) {
            tag.push(' ');
            tag.push_str(words.next().unwrap_or(""));
        }
        Tag::new(tag.trim_end().to_ascii_uppercase())
    }
}

/// The verb of a `WITH` statement's main statement: its first top-level `SELECT`, `INSERT`,
/// `UPDATE`, `DELETE`, `MERGE` or `VALUES` after the common table expressions.
fn main_verb(sql: &str) -> &str {
    let mut depth = 0i32;
    for t in crate::sql::lexer::Lexer::new(sql) {
        let Ok(t) = t else { break };
        match t.kind {
            RawKind::LParen => depth += 1,
            RawKind::RParen => depth -= 1,
            RawKind::Ident(w) if depth == 0 => {
                const VERBS: &[&str] = &["select", "insert", "update", "delete", "merge", "values"];
                if VERBS.iter().any(|v| w.eq_ignore_ascii_case(v)) {
                    return w;
                }
            }
            _ => {}
        }
    }
    "SELECT"
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.command)?;
        if self.oid {
            f.write_str(" 0")?;
        }
        if let Some(n) = self.rows {
            write!(f, " {n}")?;
        }
        Ok(())
    }
}

/// Where a result's rows come from: rows already encoded (no boxing, no allocation beyond
/// the Vec), or a stream pulled as the client reads.
pub(crate) enum RowSource {
    Ready(std::vec::IntoIter<DataRow>),
    Stream(BoxStream<'static, PgResult<DataRow>>),
}

impl Stream for RowSource {
    type Item = PgResult<DataRow>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        match self.get_mut() {
            RowSource::Ready(rows) => std::task::Poll::Ready(rows.next().map(Ok)),
            RowSource::Stream(s) => s.poll_next_unpin(cx),
        }
    }
}

/// A result set: its columns and a stream of encoded rows, pulled as the client reads (so a
/// million rows never sit in memory) and dropped when the query is cancelled.
pub struct RowStream {
    pub(crate) columns: Arc<[Column]>,
    pub(crate) rows: RowSource,
    pub(crate) tag: Tag,
}

impl fmt::Debug for RowStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RowStream")
            .field("columns", &self.columns)
            .field("tag", &self.tag)
            .finish_non_exhaustive()
    }
}

impl RowStream {
    /// Rows from a stream; the command tag is `SELECT n`.
    pub fn new(
        columns: Arc<[Column]>,
        rows: impl Stream<Item = PgResult<DataRow>> + Send + 'static,
    ) -> RowStream {
        RowStream {
            columns,
            rows: RowSource::Stream(rows.boxed()),
            tag: Tag::select(0),
        }
    }

    /// Rows already encoded; the command tag is `SELECT n`.
    pub fn ready(columns: Arc<[Column]>, rows: Vec<DataRow>) -> RowStream {
        RowStream {
            columns,
            rows: RowSource::Ready(rows.into_iter()),
            tag: Tag::select(0),
        }
    }

    /// Replaces the command tag (its row count, if any, is filled in with the rows sent):
    /// e.g. `Tag::insert(0)` for `INSERT … RETURNING`, `Tag::new("SHOW")`.
    pub fn with_tag(mut self, tag: Tag) -> RowStream {
        self.tag = tag;
        self
    }

    /// The columns.
    pub fn columns(&self) -> &Arc<[Column]> {
        &self.columns
    }
}

/// A handler's answer to one statement.
#[derive(Debug)]
pub enum Response {
    /// Rows (RowDescription in the simple protocol, DataRows, then `SELECT n` or the
    /// stream's tag).
    Rows(RowStream),
    /// A command without rows (CommandComplete with this tag).
    Command(Tag),
    /// The statement was empty (EmptyQueryResponse).
    Empty,
    /// COPY FROM STDIN: the runtime feeds the client's data to the consumer, then sends
    /// `COPY n` with the count it returns.
    CopyIn(crate::copy::CopyIn),
    /// COPY TO STDOUT: the runtime sends the chunks as CopyData, then `COPY n`.
    CopyOut(crate::copy::CopyOut),
}

impl Response {
    /// A result whose rows are already encoded.
    pub fn rows(columns: Arc<[Column]>, rows: Vec<DataRow>) -> Response {
        Response::Rows(RowStream::ready(columns, rows))
    }

    /// A result from rows of values (any [`ToPgValue`], e.g. [`Value`](crate::types::Value)),
    /// encoded now in `formats`, each value as its column's type.
    ///
    /// ```
    /// use pgwire::prelude::*;
    /// use pgwire::types::Value;
    ///
    /// let columns: std::sync::Arc<[Column]> = vec![Column::new("n", Type::INT8)].into();
    /// let rows = vec![vec![Value::Int8(1)], vec![Value::Null]];
    /// let r = Response::values(columns, Formats::AllText, &rows).unwrap();
    /// assert!(matches!(r, Response::Rows(_)));
    /// ```
    pub fn values<R, V>(
        columns: Arc<[Column]>,
        formats: Formats,
        rows: impl IntoIterator<Item = R>,
    ) -> PgResult<Response>
    where
        R: IntoIterator<Item = V>,
        V: ToPgValue,
    {
        let mut enc = DataRowEncoder::new(columns.clone(), formats);
        for row in rows {
            for v in row {
                enc.encode_field(&v)?;
            }
            enc.end_row()?;
        }
        Ok(Response::rows(columns, vec![enc.take_rows()]))
    }

    /// A result streamed from `rows`.
    pub fn stream(
        columns: Arc<[Column]>,
        rows: impl Stream<Item = PgResult<DataRow>> + Send + 'static,
    ) -> Response {
        Response::Rows(RowStream::new(columns, rows))
    }

    /// A command tag.
    pub fn command(tag: Tag) -> Response {
        Response::Command(tag)
    }

    /// An error as a response future's output, for symmetry in handlers.
    pub fn error(e: PgError) -> PgResult<Response> {
        Err(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_for_statements() {
        let tag = |sql: &str, rows| Tag::for_statement(sql, rows).to_string();
        assert_eq!(tag("select 1", 1), "SELECT 1");
        assert_eq!(tag("  /* c */ VALUES (1), (2)", 2), "SELECT 2");
        assert_eq!(tag("insert into t values (1)", 1), "INSERT 0 1");
        assert_eq!(tag("Update t set x = 1", 3), "UPDATE 3");
        assert_eq!(tag("delete from t", 0), "DELETE 0");
        assert_eq!(tag("create table t (x int)", 0), "CREATE TABLE");
        assert_eq!(tag("CREATE UNIQUE INDEX i ON t (x)", 0), "CREATE INDEX");
        assert_eq!(
            tag("create or replace view v as select 1", 0),
            "CREATE VIEW"
        );
        assert_eq!(
            tag("create materialized view v as select 1", 0),
            "CREATE MATERIALIZED VIEW"
        );
        assert_eq!(tag("drop table if exists t", 0), "DROP TABLE");
        assert_eq!(tag("alter table t add column y int", 0), "ALTER TABLE");
        assert_eq!(
            tag("with a as (select 1) insert into t select * from a", 1),
            "INSERT 0 1"
        );
        assert_eq!(
            tag("with a as (delete from t returning *) select * from a", 4),
            "SELECT 4"
        );
        assert_eq!(tag("end", 0), "COMMIT");
        assert_eq!(tag("set x = 1", 0), "SET");
        assert_eq!(tag("", 0), "");
        assert_eq!(tag("create", 0), "CREATE");
    }
}
