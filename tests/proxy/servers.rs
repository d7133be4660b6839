//! Loopback servers shared by the proxy tests: a WebSocket echo server (plain or TLS), an
//! in-test CONNECT proxy, and a proxy that always refuses.
#![allow(dead_code)]

use std::sync::{Arc, Mutex, OnceLock};

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wscore::Config;

pub fn rt() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

/// A certificate for `localhost`: (directory, cert PEM path, key PEM path).
pub fn certificate() -> (std::path::PathBuf, std::path::PathBuf) {
    static PATHS: OnceLock<(std::path::PathBuf, std::path::PathBuf)> = OnceLock::new();
    PATHS
        .get_or_init(|| {
            let cert =
                rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
                    .unwrap();
            let dir = std::env::temp_dir().join(format!("wscore-proxy-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("cert.pem"), cert.cert.pem()).unwrap();
            std::fs::write(dir.join("key.pem"), cert.signing_key.serialize_pem()).unwrap();
            (dir.join("cert.pem"), dir.join("key.pem"))
        })
        .clone()
}

/// A WebSocket echo server; `tls` for wss.
pub fn echo_server(tls: bool) -> u16 {
    echo_server_on(0, tls)
}

/// A WebSocket echo server on `port` (0: any free port); `tls` for wss.
pub fn echo_server_on(port: u16, tls: bool) -> u16 {
    rt().block_on(async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        #[cfg(feature = "tls-tokio")]
        let config = tls.then(|| {
            let (cert, key) = certificate();
            wscore::io::tls::load_server_config(cert, key).unwrap()
        });
        #[cfg(not(feature = "tls-tokio"))]
        assert!(!tls, "wss echo server needs tls-tokio");
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                #[cfg(feature = "tls-tokio")]
                let config = config.clone();
                tokio::spawn(async move {
                    #[cfg(feature = "tls-tokio")]
                    if let Some(config) = config {
                        let Ok(stream) = wscore::io::tls::accept_tokio(&config, tcp).await else {
                            return;
                        };
                        let Ok(ws) = wscore::io::tokio::accept(stream, Config::default()).await
                        else {
                            return;
                        };
                        echo(ws).await;
                        return;
                    }
                    let Ok(ws) = wscore::io::tokio::accept(tcp, Config::default()).await else {
                        return;
                    };
                    echo(ws).await;
                });
            }
        });
        port
    })
}

async fn echo<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    mut ws: wscore::io::tokio::TokioWebSocket<S>,
) {
    while let Some(Ok(m)) = ws.next().await {
        if m.is_data() && ws.send(m).await.is_err() {
            break;
        }
    }
}

async fn read_head(tcp: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if tcp.read(&mut byte).await.ok()? == 0 || buf.len() > 8192 {
            return None;
        }
        buf.push(byte[0]);
    }
    String::from_utf8(buf).ok()
}

/// What the in-test proxy saw: the CONNECT heads.
pub type Seen = Arc<Mutex<Vec<String>>>;

/// A CONNECT proxy; with `auth`, it wants `Proxy-Authorization: Basic <auth>` and
/// answers 407 otherwise.
pub fn connect_proxy(auth: Option<&'static str>) -> (u16, Seen) {
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let port = rt().block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut tcp, _)) = listener.accept().await {
                let log = log.clone();
                tokio::spawn(async move {
                    let Some(head) = read_head(&mut tcp).await else { return };
                    log.lock().unwrap().push(head.clone());
                    if let Some(token) = auth {
                        if !head.contains(&format!("\r\nProxy-Authorization: Basic {token}\r\n")) {
                            let _ = tcp.write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n").await;
                            return;
                        }
                    }
                    let authority = head
                        .strip_prefix("CONNECT ")
                        .and_then(|rest| rest.split(' ').next())
                        .unwrap_or_default()
                        .replace("localhost", "127.0.0.1");
                    let Ok(mut upstream) = TcpStream::connect(&authority).await else {
                        let _ = tcp.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                        return;
                    };
                    tcp.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await.unwrap();
                    let _ = tokio::io::copy_bidirectional(&mut tcp, &mut upstream).await;
                });
            }
        });
        port
    });
    (port, seen)
}

/// A "proxy" that answers every request with `response` and closes.
pub fn refusing_proxy(response: &'static [u8]) -> u16 {
    rt().block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut tcp, _)) = listener.accept().await {
                tokio::spawn(async move {
                    if read_head(&mut tcp).await.is_some() {
                        let _ = tcp.write_all(response).await;
                    }
                });
            }
        });
        port
    })
}
