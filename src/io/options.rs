//! The adapter options: everything about running a connection over a transport that is not
//! the protocol itself (which is [`Config`](crate::Config)).

use core::time::Duration;

use super::connector::ConnectOptions;
use crate::handshake::Limits;

/// How an adapter runs the opening handshake and the connection over its transport.
///
/// | option | default | what it bounds |
/// |---|---|---|
/// | [`limits`](Self::limits) | [`Limits::DEFAULT`] (8 KiB head, 64 headers, 4 KiB lines) | the handshake head |
/// | [`open_timeout`](Self::open_timeout) | 10 s (python `websockets`' `open_timeout`) | the whole opening handshake, both roles; `None` waits forever |
/// | [`read_buffer`](Self::read_buffer) | 64 KiB | bytes read per call; frames larger than this are streamed through it |
/// | [`send_high_water`](Self::send_high_water) | 128 KiB | queued bytes above which an async `Sink` waits (flushes) before taking more |
/// | [`write_timeout`](Self::write_timeout) | 30 s | how long a send may wait for a peer that stopped reading; then the connection fails with [`Error::WriteTimeout`](super::Error::WriteTimeout) and its queue is freed |
///
/// [`server_extensions`](Self::server_extensions) and
/// [`client_extensions`](Self::client_extensions) negotiate extensions (e.g.
/// permessage-deflate); without them every extension offer is declined.
///
/// [`connect`](Self::connect) says how a client that opens its own connection
/// (`tokio::connect*`, `blocking::connect*`, `futures::connect_route` through its
/// [`Route`](super::connector::Route)) reaches the server: the proxy, the TLS settings,
/// `TCP_NODELAY`. Servers and the `connect_with` functions over a stream of your own ignore
/// it. `open_timeout` bounds the TCP connect, the proxy tunnel and the TLS handshake too.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Options {
    /// Limits of the handshake head (a head over them is refused with 431).
    pub limits: Limits,
    /// How long the opening handshake may take, from the start of `accept*`/`connect*`.
    /// A server whose client does not finish in time sends nothing and closes; a client
    /// fails with a timeout.
    pub open_timeout: Option<Duration>,
    /// The size of the read buffer.
    pub read_buffer: usize,
    /// The send queue's high-water mark for the async `Sink`.
    pub send_high_water: usize,
    /// How long a send may wait for the transport to take more bytes (the async `Sink`
    /// once the queue is above the high-water mark; the blocking `send` per write). `None`
    /// waits forever.
    pub write_timeout: Option<Duration>,
    /// The server's extension policy (e.g. permessage-deflate), if any.
    pub server_extensions: Option<alloc::sync::Arc<dyn crate::extension::ServerNegotiation>>,
    /// The client's extension offer (e.g. permessage-deflate), if any.
    pub client_extensions: Option<alloc::sync::Arc<dyn crate::extension::ClientNegotiation>>,
    /// How a client reaches the server: proxy, TLS, `TCP_NODELAY` (see [`ConnectOptions`];
    /// default: the proxy from the environment with feature `proxy`, the compiled-in root
    /// stores for `wss://`).
    pub connect: ConnectOptions,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            limits: Limits::DEFAULT,
            open_timeout: Some(Duration::from_secs(10)),
            read_buffer: 64 * 1024,
            send_high_water: 128 * 1024,
            write_timeout: Some(Duration::from_secs(30)),
            server_extensions: None,
            client_extensions: None,
            connect: ConnectOptions::default(),
        }
    }
}

impl Options {
    /// The defaults.
    pub fn new() -> Options {
        Options::default()
    }

    /// Sets [`limits`](Self#structfield.limits).
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Options {
        self.limits = limits;
        self
    }

    /// Sets [`open_timeout`](Self#structfield.open_timeout).
    #[must_use]
    pub fn open_timeout(mut self, timeout: Option<Duration>) -> Options {
        self.open_timeout = timeout;
        self
    }

    /// Sets [`read_buffer`](Self#structfield.read_buffer) (at least 1 KiB: smaller values
    /// count as 1 KiB).
    #[must_use]
    pub fn read_buffer(mut self, bytes: usize) -> Options {
        self.read_buffer = bytes;
        self
    }

    /// Sets [`send_high_water`](Self#structfield.send_high_water).
    #[must_use]
    pub fn send_high_water(mut self, bytes: usize) -> Options {
        self.send_high_water = bytes;
        self
    }

    /// Sets [`write_timeout`](Self#structfield.write_timeout).
    #[must_use]
    pub fn write_timeout(mut self, timeout: Option<Duration>) -> Options {
        self.write_timeout = timeout;
        self
    }

    /// Sets the server's extension policy.
    #[must_use]
    pub fn server_extensions(
        mut self,
        policy: alloc::sync::Arc<dyn crate::extension::ServerNegotiation>,
    ) -> Options {
        self.server_extensions = Some(policy);
        self
    }

    /// Sets the client's extension offer.
    #[must_use]
    pub fn client_extensions(
        mut self,
        offer: alloc::sync::Arc<dyn crate::extension::ClientNegotiation>,
    ) -> Options {
        self.client_extensions = Some(offer);
        self
    }

    /// Sets [`connect`](Self#structfield.connect): the proxy, TLS and socket settings of a
    /// client that opens its own connection.
    #[must_use]
    pub fn connect(mut self, connect: ConnectOptions) -> Options {
        self.connect = connect;
        self
    }

    /// The read buffer size actually used.
    pub(crate) fn read_buffer_len(&self) -> usize {
        self.read_buffer.max(1024)
    }
}
