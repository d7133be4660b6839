//! The contestants shared by `frame.rs` (criterion) and `ratios.rs` (interleaved
//! min-of-N): input builders, in-memory streams, and one decode and one encode function per
//! crate, each through that crate's lowest public byte-level API.
#![allow(dead_code)]

use std::cell::RefCell;
use std::hint::black_box;
use std::io::{self, Read, Write};
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use wscore::frame::{encode_frame, Decoder, FrameHeader, Item, Opcode};
use wscore::Role;

/// Payload size, label, frames per iteration (about 64 KiB of wire, at least 4 frames).
pub const SIZES: [(usize, &str, usize); 5] = [
    (0, "0B", 4096),
    (16, "16B", 2048),
    (125, "125B", 512),
    (1024, "1KiB", 64),
    (64 * 1024, "64KiB", 4),
];

pub const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// The masking key of frame `i`.
pub fn key_of(i: usize) -> [u8; 4] {
    let k = u32::from_le_bytes(KEY).wrapping_mul(i as u32 * 2 + 1);
    k.to_le_bytes()
}

pub fn payload_of(i: usize, len: usize) -> Vec<u8> {
    (0..len).map(|j| (i * 7 + j * 13) as u8).collect()
}

/// The wire bytes of `frames` masked binary frames of `len` bytes, built by hand (not with
/// the crate under test), and the concatenated plaintext payloads.
pub fn client_wire(len: usize, frames: usize) -> (Vec<u8>, Vec<u8>) {
    let mut wire = Vec::new();
    let mut plain = Vec::new();
    for i in 0..frames {
        wire.push(0x82);
        match len {
            0..=125 => wire.push(0x80 | len as u8),
            126..=0xffff => {
                wire.push(0x80 | 126);
                wire.extend_from_slice(&(len as u16).to_be_bytes());
            }
            _ => {
                wire.push(0x80 | 127);
                wire.extend_from_slice(&(len as u64).to_be_bytes());
            }
        }
        let key = key_of(i);
        wire.extend_from_slice(&key);
        let payload = payload_of(i, len);
        wire.extend(payload.iter().enumerate().map(|(j, b)| b ^ key[j % 4]));
        plain.extend_from_slice(&payload);
    }
    (wire, plain)
}

// ---------------------------------------------------------------------------------------
// In-memory streams for the peers that read from a stream.

/// A readable in-memory "socket" holding the wire bytes; writes are accepted and dropped.
pub struct Mem {
    data: Vec<u8>,
    pos: usize,
}

impl Mem {
    pub fn new(wire: &[u8]) -> Mem {
        Mem {
            data: wire.to_vec(),
            pos: 0,
        }
    }

    /// The per-iteration restore: the same copy every contestant makes.
    pub fn restore(&mut self, wire: &[u8]) {
        self.data.copy_from_slice(wire);
        self.pos = 0;
    }

    fn read_into(&mut self, out: &mut [u8]) -> usize {
        let n = out.len().min(self.data.len() - self.pos);
        out[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        n
    }
}

impl Read for Mem {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        Ok(self.read_into(out))
    }
}

impl Write for Mem {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `Mem` shared with the bench loop, as tokio's `AsyncRead`/`AsyncWrite` (always ready), for
/// fastwebsockets, which owns its stream.
#[derive(Clone)]
pub struct AsyncMem(pub Rc<RefCell<Mem>>);

impl tokio::io::AsyncRead for AsyncMem {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let mut mem = self.0.borrow_mut();
        let n = buf.remaining().min(mem.data.len() - mem.pos);
        buf.put_slice(&mem.data[mem.pos..mem.pos + n]);
        mem.pos += n;
        Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncWrite for AsyncMem {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

pub struct NoopWake;

impl Wake for NoopWake {
    fn wake(self: Arc<Self>) {}
}

/// Polls a future over the in-memory stream once; it never has to wait.
pub fn ready<F: std::future::Future>(waker: &Waker, fut: F) -> F::Output {
    let mut fut = pin!(fut);
    match fut.as_mut().poll(&mut Context::from_waker(waker)) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("an in-memory stream never blocks"),
    }
}

// ---------------------------------------------------------------------------------------
// Decoders. Each decodes `frames` frames from its restored input, hands every payload chunk
// to `sink`, and returns the number of frames.

pub fn wscore_decode(dec: &mut Decoder, wire: &mut [u8], sink: &mut impl FnMut(&[u8])) -> usize {
    let mut frames = 0;
    let mut input = wire;
    while !input.is_empty() {
        let (item, rest) = dec.decode(input).expect("valid frames");
        match item {
            Item::Header(_) => frames += 1,
            Item::Payload { data, .. } => sink(data),
            Item::NeedMore => unreachable!("whole frames"),
        }
        input = rest;
    }
    frames
}

pub fn tungstenite_decode(
    ctx: &mut tungstenite::protocol::WebSocketContext,
    mem: &mut Mem,
    frames: usize,
    sink: &mut impl FnMut(&[u8]),
) -> usize {
    for _ in 0..frames {
        match ctx.read(mem).expect("valid frames") {
            tungstenite::Message::Binary(data) => sink(&data),
            other => panic!("unexpected {other:?}"),
        }
    }
    frames
}

pub fn tungstenite_frames_decode(
    socket: &mut tungstenite::protocol::frame::FrameSocket<Mem>,
    frames: usize,
    sink: &mut impl FnMut(&[u8]),
) -> usize {
    for _ in 0..frames {
        let frame = socket.read(None).expect("valid frames").expect("a frame");
        sink(frame.payload());
    }
    frames
}

pub fn fastwebsockets_decode(
    ws: &mut fastwebsockets::WebSocket<AsyncMem>,
    waker: &Waker,
    frames: usize,
    sink: &mut impl FnMut(&[u8]),
) -> usize {
    for _ in 0..frames {
        let frame = ready(waker, ws.read_frame()).expect("valid frames");
        assert!(frame.opcode == fastwebsockets::OpCode::Binary && frame.fin);
        sink(&frame.payload);
    }
    frames
}

pub fn sans_io_decode(
    dec: &mut websocket_sans_io::WebsocketFrameDecoder,
    wire: &mut [u8],
    sink: &mut impl FnMut(&[u8]),
) -> usize {
    use websocket_sans_io::WebsocketFrameEvent;
    let mut frames = 0;
    let mut input = wire;
    loop {
        let result = dec.add_data(input).expect("valid frames");
        let (used, rest) = input.split_at_mut(result.consumed_bytes);
        match result.event {
            Some(WebsocketFrameEvent::Start { frame_info, .. }) => {
                // The checks the crate leaves to its user, as a server makes them (the same
                // rules wscore's Decoder applies itself).
                let len = frame_info.payload_length;
                let ok = frame_info.is_reasonable()
                    && frame_info.mask.is_some()
                    && len <= wscore::frame::DEFAULT_MAX_PAYLOAD
                    && (frame_info.opcode.is_data() || len <= 125);
                assert!(ok, "invalid frame");
            }
            Some(WebsocketFrameEvent::PayloadChunk { .. }) => sink(used),
            Some(WebsocketFrameEvent::End { .. }) => frames += 1,
            None => {}
        }
        input = rest;
        if input.is_empty() && dec.eof_valid() {
            return frames;
        }
    }
}

pub fn embedded_decode(
    ws: &mut embedded_websocket::WebSocketServer,
    wire: &[u8],
    to: &mut [u8],
    sink: &mut impl FnMut(&[u8]),
) -> usize {
    use embedded_websocket::WebSocketReceiveMessageType as Type;
    let mut frames = 0;
    let mut from = wire;
    while !from.is_empty() {
        let result = ws.read(from, to).expect("valid frames");
        assert!(result.message_type == Type::Binary && result.end_of_message);
        sink(&to[..result.len_to]);
        from = &from[result.len_from..];
        frames += 1;
    }
    frames
}

/// Checks that a decoder produced exactly the expected frames and payload bytes.
pub fn check(name: &str, frames: usize, expected_frames: usize, got: &[u8], expected: &[u8]) {
    assert_eq!(frames, expected_frames, "{name}: frame count");
    assert!(got == expected, "{name}: payload bytes differ");
}

// ---------------------------------------------------------------------------------------
// Encoders. Each writes `frames` frames of `payload`, one after another, to the start of
// `out`, and returns the length of the last one.

pub struct Rng(pub u32);

impl rand_core::RngCore for Rng {
    fn next_u32(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        self.0
    }

    fn next_u64(&mut self) -> u64 {
        u64::from(self.next_u32()) << 32 | u64::from(self.next_u32())
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(4) {
            let bytes = self.next_u32().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

pub fn wscore_encode(client: bool, payload: &[u8], out: &mut [u8], frames: usize) -> usize {
    let mut n = 0;
    for i in 0..frames {
        let header = FrameHeader::new(Opcode::Binary, true, 0);
        let header = if client {
            header.with_mask(key_of(i))
        } else {
            header
        };
        n = encode_frame(header, payload, out).expect("room");
        black_box(&out[..n]);
    }
    n
}

pub fn tungstenite_encode(
    client: bool,
    payload: &tungstenite::Bytes,
    out: &mut [u8],
    frames: usize,
) -> usize {
    use tungstenite::protocol::frame::coding::{Data, OpCode};
    let mut n = 0;
    for i in 0..frames {
        let mut frame = tungstenite::protocol::frame::Frame::message(
            payload.clone(),
            OpCode::Data(Data::Binary),
            true,
        );
        if client {
            frame.header_mut().mask = Some(key_of(i));
        }
        let total = out.len();
        let mut w: &mut [u8] = out;
        frame.format(&mut w).expect("room");
        n = total - w.len();
        black_box(&out[..n]);
    }
    n
}

pub fn fastwebsockets_encode(
    client: bool,
    payload: &mut [u8],
    out: &mut Vec<u8>,
    frames: usize,
) -> usize {
    use fastwebsockets::{Frame, OpCode, Payload};
    let mut n = 0;
    for i in 0..frames {
        let n_here = if client {
            // What its client write path does: mask the caller's payload in place, then
            // write header and payload.
            let mut frame = Frame::new(
                true,
                OpCode::Binary,
                Some(key_of(i)),
                Payload::BorrowedMut(payload),
            );
            frame.mask();
            frame.write(out).len()
        } else {
            let mut frame = Frame::new(true, OpCode::Binary, None, Payload::Borrowed(payload));
            frame.write(out).len()
        };
        n = n_here;
        black_box(&out[..n]);
    }
    n
}

pub fn sans_io_encode(client: bool, payload: &[u8], out: &mut [u8], frames: usize) -> usize {
    use websocket_sans_io::{FrameInfo, Opcode, WebsocketFrameEncoder};
    let mut n = 0;
    let mut enc = WebsocketFrameEncoder::new();
    for i in 0..frames {
        let info = FrameInfo {
            opcode: Opcode::Binary,
            payload_length: payload.len() as u64,
            mask: client.then(|| key_of(i)),
            fin: true,
            reserved: 0,
        };
        let head = enc.start_frame(&info);
        let h = head.len();
        out[..h].copy_from_slice(&head);
        let body = &mut out[h..h + payload.len()];
        body.copy_from_slice(payload);
        if enc.transform_needed() {
            enc.transform_frame_payload(body);
        }
        n = h + payload.len();
        black_box(&out[..n]);
    }
    n
}

pub fn embedded_encode<T: rand_core::RngCore, S: embedded_websocket::WebSocketType>(
    ws: &mut embedded_websocket::WebSocket<T, S>,
    payload: &[u8],
    out: &mut [u8],
    frames: usize,
) -> usize {
    use embedded_websocket::WebSocketSendMessageType as Type;
    let mut n = 0;
    for _ in 0..frames {
        n = ws.write(Type::Binary, true, payload, out).expect("room");
        black_box(&out[..n]);
    }
    n
}

/// Checks one encoded frame by decoding it with wscore (the role that receives it).
pub fn check_encoded(name: &str, client: bool, frame: &[u8], payload: &[u8]) {
    let role = if client { Role::Server } else { Role::Client };
    let mut wire = frame.to_vec();
    let mut dec = Decoder::new(role);
    let mut got = Vec::new();
    let n = wscore_decode(&mut dec, &mut wire, &mut |p| got.extend_from_slice(p));
    assert_eq!(n, 1, "{name}: one frame");
    assert!(got == payload, "{name}: payload differs");
}

/// A waker for futures that never wait (the in-memory streams are always ready).
pub fn noop_waker() -> Waker {
    Waker::from(Arc::new(NoopWake))
}

/// A heap buffer with a window of `len` bytes that starts `offset` bytes past a 64-byte
/// boundary (found from the address, so no `unsafe` is needed).
pub struct Placed {
    storage: Vec<u8>,
    start: usize,
    len: usize,
}

impl Placed {
    pub fn new(len: usize, offset: usize) -> Placed {
        let mut storage = vec![0u8; len + 128];
        let addr = storage.as_ptr() as usize;
        let start = (64 - addr % 64) % 64 + offset;
        for (i, b) in storage[start..start + len].iter_mut().enumerate() {
            *b = (i * 131 + 17) as u8;
        }
        Placed {
            storage,
            start,
            len,
        }
    }

    pub fn get(&mut self) -> &mut [u8] {
        &mut self.storage[self.start..self.start + self.len]
    }
}
