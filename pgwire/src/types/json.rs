//! `json` and `jsonb` for `serde_json::Value`.
//!
//! The text form is the one PostgreSQL prints for `jsonb`: `{"a": 1, "b": [1, 2]}` with
//! `": "` and `", "` separators and object keys in jsonb's storage order (shorter keys
//! first, then bytewise), numbers as `numeric` prints them (`1e2` is `100`). A `json`
//! column keeps its text exactly as given; send a `String` to reproduce that.
//!
//! Numbers go through `serde_json`, so integers beyond 64 bits and decimals with more
//! digits than an f64 holds lose precision; use a `String` for such documents.

use bytes::{BufMut, BytesMut};
use serde_json::Value as Json;

use super::errors::{cannot_read, invalid_binary, invalid_binary_msg, mismatch};
use super::numeric::Numeric;
use super::{FromPgValue, IsNull, PgType, ToPgValue, Type, is_textual};
use crate::error::{PgError, PgResult, SqlState};

/// Appends `s` as a JSON string literal, escaped as PostgreSQL's `escape_json` does.
pub(crate) fn put_json_string(s: &str, buf: &mut BytesMut) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    buf.put_u8(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0..=0x1f => &[],
            _ => continue,
        };
        buf.extend_from_slice(&bytes[start..i]);
        if esc.is_empty() {
            buf.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[(b >> 4) as usize],
                HEX[(b & 15) as usize],
            ]);
        } else {
            buf.extend_from_slice(esc);
        }
        start = i + 1;
    }
    buf.extend_from_slice(&bytes[start..]);
    buf.put_u8(b'"');
}

/// Appends `v` as PostgreSQL prints a `jsonb` value.
pub fn write_jsonb(v: &Json, buf: &mut BytesMut) {
    match v {
        Json::Null => buf.extend_from_slice(b"null"),
        Json::Bool(true) => buf.extend_from_slice(b"true"),
        Json::Bool(false) => buf.extend_from_slice(b"false"),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                super::int::write_int(i, buf);
            } else if let Some(u) = n.as_u64() {
                let mut b = itoa::Buffer::new();
                buf.extend_from_slice(b.format(u).as_bytes());
            } else {
                let s = n.to_string();
                match s.parse::<Numeric>() {
                    Ok(num) => buf.extend_from_slice(num.as_str().as_bytes()),
                    Err(_) => buf.extend_from_slice(s.as_bytes()),
                }
            }
        }
        Json::String(s) => put_json_string(s, buf),
        Json::Array(items) => {
            buf.put_u8(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    buf.extend_from_slice(b", ");
                }
                write_jsonb(item, buf);
            }
            buf.put_u8(b']');
        }
        Json::Object(map) => {
            let mut entries: Vec<(&String, &Json)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.len().cmp(&b.0.len()).then_with(|| a.0.cmp(b.0)));
            buf.put_u8(b'{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    buf.extend_from_slice(b", ");
                }
                put_json_string(k, buf);
                buf.extend_from_slice(b": ");
                write_jsonb(v, buf);
            }
            buf.put_u8(b'}');
        }
    }
}

/// Parses a JSON document (`json_in`/`jsonb_in`); errors are 22P02 with serde's detail.
pub(crate) fn parse_json(ty: &Type, raw: &[u8]) -> PgResult<Json> {
    serde_json::from_slice(raw).map_err(|e| {
        PgError::new(
            SqlState::INVALID_TEXT_REPRESENTATION,
            format!(
                "invalid input syntax for type {}",
                if *ty == Type::JSONB { "jsonb" } else { "json" }
            ),
        )
        .detail(e.to_string())
    })
}

impl PgType for Json {
    fn pg_type() -> Type {
        Type::JSONB
    }
}

impl ToPgValue for Json {
    fn encode_text(&self, buf: &mut BytesMut) -> PgResult<IsNull> {
        write_jsonb(self, buf);
        Ok(IsNull::No)
    }
    /// `jsonb` (version byte 1, then the text), `json` and text-like columns (the text).
    fn encode_binary(&self, ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull> {
        match *ty {
            Type::JSONB => {
                buf.put_u8(1);
                write_jsonb(self, buf);
            }
            Type::JSON => write_jsonb(self, buf),
            _ if is_textual(ty) => write_jsonb(self, buf),
            _ => return Err(mismatch("jsonb", ty)),
        }
        Ok(IsNull::No)
    }
}

impl FromPgValue for Json {
    fn from_text(ty: &Type, raw: &[u8]) -> PgResult<Self> {
        parse_json(ty, raw)
    }
    fn from_binary(ty: &Type, raw: &[u8]) -> PgResult<Self> {
        match *ty {
            Type::JSONB => match raw.split_first() {
                Some((1, rest)) => parse_json(ty, rest),
                Some((v, _)) => Err(invalid_binary_msg(format!(
                    "unsupported jsonb version number {v}"
                ))),
                None => Err(invalid_binary(ty)),
            },
            Type::JSON => parse_json(ty, raw),
            _ if is_textual(ty) => parse_json(ty, raw),
            _ => Err(cannot_read("json", ty)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        let v = parse_json(&Type::JSONB, s.as_bytes()).unwrap();
        let mut b = BytesMut::new();
        write_jsonb(&v, &mut b);
        String::from_utf8(b.to_vec()).unwrap()
    }

    #[test]
    fn jsonb_text() {
        assert_eq!(norm(r#"{"b":[1,2],"a":1}"#), r#"{"a": 1, "b": [1, 2]}"#);
        assert_eq!(
            norm(r#"{"bb":1,"a":2,"c":3}"#),
            r#"{"a": 2, "c": 3, "bb": 1}"#
        );
        assert_eq!(norm(r#"{"a":1,"a":2}"#), r#"{"a": 2}"#);
        assert_eq!(norm("[]"), "[]");
        assert_eq!(norm("{}"), "{}");
        // serde_json keeps 1e2 as the f64 100.0 (PostgreSQL would print 100).
        assert_eq!(norm(" 1e2 "), "100.0");
        assert_eq!(norm("1e21"), "1000000000000000000000");
        assert_eq!(norm("1.5"), "1.5");
        assert_eq!(norm("-0.0"), "0.0");
        assert_eq!(norm(r#""a\"b\\c\n\u0001/""#), r#""a\"b\\c\n\u0001/""#);
        assert_eq!(norm("null"), "null");
        assert_eq!(norm("18446744073709551615"), "18446744073709551615");
    }

    #[test]
    fn errors() {
        let e = parse_json(&Type::JSON, b"{").unwrap_err();
        assert_eq!(e.code.code(), "22P02");
        assert_eq!(e.message, "invalid input syntax for type json");
        assert!(Json::from_binary(&Type::JSONB, b"\x02{}").is_err());
        assert_eq!(
            Json::from_binary(&Type::JSONB, b"\x01{}").unwrap(),
            serde_json::json!({})
        );
    }
}
