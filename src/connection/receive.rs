//! Frames in, events out: message state, fragmentation rules, UTF-8, control frames, and the
//! negotiated extension's decoding.

use core::time::Duration;

use super::event::{ControlPayload, Data, DataKind, Event, PeerClose};
use super::{Connection, SendBuffer};
use crate::entropy::Entropy;
use crate::frame::{CloseCode, CloseFrame, FrameHeader, Item, Opcode, MAX_CONTROL_PAYLOAD};
use crate::utf8::Utf8Validator;
use crate::{ConnectionError, ProtocolError};

/// The receive side's state: the frame under way and the message it belongs to.
#[derive(Clone, Debug)]
pub(super) struct Inbound {
    frame_opcode: Opcode,
    frame_fin: bool,
    /// The data message under way, if any.
    incoming: Option<DataKind>,
    /// The message under way is decoded by the extension.
    transformed: bool,
    first_piece: bool,
    /// Payload bytes the message's frames declared so far (wire size).
    message_len: u64,
    /// Bytes the extension decoded for the message so far.
    decoded_len: u64,
    fragments: u32,
    utf8: Utf8Validator,
    control: [u8; MAX_CONTROL_PAYLOAD],
    control_len: usize,
}

impl Inbound {
    pub(super) const fn new() -> Inbound {
        Inbound {
            frame_opcode: Opcode::Binary,
            frame_fin: true,
            incoming: None,
            transformed: false,
            first_piece: true,
            message_len: 0,
            decoded_len: 0,
            fragments: 0,
            utf8: Utf8Validator::new(),
            control: [0; MAX_CONTROL_PAYLOAD],
            control_len: 0,
        }
    }
}

/// What one decoding step produced, before it becomes an [`Event`].
enum Step<'i> {
    Nothing,
    Data(Data<'i>),
    /// The extension produced a piece of decoded message (kept in the connection).
    #[cfg_attr(not(feature = "alloc"), allow(dead_code))]
    Decoded(Data<'static>),
    Control(ControlEvent),
}

/// A complete control frame, by value.
#[derive(Clone, Copy)]
enum ControlEvent {
    Ping(ControlPayload),
    Pong(ControlPayload),
    Close(PeerClose),
}

impl<B: SendBuffer, R: Entropy> Connection<B, R> {
    /// The payload bytes the frames of the data message under way declared so far (0 when
    /// the extension decodes it: its size is not known then). Bounded by
    /// `max_message_size`; a hint for reserving memory, valid right after a data event.
    #[cfg(any(feature = "blocking", feature = "tokio", feature = "futures-io"))]
    pub(crate) fn message_len_hint(&self) -> usize {
        if self.inbound.transformed {
            0
        } else {
            usize::try_from(self.inbound.message_len).unwrap_or(usize::MAX)
        }
    }

    /// Payload bytes still to come in the data frame under way, if the next bytes received
    /// are all its payload and come back as one [`Event::Data`] borrowing them (whatever
    /// part of them arrives); 0 otherwise (between frames, in a control frame, in a message
    /// the extension decodes, or once closed or failed). Lets an adapter read a large
    /// payload straight into the message it is assembling.
    #[cfg(any(feature = "blocking", feature = "tokio", feature = "futures-io"))]
    pub(crate) fn data_payload_remaining(&self) -> u64 {
        let inb = &self.inbound;
        if inb.frame_opcode.is_control()
            || inb.transformed
            || inb.incoming.is_none()
            || self.life.is_closed()
            || self.life.error().is_some()
        {
            return 0;
        }
        self.decoder.remaining()
    }

    /// Processes received bytes until one event is found or `input` is used up.
    ///
    /// Returns the event and the unread rest of `input` (call again with it), or `Ok(None)`
    /// once all of `input` has been consumed. Payloads are unmasked in place and borrowed
    /// from `input`. After the peer's Close, input is ignored; after a failure, the sticky
    /// error is returned.
    pub fn receive<'c, 'i>(
        &'c mut self,
        now: Duration,
        input: &'i mut [u8],
    ) -> Result<Option<(Event<'i, 'c>, &'i mut [u8])>, ConnectionError> {
        if let Some(e) = self.life.error() {
            return Err(e);
        }
        if !input.is_empty() {
            self.timers.received(now, &self.config);
        }
        let mut input = input;
        loop {
            if input.is_empty() || self.life.is_closed() {
                return Ok(None);
            }
            // The decoder's result is matched in place, never moved out as a whole: moving it
            // made the compiler read the header back as one word from bytes it had just
            // stored one by one (a store-forwarding stall on every frame).
            let step = match self.decoder.decode(input) {
                Ok((Item::NeedMore, _)) => return Ok(None),
                Ok((
                    Item::Header(FrameHeader {
                        opcode,
                        fin,
                        rsv,
                        payload_len,
                        ..
                    }),
                    rest,
                )) => {
                    input = rest;
                    self.on_header(now, opcode, fin, rsv, payload_len)
                }
                Ok((Item::Payload { data, last }, rest))
                    if self.inbound.frame_opcode.is_control() =>
                {
                    input = rest;
                    self.on_control_payload(now, data, last)
                }
                Ok((Item::Payload { data, last }, rest)) if self.inbound.transformed => {
                    input = rest;
                    self.on_transformed(data, last && self.inbound.frame_fin)
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
                Ok(Step::Decoded(info)) => {
                    return Ok(Some((Event::Decoded(self.decoded_piece(info)), input)))
                }
                Ok(Step::Control(control)) => {
                    let event = match control {
                        ControlEvent::Ping(p) => Event::Ping(p),
                        ControlEvent::Pong(p) => Event::Pong(p),
                        ControlEvent::Close(c) => Event::Close(c),
                    };
                    return Ok(Some((event, input)));
                }
                Err(e) => return Err(self.fail(now, e.into())),
            }
        }
    }

    fn on_header<'i>(
        &mut self,
        now: Duration,
        opcode: Opcode,
        fin: bool,
        rsv: u8,
        payload_len: u64,
    ) -> Result<Step<'i>, ProtocolError> {
        let inb = &mut self.inbound;
        inb.frame_opcode = opcode;
        inb.frame_fin = fin;
        if opcode.is_control() {
            // An extension's bits apply to data messages only (RFC 7692 6: "... MUST NOT be
            // set on control frames"); the decoder let them through because they are owned.
            if rsv != 0 {
                return Err(ProtocolError::ReservedBits(rsv));
            }
            // "Control frames ... MAY be injected in the middle of a fragmented message"
            // (5.4): they leave the message state alone.
            inb.control_len = 0;
            return if payload_len == 0 {
                self.on_control(now)
            } else {
                Ok(Step::Nothing)
            };
        }
        let kind = match opcode {
            Opcode::Continuation => {
                let kind = inb.incoming.ok_or(ProtocolError::UnexpectedContinuation)?;
                // Extension bits mark a message on its first frame only.
                if rsv != 0 {
                    return Err(ProtocolError::ReservedBits(rsv));
                }
                kind
            }
            _ => {
                if inb.incoming.is_some() {
                    return Err(ProtocolError::ExpectedContinuation);
                }
                let kind = if opcode == Opcode::Text {
                    DataKind::Text
                } else {
                    DataKind::Binary
                };
                inb.incoming = Some(kind);
                inb.first_piece = true;
                inb.message_len = 0;
                inb.decoded_len = 0;
                inb.fragments = 0;
                inb.utf8.reset();
                inb.transformed = rsv != 0;
                if rsv != 0 {
                    self.begin_decoding(rsv)?;
                }
                kind
            }
        };
        let inb = &mut self.inbound;
        inb.fragments += 1;
        if inb.fragments > self.config.max_fragments {
            return Err(ProtocolError::TooManyFragments {
                max: self.config.max_fragments,
            });
        }
        inb.message_len = inb.message_len.saturating_add(payload_len);
        if inb.message_len > self.config.max_message_size {
            return Err(ProtocolError::MessageTooLarge {
                len: inb.message_len,
                max: self.config.max_message_size,
            });
        }
        if payload_len != 0 {
            return Ok(Step::Nothing);
        }
        if inb.transformed {
            // An empty frame of a decoded message: the extension may still have output (an
            // empty final fragment ends a compressed message).
            return self.on_transformed(&mut [], fin);
        }
        // An empty frame: report it if it starts or ends a message.
        let last = fin;
        if last && kind == DataKind::Text {
            inb.utf8.finish()?;
        }
        let first = core::mem::replace(&mut inb.first_piece, false);
        if last {
            inb.incoming = None;
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
        let inb = &mut self.inbound;
        let end = inb.control_len + data.len();
        inb.control[inb.control_len..end].copy_from_slice(data);
        inb.control_len = end;
        if last {
            self.on_control(now)
        } else {
            Ok(Step::Nothing)
        }
    }

    /// A piece of a data frame's payload.
    ///
    /// `receive` calls this directly and wraps the result in an `Event` at once: routing it
    /// through `Step` made the compiler copy the `Data` through a stack slot written byte by
    /// byte and read back as a word, a store-forwarding stall on every message.
    #[inline]
    fn on_data<'i>(&mut self, data: &'i mut [u8], last: bool) -> Result<Data<'i>, ProtocolError> {
        let inb = &mut self.inbound;
        let Some(kind) = inb.incoming else {
            return Err(ProtocolError::UnexpectedContinuation);
        };
        let end = last && inb.frame_fin;
        if kind == DataKind::Text {
            // "When an endpoint is to interpret a byte stream as UTF-8 but finds that the
            // byte stream is not ... a valid UTF-8 stream, that endpoint MUST _Fail the
            // WebSocket Connection_" (8.1), at the first bad byte, not at message end.
            inb.utf8.feed(data)?;
            if end {
                inb.utf8.finish()?;
            }
        }
        let first = core::mem::replace(&mut inb.first_piece, false);
        if end {
            inb.incoming = None;
        }
        Ok(Data {
            kind,
            payload: data,
            first,
            last: end,
        })
    }

    fn on_control<'i>(&mut self, now: Duration) -> Result<Step<'i>, ProtocolError> {
        let len = self.inbound.control_len;
        let payload = ControlPayload::new(&self.inbound.control[..len]);
        match self.inbound.frame_opcode {
            Opcode::Ping => {
                // "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in
                // response, unless it already received a Close frame" (5.5.2). Once our
                // Close is queued nothing else may follow it.
                if self.config.auto_pong && self.life.is_open() {
                    match self.frame_header(Opcode::Pong, true, 0, len) {
                        Ok(header) => self.out.set_pong(header, &payload),
                        Err(_) => {
                            self.fail_entropy();
                        }
                    }
                }
                Ok(Step::Control(ControlEvent::Ping(payload)))
            }
            Opcode::Pong => {
                self.timers.pong_received();
                Ok(Step::Control(ControlEvent::Pong(payload)))
            }
            _ => {
                let close = match CloseFrame::parse(&payload)? {
                    Some(frame) => PeerClose::new(frame.code, frame.reason),
                    None => PeerClose::new(CloseCode::NO_STATUS, ""),
                };
                self.on_peer_close(now, close.code());
                Ok(Step::Control(ControlEvent::Close(close)))
            }
        }
    }

    /// The negotiated extension takes the message that starts now.
    fn begin_decoding(&mut self, rsv: u8) -> Result<(), ProtocolError> {
        #[cfg(feature = "alloc")]
        if let Some(slot) = &mut self.extension {
            return slot
                .codec
                .begin_inbound(rsv)
                .map_err(ProtocolError::Extension);
        }
        // The decoder only lets RSV bits through when an extension owns them.
        Err(ProtocolError::ReservedBits(rsv))
    }

    /// A piece of a message the extension decodes; `end` marks the message's last piece.
    fn on_transformed<'i>(
        &mut self,
        data: &mut [u8],
        end: bool,
    ) -> Result<Step<'i>, ProtocolError> {
        #[cfg(not(feature = "alloc"))]
        {
            let _ = (data, end);
            Err(ProtocolError::ReservedBits(0))
        }
        #[cfg(feature = "alloc")]
        {
            let inb = &mut self.inbound;
            let Some(kind) = inb.incoming else {
                return Err(ProtocolError::UnexpectedContinuation);
            };
            let Some(slot) = &mut self.extension else {
                return Err(ProtocolError::ReservedBits(0));
            };
            let room = self.config.max_message_size.saturating_sub(inb.decoded_len);
            let limit = usize::try_from(room).unwrap_or(usize::MAX);
            slot.decoded.clear();
            slot.codec
                .inbound(data, end, limit, &mut slot.decoded)
                .map_err(ProtocolError::Extension)?;
            let produced = slot.decoded.len();
            if produced > limit {
                // The contract says the extension refuses instead; enforce it regardless.
                return Err(ProtocolError::Extension(crate::ExtensionError::TOO_LARGE));
            }
            inb.decoded_len = inb.decoded_len.saturating_add(produced as u64);
            if kind == DataKind::Text {
                inb.utf8.feed(&slot.decoded)?;
                if end {
                    inb.utf8.finish()?;
                }
            }
            if end {
                inb.incoming = None;
                inb.transformed = false;
            }
            if produced == 0 && !end {
                // Nothing decoded from this piece: no event (a first piece is reported with
                // the first decoded bytes).
                return Ok(Step::Nothing);
            }
            let first = core::mem::replace(&mut inb.first_piece, false);
            Ok(Step::Decoded(Data {
                kind,
                payload: &[],
                first,
                last: end,
            }))
        }
    }

    /// The decoded piece `info` describes, borrowed from the extension's output buffer.
    fn decoded_piece(&self, info: Data<'static>) -> Data<'_> {
        #[cfg(feature = "alloc")]
        if let Some(slot) = &self.extension {
            return Data {
                payload: &slot.decoded,
                ..info
            };
        }
        info
    }
}
