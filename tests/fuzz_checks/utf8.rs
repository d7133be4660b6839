//! Fuzz check for `wscore::utf8::Utf8Validator` against `core::str::from_utf8`.
//!
//! Input layout: a control byte, then `control & 7` cut bytes, then the text. The cut bytes
//! (each taken modulo `len + 1`, sorted, repeats allowed so empty pieces occur) split the
//! text into pieces; bit 7 of the control byte additionally feeds the text one byte at a
//! time.
//!
//! Invariants, for every way of feeding: the verdict equals `from_utf8(text).is_ok()`; the
//! validator fails exactly on the piece holding the byte that makes the text invalid
//! whatever follows (no earlier, no later); after each accepted piece `is_boundary()` says
//! whether the text so far is complete UTF-8; the valid prefix `valid_up_to` is accepted;
//! `finish` and `reset` leave a fresh validator.

use wscore::utf8::Utf8Validator;
use wscore::ProtocolError;

/// What `core` says about `text`.
struct Expected<'a> {
    /// The longest valid prefix, as a string.
    valid: &'a str,
    /// The length of the shortest prefix that no continuation can make valid, if any.
    fail_at: Option<usize>,
    /// The whole text is valid.
    ok: bool,
}

fn expected(text: &[u8]) -> Expected<'_> {
    match core::str::from_utf8(text) {
        Ok(s) => Expected {
            valid: s,
            fail_at: None,
            ok: true,
        },
        Err(e) => {
            let valid = core::str::from_utf8(&text[..e.valid_up_to()]).expect("valid_up_to");
            let fail_at = e.error_len().map(|_| {
                // The invalid byte is within the maximal invalid subpart or just after it,
                // so at most four prefixes need checking.
                (e.valid_up_to() + 1..=text.len())
                    .find(|&k| is_dead_end(&text[..k]))
                    .expect("error_len is Some, so some prefix is a dead end")
            });
            Expected {
                valid,
                fail_at,
                ok: false,
            }
        }
    }
}

/// `bytes` is invalid whatever follows.
fn is_dead_end(bytes: &[u8]) -> bool {
    matches!(core::str::from_utf8(bytes), Err(e) if e.error_len().is_some())
}

/// Feeds `text` in the pieces ending at `ends` (ascending, the last one `text.len()`) and
/// checks each step against `exp`.
fn feed_pieces(text: &[u8], ends: &[usize], exp: &Expected<'_>) {
    let mut v = Utf8Validator::new();
    let mut start = 0;
    for &end in ends {
        let result = v.feed(&text[start..end]);
        match exp.fail_at {
            Some(k) if start < k && k <= end => {
                assert_eq!(
                    result,
                    Err(ProtocolError::InvalidUtf8),
                    "piece {start}..{end}"
                );
                // Recoverable with reset.
                v.reset();
                assert!(v.is_boundary());
                assert_eq!(v.feed(b"ok \xc3\xa9"), Ok(()));
                assert_eq!(v.finish(), Ok(()));
                return;
            }
            _ => {
                assert_eq!(
                    result,
                    Ok(()),
                    "piece {start}..{end}, failure expected at {:?}",
                    exp.fail_at
                );
                let boundary = end <= exp.valid.len() && exp.valid.is_char_boundary(end);
                assert_eq!(v.is_boundary(), boundary, "boundary after {end}");
            }
        }
        start = end;
    }
    assert!(exp.fail_at.is_none(), "never failed");
    assert_eq!(v.finish().is_ok(), exp.ok);
    // `finish` resets, whatever it returned.
    assert!(v.is_boundary());
    assert_eq!(v.feed(b"x"), Ok(()));
    assert_eq!(v.finish(), Ok(()));
}

pub fn run(data: &[u8]) {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let ncuts = usize::from(control & 7).min(rest.len());
    let (cut_bytes, text) = rest.split_at(ncuts);
    let exp = expected(text);

    // The valid prefix is accepted and complete.
    let mut v = Utf8Validator::new();
    assert_eq!(v.feed(exp.valid.as_bytes()), Ok(()));
    assert!(v.is_boundary());
    assert_eq!(v.finish(), Ok(()));

    // Whole.
    feed_pieces(text, &[text.len()], &exp);

    // Data-chosen cuts.
    let mut ends: Vec<usize> = cut_bytes
        .iter()
        .map(|&b| usize::from(b) % (text.len() + 1))
        .collect();
    ends.push(text.len());
    ends.sort_unstable();
    feed_pieces(text, &ends, &exp);

    // One byte at a time.
    if control & 0x80 != 0 {
        let ends: Vec<usize> = (1..=text.len()).collect();
        feed_pieces(text, &ends, &exp);
    }
}
