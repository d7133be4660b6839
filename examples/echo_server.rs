//! WebSocket echo server on tokio, with a browser demo page.
//!
//! ```text
//! cargo run --release --example echo_server --features tokio [-- --host 127.0.0.1 --port 9001]
//! ```
//!
//! `ws://HOST:PORT/` echoes every text and binary message; `http://HOST:PORT/` serves a page
//! whose script opens a WebSocket to this server, sends a message, and shows the echo and the
//! close. Limits are raised for the Autobahn test suite (messages up to 64 MiB).

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wscore::handshake::{parse_request, Limits, Status, EMPTY_HEADER};
use wscore::io::tokio::accept_with;
use wscore::io::Options;
use wscore::Config;

const PAGE: &str = include_str!("echo_page.html");

fn config() -> Config {
    let mut config = Config::default();
    config.max_frame_payload = 64 << 20;
    config.max_message_size = 64 << 20;
    config.max_queued_bytes = 64 << 20;
    config
}

fn parse_args() -> (String, u16) {
    let mut host = String::from("127.0.0.1");
    let mut port = 9001u16;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--host" => host = args.next().expect("--host needs a value"),
            "--port" => {
                port = args
                    .next()
                    .and_then(|p| p.parse().ok())
                    .expect("--port needs a number")
            }
            other => {
                eprintln!("unknown argument {other:?}; usage: echo_server [--host H] [--port P]");
                std::process::exit(2);
            }
        }
    }
    (host, port)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let (host, port) = parse_args();
    let listener = TcpListener::bind((host.as_str(), port)).await?;
    println!("echo server on ws://{host}:{port}/ (demo page at http://{host}:{port}/)");
    loop {
        let (tcp, peer) = listener.accept().await?;
        tokio::spawn(async move {
            if let Err(e) = serve(tcp).await {
                eprintln!("{peer}: {e}");
            }
        });
    }
}

/// Reads the request head, then either upgrades to WebSocket or serves the page.
async fn serve(mut tcp: TcpStream) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    tcp.set_nodelay(true)?;
    let limits = Limits::DEFAULT;
    let mut head = Vec::new();
    let (is_upgrade, path) = loop {
        let mut chunk = [0u8; 4096];
        let n = tcp.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&chunk[..n]);
        let mut headers = [EMPTY_HEADER; 64];
        match parse_request(&head, &mut headers, &limits) {
            Ok(Status::Partial) => continue,
            Ok(Status::Complete((request, _))) => {
                let upgrade = request
                    .headers
                    .iter()
                    .any(|h| h.is("Upgrade") && h.value.eq_ignore_ascii_case(b"websocket"));
                break (upgrade, request.target.to_string());
            }
            // Malformed: let the WebSocket handshake answer with the precise error.
            Err(_) => break (true, String::new()),
        }
    };
    if !is_upgrade {
        return serve_page(tcp, &path).await;
    }
    let mut ws = accept_with(tcp, config(), Options::default(), head, |_| Ok(None)).await?;
    while let Some(message) = ws.next().await {
        let message = message?;
        if message.is_data() {
            ws.send(message).await?;
        }
    }
    Ok(())
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
