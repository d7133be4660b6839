//! Frame layer properties: header and frame round-trips, decoding that does not depend on
//! how the input is split, and the `frame_decoder` fuzz invariants on random and mutated
//! streams.

use proptest::prelude::*;
use proptest::sample::select;
use wscore::frame::{encode_frame, Decoder, FrameHeader, Item, Opcode, RSV1, RSV2, RSV3};
use wscore::{BufferTooSmall, ProtocolError, Role};

#[path = "fuzz_checks/frame_decoder.rs"]
mod frame_check;

/// What decoding a stream produced: frames (header plus the payload delivered) and the error
/// that stopped it, if any.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    frames: Vec<(FrameHeader, Vec<u8>)>,
    error: Option<ProtocolError>,
}

/// Feeds `wire` to a copy of `decoder` in the pieces ending at `ends` (ascending; the last
/// should be `wire.len()`).
fn decode_with_ends(decoder: &Decoder, wire: &[u8], ends: &[usize]) -> Outcome {
    let mut decoder = decoder.clone();
    let mut buf = wire.to_vec();
    let mut frames: Vec<(FrameHeader, Vec<u8>)> = Vec::new();
    let mut start = 0;
    for &end in ends {
        let mut input = &mut buf[start..end];
        loop {
            match decoder.decode(input) {
                Err(error) => {
                    return Outcome {
                        frames,
                        error: Some(error),
                    }
                }
                Ok((Item::NeedMore, _)) => break,
                Ok((Item::Header(header), rest)) => {
                    frames.push((header, Vec::new()));
                    input = rest;
                }
                Ok((Item::Payload { data, .. }, rest)) => {
                    frames
                        .last_mut()
                        .expect("payload without a header")
                        .1
                        .extend_from_slice(data);
                    input = rest;
                }
            }
        }
        start = end;
    }
    Outcome {
        frames,
        error: None,
    }
}

fn decode_whole(decoder: &Decoder, wire: &[u8]) -> Outcome {
    decode_with_ends(decoder, wire, &[wire.len()])
}

/// The decoder a stream of `role`'s peer is meant for, with every RSV bit allowed.
fn permissive(role: Role) -> Decoder {
    Decoder::new(role).with_allowed_rsv(RSV1 | RSV2 | RSV3)
}

fn opcode() -> impl Strategy<Value = Opcode> {
    select(vec![
        Opcode::Continuation,
        Opcode::Text,
        Opcode::Binary,
        Opcode::Close,
        Opcode::Ping,
        Opcode::Pong,
    ])
}

/// Payload lengths in each encoding, weighted towards the edges between encodings.
fn payload_len() -> impl Strategy<Value = u64> {
    prop_oneof![
        0u64..=125,
        126u64..=0xffff,
        0x1_0000u64..=u64::MAX >> 1,
        select(vec![
            0,
            1,
            125,
            126,
            127,
            0xfffe,
            0xffff,
            0x1_0000,
            0x1_0001,
            u32::MAX as u64,
            u64::MAX >> 1,
        ]),
    ]
}

fn any_header() -> impl Strategy<Value = FrameHeader> {
    (
        any::<bool>(),
        0u8..8,
        opcode(),
        any::<Option<[u8; 4]>>(),
        payload_len(),
    )
        .prop_map(|(fin, rsv, opcode, mask, payload_len)| FrameHeader {
            fin,
            rsv: rsv << 4,
            opcode,
            mask,
            payload_len,
        })
}

/// A frame that a decoder for `role` accepts (with all RSV bits allowed): masked towards a
/// server, unmasked towards a client, control frames final and at most 125 bytes.
fn valid_frame(role: Role, max_payload: usize) -> impl Strategy<Value = (FrameHeader, Vec<u8>)> {
    (
        opcode(),
        any::<bool>(),
        0u8..8,
        any::<[u8; 4]>(),
        prop::collection::vec(any::<u8>(), 0..=max_payload),
    )
        .prop_map(move |(opcode, fin, rsv, key, mut payload)| {
            let control = opcode.is_control();
            if control {
                payload.truncate(125);
            }
            let mut header = FrameHeader::new(opcode, fin || control, payload.len() as u64);
            header.rsv = rsv << 4;
            if role == Role::Server {
                header = header.with_mask(key);
            }
            (header, payload)
        })
}

fn role() -> impl Strategy<Value = Role> {
    select(vec![Role::Client, Role::Server])
}

/// A role and a sequence of frames valid for it.
fn valid_frames(
    max_frames: usize,
    max_payload: usize,
) -> impl Strategy<Value = (Role, Vec<(FrameHeader, Vec<u8>)>)> {
    role().prop_flat_map(move |role| {
        (
            Just(role),
            prop::collection::vec(valid_frame(role, max_payload), 0..=max_frames),
        )
    })
}

fn encode_all(frames: &[(FrameHeader, Vec<u8>)]) -> Vec<u8> {
    let mut wire = Vec::new();
    for (header, payload) in frames {
        let mut out = vec![0u8; header.encoded_len() + payload.len()];
        let n = encode_frame(*header, payload, &mut out).expect("sized exactly");
        assert_eq!(n, out.len());
        wire.extend_from_slice(&out);
    }
    wire
}

/// Ascending piece ends from arbitrary cut positions, the last one `len`.
fn ends_from_cuts(cuts: &[usize], len: usize) -> Vec<usize> {
    let mut ends: Vec<usize> = cuts.iter().map(|c| c % (len + 1)).collect();
    ends.push(len);
    ends.sort_unstable();
    ends
}

/// A frame written field by field with no rule applied: any first byte (FIN, RSV, opcode,
/// reserved ones included), either mask bit, and a length in any of the three forms, so
/// non-minimal encodings, MSB-set 64-bit lengths and long control frames all occur. The
/// payload is cut to at most 20 bytes, so the stream may end inside it.
fn raw_frame() -> impl Strategy<Value = Vec<u8>> {
    let len = prop_oneof![
        0u64..=200,
        select(vec![0xfffe, 0xffff, 0x1_0000, 1 << 62, 1 << 63, u64::MAX]),
    ];
    (
        any::<u8>(),
        any::<bool>(),
        0u8..3,
        len,
        any::<[u8; 4]>(),
        any::<u8>(),
    )
        .prop_map(|(b0, masked, form, len, key, fill)| {
            let mask_bit = if masked { 0x80 } else { 0 };
            let mut wire = vec![b0];
            let declared = match form {
                0 => {
                    let n = (len % 126) as u8;
                    wire.push(mask_bit | n);
                    u64::from(n)
                }
                1 => {
                    wire.push(mask_bit | 126);
                    wire.extend_from_slice(&(len as u16).to_be_bytes());
                    u64::from(len as u16)
                }
                _ => {
                    wire.push(mask_bit | 127);
                    wire.extend_from_slice(&len.to_be_bytes());
                    len
                }
            };
            if masked {
                wire.extend_from_slice(&key);
            }
            wire.resize(wire.len() + declared.min(20) as usize, fill);
            wire
        })
}

/// A role and a stream for it that mixes valid frames with [`raw_frame`]s.
fn mixed_stream(max_items: usize, max_payload: usize) -> impl Strategy<Value = (Role, Vec<u8>)> {
    role().prop_flat_map(move |role| {
        let item = prop_oneof![
            2 => valid_frame(role, max_payload).prop_map(|f| encode_all(&[f])),
            1 => raw_frame(),
        ];
        (
            Just(role),
            prop::collection::vec(item, 0..=max_items).prop_map(|items| items.concat()),
        )
    })
}

/// `wire` with one byte changed, so that headers break rules (or payloads change).
fn mutate(mut wire: Vec<u8>, at: usize, value: u8, xor: bool) -> Vec<u8> {
    if !wire.is_empty() {
        let i = at % wire.len();
        if xor {
            wire[i] ^= value | 1;
        } else {
            wire[i] = value;
        }
    }
    wire
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// `to_bytes` writes the wire layout of RFC 6455 5.2 with the minimal length form, and
    /// `parse` reads back the same header, whatever follows it.
    #[test]
    fn header_round_trips(header in any_header(), trailer in prop::collection::vec(any::<u8>(), 0..16)) {
        let bytes = header.to_bytes();
        let len = bytes.len();
        let ext = match header.payload_len { 0..=125 => 0, 126..=0xffff => 2, _ => 8 };
        let key = if header.mask.is_some() { 4 } else { 0 };
        prop_assert_eq!(len, 2 + ext + key);
        prop_assert_eq!(header.encoded_len(), len);
        let b0 = u8::from(header.fin) << 7 | header.rsv | header.opcode.as_u8();
        prop_assert_eq!(bytes[0], b0);
        prop_assert_eq!(bytes[1] & 0x80 != 0, header.mask.is_some());
        let mut be = [0u8; 8];
        match ext {
            0 => prop_assert_eq!(u64::from(bytes[1] & 0x7f), header.payload_len),
            2 => {
                prop_assert_eq!(bytes[1] & 0x7f, 126);
                prop_assert_eq!(u64::from(u16::from_be_bytes([bytes[2], bytes[3]])), header.payload_len);
            }
            _ => {
                prop_assert_eq!(bytes[1] & 0x7f, 127);
                be.copy_from_slice(&bytes[2..10]);
                prop_assert_eq!(u64::from_be_bytes(be), header.payload_len);
            }
        }
        if let Some(k) = header.mask {
            prop_assert_eq!(&bytes[2 + ext..], &k[..]);
        }

        let mut wire = bytes.to_vec();
        wire.extend_from_slice(&trailer);
        prop_assert_eq!(FrameHeader::parse(&wire), Ok(Some((header, len))));
        for cut in 0..len {
            prop_assert_eq!(FrameHeader::parse(&bytes[..cut]), Ok(None), "cut {}", cut);
        }

        let mut out = [0xeeu8; 14];
        prop_assert_eq!(header.encode(&mut out[..len - 1]), Err(BufferTooSmall { needed: len }));
        prop_assert!(out.iter().all(|&b| b == 0xee), "written on error");
        prop_assert_eq!(header.encode(&mut out), Ok(len));
        prop_assert_eq!(&out[..len], &bytes[..]);
    }

    /// Encoding frames and decoding the stream in one piece gives the frames back, payloads
    /// unmasked, and the decoder ends between frames.
    #[test]
    fn frames_round_trip((role, frames) in valid_frames(6, 300)) {
        let wire = encode_all(&frames);
        let out = decode_whole(&permissive(role), &wire);
        prop_assert_eq!(out.error, None);
        prop_assert_eq!(out.frames, frames);
    }

    /// Frames with 16- and 64-bit lengths (and the exact edges) round-trip too.
    #[test]
    fn long_frames_round_trip(
        role in role(),
        len in select(vec![125usize, 126, 127, 1000, 0xffff, 0x1_0000, 0x1_0001, 70_000]),
        fill in any::<u8>(),
        key in any::<[u8; 4]>(),
    ) {
        let mut header = FrameHeader::new(Opcode::Binary, true, 0);
        if role == Role::Server {
            header = header.with_mask(key);
        }
        let payload: Vec<u8> = (0..len).map(|i| fill.wrapping_add(i as u8)).collect();
        let frames = vec![(FrameHeader { payload_len: len as u64, ..header }, payload)];
        let wire = encode_all(&frames);
        prop_assert_eq!(wire.len(), header.encoded_len() + len + match len { 0..=125 => 0, 126..=0xffff => 2, _ => 8 });
        let out = decode_whole(&Decoder::new(role), &wire);
        prop_assert_eq!(out.error, None);
        prop_assert_eq!(&out.frames, &frames);
        let bytes: Vec<usize> = (1..=wire.len()).step_by(4093).chain([wire.len()]).collect();
        prop_assert_eq!(decode_with_ends(&Decoder::new(role), &wire, &bytes), out);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Short valid streams: every single cut and every pair of cuts gives the frames that
    /// were encoded.
    #[test]
    fn every_split_of_a_short_valid_stream_gives_the_frames((role, frames) in valid_frames(3, 10)) {
        let wire = encode_all(&frames);
        let decoder = permissive(role);
        let expected = Outcome { frames, error: None };
        let n = wire.len();
        for i in 0..=n {
            prop_assert_eq!(&decode_with_ends(&decoder, &wire, &[i, n]), &expected, "cut {}", i);
            for j in i..=n {
                prop_assert_eq!(&decode_with_ends(&decoder, &wire, &[i, j, n]), &expected, "cuts {} {}", i, j);
            }
        }
    }

    /// Short streams mixing valid and rule-breaking frames, some with a byte changed: every
    /// single cut and every pair of cuts gives the same frames and the same error as
    /// decoding in one piece.
    #[test]
    fn every_split_of_a_short_mixed_stream_agrees(
        (role, wire) in mixed_stream(3, 10),
        rsv in 0u8..8,
        mutation in prop::option::weighted(0.3, (any::<usize>(), any::<u8>(), any::<bool>())),
    ) {
        let mut wire = wire;
        if let Some((at, value, xor)) = mutation {
            wire = mutate(wire, at, value, xor);
        }
        wire.truncate(48);
        let decoder = Decoder::new(role).with_allowed_rsv(rsv << 4);
        let whole = decode_whole(&decoder, &wire);
        let n = wire.len();
        for i in 0..=n {
            prop_assert_eq!(&decode_with_ends(&decoder, &wire, &[i, n]), &whole, "cut {}", i);
            for j in i..=n {
                prop_assert_eq!(&decode_with_ends(&decoder, &wire, &[i, j, n]), &whole, "cuts {} {}", i, j);
            }
        }
    }

    /// Longer streams: random multi-way splits and one byte at a time agree with the whole.
    #[test]
    fn random_splits_of_a_long_stream_agree(
        (role, frames) in valid_frames(8, 400),
        cuts in prop::collection::vec(any::<usize>(), 0..24),
        mutation in prop::option::weighted(0.3, (any::<usize>(), any::<u8>(), any::<bool>())),
    ) {
        let mut wire = encode_all(&frames);
        if let Some((at, value, xor)) = mutation {
            wire = mutate(wire, at, value, xor);
        }
        let decoder = permissive(role);
        let whole = decode_whole(&decoder, &wire);
        if mutation.is_none() {
            prop_assert_eq!(&whole.frames, &frames);
            prop_assert_eq!(whole.error, None);
        }
        let ends = ends_from_cuts(&cuts, wire.len());
        prop_assert_eq!(&decode_with_ends(&decoder, &wire, &ends), &whole);
        let bytes: Vec<usize> = (1..=wire.len()).collect();
        prop_assert_eq!(&decode_with_ends(&decoder, &wire, &bytes), &whole);
    }

    /// Longer mixed streams: random multi-way splits and one byte at a time agree with the
    /// whole, error included.
    #[test]
    fn random_splits_of_a_long_mixed_stream_agree(
        (role, wire) in mixed_stream(10, 300),
        rsv in 0u8..8,
        cuts in prop::collection::vec(any::<usize>(), 0..24),
    ) {
        let decoder = Decoder::new(role).with_allowed_rsv(rsv << 4);
        let whole = decode_whole(&decoder, &wire);
        let ends = ends_from_cuts(&cuts, wire.len());
        prop_assert_eq!(&decode_with_ends(&decoder, &wire, &ends), &whole);
        let bytes: Vec<usize> = (1..=wire.len()).collect();
        prop_assert_eq!(&decode_with_ends(&decoder, &wire, &bytes), &whole);
    }

    /// The fuzz target's invariants hold on valid, mixed and mutated streams under every
    /// configuration byte and split byte.
    #[test]
    fn fuzz_invariants_on_structured_streams(
        cfg in any::<u8>(),
        split in any::<u8>(),
        (_role, wire) in mixed_stream(6, 200),
        mutation in prop::option::weighted(0.3, (any::<usize>(), any::<u8>(), any::<bool>())),
    ) {
        let mut wire = wire;
        if let Some((at, value, xor)) = mutation {
            wire = mutate(wire, at, value, xor);
        }
        let mut data = vec![cfg, split];
        data.extend_from_slice(&wire);
        frame_check::run(&data);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Decoding random bytes never panics, terminates, and keeps the fuzz invariants.
    #[test]
    fn random_bytes_keep_the_fuzz_invariants(data in prop::collection::vec(any::<u8>(), 0..300)) {
        frame_check::run(&data);
    }
}

/// Regression: a header that breaks both a first-two-byte rule (role, RSV, control) and a
/// length-encoding rule used to fail with the length error when it arrived in one piece, but
/// with the first-two-byte error when a read ended after its second byte. The error (and so
/// the close reason) must not depend on how TCP split the stream.
#[test]
fn header_error_is_the_same_for_every_split() {
    let cases: &[(Decoder, &[u8], ProtocolError)] = &[
        // Unmasked, and 5 encoded in 16 bits.
        (
            Decoder::new(Role::Server),
            &[0x82, 0x7e, 0x00, 0x05],
            ProtocolError::UnmaskedFrame,
        ),
        // A ping announcing 126 bytes, non-minimally.
        (
            Decoder::new(Role::Client),
            &[0x89, 0x7e, 0x00, 0x05],
            ProtocolError::ControlTooLong(126),
        ),
        // A fragmented ping with a 64-bit length whose MSB is set.
        (
            Decoder::new(Role::Client),
            &[0x09, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0],
            ProtocolError::FragmentedControl,
        ),
        // RSV1 without an extension, and 1 encoded in 16 bits.
        (
            Decoder::new(Role::Client),
            &[0x82 | RSV1, 0x7e, 0x00, 0x01],
            ProtocolError::ReservedBits(RSV1),
        ),
        // Masked to a client, and 0xffff encoded in 64 bits.
        (
            Decoder::new(Role::Client),
            &[0x82, 0xff, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4],
            ProtocolError::MaskedFrame,
        ),
        // A reserved opcode is reported from the first byte, before the RSV bits.
        (
            Decoder::new(Role::Client),
            &[0x83 | RSV1, 0x7e, 0x00, 0x01],
            ProtocolError::ReservedOpcode(3),
        ),
        // Only a length rule is broken: every split reports it.
        (
            Decoder::new(Role::Client),
            &[0x82, 0x7e, 0x00, 0x7d],
            ProtocolError::NonMinimalLength,
        ),
    ];
    for (decoder, wire, expected) in cases {
        let n = wire.len();
        assert_eq!(
            decode_with_ends(decoder, wire, &[n]).error,
            Some(*expected),
            "{wire:02x?} whole"
        );
        for cut in 0..=n {
            assert_eq!(
                decode_with_ends(decoder, wire, &[cut, n]).error,
                Some(*expected),
                "{wire:02x?} cut at {cut}"
            );
        }
        let bytes: Vec<usize> = (1..=n).collect();
        assert_eq!(
            decode_with_ends(decoder, wire, &bytes).error,
            Some(*expected),
            "{wire:02x?} byte at a time"
        );
    }
}
