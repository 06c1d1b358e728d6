//! Text input of dates and times: the ISO forms PostgreSQL prints and clients send.
//!
//! Accepted: `[Y…]YYYY-MM-DD`, then optionally `T` or spaces and `HH:MM[:SS[.f…]]`, then
//! optionally a zone (`Z`, `UTC`, `GMT`, `±HH`, `±HHMM`, `±HH:MM`, `±HH:MM:SS`), then
//! optionally `BC`/`AD`; a time alone (for `time`); `infinity`, `-infinity`, `epoch`.

/// What went wrong, mapped to PostgreSQL's two error codes by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DtError {
    /// 22007 invalid input syntax.
    Syntax,
    /// 22008 field value out of range.
    Range,
}

/// A special value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Special {
    Infinity,
    NegInfinity,
    Epoch,
}

/// The fields of a date/time literal.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Parsed {
    /// Astronomical year (1 BC is 0), month, day.
    pub date: Option<(i32, u32, u32)>,
    /// Microseconds since midnight (up to 24:00:00, and 23:59:60 leap input).
    pub time: Option<i64>,
    /// Seconds east of UTC.
    pub tz: Option<i32>,
    pub special: Option<Special>,
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn skip_spaces(&mut self) -> bool {
        let start = self.i;
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
        self.i > start
    }
    fn digits(&mut self) -> &'a [u8] {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        &self.s[start..self.i]
    }
    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn eat_word(&mut self, w: &[u8]) -> bool {
        match self.s.get(self.i..self.i + w.len()) {
            Some(x) if x.eq_ignore_ascii_case(w) => {
                let next = self.s.get(self.i + w.len());
                if next.is_some_and(|c| c.is_ascii_alphabetic()) {
                    return false;
                }
                self.i += w.len();
                true
            }
            _ => false,
        }
    }
    fn done(&self) -> bool {
        self.i >= self.s.len()
    }
}

fn number(d: &[u8]) -> Result<i64, DtError> {
    if d.is_empty() || d.len() > 9 {
        return Err(if d.is_empty() {
            DtError::Syntax
        } else {
            DtError::Range
        });
    }
    Ok(d.iter().fold(0i64, |a, &b| a * 10 + i64::from(b - b'0')))
}

/// Fraction digits (after the point) rounded half-even to microseconds.
pub(crate) fn fraction_usecs(d: &[u8]) -> i64 {
    let mut us = 0i64;
    for k in 0..6 {
        us = us * 10 + d.get(k).map_or(0, |b| i64::from(b - b'0'));
    }
    if let Some(&next) = d.get(6) {
        let rest_nonzero = d.iter().skip(7).any(|&b| b != b'0');
        if next > b'5' || (next == b'5' && (rest_nonzero || us % 2 == 1)) {
            us += 1;
        }
    }
    us
}

/// `H[H]:MM[:SS[.f…]]` at the cursor.
fn time_of_day(c: &mut Cursor<'_>) -> Result<i64, DtError> {
    let h = number(c.digits())?;
    if !c.eat(b':') {
        return Err(DtError::Syntax);
    }
    let md = c.digits();
    if md.len() != 2 {
        return Err(DtError::Syntax);
    }
    let m = number(md)?;
    let mut s = 0;
    let mut us = 0;
    if c.eat(b':') {
        let sd = c.digits();
        if sd.len() != 2 {
            return Err(DtError::Syntax);
        }
        s = number(sd)?;
        if c.eat(b'.') {
            us = fraction_usecs(c.digits());
        }
    }
    if h > 24 || m > 59 || s > 60 {
        return Err(DtError::Range);
    }
    let total = ((h * 60 + m) * 60 + s) * 1_000_000 + us;
    if total > 86_400_000_000 {
        return Err(DtError::Range);
    }
    Ok(total)
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
            if leap { 29 } else { 28 }
        }
    }
}

/// A zone after the time: `Z`, `UTC`, `GMT`, `±HH[[:]MM[[:]SS]]`.
fn zone(c: &mut Cursor<'_>) -> Result<Option<i32>, DtError> {
    if c.eat_word(b"z") || c.eat_word(b"utc") || c.eat_word(b"gmt") {
        // `UTC+…` is not supported; a bare name is zero offset.
        return Ok(Some(0));
    }
    let neg = match c.peek() {
        Some(b'+') => false,
        Some(b'-') => true,
        _ => return Ok(None),
    };
    c.i += 1;
    let d = c.digits();
    let (h, mut m, mut s) = match d.len() {
        1 | 2 => (number(d)?, 0, 0),
        4 => (number(&d[..2])?, number(&d[2..])?, 0),
        6 => (number(&d[..2])?, number(&d[2..4])?, number(&d[4..])?),
        _ => return Err(DtError::Syntax),
    };
    if d.len() <= 2 && c.eat(b':') {
        let md = c.digits();
        if md.len() != 2 {
            return Err(DtError::Syntax);
        }
        m = number(md)?;
        if c.eat(b':') {
            let sd = c.digits();
            if sd.len() != 2 {
                return Err(DtError::Syntax);
            }
            s = number(sd)?;
        }
    }
    if h > 15 || m > 59 || s > 59 {
        return Err(DtError::Range);
    }
    let secs = (h * 3600 + m * 60 + s) as i32;
    Ok(Some(if neg { -secs } else { secs }))
}

/// Parses a date, time or timestamp literal.
pub(crate) fn parse(raw: &[u8]) -> Result<Parsed, DtError> {
    let mut c = Cursor { s: raw, i: 0 };
    c.skip_spaces();
    let mut p = Parsed::default();
    for (w, sp) in [
        (&b"infinity"[..], Special::Infinity),
        (b"+infinity", Special::Infinity),
        (b"-infinity", Special::NegInfinity),
        (b"epoch", Special::Epoch),
    ] {
        if c.eat_word(w) {
            c.skip_spaces();
            if !c.done() {
                return Err(DtError::Syntax);
            }
            p.special = Some(sp);
            return Ok(p);
        }
    }
    // Date first, unless this is a time alone (digits then ':').
    let start = c.i;
    let first = c.digits();
    if c.peek() == Some(b':') {
        c.i = start;
    } else {
        let y = number(first).map_err(|_| DtError::Syntax)?;
        if !c.eat(b'-') {
            return Err(DtError::Syntax);
        }
        let md = c.digits();
        if md.is_empty() || md.len() > 2 || !c.eat(b'-') {
            return Err(DtError::Syntax);
        }
        let dd = c.digits();
        if dd.is_empty() || dd.len() > 2 {
            return Err(DtError::Syntax);
        }
        p.date = Some((y as i32, number(md)? as u32, number(dd)? as u32));
        let spaced = c.skip_spaces();
        if c.peek().is_some_and(|b| b == b'T' || b == b't') {
            c.i += 1;
        } else if !spaced && !c.done() {
            return Err(DtError::Syntax);
        }
    }
    if c.peek().is_some_and(|b| b.is_ascii_digit()) {
        p.time = Some(time_of_day(&mut c)?);
        c.skip_spaces();
        p.tz = zone(&mut c)?;
    }
    c.skip_spaces();
    let mut bc = false;
    if c.eat_word(b"bc") {
        bc = true;
    } else {
        c.eat_word(b"ad");
    }
    c.skip_spaces();
    if !c.done() {
        return Err(DtError::Syntax);
    }
    if let Some((y, m, d)) = p.date {
        if y == 0 || !(1..=12).contains(&m) {
            return Err(DtError::Range);
        }
        let astro = if bc { 1 - y } else { y };
        if d == 0 || d > days_in_month(astro, m) {
            return Err(DtError::Range);
        }
        p.date = Some((astro, m, d));
    } else if bc {
        return Err(DtError::Syntax);
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Parsed {
        parse(s.as_bytes()).unwrap_or_else(|e| panic!("{s}: {e:?}"))
    }

    #[test]
    fn forms() {
        assert_eq!(ok("2024-01-02").date, Some((2024, 1, 2)));
        assert_eq!(ok(" 0044-03-15 BC ").date, Some((-43, 3, 15)));
        let p = ok("2024-01-02 03:04:05.123456789+05:30");
        assert_eq!(p.time, Some(((3 * 60 + 4) * 60 + 5) * 1_000_000 + 123_457));
        assert_eq!(p.tz, Some(5 * 3600 + 30 * 60));
        assert_eq!(ok("2024-01-02T03:04:05Z").tz, Some(0));
        assert_eq!(ok("2024-01-02 03:04:05 -0800").tz, Some(-8 * 3600));
        assert_eq!(ok("2024-01-02 03:04:05-08").tz, Some(-8 * 3600));
        assert_eq!(ok("2024-01-02 03:04:05+00 BC").date, Some((-2023, 1, 2)));
        assert_eq!(ok("03:04").time, Some((3 * 60 + 4) * 60_000_000));
        assert_eq!(ok("24:00:00").time, Some(86_400_000_000));
        assert_eq!(ok("infinity").special, Some(Special::Infinity));
        assert_eq!(ok("-Infinity").special, Some(Special::NegInfinity));
        assert_eq!(ok("10000-01-01").date, Some((10000, 1, 1)));
        assert_eq!(ok("2024-02-29").date, Some((2024, 2, 29)));
    }

    #[test]
    fn errors() {
        for s in [
            "",
            "x",
            "2024",
            "2024-01",
            "2024/01/02",
            "2024-01-02 x",
            "03:04:05 BC",
            "1:2",
        ] {
            assert_eq!(parse(s.as_bytes()), Err(DtError::Syntax), "{s}");
        }
        for s in [
            "2024-13-01",
            "2023-02-29",
            "2024-01-00",
            "0000-01-01",
            "2024-01-01 25:00",
            "2024-01-01 24:00:01",
            "2024-01-01 00:60",
        ] {
            assert_eq!(parse(s.as_bytes()), Err(DtError::Range), "{s}");
        }
    }

    #[test]
    fn fraction_rounding() {
        assert_eq!(fraction_usecs(b"5"), 500_000);
        assert_eq!(fraction_usecs(b"1234565"), 123_456);
        assert_eq!(fraction_usecs(b"1234575"), 123_458);
        assert_eq!(fraction_usecs(b"12345651"), 123_457);
        assert_eq!(fraction_usecs(b"9999996"), 1_000_000);
    }
}
