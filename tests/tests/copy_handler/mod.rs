//! An in-memory engine that answers COPY with pgwire's typed COPY API, for the `copy_*`
//! tests: `COPY t [(cols)] FROM STDIN …` decodes every value for its column type and stores
//! the rows; `COPY t [(cols)] TO STDOUT …` sends them back; `TRUNCATE t` empties a table.
//! Tables (as in the PostgreSQL the tests compare with):
//! `t (a int4, b text, c float8)`, `t1 (a text)`, `items (id int8, name text, price float8)`.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::BytesMut;
use futures::stream;
use pgwire::copy::{CopyDirection, CopyIn, CopyOut, CopyRow, CopyStatement, ToCopyRow};
use pgwire::prelude::*;
use pgwire::types::IsNull;

/// A stored value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    I4(i32),
    I8(i64),
    Text(String),
    F8(f64),
}

impl ToPgValue for Val {
    fn encode_text(&self, buf: &mut BytesMut) -> PgResult<IsNull> {
        match self {
            Val::I4(v) => v.encode_text(buf),
            Val::I8(v) => v.encode_text(buf),
            Val::Text(v) => v.encode_text(buf),
            Val::F8(v) => v.encode_text(buf),
        }
    }
    fn encode_binary(&self, ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull> {
        match self {
            Val::I4(v) => v.encode_binary(ty, buf),
            Val::I8(v) => v.encode_binary(ty, buf),
            Val::Text(v) => v.encode_binary(ty, buf),
            Val::F8(v) => v.encode_binary(ty, buf),
        }
    }
}

pub type Row = Vec<Option<Val>>;

/// A row of the table, restricted to some of its columns.
struct Picked(Row);

impl ToCopyRow for Picked {
    fn encode_row(&self, enc: &mut pgwire::copy::CopyEncoder) -> PgResult<()> {
        self.0.as_slice().encode_row(enc)
    }
}

#[derive(Default)]
pub struct Db {
    pub tables: HashMap<String, (Vec<Column>, Vec<Row>)>,
}

pub struct CopyHandler {
    pub db: Arc<Mutex<Db>>,
}

impl CopyHandler {
    pub fn new() -> CopyHandler {
        let mut db = Db::default();
        let table = |cols: &[(&str, Type)]| {
            (
                cols.iter()
                    .map(|(n, t)| Column::new(*n, t.clone()))
                    .collect::<Vec<_>>(),
                Vec::new(),
            )
        };
        db.tables.insert(
            "t".into(),
            table(&[("a", Type::INT4), ("b", Type::TEXT), ("c", Type::FLOAT8)]),
        );
        db.tables.insert("t1".into(), table(&[("a", Type::TEXT)]));
        db.tables.insert(
            "items".into(),
            table(&[
                ("id", Type::INT8),
                ("name", Type::TEXT),
                ("price", Type::FLOAT8),
            ]),
        );
        CopyHandler {
            db: Arc::new(Mutex::new(db)),
        }
    }
}

impl Default for CopyHandler {
    fn default() -> Self {
        CopyHandler::new()
    }
}

fn decode(row: &CopyRow<'_>, columns: &[Column]) -> PgResult<Row> {
    columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            Ok(match c.ty {
                Type::INT4 => row.get::<Option<i32>>(i)?.map(Val::I4),
                Type::INT8 => row.get::<Option<i64>>(i)?.map(Val::I8),
                Type::FLOAT8 => row.get::<Option<f64>>(i)?.map(Val::F8),
                _ => row.get::<Option<String>>(i)?.map(Val::Text),
            })
        })
        .collect()
}

impl CopyHandler {
    fn copy(&self, sql: &str) -> PgResult<Response> {
        let copy = CopyStatement::parse(sql)?;
        let name = copy.table_name().to_owned();
        let table_cols = {
            let db = self.db.lock().unwrap();
            match db.tables.get(&name) {
                Some((cols, _)) => cols.clone(),
                None => {
                    return Err(PgError::new(
                        SqlState::UNDEFINED_TABLE,
                        format!("relation \"{name}\" does not exist"),
                    ));
                }
            }
        };
        let columns = copy.select_columns(&table_cols)?;
        let index: Vec<usize> = columns
            .iter()
            .map(|c| {
                table_cols
                    .iter()
                    .position(|t| t.name == c.name)
                    .unwrap_or(0)
            })
            .collect();
        match copy.direction {
            CopyDirection::From => {
                let db = self.db.clone();
                let cols = columns.clone();
                Ok(Response::CopyIn(CopyIn::rows(
                    &copy,
                    columns,
                    move |mut rows| async move {
                        let mut new = Vec::new();
                        while let Some(row) = rows.next_row().await? {
                            let picked = decode(&row, &cols)?;
                            let mut full: Row = vec![None; table_cols.len()];
                            for (v, &i) in picked.into_iter().zip(&index) {
                                full[i] = v;
                            }
                            new.push(full);
                        }
                        let n = new.len() as u64;
                        let mut db = db.lock().unwrap();
                        if let Some((_, stored)) = db.tables.get_mut(&name) {
                            stored.extend(new);
                        }
                        Ok(n)
                    },
                )?))
            }
            CopyDirection::To => {
                let rows: Vec<PgResult<Picked>> = {
                    let db = self.db.lock().unwrap();
                    let stored = db
                        .tables
                        .get(&name)
                        .map(|t| t.1.clone())
                        .unwrap_or_default();
                    stored
                        .into_iter()
                        .map(|r| Ok(Picked(index.iter().map(|&i| r[i].clone()).collect())))
                        .collect()
                };
                Ok(Response::CopyOut(CopyOut::rows(
                    &copy,
                    columns,
                    stream::iter(rows),
                )?))
            }
        }
    }
}

impl QueryHandler for CopyHandler {
    type Statement = String;

    async fn prepare(
        &self,
        _s: &mut Session,
        sql: &str,
        _t: &[Option<Type>],
    ) -> PgResult<Prepared<String>> {
        Ok(Prepared::new(sql.trim().to_owned(), vec![], None))
    }

    async fn execute(&self, _s: &mut Session, portal: &Portal<String>) -> PgResult<Response> {
        let sql = portal.statement().clone();
        if pgwire::copy::is_copy(&sql) {
            return self.copy(&sql);
        }
        let words: Vec<String> = sql
            .split_whitespace()
            .map(|w| w.trim_end_matches(';').to_ascii_lowercase())
            .collect();
        match words.as_slice() {
            [verb, name] if verb == "truncate" => {
                let mut db = self.db.lock().unwrap();
                if let Some((_, rows)) = db.tables.get_mut(name) {
                    rows.clear();
                }
                Ok(Response::Command(Tag::new("TRUNCATE TABLE")))
            }
            _ => Ok(Response::Empty),
        }
    }
}

/// Starts a server with a fresh [`CopyHandler`]; returns its port and database.
pub async fn start() -> (u16, Arc<Mutex<Db>>) {
    let handler = CopyHandler::new();
    let db = handler.db.clone();
    let server = Server::builder(handler)
        .listen("127.0.0.1:0")
        .bind()
        .await
        .unwrap();
    let port = server.local_addr().unwrap().port();
    tokio::spawn(server.serve());
    (port, db)
}
