//! Client side of the opening handshake: RFC 6455 section 4.1 (and the URI rules of
//! section 3). Each test that enforces a requirement of 4.1 quotes it.

use wscore::handshake::{
    BuildError, ClientError, ClientFailure, ClientRequest, HeadError, HttpHeader, Limits, Status,
    UriError, EMPTY_HEADER,
};
use wscore::BufferTooSmall;

const RFC_NONCE: [u8; 16] = *b"the sample nonce";

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
const RFC_RESPONSE: &str = "HTTP/1.1 101 Switching Protocols\r\n\
Upgrade: websocket\r\n\
Connection: Upgrade\r\n\
Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\
Sec-WebSocket-Protocol: chat\r\n\
\r\n";

fn rfc_client() -> ClientRequest<'static> {
    ClientRequest::new("ws://server.example.com/chat", RFC_NONCE)
        .unwrap()
        .origin("http://example.com")
        .unwrap()
        .subprotocols(&["chat", "superchat"])
        .unwrap()
}

fn request_text(client: &ClientRequest<'_>) -> String {
    let mut out = [0u8; 1024];
    let n = client.write_to(&mut out).unwrap();
    String::from_utf8(out[..n].to_vec()).unwrap()
}

/// The RFC response with one line replaced (removed when `replacement` is empty).
fn rfc_response_with(line: &str, replacement: &str) -> String {
    let needle = format!("{line}\r\n");
    assert!(RFC_RESPONSE.contains(&needle), "{line}");
    let replacement = if replacement.is_empty() {
        String::new()
    } else {
        format!("{replacement}\r\n")
    };
    RFC_RESPONSE.replacen(&needle, &replacement, 1)
}

/// Checks `response` with `client`; returns the selected subprotocol or the error text.
fn check(client: &ClientRequest<'_>, response: &str) -> Result<Option<String>, String> {
    let mut headers = [EMPTY_HEADER; 32];
    match client.parse_response(response.as_bytes(), &mut headers, &Limits::DEFAULT) {
        Ok(Status::Complete((accepted, len))) => {
            assert_eq!(len, response.len());
            Ok(accepted.subprotocol().map(String::from))
        }
        Ok(Status::Partial) => panic!("partial"),
        Err(e) => Err(e.to_string()),
    }
}

fn error_of<'b>(
    client: &ClientRequest<'_>,
    response: &'b [u8],
    headers: &'b mut [HttpHeader<'b>],
) -> ClientError<'b, 'b> {
    match client.parse_response(response, headers, &Limits::DEFAULT) {
        Err(e) => e,
        Ok(other) => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn rfc_1_3_transcript() {
    let client = rfc_client();
    assert_eq!(request_text(&client).as_bytes(), RFC_REQUEST);
    assert_eq!(check(&client, RFC_RESPONSE), Ok(Some("chat".into())));
}

/// RFC 6455 4.1: "The request MUST include a header field with the name
/// |Sec-WebSocket-Key|. The value of this header field MUST be a nonce consisting of a
/// randomly selected 16-byte value that has been base64-encoded" and "The nonce MUST be
/// selected randomly for each connection." The nonce is the caller's: different nonces give
/// different keys, and the key decodes back to the nonce.
#[test]
fn key_is_the_callers_nonce_in_base64() {
    let a = ClientRequest::new("ws://h/", [0u8; 16]).unwrap();
    let b = ClientRequest::new("ws://h/", [0xffu8; 16]).unwrap();
    assert_eq!(a.key().as_str(), "AAAAAAAAAAAAAAAAAAAAAA==");
    assert_eq!(b.key().as_str(), "/////////////////////w==");
    assert_eq!(b.key().to_nonce(), [0xff; 16]);
    assert!(request_text(&b).contains("\r\nSec-WebSocket-Key: /////////////////////w==\r\n"));
}

/// RFC 6455 4.1: "The method of the request MUST be GET, and the HTTP version MUST be at
/// least 1.1." and "The "Request-URI" part of the request MUST match the /resource name/
/// defined in Section 3".
#[test]
fn request_line_is_get_resource_http_1_1() {
    let cases = [
        ("ws://h", "GET / HTTP/1.1\r\n"),
        ("ws://h/", "GET / HTTP/1.1\r\n"),
        ("ws://h?x=1", "GET /?x=1 HTTP/1.1\r\n"),
        ("ws://h/a/b?x=1&y=%20", "GET /a/b?x=1&y=%20 HTTP/1.1\r\n"),
    ];
    for (uri, line) in cases {
        let client = ClientRequest::new(uri, RFC_NONCE).unwrap();
        assert!(request_text(&client).starts_with(line), "{uri}");
    }
}

/// RFC 6455 4.1: "The request MUST contain a |Host| header field whose value contains
/// /host/ plus optionally ":" followed by /port/ (when not using the default port)."
#[test]
fn host_header_carries_non_default_ports() {
    let cases = [
        ("ws://example.com/", "Host: example.com\r\n"),
        ("ws://example.com:80/", "Host: example.com\r\n"),
        ("ws://example.com:443/", "Host: example.com:443\r\n"),
        ("wss://example.com/", "Host: example.com\r\n"),
        ("wss://example.com:80/", "Host: example.com:80\r\n"),
        ("ws://[2001:db8::1]:8080/", "Host: [2001:db8::1]:8080\r\n"),
        ("wss://[::1]/", "Host: [::1]\r\n"),
        ("ws://127.0.0.1:9001", "Host: 127.0.0.1:9001\r\n"),
    ];
    for (uri, host) in cases {
        let client = ClientRequest::new(uri, RFC_NONCE).unwrap();
        assert!(
            request_text(&client).contains(&format!("\r\n{host}")),
            "{uri}"
        );
    }
}

/// RFC 6455 4.1: "The request MUST contain an |Upgrade| header field whose value MUST
/// include the "websocket" keyword.", "The request MUST contain a |Connection| header field
/// whose value MUST include the "Upgrade" token." and "The request MUST include a header
/// field with the name |Sec-WebSocket-Version|. The value of this header field MUST be 13."
#[test]
fn upgrade_connection_and_version_are_always_sent() {
    let text = request_text(&ClientRequest::new("wss://h/x", [9; 16]).unwrap());
    assert_eq!(
        text,
        "GET /x HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: CQkJCQkJCQkJCQkJCQkJCQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
}

/// RFC 6455 4.1: "The request MUST include a header field with the name |Origin| if the
/// request is coming from a browser client." Non-browser clients may omit it.
#[test]
fn origin_is_sent_when_set() {
    let client = ClientRequest::new("ws://h/", RFC_NONCE).unwrap();
    assert!(!request_text(&client).contains("Origin"));
    let client = client.origin("https://app.example").unwrap();
    assert!(request_text(&client).contains("\r\nOrigin: https://app.example\r\n"));
    assert!(ClientRequest::new("ws://h/", RFC_NONCE)
        .unwrap()
        .origin("a\r\nb")
        .is_err());
}

/// RFC 6455 4.1: the subprotocol elements "MUST be non-empty strings with characters in the
/// range U+0021 to U+007E not including separator characters as defined in [RFC2616] and
/// MUST all be unique strings."
#[test]
fn subprotocols_must_be_unique_tokens() {
    let client = ClientRequest::new("ws://h/", RFC_NONCE).unwrap();
    for bad in [
        &["chat", "chat"][..],
        &[""],
        &["a b"],
        &["a,b"],
        &["caf\u{e9}"],
        &["x/y"],
    ] {
        assert_eq!(
            client.subprotocols(bad).unwrap_err(),
            BuildError::InvalidSubprotocol,
            "{bad:?}"
        );
    }
    let ok = client.subprotocols(&["v2.chat", "v1.chat"]).unwrap();
    assert!(request_text(&ok).contains("\r\nSec-WebSocket-Protocol: v2.chat, v1.chat\r\n"));
}

/// RFC 6455 4.1: "The request MAY include a header field with the name
/// |Sec-WebSocket-Extensions|." in the grammar of section 9.1; "The request MAY include any
/// other header fields".
#[test]
fn extension_offers_and_custom_headers() {
    let extra = [
        HttpHeader::new("Authorization", "Bearer abc"),
        HttpHeader::new("User-Agent", "wscore"),
    ];
    let client = ClientRequest::new("ws://h/", RFC_NONCE)
        .unwrap()
        .extensions("permessage-deflate; client_max_window_bits")
        .unwrap()
        .headers(&extra)
        .unwrap();
    let text = request_text(&client);
    assert!(text.ends_with(
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\
         Sec-WebSocket-Version: 13\r\nAuthorization: Bearer abc\r\nUser-Agent: wscore\r\n\r\n"
    ));
    let base = ClientRequest::new("ws://h/", RFC_NONCE).unwrap();
    assert_eq!(
        base.extensions("x;").unwrap_err(),
        BuildError::InvalidExtensions
    );
    for bad in [
        HttpHeader::new("Host", "other"),
        HttpHeader::new("sec-websocket-key", "x"),
        HttpHeader::new("Origin", "x"),
        HttpHeader::new("X", "a\nb"),
    ] {
        assert!(base.headers(std::slice::from_ref(&bad)).is_err(), "{bad:?}");
    }
    let mut small = [0u8; 10];
    let needed = request_text(&client).len();
    assert_eq!(client.write_to(&mut small), Err(BufferTooSmall { needed }));
    assert_eq!(small, [0; 10]);
    #[cfg(feature = "alloc")]
    assert_eq!(client.to_vec(), request_text(&client).into_bytes());
}

/// RFC 6455 3 and 4.1: "If /uri/ is invalid ... the client MUST _Fail the WebSocket
/// Connection_"; "Fragment identifiers ... MUST NOT be used".
#[test]
fn uris_are_checked() {
    for (uri, error) in [
        ("http://h/", UriError::UnsupportedScheme),
        ("ws://h/#f", UriError::Fragment),
        ("ws://:80/", UriError::InvalidHost),
        ("ws://h:99999/", UriError::InvalidPort),
        ("ws://user@h/", UriError::UserInfo),
        ("ws://h/a b", UriError::InvalidPath),
    ] {
        assert_eq!(
            ClientRequest::new(uri, RFC_NONCE).unwrap_err(),
            error,
            "{uri}"
        );
    }
}

/// RFC 6455 4.1: "If the status code received from the server is not 101, the client
/// handles the response per HTTP [RFC2616] procedures. In particular, the client might
/// perform authentication if it receives a 401 status code; the server might redirect the
/// client using a 3xx status code". Status, headers and body bytes are exposed.
#[test]
fn non_101_statuses_are_reported_with_their_content() {
    let client = rfc_client();
    let wire =
        b"HTTP/1.1 302 Found\r\nLocation: wss://other.example/chat\r\nContent-Length: 5\r\n\r\nmov";
    let mut headers = [EMPTY_HEADER; 8];
    let ClientError::Redirect(redirect) = error_of(&client, wire, &mut headers) else {
        panic!("expected a redirect")
    };
    assert_eq!(redirect.status(), 302);
    assert_eq!(redirect.location(), Some("wss://other.example/chat"));
    assert_eq!(redirect.body, b"mov");
    assert_eq!(redirect.head.headers.len(), 2);

    let wire = b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic\r\n\r\n";
    let mut headers = [EMPTY_HEADER; 8];
    let ClientError::Rejected(rejection) = error_of(&client, wire, &mut headers) else {
        panic!("expected a rejection")
    };
    assert_eq!(rejection.status(), 401);
    assert!(!rejection.is_redirect());
    assert_eq!(rejection.header("www-authenticate"), Some(&b"Basic"[..]));
    assert_eq!(rejection.location(), None);
    assert_eq!(rejection.body, b"");

    // A 200 is not an upgrade either.
    let wire = b"HTTP/1.1 200 OK\r\n\r\n";
    let mut headers = [EMPTY_HEADER; 8];
    let error = error_of(&client, wire, &mut headers);
    assert!(matches!(error, ClientError::Rejected(_)));
    // The 'static summary keeps the status and the description.
    let failure = ClientFailure::from(error);
    assert_eq!(failure.status, Some(200));
    assert_eq!(
        failure.to_string(),
        "server refused the upgrade (status 200)"
    );
}

/// RFC 6455 4.1: "If the response lacks an |Upgrade| header field or the |Upgrade| header
/// field contains a value that is not an ASCII case-insensitive match for the value
/// "websocket", the client MUST _Fail the WebSocket Connection_."
#[test]
fn upgrade_must_be_websocket() {
    let client = rfc_client();
    assert!(check(
        &client,
        &rfc_response_with("Upgrade: websocket", "upgrade: WebSocket")
    )
    .is_ok());
    for bad in [
        "",
        "Upgrade: h2c",
        "Upgrade: websocket, h2c",
        "Upgrade: websocket\r\nUpgrade: websocket",
    ] {
        let response = rfc_response_with("Upgrade: websocket", bad);
        assert_eq!(
            check(&client, &response),
            Err("Upgrade is not websocket".into()),
            "{bad}"
        );
    }
}

/// RFC 6455 4.1: "If the response lacks a |Connection| header field or the |Connection|
/// header field doesn't contain a token that is an ASCII case-insensitive match for the
/// value "Upgrade", the client MUST _Fail the WebSocket Connection_."
#[test]
fn connection_must_include_upgrade() {
    let client = rfc_client();
    for ok in [
        "Connection: upgrade",
        "Connection: keep-alive, Upgrade",
        "Connection: x\r\nConnection: UPGRADE",
    ] {
        assert!(
            check(&client, &rfc_response_with("Connection: Upgrade", ok)).is_ok(),
            "{ok}"
        );
    }
    for bad in ["", "Connection: keep-alive", "Connection: upgraded"] {
        let response = rfc_response_with("Connection: Upgrade", bad);
        assert_eq!(
            check(&client, &response),
            Err("Connection does not include Upgrade".into())
        );
    }
}

/// RFC 6455 4.1: "If the response lacks a |Sec-WebSocket-Accept| header field or the
/// |Sec-WebSocket-Accept| contains a value other than the base64-encoded SHA-1 of the
/// concatenation of the |Sec-WebSocket-Key| (as a string, not base64-decoded) with the
/// string "258EAFA5-E914-47DA-95CA-C5AB0DC85B11" but ignoring any leading and trailing
/// whitespace, the client MUST _Fail the WebSocket Connection_."
#[test]
fn accept_must_match_the_key() {
    let client = rfc_client();
    let line = "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
    assert!(check(
        &client,
        &rfc_response_with(
            line,
            "sec-websocket-accept:  s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\t"
        )
    )
    .is_ok());
    assert_eq!(
        check(&client, &rfc_response_with(line, "")),
        Err("missing Sec-WebSocket-Accept".into())
    );
    for bad in [
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo",
        "Sec-WebSocket-Accept: S3PPLMBITXAQ9KYGZZHZRBK+XOO=",
        "Sec-WebSocket-Accept: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Accept: x",
    ] {
        let response = rfc_response_with(line, bad);
        assert_eq!(
            check(&client, &response),
            Err("Sec-WebSocket-Accept does not match the key".into()),
            "{bad}"
        );
    }
    // Another nonce, another accept value.
    let other = ClientRequest::new("ws://server.example.com/chat", [1; 16]).unwrap();
    let response = rfc_response_with("Sec-WebSocket-Protocol: chat", "");
    assert!(check(&other, &response).is_err());
}

/// RFC 6455 4.1: "If the response includes a |Sec-WebSocket-Extensions| header field and
/// this header field indicates the use of an extension that was not present in the client's
/// handshake (the server has indicated an extension not requested by the client), the
/// client MUST _Fail the WebSocket Connection_."
#[test]
fn extensions_must_have_been_offered() {
    let plain = rfc_client();
    let deflate = rfc_client()
        .extensions("permessage-deflate; client_max_window_bits")
        .unwrap();
    let with_ext = rfc_response_with(
        "Sec-WebSocket-Protocol: chat",
        "Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=10",
    );
    assert_eq!(
        check(&plain, &with_ext),
        Err("extension not offered".into())
    );
    assert!(check(&deflate, &with_ext).is_ok());
    let mut headers = [EMPTY_HEADER; 16];
    let Ok(Status::Complete((accepted, _))) =
        deflate.parse_response(with_ext.as_bytes(), &mut headers, &Limits::DEFAULT)
    else {
        panic!()
    };
    let ext = accepted.extensions().next().unwrap();
    assert_eq!(ext.name(), "permessage-deflate");
    assert_eq!(
        ext.param("client_max_window_bits")
            .unwrap()
            .value
            .unwrap()
            .to_u32(),
        Some(10)
    );
    let other = rfc_response_with(
        "Sec-WebSocket-Protocol: chat",
        "Sec-WebSocket-Extensions: x-webkit-deflate-frame",
    );
    assert_eq!(check(&deflate, &other), Err("extension not offered".into()));
    let malformed = rfc_response_with(
        "Sec-WebSocket-Protocol: chat",
        "Sec-WebSocket-Extensions: permessage-deflate;",
    );
    assert_eq!(
        check(&deflate, &malformed),
        Err("extension not offered".into())
    );
}

/// RFC 6455 4.1: "If the response includes a |Sec-WebSocket-Protocol| header field and this
/// header field indicates the use of a subprotocol that was not present in the client's
/// handshake (the server has indicated a subprotocol not requested by the client), the
/// client MUST _Fail the WebSocket Connection_." The server selects one (4.2.2: "a single
/// value").
#[test]
fn subprotocol_must_be_a_single_offered_one() {
    let client = rfc_client();
    let line = "Sec-WebSocket-Protocol: chat";
    assert_eq!(
        check(
            &client,
            &rfc_response_with(line, "Sec-WebSocket-Protocol: superchat")
        ),
        Ok(Some("superchat".into()))
    );
    assert_eq!(check(&client, &rfc_response_with(line, "")), Ok(None));
    for bad in [
        "Sec-WebSocket-Protocol: mqtt",
        "Sec-WebSocket-Protocol: Chat",
        "Sec-WebSocket-Protocol: chat, superchat",
        "Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: chat",
    ] {
        assert_eq!(
            check(&client, &rfc_response_with(line, bad)),
            Err("subprotocol not offered".into()),
            "{bad}"
        );
    }
    let none_offered = ClientRequest::new("ws://server.example.com/chat", RFC_NONCE).unwrap();
    assert_eq!(
        check(&none_offered, RFC_RESPONSE),
        Err("subprotocol not offered".into())
    );
}

/// A 101 must still be HTTP/1.1 or later.
#[test]
fn http_1_0_101_is_refused() {
    let response = RFC_RESPONSE.replacen("HTTP/1.1", "HTTP/1.0", 1);
    assert_eq!(
        check(&rfc_client(), &response),
        Err("HTTP/1.1 or later required".into())
    );
}

/// The response head is parsed incrementally with the same bounded parser; frames that
/// arrive in the same read are left to the caller.
#[test]
fn incremental_response_with_trailing_frame() {
    let client = rfc_client();
    let wire = [RFC_RESPONSE.as_bytes(), b"\x81\x05Hello"].concat();
    for end in 0..RFC_RESPONSE.len() {
        let mut headers = [EMPTY_HEADER; 8];
        let result = client.parse_response(&wire[..end], &mut headers, &Limits::DEFAULT);
        assert!(matches!(result, Ok(Status::Partial)), "prefix {end}");
    }
    let mut headers = [EMPTY_HEADER; 8];
    let Ok(Status::Complete((accepted, len))) =
        client.parse_response(&wire, &mut headers, &Limits::DEFAULT)
    else {
        panic!()
    };
    assert_eq!(&wire[len..], b"\x81\x05Hello");
    assert_eq!(accepted.head().status, 101);
    assert_eq!(accepted.header("upgrade"), Some(&b"websocket"[..]));

    let tight = Limits {
        max_head_len: 64,
        ..Limits::DEFAULT
    };
    let mut headers = [EMPTY_HEADER; 8];
    assert_eq!(
        client
            .parse_response(&wire, &mut headers, &tight)
            .unwrap_err(),
        ClientError::Head(HeadError::HeadTooLarge)
    );
    let mut headers = [EMPTY_HEADER; 2];
    assert_eq!(
        client
            .parse_response(&wire, &mut headers, &Limits::DEFAULT)
            .unwrap_err(),
        ClientError::Head(HeadError::TooManyHeaders)
    );
    let mut headers = [EMPTY_HEADER; 8];
    assert_eq!(
        client
            .parse_response(b"HTTP/1.1 1O1 x\r\n\r\n", &mut headers, &Limits::DEFAULT)
            .unwrap_err(),
        ClientError::Head(HeadError::InvalidStatusLine)
    );
}
