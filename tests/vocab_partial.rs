//! Mergeable `vocab --corpus` use: the bundled corpora (`corpora/code`, `corpora/multilingual`)
//! split into k random shards for several k, each shard's state serialised and read back, merged
//! in a random tree, give exactly the single-process state, and that state finishes into the
//! binary's `vocab --corpus ... --format json` output. States of other tokenizers do not merge.

mod common;

use std::sync::Arc;

use common::{json_of, root};
use tokstat::tokenizer::{self, Tokenizer};
use tokstat::vocab::{VocabOptions, VocabPartial, corpus};

/// A small deterministic generator (SplitMix64), so failures replay.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

fn opts() -> VocabOptions {
    VocabOptions {
        corpus: vec![
            root().join("corpora/code"),
            root().join("corpora/multilingual"),
        ],
        ..VocabOptions::default()
    }
}

fn names() -> Vec<String> {
    tokenizer::DEFAULT_TRIO
        .iter()
        .map(|s| tokenizer::canonical_name(s).unwrap())
        .collect()
}

/// Merges `states` in a random tree, each intermediate state through its bytes.
fn merge_tree(mut states: Vec<VocabPartial>, rng: &mut Rng) -> VocabPartial {
    while states.len() > 1 {
        let a = states.swap_remove(rng.below(states.len()));
        let b = states.swap_remove(rng.below(states.len()));
        let (mut into, from) = if rng.below(2) == 0 { (a, b) } else { (b, a) };
        into.merge(&from).unwrap();
        states.push(VocabPartial::from_bytes(&into.to_bytes().unwrap()).unwrap());
    }
    states.pop().unwrap()
}

#[test]
fn shards_merge_into_the_single_process_report() {
    let opts = opts();
    let names = names();
    let toks: Vec<Arc<dyn Tokenizer>> = tokenizer::load_many(&names).unwrap();
    let single = VocabPartial::from_corpus(&opts, &names, &toks).unwrap();
    let (files, _) = corpus::corpus_files(&opts.corpus, opts.walk).unwrap();
    let (texts, _) = corpus::read_corpus(&files).unwrap();
    assert!(texts.len() > 8, "{} corpus files", texts.len());
    let per_file: Vec<VocabPartial> = texts
        .iter()
        .map(|t| {
            let mut s = VocabPartial::new(&names, &toks);
            s.update(&toks, std::slice::from_ref(t)).unwrap();
            VocabPartial::from_bytes(&s.to_bytes().unwrap()).unwrap()
        })
        .collect();
    let mut rng = Rng(20);
    for k in [1, 2, 3, 7, texts.len()] {
        for _ in 0..3 {
            let mut shards = vec![VocabPartial::new(&names, &toks); k];
            for s in &per_file {
                shards[rng.below(k)].merge(s).unwrap();
            }
            assert_eq!(merge_tree(shards, &mut rng), single, "k = {k}");
        }
    }
    let cli = json_of(&[
        "vocab",
        "--corpus",
        &opts.corpus[0].display().to_string(),
        &opts.corpus[1].display().to_string(),
        "--format",
        "json",
    ]);
    let merged = merge_tree(per_file, &mut rng);
    let finished = serde_json::to_value(merged.finish(&opts).unwrap()).unwrap();
    assert_eq!(finished, cli);
}

#[test]
fn other_tokenizers_and_bad_bytes_are_errors() {
    let a_names = vec![tokenizer::canonical_name("roberta").unwrap()];
    let b_names = vec![tokenizer::canonical_name("xlm-roberta").unwrap()];
    let a_toks = tokenizer::load_many(&a_names).unwrap();
    let b_toks = tokenizer::load_many(&b_names).unwrap();
    let mut a = VocabPartial::new(&a_names, &a_toks);
    let b = VocabPartial::new(&b_names, &b_toks);
    let e = a.merge(&b).unwrap_err().to_string();
    assert!(e.contains("cannot merge a vocab state of"), "{e}");
    let bytes = a.to_bytes().unwrap();
    let e = VocabPartial::from_bytes(&bytes[..bytes.len() - 1])
        .unwrap_err()
        .to_string();
    assert!(e.contains("corrupt vocab state"), "{e}");
    let opts = VocabOptions {
        tokenizers: b_names,
        ..VocabOptions::default()
    };
    let e = a.finish(&opts).unwrap_err().to_string();
    assert!(e.contains("a vocab state of"), "{e}");
}
