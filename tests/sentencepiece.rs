//! SentencePiece `.model` files read directly give the ids of the `sentencepiece` library.
//!
//! tests/data/sentencepiece holds three small models trained by
//! tests/fixtures/sentencepiece_fixture.py with the Python `sentencepiece` package (unigram with
//! the nmt_nfkc charsmap; BPE with byte fallback and whitespace kept; unigram with case folding,
//! byte fallback and no dummy prefix), and the ids that package gives for a few hundred varied
//! lines.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const MODELS: &[&str] = &["unigram", "bpe", "unigram-bytes"];

fn gunzip(path: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sentencepiece")
}

/// Writes the models, unpacked, into `dir` as `<name>.model`.
fn unpack_models(dir: &Path) {
    for name in MODELS {
        let bytes = gunzip(&data().join(format!("{name}.model.gz")));
        std::fs::write(dir.join(format!("{name}.model")), bytes).unwrap();
    }
}

fn reference() -> Vec<Value> {
    let text = String::from_utf8(gunzip(&data().join("reference.jsonl.gz"))).unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn ids_equal_the_sentencepiece_library() {
    let dir = tempfile::tempdir().unwrap();
    unpack_models(dir.path());
    let rows = reference();
    assert!(rows.len() >= 300, "{} lines", rows.len());
    let mut report = Vec::new();
    for name in MODELS {
        let path = dir.path().join(format!("{name}.model"));
        let tok = tokstat::tokenizer::load(path.to_str().unwrap()).unwrap();
        let mut wrong = 0;
        for row in &rows {
            let text = row["text"].as_str().unwrap();
            let want: Vec<u32> = row[*name]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as u32)
                .collect();
            let got = tok.encode_ids(text, false).unwrap();
            // encode (with offsets) agrees with encode_ids.
            assert_eq!(
                tok.encode(text, false).unwrap().ids,
                got,
                "{name}: {text:?}"
            );
            if got != want {
                wrong += 1;
                if wrong <= 5 {
                    let tokens = tok.encode(text, false).unwrap().tokens;
                    report.push(format!(
                        "{name}: {text:?}\n  sentencepiece {want:?}\n  tokstat       {got:?} {tokens:?}"
                    ));
                }
            }
        }
        if wrong > 0 {
            report.push(format!("{name}: {wrong} of {} lines differ", rows.len()));
        }
    }
    assert!(report.is_empty(), "{}", report.join("\n"));
}

#[test]
fn a_model_file_or_its_directory_works_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    unpack_models(dir.path());
    let model_dir = dir.path().join("my-spm");
    std::fs::create_dir(&model_dir).unwrap();
    std::fs::copy(
        dir.path().join("unigram.model"),
        model_dir.join("tokenizer.model"),
    )
    .unwrap();
    let rows = reference();
    let row = rows
        .iter()
        .find(|r| r["text"] == "  Hello   world  ")
        .unwrap();
    for spec in [
        dir.path().join("unigram.model"),
        model_dir.clone(),
        model_dir.join("tokenizer.model"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_tokstat"))
            .args(["encode", "--format", "json", "-t"])
            .arg(&spec)
            .arg("  Hello   world  ")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["ids"], row["unigram"], "{}", spec.display());
        let want = if spec.ends_with("unigram.model") {
            "unigram"
        } else {
            "my-spm"
        };
        assert_eq!(v["tokenizer"], want);
    }
    // A file that is not a model says so and names it.
    let bad = dir.path().join("broken.model");
    std::fs::write(&bad, [0x0a, 0x05, 0x0a]).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tokstat"))
        .args(["encode", "-t"])
        .arg(&bad)
        .arg("hi")
        .output()
        .unwrap();
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        e.contains("broken.model") && e.contains("not a valid SentencePiece model"),
        "{e}"
    );
}

#[test]
fn vocabulary_and_decoding_follow_the_model() {
    let dir = tempfile::tempdir().unwrap();
    unpack_models(dir.path());
    let tok = tokstat::tokenizer::load(dir.path().join("unigram.model").to_str().unwrap()).unwrap();
    assert_eq!(tok.vocab_size().total, 4000);
    assert_eq!(tok.algorithm(), tokstat::tokenizer::Algorithm::Unigram);
    assert_eq!(tok.unk_id(), Some(0));
    assert_eq!(tok.space_marker(), Some('▁'));
    // <unk>, <s>, </s> are special.
    assert!(tok.is_special(0) && tok.is_special(1) && tok.is_special(2));
    let ids = tok
        .encode_ids("Hello world, this is a test.", false)
        .unwrap();
    assert_eq!(
        tok.decode(&ids, false).unwrap(),
        "Hello world, this is a test."
    );
    let bpe = tokstat::tokenizer::load(dir.path().join("bpe.model").to_str().unwrap()).unwrap();
    assert_eq!(bpe.algorithm(), tokstat::tokenizer::Algorithm::Bpe);
    // Byte fallback: a character the model never saw decodes back through its bytes.
    let text = "snow ☃ man";
    let ids = bpe.encode_ids(text, false).unwrap();
    assert_eq!(bpe.decode(&ids, false).unwrap(), text);
}
