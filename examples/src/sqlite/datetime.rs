//! Dates and times: SQLite keeps them as text (or Unix seconds); PostgreSQL clients want
//! `2024-01-02 03:04:05.5+00` in text and microseconds since 2000-01-01 in binary.

use bytes::{BufMut, BytesMut};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};

use super::encode::{Val, put_i64};
use super::types::ColKind;

/// A date/time value read from a stored value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parsed {
    /// Local date and time as written.
    pub local: NaiveDateTime,
    /// Offset east of UTC in seconds, when one was written.
    pub offset: Option<i32>,
}

fn digits(s: &[u8], i: &mut usize, min: usize, max: usize) -> Option<u32> {
    let start = *i;
    let mut v: u32 = 0;
    while *i < s.len() && *i - start < max && s[*i].is_ascii_digit() {
        v = v * 10 + u32::from(s[*i] - b'0');
        *i += 1;
    }
    (*i - start >= min).then_some(v)
}

fn parse_time(s: &[u8], i: &mut usize) -> Option<NaiveTime> {
    let h = digits(s, i, 1, 2)?;
    if s.get(*i) != Some(&b':') {
        return None;
    }
    *i += 1;
    let m = digits(s, i, 2, 2)?;
    let mut sec = 0;
    let mut micros = 0;
    if s.get(*i) == Some(&b':') {
        *i += 1;
        sec = digits(s, i, 2, 2)?;
        if s.get(*i) == Some(&b'.') {
            *i += 1;
            let start = *i;
            let mut frac: u64 = 0;
            while *i < s.len() && s[*i].is_ascii_digit() {
                if *i - start < 6 {
                    frac = frac * 10 + u64::from(s[*i] - b'0');
                }
                *i += 1;
            }
            let n = (*i - start).min(6) as u32;
            micros = (frac * 10u64.pow(6 - n)) as u32;
        }
    }
    if h == 24 && m == 0 && sec == 0 && micros == 0 {
        return NaiveTime::from_hms_opt(23, 59, 59)?.with_nanosecond(999_999_000);
    }
    NaiveTime::from_hms_micro_opt(h, m, sec, micros)
}

fn parse_offset(s: &[u8], i: &mut usize) -> Option<i32> {
    while *i < s.len() && s[*i] == b' ' {
        *i += 1;
    }
    let rest = &s[*i..];
    if rest.eq_ignore_ascii_case(b"z") || rest.eq_ignore_ascii_case(b"utc") {
        *i = s.len();
        return Some(0);
    }
    let sign = match rest.first() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return None,
    };
    *i += 1;
    let h = digits(s, i, 1, 2)? as i32;
    let mut m = 0;
    if s.get(*i) == Some(&b':') {
        *i += 1;
        m = digits(s, i, 2, 2)? as i32;
    } else if *i < s.len() && s[*i].is_ascii_digit() {
        m = digits(s, i, 2, 2)? as i32;
    }
    Some(sign * (h * 3600 + m * 60))
}

impl Parsed {
    /// Parses `YYYY-MM-DD[( |T)HH:MM[:SS[.ffffff]]][offset]`, or a bare `HH:MM[:SS]`
    /// (dated 2000-01-01).
    pub fn parse(text: &[u8]) -> Option<Parsed> {
        let s = trim(text);
        let mut i = 0;
        if s.len() >= 3 && (s[1] == b':' || s[2] == b':') {
            let t = parse_time(s, &mut i)?;
            let offset = if i < s.len() {
                Some(parse_offset(s, &mut i)?)
            } else {
                None
            };
            return (i == s.len()).then(|| Parsed {
                local: NaiveDate::from_ymd_opt(2000, 1, 1)
                    .unwrap_or_default()
                    .and_time(t),
                offset,
            });
        }
        let y = digits(s, &mut i, 4, 6)? as i32;
        if s.get(i) != Some(&b'-') {
            return None;
        }
        i += 1;
        let mo = digits(s, &mut i, 1, 2)?;
        if s.get(i) != Some(&b'-') {
            return None;
        }
        i += 1;
        let d = digits(s, &mut i, 1, 2)?;
        let date = NaiveDate::from_ymd_opt(y, mo, d)?;
        let mut time = NaiveTime::MIN;
        if i < s.len() && (s[i] == b' ' || s[i] == b'T' || s[i] == b't') {
            let save = i;
            i += 1;
            match parse_time(s, &mut i) {
                Some(t) => time = t,
                None => i = save,
            }
        }
        let offset = if i < s.len() {
            Some(parse_offset(s, &mut i)?)
        } else {
            None
        };
        (i == s.len()).then_some(Parsed {
            local: date.and_time(time),
            offset,
        })
    }

    /// Reads a stored value: text as above, numbers as Unix seconds.
    pub fn from_val(val: Val<'_>) -> Option<Parsed> {
        let unix = |secs: f64| {
            let micros = (secs * 1e6).round();
            if !micros.is_finite() || micros.abs() > 9e18 {
                return None;
            }
            DateTime::<Utc>::from_timestamp_micros(micros as i64).map(|dt| Parsed {
                local: dt.naive_utc(),
                offset: Some(0),
            })
        };
        match val {
            Val::Text(t) => Parsed::parse(t),
            Val::Int(i) => unix(i as f64),
            Val::Real(r) => unix(r),
            Val::Blob(_) | Val::Null => None,
        }
    }

    /// The instant in UTC (a value written without an offset is read as UTC).
    pub fn utc(&self) -> NaiveDateTime {
        match self.offset {
            Some(off) => self.local - chrono::Duration::seconds(i64::from(off)),
            None => self.local,
        }
    }

    /// Appends the value as PostgreSQL prints `kind` (timestamptz in UTC).
    pub fn put_text(&self, buf: &mut BytesMut, kind: ColKind) {
        match kind {
            ColKind::Timestamptz => {
                put_datetime(buf, &self.utc());
                buf.extend_from_slice(b"+00");
            }
            ColKind::Date => put_date(buf, self.local.date()),
            ColKind::Time => put_time(buf, self.local.time()),
            _ => put_datetime(buf, &self.local),
        }
    }

    /// Appends the binary form of `kind`.
    pub fn put_binary(&self, buf: &mut BytesMut, kind: ColKind) {
        let epoch = NaiveDate::from_ymd_opt(2000, 1, 1)
            .unwrap_or_default()
            .and_time(NaiveTime::MIN);
        match kind {
            ColKind::Date => {
                let days = (self.local.date() - epoch.date()).num_days();
                buf.put_i32(days.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32);
            }
            ColKind::Time => {
                let t = self.local.time();
                let micros = i64::from(t.num_seconds_from_midnight()) * 1_000_000
                    + i64::from(t.nanosecond() / 1000);
                buf.put_i64(micros);
            }
            ColKind::Timestamptz => {
                buf.put_i64((self.utc() - epoch).num_microseconds().unwrap_or(i64::MAX));
            }
            _ => buf.put_i64((self.local - epoch).num_microseconds().unwrap_or(i64::MAX)),
        }
    }
}

fn trim(s: &[u8]) -> &[u8] {
    let start = s
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &s[start..end]
}

fn put2(buf: &mut BytesMut, v: u32) {
    buf.put_u8(b'0' + (v / 10 % 10) as u8);
    buf.put_u8(b'0' + (v % 10) as u8);
}

fn put_date(buf: &mut BytesMut, d: NaiveDate) {
    let y = d.year();
    if (0..10000).contains(&y) {
        put2(buf, (y / 100) as u32);
        put2(buf, (y % 100) as u32);
    } else {
        put_i64(buf, i64::from(y));
    }
    buf.put_u8(b'-');
    put2(buf, d.month());
    buf.put_u8(b'-');
    put2(buf, d.day());
}

fn put_time(buf: &mut BytesMut, t: NaiveTime) {
    put2(buf, t.hour());
    buf.put_u8(b':');
    put2(buf, t.minute());
    buf.put_u8(b':');
    put2(buf, t.second());
    let mut micros = t.nanosecond() / 1000;
    if micros > 0 {
        let mut width = 6;
        while micros % 10 == 0 {
            micros /= 10;
            width -= 1;
        }
        buf.put_u8(b'.');
        let s = format!("{micros:0width$}");
        buf.extend_from_slice(s.as_bytes());
    }
}

fn put_datetime(buf: &mut BytesMut, dt: &NaiveDateTime) {
    put_date(buf, dt.date());
    buf.put_u8(b' ');
    put_time(buf, dt.time());
}

/// The current time as SQLite keeps a `timestamptz`: `YYYY-MM-DD HH:MM:SS.ffffff+00:00`
/// (SQLite's date functions read it, and it sorts as text).
pub fn now_text() -> String {
    Utc::now().format("%Y-%m-%d %H:%M:%S%.6f+00:00").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(text: &str, kind: ColKind) -> String {
        let mut b = BytesMut::new();
        Parsed::parse(text.as_bytes())
            .unwrap_or_else(|| panic!("{text}"))
            .put_text(&mut b, kind);
        String::from_utf8(b.to_vec()).unwrap()
    }

    #[test]
    fn text_forms() {
        assert_eq!(
            show("2024-01-02 03:04:05", ColKind::Timestamp),
            "2024-01-02 03:04:05"
        );
        assert_eq!(
            show("2024-01-02T03:04:05.120Z", ColKind::Timestamptz),
            "2024-01-02 03:04:05.12+00"
        );
        assert_eq!(
            show("2024-01-02 03:04:05+02:00", ColKind::Timestamptz),
            "2024-01-02 01:04:05+00"
        );
        assert_eq!(
            show("2024-01-02 03:04:05.5-0130", ColKind::Timestamptz),
            "2024-01-02 04:34:05.5+00"
        );
        assert_eq!(show("2024-01-02", ColKind::Date), "2024-01-02");
        assert_eq!(
            show("2024-1-2 3:04", ColKind::Timestamp),
            "2024-01-02 03:04:00"
        );
        assert_eq!(show("13:14:15.000001", ColKind::Time), "13:14:15.000001");
        assert!(Parsed::parse(b"yesterday").is_none());
        assert!(Parsed::parse(b"2024-02-30").is_none());
        assert!(Parsed::parse(b"2024-01-02 x").is_none());
    }

    #[test]
    fn binary_forms() {
        let mut b = BytesMut::new();
        Parsed::parse(b"2000-01-02")
            .unwrap()
            .put_binary(&mut b, ColKind::Date);
        assert_eq!(&b[..], &1i32.to_be_bytes());
        b.clear();
        Parsed::parse(b"2000-01-01 00:00:01+01")
            .unwrap()
            .put_binary(&mut b, ColKind::Timestamptz);
        assert_eq!(&b[..], &(-3_599_000_000i64).to_be_bytes());
    }

    #[test]
    fn now_reads_back() {
        let n = now_text();
        assert!(Parsed::parse(n.as_bytes()).is_some(), "{n}");
    }
}
