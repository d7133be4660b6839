//! Helpers shared by the permessage-deflate tests.
#![allow(dead_code)]

pub mod walker;

use wscore::deflate::backend::Backend;
use wscore::deflate::{DeflateClient, DeflateCodec, DeflateConfig, DeflateServer};
use wscore::extension::ServerNegotiation;
use wscore::handshake::{ExtensionList, Extensions, HttpHeader};

/// Negotiates through the traits: a client over `cb` offering `client`, a server over `sb`
/// configured with `server`. Returns (client codec, server codec, server response).
pub fn negotiate<C: Backend, S: Backend>(
    cb: C,
    client: DeflateConfig,
    sb: S,
    server: DeflateConfig,
) -> (
    DeflateCodec<C>,
    Box<dyn wscore::extension::Extension>,
    String,
) {
    use wscore::extension::ClientNegotiation;
    let client = DeflateClient::with_backend(cb, client);
    let offer = client.offer();
    let headers = [HttpHeader::new("Sec-WebSocket-Extensions", &offer)];
    let server = DeflateServer::with_backend(sb, server);
    let agreed = server
        .negotiate(Extensions::new(&headers))
        .expect("server accepts the offer");
    let answer = ExtensionList::new(agreed.response.as_bytes())
        .next()
        .unwrap()
        .unwrap();
    let codec = client
        .accept_codec(&answer)
        .expect("client accepts the answer");
    (codec, agreed.extension, agreed.response)
}

/// JSON-like text of about `len` bytes (deterministic from `seed`).
pub fn json_like(len: usize, seed: u64) -> Vec<u8> {
    let mut s = seed | 1;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let names = [
        "id",
        "name",
        "price",
        "tags",
        "active",
        "created_at",
        "owner",
        "count",
    ];
    let mut out = Vec::with_capacity(len + 64);
    out.push(b'[');
    while out.len() < len {
        let n = next();
        out.extend_from_slice(
            format!(
                "{{\"{}\":{},\"{}\":\"user-{}\",\"{}\":[{},{}]}},",
                names[(n % 8) as usize],
                n % 100_000,
                names[((n >> 8) % 8) as usize],
                (n >> 16) % 5000,
                names[((n >> 24) % 8) as usize],
                (n >> 32) % 10,
                n % 3 == 0
            )
            .as_bytes(),
        );
    }
    out.truncate(len);
    out
}
