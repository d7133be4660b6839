//! Shared pieces of the echo benchmark: the servers, the load generator's client framing,
//! the hand-written handshakes and the `/proc` readers.

pub mod handshake;
pub mod load;
pub mod proc;
pub mod servers;

/// The error type of the servers and the load generator.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
