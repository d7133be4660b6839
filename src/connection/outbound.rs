//! The send queue: frames waiting to be written to the transport.
//!
//! Data frames and Close are kept in order; their payloads sit back to back in one byte
//! buffer, so a steady stream of messages reuses the same allocation. Pings and pongs are
//! small and kept inline; they may overtake queued data frames, but only at a frame boundary
//! (a frame whose first byte went out is always finished first). Nothing is sent after Close.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use crate::frame::{EncodedHeader, Header, MAX_CONTROL_PAYLOAD};
use crate::mask::apply_mask;

/// How many pings and pongs the application may have waiting at once.
pub(crate) const MAX_URGENT: usize = 16;

/// One piece of output: the unsent part of a frame's header, then of its payload.
///
/// An adapter writes both with one vectored write (the payload is never copied into a
/// separate buffer), then reports how much went out with
/// [`Connection::advance_transmit`](super::Connection::advance_transmit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transmit<'a> {
    /// Header bytes still to send (possibly empty once the header went out).
    pub header: &'a [u8],
    /// Payload bytes still to send (possibly empty).
    pub payload: &'a [u8],
}

impl Transmit<'_> {
    /// Total bytes in this piece.
    #[inline]
    pub fn len(&self) -> usize {
        self.header.len() + self.payload.len()
    }

    /// Whether there is nothing to send (never true for a value returned by the connection).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Clone, Copy, Debug)]
enum Payload {
    /// `len` bytes at the front of the shared payload buffer.
    Shared(usize),
    /// A control payload of this many bytes (already masked for a client), kept next to the
    /// frame in a [`Control`] until the frame starts, then in [`Outbound::inline`].
    Inline(u8),
}

#[derive(Clone, Copy, Debug)]
struct Queued {
    header: EncodedHeader,
    payload: Payload,
    is_close: bool,
}

impl Queued {
    fn len(&self) -> usize {
        self.header.len()
            + match self.payload {
                Payload::Shared(len) => len,
                Payload::Inline(len) => usize::from(len),
            }
    }
}

/// A queued control frame with its payload bytes.
///
/// The bytes are kept out of [`Queued`] on purpose: data frames are queued, popped and copied
/// once per message, and carrying a 125-byte array in every entry made each of those copies
/// four and a half times larger (144 bytes instead of 32).
#[derive(Clone, Copy, Debug)]
struct Control {
    frame: Queued,
    bytes: [u8; MAX_CONTROL_PAYLOAD],
}

#[derive(Debug)]
pub(crate) struct Outbound {
    /// Payload bytes of queued data frames; `bytes[sent..]` is still to go.
    bytes: Vec<u8>,
    sent: usize,
    /// Data frames and Close, in order.
    frames: VecDeque<Queued>,
    /// The payload of the queued Close (the last entry of `frames`).
    close_payload: [u8; MAX_CONTROL_PAYLOAD],
    /// Application pings and pongs.
    urgent: VecDeque<Control>,
    /// The automatic reply to the most recent ping, replaced by a newer one until it starts.
    pong: Option<Control>,
    /// The frame being written, and how many of its bytes went out.
    current: Option<(Queued, usize)>,
    /// The payload of `current` when it is a control frame.
    inline: [u8; MAX_CONTROL_PAYLOAD],
    close_sent: bool,
}

impl Outbound {
    pub(crate) fn new() -> Outbound {
        Outbound {
            bytes: Vec::new(),
            sent: 0,
            frames: VecDeque::new(),
            close_payload: [0; MAX_CONTROL_PAYLOAD],
            urgent: VecDeque::new(),
            pong: None,
            current: None,
            inline: [0; MAX_CONTROL_PAYLOAD],
            close_sent: false,
        }
    }

    /// Payload bytes of data frames waiting (including the unsent part of the current one).
    pub(crate) fn queued_bytes(&self) -> usize {
        self.bytes.len() - self.sent
    }

    pub(crate) fn urgent_len(&self) -> usize {
        self.urgent.len()
    }

    /// Whether everything queued has been handed out and acknowledged.
    pub(crate) fn is_empty(&self) -> bool {
        self.current.is_none()
            && self.frames.is_empty()
            && self.urgent.is_empty()
            && self.pong.is_none()
    }

    /// Queues a data frame (or a fragment) whose payload is copied into the shared buffer
    /// and masked there when `mask` is given.
    pub(crate) fn push_data(&mut self, header: Header, payload: &[u8]) {
        self.make_room(payload.len());
        let start = self.bytes.len();
        self.bytes.extend_from_slice(payload);
        if let Some(key) = header.mask {
            apply_mask(&mut self.bytes[start..], key, 0);
        }
        self.frames.push_back(Queued {
            header: header.to_bytes(),
            payload: Payload::Shared(payload.len()),
            is_close: false,
        });
    }

    /// Queues a Close frame after all queued data.
    pub(crate) fn push_close(&mut self, header: Header, payload: &[u8]) {
        let close = inline(header, payload, true);
        self.close_payload = close.bytes;
        self.frames.push_back(close.frame);
    }

    /// Queues an application ping or pong, ahead of data at the next frame boundary.
    pub(crate) fn push_urgent(&mut self, header: Header, payload: &[u8]) {
        self.urgent.push_back(inline(header, payload, false));
    }

    /// Sets the automatic pong, replacing one that has not started to go out.
    pub(crate) fn set_pong(&mut self, header: Header, payload: &[u8]) {
        self.pong = Some(inline(header, payload, false));
    }

    /// Drops every queued data frame that has not started to go out (used when the
    /// connection fails: the Close goes next).
    pub(crate) fn abort_data(&mut self) {
        self.frames.clear();
        let keep = match self.current {
            Some((
                Queued {
                    payload: Payload::Shared(len),
                    ..
                },
                _,
            )) => self.sent + len,
            _ => self.sent,
        };
        self.bytes.truncate(keep);
        self.pong = None;
        self.urgent.clear();
    }

    /// The next piece of output, or `None` when nothing is queued.
    pub(crate) fn transmit(&mut self) -> Option<Transmit<'_>> {
        if self.current.is_none() {
            let next = self.next_frame()?;
            self.current = Some((next, 0));
        }
        let (frame, done) = self.current.as_ref()?;
        let header = frame.header.as_bytes();
        let head = header.get(*done..).unwrap_or(&[]);
        let into_payload = done.saturating_sub(header.len());
        let payload = match &frame.payload {
            Payload::Shared(len) => &self.bytes[self.sent + into_payload..self.sent + len],
            Payload::Inline(len) => &self.inline[into_payload..usize::from(*len)],
        };
        Some(Transmit {
            header: head,
            payload,
        })
    }

    /// Records that `n` bytes of the current piece were written.
    pub(crate) fn advance(&mut self, mut n: usize) {
        while n > 0 {
            let Some((frame, done)) = self.current.as_mut() else {
                return;
            };
            let step = n.min(frame.len() - *done);
            *done += step;
            n -= step;
            if *done < frame.len() {
                return;
            }
            let frame = *frame;
            self.current = None;
            if let Payload::Shared(len) = frame.payload {
                self.sent += len;
                self.reclaim();
            }
            if frame.is_close {
                self.close_sent = true;
                // "The application MUST NOT send any more data frames after sending a Close
                // frame" (5.5.1): anything still queued is dropped.
                self.frames.clear();
                self.urgent.clear();
                self.pong = None;
                self.bytes.clear();
                self.sent = 0;
                return;
            }
            if n > 0 {
                // More was written than this frame: the caller wrote several pieces.
                match self.next_frame() {
                    Some(next) => self.current = Some((next, 0)),
                    None => return,
                }
            }
        }
    }

    /// Takes the next frame to write; a control frame's payload moves to `self.inline`.
    fn next_frame(&mut self) -> Option<Queued> {
        if self.close_sent {
            return None;
        }
        if let Some(control) = self.pong.take().or_else(|| self.urgent.pop_front()) {
            self.inline = control.bytes;
            return Some(control.frame);
        }
        let frame = self.frames.pop_front()?;
        if frame.is_close {
            self.inline = self.close_payload;
        }
        Some(frame)
    }

    /// Called as a frame's payload has gone out: an empty buffer starts again from its front.
    fn reclaim(&mut self) {
        if self.sent == self.bytes.len() {
            self.bytes.clear();
            self.sent = 0;
        }
    }

    /// Called before `extra` bytes are appended. When they do not fit in the spare capacity
    /// and the sent prefix is at least as large as the unsent rest, the prefix is dropped
    /// instead of growing the buffer. Moving the unsent rest then costs no more than the bytes
    /// already sent (amortised O(1) per byte), the buffer only grows while unsent bytes fill
    /// at least half of it (so its size stays proportional to the queue), and a queue that is
    /// simply being drained never moves anything (compacting as frames went out cost an extra
    /// copy of every large message).
    fn make_room(&mut self, extra: usize) {
        let unsent = self.bytes.len() - self.sent;
        if self.sent != 0 && self.bytes.capacity() - self.bytes.len() < extra && self.sent >= unsent
        {
            self.bytes.drain(..self.sent);
            self.sent = 0;
        }
    }
}

fn inline(header: Header, payload: &[u8], is_close: bool) -> Control {
    let mut bytes = [0u8; MAX_CONTROL_PAYLOAD];
    let len = payload.len().min(MAX_CONTROL_PAYLOAD);
    bytes[..len].copy_from_slice(&payload[..len]);
    if let Some(key) = header.mask {
        apply_mask(&mut bytes[..len], key, 0);
    }
    debug_assert!(header.opcode.is_control());
    Control {
        frame: Queued {
            header: header.to_bytes(),
            payload: Payload::Inline(len as u8),
            is_close,
        },
        bytes,
    }
}
