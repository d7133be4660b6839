#![cfg(feature = "deflate")]
//! Replays the committed permessage-deflate fuzz seeds (`tests/corpus/deflate_*`; `fuzz/corpus` links to it) through
//! the same checks the cargo-fuzz targets run, so plain `cargo test` exercises them.

use std::fs;
use std::path::PathBuf;

#[path = "fuzz_checks/deflate_inflate.rs"]
mod deflate_inflate;
#[path = "fuzz_checks/deflate_negotiation.rs"]
mod deflate_negotiation;

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
        eprintln!("{target}: {}", path.display());
        check(&data);
    }
    assert!(!paths.is_empty(), "{} holds no corpus files", dir.display());
    paths.len()
}

#[test]
fn deflate_inflate_corpus() {
    assert!(replay("deflate_inflate", deflate_inflate::run) >= 10);
}

#[test]
fn deflate_negotiation_corpus() {
    assert!(replay("deflate_negotiation", deflate_negotiation::run) >= 10);
}
