//! `tokstat grow` and `tokstat tiling`: growing a saved checkpoint (the identity when the shape
//! is unchanged), a deterministic experiment, clear errors. (The tiling maps are unit-tested by
//! hand in `src/encoder/tiling.rs`, the verdicts in `src/reproduction/tiling.rs`.)

mod common;

use std::path::Path;

use common::{json_of, tokstat};
use predicates::prelude::*;
use serde_json::Value;

/// `<dir>/toy/{train,test}.jsonl`: each query equals its code, one English word per pair.
fn toy_data(dir: &Path) {
    let words = [
        "apple", "river", "mountain", "guitar", "pencil", "window", "rocket", "garden",
    ];
    let lang = dir.join("toy");
    std::fs::create_dir_all(&lang).unwrap();
    let lines: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            serde_json::json!({"id": format!("toy-{i}"), "language": "toy",
                "query": format!("{w} {w}"), "code": format!("{w} {w}")})
            .to_string()
        })
        .collect();
    std::fs::write(lang.join("train.jsonl"), lines.join("\n") + "\n").unwrap();
    std::fs::write(lang.join("test.jsonl"), lines[..5].join("\n") + "\n").unwrap();
}

fn retrieval(data: &str, extra: &[&str]) -> Value {
    let args = [
        &[
            "retrieval",
            "--data",
            data,
            "-t",
            "roberta",
            "--format",
            "json",
        ],
        extra,
    ]
    .concat();
    json_of(&args)
}

fn grow(args: &[&str]) -> assert_cmd::assert::Assert {
    tokstat().arg("grow").args(args).assert()
}

#[test]
fn growing_to_the_same_shape_scores_the_same_and_growing_changes_the_shape() {
    let dir = tempfile::tempdir().unwrap();
    toy_data(dir.path());
    let data = dir.path().to_str().unwrap();
    let ck = dir.path().join("ck");
    let small = [
        "--steps", "3", "--dim", "16", "--heads", "2", "--layers", "1",
    ];
    retrieval(
        data,
        &[&small[..], &["--save", ck.to_str().unwrap()]].concat(),
    );
    let from = ck.join("roberta.safetensors");
    let same = dir.path().join("same/roberta.safetensors");
    grow(&[
        "--from",
        from.to_str().unwrap(),
        "--out",
        same.to_str().unwrap(),
    ])
    .success();
    let a = retrieval(data, &["--load", ck.to_str().unwrap()]);
    let b = retrieval(data, &["--load", same.parent().unwrap().to_str().unwrap()]);
    assert_eq!(
        a["results"], b["results"],
        "identity growth changed the scores"
    );

    let big = dir.path().join("big/roberta.safetensors");
    grow(&[
        "--from",
        from.to_str().unwrap(),
        "--dim",
        "32",
        "--layers",
        "2",
        "--out",
        big.to_str().unwrap(),
    ])
    .success()
    .stdout(predicate::str::contains("to d 32, 2 layers, 4 heads"));
    let cfg: Value =
        serde_json::from_str(&std::fs::read_to_string(big.with_extension("json")).unwrap())
            .unwrap();
    assert_eq!(cfg["encoder"]["dim"], 32);
    assert_eq!(cfg["encoder"]["layers"], 2);
    assert_eq!(cfg["run"]["grown_from"]["encoder"]["dim"], 16);
    let c = retrieval(data, &["--load", big.parent().unwrap().to_str().unwrap()]);
    assert_eq!(c["config"]["tokenizers"][0]["encoder"]["dim"], 32);
}

#[test]
fn growing_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    toy_data(dir.path());
    let data = dir.path().to_str().unwrap();
    let ck = dir.path().join("ck");
    retrieval(
        data,
        &[
            "--steps",
            "2",
            "--dim",
            "16",
            "--heads",
            "2",
            "--save",
            ck.to_str().unwrap(),
        ],
    );
    let from = ck.join("roberta.safetensors");
    let out = dir.path().join("o.safetensors");
    let (from, out) = (from.to_str().unwrap(), out.to_str().unwrap());
    grow(&["--from", from, "--dim", "8", "--out", out])
        .failure()
        .stderr(predicate::str::contains("must not be smaller"));
    grow(&["--from", "missing.safetensors", "--out", out])
        .failure()
        .stderr(predicate::str::contains("missing.json"));
    grow(&["--from", from, "--out", from])
        .failure()
        .stderr(predicate::str::contains("--out must differ"));
    grow(&["--from", from, "--dim", "24", "--heads", "5", "--out", out])
        .failure()
        .stderr(predicate::str::contains("dim 24"));
}

const TINY: [&str; 10] = [
    "--seeds",
    "1",
    "--small-steps",
    "4",
    "--steps",
    "4",
    "--max-train-pairs",
    "300",
    "--max-eval-pairs",
    "30",
];

fn tiling_json(extra: &[&str]) -> Value {
    let mut v = json_of(&[&["tiling", "--format", "json"], &TINY[..], extra].concat());
    v.as_object_mut().unwrap().remove("timing");
    v
}

#[test]
fn the_experiment_is_deterministic_on_any_thread_count() {
    let one = tiling_json(&["--threads", "1"]);
    assert_eq!(one, tiling_json(&["--threads", "2"]));
    let growth = one["growth"].as_array().unwrap();
    assert_eq!(growth.len(), 2);
    assert_eq!(growth[0]["variant"], "wide");
    assert_eq!(growth[1]["variant"], "deep");
    // Equal compute: 4 + round(4 · 8,800 / 35,008) = 5 steps for the wide shape.
    assert_eq!(growth[0]["equal_compute_steps"], 5);
    for r in one["runs"].as_array().unwrap() {
        assert!(r["initial_probe_loss"].as_f64().unwrap().is_finite());
        assert!((0.0..=1.0).contains(&r["mrr_at_10"].as_f64().unwrap()));
    }
}

#[test]
fn bad_tiling_options_fail_clearly() {
    let fails = |args: &[&str], needle: &str| {
        // Every option is checked before any data is read or model trained.
        tokstat()
            .arg("tiling")
            .args(args)
            .assert()
            .failure()
            .stderr(predicate::str::contains(needle));
    };
    fails(&["--wide", "16", "2"], "must be larger than the small one");
    fails(&["--steps", "0"], "must be positive");
    fails(&["-t", "no-such-tokenizer"], "no-such-tokenizer");
    fails(&["--data", "/nonexistent-dir"], "nonexistent-dir");
    fails(&["--from-json", "missing.json"], "missing.json");
}
