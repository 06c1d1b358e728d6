//! `interval`: months, days and microseconds, kept apart as PostgreSQL keeps them.

use std::fmt;
use std::str::FromStr;

use bytes::{BufMut, BytesMut};

use super::datetime::{fraction_usecs, put_fraction, put_padded};
use super::errors::{cannot_read, mismatch};
use super::wire::Reader;
use super::{FromPgValue, IsNull, PgType, ToPgValue, Type, is_text_like};
use crate::error::{PgError, PgResult, SqlState};

const USECS_PER_SEC: i64 = 1_000_000;
const USECS_PER_MINUTE: i64 = 60 * USECS_PER_SEC;
const USECS_PER_HOUR: i64 = 60 * USECS_PER_MINUTE;
const USECS_PER_DAY: f64 = 86_400_000_000.0;

/// A PostgreSQL `interval`: `months` and `days` are not converted into one another or into
/// time (a month is not 30 days, a day is not 24 hours across a DST change).
///
/// Text output is PostgreSQL's under `IntervalStyle = postgres`:
///
/// ```
/// use pgwire::types::Interval;
/// assert_eq!(Interval::new(14, 3, 14_706_789_000).to_string(), "1 year 2 mons 3 days 04:05:06.789");
/// assert_eq!(Interval::new(0, 0, -1_000_000).to_string(), "-00:00:01");
/// assert_eq!(Interval::default().to_string(), "00:00:00");
/// assert_eq!("1 day 2 hours".parse::<Interval>().unwrap(), Interval::new(0, 1, 7_200_000_000));
/// assert_eq!("P1DT2H".parse::<Interval>().unwrap(), Interval::new(0, 1, 7_200_000_000));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Interval {
    /// Months (a year is 12).
    pub months: i32,
    /// Days.
    pub days: i32,
    /// Microseconds.
    pub microseconds: i64,
}

impl Interval {
    /// An interval of `months`, `days` and `microseconds`.
    pub const fn new(months: i32, days: i32, microseconds: i64) -> Interval {
        Interval {
            months,
            days,
            microseconds,
        }
    }

    /// Appends the `IntervalStyle = postgres` text form.
    pub fn write_text(&self, buf: &mut BytesMut) {
        let year = self.months / 12;
        let mon = self.months % 12;
        let mday = self.days;
        let mut time = self.microseconds;
        let hour = time / USECS_PER_HOUR;
        time -= hour * USECS_PER_HOUR;
        let min = time / USECS_PER_MINUTE;
        time -= min * USECS_PER_MINUTE;
        let sec = time / USECS_PER_SEC;
        let fsec = time - sec * USECS_PER_SEC;

        let mut is_zero = true;
        let mut is_before = false;
        for (value, unit) in [(year, "year"), (mon, "mon"), (mday, "day")] {
            if value == 0 {
                continue;
            }
            if !is_zero {
                buf.put_u8(b' ');
            }
            if is_before && value > 0 {
                buf.put_u8(b'+');
            }
            super::int::write_int(i64::from(value), buf);
            buf.put_u8(b' ');
            buf.extend_from_slice(unit.as_bytes());
            if value != 1 {
                buf.put_u8(b's');
            }
            is_before = value < 0;
            is_zero = false;
        }
        if is_zero || hour != 0 || min != 0 || sec != 0 || fsec != 0 {
            let minus = hour < 0 || min < 0 || sec < 0 || fsec < 0;
            if !is_zero {
                buf.put_u8(b' ');
            }
            if minus {
                buf.put_u8(b'-');
            } else if is_before {
                buf.put_u8(b'+');
            }
            put_padded(hour.unsigned_abs(), 2, buf);
            buf.put_u8(b':');
            put_padded(min.unsigned_abs(), 2, buf);
            buf.put_u8(b':');
            put_padded(sec.unsigned_abs(), 2, buf);
            put_fraction(fsec.unsigned_abs() as u32, buf);
        }
    }

    /// Appends the binary form (microseconds, days, months).
    pub fn write_binary(&self, buf: &mut BytesMut) {
        buf.put_i64(self.microseconds);
        buf.put_i32(self.days);
        buf.put_i32(self.months);
    }

    /// Parses PostgreSQL's interval input (see [`FromStr`]).
    pub fn parse(raw: &[u8]) -> PgResult<Interval> {
        let bad = || {
            PgError::new(
                SqlState::INVALID_DATETIME_FORMAT,
                format!(
                    "invalid input syntax for type interval: \"{}\"",
                    String::from_utf8_lossy(raw)
                ),
            )
        };
        let range = || {
            PgError::new(
                SqlState::DATETIME_FIELD_OVERFLOW,
                format!(
                    "interval field value out of range: \"{}\"",
                    String::from_utf8_lossy(raw)
                ),
            )
        };
        let s = std::str::from_utf8(raw).map_err(|_| bad())?;
        let mut acc = Acc::default();
        let r = if let Some(iso) = s.trim().strip_prefix(['P', 'p']) {
            acc.iso8601(iso)
        } else {
            acc.postgres(s)
        };
        match r {
            Ok(()) => acc.finish().ok_or_else(range),
            Err(Bad::Syntax) => Err(bad()),
            Err(Bad::Range) => Err(range()),
        }
    }
}

enum Bad {
    Syntax,
    Range,
}

/// Fields accumulated while parsing, wide enough to detect overflow at the end.
#[derive(Default)]
struct Acc {
    months: i128,
    days: i128,
    usecs: i128,
}

/// A signed decimal number split into its integer part and fraction.
#[derive(Clone, Copy)]
struct Num {
    int: i128,
    frac: f64,
}

fn parse_num(s: &str) -> Option<Num> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (i, f) = body.split_once('.').unwrap_or((body, ""));
    if (i.is_empty() && f.is_empty())
        || !i.bytes().all(|b| b.is_ascii_digit())
        || !f.bytes().all(|b| b.is_ascii_digit())
        || i.len() > 20
    {
        return None;
    }
    let int: i128 = if i.is_empty() { 0 } else { i.parse().ok()? };
    let frac: f64 = if f.is_empty() {
        0.0
    } else {
        format!("0.{f}").parse().ok()?
    };
    Some(if neg {
        Num {
            int: -int,
            frac: -frac,
        }
    } else {
        Num { int, frac }
    })
}

impl Acc {
    fn add_fract_usecs(&mut self, frac: f64, scale_usecs: f64) {
        self.usecs += (frac * scale_usecs).round() as i128;
    }

    fn add_fract_days(&mut self, frac: f64, scale_days: f64) {
        let d = frac * scale_days;
        let whole = d.trunc();
        self.days += whole as i128;
        self.add_fract_usecs(d - whole, USECS_PER_DAY);
    }

    fn add(&mut self, n: Num, unit: &str) -> Result<(), Bad> {
        let u = unit.to_ascii_lowercase();
        let months = |k: i128, acc: &mut Acc| {
            acc.months += n.int * k + (n.frac * k as f64).round() as i128;
        };
        let usecs = |k: i64, acc: &mut Acc| {
            acc.usecs += n.int * i128::from(k);
            acc.add_fract_usecs(n.frac, k as f64);
        };
        match u.as_str() {
            "millennium" | "millennia" | "millenniums" | "mil" | "mils" => months(12000, self),
            "century" | "centuries" | "c" | "cent" => months(1200, self),
            "decade" | "decades" | "dec" | "decs" => months(120, self),
            "year" | "years" | "y" | "yr" | "yrs" => months(12, self),
            "month" | "months" | "mon" | "mons" => {
                self.months += n.int;
                self.add_fract_days(n.frac, 30.0);
            }
            "week" | "weeks" | "w" => {
                self.days += n.int * 7;
                self.add_fract_days(n.frac, 7.0);
            }
            "day" | "days" | "d" => {
                self.days += n.int;
                self.add_fract_usecs(n.frac, USECS_PER_DAY);
            }
            "hour" | "hours" | "h" | "hr" | "hrs" => usecs(USECS_PER_HOUR, self),
            "minute" | "minutes" | "m" | "min" | "mins" => usecs(USECS_PER_MINUTE, self),
            "second" | "seconds" | "s" | "sec" | "secs" => usecs(USECS_PER_SEC, self),
            "millisecond" | "milliseconds" | "ms" | "msec" | "msecs" => usecs(1000, self),
            "microsecond" | "microseconds" | "us" | "usec" | "usecs" => usecs(1, self),
            _ => return Err(Bad::Syntax),
        }
        Ok(())
    }

    /// `[+-]H:MM[:SS[.f]]` (or `MM:SS.f` when there are two fields and a fraction).
    fn time(&mut self, tok: &str) -> Result<(), Bad> {
        let (neg, body) = match tok.as_bytes().first() {
            Some(b'-') => (true, &tok[1..]),
            Some(b'+') => (false, &tok[1..]),
            _ => (false, tok),
        };
        let parts: Vec<&str> = body.split(':').collect();
        let int = |p: &str| -> Result<i128, Bad> {
            if p.is_empty() || p.len() > 18 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Bad::Syntax);
            }
            p.parse().map_err(|_| Bad::Syntax)
        };
        let secs = |p: &str| -> Result<i128, Bad> {
            let (s, f) = p.split_once('.').unwrap_or((p, ""));
            if !f.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Bad::Syntax);
            }
            let s = int(s)?;
            if s > 59 {
                return Err(Bad::Range);
            }
            Ok(s * 1_000_000 + i128::from(fraction_usecs(f.as_bytes())))
        };
        let total = match parts.as_slice() {
            [m, s] if s.contains('.') => int(m)? * i128::from(USECS_PER_MINUTE) + secs(s)?,
            [h, m] => {
                let m = int(m)?;
                if m > 59 {
                    return Err(Bad::Range);
                }
                int(h)? * i128::from(USECS_PER_HOUR) + m * i128::from(USECS_PER_MINUTE)
            }
            [h, m, s] => {
                let m = int(m)?;
                if m > 59 {
                    return Err(Bad::Range);
                }
                int(h)? * i128::from(USECS_PER_HOUR) + m * i128::from(USECS_PER_MINUTE) + secs(s)?
            }
            _ => return Err(Bad::Syntax),
        };
        self.usecs += if neg { -total } else { total };
        Ok(())
    }

    /// The `postgres` / `postgres_verbose` forms: `[@] {number unit | time}… [ago]`.
    fn postgres(&mut self, s: &str) -> Result<(), Bad> {
        let mut toks: Vec<&str> = s.split_ascii_whitespace().collect();
        if toks.first() == Some(&"@") {
            toks.remove(0);
        } else if let Some(first) = toks.first_mut() {
            if let Some(rest) = first.strip_prefix('@') {
                *first = rest;
            }
        }
        let ago = toks.last().is_some_and(|t| t.eq_ignore_ascii_case("ago"));
        if ago {
            toks.pop();
        }
        if toks.is_empty() {
            return Err(Bad::Syntax);
        }
        let mut pending: Option<Num> = None;
        let mut i = 0;
        while i < toks.len() {
            let tok = toks[i];
            i += 1;
            if tok.contains(':') {
                if let Some(n) = pending.take() {
                    if n.frac != 0.0 {
                        return Err(Bad::Syntax);
                    }
                    self.days += n.int;
                }
                self.time(tok)?;
                continue;
            }
            if pending.is_some() {
                return Err(Bad::Syntax);
            }
            let split = tok
                .find(|c: char| c.is_ascii_alphabetic())
                .unwrap_or(tok.len());
            let (num, unit) = tok.split_at(split);
            let n = parse_num(num).ok_or(Bad::Syntax)?;
            if !unit.is_empty() {
                self.add(n, unit)?;
            } else if let Some(next) = toks
                .get(i)
                .filter(|t| t.bytes().next().is_some_and(|b| b.is_ascii_alphabetic()))
            {
                i += 1;
                self.add(n, next)?;
            } else {
                pending = Some(n);
            }
        }
        if let Some(n) = pending {
            self.add(n, "second")?;
        }
        if ago {
            self.months = -self.months;
            self.days = -self.days;
            self.usecs = -self.usecs;
        }
        Ok(())
    }

    /// ISO 8601 `P[nY][nM][nW][nD][T[nH][nM][nS]]` (after the `P`).
    fn iso8601(&mut self, s: &str) -> Result<(), Bad> {
        if s.is_empty() {
            return Err(Bad::Syntax);
        }
        let mut in_time = false;
        let mut rest = s;
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix(['T', 't']) {
                if in_time {
                    return Err(Bad::Syntax);
                }
                in_time = true;
                rest = r;
                continue;
            }
            let end = rest
                .find(|c: char| c.is_ascii_alphabetic())
                .ok_or(Bad::Syntax)?;
            let n = parse_num(&rest[..end]).ok_or(Bad::Syntax)?;
            let unit = rest[end..].chars().next().ok_or(Bad::Syntax)?;
            rest = &rest[end + 1..];
            let unit = match (unit.to_ascii_uppercase(), in_time) {
                ('Y', false) => "year",
                ('M', false) => "month",
                ('W', false) => "week",
                ('D', false) => "day",
                ('H', true) => "hour",
                ('M', true) => "minute",
                ('S', true) => "second",
                _ => return Err(Bad::Syntax),
            };
            self.add(n, unit)?;
        }
        Ok(())
    }

    fn finish(&self) -> Option<Interval> {
        Some(Interval {
            months: i32::try_from(self.months).ok()?,
            days: i32::try_from(self.days).ok()?,
            microseconds: i64::try_from(self.usecs).ok()?,
        })
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut b = BytesMut::with_capacity(48);
        self.write_text(&mut b);
        f.write_str(std::str::from_utf8(&b).map_err(|_| fmt::Error)?)
    }
}

impl FromStr for Interval {
    type Err = PgError;

    /// PostgreSQL's input forms: `1 year 2 mons 3 days 04:05:06.789`, `-1 days +02:00:00`,
    /// `1 day`, `01:02:03`, `1 02:03:04` (days then time), `@ 1 hour ago`, `1.5 days`, ISO
    /// 8601 `P1Y2M3DT4H5M6.5S`. Errors are 22007 (syntax) and 22008 (overflow).
    fn from_str(s: &str) -> PgResult<Interval> {
        Interval::parse(s.as_bytes())
    }
}

impl TryFrom<chrono::TimeDelta> for Interval {
    type Error = PgError;

    /// All of it as microseconds (no days or months).
    fn try_from(d: chrono::TimeDelta) -> PgResult<Interval> {
        d.num_microseconds()
            .map(|us| Interval::new(0, 0, us))
            .ok_or_else(|| PgError::new(SqlState::DATETIME_FIELD_OVERFLOW, "interval out of range"))
    }
}

impl PgType for Interval {
    fn pg_type() -> Type {
        Type::INTERVAL
    }
}

impl ToPgValue for Interval {
    fn encode_text(&self, buf: &mut BytesMut) -> PgResult<IsNull> {
        self.write_text(buf);
        Ok(IsNull::No)
    }
    fn encode_binary(&self, ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull> {
        match *ty {
            Type::INTERVAL => self.write_binary(buf),
            _ if is_text_like(ty) => self.write_text(buf),
            _ => return Err(mismatch("interval", ty)),
        }
        Ok(IsNull::No)
    }
}

impl FromPgValue for Interval {
    fn from_text(_ty: &Type, raw: &[u8]) -> PgResult<Self> {
        Interval::parse(raw)
    }
    fn from_binary(ty: &Type, raw: &[u8]) -> PgResult<Self> {
        match *ty {
            Type::INTERVAL => {
                let mut r = Reader::new(ty, raw);
                let microseconds = r.i64()?;
                let days = r.i32()?;
                let months = r.i32()?;
                r.finish()?;
                Ok(Interval::new(months, days, microseconds))
            }
            _ if is_text_like(ty) => Interval::parse(raw),
            _ => Err(cannot_read("interval", ty)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(m: i32, d: i32, us: i64) -> String {
        Interval::new(m, d, us).to_string()
    }

    #[test]
    fn output() {
        assert_eq!(
            iv(14, 3, 14_706_789_000),
            "1 year 2 mons 3 days 04:05:06.789"
        );
        assert_eq!(iv(0, 0, -1_000_000), "-00:00:01");
        assert_eq!(iv(0, 0, 0), "00:00:00");
        assert_eq!(iv(1, 0, 0), "1 mon");
        assert_eq!(iv(-1, 0, 0), "-1 mons");
        assert_eq!(iv(-12, 0, 0), "-1 years");
        assert_eq!(iv(24, 0, 0), "2 years");
        assert_eq!(iv(0, -1, 7_200_000_000), "-1 days +02:00:00");
        assert_eq!(iv(0, 1, -7_200_000_000), "1 day -02:00:00");
        assert_eq!(iv(-13, 1, 0), "-1 years -1 mons +1 day");
        assert_eq!(iv(0, 0, 500_000), "00:00:00.5");
        assert_eq!(iv(0, 0, 100 * USECS_PER_HOUR), "100:00:00");
        assert_eq!(
            iv(i32::MAX, i32::MAX, i64::MAX),
            "178956970 years 7 mons 2147483647 days 2562047788:00:54.775807"
        );
        assert_eq!(
            iv(i32::MIN, i32::MIN, i64::MIN),
            "-178956970 years -8 mons -2147483648 days -2562047788:00:54.775808"
        );
    }

    fn p(s: &str) -> Interval {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn input() {
        assert_eq!(
            p("1 year 2 mons 3 days 04:05:06.789"),
            Interval::new(14, 3, 14_706_789_000)
        );
        assert_eq!(p("-00:00:01"), Interval::new(0, 0, -1_000_000));
        assert_eq!(p("00:00:00"), Interval::default());
        assert_eq!(p("1 day"), Interval::new(0, 1, 0));
        assert_eq!(p("01:02:03"), Interval::new(0, 0, 3_723_000_000));
        assert_eq!(p("-1 days +02:00:00"), Interval::new(0, -1, 7_200_000_000));
        assert_eq!(p("@ 1 hour ago"), Interval::new(0, 0, -3_600_000_000));
        assert_eq!(p("1.5 days"), Interval::new(0, 1, 43_200_000_000));
        assert_eq!(p("1.5 years"), Interval::new(18, 0, 0));
        assert_eq!(p("2 weeks"), Interval::new(0, 14, 0));
        assert_eq!(p("1 02:03:04"), Interval::new(0, 1, 7_384_000_000));
        assert_eq!(p("5"), Interval::new(0, 0, 5_000_000));
        assert_eq!(p("3h"), Interval::new(0, 0, 3 * USECS_PER_HOUR));
        assert_eq!(p("P1Y2M3DT4H5M6.5S"), Interval::new(14, 3, 14_706_500_000));
        assert_eq!(p("PT0.5S"), Interval::new(0, 0, 500_000));
        assert_eq!(p("P-1D"), Interval::new(0, -1, 0));
        assert_eq!(
            p("-178956970 years -8 mons -2147483648 days -2562047788:00:54.775808"),
            Interval::new(i32::MIN, i32::MIN, i64::MIN)
        );
        for bad in ["", "abc", "1 fortnight", "1 2", "P", "PT1Y", "1:2:3:4"] {
            let e = bad.parse::<Interval>().unwrap_err();
            assert_eq!(e.code.code(), "22007", "{bad:?}");
        }
        let e = "3000000000 days".parse::<Interval>().unwrap_err();
        assert_eq!(e.code.code(), "22008");
        assert_eq!(
            e.message,
            "interval field value out of range: \"3000000000 days\""
        );
    }

    #[test]
    fn binary() {
        let mut b = BytesMut::new();
        Interval::new(1, 2, 3).write_binary(&mut b);
        assert_eq!(&b[..], [0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 1]);
        assert_eq!(
            Interval::from_binary(&Type::INTERVAL, &b).unwrap(),
            Interval::new(1, 2, 3)
        );
        assert!(Interval::from_binary(&Type::INTERVAL, &b[..15]).is_err());
    }
}
