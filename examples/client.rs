//! A line-oriented WebSocket client on tokio.
//!
//! ```text
//! cargo run --example client --features tokio -- ws://127.0.0.1:9001/ [--open-timeout SECS] [--close-at-eof]
//! ```
//!
//! Each line read from stdin is sent as a text message; each text message received is
//! printed as a line. At end of input it waits until as many replies came back as lines
//! went out (or a quiet second passed), then starts the closing handshake and exits 0 once
//! it completes; every message the server sent before it saw our Close is printed (RFC 6455
//! 1.4: only data after the *received* Close is discarded). A failed
//! handshake or a protocol error is reported on stderr with a non-zero exit.

use futures_util::{SinkExt, StreamExt};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};

use wscore::io::{tokio::connect_with_options, Message, Options};
use wscore::Config;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = || -> ! {
        eprintln!("usage: client ws://HOST:PORT/PATH [--open-timeout SECS] [--close-at-eof]");
        std::process::exit(2);
    };
    let Some(uri) = args.first() else { usage() };
    let mut options = Options::default();
    let mut close_at_eof = false;
    let mut rest = args[1..].iter();
    while let Some(flag) = rest.next() {
        match flag.as_str() {
            "--open-timeout" => {
                let secs: f64 = rest
                    .next()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or_else(|| usage());
                options = options.open_timeout(Some(Duration::from_secs_f64(secs)));
            }
            "--close-at-eof" => close_at_eof = true,
            _ => usage(),
        }
    }
    if let Err(e) = run(uri, options, close_at_eof).await {
        eprintln!("client: {e}");
        std::process::exit(1);
    }
}

/// Connects (TCP, handshake: both within the opening timeout, 10 s unless set), then sends
/// stdin's lines and prints what comes back.
async fn run(uri: &str, options: Options, close_at_eof: bool) -> Result<(), wscore::io::Error> {
    let ws = connect_with_options(uri, Config::default(), options).await?;
    let (mut read, mut write) = ws.split();
    let received = Arc::new(AtomicUsize::new(0));

    let counter = received.clone();
    let printer = tokio::spawn(async move {
        while let Some(message) = read.next().await {
            match message? {
                Message::Text(text) => println!("{text}"),
                Message::Binary(bytes) => println!("<{} binary bytes>", bytes.len()),
                _ => continue,
            }
            counter.fetch_add(1, Ordering::Relaxed);
        }
        Ok::<(), wscore::io::Error>(())
    });

    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let mut sent = 0;
    while let Some(line) = lines.next_line().await? {
        write.send(Message::Text(line)).await?;
        sent += 1;
    }
    // End of input. Our side delivers everything the server sends until its Close, but
    // many servers (python `websockets` among them) stop sending the moment they receive
    // ours, dropping replies they had not written yet. So give replies a moment first: close
    // once as many came back as lines went out, or after a quiet second. `--close-at-eof`
    // closes at once instead: replies still in flight then arrive after our Close, and are
    // printed all the same if the server sends them.
    let mut seen = received.load(Ordering::Relaxed);
    let mut quiet_since = tokio::time::Instant::now();
    while !close_at_eof && seen < sent && quiet_since.elapsed() < Duration::from_secs(1) {
        tokio::time::sleep(Duration::from_millis(5)).await;
        let now_seen = received.load(Ordering::Relaxed);
        if now_seen != seen {
            seen = now_seen;
            quiet_since = tokio::time::Instant::now();
        }
    }
    // Start the closing handshake and wait for it to complete.
    write.close().await?;
    printer
        .await
        .map_err(|e| wscore::io::Error::Io(std::io::Error::other(e)))?
}
