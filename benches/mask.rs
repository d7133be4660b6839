//! Masking throughput: `wscore::mask::apply_mask` next to the peers' public masking functions
//! and a `copy_from_slice` of the same size, at a 64-byte-aligned start and at offset 1.
//!
//! Every contestant XORs the same buffer in place, over and over: masking twice restores the
//! original, and the work does not depend on the bytes, so no restore step is needed. The
//! memcpy baseline copies between two buffers with the same alignment.
//!
//! Run: `cargo bench -p wscore-benches --bench mask -- --warm-up-time 1 --measurement-time 2`. Results and the
//! method are in docs/performance.md.

mod common;

use std::hint::black_box;

use common::{Placed, KEY};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

const SIZES: [(usize, &str); 5] = [
    (16, "16B"),
    (125, "125B"),
    (1024, "1KiB"),
    (64 * 1024, "64KiB"),
    (1024 * 1024, "1MiB"),
];

fn reference(buf: &mut [u8], key: [u8; 4]) {
    for (i, b) in buf.iter_mut().enumerate() {
        *b ^= key[i % 4];
    }
}

/// Checks once, outside the timed loops, that each contestant masks `len` bytes correctly at
/// this offset.
fn verify(len: usize, offset: usize) {
    let mut expected = Placed::new(len, offset);
    reference(expected.get(), KEY);
    let expected = expected.get().to_vec();

    let mut ours = Placed::new(len, offset);
    assert_eq!(wscore::mask::apply_mask(ours.get(), KEY, 0), len % 4);
    assert_eq!(ours.get(), &expected[..], "wscore");

    let mut fws = Placed::new(len, offset);
    fastwebsockets::unmask(fws.get(), KEY);
    assert_eq!(fws.get(), &expected[..], "fastwebsockets");

    let mut wsi = Placed::new(len, offset);
    websocket_sans_io::apply_mask(KEY, wsi.get(), 0);
    assert_eq!(wsi.get(), &expected[..], "websocket-sans-io");
}

fn mask(c: &mut Criterion) {
    for (offset, align) in [(0, "aligned"), (1, "offset1")] {
        let mut group = c.benchmark_group(format!("mask/{align}"));
        for (len, label) in SIZES {
            verify(len, offset);
            group.throughput(Throughput::Bytes(len as u64));

            let mut buf = Placed::new(len, offset);
            group.bench_function(BenchmarkId::new(label, "wscore"), |b| {
                b.iter(|| {
                    let buf = black_box(buf.get());
                    black_box(wscore::mask::apply_mask(buf, black_box(KEY), 0));
                })
            });
            group.bench_function(BenchmarkId::new(label, "fastwebsockets"), |b| {
                b.iter(|| {
                    let buf = black_box(buf.get());
                    fastwebsockets::unmask(buf, black_box(KEY));
                    black_box(buf);
                })
            });
            group.bench_function(BenchmarkId::new(label, "websocket-sans-io"), |b| {
                b.iter(|| {
                    let buf = black_box(buf.get());
                    websocket_sans_io::apply_mask(black_box(KEY), buf, 0);
                    black_box(buf);
                })
            });
            let mut src = Placed::new(len, offset);
            group.bench_function(BenchmarkId::new(label, "memcpy"), |b| {
                b.iter(|| {
                    let dst = black_box(buf.get());
                    dst.copy_from_slice(black_box(src.get()));
                    black_box(dst);
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, mask);
criterion_main!(benches);
