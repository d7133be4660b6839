//! Messages in, encoded frames queued: whole and streamed messages, pings, pongs and the
//! Close, masking with keys from the entropy source, and the negotiated extension's encoding.

use core::time::Duration;

use super::event::DataKind;
use super::lifecycle::State;
use super::{Connection, SendBuffer, MAX_URGENT};
use crate::entropy::{draw_key, Entropy, EntropyError};
use crate::frame::{CloseCode, CloseFrame, FrameHeader, Opcode, MAX_CONTROL_PAYLOAD};
use crate::utf8::Utf8Validator;
use crate::SendError;

/// The streamed message being sent, if any.
#[derive(Clone, Copy, Debug)]
pub(super) struct Outgoing {
    /// The kind, whether a frame of it was queued, and the RSV bits the extension asked for
    /// (0: not transformed).
    message: Option<(DataKind, bool, u8)>,
    utf8: Utf8Validator,
}

impl Outgoing {
    pub(super) const fn new() -> Outgoing {
        Outgoing {
            message: None,
            utf8: Utf8Validator::new(),
        }
    }
}

/// The negotiated extension and the buffers it writes into (reused between messages).
#[cfg(feature = "alloc")]
#[derive(Debug)]
pub(super) struct ExtensionSlot {
    pub(super) codec: alloc::boxed::Box<dyn crate::extension::Extension>,
    /// Decoded output of the current inbound piece (what `Event::Decoded` borrows).
    pub(super) decoded: alloc::vec::Vec<u8>,
    /// Encoded output of the current outbound piece.
    encoded: alloc::vec::Vec<u8>,
}

#[cfg(feature = "alloc")]
impl ExtensionSlot {
    pub(super) fn new(codec: alloc::boxed::Box<dyn crate::extension::Extension>) -> ExtensionSlot {
        ExtensionSlot {
            codec,
            decoded: alloc::vec::Vec::new(),
            encoded: alloc::vec::Vec::new(),
        }
    }
}

/// The encoded size of a frame header for a payload of `len` bytes.
#[inline]
fn header_len(len: usize, masked: bool) -> usize {
    let ext = match len {
        0..=125 => 0,
        126..=0xffff => 2,
        _ => 8,
    };
    2 + ext + if masked { 4 } else { 0 }
}

impl<B: SendBuffer, R: Entropy> Connection<B, R> {
    /// Queues a whole message, split into frames of at most
    /// [`Config::max_send_frame_payload`](crate::Config::max_send_frame_payload) bytes, and
    /// transformed by the negotiated extension if it so decides (e.g. compressed above a
    /// size threshold).
    pub fn send(&mut self, kind: DataKind, payload: &[u8]) -> Result<(), SendError> {
        self.send_message(kind, payload, true)
    }

    /// Queues a whole message that the negotiated extension must leave alone (e.g. data
    /// that is already compressed). Without an extension this is [`send`](Self::send).
    pub fn send_untransformed(&mut self, kind: DataKind, payload: &[u8]) -> Result<(), SendError> {
        self.send_message(kind, payload, false)
    }

    /// Queues a whole text message.
    pub fn send_text(&mut self, text: &str) -> Result<(), SendError> {
        self.check_message_start()?;
        self.queue_message(DataKind::Text, text.as_bytes(), true)
    }

    /// Queues a whole binary message.
    pub fn send_binary(&mut self, payload: &[u8]) -> Result<(), SendError> {
        self.check_message_start()?;
        self.queue_message(DataKind::Binary, payload, true)
    }

    /// Queues a whole binary message given by value. A large payload (at least
    /// [`OWNED_PAYLOAD_MIN`](crate::OWNED_PAYLOAD_MIN) bytes, fitting in one frame, with no
    /// extension negotiated) is written from `payload` itself, so it is never copied (a
    /// client masks it in place); anything else is copied into the queue as
    /// [`send_binary`](Self::send_binary) does, and the buffer is handed back for reuse.
    /// Refused, it is dropped.
    #[cfg(feature = "alloc")]
    pub fn send_binary_owned(
        &mut self,
        payload: alloc::vec::Vec<u8>,
    ) -> Result<Option<alloc::vec::Vec<u8>>, SendError> {
        self.check_message_start()?;
        self.queue_owned(DataKind::Binary, payload)
    }

    /// [`send_binary_owned`](Self::send_binary_owned) for a text message.
    #[cfg(feature = "alloc")]
    pub fn send_text_owned(
        &mut self,
        text: alloc::string::String,
    ) -> Result<Option<alloc::vec::Vec<u8>>, SendError> {
        self.check_message_start()?;
        self.queue_owned(DataKind::Text, text.into_bytes())
    }

    #[cfg(feature = "alloc")]
    fn queue_owned(
        &mut self,
        kind: DataKind,
        payload: alloc::vec::Vec<u8>,
    ) -> Result<Option<alloc::vec::Vec<u8>>, SendError> {
        let keep = payload.len() >= crate::OWNED_PAYLOAD_MIN
            && payload.len() <= self.config.max_send_frame_payload
            && self.extension.is_none()
            && !self.out.has_owned();
        if !keep {
            self.queue_message(kind, &payload, true)?;
            return Ok(Some(payload));
        }
        let masked = self.role.masks_outgoing();
        self.make_room(header_len(payload.len(), masked))?;
        let header = self
            .frame_header(opcode_of(kind), true, 0, payload.len())
            .map_err(SendError::Entropy)?;
        self.out.push_owned(header, payload);
        Ok(None)
    }

    fn send_message(
        &mut self,
        kind: DataKind,
        payload: &[u8],
        transform: bool,
    ) -> Result<(), SendError> {
        self.check_message_start()?;
        if kind == DataKind::Text && core::str::from_utf8(payload).is_err() {
            return Err(SendError::InvalidUtf8);
        }
        self.queue_message(kind, payload, transform)
    }

    fn check_message_start(&self) -> Result<(), SendError> {
        self.check_data_send()?;
        if self.outgoing.message.is_some() {
            return Err(SendError::MessageInProgress);
        }
        Ok(())
    }

    /// Queues a whole, already checked message (through the extension when it transforms).
    fn queue_message(
        &mut self,
        kind: DataKind,
        payload: &[u8],
        transform: bool,
    ) -> Result<(), SendError> {
        let opcode = opcode_of(kind);
        #[cfg(feature = "alloc")]
        if transform {
            if let Some(mut slot) = self.extension.take() {
                let result =
                    self.queue_through(&mut slot, kind, Some(payload.len()), opcode, payload, true);
                self.extension = Some(slot);
                if let Some(result) = result {
                    return result;
                }
            }
        }
        let _ = transform;
        self.queue_data(opcode, payload, true, 0)
    }

    /// Starts a streamed message of unknown length; follow with
    /// [`send_fragment`](Self::send_fragment) calls and one
    /// [`finish_message`](Self::finish_message). Control frames (and Close) may still be
    /// sent in between. The negotiated extension decides now whether it transforms the
    /// message.
    pub fn begin_message(&mut self, kind: DataKind) -> Result<(), SendError> {
        self.check_can_send()?;
        if self.outgoing.message.is_some() {
            return Err(SendError::MessageInProgress);
        }
        #[cfg(feature = "alloc")]
        let rsv = match &mut self.extension {
            Some(slot) => slot.codec.begin_outbound(kind, None),
            None => 0,
        };
        #[cfg(not(feature = "alloc"))]
        let rsv = 0;
        self.outgoing.message = Some((kind, false, rsv));
        self.outgoing.utf8.reset();
        Ok(())
    }

    /// Queues the next piece of a streamed message as one or more non-final frames. Text may
    /// be split anywhere, even inside a code point. An empty piece queues nothing.
    pub fn send_fragment(&mut self, payload: &[u8]) -> Result<(), SendError> {
        if payload.is_empty() {
            self.check_fragment(payload)?;
            return Ok(());
        }
        self.queue_fragment(payload, false)
    }

    /// Queues the last piece (possibly empty) of a streamed message, with FIN set.
    pub fn finish_message(&mut self, payload: &[u8]) -> Result<(), SendError> {
        self.queue_fragment(payload, true)
    }

    fn queue_fragment(&mut self, payload: &[u8], fin: bool) -> Result<(), SendError> {
        let (kind, started, rsv, utf8) = self.check_fragment(payload)?;
        if fin && kind == DataKind::Text && !utf8.is_boundary() {
            return Err(SendError::InvalidUtf8);
        }
        let opcode = if started {
            Opcode::Continuation
        } else {
            opcode_of(kind)
        };
        let first_rsv = if started { 0 } else { rsv };
        #[cfg(feature = "alloc")]
        if rsv != 0 {
            if let Some(mut slot) = self.extension.take() {
                let result = self.queue_encoded(&mut slot, opcode, payload, fin, first_rsv);
                self.extension = Some(slot);
                // The extension may hold a piece back (no frame yet): the message has then
                // not started on the wire, and its first frame must still carry the bits.
                let queued = result?;
                self.after_fragment(kind, started || queued, rsv, utf8, fin);
                return Ok(());
            }
        }
        let _ = first_rsv;
        self.queue_data(opcode, payload, fin, 0)?;
        self.after_fragment(kind, true, rsv, utf8, fin);
        Ok(())
    }

    fn after_fragment(
        &mut self,
        kind: DataKind,
        started: bool,
        rsv: u8,
        utf8: Utf8Validator,
        fin: bool,
    ) {
        if fin {
            self.outgoing.message = None;
        } else {
            self.outgoing.message = Some((kind, started, rsv));
            self.outgoing.utf8 = utf8;
        }
    }

    /// Checks a streamed piece; returns the message kind, whether a frame was queued, the
    /// extension's RSV bits, and the outgoing UTF-8 state after the piece (committed once it
    /// is queued).
    fn check_fragment(
        &self,
        payload: &[u8],
    ) -> Result<(DataKind, bool, u8, Utf8Validator), SendError> {
        self.check_data_send()?;
        let Some((kind, started, rsv)) = self.outgoing.message else {
            return Err(SendError::NoMessageInProgress);
        };
        let mut utf8 = self.outgoing.utf8;
        if kind == DataKind::Text {
            utf8.feed(payload).map_err(|_| SendError::InvalidUtf8)?;
        }
        Ok((kind, started, rsv, utf8))
    }

    /// Queues a ping (payload at most 125 bytes). It may overtake queued data at the next
    /// frame boundary.
    pub fn ping(&mut self, payload: &[u8]) -> Result<(), SendError> {
        self.queue_urgent(Opcode::Ping, payload)
    }

    /// Queues an unsolicited pong (payload at most 125 bytes), e.g. as a heartbeat, or the
    /// answer to a ping when `auto_pong` is off.
    pub fn pong(&mut self, payload: &[u8]) -> Result<(), SendError> {
        self.queue_urgent(Opcode::Pong, payload)
    }

    /// Starts the closing handshake: queues a Close with `code` and `reason` after the data
    /// already queued. No data can be sent afterwards; received data keeps arriving until the
    /// peer's Close. The peer's Close is awaited for at most
    /// [`Config::close_timeout`](crate::Config::close_timeout) from `now`.
    pub fn close(&mut self, now: Duration, code: CloseCode, reason: &str) -> Result<(), SendError> {
        self.check_can_send()?;
        let mut payload = [0u8; MAX_CONTROL_PAYLOAD];
        let n = CloseFrame { code, reason }
            .encode(&mut payload)
            .map_err(SendError::InvalidClose)?;
        self.push_close(&payload[..n]).map_err(SendError::Entropy)?;
        self.life.set(State::Closing { sent: code });
        self.timers.closing(now, &self.config);
        Ok(())
    }

    fn check_can_send(&self) -> Result<(), SendError> {
        if let Some(e) = self.life.error() {
            return Err(SendError::Failed(e));
        }
        if !self.life.is_open() {
            return Err(SendError::Closing);
        }
        Ok(())
    }

    fn check_data_send(&self) -> Result<(), SendError> {
        self.check_can_send()?;
        let queued = self.out.queued_bytes();
        if queued > 0 && queued >= self.config.max_queued_bytes {
            return Err(SendError::MessageQueueFull);
        }
        Ok(())
    }

    fn queue_urgent(&mut self, opcode: Opcode, payload: &[u8]) -> Result<(), SendError> {
        self.check_can_send()?;
        if payload.len() > MAX_CONTROL_PAYLOAD {
            return Err(SendError::ControlTooLong(payload.len()));
        }
        if self.out.urgent_len() >= MAX_URGENT {
            return Err(SendError::ControlQueueFull);
        }
        let header = self
            .frame_header(opcode, true, 0, payload.len())
            .map_err(SendError::Entropy)?;
        self.out.push_urgent(header, payload);
        Ok(())
    }

    /// Queues `payload` as data frames of at most `max_send_frame_payload` bytes; `rsv` goes
    /// on the first. All or nothing: on any refusal nothing stays queued.
    fn queue_data(
        &mut self,
        opcode: Opcode,
        payload: &[u8],
        fin: bool,
        rsv: u8,
    ) -> Result<(), SendError> {
        let max = self.config.max_send_frame_payload;
        let masked = self.role.masks_outgoing();
        let full = payload.len() / max;
        let tail = payload.len() % max;
        let mut needed = full.saturating_mul(header_len(max, masked) + max);
        if tail > 0 || full == 0 {
            needed = needed.saturating_add(header_len(tail, masked) + tail);
        }
        self.make_room(needed)?;
        let mark = self.out.mark();
        let mut opcode = opcode;
        let mut rsv = rsv;
        let mut rest = payload;
        loop {
            let (chunk, after) = rest.split_at(rest.len().min(max));
            let header = match self.frame_header(opcode, fin && after.is_empty(), rsv, chunk.len())
            {
                Ok(header) => header,
                Err(e) => {
                    self.out.rollback(mark);
                    return Err(SendError::Entropy(e));
                }
            };
            self.out.push_data(header, chunk);
            if after.is_empty() {
                return Ok(());
            }
            rest = after;
            opcode = Opcode::Continuation;
            rsv = 0;
        }
    }

    fn make_room(&mut self, needed: usize) -> Result<(), SendError> {
        if self.out.make_room(needed) {
            return Ok(());
        }
        match self.out.capacity() {
            Some(capacity) if needed > capacity => {
                Err(SendError::TooLargeForBuffer { needed, capacity })
            }
            _ => Err(SendError::MessageQueueFull),
        }
    }

    /// Queues a whole message through the extension, if it decides to transform it; `None`
    /// when it declines (the caller then sends the message as is).
    #[cfg(feature = "alloc")]
    fn queue_through(
        &mut self,
        slot: &mut ExtensionSlot,
        kind: DataKind,
        len: Option<usize>,
        opcode: Opcode,
        payload: &[u8],
        fin: bool,
    ) -> Option<Result<(), SendError>> {
        let rsv = slot.codec.begin_outbound(kind, len);
        if rsv == 0 {
            return None;
        }
        Some(
            self.queue_encoded(slot, opcode, payload, fin, rsv)
                .map(|_| ()),
        )
    }

    /// Encodes a piece with the extension and queues the result; returns whether a frame was
    /// queued. Room for the worst case is checked before encoding, so a refusal never leaves
    /// the extension's state ahead of what the peer will see.
    #[cfg(feature = "alloc")]
    fn queue_encoded(
        &mut self,
        slot: &mut ExtensionSlot,
        opcode: Opcode,
        payload: &[u8],
        fin: bool,
        rsv: u8,
    ) -> Result<bool, SendError> {
        // DEFLATE never grows data by more than 5 bytes per 16 KiB stored block plus a few
        // bytes of framing; leave generous room for any extension of that kind.
        let worst = payload.len() + payload.len() / 8 + 64;
        let frames = worst / self.config.max_send_frame_payload + 1;
        self.make_room(worst + frames * crate::frame::MAX_HEADER_LEN)?;
        slot.encoded.clear();
        if let Err(e) = slot.codec.outbound(payload, fin, &mut slot.encoded) {
            return Err(SendError::Extension(e));
        }
        if slot.encoded.is_empty() && !fin {
            return Ok(false);
        }
        self.queue_data(opcode, &slot.encoded, fin, rsv)?;
        Ok(true)
    }

    /// Queues our Close, masked for a client.
    pub(super) fn push_close(&mut self, payload: &[u8]) -> Result<(), EntropyError> {
        let header = self.frame_header(Opcode::Close, true, 0, payload.len())?;
        self.out.push_close(header, payload);
        Ok(())
    }

    /// A frame header for this role: masked with a fresh key for a client.
    #[inline]
    pub(super) fn frame_header(
        &mut self,
        opcode: Opcode,
        fin: bool,
        rsv: u8,
        len: usize,
    ) -> Result<FrameHeader, EntropyError> {
        let mut header = FrameHeader::new(opcode, fin, len as u64);
        header.rsv = rsv;
        if self.role.masks_outgoing() {
            header = header.with_mask(draw_key(&mut self.entropy)?);
        }
        Ok(header)
    }

    // ----------------------------------------------------------------------------------
    // Transmitting
    // ----------------------------------------------------------------------------------

    /// The next piece of output as a header slice and a payload slice (write both with one
    /// vectored write), or `None` when nothing is queued. Report what was written with
    /// [`advance_transmit`](Self::advance_transmit); until then the same piece is returned.
    pub fn transmit(&mut self) -> Option<super::Transmit<'_>> {
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
}

fn opcode_of(kind: DataKind) -> Opcode {
    match kind {
        DataKind::Text => Opcode::Text,
        DataKind::Binary => Opcode::Binary,
    }
}
