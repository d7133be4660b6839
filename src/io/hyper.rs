//! Upgrades from a hyper 1 server (feature `hyper`): [`upgrade`] validates an
//! `http::Request` as a WebSocket opening, answers it, and returns a future that yields the
//! [`HyperWebSocket`] once hyper hands over the stream.
//!
//! Two openings reach the same call. An HTTP/1.1 `GET` with `Upgrade: websocket`
//! (RFC 6455 4.2.1) is answered `101 Switching Protocols`; serve the connection with
//! `hyper::server::conn::http1::Builder::serve_connection(..).with_upgrades()`, or hyper
//! never hands it over. With feature `http2`, an HTTP/2 extended CONNECT
//! (`:method CONNECT`, `:protocol websocket`, RFC 8441) is answered `200`, and the WebSocket
//! runs on that one HTTP/2 stream; serve with `hyper::server::conn::http2::Builder` and
//! `enable_connect_protocol()` (or `hyper_util`'s auto builder with it on its `http2()`),
//! which sends `SETTINGS_ENABLE_CONNECT_PROTOCOL` so that clients may ask. The stream's end
//! (`END_STREAM`) is the connection's end of input and a reset (`RST_STREAM`) its failure,
//! as a TCP FIN and RST are over HTTP/1.1 (RFC 8441 6). Bytes the client sent right after
//! its head stay in hyper's `Upgraded` and are read first.
//!
//! ```no_run
//! use futures_util::{SinkExt, StreamExt};
//! use wscore::io::hyper::{upgrade, Refusal};
//!
//! fn answer<B>(mut req: http::Request<B>) -> http::Response<Vec<u8>> {
//!     let decide = |r: &wscore::io::hyper::UpgradeRequest<'_>| {
//!         Ok(r.subprotocols().find(|p| *p == "chat").map(String::from))
//!     };
//!     let options = wscore::io::Options::default();
//!     match upgrade(&mut req, wscore::Config::default(), options, decide) {
//!         Ok((response, websocket)) => {
//!             tokio::spawn(async move {
//!                 let Ok(mut ws) = websocket.await else { return };
//!                 while let Some(Ok(message)) = ws.next().await {
//!                     if message.is_data() && ws.send(message).await.is_err() {
//!                         break;
//!                     }
//!                 }
//!             });
//!             response.map(|()| Vec::new())
//!         }
//!         Err(refusal) => refusal.into_response(),
//!     }
//! }
//! ```

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;
use core::future::Future;
use core::time::Duration;

use super::error::Error;
use super::opening::{Decision, OsEntropy, StdConnection};
use super::options::Options;
use super::tokio::{TokioIo, TokioWebSocket};
use crate::handshake::{
    http_interop, negotiate, BuildError, Extensions, HandshakeError, HttpHeader, Subprotocols,
};
use crate::{Config, Connection, Role};

/// hyper's upgraded connection as a tokio stream.
pub type Upgraded = hyper_util::rt::TokioIo<hyper::upgrade::Upgraded>;

/// The WebSocket over a connection hyper upgraded.
pub type HyperWebSocket = TokioWebSocket<Upgraded>;

/// A refused upgrade: the HTTP response to send instead of the 101 (400, 405 with
/// `Allow: GET`, 426 with `Sec-WebSocket-Version: 13`, the application's own status, or 500
/// when the application's answer could not be built).
#[derive(Debug)]
pub struct Refusal {
    response: Box<http::Response<Vec<u8>>>,
}

impl Refusal {
    pub(crate) fn from_handshake(e: &HandshakeError) -> Refusal {
        Refusal {
            response: Box::new(e.to_http_response()),
        }
    }

    pub(crate) fn with_status(status: u16, body: &str) -> Refusal {
        let mut response = http::Response::new(body.as_bytes().to_vec());
        *response.status_mut() =
            http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        Refusal {
            response: Box::new(response),
        }
    }

    fn from_build(e: &BuildError) -> Refusal {
        Refusal::with_status(500, &alloc::format!("cannot answer the upgrade: {e}"))
    }

    /// The response status.
    pub fn status(&self) -> http::StatusCode {
        self.response.status()
    }

    /// The response to send.
    pub fn response(&self) -> &http::Response<Vec<u8>> {
        &self.response
    }

    /// The response to send, by value.
    pub fn into_response(self) -> http::Response<Vec<u8>> {
        *self.response
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "WebSocket upgrade refused with {}",
            self.response.status()
        )
    }
}

impl std::error::Error for Refusal {}

/// What an accepted handshake agreed on: the response (101, or 200 for an extended
/// CONNECT) and the connection to run.
pub(crate) struct Agreement {
    pub(crate) response: http::Response<()>,
    pub(crate) conn: StdConnection,
}

/// The two ways a WebSocket opens through hyper.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bootstrap {
    /// HTTP/1.1 `GET` with `Upgrade: websocket` (RFC 6455 4.2.1), answered 101.
    Upgrade,
    /// HTTP/2 `CONNECT` with `:protocol websocket` (RFC 8441 4, 5), answered 200.
    #[cfg_attr(not(feature = "http2"), allow(dead_code))]
    ExtendedConnect,
}

/// Which bootstrap `request` uses; a `CONNECT` that is not a WebSocket's extended CONNECT is
/// refused here (a plain tunnel request, another `:protocol`).
fn bootstrap<B>(request: &http::Request<B>) -> Result<Bootstrap, Refusal> {
    if request.method() != http::Method::CONNECT {
        return Ok(Bootstrap::Upgrade);
    }
    #[cfg(feature = "http2")]
    {
        match request.extensions().get::<hyper::ext::Protocol>() {
            Some(p) if p.as_str().eq_ignore_ascii_case("websocket") => {
                Ok(Bootstrap::ExtendedConnect)
            }
            Some(p) => Err(Refusal::with_status(
                400,
                &alloc::format!("unsupported :protocol {:?}", p.as_str()),
            )),
            None => Err(Refusal::with_status(
                400,
                "CONNECT without :protocol websocket",
            )),
        }
    }
    #[cfg(not(feature = "http2"))]
    Err(Refusal::with_status(
        501,
        "WebSocket over HTTP/2 needs wscore's feature `http2`",
    ))
}

/// An opening request as hyper received it, validated: an HTTP/1.1 Upgrade (RFC 6455 4.2.1)
/// or an HTTP/2 extended CONNECT (RFC 8441 5). What [`upgrade`]'s `decide` looks at to pick
/// a subprotocol or refuse.
#[derive(Debug)]
pub struct UpgradeRequest<'r> {
    method: &'r http::Method,
    uri: &'r http::Uri,
    version: http::Version,
    map: &'r http::HeaderMap,
    headers: &'r [HttpHeader<'r>],
}

impl<'r> UpgradeRequest<'r> {
    /// The HTTP version that carried the request (`HTTP_11`, or `HTTP_2` for an extended
    /// CONNECT).
    pub fn version(&self) -> http::Version {
        self.version
    }

    /// Whether the request is an HTTP/2 extended CONNECT (RFC 8441) rather than an
    /// HTTP/1.1 Upgrade.
    pub fn is_extended_connect(&self) -> bool {
        self.method == http::Method::CONNECT
    }

    /// The request's path (`:path` over HTTP/2).
    pub fn path(&self) -> &'r str {
        self.uri.path()
    }

    /// The request's query, without the `?`.
    pub fn query(&self) -> Option<&'r str> {
        self.uri.query()
    }

    /// The authority the client asked for: `:authority` over HTTP/2, `Host` over HTTP/1.1.
    pub fn authority(&self) -> Option<&'r str> {
        match self.uri.authority() {
            Some(authority) => Some(authority.as_str()),
            None => self
                .map
                .get(http::header::HOST)
                .and_then(|v| v.to_str().ok()),
        }
    }

    /// `Origin`, if sent (browsers always send it).
    pub fn origin(&self) -> Option<&'r str> {
        self.map
            .get(http::header::ORIGIN)
            .and_then(|v| v.to_str().ok())
    }

    /// The subprotocols offered, in the client's order of preference.
    pub fn subprotocols(&self) -> Subprotocols<'r, 'r> {
        negotiate::offered_subprotocols(self.headers)
    }

    /// Whether the client offered `protocol`.
    pub fn offers_subprotocol(&self, protocol: &str) -> bool {
        self.subprotocols().any(|p| p == protocol)
    }

    /// The extensions offered, in order.
    pub fn extensions(&self) -> Extensions<'r, 'r> {
        negotiate::offered_extensions(self.headers)
    }

    /// Every request header.
    pub fn headers(&self) -> &'r http::HeaderMap {
        self.map
    }
}

/// Which bootstrap `request` uses, once validated against its RFC; `headers` are its
/// headers as a list.
fn validate<B>(
    request: &http::Request<B>,
    headers: &[HttpHeader<'_>],
) -> Result<Bootstrap, Refusal> {
    let bootstrap = bootstrap(request)?;
    let checked = match bootstrap {
        Bootstrap::Upgrade => http_interop::with_request(request, |_| ()),
        Bootstrap::ExtendedConnect => negotiate::check_request(headers),
    };
    checked.map_err(|e| Refusal::from_handshake(&e))?;
    Ok(bootstrap)
}

/// Validates `request` as either opening and returns the subprotocols it offers, in order.
#[cfg(feature = "axum")]
pub(crate) fn offered_subprotocols<B>(
    request: &http::Request<B>,
) -> Result<Vec<alloc::string::String>, Refusal> {
    let headers = http_interop::headers_of(request.headers());
    validate(request, &headers)?;
    let offered = negotiate::offered_subprotocols(&headers);
    Ok(offered.map(alloc::string::String::from).collect())
}

/// Validates `request` (either bootstrap), lets `decide` select a subprotocol (or refuse),
/// negotiates `options.server_extensions`, and builds the response (with `extra` headers
/// appended, minus any the handshake sets itself) and the connection.
pub(crate) fn agree<B>(
    request: &http::Request<B>,
    config: Config,
    options: &Options,
    extra: &http::HeaderMap,
    decide: impl FnOnce(&UpgradeRequest<'_>) -> Decision,
) -> Result<Agreement, Refusal> {
    let headers = http_interop::headers_of(request.headers());
    let bootstrap = validate(request, &headers)?;
    let offer = UpgradeRequest {
        method: request.method(),
        uri: request.uri(),
        version: request.version(),
        map: request.headers(),
        headers: &headers,
    };
    let protocol = decide(&offer).map_err(|(status, body)| Refusal::with_status(status, &body))?;
    let agreed = options
        .server_extensions
        .as_ref()
        .and_then(|policy| policy.negotiate(offer.extensions()));
    let mut response = match bootstrap {
        Bootstrap::Upgrade => http_interop::with_request(request, |req| {
            let mut accept = req.accept();
            if let Some(protocol) = protocol.as_deref() {
                accept = accept.subprotocol(protocol)?;
            }
            if let Some(agreed) = &agreed {
                accept = accept.extensions(&agreed.response)?;
            }
            Ok(accept.to_http_response())
        })
        .map_err(|e| Refusal::from_handshake(&e))?
        .map_err(|e| Refusal::from_build(&e))?,
        Bootstrap::ExtendedConnect => extended_connect_response(
            &headers,
            protocol.as_deref(),
            agreed.as_ref().map(|a| a.response.as_str()),
        )
        .map_err(|e| Refusal::from_build(&e))?,
    };
    for (name, value) in extra {
        if !is_handshake_header(name) {
            response.headers_mut().append(name, value.clone());
        }
    }
    let mut conn = Connection::new(Role::Server, config, Vec::new(), OsEntropy, Duration::ZERO);
    if let Some(protocol) = protocol.as_deref() {
        conn = conn.with_subprotocol(protocol);
    }
    if let Some(agreed) = agreed {
        conn = conn.with_extension(agreed.extension);
    }
    Ok(Agreement { response, conn })
}

/// RFC 8441 5: the 200 answering an extended CONNECT, with the selected subprotocol and the
/// negotiated extensions (no `Upgrade`, `Connection` or `Sec-WebSocket-Accept`).
fn extended_connect_response(
    offer: &[HttpHeader<'_>],
    protocol: Option<&str>,
    extensions: Option<&str>,
) -> Result<http::Response<()>, BuildError> {
    let mut response = http::Response::new(());
    let headers = response.headers_mut();
    if let Some(protocol) = protocol {
        negotiate::check_subprotocol_choice(offer, protocol)?;
        let value =
            http::HeaderValue::from_str(protocol).map_err(|_| BuildError::InvalidSubprotocol)?;
        headers.insert(http::header::SEC_WEBSOCKET_PROTOCOL, value);
    }
    if let Some(extensions) = extensions {
        negotiate::check_extension_choice(offer, extensions)?;
        let value =
            http::HeaderValue::from_str(extensions).map_err(|_| BuildError::InvalidExtensions)?;
        headers.insert(http::header::SEC_WEBSOCKET_EXTENSIONS, value);
    }
    Ok(response)
}

fn is_handshake_header(name: &http::HeaderName) -> bool {
    let name = name.as_str();
    name == "upgrade" || name == "connection" || name.starts_with("sec-websocket-")
}

/// The WebSocket, once hyper has upgraded the connection behind `on`.
pub(crate) async fn finish(
    on: hyper::upgrade::OnUpgrade,
    conn: StdConnection,
    options: Options,
) -> Result<HyperWebSocket, Error> {
    let upgraded = on.await.map_err(|e| Error::Io(std::io::Error::other(e)))?;
    let io = TokioIo(hyper_util::rt::TokioIo::new(upgraded));
    Ok(TokioWebSocket::from_connection(io, conn, &[], &options))
}

/// Answers a WebSocket opening request received by a hyper server.
///
/// Validates `request` (RFC 6455 4.2.1 for an HTTP/1.1 Upgrade; RFC 8441 5 for an HTTP/2
/// extended CONNECT), lets `decide` select a subprotocol the client offered (`Ok(None)` for
/// none) or refuse with a status and body, negotiates `options.server_extensions` (e.g.
/// permessage-deflate), and returns the response (101, or 200 for an extended CONNECT) with
/// a future that resolves to the [`HyperWebSocket`] once the response is sent. Add custom
/// response headers to the returned response (don't change the handshake's own).
///
/// Send the response, then await the future (typically in a spawned task): it waits on
/// hyper's upgrade, which happens only after the response is written. An invalid request
/// gives the [`Refusal`] to send instead, never a panic.
#[allow(clippy::type_complexity)]
pub fn upgrade<B>(
    request: &mut http::Request<B>,
    config: Config,
    options: Options,
    decide: impl FnOnce(&UpgradeRequest<'_>) -> Decision,
) -> Result<
    (
        http::Response<()>,
        impl Future<Output = Result<HyperWebSocket, Error>> + Send + 'static,
    ),
    Refusal,
> {
    let agreement = agree(request, config, &options, &http::HeaderMap::new(), decide)?;
    let on = hyper::upgrade::on(request);
    Ok((agreement.response, finish(on, agreement.conn, options)))
}
