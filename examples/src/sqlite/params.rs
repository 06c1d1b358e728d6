//! Binding a portal's parameters: each value is read as its PostgreSQL type (declared by the
//! client, or inferred) in text or binary format and bound as the SQLite storage class that
//! holds it (integers, floats, text, blobs; booleans as 0/1; dates and times as text).

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use pgwire::error::{PgError, PgResult, SqlState};
use pgwire::types::{Format, FromPgValue, Params, Type};

use super::encode::{decode_bytea_hex, parse_float, parse_uuid, put_uuid};
use super::numeric;
use super::raw::Stmt;

fn invalid_text(ty: &Type, raw: &[u8]) -> PgError {
    PgError::new(
        SqlState::INVALID_TEXT_REPRESENTATION,
        format!(
            "invalid input syntax for type {}: \"{}\"",
            super::types::format_type(ty.oid(), -1),
            String::from_utf8_lossy(raw)
        ),
    )
}

fn invalid_binary(i: usize) -> PgError {
    PgError::new(
        SqlState::INVALID_BINARY_REPRESENTATION,
        format!("incorrect binary data format in bind parameter {}", i + 1),
    )
}

fn utf8(raw: &[u8]) -> PgResult<&str> {
    std::str::from_utf8(raw).map_err(|_| {
        PgError::new(
            SqlState::CHARACTER_NOT_IN_REPERTOIRE,
            "invalid byte sequence for encoding \"UTF8\"",
        )
    })
}

/// A value ready to bind (a parameter, or a field of a COPY FROM row).
pub enum Bound<'a> {
    /// INTEGER
    Int(i64),
    /// REAL
    Real(f64),
    /// TEXT, borrowed from the input.
    Text(&'a str),
    /// TEXT, rewritten (a canonical UUID, a date…).
    Owned(String),
    /// BLOB, borrowed from the input.
    Blob(&'a [u8]),
    /// BLOB, decoded (bytea hex).
    OwnedBlob(Vec<u8>),
}

impl Bound<'_> {
    /// Binds the value to parameter `idx` (1-based) of `stmt`.
    #[inline]
    pub fn bind(&self, stmt: &mut Stmt, idx: usize) -> PgResult<()> {
        let r = match self {
            Bound::Int(v) => stmt.bind_int(idx, *v),
            Bound::Real(v) => stmt.bind_real(idx, *v),
            Bound::Text(s) => stmt.bind_text(idx, s),
            Bound::Owned(s) => stmt.bind_text(idx, s),
            Bound::Blob(b) => stmt.bind_blob(idx, b),
            Bound::OwnedBlob(b) => stmt.bind_blob(idx, b),
        };
        r.map_err(|e| super::errors::to_pg(&e))
    }
}

fn int_be(raw: &[u8]) -> Option<i64> {
    Some(match raw.len() {
        2 => i64::from(i16::from_be_bytes(raw.try_into().ok()?)),
        4 => i64::from(i32::from_be_bytes(raw.try_into().ok()?)),
        8 => i64::from_be_bytes(raw.try_into().ok()?),
        _ => return None,
    })
}

fn epoch() -> chrono::NaiveDateTime {
    NaiveDate::from_ymd_opt(2000, 1, 1)
        .unwrap_or_default()
        .and_time(NaiveTime::MIN)
}

/// Reads the text form of a value of type `ty` (PostgreSQL's input rules and errors).
#[inline]
pub fn decode_text<'a>(ty: &Type, raw: &'a [u8]) -> PgResult<Bound<'a>> {
    // Numbers and booleans are read by the runtime's input functions, which reject and
    // range-check as int4in, float8in and boolin do (22P02, 22003).
    Ok(match *ty {
        Type::INT2 => Bound::Int(i16::from_text(ty, raw)?.into()),
        Type::INT4 => Bound::Int(i32::from_text(ty, raw)?.into()),
        Type::INT8 => Bound::Int(i64::from_text(ty, raw)?),
        Type::OID => Bound::Int(u32::from_text(ty, raw)?.into()),
        Type::FLOAT4 => Bound::Real(f32::from_text(ty, raw)?.into()),
        Type::FLOAT8 => Bound::Real(f64::from_text(ty, raw)?),
        Type::NUMERIC => {
            let s = utf8(raw)?.trim();
            match s.parse::<i64>() {
                Ok(i) => Bound::Int(i),
                Err(_) => Bound::Real(parse_float(raw).ok_or_else(|| invalid_text(ty, raw))?),
            }
        }
        Type::BOOL => Bound::Int(i64::from(bool::from_text(ty, raw)?)),
        Type::BYTEA => match decode_bytea_hex(raw) {
            Some(b) => Bound::OwnedBlob(b),
            None if raw.starts_with(b"\\x") => return Err(invalid_text(ty, raw)),
            None => Bound::Blob(raw),
        },
        Type::UUID => {
            let u = parse_uuid(raw).ok_or_else(|| invalid_text(ty, raw))?;
            let mut b = bytes::BytesMut::new();
            put_uuid(&mut b, &u);
            Bound::Owned(String::from_utf8_lossy(&b).into_owned())
        }
        _ => Bound::Text(utf8(raw)?),
    })
}

/// Reads the binary form of a value of type `ty`; `bad` makes the error for malformed data
/// (its wording differs between Bind and COPY).
pub fn decode_binary<'a>(
    ty: &Type,
    raw: &'a [u8],
    bad: &dyn Fn() -> PgError,
) -> PgResult<Bound<'a>> {
    Ok(match *ty {
        Type::INT2 | Type::INT4 | Type::INT8 => Bound::Int(int_be(raw).ok_or_else(bad)?),
        Type::OID => Bound::Int(i64::from(u32::from_be_bytes(
            raw.try_into().map_err(|_| bad())?,
        ))),
        Type::FLOAT4 | Type::FLOAT8 => Bound::Real(match raw.len() {
            4 => f64::from(f32::from_be_bytes(raw.try_into().map_err(|_| bad())?)),
            8 => f64::from_be_bytes(raw.try_into().map_err(|_| bad())?),
            _ => return Err(bad()),
        }),
        Type::BOOL => match raw {
            [b] => Bound::Int(i64::from(*b != 0)),
            _ => return Err(bad()),
        },
        Type::NUMERIC => {
            let s = numeric::decode_binary(raw).ok_or_else(bad)?;
            match s.parse::<i64>() {
                Ok(i) => Bound::Int(i),
                Err(_) => match s.parse::<f64>() {
                    Ok(f) => Bound::Real(f),
                    Err(_) => Bound::Owned(s),
                },
            }
        }
        Type::BYTEA => Bound::Blob(raw),
        Type::JSONB => match raw.split_first() {
            Some((1, rest)) => Bound::Text(utf8(rest)?),
            _ => return Err(bad()),
        },
        Type::UUID => {
            let u: [u8; 16] = raw.try_into().map_err(|_| bad())?;
            let mut b = bytes::BytesMut::new();
            put_uuid(&mut b, &u);
            Bound::Owned(String::from_utf8_lossy(&b).into_owned())
        }
        Type::TIMESTAMP | Type::TIMESTAMPTZ => {
            let micros = i64::from_be_bytes(raw.try_into().map_err(|_| bad())?);
            let dt = epoch() + chrono::Duration::microseconds(micros);
            if *ty == Type::TIMESTAMPTZ {
                Bound::Owned(
                    DateTime::<Utc>::from_naive_utc_and_offset(dt, Utc)
                        .format("%Y-%m-%d %H:%M:%S%.f+00:00")
                        .to_string(),
                )
            } else {
                Bound::Owned(dt.format("%Y-%m-%d %H:%M:%S%.f").to_string())
            }
        }
        Type::DATE => {
            let days = i32::from_be_bytes(raw.try_into().map_err(|_| bad())?);
            let d = epoch().date() + chrono::Duration::days(i64::from(days));
            Bound::Owned(d.format("%Y-%m-%d").to_string())
        }
        Type::TIME => {
            let micros = i64::from_be_bytes(raw.try_into().map_err(|_| bad())?);
            let t = NaiveTime::MIN + chrono::Duration::microseconds(micros);
            Bound::Owned(t.format("%H:%M:%S%.f").to_string())
        }
        Type::TEXT
        | Type::VARCHAR
        | Type::BPCHAR
        | Type::NAME
        | Type::UNKNOWN
        | Type::JSON
        | Type::XML => Bound::Text(utf8(raw)?),
        _ => {
            return Err(PgError::not_supported(format!(
                "binary format for parameters of type {} is not supported",
                ty.name()
            )));
        }
    })
}

/// Binds every parameter of `params` to `stmt` (`$n` is `?n`).
pub fn bind(stmt: &mut Stmt, params: &Params) -> PgResult<()> {
    let n = stmt.param_count().min(params.len());
    for i in 0..n {
        let idx = i + 1;
        let Some(raw) = params.raw(i) else {
            stmt.bind_null(idx).map_err(|e| super::errors::to_pg(&e))?;
            continue;
        };
        let ty = params.ty(i);
        let value = match params.format(i) {
            Format::Text => decode_text(ty, raw),
            Format::Binary => decode_binary(ty, raw, &|| invalid_binary(i)),
        }
        .map_err(|mut e| {
            if e.where_.is_none() && e.code != SqlState::INVALID_BINARY_REPRESENTATION {
                e.where_ = Some(format!("unnamed portal parameter ${idx}"));
            }
            e
        })?;
        value.bind(stmt, idx)?;
    }
    Ok(())
}
