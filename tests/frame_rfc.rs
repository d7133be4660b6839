//! RFC 6455 section 5.7 example frames as exact byte vectors, and every decoder rule.

use wscore::frame::{
    encode_frame, CloseCode, Decoder, FrameHeader, Item, Opcode, DEFAULT_MAX_PAYLOAD, RSV1, RSV2,
    RSV3,
};
use wscore::{ProtocolError, Role};

/// A decoded frame: header plus the concatenated payload.
#[derive(Debug, PartialEq)]
struct Frame {
    header: FrameHeader,
    payload: Vec<u8>,
}

/// Decodes all of `wire` in one buffer.
fn decode_all(role: Role, wire: &[u8]) -> Result<Vec<Frame>, ProtocolError> {
    let mut decoder = Decoder::new(role);
    let mut buf = wire.to_vec();
    let mut input = &mut buf[..];
    let mut frames: Vec<Frame> = Vec::new();
    loop {
        let (item, rest) = decoder.decode(input)?;
        match item {
            Item::Header(header) => frames.push(Frame {
                header,
                payload: Vec::new(),
            }),
            Item::Payload { data, .. } => {
                frames.last_mut().unwrap().payload.extend_from_slice(data)
            }
            Item::NeedMore => break,
        }
        input = rest;
    }
    assert!(decoder.is_frame_boundary(), "stream ended mid-frame");
    Ok(frames)
}

fn encode(header: FrameHeader, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; payload.len() + 14];
    let n = encode_frame(header, payload, &mut out).unwrap();
    out.truncate(n);
    out
}

const UNMASKED_HELLO: &[u8] = &[0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
const MASKED_HELLO: &[u8] = &[
    0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
];
const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

#[test]
fn rfc_single_frame_unmasked_text() {
    let frames = decode_all(Role::Client, UNMASKED_HELLO).unwrap();
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].header, FrameHeader::new(Opcode::Text, true, 5));
    assert_eq!(frames[0].payload, b"Hello");
    assert_eq!(
        encode(FrameHeader::new(Opcode::Text, true, 0), b"Hello"),
        UNMASKED_HELLO
    );
}

#[test]
fn rfc_single_frame_masked_text() {
    let frames = decode_all(Role::Server, MASKED_HELLO).unwrap();
    assert_eq!(
        frames[0].header,
        FrameHeader::new(Opcode::Text, true, 5).with_mask(KEY)
    );
    assert_eq!(frames[0].payload, b"Hello");
    let header = FrameHeader::new(Opcode::Text, true, 0).with_mask(KEY);
    assert_eq!(encode(header, b"Hello"), MASKED_HELLO);
}

#[test]
fn rfc_fragmented_unmasked_text() {
    let wire = [0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f];
    let frames = decode_all(Role::Client, &wire).unwrap();
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[0].header, FrameHeader::new(Opcode::Text, false, 3));
    assert_eq!(frames[0].payload, b"Hel");
    assert_eq!(
        frames[1].header,
        FrameHeader::new(Opcode::Continuation, true, 2)
    );
    assert_eq!(frames[1].payload, b"lo");
    let mut re = encode(FrameHeader::new(Opcode::Text, false, 0), b"Hel");
    re.extend(encode(
        FrameHeader::new(Opcode::Continuation, true, 0),
        b"lo",
    ));
    assert_eq!(re, wire);
}

#[test]
fn rfc_unmasked_ping_and_masked_pong() {
    let ping = [0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
    let frames = decode_all(Role::Client, &ping).unwrap();
    assert_eq!(frames[0].header.opcode, Opcode::Ping);
    assert_eq!(frames[0].payload, b"Hello");

    let pong = [
        0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
    ];
    let frames = decode_all(Role::Server, &pong).unwrap();
    assert_eq!(frames[0].header.opcode, Opcode::Pong);
    assert_eq!(frames[0].payload, b"Hello");
    assert_eq!(
        encode(
            FrameHeader::new(Opcode::Pong, true, 0).with_mask(KEY),
            b"Hello"
        ),
        pong
    );
}

#[test]
fn rfc_256_byte_binary_header() {
    let payload: Vec<u8> = (0..256).map(|i| i as u8).collect();
    let wire = encode(FrameHeader::new(Opcode::Binary, true, 0), &payload);
    assert_eq!(&wire[..4], &[0x82, 0x7e, 0x01, 0x00]);
    assert_eq!(&wire[4..], &payload[..]);
    let frames = decode_all(Role::Client, &wire).unwrap();
    assert_eq!(frames[0].header.payload_len, 256);
    assert_eq!(frames[0].payload, payload);
}

#[test]
fn rfc_64k_binary_header() {
    let payload = vec![0x5a; 65536];
    let wire = encode(FrameHeader::new(Opcode::Binary, true, 0), &payload);
    assert_eq!(&wire[..10], &[0x82, 0x7f, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00]);
    let frames = decode_all(Role::Client, &wire).unwrap();
    assert_eq!(frames[0].header.payload_len, 65536);
    assert_eq!(frames[0].payload, payload);
}

#[test]
fn header_is_yielded_before_any_payload_arrives() {
    let mut decoder = Decoder::new(Role::Server);
    let mut head = MASKED_HELLO[..6].to_vec();
    let (item, rest) = decoder.decode(&mut head).unwrap();
    assert!(matches!(item, Item::Header(h) if h.payload_len == 5));
    assert!(rest.is_empty());
    assert_eq!(decoder.remaining(), 5);
    // The mask phase carries across payload pieces.
    let mut tail = MASKED_HELLO[6..].to_vec();
    let mut out = Vec::new();
    for byte in tail.chunks_mut(1) {
        let (item, rest) = decoder.decode(byte).unwrap();
        let Item::Payload { data, last } = item else {
            panic!("{item:?}")
        };
        out.extend_from_slice(data);
        assert_eq!(last, out.len() == 5);
        assert!(rest.is_empty());
    }
    assert_eq!(out, b"Hello");
}

#[test]
fn one_byte_at_a_time_yields_the_same_frames() {
    let mut wire = Vec::new();
    wire.extend(encode(
        FrameHeader::new(Opcode::Text, false, 0).with_mask([1, 2, 3, 4]),
        b"Hel",
    ));
    wire.extend(encode(
        FrameHeader::new(Opcode::Ping, true, 0).with_mask([5, 6, 7, 8]),
        b"",
    ));
    let big = vec![7u8; 70_000];
    wire.extend(encode(
        FrameHeader::new(Opcode::Continuation, true, 0).with_mask([9, 9, 9, 9]),
        &big,
    ));
    let whole = decode_all(Role::Server, &wire).unwrap();

    let mut decoder = Decoder::new(Role::Server);
    let mut frames: Vec<Frame> = Vec::new();
    let mut buf = wire.clone();
    for byte in buf.chunks_mut(1) {
        let mut input = byte;
        while !input.is_empty() {
            let (item, rest) = decoder.decode(input).unwrap();
            match item {
                Item::Header(header) => frames.push(Frame {
                    header,
                    payload: Vec::new(),
                }),
                Item::Payload { data, .. } => {
                    frames.last_mut().unwrap().payload.extend_from_slice(data)
                }
                Item::NeedMore => assert!(rest.is_empty()),
            }
            input = rest;
        }
    }
    assert_eq!(frames, whole);
    assert_eq!(whole[2].payload, big);
}

fn first_error(role: Role, wire: &[u8]) -> ProtocolError {
    decode_all(role, wire).unwrap_err()
}

#[test]
fn server_rejects_unmasked_frames_with_1002() {
    let err = first_error(Role::Server, UNMASKED_HELLO);
    assert_eq!(err, ProtocolError::UnmaskedFrame);
    assert_eq!(err.close_code(), CloseCode::PROTOCOL_ERROR);
}

#[test]
fn client_rejects_masked_frames_with_1002() {
    let err = first_error(Role::Client, MASKED_HELLO);
    assert_eq!(err, ProtocolError::MaskedFrame);
    assert_eq!(err.close_code(), CloseCode::PROTOCOL_ERROR);
}

#[test]
fn rsv_bits_need_a_negotiated_extension() {
    for bit in [RSV1, RSV2, RSV3] {
        let wire = [0x81 | bit, 0x00];
        assert_eq!(
            first_error(Role::Client, &wire),
            ProtocolError::ReservedBits(bit)
        );
        let mut buf = wire;
        let mut decoder = Decoder::new(Role::Client).with_allowed_rsv(bit);
        let (item, _) = decoder.decode(&mut buf).unwrap();
        assert!(matches!(item, Item::Header(h) if h.rsv == bit));
    }
    // Allowing RSV1 does not allow RSV2.
    let mut buf = [0x81 | RSV2, 0x00];
    let mut decoder = Decoder::new(Role::Client).with_allowed_rsv(RSV1);
    assert_eq!(
        decoder.decode(&mut buf).unwrap_err(),
        ProtocolError::ReservedBits(RSV2)
    );
}

#[test]
fn reserved_opcodes_are_errors_not_panics() {
    for op in (0x3..=0x7).chain(0xb..=0xf) {
        let wire = [0x80 | op, 0x00];
        assert_eq!(
            first_error(Role::Client, &wire),
            ProtocolError::ReservedOpcode(op)
        );
    }
}

#[test]
fn control_frames_must_not_be_fragmented() {
    for op in [0x8, 0x9, 0xa] {
        assert_eq!(
            first_error(Role::Client, &[op, 0x00]),
            ProtocolError::FragmentedControl
        );
    }
}

#[test]
fn control_frames_are_at_most_125_bytes() {
    let mut wire = vec![0x89, 0x7e, 0x00, 0x7e];
    wire.extend([0u8; 126]);
    assert_eq!(
        first_error(Role::Client, &wire),
        ProtocolError::ControlTooLong(126)
    );
    let mut ok = vec![0x89, 0x7d];
    ok.extend([0u8; 125]);
    assert_eq!(decode_all(Role::Client, &ok).unwrap()[0].payload.len(), 125);
}

#[test]
fn control_rules_fail_on_the_second_byte() {
    // The error is reported as soon as the first two bytes are in, before the length.
    let mut decoder = Decoder::new(Role::Client);
    let mut wire = [0x89, 0x7f];
    assert_eq!(
        decoder.decode(&mut wire).unwrap_err(),
        ProtocolError::ControlTooLong(127)
    );
}

#[test]
fn oversized_frame_is_rejected_from_the_header_alone() {
    // A frame declaring 2^40 bytes: rejected at once with 1009, nothing allocated, no
    // payload needed.
    let len: u64 = 1 << 40;
    let mut wire = vec![0x82, 0x7f];
    wire.extend(len.to_be_bytes());
    let mut decoder = Decoder::new(Role::Client);
    let err = decoder.decode(&mut wire).unwrap_err();
    assert_eq!(
        err,
        ProtocolError::FrameTooLarge {
            len,
            max: DEFAULT_MAX_PAYLOAD
        }
    );
    assert_eq!(err.close_code(), CloseCode::MESSAGE_TOO_BIG);

    let mut decoder = Decoder::new(Role::Client).with_max_payload(10);
    let mut wire = [0x82, 0x0b];
    assert_eq!(
        decoder.decode(&mut wire).unwrap_err(),
        ProtocolError::FrameTooLarge { len: 11, max: 10 }
    );
    let mut at_limit = Decoder::new(Role::Client).with_max_payload(10);
    let mut wire = [0x82, 0x0a];
    assert!(matches!(
        at_limit.decode(&mut wire),
        Ok((Item::Header(_), _))
    ));
}

#[test]
fn length_with_msb_set_is_a_protocol_error() {
    let mut wire = [0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 1];
    let err = Decoder::new(Role::Client).decode(&mut wire).unwrap_err();
    assert_eq!(err, ProtocolError::LengthMsbSet);
    assert_eq!(err.close_code(), CloseCode::PROTOCOL_ERROR);
}

#[test]
fn errors_are_sticky() {
    let mut decoder = Decoder::new(Role::Server);
    let mut bad = UNMASKED_HELLO.to_vec();
    let err = decoder.decode(&mut bad).unwrap_err();
    let mut good = MASKED_HELLO.to_vec();
    assert_eq!(decoder.decode(&mut good).unwrap_err(), err);
    assert_eq!(decoder.error(), Some(err));
}

#[test]
fn empty_payload_frames_complete_at_the_header() {
    let mut decoder = Decoder::new(Role::Client);
    let mut wire = [0x8a, 0x00, 0x82, 0x00];
    let (item, rest) = decoder.decode(&mut wire).unwrap();
    assert!(matches!(item, Item::Header(h) if h.opcode == Opcode::Pong && h.payload_len == 0));
    assert!(decoder.is_frame_boundary());
    let (item, rest) = decoder.decode(rest).unwrap();
    assert!(matches!(item, Item::Header(h) if h.opcode == Opcode::Binary));
    assert!(rest.is_empty());
    let (item, _) = decoder.decode(rest).unwrap();
    assert_eq!(item, Item::NeedMore);
}

/// A second opinion on which close codes may appear on the wire: tungstenite's own
/// classification (`CloseCode::from(u16).is_allowed()`), over the whole code space. The two
/// agree everywhere except 1014 ("Bad Gateway"), which the IANA registry added after
/// tungstenite's table was written: tungstenite files it under `Bad` and so refuses it,
/// wscore accepts it as a registered code (see the RFC table in `src/frame/close.rs`).
#[test]
fn close_code_validity_agrees_with_tungstenite() {
    use tungstenite::protocol::frame::coding::CloseCode as TCode;
    let disagree: Vec<u16> = (0..=u16::MAX)
        .filter(|&code| CloseCode::new(code).is_valid_on_wire() != TCode::from(code).is_allowed())
        .collect();
    assert_eq!(disagree, [1014]);
    // And the named codes carry the same numbers in both crates.
    for (ours, theirs) in [
        (CloseCode::NORMAL, TCode::Normal),
        (CloseCode::GOING_AWAY, TCode::Away),
        (CloseCode::PROTOCOL_ERROR, TCode::Protocol),
        (CloseCode::UNSUPPORTED_DATA, TCode::Unsupported),
        (CloseCode::NO_STATUS, TCode::Status),
        (CloseCode::ABNORMAL, TCode::Abnormal),
        (CloseCode::INVALID_PAYLOAD, TCode::Invalid),
        (CloseCode::POLICY_VIOLATION, TCode::Policy),
        (CloseCode::MESSAGE_TOO_BIG, TCode::Size),
        (CloseCode::MANDATORY_EXTENSION, TCode::Extension),
        (CloseCode::INTERNAL_ERROR, TCode::Error),
        (CloseCode::SERVICE_RESTART, TCode::Restart),
        (CloseCode::TRY_AGAIN_LATER, TCode::Again),
        (CloseCode::TLS_HANDSHAKE, TCode::Tls),
    ] {
        assert_eq!(ours.as_u16(), u16::from(theirs), "{theirs:?}");
    }
}
