//! Frame decoding and encoding: wscore next to tungstenite, fastwebsockets, websocket-sans-io
//! and embedded-websocket, each through its lowest public byte-level API (docs/performance.md
//! says how each one is driven).
//!
//! Decoding: a buffer of back-to-back masked client frames (binary, FIN, a different key per
//! frame) is decoded by a server: header parse, per-frame checks, unmasking. Decoding unmasks
//! in place for the in-place decoders, so every contestant's timed iteration starts by copying
//! the pristine wire bytes into its input buffer (one `copy_from_slice` of the whole wire, the
//! same for everyone; the `copy-only` row measures that copy alone).
//!
//! Encoding: the same number of frames, each written (header + payload, masked for the client
//! role) to the start of one reused output buffer, shared by all contestants, from one shared
//! source buffer.
//!
//! Every contestant is checked once, outside the timed loops, against the expected payloads.
//!
//! Run: `cargo bench --bench frame -- --warm-up-time 1 --measurement-time 2`.

use std::cell::RefCell;
use std::hint::black_box;
use std::io::{self, Read, Write};
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use wscore::frame::{encode_frame, Decoder, Header, Item, Opcode};
use wscore::Role;

/// Payload size, label, frames per iteration (about 64 KiB of wire, at least 4 frames).
const SIZES: [(usize, &str, usize); 5] = [
    (0, "0B", 4096),
    (16, "16B", 2048),
    (125, "125B", 512),
    (1024, "1KiB", 64),
    (64 * 1024, "64KiB", 4),
];

const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// The masking key of frame `i`.
fn key_of(i: usize) -> [u8; 4] {
    let k = u32::from_le_bytes(KEY).wrapping_mul(i as u32 * 2 + 1);
    k.to_le_bytes()
}

fn payload_of(i: usize, len: usize) -> Vec<u8> {
    (0..len).map(|j| (i * 7 + j * 13) as u8).collect()
}

/// The wire bytes of `frames` masked binary frames of `len` bytes, built by hand (not with
/// the crate under test), and the concatenated plaintext payloads.
fn client_wire(len: usize, frames: usize) -> (Vec<u8>, Vec<u8>) {
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
struct Mem {
    data: Vec<u8>,
    pos: usize,
}

impl Mem {
    fn new(wire: &[u8]) -> Mem {
        Mem {
            data: wire.to_vec(),
            pos: 0,
        }
    }

    /// The per-iteration restore: the same copy every contestant makes.
    fn restore(&mut self, wire: &[u8]) {
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
struct AsyncMem(Rc<RefCell<Mem>>);

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

struct NoopWake;

impl Wake for NoopWake {
    fn wake(self: Arc<Self>) {}
}

/// Polls a future over the in-memory stream once; it never has to wait.
fn ready<F: std::future::Future>(waker: &Waker, fut: F) -> F::Output {
    let mut fut = pin!(fut);
    match fut.as_mut().poll(&mut Context::from_waker(waker)) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("an in-memory stream never blocks"),
    }
}

// ---------------------------------------------------------------------------------------
// Decoders. Each decodes `frames` frames from its restored input, hands every payload chunk
// to `sink`, and returns the number of frames.

fn wscore_decode(dec: &mut Decoder, wire: &mut [u8], sink: &mut impl FnMut(&[u8])) -> usize {
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

fn tungstenite_decode(
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

fn tungstenite_frames_decode(
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

fn fastwebsockets_decode(
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

fn sans_io_decode(
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

fn embedded_decode(
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
fn check(name: &str, frames: usize, expected_frames: usize, got: &[u8], expected: &[u8]) {
    assert_eq!(frames, expected_frames, "{name}: frame count");
    assert!(got == expected, "{name}: payload bytes differ");
}

fn decode(c: &mut Criterion) {
    let waker = Waker::from(Arc::new(NoopWake));
    for (len, label, frames) in SIZES {
        let (wire, plain) = client_wire(len, frames);
        let mut group = c.benchmark_group("decode");
        group.throughput(if len == 0 {
            Throughput::Elements(frames as u64)
        } else {
            Throughput::Bytes((len * frames) as u64)
        });

        // One input buffer for every contestant that reads from a caller's buffer, so that
        // buffer placement (which moves memcpy and split-load costs) is the same for all.
        let mut buf = wire.clone();

        // wscore: in place.
        let mut dec = Decoder::new(Role::Server);
        let mut got = Vec::new();
        let n = wscore_decode(&mut dec, &mut buf, &mut |p| got.extend_from_slice(p));
        check("wscore", n, frames, &got, &plain);
        group.bench_function(BenchmarkId::new(label, "wscore"), |b| {
            b.iter(|| {
                buf.copy_from_slice(&wire);
                wscore_decode(&mut dec, black_box(&mut buf), &mut |p| {
                    black_box(p);
                })
            })
        });

        // tungstenite: the full read path (the only public one that unmasks).
        let mut mem = Mem::new(&wire);
        let mut ctx =
            tungstenite::protocol::WebSocketContext::new(tungstenite::protocol::Role::Server, None);
        let mut got = Vec::new();
        let n = tungstenite_decode(&mut ctx, &mut mem, frames, &mut |p| {
            got.extend_from_slice(p)
        });
        check("tungstenite", n, frames, &got, &plain);
        group.bench_function(BenchmarkId::new(label, "tungstenite"), |b| {
            b.iter(|| {
                mem.restore(&wire);
                tungstenite_decode(&mut ctx, black_box(&mut mem), frames, &mut |p| {
                    black_box(p);
                })
            })
        });

        // tungstenite's frame layer: parses and splits frames but leaves them masked.
        let mut socket = tungstenite::protocol::frame::FrameSocket::new(Mem::new(&wire));
        let mut got = Vec::new();
        let n = tungstenite_frames_decode(&mut socket, frames, &mut |p| got.extend_from_slice(p));
        let masked: Vec<u8> = (0..frames)
            .flat_map(|i| {
                let key = key_of(i);
                payload_of(i, len)
                    .into_iter()
                    .enumerate()
                    .map(move |(j, b)| b ^ key[j % 4])
            })
            .collect();
        check("tungstenite-nounmask", n, frames, &got, &masked);
        group.bench_function(BenchmarkId::new(label, "tungstenite-nounmask"), |b| {
            b.iter(|| {
                socket.get_mut().restore(&wire);
                tungstenite_frames_decode(black_box(&mut socket), frames, &mut |p| {
                    black_box(p);
                })
            })
        });

        // fastwebsockets: async read_frame over an always-ready in-memory stream.
        let shared = AsyncMem(Rc::new(RefCell::new(Mem::new(&wire))));
        let mut ws = fastwebsockets::WebSocket::after_handshake(
            shared.clone(),
            fastwebsockets::Role::Server,
        );
        let mut got = Vec::new();
        let n = fastwebsockets_decode(&mut ws, &waker, frames, &mut |p| got.extend_from_slice(p));
        check("fastwebsockets", n, frames, &got, &plain);
        group.bench_function(BenchmarkId::new(label, "fastwebsockets"), |b| {
            b.iter(|| {
                shared.0.borrow_mut().restore(&wire);
                fastwebsockets_decode(black_box(&mut ws), &waker, frames, &mut |p| {
                    black_box(p);
                })
            })
        });

        // websocket-sans-io: in place.
        buf.copy_from_slice(&wire);
        let mut dec = websocket_sans_io::WebsocketFrameDecoder::new();
        let mut got = Vec::new();
        let n = sans_io_decode(&mut dec, &mut buf, &mut |p| got.extend_from_slice(p));
        check("websocket-sans-io", n, frames, &got, &plain);
        group.bench_function(BenchmarkId::new(label, "websocket-sans-io"), |b| {
            b.iter(|| {
                buf.copy_from_slice(&wire);
                sans_io_decode(&mut dec, black_box(&mut buf), &mut |p| {
                    black_box(p);
                })
            })
        });

        // embedded-websocket: unmasks from the input into a separate buffer.
        buf.copy_from_slice(&wire);
        let mut to = vec![0u8; len.max(1)];
        let mut ws = embedded_websocket::WebSocketServer::new_server();
        ws.state = embedded_websocket::WebSocketState::Open;
        let mut got = Vec::new();
        let n = embedded_decode(&mut ws, &buf, &mut to, &mut |p| got.extend_from_slice(p));
        check("embedded-websocket", n, frames, &got, &plain);
        group.bench_function(BenchmarkId::new(label, "embedded-websocket"), |b| {
            b.iter(|| {
                buf.copy_from_slice(&wire);
                embedded_decode(&mut ws, black_box(&buf), &mut to, &mut |p| {
                    black_box(p);
                })
            })
        });

        // The restore copy alone, which every row above includes.
        group.bench_function(BenchmarkId::new(label, "copy-only"), |b| {
            b.iter(|| {
                buf.copy_from_slice(&wire);
                black_box(&mut buf);
            })
        });
        group.finish();
    }
}

// ---------------------------------------------------------------------------------------
// Encoders. Each writes `frames` frames of `payload`, one after another, to the start of
// `out`, and returns the length of the last one.

struct Rng(u32);

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

fn wscore_encode(client: bool, payload: &[u8], out: &mut [u8], frames: usize) -> usize {
    let mut n = 0;
    for i in 0..frames {
        let header = Header::new(Opcode::Binary, true, 0);
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

fn tungstenite_encode(
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

fn fastwebsockets_encode(
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

fn sans_io_encode(client: bool, payload: &[u8], out: &mut [u8], frames: usize) -> usize {
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

fn embedded_encode<T: rand_core::RngCore, S: embedded_websocket::WebSocketType>(
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
fn check_encoded(name: &str, client: bool, frame: &[u8], payload: &[u8]) {
    let role = if client { Role::Server } else { Role::Client };
    let mut wire = frame.to_vec();
    let mut dec = Decoder::new(role);
    let mut got = Vec::new();
    let n = wscore_decode(&mut dec, &mut wire, &mut |p| got.extend_from_slice(p));
    assert_eq!(n, 1, "{name}: one frame");
    assert!(got == payload, "{name}: payload differs");
}

fn encode(c: &mut Criterion) {
    for (role, client) in [("server", false), ("client", true)] {
        for (len, label, frames) in SIZES {
            let payload = payload_of(1, len);

            // Checked once each, on fresh buffers.
            let mut out = vec![0u8; len + 16];
            let n = wscore_encode(client, &payload, &mut out, 1);
            check_encoded("wscore", client, &out[..n], &payload);
            let bytes = tungstenite::Bytes::from(payload.clone());
            let n = tungstenite_encode(client, &bytes, &mut out, 1);
            check_encoded("tungstenite", client, &out[..n], &payload);
            let mut out_vec = vec![0u8; len + 16];
            let n = fastwebsockets_encode(client, &mut payload.clone(), &mut out_vec, 1);
            check_encoded("fastwebsockets", client, &out_vec[..n], &payload);
            let n = sans_io_encode(client, &payload, &mut out, 1);
            check_encoded("websocket-sans-io", client, &out[..n], &payload);
            let mut server = embedded_websocket::WebSocketServer::new_server();
            server.state = embedded_websocket::WebSocketState::Open;
            let mut client_ws = embedded_websocket::WebSocketClient::new_client(Rng(7));
            client_ws.state = embedded_websocket::WebSocketState::Open;
            let n = if client {
                embedded_encode(&mut client_ws, &payload, &mut out, 1)
            } else {
                embedded_encode(&mut server, &payload, &mut out, 1)
            };
            check_encoded("embedded-websocket", client, &out[..n], &payload);

            // Timed: every contestant reads the same source buffer and writes the same output
            // buffer (placement alone moves a 64 KiB memcpy by ~5%). fastwebsockets' client
            // path masks the source in place, so the source alternates between plain and
            // masked bytes, which costs the same. tungstenite needs its own `Bytes`.
            let mut group = c.benchmark_group(format!("encode/{role}"));
            group.throughput(if len == 0 {
                Throughput::Elements(frames as u64)
            } else {
                Throughput::Bytes((len * frames) as u64)
            });
            let mut src = payload.clone();
            group.bench_function(BenchmarkId::new(label, "wscore"), |b| {
                b.iter(|| wscore_encode(client, black_box(&src), &mut out_vec, frames))
            });
            group.bench_function(BenchmarkId::new(label, "tungstenite"), |b| {
                b.iter(|| tungstenite_encode(client, black_box(&bytes), &mut out_vec, frames))
            });
            group.bench_function(BenchmarkId::new(label, "fastwebsockets"), |b| {
                b.iter(|| fastwebsockets_encode(client, black_box(&mut src), &mut out_vec, frames))
            });
            group.bench_function(BenchmarkId::new(label, "websocket-sans-io"), |b| {
                b.iter(|| sans_io_encode(client, black_box(&src), &mut out_vec, frames))
            });
            group.bench_function(BenchmarkId::new(label, "embedded-websocket"), |b| {
                b.iter(|| {
                    if client {
                        embedded_encode(&mut client_ws, black_box(&src), &mut out_vec, frames)
                    } else {
                        embedded_encode(&mut server, black_box(&src), &mut out_vec, frames)
                    }
                })
            });
            group.finish();
        }
    }
}

criterion_group!(benches, decode, encode);
criterion_main!(benches);
