//! The browser demo: a WebSocket echo server on axum, over HTTP/1.1 and HTTP/2 (RFC 8441),
//! with the demo page, both on `/`; TLS with `--cert` and `--key`.
//!
//! ```text
//! cargo run --release --example axum_server --features axum,http2,tls-tokio,deflate [-- --port 9001]
//! cargo run --release --example axum_server --features axum,http2,tls-tokio,deflate -- --cert cert.pem --key key.pem
//! ```
//!
//! A plain `GET /` gets `examples/echo_page.html`, whose script opens a WebSocket back to
//! this server (`ws://` or, when the page came over TLS, `wss://`). A WebSocket request on
//! `/` is accepted (or refused with the handshake's precise status, such as 405 for a
//! `POST`): over HTTP/1.1 an `Upgrade` request, over HTTP/2 an extended `CONNECT` with
//! `:protocol websocket`, which this server enables in its SETTINGS. Each
//! accepted WebSocket prints `websocket over HTTP/1.1` or `websocket over HTTP/2` to stdout,
//! and every text and binary message is echoed. Subprotocols `echo`, `chat` and `superchat`
//! are selected when offered; permessage-deflate is on when built with `deflate` (off with
//! `--no-deflate`).
//!
//! Plain TCP speaks HTTP/1.1 and HTTP/2 with prior knowledge (h2c); with `--cert CERT.pem
//! --key KEY.pem` (the chain, the server's certificate first, and its private key) it serves
//! TLS only and offers ALPN `h2` then `http/1.1`, which is how browsers reach HTTP/2. For a
//! test certificate: `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes
//! -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -addext
//! basicConstraints=critical,CA:FALSE -keyout key.pem -out cert.pem` (not a CA certificate:
//! rustls clients given it with `--ca` refuse a CA used as the server's own).
//!
//! The limits of `examples/support/server.rs` apply. `--max-connections` counts a slot per
//! TCP connection (a WebSocket over HTTP/1.1 keeps its connection's) and one more per
//! WebSocket over HTTP/2, a stream of a shared connection (refused with 503 when none is
//! left); accepting pauses while no slot is free. The opening, i.e. the TLS handshake and
//! the first request's head, must finish within `--open-timeout` of the accept, and each
//! later HTTP/1.1 head within `--open-timeout` of the previous response (an idle keep-alive
//! connection is closed then). An HTTP/2 connection is pinged after `--keepalive` without
//! input and dropped when the answer is `--pong-timeout` late. Request heads are held to the handshake's own
//! limits (`wscore::handshake::Limits::DEFAULT`): 8 KiB (431 beyond), and over HTTP/1.1 64
//! header fields. `accept()` errors are logged and retried after a back-off.

use std::sync::Arc;

use axum::extract::{Extension, State};
use axum::http::{StatusCode, Version};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use futures_util::{SinkExt, StreamExt};
use hyper::service::Service as _;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use wscore::handshake::Limits;
use wscore::io::axum::WebSocketUpgrade;
use wscore::io::tls;
use wscore::io::tls::rustls::ServerConfig;

#[path = "support/server.rs"]
mod support;
use support::{Args, ACCEPT_BACKOFF, SUBPROTOCOLS};

const PAGE: &str = include_str!("echo_page.html");

/// The longest request head: the WebSocket handshake's own limit. hyper's HTTP/1.1 read
/// buffer cannot be smaller than 8 KiB, which is exactly the default.
const MAX_HEAD: usize = Limits::DEFAULT.max_head_len;
const _: () = assert!(MAX_HEAD >= 8192, "hyper's max_buf_size would panic");

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What the handler shares: the flags and the connection cap.
struct App {
    args: Args,
    slots: Arc<Semaphore>,
}

/// A TCP connection's place under the cap, put into each of its requests. Over HTTP/1.1 the
/// WebSocket takes the socket over (hyper's connection task ends at the 101), so it keeps
/// this slot until it closes.
#[derive(Clone)]
struct Slot(Arc<OwnedSemaphorePermit>);

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse_tls("axum_server");
    let tls = args
        .tls
        .as_ref()
        .map(|(cert, key)| server_config(cert, key));
    let listener = TcpListener::bind((args.host.as_str(), args.port)).await?;
    let (host, port) = (&args.host, args.port);
    let (http, ws) = if tls.is_some() {
        ("https", "wss")
    } else {
        ("http", "ws")
    };
    println!(
        "axum echo server: demo page at {http}://{host}:{port}/, WebSocket on {ws}://{host}:{port}/ \
         (HTTP/1.1 and HTTP/2)"
    );
    println!("{}", args.banner());

    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(args.open_timeout)
        .max_buf_size(MAX_HEAD)
        .max_headers(Limits::DEFAULT.max_headers);
    builder
        .http2()
        .timer(TokioTimer::new())
        .enable_connect_protocol()
        .max_header_list_size(MAX_HEAD as u32)
        .keep_alive_interval(args.keepalive)
        .keep_alive_timeout(args.pong_timeout);
    let builder = Arc::new(builder);

    let slots = Arc::new(Semaphore::new(args.max_connections));
    let open_timeout = args.open_timeout;
    let app = Arc::new(App {
        args,
        slots: slots.clone(),
    });
    let router = Router::new().route("/", any(root)).with_state(app);
    loop {
        // At the cap, stop accepting: new clients wait in the listen backlog.
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return Ok(());
        };
        let (tcp, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                eprintln!("accept: {e}; retrying in {ACCEPT_BACKOFF:?}");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        let deadline = Instant::now() + open_timeout;
        let (tls, builder, router) = (tls.clone(), builder.clone(), router.clone());
        tokio::spawn(async move {
            let slot = Slot(Arc::new(slot));
            if let Err(e) = serve(tcp, tls, &builder, router, slot, deadline).await {
                eprintln!("{peer}: {e}");
            }
        });
    }
}

/// The TLS configuration from `--cert` and `--key`, offering HTTP/2 first; exits on error.
fn server_config(cert: &str, key: &str) -> Arc<ServerConfig> {
    match tls::load_server_config(cert, key) {
        Ok(config) => {
            // `load_server_config` offers `http/1.1` alone (what the plain WebSocket servers
            // speak); this server speaks both.
            let mut config = (*config).clone();
            config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
            Arc::new(config)
        }
        Err(e) => {
            eprintln!("axum_server: --cert {cert} --key {key}: {e}");
            std::process::exit(1);
        }
    }
}

/// One TCP connection: the TLS handshake if configured, then HTTP/1.1 or HTTP/2 (whichever
/// the client speaks) until the connection ends.
async fn serve(
    tcp: TcpStream,
    tls: Option<Arc<ServerConfig>>,
    builder: &auto::Builder<TokioExecutor>,
    router: Router,
    slot: Slot,
    deadline: Instant,
) -> Result<(), BoxError> {
    tcp.set_nodelay(true)?;
    let Some(config) = tls else {
        return serve_http(tcp, builder, router, slot, deadline).await;
    };
    let stream = match tokio::time::timeout_at(deadline, tls::accept_tokio(&config, tcp)).await {
        Ok(Ok(stream)) => stream,
        Err(_) => return Ok(()), // a slow or silent client: closed
        // Closed before the TLS handshake ended (a port probe, a client that gave up).
        Ok(Err(wscore::io::Error::Io(e))) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            return Ok(())
        }
        Ok(Err(e)) => return Err(e.into()),
    };
    serve_http(stream, builder, router, slot, deadline).await
}

/// Serves HTTP over `io`; closes it if no request head has arrived by `deadline` (hyper
/// bounds HTTP/1.1 heads itself, but not the wait for the HTTP/2 preface and first stream).
async fn serve_http<I>(
    io: I,
    builder: &auto::Builder<TokioExecutor>,
    router: Router,
    slot: Slot,
    deadline: Instant,
) -> Result<(), BoxError>
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let opened = Arc::new(Notify::new());
    let service = {
        let (router, opened) = (TowerToHyperService::new(router), opened.clone());
        hyper::service::service_fn(move |mut request: hyper::Request<_>| {
            opened.notify_one();
            request.extensions_mut().insert(slot.clone());
            router.call(request)
        })
    };
    let connection = builder.serve_connection_with_upgrades(TokioIo::new(io), service);
    tokio::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => return result,
        first = tokio::time::timeout_at(deadline, opened.notified()) => {
            if first.is_err() {
                return Ok(()); // no request in time: closed
            }
        }
    }
    connection.await
}

/// The page for plain requests, the WebSocket for WebSocket requests.
async fn root(
    State(app): State<Arc<App>>,
    Extension(Slot(slot)): Extension<Slot>,
    upgrade: Option<WebSocketUpgrade>,
) -> Response {
    let Some(upgrade) = upgrade else {
        return Html(PAGE).into_response();
    };
    // Over HTTP/2 the WebSocket is one stream of a connection that may carry others: it
    // takes a slot of its own. Over HTTP/1.1 it keeps the connection's.
    let (slot, over) = if upgrade.version() == Version::HTTP_2 {
        match app.slots.clone().try_acquire_owned() {
            Ok(own) => (Arc::new(own), "HTTP/2"),
            Err(_) => {
                let busy = "at the connection cap, try again later\n";
                return (StatusCode::SERVICE_UNAVAILABLE, busy).into_response();
            }
        }
    } else {
        (slot, "HTTP/1.1")
    };
    let args = &app.args;
    upgrade
        .subprotocols(SUBPROTOCOLS)
        .config(args.config())
        .options(args.options())
        .on_upgrade(move |mut ws| async move {
            println!("websocket over {over}");
            while let Some(Ok(message)) = ws.next().await {
                if message.is_data() && ws.send(message).await.is_err() {
                    break;
                }
            }
            drop(slot);
        })
}
