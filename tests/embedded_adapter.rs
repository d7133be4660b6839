//! The embedded-io-async adapter on the host: an embedded server and an embedded client,
//! each in caller-provided buffers, talking over an in-memory pipe, driven by a single-thread
//! executor.
#![cfg(feature = "embedded-io-async")]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Duration;

use wscore::frame::CloseCode;
use wscore::io::embedded::{EmbeddedOptions, EmbeddedWebSocket, Error};
use wscore::{Config, DataKind, Event};

/// One direction of an in-memory byte pipe; reading waits (yields) until bytes arrive.
#[derive(Clone, Default)]
struct Pipe(Rc<RefCell<(VecDeque<u8>, bool)>>);

struct End {
    incoming: Pipe,
    outgoing: Pipe,
}

impl Drop for End {
    fn drop(&mut self) {
        self.outgoing.0.borrow_mut().1 = true; // EOF for the other side
    }
}

impl embedded_io_async::ErrorType for End {
    type Error = std::convert::Infallible;
}

impl embedded_io_async::Read for End {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        loop {
            {
                let mut pipe = self.incoming.0.borrow_mut();
                if !pipe.0.is_empty() {
                    // Small reads on purpose: frames and heads arrive in pieces.
                    let n = buf.len().min(pipe.0.len()).min(7);
                    for b in buf.iter_mut().take(n) {
                        *b = pipe.0.pop_front().unwrap();
                    }
                    return Ok(n);
                }
                if pipe.1 {
                    return Ok(0);
                }
            }
            tokio::task::yield_now().await;
        }
    }
}

impl embedded_io_async::Write for End {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        self.outgoing.0.borrow_mut().0.extend(buf);
        Ok(buf.len())
    }

    async fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

fn pair() -> (End, End) {
    let (a, b) = (Pipe::default(), Pipe::default());
    (
        End {
            incoming: a.clone(),
            outgoing: b.clone(),
        },
        End {
            incoming: b,
            outgoing: a,
        },
    )
}

fn clock() -> Duration {
    Duration::from_secs(1)
}

fn entropy(buf: &mut [u8]) -> Result<(), wscore::EntropyError> {
    for (i, b) in buf.iter_mut().enumerate() {
        *b = 0x3c ^ (i as u8).wrapping_mul(29);
    }
    Ok(())
}

#[test]
fn embedded_client_and_server_echo_and_close() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async {
        let (client_end, server_end) = pair();
        let server = tokio::task::spawn_local(async move {
            let (mut rx, mut tx) = ([0u8; 1024], [0u8; 1024]);
            let mut ws = EmbeddedWebSocket::accept(
                server_end,
                Config::default(),
                EmbeddedOptions::default(),
                &mut rx,
                &mut tx,
                clock,
            )
            .await
            .expect("handshake");
            let mut echoed = 0;
            let mut message = Vec::new();
            loop {
                // Messages arrive in pieces (7-byte reads split them); collect, then echo.
                let complete = match ws.read().await {
                    Ok(Event::Data(d)) => {
                        message.extend_from_slice(d.payload);
                        d.last.then_some(d.kind)
                    }
                    Ok(_) => None,
                    Err(Error::Closed) => break,
                    Err(e) => panic!("server: {e}"),
                };
                if let Some(kind) = complete {
                    ws.send(kind, &message).await.unwrap();
                    message.clear();
                    echoed += 1;
                }
            }
            echoed
        });

        let (mut rx, mut tx) = ([0u8; 1024], [0u8; 1024]);
        let mut ws = EmbeddedWebSocket::connect(
            client_end,
            "ws://device.local/echo",
            [9; 16],
            entropy,
            Config::default(),
            EmbeddedOptions::default(),
            &mut rx,
            &mut tx,
            clock,
        )
        .await
        .expect("handshake");
        let mut received = Vec::new();
        for text in ["hi", "sensor=1"] {
            ws.send(DataKind::Text, text.as_bytes()).await.unwrap();
            let mut message = Vec::new();
            loop {
                match ws.read().await.unwrap() {
                    Event::Data(d) => {
                        message.extend_from_slice(d.payload);
                        if d.last {
                            break;
                        }
                    }
                    other => panic!("client: {other:?}"),
                }
            }
            received.push(String::from_utf8(message).unwrap());
        }
        ws.ping(b"p").await.unwrap();
        assert!(matches!(ws.read().await.unwrap(), Event::Pong(p) if p.as_bytes() == b"p"));
        ws.close(CloseCode::NORMAL, "done").await.unwrap();
        match ws.read().await.unwrap() {
            Event::Close(c) => assert_eq!(c.code(), CloseCode::NORMAL),
            other => panic!("client: {other:?}"),
        }
        // The server closes first; the client sees EOF and reports a clean end.
        assert!(matches!(ws.read().await, Err(Error::Closed)));
        drop(ws);
        assert_eq!(received, ["hi", "sensor=1"]);
        assert_eq!(server.await.unwrap(), 2);
    });
}

#[test]
fn embedded_server_refuses_a_bad_handshake() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let (client_end, server_end) = pair();
        client_end.outgoing.0.borrow_mut().0.extend(
            b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
              Sec-EmbeddedWebSocket-Key: short\r\nSec-EmbeddedWebSocket-Version: 13\r\n\r\n",
        );
        let (mut rx, mut tx) = ([0u8; 1024], [0u8; 1024]);
        let result = EmbeddedWebSocket::accept(
            server_end,
            Config::default(),
            EmbeddedOptions::default(),
            &mut rx,
            &mut tx,
            clock,
        )
        .await;
        assert!(matches!(result, Err(Error::Handshake(_))));
        let answer: Vec<u8> = client_end.incoming.0.borrow().0.iter().copied().collect();
        assert!(
            answer.starts_with(b"HTTP/1.1 400 "),
            "{}",
            String::from_utf8_lossy(&answer)
        );
    });
}

#[test]
fn embedded_client_reports_a_refused_upgrade() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let (client_end, server_end) = pair();
        server_end
            .outgoing
            .0
            .borrow_mut()
            .0
            .extend(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        let (mut rx, mut tx) = ([0u8; 1024], [0u8; 1024]);
        let result = EmbeddedWebSocket::connect(
            client_end,
            "ws://device.local/missing",
            [1; 16],
            entropy,
            Config::default(),
            EmbeddedOptions::default(),
            &mut rx,
            &mut tx,
            clock,
        )
        .await;
        match result {
            Err(Error::Rejected(failure)) => assert_eq!(failure.status, Some(404)),
            Err(e) => panic!("{e}"),
            Ok(_) => panic!("accepted a 404"),
        }
        drop(server_end);
    });
}
