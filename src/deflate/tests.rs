//! RFC 7692 section 7.2.3 examples and codec unit tests.

use alloc::vec::Vec;

use super::*;
use crate::extension::{Extension, ExtensionError};
use crate::DataKind;

fn settings(window: u8, compress_nct: bool, inflate_nct: bool) -> CodecSettings {
    CodecSettings {
        compress_window_bits: window,
        compress_no_context_takeover: compress_nct,
        inflate_no_context_takeover: inflate_nct,
    }
}

fn codec<B: backend::Backend>(backend: B) -> DeflateCodec<B> {
    DeflateCodec::new(
        backend,
        settings(15, false, false),
        DeflateConfig::new().threshold(0),
    )
}

/// Inflates one message given as pieces; the last piece carries `fin`.
fn inflate(
    codec: &mut impl Extension,
    pieces: &[&[u8]],
    limit: usize,
) -> Result<Vec<u8>, ExtensionError> {
    codec.begin_inbound(RSV1)?;
    let mut out = Vec::new();
    for (i, piece) in pieces.iter().enumerate() {
        let room = limit - out.len();
        codec.inbound(piece, i + 1 == pieces.len(), room, &mut out)?;
    }
    Ok(out)
}

fn deflate(codec: &mut impl Extension, message: &[u8]) -> Vec<u8> {
    assert_eq!(
        codec.begin_outbound(DataKind::Binary, Some(message.len())),
        RSV1
    );
    let mut out = Vec::new();
    codec.outbound(message, true, &mut out).unwrap();
    out
}

const HELLO: &[u8] = &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];

fn rfc_examples<B: backend::Backend>(backend: B) {
    // 7.2.3.1: one compressed block, whole and fragmented.
    let mut c = codec(backend.clone());
    assert_eq!(inflate(&mut c, &[HELLO], 100).unwrap(), b"Hello");
    let mut c = codec(backend.clone());
    assert_eq!(
        inflate(&mut c, &[&HELLO[..3], &HELLO[3..]], 100).unwrap(),
        b"Hello"
    );
    // 7.2.3.2: the second message refers back into the first one's window.
    let second: &[u8] = &[0xf2, 0x00, 0x11, 0x00, 0x00];
    assert_eq!(inflate(&mut c, &[second], 100).unwrap(), b"Hello");
    // Without that history the reference is invalid (zlib-rs refuses it; miniz reads its
    // zeroed window).
    let mut fresh = codec(backend.clone());
    if backend.name() == "zlib-rs" {
        assert!(inflate(&mut fresh, &[second], 100).is_err());
    } else {
        assert_ne!(inflate(&mut fresh, &[second], 100), Ok(b"Hello".to_vec()));
    }
    // 7.2.3.3: a stored block.
    let stored: &[u8] = &[
        0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
    ];
    assert_eq!(inflate(&mut c, &[stored], 100).unwrap(), b"Hello");
    // 7.2.3.4: BFINAL set, then a message after it.
    let bfinal: &[u8] = &[0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00];
    assert_eq!(inflate(&mut c, &[bfinal], 100).unwrap(), b"Hello");
    assert_eq!(inflate(&mut c, &[HELLO], 100).unwrap(), b"Hello");
    // A BFINAL block that ends exactly at the end of the message.
    let bfinal_only: &[u8] = &[0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
    assert_eq!(inflate(&mut c, &[bfinal_only], 100).unwrap(), b"Hello");
    assert_eq!(inflate(&mut c, &[HELLO], 100).unwrap(), b"Hello");
    // 7.2.3.5: two blocks in one message.
    let two: &[u8] = &[
        0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00,
    ];
    let mut c = codec(backend.clone());
    assert_eq!(inflate(&mut c, &[two], 100).unwrap(), b"Hello");
    // 7.2.3.6: an empty final fragment after a sync-flushed first fragment.
    let first: &[u8] = &[
        0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00, 0x00, 0xff, 0xff,
    ];
    let mut c = codec(backend.clone());
    assert_eq!(inflate(&mut c, &[first, &[0x00]], 100).unwrap(), b"Hello");
    // And an empty final piece after the whole payload.
    let mut c = codec(backend.clone());
    assert_eq!(inflate(&mut c, &[HELLO, &[]], 100).unwrap(), b"Hello");
    // Garbage is refused with 1007.
    let mut c = codec(backend.clone());
    let e = inflate(&mut c, &[&[0xff, 0xff, 0xff]], 100).unwrap_err();
    assert_eq!(e.code, crate::frame::CloseCode::INVALID_PAYLOAD);
}

#[test]
fn rfc_7692_examples_miniz() {
    rfc_examples(Miniz);
}

#[cfg(feature = "zlib-rs")]
#[test]
fn rfc_7692_examples_zlib_rs() {
    rfc_examples(ZlibRs);
}

fn encoder_output<B: backend::Backend>(backend: B) {
    // Our own "Hello" inflates back and shares its window with the next message.
    let mut c = codec(backend.clone());
    let first = deflate(&mut c, b"Hello");
    let second = deflate(&mut c, b"Hello");
    assert!(second.len() < first.len(), "{first:02x?} {second:02x?}");
    let mut d = codec(backend.clone());
    assert_eq!(inflate(&mut d, &[&first], 100).unwrap(), b"Hello");
    assert_eq!(inflate(&mut d, &[&second], 100).unwrap(), b"Hello");
    // An empty message.
    let empty = deflate(&mut c, b"");
    assert!(!empty.is_empty());
    assert_eq!(inflate(&mut d, &[&empty], 100).unwrap(), b"");
    assert_eq!(
        inflate(&mut d, &[&deflate(&mut c, b"Hello")], 100).unwrap(),
        b"Hello"
    );
    // A streamed message in pieces, the last one empty.
    assert_eq!(c.begin_outbound(DataKind::Text, None), RSV1);
    let mut a = Vec::new();
    c.outbound(b"Hel", false, &mut a).unwrap();
    let mut b = Vec::new();
    c.outbound(b"lo", false, &mut b).unwrap();
    let mut z = Vec::new();
    c.outbound(b"", true, &mut z).unwrap();
    assert_eq!(inflate(&mut d, &[&a, &b, &z], 100).unwrap(), b"Hello");
}

#[test]
fn encoder_miniz() {
    encoder_output(Miniz);
    // miniz writes the same bytes as the RFC's zlib for "Hello".
    let mut c = codec(Miniz);
    assert_eq!(deflate(&mut c, b"Hello"), HELLO);
}

#[cfg(feature = "zlib-rs")]
#[test]
fn encoder_zlib_rs() {
    encoder_output(ZlibRs);
    let mut c = codec(ZlibRs);
    assert_eq!(deflate(&mut c, b"Hello"), HELLO);
}

#[test]
fn threshold_decides_before_compressing() {
    let mut c = DeflateCodec::new(Miniz, settings(15, false, false), DeflateConfig::new());
    assert_eq!(c.begin_outbound(DataKind::Text, Some(1023)), 0);
    assert!(!c.has_compressor());
    assert_eq!(c.begin_outbound(DataKind::Text, Some(1024)), RSV1);
    assert_eq!(c.begin_outbound(DataKind::Text, None), RSV1);
}

#[test]
fn limits() {
    let mut c = codec(Miniz);
    let message = alloc::vec![b'a'; 10_000];
    let wire = deflate(&mut c, &message);
    assert!(wire.len() < 100);
    // Exactly at the limit passes, one byte less fails with 1009.
    let mut d = codec(Miniz);
    assert_eq!(inflate(&mut d, &[&wire], 10_000).unwrap(), message);
    let mut d = codec(Miniz);
    assert_eq!(
        inflate(&mut d, &[&wire], 9_999),
        Err(ExtensionError::TOO_LARGE)
    );
    let mut out = Vec::new();
    let mut d = codec(Miniz);
    d.begin_inbound(RSV1).unwrap();
    assert_eq!(
        d.inbound(&wire, true, 0, &mut out),
        Err(ExtensionError::TOO_LARGE)
    );
    assert!(out.is_empty());
}

#[test]
fn memory_policy() {
    for policy in [MemoryPolicy::Release, MemoryPolicy::Keep] {
        let config = DeflateConfig::new().threshold(0).memory_policy(policy);
        let mut c = DeflateCodec::new(Miniz, settings(15, true, true), config);
        assert!(!c.has_compressor() && !c.has_inflater());
        let wire = deflate(&mut c, b"Hello Hello Hello");
        assert_eq!(c.has_compressor(), policy == MemoryPolicy::Keep);
        assert_eq!(
            inflate(&mut c, &[&wire], 100).unwrap(),
            b"Hello Hello Hello"
        );
        assert_eq!(c.has_inflater(), policy == MemoryPolicy::Keep);
        // No context takeover: the same message compresses to the same bytes again.
        assert_eq!(deflate(&mut c, b"Hello Hello Hello"), wire);
    }
    // With context takeover the state stays.
    let mut c = codec(Miniz);
    let wire = deflate(&mut c, b"Hello");
    assert!(c.has_compressor());
    inflate(&mut c, &[&wire], 100).unwrap();
    assert!(c.has_inflater());
}

fn stored_blocks_over_64k<B: backend::Backend>(backend: B) {
    // Level 0 writes stored blocks; a message over one block's 65535 bytes must still end
    // with the complete sync flush (miniz's slice API once stopped short here).
    let config = DeflateConfig::new().threshold(0).level(0);
    let mut c = DeflateCodec::new(backend.clone(), settings(15, false, false), config);
    let mut d = codec(backend);
    let big: Vec<u8> = (0..95235u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    for msg in [&b"AA)%e\x01q\r"[..], b"", &big, &big] {
        let wire = deflate(&mut c, msg);
        assert_eq!(inflate(&mut d, &[&wire], msg.len()).unwrap(), msg);
    }
}

#[test]
fn stored_blocks_over_64k_miniz() {
    stored_blocks_over_64k(Miniz);
}

#[cfg(feature = "zlib-rs")]
#[test]
fn stored_blocks_over_64k_zlib_rs() {
    stored_blocks_over_64k(ZlibRs);
}
