//! Prepares the compact form of the bundled XLM-RoBERTa unigram vocabulary (see
//! `src/tokenizer/compact_unigram/table.rs`), so that loading it reads flat arrays instead of
//! building a 250,002-piece trie: `$OUT_DIR/xlm-roberta.unigram` (pieces, scores, trie) and
//! `$OUT_DIR/xlm-roberta.pipeline.json` (the file without its vocabulary).

use std::io::Read;
use std::path::Path;

#[path = "src/tokenizer/compact_unigram/table.rs"]
mod table;

const SOURCE: &str = "assets/tokenizers/xlm-roberta.json.gz";

fn main() {
    println!("cargo::rerun-if-changed={SOURCE}");
    println!("cargo::rerun-if-changed=src/tokenizer/compact_unigram/table.rs");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
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
    std::fs::write(Path::new(&out).join("xlm-roberta.unigram"), table).expect("write table");
    let pipeline = serde_json::to_vec(&file).expect("serialise");
    std::fs::write(Path::new(&out).join("xlm-roberta.pipeline.json"), pipeline)
        .expect("write pipeline");
}
