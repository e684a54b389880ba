//! `compare` on arbitrary bytes: one input file, read in small chunks (so that the cut points
//! are exercised), as text or as code of the language the first byte picks, with two
//! tokenizers of different kinds (byte-level BPE and unigram).
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use tokstat::render::Render;
use tokstat::analysis::identifiers::LANGS;
use tokstat::compare::{CompareOptions, compare_with};
use tokstat::tokenizer::{self, Tokenizer};

fn tokenizers() -> &'static [Arc<dyn Tokenizer>] {
    static TOKS: OnceLock<Vec<Arc<dyn Tokenizer>>> = OnceLock::new();
    TOKS.get_or_init(|| {
        tokenizer::load_many(&["roberta".into(), "xlm-roberta".into()]).expect("bundled")
    })
}

fuzz_target!(|data: &[u8]| {
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
    if let Ok(report) = compare_with(&opts, tokenizers()) {
        let _ = report.tables();
        let _ = serde_json::to_string(&report);
    }
});
