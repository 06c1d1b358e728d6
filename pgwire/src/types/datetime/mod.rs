//! `date`, `time`, `timestamp` and `timestamptz` for chrono's types, and
//! `postgres_types::{Date, Timestamp}` for the `±infinity` values chrono cannot hold.
//!
//! Values are converted to PostgreSQL's own representation (days / microseconds since
//! 2000-01-01) first, and both text and binary output are computed from that, so they
//! always agree (nanoseconds are truncated to microseconds).

mod format;
mod parse;

use bytes::{BufMut, BytesMut};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use postgres_types::{Date as PgDate, Timestamp as PgTimestamp};

use self::format::{put_era, put_offset, put_time_of_day, put_ymd};
use self::parse::{DtError, Parsed, Special};
use super::errors::{
    cannot_read, datetime_field_overflow, datetime_out_of_range, invalid_datetime, mismatch,
};
use super::wire::fixed;
use super::{FromPgValue, IsNull, PgType, ToPgValue, Type, is_text_like};
use crate::error::{PgError, PgResult};

pub(crate) use self::format::{put_fraction, put_padded};
pub(crate) use self::parse::fraction_usecs;

/// `NaiveDate::num_days_from_ce` of 2000-01-01, PostgreSQL's epoch.
const PG_EPOCH_CE_DAYS: i32 = 730_120;
const USECS_PER_DAY: i64 = 86_400_000_000;

/// Days since 2000-01-01.
#[inline]
pub(crate) fn date_to_days(d: NaiveDate) -> i32 {
    d.num_days_from_ce() - PG_EPOCH_CE_DAYS
}

/// The date `days` after 2000-01-01.
pub(crate) fn days_to_date(days: i32) -> PgResult<NaiveDate> {
    days.checked_add(PG_EPOCH_CE_DAYS)
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .ok_or_else(|| datetime_out_of_range("date"))
}

/// Microseconds since midnight (nanoseconds truncated; a leap second counts on).
#[inline]
pub(crate) fn time_to_usecs(t: NaiveTime) -> i64 {
    i64::from(t.num_seconds_from_midnight()) * 1_000_000 + i64::from(t.nanosecond() / 1000)
}

/// The time of day `usecs` after midnight; 24:00:00 and beyond are out of chrono's range.
pub(crate) fn usecs_to_time(usecs: i64) -> PgResult<NaiveTime> {
    if !(0..USECS_PER_DAY).contains(&usecs) {
        return Err(datetime_out_of_range("time"));
    }
    let secs = (usecs / 1_000_000) as u32;
    NaiveTime::from_num_seconds_from_midnight_opt(secs, (usecs % 1_000_000) as u32 * 1000)
        .ok_or_else(|| datetime_out_of_range("time"))
}

/// Microseconds since 2000-01-01 00:00:00.
#[inline]
pub(crate) fn datetime_to_usecs(dt: NaiveDateTime) -> i64 {
    i64::from(date_to_days(dt.date())) * USECS_PER_DAY + time_to_usecs(dt.time())
}

/// The timestamp `usecs` after 2000-01-01 00:00:00.
pub(crate) fn usecs_to_datetime(usecs: i64) -> PgResult<NaiveDateTime> {
    let days = usecs.div_euclid(USECS_PER_DAY);
    let rem = usecs.rem_euclid(USECS_PER_DAY);
    let days = i32::try_from(days).map_err(|_| datetime_out_of_range("timestamp"))?;
    Ok(days_to_date(days)
        .map_err(|_| datetime_out_of_range("timestamp"))?
        .and_time(usecs_to_time(rem)?))
}

/// `YYYY-MM-DD[ BC]`.
pub(crate) fn put_date(d: NaiveDate, buf: &mut BytesMut) {
    let bc = put_ymd(d.year(), d.month(), d.day(), buf);
    put_era(bc, buf);
}

/// `HH:MM:SS[.ffffff]` for microseconds since midnight.
pub(crate) fn put_time(usecs: i64, buf: &mut BytesMut) {
    put_time_of_day(usecs, buf);
}

/// `YYYY-MM-DD HH:MM:SS[.ffffff][offset][ BC]` for microseconds since 2000-01-01 in local
/// time, `offset` (seconds east) printed when given.
pub(crate) fn put_timestamp(usecs: i64, offset: Option<i32>, buf: &mut BytesMut) {
    if usecs == i64::MAX {
        buf.extend_from_slice(b"infinity");
        return;
    }
    if usecs == i64::MIN {
        buf.extend_from_slice(b"-infinity");
        return;
    }
    let days = usecs.div_euclid(USECS_PER_DAY);
    let rem = usecs.rem_euclid(USECS_PER_DAY);
    let date = i32::try_from(days)
        .ok()
        .and_then(|d| d.checked_add(PG_EPOCH_CE_DAYS))
        .and_then(NaiveDate::from_num_days_from_ce_opt);
    let bc = match date {
        Some(d) => put_ymd(d.year(), d.month(), d.day(), buf),
        None => {
            // Outside chrono's range: no chrono value produces this.
            buf.extend_from_slice(b"?");
            false
        }
    };
    buf.put_u8(b' ');
    put_time_of_day(rem, buf);
    if let Some(off) = offset {
        put_offset(off, buf);
    }
    put_era(bc, buf);
}

fn dt_error(e: DtError, ty: &Type, raw: &[u8]) -> PgError {
    match e {
        DtError::Syntax => invalid_datetime(ty, raw),
        DtError::Range => datetime_field_overflow(raw),
    }
}

fn parse_as(ty: &Type, raw: &[u8]) -> PgResult<Parsed> {
    parse::parse(raw).map_err(|e| dt_error(e, ty, raw))
}

fn date_of(p: &Parsed, ty: &Type, raw: &[u8]) -> PgResult<NaiveDate> {
    if p.special == Some(Special::Epoch) {
        return Ok(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default());
    }
    let Some((y, m, d)) = p.date else {
        return Err(invalid_datetime(ty, raw));
    };
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| {
        PgError::new(
            crate::error::SqlState::DATETIME_FIELD_OVERFLOW,
            format!(
                "{} out of range: \"{}\"",
                if *ty == Type::DATE {
                    "date"
                } else {
                    "timestamp"
                },
                String::from_utf8_lossy(raw)
            ),
        )
    })
}

/// Parses a `date` literal (a time part is ignored, as PostgreSQL does).
pub(crate) fn parse_date(ty: &Type, raw: &[u8]) -> PgResult<PgDate<NaiveDate>> {
    let p = parse_as(ty, raw)?;
    Ok(match p.special {
        Some(Special::Infinity) => PgDate::PosInfinity,
        Some(Special::NegInfinity) => PgDate::NegInfinity,
        _ => PgDate::Value(date_of(&p, ty, raw)?),
    })
}

/// Parses a `time` literal (a date or zone is ignored) into microseconds since midnight.
pub(crate) fn parse_time(ty: &Type, raw: &[u8]) -> PgResult<i64> {
    let p = parse_as(ty, raw)?;
    p.time.ok_or_else(|| invalid_datetime(ty, raw))
}

/// Parses a timestamp literal into local date-time and zone offset (if given).
fn parse_local(ty: &Type, raw: &[u8]) -> PgResult<PgTimestamp<(NaiveDateTime, Option<i32>)>> {
    let p = parse_as(ty, raw)?;
    Ok(match p.special {
        Some(Special::Infinity) => PgTimestamp::PosInfinity,
        Some(Special::NegInfinity) => PgTimestamp::NegInfinity,
        Some(Special::Epoch) => PgTimestamp::Value((date_of(&p, ty, raw)?.into(), Some(0))),
        None => {
            let date = date_of(&p, ty, raw)?;
            let t = p.time.unwrap_or(0);
            let dt = date
                .and_time(NaiveTime::MIN)
                .checked_add_signed(chrono::TimeDelta::microseconds(t))
                .ok_or_else(|| datetime_out_of_range("timestamp"))?;
            PgTimestamp::Value((dt, p.tz))
        }
    })
}

/// Parses a `timestamp` literal (a zone is ignored, as PostgreSQL does).
pub(crate) fn parse_timestamp(ty: &Type, raw: &[u8]) -> PgResult<PgTimestamp<NaiveDateTime>> {
    Ok(match parse_local(ty, raw)? {
        PgTimestamp::Value((dt, _)) => PgTimestamp::Value(dt),
        PgTimestamp::PosInfinity => PgTimestamp::PosInfinity,
        PgTimestamp::NegInfinity => PgTimestamp::NegInfinity,
    })
}

/// Parses a `timestamptz` literal; no zone means UTC (the session's TimeZone).
pub(crate) fn parse_timestamptz(
    ty: &Type,
    raw: &[u8],
) -> PgResult<PgTimestamp<DateTime<FixedOffset>>> {
    Ok(match parse_local(ty, raw)? {
        PgTimestamp::Value((dt, tz)) => {
            let off =
                FixedOffset::east_opt(tz.unwrap_or(0)).ok_or_else(|| invalid_datetime(ty, raw))?;
            let utc = dt
                .checked_sub_signed(chrono::TimeDelta::seconds(i64::from(off.local_minus_utc())))
                .ok_or_else(|| datetime_out_of_range("timestamp"))?;
            PgTimestamp::Value(DateTime::from_naive_utc_and_offset(utc, off))
        }
        PgTimestamp::PosInfinity => PgTimestamp::PosInfinity,
        PgTimestamp::NegInfinity => PgTimestamp::NegInfinity,
    })
}

fn infinite(what: &str) -> PgError {
    PgError::new(
        crate::error::SqlState::DATETIME_FIELD_OVERFLOW,
        format!("{what} out of range: infinity cannot be held by a chrono value"),
    )
    .hint("read it as postgres_types::Date or postgres_types::Timestamp")
}

/// Reads a binary timestamp (`timestamp`, `timestamptz`) or date as microseconds.
fn read_usecs(ty: &Type, raw: &[u8], rust: &str) -> PgResult<i64> {
    match *ty {
        Type::TIMESTAMP | Type::TIMESTAMPTZ => Ok(i64::from_be_bytes(fixed(ty, raw)?)),
        Type::DATE => {
            let d = i32::from_be_bytes(fixed(ty, raw)?);
            Ok(match d {
                i32::MAX => i64::MAX,
                i32::MIN => i64::MIN,
                d => i64::from(d) * USECS_PER_DAY,
            })
        }
        _ => Err(cannot_read(rust, ty)),
    }
}

/// Writes microseconds since 2000 into a timestamp, timestamptz or text-like column.
fn put_usecs(
    usecs: i64,
    offset: Option<i32>,
    ty: &Type,
    rust: &str,
    buf: &mut BytesMut,
) -> PgResult<IsNull> {
    match *ty {
        Type::TIMESTAMP | Type::TIMESTAMPTZ => buf.put_i64(usecs),
        _ if is_text_like(ty) => {
            let local = match offset {
                Some(o) if usecs != i64::MAX && usecs != i64::MIN => {
                    usecs + i64::from(o) * 1_000_000
                }
                _ => usecs,
            };
            put_timestamp(local, offset, buf)
        }
        _ => return Err(mismatch(rust, ty)),
    }
    Ok(IsNull::No)
}

// ---- date ----

impl PgType for NaiveDate {
    fn pg_type() -> Type {
        Type::DATE
    }
}

impl ToPgValue for NaiveDate {
    fn encode_text(&self, buf: &mut BytesMut) -> PgResult<IsNull> {
        put_date(*self, buf);
        Ok(IsNull::No)
    }
    /// `date`; `timestamp`/`timestamptz` at midnight (UTC).
    fn encode_binary(&self, ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull> {
        match *ty {
            Type::DATE => buf.put_i32(date_to_days(*self)),
            Type::TIMESTAMP | Type::TIMESTAMPTZ => {
                buf.put_i64(i64::from(date_to_days(*self)) * USECS_PER_DAY)
            }
            _ if is_text_like(ty) => put_date(*self, buf),
            _ => return Err(mismatch("date", ty)),
        }
        Ok(IsNull::No)
    }
}

impl FromPgValue for NaiveDate {
    fn from_text(_ty: &Type, raw: &[u8]) -> PgResult<Self> {
        match parse_date(&Type::DATE, raw)? {
            PgDate::Value(d) => Ok(d),
            _ => Err(infinite("date")),
        }
    }
    fn from_binary(ty: &Type, raw: &[u8]) -> PgResult<Self> {
        match *ty {
            Type::DATE => match i32::from_be_bytes(fixed(ty, raw)?) {
                i32::MAX | i32::MIN => Err(infinite("date")),
                d => days_to_date(d),
            },
            _ if is_text_like(ty) => Self::from_text(ty, raw),
            _ => Err(cannot_read("date", ty)),
        }
    }
}

impl PgType for PgDate<NaiveDate> {
    fn pg_type() -> Type {
        Type::DATE
    }
}

impl ToPgValue for PgDate<NaiveDate> {
    fn encode_text(&self, buf: &mut BytesMut) -> PgResult<IsNull> {
        match self {
            PgDate::Value(d) => put_date(*d, buf),
            PgDate::PosInfinity => buf.extend_from_slice(b"infinity"),
            PgDate::NegInfinity => buf.extend_from_slice(b"-infinity"),
        }
        Ok(IsNull::No)
    }
    fn encode_binary(&self, ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull> {
        match (self, ty) {
            (PgDate::Value(d), _) => return d.encode_binary(ty, buf),
            (_, &Type::DATE) => buf.put_i32(if matches!(self, PgDate::PosInfinity) {
                i32::MAX
            } else {
                i32::MIN
            }),
            (_, &Type::TIMESTAMP | &Type::TIMESTAMPTZ) => {
                buf.put_i64(if matches!(self, PgDate::PosInfinity) {
                    i64::MAX
                } else {
                    i64::MIN
                })
            }
            _ if is_text_like(ty) => return self.encode_text(buf),
            _ => return Err(mismatch("date", ty)),
        }
        Ok(IsNull::No)
    }
}

impl FromPgValue for PgDate<NaiveDate> {
    fn from_text(_ty: &Type, raw: &[u8]) -> PgResult<Self> {
        parse_date(&Type::DATE, raw)
    }
    fn from_binary(ty: &Type, raw: &[u8]) -> PgResult<Self> {
        match *ty {
            Type::DATE => Ok(match i32::from_be_bytes(fixed(ty, raw)?) {
                i32::MAX => PgDate::PosInfinity,
                i32::MIN => PgDate::NegInfinity,
                d => PgDate::Value(days_to_date(d)?),
            }),
            _ if is_text_like(ty) => Self::from_text(ty, raw),
            _ => Err(cannot_read("date", ty)),
        }
    }
}

// ---- time ----

impl PgType for NaiveTime {
    fn pg_type() -> Type {
        Type::TIME
    }
}

impl ToPgValue for NaiveTime {
    fn encode_text(&self, buf: &mut BytesMut) -> PgResult<IsNull> {
        put_time(time_to_usecs(*self), buf);
        Ok(IsNull::No)
    }
    fn encode_binary(&self, ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull> {
        match *ty {
            Type::TIME => buf.put_i64(time_to_usecs(*self)),
            _ if is_text_like(ty) => put_time(time_to_usecs(*self), buf),
            _ => return Err(mismatch("time without time zone", ty)),
        }
        Ok(IsNull::No)
    }
}

impl FromPgValue for NaiveTime {
    fn from_text(_ty: &Type, raw: &[u8]) -> PgResult<Self> {
        usecs_to_time(parse_time(&Type::TIME, raw)?)
    }
    fn from_binary(ty: &Type, raw: &[u8]) -> PgResult<Self> {
        match *ty {
            Type::TIME => usecs_to_time(i64::from_be_bytes(fixed(ty, raw)?)),
            _ if is_text_like(ty) => Self::from_text(ty, raw),
            _ => Err(cannot_read("time", ty)),
        }
    }
}

// ---- timestamp ----

impl PgType for NaiveDateTime {
    fn pg_type() -> Type {
        Type::TIMESTAMP
    }
}

impl ToPgValue for NaiveDateTime {
    fn encode_text(&self, buf: &mut BytesMut) -> PgResult<IsNull> {
        put_timestamp(datetime_to_usecs(*self), None, buf);
        Ok(IsNull::No)
    }
    /// `timestamp`; `timestamptz` taking the value as UTC.
    fn encode_binary(&self, ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull> {
        put_usecs(
            datetime_to_usecs(*self),
            None,
            ty,
            "timestamp without time zone",
            buf,
        )
    }
}

impl FromPgValue for NaiveDateTime {
    fn from_text(_ty: &Type, raw: &[u8]) -> PgResult<Self> {
        match parse_timestamp(&Type::TIMESTAMP, raw)? {
            PgTimestamp::Value(v) => Ok(v),
            _ => Err(infinite("timestamp")),
        }
    }
    fn from_binary(ty: &Type, raw: &[u8]) -> PgResult<Self> {
        if is_text_like(ty) {
            return Self::from_text(ty, raw);
        }
        match read_usecs(ty, raw, "timestamp")? {
            i64::MAX | i64::MIN => Err(infinite("timestamp")),
            us => usecs_to_datetime(us),
        }
    }
}

impl PgType for PgTimestamp<NaiveDateTime> {
    fn pg_type() -> Type {
        Type::TIMESTAMP
    }
}

impl ToPgValue for PgTimestamp<NaiveDateTime> {
    fn encode_text(&self, buf: &mut BytesMut) -> PgResult<IsNull> {
        put_timestamp(ts_usecs(self, datetime_to_usecs), None, buf);
        Ok(IsNull::No)
    }
    fn encode_binary(&self, ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull> {
        put_usecs(
            ts_usecs(self, datetime_to_usecs),
            None,
            ty,
            "timestamp without time zone",
            buf,
        )
    }
}

impl FromPgValue for PgTimestamp<NaiveDateTime> {
    fn from_text(_ty: &Type, raw: &[u8]) -> PgResult<Self> {
        parse_timestamp(&Type::TIMESTAMP, raw)
    }
    fn from_binary(ty: &Type, raw: &[u8]) -> PgResult<Self> {
        if is_text_like(ty) {
            return Self::from_text(ty, raw);
        }
        usecs_ts(read_usecs(ty, raw, "timestamp")?, usecs_to_datetime)
    }
}

fn ts_usecs<T: Copy>(t: &PgTimestamp<T>, f: impl Fn(T) -> i64) -> i64 {
    match t {
        PgTimestamp::Value(v) => f(*v),
        PgTimestamp::PosInfinity => i64::MAX,
        PgTimestamp::NegInfinity => i64::MIN,
    }
}

fn usecs_ts<T>(us: i64, f: impl Fn(i64) -> PgResult<T>) -> PgResult<PgTimestamp<T>> {
    Ok(match us {
        i64::MAX => PgTimestamp::PosInfinity,
        i64::MIN => PgTimestamp::NegInfinity,
        us => PgTimestamp::Value(f(us)?),
    })
}

// ---- timestamptz ----

fn utc_usecs(dt: DateTime<Utc>) -> i64 {
    datetime_to_usecs(dt.naive_utc())
}

fn utc_from_usecs(us: i64) -> PgResult<DateTime<Utc>> {
    Ok(usecs_to_datetime(us)?.and_utc())
}

impl PgType for DateTime<Utc> {
    fn pg_type() -> Type {
        Type::TIMESTAMPTZ
    }
}

impl ToPgValue for DateTime<Utc> {
    fn encode_text(&self, buf: &mut BytesMut) -> PgResult<IsNull> {
        put_timestamp(utc_usecs(*self), Some(0), buf);
        Ok(IsNull::No)
    }
    /// `timestamptz`; `timestamp` as the UTC wall-clock time.
    fn encode_binary(&self, ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull> {
        put_usecs(
            utc_usecs(*self),
            Some(0),
            ty,
            "timestamp with time zone",
            buf,
        )
    }
}

impl FromPgValue for DateTime<Utc> {
    fn from_text(ty: &Type, raw: &[u8]) -> PgResult<Self> {
        DateTime::<FixedOffset>::from_text(ty, raw).map(|d| d.to_utc())
    }
    fn from_binary(ty: &Type, raw: &[u8]) -> PgResult<Self> {
        if is_text_like(ty) {
            return Self::from_text(ty, raw);
        }
        match read_usecs(ty, raw, "timestamptz")? {
            i64::MAX | i64::MIN => Err(infinite("timestamp")),
            us => utc_from_usecs(us),
        }
    }
}

impl PgType for DateTime<FixedOffset> {
    fn pg_type() -> Type {
        Type::TIMESTAMPTZ
    }
}

/// Printed in its own offset (`2024-01-02 08:34:05+05:30`), sent in binary as the instant.
impl ToPgValue for DateTime<FixedOffset> {
    fn encode_text(&self, buf: &mut BytesMut) -> PgResult<IsNull> {
        put_timestamp(
            datetime_to_usecs(self.naive_local()),
            Some(self.offset().local_minus_utc()),
            buf,
        );
        Ok(IsNull::No)
    }
    fn encode_binary(&self, ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull> {
        put_usecs(
            datetime_to_usecs(self.naive_utc()),
            Some(self.offset().local_minus_utc()),
            ty,
            "timestamp with time zone",
            buf,
        )
    }
}

impl FromPgValue for DateTime<FixedOffset> {
    fn from_text(_ty: &Type, raw: &[u8]) -> PgResult<Self> {
        match parse_timestamptz(&Type::TIMESTAMPTZ, raw)? {
            PgTimestamp::Value(v) => Ok(v),
            _ => Err(infinite("timestamp")),
        }
    }
    fn from_binary(ty: &Type, raw: &[u8]) -> PgResult<Self> {
        DateTime::<Utc>::from_binary(ty, raw).map(|d| d.fixed_offset())
    }
}

impl PgType for PgTimestamp<DateTime<Utc>> {
    fn pg_type() -> Type {
        Type::TIMESTAMPTZ
    }
}

impl ToPgValue for PgTimestamp<DateTime<Utc>> {
    fn encode_text(&self, buf: &mut BytesMut) -> PgResult<IsNull> {
        put_timestamp(ts_usecs(self, utc_usecs), Some(0), buf);
        Ok(IsNull::No)
    }
    fn encode_binary(&self, ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull> {
        put_usecs(
            ts_usecs(self, utc_usecs),
            Some(0),
            ty,
            "timestamp with time zone",
            buf,
        )
    }
}

impl FromPgValue for PgTimestamp<DateTime<Utc>> {
    fn from_text(_ty: &Type, raw: &[u8]) -> PgResult<Self> {
        Ok(match parse_timestamptz(&Type::TIMESTAMPTZ, raw)? {
            PgTimestamp::Value(v) => PgTimestamp::Value(v.to_utc()),
            PgTimestamp::PosInfinity => PgTimestamp::PosInfinity,
            PgTimestamp::NegInfinity => PgTimestamp::NegInfinity,
        })
    }
    fn from_binary(ty: &Type, raw: &[u8]) -> PgResult<Self> {
        if is_text_like(ty) {
            return Self::from_text(ty, raw);
        }
        usecs_ts(read_usecs(ty, raw, "timestamptz")?, utc_from_usecs)
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

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn epoch_constant() {
        assert_eq!(d(2000, 1, 1).num_days_from_ce(), PG_EPOCH_CE_DAYS);
    }

    #[test]
    fn date_text() {
        assert_eq!(text(d(2024, 1, 2)), "2024-01-02");
        assert_eq!(text(d(-43, 3, 15)), "0044-03-15 BC");
        assert_eq!(text(d(0, 1, 1)), "0001-01-01 BC");
        assert_eq!(text(d(12345, 6, 7)), "12345-06-07");
        assert_eq!(text(d(5, 6, 7)), "0005-06-07");
        assert_eq!(text(PgDate::<NaiveDate>::PosInfinity), "infinity");
        assert_eq!(
            NaiveDate::from_text(&Type::DATE, b"0044-03-15 BC").unwrap(),
            d(-43, 3, 15)
        );
        let e = NaiveDate::from_text(&Type::DATE, b"2024-13-01").unwrap_err();
        assert_eq!(e.code.code(), "22008");
        assert_eq!(
            e.message,
            "date/time field value out of range: \"2024-13-01\""
        );
        let e = NaiveDate::from_text(&Type::DATE, b"yesterday-ish").unwrap_err();
        assert_eq!(e.code.code(), "22007");
        assert_eq!(
            e.message,
            "invalid input syntax for type date: \"yesterday-ish\""
        );
    }

    #[test]
    fn time_text() {
        let t = |h, m, s, us| NaiveTime::from_hms_micro_opt(h, m, s, us).unwrap();
        assert_eq!(text(t(3, 4, 5, 0)), "03:04:05");
        assert_eq!(text(t(3, 4, 5, 123456)), "03:04:05.123456");
        assert_eq!(text(t(3, 4, 5, 500000)), "03:04:05.5");
        assert_eq!(text(t(23, 59, 59, 999999)), "23:59:59.999999");
        assert_eq!(
            NaiveTime::from_text(&Type::TIME, b"03:04:05.5").unwrap(),
            t(3, 4, 5, 500000)
        );
        assert_eq!(
            NaiveTime::from_text(&Type::TIME, b"3:04").unwrap(),
            t(3, 4, 0, 0)
        );
    }

    #[test]
    fn timestamp_text() {
        let ts = d(2024, 1, 2).and_hms_micro_opt(3, 4, 5, 123000).unwrap();
        assert_eq!(text(ts), "2024-01-02 03:04:05.123");
        assert_eq!(text(ts.and_utc()), "2024-01-02 03:04:05.123+00");
        let off = FixedOffset::east_opt(5 * 3600 + 1800).unwrap();
        assert_eq!(
            text(ts.and_utc().with_timezone(&off)),
            "2024-01-02 08:34:05.123+05:30"
        );
        let west = FixedOffset::west_opt(8 * 3600).unwrap();
        assert_eq!(
            text(ts.and_utc().with_timezone(&west)),
            "2024-01-01 19:04:05.123-08"
        );
        let bc = d(-43, 3, 15).and_hms_opt(12, 0, 0).unwrap();
        assert_eq!(text(bc), "0044-03-15 12:00:00 BC");
        assert_eq!(text(bc.and_utc()), "0044-03-15 12:00:00+00 BC");
        assert_eq!(text(PgTimestamp::<NaiveDateTime>::NegInfinity), "-infinity");
        // nanoseconds are truncated
        let nano = d(2024, 1, 2).and_hms_nano_opt(0, 0, 0, 1_999).unwrap();
        assert_eq!(text(nano), "2024-01-02 00:00:00.000001");
    }

    #[test]
    fn timestamp_input() {
        let p =
            |s: &str| DateTime::<FixedOffset>::from_text(&Type::TIMESTAMPTZ, s.as_bytes()).unwrap();
        assert_eq!(
            text(p("2024-01-02 03:04:05+05:30")),
            "2024-01-02 03:04:05+05:30"
        );
        assert_eq!(
            p("2024-01-02 03:04:05+05:30").to_utc(),
            p("2024-01-01 21:34:05Z").to_utc()
        );
        assert_eq!(text(p("2024-01-02T03:04:05")), "2024-01-02 03:04:05+00");
        assert_eq!(
            text(
                DateTime::<Utc>::from_text(&Type::TIMESTAMPTZ, b"2024-01-02 03:04:05-08").unwrap()
            ),
            "2024-01-02 11:04:05+00"
        );
        assert_eq!(
            text(NaiveDateTime::from_text(&Type::TIMESTAMP, b"2024-01-02 24:00:00").unwrap()),
            "2024-01-03 00:00:00"
        );
        assert_eq!(
            text(NaiveDateTime::from_text(&Type::TIMESTAMP, b"2024-01-02").unwrap()),
            "2024-01-02 00:00:00"
        );
        assert!(NaiveDateTime::from_text(&Type::TIMESTAMP, b"infinity").is_err());
        // beyond chrono's range: an error, not a panic
        for edge in [
            "262143-12-31 24:00:00",
            "262143-12-31 23:00:00-12",
            "262144-01-01",
        ] {
            assert_eq!(
                DateTime::<Utc>::from_text(&Type::TIMESTAMPTZ, edge.as_bytes())
                    .unwrap_err()
                    .code
                    .code(),
                "22008",
                "{edge}"
            );
        }
        assert_eq!(
            PgTimestamp::<NaiveDateTime>::from_text(&Type::TIMESTAMP, b"infinity").unwrap(),
            PgTimestamp::PosInfinity
        );
    }

    #[test]
    fn binary() {
        let mut b = BytesMut::new();
        d(2000, 1, 2).encode_binary(&Type::DATE, &mut b).unwrap();
        assert_eq!(&b[..], 1i32.to_be_bytes());
        b.clear();
        d(2000, 1, 2)
            .encode_binary(&Type::TIMESTAMP, &mut b)
            .unwrap();
        assert_eq!(&b[..], USECS_PER_DAY.to_be_bytes());
        b.clear();
        let ts = d(1999, 12, 31)
            .and_hms_micro_opt(23, 59, 59, 999999)
            .unwrap();
        ts.encode_binary(&Type::TIMESTAMP, &mut b).unwrap();
        assert_eq!(&b[..], (-1i64).to_be_bytes());
        assert_eq!(
            NaiveDateTime::from_binary(&Type::TIMESTAMP, &b).unwrap(),
            ts
        );
        assert_eq!(
            NaiveDate::from_binary(&Type::DATE, &i32::MAX.to_be_bytes())
                .unwrap_err()
                .code
                .code(),
            "22008"
        );
    }
}
