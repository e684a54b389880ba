//! The compact unigram encoder (`tokenizer::compact_unigram`), which the bundled XLM-RoBERTa
//! uses, against HF `tokenizers`' `Unigram` (the reference): same ids, tokens and offsets on
//! every file of every bundled corpus and on generated text, same vocabulary both ways; and on
//! small hand-made vocabularies, the same unknown handling, fusing and byte fallback.

use std::sync::{Arc, OnceLock};

use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use tokenizers::Model;
use tokenizers::models::unigram::Unigram;
use tokstat::tokenizer::compact_unigram::CompactUnigram;
use tokstat::tokenizer::{self, HfTokenizer, Source, Tokenizer};

mod common;
use common::corpus_texts;

/// The tokstat XLM-R (compact model) and the reference (HF `Unigram`, same file).
fn pair() -> &'static (Arc<dyn Tokenizer>, HfTokenizer) {
    static PAIR: OnceLock<(Arc<dyn Tokenizer>, HfTokenizer)> = OnceLock::new();
    PAIR.get_or_init(|| {
        let b = tokenizer::find_bundled("xlm-roberta").expect("bundled");
        let Source::Embedded(gz) = b.source else {
            panic!("xlm-roberta is a tokenizer.json")
        };
        let reference = HfTokenizer::from_gzip("xlm-roberta", gz).expect("reference loads");
        (tokenizer::load("xlm-roberta").expect("loads"), reference)
    })
}

fn check(text: &str) -> Result<(), TestCaseError> {
    let (ours, reference) = pair();
    for special in [false, true] {
        let got = ours.encode(text, special).expect("ours");
        let want = reference.encode(text, special).expect("reference");
        prop_assert_eq!(&got, &want, "{:?}", text);
    }
    Ok(())
}

#[test]
fn bundled_xlm_roberta_equals_hf_unigram_on_every_corpus() {
    let (ours, reference) = pair();
    assert_eq!(ours.algorithm(), tokenizer::Algorithm::Unigram);
    let texts = corpus_texts();
    assert!(texts.len() > 150, "{} corpus files", texts.len());
    let mut tokens = 0;
    for (path, text) in &texts {
        let got = ours.encode(text, true).expect("ours");
        let want = reference.encode(text, true).expect("reference");
        assert_eq!(got.ids, want.ids, "{path}");
        assert_eq!(got.offsets, want.offsets, "{path}");
        assert_eq!(got.tokens, want.tokens, "{path}");
        tokens += got.len();
    }
    assert!(tokens > 1_000_000, "{tokens} tokens");
}

#[test]
fn bundled_vocabulary_and_metadata_equal_the_reference() {
    let (ours, reference) = pair();
    assert_eq!(ours.vocab_size(), reference.vocab_size());
    assert_eq!(ours.unk_id(), reference.unk_id());
    assert_eq!(ours.added_tokens(), reference.added_tokens());
    assert_eq!(ours.space_marker(), reference.space_marker());
    assert_eq!(ours.fingerprint(), reference.fingerprint());
    assert_eq!(
        ours.splits_before_single_spaces(),
        reference.splits_before_single_spaces()
    );
    for id in 0..ours.vocab_size().total as u32 + 2 {
        let piece = reference.id_to_token(id);
        assert_eq!(ours.id_to_token(id), piece, "id {id}");
        assert_eq!(ours.is_special(id), reference.is_special(id), "id {id}");
        if let Some(p) = piece {
            assert_eq!(ours.token_to_id(&p), reference.token_to_id(&p), "{p:?}");
        }
    }
    assert_eq!(ours.token_to_id("no such piece ☃☃"), None);
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 512,
        // Deterministic: the same cases on every run.
        rng_seed: RngSeed::Fixed(0x0074_6f6b_7374_6174),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// A small vocabulary over `abc` with scores, a duplicate piece (`ab`, the later id wins, as in
/// HF's map), `<unk>` at 0 and the byte pieces of `é` (`<0xC3>`, `<0xA9>`) only.
fn small_vocab() -> Vec<(String, f64)> {
    [
        ("<unk>", 0.0),
        ("a", -1.0),
        ("b", -2.0),
        ("ab", -1.5),
        ("c", -3.5),
        ("abc", -2.5),
        ("ab", -1.0),
        ("bca", -0.5),
        ("<0xC3>", -4.0),
        ("<0xA9>", -4.0),
    ]
    .into_iter()
    .map(|(p, s)| (p.to_string(), s))
    .collect()
}

/// A token as `(id, value, offsets)`.
type Token = (u32, String, (usize, usize));

fn tokens(m: &impl Model, s: &str) -> Result<Vec<Token>, String> {
    m.tokenize(s)
        .map(|t| t.into_iter().map(|t| (t.id, t.value, t.offsets)).collect())
        .map_err(|e| e.to_string())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn xlm_roberta_equals_hf_unigram_on_generated_text(
        s in "\\PC{0,60}|[ \t\na-zA-Z0-9_.,:;()\\[\\]{}<>=+*/-]{0,80}|[ \\p{Han}\\p{Cyrillic}\\p{Arabic}\\p{Devanagari}]{0,40}"
    ) {
        check(&s)?;
    }

    #[test]
    fn arbitrary_chars_equal_hf_unigram(chars in proptest::collection::vec(any::<char>(), 0..40)) {
        check(&chars.into_iter().collect::<String>())?;
    }

    #[test]
    fn unknowns_fusing_and_byte_fallback_equal_hf_unigram(s in "[abcé€x]{0,24}") {
        let vocab = small_vocab();
        for (unk, fallback) in [(Some(0), false), (Some(0), true), (None, false), (None, true)] {
            let hf = Unigram::from(vocab.clone(), unk.map(|u: u32| u as usize), fallback)
                .expect("reference model");
            let ours = CompactUnigram::from_pieces(&vocab, unk, fallback);
            prop_assert_eq!(tokens(&ours, &s), tokens(&hf, &s), "{:?} {:?} {}", s, unk, fallback);
            for p in ["ab", "abc", "<unk>", "<0xC3>", "é", "", "abcd"] {
                prop_assert_eq!(ours.token_to_id(p), hf.token_to_id(p), "{:?}", p);
            }
        }
    }
}
