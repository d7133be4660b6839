//! Owned conveniences on top of the borrowing core (feature `alloc`): a client handshake that
//! owns its configuration and request bytes, and an owned copy of a validated request.

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec::Vec;

use super::accept::Key;
use super::client::{Accepted, ClientRequest};
use super::error::{BuildError, ClientError};
use super::head::{Header, Limits, Status};
use super::server::Request;
use super::uri::{UriError, WsUri};

/// A client handshake configuration with owned strings, for callers that assemble it from
/// runtime values and do not want to manage borrows.
///
/// ```
/// use wscore::handshake::{ClientBuilder, Limits, Status, EMPTY_HEADER};
///
/// let handshake = ClientBuilder::new("ws://server.example.com/chat")?
///     .origin("http://example.com")
///     .subprotocol("chat")
///     .subprotocol("superchat")
///     .build(*b"the sample nonce")?; // a fresh random nonce in real use
/// assert!(handshake.request().starts_with(b"GET /chat HTTP/1.1\r\n"));
///
/// let answer = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
/// Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
/// let mut headers = [EMPTY_HEADER; 16];
/// let result = handshake.parse_response(answer, &mut headers, &Limits::DEFAULT);
/// assert!(matches!(result, Ok(Status::Complete((_, len))) if len == answer.len()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientBuilder {
    uri: String,
    origin: Option<String>,
    subprotocols: Vec<String>,
    extensions: Option<String>,
    headers: Vec<(String, String)>,
}

impl ClientBuilder {
    /// Starts a configuration for `uri` (`ws://` or `wss://`), checked now.
    pub fn new(uri: impl Into<String>) -> Result<ClientBuilder, UriError> {
        let uri = uri.into();
        WsUri::parse(&uri)?;
        Ok(ClientBuilder {
            uri,
            origin: None,
            subprotocols: Vec::new(),
            extensions: None,
            headers: Vec::new(),
        })
    }

    /// Sets `Origin`.
    pub fn origin(mut self, origin: impl Into<String>) -> ClientBuilder {
        self.origin = Some(origin.into());
        self
    }

    /// Adds a subprotocol to offer (in order of preference).
    pub fn subprotocol(mut self, protocol: impl Into<String>) -> ClientBuilder {
        self.subprotocols.push(protocol.into());
        self
    }

    /// Sets the extension offer (a `Sec-WebSocket-Extensions` value).
    pub fn extensions(mut self, offer: impl Into<String>) -> ClientBuilder {
        self.extensions = Some(offer.into());
        self
    }

    /// Adds a request header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> ClientBuilder {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The configured URI.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// Lends the configuration as a borrowing [`ClientRequest`] keyed by `nonce`.
    fn with_request<R>(
        &self,
        nonce: [u8; 16],
        f: impl FnOnce(ClientRequest<'_>) -> R,
    ) -> Result<R, BuildError> {
        let protocols: Vec<&str> = self.subprotocols.iter().map(String::as_str).collect();
        let headers: Vec<Header<'_>> = self
            .headers
            .iter()
            .map(|(name, value)| Header::new(name, value))
            .collect();
        let uri = WsUri::parse(&self.uri).map_err(|_| BuildError::InvalidHeader)?;
        let mut request = ClientRequest::from_uri(uri, nonce)
            .subprotocols(&protocols)?
            .headers(&headers)?;
        if let Some(origin) = &self.origin {
            request = request.origin(origin)?;
        }
        if let Some(offer) = &self.extensions {
            request = request.extensions(offer)?;
        }
        Ok(f(request))
    }

    /// Checks the configuration and renders the request for one connection. `nonce` must be
    /// fresh randomness for every connection (RFC 6455 4.1).
    pub fn build(&self, nonce: [u8; 16]) -> Result<ClientHandshake, BuildError> {
        let request = self.with_request(nonce, |r| r.to_vec())?;
        Ok(ClientHandshake {
            config: self.clone(),
            key: Key::from_nonce(nonce),
            request,
        })
    }
}

/// One connection's client handshake: the request bytes to send and what is needed to check
/// the answer. Made by [`ClientBuilder::build`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientHandshake {
    config: ClientBuilder,
    key: Key,
    request: Vec<u8>,
}

impl ClientHandshake {
    /// The request head to send.
    pub fn request(&self) -> &[u8] {
        &self.request
    }

    /// The `Sec-WebSocket-Key` sent.
    pub fn key(&self) -> Key {
        self.key
    }

    /// Parses and checks the server's answer; see [`ClientRequest::parse_response`].
    pub fn parse_response<'b, 'h>(
        &self,
        buf: &'b [u8],
        headers: &'h mut [Header<'b>],
        limits: &Limits,
    ) -> Result<Status<(Accepted<'b, 'h>, usize)>, ClientError<'b, 'h>> {
        // `build` already checked the configuration, so lending it again cannot fail; if it
        // somehow did, the answer is refused rather than trusted.
        self.config
            .with_request(self.key.to_nonce(), |request| {
                request.parse_response(buf, headers, limits)
            })
            .unwrap_or(Err(ClientError::AcceptMismatch))
    }
}

/// An owned copy of a validated server-side [`Request`], for handing to code that outlives
/// the receive buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnedRequest {
    /// The request target as received.
    pub target: String,
    /// The path part of the resource name.
    pub path: String,
    /// The query, if any.
    pub query: Option<String>,
    /// The `Host` header.
    pub host: String,
    /// The `Origin` header, if any.
    pub origin: Option<String>,
    /// The client's key.
    pub key: Key,
    /// The offered subprotocols, in order.
    pub subprotocols: Vec<String>,
    /// The offered extensions, in order.
    pub extensions: Vec<OwnedExtension>,
    /// Every header, in order.
    pub headers: Vec<(String, Vec<u8>)>,
}

/// An owned extension offer: its name and parameters (values unescaped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnedExtension {
    /// The extension name.
    pub name: String,
    /// The parameters in order: name and optional value.
    pub params: Vec<(String, Option<String>)>,
}

impl From<&Request<'_, '_>> for OwnedRequest {
    fn from(request: &Request<'_, '_>) -> OwnedRequest {
        OwnedRequest {
            target: request.target().to_owned(),
            path: request.path().to_owned(),
            query: request.query().map(ToOwned::to_owned),
            host: request.host().to_owned(),
            origin: request.origin().map(ToOwned::to_owned),
            key: request.key(),
            subprotocols: request.subprotocols().map(ToOwned::to_owned).collect(),
            extensions: request
                .extensions()
                .map(|ext| {
                    let params = ext
                        .params()
                        .map(|p| (p.name.to_owned(), p.value.map(|v| v.to_unescaped())))
                        .collect();
                    OwnedExtension {
                        name: ext.name().to_owned(),
                        params,
                    }
                })
                .collect(),
            headers: request
                .headers()
                .iter()
                .map(|h| (h.name.to_owned(), h.value.to_vec()))
                .collect(),
        }
    }
}

impl Request<'_, '_> {
    /// An owned copy of everything this request exposes.
    pub fn to_owned_request(&self) -> OwnedRequest {
        OwnedRequest::from(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::EMPTY_HEADER;

    #[test]
    fn builder_matches_the_borrowing_request() {
        let nonce = [5u8; 16];
        let built = ClientBuilder::new("wss://h:8443/p?q")
            .unwrap()
            .origin("https://o")
            .subprotocol("a")
            .subprotocol("b")
            .extensions("permessage-deflate")
            .header("X-Trace", "1")
            .build(nonce)
            .unwrap();
        let headers = [Header::new("X-Trace", "1")];
        let borrowed = ClientRequest::new("wss://h:8443/p?q", nonce)
            .unwrap()
            .origin("https://o")
            .unwrap()
            .subprotocols(&["a", "b"])
            .unwrap()
            .extensions("permessage-deflate")
            .unwrap()
            .headers(&headers)
            .unwrap();
        assert_eq!(built.request(), borrowed.to_vec());
        assert_eq!(built.key(), borrowed.key());

        let bad = ClientBuilder::new("ws://h/").unwrap().subprotocol("a b");
        assert_eq!(bad.build(nonce), Err(BuildError::InvalidSubprotocol));
        let bad = ClientBuilder::new("ws://h/").unwrap().header("Host", "x");
        assert_eq!(bad.build(nonce), Err(BuildError::ReservedHeader));
        assert_eq!(
            ClientBuilder::new("ftp://h/"),
            Err(UriError::UnsupportedScheme)
        );
    }

    #[test]
    fn owned_request_copies_everything() {
        let wire =
            b"GET /p?q=1 HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
Sec-WebSocket-Protocol: a, b\r\nSec-WebSocket-Extensions: x; k=\"v\\w\"; flag\r\n\r\n";
        let mut headers = [EMPTY_HEADER; 16];
        let Ok(Status::Complete((request, _))) =
            Request::parse(wire, &mut headers, &Limits::DEFAULT)
        else {
            panic!()
        };
        let owned = request.to_owned_request();
        assert_eq!(
            (owned.path.as_str(), owned.query.as_deref()),
            ("/p", Some("q=1"))
        );
        assert_eq!(owned.subprotocols, ["a", "b"]);
        assert_eq!(
            owned.extensions,
            [OwnedExtension {
                name: "x".into(),
                params: alloc::vec![("k".into(), Some("vw".into())), ("flag".into(), None)]
            }]
        );
        assert_eq!(owned.headers.len(), 7);
        assert_eq!(owned.key.as_str(), "dGhlIHNhbXBsZSBub25jZQ==");
    }
}
