//! `boolean`.

use bytes::{BufMut, BytesMut};

use super::errors::{cannot_read, invalid_text, mismatch};
use super::wire::{fixed, trim};
use super::{FromPgValue, IsNull, PgType, ToPgValue, Type, is_text_like};
use crate::error::PgResult;

/// `boolin`: `true`/`false`, `yes`/`no` and any unambiguous prefix of them, `on`/`off`
/// (`of` at least), `1`/`0`, case-insensitive, surrounding whitespace allowed.
pub(crate) fn parse_bool(raw: &[u8]) -> Option<bool> {
    let s = trim(raw);
    let prefix_of = |word: &[u8]| {
        !s.is_empty() && s.len() <= word.len() && s.eq_ignore_ascii_case(&word[..s.len()])
    };
    if prefix_of(b"true") || prefix_of(b"yes") || s == b"1" || s.eq_ignore_ascii_case(b"on") {
        Some(true)
    } else if prefix_of(b"false")
        || prefix_of(b"no")
        || s == b"0"
        || (s.len() >= 2 && prefix_of(b"off"))
    {
        Some(false)
    } else {
        None
    }
}

impl PgType for bool {
    fn pg_type() -> Type {
        Type::BOOL
    }
}

impl ToPgValue for bool {
    #[inline]
    fn encode_text(&self, buf: &mut BytesMut) -> PgResult<IsNull> {
        buf.put_u8(if *self { b't' } else { b'f' });
        Ok(IsNull::No)
    }
    fn encode_binary(&self, ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull> {
        match *ty {
            Type::BOOL => buf.put_u8(u8::from(*self)),
            _ if is_text_like(ty) => buf.put_u8(if *self { b't' } else { b'f' }),
            _ => return Err(mismatch("boolean", ty)),
        }
        Ok(IsNull::No)
    }
}

impl FromPgValue for bool {
    fn from_text(_ty: &Type, raw: &[u8]) -> PgResult<Self> {
        parse_bool(raw).ok_or_else(|| invalid_text(&Type::BOOL, raw))
    }
    fn from_binary(ty: &Type, raw: &[u8]) -> PgResult<Self> {
        match *ty {
            Type::BOOL => Ok(fixed::<1>(ty, raw)?[0] != 0),
            _ if is_text_like(ty) => Self::from_text(ty, raw),
            _ => Err(cannot_read("bool", ty)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boolin() {
        for t in ["t", "TRUE", "tr", " yes ", "y", "on", "ON", "1"] {
            assert_eq!(parse_bool(t.as_bytes()), Some(true), "{t}");
        }
        for f in ["f", "False", "n", "no", "off", "of", "0"] {
            assert_eq!(parse_bool(f.as_bytes()), Some(false), "{f}");
        }
        for bad in ["", "o", "2", "truee", "yess", "onn"] {
            assert_eq!(parse_bool(bad.as_bytes()), None, "{bad}");
        }
        let e = bool::from_text(&Type::BOOL, b"maybe").unwrap_err();
        assert_eq!(
            e.message,
            "invalid input syntax for type boolean: \"maybe\""
        );
    }
}
