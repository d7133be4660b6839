//! The `http` crate conversions (feature `http`).
#![cfg(feature = "http")]

use http::{header, StatusCode};
use wscore::handshake::{http_interop, ClientRequest, HandshakeError, HttpHeader, Reject};

#[test]
fn client_request_round_trips_through_http_types() {
    let client = ClientRequest::new("ws://server.example.com:8080/chat?x", *b"the sample nonce")
        .unwrap()
        .subprotocols(&["chat", "superchat"])
        .unwrap();
    let request = client.to_http_request();
    assert_eq!(request.method(), http::Method::GET);
    assert_eq!(request.uri(), "/chat?x");
    assert_eq!(request.version(), http::Version::HTTP_11);
    assert_eq!(request.headers()[header::HOST], "server.example.com:8080");
    assert_eq!(
        request.headers()["sec-websocket-key"],
        "dGhlIHNhbXBsZSBub25jZQ=="
    );
    assert_eq!(request.headers()[header::SEC_WEBSOCKET_VERSION], "13");

    let response = http_interop::with_request(&request, |req| {
        assert_eq!(req.path(), "/chat");
        assert_eq!(req.query(), Some("x"));
        assert!(req.subprotocols().eq(["chat", "superchat"]));
        let back = req.to_http_request().unwrap();
        assert_eq!(back.headers().len(), request.headers().len());
        req.accept()
            .subprotocol("superchat")
            .unwrap()
            .to_http_response()
    })
    .unwrap();
    assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
    assert_eq!(
        response.headers()[header::SEC_WEBSOCKET_ACCEPT],
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    );
    assert_eq!(
        client.check_http_response(&response),
        Ok(Some("superchat".to_string()))
    );

    let mut tampered = response;
    tampered
        .headers_mut()
        .insert(header::SEC_WEBSOCKET_ACCEPT, "AAAA".parse().unwrap());
    assert!(client.check_http_response(&tampered).is_err());
}

#[test]
fn http_requests_are_validated() {
    let request = http::Request::builder()
        .method("POST")
        .uri("/chat")
        .header("host", "h")
        .body(())
        .unwrap();
    let error = http_interop::with_request(&request, |_| ()).unwrap_err();
    assert_eq!(error, HandshakeError::MethodNotGet);
    let response = error.to_http_response();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()[header::ALLOW], "GET");
    assert_eq!(response.body(), b"method must be GET\n");

    let request = http::Request::builder()
        .uri("/chat")
        .header("host", "h")
        .header("upgrade", "websocket")
        .header("connection", "Upgrade")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .header("sec-websocket-version", "7")
        .body(())
        .unwrap();
    let error = http_interop::with_request(&request, |_| ()).unwrap_err();
    let response = error.to_http_response();
    assert_eq!(response.status(), StatusCode::UPGRADE_REQUIRED);
    assert_eq!(response.headers()[header::SEC_WEBSOCKET_VERSION], "13");
}

#[test]
fn rejections_and_redirects() {
    let location = [HttpHeader::new("Location", "wss://elsewhere/")];
    let response = Reject::new(308)
        .headers(&location)
        .body(b"moved")
        .to_http_response()
        .unwrap();
    assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(response.headers()[header::LOCATION], "wss://elsewhere/");
    assert_eq!(response.headers()[header::CONTENT_LENGTH], "5");
    assert_eq!(response.body(), b"moved");

    let client = ClientRequest::new("ws://h/", [3; 16]).unwrap();
    let error = client.check_http_response(&response).unwrap_err();
    assert_eq!(error.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(error.reason, "server redirected");
}
