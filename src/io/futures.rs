//! The futures-io adapter (feature `futures-io`): [`FuturesWebSocket`] over any
//! `futures_io::AsyncRead + AsyncWrite`, for smol, async-std or any executor. Timers use
//! `futures-timer`, which needs no runtime.
//!
//! See [`stream`](super::stream) for cancellation safety and timers.

use alloc::vec::Vec;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::io::{self, IoSlice};
use std::time::Instant;

use futures_io::{AsyncRead, AsyncWrite};

use super::connector::{FuturesConn, Route};
use super::error::Error;
use super::opening::{nonce, Decision};
use super::options::Options;
use super::stream::{AsyncTimer, AsyncTransport};
use crate::handshake::{ClientRequest, Request};
use crate::Config;

/// A WebSocket over a futures-io stream.
pub type FuturesWebSocket<S> = super::stream::AsyncWebSocket<FuturesIo<S>>;
/// The read half of a split futures-io [`FuturesWebSocket`].
pub type FuturesReadHalf<S> = super::stream::ReadHalf<FuturesIo<S>>;
/// The write half of a split futures-io [`FuturesWebSocket`].
pub type FuturesWriteHalf<S> = super::stream::WriteHalf<FuturesIo<S>>;

/// A futures-io `AsyncRead + AsyncWrite` as an [`AsyncTransport`].
#[derive(Debug)]
pub struct FuturesIo<S>(pub S);

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncTransport for FuturesIo<S> {
    type Timer = FuturesTimer;

    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
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
        Pin::new(&mut self.0).poll_close(cx)
    }
}

/// The runtime-independent timer behind [`FuturesIo`].
#[derive(Debug)]
pub struct FuturesTimer(Option<(Instant, futures_timer::Delay)>);

impl AsyncTimer for FuturesTimer {
    fn unarmed() -> FuturesTimer {
        FuturesTimer(None)
    }

    fn poll_until(&mut self, cx: &mut Context<'_>, deadline: Instant) -> Poll<()> {
        let (at, delay) = self.0.get_or_insert_with(|| {
            let wait = deadline.saturating_duration_since(Instant::now());
            (deadline, futures_timer::Delay::new(wait))
        });
        // As the tokio timer: a later deadline waits for the armed one to fire, then re-arms
        // the same entry (no allocation, no update per message); an earlier one re-arms now.
        if deadline < *at {
            *at = deadline;
            delay.reset(deadline.saturating_duration_since(Instant::now()));
        }
        loop {
            core::task::ready!(Pin::new(&mut *delay).poll(cx));
            if *at >= deadline {
                return Poll::Ready(());
            }
            *at = deadline;
            delay.reset(deadline.saturating_duration_since(Instant::now()));
        }
    }
}

/// Server side: answers the handshake on `stream` and returns the open FuturesWebSocket.
pub async fn accept<S>(stream: S, config: Config) -> Result<FuturesWebSocket<S>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    FuturesWebSocket::accept(FuturesIo(stream), config).await
}

/// Server side with [`Options`], bytes already read from `stream`, and a callback that
/// selects a subprotocol or refuses the request.
pub async fn accept_with<S>(
    stream: S,
    config: Config,
    options: Options,
    already_read: Vec<u8>,
    decide: impl FnMut(&Request<'_, '_>) -> Decision,
) -> Result<FuturesWebSocket<S>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    FuturesWebSocket::accept_with(FuturesIo(stream), config, options, already_read, decide).await
}

/// Client side: performs the handshake for `uri` over an established stream.
pub async fn connect<S>(uri: &str, stream: S, config: Config) -> Result<FuturesWebSocket<S>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let request = ClientRequest::new(uri, nonce()?).map_err(Error::Uri)?;
    FuturesWebSocket::connect_with(request, FuturesIo(stream), config, Options::default()).await
}

/// Client side through [`connector`](super::connector): `stream` is connected to
/// [`route.address()`](super::connector::Route::address) (the proxy, or the server); the
/// proxy tunnel and TLS (feature `tls-futures`) are set up over it, then the handshake for
/// the prepared `request` (origin, subprotocols, extra headers), all within
/// `options.open_timeout` (timed with `futures-timer`). Build the route from
/// `options.connect`.
///
/// ```no_run
/// use wscore::handshake::ClientRequest;
/// use wscore::io::connector::Route;
/// use wscore::io::Options;
///
/// # async fn run() -> Result<(), wscore::io::Error> {
/// let options = Options::default();
/// let request = ClientRequest::new("wss://echo.example/chat", [7; 16]).map_err(wscore::io::Error::Uri)?;
/// let route = Route::new(request.uri(), &options.connect)?;
/// let tcp = smol::net::TcpStream::connect(route.address()).await?;
/// let ws = wscore::io::futures::connect_route(request, &route, tcp, wscore::Config::default(), options).await?;
/// # let _ = ws; Ok(()) }
/// ```
pub async fn connect_route<S>(
    request: ClientRequest<'_>,
    route: &Route,
    stream: S,
    config: Config,
    options: Options,
) -> Result<FuturesWebSocket<FuturesConn<S>>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let open = async {
        let stream = super::connector::establish_futures(stream, route).await?;
        FuturesWebSocket::connect_with(request, FuturesIo(stream), config, options.clone()).await
    };
    let Some(timeout) = options.open_timeout else {
        return open.await;
    };
    let mut open = core::pin::pin!(open);
    let mut delay = futures_timer::Delay::new(timeout);
    core::future::poll_fn(|cx| {
        if let Poll::Ready(result) = open.as_mut().poll(cx) {
            return Poll::Ready(result);
        }
        match Pin::new(&mut delay).poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Error::OpenTimeout)),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}
