//! `tokenizer.json` loading (the direct unigram loader and the generic one), then a short encode
//! and decode with whatever loaded.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tokstat_fuzz::tokenizer_json(data));
