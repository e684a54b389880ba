//! XLM-R's native pipeline (`tokenizer::compact_unigram`'s `native` module: added tokens, the
//! SentencePiece normalizer, `Metaspace` and the compact unigram model in one pass over ASCII
//! text, unless `TOKSTAT_NATIVE=0`) against HF `tokenizers`' whole pipeline over HF's own
//! `Unigram` (the reference, same file): the same ids, token strings, offsets and special flags
//! on every bundled corpus file, on generated ASCII text with control characters, `\r\n`, space
//! runs and added tokens, and on the cases HF's alignments make special (a removed character
//! first, `<mask>`), which go to HF's pipeline.

use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use tokstat::tokenizer::compact_unigram::{self, CompactUnigram};
use tokstat::tokenizer::{self, HfTokenizer, Source, Tokenizer};

mod common;
use common::corpus_texts;

type Pair = (HfTokenizer<CompactUnigram>, HfTokenizer);

fn pair() -> &'static Pair {
    static PAIR: OnceLock<Pair> = OnceLock::new();
    PAIR.get_or_init(|| {
        let b = tokenizer::find_bundled("xlm-roberta").expect("bundled");
        let Source::Embedded(gz) = b.source else {
            panic!("xlm-roberta is a tokenizer.json")
        };
        let ours = compact_unigram::load_bundled("xlm-roberta", gz)
            .expect("a compact table")
            .expect("loads");
        assert!(ours.has_native_pipeline(), "xlm-roberta runs natively");
        let reference = HfTokenizer::from_gzip("xlm-roberta", gz).expect("reference loads");
        assert!(!reference.has_native_pipeline());
        (ours, reference)
    })
}

fn check(text: &str) -> Result<(), TestCaseError> {
    let (ours, reference) = pair();
    let got = ours.encode(text, false).map_err(|e| e.to_string());
    let want = reference.encode(text, false).map_err(|e| e.to_string());
    prop_assert_eq!(&got, &want, "{:?}", text);
    let ids = ours.encode_ids(text, false).map_err(|e| e.to_string());
    prop_assert_eq!(&ids, &want.clone().map(|w| w.ids), "{:?}", text);
    if want.is_ok() {
        common::lean_matches(ours, reference, text).map_err(TestCaseError::fail)?;
    }
    Ok(())
}

#[test]
fn native_equals_hf_on_every_corpus_file_whole() {
    let (ours, reference) = pair();
    let texts = corpus_texts();
    let mut tokens = 0;
    let mut ascii = 0;
    for (path, text) in &texts {
        let got = ours.encode(text, false).expect("ours");
        let want = reference.encode(text, false).expect("reference");
        assert_eq!(got.ids, want.ids, "{path}");
        assert_eq!(got.offsets, want.offsets, "{path}");
        assert_eq!(got.tokens, want.tokens, "{path}");
        assert_eq!(got.special, want.special, "{path}");
        common::lean_matches(ours, reference, text).unwrap_or_else(|e| panic!("{path}: {e}"));
        tokens += got.len();
        ascii += usize::from(text.is_ascii());
    }
    assert!(tokens > 1_500_000, "{tokens} tokens");
    assert!(ascii > 50, "{ascii} ASCII files");
}

#[test]
fn the_cases_hf_alignments_make_special_match() {
    for text in [
        "",
        " ",
        "   ",
        "a",
        "\u{1}(a",
        "\u{b}\u{c}(",
        "a\u{1} (b",
        "x\r\n(y",
        "x\r\n\r\n{y",
        "x\n\n(y",
        "a  (b   ",
        "(  (",
        " (",
        "x\t(\t",
        "<s>(x</s> <pad>\u{1}y",
        "a <mask>b",
        "a  <mask>  b",
        "x<unk>\r\n",
        "def f(x):\n    return {'a': 1}\n\n\n",
    ] {
        check(text).unwrap_or_else(|e| panic!("{e}"));
    }
}

/// `tokstat compare` over the bundled corpora with and without `TOKSTAT_NATIVE=0`: the same
/// JSON, byte for byte.
#[test]
fn the_environment_switch_changes_no_compare_byte() {
    let run =
        |native: &str| common::compare_corpora_with_env("xlm-roberta", "TOKSTAT_NATIVE", native);
    let (hf, native) = (run("0"), run("1"));
    assert!(hf.len() > 10_000, "{} bytes of output", hf.len());
    assert!(hf == native, "compare output differs with TOKSTAT_NATIVE=0");
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 512,
        // Deterministic: the same cases on every run.
        rng_seed: RngSeed::Fixed(0x6e61_7469_7665_756e),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn generated_ascii_equals_hf(s in "[\\x00-\\x7f]{0,60}") {
        check(&s)?;
    }

    #[test]
    fn generated_code_like_text_equals_hf(
        parts in proptest::collection::vec(
            "<s>|</s>|<mask>|<pad>|<unk>|[ ]{1,6}|[\t]{1,3}|\n|\r\n|\r|[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]|[a-zA-Z_]{1,6}|[0-9]{1,3}|[(){}\\[\\];:.,'\"=<>+*/-]",
            0..30,
        )
    ) {
        check(&parts.concat())?;
    }
}
