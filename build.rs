//! Prepares the compact forms of the bundled vocabularies, so that loading them reads flat
//! arrays instead of building tables:
//! - the XLM-RoBERTa unigram vocabulary (see `src/tokenizer/compact_unigram/table.rs`) instead of
//!   a 250,002-piece trie: `$OUT_DIR/xlm-roberta.unigram` (pieces, scores, trie) and
//!   `$OUT_DIR/xlm-roberta.pipeline.json` (the file without its vocabulary);
//! - the ranks of the tiktoken encodings, read from `tiktoken-rs` (see
//!   `src/tokenizer/tiktoken/table.rs`) instead of its hash maps: `$OUT_DIR/<encoding>.ranks`;
//! - the vocabularies and merges of the bundled byte-level BPE tokenizers (see
//!   `src/tokenizer/rank_bpe/table.rs`) instead of 50,000 JSON entries of each:
//!   `$OUT_DIR/<name>.vocab`, `$OUT_DIR/<name>.merges` and `$OUT_DIR/<name>.pipeline.json` (the
//!   file without them).

use std::io::Read;
use std::path::Path;

#[path = "src/tokenizer/compact_unigram/table.rs"]
mod table;

#[path = "src/tokenizer/tiktoken/table.rs"]
mod ranks;

// The reader (`read`) is the crate's.
#[allow(dead_code)]
#[path = "src/tokenizer/rank_bpe/table.rs"]
mod bpe;

fn main() {
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    unigram(Path::new(&out));
    println!("cargo::rerun-if-changed=src/tokenizer/rank_bpe/table.rs");
    for name in ["roberta", "modernbert", "olmo"] {
        byte_level_bpe(Path::new(&out), name);
    }
    println!("cargo::rerun-if-changed=src/tokenizer/tiktoken/table.rs");
    for (name, bpe) in [
        ("r50k_base", tiktoken_rs::r50k_base()),
        ("p50k_base", tiktoken_rs::p50k_base()),
        ("cl100k_base", tiktoken_rs::cl100k_base()),
        ("o200k_base", tiktoken_rs::o200k_base()),
    ] {
        let table = tiktoken_ranks(&bpe.expect("tiktoken-rs builds its encodings"));
        std::fs::write(Path::new(&out).join(format!("{name}.ranks")), table).expect("write ranks");
    }
}

/// The compact XLM-R unigram table and its pipeline.
fn unigram(out: &Path) {
    println!("cargo::rerun-if-changed=src/tokenizer/compact_unigram/table.rs");
    let mut file = bundled_json("xlm-roberta");
    let model = file["model"].as_object_mut().expect("a model section");
    let pieces: Vec<(String, f64)> =
        serde_json::from_value(model.remove("vocab").expect("a vocab")).expect("unigram pieces");
    let unk_id = model
        .get("unk_id")
        .and_then(|v| v.as_u64())
        .map(|v| v as u32);
    let byte_fallback = model.get("byte_fallback").and_then(|v| v.as_bool()) == Some(true);
    assert_eq!(model.get("type").and_then(|v| v.as_str()), Some("Unigram"));
    let table = table::build(&pieces, unk_id, byte_fallback);
    std::fs::write(out.join("xlm-roberta.unigram"), table).expect("write table");
    let pipeline = serde_json::to_vec(&file).expect("serialise");
    std::fs::write(out.join("xlm-roberta.pipeline.json"), pipeline).expect("write pipeline");
}

/// A bundled `tokenizer.json` (`assets/tokenizers/<name>.json.gz`), parsed.
fn bundled_json(name: &str) -> serde_json::Value {
    let source = format!("assets/tokenizers/{name}.json.gz");
    println!("cargo::rerun-if-changed={source}");
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&source).expect("a bundled file"))
        .read_to_end(&mut json)
        .expect("the bundled file decompresses");
    serde_json::from_slice(&json).expect("valid JSON")
}

/// The compact vocabulary and merge tables of a bundled byte-level BPE tokenizer, and its
/// pipeline.
fn byte_level_bpe(out: &Path, name: &str) {
    let mut file = bundled_json(name);
    let model = file["model"].as_object_mut().expect("a model section");
    let text = |k: &str| model.get(k).and_then(|v| v.as_str());
    let settings = bpe::Settings {
        kind: text("type").unwrap_or_default(),
        dropout: model
            .get("dropout")
            .and_then(|v| v.as_f64())
            .map(|d| d as f32),
        unk_token: model.get("unk_token").is_some_and(|v| !v.is_null()),
        byte_fallback: model.get("byte_fallback").and_then(|v| v.as_bool()) == Some(true),
        continuing_subword_prefix: text("continuing_subword_prefix"),
        end_of_word_suffix: text("end_of_word_suffix"),
    };
    assert!(settings.qualify(), "{name}: the rank model reproduces it");
    let ignore_merges = model.get("ignore_merges").and_then(|v| v.as_bool()) == Some(true);
    let vocab: std::collections::HashMap<String, u32> =
        serde_json::from_value(model.remove("vocab").expect("a vocab")).expect("a BPE vocab");
    let merges: Vec<(String, String)> = match model.remove("merges") {
        Some(serde_json::Value::Array(list)) => list
            .iter()
            .map(|m| match m {
                serde_json::Value::String(line) => bpe::split_merge_line(line),
                pair => serde_json::from_value(pair.clone()).ok(),
            })
            .collect::<Option<_>>()
            .expect("merges of two parts"),
        _ => panic!("{name}: no merges"),
    };
    let by_id = bpe::vocab_by_id(&vocab).expect("no empty token, one token per id");
    let ids = bpe::merge_ids(&vocab, &merges).expect("merges within the vocabulary");
    let write = |ext: &str, bytes: &[u8]| {
        std::fs::write(out.join(format!("{name}.{ext}")), bytes).expect("write a table")
    };
    write("vocab", &ranks::build(&by_id, &[]));
    write("merges", &bpe::build(&ids, ignore_merges));
    write(
        "pipeline.json",
        &serde_json::to_vec(&file).expect("serialise"),
    );
}

/// The compact rank table of a tiktoken encoding: the bytes of every regular rank (ranks are
/// not dense around the special ids, p50k_base has ranks above `<|endoftext|>`, so every id up
/// to a bound past the largest special id is probed) and the special tokens.
fn tiktoken_ranks(bpe: &tiktoken_rs::CoreBPE) -> Vec<u8> {
    let mut specials: Vec<(u32, String)> = bpe
        .special_tokens()
        .into_iter()
        .filter_map(|s| match bpe.encode_with_special_tokens(s)[..] {
            [id] => Some((id, s.to_string())),
            _ => None,
        })
        .collect();
    specials.sort();
    let bound = specials.last().map_or(0, |s| s.0) + 4096;
    let mut ranks: Vec<Option<Vec<u8>>> = (0..bound)
        .map(|id| {
            let special = specials.iter().any(|s| s.0 == id);
            (!special).then(|| bpe.decode_bytes(&[id]).ok()).flatten()
        })
        .collect();
    while ranks.last().is_some_and(|r| r.is_none()) {
        ranks.pop();
    }
    ranks::build(&ranks, &specials)
}
