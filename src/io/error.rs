use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::connector::{ProxyError, TlsError};
use crate::handshake::{ClientFailure, HandshakeError, UriError};
use crate::{ConnectionError, SendError};

/// Everything that can go wrong in an adapter.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The transport failed.
    Io(std::io::Error),
    /// Server side: the client's handshake request was refused; the error response (400,
    /// 426, ...) has been sent.
    Handshake(HandshakeError),
    /// Server side: the application's accept callback refused the request with this status;
    /// the response has been sent.
    Refused(u16),
    /// Client side: the URI is not a valid `ws://` or `wss://` URI.
    Uri(UriError),
    /// Client side: the server did not accept the upgrade.
    Rejected(Rejected),
    /// The opening handshake did not finish within
    /// [`Options::open_timeout`](super::Options::open_timeout) (a server sent nothing).
    OpenTimeout,
    /// The peer stopped reading: a send waited longer than
    /// [`Options::write_timeout`](super::Options::write_timeout). The connection is over
    /// and its queued output was dropped.
    WriteTimeout,
    /// The peer violated the protocol (the Close was sent), timed out, or vanished.
    Connection(ConnectionError),
    /// A send was refused (see [`SendError`]).
    Send(SendError),
    /// The connection is closed: the closing handshake is complete. Not a failure.
    Closed,
    /// Client side: TLS could not be set up (a missing feature, no root store, a failed
    /// TLS handshake...). Present in every build; only the `tls-*` features produce the
    /// variants that need rustls.
    Tls(TlsError),
    /// Client side: the HTTP proxy could not be used or refused the tunnel. Present in every
    /// build; only the `proxy` feature produces it.
    Proxy(ProxyError),
    /// Client side: WebSocket over HTTP/2 (RFC 8441) could not be set up. Present in every
    /// build; only the `http2` feature produces it.
    Http2(Http2Error),
}

/// A client handshake the server did not accept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    /// What was wrong (typed) and the response status, if the server refused or
    /// redirected.
    pub failure: ClientFailure,
    /// `Location`, for a redirect (3xx): where to connect instead.
    pub location: Option<String>,
    /// The start of the response body, as far as it was received.
    pub body: Vec<u8>,
}

impl Error {
    /// Whether this is the normal end of a connection ([`Error::Closed`]).
    pub fn is_closed(&self) -> bool {
        matches!(self, Error::Closed)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "I/O error: {e}"),
            Error::Handshake(e) => write!(f, "handshake refused: {e}"),
            Error::Refused(status) => write!(f, "handshake refused by the application ({status})"),
            Error::Uri(e) => write!(f, "invalid URI: {e}"),
            Error::Rejected(r) => {
                write!(f, "server rejected the handshake: {}", r.failure)?;
                if let Some(location) = &r.location {
                    write!(f, ", redirected to {location}")?;
                }
                Ok(())
            }
            Error::Connection(e) => fmt::Display::fmt(e, f),
            Error::Send(e) => fmt::Display::fmt(e, f),
            Error::Closed => f.write_str("connection closed"),
            Error::OpenTimeout => f.write_str("the opening handshake timed out"),
            Error::WriteTimeout => f.write_str("the peer stopped reading: a send timed out"),
            Error::Tls(e) => fmt::Display::fmt(e, f),
            Error::Proxy(e) => fmt::Display::fmt(e, f),
            Error::Http2(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            Error::Connection(e) => Some(e),
            Error::Send(e) => Some(e),
            Error::Tls(e) => Some(e),
            Error::Proxy(e) => Some(e),
            Error::Http2(e) => Some(e),
            _ => None,
        }
    }
}

/// Why a WebSocket over HTTP/2 (RFC 8441) could not be opened.
/// [`http2::connect`](super::http2) falls back to HTTP/1.1 on the first two;
/// [`Http2Connection`](super::http2) reports them.
#[derive(Debug)]
#[non_exhaustive]
pub enum Http2Error {
    /// The server does not speak HTTP/2 here: TLS ALPN did not select `h2`, or the server
    /// did not answer the connection preface with its `SETTINGS` (an HTTP/1.1-only server
    /// given HTTP/2 with prior knowledge).
    NotHttp2,
    /// The server's `SETTINGS` do not enable extended CONNECT
    /// (`SETTINGS_ENABLE_CONNECT_PROTOCOL`, RFC 8441 3): it cannot carry WebSockets.
    ExtendedConnectDisabled,
    /// The URI names another server than the HTTP/2 connection's.
    OtherAuthority,
    /// The HTTP/2 layer failed: the connection went away, or the stream was reset.
    Protocol(Box<dyn std::error::Error + Send + Sync>),
}

impl fmt::Display for Http2Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Http2Error::NotHttp2 => f.write_str("the server does not speak HTTP/2"),
            Http2Error::ExtendedConnectDisabled => f.write_str(
                "the server's HTTP/2 SETTINGS do not enable extended CONNECT (RFC 8441)",
            ),
            Http2Error::OtherAuthority => {
                f.write_str("the URI is not on the HTTP/2 connection's server")
            }
            Http2Error::Protocol(e) => write!(f, "HTTP/2: {e}"),
        }
    }
}

impl std::error::Error for Http2Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Http2Error::Protocol(e) => Some(&**e),
            _ => None,
        }
    }
}

impl From<Http2Error> for Error {
    fn from(e: Http2Error) -> Error {
        Error::Http2(e)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::Io(e)
    }
}

impl From<ConnectionError> for Error {
    fn from(e: ConnectionError) -> Error {
        Error::Connection(e)
    }
}

impl From<TlsError> for Error {
    fn from(e: TlsError) -> Error {
        Error::Tls(e)
    }
}

impl From<ProxyError> for Error {
    fn from(e: ProxyError) -> Error {
        Error::Proxy(e)
    }
}

impl From<SendError> for Error {
    fn from(e: SendError) -> Error {
        Error::Send(e)
    }
}

impl From<Error> for std::io::Error {
    fn from(e: Error) -> std::io::Error {
        match e {
            Error::Io(e) => e,
            other => std::io::Error::other(other),
        }
    }
}
