//! Small helpers shared by the binary encoders and decoders.

use bytes::{BufMut, BytesMut};

use super::Type;
use super::errors::invalid_binary;
use crate::error::PgResult;

/// Exactly `N` bytes, or 22P03 for `ty`.
#[inline]
pub(crate) fn fixed<const N: usize>(ty: &Type, raw: &[u8]) -> PgResult<[u8; N]> {
    raw.try_into().map_err(|_| invalid_binary(ty))
}

/// A checked big-endian reader over binary data of type `ty`.
pub(crate) struct Reader<'a> {
    pub(crate) ty: &'a Type,
    pub(crate) rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(ty: &'a Type, raw: &'a [u8]) -> Self {
        Reader { ty, rest: raw }
    }

    pub(crate) fn take(&mut self, n: usize) -> PgResult<&'a [u8]> {
        if self.rest.len() < n {
            return Err(invalid_binary(self.ty));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    pub(crate) fn i16(&mut self) -> PgResult<i16> {
        let b = self.take(2)?;
        Ok(i16::from_be_bytes([b[0], b[1]]))
    }

    pub(crate) fn u16(&mut self) -> PgResult<u16> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    pub(crate) fn i32(&mut self) -> PgResult<i32> {
        let b = self.take(4)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub(crate) fn u32(&mut self) -> PgResult<u32> {
        Ok(self.i32()? as u32)
    }

    pub(crate) fn i64(&mut self) -> PgResult<i64> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(i64::from_be_bytes(a))
    }

    /// Fails unless everything was read.
    pub(crate) fn finish(&self) -> PgResult<()> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(invalid_binary(self.ty))
        }
    }
}

/// Writes a 4-byte length placeholder and returns its position (see [`patch_len`]).
#[inline]
pub(crate) fn begin_len(buf: &mut BytesMut) -> usize {
    let pos = buf.len();
    buf.put_i32(0);
    pos
}

/// Fills the placeholder at `pos` with the length of what follows it.
#[inline]
pub(crate) fn patch_len(buf: &mut BytesMut, pos: usize) {
    let len = (buf.len() - pos - 4) as i32;
    buf[pos..pos + 4].copy_from_slice(&len.to_be_bytes());
}

/// PostgreSQL's `isspace` set (`array_isspace`, `scanner_isspace`).
#[inline]
pub(crate) fn is_pg_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

/// `raw` without leading and trailing [`is_pg_space`] bytes.
#[inline]
pub(crate) fn trim(raw: &[u8]) -> &[u8] {
    let start = raw
        .iter()
        .position(|b| !is_pg_space(*b))
        .unwrap_or(raw.len());
    let end = raw
        .iter()
        .rposition(|b| !is_pg_space(*b))
        .map_or(start, |e| e + 1);
    &raw[start..end]
}
