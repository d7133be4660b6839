//! WebSocket echo server on the futures-io adapter, run by smol.
//!
//! ```text
//! cargo run --release --example futures_echo --features futures-io [-- --port 9001]
//! ```

use futures_util::{SinkExt, StreamExt};
use smol::net::TcpListener;
use wscore::io::futures::accept;
use wscore::Config;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let port: u16 = args
        .iter()
        .position(|a| a == "--port")
        .and_then(|i| args.get(i + 1))
        .and_then(|p| p.parse().ok())
        .unwrap_or(9001);
    smol::block_on(async {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        println!("futures-io echo server on ws://127.0.0.1:{port}/");
        loop {
            let (tcp, peer) = listener.accept().await?;
            smol::spawn(async move {
                if let Err(e) = echo(tcp).await {
                    eprintln!("{peer}: {e}");
                }
            })
            .detach();
        }
    })
}

async fn echo(tcp: smol::net::TcpStream) -> Result<(), wscore::io::Error> {
    tcp.set_nodelay(true)?;
    let mut config = Config::default();
    config.max_frame_payload = 64 << 20;
    config.max_message_size = 64 << 20;
    config.max_queued_bytes = 64 << 20;
    let mut ws = accept(tcp, config).await?;
    while let Some(message) = ws.next().await {
        let message = message?;
        if message.is_data() {
            ws.send(message).await?;
        }
    }
    Ok(())
}
