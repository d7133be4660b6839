//! WebSockets over HTTP/2 (RFC 8441) end to end on loopback: our `io::http2` client against
//! hyper servers running our `io::axum` extractor and `io::hyper::upgrade`, over cleartext
//! HTTP/2 (prior knowledge) and over TLS with ALPN; several WebSockets multiplexed on one
//! connection; the fallback to HTTP/1.1; stream end and reset (RFC 8441 6); h2c and h2 over
//! TLS inside an HTTP CONNECT tunnel (with `proxy`).
//!
//! ```text
//! cargo test --features http2,axum,tls-tokio,deflate --test http2
//! ```
#![allow(dead_code, unused_imports)]

/// The in-test CONNECT proxy (shared with `tests/proxy.rs`).
#[cfg(all(
    feature = "http2",
    feature = "axum",
    feature = "deflate",
    feature = "proxy"
))]
#[path = "proxy/servers.rs"]
mod proxy_servers;

#[cfg(all(feature = "http2", feature = "axum", feature = "deflate"))]
mod h2 {
    use std::convert::Infallible;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use axum::http::{StatusCode, Version};
    use axum::response::{IntoResponse, Response};
    use axum::routing::any;
    use axum::Router;
    use futures_util::{SinkExt, StreamExt};
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto;
    use hyper_util::service::TowerToHyperService;
    use tokio::net::TcpListener;
    use tokio::sync::mpsc;
    use wscore::deflate::{DeflateClient, DeflateConfig, DeflateServer};
    use wscore::frame::CloseCode;
    use wscore::handshake::{ClientRequest, HttpHeader};
    use wscore::io::axum::WebSocketUpgrade;
    use wscore::io::http2::{self, Http2Connection};
    use wscore::io::{ConnectOptions, Error, Http2Error, Message, Options};
    use wscore::Config;

    const TIMEOUT: Duration = Duration::from_secs(10);

    /// How the test server speaks.
    #[derive(Clone, Copy, PartialEq)]
    enum Http {
        /// HTTP/1.1 and HTTP/2 (told apart by the preface), extended CONNECT on or off.
        Both { extended_connect: bool },
        /// HTTP/2 only.
        Only2,
        /// HTTP/1.1 only.
        Only1,
    }

    /// What the server saw of one WebSocket.
    #[derive(Debug)]
    struct Seen {
        version: Version,
        path: String,
        protocol: Option<String>,
        deflate: bool,
        user_agent: Option<String>,
    }

    struct Server {
        port: u16,
        /// TCP connections accepted.
        connections: Arc<AtomicUsize>,
        seen: mpsc::UnboundedReceiver<Seen>,
    }

    fn options() -> Options {
        let connect = ConnectOptions::new();
        #[cfg(feature = "proxy")]
        let connect = connect.no_proxy();
        Options::default().connect(connect)
    }

    fn deflate_client() -> Options {
        options().client_extensions(Arc::new(DeflateClient::new(DeflateConfig::new())))
    }

    /// The application: `/echo` echoes, `/close` closes with 1000 after the first message,
    /// `/reset` drops the WebSocket (resetting its stream) after the first message,
    /// `/refuse` answers 403.
    fn router(seen: mpsc::UnboundedSender<Seen>) -> Router {
        let handler = move |axum::extract::Path(path): axum::extract::Path<String>,
                            upgrade: WebSocketUpgrade| {
            let seen = seen.clone();
            async move {
                if path == "refuse" {
                    return (StatusCode::FORBIDDEN, "not here").into_response();
                }
                let user_agent = upgrade
                    .request_headers()
                    .get("user-agent")
                    .and_then(|v| v.to_str().ok())
                    .map(String::from);
                let version = upgrade.version();
                let deflate = Arc::new(DeflateServer::new(DeflateConfig::new()));
                upgrade
                    .subprotocols(["chat"])
                    .options(Options::default().server_extensions(deflate))
                    .on_upgrade(move |mut ws| async move {
                        let _ = seen.send(Seen {
                            version,
                            path: path.clone(),
                            protocol: ws.subprotocol().map(String::from),
                            deflate: ws.connection().extension_name() == Some("permessage-deflate"),
                            user_agent,
                        });
                        while let Some(Ok(message)) = ws.next().await {
                            if !message.is_data() {
                                continue;
                            }
                            match path.as_str() {
                                "close" => {
                                    let reason = wscore::io::CloseReason {
                                        code: CloseCode::NORMAL,
                                        reason: "done".into(),
                                    };
                                    let _ = ws.send(Message::Close(Some(reason))).await;
                                    while ws.next().await.is_some() {}
                                    return;
                                }
                                "reset" => return, // drops the stream un-ended
                                _ => {
                                    if ws.send(message).await.is_err() {
                                        return;
                                    }
                                }
                            }
                        }
                    })
            }
        };
        Router::new().route("/{path}", any(handler))
    }

    async fn server(http: Http) -> Server {
        start(http, None).await
    }

    /// The TLS settings of a test server.
    #[cfg(feature = "tls-tokio")]
    type ServerTls = Arc<wscore::io::tls::rustls::ServerConfig>;
    /// Without `tls-tokio` a test server has no TLS: `None` is the only value.
    #[cfg(not(feature = "tls-tokio"))]
    type ServerTls = Arc<Infallible>;

    /// Serves `router` on a fresh port, over TLS with `tls` when given.
    async fn start(http: Http, tls: Option<ServerTls>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let (tx, seen) = mpsc::unbounded_channel();
        let app = router(tx);
        let counter = connections.clone();
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                counter.fetch_add(1, Ordering::SeqCst);
                let app = app.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    let mut builder = auto::Builder::new(TokioExecutor::new());
                    match http {
                        Http::Both { extended_connect } => {
                            if extended_connect {
                                builder.http2().enable_connect_protocol();
                            }
                        }
                        Http::Only2 => {
                            builder = builder.http2_only();
                            builder.http2().enable_connect_protocol();
                        }
                        // The auto builder ignores `http1_only` with upgrades: plain hyper.
                        Http::Only1 => {
                            let service = TowerToHyperService::new(app);
                            let _ = hyper::server::conn::http1::Builder::new()
                                .serve_connection(TokioIo::new(tcp), service)
                                .with_upgrades()
                                .await;
                            return;
                        }
                    }
                    let service = TowerToHyperService::new(app);
                    match tls {
                        #[cfg(feature = "tls-tokio")]
                        Some(config) => {
                            let Ok(tls) = wscore::io::tls::accept_tokio(&config, tcp).await else {
                                return;
                            };
                            let _ = builder
                                .serve_connection_with_upgrades(TokioIo::new(tls), service)
                                .await;
                        }
                        #[cfg(not(feature = "tls-tokio"))]
                        Some(never) => match *never {},
                        None => {
                            let _ = builder
                                .serve_connection_with_upgrades(TokioIo::new(tcp), service)
                                .await;
                        }
                    }
                });
            }
        });
        Server {
            port,
            connections,
            seen,
        }
    }

    async fn next_seen(server: &mut Server) -> Seen {
        tokio::time::timeout(TIMEOUT, server.seen.recv())
            .await
            .expect("the server saw no WebSocket")
            .expect("server gone")
    }

    /// Sends `text` and a binary message on `ws` and expects both back.
    async fn echo_round<S>(ws: &mut S, text: &str)
    where
        S: futures_util::Sink<Message, Error = Error>
            + futures_util::Stream<Item = Result<Message, Error>>
            + Unpin,
    {
        ws.send(Message::text(text)).await.unwrap();
        let echoed = tokio::time::timeout(TIMEOUT, ws.next()).await.unwrap();
        assert_eq!(echoed.unwrap().unwrap(), Message::text(text));
        let big = vec![0x5a; 200_000]; // many HTTP/2 DATA frames, past the initial window
        ws.send(Message::binary(big.clone())).await.unwrap();
        let echoed = tokio::time::timeout(TIMEOUT, ws.next()).await.unwrap();
        assert_eq!(echoed.unwrap().unwrap(), Message::binary(big));
    }

    /// Starts the closing handshake and reads to the end: the peer's Close, then the end of
    /// the stream, and no error.
    async fn close_cleanly<S>(ws: &mut S)
    where
        S: futures_util::Sink<Message, Error = Error>
            + futures_util::Stream<Item = Result<Message, Error>>
            + Unpin,
    {
        ws.close().await.unwrap();
        loop {
            match tokio::time::timeout(TIMEOUT, ws.next()).await.unwrap() {
                None => return,
                Some(Ok(Message::Close(_))) => continue,
                other => panic!("expected the end of a clean close, got {other:?}"),
            }
        }
    }

    #[tokio::test]
    async fn h2c_websocket_with_subprotocol_deflate_and_headers() {
        let mut server = server(Http::Only2).await;
        let uri = format!("ws://127.0.0.1:{}/echo", server.port);
        let headers = [HttpHeader::new("User-Agent", "wscore-h2-test")];
        let request = ClientRequest::new(&uri, [7; 16])
            .unwrap()
            .subprotocols(&["superchat", "chat"])
            .unwrap()
            .headers(&headers)
            .unwrap();
        let mut ws = http2::connect_request(request, Config::default(), deflate_client())
            .await
            .unwrap();
        assert!(ws.get_ref().0.is_http2());
        assert_eq!(ws.subprotocol(), Some("chat"));
        assert_eq!(ws.connection().extension_name(), Some("permessage-deflate"));
        echo_round(&mut ws, "over h2c").await;
        let seen = next_seen(&mut server).await;
        assert_eq!(seen.version, Version::HTTP_2);
        assert_eq!(seen.path, "echo");
        assert_eq!(seen.protocol.as_deref(), Some("chat"));
        assert!(seen.deflate);
        assert_eq!(seen.user_agent.as_deref(), Some("wscore-h2-test"));
        close_cleanly(&mut ws).await;
    }

    #[tokio::test]
    async fn several_websockets_share_one_connection() {
        let mut server = server(Http::Both {
            extended_connect: true,
        })
        .await;
        let base = format!("ws://127.0.0.1:{}/", server.port);
        let h2 = Http2Connection::open(&base, &options()).await.unwrap();
        let mut sockets = Vec::new();
        for _ in 0..4 {
            let uri = format!("{base}echo");
            let ws = h2.websocket_uri(&uri, Config::default(), &options()).await;
            sockets.push(ws.unwrap());
        }
        // Interleaved: every stream carries its own messages, in order.
        for round in 0..3 {
            for (i, ws) in sockets.iter_mut().enumerate() {
                ws.send(Message::text(format!("{i}:{round}")))
                    .await
                    .unwrap();
            }
            for (i, ws) in sockets.iter_mut().enumerate() {
                let got = tokio::time::timeout(TIMEOUT, ws.next()).await.unwrap();
                assert_eq!(got.unwrap().unwrap(), Message::text(format!("{i}:{round}")));
            }
        }
        for ws in &mut sockets {
            echo_round(ws, "shared").await;
        }
        for _ in 0..4 {
            assert_eq!(next_seen(&mut server).await.version, Version::HTTP_2);
        }
        assert_eq!(server.connections.load(Ordering::SeqCst), 1);
        // The URI must name the connection's server.
        let other = format!("ws://localhost:{}/echo", server.port);
        let err = h2
            .websocket_uri(&other, Config::default(), &options())
            .await;
        assert!(matches!(err, Err(Error::Http2(Http2Error::OtherAuthority))));
        for mut ws in sockets {
            close_cleanly(&mut ws).await;
        }
    }

    #[tokio::test]
    async fn falls_back_to_http1_without_extended_connect() {
        let mut server = server(Http::Both {
            extended_connect: false,
        })
        .await;
        let base = format!("ws://127.0.0.1:{}/", server.port);
        let strict = Http2Connection::open(&base, &options()).await;
        assert!(matches!(
            strict,
            Err(Error::Http2(Http2Error::ExtendedConnectDisabled))
        ));
        let uri = format!("{base}echo");
        let mut ws = http2::connect_with_options(&uri, Config::default(), options())
            .await
            .unwrap();
        assert!(!ws.get_ref().0.is_http2());
        echo_round(&mut ws, "fell back").await;
        assert_eq!(next_seen(&mut server).await.version, Version::HTTP_11);
    }

    #[tokio::test]
    async fn falls_back_to_http1_when_the_server_has_no_http2() {
        let mut server = server(Http::Only1).await;
        let base = format!("ws://127.0.0.1:{}/", server.port);
        let strict = Http2Connection::open(&base, &options()).await;
        assert!(
            matches!(strict, Err(Error::Http2(Http2Error::NotHttp2))),
            "{strict:?}"
        );
        let mut ws =
            http2::connect_with_options(&format!("{base}echo"), Config::default(), options())
                .await
                .unwrap();
        assert!(!ws.get_ref().0.is_http2());
        echo_round(&mut ws, "http/1.1 only").await;
        assert_eq!(next_seen(&mut server).await.version, Version::HTTP_11);
    }

    #[tokio::test]
    async fn refusal_is_rejected_with_status_and_body() {
        let server = server(Http::Only2).await;
        let uri = format!("ws://127.0.0.1:{}/refuse", server.port);
        match http2::connect_with_options(&uri, Config::default(), options()).await {
            Err(Error::Rejected(rejected)) => {
                assert_eq!(rejected.failure.status, Some(403));
                assert_eq!(rejected.body, b"not here");
            }
            other => panic!("expected a 403 rejection, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn server_close_ends_the_stream_cleanly() {
        let server = server(Http::Only2).await;
        let uri = format!("ws://127.0.0.1:{}/close", server.port);
        let mut ws = http2::connect_with_options(&uri, Config::default(), options())
            .await
            .unwrap();
        ws.send(Message::text("bye")).await.unwrap();
        let got = tokio::time::timeout(TIMEOUT, ws.next()).await.unwrap();
        match got {
            Some(Ok(Message::Close(Some(reason)))) => {
                assert_eq!(reason.code, CloseCode::NORMAL);
                assert_eq!(reason.reason, "done");
            }
            other => panic!("expected the server's close, got {other:?}"),
        }
        // Then END_STREAM: the end of input after a completed closing handshake.
        let end = tokio::time::timeout(TIMEOUT, ws.next()).await.unwrap();
        assert!(end.is_none(), "{end:?}");
    }

    #[tokio::test]
    async fn stream_reset_is_a_failure_not_a_clean_end() {
        let server = server(Http::Only2).await;
        let uri = format!("ws://127.0.0.1:{}/reset", server.port);
        let mut ws = http2::connect_with_options(&uri, Config::default(), options())
            .await
            .unwrap();
        ws.send(Message::text("drop me")).await.unwrap();
        let got = tokio::time::timeout(TIMEOUT, ws.next()).await.unwrap();
        match got {
            Some(Err(Error::Io(_) | Error::Connection(_))) => {}
            other => panic!("expected a failure from the reset stream, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn plain_hyper_upgrade_answers_extended_connect() {
        use hyper::server::conn::http2 as server_h2;
        use hyper::service::service_fn;
        use wscore::io::hyper::{upgrade, UpgradeRequest};
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let service = service_fn(
                |mut req: hyper::Request<hyper::body::Incoming>| async move {
                    let decide = |offer: &UpgradeRequest<'_>| {
                        assert!(offer.is_extended_connect());
                        assert_eq!(offer.version(), Version::HTTP_2);
                        assert_eq!(offer.path(), "/plain");
                        assert_eq!(offer.query(), Some("q=1"));
                        assert_eq!(offer.authority(), Some(&*format!("127.0.0.1:{port}")));
                        assert_eq!(offer.origin(), Some("http://example.com"));
                        Ok(offer
                            .subprotocols()
                            .find(|p| *p == "chat")
                            .map(String::from))
                    };
                    let response =
                        match upgrade(&mut req, Config::default(), Options::default(), decide) {
                            Ok((response, ws)) => {
                                tokio::spawn(async move {
                                    let mut ws = ws.await.unwrap();
                                    while let Some(Ok(m)) = ws.next().await {
                                        if m.is_data() && ws.send(m).await.is_err() {
                                            break;
                                        }
                                    }
                                });
                                response
                                    .map(|()| http_body_util::Full::new(hyper::body::Bytes::new()))
                            }
                            Err(refusal) => refusal
                                .into_response()
                                .map(|b| http_body_util::Full::new(hyper::body::Bytes::from(b))),
                        };
                    Ok::<_, Infallible>(response)
                },
            );
            let _ = server_h2::Builder::new(TokioExecutor::new())
                .enable_connect_protocol()
                .serve_connection(TokioIo::new(tcp), service)
                .await;
        });
        let uri = format!("ws://127.0.0.1:{port}/plain?q=1");
        let request = ClientRequest::new(&uri, [1; 16])
            .unwrap()
            .origin("http://example.com")
            .unwrap()
            .subprotocols(&["chat"])
            .unwrap();
        let mut ws = http2::connect_request(request, Config::default(), options())
            .await
            .unwrap();
        assert!(ws.get_ref().0.is_http2());
        assert_eq!(ws.subprotocol(), Some("chat"));
        echo_round(&mut ws, "plain hyper").await;
    }

    #[tokio::test]
    async fn extended_connect_with_a_bad_version_gets_426() {
        // A raw extended CONNECT through hyper's client (not ours): version 8.
        let server = server(Http::Only2).await;
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", server.port))
            .await
            .unwrap();
        let (mut send, conn) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
                .await
                .unwrap();
        tokio::spawn(conn);
        // Let the server's SETTINGS arrive (RFC 8441 3) before asking.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut request = hyper::Request::builder()
            .method("CONNECT")
            .uri(format!("http://127.0.0.1:{}/echo", server.port))
            .header("sec-websocket-version", "8")
            .body(http_body_util::Empty::<hyper::body::Bytes>::new())
            .unwrap();
        request
            .extensions_mut()
            .insert(hyper::ext::Protocol::from_static("websocket"));
        let response = send.send_request(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::UPGRADE_REQUIRED);
        assert_eq!(response.headers()["sec-websocket-version"], "13");
    }

    /// Options that reach the servers through the in-test CONNECT proxy, and what it saw.
    #[cfg(feature = "proxy")]
    async fn through_proxy(connect: ConnectOptions) -> (Options, crate::proxy_servers::Seen) {
        // The proxy starts on its own runtime, which blocks until it listens.
        let (port, seen) =
            tokio::task::spawn_blocking(|| crate::proxy_servers::connect_proxy(None))
                .await
                .unwrap();
        let proxy = wscore::io::proxy::Proxy::parse(&format!("http://127.0.0.1:{port}")).unwrap();
        (Options::default().connect(connect.proxy(proxy)), seen)
    }

    /// The proxy saw exactly one CONNECT, for the server's authority.
    #[cfg(feature = "proxy")]
    fn tunnelled_once(seen: &crate::proxy_servers::Seen, port: u16) {
        let heads = seen.lock().unwrap();
        assert_eq!(heads.len(), 1, "{heads:?}");
        assert!(
            heads[0].starts_with(&format!("CONNECT 127.0.0.1:{port} HTTP/1.1\r\n")),
            "{heads:?}"
        );
    }

    /// HTTP/2 with prior knowledge inside an HTTP CONNECT tunnel: the tunnel is opened
    /// first, then the HTTP/2 preface and the extended CONNECT go through it.
    #[cfg(feature = "proxy")]
    #[tokio::test]
    async fn h2c_through_a_connect_proxy() {
        let mut server = server(Http::Only2).await;
        let (options, seen) = through_proxy(ConnectOptions::new()).await;
        let uri = format!("ws://127.0.0.1:{}/echo", server.port);
        let mut ws = http2::connect_with_options(&uri, Config::default(), options)
            .await
            .unwrap();
        assert!(ws.get_ref().0.is_http2());
        echo_round(&mut ws, "h2c through a proxy").await;
        assert_eq!(next_seen(&mut server).await.version, Version::HTTP_2);
        tunnelled_once(&seen, server.port);
        close_cleanly(&mut ws).await;
    }

    #[cfg(feature = "tls-tokio")]
    mod tls {
        use super::*;
        use wscore::io::tls::{load_root_certs, load_server_config, TlsConnector};

        /// A certificate for 127.0.0.1, the server config offering `alpn`, and the client
        /// options trusting it.
        fn setup(alpn: &[&[u8]]) -> (Arc<wscore::io::tls::rustls::ServerConfig>, Options) {
            let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
            let dir = std::env::temp_dir().join(format!(
                "wscore-h2-{}-{:?}",
                std::process::id(),
                std::thread::current().id()
            ));
            std::fs::create_dir_all(&dir).unwrap();
            let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
            std::fs::write(&cert_path, cert.cert.pem()).unwrap();
            std::fs::write(&key_path, cert.signing_key.serialize_pem()).unwrap();
            let mut config = (*load_server_config(&cert_path, &key_path).unwrap()).clone();
            config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
            let connect = ConnectOptions::new().tls(TlsConnector::with_roots(
                load_root_certs(&cert_path).unwrap(),
            ));
            #[cfg(feature = "proxy")]
            let connect = connect.no_proxy();
            (Arc::new(config), Options::default().connect(connect))
        }

        /// Opens `wss://` on `server` with `options` and checks that the WebSocket came over
        /// h2, echoes and closes cleanly.
        async fn wss_over_h2_round(server: &mut Server, options: Options, what: &str) {
            let uri = format!("wss://127.0.0.1:{}/echo", server.port);
            let mut ws = http2::connect_with_options(&uri, Config::default(), options)
                .await
                .unwrap();
            assert!(ws.get_ref().0.is_http2(), "{what}");
            echo_round(&mut ws, what).await;
            assert_eq!(next_seen(server).await.version, Version::HTTP_2);
            close_cleanly(&mut ws).await;
        }

        /// A server offering h2 and http/1.1 in ALPN, with extended CONNECT, and the client
        /// options trusting it.
        async fn h2_tls_server() -> (Server, Options) {
            let (config, options) = setup(&[b"h2", b"http/1.1"]);
            let server = start(
                Http::Both {
                    extended_connect: true,
                },
                Some(config),
            )
            .await;
            (server, options)
        }

        #[tokio::test]
        async fn wss_over_h2_with_alpn() {
            let (mut server, options) = h2_tls_server().await;
            wss_over_h2_round(&mut server, options, "wss over h2").await;
        }

        #[tokio::test]
        async fn wss_falls_back_on_the_same_connection_when_alpn_picks_http1() {
            let (config, options) = setup(&[b"http/1.1"]);
            let mut server = start(
                Http::Both {
                    extended_connect: true,
                },
                Some(config),
            )
            .await;
            let uri = format!("wss://127.0.0.1:{}/echo", server.port);
            let mut ws = http2::connect_with_options(&uri, Config::default(), options)
                .await
                .unwrap();
            assert!(!ws.get_ref().0.is_http2());
            echo_round(&mut ws, "wss over http/1.1").await;
            assert_eq!(next_seen(&mut server).await.version, Version::HTTP_11);
            assert_eq!(server.connections.load(Ordering::SeqCst), 1);
        }

        /// TLS inside the CONNECT tunnel, ALPN picking h2 end to end with the server (the
        /// proxy only relays bytes).
        #[cfg(feature = "proxy")]
        #[tokio::test]
        async fn wss_over_h2_through_a_connect_proxy() {
            let (mut server, options) = h2_tls_server().await;
            let (options, seen) = through_proxy(options.connect).await;
            wss_over_h2_round(&mut server, options, "wss over h2 through a proxy").await;
            tunnelled_once(&seen, server.port);
        }
    }
}

// Visible skips: without the features, the tests show as "ignored" with what to enable.

#[cfg(not(all(feature = "http2", feature = "axum", feature = "deflate")))]
#[test]
#[ignore = "WebSocket over HTTP/2: enable the `http2`, `axum` and `deflate` features"]
fn http2_tests() {}

#[cfg(not(all(
    feature = "http2",
    feature = "axum",
    feature = "deflate",
    feature = "tls-tokio"
)))]
#[test]
#[ignore = "WebSocket over HTTP/2 with TLS ALPN: enable `http2`, `axum`, `deflate` and `tls-tokio`"]
fn http2_tls_tests() {}
