//! Character strings (`text`, `varchar`, `bpchar`, `name`, …) and `bytea`.

use bytes::{BufMut, Bytes, BytesMut};

use super::errors::{invalid_binary_msg, invalid_text, mismatch};
use super::value::Value;
use super::wire::is_pg_space;
use super::{FromPgValue, IsNull, PgType, ToPgValue, Type, is_text_like, is_textual};
use crate::error::{PgError, PgResult, SqlState};

impl PgType for str {
    fn pg_type() -> Type {
        Type::TEXT
    }
}

impl ToPgValue for str {
    #[inline]
    fn encode_text(&self, buf: &mut BytesMut) -> PgResult<IsNull> {
        buf.extend_from_slice(self.as_bytes());
        Ok(IsNull::No)
    }

    /// Text-like and `json` columns get the bytes as they are, `jsonb` its version byte
    /// first; a column of any other type we know gets the string parsed as that type's
    /// text input (like an untyped literal in SQL), then that type's binary form.
    fn encode_binary(&self, ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull> {
        if is_text_like(ty) {
            buf.extend_from_slice(self.as_bytes());
            return Ok(IsNull::No);
        }
        if *ty == Type::JSONB {
            buf.put_u8(1);
            buf.extend_from_slice(self.as_bytes());
            return Ok(IsNull::No);
        }
        if *ty == Type::CHAR {
            return i8::from_text(ty, self.as_bytes())?.encode_binary(ty, buf);
        }
        match Value::from_text(ty, self.as_bytes())? {
            Value::Text(_) => Err(mismatch("text", ty)),
            v => v.encode_binary(ty, buf),
        }
    }
}

impl PgType for String {
    fn pg_type() -> Type {
        Type::TEXT
    }
}

impl ToPgValue for String {
    #[inline]
    fn encode_text(&self, buf: &mut BytesMut) -> PgResult<IsNull> {
        self.as_str().encode_text(buf)
    }
    #[inline]
    fn encode_binary(&self, ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull> {
        self.as_str().encode_binary(ty, buf)
    }
}

impl FromPgValue for String {
    /// Any type's text form, as it was sent.
    fn from_text(ty: &Type, raw: &[u8]) -> PgResult<Self> {
        String::from_utf8(raw.to_vec()).map_err(|_| invalid_utf8(ty))
    }

    /// Text-like types and `json` as sent, `jsonb` without its version byte, any other
    /// known type decoded and printed as its text form.
    fn from_binary(ty: &Type, raw: &[u8]) -> PgResult<Self> {
        if is_text_like(ty) {
            return String::from_utf8(raw.to_vec()).map_err(|_| invalid_utf8(ty));
        }
        if *ty == Type::JSONB {
            return match raw.split_first() {
                Some((1, rest)) => String::from_utf8(rest.to_vec()).map_err(|_| invalid_utf8(ty)),
                Some((v, _)) => Err(invalid_binary_msg(format!(
                    "unsupported jsonb version number {v}"
                ))),
                None => Err(super::errors::invalid_binary(ty)),
            };
        }
        let v = Value::from_binary(ty, raw)?;
        let mut buf = BytesMut::new();
        v.encode_text(&mut buf)?;
        String::from_utf8(buf.to_vec()).map_err(|_| invalid_utf8(ty))
    }
}

fn invalid_utf8(_ty: &Type) -> PgError {
    PgError::new(
        SqlState::CHARACTER_NOT_IN_REPERTOIRE,
        "invalid byte sequence for encoding \"UTF8\"",
    )
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends `bytes` in `bytea`'s hex output form (`\x0102ff`).
pub fn escape_bytea_hex(bytes: &[u8], buf: &mut BytesMut) {
    buf.reserve(2 + bytes.len() * 2);
    buf.extend_from_slice(b"\\x");
    for &b in bytes {
        buf.put_slice(&[HEX[(b >> 4) as usize], HEX[(b & 0xf) as usize]]);
    }
}

fn hex_value(ch: u8) -> Option<u8> {
    match ch {
        b'0'..=b'9' => Some(ch - b'0'),
        b'a'..=b'f' => Some(ch - b'a' + 10),
        b'A'..=b'F' => Some(ch - b'A' + 10),
        _ => None,
    }
}

/// `byteain`: the hex form `\x…` (whitespace allowed between digit pairs) or the escape
/// form (`\\`, `\ooo`, other bytes as they are).
pub(crate) fn parse_bytea(raw: &[u8]) -> PgResult<Vec<u8>> {
    if let Some(hex) = raw.strip_prefix(b"\\x") {
        let mut out = Vec::with_capacity(hex.len() / 2);
        let mut i = 0;
        while i < hex.len() {
            let c = hex[i];
            if is_pg_space(c) {
                i += 1;
                continue;
            }
            let hi = hex_value(c).ok_or_else(|| invalid_hex_digit(c))?;
            let Some(&c2) = hex.get(i + 1) else {
                return Err(PgError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    "invalid hexadecimal data: odd number of digits",
                ));
            };
            let lo = hex_value(c2).ok_or_else(|| invalid_hex_digit(c2))?;
            out.push((hi << 4) | lo);
            i += 2;
        }
        return Ok(out);
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] != b'\\' {
            out.push(raw[i]);
            i += 1;
        } else if raw.get(i + 1) == Some(&b'\\') {
            out.push(b'\\');
            i += 2;
        } else if let Some(&[a @ b'0'..=b'3', b @ b'0'..=b'7', c @ b'0'..=b'7']) =
            raw.get(i + 1..i + 4)
        {
            out.push(((a - b'0') << 6) | ((b - b'0') << 3) | (c - b'0'));
            i += 4;
        } else {
            return Err(invalid_text(&Type::BYTEA, raw));
        }
    }
    Ok(out)
}

fn invalid_hex_digit(c: u8) -> PgError {
    PgError::new(
        SqlState::INVALID_PARAMETER_VALUE,
        format!(
            "invalid hexadecimal digit: \"{}\"",
            char::from(c).escape_default()
        ),
    )
}

impl PgType for [u8] {
    fn pg_type() -> Type {
        Type::BYTEA
    }
}

impl ToPgValue for [u8] {
    #[inline]
    fn encode_text(&self, buf: &mut BytesMut) -> PgResult<IsNull> {
        escape_bytea_hex(self, buf);
        Ok(IsNull::No)
    }
    /// `bytea` (and `unknown`) columns get the bytes, text-like ones the hex text form.
    fn encode_binary(&self, ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull> {
        match *ty {
            Type::BYTEA | Type::UNKNOWN => buf.extend_from_slice(self),
            _ if is_textual(ty) => escape_bytea_hex(self, buf),
            _ => return Err(mismatch("bytea", ty)),
        }
        Ok(IsNull::No)
    }
}

macro_rules! bytea_impl {
    ($($t:ty),*) => {$(
        impl PgType for $t {
            fn pg_type() -> Type {
                Type::BYTEA
            }
        }

        impl ToPgValue for $t {
            #[inline]
            fn encode_text(&self, buf: &mut BytesMut) -> PgResult<IsNull> {
                self[..].encode_text(buf)
            }
            #[inline]
            fn encode_binary(&self, ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull> {
                self[..].encode_binary(ty, buf)
            }
        }
    )*};
}

bytea_impl!(Vec<u8>, Bytes);

impl FromPgValue for Vec<u8> {
    fn from_text(_ty: &Type, raw: &[u8]) -> PgResult<Self> {
        parse_bytea(raw)
    }
    /// The bytes as sent, whatever the parameter's type.
    fn from_binary(_ty: &Type, raw: &[u8]) -> PgResult<Self> {
        Ok(raw.to_vec())
    }
}

impl FromPgValue for Bytes {
    fn from_text(ty: &Type, raw: &[u8]) -> PgResult<Self> {
        Vec::<u8>::from_text(ty, raw).map(Bytes::from)
    }
    fn from_binary(_ty: &Type, raw: &[u8]) -> PgResult<Self> {
        Ok(Bytes::copy_from_slice(raw))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytea_text() {
        let mut b = BytesMut::new();
        [1u8, 2, 0xff].encode_text(&mut b).unwrap();
        assert_eq!(&b[..], b"\\x0102ff");
        b.clear();
        Vec::<u8>::new().encode_text(&mut b).unwrap();
        assert_eq!(&b[..], b"\\x");
    }

    #[test]
    fn bytea_input() {
        assert_eq!(parse_bytea(b"\\x0102FF").unwrap(), [1, 2, 0xff]);
        assert_eq!(parse_bytea(b"\\x01 02\n").unwrap(), [1, 2]);
        assert_eq!(parse_bytea(b"abc\\\\\\001").unwrap(), b"abc\\\x01");
        assert_eq!(parse_bytea(b"\\x").unwrap(), b"");
        let e = parse_bytea(b"\\x0g").unwrap_err();
        assert_eq!(e.message, "invalid hexadecimal digit: \"g\"");
        assert_eq!(
            parse_bytea(b"\\x012").unwrap_err().message,
            "invalid hexadecimal data: odd number of digits"
        );
        assert_eq!(
            parse_bytea(b"a\\b").unwrap_err().message,
            "invalid input syntax for type bytea: \"a\\b\""
        );
    }

    #[test]
    fn strings_into_typed_columns() {
        let mut b = BytesMut::new();
        "42".encode_binary(&Type::INT4, &mut b).unwrap();
        assert_eq!(&b[..], 42i32.to_be_bytes());
        b.clear();
        "x".encode_binary(&Type::VARCHAR, &mut b).unwrap();
        assert_eq!(&b[..], b"x");
        b.clear();
        "{}".encode_binary(&Type::JSONB, &mut b).unwrap();
        assert_eq!(&b[..], b"\x01{}");
        b.clear();
        assert_eq!(
            "abc"
                .encode_binary(&Type::INT4, &mut b)
                .unwrap_err()
                .code
                .code(),
            "22P02"
        );
    }

    #[test]
    fn strings_from_binary_of_any_type() {
        assert_eq!(
            String::from_binary(&Type::INT4, &7i32.to_be_bytes()).unwrap(),
            "7"
        );
        assert_eq!(String::from_binary(&Type::JSONB, b"\x01{}").unwrap(), "{}");
        assert_eq!(String::from_binary(&Type::NAME, b"n").unwrap(), "n");
    }
}
