//! A raw protocol client over TCP for tests that send what no driver would.

use std::time::Duration;

use bytes::BytesMut;
use pgwire::codec::{
    BackendMessage, FrontendMessage, ProtocolVersion, StartupMessage, StartupPacket,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A socket plus a read buffer, speaking through pgwire's own codec.
pub struct Raw {
    pub stream: TcpStream,
    buf: BytesMut,
    /// The BackendKeyData of the session, once started.
    pub key: Option<(i32, bytes::Bytes)>,
}

impl Raw {
    /// Connects without sending anything.
    pub async fn connect(port: u16) -> Raw {
        let stream = TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect");
        Raw {
            stream,
            buf: BytesMut::new(),
            key: None,
        }
    }

    /// Connects and completes a trust startup as `user`, up to the first ReadyForQuery.
    pub async fn startup(port: u16, user: &str) -> Raw {
        let mut raw = Raw::connect(port).await;
        raw.send_startup(
            ProtocolVersion::V3_0,
            &[("user", user), ("database", "postgres")],
        )
        .await;
        for m in raw.until_ready().await {
            if let BackendMessage::BackendKeyData { pid, key } = m {
                raw.key = Some((pid, key));
            }
        }
        raw
    }

    /// Sends a StartupMessage for `version` with these parameters (nothing is read).
    pub async fn send_startup(&mut self, version: ProtocolVersion, params: &[(&str, &str)]) {
        let mut b = BytesMut::new();
        StartupPacket::Startup(StartupMessage {
            version,
            params: params
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        })
        .encode(&mut b);
        self.send_bytes(&b).await;
    }

    /// Writes raw bytes.
    pub async fn send_bytes(&mut self, b: &[u8]) {
        self.stream.write_all(b).await.expect("write");
    }

    /// Writes messages in one write.
    pub async fn send(&mut self, msgs: &[FrontendMessage]) {
        let mut b = BytesMut::new();
        for m in msgs {
            m.encode(&mut b);
        }
        self.send_bytes(&b).await;
    }

    /// Reads one backend message; `None` at EOF. Panics after 10 s of silence.
    pub async fn recv(&mut self) -> Option<BackendMessage> {
        loop {
            if let Some(m) = pgwire::codec::decode_backend(&mut self.buf, 1 << 30)
                .expect("valid backend message")
            {
                return Some(m);
            }
            let n =
                tokio::time::timeout(Duration::from_secs(10), self.stream.read_buf(&mut self.buf))
                    .await
                    .expect("server answered within 10 s")
                    .unwrap_or(0);
            if n == 0 {
                return None;
            }
        }
    }

    /// Reads messages up to and including ReadyForQuery.
    pub async fn until_ready(&mut self) -> Vec<BackendMessage> {
        let mut out = Vec::new();
        loop {
            match self.recv().await {
                Some(m @ BackendMessage::ReadyForQuery(_)) => {
                    out.push(m);
                    return out;
                }
                Some(m) => out.push(m),
                None => panic!("connection closed before ReadyForQuery; got {out:?}"),
            }
        }
    }

    /// Reads everything until the server closes the connection.
    pub async fn until_closed(&mut self) -> Vec<BackendMessage> {
        let mut out = Vec::new();
        while let Some(m) = self.recv().await {
            out.push(m);
        }
        out
    }
}

/// The SQLSTATE of the first ErrorResponse in `msgs`.
pub fn error_code(msgs: &[BackendMessage]) -> Option<String> {
    msgs.iter().find_map(|m| match m {
        BackendMessage::ErrorResponse(f) => f.get(b'C').map(str::to_owned),
        _ => None,
    })
}
