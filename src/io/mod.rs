//! Runtime adapters: thin loops that move bytes between a transport and a
//! [`Connection`](crate::Connection), built only on the crate's public API.
//!
//! | feature | module | transport |
//! |---|---|---|
//! | `blocking` | `blocking` | `std::io::Read + Write` |
//! | `tokio` | `tokio` | `tokio::io::AsyncRead + AsyncWrite`, as `Stream` + `Sink` |
//! | `futures-io` | `futures` | `futures_io::AsyncRead + AsyncWrite`, as `Stream` + `Sink` |
//! | `embedded-io-async` | `embedded` | `embedded_io_async::Read + Write`, no `std`, no `alloc` |
//! | `hyper` | `hyper` | upgrades from a hyper 1 server (HTTP/1.1) |
//! | `axum` | `axum` | an axum 0.8 extractor, `WebSocketUpgrade` |
//!
//! Clients reach servers through [`connector`]: TCP, an HTTP CONNECT proxy (`proxy`, see
//! `proxy`), TLS (`tls-blocking`, `tls-tokio`, `tls-futures`, see `tls`).
//!
//! Every adapter reads straight into the buffer the connection unmasks in place (no
//! intermediate copy, no re-initialised read buffer), writes each run of queued frames with
//! one write (vectored only for a payload kept in its own buffer), and answers pings and
//! echoes Close on its own.

#[cfg(any(feature = "blocking", feature = "tokio", feature = "futures-io"))]
pub mod connector;
mod driver;
#[cfg(any(feature = "blocking", feature = "tokio", feature = "futures-io"))]
mod error;
#[cfg(any(feature = "blocking", feature = "tokio", feature = "futures-io"))]
mod inbox;
#[cfg(any(feature = "blocking", feature = "tokio", feature = "futures-io"))]
mod message;
#[cfg(any(feature = "blocking", feature = "tokio", feature = "futures-io"))]
mod opening;
#[cfg(any(feature = "blocking", feature = "tokio", feature = "futures-io"))]
mod options;

#[cfg(feature = "axum")]
pub mod axum;
#[cfg(feature = "blocking")]
pub mod blocking;
#[cfg(feature = "embedded-io-async")]
pub mod embedded;
#[cfg(feature = "futures-io")]
pub mod futures;
#[cfg(feature = "http2")]
pub mod http2;
#[cfg(feature = "hyper")]
pub mod hyper;
#[cfg(all(
    feature = "proxy",
    any(feature = "blocking", feature = "tokio", feature = "futures-io")
))]
pub mod proxy;
#[cfg(any(feature = "tokio", feature = "futures-io"))]
pub mod stream;
#[cfg(all(
    feature = "tls",
    any(feature = "blocking", feature = "tokio", feature = "futures-io")
))]
pub mod tls;
#[cfg(feature = "tokio")]
pub mod tokio;

#[cfg(any(feature = "blocking", feature = "tokio", feature = "futures-io"))]
pub use connector::{ConnectOptions, ProxyError, ProxyRefusal, RustlsError, TlsError};
#[cfg(any(feature = "blocking", feature = "tokio", feature = "futures-io"))]
pub use error::{Error, Http2Error, Rejected};
#[cfg(any(feature = "blocking", feature = "tokio", feature = "futures-io"))]
pub use message::{CloseReason, Message};
#[cfg(any(feature = "blocking", feature = "tokio", feature = "futures-io"))]
pub use opening::{Decision, OsEntropy, StdConnection, UpgradeInfo};
#[cfg(any(feature = "blocking", feature = "tokio", feature = "futures-io"))]
pub use options::Options;
