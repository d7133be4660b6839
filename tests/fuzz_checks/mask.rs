//! Fuzz check for `wscore::mask::apply_mask` against a plain byte loop.
//!
//! Input layout: 4 key bytes, a phase byte (used as-is, so phases above 3 are exercised and
//! must behave like `phase % 4`), a split byte, an alignment byte (0..=63 after `% 64`: a
//! payload of 512 bytes or more takes the path that first masks up to a 64-byte boundary,
//! and the offset moves that boundary), then the buffer to mask.
//! Shorter inputs are padded with zeros so every input checks something.
//!
//! Invariants: the result equals the reference at the chosen start alignment, bytes around
//! the masked window are untouched, the returned phase is `(phase + len) % 4`, masking in two
//! pieces chained through the returned phase equals masking in one go, and masking twice
//! restores the input.

use wscore::mask::{apply_mask, rotate_key};

/// The specification of RFC 6455 section 5.3, one byte at a time.
fn reference(buf: &mut [u8], key: [u8; 4], phase: usize) {
    for (i, byte) in buf.iter_mut().enumerate() {
        *byte ^= key[(phase + i) % 4];
    }
}

pub fn run(data: &[u8]) {
    let mut head = [0u8; 7];
    let n = data.len().min(head.len());
    head[..n].copy_from_slice(&data[..n]);
    let payload = &data[n..];
    let key = [head[0], head[1], head[2], head[3]];
    let phase = usize::from(head[4]);
    let split = usize::from(head[5]) % (payload.len() + 1);
    let align = usize::from(head[6] % 64);

    let mut expected = payload.to_vec();
    reference(&mut expected, key, phase);

    // One call, at a data-chosen offset inside a larger buffer with guard bytes around it.
    let guard = 0xa5u8;
    let mut storage = vec![guard; align + payload.len() + 16];
    storage[align..align + payload.len()].copy_from_slice(payload);
    let next = apply_mask(&mut storage[align..align + payload.len()], key, phase);
    assert_eq!(&storage[align..align + payload.len()], &expected[..]);
    assert!(storage[..align].iter().all(|&b| b == guard), "wrote before");
    assert!(
        storage[align + payload.len()..].iter().all(|&b| b == guard),
        "wrote after"
    );
    assert_eq!(next, (phase + payload.len()) % 4, "returned phase");

    // Two pieces, the second continuing from the phase the first returned.
    let mut pieces = payload.to_vec();
    let (a, b) = pieces.split_at_mut(split);
    let mid = apply_mask(a, key, phase);
    assert_eq!(mid, (phase + split) % 4);
    let end = apply_mask(b, key, mid);
    assert_eq!(end, next);
    assert_eq!(pieces, expected, "chained at {split}");

    // Masking is an involution.
    let end = apply_mask(&mut pieces, key, phase);
    assert_eq!(end, next);
    assert_eq!(pieces, payload, "masking twice");

    // The rotated key is what a zero buffer turns into at this phase.
    let mut zeros = [0u8; 4];
    apply_mask(&mut zeros, key, phase);
    assert_eq!(zeros, rotate_key(key, phase));
}
