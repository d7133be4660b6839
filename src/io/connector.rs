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
//! - [`BlockingConn`], [`TokioConn`], [`FuturesConn`]: the established stream per runtime,
//!   `Plain` or `Tls` ([`BlockingTlsStream`], [`TokioTlsStream`], [`FuturesTlsStream`]).
//!   Both variants exist in every build; without the adapter's TLS feature no `Tls` value
//!   can be made.
//!
//! A `wss://` URI without the adapter's TLS feature is refused before anything is
//! connected, with a [`TlsError::FeatureDisabled`] naming the feature to enable.
//!
//! The error types ([`TlsError`], [`RustlsError`], [`ProxyError`]) are plain data present
//! in every build, whatever the features: only the code that produces them is gated.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::error::Error;
#[cfg(feature = "proxy")]
use super::proxy::{Proxy, ProxyEnv};
#[cfg(feature = "tls")]
use super::tls::TlsConnector;
use crate::handshake::{HeadError, WsUri};

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
    Rustls(RustlsError),
    /// The TLS handshake failed (an untrusted certificate, a name mismatch, no common
    /// protocol...).
    Handshake(RustlsError),
}

#[cfg(feature = "tls")]
type RustlsInner = rustls::Error;
#[cfg(not(feature = "tls"))]
type RustlsInner = core::convert::Infallible;

/// An error from rustls, in a type that exists in every build: with feature `tls` it holds
/// a `rustls::Error` ([`get_ref`](Self::get_ref), [`into_inner`](Self::into_inner)); without
/// it, no value of it can be made.
#[derive(Clone, Debug, PartialEq)]
pub struct RustlsError(RustlsInner);

#[cfg(feature = "tls")]
impl RustlsError {
    /// The rustls error.
    pub fn get_ref(&self) -> &rustls::Error {
        &self.0
    }

    /// The rustls error, by value.
    pub fn into_inner(self) -> rustls::Error {
        self.0
    }
}

#[cfg(feature = "tls")]
impl From<rustls::Error> for RustlsError {
    fn from(e: rustls::Error) -> RustlsError {
        RustlsError(e)
    }
}

impl fmt::Display for RustlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for RustlsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        #[cfg(feature = "tls")]
        return Some(&self.0);
        #[cfg(not(feature = "tls"))]
        match self.0 {}
    }
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
            TlsError::Rustls(e) => write!(f, "TLS configuration: {e}"),
            TlsError::Handshake(e) => write!(f, "TLS handshake failed: {e}"),
        }
    }
}

impl std::error::Error for TlsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TlsError::Rustls(e) | TlsError::Handshake(e) => Some(e),
            _ => None,
        }
    }
}

/// Why a proxy could not be used, or how it refused (feature `proxy` produces it; the type
/// exists in every build).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyError {
    /// The proxy setting is not a usable `http://[user:pass@]host[:port]` (what is wrong,
    /// in words).
    InvalidProxy(&'static str),
    /// The proxy's scheme is not `http` (e.g. `https` or `socks5`, which are not supported).
    UnsupportedScheme(String),
    /// The proxy answered 407: credentials are missing or wrong.
    AuthenticationRequired(ProxyRefusal),
    /// The proxy answered 403: it does not allow this tunnel.
    Forbidden(ProxyRefusal),
    /// The proxy answered with another status outside 2xx (502 when it could not reach the
    /// server, for example).
    Refused(ProxyRefusal),
    /// The proxy's answer is not a valid HTTP/1.x response head, or is longer than the
    /// limits allow.
    InvalidResponse(HeadError),
    /// The proxy closed the connection before it finished its answer.
    UnexpectedEof,
}

/// A proxy's refusal of a `CONNECT` request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyRefusal {
    /// The response status.
    pub status: u16,
    /// The reason phrase, lossily decoded.
    pub reason: String,
    /// The `Proxy-Authenticate` challenge, for a 407.
    pub proxy_authenticate: Option<String>,
}

impl ProxyError {
    /// The status of a refusal, `None` for the other errors.
    pub fn status(&self) -> Option<u16> {
        match self {
            ProxyError::AuthenticationRequired(r)
            | ProxyError::Forbidden(r)
            | ProxyError::Refused(r) => Some(r.status),
            _ => None,
        }
    }
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxyError::InvalidProxy(why) => write!(f, "invalid proxy setting: {why}"),
            ProxyError::UnsupportedScheme(scheme) => write!(
                f,
                "unsupported proxy scheme `{scheme}` (only http:// CONNECT proxies are supported)"
            ),
            ProxyError::AuthenticationRequired(r) => write!(
                f,
                "proxy authentication required ({} {})",
                r.status, r.reason
            ),
            ProxyError::Forbidden(r) => {
                write!(f, "proxy refused the tunnel ({} {})", r.status, r.reason)
            }
            ProxyError::Refused(r) => {
                write!(f, "proxy refused the tunnel ({} {})", r.status, r.reason)
            }
            ProxyError::InvalidResponse(e) => write!(f, "invalid proxy response: {e}"),
            ProxyError::UnexpectedEof => {
                f.write_str("the proxy closed the connection during CONNECT")
            }
        }
    }
}

impl std::error::Error for ProxyError {}

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

    /// Offers `protocols` in TLS ALPN instead of the connector's own list (`wss://` only).
    #[cfg(all(feature = "tls", feature = "http2"))]
    pub(crate) fn offer_alpn(&mut self, protocols: &[&[u8]]) {
        self.tls = self.tls.as_ref().map(|tls| tls.with_alpn(protocols));
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

/// Matches an uninhabited value: the `Tls` variants without their TLS feature.
#[allow(dead_code)]
fn unreachable_tls(never: &core::convert::Infallible) -> ! {
    let never: core::convert::Infallible = *never;
    match never {}
}

/// Maps a timed-out read, write or connect before the deadline to [`Error::OpenTimeout`].
#[allow(dead_code)]
fn open_timed_out(e: Error) -> Error {
    match e {
        Error::Io(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            ) =>
        {
            Error::OpenTimeout
        }
        other => other,
    }
}

#[cfg(feature = "blocking")]
mod blocking_impl {
    use core::time::Duration;
    use std::io::{self, IoSlice, Read, Write};
    use std::net::{TcpStream, ToSocketAddrs};
    use std::time::Instant;

    use super::*;
    use crate::io::blocking::BlockingStream;

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

    impl<S: BlockingStream> BlockingStream for Prefixed<S> {
        fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
            self.inner.set_read_timeout(timeout)
        }
        fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
            self.inner.set_write_timeout(timeout)
        }
    }

    #[cfg(feature = "tls-blocking")]
    type TlsInner<S> = crate::io::tls::ClientTlsStream<Prefixed<S>>;
    #[cfg(not(feature = "tls-blocking"))]
    type TlsInner<S> = (core::convert::Infallible, core::marker::PhantomData<S>);

    /// The `Tls` half of [`BlockingConn`]: a rustls client stream over the (tunnelled)
    /// transport. The type exists in every build; only `tls-blocking` makes values of it.
    #[derive(Debug)]
    pub struct BlockingTlsStream<S: Read + Write>(TlsInner<S>);

    #[cfg(feature = "tls-blocking")]
    impl<S: Read + Write> BlockingTlsStream<S> {
        /// The rustls stream.
        pub fn get_ref(&self) -> &crate::io::tls::ClientTlsStream<Prefixed<S>> {
            &self.0
        }

        /// The rustls stream, mutably.
        pub fn get_mut(&mut self) -> &mut crate::io::tls::ClientTlsStream<Prefixed<S>> {
            &mut self.0
        }

        /// The rustls stream, by value.
        pub fn into_inner(self) -> crate::io::tls::ClientTlsStream<Prefixed<S>> {
            self.0
        }
    }

    /// The blocking client stream: plain, or TLS (made by feature `tls-blocking`), over a
    /// proxy tunnel or not. Implements [`BlockingStream`] by forwarding the timeouts to the
    /// transport underneath, so the connection's timers work over TLS too.
    #[derive(Debug)]
    #[non_exhaustive]
    pub enum BlockingConn<S: Read + Write = TcpStream> {
        /// `ws://`.
        Plain(Prefixed<S>),
        /// `wss://`.
        Tls(alloc::boxed::Box<BlockingTlsStream<S>>),
    }

    impl<S: Read + Write> BlockingConn<S> {
        /// The transport under the tunnel and TLS.
        pub fn get_ref(&self) -> &S {
            match self {
                BlockingConn::Plain(s) => s.get_ref(),
                #[cfg(feature = "tls-blocking")]
                BlockingConn::Tls(s) => s.0.get_ref().get_ref(),
                #[cfg(not(feature = "tls-blocking"))]
                BlockingConn::Tls(s) => unreachable_tls(&s.0 .0),
            }
        }

        /// The transport under the tunnel and TLS, mutably (reading from or writing to it
        /// directly corrupts the stream).
        pub fn get_mut(&mut self) -> &mut S {
            match self {
                BlockingConn::Plain(s) => s.get_mut(),
                #[cfg(feature = "tls-blocking")]
                BlockingConn::Tls(s) => s.0.get_mut().get_mut(),
                #[cfg(not(feature = "tls-blocking"))]
                BlockingConn::Tls(s) => unreachable_tls(&s.0 .0),
            }
        }
    }

    impl<S: BlockingStream> BlockingStream for BlockingConn<S> {
        fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
            self.get_mut().set_read_timeout(timeout)
        }
        fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
            self.get_mut().set_write_timeout(timeout)
        }
    }

    /// Calls `$e` with `$s` bound to the stream inside the variant.
    macro_rules! forward {
        ($this:ident, $s:ident => $e:expr) => {
            match $this {
                BlockingConn::Plain($s) => $e,
                #[cfg(feature = "tls-blocking")]
                BlockingConn::Tls(tls) => {
                    let $s = &mut tls.0;
                    $e
                }
                #[cfg(not(feature = "tls-blocking"))]
                BlockingConn::Tls(tls) => unreachable_tls(&tls.0 .0),
            }
        };
    }

    impl<S: Read + Write> Read for BlockingConn<S> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match self {
                BlockingConn::Plain(s) => s.read(buf),
                #[cfg(feature = "tls-blocking")]
                BlockingConn::Tls(s) => eof_without_close_notify(s.0.read(buf)),
                #[cfg(not(feature = "tls-blocking"))]
                BlockingConn::Tls(s) => unreachable_tls(&s.0 .0),
            }
        }
    }

    impl<S: Read + Write> Write for BlockingConn<S> {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            forward!(self, s => s.write(buf))
        }
        fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
            forward!(self, s => s.write_vectored(bufs))
        }
        fn flush(&mut self) -> io::Result<()> {
            forward!(self, s => s.flush())
        }
    }

    /// Sends `CONNECT` and reads the proxy's answer; returns the bytes after it.
    #[cfg(feature = "proxy")]
    fn tunnel<S: Read + Write>(stream: &mut S, route: &Route) -> Result<Vec<u8>, Error> {
        use crate::handshake::Limits;
        use crate::io::proxy::TunnelResponse;
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
    /// `wss://`. Bound the time it takes with the stream's own timeouts.
    pub fn establish_blocking<S: Read + Write>(
        stream: S,
        route: &Route,
    ) -> Result<BlockingConn<S>, Error> {
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
            return Ok(BlockingConn::Tls(alloc::boxed::Box::new(
                BlockingTlsStream(tls),
            )));
        }
        Ok(BlockingConn::Plain(stream))
    }

    /// The time left before `deadline`; a timeout once it has passed.
    fn left(deadline: Instant) -> Result<Duration, Error> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Error::OpenTimeout);
        }
        Ok(left)
    }

    /// Connects TCP to the first address of `(host, port)` that answers, each attempt
    /// bounded by the time left before `deadline`. (Name resolution itself is the system's
    /// and is not bounded.)
    fn connect_tcp(address: (&str, u16), deadline: Option<Instant>) -> Result<TcpStream, Error> {
        let Some(deadline) = deadline else {
            return Ok(TcpStream::connect(address)?);
        };
        let mut last = None;
        for addr in address.to_socket_addrs()? {
            match TcpStream::connect_timeout(&addr, left(deadline)?) {
                Ok(tcp) => return Ok(tcp),
                Err(e) => last = Some(e),
            }
        }
        Err(open_timed_out(Error::Io(last.unwrap_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, "the host has no address")
        }))))
    }

    /// Resolves the route for `uri`, connects TCP, and establishes the stream (tunnel, TLS),
    /// all within `timeout` (`None`: no bound): a slow step fails with
    /// [`Error::OpenTimeout`]. The socket's timeouts are cleared again on success.
    pub fn open_blocking(
        uri: &WsUri<'_>,
        options: &ConnectOptions,
        timeout: Option<Duration>,
    ) -> Result<BlockingConn<TcpStream>, Error> {
        require_tls(
            uri.is_secure(),
            "tls-blocking",
            cfg!(feature = "tls-blocking"),
        )?;
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let route = Route::new(uri, options)?;
        let mut tcp = connect_tcp(route.address(), deadline)?;
        tcp.set_nodelay(route.nodelay)?;
        if let Some(deadline) = deadline {
            let left = left(deadline)?;
            BlockingStream::set_read_timeout(&mut tcp, Some(left))?;
            BlockingStream::set_write_timeout(&mut tcp, Some(left))?;
        }
        let mut stream = establish_blocking(tcp, &route).map_err(|e| match deadline {
            Some(_) => open_timed_out(e),
            None => e,
        })?;
        if deadline.is_some() {
            stream.set_read_timeout(None)?;
            stream.set_write_timeout(None)?;
        }
        Ok(stream)
    }
}
#[cfg(feature = "blocking")]
pub use blocking_impl::{establish_blocking, open_blocking, BlockingConn, BlockingTlsStream};

#[cfg(feature = "tokio")]
mod tokio_impl {
    use core::pin::Pin;
    use core::task::{Context, Poll};
    use std::io::{self, IoSlice};

    use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
    use tokio::net::TcpStream;

    use super::*;

    #[cfg(feature = "tls-tokio")]
    type TlsInner<S> = tokio_rustls::client::TlsStream<Prefixed<S>>;
    #[cfg(not(feature = "tls-tokio"))]
    type TlsInner<S> = (core::convert::Infallible, core::marker::PhantomData<S>);

    /// The `Tls` half of [`TokioConn`]: a tokio-rustls client stream over the (tunnelled)
    /// transport. The type exists in every build; only `tls-tokio` makes values of it.
    #[derive(Debug)]
    pub struct TokioTlsStream<S>(TlsInner<S>);

    #[cfg(feature = "tls-tokio")]
    impl<S> TokioTlsStream<S> {
        /// The tokio-rustls stream.
        pub fn get_ref(&self) -> &tokio_rustls::client::TlsStream<Prefixed<S>> {
            &self.0
        }

        /// The tokio-rustls stream, mutably.
        pub fn get_mut(&mut self) -> &mut tokio_rustls::client::TlsStream<Prefixed<S>> {
            &mut self.0
        }

        /// The tokio-rustls stream, by value.
        pub fn into_inner(self) -> tokio_rustls::client::TlsStream<Prefixed<S>> {
            self.0
        }
    }

    /// Calls `$e` with `$s` bound to the pinned stream inside the variant.
    macro_rules! forward {
        ($this:ident, $s:ident => $e:expr) => {
            match $this.get_mut() {
                TokioConn::Plain($s) => {
                    let $s = Pin::new(&mut **$s);
                    $e
                }
                #[cfg(feature = "tls-tokio")]
                TokioConn::Tls(tls) => {
                    let $s = Pin::new(&mut tls.0);
                    $e
                }
                #[cfg(not(feature = "tls-tokio"))]
                TokioConn::Tls(tls) => unreachable_tls(&tls.0 .0),
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

    /// The tokio client stream: plain, or TLS (made by feature `tls-tokio`), over a proxy
    /// tunnel or not.
    #[derive(Debug)]
    #[non_exhaustive]
    pub enum TokioConn<S = TcpStream> {
        /// `ws://`.
        Plain(alloc::boxed::Box<Prefixed<S>>),
        /// `wss://`.
        Tls(alloc::boxed::Box<TokioTlsStream<S>>),
    }

    impl<S> TokioConn<S> {
        /// The transport under the tunnel and TLS.
        pub fn get_ref(&self) -> &S {
            match self {
                TokioConn::Plain(s) => s.get_ref(),
                #[cfg(feature = "tls-tokio")]
                TokioConn::Tls(s) => s.0.get_ref().0.get_ref(),
                #[cfg(not(feature = "tls-tokio"))]
                TokioConn::Tls(s) => unreachable_tls(&s.0 .0),
            }
        }
    }

    impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for TokioConn<S> {
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

    impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for TokioConn<S> {
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
                TokioConn::Plain(s) => s.is_write_vectored(),
                #[cfg(feature = "tls-tokio")]
                TokioConn::Tls(s) => s.0.is_write_vectored(),
                #[cfg(not(feature = "tls-tokio"))]
                TokioConn::Tls(s) => unreachable_tls(&s.0 .0),
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
        use crate::io::proxy::TunnelResponse;
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
    /// `wss://`. Bound it with `tokio::time::timeout` if you need to.
    pub async fn establish_tokio<S: AsyncRead + AsyncWrite + Unpin>(
        stream: S,
        route: &Route,
    ) -> Result<TokioConn<S>, Error> {
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
            return Ok(TokioConn::Tls(alloc::boxed::Box::new(TokioTlsStream(tls))));
        }
        Ok(TokioConn::Plain(alloc::boxed::Box::new(stream)))
    }

    /// Resolves the route for `uri`, connects TCP, and establishes the stream. Unbounded in
    /// time: [`tokio::connect_request`](crate::io::tokio::connect_request) bounds it (with
    /// the handshake) by [`Options::open_timeout`](crate::io::Options::open_timeout).
    pub async fn open_tokio(
        uri: &WsUri<'_>,
        options: &ConnectOptions,
    ) -> Result<TokioConn<TcpStream>, Error> {
        require_tls(uri.is_secure(), "tls-tokio", cfg!(feature = "tls-tokio"))?;
        let route = Route::new(uri, options)?;
        let tcp = TcpStream::connect(route.address()).await?;
        tcp.set_nodelay(route.nodelay)?;
        establish_tokio(tcp, &route).await
    }
}
#[cfg(feature = "tokio")]
pub use tokio_impl::{establish_tokio, open_tokio, TokioConn, TokioTlsStream};

#[cfg(feature = "futures-io")]
mod futures_impl {
    use core::pin::Pin;
    use core::task::{Context, Poll};
    use std::io::{self, IoSlice};

    use futures_io::{AsyncRead, AsyncWrite};

    use super::*;

    #[cfg(feature = "tls-futures")]
    type TlsInner<S> = futures_rustls::client::TlsStream<Prefixed<S>>;
    #[cfg(not(feature = "tls-futures"))]
    type TlsInner<S> = (core::convert::Infallible, core::marker::PhantomData<S>);

    /// The `Tls` half of [`FuturesConn`]: a futures-rustls client stream over the
    /// (tunnelled) transport. The type exists in every build; only `tls-futures` makes
    /// values of it.
    #[derive(Debug)]
    pub struct FuturesTlsStream<S>(TlsInner<S>);

    #[cfg(feature = "tls-futures")]
    impl<S> FuturesTlsStream<S> {
        /// The futures-rustls stream.
        pub fn get_ref(&self) -> &futures_rustls::client::TlsStream<Prefixed<S>> {
            &self.0
        }

        /// The futures-rustls stream, mutably.
        pub fn get_mut(&mut self) -> &mut futures_rustls::client::TlsStream<Prefixed<S>> {
            &mut self.0
        }

        /// The futures-rustls stream, by value.
        pub fn into_inner(self) -> futures_rustls::client::TlsStream<Prefixed<S>> {
            self.0
        }
    }

    /// Calls `$e` with `$s` bound to the pinned stream inside the variant.
    macro_rules! forward {
        ($this:ident, $s:ident => $e:expr) => {
            match $this.get_mut() {
                FuturesConn::Plain($s) => {
                    let $s = Pin::new(&mut **$s);
                    $e
                }
                #[cfg(feature = "tls-futures")]
                FuturesConn::Tls(tls) => {
                    let $s = Pin::new(&mut tls.0);
                    $e
                }
                #[cfg(not(feature = "tls-futures"))]
                FuturesConn::Tls(tls) => unreachable_tls(&tls.0 .0),
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

    /// The futures-io client stream: plain, or TLS (made by feature `tls-futures`), over a
    /// proxy tunnel or not.
    #[derive(Debug)]
    #[non_exhaustive]
    pub enum FuturesConn<S> {
        /// `ws://`.
        Plain(alloc::boxed::Box<Prefixed<S>>),
        /// `wss://`.
        Tls(alloc::boxed::Box<FuturesTlsStream<S>>),
    }

    impl<S> FuturesConn<S> {
        /// The transport under the tunnel and TLS.
        pub fn get_ref(&self) -> &S {
            match self {
                FuturesConn::Plain(s) => s.get_ref(),
                #[cfg(feature = "tls-futures")]
                FuturesConn::Tls(s) => s.0.get_ref().0.get_ref(),
                #[cfg(not(feature = "tls-futures"))]
                FuturesConn::Tls(s) => unreachable_tls(&s.0 .0),
            }
        }
    }

    impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for FuturesConn<S> {
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

    impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for FuturesConn<S> {
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
        use crate::io::proxy::TunnelResponse;
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
    ) -> Result<FuturesConn<S>, Error> {
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
            return Ok(FuturesConn::Tls(alloc::boxed::Box::new(FuturesTlsStream(
                tls,
            ))));
        }
        Ok(FuturesConn::Plain(alloc::boxed::Box::new(stream)))
    }
}
#[cfg(feature = "futures-io")]
pub use futures_impl::{establish_futures, FuturesConn, FuturesTlsStream};
