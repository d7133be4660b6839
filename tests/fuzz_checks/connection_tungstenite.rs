//! Differential check of the connection against an implementation that is not wscore:
//! tungstenite's `WebSocket` as the peer, over an in-memory duplex byte stream. Shared by the
//! cargo-fuzz target `connection_tungstenite`, by `tests/fuzz_corpus.rs`
//! (which replays the committed corpus) and by the property tests in
//! `tests/prop_tungstenite.rs` (which build a [`Script`] directly).
//!
//! A [`Script`] says which role wscore plays, how each side sends (whole messages, our
//! `begin_message`/`send_fragment`/`finish_message`, tungstenite's raw fragments, pings), how
//! the bytes are cut on the way (tungstenite reads and writes at most a scripted number of
//! bytes per call and gets `WouldBlock` when nothing is there; we feed and transmit in
//! scripted pieces), and how the closing handshake starts (we close, tungstenite closes with
//! or without a code, or both at once, each side possibly sending more data after the other
//! closed but before it saw the Close).
//!
//! Invariants (a panic means a violation):
//! - neither side reports an error; both end: tungstenite with `ConnectionClosed`, wscore
//!   `is_finished()` in `State::Closed(Closure::Clean { .. })` (the client after the server
//!   closed the transport, with `handle_eof` returning `Ok`);
//! - every data message arrives intact and in order at the other side, including the ones
//!   sent after the other side's Close was queued (RFC 6455 1.4), and nothing else arrives;
//! - pings arrive in order at the other side, and every pong answers a ping in order;
//! - the closes agree: the code (and reason) one side sent is the one the other reported,
//!   the echo carries the code received (1000 for a Close without code), and wscore's
//!   `Clean { sent, received }` is exactly the Close it wrote and the one tungstenite wrote.

use core::time::Duration;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::io;
use std::rc::Rc;

use tungstenite::protocol::frame::coding::{CloseCode as TCode, Data as TData, OpCode as TOpCode};
use tungstenite::protocol::frame::Frame as TFrame;
use tungstenite::protocol::{CloseFrame as TCloseFrame, Role as TRole, WebSocket, WebSocketConfig};
use tungstenite::{Error as TError, Message};
use wscore::frame::CloseCode;
use wscore::{
    Closure, Config, Connection, DataKind, Entropy, EntropyError, Event, Role, SendError, State,
};

/// Codes either side may close with (all valid on the wire for wscore; 1014 is one
/// tungstenite does not know: it answers it with 1002, see `echo_of`).
pub const CLOSE_CODES: [u16; 10] = [1000, 1001, 1003, 1008, 1011, 1012, 1014, 3000, 4000, 4999];

/// Text the messages are cut from (1- to 4-byte code points), so cuts split characters.
const TEXT: &str = "a\u{e9}\u{20ac}\u{1f600}z \u{7ff}\u{10ffff}";

/// One thing a side's application does.
#[derive(Clone, Debug)]
pub enum Send {
    /// A whole message of `len` bytes.
    Whole {
        text: bool,
        len: usize,
        seed: u64,
    },
    /// A message in pieces: `cuts` are the sizes of the non-final pieces (wscore:
    /// `send_fragment` then `finish_message`; tungstenite: raw frames, continuation opcodes).
    Pieces {
        text: bool,
        len: usize,
        seed: u64,
        cuts: Vec<usize>,
    },
    Ping(Vec<u8>),
    /// A whole message given by value (wscore: `send_binary_owned`/`send_text_owned`, which
    /// writes large payloads from the message's own buffer; tungstenite: as `Whole`).
    Owned {
        text: bool,
        len: usize,
        seed: u64,
    },
}

/// How the closing handshake starts.
#[derive(Clone, Debug)]
pub enum Closer {
    /// We call `close(code, reason)`.
    Us { code: u16, reason: String },
    /// Tungstenite calls `close(Some(code, reason))`, or `close(None)` for no code.
    Them(Option<(u16, String)>),
    /// Both close before either has seen the other's Close.
    Both {
        ours: (u16, String),
        theirs: (u16, String),
    },
}

/// A whole session.
#[derive(Clone, Debug)]
pub struct Script {
    /// wscore plays the client (tungstenite the server), or the server.
    pub we_are_client: bool,
    /// `Config::max_send_frame_payload` on our side.
    pub max_send: usize,
    /// Sends in order: `true` for our side, `false` for tungstenite; `pump` then moves some
    /// bytes both ways before the next send.
    pub sends: Vec<(bool, Send, bool)>,
    /// Exchange everything before the closing handshake starts (then every ping so far
    /// must have its last one answered).
    pub settle_before_close: bool,
    pub closer: Closer,
    /// Sent by the side that did not close, after the other's Close was queued and before
    /// it was delivered (ignored for `Closer::Both`).
    pub after_close: Vec<Send>,
    /// Bytes per tungstenite read, per tungstenite write, per `receive` on our side; the
    /// fractions (n/255, at least one byte) of each `transmit` piece we write.
    pub their_reads: Vec<usize>,
    pub their_writes: Vec<usize>,
    pub our_feeds: Vec<usize>,
    pub our_writes: Vec<u8>,
    pub seed: u64,
}

/// Runs one fuzz input: decodes a [`Script`] from the bytes and runs it.
pub fn run(data: &[u8]) {
    if let Some(script) = script_from_bytes(data) {
        run_script(&script);
    }
}

// ---------------------------------------------------------------------------------------
// The transport
// ---------------------------------------------------------------------------------------

#[derive(Default)]
struct Pipe {
    bytes: VecDeque<u8>,
    /// The writer closed its end: reads see end of file once the bytes are gone.
    closed: bool,
}

/// tungstenite's end of the duplex stream.
struct Duplex {
    rx: Rc<RefCell<Pipe>>,
    tx: Rc<RefCell<Pipe>>,
    reads: Vec<usize>,
    writes: Vec<usize>,
    turn: usize,
}

impl io::Read for Duplex {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut rx = self.rx.borrow_mut();
        if rx.bytes.is_empty() {
            return if rx.closed {
                Ok(0)
            } else {
                Err(io::ErrorKind::WouldBlock.into())
            };
        }
        self.turn += 1;
        let cap = self.reads[self.turn % self.reads.len()].max(1);
        let n = buf.len().min(cap).min(rx.bytes.len());
        for (b, v) in buf[..n].iter_mut().zip(rx.bytes.drain(..n)) {
            *b = v;
        }
        Ok(n)
    }
}

impl io::Write for Duplex {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut tx = self.tx.borrow_mut();
        assert!(
            !tx.closed,
            "tungstenite wrote after its transport was closed"
        );
        self.turn += 1;
        let cap = self.writes[self.turn % self.writes.len()].max(1);
        let n = buf.len().min(cap);
        tx.bytes.extend(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Deterministic entropy for our client's mask keys.
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

// ---------------------------------------------------------------------------------------
// Payloads
// ---------------------------------------------------------------------------------------

fn payload(text: bool, len: usize, seed: u64) -> Vec<u8> {
    if text {
        let skip = (seed % 8) as usize;
        let mut s: String = TEXT.chars().cycle().skip(skip).take(len).collect();
        // `len` characters are up to 4 `len` bytes; keep about `len` bytes, whole chars.
        let mut cut = len.min(s.len());
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.into_bytes()
    } else {
        let mut x = seed | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 32) as u8
            })
            .collect()
    }
}

/// The pieces of a message cut at `cuts` (the rest is the last piece).
fn pieces<'a>(bytes: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut at = 0;
    for &cut in cuts {
        let end = (at + cut).min(bytes.len());
        out.push(&bytes[at..end]);
        at = end;
    }
    out.push(&bytes[at..]);
    out
}

// ---------------------------------------------------------------------------------------
// The session
// ---------------------------------------------------------------------------------------

type Conn = Connection<Vec<u8>, Seeded>;

#[derive(Debug, PartialEq, Eq)]
struct Msg {
    text: bool,
    bytes: Vec<u8>,
}

struct Session {
    ours: Conn,
    theirs: WebSocket<Duplex>,
    /// Our output, tungstenite's input.
    to_them: Rc<RefCell<Pipe>>,
    /// tungstenite's output, our input.
    to_us: Rc<RefCell<Pipe>>,
    now: Duration,
    our_feeds: Vec<usize>,
    our_writes: Vec<u8>,
    turn: usize,

    // What each side received.
    our_messages: Vec<Msg>,
    our_partial: Option<Msg>,
    our_pings: Vec<Vec<u8>>,
    our_pongs: Vec<Vec<u8>>,
    our_close: Option<(u16, String)>,
    their_messages: Vec<Msg>,
    their_pings: Vec<Vec<u8>>,
    their_pongs: Vec<Vec<u8>>,
    their_close: Option<Option<(u16, String)>>,
    /// tungstenite returned `ConnectionClosed`.
    their_end: bool,
    /// We called `handle_eof`.
    our_eof: bool,

    // What each side sent.
    our_sent: Vec<Msg>,
    our_sent_pings: Vec<Vec<u8>>,
    their_sent: Vec<Msg>,
    their_sent_pings: Vec<Vec<u8>>,
}

/// Runs a script; panics when an invariant is violated.
pub fn run_script(script: &Script) {
    let now = Duration::from_secs(10);
    let role = if script.we_are_client {
        Role::Client
    } else {
        Role::Server
    };
    let mut config = Config::default();
    config.max_send_frame_payload = script.max_send;
    let ours = Connection::new(role, config, Vec::new(), Seeded(script.seed | 1), now);
    let to_them = Rc::new(RefCell::new(Pipe::default()));
    let to_us = Rc::new(RefCell::new(Pipe::default()));
    let duplex = Duplex {
        rx: to_them.clone(),
        tx: to_us.clone(),
        reads: non_empty(&script.their_reads, 4096),
        writes: non_empty(&script.their_writes, 4096),
        turn: 0,
    };
    let their_role = if script.we_are_client {
        TRole::Server
    } else {
        TRole::Client
    };
    let tconfig = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0);
    let theirs = WebSocket::from_raw_socket(duplex, their_role, Some(tconfig));
    let mut s = Session {
        ours,
        theirs,
        to_them,
        to_us,
        now,
        our_feeds: non_empty(&script.our_feeds, 4096),
        our_writes: if script.our_writes.is_empty() {
            vec![255]
        } else {
            script.our_writes.clone()
        },
        turn: 0,
        our_messages: Vec::new(),
        our_partial: None,
        our_pings: Vec::new(),
        our_pongs: Vec::new(),
        our_close: None,
        their_messages: Vec::new(),
        their_pings: Vec::new(),
        their_pongs: Vec::new(),
        their_close: None,
        their_end: false,
        our_eof: false,
        our_sent: Vec::new(),
        our_sent_pings: Vec::new(),
        their_sent: Vec::new(),
        their_sent_pings: Vec::new(),
    };

    for (ours, send, pump) in &script.sends {
        if *ours {
            s.we_send(send);
        } else {
            s.they_send(send);
        }
        if *pump {
            s.pump_once();
        }
    }

    if script.settle_before_close {
        s.settle();
        answers(&s.our_pongs, &s.our_sent_pings, "tungstenite's pongs", true);
        answers(&s.their_pongs, &s.their_sent_pings, "our pongs", true);
    }

    // The closing handshake, and what the other side sends before it sees the Close.
    let (our_code, their_code): (Option<u16>, Option<Option<u16>>) = match &script.closer {
        Closer::Us { code, reason } => {
            s.we_close(*code, reason);
            for send in &script.after_close {
                s.they_send(send);
            }
            (Some(*code), None)
        }
        Closer::Them(frame) => {
            s.they_close(frame.clone());
            for send in &script.after_close {
                s.we_send(send);
            }
            (None, Some(frame.as_ref().map(|f| f.0)))
        }
        Closer::Both { ours, theirs } => {
            s.we_close(ours.0, &ours.1);
            s.they_close(Some(theirs.clone()));
            (Some(ours.0), Some(Some(theirs.0)))
        }
    };
    s.settle();

    // Both ended cleanly.
    assert!(
        s.their_end,
        "tungstenite did not finish the closing handshake"
    );
    assert!(
        s.ours.is_finished(),
        "wscore is not finished: {:?}",
        s.ours.state()
    );
    assert!(s.our_partial.is_none(), "a message was cut off");

    // Every message arrived intact, in order, and nothing else.
    assert!(
        s.their_messages == s.our_sent,
        "tungstenite received {} messages, we sent {} (or they differ)",
        s.their_messages.len(),
        s.our_sent.len()
    );
    assert!(
        s.our_messages == s.their_sent,
        "we received {} messages, tungstenite sent {} (or they differ)",
        s.our_messages.len(),
        s.their_sent.len()
    );
    assert_eq!(s.their_pings, s.our_sent_pings, "our pings at tungstenite");
    assert_eq!(s.our_pings, s.their_sent_pings, "tungstenite's pings at us");
    // A ping that arrives after the receiver sent its Close is not answered, so only the
    // order is checked here.
    answers(
        &s.our_pongs,
        &s.our_sent_pings,
        "tungstenite's pongs",
        false,
    );
    answers(&s.their_pongs, &s.their_sent_pings, "our pongs", false);

    // The closes agree.
    let their_close = s.their_close.clone().expect("tungstenite saw no Close");
    let our_close = s.our_close.clone().expect("we saw no Close");
    let State::Closed(Closure::Clean { sent, received }) = s.ours.state() else {
        panic!("not closed cleanly: {:?}", s.ours.state());
    };
    match (our_code, their_code) {
        (Some(code), None) => {
            // Ours first: tungstenite reports our code and reason and echoes them (a code
            // its table refuses it reports and answers as 1002 "Protocol violation").
            let reason = close_reason(&script.closer);
            let echo = if echo_of(code) == code {
                (code, reason)
            } else {
                (1002, "Protocol violation".to_string())
            };
            assert_eq!(their_close, Some(echo.clone()));
            assert_eq!(our_close, echo);
            assert_eq!((sent.as_u16(), received.as_u16()), (code, echo.0));
        }
        (None, Some(code)) => {
            // Theirs first: we report it (1005 without a code) and echo the code (1000).
            let reason = close_reason(&script.closer);
            let reported = code.unwrap_or(CloseCode::NO_STATUS.as_u16());
            let echo = code.unwrap_or(1000);
            assert_eq!(our_close, (reported, reason));
            assert_eq!(their_close, Some((echo, String::new())));
            assert_eq!((sent.as_u16(), received.as_u16()), (echo, reported));
        }
        (Some(ours), Some(Some(theirs))) => {
            // Both: each reports the other's, neither echoes.
            let Closer::Both {
                ours: (_, our_reason),
                theirs: (_, their_reason),
            } = &script.closer
            else {
                unreachable!()
            };
            assert_eq!(our_close, (theirs, their_reason.clone()));
            // tungstenite, closing itself, reports our Close as it came.
            assert_eq!(their_close, Some((ours, our_reason.clone())));
            assert_eq!((sent.as_u16(), received.as_u16()), (ours, theirs));
        }
        _ => unreachable!(),
    }
}

/// What tungstenite answers a Close carrying `code` with: the same code, except for codes
/// its table does not allow (1014 among our choices), which it answers with 1002.
fn echo_of(code: u16) -> u16 {
    if TCode::from(code).is_allowed() {
        code
    } else {
        1002
    }
}

fn close_reason(closer: &Closer) -> String {
    match closer {
        Closer::Us { reason, .. } | Closer::Them(Some((_, reason))) => reason.clone(),
        _ => String::new(),
    }
}

/// Every pong answers one of the pings, in order (an unanswered ping may be superseded by a
/// later one), and with `last`, the last ping is answered.
fn answers(pongs: &[Vec<u8>], pings: &[Vec<u8>], what: &str, last: bool) {
    let mut pending = pings.iter();
    for pong in pongs {
        assert!(
            pending.any(|p| p == pong),
            "{what}: {pong:?} answers no ping of {pings:?}"
        );
    }
    if last {
        assert_eq!(
            pongs.last(),
            pings.last(),
            "{what}: the last ping is unanswered"
        );
    }
}

fn non_empty(v: &[usize], default: usize) -> Vec<usize> {
    if v.is_empty() {
        vec![default]
    } else {
        v.to_vec()
    }
}

impl Session {
    fn we_send(&mut self, send: &Send) {
        match send {
            Send::Whole { text, len, seed } => {
                let bytes = payload(*text, *len, *seed);
                let kind = if *text {
                    DataKind::Text
                } else {
                    DataKind::Binary
                };
                self.ours.send(kind, &bytes).expect("send");
                self.our_sent.push(Msg { text: *text, bytes });
            }
            Send::Owned { text, len, seed } => {
                let bytes = payload(*text, *len, *seed);
                self.our_sent.push(Msg {
                    text: *text,
                    bytes: bytes.clone(),
                });
                let given_back = if *text {
                    let text = String::from_utf8(bytes).expect("text");
                    self.ours.send_text_owned(text).expect("send_text_owned")
                } else {
                    self.ours
                        .send_binary_owned(bytes)
                        .expect("send_binary_owned")
                };
                // Small payloads are copied and their buffer given back.
                if *len < wscore::OWNED_PAYLOAD_MIN {
                    assert!(given_back.is_some(), "len {len}");
                }
            }
            Send::Pieces {
                text,
                len,
                seed,
                cuts,
            } => {
                let bytes = payload(*text, *len, *seed);
                let kind = if *text {
                    DataKind::Text
                } else {
                    DataKind::Binary
                };
                self.ours.begin_message(kind).expect("begin_message");
                let parts = pieces(&bytes, cuts);
                let (last, first) = parts.split_last().expect("at least one piece");
                for part in first {
                    self.ours.send_fragment(part).expect("send_fragment");
                }
                self.ours.finish_message(last).expect("finish_message");
                self.our_sent.push(Msg { text: *text, bytes });
            }
            Send::Ping(p) => {
                match self.ours.ping(p) {
                    Ok(()) => self.our_sent_pings.push(p.clone()),
                    // At most `MAX_URGENT` pings and pongs wait: write them out and retry
                    // once. Only our side moves, so a Close tungstenite has sent is not read
                    // in between (it would end our sending, and the script's later sends).
                    Err(SendError::ControlQueueFull) => {
                        self.write_ours();
                        self.ours.ping(p).expect("ping after draining");
                        self.our_sent_pings.push(p.clone());
                    }
                    Err(e) => panic!("ping: {e:?}"),
                }
            }
        }
    }

    fn they_send(&mut self, send: &Send) {
        let result = match send {
            Send::Whole { text, len, seed } | Send::Owned { text, len, seed } => {
                let bytes = payload(*text, *len, *seed);
                let message = if *text {
                    Message::text(String::from_utf8(bytes.clone()).expect("text"))
                } else {
                    Message::binary(bytes.clone())
                };
                self.their_sent.push(Msg { text: *text, bytes });
                self.theirs.send(message)
            }
            Send::Pieces {
                text,
                len,
                seed,
                cuts,
            } => {
                let bytes = payload(*text, *len, *seed);
                let parts = pieces(&bytes, cuts);
                let last = parts.len() - 1;
                let mut result = Ok(());
                for (i, part) in parts.iter().enumerate() {
                    let opcode = match (i, *text) {
                        (0, true) => TData::Text,
                        (0, false) => TData::Binary,
                        _ => TData::Continue,
                    };
                    let frame = TFrame::message(part.to_vec(), TOpCode::Data(opcode), i == last);
                    result = self.theirs.send(Message::Frame(frame));
                    if result.is_err() {
                        break;
                    }
                }
                self.their_sent.push(Msg { text: *text, bytes });
                result
            }
            Send::Ping(p) => {
                self.their_sent_pings.push(p.clone());
                self.theirs.send(Message::Ping(p.clone().into()))
            }
        };
        result.expect("tungstenite send");
    }

    fn we_close(&mut self, code: u16, reason: &str) {
        self.ours
            .close(self.now, CloseCode::new(code), reason)
            .expect("close");
    }

    fn they_close(&mut self, frame: Option<(u16, String)>) {
        let frame = frame.map(|(code, reason)| TCloseFrame {
            code: TCode::from(code),
            reason: reason.into(),
        });
        self.theirs.close(frame).expect("tungstenite close");
    }

    /// Moves bytes both ways until nothing moves any more, then checks both ended.
    fn settle(&mut self) {
        for _ in 0..10_000 {
            if !self.pump_once() {
                return;
            }
        }
        panic!("the peers never settled");
    }

    /// One round: our output to tungstenite, tungstenite reads (and answers), its output to
    /// us, and the transport closes where the roles say. Returns whether anything moved.
    fn pump_once(&mut self) -> bool {
        let mut moved = self.write_ours();
        // A server closes the transport once it is finished; the client then sees EOF.
        if self.ours.is_finished() && self.ours.role() == Role::Server {
            let mut pipe = self.to_them.borrow_mut();
            if !pipe.closed {
                pipe.closed = true;
                moved = true;
            }
        }

        // tungstenite reads everything it can.
        if !self.their_end {
            loop {
                match self.theirs.read() {
                    Ok(message) => {
                        moved = true;
                        self.their_got(message);
                    }
                    Err(TError::Io(e)) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(TError::ConnectionClosed) => {
                        self.their_end = true;
                        moved = true;
                        break;
                    }
                    Err(e) => panic!("tungstenite failed: {e:?}"),
                }
            }
            if !self.their_end {
                match self.theirs.flush() {
                    Ok(()) => {}
                    Err(TError::ConnectionClosed) => {
                        self.their_end = true;
                        moved = true;
                    }
                    Err(e) => panic!("tungstenite flush failed: {e:?}"),
                }
            }
        }
        // A tungstenite that ended drops its end of the stream.
        if self.their_end {
            let mut pipe = self.to_us.borrow_mut();
            if !pipe.closed {
                pipe.closed = true;
                moved = true;
            }
        }

        // tungstenite's output, fed to us in scripted pieces.
        let mut input: Vec<u8> = self.to_us.borrow_mut().bytes.drain(..).collect();
        if !input.is_empty() {
            moved = true;
        }
        let mut rest = &mut input[..];
        while !rest.is_empty() {
            self.turn += 1;
            let size = self.our_feeds[self.turn % self.our_feeds.len()]
                .max(1)
                .min(rest.len());
            let (piece, tail) = rest.split_at_mut(size);
            self.feed(piece);
            rest = tail;
        }
        if self.to_us.borrow().closed && !self.our_eof {
            self.our_eof = true;
            moved = true;
            assert_eq!(
                self.ours.handle_eof(),
                Ok(()),
                "EOF before the closing handshake"
            );
        }
        moved
    }

    /// Our output into the pipe to tungstenite, in scripted fractions of each piece, until
    /// none is left. Returns whether anything was written.
    fn write_ours(&mut self) -> bool {
        let mut moved = false;
        while let Some(t) = self.ours.transmit() {
            let piece = [t.header, t.payload].concat();
            self.turn += 1;
            let frac = usize::from(self.our_writes[self.turn % self.our_writes.len()]);
            let n = (piece.len() * frac / 255).max(1);
            self.to_them.borrow_mut().bytes.extend(&piece[..n]);
            self.ours.advance_transmit(n);
            moved = true;
        }
        moved
    }

    fn feed(&mut self, piece: &mut [u8]) {
        let mut input = piece;
        loop {
            let (event, rest) = match self.ours.receive(self.now, input) {
                Ok(Some(step)) => step,
                Ok(None) => return,
                Err(e) => panic!("wscore rejected tungstenite's output: {e:?}"),
            };
            assert!(self.our_close.is_none(), "an event after the peer's Close");
            match event {
                Event::Data(d) => {
                    let text = d.kind == DataKind::Text;
                    if d.first {
                        assert!(self.our_partial.is_none(), "a message inside another");
                        self.our_partial = Some(Msg {
                            text,
                            bytes: Vec::new(),
                        });
                    }
                    let partial = self.our_partial.as_mut().expect("a piece without a start");
                    assert_eq!(partial.text, text, "the kind changed inside a message");
                    partial.bytes.extend_from_slice(d.payload);
                    if d.last {
                        let message = self.our_partial.take().expect("a message");
                        self.our_messages.push(message);
                    }
                }
                Event::Ping(p) => self.our_pings.push(p.as_bytes().to_vec()),
                Event::Pong(p) => self.our_pongs.push(p.as_bytes().to_vec()),
                Event::Close(c) => {
                    self.our_close = Some((c.code().as_u16(), c.reason().to_string()));
                }
                Event::Decoded(_) => panic!("decoded data without an extension"),
            }
            input = rest;
        }
    }

    fn their_got(&mut self, message: Message) {
        assert!(
            self.their_close.is_none(),
            "tungstenite read past the Close"
        );
        match message {
            Message::Text(t) => self.their_messages.push(Msg {
                text: true,
                bytes: t.as_bytes().to_vec(),
            }),
            Message::Binary(b) => self.their_messages.push(Msg {
                text: false,
                bytes: b.to_vec(),
            }),
            Message::Ping(p) => self.their_pings.push(p.to_vec()),
            Message::Pong(p) => self.their_pongs.push(p.to_vec()),
            Message::Close(frame) => {
                self.their_close =
                    Some(frame.map(|f| (u16::from(f.code), f.reason.as_str().to_string())));
            }
            Message::Frame(_) => panic!("tungstenite returned a raw frame"),
        }
    }
}

// ---------------------------------------------------------------------------------------
// From fuzz bytes
// ---------------------------------------------------------------------------------------

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

    /// A length: small values as they are, or large ones in steps of 557 bytes (up to
    /// ~70 KiB, past the 16-bit length encoding).
    fn len(&mut self) -> usize {
        let b = self.or0();
        if b & 0x80 == 0 {
            usize::from(b)
        } else {
            usize::from(b & 0x7f) * 557
        }
    }

    fn send(&mut self) -> Send {
        let flags = self.or0();
        let text = flags & 1 != 0;
        let seed = u64::from(self.or0());
        match (flags >> 1) % 4 {
            0 => Send::Whole {
                text,
                len: self.len(),
                seed,
            },
            1 => Send::Owned {
                text,
                len: self.len(),
                seed,
            },
            2 => {
                let len = self.len();
                let cuts = (0..(flags >> 3) % 8).map(|_| self.len()).collect();
                Send::Pieces {
                    text,
                    len,
                    seed,
                    cuts,
                }
            }
            _ => {
                let n = usize::from(self.or0() % 126);
                Send::Ping((0..n).map(|i| (i as u8) ^ flags).collect())
            }
        }
    }

    fn close(&mut self) -> (u16, String) {
        let code = CLOSE_CODES[usize::from(self.or0()) % CLOSE_CODES.len()];
        let n = usize::from(self.or0() % 40);
        let reason: String = TEXT.chars().cycle().take(n).collect();
        (code, reason)
    }

    fn sizes(&mut self) -> Vec<usize> {
        let n = usize::from(self.or0() % 4) + 1;
        (0..n)
            .map(|_| match self.or0() {
                0 => 4096,
                b @ 1..=200 => usize::from(b % 16) + 1,
                b => usize::from(b) * 97,
            })
            .collect()
    }
}

/// The fuzz input's layout: a setup byte (role, frame size, closer), the transport's piece
/// sizes, then sends until the input ends; the closing handshake and the sends after it
/// take their parameters from the start of the input again when it runs out.
pub fn script_from_bytes(data: &[u8]) -> Option<Script> {
    let (&setup, rest) = data.split_first()?;
    let mut input = Bytes { data: rest, pos: 0 };
    let max_send = [1, 2, 7, 125, 126, 1000, 65_536, 1 << 20][usize::from(setup >> 5)];
    let their_reads = input.sizes();
    let their_writes = input.sizes();
    let our_feeds = input.sizes();
    let our_writes = (0..=input.or0() % 4).map(|_| input.or0()).collect();
    let seed = u64::from(input.or0());
    let mut sends = Vec::new();
    let mut after_close = Vec::new();
    let mut closer_params = Bytes { data, pos: 0 };
    let closer = match (setup >> 1) & 3 {
        0 => {
            let (code, reason) = closer_params.close();
            Closer::Us { code, reason }
        }
        1 => Closer::Them(Some(closer_params.close())),
        2 => Closer::Them(None),
        _ => Closer::Both {
            ours: closer_params.close(),
            theirs: closer_params.close(),
        },
    };
    // At most 24 sends and 4 after the Close, to keep a run short.
    while input.pos < input.data.len() && sends.len() < 24 {
        let who = input.or0();
        let send = input.send();
        if who & 0x40 != 0 && after_close.len() < 4 {
            after_close.push(send);
        } else {
            sends.push((who & 1 == 0, send, who & 2 != 0));
        }
    }
    Some(Script {
        we_are_client: setup & 1 == 0,
        max_send,
        sends,
        settle_before_close: setup & 0x10 != 0,
        closer,
        after_close,
        their_reads,
        their_writes,
        our_feeds,
        our_writes,
        seed,
    })
}
