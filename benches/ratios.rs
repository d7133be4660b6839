//! Noise-robust ratios for a shared machine: the same contestants as `mask.rs` and
//! `frame.rs`, run round-robin (every contestant once per round, many rounds) and reduced to
//! the minimum time per call, so a burst of load from other processes hits all contestants
//! alike and drops out of the minimum. Prints Markdown tables: nanoseconds per call (masking)
//! or per frame (decode, encode) and wscore's ratio to each peer (> 1: wscore is faster).
//!
//! Run: `cargo bench -p wscore-benches --bench ratios` (about a minute; `WSCORE_ROUNDS=N` changes the
//! default of 60 rounds). criterion's tables in docs/performance.md come from `mask.rs` and
//! `frame.rs`; this is the cross-check.

mod common;

use std::cell::RefCell;
use std::hint::black_box;
use std::rc::Rc;
use std::time::Instant;

use common::*;
use wscore::frame::Decoder;
use wscore::Role;

/// Nanoseconds per call of `f`, over `reps` calls, after one untimed call (so that every
/// contestant starts with its buffers in cache, whoever ran before it).
fn time<F: FnMut()>(reps: usize, mut f: F) -> f64 {
    f();
    let start = Instant::now();
    for _ in 0..reps {
        f();
    }
    start.elapsed().as_secs_f64() * 1e9 / reps as f64
}

/// Runs contestant `0..n` in turn, `rounds` times, and keeps each one's minimum.
fn interleave(n: usize, rounds: usize, mut run: impl FnMut(usize) -> f64) -> Vec<f64> {
    let mut best = vec![f64::INFINITY; n];
    for _ in 0..rounds {
        for (i, b) in best.iter_mut().enumerate() {
            *b = b.min(run(i));
        }
    }
    best
}

fn table_head(title: &str, unit: &str, names: &[&str]) {
    println!("\n#### {title} ({unit}, minimum over rounds)\n");
    let mut head = vec!["size".to_string()];
    head.extend(names.iter().map(|n| n.to_string()));
    head.extend(names[1..].iter().map(|n| format!("wscore ÷ {n}")));
    println!("| {} |", head.join(" | "));
    println!("|{}", "---|".repeat(head.len()));
}

fn table_row(label: &str, per: f64, best: &[f64]) {
    let mut cells = vec![label.to_string()];
    cells.extend(best.iter().map(|t| format!("{:.2}", t / per)));
    cells.extend(best[1..].iter().map(|t| format!("{:.2}x", t / best[0])));
    println!("| {} |", cells.join(" | "));
}

fn mask(rounds: usize) {
    let names = ["wscore", "fastwebsockets", "websocket-sans-io", "memcpy"];
    for (offset, align) in [(0, "aligned"), (1, "offset 1")] {
        table_head(&format!("mask, {align}"), "ns per call", &names);
        for (len, label) in [
            (16, "16B"),
            (125, "125B"),
            (1024, "1KiB"),
            (64 * 1024, "64KiB"),
            (1024 * 1024, "1MiB"),
        ] {
            let mut buf = Placed::new(len, offset);
            let mut src = Placed::new(len, offset);
            let reps = ((1 << 20) / (len + 64)).max(1);
            let best = interleave(names.len(), rounds, |i| match i {
                0 => time(reps, || {
                    black_box(wscore::mask::apply_mask(
                        black_box(buf.get()),
                        black_box(KEY),
                        0,
                    ));
                }),
                1 => time(reps, || {
                    fastwebsockets::unmask(black_box(buf.get()), black_box(KEY));
                }),
                2 => time(reps, || {
                    websocket_sans_io::apply_mask(black_box(KEY), black_box(buf.get()), 0);
                }),
                _ => time(reps, || {
                    black_box(buf.get()).copy_from_slice(black_box(src.get()));
                }),
            });
            table_row(label, 1.0, &best);
        }
    }
}

fn decode(rounds: usize) {
    let names = [
        "wscore",
        "tungstenite",
        "tungstenite-nounmask",
        "fastwebsockets",
        "websocket-sans-io",
        "embedded-websocket",
        "copy-only",
    ];
    table_head("decode", "ns per frame, restore copy included", &names);
    let waker = noop_waker();
    for (len, label, frames) in SIZES {
        let (wire, _) = client_wire(len, frames);
        let mut buf = wire.clone();
        let mut dec = Decoder::new(Role::Server);
        let mut mem = Mem::new(&wire);
        let mut ctx =
            tungstenite::protocol::WebSocketContext::new(tungstenite::protocol::Role::Server, None);
        let mut socket = tungstenite::protocol::frame::FrameSocket::new(Mem::new(&wire));
        let shared = AsyncMem(Rc::new(RefCell::new(Mem::new(&wire))));
        let mut ws = fastwebsockets::WebSocket::after_handshake(
            shared.clone(),
            fastwebsockets::Role::Server,
        );
        let mut sans_io = websocket_sans_io::WebsocketFrameDecoder::new();
        let mut embedded = embedded_websocket::WebSocketServer::new_server();
        embedded.state = embedded_websocket::WebSocketState::Open;
        let mut to = vec![0u8; len.max(1)];
        let sink = &mut |p: &[u8]| {
            black_box(p);
        };
        let mut run = |i: usize| -> usize {
            match i {
                0 => {
                    buf.copy_from_slice(&wire);
                    wscore_decode(&mut dec, black_box(&mut buf), sink)
                }
                1 => {
                    mem.restore(&wire);
                    tungstenite_decode(&mut ctx, black_box(&mut mem), frames, sink)
                }
                2 => {
                    socket.get_mut().restore(&wire);
                    tungstenite_frames_decode(black_box(&mut socket), frames, sink)
                }
                3 => {
                    shared.0.borrow_mut().restore(&wire);
                    fastwebsockets_decode(black_box(&mut ws), &waker, frames, sink)
                }
                4 => {
                    buf.copy_from_slice(&wire);
                    sans_io_decode(&mut sans_io, black_box(&mut buf), sink)
                }
                5 => {
                    buf.copy_from_slice(&wire);
                    embedded_decode(&mut embedded, black_box(&buf), &mut to, sink)
                }
                _ => {
                    buf.copy_from_slice(&wire);
                    black_box(&mut buf);
                    frames
                }
            }
        };
        for (i, name) in names.iter().enumerate() {
            assert_eq!(run(i), frames, "{name}");
        }
        let best = interleave(names.len(), rounds, |i| {
            time(2, || {
                black_box(run(i));
            })
        });
        table_row(label, frames as f64, &best);
    }
}

fn encode(rounds: usize) {
    let names = [
        "wscore",
        "tungstenite",
        "fastwebsockets",
        "websocket-sans-io",
        "embedded-websocket",
    ];
    for (role, client) in [("server", false), ("client", true)] {
        table_head(&format!("encode, {role}"), "ns per frame", &names);
        for (len, label, frames) in SIZES {
            let mut src = payload_of(1, len);
            let bytes = tungstenite::Bytes::from(src.clone());
            let mut out = vec![0u8; len + 16];
            let mut server = embedded_websocket::WebSocketServer::new_server();
            server.state = embedded_websocket::WebSocketState::Open;
            let mut client_ws = embedded_websocket::WebSocketClient::new_client(Rng(7));
            client_ws.state = embedded_websocket::WebSocketState::Open;
            let best = interleave(names.len(), rounds, |i| {
                time(2, || {
                    black_box(match i {
                        0 => wscore_encode(client, black_box(&src), &mut out, frames),
                        1 => tungstenite_encode(client, black_box(&bytes), &mut out, frames),
                        2 => fastwebsockets_encode(client, black_box(&mut src), &mut out, frames),
                        3 => sans_io_encode(client, black_box(&src), &mut out, frames),
                        _ if client => {
                            embedded_encode(&mut client_ws, black_box(&src), &mut out, frames)
                        }
                        _ => embedded_encode(&mut server, black_box(&src), &mut out, frames),
                    });
                })
            });
            table_row(label, frames as f64, &best);
        }
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` would pass nothing: run only
    // under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rounds = std::env::var("WSCORE_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(60);
    mask(rounds);
    decode(rounds);
    encode(rounds);
}
