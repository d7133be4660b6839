//! The client side of the opening handshake (RFC 6455 section 4.1).

use crate::BufferTooSmall;

use super::accept::{AcceptKey, Key};
use super::emit::{is_sendable, write_all_or_nothing, Out};
use super::error::{BuildError, ClientError, Rejection};
use super::grammar::{
    check_extensions, ExtensionList, Extensions, HeaderValues, ListItems, SEC_WEBSOCKET_PROTOCOL,
};
use super::head::{is_token, parse_response, HttpHeader, Limits, ResponseHead, Status};
use super::server::check_extra_headers;
use super::uri::{UriError, WsUri};

/// An opening handshake request, and the state needed to check the server's answer.
///
/// The 16-byte nonce behind `Sec-WebSocket-Key` is an argument: draw it from your entropy
/// source for every connection (RFC 6455 4.1: "The nonce MUST be selected randomly for
/// each connection"). This type never invents one.
///
/// ```
/// use wscore::handshake::ClientRequest;
///
/// # let nonce = *b"the sample nonce";
/// let request = ClientRequest::new("ws://server.example.com/chat", nonce)?
///     .origin("http://example.com")?
///     .subprotocols(&["chat", "superchat"])?;
/// let mut out = [0u8; 512];
/// let n = request.write_to(&mut out)?;
/// assert!(out[..n].starts_with(b"GET /chat HTTP/1.1\r\nHost: server.example.com\r\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct ClientRequest<'a> {
    uri: WsUri<'a>,
    key: Key,
    origin: Option<&'a str>,
    subprotocols: &'a [&'a str],
    extensions: Option<&'a str>,
    headers: &'a [HttpHeader<'a>],
}

impl<'a> ClientRequest<'a> {
    /// A request for `uri` (`ws://` or `wss://`) with the key derived from `nonce`.
    pub fn new(uri: &'a str, nonce: [u8; 16]) -> Result<ClientRequest<'a>, UriError> {
        Ok(ClientRequest::from_uri(WsUri::parse(uri)?, nonce))
    }

    /// A request for an already parsed URI.
    pub fn from_uri(uri: WsUri<'a>, nonce: [u8; 16]) -> ClientRequest<'a> {
        ClientRequest {
            uri,
            key: Key::from_nonce(nonce),
            origin: None,
            subprotocols: &[],
            extensions: None,
            headers: &[],
        }
    }

    /// Sets `Origin` (RFC 6455 4.1: it "MUST" be sent "if the request is coming from a
    /// browser client"; other clients may send it when they represent a web origin).
    pub fn origin(mut self, origin: &'a str) -> Result<ClientRequest<'a>, BuildError> {
        if !is_sendable(&HttpHeader::new("Origin", origin)) || origin.is_empty() {
            return Err(BuildError::InvalidOrigin);
        }
        self.origin = Some(origin);
        Ok(self)
    }

    /// Offers subprotocols, most preferred first. Each must be a token, and no two equal.
    pub fn subprotocols(
        mut self,
        protocols: &'a [&'a str],
    ) -> Result<ClientRequest<'a>, BuildError> {
        for (i, protocol) in protocols.iter().enumerate() {
            // RFC 6455 4.1: the elements "MUST be non-empty strings with characters in the
            // range U+0021 to U+007E not including separator characters ... and MUST all be
            // unique strings."
            if !is_token(protocol.as_bytes()) || protocols[..i].contains(protocol) {
                return Err(BuildError::InvalidSubprotocol);
            }
        }
        self.subprotocols = protocols;
        Ok(self)
    }

    /// Offers extensions, as a `Sec-WebSocket-Extensions` value in RFC 6455 9.1 syntax,
    /// e.g. `permessage-deflate; client_max_window_bits`.
    pub fn extensions(mut self, offer: &'a str) -> Result<ClientRequest<'a>, BuildError> {
        let count =
            ExtensionList::validate(offer.as_bytes()).map_err(|_| BuildError::InvalidExtensions)?;
        self.extensions = (count > 0).then_some(offer);
        Ok(self)
    }

    /// Adds request headers (authorization, cookies, user agent...). Names must be tokens,
    /// values free of control characters; the handshake's own headers cannot be overridden.
    pub fn headers(
        mut self,
        headers: &'a [HttpHeader<'a>],
    ) -> Result<ClientRequest<'a>, BuildError> {
        check_extra_headers(headers)?;
        self.headers = headers;
        Ok(self)
    }

    /// The target URI.
    #[inline]
    pub fn uri(&self) -> &WsUri<'a> {
        &self.uri
    }

    /// The `Sec-WebSocket-Key` sent.
    #[inline]
    pub fn key(&self) -> Key {
        self.key
    }

    /// The `Sec-WebSocket-Accept` value a genuine WebSocket server will answer with.
    #[inline]
    pub fn expected_accept(&self) -> AcceptKey {
        self.key.accept()
    }

    /// The subprotocols offered.
    #[inline]
    pub fn offered_subprotocols(&self) -> &'a [&'a str] {
        self.subprotocols
    }

    /// The extension offer, if any.
    #[inline]
    pub fn offered_extensions(&self) -> Option<&'a str> {
        self.extensions
    }

    pub(crate) fn render(&self, out: &mut Out<'_>) {
        // RFC 6455 4.1 (2): "The method of the request MUST be GET, and the HTTP version MUST
        // be at least 1.1."
        out.put(b"GET ");
        // (3): "The "Request-URI" part of the request MUST match the /resource name/"
        let resource = self.uri.raw_resource();
        if !resource.starts_with('/') {
            out.put(b"/");
        }
        out.put_str(resource);
        out.put(b" HTTP/1.1\r\n");
        // (4): "The request MUST contain a |Host| header field whose value contains /host/
        // plus optionally ":" followed by /port/ (when not using the default port)."
        out.put(b"Host: ");
        out.put_str(self.uri.host());
        if !self.uri.is_default_port() {
            out.put(b":");
            out.put_decimal(usize::from(self.uri.port()));
        }
        out.put(b"\r\n");
        // (5): "The request MUST contain an |Upgrade| header field whose value MUST include
        // the "websocket" keyword."
        out.header("Upgrade", b"websocket");
        // (6): "The request MUST contain a |Connection| header field whose value MUST
        // include the "Upgrade" token."
        out.header("Connection", b"Upgrade");
        // (7): "The request MUST include a header field with the name |Sec-WebSocket-Key|."
        out.header("Sec-WebSocket-Key", self.key.as_bytes());
        // (8): Origin, when set.
        if let Some(origin) = self.origin {
            out.header("Origin", origin.as_bytes());
        }
        // (10): "The request MAY include a header field with the name
        // |Sec-WebSocket-Protocol|."
        if let Some((first, rest)) = self.subprotocols.split_first() {
            out.put(b"Sec-WebSocket-Protocol: ");
            out.put_str(first);
            for protocol in rest {
                out.put(b", ");
                out.put_str(protocol);
            }
            out.put(b"\r\n");
        }
        // (11): "The request MAY include a header field with the name
        // |Sec-WebSocket-Extensions|."
        if let Some(extensions) = self.extensions {
            out.header("Sec-WebSocket-Extensions", extensions.as_bytes());
        }
        // (9): "The request MUST include a header field with the name
        // |Sec-WebSocket-Version|. The value of this header field MUST be 13."
        out.header("Sec-WebSocket-Version", b"13");
        for header in self.headers {
            out.header(header.name, header.value);
        }
        out.put(b"\r\n");
    }

    /// Writes the request head into `out`; returns its length. Nothing is written if `out`
    /// is too small.
    pub fn write_to(&self, out: &mut [u8]) -> Result<usize, BufferTooSmall> {
        write_all_or_nothing(out, |o| self.render(o))
    }

    /// The request head as a new vector.
    #[cfg(feature = "alloc")]
    pub fn to_vec(&self) -> alloc::vec::Vec<u8> {
        super::emit::to_vec(|o| self.render(o))
    }

    /// Parses and checks the server's response from the start of `buf`.
    ///
    /// [`Status::Partial`] until the head is complete; then the accepted handshake and the
    /// length of the head: bytes after it are already WebSocket frames. A status other than
    /// 101 is a [`ClientError::Redirect`] or [`ClientError::Rejected`] carrying the status,
    /// headers and the body bytes received so far.
    pub fn parse_response<'b, 'h>(
        &self,
        buf: &'b [u8],
        headers: &'h mut [HttpHeader<'b>],
        limits: &Limits,
    ) -> Result<Status<(AcceptedResponse<'b, 'h>, usize)>, ClientError<'b, 'h>> {
        match parse_response(buf, headers, limits)? {
            Status::Partial => Ok(Status::Partial),
            Status::Complete((head, len)) => {
                let body = buf.get(len..).unwrap_or_default();
                Ok(Status::Complete((self.check_response(head, body)?, len)))
            }
        }
    }

    /// Checks a response head parsed elsewhere; `body` is whatever followed the head (only
    /// kept for a rejection).
    pub fn check_response<'b, 'h>(
        &self,
        head: ResponseHead<'b, 'h>,
        body: &'b [u8],
    ) -> Result<AcceptedResponse<'b, 'h>, ClientError<'b, 'h>> {
        // RFC 6455 4.1: "If the status code received from the server is not 101, the client
        // handles the response per HTTP [RFC2616] procedures."
        if head.status != 101 {
            let rejection = Rejection { head, body };
            return Err(if rejection.is_redirect() {
                ClientError::Redirect(rejection)
            } else {
                ClientError::Rejected(rejection)
            });
        }
        if head.minor_version < 1 {
            return Err(ClientError::HttpVersionTooOld);
        }
        let negotiated = check_accepted(
            head.headers,
            Some(self.expected_accept()),
            self.subprotocols,
            self.extensions,
        )?;
        Ok(AcceptedResponse {
            head,
            subprotocol: negotiated,
        })
    }
}

/// The client-side response checks of RFC 6455 4.1, minus the status line. `accept` is
/// `None` for extended CONNECT (RFC 8441), which has no key. Returns the selected
/// subprotocol.
pub(crate) fn check_accepted<'b, 'e>(
    headers: &[HttpHeader<'b>],
    accept: Option<AcceptKey>,
    offered_subprotocols: &[&str],
    offered_extensions: Option<&str>,
) -> Result<Option<&'b str>, ClientError<'b, 'e>> {
    if let Some(accept) = accept {
        // "If the response lacks an |Upgrade| header field or the |Upgrade| header field
        // contains a value that is not an ASCII case-insensitive match for the value
        // "websocket", the client MUST _Fail the WebSocket Connection_."
        let mut upgrade = ListItems::new(headers, "Upgrade");
        match (upgrade.next(), upgrade.next()) {
            (Some(value), None) if value.eq_ignore_ascii_case(b"websocket") => {}
            _ => return Err(ClientError::UpgradeNotWebSocket),
        }
        // "If the response lacks a |Connection| header field or the |Connection| header
        // field doesn't contain a token that is an ASCII case-insensitive match for the
        // value "Upgrade", the client MUST _Fail the WebSocket Connection_."
        if !super::grammar::list_contains(headers, "Connection", "Upgrade") {
            return Err(ClientError::ConnectionNotUpgrade);
        }
        // "If the response lacks a |Sec-WebSocket-Accept| header field or the
        // |Sec-WebSocket-Accept| contains a value other than the base64-encoded SHA-1 of the
        // concatenation of the |Sec-WebSocket-Key| (as a string, not base64-decoded) with the
        // string "258EAFA5-E914-47DA-95CA-C5AB0DC85B11" ... the client MUST _Fail the
        // WebSocket Connection_."
        let mut values = HeaderValues::new(headers, "Sec-WebSocket-Accept");
        match (values.next(), values.next()) {
            (None, _) => return Err(ClientError::MissingAccept),
            (Some(value), None) if value == accept.as_bytes() => {}
            _ => return Err(ClientError::AcceptMismatch),
        }
    }
    // "If the response includes a |Sec-WebSocket-Extensions| header field and this header
    // field indicates the use of an extension that was not present in the client's handshake
    // (the server has indicated an extension not requested by the client), the client MUST
    // _Fail the WebSocket Connection_."
    check_extensions(headers).map_err(|_| ClientError::UnexpectedExtension)?;
    for ext in Extensions::new(headers) {
        let offered = offered_extensions.is_some_and(|offer| {
            ExtensionList::new(offer.as_bytes())
                .flatten()
                .any(|o| o.name().eq_ignore_ascii_case(ext.name()))
        });
        if !offered {
            return Err(ClientError::UnexpectedExtension);
        }
    }
    // "If the response includes a |Sec-WebSocket-Protocol| header field and this header
    // field indicates the use of a subprotocol that was not present in the client's
    // handshake (the server has indicated a subprotocol not requested by the client), the
    // client MUST _Fail the WebSocket Connection_."
    let mut protocols = ListItems::new(headers, SEC_WEBSOCKET_PROTOCOL);
    match (protocols.next(), protocols.next()) {
        (None, _) => Ok(None),
        (Some(selected), None) => offered_subprotocols
            .iter()
            .find(|p| p.as_bytes() == selected)
            .and_then(|_| core::str::from_utf8(selected).ok())
            .map(Some)
            .ok_or(ClientError::UnexpectedSubprotocol),
        _ => Err(ClientError::UnexpectedSubprotocol),
    }
}

/// A server response that completed the handshake: the connection is now a WebSocket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AcceptedResponse<'b, 'h> {
    head: ResponseHead<'b, 'h>,
    subprotocol: Option<&'b str>,
}

impl<'b, 'h> AcceptedResponse<'b, 'h> {
    /// The response head.
    #[inline]
    pub fn head(&self) -> &ResponseHead<'b, 'h> {
        &self.head
    }

    /// The subprotocol the server selected, if any (always one that was offered).
    #[inline]
    pub fn subprotocol(&self) -> Option<&'b str> {
        self.subprotocol
    }

    /// The extensions the server accepted, with their parameters (all were offered).
    #[inline]
    pub fn extensions(&self) -> Extensions<'b, 'h> {
        Extensions::new(self.head.headers)
    }

    /// Every response header.
    #[inline]
    pub fn headers(&self) -> &'h [HttpHeader<'b>] {
        self.head.headers
    }

    /// The first header named `name` (ignoring ASCII case).
    pub fn header(&self, name: &str) -> Option<&'b [u8]> {
        HeaderValues::new(self.head.headers, name).next()
    }
}
