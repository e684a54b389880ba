//! Every published reference case in `tests/data/reference-cases.jsonl` (expected ids from
//! transformers, llama.cpp and others, not produced by tokstat) through the real binary.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

fn encode_via_binary(tokenizer: &str, text: &str, special: bool) -> Vec<u64> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tokstat"));
    cmd.args(["encode", "-t", tokenizer, "--format", "json"]);
    if special {
        cmd.arg("--special");
    }
    let mut child = cmd
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn tokstat");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "tokstat failed on {text:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["tokenizer"], tokenizer);
    v["ids"]
        .as_array()
        .expect("ids")
        .iter()
        .map(|x| x.as_u64().expect("id"))
        .collect()
}

#[test]
fn all_reference_cases_match_published_ids() {
    let data = include_str!("data/reference-cases.jsonl");
    let cases: Vec<Value> = data
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("case"))
        .collect();
    assert_eq!(cases.len(), 164, "the reference file holds 164 cases");
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .chunks(cases.len().div_ceil(4))
            .map(|chunk| {
                s.spawn(move || {
                    let mut bad = Vec::new();
                    for c in chunk {
                        let tok = c["tokenizer"].as_str().expect("tokenizer");
                        let text = c["text"].as_str().expect("text");
                        let special = c["add_special_tokens"].as_bool().expect("flag");
                        let want: Vec<u64> = c["ids"]
                            .as_array()
                            .expect("ids")
                            .iter()
                            .map(|x| x.as_u64().expect("id"))
                            .collect();
                        let got = encode_via_binary(tok, text, special);
                        if got != want {
                            bad.push(format!("{tok} {text:?}: want {want:?}, got {got:?}"));
                        }
                    }
                    bad
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("thread"))
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
