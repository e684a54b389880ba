//! Real `tokenizer.json` files with serving settings (truncation, padding) are measured as
//! tokenizers, not as a model's input window.
//!
//! Reference ids come from Python `tokenizers` with `no_truncation()` / `no_padding()`
//! (`tests/fixtures/serving_reference.py`, output in `tests/data/serving/reference.jsonl.gz`):
//! - all-MiniLM-L6-v2: BERT WordPiece with lowercasing, padding to 128, truncation at 128;
//! - bpe-bytefallback: BPE with byte fallback, Metaspace `prepend_scheme: first`, added tokens
//!   with lstrip / rstrip / single_word / normalized, truncation at 256, batch padding;
//! - the variants of bundled files in `tests/data/serving/variants.json` (XLM-R unigram padded
//!   and truncated at 512, RoBERTa truncated at 64, RoBERTa with ByteLevel `add_prefix_space`).

mod common;

use common::{json_of, tokstat};

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;

const DATA: &str = "tests/data/serving";

fn gunzip(path: &Path) -> String {
    let mut s = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut s)
        .unwrap();
    s
}

/// Writes every tokenizer under test to `<dir>/<name>/tokenizer.json`.
fn write_tokenizers(dir: &Path) -> BTreeMap<String, PathBuf> {
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    for name in ["all-MiniLM-L6-v2", "bpe-bytefallback"] {
        files.insert(
            name.into(),
            gunzip(&Path::new(DATA).join(format!("{name}.json.gz"))),
        );
    }
    let variants: BTreeMap<String, Value> = serde_json::from_str(
        &std::fs::read_to_string(Path::new(DATA).join("variants.json")).unwrap(),
    )
    .unwrap();
    for (name, spec) in &variants {
        let base = spec["base"].as_str().unwrap();
        let mut json: Value = serde_json::from_str(&gunzip(
            &Path::new("assets/tokenizers").join(format!("{base}.json.gz")),
        ))
        .unwrap();
        for (k, v) in spec["set"].as_object().unwrap() {
            json[k] = v.clone();
        }
        files.insert(name.clone(), json.to_string());
    }
    files
        .into_iter()
        .map(|(name, text)| {
            let d = dir.join(&name);
            std::fs::create_dir_all(&d).unwrap();
            let p = d.join("tokenizer.json");
            std::fs::write(&p, text).unwrap();
            (name, p)
        })
        .collect()
}

struct Reference {
    texts: Vec<String>,
    ids: Vec<BTreeMap<String, Vec<u32>>>,
    ids_special: Vec<BTreeMap<String, Vec<u32>>>,
    summary: Value,
}

fn reference() -> Reference {
    let mut r = Reference {
        texts: Vec::new(),
        ids: Vec::new(),
        ids_special: Vec::new(),
        summary: Value::Null,
    };
    for line in gunzip(&Path::new(DATA).join("reference.jsonl.gz")).lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        if let Some(s) = v.get("summary") {
            r.summary = s.clone();
            continue;
        }
        r.texts.push(v["text"].as_str().unwrap().to_string());
        r.ids
            .push(serde_json::from_value(v["ids"].clone()).unwrap());
        r.ids_special
            .push(serde_json::from_value(v["ids_special"].clone()).unwrap());
    }
    r
}

#[test]
fn ids_equal_python_tokenizers_without_truncation_or_padding() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_tokenizers(dir.path());
    let r = reference();
    assert!(r.texts.len() > 300, "{} reference lines", r.texts.len());
    for (name, path) in &files {
        let tok = tokstat::tokenizer::load(path.to_str().unwrap()).unwrap();
        assert_eq!(tok.name(), name);
        let mut longest = 0;
        for (k, text) in r.texts.iter().enumerate() {
            let enc = tok.encode(text, false).unwrap();
            assert_eq!(enc.ids, r.ids[k][name], "{name}: {text:?}");
            assert_eq!(tok.encode_ids(text, false).unwrap(), r.ids[k][name]);
            assert_eq!(
                tok.encode(text, true).unwrap().ids,
                r.ids_special[k][name],
                "{name} with special tokens: {text:?}"
            );
            longest = longest.max(enc.ids.len());
        }
        // The long lines go past every file's truncation length (at most 512).
        assert!(longest > 512, "{name}: longest reference line {longest}");
    }
}

#[test]
fn compare_and_parity_counts_are_sums_of_reference_ids() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_tokenizers(dir.path());
    let r = reference();
    let whole = dir.path().join("lines.txt");
    std::fs::write(&whole, r.texts.join("\n") + "\n").unwrap();
    let specs: Vec<&str> = files.values().map(|p| p.to_str().unwrap()).collect();
    let report = json_of(&[
        "compare",
        whole.to_str().unwrap(),
        "-t",
        &specs.join(","),
        "--format",
        "json",
    ]);
    for t in report["tokenizers"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap();
        assert_eq!(t["path"].as_str(), files[name].to_str(), "{name}");
        assert_eq!(
            t["tokens"], r.summary["whole_file_tokens"][name],
            "{name}: compare tokens"
        );
    }
    let minilm = files["all-MiniLM-L6-v2"].to_str().unwrap();
    let bpe = files["bpe-bytefallback"].to_str().unwrap();
    let parity = json_of(&[
        "parity",
        "-t",
        &format!("{minilm},{bpe}"),
        "--format",
        "json",
    ]);
    for t in parity["tokenizers"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap();
        let expected = &r.summary["parity_tokens"][name];
        let languages = t["languages"].as_array().unwrap();
        assert_eq!(languages.len(), expected.as_object().unwrap().len());
        for l in languages {
            let code = l["language"].as_str().unwrap();
            assert_eq!(l["tokens"], expected[code], "{name} {code}");
        }
    }
}

/// A report of a tokenizer, without the fields that name it.
fn unnamed(mut v: Value) -> Value {
    for t in v["tokenizers"].as_array_mut().unwrap() {
        let o = t.as_object_mut().unwrap();
        o.remove("name");
        o.remove("path");
    }
    v
}

#[test]
fn serving_settings_do_not_change_reports() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_tokenizers(dir.path());
    for (bundled, served) in [
        ("roberta", "roberta-served"),
        ("xlm-roberta", "xlm-roberta-served"),
    ] {
        let served = files[served].to_str().unwrap();
        for args in [
            vec!["compare", "corpora/code/python", "--format", "json"],
            vec!["parity", "--format", "json"],
        ] {
            let plain = json_of(&[&args[..], &["-t", bundled]].concat());
            let with_settings = json_of(&[&args[..], &["-t", served]].concat());
            assert_eq!(
                unnamed(plain),
                unnamed(with_settings),
                "{bundled} vs {served}: {args:?}"
            );
        }
    }
}

#[test]
fn tokenizers_command_says_what_was_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_tokenizers(dir.path());
    let minilm = files["all-MiniLM-L6-v2"].to_str().unwrap();
    let out = tokstat().args(["tokenizers", minilm]).output().unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("padding to 128 and truncation at 128 ignored"),
        "{table}"
    );
    let v = json_of(&["tokenizers", minilm, "--format", "json"]);
    assert_eq!(v[0]["name"], "all-MiniLM-L6-v2");
    assert_eq!(v[0]["ignored_settings"]["truncation"], 128);
    assert_eq!(v[0]["ignored_settings"]["padding"]["fixed"], 128);
    let v = json_of(&["vocab", "-t", minilm, "--format", "json"]);
    assert_eq!(v[0]["ignored_settings"]["truncation"], 128);
    // `tokstat encode` of a short text gives its own tokens, not 128 padded ones.
    let v = json_of(&["encode", "-t", minilm, "hi there", "--format", "json"]);
    assert_eq!(v["tokens"], serde_json::json!(["hi", "there"]));
}

#[test]
fn a_model_in_the_local_hugging_face_cache_is_found_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_tokenizers(dir.path());
    // The layout huggingface_hub writes: refs/main → commit, snapshots/<commit>/ → blobs/.
    let cache = dir.path().join("hub");
    let repo = cache.join("models--sentence-transformers--all-MiniLM-L6-v2");
    let commit = "c9745ed1d9f207416be6d2e6f8de32d1f16199bf";
    std::fs::create_dir_all(repo.join("refs")).unwrap();
    std::fs::create_dir_all(repo.join("blobs")).unwrap();
    std::fs::create_dir_all(repo.join("snapshots").join(commit)).unwrap();
    std::fs::write(repo.join("refs/main"), commit).unwrap();
    std::fs::copy(&files["all-MiniLM-L6-v2"], repo.join("blobs/cb202bfe")).unwrap();
    std::os::unix::fs::symlink(
        "../../blobs/cb202bfe",
        repo.join("snapshots").join(commit).join("tokenizer.json"),
    )
    .unwrap();
    let out = tokstat()
        .env("HF_HUB_CACHE", &cache)
        .args([
            "encode",
            "-t",
            "sentence-transformers/all-MiniLM-L6-v2",
            "Hello there",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["tokenizer"], "all-MiniLM-L6-v2");
    assert_eq!(v["ids"], serde_json::json!([7592, 2045]));
    // `tokstat tokenizers` lists the cached model after the bundled ones.
    let out = tokstat()
        .env("HF_HUB_CACHE", &cache)
        .args(["tokenizers", "--format", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let last = v.as_array().unwrap().last().unwrap();
    assert_eq!(last["name"], "sentence-transformers/all-MiniLM-L6-v2");
    assert_eq!(last["ignored_settings"]["truncation"], 128);
    // HF_HOME/hub is the default cache; a name not in it is an error that says where it looked.
    let out = tokstat()
        .env_remove("HF_HUB_CACHE")
        .env("HF_HUB_OFFLINE", "1")
        .env("HF_HOME", dir.path())
        .args(["encode", "-t", "bert-base-uncased", "hi"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("unknown tokenizer `bert-base-uncased`") && stderr.contains("hub"),
        "{stderr}"
    );
}

#[test]
fn wordpiece_and_bert_normaliser_are_measured_right() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_tokenizers(dir.path());
    let minilm = files["all-MiniLM-L6-v2"].to_str().unwrap();
    // Hand-checked: "unaffable" → una ##ffa ##ble, "Tokenization" → token ##ization (both
    // continued), "is" → is, "Café" → cafe (lowercased, accent stripped): 7 tokens, 4 words,
    // 2 of them continued.
    let text = dir.path().join("t.txt");
    std::fs::write(&text, "unaffable Tokenization is Café").unwrap();
    let v = json_of(&[
        "compare",
        text.to_str().unwrap(),
        "-t",
        minilm,
        "--format",
        "json",
    ]);
    let t = &v["tokenizers"][0];
    assert_eq!(t["tokens"], 7);
    assert_eq!(t["words"], 4);
    assert_eq!(t["continued_word_share"], 0.5);
    let reasons: Vec<&str> = t["roundtrip"]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert!(reasons.contains(&"normalised: lowercased"), "{reasons:?}");
    assert!(
        reasons.contains(&"normalised: lowercased, accents stripped")
            || reasons.contains(&"normalised: accents stripped"),
        "{reasons:?}"
    );
}
