//! The connection state machine: messages, control frames, the closing handshake, timers
//! and limits, driven by the caller with bytes, time and entropy.
//!
//! The concerns live in their own modules: [`receive`] (frames in, events out),
//! [`send`] (messages in, encoded frames queued), [`outbound`] (the send queue and what
//! `transmit` hands out), [`timers`] (the deadline table) and [`lifecycle`] (where the
//! connection is in its life and how it ended).

#[cfg(feature = "alloc")]
mod assembler;
mod buffer;
mod config;
mod event;
mod lifecycle;
mod outbound;
mod receive;
mod send;
mod timers;

use core::time::Duration;

#[cfg(feature = "alloc")]
pub use assembler::{MessageAssembler, MessageRef};
pub use buffer::{FixedBuffer, SendBuffer};
pub use config::Config;
pub use event::{ControlPayload, Data, DataKind, Event, PeerClose};
pub use lifecycle::{Closure, State};
#[cfg(feature = "alloc")]
pub use outbound::OWNED_PAYLOAD_MIN;
pub use outbound::{Transmit, MAX_URGENT};

use crate::entropy::{Entropy, NoEntropy};
use crate::frame::Decoder;
use crate::Role;
use lifecycle::Lifecycle;
use outbound::Outbound;
use receive::Inbound;
use send::Outgoing;
use timers::Timers;

/// A sans-IO WebSocket connection (RFC 6455), for either role.
///
/// It never performs I/O, never reads a clock and never draws randomness: the caller feeds it
/// received bytes, the current time and (for a client) an [`Entropy`] source, and writes out
/// what it produces. `B` is where the send queue lives (`Vec<u8>` with `alloc`, or a
/// [`FixedBuffer`] over the caller's memory); `R` is the masking-key source (a server never
/// draws from it, so servers use [`NoEntropy`]).
///
/// # The call contract
///
/// An adapter runs this loop (quinn-proto style), in any order that suits its runtime:
///
/// 1. **Receive.** Pass each read to [`receive`](Self::receive) repeatedly until it returns
///    `Ok(None)` (the input is used up), handling each [`Event`]. `now` is a monotonic time
///    the caller measures from an epoch of its choosing; it only has to be non-decreasing.
/// 2. **Send.** Call [`send`](Self::send), [`begin_message`](Self::begin_message) /
///    [`send_fragment`](Self::send_fragment) / [`finish_message`](Self::finish_message),
///    [`ping`](Self::ping), [`pong`](Self::pong), [`close`](Self::close) whenever the
///    application wants; they only queue.
/// 3. **Transmit.** Drain the queue with [`transmit`](Self::transmit) +
///    [`advance_transmit`](Self::advance_transmit) (a header slice and a payload slice, for
///    one vectored write with no copy), or with [`poll_transmit`](Self::poll_transmit) into
///    a buffer. Do this after every receive too: auto-pongs and close replies are queued
///    there.
/// 4. **Timers.** Arm a timer for [`poll_timeout`](Self::poll_timeout); when it fires, call
///    [`handle_timeout`](Self::handle_timeout) and go back to 3. Spurious or early calls are
///    harmless.
/// 5. **End of input.** When the transport reports end of file, call
///    [`handle_eof`](Self::handle_eof).
/// 6. **Finish.** When [`is_finished`](Self::is_finished) returns true, close the transport.
///    A server closes it as soon as the closing handshake is done and the Close is flushed
///    (RFC 6455 7.1.1: "the server ... SHOULD close the underlying TCP connection first");
///    a client waits for the server to do so, up to `close_timeout`.
///
/// Where the connection is, and how it ended, is [`state`](Self::state): one
/// [`State`] value. After [`close`](Self::close), received data keeps arriving as events
/// (validated as always) until the peer's Close: RFC 6455 1.4 discards data only after
/// *receiving* a Close, and what the peer sent before it saw ours is ordinary data.
///
/// Errors are sticky. After a protocol violation the matching Close (1002, 1007, 1009, ...)
/// is already queued, the state is [`State::Closed`] with [`Closure::Failed`], and every
/// later `receive` returns the same [`ConnectionError`](crate::ConnectionError); sends fail
/// with [`SendError::Failed`](crate::SendError::Failed).
///
/// # Backpressure
///
/// Sends encode the frame into the connection's send buffer (masked on the way for a client)
/// and return at once. Data frames waiting in the queue are capped by
/// [`Config::max_queued_bytes`]: while that many bytes or more are waiting, data sends fail
/// with [`SendError::MessageQueueFull`](crate::SendError::MessageQueueFull) and nothing is
/// queued, so the caller must transmit before sending more. A message is accepted whole when
/// the queue is below the cap (or empty), so the queue never holds more than the cap plus one
/// message; a [`FixedBuffer`] refuses a message it can never hold with
/// [`SendError::TooLargeForBuffer`](crate::SendError::TooLargeForBuffer). Control frames are
/// bounded separately and live inside the connection: the automatic pong keeps only the reply
/// to the most recent ping (RFC 6455 5.5.3 allows answering only the latest), at most
/// [`MAX_URGENT`] application pings/pongs may wait
/// ([`SendError::ControlQueueFull`](crate::SendError::ControlQueueFull) beyond), and the Close
/// always fits.
///
/// # Example: two peers in memory
///
/// (With `alloc`; without it, use [`Connection::server_in`] and [`Connection::client_in`]
/// with a [`FixedBuffer`].)
///
/// ```
/// # #[cfg(feature = "alloc")] {
/// use core::time::Duration;
/// use wscore::{Config, Connection, DataKind, EntropyError, Event};
///
/// let now = Duration::ZERO;
/// let mut counter = 0u8;
/// let entropy = move |buf: &mut [u8]| -> Result<(), EntropyError> {
///     buf.iter_mut().for_each(|b| { counter = counter.wrapping_add(97); *b = counter });
///     Ok(())
/// };
/// let mut client = Connection::client(Config::default(), entropy, now);
/// let mut server = Connection::server(Config::default(), now);
///
/// client.send(DataKind::Text, b"Hello").unwrap();
/// let mut wire = [0u8; 64];
/// let n = client.poll_transmit(&mut wire);
///
/// let (event, rest) = server.receive(now, &mut wire[..n]).unwrap().unwrap();
/// let Event::Data(data) = event else { panic!() };
/// assert_eq!((data.kind, data.payload, data.first, data.last), (DataKind::Text, &b"Hello"[..], true, true));
/// server.send(data.kind, data.payload).unwrap(); // echo, straight from the input buffer
/// assert!(rest.is_empty());
/// # }
/// ```
pub struct Connection<B, R = NoEntropy> {
    role: Role,
    config: Config,
    decoder: Decoder,
    entropy: R,
    inbound: Inbound,
    out: Outbound<B>,
    outgoing: Outgoing,
    life: Lifecycle,
    timers: Timers,
    /// The subprotocol the opening handshake agreed on.
    subprotocol: Subprotocol,
    /// The negotiated extension, if any, with its scratch buffers.
    #[cfg(feature = "alloc")]
    extension: Option<send::ExtensionSlot>,
}

impl<B: SendBuffer, R> core::fmt::Debug for Connection<B, R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Connection")
            .field("role", &self.role)
            .field("state", &self.life.state())
            .field("queued_bytes", &self.out.queued_bytes())
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "alloc")]
impl Connection<alloc::vec::Vec<u8>> {
    /// A server-side connection with its send queue in a `Vec` (after the opening
    /// handshake, or after an RFC 8441 extended CONNECT). `now` starts the keepalive timer.
    pub fn server(config: Config, now: Duration) -> Connection<alloc::vec::Vec<u8>> {
        Connection::new(Role::Server, config, alloc::vec::Vec::new(), NoEntropy, now)
    }
}

#[cfg(feature = "alloc")]
impl<R: Entropy> Connection<alloc::vec::Vec<u8>, R> {
    /// A client-side connection with its send queue in a `Vec`. Every frame it sends is
    /// masked with a fresh key drawn from `entropy`; if the source fails, nothing is sent
    /// (see [`Entropy`]).
    pub fn client(config: Config, entropy: R, now: Duration) -> Connection<alloc::vec::Vec<u8>, R> {
        Connection::new(Role::Client, config, alloc::vec::Vec::new(), entropy, now)
    }
}

impl<B: SendBuffer> Connection<B> {
    /// A server-side connection whose send queue lives in `buffer` (e.g. a [`FixedBuffer`]
    /// over memory the caller owns: no allocator needed).
    pub fn server_in(config: Config, buffer: B, now: Duration) -> Connection<B> {
        Connection::new(Role::Server, config, buffer, NoEntropy, now)
    }
}

impl<B: SendBuffer, R: Entropy> Connection<B, R> {
    /// A client-side connection whose send queue lives in `buffer`, masking with keys from
    /// `entropy` (e.g. a hardware random number generator).
    pub fn client_in(config: Config, buffer: B, entropy: R, now: Duration) -> Connection<B, R> {
        Connection::new(Role::Client, config, buffer, entropy, now)
    }

    /// A connection for `role`, the general form of the constructors above (adapters use
    /// it to give both roles one type). `entropy` is only drawn from by a client.
    pub fn new(
        role: Role,
        config: Config,
        buffer: B,
        entropy: R,
        now: Duration,
    ) -> Connection<B, R> {
        let config = config.normalized();
        let decoder = Decoder::new(role).with_max_payload(config.max_frame_payload);
        let timers = Timers::new(&config, now);
        Connection {
            role,
            config,
            decoder,
            entropy,
            inbound: Inbound::new(),
            out: Outbound::new(buffer),
            outgoing: Outgoing::new(),
            life: Lifecycle::new(),
            timers,
            subprotocol: Subprotocol::NONE,
            #[cfg(feature = "alloc")]
            extension: None,
        }
    }

    /// Runs `extension` on this connection: the one the opening handshake negotiated. Its
    /// RSV bits become legal on the first frame of a data message. Set it before any frame
    /// is sent or received.
    #[cfg(feature = "alloc")]
    pub fn with_extension(
        mut self,
        extension: alloc::boxed::Box<dyn crate::extension::Extension>,
    ) -> Connection<B, R> {
        let bits =
            extension.rsv_bits() & (crate::frame::RSV1 | crate::frame::RSV2 | crate::frame::RSV3);
        self.decoder = self.decoder.with_allowed_rsv(bits);
        self.extension = Some(send::ExtensionSlot::new(extension));
        self
    }

    /// The name of the negotiated extension, if one runs.
    pub fn extension_name(&self) -> Option<&'static str> {
        #[cfg(feature = "alloc")]
        if let Some(slot) = &self.extension {
            return Some(slot.codec.name());
        }
        None
    }

    /// Records the subprotocol the handshake agreed on, e.g. `chat` (at most
    /// [`MAX_SUBPROTOCOL_LEN`](crate::handshake::MAX_SUBPROTOCOL_LEN) bytes: the
    /// handshakes never select a longer one). For a handshake done elsewhere (RFC 8441);
    /// the handshake types set it themselves.
    #[must_use]
    pub fn with_subprotocol(self, protocol: &str) -> Connection<B, R> {
        self.with_subprotocol_of(Subprotocol::new(protocol))
    }

    pub(crate) fn with_subprotocol_of(mut self, protocol: Subprotocol) -> Connection<B, R> {
        self.subprotocol = protocol;
        self
    }

    /// The subprotocol the opening handshake agreed on, if any.
    pub fn subprotocol(&self) -> Option<&str> {
        self.subprotocol.as_str()
    }

    /// This endpoint's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The configuration (edge values already replaced by what they count as).
    pub fn config(&self) -> &Config {
        &self.config
    }
}

/// A subprotocol name kept inline (the connection needs no allocator for it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Subprotocol {
    bytes: [u8; crate::handshake::MAX_SUBPROTOCOL_LEN],
    len: u8,
    set: bool,
}

impl Subprotocol {
    pub(crate) const NONE: Subprotocol = Subprotocol {
        bytes: [0; crate::handshake::MAX_SUBPROTOCOL_LEN],
        len: 0,
        set: false,
    };

    /// `protocol`, cut at `MAX_SUBPROTOCOL_LEN` bytes (callers check the length first).
    pub(crate) fn new(protocol: &str) -> Subprotocol {
        let len = protocol.len().min(crate::handshake::MAX_SUBPROTOCOL_LEN);
        let mut s = Subprotocol::NONE;
        s.bytes[..len].copy_from_slice(&protocol.as_bytes()[..len]);
        s.len = len as u8;
        s.set = true;
        s
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        if !self.set {
            return None;
        }
        core::str::from_utf8(&self.bytes[..usize::from(self.len)]).ok()
    }
}
