//! The tokio adapter (feature `tokio`): [`TokioWebSocket`] over any
//! `tokio::io::AsyncRead + AsyncWrite`, a `Stream` and `Sink` of [`Message`]s.
//!
//! ```no_run
//! use futures_util::{SinkExt, StreamExt};
//! use wscore::io::tokio::{accept, TokioIo};
//!
//! # async fn serve() -> Result<(), wscore::io::Error> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:9001").await?;
//! let (tcp, _) = listener.accept().await?;
//! let mut ws = accept(tcp, wscore::Config::default()).await?;
//! while let Some(message) = ws.next().await {
//!     let message = message?;
//!     if message.is_data() {
//!         ws.send(message).await?;
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! See [`stream`](super::stream) for cancellation safety and timers.
//!
//! [`Message`]: super::Message

use alloc::vec::Vec;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::io::{self, IoSlice};
use std::time::Instant;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::connector::TokioConn;
use super::error::Error;
use super::opening::{nonce, Decision};
use super::options::Options;
use super::stream::{AsyncTimer, AsyncTransport};
use crate::handshake::{ClientRequest, Request};
use crate::Config;

/// A WebSocket over a tokio stream.
pub type TokioWebSocket<S> = super::stream::AsyncWebSocket<TokioIo<S>>;
/// The read half of a split tokio [`TokioWebSocket`].
pub type TokioReadHalf<S> = super::stream::ReadHalf<TokioIo<S>>;
/// The write half of a split tokio [`TokioWebSocket`].
pub type TokioWriteHalf<S> = super::stream::WriteHalf<TokioIo<S>>;

/// A tokio `AsyncRead + AsyncWrite` as an [`AsyncTransport`].
#[derive(Debug)]
pub struct TokioIo<S>(pub S);

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncTransport for TokioIo<S> {
    type Timer = TokioTimer;

    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        // `buf` is initialised: `ReadBuf::new` marks it so, and nothing is zeroed again.
        let mut read = ReadBuf::new(buf);
        match Pin::new(&mut self.0).poll_read(cx, &mut read) {
            Poll::Ready(Ok(())) => Poll::Ready(Ok(read.filled().len())),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_write_vectored(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// The tokio timer behind [`TokioIo`].
#[derive(Debug)]
pub struct TokioTimer(Option<Pin<alloc::boxed::Box<tokio::time::Sleep>>>);

impl AsyncTimer for TokioTimer {
    fn unarmed() -> TokioTimer {
        TokioTimer(None)
    }

    fn poll_until(&mut self, cx: &mut Context<'_>, deadline: Instant) -> Poll<()> {
        let deadline = tokio::time::Instant::from_std(deadline);
        let sleep = self
            .0
            .get_or_insert_with(|| alloc::boxed::Box::pin(tokio::time::sleep_until(deadline)));
        // A deadline moved later (the keepalive, after every message) leaves the earlier
        // one armed, and is re-armed when that one fires: one timer update per firing
        // instead of one per message. An earlier deadline re-arms at once.
        if deadline < sleep.deadline() {
            sleep.as_mut().reset(deadline);
        }
        loop {
            core::task::ready!(sleep.as_mut().poll(cx));
            if sleep.deadline() >= deadline {
                return Poll::Ready(());
            }
            sleep.as_mut().reset(deadline);
        }
    }
}

/// Server side: answers the handshake on `stream` and returns the open TokioWebSocket.
pub async fn accept<S>(stream: S, config: Config) -> Result<TokioWebSocket<S>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    TokioWebSocket::accept(TokioIo(stream), config).await
}

/// Server side with [`Options`], bytes already read from `stream`, and a callback that
/// selects a subprotocol or refuses the request.
pub async fn accept_with<S>(
    stream: S,
    config: Config,
    options: Options,
    already_read: Vec<u8>,
    decide: impl FnMut(&Request<'_, '_>) -> Decision,
) -> Result<TokioWebSocket<S>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    TokioWebSocket::accept_with(TokioIo(stream), config, options, already_read, decide).await
}

/// Client side: connects to a `ws://` or `wss://` URI (TLS with feature `tls-tokio`; an HTTP
/// proxy from the environment with feature `proxy`) and performs the handshake, all within
/// the default [`Options::open_timeout`]. Over a stream you set up yourself, use
/// [`connect_with`].
pub async fn connect(uri: &str, config: Config) -> Result<TokioWebSocket<TokioConn>, Error> {
    connect_with_options(uri, config, Options::default()).await
}

/// [`connect`] with [`Options`]: `options.connect` says how the server is reached (proxy,
/// TLS settings, `TCP_NODELAY`) and `options.open_timeout` bounds the TCP connect, the proxy
/// tunnel, the TLS handshake and the WebSocket handshake together.
pub async fn connect_with_options(
    uri: &str,
    config: Config,
    options: Options,
) -> Result<TokioWebSocket<TokioConn>, Error> {
    let request = ClientRequest::new(uri, nonce()?).map_err(Error::Uri)?;
    connect_request(request, config, options).await
}

/// [`connect_with_options`] with a prepared request (origin, subprotocols, extra headers):
/// the stream comes from [`connector::open_tokio`](super::connector::open_tokio) with
/// `options.connect`.
pub async fn connect_request(
    request: ClientRequest<'_>,
    config: Config,
    options: Options,
) -> Result<TokioWebSocket<TokioConn>, Error> {
    let open = async {
        let stream = super::connector::open_tokio(request.uri(), &options.connect).await?;
        TokioWebSocket::connect_with(request, TokioIo(stream), config, options.clone()).await
    };
    within(options.open_timeout, open).await
}

/// Runs `open` within `timeout` ([`Error::OpenTimeout`] past it), or unbounded for `None`.
pub(crate) async fn within<T>(
    timeout: Option<core::time::Duration>,
    open: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    match timeout {
        Some(timeout) => tokio::time::timeout(timeout, open)
            .await
            .map_err(|_| Error::OpenTimeout)?,
        None => open.await,
    }
}

/// Client side over an established stream, with a prepared request.
pub async fn connect_with<S>(
    request: ClientRequest<'_>,
    stream: S,
    config: Config,
    options: Options,
) -> Result<TokioWebSocket<S>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    TokioWebSocket::connect_with(request, TokioIo(stream), config, options).await
}
