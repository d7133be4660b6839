use super::FrameHeader;
use crate::mask::copy_masked;
use crate::BufferTooSmall;

/// Writes a whole frame, header then payload, into the start of `out`, masking the copied
/// payload when `header.mask` is set; returns the frame's length. The header's `payload_len`
/// is taken from `payload`. `out` is untouched on error.
///
/// For a payload that is already in a buffer the caller owns, [`FrameHeader::to_bytes`] plus
/// [`apply_mask`](crate::mask::apply_mask) in place (client) or nothing at all (server) avoids the copy.
///
/// ```
/// use wscore::frame::{encode_frame, FrameHeader, Opcode};
///
/// let mut out = [0u8; 16];
/// let header = FrameHeader::new(Opcode::Text, true, 0).with_mask([0x37, 0xfa, 0x21, 0x3d]);
/// let n = encode_frame(header, b"Hello", &mut out).unwrap();
/// // RFC 6455 5.7: a single-frame masked text message.
/// assert_eq!(&out[..n], b"\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58");
/// ```
#[inline(always)]
pub fn encode_frame(
    mut header: FrameHeader,
    payload: &[u8],
    out: &mut [u8],
) -> Result<usize, BufferTooSmall> {
    header.payload_len = payload.len() as u64;
    let head_len = header.encoded_len();
    let total = head_len + payload.len();
    let Some(dst) = out.get_mut(..total) else {
        return Err(BufferTooSmall { needed: total });
    };
    let (dst_head, dst_payload) = dst.split_at_mut(head_len);
    header.encode(dst_head)?;
    match header.mask {
        // Copy and mask in one pass.
        Some(key) => copy_masked(dst_payload, payload, key),
        None => dst_payload.copy_from_slice(payload),
    }
    Ok(total)
}
