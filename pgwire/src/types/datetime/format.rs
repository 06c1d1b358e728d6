//! Text output of dates and times (`DateStyle = ISO`).

use bytes::{BufMut, BytesMut};

/// Appends `v` zero-padded to `width` digits (more when it has more).
#[inline]
pub(crate) fn put_padded(v: u64, width: usize, buf: &mut BytesMut) {
    let mut b = itoa::Buffer::new();
    let s = b.format(v);
    for _ in s.len()..width {
        buf.put_u8(b'0');
    }
    buf.extend_from_slice(s.as_bytes());
}

#[inline]
fn put2(v: u32, buf: &mut BytesMut) {
    buf.put_slice(&[b'0' + (v / 10 % 10) as u8, b'0' + (v % 10) as u8]);
}

/// `YYYY-MM-DD` for astronomical year `year` (0 is 1 BC); returns whether the year is BC,
/// in which case the caller appends ` BC` after the rest of the value.
pub(crate) fn put_ymd(year: i32, month: u32, day: u32, buf: &mut BytesMut) -> bool {
    let bc = year <= 0;
    let y = if bc {
        1 - i64::from(year)
    } else {
        i64::from(year)
    };
    put_padded(y as u64, 4, buf);
    buf.put_u8(b'-');
    put2(month, buf);
    buf.put_u8(b'-');
    put2(day, buf);
    bc
}

/// Appends ` BC` when `bc`.
#[inline]
pub(crate) fn put_era(bc: bool, buf: &mut BytesMut) {
    if bc {
        buf.extend_from_slice(b" BC");
    }
}

/// A fraction of a second in microseconds as `.ffffff` without trailing zeros (nothing
/// for 0), as PostgreSQL's `AppendSeconds` writes it.
pub(crate) fn put_fraction(usec: u32, buf: &mut BytesMut) {
    if usec == 0 {
        return;
    }
    let mut digits = [0u8; 6];
    let mut v = usec;
    for d in digits.iter_mut().rev() {
        *d = b'0' + (v % 10) as u8;
        v /= 10;
    }
    let len = 6 - digits.iter().rev().take_while(|&&d| d == b'0').count();
    buf.put_u8(b'.');
    buf.extend_from_slice(&digits[..len]);
}

/// `HH:MM:SS[.ffffff]` for microseconds since midnight (`24:00:00` included).
pub(crate) fn put_time_of_day(usecs: i64, buf: &mut BytesMut) {
    let secs = usecs / 1_000_000;
    let frac = (usecs % 1_000_000) as u32;
    put_hms(
        (secs / 3600) as u64,
        (secs / 60 % 60) as u32,
        (secs % 60) as u32,
        buf,
    );
    put_fraction(frac, buf);
}

/// `HH:MM:SS` (hours at least two digits).
fn put_hms(h: u64, m: u32, s: u32, buf: &mut BytesMut) {
    put_padded(h, 2, buf);
    buf.put_u8(b':');
    put2(m, buf);
    buf.put_u8(b':');
    put2(s, buf);
}

/// A UTC offset as PostgreSQL prints it: `+00`, `-08`, `+05:30`, `+05:30:15`.
pub(crate) fn put_offset(secs_east: i32, buf: &mut BytesMut) {
    buf.put_u8(if secs_east < 0 { b'-' } else { b'+' });
    let a = secs_east.unsigned_abs();
    put2(a / 3600, buf);
    let (m, s) = (a / 60 % 60, a % 60);
    if m != 0 || s != 0 {
        buf.put_u8(b':');
        put2(m, buf);
    }
    if s != 0 {
        buf.put_u8(b':');
        put2(s, buf);
    }
}
