use core::fmt;

use crate::frame::CloseCode;

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
}

impl ProtocolError {
    /// The close code to send to the peer for this error.
    pub const fn close_code(self) -> CloseCode {
        match self {
            ProtocolError::FrameTooLarge { .. } => CloseCode::MESSAGE_TOO_BIG,
            ProtocolError::InvalidUtf8 => CloseCode::INVALID_PAYLOAD,
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
            other => f.write_str(other.reason()),
        }?;
        write!(f, " (close code {})", self.close_code().as_u16())
    }
}

impl core::error::Error for ProtocolError {}

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
