//! PostgreSQL's string functions that SQLite lacks: `lpad`, `rpad`, `repeat`, `split_part`,
//! `initcap`, `md5`, `reverse`, `strpos`, `chr`, `left`, `right` and `position`. Lengths
//! count characters, as PostgreSQL's do.

use md5::{Digest, Md5};
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::{Connection, Result};

use super::functions::{pg_error, text_arg};

/// `lpad`/`rpad(s, n [, fill])`: `s` padded (or cut) to `n` characters.
fn pad(ctx: &Context<'_>, left: bool) -> Result<Option<String>> {
    let (Some(s), Ok(n)) = (text_arg(ctx, 0), ctx.get::<i64>(1)) else {
        return Ok(None);
    };
    let fill: Vec<char> = if ctx.len() > 2 {
        match text_arg(ctx, 2) {
            Some(f) => f.chars().collect(),
            None => return Ok(None),
        }
    } else {
        vec![' ']
    };
    let n = n.clamp(0, 10_000_000) as usize;
    let chars: Vec<char> = s.chars().collect();
    if chars.len() >= n || fill.is_empty() {
        return Ok(Some(chars.into_iter().take(n).collect()));
    }
    let padding = fill.iter().cycle().take(n - chars.len());
    Ok(Some(if left {
        padding.chain(chars.iter()).collect()
    } else {
        chars.iter().chain(padding).collect()
    }))
}

/// Registers the functions on `conn`.
pub fn register(conn: &Connection, pure: FunctionFlags) -> Result<()> {
    for args in [2, 3] {
        conn.create_scalar_function("lpad", args, pure, |ctx| pad(ctx, true))?;
        conn.create_scalar_function("rpad", args, pure, |ctx| pad(ctx, false))?;
    }
    conn.create_scalar_function("repeat", 2, pure, |ctx| {
        let (Some(s), Ok(n)) = (text_arg(ctx, 0), ctx.get::<i64>(1)) else {
            return Ok(None);
        };
        let n = n.max(0) as usize;
        if s.len().saturating_mul(n) > 1 << 30 {
            return Err(pg_error("54000", "requested length too large"));
        }
        Ok(Some(s.repeat(n)))
    })?;
    conn.create_scalar_function("split_part", 3, pure, |ctx| {
        let (Some(s), Some(delim), Ok(n)) = (text_arg(ctx, 0), text_arg(ctx, 1), ctx.get::<i64>(2))
        else {
            return Ok(None);
        };
        if n == 0 {
            return Err(pg_error("22023", "field position must not be zero"));
        }
        let parts: Vec<&str> = if delim.is_empty() {
            vec![s.as_str()]
        } else {
            s.split(delim.as_str()).collect()
        };
        // A negative n counts from the end (PostgreSQL 14+).
        let index = if n > 0 {
            usize::try_from(n - 1).ok()
        } else {
            usize::try_from(parts.len() as i64 + n).ok()
        };
        Ok(Some(
            index
                .and_then(|i| parts.get(i))
                .map_or(String::new(), |p| (*p).to_owned()),
        ))
    })?;
    conn.create_scalar_function("initcap", 1, pure, |ctx| {
        let Some(s) = text_arg(ctx, 0) else {
            return Ok(None);
        };
        let mut out = String::with_capacity(s.len());
        let mut word_start = true;
        for c in s.chars() {
            if c.is_alphanumeric() {
                if word_start {
                    out.extend(c.to_uppercase());
                } else {
                    out.extend(c.to_lowercase());
                }
                word_start = false;
            } else {
                out.push(c);
                word_start = true;
            }
        }
        Ok(Some(out))
    })?;
    conn.create_scalar_function("md5", 1, pure, |ctx| {
        let Some(s) = text_arg(ctx, 0) else {
            return Ok(None);
        };
        let digest = Md5::digest(s.as_bytes());
        Ok(Some(
            digest
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>(),
        ))
    })?;
    conn.create_scalar_function("reverse", 1, pure, |ctx| {
        Ok(text_arg(ctx, 0).map(|s| s.chars().rev().collect::<String>()))
    })?;
    // position(sub IN s) arrives as position(sub, s); strpos(s, sub) is the same search.
    for (name, needle_first) in [("position", true), ("strpos", false)] {
        conn.create_scalar_function(name, 2, pure, move |ctx| {
            let (a, b) = (text_arg(ctx, 0), text_arg(ctx, 1));
            let (Some(needle), Some(haystack)) = (if needle_first { (a, b) } else { (b, a) })
            else {
                return Ok(None);
            };
            Ok(Some(
                haystack
                    .find(&needle)
                    .map_or(0, |at| haystack[..at].chars().count() as i64 + 1),
            ))
        })?;
    }
    for (name, from_left) in [("left", true), ("right", false)] {
        conn.create_scalar_function(name, 2, pure, move |ctx| {
            let (Some(text), Ok(n)) = (text_arg(ctx, 0), ctx.get::<i64>(1)) else {
                return Ok(None);
            };
            let len = text.chars().count() as i64;
            // A negative n counts from the other end, as in PostgreSQL.
            let keep = if n >= 0 { n.min(len) } else { (len + n).max(0) } as usize;
            Ok(Some(if from_left {
                text.chars().take(keep).collect::<String>()
            } else {
                text.chars().skip(len as usize - keep).collect()
            }))
        })?;
    }
    conn.create_scalar_function("chr", 1, pure, |ctx| {
        let Ok(n) = ctx.get::<i64>(0) else {
            return Ok(None);
        };
        u32::try_from(n)
            .ok()
            .filter(|&n| n != 0)
            .and_then(char::from_u32)
            .map(|c| Some(c.to_string()))
            .ok_or_else(|| {
                pg_error(
                    "54000",
                    format!("requested character too large for encoding: {n}"),
                )
            })
    })?;
    Ok(())
}
