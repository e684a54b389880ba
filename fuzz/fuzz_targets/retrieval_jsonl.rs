//! JSON-lines retrieval records (`<language>/<split>.jsonl`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tokstat::retrieval::data::parse_split(
        std::path::Path::new("go/train.jsonl"),
        "go",
        "train",
        data,
    );
});
