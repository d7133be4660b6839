//! `io::hyper::upgrade` under a plain hyper 1 server and `io::axum::WebSocketUpgrade` in an
//! axum Router, against the tokio client, over loopback.
#![cfg(all(feature = "axum", feature = "deflate"))]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::{SinkExt, StreamExt};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wscore::deflate::{DeflateClient, DeflateConfig, DeflateServer};
use wscore::handshake::ClientRequest;
use wscore::io::axum::WebSocketUpgrade;
use wscore::io::hyper::{upgrade, HyperWebSocket};
use wscore::io::tokio::{connect_request, connect_with_options, TokioWebSocket};
use wscore::io::{Error, Message, Options};
use wscore::Config;

const PROTOCOLS: [&str; 2] = ["echo", "chat"];
const TIMEOUT: Duration = Duration::from_secs(10);

fn deflate_server() -> Options {
    Options::default().server_extensions(Arc::new(DeflateServer::new(DeflateConfig::new())))
}

fn deflate_client() -> Options {
    Options::default().client_extensions(Arc::new(DeflateClient::new(DeflateConfig::new())))
}

async fn echo(mut ws: HyperWebSocket) {
    while let Some(Ok(message)) = ws.next().await {
        if message.is_data() && ws.send(message).await.is_err() {
            break;
        }
    }
}

// --- plain hyper

fn hyper_answer(mut req: http::Request<Incoming>) -> http::Response<Full<Bytes>> {
    if req.uri().path() == "/forbidden" {
        let refused = upgrade(&mut req, Config::default(), deflate_server(), |_| {
            Err((403, String::from("not here")))
        });
        return match refused {
            Ok(_) => panic!("the application refused"),
            Err(refusal) => refusal.into_response().map(Full::from),
        };
    }
    let decide = |r: &wscore::io::hyper::UpgradeRequest<'_>| {
        Ok(r.subprotocols()
            .find(|p| PROTOCOLS.contains(p))
            .map(String::from))
    };
    match upgrade(&mut req, Config::default(), deflate_server(), decide) {
        Ok((response, websocket)) => {
            tokio::spawn(async move {
                if let Ok(ws) = websocket.await {
                    echo(ws).await;
                }
            });
            let mut response = response.map(|()| Full::default());
            response
                .headers_mut()
                .insert("x-served-by", http::HeaderValue::from_static("hyper"));
            response
        }
        Err(refusal) => refusal.into_response().map(Full::from),
    }
}

async fn hyper_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            tokio::spawn(async move {
                let service = hyper::service::service_fn(|req| async move {
                    Ok::<_, Infallible>(hyper_answer(req))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(tcp), service)
                    .with_upgrades()
                    .await;
            });
        }
    });
    addr
}

// --- axum

async fn ws_route(upgrade: WebSocketUpgrade) -> Response {
    let mut headers = http::HeaderMap::new();
    headers.insert("x-served-by", http::HeaderValue::from_static("axum"));
    // The handshake's own headers are never overridden.
    headers.insert(
        "sec-websocket-accept",
        http::HeaderValue::from_static("bogus"),
    );
    upgrade
        .subprotocols(PROTOCOLS)
        .options(deflate_server())
        .headers(headers)
        .on_upgrade(echo)
}

async fn both_route(upgrade: Option<WebSocketUpgrade>) -> Response {
    match upgrade {
        Some(upgrade) => upgrade.on_upgrade(echo),
        None => "page".into_response(),
    }
}

async fn axum_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .route("/hello", get(|| async { "hello from axum" }))
        .route("/ws", get(ws_route))
        .route("/", get(both_route));
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

// --- helpers

/// Sends `request` on a fresh TCP connection and returns the response head (and whatever
/// body came with it in the same reads).
async fn raw(addr: SocketAddr, request: &str) -> String {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    let read = async {
        let mut chunk = [0u8; 4096];
        while !got.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = tcp.read(&mut chunk).await.unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&chunk[..n]);
        }
    };
    tokio::time::timeout(TIMEOUT, read).await.unwrap();
    String::from_utf8_lossy(&got).to_ascii_lowercase()
}

fn handshake(path: &str, extra: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n{extra}\r\n"
    )
}

const KEY: &str = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
const V13: &str = "Sec-WebSocket-Version: 13\r\n";

async fn round_trip<S>(ws: &mut TokioWebSocket<S>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let text = "hello κόσμε ".repeat(50);
    let sent = [
        Message::text(text),
        Message::binary(vec![0u8, 1, 2, 255]),
        Message::text(""),
    ];
    for message in sent.iter().cloned() {
        ws.send(message).await.unwrap();
    }
    for expected in &sent {
        let got = tokio::time::timeout(TIMEOUT, ws.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(&got, expected);
    }
    ws.close().await.unwrap();
}

async fn check_server(base: &str) {
    // Plain, then with permessage-deflate.
    let mut ws = connect_with_options(base, Config::default(), Options::default())
        .await
        .unwrap();
    assert_eq!(ws.connection().extension_name(), None);
    assert_eq!(ws.subprotocol(), None);
    round_trip(&mut ws).await;

    let mut ws = connect_with_options(base, Config::default(), deflate_client())
        .await
        .unwrap();
    assert_eq!(ws.connection().extension_name(), Some("permessage-deflate"));
    round_trip(&mut ws).await;

    // Subprotocol: the client's first offer that the server speaks.
    let request = ClientRequest::new(base, [7; 16])
        .unwrap()
        .subprotocols(&["superchat", "chat", "echo"])
        .unwrap();
    let mut ws = connect_request(request, Config::default(), deflate_client())
        .await
        .unwrap();
    assert_eq!(ws.subprotocol(), Some("chat"));
    round_trip(&mut ws).await;

    // None spoken: none selected.
    let request = ClientRequest::new(base, [8; 16])
        .unwrap()
        .subprotocols(&["superchat"])
        .unwrap();
    let mut ws = connect_request(request, Config::default(), Options::default())
        .await
        .unwrap();
    assert_eq!(ws.subprotocol(), None);
    round_trip(&mut ws).await;
}

async fn check_refusals(addr: SocketAddr, path: &str) {
    let missing_key = raw(addr, &handshake(path, V13)).await;
    assert!(missing_key.starts_with("http/1.1 400"), "{missing_key}");

    let wrong_version = raw(
        addr,
        &handshake(path, &format!("{KEY}Sec-WebSocket-Version: 8\r\n")),
    )
    .await;
    assert!(wrong_version.starts_with("http/1.1 426"), "{wrong_version}");
    assert!(
        wrong_version.contains("sec-websocket-version: 13\r\n"),
        "{wrong_version}"
    );

    let accepted = raw(addr, &handshake(path, &format!("{KEY}{V13}"))).await;
    assert!(accepted.starts_with("http/1.1 101"), "{accepted}");
    assert!(
        accepted.contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo=\r\n"),
        "{accepted}"
    );
}

// --- the tests

#[tokio::test]
async fn hyper_echo_subprotocol_deflate() {
    let addr = hyper_server().await;
    check_server(&format!("ws://{addr}/")).await;
}

#[tokio::test]
async fn hyper_refusals_and_custom_header() {
    let addr = hyper_server().await;
    check_refusals(addr, "/").await;
    let accepted = raw(addr, &handshake("/", &format!("{KEY}{V13}"))).await;
    assert!(accepted.contains("x-served-by: hyper\r\n"), "{accepted}");

    let refused = connect_with_options(
        &format!("ws://{addr}/forbidden"),
        Config::default(),
        Options::default(),
    )
    .await;
    match refused {
        Err(Error::Rejected(r)) => {
            assert_eq!(r.failure.status, Some(403));
            assert_eq!(r.body, b"not here");
        }
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("the server refuses /forbidden"),
    }
}

#[tokio::test]
async fn axum_echo_subprotocol_deflate() {
    let addr = axum_server().await;
    check_server(&format!("ws://{addr}/ws")).await;
    // The route that serves a page too.
    let mut ws = connect_with_options(
        &format!("ws://{addr}/"),
        Config::default(),
        Options::default(),
    )
    .await
    .unwrap();
    round_trip(&mut ws).await;
}

#[tokio::test]
async fn axum_refusals_custom_header_and_plain_routes() {
    let addr = axum_server().await;
    check_refusals(addr, "/ws").await;
    check_refusals(addr, "/").await;

    let accepted = raw(addr, &handshake("/ws", &format!("{KEY}{V13}"))).await;
    assert!(accepted.contains("x-served-by: axum\r\n"), "{accepted}");
    assert!(!accepted.contains("bogus"), "{accepted}");

    let get = "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let hello = raw(addr, get).await;
    assert!(hello.starts_with("http/1.1 200"), "{hello}");
    let page = raw(
        addr,
        "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(page.starts_with("http/1.1 200"), "{page}");

    // A plain GET on the WebSocket-only route: no handshake headers, so 400.
    let plain = raw(
        addr,
        "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(plain.starts_with("http/1.1 4"), "{plain}");
}
