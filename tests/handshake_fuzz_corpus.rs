//! Replays the committed fuzz seed corpora through the fuzz checks, so plain `cargo test`
//! exercises every seed.

use std::fs;
use std::path::PathBuf;

#[path = "fuzz_checks/handshake.rs"]
mod handshake;
#[path = "fuzz_checks/http_head.rs"]
mod http_head;

fn replay(target: &str, check: fn(&[u8])) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(target);
    let mut count = 0;
    for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("directory entry").path();
        let data = fs::read(&path).expect("readable seed");
        // Name the seed if its check fails.
        let result = std::panic::catch_unwind(|| check(&data));
        if let Err(panic) = result {
            eprintln!("seed {} failed", path.display());
            std::panic::resume_unwind(panic);
        }
        count += 1;
    }
    assert!(count > 0, "empty corpus in {}", dir.display());
}

#[test]
fn handshake_corpus() {
    replay("handshake", handshake::run);
}

#[test]
fn http_head_corpus() {
    replay("http_head", http_head::run);
}
