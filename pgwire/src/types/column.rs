//! Result columns and their wire formats.

use std::sync::Arc;

use super::{Type, type_size};
use crate::codec::FieldDescription;
use crate::error::{PgError, PgResult, SqlState};

/// The wire format of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Format {
    /// Format code 0: the type's text representation.
    #[default]
    Text,
    /// Format code 1: the type's binary (send/recv) representation.
    Binary,
}

impl Format {
    /// Reads a format code; anything but 0 and 1 is 22023 "unsupported format code".
    pub fn from_code(code: i16) -> PgResult<Format> {
        match code {
            0 => Ok(Format::Text),
            1 => Ok(Format::Binary),
            other => Err(PgError::new(
                SqlState::INVALID_PARAMETER_VALUE,
                format!("unsupported format code: {other}"),
            )),
        }
    }

    /// The format code.
    pub fn code(self) -> i16 {
        match self {
            Format::Text => 0,
            Format::Binary => 1,
        }
    }
}

/// The formats of a row's columns, as a Bind message asks for them: none (all text), one
/// for all, or one per column.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Formats {
    /// Every column in text.
    #[default]
    AllText,
    /// Every column in binary.
    AllBinary,
    /// One format per column.
    PerColumn(Arc<[Format]>),
}

impl Formats {
    /// Resolves format codes for `n` values; `mismatch` builds the error for a count that is
    /// neither 0, 1 nor `n` (it receives the count given).
    pub fn from_codes(
        codes: &[i16],
        n: usize,
        mismatch: impl FnOnce(usize) -> PgError,
    ) -> PgResult<Formats> {
        match codes {
            [] => Ok(Formats::AllText),
            [one] => Ok(match Format::from_code(*one)? {
                Format::Text => Formats::AllText,
                Format::Binary => Formats::AllBinary,
            }),
            many if many.len() == n => Ok(Formats::PerColumn(
                many.iter()
                    .map(|c| Format::from_code(*c))
                    .collect::<PgResult<Vec<_>>>()?
                    .into(),
            )),
            many => Err(mismatch(many.len())),
        }
    }

    /// The format of value `i`.
    #[inline]
    pub fn get(&self, i: usize) -> Format {
        match self {
            Formats::AllText => Format::Text,
            Formats::AllBinary => Format::Binary,
            Formats::PerColumn(f) => f.get(i).copied().unwrap_or_default(),
        }
    }
}

/// One result column: what a `RowDescription` says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Column name as the client sees it.
    pub name: String,
    /// Its type.
    pub ty: Type,
    /// Type modifier (e.g. `varchar(n)` is n+4), -1 when none.
    pub type_modifier: i32,
    /// OID of the source table, or 0.
    pub table_oid: u32,
    /// Attribute number in the source table, or 0.
    pub column_id: i16,
}

impl Column {
    /// A column named `name` of type `ty`.
    ///
    /// ```
    /// use pgwire::types::{Column, Type};
    /// let c = Column::new("id", Type::INT8);
    /// assert_eq!(c.ty, Type::INT8);
    /// ```
    pub fn new(name: impl Into<String>, ty: Type) -> Column {
        Column {
            name: name.into(),
            ty,
            type_modifier: -1,
            table_oid: 0,
            column_id: 0,
        }
    }

    /// Sets the type modifier.
    pub fn with_type_modifier(mut self, typmod: i32) -> Column {
        self.type_modifier = typmod;
        self
    }

    /// Appends this column's RowDescription entry in `format` (no allocation).
    pub fn write_description(&self, b: &mut bytes::BytesMut, format: Format) {
        use bytes::BufMut;
        crate::codec::put_cstr(b, self.name.as_bytes());
        b.put_u32(self.table_oid);
        b.put_i16(self.column_id);
        b.put_u32(self.ty.oid());
        b.put_i16(type_size(&self.ty));
        b.put_i32(self.type_modifier);
        b.put_i16(format.code());
    }

    /// The RowDescription entry for this column in `format`.
    pub fn description(&self, format: Format) -> FieldDescription {
        FieldDescription {
            name: self.name.clone(),
            table_oid: self.table_oid,
            column_id: self.column_id,
            type_oid: self.ty.oid(),
            type_size: type_size(&self.ty),
            type_modifier: self.type_modifier,
            format: format.code(),
        }
    }
}
