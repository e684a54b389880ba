//! BEIR-layout evaluation: the metrics equal pytrec_eval's on a graded fixture with ties, pair
//! data converted to BEIR scores exactly as the pair evaluation does, training on train qrels,
//! and malformed sets fail naming `file:line`.

mod common;

use common::{json_of, root, tokstat};

use std::collections::BTreeMap;
use std::path::Path;

use predicates::prelude::*;
use serde_json::Value;
use tokstat::retrieval::beir::{QueryRun, query_run};
use tokstat::retrieval::graded::{self, GradedMetrics, Judgements};

const METRICS: [&str; 7] = [
    "ndcg_at_10",
    "map_at_100",
    "mrr_at_10",
    "recall_at_1",
    "recall_at_5",
    "recall_at_10",
    "recall_at_100",
];

fn field(m: &GradedMetrics, name: &str) -> f64 {
    let v = serde_json::to_value(m).unwrap();
    v[name].as_f64().unwrap()
}

/// One query of the fixture: the run's documents first (indices 0..n, with their scores), then
/// the judged documents the run does not retrieve.
struct FixtureQuery {
    ids: Vec<String>,
    scores: Vec<f64>,
    judged: Judgements,
}

fn fixture_query(qrels: &Value, run: &Value) -> FixtureQuery {
    let run: BTreeMap<String, f64> = serde_json::from_value(run.clone()).unwrap();
    let qrels: BTreeMap<String, u32> = serde_json::from_value(qrels.clone()).unwrap();
    let mut ids: Vec<String> = run.keys().cloned().collect();
    let scores: Vec<f64> = run.values().copied().collect();
    ids.extend(qrels.keys().filter(|d| !run.contains_key(*d)).cloned());
    let judged = Judgements::new(
        qrels
            .iter()
            .map(|(d, &g)| (ids.iter().position(|x| x == d).unwrap() as u32, g))
            .collect(),
    );
    FixtureQuery {
        ids,
        scores,
        judged,
    }
}

/// trec_eval's order: score descending, ties by document id descending.
fn trec_eval_run(q: &FixtureQuery) -> QueryRun {
    let mut hits: Vec<(u32, f64)> = q
        .scores
        .iter()
        .enumerate()
        .map(|(i, &s)| (i as u32, s))
        .collect();
    hits.sort_by(|a, b| {
        b.1.partial_cmp(&a.1)
            .unwrap()
            .then_with(|| q.ids[b.0 as usize].cmp(&q.ids[a.0 as usize]))
    });
    hits.truncate(graded::DEPTH);
    query_run(hits, &q.judged)
}

fn assert_matches(name: &str, runs: &BTreeMap<String, QueryRun>, reference: &Value) {
    let mut per_query = Vec::new();
    for (qid, run) in runs {
        let want = &reference["per_query"][qid];
        for m in METRICS {
            let (got, exp) = (field(&run.metrics, m), want[m].as_f64().unwrap());
            assert!((got - exp).abs() < 1e-6, "{name} {qid} {m}: {got} vs {exp}");
        }
        per_query.push(run.metrics);
    }
    let mean = GradedMetrics::mean(&per_query);
    for m in METRICS {
        let (got, exp) = (field(&mean, m), reference["mean"][m].as_f64().unwrap());
        assert!((got - exp).abs() < 1e-6, "{name} mean {m}: {got} vs {exp}");
    }
}

#[test]
fn metrics_equal_pytrec_eval_under_both_tie_orders() {
    let path = root().join("tests/fixtures/beir/reference.json");
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let (mut ours, mut trec) = (BTreeMap::new(), BTreeMap::new());
    let mut skipped = Vec::new();
    for (qid, run) in fixture["run"].as_object().unwrap() {
        let q = fixture_query(&fixture["qrels"][qid], run);
        if !q.judged.has_relevant() {
            skipped.push(Value::from(qid.as_str()));
            continue;
        }
        // tokstat's own ranking (ties against the query) over the run's documents.
        let hits = graded::top_k(&q.scores, &q.judged, graded::DEPTH);
        ours.insert(qid.clone(), query_run(hits, &q.judged));
        trec.insert(qid.clone(), trec_eval_run(&q));
    }
    assert_eq!(Value::from(skipped), fixture["skipped_queries"]);
    assert_eq!(ours.len(), 7);
    assert_matches("pessimistic", &ours, &fixture["pessimistic"]);
    assert_matches("trec_eval", &trec, &fixture["trec_eval"]);
    // The fixture's ties matter: the two orders differ.
    assert_ne!(fixture["pessimistic"]["mean"], fixture["trec_eval"]["mean"]);
}

fn run_json(args: &[&str]) -> Value {
    json_of(&[&["retrieval", "--format", "json"], args].concat())
}

fn row<'a>(v: &'a Value, set_key: &str, set: &str, method: &str) -> &'a Value {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[set_key] == set && r["method"] == method)
        .unwrap_or_else(|| panic!("no {method} row for {set}"))
}

#[test]
fn pairs_converted_to_beir_score_exactly_as_pairs() {
    let dir = tempfile::tempdir().unwrap();
    let (ck, beir) = (dir.path().join("ck"), dir.path().join("beir"));
    let (ck, beir) = (ck.to_str().unwrap(), beir.to_str().unwrap());
    let pairs = run_json(&[
        "-t",
        "roberta",
        "--languages",
        "go",
        "--steps",
        "2",
        "--dim",
        "16",
        "--heads",
        "2",
        "--max-train-pairs",
        "200",
        "--no-untrained",
        "--no-equal-bytes",
        "--save",
        ck,
    ]);
    tokstat()
        .args(["to-beir", "--languages", "go", "-o", beir])
        .assert()
        .success()
        .stdout(predicate::str::contains("go: 1000 documents"));
    let b = run_json(&["-t", "roberta", "--data", beir, "--load", ck]);
    assert_eq!(b["config"]["data_format"], "beir");
    assert_eq!(b["config"]["sets"][0]["documents"], 1000);
    for method in ["bm25", "trained"] {
        let (p, r) = (
            row(&pairs, "language", "go", method),
            row(&b, "set", "go", method),
        );
        for m in [
            "mrr_at_10",
            "ndcg_at_10",
            "recall_at_1",
            "recall_at_5",
            "recall_at_10",
        ] {
            assert_eq!(p[m], r[m], "{method} {m}");
        }
        assert_eq!(p["queries"], r["queries"]);
    }
}

/// The pair layout's and the BEIR layout's `--pretrained` runs of one model, as JSON.
fn pretrained_runs(model: &Path, beir: &str, threads: &str) -> (Value, Value) {
    let model = model.to_str().unwrap();
    let common = [
        "--pretrained",
        model,
        "--max-tokens",
        "48",
        "--threads",
        threads,
    ];
    let pairs = run_json(&[&common[..], &["--languages", "go", "--no-equal-bytes"]].concat());
    let b = run_json(&[&common[..], &["--data", beir]].concat());
    (pairs, b)
}

#[test]
fn pretrained_models_on_converted_pairs_score_exactly_as_pairs() {
    let dir = tempfile::tempdir().unwrap();
    let beir = dir.path().join("beir");
    let beir = beir.to_str().unwrap();
    tokstat()
        .args(["to-beir", "--languages", "go", "-o", beir])
        .assert()
        .success();
    for arch in ["bert", "modernbert"] {
        let model = root().join("tests/fixtures/pretrained").join(arch);
        let (pairs, b) = pretrained_runs(&model, beir, "2");
        assert_eq!(b["config"]["data_format"], "beir");
        assert_eq!(b["config"]["pretrained"][0]["model_type"], arch);
        assert!(
            b["training"].as_array().unwrap().is_empty(),
            "nothing trained"
        );
        assert_eq!(b["timing"]["pretrained"][0]["texts"], 2000);
        let methods: Vec<&str> = b["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["method"].as_str().unwrap())
            .collect();
        assert_eq!(methods, ["bm25", "pretrained"], "{arch}");
        for method in ["bm25", "pretrained"] {
            let (p, r) = (
                row(&pairs, "language", "go", method),
                row(&b, "set", "go", method),
            );
            assert_eq!(r["tokenizer"], arch);
            for m in [
                "mrr_at_10",
                "ndcg_at_10",
                "recall_at_1",
                "recall_at_5",
                "recall_at_10",
            ] {
                assert_eq!(p[m], r[m], "{arch} {method} {m}");
            }
            assert_eq!(p["queries"], r["queries"]);
            assert_eq!(p["code_truncated_share"], r["document_truncated_share"]);
            assert!(
                r["mrr_at_10"].as_f64().unwrap() > 0.01,
                "{arch} {method}: no signal"
            );
        }
        if arch == "modernbert" {
            let (_, mut one) = pretrained_runs(&model, beir, "1");
            let mut two = b.clone();
            for v in [&mut one, &mut two] {
                v.as_object_mut().unwrap().remove("timing");
            }
            assert_eq!(
                one, two,
                "BEIR pretrained results depend on the thread count"
            );
        }
    }
}

/// A small BEIR set: one document per word (plus distractors), queries that repeat a word,
/// graded train and test judgements; `q-none` has only a 0 judgement on test.
fn toy_set(dir: &Path) {
    let words = [
        "apple", "river", "mountain", "guitar", "pencil", "window", "rocket", "garden", "silver",
        "thunder", "coffee", "planet",
    ];
    let mut corpus = String::new();
    let mut queries = String::new();
    let (mut train, mut test) = (String::from("query-id\tcorpus-id\tscore\n"), String::new());
    test.push_str("query-id\tcorpus-id\tscore\n");
    for (i, w) in words.iter().enumerate() {
        corpus += &format!("{{\"_id\": \"d{i}\", \"title\": \"{w}\", \"text\": \"{w} {w}\"}}\n");
        corpus += &format!("{{\"_id\": {}, \"text\": \"{w} noise\"}}\n", 100 + i);
        queries += &format!("{{\"_id\": \"q{i}\", \"text\": \"{w} {w}\"}}\n");
        let split = if i < 8 { &mut train } else { &mut test };
        *split += &format!("q{i}\td{i}\t2\nq{i}\t{}\t1\n", 100 + i);
    }
    queries += "{\"_id\": \"q-none\", \"text\": \"nothing\"}\n";
    test += "q-none\td0\t0\n";
    std::fs::create_dir_all(dir.join("qrels")).unwrap();
    std::fs::write(dir.join("corpus.jsonl"), corpus).unwrap();
    std::fs::write(dir.join("queries.jsonl"), queries).unwrap();
    std::fs::write(dir.join("qrels/train.tsv"), train).unwrap();
    std::fs::write(dir.join("qrels/test.tsv"), test).unwrap();
}

#[test]
fn trains_on_train_qrels_deterministically_and_counts_skipped_queries() {
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("toy");
    toy_set(&set);
    let data = set.to_str().unwrap();
    let args = [
        "-t",
        "roberta",
        "--data",
        data,
        "--steps",
        "3",
        "--dim",
        "16",
        "--heads",
        "2",
        "--batch-size",
        "4",
    ];
    let one = run_json(&[&args[..], &["--threads", "1"]].concat());
    let two = run_json(&[&args[..], &["--threads", "2"]].concat());
    assert_eq!(one["results"], two["results"]);
    assert_eq!(one["config"]["trained_on"], "train");
    assert_eq!(one["training"][0]["pairs"], 16);
    assert_eq!(one["training"][0]["steps"], 3);
    let info = &one["config"]["sets"][0];
    assert_eq!(info["name"], "toy");
    assert_eq!(
        (
            &info["documents"],
            &info["evaluated_queries"],
            &info["skipped_queries"]
        ),
        (&Value::from(24), &Value::from(4), &Value::from(1))
    );
    assert_eq!(info["relevant_judgements"], 8);
    for method in ["bm25", "trained"] {
        let r = row(&one, "set", "toy", method);
        assert_eq!(r["skipped_queries"], 1);
        assert_eq!(r["queries"], 4);
        for m in METRICS {
            let v = r[m].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&v), "{method} {m} = {v}");
        }
    }
    // BM25: each query repeats its word, which only its two judged documents contain, so both
    // come first: every recall is complete from rank 2 on.
    let bm25 = row(&one, "set", "toy", "bm25");
    assert_eq!(bm25["recall_at_5"], 1.0);
    assert_eq!(bm25["map_at_100"], 1.0);
    // The tables show the set's counts and name the training split.
    tokstat()
        .args(["retrieval", "-t", "roberta", "--data", data])
        .args([
            "--steps",
            "1",
            "--dim",
            "16",
            "--heads",
            "2",
            "--batch-size",
            "4",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::is_match(r"│ toy\s+┆\s+24\s+┆\s+13\s+┆\s+4\s+┆\s+1\s+┆\s+8\s+│")
                .unwrap(),
        )
        .stdout(predicate::str::contains("trained on the train judgements"));
}

fn fails_with(set: &Path, extra: &[&str], needle: &str) {
    tokstat()
        .args([
            "retrieval",
            "-t",
            "roberta",
            "--data",
            set.to_str().unwrap(),
        ])
        .args(extra)
        .assert()
        .failure()
        .stderr(predicate::str::contains(needle));
}

#[test]
fn malformed_sets_fail_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("toy");
    let edit = |file: &str, from: &str, to: &str| {
        toy_set(&set);
        let p = set.join(file);
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains(from), "{file} lacks {from}");
        std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
    };
    let test_tsv = format!("{}:", Path::new("qrels").join("test.tsv").display());
    edit("qrels/test.tsv", "q8\td8\t2", "q8\td8\ttwo");
    fails_with(
        &set,
        &[],
        &format!("{test_tsv}2: score `two` is not an integer"),
    );
    edit("qrels/test.tsv", "q9\td9\t2", "q9\td9\t-1");
    fails_with(&set, &[], &format!("{test_tsv}4: score -1 is not a grade"));
    edit("qrels/test.tsv", "q8\td8\t2", "q-unknown\td8\t2");
    fails_with(
        &set,
        &[],
        &format!("{test_tsv}2: query-id `q-unknown` is not in queries.jsonl"),
    );
    edit("qrels/test.tsv", "q8\t108\t1", "q8\td-unknown\t1");
    fails_with(
        &set,
        &[],
        &format!("{test_tsv}3: corpus-id `d-unknown` is not in corpus.jsonl"),
    );
    edit("qrels/test.tsv", "q8\td8\t2", "q8 d8 2");
    fails_with(
        &set,
        &[],
        &format!("{test_tsv}2: expected 3 tab-separated fields"),
    );
    edit("qrels/train.tsv", "q1\td1\t2", "q1\td1\tx");
    fails_with(&set, &[], "train.tsv:4: score `x`");
    edit("corpus.jsonl", "\"_id\": \"d3\"", "\"_id\": \"d2\"");
    fails_with(&set, &[], "corpus.jsonl:7: duplicate _id `d2`");
    edit("corpus.jsonl", "{\"_id\": \"d1\"", "{\"_id\" \"d1\"");
    fails_with(&set, &[], "corpus.jsonl:3:");
    edit(
        "queries.jsonl",
        "\"text\": \"rocket rocket\"",
        "\"txt\": \"rocket\"",
    );
    fails_with(&set, &[], "queries.jsonl:7: missing field `text`");
    toy_set(&set);
    let qrels = set.join("qrels/test.tsv");
    let mut bytes = std::fs::read(&qrels).unwrap();
    let at = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
    let at = at + bytes[at..].iter().position(|&b| b == b'\n').unwrap() + 1;
    bytes.splice(at..at + 1, [0xff]); // line 3 starts with a byte that is not UTF-8
    std::fs::write(&qrels, bytes).unwrap();
    fails_with(&set, &[], &format!("{test_tsv}3: invalid UTF-8"));
    toy_set(&set);
    fails_with(
        &set,
        &["--split", "dev"],
        "missing qrels for split `dev` (available splits: test, train",
    );
    fails_with(
        &set,
        &["--max-eval-pairs", "5"],
        "--max-eval-pairs applies to pair data only",
    );
    fails_with(&set, &["--load", "no-such-dir"], "no-such-dir");
    std::fs::remove_file(set.join("queries.jsonl")).unwrap();
    fails_with(&set, &[], "queries.jsonl: missing queries file");
    // Forcing the BEIR layout on pair data names what is missing.
    let pairs = root().join("corpora/code-retrieval");
    fails_with(&pairs, &["--data-format", "beir"], "holds no BEIR set");
}

/// scipy.stats.t.ppf(0.975, 2): the 95% two-sided Student-t quantile for 3 seeds.
const T_975_DF2: f64 = 4.302_652_729_749_464;

#[test]
fn several_seeds_give_a_row_each_and_their_spread() {
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("toy");
    toy_set(&set);
    let runs = dir.path().join("runs");
    let v = run_json(&[
        "-t",
        "roberta",
        "--data",
        set.to_str().unwrap(),
        "--seeds",
        "3",
        "--seed",
        "7",
        "--steps",
        "3",
        "--dim",
        "16",
        "--heads",
        "2",
        "--batch-size",
        "4",
        "--save-runs",
        runs.to_str().unwrap(),
    ]);
    let rows = v["results"].as_array().unwrap();
    let trained: Vec<&Value> = rows.iter().filter(|r| r["method"] == "trained").collect();
    let seeds: Vec<u64> = trained
        .iter()
        .map(|r| r["seed"].as_u64().unwrap())
        .collect();
    assert_eq!(seeds, [7, 8, 9]);
    assert_eq!(rows.iter().filter(|r| r["method"] == "bm25").count(), 1);
    assert_eq!(v["training"].as_array().unwrap().len(), 3);
    let ndcg: Vec<f64> = trained
        .iter()
        .map(|r| r["ndcg_at_10"].as_f64().unwrap())
        .collect();
    assert!(ndcg.iter().any(|&x| x != ndcg[0]), "seeds differ: {ndcg:?}");
    // Mean, sample sd and Student-t interval, computed here independently.
    let mean = ndcg.iter().sum::<f64>() / 3.0;
    let sd = (ndcg.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 2.0).sqrt();
    let half = T_975_DF2 * sd / 3f64.sqrt();
    let summary = v["summary"].as_array().unwrap();
    let s = summary
        .iter()
        .find(|s| s["method"] == "trained" && s["metric"] == "ndcg_at_10")
        .unwrap();
    assert_eq!(s["n"], 3);
    let close = |a: &Value, b: f64| (a.as_f64().unwrap() - b).abs() < 1e-9;
    assert!(close(&s["mean"], mean) && close(&s["sd"], sd), "{s}");
    assert!(
        close(&s["ci95"][0], mean - half) && close(&s["ci95"][1], mean + half),
        "{s}"
    );
    let b = summary
        .iter()
        .find(|s| s["method"] == "bm25" && s["metric"] == "map_at_100")
        .unwrap();
    assert_eq!((&b["n"], &b["sd"]), (&Value::from(1), &Value::Null));
    assert_eq!(summary.len(), 2 * 7, "(bm25, trained) × 7 metrics");
    for seed in [7, 8, 9] {
        assert!(
            runs.join(format!("toy.roberta.trained-seed{seed}.run"))
                .is_file()
        );
    }
}

#[test]
fn saved_run_files_reproduce_the_reported_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("toy");
    toy_set(&set);
    let runs = dir.path().join("runs");
    let report = run_json(&[
        "-t",
        "roberta",
        "--data",
        set.to_str().unwrap(),
        "--save-runs",
        runs.to_str().unwrap(),
        "--steps",
        "2",
        "--dim",
        "16",
        "--heads",
        "2",
        "--batch-size",
        "4",
    ]);
    let qrels = std::fs::read_to_string(set.join("qrels/test.tsv")).unwrap();
    for method in ["bm25", "trained"] {
        let text = std::fs::read_to_string(runs.join(format!("toy.roberta.{method}.run"))).unwrap();
        // Per query: the run's document ids in file order, and the judgements by id.
        let mut by_query: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for line in text.lines() {
            let f: Vec<&str> = line.split(' ').collect();
            assert_eq!(
                (f.len(), f[1], f[5]),
                (6, "Q0", format!("tokstat-{method}").as_str())
            );
            let ranked = by_query.entry(f[0].to_string()).or_default();
            ranked.push(f[2].to_string());
            assert_eq!(f[3], ranked.len().to_string(), "ranks count from 1");
        }
        let mut per_query = Vec::new();
        for (qid, docs) in &by_query {
            let judged: Vec<(String, u32)> = qrels
                .lines()
                .skip(1)
                .map(|l| l.split('\t').collect::<Vec<_>>())
                .filter(|f| f[0] == qid)
                .map(|f| (f[1].to_string(), f[2].parse().unwrap()))
                .collect();
            let grade = |d: &String| judged.iter().find(|j| &j.0 == d).map_or(0, |j| j.1);
            let ranked: Vec<u32> = docs.iter().map(grade).collect();
            let all: Vec<u32> = judged.iter().map(|j| j.1).collect();
            per_query.push(GradedMetrics::of_query(&ranked, &all));
        }
        assert_eq!(per_query.len(), 4, "q-none is skipped");
        let mean = GradedMetrics::mean(&per_query);
        let r = row(&report, "set", "toy", method);
        for m in METRICS {
            // Equal up to the order of the sum over queries.
            let (got, want) = (field(&mean, m), r[m].as_f64().unwrap());
            assert!((got - want).abs() < 1e-12, "{method} {m}: {got} vs {want}");
        }
    }
}
