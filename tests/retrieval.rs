//! `tokstat retrieval`: training learns, runs are deterministic, checkpoints re-score, bad input
//! fails clearly. (Metric, BM25, optimiser and encoder unit tests live beside the code.)

mod common;

use common::tokstat;
use tokstat::render::Render;

use std::path::Path;

use predicates::prelude::*;
use serde_json::Value;

fn run_json(args: &[&str]) -> Value {
    let out = tokstat()
        .arg("retrieval")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn metric(v: &Value, language: &str, method: &str, key: &str) -> f64 {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["language"] == language && r["method"] == method)
        .unwrap_or_else(|| panic!("no {method} row for {language}"))[key]
        .as_f64()
        .unwrap()
}

/// Writes `<dir>/toy/{train,test}.jsonl` where every query equals its code and each pair uses
/// its own English words.
fn toy_data(dir: &Path) {
    let words = [
        "apple", "river", "mountain", "guitar", "pencil", "window", "rocket", "garden", "silver",
        "thunder", "coffee", "planet",
    ];
    let lang = dir.join("toy");
    std::fs::create_dir_all(&lang).unwrap();
    let line = |split: &str, i: usize, w: &str| {
        serde_json::json!({"id": format!("toy-{split}-{i}"), "language": "toy",
            "query": format!("{w} {w}"), "code": format!("{w} {w}")})
        .to_string()
    };
    let train: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(i, w)| line("train", i, w))
        .collect();
    let test: Vec<String> = words[..6]
        .iter()
        .enumerate()
        .map(|(i, w)| line("test", i, w))
        .collect();
    std::fs::write(lang.join("train.jsonl"), train.join("\n") + "\n").unwrap();
    std::fs::write(lang.join("test.jsonl"), test.join("\n") + "\n").unwrap();
}

#[test]
fn quick_run_learns() {
    let a = run_json(&["--quick", "-t", "roberta"]);
    for lang in ["go", "python"] {
        let trained = metric(&a, lang, "trained", "mrr_at_10");
        let untrained = metric(&a, lang, "untrained", "mrr_at_10");
        let candidates = metric(&a, lang, "trained", "candidates");
        assert_eq!(candidates, 200.0);
        // A uniformly random ranking of N candidates has E[MRR@10] = H₁₀/N = 2.929/N.
        let random = 2.928_968 / candidates;
        assert!(
            trained > 2.0 * untrained,
            "{lang}: trained {trained} vs untrained {untrained}"
        );
        assert!(
            trained > 5.0 * random,
            "{lang}: trained {trained} vs random {random}"
        );
    }
    let t = &a["training"][0];
    assert!(t["last_loss"].as_f64().unwrap() < 0.5 * t["first_loss"].as_f64().unwrap());
}

#[test]
fn same_seed_gives_identical_metrics_on_any_thread_count() {
    let run = |threads: &str, seed: &str| {
        let out = tokstat()
            .env("RAYON_NUM_THREADS", threads)
            .args([
                "retrieval",
                "--quick",
                "-t",
                "modernbert",
                "--steps",
                "15",
                "--seed",
                seed,
            ])
            .args(["--languages", "go", "--format", "json"])
            .output()
            .unwrap();
        assert!(out.status.success());
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            v["timing"]["threads"].as_u64().unwrap(),
            threads.parse::<u64>().unwrap()
        );
        (
            v["config"].clone(),
            v["results"].clone(),
            v["training"].clone(),
        )
    };
    let a = run("1", "42");
    assert_eq!(a, run("2", "42"), "same seed, 1 vs 2 threads");
    // A different seed changes initialisation, sampling and batches, so the check can fail.
    assert_ne!(a.1, run("1", "7").1);
}

#[test]
fn json_contract_and_bm25_on_exact_matches() {
    let dir = tempfile::tempdir().unwrap();
    toy_data(dir.path());
    let data = dir.path().to_str().unwrap();
    let v = run_json(&[
        "--data", data, "-t", "roberta", "--steps", "2", "--dim", "16", "--heads", "2",
    ]);
    // Contract fields.
    assert_eq!(v["config"]["languages"], serde_json::json!(["toy"]));
    assert_eq!(v["config"]["tokenizers"][0]["name"], "roberta");
    assert_eq!(
        v["config"]["tokenizers"][0]["fingerprint"]
            .as_str()
            .unwrap()
            .len(),
        16
    );
    assert_eq!(v["config"]["options"]["seed"], 42);
    for r in v["results"].as_array().unwrap() {
        for k in [
            "tokenizer",
            "language",
            "method",
            "queries",
            "candidates",
            "mrr_at_10",
            "ndcg_at_10",
            "recall_at_1",
            "recall_at_5",
            "recall_at_10",
            "code_truncated_share",
        ] {
            assert!(r.get(k).is_some(), "missing {k}");
        }
        assert_eq!(r["queries"], 6);
        assert_eq!(r["candidates"], 6);
    }
    // Each query is identical to its own code and shares no word with the others, so BM25 puts
    // the gold document strictly first: MRR@10 = NDCG@10 = Recall@1 = 1.
    for k in ["mrr_at_10", "ndcg_at_10", "recall_at_1"] {
        assert_eq!(metric(&v, "toy", "bm25", k), 1.0, "{k}");
    }
    // Two-word snippets are never cut.
    assert_eq!(metric(&v, "toy", "bm25", "code_truncated_share"), 0.0);
    assert!(v["timing"]["total_seconds"].as_f64().unwrap() > 0.0);
}

#[test]
fn truncate_bytes_zero_leaves_only_ties() {
    // With every code text cut to 0 bytes, all 6 candidates are empty: BM25 scores them all 0
    // and the encoder embeds them identically, so with ties ranked pessimistically every gold
    // snippet has rank 6: MRR@10 = 1/6, NDCG@10 = 1/log2(7), Recall@5 = 0, Recall@10 = 1.
    let dir = tempfile::tempdir().unwrap();
    toy_data(dir.path());
    let data = dir.path().to_str().unwrap();
    let v = run_json(&[
        "--data",
        data,
        "-t",
        "roberta",
        "--steps",
        "2",
        "--dim",
        "16",
        "--heads",
        "2",
        "--truncate-bytes",
        "0",
    ]);
    assert_eq!(v["config"]["options"]["truncate_bytes"], 0);
    for method in ["bm25", "trained", "untrained"] {
        assert!(
            (metric(&v, "toy", method, "mrr_at_10") - 1.0 / 6.0).abs() < 1e-12,
            "{method}"
        );
        assert!((metric(&v, "toy", method, "ndcg_at_10") - 1.0 / 7f64.log2()).abs() < 1e-12);
        assert_eq!(metric(&v, "toy", method, "recall_at_5"), 0.0);
        assert_eq!(metric(&v, "toy", method, "recall_at_10"), 1.0);
    }
}

#[test]
fn checkpoints_rescore_to_the_same_numbers() {
    let dir = tempfile::tempdir().unwrap();
    toy_data(dir.path());
    let data = dir.path().to_str().unwrap();
    let ck = dir.path().join("ck");
    let ck = ck.to_str().unwrap();
    let small = [
        "--data", data, "-t", "roberta", "--steps", "3", "--dim", "16", "--heads", "2",
    ];
    let trained = run_json(&[&small[..], &["--save", ck]].concat());
    assert!(Path::new(ck).join("roberta.safetensors").is_file());
    let cfg: Value =
        serde_json::from_str(&std::fs::read_to_string(Path::new(ck).join("roberta.json")).unwrap())
            .unwrap();
    assert_eq!(cfg["encoder"]["dim"], 16);
    assert_eq!(cfg["run"]["tokenizer"], "roberta");
    let rescored = run_json(&["--data", data, "-t", "roberta", "--load", ck]);
    assert_eq!(rescored["config"]["rescored_from_checkpoints"], true);
    // The untrained rows are rebuilt from the checkpoint's config and seed, so every row
    // (untrained, trained, BM25) comes back the same, and config still says what it evaluated.
    assert_eq!(rescored["config"]["options"]["evaluate_untrained"], true);
    assert!(
        rescored["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["method"] == "untrained")
    );
    assert_eq!(trained["results"], rescored["results"]);
    // The training counts and losses are carried from the checkpoint's JSON.
    assert_eq!(trained["training"], rescored["training"]);
    assert_eq!(rescored["training"][0]["steps"], 3);
    // A checkpoint whose JSON has no training summary still re-scores, with null losses.
    let json_path = Path::new(ck).join("roberta.json");
    let mut bare = cfg.clone();
    bare["run"].as_object_mut().unwrap().remove("training");
    std::fs::write(&json_path, serde_json::to_string(&bare).unwrap()).unwrap();
    let bare = run_json(&["--data", data, "-t", "roberta", "--load", ck]);
    assert_eq!(bare["training"][0]["last_loss"], Value::Null);
    assert_eq!(bare["training"][0]["steps"], 0);
    assert_eq!(trained["results"], bare["results"]);
    // A re-scored report loads and renders like any other.
    let p = dir.path().join("rescored.json");
    std::fs::write(&p, serde_json::to_string(&rescored).unwrap()).unwrap();
    let report = tokstat::retrieval::load_report(&p).unwrap();
    assert!(!report.tables().is_empty());
}

#[test]
fn equal_total_budget_gives_small_vocabularies_a_wider_core() {
    let dir = tempfile::tempdir().unwrap();
    toy_data(dir.path());
    let data = dir.path().to_str().unwrap();
    let v = run_json(&[
        "--data",
        data,
        "-t",
        "xlm-roberta,roberta",
        "--steps",
        "1",
        "--no-untrained",
        "--budget",
        "equal-total",
        "10M",
    ]);
    // 2 layers, 4 heads → d in steps of 8, I = 3d/2. Core(d) = 2d + 2·(4d² + d + 3d·I) + d.
    // XLM-R (250,002 rows): d = 32 → 8,000,064 + core 17,568 = 8,017,632 ≤ 10M; d = 40 needs
    //   10,000,080 for the table alone → d = 32.
    // RoBERTa (50,265 rows): d = 184 → 9,248,760 + 576,472 = 9,825,232 ≤ 10M; d = 192 →
    //   9,650,880 + 627,648 = 10,278,528 > 10M → d = 184.
    let toks = &v["config"]["tokenizers"];
    assert_eq!(toks[0]["name"], "xlm-roberta");
    assert_eq!(toks[0]["encoder"]["dim"], 32);
    assert_eq!(toks[0]["total_parameters"], 8_017_632);
    assert_eq!(toks[1]["encoder"]["dim"], 184);
    assert_eq!(toks[1]["total_parameters"], 9_825_232);
}

#[test]
fn saved_report_renders_again() {
    let dir = tempfile::tempdir().unwrap();
    toy_data(dir.path());
    let data = dir.path().to_str().unwrap();
    let v = run_json(&[
        "--data", data, "-t", "roberta", "--steps", "1", "--dim", "16", "--heads", "2",
    ]);
    let p = dir.path().join("r.json");
    std::fs::write(&p, serde_json::to_string(&v).unwrap()).unwrap();
    let report = tokstat::retrieval::load_report(&p).unwrap();
    let md =
        tokstat::render::render_tables(&report.tables(), tokstat::render::TextFormat::Markdown);
    assert!(md.contains("### MRR@10"), "{md}");
    assert!(md.contains("| toy | BM25 (token ids) | 1.000 |"), "{md}");
    // The command line renders the same saved report.
    let out = tokstat()
        .args([
            "retrieval",
            "--from-json",
            p.to_str().unwrap(),
            "--format",
            "markdown",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), md);
    fails_with(&["--from-json", "no-such.json"], "no-such.json");
}

fn fails_with(args: &[&str], needle: &str) {
    tokstat()
        .arg("retrieval")
        .args(args)
        .assert()
        .failure()
        .stderr(predicate::str::contains(needle));
}

#[test]
fn bad_input_gives_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let data = root.to_str().unwrap();

    // Missing data directory.
    fails_with(
        &["--data", "no/such/dir"],
        "data directory `no/such/dir` does not exist",
    );

    // Missing split.
    std::fs::create_dir_all(root.join("lisp")).unwrap();
    std::fs::write(
        root.join("lisp/train.jsonl"),
        r#"{"id":"a","language":"lisp","query":"q","code":"c"}"#,
    )
    .unwrap();
    fails_with(
        &["--data", data, "-t", "roberta"],
        "missing test split for language `lisp`",
    );

    // No test pairs.
    std::fs::write(root.join("lisp/test.jsonl"), "\n").unwrap();
    fails_with(
        &["--data", data, "-t", "roberta"],
        "the test split of language `lisp` has no records",
    );

    // Malformed line → file:line.
    std::fs::write(
        root.join("lisp/test.jsonl"),
        "{\"id\":\"a\",\"language\":\"lisp\",\"query\":\"q\",\"code\":\"c\"}\n{\"id\": \"b\", \"query\": 3}\n",
    )
    .unwrap();
    fails_with(&["--data", data, "-t", "roberta"], "lisp/test.jsonl:2: ");

    // Unknown tokenizer, unknown language, bad budget.
    fails_with(
        &["-t", "robreta"],
        "unknown tokenizer `robreta` (did you mean `roberta`?)",
    );
    fails_with(&["--languages", "cobol"], "language `cobol` not found");
    fails_with(&["--budget", "equal-total"], "needs a parameter count");
    fails_with(
        &[
            "-t",
            "xlm-roberta",
            "--languages",
            "go",
            "--max-train-pairs",
            "10",
            "--max-eval-pairs",
            "10",
            "--budget",
            "equal-total",
            "1M",
        ],
        "even the smallest encoder",
    );
}

#[test]
fn threads_flag_sets_the_pool_and_keeps_results() {
    // --quick batches hold 32 pairs: two training shards, run one after the other or in parallel.
    let run = |threads: &str| {
        let v = run_json(&[
            "--quick",
            "-t",
            "roberta",
            "--languages",
            "go",
            "--steps",
            "4",
            "--threads",
            threads,
        ]);
        assert_eq!(v["timing"]["threads"], threads.parse::<u64>().unwrap());
        (v["results"].clone(), v["training"].clone())
    };
    assert_eq!(run("1"), run("2"));
    fails_with(&["--threads", "0"], "--threads must be at least 1");
}

#[test]
fn seeds_give_intervals_and_paired_tests_that_agree_with_the_rows() {
    let run = |threads: &str| {
        let out = tokstat()
            .env("RAYON_NUM_THREADS", threads)
            .args(["retrieval", "--quick", "-t", "roberta,xlm-roberta"])
            .args(["--seeds", "2", "--steps", "20", "--equal-bytes", "120"])
            .args(["--max-eval-pairs", "60", "--format", "json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v.as_object_mut().unwrap().remove("timing");
        v
    };
    let v = run("1");
    assert_eq!(v, run("2"), "same seeds: identical JSON apart from timing");
    let rows = v["results"].as_array().unwrap();
    // Two seeds of trained rows per (tokenizer, language), one BM25 row, both views.
    let count = |m: &str| rows.iter().filter(|r| r["method"] == m).count();
    assert_eq!(count("trained"), 2 * 2 * 2);
    assert_eq!(count("trained_equal_bytes"), 2 * 2 * 2);
    assert_eq!(count("bm25"), 2 * 2);
    assert_eq!(count("bm25_equal_bytes"), 2 * 2);
    for r in rows {
        // Every MRR@10 is the mean of its per-query reciprocal ranks.
        let ranks = r["gold_ranks"].as_array().unwrap();
        assert_eq!(ranks.len() as u64, r["queries"].as_u64().unwrap());
        let rr: f64 = ranks
            .iter()
            .map(|x| x.as_u64().unwrap())
            .map(|k| if k <= 10 { 1.0 / k as f64 } else { 0.0 })
            .sum::<f64>()
            / ranks.len() as f64;
        assert!((rr - r["mrr_at_10"].as_f64().unwrap()).abs() < 1e-12);
    }
    // The summary's mean over seeds equals the mean of the rows; sd and interval are present.
    let s = v["summary"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["tokenizer"] == "roberta"
                && s["language"] == "go"
                && s["method"] == "trained"
                && s["metric"] == "mrr_at_10"
        })
        .unwrap();
    let seeds: Vec<f64> = rows
        .iter()
        .filter(|r| {
            r["tokenizer"] == "roberta" && r["language"] == "go" && r["method"] == "trained"
        })
        .map(|r| r["mrr_at_10"].as_f64().unwrap())
        .collect();
    assert_eq!(s["n"], 2);
    assert!((s["mean"].as_f64().unwrap() - (seeds[0] + seeds[1]) / 2.0).abs() < 1e-12);
    assert!(s["sd"].as_f64().is_some() && s["ci95"].is_array());
    // The pooled paired test's difference is the difference of the seed-averaged averages.
    let c = v["comparisons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["a"] == "roberta"
                && c["b"] == "xlm-roberta"
                && c["method_a"] == "trained"
                && c["language"] == "average"
        })
        .unwrap();
    let avg = |t: &str| {
        let v: Vec<f64> = ["go", "python"]
            .iter()
            .map(|l| {
                let x: Vec<f64> = rows
                    .iter()
                    .filter(|r| {
                        r["tokenizer"] == t && r["language"] == *l && r["method"] == "trained"
                    })
                    .map(|r| r["mrr_at_10"].as_f64().unwrap())
                    .collect();
                x.iter().sum::<f64>() / x.len() as f64
            })
            .collect();
        v.iter().sum::<f64>() / 2.0
    };
    let d = c["mean_difference"].as_f64().unwrap();
    assert!((d - (avg("roberta") - avg("xlm-roberta"))).abs() < 1e-12);
    let p = c["p_value"].as_f64().unwrap();
    assert!(p > 0.0 && p <= 1.0);
    assert_eq!(c["resamples"], 10_000);
    let ci = c["ci95"].as_array().unwrap();
    assert!(ci[0].as_f64().unwrap() <= d && d <= ci[1].as_f64().unwrap());
    assert_eq!(v["overlap"].as_array().unwrap().len(), 4);
}
