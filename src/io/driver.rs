//! The one opening-handshake driver every adapter runs: a loop over the sans-IO
//! [`ServerHandshake`] / [`ClientHandshake`], written once against a minimal async byte
//! transport. The blocking adapter runs it too: its transport's futures are always ready.

use core::time::Duration;

use crate::handshake::{
    BuildError, ClientFailure, ClientHandshake, ClientStatus, HandshakeError, ServerHandshake,
    ServerStatus,
};
use crate::SendBuffer;

/// The two operations the handshake needs from a transport.
pub(crate) trait OpeningIo {
    type Error;
    /// Reads some bytes into `buf`; 0 means end of file.
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error>;
    /// Writes all of `bytes` and flushes.
    async fn write_all(&mut self, bytes: &[u8]) -> Result<(), Self::Error>;
}

/// How an opening handshake failed.
#[derive(Debug)]
pub(crate) enum OpeningError<E> {
    /// The transport failed.
    Io(E),
    /// The transport ended before the handshake completed.
    Eof,
    /// Server: the request was invalid; its refusal has been sent.
    Handshake(HandshakeError),
    /// Server: the application refused (or its answer could not be sent: 500); sent.
    Refused(u16),
    /// Client: the server's answer was not an acceptable 101 (or the deadline passed).
    Rejected(ClientFailure),
    /// The opening deadline passed (server: nothing was sent).
    TimedOut,
}

/// Runs a server handshake to its end. `rx[..filled]` holds bytes already read; reads go
/// into `rx`. `answer` is called once the request is complete. On success, returns where
/// the bytes after the head lie in `rx` (`start..end`).
pub(crate) async fn serve<I, B, C, A>(
    io: &mut I,
    hs: &mut ServerHandshake<B>,
    rx: &mut [u8],
    mut filled: usize,
    clock: &C,
    answer: &mut A,
) -> Result<(usize, usize), OpeningError<I::Error>>
where
    I: OpeningIo,
    B: SendBuffer,
    C: Fn() -> Duration,
    A: FnMut(&mut ServerHandshake<B>) -> Result<(), BuildError>,
{
    let mut start = 0;
    let mut refusal = None;
    loop {
        hs.handle_timeout(clock());
        match hs.status() {
            ServerStatus::NeedsInput => {
                if start == filled {
                    start = 0;
                    filled = io.read(rx).await.map_err(OpeningError::Io)?;
                    if filled == 0 {
                        return Err(OpeningError::Eof);
                    }
                }
                match hs.receive(clock(), &rx[start..filled]) {
                    Ok(used) => start += used,
                    Err(e) => refusal = Some(e),
                }
            }
            ServerStatus::NeedsAnswer => {
                // A refused answer still leaves a response (500) to send.
                let _ = answer(hs);
            }
            ServerStatus::NeedsTransmit => {
                if let Some(bytes) = hs.transmit() {
                    let n = bytes.len();
                    io.write_all(bytes).await.map_err(OpeningError::Io)?;
                    hs.advance_transmit(n);
                }
            }
            ServerStatus::Accepted => return Ok((start, filled)),
            ServerStatus::Refused { status: None } => return Err(OpeningError::TimedOut),
            ServerStatus::Refused {
                status: Some(status),
            } => {
                return Err(match refusal {
                    Some(e) => OpeningError::Handshake(e),
                    None => OpeningError::Refused(status),
                })
            }
        }
    }
}

/// Runs a client handshake to its end; like [`serve`], returns where the bytes after the
/// response head lie in `rx`.
pub(crate) async fn connect<I: OpeningIo, B: SendBuffer, C: Fn() -> Duration>(
    io: &mut I,
    hs: &mut ClientHandshake<'_, B>,
    rx: &mut [u8],
    clock: &C,
) -> Result<(usize, usize), OpeningError<I::Error>> {
    let (mut start, mut filled) = (0, 0);
    loop {
        hs.handle_timeout(clock());
        match hs.status() {
            ClientStatus::NeedsTransmit => {
                if let Some(bytes) = hs.transmit() {
                    let n = bytes.len();
                    io.write_all(bytes).await.map_err(OpeningError::Io)?;
                    hs.advance_transmit(n);
                }
            }
            ClientStatus::NeedsInput => {
                if start == filled {
                    start = 0;
                    filled = io.read(rx).await.map_err(OpeningError::Io)?;
                    if filled == 0 {
                        return Err(OpeningError::Eof);
                    }
                }
                if let Ok(used) = hs.receive(clock(), &rx[start..filled]) {
                    start += used;
                }
            }
            ClientStatus::Accepted => return Ok((start, filled)),
            ClientStatus::Failed(failure) => return Err(OpeningError::Rejected(failure)),
        }
    }
}
