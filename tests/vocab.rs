//! `tokstat vocab`: reachability on tokenizers whose unreachable ids are known by construction,
//! on the bundled tokenizers against an independent computation (Python `tokenizers`, committed
//! fixture), hand-checked findings, and bad input.

mod common;

use common::tokstat;

use std::collections::BTreeSet;
use std::path::Path;

use predicates::prelude::*;
use serde_json::Value;
use tokstat::vocab::{self, Reachability};

/// Byte-level BPE (GPT-2 alphabet) built so that every class occurs:
///
/// | id | token | text  | re-encodes to | class |
/// |----|-------|-------|---------------|-------|
/// | 0 `a`, 1 `b`, 2 `Ġ`, 3 `Ċ` | | | themselves | reachable |
/// | 4 | `ĠĠ` | two spaces | added token 11 (`"  "`, matched before the model runs) | unreachable_single |
/// | 5 | `ĊĠĠ` | `\n` + two spaces | `Ċ` + added 11 | unreachable_multi |
/// | 6 | `Ã` | byte 0xC3 (lead byte of `é`) | — | undecodable |
/// | 7 | `©` | byte 0xA9 (continuation byte) | — | undecodable |
/// | 8 | `Ã©` | `é` (merge `Ã ©`) | itself | reachable |
/// | 9 | `ab` | `ab` (merge `a b`) | itself | reachable |
/// | 10 | `ba` | `ba` (no merge) | `b a` | unreachable_multi |
/// | 11 | `"  "` (added) | two spaces | itself | reachable |
/// | 12 | `<s>` (added, special) | | | special |
///
/// Totals: reachable 7 (0, 1, 2, 3, 8, 9, 11), single 1, multi 2, undecodable 2, special 1 = 13.
const BYTE_LEVEL_BPE: &str = r#"{
  "version": "1.0", "truncation": null, "padding": null,
  "added_tokens": [
    {"id": 11, "content": "  ", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": false},
    {"id": 12, "content": "<s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}
  ],
  "normalizer": null,
  "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
  "post_processor": null,
  "decoder": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
  "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
    "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
    "vocab": {"a": 0, "b": 1, "Ġ": 2, "Ċ": 3, "ĠĠ": 4, "ĊĠĠ": 5, "Ã": 6, "©": 7, "Ã©": 8, "ab": 9, "ba": 10},
    "merges": [["Ġ", "Ġ"], ["Ċ", "ĠĠ"], ["Ã", "©"], ["a", "b"]]}
}"#;

/// SentencePiece-style unigram with a `▁` word-start marker prepended to every text, so ids are
/// tested behind the prefix `«` (piece `▁«`):
///
/// - `▁«` 1, `▁a` 2, `a` 5, `▁` 6: reachable;
/// - `b` 3: reachable behind the prefix (`«b` → `▁«` `b`); tested alone, `b` would become
///   `▁b` → `▁` `b` and be misreported;
/// - `▁ab` 4 (log-prob −10): `« ab` → `▁«` + best split of `▁ab`: `▁a b` (−2 − 2 = −4) beats
///   `▁ab` (−10) and `▁ a b` (−3 − 3 − 2 = −8), so it never comes back: unreachable_multi;
/// - `<unk>` 0 (added, special): special.
const UNIGRAM_METASPACE: &str = r#"{
  "version": "1.0", "truncation": null, "padding": null,
  "added_tokens": [
    {"id": 0, "content": "<unk>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}
  ],
  "normalizer": null,
  "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true},
  "post_processor": null,
  "decoder": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true},
  "model": {"type": "Unigram", "unk_id": 0, "byte_fallback": false,
    "vocab": [["<unk>", 0.0], ["▁«", -2.0], ["▁a", -2.0], ["b", -2.0], ["▁ab", -10.0], ["a", -3.0], ["▁", -3.0]]}
}"#;

/// Word-level tokenizer for corpus statistics: `[UNK]` 0, `x` 1, `y` 2, `z` 3.
const WORD_LEVEL: &str = r#"{
  "version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
  "normalizer": null, "pre_tokenizer": {"type": "Whitespace"}, "post_processor": null, "decoder": null,
  "model": {"type": "WordLevel", "vocab": {"[UNK]": 0, "x": 1, "y": 2, "z": 3}, "unk_token": "[UNK]"}
}"#;

fn write(dir: &Path, name: &str, content: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p.to_str().unwrap().to_string()
}

fn vocab_json(args: &[&str]) -> Value {
    let out = tokstat()
        .arg("vocab")
        .args(args)
        .args(["--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

fn ids_of(classes: &[Reachability], class: Reachability) -> Vec<u32> {
    classes
        .iter()
        .enumerate()
        .filter(|(_, c)| **c == class)
        .map(|(i, _)| i as u32)
        .collect()
}

#[test]
fn constructed_byte_level_bpe_classes() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "bpe.json", BYTE_LEVEL_BPE);
    let classes = vocab::classify_ids(&path).unwrap();
    assert_eq!(classes.len(), 13);
    assert_eq!(
        ids_of(&classes, Reachability::Reachable),
        vec![0, 1, 2, 3, 8, 9, 11]
    );
    assert_eq!(ids_of(&classes, Reachability::UnreachableSingle), vec![4]);
    assert_eq!(
        ids_of(&classes, Reachability::UnreachableMulti),
        vec![5, 10]
    );
    assert_eq!(ids_of(&classes, Reachability::Undecodable), vec![6, 7]);
    assert_eq!(ids_of(&classes, Reachability::Special), vec![12]);

    let v = vocab_json(&["-t", &path, "--examples", "10"]);
    let t = &v[0];
    assert_eq!(t["vocab_size"], 13);
    assert_eq!(
        t["reachability"],
        serde_json::json!({"reachable": 7, "unreachable_single": 1, "unreachable_multi": 2,
                           "undecodable": 2, "special": 1, "absent": 0})
    );
    assert_eq!(t["reachability_prefix"], Value::Null);
    // Shadowing: `ĠĠ` comes back as the added token 11.
    let ex = t["reachability_examples"].as_array().unwrap();
    let single = ex.iter().find(|e| e["id"] == 4).unwrap();
    assert_eq!(single["class"], "unreachable_single");
    assert_eq!(single["text"], "  ");
    assert_eq!(single["reencoded_ids"], serde_json::json!([11]));
    let multi = ex.iter().find(|e| e["id"] == 5).unwrap();
    assert_eq!(multi["reencoded_ids"], serde_json::json!([3, 11]));
    // Composition: ids 0–10 regular, 11 added, 12 special. Whitespace-only: `Ġ` (1 space),
    // `ĠĠ` and the added `"  "` (2 spaces), `Ċ` (1 newline), `ĊĠĠ` (mixed) = 5 tokens.
    assert_eq!(
        t["composition"],
        serde_json::json!({"regular": 11, "added": 1, "special": 1, "unused": 0, "absent": 0})
    );
    assert_eq!(
        t["whitespace"],
        serde_json::json!({"tokens": 5, "space_runs": [1, 2], "tab_runs": [],
                           "newline_runs": [1], "mixed": 1,
                           // `ĠĠ` is shadowed, but the added `"  "` is reachable.
                           "reachable_space_runs": [1, 2], "reachable_tab_runs": [],
                           "reachable_newline_runs": [1]})
    );
    // Bytes 0xC3 and 0xA9 alone are not UTF-8.
    assert_eq!(t["lengths"]["partial_utf8"], 2);
}

#[test]
fn constructed_unigram_is_tested_behind_a_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "unigram.json", UNIGRAM_METASPACE);
    let classes = vocab::classify_ids(&path).unwrap();
    assert_eq!(
        ids_of(&classes, Reachability::Reachable),
        vec![1, 2, 3, 5, 6]
    );
    assert_eq!(ids_of(&classes, Reachability::UnreachableMulti), vec![4]);
    assert_eq!(ids_of(&classes, Reachability::Special), vec![0]);
    let v = vocab_json(&["-t", &path]);
    assert_eq!(v[0]["reachability_prefix"], "«");
    // `▁ab` re-encodes as `▁a` `b`.
    let ex = &v[0]["reachability_examples"][0];
    assert_eq!(ex["id"], 4);
    assert_eq!(ex["text"], " ab");
    assert_eq!(ex["reencoded_ids"], serde_json::json!([2, 3]));
}

/// The committed fixture was computed with Python `tokenizers` by
/// `tests/fixtures/vocab_reachability.py` from the same files; every id outside `reachable` must
/// get the same class here.
#[test]
fn bundled_tokenizers_match_python_reference() {
    let fixture: Value =
        serde_json::from_str(include_str!("fixtures/vocab_reachability.json")).unwrap();
    for name in ["modernbert", "olmo", "roberta", "xlm-roberta"] {
        let reference = &fixture[name];
        let tok = tokstat::tokenizer::load(name).unwrap();
        let sha = reference["sha256"].as_str().unwrap();
        assert_eq!(
            tok.fingerprint(),
            sha[..16],
            "{name}: fixture made from another file"
        );
        let classes = vocab::classify_ids(name).unwrap();
        assert_eq!(
            classes.len() as u64,
            reference["vocab_size"].as_u64().unwrap()
        );
        for class in [
            Reachability::UnreachableSingle,
            Reachability::UnreachableMulti,
            Reachability::Undecodable,
            Reachability::Special,
        ] {
            let want: BTreeSet<u64> = reference["ids"][class.name()]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap())
                .collect();
            let got: BTreeSet<u64> = ids_of(&classes, class).into_iter().map(u64::from).collect();
            assert_eq!(got, want, "{name}: {}", class.name());
        }
        assert_eq!(
            ids_of(&classes, Reachability::Reachable).len() as u64,
            reference["counts"]["reachable"].as_u64().unwrap(),
            "{name}"
        );
    }
}

/// Findings checked by hand against the tokenizer files (see assets/tokenizers/PROVENANCE.md).
#[test]
fn hand_checked_findings() {
    let v = vocab_json(&["-t", "modernbert,roberta", "--examples", "400"]);
    let find = |t: &Value, id: u64| -> Value {
        t["reachability_examples"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == id)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let modernbert = &v[0];
    // OLMo's added space runs: 24 spaces at 50254 down to 2 spaces at 50254 + 22 = 50276. The
    // merged BPE token `ĠĠ` (id 245) has the same text, and added tokens are matched first.
    let e = find(modernbert, 245);
    assert_eq!(e["class"], "unreachable_single");
    assert_eq!(e["reencoded_ids"], serde_json::json!([50276]));
    // `Ċ` + 3 spaces (id 477): the added 3-space run (50275) is cut out before BPE runs.
    let e = find(modernbert, 477);
    assert_eq!(e["class"], "unreachable_multi");
    assert_eq!(e["reencoded_ids"][1], 50275);
    // [unused0]–[unused82] at 50285–50367 are placeholders: 83 ids.
    assert_eq!(modernbert["composition"]["unused"], 83);
    // [UNK] [CLS] [SEP] [PAD] [MASK] + <|padding|> + <|endoftext|>.
    assert_eq!(modernbert["composition"]["special"], 7);
    // Runs of 2–24 spaces are the added tokens; longer merged runs (e.g. 32 spaces, id 542) are
    // split into a 24-space added token and the rest, so one token covers 1–24 spaces only.
    let reachable_runs: Vec<u64> = (1..=24).collect();
    assert_eq!(
        modernbert["whitespace"]["reachable_space_runs"],
        serde_json::json!(reachable_runs)
    );
    assert_eq!(
        find(modernbert, 542)["reencoded_ids"],
        serde_json::json!([50254, 50270])
    );

    let roberta = &v[1];
    // fairseq pads RoBERTa's dictionary with madeupword0000–0002 (ids 50261–50263); GPT-2's
    // `<|endoftext|>` (50260) is an ordinary vocab entry that BPE splits.
    for id in 50260..=50263 {
        assert_eq!(find(roberta, id)["class"], "unreachable_multi", "{id}");
    }
    assert_eq!(roberta["composition"]["unused"], 3);
    assert_eq!(roberta["unreachable_causes"]["placeholder"], 3);

    // Every unreachable ModernBERT id is whitespace that an added space run shadows.
    let r = &modernbert["reachability"];
    let unreachable =
        r["unreachable_single"].as_u64().unwrap() + r["unreachable_multi"].as_u64().unwrap();
    assert_eq!(
        modernbert["unreachable_causes"]["shadowed_by_added_token"],
        unreachable
    );
    for e in modernbert["reachability_examples"].as_array().unwrap() {
        if e["class"] != "undecodable" {
            let text = e["text"].as_str().unwrap();
            assert!(text.chars().all(char::is_whitespace), "{e}");
        }
    }

    for t in v.as_array().unwrap() {
        let r = &t["reachability"];
        let sum: u64 = [
            "reachable",
            "unreachable_single",
            "unreachable_multi",
            "undecodable",
            "special",
            "absent",
        ]
        .iter()
        .map(|k| r[k].as_u64().unwrap())
        .sum();
        assert_eq!(sum, t["vocab_size"].as_u64().unwrap());
    }
    // ModernBERT and RoBERTa share GPT-2-style byte-level BPE: Jaccard well above 0.5.
    let o = &modernbert["overlap"][0];
    assert_eq!(o["with"], "roberta");
    assert!(o["jaccard"].as_f64().unwrap() > 0.5, "{o}");
}

/// XLM-R ids checked one by one (the full audit runs in the fixture test).
#[test]
fn hand_checked_xlm_roberta_ids() {
    let (tok, vocab) = vocab::load_vocab("xlm-roberta").unwrap();
    let probe = vocab::Probe::for_tokenizer(tok.as_ref()).unwrap();
    // `test` encodes as `▁test`: the tokenizer prepends ▁, so ids are tested behind `«`
    // (`▁«` is id 94).
    assert_eq!(probe.prefix(), Some("«"));
    assert_eq!(probe.prefixes[0].1, 94);
    let classify = |id: u32| {
        probe
            .classify(tok.as_ref(), id, vocab[id as usize].kind)
            .unwrap()
    };
    // `▁test` (3034) and the continuation piece `test` (6954, `«test` → `▁«` `test`) come back.
    assert_eq!(classify(3034).0, Reachability::Reachable);
    assert_eq!(classify(6954).0, Reachability::Reachable);
    // U+0085 (NEL, id 97636) is a control char that the normalizer drops: nothing comes back.
    let (class, text, ids) = classify(97636);
    assert_eq!(
        (class, text.as_str(), ids),
        (Reachability::UnreachableMulti, "\u{85}", vec![])
    );
    // The bare `▁` (id 6) decodes to a space that the Strip normalizer removes...
    let (class, _, ids) = classify(6);
    assert_eq!((class, ids), (Reachability::UnreachableMulti, vec![]));
    // ...yet `« ’` encodes as `▁«` `▁` `’`: XLM-R has the piece `▁’` (2840) but scores the split
    // higher, so `▁’` is unreachable and `▁` is produced in context.
    let (class, text, ids) = classify(2840);
    assert_eq!(
        (class, text.as_str(), ids),
        (Reachability::UnreachableMulti, " ’", vec![6, 26])
    );
    // U+0085 is White_Space, and the Strip normalizer removes it only at the end of the text:
    // followed by `»` it is kept, so 97636 is produced in context.
    let ids = probe.encode(tok.as_ref(), "\u{85}»").unwrap();
    assert_eq!(ids[0], 97636);
    assert_eq!(vocab[6].spelling, "▁");
    assert_eq!(vocab[26].spelling, "’");
}

#[test]
fn corpus_utilization_and_renyi() {
    let dir = tempfile::tempdir().unwrap();
    let tok = write(dir.path(), "wl.json", WORD_LEVEL);
    let corpus = write(dir.path(), "c.txt", "x x x y\n");
    let v = vocab_json(&["-t", &tok, "--corpus", &corpus, "--examples", "1"]);
    let c = &v[0]["corpus"];
    // Counts x:3, y:1 → 2 of 4 ids used. H_2.5 = log2(0.75^2.5 + 0.25^2.5) / (1 − 2.5)
    // = log2(0.518389) / −1.5 = 0.631928 bits; efficiency = 0.631928 / log2(4) = 0.315964.
    assert_eq!(c["tokens"], 4);
    assert_eq!(c["used_ids"], 2);
    assert_eq!(c["utilization"], 0.5);
    assert!((c["renyi_entropy"].as_f64().unwrap() - 0.631928).abs() < 1e-5);
    assert!((c["renyi_efficiency"].as_f64().unwrap() - 0.315964).abs() < 1e-5);
    assert_eq!(c["top"][0]["token"], "x");
    assert_eq!(c["top"][0]["count"], 3);
}

#[test]
fn dead_budget_and_vocab_mismatch_warning() {
    let dir = tempfile::tempdir().unwrap();
    // RoBERTa's dead ids: 50260–50263 unreachable, of which 50261–50263 are also the unused
    // madeupwords: 4 dead ids. With 50272 rows (7 beyond the 50,265 ids): 11 dead rows.
    let cfg = write(
        dir.path(),
        "config.json",
        r#"{"hidden_size": 1024, "vocab_size": 50272}"#,
    );
    let out = tokstat()
        .args([
            "vocab", "-t", "roberta", "--model", &cfg, "--format", "json",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("vocab_size 50272"))
        .stderr(predicate::str::contains("50265 ids"))
        .stderr(predicate::str::contains("using the config's 50272 rows"))
        // Not a full architecture (no model_type): only hidden_size and vocab_size are used.
        .stderr(predicate::str::contains(
            "share of all parameters is unknown",
        ))
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    let d = &v[0]["dead_budget"];
    assert_eq!(d["unreachable_ids"], 4);
    assert_eq!(d["unused_ids"], 3);
    assert_eq!(d["rows_without_id"], 7);
    assert_eq!(d["dead_rows"], 11);
    assert_eq!(d["dead_params"], 11 * 1024);
    assert_eq!(d["vocab_params"], 50272 * 1024);
    assert_eq!(d["total_params"], Value::Null);
}

#[test]
fn dead_budget_with_a_preset() {
    let out = tokstat()
        .args([
            "vocab",
            "-t",
            "roberta",
            "--model",
            "roberta-large",
            "--format",
            "json",
        ])
        .assert()
        .success()
        .stderr(predicate::str::is_empty())
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    let d = &v[0]["dead_budget"];
    // roberta-large: hidden 1,024, vocab 50,265; RobertaModel with pooler has 355,359,744
    // parameters (the published total). Dead rows: ids 50260–50263 (see above).
    assert_eq!(d["hidden_size"], 1024);
    assert_eq!(d["config_vocab_size"], 50265);
    assert_eq!(d["rows_without_id"], 0);
    assert_eq!(d["dead_rows"], 4);
    assert_eq!(d["dead_params"], 4096);
    assert_eq!(d["total_params"], 355_359_744u64);
    let share = d["share_of_total_params"].as_f64().unwrap();
    assert!((share - 4096.0 / 355_359_744.0).abs() < 1e-15, "{share}");
}

#[test]
fn bad_input() {
    tokstat()
        .args(["vocab", "-t", "roberta", "--corpus", "no/such/dir/file.txt"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no/such/dir/file.txt"));
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "config.json", r#"{"vocab_size": 10}"#);
    tokstat()
        .args(["vocab", "-t", "roberta", "--model", &cfg])
        .assert()
        .failure()
        .stderr(predicate::str::contains("hidden_size"));
    tokstat()
        .args(["vocab", "-t", "roberta,modernbert", "--model", &cfg])
        .assert()
        .failure()
        .stderr(predicate::str::contains("one model per tokenizer"));
    tokstat()
        .env("HF_HUB_OFFLINE", "1")
        .args(["vocab", "-t", "robreta"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("did you mean `roberta`"));
}
