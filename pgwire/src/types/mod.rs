//! PostgreSQL types on the wire: [`Type`] (OID and name, from `postgres-types`), [`Format`],
//! result [`Column`]s, the [`DataRowEncoder`] that writes rows, and the [`ToPgValue`] /
//! [`FromPgValue`] traits that turn Rust values into fields and parameters back into values.
//!
//! # Rust types and PostgreSQL types
//!
//! | Rust | PostgreSQL ([`PgType`]) |
//! |---|---|
//! | `bool` | `boolean` |
//! | `i16`, `i32`, `i64` | `smallint`, `integer`, `bigint` |
//! | `u32` | `oid` |
//! | `i8` | `"char"` |
//! | `f32`, `f64` | `real`, `double precision` |
//! | [`Numeric`] | `numeric` (any precision, `NaN`, `±Infinity`) |
//! | `String`, `&str` | `text` (also fits `varchar`, `bpchar`, `name`, `json`, `unknown` columns) |
//! | `Vec<u8>`, `&[u8]`, `Bytes` | `bytea` |
//! | `chrono::NaiveDate` / `NaiveTime` / `NaiveDateTime` | `date` / `time` / `timestamp` |
//! | `chrono::DateTime<Utc>`, `DateTime<FixedOffset>` | `timestamptz` |
//! | `postgres_types::Date<NaiveDate>`, `Timestamp<…>` | the same, with `±infinity` |
//! | [`Interval`] | `interval` |
//! | `uuid::Uuid` | `uuid` |
//! | `serde_json::Value` | `jsonb` (also fits `json`) |
//! | `Vec<T>`, `&[T]` | the array type of `T` (one dimension; `Vec<Option<T>>` for NULL elements) |
//! | `Option<T>` | `T`, `None` is NULL |
//! | [`Value`] | decided at run time (chrono types, so no `±infinity` dates) |
//!
//! Text output is byte for byte what PostgreSQL 15 prints with `DateStyle=ISO, MDY`,
//! `IntervalStyle=postgres`, `TimeZone=UTC` and `extra_float_digits=1` (its defaults for a
//! client connection), except that a `DateTime<FixedOffset>` prints in its own offset and a
//! `serde_json::Value` prints its numbers as `serde_json` holds them (`1e2` becomes `100.0`).
//! `tests/types_vs_postgres.rs` checks this against a running PostgreSQL 15, fixed cases
//! and random values alike. Text input (`from_text`) accepts PostgreSQL's output forms and
//! the common input forms (`yes`, ` 42 `, `1e3`, escape-format bytea, ISO 8601 intervals,
//! timestamps with `T` and zones…), with PostgreSQL's SQLSTATEs and messages for bad input.
//!
//! # Binary encoding follows the column's type
//!
//! [`ToPgValue::encode_binary`] is given the column's actual type, which need not be the
//! value's own [`PgType`]. The rule:
//!
//! * a value converts to the column type when the conversion is **lossless**: integers into
//!   any integer, `oid`, `numeric`, `real` or `double precision` column that holds them exactly,
//!   `f32` into `double precision`, `f64` into `real` (rounded, as PostgreSQL's assignment cast
//!   does) and `numeric`, dates into `timestamp`/`timestamptz`, `timestamp` into `timestamptz`
//!   (taken as UTC) and back, `Numeric` into float columns and into integer columns when it
//!   is integral; a value that does not fit is a 22003 error, never silently truncated;
//! * any value goes into a text-like column (`text`, `varchar`, `bpchar`, `name`, `unknown`,
//!   `json`, enums): its text form is sent, which is what PostgreSQL's binary format of those
//!   types is (`jsonb` adds its version byte 1);
//! * strings go into a column of any type this module knows by being parsed with that type's
//!   text input, as an untyped literal is in SQL (`"42"` into an `integer` column);
//! * anything else is 42804 `cannot send a value of type … as type …`.
//!
//! Decoding ([`FromPgValue::from_binary`]) is as lenient: integers read any integer type that
//! fits, floats read any numeric type, `String` reads every type (as its text form) and any
//! type reads a text-like parameter by parsing it.

mod array;
mod bool;
mod column;
mod datetime;
mod decode;
mod encode;
pub(crate) mod errors;
mod float;
mod int;
mod interval;
mod json;
mod numeric;
mod shortest;
mod text;
mod uuid;
mod value;
mod wire;

pub use array::{encode_array_binary, encode_array_text};
pub use column::{Column, Format, Formats};
pub use decode::{FromPgValue, Params};
pub use encode::{DataRow, DataRowEncoder, IsNull, PgType, ToPgValue};
pub use errors::type_display_name;
pub use float::{write_float4, write_float8};
pub use int::write_int;
pub use interval::Interval;
pub use json::write_jsonb;
pub use numeric::Numeric;
pub use postgres_types::Type;
pub use text::escape_bytea_hex;
pub use value::Value;

use postgres_types::Kind;

/// `pg_type.typlen` for the types we know; -1 (varlena) for the rest.
pub fn type_size(ty: &Type) -> i16 {
    match *ty {
        Type::BOOL | Type::CHAR => 1,
        Type::INT2 => 2,
        Type::INT4
        | Type::OID
        | Type::FLOAT4
        | Type::DATE
        | Type::XID
        | Type::CID
        | Type::REGPROC
        | Type::REGPROCEDURE
        | Type::REGOPER
        | Type::REGOPERATOR
        | Type::REGTYPE
        | Type::REGCLASS
        | Type::REGCONFIG
        | Type::REGDICTIONARY
        | Type::REGNAMESPACE
        | Type::REGROLE
        | Type::REGCOLLATION => 4,
        Type::TID => 6,
        Type::INT8
        | Type::FLOAT8
        | Type::TIME
        | Type::TIMESTAMP
        | Type::TIMESTAMPTZ
        | Type::MONEY
        | Type::XID8
        | Type::PG_LSN => 8,
        Type::TIMETZ => 12,
        Type::INTERVAL | Type::UUID | Type::POINT => 16,
        Type::NAME => 64,
        Type::CSTRING | Type::UNKNOWN => -2,
        _ => -1,
    }
}

/// Whether values of `ty` are sent as their text bytes in binary format too (`text`,
/// `varchar`, `bpchar`, `name`, `unknown`, `xml`, `cstring`, `citext` and enum types).
///
/// `json` is not listed here (its binary format is its text, but it is parsed as JSON);
/// see [`is_text_like`] for the set that accepts any value's text form.
pub fn is_textual(ty: &Type) -> bool {
    match *ty {
        Type::TEXT
        | Type::VARCHAR
        | Type::BPCHAR
        | Type::NAME
        | Type::UNKNOWN
        | Type::XML
        | Type::CSTRING => true,
        _ => matches!(ty.kind(), Kind::Enum(_)) || ty.name() == "citext",
    }
}

/// Whether any value may be sent into a column of `ty` as its text form: the
/// [`is_textual`] types and `json`.
pub fn is_text_like(ty: &Type) -> bool {
    *ty == Type::JSON || is_textual(ty)
}

/// Whether `ty` is a number type (PostgreSQL's type category `N` among the built-in
/// types: the integers, `oid`, `real`, `double precision`, `numeric` and `money`).
///
/// ```
/// use pgwire::types::{is_numeric, Type};
/// assert!(is_numeric(&Type::INT8) && is_numeric(&Type::NUMERIC));
/// assert!(!is_numeric(&Type::TEXT));
/// ```
pub fn is_numeric(ty: &Type) -> bool {
    matches!(
        *ty,
        Type::INT2
            | Type::INT4
            | Type::INT8
            | Type::OID
            | Type::FLOAT4
            | Type::FLOAT8
            | Type::NUMERIC
            | Type::MONEY
    )
}

/// The array type whose elements are `ty` (`Type::INT4` → `Type::INT4_ARRAY`), for the
/// built-in types; `None` for an array type or one we do not know.
///
/// ```
/// use pgwire::types::{array_type, element_type, Type};
/// assert_eq!(array_type(&Type::INT4), Some(Type::INT4_ARRAY));
/// assert_eq!(element_type(&Type::TEXT_ARRAY), Some(Type::TEXT));
/// ```
pub fn array_type(ty: &Type) -> Option<Type> {
    Some(match *ty {
        Type::BOOL => Type::BOOL_ARRAY,
        Type::BYTEA => Type::BYTEA_ARRAY,
        Type::CHAR => Type::CHAR_ARRAY,
        Type::NAME => Type::NAME_ARRAY,
        Type::INT8 => Type::INT8_ARRAY,
        Type::INT2 => Type::INT2_ARRAY,
        Type::INT2_VECTOR => Type::INT2_VECTOR_ARRAY,
        Type::INT4 => Type::INT4_ARRAY,
        Type::REGPROC => Type::REGPROC_ARRAY,
        Type::TEXT => Type::TEXT_ARRAY,
        Type::OID => Type::OID_ARRAY,
        Type::TID => Type::TID_ARRAY,
        Type::XID => Type::XID_ARRAY,
        Type::CID => Type::CID_ARRAY,
        Type::OID_VECTOR => Type::OID_VECTOR_ARRAY,
        Type::JSON => Type::JSON_ARRAY,
        Type::XML => Type::XML_ARRAY,
        Type::POINT => Type::POINT_ARRAY,
        Type::LSEG => Type::LSEG_ARRAY,
        Type::PATH => Type::PATH_ARRAY,
        Type::BOX => Type::BOX_ARRAY,
        Type::POLYGON => Type::POLYGON_ARRAY,
        Type::LINE => Type::LINE_ARRAY,
        Type::CIDR => Type::CIDR_ARRAY,
        Type::FLOAT4 => Type::FLOAT4_ARRAY,
        Type::FLOAT8 => Type::FLOAT8_ARRAY,
        Type::CIRCLE => Type::CIRCLE_ARRAY,
        Type::MACADDR8 => Type::MACADDR8_ARRAY,
        Type::MONEY => Type::MONEY_ARRAY,
        Type::MACADDR => Type::MACADDR_ARRAY,
        Type::INET => Type::INET_ARRAY,
        Type::ACLITEM => Type::ACLITEM_ARRAY,
        Type::BPCHAR => Type::BPCHAR_ARRAY,
        Type::VARCHAR => Type::VARCHAR_ARRAY,
        Type::DATE => Type::DATE_ARRAY,
        Type::TIME => Type::TIME_ARRAY,
        Type::TIMESTAMP => Type::TIMESTAMP_ARRAY,
        Type::TIMESTAMPTZ => Type::TIMESTAMPTZ_ARRAY,
        Type::INTERVAL => Type::INTERVAL_ARRAY,
        Type::TIMETZ => Type::TIMETZ_ARRAY,
        Type::BIT => Type::BIT_ARRAY,
        Type::VARBIT => Type::VARBIT_ARRAY,
        Type::NUMERIC => Type::NUMERIC_ARRAY,
        Type::REFCURSOR => Type::REFCURSOR_ARRAY,
        Type::REGPROCEDURE => Type::REGPROCEDURE_ARRAY,
        Type::REGOPER => Type::REGOPER_ARRAY,
        Type::REGOPERATOR => Type::REGOPERATOR_ARRAY,
        Type::REGCLASS => Type::REGCLASS_ARRAY,
        Type::REGTYPE => Type::REGTYPE_ARRAY,
        Type::UUID => Type::UUID_ARRAY,
        Type::TS_VECTOR => Type::TS_VECTOR_ARRAY,
        Type::TSQUERY => Type::TSQUERY_ARRAY,
        Type::JSONB => Type::JSONB_ARRAY,
        Type::JSONPATH => Type::JSONPATH_ARRAY,
        Type::INT4_RANGE => Type::INT4_RANGE_ARRAY,
        Type::NUM_RANGE => Type::NUM_RANGE_ARRAY,
        Type::TS_RANGE => Type::TS_RANGE_ARRAY,
        Type::TSTZ_RANGE => Type::TSTZ_RANGE_ARRAY,
        Type::DATE_RANGE => Type::DATE_RANGE_ARRAY,
        Type::INT8_RANGE => Type::INT8_RANGE_ARRAY,
        Type::REGNAMESPACE => Type::REGNAMESPACE_ARRAY,
        Type::REGROLE => Type::REGROLE_ARRAY,
        Type::REGCOLLATION => Type::REGCOLLATION_ARRAY,
        Type::XID8 => Type::XID8_ARRAY,
        Type::PG_LSN => Type::PG_LSN_ARRAY,
        Type::RECORD => Type::RECORD_ARRAY,
        Type::CSTRING => Type::CSTRING_ARRAY,
        _ => return None,
    })
}

/// The element type of array type `ty` (`Type::INT4_ARRAY` → `Type::INT4`); `None` when
/// `ty` is not an array type.
pub fn element_type(ty: &Type) -> Option<Type> {
    match ty.kind() {
        Kind::Array(elem) => Some(elem.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_and_element_types_are_inverse() {
        for ty in [
            Type::BOOL,
            Type::INT2,
            Type::INT4,
            Type::INT8,
            Type::OID,
            Type::FLOAT4,
            Type::FLOAT8,
            Type::NUMERIC,
            Type::TEXT,
            Type::VARCHAR,
            Type::BPCHAR,
            Type::NAME,
            Type::BYTEA,
            Type::DATE,
            Type::TIME,
            Type::TIMESTAMP,
            Type::TIMESTAMPTZ,
            Type::INTERVAL,
            Type::UUID,
            Type::JSON,
            Type::JSONB,
            Type::CHAR,
        ] {
            let arr = array_type(&ty).unwrap();
            assert_eq!(element_type(&arr), Some(ty.clone()), "{ty}");
            assert_eq!(array_type(&arr), None);
            assert_eq!(type_size(&arr), -1);
        }
        assert_eq!(element_type(&Type::INT4), None);
    }

    #[test]
    fn sizes() {
        assert_eq!(type_size(&Type::INT4), 4);
        assert_eq!(type_size(&Type::UUID), 16);
        assert_eq!(type_size(&Type::TEXT), -1);
        assert_eq!(type_size(&Type::NAME), 64);
        assert_eq!(type_size(&Type::UNKNOWN), -2);
    }

    #[test]
    fn display_names() {
        assert_eq!(type_display_name(&Type::INT4), "integer");
        assert_eq!(type_display_name(&Type::INT4_ARRAY), "integer[]");
        assert_eq!(
            type_display_name(&Type::TIMESTAMPTZ),
            "timestamp with time zone"
        );
    }
}
