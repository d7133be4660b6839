//! A two-peer test harness: a client and a server `Connection` joined by an in-memory pipe,
//! driven by a virtual clock and seeded entropy. The peers' send queues are `Vec`s (with
//! `alloc`: `Pair::new`, `Pair::with_configs`) or `FixedBuffer`s over caller-provided arrays
//! (every feature set, including core only: `Pair::fixed`); the test code itself keeps its
//! records in `std` collections, which an integration test always links.
#![allow(dead_code)] // each test crate uses a different part of the harness

use core::time::Duration;

use wscore::frame::{Decoder, FrameHeader, Item};
use wscore::{
    Config, Connection, ConnectionError, Entropy, EntropyError, Event, FixedBuffer, Role,
    SendBuffer,
};

/// Deterministic entropy (xorshift64*), seeded per test.
#[derive(Clone, Debug)]
pub struct Seeded(u64);

impl Entropy for Seeded {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), EntropyError> {
        for b in buf {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            *b = (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8;
        }
        Ok(())
    }
}

pub fn seeded_entropy(seed: u64) -> Seeded {
    Seeded(seed | 1)
}

/// A client connection of the harness.
pub type Client<B = Vec<u8>> = Connection<B, Seeded>;
/// A server connection of the harness.
pub type Server<B = Vec<u8>> = Connection<B>;

/// The code of the peer's Close, once the closing handshake completed.
pub fn peer_close_code<B: SendBuffer, R: Entropy>(
    conn: &Connection<B, R>,
) -> Option<wscore::frame::CloseCode> {
    match conn.state() {
        wscore::State::Closed(wscore::Closure::Clean { received, .. }) => Some(received),
        _ => None,
    }
}

/// What a peer's application saw, owned so tests can compare it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    Data {
        text: bool,
        payload: Vec<u8>,
        first: bool,
        last: bool,
    },
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(u16, String),
}

/// Feeds `bytes` to `conn` in one call sequence and records every event.
pub fn feed<B: SendBuffer, R: Entropy>(
    conn: &mut Connection<B, R>,
    now: Duration,
    bytes: &mut [u8],
    seen: &mut Vec<Seen>,
) -> Result<(), ConnectionError> {
    let mut input = bytes;
    while let Some((event, rest)) = conn.receive(now, input)? {
        seen.push(match event {
            Event::Data(d) => Seen::Data {
                text: d.kind == wscore::DataKind::Text,
                payload: d.payload.to_vec(),
                first: d.first,
                last: d.last,
            },
            Event::Ping(p) => Seen::Ping(p.to_vec()),
            Event::Pong(p) => Seen::Pong(p.to_vec()),
            Event::Close(c) => Seen::Close(c.code().as_u16(), c.reason().to_string()),
            Event::Decoded(_) => panic!("decoded data without an extension"),
        });
        input = rest;
    }
    Ok(())
}

/// Everything `conn` has queued, drained through `poll_transmit` with a small buffer.
pub fn drain<B: SendBuffer, R: Entropy>(conn: &mut Connection<B, R>) -> Vec<u8> {
    let mut wire = Vec::new();
    let mut buf = [0u8; 1000];
    loop {
        let n = conn.poll_transmit(&mut buf);
        if n == 0 {
            return wire;
        }
        wire.extend_from_slice(&buf[..n]);
    }
}

/// Decodes a byte stream as `receiver` would, with no limits: for inspecting the wire.
pub fn frames(receiver: Role, wire: &[u8]) -> Vec<(FrameHeader, Vec<u8>)> {
    let mut decoder = Decoder::new(receiver).with_max_payload(u64::MAX);
    let mut buf = wire.to_vec();
    let mut input = &mut buf[..];
    let mut out: Vec<(FrameHeader, Vec<u8>)> = Vec::new();
    loop {
        let (item, rest) = decoder.decode(input).expect("well-formed output");
        match item {
            Item::Header(h) => out.push((h, Vec::new())),
            Item::Payload { data, .. } => out.last_mut().unwrap().1.extend_from_slice(data),
            Item::NeedMore => break,
        }
        input = rest;
    }
    assert!(decoder.is_frame_boundary(), "output ends mid-frame");
    out
}

/// A client and a server on a virtual clock; `CB` and `SB` are their send buffers.
pub struct Pair<CB = Vec<u8>, SB = Vec<u8>> {
    pub client: Client<CB>,
    pub server: Server<SB>,
    pub now: Duration,
    pub client_seen: Vec<Seen>,
    pub server_seen: Vec<Seen>,
    pub client_result: Result<(), ConnectionError>,
    pub server_result: Result<(), ConnectionError>,
}

#[cfg(feature = "alloc")]
impl Pair {
    pub fn new() -> Pair {
        Pair::with_configs(Config::default(), Config::default(), 7)
    }

    pub fn with_configs(client: Config, server: Config, seed: u64) -> Pair {
        let now = Duration::from_secs(1000);
        Pair::from_connections(
            Connection::client(client, seeded_entropy(seed), now),
            Connection::server(server, now),
            now,
        )
    }
}

impl<'a> Pair<FixedBuffer<'a>, FixedBuffer<'a>> {
    /// Peers whose send queues live in the given arrays: no allocation in either connection.
    pub fn fixed(
        client_mem: &'a mut [u8],
        server_mem: &'a mut [u8],
        client: Config,
        server: Config,
        seed: u64,
    ) -> Self {
        let now = Duration::from_secs(1000);
        Pair::from_connections(
            Connection::client_in(
                client,
                FixedBuffer::new(client_mem),
                seeded_entropy(seed),
                now,
            ),
            Connection::server_in(server, FixedBuffer::new(server_mem), now),
            now,
        )
    }
}

impl<CB: SendBuffer, SB: SendBuffer> Pair<CB, SB> {
    pub fn from_connections(client: Client<CB>, server: Server<SB>, now: Duration) -> Self {
        Pair {
            client,
            server,
            now,
            client_seen: Vec::new(),
            server_seen: Vec::new(),
            client_result: Ok(()),
            server_result: Ok(()),
        }
    }

    /// Moves the client's output to the server, cut into pieces of `piece` bytes; returns the
    /// bytes that crossed.
    pub fn client_to_server(&mut self, piece: usize) -> Vec<u8> {
        let wire = drain(&mut self.client);
        let mut copy = wire.clone();
        for chunk in copy.chunks_mut(piece.max(1)) {
            let r = feed(&mut self.server, self.now, chunk, &mut self.server_seen);
            if r.is_err() {
                self.server_result = r;
            }
        }
        wire
    }

    /// Moves the server's output to the client.
    pub fn server_to_client(&mut self, piece: usize) -> Vec<u8> {
        let wire = drain(&mut self.server);
        let mut copy = wire.clone();
        for chunk in copy.chunks_mut(piece.max(1)) {
            let r = feed(&mut self.client, self.now, chunk, &mut self.client_seen);
            if r.is_err() {
                self.client_result = r;
            }
        }
        wire
    }

    /// Exchanges output both ways until neither side has anything to send.
    pub fn settle(&mut self) {
        for _ in 0..16 {
            let a = self.client_to_server(usize::MAX);
            let b = self.server_to_client(usize::MAX);
            if a.is_empty() && b.is_empty() {
                return;
            }
        }
        panic!("peers never settled");
    }

    /// Advances the virtual clock and fires both peers' timers.
    pub fn advance(&mut self, by: Duration) {
        self.now += by;
        self.client.handle_timeout(self.now);
        self.server.handle_timeout(self.now);
    }
}

/// A masked client frame, as raw bytes, for feeding a server hand-made input.
pub fn client_frame(b0: u8, payload: &[u8]) -> Vec<u8> {
    let key = [0x11, 0x22, 0x33, 0x44];
    let mut header = FrameHeader::parse(&[b0, 0]).unwrap().unwrap().0;
    header.payload_len = payload.len() as u64;
    let header = header.with_mask(key);
    let mut out = vec![0u8; payload.len() + 14];
    let n = wscore::frame::encode_frame(header, payload, &mut out).unwrap();
    out.truncate(n);
    out
}

/// An unmasked server frame, as raw bytes.
pub fn server_frame(b0: u8, payload: &[u8]) -> Vec<u8> {
    let mut header = FrameHeader::parse(&[b0, 0]).unwrap().unwrap().0;
    header.payload_len = payload.len() as u64;
    let mut out = vec![0u8; payload.len() + 14];
    let n = wscore::frame::encode_frame(header, payload, &mut out).unwrap();
    out.truncate(n);
    out
}

/// Joins consecutive data pieces into whole messages (first..=last), leaving control events
/// as they are, and checks the piece flags are consistent on the way.
pub fn merged(seen: &[Seen]) -> Vec<Seen> {
    let mut out: Vec<Seen> = Vec::new();
    let mut open: Option<(bool, Vec<u8>)> = None;
    for s in seen {
        match s {
            Seen::Data {
                text,
                payload,
                first,
                last,
            } => {
                if *first {
                    assert!(open.is_none(), "message started inside another");
                    open = Some((*text, Vec::new()));
                }
                let (kind, buf) = open.as_mut().expect("piece without a first piece");
                assert_eq!(kind, text, "kind changed inside a message");
                buf.extend_from_slice(payload);
                if *last {
                    let (text, payload) = open.take().unwrap();
                    out.push(Seen::Data {
                        text,
                        payload,
                        first: true,
                        last: true,
                    });
                }
            }
            other => out.push(other.clone()),
        }
    }
    out
}
