//! # wscore
//!
//! A sans-IO WebSocket engine (RFC 6455): bytes go in, events and bytes come out. The core
//! never touches a socket, never reads a clock and never draws randomness of its own: time
//! and entropy are inputs supplied by the caller. It is `#![no_std]` unconditionally and has
//! no `unsafe` code.
//!
//! ## Layers
//!
//! | layer | module | needs |
//! |---|---|---|
//! | masking | [`mask`] | `core` |
//! | UTF-8 validation across chunks | [`utf8`] | `core` |
//! | frame codec, close payloads | [`frame`] | `core` |
//! | opening handshake, client and server | [`handshake`] | `core` (an `alloc` layer on top) |
//! | connection: messages, control frames, closing handshake, timers | [`Connection`] | `core` (send queue in a [`FixedBuffer`]) or `alloc` |
//! | runtime adapters | `io` | `std` + one feature each |
//!
//! Start with the [guide](guide::start): a first server and client on each adapter, TLS and
//! proxies, the sans-IO core in your own loop, firmware. The guides, one per layer plus the
//! design, conformance and performance notes, are the pages of [`guide`]:
//! [permessage-deflate](guide::deflate), [HTTP/3 on paper](guide::http3), [frames](guide::frame), [handshake](guide::handshake),
//! [connection](guide::connection), [adapters](guide::adapters), [TLS and
//! proxies](guide::tls_proxy), [design](guide::design),
//! [conformance](guide::conformance), [performance](guide::performance) and
//! [connection performance](guide::performance_connection).
//!
//! Each lower layer is usable on its own, without `alloc`, which is what firmware and
//! custom runtimes need.
//!
//! ## Features
//!
//! - `alloc`: the connection state machine and heap-backed conveniences.
//! - `std` (default): implies `alloc`.
//! - `http`: conversions between the handshake types and the `http` crate's `Request` and
//!   `Response` (implies `std`).
//! - `blocking`, `tokio`, `futures-io`: the runtime adapters in `io` (with `std`).
//! - `embedded-io-async`: the firmware adapter in `io`, with neither `std` nor `alloc`.
//! - `deflate`: permessage-deflate (RFC 7692) in [`deflate`] over `miniz_oxide` (implies
//!   `alloc`, works without `std`); `zlib-rs` adds the `zlib-rs` backend (implies `std`).
//! - `tls-blocking`, `tls-tokio`, `tls-futures` (each implies `tls`): `wss://` with rustls
//!   (provider `ring`) for that adapter; `webpki-roots` or `native-roots` choose the roots
//!   `connect("wss://...")` trusts. See [TLS and proxies](guide::tls_proxy).
//! - `hyper`: upgrades from a hyper 1 server (HTTP/1.1) onto the tokio adapter (implies
//!   `tokio` and `http`); `axum`: an axum 0.8 extractor, `WebSocketUpgrade` (implies
//!   `hyper`). See [adapters](guide::adapters).
//! - `proxy`: HTTP `CONNECT` proxies for the clients, explicit or from `HTTPS_PROXY`,
//!   `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY`.
//!
//! No feature changes a public type; all are additive.
//!
//! ## Example: decode a masked client frame in place
//!
//! ```
//! use wscore::frame::{Decoder, Item, Opcode};
//! use wscore::Role;
//!
//! // RFC 6455 section 5.7: a single-frame masked text message "Hello".
//! let mut wire = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
//! let mut decoder = Decoder::new(Role::Server);
//!
//! let (item, rest) = decoder.decode(&mut wire).unwrap();
//! let Item::Header(header) = item else { panic!("expected a header") };
//! assert_eq!(header.opcode, Opcode::Text);
//! assert!(header.fin);
//!
//! let (item, rest) = decoder.decode(rest).unwrap();
//! let Item::Payload { data, last } = item else { panic!("expected payload") };
//! assert_eq!(data, b"Hello"); // unmasked in place, borrowed from `wire`
//! assert!(last);
//! assert!(rest.is_empty());
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod connection;
#[cfg(feature = "deflate")]
pub mod deflate;
mod entropy;
mod error;
#[cfg(feature = "alloc")]
pub mod extension;
pub mod frame;
pub mod handshake;
#[cfg(any(
    feature = "blocking",
    feature = "tokio",
    feature = "futures-io",
    feature = "embedded-io-async"
))]
pub mod io;
pub mod mask;
mod role;
pub mod utf8;

pub use connection::{
    Closure, Config, Connection, ControlPayload, Data, DataKind, Event, FixedBuffer, PeerClose,
    SendBuffer, State, Transmit, MAX_URGENT,
};
#[cfg(feature = "alloc")]
pub use connection::{MessageAssembler, MessageRef, OWNED_PAYLOAD_MIN};
pub use entropy::{Entropy, EntropyError, NoEntropy};
pub use error::{BufferTooSmall, ConnectionError, ExtensionError, ProtocolError, SendError};
pub use role::Role;

/// The guides of `docs/` as pages of the API documentation (nothing to import).
///
/// Their Rust snippets are doctested through private items of the crate root, each under the
/// features it needs; here they are rendered only, so they are not compiled twice.
pub mod guide {
    #[cfg_attr(not(doctest), doc = include_str!("../docs/guide.md"))]
    #[cfg_attr(doctest, doc = "`docs/guide.md`")]
    pub mod start {}
    #[cfg_attr(not(doctest), doc = include_str!("../docs/http3.md"))]
    #[cfg_attr(doctest, doc = "`docs/http3.md`")]
    pub mod http3 {}
    #[cfg_attr(not(doctest), doc = include_str!("../docs/deflate.md"))]
    #[cfg_attr(doctest, doc = "`docs/deflate.md`")]
    pub mod deflate {}
    #[cfg_attr(not(doctest), doc = include_str!("../docs/frame.md"))]
    #[cfg_attr(doctest, doc = "`docs/frame.md`")]
    pub mod frame {}
    #[cfg_attr(not(doctest), doc = include_str!("../docs/handshake.md"))]
    #[cfg_attr(doctest, doc = "`docs/handshake.md`")]
    pub mod handshake {}
    #[cfg_attr(not(doctest), doc = include_str!("../docs/connection.md"))]
    #[cfg_attr(doctest, doc = "`docs/connection.md`")]
    pub mod connection {}
    #[cfg_attr(not(doctest), doc = include_str!("../docs/adapters.md"))]
    #[cfg_attr(doctest, doc = "`docs/adapters.md`")]
    pub mod adapters {}
    #[cfg_attr(not(doctest), doc = include_str!("../docs/tls-proxy.md"))]
    #[cfg_attr(doctest, doc = "`docs/tls-proxy.md`")]
    pub mod tls_proxy {}
    #[cfg_attr(not(doctest), doc = include_str!("../docs/design.md"))]
    #[cfg_attr(doctest, doc = "`docs/design.md`")]
    pub mod design {}
    #[cfg_attr(not(doctest), doc = include_str!("../docs/conformance.md"))]
    #[cfg_attr(doctest, doc = "`docs/conformance.md`")]
    pub mod conformance {}
    #[cfg_attr(not(doctest), doc = include_str!("../docs/performance.md"))]
    #[cfg_attr(doctest, doc = "`docs/performance.md`")]
    pub mod performance {}
    #[cfg_attr(not(doctest), doc = include_str!("../docs/performance-connection.md"))]
    #[cfg_attr(doctest, doc = "`docs/performance-connection.md`")]
    pub mod performance_connection {}
}

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDocTests;

#[cfg(doctest)]
#[doc = include_str!("../docs/design.md")]
struct DesignDocTests;

#[cfg(doctest)]
#[doc = include_str!("../docs/frame.md")]
struct FrameDocTests;

#[cfg(doctest)]
#[doc = include_str!("../docs/handshake.md")]
struct HandshakeDocTests;

#[cfg(all(doctest, feature = "alloc"))]
#[doc = include_str!("../docs/connection.md")]
struct ConnectionDocTests;

#[cfg(all(doctest, feature = "deflate"))]
#[doc = include_str!("../docs/deflate.md")]
struct DeflateDocTests;

#[cfg(all(doctest, feature = "tokio"))]
#[doc = include_str!("../docs/adapters.md")]
struct AdaptersDocTests;

#[cfg(all(
    doctest,
    feature = "tokio",
    feature = "blocking",
    feature = "futures-io",
    feature = "deflate"
))]
#[doc = include_str!("../docs/guide.md")]
struct GuideDocTests;

#[cfg(all(
    doctest,
    feature = "tls-tokio",
    feature = "tls-blocking",
    feature = "tls-futures",
    feature = "proxy"
))]
#[doc = include_str!("../docs/tls-proxy.md")]
struct TlsProxyDocTests;
