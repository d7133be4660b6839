//! Where a connection is in its life and how it ended: one [`State`] value, from which
//! everything else about the lifecycle (may data be sent? is input still read? may the
//! transport be closed?) is derived.

use core::time::Duration;

use super::{Connection, SendBuffer};
use crate::entropy::Entropy;
use crate::frame::{CloseCode, CloseFrame, MAX_CLOSE_REASON, MAX_CONTROL_PAYLOAD};
use crate::{ConnectionError, Role};

/// Where a connection is in its life. It only moves forward: `Open` → `Closing` →
/// `Closed`, or `Open` → `Closed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Messages flow both ways.
    Open,
    /// We queued (or sent) a Close with `sent` and wait for the peer's. Received data is
    /// still delivered; nothing but the Close can be sent.
    Closing {
        /// The code of our Close.
        sent: CloseCode,
    },
    /// The connection is over; flush the output, then close the transport once
    /// [`Connection::is_finished`] says so.
    Closed(Closure),
}

/// How a connection ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closure {
    /// The closing handshake completed: both Close frames were exchanged.
    Clean {
        /// The code of the Close we sent (our own, or the echo of the peer's).
        sent: CloseCode,
        /// The code of the Close we received ([`CloseCode::NO_STATUS`] if it had none).
        received: CloseCode,
    },
    /// The connection failed: a protocol violation (its Close is queued), no pong in
    /// time, our Close unanswered in time, the transport ending before the closing
    /// handshake (1006), or a failed entropy source.
    Failed(ConnectionError),
}

/// The lifecycle record: the state, plus whether the transport is done (end of file seen,
/// or no longer worth waiting for).
#[derive(Clone, Copy, Debug)]
pub(super) struct Lifecycle {
    state: State,
    transport_done: bool,
}

impl Lifecycle {
    pub(super) const fn new() -> Lifecycle {
        Lifecycle {
            state: State::Open,
            transport_done: false,
        }
    }

    #[inline]
    pub(super) fn state(&self) -> State {
        self.state
    }

    #[inline]
    pub(super) fn is_open(&self) -> bool {
        matches!(self.state, State::Open)
    }

    #[inline]
    pub(super) fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed(_))
    }

    #[inline]
    pub(super) fn error(&self) -> Option<ConnectionError> {
        match self.state {
            State::Closed(Closure::Failed(e)) => Some(e),
            _ => None,
        }
    }

    pub(super) fn set(&mut self, state: State) {
        self.state = state;
    }

    pub(super) fn end_transport(&mut self) {
        self.transport_done = true;
    }
}

impl<B: SendBuffer, R: Entropy> Connection<B, R> {
    /// Where the connection is in its life, and how it ended.
    pub fn state(&self) -> State {
        self.life.state()
    }

    /// The sticky error, once the connection has failed (the same as
    /// `State::Closed(Closure::Failed(e))`).
    pub fn error(&self) -> Option<ConnectionError> {
        self.life.error()
    }

    /// Whether the transport should now be closed: the connection is over and its output is
    /// flushed (see the [call contract](Self#the-call-contract), step 6). A client also waits
    /// for the server to close the transport first, up to `close_timeout`.
    pub fn is_finished(&self) -> bool {
        self.life.is_closed()
            && (self.life.transport_done || (self.role == Role::Server && self.out.is_empty()))
    }

    /// Reports that the transport reached end of file.
    ///
    /// After a completed closing handshake this is the normal end and returns `Ok(())`.
    /// Before it, the connection closed abnormally: the state becomes
    /// `Closed(Failed(AbnormalClosure))` (close code 1006, reported locally and never sent)
    /// and that is the result, unless the connection had already failed with another
    /// error, which is returned instead.
    pub fn handle_eof(&mut self) -> Result<(), ConnectionError> {
        self.life.end_transport();
        match self.life.state() {
            State::Closed(Closure::Clean { .. }) => Ok(()),
            State::Closed(Closure::Failed(e)) => Err(e),
            State::Open | State::Closing { .. } => {
                self.life.set(State::Closed(Closure::Failed(
                    ConnectionError::AbnormalClosure,
                )));
                Err(ConnectionError::AbnormalClosure)
            }
        }
    }

    /// Fails the connection (RFC 6455 7.1.7): stops sending data, queues the Close that
    /// names the error (unless ours is already queued), and returns the sticky error.
    pub(super) fn fail(&mut self, now: Duration, e: ConnectionError) -> ConnectionError {
        if let Some(first) = self.life.error() {
            return first;
        }
        self.life.set(State::Closed(Closure::Failed(e)));
        if !self.out.has_close() && e != ConnectionError::Entropy {
            self.out.abort_data();
            let mut payload = [0u8; MAX_CONTROL_PAYLOAD];
            let reason = match e {
                ConnectionError::Protocol(p) => p.reason(),
                ConnectionError::PongTimeout => "keepalive timeout",
                _ => "",
            };
            let reason = &reason[..reason.len().min(MAX_CLOSE_REASON)];
            let frame = CloseFrame {
                code: e.close_code(),
                reason,
            };
            if let Ok(n) = frame.encode(&mut payload) {
                if self.push_close(&payload[..n]).is_err() {
                    return self.fail_entropy();
                }
            }
        }
        self.timers.closing(now, &self.config);
        e
    }

    /// Gives up on the transport (e.g. a write timed out: the peer stopped reading): drops
    /// every queued frame and releases the send buffer's memory. Unless the connection had
    /// already ended, it becomes `Closed(Failed(AbnormalClosure))` (1006: no Close can be
    /// delivered any more). Returns how it ended; [`is_finished`](Self::is_finished) is then
    /// true.
    pub fn abort(&mut self) -> State {
        if !self.life.is_closed() {
            self.life.set(State::Closed(Closure::Failed(
                ConnectionError::AbnormalClosure,
            )));
        }
        self.out.abort_all();
        self.life.end_transport();
        self.life.state()
    }

    /// The entropy source failed for a frame the connection had to send on its own: nothing
    /// more can be masked, so nothing more is sent and the transport is done.
    pub(super) fn fail_entropy(&mut self) -> ConnectionError {
        let e = ConnectionError::Entropy;
        self.life.set(State::Closed(Closure::Failed(e)));
        self.out.abort_all();
        self.life.end_transport();
        e
    }

    /// The peer's Close arrived with `code`: answers it unless ours is queued, and completes
    /// the closing handshake.
    pub(super) fn on_peer_close(&mut self, now: Duration, code: CloseCode) {
        let sent = match self.life.state() {
            State::Closing { sent } => sent,
            _ => {
                // "If an endpoint receives a Close frame and did not previously send a Close
                // frame, the endpoint MUST send a Close frame in response ... typically
                // echoing the status code it received" (5.5.1).
                let echo = if code == CloseCode::NO_STATUS {
                    CloseCode::NORMAL
                } else {
                    code
                };
                if self.push_close(&echo.as_u16().to_be_bytes()).is_err() {
                    self.fail_entropy();
                    return;
                }
                echo
            }
        };
        self.life.set(State::Closed(Closure::Clean {
            sent,
            received: code,
        }));
        self.timers.closing(now, &self.config);
    }
}
