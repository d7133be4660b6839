//! The sans-IO opening handshakes: incremental input, every refusal written before the
//! transport closes, the opening deadline, and the connection they hand over. Responses
//! are checked with httparse (an oracle that is not ours).
#![cfg(feature = "alloc")]

use core::time::Duration;

use wscore::handshake::{
    Answer, BuildError, ClientFailureKind, ClientHandshake, ClientRequest, ClientStatus, Limits,
    Reject, ServerHandshake, ServerStatus,
};
use wscore::{Config, EntropyError, FixedBuffer, Role};

const NOW: Duration = Duration::from_secs(100);
const GOOD: &[u8] = b"GET /chat?room=1 HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Sec-WebSocket-Protocol: superchat, chat\r\nSec-WebSocket-Version: 13\r\n\r\n";

fn server() -> ServerHandshake<Vec<u8>> {
    ServerHandshake::new(Config::default(), Limits::DEFAULT, Vec::new(), NOW)
        .with_timeout(NOW, Some(Duration::from_secs(10)))
}

fn drain(hs: &mut ServerHandshake<Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 7]; // small pieces: partial writes are the normal case
    loop {
        let n = hs.poll_transmit(&mut buf);
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&buf[..n]);
    }
}

/// The response parsed by httparse: status and headers.
fn parse(bytes: &[u8]) -> (u16, Vec<(String, String)>, usize) {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut response = httparse::Response::new(&mut headers);
    let httparse::Status::Complete(len) = response.parse(bytes).expect("valid HTTP") else {
        panic!("incomplete response")
    };
    let headers = response
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_ascii_lowercase(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect();
    (response.code.unwrap(), headers, len)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn a_head_fed_byte_by_byte_is_accepted_and_the_rest_is_left_to_the_connection() {
    let mut hs = server();
    let mut wire = GOOD.to_vec();
    wire.extend_from_slice(b"\x81\x85frame"); // a frame right behind the head
    let mut used = 0;
    for byte in &wire {
        if hs.status() != ServerStatus::NeedsInput {
            break;
        }
        used += hs.receive(NOW, std::slice::from_ref(byte)).unwrap();
    }
    assert_eq!(used, GOOD.len(), "exactly the head is consumed");
    assert_eq!(hs.status(), ServerStatus::NeedsAnswer);
    assert_eq!(
        hs.request(|r| (r.path().to_string(), r.query().map(String::from))),
        Some(("/chat".into(), Some("room=1".into())))
    );
    hs.respond(|r| {
        let chosen = ["chat", "superchat"]
            .into_iter()
            .find(|p| r.offers_subprotocol(p));
        Answer::accept().subprotocol(chosen)
    })
    .unwrap();
    assert_eq!(hs.status(), ServerStatus::NeedsTransmit);
    let response = drain(&mut hs);
    let (status, headers, len) = parse(&response);
    assert_eq!((status, len), (101, response.len()));
    assert_eq!(
        header(&headers, "sec-websocket-accept"),
        Some("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    );
    assert_eq!(header(&headers, "sec-websocket-protocol"), Some("chat"));
    assert_eq!(hs.status(), ServerStatus::Accepted);
    let conn = hs.into_connection(NOW).unwrap();
    assert_eq!(
        (conn.role(), conn.subprotocol()),
        (Role::Server, Some("chat"))
    );
}

/// A request head, the status it must get (0: none yet), and a header the answer must carry.
type RefusalCase = (&'static [u8], u16, Option<(&'static str, &'static str)>);

#[test]
fn every_refusal_is_written_with_its_status() {
    let cases: [RefusalCase; 5] = [
        (b"GET / HTTP/1.1\r\nHost: h\r\n\r\n", 400, None),
        (
            b"POST / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
            405,
            Some(("allow", "GET")),
        ),
        (
            b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n",
            426,
            Some(("sec-websocket-version", "13")),
        ),
        (b"GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505, None),
        (
            b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n",
            0,
            None,
        ), // incomplete
    ];
    for (wire, want, must_have) in cases {
        let mut hs = server();
        let result = hs.receive(NOW, wire);
        if want == 0 {
            assert_eq!(result, Ok(wire.len()));
            assert_eq!(hs.status(), ServerStatus::NeedsInput);
            continue;
        }
        assert!(result.is_err(), "{}", String::from_utf8_lossy(wire));
        let response = drain(&mut hs);
        let (status, headers, _) = parse(&response);
        assert_eq!(status, want);
        if let Some((name, value)) = must_have {
            assert_eq!(header(&headers, name), Some(value));
        }
        assert_eq!(hs.status(), ServerStatus::Refused { status: Some(want) });
    }
}

#[test]
fn an_oversized_head_gets_431_not_an_io_error() {
    let mut hs = server();
    let mut wire = b"GET / HTTP/1.1\r\nHost: h\r\n".to_vec();
    while wire.len() < 9000 {
        wire.extend_from_slice(b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
    }
    let mut refused = false;
    for piece in wire.chunks(1000) {
        if hs.receive(NOW, piece).is_err() {
            refused = true;
            break;
        }
    }
    assert!(refused);
    let (status, _, _) = parse(&drain(&mut hs));
    assert_eq!(status, 431);
}

#[test]
fn the_application_refuses_and_a_bad_answer_becomes_500() {
    let mut hs = server();
    hs.receive(NOW, GOOD).unwrap();
    hs.respond(|_| Answer::reject(Reject::new(403).body(b"members only")))
        .unwrap();
    let response = drain(&mut hs);
    let (status, _, len) = parse(&response);
    assert_eq!((status, &response[len..]), (403, &b"members only"[..]));

    let mut hs = server();
    hs.receive(NOW, GOOD).unwrap();
    let err = hs
        .respond(|_| Answer::accept().subprotocol(Some("not-offered")))
        .unwrap_err();
    assert_eq!(err, BuildError::SubprotocolNotOffered);
    assert_eq!(parse(&drain(&mut hs)).0, 500);
}

#[test]
fn the_opening_deadline_abandons_a_slow_client_without_a_response() {
    let mut hs = server();
    hs.receive(NOW, b"GET / HTTP/1.1\r\nHost: h\r\n").unwrap();
    assert_eq!(hs.poll_timeout(), Some(NOW + Duration::from_secs(10)));
    hs.handle_timeout(NOW + Duration::from_secs(9));
    assert_eq!(
        hs.status(),
        ServerStatus::NeedsInput,
        "early calls do nothing"
    );
    hs.handle_timeout(NOW + Duration::from_secs(10));
    assert_eq!(hs.status(), ServerStatus::Refused { status: None });
    assert_eq!(hs.transmit(), None, "nothing is sent after the deadline");
    assert_eq!(hs.poll_timeout(), None);
}

#[test]
fn the_whole_path_runs_in_a_fixed_buffer() {
    let mut memory = [0u8; 1024];
    let mut hs = ServerHandshake::new(
        Config::default(),
        Limits::DEFAULT,
        FixedBuffer::new(&mut memory),
        NOW,
    );
    hs.receive(NOW, GOOD).unwrap();
    hs.respond(|_| Answer::accept()).unwrap();
    let mut out = [0u8; 512];
    let n = hs.poll_transmit(&mut out);
    assert_eq!(parse(&out[..n]).0, 101);
    let mut conn = hs.into_connection(NOW).unwrap();
    // The same memory is now the send queue: a message filling it exactly fits.
    conn.send_binary(&[7u8; 1020]).unwrap();
    assert_eq!(conn.queued_bytes(), 1024);
}

#[test]
fn the_client_checks_the_answer_and_reports_typed_failures() {
    let rng = |b: &mut [u8]| -> Result<(), EntropyError> {
        b.fill(3);
        Ok(())
    };
    let request = ClientRequest::new("ws://example.com/chat", *b"the sample nonce").unwrap();
    let mut hs = ClientHandshake::new(request, Config::default(), Limits::DEFAULT, Vec::new())
        .unwrap()
        .with_timeout(NOW, Some(Duration::from_secs(5)));
    let mut buf = [0u8; 1024];
    let n = hs.poll_transmit(&mut buf);
    let mut headers = [httparse::EMPTY_HEADER; 16];
    let mut parsed = httparse::Request::new(&mut headers);
    assert!(parsed.parse(&buf[..n]).unwrap().is_complete());
    assert_eq!(hs.status(), ClientStatus::NeedsInput);
    // A redirect, fed in two pieces.
    let redirect = b"HTTP/1.1 302 Found\r\nLocation: ws://elsewhere/\r\nContent-Length: 0\r\n\r\n";
    assert_eq!(hs.receive(NOW, &redirect[..10]), Ok(10));
    let failure = hs.receive(NOW, &redirect[10..]).unwrap_err();
    assert_eq!(
        (failure.kind, failure.status),
        (ClientFailureKind::Redirect, Some(302))
    );
    assert_eq!(
        hs.rejection(|r| r.location().map(String::from)),
        Some(Some("ws://elsewhere/".into()))
    );
    assert!(hs.into_connection(rng, NOW).is_err());

    // The deadline.
    let request = ClientRequest::new("ws://example.com/", [1; 16]).unwrap();
    let mut hs = ClientHandshake::new(request, Config::default(), Limits::DEFAULT, Vec::new())
        .unwrap()
        .with_timeout(NOW, Some(Duration::from_secs(5)));
    hs.poll_transmit(&mut buf);
    hs.handle_timeout(NOW + Duration::from_secs(5));
    assert!(
        matches!(hs.status(), ClientStatus::Failed(f) if f.kind == ClientFailureKind::TimedOut)
    );

    // A raw extension offer without a codec is refused up front.
    let request = ClientRequest::new("ws://example.com/", [1; 16])
        .unwrap()
        .extensions("permessage-deflate")
        .unwrap();
    assert_eq!(
        ClientHandshake::new(request, Config::default(), Limits::DEFAULT, Vec::new()).unwrap_err(),
        BuildError::ExtensionNeedsCodec
    );
}
