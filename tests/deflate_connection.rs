//! permessage-deflate end to end through the sans-IO stack: the handshake machines negotiate
//! it, `into_connection` hands over connections running it, compressed messages carry RSV1
//! on their first frame only, and both directions round-trip (including fragmented and
//! small, uncompressed messages), checked against the payloads sent.
#![cfg(feature = "deflate")]

use std::sync::Arc;
use std::time::Duration;

use wscore::deflate::{DeflateClient, DeflateConfig, DeflateServer};
use wscore::frame::{Decoder, Item, Opcode, RSV1};
use wscore::handshake::{
    Answer, ClientHandshake, ClientRequest, ClientStatus, Limits, ServerHandshake, ServerStatus,
};
use wscore::{
    Config, Connection, DataKind, Entropy, EntropyError, Event, MessageAssembler, MessageRef, Role,
};

struct Counter(u8);

impl Entropy for Counter {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), EntropyError> {
        for b in buf {
            self.0 = self.0.wrapping_add(37) | 1;
            *b = self.0;
        }
        Ok(())
    }
}

type Client = Connection<Vec<u8>, Counter>;
type Server = Connection<Vec<u8>>;

fn open() -> (Client, Server) {
    let now = Duration::ZERO;
    let request = ClientRequest::new("ws://h/", [3; 16]).unwrap();
    let mut client = ClientHandshake::new(request, Config::default(), Limits::DEFAULT, Vec::new())
        .unwrap()
        .with_extensions(Arc::new(DeflateClient::new(DeflateConfig::new())))
        .unwrap();
    let mut server = ServerHandshake::new(Config::default(), Limits::DEFAULT, Vec::new(), now)
        .with_extensions(Arc::new(DeflateServer::new(DeflateConfig::new())));
    let wire = client.transmit().unwrap().to_vec();
    assert!(
        String::from_utf8_lossy(&wire).contains("Sec-WebSocket-Extensions: permessage-deflate"),
        "no offer in {}",
        String::from_utf8_lossy(&wire)
    );
    client.advance_transmit(wire.len());
    assert_eq!(server.receive(now, &wire), Ok(wire.len()));
    server.respond(|_| Answer::accept()).unwrap();
    let answer = server.transmit().unwrap().to_vec();
    server.advance_transmit(answer.len());
    assert_eq!(server.status(), ServerStatus::Accepted);
    assert!(String::from_utf8_lossy(&answer).contains("permessage-deflate"));
    assert_eq!(client.receive(now, &answer), Ok(answer.len()));
    assert_eq!(client.status(), ClientStatus::Accepted);
    let client = client.into_connection(Counter(1), now).unwrap();
    let server = server.into_connection(now).unwrap();
    assert_eq!(client.extension_name(), Some("permessage-deflate"));
    assert_eq!(server.extension_name(), Some("permessage-deflate"));
    (client, server)
}

fn drain<R: Entropy>(conn: &mut Connection<Vec<u8>, R>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = conn.poll_transmit(&mut buf);
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&buf[..n]);
    }
}

/// The (opcode, rsv) of every frame header in `wire` as `receiver` decodes it.
fn headers(receiver: Role, wire: &[u8]) -> Vec<(Opcode, u8, u64)> {
    let mut decoder = Decoder::new(receiver)
        .with_max_payload(u64::MAX)
        .with_allowed_rsv(RSV1);
    let mut buf = wire.to_vec();
    let mut input = &mut buf[..];
    let mut out = Vec::new();
    loop {
        let (item, rest) = decoder.decode(input).unwrap();
        match item {
            Item::Header(h) => out.push((h.opcode, h.rsv, h.payload_len)),
            Item::Payload { .. } => {}
            Item::NeedMore => return out,
        }
        input = rest;
    }
}

/// Feeds `wire` to `conn` split into `step`-byte reads; returns the whole messages.
fn receive<R: Entropy>(
    conn: &mut Connection<Vec<u8>, R>,
    wire: &[u8],
    step: usize,
) -> Vec<(DataKind, Vec<u8>)> {
    let mut assembler = MessageAssembler::new();
    let mut messages = Vec::new();
    let mut buf = wire.to_vec();
    for chunk in buf.chunks_mut(step) {
        let mut input = chunk;
        while let Some((event, rest)) = conn.receive(Duration::ZERO, input).unwrap() {
            let data = match event {
                Event::Data(d) | Event::Decoded(d) => d,
                other => panic!("unexpected {other:?}"),
            };
            if let Some(m) = assembler.push(data).unwrap() {
                let kind = match m {
                    MessageRef::Text(_) => DataKind::Text,
                    MessageRef::Binary(_) => DataKind::Binary,
                };
                messages.push((kind, m.as_bytes().to_vec()));
            }
            input = rest;
        }
    }
    messages
}

fn json(n: usize) -> String {
    (0..n)
        .map(|i| format!("{{\"id\":{i},\"name\":\"sensor-{}\",\"ok\":true}},", i % 7))
        .collect()
}

#[test]
fn negotiated_deflate_compresses_both_ways_and_round_trips() {
    let (mut client, mut server) = open();
    let big = json(400);
    for _ in 0..3 {
        client.send_text(&big).unwrap();
    }
    client.send_text("tiny").unwrap(); // under the threshold: sent as is
    let wire = drain(&mut client);
    let frames = headers(Role::Server, &wire);
    assert_eq!(frames.len(), 4);
    for (opcode, rsv, len) in &frames[..3] {
        assert_eq!((*opcode, *rsv), (Opcode::Text, RSV1));
        assert!(*len < big.len() as u64 / 4, "{len} bytes for {}", big.len());
    }
    assert_eq!((frames[3].0, frames[3].1), (Opcode::Text, 0));
    for step in [1, 7, 4096] {
        let (mut client2, mut server2) = open();
        for _ in 0..3 {
            client2.send_text(&big).unwrap();
        }
        let wire = drain(&mut client2);
        let got = receive(&mut server2, &wire, step);
        assert_eq!(got.len(), 3, "split {step}");
        assert!(got
            .iter()
            .all(|(k, m)| *k == DataKind::Text && m == big.as_bytes()));
    }
    let got = receive(&mut server, &wire, 1000);
    assert_eq!(got.len(), 4);
    assert_eq!(got[3].1, b"tiny");

    // Server to client, streamed in fragments: RSV1 on the first frame only.
    server.begin_message(DataKind::Binary).unwrap();
    server.send_fragment(&big.as_bytes()[..5000]).unwrap();
    server.send_fragment(&big.as_bytes()[5000..]).unwrap();
    server.finish_message(b"").unwrap();
    let wire = drain(&mut server);
    let frames = headers(Role::Client, &wire);
    assert_eq!(frames[0].1, RSV1, "{frames:?}");
    assert!(frames[1..]
        .iter()
        .all(|f| f.1 == 0 && f.0 == Opcode::Continuation));
    let got = receive(&mut client, &wire, 3);
    assert_eq!(got, vec![(DataKind::Binary, big.into_bytes())]);
}

#[test]
fn a_message_that_inflates_past_the_limit_fails_with_1009() {
    let now = Duration::ZERO;
    let (mut client, _) = open();
    let request = ClientRequest::new("ws://h/", [3; 16]).unwrap();
    let mut hs = ClientHandshake::new(request, Config::default(), Limits::DEFAULT, Vec::new())
        .unwrap()
        .with_extensions(Arc::new(DeflateClient::new(DeflateConfig::new())))
        .unwrap();
    let mut server = ServerHandshake::new(
        Config::default().max_message_size(10_000),
        Limits::DEFAULT,
        Vec::new(),
        now,
    )
    .with_extensions(Arc::new(DeflateServer::new(DeflateConfig::new())));
    let wire = hs.transmit().unwrap().to_vec();
    server.receive(now, &wire).unwrap();
    server.respond(|_| Answer::accept()).unwrap();
    let sent = server.transmit().unwrap().len();
    server.advance_transmit(sent);
    let mut server = server.into_connection(now).unwrap();
    let _ = &mut hs;
    // 100 KiB of zeros compress to a few hundred bytes; the server allows 10,000.
    client.send_binary(&vec![0u8; 100 * 1024]).unwrap();
    let wire = drain(&mut client);
    assert!(wire.len() < 2000);
    let mut buf = wire.clone();
    let mut input = &mut buf[..];
    let err = loop {
        match server.receive(now, input) {
            Ok(Some((_, rest))) => input = rest,
            Ok(None) => panic!("accepted a message over the limit"),
            Err(e) => break e,
        }
    };
    assert_eq!(err.close_code().as_u16(), 1009, "{err}");
}
