//! JSON-lines retrieval records (`<language>/<split>.jsonl`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tokstat_fuzz::retrieval_jsonl(data));
