//! The `zlib-rs` backend (feature `zlib-rs`, needs `std`), through its safe Rust API.
//!
//! zlib (and so zlib-rs) cannot compress with an 8-bit raw window: it refuses the setting
//! (zlib-rs panics) and would in any case raise it to 9, whose back-references reach 512
//! bytes, twice what an 8-bit peer keeps. This backend honours an 8-bit window with a 9-bit
//! compressor restricted to run-length matching (every back-reference has distance 1).
//! Every other window is used as given, with the configured level and memory level.

use alloc::vec::Vec;
use core::fmt;

use zlib_rs::{Deflate, DeflateConfig, DeflateFlush, InflateFlush, Status, Strategy};

use super::InflateProgress;
use super::{compress_loop, Backend, BackendError, Compress, CompressParams, Inflate};

/// The `zlib-rs` backend.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ZlibRs;

impl Backend for ZlibRs {
    type Compressor = ZlibRsCompressor;
    type Inflater = ZlibRsInflater;

    fn name(&self) -> &'static str {
        "zlib-rs"
    }

    fn supports_window(&self, window_bits: u8) -> bool {
        (8..=15).contains(&window_bits)
    }

    fn default_window_bits(&self) -> u8 {
        // 4 KiB of history keeps most of the ratio on chatty JSON traffic for well under half
        // of the 15-bit state (docs/deflate.md has the measured sizes).
        12
    }

    fn compressor(&self, params: CompressParams) -> ZlibRsCompressor {
        let (window_bits, strategy) = if params.window_bits <= 8 {
            (9, Strategy::Rle)
        } else {
            (params.window_bits.min(15), Strategy::Default)
        };
        let config = DeflateConfig {
            level: i32::from(params.level.min(9)),
            window_bits: -i32::from(window_bits),
            mem_level: i32::from(params.mem_level.clamp(1, 9)),
            strategy,
            ..DeflateConfig::default()
        };
        ZlibRsCompressor {
            inner: Deflate::new_with_config(config),
        }
    }

    fn inflater(&self) -> ZlibRsInflater {
        ZlibRsInflater {
            inner: zlib_rs::Inflate::new(false, 15),
        }
    }
}

/// A `zlib-rs` compressor.
pub struct ZlibRsCompressor {
    inner: Deflate,
}

impl fmt::Debug for ZlibRsCompressor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZlibRsCompressor").finish_non_exhaustive()
    }
}

impl Compress for ZlibRsCompressor {
    fn compress(
        &mut self,
        input: &[u8],
        sync: bool,
        out: &mut Vec<u8>,
    ) -> Result<(), BackendError> {
        let flush = if sync {
            DeflateFlush::SyncFlush
        } else {
            DeflateFlush::NoFlush
        };
        let inner = &mut self.inner;
        compress_loop(input, out, |input, output| {
            let (in0, out0) = (inner.total_in(), inner.total_out());
            let status = inner
                .compress(input, output, flush)
                .map_err(|e| BackendError { reason: e.as_str() })?;
            let consumed = (inner.total_in() - in0) as usize;
            let written = (inner.total_out() - out0) as usize;
            match status {
                Status::Ok | Status::BufError | Status::StreamEnd => Ok((consumed, written)),
            }
        })
    }

    fn reset(&mut self) {
        self.inner.reset();
    }
}

/// A `zlib-rs` inflater with a 15-bit window (which accepts every smaller window).
pub struct ZlibRsInflater {
    inner: zlib_rs::Inflate,
}

impl fmt::Debug for ZlibRsInflater {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZlibRsInflater").finish_non_exhaustive()
    }
}

impl Inflate for ZlibRsInflater {
    fn inflate(
        &mut self,
        input: &[u8],
        output: &mut [u8],
    ) -> Result<InflateProgress, BackendError> {
        let mut progress = InflateProgress {
            consumed: 0,
            written: 0,
            stream_end: false,
        };
        while progress.written < output.len() {
            let (in0, out0) = (self.inner.total_in(), self.inner.total_out());
            let status = self
                .inner
                .decompress(
                    &input[progress.consumed..],
                    &mut output[progress.written..],
                    InflateFlush::NoFlush,
                )
                .map_err(|e| BackendError {
                    reason: match e {
                        zlib_rs::InflateError::DataError => "invalid compressed data",
                        zlib_rs::InflateError::MemError => "out of memory",
                        _ => "decompression stream error",
                    },
                })?;
            let consumed = (self.inner.total_in() - in0) as usize;
            let written = (self.inner.total_out() - out0) as usize;
            progress.consumed += consumed;
            progress.written += written;
            if status == Status::StreamEnd {
                progress.stream_end = true;
                break;
            }
            if consumed == 0 && written == 0 {
                break;
            }
        }
        Ok(progress)
    }

    fn reset(&mut self) {
        self.inner.reset(false);
    }
}
