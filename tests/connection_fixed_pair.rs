//! The two-peer scenarios over `FixedBuffer` send queues (caller-provided arrays, no `Vec`
//! in either connection), so that the core-only job (`--no-default-features`) runs the
//! connection end to end: messages both ways, fragmentation, ping/pong, the closing handshake
//! from either side and at once, the close timeout, protocol errors with their close codes,
//! and a full queue. With `alloc`, every scenario that does not depend on the buffer's size
//! also runs over `Vec` send queues (`vec_buffers`). The test code keeps its own records in
//! `std` collections; only the library is built without an allocator.

mod harness;

use core::time::Duration;

use harness::{drain, feed, frames, merged, server_frame, Pair, Seen};
use wscore::frame::{CloseCode, Opcode};
use wscore::{
    Closure, Config, Connection, ConnectionError, DataKind, FixedBuffer, Role, SendBuffer,
    SendError, State,
};

/// Each peer's send queue in the fixed-buffer runs.
const MEM: usize = 8192;

fn text(payload: &str) -> Seen {
    Seen::Data {
        text: true,
        payload: payload.as_bytes().to_vec(),
        first: true,
        last: true,
    }
}

fn binary(payload: &[u8]) -> Seen {
    Seen::Data {
        text: false,
        payload: payload.to_vec(),
        first: true,
        last: true,
    }
}

fn close_codes(wire: &[u8], receiver: Role) -> Vec<u16> {
    frames(receiver, wire)
        .into_iter()
        .filter(|(h, _)| h.opcode == Opcode::Close)
        .map(|(_, p)| u16::from_be_bytes([p[0], p[1]]))
        .collect()
}

fn clean(sent: u16, received: u16) -> State {
    State::Closed(Closure::Clean {
        sent: CloseCode::new(sent),
        received: CloseCode::new(received),
    })
}

/// Runs a scenario over fixed buffers (always) and over `Vec`s (with `alloc`).
macro_rules! on_both_buffers {
    ($scenario:ident, $client:expr, $server:expr) => {
        mod $scenario {
            use super::*;

            #[test]
            fn fixed_buffers() {
                let (mut client_mem, mut server_mem) = ([0u8; MEM], [0u8; MEM]);
                let mut pair = Pair::fixed(&mut client_mem, &mut server_mem, $client, $server, 11);
                super::$scenario(&mut pair);
            }

            #[cfg(feature = "alloc")]
            #[test]
            fn vec_buffers() {
                let mut pair = Pair::with_configs($client, $server, 11);
                super::$scenario(&mut pair);
            }
        }
    };
}

// ---------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------

on_both_buffers!(
    messages_cross_both_ways,
    Config::default(),
    Config::default()
);
fn messages_cross_both_ways<CB: SendBuffer, SB: SendBuffer>(pair: &mut Pair<CB, SB>) {
    let long: Vec<u8> = (0..3000u32).map(|i| (i * 7 + 1) as u8).collect();
    pair.client.send_text("hello server").unwrap();
    pair.client.send_binary(&[1, 2, 3]).unwrap();
    pair.client.send_binary(&long).unwrap();
    let wire = pair.client_to_server(7);
    let sent = frames(Role::Server, &wire);
    assert_eq!(sent.len(), 3);
    assert!(sent
        .iter()
        .all(|(h, _)| h.mask.is_some_and(|k| k != [0; 4])));
    assert_eq!(
        merged(&pair.server_seen),
        vec![text("hello server"), binary(&[1, 2, 3]), binary(&long)]
    );

    pair.server.send_text("hello client").unwrap();
    pair.server.send(DataKind::Binary, &long).unwrap();
    let wire = pair.server_to_client(1000);
    assert!(frames(Role::Client, &wire)
        .iter()
        .all(|(h, _)| h.mask.is_none()));
    assert_eq!(
        merged(&pair.client_seen),
        vec![text("hello client"), binary(&long)]
    );
    assert_eq!(
        (pair.client.queued_bytes(), pair.server.queued_bytes()),
        (0, 0)
    );
    assert_eq!(pair.client.state(), State::Open);
    assert_eq!(pair.server.state(), State::Open);
}

on_both_buffers!(
    whole_messages_are_fragmented_at_the_frame_size,
    Config::default().max_send_frame_payload(10),
    Config::default()
);
fn whole_messages_are_fragmented_at_the_frame_size<CB: SendBuffer, SB: SendBuffer>(
    pair: &mut Pair<CB, SB>,
) {
    let payload: Vec<u8> = (0..95u8).collect();
    pair.client.send_binary(&payload).unwrap();
    let wire = pair.client_to_server(usize::MAX);
    let sent = frames(Role::Server, &wire);
    assert_eq!(sent.len(), 10, "95 bytes in frames of at most 10");
    assert_eq!(sent[0].0.opcode, Opcode::Binary);
    assert!(sent[1..]
        .iter()
        .all(|(h, _)| h.opcode == Opcode::Continuation));
    assert!(sent[..9].iter().all(|(h, p)| !h.fin && p.len() == 10));
    assert!(sent[9].0.fin);
    assert_eq!(merged(&pair.server_seen), vec![binary(&payload)]);
}

on_both_buffers!(
    streamed_messages_arrive_in_pieces,
    Config::default(),
    Config::default()
);
fn streamed_messages_arrive_in_pieces<CB: SendBuffer, SB: SendBuffer>(pair: &mut Pair<CB, SB>) {
    let message = "h\u{e9}llo \u{1f600}!";
    let bytes = message.as_bytes();
    // Cut inside the two-byte and the four-byte code points.
    pair.server.begin_message(DataKind::Text).unwrap();
    pair.server.send_fragment(&bytes[..2]).unwrap();
    pair.server.send_fragment(&bytes[2..8]).unwrap();
    assert_eq!(
        pair.server.send_text("x"),
        Err(SendError::MessageInProgress)
    );
    // A ping may go out between the fragments.
    pair.server.ping(b"mid").unwrap();
    pair.server.finish_message(&bytes[8..]).unwrap();
    pair.server_to_client(3);
    let seen = merged(&pair.client_seen);
    assert_eq!(seen, vec![Seen::Ping(b"mid".to_vec()), text(message)]);
    assert!(pair.client_seen.len() > 2, "the message came in pieces");
    // The automatic pong came back.
    pair.client_to_server(usize::MAX);
    assert_eq!(pair.server_seen, vec![Seen::Pong(b"mid".to_vec())]);
}

// ---------------------------------------------------------------------------------------
// Ping and pong
// ---------------------------------------------------------------------------------------

on_both_buffers!(
    pings_are_answered_and_pongs_reported,
    Config::default(),
    Config::default()
);
fn pings_are_answered_and_pongs_reported<CB: SendBuffer, SB: SendBuffer>(pair: &mut Pair<CB, SB>) {
    pair.client.ping(b"hb").unwrap();
    pair.client.ping(&[7u8; 125]).unwrap();
    assert_eq!(
        pair.client.ping(&[0u8; 126]),
        Err(SendError::ControlTooLong(126))
    );
    pair.client_to_server(1);
    assert_eq!(
        pair.server_seen,
        vec![Seen::Ping(b"hb".to_vec()), Seen::Ping(vec![7; 125])]
    );
    // Both arrived before the server transmitted: the automatic pong is one slot, so only
    // the latest is answered (RFC 6455 5.5.3).
    pair.server_to_client(usize::MAX);
    assert_eq!(pair.client_seen, vec![Seen::Pong(vec![7; 125])]);
    // An unsolicited pong is reported and not answered.
    pair.server.pong(b"u").unwrap();
    pair.settle();
    assert_eq!(pair.client_seen.last(), Some(&Seen::Pong(b"u".to_vec())));
    assert_eq!(pair.server_seen.len(), 2);
}

// ---------------------------------------------------------------------------------------
// The closing handshake
// ---------------------------------------------------------------------------------------

on_both_buffers!(close_from_the_client, Config::default(), Config::default());
fn close_from_the_client<CB: SendBuffer, SB: SendBuffer>(pair: &mut Pair<CB, SB>) {
    pair.client
        .close(pair.now, CloseCode::GOING_AWAY, "bye")
        .unwrap();
    assert_eq!(
        pair.client.state(),
        State::Closing {
            sent: CloseCode::GOING_AWAY
        }
    );
    assert_eq!(pair.client.send_text("late"), Err(SendError::Closing));
    pair.client_to_server(usize::MAX);
    assert_eq!(pair.server_seen, vec![Seen::Close(1001, "bye".into())]);
    assert_eq!(pair.server.state(), clean(1001, 1001));
    assert!(!pair.server.is_finished(), "the echo must be flushed first");
    let echo = pair.server_to_client(usize::MAX);
    assert_eq!(close_codes(&echo, Role::Client), [1001]);
    assert!(
        pair.server.is_finished(),
        "the server closes the transport first"
    );
    assert_eq!(pair.client_seen, vec![Seen::Close(1001, String::new())]);
    assert_eq!(pair.client.state(), clean(1001, 1001));
    assert!(
        !pair.client.is_finished(),
        "the client waits for the server's EOF"
    );
    assert_eq!(pair.client.handle_eof(), Ok(()));
    assert!(pair.client.is_finished());
}

on_both_buffers!(close_from_the_server, Config::default(), Config::default());
fn close_from_the_server<CB: SendBuffer, SB: SendBuffer>(pair: &mut Pair<CB, SB>) {
    pair.server
        .close(pair.now, CloseCode::new(4000), "done")
        .unwrap();
    let wire = pair.server_to_client(2);
    assert_eq!(close_codes(&wire, Role::Client), [4000]);
    assert_eq!(pair.client_seen, vec![Seen::Close(4000, "done".into())]);
    let echo = pair.client_to_server(usize::MAX);
    assert_eq!(close_codes(&echo, Role::Server), [4000]);
    assert_eq!(pair.server.state(), clean(4000, 4000));
    assert_eq!(pair.client.state(), clean(4000, 4000));
    assert!(pair.server.is_finished());
    // The server never closes the transport: the client gives up after close_timeout.
    assert!(!pair.client.is_finished());
    let deadline = pair.client.poll_timeout().expect("the close wait is armed");
    assert_eq!(deadline, pair.now + Config::default().close_timeout);
    pair.client
        .handle_timeout(deadline - Duration::from_millis(1));
    assert!(!pair.client.is_finished(), "not before the deadline");
    pair.client.handle_timeout(deadline);
    assert!(pair.client.is_finished());
    assert_eq!(
        pair.client.state(),
        clean(4000, 4000),
        "still a clean close"
    );
}

on_both_buffers!(simultaneous_close, Config::default(), Config::default());
fn simultaneous_close<CB: SendBuffer, SB: SendBuffer>(pair: &mut Pair<CB, SB>) {
    pair.client.close(pair.now, CloseCode::NORMAL, "c").unwrap();
    pair.server
        .close(pair.now, CloseCode::new(3001), "s")
        .unwrap();
    let from_client = pair.client_to_server(usize::MAX);
    let from_server = pair.server_to_client(usize::MAX);
    assert_eq!(close_codes(&from_client, Role::Server), [1000]);
    assert_eq!(close_codes(&from_server, Role::Client), [3001]);
    pair.settle();
    assert_eq!(pair.client.state(), clean(1000, 3001));
    assert_eq!(pair.server.state(), clean(3001, 1000));
    assert_eq!(pair.server_seen, vec![Seen::Close(1000, "c".into())]);
    assert_eq!(pair.client_seen, vec![Seen::Close(3001, "s".into())]);
}

on_both_buffers!(
    an_unanswered_close_times_out,
    Config::default().close_timeout(Duration::from_secs(2)),
    Config::default()
);
fn an_unanswered_close_times_out<CB: SendBuffer, SB: SendBuffer>(pair: &mut Pair<CB, SB>) {
    pair.client.close(pair.now, CloseCode::NORMAL, "").unwrap();
    drain(&mut pair.client); // lost on the way
    pair.advance(Duration::from_millis(1999));
    assert!(!pair.client.is_finished());
    pair.advance(Duration::from_millis(1));
    assert_eq!(
        pair.client.state(),
        State::Closed(Closure::Failed(ConnectionError::CloseTimeout))
    );
    assert!(pair.client.is_finished());
    assert_eq!(pair.server.state(), State::Open);
}

on_both_buffers!(
    data_sent_before_the_close_arrives_is_delivered,
    Config::default(),
    Config::default()
);
fn data_sent_before_the_close_arrives_is_delivered<CB: SendBuffer, SB: SendBuffer>(
    pair: &mut Pair<CB, SB>,
) {
    pair.client.close(pair.now, CloseCode::NORMAL, "").unwrap();
    // The server writes before it reads the client's Close.
    pair.server.send_text("one").unwrap();
    pair.server.send_binary(&[2; 300]).unwrap();
    pair.server_to_client(5);
    assert_eq!(
        merged(&pair.client_seen),
        vec![text("one"), binary(&[2; 300])]
    );
    pair.settle();
    assert_eq!(
        pair.client_seen.last(),
        Some(&Seen::Close(1000, String::new()))
    );
    assert_eq!(pair.client.state(), clean(1000, 1000));
}

// ---------------------------------------------------------------------------------------
// Protocol errors
// ---------------------------------------------------------------------------------------

/// Feeds `input` to `conn`; it must fail with `code`, send exactly one Close with that code,
/// and stay failed.
fn fails_with<B: SendBuffer, R: wscore::Entropy>(
    mut conn: Connection<B, R>,
    input: &[u8],
    code: u16,
) {
    let mut input = input.to_vec();
    let mut seen = Vec::new();
    let error = feed(&mut conn, Duration::ZERO, &mut input, &mut seen).unwrap_err();
    assert_eq!(error.close_code().as_u16(), code, "{error:?}");
    assert_eq!(conn.state(), State::Closed(Closure::Failed(error)));
    let wire = drain(&mut conn);
    assert_eq!(close_codes(&wire, conn.role().peer()), [code]);
    assert_eq!(conn.send_text("x"), Err(SendError::Failed(error)));
    assert_eq!(conn.receive(Duration::ZERO, &mut []).unwrap_err(), error);
}

fn small() -> Config {
    Config::default()
        .max_frame_payload(100)
        .max_message_size(150)
        .max_fragments(2)
}

/// A masked frame with first byte `b0`, built by hand (so reserved opcodes, RSV bits and
/// oversized control frames can be written).
fn masked(b0: u8, payload: &[u8]) -> Vec<u8> {
    let key = [0x0f, 0x1e, 0x2d, 0x3c];
    let mut out = vec![b0];
    match payload.len() {
        n @ 0..=125 => out.push(0x80 | n as u8),
        n => {
            out.push(0x80 | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
    }
    out.extend_from_slice(&key);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    out
}

/// Input a server must refuse, with the close code it owes.
fn server_refusals() -> Vec<(Vec<u8>, u16)> {
    vec![
        // An unmasked frame from a client (5.1).
        (server_frame(0x81, b"hi"), 1002),
        // Invalid UTF-8 in a text message (8.1).
        (masked(0x81, &[b'a', 0xff]), 1007),
        // A frame over max_frame_payload, from its header alone.
        (masked(0x82, &[0; 101]), 1009),
        // A message over max_message_size across two frames.
        (
            [masked(0x02, &[0; 80]), masked(0x80, &[0; 80])].concat(),
            1009,
        ),
        // More fragments than max_fragments.
        (
            [masked(0x02, b"a"), masked(0x00, b"b"), masked(0x80, b"c")].concat(),
            1008,
        ),
        // A continuation with no message started, a new message inside one.
        (masked(0x80, b"x"), 1002),
        ([masked(0x01, b"a"), masked(0x81, b"b")].concat(), 1002),
        // A reserved opcode, RSV bits with no extension, a fragmented or long control frame.
        (masked(0x83, b""), 1002),
        (masked(0xc1, b"a"), 1002),
        (masked(0x09, b""), 1002),
        (masked(0x89, &[0; 126]), 1002),
        // Close codes that may not be on the wire, and a one-byte Close.
        (masked(0x88, &1005u16.to_be_bytes()), 1002),
        (masked(0x88, &2000u16.to_be_bytes()), 1002),
        (masked(0x88, &[3]), 1002),
        // A Close reason that is not UTF-8.
        (masked(0x88, &[0x03, 0xe8, 0xc3]), 1007),
    ]
}

#[test]
fn protocol_errors_close_with_their_codes_fixed_buffers() {
    for (input, code) in server_refusals() {
        let mut mem = [0u8; 256];
        let server = Connection::server_in(small(), FixedBuffer::new(&mut mem), Duration::ZERO);
        fails_with(server, &input, code);
    }
    // A masked frame from a server (5.1).
    let mut mem = [0u8; 256];
    let client = Connection::client_in(
        small(),
        FixedBuffer::new(&mut mem),
        harness::seeded_entropy(1),
        Duration::ZERO,
    );
    fails_with(client, &masked(0x81, b"hi"), 1002);
}

#[cfg(feature = "alloc")]
#[test]
fn protocol_errors_close_with_their_codes_vec_buffers() {
    for (input, code) in server_refusals() {
        fails_with(Connection::server(small(), Duration::ZERO), &input, code);
    }
    let client = Connection::client(small(), harness::seeded_entropy(1), Duration::ZERO);
    fails_with(client, &masked(0x81, b"hi"), 1002);
}

// ---------------------------------------------------------------------------------------
// A full queue
// ---------------------------------------------------------------------------------------

#[test]
fn a_full_fixed_buffer_refuses_then_takes_messages_again() {
    let (mut client_mem, mut server_mem) = ([0u8; 100], [0u8; 128]);
    let mut pair = Pair::fixed(
        &mut client_mem,
        &mut server_mem,
        Config::default(),
        Config::default(),
        5,
    );
    // 2 + 4 (mask) + 60 = 66 of 100 bytes: a second one does not fit now.
    pair.client.send_binary(&[1; 60]).unwrap();
    assert_eq!(
        pair.client.send_binary(&[2; 60]),
        Err(SendError::MessageQueueFull)
    );
    // One that can never fit: 4 + 4 + 200 bytes in a 100-byte buffer.
    assert_eq!(
        pair.client.send_binary(&[3; 200]),
        Err(SendError::TooLargeForBuffer {
            needed: 208,
            capacity: 100
        })
    );
    assert_eq!(pair.client.queued_bytes(), 66);
    pair.client_to_server(usize::MAX);
    // Transmitted: the same message fits again.
    pair.client.send_binary(&[2; 60]).unwrap();
    pair.client_to_server(usize::MAX);
    assert_eq!(
        merged(&pair.server_seen),
        vec![binary(&[1; 60]), binary(&[2; 60])]
    );
    // The server's buffer holds exactly 126 payload bytes in one frame (2 + 126 = 128).
    pair.server.send_binary(&[4; 124]).unwrap();
    assert_eq!(
        pair.server.send_binary(&[0]),
        Err(SendError::MessageQueueFull)
    );
    pair.server_to_client(usize::MAX);
    pair.server.send_binary(&[5; 126]).unwrap_err(); // 4 + 126 > 128
    pair.server.send_binary(&[5; 125]).unwrap(); // 2 + 125 fits
                                                 // A Close always fits, even with the buffer in use.
    pair.server
        .close(pair.now, CloseCode::NORMAL, "full")
        .unwrap();
    pair.settle();
    assert_eq!(
        merged(&pair.client_seen),
        vec![
            binary(&[4; 124]),
            binary(&[5; 125]),
            Seen::Close(1000, "full".into())
        ]
    );
    assert_eq!(pair.server.state(), clean(1000, 1000));
}

#[cfg(feature = "alloc")]
#[test]
fn a_full_vec_queue_refuses_then_takes_messages_again() {
    let mut pair = Pair::with_configs(Config::default().max_queued_bytes(64), Config::default(), 5);
    pair.client.send_binary(&[1; 60]).unwrap();
    // 66 bytes wait, at or over the cap of 64: refused until transmitted.
    assert_eq!(
        pair.client.send_binary(&[2; 60]),
        Err(SendError::MessageQueueFull)
    );
    pair.client_to_server(usize::MAX);
    pair.client.send_binary(&[2; 60]).unwrap();
    pair.client_to_server(usize::MAX);
    assert_eq!(
        merged(&pair.server_seen),
        vec![binary(&[1; 60]), binary(&[2; 60])]
    );
}

/// Moves at most `budget` bytes of each peer's output to the other (one `poll_transmit`
/// each), so a queue is often left with a sent prefix and unsent frames after it.
fn exchange_some<CB: SendBuffer, SB: SendBuffer>(pair: &mut Pair<CB, SB>, budget: usize) {
    let mut buf = vec![0u8; budget];
    let n = pair.client.poll_transmit(&mut buf);
    feed(
        &mut pair.server,
        pair.now,
        &mut buf[..n],
        &mut pair.server_seen,
    )
    .unwrap();
    let n = pair.server.poll_transmit(&mut buf);
    feed(
        &mut pair.client,
        pair.now,
        &mut buf[..n],
        &mut pair.client_seen,
    )
    .unwrap();
}

/// Two hundred messages each way, each side sending until its queue refuses and then
/// transmitting only part of it: the queue keeps moving its unsent frames to the front
/// (`drain_front`) and reusing the space, and nothing is lost or reordered.
fn many_messages_through_a_small_queue<CB: SendBuffer, SB: SendBuffer>(pair: &mut Pair<CB, SB>) {
    let message =
        |i: usize| -> Vec<u8> { (0..(i * 37) % 250).map(|j| (i * 3 + j) as u8).collect() };
    let mut expected = Vec::new();
    let (mut to_client, mut to_server) = (0, 0);
    let mut refusals = 0;
    let mut turn = 0;
    while to_client < 200 || to_server < 200 {
        turn += 1;
        assert!(turn < 10_000, "no progress");
        if to_server < 200 {
            match pair.client.send_binary(&message(to_server)) {
                Ok(()) => to_server += 1,
                Err(SendError::MessageQueueFull) => refusals += 1,
                Err(e) => panic!("client: {e:?}"),
            }
        }
        if to_client < 200 {
            match pair.server.send_binary(&message(to_client)) {
                Ok(()) => to_client += 1,
                Err(SendError::MessageQueueFull) => refusals += 1,
                Err(e) => panic!("server: {e:?}"),
            }
        }
        if turn % 3 == 0 {
            exchange_some(pair, 50 + (turn * 71) % 300);
        }
    }
    pair.settle();
    assert!(refusals > 10, "the queue never filled ({refusals})");
    for i in 0..200 {
        expected.push(binary(&message(i)));
    }
    assert_eq!(merged(&pair.server_seen), expected);
    assert_eq!(merged(&pair.client_seen), expected);
}

#[test]
fn many_messages_through_a_small_fixed_buffer() {
    let (mut client_mem, mut server_mem) = ([0u8; 600], [0u8; 520]);
    let mut pair = Pair::fixed(
        &mut client_mem,
        &mut server_mem,
        Config::default(),
        Config::default(),
        3,
    );
    many_messages_through_a_small_queue(&mut pair);
}

#[cfg(feature = "alloc")]
#[test]
fn many_messages_through_a_small_vec_queue() {
    let config = Config::default().max_queued_bytes(300);
    let mut pair = Pair::with_configs(config.clone(), config, 3);
    many_messages_through_a_small_queue(&mut pair);
}
