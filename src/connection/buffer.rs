//! Where the send queue keeps its bytes: a growable `Vec<u8>` with `alloc`, or a fixed
//! region the caller provides (firmware, no allocator).

/// Storage for a connection's queued output: encoded frames, back to back.
///
/// Implemented for `Vec<u8>` (grows as needed, bounded by
/// [`Config::max_queued_bytes`](super::Config::max_queued_bytes)) and for [`FixedBuffer`]
/// (a caller-provided slice; a send that does not fit now fails with
/// [`SendError::MessageQueueFull`](crate::SendError::MessageQueueFull), one that can never
/// fit with [`SendError::TooLargeForBuffer`](crate::SendError::TooLargeForBuffer)).
///
/// This is an extension point: implement it to keep the queue in other memory (a pool
/// slab, a DMA region). The connection relies on exactly this contract: `as_slice` returns
/// every byte appended and not yet truncated or drained, in order; `extend_from_slice` is
/// only called after `has_room` returned true for at least that many bytes; `truncate` and
/// `drain_front` never fail.
pub trait SendBuffer {
    /// The bytes held.
    fn as_slice(&self) -> &[u8];
    /// The bytes held, mutably.
    fn as_mut_slice(&mut self) -> &mut [u8];
    /// Whether `additional` more bytes fit.
    fn has_room(&self, additional: usize) -> bool;
    /// How many bytes fit without growing (a `Vec`'s spare capacity).
    fn spare_capacity(&self) -> usize;
    /// The most bytes the buffer can ever hold, or `None` if it grows without a fixed
    /// bound (then only `max_queued_bytes` limits it).
    fn capacity(&self) -> Option<usize>;
    /// Appends `bytes`; only called after [`has_room`](Self::has_room) said they fit.
    fn extend_from_slice(&mut self, bytes: &[u8]);
    /// Keeps the first `len` bytes.
    fn truncate(&mut self, len: usize);
    /// Removes the first `n` bytes, moving the rest to the front.
    fn drain_front(&mut self, n: usize);
    /// Empties the buffer and gives back what memory it can (the connection is over).
    fn release(&mut self) {
        self.truncate(0);
    }
    /// Empties the buffer after a large message drained, giving back memory it no longer
    /// needs while the connection goes on (a `Vec` frees its allocation; the default only
    /// empties it).
    fn shrink_drained(&mut self) {
        self.truncate(0);
    }
}

#[cfg(feature = "alloc")]
impl SendBuffer for alloc::vec::Vec<u8> {
    fn as_slice(&self) -> &[u8] {
        self
    }

    fn as_mut_slice(&mut self) -> &mut [u8] {
        self
    }

    fn has_room(&self, _additional: usize) -> bool {
        true
    }

    fn spare_capacity(&self) -> usize {
        alloc::vec::Vec::capacity(self) - self.len()
    }

    fn capacity(&self) -> Option<usize> {
        None
    }

    fn extend_from_slice(&mut self, bytes: &[u8]) {
        alloc::vec::Vec::extend_from_slice(self, bytes);
    }

    fn truncate(&mut self, len: usize) {
        alloc::vec::Vec::truncate(self, len);
    }

    fn drain_front(&mut self, n: usize) {
        self.drain(..n);
    }

    fn release(&mut self) {
        *self = alloc::vec::Vec::new();
    }

    fn shrink_drained(&mut self) {
        *self = alloc::vec::Vec::new();
    }
}

/// A send buffer in caller-provided memory, for use without an allocator.
///
/// ```
/// use wscore::{Config, Connection, FixedBuffer};
///
/// let mut storage = [0u8; 4096];
/// let mut conn = Connection::server_in(Config::default(), FixedBuffer::new(&mut storage), core::time::Duration::ZERO);
/// conn.send_text("fits").unwrap();
/// assert!(conn.send_binary(&[0; 5000]).is_err()); // can never fit: TooLargeForBuffer
/// ```
#[derive(Debug)]
pub struct FixedBuffer<'a> {
    storage: &'a mut [u8],
    len: usize,
}

impl<'a> FixedBuffer<'a> {
    /// A buffer using all of `storage`.
    pub fn new(storage: &'a mut [u8]) -> FixedBuffer<'a> {
        FixedBuffer { storage, len: 0 }
    }

    /// The capacity in bytes.
    pub fn capacity(&self) -> usize {
        self.storage.len()
    }
}

impl SendBuffer for FixedBuffer<'_> {
    fn as_slice(&self) -> &[u8] {
        &self.storage[..self.len]
    }

    fn as_mut_slice(&mut self) -> &mut [u8] {
        &mut self.storage[..self.len]
    }

    fn has_room(&self, additional: usize) -> bool {
        self.spare_capacity() >= additional
    }

    fn spare_capacity(&self) -> usize {
        self.storage.len() - self.len
    }

    fn capacity(&self) -> Option<usize> {
        Some(self.storage.len())
    }

    fn extend_from_slice(&mut self, bytes: &[u8]) {
        self.storage[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    fn drain_front(&mut self, n: usize) {
        self.storage.copy_within(n..self.len, 0);
        self.len -= n;
    }
}
