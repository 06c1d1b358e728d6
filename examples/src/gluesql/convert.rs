//! GlueSQL's types and values as PostgreSQL's, and bound parameters as GlueSQL literals.

use std::fmt::Write as _;

use gluesql::core::ast::DataType;
use gluesql::core::data::{Interval as GInterval, Value as G};
use gluesql::core::prelude::{Payload, PayloadVariable};
use pgwire::prelude::*;
use pgwire::types::{Interval, Numeric, ToPgValue, Value};

const DAY_US: i64 = 86_400_000_000;

/// The PostgreSQL type a GlueSQL column type is sent as. GlueSQL's unsigned and 1-byte
/// integers take the next wider PostgreSQL integer; `MAP` and `LIST` are `jsonb`; `INET` and
/// `POINT` are `text`.
pub(super) fn pg_type(t: &DataType) -> Type {
    match t {
        DataType::Boolean => Type::BOOL,
        DataType::Int8 | DataType::Int16 | DataType::Uint8 => Type::INT2,
        DataType::Int32 | DataType::Uint16 => Type::INT4,
        DataType::Int | DataType::Uint32 => Type::INT8,
        DataType::Int128 | DataType::Uint64 | DataType::Uint128 | DataType::Decimal => {
            Type::NUMERIC
        }
        DataType::Float32 => Type::FLOAT4,
        DataType::Float => Type::FLOAT8,
        DataType::Text | DataType::Inet | DataType::Point => Type::TEXT,
        DataType::Bytea => Type::BYTEA,
        DataType::Date => Type::DATE,
        DataType::Timestamp => Type::TIMESTAMP,
        DataType::Time => Type::TIME,
        DataType::Interval => Type::INTERVAL,
        DataType::Uuid => Type::UUID,
        DataType::Map | DataType::List => Type::JSONB,
    }
}

fn numeric(n: impl ToString) -> PgResult<Numeric> {
    n.to_string().parse()
}

/// Appends `v` as the next field, in the PostgreSQL type [`pg_type`] gives its GlueSQL type.
pub(super) fn encode(enc: &mut DataRowEncoder, v: &G) -> PgResult<()> {
    match v {
        G::Null => enc.encode_field(&None::<i32>),
        G::Bool(v) => enc.encode_field(v),
        G::I8(v) => enc.encode_field(&i16::from(*v)),
        G::U8(v) => enc.encode_field(&i16::from(*v)),
        G::I16(v) => enc.encode_field(v),
        G::U16(v) => enc.encode_field(&i32::from(*v)),
        G::I32(v) => enc.encode_field(v),
        G::U32(v) => enc.encode_field(&i64::from(*v)),
        G::I64(v) => enc.encode_field(v),
        G::I128(v) => enc.encode_field(&numeric(v)?),
        G::U64(v) => enc.encode_field(&numeric(v)?),
        G::U128(v) => enc.encode_field(&numeric(v)?),
        G::Decimal(v) => enc.encode_field(&numeric(v)?),
        G::F32(v) => enc.encode_field(v),
        G::F64(v) => enc.encode_field(v),
        G::Str(v) => enc.encode_field(v.as_str()),
        G::Bytea(v) => enc.encode_field(v.as_slice()),
        G::Inet(v) => enc.encode_field(&v.to_string()),
        G::Point(v) => enc.encode_field(&v.to_string()),
        G::Date(v) => enc.encode_field(v),
        G::Timestamp(v) => enc.encode_field(v),
        G::Time(v) => enc.encode_field(v),
        G::Interval(GInterval::Month(months)) => enc.encode_field(&Interval {
            months: *months,
            days: 0,
            microseconds: 0,
        }),
        G::Interval(GInterval::Microsecond(us)) => enc.encode_field(&Interval {
            months: 0,
            days: i32::try_from(us / DAY_US).unwrap_or(i32::MAX),
            microseconds: us % DAY_US,
        }),
        G::Uuid(v) => enc.encode_field(&uuid::Uuid::from_u128(*v)),
        G::Map(_) | G::List(_) => {
            let json = serde_json::Value::try_from(v.clone()).map_err(super::error::to_pg)?;
            enc.encode_field(&json)
        }
    }
}

/// `v` as a GlueSQL literal, typed by where it stands as a literal written in the query would
/// be (`'2024-01-02'` into a `DATE` column). Negative numbers are parenthesized so that
/// `x-$1` cannot become a `--` comment.
pub(super) fn literal(v: &Value) -> PgResult<String> {
    let mut out = String::new();
    let neg = |s: String| {
        if s.starts_with('-') {
            format!("({s})")
        } else {
            s
        }
    };
    match v {
        Value::Null => out.push_str("NULL"),
        Value::Bool(b) => out.push_str(if *b { "TRUE" } else { "FALSE" }),
        Value::Int2(_) | Value::Int4(_) | Value::Int8(_) | Value::Oid(_) => {
            out = neg(text(v)?);
        }
        Value::Float4(f) if f.is_finite() => out = neg(f.to_string()),
        Value::Float8(f) if f.is_finite() => out = neg(f.to_string()),
        Value::Float4(f) => out = format!("CAST('{f}' AS FLOAT32)"),
        Value::Float8(f) => out = format!("CAST('{f}' AS FLOAT)"),
        Value::Numeric(n) if n.is_finite() => out = neg(n.as_str().to_owned()),
        Value::Bytea(b) => {
            out.push_str("X'");
            b.iter().for_each(|b| _ = write!(out, "{b:02x}"));
            out.push('\'');
        }
        Value::Interval(i) if i.months == 0 => {
            let us = i64::from(i.days) * DAY_US + i.microseconds;
            let sign = if us < 0 { "-" } else { "" };
            let (s, frac) = (us.unsigned_abs() / 1_000_000, us.unsigned_abs() % 1_000_000);
            out = format!("INTERVAL '{sign}{s}.{frac:06}' SECOND");
        }
        Value::Interval(i) if i.days == 0 && i.microseconds == 0 => {
            out = format!("INTERVAL '{}' MONTH", i.months);
        }
        Value::Interval(_) => {
            return Err(PgError::not_supported(
                "GlueSQL intervals hold months or a time span, not both",
            ));
        }
        Value::Array(_) => return Err(PgError::not_supported("array parameters")),
        Value::Timestamptz(t) => out = quote(&t.naive_utc().to_string()),
        _ => out = quote(&text(v)?),
    }
    Ok(out)
}

fn text(v: &Value) -> PgResult<String> {
    let mut buf = bytes::BytesMut::new();
    v.encode_text(&mut buf)?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// A standard SQL string literal (GlueSQL's PostgreSQL dialect: no backslash escapes).
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A result as labels and rows.
#[derive(Debug)]
pub(super) struct Table {
    pub labels: Vec<String>,
    pub rows: Vec<Vec<G>>,
}

/// The rows a statement returned, or the tag of a command (`command`: its leading keywords).
pub(super) fn into_table(p: Payload, command: &str) -> Result<Table, Tag> {
    let one = |label: &str, values: Vec<String>| Table {
        labels: vec![label.to_owned()],
        rows: values.into_iter().map(|v| vec![G::Str(v)]).collect(),
    };
    Ok(match p {
        Payload::Select { labels, rows } => Table { labels, rows },
        Payload::SelectMap(rows) => Table {
            labels: vec!["_doc".to_owned()],
            rows: rows.into_iter().map(|m| vec![G::Map(m)]).collect(),
        },
        Payload::ShowColumns(cols) => Table {
            labels: vec!["field".to_owned(), "type".to_owned()],
            rows: (cols.into_iter())
                .map(|(name, ty)| vec![G::Str(name), G::Str(ty.to_string())])
                .collect(),
        },
        Payload::ShowVariable(PayloadVariable::Tables(t)) => one("table", t),
        Payload::ShowVariable(PayloadVariable::Functions(f)) => one("function", f),
        Payload::ShowVariable(PayloadVariable::Version(v)) => one("version", vec![v]),
        Payload::Insert(n) => return Err(Tag::insert(n as u64)),
        Payload::Update(n) => return Err(Tag::update(n as u64)),
        Payload::Delete(n) => return Err(Tag::delete(n as u64)),
        _ => return Err(Tag::new(command.to_owned())),
    })
}
