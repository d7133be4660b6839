use core::fmt;

use crate::entropy::EntropyError;
use crate::frame::{CloseCode, CloseEncodeError};

/// A violation of RFC 6455 found in data received from the peer.
///
/// Every variant names the close code it maps to ([`ProtocolError::close_code`]): the code a
/// conforming endpoint sends in its Close frame before dropping the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolError {
    /// The opcode is one of the reserved values 0x3-0x7 or 0xB-0xF (RFC 6455 5.2).
    ReservedOpcode(u8),
    /// A 64-bit payload length has its most significant bit set (RFC 6455 5.2).
    LengthMsbSet,
    /// A payload length was not encoded in the minimal number of bytes (RFC 6455 5.2).
    NonMinimalLength,
    /// A server received an unmasked frame (RFC 6455 5.1).
    UnmaskedFrame,
    /// A client received a masked frame (RFC 6455 5.1).
    MaskedFrame,
    /// RSV bits are set that no negotiated extension defines (RFC 6455 5.2); the value holds
    /// the offending bits in wire position (`0x40` RSV1, `0x20` RSV2, `0x10` RSV3).
    ReservedBits(u8),
    /// A control frame is fragmented (FIN clear) (RFC 6455 5.5).
    FragmentedControl,
    /// A control frame declares more than 125 payload bytes (RFC 6455 5.5).
    ControlTooLong(u64),
    /// A frame declares more payload bytes than the configured maximum.
    FrameTooLarge {
        /// The payload length the header declares.
        len: u64,
        /// The configured maximum.
        max: u64,
    },
    /// Text (a text message or a close reason) is not valid UTF-8 (RFC 6455 8.1).
    InvalidUtf8,
    /// A Close payload is exactly one byte long (RFC 6455 5.5.1).
    ClosePayloadTooShort,
    /// A Close frame carries a status code that must not appear on the wire (RFC 6455 7.4).
    InvalidCloseCode(u16),
    /// A continuation frame arrived with no fragmented message in progress (RFC 6455 5.4).
    UnexpectedContinuation,
    /// A new text or binary frame arrived while a fragmented message was in progress
    /// (RFC 6455 5.4).
    ExpectedContinuation,
    /// A message grew past the configured maximum message size.
    MessageTooLarge {
        /// The message size the frames so far declare.
        len: u64,
        /// The configured maximum.
        max: u64,
    },
    /// A message was split into more frames than the configured maximum.
    TooManyFragments {
        /// The configured maximum.
        max: u32,
    },
    /// The negotiated extension could not decode a message (e.g. invalid compressed data,
    /// or a message that inflates past `max_message_size`).
    Extension(ExtensionError),
}

impl ProtocolError {
    /// The close code to send to the peer for this error.
    pub const fn close_code(self) -> CloseCode {
        match self {
            ProtocolError::FrameTooLarge { .. } | ProtocolError::MessageTooLarge { .. } => {
                CloseCode::MESSAGE_TOO_BIG
            }
            ProtocolError::TooManyFragments { .. } => CloseCode::POLICY_VIOLATION,
            ProtocolError::InvalidUtf8 => CloseCode::INVALID_PAYLOAD,
            ProtocolError::Extension(e) => e.code,
            _ => CloseCode::PROTOCOL_ERROR,
        }
    }

    /// A short static description, suitable as a Close reason (always ASCII, <= 123 bytes).
    pub const fn reason(self) -> &'static str {
        match self {
            ProtocolError::ReservedOpcode(_) => "reserved opcode",
            ProtocolError::LengthMsbSet => "payload length has its most significant bit set",
            ProtocolError::NonMinimalLength => "payload length not minimally encoded",
            ProtocolError::UnmaskedFrame => "client frame not masked",
            ProtocolError::MaskedFrame => "server frame masked",
            ProtocolError::ReservedBits(_) => "reserved bits set",
            ProtocolError::FragmentedControl => "fragmented control frame",
            ProtocolError::ControlTooLong(_) => "control frame payload over 125 bytes",
            ProtocolError::FrameTooLarge { .. } => "frame too large",
            ProtocolError::InvalidUtf8 => "invalid UTF-8",
            ProtocolError::ClosePayloadTooShort => "close payload of one byte",
            ProtocolError::InvalidCloseCode(_) => "invalid close code",
            ProtocolError::UnexpectedContinuation => "continuation frame without a message",
            ProtocolError::ExpectedContinuation => "new message inside a fragmented message",
            ProtocolError::MessageTooLarge { .. } => "message too large",
            ProtocolError::TooManyFragments { .. } => "too many fragments",
            ProtocolError::Extension(e) => e.reason,
        }
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ProtocolError::ReservedOpcode(op) => write!(f, "reserved opcode {op:#x}"),
            ProtocolError::ReservedBits(bits) => write!(f, "reserved bits {bits:#04x} set"),
            ProtocolError::ControlTooLong(len) => {
                write!(f, "control frame payload of {len} bytes (max 125)")
            }
            ProtocolError::FrameTooLarge { len, max } => {
                write!(f, "frame payload of {len} bytes exceeds the limit of {max}")
            }
            ProtocolError::InvalidCloseCode(code) => write!(f, "invalid close code {code}"),
            ProtocolError::MessageTooLarge { len, max } => {
                write!(
                    f,
                    "message of at least {len} bytes exceeds the limit of {max}"
                )
            }
            ProtocolError::TooManyFragments { max } => {
                write!(f, "message split into more than {max} frames")
            }
            other => f.write_str(other.reason()),
        }?;
        write!(f, " (close code {})", self.close_code().as_u16())
    }
}

impl core::error::Error for ProtocolError {}

/// Why an extension could not transform a message: the connection fails with `code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExtensionError {
    /// The close code to fail the connection with (1009 when a limit was hit, 1007 or 1002
    /// for undecodable data).
    pub code: CloseCode,
    /// A short description, used as the Close reason (ASCII, at most 123 bytes).
    pub reason: &'static str,
}

impl ExtensionError {
    /// The decoded message would exceed the output limit the connection passed in
    /// (close code 1009).
    pub const TOO_LARGE: ExtensionError = ExtensionError {
        code: CloseCode::MESSAGE_TOO_BIG,
        reason: "message too large after decoding",
    };
}

impl fmt::Display for ExtensionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "extension error: {}", self.reason)
    }
}

impl core::error::Error for ExtensionError {}

/// A caller-supplied output buffer is too small; nothing was written to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BufferTooSmall {
    /// How many bytes the operation needs.
    pub needed: usize,
}

impl fmt::Display for BufferTooSmall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "output buffer too small: {} bytes needed", self.needed)
    }
}

impl core::error::Error for BufferTooSmall {}

/// Why a connection ended abnormally. Sticky: once a connection has failed, every later
/// receive reports the same error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionError {
    /// The peer violated the protocol. A Close frame with
    /// [`ProtocolError::close_code`] has been queued.
    Protocol(ProtocolError),
    /// No pong arrived within the configured deadline after a keepalive ping.
    PongTimeout,
    /// We sent a Close and the peer did not answer with its own within the configured
    /// close timeout.
    CloseTimeout,
    /// The transport reached end of file before the closing handshake completed
    /// (reported locally as close code 1006, never sent).
    AbnormalClosure,
    /// A client's entropy source failed, so a frame the connection had to send on its own
    /// (pong, keepalive ping, Close) could not be masked; nothing more is sent.
    Entropy,
}

impl ConnectionError {
    /// The close code that describes this failure: the one sent for a protocol error, 1006
    /// (reported locally only) for the transport ending early, 1001 for an unresponsive peer,
    /// 1011 for a failed entropy source (nothing can be sent then).
    pub const fn close_code(self) -> CloseCode {
        match self {
            ConnectionError::Protocol(e) => e.close_code(),
            ConnectionError::PongTimeout | ConnectionError::CloseTimeout => CloseCode::GOING_AWAY,
            ConnectionError::AbnormalClosure => CloseCode::ABNORMAL,
            ConnectionError::Entropy => CloseCode::INTERNAL_ERROR,
        }
    }
}

impl From<ProtocolError> for ConnectionError {
    fn from(e: ProtocolError) -> ConnectionError {
        ConnectionError::Protocol(e)
    }
}

impl fmt::Display for ConnectionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectionError::Protocol(e) => write!(f, "protocol error: {e}"),
            ConnectionError::PongTimeout => f.write_str("no pong received before the deadline"),
            ConnectionError::CloseTimeout => {
                f.write_str("the peer did not answer our Close before the deadline")
            }
            ConnectionError::Entropy => f.write_str("the entropy source failed (nothing masked)"),
            ConnectionError::AbnormalClosure => {
                f.write_str("connection closed without a closing handshake (1006)")
            }
        }
    }
}

impl core::error::Error for ConnectionError {}

/// Why a send call was refused. Nothing was queued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendError {
    /// A Close frame has already been queued or sent: no more messages may follow
    /// ("The application MUST NOT send any more data frames after sending a Close frame",
    /// RFC 6455 5.5.1).
    Closing,
    /// The connection has failed; the value is its sticky error.
    Failed(ConnectionError),
    /// The send queue is full for now: `max_queued_bytes` or more are waiting, or the send
    /// buffer has no room left for this message. Transmit, then try again.
    MessageQueueFull,
    /// The message can never be queued: encoded, it needs `needed` bytes and the send
    /// buffer holds at most `capacity` (a [`FixedBuffer`](crate::FixedBuffer)). Split it
    /// into fragments that fit.
    TooLargeForBuffer {
        /// Bytes the encoded frames need.
        needed: usize,
        /// The buffer's capacity.
        capacity: usize,
    },
    /// [`MAX_URGENT`](crate::MAX_URGENT) application pings and pongs are already waiting.
    ControlQueueFull,
    /// A client's entropy source failed (or kept yielding the all-zero key): nothing was
    /// masked, nothing queued.
    Entropy(EntropyError),
    /// The negotiated extension could not encode the message.
    Extension(ExtensionError),
    /// A streamed message is in progress: finish it before sending another message.
    MessageInProgress,
    /// `send_fragment`/`finish_message` without `begin_message`.
    NoMessageInProgress,
    /// A ping or pong payload over 125 bytes.
    ControlTooLong(usize),
    /// A text fragment that is not valid UTF-8.
    InvalidUtf8,
    /// A Close code that may not be sent, or a reason over 123 bytes.
    InvalidClose(CloseEncodeError),
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Closing => f.write_str("the connection is closing: no more messages"),
            SendError::Failed(e) => write!(f, "the connection failed: {e}"),
            SendError::MessageQueueFull => f.write_str("the send queue is full for now"),
            SendError::TooLargeForBuffer { needed, capacity } => write!(
                f,
                "the message needs {needed} bytes of send buffer, which holds {capacity}"
            ),
            SendError::ControlQueueFull => f.write_str("too many pings and pongs waiting"),
            SendError::Entropy(e) => fmt::Display::fmt(e, f),
            SendError::Extension(e) => fmt::Display::fmt(e, f),
            SendError::MessageInProgress => f.write_str("a streamed message is in progress"),
            SendError::NoMessageInProgress => f.write_str("no streamed message in progress"),
            SendError::ControlTooLong(len) => {
                write!(f, "control payload of {len} bytes exceeds 125")
            }
            SendError::InvalidUtf8 => f.write_str("text fragment is not valid UTF-8"),
            SendError::InvalidClose(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl core::error::Error for SendError {}
