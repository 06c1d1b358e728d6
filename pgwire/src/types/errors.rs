//! The errors value conversion raises, worded as PostgreSQL words them.

use postgres_types::Kind;

use super::Type;
use crate::error::{PgError, SqlState};

/// The name PostgreSQL's `format_type` gives `ty` (`integer`, `timestamp with time zone`, …);
/// used in error messages.
pub fn type_display_name(ty: &Type) -> String {
    let name = match *ty {
        Type::INT2 => "smallint",
        Type::INT4 => "integer",
        Type::INT8 => "bigint",
        Type::FLOAT4 => "real",
        Type::FLOAT8 => "double precision",
        Type::BOOL => "boolean",
        Type::VARCHAR => "character varying",
        Type::BPCHAR => "character",
        Type::TIME => "time without time zone",
        Type::TIMETZ => "time with time zone",
        Type::TIMESTAMP => "timestamp without time zone",
        Type::TIMESTAMPTZ => "timestamp with time zone",
        Type::CHAR => "\"char\"",
        _ => {
            if let Kind::Array(elem) = ty.kind() {
                return format!("{}[]", type_display_name(elem));
            }
            ty.name()
        }
    };
    name.to_owned()
}

fn lossy(raw: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(raw)
}

/// 22P02 `invalid input syntax for type <ty>: "<raw>"`.
pub fn invalid_text(ty: &Type, raw: &[u8]) -> PgError {
    PgError::new(
        SqlState::INVALID_TEXT_REPRESENTATION,
        format!(
            "invalid input syntax for type {}: \"{}\"",
            type_display_name(ty),
            lossy(raw)
        ),
    )
}

/// 22007 `invalid input syntax for type <ty>: "<raw>"` (date/time types use this code).
pub fn invalid_datetime(ty: &Type, raw: &[u8]) -> PgError {
    PgError::new(
        SqlState::INVALID_DATETIME_FORMAT,
        format!(
            "invalid input syntax for type {}: \"{}\"",
            type_display_name(ty),
            lossy(raw)
        ),
    )
}

/// 22008 `date/time field value out of range: "<raw>"`.
pub fn datetime_field_overflow(raw: &[u8]) -> PgError {
    PgError::new(
        SqlState::DATETIME_FIELD_OVERFLOW,
        format!("date/time field value out of range: \"{}\"", lossy(raw)),
    )
}

/// 22008 with a fixed message (`date out of range`, `timestamp out of range`, …).
pub fn datetime_out_of_range(what: &str) -> PgError {
    PgError::new(
        SqlState::DATETIME_FIELD_OVERFLOW,
        format!("{what} out of range"),
    )
}

/// 22003 `value "<raw>" is out of range for type <ty>` (integer input).
pub fn int_text_out_of_range(ty: &Type, raw: &[u8]) -> PgError {
    PgError::new(
        SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
        format!(
            "value \"{}\" is out of range for type {}",
            lossy(raw),
            type_display_name(ty)
        ),
    )
}

/// 22003 `"<raw>" is out of range for type <ty>` (float input).
pub fn float_text_out_of_range(ty: &Type, raw: &[u8]) -> PgError {
    PgError::new(
        SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
        format!(
            "\"{}\" is out of range for type {}",
            lossy(raw),
            type_display_name(ty)
        ),
    )
}

/// 22003 with a fixed message (`integer out of range`, `smallint out of range`, …).
pub fn out_of_range(message: impl Into<String>) -> PgError {
    PgError::new(SqlState::NUMERIC_VALUE_OUT_OF_RANGE, message)
}

/// 22003 `<smallint|integer|bigint|oid> out of range` for a value that does not fit `ty`.
pub fn int_out_of_range(ty: &Type) -> PgError {
    out_of_range(format!("{} out of range", type_display_name(ty)))
}

/// 22P03 `incorrect binary data format` for binary data that cannot be read as `ty`.
pub fn invalid_binary(ty: &Type) -> PgError {
    PgError::new(
        SqlState::INVALID_BINARY_REPRESENTATION,
        format!(
            "incorrect binary data format for type {}",
            type_display_name(ty)
        ),
    )
}

/// 22P03 with a specific message.
pub fn invalid_binary_msg(message: impl Into<String>) -> PgError {
    PgError::new(SqlState::INVALID_BINARY_REPRESENTATION, message)
}

/// 42804 for a Rust value that has no lossless encoding as column type `ty`.
pub fn mismatch(rust: &str, ty: &Type) -> PgError {
    PgError::new(
        SqlState::DATATYPE_MISMATCH,
        format!(
            "cannot send a value of type {rust} as type {}",
            type_display_name(ty)
        ),
    )
    .hint("declare the column with a type the value converts to losslessly, or use text format")
}

/// 42804 for a parameter of type `ty` that cannot be read as `rust`.
pub fn cannot_read(rust: &str, ty: &Type) -> PgError {
    PgError::new(
        SqlState::DATATYPE_MISMATCH,
        format!(
            "cannot read a value of type {} as {rust}",
            type_display_name(ty)
        ),
    )
}
