//! Replays the fuzz seed corpus and every CSV fixture through the fuzz property on stable Rust,
//! plus a bounded run of deterministic byte mutations, so `cargo test` checks what `cargo fuzz` checks.

#[path = "../fuzz/property.rs"]
mod property;

use std::path::{Path, PathBuf};

use property::Engine;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn seed_corpus_and_fixtures_hold_the_property() {
    let engine = Engine::new();
    let mut replayed = 0;
    for dir in ["fuzz/corpus/import_engine", "tests/fixtures/csv"] {
        for path in corpus_files(&Path::new(ROOT).join(dir)) {
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let outcome = std::panic::catch_unwind(|| engine.exercise(&bytes));
            assert!(outcome.is_ok(), "{} broke the property", path.display());
            replayed += 1;
        }
    }
    assert!(replayed >= 40, "only {replayed} inputs replayed");
}

/// A small xorshift generator: the same mutations on every run, so a failure reproduces.
struct Mutator(u64);

impl Mutator {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// Flips, inserts, deletes or duplicates bytes, favouring the characters CSV cares about.
    fn mutate(&mut self, input: &[u8]) -> Vec<u8> {
        const INTERESTING: &[u8] = b";,\t\"\r\n\0'=+-@ \xEF\xBB\xBF\xFF\xFE";
        let mut out = input.to_vec();
        for _ in 0..=self.below(4) {
            let at = self.below(out.len() + 1);
            let byte = if self.next().is_multiple_of(2) {
                INTERESTING[self.below(INTERESTING.len())]
            } else {
                self.next() as u8
            };
            match self.below(4) {
                0 if at < out.len() => out[at] = byte,
                1 => out.insert(at, byte),
                2 if at < out.len() => {
                    out.remove(at);
                }
                _ => {
                    let end = (at + self.below(64)).min(out.len());
                    let chunk = out[at..end].to_vec();
                    out.splice(at..at, chunk);
                }
            }
        }
        out
    }
}

#[test]
fn mutated_seeds_hold_the_property() {
    let engine = Engine::new();
    let seeds: Vec<Vec<u8>> = corpus_files(&Path::new(ROOT).join("fuzz/corpus/import_engine"))
        .iter()
        .map(|path| std::fs::read(path).expect("seed"))
        .filter(|bytes| bytes.len() < 64 * 1024)
        .collect();
    let mut mutator = Mutator(0x5eed_2026);
    for round in 0..600 {
        let seed = &seeds[round % seeds.len()];
        let input = mutator.mutate(seed);
        let outcome = std::panic::catch_unwind(|| engine.exercise(&input));
        assert!(
            outcome.is_ok(),
            "mutation {round} of seed {} broke the property; input: {:?}",
            round % seeds.len(),
            String::from_utf8_lossy(&input)
        );
    }
}

/// Every file directly inside `dir`, sorted.
fn corpus_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}
