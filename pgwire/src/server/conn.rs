//! Buffered, batched message I/O over one client socket.

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::codec::{self, BackendMessage, CodecError, FrontendMessage, StartupPacket};
use crate::error::PgError;
use crate::types::DataRow;

/// Flush the write buffer once it holds this much, even mid-result.
pub(crate) const FLUSH_THRESHOLD: usize = 64 * 1024;

/// Initial capacity of each buffer. A startup packet, the whole startup response and small
/// queries fit, and an allocation this small comes from the allocator's per-thread cache
/// (glibc serves up to 1032 bytes from its tcache; 8 and 16 KiB buffers took its slow path,
/// with a fastbin consolidation, on every connection). Buffers grow when a session needs more.
const INITIAL_CAPACITY: usize = 1024;

/// Reading tops the read buffer up to this much free space when less than
/// [`MIN_READ_SPACE`] is left.
const READ_RESERVE: usize = 8 * 1024;
const MIN_READ_SPACE: usize = 512;

/// Makes room in `rbuf` for the next read.
#[inline]
pub(crate) fn reserve_read(rbuf: &mut BytesMut) {
    if rbuf.capacity() - rbuf.len() < MIN_READ_SPACE {
        rbuf.reserve(READ_RESERVE);
    }
}

/// Why reading a message failed.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The socket failed or closed mid-message.
    Io(std::io::Error),
    /// The framing is broken: answer FATAL and close.
    Fatal(CodecError),
    /// The frame was fine but its body was not: answer ERROR and go on.
    Malformed(CodecError),
}

impl From<std::io::Error> for ReadError {
    fn from(e: std::io::Error) -> Self {
        ReadError::Io(e)
    }
}

/// A client socket with a read buffer and one write buffer that is flushed at
/// ReadyForQuery, on Flush, or when it passes [`FLUSH_THRESHOLD`].
pub(crate) struct Conn<S> {
    pub io: S,
    pub rbuf: BytesMut,
    pub wbuf: BytesMut,
    pub max_message_len: usize,
}

impl<S: AsyncRead + AsyncWrite + Unpin + Send> Conn<S> {
    pub fn new(io: S, max_message_len: usize) -> Self {
        Conn {
            io,
            rbuf: BytesMut::with_capacity(INITIAL_CAPACITY),
            wbuf: BytesMut::with_capacity(INITIAL_CAPACITY),
            max_message_len,
        }
    }

    /// Reads more bytes; `Ok(false)` at EOF.
    async fn fill(&mut self) -> std::io::Result<bool> {
        reserve_read(&mut self.rbuf);
        Ok(self.io.read_buf(&mut self.rbuf).await? > 0)
    }

    /// Reads the startup packet; `Ok(None)` on a clean EOF before any byte.
    pub async fn read_startup(&mut self) -> Result<Option<StartupPacket>, ReadError> {
        loop {
            if let Some(p) = StartupPacket::decode(&mut self.rbuf).map_err(ReadError::Fatal)? {
                return Ok(Some(p));
            }
            if !self.fill().await? {
                return if self.rbuf.is_empty() {
                    Ok(None)
                } else {
                    Err(ReadError::Fatal(CodecError::Malformed {
                        message: "startup packet",
                        reason: "incomplete startup packet",
                    }))
                };
            }
        }
    }

    /// Resolves when the client closes its side (or the socket fails) while a query runs.
    ///
    /// Bytes that arrive meanwhile (pipelined messages) are kept in the read buffer; past
    /// 1 MiB of them this stops reading, so a flooding client cannot grow the buffer.
    /// Cancel-safe.
    pub async fn closed(&mut self) {
        loop {
            if self.rbuf.len() >= 1024 * 1024 {
                return std::future::pending().await;
            }
            match self.fill().await {
                Ok(true) => {}
                Ok(false) | Err(_) => return,
            }
        }
    }

    /// Whether the read buffer holds an Execute before the next Sync (walking frame headers
    /// only).
    pub fn execute_buffered_before_sync(&self) -> bool {
        let b = &self.rbuf[..];
        let mut i = 0;
        while i + 5 <= b.len() {
            match b[i] {
                b'E' => return true,
                b'S' => return false,
                _ => {}
            }
            let len = i32::from_be_bytes([b[i + 1], b[i + 2], b[i + 3], b[i + 4]]);
            if len < 4 {
                return false;
            }
            i += 1 + len as usize;
        }
        false
    }

    /// Whether a complete message is already buffered.
    pub fn has_buffered_message(&self) -> bool {
        self.rbuf.len() >= 5 && {
            let len = i32::from_be_bytes([self.rbuf[1], self.rbuf[2], self.rbuf[3], self.rbuf[4]]);
            len >= 4 && self.rbuf.len() > len as usize
        }
    }

    /// Reads one message; `Ok(None)` on EOF. Cancel-safe: bytes read stay buffered.
    pub async fn read_message(&mut self) -> Result<Option<FrontendMessage>, ReadError> {
        loop {
            match codec::split_frame(&mut self.rbuf, self.max_message_len) {
                Err(e) => return Err(ReadError::Fatal(e)),
                Ok(Some((tag, body))) => {
                    return match FrontendMessage::decode(tag, body) {
                        Ok(m) => Ok(Some(m)),
                        Err(e @ CodecError::UnknownFrontendTag(_)) => Err(ReadError::Fatal(e)),
                        Err(e) => Err(ReadError::Malformed(e)),
                    };
                }
                Ok(None) => {}
            }
            if !self.fill().await? {
                return Ok(None);
            }
        }
    }

    /// Queues a message.
    #[inline]
    pub fn send(&mut self, msg: &BackendMessage) {
        msg.encode(&mut self.wbuf);
    }

    /// Queues CommandComplete for `tag`, formatted straight into the buffer.
    #[inline]
    pub fn send_command_complete(&mut self, tag: &crate::query::Tag) {
        use std::fmt::Write;
        codec::write_message(&mut self.wbuf, b'C', |b| {
            let _ = write!(b, "{tag}");
            b.extend_from_slice(&[0]);
        });
    }

    /// Queues an ErrorResponse (or NoticeResponse for notice severities).
    pub fn send_error(&mut self, e: &PgError) {
        let fields = e.to_fields();
        if matches!(
            e.severity,
            crate::Severity::Error | crate::Severity::Fatal | crate::Severity::Panic
        ) {
            self.send(&BackendMessage::ErrorResponse(fields));
        } else {
            self.send(&BackendMessage::NoticeResponse(fields));
        }
    }

    /// Queues encoded rows, flushing when the buffer is large (backpressure).
    #[inline]
    pub async fn send_rows(&mut self, rows: &DataRow) -> std::io::Result<()> {
        let bytes = rows.as_bytes();
        if self.wbuf.is_empty() && bytes.len() >= FLUSH_THRESHOLD {
            // Large batch: write it straight from its buffer.
            return self.io.write_all(bytes).await;
        }
        self.wbuf.extend_from_slice(bytes);
        self.flush_if_full().await
    }

    /// Flushes if the buffer passed the threshold.
    #[inline]
    pub async fn flush_if_full(&mut self) -> std::io::Result<()> {
        if self.wbuf.len() >= FLUSH_THRESHOLD {
            self.flush().await?;
        }
        Ok(())
    }

    /// Writes everything buffered. Cancel-safe: what was written is consumed.
    pub async fn flush(&mut self) -> std::io::Result<()> {
        while !self.wbuf.is_empty() {
            let n = self.io.write_buf(&mut self.wbuf).await?;
            if n == 0 {
                return Err(std::io::ErrorKind::WriteZero.into());
            }
        }
        self.io.flush().await
    }
}
