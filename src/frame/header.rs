use core::ops::Deref;

use super::Opcode;
use crate::{BufferTooSmall, ProtocolError};

/// The longest possible frame header: 2 fixed bytes, an 8-byte length and a 4-byte key.
pub const MAX_HEADER_LEN: usize = 14;

/// RSV1 in its wire position (first header byte); used by permessage-deflate (RFC 7692).
pub const RSV1: u8 = 0x40;
/// RSV2 in its wire position (first header byte).
pub const RSV2: u8 = 0x20;
/// RSV3 in its wire position (first header byte).
pub const RSV3: u8 = 0x10;

const FIN: u8 = 0x80;
const MASK_BIT: u8 = 0x80;

/// A frame header (RFC 6455 5.2).
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-------+-+-------------+-------------------------------+
/// |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
/// |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
/// |N|V|V|V|       |S|             |   (if payload len==126/127)   |
/// | |1|2|3|       |K|             |                               |
/// +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
/// |     Extended payload length continued, if payload len == 127  |
/// + - - - - - - - - - - - - - - - +-------------------------------+
/// |                               |Masking-key, if MASK set to 1  |
/// +-------------------------------+-------------------------------+
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHeader {
    /// FIN: this is the final fragment of a message.
    pub fin: bool,
    /// The RSV1-3 bits in wire position ([`RSV1`], [`RSV2`], [`RSV3`]); zero unless an
    /// extension defines them.
    pub rsv: u8,
    /// The opcode.
    pub opcode: Opcode,
    /// The masking key, present on frames sent by a client.
    pub mask: Option<[u8; 4]>,
    /// The payload length in bytes.
    pub payload_len: u64,
}

impl FrameHeader {
    /// A header with no RSV bits and no mask.
    #[inline]
    pub const fn new(opcode: Opcode, fin: bool, payload_len: u64) -> FrameHeader {
        FrameHeader {
            fin,
            rsv: 0,
            opcode,
            mask: None,
            payload_len,
        }
    }

    /// This header with a masking key.
    #[inline]
    pub const fn with_mask(mut self, key: [u8; 4]) -> FrameHeader {
        self.mask = Some(key);
        self
    }

    /// How many bytes [`encode`](Self::encode) writes: 2, 4 or 10, plus 4 with a mask. The
    /// length is always written in its minimal form.
    #[inline(always)]
    pub const fn encoded_len(&self) -> usize {
        let len = match self.payload_len {
            0..=125 => 2,
            126..=0xffff => 4,
            _ => 10,
        };
        if self.mask.is_some() {
            len + 4
        } else {
            len
        }
    }

    /// Parses a header from the start of `buf`.
    ///
    /// Returns `Ok(None)` when `buf` holds only part of a header, and `Ok(Some((header,
    /// len)))` with the header's length in bytes once it is complete. Fails on a reserved
    /// opcode (as soon as the first byte is seen), a 64-bit length with its most significant
    /// bit set, and a length not in its minimal form ("the minimal number of bytes MUST be
    /// used to encode the length", RFC 6455 5.2). Role, RSV and size rules are the
    /// [`Decoder`](super::Decoder)'s business.
    #[inline]
    pub fn parse(buf: &[u8]) -> Result<Option<(FrameHeader, usize)>, ProtocolError> {
        let (b0, b1) = match *buf {
            [b0, b1, ..] => (b0, b1),
            [b0] => {
                Opcode::from_u8(b0)?;
                return Ok(None);
            }
            [] => return Ok(None),
        };
        let opcode = Opcode::from_u8(b0)?;
        let len = header_len(b1);
        let Some(bytes) = buf.get(..len) else {
            return Ok(None);
        };
        let (payload_len, key_at) = match b1 & 0x7f {
            126 => {
                let n = u64::from(u16::from_be_bytes([bytes[2], bytes[3]]));
                if n < 126 {
                    return Err(ProtocolError::NonMinimalLength);
                }
                (n, 4)
            }
            127 => {
                let mut be = [0u8; 8];
                be.copy_from_slice(&bytes[2..10]);
                let n = u64::from_be_bytes(be);
                if n >> 63 != 0 {
                    return Err(ProtocolError::LengthMsbSet);
                }
                if n <= 0xffff {
                    return Err(ProtocolError::NonMinimalLength);
                }
                (n, 10)
            }
            n => (u64::from(n), 2),
        };
        let mask = if b1 & MASK_BIT != 0 {
            let mut key = [0u8; 4];
            key.copy_from_slice(&bytes[key_at..key_at + 4]);
            Some(key)
        } else {
            None
        };
        let header = FrameHeader {
            fin: b0 & FIN != 0,
            rsv: b0 & (RSV1 | RSV2 | RSV3),
            opcode,
            mask,
            payload_len,
        };
        Ok(Some((header, len)))
    }

    /// Writes the header into the start of `out` and returns its length (at most
    /// [`MAX_HEADER_LEN`]). `out` is untouched on error.
    #[inline(always)]
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, BufferTooSmall> {
        // Written field by field with fixed-size stores rather than built in a temporary and
        // copied: the copy of a 2..14-byte header is a call to `memcpy`, which costs more than
        // the whole header on small frames.
        let len = self.encoded_len();
        let Some(dst) = out.get_mut(..len) else {
            return Err(BufferTooSmall { needed: len });
        };
        dst[0] = (if self.fin { FIN } else { 0 })
            | (self.rsv & (RSV1 | RSV2 | RSV3))
            | self.opcode.as_u8();
        let mask_bit = if self.mask.is_some() { MASK_BIT } else { 0 };
        let n = self.payload_len;
        let at = match n {
            0..=125 => {
                dst[1] = mask_bit | n as u8;
                2
            }
            126..=0xffff => {
                dst[1] = mask_bit | 126;
                dst[2..4].copy_from_slice(&(n as u16).to_be_bytes());
                4
            }
            _ => {
                dst[1] = mask_bit | 127;
                dst[2..10].copy_from_slice(&n.to_be_bytes());
                10
            }
        };
        if let Some(key) = self.mask {
            dst[at..at + 4].copy_from_slice(&key);
        }
        Ok(len)
    }

    /// The encoded header as a small inline value, e.g. for a vectored write of header and
    /// payload without copying the payload.
    #[inline]
    pub const fn to_bytes(&self) -> EncodedHeader {
        let mut bytes = [0u8; MAX_HEADER_LEN];
        bytes[0] = (if self.fin { FIN } else { 0 })
            | (self.rsv & (RSV1 | RSV2 | RSV3))
            | self.opcode.as_u8();
        let mask_bit = if self.mask.is_some() { MASK_BIT } else { 0 };
        let n = self.payload_len;
        let mut len = if n <= 125 {
            bytes[1] = mask_bit | n as u8;
            2
        } else if n <= 0xffff {
            bytes[1] = mask_bit | 126;
            let be = (n as u16).to_be_bytes();
            bytes[2] = be[0];
            bytes[3] = be[1];
            4
        } else {
            bytes[1] = mask_bit | 127;
            let be = n.to_be_bytes();
            let mut i = 0;
            while i < 8 {
                bytes[2 + i] = be[i];
                i += 1;
            }
            10
        };
        if let Some(key) = self.mask {
            bytes[len] = key[0];
            bytes[len + 1] = key[1];
            bytes[len + 2] = key[2];
            bytes[len + 3] = key[3];
            len += 4;
        }
        EncodedHeader {
            bytes,
            len: len as u8,
        }
    }
}

/// The header length announced by the second header byte: 2 fixed bytes, the extended
/// length, and the masking key.
#[inline]
pub(crate) const fn header_len(b1: u8) -> usize {
    let ext = match b1 & 0x7f {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    let key = if b1 & MASK_BIT != 0 { 4 } else { 0 };
    2 + ext + key
}

/// An encoded frame header (2 to 14 bytes), held inline. Dereferences to the bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncodedHeader {
    bytes: [u8; MAX_HEADER_LEN],
    len: u8,
}

impl EncodedHeader {
    /// The encoded bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl Deref for EncodedHeader {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl AsRef<[u8]> for EncodedHeader {
    #[inline]
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_length_forms() {
        for (len, size) in [
            (0u64, 2usize),
            (125, 2),
            (126, 4),
            (0xffff, 4),
            (0x1_0000, 10),
            (u64::MAX >> 1, 10),
        ] {
            let h = FrameHeader::new(Opcode::Binary, true, len);
            assert_eq!(h.encoded_len(), size, "len {len}");
            assert_eq!(h.to_bytes().len(), size);
            assert_eq!(h.with_mask([1, 2, 3, 4]).encoded_len(), size + 4);
            let bytes = h.to_bytes();
            assert_eq!(FrameHeader::parse(&bytes), Ok(Some((h, size))));
        }
    }

    #[test]
    fn reserved_opcode_fails_on_first_byte() {
        assert_eq!(
            FrameHeader::parse(&[0x83]),
            Err(ProtocolError::ReservedOpcode(3))
        );
        assert_eq!(
            FrameHeader::parse(&[0x8b, 0x00]),
            Err(ProtocolError::ReservedOpcode(0xb))
        );
    }

    #[test]
    fn sixty_four_bit_length_with_msb_set_is_an_error() {
        let bytes = [0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(FrameHeader::parse(&bytes), Err(ProtocolError::LengthMsbSet));
    }

    #[test]
    fn non_minimal_lengths_are_errors() {
        assert_eq!(
            FrameHeader::parse(&[0x82, 0x7e, 0x00, 0x7d]),
            Err(ProtocolError::NonMinimalLength)
        );
        assert_eq!(
            FrameHeader::parse(&[0x82, 0x7f, 0, 0, 0, 0, 0, 0, 0xff, 0xff]),
            Err(ProtocolError::NonMinimalLength)
        );
    }

    #[test]
    fn partial_headers_need_more() {
        let h = FrameHeader::new(Opcode::Binary, false, 70_000).with_mask([9, 8, 7, 6]);
        let bytes = h.to_bytes();
        for cut in 0..bytes.len() {
            assert_eq!(FrameHeader::parse(&bytes[..cut]), Ok(None), "cut {cut}");
        }
        assert_eq!(FrameHeader::parse(&bytes), Ok(Some((h, 14))));
    }

    #[test]
    fn encode_reports_needed_size_and_leaves_buffer_alone() {
        let h = FrameHeader::new(Opcode::Text, true, 300).with_mask([1, 1, 1, 1]);
        let mut small = [0xaau8; 7];
        assert_eq!(h.encode(&mut small), Err(BufferTooSmall { needed: 8 }));
        assert_eq!(small, [0xaa; 7]);
        let mut big = [0u8; 14];
        assert_eq!(h.encode(&mut big), Ok(8));
        assert_eq!(&big[..8], &[0x81, 0xfe, 0x01, 0x2c, 1, 1, 1, 1]);
    }

    #[test]
    fn encode_writes_exactly_to_bytes() {
        // `encode` writes the fields directly; `to_bytes` builds them in a const array. They
        // must agree byte for byte, and `encode` must not touch `out` past the header.
        let lens = [0u64, 1, 125, 126, 127, 0xffff, 0x1_0000, u64::MAX >> 1];
        for len in lens {
            for mask in [None, Some([0xde, 0xad, 0xbe, 0xef])] {
                for (opcode, fin, rsv) in [
                    (Opcode::Binary, true, 0),
                    (Opcode::Text, false, RSV1),
                    (Opcode::Continuation, true, RSV2 | RSV3),
                    (Opcode::Ping, true, 0),
                ] {
                    let h = FrameHeader {
                        fin,
                        rsv,
                        opcode,
                        mask,
                        payload_len: len,
                    };
                    let expected = h.to_bytes();
                    let mut out = [0x55u8; MAX_HEADER_LEN + 2];
                    assert_eq!(h.encode(&mut out), Ok(expected.len()));
                    assert_eq!(&out[..expected.len()], &*expected);
                    assert!(out[expected.len()..].iter().all(|&b| b == 0x55));
                }
            }
        }
    }

    #[test]
    fn rsv_bits_round_trip() {
        let mut h = FrameHeader::new(Opcode::Text, true, 5);
        h.rsv = RSV1 | RSV3;
        let bytes = h.to_bytes();
        assert_eq!(bytes[0], 0x80 | 0x40 | 0x10 | 0x1);
        assert_eq!(
            FrameHeader::parse(&bytes).unwrap().unwrap().0.rsv,
            RSV1 | RSV3
        );
    }
}
