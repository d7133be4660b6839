//! Our tokio client with permessage-deflate against third-party servers (python
//! `websockets`, Node `ws`), which `tests/interop/deflate.sh` starts and names in
//! `WSCORE_DEFLATE_PEERS` (`name=url` pairs, comma-separated). Every size from 0 B to 16 MiB,
//! text and binary, under three offers: the default, no context takeover, and 9-bit windows.
#![cfg(all(feature = "tokio", feature = "deflate"))]

use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use wscore::deflate::{DeflateClient, DeflateConfig};
use wscore::io::tokio::connect_with_options;
use wscore::io::{Message, Options};
use wscore::Config;

const SIZES: [usize; 10] = [0, 1, 125, 126, 1000, 1024, 65535, 65536, 1 << 20, 16 << 20];

fn payload(size: usize) -> String {
    let mut s = String::new();
    let mut i = 0;
    while s.len() < size {
        s.push_str(&format!(
            "{{\"id\":{i},\"name\":\"sensor\",\"ok\":true,\"pad\":\"{}\"}}\n",
            "x".repeat(i % 17)
        ));
        i += 1;
    }
    s.truncate(size);
    s
}

fn offers() -> [(&'static str, DeflateConfig); 3] {
    [
        ("default", DeflateConfig::new()),
        (
            "no-context-takeover",
            DeflateConfig::new()
                .client_no_context_takeover(true)
                .server_no_context_takeover(true),
        ),
        (
            "small-window",
            DeflateConfig::new()
                .client_max_window_bits(Some(9))
                .server_max_window_bits(Some(9)),
        ),
    ]
}

#[tokio::test]
#[ignore = "needs third-party peers: run tests/interop/deflate.sh"]
async fn our_client_against_third_party_deflate_servers() {
    let peers = std::env::var("WSCORE_DEFLATE_PEERS").expect("WSCORE_DEFLATE_PEERS");
    let config = Config::default()
        .max_message_size(64 << 20)
        .max_frame_payload(64 << 20)
        .max_queued_bytes(64 << 20);
    for peer in peers.split(',') {
        let (name, url) = peer.split_once('=').expect("name=url");
        for (variant, offer) in offers() {
            let options = Options::default()
                .client_extensions(Arc::new(DeflateClient::new(offer.threshold(0))));
            let mut ws = connect_with_options(url, config.clone(), options)
                .await
                .unwrap_or_else(|e| panic!("{name} {variant}: {e}"));
            assert_eq!(
                ws.connection().extension_name(),
                Some("permessage-deflate"),
                "{name} {variant}: not negotiated"
            );
            for text in [true, false] {
                for size in SIZES {
                    let body = payload(size);
                    let message = if text {
                        Message::Text(body)
                    } else {
                        Message::Binary(body.into_bytes())
                    };
                    ws.send(message.clone()).await.unwrap();
                    let echo = ws.next().await.expect("an echo").unwrap();
                    assert!(
                        echo == message,
                        "{name} {variant}: {size} B {} echo differs",
                        if text { "text" } else { "binary" }
                    );
                }
            }
            ws.close().await.unwrap();
            while let Some(m) = ws.next().await {
                m.unwrap();
            }
            println!("{name} {variant}: 20 echoes of 0 B..16 MiB with permessage-deflate");
        }
    }
}
