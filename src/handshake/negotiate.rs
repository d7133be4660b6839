//! Subprotocol and extension negotiation on plain header lists, for WebSocket over HTTP/2
//! (RFC 8441) and HTTP/3 (RFC 9220).
//!
//! Over HTTP/2 and HTTP/3 a WebSocket starts with an extended CONNECT request
//! (`:method = CONNECT`, `:protocol = websocket`) instead of an HTTP/1.1 `Upgrade`. There
//! is no `Sec-WebSocket-Key` and no `Sec-WebSocket-Accept` (RFC 8441 5: they "are not used"),
//! no `Upgrade` and no `Connection`; the server answers `200` instead of `101`. What remains
//! of RFC 6455 is `Sec-WebSocket-Version: 13` and the optional `Origin`,
//! `Sec-WebSocket-Protocol` and `Sec-WebSocket-Extensions`, which is exactly what this
//! module checks and negotiates. The caller's HTTP/2 or HTTP/3 stack handles the
//! pseudo-headers and the stream; once the CONNECT succeeds, the stream's bytes are plain
//! WebSocket frames, fed to the frame layer with the role the endpoint plays (the client
//! still masks, the server still unmasks).
//!
//! [`accept`] and [`connect`] (plus `*_with_extensions` with `alloc`) produce the
//! [`Connection`] for the stream, configured with what was negotiated, the same way the
//! HTTP/1.1 handshake types do.
//!
//! The functions take a list of [`HttpHeader`]s so that any HTTP stack's header map can be
//! adapted without copying: build a `[Header; N]` (or a `Vec`) of borrowed names and values.
//!
//! ```
//! use wscore::handshake::{negotiate, HttpHeader};
//!
//! // Server: the regular headers of an extended CONNECT request.
//! let request = [
//!     HttpHeader::new("sec-websocket-version", "13"),
//!     HttpHeader::new("sec-websocket-protocol", "v2.chat, v1.chat"),
//!     HttpHeader::new("sec-websocket-extensions", "permessage-deflate; client_max_window_bits"),
//! ];
//! negotiate::check_request(&request)?;
//! let protocol = negotiate::select_subprotocol(&request, &["v1.chat", "v2.chat"]);
//! assert_eq!(protocol, Some("v2.chat")); // the client's preference wins
//! // ... answer :status 200 with sec-websocket-protocol: v2.chat ...
//!
//! // Client: check the 200 response's headers against what was offered.
//! let response = [HttpHeader::new("sec-websocket-protocol", "v2.chat")];
//! let chosen = negotiate::check_response(&response, &["v2.chat", "v1.chat"], None)?;
//! assert_eq!(chosen, Some("v2.chat"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::client::check_accepted;
use super::error::{BuildError, ClientError, HandshakeError};
use super::grammar::{
    check_extensions, check_token_list, ExtensionList, Extensions, Subprotocols,
    SEC_WEBSOCKET_PROTOCOL,
};
use super::head::HttpHeader;
use super::server::check_version;
use super::ClientFailure;
use crate::entropy::{Entropy, NoEntropy};
use crate::{Config, Connection, SendBuffer};
use core::time::Duration;

/// Checks the WebSocket headers of an extended CONNECT request: `Sec-WebSocket-Version: 13`
/// (RFC 8441 5 keeps it), a valid `Sec-WebSocket-Protocol` token list and a valid
/// `Sec-WebSocket-Extensions` list. The error's status is the one to answer with.
pub fn check_request(headers: &[HttpHeader<'_>]) -> Result<(), HandshakeError> {
    check_version(headers)?;
    check_token_list(headers, SEC_WEBSOCKET_PROTOCOL)
        .map_err(|_| HandshakeError::InvalidSubprotocols)?;
    check_extensions(headers).map_err(HandshakeError::InvalidExtensions)?;
    Ok(())
}

/// The subprotocols a request offers, in the client's order.
#[inline]
pub fn offered_subprotocols<'b, 'h>(headers: &'h [HttpHeader<'b>]) -> Subprotocols<'b, 'h> {
    Subprotocols::new(headers)
}

/// The extensions a request offers (or a response accepts), in order.
#[inline]
pub fn offered_extensions<'b, 'h>(headers: &'h [HttpHeader<'b>]) -> Extensions<'b, 'h> {
    Extensions::new(headers)
}

/// The first subprotocol offered by the client (in its order of preference) that appears
/// in `supported`, if any.
pub fn select_subprotocol<'s>(
    headers: &[HttpHeader<'_>],
    supported: &[&'s str],
) -> Option<&'s str> {
    Subprotocols::new(headers).find_map(|offered| supported.iter().copied().find(|s| *s == offered))
}

/// Checks a server's choice of subprotocol: it must have been offered.
pub fn check_subprotocol_choice(
    headers: &[HttpHeader<'_>],
    chosen: &str,
) -> Result<(), BuildError> {
    if Subprotocols::new(headers).any(|p| p == chosen) {
        Ok(())
    } else {
        Err(BuildError::SubprotocolNotOffered)
    }
}

/// Checks a server's `Sec-WebSocket-Extensions` answer: valid syntax, and only extensions
/// the request offered.
pub fn check_extension_choice(headers: &[HttpHeader<'_>], value: &str) -> Result<(), BuildError> {
    for ext in ExtensionList::new(value.as_bytes()) {
        let ext = ext.map_err(|_| BuildError::InvalidExtensions)?;
        if !Extensions::new(headers).any(|o| o.name().eq_ignore_ascii_case(ext.name())) {
            return Err(BuildError::ExtensionNotOffered);
        }
    }
    Ok(())
}

/// Checks the headers of a successful (2xx) extended CONNECT response against the offer:
/// at most one subprotocol, and only an offered one; only offered extensions. Returns the
/// selected subprotocol. The status code is the caller's to check.
pub fn check_response<'b>(
    headers: &[HttpHeader<'b>],
    offered_subprotocols: &[&str],
    offered_extensions: Option<&str>,
) -> Result<Option<&'b str>, ClientError<'b, 'b>> {
    check_accepted(headers, None, offered_subprotocols, offered_extensions)
}

/// What a server answers an extended CONNECT with, besides `:status 200`: the headers to
/// send, and the connection to run on the stream.
pub struct ExtendedConnectAnswer<B, R = NoEntropy> {
    /// The selected subprotocol, to send as `sec-websocket-protocol` (also
    /// [`Connection::subprotocol`]).
    pub subprotocol: Option<&'static str>,
    /// The negotiated extensions' header value (see [`extensions`](Self::extensions)).
    #[cfg(feature = "alloc")]
    extensions: Option<alloc::string::String>,
    /// The server connection for the stream, configured with what was negotiated.
    pub connection: Connection<B, R>,
}

impl<B, R> ExtendedConnectAnswer<B, R> {
    /// The negotiated extensions, to send as `sec-websocket-extensions`, when
    /// [`accept_with_extensions`] negotiated one.
    #[cfg(feature = "alloc")]
    pub fn extensions(&self) -> Option<&str> {
        self.extensions.as_deref()
    }
}

impl<B: SendBuffer, R: Entropy> core::fmt::Debug for ExtendedConnectAnswer<B, R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ExtendedConnectAnswer")
            .field("subprotocol", &self.subprotocol)
            .field("connection", &self.connection)
            .finish_non_exhaustive()
    }
}

/// Server side of RFC 8441 (and RFC 9220), producing the connection the same way
/// [`ServerHandshake`](super::ServerHandshake) does: checks the request's WebSocket headers
/// ([`check_request`]; its error carries the status to answer), selects the first offered
/// subprotocol that `supported` lists, and returns the connection for the stream's bytes.
/// No extension is negotiated here; see [`accept_with_extensions`].
pub fn accept<B: SendBuffer>(
    headers: &[HttpHeader<'_>],
    supported: &[&'static str],
    config: Config,
    buffer: B,
    now: Duration,
) -> Result<ExtendedConnectAnswer<B>, HandshakeError> {
    check_request(headers)?;
    let subprotocol =
        select_subprotocol(headers, supported).filter(|p| p.len() <= super::MAX_SUBPROTOCOL_LEN);
    let mut connection = Connection::server_in(config, buffer, now);
    if let Some(protocol) = subprotocol {
        connection = connection.with_subprotocol(protocol);
    }
    Ok(ExtendedConnectAnswer {
        subprotocol,
        #[cfg(feature = "alloc")]
        extensions: None,
        connection,
    })
}

/// [`accept`] that also negotiates extensions with `negotiation` (e.g. permessage-deflate's
/// server policy): the agreed codec runs on the returned connection and its header value is
/// in [`ExtendedConnectAnswer::extensions`].
#[cfg(feature = "alloc")]
pub fn accept_with_extensions<B: SendBuffer>(
    headers: &[HttpHeader<'_>],
    supported: &[&'static str],
    negotiation: &dyn crate::extension::ServerNegotiation,
    config: Config,
    buffer: B,
    now: Duration,
) -> Result<ExtendedConnectAnswer<B>, HandshakeError> {
    let mut answer = accept(headers, supported, config, buffer, now)?;
    if let Some(agreed) = negotiation.negotiate(Extensions::new(headers)) {
        answer.connection = answer.connection.with_extension(agreed.extension);
        answer.extensions = Some(agreed.response);
    }
    Ok(answer)
}

/// Client side of RFC 8441: checks the 2xx response's headers against the offer
/// ([`check_response`]) and returns the client connection for the stream's bytes, with the
/// selected subprotocol (and, with [`connect_with_extensions`], the negotiated extension).
pub fn connect<B: SendBuffer, R: Entropy>(
    response: &[HttpHeader<'_>],
    offered_subprotocols: &[&str],
    config: Config,
    buffer: B,
    entropy: R,
    now: Duration,
) -> Result<Connection<B, R>, ClientFailure> {
    let selected =
        check_response(response, offered_subprotocols, None).map_err(ClientFailure::from)?;
    let mut connection = Connection::client_in(config, buffer, entropy, now);
    if let Some(protocol) = selected {
        connection = connection.with_subprotocol(protocol);
    }
    Ok(connection)
}

/// [`connect`] for an offer made with `negotiation` (its [`offer`](crate::extension::ClientNegotiation::offer)
/// sent as `sec-websocket-extensions`): the server's answer is checked with it and the codec
/// runs on the returned connection.
#[cfg(feature = "alloc")]
pub fn connect_with_extensions<B: SendBuffer, R: Entropy>(
    response: &[HttpHeader<'_>],
    offered_subprotocols: &[&str],
    negotiation: &dyn crate::extension::ClientNegotiation,
    config: Config,
    buffer: B,
    entropy: R,
    now: Duration,
) -> Result<Connection<B, R>, ClientFailure> {
    let offer = negotiation.offer();
    let selected = check_response(response, offered_subprotocols, Some(&offer))
        .map_err(ClientFailure::from)?;
    let mut connection = Connection::client_in(config, buffer, entropy, now);
    if let Some(protocol) = selected {
        connection = connection.with_subprotocol(protocol);
    }
    let answer =
        Extensions::new(response).find(|e| e.name().eq_ignore_ascii_case(negotiation.name()));
    if let Some(answer) = answer {
        let extension = negotiation
            .accept(&answer)
            .map_err(|e| ClientFailure::from(ClientError::ExtensionRefused(e)))?;
        connection = connection.with_extension(extension);
    }
    Ok(connection)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_checks_without_key_or_upgrade() {
        assert_eq!(
            check_request(&[HttpHeader::new("Sec-WebSocket-Version", "13")]),
            Ok(())
        );
        let err = check_request(&[]).unwrap_err();
        assert_eq!(err, HandshakeError::MissingVersion);
        let err = check_request(&[HttpHeader::new("Sec-WebSocket-Version", "8")]).unwrap_err();
        assert_eq!((err.status(), err.headers()[0].value), (426, &b"13"[..]));
        let bad = [
            HttpHeader::new("Sec-WebSocket-Version", "13"),
            HttpHeader::new("Sec-WebSocket-Protocol", "a b"),
        ];
        assert_eq!(
            check_request(&bad),
            Err(HandshakeError::InvalidSubprotocols)
        );
        let bad = [
            HttpHeader::new("Sec-WebSocket-Version", "13"),
            HttpHeader::new("Sec-WebSocket-Extensions", "x;"),
        ];
        assert!(matches!(
            check_request(&bad),
            Err(HandshakeError::InvalidExtensions(_))
        ));
    }

    #[test]
    fn choices_must_have_been_offered() {
        let offer = [
            HttpHeader::new("Sec-WebSocket-Protocol", "a, b"),
            HttpHeader::new("Sec-WebSocket-Extensions", "permessage-deflate"),
        ];
        assert_eq!(select_subprotocol(&offer, &["b", "a"]), Some("a"));
        assert_eq!(select_subprotocol(&offer, &["c"]), None);
        assert_eq!(check_subprotocol_choice(&offer, "b"), Ok(()));
        assert_eq!(
            check_subprotocol_choice(&offer, "c"),
            Err(BuildError::SubprotocolNotOffered)
        );
        assert_eq!(
            check_extension_choice(&offer, "permessage-deflate; server_no_context_takeover"),
            Ok(())
        );
        assert_eq!(
            check_extension_choice(&offer, "x-other"),
            Err(BuildError::ExtensionNotOffered)
        );
        assert_eq!(
            check_extension_choice(&offer, "permessage-deflate;"),
            Err(BuildError::InvalidExtensions)
        );
    }

    #[test]
    fn client_checks_the_response() {
        let ok = [HttpHeader::new("sec-websocket-protocol", "b")];
        assert_eq!(check_response(&ok, &["a", "b"], None), Ok(Some("b")));
        assert_eq!(check_response(&[], &["a"], None), Ok(None));
        assert_eq!(
            check_response(&ok, &["a"], None),
            Err(ClientError::UnexpectedSubprotocol)
        );
        let two = [HttpHeader::new("sec-websocket-protocol", "a, b")];
        assert_eq!(
            check_response(&two, &["a", "b"], None),
            Err(ClientError::UnexpectedSubprotocol)
        );
        let ext = [HttpHeader::new(
            "sec-websocket-extensions",
            "permessage-deflate",
        )];
        assert_eq!(
            check_response(&ext, &[], None),
            Err(ClientError::UnexpectedExtension)
        );
        assert_eq!(
            check_response(
                &ext,
                &[],
                Some("permessage-deflate; client_max_window_bits")
            ),
            Ok(None)
        );
    }
}
