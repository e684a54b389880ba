//! Prepares the compact forms of the bundled vocabularies, so that loading them reads flat
//! arrays instead of building tables:
//! - the XLM-RoBERTa unigram vocabulary (see `src/tokenizer/compact_unigram/table.rs`) instead of
//!   a 250,002-piece trie: `$OUT_DIR/xlm-roberta.unigram` (pieces, scores, trie) and
//!   `$OUT_DIR/xlm-roberta.pipeline.json` (the file without its vocabulary);
//! - the ranks of the tiktoken encodings, read from `tiktoken-rs` (see
//!   `src/tokenizer/tiktoken/table.rs`) instead of its hash maps: `$OUT_DIR/<encoding>.ranks`.

use std::io::Read;
use std::path::Path;

#[path = "src/tokenizer/compact_unigram/table.rs"]
mod table;

#[path = "src/tokenizer/tiktoken/table.rs"]
mod ranks;

const SOURCE: &str = "assets/tokenizers/xlm-roberta.json.gz";

fn main() {
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    unigram(Path::new(&out));
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
    println!("cargo::rerun-if-changed={SOURCE}");
    println!("cargo::rerun-if-changed=src/tokenizer/compact_unigram/table.rs");
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(SOURCE).expect(SOURCE))
        .read_to_end(&mut json)
        .expect("the bundled XLM-R file decompresses");
    let mut file: serde_json::Value = serde_json::from_slice(&json).expect("valid JSON");
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
