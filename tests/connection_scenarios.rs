//! Scenario tests for the connection state machine, on the two-peer harness.
#![cfg(feature = "alloc")]

mod harness;

use core::time::Duration;

use harness::{client_frame, drain, feed, frames, merged, server_frame, Pair, Seen};
use wscore::frame::Opcode;
use wscore::{Config, Connection, ConnectionError, ProtocolError, Role};

fn text(payload: &str) -> Seen {
    Seen::Data {
        text: true,
        payload: payload.as_bytes().to_vec(),
        first: true,
        last: true,
    }
}

fn close_code_of(wire: &[u8], receiver: Role) -> Option<u16> {
    frames(receiver, wire)
        .into_iter()
        .find(|(h, _)| h.opcode == Opcode::Close)
        .map(|(_, p)| u16::from_be_bytes([p[0], p[1]]))
}

// ---------------------------------------------------------------------------------------
// Roles and masking
// ---------------------------------------------------------------------------------------

#[test]
fn messages_cross_both_ways_with_masking_by_role() {
    let mut pair = Pair::new();
    pair.client.send_text("hello server").unwrap();
    pair.client.send_binary(&[1, 2, 3]).unwrap();
    let wire = pair.client_to_server(3);
    // "A client MUST mask all frames that it sends to the server" (5.3).
    let sent = frames(Role::Server, &wire);
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().all(|(h, _)| h.mask.is_some()));
    assert_ne!(sent[0].0.mask, sent[1].0.mask, "a fresh key per frame");
    assert_eq!(
        merged(&pair.server_seen),
        vec![
            text("hello server"),
            Seen::Data {
                text: false,
                payload: vec![1, 2, 3],
                first: true,
                last: true
            }
        ]
    );

    pair.server.send_text("hello client").unwrap();
    let wire = pair.server_to_client(1);
    // "A server MUST NOT mask any frames that it sends to the client" (5.1).
    assert!(frames(Role::Client, &wire)
        .iter()
        .all(|(h, _)| h.mask.is_none()));
    assert_eq!(merged(&pair.client_seen), vec![text("hello client")]);
    // Delivered one byte at a time, the message arrives as one piece per byte.
    assert_eq!(pair.client_seen.len(), "hello client".len());
}

#[test]
fn client_mask_keys_are_fresh_and_never_zero() {
    // Even an entropy source that starts with zeros must not produce the all-zero key.
    let mut zeros_then_counter = 0u32;
    let entropy = move |buf: &mut [u8]| {
        zeros_then_counter += 1;
        let v = if zeros_then_counter <= 2 {
            0
        } else {
            zeros_then_counter
        };
        buf.copy_from_slice(&v.to_le_bytes()[..buf.len()]);
    };
    let mut client = Connection::client(Config::default(), entropy, Duration::ZERO);
    for _ in 0..3 {
        client.send_binary(b"x").unwrap();
    }
    let keys: Vec<_> = frames(Role::Server, &drain(&mut client))
        .into_iter()
        .map(|(h, _)| h.mask.unwrap())
        .collect();
    assert!(keys.iter().all(|k| *k != [0; 4]));
    assert_ne!(keys[0], keys[1]);
    assert_ne!(keys[1], keys[2]);
}

#[test]
fn server_rejects_unmasked_and_client_rejects_masked_frames() {
    let mut server = Connection::server(Config::default(), Duration::ZERO);
    let mut wire = server_frame(0x81, b"hi");
    let err = feed(&mut server, Duration::ZERO, &mut wire, &mut Vec::new()).unwrap_err();
    assert_eq!(err, ConnectionError::Protocol(ProtocolError::UnmaskedFrame));
    assert_eq!(close_code_of(&drain(&mut server), Role::Client), Some(1002));

    let mut client = Connection::client(
        Config::default(),
        harness::seeded_entropy(1),
        Duration::ZERO,
    );
    let mut wire = client_frame(0x81, b"hi");
    let err = feed(&mut client, Duration::ZERO, &mut wire, &mut Vec::new()).unwrap_err();
    assert_eq!(err, ConnectionError::Protocol(ProtocolError::MaskedFrame));
    assert_eq!(close_code_of(&drain(&mut client), Role::Server), Some(1002));
}
