#![allow(clippy::too_many_arguments, clippy::type_complexity)]
#![cfg(feature = "deflate")]
//! Property tests of the permessage-deflate codec through the extension traits: messages
//! of every kind (empty, random, highly compressible, JSON-like, up to ~200 KiB) sent in
//! random pieces by one side and received in random pieces by the other, every window
//! 8..=15, with and without context takeover, for every pairing of backends.
//!
//! Each compressed payload is judged by two decoders that are not the one receiving it:
//! the test's own RFC 1951 block walker (which also records the farthest back-reference,
//! asserted within the negotiated window) and flate2 over zlib-rs with the negotiated
//! window (so a back-reference too far fails there too).

mod deflate_util;

use deflate_util::walker::Walker;
use deflate_util::{json_like, negotiate};
use proptest::prelude::*;
use wscore::deflate::backend::Backend;
use wscore::deflate::{DeflateConfig, MemoryPolicy, Miniz, RSV1, TAIL};
use wscore::extension::Extension;
use wscore::DataKind;

#[derive(Clone, Debug)]
enum Kind {
    Random,
    Runs,
    Json,
    Text,
}

fn message() -> impl Strategy<Value = Vec<u8>> {
    let kind = prop_oneof![
        Just(Kind::Random),
        Just(Kind::Runs),
        Just(Kind::Json),
        Just(Kind::Text)
    ];
    let len = prop_oneof![0usize..64, 0usize..4096, 0usize..200_000];
    (kind, len, any::<u64>()).prop_map(|(kind, len, seed)| {
        let mut s = seed | 1;
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        match kind {
            Kind::Random => (0..len).map(|_| next() as u8).collect(),
            Kind::Runs => {
                let mut v = Vec::with_capacity(len);
                while v.len() < len {
                    let n = next();
                    let run = (n % 300) as usize + 1;
                    v.extend(std::iter::repeat_n(n as u8 >> 5, run));
                }
                v.truncate(len);
                v
            }
            Kind::Json => json_like(len, seed),
            Kind::Text => {
                let words = [
                    "the ", "quick ", "brown ", "fox ", "jumps ", "over ", "lazy ", "dog ",
                ];
                let mut v = Vec::with_capacity(len);
                while v.len() < len {
                    v.extend_from_slice(words[(next() % 8) as usize].as_bytes());
                }
                v.truncate(len);
                v
            }
        }
    })
}

/// Splits `data` at the (sorted, deduplicated) cut points taken modulo its length.
fn pieces<'a>(data: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (data.len() + 1)).collect();
    points.sort_unstable();
    points.dedup();
    let mut out = Vec::new();
    let mut last = 0;
    for p in points {
        out.push(&data[last..p]);
        last = p;
    }
    out.push(&data[last..]);
    out
}

/// One direction of a connection, with its independent judges.
struct Direction {
    window: u8,
    reset_each_message: bool,
    walker: Walker,
    oracle: flate2::Decompress,
}

impl Direction {
    fn new(window: u8, reset_each_message: bool) -> Direction {
        Direction {
            window,
            reset_each_message,
            walker: Walker::new(),
            oracle: flate2::Decompress::new_with_window_bits(false, window.max(9)),
        }
    }

    fn judge(&mut self, payload: &[u8], message: &[u8]) {
        let decoded = self.walker.message(payload).expect("walker decodes");
        assert_eq!(decoded, message, "walker output");
        assert!(
            self.walker.max_distance <= 1 << self.window,
            "distance {} beyond window {}",
            self.walker.max_distance,
            self.window
        );
        let mut input = payload.to_vec();
        input.extend_from_slice(&TAIL);
        let mut out = vec![0u8; message.len() + 64];
        let (in0, out0) = (self.oracle.total_in(), self.oracle.total_out());
        self.oracle
            .decompress(&input, &mut out, flate2::FlushDecompress::Sync)
            .expect("flate2 inflates");
        assert_eq!(self.oracle.total_in() - in0, input.len() as u64);
        let written = (self.oracle.total_out() - out0) as usize;
        assert_eq!(&out[..written], message, "flate2 output");
        if self.reset_each_message {
            self.walker.reset();
            self.oracle.reset(false);
        }
    }
}

/// One message of a case and how it travels.
#[derive(Clone, Debug)]
struct Msg {
    /// Client to server (else server to client).
    upward: bool,
    message: Vec<u8>,
    /// Sent with an unknown length.
    streamed: bool,
    /// Where the sender's pieces are cut.
    send_cuts: Vec<usize>,
    /// Where the receiver's pieces are cut.
    recv_cuts: Vec<usize>,
    /// The receiver gets an extra empty piece with `fin`.
    empty_last: bool,
}

/// Sends `msg.message` from `tx` to `rx`: outbound in `send_cuts` pieces, inbound in
/// `recv_cuts` pieces, judged on the way.
fn transfer(tx: &mut dyn Extension, rx: &mut dyn Extension, dir: &mut Direction, msg: &Msg) {
    let Msg {
        message,
        streamed,
        send_cuts,
        recv_cuts,
        empty_last,
        ..
    } = msg;
    let (streamed, empty_last) = (*streamed, *empty_last);
    let len = (!streamed).then_some(message.len());
    assert_eq!(tx.begin_outbound(DataKind::Binary, len), RSV1);
    let mut payload = Vec::new();
    let parts = pieces(message, send_cuts);
    for (i, part) in parts.iter().enumerate() {
        tx.outbound(part, i + 1 == parts.len(), &mut payload)
            .unwrap();
    }
    dir.judge(&payload, message);
    rx.begin_inbound(RSV1).unwrap();
    let mut received = Vec::new();
    let parts = pieces(&payload, recv_cuts);
    let limit = message.len();
    for (i, part) in parts.iter().enumerate() {
        let fin = i + 1 == parts.len() && !empty_last;
        let room = limit - received.len();
        rx.inbound(part, fin, room, &mut received).unwrap();
    }
    if empty_last {
        let room = limit - received.len();
        rx.inbound(&[], true, room, &mut received).unwrap();
    }
    assert_eq!(received.len(), message.len());
    assert!(received == *message, "round trip");
}

#[derive(Clone, Debug)]
struct Case {
    server_window: u8,
    client_window: u8,
    server_nct: bool,
    client_nct: bool,
    keep: bool,
    level: u8,
    messages: Vec<Msg>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        8u8..=15,
        8u8..=15,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        0u8..=9,
        prop::collection::vec(
            (
                any::<bool>(),
                message(),
                any::<bool>(),
                prop::collection::vec(any::<usize>(), 0..4),
                prop::collection::vec(any::<usize>(), 0..6),
                any::<bool>(),
            )
                .prop_map(
                    |(upward, message, streamed, send_cuts, recv_cuts, empty_last)| Msg {
                        upward,
                        message,
                        streamed,
                        send_cuts,
                        recv_cuts,
                        empty_last,
                    },
                ),
            1..5,
        ),
    )
        .prop_map(
            |(server_window, client_window, server_nct, client_nct, keep, level, messages)| Case {
                server_window,
                client_window,
                server_nct,
                client_nct,
                keep,
                level,
                messages,
            },
        )
}

fn run_case<C: Backend, S: Backend>(cb: C, sb: S, case: &Case) {
    let policy = if case.keep {
        MemoryPolicy::Keep
    } else {
        MemoryPolicy::Release
    };
    let base = DeflateConfig::new()
        .threshold(0)
        .level(case.level)
        .memory_policy(policy);
    let client_config = base
        .server_max_window_bits(Some(case.server_window))
        .server_no_context_takeover(case.server_nct)
        .client_no_context_takeover(case.client_nct);
    let server_config = base
        .server_max_window_bits(Some(15))
        .client_max_window_bits(Some(case.client_window));
    let (mut client, mut server, response) = negotiate(cb, client_config, sb, server_config);
    let settings = client.settings();
    assert_eq!(
        settings.compress_window_bits, case.client_window,
        "{response}"
    );
    let mut up = Direction::new(case.client_window, case.client_nct);
    let mut down = Direction::new(case.server_window, case.server_nct);
    for msg in &case.messages {
        if msg.upward {
            transfer(&mut client, &mut *server, &mut up, msg);
        } else {
            transfer(&mut *server, &mut client, &mut down, msg);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn miniz_to_miniz(case in case()) {
        run_case(Miniz, Miniz, &case);
    }
}

#[cfg(feature = "zlib-rs")]
proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn zlib_rs_to_zlib_rs(case in case()) {
        run_case(wscore::deflate::ZlibRs, wscore::deflate::ZlibRs, &case);
    }

    #[test]
    fn miniz_client_zlib_rs_server(case in case()) {
        run_case(Miniz, wscore::deflate::ZlibRs, &case);
    }

    #[test]
    fn zlib_rs_client_miniz_server(case in case()) {
        run_case(wscore::deflate::ZlibRs, Miniz, &case);
    }
}

/// Every window and level, deterministically, for the windows the walker must see honoured
/// (miniz's small-window trap and zlib's 8-bit window live here).
fn every_window<B: Backend>(backend: B) {
    let text = json_like(150_000, 7);
    for window in 8u8..=15 {
        for level in [0u8, 1, 2, 6, 9] {
            let base = DeflateConfig::new().threshold(0).level(level);
            let (mut client, mut server, _) = negotiate(
                backend.clone(),
                base.server_max_window_bits(Some(window)),
                backend.clone(),
                base.client_max_window_bits(Some(window)),
            );
            let mut up = Direction::new(window, false);
            let mut down = Direction::new(window, false);
            let whole = Msg {
                upward: true,
                message: text.clone(),
                streamed: false,
                send_cuts: vec![],
                recv_cuts: vec![4096],
                empty_last: false,
            };
            let streamed = Msg {
                upward: false,
                streamed: true,
                send_cuts: vec![70_000],
                recv_cuts: vec![],
                empty_last: true,
                ..whole.clone()
            };
            for _ in 0..2 {
                transfer(&mut client, &mut *server, &mut up, &whole);
                transfer(&mut *server, &mut client, &mut down, &streamed);
            }
            if window == 15 && level > 0 {
                assert!(up.walker.max_distance > 4096, "w15 uses its window");
            }
        }
    }
}

#[test]
fn every_window_miniz() {
    every_window(Miniz);
}

#[cfg(feature = "zlib-rs")]
#[test]
fn every_window_zlib_rs() {
    every_window(wscore::deflate::ZlibRs);
}

/// The walker catches the trap this backend avoids: miniz's own small-window settings at
/// level 1 reach far beyond the window.
#[test]
fn walker_catches_miniz_small_window_trap() {
    use miniz_oxide::deflate::core::{
        compress, create_comp_flags_from_zip_params, CompressorOxide, TDEFLFlush,
    };
    let text = json_like(100_000, 3);
    let flags = create_comp_flags_from_zip_params(1, -10, 0);
    let mut c = CompressorOxide::new(flags);
    let mut out = vec![0u8; 200_000];
    let (_, _, written) = compress(&mut c, &text, &mut out, TDEFLFlush::Sync);
    let payload = &out[..written - 4];
    let mut walker = Walker::new();
    assert_eq!(walker.message(payload).unwrap(), text);
    assert!(walker.max_distance > 1 << 10, "{}", walker.max_distance);
}
