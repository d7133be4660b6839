//! The async adapter core, shared by the tokio and futures-io adapters: a [`WebSocket`] that
//! is a `Stream` of [`Message`]s and a `Sink` of [`Message`]s over any [`AsyncTransport`],
//! and its split into a [`ReadHalf`] and a [`WriteHalf`].
//!
//! # Cancellation safety
//!
//! `poll_next` keeps all its state in the WebSocket, so `StreamExt::next()` (and
//! `tokio::select!` on it) is cancellation safe: a message is never lost. `SinkExt::send` is
//! not: cancelled before the message was queued, the message is dropped; cancelled after, it
//! is still sent on the next flush. `accept` and `connect` are not: cancelling them drops the
//! transport.
//!
//! # Timers
//!
//! Keepalive pings, the pong deadline and the close timeout are driven while the stream (or
//! the read half) is polled, as a reader task always does.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::future::poll_fn;
use core::pin::Pin;
use core::task::{ready, Context, Poll, Waker};
use core::time::Duration;
use std::io::{self, ErrorKind, IoSlice};
use std::sync::Mutex;
use std::time::Instant;

use futures_core::Stream;
use futures_sink::Sink;

use super::error::Error;
use super::inbox::{queue, Inbox};
use super::message::Message;
use super::opening::{
    client_step, head_too_long, os_entropy, server_step, Accepted, ClientStep, Decision, ServerStep,
};
use crate::handshake::{ClientRequest, Limits, Request};
use crate::{Config, Connection, State};

/// `poll_ready` waits (flushing) while more than this many payload bytes are queued: a slow
/// peer makes senders wait instead of growing the queue.
const WRITE_HIGH_WATER: usize = 128 * 1024;

/// A byte transport with a timer, as an async runtime provides them. Implemented by
/// [`tokio::TokioIo`](super::tokio::TokioIo) and
/// [`futures::FuturesIo`](super::futures::FuturesIo); implement it to plug in another runtime.
pub trait AsyncTransport: Unpin {
    /// The runtime's timer.
    type Timer: AsyncTimer;

    /// Reads into `buf` (which is initialised; it is never re-initialised between reads).
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>;

    /// Writes from `bufs` (a frame header and its payload) in one vectored write if the
    /// transport supports it.
    fn poll_write_vectored(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>>;

    /// Flushes buffered writes.
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// Shuts the write side down (the server closes the TCP connection first).
    fn poll_shutdown(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
}

/// A resettable one-shot timer.
pub trait AsyncTimer: Unpin + Send + core::fmt::Debug {
    /// A timer that is not armed.
    fn unarmed() -> Self;

    /// Polls until `deadline`, re-arming the timer if the deadline changed.
    fn poll_until(&mut self, cx: &mut Context<'_>, deadline: Instant) -> Poll<()>;
}

/// A WebSocket over an async transport: a `Stream<Item = Result<Message, Error>>` and a
/// `Sink<Message, Error = Error>`.
///
/// The stream ends (`None`) after the closing handshake; a failure is yielded once as an
/// error, then the stream ends. Pings are answered and Close is echoed while it is polled.
#[derive(Debug)]
pub struct WebSocket<T: AsyncTransport> {
    inner: Inner<T>,
}

#[derive(Debug)]
struct Inner<T: AsyncTransport> {
    io: T,
    conn: Connection,
    inbox: Inbox,
    epoch: Instant,
    timer: T::Timer,
    needs_flush: bool,
    terminated: bool,
    shut_down: bool,
    subprotocol: Option<alloc::string::String>,
    /// When split: the halves' wakers, so a half that takes over the transport's write
    /// readiness slot can wake the other one to re-register.
    wakers: [Option<Waker>; 2],
}

#[derive(Clone, Copy)]
enum Half {
    Whole,
    Read,
    Write,
}

impl<T: AsyncTransport> WebSocket<T> {
    /// Server side: reads the handshake request, answers it and returns the open connection.
    pub async fn accept(io: T, config: Config) -> Result<WebSocket<T>, Error> {
        WebSocket::accept_with(io, config, Vec::new(), |_| Ok(None)).await
    }

    /// Server side, with bytes already read from the transport (e.g. by a router that peeked
    /// at the request) and a callback that selects a subprotocol or refuses the request.
    pub async fn accept_with(
        mut io: T,
        config: Config,
        already_read: Vec<u8>,
        mut decide: impl FnMut(&Request<'_, '_>) -> Decision,
    ) -> Result<WebSocket<T>, Error> {
        let limits = Limits::DEFAULT;
        let mut buf = already_read;
        loop {
            match server_step(&buf, &limits, &mut decide) {
                ServerStep::NeedMore => read_head(&mut io, &mut buf, &limits).await?,
                ServerStep::Respond {
                    response,
                    consumed,
                    result,
                } => {
                    write_all(&mut io, &response).await?;
                    let Accepted { subprotocol, .. } = result?;
                    let conn = Connection::server(config, Duration::ZERO);
                    return Ok(WebSocket::from_parts(
                        io,
                        conn,
                        &buf[consumed..],
                        subprotocol,
                    ));
                }
            }
        }
    }

    /// Client side: sends the handshake `request` over `io` (already connected, TLS already
    /// set up for `wss://`), checks the response, and returns the open connection.
    pub async fn connect_with(
        request: ClientRequest<'_>,
        mut io: T,
        config: Config,
    ) -> Result<WebSocket<T>, Error> {
        write_all(&mut io, &request.to_vec()).await?;
        let limits = Limits::DEFAULT;
        let mut buf = Vec::new();
        loop {
            match client_step(&request, &buf, &limits)? {
                ClientStep::NeedMore => read_head(&mut io, &mut buf, &limits).await?,
                ClientStep::Accepted {
                    consumed,
                    subprotocol,
                } => {
                    let conn = Connection::client(config, os_entropy, Duration::ZERO);
                    return Ok(WebSocket::from_parts(
                        io,
                        conn,
                        &buf[consumed..],
                        subprotocol,
                    ));
                }
            }
        }
    }

    /// Wraps a connection whose handshake happened elsewhere (e.g. RFC 8441 over HTTP/2);
    /// `leftover` holds bytes already read. The connection's clock must count from now.
    pub fn from_connection(io: T, conn: Connection, leftover: &[u8]) -> WebSocket<T> {
        WebSocket::from_parts(io, conn, leftover, None)
    }

    fn from_parts(
        io: T,
        conn: Connection,
        leftover: &[u8],
        subprotocol: Option<alloc::string::String>,
    ) -> WebSocket<T> {
        WebSocket {
            inner: Inner {
                io,
                conn,
                inbox: Inbox::new(leftover),
                epoch: Instant::now(),
                timer: T::Timer::unarmed(),
                needs_flush: false,
                terminated: false,
                shut_down: false,
                subprotocol,
                wakers: [None, None],
            },
        }
    }

    /// The subprotocol agreed in the handshake, if any.
    pub fn subprotocol(&self) -> Option<&str> {
        self.inner.subprotocol.as_deref()
    }

    /// The sans-IO connection inside.
    pub fn connection(&self) -> &Connection {
        &self.inner.conn
    }

    /// Splits into a read half (the `Stream`, which keeps answering pings and echoing Close)
    /// and a write half (the `Sink`), usable from different tasks.
    pub fn split(self) -> (ReadHalf<T>, WriteHalf<T>) {
        let shared = Arc::new(Mutex::new(self.inner));
        (
            ReadHalf {
                shared: shared.clone(),
            },
            WriteHalf { shared },
        )
    }
}

impl<T: AsyncTransport> Inner<T> {
    fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    /// Writes everything queued, then flushes. Pending leaves the rest queued.
    fn poll_write_out(&mut self, cx: &mut Context<'_>, half: Half) -> Poll<io::Result<()>> {
        while let Some(t) = self.conn.transmit() {
            let parts = [IoSlice::new(t.header), IoSlice::new(t.payload)];
            match self.io.poll_write_vectored(cx, &parts) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => {
                    self.conn.advance_transmit(n);
                    self.needs_flush = true;
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {
                    self.wake_other(half);
                    return Poll::Pending;
                }
            }
        }
        if self.needs_flush {
            ready!(self.io.poll_flush(cx))?;
            self.needs_flush = false;
        }
        Poll::Ready(Ok(()))
    }

    /// The transport keeps one waker per direction; the half that just registered for write
    /// readiness wakes the other so that it re-registers if it was waiting too.
    fn wake_other(&mut self, half: Half) {
        let other = match half {
            Half::Whole => return,
            Half::Read => 1,
            Half::Write => 0,
        };
        if let Some(waker) = self.wakers[other].take() {
            waker.wake();
        }
    }

    fn poll_next(
        &mut self,
        cx: &mut Context<'_>,
        half: Half,
    ) -> Poll<Option<Result<Message, Error>>> {
        if self.terminated {
            return Poll::Ready(None);
        }
        loop {
            let now = self.now();
            match self.inbox.next(&mut self.conn, now) {
                Ok(Some(message)) => {
                    // Pongs and close echoes go out now if the transport takes them.
                    if let Poll::Ready(Err(e)) = self.poll_write_out(cx, half) {
                        return self.end(Some(Error::Io(e)));
                    }
                    return Poll::Ready(Some(Ok(message)));
                }
                Ok(None) => {}
                Err(e) => {
                    let _ = self.poll_write_out(cx, half);
                    return self.end(Some(Error::Connection(e)));
                }
            }
            let flushed = match self.poll_write_out(cx, half) {
                Poll::Ready(Ok(())) => true,
                Poll::Ready(Err(e)) => return self.end(Some(Error::Io(e))),
                Poll::Pending => false,
            };
            if self.conn.is_finished() {
                if flushed && !self.shut_down {
                    // The server closes the transport first (RFC 6455 7.1.1).
                    let _ = ready!(self.io.poll_shutdown(cx));
                    self.shut_down = true;
                }
                let error = self.conn.error().map(Error::Connection);
                return self.end(error);
            }
            if let Some(deadline) = self.conn.poll_timeout() {
                if let Some(at) = self.epoch.checked_add(deadline) {
                    if self.timer.poll_until(cx, at).is_ready() {
                        self.conn.handle_timeout(self.now());
                        continue;
                    }
                }
            }
            match self.io.poll_read(cx, self.inbox.spare()) {
                Poll::Ready(Ok(0)) => {
                    let _ = self.conn.handle_eof();
                }
                Poll::Ready(Ok(n)) => self.inbox.filled(n),
                Poll::Ready(Err(e)) if e.kind() == ErrorKind::Interrupted => {}
                Poll::Ready(Err(e)) => return self.end(Some(Error::Io(e))),
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    fn end(&mut self, error: Option<Error>) -> Poll<Option<Result<Message, Error>>> {
        self.terminated = true;
        Poll::Ready(error.map(Err))
    }

    fn poll_ready(&mut self, cx: &mut Context<'_>, half: Half) -> Poll<Result<(), Error>> {
        if self.conn.queued_bytes() >= WRITE_HIGH_WATER {
            ready!(self.poll_write_out(cx, half))?;
        }
        Poll::Ready(Ok(()))
    }

    fn start_send(&mut self, message: Message) -> Result<(), Error> {
        let now = self.now();
        queue(&mut self.conn, now, &message)?;
        Ok(())
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>, half: Half) -> Poll<Result<(), Error>> {
        ready!(self.poll_write_out(cx, half))?;
        Poll::Ready(Ok(()))
    }

    fn poll_close(&mut self, cx: &mut Context<'_>, half: Half) -> Poll<Result<(), Error>> {
        if self.conn.state() == State::Open && self.conn.error().is_none() {
            let now = self.now();
            self.conn.close(now, crate::frame::CloseCode::NORMAL, "")?;
        }
        self.poll_flush(cx, half)
    }
}

impl<T: AsyncTransport> Stream for WebSocket<T> {
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().inner.poll_next(cx, Half::Whole)
    }
}

impl<T: AsyncTransport> Sink<Message> for WebSocket<T> {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.get_mut().inner.poll_ready(cx, Half::Whole)
    }

    fn start_send(self: Pin<&mut Self>, item: Message) -> Result<(), Error> {
        self.get_mut().inner.start_send(item)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.get_mut().inner.poll_flush(cx, Half::Whole)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.get_mut().inner.poll_close(cx, Half::Whole)
    }
}

/// The receiving half of a split [`WebSocket`]: a `Stream` of messages. It answers pings and
/// echoes Close itself, writing through the shared transport.
#[derive(Debug)]
pub struct ReadHalf<T: AsyncTransport> {
    shared: Arc<Mutex<Inner<T>>>,
}

/// The sending half of a split [`WebSocket`]: a `Sink` of messages.
#[derive(Debug)]
pub struct WriteHalf<T: AsyncTransport> {
    shared: Arc<Mutex<Inner<T>>>,
}

fn with_half<T: AsyncTransport, R>(
    shared: &Mutex<Inner<T>>,
    cx: &mut Context<'_>,
    half: Half,
    f: impl FnOnce(&mut Inner<T>, &mut Context<'_>) -> R,
) -> R {
    // A poisoned lock means another task panicked mid-call; the state is still consistent
    // (every call leaves the connection valid), so carry on.
    let mut inner = shared.lock().unwrap_or_else(|p| p.into_inner());
    let slot = if matches!(half, Half::Read) { 0 } else { 1 };
    inner.wakers[slot] = Some(cx.waker().clone());
    f(&mut inner, cx)
}

impl<T: AsyncTransport> Stream for ReadHalf<T> {
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        with_half(&self.shared, cx, Half::Read, |inner, cx| {
            inner.poll_next(cx, Half::Read)
        })
    }
}

impl<T: AsyncTransport> Sink<Message> for WriteHalf<T> {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        with_half(&self.shared, cx, Half::Write, |inner, cx| {
            inner.poll_ready(cx, Half::Write)
        })
    }

    fn start_send(self: Pin<&mut Self>, item: Message) -> Result<(), Error> {
        let mut inner = self.shared.lock().unwrap_or_else(|p| p.into_inner());
        inner.start_send(item)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        with_half(&self.shared, cx, Half::Write, |inner, cx| {
            inner.poll_flush(cx, Half::Write)
        })
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        with_half(&self.shared, cx, Half::Write, |inner, cx| {
            inner.poll_close(cx, Half::Write)
        })
    }
}

/// Reads more of a handshake head into `buf`, refusing to grow it past the head limit.
async fn read_head<T: AsyncTransport>(
    io: &mut T,
    buf: &mut Vec<u8>,
    limits: &Limits,
) -> Result<(), Error> {
    if head_too_long(buf, limits) {
        return Err(Error::Io(ErrorKind::InvalidData.into()));
    }
    let mut chunk = [0u8; 2048];
    let n = poll_fn(|cx| io.poll_read(cx, &mut chunk)).await?;
    if n == 0 {
        return Err(Error::Io(ErrorKind::UnexpectedEof.into()));
    }
    buf.extend_from_slice(&chunk[..n]);
    Ok(())
}

async fn write_all<T: AsyncTransport>(io: &mut T, mut bytes: &[u8]) -> Result<(), Error> {
    while !bytes.is_empty() {
        let n = poll_fn(|cx| io.poll_write_vectored(cx, &[IoSlice::new(bytes)])).await?;
        if n == 0 {
            return Err(Error::Io(ErrorKind::WriteZero.into()));
        }
        bytes = &bytes[n..];
    }
    poll_fn(|cx| io.poll_flush(cx)).await?;
    Ok(())
}
