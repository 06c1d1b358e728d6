//! Integers: `smallint`, `integer`, `bigint`, `oid` and `"char"`.
//!
//! Text output goes through `itoa` (no `fmt` machinery: this is the hottest encoder).

use bytes::{BufMut, BytesMut};

use super::errors::{
    cannot_read, int_out_of_range, int_text_out_of_range, invalid_binary, invalid_text, mismatch,
};
use super::numeric::Numeric;
use super::wire::{fixed, trim};
use super::{FromPgValue, IsNull, PgType, ToPgValue, Type, is_text_like};
use crate::error::PgResult;

/// Appends the decimal form of `v`, as PostgreSQL's `int8out` prints it.
#[inline]
pub fn write_int(v: i64, buf: &mut BytesMut) {
    let mut b = itoa::Buffer::new();
    buf.extend_from_slice(b.format(v).as_bytes());
}

/// Whether `ty` is stored as a 4-byte unsigned object identifier.
pub(crate) fn is_oid_like(ty: &Type) -> bool {
    matches!(
        *ty,
        Type::OID
            | Type::REGPROC
            | Type::REGPROCEDURE
            | Type::REGOPER
            | Type::REGOPERATOR
            | Type::REGCLASS
            | Type::REGTYPE
            | Type::REGCONFIG
            | Type::REGDICTIONARY
            | Type::REGNAMESPACE
            | Type::REGROLE
            | Type::REGCOLLATION
            | Type::XID
            | Type::CID
    )
}

/// Parses PostgreSQL integer input (`pg_strtoint64`): optional surrounding whitespace, an
/// optional sign, decimal digits. `None` for bad syntax, `Some(Err(()))` for overflow.
fn parse_i64(raw: &[u8]) -> Option<Result<i64, ()>> {
    let s = trim(raw);
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return None;
    }
    // Accumulate negatively so that i64::MIN parses.
    let mut acc: i64 = 0;
    let mut overflow = false;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        if !overflow {
            match acc
                .checked_mul(10)
                .and_then(|a| a.checked_sub(i64::from(d - b'0')))
            {
                Some(a) => acc = a,
                None => overflow = true,
            }
        }
    }
    if overflow {
        return Some(Err(()));
    }
    if neg {
        Some(Ok(acc))
    } else {
        Some(acc.checked_neg().ok_or(()))
    }
}

/// Parses integer text into the range `[min, max]`; errors name `ty`.
pub(crate) fn parse_int_text(ty: &Type, raw: &[u8], min: i64, max: i64) -> PgResult<i64> {
    match parse_i64(raw) {
        None => Err(invalid_text(ty, raw)),
        Some(Ok(v)) if (min..=max).contains(&v) => Ok(v),
        Some(_) => Err(int_text_out_of_range(ty, raw)),
    }
}

/// Reads any integer-valued binary parameter of type `ty` (integers, oids, `"char"`,
/// integral numerics, text-like types by parsing) as an i64.
pub(crate) fn read_binary_int(ty: &Type, raw: &[u8], rust: &str, own: &Type) -> PgResult<i64> {
    Ok(match *ty {
        Type::INT2 => i64::from(i16::from_be_bytes(fixed(ty, raw)?)),
        Type::INT4 => i64::from(i32::from_be_bytes(fixed(ty, raw)?)),
        Type::INT8 => i64::from_be_bytes(fixed(ty, raw)?),
        Type::CHAR => i64::from(i8::from_be_bytes(fixed(ty, raw)?)),
        Type::NUMERIC => {
            let n = Numeric::from_binary_bytes(raw)?;
            n.to_i64().ok_or_else(|| int_out_of_range(own))?
        }
        _ if is_oid_like(ty) => i64::from(u32::from_be_bytes(fixed(ty, raw)?)),
        _ if is_text_like(ty) => {
            return parse_int_text(own, raw, i64::MIN, i64::MAX);
        }
        _ => return Err(cannot_read(rust, ty)),
    })
}

/// Writes integer `v` in the binary format of column type `ty`, converting losslessly.
pub(crate) fn put_int_binary(
    v: i64,
    ty: &Type,
    rust: &str,
    buf: &mut BytesMut,
) -> PgResult<IsNull> {
    match *ty {
        Type::INT8 => buf.put_i64(v),
        Type::INT4 => buf.put_i32(i32::try_from(v).map_err(|_| int_out_of_range(ty))?),
        Type::INT2 => buf.put_i16(i16::try_from(v).map_err(|_| int_out_of_range(ty))?),
        Type::CHAR => buf.put_i8(i8::try_from(v).map_err(|_| int_out_of_range(ty))?),
        Type::NUMERIC => Numeric::from(v).write_binary(buf),
        Type::FLOAT8 => {
            let f = v as f64;
            if f as i64 != v || f == 9_223_372_036_854_775_808.0 {
                return Err(int_out_of_range(ty));
            }
            buf.put_f64(f)
        }
        Type::FLOAT4 => {
            let f = v as f32;
            if f as i64 != v || f == 9_223_372_036_854_775_808.0 {
                return Err(int_out_of_range(ty));
            }
            buf.put_f32(f)
        }
        _ if is_oid_like(ty) => buf.put_u32(u32::try_from(v).map_err(|_| int_out_of_range(ty))?),
        _ if is_text_like(ty) => write_int(v, buf),
        _ => return Err(mismatch(rust, ty)),
    }
    Ok(IsNull::No)
}

/// The error-naming type for integer input: the parameter's type when it is an integer
/// type, else the Rust type's own.
fn name_ty<'a>(ty: &'a Type, own: &'a Type) -> &'a Type {
    match *ty {
        Type::INT2 | Type::INT4 | Type::INT8 | Type::OID => ty,
        _ => own,
    }
}

macro_rules! int_impl {
    ($($t:ty => $pg:ident, $rust:literal);* $(;)?) => {$(
        impl PgType for $t {
            fn pg_type() -> Type {
                Type::$pg
            }
        }

        impl ToPgValue for $t {
            #[inline]
            fn encode_text(&self, buf: &mut BytesMut) -> PgResult<IsNull> {
                write_int(i64::from(*self), buf);
                Ok(IsNull::No)
            }
            #[inline]
            fn encode_binary(&self, ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull> {
                put_int_binary(i64::from(*self), ty, $rust, buf)
            }
        }

        impl FromPgValue for $t {
            fn from_text(ty: &Type, raw: &[u8]) -> PgResult<Self> {
                let own = Type::$pg;
                let v = parse_int_text(
                    name_ty(ty, &own),
                    raw,
                    i64::from(<$t>::MIN),
                    i64::from(<$t>::MAX),
                )?;
                Ok(v as $t)
            }
            fn from_binary(ty: &Type, raw: &[u8]) -> PgResult<Self> {
                let own = Type::$pg;
                let v = read_binary_int(ty, raw, $rust, &own)?;
                <$t>::try_from(v).map_err(|_| int_out_of_range(&own))
            }
        }
    )*};
}

int_impl!(i16 => INT2, "smallint"; i32 => INT4, "integer"; i64 => INT8, "bigint");

impl PgType for u32 {
    fn pg_type() -> Type {
        Type::OID
    }
}

impl ToPgValue for u32 {
    #[inline]
    fn encode_text(&self, buf: &mut BytesMut) -> PgResult<IsNull> {
        write_int(i64::from(*self), buf);
        Ok(IsNull::No)
    }
    #[inline]
    fn encode_binary(&self, ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull> {
        put_int_binary(i64::from(*self), ty, "oid", buf)
    }
}

impl FromPgValue for u32 {
    /// `oidin`: accepts -2147483648..=4294967295, negative values wrap as in PostgreSQL.
    fn from_text(ty: &Type, raw: &[u8]) -> PgResult<Self> {
        let v = parse_int_text(
            name_ty(ty, &Type::OID),
            raw,
            i64::from(i32::MIN),
            i64::from(u32::MAX),
        )?;
        Ok(v as u32)
    }
    fn from_binary(ty: &Type, raw: &[u8]) -> PgResult<Self> {
        let v = read_binary_int(ty, raw, "oid", &Type::OID)?;
        u32::try_from(v).map_err(|_| int_out_of_range(&Type::OID))
    }
}

/// `"char"`: a single byte, printed as PostgreSQL 15's `charout` does (the byte itself,
/// `\ooo` octal for bytes with the high bit set, nothing for 0).
impl PgType for i8 {
    fn pg_type() -> Type {
        Type::CHAR
    }
}

impl ToPgValue for i8 {
    fn encode_text(&self, buf: &mut BytesMut) -> PgResult<IsNull> {
        let b = *self as u8;
        if b >= 0x80 {
            buf.extend_from_slice(&[
                b'\\',
                b'0' + (b >> 6),
                b'0' + ((b >> 3) & 7),
                b'0' + (b & 7),
            ]);
        } else if b != 0 {
            buf.put_u8(b);
        }
        Ok(IsNull::No)
    }
    fn encode_binary(&self, ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull> {
        if *ty == Type::CHAR {
            buf.put_i8(*self);
            Ok(IsNull::No)
        } else if is_text_like(ty) {
            self.encode_text(buf)
        } else {
            Err(mismatch("\"char\"", ty))
        }
    }
}

impl FromPgValue for i8 {
    /// `charin`: the first byte, or `\ooo` octal.
    fn from_text(_ty: &Type, raw: &[u8]) -> PgResult<Self> {
        Ok(match raw {
            [b'\\', a @ b'0'..=b'3', b @ b'0'..=b'7', c @ b'0'..=b'7'] => {
                (((a - b'0') << 6) | ((b - b'0') << 3) | (c - b'0')) as i8
            }
            [] => 0,
            [first, ..] => *first as i8,
        })
    }
    fn from_binary(ty: &Type, raw: &[u8]) -> PgResult<Self> {
        match *ty {
            Type::CHAR => Ok(i8::from_be_bytes(fixed(ty, raw)?)),
            _ if is_text_like(ty) => Self::from_text(ty, raw),
            _ => Err(invalid_binary(ty)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text<T: ToPgValue>(v: T) -> String {
        let mut b = BytesMut::new();
        v.encode_text(&mut b).unwrap();
        String::from_utf8(b.to_vec()).unwrap()
    }

    fn bin<T: ToPgValue>(v: T, ty: &Type) -> PgResult<Vec<u8>> {
        let mut b = BytesMut::new();
        v.encode_binary(ty, &mut b)?;
        Ok(b.to_vec())
    }

    #[test]
    fn text_output() {
        assert_eq!(text(0i32), "0");
        assert_eq!(text(-42i16), "-42");
        assert_eq!(text(i64::MIN), "-9223372036854775808");
        assert_eq!(text(i64::MAX), "9223372036854775807");
        assert_eq!(text(u32::MAX), "4294967295");
        assert_eq!(text(b'a' as i8), "a");
        assert_eq!(text(-1i8), "\\377");
    }

    #[test]
    fn text_input() {
        assert_eq!(i32::from_text(&Type::INT4, b" 42 ").unwrap(), 42);
        assert_eq!(i32::from_text(&Type::INT4, b"+7").unwrap(), 7);
        assert_eq!(
            i64::from_text(&Type::INT8, b"-9223372036854775808").unwrap(),
            i64::MIN
        );
        let e = i32::from_text(&Type::INT4, b"abc").unwrap_err();
        assert_eq!(e.code.code(), "22P02");
        assert_eq!(e.message, "invalid input syntax for type integer: \"abc\"");
        let e = i32::from_text(&Type::INT4, b"99999999999").unwrap_err();
        assert_eq!(e.code.code(), "22003");
        assert_eq!(
            e.message,
            "value \"99999999999\" is out of range for type integer"
        );
        let e = i16::from_text(&Type::UNKNOWN, b"40000").unwrap_err();
        assert_eq!(
            e.message,
            "value \"40000\" is out of range for type smallint"
        );
        let e = i64::from_text(&Type::INT8, b"99999999999999999999").unwrap_err();
        assert_eq!(e.code.code(), "22003");
        for bad in ["", " ", "-", "1 2", "1e3", "1.0", "0x10"] {
            assert_eq!(
                i64::from_text(&Type::INT8, bad.as_bytes())
                    .unwrap_err()
                    .code
                    .code(),
                "22P02",
                "{bad:?}"
            );
        }
        assert_eq!(u32::from_text(&Type::OID, b"-1").unwrap(), u32::MAX);
    }

    #[test]
    fn binary_widens_and_checks_range() {
        assert_eq!(bin(7i32, &Type::INT8).unwrap(), 7i64.to_be_bytes());
        assert_eq!(bin(7i64, &Type::INT2).unwrap(), 7i16.to_be_bytes());
        assert_eq!(bin(70000i64, &Type::INT2).unwrap_err().code.code(), "22003");
        assert_eq!(bin(7i16, &Type::TEXT).unwrap(), b"7");
        assert_eq!(bin(3i32, &Type::FLOAT8).unwrap(), 3f64.to_be_bytes());
        assert_eq!(
            bin(i64::MAX, &Type::FLOAT8).unwrap_err().code.code(),
            "22003"
        );
        assert_eq!(bin(1i32, &Type::UUID).unwrap_err().code.code(), "42804");
        assert_eq!(bin(-1i32, &Type::OID).unwrap_err().code.code(), "22003");
    }

    #[test]
    fn binary_input() {
        assert_eq!(
            i64::from_binary(&Type::INT2, &5i16.to_be_bytes()).unwrap(),
            5
        );
        assert_eq!(
            i16::from_binary(&Type::INT8, &5i64.to_be_bytes()).unwrap(),
            5
        );
        assert_eq!(
            i16::from_binary(&Type::INT8, &500000i64.to_be_bytes())
                .unwrap_err()
                .code
                .code(),
            "22003"
        );
        assert_eq!(
            i32::from_binary(&Type::INT4, &[0, 1])
                .unwrap_err()
                .code
                .code(),
            "22P03"
        );
        assert_eq!(i32::from_binary(&Type::TEXT, b"12").unwrap(), 12);
    }
}
