//! An axum 0.8 extractor (feature `axum`): [`WebSocketUpgrade`] validates the handshake
//! and [`WebSocketUpgrade::on_upgrade`] answers it (101 for an HTTP/1.1 Upgrade; 200 for an
//! HTTP/2 extended CONNECT with feature `http2`, RFC 8441), then runs the callback with the
//! [`HyperWebSocket`] in a spawned task, as with axum's own `ws` module.
//!
//! Over HTTP/2 the opening request is a `CONNECT`, which `routing::get` never matches: route
//! the WebSocket with `routing::any` (the extractor answers 405 for methods that are neither
//! `GET` nor an extended `CONNECT`), and serve with extended CONNECT enabled
//! (`enable_connect_protocol()` on hyper's HTTP/2 builder).
//!
//! ```no_run
//! # #[cfg(feature = "deflate")] mod demo {
//! use axum_core::response::IntoResponse;
//! use futures_util::{SinkExt, StreamExt};
//! use wscore::io::axum::WebSocketUpgrade;
//!
//! async fn ws(upgrade: WebSocketUpgrade) -> impl IntoResponse {
//!     let deflate = wscore::deflate::DeflateServer::new(wscore::deflate::DeflateConfig::new());
//!     let mut headers = http::HeaderMap::new();
//!     headers.insert("x-served-by", http::HeaderValue::from_static("wscore"));
//!     upgrade
//!         .subprotocols(["chat", "echo"]) // the client's first offer among these
//!         .options(wscore::io::Options::default().server_extensions(std::sync::Arc::new(deflate)))
//!         .headers(headers)
//!         .on_upgrade(|mut ws| async move {
//!             while let Some(Ok(message)) = ws.next().await {
//!                 if message.is_data() && ws.send(message).await.is_err() {
//!                     break;
//!                 }
//!             }
//!         })
//! }
//! // axum::Router::new().route("/ws", axum::routing::any(ws))
//! # }
//! ```
//!
//! Invalid requests are rejected with [`WebSocketUpgradeRejection`]: 400, 405 with
//! `Allow: GET`, or 426 with `Sec-WebSocket-Version: 13`; a request hyper cannot upgrade
//! (served without `with_upgrades`, or not by hyper) with 426.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::future::Future;

use axum_core::body::Body;
use axum_core::extract::{FromRequestParts, OptionalFromRequestParts};
use axum_core::response::{IntoResponse, Response};
use http::request::Parts;

use super::hyper::{agree, finish, offered_subprotocols, HyperWebSocket, Refusal};
use super::options::Options;
use crate::Config;

/// Extractor for a WebSocket upgrade request; answer it with [`on_upgrade`](Self::on_upgrade).
pub struct WebSocketUpgrade {
    request: http::Request<()>,
    on_upgrade: hyper::upgrade::OnUpgrade,
    offered: Vec<String>,
    supported: Vec<String>,
    config: Config,
    options: Options,
    headers: http::HeaderMap,
}

impl fmt::Debug for WebSocketUpgrade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSocketUpgrade")
            .field("uri", self.request.uri())
            .field("offered", &self.offered)
            .field("supported", &self.supported)
            .field("config", &self.config)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

/// Why [`WebSocketUpgrade`] refused a request; its response is the precise HTTP answer.
#[derive(Debug)]
pub struct WebSocketUpgradeRejection(Refusal);

impl WebSocketUpgradeRejection {
    /// The response status.
    pub fn status(&self) -> http::StatusCode {
        self.0.status()
    }
}

impl fmt::Display for WebSocketUpgradeRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for WebSocketUpgradeRejection {}

impl IntoResponse for WebSocketUpgradeRejection {
    fn into_response(self) -> Response {
        refusal_response(self.0)
    }
}

fn refusal_response(refusal: Refusal) -> Response {
    refusal.into_response().map(Body::from)
}

impl<S: Send + Sync> FromRequestParts<S> for WebSocketUpgrade {
    type Rejection = WebSocketUpgradeRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<WebSocketUpgrade, WebSocketUpgradeRejection> {
        let mut request = http::Request::new(());
        *request.method_mut() = parts.method.clone();
        *request.uri_mut() = parts.uri.clone();
        *request.version_mut() = parts.version;
        *request.headers_mut() = parts.headers.clone();
        #[cfg(feature = "http2")]
        if let Some(protocol) = parts.extensions.get::<hyper::ext::Protocol>() {
            request.extensions_mut().insert(protocol.clone());
        }
        let offered = offered_subprotocols(&request).map_err(WebSocketUpgradeRejection)?;
        let on_upgrade = parts
            .extensions
            .remove::<hyper::upgrade::OnUpgrade>()
            .ok_or_else(|| {
                WebSocketUpgradeRejection(Refusal::with_status(
                    426,
                    "connection cannot be upgraded",
                ))
            })?;
        Ok(WebSocketUpgrade {
            request,
            on_upgrade,
            offered,
            supported: Vec::new(),
            config: Config::default(),
            options: Options::default(),
            headers: http::HeaderMap::new(),
        })
    }
}

/// `Option<WebSocketUpgrade>`: `None` for a request that carries none of the handshake's
/// headers (`Upgrade: websocket`, `Sec-WebSocket-Key`, `Sec-WebSocket-Version`), so one route
/// can serve both a page and the WebSocket; a request that asks for a WebSocket but is
/// invalid is still rejected with its precise status.
impl<S: Send + Sync> OptionalFromRequestParts<S> for WebSocketUpgrade {
    type Rejection = WebSocketUpgradeRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<WebSocketUpgrade>, WebSocketUpgradeRejection> {
        if !wants_websocket(&parts.method, &parts.headers) {
            return Ok(None);
        }
        <WebSocketUpgrade as FromRequestParts<S>>::from_request_parts(parts, state)
            .await
            .map(Some)
    }
}

fn wants_websocket(method: &http::Method, headers: &http::HeaderMap) -> bool {
    // RFC 8441: over HTTP/2 the opening is a CONNECT (its `:protocol` is checked later).
    if method == http::Method::CONNECT {
        return true;
    }
    let upgrade = headers.get_all(http::header::UPGRADE).iter().any(|v| {
        v.as_bytes()
            .to_ascii_lowercase()
            .windows(9)
            .any(|w| w == b"websocket")
    });
    upgrade
        || headers.contains_key(http::header::SEC_WEBSOCKET_KEY)
        || headers.contains_key(http::header::SEC_WEBSOCKET_VERSION)
}

impl WebSocketUpgrade {
    /// The subprotocols the client offered, in its order of preference.
    pub fn protocols(&self) -> impl Iterator<Item = &str> {
        self.offered.iter().map(String::as_str)
    }

    /// The HTTP version that carried the request: `HTTP_11` for an Upgrade, `HTTP_2` for an
    /// extended CONNECT (RFC 8441).
    pub fn version(&self) -> http::Version {
        self.request.version()
    }

    /// The request's path.
    pub fn path(&self) -> &str {
        self.request.uri().path()
    }

    /// The request's headers.
    pub fn request_headers(&self) -> &http::HeaderMap {
        self.request.headers()
    }

    /// The subprotocols the server speaks: the first one the client offered (in the
    /// client's order) that is in `protocols` is selected; none if none matches.
    #[must_use]
    pub fn subprotocols<I, P>(mut self, protocols: I) -> WebSocketUpgrade
    where
        I: IntoIterator<Item = P>,
        P: AsRef<str>,
    {
        self.supported = protocols
            .into_iter()
            .map(|p| String::from(p.as_ref()))
            .collect();
        self
    }

    /// The subprotocol [`on_upgrade`](Self::on_upgrade) will select, if any.
    pub fn selected_protocol(&self) -> Option<&str> {
        self.offered
            .iter()
            .find(|p| self.supported.iter().any(|s| s == *p))
            .map(String::as_str)
    }

    /// The connection's [`Config`] (limits, close timeout...).
    #[must_use]
    pub fn config(mut self, config: Config) -> WebSocketUpgrade {
        self.config = config;
        self
    }

    /// The adapter's [`Options`]; `server_extensions` (e.g. permessage-deflate) is
    /// negotiated with the client's offers.
    #[must_use]
    pub fn options(mut self, options: Options) -> WebSocketUpgrade {
        self.options = options;
        self
    }

    /// Extra headers for the 101 response (cookies, server name...); the handshake's own
    /// (`Upgrade`, `Connection`, `Sec-WebSocket-*`) are never overridden.
    #[must_use]
    pub fn headers(mut self, headers: http::HeaderMap) -> WebSocketUpgrade {
        self.headers.extend(headers);
        self
    }

    /// Answers with the 101 and, once hyper has upgraded the connection, runs `callback`
    /// with the WebSocket in a spawned tokio task. A failed upgrade (the client went away)
    /// never calls `callback`.
    pub fn on_upgrade<F, Fut>(self, callback: F) -> Response
    where
        F: FnOnce(HyperWebSocket) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let protocol = self.selected_protocol().map(String::from);
        let agreement = agree(
            &self.request,
            self.config,
            &self.options,
            &self.headers,
            |_| Ok(protocol),
        );
        let agreement = match agreement {
            Ok(agreement) => agreement,
            Err(refusal) => return refusal_response(refusal),
        };
        let (on, options) = (self.on_upgrade, self.options);
        tokio::spawn(async move {
            if let Ok(ws) = finish(on, agreement.conn, options).await {
                callback(ws).await;
            }
        });
        agreement.response.map(|()| Body::empty())
    }
}
