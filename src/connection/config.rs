use core::time::Duration;

/// Limits, timers and behaviour of a [`Connection`](super::Connection).
///
/// Every limit has a safe default, and memory use is bounded by them under any input: the
/// receive path holds at most one control payload (125 bytes) and, in the optional
/// [`MessageAssembler`](super::MessageAssembler), one message of `max_message_size`; the send
/// path holds at most `max_queued_bytes` plus the message being queued (see
/// [`Connection`](super::Connection#backpressure)).
///
/// Set it with the chaining setters (each documents its edge values), or assign the public
/// fields directly; either way the connection applies the same rules to edge values.
///
/// ```
/// use core::time::Duration;
/// use wscore::Config;
///
/// let config = Config::default()
///     .max_message_size(16 << 20)
///     .keepalive_interval(Some(Duration::from_secs(20)));
/// assert_eq!(config.max_message_size, 16 << 20);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// The largest payload one received frame may declare (default 16 MiB). Checked from the
    /// header, before any payload arrives; over it the connection fails with 1009.
    pub max_frame_payload: u64,
    /// The largest message, summed over its fragments (default 64 MiB). Checked as each
    /// frame header arrives; over it the connection fails with 1009.
    pub max_message_size: u64,
    /// The most frames one received message may be split into (default 131,072). Over it
    /// the connection fails with 1008. 0 counts as 1 (every message needs a frame).
    pub max_fragments: u32,
    /// How many bytes of data frames may wait in the send queue before sends are refused
    /// with [`SendError::MessageQueueFull`](crate::SendError::MessageQueueFull) (default
    /// 16 MiB). A message is accepted whole while fewer bytes wait, and always when nothing
    /// waits, so 0 means "one message at a time". A
    /// [`FixedBuffer`](crate::FixedBuffer) also refuses what does not fit in it.
    pub max_queued_bytes: usize,
    /// Outgoing messages are split into frames of at most this many payload bytes
    /// (default 1 MiB), so no single frame exceeds a peer's frame limit. 0 counts as 1.
    pub max_send_frame_payload: usize,
    /// Answer each ping with a pong automatically (default on).
    pub auto_pong: bool,
    /// Send a ping after this long without receiving anything (default 20 s, as python
    /// `websockets`; `None` turns keepalive off). Intervals under 1 ms count as 1 ms.
    pub keepalive_interval: Option<Duration>,
    /// After a keepalive ping, fail the connection if no pong arrives within this time
    /// (default 20 s; only used with `keepalive_interval`): a dead peer is detected within
    /// `keepalive_interval + pong_timeout` of its last byte.
    pub pong_timeout: Duration,
    /// How long to wait for the peer's Close after sending ours, and for a client, how long
    /// to wait for the server to close the transport after the closing handshake
    /// (default 5 s).
    pub close_timeout: Duration,
}

impl Config {
    /// The defaults (the same as [`Config::default`]).
    pub fn new() -> Config {
        Config::default()
    }

    /// Sets [`max_frame_payload`](Self#structfield.max_frame_payload).
    #[must_use]
    pub fn max_frame_payload(mut self, bytes: u64) -> Config {
        self.max_frame_payload = bytes;
        self
    }

    /// Sets [`max_message_size`](Self#structfield.max_message_size).
    #[must_use]
    pub fn max_message_size(mut self, bytes: u64) -> Config {
        self.max_message_size = bytes;
        self
    }

    /// Sets [`max_fragments`](Self#structfield.max_fragments) (0 counts as 1).
    #[must_use]
    pub fn max_fragments(mut self, frames: u32) -> Config {
        self.max_fragments = frames;
        self
    }

    /// Sets [`max_queued_bytes`](Self#structfield.max_queued_bytes).
    #[must_use]
    pub fn max_queued_bytes(mut self, bytes: usize) -> Config {
        self.max_queued_bytes = bytes;
        self
    }

    /// Sets [`max_send_frame_payload`](Self#structfield.max_send_frame_payload) (0 counts
    /// as 1).
    #[must_use]
    pub fn max_send_frame_payload(mut self, bytes: usize) -> Config {
        self.max_send_frame_payload = bytes;
        self
    }

    /// Sets [`auto_pong`](Self#structfield.auto_pong).
    #[must_use]
    pub fn auto_pong(mut self, on: bool) -> Config {
        self.auto_pong = on;
        self
    }

    /// Sets [`keepalive_interval`](Self#structfield.keepalive_interval).
    #[must_use]
    pub fn keepalive_interval(mut self, interval: Option<Duration>) -> Config {
        self.keepalive_interval = interval;
        self
    }

    /// Sets [`pong_timeout`](Self#structfield.pong_timeout).
    #[must_use]
    pub fn pong_timeout(mut self, timeout: Duration) -> Config {
        self.pong_timeout = timeout;
        self
    }

    /// Sets [`close_timeout`](Self#structfield.close_timeout).
    #[must_use]
    pub fn close_timeout(mut self, timeout: Duration) -> Config {
        self.close_timeout = timeout;
        self
    }

    /// The configuration with the edge values replaced by what they count as.
    pub(crate) fn normalized(mut self) -> Config {
        self.max_fragments = self.max_fragments.max(1);
        self.max_send_frame_payload = self.max_send_frame_payload.max(1);
        self.keepalive_interval = self
            .keepalive_interval
            .map(|i| i.max(Duration::from_millis(1)));
        self
    }
}

impl Default for Config {
    fn default() -> Config {
        Config {
            max_frame_payload: 16 << 20,
            max_message_size: 64 << 20,
            max_fragments: 1 << 17,
            max_queued_bytes: 16 << 20,
            max_send_frame_payload: 1 << 20,
            auto_pong: true,
            keepalive_interval: Some(Duration::from_secs(20)),
            pong_timeout: Duration::from_secs(20),
            close_timeout: Duration::from_secs(5),
        }
    }
}
