//! [`Value`]: a value whose type is known only at run time.

use bytes::BytesMut;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use uuid::Uuid;

use super::array::{
    decode_array_binary, decode_array_text, encode_array_binary, encode_array_text,
};
use super::errors::cannot_read;
use super::{
    FromPgValue, Interval, IsNull, Numeric, ToPgValue, Type, array_type, element_type, is_textual,
};
use crate::error::PgResult;

/// A value of any type pgwire knows, for engines that learn types at run time (SQLite,
/// GlueSQL, a proxy).
///
/// Text output is each variant's own; binary output follows the column's type with the
/// module's conversion rules (an `Int8` into an `integer` column is sent as 4 bytes when
/// it fits, any value into a `text` column as its text form, a `Text` into an `integer`
/// column is parsed).
///
/// ```
/// use bytes::BytesMut;
/// use pgwire::types::{ToPgValue, Type, Value};
///
/// let v = Value::from_text(&Type::INT4_ARRAY, b"{1,NULL,3}").unwrap();
/// assert_eq!(v, Value::Array(vec![Value::Int4(1), Value::Null, Value::Int4(3)]));
/// let mut buf = BytesMut::new();
/// Value::Int8(7).encode_binary(&Type::INT2, &mut buf).unwrap();
/// assert_eq!(&buf[..], &[0, 7]);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// SQL NULL.
    #[default]
    Null,
    /// `boolean`.
    Bool(bool),
    /// `smallint`.
    Int2(i16),
    /// `integer`.
    Int4(i32),
    /// `bigint`.
    Int8(i64),
    /// `oid` (and the other 4-byte identifier types).
    Oid(u32),
    /// `real`.
    Float4(f32),
    /// `double precision`.
    Float8(f64),
    /// `numeric`.
    Numeric(Numeric),
    /// Any character type (`text`, `varchar`, `bpchar`, `name`, `json` as written, …).
    Text(String),
    /// `bytea`.
    Bytea(Vec<u8>),
    /// `date`.
    Date(NaiveDate),
    /// `time`.
    Time(NaiveTime),
    /// `timestamp`.
    Timestamp(NaiveDateTime),
    /// `timestamptz`.
    Timestamptz(DateTime<Utc>),
    /// `interval`.
    Interval(Interval),
    /// `uuid`.
    Uuid(Uuid),
    /// `jsonb` (also sent into `json` columns).
    Json(serde_json::Value),
    /// A one-dimensional array.
    Array(Vec<Value>),
}

impl Value {
    /// The PostgreSQL type this value has on its own (`Null` is `unknown`, an array takes
    /// its first non-NULL element's array type, `text[]` when there is none).
    pub fn pg_type(&self) -> Type {
        match self {
            Value::Null => Type::UNKNOWN,
            Value::Bool(_) => Type::BOOL,
            Value::Int2(_) => Type::INT2,
            Value::Int4(_) => Type::INT4,
            Value::Int8(_) => Type::INT8,
            Value::Oid(_) => Type::OID,
            Value::Float4(_) => Type::FLOAT4,
            Value::Float8(_) => Type::FLOAT8,
            Value::Numeric(_) => Type::NUMERIC,
            Value::Text(_) => Type::TEXT,
            Value::Bytea(_) => Type::BYTEA,
            Value::Date(_) => Type::DATE,
            Value::Time(_) => Type::TIME,
            Value::Timestamp(_) => Type::TIMESTAMP,
            Value::Timestamptz(_) => Type::TIMESTAMPTZ,
            Value::Interval(_) => Type::INTERVAL,
            Value::Uuid(_) => Type::UUID,
            Value::Json(_) => Type::JSONB,
            Value::Array(items) => items
                .iter()
                .find(|v| !v.is_null())
                .and_then(|v| array_type(&v.pg_type()))
                .unwrap_or(Type::TEXT_ARRAY),
        }
    }

    /// Whether this is `Null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Parses the text form of a value of type `ty`. Types this module does not know become
    /// `Text` (their text form kept as it is), as do the character types and `json`.
    pub fn from_text(ty: &Type, raw: &[u8]) -> PgResult<Value> {
        Ok(match *ty {
            Type::BOOL => Value::Bool(bool::from_text(ty, raw)?),
            Type::INT2 => Value::Int2(i16::from_text(ty, raw)?),
            Type::INT4 => Value::Int4(i32::from_text(ty, raw)?),
            Type::INT8 => Value::Int8(i64::from_text(ty, raw)?),
            Type::OID => Value::Oid(u32::from_text(ty, raw)?),
            Type::FLOAT4 => Value::Float4(f32::from_text(ty, raw)?),
            Type::FLOAT8 => Value::Float8(f64::from_text(ty, raw)?),
            Type::NUMERIC => Value::Numeric(Numeric::from_text(ty, raw)?),
            Type::BYTEA => Value::Bytea(Vec::<u8>::from_text(ty, raw)?),
            Type::DATE => Value::Date(NaiveDate::from_text(ty, raw)?),
            Type::TIME => Value::Time(NaiveTime::from_text(ty, raw)?),
            Type::TIMESTAMP => Value::Timestamp(NaiveDateTime::from_text(ty, raw)?),
            Type::TIMESTAMPTZ => Value::Timestamptz(DateTime::<Utc>::from_text(ty, raw)?),
            Type::INTERVAL => Value::Interval(Interval::from_text(ty, raw)?),
            Type::UUID => Value::Uuid(Uuid::from_text(ty, raw)?),
            Type::JSONB => Value::Json(serde_json::Value::from_text(ty, raw)?),
            _ if element_type(ty).is_some() => Value::Array(decode_array_text(ty, raw)?),
            _ => Value::Text(String::from_text(ty, raw)?),
        })
    }

    /// Reads the binary form of a value of type `ty`; a type this module does not know is
    /// an error (42804), except the text-like ones, which become `Text`.
    pub fn from_binary(ty: &Type, raw: &[u8]) -> PgResult<Value> {
        Ok(match *ty {
            Type::BOOL => Value::Bool(bool::from_binary(ty, raw)?),
            Type::INT2 => Value::Int2(i16::from_binary(ty, raw)?),
            Type::INT4 => Value::Int4(i32::from_binary(ty, raw)?),
            Type::INT8 => Value::Int8(i64::from_binary(ty, raw)?),
            Type::OID => Value::Oid(u32::from_binary(ty, raw)?),
            Type::FLOAT4 => Value::Float4(f32::from_binary(ty, raw)?),
            Type::FLOAT8 => Value::Float8(f64::from_binary(ty, raw)?),
            Type::NUMERIC => Value::Numeric(Numeric::from_binary(ty, raw)?),
            Type::BYTEA => Value::Bytea(raw.to_vec()),
            Type::DATE => Value::Date(NaiveDate::from_binary(ty, raw)?),
            Type::TIME => Value::Time(NaiveTime::from_binary(ty, raw)?),
            Type::TIMESTAMP => Value::Timestamp(NaiveDateTime::from_binary(ty, raw)?),
            Type::TIMESTAMPTZ => Value::Timestamptz(DateTime::<Utc>::from_binary(ty, raw)?),
            Type::INTERVAL => Value::Interval(Interval::from_binary(ty, raw)?),
            Type::UUID => Value::Uuid(Uuid::from_binary(ty, raw)?),
            Type::JSONB => Value::Json(serde_json::Value::from_binary(ty, raw)?),
            Type::JSON => Value::Text(String::from_binary(ty, raw)?),
            Type::CHAR => {
                let mut b = BytesMut::new();
                i8::from_binary(ty, raw)?.encode_text(&mut b)?;
                Value::Text(String::from_utf8_lossy(&b).into_owned())
            }
            _ if element_type(ty).is_some() => Value::Array(decode_array_binary(ty, raw)?),
            _ if is_textual(ty) => Value::Text(String::from_binary(ty, raw)?),
            _ => return Err(cannot_read("a value", ty)),
        })
    }
}

impl ToPgValue for Value {
    fn encode_text(&self, buf: &mut BytesMut) -> PgResult<IsNull> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Bool(v) => v.encode_text(buf),
            Value::Int2(v) => v.encode_text(buf),
            Value::Int4(v) => v.encode_text(buf),
            Value::Int8(v) => v.encode_text(buf),
            Value::Oid(v) => v.encode_text(buf),
            Value::Float4(v) => v.encode_text(buf),
            Value::Float8(v) => v.encode_text(buf),
            Value::Numeric(v) => v.encode_text(buf),
            Value::Text(v) => v.encode_text(buf),
            Value::Bytea(v) => v.encode_text(buf),
            Value::Date(v) => v.encode_text(buf),
            Value::Time(v) => v.encode_text(buf),
            Value::Timestamp(v) => v.encode_text(buf),
            Value::Timestamptz(v) => v.encode_text(buf),
            Value::Interval(v) => v.encode_text(buf),
            Value::Uuid(v) => v.encode_text(buf),
            Value::Json(v) => v.encode_text(buf),
            Value::Array(v) => encode_array_text(v, buf),
        }
    }

    fn encode_binary(&self, ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Bool(v) => v.encode_binary(ty, buf),
            Value::Int2(v) => v.encode_binary(ty, buf),
            Value::Int4(v) => v.encode_binary(ty, buf),
            Value::Int8(v) => v.encode_binary(ty, buf),
            Value::Oid(v) => v.encode_binary(ty, buf),
            Value::Float4(v) => v.encode_binary(ty, buf),
            Value::Float8(v) => v.encode_binary(ty, buf),
            Value::Numeric(v) => v.encode_binary(ty, buf),
            Value::Text(v) => v.encode_binary(ty, buf),
            Value::Bytea(v) => v.encode_binary(ty, buf),
            Value::Date(v) => v.encode_binary(ty, buf),
            Value::Time(v) => v.encode_binary(ty, buf),
            Value::Timestamp(v) => v.encode_binary(ty, buf),
            Value::Timestamptz(v) => v.encode_binary(ty, buf),
            Value::Interval(v) => v.encode_binary(ty, buf),
            Value::Uuid(v) => v.encode_binary(ty, buf),
            Value::Json(v) => v.encode_binary(ty, buf),
            Value::Array(v) => encode_array_binary(v, ty, buf),
        }
    }
}

impl FromPgValue for Value {
    fn from_text(ty: &Type, raw: &[u8]) -> PgResult<Self> {
        Value::from_text(ty, raw)
    }
    fn from_binary(ty: &Type, raw: &[u8]) -> PgResult<Self> {
        Value::from_binary(ty, raw)
    }
    fn from_null(_ty: &Type) -> PgResult<Self> {
        Ok(Value::Null)
    }
}

macro_rules! from_impl {
    ($($t:ty => $v:ident),* $(,)?) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Value {
                Value::$v(v.into())
            }
        }
    )*};
}

from_impl!(
    bool => Bool, i16 => Int2, i32 => Int4, i64 => Int8, u32 => Oid, f32 => Float4,
    f64 => Float8, Numeric => Numeric, String => Text, &str => Text, Vec<u8> => Bytea,
    &[u8] => Bytea, NaiveDate => Date, NaiveTime => Time, NaiveDateTime => Timestamp,
    DateTime<Utc> => Timestamptz, Interval => Interval, Uuid => Uuid,
    serde_json::Value => Json,
);

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_by_type() {
        for (ty, text) in [
            (Type::BOOL, "t"),
            (Type::INT8, "-5"),
            (Type::FLOAT8, "1e+21"),
            (Type::NUMERIC, "1.50"),
            (Type::DATE, "2024-01-02"),
            (Type::TIMESTAMPTZ, "2024-01-02 03:04:05.5+00"),
            (Type::INTERVAL, "1 day -00:00:01"),
            (Type::JSONB, "{\"a\": [1, null]}"),
            (Type::TEXT_ARRAY, "{a,NULL,\"b c\"}"),
            (Type::VARCHAR, "plain"),
        ] {
            let v = Value::from_text(&ty, text.as_bytes()).unwrap();
            let mut t = BytesMut::new();
            v.encode_text(&mut t).unwrap();
            assert_eq!(std::str::from_utf8(&t).unwrap(), text, "{ty}");
            let mut b = BytesMut::new();
            v.encode_binary(&ty, &mut b).unwrap();
            assert_eq!(Value::from_binary(&ty, &b).unwrap(), v, "{ty}");
        }
    }

    #[test]
    fn text_values_into_typed_columns() {
        let mut b = BytesMut::new();
        Value::Text("2024-01-02".into())
            .encode_binary(&Type::DATE, &mut b)
            .unwrap();
        assert_eq!(&b[..], 8767i32.to_be_bytes());
        b.clear();
        Value::Array(vec![Value::Int8(1), Value::Null])
            .encode_binary(&Type::INT4_ARRAY, &mut b)
            .unwrap();
        assert_eq!(
            Vec::<Option<i32>>::from_binary(&Type::INT4_ARRAY, &b).unwrap(),
            vec![Some(1), None]
        );
        assert_eq!(Value::from(Some(3i32)).pg_type(), Type::INT4);
        assert_eq!(
            Value::Array(vec![Value::Null, Value::Int8(1)]).pg_type(),
            Type::INT8_ARRAY
        );
    }
}
