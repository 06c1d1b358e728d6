//! The shortest decimal digits of a float, chosen exactly as PostgreSQL's Ryu does.
//!
//! Rust's `{:e}` gives the shortest digits that read back as the same float, and so does
//! PostgreSQL's Ryu, but they differ in two rare cases that real data hits (values with short
//! binary fractions such as `392116.125f32`, or large round numbers):
//!
//! * a **tie**: the value lies exactly halfway between the two nearest shortest candidates.
//!   Ryu takes the one with an even last digit; Rust may take the other.
//! * a **boundary**: a candidate lies exactly on the midpoint between the value and its
//!   neighbour float. Rust accepts it when the float's significand is even (round-half-even
//!   parsing reads it back correctly); PostgreSQL builds Ryu without `STRICTLY_SHORTEST`, so
//!   bounds are never accepted and it prints more digits (`-1.1018399999999999e+22`).
//!
//! Both need the value (or the midpoint) to have a short exact decimal expansion, which is
//! checked exactly with u128 arithmetic: the common case costs a few integer operations on
//! top of Rust's formatting, and only the rare hits format again.

use std::fmt::{self, Write as _};
use std::str::FromStr;

/// A fixed stack buffer for `fmt` output.
pub(crate) struct StackBuf {
    buf: [u8; 64],
    len: usize,
}

impl StackBuf {
    pub(crate) fn new() -> Self {
        StackBuf {
            buf: [0; 64],
            len: 0,
        }
    }
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl fmt::Write for StackBuf {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        let dst = self.buf.get_mut(self.len..end).ok_or(fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// The float types.
pub(crate) trait Float: Copy + PartialEq + fmt::LowerExp + FromStr {
    /// Most significant digits the shortest form can need.
    const MAX_DIGITS: usize;
    /// (significand with its hidden bit, binary exponent, whether the lower neighbour is
    /// closer than the upper one: a power of two above the smallest normal).
    fn parts(self) -> (u64, i32, bool);
}

impl Float for f64 {
    const MAX_DIGITS: usize = 17;
    fn parts(self) -> (u64, i32, bool) {
        let bits = self.to_bits();
        let exp = ((bits >> 52) & 0x7ff) as i32;
        let frac = bits & ((1 << 52) - 1);
        if exp == 0 {
            (frac, -1074, false)
        } else {
            (frac | (1 << 52), exp - 1075, frac == 0 && exp > 1)
        }
    }
}

impl Float for f32 {
    const MAX_DIGITS: usize = 9;
    fn parts(self) -> (u64, i32, bool) {
        let bits = self.to_bits();
        let exp = ((bits >> 23) & 0xff) as i32;
        let frac = u64::from(bits & ((1 << 23) - 1));
        if exp == 0 {
            (frac, -149, false)
        } else {
            (frac | (1 << 23), exp - 150, frac == 0 && exp > 1)
        }
    }
}

/// A decimal `digits × 10^exp` with no trailing zeros in `digits`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Decimal {
    digits: u128,
    exp: i32,
}

impl Decimal {
    fn new(mut digits: u128, mut exp: i32) -> Decimal {
        if digits == 0 {
            return Decimal { digits, exp: 0 };
        }
        while digits % 10 == 0 {
            digits /= 10;
            exp += 1;
        }
        Decimal { digits, exp }
    }
}

/// The exact decimal value of `num × 2^bexp`, when it fits in a u128 (`None` otherwise: then
/// it has more than 25 significant digits, more than any shortest candidate).
fn exact(num: u64, bexp: i32) -> Option<Decimal> {
    if num == 0 {
        return Some(Decimal::new(0, 0));
    }
    let tz = num.trailing_zeros();
    let num = u128::from(num >> tz);
    let bexp = bexp + tz as i32;
    if bexp >= 0 {
        let shift = u32::try_from(bexp).ok()?;
        if shift >= num.leading_zeros() {
            return None;
        }
        Some(Decimal::new(num << shift, 0))
    } else {
        let j = bexp.unsigned_abs();
        let p = 5u128.checked_pow(j)?;
        Some(Decimal::new(num.checked_mul(p)?, bexp))
    }
}

fn num_digits(mut v: u128) -> usize {
    let mut n = 1;
    while v >= 10 {
        v /= 10;
        n += 1;
    }
    n
}

/// Digits and scientific exponent of Rust's `{:e}` / `{:.Ne}` output.
fn parse_sci(s: &[u8]) -> Option<(u128, usize, i32)> {
    let e = s.iter().position(|&b| b == b'e')?;
    let mut d: u128 = 0;
    let mut n = 0;
    for &b in &s[..e] {
        if b.is_ascii_digit() {
            d = d * 10 + u128::from(b - b'0');
            n += 1;
        }
    }
    let exp: i32 = std::str::from_utf8(&s[e + 1..]).ok()?.parse().ok()?;
    Some((d, n, exp))
}

/// Whether `c` reads back as exactly `v`.
fn round_trips<F: Float>(c: Decimal, v: F) -> bool {
    let mut s = StackBuf::new();
    if write!(s, "{}e{}", c.digits, c.exp).is_err() {
        return false;
    }
    std::str::from_utf8(s.as_bytes())
        .ok()
        .and_then(|s| s.parse::<F>().ok())
        .is_some_and(|p| p == v)
}

/// The shortest digits of positive finite nonzero `v` as PostgreSQL prints them: writes the
/// ASCII digits into `out` and returns their count and the scientific exponent.
pub(crate) fn shortest<F: Float>(v: F, out: &mut [u8; 40]) -> (usize, i32) {
    let mut s = StackBuf::new();
    let _ = write!(s, "{v:e}");
    let Some((d, n, sci)) = parse_sci(s.as_bytes()) else {
        out[0] = b'0';
        return (1, 0);
    };
    let mut cand = Decimal::new(d, sci - (n as i32 - 1));

    let (m, e, lower_closer) = v.parts();
    // Tie: the exact value has one digit more than the candidate, and that digit is 5.
    if let Some(x) = exact(m, e) {
        let k = num_digits(cand.digits);
        if num_digits(x.digits) == k + 1 && x.digits % 10 == 5 {
            let floor = x.digits / 10;
            let even = if floor % 2 == 0 { floor } else { floor + 1 };
            let alt = Decimal::new(even, x.exp + 1);
            if alt != cand && round_trips(alt, v) {
                cand = alt;
            }
        }
    }
    // Boundary: the candidate is exactly the midpoint to a neighbour.
    let upper = exact(2 * m + 1, e - 1);
    let lower = if lower_closer {
        exact(4 * m - 1, e - 2)
    } else {
        exact((2 * m).saturating_sub(1), e - 1)
    };
    let on_bound = |c: Decimal| Some(c) == upper || Some(c) == lower;
    if on_bound(cand) {
        let k = num_digits(cand.digits);
        for prec in k..=F::MAX_DIGITS {
            let mut t = StackBuf::new();
            let _ = write!(t, "{:.*e}", prec.saturating_sub(1), v);
            if let Some((d, n, sci)) = parse_sci(t.as_bytes()) {
                let c = Decimal::new(d, sci - (n as i32 - 1));
                if !on_bound(c) && round_trips(c, v) {
                    cand = c;
                    break;
                }
            }
        }
    }
    let mut tmp = itoa::Buffer::new();
    let digits = tmp.format(cand.digits).as_bytes();
    let n = digits.len().min(out.len());
    out[..n].copy_from_slice(&digits[..n]);
    (n, cand.exp + n as i32 - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh<F: Float>(v: F) -> String {
        let mut out = [0u8; 40];
        let (n, exp) = shortest(v, &mut out);
        format!("{}e{exp}", std::str::from_utf8(&out[..n]).unwrap())
    }

    #[test]
    fn plain() {
        assert_eq!(sh(0.1f64), "1e-1");
        assert_eq!(sh(1.5f64), "15e0");
        assert_eq!(sh(f64::MAX), "17976931348623157e308");
        assert_eq!(sh(5e-324f64), "5e-324");
        assert_eq!(sh(f32::MAX), "34028235e38");
        assert_eq!(sh(1e-45f32), "1e-45");
    }

    #[test]
    #[allow(clippy::excessive_precision)] // the exact binary values are the point
    fn ties_go_to_even() {
        assert_eq!(sh(392116.125f32), "39211612e5");
        assert_eq!(sh(2291502.25f32), "22915022e6");
        assert_eq!(sh(1679182406457378.25f64), "16791824064573782e15");
    }

    #[test]
    fn bounds_are_excluded() {
        assert_eq!(sh(1.10184e22f64), "11018399999999999e22");
        assert_eq!(sh(897340000.0f32), "89734003e8");
    }
}
