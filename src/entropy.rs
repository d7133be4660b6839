//! The source of masking keys for the client role.

/// Supplies the unpredictable bytes a client's masking keys come from.
///
/// RFC 6455 5.3: "The masking key is a 32-bit value chosen at random by the client ... MUST
/// pick a fresh masking key from the set of allowed 32-bit values ... derived from a strong
/// source of entropy". The core never draws randomness itself: adapters with `std` use the
/// operating system's source; firmware passes its hardware generator.
///
/// Any `FnMut(&mut [u8])` is an `Entropy`.
pub trait Entropy {
    /// Fills `buf` with unpredictable bytes.
    fn fill(&mut self, buf: &mut [u8]);
}

impl<F: FnMut(&mut [u8])> Entropy for F {
    fn fill(&mut self, buf: &mut [u8]) {
        self(buf)
    }
}

/// Draws a masking key, drawing again (a bounded number of times) if the source yields the
/// all-zero key, which would leave the payload unmasked.
#[cfg(feature = "alloc")]
pub(crate) fn mask_key(entropy: &mut dyn Entropy) -> [u8; 4] {
    let mut key = [0u8; 4];
    for _ in 0..4 {
        entropy.fill(&mut key);
        if key != [0; 4] {
            break;
        }
    }
    key
}
