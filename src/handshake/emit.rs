//! Writing response and request heads into caller buffers, all or nothing.

use crate::BufferTooSmall;

use super::head::{is_token, HttpHeader};

/// A byte sink that either counts or writes. Rendering runs twice: once counting, to check
/// that the caller's buffer is large enough, then writing; so a buffer that is too small is
/// left untouched.
pub(crate) struct Out<'a> {
    buf: Option<&'a mut [u8]>,
    pos: usize,
}

impl Out<'_> {
    pub(crate) fn put(&mut self, bytes: &[u8]) {
        let end = self.pos + bytes.len();
        if let Some(dst) = self.buf.as_mut().and_then(|buf| buf.get_mut(self.pos..end)) {
            dst.copy_from_slice(bytes);
        }
        self.pos = end;
    }

    pub(crate) fn put_str(&mut self, text: &str) {
        self.put(text.as_bytes());
    }

    pub(crate) fn put_decimal(&mut self, mut n: usize) {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.put(&digits[i..]);
    }

    pub(crate) fn header(&mut self, name: &str, value: &[u8]) {
        self.put_str(name);
        self.put(b": ");
        self.put(value);
        self.put(b"\r\n");
    }
}

/// Renders with `render` into `out`, or reports the size needed without writing anything.
pub(crate) fn write_all_or_nothing(
    out: &mut [u8],
    render: impl Fn(&mut Out<'_>),
) -> Result<usize, BufferTooSmall> {
    let mut count = Out { buf: None, pos: 0 };
    render(&mut count);
    let needed = count.pos;
    let Some(dst) = out.get_mut(..needed) else {
        return Err(BufferTooSmall { needed });
    };
    let mut write = Out {
        buf: Some(dst),
        pos: 0,
    };
    render(&mut write);
    Ok(needed)
}

/// Renders with `render` onto the end of `buf`, or reports the size needed (the buffer is
/// left as it was when it has no room).
pub(crate) fn render_into<B: crate::SendBuffer>(
    buf: &mut B,
    render: impl Fn(&mut Out<'_>),
) -> Result<usize, BufferTooSmall> {
    let mut count = Out { buf: None, pos: 0 };
    render(&mut count);
    let needed = count.pos;
    if !buf.has_room(needed) {
        return Err(BufferTooSmall { needed });
    }
    let start = buf.as_slice().len();
    let zeros = [0u8; 256];
    let mut left = needed;
    while left > 0 {
        let n = left.min(zeros.len());
        buf.extend_from_slice(&zeros[..n]);
        left -= n;
    }
    let mut write = Out {
        buf: Some(&mut buf.as_mut_slice()[start..]),
        pos: 0,
    };
    render(&mut write);
    Ok(needed)
}

/// Renders into a new vector.
#[cfg(feature = "alloc")]
pub(crate) fn to_vec(render: impl Fn(&mut Out<'_>)) -> alloc::vec::Vec<u8> {
    let mut count = Out { buf: None, pos: 0 };
    render(&mut count);
    let mut vec = alloc::vec![0u8; count.pos];
    let mut write = Out {
        buf: Some(&mut vec),
        pos: 0,
    };
    render(&mut write);
    vec
}

/// Whether a header may be sent as is: the name a token, the value free of control
/// characters (so no CR or LF can split the head) and of surrounding whitespace.
pub(crate) fn is_sendable(header: &HttpHeader<'_>) -> bool {
    let value_ok = header
        .value
        .iter()
        .all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f));
    let trimmed = super::head::trim_ows(header.value).len() == header.value.len();
    is_token(header.name.as_bytes()) && value_ok && trimmed
}

/// The reason phrase registered for a status code (RFC 9110 section 15), or `""`.
pub const fn reason_phrase(status: u16) -> &'static str {
    match status {
        101 => "Switching Protocols",
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        409 => "Conflict",
        410 => "Gone",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request HttpHeader Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_small_buffer_is_untouched() {
        let mut buf = [0xAAu8; 4];
        let render = |out: &mut Out<'_>| {
            out.put_str("hello");
            out.put_decimal(0);
            out.put_decimal(12345);
        };
        assert_eq!(
            write_all_or_nothing(&mut buf, render),
            Err(BufferTooSmall { needed: 11 })
        );
        assert_eq!(buf, [0xAA; 4]);
        let mut buf = [0u8; 11];
        assert_eq!(write_all_or_nothing(&mut buf, render), Ok(11));
        assert_eq!(&buf, b"hello012345");
    }

    #[test]
    fn header_injection_is_not_sendable() {
        assert!(is_sendable(&HttpHeader::new("X-Ok", "a b\tc")));
        assert!(!is_sendable(&HttpHeader::new("X-Bad", "a\r\nInjected: 1")));
        assert!(!is_sendable(&HttpHeader::new("X Bad", "a")));
        assert!(!is_sendable(&HttpHeader::new("", "a")));
        assert!(!is_sendable(&HttpHeader::new("X", " padded")));
        assert!(!is_sendable(&HttpHeader::new("X", "nul\0")));
    }
}
