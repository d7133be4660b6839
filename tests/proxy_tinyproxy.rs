//! Every client adapter through a real HTTP proxy: tinyproxy, started by `tests/proxy/run.sh`
//! on 127.0.0.1, which passes its address in the environment and runs these `#[ignore]`d
//! tests with `--ignored`. A plain `cargo test` lists them as ignored, with the reason;
//! `--ignored` without `WSCORE_TINYPROXY` fails and says how to run them.
//!
//! - `WSCORE_TINYPROXY`: an open tinyproxy (`ConnectPort` only the two target ports);
//! - `WSCORE_TINYPROXY_AUTH` and `WSCORE_TINYPROXY_CREDENTIALS` (`user:pass`): one with
//!   `BasicAuth`;
//! - `WSCORE_TINYPROXY_WS_PORT`, `WSCORE_TINYPROXY_WSS_PORT`: where the tests' echo servers
//!   listen (the ports tinyproxy allows).
#![allow(dead_code, unused_imports)]

#[cfg(all(feature = "proxy", feature = "tokio"))]
#[path = "proxy/servers.rs"]
mod servers;

#[cfg(all(feature = "proxy", feature = "tokio"))]
#[path = "proxy/clients.rs"]
mod clients;

#[cfg(not(all(feature = "proxy", feature = "tokio")))]
#[test]
#[ignore = "tinyproxy tests: enable `proxy` and `tokio` (and blocking, futures-io, tls-*)"]
fn tinyproxy_tests() {}

#[cfg(all(feature = "proxy", feature = "tokio"))]
mod tinyproxy {
    use std::sync::OnceLock;

    use wscore::io::proxy::{Proxy, ProxyError};
    use wscore::io::{ConnectOptions, Error};

    use super::clients::*;
    use super::servers::*;

    struct Setup {
        open: Proxy,
        auth: Proxy,
        credentials: (String, String),
        ws_port: u16,
        wss_port: Option<u16>,
    }

    /// The proxies from the environment, and the echo servers started once.
    fn setup(test: &str) -> &'static Setup {
        static SETUP: OnceLock<Option<Setup>> = OnceLock::new();
        let setup = SETUP.get_or_init(|| {
            let open = std::env::var("WSCORE_TINYPROXY").ok()?;
            let var =
                |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"));
            let port = |name: &str| var(name).parse::<u16>().unwrap();
            let (user, pass) = var("WSCORE_TINYPROXY_CREDENTIALS")
                .split_once(':')
                .map(|(u, p)| (u.to_string(), p.to_string()))
                .unwrap();
            let ws_port = echo_server_on(port("WSCORE_TINYPROXY_WS_PORT"), false);
            let wss_port = cfg!(feature = "tls-tokio")
                .then(|| echo_server_on(port("WSCORE_TINYPROXY_WSS_PORT"), true));
            Some(Setup {
                open: Proxy::parse(&open).unwrap(),
                auth: Proxy::parse(&var("WSCORE_TINYPROXY_AUTH")).unwrap(),
                credentials: (user, pass),
                ws_port,
                wss_port,
            })
        });
        setup.as_ref().unwrap_or_else(|| {
            panic!("{test}: WSCORE_TINYPROXY is not set: run tests/proxy/run.sh")
        })
    }

    fn with_tls(options: ConnectOptions) -> ConnectOptions {
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
    #[ignore = "needs tinyproxy: run tests/proxy/run.sh"]
    fn ws_and_wss_through_tinyproxy() {
        let s = setup("ws_and_wss_through_tinyproxy");
        let options = with_tls(ConnectOptions::new().proxy(s.open.clone()));
        for (name, client, has_tls) in clients() {
            client(&format!("ws://127.0.0.1:{}/plain", s.ws_port), &options)
                .unwrap_or_else(|e| panic!("{name} ws: {e}"));
            match (s.wss_port, has_tls) {
                (Some(port), true) => client(&format!("wss://localhost:{port}/secure"), &options)
                    .unwrap_or_else(|e| panic!("{name} wss: {e}")),
                _ => println!(
                    "SKIPPED {name} wss through tinyproxy: enable tls-tokio and its tls-* feature"
                ),
            }
            println!("{name}: ws and wss through tinyproxy ok");
        }
    }

    #[test]
    #[ignore = "needs tinyproxy: run tests/proxy/run.sh"]
    fn basic_auth_through_tinyproxy() {
        let s = setup("basic_auth_through_tinyproxy");
        let uri = format!("ws://127.0.0.1:{}/auth", s.ws_port);
        for (name, client, has_tls) in clients() {
            let err =
                client(&uri, &with_tls(ConnectOptions::new().proxy(s.auth.clone()))).unwrap_err();
            match &err {
                Error::Proxy(ProxyError::AuthenticationRequired(r)) => assert_eq!(r.status, 407),
                other => panic!("{name}: expected 407, got {other:?}"),
            }
            println!("{name}: no credentials -> {err}");
            let (user, pass) = &s.credentials;
            let authed = s.auth.clone().with_credentials(user, pass);
            let options = with_tls(ConnectOptions::new().proxy(authed));
            client(&uri, &options).unwrap_or_else(|e| panic!("{name} with credentials: {e}"));
            if let (Some(port), true) = (s.wss_port, has_tls) {
                client(&format!("wss://localhost:{port}/auth"), &options)
                    .unwrap_or_else(|e| panic!("{name} wss with credentials: {e}"));
            }
        }
    }

    #[test]
    #[ignore = "needs tinyproxy: run tests/proxy/run.sh"]
    fn port_outside_connect_port_is_a_403() {
        let s = setup("port_outside_connect_port_is_a_403");
        // Port 9 (discard) is not a ConnectPort: tinyproxy refuses the tunnel.
        for (name, client, _) in clients() {
            let err = client(
                "ws://127.0.0.1:9/",
                &with_tls(ConnectOptions::new().proxy(s.open.clone())),
            )
            .unwrap_err();
            assert!(
                matches!(&err, Error::Proxy(ProxyError::Forbidden(r)) if r.status == 403),
                "{name}: {err:?}"
            );
            println!("{name}: {err}");
        }
    }

    /// The proxy comes from the environment variables (`http_proxy` for ws, `https_proxy`
    /// for wss, `no_proxy` bypassing). Sets the process environment: the tests run on one
    /// thread (`--test-threads 1`, as run.sh does).
    #[test]
    #[ignore = "needs tinyproxy: run tests/proxy/run.sh"]
    fn proxy_from_the_environment() {
        let s = setup("proxy_from_the_environment");
        let open = format!("http://{}:{}", s.open.host(), s.open.port());
        let (user, pass) = &s.credentials;
        let auth = format!("http://{user}:{pass}@{}:{}", s.auth.host(), s.auth.port());
        let set = |name: &str, value: &str| std::env::set_var(name, value);
        for name in [
            "http_proxy",
            "HTTP_PROXY",
            "https_proxy",
            "HTTPS_PROXY",
            "all_proxy",
            "ALL_PROXY",
            "no_proxy",
            "NO_PROXY",
        ] {
            std::env::remove_var(name);
        }
        set("http_proxy", &open);
        set("https_proxy", &auth); // credentials from the URL, percent-decoded
        let options = with_tls(ConnectOptions::new());
        for (name, client, has_tls) in clients() {
            client(&format!("ws://127.0.0.1:{}/env", s.ws_port), &options)
                .unwrap_or_else(|e| panic!("{name} ws via http_proxy: {e}"));
            if let (Some(port), true) = (s.wss_port, has_tls) {
                client(&format!("wss://localhost:{port}/env"), &options)
                    .unwrap_or_else(|e| panic!("{name} wss via https_proxy: {e}"));
            }
        }
        // A dead proxy, bypassed by no_proxy: the connection goes direct.
        set("http_proxy", "http://127.0.0.1:9");
        set("no_proxy", "example.com, 127.0.0.1");
        for (name, client, _) in clients() {
            client(&format!("ws://127.0.0.1:{}/direct", s.ws_port), &options)
                .unwrap_or_else(|e| panic!("{name} no_proxy: {e}"));
        }
        // ALL_PROXY applies when the scheme's variable is unset.
        std::env::remove_var("http_proxy");
        std::env::remove_var("no_proxy");
        set("ALL_PROXY", &open);
        for (name, client, _) in clients() {
            client(&format!("ws://127.0.0.1:{}/all", s.ws_port), &options)
                .unwrap_or_else(|e| panic!("{name} via ALL_PROXY: {e}"));
        }
        for name in ["https_proxy", "ALL_PROXY"] {
            std::env::remove_var(name);
        }
    }
}
