//! Masking properties: `apply_mask` equals the byte-at-a-time definition of RFC 6455 5.3 at
//! every length, phase and start alignment, and chains across pieces.

use proptest::prelude::*;
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
const MAX_ALIGN: usize = 15;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Every length 0..=300 x phase 0..=3 x start offset 0..=15 inside a random buffer, with
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
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Masking a payload in arbitrary pieces, each continuing from the phase the previous
    /// one returned, equals masking it in one call.
    #[test]
    fn chained_pieces_equal_one_call(
        key in any::<[u8; 4]>(),
        phase in any::<usize>(),
        data in prop::collection::vec(any::<u8>(), 0..700),
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
    /// key as seen from that phase.
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
        for (i, k) in rotated.iter().enumerate() {
            prop_assert_eq!(*k, key[(phase % 4 + i) % 4]);
        }
    }

    /// The fuzz target's checks hold for random inputs.
    #[test]
    fn fuzz_check_on_random_inputs(data in prop::collection::vec(any::<u8>(), 0..400)) {
        mask_check::run(&data);
    }
}
