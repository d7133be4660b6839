//! Fuzz check of permessage-deflate negotiation on hostile header values, both roles.
//!
//! Byte 0 picks the role (bit 0: client) and the configuration (bits 1-7); the rest is a
//! `Sec-WebSocket-Extensions` value: the client's offers for the server role, the server's
//! answer for the client role.
//!
//! Invariants, each asserted:
//!
//! - nothing panics;
//! - parameters that parse are written back to a value that parses to the same parameters;
//! - server: an answer is given to the first offer that parses, follows RFC 7692 7.1 with
//!   respect to it (a requested `server_no_context_takeover` is granted,
//!   `server_max_window_bits` never above the request, `client_max_window_bits` only when
//!   offered and never above an offered value) and is accepted by the rules our client
//!   applies; no valid offer, no answer;
//! - client: an accepted answer yields a compression window within what was offered and
//!   answered.

use wscore::deflate::{
    ClientWindowBits, DeflateClient, DeflateConfig, DeflateParams, DeflateServer, NAME,
};
use wscore::extension::{ClientNegotiation, ServerNegotiation};
use wscore::handshake::{ExtensionList, Extensions, HttpHeader};

fn config(bits: u8) -> DeflateConfig {
    let window = |b: u8| (b % 9 != 8).then_some(8 + b % 8);
    DeflateConfig::new()
        .server_no_context_takeover(bits & 1 != 0)
        .client_no_context_takeover(bits & 2 != 0)
        .server_max_window_bits(window(bits >> 2))
        .client_max_window_bits(window(bits >> 4))
        .offer_client_max_window_bits(bits & 0x40 == 0)
}

fn round_trip(params: &DeflateParams) {
    let text = params.to_header();
    let item = ExtensionList::new(text.as_bytes())
        .next()
        .expect("an extension")
        .expect("our output follows the grammar");
    assert_eq!(&DeflateParams::parse(&item).expect("parses"), params);
}

pub fn run(data: &[u8]) {
    let Some((&selector, value)) = data.split_first() else {
        return;
    };
    let config = config(selector >> 1);
    let header = HttpHeader {
        name: "Sec-WebSocket-Extensions",
        value,
    };
    let headers = [header];

    // Every item that parses round-trips.
    for item in ExtensionList::new(value).map_while(Result::ok) {
        if let Ok(params) = DeflateParams::parse(&item) {
            round_trip(&params);
        }
    }

    if selector & 1 == 0 {
        let server = DeflateServer::new(config);
        let agreed = server.negotiate(Extensions::new(&headers));
        let first_valid = Extensions::new(&headers)
            .filter(|item| item.name().eq_ignore_ascii_case(NAME))
            .find_map(|item| DeflateParams::parse(&item).ok());
        match (agreed, first_valid) {
            (None, None) => {}
            (Some(agreed), Some(offer)) => {
                let item = ExtensionList::new(agreed.response.as_bytes())
                    .next()
                    .unwrap()
                    .unwrap();
                let answer = DeflateParams::parse(&item).expect("our answer parses");
                assert!(!offer.server_no_context_takeover || answer.server_no_context_takeover);
                if let Some(requested) = offer.server_max_window_bits {
                    assert!(answer.server_max_window_bits.unwrap() <= requested);
                }
                match (offer.client_max_window_bits, answer.client_max_window_bits) {
                    (_, None) => {}
                    (None, Some(_)) => panic!("limited a client that did not offer it"),
                    (Some(_), Some(ClientWindowBits::Unlimited)) => panic!("answer without value"),
                    (Some(ClientWindowBits::Bits(o)), Some(ClientWindowBits::Bits(a))) => {
                        assert!(a <= o)
                    }
                    (Some(ClientWindowBits::Unlimited), Some(ClientWindowBits::Bits(_))) => {}
                }
                assert_eq!(agreed.extension.rsv_bits(), 0x40);
            }
            (agreed, offer) => panic!("answer {agreed:?} for first valid offer {offer:?}"),
        }
    } else {
        let client = DeflateClient::new(config);
        let offer = client.offer();
        let offered = ExtensionList::new(offer.as_bytes())
            .next()
            .unwrap()
            .unwrap();
        let offered = DeflateParams::parse(&offered).expect("our offer parses");
        for item in ExtensionList::new(value).map_while(Result::ok) {
            let Ok(codec) = client.accept_codec(&item) else {
                continue;
            };
            let answer = DeflateParams::parse(&item).expect("accepted answers parse");
            let window = codec.settings().compress_window_bits;
            if let Some(ClientWindowBits::Bits(a)) = answer.client_max_window_bits {
                assert!(window <= a);
            }
            if let Some(ClientWindowBits::Bits(o)) = offered.client_max_window_bits {
                assert!(window <= o);
            }
            if let Some(requested) = offered.server_max_window_bits {
                assert!(answer.server_max_window_bits.unwrap() <= requested);
            }
            assert!(client.accept(&item).is_ok());
        }
    }
}
