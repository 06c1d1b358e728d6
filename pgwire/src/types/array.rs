//! One-dimensional arrays: `Vec<T>` and `&[T]` (with `Option<T>` elements for NULLs).
//!
//! Text form as PostgreSQL's `array_out`: `{1,2,NULL}`, an element quoted when it is
//! empty, equals `NULL` in any case, or holds `{`, `}`, `,`, `"`, `\` or whitespace, with
//! `"` and `\` backslash-escaped inside the quotes. Binary form as `array_send`: dimensions
//! (0 for an empty array), a has-NULL flag, the element type OID, then each element
//! length-prefixed (-1 for NULL).

use std::borrow::Cow;

use bytes::{BufMut, BytesMut};

use super::errors::{cannot_read, invalid_binary_msg, mismatch};
use super::wire::{Reader, begin_len, is_pg_space, patch_len};
use super::{
    FromPgValue, IsNull, PgType, ToPgValue, Type, array_type, element_type, is_text_like,
    type_display_name,
};
use crate::error::{PgError, PgResult, SqlState};

fn needs_quotes(s: &[u8]) -> bool {
    s.is_empty()
        || s.eq_ignore_ascii_case(b"NULL")
        || s.iter()
            .any(|&b| matches!(b, b'{' | b'}' | b',' | b'"' | b'\\') || is_pg_space(b))
}

/// Appends one element's text form, quoted and escaped when needed; NULL as `NULL`.
fn put_element_text<T: ToPgValue + ?Sized>(v: &T, buf: &mut BytesMut) -> PgResult<()> {
    let start = buf.len();
    match v.encode_text(buf)? {
        IsNull::Yes => {
            buf.truncate(start);
            buf.extend_from_slice(b"NULL");
        }
        IsNull::No => {
            if needs_quotes(&buf[start..]) {
                let raw = buf[start..].to_vec();
                buf.truncate(start);
                buf.reserve(raw.len() + 2);
                buf.put_u8(b'"');
                for b in raw {
                    if b == b'"' || b == b'\\' {
                        buf.put_u8(b'\\');
                    }
                    buf.put_u8(b);
                }
                buf.put_u8(b'"');
            }
        }
    }
    Ok(())
}

/// Appends the text form of a one-dimensional array of `items`.
pub fn encode_array_text<T: ToPgValue>(items: &[T], buf: &mut BytesMut) -> PgResult<IsNull> {
    buf.put_u8(b'{');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            buf.put_u8(b',');
        }
        put_element_text(item, buf)?;
    }
    buf.put_u8(b'}');
    Ok(IsNull::No)
}

/// Appends the binary form of a one-dimensional array of `items` for array column type
/// `ty` (elements encoded for its element type); a text-like column gets the text form.
pub fn encode_array_binary<T: ToPgValue>(
    items: &[T],
    ty: &Type,
    buf: &mut BytesMut,
) -> PgResult<IsNull> {
    let Some(elem) = element_type(ty) else {
        if is_text_like(ty) {
            return encode_array_text(items, buf);
        }
        return Err(mismatch("array", ty));
    };
    if items.is_empty() {
        buf.put_i32(0);
        buf.put_i32(0);
        buf.put_u32(elem.oid());
        return Ok(IsNull::No);
    }
    let n = i32::try_from(items.len()).map_err(|_| {
        PgError::new(
            SqlState::PROGRAM_LIMIT_EXCEEDED,
            "array size exceeds the maximum allowed",
        )
    })?;
    buf.put_i32(1);
    let flag_pos = buf.len();
    buf.put_i32(0);
    buf.put_u32(elem.oid());
    buf.put_i32(n);
    buf.put_i32(1);
    let mut has_null = false;
    for item in items {
        let pos = begin_len(buf);
        match item.encode_binary(&elem, buf)? {
            IsNull::Yes => {
                buf.truncate(pos);
                buf.put_i32(-1);
                has_null = true;
            }
            IsNull::No => patch_len(buf, pos),
        }
    }
    if has_null {
        buf[flag_pos..flag_pos + 4].copy_from_slice(&1i32.to_be_bytes());
    }
    Ok(IsNull::No)
}

fn malformed(raw: &[u8], detail: &str) -> PgError {
    PgError::new(
        SqlState::INVALID_TEXT_REPRESENTATION,
        format!(
            "malformed array literal: \"{}\"",
            String::from_utf8_lossy(raw)
        ),
    )
    .detail(detail.to_owned())
}

/// Splits a one-dimensional array literal into its elements' text (`None` for NULL).
pub(crate) fn split_array_text(raw: &[u8]) -> PgResult<Vec<Option<Cow<'_, [u8]>>>> {
    let mut i = 0;
    let skip = |i: &mut usize| {
        while raw.get(*i).is_some_and(|&b| is_pg_space(b)) {
            *i += 1;
        }
    };
    skip(&mut i);
    // Optional dimension decoration: [lo:hi]=
    if raw.get(i) == Some(&b'[') {
        let close = raw[i..]
            .iter()
            .position(|&b| b == b']')
            .ok_or_else(|| malformed(raw, "Missing \"]\" after array dimensions."))?;
        i += close + 1;
        if raw.get(i) == Some(&b'[') {
            return Err(malformed(
                raw,
                "Only one-dimensional arrays are supported here.",
            ));
        }
        skip(&mut i);
        if raw.get(i) != Some(&b'=') {
            return Err(malformed(raw, "Missing \"=\" after array dimensions."));
        }
        i += 1;
        skip(&mut i);
    }
    if raw.get(i) != Some(&b'{') {
        return Err(malformed(
            raw,
            "Array value must start with \"{\" or dimension information.",
        ));
    }
    i += 1;
    let mut out = Vec::new();
    skip(&mut i);
    if raw.get(i) == Some(&b'}') {
        i += 1;
    } else {
        loop {
            skip(&mut i);
            match raw.get(i) {
                Some(b'{') => {
                    return Err(malformed(
                        raw,
                        "Only one-dimensional arrays are supported here.",
                    ));
                }
                Some(b'"') => {
                    i += 1;
                    let start = i;
                    let mut owned: Option<Vec<u8>> = None;
                    loop {
                        match raw.get(i) {
                            None => return Err(malformed(raw, "Unexpected end of input.")),
                            Some(b'"') => break,
                            Some(b'\\') => {
                                let o = owned.get_or_insert_with(|| raw[start..i].to_vec());
                                let &c = raw
                                    .get(i + 1)
                                    .ok_or_else(|| malformed(raw, "Unexpected end of input."))?;
                                o.push(c);
                                i += 2;
                            }
                            Some(&c) => {
                                if let Some(o) = owned.as_mut() {
                                    o.push(c);
                                }
                                i += 1;
                            }
                        }
                    }
                    let el = match owned {
                        Some(o) => Cow::Owned(o),
                        None => Cow::Borrowed(&raw[start..i]),
                    };
                    i += 1;
                    out.push(Some(el));
                    skip(&mut i);
                }
                Some(_) => {
                    let start = i;
                    let mut owned: Option<Vec<u8>> = None;
                    // Length of the element up to its last non-space byte (escaped
                    // bytes count as non-space).
                    let mut keep = 0;
                    let mut escaped_any = false;
                    loop {
                        match raw.get(i) {
                            None => return Err(malformed(raw, "Unexpected end of input.")),
                            Some(b',' | b'}') if i == start => {
                                return Err(malformed(raw, "Unexpected array element."));
                            }
                            Some(b',' | b'}') => break,
                            Some(b'{' | b'"') => {
                                return Err(malformed(raw, "Unexpected array element."));
                            }
                            Some(b'\\') => {
                                let o = owned.get_or_insert_with(|| raw[start..i].to_vec());
                                let &c = raw
                                    .get(i + 1)
                                    .ok_or_else(|| malformed(raw, "Unexpected end of input."))?;
                                o.push(c);
                                keep = o.len();
                                escaped_any = true;
                                i += 2;
                            }
                            Some(&c) => {
                                match owned.as_mut() {
                                    Some(o) => {
                                        o.push(c);
                                        if !is_pg_space(c) {
                                            keep = o.len();
                                        }
                                    }
                                    None => {
                                        if !is_pg_space(c) {
                                            keep = i + 1 - start;
                                        }
                                    }
                                }
                                i += 1;
                            }
                        }
                    }
                    let el: Cow<'_, [u8]> = match owned {
                        Some(mut o) => {
                            o.truncate(keep);
                            Cow::Owned(o)
                        }
                        None => Cow::Borrowed(&raw[start..start + keep]),
                    };
                    if !escaped_any && el.eq_ignore_ascii_case(b"NULL") {
                        out.push(None);
                    } else {
                        out.push(Some(el));
                    }
                }
                None => return Err(malformed(raw, "Unexpected end of input.")),
            }
            match raw.get(i) {
                Some(b',') => i += 1,
                Some(b'}') => {
                    i += 1;
                    break;
                }
                _ => return Err(malformed(raw, "Unexpected array element.")),
            }
        }
    }
    skip(&mut i);
    if i != raw.len() {
        return Err(malformed(raw, "Junk after closing right brace."));
    }
    Ok(out)
}

/// The element type to decode with: from the array type, else `unknown`.
fn elem_of(ty: &Type) -> Type {
    element_type(ty).unwrap_or(Type::UNKNOWN)
}

/// Decodes a one-dimensional array in text form with `T` for each element.
pub(crate) fn decode_array_text<T: FromPgValue>(ty: &Type, raw: &[u8]) -> PgResult<Vec<T>> {
    let elem = elem_of(ty);
    split_array_text(raw)?
        .into_iter()
        .map(|e| match e {
            Some(b) => T::from_text(&elem, &b),
            None => T::from_null(&elem),
        })
        .collect()
}

/// Decodes a one-dimensional array in binary form with `T` for each element.
pub(crate) fn decode_array_binary<T: FromPgValue>(ty: &Type, raw: &[u8]) -> PgResult<Vec<T>> {
    if element_type(ty).is_none() && is_text_like(ty) {
        return decode_array_text(ty, raw);
    }
    if element_type(ty).is_none() && *ty != Type::UNKNOWN {
        return Err(cannot_read("array", ty));
    }
    let mut r = Reader::new(ty, raw);
    let ndim = r.i32()?;
    let flags = r.i32()?;
    let oid = r.u32()?;
    if !(0..=1).contains(&flags) {
        return Err(invalid_binary_msg("invalid array flags"));
    }
    let elem = Type::from_oid(oid).unwrap_or_else(|| elem_of(ty));
    if let Some(expected) = element_type(ty) {
        if expected != elem && !(is_text_like(&expected) && is_text_like(&elem)) {
            return Err(PgError::new(
                SqlState::DATATYPE_MISMATCH,
                format!(
                    "binary data has array element type {} ({}) instead of expected {}",
                    oid,
                    type_display_name(&elem),
                    type_display_name(&expected)
                ),
            ));
        }
    }
    match ndim {
        0 => {
            r.finish()?;
            return Ok(Vec::new());
        }
        1 => {}
        n if n < 0 => {
            return Err(invalid_binary_msg(format!(
                "invalid number of dimensions: {n}"
            )));
        }
        _ => {
            return Err(PgError::new(
                SqlState::FEATURE_NOT_SUPPORTED,
                "only one-dimensional arrays are supported here",
            ));
        }
    }
    let len = r.i32()?;
    let _lower_bound = r.i32()?;
    if len < 0 {
        return Err(invalid_binary_msg("invalid array dimensions"));
    }
    let mut out = Vec::with_capacity((len as usize).min(r.rest.len() / 4));
    for _ in 0..len {
        let n = r.i32()?;
        if n == -1 {
            out.push(T::from_null(&elem)?);
        } else if n < 0 {
            return Err(invalid_binary_msg("insufficient data left in message"));
        } else {
            let b = r.take(n as usize)?;
            out.push(T::from_binary(&elem, b)?);
        }
    }
    r.finish()?;
    Ok(out)
}

impl<T: PgType> PgType for [T] {
    fn pg_type() -> Type {
        array_type(&T::pg_type()).unwrap_or(Type::UNKNOWN)
    }
}

impl<T: PgType> PgType for Vec<T> {
    fn pg_type() -> Type {
        <[T]>::pg_type()
    }
}

impl<T: ToPgValue> ToPgValue for [T] {
    fn encode_text(&self, buf: &mut BytesMut) -> PgResult<IsNull> {
        encode_array_text(self, buf)
    }
    fn encode_binary(&self, ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull> {
        encode_array_binary(self, ty, buf)
    }
}

impl<T: ToPgValue> ToPgValue for Vec<T> {
    fn encode_text(&self, buf: &mut BytesMut) -> PgResult<IsNull> {
        encode_array_text(self, buf)
    }
    fn encode_binary(&self, ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull> {
        encode_array_binary(self, ty, buf)
    }
}

impl<T: FromPgValue> FromPgValue for Vec<T> {
    fn from_text(ty: &Type, raw: &[u8]) -> PgResult<Self> {
        decode_array_text(ty, raw)
    }
    fn from_binary(ty: &Type, raw: &[u8]) -> PgResult<Self> {
        decode_array_binary(ty, raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text<T: ToPgValue + ?Sized>(v: &T) -> String {
        let mut b = BytesMut::new();
        v.encode_text(&mut b).unwrap();
        String::from_utf8(b.to_vec()).unwrap()
    }

    #[test]
    fn text_output() {
        assert_eq!(text(&vec![1i32, 2, 3]), "{1,2,3}");
        assert_eq!(text(&vec![Some(1i64), None]), "{1,NULL}");
        assert_eq!(text(&Vec::<i32>::new()), "{}");
        assert_eq!(
            text(&vec![
                "a", "", "NULL", "null", "b c", "x\"y", "p\\q", "{}", "a,b", "é"
            ]),
            r#"{a,"","NULL","null","b c","x\"y","p\\q","{}","a,b",é}"#
        );
        assert_eq!(text(&vec![vec![1u8, 2]]), r#"{"\\x0102"}"#);
        assert_eq!(text(&[1.5f64, -0.0][..]), "{1.5,-0}");
    }

    #[test]
    fn text_input() {
        let v: Vec<Option<String>> = Vec::from_text(
            &Type::TEXT_ARRAY,
            br#" { a , "b c" ,NULL, "NULL", \"x\" , "p\\q", a\ b } "#,
        )
        .unwrap();
        assert_eq!(
            v,
            vec![
                Some("a".into()),
                Some("b c".into()),
                None,
                Some("NULL".into()),
                Some("\"x\"".into()),
                Some("p\\q".into()),
                Some("a b".into()),
            ]
        );
        assert_eq!(
            Vec::<i32>::from_text(&Type::INT4_ARRAY, b"{}").unwrap(),
            Vec::<i32>::new()
        );
        assert_eq!(
            Vec::<i32>::from_text(&Type::INT4_ARRAY, b"[1:2]={1,2}").unwrap(),
            vec![1, 2]
        );
        for bad in ["", "1,2", "{1,2", "{1,,2}", "{1}x", "{{1}}", "{\"a}"] {
            let e =
                Vec::<Option<String>>::from_text(&Type::TEXT_ARRAY, bad.as_bytes()).unwrap_err();
            assert_eq!(e.code.code(), "22P02", "{bad}");
        }
        assert_eq!(
            Vec::<i32>::from_text(&Type::INT4_ARRAY, b"{1,NULL}")
                .unwrap_err()
                .code
                .code(),
            "22004"
        );
        assert_eq!(
            Vec::<i32>::from_text(&Type::INT4_ARRAY, b"{1,x}")
                .unwrap_err()
                .message,
            "invalid input syntax for type integer: \"x\""
        );
    }

    #[test]
    fn binary_round_trip() {
        let v = vec![Some(1i32), None, Some(3)];
        let mut b = BytesMut::new();
        v.encode_binary(&Type::INT4_ARRAY, &mut b).unwrap();
        let mut expected = Vec::new();
        for w in [1i32, 1, 23, 3, 1, 4, 1, -1, 4, 3] {
            expected.extend_from_slice(&w.to_be_bytes());
        }
        assert_eq!(&b[..], &expected[..]);
        assert_eq!(
            Vec::<Option<i32>>::from_binary(&Type::INT4_ARRAY, &b).unwrap(),
            v
        );
        // Widening applies per element.
        b.clear();
        vec![1i32].encode_binary(&Type::INT8_ARRAY, &mut b).unwrap();
        assert_eq!(
            Vec::<i64>::from_binary(&Type::INT8_ARRAY, &b).unwrap(),
            vec![1]
        );
        b.clear();
        Vec::<i32>::new()
            .encode_binary(&Type::INT4_ARRAY, &mut b)
            .unwrap();
        assert_eq!(&b[..], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 23]);
        assert_eq!(
            Vec::<i32>::from_binary(&Type::INT4_ARRAY, &b).unwrap(),
            Vec::<i32>::new()
        );
        assert!(Vec::<i32>::from_binary(&Type::INT4_ARRAY, &b[..8]).is_err());
        assert_eq!(Vec::<i32>::pg_type(), Type::INT4_ARRAY);
        assert_eq!(<[Option<String>]>::pg_type(), Type::TEXT_ARRAY);
    }
}
