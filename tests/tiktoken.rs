//! tokstat's tiktoken encodings (compact rank tables, its own pattern split and merge) against
//! `tiktoken-rs` (the reference): the same ids from `encode_ordinary` on every file of every
//! bundled corpus and on generated text (long pieces included, which take the heap merge), the
//! same bytes for every id, and the same vocabulary and special tokens.

use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use tiktoken_rs::CoreBPE;
use tokstat::tokenizer::{self, Tokenizer};

mod common;
use common::corpus_texts;

/// An encoding's name, tokstat's tokenizer and the reference.
type Pair = (&'static str, std::sync::Arc<dyn Tokenizer>, CoreBPE);

/// The bundled encodings.
fn pairs() -> &'static Vec<Pair> {
    static PAIRS: OnceLock<Vec<Pair>> = OnceLock::new();
    PAIRS.get_or_init(|| {
        [
            ("r50k_base", tiktoken_rs::r50k_base()),
            ("p50k_base", tiktoken_rs::p50k_base()),
            ("cl100k_base", tiktoken_rs::cl100k_base()),
            ("o200k_base", tiktoken_rs::o200k_base()),
        ]
        .into_iter()
        .map(|(name, reference)| {
            let ours = tokenizer::load(name).expect("bundled");
            (name, ours, reference.expect("tiktoken-rs"))
        })
        .collect()
    })
}

fn check(text: &str) -> Result<(), TestCaseError> {
    for (name, ours, reference) in pairs() {
        let got = ours.encode_ids(text, false).expect("ours");
        prop_assert_eq!(
            &got,
            &reference.encode_ordinary(text),
            "{} {:?}",
            name,
            text
        );
        let enc = ours.encode(text, false).expect("ours");
        prop_assert_eq!(&enc.ids, &got);
        // Offsets: each token's reference bytes laid end to end, widened to char boundaries
        // (what `offsets_are_token_bytes` promises the analyses).
        let mut at = 0;
        let mut offsets = Vec::new();
        for &id in &got {
            let len = reference.decode_bytes(&[id]).expect("ref").len();
            let (mut s, mut e) = (at, at + len);
            while !text.is_char_boundary(s) {
                s -= 1;
            }
            while !text.is_char_boundary(e) {
                e += 1;
            }
            offsets.push((s, e));
            at += len;
        }
        prop_assert!(ours.offsets_are_token_bytes());
        prop_assert_eq!(&enc.offsets, &offsets);
        common::lean_matches(ours.as_ref(), ours.as_ref(), text).map_err(TestCaseError::fail)?;
        let decoded = ours.decode(&got, false).expect("decode");
        prop_assert_eq!(
            decoded.as_bytes(),
            &reference.decode_bytes(&got).expect("ref")[..]
        );
    }
    Ok(())
}

#[test]
fn ids_equal_tiktoken_rs_on_every_corpus() {
    let texts = corpus_texts();
    assert!(texts.len() > 150, "{} corpus files", texts.len());
    for (name, ours, reference) in pairs() {
        let mut tokens = 0;
        for (path, text) in &texts {
            let got = ours.encode_ids(text, false).expect("ours");
            assert_eq!(got, reference.encode_ordinary(text), "{name} {path}");
            tokens += got.len();
            // The round trip the lean encoding settles on the way is `decodes_to`'s.
            let lean = ours.encode_lean(text).expect("ours").expect("lean");
            assert_eq!(
                lean.decodes_to_text,
                Some(ours.decodes_to(&got, text)),
                "{name} {path}"
            );
        }
        assert!(tokens > 1_000_000, "{name}: {tokens} tokens");
    }
}

#[test]
fn every_id_has_the_reference_bytes_and_vocabulary() {
    for (name, ours, reference) in pairs() {
        let size = ours.vocab_size();
        let mut regular = 0;
        for id in 0..size.total as u32 + 2 {
            let want = reference.decode_bytes(&[id]).ok();
            let got = ours.decode(&[id], false).ok();
            assert_eq!(
                got.is_some(),
                want.is_some(),
                "{name} id {id}: known to one side only"
            );
            let Some(want) = want else { continue };
            // Token strings are in GPT-2's byte alphabet; the decode of one token may be lossy
            // UTF-8, so compare the bytes through the token string's byte-level spelling.
            let token = ours.id_to_token(id).expect("a token for a known id");
            if ours.is_special(id) {
                assert_eq!(token.as_bytes(), &want[..], "{name} id {id}");
            } else {
                regular += 1;
                let spelled: String = want.iter().map(|&b| byte_char(b)).collect();
                assert_eq!(token, spelled, "{name} id {id}");
                assert_eq!(ours.token_to_id(&token), Some(id), "{name} {token:?}");
            }
        }
        assert_eq!(regular, size.regular, "{name}");
        let specials: std::collections::HashSet<_> = reference.special_tokens();
        assert_eq!(size.special, specials.len(), "{name}");
        for s in specials {
            let id = reference.encode_with_special_tokens(s)[0];
            assert!(ours.is_special(id), "{name} {s}");
            assert_eq!(ours.token_to_id(s), Some(id), "{name} {s}");
        }
    }
}

/// GPT-2's byte → character map (printable bytes stand for themselves, the rest move to
/// U+0100 and up), written out here independently of tokstat's.
fn byte_char(b: u8) -> char {
    let printable = |b: u8| matches!(b, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF);
    if printable(b) {
        return char::from(b);
    }
    let shift = (0..b).filter(|&x| !printable(x)).count() as u32;
    char::from_u32(256 + shift).expect("a character")
}

#[test]
fn long_pieces_take_the_heap_merge_and_agree() {
    for text in [
        " ".repeat(5000),
        "a".repeat(3000),
        "ab".repeat(1500),
        format!("x{}y", "\t ".repeat(700)),
        "0".repeat(1000),
        "é".repeat(900),
        "🙂".repeat(400),
        "_-".repeat(600),
        format!("def f():\n{}return 1\n", " ".repeat(300)),
    ] {
        check(&text).unwrap();
    }
}

fn text_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ \\t\\n\\r]{0,300}[a-zA-Z_0-9]{0,40}[ \\t\\n]{0,200}",
        "([a-zA-Z]{1,12}[ .,;:'\"()\\[\\]{}=+\\-*/]{0,3}\\s{0,4}){0,40}",
        "[\\p{Han}\\p{Cyrillic}\\p{Arabic}\\p{Devanagari}\\p{Greek} 0-9]{0,80}",
        "('s|'t|'re|'ve|'m|'ll|'d|'S|'T|'RE| |a|B|1|\\n|\\r\\n|/){0,60}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 400,
        rng_seed: RngSeed::Fixed(20261203),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn generated_text_gives_the_reference_ids(text in text_strategy()) {
        check(&text)?;
    }
}
