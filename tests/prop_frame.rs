//! Frame layer properties: header and frame round-trips, split-independence of decoding,
//! and the fuzz invariants on random and mutated streams.

use wscore::frame::{Decoder, Item, RSV1};
use wscore::{ProtocolError, Role};

/// Feeds `wire` to a fresh decoder in the pieces ending at `ends` and returns the error.
fn error_with_ends(decoder: &Decoder, wire: &[u8], ends: &[usize]) -> Option<ProtocolError> {
    let mut decoder = decoder.clone();
    let mut buf = wire.to_vec();
    let mut start = 0;
    for &end in ends {
        let mut input = &mut buf[start..end];
        loop {
            match decoder.decode(input) {
                Err(e) => return Some(e),
                Ok((Item::NeedMore, _)) => break,
                Ok((_, rest)) => input = rest,
            }
        }
        start = end;
    }
    None
}

/// Regression: a header that breaks both a first-two-byte rule (role, RSV, control) and a
/// length-encoding rule used to fail with the length error when it arrived in one piece, but
/// with the first-two-byte error when a read ended after its second byte. The error (and so
/// the close reason) must not depend on how TCP split the stream.
#[test]
fn header_error_is_the_same_for_every_split() {
    let cases: &[(Decoder, &[u8], ProtocolError)] = &[
        // Unmasked, and 5 encoded in 16 bits.
        (
            Decoder::new(Role::Server),
            &[0x82, 0x7e, 0x00, 0x05],
            ProtocolError::UnmaskedFrame,
        ),
        // A ping announcing 126 bytes, non-minimally.
        (
            Decoder::new(Role::Client),
            &[0x89, 0x7e, 0x00, 0x05],
            ProtocolError::ControlTooLong(126),
        ),
        // A fragmented ping with a 64-bit length whose MSB is set.
        (
            Decoder::new(Role::Client),
            &[0x09, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0],
            ProtocolError::FragmentedControl,
        ),
        // RSV1 without an extension, and 1 encoded in 16 bits.
        (
            Decoder::new(Role::Client),
            &[0x82 | RSV1, 0x7e, 0x00, 0x01],
            ProtocolError::ReservedBits(RSV1),
        ),
        // Masked to a client, and 0xffff encoded in 64 bits.
        (
            Decoder::new(Role::Client),
            &[0x82, 0xff, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4],
            ProtocolError::MaskedFrame,
        ),
        // A reserved opcode is reported from the first byte, before the RSV bits.
        (
            Decoder::new(Role::Client),
            &[0x83 | RSV1, 0x7e, 0x00, 0x01],
            ProtocolError::ReservedOpcode(3),
        ),
        // Only a length rule is broken: every split reports it.
        (
            Decoder::new(Role::Client),
            &[0x82, 0x7e, 0x00, 0x7d],
            ProtocolError::NonMinimalLength,
        ),
    ];
    for (decoder, wire, expected) in cases {
        let n = wire.len();
        assert_eq!(
            error_with_ends(decoder, wire, &[n]),
            Some(*expected),
            "{wire:02x?} whole"
        );
        for cut in 0..=n {
            assert_eq!(
                error_with_ends(decoder, wire, &[cut, n]),
                Some(*expected),
                "{wire:02x?} cut at {cut}"
            );
        }
        let bytes: Vec<usize> = (1..=n).collect();
        assert_eq!(
            error_with_ends(decoder, wire, &bytes),
            Some(*expected),
            "{wire:02x?} byte at a time"
        );
    }
}
