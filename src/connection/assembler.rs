use alloc::vec::Vec;

use super::{Data, DataKind};
use crate::ProtocolError;

/// A whole received message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageRef<'a> {
    /// A text message.
    Text(&'a str),
    /// A binary message.
    Binary(&'a [u8]),
}

impl<'a> MessageRef<'a> {
    /// The message's bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        match self {
            MessageRef::Text(text) => text.as_bytes(),
            MessageRef::Binary(bytes) => bytes,
        }
    }

    /// Text or binary.
    pub fn kind(&self) -> DataKind {
        match self {
            MessageRef::Text(_) => DataKind::Text,
            MessageRef::Binary(_) => DataKind::Binary,
        }
    }
}

/// Assembles [`Data`] pieces into whole messages (needs `alloc`).
///
/// A message that arrives as a single piece is handed back borrowed from the input, without a
/// copy; a fragmented one is collected into a buffer that is reused from message to message.
/// The connection has already enforced `max_message_size`, so the buffer is bounded by it.
///
/// ```
/// use wscore::{Data, DataKind, MessageRef, MessageAssembler};
///
/// let mut assembler = MessageAssembler::new();
/// let first = Data { kind: DataKind::Text, payload: b"Hel", first: true, last: false };
/// assert_eq!(assembler.push(first), Ok(None));
/// let last = Data { kind: DataKind::Text, payload: b"lo", first: false, last: true };
/// assert_eq!(assembler.push(last), Ok(Some(MessageRef::Text("Hello"))));
/// ```
#[derive(Debug, Default)]
pub struct MessageAssembler {
    buffer: Vec<u8>,
}

impl MessageAssembler {
    /// An empty assembler.
    pub const fn new() -> MessageAssembler {
        MessageAssembler { buffer: Vec::new() }
    }

    /// Adds a piece; returns the message when `data` completes it.
    ///
    /// Text is checked with `core::str::from_utf8` once more here (the connection validated
    /// it as it arrived, but this API accepts pieces from anywhere and forbids `unsafe`); an
    /// invalid text message is [`ProtocolError::InvalidUtf8`].
    pub fn push<'a>(&'a mut self, data: Data<'a>) -> Result<Option<MessageRef<'a>>, ProtocolError> {
        if data.first {
            self.buffer.clear();
        }
        let bytes: &'a [u8] = if data.first && data.last {
            data.payload
        } else {
            self.buffer.extend_from_slice(data.payload);
            if !data.last {
                return Ok(None);
            }
            &self.buffer
        };
        Ok(Some(match data.kind {
            DataKind::Binary => MessageRef::Binary(bytes),
            DataKind::Text => MessageRef::Text(
                core::str::from_utf8(bytes).map_err(|_| ProtocolError::InvalidUtf8)?,
            ),
        }))
    }

    /// Bytes collected so far for a fragmented message.
    pub fn pending_len(&self) -> usize {
        self.buffer.len()
    }

    /// Frees the buffer's memory (it is otherwise kept for the next message).
    pub fn shrink(&mut self) {
        self.buffer = Vec::new();
    }
}
