//! permessage-deflate (RFC 7692), feature `deflate`: negotiation for both roles and the
//! per-connection codec, behind the [`extension`](crate::extension) traits.
//!
//! - [`DeflateServer`] implements [`ServerNegotiation`](crate::extension::ServerNegotiation),
//!   [`DeflateClient`] implements [`ClientNegotiation`](crate::extension::ClientNegotiation);
//!   both make a [`DeflateCodec`], the [`Extension`](crate::extension::Extension).
//! - [`DeflateConfig`] is the policy of either role: level, windows, context takeover,
//!   threshold, [`MemoryPolicy`].
//! - [`backend`] holds the DEFLATE implementations: [`Miniz`] (default, no_std + alloc) and,
//!   with the `zlib-rs` feature, `ZlibRs`.
//!
//! Memory: nothing is allocated at negotiation; each direction's state is allocated on its
//! first compressed message and, without context takeover in that direction, freed or reset
//! after each message. `docs/deflate.md` has the measured sizes.
//!
//! ```
//! use wscore::deflate::{DeflateClient, DeflateConfig, DeflateServer};
//! use wscore::extension::{ClientNegotiation, ServerNegotiation};
//! use wscore::handshake::{ExtensionList, Extensions, HttpHeader};
//! use wscore::DataKind;
//!
//! let client = DeflateClient::new(DeflateConfig::new().threshold(0));
//! let offer = client.offer();
//! let headers = [HttpHeader::new("Sec-WebSocket-Extensions", &offer)];
//! let server = DeflateServer::new(DeflateConfig::new().threshold(0));
//! let agreed = server.negotiate(Extensions::new(&headers)).unwrap();
//! let answer = ExtensionList::new(agreed.response.as_bytes()).next().unwrap().unwrap();
//! let mut client_codec = client.accept(&answer).unwrap();
//! let mut server_codec = agreed.extension;
//!
//! let rsv = client_codec.begin_outbound(DataKind::Text, Some(5));
//! let mut wire = Vec::new();
//! client_codec.outbound(b"Hello", true, &mut wire).unwrap();
//! server_codec.begin_inbound(rsv).unwrap();
//! let mut text = Vec::new();
//! server_codec.inbound(&wire, true, 1 << 20, &mut text).unwrap();
//! assert_eq!(text, b"Hello");
//! ```

pub mod backend;
mod codec;
mod config;
mod negotiate;
mod params;
#[cfg(feature = "std")]
mod pool;

pub use backend::Miniz;
#[cfg(feature = "zlib-rs")]
pub use backend::ZlibRs;
pub use codec::{CodecSettings, DeflateCodec, RSV1, TAIL};
pub use config::{DeflateConfig, MemoryPolicy};
pub use negotiate::{DeflateClient, DeflateServer};
pub use params::{ClientWindowBits, DeflateParams, NAME};
#[cfg(feature = "std")]
pub use pool::CompressorPool;

#[cfg(test)]
mod tests;
