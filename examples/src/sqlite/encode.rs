//! Turning SQLite values into PostgreSQL field values, in text or binary, for the type the
//! column was announced as. Any storage class may appear in any column, so every pair of
//! (column kind, storage class) has an answer: a conversion where PostgreSQL would have one,
//! the value's own text in text format, and a 22P02 error in binary format when the value
//! cannot be read as the column's type.

use bytes::{BufMut, BytesMut};
use pgwire::error::{PgError, PgResult, SqlState};
use pgwire::types::{IsNull, ToPgValue, Type};

use super::datetime;
use super::numeric;
use super::types::ColKind;

/// A value read from SQLite (borrowed from the statement until its next step).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Val<'a> {
    /// NULL
    Null,
    /// INTEGER
    Int(i64),
    /// REAL
    Real(f64),
    /// TEXT (UTF-8 as SQLite stores it)
    Text(&'a [u8]),
    /// BLOB
    Blob(&'a [u8]),
}

impl<'a> From<rusqlite::types::ValueRef<'a>> for Val<'a> {
    /// A value handed to one of our SQL functions.
    fn from(v: rusqlite::types::ValueRef<'a>) -> Val<'a> {
        use rusqlite::types::ValueRef;
        match v {
            ValueRef::Null => Val::Null,
            ValueRef::Integer(i) => Val::Int(i),
            ValueRef::Real(r) => Val::Real(r),
            ValueRef::Text(t) => Val::Text(t),
            ValueRef::Blob(b) => Val::Blob(b),
        }
    }
}

/// One field to encode: a value and the kind of its column.
#[derive(Debug, Clone, Copy)]
pub struct Cell<'a> {
    /// The column's kind.
    pub kind: ColKind,
    /// The value.
    pub val: Val<'a>,
}

/// Appends the decimal digits of `v`.
#[inline]
pub fn put_i64(buf: &mut BytesMut, v: i64) {
    let mut tmp = [0u8; 20];
    let mut n = v.unsigned_abs();
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        buf.put_u8(b'-');
    }
    buf.extend_from_slice(&tmp[i..]);
}

/// The common case, fast: a float8 between 1e-4 and 1e9 that is exactly the nearest double
/// to a decimal with at most 4 fractional digits (`12.5`, `0.1`, `3`). For such values that
/// decimal is the shortest round-trip form (other decimals with fewer digits are at least
/// 1e-4 away, and an ulp below 1e9 is under 1.2e-7), so the output matches ryu's.
#[inline]
fn put_short_decimal(buf: &mut BytesMut, v: f64) -> bool {
    let a = v.abs();
    if !(1e-4..1e9).contains(&a) {
        return false;
    }
    // One try at the finest scale: if a decimal with k < 4 fractional digits reads back
    // as `a`, so does the same decimal padded with zeros (both divisions are correctly
    // rounded quotients of the same number), and `a * 10^4` is within 0.002 of it.
    let x = a * 10000.0;
    let t = x as u64; // < 1e13: the truncating cast is exact
    let m = if x - t as f64 >= 0.5 { t + 1 } else { t };
    if m as f64 / 10000.0 != a {
        return false;
    }
    if v < 0.0 {
        buf.put_u8(b'-');
    }
    put_i64(buf, (m / 10000) as i64);
    let mut f = m % 10000;
    if f != 0 {
        let mut frac = [b'0'; 4];
        for d in frac.iter_mut().rev() {
            *d = b'0' + (f % 10) as u8;
            f /= 10;
        }
        let k = frac.iter().rposition(|&c| c != b'0').map_or(0, |i| i + 1);
        buf.put_u8(b'.');
        buf.extend_from_slice(&frac[..k]);
    }
    true
}

/// Appends `v` as PostgreSQL prints a float8 (`float4` when `single`): the shortest digits
/// that read back exactly, in exponent form below 1e-4 or from 1e15 (1e6 for float4), and
/// `NaN`, `Infinity`, `-Infinity`.
pub fn put_float(buf: &mut BytesMut, v: f64, single: bool) {
    if v.is_nan() {
        buf.extend_from_slice(b"NaN");
        return;
    }
    if v.is_infinite() {
        buf.extend_from_slice(if v > 0.0 { b"Infinity" } else { b"-Infinity" });
        return;
    }
    if !single && put_short_decimal(buf, v) {
        return;
    }
    // Shortest round-trip digits from ryu ("1.5", "1e20", "1.2345e-7", "0.001").
    let mut ryu_buf = ryu::Buffer::new();
    let text = if single {
        ryu_buf.format_finite(v as f32)
    } else {
        ryu_buf.format_finite(v)
    }
    .as_bytes();
    let neg = text.first() == Some(&b'-');
    let text = if neg { &text[1..] } else { text };
    let (mant, exp_part) = match text.iter().position(|&c| c == b'e') {
        Some(e) => (&text[..e], &text[e + 1..]),
        None => (text, &b""[..]),
    };
    let exp_part: i32 = std::str::from_utf8(exp_part)
        .ok()
        .and_then(|x| x.parse().ok())
        .unwrap_or(0);
    let int_len = mant.iter().position(|&c| c == b'.').unwrap_or(mant.len());
    let mut digits = [0u8; 40];
    let mut nd = 0;
    let mut lead = 0i32;
    for &c in mant {
        if !c.is_ascii_digit() {
            continue;
        }
        if nd == 0 && c == b'0' {
            lead += 1;
            continue;
        }
        if nd < digits.len() {
            digits[nd] = c;
            nd += 1;
        }
    }
    while nd > 1 && digits[nd - 1] == b'0' {
        nd -= 1;
    }
    if nd == 0 {
        buf.extend_from_slice(if neg { b"-0" } else { b"0" });
        return;
    }
    let digits = &digits[..nd];
    // Exponent of the first significant digit.
    let exp = int_len as i32 - 1 - lead + exp_part;
    if neg {
        buf.put_u8(b'-');
    }
    let threshold = if single { 6 } else { 15 };
    if exp < -4 || exp >= threshold {
        buf.put_u8(digits[0]);
        if digits.len() > 1 {
            buf.put_u8(b'.');
            buf.extend_from_slice(&digits[1..]);
        }
        buf.put_u8(b'e');
        buf.put_u8(if exp < 0 { b'-' } else { b'+' });
        let a = exp.unsigned_abs();
        if a < 10 {
            buf.put_u8(b'0');
        }
        put_i64(buf, i64::from(a));
    } else if exp >= 0 {
        let int_len = exp as usize + 1;
        for i in 0..int_len {
            buf.put_u8(digits.get(i).copied().unwrap_or(b'0'));
        }
        if digits.len() > int_len {
            buf.put_u8(b'.');
            buf.extend_from_slice(&digits[int_len..]);
        }
    } else {
        buf.extend_from_slice(b"0.");
        for _ in 0..(-exp - 1) {
            buf.put_u8(b'0');
        }
        buf.extend_from_slice(digits);
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends bytes in bytea's hex text form (`\x0102`).
pub fn put_bytea_hex(buf: &mut BytesMut, bytes: &[u8]) {
    buf.reserve(2 + bytes.len() * 2);
    buf.extend_from_slice(b"\\x");
    for &b in bytes {
        buf.put_u8(HEX[(b >> 4) as usize]);
        buf.put_u8(HEX[(b & 0xf) as usize]);
    }
}

/// Decodes bytea's hex text form (`\x0102`, whitespace allowed between pairs).
pub fn decode_bytea_hex(text: &[u8]) -> Option<Vec<u8>> {
    let hex = text.strip_prefix(b"\\x")?;
    let mut out = Vec::with_capacity(hex.len() / 2);
    let mut it = hex.iter().filter(|c| !c.is_ascii_whitespace());
    while let Some(&h) = it.next() {
        let l = *it.next()?;
        let v = |c: u8| (c as char).to_digit(16);
        out.push((v(h)? * 16 + v(l)?) as u8);
    }
    Some(out)
}

/// PostgreSQL's boolean input words.
pub fn parse_bool(text: &[u8]) -> Option<bool> {
    let t = std::str::from_utf8(text).ok()?.trim();
    let t = t.to_ascii_lowercase();
    match t.as_str() {
        "t" | "true" | "y" | "yes" | "on" | "1" => Some(true),
        "f" | "false" | "n" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// Parses a UUID in any of PostgreSQL's accepted spellings (dashes anywhere, braces).
pub fn parse_uuid(text: &[u8]) -> Option<[u8; 16]> {
    let t = std::str::from_utf8(text).ok()?.trim();
    let t = t
        .strip_prefix('{')
        .and_then(|x| x.strip_suffix('}'))
        .unwrap_or(t);
    let mut out = [0u8; 16];
    let mut n = 0;
    let mut hi: Option<u32> = None;
    for c in t.chars() {
        if c == '-' {
            continue;
        }
        let d = c.to_digit(16)?;
        match hi.take() {
            None => hi = Some(d),
            Some(h) => {
                *out.get_mut(n)? = (h * 16 + d) as u8;
                n += 1;
            }
        }
    }
    (n == 16 && hi.is_none()).then_some(out)
}

/// Appends a UUID in canonical text form.
pub fn put_uuid(buf: &mut BytesMut, u: &[u8; 16]) {
    for (i, b) in u.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            buf.put_u8(b'-');
        }
        buf.put_u8(HEX[(b >> 4) as usize]);
        buf.put_u8(HEX[(b & 0xf) as usize]);
    }
}

fn type_word(kind: ColKind) -> &'static str {
    match kind {
        ColKind::Int2 => "smallint",
        ColKind::Int4 => "integer",
        ColKind::Int8 => "bigint",
        ColKind::Float4 => "real",
        ColKind::Float8 => "double precision",
        ColKind::Numeric | ColKind::Decimal(_) => "numeric",
        ColKind::Bool => "boolean",
        ColKind::Uuid => "uuid",
        ColKind::Timestamp => "timestamp",
        ColKind::Timestamptz => "timestamp with time zone",
        ColKind::Date => "date",
        ColKind::Time => "time",
        ColKind::Json => "json",
        ColKind::Jsonb => "jsonb",
        ColKind::Bytea => "bytea",
        ColKind::Text | ColKind::Void => "text",
    }
}

/// 22P02 for a stored value that cannot be sent as the column's type.
fn invalid(kind: ColKind, val: Val<'_>) -> PgError {
    let shown = match val {
        Val::Text(t) => String::from_utf8_lossy(t).into_owned(),
        Val::Int(i) => i.to_string(),
        Val::Real(r) => r.to_string(),
        Val::Blob(_) => "(blob)".to_owned(),
        Val::Null => String::new(),
    };
    PgError::new(
        SqlState::INVALID_TEXT_REPRESENTATION,
        format!(
            "invalid input syntax for type {}: \"{shown}\"",
            type_word(kind)
        ),
    )
}

fn out_of_range(kind: ColKind) -> PgError {
    PgError::new(
        SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
        format!("{} out of range", type_word(kind)),
    )
}

/// Reads a value as an integer the way a PostgreSQL cast would (floats rounded).
fn as_i64(kind: ColKind, val: Val<'_>) -> PgResult<i64> {
    match val {
        Val::Int(i) => Ok(i),
        Val::Real(r) => {
            let r = r.round();
            if (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&r) {
                Ok(r as i64)
            } else {
                Err(out_of_range(kind))
            }
        }
        Val::Text(t) => {
            let s = std::str::from_utf8(t)
                .map_err(|_| invalid(kind, val))?
                .trim();
            s.parse::<i64>()
                .ok()
                .or_else(|| {
                    s.parse::<f64>()
                        .ok()
                        .filter(|f| f.is_finite())
                        .map(|f| f.round() as i64)
                })
                .ok_or_else(|| invalid(kind, val))
        }
        Val::Blob(_) | Val::Null => Err(invalid(kind, val)),
    }
}

fn as_f64(kind: ColKind, val: Val<'_>) -> PgResult<f64> {
    match val {
        Val::Int(i) => Ok(i as f64),
        Val::Real(r) => Ok(r),
        Val::Text(t) => parse_float(t).ok_or_else(|| invalid(kind, val)),
        Val::Blob(_) | Val::Null => Err(invalid(kind, val)),
    }
}

/// Parses a float as PostgreSQL's float8in does (`NaN`, `Infinity`, `-inf` …).
#[inline]
pub fn parse_float(t: &[u8]) -> Option<f64> {
    // Rust reads `NaN`, `Infinity`, `-inf`, `+infinity` … in any case too, as float8in does;
    // no lower-cased copy of every value.
    std::str::from_utf8(t).ok()?.trim().parse().ok()
}

/// A `numeric(p, s)` value with exactly `s` digits after the point (`10.50`, `20.00`).
fn put_decimal(buf: &mut BytesMut, val: Val<'_>, scale: usize) {
    use std::fmt::Write;
    let number = match val {
        Val::Int(i) if scale == 0 => return put_i64(buf, i),
        Val::Int(i) => i as f64,
        Val::Real(r) if r.is_finite() => r,
        Val::Text(t) => match parse_float(t) {
            Some(r) if r.is_finite() => r,
            _ => return put_plain_text(buf, val),
        },
        _ => return put_plain_text(buf, val),
    };
    let _ = write!(buf, "{number:.scale$}");
}

fn as_bool(kind: ColKind, val: Val<'_>) -> PgResult<bool> {
    match val {
        Val::Int(i) => Ok(i != 0),
        Val::Real(r) => Ok(r != 0.0),
        Val::Text(t) => parse_bool(t).ok_or_else(|| invalid(kind, val)),
        Val::Blob(_) | Val::Null => Err(invalid(kind, val)),
    }
}

/// The value's text: integers and floats as PostgreSQL prints int8 and float8, blobs as
/// bytea, text as stored.
#[inline]
fn put_plain_text(buf: &mut BytesMut, val: Val<'_>) {
    match val {
        Val::Int(i) => put_i64(buf, i),
        Val::Real(r) => put_float(buf, r, false),
        Val::Text(t) => buf.extend_from_slice(t),
        // A blob reads as bytea would print it (so a column typed text or bytea from the
        // first row encodes the same bytes).
        Val::Blob(b) => put_bytea_hex(buf, b),
        Val::Null => {}
    }
}

impl ToPgValue for Cell<'_> {
    #[inline]
    fn encode_text(&self, buf: &mut BytesMut) -> PgResult<IsNull> {
        let val = self.val;
        if let Val::Null = val {
            return Ok(IsNull::Yes);
        }
        match self.kind {
            ColKind::Text | ColKind::Json | ColKind::Jsonb | ColKind::Numeric => {
                match val {
                    // numeric prints plain decimals, never an exponent.
                    Val::Real(r) if self.kind == ColKind::Numeric && r.is_finite() => {
                        use std::fmt::Write;
                        let _ = write!(buf, "{r}");
                    }
                    _ => put_plain_text(buf, val),
                }
            }
            ColKind::Decimal(scale) => put_decimal(buf, val, usize::from(scale)),
            ColKind::Int2 | ColKind::Int4 | ColKind::Int8 => match val {
                Val::Real(r) if r.fract() == 0.0 && r.abs() < 9.2e18 => put_i64(buf, r as i64),
                _ => put_plain_text(buf, val),
            },
            ColKind::Float4 | ColKind::Float8 => {
                let single = self.kind == ColKind::Float4;
                match val {
                    Val::Real(r) => put_float(buf, r, single),
                    Val::Int(i) => put_float(buf, i as f64, single),
                    _ => put_plain_text(buf, val),
                }
            }
            ColKind::Bool => match as_bool(self.kind, val) {
                Ok(b) => buf.put_u8(if b { b't' } else { b'f' }),
                Err(_) => put_plain_text(buf, val),
            },
            ColKind::Bytea => match val {
                Val::Blob(b) => put_bytea_hex(buf, b),
                Val::Text(t) if t.starts_with(b"\\x") => buf.extend_from_slice(t),
                Val::Text(t) => put_bytea_hex(buf, t),
                other => {
                    let mut tmp = BytesMut::new();
                    put_plain_text(&mut tmp, other);
                    put_bytea_hex(buf, &tmp);
                }
            },
            ColKind::Uuid => match val {
                Val::Blob(b) if b.len() == 16 => {
                    let mut u = [0u8; 16];
                    u.copy_from_slice(b);
                    put_uuid(buf, &u);
                }
                Val::Text(t) => match parse_uuid(t) {
                    Some(u) => put_uuid(buf, &u),
                    None => buf.extend_from_slice(t),
                },
                other => put_plain_text(buf, other),
            },
            ColKind::Timestamp | ColKind::Timestamptz | ColKind::Date | ColKind::Time => {
                match datetime::Parsed::from_val(val) {
                    Some(p) => p.put_text(buf, self.kind),
                    None => put_plain_text(buf, val),
                }
            }
            ColKind::Void => {}
        }
        Ok(IsNull::No)
    }

    fn encode_binary(&self, _ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull> {
        let val = self.val;
        if let Val::Null = val {
            return Ok(IsNull::Yes);
        }
        let kind = self.kind;
        match kind {
            ColKind::Int2 => {
                let v = as_i64(kind, val)?;
                buf.put_i16(i16::try_from(v).map_err(|_| out_of_range(kind))?);
            }
            ColKind::Int4 => {
                let v = as_i64(kind, val)?;
                buf.put_i32(i32::try_from(v).map_err(|_| out_of_range(kind))?);
            }
            ColKind::Int8 => buf.put_i64(as_i64(kind, val)?),
            ColKind::Float4 => buf.put_f32(as_f64(kind, val)? as f32),
            ColKind::Float8 => buf.put_f64(as_f64(kind, val)?),
            ColKind::Bool => buf.put_u8(u8::from(as_bool(kind, val)?)),
            ColKind::Text | ColKind::Json => return self.encode_text(buf),
            ColKind::Jsonb => {
                buf.put_u8(1);
                return self.encode_text(buf);
            }
            ColKind::Numeric | ColKind::Decimal(_) => {
                let mut text = BytesMut::new();
                Cell { kind, val }.encode_text(&mut text)?;
                let ok = std::str::from_utf8(&text)
                    .ok()
                    .is_some_and(|s| numeric::encode_binary(s, buf));
                if !ok {
                    return Err(invalid(kind, val));
                }
            }
            ColKind::Bytea => match val {
                Val::Blob(b) => buf.extend_from_slice(b),
                Val::Text(t) => match decode_bytea_hex(t) {
                    Some(bytes) => buf.extend_from_slice(&bytes),
                    None => buf.extend_from_slice(t),
                },
                other => put_plain_text(buf, other),
            },
            ColKind::Uuid => match val {
                Val::Blob(b) if b.len() == 16 => buf.extend_from_slice(b),
                Val::Text(t) => {
                    buf.extend_from_slice(&parse_uuid(t).ok_or_else(|| invalid(kind, val))?)
                }
                _ => return Err(invalid(kind, val)),
            },
            ColKind::Timestamp | ColKind::Timestamptz | ColKind::Date | ColKind::Time => {
                let p = datetime::Parsed::from_val(val).ok_or_else(|| {
                    PgError::new(
                        SqlState::INVALID_DATETIME_FORMAT,
                        format!(
                            "invalid input syntax for type {}: \"{}\"",
                            type_word(kind),
                            match val {
                                Val::Text(t) => String::from_utf8_lossy(t).into_owned(),
                                _ => String::new(),
                            }
                        ),
                    )
                })?;
                p.put_binary(buf, kind);
            }
            ColKind::Void => {}
        }
        Ok(IsNull::No)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(kind: ColKind, val: Val<'_>) -> String {
        let mut b = BytesMut::new();
        Cell { kind, val }.encode_text(&mut b).unwrap();
        String::from_utf8(b.to_vec()).unwrap()
    }

    fn float(v: f64) -> String {
        let mut b = BytesMut::new();
        put_float(&mut b, v, false);
        String::from_utf8(b.to_vec()).unwrap()
    }

    #[test]
    fn floats_print_like_postgres() {
        assert_eq!(float(1.5e20), "1.5e+20");
        assert_eq!(float(1e-5), "1e-05");
        assert_eq!(float(123456789012345.0), "123456789012345");
        assert_eq!(float(1234567890123456.0), "1.234567890123456e+15");
        assert_eq!(float(0.1), "0.1");
        assert_eq!(float(-2.5), "-2.5");
        assert_eq!(float(100.0), "100");
        assert_eq!(float(0.0001), "0.0001");
        assert_eq!(float(f64::NAN), "NaN");
        assert_eq!(float(0.0), "0");
        assert_eq!(float(-0.0), "-0");
        assert_eq!(float(1e300), "1e+300");
        assert_eq!(float(-1.25e-10), "-1.25e-10");
        assert_eq!(float(0.30000000000000004), "0.30000000000000004");
        assert_eq!(float(123456.0), "123456");
        assert_eq!(float(5e-324), "5e-324");
        assert_eq!(float(12.3456), "12.3456");
        assert_eq!(float(-0.0001), "-0.0001");
        assert_eq!(float(999999.9999), "999999.9999");
        assert_eq!(float(0.00015), "0.00015");
        // The fast path and ryu agree wherever the fast path answers.
        for i in 0..200_000u32 {
            let v = f64::from(i) * 0.0137 - 1000.0;
            let v = if i % 2 == 0 { v } else { v * 4099.0 };
            let mut a = BytesMut::new();
            if put_short_decimal(&mut a, v) {
                let mut b = BytesMut::new();
                put_float(&mut b, v, false);
                let r = ryu::Buffer::new().format_finite(v).to_owned();
                let back: f64 = std::str::from_utf8(&a).unwrap().parse().unwrap();
                assert_eq!(back, v, "{v}");
                assert_eq!(
                    std::str::from_utf8(&a).unwrap().trim_end_matches(".0"),
                    r.trim_end_matches(".0"),
                    "{v}"
                );
            }
        }
        assert_eq!(float(f64::NEG_INFINITY), "-Infinity");
        let mut b = BytesMut::new();
        put_float(&mut b, 0.1f32 as f64, true);
        assert_eq!(&b[..], b"0.1");
    }

    #[test]
    fn integers() {
        for v in [0i64, 7, -7, 1234567890, i64::MIN, i64::MAX] {
            let mut b = BytesMut::new();
            put_i64(&mut b, v);
            assert_eq!(std::str::from_utf8(&b).unwrap(), v.to_string());
        }
    }

    #[test]
    fn values_follow_the_column_kind() {
        assert_eq!(text(ColKind::Bool, Val::Int(1)), "t");
        assert_eq!(text(ColKind::Bool, Val::Text(b"false")), "f");
        assert_eq!(text(ColKind::Bytea, Val::Blob(&[1, 0xab])), "\\x01ab");
        assert_eq!(text(ColKind::Text, Val::Int(42)), "42");
        assert_eq!(text(ColKind::Int8, Val::Real(3.0)), "3");
        assert_eq!(text(ColKind::Float8, Val::Int(3)), "3");
        assert_eq!(
            text(ColKind::Numeric, Val::Real(1e20)),
            "100000000000000000000"
        );
        assert_eq!(
            text(
                ColKind::Uuid,
                Val::Text(b"A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11")
            ),
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
        );
        assert_eq!(
            text(ColKind::Timestamptz, Val::Text(b"2024-01-02 03:04:05.500")),
            "2024-01-02 03:04:05.5+00"
        );
    }

    #[test]
    fn binary_checks_ranges_and_syntax() {
        let bin = |kind, val| {
            let mut b = BytesMut::new();
            Cell { kind, val }
                .encode_binary(&Type::TEXT, &mut b)
                .map(|_| b.to_vec())
        };
        assert_eq!(bin(ColKind::Int4, Val::Int(5)).unwrap(), vec![0, 0, 0, 5]);
        assert_eq!(
            bin(ColKind::Int2, Val::Int(70000)).unwrap_err().code,
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE
        );
        assert_eq!(
            bin(ColKind::Int8, Val::Text(b"abc")).unwrap_err().code,
            SqlState::INVALID_TEXT_REPRESENTATION
        );
        assert_eq!(
            bin(ColKind::Bytea, Val::Text(b"\\x0102")).unwrap(),
            vec![1, 2]
        );
        assert_eq!(bin(ColKind::Bool, Val::Int(0)).unwrap(), vec![0]);
        assert_eq!(
            bin(ColKind::Jsonb, Val::Text(b"{}")).unwrap(),
            b"\x01{}".to_vec()
        );
    }

    #[test]
    fn floats_parse_like_float8in() {
        assert_eq!(parse_float(b" 1.5 "), Some(1.5));
        assert_eq!(parse_float(b"-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_float(b"+inf"), Some(f64::INFINITY));
        assert!(parse_float(b"NaN").is_some_and(f64::is_nan));
        assert_eq!(parse_float(b"1e-5"), Some(1e-5));
        assert_eq!(parse_float(b"abc"), None);
        assert_eq!(parse_float(b""), None);
    }

    #[test]
    fn bytea_hex_round_trip() {
        assert_eq!(decode_bytea_hex(b"\\x01ff").unwrap(), vec![1, 255]);
        assert!(decode_bytea_hex(b"\\x0").is_none());
        assert!(decode_bytea_hex(b"01").is_none());
    }
}
