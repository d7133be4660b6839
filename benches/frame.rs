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
//! Run: `cargo bench -p wscore-benches --bench frame -- --warm-up-time 1 --measurement-time 2`.

mod common;

use std::cell::RefCell;
use std::hint::black_box;
use std::rc::Rc;

use common::*;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use wscore::frame::Decoder;
use wscore::Role;

fn decode(c: &mut Criterion) {
    let waker = noop_waker();
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
