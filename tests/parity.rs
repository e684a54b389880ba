//! `tokstat parity`: premium, fertility and errors, checked against hand-worked values, against
//! `tokstat encode` run sentence by sentence, and against the bundled corpus's README.

mod common;

use common::tokstat;

use std::path::Path;

use predicates::prelude::*;
use serde_json::Value;

fn write_corpus(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

fn parity_json(args: &[&str], dir: &Path) -> Value {
    let out = tokstat()
        .arg("parity")
        .arg(dir)
        .args(args)
        .args(["--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

fn close(a: &Value, b: f64) -> bool {
    (a.as_f64().unwrap() - b).abs() < 1e-9
}

/// A tiny aligned corpus under RoBERTa, worked out by hand.
///
/// RoBERTa (GPT-2 byte-level BPE) splits, as `tokstat encode -t roberta` shows (ids and the
/// `Hello world` → [31414, 232] case are the published ones):
///   "Hello world"      → Hello | Ġworld                      2 tokens
///   "The cat sat."     → The | Ġcat | Ġsat | .               4 tokens
///   "Hi"               → Hi                                   1 token
///   "Bonjour le monde" → Bon | j | our | Ġle | Ġm | onde      6 tokens
///   "Le chat dort."    → Le | Ġchat | Ġd | ort | .           5 tokens
///   "Ça va"            → Ã | ĩ (both bytes of Ç, span [0,2)) | a | Ġva   4 tokens
/// Line 4 is empty in eng_Latn, so it is left out for every language.
/// deu_Latn is a copy of eng_Latn, so its premium is exactly 1.
///
/// eng: tokens 2 + 4 + 1 = 7. fra: 6 + 5 + 4 = 15. premium(fra) = 15 / 7.
/// Sentences over 2× the pivot: 6 > 4 yes, 5 > 8 no, 4 > 2 yes → 2/3.
/// Words (UAX #29, punctuation is not a word) and tokens overlapping each word:
///   eng: Hello 1, world 1 | The 1, cat 1, sat 1 | Hi 1 → 6 / 6 = 1.0
///   fra: Bonjour 3, le 1, monde 2 | Le 1, chat 1, dort 2 | Ça 3 (Ã, ĩ, a), va 1 → 14 / 8 = 1.75
/// Bytes: eng 11 + 12 + 2 = 25; fra 16 + 13 + 6 (Ç is 2 bytes) = 35; chars fra 16 + 13 + 5 = 34.
/// Parity score with one non-pivot language other than deu (premium 1, |ln 1| = 0):
///   (|ln 1| + |ln 15/7|) / 2 = ln(15/7) / 2.
#[test]
fn premium_and_fertility_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let eng = "Hello world\nThe cat sat.\nHi\n\n";
    write_corpus(
        dir.path(),
        &[
            ("eng_Latn.txt", eng),
            ("deu_Latn.txt", eng),
            (
                "fra_Latn.txt",
                "Bonjour le monde\nLe chat dort.\nÇa va\nLe monde\n",
            ),
            ("README.md", "not a language file\n"),
        ],
    );
    let v = parity_json(&["-t", "roberta"], dir.path());
    assert_eq!(v["pivot"], "eng_Latn");
    assert_eq!(v["sentences"], 3);
    assert_eq!(v["skipped_lines"], 1);
    let tok = &v["tokenizers"][0];
    assert_eq!(tok["name"], "roberta");
    let langs = tok["languages"].as_array().unwrap();
    let codes: Vec<&str> = langs
        .iter()
        .map(|l| l["language"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["deu_Latn", "eng_Latn", "fra_Latn"]);

    let (deu, eng, fra) = (&langs[0], &langs[1], &langs[2]);
    assert_eq!(eng["tokens"], 7);
    assert_eq!(eng["bytes"], 25);
    assert!(close(&eng["premium"], 1.0));
    assert!(close(&eng["fertility"], 1.0));
    assert!(close(&deu["premium"], 1.0));
    assert_eq!(fra["script"], "Latn");
    assert_eq!(fra["sentences"], 3);
    assert_eq!(fra["tokens"], 15);
    assert_eq!(fra["bytes"], 35);
    assert_eq!(fra["chars"], 34);
    assert_eq!(fra["words"], 8);
    assert!(close(&fra["premium"], 15.0 / 7.0));
    assert!(close(&fra["fertility"], 14.0 / 8.0));
    assert!(close(&fra["bytes_per_token"], 35.0 / 15.0));
    assert!(close(&fra["chars_per_token"], 34.0 / 15.0));
    assert!(close(&fra["share_over_2x_pivot"], 2.0 / 3.0));
    assert!(close(&fra["unk_rate"], 0.0));

    let s = &tok["summary"];
    assert_eq!(s["languages"], 2);
    assert!(close(&s["mean_premium"], (1.0 + 15.0 / 7.0) / 2.0));
    assert!(close(&s["max_premium"], 15.0 / 7.0));
    assert_eq!(s["max_premium_language"], "fra_Latn");
    assert!(close(&s["parity_score"], (15.0f64 / 7.0).ln() / 2.0));
    assert_eq!(s["worst"][0]["language"], "fra_Latn");
    assert_eq!(s["worst"][1]["language"], "deu_Latn");
}

/// XLM-R fuses a run of characters missing from its vocabulary into one `<unk>` (id 3):
/// `tokstat encode -t xlm-roberta "Hi ߊߊ"` → ▁Hi | ▁ | <unk> (3 tokens, 1 unknown), and "Hi" → ▁Hi.
/// So nqo_Nkoo: premium 3 / 1 = 3, unk rate 1/3, and its one sentence exceeds 2× the pivot.
#[test]
fn unknown_tokens_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    write_corpus(
        dir.path(),
        &[("eng_Latn.txt", "Hi\n"), ("nqo_Nkoo.txt", "Hi ߊߊ\n")],
    );
    let v = parity_json(&["-t", "xlmr"], dir.path());
    let tok = &v["tokenizers"][0];
    assert_eq!(tok["name"], "xlm-roberta");
    let nqo = &tok["languages"][1];
    assert_eq!(nqo["language"], "nqo_Nkoo");
    assert_eq!(nqo["script"], "Nkoo");
    assert_eq!(nqo["tokens"], 3);
    assert_eq!(nqo["unk_tokens"], 1);
    assert!(close(&nqo["unk_rate"], 1.0 / 3.0));
    assert!(close(&nqo["premium"], 3.0));
    assert!(close(&nqo["share_over_2x_pivot"], 1.0));
}

/// Token counts of one sentence, per tokenizer, from `tokstat encode --format json`.
fn encode_counts(sentence_file: &Path, tokenizers: &str) -> Vec<u64> {
    let out = tokstat()
        .args(["encode", "-t", tokenizers, "--format", "json", "--file"])
        .arg(sentence_file)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| e["ids"].as_array().unwrap().len() as u64)
        .collect()
}

/// Sentences of the bundled corpus: `parity` totals equal the sums of per-sentence `encode`
/// counts. A sample keeps the test fast (each `encode` run loads XLM-R): 2 lines of 4 languages,
/// including lines that start with a space (kan_Knda line 2, bod_Tibt line 12, kept verbatim),
/// Han, and Tibetan text that XLM-R partly maps to `<unk>`.
#[test]
fn bundled_sample_matches_encode_sentence_by_sentence() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/multilingual");
    let sample = [1usize, 11];
    let languages = ["bod_Tibt", "eng_Latn", "kan_Knda", "zho_Hans"];
    let tokenizers = "xlm-roberta,roberta";
    let dir = tempfile::tempdir().unwrap();
    let sentences = tempfile::tempdir().unwrap();
    // expected[language][tokenizer] = Σ tokens over the sampled sentences
    let mut expected = vec![vec![0u64; 2]; languages.len()];
    for (li, lang) in languages.iter().enumerate() {
        let text = std::fs::read_to_string(corpus.join(format!("{lang}.txt"))).unwrap();
        let lines: Vec<&str> = text.split('\n').collect();
        let mut subset = String::new();
        for &i in &sample {
            subset.push_str(lines[i]);
            subset.push('\n');
            let f = sentences.path().join(format!("{lang}-{i}.txt"));
            std::fs::write(&f, lines[i]).unwrap();
            for (ti, n) in encode_counts(&f, tokenizers).into_iter().enumerate() {
                expected[li][ti] += n;
            }
        }
        std::fs::write(dir.path().join(format!("{lang}.txt")), subset).unwrap();
    }
    let v = parity_json(&["-t", tokenizers], dir.path());
    assert_eq!(v["sentences"], sample.len());
    let eng = languages.iter().position(|l| *l == "eng_Latn").unwrap();
    for (ti, tok) in v["tokenizers"].as_array().unwrap().iter().enumerate() {
        for (li, lang) in languages.iter().enumerate() {
            let l = &tok["languages"][li];
            assert_eq!(l["language"], *lang);
            assert_eq!(l["tokens"], expected[li][ti], "{} {lang}", tok["name"]);
            let premium = expected[li][ti] as f64 / expected[eng][ti] as f64;
            assert!(close(&l["premium"], premium), "{} {lang}", tok["name"]);
        }
    }
}

/// The whole bundled corpus (default DIR): 60 languages × 510 sentences, and per-language UTF-8
/// bytes and characters equal to the table in corpora/multilingual/README.md. That table's
/// characters exclude the newline; its bytes are the file sizes (eng_Latn: 64,761 = `wc -c`), so
/// they include the 510 newlines that parity does not count.
#[test]
fn bundled_corpus_totals_match_its_readme() {
    let readme = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/multilingual/README.md"),
    )
    .unwrap();
    // Rows: | eng_Latn.txt | English | Latin | 510 | 64761 | 64194 |
    let table: Vec<(String, u64, u64)> = readme
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let code = cells.get(1)?.strip_suffix(".txt")?;
            Some((
                code.to_string(),
                cells.get(5)?.parse().ok()?,
                cells.get(6)?.parse().ok()?,
            ))
        })
        .collect();
    assert_eq!(table.len(), 60);
    let out = tokstat()
        .args(["parity", "-t", "roberta", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["sentences"], 510);
    assert_eq!(v["skipped_lines"], 0);
    let langs = v["tokenizers"][0]["languages"].as_array().unwrap();
    assert_eq!(langs.len(), 60);
    for (code, bytes, chars) in &table {
        let l = langs
            .iter()
            .find(|l| l["language"] == code.as_str())
            .unwrap_or_else(|| panic!("{code} missing"));
        assert_eq!(l["bytes"], *bytes - 510, "{code}");
        assert_eq!(l["chars"], *chars, "{code}");
        assert_eq!(l["sentences"], 510, "{code}");
    }
    // Sorted by code, byte order.
    let codes: Vec<&str> = langs
        .iter()
        .map(|l| l["language"].as_str().unwrap())
        .collect();
    let mut sorted = codes.clone();
    sorted.sort();
    assert_eq!(codes, sorted);
}

#[test]
fn misaligned_files_are_named_with_their_counts() {
    let dir = tempfile::tempdir().unwrap();
    write_corpus(
        dir.path(),
        &[
            ("eng_Latn.txt", "a\nb\nc\n"),
            ("fra_Latn.txt", "a\nb\nc\n"),
            ("deu_Latn.txt", "a\nb\n"),
        ],
    );
    tokstat()
        .arg("parity")
        .arg(dir.path())
        .args(["-t", "roberta"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("not line-aligned"))
        .stderr(predicate::str::contains(
            "2 of 3 files have 3 lines (e.g. eng_Latn.txt)",
        ))
        .stderr(predicate::str::contains("deu_Latn.txt has 2"));
}

#[test]
fn missing_pivot_empty_directory_and_missing_directory_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    write_corpus(
        dir.path(),
        &[("fra_Latn.txt", "a\n"), ("deu_Latn.txt", "b\n")],
    );
    tokstat()
        .arg("parity")
        .arg(dir.path())
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "pivot language `eng_Latn` not found",
        ))
        .stderr(predicate::str::contains("deu_Latn, fra_Latn"));
    tokstat()
        .env("HF_HUB_OFFLINE", "1")
        .arg("parity")
        .arg(dir.path())
        .args(["--pivot", "deu_Latn", "-t", "nosuchtokenizer"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "unknown tokenizer `nosuchtokenizer`",
        ));

    let empty = tempfile::tempdir().unwrap();
    write_corpus(empty.path(), &[("notes.md", "x\n")]);
    tokstat()
        .arg("parity")
        .arg(empty.path())
        .assert()
        .failure()
        .stderr(predicate::str::contains("no <lang>_<Script>.txt files"));

    tokstat()
        .args(["parity", "no/such/corpus"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no/such/corpus: not a directory"));
}

#[test]
fn output_and_chart_are_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    write_corpus(
        dir.path(),
        &[
            ("eng_Latn.txt", "Hello world\nThe cat sat.\n"),
            ("zho_Hans.txt", "你好，世界\n猫坐着。\n"),
            ("fra_Latn.txt", "Bonjour le monde\nLe chat dort.\n"),
        ],
    );
    let run = |plot: &Path| {
        tokstat()
            .arg("parity")
            .arg(dir.path())
            .args(["-t", "roberta,xlm-roberta", "--format", "json", "--plot"])
            .arg(plot)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    };
    let (a, b) = (dir.path().join("a.svg"), dir.path().join("b.svg"));
    assert_eq!(run(&a), run(&b));
    let svg = std::fs::read_to_string(&a).unwrap();
    assert_eq!(svg, std::fs::read_to_string(&b).unwrap());
    // Readable on its own: language labels, the parity line, a legend entry per tokenizer.
    assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
    for label in [
        "eng_Latn",
        "fra_Latn",
        "zho_Hans",
        "parity with eng_Latn (1.0)",
        "roberta (mean premium",
        "xlm-roberta (mean premium",
    ] {
        assert!(svg.contains(label), "{label} missing from the chart");
    }
    // Table, CSV and Markdown render too.
    for format in ["table", "csv", "markdown"] {
        tokstat()
            .arg("parity")
            .arg(dir.path())
            .args(["-t", "roberta", "--format", format])
            .assert()
            .success()
            .stdout(predicate::str::contains("fra_Latn"));
    }
}
