//! Property test: whatever our client can send, our server accepts with the same meaning,
//! and whatever our server answers, our client accepts; split at any point, nothing is lost.

use proptest::prelude::*;
use wscore::handshake::{ClientRequest, HttpHeader, Limits, Request, Status, WsUri, EMPTY_HEADER};

fn host() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9-]{0,10}(\\.[a-z]{2,5}){0,2}",
        (any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>())
            .prop_map(|(a, b, c, d)| format!("{a}.{b}.{c}.{d}")),
        prop::sample::select(vec!["[::1]", "[2001:db8::7]", "[::ffff:10.0.0.1]"])
            .prop_map(String::from),
    ]
}

fn uri() -> impl Strategy<Value = (String, bool, String, Option<u16>, String, Option<String>)> {
    (
        any::<bool>(),
        host(),
        proptest::option::of(any::<u16>()),
        "(/[a-zA-Z0-9._~%-]{0,8}){0,3}",
        proptest::option::of("[a-zA-Z0-9=&%]{0,12}"),
    )
        .prop_map(|(secure, host, port, path, query)| {
            let scheme = if secure { "wss" } else { "ws" };
            let port_part = port.map(|p| format!(":{p}")).unwrap_or_default();
            let query_part = query.as_ref().map(|q| format!("?{q}")).unwrap_or_default();
            let uri = format!("{scheme}://{host}{port_part}{path}{query_part}");
            (uri, secure, host, port, path, query)
        })
}

fn protocols() -> impl Strategy<Value = Vec<String>> {
    proptest::collection::btree_set("[a-zA-Z0-9.!#$%&'*+^_`|~-]{1,10}", 0..4)
        .prop_map(|set| set.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn client_and_server_agree(
        (uri, secure, host, port, path, query) in uri(),
        nonce in any::<[u8; 16]>(),
        protocols in protocols(),
        pick in any::<prop::sample::Index>(),
        split in any::<prop::sample::Index>(),
        deflate in any::<bool>(),
    ) {
        let protocol_refs: Vec<&str> = protocols.iter().map(String::as_str).collect();
        let mut client = ClientRequest::new(&uri, nonce)
            .unwrap()
            .subprotocols(&protocol_refs)
            .unwrap();
        if deflate {
            client = client.extensions("permessage-deflate; client_max_window_bits").unwrap();
        }
        let parsed = WsUri::parse(&uri).unwrap();
        prop_assert_eq!(parsed.is_secure(), secure);
        prop_assert_eq!(parsed.port(), port.unwrap_or(if secure { 443 } else { 80 }));

        let mut wire = [0u8; 1024];
        let n = client.write_to(&mut wire).unwrap();
        // A frame that arrives in the same read as the head's end.
        let frame = b"\x81\x80\x00\x00\x00\x00";
        let mut stream = wire[..n].to_vec();
        stream.extend_from_slice(frame);

        // Any split: the first part alone is partial (or already complete).
        let cut = split.index(n);
        let mut headers = [EMPTY_HEADER; 16];
        prop_assert!(matches!(Request::parse(&stream[..cut], &mut headers, &Limits::DEFAULT), Ok(Status::Partial)));

        let mut headers = [EMPTY_HEADER; 16];
        let Ok(Status::Complete((request, used))) = Request::parse(&stream, &mut headers, &Limits::DEFAULT)
        else {
            panic!("server refused {:?}", String::from_utf8_lossy(&stream))
        };
        prop_assert_eq!(used, n);
        prop_assert_eq!(&stream[used..], &frame[..]);
        let expected_path = if path.is_empty() { "/" } else { path.as_str() };
        prop_assert_eq!(request.path(), expected_path);
        prop_assert_eq!(request.query(), query.as_deref());
        let default = port.is_none_or(|p| p == if secure { 443 } else { 80 });
        let expected_host = if default { host.clone() } else { format!("{host}:{}", port.unwrap()) };
        prop_assert_eq!(request.host(), expected_host.as_str());
        prop_assert_eq!(request.key().to_nonce(), nonce);
        prop_assert!(request.subprotocols().eq(protocol_refs.iter().copied()));
        prop_assert_eq!(request.extensions().count(), usize::from(deflate));

        let mut accept = request.accept();
        let chosen = (!protocols.is_empty()).then(|| protocol_refs[pick.index(protocol_refs.len())]);
        if let Some(p) = chosen {
            accept = accept.subprotocol(p).unwrap();
        }
        if deflate {
            accept = accept.extensions("permessage-deflate").unwrap();
        }
        let extra = [HttpHeader::new("Server", "roundtrip")];
        accept = accept.headers(&extra).unwrap();
        let mut answer = [0u8; 512];
        let m = accept.write_to(&mut answer).unwrap();

        let mut headers = [EMPTY_HEADER; 16];
        let Ok(Status::Complete((accepted, len))) = client.parse_response(&answer[..m], &mut headers, &Limits::DEFAULT)
        else {
            panic!("client refused {:?}", String::from_utf8_lossy(&answer[..m]))
        };
        prop_assert_eq!(len, m);
        prop_assert_eq!(accepted.subprotocol(), chosen);
        prop_assert_eq!(accepted.extensions().count(), usize::from(deflate));
        prop_assert_eq!(accepted.header("server"), Some(&b"roundtrip"[..]));
    }
}
