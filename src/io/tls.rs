//! TLS with rustls (feature `tls`, plus `tls-blocking`, `tls-tokio` or `tls-futures` for an
//! adapter): the client's [`TlsConnector`], server configuration from PEM files, and
//! functions that run the TLS handshake on an established stream for each runtime.
//!
//! The crypto provider is rustls' `ring`, passed explicitly to every configuration built
//! here, so a dependency graph that also enables `aws-lc-rs` never makes rustls panic over an
//! ambiguous process default. (`ring` builds with a C compiler alone; `aws-lc-rs` would also
//! need cmake.)
//!
//! ```no_run
//! use wscore::io::tls::{self, TlsConnector};
//!
//! // Server: certificate chain and key from PEM files.
//! let server = tls::load_server_config("cert.pem", "key.pem")?;
//! // Client: trust a private CA in addition to nothing else.
//! let client = TlsConnector::with_roots(tls::load_root_certs("ca.pem")?);
//! # let _ = (server, client);
//! # Ok::<(), wscore::io::TlsError>(())
//! ```

use alloc::sync::Arc;
use alloc::vec::Vec;
use std::path::Path;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore, ServerConfig};

use super::connector::TlsError;

/// The rustls crate this module is built on, for building your own configurations.
pub use rustls;

/// The ALPN protocol offered and accepted: the WebSocket handshake is HTTP/1.1.
pub const ALPN_HTTP11: &[u8] = b"http/1.1";

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The client side's TLS settings: a shared `rustls::ClientConfig`.
///
/// The configurations built here offer ALPN `http/1.1`; one passed to [`new`](Self::new) is
/// used as it is. The server name (SNI, and the name the certificate is checked against) is
/// the URI's host, an IP address included.
#[derive(Clone, Debug)]
pub struct TlsConnector {
    config: Arc<ClientConfig>,
}

impl TlsConnector {
    /// Uses your own configuration as it is (set `alpn_protocols` to `http/1.1` yourself if
    /// the server needs ALPN).
    pub fn new(config: impl Into<Arc<ClientConfig>>) -> TlsConnector {
        TlsConnector {
            config: config.into(),
        }
    }

    /// Trusts exactly `roots`.
    pub fn with_roots(roots: RootCertStore) -> TlsConnector {
        let mut config = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .expect("ring supports the default protocol versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = alloc::vec![ALPN_HTTP11.to_vec()];
        TlsConnector::new(config)
    }

    /// Trusts the root stores compiled in: Mozilla's roots with feature `webpki-roots`, the
    /// operating system's with `native-roots` (both, when both are on). Without either, this
    /// is [`TlsError::NoRootStore`]. This is what `connect("wss://...")` uses.
    pub fn with_default_roots() -> Result<TlsConnector, TlsError> {
        Ok(TlsConnector::with_roots(default_roots()?))
    }

    /// [`with_default_roots`](Self::with_default_roots), built once per process and shared
    /// (loading the system's store reads many files).
    pub(crate) fn shared_default() -> Result<TlsConnector, TlsError> {
        static DEFAULT: std::sync::OnceLock<TlsConnector> = std::sync::OnceLock::new();
        if let Some(connector) = DEFAULT.get() {
            return Ok(connector.clone());
        }
        let connector = TlsConnector::with_default_roots()?;
        Ok(DEFAULT.get_or_init(|| connector).clone())
    }

    /// The same settings offering `protocols` in ALPN instead, most preferred first (e.g.
    /// `[b"h2", b"http/1.1"]` for WebSocket over HTTP/2 with HTTP/1.1 as the fallback).
    pub fn with_alpn(&self, protocols: &[&[u8]]) -> TlsConnector {
        let mut config = ClientConfig::clone(&self.config);
        config.alpn_protocols = protocols.iter().map(|p| p.to_vec()).collect();
        TlsConnector::new(config)
    }

    /// The configuration.
    pub fn config(&self) -> &Arc<ClientConfig> {
        &self.config
    }
}

/// The root certificates of the enabled root-store features (see
/// [`TlsConnector::with_default_roots`]).
pub fn default_roots() -> Result<RootCertStore, TlsError> {
    #[allow(unused_mut)]
    let mut roots = RootCertStore::empty();
    #[cfg(feature = "webpki-roots")]
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    #[cfg(feature = "native-roots")]
    {
        let loaded = rustls_native_certs::load_native_certs();
        let (added, _) = roots.add_parsable_certificates(loaded.certs);
        if added == 0 && !cfg!(feature = "webpki-roots") {
            let why = loaded
                .errors
                .first()
                .map(|e| alloc::format!("{e}"))
                .unwrap_or_else(|| "no certificates found".into());
            return Err(TlsError::NativeRoots(why));
        }
    }
    if !cfg!(any(feature = "webpki-roots", feature = "native-roots")) {
        return Err(TlsError::NoRootStore);
    }
    Ok(roots)
}

/// The TLS server name for a URI host: a DNS name or an IP address (IPv6 with or without
/// brackets).
pub fn server_name(host: &str) -> Result<ServerName<'static>, TlsError> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    ServerName::try_from(bare)
        .map(|name| name.to_owned())
        .map_err(|_| TlsError::InvalidServerName(bare.into()))
}

fn pem_error(path: &Path, e: impl core::fmt::Display) -> TlsError {
    TlsError::Pem(alloc::format!("{}: {e}", path.display()))
}

/// Reads every certificate from a PEM file (a chain: the server's certificate first).
pub fn load_certs(path: impl AsRef<Path>) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let path = path.as_ref();
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| pem_error(path, e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error(path, e))?;
    if certs.is_empty() {
        return Err(pem_error(path, "no certificate found"));
    }
    Ok(certs)
}

/// Reads the first private key (PKCS #8, PKCS #1 or SEC1) from a PEM file.
pub fn load_private_key(path: impl AsRef<Path>) -> Result<PrivateKeyDer<'static>, TlsError> {
    let path = path.as_ref();
    PrivateKeyDer::from_pem_file(path).map_err(|e| pem_error(path, e))
}

/// Reads trusted root certificates (a CA to trust, or a self-signed certificate) from a PEM
/// file.
pub fn load_root_certs(path: impl AsRef<Path>) -> Result<RootCertStore, TlsError> {
    let path = path.as_ref();
    let mut roots = RootCertStore::empty();
    for cert in load_certs(path)? {
        roots.add(cert).map_err(|e| pem_error(path, e))?;
    }
    Ok(roots)
}

/// A server configuration for a certificate chain and its key, with ALPN `http/1.1` and no
/// client authentication.
pub fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<ServerConfig>, TlsError> {
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Rustls(e.into()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| TlsError::Rustls(e.into()))?;
    config.alpn_protocols = alloc::vec![ALPN_HTTP11.to_vec()];
    Ok(Arc::new(config))
}

/// [`server_config`] from PEM files: the certificate chain and the private key.
pub fn load_server_config(
    cert_chain: impl AsRef<Path>,
    private_key: impl AsRef<Path>,
) -> Result<Arc<ServerConfig>, TlsError> {
    server_config(load_certs(cert_chain)?, load_private_key(private_key)?)
}

/// Maps an I/O error from a TLS handshake to [`TlsError::Handshake`] when rustls is behind it.
pub(crate) fn handshake_error(e: std::io::Error) -> super::Error {
    let is_rustls = e
        .get_ref()
        .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some());
    if is_rustls {
        let inner = e.into_inner().expect("checked above");
        let rustls = inner.downcast::<rustls::Error>().expect("checked above");
        super::Error::Tls(TlsError::Handshake((*rustls).into()))
    } else {
        super::Error::Io(e)
    }
}

/// The blocking TLS streams (feature `tls-blocking`).
#[cfg(feature = "tls-blocking")]
mod blocking_tls {
    use std::io::{Read, Write};

    use core::time::Duration;

    use rustls::{ClientConnection, ServerConnection, StreamOwned};

    use super::*;
    use crate::io::blocking::BlockingStream;
    use crate::io::Error;

    /// A client-side TLS stream over a blocking transport.
    pub type ClientTlsStream<S> = StreamOwned<ClientConnection, S>;
    /// A server-side TLS stream over a blocking transport.
    pub type ServerTlsStream<S> = StreamOwned<ServerConnection, S>;

    /// Drives the handshake to its end (rustls would otherwise run it lazily on first use).
    macro_rules! handshake {
        ($conn:ident, $stream:ident) => {
            while $conn.is_handshaking() {
                let (read, wrote) = $conn.complete_io(&mut $stream).map_err(handshake_error)?;
                if read == 0 && wrote == 0 && $conn.is_handshaking() {
                    return Err(Error::Io(std::io::ErrorKind::UnexpectedEof.into()));
                }
            }
        };
    }

    /// Client side: runs the TLS handshake with `host` (the URI's host: SNI and the name
    /// checked) over `stream`, blocking until it is done.
    pub fn connect_blocking<S: Read + Write>(
        connector: &TlsConnector,
        host: &str,
        stream: S,
    ) -> Result<ClientTlsStream<S>, Error> {
        let mut stream = stream;
        let mut conn = ClientConnection::new(connector.config.clone(), server_name(host)?)
            .map_err(|e| TlsError::Rustls(e.into()))?;
        handshake!(conn, stream);
        Ok(StreamOwned::new(conn, stream))
    }

    /// Server side: runs the TLS handshake over `stream`, blocking until it is done; then
    /// hand the stream to [`BlockingWebSocket::accept`](crate::io::blocking::BlockingWebSocket::accept).
    pub fn accept_blocking<S: Read + Write>(
        config: &Arc<ServerConfig>,
        stream: S,
    ) -> Result<ServerTlsStream<S>, Error> {
        let mut stream = stream;
        let mut conn =
            ServerConnection::new(config.clone()).map_err(|e| TlsError::Rustls(e.into()))?;
        handshake!(conn, stream);
        Ok(StreamOwned::new(conn, stream))
    }

    /// The connection's timers over TLS: the timeouts go to the socket underneath.
    impl<S: BlockingStream> BlockingStream for ClientTlsStream<S> {
        fn set_read_timeout(&mut self, timeout: Option<Duration>) -> std::io::Result<()> {
            self.sock.set_read_timeout(timeout)
        }
        fn set_write_timeout(&mut self, timeout: Option<Duration>) -> std::io::Result<()> {
            self.sock.set_write_timeout(timeout)
        }
    }

    /// The connection's timers over TLS: the timeouts go to the socket underneath.
    impl<S: BlockingStream> BlockingStream for ServerTlsStream<S> {
        fn set_read_timeout(&mut self, timeout: Option<Duration>) -> std::io::Result<()> {
            self.sock.set_read_timeout(timeout)
        }
        fn set_write_timeout(&mut self, timeout: Option<Duration>) -> std::io::Result<()> {
            self.sock.set_write_timeout(timeout)
        }
    }
}
#[cfg(feature = "tls-blocking")]
pub use blocking_tls::{accept_blocking, connect_blocking, ClientTlsStream, ServerTlsStream};

/// Client side: runs the TLS handshake with `host` over a tokio stream (feature `tls-tokio`).
#[cfg(feature = "tls-tokio")]
pub async fn connect_tokio<S>(
    connector: &TlsConnector,
    host: &str,
    stream: S,
) -> Result<tokio_rustls::client::TlsStream<S>, super::Error>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let name = server_name(host)?;
    tokio_rustls::TlsConnector::from(connector.config.clone())
        .connect(name, stream)
        .await
        .map_err(handshake_error)
}

/// Server side: runs the TLS handshake over a tokio stream (feature `tls-tokio`); then hand
/// the stream to [`tokio::accept`](crate::io::tokio::accept).
#[cfg(feature = "tls-tokio")]
pub async fn accept_tokio<S>(
    config: &Arc<ServerConfig>,
    stream: S,
) -> Result<tokio_rustls::server::TlsStream<S>, super::Error>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    tokio_rustls::TlsAcceptor::from(config.clone())
        .accept(stream)
        .await
        .map_err(handshake_error)
}

/// Client side: runs the TLS handshake with `host` over a futures-io stream (feature
/// `tls-futures`).
#[cfg(feature = "tls-futures")]
pub async fn connect_futures<S>(
    connector: &TlsConnector,
    host: &str,
    stream: S,
) -> Result<futures_rustls::client::TlsStream<S>, super::Error>
where
    S: futures_io::AsyncRead + futures_io::AsyncWrite + Unpin,
{
    let name = server_name(host)?;
    futures_rustls::TlsConnector::from(connector.config.clone())
        .connect(name, stream)
        .await
        .map_err(handshake_error)
}

/// Server side: runs the TLS handshake over a futures-io stream (feature `tls-futures`); then
/// hand the stream to [`futures::accept`](crate::io::futures::accept).
#[cfg(feature = "tls-futures")]
pub async fn accept_futures<S>(
    config: &Arc<ServerConfig>,
    stream: S,
) -> Result<futures_rustls::server::TlsStream<S>, super::Error>
where
    S: futures_io::AsyncRead + futures_io::AsyncWrite + Unpin,
{
    futures_rustls::TlsAcceptor::from(config.clone())
        .accept(stream)
        .await
        .map_err(handshake_error)
}
