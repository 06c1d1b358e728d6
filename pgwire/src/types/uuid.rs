//! `uuid`.

use bytes::BytesMut;
use uuid::Uuid;

use super::errors::{cannot_read, invalid_text, mismatch};
use super::wire::fixed;
use super::{FromPgValue, IsNull, PgType, ToPgValue, Type, is_text_like};
use crate::error::PgResult;

fn put_hyphenated(u: &Uuid, buf: &mut BytesMut) {
    let mut s = [0u8; uuid::fmt::Hyphenated::LENGTH];
    buf.extend_from_slice(u.hyphenated().encode_lower(&mut s).as_bytes());
}

/// `uuid_in`: hex digits in the standard hyphenated form, without hyphens, or in braces.
pub(crate) fn parse_uuid(raw: &[u8]) -> PgResult<Uuid> {
    Uuid::try_parse_ascii(raw)
        .ok()
        .filter(|_| !raw.starts_with(b"urn:"))
        .ok_or_else(|| invalid_text(&Type::UUID, raw))
}

impl PgType for Uuid {
    fn pg_type() -> Type {
        Type::UUID
    }
}

impl ToPgValue for Uuid {
    /// Lower-case, hyphenated.
    fn encode_text(&self, buf: &mut BytesMut) -> PgResult<IsNull> {
        put_hyphenated(self, buf);
        Ok(IsNull::No)
    }
    fn encode_binary(&self, ty: &Type, buf: &mut BytesMut) -> PgResult<IsNull> {
        match *ty {
            Type::UUID => buf.extend_from_slice(self.as_bytes()),
            _ if is_text_like(ty) => put_hyphenated(self, buf),
            _ => return Err(mismatch("uuid", ty)),
        }
        Ok(IsNull::No)
    }
}

impl FromPgValue for Uuid {
    fn from_text(_ty: &Type, raw: &[u8]) -> PgResult<Self> {
        parse_uuid(raw)
    }
    fn from_binary(ty: &Type, raw: &[u8]) -> PgResult<Self> {
        match *ty {
            Type::UUID => Ok(Uuid::from_bytes(fixed(ty, raw)?)),
            _ if is_text_like(ty) => parse_uuid(raw),
            _ => Err(cannot_read("uuid", ty)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text() {
        let u = parse_uuid(b"A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11").unwrap();
        let mut b = BytesMut::new();
        u.encode_text(&mut b).unwrap();
        assert_eq!(&b[..], b"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
        assert_eq!(
            parse_uuid(b"{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}").unwrap(),
            u
        );
        assert_eq!(parse_uuid(b"a0eebc999c0b4ef8bb6d6bb9bd380a11").unwrap(), u);
        let e = parse_uuid(b"nope").unwrap_err();
        assert_eq!(e.message, "invalid input syntax for type uuid: \"nope\"");
    }
}
