//! SQLite errors as PostgreSQL reports them: SQLSTATE from the (extended) result code and
//! the message, and PostgreSQL's wording where it is easy to rebuild
//! (`relation "t" does not exist`, `duplicate key value violates unique constraint "t_pkey"`).

use pgwire::error::{PgError, SqlState};
use rusqlite::ffi;

/// A SQLite failure: extended result code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteError {
    /// Extended result code (the primary code is its low byte).
    pub code: i32,
    /// `sqlite3_errmsg`.
    pub message: String,
}

fn state(code: &'static str) -> SqlState {
    SqlState::from_code(code)
}

/// Splits `t.c1, t.c2` (SQLite's constraint message) into the table and column names.
fn table_columns(list: &str) -> (String, Vec<String>) {
    let mut table = String::new();
    let mut cols = Vec::new();
    for item in list.split(',') {
        let item = item.trim();
        match item.rsplit_once('.') {
            Some((t, c)) => {
                table = t.to_owned();
                cols.push(c.to_owned());
            }
            None => cols.push(item.to_owned()),
        }
    }
    (table, cols)
}

fn strip_schema(name: &str) -> &str {
    name.strip_prefix("main.").unwrap_or(name)
}

/// Maps a SQLite error to the error PostgreSQL would send.
pub fn to_pg(e: &SqliteError) -> PgError {
    let msg = e.message.as_str();
    let primary = e.code & 0xff;
    match e.code {
        ffi::SQLITE_CONSTRAINT_PRIMARYKEY | ffi::SQLITE_CONSTRAINT_UNIQUE => {
            let list = msg.strip_prefix("UNIQUE constraint failed: ").unwrap_or("");
            let (table, cols) = table_columns(list);
            let name = if e.code == ffi::SQLITE_CONSTRAINT_PRIMARYKEY {
                format!("{table}_pkey")
            } else {
                format!("{table}_{}_key", cols.join("_"))
            };
            let mut err = PgError::new(
                SqlState::UNIQUE_VIOLATION,
                format!("duplicate key value violates unique constraint \"{name}\""),
            )
            .detail(format!("Key ({}) already exists.", cols.join(", ")));
            err.table = Some(table);
            err.constraint = Some(name);
            return err;
        }
        ffi::SQLITE_CONSTRAINT_NOTNULL => {
            let list = msg
                .strip_prefix("NOT NULL constraint failed: ")
                .unwrap_or("");
            let (table, cols) = table_columns(list);
            let col = cols.into_iter().next().unwrap_or_default();
            let mut err = PgError::new(
                SqlState::NOT_NULL_VIOLATION,
                format!(
                    "null value in column \"{col}\" of relation \"{table}\" violates not-null constraint"
                ),
            );
            err.table = Some(table);
            err.column = Some(col);
            return err;
        }
        ffi::SQLITE_CONSTRAINT_CHECK => {
            let name = msg.strip_prefix("CHECK constraint failed: ").unwrap_or(msg);
            let mut err = PgError::new(
                SqlState::CHECK_VIOLATION,
                format!("new row violates check constraint \"{name}\""),
            );
            err.constraint = Some(name.to_owned());
            return err;
        }
        ffi::SQLITE_CONSTRAINT_FOREIGNKEY => {
            return PgError::new(
                SqlState::FOREIGN_KEY_VIOLATION,
                "insert or update violates foreign key constraint",
            )
            .detail(msg.to_owned());
        }
        _ => {}
    }
    match primary {
        ffi::SQLITE_CONSTRAINT => PgError::new(state("23000"), msg.to_owned()),
        ffi::SQLITE_MISMATCH => PgError::new(SqlState::DATATYPE_MISMATCH, msg.to_owned()),
        ffi::SQLITE_TOOBIG => PgError::new(SqlState::PROGRAM_LIMIT_EXCEEDED, msg.to_owned()),
        ffi::SQLITE_BUSY => PgError::new(
            SqlState::LOCK_NOT_AVAILABLE,
            format!("could not obtain lock: {msg}"),
        ),
        ffi::SQLITE_LOCKED if msg == "deadlock detected" => {
            PgError::new(SqlState::DEADLOCK_DETECTED, "deadlock detected")
        }
        ffi::SQLITE_LOCKED => PgError::new(
            SqlState::SERIALIZATION_FAILURE,
            format!("could not serialize access: {msg}"),
        ),
        ffi::SQLITE_READONLY => PgError::new(state("25006"), msg.to_owned()),
        ffi::SQLITE_NOMEM => PgError::new(SqlState::OUT_OF_MEMORY, "out of memory"),
        ffi::SQLITE_FULL => PgError::new(state("53100"), msg.to_owned()),
        ffi::SQLITE_RANGE => PgError::protocol_violation(msg.to_owned()),
        ffi::SQLITE_INTERRUPT => PgError::query_canceled(),
        _ => from_message(msg),
    }
}

/// SQLITE_ERROR and friends: the message says what went wrong.
fn from_message(msg: &str) -> PgError {
    // Raised by our own SQL functions: `pgwire:SQLSTATE:message`.
    if let Some(rest) = msg.strip_prefix("pgwire:") {
        if let Some((code, text)) = rest.split_once(':') {
            if code.len() == 5 {
                return PgError::new(SqlState::from_code(code.to_owned()), text.to_owned());
            }
        }
    }
    if let Some(rest) = msg.strip_prefix("near \"") {
        let tok = rest.split("\": syntax error").next().unwrap_or(rest);
        return PgError::new(
            SqlState::SYNTAX_ERROR,
            format!("syntax error at or near \"{tok}\""),
        );
    }
    if msg == "incomplete input" || msg.starts_with("unrecognized token") {
        let text = if msg == "incomplete input" {
            "syntax error at end of input".to_owned()
        } else {
            format!("syntax error: {msg}")
        };
        return PgError::new(SqlState::SYNTAX_ERROR, text);
    }
    if let Some(t) = msg.strip_prefix("no such table: ") {
        return PgError::new(
            SqlState::UNDEFINED_TABLE,
            format!("relation \"{}\" does not exist", strip_schema(t)),
        );
    }
    if let Some(t) = msg.strip_prefix("no such view: ") {
        return PgError::new(
            SqlState::UNDEFINED_TABLE,
            format!("view \"{}\" does not exist", strip_schema(t)),
        );
    }
    if let Some(c) = msg.strip_prefix("no such column: ") {
        let text = if c.contains('.') {
            format!("column {c} does not exist")
        } else {
            format!("column \"{c}\" does not exist")
        };
        return PgError::new(SqlState::UNDEFINED_COLUMN, text);
    }
    if let Some(rest) = msg.strip_prefix("table ") {
        if let Some(t) = rest.strip_suffix(" already exists") {
            let t = t.trim_matches('"').trim_matches('`');
            return PgError::new(
                SqlState::DUPLICATE_TABLE,
                format!("relation \"{}\" already exists", strip_schema(t)),
            );
        }
        if let Some((t, rest)) = rest.split_once(" has no column named ") {
            return PgError::new(
                SqlState::UNDEFINED_COLUMN,
                format!("column \"{rest}\" of relation \"{t}\" does not exist"),
            );
        }
    }
    if let Some(rest) = msg.strip_prefix("index ") {
        if let Some(i) = rest.strip_suffix(" already exists") {
            return PgError::new(
                SqlState::DUPLICATE_TABLE,
                format!("relation {i} already exists"),
            );
        }
    }
    if let Some(i) = msg.strip_prefix("no such index: ") {
        return PgError::new(
            SqlState::UNDEFINED_OBJECT,
            format!("index \"{}\" does not exist", strip_schema(i)),
        );
    }
    if let Some(f) = msg.strip_prefix("no such function: ") {
        return PgError::new(
            SqlState::UNDEFINED_FUNCTION,
            format!("function {}() does not exist", f.to_ascii_lowercase()),
        )
        .hint("No function matches the given name and argument types.");
    }
    if let Some(f) = msg.strip_prefix("wrong number of arguments to function ") {
        return PgError::new(
            SqlState::UNDEFINED_FUNCTION,
            format!("function {f} does not exist with this number of arguments"),
        );
    }
    if let Some(c) = msg.strip_prefix("ambiguous column name: ") {
        return PgError::new(
            state("42702"),
            format!("column reference \"{c}\" is ambiguous"),
        );
    }
    if let Some(s) = msg.strip_prefix("no such savepoint: ") {
        return PgError::new(state("3B001"), format!("savepoint \"{s}\" does not exist"));
    }
    if msg.starts_with("misuse of aggregate") || msg.starts_with("misuse of window function") {
        return PgError::new(state("42803"), msg.to_owned());
    }
    if msg == "integer overflow" {
        return PgError::new(SqlState::NUMERIC_VALUE_OUT_OF_RANGE, "bigint out of range");
    }
    if msg.starts_with("too many terms") || msg.starts_with("too many columns") {
        return PgError::new(SqlState::PROGRAM_LIMIT_EXCEEDED, msg.to_owned());
    }
    if msg.starts_with("SELECTs to the left and right of")
        || msg.contains("has more than one primary key")
        || msg.starts_with("duplicate column name")
    {
        return PgError::new(
            SqlState::SYNTAX_ERROR_OR_ACCESS_RULE_VIOLATION,
            msg.to_owned(),
        );
    }
    PgError::new(SqlState::INTERNAL_ERROR, msg.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pg(code: i32, msg: &str) -> PgError {
        to_pg(&SqliteError {
            code,
            message: msg.into(),
        })
    }

    #[test]
    fn sqlstates() {
        let e = pg(ffi::SQLITE_ERROR, "near \"selec\": syntax error");
        assert_eq!(
            (e.code.code(), e.message.as_str()),
            ("42601", "syntax error at or near \"selec\"")
        );
        assert_eq!(pg(1, "incomplete input").code.code(), "42601");
        let e = pg(1, "no such table: main.t");
        assert_eq!(
            (e.code.code(), e.message.as_str()),
            ("42P01", "relation \"t\" does not exist")
        );
        assert_eq!(pg(1, "no such column: x").code.code(), "42703");
        let e = pg(
            ffi::SQLITE_CONSTRAINT_PRIMARYKEY,
            "UNIQUE constraint failed: t.id",
        );
        assert_eq!(e.code.code(), "23505");
        assert_eq!(
            e.message,
            "duplicate key value violates unique constraint \"t_pkey\""
        );
        let e = pg(
            ffi::SQLITE_CONSTRAINT_UNIQUE,
            "UNIQUE constraint failed: t.a, t.b",
        );
        assert_eq!(e.constraint.as_deref(), Some("t_a_b_key"));
        let e = pg(
            ffi::SQLITE_CONSTRAINT_NOTNULL,
            "NOT NULL constraint failed: t.name",
        );
        assert_eq!(
            e.message,
            "null value in column \"name\" of relation \"t\" violates not-null constraint"
        );
        assert_eq!(
            pg(
                ffi::SQLITE_CONSTRAINT_CHECK,
                "CHECK constraint failed: c > 0"
            )
            .code
            .code(),
            "23514"
        );
        assert_eq!(
            pg(
                ffi::SQLITE_CONSTRAINT_FOREIGNKEY,
                "FOREIGN KEY constraint failed"
            )
            .code
            .code(),
            "23503"
        );
        assert_eq!(
            pg(ffi::SQLITE_MISMATCH, "datatype mismatch").code.code(),
            "42804"
        );
        assert_eq!(
            pg(ffi::SQLITE_TOOBIG, "string or blob too big").code.code(),
            "54000"
        );
        assert_eq!(
            pg(ffi::SQLITE_BUSY, "database is locked").code.code(),
            "55P03"
        );
        assert_eq!(
            pg(ffi::SQLITE_LOCKED_SHAREDCACHE, "locked").code.code(),
            "40001"
        );
        assert_eq!(pg(1, "table t already exists").code.code(), "42P07");
        assert_eq!(pg(1, "something else").code.code(), "XX000");
        assert_eq!(pg(1, "pgwire:22P02:bad bool").code.code(), "22P02");
        assert_eq!(
            pg(ffi::SQLITE_LOCKED, "deadlock detected").code.code(),
            "40P01"
        );
    }
}
