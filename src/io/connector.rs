//! The client's byte stream to a WebSocket server: TCP, then an optional HTTP CONNECT
//! tunnel (feature `proxy`), then optional TLS (`tls-blocking`, `tls-tokio`, `tls-futures`).
//!
//! This layer knows nothing of WebSocket framing: it produces an established stream that
//! any adapter's `connect_with` then speaks the handshake over.
//!
//! - [`ConnectOptions`]: the proxy choice and the TLS settings (defaults: the proxy from
//!   the environment, the root stores compiled in).
//! - [`Route`]: the plan for one URI: where the TCP connection goes, through which proxy,
//!   with which TLS settings. Pure: no I/O.
//! - [`open_blocking`], [`open_tokio`]: resolve, connect TCP, tunnel, TLS.
//! - [`establish_blocking`], [`establish_tokio`], [`establish_futures`]: tunnel and TLS over
//!   a stream you connected to [`Route::address`] yourself (futures-io has no sockets of its
//!   own: use smol's or async-std's `TcpStream`).
//!
//! A `wss://` URI without the adapter's TLS feature is refused before anything is
//! connected, with a [`TlsError::FeatureDisabled`] naming the feature to enable.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::error::Error;
#[cfg(feature = "proxy")]
use super::proxy::{Proxy, ProxyEnv};
#[cfg(feature = "tls")]
use super::tls::TlsConnector;
use crate::handshake::WsUri;

/// Why TLS could not be set up.
#[derive(Debug)]
#[non_exhaustive]
pub enum TlsError {
    /// The URI is `wss://` but the adapter's TLS feature (named) is off.
    FeatureDisabled(&'static str),
    /// No root certificates: enable `webpki-roots` or `native-roots`, or pass your own
    /// configuration.
    NoRootStore,
    /// The operating system's root certificates could not be loaded.
    NativeRoots(String),
    /// The URI's host is not a valid TLS server name.
    InvalidServerName(String),
    /// A PEM file could not be read or holds no usable item (path and reason).
    Pem(String),
    /// rustls refused the configuration.
    #[cfg(feature = "tls")]
    Rustls(rustls::Error),
    /// The TLS handshake failed (an untrusted certificate, a name mismatch, no common
    /// protocol...).
    #[cfg(feature = "tls")]
    Handshake(rustls::Error),
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsError::FeatureDisabled(feature) => write!(
                f,
                "wss:// needs TLS: enable the `{feature}` feature of wscore"
            ),
            TlsError::NoRootStore => f.write_str(
                "no TLS root certificates: enable the `webpki-roots` or `native-roots` feature \
                 of wscore, or pass your own rustls::ClientConfig",
            ),
            TlsError::NativeRoots(why) => {
                write!(f, "could not load the system's root certificates: {why}")
            }
            TlsError::InvalidServerName(name) => write!(f, "invalid TLS server name `{name}`"),
            TlsError::Pem(why) => write!(f, "PEM file: {why}"),
            #[cfg(feature = "tls")]
            TlsError::Rustls(e) => write!(f, "TLS configuration: {e}"),
            #[cfg(feature = "tls")]
            TlsError::Handshake(e) => write!(f, "TLS handshake failed: {e}"),
        }
    }
}

impl std::error::Error for TlsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            #[cfg(feature = "tls")]
            TlsError::Rustls(e) | TlsError::Handshake(e) => Some(e),
            _ => None,
        }
    }
}

/// Which proxy a client uses.
#[cfg(feature = "proxy")]
#[derive(Clone, Debug, Default)]
enum ProxyChoice {
    #[default]
    Env,
    Direct,
    Via(Proxy),
}

/// How a client reaches a server: the proxy and the TLS settings.
///
/// The default reads the proxy from the environment (feature `proxy`: `HTTPS_PROXY`,
/// `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`) and, for `wss://`, trusts the root stores
/// compiled in (features `webpki-roots`, `native-roots`).
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    #[cfg(feature = "proxy")]
    proxy: ProxyChoice,
    #[cfg(feature = "tls")]
    tls: Option<TlsConnector>,
    nodelay: bool,
}

impl Default for ConnectOptions {
    fn default() -> ConnectOptions {
        ConnectOptions::new()
    }
}

impl ConnectOptions {
    /// The defaults (see the type's documentation).
    pub fn new() -> ConnectOptions {
        ConnectOptions {
            #[cfg(feature = "proxy")]
            proxy: ProxyChoice::Env,
            #[cfg(feature = "tls")]
            tls: None,
            nodelay: true,
        }
    }

    /// Tunnels through `proxy`, whatever the environment says.
    #[cfg(feature = "proxy")]
    pub fn proxy(mut self, proxy: Proxy) -> ConnectOptions {
        self.proxy = ProxyChoice::Via(proxy);
        self
    }

    /// Connects directly, whatever the environment says.
    #[cfg(feature = "proxy")]
    pub fn no_proxy(mut self) -> ConnectOptions {
        self.proxy = ProxyChoice::Direct;
        self
    }

    /// Uses these TLS settings for `wss://` (your own `rustls::ClientConfig`, a private CA).
    #[cfg(feature = "tls")]
    pub fn tls(mut self, connector: TlsConnector) -> ConnectOptions {
        self.tls = Some(connector);
        self
    }

    /// Sets `TCP_NODELAY` on sockets this layer opens (default: on).
    pub fn nodelay(mut self, nodelay: bool) -> ConnectOptions {
        self.nodelay = nodelay;
        self
    }
}

/// The plan for reaching one URI: the target, the proxy in between if any, the TLS
/// settings if `wss://`. Built without I/O.
#[derive(Clone, Debug)]
pub struct Route {
    /// Target host, IPv6 without brackets.
    host: String,
    port: u16,
    secure: bool,
    #[cfg(feature = "proxy")]
    proxy: Option<Proxy>,
    #[cfg(feature = "tls")]
    tls: Option<TlsConnector>,
    nodelay: bool,
}

impl Route {
    /// Resolves `options` for `uri`: picks the proxy (from the environment unless set) and,
    /// for `wss://` with a TLS feature on, the TLS settings (the default root stores unless
    /// set, which fails with [`TlsError::NoRootStore`] when there are none).
    pub fn new(uri: &WsUri<'_>, options: &ConnectOptions) -> Result<Route, Error> {
        let host = String::from(uri.host_unbracketed());
        #[cfg(feature = "proxy")]
        let proxy = match &options.proxy {
            ProxyChoice::Env => {
                ProxyEnv::from_env().proxy_for(uri.is_secure(), &host, uri.port())?
            }
            ProxyChoice::Direct => None,
            ProxyChoice::Via(proxy) => Some(proxy.clone()),
        };
        #[cfg(feature = "tls")]
        let tls = match (&options.tls, uri.is_secure()) {
            (Some(connector), true) => Some(connector.clone()),
            (None, true) => Some(TlsConnector::shared_default()?),
            (_, false) => None,
        };
        Ok(Route {
            host,
            port: uri.port(),
            secure: uri.is_secure(),
            #[cfg(feature = "proxy")]
            proxy,
            #[cfg(feature = "tls")]
            tls,
            nodelay: options.nodelay,
        })
    }

    /// Where the TCP connection goes: the proxy, or the server itself.
    pub fn address(&self) -> (&str, u16) {
        #[cfg(feature = "proxy")]
        if let Some(proxy) = &self.proxy {
            return (proxy.host(), proxy.port());
        }
        (&self.host, self.port)
    }

    /// The server's host (IPv6 without brackets) and port.
    pub fn target(&self) -> (&str, u16) {
        (&self.host, self.port)
    }

    /// Whether to set `TCP_NODELAY` on the socket (see [`ConnectOptions::nodelay`]).
    pub fn nodelay(&self) -> bool {
        self.nodelay
    }

    /// Whether the URI is `wss://`.
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// The proxy the connection tunnels through, if any.
    #[cfg(feature = "proxy")]
    pub fn proxy(&self) -> Option<&Proxy> {
        self.proxy.as_ref()
    }

    #[cfg(any(
        feature = "tls-blocking",
        feature = "tls-tokio",
        feature = "tls-futures"
    ))]
    fn tls_connector(&self) -> Result<&TlsConnector, Error> {
        self.tls.as_ref().ok_or(Error::Tls(TlsError::NoRootStore))
    }
}

/// Refuses `wss://` (`secure`) when the adapter's TLS feature (`feature`, `enabled`) is off.
fn require_tls(secure: bool, feature: &'static str, enabled: bool) -> Result<(), Error> {
    if secure && !enabled {
        return Err(Error::Tls(TlsError::FeatureDisabled(feature)));
    }
    Ok(())
}

/// Reads a TCP close without TLS `close_notify` as the end of the stream.
///
/// rustls reports it as `UnexpectedEof` so that protocols without an end marker notice a
/// truncation. WebSocket has its own (the closing handshake): the connection decides whether
/// the end came too early, exactly as over plain TCP. Servers that close without
/// `close_notify` after the closing handshake (the blocking adapter's, many others) then end
/// the connection cleanly.
#[allow(dead_code)]
fn eof_without_close_notify<T: Default>(result: std::io::Result<T>) -> std::io::Result<T> {
    match result {
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(T::default()),
        other => other,
    }
}

/// A stream that first yields bytes already read from it (what a proxy sent after its
/// answer to `CONNECT`), then reads on. Writes go straight through.
#[derive(Debug)]
pub struct Prefixed<S> {
    prefix: Vec<u8>,
    at: usize,
    inner: S,
}

impl<S> Prefixed<S> {
    /// `inner`, with `prefix` to be read first.
    pub fn new(prefix: Vec<u8>, inner: S) -> Prefixed<S> {
        Prefixed {
            prefix,
            at: 0,
            inner,
        }
    }

    /// The stream inside.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The stream inside, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Copies pending prefix bytes into `buf`; 0 when the prefix is used up.
    fn take_prefix(&mut self, buf: &mut [u8]) -> usize {
        let pending = &self.prefix[self.at..];
        let n = pending.len().min(buf.len());
        buf[..n].copy_from_slice(&pending[..n]);
        self.at += n;
        if self.at == self.prefix.len() && n > 0 {
            self.prefix = Vec::new();
            self.at = 0;
        }
        n
    }

    fn has_prefix(&self) -> bool {
        self.at < self.prefix.len()
    }
}

#[cfg(feature = "blocking")]
mod blocking_impl {
    use std::io::{self, IoSlice, Read, Write};
    use std::net::TcpStream;

    use super::*;

    impl<S: Read> Read for Prefixed<S> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.has_prefix() && !buf.is_empty() {
                return Ok(self.take_prefix(buf));
            }
            self.inner.read(buf)
        }
    }

    impl<S: Write> Write for Prefixed<S> {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.inner.write(buf)
        }
        fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
            self.inner.write_vectored(bufs)
        }
        fn flush(&mut self) -> io::Result<()> {
            self.inner.flush()
        }
    }

    /// The blocking client stream: plain, or TLS (feature `tls-blocking`), over a proxy
    /// tunnel or not.
    #[derive(Debug)]
    #[non_exhaustive]
    pub enum BlockingStream<S: Read + Write = TcpStream> {
        /// `ws://`.
        Plain(Prefixed<S>),
        /// `wss://`.
        #[cfg(feature = "tls-blocking")]
        Tls(alloc::boxed::Box<crate::io::tls::ClientTlsStream<Prefixed<S>>>),
    }

    impl<S: Read + Write> BlockingStream<S> {
        /// The transport under the tunnel and TLS.
        pub fn get_ref(&self) -> &S {
            match self {
                BlockingStream::Plain(s) => s.get_ref(),
                #[cfg(feature = "tls-blocking")]
                BlockingStream::Tls(s) => s.get_ref().get_ref(),
            }
        }
    }

    impl BlockingStream<TcpStream> {
        /// Sets the socket's read timeout; pass `|s, t| s.set_read_timeout(t)` to
        /// `blocking::WebSocket::set_timer_hook` to drive the connection's timers.
        pub fn set_read_timeout(&self, timeout: Option<core::time::Duration>) -> io::Result<()> {
            self.get_ref().set_read_timeout(timeout)
        }
    }

    impl<S: Read + Write> Read for BlockingStream<S> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match self {
                BlockingStream::Plain(s) => s.read(buf),
                #[cfg(feature = "tls-blocking")]
                BlockingStream::Tls(s) => eof_without_close_notify(s.read(buf)),
            }
        }
    }

    impl<S: Read + Write> Write for BlockingStream<S> {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            match self {
                BlockingStream::Plain(s) => s.write(buf),
                #[cfg(feature = "tls-blocking")]
                BlockingStream::Tls(s) => s.write(buf),
            }
        }
        fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
            match self {
                BlockingStream::Plain(s) => s.write_vectored(bufs),
                #[cfg(feature = "tls-blocking")]
                BlockingStream::Tls(s) => s.write_vectored(bufs),
            }
        }
        fn flush(&mut self) -> io::Result<()> {
            match self {
                BlockingStream::Plain(s) => s.flush(),
                #[cfg(feature = "tls-blocking")]
                BlockingStream::Tls(s) => s.flush(),
            }
        }
    }

    /// Sends `CONNECT` and reads the proxy's answer; returns the bytes after it.
    #[cfg(feature = "proxy")]
    fn tunnel<S: Read + Write>(stream: &mut S, route: &Route) -> Result<Vec<u8>, Error> {
        use crate::handshake::Limits;
        use crate::io::proxy::{ProxyError, TunnelResponse};
        let Some(proxy) = route.proxy() else {
            return Ok(Vec::new());
        };
        stream.write_all(&proxy.connect_request(&route.host, route.port))?;
        stream.flush()?;
        let mut response = TunnelResponse::new(&Limits::DEFAULT);
        let mut buf = Vec::new();
        let mut chunk = [0u8; 1024];
        loop {
            if let Some(len) = response.check(&buf)? {
                return Ok(buf.split_off(len));
            }
            let n = loop {
                match stream.read(&mut chunk) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    other => break other?,
                }
            };
            if n == 0 {
                return Err(ProxyError::UnexpectedEof.into());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Over `stream`, connected to [`Route::address`]: the proxy tunnel if any, then TLS for
    /// `wss://`.
    pub fn establish_blocking<S: Read + Write>(
        stream: S,
        route: &Route,
    ) -> Result<BlockingStream<S>, Error> {
        require_tls(route.secure, "tls-blocking", cfg!(feature = "tls-blocking"))?;
        #[allow(unused_mut)]
        let mut stream = stream;
        #[cfg(feature = "proxy")]
        let leftover = tunnel(&mut stream, route)?;
        #[cfg(not(feature = "proxy"))]
        let leftover = Vec::new();
        let stream = Prefixed::new(leftover, stream);
        #[cfg(feature = "tls-blocking")]
        if route.secure {
            let tls =
                crate::io::tls::connect_blocking(route.tls_connector()?, &route.host, stream)?;
            return Ok(BlockingStream::Tls(alloc::boxed::Box::new(tls)));
        }
        Ok(BlockingStream::Plain(stream))
    }

    /// Resolves the route for `uri`, connects TCP, and establishes the stream.
    pub fn open_blocking(
        uri: &WsUri<'_>,
        options: &ConnectOptions,
    ) -> Result<BlockingStream<TcpStream>, Error> {
        require_tls(
            uri.is_secure(),
            "tls-blocking",
            cfg!(feature = "tls-blocking"),
        )?;
        let route = Route::new(uri, options)?;
        let tcp = TcpStream::connect(route.address())?;
        tcp.set_nodelay(route.nodelay)?;
        establish_blocking(tcp, &route)
    }
}
#[cfg(feature = "blocking")]
pub use blocking_impl::{establish_blocking, open_blocking, BlockingStream};

#[cfg(feature = "tokio")]
mod tokio_impl {
    use core::pin::Pin;
    use core::task::{Context, Poll};
    use std::io::{self, IoSlice};

    use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
    use tokio::net::TcpStream;

    use super::*;

    /// Calls `$e` with `$s` bound to the pinned variant inside.
    macro_rules! forward {
        ($this:ident, $s:ident => $e:expr) => {
            match $this.get_mut() {
                TokioStream::Plain($s) => {
                    let $s = Pin::new(&mut **$s);
                    $e
                }
                #[cfg(feature = "tls-tokio")]
                TokioStream::Tls($s) => {
                    let $s = Pin::new(&mut **$s);
                    $e
                }
            }
        };
    }

    impl<S: AsyncRead + Unpin> AsyncRead for Prefixed<S> {
        fn poll_read(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let this = self.get_mut();
            if this.has_prefix() && buf.remaining() > 0 {
                let n = this.take_prefix(buf.initialize_unfilled());
                buf.advance(n);
                return Poll::Ready(Ok(()));
            }
            Pin::new(&mut this.inner).poll_read(cx, buf)
        }
    }

    impl<S: AsyncWrite + Unpin> AsyncWrite for Prefixed<S> {
        fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
        }
        fn poll_write_vectored(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
        }
        fn is_write_vectored(&self) -> bool {
            self.inner.is_write_vectored()
        }
        fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.get_mut().inner).poll_flush(cx)
        }
        fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
        }
    }

    /// The tokio client stream: plain, or TLS (feature `tls-tokio`), over a proxy tunnel or
    /// not.
    #[derive(Debug)]
    #[non_exhaustive]
    pub enum TokioStream<S = TcpStream> {
        /// `ws://`.
        Plain(alloc::boxed::Box<Prefixed<S>>),
        /// `wss://`.
        #[cfg(feature = "tls-tokio")]
        Tls(alloc::boxed::Box<tokio_rustls::client::TlsStream<Prefixed<S>>>),
    }

    impl<S> TokioStream<S> {
        /// The transport under the tunnel and TLS.
        pub fn get_ref(&self) -> &S {
            match self {
                TokioStream::Plain(s) => s.get_ref(),
                #[cfg(feature = "tls-tokio")]
                TokioStream::Tls(s) => s.get_ref().0.get_ref(),
            }
        }
    }

    impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for TokioStream<S> {
        fn poll_read(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            match forward!(self, s => s.poll_read(cx, buf)) {
                Poll::Ready(r) => Poll::Ready(eof_without_close_notify(r)),
                Poll::Pending => Poll::Pending,
            }
        }
    }

    impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for TokioStream<S> {
        fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            forward!(self, s => s.poll_write(cx, buf))
        }
        fn poll_write_vectored(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            forward!(self, s => s.poll_write_vectored(cx, bufs))
        }
        fn is_write_vectored(&self) -> bool {
            match self {
                TokioStream::Plain(s) => s.is_write_vectored(),
                #[cfg(feature = "tls-tokio")]
                TokioStream::Tls(s) => s.is_write_vectored(),
            }
        }
        fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            forward!(self, s => s.poll_flush(cx))
        }
        fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            forward!(self, s => s.poll_shutdown(cx))
        }
    }

    #[cfg(feature = "proxy")]
    async fn tunnel<S: AsyncRead + AsyncWrite + Unpin>(
        stream: &mut S,
        route: &Route,
    ) -> Result<Vec<u8>, Error> {
        use core::future::poll_fn;

        use crate::handshake::Limits;
        use crate::io::proxy::{ProxyError, TunnelResponse};
        let Some(proxy) = route.proxy() else {
            return Ok(Vec::new());
        };
        let request = proxy.connect_request(&route.host, route.port);
        let mut sent = 0;
        while sent < request.len() {
            let n = poll_fn(|cx| Pin::new(&mut *stream).poll_write(cx, &request[sent..])).await?;
            if n == 0 {
                return Err(Error::Io(io::ErrorKind::WriteZero.into()));
            }
            sent += n;
        }
        poll_fn(|cx| Pin::new(&mut *stream).poll_flush(cx)).await?;
        let mut response = TunnelResponse::new(&Limits::DEFAULT);
        let mut buf = Vec::new();
        let mut chunk = [0u8; 1024];
        loop {
            if let Some(len) = response.check(&buf)? {
                return Ok(buf.split_off(len));
            }
            let n = poll_fn(|cx| {
                let mut read = ReadBuf::new(&mut chunk);
                Pin::new(&mut *stream)
                    .poll_read(cx, &mut read)
                    .map_ok(|()| read.filled().len())
            })
            .await?;
            if n == 0 {
                return Err(ProxyError::UnexpectedEof.into());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Over `stream`, connected to [`Route::address`]: the proxy tunnel if any, then TLS for
    /// `wss://`.
    pub async fn establish_tokio<S: AsyncRead + AsyncWrite + Unpin>(
        stream: S,
        route: &Route,
    ) -> Result<TokioStream<S>, Error> {
        require_tls(route.secure, "tls-tokio", cfg!(feature = "tls-tokio"))?;
        #[allow(unused_mut)]
        let mut stream = stream;
        #[cfg(feature = "proxy")]
        let leftover = tunnel(&mut stream, route).await?;
        #[cfg(not(feature = "proxy"))]
        let leftover = Vec::new();
        let stream = Prefixed::new(leftover, stream);
        #[cfg(feature = "tls-tokio")]
        if route.secure {
            let tls =
                crate::io::tls::connect_tokio(route.tls_connector()?, &route.host, stream).await?;
            return Ok(TokioStream::Tls(alloc::boxed::Box::new(tls)));
        }
        Ok(TokioStream::Plain(alloc::boxed::Box::new(stream)))
    }

    /// Resolves the route for `uri`, connects TCP, and establishes the stream.
    pub async fn open_tokio(
        uri: &WsUri<'_>,
        options: &ConnectOptions,
    ) -> Result<TokioStream<TcpStream>, Error> {
        require_tls(uri.is_secure(), "tls-tokio", cfg!(feature = "tls-tokio"))?;
        let route = Route::new(uri, options)?;
        let tcp = TcpStream::connect(route.address()).await?;
        tcp.set_nodelay(route.nodelay)?;
        establish_tokio(tcp, &route).await
    }
}
#[cfg(feature = "tokio")]
pub use tokio_impl::{establish_tokio, open_tokio, TokioStream};

#[cfg(feature = "futures-io")]
mod futures_impl {
    use core::pin::Pin;
    use core::task::{Context, Poll};
    use std::io::{self, IoSlice};

    use futures_io::{AsyncRead, AsyncWrite};

    use super::*;

    /// Calls `$e` with `$s` bound to the pinned variant inside.
    macro_rules! forward {
        ($this:ident, $s:ident => $e:expr) => {
            match $this.get_mut() {
                FuturesStream::Plain($s) => {
                    let $s = Pin::new(&mut **$s);
                    $e
                }
                #[cfg(feature = "tls-futures")]
                FuturesStream::Tls($s) => {
                    let $s = Pin::new(&mut **$s);
                    $e
                }
            }
        };
    }

    impl<S: AsyncRead + Unpin> AsyncRead for Prefixed<S> {
        fn poll_read(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            let this = self.get_mut();
            if this.has_prefix() && !buf.is_empty() {
                return Poll::Ready(Ok(this.take_prefix(buf)));
            }
            Pin::new(&mut this.inner).poll_read(cx, buf)
        }
    }

    impl<S: AsyncWrite + Unpin> AsyncWrite for Prefixed<S> {
        fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
        }
        fn poll_write_vectored(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
        }
        fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.get_mut().inner).poll_flush(cx)
        }
        fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.get_mut().inner).poll_close(cx)
        }
    }

    /// The futures-io client stream: plain, or TLS (feature `tls-futures`), over a proxy
    /// tunnel or not.
    #[derive(Debug)]
    #[non_exhaustive]
    pub enum FuturesStream<S> {
        /// `ws://`.
        Plain(alloc::boxed::Box<Prefixed<S>>),
        /// `wss://`.
        #[cfg(feature = "tls-futures")]
        Tls(alloc::boxed::Box<futures_rustls::client::TlsStream<Prefixed<S>>>),
    }

    impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for FuturesStream<S> {
        fn poll_read(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            match forward!(self, s => s.poll_read(cx, buf)) {
                Poll::Ready(r) => Poll::Ready(eof_without_close_notify(r)),
                Poll::Pending => Poll::Pending,
            }
        }
    }

    impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for FuturesStream<S> {
        fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            forward!(self, s => s.poll_write(cx, buf))
        }
        fn poll_write_vectored(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            forward!(self, s => s.poll_write_vectored(cx, bufs))
        }
        fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            forward!(self, s => s.poll_flush(cx))
        }
        fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            forward!(self, s => s.poll_close(cx))
        }
    }

    #[cfg(feature = "proxy")]
    async fn tunnel<S: AsyncRead + AsyncWrite + Unpin>(
        stream: &mut S,
        route: &Route,
    ) -> Result<Vec<u8>, Error> {
        use core::future::poll_fn;

        use crate::handshake::Limits;
        use crate::io::proxy::{ProxyError, TunnelResponse};
        let Some(proxy) = route.proxy() else {
            return Ok(Vec::new());
        };
        let request = proxy.connect_request(&route.host, route.port);
        let mut sent = 0;
        while sent < request.len() {
            let n = poll_fn(|cx| Pin::new(&mut *stream).poll_write(cx, &request[sent..])).await?;
            if n == 0 {
                return Err(Error::Io(io::ErrorKind::WriteZero.into()));
            }
            sent += n;
        }
        poll_fn(|cx| Pin::new(&mut *stream).poll_flush(cx)).await?;
        let mut response = TunnelResponse::new(&Limits::DEFAULT);
        let mut buf = Vec::new();
        let mut chunk = [0u8; 1024];
        loop {
            if let Some(len) = response.check(&buf)? {
                return Ok(buf.split_off(len));
            }
            let n = poll_fn(|cx| Pin::new(&mut *stream).poll_read(cx, &mut chunk)).await?;
            if n == 0 {
                return Err(ProxyError::UnexpectedEof.into());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Over `stream`, connected to [`Route::address`]: the proxy tunnel if any, then TLS for
    /// `wss://`.
    pub async fn establish_futures<S: AsyncRead + AsyncWrite + Unpin>(
        stream: S,
        route: &Route,
    ) -> Result<FuturesStream<S>, Error> {
        require_tls(route.secure, "tls-futures", cfg!(feature = "tls-futures"))?;
        #[allow(unused_mut)]
        let mut stream = stream;
        #[cfg(feature = "proxy")]
        let leftover = tunnel(&mut stream, route).await?;
        #[cfg(not(feature = "proxy"))]
        let leftover = Vec::new();
        let stream = Prefixed::new(leftover, stream);
        #[cfg(feature = "tls-futures")]
        if route.secure {
            let tls = crate::io::tls::connect_futures(route.tls_connector()?, &route.host, stream)
                .await?;
            return Ok(FuturesStream::Tls(alloc::boxed::Box::new(tls)));
        }
        Ok(FuturesStream::Plain(alloc::boxed::Box::new(stream)))
    }
}
#[cfg(feature = "futures-io")]
pub use futures_impl::{establish_futures, FuturesStream};
