//! The body of every fuzz target, one function per target, shared by the `cargo fuzz` binaries
//! (`fuzz_targets/`) and by the main crate's `tests/fuzz_seeds.rs`, which replays the committed
//! seed corpora and past findings through the same code on stable Rust in every test run.
//!
//! Each function must return normally on any input: a panic, a hang or unbounded memory is a
//! finding.

use std::sync::{Arc, OnceLock};

use tokstat::analysis::identifiers::{self, LANGS};
use tokstat::budget::{BudgetOptions, budget};
use tokstat::compare::{CompareOptions, compare_with};
use tokstat::encoder::Encoder;
use tokstat::render::Render;
use tokstat::tokenizer::{self, HfTokenizer, Tokenizer};

/// The tokenizers `compare_bytes` runs, loaded once.
fn tokenizers() -> &'static [Arc<dyn Tokenizer>] {
    static TOKS: OnceLock<Vec<Arc<dyn Tokenizer>>> = OnceLock::new();
    TOKS.get_or_init(|| {
        tokenizer::load_many(&["roberta".into(), "xlm-roberta".into()]).expect("bundled")
    })
}

/// `tokenizer.json` loading (the direct unigram loader and the generic one), then a short encode
/// and decode with whatever loaded.
pub fn tokenizer_json(data: &[u8]) {
    if let Ok(t) = HfTokenizer::from_json("fuzz.json", data) {
        let _ = t.vocab_size();
        let _ = t.space_marker();
        let _ = t.added_tokens();
        if let Ok(enc) = t.encode("Hello wörld, fn x() {}  ", true) {
            let _ = t.decode(&enc.ids, false);
        }
    }
}

/// A model's `config.json` → the parameter budget, with a vocabulary sweep, a fixed total and
/// attention costs.
pub fn budget_config(data: &[u8]) {
    let path =
        std::env::temp_dir().join(format!("tokstat-fuzz-{}-config.json", std::process::id()));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let opts = BudgetOptions {
        models: vec![path.display().to_string()],
        vocab_sizes: vec![1, 32_000, 250_002],
        fixed_total: Some(400_000_000),
        attention_seqs: vec![512, 8192],
        ..BudgetOptions::default()
    };
    if let Ok(report) = budget(&opts) {
        let _ = report.tables();
        let _ = serde_json::to_string(&report);
    }
}

/// JSON-lines retrieval records (`<language>/<split>.jsonl`).
pub fn retrieval_jsonl(data: &[u8]) {
    let _ = tokstat::retrieval::data::parse_split(
        std::path::Path::new("go/train.jsonl"),
        "go",
        "train",
        data,
    );
}

/// A retrieval checkpoint: its JSON config and its safetensors bytes (`Encoder::load`).
///
/// Input layout: a little-endian u32 n, then n bytes of JSON, then the safetensors bytes.
pub fn checkpoint(data: &[u8]) {
    if data.len() < 4 {
        return;
    }
    let n = u32::from_le_bytes([data[0], data[1], data[2], data[3]]) as usize;
    let rest = &data[4..];
    let (json, tensors) = rest.split_at(n.min(rest.len()));
    let Ok(json) = std::str::from_utf8(json) else {
        return;
    };
    let _ = Encoder::from_bytes(std::path::Path::new("fuzz.safetensors"), json, tensors);
}

/// `compare` on arbitrary bytes: one input file, read in small chunks (so that the cut points
/// are exercised), as text or as code of the language the first byte picks, with two
/// tokenizers of different kinds (byte-level BPE and unigram).
pub fn compare_bytes(data: &[u8]) {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let path = std::env::temp_dir().join(format!("tokstat-fuzz-{}-input", std::process::id()));
    if std::fs::write(&path, body).is_err() {
        return;
    }
    let lang = LANGS.get(pick as usize % (LANGS.len() + 1)).copied();
    let opts = CompareOptions {
        paths: vec![path.display().to_string()],
        lang,
        lossy: pick & 0x80 != 0,
        chunk_bytes: 64,
        show: pick & 0x40 != 0,
        ..CompareOptions::default()
    };
    // Run on a worker of a one-thread pool whose worker is this thread: called from outside a
    // pool, every chunk's parallel step over the tokenizers would hand its work to another thread
    // and wait for it, which cost more than half of each run.
    pool().install(|| {
        if let Ok(report) = compare_with(&opts, tokenizers()) {
            let _ = report.tables();
            let _ = serde_json::to_string(&report);
        }
    });
}

/// The one-thread pool `compare_bytes` runs in, built once on the fuzzing thread and made of
/// that thread alone, so `install` runs in place instead of waking another thread.
fn pool() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .use_current_thread()
            .build()
            .expect("a one-thread pool")
    })
}

/// The identifier lexer: spans, code line starts, styles and sub-word zones, for the language
/// the first byte picks.
pub fn identifier_lexer(data: &[u8]) {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(body) else {
        return;
    };
    let lang = LANGS[pick as usize % LANGS.len()];
    for (s, e) in identifiers::identifier_spans(text, lang) {
        let ident = &text[s..e];
        let _ = identifiers::style(ident);
        for (a, b) in identifiers::subword_zones(ident) {
            let _ = &ident[a..b];
        }
    }
    for k in identifiers::code_line_starts(text, lang) {
        let _ = &text[k..];
    }
}
