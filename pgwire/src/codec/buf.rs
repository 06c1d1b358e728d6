//! Checked reading of message bodies and small writing helpers.

use bytes::{BufMut, Bytes, BytesMut};

use super::CodecError;

/// A cursor over one message body. Every read is bounds-checked and reports which message
/// was malformed; nothing here can panic on peer input.
#[derive(Debug)]
pub struct MessageReader {
    body: Bytes,
    pos: usize,
    message: &'static str,
}

impl MessageReader {
    /// Starts reading `body`, naming `message` in errors.
    pub fn new(message: &'static str, body: Bytes) -> Self {
        MessageReader {
            body,
            pos: 0,
            message,
        }
    }

    /// An error naming this message and `reason`.
    pub fn malformed(&self, reason: &'static str) -> CodecError {
        CodecError::Malformed {
            message: self.message,
            reason,
        }
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.body.len() - self.pos
    }

    /// Reads one byte.
    pub fn u8(&mut self) -> Result<u8, CodecError> {
        let b = *self
            .body
            .get(self.pos)
            .ok_or_else(|| self.malformed("unexpected end of message"))?;
        self.pos += 1;
        Ok(b)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], CodecError> {
        let slice = self
            .body
            .get(self.pos..self.pos + N)
            .ok_or_else(|| self.malformed("unexpected end of message"))?;
        let mut out = [0u8; N];
        out.copy_from_slice(slice);
        self.pos += N;
        Ok(out)
    }

    /// Reads a big-endian i16.
    pub fn i16(&mut self) -> Result<i16, CodecError> {
        self.array().map(i16::from_be_bytes)
    }

    /// Reads a big-endian i32.
    pub fn i32(&mut self) -> Result<i32, CodecError> {
        self.array().map(i32::from_be_bytes)
    }

    /// Reads a big-endian u32.
    pub fn u32(&mut self) -> Result<u32, CodecError> {
        self.array().map(u32::from_be_bytes)
    }

    /// Reads a count word (i16) that must not be negative.
    pub fn count16(&mut self) -> Result<usize, CodecError> {
        let n = self.i16()?;
        usize::try_from(n).map_err(|_| self.malformed("negative count"))
    }

    /// Reads `n` bytes as a zero-copy slice of the body.
    pub fn bytes(&mut self, n: usize) -> Result<Bytes, CodecError> {
        if n > self.remaining() {
            return Err(self.malformed("field runs past the end of message"));
        }
        let out = self.body.slice(self.pos..self.pos + n);
        self.pos += n;
        Ok(out)
    }

    /// Reads the rest of the body.
    pub fn rest(&mut self) -> Bytes {
        let out = self.body.slice(self.pos..);
        self.pos = self.body.len();
        out
    }

    /// Reads an i32-length-prefixed value; -1 is NULL.
    pub fn nullable_bytes(&mut self) -> Result<Option<Bytes>, CodecError> {
        let len = self.i32()?;
        if len == -1 {
            return Ok(None);
        }
        let len = usize::try_from(len).map_err(|_| self.malformed("invalid value length"))?;
        self.bytes(len).map(Some)
    }

    /// Reads a NUL-terminated string as raw bytes (terminator consumed, not returned).
    pub fn cstr_bytes(&mut self) -> Result<Bytes, CodecError> {
        let rest = &self.body[self.pos..];
        let nul = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or_else(|| self.malformed("missing string terminator"))?;
        let out = self.body.slice(self.pos..self.pos + nul);
        self.pos += nul + 1;
        Ok(out)
    }

    /// Reads a NUL-terminated UTF-8 string.
    pub fn cstr(&mut self) -> Result<String, CodecError> {
        let raw = self.cstr_bytes()?;
        String::from_utf8(raw.to_vec()).map_err(|_| CodecError::InvalidUtf8(self.message))
    }

    /// Fails unless the whole body was read.
    pub fn finish(&self) -> Result<(), CodecError> {
        if self.remaining() == 0 {
            Ok(())
        } else {
            Err(self.malformed("trailing bytes after message"))
        }
    }
}

/// Writes a NUL-terminated string.
#[inline]
pub fn put_cstr(buf: &mut BytesMut, s: &[u8]) {
    buf.extend_from_slice(s);
    buf.put_u8(0);
}

/// Writes a big-endian i16.
#[inline]
pub fn put_i16(buf: &mut BytesMut, v: i16) {
    buf.put_i16(v);
}

/// Writes a big-endian i32.
#[inline]
pub fn put_i32(buf: &mut BytesMut, v: i32) {
    buf.put_i32(v);
}

/// Writes an i32 length (or -1 for `None`) followed by the bytes.
#[inline]
pub fn put_len_prefixed(buf: &mut BytesMut, v: Option<&[u8]>) {
    match v {
        None => buf.put_i32(-1),
        Some(b) => {
            buf.put_i32(b.len() as i32);
            buf.extend_from_slice(b);
        }
    }
}
