//! Values as SQL literals, for engines that take parameters only as SQL text.
//!
//! The literals are PostgreSQL's, with `standard_conforming_strings = on`: strings are
//! `'…'` with `''` for a quote (backslashes are plain characters), `bytea` is `'\x…'`,
//! numbers are written as they are (negative ones in parentheses, so that `x-$1` cannot turn
//! into a `--` comment), booleans are `TRUE` / `FALSE`, NULL is `NULL`, and every other value
//! is its text form in quotes. Without a cast a quoted literal is untyped, so the engine types
//! it by where it stands (`'2024-01-02'` into a `date` column), as for SQL written by hand.
//!
//! ```
//! use pgwire::sql::literal::write_literal;
//! use pgwire::types::{Type, Value};
//!
//! let mut sql = String::new();
//! write_literal(&mut sql, &Value::Text("it's".into()), None).unwrap();
//! sql.push_str(", ");
//! write_literal(&mut sql, &Value::Int8(-5), Some(&Type::INT8)).unwrap();
//! assert_eq!(sql, "'it''s', (-5)::int8");
//! ```

use bytes::BytesMut;

use crate::error::PgResult;
use crate::types::{ToPgValue, Type, Value};

/// Appends `v` as a SQL literal; with `cast`, followed by `::` and the type's name (so that
/// the literal has that type wherever it stands: `'2024-01-02'::date`, `NULL::int4`).
pub fn write_literal(out: &mut String, v: &Value, cast: Option<&Type>) -> PgResult<()> {
    write_literal_with(out, v, cast, &mut BytesMut::new())
}

/// [`write_literal`] with a scratch buffer for text forms, reused across calls.
pub(crate) fn write_literal_with(
    out: &mut String,
    v: &Value,
    cast: Option<&Type>,
    scratch: &mut BytesMut,
) -> PgResult<()> {
    scratch.clear();
    match v {
        Value::Null => out.push_str("NULL"),
        Value::Bool(b) => out.push_str(if *b { "TRUE" } else { "FALSE" }),
        Value::Bytea(b) => {
            out.push_str("'\\x");
            for byte in b {
                out.push(hex(byte >> 4));
                out.push(hex(byte & 0xf));
            }
            out.push('\'');
        }
        Value::Int2(_) | Value::Int4(_) | Value::Int8(_) | Value::Oid(_) => {
            number(out, v, scratch)?
        }
        Value::Float4(f) if f.is_finite() => number(out, v, scratch)?,
        Value::Float8(f) if f.is_finite() => number(out, v, scratch)?,
        Value::Numeric(n) if n.is_finite() => number(out, v, scratch)?,
        // Everything else, `NaN` and `Infinity` included, is its text form in quotes.
        _ => {
            v.encode_text(scratch)?;
            quote(out, &String::from_utf8_lossy(scratch));
        }
    }
    if let Some(ty) = cast {
        out.push_str("::");
        type_name(out, ty.name());
    }
    Ok(())
}

/// Appends `s` as a standard SQL string literal: `'…'`, each `'` doubled.
pub fn quote(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('\'');
    for (i, part) in s.split('\'').enumerate() {
        if i > 0 {
            out.push_str("''");
        }
        out.push_str(part);
    }
    out.push('\'');
}

fn number(out: &mut String, v: &Value, scratch: &mut BytesMut) -> PgResult<()> {
    v.encode_text(scratch)?;
    let text = String::from_utf8_lossy(scratch);
    if text.starts_with('-') {
        out.push('(');
        out.push_str(&text);
        out.push(')');
    } else {
        out.push_str(&text);
    }
    Ok(())
}

/// A type name, double-quoted unless it is a plain lower-case identifier.
fn type_name(out: &mut String, name: &str) {
    let plain = name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        out.push_str(name);
    } else {
        out.push('"');
        out.push_str(&name.replace('"', "\"\""));
        out.push('"');
    }
}

fn hex(nibble: u8) -> char {
    char::from(b"0123456789abcdef"[usize::from(nibble & 0xf)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Interval, Numeric};

    fn lit(v: Value, cast: Option<&Type>) -> String {
        let mut out = String::new();
        write_literal(&mut out, &v, cast).unwrap();
        out
    }

    #[test]
    fn writes_each_kind_of_value() {
        assert_eq!(lit(Value::Null, None), "NULL");
        assert_eq!(lit(Value::Null, Some(&Type::INT4)), "NULL::int4");
        assert_eq!(lit(Value::Bool(true), None), "TRUE");
        assert_eq!(lit(Value::Bool(false), None), "FALSE");
        assert_eq!(lit(Value::Int4(42), None), "42");
        assert_eq!(lit(Value::Int8(-5), None), "(-5)");
        assert_eq!(lit(Value::Float8(-2.25), None), "(-2.25)");
        assert_eq!(lit(Value::Float8(1e21), None), "1e+21");
        assert_eq!(lit(Value::Float8(f64::NAN), None), "'NaN'");
        assert_eq!(
            lit(Value::Float4(f32::NEG_INFINITY), Some(&Type::FLOAT4)),
            "'-Infinity'::float4"
        );
        let n: Numeric = "-12.345".parse().unwrap();
        assert_eq!(lit(Value::Numeric(n), None), "(-12.345)");
        assert_eq!(lit(Value::Numeric(Numeric::nan()), None), "'NaN'");
        assert_eq!(
            lit(Value::Text("it's \\ 'q'".into()), None),
            "'it''s \\ ''q'''"
        );
        assert_eq!(lit(Value::Text(String::new()), None), "''");
        assert_eq!(
            lit(Value::Bytea(vec![0, 0xff, 0x1a]), Some(&Type::BYTEA)),
            "'\\x00ff1a'::bytea"
        );
        let iv = Interval {
            months: 0,
            days: 1,
            microseconds: 1_000_000,
        };
        assert_eq!(lit(Value::Interval(iv), None), "'1 day 00:00:01'");
        let arr = Value::Array(vec![Value::Int4(1), Value::Null]);
        assert_eq!(lit(arr, Some(&Type::INT4_ARRAY)), "'{1,NULL}'::_int4");
    }

    #[test]
    fn quotes_type_names_that_need_it() {
        let mut out = String::new();
        type_name(&mut out, "My\"Type");
        assert_eq!(out, "\"My\"\"Type\"");
    }
}
