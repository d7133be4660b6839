//! Header value grammar: comma-separated lists (RFC 9110 5.6.1), case-insensitive token
//! matching, and the extension list of RFC 6455 section 9.1 with its parameters and
//! quoted-string values.
//!
//! Everything here borrows from the header values; nothing allocates.

use core::fmt;

use super::head::{is_tchar, is_token, trim_ows, HttpHeader};

/// A header value that does not follow the grammar its field requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// The byte offset, within the offending value, where parsing stopped.
    pub offset: usize,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "header value syntax error at byte {}", self.offset)
    }
}

impl core::error::Error for SyntaxError {}

/// The values of every header field named `name` (ignoring ASCII case), in order.
#[derive(Clone, Debug)]
pub struct HeaderValues<'b, 'h, 'n> {
    headers: core::slice::Iter<'h, HttpHeader<'b>>,
    name: &'n str,
}

impl<'b, 'h, 'n> HeaderValues<'b, 'h, 'n> {
    /// Values of the fields named `name` among `headers`.
    pub fn new(headers: &'h [HttpHeader<'b>], name: &'n str) -> Self {
        HeaderValues {
            headers: headers.iter(),
            name,
        }
    }
}

impl<'b> Iterator for HeaderValues<'b, '_, '_> {
    type Item = &'b [u8];

    fn next(&mut self) -> Option<&'b [u8]> {
        let name = self.name;
        self.headers.find(|h| h.is(name)).map(|h| h.value)
    }
}

/// The elements of a comma-separated list spread over one or more field values, with
/// surrounding whitespace removed and empty elements skipped (RFC 9110 5.6.1: a recipient
/// "MUST accept lists that contain empty list elements"). Repeated fields are treated as one
/// list, as RFC 9110 5.3 combines them.
///
/// The split is on every comma, so this suits lists of tokens (`Connection`, `Upgrade`,
/// `Sec-WebSocket-Protocol`); extension lists, whose quoted strings may hold commas, use
/// [`Extensions`].
#[derive(Clone, Debug)]
pub struct ListItems<'b, 'h, 'n> {
    values: HeaderValues<'b, 'h, 'n>,
    current: &'b [u8],
}

impl<'b, 'h, 'n> ListItems<'b, 'h, 'n> {
    /// The list elements of the fields named `name` among `headers`.
    pub fn new(headers: &'h [HttpHeader<'b>], name: &'n str) -> Self {
        ListItems {
            values: HeaderValues::new(headers, name),
            current: &[],
        }
    }
}

impl<'b> Iterator for ListItems<'b, '_, '_> {
    type Item = &'b [u8];

    fn next(&mut self) -> Option<&'b [u8]> {
        loop {
            if self.current.is_empty() {
                self.current = self.values.next()?;
                continue;
            }
            let (item, rest) = match memchr::memchr(b',', self.current) {
                Some(comma) => (&self.current[..comma], &self.current[comma + 1..]),
                None => (self.current, &[][..]),
            };
            self.current = rest;
            let item = trim_ows(item);
            if !item.is_empty() {
                return Some(item);
            }
        }
    }
}

/// Whether the list fields named `name` contain `token`, ignoring ASCII case
/// (e.g. `Connection: keep-alive, Upgrade` contains `upgrade`).
pub fn list_contains(headers: &[HttpHeader<'_>], name: &str, token: &str) -> bool {
    ListItems::new(headers, name).any(|item| item.eq_ignore_ascii_case(token.as_bytes()))
}

/// Checks that every element of the list fields named `name` is a token; returns how many
/// elements there are.
pub fn check_token_list(headers: &[HttpHeader<'_>], name: &str) -> Result<usize, SyntaxError> {
    let mut count = 0;
    for value in HeaderValues::new(headers, name) {
        let mut offset = 0;
        for item in value.split(|&b| b == b',') {
            let trimmed = trim_ows(item);
            if !trimmed.is_empty() && !is_token(trimmed) {
                return Err(SyntaxError { offset });
            }
            count += usize::from(!trimmed.is_empty());
            offset += item.len() + 1;
        }
    }
    Ok(count)
}

/// One extension from a `Sec-WebSocket-Extensions` list: a name and its parameters.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ExtensionItem<'b> {
    name: &'b str,
    /// The parameter text after the name, already validated: `; a=1; b="2"`.
    params: &'b str,
}

impl<'b> ExtensionItem<'b> {
    /// The extension token, e.g. `permessage-deflate`.
    #[inline]
    pub fn name(&self) -> &'b str {
        self.name
    }

    /// The parameters in the order given.
    #[inline]
    pub fn params(&self) -> Params<'b> {
        Params {
            rest: self.params.as_bytes(),
        }
    }

    /// The first parameter named `name` (ignoring ASCII case).
    pub fn param(&self, name: &str) -> Option<Param<'b>> {
        self.params().find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// The parameter text exactly as received (starting at the first `;`, or empty).
    #[inline]
    pub fn params_str(&self) -> &'b str {
        self.params
    }
}

impl fmt::Debug for ExtensionItem<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExtensionItem")
            .field("name", &self.name)
            .field("params", &DebugParams(*self))
            .finish()
    }
}

struct DebugParams<'b>(ExtensionItem<'b>);

impl fmt::Debug for DebugParams<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.params()).finish()
    }
}

/// An extension parameter: `name` or `name=value`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Param<'b> {
    /// The parameter token.
    pub name: &'b str,
    /// The value, if any.
    pub value: Option<ParamValue<'b>>,
}

/// A parameter value: a token, or a quoted string whose unescaped content is a token (RFC
/// 6455 9.1: "the value after quoted-string unescaping MUST conform to the 'token' ABNF").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamValue<'b> {
    /// The text between the quotes (or the bare token), escapes not yet removed.
    raw: &'b str,
    quoted: bool,
}

impl<'b> ParamValue<'b> {
    /// The value as received, without the surrounding quotes but with any backslash escapes.
    #[inline]
    pub fn raw(&self) -> &'b str {
        self.raw
    }

    /// Whether the value was sent as a quoted string.
    #[inline]
    pub fn is_quoted(&self) -> bool {
        self.quoted
    }

    /// The unescaped value when it can be borrowed as is, i.e. when it holds no backslash
    /// escape (the usual case, quoted or not).
    #[inline]
    pub fn as_str(&self) -> Option<&'b str> {
        if self.raw.as_bytes().contains(&b'\\') {
            None
        } else {
            Some(self.raw)
        }
    }

    /// The unescaped value, byte by byte.
    pub fn bytes(&self) -> impl Iterator<Item = u8> + 'b {
        let mut escaped = false;
        self.raw.bytes().filter(move |&b| {
            if !escaped && b == b'\\' {
                escaped = true;
                false
            } else {
                escaped = false;
                true
            }
        })
    }

    /// Whether the unescaped value equals `other` exactly.
    pub fn eq_str(&self, other: &str) -> bool {
        self.bytes().eq(other.bytes())
    }

    /// The unescaped value parsed as a decimal number, if it is one without leading `+`.
    pub fn to_u32(&self) -> Option<u32> {
        let mut n: u32 = 0;
        let mut any = false;
        for b in self.bytes() {
            let d = (b as char).to_digit(10)?;
            n = n.checked_mul(10)?.checked_add(d)?;
            any = true;
        }
        any.then_some(n)
    }

    /// The unescaped value as an owned string.
    #[cfg(feature = "alloc")]
    pub fn to_unescaped(&self) -> alloc::string::String {
        self.bytes().map(char::from).collect()
    }
}

/// The parameters of an [`ExtensionItem`].
#[derive(Clone, Debug)]
pub struct Params<'b> {
    rest: &'b [u8],
}

impl<'b> Iterator for Params<'b> {
    type Item = Param<'b>;

    fn next(&mut self) -> Option<Param<'b>> {
        let mut cursor = Cursor {
            s: self.rest,
            pos: 0,
        };
        cursor.skip_ows();
        if !cursor.eat(b';') {
            self.rest = &[];
            return None;
        }
        // Already validated when the extension was parsed; a failure just ends iteration.
        let param = cursor.param().ok();
        self.rest = self.rest.get(cursor.pos..).unwrap_or_default();
        if param.is_none() {
            self.rest = &[];
        }
        param
    }
}

#[derive(Clone, Debug)]
struct Cursor<'b> {
    s: &'b [u8],
    pos: usize,
}

impl<'b> Cursor<'b> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn skip_ows(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    fn err(&self) -> SyntaxError {
        SyntaxError { offset: self.pos }
    }

    /// Borrows `s[start..self.pos]` as text; only called on validated ASCII ranges.
    fn text(&self, start: usize) -> Result<&'b str, SyntaxError> {
        self.s
            .get(start..self.pos)
            .and_then(|bytes| core::str::from_utf8(bytes).ok())
            .ok_or(SyntaxError { offset: start })
    }

    fn token(&mut self) -> Result<&'b str, SyntaxError> {
        let start = self.pos;
        while self.peek().is_some_and(is_tchar) {
            self.pos += 1;
        }
        if self.pos == start {
            return Err(self.err());
        }
        self.text(start)
    }

    /// `param = token [ "=" (token | quoted-string) ]`, whitespace allowed around `=`.
    fn param(&mut self) -> Result<Param<'b>, SyntaxError> {
        self.skip_ows();
        let name = self.token()?;
        let save = self.pos;
        self.skip_ows();
        if !self.eat(b'=') {
            self.pos = save;
            return Ok(Param { name, value: None });
        }
        self.skip_ows();
        let value = if self.eat(b'"') {
            let start = self.pos;
            loop {
                match self.peek() {
                    Some(b'"') => break,
                    Some(b'\\') => {
                        self.pos += 1;
                        // The unescaped value must be a token, so only tchar may be escaped.
                        if !self.peek().is_some_and(is_tchar) {
                            return Err(self.err());
                        }
                        self.pos += 1;
                    }
                    Some(b) if is_tchar(b) => self.pos += 1,
                    _ => return Err(self.err()),
                }
            }
            if self.pos == start {
                // An empty quoted string is not a token.
                return Err(self.err());
            }
            let raw = self.text(start)?;
            self.pos += 1; // closing quote
            ParamValue { raw, quoted: true }
        } else {
            ParamValue {
                raw: self.token()?,
                quoted: false,
            }
        };
        Ok(Param {
            name,
            value: Some(value),
        })
    }

    /// The next extension of a list, skipping empty elements; `None` at the end.
    fn extension(&mut self) -> Option<Result<ExtensionItem<'b>, SyntaxError>> {
        loop {
            self.skip_ows();
            if !self.eat(b',') {
                break;
            }
        }
        self.peek()?;
        Some(self.extension_body())
    }

    fn extension_body(&mut self) -> Result<ExtensionItem<'b>, SyntaxError> {
        let name = self.token()?;
        let params_start = self.pos;
        let mut params_end = self.pos;
        loop {
            self.skip_ows();
            match self.peek() {
                None | Some(b',') => break,
                Some(b';') => {
                    self.pos += 1;
                    self.param()?;
                    params_end = self.pos;
                }
                Some(_) => return Err(self.err()),
            }
        }
        self.pos = params_end;
        let params = self.text(params_start)?;
        self.skip_ows();
        Ok(ExtensionItem { name, params })
    }
}

/// The extensions of one `Sec-WebSocket-Extensions` value, each checked against the RFC
/// 6455 9.1 grammar as it is reached.
#[derive(Clone, Debug)]
pub struct ExtensionList<'b> {
    cursor: Option<Cursor<'b>>,
}

impl<'b> ExtensionList<'b> {
    /// Parses `value` lazily.
    ///
    /// ```
    /// use wscore::handshake::ExtensionList;
    ///
    /// let value = b"permessage-deflate; client_max_window_bits, x-foo; a=\"1\"";
    /// let exts: Vec<_> = ExtensionList::new(value).collect::<Result<_, _>>().unwrap();
    /// assert_eq!(exts[0].name(), "permessage-deflate");
    /// assert_eq!(exts[0].params().next().unwrap().name, "client_max_window_bits");
    /// let a = exts[1].param("a").unwrap().value.unwrap();
    /// assert_eq!((a.as_str(), a.is_quoted()), (Some("1"), true));
    /// ```
    pub fn new(value: &'b [u8]) -> Self {
        ExtensionList {
            cursor: Some(Cursor { s: value, pos: 0 }),
        }
    }

    /// Checks the whole value; returns the number of extensions.
    pub fn validate(value: &'b [u8]) -> Result<usize, SyntaxError> {
        ExtensionList::new(value).try_fold(0, |n, ext| ext.map(|_| n + 1))
    }
}

impl<'b> Iterator for ExtensionList<'b> {
    type Item = Result<ExtensionItem<'b>, SyntaxError>;

    fn next(&mut self) -> Option<Self::Item> {
        let cursor = self.cursor.as_mut()?;
        let item = cursor.extension();
        if let Some(Err(_)) | None = item {
            self.cursor = None;
        } else if let Some(b) = cursor.peek() {
            if b != b',' {
                let err = cursor.err();
                self.cursor = None;
                return Some(Err(err));
            }
        }
        item
    }
}

/// The extensions offered or accepted in every `Sec-WebSocket-Extensions` field of a header
/// list, in order. Values that do not parse end the iteration; validate first with
/// [`check_extensions`] (the server and client handshakes do).
#[derive(Clone, Debug)]
pub struct Extensions<'b, 'h> {
    values: HeaderValues<'b, 'h, 'static>,
    current: Option<ExtensionList<'b>>,
}

impl<'b, 'h> Extensions<'b, 'h> {
    /// The extensions listed in `headers`.
    pub fn new(headers: &'h [HttpHeader<'b>]) -> Self {
        Extensions {
            values: HeaderValues::new(headers, SEC_WEBSOCKET_EXTENSIONS),
            current: None,
        }
    }
}

impl<'b> Iterator for Extensions<'b, '_> {
    type Item = ExtensionItem<'b>;

    fn next(&mut self) -> Option<ExtensionItem<'b>> {
        loop {
            if let Some(list) = self.current.as_mut() {
                match list.next() {
                    Some(Ok(ext)) => return Some(ext),
                    Some(Err(_)) => {
                        self.values = HeaderValues::new(&[], SEC_WEBSOCKET_EXTENSIONS);
                        self.current = None;
                        return None;
                    }
                    None => self.current = None,
                }
            }
            self.current = Some(ExtensionList::new(self.values.next()?));
        }
    }
}

/// Checks every `Sec-WebSocket-Extensions` field against the RFC 6455 9.1 grammar; returns
/// the number of extensions listed.
pub fn check_extensions(headers: &[HttpHeader<'_>]) -> Result<usize, SyntaxError> {
    HeaderValues::new(headers, SEC_WEBSOCKET_EXTENSIONS)
        .try_fold(0, |n, value| ExtensionList::validate(value).map(|m| n + m))
}

/// The subprotocols listed in every `Sec-WebSocket-Protocol` field, in order.
#[derive(Clone, Debug)]
pub struct Subprotocols<'b, 'h> {
    items: ListItems<'b, 'h, 'static>,
}

impl<'b, 'h> Subprotocols<'b, 'h> {
    /// The subprotocols listed in `headers`.
    pub fn new(headers: &'h [HttpHeader<'b>]) -> Self {
        Subprotocols {
            items: ListItems::new(headers, SEC_WEBSOCKET_PROTOCOL),
        }
    }
}

impl<'b> Iterator for Subprotocols<'b, '_> {
    type Item = &'b str;

    fn next(&mut self) -> Option<&'b str> {
        // Tokens are ASCII; anything else was refused during validation and is skipped here.
        self.items
            .by_ref()
            .find_map(|item| core::str::from_utf8(item).ok())
    }
}

pub(crate) const SEC_WEBSOCKET_EXTENSIONS: &str = "Sec-WebSocket-Extensions";
pub(crate) const SEC_WEBSOCKET_PROTOCOL: &str = "Sec-WebSocket-Protocol";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_items_merge_fields_and_skip_empty_elements() {
        let headers = [
            HttpHeader::new("Connection", " , keep-alive ,,"),
            HttpHeader::new("connection", "Upgrade"),
        ];
        let items: [&[u8]; 2] = [b"keep-alive", b"Upgrade"];
        assert!(ListItems::new(&headers, "CONNECTION").eq(items));
        assert!(list_contains(&headers, "Connection", "upgrade"));
        assert!(!list_contains(&headers, "Connection", "close"));
    }

    #[test]
    fn token_lists_reject_separators() {
        let ok = [HttpHeader::new("Sec-WebSocket-Protocol", "chat, superchat")];
        assert_eq!(check_token_list(&ok, "sec-websocket-protocol"), Ok(2));
        let bad = [HttpHeader::new(
            "Sec-WebSocket-Protocol",
            "chat, super chat",
        )];
        assert_eq!(
            check_token_list(&bad, "sec-websocket-protocol"),
            Err(SyntaxError { offset: 5 })
        );
    }

    #[test]
    fn extension_grammar_rfc_6455_9_1() {
        // Examples from RFC 6455 9.1 and RFC 7692 7.1.
        for ok in [
            &b"foo"[..],
            b"foo, bar; baz=2",
            b"deflate-stream",
            b"mux; max-channels=4; flow-control, deflate-stream",
            b"private-extension",
            b"permessage-deflate; client_max_window_bits",
            b"permessage-deflate; client_max_window_bits=\"10\"",
            b"x; a = 1 ;b=\"t\\ok\"",
            b"",
            b" , foo ,",
        ] {
            assert!(ExtensionList::validate(ok).is_ok(), "{:?}", ok);
        }
        for bad in [
            &b"foo;"[..],
            b"foo bar",
            b";a",
            b"foo; a=",
            b"foo; a=\"\"",
            b"foo; a=\"x y\"",
            b"foo; a=\"1",
            b"foo; a=\"\\ \"",
            b"foo; a=b c",
            b"f\xc3\xa9",
            b"foo; a=\"1\"x",
        ] {
            assert!(ExtensionList::validate(bad).is_err(), "{:?}", bad);
        }
    }

    #[test]
    fn extension_params_and_quoted_values() {
        let value = b"mux; max-channels=4; flow-control, deflate-stream, x; v=\"a\\bc\"";
        let exts: [ExtensionItem<'_>; 3] = {
            let mut it = ExtensionList::new(value).map(Result::unwrap);
            [it.next().unwrap(), it.next().unwrap(), it.next().unwrap()]
        };
        assert_eq!(exts[0].name(), "mux");
        let params: [(&str, Option<&str>); 2] =
            [("max-channels", Some("4")), ("flow-control", None)];
        assert!(exts[0]
            .params()
            .map(|p| (p.name, p.value.and_then(|v| v.as_str())))
            .eq(params));
        assert_eq!(
            exts[0]
                .param("MAX-CHANNELS")
                .unwrap()
                .value
                .unwrap()
                .to_u32(),
            Some(4)
        );
        assert_eq!(exts[1].name(), "deflate-stream");
        assert_eq!(exts[1].params().count(), 0);
        let v = exts[2].param("v").unwrap().value.unwrap();
        assert_eq!(v.raw(), "a\\bc");
        assert!(v.is_quoted());
        assert_eq!(v.as_str(), None);
        assert!(v.eq_str("abc"));
        assert!(!v.eq_str("a\\bc"));
    }

    #[test]
    fn extensions_across_fields() {
        let headers = [
            HttpHeader::new("Sec-WebSocket-Extensions", "a; x=1"),
            HttpHeader::new("Host", "h"),
            HttpHeader::new("sec-websocket-extensions", "b, c"),
        ];
        assert_eq!(check_extensions(&headers), Ok(3));
        let names = ["a", "b", "c"];
        assert!(Extensions::new(&headers).map(|e| e.name()).eq(names));
    }
}
