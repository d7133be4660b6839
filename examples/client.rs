//! A line-oriented WebSocket client on tokio.
//!
//! ```text
//! cargo run --example client --features tokio -- ws://127.0.0.1:9001/ [--open-timeout SECS]
//! ```
//!
//! Each line read from stdin is sent as a text message; each text message received is
//! printed as a line. At end of input the client starts the closing handshake and exits 0
//! once it completes; every message the server sent before it saw our Close is still
//! printed (RFC 6455 1.4: only data after the *received* Close is discarded). A failed
//! handshake or a protocol error is reported on stderr with a non-zero exit.

use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};

use wscore::io::{tokio::connect_with_options, Message, Options};
use wscore::Config;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = || -> ! {
        eprintln!("usage: client ws://HOST:PORT/PATH [--open-timeout SECS]");
        std::process::exit(2);
    };
    let Some(uri) = args.first() else { usage() };
    let mut options = Options::default();
    match args.get(1).map(String::as_str) {
        None => {}
        Some("--open-timeout") => {
            let secs: f64 = args
                .get(2)
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| usage());
            options = options.open_timeout(Some(Duration::from_secs_f64(secs)));
        }
        Some(_) => usage(),
    }
    if let Err(e) = run(uri, options).await {
        eprintln!("client: {e}");
        std::process::exit(1);
    }
}

/// Connects (TCP, handshake: both within the opening timeout, 10 s unless set), then sends
/// stdin's lines and prints what comes back.
async fn run(uri: &str, options: Options) -> Result<(), wscore::io::Error> {
    let ws = connect_with_options(uri, Config::default(), options).await?;
    let (mut read, mut write) = ws.split();

    let printer = tokio::spawn(async move {
        while let Some(message) = read.next().await {
            match message? {
                Message::Text(text) => println!("{text}"),
                Message::Binary(bytes) => println!("<{} binary bytes>", bytes.len()),
                _ => {}
            }
        }
        Ok::<(), wscore::io::Error>(())
    });

    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = lines.next_line().await? {
        write.send(Message::Text(line)).await?;
    }
    // End of input: start the closing handshake and wait for it to complete.
    write.close().await?;
    printer
        .await
        .map_err(|e| wscore::io::Error::Io(std::io::Error::other(e)))?
}
