//! `compare` on arbitrary bytes: one input file, read in small chunks (so that the cut points
//! are exercised), as text or as code of the language the first byte picks, with two
//! tokenizers of different kinds (byte-level BPE and unigram).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tokstat_fuzz::compare_bytes(data));
