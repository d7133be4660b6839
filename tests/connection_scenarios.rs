//! Scenario tests for the connection state machine, on the two-peer harness.
#![cfg(feature = "alloc")]

mod harness;

use core::time::Duration;

use harness::{client_frame, drain, feed, frames, merged, server_frame, Pair, Seen};
use wscore::frame::{CloseCode, Opcode};
use wscore::{
    Closure, Config, Connection, ConnectionError, DataKind, EntropyError, MessageAssembler,
    MessageRef, ProtocolError, Role, SendError, State,
};

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
        Ok::<(), EntropyError>(())
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
fn entropy_stuck_at_zero_fails_closed() {
    // A source that only ever yields zeros would leave every payload unmasked: the send is
    // refused and nothing at all reaches the wire.
    let zeros = |buf: &mut [u8]| -> Result<(), EntropyError> {
        buf.fill(0);
        Ok(())
    };
    let mut client = Connection::client(Config::default(), zeros, Duration::ZERO);
    assert_eq!(
        client.send_text("secret"),
        Err(SendError::Entropy(EntropyError))
    );
    assert_eq!(client.ping(b"p"), Err(SendError::Entropy(EntropyError)));
    assert!(drain(&mut client).is_empty(), "an unmasked frame went out");
    // The connection itself is still usable once the source recovers? No: it is the same
    // broken source; a Close cannot be masked either.
    assert_eq!(
        client.close(Duration::ZERO, CloseCode::NORMAL, ""),
        Err(SendError::Entropy(EntropyError))
    );
    assert!(drain(&mut client).is_empty());
}

#[test]
fn failing_entropy_fails_the_connection_for_frames_it_sends_itself() {
    // The source works for the first key (the message), then fails: the automatic pong
    // cannot be masked, so the connection fails with `Entropy` and sends nothing more.
    let mut draws = 0;
    let flaky = move |buf: &mut [u8]| -> Result<(), EntropyError> {
        draws += 1;
        if draws > 1 {
            return Err(EntropyError);
        }
        buf.fill(0x42);
        Ok(())
    };
    let mut client = Connection::client(Config::default(), flaky, Duration::ZERO);
    client.send_text("hi").unwrap();
    let sent = drain(&mut client);
    assert_eq!(frames(Role::Server, &sent).len(), 1);
    let mut ping = server_frame(0x89, b"p");
    let mut seen = Vec::new();
    let _ = feed(&mut client, Duration::ZERO, &mut ping, &mut seen);
    assert_eq!(client.error(), Some(ConnectionError::Entropy));
    assert!(client.is_finished());
    assert!(drain(&mut client).is_empty(), "a frame went out unmasked");
    assert_eq!(
        client.send_text("more"),
        Err(SendError::Failed(ConnectionError::Entropy))
    );
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

// ---------------------------------------------------------------------------------------
// Fragmentation
// ---------------------------------------------------------------------------------------

#[test]
fn streamed_message_arrives_as_pieces_and_assembles() {
    let mut pair = Pair::new();
    pair.client.begin_message(DataKind::Text).unwrap();
    pair.client.send_fragment("καλη".as_bytes()).unwrap();
    // Split inside a code point: allowed on the sending side for streamed text.
    let euro = "€".as_bytes();
    pair.client.send_fragment(&euro[..1]).unwrap();
    pair.client.send_fragment(&euro[1..]).unwrap();
    pair.client.finish_message(b"!").unwrap();
    let wire = pair.client_to_server(usize::MAX);
    let sent = frames(Role::Server, &wire);
    let shape: Vec<_> = sent.iter().map(|(h, _)| (h.opcode, h.fin)).collect();
    assert_eq!(
        shape,
        vec![
            (Opcode::Text, false),
            (Opcode::Continuation, false),
            (Opcode::Continuation, false),
            (Opcode::Continuation, true)
        ]
    );

    let mut assembler = MessageAssembler::new();
    let mut whole = None;
    let mut wire = wire;
    let mut input = &mut wire[..];
    let mut server = Connection::server(Config::default(), pair.now);
    while let Some((event, rest)) = server.receive(pair.now, input).unwrap() {
        if let wscore::Event::Data(d) = event {
            if let Some(MessageRef::Text(t)) = assembler.push(d).unwrap() {
                whole = Some(t.to_string());
            }
        }
        input = rest;
    }
    assert_eq!(whole.as_deref(), Some("καλη€!"));
}

#[test]
fn whole_messages_are_fragmented_at_the_configured_frame_size() {
    let mut config = Config::default();
    config.max_send_frame_payload = 100;
    let mut pair = Pair::with_configs(config, Config::default(), 3);
    let payload: Vec<u8> = (0..250u32).map(|i| i as u8).collect();
    pair.client.send_binary(&payload).unwrap();
    let wire = pair.client_to_server(7);
    let sent = frames(Role::Server, &wire);
    let shape: Vec<_> = sent
        .iter()
        .map(|(h, p)| (h.opcode, h.fin, p.len()))
        .collect();
    assert_eq!(
        shape,
        vec![
            (Opcode::Binary, false, 100),
            (Opcode::Continuation, false, 100),
            (Opcode::Continuation, true, 50)
        ]
    );
    assert_eq!(
        merged(&pair.server_seen),
        vec![Seen::Data {
            text: false,
            payload,
            first: true,
            last: true
        }]
    );
}

#[test]
fn continuation_without_a_started_message_is_1002() {
    let mut server = Connection::server(Config::default(), Duration::ZERO);
    let mut wire = client_frame(0x80, b"orphan");
    let err = feed(&mut server, Duration::ZERO, &mut wire, &mut Vec::new()).unwrap_err();
    assert_eq!(
        err,
        ConnectionError::Protocol(ProtocolError::UnexpectedContinuation)
    );
    assert_eq!(close_code_of(&drain(&mut server), Role::Client), Some(1002));
}

#[test]
fn new_message_inside_a_fragmented_one_is_1002() {
    let mut server = Connection::server(Config::default(), Duration::ZERO);
    let mut wire = client_frame(0x01, b"first half");
    wire.extend(client_frame(0x82, b"intruder"));
    let mut seen = Vec::new();
    let err = feed(&mut server, Duration::ZERO, &mut wire, &mut seen).unwrap_err();
    assert_eq!(
        err,
        ConnectionError::Protocol(ProtocolError::ExpectedContinuation)
    );
    assert_eq!(
        seen.len(),
        1,
        "the first fragment was delivered before the error"
    );
    assert_eq!(close_code_of(&drain(&mut server), Role::Client), Some(1002));
}

#[test]
fn control_frames_between_fragments_are_handled_at_once() {
    let mut server = Connection::server(Config::default(), Duration::ZERO);
    let mut seen = Vec::new();
    let mut part1 = client_frame(0x01, b"Hel");
    part1.extend(client_frame(0x89, b"are you there"));
    feed(&mut server, Duration::ZERO, &mut part1, &mut seen).unwrap();
    // The pong goes out before the message is complete.
    let out = frames(Role::Client, &drain(&mut server));
    assert_eq!(out.len(), 1);
    assert_eq!(
        (out[0].0.opcode, &out[0].1[..]),
        (Opcode::Pong, &b"are you there"[..])
    );
    let mut part2 = client_frame(0x80, b"lo");
    feed(&mut server, Duration::ZERO, &mut part2, &mut seen).unwrap();
    assert_eq!(
        merged(&seen),
        vec![Seen::Ping(b"are you there".to_vec()), text("Hello")]
    );
}

#[test]
fn errors_in_the_middle_of_a_fragmented_message_close_at_once() {
    // A fragmented text message whose second fragment carries invalid UTF-8: 1007 as soon as
    // the bad byte arrives, without waiting for the final fragment.
    let mut server = Connection::server(Config::default(), Duration::ZERO);
    let mut wire = client_frame(0x01, "κό".as_bytes());
    wire.extend(client_frame(0x00, &[b'o', 0xff, b'k']));
    let mut seen = Vec::new();
    let err = feed(&mut server, Duration::ZERO, &mut wire, &mut seen).unwrap_err();
    assert_eq!(err, ConnectionError::Protocol(ProtocolError::InvalidUtf8));
    assert_eq!(close_code_of(&drain(&mut server), Role::Client), Some(1007));
    assert!(matches!(server.state(), State::Closed(_)));
}

#[test]
fn invalid_utf8_fails_before_the_frame_ends() {
    // The bad byte is in the first 3 bytes of a 1000-byte frame; only those arrive.
    let mut payload = vec![b'a'; 1000];
    payload[2] = 0xc0;
    let mut wire = client_frame(0x81, &payload);
    let mut server = Connection::server(Config::default(), Duration::ZERO);
    let header_len = 8;
    let err = feed(
        &mut server,
        Duration::ZERO,
        &mut wire[..header_len + 3],
        &mut Vec::new(),
    );
    assert_eq!(
        err,
        Err(ConnectionError::Protocol(ProtocolError::InvalidUtf8))
    );
}

#[test]
fn text_truncated_inside_a_code_point_at_message_end_is_1007() {
    let mut server = Connection::server(Config::default(), Duration::ZERO);
    let mut wire = client_frame(0x01, &[0xe2, 0x82]);
    wire.extend(client_frame(0x80, b""));
    let err = feed(&mut server, Duration::ZERO, &mut wire, &mut Vec::new()).unwrap_err();
    assert_eq!(err, ConnectionError::Protocol(ProtocolError::InvalidUtf8));
}

#[test]
fn empty_messages_are_reported() {
    let mut pair = Pair::new();
    pair.client.send_text("").unwrap();
    pair.client.send_binary(b"").unwrap();
    pair.client_to_server(1);
    assert_eq!(
        pair.server_seen,
        vec![
            text(""),
            Seen::Data {
                text: false,
                payload: vec![],
                first: true,
                last: true
            }
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Ping and pong
// ---------------------------------------------------------------------------------------

#[test]
fn ping_is_answered_with_the_same_payload_and_reported() {
    let mut pair = Pair::new();
    pair.client.ping(b"\x00\x01binary\xff").unwrap();
    pair.client_to_server(2);
    assert_eq!(
        pair.server_seen,
        vec![Seen::Ping(b"\x00\x01binary\xff".to_vec())]
    );
    pair.server_to_client(2);
    assert_eq!(
        pair.client_seen,
        vec![Seen::Pong(b"\x00\x01binary\xff".to_vec())]
    );
}

#[test]
fn pings_faster_than_answered_keep_only_the_latest_pong() {
    let mut server = Connection::server(Config::default(), Duration::ZERO);
    let mut wire = Vec::new();
    for i in 0..50u8 {
        wire.extend(client_frame(0x89, &[i]));
    }
    let mut seen = Vec::new();
    feed(&mut server, Duration::ZERO, &mut wire, &mut seen).unwrap();
    assert_eq!(seen.len(), 50, "every ping is reported");
    let out = frames(Role::Client, &drain(&mut server));
    // "If an endpoint receives a Ping frame and has not yet sent Pong frame(s) in response
    // to previous Ping frame(s), the endpoint MAY elect to send a Pong frame for only the
    // most recently processed Ping frame" (5.5.3).
    assert_eq!(out.len(), 1);
    assert_eq!(
        (out[0].0.opcode, &out[0].1[..]),
        (Opcode::Pong, &[49u8][..])
    );
}

#[test]
fn unsolicited_pongs_are_allowed_and_reported() {
    let mut pair = Pair::new();
    pair.server.pong(b"heartbeat").unwrap();
    pair.server_to_client(usize::MAX);
    assert_eq!(pair.client_seen, vec![Seen::Pong(b"heartbeat".to_vec())]);
    assert_eq!(pair.client.state(), State::Open);
    assert!(drain(&mut pair.client).is_empty(), "a pong is not answered");
}

#[test]
fn auto_pong_can_be_turned_off() {
    let mut config = Config::default();
    config.auto_pong = false;
    let mut server = Connection::server(config, Duration::ZERO);
    let mut wire = client_frame(0x89, b"x");
    let mut seen = Vec::new();
    feed(&mut server, Duration::ZERO, &mut wire, &mut seen).unwrap();
    assert_eq!(seen, vec![Seen::Ping(b"x".to_vec())]);
    assert!(drain(&mut server).is_empty());
}

#[test]
fn control_payload_split_across_reads_is_reassembled() {
    let mut server = Connection::server(Config::default(), Duration::ZERO);
    let mut wire = client_frame(0x89, b"split ping payload");
    let mut seen = Vec::new();
    for chunk in wire.chunks_mut(1) {
        feed(&mut server, Duration::ZERO, chunk, &mut seen).unwrap();
    }
    assert_eq!(seen, vec![Seen::Ping(b"split ping payload".to_vec())]);
}

#[test]
fn control_frames_jump_ahead_of_queued_data_only_at_frame_boundaries() {
    let mut config = Config::default();
    config.max_send_frame_payload = 1000;
    let mut server = Connection::server(config, Duration::ZERO);
    server.send_binary(&vec![7u8; 3000]).unwrap();
    // Start writing the first frame, then queue a ping.
    let first = server.transmit().unwrap();
    assert_eq!(first.header, &[0x02, 0x7e, 0x03, 0xe8][..]);
    server.advance_transmit(10);
    server.ping(b"urgent").unwrap();
    let wire = {
        let mut w = Vec::new();
        // Reconstruct: the first 10 bytes that went out, then the rest.
        let mut head = vec![0x02, 0x7e, 0x03, 0xe8];
        head.extend([7u8; 6]);
        w.extend(head);
        w.extend(drain(&mut server));
        w
    };
    let order: Vec<_> = frames(Role::Client, &wire)
        .iter()
        .map(|(h, _)| h.opcode)
        .collect();
    assert_eq!(
        order,
        vec![
            Opcode::Binary,
            Opcode::Ping,
            Opcode::Continuation,
            Opcode::Continuation
        ]
    );
}

#[test]
fn transmit_gives_header_and_unmasked_payload_slices_for_a_server() {
    let mut server = Connection::server(Config::default(), Duration::ZERO);
    let payload = vec![0xabu8; 70_000];
    server.send_binary(&payload).unwrap();
    let t = server.transmit().unwrap();
    assert_eq!(t.header, &[0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0x11, 0x70][..]);
    assert_eq!(
        t.payload,
        &payload[..],
        "the payload slice is the message itself"
    );
    let n = t.len();
    server.advance_transmit(n);
    assert!(server.transmit().is_none());
    assert!(!server.has_pending_output());
}

#[test]
fn partial_advances_resume_where_they_stopped() {
    let mut client = Connection::client(
        Config::default(),
        harness::seeded_entropy(5),
        Duration::ZERO,
    );
    client.send_text("resumable").unwrap();
    let mut wire = Vec::new();
    while let Some(t) = client.transmit() {
        // Write at most 3 bytes at a time, across the header/payload boundary.
        let bytes: Vec<u8> = t.header.iter().chain(t.payload).copied().take(3).collect();
        wire.extend(&bytes);
        client.advance_transmit(bytes.len());
    }
    let sent = frames(Role::Server, &wire);
    assert_eq!(sent[0].1, b"resumable");
}

// ---------------------------------------------------------------------------------------
// Closing handshake
// ---------------------------------------------------------------------------------------

#[test]
fn close_from_the_client_is_echoed_and_the_server_closes_first() {
    let mut pair = Pair::new();
    pair.client
        .close(pair.now, CloseCode::GOING_AWAY, "bye")
        .unwrap();
    assert!(matches!(pair.client.state(), State::Closing { .. }));
    pair.client_to_server(usize::MAX);
    assert_eq!(pair.server_seen, vec![Seen::Close(1001, "bye".into())]);
    assert!(matches!(pair.server.state(), State::Closed(_)));
    assert!(!pair.server.is_finished(), "the echo must be flushed first");
    let echo = pair.server_to_client(usize::MAX);
    // Echo the status code (5.5.1).
    assert_eq!(close_code_of(&echo, Role::Client), Some(1001));
    assert!(
        pair.server.is_finished(),
        "server closes the transport first (7.1.1)"
    );
    assert_eq!(pair.client_seen, vec![Seen::Close(1001, String::new())]);
    assert!(matches!(pair.client.state(), State::Closed(_)));
    assert!(
        !pair.client.is_finished(),
        "client waits for the server's TCP close"
    );
    assert_eq!(pair.client.handle_eof(), Ok(()));
    assert!(pair.client.is_finished());
}

#[test]
fn client_gives_up_waiting_for_the_server_to_close_the_transport() {
    let mut pair = Pair::new();
    pair.server.close(pair.now, CloseCode::NORMAL, "").unwrap();
    pair.settle();
    assert!(matches!(pair.client.state(), State::Closed(_)));
    assert!(!pair.client.is_finished());
    let deadline = pair.client.poll_timeout().expect("close wait armed");
    assert_eq!(deadline, pair.now + Config::default().close_timeout);
    pair.client
        .handle_timeout(deadline - Duration::from_millis(1));
    assert!(!pair.client.is_finished(), "not before the deadline");
    pair.client.handle_timeout(deadline);
    assert!(pair.client.is_finished());
    assert_eq!(pair.client.poll_timeout(), None);
}

#[test]
fn close_without_status_is_reported_as_1005_and_echoed_as_1000() {
    let mut server = Connection::server(Config::default(), Duration::ZERO);
    let mut wire = client_frame(0x88, b"");
    let mut seen = Vec::new();
    feed(&mut server, Duration::ZERO, &mut wire, &mut seen).unwrap();
    assert_eq!(seen, vec![Seen::Close(1005, String::new())]);
    assert_eq!(
        harness::peer_close_code(&server),
        Some(CloseCode::NO_STATUS)
    );
    assert_eq!(close_code_of(&drain(&mut server), Role::Client), Some(1000));
}

#[test]
fn invalid_close_payloads_fail_with_the_right_code() {
    let cases: [(&[u8], u16); 5] = [
        (b"\x03", 1002),                     // one-byte payload
        (b"\x03\xed", 1002),                 // 1005 on the wire
        (b"\x03\xee", 1002),                 // 1006 on the wire
        (b"\x07\xd0", 1002),                 // 2000: reserved range
        (b"\x03\xe8\xce\xba\xe1\xbd", 1007), // reason truncated inside a code point
    ];
    for (payload, code) in cases {
        let mut server = Connection::server(Config::default(), Duration::ZERO);
        let mut wire = client_frame(0x88, payload);
        let err = feed(&mut server, Duration::ZERO, &mut wire, &mut Vec::new()).unwrap_err();
        assert_eq!(err.close_code().as_u16(), code, "{payload:x?}");
        assert_eq!(close_code_of(&drain(&mut server), Role::Client), Some(code));
    }
}

#[test]
fn simultaneous_close_sends_exactly_one_close_each() {
    let mut pair = Pair::new();
    pair.client.close(pair.now, CloseCode::NORMAL, "c").unwrap();
    pair.server.close(pair.now, CloseCode::NORMAL, "s").unwrap();
    let c2s = pair.client_to_server(usize::MAX);
    let s2c = pair.server_to_client(usize::MAX);
    assert_eq!(frames(Role::Server, &c2s).len(), 1);
    assert_eq!(frames(Role::Client, &s2c).len(), 1);
    assert_eq!(pair.client_seen, vec![Seen::Close(1000, "s".into())]);
    assert_eq!(pair.server_seen, vec![Seen::Close(1000, "c".into())]);
    assert_eq!(
        (pair.client.state(), pair.server.state()),
        (
            State::Closed(Closure::Clean {
                sent: CloseCode::NORMAL,
                received: CloseCode::NORMAL
            }),
            State::Closed(Closure::Clean {
                sent: CloseCode::NORMAL,
                received: CloseCode::NORMAL
            })
        )
    );
    assert!(drain(&mut pair.client).is_empty() && drain(&mut pair.server).is_empty());
    assert!(pair.server.is_finished());
}

#[test]
fn no_data_can_be_sent_after_close() {
    let mut pair = Pair::new();
    pair.client.send_text("before").unwrap();
    pair.client.close(pair.now, CloseCode::NORMAL, "").unwrap();
    assert_eq!(pair.client.send_text("after"), Err(SendError::Closing));
    assert_eq!(
        pair.client.begin_message(DataKind::Binary),
        Err(SendError::Closing)
    );
    assert_eq!(pair.client.ping(b""), Err(SendError::Closing));
    assert_eq!(
        pair.client.close(pair.now, CloseCode::NORMAL, ""),
        Err(SendError::Closing)
    );
    let wire = pair.client_to_server(usize::MAX);
    let order: Vec<_> = frames(Role::Server, &wire)
        .iter()
        .map(|(h, _)| h.opcode)
        .collect();
    assert_eq!(
        order,
        vec![Opcode::Text, Opcode::Close],
        "queued data goes before the Close"
    );
}

#[test]
fn data_received_after_sending_close_is_delivered_until_the_peers_close() {
    // RFC 6455 1.4: data is discarded only after *receiving* a Close. What the peer sent
    // before it saw ours is ordinary data, still validated; after its Close, nothing.
    let mut server = Connection::server(Config::default(), Duration::ZERO);
    server.close(Duration::ZERO, CloseCode::NORMAL, "").unwrap();
    let mut wire = client_frame(0x01, b"la");
    wire.extend(client_frame(0x80, b"te"));
    wire.extend(client_frame(0x88, b"\x03\xe8"));
    wire.extend(client_frame(0x81, b"ghost"));
    let mut seen = Vec::new();
    feed(&mut server, Duration::ZERO, &mut wire, &mut seen).unwrap();
    let data = |payload: &[u8], first, last| Seen::Data {
        text: true,
        payload: payload.to_vec(),
        first,
        last,
    };
    assert_eq!(
        seen,
        vec![
            data(b"la", true, false),
            data(b"te", false, true),
            Seen::Close(1000, String::new())
        ]
    );
    assert_eq!(
        server.state(),
        State::Closed(Closure::Clean {
            sent: CloseCode::NORMAL,
            received: CloseCode::NORMAL
        })
    );
}

#[test]
fn data_after_our_close_is_still_validated() {
    let mut server = Connection::server(Config::default(), Duration::ZERO);
    server.close(Duration::ZERO, CloseCode::NORMAL, "").unwrap();
    let mut wire = client_frame(0x81, b"\xff");
    let err = feed(&mut server, Duration::ZERO, &mut wire, &mut Vec::new()).unwrap_err();
    assert_eq!(err, ConnectionError::Protocol(ProtocolError::InvalidUtf8));
}

#[test]
fn an_unanswered_close_times_out_distinctly_from_a_clean_one() {
    let mut config = Config::default();
    config.close_timeout = Duration::from_secs(2);
    let mut server = Connection::server(config, Duration::ZERO);
    server.close(Duration::ZERO, CloseCode::NORMAL, "").unwrap();
    drain(&mut server);
    assert_eq!(server.poll_timeout(), Some(Duration::from_secs(2)));
    server.handle_timeout(Duration::from_secs(2));
    assert_eq!(
        server.state(),
        State::Closed(Closure::Failed(ConnectionError::CloseTimeout))
    );
    assert_eq!(server.error(), Some(ConnectionError::CloseTimeout));
    assert!(server.is_finished());
}

#[test]
fn close_arguments_are_checked() {
    let mut server = Connection::server(Config::default(), Duration::ZERO);
    assert!(matches!(
        server.close(Duration::ZERO, CloseCode::NO_STATUS, ""),
        Err(SendError::InvalidClose(_))
    ));
    let long = "x".repeat(124);
    assert!(matches!(
        server.close(Duration::ZERO, CloseCode::NORMAL, &long),
        Err(SendError::InvalidClose(_))
    ));
    assert_eq!(
        server.state(),
        State::Open,
        "a refused close changes nothing"
    );
}

#[test]
fn input_after_the_closing_handshake_is_ignored() {
    let mut pair = Pair::new();
    pair.client.close(pair.now, CloseCode::NORMAL, "").unwrap();
    pair.settle();
    let mut late = client_frame(0x81, b"ghost");
    let mut seen = Vec::new();
    feed(&mut pair.server, pair.now, &mut late, &mut seen).unwrap();
    assert!(seen.is_empty());
}

// ---------------------------------------------------------------------------------------
// Errors and EOF
// ---------------------------------------------------------------------------------------

#[test]
fn protocol_errors_are_sticky_and_close_once() {
    let mut server = Connection::server(Config::default(), Duration::ZERO);
    let mut bad = vec![0x83, 0x80, 1, 2, 3, 4]; // masked, empty, reserved opcode 3
    let err = feed(&mut server, Duration::ZERO, &mut bad, &mut Vec::new()).unwrap_err();
    assert_eq!(
        err,
        ConnectionError::Protocol(ProtocolError::ReservedOpcode(3))
    );
    let mut good = client_frame(0x81, b"fine");
    assert_eq!(
        feed(&mut server, Duration::ZERO, &mut good, &mut Vec::new()),
        Err(err)
    );
    assert_eq!(server.send_text("x"), Err(SendError::Failed(err)));
    assert_eq!(server.error(), Some(err));
    assert_eq!(server.handle_eof(), Err(err));
    let out = frames(Role::Client, &drain(&mut server));
    assert_eq!(out.len(), 1, "exactly one Close");
    assert_eq!(out[0].0.opcode, Opcode::Close);
    assert_eq!(&out[0].1[..2], &1002u16.to_be_bytes());
}

#[test]
fn failing_drops_queued_data_but_finishes_the_frame_in_flight() {
    let mut config = Config::default();
    config.max_send_frame_payload = 100;
    let mut server = Connection::server(config, Duration::ZERO);
    server.send_binary(&[1u8; 300]).unwrap();
    let t = server.transmit().unwrap();
    let mut wire: Vec<u8> = t.header.to_vec();
    wire.extend(&t.payload[..50]);
    let n = t.header.len() + 50;
    server.advance_transmit(n);
    let mut bad = client_frame(0x80, b"orphan continuation");
    assert!(feed(&mut server, Duration::ZERO, &mut bad, &mut Vec::new()).is_err());
    wire.extend(drain(&mut server));
    let order: Vec<_> = frames(Role::Client, &wire)
        .iter()
        .map(|(h, _)| h.opcode)
        .collect();
    assert_eq!(order, vec![Opcode::Binary, Opcode::Close]);
}

#[test]
fn eof_before_the_closing_handshake_is_1006_and_never_sent() {
    let mut pair = Pair::new();
    pair.client.send_text("in flight").unwrap();
    pair.client_to_server(usize::MAX);
    let err = pair.server.handle_eof().unwrap_err();
    assert_eq!(err, ConnectionError::AbnormalClosure);
    assert_eq!(err.close_code(), CloseCode::ABNORMAL);
    assert!(matches!(pair.server.state(), State::Closed(_)));
    assert!(pair.server.is_finished());
    assert!(drain(&mut pair.server).is_empty(), "1006 is never sent");
    let mut more = client_frame(0x81, b"x");
    assert_eq!(
        feed(&mut pair.server, pair.now, &mut more, &mut Vec::new()),
        Err(ConnectionError::AbnormalClosure)
    );
}

// ---------------------------------------------------------------------------------------
// Timers
// ---------------------------------------------------------------------------------------

fn keepalive_config() -> Config {
    let mut config = Config::default();
    config.keepalive_interval = Some(Duration::from_secs(10));
    config.pong_timeout = Duration::from_secs(3);
    config
}

#[test]
fn keepalive_pings_after_idle_time_and_a_pong_clears_the_deadline() {
    let mut pair = Pair::with_configs(keepalive_config(), Config::default(), 9);
    let start = pair.now;
    assert_eq!(
        pair.client.poll_timeout(),
        Some(start + Duration::from_secs(10))
    );
    pair.advance(Duration::from_secs(9));
    assert!(drain(&mut pair.client).is_empty(), "not idle long enough");
    pair.advance(Duration::from_secs(1));
    // The ping goes out, the server's auto-pong comes back.
    pair.client_to_server(usize::MAX);
    assert_eq!(pair.server_seen, vec![Seen::Ping(vec![])]);
    assert_eq!(
        pair.client.poll_timeout(),
        Some(pair.now + Duration::from_secs(3))
    );
    pair.server_to_client(usize::MAX);
    assert_eq!(pair.client_seen, vec![Seen::Pong(vec![])]);
    // Pong received: the next deadline is the next keepalive, counted from the pong.
    assert_eq!(
        pair.client.poll_timeout(),
        Some(pair.now + Duration::from_secs(10))
    );
    pair.advance(Duration::from_secs(5));
    assert_eq!(pair.client.state(), State::Open);
}

#[test]
fn receiving_anything_postpones_the_keepalive() {
    let mut pair = Pair::with_configs(keepalive_config(), Config::default(), 9);
    pair.advance(Duration::from_secs(8));
    pair.server.send_text("activity").unwrap();
    pair.server_to_client(usize::MAX);
    assert_eq!(
        pair.client.poll_timeout(),
        Some(pair.now + Duration::from_secs(10))
    );
    pair.advance(Duration::from_secs(8));
    assert!(drain(&mut pair.client).is_empty());
}

#[test]
fn a_missing_pong_fails_the_connection() {
    let mut pair = Pair::with_configs(keepalive_config(), Config::default(), 9);
    pair.advance(Duration::from_secs(10));
    let ping = drain(&mut pair.client); // the ping is lost: the server never answers
    assert_eq!(frames(Role::Server, &ping)[0].0.opcode, Opcode::Ping);
    pair.advance(Duration::from_secs(2));
    assert_eq!(pair.client.state(), State::Open);
    pair.advance(Duration::from_secs(1));
    assert_eq!(pair.client.error(), Some(ConnectionError::PongTimeout));
    assert!(matches!(pair.client.state(), State::Closed(_)));
    assert!(
        pair.client.is_finished(),
        "an unresponsive peer is dropped at once"
    );
    assert_eq!(
        close_code_of(&drain(&mut pair.client), Role::Server),
        Some(1001)
    );
}

#[test]
fn close_handshake_timeout_tells_the_caller_to_drop_the_transport() {
    let mut pair = Pair::new();
    pair.server.close(pair.now, CloseCode::NORMAL, "").unwrap();
    drain(&mut pair.server); // the client never answers
    let deadline = pair.server.poll_timeout().unwrap();
    assert_eq!(deadline, pair.now + Duration::from_secs(5));
    assert!(matches!(pair.server.state(), State::Closing { .. }));
    assert!(!pair.server.is_finished());
    pair.server.handle_timeout(deadline);
    assert!(pair.server.is_finished());
}

#[test]
fn spurious_and_extreme_timer_calls_are_harmless() {
    let mut pair = Pair::with_configs(keepalive_config(), keepalive_config(), 2);
    // Early, repeated, and time going "backwards": nothing happens.
    for t in [0u64, 5, 1, 5, 9] {
        pair.client
            .handle_timeout(pair.now + Duration::from_secs(t));
    }
    assert!(drain(&mut pair.client).is_empty());
    // Saturating arithmetic: a clock at the end of time neither panics nor wraps.
    let mut conn = Connection::server(keepalive_config(), Duration::MAX);
    assert_eq!(conn.poll_timeout(), Some(Duration::MAX));
    conn.handle_timeout(Duration::MAX);
    assert_eq!(
        conn.poll_timeout(),
        Some(Duration::MAX),
        "pong deadline saturates too"
    );
    conn.close(Duration::MAX, CloseCode::NORMAL, "").unwrap();
    conn.handle_timeout(Duration::MAX);
    assert!(conn.is_finished());
}

// ---------------------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------------------

#[test]
fn message_size_is_checked_as_headers_arrive_with_1009() {
    let mut config = Config::default();
    config.max_message_size = 100;
    let mut server = Connection::server(config, Duration::ZERO);
    let mut wire = client_frame(0x02, &[0u8; 60]);
    wire.extend(client_frame(0x80, &[0u8; 60]));
    // Only the second frame's header arrives: the limit trips before its payload.
    let cut = wire.len() - 60;
    let mut seen = Vec::new();
    let err = feed(&mut server, Duration::ZERO, &mut wire[..cut], &mut seen).unwrap_err();
    assert_eq!(
        err,
        ConnectionError::Protocol(ProtocolError::MessageTooLarge { len: 120, max: 100 })
    );
    assert_eq!(close_code_of(&drain(&mut server), Role::Client), Some(1009));
}

#[test]
fn frame_size_limit_is_1009() {
    let mut config = Config::default();
    config.max_frame_payload = 10;
    let mut server = Connection::server(config, Duration::ZERO);
    let mut wire = client_frame(0x82, &[0u8; 11]);
    let err = feed(&mut server, Duration::ZERO, &mut wire[..8], &mut Vec::new()).unwrap_err();
    assert_eq!(err.close_code(), CloseCode::MESSAGE_TOO_BIG);
}

#[test]
fn fragment_count_is_limited() {
    let mut config = Config::default();
    config.max_fragments = 3;
    let mut server = Connection::server(config, Duration::ZERO);
    let mut wire = client_frame(0x01, b"a");
    for _ in 0..3 {
        wire.extend(client_frame(0x00, b"b"));
    }
    let err = feed(&mut server, Duration::ZERO, &mut wire, &mut Vec::new()).unwrap_err();
    assert_eq!(
        err,
        ConnectionError::Protocol(ProtocolError::TooManyFragments { max: 3 })
    );
    assert_eq!(close_code_of(&drain(&mut server), Role::Client), Some(1008));
}

#[test]
fn outbound_queue_is_bounded_and_refusal_queues_nothing() {
    let mut config = Config::default();
    config.max_queued_bytes = 1000;
    let mut server = Connection::server(config, Duration::ZERO);
    server.send_binary(&[0u8; 600]).unwrap();
    server.send_binary(&[0u8; 600]).unwrap(); // below the cap when sent: accepted whole
    assert_eq!(
        server.queued_bytes(),
        2 * (4 + 600),
        "two frames, 4-byte headers"
    );
    assert_eq!(
        server.send_binary(&[0u8; 1]),
        Err(SendError::MessageQueueFull)
    );
    assert_eq!(server.queued_bytes(), 1208);
    // Control frames are bounded separately and still go out.
    server.ping(b"p").unwrap();
    let wire = drain(&mut server);
    assert_eq!(frames(Role::Client, &wire).len(), 3);
    assert_eq!(server.queued_bytes(), 0);
    server.send_binary(&[0u8; 1]).unwrap();
    for _ in 0..wscore::MAX_URGENT {
        server.ping(b"").unwrap();
    }
    assert_eq!(server.ping(b""), Err(SendError::ControlQueueFull));
}

#[test]
fn streaming_api_misuse_is_a_clear_error() {
    let mut server = Connection::server(Config::default(), Duration::ZERO);
    assert_eq!(
        server.send_fragment(b"x"),
        Err(SendError::NoMessageInProgress)
    );
    assert_eq!(
        server.finish_message(b"x"),
        Err(SendError::NoMessageInProgress)
    );
    server.begin_message(DataKind::Text).unwrap();
    assert_eq!(server.send_text("other"), Err(SendError::MessageInProgress));
    assert_eq!(
        server.begin_message(DataKind::Binary),
        Err(SendError::MessageInProgress)
    );
    assert_eq!(server.send_fragment(&[0xff]), Err(SendError::InvalidUtf8));
    server.send_fragment(&[0xe2, 0x82]).unwrap();
    assert_eq!(
        server.finish_message(b""),
        Err(SendError::InvalidUtf8),
        "ends inside a code point"
    );
    server.finish_message(&[0xac]).unwrap();
    assert_eq!(
        server.send(DataKind::Text, &[0xc0, 0x80]),
        Err(SendError::InvalidUtf8)
    );
    assert_eq!(
        server.ping(&[0u8; 126]),
        Err(SendError::ControlTooLong(126))
    );
    let sent = frames(Role::Client, &drain(&mut server));
    let text: Vec<u8> = sent.iter().flat_map(|(_, p)| p.clone()).collect();
    assert_eq!(text, "€".as_bytes());
}
