//! A compressor pool shared by a server's connections (feature `std`), for servers that run
//! without context takeover on their side.
//!
//! Without `server_no_context_takeover` a compressor holds the shared window and must stay
//! with its connection. With it, a compressor is only needed while a message is being
//! compressed, so connections can borrow one from a pool for the duration of a message and
//! give it back, reset, at its end: memory is bounded by the messages in flight (plus the
//! idle compressors the pool keeps), and no message pays for an allocation once the pool is
//! warm. (uWebSockets calls this its shared compressor.)

use alloc::vec::Vec;
use core::fmt;
use std::sync::Mutex;

use super::backend::{Backend, Compress, CompressParams};

/// Idle compressors shared between connections, keyed by their parameters.
pub struct CompressorPool<B: Backend> {
    idle: Mutex<Vec<(CompressParams, B::Compressor)>>,
    max_idle: usize,
}

impl<B: Backend> fmt::Debug for CompressorPool<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompressorPool")
            .field("idle", &self.idle_count())
            .field("max_idle", &self.max_idle)
            .finish()
    }
}

impl<B: Backend> CompressorPool<B> {
    /// A pool keeping at most `max_idle` idle compressors (others are freed when returned).
    pub fn new(max_idle: usize) -> Self {
        CompressorPool {
            idle: Mutex::new(Vec::new()),
            max_idle,
        }
    }

    /// How many compressors are idle in the pool.
    pub fn idle_count(&self) -> usize {
        self.idle.lock().map_or(0, |idle| idle.len())
    }

    /// An idle compressor made with `params`, if there is one.
    pub(crate) fn take(&self, params: CompressParams) -> Option<B::Compressor> {
        let mut idle = self.idle.lock().ok()?;
        let i = idle.iter().position(|(p, _)| *p == params)?;
        Some(idle.swap_remove(i).1)
    }

    /// Returns a compressor at the end of a message; it is reset (a new stream) first.
    pub(crate) fn put(&self, params: CompressParams, mut compressor: B::Compressor) {
        compressor.reset();
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < self.max_idle {
                idle.push((params, compressor));
            }
        }
    }
}
