//! The opening handshake as the std adapters run it: sans-IO steps over a growing buffer,
//! shared by the blocking and async adapters.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::error::{Error, Rejected};
use crate::handshake::{ClientRequest, Header, Limits, Reject, Request, Status, EMPTY_HEADER};

/// The most headers a handshake head may carry here (the default head limit).
const MAX_HEADERS: usize = 64;

/// What the application decides about a handshake request: `Ok` with the subprotocol to
/// select (one the client offered), or `Err` with a status code and body to refuse with.
pub type Decision = Result<Option<String>, (u16, String)>;

/// The outcome of a server handshake step.
pub(crate) enum ServerStep {
    /// The head is not complete yet: read more.
    NeedMore,
    /// Send `response`; then, with `Ok`, the connection is open and `buf[consumed..]` is
    /// already WebSocket data; with `Err`, close the transport.
    Respond {
        response: Vec<u8>,
        consumed: usize,
        result: Result<Accepted, Error>,
    },
}

/// What an accepted request asked for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Accepted {
    /// The request target's path.
    pub path: String,
    /// The request target's query, if any.
    pub query: Option<String>,
    /// The selected subprotocol, if any.
    pub subprotocol: Option<String>,
}

/// Tries to complete a server handshake with the bytes received so far.
pub(crate) fn server_step(
    buf: &[u8],
    limits: &Limits,
    decide: &mut dyn FnMut(&Request<'_, '_>) -> Decision,
) -> ServerStep {
    let mut headers = [EMPTY_HEADER; MAX_HEADERS];
    let max = limits.max_headers.min(MAX_HEADERS);
    let (request, consumed) = match Request::parse(buf, &mut headers[..max], limits) {
        Ok(Status::Partial) => return ServerStep::NeedMore,
        Ok(Status::Complete(parsed)) => parsed,
        Err(e) => {
            return ServerStep::Respond {
                response: e.to_response_vec(),
                consumed: buf.len(),
                result: Err(Error::Handshake(e)),
            }
        }
    };
    let (response, result) = match decide(&request) {
        Ok(subprotocol) => {
            let accept = request.accept();
            let accept = match subprotocol.as_deref() {
                Some(p) => accept.subprotocol(p),
                None => Ok(accept),
            };
            match accept {
                Ok(accept) => (
                    accept.to_vec(),
                    Ok(Accepted {
                        path: String::from(request.path()),
                        query: request.query().map(String::from),
                        subprotocol,
                    }),
                ),
                // The application picked a subprotocol the client did not offer: its bug,
                // answered as a server error rather than a broken handshake.
                Err(_) => refused(500, "subprotocol not offered"),
            }
        }
        Err((status, body)) => refused(status, &body),
    };
    ServerStep::Respond {
        response,
        consumed,
        result,
    }
}

/// A refusal with a plain-text body, rendered by [`Reject`], and the error reporting it. A
/// status `Reject` does not allow (outside 200-599, e.g. 101) becomes 500: the application's
/// mistake, not the client's.
fn refused(status: u16, body: &str) -> (Vec<u8>, Result<Accepted, Error>) {
    const TEXT: &[Header<'static>] = &[Header::new("Content-Type", "text/plain; charset=utf-8")];
    let (response, sent) = match Reject::new(status)
        .headers(TEXT)
        .body(body.as_bytes())
        .to_vec()
    {
        Ok(response) => (response, status),
        Err(_) => (Reject::new(500).to_vec().unwrap_or_default(), 500),
    };
    (response, Err(Error::Refused(sent)))
}

/// The outcome of a client handshake step.
pub(crate) enum ClientStep {
    /// The response head is not complete yet: read more.
    NeedMore,
    /// The server accepted; `buf[consumed..]` is already WebSocket data.
    Accepted {
        consumed: usize,
        subprotocol: Option<String>,
    },
}

/// Tries to complete a client handshake with the response bytes received so far.
pub(crate) fn client_step(
    request: &ClientRequest<'_>,
    buf: &[u8],
    limits: &Limits,
) -> Result<ClientStep, Error> {
    let mut headers: [Header<'_>; MAX_HEADERS] = [EMPTY_HEADER; MAX_HEADERS];
    let max = limits.max_headers.min(MAX_HEADERS);
    match request.parse_response(buf, &mut headers[..max], limits) {
        Ok(Status::Partial) => Ok(ClientStep::NeedMore),
        Ok(Status::Complete((accepted, consumed))) => Ok(ClientStep::Accepted {
            consumed,
            subprotocol: accepted.subprotocol().map(String::from),
        }),
        Err(e) => Err(Error::Rejected(Rejected::from_client_error(&e))),
    }
}

/// Whether a buffer holding an incomplete head has hit the head size limit.
pub(crate) fn head_too_long(buf: &[u8], limits: &Limits) -> bool {
    buf.len() >= limits.max_head_len
}

/// A 16-byte handshake nonce from the operating system's entropy source.
pub(crate) fn nonce() -> Result<[u8; 16], Error> {
    let mut nonce = [0u8; 16];
    getrandom::fill(&mut nonce).map_err(|e| Error::Io(std::io::Error::other(e.to_string())))?;
    Ok(nonce)
}

/// The operating system's entropy source, for client masking keys.
pub(crate) fn os_entropy(buf: &mut [u8]) {
    // A failing OS entropy source leaves the buffer as it was; the connection then redraws
    // an all-zero key a few times. getrandom fails only on exotic, broken systems.
    let _ = getrandom::fill(buf);
}
