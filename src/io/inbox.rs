//! The receive side shared by the std adapters: one read buffer the transport reads into and
//! the connection unmasks in place, and the turning of events into owned [`Message`]s.

use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;

use super::message::{CloseReason, Message};
use super::opening::StdConnection;
use crate::frame::CloseCode;
use crate::{ConnectionError, Data, Event, MessageAssembler, MessageRef, SendError};

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
    /// An inbox over `buf`, holding unprocessed bytes at `start..end`.
    pub(crate) fn new(buf: Vec<u8>, start: usize, end: usize) -> Inbox {
        Inbox {
            buf,
            start,
            end,
            assembler: MessageAssembler::new(),
        }
    }

    /// An inbox of `size` bytes holding a copy of `leftover`.
    pub(crate) fn with_leftover(size: usize, leftover: &[u8]) -> Inbox {
        let mut buf = alloc::vec![0u8; size.max(leftover.len()).max(1024)];
        buf[..leftover.len()].copy_from_slice(leftover);
        Inbox::new(buf, 0, leftover.len())
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
        conn: &mut StdConnection,
        now: Duration,
    ) -> Result<Option<Message>, ConnectionError> {
        loop {
            let end = self.end;
            let Some((event, rest)) = conn.receive(now, &mut self.buf[self.start..end])? else {
                self.start = end;
                return Ok(None);
            };
            let left = rest.len();
            let message = match event {
                Event::Data(data) => assemble(&mut self.assembler, data)?,
                Event::Decoded(data) => assemble(&mut self.assembler, data)?,
                Event::Ping(payload) => Some(Message::Ping(payload.to_vec())),
                Event::Pong(payload) => Some(Message::Pong(payload.to_vec())),
                Event::Close(close) => Some(Message::Close(Some(CloseReason {
                    code: close.code(),
                    reason: String::from(close.reason()),
                }))),
            };
            self.start = end - left;
            if let Some(message) = message {
                return Ok(Some(message));
            }
        }
    }
}

fn assemble(
    assembler: &mut MessageAssembler,
    data: Data<'_>,
) -> Result<Option<Message>, ConnectionError> {
    Ok(match assembler.push(data)? {
        Some(MessageRef::Text(text)) => Some(Message::Text(String::from(text))),
        Some(MessageRef::Binary(bytes)) => Some(Message::Binary(bytes.to_vec())),
        None => None,
    })
}

/// Queues an owned message on `conn`.
pub(crate) fn queue(
    conn: &mut StdConnection,
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
