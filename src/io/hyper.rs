//! Upgrades from a hyper 1 server (feature `hyper`, HTTP/1.1): [`upgrade`] validates an
//! `http::Request` as a WebSocket handshake, answers it with the 101 response (subprotocol,
//! negotiated extensions such as permessage-deflate), and returns a future that yields the
//! [`HyperWebSocket`] once hyper hands over the connection.
//!
//! Serve the connection with `hyper::server::conn::http1::Builder::serve_connection(..)
//! .with_upgrades()`, or hyper never hands it over. Bytes the client sent right after its
//! head stay in hyper's `Upgraded` and are read first.
//!
//! ```no_run
//! use futures_util::{SinkExt, StreamExt};
//! use wscore::io::hyper::{upgrade, Refusal};
//!
//! fn answer<B>(mut req: http::Request<B>) -> http::Response<Vec<u8>> {
//!     let decide = |r: &wscore::handshake::Request<'_, '_>| {
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
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::future::Future;
use core::time::Duration;

use super::error::Error;
use super::opening::{Decision, OsEntropy, StdConnection};
use super::options::Options;
use super::tokio::{TokioIo, TokioWebSocket};
use crate::extension::Extension;
use crate::handshake::{http_interop, BuildError, HandshakeError, Request};
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

/// What an accepted handshake agreed on: the 101 response and the connection to run.
pub(crate) struct Agreement {
    pub(crate) response: http::Response<()>,
    pub(crate) conn: StdConnection,
}

/// Validates `request`, lets `decide` select a subprotocol (or refuse), negotiates
/// `options.server_extensions`, and builds the 101 (with `extra` headers appended, minus any
/// the handshake sets itself) and the connection.
pub(crate) fn agree<B>(
    request: &http::Request<B>,
    config: Config,
    options: &Options,
    extra: &http::HeaderMap,
    decide: impl FnOnce(&Request<'_, '_>) -> Decision,
) -> Result<Agreement, Refusal> {
    type Answered = (
        http::Response<()>,
        Option<String>,
        Option<Box<dyn Extension>>,
    );
    let answer = |req: &Request<'_, '_>| -> Result<Answered, Refusal> {
        let protocol = match decide(req) {
            Ok(protocol) => protocol,
            Err((status, body)) => return Err(Refusal::with_status(status, &body)),
        };
        let agreed = options
            .server_extensions
            .as_ref()
            .and_then(|policy| policy.negotiate(req.extensions()));
        let mut accept = req.accept();
        if let Some(protocol) = protocol.as_deref() {
            accept = accept
                .subprotocol(protocol)
                .map_err(|e| Refusal::from_build(&e))?;
        }
        if let Some(agreed) = &agreed {
            accept = accept
                .extensions(&agreed.response)
                .map_err(|e| Refusal::from_build(&e))?;
        }
        let response = accept.to_http_response();
        Ok((response, protocol, agreed.map(|a| a.extension)))
    };
    let (mut response, protocol, extension) =
        http_interop::with_request(request, answer).map_err(|e| Refusal::from_handshake(&e))??;
    for (name, value) in extra {
        if !is_handshake_header(name) {
            response.headers_mut().append(name, value.clone());
        }
    }
    let mut conn = Connection::new(Role::Server, config, Vec::new(), OsEntropy, Duration::ZERO);
    if let Some(protocol) = protocol.as_deref() {
        conn = conn.with_subprotocol(protocol);
    }
    if let Some(extension) = extension {
        conn = conn.with_extension(extension);
    }
    Ok(Agreement { response, conn })
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

/// Answers a WebSocket upgrade request received by a hyper server.
///
/// Validates `request` (RFC 6455 4.2.1), lets `decide` select a subprotocol the client
/// offered (`Ok(None)` for none) or refuse with a status and body, negotiates
/// `options.server_extensions` (e.g. permessage-deflate), and returns the 101 response with
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
    decide: impl FnOnce(&Request<'_, '_>) -> Decision,
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
