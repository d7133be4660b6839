//! Replays the committed seed corpus of the `connection` fuzz target through the same
//! checks, so `cargo test` guards every invariant the fuzzer asserts.
#![cfg(feature = "alloc")]

#[path = "fuzz_checks/connection.rs"]
mod check;

#[test]
fn connection_corpus_replays_clean() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/connection");
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("the corpus directory exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.is_file())
        .collect();
    entries.sort();
    assert!(!entries.is_empty(), "the corpus {dir} is empty");
    for path in &entries {
        let data = std::fs::read(path).expect("readable corpus file");
        let result = std::panic::catch_unwind(|| check::run(&data));
        assert!(result.is_ok(), "corpus file {} fails", path.display());
    }
}
