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

/// Where a connection's masking keys come from.
pub(crate) enum MaskSource {
    /// A server: frames are not masked.
    None,
    /// A plain function (no allocation needed), e.g. reading a hardware generator.
    Fn(fn(&mut [u8])),
    /// Any entropy source, boxed.
    #[cfg(feature = "alloc")]
    Boxed(alloc::boxed::Box<dyn Entropy + Send>),
}

/// Draws a masking key (`None` for a server), drawing again a bounded number of times if the
/// source yields the all-zero key, which would leave the payload unmasked.
pub(crate) fn mask_key(source: &mut MaskSource) -> Option<[u8; 4]> {
    let mut key = [0u8; 4];
    for _ in 0..4 {
        match source {
            MaskSource::None => return None,
            MaskSource::Fn(f) => f(&mut key),
            #[cfg(feature = "alloc")]
            MaskSource::Boxed(entropy) => entropy.fill(&mut key),
        }
        if key != [0; 4] {
            break;
        }
    }
    Some(key)
}
