//! What the benches share.

/// The text of every file `compare` would read under `dir` (files that are not UTF-8 left out).
pub fn corpus_texts(dir: &str) -> Vec<String> {
    let (files, _) =
        tokstat::input::walk::files(&[dir.to_string()], tokstat::input::WalkOptions::default())
            .unwrap_or_else(|e| panic!("{dir}: {e}"));
    files
        .iter()
        .filter_map(|f| std::fs::read_to_string(&f.path).ok())
        .collect()
}
