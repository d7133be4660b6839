//! The permessage-deflate policy: what to offer or accept, and how to compress.

/// What to do with a compression or decompression state between messages when context
/// takeover is off in its direction (the state is then not needed between messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemoryPolicy {
    /// Free the state after each message and allocate it again for the next compressed one:
    /// an idle connection holds no compression memory (the default).
    Release,
    /// Reset the state in place after each message: no allocation per message, at the cost
    /// of keeping the state while idle.
    Keep,
}

/// The permessage-deflate configuration of one endpoint, used by both roles (each setting
/// says what it means for a server and for a client). Build with [`DeflateConfig::new`]
/// and the chaining setters.
///
/// ```
/// use wscore::deflate::{DeflateConfig, MemoryPolicy};
///
/// let config = DeflateConfig::new()
///     .level(3)
///     .server_max_window_bits(Some(12))
///     .server_no_context_takeover(true)
///     .memory_policy(MemoryPolicy::Release)
///     .threshold(256);
/// assert_eq!(config.get_level(), 3);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeflateConfig {
    pub(crate) level: u8,
    pub(crate) mem_level: u8,
    pub(crate) threshold: usize,
    pub(crate) memory: MemoryPolicy,
    pub(crate) server_no_context_takeover: bool,
    pub(crate) client_no_context_takeover: bool,
    pub(crate) server_max_window_bits: Option<u8>,
    pub(crate) client_max_window_bits: Option<u8>,
    pub(crate) offer_client_max_window_bits: bool,
}

impl Default for DeflateConfig {
    fn default() -> Self {
        DeflateConfig::new()
    }
}

impl DeflateConfig {
    /// The defaults: level 6, memory level 5, threshold 1024 bytes,
    /// [`MemoryPolicy::Release`], context takeover in both directions, the backend's
    /// default server window, no client window limit requested.
    pub const fn new() -> DeflateConfig {
        DeflateConfig {
            level: 6,
            mem_level: 5,
            threshold: 1024,
            memory: MemoryPolicy::Release,
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: None,
            client_max_window_bits: None,
            offer_client_max_window_bits: true,
        }
    }

    /// Compression level, 0 (stored) to 9 (clamped).
    pub const fn level(mut self, level: u8) -> Self {
        self.level = if level > 9 { 9 } else { level };
        self
    }

    /// zlib memory level 1 to 9 (clamped), used by the `zlib-rs` backend only: 8 is zlib's
    /// default, lower levels shrink the hash table and symbol buffer.
    pub const fn mem_level(mut self, mem_level: u8) -> Self {
        self.mem_level = if mem_level < 1 {
            1
        } else if mem_level > 9 {
            9
        } else {
            mem_level
        };
        self
    }

    /// Messages whose length is known and below `bytes` are sent uncompressed (streamed
    /// messages, whose length is unknown, are always compressed).
    pub const fn threshold(mut self, bytes: usize) -> Self {
        self.threshold = bytes;
        self
    }

    /// What to do with state that is not needed between messages.
    pub const fn memory_policy(mut self, policy: MemoryPolicy) -> Self {
        self.memory = policy;
        self
    }

    /// Server: answer with `server_no_context_takeover` (the server then compresses every
    /// message on its own; a client that asks for it gets it regardless). Client: ask for it.
    pub const fn server_no_context_takeover(mut self, on: bool) -> Self {
        self.server_no_context_takeover = on;
        self
    }

    /// Server: answer with `client_no_context_takeover` (the server may then reset its
    /// inflater after each message; also answered when the client offers it). Client: offer
    /// it (the client then compresses every message on its own).
    pub const fn client_no_context_takeover(mut self, on: bool) -> Self {
        self.client_no_context_takeover = on;
        self
    }

    /// Server: the largest window it compresses with (`None`: the backend's default,
    /// lowered to what the client asks). Client: ask the server for at most this window.
    /// Values are clamped to 8..=15.
    pub const fn server_max_window_bits(mut self, bits: Option<u8>) -> Self {
        self.server_max_window_bits = clamp_bits(bits);
        self
    }

    /// Server: limit a client that offered `client_max_window_bits` to this window (a
    /// client that did not offer the parameter is never limited). Client: offer
    /// `client_max_window_bits=N` (`None`: offer it without a value). Clamped to 8..=15.
    pub const fn client_max_window_bits(mut self, bits: Option<u8>) -> Self {
        self.client_max_window_bits = clamp_bits(bits);
        self
    }

    /// Client only: whether to offer `client_max_window_bits` at all (default `true`).
    /// Without it the server may not limit the client's window, and an answer that does is
    /// refused.
    pub const fn offer_client_max_window_bits(mut self, on: bool) -> Self {
        self.offer_client_max_window_bits = on;
        self
    }

    /// The compression level.
    pub const fn get_level(&self) -> u8 {
        self.level
    }

    /// The memory level.
    pub const fn get_mem_level(&self) -> u8 {
        self.mem_level
    }

    /// The threshold.
    pub const fn get_threshold(&self) -> usize {
        self.threshold
    }

    /// The memory policy.
    pub const fn get_memory_policy(&self) -> MemoryPolicy {
        self.memory
    }
}

const fn clamp_bits(bits: Option<u8>) -> Option<u8> {
    match bits {
        None => None,
        Some(b) if b < 8 => Some(8),
        Some(b) if b > 15 => Some(15),
        Some(b) => Some(b),
    }
}
