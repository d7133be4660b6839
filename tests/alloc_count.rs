#![cfg(feature = "std")]
//! Proves the steady-state receive and send paths allocate nothing per message, with a
//! counting global allocator.
//!
//! The allocator counts `alloc`, `alloc_zeroed` and `realloc` calls, but only on a thread
//! that switched counting on (a `const` thread-local flag, which itself never allocates), so
//! the test harness's other threads cannot disturb the counts. All assertions also live in a
//! single `#[test]`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use wscore::frame::{encode_frame, FrameHeader, Opcode};
use wscore::{Config, Connection, DataKind, Entropy, EntropyError, Event, MessageAssembler, Role};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

fn note() {
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator; the wrapper only
// increments a counter.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by `f` on this thread.
fn allocations_in<R>(f: impl FnOnce() -> R) -> (usize, R) {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    COUNTING.with(|c| c.set(true));
    let result = f();
    COUNTING.with(|c| c.set(false));
    (ALLOCATIONS.load(Ordering::Relaxed) - before, result)
}

const NOW: Duration = Duration::ZERO;
const MESSAGES: usize = 1000;

/// A xorshift key source (allocation-free).
struct Xorshift(u64);

impl Entropy for Xorshift {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), EntropyError> {
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
    Xorshift(0x1234_5678_9abc_def1_u64)
}

/// Either role, one type.
type Conn = Connection<Vec<u8>, Xorshift>;

/// `count` masked client frames carrying messages of `len` bytes, each split into frames of
/// at most `fragment` bytes. Message `m` is filled with the byte `m`.
fn client_wire(count: usize, len: usize, fragment: usize) -> Vec<u8> {
    let mut wire = Vec::new();
    let mut frame = vec![0u8; fragment + 14];
    for m in 0..count {
        let payload = vec![m as u8; len];
        let pieces: Vec<&[u8]> = payload.chunks(fragment).collect();
        for (i, piece) in pieces.iter().enumerate() {
            let opcode = if i == 0 {
                Opcode::Binary
            } else {
                Opcode::Continuation
            };
            let key = [m as u8 ^ 0x5a, i as u8 ^ 0xa5, 0x3c, 0xc3];
            let header = FrameHeader::new(opcode, i + 1 == pieces.len(), 0).with_mask(key);
            let n = encode_frame(header, piece, &mut frame).unwrap();
            wire.extend_from_slice(&frame[..n]);
        }
    }
    wire
}

/// Receives `wire` through the chunk API; returns (complete messages, payload bytes) and
/// checks every byte against the message's fill byte.
fn receive_chunks(conn: &mut Conn, wire: &mut [u8]) -> (usize, usize) {
    let (mut messages, mut bytes) = (0, 0);
    let mut input = wire;
    while let Some((event, rest)) = conn.receive(NOW, input).unwrap() {
        let Event::Data(data) = event else {
            panic!("unexpected event")
        };
        assert_eq!(data.kind, DataKind::Binary);
        assert!(data.payload.iter().all(|&b| b == messages as u8));
        bytes += data.payload.len();
        messages += usize::from(data.last);
        input = rest;
    }
    (messages, bytes)
}

/// Receives `wire` through the chunk API and a `MessageAssembler`; returns (messages, bytes).
fn receive_messages(
    conn: &mut Conn,
    assembler: &mut MessageAssembler,
    wire: &mut [u8],
) -> (usize, usize) {
    let (mut messages, mut bytes) = (0, 0);
    let mut input = wire;
    while let Some((event, rest)) = conn.receive(NOW, input).unwrap() {
        let Event::Data(data) = event else {
            panic!("unexpected event")
        };
        if let Some(message) = assembler.push(data).unwrap() {
            assert!(message.as_bytes().iter().all(|&b| b == messages as u8));
            bytes += message.as_bytes().len();
            messages += 1;
        }
        input = rest;
    }
    (messages, bytes)
}

/// Sends `count` messages of `payload`, then drains the queue with `transmit` /
/// `advance_transmit` into `sink`.
fn send_and_drain(conn: &mut Conn, payload: &[u8], count: usize, sink: &mut Vec<u8>) {
    sink.clear();
    for _ in 0..count {
        conn.send_binary(payload).unwrap();
    }
    while let Some(t) = conn.transmit() {
        sink.extend_from_slice(t.header);
        sink.extend_from_slice(t.payload);
        let n = t.len();
        conn.advance_transmit(n);
    }
    assert!(!conn.has_pending_output());
}

/// Writes exactly `n` bytes of queued output (across frames).
fn write_exactly(conn: &mut Conn, mut n: usize) {
    while n > 0 {
        let t = conn.transmit().expect("enough output queued");
        let k = t.len().min(n);
        conn.advance_transmit(k);
        n -= k;
    }
}

#[test]
fn steady_state_paths_do_not_allocate_per_message() {
    // The counter really counts: a sanity check of the instrument itself.
    let (n, v) = allocations_in(|| vec![1u8; 10]);
    assert_eq!(n, 1);
    drop(v);

    // --- Receive, chunk API: 1,000 masked 16-byte messages, zero allocations. ---------------
    let pristine = client_wire(MESSAGES, 16, 16);
    let mut wire = pristine.clone();
    let mut server = Connection::new(Role::Server, Config::default(), Vec::new(), entropy(), NOW);
    assert_eq!(
        receive_chunks(&mut server, &mut wire),
        (MESSAGES, MESSAGES * 16)
    ); // warm-up
    wire.copy_from_slice(&pristine);
    let (allocs, seen) = allocations_in(|| receive_chunks(&mut server, &mut wire));
    assert_eq!(seen, (MESSAGES, MESSAGES * 16));
    assert_eq!(
        allocs, 0,
        "chunk-API receive of {MESSAGES} x 16 B allocated"
    );

    // The same holds byte by byte (every header split across calls) ...
    wire.copy_from_slice(&pristine);
    let (allocs, messages) = allocations_in(|| {
        let mut messages = 0;
        for byte in wire.chunks_mut(1) {
            let mut input = byte;
            while let Some((event, rest)) = server.receive(NOW, input).unwrap() {
                if let Event::Data(data) = event {
                    messages += usize::from(data.last);
                }
                input = rest;
            }
        }
        messages
    });
    assert_eq!(messages, MESSAGES);
    assert_eq!(allocs, 0, "byte-by-byte receive allocated");

    // ... and for a connection that was never warmed up: receiving allocates nothing at all.
    let mut cold = Connection::new(Role::Server, Config::default(), Vec::new(), entropy(), NOW);
    wire.copy_from_slice(&pristine);
    let (allocs, seen) = allocations_in(|| receive_chunks(&mut cold, &mut wire));
    assert_eq!(seen, (MESSAGES, MESSAGES * 16));
    assert_eq!(allocs, 0, "cold chunk-API receive allocated");

    // --- Receive, whole-message API on single-frame messages: zero-copy, zero allocations. --
    let mut assembler = MessageAssembler::new();
    wire.copy_from_slice(&pristine);
    let (allocs, seen) =
        allocations_in(|| receive_messages(&mut server, &mut assembler, &mut wire));
    assert_eq!(seen, (MESSAGES, MESSAGES * 16));
    assert_eq!(
        allocs, 0,
        "MessageAssembler on unfragmented messages allocated"
    );

    // --- Receive, whole-message API on fragmented messages: the buffer is reused. ----------
    // 100 messages of 4 KiB in 256-byte fragments. After one warm-up pass the assembler's
    // buffer is big enough and nothing more is allocated.
    let fragmented = client_wire(100, 4096, 256);
    let mut frag_wire = fragmented.clone();
    let mut assembler = MessageAssembler::new();
    let (warm_allocs, seen) =
        allocations_in(|| receive_messages(&mut server, &mut assembler, &mut frag_wire));
    assert_eq!(seen, (100, 100 * 4096));
    assert!(
        (1..=16).contains(&warm_allocs),
        "warm-up should only grow the assembler buffer a few times, got {warm_allocs}"
    );
    println!("assembler warm-up (100 x 4 KiB in 256 B fragments): {warm_allocs} allocations");
    frag_wire.copy_from_slice(&fragmented);
    let (allocs, seen) =
        allocations_in(|| receive_messages(&mut server, &mut assembler, &mut frag_wire));
    assert_eq!(seen, (100, 100 * 4096));
    assert_eq!(
        allocs, 0,
        "MessageAssembler on fragmented messages allocated after warm-up"
    );

    // --- Send: N small messages queued and drained, zero allocations once warm. -------------
    let payload = [0xabu8; 16];
    let mut sink = Vec::with_capacity(MESSAGES * 64);
    for (role, mut conn) in [
        (
            "server",
            Connection::new(Role::Server, Config::default(), Vec::new(), entropy(), NOW),
        ),
        (
            "client",
            Connection::client(Config::default(), entropy(), NOW),
        ),
    ] {
        let header_len = if role == "client" { 6 } else { 2 };
        // The first round grows the queue's payload buffer and frame deque ...
        let (warm_allocs, ()) =
            allocations_in(|| send_and_drain(&mut conn, &payload, MESSAGES, &mut sink));
        assert!(
            warm_allocs > 0,
            "{role}: the first round must size the queue"
        );
        println!("{role} send warm-up ({MESSAGES} x 16 B): {warm_allocs} allocations");
        assert_eq!(sink.len(), MESSAGES * (header_len + 16));
        // ... after which rounds of the same shape reuse them.
        for round in 0..3 {
            let (allocs, ()) =
                allocations_in(|| send_and_drain(&mut conn, &payload, MESSAGES, &mut sink));
            assert_eq!(allocs, 0, "{role}: send round {round} allocated");
            assert_eq!(sink.len(), MESSAGES * (header_len + 16));
        }
        // Steady ping-pong use (send one, drain one) allocates nothing either.
        let (allocs, ()) = allocations_in(|| {
            for _ in 0..MESSAGES {
                send_and_drain(&mut conn, &payload, 1, &mut sink);
            }
        });
        assert_eq!(allocs, 0, "{role}: send-one/drain-one allocated");
        // A consumer that never quite catches up (one frame always half written, so the
        // queue never empties) is served from the same memory: the sent prefix is reclaimed
        // instead of the buffer growing.
        let big = [0x5au8; 1000];
        let frame_len = header_len + 2 + big.len(); // 16-bit length form
        conn.send_binary(&big).unwrap();
        write_exactly(&mut conn, frame_len / 2);
        let lagging_round = |conn: &mut Conn| {
            conn.send_binary(&big).unwrap();
            write_exactly(conn, frame_len);
            // Only the unwritten half of the half-written frame is left.
            assert_eq!(conn.queued_bytes(), frame_len - frame_len / 2);
        };
        for _ in 0..1000 {
            lagging_round(&mut conn); // warm-up
        }
        let (allocs, ()) = allocations_in(|| {
            for _ in 0..10_000 {
                lagging_round(&mut conn);
            }
        });
        assert_eq!(allocs, 0, "{role}: lagging consumer made the queue grow");
        send_and_drain(&mut conn, &payload, 1, &mut sink);
        sink.clear();
        send_and_drain(&mut conn, &payload, 1, &mut sink);
        // Check the server's frames on the wire: FIN + binary, 16-byte length, payload.
        if role == "server" {
            assert_eq!(&sink[..2], &[0x82, 16]);
            assert_eq!(&sink[2..], &payload);
        }
    }
}
