//! HTTP CONNECT proxies: the sans-IO pieces as pure functions, then every client adapter
//! through an in-test proxy (loopback only) for `ws://` and `wss://`, and refusals (407,
//! 403, 502) mapped to their errors.
//!
//! ```text
//! cargo test --features proxy,tls-tokio,tls-blocking,tls-futures --test proxy
//! ```
//!
//! The test against a real proxy (tinyproxy) is `tests/proxy_tinyproxy.rs`, run by
//! `tests/proxy/run.sh`.
#![allow(dead_code, unused_imports)]

#[cfg(not(feature = "proxy"))]
#[test]
#[ignore = "proxy tests: enable the `proxy` feature (and tokio, blocking, futures-io, tls-*)"]
fn proxy_tests() {}

#[cfg(all(feature = "proxy", not(feature = "tokio")))]
#[test]
#[ignore = "proxy end-to-end tests: enable the `tokio` feature (their servers run on tokio)"]
fn proxy_end_to_end_tests() {}

#[cfg(feature = "proxy")]
mod sans_io {
    use wscore::handshake::{HeadError, Limits, Status};
    use wscore::io::proxy::{
        no_proxy_matches, parse_connect_response, Proxy, ProxyEnv, ProxyError, TunnelResponse,
    };

    #[test]
    fn proxy_settings_parse() {
        let p = Proxy::parse("http://proxy.example:3128").unwrap();
        assert_eq!(
            (p.host(), p.port(), p.username()),
            ("proxy.example", 3128, None)
        );
        let p = Proxy::parse("proxy.example").unwrap();
        assert_eq!((p.host(), p.port()), ("proxy.example", 80));
        let p = Proxy::parse("HTTP://10.0.0.1:8080/").unwrap();
        assert_eq!((p.host(), p.port()), ("10.0.0.1", 8080));
        let p = Proxy::parse("http://[::1]:3128").unwrap();
        assert_eq!((p.host(), p.port()), ("::1", 3128));
        let p = Proxy::parse(" http://us%65r:p%40ss%3Aword@h:1 ").unwrap();
        assert_eq!(p.username(), Some("user"));
        let request = String::from_utf8(p.connect_request("t", 2)).unwrap();
        // base64("user:p@ss:word")
        assert!(
            request.contains("Proxy-Authorization: Basic dXNlcjpwQHNzOndvcmQ=\r\n"),
            "{request}"
        );
        assert!(
            !format!("{p:?}").contains("p@ss"),
            "the password never shows in Debug"
        );
        let p = Proxy::parse("http://user@h").unwrap();
        assert_eq!(p.username(), Some("user"));

        assert_eq!(
            Proxy::parse("socks5://h:1080"),
            Err(ProxyError::UnsupportedScheme("socks5".into()))
        );
        assert!(matches!(
            Proxy::parse("https://h"),
            Err(ProxyError::UnsupportedScheme(_))
        ));
        for bad in [
            "http://",
            "http://h:99999",
            "http://h:8a",
            "http://[::1",
            "http://h/path",
            "http://h h",
            "http://a:%zz@h",
        ] {
            assert!(
                matches!(Proxy::parse(bad), Err(ProxyError::InvalidProxy(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn connect_request_names_the_target() {
        let proxy = Proxy::new("p", 8080);
        assert_eq!(
            proxy.connect_request("echo.example", 443),
            b"CONNECT echo.example:443 HTTP/1.1\r\nHost: echo.example:443\r\n\r\n"
        );
        assert_eq!(
            proxy.connect_request("::1", 9001),
            b"CONNECT [::1]:9001 HTTP/1.1\r\nHost: [::1]:9001\r\n\r\n"
        );
        assert_eq!(
            proxy.connect_request("[::1]", 1),
            Proxy::new("p", 1).connect_request("::1", 1)
        );
        let with = Proxy::new("[::1]", 1).with_credentials("a", "b");
        assert_eq!(with.host(), "::1");
        assert!(String::from_utf8(with.connect_request("t", 1))
            .unwrap()
            .contains("Basic YTpi\r\n"));
    }

    #[test]
    fn no_proxy_semantics() {
        let cases: &[(&str, &str, u16, bool)] = &[
            ("*", "anything.example", 1, true),
            ("", "example.com", 80, false),
            (" , ,", "example.com", 80, false),
            ("example.com", "example.com", 80, true),
            ("example.com", "EXAMPLE.com.", 80, true),
            ("example.com", "www.example.com", 80, true),
            ("example.com", "notexample.com", 80, false),
            (".example.com", "example.com", 80, true),
            (".example.com", "a.b.example.com", 80, true),
            ("*.example.com", "a.example.com", 80, true),
            ("Example.COM", "example.com", 80, true),
            ("other.org, example.com", "x.example.com", 80, true),
            ("other.org,example.com", "example.org", 80, false),
            ("localhost", "localhost", 9001, true),
            ("127.0.0.1", "127.0.0.1", 9001, true),
            ("127.0.0.1", "127.0.0.2", 9001, false),
            ("::1", "[::1]", 9001, true),
            ("[::1]", "::1", 9001, true),
            ("0:0::1", "::1", 9001, true),
            ("[::1]:9001", "::1", 9001, true),
            ("[::1]:9001", "::1", 9002, false),
            ("example.com:8080", "example.com", 8080, true),
            ("example.com:8080", "example.com", 80, false),
            ("127.0.0.1:80", "127.0.0.1", 80, true),
            ("10.0.0.0/8", "10.1.2.3", 80, true),
            ("10.0.0.0/8", "11.1.2.3", 80, false),
            ("fd00::/8", "fd12::1", 80, true),
            ("0.0.0.0/0", "1.2.3.4", 80, true),
            ("10.0.0.0/8", "ten.example", 80, false),
            ("127.0.0.1", "localhost", 80, false), // names are not resolved
            (".", "example.com", 80, false),
        ];
        for &(list, host, port, expected) in cases {
            assert_eq!(
                no_proxy_matches(list, host, port),
                expected,
                "{list:?} vs {host}:{port}"
            );
        }
    }

    fn env(vars: &[(&str, &str)]) -> ProxyEnv {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ProxyEnv::from_lookup(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn environment_precedence() {
        let e = env(&[("HTTPS_PROXY", "upper:1"), ("https_proxy", "lower:2")]);
        assert_eq!(e.https.as_deref(), Some("lower:2"));
        let e = env(&[("HTTPS_PROXY", "upper:1"), ("https_proxy", "")]);
        assert_eq!(
            e.https.as_deref(),
            Some("upper:1"),
            "an empty value counts as unset"
        );
        let e = env(&[
            ("HTTP_PROXY", "h:1"),
            ("ALL_PROXY", "a:2"),
            ("NO_PROXY", "x"),
        ]);
        assert_eq!(
            (e.http.as_deref(), e.all.as_deref(), e.no_proxy.as_deref()),
            (Some("h:1"), Some("a:2"), Some("x"))
        );
        // httpoxy: in a CGI script, HTTP_PROXY may come from a request header.
        let e = env(&[("REQUEST_METHOD", "GET"), ("HTTP_PROXY", "evil:1")]);
        assert_eq!(e.http, None);
        let e = env(&[("REQUEST_METHOD", "GET"), ("http_proxy", "ok:1")]);
        assert_eq!(e.http.as_deref(), Some("ok:1"));
    }

    #[test]
    fn proxy_choice_per_scheme() {
        let e = env(&[
            ("https_proxy", "s:1"),
            ("http_proxy", "p:2"),
            ("no_proxy", "localhost,.internal"),
        ]);
        assert_eq!(
            e.proxy_for(true, "example.com", 443)
                .unwrap()
                .unwrap()
                .host(),
            "s"
        );
        assert_eq!(
            e.proxy_for(false, "example.com", 80)
                .unwrap()
                .unwrap()
                .host(),
            "p"
        );
        assert_eq!(e.proxy_for(true, "localhost", 443).unwrap(), None);
        assert_eq!(e.proxy_for(false, "db.internal", 80).unwrap(), None);
        let e = env(&[("all_proxy", "a:3")]);
        assert_eq!(e.proxy_for(true, "x", 443).unwrap().unwrap().port(), 3);
        assert_eq!(e.proxy_for(false, "x", 80).unwrap().unwrap().port(), 3);
        let e = env(&[("https_proxy", "s:1")]);
        assert_eq!(
            e.proxy_for(false, "x", 80).unwrap(),
            None,
            "HTTPS_PROXY is for wss only"
        );
        let e = env(&[("http_proxy", "socks5://s:1")]);
        assert!(matches!(
            e.proxy_for(false, "x", 80),
            Err(ProxyError::UnsupportedScheme(_))
        ));
        assert_eq!(env(&[]).proxy_for(true, "x", 443).unwrap(), None);
    }

    #[test]
    fn tunnel_responses() {
        let limits = Limits::DEFAULT;
        assert_eq!(
            parse_connect_response(b"HTTP/1.1 200 OK\r\n", &limits),
            Ok(Status::Partial)
        );
        let wire = b"HTTP/1.0 200 Connection established\r\nProxy-Agent: x\r\n\r\nDATA";
        assert_eq!(
            parse_connect_response(wire, &limits),
            Ok(Status::Complete(wire.len() - 4))
        );
        assert_eq!(
            parse_connect_response(b"HTTP/1.1 204 \r\n\r\n", &limits),
            Ok(Status::Complete(17))
        );
        match parse_connect_response(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"p\"\r\n\r\n", &limits) {
            Err(ProxyError::AuthenticationRequired(r)) => {
                assert_eq!(r.status, 407);
                assert_eq!(r.reason, "Proxy Authentication Required");
                assert_eq!(r.proxy_authenticate.as_deref(), Some("Basic realm=\"p\""));
            }
            other => panic!("{other:?}"),
        }
        let forbidden =
            parse_connect_response(b"HTTP/1.1 403 Forbidden\r\n\r\n", &limits).unwrap_err();
        assert!(matches!(&forbidden, ProxyError::Forbidden(r) if r.status == 403));
        assert_eq!(forbidden.status(), Some(403));
        let bad_gateway =
            parse_connect_response(b"HTTP/1.1 502 Bad Gateway\r\n\r\n", &limits).unwrap_err();
        assert!(matches!(&bad_gateway, ProxyError::Refused(r) if r.status == 502));
        assert!(bad_gateway.to_string().contains("502"));
        assert!(matches!(
            parse_connect_response(b"SSH-2.0-x\r\n\r\n", &limits),
            Err(ProxyError::InvalidResponse(_))
        ));
    }

    #[test]
    fn tunnel_response_is_bounded_and_incremental() {
        let wire = b"HTTP/1.1 200 Connection established\r\nVia: 1.1 p\r\n\r\n\x16\x03\x01";
        let mut response = TunnelResponse::new(&Limits::DEFAULT);
        for end in 0..wire.len() - 3 {
            assert_eq!(response.check(&wire[..end]), Ok(None), "at {end}");
        }
        assert_eq!(response.check(wire), Ok(Some(wire.len() - 3)));

        let limits = Limits {
            max_head_len: 256,
            ..Limits::DEFAULT
        };
        let mut response = TunnelResponse::new(&limits);
        let mut endless = b"HTTP/1.1 200 OK\r\n".to_vec();
        while endless.len() <= 256 {
            endless.extend_from_slice(b"X-Pad: 0123456789\r\n");
        }
        assert_eq!(
            response.check(&endless),
            Err(ProxyError::InvalidResponse(HeadError::HeadTooLarge))
        );
    }
}

/// Servers for the end-to-end tests: a WebSocket echo server (plain or TLS), a CONNECT
/// proxy, and a proxy that always refuses. All on 127.0.0.1, all on a shared runtime.
#[cfg(all(feature = "proxy", feature = "tokio"))]
#[path = "proxy/servers.rs"]
mod servers;

#[cfg(all(feature = "proxy", feature = "tokio"))]
#[path = "proxy/clients.rs"]
mod clients;

#[cfg(all(feature = "proxy", feature = "tokio"))]
mod end_to_end {
    use std::time::Duration;

    use futures_util::{SinkExt, StreamExt};
    use wscore::handshake::ClientRequest;
    use wscore::io::proxy::{Proxy, ProxyError};
    use wscore::io::{ConnectOptions, Error, Message};
    use wscore::Config;

    use super::clients::*;
    use super::servers::*;

    fn options(proxy: Proxy) -> ConnectOptions {
        let options = ConnectOptions::new().proxy(proxy);
        #[cfg(feature = "tls")]
        let options = {
            let (cert, _) = certificate();
            options.tls(wscore::io::tls::TlsConnector::with_roots(
                wscore::io::tls::load_root_certs(cert).unwrap(),
            ))
        };
        options
    }

    #[test]
    fn ws_through_a_connect_proxy() {
        let target = echo_server(false);
        let (proxy, seen) = connect_proxy(None);
        for (name, client, _) in clients() {
            client(
                &format!("ws://localhost:{target}/plain"),
                &options(Proxy::new("127.0.0.1", proxy)),
            )
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), clients().len());
        for head in seen.iter() {
            assert!(
                head.starts_with(&format!(
                    "CONNECT localhost:{target} HTTP/1.1\r\nHost: localhost:{target}\r\n"
                )),
                "{head}"
            );
            assert!(!head.contains("Proxy-Authorization"), "{head}");
        }
    }

    #[test]
    #[cfg_attr(
        not(feature = "tls-tokio"),
        ignore = "wss through a proxy: the wss echo server needs the `tls-tokio` feature"
    )]
    fn wss_through_a_connect_proxy_with_credentials() {
        let target = echo_server(true);
        // base64("alice:s3cret:x")
        let (proxy, seen) = connect_proxy(Some("YWxpY2U6czNjcmV0Ong="));
        let setting = format!("http://alice:s3cret%3Ax@127.0.0.1:{proxy}");
        for (name, client, has_tls) in clients() {
            if !has_tls {
                println!("SKIPPED {name} wss through a proxy: enable its tls-* feature");
                continue;
            }
            // The certificate is for localhost: TLS inside the tunnel checks the target's
            // name, not the proxy's (127.0.0.1).
            client(
                &format!("wss://localhost:{target}/secure"),
                &options(Proxy::parse(&setting).unwrap()),
            )
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        assert!(seen
            .lock()
            .unwrap()
            .iter()
            .all(|h| h.starts_with(&format!("CONNECT localhost:{target} "))));
    }

    #[test]
    fn missing_credentials_are_a_407() {
        let target = echo_server(false);
        let (proxy, _) = connect_proxy(Some("dXNlcjpwYXNz"));
        for (name, client, _) in clients() {
            let err = client(
                &format!("ws://localhost:{target}/"),
                &options(Proxy::new("127.0.0.1", proxy)),
            )
            .unwrap_err();
            match err {
                Error::Proxy(ProxyError::AuthenticationRequired(r)) => {
                    assert_eq!(r.status, 407, "{name}");
                    assert_eq!(
                        r.proxy_authenticate.as_deref(),
                        Some("Basic realm=\"test\""),
                        "{name}"
                    );
                }
                other => panic!("{name}: expected a 407, got {other:?}"),
            }
            let wrong = Proxy::new("127.0.0.1", proxy).with_credentials("user", "wrong");
            let err = client(&format!("ws://localhost:{target}/"), &options(wrong)).unwrap_err();
            assert!(
                matches!(err, Error::Proxy(ProxyError::AuthenticationRequired(_))),
                "{name}: {err:?}"
            );
            let right = Proxy::new("127.0.0.1", proxy).with_credentials("user", "pass");
            client(&format!("ws://localhost:{target}/"), &options(right))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    #[test]
    fn refusals_carry_their_status() {
        let forbidden = refusing_proxy(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
        let bad_gateway = refusing_proxy(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
        let truncated = refusing_proxy(b"HTTP/1.1 200 Conn");
        let garbage = refusing_proxy(b"220 smtp.example ESMTP\r\n\r\n");
        for (name, client, _) in clients() {
            let uri = "ws://localhost:9/";
            let err = client(uri, &options(Proxy::new("127.0.0.1", forbidden))).unwrap_err();
            assert!(
                matches!(&err, Error::Proxy(ProxyError::Forbidden(r)) if r.status == 403),
                "{name}: {err:?}"
            );
            let err = client(uri, &options(Proxy::new("127.0.0.1", bad_gateway))).unwrap_err();
            assert!(
                matches!(&err, Error::Proxy(ProxyError::Refused(r)) if r.status == 502),
                "{name}: {err:?}"
            );
            assert!(err.to_string().contains("502"), "{err}");
            let err = client(uri, &options(Proxy::new("127.0.0.1", truncated))).unwrap_err();
            assert!(
                matches!(&err, Error::Proxy(ProxyError::UnexpectedEof)),
                "{name}: {err:?}"
            );
            let err = client(uri, &options(Proxy::new("127.0.0.1", garbage))).unwrap_err();
            assert!(
                matches!(&err, Error::Proxy(ProxyError::InvalidResponse(_))),
                "{name}: {err:?}"
            );
        }
    }

    /// Bytes the proxy sends right after its answer are the tunnel's first bytes.
    #[cfg(feature = "blocking")]
    #[test]
    fn bytes_after_the_answer_are_kept() {
        use std::io::{Read, Write};
        use wscore::handshake::WsUri;
        use wscore::io::connector::{establish_blocking, Route};

        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let proxy = std::thread::spawn(move || {
            let (mut tcp, _) = listener.accept().unwrap();
            let mut head = Vec::new();
            let mut byte = [0];
            while !head.ends_with(b"\r\n\r\n") {
                tcp.read_exact(&mut byte).unwrap();
                head.push(byte[0]);
            }
            tcp.write_all(b"HTTP/1.1 200 OK\r\n\r\nearly bytes")
                .unwrap();
            let mut echo = [0u8; 4];
            tcp.read_exact(&mut echo).unwrap();
            assert_eq!(&echo, b"ping");
        });
        let uri = WsUri::parse("ws://target.example/").unwrap();
        let route = Route::new(
            &uri,
            &ConnectOptions::new().proxy(Proxy::new("127.0.0.1", port)),
        )
        .unwrap();
        assert_eq!(route.address(), ("127.0.0.1", port));
        assert_eq!(route.target(), ("target.example", 80));
        let tcp = std::net::TcpStream::connect(route.address()).unwrap();
        let mut stream = establish_blocking(tcp, &route).unwrap();
        let mut got = [0u8; 11];
        stream.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"early bytes");
        stream.write_all(b"ping").unwrap();
        proxy.join().unwrap();
    }

    /// The default options follow the environment; `no_proxy()` and an explicit proxy
    /// override it. (Only reads the environment: never sets it.)
    #[test]
    fn route_follows_the_options() {
        use wscore::handshake::WsUri;
        use wscore::io::connector::Route;
        let uri = WsUri::parse("ws://[::1]:9001/").unwrap();
        let direct = Route::new(&uri, &ConnectOptions::new().no_proxy()).unwrap();
        assert_eq!((direct.address(), direct.proxy()), (("::1", 9001), None));
        let via = Route::new(&uri, &ConnectOptions::new().proxy(Proxy::new("p", 3))).unwrap();
        assert_eq!(via.address(), ("p", 3));
        assert_eq!(via.target(), ("::1", 9001));
    }
}
