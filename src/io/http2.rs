//! WebSockets over HTTP/2 for the tokio client (feature `http2`, RFC 8441), on hyper's
//! HTTP/2 client.
//!
//! [`connect`] opens an HTTP/2 connection (`wss://`: TLS offering ALPN `h2` then
//! `http/1.1`; `ws://`: cleartext HTTP/2 with prior knowledge), waits for the server's
//! `SETTINGS`, and, when they enable extended CONNECT (RFC 8441 3), opens the WebSocket on
//! one stream with `CONNECT` + `:protocol websocket`. When the server cannot (TLS chose
//! `http/1.1`, no extended CONNECT, or no HTTP/2 at all) it falls back to the HTTP/1.1
//! Upgrade: on the same TLS connection when ALPN chose `http/1.1`, on a new connection
//! otherwise. [`Http2Conn::is_http2`] says which one carried it.
//!
//! [`Http2Connection`] keeps one HTTP/2 connection and opens any number of WebSockets on
//! it, each on its own stream (no fallback there: it is HTTP/2 or an error).
//!
//! The stream's end (`END_STREAM`) is the WebSocket's end of input, as a TCP FIN is over
//! HTTP/1.1, and a reset (`RST_STREAM`) is a read or write error, as a TCP RST is (RFC 8441
//! 6). Closing the WebSocket ends the stream; dropping it resets the stream. The HTTP/2
//! connection closes once its last WebSocket and every [`Http2Connection`] handle are gone.
//!
//! ```no_run
//! use futures_util::{SinkExt, StreamExt};
//! use wscore::io::{http2, Message};
//!
//! # async fn demo() -> Result<(), wscore::io::Error> {
//! let mut ws = http2::connect("wss://example.com/chat", wscore::Config::default()).await?;
//! println!("over HTTP/2: {}", ws.get_ref().0.is_http2());
//! ws.send(Message::text("hello")).await?;
//! let echo = ws.next().await;
//!
//! // Several WebSockets on one HTTP/2 connection:
//! let options = wscore::io::Options::default();
//! let h2 = http2::Http2Connection::open("wss://example.com/", &options).await?;
//! let a = h2.websocket_uri("wss://example.com/a", wscore::Config::default(), &options).await?;
//! let b = h2.websocket_uri("wss://example.com/b", wscore::Config::default(), &options).await?;
//! # Ok(()) }
//! ```

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::convert::Infallible;
use core::future::poll_fn;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use core::time::Duration;
use std::io::{self, IoSlice};
use std::sync::Mutex;

use hyper::body::{Body, Bytes, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::connector::{establish_tokio, open_tokio, Route, TokioConn};
use super::error::{Error, Http2Error, Rejected};
use super::opening::{build_error, nonce, OsEntropy, StdConnection};
use super::options::Options;
use super::tokio::{within, TokioIo, TokioWebSocket};
use crate::handshake::{
    http_interop, negotiate, ClientFailure, ClientFailureKind, ClientRequest, WsUri,
};
use crate::Config;

/// The most of a refusal's body kept in [`Rejected::body`].
const MAX_REJECTION_BODY: usize = 16 * 1024;

/// The stream under a WebSocket opened by [`connect`]: an HTTP/2 stream, or the HTTP/1.1
/// connection it fell back to.
#[derive(Debug)]
#[non_exhaustive]
pub enum Http2Conn {
    /// RFC 8441: one stream of an HTTP/2 connection.
    Http2(Box<Http2Stream>),
    /// The HTTP/1.1 Upgrade, after the server could not take the WebSocket over HTTP/2.
    Http1(TokioConn),
}

impl Http2Conn {
    /// Whether the WebSocket runs over HTTP/2.
    pub fn is_http2(&self) -> bool {
        matches!(self, Http2Conn::Http2(_))
    }
}

/// One HTTP/2 stream carrying a WebSocket (RFC 8441). It holds its connection open.
pub struct Http2Stream {
    io: hyper_util::rt::TokioIo<hyper::upgrade::Upgraded>,
    _connection: hyper::client::conn::http2::SendRequest<NoBody>,
}

impl core::fmt::Debug for Http2Stream {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Http2Stream").finish_non_exhaustive()
    }
}

/// A WebSocket opened by [`connect`].
pub type Http2WebSocket = TokioWebSocket<Http2Conn>;

/// Opens a WebSocket to `uri`, over HTTP/2 when the server takes it, else over HTTP/1.1,
/// within the default [`Options::open_timeout`].
pub async fn connect(uri: &str, config: Config) -> Result<Http2WebSocket, Error> {
    connect_with_options(uri, config, Options::default()).await
}

/// [`connect`] with [`Options`] (`options.connect`: proxy, TLS settings, `TCP_NODELAY`).
pub async fn connect_with_options(
    uri: &str,
    config: Config,
    options: Options,
) -> Result<Http2WebSocket, Error> {
    let request = ClientRequest::new(uri, nonce()?).map_err(Error::Uri)?;
    connect_request(request, config, options).await
}

/// [`connect_with_options`] with a prepared request (origin, subprotocols, extra headers).
/// `options.open_timeout` bounds everything, a fallback to HTTP/1.1 included.
pub async fn connect_request(
    request: ClientRequest<'_>,
    config: Config,
    options: Options,
) -> Result<Http2WebSocket, Error> {
    let timeout = options.open_timeout;
    let open = async {
        let h2 = match Http2Connection::establish(request.uri(), &options).await? {
            Established::Http2(h2) => h2,
            Established::Http1(conn) => return http1(request, conn, config, options).await,
            Established::Refused(_) => {
                let conn = open_tokio(request.uri(), &options.connect).await?;
                return http1(request, conn, config, options).await;
            }
        };
        let (stream, conn) = h2.open_stream(&request, config, &options).await?;
        let io = TokioIo(Http2Conn::Http2(Box::new(stream)));
        Ok(TokioWebSocket::from_connection(io, conn, &[], &options))
    };
    within(timeout, open).await
}

async fn http1(
    request: ClientRequest<'_>,
    conn: TokioConn,
    config: Config,
    options: Options,
) -> Result<Http2WebSocket, Error> {
    TokioWebSocket::connect_with(request, TokioIo(Http2Conn::Http1(conn)), config, options).await
}

/// One HTTP/2 connection to a server that enabled extended CONNECT, opening WebSockets on
/// its streams. Clones share the connection.
#[derive(Clone, Debug)]
pub struct Http2Connection {
    send: hyper::client::conn::http2::SendRequest<NoBody>,
    secure: bool,
    host: String,
    port: u16,
}

/// What came of offering HTTP/2.
enum Established {
    Http2(Http2Connection),
    /// TLS chose `http/1.1`: the connection to run the Upgrade on.
    Http1(TokioConn),
    /// The server's answer to the preface (HTTP/2 without extended CONNECT, or no HTTP/2):
    /// the connection is gone.
    Refused(Http2Error),
}

impl Http2Connection {
    /// Connects to the server of `uri` (`ws://` or `wss://`; its path does not matter) over
    /// HTTP/2, within `options.open_timeout`, and checks that its `SETTINGS` enable extended
    /// CONNECT ([`Http2Error::ExtendedConnectDisabled`] if not; [`Http2Error::NotHttp2`]
    /// when it does not speak HTTP/2 at all).
    pub async fn open(uri: &str, options: &Options) -> Result<Http2Connection, Error> {
        let uri = WsUri::parse(uri).map_err(Error::Uri)?;
        let open = async {
            match Http2Connection::establish(&uri, options).await? {
                Established::Http2(h2) => Ok(h2),
                Established::Http1(_) => Err(Http2Error::NotHttp2.into()),
                Established::Refused(why) => Err(why.into()),
            }
        };
        within(options.open_timeout, open).await
    }

    async fn establish(uri: &WsUri<'_>, options: &Options) -> Result<Established, Error> {
        #[allow(unused_mut)]
        let mut route = Route::new(uri, &options.connect)?;
        #[cfg(feature = "tls")]
        route.offer_alpn(&[b"h2", b"http/1.1"]);
        let tcp = TcpStream::connect(route.address()).await?;
        tcp.set_nodelay(route.nodelay())?;
        let conn = establish_tokio(tcp, &route).await?;
        if route.is_secure() && !alpn_is_h2(&conn) {
            return Ok(Established::Http1(conn));
        }
        let preface = Arc::new(Mutex::new(Preface::default()));
        let io = hyper_util::rt::TokioIo::new(PrefaceWatch {
            inner: conn,
            preface: Some(preface.clone()),
        });
        let (send, connection) =
            hyper::client::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
                .handshake::<_, NoBody>(io)
                .await
                .map_err(protocol)?;
        tokio::spawn(async move {
            // Its end is seen by each stream (end of input or an error).
            let _ = connection.await;
        });
        match poll_fn(|cx| Preface::poll_settings(&preface, cx)).await {
            Settings::ExtendedConnect => Ok(Established::Http2(Http2Connection {
                send,
                secure: route.is_secure(),
                host: String::from(route.target().0),
                port: route.target().1,
            })),
            Settings::NoExtendedConnect => {
                Ok(Established::Refused(Http2Error::ExtendedConnectDisabled))
            }
            Settings::NotHttp2 => Ok(Established::Refused(Http2Error::NotHttp2)),
        }
    }

    /// Opens a WebSocket on a new stream of this connection with a prepared request (origin,
    /// subprotocols, extra headers), within `options.open_timeout`. The request's URI must
    /// name this connection's server ([`Http2Error::OtherAuthority`] if not).
    pub async fn websocket(
        &self,
        request: ClientRequest<'_>,
        config: Config,
        options: &Options,
    ) -> Result<TokioWebSocket<Http2Stream>, Error> {
        let open = async {
            let (stream, conn) = self.open_stream(&request, config, options).await?;
            Ok(TokioWebSocket::from_connection(
                TokioIo(stream),
                conn,
                &[],
                options,
            ))
        };
        within(options.open_timeout, open).await
    }

    /// [`websocket`](Self::websocket) for a URI, with no request options.
    pub async fn websocket_uri(
        &self,
        uri: &str,
        config: Config,
        options: &Options,
    ) -> Result<TokioWebSocket<Http2Stream>, Error> {
        let request = ClientRequest::new(uri, nonce()?).map_err(Error::Uri)?;
        self.websocket(request, config, options).await
    }

    /// Whether the connection can take no more streams (the server went away, or the
    /// connection failed).
    pub fn is_closed(&self) -> bool {
        self.send.is_closed()
    }

    /// Sends the extended CONNECT for `request` and checks the answer.
    async fn open_stream(
        &self,
        request: &ClientRequest<'_>,
        config: Config,
        options: &Options,
    ) -> Result<(Http2Stream, StdConnection), Error> {
        let uri = request.uri();
        if uri.is_secure() != self.secure
            || uri.host_unbracketed() != self.host
            || uri.port() != self.port
        {
            return Err(Http2Error::OtherAuthority.into());
        }
        let negotiation = options.client_extensions.clone();
        let offer = negotiation.as_ref().map(|n| n.offer());
        let request = match offer.as_deref() {
            // The adapter's negotiation replaces an offer set on the request.
            Some(offer) => request.extensions(offer).map_err(build_error)?,
            None => *request,
        };
        let mut http = request.to_extended_connect_request().map(|()| NoBody);
        http.extensions_mut()
            .insert(hyper::ext::Protocol::from_static("websocket"));
        let mut send = self.send.clone();
        send.ready().await.map_err(protocol)?;
        let mut response = send.send_request(http).await.map_err(protocol)?;
        if !response.status().is_success() {
            return Err(rejected(&mut response).await);
        }
        let headers = http_interop::headers_of(response.headers());
        let offered = request.offered_subprotocols();
        let conn = match &negotiation {
            Some(negotiation) => negotiate::connect_with_extensions(
                &headers,
                offered,
                &**negotiation,
                config,
                Vec::new(),
                OsEntropy,
                Duration::ZERO,
            ),
            None => negotiate::connect(
                &headers,
                offered,
                config,
                Vec::new(),
                OsEntropy,
                Duration::ZERO,
            ),
        };
        let conn = conn.map_err(|failure| {
            Error::Rejected(Rejected {
                failure,
                location: None,
                body: Vec::new(),
            })
        })?;
        let upgraded = hyper::upgrade::on(&mut response).await.map_err(protocol)?;
        let stream = Http2Stream {
            io: hyper_util::rt::TokioIo::new(upgraded),
            _connection: self.send.clone(),
        };
        Ok((stream, conn))
    }
}

fn alpn_is_h2(conn: &TokioConn) -> bool {
    match conn {
        #[cfg(feature = "tls-tokio")]
        TokioConn::Tls(tls) => tls.get_ref().get_ref().1.alpn_protocol() == Some(b"h2"),
        _ => false,
    }
}

fn protocol(e: hyper::Error) -> Error {
    Error::Http2(Http2Error::Protocol(Box::new(e)))
}

/// The error for a refused extended CONNECT, with the start of its body.
async fn rejected(response: &mut http::Response<hyper::body::Incoming>) -> Error {
    let status = response.status();
    let location = response
        .headers()
        .get(http::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let mut body = Vec::new();
    let incoming = response.body_mut();
    while body.len() < MAX_REJECTION_BODY {
        match poll_fn(|cx| Pin::new(&mut *incoming).poll_frame(cx)).await {
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    let room = MAX_REJECTION_BODY - body.len();
                    body.extend_from_slice(&data[..data.len().min(room)]);
                }
            }
            _ => break,
        }
    }
    let kind = if status.is_redirection() {
        ClientFailureKind::Redirect
    } else {
        ClientFailureKind::Rejected
    };
    Error::Rejected(Rejected {
        failure: ClientFailure {
            kind,
            status: Some(status.as_u16()),
        },
        location,
        body,
    })
}

/// The request body of an extended CONNECT: none (the stream's data is the WebSocket's).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoBody;

impl Body for NoBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(None)
    }

    fn is_end_stream(&self) -> bool {
        true
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(0)
    }
}

/// What the server's first `SETTINGS` said.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Settings {
    ExtendedConnect,
    NoExtendedConnect,
    NotHttp2,
}

/// RFC 9113 3.4: the server's connection preface is a `SETTINGS` frame. hyper applies it
/// but offers no way to wait for it, so the bytes are read here on their way to hyper,
/// once: the client must not ask for extended CONNECT before it (RFC 8441 3).
#[derive(Debug, Default)]
struct Preface {
    header: [u8; 9],
    header_len: usize,
    payload_left: usize,
    setting: [u8; 6],
    setting_len: usize,
    extended_connect: bool,
    verdict: Option<Settings>,
    waker: Option<Waker>,
}

/// `SETTINGS_ENABLE_CONNECT_PROTOCOL` (RFC 8441 3).
const ENABLE_CONNECT_PROTOCOL: u16 = 0x8;
/// The largest frame a peer may send before `SETTINGS_MAX_FRAME_SIZE` (RFC 9113 4.2).
const DEFAULT_MAX_FRAME_SIZE: usize = 16_384;

impl Preface {
    /// Reads `bytes` (the next ones from the server) until the verdict.
    fn feed(&mut self, mut bytes: &[u8]) {
        while self.verdict.is_none() && !bytes.is_empty() {
            if self.header_len < 9 {
                let n = (9 - self.header_len).min(bytes.len());
                self.header[self.header_len..self.header_len + n].copy_from_slice(&bytes[..n]);
                self.header_len += n;
                bytes = &bytes[n..];
                if self.header_len == 9 {
                    self.start_frame();
                }
                continue;
            }
            let n = (6 - self.setting_len).min(bytes.len());
            self.setting[self.setting_len..self.setting_len + n].copy_from_slice(&bytes[..n]);
            self.setting_len += n;
            bytes = &bytes[n..];
            if self.setting_len == 6 {
                self.setting_len = 0;
                self.payload_left -= 6;
                let id = u16::from_be_bytes([self.setting[0], self.setting[1]]);
                let value = u32::from_be_bytes([
                    self.setting[2],
                    self.setting[3],
                    self.setting[4],
                    self.setting[5],
                ]);
                if id == ENABLE_CONNECT_PROTOCOL {
                    self.extended_connect = value == 1;
                }
                if self.payload_left == 0 {
                    self.decide_settings();
                }
            }
        }
    }

    fn start_frame(&mut self) {
        let h = self.header;
        let len = usize::from(h[0]) << 16 | usize::from(h[1]) << 8 | usize::from(h[2]);
        let stream = u32::from_be_bytes([h[5], h[6], h[7], h[8]]) & 0x7fff_ffff;
        // A SETTINGS frame (type 4) without ACK on stream 0, of whole settings, within the
        // default frame size.
        let settings = h[3] == 0x4 && h[4] & 0x1 == 0 && stream == 0 && len % 6 == 0;
        if !settings || len > DEFAULT_MAX_FRAME_SIZE {
            self.verdict = Some(Settings::NotHttp2);
        } else {
            self.payload_left = len;
            if len == 0 {
                self.decide_settings();
            }
        }
    }

    fn decide_settings(&mut self) {
        self.verdict = Some(if self.extended_connect {
            Settings::ExtendedConnect
        } else {
            Settings::NoExtendedConnect
        });
    }

    /// The connection ended before the preface was complete.
    fn end(&mut self) {
        if self.verdict.is_none() {
            self.verdict = Some(Settings::NotHttp2);
        }
    }

    fn poll_settings(shared: &Mutex<Preface>, cx: &mut Context<'_>) -> Poll<Settings> {
        let mut preface = lock(shared);
        match preface.verdict {
            Some(verdict) => Poll::Ready(verdict),
            None => {
                preface.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

fn lock(preface: &Mutex<Preface>) -> std::sync::MutexGuard<'_, Preface> {
    preface
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The client's transport as hyper sees it: reads pass through [`Preface`] until the
/// verdict, then straight on.
struct PrefaceWatch {
    inner: TokioConn,
    preface: Option<Arc<Mutex<Preface>>>,
}

impl PrefaceWatch {
    /// Feeds what a read gave (`None`: the read failed; empty: end of stream).
    fn watch(&mut self, read: Option<&[u8]>) {
        let Some(shared) = &self.preface else { return };
        let mut preface = lock(shared);
        match read {
            Some(bytes) if !bytes.is_empty() => preface.feed(bytes),
            _ => preface.end(),
        }
        if preface.verdict.is_some() {
            if let Some(waker) = preface.waker.take() {
                waker.wake();
            }
            drop(preface);
            self.preface = None;
        }
    }
}

impl Drop for PrefaceWatch {
    fn drop(&mut self) {
        self.watch(None);
    }
}

impl AsyncRead for PrefaceWatch {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = Pin::new(&mut this.inner).poll_read(cx, buf);
        if this.preface.is_some() {
            match &result {
                Poll::Ready(Ok(())) => this.watch(Some(&buf.filled()[before..])),
                Poll::Ready(Err(_)) => this.watch(None),
                Poll::Pending => {}
            }
        }
        result
    }
}

/// Implements tokio's `AsyncWrite` for `$ty` by forwarding to the stream that `$inner`
/// pins from `$this: &mut $ty` (`$shared` names it from `$r: &$ty`).
macro_rules! forward_write {
    ($ty:ty, |$this:ident| $inner:expr, |$r:ident| $shared:expr) => {
        impl AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                let $this = self.get_mut();
                $inner.poll_write(cx, buf)
            }
            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                let $this = self.get_mut();
                $inner.poll_write_vectored(cx, bufs)
            }
            fn is_write_vectored(&self) -> bool {
                let $r = self;
                $shared.is_write_vectored()
            }
            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                let $this = self.get_mut();
                $inner.poll_flush(cx)
            }
            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                let $this = self.get_mut();
                $inner.poll_shutdown(cx)
            }
        }
    };
}

/// A stream of [`Http2Conn`], as a trait object.
type Writer<'a> = &'a mut (dyn AsyncWrite + Unpin + Send);

forward_write!(PrefaceWatch, |this| Pin::new(&mut this.inner), |r| r.inner);
forward_write!(Http2Stream, |this| Pin::new(&mut this.io), |r| r.io);
forward_write!(
    Http2Conn,
    |this| Pin::new(match this {
        Http2Conn::Http2(s) => &mut **s as Writer<'_>,
        Http2Conn::Http1(s) => s as Writer<'_>,
    }),
    |r| match r {
        Http2Conn::Http2(s) => &**s as &dyn AsyncWrite,
        Http2Conn::Http1(s) => s as &dyn AsyncWrite,
    }
);

impl AsyncRead for Http2Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl AsyncRead for Http2Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Http2Conn::Http2(s) => Pin::new(&mut **s).poll_read(cx, buf),
            Http2Conn::Http1(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn settings(entries: &[(u16, u32)], flags: u8, stream: u32) -> Vec<u8> {
        let len = entries.len() * 6;
        let mut frame = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, 0x4, flags];
        frame.extend_from_slice(&stream.to_be_bytes());
        for (id, value) in entries {
            frame.extend_from_slice(&id.to_be_bytes());
            frame.extend_from_slice(&value.to_be_bytes());
        }
        frame
    }

    fn verdict_byte_by_byte(bytes: &[u8]) -> Option<Settings> {
        let mut preface = Preface::default();
        for b in bytes {
            preface.feed(core::slice::from_ref(b));
        }
        preface.verdict
    }

    #[test]
    fn reads_enable_connect_protocol_from_the_first_settings() {
        // hyper's server preface: max concurrent streams, window, then connect protocol.
        let on = settings(&[(0x3, 200), (0x4, 1 << 20), (0x8, 1)], 0, 0);
        let off = settings(&[(0x3, 200), (0x4, 1 << 20)], 0, 0);
        let zero = settings(&[(0x8, 1), (0x8, 0)], 0, 0);
        let mut on_then_more = on.clone();
        on_then_more.extend_from_slice(&settings(&[], 1, 0));
        for (bytes, expect) in [
            (&on, Settings::ExtendedConnect),
            (&off, Settings::NoExtendedConnect),
            (&zero, Settings::NoExtendedConnect),
            (&on_then_more, Settings::ExtendedConnect),
            (&settings(&[], 0, 0), Settings::NoExtendedConnect),
        ] {
            assert_eq!(verdict_byte_by_byte(bytes), Some(expect));
            let mut whole = Preface::default();
            whole.feed(bytes);
            assert_eq!(whole.verdict, Some(expect));
        }
        // Not complete yet: no verdict; then the connection ends.
        let mut partial = Preface::default();
        partial.feed(&on[..on.len() - 1]);
        assert_eq!(partial.verdict, None);
        partial.end();
        assert_eq!(partial.verdict, Some(Settings::NotHttp2));
    }

    #[test]
    fn anything_but_a_settings_frame_first_is_not_http2() {
        let ack = settings(&[], 1, 0);
        let on_stream = settings(&[(0x8, 1)], 0, 1);
        let mut ragged = settings(&[(0x8, 1)], 0, 0);
        ragged[2] = 5; // not a whole number of settings
        let mut huge = settings(&[], 0, 0);
        huge[0] = 1; // 64 KiB, above the default frame size
        for bytes in [
            &b"HTTP/1.1 400 Bad Request\r\n\r\n"[..],
            &ack,
            &on_stream,
            &ragged,
            &huge,
        ] {
            assert_eq!(
                verdict_byte_by_byte(bytes),
                Some(Settings::NotHttp2),
                "{bytes:?}"
            );
        }
    }
}
