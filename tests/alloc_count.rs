#![cfg(feature = "std")]
//! Proves the steady-state receive and send paths allocate nothing per message, with a
//! counting global allocator.
//!
//! The allocator counts `alloc`, `alloc_zeroed` and `realloc` calls, but only on a thread
//! that switched counting on, and per thread (`const` thread-locals, which never allocate),
//! so the test harness's other threads, other tests included, cannot disturb the counts.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::Duration;

use wscore::frame::{encode_frame, FrameHeader, Opcode};
use wscore::{Config, Connection, DataKind, Entropy, EntropyError, Event, MessageAssembler, Role};

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    /// This thread's counted allocations: each test counts its own thread only.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn note() {
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
    }
}

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
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
    let before = allocations();
    COUNTING.with(|c| c.set(true));
    let result = f();
    COUNTING.with(|c| c.set(false));
    (allocations() - before, result)
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

/// Messages echoed before counting, and counted.
#[cfg(any(feature = "tokio", feature = "futures-io", feature = "blocking"))]
const WARM_UP: usize = 50;
#[cfg(any(feature = "tokio", feature = "futures-io", feature = "blocking"))]
const COUNTED: usize = 1000;

/// A plain-socket WebSocket client on another (uncounted) thread: it connects to `port`,
/// sends masked text and binary messages of 16 B to 1 KiB one at a time, and checks every
/// echo.
#[cfg(any(feature = "tokio", feature = "futures-io", feature = "blocking"))]
fn echo_client(port: u16) -> std::thread::JoinHandle<()> {
    use std::io::{Read, Write};
    const SHAPES: [(Opcode, usize); 4] = [
        (Opcode::Text, 16),
        (Opcode::Binary, 16),
        (Opcode::Binary, 1024),
        (Opcode::Text, 700),
    ];
    std::thread::spawn(move || {
        let mut tcp = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        tcp.set_nodelay(true).unwrap();
        let request = wscore::handshake::ClientRequest::new("ws://127.0.0.1/", [3; 16]).unwrap();
        tcp.write_all(&request.to_vec()).unwrap();
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let mut byte = [0u8; 1];
            tcp.read_exact(&mut byte).unwrap();
            head.push(byte[0]);
        }
        assert!(head.starts_with(b"HTTP/1.1 101 "));
        let mut rng = entropy();
        for i in 0..WARM_UP + COUNTED {
            let (opcode, len) = SHAPES[i % SHAPES.len()];
            let payload = vec![b'a' + (i % 26) as u8; len];
            let mut key = [0u8; 4];
            rng.fill(&mut key).unwrap();
            let header = FrameHeader::new(opcode, true, len as u64).with_mask(key);
            let mut frame = vec![0u8; header.encoded_len() + len];
            let n = encode_frame(header, &payload, &mut frame).unwrap();
            tcp.write_all(&frame[..n]).unwrap();
            let header_len = if len < 126 { 2 } else { 4 };
            let mut echo = vec![0u8; header_len + len];
            tcp.read_exact(&mut echo).unwrap();
            assert_eq!(echo[0], 0x80 | opcode as u8, "message {i}");
            assert_eq!(&echo[header_len..], &payload[..], "message {i}");
        }
        tcp.shutdown(std::net::Shutdown::Both).unwrap();
    })
}

/// Echoes [`WARM_UP`] messages, then [`COUNTED`] more with counting on; returns the count.
#[cfg(any(feature = "tokio", feature = "futures-io"))]
async fn echo_counted<W>(ws: &mut W) -> usize
where
    W: futures_util::Stream<Item = Result<wscore::io::Message, wscore::io::Error>>
        + futures_util::Sink<wscore::io::Message, Error = wscore::io::Error>
        + Unpin,
{
    use futures_util::{SinkExt, StreamExt};
    for i in 0..WARM_UP + COUNTED {
        if i == WARM_UP {
            COUNTING.with(|c| c.set(true));
        }
        let message = ws.next().await.unwrap().unwrap();
        assert!(message.is_data());
        ws.send(message).await.unwrap();
    }
    COUNTING.with(|c| c.set(false));
    allocations()
}

/// The tokio adapter as a user runs it: a server echoing with `next()`/`send()` over a
/// loopback socket, on a current-thread runtime on this (counted) thread. After a warm-up,
/// echoing messages that fit the small read buffer allocates nothing: each received message
/// reuses the buffer of the one sent before it.
#[cfg(feature = "tokio")]
#[test]
fn tokio_adapter_echo_does_not_allocate_per_message() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let client = echo_client(listener.local_addr().unwrap().port());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let allocs = runtime.block_on(async {
        listener.set_nonblocking(true).unwrap();
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        let (tcp, _) = listener.accept().await.unwrap();
        tcp.set_nodelay(true).unwrap();
        let mut ws = wscore::io::tokio::accept(tcp, Config::default())
            .await
            .unwrap();
        let before = allocations();
        echo_counted(&mut ws).await - before
    });
    client.join().unwrap();
    assert_eq!(
        allocs, 0,
        "{COUNTED} echoes on the tokio adapter allocated {allocs} times"
    );
}

/// The futures-io adapter over a blocking socket (its reads and writes never return
/// `Pending`), so that only the adapter is counted: an executor's reactor has allocations of
/// its own (async-io collects wakers into a fresh `Vec` on every turn).
#[cfg(feature = "futures-io")]
#[test]
fn futures_adapter_echo_does_not_allocate_per_message() {
    use core::pin::Pin;
    use core::task::{Context, Poll};
    use std::io::{Read, Write};

    struct Blocking(std::net::TcpStream);
    impl futures_io::AsyncRead for Blocking {
        fn poll_read(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<std::io::Result<usize>> {
            Poll::Ready(self.get_mut().0.read(buf))
        }
    }
    impl futures_io::AsyncWrite for Blocking {
        fn poll_write(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<std::io::Result<usize>> {
            Poll::Ready(self.get_mut().0.write(buf))
        }
        fn poll_write_vectored(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            bufs: &[std::io::IoSlice<'_>],
        ) -> Poll<std::io::Result<usize>> {
            Poll::Ready(self.get_mut().0.write_vectored(bufs))
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            Poll::Ready(self.get_mut().0.shutdown(std::net::Shutdown::Write))
        }
    }

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let client = echo_client(listener.local_addr().unwrap().port());
    let (tcp, _) = listener.accept().unwrap();
    tcp.set_nodelay(true).unwrap();
    let allocs = smol::block_on(async {
        let mut ws = wscore::io::futures::accept(Blocking(tcp), Config::default())
            .await
            .unwrap();
        let before = allocations();
        echo_counted(&mut ws).await - before
    });
    client.join().unwrap();
    assert_eq!(
        allocs, 0,
        "{COUNTED} echoes on the futures-io adapter allocated {allocs} times"
    );
}

/// The blocking adapter echoing with `read()` and `send_owned()`: each received message
/// reuses the buffer of the one sent before it, so after a warm-up nothing is allocated.
#[cfg(feature = "blocking")]
#[test]
fn blocking_adapter_echo_does_not_allocate_per_message() {
    use wscore::io::blocking::BlockingWebSocket;

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let client = echo_client(listener.local_addr().unwrap().port());
    let (tcp, _) = listener.accept().unwrap();
    tcp.set_nodelay(true).unwrap();
    let mut ws = BlockingWebSocket::accept(tcp, Config::default()).unwrap();
    let before = allocations();
    for i in 0..WARM_UP + COUNTED {
        if i == WARM_UP {
            COUNTING.with(|c| c.set(true));
        }
        let message = ws.read().unwrap();
        assert!(message.is_data());
        ws.send_owned(message).unwrap();
    }
    COUNTING.with(|c| c.set(false));
    let allocs = allocations() - before;
    client.join().unwrap();
    assert_eq!(
        allocs, 0,
        "{COUNTED} echoes on the blocking adapter allocated {allocs} times"
    );
}
