//! What the example servers share: their command line, the `Config` and `Options` it
//! builds, the subprotocols they know, and the worst-case memory it implies.
//!
//! Flags (all optional):
//!
//! | flag | default | meaning |
//! |---|---|---|
//! | `--host H` | 127.0.0.1 | address to bind |
//! | `--port P` | 9001 | port to bind |
//! | `--max-connections N` | 256 | connections served at once; more wait in the listen backlog |
//! | `--max-message BYTES` | 16 MiB | largest message (and frame) accepted; Autobahn needs 16 MiB |
//! | `--open-timeout SECS` | 10 | the opening handshake must finish within this |
//! | `--keepalive SECS` | 20 | ping after this long without input (0: off) |
//! | `--pong-timeout SECS` | 20 | drop a peer whose pong is this late |
//! | `--write-timeout SECS` | 30 | drop a peer that stops reading for this long |
//! | `--no-deflate` | | do not negotiate permessage-deflate (on when built with `deflate`) |
//! | `--cert CERT.pem --key KEY.pem` | | serve TLS with this chain and key (only the servers parsed with [`Args::parse_tls`]: `axum_server`) |
//!
//! Seconds may be fractional (`--open-timeout 0.5`).
#![allow(dead_code)] // each example uses a different part

use std::time::Duration;

use wscore::handshake::Request;
use wscore::io::{Decision, Options};
use wscore::Config;

/// The subprotocols the demo speaks (it echoes whatever it gets, whichever is chosen).
pub const SUBPROTOCOLS: [&str; 3] = ["echo", "chat", "superchat"];

/// The parsed command line.
#[derive(Clone, Debug)]
pub struct Args {
    pub host: String,
    pub port: u16,
    pub max_connections: usize,
    pub max_message: usize,
    pub open_timeout: Duration,
    pub keepalive: Option<Duration>,
    pub pong_timeout: Duration,
    pub write_timeout: Duration,
    /// Negotiate permessage-deflate (only with the `deflate` feature).
    pub deflate: bool,
    /// The PEM files of the certificate chain and its private key, both given or neither
    /// (only from [`Args::parse_tls`]).
    pub tls: Option<(String, String)>,
}

impl Args {
    /// Parses `std::env::args()`; exits with a usage message on a bad flag.
    pub fn parse(program: &str) -> Args {
        Args::parse_from(program, false)
    }

    /// [`Args::parse`] for a server that can also serve TLS: accepts `--cert` and `--key`.
    pub fn parse_tls(program: &str) -> Args {
        Args::parse_from(program, true)
    }

    fn parse_from(name: &str, tls: bool) -> Args {
        let program = Program { name, tls };
        let (mut cert, mut key) = (None, None);
        let mut args = Args {
            host: String::from("127.0.0.1"),
            port: 9001,
            max_connections: 256,
            max_message: 16 << 20,
            open_timeout: Duration::from_secs(10),
            keepalive: Some(Duration::from_secs(20)),
            pong_timeout: Duration::from_secs(20),
            write_timeout: Duration::from_secs(30),
            deflate: cfg!(feature = "deflate"),
            tls: None,
        };
        let mut it = std::env::args().skip(1);
        while let Some(flag) = it.next() {
            let mut value = || {
                it.next()
                    .unwrap_or_else(|| usage(program, &format!("{flag} needs a value")))
            };
            match flag.as_str() {
                "--host" => args.host = value(),
                "--port" => args.port = number(program, &flag, &value()),
                "--max-connections" => args.max_connections = number(program, &flag, &value()),
                "--max-message" => args.max_message = number(program, &flag, &value()),
                "--open-timeout" => args.open_timeout = seconds(program, &flag, &value()),
                "--keepalive" => {
                    let t = seconds(program, &flag, &value());
                    args.keepalive = (!t.is_zero()).then_some(t);
                }
                "--pong-timeout" => args.pong_timeout = seconds(program, &flag, &value()),
                "--write-timeout" => args.write_timeout = seconds(program, &flag, &value()),
                "--no-deflate" => args.deflate = false,
                "--cert" if tls => cert = Some(value()),
                "--key" if tls => key = Some(value()),
                other => usage(program, &format!("unknown argument {other:?}")),
            }
        }
        args.tls = match (cert, key) {
            (Some(cert), Some(key)) => Some((cert, key)),
            (None, None) => None,
            _ => usage(program, "--cert and --key go together"),
        };
        args.max_connections = args.max_connections.max(1);
        args
    }

    /// The connection configuration these flags ask for.
    pub fn config(&self) -> Config {
        Config::default()
            .max_frame_payload(self.max_message as u64)
            .max_message_size(self.max_message as u64)
            .max_queued_bytes(self.max_message)
            .keepalive_interval(self.keepalive)
            .pong_timeout(self.pong_timeout)
    }

    /// The adapter options these flags ask for: with the `deflate` feature, permessage-deflate
    /// is offered to every client that asks (the server defaults of `DeflateConfig`).
    pub fn options(&self) -> Options {
        let options = Options::default()
            .open_timeout(Some(self.open_timeout))
            .write_timeout(Some(self.write_timeout));
        #[cfg(feature = "deflate")]
        let options = if self.deflate {
            let policy = wscore::deflate::DeflateServer::new(wscore::deflate::DeflateConfig::new());
            options.server_extensions(std::sync::Arc::new(policy))
        } else {
            options
        };
        options
    }

    /// The most memory one connection can hold under these settings: the read buffer, one
    /// message being assembled, and the send queue (its cap plus the message that crossed
    /// it, plus that message's owned copy while it is echoed).
    pub fn worst_case_per_connection(&self) -> usize {
        let options = self.options();
        options.read_buffer + self.max_message + 2 * self.max_message + self.max_message
    }

    /// A one-line summary printed at start-up: the limits and the memory they bound.
    pub fn banner(&self) -> String {
        let per = self.worst_case_per_connection();
        format!(
            "at most {} connections, messages up to {} KiB; worst case {} MiB per connection, \
             {} MiB in all; open timeout {:?}, keepalive {:?}, pong timeout {:?}, write timeout {:?}; \
             permessage-deflate {}",
            self.max_connections,
            self.max_message >> 10,
            per >> 20,
            (per * self.max_connections) >> 20,
            self.open_timeout,
            self.keepalive,
            self.pong_timeout,
            self.write_timeout,
            if self.deflate { "on" } else { "off" },
        )
    }
}

/// The accept callback: selects the first subprotocol the client offers that the demo
/// knows (RFC 6455 4.2.2: the client's order of preference), or none.
pub fn choose_subprotocol(request: &Request<'_, '_>) -> Decision {
    Ok(request
        .subprotocols()
        .find(|offered| SUBPROTOCOLS.contains(offered))
        .map(String::from))
}

/// Whether a request head asks for a WebSocket: any of the handshake's own headers means
/// the WebSocket handshake must answer it (with its precise refusal if it is malformed),
/// never the page.
pub fn wants_websocket(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    text.split("\r\n").skip(1).any(|line| {
        line.starts_with("sec-websocket-key:")
            || line.starts_with("sec-websocket-version:")
            || (line.starts_with("upgrade:") && line.contains("websocket"))
    })
}

/// How long to wait after `accept()` fails (e.g. EMFILE at the fd limit) before trying
/// again: the error is logged and the server keeps serving.
pub const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

fn number<T: std::str::FromStr>(program: Program<'_>, flag: &str, value: &str) -> T {
    value
        .parse()
        .unwrap_or_else(|_| usage(program, &format!("{flag} needs a number, got {value:?}")))
}

fn seconds(program: Program<'_>, flag: &str, value: &str) -> Duration {
    let secs: f64 = number(program, flag, value);
    if !(0.0..=86_400.0).contains(&secs) {
        usage(program, &format!("{flag} out of range: {value}"));
    }
    Duration::from_secs_f64(secs)
}

/// The program being parsed for: its name, and whether it takes `--cert` and `--key`.
#[derive(Clone, Copy)]
struct Program<'a> {
    name: &'a str,
    tls: bool,
}

fn usage(program: Program<'_>, problem: &str) -> ! {
    let name = program.name;
    eprintln!(
        "{name}: {problem}\nusage: {name} [--host H] [--port P] [--max-connections N] \
         [--max-message BYTES] [--open-timeout SECS] [--keepalive SECS] [--pong-timeout SECS] \
         [--write-timeout SECS] [--no-deflate]{}",
        if program.tls {
            " [--cert CERT.pem --key KEY.pem]"
        } else {
            ""
        }
    );
    std::process::exit(2);
}
