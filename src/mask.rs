//! Payload masking (RFC 6455 section 5.3).
//!
//! Masking XORs each payload byte `i` with `key[i % 4]`. The same operation masks and
//! unmasks. [`apply_mask`] takes a *phase*: the offset of `buf[0]` within the frame's
//! payload, so a payload that arrives in pieces can be unmasked piece by piece.
//!
//! The implementation is safe code shaped for the optimiser: the key is rotated once for the
//! phase and widened to a 64-bit word, then the buffer is processed in fixed-size blocks of
//! words (`chunks_exact_mut`), which LLVM turns into vector XORs on every target with a
//! vector unit (SSE2 on x86-64 by default, AVX2 with `-C target-cpu=native`, NEON on
//! aarch64). Alignment does not matter: the loads are unaligned byte-array reads, so there is
//! no scalar prologue.

/// The block the main loop works on. 32 bytes is two SSE2 registers or one AVX2 register per
/// step and keeps the tail loop short for small control frames.
const BLOCK: usize = 32;

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
    let key = rotate_key(key, phase);
    if buf.len() < BLOCK {
        mask_bytes(buf, key);
    } else {
        mask_blocks(buf, key);
    }
    (phase + buf.len()) & 3
}

/// The key as seen from a payload offset of `phase`: byte `i` of the result masks byte
/// `phase + i` of the payload.
#[inline]
pub const fn rotate_key(key: [u8; 4], phase: usize) -> [u8; 4] {
    let p = phase & 3;
    [key[p], key[(p + 1) & 3], key[(p + 2) & 3], key[(p + 3) & 3]]
}

/// Block loop: 8-byte words in 32-byte blocks, then words, then bytes. Every block and word
/// starts at a multiple of 4 from `buf[0]`, so the rotated key lines up throughout.
fn mask_blocks(buf: &mut [u8], key: [u8; 4]) {
    let word = u64::from_ne_bytes([
        key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3],
    ]);
    let mut blocks = buf.chunks_exact_mut(BLOCK);
    for block in &mut blocks {
        for w in block.chunks_exact_mut(8) {
            xor_word(w, word);
        }
    }
    let mut words = blocks.into_remainder().chunks_exact_mut(8);
    for w in &mut words {
        xor_word(w, word);
    }
    mask_bytes(words.into_remainder(), key);
}

#[inline(always)]
fn xor_word(w: &mut [u8], key: u64) {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(w);
    w.copy_from_slice(&(u64::from_ne_bytes(bytes) ^ key).to_ne_bytes());
}

/// Byte loop for short buffers and tails; `buf[0]` is masked with `key[0]`.
#[inline]
fn mask_bytes(buf: &mut [u8], key: [u8; 4]) {
    for (i, b) in buf.iter_mut().enumerate() {
        *b ^= key[i & 3];
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
    fn masking_twice_is_identity() {
        let original: [u8; 100] = core::array::from_fn(|i| i as u8);
        let mut buf = original;
        apply_mask(&mut buf, [1, 2, 3, 4], 3);
        assert_ne!(buf, original);
        apply_mask(&mut buf, [1, 2, 3, 4], 3);
        assert_eq!(buf, original);
    }
}
