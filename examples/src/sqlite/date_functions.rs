//! PostgreSQL's `extract(field FROM x)` (translated to `extract('field', x)`), `date_part`,
//! `date_trunc`, `to_char` (dates and times) and date arithmetic (`pgwire_interval`,
//! `pgwire_date_add`, `pgwire_date_diff`, see [`interval`](super::interval)), over the text
//! SQLite keeps dates and times in. A value with an offset (a `timestamptz`) is read in UTC,
//! the session time zone the example reports.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, Result};

use super::datetime::Parsed;
use super::encode::Val;
use super::functions::{pg_error, text_arg};

/// The date/time argument `i`, and whether it carried an offset.
fn instant(ctx: &Context<'_>, i: usize) -> Result<Option<(NaiveDateTime, bool)>> {
    let val = Val::from(ctx.get_raw(i));
    if val == Val::Null {
        return Ok(None);
    }
    let parsed = Parsed::from_val(val).ok_or_else(|| {
        let shown = match val {
            Val::Text(t) => String::from_utf8_lossy(t).into_owned(),
            _ => String::new(),
        };
        pg_error(
            "22007",
            format!("invalid input syntax for type timestamp: \"{shown}\""),
        )
    })?;
    Ok(Some((parsed.utc(), parsed.offset.is_some())))
}

fn unknown_unit(unit: &str) -> rusqlite::Error {
    pg_error(
        "22023",
        format!("unit \"{unit}\" not recognized for type timestamp"),
    )
}

/// `extract(field, x)` / `date_part(field, x)`.
fn extract(ctx: &Context<'_>) -> Result<Option<Value>> {
    let (Some(field), Some((t, _))) = (text_arg(ctx, 0), instant(ctx, 1)?) else {
        return Ok(None);
    };
    let seconds = f64::from(t.second()) + f64::from(t.nanosecond() / 1000) / 1e6;
    let int = |n: i64| Ok(Some(Value::Integer(n)));
    match field.trim().to_ascii_lowercase().as_str() {
        "millennium" | "millennia" => int(i64::from((t.year() + 999) / 1000)),
        "century" | "centuries" => int(i64::from((t.year() + 99) / 100)),
        "decade" | "decades" => int(i64::from(t.year() / 10)),
        "year" | "years" => int(i64::from(t.year())),
        "isoyear" => int(i64::from(t.iso_week().year())),
        "quarter" => int(i64::from((t.month() - 1) / 3 + 1)),
        "month" | "months" => int(i64::from(t.month())),
        "week" | "weeks" => int(i64::from(t.iso_week().week())),
        "day" | "days" => int(i64::from(t.day())),
        "dow" => int(i64::from(t.weekday().num_days_from_sunday())),
        "isodow" => int(i64::from(t.weekday().number_from_monday())),
        "doy" => int(i64::from(t.ordinal())),
        "hour" | "hours" => int(i64::from(t.hour())),
        "minute" | "minutes" => int(i64::from(t.minute())),
        "second" | "seconds" => Ok(Some(Value::Real(seconds))),
        "millisecond" | "milliseconds" => Ok(Some(Value::Real(seconds * 1e3))),
        "microsecond" | "microseconds" => int((seconds * 1e6).round() as i64),
        "epoch" => {
            let micros = t.and_utc().timestamp_micros();
            Ok(Some(if micros % 1_000_000 == 0 {
                Value::Integer(micros / 1_000_000)
            } else {
                Value::Real(micros as f64 / 1e6)
            }))
        }
        other => Err(unknown_unit(other)),
    }
}

/// `date_trunc(field, x)`: `x` cut down to the start of its `field`, as text SQLite and the
/// encoder read (with `+00:00` when `x` had an offset).
fn date_trunc(ctx: &Context<'_>) -> Result<Option<String>> {
    let (Some(field), Some((t, zoned))) = (text_arg(ctx, 0), instant(ctx, 1)?) else {
        return Ok(None);
    };
    let date = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(t.date());
    let day_start = |d: NaiveDate| d.and_hms_opt(0, 0, 0).unwrap_or(t);
    let truncated = match field.trim().to_ascii_lowercase().as_str() {
        "microseconds" | "microsecond" => t,
        "milliseconds" | "millisecond" => t
            .with_nanosecond(t.nanosecond() / 1_000_000 * 1_000_000)
            .unwrap_or(t),
        "second" | "seconds" => t.with_nanosecond(0).unwrap_or(t),
        "minute" | "minutes" => t
            .with_nanosecond(0)
            .and_then(|t| t.with_second(0))
            .unwrap_or(t),
        "hour" | "hours" => t.date().and_hms_opt(t.hour(), 0, 0).unwrap_or(t),
        "day" | "days" => day_start(t.date()),
        "week" | "weeks" => day_start(
            t.date() - chrono::Duration::days(i64::from(t.weekday().num_days_from_monday())),
        ),
        "month" | "months" => day_start(date(t.year(), t.month(), 1)),
        "quarter" => day_start(date(t.year(), (t.month() - 1) / 3 * 3 + 1, 1)),
        "year" | "years" => day_start(date(t.year(), 1, 1)),
        "decade" | "decades" => day_start(date(t.year() - t.year().rem_euclid(10), 1, 1)),
        "century" | "centuries" => day_start(date((t.year() - 1) / 100 * 100 + 1, 1, 1)),
        "millennium" | "millennia" => day_start(date((t.year() - 1) / 1000 * 1000 + 1, 1, 1)),
        other => return Err(unknown_unit(other)),
    };
    Ok(Some(timestamp_text(truncated, zoned)))
}

/// `pgwire_interval(x, '±interval')`: what `x ± interval '…'` is translated into.
fn add_interval(ctx: &Context<'_>) -> Result<Option<String>> {
    let (Some((t, zoned)), Some(interval)) = (instant(ctx, 0)?, text_arg(ctx, 1)) else {
        return Ok(None);
    };
    let sum = super::interval::add(t, &interval).ok_or_else(|| {
        let shown = interval.trim_start_matches(['+', '-']);
        pg_error(
            "22007",
            format!("invalid input syntax for type interval: \"{shown}\""),
        )
    })?;
    Ok(Some(timestamp_text(sum, zoned)))
}

/// `pgwire_date_add(date, n)`: `date ± n` (days), a date.
fn date_add(ctx: &Context<'_>) -> Result<Option<String>> {
    let (Some((t, _)), Ok(days)) = (instant(ctx, 0)?, ctx.get::<i64>(1)) else {
        return Ok(None);
    };
    let date = chrono::Duration::try_days(days)
        .and_then(|d| t.date().checked_add_signed(d))
        .ok_or_else(|| pg_error("22008", "date out of range"))?;
    Ok(Some(date.format("%Y-%m-%d").to_string()))
}

/// `pgwire_date_diff(a, b)`: `a - b` for dates, in days.
fn date_diff(ctx: &Context<'_>) -> Result<Option<i64>> {
    let (Some((a, _)), Some((b, _))) = (instant(ctx, 0)?, instant(ctx, 1)?) else {
        return Ok(None);
    };
    Ok(Some((a.date() - b.date()).num_days()))
}

/// A timestamp as text SQLite and the encoder read (`+00:00` for a timestamptz).
fn timestamp_text(t: NaiveDateTime, zoned: bool) -> String {
    let mut text = t.format("%Y-%m-%d %H:%M:%S%.f").to_string();
    if zoned {
        text.push_str("+00:00");
    }
    text
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// A name in the case its pattern is written in (`Month`, `MONTH`, `month`), padded to 9
/// characters unless `FM` came before it; `short` keeps the first three letters.
fn name(out: &mut String, word: &str, pattern: &str, short: bool, fill: bool) {
    let word = if short { &word[..3] } else { word };
    let cased = if pattern.chars().all(|c| c.is_ascii_uppercase()) {
        word.to_ascii_uppercase()
    } else if pattern.starts_with(|c: char| c.is_ascii_lowercase()) {
        word.to_ascii_lowercase()
    } else {
        word.to_owned()
    };
    out.push_str(&cased);
    if fill && !short {
        out.extend(std::iter::repeat_n(' ', 9usize.saturating_sub(cased.len())));
    }
}

/// `to_char(timestamp, format)` with PostgreSQL's date/time template patterns.
fn to_char(ctx: &Context<'_>) -> Result<Option<String>> {
    if matches!(ctx.get_raw(0), ValueRef::Integer(_) | ValueRef::Real(_)) {
        return Err(pg_error(
            "0A000",
            "to_char of a number is not supported by the sqlite example",
        ));
    }
    let (Some((t, _)), Some(format)) = (instant(ctx, 0)?, text_arg(ctx, 1)) else {
        return Ok(None);
    };
    const PATTERNS: &[&str] = &[
        "HH24", "HH12", "IYYY", "YYYY", "MONTH", "Month", "month", "A.M.", "P.M.", "a.m.", "p.m.",
        "YYY", "MON", "Mon", "mon", "DAY", "Day", "day", "DDD", "HH", "MI", "SS", "MS", "US", "YY",
        "MM", "DD", "DY", "Dy", "dy", "AM", "PM", "am", "pm", "IW", "WW", "ID", "Y", "D", "Q",
    ];
    let mut out = String::with_capacity(format.len() + 16);
    let mut rest = format.as_str();
    while !rest.is_empty() {
        let fill = !rest.starts_with("FM");
        if !fill {
            rest = &rest[2..];
        }
        if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            out.push_str(&quoted[..end]);
            rest = quoted.get(end + 1..).unwrap_or("");
            continue;
        }
        let Some(&p) = PATTERNS.iter().find(|p| rest.starts_with(**p)) else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        };
        rest = &rest[p.len()..];
        let num = |out: &mut String, n: i64, width: usize| {
            if fill {
                out.push_str(&format!("{n:0width$}"));
            } else {
                out.push_str(&n.to_string());
            }
        };
        let hour12 = i64::from((t.hour() + 11) % 12 + 1);
        let pm = t.hour() >= 12;
        match p {
            "YYYY" => num(&mut out, i64::from(t.year()), 4),
            "IYYY" => num(&mut out, i64::from(t.iso_week().year()), 4),
            "YYY" => num(&mut out, i64::from(t.year().rem_euclid(1000)), 3),
            "YY" => num(&mut out, i64::from(t.year().rem_euclid(100)), 2),
            "Y" => num(&mut out, i64::from(t.year().rem_euclid(10)), 1),
            "MM" => num(&mut out, i64::from(t.month()), 2),
            "DD" => num(&mut out, i64::from(t.day()), 2),
            "DDD" => num(&mut out, i64::from(t.ordinal()), 3),
            "D" => num(&mut out, i64::from(t.weekday().number_from_sunday()), 1),
            "ID" => num(&mut out, i64::from(t.weekday().number_from_monday()), 1),
            "IW" => num(&mut out, i64::from(t.iso_week().week()), 2),
            "WW" => num(&mut out, i64::from((t.ordinal() - 1) / 7 + 1), 2),
            "Q" => num(&mut out, i64::from((t.month() - 1) / 3 + 1), 1),
            "HH24" => num(&mut out, i64::from(t.hour()), 2),
            "HH12" | "HH" => num(&mut out, hour12, 2),
            "MI" => num(&mut out, i64::from(t.minute()), 2),
            "SS" => num(&mut out, i64::from(t.second()), 2),
            "MS" => num(&mut out, i64::from(t.nanosecond() / 1_000_000), 3),
            "US" => num(&mut out, i64::from(t.nanosecond() / 1_000), 6),
            "AM" | "PM" => out.push_str(if pm { "PM" } else { "AM" }),
            "am" | "pm" => out.push_str(if pm { "pm" } else { "am" }),
            "A.M." | "P.M." => out.push_str(if pm { "P.M." } else { "A.M." }),
            "a.m." | "p.m." => out.push_str(if pm { "p.m." } else { "a.m." }),
            _ => {
                let month = MONTHS[t.month0() as usize];
                let day = DAYS[t.weekday().num_days_from_sunday() as usize];
                match p.to_ascii_lowercase().as_str() {
                    "month" => name(&mut out, month, p, false, fill),
                    "mon" => name(&mut out, month, p, true, fill),
                    "day" => name(&mut out, day, p, false, fill),
                    _ => name(&mut out, day, p, true, fill),
                }
            }
        }
    }
    Ok(Some(out))
}

/// Registers the functions on `conn`.
pub fn register(conn: &Connection, pure: FunctionFlags) -> Result<()> {
    conn.create_scalar_function("to_char", 2, pure, to_char)?;
    conn.create_scalar_function("pgwire_interval", 2, pure, add_interval)?;
    conn.create_scalar_function("pgwire_date_add", 2, pure, date_add)?;
    conn.create_scalar_function("pgwire_date_diff", 2, pure, date_diff)?;
    conn.create_scalar_function("extract", 2, pure, extract)?;
    conn.create_scalar_function("date_part", 2, pure, extract)?;
    conn.create_scalar_function("date_trunc", 2, pure, date_trunc)?;
    Ok(())
}
