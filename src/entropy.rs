//! The source of masking keys for the client role.

use core::fmt;

/// The entropy source failed: no key could be drawn, so nothing was masked or sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntropyError;

impl fmt::Display for EntropyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the entropy source failed to produce a masking key")
    }
}

impl core::error::Error for EntropyError {}

/// Supplies the unpredictable bytes a client's masking keys come from.
///
/// RFC 6455 5.3: "The masking key is a 32-bit value chosen at random by the client ... MUST
/// pick a fresh masking key from the set of allowed 32-bit values ... derived from a strong
/// source of entropy". The core never draws randomness itself: adapters with `std` use the
/// operating system's source; firmware passes its hardware generator.
///
/// The source is fallible and the connection fails closed: when `fill` errors, or keeps
/// producing the all-zero key (which would leave the payload unmasked), the frame is not
/// sent: a data send returns [`SendError::Entropy`](crate::SendError::Entropy), and a frame
/// the connection writes on its own (a pong, a keepalive ping, a Close) fails the connection
/// with [`ConnectionError::Entropy`](crate::ConnectionError::Entropy).
///
/// Any `FnMut(&mut [u8]) -> Result<(), EntropyError>` is an `Entropy`.
pub trait Entropy {
    /// Fills all of `buf` with unpredictable bytes, or reports that it cannot.
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), EntropyError>;
}

impl<F: FnMut(&mut [u8]) -> Result<(), EntropyError>> Entropy for F {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), EntropyError> {
        self(buf)
    }
}

/// The entropy of a server, which never masks: every draw fails.
///
/// A server connection never asks for a key, so this is never called there; given to a
/// client, every send fails closed with [`EntropyError`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoEntropy;

impl Entropy for NoEntropy {
    fn fill(&mut self, _buf: &mut [u8]) -> Result<(), EntropyError> {
        Err(EntropyError)
    }
}

/// How many draws may return the all-zero key before the source counts as failed. An honest
/// 32-bit source returns zero with probability 2^-32 per draw.
const ZERO_KEY_DRAWS: usize = 4;

/// Draws a masking key: never the all-zero key, which would leave the payload unmasked.
pub(crate) fn draw_key(source: &mut impl Entropy) -> Result<[u8; 4], EntropyError> {
    let mut key = [0u8; 4];
    for _ in 0..ZERO_KEY_DRAWS {
        source.fill(&mut key)?;
        if key != [0; 4] {
            return Ok(key);
        }
    }
    Err(EntropyError)
}
