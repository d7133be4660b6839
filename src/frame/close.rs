//! Close status codes and Close frame payloads (RFC 6455 sections 5.5.1 and 7.4).

use core::fmt;

use crate::{BufferTooSmall, ProtocolError};

/// The largest payload a control frame may carry (RFC 6455 5.5).
pub const MAX_CONTROL_PAYLOAD: usize = 125;

/// The longest reason a Close frame can carry: 125 bytes minus the 2-byte code.
pub const MAX_CLOSE_REASON: usize = MAX_CONTROL_PAYLOAD - 2;

/// A WebSocket close status code (RFC 6455 7.4).
///
/// Any `u16` can be held; [`CloseCode::is_valid_on_wire`] says whether it may appear in a
/// Close frame. The reserved codes 1005, 1006 and 1015 exist only to be *reported* locally.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CloseCode(u16);

impl CloseCode {
    /// 1000: normal closure; the purpose of the connection has been fulfilled.
    pub const NORMAL: CloseCode = CloseCode(1000);
    /// 1001: the endpoint is going away (server shutdown, page navigation).
    pub const GOING_AWAY: CloseCode = CloseCode(1001);
    /// 1002: the peer violated the protocol.
    pub const PROTOCOL_ERROR: CloseCode = CloseCode(1002);
    /// 1003: the endpoint received a type of data it cannot accept.
    pub const UNSUPPORTED_DATA: CloseCode = CloseCode(1003);
    /// 1005: no status code was present (local report only, never sent).
    pub const NO_STATUS: CloseCode = CloseCode(1005);
    /// 1006: the connection closed without a Close frame (local report only, never sent).
    pub const ABNORMAL: CloseCode = CloseCode(1006);
    /// 1007: message data was inconsistent with its type (e.g. invalid UTF-8 in text).
    pub const INVALID_PAYLOAD: CloseCode = CloseCode(1007);
    /// 1008: a message violated the endpoint's policy.
    pub const POLICY_VIOLATION: CloseCode = CloseCode(1008);
    /// 1009: a message was too big to process.
    pub const MESSAGE_TOO_BIG: CloseCode = CloseCode(1009);
    /// 1010: the client expected the server to negotiate an extension it did not.
    pub const MANDATORY_EXTENSION: CloseCode = CloseCode(1010);
    /// 1011: the server met an unexpected condition.
    pub const INTERNAL_ERROR: CloseCode = CloseCode(1011);
    /// 1012: the service is restarting.
    pub const SERVICE_RESTART: CloseCode = CloseCode(1012);
    /// 1013: try again later (temporary overload).
    pub const TRY_AGAIN_LATER: CloseCode = CloseCode(1013);
    /// 1014: a gateway or proxy received an invalid upstream response.
    pub const BAD_GATEWAY: CloseCode = CloseCode(1014);
    /// 1015: the TLS handshake failed (local report only, never sent).
    pub const TLS_HANDSHAKE: CloseCode = CloseCode(1015);

    /// Wraps a raw code.
    #[inline]
    pub const fn new(code: u16) -> CloseCode {
        CloseCode(code)
    }

    /// The raw code.
    #[inline]
    pub const fn as_u16(self) -> u16 {
        self.0
    }

    /// Whether this code may appear in a Close frame on the wire, sent or received:
    /// 1000-1003, 1007-1014 (IANA-registered) and 3000-4999 (libraries and applications).
    /// 1004, 1005, 1006, 1015, anything below 1000, 1016-2999 and 5000 and above are not.
    #[inline]
    pub const fn is_valid_on_wire(self) -> bool {
        matches!(self.0, 1000..=1003 | 1007..=1014 | 3000..=4999)
    }
}

impl From<u16> for CloseCode {
    #[inline]
    fn from(code: u16) -> CloseCode {
        CloseCode(code)
    }
}

impl From<CloseCode> for u16 {
    #[inline]
    fn from(code: CloseCode) -> u16 {
        code.0
    }
}

impl fmt::Debug for CloseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CloseCode({})", self.0)
    }
}

impl fmt::Display for CloseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// The parsed body of a Close frame that carries a status code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CloseFrame<'a> {
    /// The status code.
    pub code: CloseCode,
    /// The reason, possibly empty; at most [`MAX_CLOSE_REASON`] bytes.
    pub reason: &'a str,
}

impl<'a> CloseFrame<'a> {
    /// Parses a received Close payload.
    ///
    /// Returns `Ok(None)` for an empty payload (no status code: report
    /// [`CloseCode::NO_STATUS`] locally, echo [`CloseCode::NORMAL`]). A one-byte payload, a
    /// code not valid on the wire or a payload over 125 bytes is a protocol error (1002); a
    /// reason that is not UTF-8 is [`ProtocolError::InvalidUtf8`] (1007).
    pub fn parse(payload: &'a [u8]) -> Result<Option<CloseFrame<'a>>, ProtocolError> {
        match payload {
            [] => Ok(None),
            [_] => Err(ProtocolError::ClosePayloadTooShort),
            _ if payload.len() > MAX_CONTROL_PAYLOAD => {
                Err(ProtocolError::ControlTooLong(payload.len() as u64))
            }
            [hi, lo, reason @ ..] => {
                let code = CloseCode(u16::from_be_bytes([*hi, *lo]));
                if !code.is_valid_on_wire() {
                    return Err(ProtocolError::InvalidCloseCode(code.0));
                }
                let reason =
                    core::str::from_utf8(reason).map_err(|_| ProtocolError::InvalidUtf8)?;
                Ok(Some(CloseFrame { code, reason }))
            }
        }
    }

    /// The encoded payload length: 2 + the reason's length.
    #[inline]
    pub fn encoded_len(&self) -> usize {
        2 + self.reason.len()
    }

    /// Writes the Close payload (big-endian code, then the reason) into `out` and returns the
    /// number of bytes written.
    ///
    /// Fails with [`CloseEncodeError::InvalidCode`] for a code that may not be sent,
    /// [`CloseEncodeError::ReasonTooLong`] for a reason over [`MAX_CLOSE_REASON`] bytes, and
    /// [`CloseEncodeError::BufferTooSmall`] when `out` cannot hold it; `out` is untouched on
    /// error.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, CloseEncodeError> {
        if !self.code.is_valid_on_wire() {
            return Err(CloseEncodeError::InvalidCode(self.code));
        }
        if self.reason.len() > MAX_CLOSE_REASON {
            return Err(CloseEncodeError::ReasonTooLong(self.reason.len()));
        }
        let len = self.encoded_len();
        let Some(dst) = out.get_mut(..len) else {
            return Err(CloseEncodeError::BufferTooSmall(BufferTooSmall {
                needed: len,
            }));
        };
        dst[..2].copy_from_slice(&self.code.0.to_be_bytes());
        dst[2..].copy_from_slice(self.reason.as_bytes());
        Ok(len)
    }
}

/// Why a Close payload could not be encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseEncodeError {
    /// The code is not valid on the wire (e.g. 1005, 1006, 1015, 2000).
    InvalidCode(CloseCode),
    /// The reason is longer than [`MAX_CLOSE_REASON`] bytes; the value is its length.
    ReasonTooLong(usize),
    /// The output buffer is too small.
    BufferTooSmall(BufferTooSmall),
}

impl fmt::Display for CloseEncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CloseEncodeError::InvalidCode(code) => {
                write!(f, "close code {code} may not be sent on the wire")
            }
            CloseEncodeError::ReasonTooLong(len) => {
                write!(f, "close reason of {len} bytes exceeds {MAX_CLOSE_REASON}")
            }
            CloseEncodeError::BufferTooSmall(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl core::error::Error for CloseEncodeError {}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6455 7.4.1 and 7.4.2 and the IANA "WebSocket Close Code Number" registry, written
    /// out as data (not as the predicate under test): every range of the code space, in
    /// order, with whether a Close frame may carry it.
    const CODE_SPACE: &[(u16, u16, bool, &str)] = &[
        (0, 999, false, "7.4.2: not used"),
        (1000, 1000, true, "normal closure"),
        (1001, 1001, true, "going away"),
        (1002, 1002, true, "protocol error"),
        (1003, 1003, true, "unsupported data"),
        (1004, 1004, false, "reserved"),
        (
            1005,
            1005,
            false,
            "no status: MUST NOT be set in a Close frame",
        ),
        (
            1006,
            1006,
            false,
            "abnormal closure: MUST NOT be set in a Close frame",
        ),
        (1007, 1007, true, "invalid frame payload data"),
        (1008, 1008, true, "policy violation"),
        (1009, 1009, true, "message too big"),
        (1010, 1010, true, "mandatory extension"),
        (1011, 1011, true, "internal error"),
        (1012, 1012, true, "IANA: service restart"),
        (1013, 1013, true, "IANA: try again later"),
        (1014, 1014, true, "IANA: bad gateway"),
        (
            1015,
            1015,
            false,
            "TLS handshake: MUST NOT be set in a Close frame",
        ),
        (
            1016,
            2999,
            false,
            "7.4.2: reserved for future revisions and extensions",
        ),
        (
            3000,
            3999,
            true,
            "7.4.2: registered with IANA for libraries and frameworks",
        ),
        (4000, 4999, true, "7.4.2: private use"),
        (5000, u16::MAX, false, "outside the ranges 7.4.2 defines"),
    ];

    #[test]
    fn wire_validity_matches_the_rfc_table() {
        // The table covers the whole code space, in order, without gaps or overlaps.
        assert_eq!(CODE_SPACE[0].0, 0);
        assert_eq!(CODE_SPACE[CODE_SPACE.len() - 1].1, u16::MAX);
        for pair in CODE_SPACE.windows(2) {
            assert_eq!(u32::from(pair[0].1) + 1, u32::from(pair[1].0), "{pair:?}");
        }
        for &(lo, hi, valid, why) in CODE_SPACE {
            for code in lo..=hi {
                assert_eq!(CloseCode(code).is_valid_on_wire(), valid, "{code}: {why}");
            }
        }
        // The boundaries by name, so a shifted range cannot hide behind a shifted table.
        let points = [
            (0, false),
            (999, false),
            (1000, true),
            (1003, true),
            (1004, false),
            (1005, false),
            (1006, false),
            (1007, true),
            (1011, true),
            (1012, true),
            (1014, true),
            (1015, false),
            (1016, false),
            (2999, false),
            (3000, true),
            (3999, true),
            (4000, true),
            (4999, true),
            (5000, false),
            (u16::MAX, false),
        ];
        for (code, valid) in points {
            assert_eq!(CloseCode(code).is_valid_on_wire(), valid, "{code}");
        }
    }

    #[test]
    fn empty_payload_has_no_status() {
        assert_eq!(CloseFrame::parse(&[]), Ok(None));
    }

    #[test]
    fn one_byte_payload_is_a_protocol_error() {
        let err = CloseFrame::parse(&[0x03]).unwrap_err();
        assert_eq!(err, ProtocolError::ClosePayloadTooShort);
        assert_eq!(err.close_code(), CloseCode::PROTOCOL_ERROR);
    }

    #[test]
    fn code_and_reason_parse() {
        let frame = CloseFrame::parse(b"\x03\xe8bye").unwrap().unwrap();
        assert_eq!(frame.code, CloseCode::NORMAL);
        assert_eq!(frame.reason, "bye");
    }

    #[test]
    fn invalid_codes_are_rejected_on_receipt() {
        for code in [
            0u16, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535,
        ] {
            let payload = code.to_be_bytes();
            assert_eq!(
                CloseFrame::parse(&payload),
                Err(ProtocolError::InvalidCloseCode(code))
            );
        }
    }

    #[test]
    fn invalid_utf8_reason_is_1007() {
        let err = CloseFrame::parse(b"\x03\xe8\xff").unwrap_err();
        assert_eq!(err.close_code(), CloseCode::INVALID_PAYLOAD);
    }

    #[test]
    fn oversized_payload_is_rejected() {
        let mut payload = [b'a'; 126];
        payload[..2].copy_from_slice(&1000u16.to_be_bytes());
        assert_eq!(
            CloseFrame::parse(&payload),
            Err(ProtocolError::ControlTooLong(126))
        );
    }

    #[test]
    fn encode_round_trips_and_checks() {
        let mut buf = [0u8; 125];
        let frame = CloseFrame {
            code: CloseCode::new(4000),
            reason: "é",
        };
        let n = frame.encode(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"\x0f\xa0\xc3\xa9");
        assert_eq!(CloseFrame::parse(&buf[..n]), Ok(Some(frame)));

        let bad = CloseFrame {
            code: CloseCode::NO_STATUS,
            reason: "",
        };
        assert_eq!(
            bad.encode(&mut buf),
            Err(CloseEncodeError::InvalidCode(bad.code))
        );

        let long = [b'x'; MAX_CLOSE_REASON + 1];
        let long = CloseFrame {
            code: CloseCode::NORMAL,
            reason: core::str::from_utf8(&long).unwrap(),
        };
        assert_eq!(
            long.encode(&mut buf),
            Err(CloseEncodeError::ReasonTooLong(124))
        );

        let mut tiny = [0u8; 3];
        let frame = CloseFrame {
            code: CloseCode::NORMAL,
            reason: "ok",
        };
        assert_eq!(
            frame.encode(&mut tiny),
            Err(CloseEncodeError::BufferTooSmall(BufferTooSmall {
                needed: 4
            }))
        );
        assert_eq!(tiny, [0; 3], "untouched on error");
    }
}
