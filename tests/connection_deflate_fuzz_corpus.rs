//! Replays the committed seeds of the `connection_deflate` fuzz target.
#![cfg(feature = "deflate")]

#[path = "fuzz_checks/connection_deflate.rs"]
mod check;

#[test]
fn connection_deflate_corpus_replays_clean() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/corpus/connection_deflate"
    );
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("the corpus directory exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.is_file())
        .collect();
    entries.sort();
    assert!(entries.len() >= 8, "the corpus {dir} has too few seeds");
    for path in &entries {
        let data = std::fs::read(path).expect("readable corpus file");
        let result = std::panic::catch_unwind(|| check::run(&data));
        assert!(result.is_ok(), "corpus file {} fails", path.display());
    }
}
