//! The receive side shared by the std adapters: one read buffer the transport reads into and
//! the connection unmasks in place, and the turning of events into owned [`Message`]s.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::time::Duration;

use super::message::{CloseReason, Message};
use crate::frame::CloseCode;
use crate::{Connection, ConnectionError, Event, MessageAssembler, SendError};

/// Read buffer size: large enough that a 64 KiB frame arrives in one or two reads.
const READ_BUFFER: usize = 64 * 1024;

/// Bytes read but not yet processed, plus the message being assembled.
///
/// The buffer is zero-filled once, when the inbox is made; reads go straight into its spare
/// part (no per-read initialisation, no intermediate copy), and the connection unmasks the
/// payload where it lies.
#[derive(Debug)]
pub(crate) struct Inbox {
    buf: Vec<u8>,
    start: usize,
    end: usize,
    assembler: MessageAssembler,
}

impl Inbox {
    /// An inbox holding `leftover`: bytes that arrived with the handshake.
    pub(crate) fn new(leftover: &[u8]) -> Inbox {
        let mut buf = vec![0u8; READ_BUFFER.max(leftover.len())];
        buf[..leftover.len()].copy_from_slice(leftover);
        Inbox {
            buf,
            start: 0,
            end: leftover.len(),
            assembler: MessageAssembler::new(),
        }
    }

    /// Where the next read goes. Only called once everything read has been processed.
    pub(crate) fn spare(&mut self) -> &mut [u8] {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        &mut self.buf[self.end..]
    }

    /// Records that `n` bytes were read into [`spare`](Self::spare).
    pub(crate) fn filled(&mut self, n: usize) {
        self.end += n;
    }

    /// Feeds buffered bytes to `conn` until a whole message or a control event is ready.
    /// `Ok(None)` means everything buffered was consumed: read more.
    pub(crate) fn next(
        &mut self,
        conn: &mut Connection,
        now: Duration,
    ) -> Result<Option<Message>, ConnectionError> {
        loop {
            let end = self.end;
            let Some((event, rest)) = conn.receive(now, &mut self.buf[self.start..end])? else {
                self.start = end;
                return Ok(None);
            };
            self.start = end - rest.len();
            let message = match event {
                Event::Data(data) => match self.assembler.push(data)? {
                    Some(crate::Message::Text(text)) => Message::Text(String::from(text)),
                    Some(crate::Message::Binary(bytes)) => Message::Binary(bytes.to_vec()),
                    None => continue,
                },
                Event::Ping(payload) => Message::Ping(payload.to_vec()),
                Event::Pong(payload) => Message::Pong(payload.to_vec()),
                Event::Close(frame) => Message::Close(Some(CloseReason {
                    code: frame.code,
                    reason: String::from(frame.reason),
                })),
            };
            return Ok(Some(message));
        }
    }
}

/// Queues an owned message on `conn`.
pub(crate) fn queue(
    conn: &mut Connection,
    now: Duration,
    message: &Message,
) -> Result<(), SendError> {
    match message {
        Message::Text(text) => conn.send_text(text),
        Message::Binary(bytes) => conn.send_binary(bytes),
        Message::Ping(payload) => conn.ping(payload),
        Message::Pong(payload) => conn.pong(payload),
        Message::Close(None) => conn.close(now, CloseCode::NORMAL, ""),
        Message::Close(Some(c)) => conn.close(now, c.code, &c.reason),
    }
}
