//! The std adapters' side of the opening handshake: building the sans-IO handshakes from
//! [`Options`], answering with the application's [`Decision`], and the OS entropy source.
//! The loop itself is [`driver`](super::driver), shared with the embedded adapter.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::time::Duration;

use super::driver::{self, OpeningError, OpeningIo};
use super::error::{Error, Rejected};
use super::inbox::{Inbox, SMALL_READ_BUFFER};
use super::options::Options;
use crate::entropy::{Entropy, EntropyError};
use crate::handshake::{
    Answer, BuildError, ClientHandshake, ClientRequest, HttpHeader, Reject, Request,
    ServerHandshake,
};
use crate::{Config, Connection};

/// The connection type the std adapters run: a `Vec` send queue and the OS entropy source.
pub type StdConnection = Connection<Vec<u8>, OsEntropy>;

/// What the application decides about a handshake request: `Ok` with the subprotocol to
/// select (one the client offered), or `Err` with a status code and body to refuse with.
pub type Decision = Result<Option<String>, (u16, String)>;

/// What an accepted request asked for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UpgradeInfo {
    /// The request target's path.
    pub path: String,
    /// The request target's query, if any.
    pub query: Option<String>,
    /// The selected subprotocol, if any.
    pub subprotocol: Option<String>,
}

/// The operating system's entropy source (getrandom), for client masking keys and
/// handshake nonces. Fails closed: an OS failure is an error, never a zero key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), EntropyError> {
        getrandom::fill(buf).map_err(|_| EntropyError)
    }
}

/// A 16-byte handshake nonce from the operating system's entropy source.
pub(crate) fn nonce() -> Result<[u8; 16], Error> {
    let mut nonce = [0u8; 16];
    getrandom::fill(&mut nonce).map_err(|e| Error::Io(std::io::Error::other(e.to_string())))?;
    Ok(nonce)
}

/// The outcome of an opening handshake on a std adapter: the connection, what was asked,
/// and the read buffer holding the bytes after the head at `start..end`.
pub(crate) struct Opened {
    pub(crate) conn: StdConnection,
    pub(crate) accepted: UpgradeInfo,
    pub(crate) rx: Vec<u8>,
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// How large the read buffer may grow ([`Options::read_buffer`]).
    pub(crate) rx_limit: usize,
}

impl Opened {
    /// The read buffer, holding the bytes after the head, as the connection's inbox.
    pub(crate) fn inbox(&mut self) -> Inbox {
        let rx = core::mem::take(&mut self.rx);
        Inbox::new(rx, self.start, self.end, self.rx_limit)
    }
}

/// Runs the server handshake over `io`.
pub(crate) async fn serve<I, C, F>(
    io: &mut I,
    config: Config,
    options: &Options,
    already_read: &[u8],
    clock: &C,
    decide: &mut F,
) -> Result<Opened, Error>
where
    I: OpeningIo<Error = std::io::Error>,
    C: Fn() -> Duration,
    F: FnMut(&Request<'_, '_>) -> Decision,
{
    let now = clock();
    let mut hs = ServerHandshake::new(config, options.limits, Vec::new(), now)
        .with_timeout(now, options.open_timeout);
    if let Some(policy) = &options.server_extensions {
        hs = hs.with_extensions(policy.clone());
    }
    // The handshake reads into a small buffer (the head is collected by the handshake
    // itself); it becomes the connection's read buffer, which grows when it needs to.
    let mut rx = alloc::vec![0u8; handshake_rx_len(options).max(already_read.len())];
    rx[..already_read.len()].copy_from_slice(already_read);
    let mut accepted = UpgradeInfo::default();
    let mut answer = |hs: &mut ServerHandshake<Vec<u8>>| -> Result<(), BuildError> {
        let asked = hs.request(|r| (r.path().to_string(), r.query().map(String::from), decide(r)));
        let Some((path, query, decision)) = asked else {
            return Err(BuildError::NotReady);
        };
        accepted.path = path;
        accepted.query = query;
        match &decision {
            Ok(protocol) => {
                accepted.subprotocol = protocol.clone();
                hs.respond(|_| Answer::accept().subprotocol(protocol.as_deref()))
            }
            Err((status, body)) => {
                const TEXT: &[HttpHeader<'static>] =
                    &[HttpHeader::new("Content-Type", "text/plain; charset=utf-8")];
                let reject = Reject::new(*status).headers(TEXT).body(body.as_bytes());
                hs.respond(|_| Answer::reject(reject))
            }
        }
    };
    let result = driver::serve(io, &mut hs, &mut rx, already_read.len(), clock, &mut answer).await;
    let (start, end) = result.map_err(from_opening)?;
    let conn = hs
        .into_connection_with(OsEntropy, clock())
        .map_err(|_| Error::Io(std::io::ErrorKind::InvalidData.into()))?;
    Ok(Opened {
        conn,
        accepted,
        rx,
        start,
        end,
        rx_limit: options.read_buffer_len(),
    })
}

/// Runs the client handshake for `request` over `io`.
pub(crate) async fn connect<I: OpeningIo<Error = std::io::Error>, C: Fn() -> Duration>(
    io: &mut I,
    request: ClientRequest<'_>,
    config: Config,
    options: &Options,
    clock: &C,
) -> Result<Opened, Error> {
    let now = clock();
    let mut hs = ClientHandshake::new(request, config, options.limits, Vec::new())
        .map_err(build_error)?
        .with_timeout(now, options.open_timeout);
    if let Some(offer) = &options.client_extensions {
        hs = hs.with_extensions(offer.clone()).map_err(build_error)?;
    }
    let mut rx = alloc::vec![0u8; handshake_rx_len(options)];
    let result = driver::connect(io, &mut hs, &mut rx, clock).await;
    let (start, end) = match result {
        Ok(range) => range,
        Err(OpeningError::Rejected(failure)) => {
            let location = hs.rejection(|r| r.location().map(String::from)).flatten();
            let body = hs.rejection(|r| r.body.to_vec()).unwrap_or_default();
            return Err(Error::Rejected(Rejected {
                failure,
                location,
                body,
            }));
        }
        Err(e) => return Err(from_opening(e)),
    };
    let accepted = UpgradeInfo {
        path: String::from(hs.request().uri().resource()),
        query: None,
        subprotocol: hs.subprotocol().map(String::from),
    };
    let conn = hs
        .into_connection(OsEntropy, clock())
        .map_err(build_error)?;
    Ok(Opened {
        conn,
        accepted,
        rx,
        start,
        end,
        rx_limit: options.read_buffer_len(),
    })
}

/// The read buffer's size during the handshake.
fn handshake_rx_len(options: &Options) -> usize {
    options.read_buffer_len().min(SMALL_READ_BUFFER)
}

pub(crate) fn build_error(e: BuildError) -> Error {
    Error::Io(std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        e.to_string(),
    ))
}

fn from_opening(e: OpeningError<std::io::Error>) -> Error {
    match e {
        OpeningError::Io(e) => Error::Io(e),
        OpeningError::Eof => Error::Io(std::io::ErrorKind::UnexpectedEof.into()),
        OpeningError::Handshake(e) => Error::Handshake(e),
        OpeningError::Refused(status) => Error::Refused(status),
        OpeningError::Rejected(failure) => Error::Rejected(Rejected {
            failure,
            location: None,
            body: Vec::new(),
        }),
        OpeningError::TimedOut => Error::OpenTimeout,
    }
}
