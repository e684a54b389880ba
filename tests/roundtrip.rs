//! Property: byte-level BPE tokenizers lose nothing. decode(encode(s)) == s for arbitrary Unicode
//! strings (after NFC for OLMo/ModernBERT, whose normalizer is NFC by definition).

use proptest::prelude::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use tokstat::tokenizer::{self, Tokenizer};
use unicode_normalization::UnicodeNormalization;

fn loaded(name: &str) -> Arc<dyn Tokenizer> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<dyn Tokenizer>>>> = OnceLock::new();
    let mut map = CACHE
        .get_or_init(Default::default)
        .lock()
        .expect("cache lock");
    map.entry(name.to_string())
        .or_insert_with(|| tokenizer::load(name).expect("bundled tokenizer loads"))
        .clone()
}

fn check(name: &str, s: &str, nfc: bool) -> Result<(), TestCaseError> {
    let t = loaded(name);
    let enc = t
        .encode(s, false)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back = t
        .decode(&enc.ids, false)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let want: String = if nfc {
        s.nfc().collect()
    } else {
        s.to_string()
    };
    prop_assert_eq!(back, want, "tokenizer {}", name);
    // Offsets are ordered, within the text and on char boundaries.
    for &(a, b) in &enc.offsets {
        prop_assert!(a <= b && b <= s.len());
        prop_assert!(s.is_char_boundary(a) && s.is_char_boundary(b));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn byte_level_roundtrip(s in "\\PC{0,40}|[ \t\n\\PC]{0,40}|.{0,20}") {
        for name in ["roberta", "r50k_base", "p50k_base", "cl100k_base", "o200k_base"] {
            check(name, &s, false)?;
        }
        for name in ["modernbert", "olmo"] {
            check(name, &s, true)?;
        }
    }

    #[test]
    fn arbitrary_chars_roundtrip(chars in proptest::collection::vec(any::<char>(), 0..30)) {
        let s: String = chars.into_iter().collect();
        for name in ["roberta", "cl100k_base", "o200k_base"] {
            check(name, &s, false)?;
        }
        for name in ["modernbert", "olmo"] {
            check(name, &s, true)?;
        }
    }
}
