//! Shared by the auth_* test binaries: a test CA and certificates made with rcgen, a rustls
//! TLS connector for tokio-postgres (with `tls-server-end-point` channel binding), and a raw
//! protocol client that works over plain TCP or TLS.

#![allow(dead_code)]

use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::BytesMut;
use pgwire::codec::{
    BackendMessage, FrontendMessage, PasswordMessage, ProtocolVersion, StartupMessage,
    StartupPacket,
};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect};
use tokio_rustls::client::TlsStream;

/// A test CA, a server certificate for `localhost`/127.0.0.1 and a client certificate,
/// written as PEM files into a temporary directory.
pub struct Certs {
    pub dir: tempfile::TempDir,
    pub ca_pem: String,
    pub ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
    pub client_cert_der: Vec<u8>,
    pub client_key_der: Vec<u8>,
}

impl Certs {
    pub fn new() -> Certs {
        let dir = tempfile::tempdir().expect("tempdir");
        let ca_key = KeyPair::generate().expect("key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "pgwire test CA");
        let ca = ca_params.self_signed(&ca_key).expect("CA");

        let server_key = KeyPair::generate().expect("key");
        let server = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .expect("params")
            .signed_by(&server_key, &ca, &ca_key)
            .expect("server cert");

        let client_key = KeyPair::generate().expect("key");
        let mut client_params = CertificateParams::new(Vec::<String>::new()).expect("params");
        client_params
            .distinguished_name
            .push(DnType::CommonName, "alice");
        let client = client_params
            .signed_by(&client_key, &ca, &ca_key)
            .expect("client cert");

        let write = |name: &str, text: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).expect("write pem");
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600));
            }
            p
        };
        Certs {
            ca_pem: ca.pem(),
            ca: write("ca.pem", &ca.pem()),
            server_cert: write("server.pem", &server.pem()),
            server_key: write("server.key", &server_key.serialize_pem()),
            client_cert: write("client.pem", &client.pem()),
            client_key: write("client.key", &client_key.serialize_pem()),
            client_cert_der: client.der().to_vec(),
            client_key_der: client_key.serialize_der(),
            dir,
        }
    }

    /// `--tls-cert … --tls-key …` server arguments.
    pub fn server_args(&self) -> Vec<String> {
        vec![
            "--tls-cert".into(),
            self.server_cert.display().to_string(),
            "--tls-key".into(),
            self.server_key.display().to_string(),
        ]
    }

    /// A rustls client config trusting the test CA, offering ALPN `postgresql`, optionally
    /// presenting the client certificate.
    pub fn client_config(&self, with_client_cert: bool) -> Arc<rustls::ClientConfig> {
        let mut roots = rustls::RootCertStore::empty();
        for c in CertificateDer::pem_slice_iter(self.ca_pem.as_bytes()) {
            roots.add(c.expect("ca pem")).expect("add root");
        }
        let builder = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots);
        let mut config = if with_client_cert {
            builder
                .with_client_auth_cert(
                    vec![CertificateDer::from(self.client_cert_der.clone())],
                    rustls::pki_types::PrivateKeyDer::Pkcs8(self.client_key_der.clone().into()),
                )
                .expect("client cert")
        } else {
            builder.with_no_client_auth()
        };
        config.alpn_protocols = vec![b"postgresql".to_vec()];
        Arc::new(config)
    }
}

use rustls::pki_types::pem::PemObject;

/// tokio-postgres TLS over tokio-rustls, reporting `tls-server-end-point` channel binding
/// data so that tokio-postgres can use SCRAM-SHA-256-PLUS.
#[derive(Clone)]
pub struct MakeRustls {
    config: Arc<rustls::ClientConfig>,
}

impl MakeRustls {
    pub fn new(config: Arc<rustls::ClientConfig>) -> Self {
        MakeRustls { config }
    }
}

impl<S: Io + 'static> MakeTlsConnect<S> for MakeRustls {
    type Stream = RustlsStream<S>;
    type TlsConnect = RustlsConnect;
    type Error = io::Error;

    fn make_tls_connect(&mut self, domain: &str) -> io::Result<RustlsConnect> {
        let name = ServerName::try_from(domain.to_owned())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        Ok(RustlsConnect {
            config: self.config.clone(),
            name,
        })
    }
}

pub struct RustlsConnect {
    config: Arc<rustls::ClientConfig>,
    name: ServerName<'static>,
}

impl<S: Io + 'static> TlsConnect<S> for RustlsConnect {
    type Stream = RustlsStream<S>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<RustlsStream<S>>> + Send>>;

    fn connect(self, stream: S) -> Self::Future {
        Box::pin(async move {
            let s = tokio_rustls::TlsConnector::from(self.config)
                .connect(self.name, stream)
                .await?;
            Ok(RustlsStream(s))
        })
    }
}

pub struct RustlsStream<S>(TlsStream<S>);

impl<S: Io> tokio_postgres::tls::TlsStream for RustlsStream<S> {
    fn channel_binding(&self) -> ChannelBinding {
        let (_, conn) = self.0.get_ref();
        match conn
            .peer_certificates()
            .and_then(|c| c.first())
            .and_then(|c| pgwire::server::server_end_point(c))
        {
            Some(hash) => ChannelBinding::tls_server_end_point(hash),
            None => ChannelBinding::none(),
        }
    }
}

impl<S: Io> AsyncRead for RustlsStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<S: Io> AsyncWrite for RustlsStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// Connects tokio-postgres with `tls` to `url`; the connection error on failure.
pub async fn try_connect_tls(
    url: &str,
    tls: MakeRustls,
) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let (client, conn) = tokio_postgres::connect(url, tls).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(client)
}

/// Connects tokio-postgres without TLS; the connection error on failure.
pub async fn try_connect(url: &str) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(client)
}

/// The SQLSTATE and message of a tokio-postgres error from the server.
pub fn db_error(e: &tokio_postgres::Error) -> (String, String) {
    match e.as_db_error() {
        Some(db) => (db.code().code().to_owned(), db.message().to_owned()),
        None => ("".into(), e.to_string()),
    }
}

/// Any byte stream the raw client can talk over.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// A raw protocol client over plain TCP or TLS, speaking through pgwire's own codec.
pub struct Wire {
    pub io: Box<dyn Io>,
    buf: BytesMut,
    /// `tls-server-end-point` data of the server's certificate (TLS only).
    pub end_point: Option<Vec<u8>>,
}

impl Wire {
    /// Plain TCP, nothing sent.
    pub async fn plain(port: u16) -> Wire {
        let s = TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect");
        Wire {
            io: Box::new(s),
            buf: BytesMut::new(),
            end_point: None,
        }
    }

    /// SSLRequest, expect 'S', TLS handshake with `config`.
    pub async fn tls(port: u16, config: Arc<rustls::ClientConfig>) -> Wire {
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

    /// TLS straight away (`sslnegotiation=direct`).
    pub async fn direct_tls(port: u16, config: Arc<rustls::ClientConfig>) -> io::Result<Wire> {
        let s = TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect");
        Self::handshake(s, config).await
    }

    async fn handshake(s: TcpStream, config: Arc<rustls::ClientConfig>) -> io::Result<Wire> {
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
        Ok(Wire {
            io: Box::new(tls),
            buf: BytesMut::new(),
            end_point,
        })
    }

    pub async fn send_bytes(&mut self, b: &[u8]) {
        self.io.write_all(b).await.expect("write");
        self.io.flush().await.expect("flush");
    }

    /// Sends a StartupMessage for `user`.
    pub async fn startup(&mut self, user: &str) {
        let mut b = BytesMut::new();
        StartupPacket::Startup(StartupMessage {
            version: ProtocolVersion::V3_0,
            params: vec![
                ("user".into(), user.into()),
                ("database".into(), "postgres".into()),
            ],
        })
        .encode(&mut b);
        self.send_bytes(&b).await;
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

    /// Reads one backend message; `None` at EOF (or a reset). Panics after 10 s of silence.
    pub async fn recv(&mut self) -> Option<BackendMessage> {
        loop {
            if let Some(m) = pgwire::codec::decode_backend(&mut self.buf, 1 << 30)
                .expect("valid backend message")
            {
                return Some(m);
            }
            let n = tokio::time::timeout(Duration::from_secs(10), self.io.read_buf(&mut self.buf))
                .await
                .expect("server answered within 10 s")
                .unwrap_or(0);
            if n == 0 {
                return None;
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

/// The (SQLSTATE, message) of the first ErrorResponse in `msgs`, with its severity checked
/// to be FATAL.
pub fn fatal_of(msgs: &[BackendMessage]) -> Option<(String, String)> {
    msgs.iter().find_map(|m| match m {
        BackendMessage::ErrorResponse(f) => {
            assert_eq!(f.get(b'S'), Some("FATAL"), "{f:?}");
            Some((
                f.get(b'C').unwrap_or("").to_owned(),
                f.get(b'M').unwrap_or("").to_owned(),
            ))
        }
        _ => None,
    })
}
