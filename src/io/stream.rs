//! The async adapter core, shared by the tokio and futures-io adapters: a [`AsyncWebSocket`] that
//! is a `Stream` of [`Message`]s and a `Sink` of [`Message`]s over any [`AsyncTransport`],
//! and its split into a [`ReadHalf`] and a [`WriteHalf`].
//!
//! # Cancellation safety
//!
//! `poll_next` keeps all its state in the AsyncWebSocket, so `StreamExt::next()` (and
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

use super::driver::OpeningIo;
use super::error::Error;
use super::inbox::{queue_owned, Inbox, PROBE};
use super::message::Message;
use super::opening::{connect, serve, Decision, Opened, StdConnection, UpgradeInfo};
use super::options::Options;
use crate::handshake::{ClientRequest, Request};
use crate::{Config, State};

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

    /// Writes from `buf` (queued frames lying next to each other). The default is a
    /// one-part [`poll_write_vectored`](Self::poll_write_vectored); override it where a
    /// plain write is cheaper (a socket's `send` skips `writev`'s iovec handling).
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, &[IoSlice::new(buf)])
    }

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

/// A AsyncWebSocket over an async transport: a `Stream<Item = Result<Message, Error>>` and a
/// `Sink<Message, Error = Error>`.
///
/// The stream ends (`None`) after the closing handshake; a failure is yielded once as an
/// error, then the stream ends. Pings are answered and Close is echoed while it is polled.
#[derive(Debug)]
pub struct AsyncWebSocket<T: AsyncTransport> {
    inner: Inner<T>,
}

#[derive(Debug)]
struct Inner<T: AsyncTransport> {
    io: T,
    conn: StdConnection,
    inbox: Inbox,
    epoch: Instant,
    timer: T::Timer,
    needs_flush: bool,
    terminated: bool,
    shut_down: bool,
    accepted: UpgradeInfo,
    high_water: usize,
    write_timeout: Option<Duration>,
    /// While a send waits for the transport: when it gives up, and the timer for it.
    write_deadline: Option<Instant>,
    write_timer: T::Timer,
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

impl<T: AsyncTransport> AsyncWebSocket<T> {
    /// Server side: reads the handshake request, answers it and returns the open connection.
    pub async fn accept(io: T, config: Config) -> Result<AsyncWebSocket<T>, Error> {
        AsyncWebSocket::accept_with(io, config, Options::default(), Vec::new(), |_| Ok(None)).await
    }

    /// Server side, with [`Options`], bytes already read from the transport (e.g. by a
    /// router that peeked at the request) and a callback that selects a subprotocol or
    /// refuses the request. The whole handshake is bounded by `options.open_timeout`.
    pub async fn accept_with(
        mut io: T,
        config: Config,
        options: Options,
        already_read: Vec<u8>,
        mut decide: impl FnMut(&Request<'_, '_>) -> Decision,
    ) -> Result<AsyncWebSocket<T>, Error> {
        let epoch = Instant::now();
        let clock = || epoch.elapsed();
        let deadline = options.open_timeout.and_then(|t| epoch.checked_add(t));
        let opened = {
            let mut opening = Opening(&mut io);
            let fut = serve(
                &mut opening,
                config,
                &options,
                &already_read,
                &clock,
                &mut decide,
            );
            with_deadline::<T, _>(deadline, fut).await?
        };
        Ok(AsyncWebSocket::from_opened(io, opened, epoch, &options))
    }

    /// Client side: sends the handshake `request` over `io` (already connected, TLS already
    /// set up for `wss://`), checks the response, and returns the open connection.
    pub async fn connect_with(
        request: ClientRequest<'_>,
        mut io: T,
        config: Config,
        options: Options,
    ) -> Result<AsyncWebSocket<T>, Error> {
        let epoch = Instant::now();
        let clock = || epoch.elapsed();
        let deadline = options.open_timeout.and_then(|t| epoch.checked_add(t));
        let opened = {
            let mut opening = Opening(&mut io);
            let fut = connect(&mut opening, request, config, &options, &clock);
            with_deadline::<T, _>(deadline, fut).await?
        };
        Ok(AsyncWebSocket::from_opened(io, opened, epoch, &options))
    }

    /// Wraps a connection whose handshake happened elsewhere (e.g. RFC 8441 over HTTP/2);
    /// `leftover` holds bytes already read. The connection's clock must count from now.
    pub fn from_connection(
        io: T,
        conn: StdConnection,
        leftover: &[u8],
        options: &Options,
    ) -> AsyncWebSocket<T> {
        let inbox = Inbox::with_leftover(options.read_buffer_len(), leftover);
        AsyncWebSocket::from_parts(io, conn, inbox, Instant::now(), options)
    }

    fn from_opened(
        io: T,
        mut opened: Opened,
        epoch: Instant,
        options: &Options,
    ) -> AsyncWebSocket<T> {
        let inbox = opened.inbox();
        let mut ws = AsyncWebSocket::from_parts(io, opened.conn, inbox, epoch, options);
        ws.inner.accepted = opened.accepted;
        ws
    }

    fn from_parts(
        io: T,
        conn: StdConnection,
        inbox: Inbox,
        epoch: Instant,
        options: &Options,
    ) -> AsyncWebSocket<T> {
        AsyncWebSocket {
            inner: Inner {
                io,
                conn,
                inbox,
                epoch,
                timer: T::Timer::unarmed(),
                needs_flush: false,
                terminated: false,
                shut_down: false,
                accepted: UpgradeInfo::default(),
                high_water: options.send_high_water,
                write_timeout: options.write_timeout,
                write_deadline: None,
                write_timer: T::Timer::unarmed(),
                wakers: [None, None],
            },
        }
    }

    /// What the handshake agreed: the request path and query (server side) and the
    /// subprotocol.
    pub fn accepted(&self) -> &UpgradeInfo {
        &self.inner.accepted
    }

    /// The subprotocol agreed in the handshake, if any.
    pub fn subprotocol(&self) -> Option<&str> {
        self.inner.conn.subprotocol()
    }

    /// The sans-IO connection inside.
    pub fn connection(&self) -> &StdConnection {
        &self.inner.conn
    }

    /// The transport (e.g. `ws.get_ref().0.is_http2()` for a WebSocket from
    /// `io::http2::connect`, whose transport is a `TokioIo<Http2Conn>`).
    pub fn get_ref(&self) -> &T {
        &self.inner.io
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
            let written = match t.as_contiguous() {
                Some(bytes) => self.io.poll_write(cx, bytes),
                None => self
                    .io
                    .poll_write_vectored(cx, &[IoSlice::new(t.header), IoSlice::new(t.payload)]),
            };
            match written {
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
        // One clock read per poll: everything this poll processes arrived "now".
        let mut now = self.now();
        loop {
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
                        now = self.now();
                        self.conn.handle_timeout(now);
                        // A timer only fires on a connection that has been quiet for a
                        // while (keepalive) or is going away: it needs no read buffer.
                        self.inbox.release();
                        continue;
                    }
                }
            }
            match self.poll_read(cx) {
                Poll::Ready(Ok(0)) => {
                    let _ = self.conn.handle_eof();
                }
                Poll::Ready(Ok(_)) => {}
                Poll::Ready(Err(e)) if e.kind() == ErrorKind::Interrupted => {}
                Poll::Ready(Err(e)) => return self.end(Some(Error::Io(e))),
                Poll::Pending => {
                    // Nothing more to read for now: an idle connection keeps only a small
                    // read buffer.
                    self.inbox.shrink();
                    return Poll::Pending;
                }
            }
        }
    }

    /// Reads into the inbox. A released inbox (see [`Inbox::release`]) reads into a stack
    /// buffer first and allocates only once bytes arrive, so a connection waiting for its
    /// peer holds no read buffer.
    fn poll_read(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        if self.inbox.is_released() {
            let mut probe = [0u8; PROBE];
            let n = ready!(self.io.poll_read(cx, &mut probe))?;
            if n > 0 {
                self.inbox.refill(&probe[..n]);
            }
            return Poll::Ready(Ok(n));
        }
        let n = ready!(self.io.poll_read(cx, self.inbox.spare()))?;
        self.inbox.filled(n);
        Poll::Ready(Ok(n))
    }

    fn end(&mut self, error: Option<Error>) -> Poll<Option<Result<Message, Error>>> {
        self.terminated = true;
        Poll::Ready(error.map(Err))
    }

    fn poll_ready(&mut self, cx: &mut Context<'_>, half: Half) -> Poll<Result<(), Error>> {
        if self.conn.queued_bytes() >= self.high_water {
            ready!(self.poll_write_bounded(cx, half))?;
        }
        Poll::Ready(Ok(()))
    }

    /// Writes out the queue like `poll_write_out`, but gives up after the write timeout: a
    /// peer that stopped reading must not park the sender forever. Giving up aborts the
    /// connection (its queue is freed) and ends the stream.
    fn poll_write_bounded(&mut self, cx: &mut Context<'_>, half: Half) -> Poll<Result<(), Error>> {
        match self.poll_write_out(cx, half) {
            Poll::Ready(result) => {
                self.write_deadline = None;
                Poll::Ready(result.map_err(Error::Io))
            }
            Poll::Pending => {
                let Some(timeout) = self.write_timeout else {
                    return Poll::Pending;
                };
                let deadline = *self
                    .write_deadline
                    .get_or_insert_with(|| Instant::now() + timeout);
                if self.write_timer.poll_until(cx, deadline).is_pending() {
                    return Poll::Pending;
                }
                self.write_deadline = None;
                self.conn.abort();
                self.terminated = true;
                Poll::Ready(Err(Error::WriteTimeout))
            }
        }
    }

    fn start_send(&mut self, message: Message) -> Result<(), Error> {
        // Only a Close needs the time (for its timeout): no clock read per data message.
        let now = match message {
            Message::Close(_) => self.now(),
            _ => Duration::ZERO,
        };
        // A copied message's buffer can hold the next message received.
        if let Some(buf) = queue_owned(&mut self.conn, now, message)? {
            self.inbox.recycle(buf);
        }
        Ok(())
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>, half: Half) -> Poll<Result<(), Error>> {
        ready!(self.poll_write_bounded(cx, half))?;
        Poll::Ready(Ok(()))
    }

    fn poll_close(&mut self, cx: &mut Context<'_>, half: Half) -> Poll<Result<(), Error>> {
        if self.conn.state() == State::Open {
            let now = self.now();
            self.conn.close(now, crate::frame::CloseCode::NORMAL, "")?;
        }
        self.poll_flush(cx, half)
    }
}

impl<T: AsyncTransport> Stream for AsyncWebSocket<T> {
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().inner.poll_next(cx, Half::Whole)
    }
}

impl<T: AsyncTransport> Sink<Message> for AsyncWebSocket<T> {
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

/// The receiving half of a split [`AsyncWebSocket`]: a `Stream` of messages. It answers pings and
/// echoes Close itself, writing through the shared transport.
#[derive(Debug)]
pub struct ReadHalf<T: AsyncTransport> {
    shared: Arc<Mutex<Inner<T>>>,
}

/// The sending half of a split [`AsyncWebSocket`]: a `Sink` of messages.
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

/// The transport as the handshake driver sees it.
struct Opening<'t, T>(&'t mut T);

impl<T: AsyncTransport> OpeningIo for Opening<'_, T> {
    type Error = io::Error;

    async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match poll_fn(|cx| self.0.poll_read(cx, buf)).await {
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                other => return other,
            }
        }
    }

    async fn write_all(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            let n = poll_fn(|cx| self.0.poll_write_vectored(cx, &[IoSlice::new(bytes)])).await?;
            if n == 0 {
                return Err(ErrorKind::WriteZero.into());
            }
            bytes = &bytes[n..];
        }
        poll_fn(|cx| self.0.poll_flush(cx)).await
    }
}

/// Runs `fut` until `deadline` (the runtime's timer); past it, [`Error::OpenTimeout`].
async fn with_deadline<T: AsyncTransport, F>(
    deadline: Option<Instant>,
    fut: F,
) -> Result<Opened, Error>
where
    F: core::future::Future<Output = Result<Opened, Error>>,
{
    let mut fut = core::pin::pin!(fut);
    let mut timer = T::Timer::unarmed();
    poll_fn(|cx| {
        if let Poll::Ready(result) = fut.as_mut().poll(cx) {
            return Poll::Ready(result);
        }
        match deadline {
            Some(at) if timer.poll_until(cx, at).is_ready() => Poll::Ready(Err(Error::OpenTimeout)),
            _ => Poll::Pending,
        }
    })
    .await
}
