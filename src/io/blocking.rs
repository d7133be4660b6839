//! The blocking adapter (feature `blocking`): a WebSocket over any `std::io::Read + Write`
//! (a `TcpStream`, a TLS stream, a Unix socket).
//!
//! ```no_run
//! use std::net::TcpListener;
//! use wscore::io::blocking::WebSocket;
//! use wscore::io::Message;
//!
//! let listener = TcpListener::bind("127.0.0.1:9001")?;
//! let (tcp, _) = listener.accept()?;
//! let mut ws = WebSocket::accept(tcp, wscore::Config::default())?;
//! ws.use_socket_timeouts(); // drive keepalive and close timers from read timeouts
//! loop {
//!     match ws.read() {
//!         Ok(msg) if msg.is_data() => ws.send(&msg)?,
//!         Ok(_) => {}                    // ping, pong, close: already handled
//!         Err(e) if e.is_closed() => break,
//!         Err(e) => return Err(e.into()),
//!     }
//! }
//! # Ok::<(), std::io::Error>(())
//! ```

use alloc::vec::Vec;
use core::time::Duration;
use std::io::{ErrorKind, IoSlice, Read, Write};
use std::net::TcpStream;
use std::time::Instant;

use super::connector::{BlockingStream, ConnectOptions};
use super::error::Error;
use super::inbox::{queue, Inbox};
use super::message::Message;
use super::opening::{
    client_step, head_too_long, nonce, os_entropy, server_step, Accepted, ClientStep, Decision,
    ServerStep,
};
use crate::frame::CloseCode;
use crate::handshake::{ClientRequest, Limits, Request};
use crate::{Config, Connection};

/// Sets the transport's read timeout so the connection's timers fire on time.
pub type TimerHook<S> = fn(&mut S, Option<Duration>) -> std::io::Result<()>;

/// A WebSocket over a blocking stream.
///
/// `read` blocks until a message arrives; `send` blocks until the message is written (a slow
/// peer makes it wait; nothing piles up). Pings are answered and Close is echoed inside
/// `read`. The core's timers (keepalive, pong deadline, close timeout) fire when a read times
/// out: call [`use_socket_timeouts`](Self::use_socket_timeouts) for a `TcpStream`, or
/// [`set_timer_hook`](Self::set_timer_hook) for another stream, so the adapter sets the read
/// timeout to the next deadline before each read.
#[derive(Debug)]
pub struct WebSocket<S> {
    stream: S,
    conn: Connection,
    inbox: Inbox,
    epoch: Instant,
    timer_hook: Option<TimerHook<S>>,
    subprotocol: Option<alloc::string::String>,
}

impl<S: Read + Write> WebSocket<S> {
    /// Server side: reads the handshake request, answers it (101, or the error response),
    /// and returns the open connection.
    pub fn accept(stream: S, config: Config) -> Result<WebSocket<S>, Error> {
        WebSocket::accept_with(stream, config, Vec::new(), |_| Ok(None))
    }

    /// Server side, with the bytes already read from `stream` (e.g. by a router that peeked
    /// at the request) and a callback that selects a subprotocol or refuses the request.
    pub fn accept_with(
        mut stream: S,
        config: Config,
        already_read: Vec<u8>,
        mut decide: impl FnMut(&Request<'_, '_>) -> Decision,
    ) -> Result<WebSocket<S>, Error> {
        let limits = Limits::DEFAULT;
        let mut buf = already_read;
        loop {
            match server_step(&buf, &limits, &mut decide) {
                ServerStep::NeedMore => read_head(&mut stream, &mut buf, &limits)?,
                ServerStep::Respond {
                    response,
                    consumed,
                    result,
                } => {
                    stream.write_all(&response)?;
                    stream.flush()?;
                    let Accepted { subprotocol, .. } = result?;
                    let epoch = Instant::now();
                    let conn = Connection::server(config, Duration::ZERO);
                    return Ok(WebSocket::from_parts(
                        stream,
                        conn,
                        &buf[consumed..],
                        epoch,
                        subprotocol,
                    ));
                }
            }
        }
    }

    /// Client side: sends the handshake request for `uri` (`ws://host[:port]/path`) over
    /// `stream` (already connected to that host, TLS already set up for `wss://`), checks
    /// the response, and returns the open connection.
    pub fn connect(uri: &str, stream: S, config: Config) -> Result<WebSocket<S>, Error> {
        let request = ClientRequest::new(uri, nonce()?).map_err(Error::Uri)?;
        WebSocket::connect_with(request, stream, config)
    }

    /// Client side with a prepared request (origin, subprotocols, extra headers).
    pub fn connect_with(
        request: ClientRequest<'_>,
        mut stream: S,
        config: Config,
    ) -> Result<WebSocket<S>, Error> {
        stream.write_all(&request.to_vec())?;
        stream.flush()?;
        let limits = Limits::DEFAULT;
        let mut buf = Vec::new();
        loop {
            match client_step(&request, &buf, &limits)? {
                ClientStep::NeedMore => read_head(&mut stream, &mut buf, &limits)?,
                ClientStep::Accepted {
                    consumed,
                    subprotocol,
                } => {
                    let epoch = Instant::now();
                    let conn = Connection::client(config, os_entropy, Duration::ZERO);
                    return Ok(WebSocket::from_parts(
                        stream,
                        conn,
                        &buf[consumed..],
                        epoch,
                        subprotocol,
                    ));
                }
            }
        }
    }

    /// Wraps a connection whose handshake happened elsewhere (e.g. RFC 8441 over HTTP/2).
    /// `leftover` holds bytes already read that belong to the WebSocket stream. The
    /// connection's clock must count from now.
    pub fn from_connection(stream: S, conn: Connection, leftover: &[u8]) -> WebSocket<S> {
        WebSocket::from_parts(stream, conn, leftover, Instant::now(), None)
    }

    fn from_parts(
        stream: S,
        conn: Connection,
        leftover: &[u8],
        epoch: Instant,
        subprotocol: Option<alloc::string::String>,
    ) -> WebSocket<S> {
        WebSocket {
            stream,
            conn,
            inbox: Inbox::new(leftover),
            epoch,
            timer_hook: None,
            subprotocol,
        }
    }

    /// Sets the function that applies a read timeout to the stream before each read (pass
    /// e.g. `|s, t| s.get_ref().set_read_timeout(t)` for a TLS stream over TCP).
    pub fn set_timer_hook(&mut self, hook: TimerHook<S>) {
        self.timer_hook = Some(hook);
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
            if let Some(hook) = self.timer_hook {
                let wait = deadline.map(|d| d.saturating_sub(now).max(Duration::from_millis(1)));
                hook(&mut self.stream, wait)?;
            }
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
        self.subprotocol.as_deref()
    }

    /// The sans-IO connection inside.
    pub fn connection(&self) -> &Connection {
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

    /// Writes everything queued: header and payload of each frame in one vectored write.
    fn write_out(&mut self) -> Result<(), Error> {
        let mut wrote = false;
        while let Some(t) = self.conn.transmit() {
            let parts = [IoSlice::new(t.header), IoSlice::new(t.payload)];
            let n = match self.stream.write_vectored(&parts) {
                Ok(0) => return Err(Error::Io(ErrorKind::WriteZero.into())),
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
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

impl WebSocket<TcpStream> {
    /// Drives the core's timers with the socket's read timeout.
    pub fn use_socket_timeouts(&mut self) {
        self.timer_hook = Some(|s, t| s.set_read_timeout(t));
    }
}

/// Client side: connects to a `ws://` or `wss://` URI (TLS with feature `tls-blocking`; an
/// HTTP proxy from the environment with feature `proxy`), performs the handshake, and drives
/// the connection's timers with the socket's read timeout.
pub fn connect(uri: &str, config: Config) -> Result<WebSocket<BlockingStream>, Error> {
    let request = ClientRequest::new(uri, nonce()?).map_err(Error::Uri)?;
    connect_request(request, &ConnectOptions::default(), config)
}

/// [`connect`] with a prepared request (origin, subprotocols, extra headers) and explicit
/// [`ConnectOptions`] (proxy, TLS settings): the stream comes from
/// [`connector::open_blocking`](super::connector::open_blocking).
pub fn connect_request(
    request: ClientRequest<'_>,
    options: &ConnectOptions,
    config: Config,
) -> Result<WebSocket<BlockingStream>, Error> {
    let stream = super::connector::open_blocking(request.uri(), options)?;
    let mut ws = WebSocket::connect_with(request, stream, config)?;
    ws.set_timer_hook(|s, t| s.set_read_timeout(t));
    Ok(ws)
}

/// Reads more of a handshake head into `buf`, refusing to grow it past the head limit.
fn read_head<S: Read>(stream: &mut S, buf: &mut Vec<u8>, limits: &Limits) -> Result<(), Error> {
    if head_too_long(buf, limits) {
        return Err(Error::Io(ErrorKind::InvalidData.into()));
    }
    let mut chunk = [0u8; 2048];
    let n = loop {
        match stream.read(&mut chunk) {
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            other => break other?,
        }
    };
    if n == 0 {
        return Err(Error::Io(ErrorKind::UnexpectedEof.into()));
    }
    buf.extend_from_slice(&chunk[..n]);
    Ok(())
}
