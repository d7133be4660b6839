//! WebSocket echo server on axum, with the browser demo page, both on `/`.
//!
//! ```text
//! cargo run --release --example axum_server --features axum,deflate [-- --host 127.0.0.1 --port 9001]
//! ```
//!
//! A plain `GET /` gets `examples/echo_page.html`, whose script opens `ws://HOST:PORT/`; a
//! request carrying WebSocket handshake headers on `/` is upgraded (or refused with the
//! handshake's precise status), and every text and binary message is echoed. Subprotocols
//! `echo`, `chat` and `superchat` are selected when offered; permessage-deflate is on when
//! built with `deflate` (off with `--no-deflate`). Flags: `examples/support/server.rs`;
//! `--max-connections` and `--open-timeout` are not enforced here (`axum::serve` reads the
//! request head and has no connection cap): put a limit in front of a deployed server.

use std::sync::Arc;

use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::{SinkExt, StreamExt};
use wscore::io::axum::WebSocketUpgrade;

#[path = "support/server.rs"]
mod support;
use support::{Args, SUBPROTOCOLS};

const PAGE: &str = include_str!("echo_page.html");

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Arc::new(Args::parse("axum_server"));
    let listener = tokio::net::TcpListener::bind((args.host.as_str(), args.port)).await?;
    let (host, port) = (&args.host, args.port);
    println!("axum echo server on ws://{host}:{port}/ (demo page at http://{host}:{port}/)");
    println!("{}", args.banner());
    let app = Router::new().route("/", get(root)).with_state(args);
    axum::serve(listener, app).await
}

/// The page for plain requests, the WebSocket for upgrade requests.
async fn root(
    axum::extract::State(args): axum::extract::State<Arc<Args>>,
    upgrade: Option<WebSocketUpgrade>,
) -> Response {
    let Some(upgrade) = upgrade else {
        return Html(PAGE).into_response();
    };
    upgrade
        .subprotocols(SUBPROTOCOLS)
        .config(args.config())
        .options(args.options())
        .on_upgrade(|mut ws| async move {
            while let Some(Ok(message)) = ws.next().await {
                if message.is_data() && ws.send(message).await.is_err() {
                    break;
                }
            }
        })
}
