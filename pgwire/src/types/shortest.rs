//! The shortest decimal digits of a float, chosen exactly as PostgreSQL's Ryu does.
//!
//! The `ryu` crate (the same algorithm PostgreSQL uses) gives the shortest digits that read
//! back as the same float, but PostgreSQL's build differs from it, and from Rust's own `{:e}`,
//! in rare cases that real data hits (values with short binary fractions such as
//! `392116.125f32`, or large round numbers):
//!
//! * a **tie**: the value lies exactly halfway between the two nearest shortest candidates.
//!   Ryu takes the one with an even last digit (Rust's `{:e}` may take the other; kept as a
//!   guard so that the result does not depend on the digit generator).
//! * a **boundary**: a candidate lies exactly on the midpoint between the value and its
//!   neighbour float. Upstream Ryu accepts it when the float's significand is even
//!   (round-half-even parsing reads it back correctly); PostgreSQL builds Ryu without
//!   `STRICTLY_SHORTEST`, so bounds are never accepted and it prints more digits
//!   (`-1.1018399999999999e+22`).
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
pub(crate) trait Float: Copy + PartialEq + fmt::LowerExp + FromStr + ryu::Float {
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
        let j = bexp.unsigned_abs() as usize;
        // 5^j has more than 2.32·j bits: reject cheaply what cannot fit.
        let bits = 128 - num.leading_zeros() as usize;
        if bits + j * 232 / 100 > 127 {
            return None;
        }
        let p = *POW5.get(j)?;
        Some(Decimal::new(num.checked_mul(p)?, bexp))
    }
}

/// 5^0 ..= 5^54 (5^55 no longer fits in 127 bits).
const POW5: [u128; 55] = {
    let mut t = [1u128; 55];
    let mut i = 1;
    while i < 55 {
        t[i] = t[i - 1] * 5;
        i += 1;
    }
    t
};

/// Ryu's output copied as digits (leading and trailing zeros dropped) with its scientific
/// exponent.
fn plain_digits(s: &[u8], out: &mut [u8; 40]) -> (usize, i32) {
    let e = s.iter().position(|&b| b == b'e').unwrap_or(s.len());
    let mant = &s[..e];
    let int_len = mant.iter().position(|&b| b == b'.').unwrap_or(mant.len()) as i32;
    let mut n = 0;
    let mut first: Option<i32> = None;
    let mut idx = 0i32;
    for &b in mant {
        if b == b'.' {
            continue;
        }
        if first.is_none() {
            if b == b'0' {
                idx += 1;
                continue;
            }
            first = Some(idx);
        }
        if n < out.len() {
            out[n] = b;
            n += 1;
        }
        idx += 1;
    }
    while n > 1 && out[n - 1] == b'0' {
        n -= 1;
    }
    let exp: i32 = std::str::from_utf8(s.get(e + 1..).unwrap_or(b""))
        .ok()
        .and_then(|x| x.parse().ok())
        .unwrap_or(0);
    (n.max(1), int_len - 1 - first.unwrap_or(0) + exp)
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

/// Ryu's output (`1.0`, `0.0001`, `1e21`, `1.5e-7`) as a decimal.
fn parse_plain(s: &[u8]) -> Option<Decimal> {
    let e = s.iter().position(|&b| b == b'e').unwrap_or(s.len());
    let mut d: u128 = 0;
    let mut frac = 0i32;
    let mut seen_dot = false;
    for &b in &s[..e] {
        match b {
            b'0'..=b'9' => {
                d = d.checked_mul(10)?.checked_add(u128::from(b - b'0'))?;
                if seen_dot {
                    frac += 1;
                }
            }
            b'.' => seen_dot = true,
            _ => return None,
        }
    }
    let exp: i32 = match s.get(e + 1..) {
        Some(x) => std::str::from_utf8(x).ok()?.parse().ok()?,
        None => 0,
    };
    Some(Decimal::new(d, exp - frac))
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
    let mut rb = ryu::Buffer::new();
    let ryu_out = rb.format_finite(v).as_bytes();
    let (m, e, lower_closer) = v.parts();
    let x = exact(m, e);
    let upper = exact(2 * m + 1, e - 1);
    let lower = if lower_closer {
        exact(4 * m - 1, e - 2)
    } else {
        exact((2 * m).saturating_sub(1), e - 1)
    };
    if x.is_none() && upper.is_none() && lower.is_none() {
        // Neither the value nor the bounds have a short decimal form: no tie, no bound hit.
        return plain_digits(ryu_out, out);
    }
    let Some(mut cand) = parse_plain(ryu_out) else {
        out[0] = b'0';
        return (1, 0);
    };
    // Tie: the exact value has one digit more than the candidate, and that digit is 5.
    if let Some(x) = x {
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
    fn ryu_output_forms() {
        for (s, d, e) in [
            ("1.0", "1", 0),
            ("0.0001", "1", -4),
            ("123.45", "12345", 2),
            ("1e21", "1", 21),
            ("1.5e-7", "15", -7),
            ("100.0", "1", 2),
            ("0.30000000000000004", "30000000000000004", -1),
        ] {
            let mut out = [0u8; 40];
            let (n, exp) = plain_digits(s.as_bytes(), &mut out);
            assert_eq!(
                (std::str::from_utf8(&out[..n]).unwrap(), exp),
                (d, e),
                "{s}"
            );
        }
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
