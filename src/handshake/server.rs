//! The server side of the opening handshake (RFC 6455 section 4.2).

use crate::BufferTooSmall;

use super::accept::{AcceptKey, Key};
use super::emit::{is_sendable, write_all_or_nothing, Out};
use super::error::{render_response_head, BuildError, HandshakeError};
use super::grammar::{
    check_extensions, check_token_list, list_contains, ExtensionList, Extensions, HeaderValues,
    Subprotocols, SEC_WEBSOCKET_PROTOCOL,
};
use super::head::{parse_request, HttpHeader, Limits, RequestHead, Status};

/// A validated opening handshake request, borrowing the receive buffer and the caller's
/// header array.
///
/// Obtain one with [`Request::parse`] (bytes off the wire) or [`Request::from_head`] (a head
/// parsed elsewhere), inspect it, then answer with [`Request::accept`] or a [`Reject`].
#[derive(Clone, Copy, Debug)]
pub struct Request<'b, 'h> {
    head: RequestHead<'b, 'h>,
    resource: &'b str,
    host: &'b str,
    origin: Option<&'b str>,
    key: Key,
}

impl<'b, 'h> Request<'b, 'h> {
    /// Parses and validates a request head from the start of `buf`.
    ///
    /// Returns [`Status::Partial`] until the blank line ending the head has arrived (call
    /// again with more bytes), then the request and the number of bytes the head took:
    /// anything after that in `buf` is already WebSocket data and belongs to the caller.
    pub fn parse(
        buf: &'b [u8],
        headers: &'h mut [HttpHeader<'b>],
        limits: &Limits,
    ) -> Result<Status<(Request<'b, 'h>, usize)>, HandshakeError> {
        match parse_request(buf, headers, limits)? {
            Status::Partial => Ok(Status::Partial),
            Status::Complete((head, len)) => Ok(Status::Complete((Request::from_head(head)?, len))),
        }
    }

    /// Validates a parsed request head against RFC 6455 4.2.1.
    pub fn from_head(head: RequestHead<'b, 'h>) -> Result<Request<'b, 'h>, HandshakeError> {
        // 4.2.1 (1): "An HTTP/1.1 or higher GET request, including a "Request-URI""
        if head.method != "GET" {
            return Err(HandshakeError::MethodNotGet);
        }
        if head.minor_version < 1 {
            return Err(HandshakeError::HttpVersionTooOld);
        }
        let resource = resource_name(head.target)?;
        let headers = head.headers;
        // The bytes after the head are WebSocket frames: a body would be read as frames.
        let no_body = HeaderValues::new(headers, "Content-Length").all(|v| v == b"0");
        if !no_body
            || HeaderValues::new(headers, "Transfer-Encoding")
                .next()
                .is_some()
        {
            return Err(HandshakeError::UnexpectedBody);
        }

        // 4.2.1 (2): "A |Host| header field containing the server's authority."
        let host = single(headers, "Host")
            .map_err(|()| HandshakeError::DuplicateHost)?
            .ok_or(HandshakeError::MissingHost)?;
        let host = core::str::from_utf8(host)
            .ok()
            .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()))
            .ok_or(HandshakeError::InvalidHost)?;

        // 4.2.1 (3): "An |Upgrade| header field containing the value "websocket", treated
        // as an ASCII case-insensitive value."
        if !list_contains(headers, "Upgrade", "websocket") {
            return Err(HandshakeError::UpgradeNotWebSocket);
        }
        // 4.2.1 (4): "A |Connection| header field that includes the token "Upgrade",
        // treated as an ASCII case-insensitive value."
        if !list_contains(headers, "Connection", "Upgrade") {
            return Err(HandshakeError::ConnectionNotUpgrade);
        }
        // 4.2.1 (5): "A |Sec-WebSocket-Key| header field with a base64-encoded ... value
        // that, when decoded, is 16 bytes in length."
        let key = single(headers, "Sec-WebSocket-Key")
            .map_err(|()| HandshakeError::DuplicateKey)?
            .ok_or(HandshakeError::MissingKey)?;
        let key = Key::parse(key).ok_or(HandshakeError::InvalidKey)?;

        // 4.2.1 (6): "A |Sec-WebSocket-Version| header field, with a value of 13."
        check_version(headers)?;

        // 4.2.1 (7): "Optionally, an |Origin| header field."
        let origin = match single(headers, "Origin") {
            Err(()) => return Err(HandshakeError::InvalidOrigin),
            Ok(None) => None,
            Ok(Some(v)) => {
                Some(core::str::from_utf8(v).map_err(|_| HandshakeError::InvalidOrigin)?)
            }
        };
        // 4.2.1 (8): "Optionally, a |Sec-WebSocket-Protocol| header field, with a list of
        // values indicating which protocols the client would like to speak"
        check_token_list(headers, SEC_WEBSOCKET_PROTOCOL)
            .map_err(|_| HandshakeError::InvalidSubprotocols)?;
        // 4.2.1 (9): "Optionally, a |Sec-WebSocket-Extensions| header field, with a list of
        // values indicating which extensions the client would like to speak" (9.1 grammar).
        check_extensions(headers).map_err(HandshakeError::InvalidExtensions)?;

        Ok(Request {
            head,
            resource,
            host,
            origin,
            key,
        })
    }

    /// The parsed head (method, target, version, every header).
    #[inline]
    pub fn head(&self) -> &RequestHead<'b, 'h> {
        &self.head
    }

    /// The request target exactly as received (`/chat?x=1`, or an absolute URI).
    #[inline]
    pub fn target(&self) -> &'b str {
        self.head.target
    }

    /// The resource name (path and query) the client asked for, e.g. `/chat?x=1`; for an
    /// absolute-form target this is the part after the authority.
    #[inline]
    pub fn resource(&self) -> &'b str {
        self.resource
    }

    /// The path part of the resource name (before any `?`).
    pub fn path(&self) -> &'b str {
        self.resource
            .split_once('?')
            .map_or(self.resource, |(path, _)| path)
    }

    /// The query part of the resource name (after the first `?`), if any.
    pub fn query(&self) -> Option<&'b str> {
        self.resource.split_once('?').map(|(_, query)| query)
    }

    /// The `Host` header: the authority the client addressed.
    #[inline]
    pub fn host(&self) -> &'b str {
        self.host
    }

    /// The `Origin` header, present when the client is a browser. Servers that must not be
    /// reachable from arbitrary web pages compare it to an allow list (RFC 6455 10.2).
    #[inline]
    pub fn origin(&self) -> Option<&'b str> {
        self.origin
    }

    /// The client's `Sec-WebSocket-Key`.
    #[inline]
    pub fn key(&self) -> Key {
        self.key
    }

    /// The `Sec-WebSocket-Accept` value that answers the key.
    #[inline]
    pub fn accept_key(&self) -> AcceptKey {
        self.key.accept()
    }

    /// The subprotocols offered, in the client's order of preference.
    #[inline]
    pub fn subprotocols(&self) -> Subprotocols<'b, 'h> {
        Subprotocols::new(self.head.headers)
    }

    /// Whether `protocol` was offered (compared exactly).
    pub fn offers_subprotocol(&self, protocol: &str) -> bool {
        self.subprotocols().any(|p| p == protocol)
    }

    /// The extensions offered, in order, each with its parameters.
    #[inline]
    pub fn extensions(&self) -> Extensions<'b, 'h> {
        Extensions::new(self.head.headers)
    }

    /// Every header, in the order received.
    #[inline]
    pub fn headers(&self) -> &'h [HttpHeader<'b>] {
        self.head.headers
    }

    /// The first header named `name` (ignoring ASCII case).
    pub fn header(&self, name: &str) -> Option<&'b [u8]> {
        HeaderValues::new(self.head.headers, name).next()
    }

    /// Starts a 101 response accepting this request.
    pub fn accept(&self) -> Accept<'_> {
        Accept {
            accept_key: self.accept_key(),
            offered: self.head.headers,
            subprotocol: None,
            extensions: None,
            headers: &[],
        }
    }
}

/// The resource name of a request target: origin-form as is; for absolute-form (RFC 6455
/// 4.1: "or be an absolute http/https URI"), what follows the authority.
fn resource_name(target: &str) -> Result<&str, HandshakeError> {
    if target.starts_with('/') {
        return Ok(target);
    }
    let bytes = target.as_bytes();
    let scheme_len = if bytes.len() >= 7 && bytes[..7].eq_ignore_ascii_case(b"http://") {
        7
    } else if bytes.len() >= 8 && bytes[..8].eq_ignore_ascii_case(b"https://") {
        8
    } else {
        return Err(HandshakeError::Head(super::head::HeadError::InvalidTarget));
    };
    let after = target.get(scheme_len..).unwrap_or_default();
    match after.find(['/', '?']) {
        Some(i) if after.as_bytes()[i] == b'/' => Ok(after.get(i..).unwrap_or("/")),
        // "http://host?q" has an empty path: the resource name is "/?q", which cannot be
        // borrowed; treat a missing path as "/" only when there is no query.
        Some(_) => Err(HandshakeError::Head(super::head::HeadError::InvalidTarget)),
        None => Ok("/"),
    }
}

/// The value of the only header named `name`: `Ok(None)` if absent, `Err` if repeated.
fn single<'b>(headers: &[HttpHeader<'b>], name: &str) -> Result<Option<&'b [u8]>, ()> {
    let mut values = HeaderValues::new(headers, name);
    let first = values.next();
    if values.next().is_some() {
        return Err(());
    }
    Ok(first)
}

/// Checks `Sec-WebSocket-Version: 13`, the rule shared with extended CONNECT (RFC 8441 5).
pub(crate) fn check_version(headers: &[HttpHeader<'_>]) -> Result<(), HandshakeError> {
    // RFC 6455 4.4: the version "MUST be 13"; a server that does not understand the version
    // "MUST abort ... and instead send an appropriate HTTP error code (such as 426 Upgrade
    // Required) and a |Sec-WebSocket-Version| header field indicating the version(s) the
    // server is capable of understanding."
    let mut values = HeaderValues::new(headers, "Sec-WebSocket-Version");
    match (values.next(), values.next()) {
        (None, _) => Err(HandshakeError::MissingVersion),
        (Some(b"13"), None) => Ok(()),
        _ => Err(HandshakeError::UnsupportedVersion),
    }
}

/// A 101 Switching Protocols response under construction.
///
/// ```
/// use wscore::handshake::{Limits, Request, Status, EMPTY_HEADER};
///
/// let wire = b"GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n\
///     Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
///     Sec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Version: 13\r\n\r\n";
/// let mut headers = [EMPTY_HEADER; 16];
/// let Status::Complete((request, _)) = Request::parse(wire, &mut headers, &Limits::DEFAULT)?
/// else { unreachable!() };
/// let mut out = [0u8; 256];
/// let n = request.accept().subprotocol("chat").unwrap().write_to(&mut out).unwrap();
/// assert!(out[..n].starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
/// # Ok::<(), wscore::handshake::HandshakeError>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Accept<'r> {
    accept_key: AcceptKey,
    offered: &'r [HttpHeader<'r>],
    subprotocol: Option<&'r str>,
    extensions: Option<&'r str>,
    headers: &'r [HttpHeader<'r>],
}

impl<'r> Accept<'r> {
    /// An answer already validated against the request it answers.
    pub(crate) fn from_parts(
        accept_key: AcceptKey,
        subprotocol: Option<&'r str>,
        extensions: Option<&'r str>,
        headers: &'r [HttpHeader<'r>],
    ) -> Accept<'r> {
        Accept {
            accept_key,
            offered: &[],
            subprotocol,
            extensions,
            headers,
        }
    }

    /// Selects the subprotocol to speak; it must be one the client offered (RFC 6455 4.2.2:
    /// "MUST be one of the values the client sent").
    pub fn subprotocol(mut self, protocol: &'r str) -> Result<Accept<'r>, BuildError> {
        if !Subprotocols::new(self.offered).any(|p| p == protocol) {
            return Err(BuildError::SubprotocolNotOffered);
        }
        self.subprotocol = Some(protocol);
        Ok(self)
    }

    /// Sets the `Sec-WebSocket-Extensions` value to answer with, e.g.
    /// `permessage-deflate; server_no_context_takeover`. It must follow the RFC 6455 9.1
    /// grammar and name only extensions the client offered. Negotiating the parameters is
    /// the extension's business.
    pub fn extensions(mut self, value: &'r str) -> Result<Accept<'r>, BuildError> {
        let mut any = false;
        for ext in ExtensionList::new(value.as_bytes()) {
            let ext = ext.map_err(|_| BuildError::InvalidExtensions)?;
            let offered =
                Extensions::new(self.offered).any(|o| o.name().eq_ignore_ascii_case(ext.name()));
            if !offered {
                return Err(BuildError::ExtensionNotOffered);
            }
            any = true;
        }
        self.extensions = any.then_some(value);
        Ok(self)
    }

    /// Adds response headers (cookies, server name...). Names must be tokens, values free of
    /// control characters; the handshake's own headers cannot be overridden.
    pub fn headers(mut self, headers: &'r [HttpHeader<'r>]) -> Result<Accept<'r>, BuildError> {
        check_extra_headers(headers)?;
        self.headers = headers;
        Ok(self)
    }

    /// The `Sec-WebSocket-Accept` value that will be sent.
    #[inline]
    pub fn accept_key(&self) -> AcceptKey {
        self.accept_key
    }

    /// The selected subprotocol.
    #[inline]
    pub fn selected_subprotocol(&self) -> Option<&'r str> {
        self.subprotocol
    }

    pub(crate) fn render(&self, out: &mut Out<'_>) {
        // RFC 6455 4.2.2 (5.1): "A Status-Line with a 101 response code as per RFC 2616"
        render_response_head(out, 101);
        // (5.2): "An |Upgrade| header field with value "websocket""
        out.header("Upgrade", b"websocket");
        // (5.3): "A |Connection| header field with value "Upgrade""
        out.header("Connection", b"Upgrade");
        // (5.4): "A |Sec-WebSocket-Accept| header field."
        out.header("Sec-WebSocket-Accept", self.accept_key.as_bytes());
        // (5.5): "Optionally, a |Sec-WebSocket-Protocol| header field"
        if let Some(protocol) = self.subprotocol {
            out.header("Sec-WebSocket-Protocol", protocol.as_bytes());
        }
        // (5.6): "Optionally, a |Sec-WebSocket-Extensions| header field"
        if let Some(extensions) = self.extensions {
            out.header("Sec-WebSocket-Extensions", extensions.as_bytes());
        }
        for header in self.headers {
            out.header(header.name, header.value);
        }
        out.put(b"\r\n");
    }

    /// Writes the 101 response into `out`; returns its length. Nothing is written if `out`
    /// is too small.
    pub fn write_to(&self, out: &mut [u8]) -> Result<usize, BufferTooSmall> {
        write_all_or_nothing(out, |o| self.render(o))
    }

    /// The 101 response as a new vector.
    #[cfg(feature = "alloc")]
    pub fn to_vec(&self) -> alloc::vec::Vec<u8> {
        super::emit::to_vec(|o| self.render(o))
    }
}

/// Headers an application may not add: the handshake writes them (`Origin` has its own
/// setter), or they would change the message framing.
const RESERVED: [&str; 7] = [
    "Origin",
    "Upgrade",
    "Connection",
    "Host",
    "Content-Length",
    "Transfer-Encoding",
    "Sec-WebSocket-",
];

pub(crate) fn check_extra_headers(headers: &[HttpHeader<'_>]) -> Result<(), BuildError> {
    for header in headers {
        if !is_sendable(header) {
            return Err(BuildError::InvalidHeader);
        }
        let name = header.name.as_bytes();
        let reserved = RESERVED.iter().any(|r| {
            let r = r.as_bytes();
            if r.ends_with(b"-") {
                name.len() >= r.len() && name[..r.len()].eq_ignore_ascii_case(r)
            } else {
                name.eq_ignore_ascii_case(r)
            }
        });
        if reserved {
            return Err(BuildError::ReservedHeader);
        }
    }
    Ok(())
}

/// A refusal written by the application: its own status, headers and body.
///
/// `Content-Length` is added from the body; `Connection: close` is added too, since the
/// connection cannot carry WebSocket traffic afterwards.
///
/// ```
/// use wscore::handshake::{HttpHeader, Reject};
///
/// let headers = [HttpHeader::new("WWW-Authenticate", "Bearer")];
/// let reject = Reject::new(401).headers(&headers).body(b"login first");
/// let mut out = [0u8; 128];
/// let n = reject.write_to(&mut out).unwrap();
/// assert_eq!(
///     &out[..n],
///     b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\nConnection: close\r\n\
///       Content-Length: 11\r\n\r\nlogin first"
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reject<'a> {
    status: u16,
    headers: &'a [HttpHeader<'a>],
    body: &'a [u8],
}

impl<'a> Reject<'a> {
    /// A refusal with `status` (200-599), no extra headers and an empty body.
    pub const fn new(status: u16) -> Reject<'a> {
        Reject {
            status,
            headers: &[],
            body: &[],
        }
    }

    /// The status code.
    pub const fn status(&self) -> u16 {
        self.status
    }

    /// Sets the extra headers (e.g. `Location` for a redirect, `WWW-Authenticate`).
    pub const fn headers(mut self, headers: &'a [HttpHeader<'a>]) -> Reject<'a> {
        self.headers = headers;
        self
    }

    /// Sets the body.
    pub const fn body(mut self, body: &'a [u8]) -> Reject<'a> {
        self.body = body;
        self
    }

    pub(crate) fn check(&self) -> Result<(), BuildError> {
        if !(200..=599).contains(&self.status) {
            return Err(BuildError::InvalidStatus(self.status));
        }
        for header in self.headers {
            if !is_sendable(header) {
                return Err(BuildError::InvalidHeader);
            }
            if header.is("Content-Length")
                || header.is("Transfer-Encoding")
                || header.is("Connection")
            {
                return Err(BuildError::ReservedHeader);
            }
        }
        Ok(())
    }

    pub(crate) fn render(&self, out: &mut Out<'_>) {
        render_response_head(out, self.status);
        for header in self.headers {
            out.header(header.name, header.value);
        }
        out.header("Connection", b"close");
        out.put(b"Content-Length: ");
        out.put_decimal(self.body.len());
        out.put(b"\r\n\r\n");
        out.put(self.body);
    }

    /// Writes the response into `out`; returns its length. Nothing is written on error.
    pub fn write_to(&self, out: &mut [u8]) -> Result<usize, BuildError> {
        self.check()?;
        Ok(write_all_or_nothing(out, |o| self.render(o))?)
    }

    /// The response as a new vector.
    #[cfg(feature = "alloc")]
    pub fn to_vec(&self) -> Result<alloc::vec::Vec<u8>, BuildError> {
        self.check()?;
        Ok(super::emit::to_vec(|o| self.render(o)))
    }
}
