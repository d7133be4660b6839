//! `ws://` and `wss://` URIs (RFC 6455 section 3).

use core::fmt;

/// A parsed WebSocket URI, borrowing the input.
///
/// ```
/// use wscore::handshake::WsUri;
///
/// let uri = WsUri::parse("wss://[::1]:9443/chat?room=1")?;
/// assert!(uri.is_secure());
/// assert_eq!(uri.host(), "[::1]");
/// assert_eq!(uri.port(), 9443);
/// assert_eq!(uri.resource(), "/chat?room=1");
/// assert_eq!(WsUri::parse("ws://example.com")?.resource(), "/");
/// # Ok::<(), wscore::handshake::UriError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WsUri<'a> {
    secure: bool,
    host: &'a str,
    port: u16,
    explicit_port: bool,
    /// Path and query; empty when the URI has neither (the resource is then "/").
    resource: &'a str,
}

/// Why a string is not a usable WebSocket URI. RFC 6455 3: "If the URI is invalid ... the
/// client MUST _Fail the WebSocket Connection_".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UriError {
    /// The scheme is not `ws` or `wss`.
    UnsupportedScheme,
    /// The URI has a fragment (RFC 6455 3: "Fragment identifiers are meaningless in the
    /// context of WebSocket URIs and MUST NOT be used on these URIs").
    Fragment,
    /// The host is missing or has invalid characters, or an IPv6 literal is malformed.
    InvalidHost,
    /// The port is not a number from 0 to 65535.
    InvalidPort,
    /// The authority has user information, which WebSocket URIs do not allow.
    UserInfo,
    /// The path or query contains a character that must be percent-encoded.
    InvalidPath,
}

impl fmt::Display for UriError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UriError::UnsupportedScheme => "scheme must be ws or wss",
            UriError::Fragment => "WebSocket URIs must not have a fragment",
            UriError::InvalidHost => "invalid host",
            UriError::InvalidPort => "invalid port",
            UriError::UserInfo => "WebSocket URIs must not have user information",
            UriError::InvalidPath => "invalid character in path or query",
        })
    }
}

impl core::error::Error for UriError {}

/// unreserved / sub-delims (RFC 3986 2.2, 2.3), plus `%` for pct-encoded.
fn is_reg_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b'%'
        )
}

/// pchar plus `/` and `?` (RFC 3986 3.3, 3.4).
fn is_path_byte(b: u8) -> bool {
    is_reg_name_byte(b) || matches!(b, b':' | b'@' | b'/' | b'?')
}

impl<'a> WsUri<'a> {
    /// Parses `ws://host[:port][/path][?query]` or the `wss` form. The scheme and host
    /// are matched without regard to case; the default ports are 80 and 443.
    pub fn parse(uri: &'a str) -> Result<WsUri<'a>, UriError> {
        let (scheme, rest) = uri.split_once("://").ok_or(UriError::UnsupportedScheme)?;
        let secure = if scheme.eq_ignore_ascii_case("ws") {
            false
        } else if scheme.eq_ignore_ascii_case("wss") {
            true
        } else {
            return Err(UriError::UnsupportedScheme);
        };
        if rest.contains('#') {
            return Err(UriError::Fragment);
        }
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, resource) = rest.split_at(authority_end);
        if !resource.bytes().all(is_path_byte) {
            return Err(UriError::InvalidPath);
        }
        if authority.contains('@') {
            return Err(UriError::UserInfo);
        }
        let (host, port) = if authority.starts_with('[') {
            let close = authority.find(']').ok_or(UriError::InvalidHost)?;
            let (host, after) = authority.split_at(close + 1);
            let literal = &host[1..host.len() - 1];
            let valid = literal.contains(':')
                && literal
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
            if !valid {
                return Err(UriError::InvalidHost);
            }
            match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None if after.is_empty() => (host, None),
                None => return Err(UriError::InvalidHost),
            }
        } else {
            match authority.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            }
        };
        if host.is_empty() || !(host.starts_with('[') || host.bytes().all(is_reg_name_byte)) {
            return Err(UriError::InvalidHost);
        }
        let default = if secure { 443 } else { 80 };
        let (port, explicit_port) = match port {
            // RFC 3986 3.2.3: an empty port means the default.
            None | Some("") => (default, false),
            Some(digits) => {
                if digits.len() > 5 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(UriError::InvalidPort);
                }
                (digits.parse().map_err(|_| UriError::InvalidPort)?, true)
            }
        };
        Ok(WsUri {
            secure,
            host,
            port,
            explicit_port,
            resource,
        })
    }

    /// Whether the scheme is `wss` (TLS).
    #[inline]
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// The host: a name, an IPv4 address, or an IPv6 literal in brackets.
    #[inline]
    pub fn host(&self) -> &'a str {
        self.host
    }

    /// The host without IPv6 brackets, as a name resolver or socket address parser wants it.
    pub fn host_unbracketed(&self) -> &'a str {
        self.host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(self.host)
    }

    /// The port: explicit, or 80 for `ws` and 443 for `wss`.
    #[inline]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Whether the port is the scheme's default (then `Host` omits it).
    #[inline]
    pub fn is_default_port(&self) -> bool {
        self.port == if self.secure { 443 } else { 80 }
    }

    /// Whether the URI spelled out a port.
    #[inline]
    pub fn has_explicit_port(&self) -> bool {
        self.explicit_port
    }

    /// The resource name: path and query, `/` when the URI has no path (RFC 6455 3).
    pub fn resource(&self) -> &'a str {
        if self.resource.is_empty() {
            "/"
        } else {
            self.resource
        }
    }

    /// The path and query as written, possibly empty or starting with `?`; the request line
    /// puts a `/` in front of a bare query.
    pub(crate) fn raw_resource(&self) -> &'a str {
        self.resource
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_and_defaults() {
        let uri = WsUri::parse("ws://example.com/chat?x=1&y").unwrap();
        assert_eq!(
            (uri.is_secure(), uri.host(), uri.port(), uri.resource()),
            (false, "example.com", 80, "/chat?x=1&y")
        );
        assert!(uri.is_default_port());
        let uri = WsUri::parse("WSS://Example.COM").unwrap();
        assert_eq!(
            (uri.is_secure(), uri.port(), uri.resource()),
            (true, 443, "/")
        );
        let uri = WsUri::parse("wss://h:443/").unwrap();
        assert!(uri.is_default_port() && uri.has_explicit_port());
        let uri = WsUri::parse("ws://h:/p").unwrap();
        assert_eq!(uri.port(), 80);
        let uri = WsUri::parse("ws://h?q").unwrap();
        assert_eq!(uri.raw_resource(), "?q");
        let uri = WsUri::parse("ws://10.0.0.1:65535").unwrap();
        assert_eq!((uri.host(), uri.port()), ("10.0.0.1", 65535));
    }

    #[test]
    fn ipv6_literals() {
        let uri = WsUri::parse("ws://[2001:db8::1]/").unwrap();
        assert_eq!(
            (uri.host(), uri.host_unbracketed(), uri.port()),
            ("[2001:db8::1]", "2001:db8::1", 80)
        );
        let uri = WsUri::parse("wss://[::ffff:192.0.2.1]:8443").unwrap();
        assert_eq!((uri.host(), uri.port()), ("[::ffff:192.0.2.1]", 8443));
        assert_eq!(WsUri::parse("ws://[::1/"), Err(UriError::InvalidHost));
        assert_eq!(WsUri::parse("ws://[zz]/"), Err(UriError::InvalidHost));
        assert_eq!(WsUri::parse("ws://[::1]x/"), Err(UriError::InvalidHost));
        assert_eq!(WsUri::parse("ws://::1/"), Err(UriError::InvalidHost));
    }

    /// RFC 6455 3: "Fragment identifiers are meaningless in the context of WebSocket URIs
    /// and MUST NOT be used on these URIs."
    #[test]
    fn fragments_are_refused() {
        assert_eq!(WsUri::parse("ws://h/p#frag"), Err(UriError::Fragment));
        assert_eq!(WsUri::parse("ws://h#"), Err(UriError::Fragment));
    }

    /// RFC 6455 4.1: "If /uri/ is invalid ... the client MUST _Fail the WebSocket
    /// Connection_" - every malformed or foreign URI is an error, never a guess.
    #[test]
    fn invalid_uris_are_refused() {
        assert_eq!(WsUri::parse("http://h/"), Err(UriError::UnsupportedScheme));
        assert_eq!(WsUri::parse("wsx://h/"), Err(UriError::UnsupportedScheme));
        assert_eq!(WsUri::parse("h/"), Err(UriError::UnsupportedScheme));
        assert_eq!(WsUri::parse("ws:h"), Err(UriError::UnsupportedScheme));
        assert_eq!(WsUri::parse("ws:///p"), Err(UriError::InvalidHost));
        assert_eq!(WsUri::parse("ws://h:65536/"), Err(UriError::InvalidPort));
        assert_eq!(WsUri::parse("ws://h:8a/"), Err(UriError::InvalidPort));
        assert_eq!(WsUri::parse("ws://h:+80/"), Err(UriError::InvalidPort));
        assert_eq!(WsUri::parse("ws://u:p@h/"), Err(UriError::UserInfo));
        assert_eq!(WsUri::parse("ws://h/a b"), Err(UriError::InvalidPath));
        assert_eq!(WsUri::parse("ws://h/a\r\nX: y"), Err(UriError::InvalidPath));
        assert_eq!(WsUri::parse("ws://h/é"), Err(UriError::InvalidPath));
        assert_eq!(WsUri::parse("ws://h h/"), Err(UriError::InvalidHost));
    }
}
