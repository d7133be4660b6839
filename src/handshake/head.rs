//! A bounded, zero-copy HTTP/1.1 head parser (request and status line plus header fields).
//!
//! The parser is restartable rather than stateful: call it again with the longer buffer
//! whenever more bytes arrive. It answers [`Status::Partial`] until the blank line that ends
//! the head is present, then [`Status::Complete`] with the parsed head and the number of bytes
//! the head occupies; bytes after that belong to the caller (frames may arrive in the same
//! read). Every pass is bounded by [`Limits`], so a peer can never make it buffer or scan
//! without end.
//!
//! What it accepts is the strict RFC 9112 message syntax, with two tolerances that `httparse`
//! shares: a bare LF ends a line like CRLF does, and empty lines before the start line are
//! skipped. It rejects obs-fold (a field line starting with whitespace), a CR not followed by
//! LF, control characters (NUL included) in field values, non-token field names, whitespace
//! between a field name and its colon, and start lines that are not exactly
//! `METHOD SP target SP HTTP/1.x` or `HTTP/1.x SP 3DIGIT [SP reason]`.

use core::fmt;

/// The outcome of a parse attempt that succeeded so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status<T> {
    /// The head is complete: the parsed value (with, where documented, the byte count).
    Complete(T),
    /// The blank line that ends the head has not arrived yet: read more and call again with
    /// the longer buffer.
    Partial,
}

impl<T> Status<T> {
    /// The complete value, or `None` while partial.
    #[inline]
    pub fn complete(self) -> Option<T> {
        match self {
            Status::Complete(value) => Some(value),
            Status::Partial => None,
        }
    }

    /// Whether more input is needed.
    #[inline]
    pub fn is_partial(&self) -> bool {
        matches!(self, Status::Partial)
    }

    /// Applies `f` to a complete value.
    #[inline]
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Status<U> {
        match self {
            Status::Complete(value) => Status::Complete(f(value)),
            Status::Partial => Status::Partial,
        }
    }
}

/// Bounds on what the head parser will look at.
///
/// A head that exceeds any of them is refused with a [`HeadError`] (status 431), however
/// much of it has arrived: a caller never needs to buffer more than `max_head_len` bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The longest head accepted, in bytes, from the first byte through the blank line.
    /// Default 8192.
    pub max_head_len: usize,
    /// The most header fields accepted. Default 64. The caller's header array is a second,
    /// independent bound: whichever is smaller applies.
    pub max_headers: usize,
    /// The longest single line (start line or field line) accepted, in bytes, without its
    /// line ending. Default 4096.
    pub max_line_len: usize,
}

impl Limits {
    /// The default limits: 8 KiB head, 64 header fields, 4 KiB lines.
    pub const DEFAULT: Limits = Limits {
        max_head_len: 8192,
        max_headers: 64,
        max_line_len: 4096,
    };
}

impl Default for Limits {
    #[inline]
    fn default() -> Limits {
        Limits::DEFAULT
    }
}

/// One header field, borrowed from the input buffer.
///
/// The name is a token (ASCII); the value has its surrounding spaces and tabs removed and may
/// hold obs-text bytes (0x80-0xFF), so it is kept as bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct HttpHeader<'b> {
    /// The field name, exactly as received (compare with `eq_ignore_ascii_case`).
    pub name: &'b str,
    /// The field value without leading or trailing whitespace.
    pub value: &'b [u8],
}

/// A placeholder header for initialising the caller's header array.
pub const EMPTY_HEADER: HttpHeader<'static> = HttpHeader {
    name: "",
    value: b"",
};

impl<'b> HttpHeader<'b> {
    /// Builds a header from a name and a string value.
    #[inline]
    pub const fn new(name: &'b str, value: &'b str) -> HttpHeader<'b> {
        HttpHeader {
            name,
            value: value.as_bytes(),
        }
    }

    /// Whether this header's name equals `name`, ignoring ASCII case.
    #[inline]
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    /// The value as text, if it is valid UTF-8.
    #[inline]
    pub fn value_str(&self) -> Option<&'b str> {
        core::str::from_utf8(self.value).ok()
    }
}

impl fmt::Debug for HttpHeader<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Header");
        s.field("name", &self.name);
        match core::str::from_utf8(self.value) {
            Ok(text) => s.field("value", &text),
            Err(_) => s.field("value", &self.value),
        };
        s.finish()
    }
}

/// A parsed request head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestHead<'b, 'h> {
    /// The method token, case-sensitive (`GET`).
    pub method: &'b str,
    /// The request target (`/chat?room=1`), exactly as received.
    pub target: &'b str,
    /// The minor version of `HTTP/1.x` (0 or 1).
    pub minor_version: u8,
    /// The header fields in the order received.
    pub headers: &'h [HttpHeader<'b>],
}

/// A parsed response head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponseHead<'b, 'h> {
    /// The minor version of `HTTP/1.x` (0 or 1).
    pub minor_version: u8,
    /// The three-digit status code.
    pub status: u16,
    /// The reason phrase, possibly empty, as received (it may contain obs-text bytes).
    pub reason: &'b [u8],
    /// The header fields in the order received.
    pub headers: &'h [HttpHeader<'b>],
}

/// Why a head was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeadError {
    /// The head is longer than [`Limits::max_head_len`] (431).
    HeadTooLarge,
    /// A line is longer than [`Limits::max_line_len`] (431).
    LineTooLong,
    /// More header fields than [`Limits::max_headers`] or the caller's array can hold (431).
    TooManyHeaders,
    /// A CR not followed by LF (400).
    BareCr,
    /// A field line starts with whitespace: obsolete line folding, or whitespace before the
    /// first field (400).
    ObsFold,
    /// The method is empty or not a token, or is not followed by a single space (400).
    InvalidMethod,
    /// The request target is empty, contains a forbidden byte, or is not UTF-8 (400).
    InvalidTarget,
    /// The version is not of the form `HTTP/DIGIT.DIGIT` (400).
    InvalidVersion,
    /// The version is well formed but not HTTP/1.0 or HTTP/1.1 (505).
    UnsupportedVersion,
    /// The status line is not `HTTP/1.x SP 3DIGIT [SP reason]` (400).
    InvalidStatusLine,
    /// A field name is empty or not a token, or is followed by whitespace before the colon
    /// (400).
    InvalidHeaderName,
    /// A field value contains a control character (400).
    InvalidHeaderValue,
}

impl HeadError {
    /// The HTTP status code a server answers with.
    pub const fn status(self) -> u16 {
        match self {
            HeadError::HeadTooLarge | HeadError::LineTooLong | HeadError::TooManyHeaders => 431,
            HeadError::UnsupportedVersion => 505,
            _ => 400,
        }
    }

    /// A short description.
    pub const fn as_str(self) -> &'static str {
        match self {
            HeadError::HeadTooLarge => "header section too large",
            HeadError::LineTooLong => "header line too long",
            HeadError::TooManyHeaders => "too many header fields",
            HeadError::BareCr => "CR not followed by LF",
            HeadError::ObsFold => "obsolete line folding",
            HeadError::InvalidMethod => "invalid method",
            HeadError::InvalidTarget => "invalid request target",
            HeadError::InvalidVersion => "invalid HTTP version",
            HeadError::UnsupportedVersion => "unsupported HTTP version",
            HeadError::InvalidStatusLine => "invalid status line",
            HeadError::InvalidHeaderName => "invalid header field name",
            HeadError::InvalidHeaderValue => "invalid header field value",
        }
    }
}

impl fmt::Display for HeadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::error::Error for HeadError {}

/// Finds where a head ends as bytes trickle in, looking at each byte once.
///
/// [`parse_request`] and [`parse_response`] start over on every call, so a peer that sends
/// its head one byte at a time would make a caller that re-parses after every read do work
/// quadratic in the head length. A `HeadScanner` remembers how far it has looked: feed it the
/// growing buffer after every read, and parse only once it reports the head complete.
///
/// ```
/// use wscore::handshake::{HeadScanner, Limits};
///
/// let wire = b"GET / HTTP/1.1\r\nHost: h\r\n\r\n\x81";
/// let mut scanner = HeadScanner::new(&Limits::DEFAULT);
/// for end in 1..wire.len() - 1 {
///     assert_eq!(scanner.scan(&wire[..end]), Ok(None));
/// }
/// assert_eq!(scanner.scan(wire), Ok(Some(wire.len() - 1)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeadScanner {
    max_head_len: usize,
    /// Bytes already looked at.
    scanned: usize,
    /// Where the current line starts.
    line_start: usize,
    /// Whether a non-empty line (the start line) has been seen.
    started: bool,
    /// The head length, once found.
    end: Option<usize>,
}

impl HeadScanner {
    /// A scanner enforcing `limits.max_head_len`.
    pub fn new(limits: &Limits) -> HeadScanner {
        HeadScanner {
            max_head_len: limits.max_head_len,
            scanned: 0,
            line_start: 0,
            started: false,
            end: None,
        }
    }

    /// Looks at the bytes of `buf` not seen by earlier calls. `buf` must be the same stream
    /// each time, only longer (the bytes seen before unchanged, at the same offsets).
    ///
    /// Returns `Ok(Some(len))` once `buf[..len]` is a complete head (through its blank line,
    /// empty lines before the start line skipped as the parsers do), `Ok(None)` while more
    /// is needed, and [`HeadError::HeadTooLarge`] once more than `max_head_len` bytes have
    /// arrived without the blank line. Only the line structure is checked; the parser
    /// validates the rest.
    pub fn scan(&mut self, buf: &[u8]) -> Result<Option<usize>, HeadError> {
        if let Some(end) = self.end {
            return Ok(Some(end));
        }
        let limit = self.max_head_len;
        let window = buf.get(..limit.min(buf.len())).unwrap_or(buf);
        let new = window.get(self.scanned..).unwrap_or_default();
        for lf in memchr::memchr_iter(b'\n', new) {
            let at = self.scanned + lf;
            let line = window.get(self.line_start..at).unwrap_or_default();
            let empty = matches!(line, [] | [b'\r']);
            self.line_start = at + 1;
            if !empty {
                self.started = true;
            } else if self.started {
                self.end = Some(at + 1);
                return Ok(self.end);
            }
        }
        self.scanned = window.len();
        if buf.len() > limit {
            return Err(HeadError::HeadTooLarge);
        }
        Ok(None)
    }
}

/// `tchar` from RFC 9110 5.6.2.
pub(crate) const fn is_tchar(b: u8) -> bool {
    matches!(b,
        b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9'
        | b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_'
        | b'`' | b'|' | b'~')
}

/// Field value bytes: HTAB, SP, VCHAR, obs-text (RFC 9110 5.5).
const fn is_field_byte(b: u8) -> bool {
    b == b'\t' || (b >= 0x20 && b != 0x7f)
}

/// Request-target bytes: visible ASCII and (UTF-8) obs-text; no whitespace or controls.
const fn is_target_byte(b: u8) -> bool {
    b > 0x20 && b != 0x7f
}

const TCHAR: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = is_tchar(i as u8);
        i += 1;
    }
    table
};

/// A token per RFC 9110 5.6.2: one or more `tchar`.
#[inline]
pub(crate) fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(|&b| TCHAR[b as usize])
}

/// Splits the input into lines on LF, tracking the position and enforcing the limits.
struct Lines<'b> {
    buf: &'b [u8],
    pos: usize,
    limits: Limits,
}

enum Line<'b> {
    /// A complete line without its terminator.
    Full(&'b [u8]),
    /// No LF yet.
    Partial,
}

impl<'b> Lines<'b> {
    fn new(buf: &'b [u8], limits: &Limits) -> Lines<'b> {
        Lines {
            buf,
            pos: 0,
            limits: *limits,
        }
    }

    /// The next line. The buffer is only searched up to the head limit, so a peer that never
    /// sends a blank line costs at most `max_head_len` bytes of scanning per call.
    fn next(&mut self) -> Result<Line<'b>, HeadError> {
        let rest = self.buf.get(self.pos..).unwrap_or_default();
        let window_len = self.limits.max_head_len.saturating_sub(self.pos);
        let window = rest.get(..window_len).unwrap_or(rest);
        let Some(lf) = memchr::memchr(b'\n', window) else {
            if rest.len() > window_len {
                return Err(HeadError::HeadTooLarge);
            }
            // An unfinished line can already be too long or hold a bare CR.
            let pending = match rest.last() {
                Some(b'\r') => &rest[..rest.len() - 1],
                _ => rest,
            };
            if pending.len() > self.limits.max_line_len {
                return Err(HeadError::LineTooLong);
            }
            if memchr::memchr(b'\r', pending).is_some() {
                return Err(HeadError::BareCr);
            }
            return Ok(Line::Partial);
        };
        let raw = &window[..lf];
        let line = match raw.last() {
            Some(b'\r') => &raw[..raw.len() - 1],
            _ => raw,
        };
        if line.len() > self.limits.max_line_len {
            return Err(HeadError::LineTooLong);
        }
        // A CR left inside the line is a bare CR. Every element's own check refuses CR, so
        // the line is not scanned for it here: `classify` names the error when a check fails.
        self.pos += lf + 1;
        Ok(Line::Full(line))
    }

    /// Skips empty lines before the start line (RFC 9112 2.2: a server "SHOULD ignore at
    /// least one empty line (CRLF) received prior to the request-line").
    fn start_line(&mut self) -> Result<Line<'b>, HeadError> {
        loop {
            match self.next()? {
                Line::Full([]) => continue,
                other => return Ok(other),
            }
        }
    }
}

/// RFC 9112 2.2: "A sender MUST NOT generate a bare CR ... A recipient of such a bare CR
/// MUST consider that element to be invalid". Reports a bare CR as such rather than as the
/// element error `error` that a line containing it produced.
fn classify(line: &[u8], error: HeadError) -> HeadError {
    if memchr::memchr(b'\r', line).is_some() {
        HeadError::BareCr
    } else {
        error
    }
}

/// Whether every byte is a field value byte: HTAB, SP, VCHAR or obs-text. Eight bytes at a
/// time: a word passes at once when none of its bytes is below 0x20 or equal to 0x7F.
fn is_field_value(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        // High bit set in a byte of `below` for every byte < 0x20 (bytes >= 0x80 excluded).
        let below = x.wrapping_sub(ONES * 0x20) & !x & HIGHS;
        let del = x ^ (ONES * 0x7f);
        let is_del = del.wrapping_sub(ONES) & !del & HIGHS;
        if below | is_del != 0 && !chunk.iter().all(|&b| is_field_byte(b)) {
            return false;
        }
    }
    chunks.remainder().iter().all(|&b| is_field_byte(b))
}

/// Parses the field lines after the start line into `headers`.
fn parse_fields<'b, 'h>(
    lines: &mut Lines<'b>,
    headers: &'h mut [HttpHeader<'b>],
) -> Result<Status<(&'h [HttpHeader<'b>], usize)>, HeadError> {
    let cap = headers.len().min(lines.limits.max_headers);
    let mut count = 0;
    loop {
        let line = match lines.next()? {
            Line::Partial => return Ok(Status::Partial),
            Line::Full(line) => line,
        };
        let Some((&first, _)) = line.split_first() else {
            let (filled, _) = headers.split_at(count);
            return Ok(Status::Complete((filled, lines.pos)));
        };
        if first == b' ' || first == b'\t' {
            // RFC 9112 5.2: "A server that receives an obs-fold in a request message ... MUST
            // either reject the message by sending a 400 (Bad Request) ... or replace each
            // received obs-fold with one or more SP"; we reject.
            return Err(HeadError::ObsFold);
        }
        let header = parse_field_line(line).map_err(|e| classify(line, e))?;
        if count == cap {
            return Err(HeadError::TooManyHeaders);
        }
        if let Some(slot) = headers.get_mut(count) {
            *slot = header;
        }
        count += 1;
    }
}

fn parse_field_line(line: &[u8]) -> Result<HttpHeader<'_>, HeadError> {
    // field-line = field-name ":" OWS field-value OWS, the name a token; RFC 9112 5.1: "No
    // whitespace is allowed between the field name and colon."
    let colon = line
        .iter()
        .position(|&b| !TCHAR[b as usize])
        .unwrap_or(line.len());
    if colon == 0 || line.get(colon) != Some(&b':') {
        return Err(HeadError::InvalidHeaderName);
    }
    let (name, rest) = line.split_at(colon);
    let value = trim_ows(rest.get(1..).unwrap_or_default());
    if !is_field_value(value) {
        return Err(HeadError::InvalidHeaderValue);
    }
    let name = core::str::from_utf8(name).map_err(|_| HeadError::InvalidHeaderName)?;
    Ok(HttpHeader { name, value })
}

/// Removes leading and trailing SP and HTAB.
pub(crate) fn trim_ows(mut bytes: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = bytes {
        bytes = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = bytes {
        bytes = rest;
    }
    bytes
}

/// Parses `HTTP/1.x` and returns x.
fn parse_version(bytes: &[u8]) -> Result<u8, HeadError> {
    match bytes {
        b"HTTP/1.1" => Ok(1),
        b"HTTP/1.0" => Ok(0),
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
            if major.is_ascii_digit() && minor.is_ascii_digit() =>
        {
            Err(HeadError::UnsupportedVersion)
        }
        _ => Err(HeadError::InvalidVersion),
    }
}

/// Parses a request head.
///
/// `headers` receives the header fields; `limits` bounds the work. On success returns the
/// head and the number of bytes it occupies in `buf` (everything after belongs to the
/// caller).
///
/// ```
/// use wscore::handshake::{parse_request, Limits, Status, EMPTY_HEADER};
///
/// let buf = b"GET /chat HTTP/1.1\r\nHost: example.com\r\n\r\n\x81\x80";
/// let mut headers = [EMPTY_HEADER; 8];
/// let Status::Complete((head, len)) = parse_request(buf, &mut headers, &Limits::DEFAULT)? else {
///     unreachable!("the blank line is there");
/// };
/// assert_eq!((head.method, head.target, head.minor_version), ("GET", "/chat", 1));
/// assert_eq!(head.headers[0].value, b"example.com");
/// assert_eq!(&buf[len..], b"\x81\x80"); // a frame that came in the same read
/// # Ok::<(), wscore::handshake::HeadError>(())
/// ```
pub fn parse_request<'b, 'h>(
    buf: &'b [u8],
    headers: &'h mut [HttpHeader<'b>],
    limits: &Limits,
) -> Result<Status<(RequestHead<'b, 'h>, usize)>, HeadError> {
    let mut lines = Lines::new(buf, limits);
    let line = match lines.start_line()? {
        Line::Partial => return Ok(Status::Partial),
        Line::Full(line) => line,
    };
    let (method, target, minor_version) =
        parse_request_line(line).map_err(|e| classify(line, e))?;
    Ok(parse_fields(&mut lines, headers)?.map(|(headers, len)| {
        (
            RequestHead {
                method,
                target,
                minor_version,
                headers,
            },
            len,
        )
    }))
}

fn parse_request_line(line: &[u8]) -> Result<(&str, &str, u8), HeadError> {
    // RFC 9112 3: request-line = method SP request-target SP HTTP-version
    let sp = memchr::memchr(b' ', line).ok_or(HeadError::InvalidMethod)?;
    let (method, rest) = line.split_at(sp);
    if !is_token(method) {
        return Err(HeadError::InvalidMethod);
    }
    let rest = rest.get(1..).unwrap_or_default();
    let sp = memchr::memchr(b' ', rest).ok_or(HeadError::InvalidTarget)?;
    let (target, version) = rest.split_at(sp);
    if target.is_empty() || !target.iter().all(|&b| is_target_byte(b)) {
        return Err(HeadError::InvalidTarget);
    }
    let minor_version = parse_version(version.get(1..).unwrap_or_default())?;
    let method = core::str::from_utf8(method).map_err(|_| HeadError::InvalidMethod)?;
    let target = core::str::from_utf8(target).map_err(|_| HeadError::InvalidTarget)?;
    Ok((method, target, minor_version))
}

/// Parses a response head; see [`parse_request`] for the conventions.
pub fn parse_response<'b, 'h>(
    buf: &'b [u8],
    headers: &'h mut [HttpHeader<'b>],
    limits: &Limits,
) -> Result<Status<(ResponseHead<'b, 'h>, usize)>, HeadError> {
    let mut lines = Lines::new(buf, limits);
    let line = match lines.start_line()? {
        Line::Partial => return Ok(Status::Partial),
        Line::Full(line) => line,
    };
    let (minor_version, status, reason) = parse_status_line(line).map_err(|e| classify(line, e))?;
    Ok(parse_fields(&mut lines, headers)?.map(|(headers, len)| {
        (
            ResponseHead {
                minor_version,
                status,
                reason,
                headers,
            },
            len,
        )
    }))
}

fn parse_status_line(line: &[u8]) -> Result<(u8, u16, &[u8]), HeadError> {
    // RFC 9112 4: status-line = HTTP-version SP status-code SP [ reason-phrase ]
    let (version, rest) = line.split_at(line.len().min(8));
    let minor_version = parse_version(version)?;
    let (status, reason) = match rest {
        [b' ', a, b, c] => ([*a, *b, *c], &[][..]),
        [b' ', a, b, c, b' ', reason @ ..] => ([*a, *b, *c], reason),
        _ => return Err(HeadError::InvalidStatusLine),
    };
    if !status.iter().all(u8::is_ascii_digit) {
        return Err(HeadError::InvalidStatusLine);
    }
    let status = status
        .iter()
        .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
    // reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )
    if !is_field_value(reason) {
        return Err(HeadError::InvalidStatusLine);
    }
    Ok((minor_version, status, reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_at_a_time_value_check_matches_the_byte_rule() {
        // Every byte value at every position of a 19-byte value (two words and a tail).
        for b in 0..=255u8 {
            let expected = b == b'\t' || (b >= 0x20 && b != 0x7f);
            for pos in 0..19 {
                let mut value = [b'a'; 19];
                value[pos] = b;
                assert_eq!(is_field_value(&value), expected, "byte {b:#x} at {pos}");
            }
        }
        assert!(is_field_value(b"\t\t\t\t\t\t\t\t\xff\x80 ~"));
    }

    #[test]
    fn scanner_agrees_with_the_parser_at_every_split() {
        let heads: [&[u8]; 4] = [
            b"GET / HTTP/1.1\r\nHost: h\r\n\r\nrest",
            b"\r\n\nGET / HTTP/1.1\nA: b\n\n",
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x00",
            b"GET / HTTP/1.1\r\n\r\n",
        ];
        for wire in heads {
            let mut headers = [EMPTY_HEADER; 4];
            let expected = if wire.starts_with(b"HTTP") {
                parse_response(wire, &mut headers, &Limits::DEFAULT).map(|s| s.map(|(_, n)| n))
            } else {
                parse_request(wire, &mut headers, &Limits::DEFAULT).map(|s| s.map(|(_, n)| n))
            };
            let Ok(Status::Complete(len)) = expected else {
                panic!("{expected:?}")
            };
            // Fed in chunks of every size.
            for step in 1..=wire.len() {
                let mut scanner = HeadScanner::new(&Limits::DEFAULT);
                let mut found = None;
                let mut end = 0;
                while found.is_none() && end < wire.len() {
                    end = (end + step).min(wire.len());
                    found = scanner.scan(&wire[..end]).unwrap();
                    if found.is_none() {
                        assert!(end < len, "missed the end at {end} (step {step})");
                    }
                }
                assert_eq!(found, Some(len), "step {step}");
            }
        }
    }

    #[test]
    fn scanner_is_bounded() {
        let limits = Limits {
            max_head_len: 32,
            ..Limits::DEFAULT
        };
        let mut scanner = HeadScanner::new(&limits);
        let wire = [b'a'; 40];
        assert_eq!(scanner.scan(&wire[..32]), Ok(None));
        assert_eq!(scanner.scan(&wire), Err(HeadError::HeadTooLarge));
        // A blank line right at the limit is still found.
        let mut scanner = HeadScanner::new(&limits);
        let mut exact = [b'a'; 32];
        exact[28..].copy_from_slice(b"\r\n\r\n");
        assert_eq!(scanner.scan(&exact), Ok(Some(32)));
    }
}
