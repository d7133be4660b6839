//! Handshake errors. Server-side errors carry the HTTP response to send; client-side errors
//! carry what the server answered.

use core::fmt;

use crate::BufferTooSmall;

use super::emit::{reason_phrase, write_all_or_nothing, Out};
use super::grammar::SyntaxError;
use super::head::{HeadError, HttpHeader, ResponseHead};

/// Why a server refuses an opening handshake request.
///
/// Each variant knows the status code to answer with ([`HandshakeError::status`]) and any
/// header that RFC 6455 requires on that answer ([`HandshakeError::headers`]);
/// [`HandshakeError::write_response`] renders the complete response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The request head is malformed or over a limit (400, 431 or 505).
    Head(HeadError),
    /// The method is not `GET` (405, with `Allow: GET`).
    MethodNotGet,
    /// The request is HTTP/1.0; WebSocket needs HTTP/1.1 or later (400).
    HttpVersionTooOld,
    /// No `Host` header (400).
    MissingHost,
    /// More than one `Host` header (400; RFC 9112 3.2).
    DuplicateHost,
    /// The `Host` value is empty or not text (400).
    InvalidHost,
    /// `Upgrade` is absent or does not list `websocket` (400).
    UpgradeNotWebSocket,
    /// `Connection` is absent or does not list `Upgrade` (400).
    ConnectionNotUpgrade,
    /// No `Sec-WebSocket-Key` (400).
    MissingKey,
    /// More than one `Sec-WebSocket-Key` (400).
    DuplicateKey,
    /// `Sec-WebSocket-Key` is not the base64 encoding of 16 bytes (400).
    InvalidKey,
    /// No `Sec-WebSocket-Version` (400, with `Sec-WebSocket-Version: 13`).
    MissingVersion,
    /// `Sec-WebSocket-Version` is not 13 (426, with `Sec-WebSocket-Version: 13`).
    UnsupportedVersion,
    /// `Sec-WebSocket-Protocol` is not a list of unique tokens (400).
    InvalidSubprotocols,
    /// `Sec-WebSocket-Extensions` does not follow RFC 6455 9.1 (400).
    InvalidExtensions(SyntaxError),
    /// More than one `Origin`, or one that is not text (400).
    InvalidOrigin,
    /// The request announces a body (`Transfer-Encoding`, or a `Content-Length` other than
    /// 0). An upgrade request has none, and the bytes after its head must be frames, so
    /// such a request is refused rather than guessed at (400).
    UnexpectedBody,
}

const VERSION_13: &[HttpHeader<'static>] = &[HttpHeader::new("Sec-WebSocket-Version", "13")];
const ALLOW_GET: &[HttpHeader<'static>] = &[HttpHeader::new("Allow", "GET")];

impl HandshakeError {
    /// The HTTP status code to answer with.
    pub const fn status(&self) -> u16 {
        match self {
            HandshakeError::Head(e) => e.status(),
            HandshakeError::MethodNotGet => 405,
            HandshakeError::UnsupportedVersion => 426,
            _ => 400,
        }
    }

    /// Headers the answer must carry besides the framing ones: `Sec-WebSocket-Version: 13`
    /// on version errors (RFC 6455 4.4), `Allow: GET` on 405 (RFC 9110 15.5.6).
    pub const fn headers(&self) -> &'static [HttpHeader<'static>] {
        match self {
            HandshakeError::UnsupportedVersion | HandshakeError::MissingVersion => VERSION_13,
            HandshakeError::MethodNotGet => ALLOW_GET,
            _ => &[],
        }
    }

    /// A short description, also used as the response body.
    pub const fn as_str(&self) -> &'static str {
        match self {
            HandshakeError::Head(e) => e.as_str(),
            HandshakeError::MethodNotGet => "method must be GET",
            HandshakeError::HttpVersionTooOld => "HTTP/1.1 or later required",
            HandshakeError::MissingHost => "missing Host",
            HandshakeError::DuplicateHost => "more than one Host",
            HandshakeError::InvalidHost => "invalid Host",
            HandshakeError::UpgradeNotWebSocket => "Upgrade must include websocket",
            HandshakeError::ConnectionNotUpgrade => "Connection must include Upgrade",
            HandshakeError::MissingKey => "missing Sec-WebSocket-Key",
            HandshakeError::DuplicateKey => "more than one Sec-WebSocket-Key",
            HandshakeError::InvalidKey => "Sec-WebSocket-Key must be 16 bytes in base64",
            HandshakeError::MissingVersion => "missing Sec-WebSocket-Version",
            HandshakeError::UnsupportedVersion => "unsupported Sec-WebSocket-Version",
            HandshakeError::InvalidSubprotocols => "invalid Sec-WebSocket-Protocol",
            HandshakeError::InvalidExtensions(_) => "invalid Sec-WebSocket-Extensions",
            HandshakeError::InvalidOrigin => "invalid Origin",
            HandshakeError::UnexpectedBody => "an upgrade request has no body",
        }
    }

    pub(crate) fn render(&self, out: &mut Out<'_>) {
        let body = self.as_str();
        render_response_head(out, self.status());
        for header in self.headers() {
            out.header(header.name, header.value);
        }
        out.header("Connection", b"close");
        out.header("Content-Type", b"text/plain; charset=utf-8");
        out.put_str("Content-Length: ");
        out.put_decimal(body.len() + 1);
        out.put(b"\r\n\r\n");
        out.put_str(body);
        out.put(b"\n");
    }

    /// Writes the complete error response (status line, headers, a short text body) into
    /// `out`; returns its length. Nothing is written if `out` is too small.
    pub fn write_response(&self, out: &mut [u8]) -> Result<usize, BufferTooSmall> {
        write_all_or_nothing(out, |o| self.render(o))
    }

    /// The complete error response as a new vector.
    #[cfg(feature = "alloc")]
    pub fn to_response_vec(&self) -> alloc::vec::Vec<u8> {
        super::emit::to_vec(|o| self.render(o))
    }
}

pub(crate) fn render_response_head(out: &mut Out<'_>, status: u16) {
    out.put(b"HTTP/1.1 ");
    out.put_decimal(usize::from(status));
    out.put(b" ");
    out.put_str(reason_phrase(status));
    out.put(b"\r\n");
}

impl From<HeadError> for HandshakeError {
    fn from(e: HeadError) -> HandshakeError {
        HandshakeError::Head(e)
    }
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.as_str(), self.status())
    }
}

impl core::error::Error for HandshakeError {}

/// Why a request or response could not be built from the application's choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// The output buffer is too small; nothing was written.
    BufferTooSmall(BufferTooSmall),
    /// The server chose a subprotocol the client did not offer (RFC 6455 4.2.2: it "MUST be
    /// one of the values the client sent").
    SubprotocolNotOffered,
    /// The server accepted an extension the client did not offer, or the extension list is
    /// not valid RFC 6455 9.1 syntax.
    ExtensionNotOffered,
    /// A subprotocol is not a token, or is listed twice (RFC 6455 4.1: the elements "MUST be
    /// non-empty strings with characters in the range U+0021 to U+007E not including
    /// separator characters ... and MUST all be unique strings").
    InvalidSubprotocol,
    /// An extension offer is not valid RFC 6455 9.1 syntax.
    InvalidExtensions,
    /// A header name is not a token or its value contains control characters or
    /// surrounding whitespace.
    InvalidHeader,
    /// The header is one the handshake writes itself (`Upgrade`, `Connection`, `Host`,
    /// `Sec-WebSocket-*`, `Content-Length`, `Transfer-Encoding`).
    ReservedHeader,
    /// A rejection status outside 200-599.
    InvalidStatus(u16),
    /// The `Origin` value is not a sendable header value.
    InvalidOrigin,
    /// An extension offered as a raw `Sec-WebSocket-Extensions` value to a handshake that
    /// would have no codec for it: offer extensions through `with_extensions` (a
    /// `ClientNegotiation`), so that what is agreed is also what runs.
    ExtensionNeedsCodec,
    /// The handshake is not at the step this call belongs to (e.g. answering before the
    /// request head is complete, or taking the connection before the 101 is written).
    NotReady,
}

impl From<BufferTooSmall> for BuildError {
    fn from(e: BufferTooSmall) -> BuildError {
        BuildError::BufferTooSmall(e)
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::BufferTooSmall(e) => fmt::Display::fmt(e, f),
            BuildError::SubprotocolNotOffered => f.write_str("subprotocol was not offered"),
            BuildError::ExtensionNotOffered => f.write_str("extension was not offered"),
            BuildError::InvalidSubprotocol => f.write_str("invalid or repeated subprotocol"),
            BuildError::InvalidExtensions => f.write_str("invalid extension list"),
            BuildError::InvalidHeader => f.write_str("invalid header"),
            BuildError::NotReady => f.write_str("the handshake is not at that step"),
            BuildError::ExtensionNeedsCodec => {
                f.write_str("offer extensions with with_extensions, not as a raw header value")
            }
            BuildError::ReservedHeader => f.write_str("header is written by the handshake"),
            BuildError::InvalidStatus(s) => write!(f, "invalid rejection status {s}"),
            BuildError::InvalidOrigin => f.write_str("invalid Origin"),
        }
    }
}

impl core::error::Error for BuildError {}

/// A complete non-101 response received by a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rejection<'b, 'h> {
    /// The response head.
    pub head: ResponseHead<'b, 'h>,
    /// The bytes received after the head so far (the start of the body, if any); the
    /// caller knows how to read the rest from `Content-Length` or the connection's end.
    pub body: &'b [u8],
}

impl<'b> Rejection<'b, '_> {
    /// The status code.
    #[inline]
    pub fn status(&self) -> u16 {
        self.head.status
    }

    /// Whether the status is a redirection (3xx).
    #[inline]
    pub fn is_redirect(&self) -> bool {
        (300..400).contains(&self.head.status)
    }

    /// The `Location` header, if present and text: where a redirect points.
    pub fn location(&self) -> Option<&'b str> {
        self.header("Location")
            .and_then(|v| core::str::from_utf8(v).ok())
    }

    /// The first header named `name` (ignoring ASCII case).
    pub fn header(&self, name: &str) -> Option<&'b [u8]> {
        self.head
            .headers
            .iter()
            .find(|h| h.is(name))
            .map(|h| h.value)
    }
}

/// Why a client refuses the server's handshake response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientError<'b, 'h> {
    /// The response head is malformed or over a limit.
    Head(HeadError),
    /// The server answered with a redirect (3xx); [`Rejection::location`] says where to.
    Redirect(Rejection<'b, 'h>),
    /// The server answered with a status other than 101 or 3xx.
    Rejected(Rejection<'b, 'h>),
    /// A 101 response with `HTTP/1.0` (RFC 6455 4.1 requires HTTP/1.1 or later).
    HttpVersionTooOld,
    /// `Upgrade` is absent or not `websocket`.
    UpgradeNotWebSocket,
    /// `Connection` is absent or does not list `Upgrade`.
    ConnectionNotUpgrade,
    /// `Sec-WebSocket-Accept` is absent.
    MissingAccept,
    /// `Sec-WebSocket-Accept` does not match the key sent, or is repeated.
    AcceptMismatch,
    /// The server selected a subprotocol that was not offered, or more than one.
    UnexpectedSubprotocol,
    /// The server accepted an extension that was not offered, or sent an invalid list.
    UnexpectedExtension,
    /// The server accepted the offered extension with parameters the offer did not allow.
    ExtensionRefused(NegotiationError),
}

impl ClientError<'_, '_> {
    /// A short description. Every variant means the connection must not be used: RFC 6455
    /// 4.1 says the client "MUST _Fail the WebSocket Connection_".
    pub const fn as_str(&self) -> &'static str {
        match self {
            ClientError::Head(e) => e.as_str(),
            ClientError::Redirect(_) => "server redirected",
            ClientError::Rejected(_) => "server refused the upgrade",
            ClientError::HttpVersionTooOld => "HTTP/1.1 or later required",
            ClientError::UpgradeNotWebSocket => "Upgrade is not websocket",
            ClientError::ConnectionNotUpgrade => "Connection does not include Upgrade",
            ClientError::MissingAccept => "missing Sec-WebSocket-Accept",
            ClientError::AcceptMismatch => "Sec-WebSocket-Accept does not match the key",
            ClientError::UnexpectedSubprotocol => "subprotocol not offered",
            ClientError::UnexpectedExtension => "extension not offered",
            ClientError::ExtensionRefused(e) => e.reason,
        }
    }

    /// The rejection, for [`ClientError::Redirect`] and [`ClientError::Rejected`].
    pub fn rejection(&self) -> Option<&Rejection<'_, '_>> {
        match self {
            ClientError::Redirect(r) | ClientError::Rejected(r) => Some(r),
            _ => None,
        }
    }
}

impl From<HeadError> for ClientError<'_, '_> {
    fn from(e: HeadError) -> Self {
        ClientError::Head(e)
    }
}

impl fmt::Display for ClientError<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Redirect(r) | ClientError::Rejected(r) => {
                write!(f, "{} (status {})", self.as_str(), r.status())
            }
            _ => f.write_str(self.as_str()),
        }
    }
}

impl core::error::Error for ClientError<'_, '_> {}

/// Why a client refuses the server's answer to its extension offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NegotiationError {
    /// What was wrong, e.g. "server_max_window_bits above the offer".
    pub reason: &'static str,
}

impl fmt::Display for NegotiationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "extension answer refused: {}", self.reason)
    }
}

impl core::error::Error for NegotiationError {}

/// What went wrong in a client handshake, without borrowing the response: the typed kind
/// of a [`ClientError`] (plus the opening deadline).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientFailureKind {
    /// The response head is malformed or over a limit.
    Head(HeadError),
    /// The server redirected (3xx).
    Redirect,
    /// The server answered with a status other than 101 or 3xx.
    Rejected,
    /// A 101 response with `HTTP/1.0`.
    HttpVersionTooOld,
    /// `Upgrade` is absent or not `websocket`.
    UpgradeNotWebSocket,
    /// `Connection` is absent or does not list `Upgrade`.
    ConnectionNotUpgrade,
    /// `Sec-WebSocket-Accept` is absent.
    MissingAccept,
    /// `Sec-WebSocket-Accept` does not match the key sent, or is repeated.
    AcceptMismatch,
    /// The server selected a subprotocol that was not offered, or more than one.
    UnexpectedSubprotocol,
    /// The server accepted an extension that was not offered, or sent an invalid list.
    UnexpectedExtension,
    /// The server accepted the offered extension with parameters the offer did not allow.
    ExtensionRefused(NegotiationError),
    /// No complete response arrived before the opening deadline.
    TimedOut,
}

/// A `'static` summary of a [`ClientError`]: its typed kind and the status of a rejection.
/// [`ClientError`] borrows the response, so it cannot travel up a call stack into a
/// `Box<dyn Error>`; this can: `parse_response(..).map_err(ClientFailure::from)?`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientFailure {
    /// What went wrong.
    pub kind: ClientFailureKind,
    /// The response status for redirects and rejections.
    pub status: Option<u16>,
}

impl ClientFailure {
    /// A short description.
    pub const fn reason(&self) -> &'static str {
        match self.kind {
            ClientFailureKind::Head(e) => e.as_str(),
            ClientFailureKind::Redirect => "server redirected",
            ClientFailureKind::Rejected => "server refused the upgrade",
            ClientFailureKind::HttpVersionTooOld => "HTTP/1.1 or later required",
            ClientFailureKind::UpgradeNotWebSocket => "Upgrade is not websocket",
            ClientFailureKind::ConnectionNotUpgrade => "Connection does not include Upgrade",
            ClientFailureKind::MissingAccept => "missing Sec-WebSocket-Accept",
            ClientFailureKind::AcceptMismatch => "Sec-WebSocket-Accept does not match the key",
            ClientFailureKind::UnexpectedSubprotocol => "subprotocol not offered",
            ClientFailureKind::UnexpectedExtension => "extension not offered",
            ClientFailureKind::ExtensionRefused(e) => e.reason,
            ClientFailureKind::TimedOut => "no handshake response before the deadline",
        }
    }
}

impl From<ClientError<'_, '_>> for ClientFailure {
    fn from(error: ClientError<'_, '_>) -> ClientFailure {
        let kind = match error {
            ClientError::Head(e) => ClientFailureKind::Head(e),
            ClientError::Redirect(_) => ClientFailureKind::Redirect,
            ClientError::Rejected(_) => ClientFailureKind::Rejected,
            ClientError::HttpVersionTooOld => ClientFailureKind::HttpVersionTooOld,
            ClientError::UpgradeNotWebSocket => ClientFailureKind::UpgradeNotWebSocket,
            ClientError::ConnectionNotUpgrade => ClientFailureKind::ConnectionNotUpgrade,
            ClientError::MissingAccept => ClientFailureKind::MissingAccept,
            ClientError::AcceptMismatch => ClientFailureKind::AcceptMismatch,
            ClientError::UnexpectedSubprotocol => ClientFailureKind::UnexpectedSubprotocol,
            ClientError::UnexpectedExtension => ClientFailureKind::UnexpectedExtension,
            ClientError::ExtensionRefused(e) => ClientFailureKind::ExtensionRefused(e),
        };
        ClientFailure {
            kind,
            status: error.rejection().map(Rejection::status),
        }
    }
}

impl fmt::Display for ClientFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(status) => write!(f, "{} (status {status})", self.reason()),
            None => f.write_str(self.reason()),
        }
    }
}

impl core::error::Error for ClientFailure {}
