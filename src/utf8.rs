//! Streaming UTF-8 validation for text messages (RFC 6455 sections 5.6 and 8.1).
//!
//! A text message may arrive split at any byte, across frames and across reads. The
//! [`Utf8Validator`] sees each piece once (linear time, no re-scan of earlier pieces), keeps
//! at most three bytes of an unfinished code point between pieces, and fails as soon as a
//! piece contains a byte that cannot be part of valid UTF-8: an endpoint can then close with
//! 1007 without waiting for the rest of the message (the "fail fast" behaviour Autobahn
//! section 6 checks).
//!
//! The bulk of each piece is checked by `core::str::from_utf8`, which is exact (it rejects
//! overlong forms, surrogates and code points above U+10FFFF) and has a word-at-a-time ASCII
//! fast path; this module adds only the carrying of a code point across piece boundaries.

use crate::ProtocolError;

/// Incremental UTF-8 validator. See the [module docs](self).
///
/// ```
/// use wscore::utf8::Utf8Validator;
///
/// let text = "naïve €".as_bytes();
/// let mut v = Utf8Validator::new();
/// for byte in text {
///     v.feed(core::slice::from_ref(byte)).unwrap(); // one byte at a time
/// }
/// v.finish().unwrap();
///
/// // A truncated sequence is only an error at the end of the message...
/// let mut v = Utf8Validator::new();
/// v.feed(&[0xe2, 0x82]).unwrap();
/// assert!(v.finish().is_err());
/// // ...but a byte that can never be valid fails at once.
/// assert!(Utf8Validator::new().feed(&[b'a', 0xff]).is_err());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Utf8Validator {
    /// The unfinished code point: a valid prefix of 0-3 bytes.
    partial: [u8; 4],
    partial_len: u8,
}

impl Utf8Validator {
    /// A validator at the start of a message.
    #[inline]
    pub const fn new() -> Utf8Validator {
        Utf8Validator {
            partial: [0; 4],
            partial_len: 0,
        }
    }

    /// Validates the next piece of the message.
    ///
    /// Fails with [`ProtocolError::InvalidUtf8`] at the first byte that makes the message
    /// invalid whatever follows. After an error the validator's state is unspecified; call
    /// [`reset`](Self::reset) before reusing it.
    #[inline]
    pub fn feed(&mut self, mut input: &[u8]) -> Result<(), ProtocolError> {
        if self.partial_len != 0 {
            input = self.complete_partial(input)?;
            if self.partial_len != 0 {
                return Ok(()); // `input` was used up and the code point is still unfinished
            }
        }
        match core::str::from_utf8(input) {
            Ok(_) => Ok(()),
            Err(e) if e.error_len().is_some() => Err(ProtocolError::InvalidUtf8),
            Err(e) => {
                // A valid but unfinished sequence at the end: 1-3 bytes.
                let tail = &input[e.valid_up_to()..];
                self.partial[..tail.len()].copy_from_slice(tail);
                self.partial_len = tail.len() as u8;
                Ok(())
            }
        }
    }

    /// Ends the message: fails if it stopped inside a code point. Resets the validator for
    /// the next message either way.
    #[inline]
    pub fn finish(&mut self) -> Result<(), ProtocolError> {
        let complete = self.partial_len == 0;
        self.reset();
        if complete {
            Ok(())
        } else {
            Err(ProtocolError::InvalidUtf8)
        }
    }

    /// Whether the bytes seen so far end on a code point boundary.
    #[inline]
    pub const fn is_boundary(&self) -> bool {
        self.partial_len == 0
    }

    /// Forgets any unfinished code point, ready for a new message.
    #[inline]
    pub fn reset(&mut self) {
        self.partial_len = 0;
    }

    /// Moves bytes from `input` into the unfinished code point until it is complete (or
    /// `input` runs out), validating as it goes; returns the rest of `input`.
    #[cold]
    fn complete_partial<'a>(&mut self, input: &'a [u8]) -> Result<&'a [u8], ProtocolError> {
        let have = usize::from(self.partial_len);
        let want = sequence_len(self.partial[0]);
        let take = (want - have).min(input.len());
        self.partial[have..have + take].copy_from_slice(&input[..take]);
        let filled = have + take;
        match core::str::from_utf8(&self.partial[..filled]) {
            Ok(_) => self.partial_len = 0,
            Err(e) if e.error_len().is_some() => return Err(ProtocolError::InvalidUtf8),
            Err(_) => self.partial_len = filled as u8, // still a valid prefix
        }
        Ok(&input[take..])
    }
}

/// The length of the sequence a lead byte starts. Only called on the first byte of a valid
/// unfinished prefix, which `from_utf8` guarantees is a multi-byte lead (0xC2-0xF4).
#[inline]
const fn sequence_len(lead: u8) -> usize {
    match lead {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validate_split(bytes: &[u8], split: usize) -> bool {
        let mut v = Utf8Validator::new();
        let (a, b) = bytes.split_at(split);
        v.feed(a).is_ok() && v.feed(b).is_ok() && v.finish().is_ok()
    }

    #[test]
    fn agrees_with_core_on_edge_cases_under_every_split() {
        let cases: &[&[u8]] = &[
            b"",
            b"plain ascii",
            "κόσμε".as_bytes(),
            "\u{10ffff}\u{7ff}\u{800}\u{ffff}\u{10000}".as_bytes(),
            &[0xc0, 0x80],             // overlong NUL
            &[0xe0, 0x80, 0x80],       // overlong
            &[0xf0, 0x80, 0x80, 0x80], // overlong
            &[0xed, 0xa0, 0x80],       // surrogate U+D800
            &[0xed, 0xbf, 0xbf],       // surrogate U+DFFF
            &[0xf4, 0x90, 0x80, 0x80], // U+110000
            &[0xf5, 0x80, 0x80, 0x80],
            &[0xe2, 0x82], // truncated at end
            &[0xe2, 0x82, b'a'],
            &[0x80],
            &[0xfe],
            &[0xff],
            &[
                0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5, 0xed, 0xa0, 0x80,
            ],
        ];
        for bytes in cases {
            let expected = core::str::from_utf8(bytes).is_ok();
            for split in 0..=bytes.len() {
                assert_eq!(
                    validate_split(bytes, split),
                    expected,
                    "{bytes:x?} at {split}"
                );
            }
        }
    }

    #[test]
    fn fails_fast_at_the_first_invalid_byte() {
        // Autobahn 6.4.1: the invalid byte arrives in the middle of a message; the rest
        // never needs to be seen.
        let mut v = Utf8Validator::new();
        v.feed("κόσμε".as_bytes()).unwrap();
        assert_eq!(v.feed(&[0xf4, 0x90]), Err(ProtocolError::InvalidUtf8));
    }

    #[test]
    fn surrogate_split_after_lead_fails_on_second_byte() {
        let mut v = Utf8Validator::new();
        v.feed(&[0xed]).unwrap();
        assert_eq!(v.feed(&[0xa0]), Err(ProtocolError::InvalidUtf8));
    }

    #[test]
    fn one_byte_at_a_time() {
        let text = "ab\u{e9}\u{20ac}\u{1f600}z".as_bytes();
        let mut v = Utf8Validator::new();
        for b in text {
            v.feed(core::slice::from_ref(b)).unwrap();
        }
        assert!(v.is_boundary());
        v.finish().unwrap();
    }

    #[test]
    fn finish_resets() {
        let mut v = Utf8Validator::new();
        v.feed(&[0xf0, 0x9f]).unwrap();
        assert!(!v.is_boundary());
        assert!(v.finish().is_err());
        v.feed(b"fresh").unwrap();
        v.finish().unwrap();
    }
}
