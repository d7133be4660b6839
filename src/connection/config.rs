use core::time::Duration;

/// Limits, timers and behaviour of a [`Connection`](super::Connection).
///
/// Every limit has a safe default, and memory use is bounded by them under any input: the
/// receive path holds at most one control payload (125 bytes) and, in the optional
/// [`MessageAssembler`](super::MessageAssembler), one message of `max_message_size`; the send
/// path holds at most `max_queued_bytes` plus the message being queued (see
/// [`Connection`](super::Connection#backpressure)).
///
/// ```
/// use core::time::Duration;
/// use wscore::Config;
///
/// let mut config = Config::default();
/// config.max_message_size = 16 << 20;
/// config.keepalive_interval = Some(Duration::from_secs(20));
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
    /// the connection fails with 1008.
    pub max_fragments: u32,
    /// How many bytes of data frames may wait in the send queue before sends are refused
    /// with [`SendError::QueueFull`](crate::SendError::QueueFull) (default 16 MiB). A
    /// [`FixedBuffer`](crate::FixedBuffer) also refuses what does not fit in it.
    pub max_queued_bytes: usize,
    /// Outgoing messages are split into frames of at most this many payload bytes
    /// (default 1 MiB), so no single frame exceeds a peer's frame limit.
    pub max_send_frame_payload: usize,
    /// Answer each ping with a pong automatically (default on).
    pub auto_pong: bool,
    /// Send a ping after this long without receiving anything (default off).
    pub keepalive_interval: Option<Duration>,
    /// After a keepalive ping, fail the connection if no pong arrives within this time
    /// (default 30 s; only used with `keepalive_interval`).
    pub pong_timeout: Duration,
    /// How long to wait for the peer's Close after sending ours, and for a client, how long
    /// to wait for the server to close the transport after the closing handshake
    /// (default 5 s).
    pub close_timeout: Duration,
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
            keepalive_interval: None,
            pong_timeout: Duration::from_secs(30),
            close_timeout: Duration::from_secs(5),
        }
    }
}
