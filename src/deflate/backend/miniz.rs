//! The `miniz_oxide` backend (no_std + alloc, the default).
//!
//! `miniz_oxide` always keeps a 32 KiB window, and its level-1 fast path ignores the
//! RLE flag that its own small-window settings map to, so a compressor configured for a
//! window below 15 bits still emits back-references tens of kilobytes long. This backend
//! therefore honours windows below 15 bits with run-length matching only (every
//! back-reference has distance 1), at level 2 or above so that miniz takes the path that
//! honours the flag; level 0 (stored blocks) has no back-references at all. A full 15-bit
//! window uses the normal compressor at the configured level.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

use miniz_oxide::deflate::core::{compress_to_output, CompressorOxide, TDEFLFlush, TDEFLStatus};
use miniz_oxide::deflate::core::{create_comp_flags_from_zip_params, CompressionStrategy};
use miniz_oxide::inflate::stream::InflateState;
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};

use super::InflateProgress;
use super::{Backend, BackendError, Compress, CompressParams, Inflate};

/// The `miniz_oxide` backend.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Miniz;

/// The flags for a raw-DEFLATE compressor that keeps within `params.window_bits`.
fn flags(params: CompressParams) -> u32 {
    let level = i32::from(params.level.min(9));
    if params.window_bits >= 15 || level == 0 {
        create_comp_flags_from_zip_params(level, -15, CompressionStrategy::Default as i32)
    } else {
        // RLE only: distance 1, valid in any window. Level >= 2 avoids the fast path that
        // would ignore the flag.
        create_comp_flags_from_zip_params(level.max(2), -15, CompressionStrategy::RLE as i32)
    }
}

impl Backend for Miniz {
    type Compressor = MinizCompressor;
    type Inflater = MinizInflater;

    fn name(&self) -> &'static str {
        "miniz_oxide"
    }

    fn supports_window(&self, window_bits: u8) -> bool {
        (8..=15).contains(&window_bits)
    }

    fn default_window_bits(&self) -> u8 {
        // Smaller windows would save no memory here (the state is the same size) and would
        // force run-length matching.
        15
    }

    fn compressor(&self, params: CompressParams) -> MinizCompressor {
        MinizCompressor {
            inner: Box::new(CompressorOxide::new(flags(params))),
        }
    }

    fn inflater(&self) -> MinizInflater {
        MinizInflater {
            inner: InflateState::new_boxed(DataFormat::Raw),
        }
    }
}

/// A `miniz_oxide` compressor.
pub struct MinizCompressor {
    inner: Box<CompressorOxide>,
}

impl fmt::Debug for MinizCompressor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MinizCompressor").finish_non_exhaustive()
    }
}

fn stream_error(e: MZError) -> BackendError {
    BackendError {
        reason: match e {
            MZError::Data => "invalid compressed data",
            MZError::Mem => "out of memory",
            _ => "compression stream error",
        },
    }
}

impl Compress for MinizCompressor {
    fn compress(
        &mut self,
        input: &[u8],
        sync: bool,
        out: &mut Vec<u8>,
    ) -> Result<(), BackendError> {
        // The callback form: output is never short, so one call consumes all of the input
        // and completes the flush. (The slice-based stream API can return with all input
        // taken but part of a level-0 flush still pending, which looks like completion.)
        let flush = if sync {
            TDEFLFlush::Sync
        } else {
            TDEFLFlush::None
        };
        let (status, consumed) = compress_to_output(&mut self.inner, input, flush, |bytes| {
            out.extend_from_slice(bytes);
            true
        });
        match status {
            TDEFLStatus::Okay | TDEFLStatus::Done if consumed == input.len() => Ok(()),
            _ => Err(BackendError {
                reason: "compression stream error",
            }),
        }
    }

    fn reset(&mut self) {
        self.inner.reset();
    }
}

/// A `miniz_oxide` inflater (its window is always 32 KiB).
pub struct MinizInflater {
    inner: Box<InflateState>,
}

impl fmt::Debug for MinizInflater {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MinizInflater").finish_non_exhaustive()
    }
}

impl Inflate for MinizInflater {
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
        // miniz returns early after copying out buffered output, so call until it stalls.
        while progress.written < output.len() {
            let r = miniz_oxide::inflate::stream::inflate(
                &mut self.inner,
                &input[progress.consumed..],
                &mut output[progress.written..],
                MZFlush::None,
            );
            progress.consumed += r.bytes_consumed;
            progress.written += r.bytes_written;
            match r.status {
                Ok(MZStatus::StreamEnd) => {
                    progress.stream_end = true;
                    break;
                }
                Ok(_) => {}
                Err(MZError::Buf) => break,
                Err(e) => return Err(stream_error(e)),
            }
            if r.bytes_consumed == 0 && r.bytes_written == 0 {
                break;
            }
        }
        Ok(progress)
    }

    fn reset(&mut self) {
        self.inner.reset(DataFormat::Raw);
    }
}
