//! The connection state machine (needs `alloc`): messages, control frames, the closing
//! handshake, timers and limits, driven by the caller with bytes, time and entropy.

#[cfg(feature = "alloc")]
mod assembler;
mod buffer;
mod config;
mod event;
mod outbound;

use core::time::Duration;

#[cfg(feature = "alloc")]
pub use assembler::{Message, MessageAssembler};
pub use buffer::{FixedBuffer, SendBuffer};
pub use config::Config;
pub use event::{Data, DataKind, Event};
pub use outbound::{Transmit, MAX_URGENT};

#[cfg(feature = "alloc")]
use crate::entropy::Entropy;
use crate::entropy::{mask_key, MaskSource};
use crate::frame::{
    CloseCode, CloseFrame, Decoder, Header, Item, Opcode, MAX_CLOSE_REASON, MAX_CONTROL_PAYLOAD,
    MAX_HEADER_LEN,
};
use crate::utf8::Utf8Validator;
use crate::{ConnectionError, ProtocolError, Role, SendError};
use outbound::Outbound;

/// Where a connection is in its life. It only ever moves forward: `Open` → `Closing` →
/// `Closed`, or `Open` → `Closed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum State {
    /// Messages flow both ways.
    Open,
    /// We sent (or queued) a Close and wait for the peer's. Received data is discarded;
    /// nothing but the Close can be sent.
    Closing,
    /// The closing handshake is complete, or the connection failed
    /// ([`Connection::error`]). Flush the output, then close the transport once
    /// [`Connection::is_finished`] says so.
    Closed,
}

/// A sans-IO WebSocket connection (RFC 6455), for either role.
///
/// It never performs I/O, never reads a clock and never draws randomness: the caller feeds it
/// received bytes, the current time and (for a client) an [`Entropy`] source, and writes out
/// what it produces.
///
/// # The call contract
///
/// An adapter runs this loop (quinn-proto style), in any order that suits its runtime:
///
/// 1. **Receive.** Pass each read to [`receive`](Self::receive) repeatedly until it returns
///    `Ok(None)` (the input is used up), handling each [`Event`]. `now` is a monotonic time
///    the caller measures from an epoch of its choosing; it only has to be non-decreasing.
/// 2. **Send.** Call [`send`](Self::send), [`begin_message`](Self::begin_message) /
///    [`send_fragment`](Self::send_fragment) / [`finish_message`](Self::finish_message),
///    [`ping`](Self::ping), [`pong`](Self::pong), [`close`](Self::close) whenever the
///    application wants; they only queue.
/// 3. **Transmit.** Drain the queue with [`transmit`](Self::transmit) +
///    [`advance_transmit`](Self::advance_transmit) (a header slice and a payload slice, for
///    one vectored write with no copy), or with [`poll_transmit`](Self::poll_transmit) into
///    a buffer. Do this after every receive too: auto-pongs and close replies are queued
///    there.
/// 4. **Timers.** Arm a timer for [`poll_timeout`](Self::poll_timeout); when it fires, call
///    [`handle_timeout`](Self::handle_timeout) and go back to 3. Spurious or early calls are
///    harmless.
/// 5. **End of input.** When the transport reports end of file, call
///    [`handle_eof`](Self::handle_eof).
/// 6. **Finish.** When [`is_finished`](Self::is_finished) returns true, close the transport.
///    A server closes it as soon as the closing handshake is done and the Close is flushed
///    (RFC 6455 7.1.1: "the server ... SHOULD close the underlying TCP connection first");
///    a client waits for the server to do so, up to `close_timeout`.
///
/// Errors are sticky. After a protocol violation the matching Close (1002, 1007, 1009, ...)
/// is already queued, the state is [`State::Closed`], and every later `receive` returns the
/// same [`ConnectionError`]; sends fail with [`SendError::Failed`].
///
/// # Backpressure
///
/// Sends encode the frame into the connection's send buffer (masked on the way for a client)
/// and return at once. Data frames waiting in the queue are capped by
/// [`Config::max_queued_bytes`]: while that many bytes or more are waiting, data sends fail
/// with [`SendError::QueueFull`] and nothing is queued, so the caller must transmit before
/// sending more. A message is accepted whole when the queue is below the cap, so the queue
/// never holds more than the cap plus one message; a [`FixedBuffer`] also refuses a message
/// that does not fit. Control frames are bounded separately and live inside the connection:
/// the automatic pong keeps only the reply to the most recent ping (RFC 6455 5.5.3 allows
/// answering only the latest), at most [`MAX_URGENT`] application pings/pongs may wait, and
/// the Close always fits. If the caller never drains the queue, memory stays within these
/// bounds and sends start failing; the connection itself never grows without limit.
///
/// # Example: two peers in memory
///
/// (With `alloc`; without it, use [`Connection::server_in`] and [`Connection::client_in`]
/// with a [`FixedBuffer`].)
///
/// ```
/// # #[cfg(feature = "alloc")] {
/// use core::time::Duration;
/// use wscore::{Config, Connection, Event, DataKind};
///
/// let now = Duration::ZERO;
/// let mut counter = 0u8;
/// let entropy = move |buf: &mut [u8]| buf.iter_mut().for_each(|b| { counter = counter.wrapping_add(97); *b = counter });
/// let mut client = Connection::client(Config::default(), entropy, now);
/// let mut server = Connection::server(Config::default(), now);
///
/// client.send(DataKind::Text, b"Hello").unwrap();
/// let mut wire = [0u8; 64];
/// let n = client.poll_transmit(&mut wire);
///
/// let (event, rest) = server.receive(now, &mut wire[..n]).unwrap().unwrap();
/// let Event::Data(data) = event else { panic!() };
/// assert_eq!((data.kind, data.payload, data.first, data.last), (DataKind::Text, &b"Hello"[..], true, true));
/// server.send(data.kind, data.payload).unwrap(); // echo, straight from the input buffer
/// assert!(rest.is_empty());
/// # }
/// ```
pub struct Connection<B = DefaultSendBuffer> {
    role: Role,
    config: Config,
    decoder: Decoder,
    entropy: MaskSource,

    // Receiving.
    frame_opcode: Opcode,
    frame_fin: bool,
    discard_frame: bool,
    incoming: Option<DataKind>,
    first_piece: bool,
    message_len: u64,
    fragments: u32,
    utf8: Utf8Validator,
    control: [u8; MAX_CONTROL_PAYLOAD],
    control_len: usize,

    // Sending.
    out: Outbound<B>,
    outgoing: Option<(DataKind, bool)>,
    outgoing_utf8: Utf8Validator,

    // Lifecycle.
    state: State,
    close_queued: bool,
    peer_close: Option<CloseCode>,
    error: Option<ConnectionError>,
    eof: bool,
    gave_up: bool,

    // Timers: deadlines on the caller's clock.
    keepalive_at: Option<Duration>,
    pong_deadline: Option<Duration>,
    close_deadline: Option<Duration>,
}

/// The send buffer a `Connection` uses when none is named: `Vec<u8>` with `alloc`. Without
/// `alloc` there is no default; name one, e.g. `Connection<FixedBuffer<'a>>`.
#[cfg(feature = "alloc")]
pub type DefaultSendBuffer = alloc::vec::Vec<u8>;
/// The send buffer a `Connection` uses when none is named: `Vec<u8>` with `alloc`. Without
/// `alloc` there is no default; name one, e.g. `Connection<FixedBuffer<'a>>`.
#[cfg(not(feature = "alloc"))]
pub type DefaultSendBuffer = NoDefaultBuffer;

/// Stands in for the default send buffer without `alloc`: it has no methods, so a
/// `Connection` must name its buffer (e.g. [`FixedBuffer`]).
#[cfg(not(feature = "alloc"))]
#[derive(Debug)]
pub enum NoDefaultBuffer {}

impl<B: SendBuffer> core::fmt::Debug for Connection<B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Connection")
            .field("role", &self.role)
            .field("state", &self.state)
            .field("error", &self.error)
            .field("queued_bytes", &self.out.queued_bytes())
            .finish_non_exhaustive()
    }
}

/// What one decoding step produced, before it becomes an [`Event`].
enum Step<'i> {
    Nothing,
    Data(Data<'i>),
    Control,
}

#[cfg(feature = "alloc")]
impl Connection<alloc::vec::Vec<u8>> {
    /// A server-side connection (after the opening handshake, or after an RFC 8441 extended
    /// CONNECT). `now` starts the keepalive timer.
    pub fn server(config: Config, now: Duration) -> Connection {
        Connection::new(
            Role::Server,
            config,
            alloc::vec::Vec::new(),
            MaskSource::None,
            now,
        )
    }

    /// A client-side connection. Every frame it sends is masked with a fresh key drawn from
    /// `entropy`.
    pub fn client(
        config: Config,
        entropy: impl Entropy + Send + 'static,
        now: Duration,
    ) -> Connection {
        let entropy = MaskSource::Boxed(alloc::boxed::Box::new(entropy));
        Connection::new(Role::Client, config, alloc::vec::Vec::new(), entropy, now)
    }
}

impl<B: SendBuffer> Connection<B> {
    /// A server-side connection whose send queue lives in `buffer` (e.g. a [`FixedBuffer`]
    /// over memory the caller owns: no allocator needed).
    pub fn server_in(config: Config, buffer: B, now: Duration) -> Connection<B> {
        Connection::new(Role::Server, config, buffer, MaskSource::None, now)
    }

    /// A client-side connection whose send queue lives in `buffer`, masking with keys from
    /// `entropy` (e.g. a function reading a hardware random number generator).
    pub fn client_in(
        config: Config,
        buffer: B,
        entropy: fn(&mut [u8]),
        now: Duration,
    ) -> Connection<B> {
        Connection::new(Role::Client, config, buffer, MaskSource::Fn(entropy), now)
    }

    fn new(
        role: Role,
        config: Config,
        buffer: B,
        entropy: MaskSource,
        now: Duration,
    ) -> Connection<B> {
        let decoder = Decoder::new(role).with_max_payload(config.max_frame_payload);
        let keepalive_at = config.keepalive_interval.map(|i| now.saturating_add(i));
        Connection {
            role,
            config,
            decoder,
            entropy,
            frame_opcode: Opcode::Binary,
            frame_fin: true,
            discard_frame: false,
            incoming: None,
            first_piece: true,
            message_len: 0,
            fragments: 0,
            utf8: Utf8Validator::new(),
            control: [0; MAX_CONTROL_PAYLOAD],
            control_len: 0,
            out: Outbound::new(buffer),
            outgoing: None,
            outgoing_utf8: Utf8Validator::new(),
            state: State::Open,
            close_queued: false,
            peer_close: None,
            error: None,
            eof: false,
            gave_up: false,
            keepalive_at,
            pong_deadline: None,
            close_deadline: None,
        }
    }

    /// This endpoint's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// The sticky error, once the connection has failed.
    pub fn error(&self) -> Option<ConnectionError> {
        self.error
    }

    /// The close code the peer sent (1005 if its Close had none), once its Close arrived.
    pub fn peer_close_code(&self) -> Option<CloseCode> {
        self.peer_close
    }

    /// Whether the transport should now be closed: the connection is over and its output is
    /// flushed (see the [call contract](Self#the-call-contract), step 6).
    pub fn is_finished(&self) -> bool {
        self.eof
            || self.gave_up
            || (self.state == State::Closed && self.out.is_empty() && self.role == Role::Server)
    }

    // ----------------------------------------------------------------------------------
    // Receiving
    // ----------------------------------------------------------------------------------

    /// Processes received bytes until one event is found or `input` is used up.
    ///
    /// Returns the event and the unread rest of `input` (call again with it), or `Ok(None)`
    /// once all of `input` has been consumed. Payloads are unmasked in place and borrowed
    /// from `input`. After the closing handshake, input is ignored.
    pub fn receive<'s, 'i>(
        &'s mut self,
        now: Duration,
        input: &'i mut [u8],
    ) -> Result<Option<(Event<'i, 's>, &'i mut [u8])>, ConnectionError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if !input.is_empty() {
            self.keepalive_at = self
                .config
                .keepalive_interval
                .map(|i| now.saturating_add(i));
        }
        let mut input = input;
        loop {
            if input.is_empty() || self.state == State::Closed {
                return Ok(None);
            }
            // The decoder's result is matched in place, never moved out as a whole: moving it
            // made the compiler read the header back as one word from bytes it had just
            // stored one by one (a store-forwarding stall on every frame).
            let step = match self.decoder.decode(input) {
                Ok((Item::NeedMore, _)) => return Ok(None),
                Ok((
                    Item::Header(Header {
                        opcode,
                        fin,
                        payload_len,
                        ..
                    }),
                    rest,
                )) => {
                    input = rest;
                    self.on_header(now, opcode, fin, payload_len)
                }
                Ok((Item::Payload { data, last }, rest)) if self.frame_opcode.is_control() => {
                    input = rest;
                    self.on_control_payload(now, data, last)
                }
                // Data after our Close was queued: discarded (see `on_header`).
                Ok((Item::Payload { .. }, rest)) if self.discard_frame => {
                    input = rest;
                    Ok(Step::Nothing)
                }
                // Data payload, the hot path: the event is built and returned right here,
                // not passed through `Step` (see `on_data`).
                Ok((Item::Payload { data, last }, rest)) => {
                    return match self.on_data(data, last) {
                        Ok(data) => Ok(Some((Event::Data(data), rest))),
                        Err(e) => Err(self.fail(now, e.into())),
                    };
                }
                Err(e) => return Err(self.fail(now, e.into())),
            };
            match step {
                Ok(Step::Nothing) => {}
                Ok(Step::Data(data)) => return Ok(Some((Event::Data(data), input))),
                Ok(Step::Control) => return Ok(Some((self.control_event(), input))),
                Err(e) => return Err(self.fail(now, e.into())),
            }
        }
    }

    fn on_header<'i>(
        &mut self,
        now: Duration,
        opcode: Opcode,
        fin: bool,
        payload_len: u64,
    ) -> Result<Step<'i>, ProtocolError> {
        self.frame_opcode = opcode;
        self.frame_fin = fin;
        if opcode.is_control() {
            // "Control frames ... MAY be injected in the middle of a fragmented message"
            // (5.4): they leave the message state alone.
            self.control_len = 0;
            return if payload_len == 0 {
                self.on_control(now)
            } else {
                Ok(Step::Nothing)
            };
        }
        // "after sending a Close frame ... [the endpoint] MAY ... discard any further data
        // received" (5.5.1).
        self.discard_frame = self.close_queued;
        if self.discard_frame {
            return Ok(Step::Nothing);
        }
        let kind = match opcode {
            Opcode::Continuation => self.incoming.ok_or(ProtocolError::UnexpectedContinuation)?,
            _ => {
                if self.incoming.is_some() {
                    return Err(ProtocolError::ExpectedContinuation);
                }
                let kind = if opcode == Opcode::Text {
                    DataKind::Text
                } else {
                    DataKind::Binary
                };
                self.incoming = Some(kind);
                self.first_piece = true;
                self.message_len = 0;
                self.fragments = 0;
                self.utf8.reset();
                kind
            }
        };
        self.fragments += 1;
        if self.fragments > self.config.max_fragments {
            return Err(ProtocolError::TooManyFragments {
                max: self.config.max_fragments,
            });
        }
        self.message_len = self.message_len.saturating_add(payload_len);
        if self.message_len > self.config.max_message_size {
            return Err(ProtocolError::MessageTooLarge {
                len: self.message_len,
                max: self.config.max_message_size,
            });
        }
        if payload_len != 0 {
            return Ok(Step::Nothing);
        }
        // An empty frame: report it if it starts or ends a message.
        let last = fin;
        if last && kind == DataKind::Text {
            self.utf8.finish()?;
        }
        let first = core::mem::replace(&mut self.first_piece, false);
        if last {
            self.incoming = None;
        }
        Ok(if first || last {
            Step::Data(Data {
                kind,
                payload: &[],
                first,
                last,
            })
        } else {
            Step::Nothing
        })
    }

    /// A piece of a control frame's payload: collected (the decoder guarantees at most 125
    /// bytes in all), and acted on once complete.
    fn on_control_payload<'i>(
        &mut self,
        now: Duration,
        data: &[u8],
        last: bool,
    ) -> Result<Step<'i>, ProtocolError> {
        let end = self.control_len + data.len();
        self.control[self.control_len..end].copy_from_slice(data);
        self.control_len = end;
        if last {
            self.on_control(now)
        } else {
            Ok(Step::Nothing)
        }
    }

    /// A piece of a data frame's payload (not discarded).
    ///
    /// `receive` calls this directly and wraps the result in an `Event` at once: routing it
    /// through `Step` made the compiler copy the `Data` through a stack slot written byte by
    /// byte and read back as a word, a store-forwarding stall on every message.
    #[inline]
    fn on_data<'i>(&mut self, data: &'i mut [u8], last: bool) -> Result<Data<'i>, ProtocolError> {
        let Some(kind) = self.incoming else {
            return Err(ProtocolError::UnexpectedContinuation);
        };
        let end = last && self.frame_fin;
        if kind == DataKind::Text {
            // "When an endpoint is to interpret a byte stream as UTF-8 but finds that the
            // byte stream is not ... a valid UTF-8 stream, that endpoint MUST _Fail the
            // WebSocket Connection_" (8.1), at the first bad byte, not at message end.
            self.utf8.feed(data)?;
            if end {
                self.utf8.finish()?;
            }
        }
        let first = core::mem::replace(&mut self.first_piece, false);
        if end {
            self.incoming = None;
        }
        Ok(Data {
            kind,
            payload: data,
            first,
            last: end,
        })
    }

    fn on_control<'i>(&mut self, now: Duration) -> Result<Step<'i>, ProtocolError> {
        let len = self.control_len;
        match self.frame_opcode {
            Opcode::Ping => {
                // "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in
                // response, unless it already received a Close frame" (5.5.2).
                if self.config.auto_pong && !self.close_queued {
                    let header = self.header(Opcode::Pong, true, len);
                    self.out.set_pong(header, &self.control[..len]);
                }
            }
            Opcode::Pong => self.pong_deadline = None,
            _ => {
                let code = CloseFrame::parse(&self.control[..len])?
                    .map_or(CloseCode::NO_STATUS, |frame| frame.code);
                self.peer_close = Some(code);
                // "If an endpoint receives a Close frame and did not previously send a Close
                // frame, the endpoint MUST send a Close frame in response ... typically
                // echoing the status code it received" (5.5.1).
                if !self.close_queued {
                    let echo = if code == CloseCode::NO_STATUS {
                        CloseCode::NORMAL
                    } else {
                        code
                    };
                    self.queue_close(now, &echo.as_u16().to_be_bytes());
                }
                self.state = State::Closed;
                self.arm_close_deadline(now);
            }
        }
        Ok(Step::Control)
    }

    fn control_event<'i>(&self) -> Event<'i, '_> {
        let payload = &self.control[..self.control_len];
        match self.frame_opcode {
            Opcode::Ping => Event::Ping(payload),
            Opcode::Pong => Event::Pong(payload),
            _ => Event::Close(match CloseFrame::parse(payload) {
                Ok(Some(frame)) => frame,
                _ => CloseFrame {
                    code: CloseCode::NO_STATUS,
                    reason: "",
                },
            }),
        }
    }

    /// Reports that the transport reached end of file.
    ///
    /// After a completed closing handshake this is the normal end and returns `Ok(())`.
    /// Before it, the connection closed abnormally: the state becomes `Closed` and the
    /// result is [`ConnectionError::AbnormalClosure`] (close code 1006, reported locally and
    /// never sent), unless the connection had already failed with another error, which is
    /// returned instead.
    pub fn handle_eof(&mut self) -> Result<(), ConnectionError> {
        self.eof = true;
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.peer_close.is_some() {
            return Ok(());
        }
        self.error = Some(ConnectionError::AbnormalClosure);
        self.state = State::Closed;
        Err(ConnectionError::AbnormalClosure)
    }

    fn fail(&mut self, now: Duration, e: ConnectionError) -> ConnectionError {
        if let Some(first) = self.error {
            return first;
        }
        self.error = Some(e);
        if !self.close_queued {
            // Fail the WebSocket Connection (7.1.7): stop sending data, send the Close.
            self.out.abort_data();
            let mut payload = [0u8; MAX_CONTROL_PAYLOAD];
            let reason = match e {
                ConnectionError::Protocol(p) => p.reason(),
                ConnectionError::PongTimeout => "keepalive timeout",
                ConnectionError::AbnormalClosure => "",
            };
            let reason = &reason[..reason.len().min(MAX_CLOSE_REASON)];
            let frame = CloseFrame {
                code: e.close_code(),
                reason,
            };
            if let Ok(n) = frame.encode(&mut payload) {
                self.queue_close(now, &payload[..n]);
            }
        }
        self.state = State::Closed;
        self.arm_close_deadline(now);
        e
    }

    // ----------------------------------------------------------------------------------
    // Sending
    // ----------------------------------------------------------------------------------

    /// Queues a whole message, split into frames of at most
    /// [`Config::max_send_frame_payload`] bytes.
    pub fn send(&mut self, kind: DataKind, payload: &[u8]) -> Result<(), SendError> {
        self.check_data_send()?;
        if self.outgoing.is_some() {
            return Err(SendError::MessageInProgress);
        }
        if kind == DataKind::Text && core::str::from_utf8(payload).is_err() {
            return Err(SendError::InvalidUtf8);
        }
        self.queue_data(opcode_of(kind), payload, true)
    }

    /// Queues a whole text message.
    pub fn send_text(&mut self, text: &str) -> Result<(), SendError> {
        self.check_data_send()?;
        if self.outgoing.is_some() {
            return Err(SendError::MessageInProgress);
        }
        self.queue_data(Opcode::Text, text.as_bytes(), true)
    }

    /// Queues a whole binary message.
    pub fn send_binary(&mut self, payload: &[u8]) -> Result<(), SendError> {
        self.send(DataKind::Binary, payload)
    }

    /// Starts a streamed message of unknown length; follow with
    /// [`send_fragment`](Self::send_fragment) calls and one
    /// [`finish_message`](Self::finish_message). Control frames (and Close) may still be
    /// sent in between.
    pub fn begin_message(&mut self, kind: DataKind) -> Result<(), SendError> {
        self.check_can_send()?;
        if self.outgoing.is_some() {
            return Err(SendError::MessageInProgress);
        }
        self.outgoing = Some((kind, false));
        self.outgoing_utf8.reset();
        Ok(())
    }

    /// Queues the next piece of a streamed message as one or more non-final frames. Text may
    /// be split anywhere, even inside a code point. An empty piece queues nothing.
    pub fn send_fragment(&mut self, payload: &[u8]) -> Result<(), SendError> {
        let (kind, opcode, utf8) = self.check_fragment(payload)?;
        if payload.is_empty() {
            return Ok(());
        }
        self.queue_data(opcode, payload, false)?;
        self.outgoing = Some((kind, true));
        self.outgoing_utf8 = utf8;
        Ok(())
    }

    /// Queues the last piece (possibly empty) of a streamed message, with FIN set.
    pub fn finish_message(&mut self, payload: &[u8]) -> Result<(), SendError> {
        let (kind, opcode, utf8) = self.check_fragment(payload)?;
        if kind == DataKind::Text && !utf8.is_boundary() {
            return Err(SendError::InvalidUtf8);
        }
        self.queue_data(opcode, payload, true)?;
        self.outgoing = None;
        Ok(())
    }

    /// Checks a streamed piece; returns the message kind, the opcode its next frame takes
    /// (the kind's for the first, continuation after), and the outgoing UTF-8 state after the
    /// piece (committed once it is queued).
    fn check_fragment(
        &self,
        payload: &[u8],
    ) -> Result<(DataKind, Opcode, Utf8Validator), SendError> {
        self.check_data_send()?;
        let Some((kind, started)) = self.outgoing else {
            return Err(SendError::NoMessageInProgress);
        };
        let mut utf8 = self.outgoing_utf8;
        if kind == DataKind::Text {
            utf8.feed(payload).map_err(|_| SendError::InvalidUtf8)?;
        }
        let opcode = if started {
            Opcode::Continuation
        } else {
            opcode_of(kind)
        };
        Ok((kind, opcode, utf8))
    }

    /// Queues a ping (payload at most 125 bytes). It may overtake queued data at the next
    /// frame boundary.
    pub fn ping(&mut self, payload: &[u8]) -> Result<(), SendError> {
        self.queue_urgent(Opcode::Ping, payload)
    }

    /// Queues an unsolicited pong (payload at most 125 bytes), e.g. as a heartbeat.
    pub fn pong(&mut self, payload: &[u8]) -> Result<(), SendError> {
        self.queue_urgent(Opcode::Pong, payload)
    }

    /// Starts the closing handshake: queues a Close with `code` and `reason` after the data
    /// already queued. No data can be sent afterwards. The peer's Close is awaited for at
    /// most [`Config::close_timeout`] from `now`.
    pub fn close(&mut self, now: Duration, code: CloseCode, reason: &str) -> Result<(), SendError> {
        self.check_can_send()?;
        let mut payload = [0u8; MAX_CONTROL_PAYLOAD];
        let n = CloseFrame { code, reason }
            .encode(&mut payload)
            .map_err(SendError::InvalidClose)?;
        self.queue_close(now, &payload[..n]);
        self.state = State::Closing;
        self.arm_close_deadline(now);
        Ok(())
    }

    fn check_can_send(&self) -> Result<(), SendError> {
        if let Some(e) = self.error {
            return Err(SendError::Failed(e));
        }
        if self.close_queued {
            return Err(SendError::Closing);
        }
        Ok(())
    }

    fn check_data_send(&self) -> Result<(), SendError> {
        self.check_can_send()?;
        if self.out.queued_bytes() >= self.config.max_queued_bytes {
            return Err(SendError::QueueFull);
        }
        Ok(())
    }

    fn queue_urgent(&mut self, opcode: Opcode, payload: &[u8]) -> Result<(), SendError> {
        self.check_can_send()?;
        if payload.len() > MAX_CONTROL_PAYLOAD {
            return Err(SendError::ControlTooLong(payload.len()));
        }
        if self.out.urgent_len() >= MAX_URGENT {
            return Err(SendError::QueueFull);
        }
        let header = self.header(opcode, true, payload.len());
        self.out.push_urgent(header, payload);
        Ok(())
    }

    fn queue_data(&mut self, opcode: Opcode, payload: &[u8], fin: bool) -> Result<(), SendError> {
        let max = self.config.max_send_frame_payload.max(1);
        let frames = payload.len().div_ceil(max).max(1);
        let needed = payload
            .len()
            .saturating_add(frames.saturating_mul(MAX_HEADER_LEN));
        if !self.out.make_room(needed) {
            return Err(SendError::QueueFull);
        }
        let mut opcode = opcode;
        let mut rest = payload;
        loop {
            let (chunk, tail) = rest.split_at(rest.len().min(max));
            let header = self.header(opcode, fin && tail.is_empty(), chunk.len());
            self.out.push_data(header, chunk);
            if tail.is_empty() {
                return Ok(());
            }
            rest = tail;
            opcode = Opcode::Continuation;
        }
    }

    fn queue_close(&mut self, now: Duration, payload: &[u8]) {
        let header = self.header(Opcode::Close, true, payload.len());
        self.out.push_close(header, payload);
        self.close_queued = true;
        // Nothing more is delivered, not even the rest of a data frame already under way.
        self.discard_frame = true;
        self.arm_close_deadline(now);
    }

    /// A frame header for this role: masked with a fresh key for a client.
    fn header(&mut self, opcode: Opcode, fin: bool, len: usize) -> Header {
        let header = Header::new(opcode, fin, len as u64);
        match mask_key(&mut self.entropy) {
            Some(key) => header.with_mask(key),
            None => header,
        }
    }

    // ----------------------------------------------------------------------------------
    // Transmitting
    // ----------------------------------------------------------------------------------

    /// The next piece of output as a header slice and a payload slice (write both with one
    /// vectored write), or `None` when nothing is queued. Report what was written with
    /// [`advance_transmit`](Self::advance_transmit); until then the same piece is returned.
    pub fn transmit(&mut self) -> Option<Transmit<'_>> {
        self.out.transmit()
    }

    /// Records that `n` bytes of the output returned by [`transmit`](Self::transmit) were
    /// written.
    pub fn advance_transmit(&mut self, n: usize) {
        self.out.advance(n);
    }

    /// Copies as much queued output as fits into `out` and returns how many bytes were
    /// written (0 when nothing is queued).
    pub fn poll_transmit(&mut self, out: &mut [u8]) -> usize {
        let mut written = 0;
        while written < out.len() {
            let Some(t) = self.out.transmit() else { break };
            let mut n = 0;
            for part in [t.header, t.payload] {
                let take = part.len().min(out.len() - written - n);
                out[written + n..written + n + take].copy_from_slice(&part[..take]);
                n += take;
            }
            self.out.advance(n);
            written += n;
        }
        written
    }

    /// Whether output is waiting to be transmitted.
    pub fn has_pending_output(&self) -> bool {
        !self.out.is_empty()
    }

    /// Bytes of data frames waiting in the send queue (see [backpressure](Self#backpressure)).
    pub fn queued_bytes(&self) -> usize {
        self.out.queued_bytes()
    }

    // ----------------------------------------------------------------------------------
    // Timers
    // ----------------------------------------------------------------------------------

    /// The earliest deadline at which [`handle_timeout`](Self::handle_timeout) has work to
    /// do, or `None` when no timer is armed.
    pub fn poll_timeout(&self) -> Option<Duration> {
        if self.is_finished() {
            return None;
        }
        let keepalive = self.keepalive_at.filter(|_| self.state == State::Open);
        [keepalive, self.pong_deadline, self.close_deadline]
            .into_iter()
            .flatten()
            .min()
    }

    /// Acts on every deadline at or before `now`: sends a keepalive ping, fails the
    /// connection when a pong is overdue, gives up on a closing handshake that took too long
    /// (after which [`is_finished`](Self::is_finished) is true). Calling it early or twice
    /// does nothing.
    pub fn handle_timeout(&mut self, now: Duration) {
        if self.is_finished() {
            return;
        }
        if self.pong_deadline.is_some_and(|d| now >= d) {
            self.pong_deadline = None;
            self.fail(now, ConnectionError::PongTimeout);
            self.gave_up = true;
            return;
        }
        if self.state == State::Open && self.keepalive_at.is_some_and(|k| now >= k) {
            self.keepalive_at = self
                .config
                .keepalive_interval
                .map(|i| now.saturating_add(i));
            if self.out.urgent_len() < MAX_URGENT {
                let header = self.header(Opcode::Ping, true, 0);
                self.out.push_urgent(header, &[]);
                if self.pong_deadline.is_none() {
                    self.pong_deadline = Some(now.saturating_add(self.config.pong_timeout));
                }
            }
        }
        if self.close_deadline.is_some_and(|d| now >= d) {
            self.gave_up = true;
        }
    }

    fn arm_close_deadline(&mut self, now: Duration) {
        if self.close_deadline.is_none() {
            self.close_deadline = Some(now.saturating_add(self.config.close_timeout));
        }
        self.keepalive_at = None;
        self.pong_deadline = None;
    }
}

fn opcode_of(kind: DataKind) -> Opcode {
    match kind {
        DataKind::Text => Opcode::Text,
        DataKind::Binary => Opcode::Binary,
    }
}
