//! Replays every committed fuzz seed corpus (`tests/corpus/<target>/`; `fuzz/corpus` links
//! to it) through the same checks the cargo-fuzz targets run (`tests/fuzz_checks/`), so
//! plain `cargo test` on stable exercises each seed and guards every invariant the fuzzers
//! assert. One test per target, with the fewest seeds its corpus must hold.

use std::fs;
use std::path::{Path, PathBuf};

#[cfg(feature = "alloc")]
#[path = "fuzz_checks/connection.rs"]
mod connection;
#[cfg(feature = "deflate")]
#[path = "fuzz_checks/connection_deflate.rs"]
mod connection_deflate;
#[cfg(feature = "alloc")]
#[path = "fuzz_checks/connection_tungstenite.rs"]
mod connection_tungstenite;
#[cfg(feature = "deflate")]
#[path = "fuzz_checks/deflate_inflate.rs"]
mod deflate_inflate;
#[cfg(feature = "deflate")]
#[path = "fuzz_checks/deflate_negotiation.rs"]
mod deflate_negotiation;
#[path = "fuzz_checks/frame_decoder.rs"]
mod frame_decoder;
#[path = "fuzz_checks/handshake.rs"]
mod handshake;
#[path = "fuzz_checks/http_head.rs"]
mod http_head;
#[path = "fuzz_checks/mask.rs"]
mod mask;
#[path = "fuzz_checks/utf8.rs"]
mod utf8;

/// The corpus directory of a fuzz target.
fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(target)
}

/// The files of the target's corpus, sorted.
fn seeds(target: &str) -> Vec<PathBuf> {
    let dir = corpus_dir(target);
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    paths.sort();
    paths
}

/// Runs `check` on every seed of the target's corpus, naming the seed whose check panics,
/// and asserts that the corpus holds at least `at_least` seeds.
fn replay(target: &str, at_least: usize, check: fn(&[u8])) {
    let paths = seeds(target);
    for path in &paths {
        let data = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        eprintln!("{target}: {}", path.display());
        check(&data);
    }
    assert!(
        paths.len() >= at_least,
        "{} holds {} seeds, fewer than {at_least}",
        corpus_dir(target).display(),
        paths.len()
    );
}

#[test]
fn frame_decoder_corpus() {
    replay("frame_decoder", 12, frame_decoder::run);
}

#[test]
fn mask_corpus() {
    replay("mask", 12, mask::run);
    // The corpus reaches the long path (payloads of 512 bytes or more after the 7 header
    // bytes), at several lengths and alignments.
    let long = seeds("mask")
        .iter()
        .filter(|path| fs::metadata(path).expect("seed metadata").len() >= 7 + 512)
        .count();
    assert!(long >= 8, "{long} mask seeds over 512 payload bytes");
}

#[test]
fn utf8_corpus() {
    replay("utf8", 12, utf8::run);
}

#[test]
fn handshake_corpus() {
    replay("handshake", 12, handshake::run);
}

#[test]
fn http_head_corpus() {
    replay("http_head", 12, http_head::run);
}

#[cfg(feature = "alloc")]
#[test]
fn connection_corpus() {
    replay("connection", 12, connection::run);
}

#[cfg(feature = "alloc")]
#[test]
fn connection_tungstenite_corpus() {
    replay("connection_tungstenite", 8, connection_tungstenite::run);
}

#[cfg(feature = "deflate")]
#[test]
fn connection_deflate_corpus() {
    replay("connection_deflate", 8, connection_deflate::run);
}

#[cfg(feature = "deflate")]
#[test]
fn deflate_inflate_corpus() {
    replay("deflate_inflate", 10, deflate_inflate::run);
}

#[cfg(feature = "deflate")]
#[test]
fn deflate_negotiation_corpus() {
    replay("deflate_negotiation", 10, deflate_negotiation::run);
}
