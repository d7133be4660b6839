//! The send queue: frames waiting to be written to the transport.
//!
//! Data frames are stored encoded (header, then payload, masked for a client) back to back in
//! one [`SendBuffer`], so a steady stream of messages reuses the same memory and many small
//! frames leave in one write. Frame boundaries inside the buffer are found by re-reading the
//! headers we wrote. Control frames are kept inline (at most 139 bytes each): the automatic
//! pong (one slot, replaced by a newer ping's), up to [`MAX_URGENT`] application pings and
//! pongs, and the Close. Pings and pongs overtake queued data at the next frame boundary;
//! the Close goes after all queued data; nothing is sent after the Close.
//!
//! With `alloc`, one large payload the caller handed over by value
//! ([`Connection::send_binary_owned`](super::Connection::send_binary_owned)) can stay in its
//! own `Vec`: only its header goes into the buffer, and the payload is written from where it
//! lies, logically right after that header (frames queued later follow it in the buffer).

use super::buffer::SendBuffer;
use crate::frame::{FrameHeader, MAX_CONTROL_PAYLOAD, MAX_HEADER_LEN};
use crate::mask::apply_mask;

/// A drained send queue larger than this gives its memory back (smaller ones keep it, so a
/// steady stream of small messages does not allocate).
const KEEP_CAPACITY: usize = 32 * 1024;

/// The smallest payload that [`Connection::send_binary_owned`](super::Connection::send_binary_owned)
/// and `send_text_owned` write from the caller's buffer instead of copying into the queue:
/// below it the copy costs little, and frames copied into the queue leave together in one
/// write.
#[cfg(feature = "alloc")]
pub const OWNED_PAYLOAD_MIN: usize = 16 * 1024;

/// How many application pings and pongs may wait at once. Each slot is 139 bytes inline in
/// every connection; they drain at the next frame boundary, so a few are enough.
pub const MAX_URGENT: usize = 4;

/// One piece of output: write `header`, then `payload` (one vectored write), then report how
/// much went out with [`Connection::advance_transmit`](super::Connection::advance_transmit).
///
/// `header` is the unsent part of the current frame's header; `payload` is what follows it:
/// the rest of that frame and, when no control frame is waiting, the frames queued after it,
/// so many small messages leave in one write. Nothing is copied to build it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transmit<'a> {
    /// Header bytes still to send (possibly empty).
    pub header: &'a [u8],
    /// The bytes after them (possibly empty).
    pub payload: &'a [u8],
    /// `header` and `payload` as one slice, when they lie next to each other in memory
    /// (everything but a payload kept in its own buffer).
    contiguous: Option<&'a [u8]>,
}

impl<'a> Transmit<'a> {
    /// The piece `all`, its first `header_len` bytes being header.
    fn split(all: &'a [u8], header_len: usize) -> Transmit<'a> {
        let (header, payload) = all.split_at(header_len);
        Transmit {
            header,
            payload,
            contiguous: Some(all),
        }
    }

    /// `header` and `payload` as one slice, when they lie next to each other in memory (as
    /// they do unless the payload is kept in its own buffer, see
    /// [`Connection::send_binary_owned`](super::Connection::send_binary_owned)): one plain
    /// write instead of a vectored one.
    #[inline]
    pub fn as_contiguous(&self) -> Option<&'a [u8]> {
        self.contiguous
    }
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

/// An encoded control frame.
#[derive(Clone, Copy, Debug)]
struct Control {
    bytes: [u8; MAX_HEADER_LEN + MAX_CONTROL_PAYLOAD],
    len: u8,
    header_len: u8,
}

impl Control {
    fn new(header: FrameHeader, payload: &[u8]) -> Control {
        let payload = &payload[..payload.len().min(MAX_CONTROL_PAYLOAD)];
        let head = header.to_bytes();
        let mut bytes = [0u8; MAX_HEADER_LEN + MAX_CONTROL_PAYLOAD];
        bytes[..head.len()].copy_from_slice(&head);
        let end = head.len() + payload.len();
        bytes[head.len()..end].copy_from_slice(payload);
        if let Some(key) = header.mask {
            apply_mask(&mut bytes[head.len()..end], key, 0);
        }
        Control {
            bytes,
            len: end as u8,
            header_len: head.len() as u8,
        }
    }

    fn len(&self) -> usize {
        usize::from(self.len)
    }
}

/// A fixed ring of control frames.
#[derive(Clone, Debug)]
struct ControlRing {
    items: [Option<Control>; MAX_URGENT],
    head: usize,
    len: usize,
}

impl ControlRing {
    const fn new() -> ControlRing {
        ControlRing {
            items: [None; MAX_URGENT],
            head: 0,
            len: 0,
        }
    }

    fn push(&mut self, control: Control) {
        if self.len < MAX_URGENT {
            self.items[(self.head + self.len) % MAX_URGENT] = Some(control);
            self.len += 1;
        }
    }

    fn pop(&mut self) -> Option<Control> {
        if self.len == 0 {
            return None;
        }
        let item = self.items[self.head].take();
        self.head = (self.head + 1) % MAX_URGENT;
        self.len -= 1;
        item
    }

    fn clear(&mut self) {
        *self = ControlRing::new();
    }
}

#[derive(Debug)]
pub(crate) struct Outbound<B> {
    /// Encoded data frames; `buf[sent..]` is still to go.
    buf: B,
    sent: usize,
    /// The data frame containing `buf[sent]`: `[frame_start, frame_end)`; equal when it has
    /// not been measured yet (or the buffer is empty).
    frame_start: usize,
    frame_end: usize,
    /// The header length of the frame at `frame_start`.
    frame_header: usize,
    pong: Option<Control>,
    urgent: ControlRing,
    close: Option<Control>,
    /// A control frame being written, and how many of its bytes went out.
    current: Option<(Control, usize, bool)>,
    close_sent: bool,
    /// A data frame's payload kept in the caller's buffer instead of being copied in.
    #[cfg(feature = "alloc")]
    owned: Option<OwnedPayload>,
}

/// A payload written from its own `Vec`: its frame's header is `buf[header_start..at]`, and
/// the payload goes between `buf[..at]` and `buf[at..]`.
#[cfg(feature = "alloc")]
#[derive(Debug)]
struct OwnedPayload {
    data: alloc::vec::Vec<u8>,
    header_start: usize,
    at: usize,
    /// Payload bytes written.
    sent: usize,
}

#[cfg(feature = "alloc")]
impl OwnedPayload {
    fn unsent(&self) -> &[u8] {
        &self.data[self.sent..]
    }
}

impl<B: SendBuffer> Outbound<B> {
    pub(crate) fn new(buf: B) -> Outbound<B> {
        Outbound {
            buf,
            sent: 0,
            frame_start: 0,
            frame_end: 0,
            frame_header: 0,
            pong: None,
            urgent: ControlRing::new(),
            close: None,
            current: None,
            close_sent: false,
            #[cfg(feature = "alloc")]
            owned: None,
        }
    }

    /// Bytes of queued data frames not yet written (headers included).
    pub(crate) fn queued_bytes(&self) -> usize {
        self.buf.as_slice().len() - self.sent + self.owned_unsent()
    }

    /// Unsent bytes of the payload kept in its own buffer.
    #[inline]
    fn owned_unsent(&self) -> usize {
        #[cfg(feature = "alloc")]
        if let Some(o) = &self.owned {
            return o.data.len() - o.sent;
        }
        0
    }

    /// Whether a payload is kept in its own buffer (only one can be).
    #[cfg(feature = "alloc")]
    pub(crate) fn has_owned(&self) -> bool {
        self.owned.is_some()
    }

    /// Queues a data frame whose payload stays in `payload` (masked there for a client);
    /// the caller checked [`make_room`](Self::make_room) for the header and that no other
    /// payload is kept ([`has_owned`](Self::has_owned)).
    #[cfg(feature = "alloc")]
    pub(crate) fn push_owned(&mut self, header: FrameHeader, mut payload: alloc::vec::Vec<u8>) {
        let header_start = self.buf.as_slice().len();
        self.buf.extend_from_slice(&header.to_bytes());
        if let Some(key) = header.mask {
            apply_mask(&mut payload, key, 0);
        }
        self.owned = Some(OwnedPayload {
            data: payload,
            header_start,
            at: self.buf.as_slice().len(),
            sent: 0,
        });
    }

    /// Makes room for `additional` more bytes of data frames if it can; returns whether they
    /// fit. Sent frames at the front are dropped (moving the rest down) only when the bytes
    /// would not fit otherwise and at least as many were sent as remain: a slow reader is
    /// served from the same memory, and draining a large message never moves it.
    pub(crate) fn make_room(&mut self, additional: usize) -> bool {
        let len = self.buf.as_slice().len();
        let cut = self.frame_start;
        if self.buf.spare_capacity() < additional && cut > 0 && cut >= len - cut {
            self.buf.drain_front(cut);
            self.sent -= cut;
            self.frame_start = 0;
            self.frame_end -= cut;
            #[cfg(feature = "alloc")]
            if let Some(o) = &mut self.owned {
                // `cut <= sent <= at`: the kept payload's place moves down with the rest.
                o.header_start = o.header_start.saturating_sub(cut);
                o.at -= cut;
            }
        }
        self.buf.has_room(additional)
    }

    /// The send buffer's fixed capacity, if it has one.
    pub(crate) fn capacity(&self) -> Option<usize> {
        self.buf.capacity()
    }

    /// Where the data queue ends now, to [`rollback`](Self::rollback) to.
    pub(crate) fn mark(&self) -> usize {
        self.buf.as_slice().len()
    }

    /// Drops the data frames queued since `mark` (none of them has started to go out: a
    /// refused message leaves nothing behind).
    pub(crate) fn rollback(&mut self, mark: usize) {
        if mark >= self.sent {
            self.buf.truncate(mark);
            #[cfg(feature = "alloc")]
            if self.owned.as_ref().is_some_and(|o| o.header_start >= mark) {
                self.owned = None;
            }
        }
    }

    /// Whether our Close is queued or sent.
    pub(crate) fn has_close(&self) -> bool {
        self.close.is_some() || self.close_sent || matches!(self.current, Some((_, _, true)))
    }

    /// Drops everything, even the frame under way, and releases the buffer's memory:
    /// nothing more can be sent.
    pub(crate) fn abort_all(&mut self) {
        self.buf.release();
        self.sent = 0;
        self.frame_start = 0;
        self.frame_end = 0;
        self.pong = None;
        self.urgent.clear();
        self.close = None;
        self.current = None;
        self.close_sent = true;
        #[cfg(feature = "alloc")]
        {
            self.owned = None;
        }
    }

    pub(crate) fn urgent_len(&self) -> usize {
        self.urgent.len
    }

    /// Whether nothing is waiting to be written.
    pub(crate) fn is_empty(&self) -> bool {
        self.close_sent
            || (self.current.is_none()
                && self.queued_bytes() == 0
                && self.pong.is_none()
                && self.urgent.len == 0
                && self.close.is_none())
    }

    /// Queues a data frame; the caller checked [`make_room`](Self::make_room).
    pub(crate) fn push_data(&mut self, header: FrameHeader, payload: &[u8]) {
        let head = header.to_bytes();
        self.buf.extend_from_slice(&head);
        let start = self.buf.as_slice().len();
        self.buf.extend_from_slice(payload);
        if let Some(key) = header.mask {
            apply_mask(&mut self.buf.as_mut_slice()[start..], key, 0);
        }
    }

    /// Queues the Close, to go after all queued data.
    pub(crate) fn push_close(&mut self, header: FrameHeader, payload: &[u8]) {
        self.close = Some(Control::new(header, payload));
    }

    /// Queues an application ping or pong, ahead of data at the next frame boundary.
    pub(crate) fn push_urgent(&mut self, header: FrameHeader, payload: &[u8]) {
        self.urgent.push(Control::new(header, payload));
    }

    /// Sets the automatic pong, replacing one that has not started to go out.
    pub(crate) fn set_pong(&mut self, header: FrameHeader, payload: &[u8]) {
        self.pong = Some(Control::new(header, payload));
    }

    /// Drops queued data frames that have not started to go out, and pending pings and
    /// pongs (the connection failed: the Close goes next).
    pub(crate) fn abort_data(&mut self) {
        self.measure();
        // A kept payload's frame starts at its header, which `frame_start` stays on until
        // the payload is out: under way, it is kept whole like any other frame.
        let keep = if self.sent > self.frame_start {
            self.frame_end
        } else {
            self.sent
        };
        self.buf.truncate(keep);
        #[cfg(feature = "alloc")]
        if self.owned.as_ref().is_some_and(|o| o.at > keep) {
            self.owned = None;
        }
        self.pong = None;
        self.urgent.clear();
    }

    /// The next piece of output, or `None` when nothing is queued.
    pub(crate) fn transmit(&mut self) -> Option<Transmit<'_>> {
        if self.close_sent {
            return None;
        }
        self.measure();
        let at_boundary = self.sent == self.frame_start;
        if self.current.is_none() && at_boundary {
            let next = match self.pong.take().or_else(|| self.urgent.pop()) {
                Some(control) => Some((control, false)),
                // The Close follows the last data frame.
                None if self.queued_bytes() == 0 => self.close.take().map(|c| (c, true)),
                None => None,
            };
            self.current = next.map(|(control, is_close)| (control, 0, is_close));
        }
        if let Some((control, done, _)) = &self.current {
            let split = usize::from(control.header_len).max(*done);
            return Some(Transmit::split(
                &control.bytes[*done..control.len()],
                split - *done,
            ));
        }
        let bytes = self.buf.as_slice();
        #[cfg(feature = "alloc")]
        if let Some(o) = &self.owned {
            if self.sent >= o.header_start {
                // The kept payload's frame: the rest of its header, then the payload.
                return Some(Transmit {
                    header: &bytes[self.sent..o.at],
                    payload: o.unsent(),
                    contiguous: None,
                });
            }
        }
        if self.sent == bytes.len() {
            return None;
        }
        // A waiting ping or pong gets in at the end of the current frame.
        let waiting = self.pong.is_some() || self.urgent.len > 0;
        let end = if waiting { self.frame_end } else { bytes.len() };
        // Frames before the kept payload's go first, up to its header.
        #[cfg(feature = "alloc")]
        let end = match &self.owned {
            Some(o) => end.min(o.header_start),
            None => end,
        };
        let split = (self.frame_start + self.frame_header).clamp(self.sent, end);
        Some(Transmit::split(&bytes[self.sent..end], split - self.sent))
    }

    /// Records that `n` bytes of the piece returned by [`transmit`](Self::transmit) were
    /// written.
    pub(crate) fn advance(&mut self, n: usize) {
        if let Some((control, done, is_close)) = &mut self.current {
            *done = (*done + n).min(control.len());
            if *done == control.len() {
                let is_close = *is_close;
                self.current = None;
                if is_close {
                    // "The application MUST NOT send any more data frames after sending a
                    // Close frame" (5.5.1): whatever is left is dropped.
                    self.close_sent = true;
                    self.buf.truncate(0);
                    #[cfg(feature = "alloc")]
                    {
                        self.owned = None;
                    }
                    self.sent = 0;
                    self.frame_start = 0;
                    self.frame_end = 0;
                    self.pong = None;
                    self.urgent.clear();
                }
            }
            return;
        }
        #[cfg(feature = "alloc")]
        if let Some(o) = &mut self.owned {
            if self.sent >= o.header_start {
                let header = o.at - self.sent;
                self.sent += n.min(header);
                o.sent = (o.sent + n.saturating_sub(header)).min(o.data.len());
                if o.sent < o.data.len() {
                    return;
                }
                // Its frame is out: the buffer goes on right after its header.
                let at = o.at;
                self.owned = None;
                self.frame_start = at;
                self.frame_end = at;
                self.reclaim();
                return;
            }
        }
        let len = self.buf.as_slice().len();
        self.sent = (self.sent + n).min(len);
        loop {
            self.measure();
            if self.frame_end > self.frame_start && self.sent >= self.frame_end {
                self.frame_start = self.frame_end;
                continue;
            }
            break;
        }
        self.reclaim();
    }

    /// Measures the frame at `frame_start` if that has not been done yet.
    fn measure(&mut self) {
        let bytes = self.buf.as_slice();
        if self.frame_end != self.frame_start || self.frame_start >= bytes.len() {
            return;
        }
        #[cfg(feature = "alloc")]
        if let Some(o) = &self.owned {
            if o.header_start == self.frame_start {
                // Only its header is in the buffer.
                self.frame_header = o.at - o.header_start;
                self.frame_end = o.at;
                return;
            }
        }
        // We wrote this header ourselves, so it parses; fall back to "the rest" defensively.
        match FrameHeader::parse(&bytes[self.frame_start..]) {
            Ok(Some((header, header_len))) => {
                self.frame_header = header_len;
                let payload = usize::try_from(header.payload_len).unwrap_or(usize::MAX);
                self.frame_end = self
                    .frame_start
                    .saturating_add(header_len)
                    .saturating_add(payload)
                    .min(bytes.len());
            }
            _ => {
                self.frame_header = 0;
                self.frame_end = bytes.len();
            }
        }
    }

    fn reclaim(&mut self) {
        if self.sent == self.buf.as_slice().len() && self.owned_unsent() == 0 {
            if self.buf.spare_capacity() + self.sent > KEEP_CAPACITY {
                // A large message went out: do not hold its memory while idle.
                self.buf.shrink_drained();
            } else {
                self.buf.truncate(0);
            }
            self.sent = 0;
            self.frame_start = 0;
            self.frame_end = 0;
        }
    }
}
