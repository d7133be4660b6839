//! A line-oriented `wss://` (or `ws://`) client on tokio (feature `tls-tokio`).
//!
//! ```text
//! cargo run --example wss_client --features tls-tokio,webpki-roots -- wss://echo.example/
//! cargo run --example wss_client --features tls-tokio -- --ca cert.pem wss://localhost:9443/
//! ```
//!
//! `--ca FILE` trusts the certificates in a PEM file (a test CA, or a self-signed server
//! certificate) instead of the root stores compiled in (`webpki-roots`, `native-roots`).
//! With feature `proxy`, `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`/`NO_PROXY` are honoured.
//! Each line of stdin is sent as a text message; each text message received is printed as
//! a line. At end of input the client closes the connection and exits 0.

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncBufReadExt, BufReader};
use wscore::io::tls::{load_root_certs, TlsConnector};
use wscore::io::{ConnectOptions, Error, Message, Options};
use wscore::Config;

fn usage() -> ! {
    eprintln!("usage: wss_client [--ca CA.pem] wss://HOST[:PORT]/PATH");
    std::process::exit(2);
}

#[tokio::main]
async fn main() {
    let (mut ca, mut uri) = (None, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--ca" => ca = Some(args.next().unwrap_or_else(|| usage())),
            _ if uri.is_none() && !arg.starts_with('-') => uri = Some(arg),
            _ => usage(),
        }
    }
    let Some(uri) = uri else { usage() };
    if let Err(e) = run(&uri, ca.as_deref()).await {
        eprintln!("wss_client: {e}");
        std::process::exit(1);
    }
}

async fn run(uri: &str, ca: Option<&str>) -> Result<(), Error> {
    let mut connect = ConnectOptions::new();
    if let Some(ca) = ca {
        connect = connect.tls(TlsConnector::with_roots(load_root_certs(ca)?));
    }
    // The default open timeout (10 s) bounds TCP, the proxy tunnel, TLS and the handshake.
    let options = Options::default().connect(connect);
    let ws = wscore::io::tokio::connect_with_options(uri, Config::default(), options).await?;
    let (mut read, mut write) = ws.split();

    let printer = tokio::spawn(async move {
        while let Some(message) = read.next().await {
            match message? {
                Message::Text(text) => println!("{text}"),
                Message::Binary(bytes) => println!("<{} binary bytes>", bytes.len()),
                _ => {}
            }
        }
        Ok::<(), Error>(())
    });

    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = lines.next_line().await? {
        write.send(Message::Text(line)).await?;
    }
    write.close().await?;
    printer
        .await
        .map_err(|e| Error::Io(std::io::Error::other(e)))?
}
