//! Fuzz check of the handshake entry points on hostile input.
//!
//! The first input byte picks the path: even bytes run the server request path, odd bytes
//! the client response path; bit 1 picks tight limits. Invariants, each asserted:
//!
//! - nothing panics;
//! - a request that validates is answered with a 101 that our client accepts, and with the
//!   `Sec-WebSocket-Accept` RFC 6455 defines; every prefix of it is "partial", never an
//!   error (input may arrive one byte at a time);
//! - a refused request yields a well-formed response carrying the error's status;
//! - an accepted response names only offered subprotocols and extensions and carries the
//!   expected accept value; a refusal keeps the bytes after the head as its body;
//! - the parser never waits for more input beyond `max_head_len` bytes.

use wscore::handshake::{
    parse_response, ClientError, ClientRequest, HandshakeError, Limits, Request, Status,
    EMPTY_HEADER,
};

const TIGHT: Limits = Limits {
    max_head_len: 512,
    max_headers: 8,
    max_line_len: 128,
};

/// The nonce of RFC 6455 1.3, so that the RFC's example response is a valid seed.
pub const NONCE: [u8; 16] = *b"the sample nonce";
/// What the client side offers.
pub const OFFERED_PROTOCOLS: [&str; 2] = ["chat", "superchat"];
/// The extension offer of the client side.
pub const OFFERED_EXTENSIONS: &str = "permessage-deflate; client_max_window_bits";

/// Entry point shared by the fuzz target and the corpus replay.
pub fn run(data: &[u8]) {
    // The oracle itself against RFC 6455 1.3's example.
    assert_eq!(
        oracle_accept(b"dGhlIHNhbXBsZSBub25jZQ=="),
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    );
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let limits = if selector & 2 == 0 {
        Limits::DEFAULT
    } else {
        TIGHT
    };
    if selector & 1 == 0 {
        server(input, &limits);
    } else {
        client(input, &limits);
    }
}

fn server(input: &[u8], limits: &Limits) {
    let mut headers = [EMPTY_HEADER; 64];
    match Request::parse(input, &mut headers, limits) {
        Ok(Status::Partial) => assert!(input.len() <= limits.max_head_len),
        Ok(Status::Complete((request, len))) => {
            assert!(len <= input.len() && len <= limits.max_head_len);
            assert!(input[..len].ends_with(b"\n\n") || input[..len].ends_with(b"\n\r\n"));
            assert!(request.headers().len() <= limits.max_headers);
            assert_eq!(request.head().method, "GET");
            assert!(request.head().minor_version >= 1);
            assert_eq!(
                request.accept_key().as_str(),
                oracle_accept(request.key().as_bytes()),
                "Sec-WebSocket-Accept differs from an independent SHA-1 + base64"
            );
            answer_and_check(&request);
            check_prefixes(&input[..len], limits);
        }
        Err(error) => check_error_response(&error),
    }
}

/// Answers with a 101 (picking the first offered subprotocol and echoing the extension
/// names offered) and checks that a client that sent this request would accept it.
fn answer_and_check(request: &Request<'_, '_>) {
    let mut accept = request.accept();
    let protocols: Vec<&str> = request.subprotocols().collect();
    if let Some(first) = protocols.first() {
        accept = accept
            .subprotocol(first)
            .expect("an offered subprotocol is accepted");
    }
    let names: Vec<&str> = request.extensions().map(|e| e.name()).collect();
    let joined = names.join(", ");
    if !joined.is_empty() {
        accept = accept
            .extensions(&joined)
            .expect("offered extensions are accepted");
    }
    let mut out = [0u8; 16 * 1024];
    let n = accept.write_to(&mut out).expect("16 KiB holds a 101");

    // The offer the client would have sent, rebuilt from the request's own fields.
    let offer = request
        .headers()
        .iter()
        .filter(|h| h.is("Sec-WebSocket-Extensions"))
        .map(|h| core::str::from_utf8(h.value).expect("validated"))
        .collect::<Vec<_>>()
        .join(", ");
    let client = ClientRequest::new("ws://fuzz.example/", request.key().to_nonce())
        .expect("static URI")
        .extensions(&offer)
        .expect("validated offer");
    // Repeated subprotocols are not the server's problem; check only what a client can send.
    let Ok(client) = client.subprotocols(&protocols) else {
        return;
    };
    let mut headers = [EMPTY_HEADER; 64];
    let limits = Limits {
        max_head_len: usize::MAX,
        max_headers: 64,
        max_line_len: usize::MAX,
    };
    match client.parse_response(&out[..n], &mut headers, &limits) {
        Ok(Status::Complete((accepted, len))) => {
            assert_eq!(len, n);
            assert_eq!(accepted.subprotocol(), protocols.first().copied());
        }
        other => panic!("our client refused our server's 101: {other:?}"),
    }
}

/// Every strict prefix of a valid head must be partial: bytes can arrive one at a time.
fn check_prefixes(head: &[u8], limits: &Limits) {
    let len = head.len();
    let mut cuts = [
        0,
        1,
        len / 3,
        len / 2,
        len.saturating_sub(2),
        len.saturating_sub(1),
    ];
    cuts.sort_unstable();
    for cut in cuts {
        if cut >= len {
            continue;
        }
        let mut headers = [EMPTY_HEADER; 64];
        match Request::parse(&head[..cut], &mut headers, limits) {
            Ok(Status::Partial) => {}
            other => panic!("prefix of {cut} bytes of a valid head gave {other:?}"),
        }
    }
}

fn check_error_response(error: &HandshakeError) {
    let mut out = [0u8; 1024];
    let n = error
        .write_response(&mut out)
        .expect("1 KiB holds an error response");
    let mut headers = [EMPTY_HEADER; 16];
    let Ok(Status::Complete((head, len))) =
        parse_response(&out[..n], &mut headers, &Limits::DEFAULT)
    else {
        panic!(
            "error response does not parse: {:?}",
            String::from_utf8_lossy(&out[..n])
        );
    };
    assert_eq!(head.status, error.status());
    assert!((400..600).contains(&head.status));
    for required in error.headers() {
        assert!(head.headers.contains(required), "missing {required:?}");
    }
    let content_length = head
        .headers
        .iter()
        .find(|h| h.is("Content-Length"))
        .and_then(|h| core::str::from_utf8(h.value).ok())
        .and_then(|v| v.parse::<usize>().ok());
    assert_eq!(content_length, Some(n - len));
}

fn client(input: &[u8], limits: &Limits) {
    let client = ClientRequest::new("ws://server.example.com/chat", NONCE)
        .expect("static URI")
        .subprotocols(&OFFERED_PROTOCOLS)
        .expect("tokens")
        .extensions(OFFERED_EXTENSIONS)
        .expect("valid offer");
    let mut headers = [EMPTY_HEADER; 64];
    match client.parse_response(input, &mut headers, limits) {
        Ok(Status::Partial) => assert!(input.len() <= limits.max_head_len),
        Ok(Status::Complete((accepted, len))) => {
            assert!(len <= input.len() && len <= limits.max_head_len);
            assert_eq!(accepted.head().status, 101);
            assert_eq!(
                accepted.header("Sec-WebSocket-Accept"),
                Some(&client.expected_accept().as_bytes()[..])
            );
            if let Some(protocol) = accepted.subprotocol() {
                assert!(OFFERED_PROTOCOLS.contains(&protocol));
            }
            for ext in accepted.extensions() {
                assert!(ext.name().eq_ignore_ascii_case("permessage-deflate"));
            }
        }
        Err(ClientError::Redirect(r)) => {
            assert!((300..400).contains(&r.status()));
            assert!(input.ends_with(r.body));
        }
        Err(ClientError::Rejected(r)) => {
            assert!(r.status() != 101 && !(300..400).contains(&r.status()));
            assert!(input.ends_with(r.body));
        }
        Err(_) => {}
    }
}

/// `Sec-WebSocket-Accept` computed without wscore's code or dependencies: a textbook SHA-1
/// (FIPS 180-4, 6.1) and base64 (RFC 4648, 4), written independently here.
pub fn oracle_accept(key: &[u8]) -> String {
    let mut message = key.to_vec();
    message.extend_from_slice(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    base64(&sha1(&message))
}

fn sha1(message: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [
        0x6745_2301,
        0xefcd_ab89,
        0x98ba_dcfe,
        0x1032_5476,
        0xc3d2_e1f0,
    ];
    let mut padded = message.to_vec();
    padded.push(0x80);
    while padded.len() % 64 != 56 {
        padded.push(0);
    }
    padded.extend_from_slice(&(message.len() as u64 * 8).to_be_bytes());
    for block in padded.chunks(64) {
        let mut w = [0u32; 80];
        for t in 0..16 {
            w[t] = u32::from_be_bytes([
                block[4 * t],
                block[4 * t + 1],
                block[4 * t + 2],
                block[4 * t + 3],
            ]);
        }
        for t in 16..80 {
            w[t] = (w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (t, &wt) in w.iter().enumerate() {
            let (f, k) = match t {
                0..=19 => ((b & c) | (!b & d), 0x5a82_7999),
                20..=39 => (b ^ c ^ d, 0x6ed9_eba1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8f1b_bcdc),
                _ => (b ^ c ^ d, 0xca62_c1d6u32),
            };
            let temp = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(wt);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = temp;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 20];
    for (chunk, word) in out.chunks_mut(4).zip(h) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for group in bytes.chunks(3) {
        let n = group.len();
        let v = (u32::from(group[0]) << 16)
            | (u32::from(*group.get(1).unwrap_or(&0)) << 8)
            | u32::from(*group.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= n {
                out.push(char::from(ALPHABET[(v >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
