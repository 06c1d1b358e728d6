//! GlueSQL's types and values as PostgreSQL's, and bound parameters as GlueSQL literals.

use std::fmt::Write as _;

use gluesql::core::ast::DataType;
use gluesql::core::data::{Interval as GInterval, Value as G};
use gluesql::core::prelude::{Payload, PayloadVariable};
use pgwire::prelude::*;
use pgwire::sql::literal::{quote, write_literal};
use pgwire::types::{Interval, Numeric, Value};

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

/// A GlueSQL value as the value of the PostgreSQL type [`pg_type`] gives its type.
fn value(v: G) -> PgResult<Value> {
    Ok(match v {
        G::Null => Value::Null,
        G::Bool(v) => v.into(),
        G::I8(v) => i16::from(v).into(),
        G::U8(v) => i16::from(v).into(),
        G::I16(v) => v.into(),
        G::U16(v) => i32::from(v).into(),
        G::I32(v) => v.into(),
        G::U32(v) => i64::from(v).into(),
        G::I64(v) => v.into(),
        G::I128(v) => Numeric::from(v).into(),
        G::U64(v) => Numeric::from(v).into(),
        G::U128(v) => Numeric::from(v).into(),
        G::Decimal(v) => v.to_string().parse::<Numeric>()?.into(),
        G::F32(v) => v.into(),
        G::F64(v) => v.into(),
        G::Str(v) => v.into(),
        G::Bytea(v) => v.into(),
        G::Inet(v) => v.to_string().into(),
        G::Point(v) => v.to_string().into(),
        G::Date(v) => v.into(),
        G::Timestamp(v) => v.into(),
        G::Time(v) => v.into(),
        G::Interval(GInterval::Month(months)) => Value::Interval(Interval {
            months,
            days: 0,
            microseconds: 0,
        }),
        G::Interval(GInterval::Microsecond(us)) => Value::Interval(Interval {
            months: 0,
            days: i32::try_from(us / DAY_US).unwrap_or(i32::MAX),
            microseconds: us % DAY_US,
        }),
        G::Uuid(v) => uuid::Uuid::from_u128(v).into(),
        v @ (G::Map(_) | G::List(_)) => serde_json::Value::try_from(v)
            .map_err(super::error::to_pg)?
            .into(),
    })
}

/// Appends `v` as a GlueSQL literal: PostgreSQL's ([`write_literal`]), untyped, so GlueSQL
/// types it by where it stands (`'2024-01-02'` into a `DATE` column), except for the values
/// GlueSQL writes its own way.
pub(super) fn literal(v: &Value, out: &mut String) -> PgResult<()> {
    match v {
        Value::Bytea(b) => {
            out.push_str("X'");
            b.iter().for_each(|b| _ = write!(out, "{b:02x}"));
            out.push('\'');
        }
        Value::Float4(f) if !f.is_finite() => _ = write!(out, "CAST('{f}' AS FLOAT32)"),
        Value::Float8(f) if !f.is_finite() => _ = write!(out, "CAST('{f}' AS FLOAT)"),
        Value::Interval(i) if i.months == 0 => {
            let us = i64::from(i.days) * DAY_US + i.microseconds;
            let sign = if us < 0 { "-" } else { "" };
            let (s, frac) = (us.unsigned_abs() / 1_000_000, us.unsigned_abs() % 1_000_000);
            _ = write!(out, "INTERVAL '{sign}{s}.{frac:06}' SECOND");
        }
        Value::Interval(i) if i.days == 0 && i.microseconds == 0 => {
            _ = write!(out, "INTERVAL '{}' MONTH", i.months);
        }
        Value::Interval(_) => {
            let msg = "GlueSQL intervals hold months or a time span, not both";
            return Err(PgError::not_supported(msg));
        }
        Value::Timestamptz(t) => quote(out, &t.naive_utc().to_string()),
        Value::Array(_) => return Err(PgError::not_supported("array parameters")),
        _ => write_literal(out, v, None)?,
    }
    Ok(())
}

/// Result rows: their labels and values.
#[derive(Debug)]
pub(super) struct Table {
    pub labels: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

/// What a statement returned: its rows, or (`Err`) how many rows it changed.
pub(super) fn table(p: Payload) -> PgResult<Result<Table, u64>> {
    let one = |label: &str, values: Vec<String>| {
        (
            vec![label.to_owned()],
            values.into_iter().map(|v| vec![G::Str(v)]).collect(),
        )
    };
    let (labels, rows): (Vec<String>, Vec<Vec<G>>) = match p {
        Payload::Select { labels, rows } => (labels, rows),
        Payload::SelectMap(rows) => (
            vec!["_doc".to_owned()],
            rows.into_iter().map(|m| vec![G::Map(m)]).collect(),
        ),
        Payload::ShowColumns(cols) => (
            vec!["field".to_owned(), "type".to_owned()],
            (cols.into_iter())
                .map(|(name, ty)| vec![G::Str(name), G::Str(ty.to_string())])
                .collect(),
        ),
        Payload::ShowVariable(PayloadVariable::Tables(t)) => one("table", t),
        Payload::ShowVariable(PayloadVariable::Functions(f)) => one("function", f),
        Payload::ShowVariable(PayloadVariable::Version(v)) => one("version", vec![v]),
        Payload::Insert(n) | Payload::Update(n) | Payload::Delete(n) => return Ok(Err(n as u64)),
        _ => return Ok(Err(0)),
    };
    let rows = (rows.into_iter())
        .map(|row| row.into_iter().map(value).collect())
        .collect::<PgResult<_>>()?;
    Ok(Ok(Table { labels, rows }))
}
