//! `real` and `double precision`.
//!
//! Text output is PostgreSQL 15's with `extra_float_digits = 1` (the default for clients):
//! the shortest digits that read back to the same value, chosen as PostgreSQL's Ryu chooses
//! them (ties to even, interval bounds excluded: see `shortest.rs`), written
//! in fixed notation when the decimal exponent is in `-4..15` (`-4..6` for `real`) and as
//! `d.ddde+XX` otherwise; `NaN`, `Infinity`, `-Infinity`, `-0`.

use bytes::{BufMut, BytesMut};

use super::errors::{cannot_read, float_text_out_of_range, invalid_text, mismatch, out_of_range};
use super::numeric::Numeric;
use super::shortest::shortest;
use super::wire::{fixed, trim};
use super::{FromPgValue, IsNull, PgType, ToPgValue, Type, is_text_like};
use crate::error::PgResult;

/// Writes `digits × 10^exp` (one digit before the point, `exp` the scientific exponent) the
/// way PostgreSQL's Ryu output does, with fixed notation for `exp` in `-4..fixed_below`.
fn write_pg_digits(neg: bool, digits: &[u8], exp: i32, fixed_below: i32, buf: &mut BytesMut) {
    if neg {
        buf.put_u8(b'-');
    }
    let n = digits.len() as i32;
    if (-4..fixed_below).contains(&exp) {
        if exp >= 0 {
            let int_len = exp + 1;
            if n <= int_len {
                buf.extend_from_slice(digits);
                for _ in n..int_len {
                    buf.put_u8(b'0');
                }
            } else {
                buf.extend_from_slice(&digits[..int_len as usize]);
                buf.put_u8(b'.');
                buf.extend_from_slice(&digits[int_len as usize..]);
            }
        } else {
            buf.extend_from_slice(b"0.");
            for _ in 0..(-exp - 1) {
                buf.put_u8(b'0');
            }
            buf.extend_from_slice(digits);
        }
    } else {
        buf.put_u8(digits[0]);
        if n > 1 {
            buf.put_u8(b'.');
            buf.extend_from_slice(&digits[1..]);
        }
        buf.put_u8(b'e');
        buf.put_u8(if exp < 0 { b'-' } else { b'+' });
        let e = exp.unsigned_abs();
        if e < 10 {
            buf.put_u8(b'0');
        }
        let mut b = itoa::Buffer::new();
        buf.extend_from_slice(b.format(e).as_bytes());
    }
}

macro_rules! write_float_fn {
    ($name:ident, $t:ty, $fixed_below:expr, $doc:literal) => {
        #[doc = $doc]
        pub fn $name(v: $t, buf: &mut BytesMut) {
            if v.is_nan() {
                buf.extend_from_slice(b"NaN");
            } else if v.is_infinite() {
                buf.extend_from_slice(if v > 0.0 { b"Infinity" } else { b"-Infinity" });
            } else if v == 0.0 {
                buf.extend_from_slice(if v.is_sign_negative() { b"-0" } else { b"0" });
            } else {
                let mut digits = [0u8; 40];
                let (n, exp) = shortest(v.abs(), &mut digits);
                write_pg_digits(v < 0.0, &digits[..n], exp, $fixed_below, buf);
            }
        }
    };
}

write_float_fn!(
    write_float8,
    f64,
    15,
    "Appends `v` as PostgreSQL 15's `float8out` prints it (`0.1`, `1e+21`, `-0`, `NaN`)."
);
write_float_fn!(
    write_float4,
    f32,
    6,
    "Appends `v` as PostgreSQL 15's `float4out` prints it (`3.4028235e+38`, `1e+06`)."
);

/// `float8in`/`float4in`: whitespace-trimmed `strtod` syntax plus `NaN`, `Infinity`, `inf`;
/// overflow and underflow to zero are 22003 errors, as in PostgreSQL.
fn parse_float<T>(ty: &Type, raw: &[u8]) -> PgResult<T>
where
    T: std::str::FromStr + Copy + PartialEq + Into<f64>,
{
    let s = std::str::from_utf8(trim(raw)).map_err(|_| invalid_text(ty, raw))?;
    if s.is_empty() || s.contains('_') {
        return Err(invalid_text(ty, raw));
    }
    let v: T = s.parse().map_err(|_| invalid_text(ty, raw))?;
    let f: f64 = v.into();
    let has_digit = s.bytes().any(|b| b.is_ascii_digit());
    if has_digit && f.is_infinite() {
        return Err(float_text_out_of_range(ty, raw));
    }
    if f == 0.0 {
        let mantissa = s.split(['e', 'E']).next().unwrap_or("");
        if mantissa.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
            return Err(float_text_out_of_range(ty, raw));
        }
    }
    Ok(v)
}

/// Writes `v` in the binary format of column type `ty`.
fn put_float_binary(v: f64, from_f32: bool, ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull> {
    match *ty {
        Type::FLOAT8 => buf.put_f64(v),
        Type::FLOAT4 => buf.put_f32(narrow(v)?),
        Type::NUMERIC => {
            let n = if from_f32 {
                Numeric::from(v as f32)
            } else {
                Numeric::from(v)
            };
            n.write_binary(buf)
        }
        _ if is_text_like(ty) => {
            if from_f32 {
                write_float4(v as f32, buf)
            } else {
                write_float8(v, buf)
            }
        }
        _ => {
            return Err(mismatch(
                if from_f32 { "real" } else { "double precision" },
                ty,
            ));
        }
    }
    Ok(IsNull::No)
}

/// f64 → f32 as PostgreSQL's `float84` does: overflow and underflow are 22003 errors.
fn narrow(v: f64) -> PgResult<f32> {
    let f = v as f32;
    if f.is_infinite() && v.is_finite() {
        return Err(out_of_range("value out of range: overflow"));
    }
    if f == 0.0 && v != 0.0 {
        return Err(out_of_range("value out of range: underflow"));
    }
    Ok(f)
}

/// Reads any numeric binary parameter as f64.
fn read_binary_float(ty: &Type, raw: &[u8], rust: &str, own: &Type) -> PgResult<f64> {
    Ok(match *ty {
        Type::FLOAT8 => f64::from_be_bytes(fixed(ty, raw)?),
        Type::FLOAT4 => f64::from(f32::from_be_bytes(fixed(ty, raw)?)),
        Type::INT2 => f64::from(i16::from_be_bytes(fixed(ty, raw)?)),
        Type::INT4 => f64::from(i32::from_be_bytes(fixed(ty, raw)?)),
        Type::INT8 => i64::from_be_bytes(fixed(ty, raw)?) as f64,
        Type::NUMERIC => Numeric::from_binary_bytes(raw)?.to_f64(),
        _ if is_text_like(ty) => return parse_float::<f64>(own, raw),
        _ => return Err(cannot_read(rust, ty)),
    })
}

impl PgType for f64 {
    fn pg_type() -> Type {
        Type::FLOAT8
    }
}

impl ToPgValue for f64 {
    #[inline]
    fn encode_text(&self, buf: &mut BytesMut) -> PgResult<IsNull> {
        write_float8(*self, buf);
        Ok(IsNull::No)
    }
    #[inline]
    fn encode_binary(&self, ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull> {
        put_float_binary(*self, false, ty, buf)
    }
}

impl FromPgValue for f64 {
    fn from_text(ty: &Type, raw: &[u8]) -> PgResult<Self> {
        let name = if *ty == Type::FLOAT4 {
            ty
        } else {
            &Type::FLOAT8
        };
        parse_float(name, raw)
    }
    fn from_binary(ty: &Type, raw: &[u8]) -> PgResult<Self> {
        read_binary_float(ty, raw, "double precision", &Type::FLOAT8)
    }
}

impl PgType for f32 {
    fn pg_type() -> Type {
        Type::FLOAT4
    }
}

impl ToPgValue for f32 {
    #[inline]
    fn encode_text(&self, buf: &mut BytesMut) -> PgResult<IsNull> {
        write_float4(*self, buf);
        Ok(IsNull::No)
    }
    #[inline]
    fn encode_binary(&self, ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull> {
        put_float_binary(f64::from(*self), true, ty, buf)
    }
}

impl FromPgValue for f32 {
    fn from_text(_ty: &Type, raw: &[u8]) -> PgResult<Self> {
        parse_float(&Type::FLOAT4, raw)
    }
    fn from_binary(ty: &Type, raw: &[u8]) -> PgResult<Self> {
        match *ty {
            Type::FLOAT4 => Ok(f32::from_be_bytes(fixed(ty, raw)?)),
            _ if is_text_like(ty) => parse_float(&Type::FLOAT4, raw),
            _ => narrow(read_binary_float(ty, raw, "real", &Type::FLOAT4)?),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f8(v: f64) -> String {
        let mut b = BytesMut::new();
        write_float8(v, &mut b);
        String::from_utf8(b.to_vec()).unwrap()
    }

    fn f4(v: f32) -> String {
        let mut b = BytesMut::new();
        write_float4(v, &mut b);
        String::from_utf8(b.to_vec()).unwrap()
    }

    #[test]
    fn float8_output() {
        for (v, s) in [
            (0.0, "0"),
            (-0.0, "-0"),
            (0.1, "0.1"),
            (1.0, "1"),
            (-1.5, "-1.5"),
            (100.0, "100"),
            (1e21, "1e+21"),
            (1.5e-7, "1.5e-07"),
            (1e15, "1e+15"),
            (123456789012345.0, "123456789012345"),
            (1234567890123456.0, "1.234567890123456e+15"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (0.00012345, "0.00012345"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (5e-324, "5e-324"),
            (1e100, "1e+100"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (std::f64::consts::PI, "3.141592653589793"),
        ] {
            assert_eq!(f8(v), s, "{v:e}");
        }
    }

    #[test]
    fn float4_output() {
        for (v, s) in [
            (f32::MAX, "3.4028235e+38"),
            (0.1f32, "0.1"),
            (123456.0, "123456"),
            (1234567.0, "1.234567e+06"),
            (1e6, "1e+06"),
            (-0.0, "-0"),
            (1e-45, "1e-45"),
            (0.0001, "0.0001"),
        ] {
            assert_eq!(f4(v), s, "{v:e}");
        }
    }

    #[test]
    fn float_input() {
        assert_eq!(f64::from_text(&Type::FLOAT8, b" 1e3 ").unwrap(), 1000.0);
        assert!(f64::from_text(&Type::FLOAT8, b"NaN").unwrap().is_nan());
        assert_eq!(
            f64::from_text(&Type::FLOAT8, b"-Infinity").unwrap(),
            f64::NEG_INFINITY
        );
        assert_eq!(
            f64::from_text(&Type::FLOAT8, b"inf").unwrap(),
            f64::INFINITY
        );
        assert_eq!(
            f32::from_text(&Type::FLOAT4, b"3.4028235e+38").unwrap(),
            f32::MAX
        );
        let e = f64::from_text(&Type::FLOAT8, b"1e999").unwrap_err();
        assert_eq!(e.code.code(), "22003");
        assert_eq!(
            e.message,
            "\"1e999\" is out of range for type double precision"
        );
        assert_eq!(
            f64::from_text(&Type::FLOAT8, b"1e-400")
                .unwrap_err()
                .code
                .code(),
            "22003"
        );
        assert_eq!(
            f32::from_text(&Type::FLOAT4, b"1e39").unwrap_err().message,
            "\"1e39\" is out of range for type real"
        );
        let e = f64::from_text(&Type::FLOAT8, b"abc").unwrap_err();
        assert_eq!(
            e.message,
            "invalid input syntax for type double precision: \"abc\""
        );
        assert_eq!(f64::from_text(&Type::FLOAT8, b"0e10").unwrap(), 0.0);
    }

    #[test]
    fn binary() {
        let mut b = BytesMut::new();
        1.5f32.encode_binary(&Type::FLOAT8, &mut b).unwrap();
        assert_eq!(&b[..], 1.5f64.to_be_bytes());
        b.clear();
        assert_eq!(
            1e300f64
                .encode_binary(&Type::FLOAT4, &mut b)
                .unwrap_err()
                .code
                .code(),
            "22003"
        );
        assert_eq!(
            f64::from_binary(&Type::INT4, &7i32.to_be_bytes()).unwrap(),
            7.0
        );
        assert_eq!(
            f32::from_binary(&Type::FLOAT8, &1.5f64.to_be_bytes()).unwrap(),
            1.5
        );
    }
}
