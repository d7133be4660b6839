//! WebSocket echo server on the futures-io adapter, run by smol.
//!
//! ```text
//! cargo run --release --example futures_echo --features futures-io [-- --port 9001]
//! ```
//!
//! The same safety as `echo_server` (flags in `examples/support/server.rs`).

use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use smol::lock::Semaphore;
use smol::net::TcpListener;
use wscore::io::futures::accept_with;

#[path = "support/server.rs"]
mod support;
use support::{choose_subprotocol, Args, ACCEPT_BACKOFF};

fn main() -> std::io::Result<()> {
    let args = Arc::new(Args::parse("futures_echo"));
    smol::block_on(async {
        let listener = TcpListener::bind((args.host.as_str(), args.port)).await?;
        println!(
            "futures-io echo server on ws://{}:{}/",
            args.host, args.port
        );
        println!("{}", args.banner());
        let slots = Arc::new(Semaphore::new(args.max_connections));
        loop {
            let slot = slots.acquire_arc().await;
            let (tcp, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(e) => {
                    eprintln!("accept: {e}; retrying in {ACCEPT_BACKOFF:?}");
                    smol::Timer::after(ACCEPT_BACKOFF).await;
                    continue;
                }
            };
            let args = args.clone();
            smol::spawn(async move {
                if let Err(e) = echo(tcp, &args).await {
                    eprintln!("{peer}: {e}");
                }
                drop(slot);
            })
            .detach();
        }
    })
}

async fn echo(tcp: smol::net::TcpStream, args: &Args) -> Result<(), wscore::io::Error> {
    tcp.set_nodelay(true)?;
    let mut ws = accept_with(
        tcp,
        args.config(),
        args.options(),
        Vec::new(),
        choose_subprotocol,
    )
    .await?;
    while let Some(message) = ws.next().await {
        let message = message?;
        if message.is_data() {
            ws.send(message).await?;
        }
    }
    Ok(())
}
