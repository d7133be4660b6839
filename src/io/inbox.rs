//! The receive side shared by the std adapters: one read buffer the transport reads into and
//! the connection unmasks in place, and the turning of events into owned [`Message`]s.

use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;

use super::message::{CloseReason, Message};
use super::opening::StdConnection;
use crate::frame::CloseCode;
use crate::{ConnectionError, DataKind, Event, ProtocolError, SendError};

/// The read buffer's size while nothing large is arriving (and during the handshake).
pub(crate) const SMALL_READ_BUFFER: usize = 4096;

/// The most a message being assembled reserves up front from its frames' declared lengths;
/// beyond it the buffer grows as bytes actually arrive (a peer declaring a huge frame costs
/// nothing until it sends it).
const MAX_RESERVE: usize = 1 << 20;

/// Bytes read but not yet processed, plus the message being assembled.
///
/// An inbox with nothing buffered can give its read buffer back
/// ([`release`](Self::release); it starts that way when the handshake left nothing
/// unread), so a connection that waits for its peer holds no read buffer at all: the async
/// adapter then reads into a small stack buffer ([`PROBE`]) and only allocates when bytes
/// arrive ([`refill`](Self::refill)); [`spare`](Self::spare) allocates too.
///
/// The buffer starts small ([`SMALL_READ_BUFFER`], or the configured size if smaller) and
/// grows to the configured `read_buffer` once a read fills it; [`shrink`](Self::shrink)
/// (called when the transport has nothing more to read) gives the large buffer back, so an
/// idle connection holds only the small one. Only the part grown into is zero-filled; reads
/// go straight into the spare part (no per-read initialisation, no intermediate copy), and
/// the connection unmasks the payload where it lies.
///
/// A message that arrives whole in one read is copied once, from the read buffer into the
/// owned [`Message`]. One that spans reads (or frames) is collected into a buffer reserved
/// from the frame's declared length, and that buffer becomes the message (no second copy).
#[derive(Debug)]
pub(crate) struct Inbox {
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// The size to shrink back to.
    small: usize,
    /// The size to grow to.
    large: usize,
    /// The last read filled the small buffer: grow before the next one.
    grow: bool,
    /// The last read filled the buffer: more is probably on its way, keep it large.
    full: bool,
    /// The message being assembled and its kind. While large payloads are read straight
    /// into it, its `len` may run ahead of the bytes assembled (`assembled`): that tail is
    /// zero-filled already, so the next read there needs no second zero-fill.
    partial: Vec<u8>,
    partial_kind: DataKind,
    assembled: usize,
    /// Payload bytes the next read may put straight into `partial` (see
    /// [`Connection::data_payload_remaining`]); 0: the next read goes into `buf`.
    direct: usize,
    /// Bytes the last read put into `partial` at `assembled`, still to be processed.
    direct_read: usize,
    /// A sent message's buffer, kept for the next received one (see [`recycle`](Self::recycle)).
    recycled: Vec<u8>,
}

/// The largest sent message buffer kept for reuse: the small read buffer's size, so that
/// an idle connection holds little, while the messages of a steady echo or request/response
/// stream of small messages cost no allocation.
const MAX_RECYCLED: usize = SMALL_READ_BUFFER;

/// The least payload still to come for which the next read goes straight into the message
/// being assembled: below it, one read into the read buffer takes that payload and whatever
/// follows it.
const DIRECT_MIN: usize = SMALL_READ_BUFFER;

/// The size of the stack buffer a released inbox's first read goes into (at most the
/// smallest read buffer, [`Options::read_buffer`](super::Options::read_buffer)'s 1 KiB
/// floor, so that [`refill`](Inbox::refill) always fits).
#[cfg(any(feature = "tokio", feature = "futures-io"))]
pub(crate) const PROBE: usize = 1024;

/// A data event, its payload still where the connection left it.
enum Piece {
    /// Borrowed from the read buffer, the `len` bytes just before the unread rest.
    InBuffer {
        kind: DataKind,
        first: bool,
        last: bool,
        len: usize,
    },
    /// Copied out already (the extension's output, borrowed from the connection).
    Copied { last: bool },
}

impl Inbox {
    /// An inbox over `buf`, holding unprocessed bytes at `start..end`; the buffer grows up
    /// to `large` bytes (or stays at `buf`'s size if that is larger).
    /// With nothing unprocessed, the inbox starts released (`buf` is dropped).
    pub(crate) fn new(mut buf: Vec<u8>, start: usize, end: usize, large: usize) -> Inbox {
        let small = initial_len(large);
        let large = large.max(buf.len());
        let (start, end) = if start == end {
            buf = Vec::new();
            (0, 0)
        } else {
            (start, end)
        };
        Inbox {
            buf,
            start,
            end,
            small,
            large,
            grow: false,
            full: false,
            partial: Vec::new(),
            partial_kind: DataKind::Binary,
            assembled: 0,
            direct: 0,
            direct_read: 0,
            recycled: Vec::new(),
        }
    }

    /// Keeps the buffer of a message whose bytes were just queued to hold the next message
    /// received, if it is larger than the one kept and at most
    /// [`MAX_RECYCLED`] bytes.
    pub(crate) fn recycle(&mut self, buf: Vec<u8>) {
        if buf.capacity() > self.recycled.capacity() && buf.capacity() <= MAX_RECYCLED {
            self.recycled = buf;
        }
    }

    /// An inbox growing up to `size` bytes, holding a copy of `leftover` (released if
    /// there is none).
    pub(crate) fn with_leftover(size: usize, leftover: &[u8]) -> Inbox {
        if leftover.is_empty() {
            return Inbox::new(Vec::new(), 0, 0, size);
        }
        let mut buf = alloc::vec![0u8; initial_len(size).max(leftover.len())];
        buf[..leftover.len()].copy_from_slice(leftover);
        Inbox::new(buf, 0, leftover.len(), size)
    }

    /// Whether the inbox holds no read buffer (see [`release`](Self::release)).
    #[cfg(any(feature = "tokio", feature = "futures-io", test))]
    pub(crate) fn is_released(&self) -> bool {
        self.buf.is_empty()
    }

    /// Gives the read buffer and the recycled message buffer back if nothing is buffered or
    /// being assembled: for a connection that has been idle for a while (the async adapter
    /// calls it when a timer fires, e.g. the keepalive ping). The next read allocates again.
    #[cfg(any(feature = "tokio", feature = "futures-io", test))]
    pub(crate) fn release(&mut self) {
        if self.start == self.end && self.assembled == 0 && self.direct_read == 0 {
            self.buf = Vec::new();
            self.recycled = Vec::new();
            self.start = 0;
            self.end = 0;
            self.grow = false;
            self.full = false;
        }
    }

    /// Takes the bytes a released inbox's first read put in a [`PROBE`] buffer.
    #[cfg(any(feature = "tokio", feature = "futures-io", test))]
    pub(crate) fn refill(&mut self, bytes: &[u8]) {
        let spare = self.spare();
        spare[..bytes.len()].copy_from_slice(bytes);
        self.filled(bytes.len());
    }

    /// Where the next read goes (allocating the small buffer if the inbox is released):
    /// the read buffer, or, in the middle of a large payload, the message being assembled.
    /// Only called once everything read has been processed.
    pub(crate) fn spare(&mut self) -> &mut [u8] {
        if self.direct > 0 {
            let end = self.assembled + self.direct;
            if self.partial.len() < end {
                self.partial.resize(end, 0);
            }
            return &mut self.partial[self.assembled..end];
        }
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        if self.buf.is_empty() {
            self.buf.resize(self.small, 0);
        }
        if self.grow {
            self.grow = false;
            // Zero-fills only the new part; what is copied along (if the allocator moves
            // the buffer) is at most the small buffer.
            self.buf.resize(self.large, 0);
        }
        &mut self.buf[self.end..]
    }

    /// Records that `n` bytes were read into [`spare`](Self::spare).
    pub(crate) fn filled(&mut self, n: usize) {
        if self.direct > 0 {
            self.direct = 0;
            self.direct_read = n;
            return;
        }
        self.end += n;
        self.full = self.end == self.buf.len();
        if self.full && self.buf.len() < self.large {
            self.grow = true;
        }
    }

    /// The transport has nothing more to read for now: give back the large read buffer if
    /// it holds nothing unprocessed, no message is being assembled (the rest of a large
    /// message is on its way: growing again would zero-fill the buffer again), and the last
    /// read did not fill it (a stream of large messages keeps it instead of growing it
    /// again for every batch).
    #[cfg(any(feature = "tokio", feature = "futures-io", test))]
    pub(crate) fn shrink(&mut self) {
        if self.buf.len() > self.small
            && self.start == self.end
            && self.assembled == 0
            && !self.full
        {
            self.start = 0;
            self.end = 0;
            self.buf.truncate(self.small);
            self.buf.shrink_to_fit();
        }
    }

    /// Bytes of memory held (read buffer and assembly buffer), for tests.
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.buf.capacity() + self.partial.capacity()
    }

    /// The read buffer's size, for tests.
    #[cfg(test)]
    fn read_buffer_capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Feeds buffered bytes to `conn` until a whole message or a control event is ready.
    /// `Ok(None)` means everything buffered was consumed: read more.
    pub(crate) fn next(
        &mut self,
        conn: &mut StdConnection,
        now: Duration,
    ) -> Result<Option<Message>, ConnectionError> {
        if self.direct_read > 0 {
            if let Some(message) = self.next_direct(conn, now)? {
                return Ok(Some(message));
            }
        }
        loop {
            let end = self.end;
            let Some((event, rest)) = conn.receive(now, &mut self.buf[self.start..end])? else {
                self.start = end;
                return Ok(None);
            };
            let at = end - rest.len();
            let piece = match event {
                Event::Data(data) if data.first && data.last => {
                    let message =
                        whole(data.kind, data.payload, core::mem::take(&mut self.recycled))?;
                    self.start = at;
                    return Ok(Some(message));
                }
                Event::Decoded(data) if data.first && data.last => {
                    let message =
                        whole(data.kind, data.payload, core::mem::take(&mut self.recycled))?;
                    self.start = at;
                    return Ok(Some(message));
                }
                Event::Data(data) => Piece::InBuffer {
                    kind: data.kind,
                    first: data.first,
                    last: data.last,
                    len: data.payload.len(),
                },
                Event::Decoded(data) => {
                    if data.first {
                        self.start_partial(data.kind);
                    }
                    self.append(data.payload);
                    Piece::Copied { last: data.last }
                }
                Event::Ping(payload) => {
                    self.start = at;
                    return Ok(Some(Message::Ping(payload.to_vec())));
                }
                Event::Pong(payload) => {
                    self.start = at;
                    return Ok(Some(Message::Pong(payload.to_vec())));
                }
                Event::Close(close) => {
                    let message = Message::Close(Some(CloseReason {
                        code: close.code(),
                        reason: String::from(close.reason()),
                    }));
                    self.start = at;
                    return Ok(Some(message));
                }
            };
            self.start = at;
            let last = match piece {
                Piece::InBuffer {
                    kind,
                    first,
                    last,
                    len,
                } => {
                    if first {
                        self.start_partial(kind);
                    }
                    // Reserve what the frames declared (and room for a read straight into
                    // the message to run past its end), so collecting never moves the bytes.
                    let declared = conn.message_len_hint().min(MAX_RESERVE);
                    let overrun = if declared >= DIRECT_MIN {
                        self.small
                    } else {
                        0
                    };
                    self.partial.truncate(self.assembled);
                    self.partial
                        .reserve(declared.saturating_sub(self.assembled).max(len) + overrun);
                    self.partial.extend_from_slice(&self.buf[at - len..at]);
                    self.assembled += len;
                    if !last && self.start == self.end {
                        self.read_direct_next(conn);
                    }
                    last
                }
                Piece::Copied { last } => last,
            };
            if last {
                return self.take_message().map(Some);
            }
        }
    }

    /// Everything read is processed, in the middle of a data frame: if enough of its
    /// payload is still to come, the next read goes straight into the message (no copy out
    /// of the read buffer, and the read buffer need not grow). That read may take up to a
    /// small buffer's worth past the frame (what follows it, moved to the read buffer), so
    /// back-to-back messages still cost one read each.
    fn read_direct_next(&mut self, conn: &StdConnection) {
        let remaining = usize::try_from(conn.data_payload_remaining()).unwrap_or(usize::MAX);
        if remaining >= DIRECT_MIN {
            self.direct = if remaining <= self.large {
                remaining + self.small
            } else {
                self.large
            };
            // The read that filled the buffer was this payload: no need to grow it.
            self.grow = false;
        }
    }

    /// Processes the payload bytes the last read put straight into the message.
    fn next_direct(
        &mut self,
        conn: &mut StdConnection,
        now: Duration,
    ) -> Result<Option<Message>, ConnectionError> {
        let at = self.assembled;
        let n = core::mem::take(&mut self.direct_read);
        let input = &mut self.partial[at..at + n];
        // The connection said the first of these are payload of the frame under way: they
        // come back as one data piece, unmasked where they lie. What the read took past the
        // frame's end (at most a small buffer's worth) goes to the read buffer, unprocessed.
        let (len, last) = match conn.receive(now, input)? {
            Some((Event::Data(data), rest)) if rest.len() <= self.buf.len() => {
                self.buf[..rest.len()].copy_from_slice(rest);
                self.start = 0;
                self.end = rest.len();
                (data.payload.len(), data.last)
            }
            // Unreachable: the read began inside the frame's payload, and what ran past it
            // was sized to fit the read buffer.
            _ => {
                debug_assert!(
                    false,
                    "a direct read did not start with the frame's payload"
                );
                return Err(ConnectionError::AbnormalClosure);
            }
        };
        self.assembled += len;
        if last {
            return self.take_message().map(Some);
        }
        if self.start == self.end {
            self.read_direct_next(conn);
        }
        Ok(None)
    }

    /// Appends to the message being assembled.
    fn append(&mut self, bytes: &[u8]) {
        self.partial.truncate(self.assembled);
        self.partial.extend_from_slice(bytes);
        self.assembled += bytes.len();
    }

    /// Starts assembling a message of `kind`, in the recycled buffer if there is one.
    fn start_partial(&mut self, kind: DataKind) {
        if self.partial.capacity() == 0 {
            self.partial = core::mem::take(&mut self.recycled);
        }
        self.partial.clear();
        self.assembled = 0;
        self.partial_kind = kind;
    }

    /// The assembled message; its buffer becomes the message's.
    fn take_message(&mut self) -> Result<Message, ConnectionError> {
        let mut bytes = core::mem::take(&mut self.partial);
        bytes.truncate(core::mem::take(&mut self.assembled));
        Ok(match self.partial_kind {
            DataKind::Binary => Message::Binary(bytes),
            DataKind::Text => {
                Message::Text(String::from_utf8(bytes).map_err(|_| ProtocolError::InvalidUtf8)?)
            }
        })
    }
}

/// The read buffer's starting size for a configured maximum of `large`.
fn initial_len(large: usize) -> usize {
    large.clamp(1, SMALL_READ_BUFFER)
}

/// A message that arrived in one piece, copied out of the buffer it lies in into `buf`
/// (empty; a recycled one saves the allocation).
fn whole(kind: DataKind, payload: &[u8], mut buf: Vec<u8>) -> Result<Message, ConnectionError> {
    buf.clear();
    Ok(match kind {
        DataKind::Binary => {
            buf.extend_from_slice(payload);
            Message::Binary(buf)
        }
        DataKind::Text => {
            let text = core::str::from_utf8(payload).map_err(|_| ProtocolError::InvalidUtf8)?;
            let mut string = String::from_utf8(buf).unwrap_or_default();
            string.push_str(text);
            Message::Text(string)
        }
    })
}

/// Queues a message given by value on `conn`: a large payload is written from the message's
/// own buffer ([`Connection::send_binary_owned`](crate::Connection::send_binary_owned)).
/// Returns the buffer if its bytes were copied, for reuse.
pub(crate) fn queue_owned(
    conn: &mut StdConnection,
    now: Duration,
    message: Message,
) -> Result<Option<Vec<u8>>, SendError> {
    match message {
        Message::Text(text) => conn.send_text_owned(text),
        Message::Binary(bytes) => conn.send_binary_owned(bytes),
        other => queue(conn, now, &other).map(|()| None),
    }
}

/// Queues a message on `conn`. `now` is only used by a Close (its timeout).
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Config, Connection, Role};
    use alloc::vec;

    /// A client's binary frame with a zero mask key (so the payload is as sent).
    fn frame(payload: &[u8], fin: bool) -> Vec<u8> {
        let mut out = vec![if fin { 0x82 } else { 0x02 }];
        match payload.len() {
            n if n < 126 => out.push(0x80 | n as u8),
            n if n <= 0xffff => {
                out.push(0x80 | 126);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                out.push(0x80 | 127);
                out.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(payload);
        out
    }

    /// Feeds `wire` through the inbox in reads of at most what `spare` offers, shrinking
    /// when it runs dry as the async adapter does; returns the messages.
    fn feed(inbox: &mut Inbox, conn: &mut StdConnection, wire: &[u8]) -> Vec<Message> {
        feed_in(inbox, conn, wire, usize::MAX, &mut |_| {}).unwrap()
    }

    /// [`feed`] in reads of at most `chunk` bytes, calling `watch` after each read.
    fn feed_in(
        inbox: &mut Inbox,
        conn: &mut StdConnection,
        wire: &[u8],
        chunk: usize,
        watch: &mut dyn FnMut(&Inbox),
    ) -> Result<Vec<Message>, ConnectionError> {
        let mut messages = Vec::new();
        let mut wire = wire;
        loop {
            while let Some(m) = inbox.next(conn, Duration::ZERO)? {
                messages.push(m);
            }
            if wire.is_empty() {
                inbox.shrink();
                return Ok(messages);
            }
            let spare = inbox.spare();
            let n = spare.len().min(wire.len()).min(chunk);
            spare[..n].copy_from_slice(&wire[..n]);
            inbox.filled(n);
            watch(inbox);
            wire = &wire[n..];
        }
    }

    fn server() -> StdConnection {
        Connection::new(
            Role::Server,
            Config::default(),
            Vec::new(),
            super::super::opening::OsEntropy,
            Duration::ZERO,
        )
    }

    #[test]
    fn large_payloads_are_read_straight_into_the_message() {
        let big: Vec<u8> = (0..200_000u32).map(|i| (i * 7) as u8).collect();
        let mut wire = frame(&big, true);
        wire.extend_from_slice(&frame(b"after", true));
        // Reads of every size from 1 byte to larger than the buffer; every message is
        // right, and the read buffer never grows past the small one: the 200 KB payload
        // went into the message, not through the read buffer.
        for chunk in [1, 3, 1000, 4096, 5000, 70_000, usize::MAX] {
            let mut conn = server();
            let mut inbox = Inbox::with_leftover(64 * 1024, &[]);
            let mut largest = 0;
            let got = feed_in(&mut inbox, &mut conn, &wire, chunk, &mut |i| {
                largest = largest.max(i.read_buffer_capacity());
            })
            .unwrap();
            assert_eq!(
                got,
                vec![
                    Message::Binary(big.clone()),
                    Message::Binary(b"after".to_vec())
                ],
                "chunk {chunk}"
            );
            assert!(largest <= SMALL_READ_BUFFER, "chunk {chunk}: {largest}");
        }
    }

    #[test]
    fn text_read_straight_into_the_message_is_still_validated() {
        let mut text = "é".repeat(50_000).into_bytes();
        let mut wire = frame(&text, true);
        wire[0] = 0x81; // text
        let mut conn = server();
        let mut inbox = Inbox::with_leftover(64 * 1024, &[]);
        let got = feed_in(&mut inbox, &mut conn, &wire, 7000, &mut |_| {}).unwrap();
        assert_eq!(got, vec![Message::Text("é".repeat(50_000))]);

        // A bad byte deep in the part read straight into the message fails with 1007.
        text[90_001] = 0xff;
        let mut wire = frame(&text, true);
        wire[0] = 0x81;
        let mut conn = server();
        let mut inbox = Inbox::with_leftover(64 * 1024, &[]);
        let err = feed_in(&mut inbox, &mut conn, &wire, 7000, &mut |_| {}).unwrap_err();
        assert_eq!(err, ConnectionError::Protocol(ProtocolError::InvalidUtf8));
    }

    #[test]
    fn read_buffer_grows_for_large_messages_and_shrinks_when_idle() {
        let mut conn = server();
        let mut inbox = Inbox::with_leftover(64 * 1024, &[]);
        // Nothing read yet: no buffer until the first read.
        assert_eq!(inbox.capacity(), 0);
        assert!(inbox.is_released());

        let big: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
        let mut wire = frame(&big[..60_000], false);
        let first_len = wire.len();
        wire.extend_from_slice(&frame(&big[60_000..], true)[..]);
        wire[first_len] = 0x80; // the second frame is a continuation
        let got = feed(&mut inbox, &mut conn, &wire);
        assert_eq!(got, vec![Message::Binary(big.clone())]);
        // Idle again: only the small read buffer is held, the message took the rest.
        assert_eq!(inbox.capacity(), SMALL_READ_BUFFER);

        let small = frame(b"hello", true);
        let got = feed(&mut inbox, &mut conn, &small);
        assert_eq!(got, vec![Message::Binary(b"hello".to_vec())]);
        assert_eq!(inbox.capacity(), SMALL_READ_BUFFER);

        // Idle for a while: everything is given back, and a probe read brings it back.
        inbox.release();
        assert_eq!(inbox.capacity(), 0);
        inbox.refill(&frame(b"again", true));
        assert_eq!(inbox.capacity(), SMALL_READ_BUFFER);
        let got = feed(&mut inbox, &mut conn, &[]);
        assert_eq!(got, vec![Message::Binary(b"again".to_vec())]);
    }

    #[test]
    fn release_keeps_a_partly_received_message() {
        let mut conn = server();
        let mut inbox = Inbox::with_leftover(64 * 1024, &[]);
        let wire = frame(b"hello", true);
        // Two payload bytes of five received: releasing must not drop them.
        assert!(feed(&mut inbox, &mut conn, &wire[..8]).is_empty());
        inbox.release();
        assert!(!inbox.is_released());
        assert_eq!(
            feed(&mut inbox, &mut conn, &wire[8..]),
            vec![Message::Binary(b"hello".to_vec())]
        );
    }
}
