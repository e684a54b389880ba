//! Mergeable statistics: a random sample of the bundled corpora split into k random shards, each
//! shard's partial state serialised and read back, merged in a random order and grouping, gives
//! exactly the single-process report (`compare` over files of `corpora/code` and
//! `corpora/multilingual`, `parity` over lines of some languages of `corpora/multilingual`), for
//! many k. Each input is analysed once into a per-input state; shards are merged from those. (The
//! whole bundled corpora, sharded, are checked by `python/tests/test_partial.py` against the
//! binary.) Also: the serialised form rejects corrupt bytes and other versions, and states of
//! different comparisons do not merge.

mod common;

use std::sync::{Arc, OnceLock};

use common::root;
use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use tokstat::compare::{self, CompareOptions, ComparePartial, PlannedInput};
use tokstat::parity::{ParallelCorpus, ParityPartial};
use tokstat::tokenizer::{self, Tokenizer};

fn corpus(p: &str) -> String {
    root().join(p).display().to_string()
}

/// A fixed pseudo-random choice of about one item in `one_in` (Fibonacci hashing of the index).
fn picked(i: usize, one_in: u64) -> bool {
    ((i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) % one_in == 0
}

/// A sample of the files of both bundled corpora: about one code file in 5 and one language in
/// 12, as file paths.
fn sampled_paths() -> Vec<String> {
    let all = CompareOptions {
        paths: vec![corpus("corpora/code"), corpus("corpora/multilingual")],
        ..Default::default()
    };
    let mut out = Vec::new();
    for (i, p) in compare::plan(&all).unwrap().iter().enumerate() {
        if let tokstat::input::Found::File(f) = &p.found {
            let code = f.path.starts_with(root().join("corpora/code"));
            if picked(i, if code { 5 } else { 12 }) {
                out.push(f.path.display().to_string());
            }
        }
    }
    out
}

struct CompareCase {
    opts: CompareOptions,
    toks: Vec<Arc<dyn Tokenizer>>,
    plan: Vec<PlannedInput>,
    /// One serialised state per planned input (the finest shards).
    per_input: Vec<Vec<u8>>,
    /// The single-process report as JSON.
    single: String,
}

fn compare_case() -> &'static CompareCase {
    static CASE: OnceLock<CompareCase> = OnceLock::new();
    CASE.get_or_init(|| {
        let opts = CompareOptions {
            paths: sampled_paths(),
            ..Default::default()
        };
        let toks = compare::load_tokenizers(&opts).unwrap();
        let single = serde_json::to_string(&compare::compare_with(&opts, &toks).unwrap()).unwrap();
        let plan = compare::plan(&opts).unwrap();
        assert!(plan.len() > 16, "{} sampled inputs", plan.len());
        let per_input = plan
            .iter()
            .map(|p| {
                let mut s = ComparePartial::new(&toks, opts.chunk_bytes);
                compare::add_planned(&mut s, std::slice::from_ref(p), &opts, &toks).unwrap();
                s.to_bytes().unwrap()
            })
            .collect();
        CompareCase {
            opts,
            toks,
            plan,
            per_input,
            single,
        }
    })
}

struct ParityCase {
    per_line: Vec<Vec<u8>>,
    single: String,
}

fn parity_case() -> &'static ParityCase {
    static CASE: OnceLock<ParityCase> = OnceLock::new();
    CASE.get_or_init(|| {
        let corpus = sampled_parallel_corpus();
        let names: Vec<String> = tokenizer::DEFAULT_TRIO
            .iter()
            .map(|s| s.to_string())
            .collect();
        let toks = tokenizer::load_many(&names).unwrap();
        let report = tokstat::parity::measure(&corpus, &toks, "eng_Latn", 5).unwrap();
        let per_line = (0..ParityPartial::lines_of(&corpus))
            .map(|i| {
                let mut s = ParityPartial::new(&corpus, &toks, "eng_Latn").unwrap();
                s.add_lines(&corpus, &toks, &[i]).unwrap();
                s.to_bytes().unwrap()
            })
            .collect();
        ParityCase {
            per_line,
            single: serde_json::to_string(&report).unwrap(),
        }
    })
}

/// The pivot and a sample of the other languages of `corpora/multilingual` (about one in 8),
/// on a sample of the lines (about one in 6, the same lines in every language).
fn sampled_parallel_corpus() -> ParallelCorpus {
    let dir = root().join("corpora/multilingual");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".txt"))
        .collect();
    names.sort();
    let files = names
        .iter()
        .enumerate()
        .filter(|(i, n)| n.as_str() == "eng_Latn.txt" || picked(*i, 8))
        .map(|(_, n)| {
            let text = std::fs::read_to_string(dir.join(n)).unwrap();
            let lines: Vec<&str> = text
                .lines()
                .enumerate()
                .filter(|(j, _)| picked(*j, 6))
                .map(|(_, l)| l)
                .collect();
            (n.clone(), lines.join("\n") + "\n")
        })
        .collect();
    let corpus = ParallelCorpus::from_files(&dir, files).unwrap();
    assert!(ParityPartial::lines_of(&corpus) > 40);
    corpus
}

/// Assigns unit `i` to shard `shard_of[i] % k`; returns the units of each shard, in a shuffled
/// order given by `order`.
fn shards(units: usize, k: usize, shard_of: &[usize], order: &[usize]) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new(); k];
    for i in 0..units {
        out[shard_of[i % shard_of.len()] % k].push(i);
    }
    for (s, o) in out.iter_mut().zip(order.iter().cycle()) {
        let n = s.len().max(1);
        s.rotate_left(o % n);
    }
    out
}

/// Merges `states` by repeatedly merging the pair chosen by `picks` (a random merge tree).
fn merge_tree<S: Clone>(mut states: Vec<S>, picks: &[usize], merge: impl Fn(&mut S, &S)) -> S {
    let mut p = picks.iter().cycle();
    while states.len() > 1 {
        let i = p.next().unwrap() % states.len();
        let b = states.swap_remove(i);
        let j = p.next().unwrap() % states.len();
        merge(&mut states[j], &b);
    }
    states.pop().unwrap()
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 8,
        rng_seed: RngSeed::Fixed(0x7061_7274_6961_6c73),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn compare_shards_merge_to_the_single_process_report(
        k in 1usize..16,
        shard_of in prop::collection::vec(0usize..64, 1..200),
        order in prop::collection::vec(0usize..1000, 1..20),
        picks in prop::collection::vec(0usize..1000, 1..64),
    ) {
        let c = compare_case();
        let states: Vec<ComparePartial> = shards(c.plan.len(), k, &shard_of, &order)
            .into_iter()
            .map(|units| {
                let mut s = ComparePartial::new(&c.toks, c.opts.chunk_bytes);
                for i in units {
                    s.merge(&ComparePartial::from_bytes(&c.per_input[i]).unwrap()).unwrap();
                }
                // Each shard crosses the wire, as from a worker.
                ComparePartial::from_bytes(&s.to_bytes().unwrap()).unwrap()
            })
            .collect();
        let merged = merge_tree(states, &picks, |a, b| a.merge(b).unwrap());
        let report = merged.finish(&c.toks).unwrap();
        prop_assert_eq!(serde_json::to_string(&report).unwrap(), c.single.clone());
    }

    #[test]
    fn parity_shards_merge_to_the_single_process_report(
        k in 1usize..16,
        shard_of in prop::collection::vec(0usize..64, 1..200),
        order in prop::collection::vec(0usize..1000, 1..20),
        picks in prop::collection::vec(0usize..1000, 1..64),
    ) {
        let c = parity_case();
        let states: Vec<ParityPartial> = shards(c.per_line.len(), k, &shard_of, &order)
            .into_iter()
            .filter(|u| !u.is_empty())
            .map(|units| {
                let mut s = ParityPartial::from_bytes(&c.per_line[units[0]]).unwrap();
                for &i in &units[1..] {
                    s.merge(&ParityPartial::from_bytes(&c.per_line[i]).unwrap()).unwrap();
                }
                ParityPartial::from_bytes(&s.to_bytes().unwrap()).unwrap()
            })
            .collect();
        let merged = merge_tree(states, &picks, |a, b| a.merge(b).unwrap());
        let report = merged.finish(5).unwrap();
        prop_assert_eq!(serde_json::to_string(&report).unwrap(), c.single.clone());
    }
}

/// Shards analysed from their files (not merged from per-file states) agree too, in reverse
/// order of the walk.
#[test]
fn shards_analysed_from_files_agree() {
    let c = compare_case();
    let mut states = Vec::new();
    for chunk in c.plan.chunks(5).rev() {
        let mut s = ComparePartial::new(&c.toks, c.opts.chunk_bytes);
        compare::add_planned(&mut s, chunk, &c.opts, &c.toks).unwrap();
        states.push(s);
    }
    let mut all = states.pop().unwrap();
    for s in &states {
        all.merge(s).unwrap();
    }
    let report = all.finish(&c.toks).unwrap();
    assert_eq!(serde_json::to_string(&report).unwrap(), c.single);
}

/// Inputs analysed in groups, tokenizer by tokenizer (a directory of small files and files of
/// several chunks), count what each input counts alone.
#[test]
fn groups_of_inputs_count_what_each_input_counts_alone() {
    let opts = CompareOptions {
        paths: vec![corpus("corpora/code/python"), corpus("corpora/code/yaml")],
        tokenizers: vec!["roberta".into(), "xlm-roberta".into()],
        chunk_bytes: 8192,
        ..Default::default()
    };
    let toks = compare::load_tokenizers(&opts).unwrap();
    let plan = compare::plan(&opts).unwrap();
    let sizes: Vec<u64> = plan
        .iter()
        .filter_map(|p| match &p.found {
            tokstat::input::Found::File(f) => Some(f.size),
            _ => None,
        })
        .collect();
    // Both kinds of input are there: files of one chunk, and files of several.
    assert!(
        sizes.iter().filter(|&&s| s <= 8192).count() >= 5,
        "{sizes:?}"
    );
    assert!(
        sizes.iter().filter(|&&s| s > 3 * 8192).count() >= 2,
        "{sizes:?}"
    );
    let single = serde_json::to_string(&compare::compare_with(&opts, &toks).unwrap()).unwrap();
    let mut alone = ComparePartial::new(&toks, opts.chunk_bytes);
    for p in &plan {
        let mut s = ComparePartial::new(&toks, opts.chunk_bytes);
        compare::add_planned(&mut s, std::slice::from_ref(p), &opts, &toks).unwrap();
        alone.merge(&s).unwrap();
    }
    let report = serde_json::to_string(&alone.finish(&toks).unwrap()).unwrap();
    assert_eq!(report, single);
}

/// Skipped files are listed by walk position whatever the merge order; a lossy round trip's
/// first difference is the earliest input's.
#[test]
fn skips_and_first_difference_follow_walk_order() {
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in [
        ("a.bin", &b"x\0y"[..]),
        ("b.txt", "caf\u{e9} \u{200b}x\n".as_bytes()),
        ("c.bin", &b"\xff\xfe\0"[..]),
        ("d.txt", "\u{200b}zero\n".as_bytes()),
    ] {
        std::fs::write(dir.path().join(name), body).unwrap();
    }
    let opts = CompareOptions {
        paths: vec![dir.path().display().to_string()],
        tokenizers: vec!["xlm-roberta".into()],
        ..Default::default()
    };
    let toks = compare::load_tokenizers(&opts).unwrap();
    let single = serde_json::to_value(compare::compare_with(&opts, &toks).unwrap()).unwrap();
    assert_eq!(single["skipped"].as_array().unwrap().len(), 2);
    let plan = compare::plan(&opts).unwrap();
    let mut merged = ComparePartial::new(&toks, opts.chunk_bytes);
    for p in plan.iter().rev() {
        let mut s = ComparePartial::new(&toks, opts.chunk_bytes);
        compare::add_planned(&mut s, std::slice::from_ref(p), &opts, &toks).unwrap();
        merged.merge(&s).unwrap();
    }
    let report = serde_json::to_value(merged.finish(&toks).unwrap()).unwrap();
    assert_eq!(report, single);
    let first = &report["tokenizers"][0]["roundtrip"]["first_difference"]["path"];
    assert!(first.as_str().unwrap().ends_with("b.txt"), "{first}");
}

#[test]
fn corrupt_states_and_mismatched_merges_are_errors() {
    let c = compare_case();
    let bytes = &c.per_input[0];
    let msg = |r: tokstat::Result<ComparePartial>| r.unwrap_err().to_string();
    assert!(msg(ComparePartial::from_bytes(b"hello")).contains("wrong magic"));
    assert!(
        msg(ComparePartial::from_bytes(&bytes[..bytes.len() / 2]))
            .contains("corrupt compare state")
    );
    let mut other = bytes.clone();
    other[8] = 2;
    assert!(msg(ComparePartial::from_bytes(&other)).contains("format version 2"));
    // Every truncation is an error, never a panic.
    for n in 0..bytes.len().min(400) {
        assert!(ComparePartial::from_bytes(&bytes[..n]).is_err());
    }
    let gpt2 = tokenizer::load_many(&["roberta".into()]).unwrap();
    let mut s = ComparePartial::new(&gpt2, c.opts.chunk_bytes);
    let e = s
        .merge(&ComparePartial::from_bytes(bytes).unwrap())
        .unwrap_err();
    assert!(
        e.to_string().contains("cannot merge a comparison of"),
        "{e}"
    );
    let p = ParityPartial::from_bytes(bytes).unwrap_err();
    assert!(
        p.to_string()
            .contains("a `compare` state, expected `parity`"),
        "{p}"
    );
}
