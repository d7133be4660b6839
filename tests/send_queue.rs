//! The send queue's ordering and control-frame payloads, checked on the wire: pings and pongs
//! overtake data only at frame boundaries, the automatic pong carries the latest ping's
//! payload, a pong already going out is finished intact when a newer ping replaces the queued
//! reply, and the Close goes last with its code and reason.
#![cfg(feature = "alloc")]

mod harness;

use core::time::Duration;

use harness::{client_frame, frames, seeded_entropy};
use wscore::frame::{CloseCode, FrameHeader, Opcode};
use wscore::{Config, Connection, Entropy, Role};

const NOW: Duration = Duration::ZERO;

/// Drains `conn` with `transmit` / `advance_transmit`, `step` bytes at a time, calling
/// `between` after every step (with the bytes written so far).
fn drain_in_steps<R: Entropy>(
    conn: &mut Connection<Vec<u8>, R>,
    step: usize,
    mut between: impl FnMut(&mut Connection<Vec<u8>, R>, &[u8]),
) -> Vec<u8> {
    let mut wire = Vec::new();
    while let Some(t) = conn.transmit() {
        let mut piece = t.header.to_vec();
        piece.extend_from_slice(t.payload);
        let n = piece.len().min(step);
        wire.extend_from_slice(&piece[..n]);
        conn.advance_transmit(n);
        between(conn, &wire);
    }
    wire
}

fn summary(receiver: Role, wire: &[u8]) -> Vec<(Opcode, bool, Vec<u8>)> {
    frames(receiver, wire)
        .into_iter()
        .map(|(h, p): (FrameHeader, Vec<u8>)| (h.opcode, h.fin, p))
        .collect()
}

fn data_control_close_order(role: Role) {
    let mut config = Config::default();
    config.max_send_frame_payload = 4;
    let mut conn = Connection::new(role, config, Vec::new(), seeded_entropy(3), NOW);
    conn.send_binary(b"abcdefghij").unwrap(); // three frames: abcd, efgh, ij
    let mut queued_controls = false;
    let wire = drain_in_steps(&mut conn, 3, |conn, written| {
        // Queue a ping and a pong once the first data frame has started going out.
        if !queued_controls && !written.is_empty() {
            conn.ping(b"ping-1").unwrap();
            conn.pong(b"pong-2").unwrap();
            conn.close(NOW, CloseCode::NORMAL, "bye").unwrap();
            queued_controls = true;
        }
    });
    let receiver = match role {
        Role::Client => Role::Server,
        Role::Server => Role::Client,
    };
    assert_eq!(
        summary(receiver, &wire),
        vec![
            // The started frame is finished first ...
            (Opcode::Binary, false, b"abcd".to_vec()),
            // ... then the controls overtake the rest of the data ...
            (Opcode::Ping, true, b"ping-1".to_vec()),
            (Opcode::Pong, true, b"pong-2".to_vec()),
            (Opcode::Continuation, false, b"efgh".to_vec()),
            (Opcode::Continuation, true, b"ij".to_vec()),
            // ... and the Close, queued after the data, goes last.
            (Opcode::Close, true, b"\x03\xe8bye".to_vec()),
        ]
    );
    assert!(!conn.has_pending_output());
}

#[test]
fn server_controls_overtake_data_at_frame_boundaries_and_close_goes_last() {
    data_control_close_order(Role::Server);
}

#[test]
fn client_controls_are_masked_and_ordered_the_same_way() {
    data_control_close_order(Role::Client);
}

#[test]
fn a_pong_in_flight_is_finished_intact_when_a_newer_ping_arrives() {
    let mut server = Connection::server(Config::default(), NOW);
    let mut ping = client_frame(0x89, b"first ping");
    assert!(server.receive(NOW, &mut ping).unwrap().is_some());
    // Three bytes of the reply go out: the header and one payload byte.
    let t = server.transmit().unwrap();
    let mut wire = t.header.to_vec();
    wire.push(t.payload[0]);
    server.advance_transmit(3);
    // A newer ping replaces the queued reply, but not the one already going out.
    let mut ping = client_frame(0x89, b"second");
    assert!(server.receive(NOW, &mut ping).unwrap().is_some());
    let mut ping = client_frame(0x89, b"third");
    assert!(server.receive(NOW, &mut ping).unwrap().is_some());
    wire.extend(drain_in_steps(&mut server, usize::MAX, |_, _| {}));
    assert_eq!(
        summary(Role::Client, &wire),
        vec![
            (Opcode::Pong, true, b"first ping".to_vec()),
            (Opcode::Pong, true, b"third".to_vec()),
        ]
    );
}

#[test]
fn close_reply_echoes_the_code_after_queued_data() {
    let mut server = Connection::server(Config::default(), NOW);
    server.send_text("still queued").unwrap();
    let mut close = client_frame(0x88, b"\x03\xe9going away");
    assert!(server.receive(NOW, &mut close).unwrap().is_some());
    let wire = drain_in_steps(&mut server, 1, |_, _| {});
    assert_eq!(
        summary(Role::Client, &wire),
        vec![
            (Opcode::Text, true, b"still queued".to_vec()),
            (Opcode::Close, true, b"\x03\xe9".to_vec()),
        ]
    );
    assert!(server.is_finished());
}
