//! `wss://` round trips on each adapter: our client against our server, over loopback, with a
//! self-signed certificate made by rcgen. Each test needs its adapter's TLS feature and says
//! so when it is off:
//!
//! ```text
//! cargo test --features tls-tokio,tls-blocking,tls-futures,proxy --test tls
//! cargo test --features tokio --test tls     # the missing-feature error
//! ```
#![allow(dead_code, unused_imports)]

use std::time::Duration;

/// A self-signed certificate for `localhost` and `127.0.0.1`, as PEM files in a fresh
/// temporary directory: (directory, cert path, key path).
fn self_signed() -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    self_signed_for(&["localhost", "127.0.0.1"])
}

/// A self-signed certificate for `names`, as PEM files (see [`self_signed`]).
fn self_signed_for(names: &[&str]) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let names = names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    let cert = rcgen::generate_simple_self_signed(names).expect("rcgen");
    let dir = std::env::temp_dir().join(format!(
        "wscore-tls-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let cert_path = dir.join("cert.pem");
    let key_path = dir.join("key.pem");
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).unwrap();
    (dir, cert_path, key_path)
}

#[cfg(feature = "tls")]
fn client_options(ca: &std::path::Path) -> wscore::io::Options {
    use wscore::io::tls::{load_root_certs, TlsConnector};
    let connect = wscore::io::ConnectOptions::new()
        .tls(TlsConnector::with_roots(load_root_certs(ca).unwrap()));
    #[cfg(feature = "proxy")]
    let connect = connect.no_proxy();
    wscore::io::Options::default().connect(connect)
}

#[cfg(feature = "tls-tokio")]
mod tokio_tls {
    use super::*;
    use futures_util::{SinkExt, StreamExt};
    use wscore::handshake::{ClientRequest, HttpHeader};
    use wscore::io::tls::{self, TlsConnector};
    use wscore::io::{Error, Message, TlsError};
    use wscore::Config;

    /// A tokio wss echo server for `connections` connections; checks the custom header and
    /// picks the `chat` subprotocol when offered.
    async fn server(key: &std::path::Path, cert: &std::path::Path, connections: usize) -> u16 {
        let config = tls::load_server_config(cert, key).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            for _ in 0..connections {
                let (tcp, _) = listener.accept().await.unwrap();
                let config = config.clone();
                tokio::spawn(async move {
                    let Ok(tls) = tls::accept_tokio(&config, tcp).await else {
                        return; // the client refused our certificate
                    };
                    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
                    let mut ws = wscore::io::tokio::accept_with(
                        tls,
                        Config::default(),
                        wscore::io::Options::default(),
                        Vec::new(),
                        |request| {
                            assert_eq!(request.header("X-Test"), Some(&b"yes"[..]));
                            assert_eq!(request.origin(), Some("https://example.test"));
                            Ok(request.offers_subprotocol("chat").then(|| "chat".into()))
                        },
                    )
                    .await
                    .unwrap();
                    while let Some(Ok(m)) = ws.next().await {
                        if m.is_data() {
                            ws.send(m).await.unwrap();
                        }
                    }
                });
            }
        });
        port
    }

    async fn round_trip(host: &str) {
        let (_dir, cert, key) = self_signed();
        let port = server(&key, &cert, 1).await;
        let uri = format!("wss://{host}:{port}/chat");
        let headers = [HttpHeader::new("X-Test", "yes")];
        let request = ClientRequest::new(&uri, [3; 16])
            .unwrap()
            .origin("https://example.test")
            .unwrap()
            .subprotocols(&["chat"])
            .unwrap()
            .headers(&headers)
            .unwrap();
        let mut ws =
            wscore::io::tokio::connect_request(request, Config::default(), client_options(&cert))
                .await
                .unwrap();
        assert_eq!(ws.subprotocol(), Some("chat"));
        ws.send(Message::text("over tls")).await.unwrap();
        assert_eq!(ws.next().await.unwrap().unwrap(), Message::text("over tls"));
        let big = vec![7u8; 300_000];
        ws.send(Message::binary(big.clone())).await.unwrap();
        assert_eq!(ws.next().await.unwrap().unwrap(), Message::binary(big));
        ws.close().await.unwrap();
        while let Some(m) = ws.next().await {
            if m.is_err() {
                break;
            }
        }
    }

    #[tokio::test]
    async fn tokio_wss_round_trip_by_name() {
        tokio::time::timeout(Duration::from_secs(30), round_trip("localhost"))
            .await
            .expect("timed out");
    }

    #[tokio::test]
    async fn tokio_wss_round_trip_by_ip_address() {
        tokio::time::timeout(Duration::from_secs(30), round_trip("127.0.0.1"))
            .await
            .expect("timed out");
    }

    #[tokio::test]
    async fn tokio_wss_untrusted_certificate_is_a_tls_error() {
        let (_dir, cert, key) = self_signed();
        let port = server(&key, &cert, 1).await;
        // Trust nothing: the self-signed certificate is unknown.
        let options = wscore::io::ConnectOptions::new()
            .tls(TlsConnector::with_roots(tls::rustls::RootCertStore::empty()));
        #[cfg(feature = "proxy")]
        let options = options.no_proxy();
        let uri = format!("wss://localhost:{port}/");
        let request = ClientRequest::new(&uri, [1; 16]).unwrap();
        let err = tokio::time::timeout(
            Duration::from_secs(10),
            wscore::io::tokio::connect_request(
                request,
                Config::default(),
                wscore::io::Options::default().connect(options),
            ),
        )
        .await
        .expect("timed out")
        .unwrap_err();
        match err {
            Error::Tls(TlsError::Handshake(e)) => {
                assert!(e.to_string().contains("certificate"), "{e}")
            }
            other => panic!("expected a TLS handshake error, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn tokio_wss_wrong_name_is_a_tls_error() {
        // A trusted certificate, but for another name than the URI's host.
        let (_dir, cert, key) = self_signed_for(&["other.example"]);
        let port = server(&key, &cert, 2).await;
        for host in ["localhost", "127.0.0.1"] {
            let uri = format!("wss://{host}:{port}/");
            let request = ClientRequest::new(&uri, [1; 16]).unwrap();
            let err = tokio::time::timeout(
                Duration::from_secs(10),
                wscore::io::tokio::connect_request(
                    request,
                    Config::default(),
                    client_options(&cert),
                ),
            )
            .await
            .expect("timed out")
            .unwrap_err();
            match err {
                Error::Tls(TlsError::Handshake(e)) => {
                    assert!(e.to_string().contains("not valid for name"), "{host}: {e}")
                }
                other => panic!("{host}: expected a TLS handshake error, got {other:?}"),
            }
        }
    }

    #[test]
    fn pem_loader_errors_name_the_file() {
        let err = tls::load_certs("/nonexistent/cert.pem").unwrap_err();
        assert!(err.to_string().contains("/nonexistent/cert.pem"), "{err}");
        let (dir, cert, _) = self_signed();
        let err = tls::load_private_key(&cert).unwrap_err(); // a certificate, not a key
        assert!(err.to_string().contains("cert.pem"), "{err}");
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        assert!(tls::load_certs(&empty).is_err());
    }

    /// With a root-store feature, plain `connect("wss://...")` needs no configuration: it
    /// trusts the public roots, which do not include our self-signed certificate.
    #[cfg(any(feature = "webpki-roots", feature = "native-roots"))]
    #[tokio::test]
    async fn default_roots_do_not_trust_a_self_signed_certificate() {
        let (_dir, cert, key) = self_signed();
        let port = server(&key, &cert, 2).await;
        for _ in 0..2 {
            // twice: the shared default configuration is built once, then reused
            let uri = format!("wss://localhost:{port}/");
            let request = ClientRequest::new(&uri, [2; 16]).unwrap();
            let options = wscore::io::ConnectOptions::new();
            #[cfg(feature = "proxy")]
            let options = options.no_proxy();
            let err = tokio::time::timeout(
                Duration::from_secs(10),
                wscore::io::tokio::connect_request(
                    request,
                    Config::default(),
                    wscore::io::Options::default().connect(options),
                ),
            )
            .await
            .expect("timed out")
            .unwrap_err();
            assert!(
                matches!(&err, Error::Tls(TlsError::Handshake(_))),
                "expected an unknown issuer, got {err:?}"
            );
        }
    }

    #[cfg(not(any(feature = "webpki-roots", feature = "native-roots")))]
    #[tokio::test]
    async fn wss_without_root_store_names_the_features() {
        let err = wscore::io::tokio::connect("wss://localhost:1/", Config::default())
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("`webpki-roots`") && text.contains("`native-roots`"),
            "{text}"
        );
    }
}

#[cfg(feature = "tls-blocking")]
#[test]
fn blocking_wss_round_trip() {
    use wscore::handshake::ClientRequest;
    use wscore::io::{blocking, tls, Message};
    use wscore::Config;

    let (_dir, cert, key) = self_signed();
    let config = tls::load_server_config(&cert, &key).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let tls = tls::accept_blocking(&config, tcp).unwrap();
        let mut ws = blocking::BlockingWebSocket::accept(tls, Config::default()).unwrap();
        loop {
            match ws.read() {
                Ok(m) if m.is_data() => ws.send(&m).unwrap(),
                Ok(_) => {}
                Err(e) if e.is_closed() => break,
                Err(e) => panic!("{e}"),
            }
        }
    });
    let uri = format!("wss://localhost:{port}/b");
    let request = ClientRequest::new(&uri, [9; 16]).unwrap();
    let mut ws = blocking::connect_request(request, Config::default(), client_options(&cert))
        .expect("connect");
    for i in 0..20 {
        let m = Message::text(format!("message {i}"));
        ws.send(&m).unwrap();
        assert_eq!(ws.read().unwrap(), m);
    }
    ws.close(wscore::frame::CloseCode::NORMAL, "").unwrap();
    loop {
        match ws.read() {
            Err(e) if e.is_closed() => break,
            Err(e) => panic!("{e}"),
            Ok(_) => {}
        }
    }
    server.join().unwrap();
}

#[cfg(feature = "tls-futures")]
#[test]
fn futures_wss_round_trip() {
    use futures_util::{SinkExt, StreamExt};
    use wscore::handshake::ClientRequest;
    use wscore::io::connector::Route;
    use wscore::io::{tls, Message};
    use wscore::Config;

    let (_dir, cert, key) = self_signed();
    let config = tls::load_server_config(&cert, &key).unwrap();
    smol::block_on(async {
        let listener = smol::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = smol::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let tls = tls::accept_futures(&config, tcp).await.unwrap();
            let mut ws = wscore::io::futures::accept(tls, Config::default())
                .await
                .unwrap();
            while let Some(Ok(m)) = ws.next().await {
                if m.is_data() {
                    ws.send(m).await.unwrap();
                }
            }
        });
        let client = async {
            let uri = format!("wss://localhost:{port}/f");
            let request = ClientRequest::new(&uri, [5; 16]).unwrap();
            let options = client_options(&cert);
            let route = Route::new(request.uri(), &options.connect).unwrap();
            let tcp = smol::net::TcpStream::connect(route.address())
                .await
                .unwrap();
            let mut ws = wscore::io::futures::connect_route(
                request,
                &route,
                tcp,
                Config::default(),
                options,
            )
            .await
            .unwrap();
            ws.send(Message::text("futures over tls")).await.unwrap();
            assert_eq!(
                ws.next().await.unwrap().unwrap(),
                Message::text("futures over tls")
            );
            ws.close().await.unwrap();
            while let Some(Ok(_)) = ws.next().await {}
        };
        let timeout = async {
            smol::Timer::after(Duration::from_secs(30)).await;
            panic!("timed out");
        };
        futures_util::future::select(Box::pin(client), Box::pin(timeout)).await;
        server.await;
    });
}

/// Without `tls-tokio`, `connect("wss://...")` says which feature to enable.
#[cfg(all(feature = "tokio", not(feature = "tls-tokio")))]
#[tokio::test]
async fn wss_without_tls_feature_names_the_feature() {
    let err = wscore::io::tokio::connect("wss://localhost:1/", wscore::Config::default())
        .await
        .unwrap_err();
    assert!(matches!(err, wscore::io::Error::Tls(_)), "{err:?}");
    assert!(
        err.to_string().contains("enable the `tls-tokio` feature"),
        "{err}"
    );
}

/// Without `tls-blocking`, the blocking `connect("wss://...")` says which feature to enable.
#[cfg(all(feature = "blocking", not(feature = "tls-blocking")))]
#[test]
fn blocking_wss_without_tls_feature_names_the_feature() {
    let err =
        wscore::io::blocking::connect("wss://localhost:1/", wscore::Config::default()).unwrap_err();
    assert!(
        err.to_string()
            .contains("enable the `tls-blocking` feature"),
        "{err}"
    );
}

// Visible skips: without a feature, its tests show as "ignored" with the feature to enable.

#[cfg(not(feature = "tls-tokio"))]
#[test]
#[ignore = "tokio wss round trips, certificate and name checks: enable the `tls-tokio` feature"]
fn tokio_wss_tests() {}

#[cfg(not(feature = "tls-blocking"))]
#[test]
#[ignore = "blocking wss round trip: enable the `tls-blocking` feature"]
fn blocking_wss_round_trip() {}

#[cfg(not(feature = "tls-futures"))]
#[test]
#[ignore = "futures-io wss round trip: enable the `tls-futures` feature"]
fn futures_wss_round_trip() {}

#[cfg(not(all(feature = "tokio", not(feature = "tls-tokio"))))]
#[test]
#[ignore = "the missing-feature error: run with `tokio` and without `tls-tokio`"]
fn wss_without_tls_feature_names_the_feature() {}
