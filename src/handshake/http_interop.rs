//! Conversions to and from the [`http`] crate's `Request` and `Response`, for callers whose
//! HTTP stack already produces or consumes them (feature `http`).
//!
//! ```
//! use wscore::handshake::{http_interop, ClientRequest};
//!
//! // Client: an `http::Request` to hand to an HTTP/1.1 client connection...
//! let client = ClientRequest::new("ws://example.com/chat", [1; 16])?.subprotocols(&["chat"])?;
//! let request = client.to_http_request();
//! assert_eq!(request.uri(), "/chat");
//!
//! // ...which a server using `http` types validates and answers.
//! let response = http_interop::with_request(&request, |req| {
//!     req.accept().subprotocol("chat").map(|a| a.to_http_response())
//! })??;
//! assert_eq!(response.status(), http::StatusCode::SWITCHING_PROTOCOLS);
//!
//! // The client checks the answer.
//! assert_eq!(client.check_http_response(&response)?.as_deref(), Some("chat"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use http::header::{HeaderName, HeaderValue};

use super::client::check_accepted;
use super::error::{BuildError, HandshakeError};
use super::head::{trim_ows, HeadError, HttpHeader, RequestHead};
use super::server::{Accept, Reject, Request};
use super::ClientRequest;

fn minor_version(version: http::Version) -> Result<u8, HandshakeError> {
    match version {
        http::Version::HTTP_09 | http::Version::HTTP_10 => Ok(0),
        http::Version::HTTP_11 => Ok(1),
        // HTTP/2 and HTTP/3 use extended CONNECT: see the `negotiate` module.
        _ => Err(HandshakeError::Head(HeadError::UnsupportedVersion)),
    }
}

/// Borrows an `http::HeaderMap` as a list of [`HttpHeader`]s (values trimmed of surrounding
/// whitespace), in the map's iteration order.
pub fn headers_of(map: &http::HeaderMap) -> Vec<HttpHeader<'_>> {
    map.iter()
        .map(|(name, value)| HttpHeader {
            name: name.as_str(),
            value: trim_ows(value.as_bytes()),
        })
        .collect()
}

/// Validates an `http::Request` as a WebSocket opening handshake (RFC 6455 4.2.1) and lends
/// the validated [`Request`] to `f`, which inspects it and builds the answer (typically with
/// [`Accept::to_http_response`]).
pub fn with_request<B, R>(
    request: &http::Request<B>,
    f: impl FnOnce(&Request<'_, '_>) -> R,
) -> Result<R, HandshakeError> {
    let headers = headers_of(request.headers());
    let target = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
    let head = RequestHead {
        method: request.method().as_str(),
        target,
        minor_version: minor_version(request.version())?,
        headers: &headers,
    };
    let validated = Request::from_head(head)?;
    Ok(f(&validated))
}

fn put_headers(map: &mut http::HeaderMap, headers: &[HttpHeader<'_>]) {
    for header in headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(header.name.as_bytes()),
            HeaderValue::from_bytes(header.value),
        ) {
            map.append(name, value);
        }
    }
}

/// Re-parses rendered head bytes into name/value pairs; the renderers only emit valid heads.
fn rendered_headers(bytes: &[u8]) -> Vec<(HeaderName, HeaderValue)> {
    let mut storage = [super::head::EMPTY_HEADER; 128];
    let limits = super::head::Limits {
        max_head_len: usize::MAX,
        max_headers: 128,
        max_line_len: usize::MAX,
    };
    let mut out = Vec::new();
    let parsed = if bytes.starts_with(b"HTTP/") {
        super::head::parse_response(bytes, &mut storage, &limits)
            .ok()
            .and_then(|s| s.complete())
            .map(|(h, _)| h.headers)
    } else {
        super::head::parse_request(bytes, &mut storage, &limits)
            .ok()
            .and_then(|s| s.complete())
            .map(|(h, _)| h.headers)
    };
    for header in parsed.unwrap_or_default() {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(header.name.as_bytes()),
            HeaderValue::from_bytes(header.value),
        ) {
            out.push((name, value));
        }
    }
    out
}

impl Request<'_, '_> {
    /// The request as an `http::Request` (method, origin-form target, version, headers).
    pub fn to_http_request(&self) -> Result<http::Request<()>, http::Error> {
        let mut builder = http::Request::builder()
            .method(self.head().method)
            .uri(self.target())
            .version(http::Version::HTTP_11);
        if let Some(map) = builder.headers_mut() {
            put_headers(map, self.headers());
        }
        builder.body(())
    }
}

impl Accept<'_> {
    /// The 101 response as an `http::Response` with the same headers [`Accept::write_to`]
    /// writes.
    pub fn to_http_response(&self) -> http::Response<()> {
        let mut response = http::Response::new(());
        *response.status_mut() = http::StatusCode::SWITCHING_PROTOCOLS;
        response
            .headers_mut()
            .extend(rendered_headers(&self.to_vec()));
        response
    }
}

impl Reject<'_> {
    /// The refusal as an `http::Response` with its body.
    pub fn to_http_response(&self) -> Result<http::Response<Vec<u8>>, BuildError> {
        let bytes = self.to_vec()?;
        let head_len = bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map_or(bytes.len(), |p| p + 4);
        let mut response = http::Response::new(bytes[head_len..].to_vec());
        *response.status_mut() = http::StatusCode::from_u16(self.status())
            .map_err(|_| BuildError::InvalidStatus(self.status()))?;
        response.headers_mut().extend(rendered_headers(&bytes));
        Ok(response)
    }
}

impl HandshakeError {
    /// The error response as an `http::Response` with a short text body.
    pub fn to_http_response(&self) -> http::Response<Vec<u8>> {
        let bytes = self.to_response_vec();
        let head_len = bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map_or(bytes.len(), |p| p + 4);
        let mut response = http::Response::new(bytes[head_len..].to_vec());
        *response.status_mut() =
            http::StatusCode::from_u16(self.status()).unwrap_or(http::StatusCode::BAD_REQUEST);
        response.headers_mut().extend(rendered_headers(&bytes));
        response
    }
}

/// Why a client refuses an `http::Response` to its handshake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponseError {
    /// The response status.
    pub status: http::StatusCode,
    /// What is wrong (for a non-101 status: that the server refused or redirected; the
    /// response itself holds the headers, e.g. `Location`).
    pub reason: &'static str,
}

impl fmt::Display for HttpResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (status {})", self.reason, self.status)
    }
}

impl core::error::Error for HttpResponseError {}

impl ClientRequest<'_> {
    /// The request as an `http::Request` with an origin-form URI (`/chat?x`) and every
    /// header [`ClientRequest::write_to`] writes, `Host` included.
    pub fn to_http_request(&self) -> http::Request<()> {
        let mut request = http::Request::new(());
        if let Ok(uri) = http::Uri::try_from(self.uri().resource()) {
            *request.uri_mut() = uri;
        }
        *request.version_mut() = http::Version::HTTP_11;
        request
            .headers_mut()
            .extend(rendered_headers(&self.to_vec()));
        request
    }

    /// The request as an HTTP/2 extended CONNECT (RFC 8441 4, 5): `CONNECT` with the
    /// absolute URI (`https://host/chat` for `wss://`, `http://` for `ws://`: the
    /// `:scheme`, `:authority` and `:path`), version `HTTP_2`, and the headers
    /// [`ClientRequest::write_to`] writes except those HTTP/2 does not use (`Host`, which
    /// `:authority` replaces; `Upgrade`, `Connection`, `Sec-WebSocket-Key`).
    ///
    /// The `:protocol websocket` pseudo-header is the HTTP/2 stack's own request extension
    /// (hyper's `hyper::ext::Protocol`, h2's `h2::ext::Protocol`): insert it before sending.
    /// Send it only once the server's `SETTINGS` enabled extended CONNECT (RFC 8441 3).
    pub fn to_extended_connect_request(&self) -> http::Request<()> {
        let mut request = http::Request::new(());
        *request.method_mut() = http::Method::CONNECT;
        *request.version_mut() = http::Version::HTTP_2;
        let uri = self.uri();
        let scheme = if uri.is_secure() { "https" } else { "http" };
        let mut target = alloc::format!("{scheme}://{}", uri.host());
        if !uri.is_default_port() {
            target.push_str(&alloc::format!(":{}", uri.port()));
        }
        let resource = uri.raw_resource();
        if !resource.starts_with('/') {
            target.push('/');
        }
        target.push_str(resource);
        if let Ok(target) = http::Uri::try_from(target) {
            *request.uri_mut() = target;
        }
        let unused = [
            http::header::HOST,
            http::header::UPGRADE,
            http::header::CONNECTION,
            http::header::SEC_WEBSOCKET_KEY,
        ];
        request.headers_mut().extend(
            rendered_headers(&self.to_vec())
                .into_iter()
                .filter(|(name, _)| !unused.contains(name)),
        );
        request
    }

    /// Checks an `http::Response` to this request (RFC 6455 4.1); returns the selected
    /// subprotocol.
    pub fn check_http_response<B>(
        &self,
        response: &http::Response<B>,
    ) -> Result<Option<String>, HttpResponseError> {
        let status = response.status();
        let fail = |reason| HttpResponseError { status, reason };
        if status != http::StatusCode::SWITCHING_PROTOCOLS {
            return Err(fail(if status.is_redirection() {
                "server redirected"
            } else {
                "server refused the upgrade"
            }));
        }
        if minor_version(response.version()) != Ok(1) {
            return Err(fail("HTTP/1.1 required"));
        }
        let headers = headers_of(response.headers());
        check_accepted(
            &headers,
            Some(self.expected_accept()),
            self.offered_subprotocols(),
            self.offered_extensions(),
        )
        .map(|p| p.map(String::from))
        .map_err(|e| fail(e.as_str()))
    }
}
