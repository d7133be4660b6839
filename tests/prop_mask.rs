//! Masking properties: `apply_mask` (and `copy_masked`, through the frame encoder) equals
//! the byte-at-a-time definition of RFC 6455 5.3 at every length, phase and start alignment,
//! on both sides of the 512-byte threshold where the aligned path starts, and chains across
//! pieces.

use proptest::prelude::*;
use wscore::frame::{encode_frame, FrameHeader, Opcode};
use wscore::mask::{apply_mask, rotate_key};

#[path = "fuzz_checks/mask.rs"]
mod mask_check;

/// Byte `i` of the payload is XORed with `key[i % 4]`; `buf[0]` is payload byte `phase`.
fn reference(buf: &mut [u8], key: [u8; 4], phase: usize) {
    for (i, byte) in buf.iter_mut().enumerate() {
        *byte ^= key[(phase + i) % 4];
    }
}

const MAX_LEN: usize = 300;
/// Start offsets 0..=63: whatever the allocation's own alignment, 64 consecutive offsets put
/// the window's first byte at every position within a 64-byte block (the unit of the aligned
/// path).
const MAX_ALIGN: usize = 63;

/// Lengths around every edge of the long path: its threshold (512 +- 1), 64-byte block
/// multiples +- 1, 1 KiB and 2 KiB +- 1, and 4 KiB +- 1.
const LONG_LENS: [usize; 16] = [
    511, 512, 513, 575, 576, 577, 1000, 1023, 1024, 1025, 2047, 2048, 2049, 4095, 4096, 4097,
];
const LONG_MAX: usize = 4200;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    /// Every length 0..=300 x phase 0..=3 x start offset 0..=63 inside a random buffer, with
    /// a random key: the masked window equals the reference, nothing outside it changes, and
    /// the returned phase is `(phase + len) % 4`.
    #[test]
    fn matches_reference_at_every_length_phase_and_alignment(
        key in any::<[u8; 4]>(),
        storage in prop::collection::vec(any::<u8>(), MAX_ALIGN + MAX_LEN + 8),
    ) {
        let mut ours = storage.clone();
        let mut theirs = storage;
        for start in 0..=MAX_ALIGN {
            for len in 0..=MAX_LEN {
                let window = start..start + len;
                for phase in 0..4 {
                    let next = apply_mask(&mut ours[window.clone()], key, phase);
                    reference(&mut theirs[window.clone()], key, phase);
                    prop_assert_eq!(next, (phase + len) % 4);
                    // The whole buffers: the window and the bytes around it. `theirs` has
                    // seen the same sequence of operations, done the slow way.
                    prop_assert!(
                        ours == theirs,
                        "start {} len {} phase {} key {:02x?}", start, len, phase, key
                    );
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    /// The long path: the lengths in `LONG_LENS` plus three random ones up to ~4 KiB, x phase
    /// 0..=3 x start offset 0..=63, with a random key: the window equals the reference,
    /// nothing around it changes, the returned phase chains.
    #[test]
    fn long_buffers_match_reference_at_every_phase_and_alignment(
        key in any::<[u8; 4]>(),
        extra in prop::collection::vec(300usize..=LONG_MAX, 3),
        storage in prop::collection::vec(any::<u8>(), MAX_ALIGN + LONG_MAX + 8),
    ) {
        let mut ours = storage.clone();
        let mut theirs = storage;
        for &len in LONG_LENS.iter().chain(&extra) {
            for start in 0..=MAX_ALIGN {
                let window = start..start + len;
                for phase in 0..4 {
                    let next = apply_mask(&mut ours[window.clone()], key, phase);
                    reference(&mut theirs[window.clone()], key, phase);
                    prop_assert_eq!(next, (phase + len) % 4);
                    prop_assert!(
                        ours == theirs,
                        "start {} len {} phase {} key {:02x?}", start, len, phase, key
                    );
                }
            }
        }
    }

    /// `copy_masked` (crate-private) through its only caller, the frame encoder: a masked
    /// frame written at every offset 0..=63 of the output (so the payload's destination
    /// starts at every position in a block), short and long, carries the payload masked as
    /// the reference says, and writes nothing past the frame.
    #[test]
    fn encoded_masked_payload_matches_reference_at_every_alignment(
        key in any::<[u8; 4]>(),
        extra in prop::collection::vec(0usize..=LONG_MAX, 3),
        src in prop::collection::vec(any::<u8>(), LONG_MAX),
    ) {
        let guard = 0x5au8;
        let short = [0usize, 1, 3, 4, 5, 31, 63, 64, 65, 125, 126, 300];
        for &len in short.iter().chain(&LONG_LENS).chain(&extra) {
            let payload = &src[..len];
            let mut expected = payload.to_vec();
            reference(&mut expected, key, 0);
            let header = FrameHeader::new(Opcode::Binary, true, 0).with_mask(key);
            let head_len = if len < 126 { 6 } else { 8 };
            for start in 0..=MAX_ALIGN {
                let mut out = vec![guard; start + head_len + len + 16];
                let n = encode_frame(header, payload, &mut out[start..]).unwrap();
                prop_assert_eq!(n, head_len + len);
                prop_assert_eq!(&out[start + head_len - 4..start + head_len], &key[..]);
                prop_assert!(
                    out[start + head_len..start + n] == expected[..],
                    "start {} len {} key {:02x?}", start, len, key
                );
                prop_assert!(out[..start].iter().all(|&b| b == guard), "wrote before");
                prop_assert!(out[start + n..].iter().all(|&b| b == guard), "wrote after");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Masking a payload in arbitrary pieces, each continuing from the phase the previous
    /// one returned, equals masking it in one call.
    #[test]
    fn chained_pieces_equal_one_call(
        key in any::<[u8; 4]>(),
        phase in any::<usize>(),
        data in prop::collection::vec(any::<u8>(), 0..5000),
        cuts in prop::collection::vec(any::<usize>(), 0..12),
    ) {
        let mut expected = data.clone();
        reference(&mut expected, key, phase % 4);
        let mut whole = data.clone();
        let end_phase = apply_mask(&mut whole, key, phase);
        prop_assert_eq!(&whole, &expected);

        let mut ends: Vec<usize> = cuts.iter().map(|c| c % (data.len() + 1)).collect();
        ends.push(data.len());
        ends.sort_unstable();
        let mut pieces = data.clone();
        let mut at = 0;
        let mut p = phase;
        for end in ends {
            p = apply_mask(&mut pieces[at..end], key, p);
            prop_assert_eq!(p, (phase + end) % 4);
            at = end;
        }
        prop_assert_eq!(p, end_phase);
        prop_assert_eq!(pieces, expected);
    }

    /// Only `phase % 4` matters, masking twice is the identity, and the rotated key is the
    /// key as seen from that phase: masking from phase 0 with it, byte by byte, equals
    /// masking from `phase` with the key (the reference, not `rotate_key`'s own formula).
    #[test]
    fn phase_is_taken_modulo_four_and_masking_is_an_involution(
        key in any::<[u8; 4]>(),
        phase in any::<usize>(),
        data in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let mut a = data.clone();
        let mut b = data.clone();
        let na = apply_mask(&mut a, key, phase);
        let nb = apply_mask(&mut b, key, phase % 4);
        prop_assert_eq!(na, nb);
        prop_assert_eq!(&a, &b);
        apply_mask(&mut a, key, phase);
        prop_assert_eq!(&a, &data);

        let rotated = rotate_key(key, phase);
        let mut with_rotated = data.clone();
        reference(&mut with_rotated, rotated, 0);
        let mut from_phase = data.clone();
        reference(&mut from_phase, key, phase % 4);
        prop_assert_eq!(&with_rotated, &from_phase);
        // Four zero bytes masked from `phase` are the rotated key itself.
        let mut zeros = [0u8; 4];
        reference(&mut zeros, key, phase % 4);
        prop_assert_eq!(zeros, rotated);
    }

    /// The fuzz target's checks hold for random inputs.
    #[test]
    fn fuzz_check_on_random_inputs(data in prop::collection::vec(any::<u8>(), 0..1200)) {
        mask_check::run(&data);
    }
}
