//! Mergeable `vocab --corpus` use: a random sample of the bundled corpora's files (code and
//! multilingual) is counted file by file, the per-file states are dealt into k random shards for
//! several k and merged in random trees, every state crossing the wire; each merged state equals
//! the single-process state, and it finishes into the binary's `vocab --corpus ... --format json`
//! output. Skipped files keep their walk order whatever the merge order; states of other
//! tokenizers and corrupt bytes are errors. (The whole bundled corpora, sharded, are checked by
//! `python/tests/test_partial.py` against the binary.)

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use common::{json_of, root};
use tokstat::input::Found;
use tokstat::tokenizer::{self, Tokenizer};
use tokstat::vocab::{self, CorpusEntry, VocabOptions, VocabPartial};

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

    /// `n` distinct items of `xs`, in their original order.
    fn sample<T: Clone>(&mut self, xs: &[T], n: usize) -> Vec<T> {
        let mut idx: Vec<usize> = (0..xs.len()).collect();
        for i in (1..idx.len()).rev() {
            idx.swap(i, self.below(i + 1));
        }
        idx.truncate(n);
        idx.sort_unstable();
        idx.into_iter().map(|i| xs[i].clone()).collect()
    }
}

/// Files of a bundled corpus, in walk order.
fn corpus_files(dir: &str) -> Vec<PathBuf> {
    vocab::plan(&[root().join(dir)], Default::default())
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.found {
            Found::File(f) => Some(f.path),
            _ => None,
        })
        .collect()
}

fn names(specs: &[&str]) -> Vec<String> {
    specs
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

/// One state per planned entry (the finest shards), each read back from its bytes.
fn per_entry(
    names: &[String],
    toks: &[Arc<dyn Tokenizer>],
    entries: &[CorpusEntry],
) -> Vec<VocabPartial> {
    entries
        .iter()
        .map(|e| {
            let mut s = VocabPartial::new(names, toks);
            s.add_planned(toks, std::slice::from_ref(e)).unwrap();
            VocabPartial::from_bytes(&s.to_bytes().unwrap()).unwrap()
        })
        .collect()
}

/// `vocab --corpus PATHS --format json [ARGS]` from the binary.
fn cli_json(paths: &[PathBuf], args: &[&str]) -> serde_json::Value {
    let mut argv = vec!["vocab".to_string(), "--corpus".into()];
    argv.extend(paths.iter().map(|p| p.display().to_string()));
    argv.extend(
        ["--format", "json"]
            .iter()
            .chain(args)
            .map(|s| s.to_string()),
    );
    json_of(&argv.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn shards_merge_into_the_single_process_report() {
    let mut rng = Rng(20);
    let mut paths = rng.sample(&corpus_files("corpora/code"), 14);
    paths.extend(rng.sample(&corpus_files("corpora/multilingual"), 3));
    let opts = VocabOptions {
        corpus: paths.clone(),
        ..VocabOptions::default()
    };
    let names = names(tokenizer::DEFAULT_TRIO);
    let toks: Vec<Arc<dyn Tokenizer>> = tokenizer::load_many(&names).unwrap();
    let single = VocabPartial::from_corpus(&opts, &names, &toks).unwrap();
    let entries = vocab::plan(&opts.corpus, opts.walk).unwrap();
    let per_file = per_entry(&names, &toks, &entries);
    assert_eq!(per_file.len(), paths.len());
    for k in [1, 2, 5, per_file.len()] {
        let mut shards = vec![VocabPartial::new(&names, &toks); k];
        for s in &per_file {
            shards[rng.below(k)].merge(s).unwrap();
        }
        assert_eq!(merge_tree(shards, &mut rng), single, "k = {k}");
    }
    let merged = merge_tree(per_file, &mut rng);
    let finished = serde_json::to_value(merged.finish(&opts).unwrap()).unwrap();
    assert_eq!(finished, cli_json(&paths, &[]));
}

/// A directory with text, binary and non-UTF-8 files, counted file by file and merged in reverse
/// walk order: the same state, and the same report and warning, as the binary's single run.
#[test]
fn skipped_files_keep_walk_order() {
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in [
        ("a.bin", &b"x\0y"[..]),
        ("b.txt", "caf\u{e9} na\u{ef}ve\n".as_bytes()),
        ("c.txt", &b"ok \xff\xfe\n"[..]),
        ("d.rs", "fn main() {}\n".as_bytes()),
    ] {
        std::fs::write(dir.path().join(name), body).unwrap();
    }
    let names = names(&["xlm-roberta"]);
    let toks = tokenizer::load_many(&names).unwrap();
    let opts = VocabOptions {
        tokenizers: names.clone(),
        corpus: vec![dir.path().to_path_buf()],
        ..VocabOptions::default()
    };
    let single = VocabPartial::from_corpus(&opts, &names, &toks).unwrap();
    let entries = vocab::plan(&opts.corpus, opts.walk).unwrap();
    let mut merged = VocabPartial::new(&names, &toks);
    for s in per_entry(&names, &toks, &entries).iter().rev() {
        merged.merge(s).unwrap();
    }
    assert_eq!(merged, single);
    assert_eq!(merged.files(), 2);
    let report = merged.finish(&opts).unwrap();
    let cli = cli_json(&opts.corpus, &["-t", "xlm-roberta"]);
    assert_eq!(serde_json::to_value(&report).unwrap(), cli);
    let warning = &report.warnings[0];
    let (a, c) = (
        warning.find("a.bin").unwrap(),
        warning.find("c.txt").unwrap(),
    );
    assert!(a < c, "{warning}");
}

#[test]
fn other_tokenizers_and_bad_bytes_are_errors() {
    let a_names = names(&["roberta"]);
    let b_names = names(&["xlm-roberta"]);
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
    for n in 0..bytes.len() {
        assert!(VocabPartial::from_bytes(&bytes[..n]).is_err());
    }
    let opts = VocabOptions {
        tokenizers: b_names,
        ..VocabOptions::default()
    };
    let e = a.finish(&opts).unwrap_err().to_string();
    assert!(e.contains("a vocab state of"), "{e}");
}
