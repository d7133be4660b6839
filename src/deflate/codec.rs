//! The per-connection permessage-deflate codec (RFC 7692 section 7.2).

use alloc::vec::Vec;
use core::fmt;

use super::backend::{Backend, Compress, CompressParams, Inflate, OUT_STEP};
use super::config::{DeflateConfig, MemoryPolicy};
use super::params::NAME;
use crate::extension::{Extension, ExtensionError};
use crate::frame::CloseCode;
use crate::DataKind;

/// The RSV bit permessage-deflate owns: RSV1 marks a compressed message.
pub const RSV1: u8 = 0x40;

/// The empty stored block a sync flush ends with, removed when sending and appended again
/// before inflating (RFC 7692 7.2.1 and 7.2.2).
pub const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

const INVALID: ExtensionError = ExtensionError {
    code: CloseCode::INVALID_PAYLOAD,
    reason: "invalid compressed data",
};

const INTERNAL: ExtensionError = ExtensionError {
    code: CloseCode::INTERNAL_ERROR,
    reason: "compression failed",
};

/// What was agreed for one direction and how to run it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodecSettings {
    /// Our compression window (8..=15), as negotiated.
    pub compress_window_bits: u8,
    /// We compress every message on its own (our side's `*_no_context_takeover`).
    pub compress_no_context_takeover: bool,
    /// The peer compresses every message on its own (the peer's `*_no_context_takeover`),
    /// so our inflater may forget its history after each message.
    pub inflate_no_context_takeover: bool,
}

/// The permessage-deflate codec of one connection, made by
/// [`DeflateServer`](super::DeflateServer) or [`DeflateClient`](super::DeflateClient).
///
/// Compression and decompression state are allocated on the first compressed message in
/// their direction; with no context takeover in a direction, the state is freed or reset
/// after each message as the [`MemoryPolicy`] says.
pub struct DeflateCodec<B: Backend> {
    backend: B,
    settings: CodecSettings,
    config: DeflateConfig,
    compressor: Option<B::Compressor>,
    inflater: Option<B::Inflater>,
    /// Bytes of the current inbound message fed to the inflater since its stream last
    /// ended (`None`: no stream end in this message).
    since_stream_end: Option<usize>,
    /// Where compressors come from and go back to without context takeover.
    #[cfg(feature = "std")]
    pool: Option<alloc::sync::Arc<super::pool::CompressorPool<B>>>,
}

impl<B: Backend> fmt::Debug for DeflateCodec<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeflateCodec")
            .field("backend", &self.backend)
            .field("settings", &self.settings)
            .field("compressor", &self.compressor.is_some())
            .field("inflater", &self.inflater.is_some())
            .finish()
    }
}

impl<B: Backend> DeflateCodec<B> {
    /// A codec for `settings`, compressing per `config` (level, memory level, threshold,
    /// memory policy). Allocates nothing yet.
    ///
    /// # Panics
    /// If `backend` cannot honour `settings.compress_window_bits` (negotiation never agrees
    /// to such a window).
    pub fn new(backend: B, settings: CodecSettings, config: DeflateConfig) -> Self {
        assert!(
            backend.supports_window(settings.compress_window_bits),
            "window not supported by the backend"
        );
        DeflateCodec {
            backend,
            settings,
            config,
            compressor: None,
            inflater: None,
            since_stream_end: None,
            #[cfg(feature = "std")]
            pool: None,
        }
    }

    /// Borrows compressors from `pool` for each message instead of owning one, when this
    /// codec compresses without context takeover (otherwise the pool is not used).
    #[cfg(feature = "std")]
    pub fn with_pool(mut self, pool: alloc::sync::Arc<super::pool::CompressorPool<B>>) -> Self {
        if self.settings.compress_no_context_takeover {
            self.pool = Some(pool);
        }
        self
    }

    fn compress_params(&self) -> CompressParams {
        CompressParams {
            window_bits: self.settings.compress_window_bits,
            level: self.config.level,
            mem_level: self.config.mem_level,
        }
    }

    /// The negotiated settings.
    pub fn settings(&self) -> CodecSettings {
        self.settings
    }

    /// Whether compression state is currently allocated.
    pub fn has_compressor(&self) -> bool {
        self.compressor.is_some()
    }

    /// Whether decompression state is currently allocated.
    pub fn has_inflater(&self) -> bool {
        self.inflater.is_some()
    }

    /// Feeds `input` to the inflater, appending at most `*remaining` bytes to `out`.
    fn inflate_bounded(
        &mut self,
        input: &[u8],
        remaining: &mut usize,
        out: &mut Vec<u8>,
    ) -> Result<(), ExtensionError> {
        let backend = &self.backend;
        let inflater = self.inflater.get_or_insert_with(|| backend.inflater());
        let mut pos = 0;
        // The output is zeroed before the inflater writes it (no unsafe here), so size the
        // first step for the input (small messages stay cheap) and grow to full steps only
        // while the output keeps filling them.
        let mut step = input.len().saturating_mul(4).clamp(256, OUT_STEP);
        loop {
            // One byte more than the budget, to tell "exactly at the limit" from "over".
            let room = step.min(remaining.saturating_add(1));
            let start = out.len();
            out.resize(start + room, 0);
            let result = inflater.inflate(&input[pos..], &mut out[start..]);
            let progress = match result {
                Ok(progress) => progress,
                Err(_) => {
                    out.truncate(start);
                    return Err(INVALID);
                }
            };
            out.truncate(start + progress.written);
            if progress.written > *remaining {
                out.truncate(start + *remaining);
                return Err(ExtensionError::TOO_LARGE);
            }
            *remaining -= progress.written;
            pos += progress.consumed;
            if let Some(n) = self.since_stream_end.as_mut() {
                *n += progress.consumed;
            }
            if progress.stream_end {
                // A block with BFINAL set (RFC 7692 7.2.3.4): whatever follows starts a
                // new stream.
                inflater.reset();
                self.since_stream_end = Some(0);
                continue;
            }
            if progress.written < room && pos >= input.len() {
                return Ok(());
            }
            if progress.written == room {
                step = OUT_STEP;
            }
            if progress.consumed == 0 && progress.written == 0 {
                return Err(INVALID);
            }
        }
    }

    fn end_inbound(&mut self) {
        self.since_stream_end = None;
        if self.settings.inflate_no_context_takeover {
            match self.config.memory {
                MemoryPolicy::Release => self.inflater = None,
                MemoryPolicy::Keep => {
                    if let Some(inflater) = self.inflater.as_mut() {
                        inflater.reset();
                    }
                }
            }
        }
    }

    fn end_outbound(&mut self) {
        #[cfg(feature = "std")]
        if let Some(pool) = self.pool.as_ref() {
            if let Some(compressor) = self.compressor.take() {
                pool.put(self.compress_params(), compressor);
            }
            return;
        }
        if self.settings.compress_no_context_takeover {
            match self.config.memory {
                MemoryPolicy::Release => self.compressor = None,
                MemoryPolicy::Keep => {
                    if let Some(compressor) = self.compressor.as_mut() {
                        compressor.reset();
                    }
                }
            }
        }
    }
}

impl<B: Backend> Extension for DeflateCodec<B> {
    fn name(&self) -> &'static str {
        NAME
    }

    fn rsv_bits(&self) -> u8 {
        RSV1
    }

    fn begin_outbound(&mut self, _kind: DataKind, len: Option<usize>) -> u8 {
        match len {
            Some(len) if len < self.config.threshold => 0,
            _ => RSV1,
        }
    }

    fn outbound(
        &mut self,
        input: &[u8],
        fin: bool,
        out: &mut Vec<u8>,
    ) -> Result<(), ExtensionError> {
        let params = self.compress_params();
        if self.compressor.is_none() {
            #[cfg(feature = "std")]
            if let Some(pool) = self.pool.as_ref() {
                self.compressor = pool.take(params);
            }
        }
        let backend = &self.backend;
        let compressor = self
            .compressor
            .get_or_insert_with(|| backend.compressor(params));
        let start = out.len();
        compressor.compress(input, fin, out).map_err(|_| INTERNAL)?;
        if fin {
            if out.len() == start {
                // zlib writes nothing for a sync flush right after another one (an empty
                // message): the stream is byte-aligned, so write the empty stored block
                // ourselves, without its LEN and NLEN as RFC 7692 7.2.1 removes those.
                out.push(0x00);
                self.end_outbound();
                return Ok(());
            }
            // A sync flush ends with the empty stored block; RFC 7692 7.2.1 removes it.
            if out.len() < start + TAIL.len() || !out.ends_with(&TAIL) {
                return Err(INTERNAL);
            }
            out.truncate(out.len() - TAIL.len());
            self.end_outbound();
        }
        Ok(())
    }

    fn begin_inbound(&mut self, rsv: u8) -> Result<(), ExtensionError> {
        if rsv != RSV1 {
            return Err(ExtensionError {
                code: CloseCode::PROTOCOL_ERROR,
                reason: "unexpected RSV bits",
            });
        }
        self.since_stream_end = None;
        Ok(())
    }

    fn inbound(
        &mut self,
        input: &[u8],
        fin: bool,
        limit: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), ExtensionError> {
        let entry = out.len();
        let mut remaining = limit;
        let mut result = if input.is_empty() {
            Ok(())
        } else {
            self.inflate_bounded(input, &mut remaining, out)
        };
        if result.is_ok() && fin {
            // A stream that ended exactly at the end of the message needs no tail.
            if self.since_stream_end != Some(0) {
                result = self.inflate_bounded(&TAIL, &mut remaining, out);
            }
            if result.is_ok() {
                self.end_inbound();
            }
        }
        if result.is_err() {
            out.truncate(entry);
            // The state is unusable after an error; the connection fails anyway.
            self.inflater = None;
        }
        result
    }
}
