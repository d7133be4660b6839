//! A WebSocket client over HTTP/2 (RFC 8441), on tokio: one or several WebSockets on one
//! HTTP/2 connection.
//!
//! ```text
//! cargo run --example h2_client --features http2,tls-tokio -- ws://127.0.0.1:9001/ [--streams N] [--ca CERT.pem]
//! ```
//!
//! Each line read from stdin is sent as a text message on every WebSocket, and each echo is
//! printed as `[K] line` (K: the WebSocket, from 0). With one stream (the default) it uses
//! `io::http2::connect`, which falls back to HTTP/1.1 when the server cannot take WebSockets
//! over HTTP/2; with `--streams N` it opens N WebSockets on one `Http2Connection`, which
//! needs HTTP/2. stderr says which protocol carried them. `wss://` offers ALPN `h2` (trusting
//! the certificate in `--ca`, else the default roots). Serve with
//! `cargo run --example axum_server --features axum,http2,tls-tokio,deflate`.

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncBufReadExt, BufReader};
use wscore::io::http2::{self, Http2Connection};
use wscore::io::tls::{load_root_certs, TlsConnector};
use wscore::io::{ConnectOptions, Error, Message, Options};
use wscore::Config;

fn usage() -> ! {
    eprintln!("usage: h2_client ws[s]://HOST:PORT/PATH [--streams N] [--ca CERT.pem]");
    std::process::exit(2);
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(uri) = args.first() else { usage() };
    let (mut streams, mut connect) = (1usize, ConnectOptions::new());
    let mut rest = args[1..].iter();
    while let Some(flag) = rest.next() {
        let value = rest.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--streams" => {
                streams = value
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .unwrap_or_else(|| usage())
            }
            "--ca" => match load_root_certs(value) {
                Ok(roots) => connect = connect.tls(TlsConnector::with_roots(roots)),
                Err(e) => {
                    eprintln!("h2_client: {e}");
                    std::process::exit(2);
                }
            },
            _ => usage(),
        }
    }
    if let Err(e) = run(uri, streams, Options::default().connect(connect)).await {
        eprintln!("h2_client: {e}");
        std::process::exit(1);
    }
}

async fn run(uri: &str, streams: usize, options: Options) -> Result<(), Error> {
    if streams == 1 {
        let ws = http2::connect_with_options(uri, Config::default(), options).await?;
        let over = if ws.get_ref().0.is_http2() {
            "HTTP/2"
        } else {
            "HTTP/1.1"
        };
        eprintln!("1 WebSocket over {over}");
        return echo_lines(vec![ws]).await;
    }
    let h2 = Http2Connection::open(uri, &options).await?;
    let mut sockets = Vec::with_capacity(streams);
    for _ in 0..streams {
        sockets.push(h2.websocket_uri(uri, Config::default(), &options).await?);
    }
    eprintln!("{streams} WebSockets over one HTTP/2 connection");
    echo_lines(sockets).await
}

/// Sends each stdin line on every WebSocket, prints each echo, then closes them all.
async fn echo_lines<S>(mut sockets: Vec<S>) -> Result<(), Error>
where
    S: futures_util::Sink<Message, Error = Error>
        + futures_util::Stream<Item = Result<Message, Error>>
        + Unpin,
{
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = lines.next_line().await? {
        for ws in &mut sockets {
            ws.send(Message::text(line.clone())).await?;
        }
        for (k, ws) in sockets.iter_mut().enumerate() {
            loop {
                match ws.next().await.ok_or(Error::Closed)?? {
                    Message::Text(text) => {
                        println!("[{k}] {text}");
                        break;
                    }
                    Message::Binary(bytes) => {
                        println!("[{k}] <{} binary bytes>", bytes.len());
                        break;
                    }
                    Message::Close(_) => return Err(Error::Closed),
                    _ => continue,
                }
            }
        }
    }
    for mut ws in sockets {
        ws.close().await?;
        while let Some(message) = ws.next().await {
            message?;
        }
    }
    Ok(())
}
