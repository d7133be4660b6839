#![cfg(feature = "deflate")]
//! permessage-deflate negotiation (RFC 7692 section 7.1), both roles: every parameter, every
//! invalid form, several offers, and the codec each answer produces.

use wscore::deflate::{
    ClientWindowBits, CodecSettings, DeflateClient, DeflateConfig, DeflateParams, DeflateServer,
};
use wscore::extension::{ClientNegotiation, NegotiationError, ServerNegotiation};
use wscore::handshake::{ExtensionList, Extensions, HttpHeader};

fn item(value: &str) -> wscore::handshake::ExtensionItem<'_> {
    ExtensionList::new(value.as_bytes())
        .next()
        .expect("one extension")
        .expect("grammar")
}

/// The server's answer to `offers` (one header value), if any.
fn answer(server: &DeflateServer, offers: &str) -> Option<String> {
    let headers = [HttpHeader::new("Sec-WebSocket-Extensions", offers)];
    server
        .negotiate(Extensions::new(&headers))
        .map(|agreed| agreed.response)
}

fn default_server() -> DeflateServer {
    DeflateServer::new(DeflateConfig::new())
}

#[test]
fn parse_every_parameter() {
    let p = DeflateParams::parse(&item(
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
         server_max_window_bits=10; client_max_window_bits",
    ))
    .unwrap();
    assert_eq!(
        p,
        DeflateParams {
            server_no_context_takeover: true,
            client_no_context_takeover: true,
            server_max_window_bits: Some(10),
            client_max_window_bits: Some(ClientWindowBits::Unlimited),
        }
    );
    let p = DeflateParams::parse(&item(
        "permessage-deflate; client_max_window_bits=\"8\"; SERVER_MAX_WINDOW_BITS=\"15\"",
    ))
    .unwrap();
    assert_eq!(p.client_max_window_bits, Some(ClientWindowBits::Bits(8)));
    assert_eq!(p.server_max_window_bits, Some(15));
    assert_eq!(
        DeflateParams::parse(&item("permessage-deflate")).unwrap(),
        DeflateParams::default()
    );
    // Written back the way it is read.
    let text = p.to_header();
    assert_eq!(DeflateParams::parse(&item(&text)).unwrap(), p);
}

const INVALID: &[&str] = &[
    "permessage-deflate; foo",
    "permessage-deflate; foo=1",
    "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
    "permessage-deflate; client_no_context_takeover; client_no_context_takeover",
    "permessage-deflate; server_no_context_takeover=1",
    "permessage-deflate; client_no_context_takeover=\"x\"",
    "permessage-deflate; server_max_window_bits",
    "permessage-deflate; server_max_window_bits=7",
    "permessage-deflate; server_max_window_bits=16",
    "permessage-deflate; server_max_window_bits=0",
    "permessage-deflate; server_max_window_bits=010",
    "permessage-deflate; server_max_window_bits=09",
    "permessage-deflate; server_max_window_bits=1a",
    "permessage-deflate; server_max_window_bits=99999999999999999999",
    "permessage-deflate; server_max_window_bits=10; server_max_window_bits=10",
    "permessage-deflate; client_max_window_bits=7",
    "permessage-deflate; client_max_window_bits=16",
    "permessage-deflate; client_max_window_bits=\"010\"",
    "permessage-deflate; client_max_window_bits=abc",
    "permessage-deflate; client_max_window_bits; client_max_window_bits=10",
    "permessage-deflate; client_max_window_bits=10; client_max_window_bits=10",
];

#[test]
fn parse_rejects_invalid_forms() {
    for value in INVALID {
        assert!(DeflateParams::parse(&item(value)).is_err(), "{value}");
    }
}

#[test]
fn server_declines_invalid_offers_and_tries_the_next() {
    let server = default_server();
    for value in INVALID {
        assert_eq!(answer(&server, value), None, "{value}");
        let with_fallback = format!("{value}, permessage-deflate; server_no_context_takeover");
        assert_eq!(
            answer(&server, &with_fallback).as_deref(),
            Some("permessage-deflate; server_no_context_takeover"),
            "{value}"
        );
    }
    // Other extensions are skipped.
    assert_eq!(
        answer(&server, "x-webkit-deflate-frame, permessage-deflate").as_deref(),
        Some("permessage-deflate")
    );
    assert_eq!(answer(&server, "x-webkit-deflate-frame"), None);
    assert_eq!(answer(&server, ""), None);
}

#[test]
fn server_answers_each_parameter() {
    let server = default_server();
    let cases = [
        ("permessage-deflate", "permessage-deflate"),
        (
            "permessage-deflate; server_no_context_takeover",
            "permessage-deflate; server_no_context_takeover",
        ),
        (
            "permessage-deflate; client_no_context_takeover",
            "permessage-deflate; client_no_context_takeover",
        ),
        (
            "permessage-deflate; server_max_window_bits=9",
            "permessage-deflate; server_max_window_bits=9",
        ),
        (
            "permessage-deflate; server_max_window_bits=15",
            "permessage-deflate; server_max_window_bits=15",
        ),
        // Offered without a value and nothing configured: not limited.
        (
            "permessage-deflate; client_max_window_bits",
            "permessage-deflate",
        ),
        (
            "permessage-deflate; client_max_window_bits=10",
            "permessage-deflate",
        ),
        (
            "PerMessage-Deflate; Server_Max_Window_Bits=\"8\"",
            "permessage-deflate; server_max_window_bits=8",
        ),
    ];
    for (offer, expected) in cases {
        assert_eq!(answer(&server, offer).as_deref(), Some(expected), "{offer}");
    }
}

#[test]
fn server_policy() {
    let server = DeflateServer::new(
        DeflateConfig::new()
            .server_max_window_bits(Some(12))
            .client_max_window_bits(Some(11))
            .server_no_context_takeover(true)
            .client_no_context_takeover(true),
    );
    let both = "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
                server_max_window_bits=12";
    // The client did not offer client_max_window_bits: never limited.
    assert_eq!(answer(&server, "permessage-deflate").as_deref(), Some(both));
    assert_eq!(
        answer(&server, "permessage-deflate; client_max_window_bits").as_deref(),
        Some(&*format!("{both}; client_max_window_bits=11"))
    );
    // A smaller offered client window stays; a larger one is lowered.
    assert_eq!(
        answer(&server, "permessage-deflate; client_max_window_bits=9").as_deref(),
        Some(&*format!("{both}; client_max_window_bits=9"))
    );
    assert_eq!(
        answer(&server, "permessage-deflate; client_max_window_bits=15").as_deref(),
        Some(&*format!("{both}; client_max_window_bits=11"))
    );
    // The client's server window request wins when smaller.
    assert_eq!(
        answer(&server, "permessage-deflate; server_max_window_bits=10").as_deref(),
        Some(
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
             server_max_window_bits=10"
        )
    );
    // The first acceptable offer in the client's order is answered.
    assert_eq!(
        answer(
            &server,
            "permessage-deflate; server_max_window_bits=9, permessage-deflate"
        )
        .as_deref(),
        Some(
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
             server_max_window_bits=9"
        )
    );
}

#[test]
fn server_codec_matches_answer() {
    let server = DeflateServer::new(DeflateConfig::new().server_max_window_bits(Some(11)));
    let offer = DeflateParams::parse(&item(
        "permessage-deflate; client_no_context_takeover; server_max_window_bits=13",
    ))
    .unwrap();
    let (params, settings) = server.answer(&offer).unwrap();
    assert_eq!(params.server_max_window_bits, Some(11));
    assert_eq!(
        settings,
        CodecSettings {
            compress_window_bits: 11,
            compress_no_context_takeover: false,
            inflate_no_context_takeover: true,
        }
    );
}

fn refused(client: &DeflateClient, answer: &str) -> NegotiationError {
    client.accept(&item(answer)).expect_err(answer)
}

#[test]
fn client_offers() {
    assert_eq!(
        DeflateClient::new(DeflateConfig::new()).offer(),
        "permessage-deflate; client_max_window_bits"
    );
    let client = DeflateClient::new(
        DeflateConfig::new()
            .server_no_context_takeover(true)
            .client_no_context_takeover(true)
            .server_max_window_bits(Some(10))
            .client_max_window_bits(Some(9)),
    )
    .or_offer(DeflateConfig::new());
    assert_eq!(
        client.offer(),
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
         server_max_window_bits=10; client_max_window_bits=9, \
         permessage-deflate; client_max_window_bits"
    );
    // The offer is valid for our own server, which takes the first one.
    let offer = client.offer();
    let headers = [HttpHeader::new("Sec-WebSocket-Extensions", &offer)];
    let agreed = default_server()
        .negotiate(Extensions::new(&headers))
        .unwrap();
    assert_eq!(
        agreed.response,
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
         server_max_window_bits=10"
    );
    assert!(client.accept(&item(&agreed.response)).is_ok());
}

#[test]
fn client_accepts_valid_answers() {
    let client = DeflateClient::new(DeflateConfig::new());
    for answer in [
        "permessage-deflate",
        "permessage-deflate; server_no_context_takeover",
        "permessage-deflate; client_no_context_takeover",
        "permessage-deflate; server_max_window_bits=8",
        "permessage-deflate; client_max_window_bits=8",
        "permessage-deflate; client_max_window_bits=15",
    ] {
        assert!(client.accept(&item(answer)).is_ok(), "{answer}");
    }
    let codec = client
        .accept_codec(&item(
            "permessage-deflate; server_no_context_takeover; client_max_window_bits=10",
        ))
        .unwrap();
    assert_eq!(
        codec.settings(),
        CodecSettings {
            compress_window_bits: 10,
            compress_no_context_takeover: false,
            inflate_no_context_takeover: true,
        }
    );
    // A client that declared client_no_context_takeover keeps its word without an answer.
    let declared = DeflateClient::new(
        DeflateConfig::new()
            .client_no_context_takeover(true)
            .client_max_window_bits(Some(12)),
    );
    let codec = declared.accept_codec(&item("permessage-deflate")).unwrap();
    assert_eq!(
        codec.settings(),
        CodecSettings {
            compress_window_bits: 12,
            compress_no_context_takeover: true,
            inflate_no_context_takeover: false,
        }
    );
}

#[test]
fn client_refuses_invalid_answers() {
    let plain = DeflateClient::new(DeflateConfig::new());
    for value in INVALID {
        refused(&plain, value);
    }
    assert_eq!(
        refused(&plain, "permessage-deflate; client_max_window_bits").reason,
        "client_max_window_bits without a value in the answer"
    );
    assert_eq!(
        refused(&plain, "x-other").reason,
        "answer names another extension"
    );
    let requesting = DeflateClient::new(
        DeflateConfig::new()
            .server_no_context_takeover(true)
            .server_max_window_bits(Some(10))
            .client_max_window_bits(Some(11)),
    );
    let ok = "permessage-deflate; server_no_context_takeover; server_max_window_bits=10";
    assert!(requesting.accept(&item(ok)).is_ok());
    assert_eq!(
        refused(&requesting, "permessage-deflate; server_max_window_bits=10").reason,
        "server_no_context_takeover requested but not answered"
    );
    assert_eq!(
        refused(
            &requesting,
            "permessage-deflate; server_no_context_takeover"
        )
        .reason,
        "server_max_window_bits requested but not answered"
    );
    assert_eq!(
        refused(
            &requesting,
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=11"
        )
        .reason,
        "server_max_window_bits above the offer"
    );
    assert_eq!(
        refused(&requesting, &format!("{ok}; client_max_window_bits=12")).reason,
        "client_max_window_bits above the offer"
    );
    assert!(requesting
        .accept(&item(&format!("{ok}; client_max_window_bits=11")))
        .is_ok());
    // A client that did not offer client_max_window_bits cannot be limited.
    let silent = DeflateClient::new(DeflateConfig::new().offer_client_max_window_bits(false));
    assert_eq!(silent.offer(), "permessage-deflate");
    assert_eq!(
        refused(&silent, "permessage-deflate; client_max_window_bits=12").reason,
        "client_max_window_bits not allowed by the offer"
    );
    assert!(silent.accept(&item("permessage-deflate")).is_ok());
}

#[test]
fn client_with_several_offers_accepts_an_answer_to_any() {
    let client = DeflateClient::new(DeflateConfig::new().server_max_window_bits(Some(9)))
        .or_offer(DeflateConfig::new());
    // Matches only the second offer (no server window in the answer).
    assert!(client.accept(&item("permessage-deflate")).is_ok());
    assert!(client
        .accept(&item("permessage-deflate; server_max_window_bits=9"))
        .is_ok());
}
