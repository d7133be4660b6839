//! WebSocket echo server on the blocking adapter, one thread per connection.
//!
//! ```text
//! cargo run --release --example blocking_echo --features blocking [-- --port 9001]
//! ```
//!
//! The same safety as `echo_server`: a connection (thread) cap, an opening timeout,
//! keepalive, a write timeout, accept errors logged and retried (flags in
//! `examples/support/server.rs`).

use std::net::TcpListener;

use std::sync::{Arc, Condvar, Mutex};

use wscore::io::blocking::BlockingWebSocket;

#[path = "support/server.rs"]
mod support;
use support::{choose_subprotocol, Args, ACCEPT_BACKOFF};

/// Counts running connections; `acquire` waits while the cap is reached.
struct Slots {
    used: Mutex<usize>,
    freed: Condvar,
    cap: usize,
}

impl Slots {
    fn acquire(&self) {
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        while *used >= self.cap {
            used = self.freed.wait(used).unwrap_or_else(|p| p.into_inner());
        }
        *used += 1;
    }

    fn release(&self) {
        *self.used.lock().unwrap_or_else(|p| p.into_inner()) -= 1;
        self.freed.notify_one();
    }
}

fn main() -> std::io::Result<()> {
    let args = Arc::new(Args::parse("blocking_echo"));
    let listener = TcpListener::bind((args.host.as_str(), args.port))?;
    println!("blocking echo server on ws://{}:{}/", args.host, args.port);
    println!("{}", args.banner());
    let slots = Arc::new(Slots {
        used: Mutex::new(0),
        freed: Condvar::new(),
        cap: args.max_connections,
    });

    loop {
        slots.acquire();
        let tcp = match listener.accept() {
            Ok((tcp, _)) => tcp,
            Err(e) => {
                slots.release();
                eprintln!("accept: {e}; retrying in {ACCEPT_BACKOFF:?}");
                std::thread::sleep(ACCEPT_BACKOFF);
                continue;
            }
        };
        let (args, slots) = (args.clone(), slots.clone());
        let spawned = std::thread::Builder::new().spawn(move || {
            let peer = tcp.peer_addr().ok();
            if let Err(e) = echo(tcp, &args) {
                eprintln!("{peer:?}: {e}");
            }

            slots.release();
        });
        if let Err(e) = spawned {
            // Out of threads: the connection is dropped, the server goes on.
            eprintln!("spawn: {e}; retrying in {ACCEPT_BACKOFF:?}");
            std::thread::sleep(ACCEPT_BACKOFF);
        }
    }
}

fn echo(tcp: std::net::TcpStream, args: &Args) -> Result<(), wscore::io::Error> {
    tcp.set_nodelay(true)?;
    let mut ws = BlockingWebSocket::accept_with(
        tcp,
        args.config(),
        args.options(),
        Vec::new(),
        choose_subprotocol,
    )?;
    loop {
        match ws.read() {
            Ok(message) if message.is_data() => ws.send_owned(message)?,
            Ok(_) => {}
            Err(e) if e.is_closed() => return Ok(()),
            Err(e) => return Err(e),
        }
    }
}
