use super::header::{header_len, RSV1, RSV2, RSV3};
use super::{FrameHeader, Opcode, MAX_CONTROL_PAYLOAD, MAX_HEADER_LEN};
use crate::mask::apply_mask;
use crate::{ProtocolError, Role};

/// The default [`Decoder::with_max_payload`]: 16 MiB.
pub const DEFAULT_MAX_PAYLOAD: u64 = 16 << 20;

/// What one [`Decoder::decode`] step produced.
#[derive(Debug, PartialEq, Eq)]
pub enum Item<'a> {
    /// A complete, validated frame header. When `payload_len` is zero the frame is complete;
    /// otherwise [`Item::Payload`] chunks follow.
    Header(FrameHeader),
    /// The next piece of the current frame's payload, already unmasked, borrowed from the
    /// caller's input. Never empty; `last` is set on the piece that ends the frame.
    Payload {
        /// The unmasked bytes.
        data: &'a mut [u8],
        /// This piece completes the frame's payload.
        last: bool,
    },
    /// The input was used up without completing a header or delivering payload; any partial
    /// header bytes were kept. Call again with more input.
    NeedMore,
}

/// A streaming, zero-copy frame decoder (RFC 6455 5.2).
///
/// Feed it the received bytes in pieces of any size, down to one byte. Each call to
/// [`decode`](Self::decode) makes one step and hands back the unread rest of the input:
/// a header as soon as its last byte arrives, then payload chunks that point into the
/// caller's buffer, unmasked in place. The decoder copies nothing but the bytes of a header
/// that is split across calls (at most 14) and never allocates.
///
/// It enforces the frame-level rules for its [`Role`]: a server rejects unmasked frames and a
/// client masked ones (5.1); RSV bits need a negotiated extension (5.2); control frames must
/// have FIN set and at most 125 bytes (5.5); a frame over the configured maximum payload is
/// rejected from its header alone, before any payload arrives. Errors are sticky: after one,
/// every call returns it again. Message-level rules (continuation order, UTF-8) belong to the
/// layer above.
///
/// ```
/// use wscore::frame::{Decoder, Item};
/// use wscore::Role;
///
/// let mut decoder = Decoder::new(Role::Client);
/// let mut wire = *b"\x01\x03Hel\x80\x02lo"; // unmasked "Hel" + "lo" (RFC 6455 5.7)
/// let mut input = &mut wire[..];
/// let mut text = Vec::new();
/// while !input.is_empty() {
///     let (item, rest) = decoder.decode(input).unwrap();
///     if let Item::Payload { data, .. } = item {
///         text.extend_from_slice(data);
///     }
///     input = rest;
/// }
/// assert_eq!(text, b"Hello");
/// ```
#[derive(Clone, Debug)]
pub struct Decoder {
    role: Role,
    max_payload: u64,
    allowed_rsv: u8,
    /// Payload bytes left in the current frame; non-zero exactly while inside a payload.
    remaining: u64,
    key: Option<[u8; 4]>,
    phase: u8,
    /// Bytes of a header split across calls.
    partial: [u8; MAX_HEADER_LEN],
    partial_len: u8,
    error: Option<ProtocolError>,
}

impl Decoder {
    /// A decoder for frames received by `role`, with [`DEFAULT_MAX_PAYLOAD`] and no RSV bits
    /// allowed.
    #[inline]
    pub const fn new(role: Role) -> Decoder {
        Decoder {
            role,
            max_payload: DEFAULT_MAX_PAYLOAD,
            allowed_rsv: 0,
            remaining: 0,
            key: None,
            phase: 0,
            partial: [0; MAX_HEADER_LEN],
            partial_len: 0,
            error: None,
        }
    }

    /// Sets the largest payload a single frame may declare; larger frames fail with
    /// [`ProtocolError::FrameTooLarge`] (close code 1009) as soon as their header is read.
    #[inline]
    pub const fn with_max_payload(mut self, max: u64) -> Decoder {
        self.max_payload = max;
        self
    }

    /// Allows the given RSV bits ([`RSV1`] | [`RSV2`] | [`RSV3`], wire positions), as a
    /// negotiated extension defines them. Other bits are ignored.
    #[inline]
    pub const fn with_allowed_rsv(mut self, bits: u8) -> Decoder {
        self.allowed_rsv = bits & (RSV1 | RSV2 | RSV3);
        self
    }

    /// The role whose received frames this decoder checks.
    #[inline]
    pub const fn role(&self) -> Role {
        self.role
    }

    /// The configured maximum frame payload.
    #[inline]
    pub const fn max_payload(&self) -> u64 {
        self.max_payload
    }

    /// Payload bytes still to come in the current frame (zero between frames).
    #[inline]
    pub const fn remaining(&self) -> u64 {
        self.remaining
    }

    /// Whether the decoder stands between two frames, with no partial header buffered.
    #[inline]
    pub const fn is_frame_boundary(&self) -> bool {
        self.remaining == 0 && self.partial_len == 0
    }

    /// The error the decoder failed with, if any.
    #[inline]
    pub const fn error(&self) -> Option<ProtocolError> {
        self.error
    }

    /// Makes one decoding step over `input` and returns what it produced together with the
    /// unread rest of `input`. See [`Item`] for the steps.
    #[inline]
    pub fn decode<'a>(
        &mut self,
        input: &'a mut [u8],
    ) -> Result<(Item<'a>, &'a mut [u8]), ProtocolError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.remaining != 0 {
            return Ok(self.payload(input));
        }
        if self.partial_len == 0 {
            self.header_direct(input)
        } else {
            self.header_buffered(input)
        }
    }

    #[inline]
    fn payload<'a>(&mut self, input: &'a mut [u8]) -> (Item<'a>, &'a mut [u8]) {
        if input.is_empty() {
            return (Item::NeedMore, input);
        }
        // `remaining` may exceed usize on 32-bit targets; the chunk never does.
        let n = usize::try_from(self.remaining).map_or(input.len(), |r| r.min(input.len()));
        let (data, rest) = input.split_at_mut(n);
        if let Some(key) = self.key {
            self.phase = apply_mask(data, key, usize::from(self.phase)) as u8;
        }
        self.remaining -= n as u64;
        let last = self.remaining == 0;
        (Item::Payload { data, last }, rest)
    }

    /// The common case: the header starts at the beginning of `input`.
    #[inline]
    fn header_direct<'a>(
        &mut self,
        input: &'a mut [u8],
    ) -> Result<(Item<'a>, &'a mut [u8]), ProtocolError> {
        match FrameHeader::parse(input) {
            Ok(Some((header, len))) => {
                self.start_frame(input[0], input[1], header)?;
                Ok((Item::Header(header), &mut input[len..]))
            }
            Ok(None) => {
                // Shorter than the header it starts (so at most 13 bytes): keep it.
                self.check_prefix(input)?;
                self.partial[..input.len()].copy_from_slice(input);
                self.partial_len = input.len() as u8;
                let end = input.len();
                Ok((Item::NeedMore, &mut input[end..]))
            }
            Err(e) => Err(self.reject(input, e)),
        }
    }

    /// A header split across calls: top up the buffered bytes and try again.
    #[cold]
    fn header_buffered<'a>(
        &mut self,
        input: &'a mut [u8],
    ) -> Result<(Item<'a>, &'a mut [u8]), ProtocolError> {
        let have = usize::from(self.partial_len);
        let want = if have >= 2 {
            header_len(self.partial[1])
        } else {
            MAX_HEADER_LEN
        };
        let take = (want - have).min(input.len());
        self.partial[have..have + take].copy_from_slice(&input[..take]);
        let filled = have + take;
        let partial = self.partial;
        match FrameHeader::parse(&partial[..filled]) {
            Ok(Some((header, len))) => {
                self.partial_len = 0;
                self.start_frame(partial[0], partial[1], header)?;
                Ok((Item::Header(header), &mut input[len - have..]))
            }
            Ok(None) => {
                self.check_prefix(&partial[..filled])?;
                self.partial_len = filled as u8;
                Ok((Item::NeedMore, &mut input[take..]))
            }
            Err(e) => Err(self.reject(&partial[..filled], e)),
        }
    }

    /// Fails on a header that [`FrameHeader::parse`] rejected. A header split across calls has
    /// its first-two-byte rules checked as soon as those bytes arrive, before its length is
    /// read, so they take precedence here too: the error must not depend on how the input
    /// was split. A reserved opcode is reported from the first byte alone either way.
    #[cold]
    fn reject(&mut self, bytes: &[u8], e: ProtocolError) -> ProtocolError {
        if !matches!(e, ProtocolError::ReservedOpcode(_)) {
            if let Err(first) = self.check_prefix(bytes) {
                return first;
            }
        }
        self.fail(e)
    }

    /// Rules that the first two header bytes decide, checked as soon as they arrive.
    #[inline]
    fn check_prefix(&mut self, bytes: &[u8]) -> Result<(), ProtocolError> {
        match *bytes {
            [b0, b1, ..] => self.check_first_bytes(b0, b1).map_err(|e| self.fail(e)),
            _ => Ok(()),
        }
    }

    #[inline]
    fn start_frame(&mut self, b0: u8, b1: u8, header: FrameHeader) -> Result<(), ProtocolError> {
        self.check_first_bytes(b0, b1).map_err(|e| self.fail(e))?;
        if header.payload_len > self.max_payload {
            return Err(self.fail(ProtocolError::FrameTooLarge {
                len: header.payload_len,
                max: self.max_payload,
            }));
        }
        self.remaining = header.payload_len;
        self.key = header.mask;
        self.phase = 0;
        Ok(())
    }

    #[inline]
    fn check_first_bytes(&self, b0: u8, b1: u8) -> Result<(), ProtocolError> {
        // "MUST be 0 unless an extension is negotiated that defines meanings for non-zero
        // values" (5.2).
        let rsv = b0 & (RSV1 | RSV2 | RSV3) & !self.allowed_rsv;
        if rsv != 0 {
            return Err(ProtocolError::ReservedBits(rsv));
        }
        // "a client MUST mask all frames that it sends to the server ... The server MUST
        // close the connection upon receiving a frame that is not masked"; "A server MUST NOT
        // mask any frames ... A client MUST close a connection if it detects a masked frame"
        // (5.1).
        let masked = b1 & 0x80 != 0;
        match (self.role, masked) {
            (Role::Server, false) => return Err(ProtocolError::UnmaskedFrame),
            (Role::Client, true) => return Err(ProtocolError::MaskedFrame),
            _ => {}
        }
        let opcode = Opcode::from_u8(b0)?;
        if opcode.is_control() {
            // "All control frames MUST have a payload length of 125 bytes or less and MUST
            // NOT be fragmented" (5.5).
            if b0 & 0x80 == 0 {
                return Err(ProtocolError::FragmentedControl);
            }
            let len7 = b1 & 0x7f;
            if usize::from(len7) > MAX_CONTROL_PAYLOAD {
                return Err(ProtocolError::ControlTooLong(u64::from(len7)));
            }
        }
        Ok(())
    }

    #[cold]
    fn fail(&mut self, e: ProtocolError) -> ProtocolError {
        self.error = Some(e);
        e
    }
}
