//! Fuzz check for `wscore::frame::Decoder`.
//!
//! Input layout: a configuration byte, a split byte, then the wire bytes.
//!
//! - configuration bit 0: role (0 client, 1 server); bits 1-3: the maximum payload, from
//!   [`MAX_PAYLOADS`]; bits 4-6: the allowed RSV bits (their wire positions).
//! - split byte: 0 feeds the stream in one piece; otherwise it seeds a generator of piece
//!   sizes between 1 and `split % 32 + 1`.
//!
//! The stream is decoded three ways: whole, in the data-chosen pieces, and one byte at a
//! time. Each decoding checks the step invariants: headers obey the decoder's rules; payload
//! chunks are non-empty, consumed exactly, never exceed the declared length, sum to it for a
//! completed frame, and `last` is set exactly on the final one; `NeedMore` consumes all of
//! the input; an error names a rule the failing header really breaks, and every later call
//! returns the same error; a partial header still pending at the end already passes the
//! rules its first two bytes decide. The three decodings must agree (frames, payloads,
//! error), and re-encoding the decoded headers and payloads (masking again with the same
//! key) must reproduce the consumed input byte for byte.

use wscore::frame::{
    encode_frame, Decoder, FrameHeader, Item, DEFAULT_MAX_PAYLOAD, MAX_CONTROL_PAYLOAD,
    MAX_HEADER_LEN, RSV1, RSV2, RSV3,
};
use wscore::mask::apply_mask;
use wscore::{ProtocolError, Role};

/// The maximum payload choices; the small ones put `FrameTooLarge` within reach.
const MAX_PAYLOADS: [u64; 8] = [
    DEFAULT_MAX_PAYLOAD,
    u64::MAX,
    0,
    1,
    125,
    126,
    0xffff,
    0x1_0000,
];

#[derive(Clone, Copy, Debug)]
struct Config {
    role: Role,
    max_payload: u64,
    allowed_rsv: u8,
}

impl Config {
    fn decoder(&self) -> Decoder {
        Decoder::new(self.role)
            .with_max_payload(self.max_payload)
            .with_allowed_rsv(self.allowed_rsv)
    }
}

/// A frame as decoded: its header and the (unmasked) payload bytes delivered so far.
#[derive(Debug, PartialEq, Eq)]
struct Frame {
    header: FrameHeader,
    payload: Vec<u8>,
}

impl Frame {
    fn is_complete(&self) -> bool {
        self.payload.len() as u64 == self.header.payload_len
    }
}

/// The outcome of decoding a whole stream.
#[derive(Debug)]
struct Trace {
    frames: Vec<Frame>,
    error: Option<ProtocolError>,
    /// Bytes consumed by `NeedMore` that no header has claimed yet (a split header at the end).
    pending: usize,
}

/// Piece ends for the split byte: ascending, the last one `len`.
fn piece_ends(len: usize, split: u8) -> Vec<usize> {
    if split == 0 {
        return vec![len];
    }
    let max = usize::from(split % 32) + 1;
    let mut state = u32::from(split).wrapping_mul(0x9e37_79b9) | 1;
    let mut ends = Vec::new();
    let mut at = 0;
    while at < len {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        at = (at + 1 + state as usize % max).min(len);
        ends.push(at);
    }
    if ends.is_empty() {
        ends.push(0);
    }
    ends
}

/// The header rules a decoder must have enforced on every header it returned.
fn check_header(config: &Config, h: &FrameHeader) {
    match config.role {
        Role::Server => assert!(h.mask.is_some(), "server accepted an unmasked frame"),
        Role::Client => assert!(h.mask.is_none(), "client accepted a masked frame"),
    }
    assert_eq!(h.rsv & !config.allowed_rsv, 0, "disallowed RSV bits");
    assert_eq!(
        h.rsv & !(RSV1 | RSV2 | RSV3),
        0,
        "RSV field holds other bits"
    );
    if h.opcode.is_control() {
        assert!(h.fin, "fragmented control frame");
        assert!(
            h.payload_len <= MAX_CONTROL_PAYLOAD as u64,
            "long control frame"
        );
    }
    assert!(h.payload_len <= config.max_payload, "over max_payload");
    assert!(h.payload_len >> 63 == 0, "length MSB set");
}

/// The decoder rejects a header as soon as its first two bytes break a rule, so a partial
/// header it is still waiting on must pass those rules.
fn check_first_bytes_pass(config: &Config, b0: u8, b1: u8) {
    assert_eq!(
        b0 & (RSV1 | RSV2 | RSV3) & !config.allowed_rsv,
        0,
        "waits on bad RSV"
    );
    assert_eq!(
        b1 & 0x80 != 0,
        config.role == Role::Server,
        "waits on wrong masking"
    );
    if b0 & 0x08 != 0 {
        assert!(b0 & 0x80 != 0, "waits on a fragmented control frame");
        assert!(
            b1 & 0x7f <= MAX_CONTROL_PAYLOAD as u8,
            "waits on a long control frame"
        );
    }
}

/// Checks that `e` names a rule that the header starting at `h` (the rest of the stream)
/// really breaks, reading the bits straight off the wire.
fn check_error(config: &Config, e: ProtocolError, h: &[u8]) {
    assert!(!h.is_empty(), "{e:?} without a header byte");
    let b0 = h[0];
    let opcode = b0 & 0x0f;
    let is_control = matches!(opcode, 0x8..=0xa);
    let len7 = h.get(1).map(|b| b & 0x7f);
    let masked = h.get(1).map(|b| b & 0x80 != 0);
    let declared = match len7 {
        Some(126) if h.len() >= 4 => Some(u64::from(u16::from_be_bytes([h[2], h[3]]))),
        Some(127) if h.len() >= 10 => {
            let mut be = [0u8; 8];
            be.copy_from_slice(&h[2..10]);
            Some(u64::from_be_bytes(be))
        }
        Some(n) if n < 126 => Some(u64::from(n)),
        _ => None,
    };
    let justified = match e {
        ProtocolError::ReservedOpcode(op) => op == opcode && !matches!(op, 0..=2 | 8..=0xa),
        ProtocolError::ReservedBits(bits) => {
            bits != 0 && bits == b0 & (RSV1 | RSV2 | RSV3) & !config.allowed_rsv
        }
        ProtocolError::UnmaskedFrame => config.role == Role::Server && masked == Some(false),
        ProtocolError::MaskedFrame => config.role == Role::Client && masked == Some(true),
        ProtocolError::FragmentedControl => is_control && b0 & 0x80 == 0,
        ProtocolError::ControlTooLong(n) => {
            is_control && len7.map(u64::from) == Some(n) && n > MAX_CONTROL_PAYLOAD as u64
        }
        ProtocolError::LengthMsbSet => declared.is_some_and(|n| len7 == Some(127) && n >> 63 != 0),
        ProtocolError::NonMinimalLength => match (len7, declared) {
            (Some(126), Some(n)) => n < 126,
            (Some(127), Some(n)) => n <= 0xffff,
            _ => false,
        },
        ProtocolError::FrameTooLarge { len, max } => {
            max == config.max_payload && len > max && declared == Some(len)
        }
        _ => false,
    };
    assert!(
        justified,
        "{e:?} is not justified by header {h:02x?} ({config:?})"
    );
}

/// Decodes `stream` fed in the pieces ending at `ends`, checking every step.
fn decode(config: &Config, stream: &[u8], ends: &[usize]) -> Trace {
    let mut buf = stream.to_vec();
    let mut decoder = config.decoder();
    let mut frames: Vec<Frame> = Vec::new();
    let mut pending = 0usize;
    let mut start = 0;
    for &end in ends {
        let mut input = &mut buf[start..end];
        loop {
            let before = input.len();
            let (item, rest) = match decoder.decode(input) {
                Ok(step) => step,
                Err(e) => {
                    assert_eq!(decoder.error(), Some(e));
                    // Sticky: the rest of the stream and an empty input get the same error.
                    let mut tail = stream[end..].to_vec();
                    assert_eq!(decoder.decode(&mut tail).map(|_| ()), Err(e));
                    assert_eq!(decoder.decode(&mut []).map(|_| ()), Err(e));
                    if let Some(last) = frames.last() {
                        assert!(last.is_complete(), "error inside a payload");
                    }
                    let header_start: usize = frames
                        .iter()
                        .map(|f| f.header.encoded_len() + f.payload.len())
                        .sum();
                    check_error(config, e, &stream[header_start..]);
                    return Trace {
                        frames,
                        error: Some(e),
                        pending,
                    };
                }
            };
            let used = before - rest.len();
            match item {
                Item::NeedMore => {
                    assert!(rest.is_empty(), "NeedMore left input unread");
                    pending += used;
                    if used > 0 {
                        assert_eq!(decoder.remaining(), 0, "NeedMore swallowed payload");
                        assert!(!decoder.is_frame_boundary());
                    }
                    assert!(pending < MAX_HEADER_LEN, "buffered a whole header");
                    break;
                }
                Item::Header(header) => {
                    check_header(config, &header);
                    if let Some(last) = frames.last() {
                        assert!(last.is_complete(), "header inside a payload");
                    }
                    assert_eq!(
                        pending + used,
                        header.encoded_len(),
                        "header bytes consumed"
                    );
                    assert_eq!(header.to_bytes().len(), header.encoded_len());
                    pending = 0;
                    assert_eq!(decoder.remaining(), header.payload_len);
                    assert_eq!(decoder.is_frame_boundary(), header.payload_len == 0);
                    frames.push(Frame {
                        header,
                        payload: Vec::new(),
                    });
                }
                Item::Payload { data, last } => {
                    assert!(!data.is_empty(), "empty payload chunk");
                    assert_eq!(used, data.len(), "payload chunk not consumed exactly");
                    assert_eq!(pending, 0);
                    let frame = frames.last_mut().expect("payload before any header");
                    assert!(!frame.is_complete(), "payload after the frame ended");
                    frame.payload.extend_from_slice(data);
                    let declared = frame.header.payload_len;
                    let got = frame.payload.len() as u64;
                    assert!(got <= declared, "chunks exceed the declared length");
                    assert_eq!(last, got == declared, "`last` flag");
                    assert_eq!(decoder.remaining(), declared - got);
                }
            }
            input = rest;
        }
        start = end;
    }
    assert!(decoder.error().is_none());
    Trace {
        frames,
        error: None,
        pending,
    }
}

/// Re-encodes the decoded frames and compares them with the stream they came from.
fn check_reencoding(config: &Config, stream: &[u8], trace: &Trace) {
    let mut out = Vec::new();
    for frame in &trace.frames {
        let at = out.len();
        let head = frame.header.to_bytes();
        let mut fixed = [0u8; MAX_HEADER_LEN];
        assert_eq!(frame.header.encode(&mut fixed), Ok(head.len()));
        assert_eq!(&fixed[..head.len()], &head[..]);
        out.extend_from_slice(&head);
        let mut payload = frame.payload.clone();
        if let Some(key) = frame.header.mask {
            apply_mask(&mut payload, key, 0);
        }
        out.extend_from_slice(&payload);
        assert_eq!(
            FrameHeader::parse(&stream[at..]),
            Ok(Some((frame.header, head.len())))
        );
        if frame.is_complete() {
            let mut whole = vec![0u8; head.len() + frame.payload.len()];
            let n = encode_frame(frame.header, &frame.payload, &mut whole);
            assert_eq!(n, Ok(whole.len()));
            assert_eq!(&whole[..], &stream[at..out.len()], "encode_frame");
        }
    }
    assert_eq!(&out[..], &stream[..out.len()], "re-encoding differs");
    // With an error, the failing header starts right after the frames (checked in
    // `decode`); without one, all that is left is a header still being waited on.
    if trace.error.is_none() {
        let tail = &stream[out.len()..];
        assert_eq!(tail.len(), trace.pending, "unaccounted input");
        if trace.frames.last().is_some_and(|f| !f.is_complete()) {
            assert!(tail.is_empty(), "header bytes inside a payload");
        }
        if !tail.is_empty() {
            assert_eq!(FrameHeader::parse(tail), Ok(None), "left a complete header");
        }
        if let [b0, b1, ..] = *tail {
            check_first_bytes_pass(config, b0, b1);
        }
    }
}

/// Two decodings of the same stream agree on the frames and the error. How many bytes of a
/// failing header were buffered before the error depends on the split, so `pending` is
/// compared only for streams without an error.
fn assert_same(split: &Trace, whole: &Trace, how: &str) {
    assert_eq!(
        split.frames, whole.frames,
        "{how}: frames differ from whole"
    );
    assert_eq!(split.error, whole.error, "{how}: error differs from whole");
    if whole.error.is_none() {
        assert_eq!(split.pending, whole.pending, "{how}: buffered header bytes");
    }
}

pub fn run(data: &[u8]) {
    let [cfg, split, stream @ ..] = data else {
        return;
    };
    let config = Config {
        role: if cfg & 1 == 0 {
            Role::Client
        } else {
            Role::Server
        },
        max_payload: MAX_PAYLOADS[usize::from((cfg >> 1) & 7)],
        allowed_rsv: cfg & (RSV1 | RSV2 | RSV3),
    };

    let whole = decode(&config, stream, &[stream.len()]);
    check_reencoding(&config, stream, &whole);

    let pieces = decode(&config, stream, &piece_ends(stream.len(), *split));
    assert_same(&pieces, &whole, "data-chosen pieces");

    let bytes: Vec<usize> = (1..=stream.len()).collect();
    let one_by_one = decode(&config, stream, &bytes);
    assert_same(&one_by_one, &whole, "byte at a time");
}
