use core::fmt;
use core::ops::Deref;

use crate::frame::{CloseCode, MAX_CONTROL_PAYLOAD};

/// The type of a data message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DataKind {
    /// A text message: UTF-8, validated as it arrives.
    Text,
    /// A binary message.
    Binary,
}

/// A piece of a received data message.
///
/// A message arrives as one or more pieces: the first has `first` set and the last has `last`
/// set (a message that fits in one piece has both). Pieces follow the transport's reads and
/// the peer's fragmentation, so nothing is buffered: a message of any size can be streamed.
/// For text, every byte delivered so far is known to be a valid UTF-8 prefix; a piece may end
/// inside a code point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Data<'a> {
    /// Text or binary, the same on every piece of a message.
    pub kind: DataKind,
    /// The bytes, unmasked (and decoded by the negotiated extension, if it transformed the
    /// message). May be empty when a frame with no payload starts or ends a message.
    pub payload: &'a [u8],
    /// This piece starts a message.
    pub first: bool,
    /// This piece ends the message.
    pub last: bool,
}

/// The payload of a ping or pong (at most 125 bytes), carried by value so that an event
/// never borrows the connection: the caller may answer it (`pong`, `send`, `close`) while
/// holding it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ControlPayload {
    bytes: [u8; MAX_CONTROL_PAYLOAD],
    len: u8,
}

impl ControlPayload {
    /// Copies `bytes` (at most 125 are kept).
    pub fn new(bytes: &[u8]) -> ControlPayload {
        let len = bytes.len().min(MAX_CONTROL_PAYLOAD);
        let mut payload = ControlPayload {
            bytes: [0; MAX_CONTROL_PAYLOAD],
            len: len as u8,
        };
        payload.bytes[..len].copy_from_slice(&bytes[..len]);
        payload
    }

    /// The bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl Deref for ControlPayload {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl fmt::Debug for ControlPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_bytes(), f)
    }
}

/// The peer's Close, by value: its status code and its (validated UTF-8) reason.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PeerClose {
    code: CloseCode,
    reason: ControlPayload,
}

impl PeerClose {
    /// A Close carrying `code` and `reason` (the reason is cut to 123 bytes at a character
    /// boundary).
    pub fn new(code: CloseCode, reason: &str) -> PeerClose {
        let mut end = reason.len().min(crate::frame::MAX_CLOSE_REASON);
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        PeerClose {
            code,
            reason: ControlPayload::new(&reason.as_bytes()[..end]),
        }
    }

    /// The status code; [`CloseCode::NO_STATUS`] (1005) when the Close carried none.
    #[inline]
    pub fn code(&self) -> CloseCode {
        self.code
    }

    /// The reason, possibly empty.
    #[inline]
    pub fn reason(&self) -> &str {
        // Validated on receipt (or built from a `&str`), so this never falls back.
        core::str::from_utf8(self.reason.as_bytes()).unwrap_or_default()
    }
}

impl fmt::Debug for PeerClose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeerClose")
            .field("code", &self.code)
            .field("reason", &self.reason())
            .finish()
    }
}

/// Something [`Connection::receive`](super::Connection::receive) found in the input.
///
/// Plain data borrows the input buffer (`'i`) and nothing else: once a `Data` piece is
/// matched out of the event, the connection is free again, so an echo server can pass
/// `data.payload` straight to `send` without copying it. Control frames are carried by
/// value. Only [`Event::Decoded`], the output of a negotiated extension (e.g. inflated
/// permessage-deflate data), borrows the connection (`'c`), until the next call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event<'i, 'c> {
    /// A piece of a text or binary message, unmasked in place in the input.
    Data(Data<'i>),
    /// A piece of a message that the negotiated extension decoded (never emitted without an
    /// extension). Handle it exactly like [`Event::Data`].
    Decoded(Data<'c>),
    /// A ping; with `auto_pong` on the pong is already queued.
    Ping(ControlPayload),
    /// A pong (solicited or not).
    Pong(ControlPayload),
    /// The peer's Close. The reply Close is already queued unless we had sent one; the
    /// closing handshake is then complete.
    Close(PeerClose),
}

impl<'i, 'c> Event<'i, 'c> {
    /// The data piece, whether plain or decoded by an extension.
    #[inline]
    pub fn data(&self) -> Option<Data<'_>> {
        match self {
            Event::Data(d) => Some(*d),
            Event::Decoded(d) => Some(*d),
            _ => None,
        }
    }
}
