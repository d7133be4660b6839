//! Replays the committed fuzz seed corpus (`tests/corpus/<target>/`; `fuzz/corpus` is a link
//! to it) through the same checks the cargo-fuzz targets run, so plain `cargo test` on stable
//! exercises them.

use std::fs;
use std::path::PathBuf;

#[path = "fuzz_checks/frame_decoder.rs"]
mod frame_decoder;
#[path = "fuzz_checks/mask.rs"]
mod mask;
#[path = "fuzz_checks/utf8.rs"]
mod utf8;

/// Runs `check` on every file of the target's corpus directory; returns how many there were.
fn replay(target: &str, check: fn(&[u8])) -> usize {
    let dir: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "corpus", target]
        .iter()
        .collect();
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    paths.sort();
    for path in &paths {
        let data = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // Name the input if its check panics.
        eprintln!("{target}: {}", path.display());
        check(&data);
    }
    assert!(!paths.is_empty(), "{} holds no corpus files", dir.display());
    paths.len()
}

#[test]
fn frame_decoder_corpus() {
    assert!(replay("frame_decoder", frame_decoder::run) >= 12);
}

#[test]
fn mask_corpus() {
    assert!(replay("mask", mask::run) >= 12);
    // The corpus reaches the long path (payloads of 512 bytes or more after the 7 header
    // bytes), at several lengths and alignments.
    let dir: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "corpus", "mask"]
        .iter()
        .collect();
    let long = fs::read_dir(&dir)
        .expect("the mask corpus")
        .filter(|entry| {
            let len = entry.as_ref().unwrap().metadata().unwrap().len();
            len >= 7 + 512
        })
        .count();
    assert!(long >= 8, "{long} corpus files over 512 payload bytes");
}

#[test]
fn utf8_corpus() {
    assert!(replay("utf8", utf8::run) >= 12);
}
