//! A `wss://` echo server on tokio (feature `tls-tokio`).
//!
//! ```text
//! cargo run --example wss_server --features tls-tokio -- --cert cert.pem --key key.pem [--addr 127.0.0.1:9443]
//! ```
//!
//! `--cert` is a PEM file with the certificate chain (the server's certificate first),
//! `--key` a PEM file with its private key (PKCS #8, PKCS #1 or SEC1). Every text and
//! binary message is echoed. For a test certificate, `openssl req -x509 -newkey ec
//! -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost -addext
//! subjectAltName=DNS:localhost,IP:127.0.0.1 -addext basicConstraints=critical,CA:FALSE
//! -keyout key.pem -out cert.pem` (not a CA certificate: rustls clients given it with `--ca`
//! refuse a CA used as the server's own).

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use wscore::io::tls;
use wscore::Config;

fn usage() -> ! {
    eprintln!("usage: wss_server --cert CERT.pem --key KEY.pem [--addr HOST:PORT]");
    std::process::exit(2);
}

#[tokio::main]
async fn main() {
    let (mut cert, mut key, mut addr) = (None, None, String::from("127.0.0.1:9443"));
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--cert" => cert = Some(args.next().unwrap_or_else(|| usage())),
            "--key" => key = Some(args.next().unwrap_or_else(|| usage())),
            "--addr" => addr = args.next().unwrap_or_else(|| usage()),
            _ => usage(),
        }
    }
    let (Some(cert), Some(key)) = (cert, key) else {
        usage()
    };
    let config = match tls::load_server_config(&cert, &key) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("wss_server: {e}");
            std::process::exit(1);
        }
    };
    let listener = match TcpListener::bind(&addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("wss_server: bind {addr}: {e}");
            std::process::exit(1);
        }
    };
    println!("wss echo server on wss://{addr}/");
    loop {
        let Ok((tcp, peer)) = listener.accept().await else {
            continue;
        };
        let config = config.clone();
        tokio::spawn(async move {
            let _ = tcp.set_nodelay(true);
            let result = async {
                let stream = tls::accept_tokio(&config, tcp).await?;
                let mut ws = wscore::io::tokio::accept(stream, Config::default()).await?;
                while let Some(message) = ws.next().await {
                    let message = message?;
                    if message.is_data() {
                        ws.send(message).await?;
                    }
                }
                Ok::<(), wscore::io::Error>(())
            };
            match result.await {
                Ok(()) => {}
                Err(e) if e.is_closed() => {}
                Err(e) => eprintln!("{peer}: {e}"),
            }
        });
    }
}
