//! The client's opening handshake as a sans-IO state machine: the request out, the response
//! in (scanned incrementally), a deadline, and on success a configured [`Connection`].

use core::time::Duration;

use super::client::ClientRequest;
use super::emit::render_into;
use super::error::{BuildError, ClientFailure, ClientFailureKind, Rejection};
use super::head::{parse_response, HeadScanner, Limits, Status, EMPTY_HEADER};
use super::server_handshake::{MAX_PARSED_HEADERS, MAX_SUBPROTOCOL_LEN};
use crate::connection::Subprotocol;
use crate::entropy::Entropy;
use crate::{Config, Connection, Role, SendBuffer};

/// What a [`ClientHandshake`] needs from its caller next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientStatus {
    /// Write out [`ClientHandshake::transmit`] (the request).
    NeedsTransmit,
    /// Read from the transport and pass the bytes to [`ClientHandshake::receive`].
    NeedsInput,
    /// The server accepted: take the connection with [`ClientHandshake::into_connection`].
    Accepted,
    /// The handshake failed (refused, invalid answer, or the deadline passed): close the
    /// transport.
    Failed(ClientFailure),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Request,
    Response,
    Accepted,
    Failed(ClientFailure),
}

/// The client side of the opening handshake (RFC 6455 4.1), sans-IO, and the one client
/// handshake type: it renders the [`ClientRequest`] once, checks the server's answer as it
/// arrives (only new bytes are scanned), enforces an opening deadline, and hands over a
/// [`Connection`] configured with the client role, the `Config`, the selected subprotocol
/// and the negotiated extension.
///
/// ```
/// # #[cfg(feature = "alloc")] {
/// use core::time::Duration;
/// use wscore::handshake::{ClientHandshake, ClientRequest, ClientStatus, Limits};
/// use wscore::{Config, EntropyError};
///
/// let now = Duration::ZERO;
/// let request = ClientRequest::new("ws://server.example.com/chat", *b"the sample nonce")?;
/// let mut hs = ClientHandshake::new(request, Config::default(), Limits::DEFAULT, Vec::new())?;
/// let bytes = hs.transmit().unwrap().len();
/// hs.advance_transmit(bytes);
/// let answer = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
///     Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
/// assert_eq!(hs.receive(now, answer), Ok(answer.len()));
/// assert_eq!(hs.status(), ClientStatus::Accepted);
/// let rng = |b: &mut [u8]| -> Result<(), EntropyError> { b.fill(7); Ok(()) };
/// let conn = hs.into_connection(rng, now)?;
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ClientHandshake<'a, B> {
    request: ClientRequest<'a>,
    config: Config,
    limits: Limits,
    buf: B,
    /// The rendered request is `buf[..request_len]`, the response head after it.
    request_len: usize,
    sent: usize,
    scanner: HeadScanner,
    phase: Phase,
    deadline: Option<Duration>,
    subprotocol: Subprotocol,
    #[cfg(feature = "alloc")]
    negotiation: Option<(
        alloc::sync::Arc<dyn crate::extension::ClientNegotiation>,
        alloc::string::String,
    )>,
    #[cfg(feature = "alloc")]
    extension: Option<alloc::boxed::Box<dyn crate::extension::Extension>>,
}

impl<B> core::fmt::Debug for ClientHandshake<'_, B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientHandshake")
            .field("uri", self.request.uri())
            .field("phase", &self.phase)
            .finish_non_exhaustive()
    }
}

impl<'a, B: SendBuffer> ClientHandshake<'a, B> {
    /// Renders `request` into `buffer` (which later holds the response head, then becomes
    /// the connection's send buffer). Subprotocols longer than
    /// [`MAX_SUBPROTOCOL_LEN`] bytes cannot be offered, and a raw extension offer set with
    /// [`ClientRequest::extensions`] is refused ([`BuildError::ExtensionNeedsCodec`]): an
    /// extension agreed without its codec would break the connection at its first frame, so
    /// extensions are offered with `with_extensions`.
    pub fn new(
        request: ClientRequest<'a>,
        config: Config,
        limits: Limits,
        buffer: B,
    ) -> Result<ClientHandshake<'a, B>, BuildError> {
        if request
            .offered_subprotocols()
            .iter()
            .any(|p| p.len() > MAX_SUBPROTOCOL_LEN)
        {
            return Err(BuildError::InvalidSubprotocol);
        }
        if request.offered_extensions().is_some() {
            return Err(BuildError::ExtensionNeedsCodec);
        }
        let mut hs = ClientHandshake {
            request,
            config,
            limits,
            buf: buffer,
            request_len: 0,
            sent: 0,
            scanner: HeadScanner::new(&limits),
            phase: Phase::Request,
            deadline: None,
            subprotocol: Subprotocol::NONE,
            #[cfg(feature = "alloc")]
            negotiation: None,
            #[cfg(feature = "alloc")]
            extension: None,
        };
        hs.render(request)?;
        Ok(hs)
    }

    fn render(&mut self, request: ClientRequest<'_>) -> Result<(), BuildError> {
        self.buf.truncate(0);
        self.request_len = render_into(&mut self.buf, |o| request.render(o))?;
        Ok(())
    }

    /// Sets the opening deadline: `timeout` after `now` (the connect time). Past it the
    /// handshake fails with [`ClientFailureKind::TimedOut`].
    #[must_use]
    pub fn with_timeout(
        mut self,
        now: Duration,
        timeout: Option<Duration>,
    ) -> ClientHandshake<'a, B> {
        self.deadline = timeout.map(|t| now.saturating_add(t));
        self
    }

    /// Offers the extension `negotiation` describes (e.g. permessage-deflate), and checks
    /// the server's answer with it. Replaces any offer set on the request.
    #[cfg(feature = "alloc")]
    pub fn with_extensions(
        mut self,
        negotiation: alloc::sync::Arc<dyn crate::extension::ClientNegotiation>,
    ) -> Result<ClientHandshake<'a, B>, BuildError> {
        let offer = negotiation.offer();
        let request = self.request.extensions(&offer)?;
        self.render(request)?;
        self.negotiation = Some((negotiation, offer));
        Ok(self)
    }

    /// What the caller should do next.
    pub fn status(&self) -> ClientStatus {
        match self.phase {
            Phase::Request => ClientStatus::NeedsTransmit,
            Phase::Response => ClientStatus::NeedsInput,
            Phase::Accepted => ClientStatus::Accepted,
            Phase::Failed(f) => ClientStatus::Failed(f),
        }
    }

    /// The request bytes still to write, or `None`.
    pub fn transmit(&self) -> Option<&[u8]> {
        match self.phase {
            Phase::Request => Some(&self.buf.as_slice()[self.sent..self.request_len]),
            _ => None,
        }
    }

    /// Copies as much of the request as fits into `out`; returns how many bytes (0 when
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
        if self.phase == Phase::Request {
            self.sent = (self.sent + n).min(self.request_len);
            if self.sent == self.request_len {
                self.phase = Phase::Response;
            }
        }
    }

    /// Takes bytes read from the transport; returns how many belong to the response head
    /// (the rest are already WebSocket frames: feed them to the connection). Only new bytes
    /// are scanned; the head is parsed once, when complete.
    pub fn receive(&mut self, now: Duration, bytes: &[u8]) -> Result<usize, ClientFailure> {
        self.handle_timeout(now);
        match self.phase {
            Phase::Response => {}
            Phase::Failed(f) => return Err(f),
            // A server that answers before the request is out is answering something else.
            _ => return Ok(0),
        }
        let before = self.buf.as_slice().len() - self.request_len;
        let room = (self.limits.max_head_len + 1).saturating_sub(before);
        let take = bytes.len().min(room);
        if !self.buf.has_room(take) {
            return Err(self.failed(
                ClientFailureKind::Head(super::head::HeadError::HeadTooLarge),
                None,
            ));
        }
        self.buf.extend_from_slice(&bytes[..take]);
        let end = match self.scanner.scan(&self.buf.as_slice()[self.request_len..]) {
            Ok(None) => return Ok(take),
            Ok(Some(end)) => end,
            Err(e) => return Err(self.failed(ClientFailureKind::Head(e), None)),
        };
        self.buf.truncate(self.request_len + end);
        let used = end - before;
        match self.check() {
            Ok(subprotocol) => {
                self.subprotocol = subprotocol;
                self.phase = Phase::Accepted;
                Ok(used)
            }
            Err(failure) => {
                // Keep what followed the head of a refusal (the start of its body).
                let rest = &bytes[used.min(bytes.len())..];
                let keep = rest.len().min(1024);
                if self.buf.has_room(keep) {
                    self.buf.extend_from_slice(&rest[..keep]);
                }
                self.phase = Phase::Failed(failure);
                Err(failure)
            }
        }
    }

    /// Parses and checks the complete response head.
    fn check(&mut self) -> Result<Subprotocol, ClientFailure> {
        let mut headers = [EMPTY_HEADER; MAX_PARSED_HEADERS];
        let max = self.limits.max_headers.min(MAX_PARSED_HEADERS);
        let head = &self.buf.as_slice()[self.request_len..];
        #[cfg(feature = "alloc")]
        let offered = self.negotiation.as_ref().map(|(_, offer)| offer.as_str());
        #[cfg(not(feature = "alloc"))]
        let offered = None;
        let request = match offered {
            Some(offer) => self.request.extensions(offer).unwrap_or(self.request),
            None => self.request,
        };
        let (accepted, _) = match request.parse_response(head, &mut headers[..max], &self.limits) {
            Ok(Status::Complete(done)) => done,
            Ok(Status::Partial) => {
                return Err(ClientFailure {
                    kind: ClientFailureKind::Head(super::head::HeadError::HeadTooLarge),
                    status: None,
                })
            }
            Err(e) => return Err(ClientFailure::from(e)),
        };
        #[cfg(feature = "alloc")]
        if let Some((negotiation, _)) = &self.negotiation {
            let mut answers = accepted.extensions();
            if let Some(answer) =
                answers.find(|e| e.name().eq_ignore_ascii_case(negotiation.name()))
            {
                let extension = negotiation.accept(&answer).map_err(|e| {
                    ClientFailure::from(super::error::ClientError::ExtensionRefused(e))
                })?;
                self.extension = Some(extension);
            }
        }
        Ok(accepted
            .subprotocol()
            .map_or(Subprotocol::NONE, Subprotocol::new))
    }

    fn failed(&mut self, kind: ClientFailureKind, status: Option<u16>) -> ClientFailure {
        let failure = ClientFailure { kind, status };
        self.phase = Phase::Failed(failure);
        failure
    }

    /// For a refused or redirected handshake: lets `f` look at the response (status,
    /// `Location`, headers, the start of the body).
    pub fn rejection<T>(&self, f: impl FnOnce(&Rejection<'_, '_>) -> T) -> Option<T> {
        if !matches!(self.phase, Phase::Failed(_)) {
            return None;
        }
        let mut headers = [EMPTY_HEADER; MAX_PARSED_HEADERS];
        let max = self.limits.max_headers.min(MAX_PARSED_HEADERS);
        let bytes = &self.buf.as_slice()[self.request_len..];
        match parse_response(bytes, &mut headers[..max], &self.limits) {
            Ok(Status::Complete((head, len))) if head.status != 101 => Some(f(&Rejection {
                head,
                body: &bytes[len..],
            })),
            _ => None,
        }
    }

    /// The opening deadline, while the handshake is under way.
    pub fn poll_timeout(&self) -> Option<Duration> {
        match self.phase {
            Phase::Request | Phase::Response => self.deadline,
            _ => None,
        }
    }

    /// Fails the handshake with [`ClientFailureKind::TimedOut`] if the deadline passed.
    pub fn handle_timeout(&mut self, now: Duration) {
        if self.poll_timeout().is_some_and(|d| now >= d) {
            self.failed(ClientFailureKind::TimedOut, None);
        }
    }

    /// The subprotocol the server selected, once accepted.
    pub fn subprotocol(&self) -> Option<&str> {
        self.subprotocol.as_str()
    }

    /// The request this handshake sent.
    pub fn request(&self) -> &ClientRequest<'a> {
        &self.request
    }

    /// The open connection ([`ClientStatus::Accepted`]): client role, masking with keys from
    /// `entropy`, the `Config`, the selected subprotocol and the negotiated extension. `now`
    /// starts its keepalive timer. Bytes that followed the head go to its `receive`.
    pub fn into_connection<R: Entropy>(
        mut self,
        entropy: R,
        now: Duration,
    ) -> Result<Connection<B, R>, BuildError> {
        if self.phase != Phase::Accepted {
            return Err(BuildError::NotReady);
        }
        self.buf.truncate(0);
        let conn = Connection::new(Role::Client, self.config, self.buf, entropy, now)
            .with_subprotocol_of(self.subprotocol);
        #[cfg(feature = "alloc")]
        let conn = match self.extension {
            Some(extension) => conn.with_extension(extension),
            None => conn,
        };
        Ok(conn)
    }
}
