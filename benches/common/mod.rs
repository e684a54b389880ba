//! What the benches share.

// Each bench includes this module and uses only part of it.
#![allow(dead_code)]

/// The corpus the analysis benches read: source code in every language the lexer knows.
pub const CORPUS: &str = "corpora/code";

/// The tokenizers the analysis benches measure, those of the code report: the native byte-level
/// BPE, unigram and tiktoken paths.
pub const TOKENIZERS: &[&str] = tokstat::compare::CODE_REPORT_TOKENIZERS;

/// The bench's own arguments: those not starting with `--` (cargo passes `--bench`).
pub fn bench_args() -> Vec<String> {
    std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect()
}

/// The text of every file `compare` would read under `dir` (files that are not UTF-8 left out).
pub fn corpus_texts(dir: &str) -> Vec<String> {
    corpus_docs(dir).into_iter().map(|(text, _)| text).collect()
}

/// [`corpus_texts`], each with the language `compare` lexes it as.
pub fn corpus_docs(dir: &str) -> Vec<(String, Option<tokstat::analysis::identifiers::Lang>)> {
    let (files, _) =
        tokstat::input::walk::files(&[dir.to_string()], tokstat::input::WalkOptions::default())
            .unwrap_or_else(|e| panic!("{dir}: {e}"));
    files
        .iter()
        .filter_map(|f| {
            let text = std::fs::read_to_string(&f.path).ok()?;
            Some((
                text,
                tokstat::analysis::identifiers::Lang::from_path(&f.path),
            ))
        })
        .collect()
}

/// Runs `compare` over `dir` with `toks` in a pool of one thread, so that its ratio to a
/// one-thread encode is the analysis's cost, not a parallel speed-up.
pub fn one_thread_compare(
    dir: &str,
    toks: Vec<std::sync::Arc<dyn tokstat::tokenizer::Tokenizer>>,
) -> impl Fn() -> tokstat::compare::CompareReport {
    let opts = tokstat::compare::CompareOptions {
        paths: vec![dir.to_string()],
        ..Default::default()
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("thread pool");
    move || pool.install(|| tokstat::compare::compare_with(&opts, &toks).expect("compare"))
}
