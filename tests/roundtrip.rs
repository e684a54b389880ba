//! Property: byte-level BPE tokenizers lose nothing. decode(encode(s)) == s for arbitrary Unicode
//! strings (after NFC for OLMo/ModernBERT, whose normalizer is NFC by definition).

use proptest::prelude::*;
use tokstat::tokenizer;
use unicode_normalization::UnicodeNormalization;

fn check(name: &str, s: &str, nfc: bool) -> Result<(), TestCaseError> {
    let t = tokenizer::load(name).map_err(|e| TestCaseError::fail(e.to_string()))?;
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
    #![proptest_config(ProptestConfig { cases: 128, .. ProptestConfig::default() })]

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
