//! The native byte-level BPE pipeline (`tokenizer::rank_bpe`'s `native` module: added tokens,
//! NFC, the GPT-2 pre-tokenizer and the rank model in one pass, what the bundled `roberta`,
//! `modernbert` and `olmo` encode with unless `TOKSTAT_NATIVE=0`) against HF `tokenizers`'
//! whole pipeline over HF's own `BPE` (the reference, same file): the same ids, token strings,
//! offsets and special flags on every bundled corpus file, whole, on generated text full of
//! added tokens and white space, on text that is not in NFC (which the native path hands to HF's
//! pipeline), and for added tokens with every matching rule (`single_word`, `lstrip`, `rstrip`,
//! normalized or not); the CLI's output is the same byte for byte with the switch off.

use std::io::Read;
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use tokstat::tokenizer::rank_bpe::{self, RankBpe};
use tokstat::tokenizer::{self, HfTokenizer, Source, Tokenizer};

mod common;
use common::corpus_texts;

/// The bundled byte-level BPE tokenizers.
const NAMES: [&str; 3] = ["roberta", "modernbert", "olmo"];

type Pair = (HfTokenizer<RankBpe>, HfTokenizer);

fn bundled_json(name: &str) -> (&'static [u8], String) {
    let Source::Embedded(gz) = tokenizer::find_bundled(name).expect("bundled").source else {
        panic!("{name} is a tokenizer.json")
    };
    let mut text = String::new();
    flate2::read::GzDecoder::new(gz)
        .read_to_string(&mut text)
        .expect("gunzip");
    (gz, text)
}

/// Has `tok` build its decode table now (it does once it has decoded as many tokens as it has
/// ids), so that every lean encoding below can settle its round trip from it
/// (`decodes_to_text`), which [`common::lean_matches`] checks against HF's decode.
fn with_decode_table(tok: &HfTokenizer<RankBpe>) {
    let ids: Vec<u32> = (0..tok.vocab_size().total as u32).collect();
    tok.decode(&ids, false).expect("decodes");
}

/// For each of [`NAMES`]: the bundled tokenizer (native pipeline, decode table built) and the
/// reference.
fn pairs() -> &'static Vec<(&'static str, Pair)> {
    static PAIRS: OnceLock<Vec<(&'static str, Pair)>> = OnceLock::new();
    PAIRS.get_or_init(|| {
        NAMES
            .iter()
            .map(|&name| {
                let (gz, _) = bundled_json(name);
                let ours = rank_bpe::bundled(name, gz)
                    .expect("build.rs wrote its tables")
                    .expect("loads");
                assert!(ours.has_native_pipeline(), "{name} runs natively");
                with_decode_table(&ours);
                let reference = HfTokenizer::from_gzip(name, gz).expect("reference loads");
                assert!(!reference.has_native_pipeline());
                (name, (ours, reference))
            })
            .collect()
    })
}

/// `roberta.json` with added tokens of every kind, on the native pipeline and on HF's.
fn ruled() -> &'static Pair {
    static RULED: OnceLock<Pair> = OnceLock::new();
    RULED.get_or_init(|| {
        let (_, text) = bundled_json("roberta");
        let mut json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let added = json["added_tokens"].as_array_mut().expect("added tokens");
        let rules = [
            ("word", true, false, false, true),
            ("<L>", false, true, false, false),
            ("<R>", false, false, true, false),
            ("<LR>", false, true, true, true),
            ("Ġx", false, false, false, true),
            ("  ", false, false, false, true),
            ("\t\t", false, true, true, false),
            ("ab", true, true, true, false),
            // Characters of the byte alphabet that are not ASCII: their token string's length
            // is not the bytes they match, special or not.
            ("ñ", false, false, false, false),
            ("éé", false, false, false, false),
        ];
        for (i, (content, single_word, lstrip, rstrip, normalized)) in rules.iter().enumerate() {
            added.push(serde_json::json!({
                "id": 50265 + i, "content": content, "single_word": single_word,
                "lstrip": lstrip, "rstrip": rstrip, "normalized": normalized, "special": i % 2 == 0,
            }));
        }
        let text = serde_json::to_string(&json).expect("JSON");
        let ours = rank_bpe::from_json_text("ruled", &text)
            .expect("qualifies")
            .expect("loads");
        assert!(ours.has_native_pipeline());
        with_decode_table(&ours);
        let reference = HfTokenizer::from_json("ruled", text.as_bytes()).expect("loads");
        (ours, reference)
    })
}

fn same(
    ours: &HfTokenizer<RankBpe>,
    reference: &HfTokenizer,
    name: &str,
    text: &str,
) -> Result<(), TestCaseError> {
    // Where HF's pipeline fails (an `rstrip` token reaching past the next match, which `lstrip`
    // then starts after), both fail with HF's error.
    let got = ours.encode(text, false).map_err(|e| e.to_string());
    let want = reference.encode(text, false).map_err(|e| e.to_string());
    prop_assert_eq!(&got, &want, "{} {:?}", name, text);
    let ids = ours.encode_ids(text, false).map_err(|e| e.to_string());
    prop_assert_eq!(&ids, &want.clone().map(|w| w.ids), "{} {:?}", name, text);
    if want.is_ok() {
        common::lean_matches(ours, reference, text).map_err(TestCaseError::fail)?;
    }
    Ok(())
}

fn check(text: &str) -> Result<(), TestCaseError> {
    for (name, (ours, reference)) in pairs() {
        same(ours, reference, name, text)?;
    }
    let (ours, reference) = ruled();
    same(ours, reference, "ruled", text)
}

#[test]
fn native_equals_hf_on_every_corpus_file_whole() {
    let texts = corpus_texts();
    assert!(texts.len() > 150, "{} corpus files", texts.len());
    for (name, (ours, reference)) in pairs() {
        let mut tokens = 0;
        for (path, text) in &texts {
            let got = ours.encode(text, false).expect("ours");
            let want = reference.encode(text, false).expect("reference");
            assert_eq!(got.ids, want.ids, "{name} {path}");
            assert_eq!(got.offsets, want.offsets, "{name} {path}");
            assert_eq!(got.tokens, want.tokens, "{name} {path}");
            assert_eq!(got.special, want.special, "{name} {path}");
            tokens += got.len();
        }
        assert!(tokens > 2_000_000, "{name}: {tokens} tokens");
    }
}

#[test]
fn lean_encodings_equal_hf_on_every_corpus_file_whole() {
    let texts = corpus_texts();
    for (name, (ours, reference)) in pairs() {
        let mut lean = 0;
        for (path, text) in &texts {
            common::lean_matches(ours, reference, text).unwrap_or_else(|e| panic!("{path}: {e}"));
            lean += usize::from(ours.encode_lean(text).expect("encodes").is_some());
        }
        assert!(
            lean > texts.len() / 2,
            "{name}: {lean} of {} natively",
            texts.len()
        );
    }
}

/// The lean encoding settles the round trip of texts with added tokens (ModernBERT's space runs
/// in code) from the decode table, so the corpus test above covers that reading.
#[test]
fn round_trips_with_added_tokens_are_settled_by_the_encoder() {
    let (name, (ours, _)) = &pairs()[1];
    let (_, json) = bundled_json(name);
    let json: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let added: Vec<u64> = json["added_tokens"]
        .as_array()
        .expect("added tokens")
        .iter()
        .filter_map(|t| t["id"].as_u64())
        .collect();
    let settled = corpus_texts()
        .iter()
        .filter_map(|(_, text)| ours.encode_lean(text).expect("encodes"))
        .filter(|lean| {
            lean.ids.iter().any(|&id| added.contains(&u64::from(id)))
                && lean.decodes_to_text == Some(true)
        })
        .count();
    assert!(
        settled > 20,
        "{name}: {settled} files with added tokens settled"
    );
}

#[test]
fn added_token_rules_match_hf() {
    let cases = [
        "a word, words, sword word",
        "x <L> y  <L>\t<L><L>",
        "<R>  x<R>\n\ny <R>",
        "  <LR>  <LR><LR>   z",
        " x Ġx ĠxĠx",
        "a  b   c    d\t\t\te \t\t f",
        "\t\t\t\t",
        "\t\t\t\t\t\t x",
        "ab cab ab_ ab. (ab)",
        "<s>x</s> <mask> <mask>y  <pad>",
        "",
        " ",
        "word",
    ];
    for text in cases {
        check(text).unwrap_or_else(|e| panic!("{e}"));
    }
}

/// Text whose NFC quick check says "maybe" (a combining mark after a letter it does not
/// compose with) but which is in NFC, which the native path now takes: the same encoding as
/// HF's.
#[test]
fn text_in_nfc_with_combining_marks_matches() {
    for text in [
        "x\u{308}",
        "q\u{301}uit x\u{308}y\u{308}",
        "\u{1100}x\u{1161}",
    ] {
        check(text).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn text_not_in_nfc_goes_to_hf_and_still_matches() {
    for text in [
        "e\u{301}",
        "Cafe\u{301}  \u{212B}x",
        "\u{1100}\u{1161} a\u{308}\u{301}",
    ] {
        check(text).unwrap_or_else(|e| panic!("{e}"));
    }
}

/// `tokstat compare` over the bundled code and multilingual corpora with and without
/// `TOKSTAT_NATIVE=0`: the same JSON, byte for byte.
#[test]
fn the_environment_switch_changes_no_compare_byte() {
    let run =
        |native: &str| common::compare_corpora_with_env(&NAMES.join(","), "TOKSTAT_NATIVE", native);
    let (hf, native) = (run("0"), run("1"));
    assert!(hf.len() > 10_000, "{} bytes of output", hf.len());
    assert!(hf == native, "compare output differs with TOKSTAT_NATIVE=0");
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        // Deterministic: the same cases on every run.
        rng_seed: RngSeed::Fixed(0x6e61_7469_7665_6270),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn generated_text_equals_hf(
        s in "\\PC{0,60}|[ \t\na-z0-9'.()]{0,80}|[ \\p{Han}\\p{Cyrillic}\\p{Arabic}\\p{Devanagari}]{0,40}|[\u{1F600}-\u{1F64F}\u{200D}\u{FE0F} ]{0,30}"
    ) {
        check(&s)?;
    }

    #[test]
    fn added_tokens_in_generated_text_equal_hf(
        parts in proptest::collection::vec(
            "<s>|</s>|<mask>|<pad>|<L>|<R>|<LR>|word|ab|Ġx|\\|\\|\\|IP_ADDRESS\\|\\|\\||<\\|padding\\|>|[ ]{1,30}|[\t]{1,4}|\n|[a-z]{1,4}|'s|[.,(]|é|éé|ñ|e\u{301}",
            0..24,
        )
    ) {
        check(&parts.concat())?;
    }
}
