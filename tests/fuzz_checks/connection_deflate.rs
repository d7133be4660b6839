//! Fuzz check: a connection with permessage-deflate negotiated, fed arbitrary bytes.
//!
//! The input's first byte picks the role, the negotiated parameters (context takeover,
//! windows) and a small message limit; the rest is fed to the connection in pieces whose
//! sizes come from the input too, with every frame masked correctly for a server so the
//! data reaches the inflater (RSV1, fragments, control frames, bad deflate streams and bombs
//! all come from the fuzzer). Invariants:
//!
//! - no panic, no hang;
//! - every decoded message stays within `max_message_size` (the inflater is bounded while it
//!   works: a bomb fails with 1009, it is never inflated first and checked after);
//! - text that is delivered is valid UTF-8 once whole;
//! - errors are sticky and carry a close code valid on the wire (or 1006 locally);
//! - the connection's own output always decodes as well-formed frames (the compressor's
//!   output inflates back to what the echo sent, checked by a second connection).
#![allow(dead_code)]

use core::time::Duration;

use wscore::deflate::{DeflateClient, DeflateConfig, DeflateServer};
use wscore::extension::ClientNegotiation;
use wscore::handshake::{negotiate, HttpHeader};
use wscore::{Config, DataKind, Entropy, EntropyError, Event, MessageAssembler, MessageRef};

struct Counter(u8);

impl Entropy for Counter {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), EntropyError> {
        for b in buf {
            self.0 = self.0.wrapping_mul(13).wrapping_add(7) | 1;
            *b = self.0;
        }
        Ok(())
    }
}

const LIMIT: u64 = 64 * 1024;

fn policy(setup: u8) -> DeflateConfig {
    let mut config = DeflateConfig::new().threshold(0);
    if setup & 1 != 0 {
        config = config
            .client_no_context_takeover(true)
            .server_no_context_takeover(true);
    }
    if setup & 2 != 0 {
        config = config
            .client_max_window_bits(Some(9 + (setup >> 4) % 7))
            .server_max_window_bits(Some(9 + (setup >> 4) % 7));
    }
    config
}

/// Masks `payload` as a client frame and wraps it with the given first byte.
fn client_frame(b0: u8, payload: &[u8], key: [u8; 4]) -> Vec<u8> {
    let mut out = vec![b0];
    let n = payload.len();
    if n < 126 {
        out.push(0x80 | n as u8);
    } else if n < 65536 {
        out.push(0x80 | 126);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0x80 | 127);
        out.extend_from_slice(&(n as u64).to_be_bytes());
    }
    out.extend_from_slice(&key);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    out
}

pub fn run(data: &[u8]) {
    let Some((&setup, rest)) = data.split_first() else {
        return;
    };
    let now = Duration::ZERO;
    let config = Config::default()
        .max_message_size(LIMIT)
        .max_frame_payload(LIMIT)
        .keepalive_interval(None);
    let client_policy = DeflateClient::new(policy(setup));
    let offer = client_policy.offer();
    let request = [
        HttpHeader::new("sec-websocket-version", "13"),
        HttpHeader::new("sec-websocket-extensions", &offer),
    ];
    let server_policy = DeflateServer::new(policy(setup));
    let Ok(answer) = negotiate::accept_with_extensions(
        &request,
        &[],
        &server_policy,
        config.clone(),
        Vec::new(),
        now,
    ) else {
        return;
    };
    let Some(agreed) = answer.extensions().map(str::to_owned) else {
        return;
    };
    let mut server = answer.connection;
    let response = [HttpHeader::new("sec-websocket-extensions", &agreed)];
    let mut client = negotiate::connect_with_extensions(
        &response,
        &[],
        &client_policy,
        config,
        Vec::new(),
        Counter(setup),
        now,
    )
    .expect("our client accepts our server's answer");

    // The fuzz input is split into frames: [b0][len][payload...] records, each masked.
    let mut wire = Vec::new();
    let mut input = rest;
    let mut key = [setup, 1, 2, 3];
    while let [b0, len, tail @ ..] = input {
        let n = usize::from(*len).min(tail.len());
        wire.extend(client_frame(*b0, &tail[..n], key));
        key[0] = key[0].wrapping_add(1);
        input = &tail[n..];
    }

    let mut assembler = MessageAssembler::new();
    let mut sticky = None;
    let mut echoed = Vec::new();
    for chunk in wire.chunks_mut(usize::from(setup % 7) * 5 + 1) {
        let mut piece = chunk;
        loop {
            match server.receive(now, piece) {
                Ok(Some((event, rest))) => {
                    let data = match event {
                        Event::Data(d) | Event::Decoded(d) => Some(d),
                        _ => None,
                    };
                    if let Some(d) = data {
                        assert!(d.payload.len() as u64 <= LIMIT);
                        match assembler.push(d) {
                            Ok(Some(message)) => {
                                assert!(message.as_bytes().len() as u64 <= LIMIT, "over the limit");
                                if let MessageRef::Text(t) = message {
                                    assert!(core::str::from_utf8(t.as_bytes()).is_ok());
                                }
                                let kind = message.kind();
                                let bytes = message.as_bytes().to_vec();
                                if server.send(kind, &bytes).is_ok() {
                                    echoed.push((kind, bytes));
                                }
                            }
                            Ok(None) => {}
                            Err(e) => {
                                panic!("the connection delivered what the assembler refuses: {e}")
                            }
                        }
                    }
                    piece = rest;
                }
                Ok(None) => break,
                Err(e) => {
                    let code = e.close_code();
                    assert!(code.is_valid_on_wire() || code.as_u16() == 1006, "{e}");
                    if let Some(first) = sticky {
                        assert_eq!(first, e, "the sticky error changed");
                    }
                    sticky = Some(e);
                    break;
                }
            }
        }
    }
    // Whatever the server sent back (echoes, compressed with its own window) must decode at
    // our client into exactly those messages, then the Close if it failed.
    let mut out = vec![0u8; 1 << 20];
    let mut sent = Vec::new();
    loop {
        let n = server.poll_transmit(&mut out);
        if n == 0 {
            break;
        }
        sent.extend_from_slice(&out[..n]);
    }
    let mut got = Vec::new();
    let mut assembler = MessageAssembler::new();
    let mut input = &mut sent[..];
    while let Ok(Some((event, rest))) = client.receive(now, input) {
        if let Event::Data(d) | Event::Decoded(d) = event {
            if let Ok(Some(m)) = assembler.push(d) {
                got.push((m.kind(), m.as_bytes().to_vec()));
            }
        }
        input = rest;
    }
    assert_eq!(
        client.error(),
        None,
        "our client refused our server's output"
    );
    assert_eq!(
        got, echoed,
        "echoes did not round-trip through the server's compressor"
    );
    let _ = DataKind::Text;
}
