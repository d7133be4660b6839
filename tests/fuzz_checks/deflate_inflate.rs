//! Fuzz check of the permessage-deflate inflating path on hostile payloads.
//!
//! Input layout: byte 0 holds flags (bit 0: the peer has no context takeover, bit 1: keep
//! state instead of releasing it, bit 2: end each message with an extra empty piece),
//! bytes 1-2 the message limit (little-endian, times 4), byte 3 the piece size (1-256);
//! the rest is a sequence of messages, each a little-endian u16 length and that many
//! payload bytes (the last one takes whatever is left).
//!
//! Invariants, each asserted:
//!
//! - nothing panics;
//! - no `inbound` call appends more than the room it was given, so no message exceeds the
//!   limit;
//! - a failure is 1009 (limit) or 1007 (invalid data), and appends nothing;
//! - every message that inflates compresses again with our codec and inflates back to the
//!   same bytes.

use wscore::deflate::{CodecSettings, DeflateCodec, DeflateConfig, MemoryPolicy, Miniz, RSV1};
use wscore::extension::Extension;
use wscore::frame::CloseCode;
use wscore::DataKind;

pub fn run(data: &[u8]) {
    let mut head = [0u8; 4];
    let n = data.len().min(4);
    head[..n].copy_from_slice(&data[..n]);
    let mut rest = &data[n..];
    let flags = head[0];
    let limit = usize::from(u16::from_le_bytes([head[1], head[2]])) * 4;
    let piece = usize::from(head[3]) + 1;
    let policy = if flags & 2 != 0 {
        MemoryPolicy::Keep
    } else {
        MemoryPolicy::Release
    };
    let config = DeflateConfig::new().threshold(0).memory_policy(policy);
    let settings = CodecSettings {
        compress_window_bits: 15,
        compress_no_context_takeover: false,
        inflate_no_context_takeover: flags & 1 != 0,
    };
    let mut codec = DeflateCodec::new(Miniz, settings, config);
    // Our own pair, whose compressor resets exactly when the receiver's inflater does.
    let pair = CodecSettings {
        compress_no_context_takeover: settings.inflate_no_context_takeover,
        ..settings
    };
    let mut sender = DeflateCodec::new(Miniz, pair, config);
    let mut receiver = DeflateCodec::new(Miniz, pair, config);

    while !rest.is_empty() {
        let len = if rest.len() >= 2 {
            let len = usize::from(u16::from_le_bytes([rest[0], rest[1]]));
            rest = &rest[2..];
            len.min(rest.len())
        } else {
            rest.len()
        };
        let (payload, tail) = rest.split_at(len);
        rest = tail;

        codec.begin_inbound(RSV1).unwrap();
        let mut out = Vec::new();
        let mut pieces: Vec<&[u8]> = payload.chunks(piece).collect();
        if pieces.is_empty() || flags & 4 != 0 {
            pieces.push(&[]);
        }
        let mut failed = false;
        for (i, p) in pieces.iter().enumerate() {
            let room = limit - out.len();
            let before = out.len();
            match codec.inbound(p, i + 1 == pieces.len(), room, &mut out) {
                Ok(()) => assert!(out.len() - before <= room, "appended past the room"),
                Err(e) => {
                    assert!(
                        e.code == CloseCode::MESSAGE_TOO_BIG
                            || e.code == CloseCode::INVALID_PAYLOAD,
                        "{e:?}"
                    );
                    assert_eq!(out.len(), before, "a failed call appended");
                    failed = true;
                    break;
                }
            }
        }
        if failed {
            // The connection fails here; nothing more is fed.
            return;
        }
        assert!(out.len() <= limit);

        // Whatever inflated survives our own round trip.
        assert_eq!(sender.begin_outbound(DataKind::Binary, None), RSV1);
        let mut wire = Vec::new();
        sender.outbound(&out, true, &mut wire).unwrap();
        receiver.begin_inbound(RSV1).unwrap();
        let mut back = Vec::new();
        receiver.inbound(&wire, true, out.len(), &mut back).unwrap();
        assert!(back == out, "round trip");
    }
}
