//! Property tests for the connection state machine, on the two-peer harness: random message
//! sequences over random transport splits arrive exactly as sent, and random or corrupted
//! input never panics, never breaks the error and Close rules, and stays within the limits.
#![cfg(feature = "alloc")]

mod harness;

/// Either role of the harness, one type.
type Conn = wscore::Connection<Vec<u8>, harness::Seeded>;

use core::time::Duration;

use harness::{drain, feed, frames, merged, seeded_entropy, Seen};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use wscore::frame::Opcode;
use wscore::{
    Config, Connection, DataKind, Entropy, Event, MessageAssembler, Role, SendError, State,
};

// ---------------------------------------------------------------------------------------
// Regressions found by the `connection` fuzz target
// ---------------------------------------------------------------------------------------

/// A `finish_message` refused because the text ends inside a code point queues nothing, so
/// it must not move the streamed message's UTF-8 state either: the bytes it was refused for
/// never reach the peer, and the next fragment is checked against what was actually queued.
#[test]
fn refused_finish_message_leaves_the_utf8_state_alone() {
    let smile = "\u{1f600}".as_bytes(); // f0 9f 98 80
    let mut client = Connection::client(Config::default(), seeded_entropy(3), Duration::ZERO);
    client.begin_message(DataKind::Text).unwrap();
    client.send_fragment(&smile[..2]).unwrap();
    // Ends inside the code point: refused, nothing queued.
    assert_eq!(
        client.finish_message(&smile[2..3]),
        Err(SendError::InvalidUtf8)
    );
    // What was queued is f0 9f; with 80 it is still a valid prefix...
    client.send_fragment(&smile[3..]).unwrap();
    // ...but f0 9f 80 ends inside a code point, so the message cannot end here (the refused
    // byte 98 must not count as sent).
    assert_eq!(client.finish_message(b""), Err(SendError::InvalidUtf8));
    client.finish_message(&[0x80]).unwrap();
    let mut wire = drain(&mut client);
    let mut server = Connection::server(Config::default(), Duration::ZERO);
    let mut seen = Vec::new();
    feed(&mut server, Duration::ZERO, &mut wire, &mut seen).unwrap();
    assert_eq!(
        merged(&seen),
        vec![Seen::Data {
            text: true,
            payload: "\u{1f000}".as_bytes().to_vec(),
            first: true,
            last: true
        }]
    );
}

/// After `close()` the state is `Closing` and received data is still delivered (RFC 6455
/// 1.4): that includes the rest of a data frame whose header arrived before the Close was
/// queued. Only the peer's Close ends delivery.
#[test]
fn data_keeps_arriving_after_close_even_mid_frame() {
    let now = Duration::ZERO;
    let mut client = Connection::client(Config::default(), seeded_entropy(4), now);
    let mut wire = harness::server_frame(0x81, b"hello");
    let (head, tail) = wire.split_at_mut(4); // the header and "he"
    let mut seen = Vec::new();
    feed(&mut client, now, head, &mut seen).unwrap();
    assert_eq!(seen.len(), 1, "the first piece is delivered while open");
    client
        .close(now, wscore::frame::CloseCode::NORMAL, "")
        .unwrap();
    assert!(matches!(client.state(), State::Closing { .. }));
    feed(&mut client, now, tail, &mut seen).unwrap();
    assert_eq!(
        seen.len(),
        2,
        "the rest of the frame after close(): {seen:?}"
    );
    // The peer's Close still completes the handshake.
    feed(
        &mut client,
        now,
        &mut harness::server_frame(0x88, &[0x03, 0xe8]),
        &mut seen,
    )
    .unwrap();
    assert!(matches!(client.state(), State::Closed(_)));
    assert_eq!(seen.last(), Some(&Seen::Close(1000, String::new())));
}

// ---------------------------------------------------------------------------------------
// Strategies and helpers
// ---------------------------------------------------------------------------------------

/// Code points of every UTF-8 length, for text that splits inside characters.
const CHARS: [char; 8] = [
    'a',
    'z',
    ' ',
    '\u{e9}',
    '\u{7ff}',
    '\u{20ac}',
    '\u{1f600}',
    '\u{10ffff}',
];

/// A cheap deterministic byte generator (so large payloads cost nothing to shrink).
fn bytes_from(seed: u64, len: usize) -> Vec<u8> {
    let mut fill = seeded_entropy(seed);
    let mut out = vec![0u8; len];
    fill.fill(&mut out).unwrap();
    out
}

/// Valid UTF-8 text of about `len` bytes (at most 3 more), mixing 1- to 4-byte code points.
fn text_from(seed: u64, len: usize) -> String {
    let mut fill = seeded_entropy(seed);
    let mut out = String::with_capacity(len + 4);
    let mut pick = [0u8; 1];
    while out.len() < len {
        fill.fill(&mut pick).unwrap();
        out.push(CHARS[usize::from(pick[0]) % CHARS.len()]);
    }
    out
}

fn message_len() -> impl Strategy<Value = usize> {
    prop_oneof![
        6 => 0usize..200,
        3 => 200usize..5000,
        1 => 60_000usize..70_000,
    ]
}

fn control_payload() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => Just(Vec::new()),
        4 => prop::collection::vec(any::<u8>(), 0..=125),
    ]
}

/// One thing the sending application does.
#[derive(Clone, Debug)]
enum Op {
    /// A whole message; `api` picks between `send`, `send_text`/`send_binary`.
    Whole {
        text: bool,
        len: usize,
        seed: u64,
        api: bool,
    },
    /// A streamed message: `cuts` are the `send_fragment` piece sizes (the rest goes to
    /// `finish_message`); a ping may go out after piece `ping.0`.
    Stream {
        text: bool,
        len: usize,
        seed: u64,
        cuts: Vec<usize>,
        ping: Option<(usize, Vec<u8>)>,
    },
    Ping(Vec<u8>),
    Pong(Vec<u8>),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (any::<bool>(), message_len(), any::<u64>(), any::<bool>())
            .prop_map(|(text, len, seed, api)| Op::Whole { text, len, seed, api }),
        3 => (
            any::<bool>(),
            message_len(),
            any::<u64>(),
            prop::collection::vec(prop_oneof![0usize..8, 8usize..3000], 0..8),
            prop::option::of((0usize..8, control_payload())),
        )
            .prop_map(|(text, len, seed, cuts, ping)| Op::Stream { text, len, seed, cuts, ping }),
        1 => control_payload().prop_map(Op::Ping),
        1 => control_payload().prop_map(Op::Pong),
    ]
}

/// How the sender's output is taken: `poll_transmit` with these buffer sizes, or
/// `transmit` + `advance_transmit` writing these fractions (n/255) of each piece.
#[derive(Clone, Debug)]
enum Pump {
    Poll(Vec<usize>),
    Transmit(Vec<u8>),
}

fn pump() -> impl Strategy<Value = Pump> {
    prop_oneof![
        prop::collection::vec(prop_oneof![1usize..16, 16usize..5000], 1..6).prop_map(Pump::Poll),
        prop::collection::vec(any::<u8>(), 1..6).prop_map(Pump::Transmit),
    ]
}

/// Transport piece sizes, cycled: many tiny pieces, some large.
fn splits() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(
        prop_oneof![3 => 1usize..=8, 2 => 9usize..=300, 1 => 301usize..=20_000],
        1..8,
    )
}

/// Takes up to `budget` bytes (at least the rest of the current frame piece it started)
/// from `conn` the way `pump` says.
fn take_output(conn: &mut Conn, pump: &Pump, turn: &mut usize, budget: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut stalls = 0;
    while out.len() < budget {
        *turn += 1;
        match pump {
            Pump::Poll(sizes) => {
                let size = sizes[*turn % sizes.len()].min(budget - out.len());
                let mut buf = vec![0u8; size];
                let n = conn.poll_transmit(&mut buf);
                assert!(n <= size);
                if n == 0 {
                    break;
                }
                out.extend_from_slice(&buf[..n]);
            }
            Pump::Transmit(fractions) => {
                let Some(t) = conn.transmit() else { break };
                assert!(!t.is_empty());
                let mut n = t.len() * usize::from(fractions[*turn % fractions.len()]) / 255;
                if n == 0 {
                    // A write that made no progress: allowed, but not for ever.
                    stalls += 1;
                    if stalls <= 2 {
                        conn.advance_transmit(0);
                        continue;
                    }
                    n = 1;
                }
                stalls = 0;
                let n = n.min(budget - out.len());
                let in_header = t.header.len().min(n);
                out.extend_from_slice(&t.header[..in_header]);
                out.extend_from_slice(&t.payload[..n - in_header]);
                conn.advance_transmit(n);
            }
        }
    }
    out
}

/// A sender, a receiver and the link between them.
struct Link {
    sender: Conn,
    receiver: Conn,
    now: Duration,
    pump: Pump,
    turn: usize,
    splits: Vec<usize>,
    split_turn: usize,
    /// Everything the sender wrote, for inspection.
    wire: Vec<u8>,
    receiver_seen: Vec<Seen>,
    sender_seen: Vec<Seen>,
}

impl Link {
    /// Moves up to `budget` bytes from the sender to the receiver in random pieces, and
    /// everything the receiver answers (its automatic pongs) back to the sender.
    fn carry(&mut self, budget: usize) {
        let mut bytes = take_output(&mut self.sender, &self.pump, &mut self.turn, budget);
        self.wire.extend_from_slice(&bytes);
        let mut rest = &mut bytes[..];
        while !rest.is_empty() {
            self.split_turn += 1;
            let size = self.splits[self.split_turn % self.splits.len()].min(rest.len());
            let (piece, tail) = rest.split_at_mut(size);
            feed(&mut self.receiver, self.now, piece, &mut self.receiver_seen)
                .expect("the receiver accepts what the sender wrote");
            let mut back = drain(&mut self.receiver);
            feed(&mut self.sender, self.now, &mut back, &mut self.sender_seen)
                .expect("the sender accepts the automatic pongs");
            rest = tail;
        }
    }
}

/// What the sender's application asked for, in order.
#[derive(Default)]
struct Expected {
    messages: Vec<(bool, Vec<u8>)>,
    pings: Vec<Vec<u8>>,
    pongs: Vec<Vec<u8>>,
    /// Data frames the messages must be cut into.
    data_frames: usize,
}

fn frames_for(len: usize, max: usize) -> usize {
    len.div_ceil(max.max(1)).max(1)
}

/// Runs `op` on the sender and records what the receiver must see.
fn apply(link: &mut Link, op: &Op, max_frame: usize, expected: &mut Expected) {
    match op {
        Op::Whole {
            text,
            len,
            seed,
            api,
        } => {
            let payload = if *text {
                let s = text_from(*seed, *len);
                if *api {
                    link.sender.send_text(&s).unwrap();
                } else {
                    link.sender.send(DataKind::Text, s.as_bytes()).unwrap();
                }
                s.into_bytes()
            } else {
                let b = bytes_from(*seed, *len);
                if *api {
                    link.sender.send_binary(&b).unwrap();
                } else {
                    link.sender.send(DataKind::Binary, &b).unwrap();
                }
                b
            };
            expected.data_frames += frames_for(payload.len(), max_frame);
            expected.messages.push((*text, payload));
        }
        Op::Stream {
            text,
            len,
            seed,
            cuts,
            ping,
        } => {
            let payload = if *text {
                text_from(*seed, *len).into_bytes()
            } else {
                bytes_from(*seed, *len)
            };
            let kind = if *text {
                DataKind::Text
            } else {
                DataKind::Binary
            };
            link.sender.begin_message(kind).unwrap();
            let mut at = 0;
            for (i, cut) in cuts.iter().enumerate() {
                let end = (at + cut).min(payload.len());
                // Text pieces may end inside a code point.
                link.sender.send_fragment(&payload[at..end]).unwrap();
                if end > at {
                    expected.data_frames += frames_for(end - at, max_frame);
                }
                at = end;
                if let Some((after, p)) = ping {
                    if *after == i {
                        control(link, true, p);
                        expected.pings.push(p.clone());
                    }
                }
            }
            link.sender.finish_message(&payload[at..]).unwrap();
            expected.data_frames += frames_for(payload.len() - at, max_frame);
            expected.messages.push((*text, payload));
        }
        Op::Ping(p) => {
            control(link, true, p);
            expected.pings.push(p.clone());
        }
        Op::Pong(p) => {
            control(link, false, p);
            expected.pongs.push(p.clone());
        }
    }
}

/// Queues a ping (or pong); when `MAX_URGENT` already wait, writes the queue out first and
/// retries, as an application does on `ControlQueueFull`.
fn control(link: &mut Link, ping: bool, payload: &[u8]) {
    let queue = |c: &mut Conn| {
        if ping {
            c.ping(payload)
        } else {
            c.pong(payload)
        }
    };
    match queue(&mut link.sender) {
        Err(SendError::ControlQueueFull) => {
            link.carry(usize::MAX);
            queue(&mut link.sender).unwrap();
        }
        other => other.unwrap(),
    }
}

// ---------------------------------------------------------------------------------------
// What the receiver reports equals what the sender sent
// ---------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn messages_arrive_as_sent_over_any_transport(
        client_sends in any::<bool>(),
        ops in prop::collection::vec(op(), 1..10),
        max_send in prop_oneof![
            2 => 1usize..=16,
            3 => 17usize..=4096,
            1 => Just(Config::default().max_send_frame_payload),
        ],
        pump in pump(),
        splits in splits(),
        budgets in prop::collection::vec(prop_oneof![0usize..100, 100usize..100_000], 1..5),
        seed in any::<u64>(),
    ) {
        let now = Duration::from_secs(5);
        let mut config = Config::default();
        config.max_send_frame_payload = max_send;
        let client = Connection::new(Role::Client, config.clone(), Vec::new(), seeded_entropy(seed), now);
        let server = Connection::new(Role::Server, config, Vec::new(), seeded_entropy(seed), now);
        let (sender, receiver, sender_role) = if client_sends {
            (client, server, Role::Client)
        } else {
            (server, client, Role::Server)
        };
        let mut link = Link {
            sender,
            receiver,
            now,
            pump,
            turn: 0,
            splits,
            split_turn: 0,
            wire: Vec::new(),
            receiver_seen: Vec::new(),
            sender_seen: Vec::new(),
        };
        let mut expected = Expected::default();
        for (i, op) in ops.iter().enumerate() {
            apply(&mut link, op, max_send, &mut expected);
            // Transmit part of the queue now and then, so sends and writes interleave.
            link.carry(budgets[i % budgets.len()]);
        }
        link.carry(usize::MAX);
        prop_assert!(!link.sender.has_pending_output());
        prop_assert_eq!(link.sender.queued_bytes(), 0);

        // The receiver saw exactly the messages, in order, and the control frames, in order.
        let seen = merged(&link.receiver_seen);
        let mut messages = Vec::new();
        let mut pings = Vec::new();
        let mut pongs = Vec::new();
        for s in seen {
            match s {
                Seen::Data { text, payload, .. } => messages.push((text, payload)),
                Seen::Ping(p) => pings.push(p),
                Seen::Pong(p) => pongs.push(p),
                Seen::Close(..) => prop_assert!(false, "unexpected Close"),
            }
        }
        prop_assert!(messages == expected.messages, "messages differ");
        prop_assert_eq!(&pings, &expected.pings);
        prop_assert_eq!(&pongs, &expected.pongs);

        // Automatic pongs came back to the pinger: each answers one of its pings, in order
        // (an unanswered ping may be superseded by a later one), and the last ping is
        // always answered.
        let mut answered = expected.pings.iter();
        for s in &link.sender_seen {
            let Seen::Pong(p) = s else {
                return Err(TestCaseError::fail(format!("sender saw {s:?}")));
            };
            prop_assert!(answered.any(|ping| ping == p), "pong {:?} answers no ping", p);
        }
        if let Some(last) = expected.pings.last() {
            let pong = Seen::Pong(last.clone());
            prop_assert_eq!(link.sender_seen.last(), Some(&pong));
        }

        // On the wire: client frames masked with a non-zero key, server frames never;
        // messages cut into frames of at most `max_send_frame_payload`.
        let on_wire = frames(sender_role.peer(), &link.wire);
        let mut data_frames = 0;
        for (header, payload) in &on_wire {
            match sender_role {
                Role::Client => prop_assert!(header.mask.is_some_and(|k| k != [0; 4])),
                Role::Server => prop_assert!(header.mask.is_none()),
            }
            if !header.opcode.is_control() {
                data_frames += 1;
                prop_assert!(payload.len() <= max_send);
            }
        }
        prop_assert_eq!(data_frames, expected.data_frames);
        prop_assert_eq!(
            on_wire.len() - data_frames,
            expected.pings.len() + expected.pongs.len()
        );
    }
}

// ---------------------------------------------------------------------------------------
// Garbage in: no panic, sticky errors, one Close last, bounded memory
// ---------------------------------------------------------------------------------------

fn small_limits() -> Config {
    let mut config = Config::default();
    config.max_message_size = 1000;
    config.max_frame_payload = 500;
    config.max_fragments = 8;
    config.max_queued_bytes = 4096;
    config.max_send_frame_payload = 300;
    config
}

/// One frame as the connection under test would receive it: `b0` is the first byte as is
/// (FIN, RSV, opcode), masked when the receiver is a server.
fn encode_for(receiver: Role, b0: u8, payload: &[u8], key: [u8; 4]) -> Vec<u8> {
    let mask = receiver == Role::Server;
    let bit = if mask { 0x80 } else { 0 };
    let mut out = vec![b0];
    match payload.len() {
        n @ 0..=125 => out.push(bit | n as u8),
        n @ 126..=0xffff => {
            out.push(bit | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(bit | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    if mask {
        out.extend_from_slice(&key);
    }
    out.extend(
        payload
            .iter()
            .enumerate()
            .map(|(i, b)| if mask { b ^ key[i % 4] } else { *b }),
    );
    out
}

/// Frames as `(first byte, payload)`: a whole message cut into fragments (text cut at any
/// byte), a ping or pong, a Close (with codes valid or not), or one arbitrary frame.
fn frame_group() -> impl Strategy<Value = Vec<(u8, Vec<u8>)>> {
    let message = (
        any::<bool>(),
        prop_oneof![3 => 0usize..400, 1 => 400usize..1200],
        any::<u64>(),
        prop::collection::vec(0usize..300, 0..10),
    )
        .prop_map(|(text, len, seed, cuts)| {
            let payload = if text {
                text_from(seed, len).into_bytes()
            } else {
                bytes_from(seed, len)
            };
            let mut pieces = Vec::new();
            let mut at = 0;
            for cut in cuts {
                let end = (at + cut).min(payload.len());
                pieces.push(payload[at..end].to_vec());
                at = end;
            }
            pieces.push(payload[at..].to_vec());
            let last = pieces.len() - 1;
            pieces
                .into_iter()
                .enumerate()
                .map(|(i, piece)| {
                    let opcode = match (i, text) {
                        (0, true) => 0x1,
                        (0, false) => 0x2,
                        _ => 0x0,
                    };
                    let fin = if i == last { 0x80 } else { 0 };
                    (fin | opcode, piece)
                })
                .collect::<Vec<_>>()
        });
    let control = (
        prop::sample::select(vec![0x89u8, 0x8a]),
        prop::collection::vec(any::<u8>(), 0..=125),
    )
        .prop_map(|(b0, payload)| vec![(b0, payload)]);
    let close = (
        prop::sample::select(vec![
            1000u16, 1001, 1005, 1006, 1011, 2000, 3000, 4999, 5000,
        ]),
        "[a-z\u{e9}]{0,10}",
        any::<bool>(),
    )
        .prop_map(|(code, reason, empty)| {
            let payload = if empty {
                Vec::new()
            } else {
                [&code.to_be_bytes()[..], reason.as_bytes()].concat()
            };
            vec![(0x88, payload)]
        });
    let odd = (any::<u8>(), prop::collection::vec(any::<u8>(), 0..200))
        .prop_map(|(b0, payload)| vec![(b0, payload)]);
    prop_oneof![6 => message, 3 => control, 1 => close, 1 => odd]
}

/// A byte stream to feed: random bytes, or valid-looking frames with a few bytes flipped.
fn hostile_input(receiver: Role) -> impl Strategy<Value = Vec<u8>> {
    let flips = prop_oneof![
        Just(Vec::new()),
        prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..4),
    ];
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..3000),
        3 => (prop::collection::vec(frame_group(), 1..8), any::<[u8; 4]>(), flips).prop_map(
            move |(groups, key, flips)| {
                let mut wire: Vec<u8> = groups
                    .iter()
                    .flatten()
                    .flat_map(|(b0, payload)| encode_for(receiver, *b0, payload, key))
                    .collect();
                if !wire.is_empty() {
                    for (at, xor) in flips {
                        let i = at.index(wire.len());
                        wire[i] ^= xor;
                    }
                }
                wire
            }
        ),
    ]
}

/// Feeds `input` to a fresh connection with small limits, in pieces, optionally echoing every
/// whole message back and draining only now and then, and checks every rule on the way.
fn survive(role: Role, input: &mut [u8], splits: &[usize], echo: bool, drain_every: usize) {
    let config = small_limits();
    let now = Duration::from_secs(1);
    let mut conn = Connection::new(role, config.clone(), Vec::new(), seeded_entropy(9), now);
    let mut assembler = MessageAssembler::new();
    let mut sticky = None;
    let mut peer_close = None;
    let mut largest_echo = 0;
    let mut wire = Vec::new();
    let mut rest_of_input = input;
    let mut turn = 0;
    while !rest_of_input.is_empty() {
        let size = splits[turn % splits.len()].min(rest_of_input.len());
        turn += 1;
        let (piece, tail) = rest_of_input.split_at_mut(size);
        rest_of_input = tail;
        let mut input = piece;
        loop {
            match conn.receive(now, input) {
                Ok(None) => break,
                Ok(Some((event, rest))) => {
                    assert_eq!(sticky, None, "an event after an error");
                    assert_eq!(peer_close, None, "an event after the peer's Close");
                    match event {
                        Event::Data(data) => {
                            let message = assembler.push(data).expect("only valid text");
                            if let (Some(message), true) = (message, echo) {
                                let len = message.as_bytes().len();
                                if conn.send(message.kind(), message.as_bytes()).is_ok() {
                                    largest_echo = largest_echo.max(len);
                                }
                            }
                            assert!(assembler.pending_len() as u64 <= config.max_message_size);
                        }
                        Event::Close(close) => peer_close = Some(close.code().as_u16()),
                        Event::Ping(p) | Event::Pong(p) => assert!(p.len() <= 125),
                        Event::Decoded(_) => panic!("decoded data without an extension"),
                    }
                    if peer_close.is_some() {
                        assert!(matches!(conn.state(), State::Closed(_)));
                    }
                    input = rest;
                }
                Err(e) => {
                    if let Some(first) = sticky {
                        assert_eq!(e, first, "the error changed");
                    }
                    sticky = Some(e);
                    assert!(matches!(conn.state(), State::Closed(_)));
                    assert_eq!(conn.error(), Some(e));
                    break;
                }
            }
        }
        assert!(
            conn.queued_bytes() <= config.max_queued_bytes + largest_echo,
            "the send queue outgrew its cap"
        );
        if turn % drain_every == 0 {
            wire.extend_from_slice(&drain(&mut conn));
        }
    }
    wire.extend_from_slice(&drain(&mut conn));
    if let Some(e) = sticky {
        assert_eq!(conn.receive(now, &mut []).unwrap_err(), e);
        assert_eq!(
            conn.receive(now, &mut [0x81, 0x80, 0, 0, 0, 0])
                .unwrap_err(),
            e
        );
        assert_eq!(conn.send_binary(b"x"), Err(SendError::Failed(e)));
    }

    // The output: well-formed frames for the role, at most one Close, and only last.
    let sent = frames(role.peer(), &wire);
    for (header, _) in &sent {
        assert_eq!(header.mask.is_some(), role == Role::Client);
    }
    let closes: Vec<usize> = sent
        .iter()
        .enumerate()
        .filter(|(_, (h, _))| h.opcode == Opcode::Close)
        .map(|(i, _)| i)
        .collect();
    assert!(closes.len() <= 1, "more than one Close sent");
    let close_code = closes.first().map(|&i| {
        assert_eq!(i, sent.len() - 1, "a frame after the Close");
        let payload = &sent[i].1;
        u16::from_be_bytes([payload[0], payload[1]])
    });
    match (sticky, peer_close) {
        (Some(e), _) => assert_eq!(close_code, Some(e.close_code().as_u16())),
        (None, Some(1005)) => assert_eq!(close_code, Some(1000)),
        (None, Some(code)) => assert_eq!(close_code, Some(code)),
        (None, None) => {
            assert_eq!(close_code, None);
            assert_eq!(conn.state(), State::Open);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn hostile_input_to_a_server_is_survived(
        mut input in hostile_input(Role::Server),
        splits in splits(),
        echo in any::<bool>(),
        drain_every in 1usize..6,
    ) {
        survive(Role::Server, &mut input, &splits, echo, drain_every);
    }

    #[test]
    fn hostile_input_to_a_client_is_survived(
        mut input in hostile_input(Role::Client),
        splits in splits(),
        echo in any::<bool>(),
        drain_every in 1usize..6,
    ) {
        survive(Role::Client, &mut input, &splits, echo, drain_every);
    }
}
