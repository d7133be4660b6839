use core::fmt;

use crate::ProtocolError;

/// A frame opcode (RFC 6455 5.2). The reserved values 0x3-0x7 and 0xB-0xF cannot be
/// represented: [`Opcode::from_u8`] rejects them with [`ProtocolError::ReservedOpcode`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Opcode {
    /// 0x0: a continuation of a fragmented message.
    Continuation = 0x0,
    /// 0x1: the first frame of a text message.
    Text = 0x1,
    /// 0x2: the first frame of a binary message.
    Binary = 0x2,
    /// 0x8: a Close control frame.
    Close = 0x8,
    /// 0x9: a Ping control frame.
    Ping = 0x9,
    /// 0xA: a Pong control frame.
    Pong = 0xA,
}

impl Opcode {
    /// Decodes the low four bits of `value`; reserved opcodes are an error.
    #[inline]
    pub const fn from_u8(value: u8) -> Result<Opcode, ProtocolError> {
        match value & 0x0f {
            0x0 => Ok(Opcode::Continuation),
            0x1 => Ok(Opcode::Text),
            0x2 => Ok(Opcode::Binary),
            0x8 => Ok(Opcode::Close),
            0x9 => Ok(Opcode::Ping),
            0xA => Ok(Opcode::Pong),
            reserved => Err(ProtocolError::ReservedOpcode(reserved)),
        }
    }

    /// The 4-bit wire value.
    #[inline]
    pub const fn as_u8(self) -> u8 {
        self as u8
    }

    /// Whether this is a control opcode (Close, Ping, Pong): at most 125 bytes of payload and
    /// never fragmented.
    #[inline]
    pub const fn is_control(self) -> bool {
        self as u8 & 0x8 != 0
    }
}

impl TryFrom<u8> for Opcode {
    type Error = ProtocolError;

    #[inline]
    fn try_from(value: u8) -> Result<Opcode, ProtocolError> {
        if value > 0x0f {
            return Err(ProtocolError::ReservedOpcode(value));
        }
        Opcode::from_u8(value)
    }
}

impl fmt::Display for Opcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Opcode::Continuation => "continuation",
            Opcode::Text => "text",
            Opcode::Binary => "binary",
            Opcode::Close => "close",
            Opcode::Ping => "ping",
            Opcode::Pong => "pong",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_nibble_decodes_or_is_reserved() {
        for v in 0u8..=0x0f {
            match Opcode::from_u8(v) {
                Ok(op) => assert_eq!(op.as_u8(), v),
                Err(e) => {
                    assert!(matches!(v, 0x3..=0x7 | 0xb..=0xf), "{v:#x}");
                    assert_eq!(e, ProtocolError::ReservedOpcode(v));
                }
            }
        }
        assert!(Opcode::try_from(0x11).is_err());
    }

    #[test]
    fn control_opcodes() {
        assert!(Opcode::Close.is_control());
        assert!(Opcode::Ping.is_control());
        assert!(Opcode::Pong.is_control());
        assert!(!Opcode::Text.is_control());
        assert!(!Opcode::Binary.is_control());
        assert!(!Opcode::Continuation.is_control());
    }
}
