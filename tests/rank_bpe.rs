//! The rank-based byte-level BPE encoder over its compact build-time tables
//! (`tokenizer::rank_bpe`, what the bundled `roberta`, `modernbert` and `olmo` run on unless
//! `TOKSTAT_RANK_BPE=0`), against HF `tokenizers`' `BPE` (the reference, same file): same ids,
//! tokens and offsets on every file of every bundled corpus, on generated text (long words and
//! whitespace runs included, which take the heap path) and on every vocabulary entry; same
//! vocabulary and metadata; the same model built from the JSON at run time; and files whose BPE
//! config it does not reproduce are refused.

use std::io::Read;
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use tokstat::tokenizer::rank_bpe::{self, RankBpe};
use tokstat::tokenizer::{self, HfTokenizer, Source, Tokenizer};

mod common;
use common::{corpus_texts, tokstat};

/// The bundled byte-level BPE tokenizers.
const NAMES: [&str; 3] = ["roberta", "modernbert", "olmo"];

type Pair = (HfTokenizer<RankBpe>, HfTokenizer);

/// For each of [`NAMES`]: the rank model over the compact tables and the reference (HF `BPE`),
/// same file.
fn pairs() -> &'static Vec<(&'static str, Pair)> {
    static PAIRS: OnceLock<Vec<(&'static str, Pair)>> = OnceLock::new();
    PAIRS.get_or_init(|| {
        NAMES
            .iter()
            .map(|&name| {
                let b = tokenizer::find_bundled(name).expect("bundled");
                let Source::Embedded(gz) = b.source else {
                    panic!("{name} is a tokenizer.json")
                };
                let ours = rank_bpe::bundled(name, gz)
                    .expect("build.rs wrote its tables")
                    .expect("loads");
                let reference = HfTokenizer::from_gzip(name, gz).expect("reference loads");
                (name, (ours, reference))
            })
            .collect()
    })
}

fn check(text: &str) -> Result<(), TestCaseError> {
    for (name, (ours, reference)) in pairs() {
        for special in [false, true] {
            let got = ours.encode(text, special).expect("ours");
            let want = reference.encode(text, special).expect("reference");
            prop_assert_eq!(&got, &want, "{} {:?}", name, text);
        }
    }
    Ok(())
}

#[test]
fn rank_bpe_equals_hf_bpe_on_every_corpus() {
    let texts = corpus_texts();
    assert!(texts.len() > 150, "{} corpus files", texts.len());
    for (name, (ours, reference)) in pairs() {
        assert_eq!(ours.algorithm(), tokenizer::Algorithm::Bpe);
        let mut tokens = 0;
        for (path, text) in &texts {
            let got = ours.encode(text, true).expect("ours");
            let want = reference.encode(text, true).expect("reference");
            assert_eq!(got.ids, want.ids, "{name} {path}");
            assert_eq!(got.offsets, want.offsets, "{name} {path}");
            assert_eq!(got.tokens, want.tokens, "{name} {path}");
            assert_eq!(got.special, want.special, "{name} {path}");
            tokens += got.len();
        }
        assert!(tokens > 1_000_000, "{name}: {tokens} tokens");
    }
}

#[test]
fn every_vocabulary_entry_decoded_encodes_as_hf_does() {
    for (name, (ours, reference)) in pairs() {
        let mut checked = 0;
        for id in 0..reference.vocab_size().total as u32 {
            let Some(piece) = reference.id_to_token(id) else {
                continue;
            };
            let text = reference.decode(&[id], false).expect("decode");
            let got = ours.encode(&text, false).expect("ours");
            let want = reference.encode(&text, false).expect("reference");
            assert_eq!(got, want, "{name} id {id} {piece:?}");
            checked += 1;
        }
        assert!(checked > 40_000, "{name}: {checked} entries");
    }
}

#[test]
fn vocabulary_and_metadata_equal_the_reference() {
    for (name, (ours, reference)) in pairs() {
        assert_eq!(ours.vocab_size(), reference.vocab_size(), "{name}");
        assert_eq!(ours.unk_id(), reference.unk_id(), "{name}");
        assert_eq!(ours.added_tokens(), reference.added_tokens(), "{name}");
        assert_eq!(ours.fingerprint(), reference.fingerprint(), "{name}");
        assert_eq!(ours.is_byte_level(), reference.is_byte_level(), "{name}");
        assert_eq!(ours.space_marker(), reference.space_marker(), "{name}");
        for id in 0..ours.vocab_size().total as u32 + 2 {
            let piece = reference.id_to_token(id);
            assert_eq!(ours.id_to_token(id), piece, "{name} id {id}");
            assert_eq!(ours.is_special(id), reference.is_special(id), "{name}");
            if let Some(p) = piece {
                assert_eq!(ours.token_to_id(&p), reference.token_to_id(&p), "{p:?}");
            }
        }
        // The loader hands out the same tokenizer (HF's `BPE` if `TOKSTAT_RANK_BPE=0`).
        let loaded = tokenizer::load(name).expect("loads");
        assert_eq!(loaded.fingerprint(), reference.fingerprint(), "{name}");
        assert_eq!(
            loaded.encode("fn main() { x }", true).expect("encode"),
            reference.encode("fn main() { x }", true).expect("encode")
        );
    }
}

/// The model built at run time from the `tokenizer.json` (what `from_model_json` gives any
/// qualifying file) has the same vocabulary and encodes as the build-time tables do.
#[test]
fn the_model_built_from_json_equals_the_compact_tables() {
    let texts = corpus_texts();
    for (name, (compact, _)) in pairs() {
        let Source::Embedded(gz) = tokenizer::find_bundled(name).expect("bundled").source else {
            panic!("{name} is a tokenizer.json")
        };
        let mut text = String::new();
        flate2::read::GzDecoder::new(gz)
            .read_to_string(&mut text)
            .expect("gunzip");
        let from_json = rank_bpe::from_json_text(name, &text)
            .expect("the bundled file qualifies")
            .expect("loads");
        assert_eq!(from_json.vocab_size(), compact.vocab_size(), "{name}");
        for id in 0..compact.vocab_size().total as u32 + 2 {
            assert_eq!(
                from_json.id_to_token(id),
                compact.id_to_token(id),
                "{name} {id}"
            );
        }
        for (path, t) in texts.iter().step_by(7) {
            let got = from_json.encode(t, true).expect("from JSON");
            assert_eq!(
                got,
                compact.encode(t, true).expect("compact"),
                "{name} {path}"
            );
        }
    }
}

/// `tokstat encode` of every bundled corpus file's first 4 KiB through the CLI, on the rank model
/// (`TOKSTAT_RANK_BPE=1`, the default) and on HF's `BPE` (`TOKSTAT_RANK_BPE=0`): the dispatch
/// (not only the model) changes no output byte.
#[test]
fn the_environment_switch_changes_no_output_byte() {
    let text: String = corpus_texts()
        .iter()
        .map(|(_, t)| {
            let mut cut = t.len().min(4096);
            while !t.is_char_boundary(cut) {
                cut -= 1;
            }
            &t[..cut]
        })
        .collect();
    let run = |rank: &str| {
        let out = tokstat()
            .env("TOKSTAT_RANK_BPE", rank)
            .args([
                "encode",
                "-t",
                &NAMES.join(","),
                "--special",
                "--format",
                "json",
                "-",
            ])
            .write_stdin(text.clone())
            .output()
            .expect("run tokstat");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let (hf, rank) = (run("0"), run("1"));
    assert!(hf.len() > 1_000_000, "{} bytes of output", hf.len());
    assert!(hf == rank, "encode output differs with TOKSTAT_RANK_BPE=0");
}

#[test]
fn configs_it_does_not_reproduce_are_refused() {
    let model = |extra: &str| {
        format!(r#"{{"type":"BPE",{extra}"vocab":{{"a":0,"b":1,"ab":2,"Xb":3}},"merges":["a b"]}}"#)
    };
    assert!(RankBpe::from_model_json(&model("")).is_some());
    assert!(RankBpe::from_model_json(&model(r#""ignore_merges":true,"#)).is_some());
    assert!(RankBpe::from_model_json(&model(r#""dropout":0.0,"#)).is_some());
    for refused in [
        r#""dropout":0.1,"#,
        r#""unk_token":"a","#,
        r#""byte_fallback":true,"#,
        r#""continuing_subword_prefix":"X","#,
        r#""end_of_word_suffix":"</w>","#,
    ] {
        assert!(
            RankBpe::from_model_json(&model(refused)).is_none(),
            "{refused}"
        );
    }
    let not_in_vocab = r#"{"type":"BPE","vocab":{"a":0,"b":1},"merges":["a b"]}"#;
    // What the compact vocabulary table cannot hold: an empty token, two tokens with one id.
    let empty_token = r#"{"type":"BPE","vocab":{"a":0,"b":1,"ab":2,"":3},"merges":["a b"]}"#;
    let shared_id = r#"{"type":"BPE","vocab":{"a":0,"b":1,"ab":2,"c":1},"merges":["a b"]}"#;
    for refused in [empty_token, shared_id] {
        assert!(RankBpe::from_model_json(refused).is_none(), "{refused}");
    }
    assert!(RankBpe::from_model_json(not_in_vocab).is_none());
    let unigram = r#"{"type":"Unigram","vocab":[["a",0.0]]}"#;
    assert!(RankBpe::from_model_json(unigram).is_none());
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 128,
        // Deterministic: the same cases on every run.
        rng_seed: RngSeed::Fixed(0x0072_616e_6b62_7065),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn rank_bpe_equals_hf_bpe_on_generated_text(
        s in "\\PC{0,60}|[ \t\na-zA-Z0-9_.,:;()\\[\\]{}<>=+*/-]{0,80}|[ \\p{Han}\\p{Cyrillic}\\p{Arabic}\\p{Devanagari}]{0,40}|[\u{1F600}-\u{1F64F}\u{200D}\u{FE0F} ]{0,30}"
    ) {
        check(&s)?;
    }

    #[test]
    fn arbitrary_chars_equal_hf_bpe(chars in proptest::collection::vec(any::<char>(), 0..40)) {
        check(&chars.into_iter().collect::<String>())?;
    }

    #[test]
    fn long_words_and_whitespace_runs_equal_hf_bpe(
        unit in "[a-z]{1,3}|[ \t\n]|[\u{00}-\u{1F}]|[éß€𝔘]|[0-9]", reps in 20usize..400,
        tail in "[a-zA-Z ]{0,8}"
    ) {
        check(&format!("{}{tail}", unit.repeat(reps)))?;
        check(&format!("x{} y", unit.repeat(reps)))?;
    }
}
