use alloc::string::String;
use alloc::vec::Vec;

use crate::frame::CloseCode;

/// An owned WebSocket message, as the adapters' message APIs (`read`/`send`, `Stream`/`Sink`)
/// carry it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// A text message.
    Text(String),
    /// A binary message.
    Binary(Vec<u8>),
    /// A ping (received: the pong was sent automatically; sent: queued ahead of data).
    Ping(Vec<u8>),
    /// A pong.
    Pong(Vec<u8>),
    /// A Close: received, the peer's code (1005 when it sent none) and reason; sent, starts
    /// the closing handshake (`None` sends 1000 with no reason).
    Close(Option<CloseReason>),
}

/// The code and reason of a Close.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloseReason {
    /// The status code.
    pub code: CloseCode,
    /// The reason, at most 123 bytes when sent.
    pub reason: String,
}

impl Message {
    /// A text message.
    pub fn text(text: impl Into<String>) -> Message {
        Message::Text(text.into())
    }

    /// A binary message.
    pub fn binary(bytes: impl Into<Vec<u8>>) -> Message {
        Message::Binary(bytes.into())
    }

    /// Whether this is a text or binary message (not a control message).
    pub fn is_data(&self) -> bool {
        matches!(self, Message::Text(_) | Message::Binary(_))
    }

    /// The payload bytes (the reason's bytes for a Close).
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Message::Text(t) => t.as_bytes(),
            Message::Binary(b) | Message::Ping(b) | Message::Pong(b) => b,
            Message::Close(Some(c)) => c.reason.as_bytes(),
            Message::Close(None) => &[],
        }
    }
}

impl From<String> for Message {
    fn from(text: String) -> Message {
        Message::Text(text)
    }
}

impl From<&str> for Message {
    fn from(text: &str) -> Message {
        Message::Text(text.into())
    }
}

impl From<Vec<u8>> for Message {
    fn from(bytes: Vec<u8>) -> Message {
        Message::Binary(bytes)
    }
}
