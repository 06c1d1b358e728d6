//! Date and time arithmetic with interval literals: `x + interval '2 hours'` and
//! `now() - interval '7 days'` become `pgwire_interval(x, '+2 hours')`, which adds the
//! interval to the date or time `x` as PostgreSQL does (months by the calendar, clamped to
//! the month's end). SQLite alone would read both sides as numbers: `now() - interval
//! '7 days'` was 2019.
//!
//! The left operand is the primary expression before the operator: a column (`t.at`), a
//! literal, a parameter, or anything in parentheses with the function or cast before them.

use chrono::{Duration, Months, NaiveDateTime};

use super::lex::{self, Kind, Token};

/// `src` (PostgreSQL text) with interval arithmetic rewritten; `None` when it has none.
pub fn rewrite(src: &str, toks: &[Token]) -> Option<String> {
    if !src
        .as_bytes()
        .windows(8)
        .any(|w| w.eq_ignore_ascii_case(b"interval"))
    {
        return None;
    }
    let sig: Vec<Token> = toks.iter().copied().filter(|t| !t.is_trivia()).collect();
    // (operand start, operator start, interval literal end, sign, text), in source order.
    let mut edits: Vec<(usize, usize, usize, char, String)> = Vec::new();
    for k in 1..sig.len().saturating_sub(2) {
        let op = sig[k];
        let sign = match (op.kind, op.text(src)) {
            (Kind::Op, "+") => '+',
            (Kind::Op, "-") => '-',
            _ => continue,
        };
        if !sig[k + 1].is_word(src, "interval") || sig[k + 2].kind != Kind::Str {
            continue;
        }
        let Some(start) = operand_start(src, &sig, k) else {
            continue;
        };
        let text = lex::string_value(&sig[k + 2], src).unwrap_or_default();
        edits.push((sig[start].start, op.start, sig[k + 2].end, sign, text));
    }
    if edits.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(src.len() + 32 * edits.len());
    let mut at = 0;
    for (start, operand_end, end, sign, text) in edits {
        if start < at {
            continue; // overlapping (`a + interval '1' + interval '2'`): left as it was
        }
        out.push_str(&src[at..start]);
        out.push_str("pgwire_interval(");
        out.push_str(src[start..operand_end].trim_end());
        out.push_str(", ");
        out.push_str(&lex::quote_literal(&format!("{sign}{text}")));
        out.push(')');
        at = end;
    }
    out.push_str(&src[at..]);
    Some(out)
}

/// The index in `sig` where the primary expression ending just before `sig[op]` starts.
fn operand_start(src: &str, sig: &[Token], op: usize) -> Option<usize> {
    let mut i = op.checked_sub(1)?;
    // A cast applied to it: `'2024-01-01'::date + interval …`.
    let mut start = primary_start(src, sig, i)?;
    while start >= 2 && sig[start - 1].kind == Kind::Cast {
        i = start - 2;
        start = primary_start(src, sig, i)?;
    }
    Some(start)
}

/// The start of the primary (column, literal, call, parenthesized expression) ending at `i`.
fn primary_start(src: &str, sig: &[Token], i: usize) -> Option<usize> {
    match sig[i].kind {
        Kind::Punct(b')') => {
            let mut depth = 0;
            let mut j = i;
            loop {
                match sig[j].kind {
                    Kind::Punct(b')') => depth += 1,
                    Kind::Punct(b'(') => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                j = j.checked_sub(1)?;
            }
            // f(…) or CAST(…): the name belongs to it.
            match j.checked_sub(1).map(|p| sig[p]) {
                Some(t) if matches!(t.kind, Kind::Word | Kind::QuotedIdent) => Some(j - 1),
                _ => Some(j),
            }
        }
        Kind::Word | Kind::QuotedIdent => {
            // t.col
            if i >= 2 && sig[i - 1].kind == Kind::Punct(b'.') {
                return Some(i - 2);
            }
            // A typed literal's type name: DATE '…' is handled as a literal below.
            Some(i)
        }
        Kind::Str | Kind::EscStr | Kind::DollarStr => {
            // DATE '2024-01-01', TIMESTAMP '…'
            let typed = i >= 1
                && ["date", "timestamp", "timestamptz", "time"]
                    .iter()
                    .any(|w| sig[i - 1].is_word(src, w));
            Some(if typed { i - 1 } else { i })
        }
        Kind::Number | Kind::Param(_) => Some(i),
        _ => None,
    }
}

/// `t` plus the interval `text` (PostgreSQL's `N unit` pairs, `HH:MM[:SS]`, `ago`);
/// `None` when `text` is not an interval.
pub fn add(t: NaiveDateTime, text: &str) -> Option<NaiveDateTime> {
    let (mut months, mut micros) = (0i64, 0i64);
    let mut sign = 1i64;
    let mut rest = text.trim();
    if let Some(r) = rest.strip_prefix('+') {
        rest = r;
    } else if let Some(r) = rest.strip_prefix('-') {
        rest = r;
        sign = -1;
    }
    let words: Vec<&str> = rest.split_whitespace().collect();
    let mut i = 0;
    let mut ago = false;
    while i < words.len() {
        let w = words[i].to_ascii_lowercase();
        if w == "ago" {
            ago = true;
            i += 1;
            continue;
        }
        if w.contains(':') {
            let neg = w.starts_with('-');
            let parts: Vec<f64> = w
                .trim_start_matches(['-', '+'])
                .split(':')
                .map(|p| p.parse::<f64>())
                .collect::<Result<_, _>>()
                .ok()?;
            let secs = match parts.as_slice() {
                [h, m] => h * 3600.0 + m * 60.0,
                [h, m, s] => h * 3600.0 + m * 60.0 + s,
                _ => return None,
            };
            let us = (secs * 1e6).round() as i64;
            micros += if neg { -us } else { us };
            i += 1;
            continue;
        }
        // `N unit` or `Nunit`.
        let split = w.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(w.len());
        let (number, unit) = if split < w.len() {
            (w[..split].to_owned(), w[split..].to_owned())
        } else {
            i += 1;
            (w.clone(), words.get(i)?.to_ascii_lowercase())
        };
        let n: f64 = number.parse().ok()?;
        let unit = unit.trim_end_matches(',');
        let per_unit_us = |us: f64| (n * us).round() as i64;
        match unit {
            "microsecond" | "microseconds" | "us" | "usec" | "usecs" => micros += per_unit_us(1.0),
            "millisecond" | "milliseconds" | "ms" | "msec" | "msecs" => micros += per_unit_us(1e3),
            "second" | "seconds" | "s" | "sec" | "secs" => micros += per_unit_us(1e6),
            "minute" | "minutes" | "m" | "min" | "mins" => micros += per_unit_us(60e6),
            "hour" | "hours" | "h" | "hr" | "hrs" => micros += per_unit_us(3600e6),
            "day" | "days" | "d" => micros += per_unit_us(86_400e6),
            "week" | "weeks" | "w" => micros += per_unit_us(7.0 * 86_400e6),
            "month" | "months" | "mon" | "mons" => months += n as i64,
            "year" | "years" | "y" | "yr" | "yrs" => months += (n * 12.0) as i64,
            "decade" | "decades" => months += (n * 120.0) as i64,
            "century" | "centuries" => months += (n * 1200.0) as i64,
            _ => return None,
        }
        i += 1;
    }
    if ago {
        sign = -sign;
    }
    let (months, micros) = (sign * months, sign * micros);
    let shifted = if months >= 0 {
        t.checked_add_months(Months::new(u32::try_from(months).ok()?))?
    } else {
        t.checked_sub_months(Months::new(u32::try_from(-months).ok()?))?
    };
    shifted.checked_add_signed(Duration::microseconds(micros))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rw(sql: &str) -> String {
        rewrite(sql, &lex::tokenize(sql)).unwrap_or_else(|| sql.to_owned())
    }

    #[test]
    fn operands_and_literals() {
        assert_eq!(
            rw("select now() - interval '7 days'"),
            "select pgwire_interval(now(), '-7 days')"
        );
        assert_eq!(
            rw(
                "select * from ev where e.at > now() - INTERVAL '1 hour' and t.at + interval '2 days' < $1"
            ),
            "select * from ev where e.at > pgwire_interval(now(), '-1 hour') and pgwire_interval(t.at, '+2 days') < $1"
        );
        assert_eq!(
            rw(
                "select '2024-01-31'::date + interval '1 month', DATE '2024-01-01' - interval '1 day'"
            ),
            "select pgwire_interval('2024-01-31'::date, '+1 month'), pgwire_interval(DATE '2024-01-01', '-1 day')"
        );
        assert_eq!(rw("select 1 + 2"), "select 1 + 2");
        assert_eq!(rw("select 'interval' || x"), "select 'interval' || x");
    }

    #[test]
    fn intervals_add_as_postgres() {
        let t = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap();
        let add_ = |base: &str, iv: &str| add(t(base), iv).map(|d| d.to_string());
        assert_eq!(
            add_("2024-01-31 00:00:00", "+1 month").unwrap(),
            "2024-02-29 00:00:00"
        );
        assert_eq!(
            add_("2024-03-01 10:00:00", "-7 days").unwrap(),
            "2024-02-23 10:00:00"
        );
        assert_eq!(
            add_("2024-03-01 10:00:00", "+1 year 2 mons 3 days 04:05:06").unwrap(),
            "2025-05-04 14:05:06"
        );
        assert_eq!(
            add_("2024-03-01 10:00:00", "+2 hours ago").unwrap(),
            "2024-03-01 08:00:00"
        );
        assert_eq!(
            add_("2024-03-01 10:00:00", "+1.5 hours").unwrap(),
            "2024-03-01 11:30:00"
        );
        assert_eq!(
            add_("2024-03-01 10:00:00", "+90s").unwrap(),
            "2024-03-01 10:01:30"
        );
        assert_eq!(add_("2024-03-01 10:00:00", "+1 fortnight"), None);
    }
}
