//! The fuzz targets' bodies (`fuzz/src/lib.rs`) run over every committed seed input
//! (`fuzz/corpus/<target>/`) and every past finding (`tests/data/fuzz/<target>/`), on stable
//! Rust, in every test run: the short fuzz smoke CI can afford. Long runs with mutation need
//! nightly and `cargo fuzz` (see `fuzz/README.md`).

mod common;

#[path = "../fuzz/src/lib.rs"]
mod bodies;

use common::root;

/// Feeds every file of the target's seed corpus and of its findings to `body`; fails on an empty
/// corpus, so that a renamed folder cannot turn the test into a no-op.
fn replay(target: &str, body: fn(&[u8])) {
    let mut inputs = 0;
    for dir in [
        root().join("fuzz/corpus").join(target),
        root().join("tests/data/fuzz").join(target),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths {
            let data = std::fs::read(&path).unwrap();
            // The whole input, then prefixes of it, which reach the error paths.
            for cut in [
                data.len(),
                0,
                1,
                data.len() / 2,
                data.len().saturating_sub(1),
            ] {
                let input = &data[..cut];
                if std::panic::catch_unwind(|| body(input)).is_err() {
                    panic!("{target}: {} cut to {cut} bytes panicked", path.display());
                }
            }
            inputs += 1;
        }
    }
    assert!(inputs > 0, "no seed inputs for the fuzz target {target}");
}

#[test]
fn tokenizer_json_seeds() {
    replay("tokenizer_json", bodies::tokenizer_json);
}

#[test]
fn budget_config_seeds() {
    replay("budget_config", bodies::budget_config);
}

#[test]
fn retrieval_jsonl_seeds() {
    replay("retrieval_jsonl", bodies::retrieval_jsonl);
}

#[test]
fn checkpoint_seeds() {
    replay("checkpoint", bodies::checkpoint);
}

#[test]
fn compare_bytes_seeds() {
    replay("compare_bytes", bodies::compare_bytes);
}

#[test]
fn identifier_lexer_seeds() {
    replay("identifier_lexer", bodies::identifier_lexer);
}
