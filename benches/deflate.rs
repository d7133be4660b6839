//! permessage-deflate throughput (MB/s of uncompressed data): wscore's codec over each
//! backend next to the same work done with flate2 (zlib-rs backend) and with miniz_oxide's
//! own API (what flate2's default backend wraps; flate2 picks a single backend per build,
//! and the test oracle needs its zlib-rs one). Standalone: needs only the `deflate` feature
//! (plus `zlib-rs` for that backend's rows).
//!
//! Every contestant compresses each message on its own (no context takeover, state reset
//! in place between messages), at level 6 with a 15-bit window, raw DEFLATE with a sync
//! flush; inflating is of the same payload with the tail added back.
//!
//! Run: `cargo bench -p wscore-benches --bench deflate -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use wscore::deflate::backend::Backend;
use wscore::deflate::{CodecSettings, DeflateCodec, DeflateConfig, MemoryPolicy, Miniz, RSV1};
use wscore::extension::Extension;
use wscore::DataKind;

/// JSON-like text of `len` bytes (deterministic).
fn json_like(len: usize) -> Vec<u8> {
    let mut s = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let names = [
        "id",
        "name",
        "price",
        "tags",
        "active",
        "created_at",
        "owner",
        "count",
    ];
    let mut out = Vec::with_capacity(len + 64);
    out.push(b'[');
    while out.len() < len {
        let n = next();
        out.extend_from_slice(
            format!(
                "{{\"{}\":{},\"{}\":\"user-{}\",\"{}\":[{},{}]}},",
                names[(n % 8) as usize],
                n % 100_000,
                names[((n >> 8) % 8) as usize],
                (n >> 16) % 5000,
                names[((n >> 24) % 8) as usize],
                (n >> 32) % 10,
                n % 3 == 0
            )
            .as_bytes(),
        );
    }
    out.truncate(len);
    out
}

const LEVEL: u8 = 6;
const TAIL: [u8; 4] = [0, 0, 0xff, 0xff];

fn codec<B: Backend>(backend: B) -> DeflateCodec<B> {
    DeflateCodec::new(
        backend,
        CodecSettings {
            compress_window_bits: 15,
            compress_no_context_takeover: true,
            inflate_no_context_takeover: true,
        },
        DeflateConfig::new()
            .threshold(0)
            .level(LEVEL)
            .mem_level(8)
            .memory_policy(MemoryPolicy::Keep),
    )
}

fn wscore_compress<B: Backend>(codec: &mut DeflateCodec<B>, msg: &[u8], out: &mut Vec<u8>) {
    out.clear();
    assert_eq!(codec.begin_outbound(DataKind::Text, Some(msg.len())), RSV1);
    codec.outbound(msg, true, out).unwrap();
}

fn wscore_inflate<B: Backend>(codec: &mut DeflateCodec<B>, wire: &[u8], out: &mut Vec<u8>) {
    out.clear();
    codec.begin_inbound(RSV1).unwrap();
    codec.inbound(wire, true, usize::MAX, out).unwrap();
}

fn flate2_compress(c: &mut flate2::Compress, msg: &[u8], out: &mut Vec<u8>) {
    out.clear();
    c.reset();
    c.compress_vec(msg, out, flate2::FlushCompress::Sync)
        .unwrap();
    out.truncate(out.len() - 4);
}

fn flate2_inflate(d: &mut flate2::Decompress, wire: &[u8], out: &mut Vec<u8>) {
    out.clear();
    d.reset(false);
    d.decompress_vec(wire, out, flate2::FlushDecompress::None)
        .unwrap();
    d.decompress_vec(&TAIL, out, flate2::FlushDecompress::Sync)
        .unwrap();
}

fn miniz_compress(
    c: &mut miniz_oxide::deflate::core::CompressorOxide,
    msg: &[u8],
    out: &mut Vec<u8>,
) {
    use miniz_oxide::deflate::core::{compress_to_output, TDEFLFlush};
    out.clear();
    c.reset();
    compress_to_output(c, msg, TDEFLFlush::Sync, |b| {
        out.extend_from_slice(b);
        true
    });
    out.truncate(out.len() - 4);
}

fn miniz_inflate(
    s: &mut miniz_oxide::inflate::stream::InflateState,
    wire: &[u8],
    out: &mut [u8],
) -> usize {
    use miniz_oxide::inflate::stream::inflate;
    use miniz_oxide::{DataFormat, MZFlush};
    s.reset(DataFormat::Raw);
    let a = inflate(s, wire, out, MZFlush::None);
    let b = inflate(s, &TAIL, &mut out[a.bytes_written..], MZFlush::None);
    a.bytes_written + b.bytes_written
}

fn new_flate2_compress() -> flate2::Compress {
    flate2::Compress::new(flate2::Compression::new(u32::from(LEVEL)), false)
}

fn new_miniz_compress() -> Box<miniz_oxide::deflate::core::CompressorOxide> {
    use miniz_oxide::deflate::core::{create_comp_flags_from_zip_params, CompressorOxide};
    Box::new(CompressorOxide::new(create_comp_flags_from_zip_params(
        i32::from(LEVEL),
        -15,
        0,
    )))
}

fn compress(c: &mut Criterion) {
    for size in [1024usize, 64 * 1024] {
        let msg = json_like(size);
        let mut group = c.benchmark_group(format!("deflate/compress/{}KiB", size / 1024));
        group.throughput(Throughput::Bytes(size as u64));
        let mut out = Vec::with_capacity(size * 2);

        let mut w = codec(Miniz);
        group.bench_function(BenchmarkId::from_parameter("wscore-miniz"), |b| {
            b.iter(|| wscore_compress(&mut w, black_box(&msg), &mut out))
        });
        {
            let mut w = codec(wscore::deflate::ZlibRs);
            group.bench_function(BenchmarkId::from_parameter("wscore-zlib-rs"), |b| {
                b.iter(|| wscore_compress(&mut w, black_box(&msg), &mut out))
            });
        }
        let mut f = new_flate2_compress();
        group.bench_function(BenchmarkId::from_parameter("flate2-zlib-rs"), |b| {
            b.iter(|| flate2_compress(&mut f, black_box(&msg), &mut out))
        });
        let mut m = new_miniz_compress();
        group.bench_function(BenchmarkId::from_parameter("miniz_oxide-direct"), |b| {
            b.iter(|| miniz_compress(&mut m, black_box(&msg), &mut out))
        });
        group.finish();
    }
}

fn inflate(c: &mut Criterion) {
    for size in [1024usize, 64 * 1024] {
        let msg = json_like(size);
        let mut wire = Vec::with_capacity(size * 2);
        flate2_compress(&mut new_flate2_compress(), &msg, &mut wire);
        let mut group = c.benchmark_group(format!("deflate/inflate/{}KiB", size / 1024));
        group.throughput(Throughput::Bytes(size as u64));
        let mut out = Vec::with_capacity(size + 64);

        let mut w = codec(Miniz);
        wscore_inflate(&mut w, &wire, &mut out);
        assert_eq!(out, msg);
        group.bench_function(BenchmarkId::from_parameter("wscore-miniz"), |b| {
            b.iter(|| wscore_inflate(&mut w, black_box(&wire), &mut out))
        });
        {
            let mut w = codec(wscore::deflate::ZlibRs);
            wscore_inflate(&mut w, &wire, &mut out);
            assert_eq!(out, msg);
            group.bench_function(BenchmarkId::from_parameter("wscore-zlib-rs"), |b| {
                b.iter(|| wscore_inflate(&mut w, black_box(&wire), &mut out))
            });
        }
        let mut d = flate2::Decompress::new(false);
        flate2_inflate(&mut d, &wire, &mut out);
        assert_eq!(out, msg);
        group.bench_function(BenchmarkId::from_parameter("flate2-zlib-rs"), |b| {
            b.iter(|| flate2_inflate(&mut d, black_box(&wire), &mut out))
        });
        let mut s =
            miniz_oxide::inflate::stream::InflateState::new_boxed(miniz_oxide::DataFormat::Raw);
        let mut buf = vec![0u8; size + 64];
        let n = miniz_inflate(&mut s, &wire, &mut buf);
        assert_eq!(&buf[..n], &msg[..]);
        group.bench_function(BenchmarkId::from_parameter("miniz_oxide-direct"), |b| {
            b.iter(|| miniz_inflate(&mut s, black_box(&wire), &mut buf))
        });
        group.finish();
    }
}

criterion_group!(benches, compress, inflate);
criterion_main!(benches);
