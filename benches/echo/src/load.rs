//! The load generator: its own minimal client framing (the same bytes for every server),
//! current-thread tokio, TCP_NODELAY, one write per message, every echo checked byte for
//! byte.
//!
//! Each connection keeps `depth` messages in flight: a writer sends a message whenever it
//! holds a credit, and the reader returns a credit per echo it has checked. After a warm-up
//! the measurement window opens; messages whose echo arrives inside it are counted (and their
//! round trip recorded if they were also sent inside it). At the end every connection stops
//! sending, waits for its last echoes, and closes with a Close frame (1000).

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::sync::Notify;

use crate::BoxError;

/// How many distinct messages (payload pattern and masking key) a cell cycles through.
const VARIANTS: usize = 16;

/// One cell of the matrix.
#[derive(Clone, Copy, Debug)]
pub struct CellSpec {
    pub conns: usize,
    pub size: usize,
    pub depth: usize,
    pub warmup: Duration,
    pub duration: Duration,
}

/// What one cell measured.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Echoes received inside the window.
    pub messages: u64,
    /// The window's length in seconds.
    pub seconds: f64,
    pub p50_us: f64,
    pub p99_us: f64,
    /// Server CPU over the window (scheduler run time of all its threads), in
    /// microseconds; `None` without a pid.
    pub server_cpu_us: Option<f64>,
    /// The same from utime + stime (tick-sampled), for comparison.
    pub server_ticks_us: Option<f64>,
    /// The load generator's own CPU over the window (run time), in microseconds.
    pub client_cpu_us: Option<f64>,
}

impl Outcome {
    pub fn rate(&self) -> f64 {
        self.messages as f64 / self.seconds
    }
    pub fn server_cpu_per_msg(&self) -> Option<f64> {
        self.server_cpu_us.map(|c| c / self.messages.max(1) as f64)
    }
}

/// A prepared message: the masked client frame, and the payload the echo must carry.
struct Variant {
    frame: Vec<u8>,
    plain: Vec<u8>,
}

/// Masked client frame header + payload for a binary message.
pub fn client_frame(opcode: u8, payload: &[u8], key: [u8; 4]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(payload.len() + 14);
    frame.push(0x80 | opcode);
    match payload.len() {
        n if n < 126 => frame.push(0x80 | n as u8),
        n if n <= 0xFFFF => {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            frame.push(0x80 | 127);
            frame.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    frame.extend_from_slice(&key);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    frame
}

fn variants(size: usize) -> Vec<Variant> {
    (0..VARIANTS)
        .map(|v| {
            let plain: Vec<u8> = (0..size)
                .map(|i| (i.wrapping_mul(31) ^ (v * 97 + i / 251)) as u8)
                .collect();
            let key = [0x37 ^ v as u8, 0xfa, 0x21 + v as u8, 0x3d];
            Variant {
                frame: client_frame(0x2, &plain, key),
                plain,
            }
        })
        .collect()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Warmup,
    Measure,
    Drain,
}

/// State shared by every connection of a cell (one thread: `Rc`/`Cell`).
struct Shared {
    phase: Cell<Phase>,
    window_start: Cell<Option<Instant>>,
    count: Cell<u64>,
    rtts_ns: RefCell<Vec<u32>>,
    variants: Vec<Variant>,
}

/// Per-connection state shared by its writer and reader.
struct Pipe {
    credits: Cell<usize>,
    /// Send time and variant of each message in flight, oldest first.
    inflight: RefCell<VecDeque<(Instant, usize)>>,
    wake_writer: Notify,
}

/// Opens a connection and performs the bench's handshake.
pub async fn connect(addr: SocketAddr) -> Result<(TcpStream, Vec<u8>), BoxError> {
    let mut tcp = TcpStream::connect(addr).await?;
    tcp.set_nodelay(true)?;
    let rest = crate::handshake::client(&mut tcp, &addr.to_string()).await?;
    Ok((tcp, rest))
}

/// Runs one cell against `addr` (inside a `LocalSet` on a current-thread runtime).
pub async fn run_cell(
    addr: SocketAddr,
    cell: CellSpec,
    server_pid: Option<u32>,
) -> Result<Outcome, BoxError> {
    let mut conns = Vec::with_capacity(cell.conns);
    for _ in 0..cell.conns {
        conns.push(connect(addr).await?);
    }
    let shared = Rc::new(Shared {
        phase: Cell::new(Phase::Warmup),
        window_start: Cell::new(None),
        count: Cell::new(0),
        rtts_ns: RefCell::new(Vec::with_capacity(1 << 20)),
        variants: variants(cell.size),
    });
    let mut pipes = Vec::new();
    let mut tasks = Vec::new();
    for (i, (tcp, rest)) in conns.into_iter().enumerate() {
        let pipe = Rc::new(Pipe {
            credits: Cell::new(cell.depth),
            inflight: RefCell::new(VecDeque::with_capacity(cell.depth)),
            wake_writer: Notify::new(),
        });
        pipes.push(pipe.clone());
        let (rd, wr) = tcp.into_split();
        let shared = shared.clone();
        tasks.push(tokio::task::spawn_local(async move {
            let first = i * 7 % VARIANTS;
            let (w, r) = tokio::join!(
                writer(wr, &shared, &pipe, first),
                reader(rd, rest, &shared, &pipe, cell.size)
            );
            w.and(r)
        }));
    }

    tokio::time::sleep(cell.warmup).await;
    let ticks = crate::proc::ticks_per_second() as f64;
    let self_pid = std::process::id();
    let cpu = |pid: Option<u32>| pid.and_then(crate::proc::cpu_ns);
    let tick = |pid: Option<u32>| pid.and_then(crate::proc::cpu_ticks);
    let (server0, client0, ticks0) = (cpu(server_pid), cpu(Some(self_pid)), tick(server_pid));
    let start = Instant::now();
    shared.window_start.set(Some(start));
    shared.phase.set(Phase::Measure);
    tokio::time::sleep(cell.duration).await;
    shared.phase.set(Phase::Drain);
    let seconds = start.elapsed().as_secs_f64();
    let (server1, client1, ticks1) = (cpu(server_pid), cpu(Some(self_pid)), tick(server_pid));
    for pipe in &pipes {
        pipe.wake_writer.notify_one();
    }
    let drain = async {
        for task in tasks {
            task.await??;
        }
        Ok::<(), BoxError>(())
    };
    tokio::time::timeout(Duration::from_secs(20), drain)
        .await
        .map_err(|_| "connections did not finish within 20 s of the window's end")??;

    let mut rtts = shared.rtts_ns.take();
    rtts.sort_unstable();
    let pct = |p: f64| -> f64 {
        if rtts.is_empty() {
            return f64::NAN;
        }
        let i = ((rtts.len() as f64 * p).ceil() as usize).clamp(1, rtts.len()) - 1;
        rtts[i] as f64 / 1000.0
    };
    let us = |a: Option<u64>, b: Option<u64>| Some((b? - a?) as f64 / 1e3);
    let ticks_us = |a: Option<u64>, b: Option<u64>| Some((b? - a?) as f64 / ticks * 1e6);
    Ok(Outcome {
        messages: shared.count.get(),
        seconds,
        p50_us: pct(0.50),
        p99_us: pct(0.99),
        server_cpu_us: us(server0, server1),
        server_ticks_us: ticks_us(ticks0, ticks1),
        client_cpu_us: us(client0, client1),
    })
}

async fn writer(
    mut wr: OwnedWriteHalf,
    shared: &Shared,
    pipe: &Pipe,
    mut next: usize,
) -> Result<(), BoxError> {
    loop {
        if shared.phase.get() == Phase::Drain {
            if pipe.inflight.borrow().is_empty() {
                wr.write_all(&client_frame(0x8, &1000u16.to_be_bytes(), [1, 2, 3, 4]))
                    .await?;
                return Ok(());
            }
            pipe.wake_writer.notified().await;
            continue;
        }
        if pipe.credits.get() == 0 {
            pipe.wake_writer.notified().await;
            continue;
        }
        pipe.credits.set(pipe.credits.get() - 1);
        // Queued before the write: the echo may be read before `write_all` returns.
        pipe.inflight.borrow_mut().push_back((Instant::now(), next));
        wr.write_all(&shared.variants[next].frame).await?;
        next = (next + 1) % VARIANTS;
    }
}

async fn reader(
    mut rd: OwnedReadHalf,
    rest: Vec<u8>,
    shared: &Shared,
    pipe: &Pipe,
    size: usize,
) -> Result<(), BoxError> {
    let mut buf = vec![0u8; (size + 14).max(64 * 1024) * 2];
    buf[..rest.len()].copy_from_slice(&rest);
    let (mut start, mut end) = (0usize, rest.len());
    // Bytes of the current (possibly fragmented) echo checked so far.
    let mut message_pos = 0usize;
    loop {
        // Parse every complete frame in buf[start..end].
        loop {
            let avail = &buf[start..end];
            if avail.len() < 2 {
                break;
            }
            let (fin, opcode) = (avail[0] & 0x80 != 0, avail[0] & 0x0F);
            if avail[1] & 0x80 != 0 || avail[0] & 0x70 != 0 {
                return Err("server frame masked or with RSV bits".into());
            }
            let (len, header) = match avail[1] & 0x7F {
                126 if avail.len() >= 4 => (u16::from_be_bytes([avail[2], avail[3]]) as usize, 4),
                127 if avail.len() >= 10 => (
                    u64::from_be_bytes(avail[2..10].try_into().unwrap()) as usize,
                    10,
                ),
                126 | 127 => break,
                n => (n as usize, 2),
            };
            if avail.len() < header + len {
                break;
            }
            let payload = &avail[header..header + len];
            start += header + len;
            match opcode {
                0x8 => return Ok(()), // the server's Close: done
                0x9 | 0xA => continue,
                0x1 => return Err("text echo for a binary message".into()),
                0x2 | 0x0 => {}
                _ => return Err(format!("unexpected opcode {opcode}").into()),
            }
            if (opcode == 0x2) != (message_pos == 0) {
                return Err("bad fragmentation in the echo".into());
            }
            let (sent, variant) = *pipe
                .inflight
                .borrow()
                .front()
                .ok_or("echo of a message that was not sent")?;
            let plain = &shared.variants[variant].plain;
            if plain.get(message_pos..message_pos + len) != Some(payload) {
                return Err("echo differs from the message sent".into());
            }
            message_pos += len;
            if !fin {
                continue;
            }
            if message_pos != size {
                return Err("echo shorter than the message sent".into());
            }
            message_pos = 0;
            pipe.inflight.borrow_mut().pop_front();
            if shared.phase.get() == Phase::Measure {
                shared.count.set(shared.count.get() + 1);
                if shared.window_start.get().is_some_and(|w| sent >= w) {
                    let rtt = sent.elapsed().as_nanos().min(u32::MAX as u128) as u32;
                    shared.rtts_ns.borrow_mut().push(rtt);
                }
            }
            pipe.credits.set(pipe.credits.get() + 1);
            pipe.wake_writer.notify_one();
        }
        // Make room: move the partial frame to the front.
        if start == end {
            (start, end) = (0, 0);
        } else if buf.len() - end < buf.len() / 2 {
            buf.copy_within(start..end, 0);
            (start, end) = (0, end - start);
        }
        let n = rd.read(&mut buf[end..]).await?;
        if n == 0 {
            return Err("eof before the server's Close".into());
        }
        end += n;
    }
}

/// The memory probe's client side: opens `n` upgraded connections and keeps them idle.
pub async fn open_idle(addr: SocketAddr, n: usize) -> Result<Vec<TcpStream>, BoxError> {
    let mut conns = Vec::with_capacity(n);
    for _ in 0..n {
        let (tcp, rest) = connect(addr).await?;
        if !rest.is_empty() {
            return Err("data after the handshake".into());
        }
        conns.push(tcp);
    }
    Ok(conns)
}

/// One checked echo of `size` bytes on each connection, one connection after another.
pub async fn echo_once(conns: &mut [TcpStream], size: usize) -> Result<(), BoxError> {
    let variant = &variants(size)[0];
    let mut got = Vec::with_capacity(size);
    for tcp in conns {
        tcp.write_all(&variant.frame).await?;
        got.clear();
        let mut header = [0u8; 10];
        while got.len() < size {
            tcp.read_exact(&mut header[..2]).await?;
            let len = match header[1] & 0x7F {
                126 => {
                    tcp.read_exact(&mut header[2..4]).await?;
                    u16::from_be_bytes([header[2], header[3]]) as usize
                }
                127 => {
                    tcp.read_exact(&mut header[2..10]).await?;
                    u64::from_be_bytes(header[2..10].try_into().unwrap()) as usize
                }
                n => n as usize,
            };
            let at = got.len();
            got.resize(at + len, 0);
            tcp.read_exact(&mut got[at..]).await?;
        }
        if got != variant.plain {
            return Err("memory probe: echo differs".into());
        }
    }
    Ok(())
}
