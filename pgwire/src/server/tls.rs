//! TLS with rustls (ring provider): server configuration, what a session learns about its
//! TLS connection, and the `tls-server-end-point` channel-binding data (RFC 5929).
//!
//! Both ways PostgreSQL clients start TLS are served: an SSLRequest answered with `S`, and
//! PostgreSQL 17's direct TLS (`sslnegotiation=direct`), where the first bytes are a TLS
//! ClientHello and ALPN `postgresql` is required. ALPN `postgresql` is advertised, so a
//! client offering other protocols only is refused at the handshake, as PostgreSQL does.

use std::fmt;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use rustls::RootCertStore;
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use sha2::Digest;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_rustls::TlsAcceptor;

/// The ALPN protocol name PostgreSQL 17 registers and requires for direct TLS.
pub const ALPN_POSTGRESQL: &[u8] = b"postgresql";

/// Whether (and against which roots) client certificates are checked.
#[derive(Debug, Clone, Default)]
pub enum ClientAuth {
    /// No client certificates are asked for.
    #[default]
    None,
    /// A client may present a certificate; if it does, it must chain to these roots.
    Optional(Arc<RootCertStore>),
    /// A client must present a certificate chaining to these roots.
    Required(Arc<RootCertStore>),
}

/// A server's TLS settings: the rustls configuration plus the certificate's channel-binding
/// hash. Cheap to clone.
#[derive(Clone)]
pub struct TlsConfig {
    acceptor: TlsAcceptor,
    end_point: Option<Arc<[u8]>>,
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConfig")
            .field("channel_binding", &self.end_point.is_some())
            .finish_non_exhaustive()
    }
}

fn invalid(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg.into())
}

impl TlsConfig {
    /// From PEM files: a certificate chain (leaf first) and its private key (PKCS#8, PKCS#1
    /// or SEC1), like PostgreSQL's `ssl_cert_file` / `ssl_key_file`.
    pub fn from_pem_files(cert: impl AsRef<Path>, key: impl AsRef<Path>) -> io::Result<Self> {
        let read = |p: &Path| {
            std::fs::read(p).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", p.display())))
        };
        Self::from_pem(&read(cert.as_ref())?, &read(key.as_ref())?)
    }

    /// From PEM text: a certificate chain (leaf first) and its private key.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> io::Result<Self> {
        let (chain, key) = parse_pem(cert_pem, key_pem)?;
        Self::from_der(chain, key, ClientAuth::None)
    }

    /// From DER: a certificate chain (leaf first), its private key, and the client
    /// certificate policy.
    pub fn from_der(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
        client_auth: ClientAuth,
    ) -> io::Result<Self> {
        let leaf = chain
            .first()
            .cloned()
            .ok_or_else(|| invalid("no certificate found"))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| invalid(e.to_string()))?;
        let builder = match client_auth {
            ClientAuth::None => builder.with_no_client_auth(),
            ClientAuth::Optional(roots) | ClientAuth::Required(roots) if roots.is_empty() => {
                return Err(invalid("no client CA certificate found"));
            }
            ClientAuth::Optional(roots) => builder.with_client_cert_verifier(
                WebPkiClientVerifier::builder_with_provider(roots, provider)
                    .allow_unauthenticated()
                    .build()
                    .map_err(|e| invalid(e.to_string()))?,
            ),
            ClientAuth::Required(roots) => builder.with_client_cert_verifier(
                WebPkiClientVerifier::builder_with_provider(roots, provider)
                    .build()
                    .map_err(|e| invalid(e.to_string()))?,
            ),
        };
        let mut config = builder
            .with_single_cert(chain, key)
            .map_err(|e| invalid(e.to_string()))?;
        config.alpn_protocols = vec![ALPN_POSTGRESQL.to_vec()];
        // Like PostgreSQL (no session cache, no tickets): libpq never resumes a session, so
        // tickets would only cost a handshake time and bytes.
        config.send_tls13_tickets = 0;
        config.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
        Ok(Self::from_server_config(Arc::new(config), Some(&leaf)))
    }

    /// From a rustls configuration you built (certificate resolver, session cache, …).
    /// Give the server certificate (`leaf`) to offer SCRAM-SHA-256-PLUS; set
    /// `alpn_protocols` to `[b"postgresql"]` for direct-TLS clients.
    pub fn from_server_config(
        config: Arc<ServerConfig>,
        leaf: Option<&CertificateDer<'_>>,
    ) -> Self {
        TlsConfig {
            acceptor: TlsAcceptor::from(config),
            end_point: leaf.and_then(|c| server_end_point(c)).map(Into::into),
        }
    }

    /// Reads a PEM file of CA certificates for checking client certificates.
    pub fn client_roots_from_pem_file(path: impl AsRef<Path>) -> io::Result<Arc<RootCertStore>> {
        let path = path.as_ref();
        let pem = std::fs::read(path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(&pem) {
            let cert = cert.map_err(|e| invalid(format!("{}: {e}", path.display())))?;
            roots.add(cert).map_err(|e| invalid(e.to_string()))?;
        }
        Ok(Arc::new(roots))
    }

    /// The `tls-server-end-point` binding data for this certificate, if it has one
    /// (SCRAM-SHA-256-PLUS is offered only then).
    pub fn channel_binding(&self) -> Option<&[u8]> {
        self.end_point.as_deref()
    }

    pub(crate) fn acceptor(&self) -> &TlsAcceptor {
        &self.acceptor
    }
}

/// Parses a PEM certificate chain and private key.
pub fn parse_pem(
    cert_pem: &[u8],
    key_pem: &[u8],
) -> io::Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
    let chain = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(format!("certificate: {e}")))?;
    if chain.is_empty() {
        return Err(invalid("no certificate found in PEM"));
    }
    let key =
        PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| invalid(format!("private key: {e}")))?;
    Ok((chain, key))
}

/// What a session knows about its TLS connection.
#[derive(Debug, Clone)]
pub struct TlsInfo {
    /// The server name the client asked for (SNI); libpq sends it when connecting by name.
    pub sni: Option<String>,
    /// The negotiated ALPN protocol (`postgresql` for clients that send ALPN).
    pub alpn: Option<Vec<u8>>,
    /// The client's certificate chain, leaf first (empty when it sent none).
    pub peer_certificates: Vec<CertificateDer<'static>>,
    /// The TLS version, e.g. `TLSv1.3` (as PostgreSQL's `ssl_version()`).
    pub version: &'static str,
    /// The cipher suite, e.g. `TLS13_AES_256_GCM_SHA384`.
    pub cipher: String,
    /// Whether the client started TLS directly (`sslnegotiation=direct`) rather than with an
    /// SSLRequest.
    pub direct: bool,
}

impl TlsInfo {
    pub(crate) fn new(conn: &rustls::ServerConnection, direct: bool) -> TlsInfo {
        TlsInfo {
            sni: conn.server_name().map(str::to_owned),
            alpn: conn.alpn_protocol().map(<[u8]>::to_vec),
            peer_certificates: conn
                .peer_certificates()
                .map(|c| c.iter().map(|c| c.clone().into_owned()).collect())
                .unwrap_or_default(),
            version: match conn.protocol_version() {
                Some(rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3",
                Some(rustls::ProtocolVersion::TLSv1_2) => "TLSv1.2",
                _ => "unknown",
            },
            cipher: conn
                .negotiated_cipher_suite()
                .and_then(|s| s.suite().as_str())
                .unwrap_or("unknown")
                .to_owned(),
            direct,
        }
    }
}

/// A stream that first yields bytes already read from the socket (the start of a direct
/// TLS handshake) and then reads from the socket.
pub(crate) struct Prefixed<S> {
    prefix: Bytes,
    inner: S,
}

impl<S> Prefixed<S> {
    pub(crate) fn new(prefix: Bytes, inner: S) -> Self {
        Prefixed { prefix, inner }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Prefixed<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if !self.prefix.is_empty() {
            let n = self.prefix.len().min(buf.remaining());
            buf.put_slice(&self.prefix[..n]);
            self.prefix.advance(n);
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Prefixed<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// The hash algorithm of `tls-server-end-point` for a certificate (RFC 5929 §4.1): the
/// certificate's signature hash, or SHA-256 when that is MD5 or SHA-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndPointHash {
    /// SHA-224.
    Sha224,
    /// SHA-256 (also for MD5 and SHA-1 signatures).
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

/// `tls-server-end-point` channel-binding data for a DER certificate: its hash with the
/// algorithm of [`end_point_hash`]. `None` when the signature algorithm has no single hash
/// (Ed25519, Ed448) or the certificate cannot be read; SCRAM-SHA-256-PLUS is then not
/// offered, as PostgreSQL does with OpenSSL.
pub fn server_end_point(cert_der: &[u8]) -> Option<Vec<u8>> {
    Some(match end_point_hash(cert_der)? {
        EndPointHash::Sha224 => sha2::Sha224::digest(cert_der).to_vec(),
        EndPointHash::Sha256 => sha2::Sha256::digest(cert_der).to_vec(),
        EndPointHash::Sha384 => sha2::Sha384::digest(cert_der).to_vec(),
        EndPointHash::Sha512 => sha2::Sha512::digest(cert_der).to_vec(),
    })
}

/// The hash algorithm `tls-server-end-point` uses for a DER certificate: a small DER walk to
/// `Certificate.signatureAlgorithm` (RFC 5280 §4.1).
pub fn end_point_hash(cert_der: &[u8]) -> Option<EndPointHash> {
    // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE, signatureAlgorithm
    //     AlgorithmIdentifier, signatureValue BIT STRING }
    let (cert, _) = der::expect(cert_der, der::SEQUENCE)?;
    let (_tbs, rest) = der::expect(cert, der::SEQUENCE)?;
    let (alg, _) = der::expect(rest, der::SEQUENCE)?;
    let (oid, params) = der::expect(alg, der::OID)?;
    use EndPointHash::*;
    let hash = match oid {
        // md5WithRSAEncryption, sha1WithRSAEncryption, ecdsa-with-SHA1, dsa-with-sha1
        oids::MD5_RSA | oids::SHA1_RSA | oids::ECDSA_SHA1 | oids::DSA_SHA1 => Sha256,
        oids::SHA224_RSA | oids::ECDSA_SHA224 => Sha224,
        oids::SHA256_RSA | oids::ECDSA_SHA256 | oids::DSA_SHA256 => Sha256,
        oids::SHA384_RSA | oids::ECDSA_SHA384 => Sha384,
        oids::SHA512_RSA | oids::ECDSA_SHA512 => Sha512,
        oids::RSASSA_PSS => pss_hash(params)?,
        _ => return None,
    };
    Some(hash)
}

/// RSASSA-PSS-params ::= SEQUENCE { hashAlgorithm [0] EXPLICIT AlgorithmIdentifier DEFAULT
/// sha1, … }.
fn pss_hash(params: &[u8]) -> Option<EndPointHash> {
    let (seq, _) = der::expect(params, der::SEQUENCE)?;
    let Some((explicit, _)) = der::expect(seq, 0xa0) else {
        return Some(EndPointHash::Sha256); // SHA-1 by default
    };
    let (alg, _) = der::expect(explicit, der::SEQUENCE)?;
    let (oid, _) = der::expect(alg, der::OID)?;
    match oid {
        oids::SHA1 | oids::SHA256 => Some(EndPointHash::Sha256),
        oids::SHA224 => Some(EndPointHash::Sha224),
        oids::SHA384 => Some(EndPointHash::Sha384),
        oids::SHA512 => Some(EndPointHash::Sha512),
        _ => None,
    }
}

mod oids {
    // Encoded OID contents (without tag and length).
    pub const MD5_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x04];
    pub const SHA1_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05];
    pub const RSASSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
    pub const SHA256_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
    pub const SHA384_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c];
    pub const SHA512_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d];
    pub const SHA224_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0e];
    pub const ECDSA_SHA1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01];
    pub const ECDSA_SHA224: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x01];
    pub const ECDSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
    pub const ECDSA_SHA384: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03];
    pub const ECDSA_SHA512: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04];
    pub const DSA_SHA1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x03];
    pub const DSA_SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x02];
    pub const SHA1: &[u8] = &[0x2b, 0x0e, 0x03, 0x02, 0x1a];
    pub const SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
    pub const SHA384: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02];
    pub const SHA512: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03];
    pub const SHA224: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04];
}

/// Just enough DER to walk to a certificate's signature algorithm.
mod der {
    pub const SEQUENCE: u8 = 0x30;
    pub const OID: u8 = 0x06;

    /// Reads one TLV with tag `tag` from the front of `input`: (contents, rest).
    pub fn expect(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
        let (&t, rest) = input.split_first()?;
        if t != tag {
            return None;
        }
        let (&first, mut rest) = rest.split_first()?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 {
                return None;
            }
            let (bytes, r) = (rest.get(..n)?, rest.get(n..)?);
            rest = r;
            bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
        };
        Some((rest.get(..len)?, rest.get(len..)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert_with_alg(oid: &[u8]) -> Vec<u8> {
        // SEQUENCE { SEQUENCE {} (tbs), SEQUENCE { OID }, BIT STRING {} }
        let mut alg = vec![der::OID, oid.len() as u8];
        alg.extend_from_slice(oid);
        let mut body = vec![0x30, 0x00, 0x30, alg.len() as u8];
        body.extend_from_slice(&alg);
        body.extend_from_slice(&[0x03, 0x01, 0x00]);
        let mut cert = vec![0x30, body.len() as u8];
        cert.extend_from_slice(&body);
        cert
    }

    #[test]
    fn end_point_hash_follows_rfc5929() {
        assert_eq!(
            end_point_hash(&cert_with_alg(oids::SHA1_RSA)),
            Some(EndPointHash::Sha256)
        );
        assert_eq!(
            end_point_hash(&cert_with_alg(oids::MD5_RSA)),
            Some(EndPointHash::Sha256)
        );
        assert_eq!(
            end_point_hash(&cert_with_alg(oids::ECDSA_SHA384)),
            Some(EndPointHash::Sha384)
        );
        assert_eq!(
            end_point_hash(&cert_with_alg(oids::SHA512_RSA)),
            Some(EndPointHash::Sha512)
        );
        // Ed25519 has no hash: no binding.
        assert_eq!(end_point_hash(&cert_with_alg(&[0x2b, 0x65, 0x70])), None);
        assert_eq!(end_point_hash(b"\x30\x80garbage"), None);
        assert_eq!(end_point_hash(b""), None);
        let c = cert_with_alg(oids::ECDSA_SHA256);
        assert_eq!(
            server_end_point(&c).unwrap(),
            sha2::Sha256::digest(&c).to_vec()
        );
    }
}
