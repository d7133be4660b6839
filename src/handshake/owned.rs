//! Owned conveniences on top of the borrowing core (feature `alloc`): an owned copy of a
//! validated request.

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec::Vec;

use super::accept::Key;
use super::server::Request;

/// An owned copy of a validated server-side [`Request`], for handing to code that outlives
/// the receive buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnedRequest {
    /// The request target as received.
    pub target: String,
    /// The path part of the resource name.
    pub path: String,
    /// The query, if any.
    pub query: Option<String>,
    /// The `Host` header.
    pub host: String,
    /// The `Origin` header, if any.
    pub origin: Option<String>,
    /// The client's key.
    pub key: Key,
    /// The offered subprotocols, in order.
    pub subprotocols: Vec<String>,
    /// The offered extensions, in order.
    pub extensions: Vec<OwnedExtension>,
    /// Every header, in order.
    pub headers: Vec<(String, Vec<u8>)>,
}

/// An owned extension offer: its name and parameters (values unescaped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnedExtension {
    /// The extension name.
    pub name: String,
    /// The parameters in order: name and optional value.
    pub params: Vec<(String, Option<String>)>,
}

impl From<&Request<'_, '_>> for OwnedRequest {
    fn from(request: &Request<'_, '_>) -> OwnedRequest {
        OwnedRequest {
            target: request.target().to_owned(),
            path: request.path().to_owned(),
            query: request.query().map(ToOwned::to_owned),
            host: request.host().to_owned(),
            origin: request.origin().map(ToOwned::to_owned),
            key: request.key(),
            subprotocols: request.subprotocols().map(ToOwned::to_owned).collect(),
            extensions: request
                .extensions()
                .map(|ext| {
                    let params = ext
                        .params()
                        .map(|p| (p.name.to_owned(), p.value.map(|v| v.to_unescaped())))
                        .collect();
                    OwnedExtension {
                        name: ext.name().to_owned(),
                        params,
                    }
                })
                .collect(),
            headers: request
                .headers()
                .iter()
                .map(|h| (h.name.to_owned(), h.value.to_vec()))
                .collect(),
        }
    }
}

impl Request<'_, '_> {
    /// An owned copy of everything this request exposes.
    pub fn to_owned_request(&self) -> OwnedRequest {
        OwnedRequest::from(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::{Limits, Status, EMPTY_HEADER};

    #[test]
    fn owned_request_copies_everything() {
        let wire =
            b"GET /p?q=1 HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
Sec-WebSocket-Protocol: a, b\r\nSec-WebSocket-Extensions: x; k=\"v\\w\"; flag\r\n\r\n";
        let mut headers = [EMPTY_HEADER; 16];
        let Ok(Status::Complete((request, _))) =
            Request::parse(wire, &mut headers, &Limits::DEFAULT)
        else {
            panic!()
        };
        let owned = request.to_owned_request();
        assert_eq!(
            (owned.path.as_str(), owned.query.as_deref()),
            ("/p", Some("q=1"))
        );
        assert_eq!(owned.subprotocols, ["a", "b"]);
        assert_eq!(
            owned.extensions,
            [OwnedExtension {
                name: "x".into(),
                params: alloc::vec![("k".into(), Some("vw".into())), ("flag".into(), None)]
            }]
        );
        assert_eq!(owned.headers.len(), 7);
        assert_eq!(owned.key.as_str(), "dGhlIHNhbXBsZSBub25jZQ==");
    }
}
