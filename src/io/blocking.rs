//! The blocking adapter (feature `blocking`): a BlockingWebSocket over any `std::io::Read + Write`
//! (a `TcpStream`, a TLS stream, a Unix socket).
//!
//! ```no_run
//! use std::net::TcpListener;
//! use wscore::io::blocking::BlockingWebSocket;
//! use wscore::io::Message;
//!
//! let listener = TcpListener::bind("127.0.0.1:9001")?;
//! let (tcp, _) = listener.accept()?;
//! let mut ws = BlockingWebSocket::accept(tcp, wscore::Config::default())?;
//! loop {
//!     match ws.read() {
//!         Ok(msg) if msg.is_data() => ws.send_owned(msg)?,
//!         Ok(_) => {}                    // ping, pong, close: already handled
//!         Err(e) if e.is_closed() => break,
//!         Err(e) => return Err(e.into()),
//!     }
//! }
//! # Ok::<(), std::io::Error>(())
//! ```

use alloc::vec::Vec;
use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll};
use core::time::Duration;
use std::io::{self, ErrorKind, IoSlice, Read, Write};
use std::net::TcpStream;
use std::time::Instant;

use super::connector::BlockingConn;
use super::driver::OpeningIo;
use super::error::Error;
use super::inbox::{queue, queue_owned, Inbox};
use super::message::Message;
use super::opening::{nonce, serve, Decision, Opened, StdConnection, UpgradeInfo};
use super::options::Options;
use crate::frame::CloseCode;
use crate::handshake::{ClientRequest, Request};
use crate::Config;

/// A blocking byte stream the adapter can put timeouts on: that is how the connection's
/// timers (opening deadline, keepalive, pong deadline, close timeout) fire while a read
/// blocks. Implemented for `TcpStream` (and `UnixStream` on Unix); for another stream,
/// implement it by forwarding to the socket underneath (e.g. a TLS stream's
/// `get_ref().set_read_timeout(..)`), or accept the defaults, which set nothing (timers then
/// fire only when a read returns).
pub trait BlockingStream: Read + Write {
    /// Sets how long a read may block (`None`: forever).
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        let _ = timeout;
        Ok(())
    }

    /// Sets how long a write may block (`None`: forever).
    fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        let _ = timeout;
        Ok(())
    }
}

impl BlockingStream for TcpStream {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        TcpStream::set_read_timeout(self, timeout)
    }

    fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        TcpStream::set_write_timeout(self, timeout)
    }
}

#[cfg(unix)]
impl BlockingStream for std::os::unix::net::UnixStream {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        std::os::unix::net::UnixStream::set_read_timeout(self, timeout)
    }

    fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        std::os::unix::net::UnixStream::set_write_timeout(self, timeout)
    }
}

/// A BlockingWebSocket over a blocking stream.
///
/// `read` blocks until a message arrives; `send` blocks until the message is written (a slow
/// peer makes it wait; nothing piles up). Pings are answered and Close is echoed inside
/// `read`. The core's timers fire through the stream's read timeout
/// ([`BlockingStream`]), which the adapter sets to the next deadline before each read.
#[derive(Debug)]
pub struct BlockingWebSocket<S> {
    stream: S,
    conn: StdConnection,
    inbox: Inbox,
    epoch: Instant,
    accepted: UpgradeInfo,
}

impl<S: BlockingStream> BlockingWebSocket<S> {
    /// Server side: reads the handshake request, answers it (101, or the error response),
    /// and returns the open connection.
    pub fn accept(stream: S, config: Config) -> Result<BlockingWebSocket<S>, Error> {
        BlockingWebSocket::accept_with(stream, config, Options::default(), Vec::new(), |_| Ok(None))
    }

    /// Server side, with [`Options`], the bytes already read from `stream` (e.g. by a router
    /// that peeked at the request) and a callback that selects a subprotocol or refuses the
    /// request. `options.open_timeout` bounds the handshake.
    pub fn accept_with(
        mut stream: S,
        config: Config,
        options: Options,
        already_read: Vec<u8>,
        mut decide: impl FnMut(&Request<'_, '_>) -> Decision,
    ) -> Result<BlockingWebSocket<S>, Error> {
        let epoch = Instant::now();
        let clock = || epoch.elapsed();
        let opened = {
            let mut io = Blocking::new(&mut stream, epoch, options.open_timeout);
            let result = run(serve(
                &mut io,
                config,
                &options,
                &already_read,
                &clock,
                &mut decide,
            ));
            io.done(options.write_timeout)?;
            result?
        };
        Ok(BlockingWebSocket::from_opened(stream, opened, epoch))
    }

    /// Client side: sends the handshake request for `uri` (`ws://host[:port]/path`) over
    /// `stream` (already connected to that host, TLS already set up for `wss://`), checks
    /// the response, and returns the open connection.
    pub fn connect(uri: &str, stream: S, config: Config) -> Result<BlockingWebSocket<S>, Error> {
        let request = ClientRequest::new(uri, nonce()?).map_err(Error::Uri)?;
        BlockingWebSocket::connect_with(request, stream, config, Options::default())
    }

    /// Client side with a prepared request (origin, subprotocols, extra headers) and
    /// [`Options`].
    pub fn connect_with(
        request: ClientRequest<'_>,
        mut stream: S,
        config: Config,
        options: Options,
    ) -> Result<BlockingWebSocket<S>, Error> {
        let epoch = Instant::now();
        let clock = || epoch.elapsed();
        let opened = {
            let mut io = Blocking::new(&mut stream, epoch, options.open_timeout);
            let result = run(super::opening::connect(
                &mut io, request, config, &options, &clock,
            ));
            io.done(options.write_timeout)?;
            result?
        };
        Ok(BlockingWebSocket::from_opened(stream, opened, epoch))
    }

    /// Wraps a connection whose handshake happened elsewhere (e.g. RFC 8441 over HTTP/2).
    /// `leftover` holds bytes already read that belong to the BlockingWebSocket stream. The
    /// connection's clock must count from now.
    pub fn from_connection(
        stream: S,
        conn: StdConnection,
        leftover: &[u8],
        options: &Options,
    ) -> BlockingWebSocket<S> {
        BlockingWebSocket {
            stream,
            conn,
            inbox: Inbox::with_leftover(options.read_buffer_len(), leftover),
            epoch: Instant::now(),
            accepted: UpgradeInfo::default(),
        }
    }

    fn from_opened(stream: S, mut opened: Opened, epoch: Instant) -> BlockingWebSocket<S> {
        BlockingWebSocket {
            stream,
            inbox: opened.inbox(),
            conn: opened.conn,
            epoch,
            accepted: opened.accepted,
        }
    }

    /// What the handshake agreed: the request path and query (server side) and the
    /// subprotocol.
    pub fn accepted(&self) -> &UpgradeInfo {
        &self.accepted
    }

    /// Reads the next message. Pings are answered and the peer's Close is echoed before it
    /// is returned. After the closing handshake, returns [`Error::Closed`].
    pub fn read(&mut self) -> Result<Message, Error> {
        loop {
            let now = self.now();
            let next = self.inbox.next(&mut self.conn, now);
            self.write_out()?;
            match next {
                Ok(Some(message)) => return Ok(message),
                Ok(None) => {}
                Err(e) => return Err(Error::Connection(e)),
            }
            if self.conn.is_finished() {
                return Err(self.ended());
            }
            let deadline = self.conn.poll_timeout();
            let wait = deadline.map(|d| d.saturating_sub(now).max(Duration::from_millis(1)));
            self.stream.set_read_timeout(wait)?;
            match self.stream.read(self.inbox.spare()) {
                Ok(0) => {
                    let _ = self.conn.handle_eof();
                    return Err(self.ended());
                }
                Ok(n) => self.inbox.filled(n),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    if deadline.is_none() {
                        return Err(Error::Io(e)); // the caller's own timeout
                    }
                    let now = self.now();
                    self.conn.handle_timeout(now);
                    self.write_out()?;
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::Io(e)),
            }
        }
    }

    /// Sends a message and waits until it is written. `Message::Close` starts the closing
    /// handshake; keep calling [`read`](Self::read) until it returns [`Error::Closed`].
    pub fn send(&mut self, message: &Message) -> Result<(), Error> {
        let now = self.now();
        queue(&mut self.conn, now, message)?;
        self.write_out()
    }

    /// Sends a message given by value and waits until it is written. A payload of at least
    /// [`OWNED_PAYLOAD_MIN`](crate::OWNED_PAYLOAD_MIN) bytes that fits one frame is written
    /// from the message's own buffer rather than copied into the send queue; a smaller one's
    /// buffer is kept to build the next message [`read`](Self::read) returns, so an echo
    /// loop of small messages allocates nothing.
    pub fn send_owned(&mut self, message: Message) -> Result<(), Error> {
        let now = self.now();
        if let Some(buf) = queue_owned(&mut self.conn, now, message)? {
            self.inbox.recycle(buf);
        }
        self.write_out()
    }

    /// Sends a ping.
    pub fn ping(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.conn.ping(payload)?;
        self.write_out()
    }

    /// Starts the closing handshake with `code` and `reason`; keep calling
    /// [`read`](Self::read) until it returns [`Error::Closed`].
    pub fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), Error> {
        let now = self.now();
        self.conn.close(now, code, reason)?;
        self.write_out()
    }

    /// The subprotocol agreed in the handshake, if any.
    pub fn subprotocol(&self) -> Option<&str> {
        self.conn.subprotocol()
    }

    /// The sans-IO connection inside.
    pub fn connection(&self) -> &StdConnection {
        &self.conn
    }

    /// The stream.
    pub fn get_ref(&self) -> &S {
        &self.stream
    }

    /// The stream, mutably (reading from or writing to it directly corrupts the connection).
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.stream
    }

    /// Writes everything queued: each run of frames in one write (vectored when a payload is
    /// kept apart from its header).
    fn write_out(&mut self) -> Result<(), Error> {
        let mut wrote = false;
        while let Some(t) = self.conn.transmit() {
            let written = match t.as_contiguous() {
                Some(bytes) => self.stream.write(bytes),
                None => self
                    .stream
                    .write_vectored(&[IoSlice::new(t.header), IoSlice::new(t.payload)]),
            };
            let n = match written {
                Ok(0) => return Err(Error::Io(ErrorKind::WriteZero.into())),
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                // The write timeout passed: the peer stopped reading. Drop its queue.
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    self.conn.abort();
                    return Err(Error::WriteTimeout);
                }
                Err(e) => return Err(Error::Io(e)),
            };
            self.conn.advance_transmit(n);
            wrote = true;
        }
        if wrote {
            self.stream.flush()?;
        }
        Ok(())
    }

    fn ended(&self) -> Error {
        match self.conn.error() {
            Some(e) => Error::Connection(e),
            None => Error::Closed,
        }
    }

    fn now(&self) -> Duration {
        self.epoch.elapsed()
    }
}

/// Client side: connects to a `ws://` or `wss://` URI (TLS with feature `tls-blocking`; an
/// HTTP proxy from the environment with feature `proxy`) and performs the handshake, all
/// within the default [`Options::open_timeout`]. The connection's timers run on the
/// socket's timeouts, through TLS too ([`BlockingConn`] is a [`BlockingStream`]). Over a
/// stream you set up yourself, use [`BlockingWebSocket::connect_with`].
pub fn connect(uri: &str, config: Config) -> Result<BlockingWebSocket<BlockingConn>, Error> {
    connect_with_options(uri, config, Options::default())
}

/// [`connect`] with [`Options`]: `options.connect` says how the server is reached (proxy,
/// TLS settings, `TCP_NODELAY`) and `options.open_timeout` bounds the TCP connect, the proxy
/// tunnel, the TLS handshake and the WebSocket handshake together.
pub fn connect_with_options(
    uri: &str,
    config: Config,
    options: Options,
) -> Result<BlockingWebSocket<BlockingConn>, Error> {
    let request = ClientRequest::new(uri, nonce()?).map_err(Error::Uri)?;
    connect_request(request, config, options)
}

/// [`connect_with_options`] with a prepared request (origin, subprotocols, extra headers):
/// the stream comes from [`connector::open_blocking`](super::connector::open_blocking) with
/// `options.connect`.
pub fn connect_request(
    request: ClientRequest<'_>,
    config: Config,
    options: Options,
) -> Result<BlockingWebSocket<BlockingConn>, Error> {
    let start = Instant::now();
    let stream =
        super::connector::open_blocking(request.uri(), &options.connect, options.open_timeout)?;
    // What is left of the opening timeout is the handshake's.
    let left = options
        .open_timeout
        .map(|timeout| timeout.saturating_sub(start.elapsed()));
    let options = options.open_timeout(left);
    BlockingWebSocket::connect_with(request, stream, config, options)
}

/// The blocking stream as the handshake driver sees it: reads and writes bounded by the
/// opening deadline through the stream's timeouts.
struct Blocking<'s, S: BlockingStream> {
    stream: &'s mut S,
    deadline: Option<Instant>,
}

impl<'s, S: BlockingStream> Blocking<'s, S> {
    fn new(stream: &'s mut S, epoch: Instant, timeout: Option<Duration>) -> Blocking<'s, S> {
        Blocking {
            stream,
            deadline: timeout.and_then(|t| epoch.checked_add(t)),
        }
    }

    /// Replaces the handshake's timeouts with the connection's: reads are timed per call
    /// from the connection's deadlines, writes by `write_timeout`.
    fn done(self, write_timeout: Option<Duration>) -> Result<(), Error> {
        self.stream.set_read_timeout(None)?;
        self.stream.set_write_timeout(write_timeout)?;
        Ok(())
    }

    fn arm(&mut self) -> io::Result<()> {
        let Some(deadline) = self.deadline else {
            return Ok(());
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(
                ErrorKind::TimedOut,
                "opening handshake timed out",
            ));
        }
        self.stream.set_read_timeout(Some(left))?;
        self.stream.set_write_timeout(Some(left))
    }
}

impl<S: BlockingStream> OpeningIo for Blocking<'_, S> {
    type Error = io::Error;

    async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            self.arm()?;
            match self.stream.read(buf) {
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                other => return other,
            }
        }
    }

    async fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.arm()?;
        self.stream.write_all(bytes)?;
        self.stream.flush()
    }
}

/// A waker for futures that are never pending.
struct NoWake;

impl std::task::Wake for NoWake {
    fn wake(self: alloc::sync::Arc<Self>) {}
}

/// Runs a future whose every await is ready at once (blocking I/O inside), mapping a
/// timed-out read or write of the handshake to [`Error::OpenTimeout`].
fn run<F: Future<Output = Result<Opened, Error>>>(fut: F) -> Result<Opened, Error> {
    let mut fut = pin!(fut);
    let waker = std::task::Waker::from(alloc::sync::Arc::new(NoWake));
    let mut cx = Context::from_waker(&waker);
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(Err(Error::Io(e)))
            if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) =>
        {
            Err(Error::OpenTimeout)
        }
        Poll::Ready(result) => result,
        // Blocking I/O never returns Pending, so the handshake finishes in one poll.
        Poll::Pending => Err(Error::Io(io::Error::other(
            "blocking handshake did not complete",
        ))),
    }
}
