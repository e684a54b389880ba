//! The binary's behaviour on good and bad input.

mod common;

use common::tokstat;

use predicates::prelude::*;

#[test]
fn encode_json_contract() {
    let out = tokstat()
        .args(["encode", "-t", "roberta", "--format", "json", "Hello world"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["tokenizer"], "roberta");
    assert_eq!(v["ids"], serde_json::json!([31414, 232]));
    assert_eq!(v["tokens"], serde_json::json!(["Hello", "Ġworld"]));
    assert_eq!(v["offsets"], serde_json::json!([[0, 5], [5, 11]]));
}

#[test]
fn encode_special_adds_post_processor_tokens() {
    let out = tokstat()
        .args([
            "encode",
            "-t",
            "roberta",
            "--special",
            "--format",
            "json",
            "Hello world",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Published in PROVENANCE.md: "Hello world" with special tokens → [0, 31414, 232, 2].
    assert_eq!(v["ids"], serde_json::json!([0, 31414, 232, 2]));
}

#[test]
fn several_tokenizers_give_an_array_and_aliases_are_canonicalised() {
    let out = tokstat()
        .args(["encode", "-t", "xlmr,gpt2", "--format", "json", "hi"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["tokenizer"], "xlm-roberta");
    assert_eq!(v[1]["tokenizer"], "r50k_base");
}

#[test]
fn file_input_is_verbatim() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.txt");
    std::fs::write(&p, "x\n").unwrap();
    let out = tokstat()
        .args(["encode", "-t", "roberta", "--format", "json", "--file"])
        .arg(&p)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // 'x' = 1178, '\n' = 'Ċ' = 50118 in RoBERTa's vocabulary: the trailing newline is kept.
    assert_eq!(v["ids"], serde_json::json!([1178, 50118]));
}

#[test]
fn unknown_tokenizer_lists_names_and_suggests() {
    // Offline: the name is not asked of the Hub (tests/hub.rs covers that).
    tokstat()
        .env("HF_HUB_OFFLINE", "1")
        .args(["encode", "-t", "robreta", "hi"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("unknown tokenizer `robreta`"))
        .stderr(predicate::str::contains("did you mean `roberta`"))
        .stderr(predicate::str::contains("cl100k_base"));
}

#[test]
fn missing_and_garbled_tokenizer_files() {
    tokstat()
        .args(["encode", "-t", "./no/such/tokenizer.json", "hi"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no/such/tokenizer.json"));
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("tokenizer.json");
    std::fs::write(&p, "{\"model\": {\"type\": \"BPE\"").unwrap();
    tokstat()
        .args(["encode", "-t"])
        .arg(&p)
        .arg("hi")
        .assert()
        .failure()
        .stderr(predicate::str::contains("not a valid tokenizer.json"))
        .stderr(predicate::str::contains("tokenizer.json"));
}

#[test]
fn invalid_utf8_and_binary_files() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.txt");
    std::fs::write(&p, b"abc\xff\xfe").unwrap();
    tokstat()
        .args(["encode", "-t", "roberta", "--file"])
        .arg(&p)
        .assert()
        .failure()
        .stderr(predicate::str::contains("bad.txt"))
        .stderr(predicate::str::contains("byte offset 3"));
    tokstat()
        .args([
            "encode", "-t", "roberta", "--lossy", "--format", "json", "--file",
        ])
        .arg(&p)
        .assert()
        .success();
    let b = dir.path().join("x.bin");
    std::fs::write(&b, b"\x7fELF\0\0\x01").unwrap();
    tokstat()
        .args(["encode", "-t", "roberta", "--file"])
        .arg(&b)
        .assert()
        .failure()
        .stderr(predicate::str::contains("binary file"));
}

#[test]
fn empty_input_encodes_to_nothing() {
    let out = tokstat()
        .args(["encode", "-t", "modernbert", "--format", "json", "-"])
        .write_stdin("")
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ids"], serde_json::json!([]));
}

#[test]
fn tokenizers_lists_published_vocab_sizes() {
    let out = tokstat()
        .args(["tokenizers", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let size = |name: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .unwrap()["vocab_size"]
            .as_u64()
            .unwrap()
    };
    // Published sizes: XLM-R 250,002; RoBERTa 50,265; ModernBERT config vocab_size 50,368;
    // OLMo 50,280; tiktoken r50k 50,257, cl100k 100,277 (max id 100276), o200k 200,019.
    assert_eq!(size("xlm-roberta"), 250_002);
    assert_eq!(size("roberta"), 50_265);
    assert_eq!(size("modernbert"), 50_368);
    assert_eq!(size("olmo"), 50_280);
    assert_eq!(size("r50k_base"), 50_257);
    assert_eq!(size("cl100k_base"), 100_277);
    assert_eq!(size("o200k_base"), 200_019);
}
