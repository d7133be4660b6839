#![cfg(feature = "deflate")]
//! Memory of permessage-deflate, measured with a counting global allocator: the state each
//! backend allocates per window and memory level (printed as the table in docs/deflate.md),
//! that negotiation and idle connections allocate no compression state, that the release
//! policy frees it after each message, and that decompression bombs are stopped with memory
//! bounded by the limit, not by the expansion.
//!
//! The allocator counts live and peak bytes per thread (a `const` thread-local, which never
//! allocates), so the harness's other threads cannot disturb a measurement.

mod deflate_util;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use deflate_util::negotiate;
use wscore::deflate::backend::{Backend, CompressParams};
use wscore::deflate::{DeflateConfig, MemoryPolicy, Miniz, RSV1};
use wscore::extension::{Extension, ExtensionError};
use wscore::DataKind;

struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn add(delta: isize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

// SAFETY: every call is forwarded unchanged to the system allocator; the wrapper only
// updates thread-local counters.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        add(layout.size() as isize);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        add(layout.size() as isize);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        add(new_size as isize - layout.size() as isize);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        add(-(layout.size() as isize));
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live() -> isize {
    LIVE.with(Cell::get)
}

/// Live bytes `f`'s result holds, and the peak above the start while it ran.
fn measure<R>(f: impl FnOnce() -> R) -> (isize, isize, R) {
    let start = live();
    PEAK.with(|p| p.set(start));
    let r = f();
    (live() - start, PEAK.with(Cell::get) - start, r)
}

#[test]
fn backend_state_sizes() {
    // Measured as the live bytes after making a state and pushing a message through it
    // (output buffers dropped), so allocations made lazily on first use are included.
    fn held<B: Backend>(backend: &B, params: CompressParams) -> (isize, isize) {
        let (compressor, _, c) = measure(|| {
            let mut c = backend.compressor(params);
            let mut out = Vec::new();
            wscore::deflate::backend::Compress::compress(
                &mut c,
                &deflate_util::json_like(40_000, 1),
                true,
                &mut out,
            )
            .unwrap();
            let payload = out.clone();
            drop(out);
            (c, payload)
        });
        let payload = c.1;
        let compressor = compressor - payload.capacity() as isize;
        let (inflater, _, i) = measure(|| {
            let mut i = backend.inflater();
            let mut out = vec![0u8; 1 << 16];
            let mut payload = payload.clone();
            payload.extend_from_slice(&wscore::deflate::TAIL);
            wscore::deflate::backend::Inflate::inflate(&mut i, &payload, &mut out).unwrap();
            i
        });
        drop((c.0, i));
        (compressor, inflater)
    }
    let mut table = String::from(
        "| backend | window bits | memLevel | compressor | inflater |\n|---|---|---|---|---|\n",
    );
    let mut check = |name: &str, rows: Vec<(u8, u8, isize, isize)>| {
        for (w, m, c, i) in rows {
            table.push_str(&format!(
                "| {name} | {w} | {m} | {:.1} KiB | {:.1} KiB |\n",
                c as f64 / 1024.0,
                i as f64 / 1024.0
            ));
            assert!(c > 0 && i > 0);
            assert!(i < 64 * 1024, "inflater {i}");
        }
    };
    let miniz = |mem_levels: &[u8]| {
        let mut rows = Vec::new();
        for &m in mem_levels {
            for w in 8..=15 {
                let (c, i) = held(
                    &Miniz,
                    CompressParams {
                        window_bits: w,
                        level: 6,
                        mem_level: m,
                    },
                );
                rows.push((w, m, c, i));
            }
        }
        rows
    };
    check("miniz_oxide", miniz(&[8]));
    #[cfg(feature = "zlib-rs")]
    {
        let mut rows = Vec::new();
        for m in [1u8, 5, 8, 9] {
            for w in 8..=15 {
                let (c, i) = held(
                    &wscore::deflate::ZlibRs,
                    CompressParams {
                        window_bits: w,
                        level: 6,
                        mem_level: m,
                    },
                );
                rows.push((w, m, c, i));
            }
        }
        // Smaller windows and memory levels are smaller.
        let at = |w: u8, m: u8| rows.iter().find(|r| r.0 == w && r.1 == m).unwrap().2;
        assert!(at(12, 5) < at(15, 8));
        assert!(at(9, 1) < at(12, 5));
        check("zlib-rs", rows);
    }
    eprintln!("{table}");
}

fn idle_and_release<B: Backend>(backend: B) {
    let config = DeflateConfig::new().threshold(0);
    // Negotiation allocates the codec value only, no compression state.
    let (bytes, _, (client, server, _)) = measure(|| {
        negotiate(
            backend.clone(),
            config
                .client_no_context_takeover(true)
                .server_no_context_takeover(true),
            backend.clone(),
            config,
        )
    });
    // Two codecs, the response string and the header list: no compression state.
    assert!(bytes < 2048, "negotiation held {bytes} bytes");
    assert!(!client.has_compressor() && !client.has_inflater());
    let mut client: Box<dyn Extension> = Box::new(client);
    let mut server = server;
    let message = deflate_util::json_like(20_000, 5);
    // With no context takeover and the release policy, a message leaves nothing behind.
    for _ in 0..3 {
        let (held, peak, ()) = measure(|| {
            let mut wire = Vec::new();
            assert_eq!(
                client.begin_outbound(DataKind::Text, Some(message.len())),
                RSV1
            );
            client.outbound(&message, true, &mut wire).unwrap();
            server.begin_inbound(RSV1).unwrap();
            let mut out = Vec::new();
            server
                .inbound(&wire, true, message.len(), &mut out)
                .unwrap();
            assert!(out == message);
        });
        assert_eq!(held, 0, "state left after a message");
        assert!(
            peak > 40_000,
            "the states were allocated while in use ({peak})"
        );
    }
    // The keep policy holds the state between messages instead.
    let (mut client, _, _) = negotiate(
        backend.clone(),
        config
            .client_no_context_takeover(true)
            .memory_policy(MemoryPolicy::Keep),
        backend.clone(),
        config,
    );
    let (held, _, ()) = measure(|| {
        let mut wire = Vec::new();
        client.begin_outbound(DataKind::Text, None);
        client.outbound(&message, true, &mut wire).unwrap();
    });
    assert!(held > 40_000, "kept state {held}");
    assert!(client.has_compressor());
}

#[test]
fn idle_and_release_miniz() {
    idle_and_release(Miniz);
}

#[cfg(feature = "zlib-rs")]
#[test]
fn idle_and_release_zlib_rs() {
    idle_and_release(wscore::deflate::ZlibRs);
}

/// 16 MiB of zeros compressed: about 16 KiB on the wire.
fn bomb() -> Vec<u8> {
    let zeros = vec![0u8; 16 << 20];
    let mut c = flate2::Compress::new(flate2::Compression::best(), false);
    let mut out = Vec::with_capacity(1 << 20);
    c.compress_vec(&zeros, &mut out, flate2::FlushCompress::Sync)
        .unwrap();
    assert!(out.ends_with(&wscore::deflate::TAIL));
    out.truncate(out.len() - 4);
    assert!(out.len() < 64 * 1024, "{}", out.len());
    out
}

fn bombs<B: Backend>(backend: B) {
    let payload = bomb();
    let limit = 1 << 20;
    for pieces in [1usize, 7] {
        let (_, mut server, _) = negotiate(
            backend.clone(),
            DeflateConfig::new(),
            backend.clone(),
            DeflateConfig::new(),
        );
        let (_, peak, result) = measure(|| {
            server.begin_inbound(RSV1).unwrap();
            let mut out = Vec::new();
            let chunk = payload.len().div_ceil(pieces);
            let parts: Vec<&[u8]> = payload.chunks(chunk).collect();
            for (i, part) in parts.iter().enumerate() {
                let room = limit - out.len();
                server.inbound(part, i + 1 == parts.len(), room, &mut out)?;
            }
            Ok::<usize, ExtensionError>(out.len())
        });
        assert_eq!(result, Err(ExtensionError::TOO_LARGE));
        // Bounded by the limit (and Vec growth), not by the 16 MiB expansion.
        assert!(peak < 3 * limit as isize, "peak {peak}");
    }
}

#[test]
fn bombs_miniz() {
    bombs(Miniz);
}

#[cfg(feature = "zlib-rs")]
#[test]
fn bombs_zlib_rs() {
    bombs(wscore::deflate::ZlibRs);
}

fn exact_limit<B: Backend>(backend: B) {
    let message = deflate_util::json_like(300_000, 9);
    for cuts in [1usize, 3, 1000] {
        for (limit, ok) in [(message.len(), true), (message.len() - 1, false)] {
            let (mut client, mut server, _) = negotiate(
                backend.clone(),
                DeflateConfig::new(),
                backend.clone(),
                DeflateConfig::new(),
            );
            let mut wire = Vec::new();
            client.begin_outbound(DataKind::Text, Some(message.len()));
            client.outbound(&message, true, &mut wire).unwrap();
            server.begin_inbound(RSV1).unwrap();
            let mut out = Vec::new();
            let chunk = wire.len().div_ceil(cuts);
            let parts: Vec<&[u8]> = wire.chunks(chunk).collect();
            let mut result = Ok(());
            for (i, part) in parts.iter().enumerate() {
                let room = limit - out.len();
                result = server.inbound(part, i + 1 == parts.len(), room, &mut out);
                if result.is_err() {
                    break;
                }
            }
            if ok {
                assert_eq!(result, Ok(()));
                assert!(out == message);
            } else {
                assert_eq!(result, Err(ExtensionError::TOO_LARGE));
                assert!(out.len() <= limit);
            }
        }
    }
}

#[test]
fn exact_limit_miniz() {
    exact_limit(Miniz);
}

#[cfg(feature = "zlib-rs")]
#[test]
fn exact_limit_zlib_rs() {
    exact_limit(wscore::deflate::ZlibRs);
}

/// A server without context takeover that shares compressors: connections borrow one per
/// message, so a warm message allocates no compressor and idle connections hold none.
fn shared_compressors<B: Backend>(backend: B) {
    use wscore::deflate::{DeflateClient, DeflateServer};
    use wscore::extension::{ClientNegotiation, ServerNegotiation};
    use wscore::handshake::{ExtensionList, Extensions, HttpHeader};

    let config = DeflateConfig::new()
        .threshold(0)
        .server_no_context_takeover(true);
    let server = DeflateServer::with_backend(backend.clone(), config).share_compressors(2);
    let client = DeflateClient::with_backend(backend.clone(), DeflateConfig::new());
    let offer = client.offer();
    let headers = [HttpHeader::new("Sec-WebSocket-Extensions", &offer)];
    let mut connections = Vec::new();
    for _ in 0..3 {
        let agreed = server.negotiate(Extensions::new(&headers)).unwrap();
        let answer = ExtensionList::new(agreed.response.as_bytes())
            .next()
            .unwrap()
            .unwrap();
        connections.push((agreed.extension, client.accept_codec(&answer).unwrap()));
    }
    let pool = server.compressor_pool().unwrap();
    let message = deflate_util::json_like(20_000, 11);
    let mut expected = None;
    for round in 0..3 {
        for (server_codec, client_codec) in &mut connections {
            let (held, peak, wire) = measure(|| {
                let mut wire = Vec::new();
                server_codec.begin_outbound(DataKind::Text, Some(message.len()));
                server_codec.outbound(&message, true, &mut wire).unwrap();
                wire
            });
            // No context takeover: every message compresses to the same bytes.
            assert_eq!(expected.get_or_insert_with(|| wire.clone()), &wire);
            let held = held - wire.capacity() as isize;
            if round > 0 {
                // Warm: borrowed and returned, nothing allocated beyond the output.
                assert!(held <= 0, "held {held}");
                assert!(peak < 100_000, "peak {peak}");
            }
            assert_eq!(pool.idle_count(), 1);
            client_codec.begin_inbound(RSV1).unwrap();
            let mut out = Vec::new();
            client_codec
                .inbound(&wire, true, message.len(), &mut out)
                .unwrap();
            assert!(out == message);
        }
    }
}

#[test]
fn shared_compressors_miniz() {
    shared_compressors(Miniz);
}

#[cfg(feature = "zlib-rs")]
#[test]
fn shared_compressors_zlib_rs() {
    shared_compressors(wscore::deflate::ZlibRs);
}
