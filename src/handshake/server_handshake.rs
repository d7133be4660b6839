//! The server's opening handshake as a sans-IO state machine: bytes in, the 101 (or the
//! refusal) out, a deadline, and on success a configured [`Connection`].

use core::time::Duration;

use super::emit::render_into;
use super::error::{BuildError, HandshakeError};
use super::head::{HeadScanner, HttpHeader, Limits, Status, EMPTY_HEADER};
use super::server::{Reject, Request};
use crate::entropy::{Entropy, NoEntropy};
use crate::{Config, Connection, Role, SendBuffer};

/// The most headers a request head is parsed into (a [`Limits::max_headers`] above this
/// counts as this).
pub const MAX_PARSED_HEADERS: usize = 64;

/// The longest subprotocol name a handshake can select (the connection keeps it inline).
pub const MAX_SUBPROTOCOL_LEN: usize = 64;

/// What a [`ServerHandshake`] needs from its caller next; named after the caller's next
/// action, rustls style.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerStatus {
    /// Read from the transport and pass the bytes to [`ServerHandshake::receive`].
    NeedsInput,
    /// The request head is complete and valid: look at it with
    /// [`ServerHandshake::request`] and answer with [`ServerHandshake::respond`].
    NeedsAnswer,
    /// Write out [`ServerHandshake::transmit`] (the 101 or the refusal).
    NeedsTransmit,
    /// The 101 is written: take the connection with [`ServerHandshake::into_connection`].
    Accepted,
    /// The refusal (`status`) is written, or the deadline passed: close the transport.
    Refused {
        /// The status sent; `None` when nothing was sent (the opening deadline passed).
        status: Option<u16>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Head,
    Answer,
    Responding { accepted: bool, status: u16 },
    TimedOut,
}

/// The application's answer to a handshake request: accept (with a subprotocol and extra
/// headers) or refuse. Borrows only the application's own data (`'d`), so a closure can
/// build it from a list of supported subprotocols.
#[derive(Clone, Copy, Debug)]
pub struct Answer<'d> {
    reject: Option<Reject<'d>>,
    subprotocol: Option<&'d str>,
    headers: &'d [HttpHeader<'d>],
}

impl<'d> Answer<'d> {
    /// Accept, with no subprotocol and no extra headers.
    pub const fn accept() -> Answer<'d> {
        Answer {
            reject: None,
            subprotocol: None,
            headers: &[],
        }
    }

    /// Refuse with `reject` (its status, headers and body).
    pub const fn reject(reject: Reject<'d>) -> Answer<'d> {
        Answer {
            reject: Some(reject),
            subprotocol: None,
            headers: &[],
        }
    }

    /// Selects `protocol`, which must be one the client offered (checked by
    /// [`ServerHandshake::respond`]).
    pub const fn subprotocol(mut self, protocol: Option<&'d str>) -> Answer<'d> {
        self.subprotocol = protocol;
        self
    }

    /// Adds response headers to the 101 (cookies, server name...).
    pub const fn headers(mut self, headers: &'d [HttpHeader<'d>]) -> Answer<'d> {
        self.headers = headers;
        self
    }
}

/// The server side of the opening handshake (RFC 6455 4.2), sans-IO.
///
/// Feed it the bytes read from the transport ([`receive`](Self::receive) scans only what is
/// new: a head split over many reads is never re-parsed), answer the request once it is
/// complete ([`respond`](Self::respond)), write out what [`transmit`](Self::transmit) hands
/// out, and, once [`status`](Self::status) says [`ServerStatus::Accepted`], take the
/// [`Connection`] with [`into_connection`](Self::into_connection): configured with the
/// server role, the `Config`, the negotiated extension and subprotocol. A request that
/// fails validation or a head over [`Limits`] is answered by the matching refusal (400, 405
/// with `Allow`, 426 with `Sec-WebSocket-Version: 13`, 431, 505), always written before the
/// transport is closed. [`poll_timeout`](Self::poll_timeout) /
/// [`handle_timeout`](Self::handle_timeout) enforce the opening deadline: past it, nothing
/// is sent and the transport should be closed.
///
/// `B` holds the head and then the response; it becomes the connection's send buffer, so a
/// [`FixedBuffer`](crate::FixedBuffer) makes the whole path allocation-free.
///
/// ```
/// # #[cfg(feature = "alloc")] {
/// use core::time::Duration;
/// use wscore::handshake::{Answer, Limits, ServerHandshake, ServerStatus};
/// use wscore::Config;
///
/// let now = Duration::ZERO;
/// let mut hs = ServerHandshake::new(Config::default(), Limits::DEFAULT, Vec::new(), now);
/// let wire = b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
///     Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
///     Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Version: 13\r\n\r\n";
/// let used = hs.receive(now, wire).unwrap();
/// assert_eq!((used, hs.status()), (wire.len(), ServerStatus::NeedsAnswer));
/// assert_eq!(hs.request(|r| r.path() == "/chat"), Some(true));
/// hs.respond(|_| Answer::accept().subprotocol(Some("chat"))).unwrap();
/// let mut out = Vec::new();
/// while let Some(bytes) = hs.transmit() {
///     out.extend_from_slice(bytes);
///     let n = bytes.len();
///     hs.advance_transmit(n);
/// }
/// assert!(out.starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
/// let conn = hs.into_connection(now).unwrap();
/// assert_eq!(conn.subprotocol(), Some("chat"));
/// # }
/// ```
pub struct ServerHandshake<B> {
    config: Config,
    limits: Limits,
    buf: B,
    scanner: HeadScanner,
    head_len: usize,
    phase: Phase,
    sent: usize,
    deadline: Option<Duration>,
    subprotocol: crate::connection::Subprotocol,
    #[cfg(feature = "alloc")]
    negotiation: Option<alloc::sync::Arc<dyn crate::extension::ServerNegotiation>>,
    #[cfg(feature = "alloc")]
    extension: Option<alloc::boxed::Box<dyn crate::extension::Extension>>,
}

impl<B> core::fmt::Debug for ServerHandshake<B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ServerHandshake")
            .field("phase", &self.phase)
            .field("head_len", &self.head_len)
            .finish_non_exhaustive()
    }
}

impl<B: SendBuffer> ServerHandshake<B> {
    /// A handshake that will open a connection with `config`, parsing the head under
    /// `limits`, keeping it in `buffer` (which becomes the connection's send buffer). `now`
    /// starts the opening deadline if one is set ([`with_timeout`](Self::with_timeout)).
    pub fn new(config: Config, limits: Limits, buffer: B, now: Duration) -> ServerHandshake<B> {
        let _ = now;
        ServerHandshake {
            config,
            limits,
            buf: buffer,
            scanner: HeadScanner::new(&limits),
            head_len: 0,
            phase: Phase::Head,
            sent: 0,
            deadline: None,
            subprotocol: crate::connection::Subprotocol::NONE,
            #[cfg(feature = "alloc")]
            negotiation: None,
            #[cfg(feature = "alloc")]
            extension: None,
        }
    }

    /// Sets the opening deadline: `timeout` after `now`. Past it the handshake is abandoned
    /// without a response ([`ServerStatus::Refused`] with no status).
    #[must_use]
    pub fn with_timeout(mut self, now: Duration, timeout: Option<Duration>) -> ServerHandshake<B> {
        self.deadline = timeout.map(|t| now.saturating_add(t));
        self
    }

    /// Negotiates extensions with `negotiation` (e.g. permessage-deflate's server policy).
    /// Without it, every extension offer is declined.
    #[cfg(feature = "alloc")]
    #[must_use]
    pub fn with_extensions(
        mut self,
        negotiation: alloc::sync::Arc<dyn crate::extension::ServerNegotiation>,
    ) -> ServerHandshake<B> {
        self.negotiation = Some(negotiation);
        self
    }

    /// What the caller should do next.
    pub fn status(&self) -> ServerStatus {
        match self.phase {
            Phase::Head => ServerStatus::NeedsInput,
            Phase::Answer => ServerStatus::NeedsAnswer,
            Phase::Responding { accepted, status } => {
                if self.sent < self.buf.as_slice().len() {
                    ServerStatus::NeedsTransmit
                } else if accepted {
                    ServerStatus::Accepted
                } else {
                    ServerStatus::Refused {
                        status: Some(status),
                    }
                }
            }
            Phase::TimedOut => ServerStatus::Refused { status: None },
        }
    }

    /// Takes bytes read from the transport; returns how many belong to the head. The rest
    /// (once the head is complete) are already WebSocket frames: feed them to the
    /// connection. Only the new bytes are scanned. A head that breaks the rules or the
    /// limits is answered with its refusal (see [`transmit`](Self::transmit)) and reported
    /// here too.
    pub fn receive(&mut self, now: Duration, bytes: &[u8]) -> Result<usize, HandshakeError> {
        self.handle_timeout(now);
        if self.phase != Phase::Head {
            return Ok(0);
        }
        let before = self.buf.as_slice().len();
        // Never hold more than the head limit (plus one byte, to tell "too long").
        let room = (self.limits.max_head_len + 1).saturating_sub(before);
        let take = bytes.len().min(room);
        if !self.buf.has_room(take) {
            return Err(self.refuse(HandshakeError::Head(super::head::HeadError::HeadTooLarge)));
        }
        self.buf.extend_from_slice(&bytes[..take]);
        match self.scanner.scan(self.buf.as_slice()) {
            Ok(None) => Ok(take),
            Ok(Some(end)) => {
                self.head_len = end;
                self.buf.truncate(end);
                let used = end - before;
                match self.parse(|_| ()) {
                    Ok(()) => {
                        self.phase = Phase::Answer;
                        Ok(used)
                    }
                    Err(e) => Err(self.refuse(e)),
                }
            }
            Err(e) => Err(self.refuse(HandshakeError::Head(e))),
        }
    }

    /// Parses the complete head (never more than once per call) and hands the request to
    /// `f`.
    fn parse<T>(&self, f: impl FnOnce(&Request<'_, '_>) -> T) -> Result<T, HandshakeError> {
        let mut headers = [EMPTY_HEADER; MAX_PARSED_HEADERS];
        let max = self.limits.max_headers.min(MAX_PARSED_HEADERS);
        let head = &self.buf.as_slice()[..self.head_len];
        match Request::parse(head, &mut headers[..max], &self.limits)? {
            Status::Complete((request, _)) => Ok(f(&request)),
            // The scanner found the blank line, so the parser cannot ask for more.
            Status::Partial => Err(HandshakeError::Head(super::head::HeadError::HeadTooLarge)),
        }
    }

    /// Lets `f` look at the validated request (path, host, origin, offers); `None` until
    /// the head is complete and valid.
    pub fn request<T>(&self, f: impl FnOnce(&Request<'_, '_>) -> T) -> Option<T> {
        match self.phase {
            Phase::Answer => self.parse(f).ok(),
            _ => None,
        }
    }

    /// Answers the request with what `decide` returns: the 101 (with the subprotocol, the
    /// negotiated extension and the extra headers) or the application's refusal. An answer
    /// that cannot be sent (a subprotocol the client did not offer, a reserved header, a
    /// status outside 200-599) is refused with 500 instead, and the mistake reported.
    pub fn respond<'d>(
        &mut self,
        decide: impl FnOnce(&Request<'_, '_>) -> Answer<'d>,
    ) -> Result<(), BuildError> {
        if self.phase != Phase::Answer {
            return Err(BuildError::NotReady);
        }
        #[cfg(feature = "alloc")]
        let negotiation = self.negotiation.clone();
        let decided = self.parse(|request| -> Result<Decided<'d>, BuildError> {
            let answer = decide(request);
            if let Some(reject) = answer.reject {
                reject.check()?;
                return Ok(Decided::Reject(reject));
            }
            let mut accept = request.accept();
            if let Some(protocol) = answer.subprotocol {
                if protocol.len() > MAX_SUBPROTOCOL_LEN {
                    return Err(BuildError::InvalidSubprotocol);
                }
                accept = accept.subprotocol(protocol)?;
            }
            accept.headers(answer.headers)?;
            #[cfg(feature = "alloc")]
            let agreed = negotiation
                .as_ref()
                .and_then(|n| n.negotiate(request.extensions()));
            #[cfg(feature = "alloc")]
            if let Some(agreed) = &agreed {
                accept.extensions(&agreed.response)?;
            }
            Ok(Decided::Accept {
                key: request.accept_key(),
                subprotocol: answer.subprotocol,
                headers: answer.headers,
                #[cfg(feature = "alloc")]
                agreed,
            })
        });
        let decided = match decided {
            Ok(decided) => decided,
            Err(e) => {
                self.refuse(e);
                return Err(BuildError::NotReady);
            }
        };
        self.buf.truncate(0);
        self.sent = 0;
        match decided {
            Ok(Decided::Reject(reject)) => {
                if render_into(&mut self.buf, |o| reject.render(o)).is_err() {
                    self.internal_error();
                    return Err(BuildError::BufferTooSmall(crate::BufferTooSmall {
                        needed: self.limits.max_head_len,
                    }));
                }
                self.phase = Phase::Responding {
                    accepted: false,
                    status: reject.status(),
                };
                Ok(())
            }
            Ok(Decided::Accept {
                key,
                subprotocol,
                headers,
                #[cfg(feature = "alloc")]
                agreed,
            }) => {
                #[cfg(feature = "alloc")]
                let (response, extension) = match agreed {
                    Some(a) => (Some(a.response), Some(a.extension)),
                    None => (None, None),
                };
                #[cfg(feature = "alloc")]
                let extensions = response.as_deref();
                #[cfg(not(feature = "alloc"))]
                let extensions: Option<&str> = None;
                let accept =
                    super::server::Accept::from_parts(key, subprotocol, extensions, headers);
                if let Err(e) = render_into(&mut self.buf, |o| accept.render(o)) {
                    self.internal_error();
                    return Err(BuildError::BufferTooSmall(e));
                }
                self.subprotocol = subprotocol.map_or(
                    crate::connection::Subprotocol::NONE,
                    crate::connection::Subprotocol::new,
                );
                #[cfg(feature = "alloc")]
                {
                    self.extension = extension;
                }
                self.phase = Phase::Responding {
                    accepted: true,
                    status: 101,
                };
                Ok(())
            }
            Err(e) => {
                self.internal_error();
                Err(e)
            }
        }
    }

    /// Answers with `e`'s refusal and returns `e`.
    fn refuse(&mut self, e: HandshakeError) -> HandshakeError {
        self.buf.truncate(0);
        self.sent = 0;
        // A buffer too small for even the refusal sends nothing; the status still says why.
        let _ = render_into(&mut self.buf, |o| e.render(o));
        self.phase = Phase::Responding {
            accepted: false,
            status: e.status(),
        };
        e
    }

    /// The application's answer could not be sent: 500.
    fn internal_error(&mut self) {
        self.buf.truncate(0);
        self.sent = 0;
        let reject = Reject::new(500);
        let _ = render_into(&mut self.buf, |o| reject.render(o));
        self.phase = Phase::Responding {
            accepted: false,
            status: 500,
        };
    }

    /// The response bytes still to write, or `None` when there are none.
    pub fn transmit(&self) -> Option<&[u8]> {
        match self.phase {
            Phase::Responding { .. } => {
                let rest = &self.buf.as_slice()[self.sent..];
                (!rest.is_empty()).then_some(rest)
            }
            _ => None,
        }
    }

    /// Copies as much of the response as fits into `out`; returns how many bytes (0 when
    /// nothing is left to send).
    pub fn poll_transmit(&mut self, out: &mut [u8]) -> usize {
        let Some(bytes) = self.transmit() else {
            return 0;
        };
        let n = bytes.len().min(out.len());
        out[..n].copy_from_slice(&bytes[..n]);
        self.advance_transmit(n);
        n
    }

    /// Records that `n` bytes of [`transmit`](Self::transmit) were written.
    pub fn advance_transmit(&mut self, n: usize) {
        self.sent = (self.sent + n).min(self.buf.as_slice().len());
    }

    /// The opening deadline, while it still matters.
    pub fn poll_timeout(&self) -> Option<Duration> {
        match self.status() {
            ServerStatus::NeedsInput | ServerStatus::NeedsAnswer | ServerStatus::NeedsTransmit => {
                self.deadline
            }
            _ => None,
        }
    }

    /// Abandons the handshake if the opening deadline has passed: nothing (more) is sent,
    /// and [`status`](Self::status) says to close the transport.
    pub fn handle_timeout(&mut self, now: Duration) {
        if self.poll_timeout().is_some_and(|d| now >= d) {
            self.phase = Phase::TimedOut;
        }
    }

    /// The subprotocol selected by [`respond`](Self::respond), if any.
    pub fn subprotocol(&self) -> Option<&str> {
        self.subprotocol.as_str()
    }

    /// The open connection, once the 101 is written ([`ServerStatus::Accepted`]): server
    /// role, the `Config`, the negotiated subprotocol and extension (whose RSV bits are now
    /// legal). `now` starts its keepalive timer. Bytes that followed the head go to its
    /// `receive`.
    pub fn into_connection(self, now: Duration) -> Result<Connection<B>, BuildError> {
        self.into_connection_with(NoEntropy, now)
    }

    /// [`into_connection`](Self::into_connection) with a connection type that carries an
    /// entropy source (never drawn from by a server; lets an adapter give both roles one
    /// type).
    pub fn into_connection_with<R: Entropy>(
        mut self,
        entropy: R,
        now: Duration,
    ) -> Result<Connection<B, R>, BuildError> {
        if self.status() != ServerStatus::Accepted {
            return Err(BuildError::NotReady);
        }
        self.buf.truncate(0);
        let conn = Connection::new(Role::Server, self.config, self.buf, entropy, now)
            .with_subprotocol_of(self.subprotocol);
        #[cfg(feature = "alloc")]
        let conn = match self.extension {
            Some(extension) => conn.with_extension(extension),
            None => conn,
        };
        Ok(conn)
    }
}

/// What the application decided, with nothing borrowed from the request.
enum Decided<'d> {
    Reject(Reject<'d>),
    Accept {
        key: super::accept::AcceptKey,
        subprotocol: Option<&'d str>,
        headers: &'d [HttpHeader<'d>],
        #[cfg(feature = "alloc")]
        agreed: Option<crate::extension::Agreed>,
    },
}
