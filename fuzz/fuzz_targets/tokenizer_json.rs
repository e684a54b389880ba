//! `tokenizer.json` loading (the direct unigram loader and the generic one), then a short encode
//! and decode with whatever loaded.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokstat::tokenizer::{HfTokenizer, Tokenizer};

fuzz_target!(|data: &[u8]| {
    if let Ok(t) = HfTokenizer::from_json("fuzz.json", data) {
        let _ = t.vocab_size();
        let _ = t.space_marker();
        let _ = t.added_tokens();
        if let Ok(enc) = t.encode("Hello wörld, fn x() {}  ", true) {
            let _ = t.decode(&enc.ids, false);
        }
    }
});
