//! The adapters against each other over real loopback TCP: blocking, tokio and futures-io,
//! both roles, message echo, split halves, handshake refusal, closing handshake.
#![cfg(all(feature = "blocking", feature = "tokio", feature = "futures-io"))]

use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use wscore::frame::CloseCode;
use wscore::io::{blocking, CloseReason, Error, Message, Options};
use wscore::{Config, ConnectionError};

/// A blocking echo server on an ephemeral port, serving `connections` connections.
fn blocking_echo_server(connections: usize) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for tcp in listener.incoming().take(connections) {
            let tcp = tcp.unwrap();
            std::thread::spawn(move || {
                let mut ws = match blocking::BlockingWebSocket::accept(tcp, Config::default()) {
                    Ok(ws) => ws,
                    Err(_) => return,
                };
                loop {
                    match ws.read() {
                        Ok(m) if m.is_data() => ws.send_owned(m).unwrap(),
                        Ok(_) => {}
                        Err(_) => return,
                    }
                }
            });
        }
    });
    port
}

fn sample_messages() -> Vec<Message> {
    vec![
        Message::text("hello"),
        Message::text("κόσμε €"),
        Message::binary(vec![0u8, 1, 2, 255]),
        Message::binary(vec![7u8; 200_000]), // several reads, several frames
        Message::text(""),
    ]
}

#[test]
fn blocking_client_and_server_echo_and_close_cleanly() {
    let port = blocking_echo_server(1);
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let uri = format!("ws://127.0.0.1:{port}/echo");
    let mut ws = blocking::BlockingWebSocket::connect(&uri, tcp, Config::default()).unwrap();
    for m in sample_messages() {
        ws.send(&m).unwrap();
        let got = ws.read().unwrap();
        assert!(
            got == m,
            "{:?} != {:?}",
            summary(std::slice::from_ref(&got)),
            summary(&[m])
        );
    }
    ws.ping(b"are you there").unwrap();
    assert_eq!(ws.read().unwrap(), Message::Pong(b"are you there".to_vec()));
    ws.close(CloseCode::NORMAL, "done").unwrap();
    let reply = ws.read().unwrap();
    assert_eq!(
        reply,
        Message::Close(Some(CloseReason {
            code: CloseCode::NORMAL,
            reason: String::new()
        }))
    );
    // The server closes the TCP connection first; the client sees EOF and reports Closed.
    assert!(matches!(ws.read(), Err(Error::Closed)));
}

#[test]
fn blocking_server_refuses_a_bad_handshake_with_its_status() {
    use std::io::{Read, Write};
    let port = blocking_echo_server(1);
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.write_all(
        b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
          Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n",
    )
    .unwrap();
    let mut response = String::new();
    tcp.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 426 "), "{response}");
    assert!(
        response.contains("Sec-WebSocket-Version: 13\r\n"),
        "{response}"
    );
}

#[test]
fn blocking_client_reports_a_rejected_handshake() {
    use std::io::{Read, Write};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let (mut tcp, _) = listener.accept().unwrap();
        let mut buf = [0u8; 1024];
        let _ = tcp.read(&mut buf).unwrap();
        tcp.write_all(
            b"HTTP/1.1 302 Found\r\nLocation: ws://127.0.0.1:1/else\r\nContent-Length: 0\r\n\r\n",
        )
        .unwrap();
    });
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let err = blocking::BlockingWebSocket::connect("ws://127.0.0.1/", tcp, Config::default())
        .unwrap_err();
    match err {
        Error::Rejected(r) => {
            assert_eq!(r.failure.status, Some(302));
            assert_eq!(r.location.as_deref(), Some("ws://127.0.0.1:1/else"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn tokio_client_against_blocking_server_and_split_halves() {
    let port = blocking_echo_server(1);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let uri = format!("ws://127.0.0.1:{port}/");
        let ws = wscore::io::tokio::connect(&uri, Config::default())
            .await
            .unwrap();
        let (mut read, mut write) = ws.split();
        let (echoed_tx, echoed_rx) = tokio::sync::oneshot::channel();
        let expected_data = sample_messages().len();
        let reader = tokio::spawn(async move {
            let mut got = Vec::new();
            let mut echoed = Some(echoed_tx);
            while let Some(m) = read.next().await {
                got.push(m.unwrap());
                if got.len() == expected_data {
                    echoed.take().unwrap().send(()).unwrap();
                }
            }
            got
        });
        for m in sample_messages() {
            write.send(m).await.unwrap();
        }
        // Data arriving after our Close would be discarded (RFC 6455 5.5.1): wait for the
        // echoes before closing.
        echoed_rx.await.unwrap();
        write.send(Message::Ping(b"p".to_vec())).await.unwrap();
        write.close().await.unwrap();
        let got = tokio::time::timeout(Duration::from_secs(10), reader)
            .await
            .unwrap()
            .unwrap();
        let mut expected = sample_messages();
        expected.push(Message::Pong(b"p".to_vec()));
        expected.push(Message::Close(Some(CloseReason {
            code: CloseCode::NORMAL,
            reason: String::new(),
        })));
        assert!(
            got == expected,
            "got {} messages: {:?}",
            got.len(),
            summary(&got)
        );
    });
}

/// A short description of messages, for failure output (payloads can be large).
fn summary(messages: &[Message]) -> Vec<String> {
    messages
        .iter()
        .map(|m| match m {
            Message::Text(t) => format!("text({})", t.len()),
            Message::Binary(b) => format!("binary({})", b.len()),
            other => format!("{other:?}"),
        })
        .collect()
}

#[test]
fn tokio_server_answers_pings_while_split_and_nobody_writes() {
    // The server's write half is never used: auto-pongs must still go out through the
    // read half.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let ws = wscore::io::tokio::accept(tcp, Config::default())
                .await
                .unwrap();
            let (mut read, _write) = ws.split();
            while read.next().await.is_some() {}
        });
        let port_copy = port;
        let client = tokio::task::spawn_blocking(move || {
            let tcp = TcpStream::connect(("127.0.0.1", port_copy)).unwrap();
            let uri = format!("ws://127.0.0.1:{port_copy}/");
            let mut ws =
                blocking::BlockingWebSocket::connect(&uri, tcp, Config::default()).unwrap();
            for i in 0..5u8 {
                ws.ping(&[i]).unwrap();
                assert_eq!(ws.read().unwrap(), Message::Pong(vec![i]));
            }
            ws.close(CloseCode::GOING_AWAY, "").unwrap();
            match ws.read().unwrap() {
                Message::Close(Some(c)) => assert_eq!(c.code, CloseCode::GOING_AWAY),
                other => panic!("{other:?}"),
            }
        });
        tokio::time::timeout(Duration::from_secs(10), client)
            .await
            .unwrap()
            .unwrap();
    });
}

#[test]
fn futures_io_server_with_tokio_client() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        smol::block_on(async move {
            let listener = smol::net::TcpListener::try_from(listener).unwrap();
            let (tcp, _) = listener.accept().await.unwrap();
            let mut ws = wscore::io::futures::accept(tcp, Config::default())
                .await
                .unwrap();
            while let Some(Ok(m)) = ws.next().await {
                if m.is_data() {
                    ws.send(m).await.unwrap();
                }
            }
        })
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let uri = format!("ws://127.0.0.1:{port}/");
        let mut ws = wscore::io::tokio::connect(&uri, Config::default())
            .await
            .unwrap();
        for m in sample_messages() {
            ws.send(m.clone()).await.unwrap();
            let got = ws.next().await.unwrap().unwrap();
            assert!(
                got == m,
                "{:?} != {:?}",
                summary(std::slice::from_ref(&got)),
                summary(&[m])
            );
        }
        ws.close().await.unwrap();
        assert!(matches!(ws.next().await, Some(Ok(Message::Close(_)))));
        assert!(
            ws.next().await.is_none(),
            "the stream ends after the closing handshake"
        );
    });
}

#[test]
fn tokio_keepalive_fails_an_unresponsive_peer() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        // A peer that completes the handshake and then never reads again.
        let silent = tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let (mut tcp, _) = listener.accept().await.unwrap();
            let mut buf = vec![0u8; 4096];
            let n = tcp.read(&mut buf).await.unwrap();
            let mut headers = [wscore::handshake::EMPTY_HEADER; 32];
            let parsed = wscore::handshake::Request::parse(
                &buf[..n],
                &mut headers,
                &wscore::handshake::Limits::DEFAULT,
            )
            .unwrap();
            let wscore::handshake::Status::Complete((request, _)) = parsed else {
                panic!()
            };
            tcp.write_all(&request.accept().to_vec()).await.unwrap();
            tokio::time::sleep(Duration::from_secs(30)).await;
            drop(tcp);
        });
        let mut config = Config::default();
        config.keepalive_interval = Some(Duration::from_millis(100));
        config.pong_timeout = Duration::from_millis(200);
        let uri = format!("ws://127.0.0.1:{port}/");
        let mut ws = wscore::io::tokio::connect(&uri, config).await.unwrap();
        let outcome = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .unwrap();
        match outcome {
            Some(Err(Error::Connection(ConnectionError::PongTimeout))) => {}
            other => panic!("{other:?}"),
        }
        silent.abort();
    });
}

#[test]
fn the_accept_callback_refuses_with_its_status_and_body() {
    // (status the application asks for, status on the wire)
    for (asked, sent) in [(403u16, 403u16), (101, 500)] {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (tcp, _) = listener.accept().unwrap();
            let result = blocking::BlockingWebSocket::accept_with(
                tcp,
                Config::default(),
                Options::default(),
                Vec::new(),
                |r| {
                    assert_eq!(r.path(), "/private");
                    Err((asked, "members only".to_string()))
                },
            );
            match result {
                Err(Error::Refused(status)) => status,
                other => panic!("{:?}", other.map(|_| ())),
            }
        });
        let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let uri = format!("ws://127.0.0.1:{port}/private");
        match blocking::BlockingWebSocket::connect(&uri, tcp, Config::default()) {
            Err(Error::Rejected(r)) => {
                assert_eq!(r.failure.status, Some(sent));
                // The body bytes that arrived with the head (usually all of them).
                let expected: &[u8] = if sent == 403 { b"members only" } else { b"" };
                assert!(expected.starts_with(&r.body), "{:?}", r.body);
            }
            other => panic!("{:?}", other.map(|_| ())),
        }
        assert_eq!(server.join().unwrap(), sent);
    }
}
