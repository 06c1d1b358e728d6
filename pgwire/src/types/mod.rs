//! PostgreSQL types on the wire: [`Type`] (OID and name, from `postgres-types`), [`Format`],
//! result [`Column`]s, the [`DataRowEncoder`] that writes rows, and the [`ToPgValue`] /
//! [`FromPgValue`] traits that turn Rust values into fields and parameters back into values.

mod column;
mod decode;
mod encode;

pub use column::{Column, Format, Formats};
pub use decode::{FromPgValue, Params};
pub use encode::{DataRow, DataRowEncoder, IsNull, PgType, ToPgValue};
pub use postgres_types::Type;

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
        | Type::REGTYPE
        | Type::REGCLASS => 4,
        Type::INT8
        | Type::FLOAT8
        | Type::TIME
        | Type::TIMESTAMP
        | Type::TIMESTAMPTZ
        | Type::MONEY => 8,
        Type::TIMETZ => 12,
        Type::INTERVAL | Type::UUID => 16,
        Type::NAME => 64,
        Type::CSTRING | Type::UNKNOWN => -2,
        _ => -1,
    }
}
