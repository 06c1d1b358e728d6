//! Reading parameter values sent by a client.

use std::sync::Arc;

use bytes::Bytes;

use super::{Format, Formats, Type};
use crate::error::{PgError, PgResult, SqlState};

/// A value that can be read from a parameter (or any field) in text or binary format.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be decoded from a PostgreSQL parameter",
    note = "implement `pgwire::types::FromPgValue` for it, or take a type pgwire decodes (i64, String, bool, f64, chrono and uuid types, Option<T>, Vec<T>, ...)"
)]
pub trait FromPgValue: Sized {
    /// Parses the text representation sent for a parameter of type `ty`.
    fn from_text(ty: &Type, raw: &[u8]) -> PgResult<Self>;
    /// Parses the binary representation sent for a parameter of type `ty`.
    fn from_binary(ty: &Type, raw: &[u8]) -> PgResult<Self>;
    /// The value for SQL NULL; an error unless the type can hold it (`Option<T>`).
    fn from_null(ty: &Type) -> PgResult<Self> {
        let _ = ty;
        Err(PgError::new(
            SqlState::from_code("22004"),
            "null value not allowed",
        ))
    }
}

impl<T: FromPgValue> FromPgValue for Option<T> {
    fn from_text(ty: &Type, raw: &[u8]) -> PgResult<Self> {
        T::from_text(ty, raw).map(Some)
    }
    fn from_binary(ty: &Type, raw: &[u8]) -> PgResult<Self> {
        T::from_binary(ty, raw).map(Some)
    }
    fn from_null(_ty: &Type) -> PgResult<Self> {
        Ok(None)
    }
}

/// Bound parameter values of a portal, with their types and formats.
#[derive(Debug, Clone, Default)]
pub struct Params {
    types: Arc<[Type]>,
    formats: Formats,
    values: Vec<Option<Bytes>>,
}

impl Params {
    /// Parameters with these types, formats and raw values.
    pub fn new(types: Arc<[Type]>, formats: Formats, values: Vec<Option<Bytes>>) -> Params {
        Params {
            types,
            formats,
            values,
        }
    }

    /// How many parameters were bound.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether no parameters were bound.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The type of parameter `i` (0-based).
    pub fn ty(&self, i: usize) -> &Type {
        self.types.get(i).unwrap_or(&Type::UNKNOWN)
    }

    /// The types of all parameters.
    pub fn types(&self) -> &Arc<[Type]> {
        &self.types
    }

    /// The format of parameter `i` (0-based).
    pub fn format(&self, i: usize) -> Format {
        self.formats.get(i)
    }

    /// The raw bytes of parameter `i` (0-based); `None` is NULL.
    pub fn raw(&self, i: usize) -> Option<&Bytes> {
        self.values.get(i).and_then(Option::as_ref)
    }

    /// Decodes parameter `i` (0-based) as `T`. Errors name the parameter (`$1` is index 0).
    ///
    /// ```
    /// use pgwire::types::{Formats, Params, Type};
    /// let p = Params::new(vec![Type::INT4].into(), Formats::AllText, vec![Some("42".into())]);
    /// assert_eq!(p.get::<i32>(0).unwrap(), 42);
    /// ```
    pub fn get<T: FromPgValue>(&self, i: usize) -> PgResult<T> {
        let ty = self.ty(i);
        let r = match self.values.get(i) {
            None => Err(PgError::new(
                SqlState::PROTOCOL_VIOLATION,
                format!("there is no parameter ${}", i + 1),
            )),
            Some(None) => T::from_null(ty),
            Some(Some(raw)) => match self.formats.get(i) {
                Format::Text => T::from_text(ty, raw),
                Format::Binary => T::from_binary(ty, raw),
            },
        };
        r.map_err(|mut e| {
            if e.code == SqlState::INVALID_BINARY_REPRESENTATION {
                e.message = format!("incorrect binary data format in bind parameter {}", i + 1);
            } else if e.where_.is_none() {
                e.where_ = Some(format!("parameter ${}", i + 1));
            }
            e
        })
    }
}
