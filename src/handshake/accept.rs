//! `Sec-WebSocket-Key` and `Sec-WebSocket-Accept` (RFC 6455 sections 1.3 and 4.2.2).

use core::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// The GUID that RFC 6455 concatenates with the key before hashing.
pub const WEBSOCKET_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// A base64-encoded 16-byte nonce: the 24-character value of `Sec-WebSocket-Key`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key([u8; 24]);

impl Key {
    /// Encodes a 16-byte nonce. The nonce must come from the caller's entropy source
    /// (RFC 6455 4.1: "The nonce MUST be selected randomly for each connection").
    pub fn from_nonce(nonce: [u8; 16]) -> Key {
        let mut out = [0u8; 24];
        // 16 bytes always encode to exactly 24 characters, so this cannot fail.
        let written = STANDARD.encode_slice(nonce, &mut out).unwrap_or(0);
        debug_assert_eq!(written, 24);
        Key(out)
    }

    /// Validates a received key: it must be base64 that decodes to exactly 16 bytes (RFC 6455
    /// 4.2.1: "when decoded, is 16 bytes in length"). Surrounding whitespace must already be
    /// removed.
    pub fn parse(value: &[u8]) -> Option<Key> {
        let encoded: [u8; 24] = value.try_into().ok()?;
        let mut decoded = [0u8; 18];
        match STANDARD.decode_slice(encoded, &mut decoded) {
            Ok(16) => Some(Key(encoded)),
            _ => None,
        }
    }

    /// The 16-byte nonce the key encodes.
    pub fn to_nonce(&self) -> [u8; 16] {
        let mut decoded = [0u8; 18];
        // A `Key` always holds the base64 of 16 bytes.
        let _ = STANDARD.decode_slice(self.0, &mut decoded);
        let mut nonce = [0u8; 16];
        nonce.copy_from_slice(&decoded[..16]);
        nonce
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        // Base64 output is ASCII.
        core::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The key as bytes.
    pub fn as_bytes(&self) -> &[u8; 24] {
        &self.0
    }

    /// The `Sec-WebSocket-Accept` value a server answers this key with.
    pub fn accept(&self) -> AcceptKey {
        accept_key(&self.0)
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Key").field(&self.as_str()).finish()
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `Sec-WebSocket-Accept` value: 28 base64 characters.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AcceptKey([u8; 28]);

impl AcceptKey {
    /// The value as text.
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The value as bytes.
    pub fn as_bytes(&self) -> &[u8; 28] {
        &self.0
    }
}

impl fmt::Debug for AcceptKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AcceptKey").field(&self.as_str()).finish()
    }
}

impl fmt::Display for AcceptKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Computes `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key` value: the base64 of the SHA-1
/// of the key (as sent, trimmed) followed by [`WEBSOCKET_GUID`] (RFC 6455 4.2.2 step 5.4).
///
/// ```
/// // RFC 6455 section 1.3.
/// let accept = wscore::handshake::accept_key(b"dGhlIHNhbXBsZSBub25jZQ==");
/// assert_eq!(accept.as_str(), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
/// ```
pub fn accept_key(key: &[u8]) -> AcceptKey {
    let mut sha = sha1_smol::Sha1::new();
    sha.update(key);
    sha.update(WEBSOCKET_GUID.as_bytes());
    let digest = sha.digest().bytes();
    let mut out = [0u8; 28];
    // 20 bytes always encode to exactly 28 characters.
    let written = STANDARD.encode_slice(digest, &mut out).unwrap_or(0);
    debug_assert_eq!(written, 28);
    AcceptKey(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6455_1_3_example() {
        // "the server would take the value ... dGhlIHNhbXBsZSBub25jZQ== ... yielding a value
        // of "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=""
        assert_eq!(
            accept_key(b"dGhlIHNhbXBsZSBub25jZQ==").as_str(),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
        let key = Key::parse(b"dGhlIHNhbXBsZSBub25jZQ==").unwrap();
        assert_eq!(key.accept().as_str(), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    #[test]
    fn nonce_encoding_round_trips() {
        // "the sample nonce" is the 16 bytes behind the RFC key.
        let key = Key::from_nonce(*b"the sample nonce");
        assert_eq!(key.as_str(), "dGhlIHNhbXBsZSBub25jZQ==");
        assert_eq!(Key::parse(key.as_bytes()), Some(key));
        assert_eq!(&key.to_nonce(), b"the sample nonce");
    }

    #[test]
    fn keys_that_are_not_16_bytes_are_refused() {
        assert!(Key::parse(b"dGhlIHNhbXBsZSBub25jZQ").is_none()); // no padding
        assert!(Key::parse(b"dGhlIHNhbXBsZSBub25jZQ=").is_none());
        assert!(Key::parse(b"dGhlIHNhbXBsZSBub25jZXg=").is_none()); // 17 bytes
        assert!(Key::parse(b"dGhlIHNhbXBsZSBub25j").is_none()); // 15 bytes
        assert!(Key::parse(b"dGhlIHNhbXBsZSBub25jZQ!=").is_none());
        assert!(Key::parse(b"dGhlIHNhbXBsZSBub25jZR==").is_none()); // non-zero trailing bits
        assert!(Key::parse(b"").is_none());
    }
}
