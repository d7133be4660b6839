//! WebSocket echo server on the tokio adapter.
//!
//! ```text
//! cargo run --release --example echo_server --features tokio,deflate [-- --host 127.0.0.1 --port 9001]
//! ```
//!
//! `ws://HOST:PORT/` echoes every text and binary message. Every connection goes straight
//! to the WebSocket handshake, which answers anything else with its precise refusal (400,
//! 405, 426, 431, 505); there is no page (the browser demo is `axum_server`). It selects the
//! subprotocols `echo`, `chat` and `superchat` when offered, and permessage-deflate when
//! built with `deflate` (off with `--no-deflate`). It is the Autobahn|Testsuite testee.
//!
//! Safe to expose as written: a connection cap, an opening timeout, keepalive with dead-peer
//! detection and a write timeout, all on by default (flags in `examples/support/server.rs`);
//! `accept()` errors (e.g. out of file descriptors) are logged and retried after a back-off,
//! and no per-connection error ends the process.

use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use wscore::io::tokio::accept_with;

#[path = "support/server.rs"]
mod support;
use support::{choose_subprotocol, Args, ACCEPT_BACKOFF};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Arc::new(Args::parse("echo_server"));
    let listener = TcpListener::bind((args.host.as_str(), args.port)).await?;
    println!("echo server on ws://{}:{}/", args.host, args.port);
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

/// Runs the handshake (bounded by the opening timeout) and echoes until the close.
async fn serve(tcp: TcpStream, args: &Args) -> Result<(), wscore::io::Error> {
    tcp.set_nodelay(true)?;
    let opening = accept_with(
        tcp,
        args.config(),
        args.options(),
        Vec::new(),
        choose_subprotocol,
    );
    let mut ws = match opening.await {
        Ok(ws) => ws,
        // Closed before a whole request head (a port probe, a client that gave up): nothing
        // to report. A timed-out or refused opening is logged.
        Err(wscore::io::Error::Io(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            return Ok(())
        }
        Err(e) => return Err(e),
    };
    while let Some(message) = ws.next().await {
        let message = message?;
        if message.is_data() {
            ws.send(message).await?;
        }
    }
    Ok(())
}
