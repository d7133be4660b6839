//! Differential property test: the handshake head parser against `httparse`, on generated
//! and mutated heads. The invariants live in `fuzz_checks/http_head.rs` (shared with the
//! `http_head` fuzz target); this file generates inputs that reach deep into the grammar.

use proptest::prelude::*;

#[path = "fuzz_checks/http_head.rs"]
mod check;

fn method() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        12 => Just(b"GET".to_vec()),
        1 => Just(b"POST".to_vec()),
        1 => Just(b"M-SEARCH".to_vec()),
        1 => proptest::collection::vec(any::<u8>(), 0..5),
    ]
}

fn target() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        12 => Just(b"/chat?room=1".to_vec()),
        1 => Just(b"*".to_vec()),
        1 => Just("/caf\u{e9}".as_bytes().to_vec()),
        1 => Just(b"http://example.com/x".to_vec()),
        2 => proptest::collection::vec(prop_oneof![Just(b'/'), Just(b'a'), Just(b'%'), Just(b'?'), any::<u8>()], 0..12),
    ]
}

fn version() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        24 => Just(b"HTTP/1.1".to_vec()),
        4 => Just(b"HTTP/1.0".to_vec()),
        1 => Just(b"HTTP/2.0".to_vec()),
        1 => Just(b"HTTP/1.1 ".to_vec()),
        1 => Just(b"http/1.1".to_vec()),
        1 => Just(b"HTTP/1.".to_vec()),
    ]
}

fn eol() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        60 => Just(b"\r\n".to_vec()),
        6 => Just(b"\n".to_vec()),
        1 => Just(b"\r".to_vec()),
        1 => Just(b"\r\r\n".to_vec()),
    ]
}

fn name() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        16 => prop::sample::select(vec![
            "Host", "Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version",
            "sec-websocket-protocol", "X-Custom", "Origin",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        1 => proptest::collection::vec(
            prop_oneof![Just(b'a'), Just(b'-'), Just(b' '), Just(b'\t'), Just(b':'), Just(b'"'), any::<u8>()],
            0..6,
        ),
    ]
}

fn value() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        prop_oneof![
            100 => prop::sample::select(b"abcXYZ019=;,\"/+".to_vec()),
            8 => Just(b' '),
            1 => Just(b'\t'),
            1 => Just(0u8),
            1 => Just(0x7f_u8),
            1 => Just(0x1f_u8),
            1 => 0x80u8..=0xff,
            1 => Just(b'\r'),
        ],
        0..16,
    )
}

fn header_line() -> impl Strategy<Value = Vec<u8>> {
    (
        prop_oneof![60 => Just(Vec::new()), 1 => Just(b" ".to_vec()), 1 => Just(b"\t".to_vec())],
        name(),
        prop_oneof![60 => Just(b":".to_vec()), 1 => Just(b" :".to_vec()), 1 => Just(Vec::new())],
        prop_oneof![
            Just(Vec::new()),
            Just(b" ".to_vec()),
            Just(b" \t ".to_vec())
        ],
        value(),
        eol(),
    )
        .prop_map(|(lead, name, colon, ows, value, eol)| {
            [lead, name, colon, ows, value, eol].concat()
        })
}

fn request_head() -> impl Strategy<Value = Vec<u8>> {
    (
        prop_oneof![6 => Just(Vec::new()), 1 => Just(b"\r\n".to_vec()), 1 => Just(b"\n\r\n".to_vec())],
        method(),
        prop_oneof![30 => Just(b" ".to_vec()), 1 => Just(b"  ".to_vec()), 1 => Just(b"\t".to_vec())],
        target(),
        version(),
        eol(),
        proptest::collection::vec(header_line(), 0..10),
        eol(),
        proptest::collection::vec(any::<u8>(), 0..4),
    )
        .prop_map(|(lead, m, sp, t, v, e, headers, end, tail)| {
            let mut out = [lead, m, sp.clone(), t, sp, v, e].concat();
            out.extend(headers.concat());
            out.extend(end);
            out.extend(tail);
            out
        })
}

fn response_head() -> impl Strategy<Value = Vec<u8>> {
    (
        version(),
        prop_oneof![
            24 => Just(b" 101".to_vec()),
            2 => Just(b" 302".to_vec()),
            1 => Just(b" 1010".to_vec()),
            1 => Just(b"  200".to_vec()),
            1 => Just(b" 2x0".to_vec()),
        ],
        prop_oneof![
            12 => Just(b" Switching Protocols".to_vec()),
            1 => Just(b" ".to_vec()),
            1 => Just(Vec::new()),
            1 => value().prop_map(|v| [b" ".to_vec(), v].concat()),
        ],
        eol(),
        proptest::collection::vec(header_line(), 0..10),
        eol(),
    )
        .prop_map(|(v, code, reason, e, headers, end)| {
            let mut out = [v, code, reason, e].concat();
            out.extend(headers.concat());
            out.extend(end);
            out
        })
}

/// Random edits: replace, insert or delete bytes at random positions.
fn mutate(mut bytes: Vec<u8>, edits: Vec<(usize, u8, u8)>) -> Vec<u8> {
    for (pos, kind, byte) in edits {
        if bytes.is_empty() {
            bytes.push(byte);
            continue;
        }
        let pos = pos % bytes.len();
        match kind % 3 {
            0 => bytes[pos] = byte,
            1 => bytes.insert(pos, byte),
            _ => {
                bytes.remove(pos);
            }
        }
    }
    bytes
}

fn edits() -> impl Strategy<Value = Vec<(usize, u8, u8)>> {
    proptest::collection::vec(
        (
            any::<usize>(),
            any::<u8>(),
            prop_oneof![
                Just(b'\r'),
                Just(b'\n'),
                Just(b' '),
                Just(b':'),
                Just(0u8),
                any::<u8>()
            ],
        ),
        0..3,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 768, ..ProptestConfig::default() })]

    #[test]
    fn generated_requests_agree_with_httparse(head in request_head(), tight in any::<bool>()) {
        let selector = if tight { 2 } else { 0 };
        check::run(&[&[selector][..], &head].concat());
    }

    #[test]
    fn generated_responses_agree_with_httparse(head in response_head(), tight in any::<bool>()) {
        let selector = if tight { 3 } else { 1 };
        check::run(&[&[selector][..], &head].concat());
    }

    #[test]
    fn mutated_heads_agree_with_httparse(
        head in prop_oneof![request_head(), response_head()],
        edits in edits(),
        selector in 0u8..4,
    ) {
        let mutated = mutate(head, edits);
        check::run(&[&[selector][..], &mutated].concat());
        // Every prefix, as if the head arrived in pieces.
        for cut in [1, mutated.len() / 2, mutated.len().saturating_sub(1)] {
            if let Some(prefix) = mutated.get(..cut) {
                check::run(&[&[selector][..], prefix].concat());
            }
        }
    }

    #[test]
    fn arbitrary_bytes_agree_with_httparse(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        check::run(&bytes);
    }
}
