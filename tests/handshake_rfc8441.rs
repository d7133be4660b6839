//! RFC 8441 (WebSocket over an HTTP/2 extended CONNECT stream) producing connections the
//! same way the HTTP/1.1 handshake does: subprotocol chosen, extension negotiated, and the
//! two connections then talk over the stream's bytes (compressed when deflate is agreed).
#![cfg(feature = "deflate")]

use std::time::Duration;

use wscore::deflate::{DeflateClient, DeflateConfig, DeflateServer};
use wscore::extension::ClientNegotiation;
use wscore::frame::{Decoder, Item, RSV1};
use wscore::handshake::{negotiate, ClientFailureKind, HandshakeError, HttpHeader};
use wscore::{Config, DataKind, EntropyError, Event, Role};

const NOW: Duration = Duration::ZERO;

fn rng(buf: &mut [u8]) -> Result<(), EntropyError> {
    buf.fill(0x5a);
    Ok(())
}

#[test]
fn extended_connect_yields_configured_connections_that_talk() {
    let client_policy = DeflateClient::new(DeflateConfig::new());
    let offer = client_policy.offer();
    // The regular headers of the CONNECT request (:protocol = websocket is the HTTP/2 stack's).
    let request = [
        HttpHeader::new("sec-websocket-version", "13"),
        HttpHeader::new("sec-websocket-protocol", "mqtt, chat"),
        HttpHeader::new("sec-websocket-extensions", &offer),
    ];
    let server_policy = DeflateServer::new(DeflateConfig::new());
    let answer = negotiate::accept_with_extensions(
        &request,
        &["chat", "mqtt"],
        &server_policy,
        Config::default(),
        Vec::new(),
        NOW,
    )
    .unwrap();
    assert_eq!(
        answer.subprotocol,
        Some("mqtt"),
        "the client's preference wins"
    );
    let extensions = answer.extensions().expect("deflate agreed").to_string();
    assert!(extensions.starts_with("permessage-deflate"));
    let mut server = answer.connection;
    assert_eq!(server.subprotocol(), Some("mqtt"));
    assert_eq!(server.extension_name(), Some("permessage-deflate"));

    // The 200 response's headers, as the client's HTTP/2 stack hands them over.
    let response = [
        HttpHeader::new("sec-websocket-protocol", "mqtt"),
        HttpHeader::new("sec-websocket-extensions", &extensions),
    ];
    let mut client = negotiate::connect_with_extensions(
        &response,
        &["mqtt", "chat"],
        &client_policy,
        Config::default(),
        Vec::new(),
        rng,
        NOW,
    )
    .unwrap();
    assert_eq!(client.subprotocol(), Some("mqtt"));

    let text = "telemetry ".repeat(500);
    client.send_text(&text).unwrap();
    let mut wire = vec![0u8; 64 * 1024];
    let n = client.poll_transmit(&mut wire);
    let mut head = Decoder::new(Role::Server).with_allowed_rsv(RSV1);
    let mut copy = wire[..n].to_vec();
    let Ok((Item::Header(h), _)) = head.decode(&mut copy) else {
        panic!("no header")
    };
    assert_eq!(h.rsv, RSV1, "compressed on the stream");
    assert!((h.payload_len as usize) < text.len() / 4);
    let mut got = Vec::new();
    let mut input = &mut wire[..n];
    while let Some((event, rest)) = server.receive(NOW, input).unwrap() {
        match event {
            Event::Data(d) | Event::Decoded(d) => {
                assert_eq!(d.kind, DataKind::Text);
                got.extend_from_slice(d.payload);
            }
            other => panic!("{other:?}"),
        }
        input = rest;
    }
    assert_eq!(got, text.as_bytes());
}

#[test]
fn extended_connect_refusals_and_bad_answers() {
    let err = negotiate::accept(
        &[HttpHeader::new("sec-websocket-version", "8")],
        &[],
        Config::default(),
        Vec::new(),
        NOW,
    )
    .unwrap_err();
    assert_eq!(err, HandshakeError::UnsupportedVersion);
    assert_eq!(err.status(), 426);

    let not_offered = [HttpHeader::new("sec-websocket-protocol", "other")];
    let failure = negotiate::connect(
        &not_offered,
        &["mqtt"],
        Config::default(),
        Vec::new(),
        rng,
        NOW,
    )
    .unwrap_err();
    assert_eq!(failure.kind, ClientFailureKind::UnexpectedSubprotocol);

    // client_max_window_bits in an answer to an offer that did not include it is refused
    // (RFC 7692 7.1.2.2).
    let policy = DeflateClient::new(DeflateConfig::new().offer_client_max_window_bits(false));
    let bad = [HttpHeader::new(
        "sec-websocket-extensions",
        "permessage-deflate; client_max_window_bits=10",
    )];
    let failure = negotiate::connect_with_extensions(
        &bad,
        &[],
        &policy,
        Config::default(),
        Vec::new(),
        rng,
        NOW,
    )
    .unwrap_err();
    assert!(
        matches!(failure.kind, ClientFailureKind::ExtensionRefused(_)),
        "{failure:?}"
    );
}
