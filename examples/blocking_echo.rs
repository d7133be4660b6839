//! BlockingWebSocket echo server on the blocking adapter, one thread per connection.
//!
//! ```text
//! cargo run --release --example blocking_echo --features blocking [-- --port 9001]
//! ```

use std::net::TcpListener;

use wscore::io::blocking::BlockingWebSocket;
use wscore::Config;

fn main() -> std::io::Result<()> {
    let port = port_arg(9001);
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    println!("blocking echo server on ws://127.0.0.1:{port}/");
    for tcp in listener.incoming() {
        let tcp = tcp?;
        std::thread::spawn(move || {
            let peer = tcp.peer_addr().ok();
            if let Err(e) = echo(tcp) {
                eprintln!("{peer:?}: {e}");
            }
        });
    }
    Ok(())
}

fn echo(tcp: std::net::TcpStream) -> Result<(), wscore::io::Error> {
    tcp.set_nodelay(true)?;
    let mut config = Config::default();
    config.max_frame_payload = 64 << 20;
    config.max_message_size = 64 << 20;
    config.max_queued_bytes = 64 << 20;
    let mut ws = BlockingWebSocket::accept(tcp, config)?;
    loop {
        match ws.read() {
            Ok(message) if message.is_data() => ws.send(&message)?,
            Ok(_) => {}
            Err(e) if e.is_closed() => return Ok(()),
            Err(e) => return Err(e),
        }
    }
}

fn port_arg(default: u16) -> u16 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == "--port")
        .and_then(|i| args.get(i + 1))
        .and_then(|p| p.parse().ok())
        .unwrap_or(default)
}
