//! UTF-8 properties: the streaming validator agrees with `core::str::from_utf8` on byte
//! strings biased towards multi-byte and invalid sequences, under every split, and fails on
//! exactly the piece that makes the text invalid.

use proptest::prelude::*;
use proptest::sample::select;
use wscore::utf8::Utf8Validator;
use wscore::ProtocolError;

#[path = "fuzz_checks/utf8.rs"]
mod utf8_check;

/// Bytes around the edges of the UTF-8 grammar: ASCII, continuation bytes at the edges of
/// the restricted second-byte ranges, never-valid leads (C0, C1, F5-FF), and the leads with
/// restricted second bytes (E0, ED, F0, F4).
const INTERESTING: &[u8] = &[
    0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec,
    0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xf7, 0xf8, 0xfb, 0xfe, 0xff,
];

/// Characters of every encoded length.
fn any_char() -> impl Strategy<Value = char> {
    prop_oneof![
        2 => 0u32..0x80,
        1 => 0x80u32..0x800,
        1 => prop_oneof![0x800u32..0xd800, 0xe000u32..0x1_0000],
        1 => 0x1_0000u32..=0x10_ffff,
        1 => select(vec![0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfffd, 0xffff, 0x1_0000, 0x10_ffff]),
    ]
    .prop_map(|c| char::from_u32(c).expect("not a surrogate"))
}

fn char_bytes(c: char) -> Vec<u8> {
    let mut buf = [0u8; 4];
    c.encode_utf8(&mut buf).as_bytes().to_vec()
}

/// A well-formed or ill-formed piece of UTF-8.
fn fragment() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        // A whole character.
        6 => any_char().prop_map(char_bytes),
        // A multi-byte character missing its last 1-3 bytes.
        1 => (any_char(), 1usize..4).prop_map(|(c, cut)| {
            let mut b = char_bytes(c);
            let keep = b.len().saturating_sub(cut).max(1);
            b.truncate(keep);
            b
        }),
        // An overlong encoding: a code point below the range of its length.
        1 => (0u32..0x1_0000, 2usize..=4).prop_map(|(cp, len)| {
            let cp = match len { 2 => cp & 0x7f, 3 => cp & 0x7ff, _ => cp };
            encode_raw(cp, len)
        }),
        // A surrogate code point, as CESU-8 would write it.
        1 => (0xd800u32..0xe000).prop_map(|cp| encode_raw(cp, 3)),
        // Above U+10FFFF.
        1 => (0x11_0000u32..0x20_0000).prop_map(|cp| encode_raw(cp, 4)),
        // Loose interesting bytes.
        2 => prop::collection::vec(select(INTERESTING), 1..4),
    ]
}

/// `cp` in the `len`-byte bit layout, whether or not that is valid.
fn encode_raw(cp: u32, len: usize) -> Vec<u8> {
    let cont = |shift: u32| 0x80 | ((cp >> shift) & 0x3f) as u8;
    match len {
        2 => vec![0xc0 | (cp >> 6) as u8 & 0x1f, cont(0)],
        3 => vec![0xe0 | (cp >> 12) as u8 & 0x0f, cont(6), cont(0)],
        _ => vec![0xf0 | (cp >> 18) as u8 & 0x07, cont(12), cont(6), cont(0)],
    }
}

/// Byte strings: valid text, soup of interesting bytes, or a mix of good and bad fragments.
fn text(max_len: usize) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => prop::collection::vec(any_char(), 0..max_len / 2)
            .prop_map(|cs| cs.into_iter().collect::<String>().into_bytes()),
        1 => prop::collection::vec(
            prop_oneof![3 => select(INTERESTING), 1 => 0x80u8..0xc0, 1 => any::<u8>()],
            0..max_len,
        ),
        2 => prop::collection::vec(fragment(), 0..max_len / 3).prop_map(|fs| fs.concat()),
    ]
    .prop_map(move |mut bytes| {
        bytes.truncate(max_len);
        bytes
    })
}

/// The length of the shortest prefix of `text` that no continuation can make valid: by
/// definition, straight from `core`, trying every prefix.
fn first_dead_end(text: &[u8]) -> Option<usize> {
    (1..=text.len())
        .find(|&k| matches!(core::str::from_utf8(&text[..k]), Err(e) if e.error_len().is_some()))
}

/// Feeds `text` in the pieces ending at `ends` and checks each step: the validator fails on
/// the piece that holds the first dead-end byte and accepts every piece before it; after
/// each accepted piece `is_boundary` says whether the text so far is complete. Returns
/// whether the whole text was accepted.
fn feed_and_check(text: &[u8], ends: &[usize]) -> Result<bool, TestCaseError> {
    let dead_end = first_dead_end(text);
    let mut v = Utf8Validator::new();
    let mut start = 0;
    for &end in ends {
        let result = v.feed(&text[start..end]);
        if let Some(k) = dead_end {
            if start < k && k <= end {
                prop_assert_eq!(
                    result,
                    Err(ProtocolError::InvalidUtf8),
                    "piece {}..{}",
                    start,
                    end
                );
                return Ok(false);
            }
        }
        prop_assert_eq!(
            result,
            Ok(()),
            "piece {}..{} (dead end {:?})",
            start,
            end,
            dead_end
        );
        prop_assert_eq!(v.is_boundary(), core::str::from_utf8(&text[..end]).is_ok());
        start = end;
    }
    prop_assert!(dead_end.is_none(), "accepted past the dead end");
    let complete = v.finish().is_ok();
    prop_assert!(v.is_boundary(), "finish resets");
    Ok(complete)
}

fn ends_from_cuts(cuts: &[usize], len: usize) -> Vec<usize> {
    let mut ends: Vec<usize> = cuts.iter().map(|c| c % (len + 1)).collect();
    ends.push(len);
    ends.sort_unstable();
    ends
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Short strings: the verdict is `from_utf8`'s under every single cut and every pair of
    /// cuts, and the failure lands on the right piece.
    #[test]
    fn agrees_with_core_under_every_split(text in text(24)) {
        let expected = core::str::from_utf8(&text).is_ok();
        let n = text.len();
        prop_assert_eq!(feed_and_check(&text, &[n])?, expected, "whole");
        for i in 0..=n {
            prop_assert_eq!(feed_and_check(&text, &[i, n])?, expected, "cut {}", i);
            for j in i..=n {
                prop_assert_eq!(feed_and_check(&text, &[i, j, n])?, expected, "cuts {} {}", i, j);
            }
        }
    }

    /// Longer strings: random multi-way splits (empty pieces included) and one byte at a
    /// time.
    #[test]
    fn agrees_with_core_under_random_splits(
        text in text(300),
        cuts in prop::collection::vec(any::<usize>(), 0..16),
    ) {
        let expected = core::str::from_utf8(&text).is_ok();
        let ends = ends_from_cuts(&cuts, text.len());
        prop_assert_eq!(feed_and_check(&text, &ends)?, expected);
        let bytes: Vec<usize> = (1..=text.len()).collect();
        prop_assert_eq!(feed_and_check(&text, &bytes)?, expected);
    }

    /// Valid text concatenated with anything: the validator accepts the valid part, and
    /// after `reset` (following an error) or `finish` a new message validates from scratch.
    #[test]
    fn reset_and_finish_start_a_new_message(
        good in prop::collection::vec(any_char(), 0..20).prop_map(|cs| cs.into_iter().collect::<String>()),
        bad in text(12),
    ) {
        let mut v = Utf8Validator::new();
        prop_assert_eq!(v.feed(good.as_bytes()), Ok(()));
        prop_assert!(v.is_boundary());
        let bad_ok = v.feed(&bad).is_ok() && v.finish().is_ok();
        prop_assert_eq!(bad_ok, core::str::from_utf8(&bad).is_ok());
        v.reset();
        prop_assert_eq!(v.feed(good.as_bytes()), Ok(()));
        prop_assert_eq!(v.finish(), Ok(()));
    }

    /// The fuzz target's checks hold on structured inputs: a control byte (one-byte mode and
    /// cut count), cut bytes, then a biased text.
    #[test]
    fn fuzz_check_on_structured_inputs(
        control in any::<u8>(),
        cuts in prop::collection::vec(any::<u8>(), 7),
        text in text(200),
    ) {
        let mut data = vec![control];
        data.extend_from_slice(&cuts[..usize::from(control & 7)]);
        data.extend_from_slice(&text);
        utf8_check::run(&data);
    }

    /// And on random bytes.
    #[test]
    fn fuzz_check_on_random_inputs(data in prop::collection::vec(any::<u8>(), 0..200)) {
        utf8_check::run(&data);
    }
}

/// The generators reach what they are meant to: valid multi-byte text, truncated text
/// (incomplete at the end only) and text that is invalid at some byte.
#[test]
fn generator_covers_valid_truncated_and_invalid() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut valid_multibyte, mut truncated, mut invalid) = (0, 0, 0);
    for _ in 0..500 {
        let t = text(24).new_tree(&mut runner).expect("tree").current();
        match core::str::from_utf8(&t) {
            Ok(s) if s.len() > s.chars().count() => valid_multibyte += 1,
            Ok(_) => {}
            Err(e) if e.error_len().is_none() => truncated += 1,
            Err(_) => invalid += 1,
        }
    }
    assert!(valid_multibyte >= 50, "valid multi-byte: {valid_multibyte}");
    assert!(truncated >= 10, "truncated: {truncated}");
    assert!(invalid >= 100, "invalid: {invalid}");
}
