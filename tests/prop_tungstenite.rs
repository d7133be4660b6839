//! Two-peer property tests against a peer that is not wscore: tungstenite's `WebSocket` over
//! an in-memory duplex stream, in both roles. Random message sequences (text and binary,
//! 0..~70 KiB, our streamed sends and sends by value, tungstenite's raw fragments, pings both ways) over random
//! transport splits, ending in a closing handshake started by either side or both; every
//! message must arrive intact and in order and the closes must agree (see the invariants in
//! `tests/fuzz_checks/connection_tungstenite.rs`, which this drives with generated scripts).
#![cfg(feature = "alloc")]

#[path = "fuzz_checks/connection_tungstenite.rs"]
mod check;

use check::{Closer, Script, Send, CLOSE_CODES};
use proptest::prelude::*;

fn message_len() -> impl Strategy<Value = usize> {
    prop_oneof![
        6 => 0usize..200,
        3 => 200usize..5000,
        1 => 60_000usize..70_000,
    ]
}

fn send() -> impl Strategy<Value = Send> {
    prop_oneof![
        4 => (any::<bool>(), message_len(), any::<u64>())
            .prop_map(|(text, len, seed)| Send::Whole { text, len, seed }),
        3 => (
            any::<bool>(),
            message_len(),
            any::<u64>(),
            prop::collection::vec(prop_oneof![0usize..8, 8usize..3000], 0..8),
        )
            .prop_map(|(text, len, seed, cuts)| Send::Pieces { text, len, seed, cuts }),
        1 => prop::collection::vec(any::<u8>(), 0..=125).prop_map(Send::Ping),
        2 => (any::<bool>(), message_len(), any::<u64>())
            .prop_map(|(text, len, seed)| Send::Owned { text, len, seed }),
    ]
}

fn close() -> impl Strategy<Value = (u16, String)> {
    (
        prop::sample::select(CLOSE_CODES.to_vec()),
        "[a-z\u{e9}\u{1f600} ]{0,20}",
    )
}

fn closer() -> impl Strategy<Value = Closer> {
    prop_oneof![
        3 => close().prop_map(|(code, reason)| Closer::Us { code, reason }),
        2 => close().prop_map(|c| Closer::Them(Some(c))),
        1 => Just(Closer::Them(None)),
        1 => (close(), close()).prop_map(|(ours, theirs)| Closer::Both { ours, theirs }),
    ]
}

fn sizes() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(
        prop_oneof![2 => 1usize..=16, 2 => 17usize..=2000, 1 => Just(100_000)],
        1..5,
    )
}

fn script(we_are_client: bool) -> impl Strategy<Value = Script> {
    (
        (
            prop_oneof![
                2 => 1usize..=16,
                3 => 17usize..=4096,
                1 => Just(1usize << 20),
            ],
            prop::collection::vec((any::<bool>(), send(), any::<bool>()), 0..10),
            any::<bool>(),
            closer(),
            prop::collection::vec(send(), 0..3),
        ),
        (
            sizes(),
            sizes(),
            sizes(),
            prop::collection::vec(any::<u8>(), 1..4),
            any::<u64>(),
        ),
    )
        .prop_map(
            move |(
                (max_send, sends, settle_before_close, closer, after_close),
                (their_reads, their_writes, our_feeds, our_writes, seed),
            )| Script {
                we_are_client,
                max_send,
                sends,
                settle_before_close,
                closer,
                after_close,
                their_reads,
                their_writes,
                our_feeds,
                our_writes,
                seed,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// wscore as the client, tungstenite as the server.
    #[test]
    fn wscore_client_against_tungstenite_server(script in script(true)) {
        check::run_script(&script);
    }

    /// wscore as the server, tungstenite as the client.
    #[test]
    fn wscore_server_against_tungstenite_client(script in script(false)) {
        check::run_script(&script);
    }

    /// Arbitrary bytes decoded as a script, as the fuzz target does.
    #[test]
    fn fuzz_check_on_random_inputs(data in prop::collection::vec(any::<u8>(), 0..300)) {
        check::run(&data);
    }
}

/// Each way of closing, once in each role, with data crossing the Close.
#[test]
fn every_closer_in_both_roles() {
    let data = |text| Send::Pieces {
        text,
        len: 3000,
        seed: 5,
        cuts: vec![1, 700, 0, 2],
    };
    for we_are_client in [true, false] {
        for closer in [
            Closer::Us {
                code: 4000,
                reason: "done \u{1f600}".into(),
            },
            Closer::Us {
                code: 1014,
                reason: "bad gateway".into(),
            },
            Closer::Them(Some((1001, "away".into()))),
            Closer::Them(None),
            Closer::Both {
                ours: (1000, "a".into()),
                theirs: (3000, "b".into()),
            },
        ] {
            check::run_script(&Script {
                we_are_client,
                max_send: 100,
                sends: vec![
                    (true, data(true), true),
                    (false, data(false), false),
                    (true, Send::Ping(b"p".to_vec()), false),
                    (false, Send::Ping(b"q".to_vec()), true),
                ],
                settle_before_close: true,
                closer,
                after_close: vec![data(true), data(false)],
                their_reads: vec![7, 1000],
                their_writes: vec![3, 5000],
                our_feeds: vec![1, 13, 4096],
                our_writes: vec![100, 255],
                seed: 9,
            });
        }
    }
}

/// More pings than the control queue holds, sent after tungstenite's Close is on its way:
/// making room writes our queue out without reading, so every ping still goes out before we
/// see the Close (the case a CI seed found).
#[test]
fn a_full_ping_queue_after_their_close() {
    for we_are_client in [true, false] {
        check::run_script(&Script {
            we_are_client,
            max_send: 100,
            sends: vec![],
            settle_before_close: false,
            closer: Closer::Them(Some((1000, "bye".into()))),
            after_close: (0..10u8).map(|i| Send::Ping(vec![i; 3])).collect(),
            their_reads: vec![],
            their_writes: vec![],
            our_feeds: vec![],
            our_writes: vec![255],
            seed: 3,
        });
    }
}
