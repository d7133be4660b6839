//! The compression backends: what the permessage-deflate codec needs from a DEFLATE
//! implementation, and the implementations.
//!
//! The codec talks to a backend only through [`Backend`], [`Compress`] and [`Inflate`]:
//! raw DEFLATE (RFC 1951, no zlib header) compressed with sync flushes, reset between
//! messages, and inflated into an output slice the caller sizes (which is how the codec
//! bounds decompression).

use core::fmt;

mod miniz;
pub use miniz::Miniz;

#[cfg(feature = "zlib-rs")]
mod zlib_rs;
#[cfg(feature = "zlib-rs")]
pub use zlib_rs::ZlibRs;

/// A backend failure: the input is not valid DEFLATE, or the backend could not proceed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackendError {
    /// What went wrong (ASCII, short enough for a Close reason).
    pub reason: &'static str,
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason)
    }
}

impl core::error::Error for BackendError {}

/// How to set up a compressor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CompressParams {
    /// The LZ77 window, base-2 logarithm (8..=15). No back-reference may reach farther
    /// than `1 << window_bits` bytes: the peer's inflater may have only that much history.
    pub window_bits: u8,
    /// Compression level, 0 (stored blocks) to 9.
    pub level: u8,
    /// zlib's memory level (1..=9): the size of the hash table and of the pending symbol
    /// buffer. Backends without such a knob ignore it.
    pub mem_level: u8,
}

/// What one [`Inflate::inflate`] call did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InflateProgress {
    /// Input bytes consumed.
    pub consumed: usize,
    /// Output bytes written at the start of the output slice.
    pub written: usize,
    /// The DEFLATE stream ended (a block with BFINAL set was completed): the inflater must be
    /// reset before it accepts more input.
    pub stream_end: bool,
}

/// A DEFLATE implementation: makes compressors and inflaters.
pub trait Backend: Clone + Send + Sync + fmt::Debug + 'static {
    /// The compressor state.
    type Compressor: Compress;
    /// The decompressor state.
    type Inflater: Inflate;

    /// A short name, e.g. `miniz_oxide`.
    fn name(&self) -> &'static str;

    /// Whether this backend can compress within a window of `1 << window_bits` bytes (no
    /// back-reference farther than that). Negotiation never agrees to a compression window
    /// the backend cannot keep.
    fn supports_window(&self, window_bits: u8) -> bool;

    /// The server compression window this backend is best used with when the configuration
    /// does not choose one (see the crate's `docs/deflate.md` for the trade-off).
    fn default_window_bits(&self) -> u8;

    /// A compressor for `params` (whose window [`supports_window`](Self::supports_window)
    /// accepted). This allocates the compression state.
    fn compressor(&self, params: CompressParams) -> Self::Compressor;

    /// An inflater that accepts streams compressed with any window up to 15 bits. This
    /// allocates the decompression state.
    fn inflater(&self) -> Self::Inflater;
}

/// A raw DEFLATE compressor.
pub trait Compress: Send + fmt::Debug {
    /// Compresses all of `input`, appending the output to `out`. With `sync`, ends with a
    /// sync flush: everything so far is decodable, and the output ends with an empty stored
    /// block (`00 00 ff ff`) on a byte boundary.
    fn compress(
        &mut self,
        input: &[u8],
        sync: bool,
        out: &mut alloc::vec::Vec<u8>,
    ) -> Result<(), BackendError>;

    /// Forgets all history (a new stream), keeping the allocation.
    fn reset(&mut self);
}

/// A raw DEFLATE decompressor.
pub trait Inflate: Send + fmt::Debug {
    /// Decompresses from `input` into `output`, returning when `output` is full, when the
    /// stream ended, or when all of `input` is consumed and nothing more can be produced
    /// without more input. Never writes beyond `output`.
    fn inflate(&mut self, input: &[u8], output: &mut [u8])
        -> Result<InflateProgress, BackendError>;

    /// Forgets all history (a new stream), keeping the allocation.
    fn reset(&mut self);
}

/// Output is produced into the caller's `Vec` in steps of this many bytes.
pub(crate) const OUT_STEP: usize = 16 * 1024;

/// Runs `step` (which fills the given zeroed slice and returns `(consumed, written)`) until
/// it has consumed all of `input` without filling its output slice. The first slice is
/// sized for the input (a small message does not zero a whole step), later ones are
/// [`OUT_STEP`] bytes.
#[cfg(feature = "zlib-rs")]
pub(crate) fn compress_loop(
    input: &[u8],
    out: &mut alloc::vec::Vec<u8>,
    mut step: impl FnMut(&[u8], &mut [u8]) -> Result<(usize, usize), BackendError>,
) -> Result<(), BackendError> {
    let mut pos = 0;
    let mut room = (input.len() + input.len() / 16 + 128).min(OUT_STEP);
    loop {
        let start = out.len();
        out.resize(start + room, 0);
        let result = step(&input[pos..], &mut out[start..]);
        let (consumed, written) = match result {
            Ok(progress) => progress,
            Err(e) => {
                out.truncate(start);
                return Err(e);
            }
        };
        out.truncate(start + written);
        pos += consumed;
        if pos >= input.len() && written < room {
            return Ok(());
        }
        if consumed == 0 && written == 0 {
            if pos >= input.len() {
                // The last slice was filled exactly and nothing more is pending.
                return Ok(());
            }
            return Err(BackendError {
                reason: "compressor made no progress",
            });
        }
        room = OUT_STEP;
    }
}
