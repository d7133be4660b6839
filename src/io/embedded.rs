//! The embedded-io-async adapter (feature `embedded-io-async`): a EmbeddedWebSocket over any
//! `embedded_io_async::Read + Write` (an embassy-net TCP socket, a UART bridge), with no
//! `std` and no allocator. The caller provides the receive and send buffers and, for a
//! client, the handshake nonce and a key source; time comes from a clock function.
//!
//! ```no_run
//! # async fn run<T: embedded_io_async::Read + embedded_io_async::Write>(socket: T) -> Result<(), wscore::io::embedded::Error<T::Error>> {
//! use core::time::Duration;
//! use wscore::io::embedded::{EmbeddedOptions, EmbeddedWebSocket};
//! use wscore::{Config, DataKind, Event};
//!
//! fn clock() -> Duration { Duration::ZERO /* e.g. embassy_time::Instant::now() */ }
//! fn trng(buf: &mut [u8]) -> Result<(), wscore::EntropyError> {
//!     buf.fill(0x5a); // read the hardware generator; report its failure as EntropyError
//!     Ok(())
//! }
//!
//! let (mut rx, mut tx) = ([0u8; 2048], [0u8; 2048]);
//! let nonce = [7u8; 16]; // from the hardware generator too
//! let mut ws = EmbeddedWebSocket::connect(socket, "ws://10.0.0.2/telemetry", nonce, trng,
//!                                 Config::default(), EmbeddedOptions::default(),
//!                                 &mut rx, &mut tx, clock).await?;
//! ws.send(DataKind::Text, b"temperature=21.5").await?;
//! if let Event::Data(reply) = ws.read().await? {
//!     let _ = reply.payload; // a piece of a message, borrowed from `rx`
//! }
//! ws.close(wscore::frame::CloseCode::NORMAL, "").await?;
//! # Ok(()) }
//! ```
//!
//! permessage-deflate is not available here: its codec needs an allocator (about 350 KiB of
//! compressor state and 45 KiB of inflater state per connection, see `docs/deflate.md`),
//! more than this adapter's caller-provided buffers are meant for; extension offers are
//! declined.
//!
//! Messages arrive as pieces ([`Data`] with `first`/`last`), which is how a device streams a
//! message larger than its memory. Timers: embedded-io-async has none, so arm your
//! executor's timer for [`Connection::poll_timeout`] and call
//! [`EmbeddedWebSocket::handle_timeout`] when it fires (e.g. `select` it against
//! [`EmbeddedWebSocket::read`]).

use core::fmt;
use core::time::Duration;

use embedded_io_async::{Read, Write};

use super::driver::{self, OpeningError, OpeningIo};
use crate::frame::CloseCode;
use crate::handshake::{
    Answer, ClientFailure, ClientHandshake, ClientRequest, HandshakeError, Limits, ServerHandshake,
    UriError,
};
use crate::{
    Config, Connection, ConnectionError, ControlPayload, Data, DataKind, Entropy, Event,
    FixedBuffer, NoEntropy, PeerClose, SendError,
};

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
    /// Server side: the answer could not be sent as asked; this status was sent instead.
    Refused(u16),
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
            Error::Refused(status) => write!(f, "handshake refused with {status}"),
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

/// The handshake options of the embedded adapter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct EmbeddedOptions {
    /// Limits of the handshake head (also capped by the receive and send buffers).
    pub limits: Limits,
    /// How long the opening handshake may take, measured on the adapter's clock. Reads
    /// cannot be interrupted here (embedded-io-async has no timer): the deadline is checked
    /// whenever a read returns; race [`EmbeddedWebSocket::accept`] against your executor's timer to
    /// bound a silent peer.
    pub open_timeout: Option<Duration>,
}

impl Default for EmbeddedOptions {
    fn default() -> EmbeddedOptions {
        EmbeddedOptions {
            limits: Limits::DEFAULT,
            open_timeout: Some(Duration::from_secs(10)),
        }
    }
}

/// A data piece's place in the receive buffer (the event is rebuilt from it after the
/// loop: an async loop cannot return a borrow made in an earlier iteration).
#[derive(Clone, Copy)]
enum Found {
    Data {
        kind: DataKind,
        start: usize,
        len: usize,
        first: bool,
        last: bool,
    },
    Ping(ControlPayload),
    Pong(ControlPayload),
    Close(PeerClose),
}

/// A EmbeddedWebSocket over an embedded-io-async transport, in caller-provided memory.
pub struct EmbeddedWebSocket<'a, T, R = NoEntropy> {
    io: T,
    conn: Connection<FixedBuffer<'a>, R>,
    rx: &'a mut [u8],
    start: usize,
    end: usize,
    clock: fn() -> Duration,
}

/// The transport as the handshake driver sees it.
struct Opening<'t, T>(&'t mut T);

impl<T: Read + Write> OpeningIo for Opening<'_, T> {
    type Error = T::Error;

    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, T::Error> {
        self.0.read(buf).await
    }

    async fn write_all(&mut self, bytes: &[u8]) -> Result<(), T::Error> {
        self.0.write_all(bytes).await?;
        self.0.flush().await
    }
}

fn opening_error<E>(e: OpeningError<E>) -> Error<E> {
    match e {
        OpeningError::Io(e) => Error::Io(e),
        OpeningError::Eof => Error::UnexpectedEof,
        OpeningError::Handshake(e) => Error::Handshake(e),
        OpeningError::Refused(status) => Error::Refused(status),
        OpeningError::Rejected(f) => Error::Rejected(f),
        OpeningError::TimedOut => Error::Rejected(ClientFailure {
            kind: crate::handshake::ClientFailureKind::TimedOut,
            status: None,
        }),
    }
}

fn limits_for(options: &EmbeddedOptions, rx: &[u8], tx: &[u8]) -> Limits {
    Limits {
        max_head_len: options.limits.max_head_len.min(rx.len()).min(tx.len()),
        ..options.limits
    }
}

impl<'a, T: Read + Write> EmbeddedWebSocket<'a, T> {
    /// Server side: reads the handshake request into `rx`, answers it, and returns the open
    /// connection whose send queue lives in `tx` (which also holds the head meanwhile).
    pub async fn accept(
        mut io: T,
        config: Config,
        options: EmbeddedOptions,
        rx: &'a mut [u8],
        tx: &'a mut [u8],
        clock: fn() -> Duration,
    ) -> Result<EmbeddedWebSocket<'a, T>, Error<T::Error>> {
        let now = clock();
        let limits = limits_for(&options, rx, tx);
        let mut hs = ServerHandshake::new(config, limits, FixedBuffer::new(tx), now)
            .with_timeout(now, options.open_timeout);
        let mut answer =
            |hs: &mut ServerHandshake<FixedBuffer<'a>>| hs.respond(|_| Answer::accept());
        let (start, end) =
            driver::serve(&mut Opening(&mut io), &mut hs, rx, 0, &clock, &mut answer)
                .await
                .map_err(opening_error)?;
        let conn = hs
            .into_connection(clock())
            .map_err(|_| Error::BufferTooSmall)?;
        Ok(EmbeddedWebSocket {
            io,
            conn,
            rx,
            start,
            end,
            clock,
        })
    }
}

impl<'a, T: Read + Write, R: Entropy> EmbeddedWebSocket<'a, T, R> {
    /// Client side: sends the handshake for `uri` with the caller's 16-byte `nonce`, checks
    /// the response, and returns the open connection. Frames are masked with keys from
    /// `entropy` (e.g. the hardware generator); if it fails, sends fail closed.
    #[allow(clippy::too_many_arguments)]
    pub async fn connect(
        mut io: T,
        uri: &str,
        nonce: [u8; 16],
        entropy: R,
        config: Config,
        options: EmbeddedOptions,
        rx: &'a mut [u8],
        tx: &'a mut [u8],
        clock: fn() -> Duration,
    ) -> Result<EmbeddedWebSocket<'a, T, R>, Error<T::Error>> {
        let request = ClientRequest::new(uri, nonce).map_err(Error::Uri)?;
        let now = clock();
        let limits = limits_for(&options, rx, tx);
        let mut hs = ClientHandshake::new(request, config, limits, FixedBuffer::new(tx))
            .map_err(|_| Error::BufferTooSmall)?
            .with_timeout(now, options.open_timeout);
        let (start, end) = driver::connect(&mut Opening(&mut io), &mut hs, rx, &clock)
            .await
            .map_err(opening_error)?;
        let conn = hs
            .into_connection(entropy, clock())
            .map_err(|_| Error::BufferTooSmall)?;
        Ok(EmbeddedWebSocket {
            io,
            conn,
            rx,
            start,
            end,
            clock,
        })
    }

    /// Wraps a connection whose handshake happened elsewhere; `rx[..leftover]` holds bytes
    /// already read.
    pub fn open(
        io: T,
        conn: Connection<FixedBuffer<'a>, R>,
        rx: &'a mut [u8],
        leftover: usize,
        clock: fn() -> Duration,
    ) -> EmbeddedWebSocket<'a, T, R> {
        EmbeddedWebSocket {
            io,
            conn,
            rx,
            start: 0,
            end: leftover,
            clock,
        }
    }

    /// Waits for the next event: a piece of a message (borrowed from `rx`), a ping (already
    /// answered), a pong, or the peer's Close (already echoed). After the closing handshake
    /// it returns [`Error::Closed`]. Data the peer sent after our Close is still delivered.
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
    /// payload is instead of borrowing it, so `read` can loop and await in between. A data
    /// payload always ends where the unread rest begins, so its place follows from lengths.
    fn process(&mut self) -> Result<Option<Found>, Error<T::Error>> {
        let now = (self.clock)();
        let input = &mut self.rx[self.start..self.end];
        let len = input.len();
        let result = self.conn.receive(now, input).map_err(Error::Connection)?;
        let Some((event, rest)) = result else {
            self.start = self.end;
            return Ok(None);
        };
        let consumed = len - rest.len();
        let found = match event {
            Event::Data(d) => Found::Data {
                kind: d.kind,
                start: self.start + consumed - d.payload.len(),
                len: d.payload.len(),
                first: d.first,
                last: d.last,
            },
            // No extension runs here (none can be negotiated without `alloc`).
            Event::Decoded(_) => return Ok(None),
            Event::Ping(p) => Found::Ping(p),
            Event::Pong(p) => Found::Pong(p),
            Event::Close(c) => Found::Close(c),
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
            Found::Ping(p) => Event::Ping(p),
            Found::Pong(p) => Event::Pong(p),
            Found::Close(c) => Event::Close(c),
        }
    }

    /// Sends a whole message and waits until it is written.
    pub async fn send(&mut self, kind: DataKind, payload: &[u8]) -> Result<(), Error<T::Error>> {
        match self.conn.send(kind, payload) {
            Err(SendError::MessageQueueFull) => {
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
            match t.as_contiguous() {
                // Header and payload in one write: one segment on the wire, not two.
                Some(bytes) => self.io.write_all(bytes).await.map_err(Error::Io)?,
                None => {
                    self.io.write_all(t.header).await.map_err(Error::Io)?;
                    self.io.write_all(t.payload).await.map_err(Error::Io)?;
                }
            }
            self.conn.advance_transmit(n);
            wrote = true;
        }
        if wrote {
            self.io.flush().await.map_err(Error::Io)?;
        }
        Ok(())
    }

    /// The sans-IO connection inside (e.g. for [`Connection::poll_timeout`]).
    pub fn connection(&self) -> &Connection<FixedBuffer<'a>, R> {
        &self.conn
    }

    /// The transport.
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.io
    }
}
