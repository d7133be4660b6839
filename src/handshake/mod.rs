//! The opening handshake (RFC 6455 section 4), client and server, sans-IO.
//!
//! Bytes in, bytes out: the server parses a request head from its receive buffer and
//! writes its answer into a caller buffer; the client writes its request into a caller
//! buffer and parses the answer. Nothing here performs I/O, allocates (outside the
//! `alloc`-gated conveniences) or draws randomness: the client's 16-byte key nonce is an
//! argument.
//!
//! | piece | items |
//! |---|---|
//! | bounded HTTP/1.1 head parser | [`parse_request`], [`parse_response`], [`Limits`], [`HttpHeader`], [`Status`], [`HeadScanner`] |
//! | server (RFC 6455 4.2) | [`Request`], [`Accept`], [`Reject`], [`HandshakeError`] |
//! | client (RFC 6455 4.1) | [`ClientRequest`], [`AcceptedResponse`], [`ClientError`], [`WsUri`] |
//! | keys | [`Key`], [`AcceptKey`], [`accept_key`] |
//! | header grammar | [`Subprotocols`], [`Extensions`], [`ExtensionList`], [`ListItems`] |
//! | HTTP/2 and HTTP/3 (RFC 8441, 9220) | [`negotiate`] |
//! | owned conveniences (`alloc`) | `OwnedRequest`, `to_vec()` on every writer |
//!
//! The guide in `docs/handshake.md` walks through a full server and a full client.
//!
//! ```
//! use wscore::handshake::{ClientFailure, ClientRequest, Limits, Request, Status, EMPTY_HEADER};
//!
//! // Client: write the request.
//! let client = ClientRequest::new("ws://example.com/chat", [7; 16])?;
//! let mut wire = [0u8; 1024];
//! let n = client.write_to(&mut wire)?;
//!
//! // Server: parse it and answer.
//! let mut headers = [EMPTY_HEADER; 32];
//! let Status::Complete((request, used)) = Request::parse(&wire[..n], &mut headers, &Limits::DEFAULT)?
//! else { unreachable!() };
//! assert_eq!((request.path(), used), ("/chat", n));
//! let mut answer = [0u8; 512];
//! let m = request.accept().write_to(&mut answer)?;
//!
//! // Client: check the answer.
//! let mut headers = [EMPTY_HEADER; 32];
//! let accepted = client
//!     .parse_response(&answer[..m], &mut headers, &Limits::DEFAULT)
//!     .map_err(ClientFailure::from)?; // `ClientError` borrows; `ClientFailure` is 'static
//! assert!(matches!(accepted, Status::Complete((_, len)) if len == m));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod accept;
mod client;
mod client_handshake;
mod emit;
mod error;
mod grammar;
mod head;
#[cfg(feature = "http")]
pub mod http_interop;
pub mod negotiate;
#[cfg(feature = "alloc")]
mod owned;
mod server;
mod server_handshake;
mod uri;

pub use accept::{accept_key, AcceptKey, Key, WEBSOCKET_GUID};
pub use client::{AcceptedResponse, ClientRequest};
pub use client_handshake::{ClientHandshake, ClientStatus};
pub use emit::reason_phrase;
pub use error::{
    BuildError, ClientError, ClientFailure, ClientFailureKind, HandshakeError, NegotiationError,
    Rejection,
};
pub use grammar::{
    check_extensions, check_token_list, list_contains, ExtensionItem, ExtensionList, Extensions,
    HeaderValues, ListItems, Param, ParamValue, Params, Subprotocols, SyntaxError,
};
pub use head::{
    parse_request, parse_response, HeadError, HeadScanner, HttpHeader, Limits, RequestHead,
    ResponseHead, Status, EMPTY_HEADER,
};
#[cfg(feature = "alloc")]
pub use owned::{OwnedExtension, OwnedRequest};
pub use server::{Accept, Reject, Request};
pub use server_handshake::{
    Answer, ServerHandshake, ServerStatus, MAX_PARSED_HEADERS, MAX_SUBPROTOCOL_LEN,
};
pub use uri::{UriError, WsUri};
