//! Date and time arithmetic, which SQLite alone reads as arithmetic on numbers (`now() -
//! interval '7 days'` was 2019, `due + 7` the year plus 7):
//!
//! - `x ± interval '2 hours'` → `pgwire_interval(x, '+2 hours')`, which adds the interval to
//!   the date or time `x` as PostgreSQL does (months by the calendar, clamped to the month's
//!   end);
//! - `date ± n` → `pgwire_date_add(date, ±n)`, a date; `date - date` →
//!   `pgwire_date_diff(a, b)`, days. A date is `current_date`, `DATE '…'`, `… ::date` or a
//!   column declared `date` (the caller says which columns are).
//!
//! The left operand is the primary expression before the operator: a column (`t.at`), a
//! literal, a parameter, or anything in parentheses with the function or cast before them.

use chrono::{Duration, Months, NaiveDateTime};

use pgwire::types::Type;

use super::lex::{self, Kind, Token};
use super::types::PgTy;

/// Looks up a column's declared type: `(qualifier, column)`.
pub type ColumnType<'a> = &'a mut dyn FnMut(Option<&str>, &str) -> Option<PgTy>;

/// `src` (PostgreSQL text) with date arithmetic rewritten; `None` when it has none.
/// `types` tells which columns are dates (for `due + 7` and `due - placed`).
pub fn rewrite(src: &str, toks: &[Token], types: ColumnType<'_>) -> Option<String> {
    if !src.contains(['+', '-']) {
        return None;
    }
    let sig = lex::without_trivia(toks);
    // (operand start, operator start, right operand end, call text), in source order.
    let mut edits: Vec<(usize, usize, usize, String)> = Vec::new();
    for k in 1..sig.len().saturating_sub(1) {
        let op = sig[k];
        let sign = match (op.kind, op.text(src)) {
            (Kind::Op, "+") => '+',
            (Kind::Op, "-") => '-',
            _ => continue,
        };
        let Some(start) = operand_start(src, &sig, k) else {
            continue;
        };
        let left = src[sig[start].start..op.start].trim_end();
        // x ± interval '…'
        if sig[k + 1].is_word(src, "interval")
            && sig.get(k + 2).is_some_and(|t| t.kind == Kind::Str)
        {
            let text = lex::string_value(&sig[k + 2], src).unwrap_or_default();
            let call = format!(
                "pgwire_interval({left}, {})",
                lex::quote_literal(&format!("{sign}{text}"))
            );
            edits.push((sig[start].start, op.start, sig[k + 2].end, call));
            continue;
        }
        if !is_date(src, &sig, start, k, types) {
            continue;
        }
        // date ± integer, date - date; the right operand must end there (nothing binding
        // tighter follows it).
        let Some(end) = date_operand_end(src, &sig, k + 1) else {
            continue;
        };
        if sig.get(end).is_some_and(|t| {
            matches!(t.kind, Kind::Cast | Kind::Punct(b'(' | b'.' | b'['))
                || (t.kind == Kind::Op && matches!(t.text(src), "*" | "/" | "%" | "^"))
        }) {
            continue;
        }
        let right = &src[sig[k + 1].start..sig[end - 1].end];
        let integer = (end == k + 2
            && (matches!(sig[k + 1].kind, Kind::Param(_))
                || (sig[k + 1].kind == Kind::Number
                    && sig[k + 1].text(src).bytes().all(|b| b.is_ascii_digit()))))
            || column_type(src, &sig, k + 1, end, types)
                .is_some_and(|t| matches!(t.ty, Type::INT2 | Type::INT4 | Type::INT8));
        let call = if integer {
            match sign {
                '+' => format!("pgwire_date_add({left}, {right})"),
                _ => format!("pgwire_date_add({left}, -({right}))"),
            }
        } else if sign == '-' && is_date(src, &sig, k + 1, end, types) {
            format!("pgwire_date_diff({left}, {right})")
        } else {
            continue;
        };
        edits.push((sig[start].start, op.start, sig[end - 1].end, call));
    }
    if edits.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(src.len() + 32 * edits.len());
    let mut at = 0;
    for (start, _, end, call) in edits {
        if start < at {
            continue; // overlapping (`a + interval '1' + interval '2'`): left as it was
        }
        out.push_str(&src[at..start]);
        out.push_str(&call);
        at = end;
    }
    out.push_str(&src[at..]);
    Some(out)
}

/// Whether `sig[start..end]` is a date: `current_date`, `DATE '…'`, `… ::date`, or a column
/// declared `date`.
fn is_date(src: &str, sig: &[Token], start: usize, end: usize, types: ColumnType<'_>) -> bool {
    let n = end - start;
    let t0 = sig[start];
    if n == 1 && t0.is_word(src, "current_date") {
        return true;
    }
    if n == 2 && t0.is_word(src, "date") && sig[start + 1].kind == Kind::Str {
        return true;
    }
    if n >= 3 && sig[end - 2].kind == Kind::Cast && sig[end - 1].is_word(src, "date") {
        return true;
    }
    column_type(src, sig, start, end, types).is_some_and(|t| t.ty == Type::DATE)
}

/// The declared type of `sig[start..end]` when it is a column (`c` or `q.c`).
fn column_type(
    src: &str,
    sig: &[Token],
    start: usize,
    end: usize,
    types: ColumnType<'_>,
) -> Option<PgTy> {
    let t0 = sig[start];
    let (q, c) = match end - start {
        1 if matches!(t0.kind, Kind::Word | Kind::QuotedIdent) => {
            (None, lex::ident_name(&t0, src)?)
        }
        3 if sig[start + 1].kind == Kind::Punct(b'.') => (
            Some(lex::ident_name(&t0, src)?),
            lex::ident_name(&sig[start + 2], src)?,
        ),
        _ => return None,
    };
    types(q.as_deref(), &c)
}

/// The end (exclusive) of a right operand starting at `i`: a number, a parameter, a column
/// (`c`, `q.c`), `current_date`, `DATE '…'` or `'…'::date`.
fn date_operand_end(src: &str, sig: &[Token], i: usize) -> Option<usize> {
    let t = sig.get(i)?;
    let next = |k: usize| sig.get(k).map(|t| t.kind);
    Some(match t.kind {
        Kind::Number | Kind::Param(_) => i + 1,
        Kind::Word if t.is_word(src, "date") && next(i + 1) == Some(Kind::Str) => i + 2,
        Kind::Str if next(i + 1) == Some(Kind::Cast) && sig.get(i + 2)?.is_word(src, "date") => {
            i + 3
        }
        Kind::Word | Kind::QuotedIdent if next(i + 1) == Some(Kind::Punct(b'.')) => i + 3,
        Kind::Word | Kind::QuotedIdent => i + 1,
        _ => return None,
    })
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
        // Columns named `due` or `placed` are dates, `n` an integer.
        let mut types = |_: Option<&str>, c: &str| {
            let ty = match c {
                "due" | "placed" => Type::DATE,
                "n" => Type::INT4,
                _ => return None,
            };
            Some(PgTy { ty, typmod: -1 })
        };
        rewrite(sql, &lex::tokenize(sql), &mut types).unwrap_or_else(|| sql.to_owned())
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
        assert_eq!(
            rw(
                "select due + 7, o.due - 1, due - placed, current_date - due, due + $1, due + 2 * 3, n + 1, due + n from o"
            ),
            "select pgwire_date_add(due, 7), pgwire_date_add(o.due, -(1)), pgwire_date_diff(due, placed), \
             pgwire_date_diff(current_date, due), pgwire_date_add(due, $1), due + 2 * 3, n + 1, pgwire_date_add(due, n) from o"
        );
        assert_eq!(
            rw("select '2024-03-01'::date - DATE '2024-02-01'"),
            "select pgwire_date_diff('2024-03-01'::date, DATE '2024-02-01')"
        );
        assert_eq!(rw("select 'interval' || x"), "select 'interval' || x");
    }

    #[test]
    fn intervals_add_as_postgres() {
        let t = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap();
        let cases = [
            ("2024-01-31 00:00:00", "+1 month", "2024-02-29 00:00:00"),
            ("2024-03-01 10:00:00", "-7 days", "2024-02-23 10:00:00"),
            (
                "2024-03-01 10:00:00",
                "+1 year 2 mons 3 days 04:05:06",
                "2025-05-04 14:05:06",
            ),
            ("2024-03-01 10:00:00", "+2 hours ago", "2024-03-01 08:00:00"),
            ("2024-03-01 10:00:00", "+1.5 hours", "2024-03-01 11:30:00"),
            ("2024-03-01 10:00:00", "+90s", "2024-03-01 10:01:30"),
        ];
        for (base, interval, want) in cases {
            let got = add(t(base), interval).map(|d| d.to_string());
            assert_eq!(got.as_deref(), Some(want), "{base} {interval}");
        }
        assert_eq!(add(t("2024-03-01 10:00:00"), "+1 fortnight"), None);
    }
}
