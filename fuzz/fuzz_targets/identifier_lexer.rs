//! The identifier lexer: spans, code line starts, styles and sub-word zones, for the language
//! the first byte picks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tokstat_fuzz::identifier_lexer(data));
