//! The deadline table: keepalive, the pong deadline and the close deadline, as values on the
//! caller's clock. All arithmetic saturates; `handle_timeout` acts only on deadlines that
//! have passed, so early or repeated calls do nothing.

use core::time::Duration;

use super::lifecycle::{Closure, State};
use super::{Config, Connection, SendBuffer};
use crate::entropy::Entropy;
use crate::frame::Opcode;
use crate::ConnectionError;

/// The deadlines of one connection.
#[derive(Clone, Copy, Debug)]
pub(super) struct Timers {
    /// When to send a keepalive ping (idle time since the last received byte).
    keepalive_at: Option<Duration>,
    /// When a keepalive ping counts as unanswered.
    pong_deadline: Option<Duration>,
    /// When to stop waiting for the peer's Close, or (client) for the server to close the
    /// transport after the closing handshake.
    close_deadline: Option<Duration>,
}

impl Timers {
    pub(super) fn new(config: &Config, now: Duration) -> Timers {
        Timers {
            keepalive_at: config.keepalive_interval.map(|i| now.saturating_add(i)),
            pong_deadline: None,
            close_deadline: None,
        }
    }

    /// Bytes arrived: the connection is not idle.
    #[inline]
    pub(super) fn received(&mut self, now: Duration, config: &Config) {
        if let Some(interval) = config.keepalive_interval {
            self.keepalive_at = Some(now.saturating_add(interval));
        }
    }

    /// A pong arrived.
    #[inline]
    pub(super) fn pong_received(&mut self) {
        self.pong_deadline = None;
    }

    /// The closing handshake started (or the connection failed): keepalive stops, the close
    /// deadline is armed once.
    pub(super) fn closing(&mut self, now: Duration, config: &Config) {
        if self.close_deadline.is_none() {
            self.close_deadline = Some(now.saturating_add(config.close_timeout));
        }
        self.keepalive_at = None;
        self.pong_deadline = None;
    }
}

impl<B: SendBuffer, R: Entropy> Connection<B, R> {
    /// The earliest deadline at which [`handle_timeout`](Self::handle_timeout) has work to
    /// do, or `None` when no timer is armed.
    pub fn poll_timeout(&self) -> Option<Duration> {
        if self.is_finished() {
            return None;
        }
        let t = &self.timers;
        let keepalive = t.keepalive_at.filter(|_| self.life.is_open());
        [keepalive, t.pong_deadline, t.close_deadline]
            .into_iter()
            .flatten()
            .min()
    }

    /// Acts on every deadline at or before `now`: sends a keepalive ping, fails the
    /// connection when a pong is overdue ([`ConnectionError::PongTimeout`]), ends a closing
    /// handshake the peer never answered ([`ConnectionError::CloseTimeout`]), and stops a
    /// client waiting for the server to close the transport (after which
    /// [`is_finished`](Self::is_finished) is true). Calling it early or twice does nothing.
    pub fn handle_timeout(&mut self, now: Duration) {
        if self.is_finished() {
            return;
        }
        if self.timers.pong_deadline.is_some_and(|d| now >= d) {
            self.timers.pong_deadline = None;
            self.fail(now, ConnectionError::PongTimeout);
            // The peer is unresponsive: there is nothing to wait for.
            self.life.end_transport();
            return;
        }
        if self.life.is_open() && self.timers.keepalive_at.is_some_and(|k| now >= k) {
            self.timers.keepalive_at = self
                .config
                .keepalive_interval
                .map(|i| now.saturating_add(i));
            if self.out.urgent_len() < super::MAX_URGENT {
                match self.frame_header(Opcode::Ping, true, 0, 0) {
                    Ok(header) => self.out.push_urgent(header, &[]),
                    Err(_) => {
                        self.fail_entropy();
                        return;
                    }
                }
                if self.timers.pong_deadline.is_none() {
                    self.timers.pong_deadline = Some(now.saturating_add(self.config.pong_timeout));
                }
            }
        }
        if self.timers.close_deadline.is_some_and(|d| now >= d) {
            if let State::Closing { .. } = self.life.state() {
                self.life.set(State::Closed(Closure::Failed(
                    ConnectionError::CloseTimeout,
                )));
            }
            self.life.end_transport();
        }
    }
}
