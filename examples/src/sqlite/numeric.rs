//! PostgreSQL's binary `numeric` format (base-10000 digits with a weight and a display
//! scale), to and from decimal text.

use bytes::{BufMut, BytesMut};

const POS: u16 = 0x0000;
const NEG: u16 = 0x4000;
const NAN: u16 = 0xC000;
const PINF: u16 = 0xD000;
const NINF: u16 = 0xF000;

/// Appends the binary form of the decimal `text` (`-12.50`, `1e3`, `NaN`, `Infinity`).
/// Returns false (appending nothing) when `text` is not a number.
pub fn encode_binary(text: &str, buf: &mut BytesMut) -> bool {
    let t = text.trim();
    let special = |buf: &mut BytesMut, sign: u16| {
        buf.put_i16(0);
        buf.put_i16(0);
        buf.put_u16(sign);
        buf.put_u16(0);
        true
    };
    match t.to_ascii_lowercase().as_str() {
        "nan" => return special(buf, NAN),
        "infinity" | "+infinity" | "inf" => return special(buf, PINF),
        "-infinity" | "-inf" => return special(buf, NINF),
        _ => {}
    }
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (mant, exp) = match body.find(['e', 'E']) {
        Some(p) => match body[p + 1..].parse::<i32>() {
            Ok(e) if e.abs() < 10_000 => (&body[..p], e),
            _ => return false,
        },
        None => (body, 0),
    };
    let (int_part, frac_part) = match mant.find('.') {
        Some(p) => (&mant[..p], &mant[p + 1..]),
        None => (mant, ""),
    };
    if (int_part.is_empty() && frac_part.is_empty())
        || !int_part.bytes().all(|c| c.is_ascii_digit())
        || !frac_part.bytes().all(|c| c.is_ascii_digit())
    {
        return false;
    }
    // All digits, and where the decimal point falls among them.
    let mut digits: Vec<u8> = int_part
        .bytes()
        .chain(frac_part.bytes())
        .map(|c| c - b'0')
        .collect();
    let mut point = int_part.len() as i64 + i64::from(exp);
    let dscale = (frac_part.len() as i64 - i64::from(exp)).max(0) as u16;
    if point < 0 {
        let pad = (-point) as usize;
        digits.splice(0..0, std::iter::repeat_n(0, pad));
        point = 0;
    }
    if point as usize > digits.len() {
        digits.resize(point as usize, 0);
    }
    let point = point as usize;
    // Align the point on a base-10000 boundary.
    let lead = (4 - point % 4) % 4;
    let mut aligned = vec![0u8; lead];
    aligned.extend_from_slice(&digits);
    let int_groups = (point + lead) / 4;
    while aligned.len() % 4 != 0 {
        aligned.push(0);
    }
    let mut groups: Vec<i16> = aligned
        .chunks(4)
        .map(|c| c.iter().fold(0i16, |acc, &d| acc * 10 + i16::from(d)))
        .collect();
    let mut weight = int_groups as i32 - 1;
    let leading = groups.iter().take_while(|&&g| g == 0).count();
    groups.drain(..leading);
    weight -= leading as i32;
    while groups.last() == Some(&0) {
        groups.pop();
    }
    if groups.is_empty() {
        weight = 0;
    }
    let (Ok(n), Ok(w)) = (i16::try_from(groups.len()), i16::try_from(weight)) else {
        return false;
    };
    buf.put_i16(n);
    buf.put_i16(w);
    buf.put_u16(if neg && !groups.is_empty() { NEG } else { POS });
    buf.put_u16(dscale);
    for g in groups {
        buf.put_i16(g);
    }
    true
}

/// Decodes the binary form into decimal text (as PostgreSQL prints it), or `None` when
/// malformed.
pub fn decode_binary(raw: &[u8]) -> Option<String> {
    let rd =
        |i: usize| -> Option<u16> { Some(u16::from_be_bytes([*raw.get(i)?, *raw.get(i + 1)?])) };
    let ndigits = rd(0)? as usize;
    let weight = rd(2)? as i16 as i32;
    let sign = rd(4)?;
    let dscale = rd(6)? as usize;
    if raw.len() != 8 + 2 * ndigits {
        return None;
    }
    match sign {
        NAN => return Some("NaN".into()),
        PINF => return Some("Infinity".into()),
        NINF => return Some("-Infinity".into()),
        POS | NEG => {}
        _ => return None,
    }
    let groups: Vec<u16> = (0..ndigits).map(|i| rd(8 + 2 * i)).collect::<Option<_>>()?;
    if groups.iter().any(|&g| g > 9999) {
        return None;
    }
    let group = |w: i32| -> u16 {
        let idx = weight - w;
        if idx < 0 || idx as usize >= groups.len() {
            0
        } else {
            groups[idx as usize]
        }
    };
    let mut out = String::new();
    if sign == NEG && ndigits > 0 {
        out.push('-');
    }
    if weight < 0 {
        out.push('0');
    } else {
        let mut first = true;
        for w in (0..=weight).rev() {
            let g = group(w);
            if first {
                out.push_str(&g.to_string());
                first = false;
            } else {
                out.push_str(&format!("{g:04}"));
            }
        }
    }
    if dscale > 0 {
        out.push('.');
        let mut frac = String::new();
        let mut w = -1;
        while frac.len() < dscale {
            frac.push_str(&format!("{:04}", group(w)));
            w -= 1;
        }
        frac.truncate(dscale);
        out.push_str(&frac);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(s: &str) -> Vec<u8> {
        let mut b = BytesMut::new();
        assert!(encode_binary(s, &mut b), "{s}");
        b.to_vec()
    }

    #[test]
    fn encodes_like_postgres() {
        // 12345.678: digits [1, 2345, 6780], weight 1, dscale 3.
        assert_eq!(
            enc("12345.678"),
            vec![0, 3, 0, 1, 0, 0, 0, 3, 0, 1, 0x09, 0x29, 0x1a, 0x7c]
        );
        assert_eq!(enc("0"), vec![0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            enc("-0.5"),
            vec![0, 1, 0xff, 0xff, 0x40, 0, 0, 1, 0x13, 0x88]
        );
        assert_eq!(enc("1e4"), vec![0, 1, 0, 1, 0, 0, 0, 0, 0, 1]);
        assert!(!encode_binary("abc", &mut BytesMut::new()));
        assert!(!encode_binary("1.2.3", &mut BytesMut::new()));
    }

    #[test]
    fn round_trips() {
        for s in [
            "12345.678",
            "0",
            "-0.5",
            "10000",
            "0.0001",
            "-987654321.00",
            "3.14159",
            "NaN",
        ] {
            assert_eq!(decode_binary(&enc(s)).as_deref(), Some(s), "{s}");
        }
        assert_eq!(decode_binary(&enc("1e4")).as_deref(), Some("10000"));
        assert_eq!(decode_binary(&[0, 1]), None);
    }
}
