//! The embedded-io-async adapter (feature `embedded-io-async`): a WebSocket over any
//! `embedded_io_async::Read + Write` (an embassy-net TCP socket, a UART bridge), with no
//! `std` and no allocator. The caller provides the receive and send buffers and, for a
//! client, the handshake nonce and a key source; time comes from a clock function.
//!
//! ```no_run
//! # async fn run<T: embedded_io_async::Read + embedded_io_async::Write>(socket: T) -> Result<(), wscore::io::embedded::Error<T::Error>> {
//! use core::time::Duration;
//! use wscore::io::embedded::WebSocket;
//! use wscore::{Config, DataKind, Event};
//!
//! fn clock() -> Duration { Duration::ZERO /* e.g. embassy_time::Instant::now() */ }
//! fn trng(buf: &mut [u8]) { buf.fill(0x5a) /* read the hardware generator */ }
//!
//! let (mut rx, mut tx) = ([0u8; 2048], [0u8; 2048]);
//! let nonce = [7u8; 16]; // from the hardware generator too
//! let mut ws = WebSocket::connect(socket, "ws://10.0.0.2/telemetry", nonce, trng,
//!                                 Config::default(), &mut rx, &mut tx, clock).await?;
//! ws.send(DataKind::Text, b"temperature=21.5").await?;
//! if let Event::Data(reply) = ws.read().await? {
//!     let _ = reply.payload; // a piece of a message, borrowed from `rx`
//! }
//! ws.close(wscore::frame::CloseCode::NORMAL, "").await?;
//! # Ok(()) }
//! ```
//!
//! Messages arrive as pieces ([`Data`] with `first`/`last`), which is how a device streams a
//! message larger than its memory. Timers: embedded-io-async has none, so arm your
//! executor's timer for [`Connection::poll_timeout`] and call
//! [`WebSocket::handle_timeout`] when it fires (e.g. `select` it against
//! [`WebSocket::read`]).

use core::fmt;
use core::time::Duration;

use embedded_io_async::{Read, Write};

use crate::frame::{CloseCode, CloseFrame, MAX_CONTROL_PAYLOAD};
use crate::handshake::{
    ClientFailure, ClientRequest, HandshakeError, Limits, Request, Status, UriError, EMPTY_HEADER,
};
use crate::{Config, Connection, ConnectionError, Data, DataKind, Event, FixedBuffer, SendError};

/// What can go wrong, with `E` the transport's error type.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error<E> {
    /// The transport failed.
    Io(E),
    /// The transport ended during the opening handshake.
    UnexpectedEof,
    /// A buffer is too small for the handshake head.
    BufferTooSmall,
    /// Server side: the request was refused; the error response has been sent.
    Handshake(HandshakeError),
    /// Client side: the URI is invalid.
    Uri(UriError),
    /// Client side: the server's response was not an acceptable 101.
    Rejected(ClientFailure),
    /// The peer violated the protocol (the Close was sent), timed out, or vanished.
    Connection(ConnectionError),
    /// A send was refused.
    Send(SendError),
    /// The closing handshake is complete. Not a failure.
    Closed,
}

impl<E: fmt::Debug> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "transport error: {e:?}"),
            Error::UnexpectedEof => f.write_str("transport closed during the handshake"),
            Error::BufferTooSmall => f.write_str("buffer too small for the handshake"),
            Error::Handshake(e) => write!(f, "handshake refused: {e}"),
            Error::Uri(e) => write!(f, "invalid URI: {e}"),
            Error::Rejected(failure) => write!(f, "server rejected the handshake: {failure}"),
            Error::Connection(e) => fmt::Display::fmt(e, f),
            Error::Send(e) => fmt::Display::fmt(e, f),
            Error::Closed => f.write_str("connection closed"),
        }
    }
}

impl<E: fmt::Debug> core::error::Error for Error<E> {}

impl<E> From<SendError> for Error<E> {
    fn from(e: SendError) -> Error<E> {
        Error::Send(e)
    }
}

/// The last event's payload, located without borrowing (see [`WebSocket::read`]).
#[derive(Clone, Copy)]
enum Found {
    Data {
        kind: DataKind,
        start: usize,
        len: usize,
        first: bool,
        last: bool,
    },
    Ping(usize),
    Pong(usize),
    Close(CloseCode, usize),
}

/// A WebSocket over an embedded-io-async transport, in caller-provided memory.
pub struct WebSocket<'a, T> {
    io: T,
    conn: Connection<FixedBuffer<'a>>,
    rx: &'a mut [u8],
    start: usize,
    end: usize,
    clock: fn() -> Duration,
    /// A copy of the last control payload (or close reason), for the event.
    control: [u8; MAX_CONTROL_PAYLOAD],
}

impl<'a, T: Read + Write> WebSocket<'a, T> {
    /// Server side: reads the handshake request into `rx`, answers it, and returns the open
    /// connection whose send queue lives in `tx`.
    pub async fn accept(
        mut io: T,
        config: Config,
        rx: &'a mut [u8],
        tx: &'a mut [u8],
        clock: fn() -> Duration,
    ) -> Result<WebSocket<'a, T>, Error<T::Error>> {
        let limits = head_limits(rx);
        let mut filled = 0;
        loop {
            filled += read_more(&mut io, rx, filled).await?;
            let mut headers = [EMPTY_HEADER; 32];
            match Request::parse(&rx[..filled], &mut headers, &limits) {
                Ok(Status::Partial) => continue,
                Ok(Status::Complete((request, used))) => {
                    let n = request
                        .accept()
                        .write_to(tx)
                        .map_err(|_| Error::BufferTooSmall)?;
                    io.write_all(&tx[..n]).await.map_err(Error::Io)?;
                    io.flush().await.map_err(Error::Io)?;
                    rx.copy_within(used..filled, 0);
                    let conn = Connection::server_in(config, FixedBuffer::new(tx), clock());
                    return Ok(WebSocket::open(io, conn, rx, filled - used, clock));
                }
                Err(e) => {
                    if let Ok(n) = e.write_response(tx) {
                        io.write_all(&tx[..n]).await.map_err(Error::Io)?;
                        io.flush().await.map_err(Error::Io)?;
                    }
                    return Err(Error::Handshake(e));
                }
            }
        }
    }

    /// Client side: sends the handshake for `uri` with the caller's 16-byte `nonce`, checks
    /// the response, and returns the open connection. Frames are masked with keys from
    /// `entropy`.
    #[allow(clippy::too_many_arguments)]
    pub async fn connect(
        mut io: T,
        uri: &str,
        nonce: [u8; 16],
        entropy: fn(&mut [u8]),
        config: Config,
        rx: &'a mut [u8],
        tx: &'a mut [u8],
        clock: fn() -> Duration,
    ) -> Result<WebSocket<'a, T>, Error<T::Error>> {
        let request = ClientRequest::new(uri, nonce).map_err(Error::Uri)?;
        let n = request.write_to(tx).map_err(|_| Error::BufferTooSmall)?;
        io.write_all(&tx[..n]).await.map_err(Error::Io)?;
        io.flush().await.map_err(Error::Io)?;
        let limits = head_limits(rx);
        let mut filled = 0;
        loop {
            filled += read_more(&mut io, rx, filled).await?;
            let mut headers = [EMPTY_HEADER; 32];
            match request.parse_response(&rx[..filled], &mut headers, &limits) {
                Ok(Status::Partial) => continue,
                Ok(Status::Complete((_, used))) => {
                    rx.copy_within(used..filled, 0);
                    let conn =
                        Connection::client_in(config, FixedBuffer::new(tx), entropy, clock());
                    return Ok(WebSocket::open(io, conn, rx, filled - used, clock));
                }
                Err(e) => return Err(Error::Rejected(ClientFailure::from(e))),
            }
        }
    }

    /// Wraps a connection whose handshake happened elsewhere; `rx[..leftover]` holds bytes
    /// already read.
    pub fn open(
        io: T,
        conn: Connection<FixedBuffer<'a>>,
        rx: &'a mut [u8],
        leftover: usize,
        clock: fn() -> Duration,
    ) -> WebSocket<'a, T> {
        WebSocket {
            io,
            conn,
            rx,
            start: 0,
            end: leftover,
            clock,
            control: [0; MAX_CONTROL_PAYLOAD],
        }
    }

    /// Waits for the next event: a piece of a message (borrowed from `rx`), a ping (already
    /// answered), a pong, or the peer's Close (already echoed). After the closing handshake
    /// it returns [`Error::Closed`].
    pub async fn read(&mut self) -> Result<Event<'_, '_>, Error<T::Error>> {
        loop {
            let found = self.process()?;
            self.flush().await?;
            if let Some(found) = found {
                return Ok(self.event(found));
            }
            if self.conn.is_finished() {
                return Err(match self.conn.error() {
                    Some(e) => Error::Connection(e),
                    None => Error::Closed,
                });
            }
            self.start = 0;
            self.end = 0;
            let n = self.io.read(self.rx).await.map_err(Error::Io)?;
            if n == 0 {
                let _ = self.conn.handle_eof();
            }
            self.end = n;
        }
    }

    /// Feeds buffered bytes to the connection until an event is found; records where its
    /// payload is instead of borrowing it, so `read` can loop and await in between.
    fn process(&mut self) -> Result<Option<Found>, Error<T::Error>> {
        let now = (self.clock)();
        let base = self.rx.as_ptr() as usize;
        let input = &mut self.rx[self.start..self.end];
        let len = input.len();
        let result = self.conn.receive(now, input).map_err(Error::Connection)?;
        let Some((event, rest)) = result else {
            self.start = self.end;
            return Ok(None);
        };
        let consumed = len - rest.len();
        let mut keep = |payload: &[u8]| {
            self.control[..payload.len()].copy_from_slice(payload);
            payload.len()
        };
        let found = match event {
            Event::Data(d) => Found::Data {
                kind: d.kind,
                start: d.payload.as_ptr() as usize - base,
                len: d.payload.len(),
                first: d.first,
                last: d.last,
            },
            Event::Ping(p) => Found::Ping(keep(p)),
            Event::Pong(p) => Found::Pong(keep(p)),
            Event::Close(c) => Found::Close(c.code, keep(c.reason.as_bytes())),
        };
        self.start += consumed;
        Ok(Some(found))
    }

    fn event(&self, found: Found) -> Event<'_, '_> {
        match found {
            Found::Data {
                kind,
                start,
                len,
                first,
                last,
            } => Event::Data(Data {
                kind,
                payload: &self.rx[start..start + len],
                first,
                last,
            }),
            Found::Ping(len) => Event::Ping(&self.control[..len]),
            Found::Pong(len) => Event::Pong(&self.control[..len]),
            Found::Close(code, len) => Event::Close(CloseFrame {
                code,
                reason: core::str::from_utf8(&self.control[..len]).unwrap_or(""),
            }),
        }
    }

    /// Sends a whole message and waits until it is written.
    pub async fn send(&mut self, kind: DataKind, payload: &[u8]) -> Result<(), Error<T::Error>> {
        match self.conn.send(kind, payload) {
            Err(SendError::QueueFull) => {
                // Make room by writing what is queued, then try once more.
                self.flush().await?;
                self.conn.send(kind, payload)?;
            }
            other => other?,
        }
        self.flush().await
    }

    /// Sends a ping.
    pub async fn ping(&mut self, payload: &[u8]) -> Result<(), Error<T::Error>> {
        self.conn.ping(payload)?;
        self.flush().await
    }

    /// Starts the closing handshake; keep calling [`read`](Self::read) until it returns
    /// [`Error::Closed`].
    pub async fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), Error<T::Error>> {
        self.conn.close((self.clock)(), code, reason)?;
        self.flush().await
    }

    /// Acts on expired timers (keepalive ping, pong deadline, close timeout) and writes what
    /// they queued.
    pub async fn handle_timeout(&mut self) -> Result<(), Error<T::Error>> {
        self.conn.handle_timeout((self.clock)());
        self.flush().await
    }

    /// Writes everything queued.
    pub async fn flush(&mut self) -> Result<(), Error<T::Error>> {
        let mut wrote = false;
        while let Some(t) = self.conn.transmit() {
            let n = t.len();
            self.io.write_all(t.header).await.map_err(Error::Io)?;
            self.io.write_all(t.payload).await.map_err(Error::Io)?;
            self.conn.advance_transmit(n);
            wrote = true;
        }
        if wrote {
            self.io.flush().await.map_err(Error::Io)?;
        }
        Ok(())
    }

    /// The sans-IO connection inside (e.g. for [`Connection::poll_timeout`]).
    pub fn connection(&self) -> &Connection<FixedBuffer<'a>> {
        &self.conn
    }

    /// The transport.
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.io
    }
}

/// The default head limits, capped by the receive buffer's size.
fn head_limits(rx: &[u8]) -> Limits {
    Limits {
        max_head_len: Limits::DEFAULT.max_head_len.min(rx.len()),
        ..Limits::DEFAULT
    }
}

async fn read_more<T: Read>(
    io: &mut T,
    rx: &mut [u8],
    filled: usize,
) -> Result<usize, Error<T::Error>> {
    if filled == rx.len() {
        return Err(Error::BufferTooSmall);
    }
    match io.read(&mut rx[filled..]).await {
        Ok(0) => Err(Error::UnexpectedEof),
        Ok(n) => Ok(n),
        Err(e) => Err(Error::Io(e)),
    }
}
