//! `tokstat budget`: exact parameter counts, what-ifs and errors, through the real binary.

mod common;

use common::tokstat;

use predicates::prelude::*;
use serde_json::Value;

fn budget_json(args: &[&str]) -> Value {
    let out = tokstat()
        .arg("budget")
        .args(args)
        .args(["--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).expect("JSON")
}

fn by_name<'a>(v: &'a Value, name: &str) -> &'a Value {
    v.as_array()
        .expect("array")
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("{name} missing"))
}

/// Published totals of the HF base classes with their pooler (`model.num_parameters()`).
#[test]
fn published_totals_are_exact() {
    let v = budget_json(&[
        "roberta-large",
        "xlm-roberta-large",
        "roberta-base",
        "xlm-roberta-base",
        "bert-base-uncased",
    ]);
    for (name, total) in [
        ("roberta-large", 355_359_744u64),
        ("xlm-roberta-large", 559_890_432),
        ("roberta-base", 124_645_632),
        ("xlm-roberta-base", 278_043_648),
        ("bert-base-uncased", 109_482_240),
    ] {
        assert_eq!(by_name(&v, name)["total_params"], total, "{name}");
    }
}

/// ModernBERT counted tensor by tensor; the paper gives 149M (base) and 395M (large).
#[test]
fn modernbert_matches_the_paper() {
    let v = budget_json(&["modernbert-base", "modernbert-large"]);
    // base: embeddings 50368·768 + 768; 22 layers of 3·768² + 768² + 3·768·1152 + 2·768,
    // minus layer 0's attention norm (768); final norm 768 → 149,014,272.
    let base = by_name(&v, "modernbert-base");
    assert_eq!(base["total_params"], 149_014_272u64);
    // large: 50368·1024 + 1024 + 28·(4·1024² + 3·1024·2624 + 2·1024) − 1024 + 1024.
    let large = by_name(&v, "modernbert-large");
    assert_eq!(large["total_params"], 394_781_696u64);
    for (m, paper) in [(base, 149e6), (large, 395e6)] {
        let t = m["total_params"].as_f64().unwrap();
        assert!((t - paper).abs() < 0.5e6, "{t} vs paper {paper}");
    }
    // No position table, GeGLU MLP (3·H·I weights), no biases (attention/mlp/norm_bias false).
    assert_eq!(large["embedding"]["position"], 0);
    assert_eq!(large["per_layer"]["mlp_weights"], 3 * 1024 * 2624u64);
    assert_eq!(large["per_layer"]["attention_biases"], 0);
    assert_eq!(large["per_layer"]["mlp_biases"], 0);
    assert_eq!(large["layer0_params"], 12_257_280u64 - 1024);
    assert_eq!(large["head_params"]["kind"], "none");
}

#[test]
fn json_contract_fields() {
    let v = budget_json(&["roberta-large"]);
    let m = &v[0];
    for key in [
        "name",
        "model_type",
        "head",
        "total_params",
        "vocab_params",
        "vocab_share",
        "core_params",
        "embedding",
        "per_layer",
        "layers",
        "hidden_size",
        "intermediate_size",
        "num_heads",
        "vocab_size",
    ] {
        assert!(m.get(key).is_some(), "missing {key}");
    }
    assert_eq!(m["model_type"], "roberta");
    assert_eq!(m["head"], "base");
    // 50,265 × 1,024 = 51,471,360; core = 355,359,744 − 51,471,360 = 303,888,384.
    assert_eq!(m["vocab_params"], 51_471_360u64);
    assert_eq!(m["core_params"], 303_888_384u64);
    assert!(m["total_params"].is_u64());
}

/// `--head mlm`: pooler dropped, MLM head added, decoder weight tied and counted once.
#[test]
fn mlm_head_counts_tied_decoder_once() {
    let v = budget_json(&["roberta-large", "modernbert-large", "--head", "mlm"]);
    let r = by_name(&v, "roberta-large");
    // 355,359,744 − pooler 1,049,600 + dense 1,049,600 + LayerNorm 2,048 + bias 50,265.
    assert_eq!(r["total_params"], 355_412_057u64);
    assert_eq!(r["head_params"]["tied_decoder"], true);
    let m = by_name(&v, "modernbert-large");
    // 394,781,696 + head.dense 1024² + head.norm 1024 + decoder.bias 50,368.
    assert_eq!(m["total_params"], 395_881_664u64);
    tokstat()
        .args(["budget", "roberta-large", "--head", "mlm"])
        .assert()
        .success()
        .stdout(predicate::str::contains("counted once"));
}

/// jina-XLM-RoBERTa = XLM-R-large with rotary positions: no 514 × 1024 position table.
#[test]
fn jina_has_no_position_table() {
    let v = budget_json(&["jina-xlm-roberta"]);
    assert_eq!(v[0]["embedding"]["position"], 0);
    assert_eq!(v[0]["total_params"], 559_890_432u64 - 514 * 1024);
    assert_eq!(v[0]["position_embedding"], "rotary");
    tokstat()
        .args(["budget", "jina-xlm-roberta"])
        .assert()
        .success()
        .stdout(predicate::str::contains("no position table"));
}

/// Default models are the published comparison, with its check table.
#[test]
fn default_is_the_published_comparison() {
    tokstat()
        .args(["budget", "--format", "markdown"])
        .assert()
        .success()
        .stdout(predicate::str::contains("| Vocabulary share |"))
        .stdout(predicate::str::contains("Published comparison"))
        .stdout(predicate::str::contains(
            "| modernbert-large | jina-xlm-roberta | roberta-large |",
        ));
}

#[test]
fn any_config_json_path_works() {
    // A tiny BERT: V 10, H 4, L 1, 2 heads, I 8, P 6, T 2.
    // embeddings 10·4 + 6·4 + 2·4 + 2·4 = 80; layer 4·(16 + 4) + 8 + (32 + 8) + (32 + 4) + 8
    // = 172; pooler 16 + 4 = 20 → 272.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.json"),
        r#"{"model_type": "bert", "vocab_size": 10, "hidden_size": 4, "num_hidden_layers": 1,
            "num_attention_heads": 2, "intermediate_size": 8, "max_position_embeddings": 6,
            "type_vocab_size": 2}"#,
    )
    .unwrap();
    let dir_arg = dir.path().to_str().unwrap();
    let v = budget_json(&[dir_arg]);
    assert_eq!(v[0]["total_params"], 272);
    let file_arg = dir.path().join("config.json");
    let v = budget_json(&[file_arg.to_str().unwrap()]);
    assert_eq!(v[0]["total_params"], 272);
}

#[test]
fn unknown_model_type_names_the_needed_fields() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("gpt2.json");
    std::fs::write(&p, r#"{"model_type": "gpt2", "n_embd": 768}"#).unwrap();
    tokstat()
        .args(["budget", p.to_str().unwrap()])
        .assert()
        .failure()
        .stderr(predicate::str::contains("gpt2.json"))
        .stderr(predicate::str::contains("`gpt2`"))
        .stderr(predicate::str::contains("hidden_size"))
        .stderr(predicate::str::contains("num_hidden_layers"))
        .stderr(predicate::str::contains("vocab_size"));
}

#[test]
fn missing_or_garbled_config_names_the_path() {
    tokstat()
        .args(["budget", "no/such/config.json"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no/such/config.json"));
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("broken.json");
    std::fs::write(&p, "{\"model_type\": \"bert\", ").unwrap();
    tokstat()
        .args(["budget", p.to_str().unwrap()])
        .assert()
        .failure()
        .stderr(predicate::str::contains("broken.json"))
        .stderr(predicate::str::contains("not valid JSON"));
}

#[test]
fn vocab_sweep_includes_every_code_point() {
    let v = budget_json(&["jina-xlm-roberta", "--vocab-sizes", "32000,50k"]);
    let rows = v[0]["vocab_sweep"].as_array().unwrap();
    let sizes: Vec<u64> = rows
        .iter()
        .map(|r| r["vocab_size"].as_u64().unwrap())
        .collect();
    assert_eq!(sizes, [32_000, 50_000, 250_002, 1_112_064]);
    // 1,112,064 × 1,024 = 1,138,753,536 — "1B only to map tokens".
    let u = &rows[3];
    assert_eq!(u["vocab_params"], 1_138_753_536u64);
    assert_eq!(u["label"], "every Unicode code point");
    // The rest of the model is unchanged: total = 559,364,096 − 256,002,048 + 1,138,753,536.
    assert_eq!(u["total_params"], 1_442_115_584u64);
}

#[test]
fn fixed_total_gives_depth_and_width() {
    // At exactly RoBERTa-large's own total, its own vocabulary fits 24 layers at width 1,024.
    let v = budget_json(&["roberta-large", "--fixed-total", "355359744"]);
    let rows = v[0]["fixed_total"]["rows"].as_array().unwrap();
    let own = rows.iter().find(|r| r["vocab_size"] == 50_265).unwrap();
    assert_eq!(own["max_layers"], 24);
    assert_eq!(own["max_hidden_size"], 1024);
    // The code-point vocabulary at width 1,024 (1.14B) exceeds the budget: no layer fits.
    let u = rows.iter().find(|r| r["vocab_size"] == 1_112_064).unwrap();
    assert_eq!(u["max_layers"], 0);
    // Narrower, it fits: at H' = 256 (4 heads of 64, I' = 1,024, 24 layers):
    // 1,112,064·256 = 284,688,384; positions 514·256 = 131,584; token type 256; LN 512;
    // layer 4·(256² + 256) + 512 + (256·1024 + 1024) + (1024·256 + 256) + 512 = 789,760, ×24 =
    // 18,954,240; pooler 256² + 256 = 65,792 → 303,840,768 ≤ P. At H' = 320 the vocabulary
    // alone is 355,860,480 > P.
    assert_eq!(u["max_hidden_size"], 256);
    assert_eq!(u["intermediate_at_max_hidden"], 1024);
    assert_eq!(u["total_at_max_hidden"], 303_840_768u64);
}

#[test]
fn attention_pattern_costs() {
    let v = budget_json(&["modernbert-large", "--attention", "--seq", "8192"]);
    let a = &v[0]["attention"][0];
    // Layers 0, 3, …, 27 global: 10 global, 18 local.
    assert_eq!(a["global_layers"], 10);
    assert_eq!(a["local_layers"], 18);
    // All global: 28 · 4 · 8192² · 1024 = 7,696,581,394,432.
    assert_eq!(a["full_flops"], 7_696_581_394_432u64);
    // Window 128 → |i − j| ≤ 64: 8192·129 − 64·65 = 1,052,608 pairs per local layer.
    // 10 · 4 · 8192² · 1024 + 18 · 4 · 1,052,608 · 1024 = 2,826,385,752,064.
    assert_eq!(a["pattern_flops"], 2_826_385_752_064u64);
    assert_eq!(a["pattern_is_models_own"], true);
}

#[test]
fn output_is_deterministic_in_every_format() {
    for fmt in ["table", "csv", "markdown", "json"] {
        let run = || {
            tokstat()
                .args([
                    "budget",
                    "--attention",
                    "--fixed-total",
                    "400M",
                    "--format",
                    fmt,
                ])
                .assert()
                .success()
                .get_output()
                .stdout
                .clone()
        };
        assert_eq!(run(), run(), "{fmt}");
    }
}
