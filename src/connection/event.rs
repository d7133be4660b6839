use crate::frame::CloseFrame;

/// The type of a data message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DataKind {
    /// A text message: UTF-8, validated as it arrives.
    Text,
    /// A binary message.
    Binary,
}

/// A piece of a received data message, borrowed from the caller's input buffer.
///
/// A message arrives as one or more pieces: the first has `first` set and the last has `last`
/// set (a message that fits in one piece has both). Pieces follow the transport's reads and
/// the peer's fragmentation, so nothing is buffered: a message of any size can be streamed.
/// For text, every byte delivered so far is known to be a valid UTF-8 prefix; a piece may end
/// inside a code point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Data<'i> {
    /// Text or binary, the same on every piece of a message.
    pub kind: DataKind,
    /// The bytes, unmasked. Empty only when a frame with no payload starts or ends a
    /// message (an empty message, or an empty first or final fragment).
    pub payload: &'i [u8],
    /// This piece starts a message.
    pub first: bool,
    /// This piece ends the message.
    pub last: bool,
}

/// Something [`Connection::receive`](super::Connection::receive) found in the input.
///
/// Data borrows the input buffer (`'i`); control payloads borrow the connection (`'s`),
/// which keeps them because a control frame may arrive split across reads. Once the event is
/// matched and only `Data` is kept, the connection is free again: an echo server can pass
/// `data.payload` straight to `send` without copying it first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event<'i, 's> {
    /// A piece of a text or binary message.
    Data(Data<'i>),
    /// A ping; with `auto_pong` on the pong is already queued.
    Ping(&'s [u8]),
    /// A pong (solicited or not).
    Pong(&'s [u8]),
    /// The peer's Close. A Close without a status code is reported as
    /// [`CloseCode::NO_STATUS`](crate::frame::CloseCode::NO_STATUS) with an empty reason. The
    /// reply Close is already queued unless we had sent one.
    Close(CloseFrame<'s>),
}
