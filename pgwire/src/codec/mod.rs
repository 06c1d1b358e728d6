//! The PostgreSQL frontend/backend protocol (3.0 and 3.2) as plain data: no I/O.
//!
//! Every message has a type named as the PostgreSQL documentation names it, with `encode`
//! and `decode` for both directions, so that the server, the client and a proxy share one
//! codec. Framing enforces the limits PostgreSQL enforces: a startup packet is at most
//! [`MAX_STARTUP_PACKET_LEN`] bytes, every other message at most a configurable cap
//! ([`DEFAULT_MAX_MESSAGE_LEN`], 1 GiB like PostgreSQL), and no length below 4.
//!
//! ```
//! use bytes::BytesMut;
//! use pgwire::codec::{FrontendMessage, Query, decode_frontend};
//!
//! let mut buf = BytesMut::new();
//! FrontendMessage::Query(Query { sql: "SELECT 1".into() }).encode(&mut buf);
//! let msg = decode_frontend(&mut buf, 1 << 30).unwrap().unwrap();
//! assert_eq!(msg, FrontendMessage::Query(Query { sql: "SELECT 1".into() }));
//! ```

mod backend;
mod buf;
mod frontend;
mod startup;

pub use backend::*;
pub use buf::{MessageReader, put_cstr, put_i16, put_i32, put_len_prefixed};
pub use frontend::*;
pub use startup::*;

use bytes::{Buf, Bytes, BytesMut};

/// Largest startup packet PostgreSQL accepts (`MAX_STARTUP_PACKET_LENGTH`).
pub const MAX_STARTUP_PACKET_LEN: usize = 10_000;
/// Default cap on a regular message, 1 GiB as PostgreSQL's `PQ_LARGE_MESSAGE_LIMIT`.
pub const DEFAULT_MAX_MESSAGE_LEN: usize = 0x3fff_ffff;

/// What can go wrong while framing or decoding a message. Every variant maps to SQLSTATE
/// 08P01 (protocol_violation) when answered to a peer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// A length word below 4 (the length counts itself).
    #[error("invalid message length {0}")]
    InvalidLength(i64),
    /// A length word above the configured cap.
    #[error("message of {len} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        /// The announced length.
        len: usize,
        /// The cap in force.
        max: usize,
    },
    /// A message type byte this side of the protocol does not know.
    #[error("invalid frontend message type {}", fmt_tag(*.0))]
    UnknownFrontendTag(u8),
    /// A message type byte this side of the protocol does not know.
    #[error("invalid backend message type {}", fmt_tag(*.0))]
    UnknownBackendTag(u8),
    /// The body ended before a field it announces, or had bytes left over.
    #[error("invalid {message} message format: {reason}")]
    Malformed {
        /// The message being decoded.
        message: &'static str,
        /// What was wrong.
        reason: &'static str,
    },
    /// A string field that is not valid UTF-8.
    #[error("invalid byte sequence for encoding \"UTF8\" in {0} message")]
    InvalidUtf8(&'static str),
    /// A startup packet with a protocol code we do not know.
    #[error("unsupported frontend protocol {major}.{minor}")]
    UnsupportedProtocol {
        /// Major version requested.
        major: u16,
        /// Minor version requested.
        minor: u16,
    },
}

fn fmt_tag(tag: u8) -> String {
    if tag.is_ascii_graphic() {
        format!("'{}'", tag as char)
    } else {
        format!("0x{tag:02x}")
    }
}

/// Splits one complete regular message (type byte + length + body) off the front of `buf`.
///
/// Returns `Ok(None)` while the message is incomplete (and reserves room for the rest).
/// The returned body excludes the type byte and the length word.
pub fn split_frame(buf: &mut BytesMut, max_len: usize) -> Result<Option<(u8, Bytes)>, CodecError> {
    if buf.len() < 5 {
        return Ok(None);
    }
    let tag = buf[0];
    let len = i32::from_be_bytes([buf[1], buf[2], buf[3], buf[4]]);
    if len < 4 {
        return Err(CodecError::InvalidLength(len.into()));
    }
    let len = len as usize;
    if len > max_len {
        return Err(CodecError::TooLarge { len, max: max_len });
    }
    let total = len + 1;
    if buf.len() < total {
        // Grow for the rest of this message, but never more than 64 KiB ahead of the data:
        // a peer announcing 1 GiB must actually send it before we hold it.
        buf.reserve((total - buf.len()).min(64 * 1024));
        return Ok(None);
    }
    let mut frame = buf.split_to(total);
    frame.advance(5);
    Ok(Some((tag, frame.freeze())))
}

/// Decodes one frontend message from `buf`, or `Ok(None)` if more bytes are needed.
pub fn decode_frontend(
    buf: &mut BytesMut,
    max_len: usize,
) -> Result<Option<FrontendMessage>, CodecError> {
    match split_frame(buf, max_len)? {
        Some((tag, body)) => FrontendMessage::decode(tag, body).map(Some),
        None => Ok(None),
    }
}

/// Decodes one backend message from `buf`, or `Ok(None)` if more bytes are needed.
pub fn decode_backend(
    buf: &mut BytesMut,
    max_len: usize,
) -> Result<Option<BackendMessage>, CodecError> {
    match split_frame(buf, max_len)? {
        Some((tag, body)) => BackendMessage::decode(tag, body).map(Some),
        None => Ok(None),
    }
}

/// Writes a message: type byte, a length word patched after `body` ran, then the body.
#[inline]
pub fn write_message(buf: &mut BytesMut, tag: u8, body: impl FnOnce(&mut BytesMut)) {
    buf.extend_from_slice(&[tag, 0, 0, 0, 0]);
    let start = buf.len() - 4;
    body(buf);
    let len = (buf.len() - start) as i32;
    buf[start..start + 4].copy_from_slice(&len.to_be_bytes());
}

#[cfg(test)]
mod tests;
