//! WebSocket echo server on tokio, with a browser demo page.
//!
//! ```text
//! cargo run --release --example echo_server --features tokio,deflate [-- --host 127.0.0.1 --port 9001]
//! ```
//!
//! `ws://HOST:PORT/` echoes every text and binary message; `http://HOST:PORT/` serves a page
//! whose script opens a WebSocket to this server, sends a message, and shows the echo and the
//! close. Any request carrying WebSocket handshake headers gets the handshake's answer (101,
//! or its precise refusal), never the page. It selects the subprotocols `echo`, `chat` and
//! `superchat` when offered.
//!
//! Safe to expose as written: a connection cap, an opening timeout, keepalive with dead-peer
//! detection and a write timeout, all on by default (flags in `examples/support/server.rs`);
//! `accept()` errors (e.g. out of file descriptors) are logged and retried after a back-off,
//! and no per-connection error ends the process.

use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use wscore::handshake::{parse_request, HeadScanner, Limits, Status, EMPTY_HEADER};
use wscore::io::tokio::accept_with;

#[path = "support/server.rs"]
mod support;
use support::{choose_subprotocol, wants_websocket, Args, ACCEPT_BACKOFF};

const PAGE: &str = include_str!("echo_page.html");

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Arc::new(Args::parse("echo_server"));
    let listener = TcpListener::bind((args.host.as_str(), args.port)).await?;
    let (host, port) = (&args.host, args.port);
    println!("echo server on ws://{host}:{port}/ (demo page at http://{host}:{port}/)");
    println!("{}", args.banner());
    let slots = Arc::new(Semaphore::new(args.max_connections));
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
        let args = args.clone();
        tokio::spawn(async move {
            if let Err(e) = serve(tcp, &args).await {
                eprintln!("{peer}: {e}");
            }
            drop(slot);
        });
    }
}

/// Reads the request head, then either upgrades to WebSocket or serves the page. The whole
/// opening (this peek included) is bounded by the opening timeout.
async fn serve(
    mut tcp: TcpStream,
    args: &Args,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    tcp.set_nodelay(true)?;
    let started = tokio::time::Instant::now();
    let peek = tokio::time::timeout(args.open_timeout, peek_head(&mut tcp)).await;
    let Ok(peeked) = peek else {
        return Ok(()); // a slow or silent client: closed without an answer
    };
    let Some((head, page_path)) = peeked? else {
        return Ok(());
    };
    let page_path = match page_path {
        Some(path) if !wants_websocket(&head) => path,
        // A WebSocket request, or a head the parser refuses: the handshake answers it.
        _ => String::new(),
    };
    if !page_path.is_empty() {
        return serve_page(tcp, &page_path).await;
    }
    let left = args.open_timeout.saturating_sub(started.elapsed());
    let options = args.options().open_timeout(Some(left));
    let mut ws = accept_with(tcp, args.config(), options, head, choose_subprotocol).await?;
    while let Some(message) = ws.next().await {
        let message = message?;
        if message.is_data() {
            ws.send(message).await?;
        }
    }
    Ok(())
}

/// Reads until the request head is complete (each byte scanned once), or the head is over
/// the limit. Returns the bytes read and, for a well-formed request, its target; `None` when
/// the client closed first.
async fn peek_head(tcp: &mut TcpStream) -> std::io::Result<Option<(Vec<u8>, Option<String>)>> {
    let limits = Limits::DEFAULT;
    let mut scanner = HeadScanner::new(&limits);
    let mut head = Vec::new();
    loop {
        let mut chunk = [0u8; 4096];
        let n = tcp.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        head.extend_from_slice(&chunk[..n]);
        match scanner.scan(&head) {
            Ok(None) => continue,
            // Over the limit: the handshake answers 431.
            Err(_) => return Ok(Some((head, None))),
            Ok(Some(_)) => {}
        }
        let mut headers = [EMPTY_HEADER; 64];
        let target = match parse_request(&head, &mut headers, &limits) {
            Ok(Status::Complete((request, _))) => Some(request.target.to_string()),
            _ => None,
        };
        return Ok(Some((head, target)));
    }
}

async fn serve_page(
    mut tcp: TcpStream,
    path: &str,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let (status, body) = if path == "/" || path == "/index.html" {
        ("200 OK", PAGE)
    } else {
        ("404 Not Found", "not found\n")
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    tcp.write_all(response.as_bytes()).await?;
    tcp.shutdown().await?;
    Ok(())
}
