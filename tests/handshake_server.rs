//! Server side of the opening handshake: RFC 6455 section 4.2 and the head parser rules.
//!
//! Each test that enforces a requirement of RFC 6455 4.2.1 or 4.2.2 quotes it.

use wscore::handshake::{
    accept_key, parse_request, BuildError, HandshakeError, HeadError, HttpHeader, Limits, Reject,
    Request, Status, EMPTY_HEADER,
};
use wscore::BufferTooSmall;

/// The client handshake of RFC 6455 section 1.3, byte for byte.
const RFC_REQUEST: &[u8] = b"GET /chat HTTP/1.1\r\n\
Host: server.example.com\r\n\
Upgrade: websocket\r\n\
Connection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Origin: http://example.com\r\n\
Sec-WebSocket-Protocol: chat, superchat\r\n\
Sec-WebSocket-Version: 13\r\n\
\r\n";

/// The server handshake of RFC 6455 section 1.3, byte for byte.
const RFC_RESPONSE: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\n\
Upgrade: websocket\r\n\
Connection: Upgrade\r\n\
Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\
Sec-WebSocket-Protocol: chat\r\n\
\r\n";

/// Parses a complete request, expecting success.
fn accept_ok(wire: &[u8], check: impl FnOnce(&Request<'_, '_>)) {
    let mut headers = [EMPTY_HEADER; 64];
    match Request::parse(wire, &mut headers, &Limits::DEFAULT) {
        Ok(Status::Complete((request, len))) => {
            assert_eq!(len, wire.len());
            check(&request);
        }
        other => panic!(
            "expected a valid request, got {other:?} for {:?}",
            String::from_utf8_lossy(wire)
        ),
    }
}

/// Parses a complete request, expecting a refusal.
fn refuse(wire: &[u8]) -> HandshakeError {
    let mut headers = [EMPTY_HEADER; 64];
    match Request::parse(wire, &mut headers, &Limits::DEFAULT) {
        Err(e) => e,
        other => panic!(
            "expected a refusal, got {other:?} for {:?}",
            String::from_utf8_lossy(wire)
        ),
    }
}

/// The RFC request with one line replaced (or removed, with an empty replacement).
fn rfc_with(line: &str, replacement: &str) -> Vec<u8> {
    let text = std::str::from_utf8(RFC_REQUEST).unwrap();
    let needle = format!("{line}\r\n");
    assert!(text.contains(&needle), "{line} not in the RFC request");
    let replacement = if replacement.is_empty() {
        String::new()
    } else {
        format!("{replacement}\r\n")
    };
    text.replacen(&needle, &replacement, 1).into_bytes()
}

fn response_of(error: &HandshakeError) -> String {
    let mut out = [0u8; 512];
    let n = error.write_response(&mut out).unwrap();
    String::from_utf8(out[..n].to_vec()).unwrap()
}

/// RFC 6455 4.2.2: "If the server chooses to accept the incoming connection, it MUST reply
/// with a valid HTTP response indicating the following": a 101 status line, `Upgrade:
/// websocket`, `Connection: Upgrade`, `Sec-WebSocket-Accept` and the optional selected
/// subprotocol, here checked byte for byte against the transcript of RFC 6455 1.3.
#[test]
fn rfc_1_3_transcript() {
    accept_ok(RFC_REQUEST, |request| {
        assert_eq!(request.path(), "/chat");
        assert_eq!(request.query(), None);
        assert_eq!(request.host(), "server.example.com");
        assert_eq!(request.origin(), Some("http://example.com"));
        assert!(request.subprotocols().eq(["chat", "superchat"]));
        assert_eq!(
            request.accept_key().as_str(),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
        let mut out = [0u8; 256];
        let n = request
            .accept()
            .subprotocol("chat")
            .unwrap()
            .write_to(&mut out)
            .unwrap();
        assert_eq!(&out[..n], RFC_RESPONSE);
    });
}

/// RFC 6455 4.2.2 (5.4): the |Sec-WebSocket-Accept| value is "the base64-encoded SHA-1 of
/// the concatenation of the |Sec-WebSocket-Key| (as a string, not base64-decoded) with the
/// string "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"".
#[test]
fn accept_value_is_sha1_of_key_and_guid() {
    // RFC 6455 1.3: "dGhlIHNhbXBsZSBub25jZQ==" yields "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=".
    assert_eq!(
        accept_key(b"dGhlIHNhbXBsZSBub25jZQ==").as_str(),
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    );
    // More vectors, computed once outside this crate with Python's hashlib and base64
    // (`base64.b64encode(hashlib.sha1((key + GUID).encode()).digest())`) and pasted here:
    // all-zero and all-one nonces, a counting nonce, and keys full of `+` and `/`.
    for (key, accept) in [
        ("x3JJHMbDL1EzLkh9GBhXDw==", "HSmrc0sMlYUkAGmm5OPpG2HaGWk="),
        ("AAAAAAAAAAAAAAAAAAAAAA==", "ICX+Yqv66kxgM0FcWaLWlFLwTAI="),
        ("/////////////////////w==", "XXpj4jYzLM2yUE0C7TIgMwTQh2g="),
        ("AQIDBAUGBwgJCgsMDQ4PEA==", "C/0nmHhBztSRGR1CwL6Tf4ZjwpY="),
        ("E4WSEcseoWr4csPLS2QJHA==", "7eQChgCtQMnVILefJAO6dK5JwPc="),
        ("+/+/+/+/+/+/+/+/+/+/+w==", "M0DUs3om0SqzerhOhYSMM7WQuBQ="),
    ] {
        assert_eq!(accept_key(key.as_bytes()).as_str(), accept, "{key}");
        // The same through the request parser: the server answers what the RFC computes.
        let wire = rfc_with(
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            &format!("Sec-WebSocket-Key: {key}"),
        );
        accept_ok(&wire, |r| {
            assert_eq!(r.accept_key().as_str(), accept, "{key}")
        });
    }
}

/// RFC 6455 4.2.1 (1): "An HTTP/1.1 or higher GET request"; a refusal "MUST ... return an
/// HTTP response with an appropriate error code".
#[test]
fn method_must_be_get() {
    for method in ["POST", "HEAD", "get", "CONNECT"] {
        let wire = rfc_with("GET /chat HTTP/1.1", &format!("{method} /chat HTTP/1.1"));
        let error = refuse(&wire);
        assert_eq!(error, HandshakeError::MethodNotGet, "{method}");
        assert_eq!(error.status(), 405);
        assert!(response_of(&error)
            .starts_with("HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\nConnection: close\r\n"));
    }
}

/// RFC 6455 4.2.1 (1): "An HTTP/1.1 or higher GET request".
#[test]
fn http_version_must_be_at_least_1_1() {
    let error = refuse(&rfc_with("GET /chat HTTP/1.1", "GET /chat HTTP/1.0"));
    assert_eq!(
        (error, error.status()),
        (HandshakeError::HttpVersionTooOld, 400)
    );
    let error = refuse(&rfc_with("GET /chat HTTP/1.1", "GET /chat HTTP/2.0"));
    assert_eq!(error, HandshakeError::Head(HeadError::UnsupportedVersion));
    assert_eq!(error.status(), 505);
    assert!(response_of(&error).starts_with("HTTP/1.1 505 HTTP Version Not Supported\r\n"));
}

/// RFC 6455 4.2.1 (1): a "Request-URI" that is a resource name or "an absolute http/https
/// URI".
#[test]
fn request_target_forms() {
    let wire = rfc_with("GET /chat HTTP/1.1", "GET /chat/room?id=7&x HTTP/1.1");
    accept_ok(&wire, |r| {
        assert_eq!((r.path(), r.query()), ("/chat/room", Some("id=7&x")));
        assert_eq!(r.resource(), "/chat/room?id=7&x");
    });
    let wire = rfc_with(
        "GET /chat HTTP/1.1",
        "GET http://server.example.com/chat?a HTTP/1.1",
    );
    accept_ok(&wire, |r| {
        assert_eq!(r.target(), "http://server.example.com/chat?a");
        assert_eq!((r.path(), r.query()), ("/chat", Some("a")));
    });
    let wire = rfc_with("GET /chat HTTP/1.1", "GET https://h HTTP/1.1");
    accept_ok(&wire, |r| assert_eq!(r.path(), "/"));
    for target in ["*", "chat", "ftp://h/x"] {
        let wire = rfc_with("GET /chat HTTP/1.1", &format!("GET {target} HTTP/1.1"));
        assert_eq!(
            refuse(&wire),
            HandshakeError::Head(HeadError::InvalidTarget),
            "{target}"
        );
    }
}

/// RFC 6455 4.2.1 (2): "A |Host| header field containing the server's authority."
#[test]
fn host_is_required_once() {
    let error = refuse(&rfc_with("Host: server.example.com", ""));
    assert_eq!((error, error.status()), (HandshakeError::MissingHost, 400));
    let twice = rfc_with(
        "Host: server.example.com",
        "Host: server.example.com\r\nHost: evil.example",
    );
    assert_eq!(refuse(&twice), HandshakeError::DuplicateHost);
    assert_eq!(
        refuse(&rfc_with("Host: server.example.com", "Host:")),
        HandshakeError::InvalidHost
    );
    accept_ok(
        &rfc_with("Host: server.example.com", "host: [::1]:8080"),
        |r| assert_eq!(r.host(), "[::1]:8080"),
    );
}

/// RFC 6455 4.2.1 (3): "An |Upgrade| header field containing the value "websocket",
/// treated as an ASCII case-insensitive value."
#[test]
fn upgrade_must_contain_websocket_case_insensitively() {
    for ok in [
        "Upgrade: WebSocket",
        "UPGRADE: WEBSOCKET",
        "Upgrade: foo, websocket",
    ] {
        accept_ok(&rfc_with("Upgrade: websocket", ok), |_| {});
    }
    for bad in [
        "",
        "Upgrade: h2c",
        "Upgrade: websockets",
        "Upgrade: web socket",
    ] {
        let error = refuse(&rfc_with("Upgrade: websocket", bad));
        assert_eq!(
            (error, error.status()),
            (HandshakeError::UpgradeNotWebSocket, 400),
            "{bad}"
        );
    }
}

/// RFC 6455 4.2.1 (4): "A |Connection| header field that includes the token "Upgrade",
/// treated as an ASCII case-insensitive value."
#[test]
fn connection_must_include_the_upgrade_token() {
    for ok in [
        "Connection: keep-alive, Upgrade",
        "Connection: upgrade",
        "Connection: keep-alive,UPGRADE ,",
        // Repeated list fields are one list (RFC 9110 5.3).
        "Connection: keep-alive\r\nConnection: Upgrade",
    ] {
        accept_ok(&rfc_with("Connection: Upgrade", ok), |_| {});
    }
    for bad in [
        "",
        "Connection: keep-alive",
        "Connection: Upgrades",
        "Connection: close",
    ] {
        let error = refuse(&rfc_with("Connection: Upgrade", bad));
        assert_eq!(
            (error, error.status()),
            (HandshakeError::ConnectionNotUpgrade, 400),
            "{bad}"
        );
    }
}

/// RFC 6455 4.2.1 (5): "A |Sec-WebSocket-Key| header field with a base64-encoded ... value
/// that, when decoded, is 16 bytes in length."
#[test]
fn key_must_be_base64_of_16_bytes_and_unique() {
    let line = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==";
    assert_eq!(refuse(&rfc_with(line, "")), HandshakeError::MissingKey);
    for bad in [
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ",   // unpadded
        "Sec-WebSocket-Key: dGhlIHNhbXBsZQ==",         // 10 bytes
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZXg=", // 17 bytes
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=*",
        "Sec-WebSocket-Key:",
    ] {
        let error = refuse(&rfc_with(line, bad));
        assert_eq!(
            (error, error.status()),
            (HandshakeError::InvalidKey, 400),
            "{bad}"
        );
    }
    let twice = rfc_with(line, &format!("{line}\r\n{line}"));
    assert_eq!(refuse(&twice), HandshakeError::DuplicateKey);
    // Surrounding whitespace is not part of the value.
    accept_ok(
        &rfc_with(line, "sec-websocket-key: \t dGhlIHNhbXBsZSBub25jZQ== "),
        |r| assert_eq!(r.accept_key().as_str(), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
    );
}

/// RFC 6455 4.2.1 (6): "A |Sec-WebSocket-Version| header field, with a value of 13." and
/// 4.4: the server "MUST abort ... and instead send an appropriate HTTP error code (such as
/// 426 Upgrade Required) and a |Sec-WebSocket-Version| header field indicating the
/// version(s) the server is capable of understanding."
#[test]
fn version_must_be_13() {
    let line = "Sec-WebSocket-Version: 13";
    for bad in [
        "Sec-WebSocket-Version: 8",
        "Sec-WebSocket-Version: 13, 8",
        "Sec-WebSocket-Version: 013",
    ] {
        let error = refuse(&rfc_with(line, bad));
        assert_eq!(error, HandshakeError::UnsupportedVersion, "{bad}");
        assert_eq!(
            response_of(&error),
            "HTTP/1.1 426 Upgrade Required\r\n\
             Sec-WebSocket-Version: 13\r\n\
             Connection: close\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\
             Content-Length: 34\r\n\
             \r\n\
             unsupported Sec-WebSocket-Version\n"
        );
    }
    let error = refuse(&rfc_with(line, ""));
    assert_eq!(
        (error, error.status()),
        (HandshakeError::MissingVersion, 400)
    );
    assert!(response_of(&error).contains("\r\nSec-WebSocket-Version: 13\r\n"));
}

/// RFC 6455 4.2.1 (7)-(9): Origin, Sec-WebSocket-Protocol and Sec-WebSocket-Extensions are
/// optional; when present they must follow their grammar (RFC 6455 4.2.1: "including but not
/// limited to any violations of the ABNF grammar ... the server MUST stop processing").
#[test]
fn optional_fields_are_optional_but_checked() {
    let minimal = b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    accept_ok(minimal, |r| {
        assert_eq!(r.origin(), None);
        assert_eq!(r.subprotocols().count(), 0);
        assert_eq!(r.extensions().count(), 0);
    });
    let bad_protocol = rfc_with(
        "Sec-WebSocket-Protocol: chat, superchat",
        "Sec-WebSocket-Protocol: chat, super chat",
    );
    assert_eq!(refuse(&bad_protocol), HandshakeError::InvalidSubprotocols);
    let bad_ext = rfc_with(
        "Origin: http://example.com",
        "Sec-WebSocket-Extensions: permessage-deflate;",
    );
    assert!(matches!(
        refuse(&bad_ext),
        HandshakeError::InvalidExtensions(_)
    ));
    let two_origins = rfc_with("Origin: http://example.com", "Origin: a\r\nOrigin: b");
    assert_eq!(refuse(&two_origins), HandshakeError::InvalidOrigin);
}

/// A request that announces a body is refused: the bytes after an upgrade request's head are
/// frames, and reading them as a body (or the reverse) is how request smuggling starts.
#[test]
fn requests_with_a_body_are_refused() {
    accept_ok(
        &rfc_with("Origin: http://example.com", "Content-Length: 0"),
        |_| {},
    );
    for bad in [
        "Content-Length: 5",
        "Content-Length: 0\r\nContent-Length: 1",
        "Transfer-Encoding: chunked",
    ] {
        let error = refuse(&rfc_with("Origin: http://example.com", bad));
        assert_eq!(
            (error, error.status()),
            (HandshakeError::UnexpectedBody, 400),
            "{bad}"
        );
    }
}

/// RFC 6455 4.2.1: "note that as per [RFC2616], the order of the header fields is not
/// important"; field names are case-insensitive (RFC 9110 5.1).
#[test]
fn header_order_and_name_case_do_not_matter() {
    let wire = b"GET /x HTTP/1.1\r\nsec-websocket-version: 13\r\nSEC-WEBSOCKET-KEY: dGhlIHNhbXBsZSBub25jZQ==\r\n\
connection: upgrade\r\nX-Other: 1\r\nuPgRaDe: websocket\r\nhOsT: h\r\n\r\n";
    accept_ok(wire, |r| {
        assert_eq!(r.host(), "h");
        assert_eq!(r.header("x-other"), Some(&b"1"[..]));
        assert_eq!(r.headers().len(), 6);
    });
}

#[test]
fn offers_are_exposed_in_order_with_parameters() {
    let wire = rfc_with(
        "Sec-WebSocket-Protocol: chat, superchat",
        "Sec-WebSocket-Protocol: v2.chat , v1.chat\r\n\
         Sec-WebSocket-Protocol: legacy\r\n\
         Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, permessage-deflate; server_max_window_bits=\"10\"\r\n\
         Sec-WebSocket-Extensions: x-custom; token=\"a\\bc\"\r\n\
         Cookie: session=1",
    );
    accept_ok(&wire, |r| {
        assert!(r.subprotocols().eq(["v2.chat", "v1.chat", "legacy"]));
        let exts: Vec<_> = r.extensions().collect();
        assert_eq!(exts.len(), 3);
        assert_eq!(exts[0].name(), "permessage-deflate");
        let p: Vec<_> = exts[0].params().collect();
        assert_eq!(
            (p.len(), p[0].name, p[0].value),
            (1, "client_max_window_bits", None)
        );
        let bits = exts[1]
            .param("server_max_window_bits")
            .unwrap()
            .value
            .unwrap();
        assert_eq!((bits.to_u32(), bits.is_quoted()), (Some(10), true));
        let token = exts[2].param("token").unwrap().value.unwrap();
        assert!(token.eq_str("abc"));
        assert_eq!(r.header("cookie"), Some(&b"session=1"[..]));
    });
}

/// RFC 6455 4.2.2 (5.5): the selected subprotocol "MUST be one of the values the client
/// sent"; extensions can only answer an offer.
#[test]
fn only_offered_choices_can_be_accepted() {
    let wire = rfc_with(
        "Origin: http://example.com",
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits",
    );
    let mut headers = [EMPTY_HEADER; 16];
    let Ok(Status::Complete((request, _))) = Request::parse(&wire, &mut headers, &Limits::DEFAULT)
    else {
        panic!()
    };
    let accept = request.accept();
    assert_eq!(
        accept.subprotocol("mqtt").unwrap_err(),
        BuildError::SubprotocolNotOffered
    );
    assert_eq!(
        accept.subprotocol("Chat").unwrap_err(),
        BuildError::SubprotocolNotOffered
    );
    assert_eq!(
        accept.extensions("x-other").unwrap_err(),
        BuildError::ExtensionNotOffered
    );
    assert_eq!(
        accept.extensions("permessage-deflate;").unwrap_err(),
        BuildError::InvalidExtensions
    );
    let accept = accept
        .subprotocol("superchat")
        .unwrap()
        .extensions("permessage-deflate; client_max_window_bits=12")
        .unwrap();
    let extra = [
        HttpHeader::new("Set-Cookie", "id=1; HttpOnly"),
        HttpHeader::new("Server", "wscore"),
    ];
    let accept = accept.headers(&extra).unwrap();
    let mut out = [0u8; 512];
    let n = accept.write_to(&mut out).unwrap();
    assert_eq!(
        &out[..n],
        &b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: superchat\r\n\
Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=12\r\n\
Set-Cookie: id=1; HttpOnly\r\nServer: wscore\r\n\r\n"[..]
    );
    // The handshake's own headers and injection attempts are refused.
    for bad in [
        HttpHeader::new("Sec-WebSocket-Accept", "x"),
        HttpHeader::new("connection", "close"),
        HttpHeader::new("X-Injected", "a\r\nSet-Cookie: evil"),
        HttpHeader::new("Bad Name", "v"),
    ] {
        assert!(
            request
                .accept()
                .headers(std::slice::from_ref(&bad))
                .is_err(),
            "{bad:?}"
        );
    }
    // An output buffer that is too small is left untouched.
    let mut small = [0u8; 100];
    assert_eq!(
        accept.write_to(&mut small),
        Err(BufferTooSmall { needed: n })
    );
    assert_eq!(small, [0u8; 100]);
    #[cfg(feature = "alloc")]
    assert_eq!(accept.to_vec(), &out[..n]);
}

/// RFC 6455 4.2.2: "If the server does not wish to accept this connection, it MUST return
/// an appropriate HTTP error code (such as 403 Forbidden) and abort the WebSocket handshake";
/// 4.2.2 also allows redirects ("the server MAY redirect the client using a 3xx status
/// code").
#[test]
fn application_rejections() {
    let mut out = [0u8; 256];
    let location = [HttpHeader::new("Location", "wss://elsewhere.example/chat")];
    let n = Reject::new(307)
        .headers(&location)
        .write_to(&mut out)
        .unwrap();
    assert_eq!(
        &out[..n],
        b"HTTP/1.1 307 Temporary Redirect\r\nLocation: wss://elsewhere.example/chat\r\n\
Connection: close\r\nContent-Length: 0\r\n\r\n"
    );
    let n = Reject::new(403).body(b"no").write_to(&mut out).unwrap();
    assert_eq!(
        &out[..n],
        b"HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 2\r\n\r\nno"
    );
    assert_eq!(
        Reject::new(101).write_to(&mut out),
        Err(BuildError::InvalidStatus(101))
    );
    assert_eq!(
        Reject::new(600).write_to(&mut out),
        Err(BuildError::InvalidStatus(600))
    );
    let framing = [HttpHeader::new("Content-Length", "5")];
    assert_eq!(
        Reject::new(400).headers(&framing).write_to(&mut out),
        Err(BuildError::ReservedHeader)
    );
    let n = Reject::new(499).write_to(&mut out).unwrap();
    assert!(out[..n].starts_with(b"HTTP/1.1 499 \r\n"));
}

/// Input may arrive one byte at a time; bytes after the head belong to the caller.
#[test]
fn incremental_parsing_keeps_trailing_frames() {
    let frame = [
        0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
    ];
    let wire = [RFC_REQUEST, &frame].concat();
    for end in 0..RFC_REQUEST.len() {
        let mut headers = [EMPTY_HEADER; 16];
        let result = Request::parse(&wire[..end], &mut headers, &Limits::DEFAULT);
        assert!(
            matches!(result, Ok(Status::Partial)),
            "prefix {end}: {result:?}"
        );
    }
    for end in RFC_REQUEST.len()..=wire.len() {
        let mut headers = [EMPTY_HEADER; 16];
        let Ok(Status::Complete((_, len))) =
            Request::parse(&wire[..end], &mut headers, &Limits::DEFAULT)
        else {
            panic!("complete at {end}")
        };
        assert_eq!(len, RFC_REQUEST.len());
        assert_eq!(&wire[len..end], &frame[..end - len]);
    }
}

fn head_error(wire: &[u8], limits: &Limits) -> HeadError {
    let mut headers = [EMPTY_HEADER; 128];
    match parse_request(wire, &mut headers, limits) {
        Err(e) => e,
        other => panic!("expected an error, got {other:?}"),
    }
}

/// The head parser is bounded: 8 KiB, 64 fields and 4 KiB lines by default, 431 beyond.
#[test]
fn limits_are_enforced_and_bounded() {
    let limits = Limits::DEFAULT;
    assert_eq!(
        (limits.max_head_len, limits.max_headers, limits.max_line_len),
        (8192, 64, 4096)
    );

    // 64 fields pass, 65 do not.
    let fields = |n: usize| {
        let mut wire = b"GET / HTTP/1.1\r\n".to_vec();
        for i in 0..n {
            wire.extend(format!("X-{i}: v\r\n").bytes());
        }
        wire.extend(b"\r\n");
        wire
    };
    let mut headers = [EMPTY_HEADER; 128];
    assert!(matches!(
        parse_request(&fields(64), &mut headers, &limits),
        Ok(Status::Complete(_))
    ));
    assert_eq!(head_error(&fields(65), &limits), HeadError::TooManyHeaders);
    // The caller's array is a bound too.
    let mut four = [EMPTY_HEADER; 4];
    assert_eq!(
        parse_request(&fields(5), &mut four, &limits),
        Err(HeadError::TooManyHeaders)
    );

    // A line over the limit, complete or not.
    let long = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(4096));
    assert_eq!(head_error(long.as_bytes(), &limits), HeadError::LineTooLong);
    assert_eq!(
        head_error(&long.as_bytes()[..4116], &limits),
        HeadError::LineTooLong
    );

    // A head over 8 KiB: refused as soon as 8 KiB have arrived without the blank line.
    let mut big = b"GET / HTTP/1.1\r\n".to_vec();
    while big.len() <= 8192 {
        big.extend(b"X-Filler: 0123456789012345678901234567890123456789\r\n");
    }
    let mut headers = [EMPTY_HEADER; 1024];
    let loose = Limits {
        max_headers: 1024,
        ..limits
    };
    assert_eq!(
        parse_request(&big, &mut headers, &loose),
        Err(HeadError::HeadTooLarge)
    );
    let error = HandshakeError::from(HeadError::HeadTooLarge);
    assert!(response_of(&error).starts_with("HTTP/1.1 431 Request HttpHeader Fields Too Large\r\n"));

    // Exactly at the limit is fine; one byte less is not.
    let exact = b"GET / HTTP/1.1\r\nHost: h\r\n\r\n";
    let tight = Limits {
        max_head_len: exact.len(),
        max_headers: 1,
        max_line_len: 14,
    };
    assert!(matches!(
        parse_request(exact, &mut headers, &tight),
        Ok(Status::Complete(_))
    ));
    let tighter = Limits {
        max_head_len: exact.len() - 1,
        ..tight
    };
    assert_eq!(head_error(exact, &tighter), HeadError::HeadTooLarge);

    // A megabyte without a line feed is refused, not buffered.
    let garbage = vec![b'a'; 1 << 20];
    assert_eq!(head_error(&garbage, &limits), HeadError::HeadTooLarge);
    let mut endless = b"GET / HTTP/1.1\r\n".to_vec();
    let line = format!("X: {}\r\n", "y".repeat(100));
    endless.extend(std::iter::repeat_n(line.bytes(), 10_000).flatten());
    assert_eq!(head_error(&endless, &loose), HeadError::HeadTooLarge);
}

/// The head parser refuses what RFC 9112 forbids.
#[test]
fn malformed_heads_are_refused() {
    let limits = Limits::DEFAULT;
    let cases: [(&[u8], HeadError); 19] = [
        (
            b"GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n",
            HeadError::ObsFold,
        ),
        (
            b"GET / HTTP/1.1\r\nX: a\r\n\tfolded\r\n\r\n",
            HeadError::ObsFold,
        ),
        (b"GET / HTTP/1.1\r\n Host: h\r\n\r\n", HeadError::ObsFold),
        (b"GET / HTTP/1.1\rHost: h\r\n\r\n", HeadError::BareCr),
        (b"GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", HeadError::BareCr),
        (
            b"GET / HTTP/1.1\r\nX: a\0b\r\n\r\n",
            HeadError::InvalidHeaderValue,
        ),
        (
            b"GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n",
            HeadError::InvalidHeaderValue,
        ),
        (
            b"GET / HTTP/1.1\r\nX: a\x7fb\r\n\r\n",
            HeadError::InvalidHeaderValue,
        ),
        (
            b"GET / HTTP/1.1\r\nX\0: a\r\n\r\n",
            HeadError::InvalidHeaderName,
        ),
        (
            b"GET / HTTP/1.1\r\nHost : h\r\n\r\n",
            HeadError::InvalidHeaderName,
        ),
        (
            b"GET / HTTP/1.1\r\nX(y): h\r\n\r\n",
            HeadError::InvalidHeaderName,
        ),
        (
            b"GET / HTTP/1.1\r\n: h\r\n\r\n",
            HeadError::InvalidHeaderName,
        ),
        (
            b"GET / HTTP/1.1\r\nno colon\r\n\r\n",
            HeadError::InvalidHeaderName,
        ),
        (b"GET  / HTTP/1.1\r\n\r\n", HeadError::InvalidTarget),
        (b"GET /\tx HTTP/1.1\r\n\r\n", HeadError::InvalidTarget),
        (b"GET / HTTP/1.1 \r\n\r\n", HeadError::InvalidVersion),
        (b"GET / http/1.1\r\n\r\n", HeadError::InvalidVersion),
        (b"G(T / HTTP/1.1\r\n\r\n", HeadError::InvalidMethod),
        (b"GET\r\n\r\n", HeadError::InvalidMethod),
    ];
    for (wire, expected) in cases {
        assert_eq!(
            head_error(wire, &limits),
            expected,
            "{:?}",
            String::from_utf8_lossy(wire)
        );
        assert_eq!(HandshakeError::from(expected).status(), 400);
    }
}

/// What the parser tolerates, as RFC 9112 allows: LF line ends, leading empty lines,
/// whitespace around values, obs-text in values.
#[test]
fn tolerated_head_forms() {
    let wire = b"\r\n\nGET /a HTTP/1.1\nHost:h\nX:\t a b \t\nY:\r\nZ: caf\xc3\xa9\xff\n\n";
    let mut headers = [EMPTY_HEADER; 8];
    let Ok(Status::Complete((head, len))) = parse_request(wire, &mut headers, &Limits::DEFAULT)
    else {
        panic!()
    };
    assert_eq!(len, wire.len());
    assert_eq!(head.target, "/a");
    let values: Vec<&[u8]> = head.headers.iter().map(|h| h.value).collect();
    assert_eq!(values, [&b"h"[..], b"a b", b"", b"caf\xc3\xa9\xff"]);
}
