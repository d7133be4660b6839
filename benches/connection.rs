//! Connection-level benchmarks: `wscore` against `tungstenite`, doing the same work in the
//! same run.
//!
//! Receive path: a server receives masked client frames.
//!
//! - `wscore/chunk`: [`Connection::receive`] over a 128 KiB read buffer; every [`Data`] piece
//!   is consumed where it lies in the buffer.
//! - `wscore/message`: the same plus [`MessageAssembler`], which hands out whole messages
//!   (borrowed when a message arrived in one piece, collected into a reused buffer
//!   otherwise).
//! - `tungstenite`: `WebSocket::from_raw_socket(stream, Role::Server, Some(config))` over an
//!   in-memory stream whose reads come from a `Cursor<Vec<u8>>` holding the wire bytes;
//!   `WebSocket::read` is called once per expected message.
//!
//! Both sides pay exactly one copy of the wire bytes per iteration, standing in for the
//! socket read: `wscore` copies each 128 KiB slice of the pristine wire image into its read
//! buffer inside the timed loop (it unmasks in place, so the input must be restored anyway);
//! tungstenite copies from the cursor into its own read buffer (it unmasks there and never
//! modifies the cursor's bytes, so only the cursor's position is reset).
//!
//! Send path: queue N binary messages, then write everything into a `Vec<u8>` sink that is
//! cleared (capacity kept) every iteration.
//!
//! - `wscore`: `send_binary` N times, then `transmit` + `advance_transmit` until empty,
//!   appending header and payload slices to the sink.
//! - `tungstenite`: `write(Message::Binary(bytes.clone()))` N times (a cheap clone of a
//!   prepared `Bytes`, so no allocation is charged to it for building the message), then
//!   `flush`, over the same in-memory stream type whose writes append to the sink.
//!
//! Before timing, each contestant runs once and its output is checked (received payloads
//! against the expected ones; sent bytes decoded by the *other* library), so no benchmark can
//! silently measure nothing.
//!
//! Run: `cargo bench -p wscore-benches --bench connection -- --warm-up-time 1 --measurement-time 3`. On a shared,
//! noisy machine `CONNBENCH_MIN_OF=3000 cargo bench -p wscore-benches --bench connection` instead reports the
//! fastest of N iterations of the same contestants (see `docs/performance-connection.md`).

use std::hint::black_box;
use std::io::{self, Cursor, Read, Write};
use std::time::{Duration, Instant};

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use tungstenite::protocol::{Role as TRole, WebSocket, WebSocketConfig};
use tungstenite::{Bytes, Message as TMessage};
use wscore::frame::{encode_frame, FrameHeader, Opcode};
use wscore::{Config, Connection, DataKind, Event, MessageAssembler};

const NOW: Duration = Duration::ZERO;
/// The read size of the `wscore` adapter loop; tungstenite's default read buffer is the same.
const READ_CHUNK: usize = 128 * 1024;
const LIMIT: usize = 64 << 20;

/// A batch of binary messages of one size, each sent as fragments of at most `fragment`
/// bytes.
#[derive(Clone, Copy)]
struct Workload {
    name: &'static str,
    messages: usize,
    len: usize,
    fragment: usize,
}

const RECEIVE: [Workload; 3] = [
    Workload {
        name: "1000x16B",
        messages: 1000,
        len: 16,
        fragment: 16,
    },
    Workload {
        name: "64KiB",
        messages: 1,
        len: 64 << 10,
        fragment: 64 << 10,
    },
    Workload {
        name: "16MiB_in_1MiB_fragments",
        messages: 1,
        len: 16 << 20,
        fragment: 1 << 20,
    },
];

const SEND: [Workload; 3] = [
    Workload {
        name: "1000x16B",
        messages: 1000,
        len: 16,
        fragment: 16,
    },
    Workload {
        name: "64KiB",
        messages: 1,
        len: 64 << 10,
        fragment: 64 << 10,
    },
    Workload {
        name: "16MiB",
        messages: 1,
        len: 16 << 20,
        fragment: 1 << 20,
    },
];

impl Workload {
    fn payload(&self, message: usize) -> Vec<u8> {
        (0..self.len)
            .map(|i| (i.wrapping_mul(31) ^ message.wrapping_mul(7)) as u8)
            .collect()
    }

    fn throughput(&self) -> Throughput {
        Throughput::ElementsAndBytes {
            elements: self.messages as u64,
            bytes: (self.messages * self.len) as u64,
        }
    }

    /// The wire image of the batch as a client sends it: masked frames, a fresh key each.
    fn client_wire(&self) -> Vec<u8> {
        let mut wire = Vec::new();
        let mut frame = vec![0u8; self.fragment + 14];
        let mut key_state = 0x9e37_79b9_u32;
        for m in 0..self.messages {
            let payload = self.payload(m);
            let pieces: Vec<&[u8]> = payload.chunks(self.fragment.max(1)).collect();
            for (i, piece) in pieces.iter().enumerate() {
                let opcode = if i == 0 {
                    Opcode::Binary
                } else {
                    Opcode::Continuation
                };
                key_state = key_state
                    .wrapping_mul(1_664_525)
                    .wrapping_add(1_013_904_223);
                let header = FrameHeader::new(opcode, i + 1 == pieces.len(), 0)
                    .with_mask(key_state.to_le_bytes());
                let n = encode_frame(header, piece, &mut frame).expect("frame buffer");
                wire.extend_from_slice(&frame[..n]);
            }
        }
        wire
    }
}

fn wscore_config() -> Config {
    let mut config = Config::default();
    config.max_message_size = LIMIT as u64;
    config.max_queued_bytes = LIMIT;
    config
}

fn tungstenite_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(LIMIT))
        .max_frame_size(Some(LIMIT))
}

/// A xorshift key source.
struct Xorshift(u64);

impl wscore::Entropy for Xorshift {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), wscore::EntropyError> {
        for b in buf {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            *b = self.0 as u8;
        }
        Ok(())
    }
}

fn entropy() -> Xorshift {
    Xorshift(0x2545_f491_4f6c_dd1d_u64)
}

/// Either role, one type.
type Conn = Connection<Vec<u8>, Xorshift>;

fn wscore_conn(client: bool) -> Conn {
    let role = if client {
        wscore::Role::Client
    } else {
        wscore::Role::Server
    };
    Connection::new(role, wscore_config(), Vec::new(), entropy(), NOW)
}

/// An in-memory transport for tungstenite: reads from a cursor, writes append to a vector.
struct MemStream {
    input: Cursor<Vec<u8>>,
    output: Vec<u8>,
}

impl Read for MemStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.input.read(buf)
    }
}

impl Write for MemStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.output.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn tungstenite_socket(role: TRole, input: Vec<u8>) -> WebSocket<MemStream> {
    let stream = MemStream {
        input: Cursor::new(input),
        output: Vec::new(),
    };
    WebSocket::from_raw_socket(stream, role, Some(tungstenite_config()))
}

// ---------------------------------------------------------------------------------------------
// Receive contestants. Each returns the number of complete messages it saw and calls
// `on_message` (whole-message APIs) or `on_piece` (chunk API) with the payload bytes.
// ---------------------------------------------------------------------------------------------

struct WscoreReceiver {
    conn: Conn,
    read_buf: Vec<u8>,
    assembler: MessageAssembler,
}

impl WscoreReceiver {
    fn new() -> WscoreReceiver {
        WscoreReceiver {
            conn: wscore_conn(false),
            read_buf: vec![0; READ_CHUNK],
            assembler: MessageAssembler::new(),
        }
    }

    /// The chunk API: every piece is consumed in place.
    #[inline]
    fn chunks(&mut self, wire: &[u8], mut on_piece: impl FnMut(&[u8], bool)) -> usize {
        let mut messages = 0;
        for read in wire.chunks(READ_CHUNK) {
            let buf = &mut self.read_buf[..read.len()];
            buf.copy_from_slice(read); // the "socket read"
            let mut input = buf;
            while let Some((event, rest)) = self.conn.receive(NOW, input).expect("receive") {
                let Event::Data(data) = event else {
                    panic!("unexpected event")
                };
                on_piece(data.payload, data.last);
                messages += usize::from(data.last);
                input = rest;
            }
        }
        messages
    }

    /// The whole-message API: chunk API + `MessageAssembler`.
    #[inline]
    fn messages(&mut self, wire: &[u8], mut on_message: impl FnMut(&[u8])) -> usize {
        let mut messages = 0;
        for read in wire.chunks(READ_CHUNK) {
            let buf = &mut self.read_buf[..read.len()];
            buf.copy_from_slice(read); // the "socket read"
            let mut input = buf;
            while let Some((event, rest)) = self.conn.receive(NOW, input).expect("receive") {
                let Event::Data(data) = event else {
                    panic!("unexpected event")
                };
                if let Some(message) = self.assembler.push(data).expect("assemble") {
                    on_message(message.as_bytes());
                    messages += 1;
                }
                input = rest;
            }
        }
        messages
    }
}

struct TungsteniteReceiver {
    ws: WebSocket<MemStream>,
}

impl TungsteniteReceiver {
    fn new(wire: &[u8]) -> TungsteniteReceiver {
        TungsteniteReceiver {
            ws: tungstenite_socket(TRole::Server, wire.to_vec()),
        }
    }

    #[inline]
    fn messages(&mut self, count: usize, mut on_message: impl FnMut(&[u8])) -> usize {
        self.ws.get_mut().input.set_position(0);
        for _ in 0..count {
            match self.ws.read().expect("tungstenite read") {
                TMessage::Binary(bytes) => on_message(&bytes),
                other => panic!("unexpected message {other:?}"),
            }
        }
        assert_eq!(
            self.ws.get_ref().input.position(),
            self.ws.get_ref().input.get_ref().len() as u64
        );
        count
    }
}

fn check_received(work: &Workload, got: &[Vec<u8>], who: &str) {
    assert_eq!(got.len(), work.messages, "{who}: message count");
    for (m, message) in got.iter().enumerate() {
        assert!(*message == work.payload(m), "{who}: payload of message {m}");
    }
}

fn bench_receive(c: &mut Criterion) {
    for work in RECEIVE {
        let wire = work.client_wire();
        let mut group = c.benchmark_group(format!("receive/{}", work.name));
        group.throughput(work.throughput());
        if work.len >= 1 << 20 {
            group.sample_size(10);
        }

        let mut ours = WscoreReceiver::new();
        let mut got: Vec<Vec<u8>> = Vec::new();
        let mut current = Vec::new();
        let n = ours.chunks(&wire, |piece, last| {
            current.extend_from_slice(piece);
            if last {
                got.push(core::mem::take(&mut current));
            }
        });
        assert_eq!(n, work.messages);
        check_received(&work, &got, "wscore/chunk");
        group.bench_function(BenchmarkId::new("wscore", "chunk"), |b| {
            b.iter(|| {
                let mut bytes = 0;
                let n = ours.chunks(&wire, |piece, _| {
                    bytes += black_box(piece).len();
                });
                (n, bytes)
            })
        });

        let mut ours = WscoreReceiver::new();
        let mut got = Vec::new();
        let n = ours.messages(&wire, |message| got.push(message.to_vec()));
        assert_eq!(n, work.messages);
        check_received(&work, &got, "wscore/message");
        group.bench_function(BenchmarkId::new("wscore", "message"), |b| {
            b.iter(|| {
                let mut bytes = 0;
                let n = ours.messages(&wire, |message| {
                    bytes += black_box(message).len();
                });
                (n, bytes)
            })
        });

        let mut theirs = TungsteniteReceiver::new(&wire);
        let mut got = Vec::new();
        theirs.messages(work.messages, |message| got.push(message.to_vec()));
        check_received(&work, &got, "tungstenite");
        group.bench_function(BenchmarkId::new("tungstenite", "message"), |b| {
            b.iter(|| {
                let mut bytes = 0;
                let n = theirs.messages(work.messages, |message| {
                    bytes += black_box(message).len();
                });
                (n, bytes)
            })
        });
        group.finish();
    }
}

// ---------------------------------------------------------------------------------------------
// Send contestants: queue `work.messages` messages, then write everything into `sink`.
// ---------------------------------------------------------------------------------------------

fn wscore_send(conn: &mut Conn, payload: &[u8], messages: usize, sink: &mut Vec<u8>) {
    sink.clear();
    for _ in 0..messages {
        conn.send_binary(payload).expect("send");
    }
    while let Some(t) = conn.transmit() {
        sink.extend_from_slice(t.header);
        sink.extend_from_slice(t.payload);
        let n = t.len();
        conn.advance_transmit(n);
    }
}

fn tungstenite_send(ws: &mut WebSocket<MemStream>, payload: &Bytes, messages: usize) {
    ws.get_mut().output.clear();
    for _ in 0..messages {
        ws.write(TMessage::Binary(payload.clone()))
            .expect("tungstenite write");
    }
    ws.flush().expect("tungstenite flush");
}

/// Decodes `wire` with tungstenite in `role` and checks every message is `payload`.
fn check_with_tungstenite(role: TRole, wire: &[u8], payload: &[u8], messages: usize) {
    let mut ws = tungstenite_socket(role, wire.to_vec());
    for m in 0..messages {
        match ws.read().expect("tungstenite decodes wscore output") {
            TMessage::Binary(bytes) => assert!(bytes == payload, "message {m} differs"),
            other => panic!("unexpected message {other:?}"),
        }
    }
    assert_eq!(ws.get_ref().input.position(), wire.len() as u64);
}

/// Decodes `wire` with a wscore connection (`client`: receiving as a client) and checks every
/// message is `payload`.
fn check_with_wscore(client: bool, wire: &[u8], payload: &[u8], messages: usize) {
    let mut conn = wscore_conn(client);
    let mut buf = wire.to_vec();
    let mut input = &mut buf[..];
    let mut assembler = MessageAssembler::new();
    let mut seen = 0;
    while let Some((event, rest)) = conn.receive(NOW, input).expect("wscore decodes output") {
        let Event::Data(data) = event else {
            panic!("unexpected event")
        };
        assert_eq!(data.kind, DataKind::Binary);
        if let Some(message) = assembler.push(data).expect("assemble") {
            assert!(message.as_bytes() == payload, "message {seen} differs");
            seen += 1;
        }
        input = rest;
    }
    assert_eq!(seen, messages);
}

fn bench_send(c: &mut Criterion) {
    for work in SEND {
        let payload = work.payload(0);
        let bytes = Bytes::from(payload.clone());
        let mut group = c.benchmark_group(format!("send/{}", work.name));
        group.throughput(work.throughput());
        if work.len >= 1 << 20 {
            group.sample_size(10);
        }
        for client in [false, true] {
            let role = if client { "client" } else { "server" };
            let mut conn = wscore_conn(client);
            let mut sink = Vec::new();
            wscore_send(&mut conn, &payload, work.messages, &mut sink);
            let peer = if client { TRole::Server } else { TRole::Client };
            check_with_tungstenite(peer, &sink, &payload, work.messages);
            group.bench_function(BenchmarkId::new("wscore", role), |b| {
                b.iter(|| {
                    wscore_send(&mut conn, &payload, work.messages, &mut sink);
                    sink.len()
                })
            });

            let our_role = if client { TRole::Client } else { TRole::Server };
            let mut ws = tungstenite_socket(our_role, Vec::new());
            tungstenite_send(&mut ws, &bytes, work.messages);
            check_with_wscore(!client, &ws.get_ref().output, &payload, work.messages);
            group.bench_function(BenchmarkId::new("tungstenite", role), |b| {
                b.iter(|| {
                    tungstenite_send(&mut ws, &bytes, work.messages);
                    ws.get_ref().output.len()
                })
            });
        }
        group.finish();
    }
}

// ---------------------------------------------------------------------------------------------
// Noise-robust mode: `CONNBENCH_MIN_OF=N cargo bench -p wscore-benches --bench connection` runs each contestant
// N times (fewer for the big workloads) and reports the fastest iteration, which filters out
// interference from other processes on a shared machine. Same contestants, same work.
// ---------------------------------------------------------------------------------------------

fn min_time(reps: usize, mut f: impl FnMut()) -> Duration {
    (0..reps.max(1))
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn reps_for(work: &Workload, reps: usize) -> usize {
    let bytes = (work.messages * work.len).max(16_000);
    (reps * 16_000 / bytes).max(20)
}

fn min_row(group: &str, contestant: &str, work: &Workload, t: Duration, reference: Duration) {
    let secs = t.as_secs_f64();
    let ratio = if t == reference {
        "—".to_string()
    } else {
        format!("{:.2}x", reference.as_secs_f64() / secs)
    };
    let rate = work.messages as f64 / secs;
    let rate = if rate >= 1e6 {
        format!("{:.2} M/s", rate / 1e6)
    } else if rate >= 1e3 {
        format!("{:.1} k/s", rate / 1e3)
    } else {
        format!("{rate:.0} /s")
    };
    println!(
        "| {group}/{} | {contestant} | {:.2} µs | {rate} | {:.0} MiB/s | {ratio} |",
        work.name,
        secs * 1e6,
        (work.messages * work.len) as f64 / secs / f64::from(1 << 20),
    );
}

fn min_of_runs(reps: usize) {
    println!("| group | contestant | fastest iteration | messages/s | payload | vs tungstenite |");
    println!("|---|---|---:|---:|---:|---:|");
    for work in RECEIVE {
        let wire = work.client_wire();
        let reps = reps_for(&work, reps);
        let mut ours = WscoreReceiver::new();
        let chunk = min_time(reps, || {
            assert_eq!(
                ours.chunks(&wire, |p, _| {
                    black_box(p);
                }),
                work.messages
            );
        });
        let mut ours = WscoreReceiver::new();
        let message = min_time(reps, || {
            assert_eq!(
                ours.messages(&wire, |m| {
                    black_box(m);
                }),
                work.messages
            );
        });
        let mut theirs = TungsteniteReceiver::new(&wire);
        let tung = min_time(reps, || {
            theirs.messages(work.messages, |m| {
                black_box(m);
            });
        });
        min_row("receive", "wscore/chunk", &work, chunk, tung);
        min_row("receive", "wscore/message", &work, message, tung);
        min_row("receive", "tungstenite/message", &work, tung, tung);
    }
    for work in SEND {
        let payload = work.payload(0);
        let bytes = Bytes::from(payload.clone());
        let reps = reps_for(&work, reps);
        for client in [false, true] {
            let role = if client { "client" } else { "server" };
            let mut conn = wscore_conn(client);
            let mut sink = Vec::new();
            let ours = min_time(reps, || {
                wscore_send(&mut conn, &payload, work.messages, &mut sink);
                assert!(sink.len() > work.messages * work.len);
            });
            let our_role = if client { TRole::Client } else { TRole::Server };
            let mut ws = tungstenite_socket(our_role, Vec::new());
            let tung = min_time(reps, || {
                tungstenite_send(&mut ws, &bytes, work.messages);
                assert!(ws.get_ref().output.len() > work.messages * work.len);
            });
            min_row("send", &format!("wscore/{role}"), &work, ours, tung);
            min_row("send", &format!("tungstenite/{role}"), &work, tung, tung);
        }
    }
}

criterion_group!(benches, bench_receive, bench_send);

fn main() {
    if let Ok(reps) = std::env::var("CONNBENCH_MIN_OF") {
        min_of_runs(reps.parse().expect("CONNBENCH_MIN_OF must be a number"));
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
