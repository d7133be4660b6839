//! Replays the committed seed corpus of the `connection_tungstenite` fuzz target (wscore's
//! connection against tungstenite) through the same check.
#![cfg(feature = "alloc")]

#[path = "fuzz_checks/connection_tungstenite.rs"]
mod check;

#[test]
fn connection_tungstenite_corpus_replays_clean() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/corpus/connection_tungstenite"
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
        // Name the seed if its check panics.
        eprintln!("connection_tungstenite: {}", path.display());
        check::run(&data);
    }
}
