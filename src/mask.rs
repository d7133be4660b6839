//! Payload masking (RFC 6455 section 5.3).
//!
//! Masking XORs each payload byte `i` with `key[i % 4]`. The same operation masks and
//! unmasks. [`apply_mask`] takes a *phase*: the offset of `buf[0]` within the frame's
//! payload, so a payload that arrives in pieces can be unmasked piece by piece.
//!
//! The implementation is safe code shaped for the optimiser: the key is rotated for the
//! phase and widened to a 64-bit word, the buffer is processed in 64-byte blocks of words
//! (`chunks_exact_mut`, which LLVM turns into vector XORs: four SSE2 registers per block on
//! baseline x86-64, wider registers with `-C target-cpu=native`, NEON on aarch64), and the
//! remainder (under 64 bytes) is finished with at most one step each of 32, 16, 8 and 4
//! bytes and then up to three single bytes: no loop and no per-byte key indexing in the
//! tail, which is what keeps small frames fast. A long buffer that does not start on a
//! 64-byte boundary first has its head (up to 63 bytes) masked the same way, so the blocks
//! never straddle two cache lines: a frame's payload rarely starts aligned, and unaligned
//! blocks cost up to 1.8x at 1 KiB and 1.4x at 64 KiB on x86-64 (docs/performance.md).

/// The block the main loop works on: one cache line, a whole number of vector registers on
/// every x86-64 level.
const BLOCK: usize = 64;

/// Buffers at least this long are brought to a block boundary first; below it the extra
/// step costs more than the split loads it saves.
const ALIGN_MIN: usize = 512;

/// XORs `buf` in place with the masking `key`, starting at `phase` (the offset of `buf[0]`
/// within the payload; only `phase % 4` matters).
///
/// Returns the phase for the byte after `buf`, so consecutive chunks chain:
///
/// ```
/// use wscore::mask::apply_mask;
///
/// let key = [0x37, 0xfa, 0x21, 0x3d];
/// let mut whole = *b"Hello, world";
/// apply_mask(&mut whole, key, 0);
///
/// let mut pieces = *b"Hello, world";
/// let (a, b) = pieces.split_at_mut(5);
/// let phase = apply_mask(a, key, 0);
/// apply_mask(b, key, phase);
/// assert_eq!(whole, pieces);
/// ```
#[inline]
pub fn apply_mask(buf: &mut [u8], key: [u8; 4], phase: usize) -> usize {
    let phase = phase & 3;
    let len = buf.len();
    if len >= ALIGN_MIN {
        mask_long(buf, key, phase);
    } else {
        mask_from(buf, key, phase);
    }
    (phase + len) & 3
}

/// The path for long buffers, kept out of line so that [`apply_mask`] stays small enough to
/// be inlined into per-frame code: masks the head up to the next block boundary, then the
/// aligned rest.
fn mask_long(buf: &mut [u8], key: [u8; 4], phase: usize) {
    // Bytes up to the next block boundary. Only the address's value is used.
    let skew = (buf.as_ptr() as usize).wrapping_neg() % BLOCK;
    let (head, body) = buf.split_at_mut(skew);
    mask_from(head, key, phase);
    mask_from(body, key, phase + skew);
}

/// Masks all of `buf`, whose first byte is at payload offset `phase`.
#[inline(always)]
fn mask_from(buf: &mut [u8], key: [u8; 4], phase: usize) {
    // The rotated key, computed as a rotation of the key read as a little-endian number
    // (one instruction instead of four indexed byte loads); then repeated into a word.
    let key = u32::from_le_bytes(key)
        .rotate_right(8 * (phase & 3) as u32)
        .to_le_bytes();
    let half = u64::from(u32::from_ne_bytes(key));
    let word = half | half << 32;
    let mut blocks = buf.chunks_exact_mut(BLOCK);
    for block in &mut blocks {
        xor_words(block, word);
    }
    mask_tail(blocks.into_remainder(), key, word);
}

/// The key as seen from a payload offset of `phase`: byte `i` of the result masks byte
/// `phase + i` of the payload.
#[inline]
pub const fn rotate_key(key: [u8; 4], phase: usize) -> [u8; 4] {
    let p = phase & 3;
    [key[p], key[(p + 1) & 3], key[(p + 2) & 3], key[(p + 3) & 3]]
}

/// Masks the last `buf.len() < BLOCK` bytes: one step of each power of two from 32 down to
/// 4, then up to three bytes. Every step starts a multiple of 4 bytes after the previous one,
/// so the key lines up with the next byte throughout.
#[inline(always)]
fn mask_tail(buf: &mut [u8], key: [u8; 4], word: u64) {
    let buf = step(buf, 32, word);
    let buf = step(buf, 16, word);
    let buf = step(buf, 8, word);
    let buf = step(buf, 4, word);
    match buf {
        [a] => *a ^= key[0],
        [a, b] => {
            *a ^= key[0];
            *b ^= key[1];
        }
        [a, b, c] => {
            *a ^= key[0];
            *b ^= key[1];
            *c ^= key[2];
        }
        _ => {}
    }
}

/// Masks the first `n` bytes of `buf` (`n` a multiple of 4) if it has that many, and returns
/// the rest.
#[inline(always)]
fn step(buf: &mut [u8], n: usize, word: u64) -> &mut [u8] {
    if buf.len() < n {
        return buf;
    }
    let (head, rest) = buf.split_at_mut(n);
    if n == 4 {
        let mut bytes = [0u8; 4];
        bytes.copy_from_slice(head);
        head.copy_from_slice(&(u32::from_ne_bytes(bytes) ^ word as u32).to_ne_bytes());
    } else {
        xor_words(head, word);
    }
    rest
}

/// XORs every 8-byte word of `buf` (a multiple of 8 bytes long) with `word`.
#[inline(always)]
fn xor_words(buf: &mut [u8], word: u64) {
    for w in buf.chunks_exact_mut(8) {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(w);
        w.copy_from_slice(&(u64::from_ne_bytes(bytes) ^ word).to_ne_bytes());
    }
}

/// Writes `src` masked with `key` (from payload offset 0) into `dst`, which has the same
/// length, in one pass: each word is read from `src`, XORed and stored once, instead of a
/// copy followed by a second read-modify-write pass over `dst`. Used by the encoder, which
/// always copies the payload anyway.
#[inline]
pub(crate) fn copy_masked(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    debug_assert_eq!(dst.len(), src.len());
    if dst.len() >= ALIGN_MIN {
        copy_masked_long(dst, src, key);
    } else {
        copy_masked_from(dst, src, key, 0);
    }
}

/// [`copy_masked`] for long buffers, out of line: the head up to the next block boundary of
/// `dst` (the stores are what a split costs most), then the aligned rest.
fn copy_masked_long(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    let skew = (dst.as_ptr() as usize).wrapping_neg() % BLOCK;
    let (dst_head, dst_body) = dst.split_at_mut(skew);
    let (src_head, src_body) = src.split_at(skew);
    copy_masked_from(dst_head, src_head, key, 0);
    copy_masked_from(dst_body, src_body, key, skew);
}

#[inline(always)]
fn copy_masked_from(dst: &mut [u8], src: &[u8], key: [u8; 4], phase: usize) {
    let key = u32::from_le_bytes(key)
        .rotate_right(8 * (phase & 3) as u32)
        .to_le_bytes();
    let half = u64::from(u32::from_ne_bytes(key));
    let word = half | half << 32;
    let mut dst_blocks = dst.chunks_exact_mut(BLOCK);
    let mut src_blocks = src.chunks_exact(BLOCK);
    for (d, s) in (&mut dst_blocks).zip(&mut src_blocks) {
        copy_xor_words(d, s, word);
    }
    // Under one block left: the same power-of-two steps as `mask_tail`, fused with the copy.
    let (dst, src) = (dst_blocks.into_remainder(), src_blocks.remainder());
    let (dst, src) = copy_step(dst, src, 32, word);
    let (dst, src) = copy_step(dst, src, 16, word);
    let (dst, src) = copy_step(dst, src, 8, word);
    let (dst, src) = copy_step(dst, src, 4, word);
    for ((d, s), k) in dst.iter_mut().zip(src).zip(key) {
        *d = s ^ k;
    }
}

/// Copies and masks the first `n` bytes (`n` a multiple of 4) if there are that many, and
/// returns the rest of both.
#[inline(always)]
fn copy_step<'d, 's>(
    dst: &'d mut [u8],
    src: &'s [u8],
    n: usize,
    word: u64,
) -> (&'d mut [u8], &'s [u8]) {
    if dst.len() < n || src.len() < n {
        return (dst, src);
    }
    let (dst_head, dst_rest) = dst.split_at_mut(n);
    let (src_head, src_rest) = src.split_at(n);
    if n == 4 {
        let mut bytes = [0u8; 4];
        bytes.copy_from_slice(src_head);
        dst_head.copy_from_slice(&(u32::from_ne_bytes(bytes) ^ word as u32).to_ne_bytes());
    } else {
        copy_xor_words(dst_head, src_head, word);
    }
    (dst_rest, src_rest)
}

/// `dst[i] = src[i] ^ word` for every 8-byte word (both a multiple of 8 bytes long).
#[inline(always)]
fn copy_xor_words(dst: &mut [u8], src: &[u8], word: u64) {
    for (d, s) in dst.chunks_exact_mut(8).zip(src.chunks_exact(8)) {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(s);
        d.copy_from_slice(&(u64::from_ne_bytes(bytes) ^ word).to_ne_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(buf: &mut [u8], key: [u8; 4], phase: usize) {
        for (i, b) in buf.iter_mut().enumerate() {
            *b ^= key[(phase + i) % 4];
        }
    }

    #[test]
    fn rfc_example_hello() {
        // RFC 6455 5.7: "Hello" masked with 37 fa 21 3d.
        let mut payload = *b"Hello";
        apply_mask(&mut payload, [0x37, 0xfa, 0x21, 0x3d], 0);
        assert_eq!(payload, [0x7f, 0x9f, 0x4d, 0x51, 0x58]);
    }

    #[test]
    fn matches_reference_at_every_length_phase_and_alignment() {
        let key = [0x12, 0x9a, 0xff, 0x01];
        let mut storage = [0u8; 300 + 64];
        for (i, b) in storage.iter_mut().enumerate() {
            *b = (i * 31 + 7) as u8;
        }
        for start in 0..8 {
            for len in 0..=300 {
                for phase in 0..4 {
                    let mut ours = storage;
                    let mut theirs = storage;
                    let next = apply_mask(&mut ours[start..start + len], key, phase);
                    reference(&mut theirs[start..start + len], key, phase);
                    assert_eq!(ours, theirs, "start {start} len {len} phase {phase}");
                    assert_eq!(next, (phase + len) % 4);
                }
            }
        }
    }

    #[test]
    fn long_buffers_match_reference_at_every_alignment_and_phase() {
        // Long enough for the path that first masks up to a 64-byte boundary: every start
        // within a block, lengths on both sides of the threshold and of block multiples.
        let key = [0xa5, 0x3c, 0x0f, 0x71];
        let mut storage = [0u8; 1200 + 64];
        for (i, b) in storage.iter_mut().enumerate() {
            *b = (i * 13 + 5) as u8;
        }
        let lens = (500..=580)
            .chain(1000..=1090)
            .chain([ALIGN_MIN - 1, ALIGN_MIN, 1200]);
        for len in lens {
            for start in 0..64 {
                for phase in 0..4 {
                    let mut ours = storage;
                    let mut theirs = storage;
                    let next = apply_mask(&mut ours[start..start + len], key, phase);
                    reference(&mut theirs[start..start + len], key, phase);
                    assert!(ours == theirs, "start {start} len {len} phase {phase}");
                    assert_eq!(next, (phase + len) % 4);
                }
            }
        }
    }

    #[test]
    fn copy_masked_matches_copy_then_mask() {
        // Every destination offset within a block, short lengths and the long path's edges
        // up to 4 KiB + 1.
        const MAX: usize = 4097;
        let key = [0x5a, 0x01, 0xc3, 0x99];
        let mut src = [0u8; MAX];
        for (i, b) in src.iter_mut().enumerate() {
            *b = (i * 7 + 3) as u8;
        }
        let lens = (0..=130).chain([
            300, 511, 512, 513, 575, 576, 577, 1023, 1024, 1025, 2048, 4095, 4096, 4097,
        ]);
        let mut expected = [0u8; MAX + 64];
        let mut ours = [0u8; MAX + 64];
        for len in lens {
            for start in 0..64 {
                expected.fill(0xee);
                expected[start..start + len].copy_from_slice(&src[..len]);
                reference(&mut expected[start..start + len], key, 0);
                ours.fill(0xee);
                copy_masked(&mut ours[start..start + len], &src[..len], key);
                assert!(ours == expected, "start {start} len {len}");
            }
        }
    }

    #[test]
    fn masking_twice_is_identity() {
        let original: [u8; 100] = core::array::from_fn(|i| i as u8);
        let mut buf = original;
        apply_mask(&mut buf, [1, 2, 3, 4], 3);
        assert_ne!(buf, original);
        apply_mask(&mut buf, [1, 2, 3, 4], 3);
        assert_eq!(buf, original);
    }
}
