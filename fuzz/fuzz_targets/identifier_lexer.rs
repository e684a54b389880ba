//! The identifier lexer: spans, code line starts, styles and sub-word zones, for the language
//! the first byte picks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokstat::analysis::identifiers::{self, LANGS};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(body) else {
        return;
    };
    let lang = LANGS[pick as usize % LANGS.len()];
    for (s, e) in identifiers::identifier_spans(text, lang) {
        let ident = &text[s..e];
        let _ = identifiers::style(ident);
        for (a, b) in identifiers::subword_zones(ident) {
            let _ = &ident[a..b];
        }
    }
    for k in identifiers::code_line_starts(text, lang) {
        let _ = &text[k..];
    }
});
