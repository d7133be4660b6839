//! The extension interface (RFC 6455 section 9), needs `alloc`.
//!
//! An extension is negotiated in the opening handshake and then transforms the payload of
//! data messages on their way out and in, marking transformed messages with the RSV bits it
//! owns. Three traits split the work:
//!
//! - [`ClientNegotiation`]: what a client offers in `Sec-WebSocket-Extensions` and how it
//!   checks the server's answer;
//! - [`ServerNegotiation`]: how a server picks among a client's offers;
//! - [`Extension`]: the per-connection codec both of them produce, which the
//!   [`Connection`](crate::Connection) drives.
//!
//! The connection only ever talks to an extension through [`Extension`]; the handshake only
//! through the two negotiation traits. Without a negotiation value nothing is offered or
//! accepted, so no extension can be agreed by accident.
//!
//! The call contract the connection keeps:
//!
//! - Outbound: for each data message it first calls [`Extension::begin_outbound`] (before
//!   any byte is transformed: the extension decides here whether to transform, e.g. by a
//!   size threshold), then, only if that returned non-zero RSV bits,
//!   [`Extension::outbound`] once per piece, the last with `fin`. The returned bits go on the
//!   message's first frame only. A message the application opts out of never reaches the
//!   extension.
//! - Inbound: when the first frame of a data message carries any of [`Extension::rsv_bits`],
//!   it calls [`Extension::begin_inbound`] with those bits, then [`Extension::inbound`] with
//!   every piece of payload as it arrives (pieces follow the transport's reads, not frame
//!   boundaries), the last with `fin`. RSV bits on a continuation or control frame, or bits
//!   the extension does not own, are protocol errors the connection reports itself.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

pub use crate::handshake::NegotiationError;
use crate::handshake::{ExtensionItem, Extensions};
use crate::DataKind;
pub use crate::ExtensionError;

/// A negotiated extension's per-connection codec.
pub trait Extension: Send + fmt::Debug {
    /// The registered name, e.g. `permessage-deflate`.
    fn name(&self) -> &'static str;

    /// The RSV bits this extension owns, in wire position of the first header byte
    /// (`0x40` RSV1, `0x20` RSV2, `0x10` RSV3).
    fn rsv_bits(&self) -> u8;

    /// A data message of `kind` is about to be sent; `len` is its whole payload length when
    /// known (a whole-message send) or `None` (a streamed message). Returns the RSV bits to
    /// set on its first frame, or 0 to send it untransformed. Called before any of the
    /// message's bytes are transformed, so declining never disturbs the extension's state.
    fn begin_outbound(&mut self, kind: DataKind, len: Option<usize>) -> u8;

    /// Transforms the next piece of the outgoing message, appending the result to `out`.
    /// `fin` marks the message's last piece (possibly empty).
    fn outbound(
        &mut self,
        input: &[u8],
        fin: bool,
        out: &mut Vec<u8>,
    ) -> Result<(), ExtensionError>;

    /// An incoming data message starts; its first frame carried `rsv` (non-zero, only bits
    /// this extension owns).
    fn begin_inbound(&mut self, rsv: u8) -> Result<(), ExtensionError>;

    /// Transforms the next piece of an incoming message, appending the result to `out`.
    /// `fin` marks the message's last piece (possibly empty). At most `limit` bytes may be
    /// appended: an extension that would produce more returns
    /// [`ExtensionError::TOO_LARGE`] without producing them (work in bounded steps, never
    /// decode first and check after). All of `input` must be consumed.
    fn inbound(
        &mut self,
        input: &[u8],
        fin: bool,
        limit: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), ExtensionError>;
}

/// What a server agreed to: the `Sec-WebSocket-Extensions` value to answer with and the
/// codec to run.
#[derive(Debug)]
pub struct Agreed {
    /// The response header value, e.g. `permessage-deflate; server_no_context_takeover`.
    pub response: String,
    /// The codec for the connection.
    pub extension: Box<dyn Extension>,
}

/// The server side of an extension's negotiation.
pub trait ServerNegotiation: Send + Sync + fmt::Debug {
    /// Picks among the client's offers (every `Sec-WebSocket-Extensions` item, in the
    /// client's order of preference). Offers for other extensions are ignored; an offer with
    /// invalid parameters is declined. `None` declines them all (the connection then runs
    /// without this extension).
    fn negotiate(&self, offers: Extensions<'_, '_>) -> Option<Agreed>;
}

/// The client side of an extension's negotiation.
pub trait ClientNegotiation: Send + Sync + fmt::Debug {
    /// The registered name of the extension offered (answers naming anything else are
    /// refused by the handshake before this trait sees them).
    fn name(&self) -> &'static str;

    /// The `Sec-WebSocket-Extensions` value to offer: one or more offers of this extension,
    /// most preferred first, e.g. `permessage-deflate; client_max_window_bits`.
    fn offer(&self) -> String;

    /// The server accepted with `answer` (named [`name`](Self::name)). Checks its
    /// parameters against what was offered and returns the codec, or the reason the answer
    /// is not acceptable (the client then fails the handshake, RFC 6455 4.1).
    fn accept(&self, answer: &ExtensionItem<'_>) -> Result<Box<dyn Extension>, NegotiationError>;
}
