//! Fuzz check for the connection state machine, shared by the cargo-fuzz target `connection`
//! and by `tests/fuzz_corpus.rs` (which replays the committed corpus).
//!
//! The input drives one `Connection` through its public API. Byte 0 picks the role and the
//! configuration; the rest is a sequence of operations (feed bytes, feed a built frame, let
//! time pass, send, stream, ping, close, EOF, drain the output in pieces). After every
//! operation the invariants below are checked, and everything the connection writes is
//! decoded as its peer would and fed to a real peer `Connection` with no limits.
//!
//! Invariants (a panic means a violation):
//! - `state()` never moves backward; `is_finished()` never goes from true to false.
//! - Errors are sticky: after `receive` fails, every later `receive` returns the same error,
//!   `error()` reports it and the state is `Closed`.
//! - Every send call returns exactly the result the documented rules predict (sticky
//!   failure, closing, queue full, message in progress, UTF-8, control length, close code),
//!   and an accepted data send grows `queued_bytes()` by exactly its encoded frames.
//! - `queued_bytes()` never exceeds `max_queued_bytes` plus the largest accepted send's frames.
//! - Output is well-formed frames for the peer's role (client frames masked with a non-zero
//!   key, server frames unmasked, no RSV bits), a conforming peer accepts all of it, and the
//!   data it receives is a prefix of what was accepted for sending, message by message.
//! - At most one Close is sent, nothing follows it, and its code is the one owed: the
//!   application's, the error's, or the echo of the peer's (1000 for a Close without code).
//!   Once it has gone out the connection has nothing more to transmit. A failure that queues
//!   the Close stops everything else: at most the frame already under way precedes it.
//! - Received data pieces form well-ordered messages no larger than `max_message_size`,
//!   text is valid UTF-8, and `MessageAssembler` agrees and stays within the limit.
//! - Timers: right after `handle_timeout(now)` nothing is due at or before `now`; an early
//!   `handle_timeout` changes nothing; an open connection with keepalive, or a closing one
//!   that is not finished, always has a timer armed, and the closing one's deadline is
//!   exactly `close_timeout` after it stopped being open.

use core::time::Duration;

use wscore::frame::{CloseCode, CloseEncodeError, CloseFrame, Decoder, Item, Opcode};
use wscore::{
    Config, Connection, ConnectionError, DataKind, Entropy, EntropyError, Event, MessageAssembler,
    MessageRef, Role, SendError, State,
};

const KEEPALIVE: Duration = Duration::from_millis(1000);
const PONG_TIMEOUT: Duration = Duration::from_millis(700);
const CLOSE_TIMEOUT: Duration = Duration::from_millis(1500);
/// Multi-byte text the streamed messages are cut from (1-, 2-, 3- and 4-byte code points).
const TEXT: &str = "a\u{e9}\u{20ac}\u{1f600}z \u{7ff}\u{10ffff}";
const SEND_FRAME_SIZES: [usize; 8] = [1, 2, 7, 125, 126, 1000, 65_536, 1 << 20];
const CLOSE_CODES: [u16; 8] = [1000, 1001, 1011, 3000, 4999, 1005, 999, 1006];

/// Runs one fuzz input. Panics when an invariant is violated.
pub fn run(data: &[u8]) {
    let Some((&setup, ops)) = data.split_first() else {
        return;
    };
    let mut fuzz = Fuzz::new(setup);
    let mut input = Bytes { data: ops, pos: 0 };
    while let Some(op) = input.byte() {
        fuzz.step(op, &mut input);
        fuzz.check();
    }
    // Everything queued must go out as whole frames.
    fuzz.drain(4096, usize::MAX);
    fuzz.check();
    assert!(
        fuzz.wire.decoder.is_frame_boundary(),
        "a full drain ended mid-frame"
    );
    assert!(!fuzz.conn.has_pending_output());
}

struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Bytes<'_> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.data.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    fn or0(&mut self) -> u8 {
        self.byte().unwrap_or(0)
    }

    /// Up to `n` bytes (fewer at the end of the input).
    fn take(&mut self, n: usize) -> &[u8] {
        let end = self.data.len().min(self.pos + n);
        let out = &self.data[self.pos..end];
        self.pos = end;
        out
    }

    /// A payload length: small values as they are, or large ones in steps of 601 bytes
    /// (up to ~76 KB, past the 16-bit length encoding).
    fn len(&mut self) -> usize {
        let b = self.or0();
        if b & 0x80 == 0 {
            usize::from(b)
        } else {
            usize::from(b & 0x7f) * 601
        }
    }

    /// `len` payload bytes: from the input when it asks for it (bit 0 of `flags`), otherwise
    /// a cheap pattern.
    fn payload(&mut self, flags: u8, len: usize) -> Vec<u8> {
        if flags & 1 != 0 {
            let mut v = self.take(len).to_vec();
            v.resize(len, b'.');
            v
        } else {
            (0..len).map(|i| b'A' + (i % 26) as u8).collect()
        }
    }
}

/// Deterministic entropy for the client's mask keys (xorshift; an all-zero key is
/// redrawn by the connection).
struct Seeded(u64);

impl Entropy for Seeded {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), EntropyError> {
        for b in buf {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            *b = (self.0 >> 24) as u8;
        }
        Ok(())
    }
}

fn entropy(seed: u8) -> Seeded {
    Seeded(0x9e37_79b9_7f4a_7c15u64 ^ u64::from(seed))
}

/// The cyclic byte stream of `TEXT` starting at byte `at`: valid UTF-8 as a whole, but `n`
/// bytes of it may end inside a code point.
fn text_bytes(at: &mut usize, n: usize) -> Vec<u8> {
    let t = TEXT.as_bytes();
    let out = (0..n).map(|i| t[(*at + i) % t.len()]).collect();
    *at = (*at + n) % t.len();
    out
}

/// Whether `tail ++ new` is a valid UTF-8 prefix; returns the new incomplete tail.
fn utf8_prefix(tail: &[u8], new: &[u8]) -> Option<Vec<u8>> {
    let mut all = tail.to_vec();
    all.extend_from_slice(new);
    match core::str::from_utf8(&all) {
        Ok(_) => Some(Vec::new()),
        Err(e) if e.error_len().is_none() => Some(all[e.valid_up_to()..].to_vec()),
        Err(_) => None,
    }
}

/// A message accepted for sending.
struct Sent {
    kind: DataKind,
    bytes: Vec<u8>,
    complete: bool,
}

/// The receiving end of everything the connection transmits.
struct Wire {
    /// The sender's role.
    role: Role,
    decoder: Decoder,
    /// The frame being decoded: opcode, payload so far.
    frame: Option<(Opcode, Vec<u8>)>,
    /// A Close frame header went out.
    close_started: bool,
    /// Frame headers seen so far.
    headers: usize,
    /// A whole Close frame went out.
    close_done: bool,
    peer: Connection<Vec<u8>, Seeded>,
    /// Messages the peer completed, and the bytes of the one in progress.
    peer_done: usize,
    peer_partial: Option<(DataKind, usize)>,
}

impl Wire {
    fn new(role: Role, now: Duration) -> Wire {
        let mut config = Config::default();
        config.max_frame_payload = u64::MAX;
        config.max_message_size = u64::MAX;
        config.max_fragments = u32::MAX;
        config.max_queued_bytes = usize::MAX;
        let peer = Connection::new(role.peer(), config, Vec::new(), entropy(0x5a), now);
        Wire {
            role,
            decoder: Decoder::new(role.peer()).with_max_payload(u64::MAX),
            frame: None,
            close_started: false,
            headers: 0,
            close_done: false,
            peer,
            peer_done: 0,
            peer_partial: None,
        }
    }

    /// Takes bytes the connection transmitted.
    fn push(&mut self, bytes: &[u8], now: Duration, sent: &[Sent], owed_close: Option<u16>) {
        if bytes.is_empty() {
            return;
        }
        let mut copy = bytes.to_vec();
        let mut input = &mut copy[..];
        loop {
            let (item, rest) = match self.decoder.decode(input) {
                Ok(step) => step,
                Err(e) => panic!("malformed output from the {:?}: {e:?}", self.role),
            };
            let done = match item {
                Item::NeedMore => break,
                Item::Header(h) => {
                    assert!(
                        !self.close_started,
                        "a frame ({:?}) was sent after the Close",
                        h.opcode
                    );
                    assert_eq!(h.rsv, 0, "RSV bits set on output");
                    match (self.role, h.mask) {
                        (Role::Client, Some(key)) => assert_ne!(key, [0; 4], "all-zero mask key"),
                        (Role::Client, None) => panic!("client sent an unmasked frame"),
                        (Role::Server, Some(_)) => panic!("server sent a masked frame"),
                        (Role::Server, None) => {}
                    }
                    if h.opcode == Opcode::Close {
                        self.close_started = true;
                    }
                    self.headers += 1;
                    self.frame = Some((h.opcode, Vec::new()));
                    h.payload_len == 0
                }
                Item::Payload { data, last } => {
                    let frame = self.frame.as_mut().expect("payload without a header");
                    if frame.0.is_control() {
                        frame.1.extend_from_slice(data);
                    }
                    last
                }
            };
            if done {
                let (opcode, payload) = self.frame.take().expect("a frame in progress");
                if opcode == Opcode::Close {
                    let frame = CloseFrame::parse(&payload)
                        .expect("the sent Close payload is valid")
                        .expect("the sent Close carries a code");
                    assert_eq!(
                        Some(frame.code.as_u16()),
                        owed_close,
                        "the Close sent carries the wrong code"
                    );
                    self.close_done = true;
                }
            }
            input = rest;
        }

        // A conforming peer with no limits must accept all of it, and see a prefix of what
        // was sent.
        let mut copy = bytes.to_vec();
        let mut input = &mut copy[..];
        loop {
            let (event, rest) = match self.peer.receive(now, input) {
                Ok(Some(step)) => step,
                Ok(None) => break,
                Err(e) => panic!("the peer rejected our output: {e:?}"),
            };
            if let Event::Data(d) = event {
                let index = self.peer_done;
                let message = sent.get(index).expect("peer got a message nobody sent");
                assert_eq!(message.kind, d.kind, "message kind changed on the wire");
                let offset = match self.peer_partial {
                    Some((kind, offset)) => {
                        assert!(!d.first, "peer saw a message start inside another");
                        assert_eq!(kind, d.kind);
                        offset
                    }
                    None => {
                        assert!(d.first, "peer saw a piece without a start");
                        0
                    }
                };
                let end = offset + d.payload.len();
                assert!(
                    message.bytes.get(offset..end) == Some(d.payload),
                    "peer received bytes that were not sent"
                );
                if d.last {
                    assert_eq!(end, message.bytes.len(), "peer's message ended early");
                    assert!(
                        message.complete,
                        "peer saw the end of an unfinished message"
                    );
                    self.peer_done += 1;
                    self.peer_partial = None;
                } else {
                    self.peer_partial = Some((d.kind, end));
                }
            }
            input = rest;
        }
    }
}

struct Fuzz {
    conn: Connection<Vec<u8>, Seeded>,
    role: Role,
    config: Config,
    now: Duration,
    wire: Wire,

    // What the connection was asked to do and what it must therefore look like.
    state: State,
    finished: bool,
    error: Option<ConnectionError>,
    /// The code of the Close the connection owes, once one was queued.
    owed_close: Option<u16>,
    /// How many frame headers had gone out when the connection failed.
    failed_at: Option<usize>,
    /// When the state left `Open`.
    closing_since: Option<Duration>,
    app_closed: bool,
    peer_closed: bool,
    sent: Vec<Sent>,
    /// A streamed message: its kind, whether a frame of it was queued, its incomplete
    /// UTF-8 tail.
    streaming: Option<(DataKind, bool, Vec<u8>)>,
    text_at: usize,
    largest_send: usize,

    // What the connection received.
    /// A message being received: its kind, bytes and incomplete UTF-8 tail.
    incoming: Option<(DataKind, Vec<u8>, Vec<u8>)>,
    assembler: MessageAssembler,
}

impl Fuzz {
    fn new(setup: u8) -> Fuzz {
        let role = if setup & 1 == 0 {
            Role::Client
        } else {
            Role::Server
        };
        let mut config = Config::default();
        if setup & 2 != 0 {
            config.max_frame_payload = 500;
            config.max_message_size = 1000;
            config.max_fragments = 8;
            config.max_queued_bytes = 4096;
        }
        config.auto_pong = setup & 4 == 0;
        config.keepalive_interval = (setup & 8 != 0).then_some(KEEPALIVE);
        config.pong_timeout = PONG_TIMEOUT;
        config.close_timeout = CLOSE_TIMEOUT;
        config.max_send_frame_payload = SEND_FRAME_SIZES[usize::from(setup >> 5)];
        let now = Duration::from_secs(100);
        let conn = Connection::new(role, config.clone(), Vec::new(), entropy(setup), now);
        Fuzz {
            conn,
            role,
            config,
            now,
            wire: Wire::new(role, now),
            state: State::Open,
            finished: false,
            error: None,
            owed_close: None,
            closing_since: None,
            failed_at: None,
            app_closed: false,
            peer_closed: false,
            sent: Vec::new(),
            streaming: None,
            text_at: 0,
            largest_send: 0,
            incoming: None,
            assembler: MessageAssembler::new(),
        }
    }

    fn step(&mut self, op: u8, input: &mut Bytes<'_>) {
        match op % 14 {
            0 => {
                let n = usize::from(input.or0());
                let mut bytes = input.take(n).to_vec();
                self.feed(&mut bytes);
            }
            1 | 2 => self.feed_frame(input),
            3 => {
                let ms = u64::from(input.or0()) * 10;
                self.now += Duration::from_millis(ms);
                self.timeout();
            }
            4 => self.send_whole(input),
            5 => self.begin(input.or0()),
            6 | 7 => self.fragment(op % 14 == 7, input),
            8 => {
                let flags = input.or0();
                let len = usize::from(input.or0() % 131);
                let payload = input.payload(flags, len);
                self.control(flags & 2 != 0, &payload);
            }
            9 => self.close(input),
            10 => self.eof(),
            11 => {
                let size = usize::from(input.or0()) + 1;
                let calls = usize::from(input.or0() % 8) + 1;
                self.drain(size, calls);
            }
            12 => {
                let cut = input.or0();
                self.transmit_part(cut);
            }
            _ => {
                // Time passes without a timer firing; an empty read changes nothing.
                self.now += Duration::from_millis(u64::from(input.or0()));
                self.feed(&mut []);
            }
        }
    }

    // ----------------------------------------------------------------------------------
    // Receiving
    // ----------------------------------------------------------------------------------

    /// Builds one frame from the input (first byte as the wire's first byte, masked when the
    /// connection is a server) and feeds it in pieces.
    fn feed_frame(&mut self, input: &mut Bytes<'_>) {
        let b0 = input.or0();
        let flags = input.or0();
        let len = input.len();
        let piece = usize::from(input.or0()) + 1;
        let mut payload = if Opcode::from_u8(b0 & 0x0f) == Ok(Opcode::Text) && flags & 1 == 0 {
            text_bytes(&mut 0, len)
        } else {
            input.payload(flags, len)
        };
        let mut frame = vec![b0];
        let mask_bit = if self.role == Role::Server { 0x80 } else { 0 };
        match len {
            0..=125 => frame.push(mask_bit | len as u8),
            126..=0xffff => {
                frame.push(mask_bit | 126);
                frame.extend_from_slice(&(len as u16).to_be_bytes());
            }
            _ => {
                frame.push(mask_bit | 127);
                frame.extend_from_slice(&(len as u64).to_be_bytes());
            }
        }
        if mask_bit != 0 {
            let key = [0x3c, flags, 0xa5, 0x01];
            frame.extend_from_slice(&key);
            for (i, b) in payload.iter_mut().enumerate() {
                *b ^= key[i % 4];
            }
        }
        frame.extend_from_slice(&payload);
        for chunk in frame.chunks_mut(piece) {
            self.feed(chunk);
        }
    }

    fn feed(&mut self, bytes: &mut [u8]) {
        let mut input = bytes;
        loop {
            let (event, rest) = match self.conn.receive(self.now, input) {
                Ok(Some(step)) => step,
                Ok(None) => break,
                Err(e) => {
                    self.receive_failed(e);
                    return;
                }
            };
            let event = match event {
                Event::Data(d) => {
                    self.on_data(d.kind, d.payload, d.first, d.last);
                    None
                }
                Event::Ping(p) | Event::Pong(p) => {
                    assert!(p.len() <= 125, "control payload over 125 bytes");
                    None
                }
                Event::Close(c) => Some((c.code().as_u16(), c.reason().len())),
                Event::Decoded(_) => panic!("decoded data without an extension"),
            };
            if let Some((code, reason_len)) = event {
                self.on_close(code, reason_len);
            }
            input = rest;
        }
        if let Some(e) = self.error {
            // An EOF or timeout error, or a failure while receiving; still sticky.
            assert_eq!(self.conn.receive(self.now, &mut [0x81]).unwrap_err(), e);
        }
    }

    fn receive_failed(&mut self, e: ConnectionError) {
        match self.error {
            Some(first) => assert_eq!(e, first, "the sticky error changed"),
            None => {
                let ConnectionError::Protocol(p) = e else {
                    panic!("receive failed with a non-protocol error {e:?}");
                };
                self.error = Some(e);
                self.owe_close(p.close_code().as_u16());
                self.failed_at_header();
            }
        }
        assert_eq!(self.conn.error(), Some(e));
        assert!(matches!(self.conn.state(), State::Closed(_)));
        assert_eq!(self.conn.receive(self.now, &mut []).unwrap_err(), e);
        let mut more = *b"\x81\x80\0\0\0\0";
        assert_eq!(self.conn.receive(self.now, &mut more).unwrap_err(), e);
    }

    fn on_data(&mut self, kind: DataKind, payload: &[u8], first: bool, last: bool) {
        // Data keeps arriving after our Close (RFC 6455 1.4), never after the peer's.
        assert!(
            !matches!(self.conn.state(), State::Closed(_)),
            "data delivered after the connection closed"
        );
        assert!(!self.peer_closed && self.error.is_none());
        match (&mut self.incoming, first) {
            (None, true) => self.incoming = Some((kind, Vec::new(), Vec::new())),
            (Some(_), true) => panic!("a message started inside another"),
            (None, false) => panic!("a message piece without a start"),
            (Some((k, ..)), false) => assert_eq!(*k, kind, "kind changed inside a message"),
        }
        let (_, bytes, tail) = self.incoming.as_mut().expect("message in progress");
        bytes.extend_from_slice(payload);
        assert!(
            bytes.len() as u64 <= self.config.max_message_size,
            "a received message grew past max_message_size"
        );
        if kind == DataKind::Text {
            *tail = utf8_prefix(tail, payload).expect("invalid UTF-8 delivered as text");
            assert!(!last || tail.is_empty(), "text ended inside a code point");
        }
        let assembled = self
            .assembler
            .push(wscore::Data {
                kind,
                payload,
                first,
                last,
            })
            .expect("the assembler accepts what the connection delivers")
            .map(|m: MessageRef<'_>| m.as_bytes().to_vec());
        assert!(self.assembler.pending_len() as u64 <= self.config.max_message_size);
        if last {
            let (_, bytes, _) = self.incoming.take().expect("message in progress");
            assert_eq!(assembled.as_deref(), Some(&bytes[..]));
        } else {
            assert_eq!(assembled, None);
        }
    }

    fn on_close(&mut self, code: u16, reason_len: usize) {
        assert!(reason_len <= 123);
        assert!(matches!(self.conn.state(), State::Closed(_)));
        let State::Closed(wscore::Closure::Clean { received, .. }) = self.conn.state() else {
            panic!("the peer's Close did not complete the closing handshake");
        };
        assert_eq!(received.as_u16(), code);
        assert!(!self.peer_closed, "two Close events");
        assert!(self.error.is_none());
        self.peer_closed = true;
        self.incoming = None;
        // "the endpoint MUST send a Close frame in response ... typically echoing the status
        // code it received" (RFC 6455 5.5.1).
        let echo = if code == CloseCode::NO_STATUS.as_u16() {
            1000
        } else {
            code
        };
        self.owe_close(echo);
    }

    /// The connection just failed: unless a Close was already queued, it must stop sending
    /// data (RFC 6455 7.1.7), so at most the frame under way and the Close may follow.
    fn failed_at_header(&mut self) {
        if !self.app_closed && !self.peer_closed {
            self.failed_at = Some(self.wire.headers);
        }
    }

    fn owe_close(&mut self, code: u16) {
        if self.owed_close.is_none() {
            self.owed_close = Some(code);
        }
    }

    // ----------------------------------------------------------------------------------
    // Sending
    // ----------------------------------------------------------------------------------

    /// The common precondition of every send, in the documented order.
    fn can_send(&self) -> Result<(), SendError> {
        if let Some(e) = self.error {
            return Err(SendError::Failed(e));
        }
        if self.app_closed || self.peer_closed {
            return Err(SendError::Closing);
        }
        Ok(())
    }

    fn can_send_data(&self) -> Result<(), SendError> {
        self.can_send()?;
        let queued = self.conn.queued_bytes();
        if queued > 0 && queued >= self.config.max_queued_bytes {
            return Err(SendError::MessageQueueFull);
        }
        Ok(())
    }

    /// A send length from the input, capped at 300 frames so that tiny frame sizes stay fast.
    fn send_len(&self, input: &mut Bytes<'_>) -> usize {
        input
            .len()
            .min(self.config.max_send_frame_payload.saturating_mul(300))
    }

    fn send_whole(&mut self, input: &mut Bytes<'_>) {
        let flags = input.or0();
        let len = self.send_len(input);
        let text = flags & 2 != 0;
        let (kind, payload) = if text && flags & 1 == 0 {
            let s: String = TEXT.chars().cycle().take(len).collect();
            (DataKind::Text, s.into_bytes())
        } else {
            let kind = if text {
                DataKind::Text
            } else {
                DataKind::Binary
            };
            (kind, input.payload(flags, len))
        };
        let expected = self.can_send_data().and_then(|()| {
            if self.streaming.is_some() {
                Err(SendError::MessageInProgress)
            } else if kind == DataKind::Text && core::str::from_utf8(&payload).is_err() {
                Err(SendError::InvalidUtf8)
            } else {
                Ok(())
            }
        });
        let before = self.conn.queued_bytes();
        let got = match (flags >> 2) % 3 {
            0 => self.conn.send(kind, &payload),
            1 if kind == DataKind::Binary => self.conn.send_binary(&payload),
            _ => match core::str::from_utf8(&payload) {
                Ok(s) if kind == DataKind::Text => self.conn.send_text(s),
                _ => self.conn.send(kind, &payload),
            },
        };
        assert_eq!(got, expected, "send({kind:?}, {} bytes)", payload.len());
        self.accepted(got.is_ok(), before, payload.len(), true);
        if got.is_ok() {
            self.sent.push(Sent {
                kind,
                bytes: payload,
                complete: true,
            });
        }
    }

    fn begin(&mut self, flags: u8) {
        let kind = if flags & 1 == 0 {
            DataKind::Text
        } else {
            DataKind::Binary
        };
        let expected = match self.can_send() {
            Ok(()) if self.streaming.is_some() => Err(SendError::MessageInProgress),
            other => other,
        };
        let got = self.conn.begin_message(kind);
        assert_eq!(got, expected, "begin_message");
        if got.is_ok() {
            self.streaming = Some((kind, false, Vec::new()));
            self.text_at = 0;
        }
    }

    fn fragment(&mut self, finish: bool, input: &mut Bytes<'_>) {
        let flags = input.or0();
        let len = self.send_len(input);
        let payload = match self.streaming {
            Some((DataKind::Text, ..)) if flags & 1 == 0 => text_bytes(&mut self.text_at, len),
            _ => input.payload(flags, len),
        };
        let mut new_tail = Vec::new();
        let expected = self.can_send_data().and_then(|()| {
            let Some((kind, _, tail)) = &self.streaming else {
                return Err(SendError::NoMessageInProgress);
            };
            if *kind == DataKind::Text {
                new_tail = utf8_prefix(tail, &payload).ok_or(SendError::InvalidUtf8)?;
                if finish && !new_tail.is_empty() {
                    return Err(SendError::InvalidUtf8);
                }
            }
            Ok(())
        });
        let before = self.conn.queued_bytes();
        let got = if finish {
            self.conn.finish_message(&payload)
        } else {
            self.conn.send_fragment(&payload)
        };
        assert_eq!(got, expected, "finish {finish}, {} bytes", payload.len());
        // An empty non-final piece queues nothing; anything else queues at least one frame.
        self.accepted(
            got.is_ok(),
            before,
            payload.len(),
            finish || !payload.is_empty(),
        );
        if got.is_err() {
            return;
        }
        let (kind, started, tail) = self.streaming.as_mut().expect("streaming");
        *tail = new_tail;
        if !payload.is_empty() || finish {
            if !*started {
                self.sent.push(Sent {
                    kind: *kind,
                    bytes: Vec::new(),
                    complete: false,
                });
                *started = true;
            }
            let message = self.sent.last_mut().expect("the streamed message");
            message.bytes.extend_from_slice(&payload);
            message.complete = finish;
        }
        if finish {
            self.streaming = None;
        }
    }

    /// Checks the queue after a data send: an accepted send adds exactly its frames (the
    /// payload cut at `max_send_frame_payload`, each piece with its header, masked for a
    /// client).
    fn accepted(&mut self, ok: bool, before: usize, len: usize, queues_frames: bool) {
        let expected = if ok && queues_frames {
            before + self.wire_len(len)
        } else {
            before
        };
        assert_eq!(
            self.conn.queued_bytes(),
            expected,
            "queued_bytes after a send"
        );
        if ok && queues_frames {
            self.largest_send = self.largest_send.max(self.wire_len(len));
        }
    }

    /// The encoded size of a message of `len` bytes as this connection frames it.
    fn wire_len(&self, len: usize) -> usize {
        let max = self.config.max_send_frame_payload.max(1);
        let mask = if self.conn.role() == Role::Client {
            4
        } else {
            0
        };
        let header = |n: usize| {
            mask + match n {
                0..=125 => 2,
                126..=0xffff => 4,
                _ => 10,
            }
        };
        if len == 0 {
            return header(0);
        }
        let full = len / max;
        let rest = len % max;
        full * (header(max) + max) + if rest > 0 { header(rest) + rest } else { 0 }
    }

    fn control(&mut self, pong: bool, payload: &[u8]) {
        let got = if pong {
            self.conn.pong(payload)
        } else {
            self.conn.ping(payload)
        };
        match self.can_send() {
            Err(e) => assert_eq!(got, Err(e)),
            Ok(()) if payload.len() > 125 => {
                assert_eq!(got, Err(SendError::ControlTooLong(payload.len())))
            }
            // At most 16 may wait; whether the queue is full depends on the draining.
            Ok(()) => assert!(
                matches!(got, Ok(()) | Err(SendError::ControlQueueFull)),
                "{got:?}"
            ),
        }
    }

    fn close(&mut self, input: &mut Bytes<'_>) {
        let code = CloseCode::new(CLOSE_CODES[usize::from(input.or0() % 8)]);
        let reason_len = usize::from(input.or0() % 128);
        let reason: String = TEXT.chars().cycle().take(reason_len).collect();
        let mut cut = reason.len().min(usize::from(input.or0()));
        while !reason.is_char_boundary(cut) {
            cut -= 1;
        }
        let reason = &reason[..cut];
        let expected = self.can_send().and_then(|()| {
            if !code.is_valid_on_wire() {
                Err(SendError::InvalidClose(CloseEncodeError::InvalidCode(code)))
            } else if reason.len() > 123 {
                Err(SendError::InvalidClose(CloseEncodeError::ReasonTooLong(
                    reason.len(),
                )))
            } else {
                Ok(())
            }
        });
        let got = self.conn.close(self.now, code, reason);
        assert_eq!(got, expected, "close({code:?}, {} bytes)", reason.len());
        if got.is_ok() {
            assert!(matches!(self.conn.state(), State::Closing { .. }));
            self.app_closed = true;
            self.owe_close(code.as_u16());
        }
    }

    fn eof(&mut self) {
        let got = self.conn.handle_eof();
        let expected = match self.error {
            Some(e) => Err(e),
            None if self.peer_closed => Ok(()),
            None => Err(ConnectionError::AbnormalClosure),
        };
        assert_eq!(got, expected, "handle_eof");
        if let Err(e) = got {
            self.error = Some(e);
        }
        assert!(matches!(self.conn.state(), State::Closed(_)));
        assert!(self.conn.is_finished(), "not finished after EOF");
    }

    // ----------------------------------------------------------------------------------
    // Time
    // ----------------------------------------------------------------------------------

    fn timeout(&mut self) {
        let due = self.conn.poll_timeout();
        let state = self.conn.state();
        let finished = self.conn.is_finished();
        self.conn.handle_timeout(self.now);
        let early = match due {
            Some(d) => self.now < d,
            None => true,
        };
        if early {
            assert_eq!(self.conn.state(), state, "an early handle_timeout acted");
            assert_eq!(
                self.conn.is_finished(),
                finished,
                "an early handle_timeout acted"
            );
            assert_eq!(
                self.conn.poll_timeout(),
                due,
                "an early handle_timeout acted"
            );
            assert_eq!(
                self.conn.error(),
                self.error,
                "an early handle_timeout acted"
            );
        }
        if let Some(next) = self.conn.poll_timeout() {
            assert!(
                next > self.now,
                "a deadline at or before now survived handle_timeout"
            );
        }
        if self.error.is_none() {
            match self.conn.error() {
                Some(ConnectionError::PongTimeout) => {
                    assert!(self.conn.is_finished());
                    self.error = Some(ConnectionError::PongTimeout);
                    self.owe_close(CloseCode::GOING_AWAY.as_u16());
                    self.failed_at_header();
                }
                // Our Close went unanswered: the closing handshake timed out.
                Some(ConnectionError::CloseTimeout) => {
                    assert!(self.app_closed && !self.peer_closed);
                    assert!(self.conn.is_finished());
                    self.error = Some(ConnectionError::CloseTimeout);
                }
                Some(e) => panic!("handle_timeout failed with {e:?}"),
                None => {}
            }
        }
    }

    // ----------------------------------------------------------------------------------
    // Transmitting
    // ----------------------------------------------------------------------------------

    fn drain(&mut self, size: usize, calls: usize) {
        let mut buf = vec![0u8; size];
        for _ in 0..calls {
            let n = self.conn.poll_transmit(&mut buf);
            assert!(n <= size);
            if n == 0 {
                break;
            }
            self.wire
                .push(&buf[..n], self.now, &self.sent, self.owed_close);
        }
    }

    fn transmit_part(&mut self, cut: u8) {
        let Some(t) = self.conn.transmit() else {
            return;
        };
        assert!(!t.is_empty(), "transmit returned an empty piece");
        // Write `cut`/255 of the piece (rounded down).
        let n = t.len() * usize::from(cut) / 255;
        let piece = [t.header, t.payload].concat();
        // Until advanced, the same piece comes back.
        let again = self.conn.transmit().expect("the same piece");
        assert_eq!([again.header, again.payload].concat(), piece);
        let bytes = &piece[..n];
        self.conn.advance_transmit(n);
        self.wire.push(bytes, self.now, &self.sent, self.owed_close);
    }

    // ----------------------------------------------------------------------------------
    // Invariants after every operation
    // ----------------------------------------------------------------------------------

    fn check(&mut self) {
        let state = self.conn.state();
        assert!(
            rank(state) >= rank(self.state),
            "state moved back: {:?} -> {state:?}",
            self.state
        );
        if state != State::Open && self.closing_since.is_none() {
            self.closing_since = Some(self.now);
        }
        self.state = state;
        let finished = self.conn.is_finished();
        assert!(finished || !self.finished, "is_finished went back to false");
        self.finished = finished;
        assert_eq!(self.conn.error(), self.error);
        if self.error.is_some() || self.peer_closed {
            assert!(matches!(state, State::Closed(_)));
        }

        if let Some(at) = self.failed_at {
            assert!(
                self.wire.headers <= at + 2,
                "frames kept going out after the connection failed"
            );
        }

        let queued = self.conn.queued_bytes();
        assert!(
            queued
                <= self
                    .config
                    .max_queued_bytes
                    .saturating_add(self.largest_send),
            "queued_bytes {queued} over the cap plus one message"
        );
        if self.wire.close_done {
            assert!(
                !self.conn.has_pending_output(),
                "output pending after the Close"
            );
            assert!(self.conn.transmit().is_none());
            assert_eq!(self.conn.poll_transmit(&mut [0; 16]), 0);
        }

        let timer = self.conn.poll_timeout();
        let longest = KEEPALIVE.max(PONG_TIMEOUT).max(CLOSE_TIMEOUT);
        if let Some(t) = timer {
            assert!(t <= self.now + longest, "a deadline further than any timer");
        }
        if !finished {
            match self.closing_since {
                Some(since) => assert_eq!(
                    timer,
                    Some(since + CLOSE_TIMEOUT),
                    "closing without the close timer"
                ),
                None if self.config.keepalive_interval.is_some() => {
                    assert!(timer.is_some(), "open with keepalive but no timer")
                }
                None => {}
            }
        }
    }
}

/// The order states move in.
fn rank(state: State) -> u8 {
    match state {
        State::Open => 0,
        State::Closing { .. } => 1,
        State::Closed(_) => 2,
    }
}
