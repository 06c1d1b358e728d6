//! Untyped packets a client may send first: StartupMessage, SSLRequest, GSSENCRequest and
//! CancelRequest. They carry a length word but no type byte.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use super::buf::{MessageReader, put_cstr};
use super::{CodecError, MAX_STARTUP_PACKET_LEN};

/// Request code of an SSLRequest (1234.5679).
pub const SSL_REQUEST_CODE: i32 = 80877103;
/// Request code of a GSSENCRequest (1234.5680).
pub const GSSENC_REQUEST_CODE: i32 = 80877104;
/// Request code of a CancelRequest (1234.5678).
pub const CANCEL_REQUEST_CODE: i32 = 80877102;

/// A protocol version as the startup packet carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ProtocolVersion {
    /// Major version (3).
    pub major: u16,
    /// Minor version (0 or 2).
    pub minor: u16,
}

impl ProtocolVersion {
    /// Protocol 3.0.
    pub const V3_0: ProtocolVersion = ProtocolVersion { major: 3, minor: 0 };
    /// Protocol 3.2 (PostgreSQL 18).
    pub const V3_2: ProtocolVersion = ProtocolVersion { major: 3, minor: 2 };

    fn code(self) -> i32 {
        ((self.major as i32) << 16) | self.minor as i32
    }
}

/// `StartupMessage`: the protocol version and the session parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartupMessage {
    /// Requested protocol version.
    pub version: ProtocolVersion,
    /// Parameters in the order sent (`user`, `database`, `options`, `_pq_.*`, GUCs).
    pub params: Vec<(String, String)>,
}

impl StartupMessage {
    /// The value of parameter `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// `CancelRequest`: process id and secret key of the session to cancel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelRequest {
    /// Target process id.
    pub pid: i32,
    /// Secret key (4 bytes in 3.0, up to 256 bytes in 3.2).
    pub key: Bytes,
}

/// The first packet of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartupPacket {
    /// A StartupMessage.
    Startup(StartupMessage),
    /// SSLRequest.
    SslRequest,
    /// GSSENCRequest.
    GssEncRequest,
    /// CancelRequest.
    Cancel(CancelRequest),
}

impl StartupPacket {
    /// Splits and decodes one startup packet from `buf`; `Ok(None)` while incomplete.
    ///
    /// Enforces PostgreSQL's bounds: the length word is at least 8 and at most
    /// [`MAX_STARTUP_PACKET_LEN`].
    pub fn decode(buf: &mut BytesMut) -> Result<Option<StartupPacket>, CodecError> {
        if buf.len() < 4 {
            return Ok(None);
        }
        let len = i32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
        if len < 8 {
            return Err(CodecError::InvalidLength(len.into()));
        }
        let len = len as usize;
        if len > MAX_STARTUP_PACKET_LEN {
            return Err(CodecError::TooLarge {
                len,
                max: MAX_STARTUP_PACKET_LEN,
            });
        }
        if buf.len() < len {
            buf.reserve(len - buf.len());
            return Ok(None);
        }
        let mut packet = buf.split_to(len);
        packet.advance(4);
        Self::decode_body(packet.freeze()).map(Some)
    }

    /// Decodes a packet body (everything after the length word).
    pub fn decode_body(body: Bytes) -> Result<StartupPacket, CodecError> {
        let mut r = MessageReader::new("startup packet", body);
        let code = r.i32()?;
        match code {
            SSL_REQUEST_CODE => {
                r.finish()?;
                Ok(StartupPacket::SslRequest)
            }
            GSSENC_REQUEST_CODE => {
                r.finish()?;
                Ok(StartupPacket::GssEncRequest)
            }
            CANCEL_REQUEST_CODE => {
                let pid = r.i32()?;
                let key = r.rest();
                if key.len() < 4 || key.len() > 256 {
                    return Err(r.malformed("invalid cancel key length"));
                }
                Ok(StartupPacket::Cancel(CancelRequest { pid, key }))
            }
            _ => {
                let version = ProtocolVersion {
                    major: (code >> 16) as u16,
                    minor: (code & 0xffff) as u16,
                };
                if version.major != 3 {
                    // The body of other versions is not ours to parse.
                    return Err(CodecError::UnsupportedProtocol {
                        major: version.major,
                        minor: version.minor,
                    });
                }
                let mut params = Vec::new();
                loop {
                    let name = r.cstr()?;
                    if name.is_empty() {
                        break;
                    }
                    let value = r.cstr()?;
                    params.push((name, value));
                }
                r.finish()?;
                Ok(StartupPacket::Startup(StartupMessage { version, params }))
            }
        }
    }

    /// Appends the encoded packet (length word, body) to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) {
        let start = buf.len();
        buf.put_i32(0);
        match self {
            StartupPacket::SslRequest => buf.put_i32(SSL_REQUEST_CODE),
            StartupPacket::GssEncRequest => buf.put_i32(GSSENC_REQUEST_CODE),
            StartupPacket::Cancel(c) => {
                buf.put_i32(CANCEL_REQUEST_CODE);
                buf.put_i32(c.pid);
                buf.extend_from_slice(&c.key);
            }
            StartupPacket::Startup(s) => {
                buf.put_i32(s.version.code());
                for (k, v) in &s.params {
                    put_cstr(buf, k.as_bytes());
                    put_cstr(buf, v.as_bytes());
                }
                buf.put_u8(0);
            }
        }
        let len = (buf.len() - start) as i32;
        buf[start..start + 4].copy_from_slice(&len.to_be_bytes());
    }
}
