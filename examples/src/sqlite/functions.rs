//! PostgreSQL functions registered on every session's SQLite connection: `version()`,
//! `current_database()`, `current_user`, `pg_sleep()`, `pg_notify()`, `now()`,
//! `format_type()`, `gen_random_uuid()`, the helpers casts are translated into, the ILIKE
//! matcher and the type checks of [`ddl`](super::ddl); the string and date functions are in
//! [`text_functions`](super::text_functions) and [`date_functions`](super::date_functions).

use std::time::Duration;

use pgwire::error::PgError;
use pgwire::notify::Notifier;
use pgwire::types::{FromPgValue, ToPgValue, Type};
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, Error, Result};

use super::datetime;
use super::encode::{Cell, Val, decode_bytea_hex, parse_bool};
use super::exec;
use super::types;
use super::types::ColKind;

/// Who the session is, for the functions that say so, and where its `pg_notify()` queues.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    /// `current_user`
    pub user: String,
    /// `current_database()`
    pub database: String,
    /// `pg_backend_pid()`
    pub pid: i32,
    /// The session's notification queue: `pg_notify()` runs on whatever thread steps the
    /// statement, and the connection (hence the function) belongs to this session alone, so
    /// it queues here and the runtime sends at COMMIT or drops at ROLLBACK, as for NOTIFY.
    pub notifier: Notifier,
}

/// What `version()` answers.
pub fn version() -> String {
    format!(
        "PostgreSQL 15.0 (pgwire sqlite example) on {}-{}, SQLite {}, 64-bit",
        std::env::consts::ARCH,
        std::env::consts::OS,
        rusqlite::version()
    )
}

/// An error with a SQLSTATE that [`super::errors`] recognizes (`pgwire:22P02:message`).
pub(crate) fn pg_error(code: &str, msg: impl std::fmt::Display) -> Error {
    Error::UserFunctionError(format!("pgwire:{code}:{msg}").into())
}

fn from_pg(e: PgError) -> Error {
    pg_error(e.code.code(), &e.message)
}

/// `x::int2|int4|int8`: text is read as int4in reads it, floats are rounded, and a value out
/// of the type's range is 22003, as in PostgreSQL.
fn to_int(ty: &Type, v: ValueRef<'_>) -> Result<Option<i64>> {
    let (min, max) = match *ty {
        Type::INT2 => (i64::from(i16::MIN), i64::from(i16::MAX)),
        Type::INT4 => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    };
    let word = || types::format_type(ty.oid(), -1);
    let out_of_range = || pg_error("22003", format!("{} out of range", word()));
    match v {
        ValueRef::Null => Ok(None),
        ValueRef::Integer(i) if (min..=max).contains(&i) => Ok(Some(i)),
        ValueRef::Integer(_) => Err(out_of_range()),
        ValueRef::Real(r) => {
            let r = r.round();
            // `max as f64` rounds up to 2^63 for bigint: the bound is exclusive.
            if r.is_finite() && r >= min as f64 && r < max as f64 + 1.0 {
                Ok(Some(r as i64))
            } else {
                Err(out_of_range())
            }
        }
        ValueRef::Text(t) => match *ty {
            Type::INT2 => i16::from_text(ty, t).map(i64::from),
            Type::INT4 => i32::from_text(ty, t).map(i64::from),
            _ => i64::from_text(ty, t),
        }
        .map(Some)
        .map_err(from_pg),
        ValueRef::Blob(_) => Err(pg_error(
            "42846",
            format!("cannot cast type bytea to {}", word()),
        )),
    }
}

/// `x::float4|float8`: text is read as float8in reads it (`'1e999'` is 22003, `'x'` 22P02).
fn to_float(ty: &Type, v: ValueRef<'_>) -> Result<Option<f64>> {
    let real = *ty == Type::FLOAT4;
    let v = match v {
        ValueRef::Null => return Ok(None),
        ValueRef::Integer(i) => i as f64,
        ValueRef::Real(r) => r,
        ValueRef::Text(t) if real => f64::from(f32::from_text(ty, t).map_err(from_pg)?),
        ValueRef::Text(t) => f64::from_text(ty, t).map_err(from_pg)?,
        ValueRef::Blob(_) => {
            let word = types::format_type(ty.oid(), -1);
            return Err(pg_error(
                "42846",
                format!("cannot cast type bytea to {word}"),
            ));
        }
    };
    if !real {
        return Ok(Some(v));
    }
    let narrow = v as f32;
    if narrow.is_infinite() && v.is_finite() {
        return Err(pg_error("22003", "value out of range: overflow"));
    }
    Ok(Some(f64::from(narrow)))
}

/// Whether a column of type `ty` (with `typmod`) may store `v`: what the encoder can send as
/// that type, within a `varchar(n)`/`char(n)` column's length. The CHECKs of
/// [`ddl`](super::ddl) call it for values their storage-class test did not pass.
fn valid(ty: &Type, typmod: i32, v: ValueRef<'_>) -> Result<(), PgError> {
    let val = Val::from(v);
    if val == Val::Null {
        return Ok(());
    }
    let bpchar = *ty == Type::BPCHAR;
    if typmod >= 4 && (bpchar || *ty == Type::VARCHAR) {
        let n = (typmod - 4) as usize;
        let text = String::from_utf8_lossy(match val {
            Val::Text(t) | Val::Blob(t) => t,
            _ => return Ok(()),
        });
        // char(n) drops trailing spaces past n, as PostgreSQL does.
        let kept = if bpchar {
            text.trim_end_matches(' ')
        } else {
            &text
        };
        if text.chars().count() > n && kept.chars().count() > n {
            let word = if bpchar {
                "character"
            } else {
                "character varying"
            };
            return Err(PgError::new(
                pgwire::error::SqlState::STRING_DATA_RIGHT_TRUNCATION,
                format!("value too long for type {word}({n})"),
            ));
        }
        return Ok(());
    }
    let cell = Cell {
        kind: ColKind::of(ty),
        val,
    };
    cell.encode_binary(ty, &mut bytes::BytesMut::new())
        .map(drop)
}

/// Whether `value` matches LIKE `pattern` (`%`, `_`, and `\` escaping the next character,
/// as PostgreSQL's default escape).
fn like(pattern: &[char], value: &[char]) -> Result<bool, PgError> {
    let mut escaped = false;
    for &c in pattern {
        escaped = !escaped && c == '\\';
    }
    if escaped {
        return Err(PgError::new(
            pgwire::error::SqlState::from_code("22025"),
            "LIKE pattern must not end with escape character",
        ));
    }
    // Backtracking on the last `%` only: linear for patterns without nested ambiguity.
    let (mut p, mut v) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while v < value.len() {
        match pattern.get(p) {
            Some('%') => {
                star = Some((p, v));
                p += 1;
                continue;
            }
            Some('\\') if pattern.get(p + 1) == Some(&value[v]) => {
                p += 2;
                v += 1;
                continue;
            }
            Some('\\') => {}
            Some('_') => {
                p += 1;
                v += 1;
                continue;
            }
            Some(&c) if c == value[v] => {
                p += 1;
                v += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((sp, sv)) => {
                p = sp + 1;
                v = sv + 1;
                star = Some((sp, sv + 1));
            }
            None => return Ok(false),
        }
    }
    Ok(pattern[p..].iter().all(|&c| c == '%'))
}

pub(crate) fn text_arg(ctx: &Context<'_>, i: usize) -> Option<String> {
    match ctx.get_raw(i) {
        ValueRef::Null => None,
        ValueRef::Integer(v) => Some(v.to_string()),
        ValueRef::Real(v) => Some(v.to_string()),
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
    }
}

fn random_uuid() -> String {
    let mut b = [0u8; 16];
    // SAFETY: writes exactly 16 bytes into `b`.
    unsafe { rusqlite::ffi::sqlite3_randomness(16, b.as_mut_ptr().cast()) };
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut out = bytes::BytesMut::new();
    super::encode::put_uuid(&mut out, &b);
    String::from_utf8_lossy(&out).into_owned()
}

/// Registers the functions on `conn`.
pub fn register(conn: &Connection, info: &SessionInfo) -> Result<()> {
    let pure = FunctionFlags::SQLITE_UTF8
        | FunctionFlags::SQLITE_DETERMINISTIC
        | FunctionFlags::SQLITE_INNOCUOUS;
    let volatile = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_INNOCUOUS;
    let v = version();
    conn.create_scalar_function("version", 0, pure, move |_| Ok(v.clone()))?;
    for (name, value) in [
        ("current_database", info.database.clone()),
        ("current_catalog", info.database.clone()),
        ("current_user", info.user.clone()),
        ("session_user", info.user.clone()),
        ("current_role", info.user.clone()),
        ("user", info.user.clone()),
        ("current_schema", "public".to_owned()),
    ] {
        conn.create_scalar_function(name, 0, pure, move |_| Ok(value.clone()))?;
    }
    let pid = info.pid;
    conn.create_scalar_function("pg_backend_pid", 0, pure, move |_| Ok(pid))?;
    for name in [
        "now",
        "transaction_timestamp",
        "statement_timestamp",
        "clock_timestamp",
    ] {
        conn.create_scalar_function(name, 0, volatile, |_| Ok(datetime::now_text()))?;
    }
    conn.create_scalar_function("pg_sleep", 1, volatile, |ctx| {
        let secs = match ctx.get_raw(0) {
            ValueRef::Integer(i) => i as f64,
            ValueRef::Real(r) => r,
            ValueRef::Null => return Ok(None::<String>),
            ValueRef::Text(t) => std::str::from_utf8(t)
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .ok_or_else(|| {
                    pg_error("22P02", "invalid input syntax for type double precision")
                })?,
            ValueRef::Blob(_) => {
                return Err(pg_error("42883", "function pg_sleep(bytea) does not exist"));
            }
        };
        let d = Duration::from_secs_f64(secs.clamp(0.0, 1e9));
        if exec::sleep(d) {
            Ok(Some(String::new()))
        } else {
            Err(pg_error("57014", "canceling statement due to user request"))
        }
    })?;
    let notifier = info.notifier.clone();
    conn.create_scalar_function("pg_notify", 2, volatile, move |ctx| {
        // pg_notify(text, text): a number or bytea finds no function, as in PostgreSQL.
        let args = [ctx.get_raw(0), ctx.get_raw(1)];
        if args
            .iter()
            .any(|a| !matches!(a, ValueRef::Null | ValueRef::Text(_)))
        {
            let [a, b] = args.map(|a| match a {
                ValueRef::Integer(_) => "integer",
                ValueRef::Real(_) => "numeric",
                ValueRef::Blob(_) => "bytea",
                ValueRef::Null | ValueRef::Text(_) => "unknown",
            });
            return Err(pg_error(
                "42883",
                format!("function pg_notify({a}, {b}) does not exist"),
            ));
        }
        // PostgreSQL reads a NULL channel or payload as the empty string.
        let channel = text_arg(ctx, 0).unwrap_or_default();
        let payload = text_arg(ctx, 1).unwrap_or_default();
        notifier.notify(&channel, &payload).map_err(from_pg)?;
        Ok(String::new())
    })?;
    conn.create_scalar_function("pgwire_bool", 1, pure, |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Null => None,
            ValueRef::Integer(i) => Some(i64::from(i != 0)),
            ValueRef::Real(r) => Some(i64::from(r != 0.0)),
            ValueRef::Text(t) | ValueRef::Blob(t) => match parse_bool(t) {
                Some(b) => Some(i64::from(b)),
                None => {
                    return Err(pg_error(
                        "22P02",
                        format!(
                            "invalid input syntax for type boolean: \"{}\"",
                            String::from_utf8_lossy(t)
                        ),
                    ));
                }
            },
        })
    })?;
    for (name, ty) in [
        ("pgwire_int2", Type::INT2),
        ("pgwire_int4", Type::INT4),
        ("pgwire_int8", Type::INT8),
    ] {
        conn.create_scalar_function(name, 1, pure, move |ctx| to_int(&ty, ctx.get_raw(0)))?;
    }
    for (name, ty) in [
        ("pgwire_float4", Type::FLOAT4),
        ("pgwire_float8", Type::FLOAT8),
    ] {
        conn.create_scalar_function(name, 1, pure, move |ctx| to_float(&ty, ctx.get_raw(0)))?;
    }
    conn.create_scalar_function("pgwire_valid", 3, pure, |ctx| {
        let ty = Type::from_oid(ctx.get::<u32>(0)?).unwrap_or(Type::TEXT);
        valid(&ty, ctx.get::<i32>(1)?, ctx.get_raw(2)).map_err(from_pg)?;
        Ok(true)
    })?;
    // `x REGEXP p` is how ILIKE arrives (see translate): p is a LIKE pattern.
    conn.create_scalar_function("regexp", 2, pure, |ctx| {
        let (Some(pattern), Some(value)) = (text_arg(ctx, 0), text_arg(ctx, 1)) else {
            return Ok(None);
        };
        let fold = |s: &str| {
            s.chars()
                .flat_map(char::to_lowercase)
                .collect::<Vec<char>>()
        };
        Ok(Some(like(&fold(&pattern), &fold(&value)).map_err(from_pg)?))
    })?;
    super::text_functions::register(conn, pure)?;
    super::date_functions::register(conn, pure)?;
    conn.create_scalar_function("pgwire_bytea", 1, pure, |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Null => Value::Null,
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
            ValueRef::Text(t) => Value::Blob(decode_bytea_hex(t).unwrap_or_else(|| t.to_vec())),
            other => Value::Blob(text_arg_ref(other).into_bytes()),
        })
    })?;
    conn.create_scalar_function("format_type", 2, pure, |ctx| {
        let Some(oid) = text_arg(ctx, 0).and_then(|s| s.parse::<u32>().ok()) else {
            return Ok(None);
        };
        let typmod = text_arg(ctx, 1)
            .and_then(|s| s.parse::<i32>().ok())
            .unwrap_or(-1);
        Ok(Some(types::format_type(oid, typmod)))
    })?;
    conn.create_scalar_function("gen_random_uuid", 0, volatile, |_| Ok(random_uuid()))?;
    Ok(())
}

fn text_arg_ref(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => String::new(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(r) => r.to_string(),
        ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::like;

    #[test]
    fn like_patterns() {
        let m = |p: &str, v: &str| {
            like(
                &p.chars().collect::<Vec<_>>(),
                &v.chars().collect::<Vec<_>>(),
            )
            .unwrap()
        };
        assert!(m("a%", "abc"));
        assert!(m("%b%", "abc"));
        assert!(m("a_c", "abc"));
        assert!(m("%", ""));
        assert!(m("a%c%e", "abxcyce"));
        assert!(!m("a%c%e", "abxcy"));
        assert!(!m("a_", "abc"));
        assert!(m("100\\%", "100%"));
        assert!(!m("100\\%", "1000"));
        assert!(m("ü%", "über"));
        assert!(like(&['a', '\\'], &['a']).is_err());
    }
}
