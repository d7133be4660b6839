//! The blocking adapter's sends by value against tungstenite over loopback TCP, in both
//! roles: payloads around `OWNED_PAYLOAD_MIN` (copied below it, written from their own buffer
//! from it on, masked in that buffer by a client) and around the largest frame (one frame,
//! then two), text and binary, must all arrive as sent.
#![cfg(feature = "blocking")]

use std::net::{TcpListener, TcpStream};

use tungstenite::Message as TMessage;
use wscore::io::blocking::BlockingWebSocket;
use wscore::io::Message;
use wscore::{Config, OWNED_PAYLOAD_MIN};

/// Messages of each size that matters to the send path, with varied bytes (a mask applied
/// twice, or to the wrong bytes, shows).
fn messages() -> Vec<Message> {
    let frame_max = Config::default().max_send_frame_payload;
    let mut out = Vec::new();
    for (i, len) in [
        0,
        16,
        OWNED_PAYLOAD_MIN - 1,
        OWNED_PAYLOAD_MIN,
        65_536,
        frame_max,
        frame_max + 1,
    ]
    .into_iter()
    .enumerate()
    {
        let bytes: Vec<u8> = (0..len).map(|j| (j * 31 + i * 7 + j / 251) as u8).collect();
        out.push(Message::binary(bytes));
        // Text of about the same length, with two-, three- and four-byte characters.
        let text: String = "aé€😀".chars().cycle().take(len / 2).collect();
        out.push(Message::text(text));
    }
    out
}

fn to_tungstenite(m: &Message) -> TMessage {
    match m {
        Message::Text(t) => TMessage::text(t.clone()),
        Message::Binary(b) => TMessage::binary(b.clone()),
        other => panic!("not data: {other:?}"),
    }
}

fn same(ours: &Message, theirs: &TMessage) -> bool {
    match (ours, theirs) {
        (Message::Text(a), TMessage::Text(b)) => a.as_str() == b.as_str(),
        (Message::Binary(a), TMessage::Binary(b)) => a[..] == b[..],
        _ => false,
    }
}

/// wscore serves, echoing with `send_owned`; tungstenite's client sends each message and
/// checks its echo.
#[test]
fn server_send_owned_echoes_to_a_tungstenite_client() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        let mut ws = BlockingWebSocket::accept(tcp, Config::default()).unwrap();
        let mut echoed = 0;
        loop {
            match ws.read() {
                Ok(m) if m.is_data() => {
                    ws.send_owned(m).unwrap();
                    echoed += 1;
                }
                Ok(_) => {}
                Err(e) if e.is_closed() => return echoed,
                Err(e) => panic!("server: {e}"),
            }
        }
    });

    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let (mut theirs, _) = tungstenite::client(format!("ws://127.0.0.1:{port}/"), tcp).unwrap();
    let sent = messages();
    for m in &sent {
        theirs.send(to_tungstenite(m)).unwrap();
        let echo = theirs.read().unwrap();
        assert!(
            same(m, &echo),
            "the echo of a {} byte message differs",
            m.as_bytes().len()
        );
    }
    theirs.close(None).unwrap();
    while theirs.read().is_ok() {}
    assert_eq!(server.join().unwrap(), sent.len());
}

/// wscore connects and sends with `send_owned` (masking large payloads in their own
/// buffers); tungstenite's server echoes what it received.
#[test]
fn client_send_owned_reaches_a_tungstenite_server() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        let mut theirs = tungstenite::accept(tcp).unwrap();
        let mut got = Vec::new();
        loop {
            match theirs.read() {
                Ok(m @ (TMessage::Text(_) | TMessage::Binary(_))) => {
                    got.push(m.clone());
                    theirs.send(m).unwrap();
                }
                Ok(_) => {}
                Err(tungstenite::Error::ConnectionClosed) => return got,
                Err(e) => panic!("tungstenite server: {e}"),
            }
        }
    });

    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let uri = format!("ws://127.0.0.1:{port}/");
    let mut ours = BlockingWebSocket::connect(&uri, tcp, Config::default()).unwrap();
    let sent = messages();
    for m in &sent {
        ours.send_owned(m.clone()).unwrap();
        let echo = ours.read().unwrap();
        assert!(
            echo == *m,
            "the echo of a {} byte message differs",
            m.as_bytes().len()
        );
    }
    ours.close(wscore::frame::CloseCode::NORMAL, "").unwrap();
    loop {
        match ours.read() {
            Ok(Message::Close(_)) => {}
            Err(e) if e.is_closed() => break,
            Err(e) => panic!("client: {e}"),
            Ok(m) => panic!("after our Close: {m:?}"),
        }
    }
    let got = server.join().unwrap();
    assert_eq!(got.len(), sent.len());
    for (m, g) in sent.iter().zip(&got) {
        assert!(
            same(m, g),
            "tungstenite received a {} byte message wrong",
            m.as_bytes().len()
        );
    }
}
