//! `numeric`: arbitrary precision decimals.
//!
//! [`Numeric`] keeps PostgreSQL's canonical text form (`-12.340`, `NaN`, `Infinity`) rather
//! than a fixed-width decimal: `numeric` holds up to 131072 digits before the point and
//! 16383 after, plus `NaN` and `±Infinity`, and its text output keeps the value's scale;
//! `rust_decimal` (28 digits, no NaN/Infinity) could not round-trip every value a client
//! sends. The canonical text is what text output needs on the hot path, and the binary
//! (base-10000) form is computed from it. Convert to your own decimal type through
//! [`Numeric::as_str`] / `FromStr`, or use [`Numeric::to_f64`] / [`Numeric::to_i64`].

use std::fmt;
use std::str::FromStr;

use bytes::{BufMut, BytesMut};

use super::errors::{cannot_read, invalid_binary_msg, invalid_text, mismatch, out_of_range};
use super::wire::{Reader, trim};
use super::{FromPgValue, IsNull, PgType, ToPgValue, Type, is_text_like};
use crate::error::{PgError, PgResult};

const NUMERIC_POS: u16 = 0x0000;
const NUMERIC_NEG: u16 = 0x4000;
const NUMERIC_NAN: u16 = 0xC000;
const NUMERIC_PINF: u16 = 0xD000;
const NUMERIC_NINF: u16 = 0xF000;
/// Largest display scale (`NUMERIC_DSCALE_MAX`).
const MAX_SCALE: usize = 0x3FFF;
/// Most digits before the decimal point (`NUMERIC_WEIGHT_MAX` base-10000 groups).
const MAX_INT_DIGITS: usize = 131072;
/// Largest exponent accepted in input (`NUMERIC_MAX_PRECISION`).
const MAX_EXPONENT: i64 = 1000;

/// A PostgreSQL `numeric` value, held in its canonical text form.
///
/// Equality compares that form, so `1.0` and `1.00` differ (as their text output does).
///
/// ```
/// use pgwire::types::Numeric;
/// let n: Numeric = "  -001.50e1 ".parse().unwrap();
/// assert_eq!(n.as_str(), "-15.0");
/// assert_eq!(n.scale(), 1);
/// assert_eq!("1.5e-7".parse::<Numeric>().unwrap().as_str(), "0.00000015");
/// assert_eq!(Numeric::from(42i64).as_str(), "42");
/// assert!("NaN".parse::<Numeric>().unwrap().is_nan());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Numeric {
    repr: Box<str>,
}

#[derive(Debug)]
enum ParseError {
    Syntax,
    Overflow,
}

impl Numeric {
    /// `NaN`.
    pub fn nan() -> Numeric {
        Numeric { repr: "NaN".into() }
    }

    /// `Infinity`.
    pub fn infinity() -> Numeric {
        Numeric {
            repr: "Infinity".into(),
        }
    }

    /// `-Infinity`.
    pub fn neg_infinity() -> Numeric {
        Numeric {
            repr: "-Infinity".into(),
        }
    }

    /// The canonical text form, exactly as PostgreSQL prints it.
    pub fn as_str(&self) -> &str {
        &self.repr
    }

    /// Whether this is `NaN`.
    pub fn is_nan(&self) -> bool {
        &*self.repr == "NaN"
    }

    /// Whether this is neither `NaN` nor an infinity.
    pub fn is_finite(&self) -> bool {
        !self.repr.ends_with('N') && !self.repr.ends_with('y')
    }

    /// Whether the value is below zero (`-Infinity` included).
    pub fn is_sign_negative(&self) -> bool {
        self.repr.starts_with('-')
    }

    /// Digits after the decimal point (0 for NaN and infinities).
    pub fn scale(&self) -> u16 {
        match self.repr.find('.') {
            Some(p) => (self.repr.len() - p - 1) as u16,
            None => 0,
        }
    }

    /// The nearest f64 (`NaN` and infinities map to theirs).
    pub fn to_f64(&self) -> f64 {
        self.repr.parse().unwrap_or(f64::NAN)
    }

    /// The value as an i64 when it is integral (any scale, zero fraction) and fits.
    pub fn to_i64(&self) -> Option<i64> {
        if !self.is_finite() {
            return None;
        }
        let (int, frac) = self.repr.split_once('.').unwrap_or((&self.repr, ""));
        if frac.bytes().any(|b| b != b'0') {
            return None;
        }
        int.parse().ok()
    }

    fn parse(raw: &[u8]) -> Result<Numeric, ParseError> {
        let s = trim(raw);
        for (word, v) in [
            (&b"nan"[..], "NaN"),
            (b"infinity", "Infinity"),
            (b"+infinity", "Infinity"),
            (b"-infinity", "-Infinity"),
            (b"inf", "Infinity"),
            (b"+inf", "Infinity"),
            (b"-inf", "-Infinity"),
        ] {
            if s.eq_ignore_ascii_case(word) {
                return Ok(Numeric { repr: v.into() });
            }
        }
        let (neg, rest) = match s.first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        let mut digits: Vec<u8> = Vec::with_capacity(rest.len());
        let mut frac_len: i64 = 0;
        let mut seen_point = false;
        let mut i = 0;
        while let Some(&b) = rest.get(i) {
            match b {
                b'0'..=b'9' => {
                    digits.push(b);
                    if seen_point {
                        frac_len += 1;
                    }
                }
                b'.' if !seen_point => seen_point = true,
                _ => break,
            }
            i += 1;
        }
        if digits.is_empty() {
            return Err(ParseError::Syntax);
        }
        let mut exp: i64 = 0;
        if let Some(b'e' | b'E') = rest.get(i) {
            i += 1;
            let (eneg, start) = match rest.get(i) {
                Some(b'-') => (true, i + 1),
                Some(b'+') => (false, i + 1),
                _ => (false, i),
            };
            i = start;
            while let Some(&b) = rest.get(i) {
                if !b.is_ascii_digit() {
                    break;
                }
                exp = exp * 10 + i64::from(b - b'0');
                if exp > MAX_EXPONENT {
                    return Err(ParseError::Syntax);
                }
                i += 1;
            }
            if i == start {
                return Err(ParseError::Syntax);
            }
            if eneg {
                exp = -exp;
            }
        }
        if i != rest.len() {
            return Err(ParseError::Syntax);
        }
        Numeric::from_digits(neg, &digits, frac_len - exp)
    }

    /// Builds the canonical form of `±digits × 10^-scale` (`scale` may be negative).
    fn from_digits(neg: bool, digits: &[u8], scale: i64) -> Result<Numeric, ParseError> {
        let first = digits.iter().position(|&d| d != b'0');
        let dscale = scale.max(0) as usize;
        if dscale > MAX_SCALE {
            return Err(ParseError::Overflow);
        }
        let mut out = String::with_capacity(digits.len() + 3 + (-scale).max(0) as usize);
        let Some(first) = first else {
            // Zero keeps its scale, never its sign.
            out.push('0');
            if dscale > 0 {
                out.push('.');
                out.extend(std::iter::repeat_n('0', dscale));
            }
            return Ok(Numeric { repr: out.into() });
        };
        if neg {
            out.push('-');
        }
        let digits = &digits[first..];
        let n = digits.len() as i64;
        let int_len = n - scale;
        if int_len > MAX_INT_DIGITS as i64 {
            return Err(ParseError::Overflow);
        }
        let ascii = |d: &[u8]| std::str::from_utf8(d).unwrap_or_default().to_owned();
        if scale <= 0 {
            out.push_str(&ascii(digits));
            out.extend(std::iter::repeat_n('0', (-scale) as usize));
        } else if int_len > 0 {
            out.push_str(&ascii(&digits[..int_len as usize]));
            out.push('.');
            out.push_str(&ascii(&digits[int_len as usize..]));
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-int_len) as usize));
            out.push_str(&ascii(digits));
        }
        Ok(Numeric { repr: out.into() })
    }

    /// Appends the binary (`numeric_send`) form.
    pub fn write_binary(&self, buf: &mut BytesMut) {
        let special = match &*self.repr {
            "NaN" => Some(NUMERIC_NAN),
            "Infinity" => Some(NUMERIC_PINF),
            "-Infinity" => Some(NUMERIC_NINF),
            _ => None,
        };
        if let Some(sign) = special {
            buf.put_i16(0);
            buf.put_i16(0);
            buf.put_u16(sign);
            // numeric_send reads the display scale out of the special value's header bits,
            // which gives 32 for the infinities and 0 for NaN.
            buf.put_u16(if sign == NUMERIC_NAN { 0 } else { 32 });
            return;
        }
        let (neg, abs) = match self.repr.strip_prefix('-') {
            Some(a) => (true, a),
            None => (false, &*self.repr),
        };
        let (int, frac) = abs.split_once('.').unwrap_or((abs, ""));
        let int = int.as_bytes();
        let frac = frac.as_bytes();
        // Base-10000 groups aligned on the decimal point.
        let int_groups = int.len().div_ceil(4);
        let frac_groups = frac.len().div_ceil(4);
        let mut groups: Vec<i16> = Vec::with_capacity(int_groups + frac_groups);
        let pad = int_groups * 4 - int.len();
        let mut acc: i16 = 0;
        for (k, &d) in std::iter::repeat_n(&b'0', pad).chain(int).enumerate() {
            acc = acc * 10 + i16::from(d - b'0');
            if k % 4 == 3 {
                groups.push(acc);
                acc = 0;
            }
        }
        for (k, &d) in frac
            .iter()
            .chain(std::iter::repeat_n(&b'0', frac_groups * 4 - frac.len()))
            .enumerate()
        {
            acc = acc * 10 + i16::from(d - b'0');
            if k % 4 == 3 {
                groups.push(acc);
                acc = 0;
            }
        }
        let mut weight = int_groups as i32 - 1;
        let lead = groups.iter().take_while(|&&g| g == 0).count();
        weight -= lead as i32;
        let trail = groups[lead..].iter().rev().take_while(|&&g| g == 0).count();
        let kept = &groups[lead..groups.len() - trail];
        if kept.is_empty() {
            weight = 0;
        }
        buf.put_i16(kept.len() as i16);
        buf.put_i16(weight as i16);
        buf.put_u16(if neg && !kept.is_empty() {
            NUMERIC_NEG
        } else {
            NUMERIC_POS
        });
        buf.put_u16(frac.len() as u16);
        for g in kept {
            buf.put_i16(*g);
        }
    }

    /// Reads the binary (`numeric_recv`) form; digits hidden by the display scale are
    /// truncated away, as PostgreSQL does.
    pub fn from_binary_bytes(raw: &[u8]) -> PgResult<Numeric> {
        let ty = Type::NUMERIC;
        let mut r = Reader::new(&ty, raw);
        let ndigits = r.i16()?;
        let weight = i32::from(r.i16()?);
        let sign = r.u16()?;
        let dscale = usize::from(r.u16()?);
        if ndigits < 0 {
            return Err(invalid_binary_msg(
                "invalid length in external \"numeric\" value",
            ));
        }
        match sign {
            NUMERIC_NAN => return Ok(Numeric::nan()),
            NUMERIC_PINF => return Ok(Numeric::infinity()),
            NUMERIC_NINF => return Ok(Numeric::neg_infinity()),
            NUMERIC_POS | NUMERIC_NEG => {}
            _ => {
                return Err(invalid_binary_msg(
                    "invalid sign in external \"numeric\" value",
                ));
            }
        }
        if dscale > MAX_SCALE {
            return Err(invalid_binary_msg(
                "invalid scale in external \"numeric\" value",
            ));
        }
        let mut groups = Vec::with_capacity(ndigits as usize);
        for _ in 0..ndigits {
            let d = r.i16()?;
            if !(0..10000).contains(&d) {
                return Err(invalid_binary_msg(
                    "invalid digit in external \"numeric\" value",
                ));
            }
            groups.push(d);
        }
        r.finish()?;
        // Decimal digits from 10^(4*(weight+1)) down to 10^-dscale.
        let int_groups = (weight + 1).max(0) as usize;
        if int_groups * 4 > MAX_INT_DIGITS + 4 {
            return Err(out_of_range("value overflows numeric format"));
        }
        let group_at = |power: i32| -> i16 {
            // power: base-10000 exponent; index = weight - power
            let idx = weight - power;
            if idx >= 0 {
                groups.get(idx as usize).copied().unwrap_or(0)
            } else {
                0
            }
        };
        let mut digits: Vec<u8> = Vec::with_capacity(int_groups * 4 + dscale + 4);
        for k in 0..int_groups {
            push_group(&mut digits, group_at(weight - k as i32));
        }
        let mut power = -1;
        let int_len = digits.len();
        while digits.len() - int_len < dscale {
            push_group(&mut digits, group_at(power));
            power -= 1;
        }
        digits.truncate(int_len + dscale);
        Numeric::from_digits(sign == NUMERIC_NEG, &digits, dscale as i64)
            .map_err(|_| out_of_range("value overflows numeric format"))
    }
}

fn push_group(digits: &mut Vec<u8>, g: i16) {
    let g = g as u16;
    digits.extend_from_slice(&[
        b'0' + (g / 1000) as u8,
        b'0' + (g / 100 % 10) as u8,
        b'0' + (g / 10 % 10) as u8,
        b'0' + (g % 10) as u8,
    ]);
}

impl Default for Numeric {
    fn default() -> Self {
        Numeric { repr: "0".into() }
    }
}

impl fmt::Display for Numeric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.repr)
    }
}

impl fmt::Debug for Numeric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Numeric({})", self.repr)
    }
}

impl FromStr for Numeric {
    type Err = PgError;

    /// PostgreSQL's `numeric_in` (15): whitespace, sign, digits with one optional point,
    /// an optional exponent up to ±1000; `NaN`, `Infinity`, `inf` in any case.
    fn from_str(s: &str) -> PgResult<Numeric> {
        Numeric::from_text(&Type::NUMERIC, s.as_bytes())
    }
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Numeric {
            fn from(v: $t) -> Numeric {
                let mut b = itoa::Buffer::new();
                Numeric { repr: b.format(v).into() }
            }
        }
    )*};
}

from_int!(
    i8, i16, i32, i64, i128, u8, u16, u32, u64, u128, isize, usize
);

impl From<f64> for Numeric {
    /// The shortest decimal that reads back as `v` (`0.1` for 0.1); NaN and infinities map
    /// to theirs.
    fn from(v: f64) -> Numeric {
        if v.is_nan() {
            Numeric::nan()
        } else if v.is_infinite() {
            if v > 0.0 {
                Numeric::infinity()
            } else {
                Numeric::neg_infinity()
            }
        } else {
            Numeric::parse(format!("{v}").as_bytes()).unwrap_or_default()
        }
    }
}

impl From<f32> for Numeric {
    /// The shortest decimal that reads back as `v` as an f32.
    fn from(v: f32) -> Numeric {
        if v.is_finite() {
            Numeric::parse(format!("{v}").as_bytes()).unwrap_or_default()
        } else {
            Numeric::from(f64::from(v))
        }
    }
}

impl PgType for Numeric {
    fn pg_type() -> Type {
        Type::NUMERIC
    }
}

impl ToPgValue for Numeric {
    fn encode_text(&self, buf: &mut BytesMut) -> PgResult<IsNull> {
        buf.extend_from_slice(self.repr.as_bytes());
        Ok(IsNull::No)
    }
    fn encode_binary(&self, ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull> {
        match *ty {
            Type::NUMERIC => self.write_binary(buf),
            Type::FLOAT8 => buf.put_f64(self.to_f64()),
            Type::FLOAT4 => {
                let f = self.to_f64();
                let f4 = f as f32;
                if f.is_finite() && f4.is_infinite() {
                    return Err(out_of_range("value out of range: overflow"));
                }
                buf.put_f32(f4)
            }
            Type::INT2 | Type::INT4 | Type::INT8 => {
                let v = self.to_i64().ok_or_else(|| mismatch("numeric", ty))?;
                return super::int::put_int_binary(v, ty, "numeric", buf);
            }
            _ if is_text_like(ty) => buf.extend_from_slice(self.repr.as_bytes()),
            _ => return Err(mismatch("numeric", ty)),
        }
        Ok(IsNull::No)
    }
}

impl FromPgValue for Numeric {
    fn from_text(_ty: &Type, raw: &[u8]) -> PgResult<Self> {
        Numeric::parse(raw).map_err(|e| match e {
            ParseError::Syntax => invalid_text(&Type::NUMERIC, raw),
            ParseError::Overflow => out_of_range("value overflows numeric format"),
        })
    }
    fn from_binary(ty: &Type, raw: &[u8]) -> PgResult<Self> {
        match *ty {
            Type::NUMERIC => Numeric::from_binary_bytes(raw),
            Type::INT2 | Type::INT4 | Type::INT8 => Ok(Numeric::from(i64::from_binary(ty, raw)?)),
            Type::FLOAT4 => Ok(Numeric::from(f32::from_binary(ty, raw)?)),
            Type::FLOAT8 => Ok(Numeric::from(f64::from_binary(ty, raw)?)),
            _ if is_text_like(ty) => Self::from_text(ty, raw),
            _ => Err(cannot_read("numeric", ty)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        s.parse::<Numeric>().unwrap().as_str().to_owned()
    }

    fn bin(s: &str) -> Vec<u8> {
        let mut b = BytesMut::new();
        s.parse::<Numeric>().unwrap().write_binary(&mut b);
        b.to_vec()
    }

    fn words(w: &[i16]) -> Vec<u8> {
        w.iter().flat_map(|x| x.to_be_bytes()).collect()
    }

    #[test]
    fn text_input_is_canonicalized() {
        for (i, o) in [
            ("0", "0"),
            ("-0", "0"),
            ("-0.00", "0.00"),
            ("007", "7"),
            ("1.50", "1.50"),
            (".5", "0.5"),
            ("5.", "5"),
            ("1e3", "1000"),
            ("1.5e-7", "0.00000015"),
            ("12.345e1", "123.45"),
            ("1E+2", "100"),
            (" +3.14 ", "3.14"),
            ("nan", "NaN"),
            ("-INF", "-Infinity"),
            ("+infinity", "Infinity"),
            ("0.000e5", "0"),
            ("0e-3", "0.000"),
        ] {
            assert_eq!(canon(i), o, "{i}");
        }
        for bad in [
            "", "-", ".", "1e", "1e+", "1.2.3", "abc", "1 2", "1e1001", "0x1",
        ] {
            let e = bad.parse::<Numeric>().unwrap_err();
            assert_eq!(e.code.code(), "22P02", "{bad}");
        }
        assert_eq!("1e1000".parse::<Numeric>().unwrap().as_str().len(), 1001);
        assert_eq!(
            "abc".parse::<Numeric>().unwrap_err().message,
            "invalid input syntax for type numeric: \"abc\""
        );
    }

    #[test]
    fn binary_matches_numeric_send() {
        // ndigits, weight, sign, dscale, digits
        assert_eq!(bin("0"), words(&[0, 0, 0, 0]));
        assert_eq!(bin("0.00"), words(&[0, 0, 0, 2]));
        assert_eq!(bin("12345.678"), words(&[3, 1, 0, 3, 1, 2345, 6780]));
        assert_eq!(bin("-0.5"), words(&[1, -1, 0x4000, 1, 5000]));
        assert_eq!(bin("0.00001"), words(&[1, -2, 0, 5, 1000]));
        assert_eq!(bin("10000"), words(&[1, 1, 0, 0, 1]));
        assert_eq!(bin("NaN"), words(&[0, 0, 0xC000u16 as i16, 0]));
        assert_eq!(bin("-Infinity"), words(&[0, 0, 0xF000u16 as i16, 32]));
    }

    #[test]
    fn binary_round_trip() {
        for s in [
            "0",
            "0.00",
            "1",
            "-1",
            "12345.678",
            "0.00001",
            "10000",
            "99999999.99999999",
            "-123456789012345678901234567890.123456789",
            "NaN",
            "Infinity",
            "-Infinity",
            "1000000000000000000000",
            "0.000000000000000000001",
        ] {
            let n: Numeric = s.parse().unwrap();
            let mut b = BytesMut::new();
            n.write_binary(&mut b);
            assert_eq!(Numeric::from_binary_bytes(&b).unwrap(), n, "{s}");
        }
        // Digits hidden by dscale are truncated; a truncated negative zero loses its sign.
        let raw = words(&[1, -2, 0x4000, 2, 1000]);
        assert_eq!(Numeric::from_binary_bytes(&raw).unwrap().as_str(), "0.00");
        assert_eq!(
            Numeric::from_binary_bytes(&words(&[1, 0, 0x1234, 0, 1]))
                .unwrap_err()
                .code
                .code(),
            "22P03"
        );
        assert_eq!(
            Numeric::from_binary_bytes(&words(&[1, 0, 0, 0, 10000]))
                .unwrap_err()
                .code
                .code(),
            "22P03"
        );
        assert!(Numeric::from_binary_bytes(&words(&[2, 0, 0, 0, 1])).is_err());
    }

    #[test]
    fn conversions() {
        assert_eq!(Numeric::from(0.1f64).as_str(), "0.1");
        assert_eq!(Numeric::from(1e21f64).as_str(), "1000000000000000000000");
        assert_eq!(Numeric::from(-2.5f32).as_str(), "-2.5");
        assert_eq!(Numeric::from(i64::MIN).as_str(), "-9223372036854775808");
        assert_eq!(
            canon("12.000").parse::<Numeric>().unwrap().to_i64(),
            Some(12)
        );
        assert_eq!(canon("12.5").parse::<Numeric>().unwrap().to_i64(), None);
        assert_eq!(Numeric::from(3i32).scale(), 0);
        assert!(!Numeric::infinity().is_finite());
        assert!(Numeric::neg_infinity().is_sign_negative());
    }
}
