//! A raw protocol client over plain TCP or TLS for tests that send what no driver would.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use pgwire::codec::{
    BackendMessage, FrontendMessage, PasswordMessage, ProtocolVersion, StartupMessage,
    StartupPacket,
};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// A byte stream the raw client can speak over: TCP or TLS.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// A socket plus a read buffer, speaking through pgwire's own codec.
pub struct Raw {
    pub stream: Box<dyn Io>,
    buf: BytesMut,
    /// The BackendKeyData of the session, once started.
    pub key: Option<(i32, bytes::Bytes)>,
    /// `tls-server-end-point` data of the server's certificate (TLS only).
    pub end_point: Option<Vec<u8>>,
}

impl Raw {
    fn over(stream: Box<dyn Io>, end_point: Option<Vec<u8>>) -> Raw {
        Raw {
            stream,
            buf: BytesMut::new(),
            key: None,
            end_point,
        }
    }

    /// Connects without sending anything.
    pub async fn connect(port: u16) -> Raw {
        let stream = TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect");
        Raw::over(Box::new(stream), None)
    }

    /// Connects, sends SSLRequest, expects 'S', and does the TLS handshake with `config`.
    pub async fn tls(port: u16, config: Arc<rustls::ClientConfig>) -> Raw {
        let mut s = TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect");
        let mut b = BytesMut::new();
        StartupPacket::SslRequest.encode(&mut b);
        s.write_all(&b).await.expect("write");
        let mut answer = [0u8; 1];
        s.read_exact(&mut answer).await.expect("SSL answer");
        assert_eq!(answer[0], b'S', "server refused SSL");
        Self::handshake(s, config).await.expect("TLS handshake")
    }

    /// Connects and starts TLS straight away (`sslnegotiation=direct`).
    pub async fn direct_tls(port: u16, config: Arc<rustls::ClientConfig>) -> io::Result<Raw> {
        let s = TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect");
        Self::handshake(s, config).await
    }

    async fn handshake(s: TcpStream, config: Arc<rustls::ClientConfig>) -> io::Result<Raw> {
        let name = ServerName::try_from("localhost").expect("name");
        let tls = tokio_rustls::TlsConnector::from(config)
            .connect(name, s)
            .await?;
        let end_point = tls
            .get_ref()
            .1
            .peer_certificates()
            .and_then(|c| c.first())
            .and_then(|c| pgwire::server::server_end_point(c));
        Ok(Raw::over(Box::new(tls), end_point))
    }

    /// Connects and completes a trust startup as `user`, up to the first ReadyForQuery.
    pub async fn startup(port: u16, user: &str) -> Raw {
        let mut raw = Raw::connect(port).await;
        raw.send_startup_for(user).await;
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

    /// Sends a protocol 3.0 StartupMessage for `user` and database `postgres`.
    pub async fn send_startup_for(&mut self, user: &str) {
        self.send_startup(
            ProtocolVersion::V3_0,
            &[("user", user), ("database", "postgres")],
        )
        .await;
    }

    /// Writes raw bytes (and flushes them through TLS).
    pub async fn send_bytes(&mut self, b: &[u8]) {
        self.stream.write_all(b).await.expect("write");
        self.stream.flush().await.expect("flush");
    }

    /// Sends a 'p' message with `body`.
    pub async fn send_p(&mut self, body: &[u8]) {
        let mut b = BytesMut::new();
        FrontendMessage::PasswordMessage(PasswordMessage {
            body: bytes::Bytes::copy_from_slice(body),
        })
        .encode(&mut b);
        self.send_bytes(&b).await;
    }

    /// Sends a SASLInitialResponse.
    pub async fn sasl_initial(&mut self, mechanism: &str, data: Option<&[u8]>) {
        let mut body = mechanism.as_bytes().to_vec();
        body.push(0);
        match data {
            Some(d) => {
                body.extend_from_slice(&(d.len() as i32).to_be_bytes());
                body.extend_from_slice(d);
            }
            None => body.extend_from_slice(&(-1i32).to_be_bytes()),
        }
        self.send_p(&body).await;
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
