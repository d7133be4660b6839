//! The frame layer and the opening handshake with stack buffers only: no allocator, no I/O.
//! Everything here works in a `#![no_std]` firmware build; this binary only adds `println!`.
//!
//! ```text
//! cargo run --example no_std_frame --no-default-features
//! ```

use wscore::frame::{CloseCode, CloseFrame, Decoder, FrameHeader, Item, Opcode};
use wscore::handshake::{ClientRequest, Limits, Request, Status, EMPTY_HEADER};
use wscore::mask::apply_mask;
use wscore::Role;

fn main() {
    // --- Opening handshake -----------------------------------------------------------
    // The nonce comes from the device's entropy source (a TRNG peripheral, say).
    let nonce = [
        0x3a, 0x91, 0x07, 0xc4, 0x55, 0x12, 0xe8, 0x6d, 0x20, 0xbf, 0x7e, 0x01, 0x99, 0x44, 0xd3,
        0x68,
    ];
    let client = ClientRequest::new("ws://sensor.local/telemetry", nonce).expect("valid URI");
    let mut request = [0u8; 512];
    let request_len = client.write_to(&mut request).expect("fits");

    let mut headers = [EMPTY_HEADER; 16];
    let Ok(Status::Complete((parsed, used))) =
        Request::parse(&request[..request_len], &mut headers, &Limits::DEFAULT)
    else {
        panic!("the request is complete and valid");
    };
    assert_eq!(used, request_len);
    let mut response = [0u8; 256];
    let response_len = parsed.accept().write_to(&mut response).expect("fits");
    println!(
        "server answered {} bytes for {}",
        response_len,
        parsed.path()
    );

    let mut headers = [EMPTY_HEADER; 16];
    match client.parse_response(&response[..response_len], &mut headers, &Limits::DEFAULT) {
        Ok(Status::Complete((_, len))) => assert_eq!(len, response_len),
        _ => panic!("the server's answer is valid"),
    }

    // --- A masked text frame from the client, decoded in place by the server ------------
    let key = [0x5b, 0x0c, 0xe2, 0x71]; // fresh from the entropy source for every frame
    let text = b"temperature=21.5";
    let mut wire = [0u8; 64];
    let header = FrameHeader::new(Opcode::Text, true, text.len() as u64).with_mask(key);
    let head_len = header.encode(&mut wire).expect("fits");
    wire[head_len..head_len + text.len()].copy_from_slice(text);
    apply_mask(&mut wire[head_len..head_len + text.len()], key, 0);
    let frame_len = head_len + text.len();

    let mut decoder = Decoder::new(Role::Server).with_max_payload(1024);
    let mut input = &mut wire[..frame_len];
    while !input.is_empty() {
        let (item, rest) = decoder.decode(input).expect("valid frame");
        match item {
            Item::Header(h) => println!("frame: {} fin={} len={}", h.opcode, h.fin, h.payload_len),
            Item::Payload { data, last } => {
                let text = core::str::from_utf8(data).expect("UTF-8");
                println!("payload: {text:?} (last piece: {last})");
            }
            Item::NeedMore => break,
        }
        input = rest;
    }

    // --- The server closes -------------------------------------------------------------
    let mut close_payload = [0u8; 125];
    let n = CloseFrame {
        code: CloseCode::NORMAL,
        reason: "bye",
    }
    .encode(&mut close_payload)
    .expect("valid close");
    let mut out = [0u8; 2 + 125];
    let head = FrameHeader::new(Opcode::Close, true, n as u64).to_bytes();
    out[..head.len()].copy_from_slice(&head);
    out[head.len()..head.len() + n].copy_from_slice(&close_payload[..n]);
    println!("close frame: {:02x?}", &out[..head.len() + n]);
}
