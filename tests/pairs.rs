//! `tokstat pairs` on real source files: hand-checked pairs per language, the reproduction of
//! the bundled corpus's extraction on a sample of its own source files, bad input, splits, and
//! the bundled corpus's train/eval separation.

mod common;

use common::{parse_jsonl, root, tokstat};

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use predicates::prelude::*;
use serde_json::Value;

const LANGUAGES: [&str; 6] = ["python", "go", "java", "javascript", "php", "ruby"];

/// Runs `tokstat pairs DIR --language LANG` and returns the records it prints.
fn pairs_of(dir: &Path, language: &str) -> Vec<Value> {
    let out = tokstat()
        .args(["pairs", "--language", language])
        .arg(dir)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    parse_jsonl(&String::from_utf8_lossy(&out.stdout))
}

fn field<'a>(v: &'a Value, name: &str) -> &'a str {
    v[name].as_str().unwrap_or_default()
}

#[test]
fn hand_checked_pairs_per_language() {
    for lang in LANGUAGES {
        let dir = root().join("tests/fixtures/pairs").join(lang);
        let expected = parse_jsonl(&std::fs::read_to_string(dir.join("expected.jsonl")).unwrap());
        let got = pairs_of(&dir, lang);
        let strip = |v: &Value| {
            (
                field(v, "source").to_string(),
                field(v, "query").to_string(),
                field(v, "code").to_string(),
            )
        };
        let got: Vec<_> = got.iter().map(strip).collect();
        let expected: Vec<_> = expected.iter().map(strip).collect();
        assert_eq!(got, expected, "{lang}");
    }
}

#[test]
fn records_have_the_retrieval_schema() {
    let dir = root().join("tests/fixtures/pairs/go");
    let got = pairs_of(&dir, "go");
    assert_eq!(field(&got[0], "id"), "go-train-00001");
    assert_eq!(field(&got[4], "id"), "go-train-00005");
    for r in &got {
        let keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
        let mut keys = keys;
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["code", "id", "language", "license", "query", "source"]
        );
        assert_eq!(field(r, "language"), "go");
    }
}

/// Bundled pairs that the corpus's original line-based extraction got wrong, so a real parser
/// does not reproduce them: Go one-line functions (`func (b *Reader) Size() int { return ... }`)
/// that the "through the first line that is exactly `}`" rule ran on into the following
/// functions, and a JavaScript doc comment whose code swallowed a second doc comment.
const BUNDLED_MISCUTS: [&str; 4] = [
    "go@1.19.8:src/bufio/bufio.go:67",
    "go@1.19.8:src/bufio/bufio.go:331",
    "go@1.19.8:src/bufio/bufio.go:606",
    "node-forge@1.4.3:lib/util.js:160",
];

/// The bundled corpus's sample files (`corpora/code/<lang>`, byte-for-byte copies of files the
/// corpus was extracted from): every bundled pair from one of those files must come out of
/// `tokstat pairs` with the same line, query and code (except the known mis-cuts above, which
/// must then not be extracted in their broken form).
#[test]
fn reproduces_the_bundled_corpus_on_its_own_files() {
    let mut report = Vec::new();
    let mut total = 0;
    for lang in LANGUAGES {
        let code_dir = root().join("corpora/code").join(lang);
        let manifest = std::fs::read_to_string(code_dir.join("MANIFEST.tsv")).unwrap();
        let mut file_of_source: HashMap<String, String> = HashMap::new();
        let mut header: Vec<&str> = Vec::new();
        for (i, line) in manifest.lines().enumerate() {
            let cols: Vec<&str> = line.split('\t').collect();
            if i == 0 {
                header = cols;
                continue;
            }
            let get = |name: &str| cols[header.iter().position(|h| *h == name).unwrap()];
            file_of_source.insert(get("source").to_string(), get("file").to_string());
        }
        let ours: HashMap<String, Value> = pairs_of(&code_dir, lang)
            .into_iter()
            .map(|r| (field(&r, "source").to_string(), r))
            .collect();
        for split in ["train", "valid", "test"] {
            let path = root()
                .join("corpora/code-retrieval")
                .join(lang)
                .join(format!("{split}.jsonl"));
            let text = tokstat::retrieval::data::read_text(&path)
                .or_else(|_| tokstat::retrieval::data::read_text(&path.with_extension("jsonl.gz")))
                .unwrap();
            for bundled in parse_jsonl(&text) {
                let source = field(&bundled, "source");
                let Some((file_source, line)) = source.rsplit_once(':') else {
                    continue;
                };
                let Some(file) = file_of_source.get(file_source) else {
                    continue;
                };
                total += 1;
                let key = format!("{file}:{line}");
                if BUNDLED_MISCUTS.contains(&source) {
                    let same = ours
                        .get(&key)
                        .is_some_and(|r| field(r, "code") == field(&bundled, "code"));
                    assert!(!same, "{source} is listed as a mis-cut but reproduces");
                    continue;
                }
                match ours.get(&key) {
                    None => report.push(format!("{source}: not extracted")),
                    Some(r) if field(r, "query") != field(&bundled, "query") => {
                        report.push(format!(
                            "{source}: query\n  ours:    {:?}\n  bundled: {:?}",
                            field(r, "query"),
                            field(&bundled, "query")
                        ))
                    }
                    Some(r) if field(r, "code") != field(&bundled, "code") => report.push(format!(
                        "{source}: code\n  ours:    {:?}\n  bundled: {:?}",
                        field(r, "code"),
                        field(&bundled, "code")
                    )),
                    Some(_) => {}
                }
            }
        }
    }
    assert!(
        total > 700,
        "only {total} bundled pairs come from the sample files"
    );
    assert!(
        report.is_empty(),
        "{} of {total} bundled pairs differ:\n{}",
        report.len(),
        report.join("\n")
    );
}

#[test]
fn unknown_language_is_a_clear_error() {
    tokstat()
        .args(["pairs", "--language", "cobol", "."])
        .assert()
        .failure()
        .stderr(predicate::str::contains("cobol").and(predicate::str::contains("python")));
}

#[test]
fn missing_path_is_a_clear_error() {
    tokstat()
        .args(["pairs", "--language", "go", "no/such/dir"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no/such/dir"));
}

#[test]
fn bad_files_are_skipped_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let good = root().join("tests/fixtures/pairs/python/_utils.py");
    std::fs::copy(&good, dir.path().join("good.py")).unwrap();
    std::fs::write(dir.path().join("binary.py"), b"def f():\n\0\0\x01\x02").unwrap();
    std::fs::write(dir.path().join("latin1.py"), b"# caf\xe9\ndef f(): pass\n").unwrap();
    std::fs::write(
        dir.path().join("broken.py"),
        "def f(:\n    \"\"\"Return the thing that is asked for.\"\"\"\n    return )\n",
    )
    .unwrap();
    let out = tokstat()
        .args(["pairs", "--language", "python"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("binary.py: binary file"), "{stderr}");
    assert!(stderr.contains("latin1.py: not UTF-8"), "{stderr}");
    assert!(
        stderr.contains("broken.py: not valid Python (syntax error at line"),
        "{stderr}"
    );
    let records = parse_jsonl(&String::from_utf8_lossy(&out.stdout));
    let sources: Vec<&str> = records.iter().map(|r| field(r, "source")).collect();
    assert_eq!(sources, ["good.py:15", "good.py:35"]);
}

#[test]
fn split_by_project_writes_a_loadable_data_dir() {
    let out_dir = tempfile::tempdir().unwrap();
    let fixtures = root().join("tests/fixtures/pairs");
    let data = out_dir.path().join("data");
    tokstat()
        .args([
            "pairs",
            "--language",
            "python",
            "--split-by-project",
            "--out",
        ])
        .arg(&data)
        .arg(format!("httpx={}", fixtures.join("python").display()))
        .arg(format!(
            "cpython={}",
            root()
                .join("corpora/code/python/cpython__heapq.py")
                .display()
        ))
        .arg(format!(
            "textwrap={}",
            root()
                .join("corpora/code/python/cpython__textwrap.py")
                .display()
        ))
        .args([
            "--license",
            "BSD-3-Clause",
            "--license",
            "PSF-2.0",
            "--license",
            "PSF-2.0",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("pairs per project"));
    let mut project_splits: BTreeMap<String, HashSet<String>> = BTreeMap::new();
    for split in ["train", "valid", "test"] {
        let pairs = tokstat::retrieval::data::load_split(&data, "python", split).unwrap();
        assert!(!pairs.is_empty(), "{split} is empty");
        let text =
            std::fs::read_to_string(data.join("python").join(format!("{split}.jsonl"))).unwrap();
        for r in parse_jsonl(&text) {
            let project = field(&r, "source").split(':').next().unwrap().to_string();
            project_splits
                .entry(project)
                .or_default()
                .insert(split.to_string());
            assert!(field(&r, "id").starts_with(&format!("python-{split}-")));
        }
    }
    assert_eq!(project_splits.len(), 3);
    assert!(
        project_splits.values().all(|s| s.len() == 1),
        "{project_splits:?}"
    );
}

#[test]
fn split_by_project_needs_two_projects() {
    tokstat()
        .args(["pairs", "--language", "go", "--split-by-project"])
        .arg(root().join("tests/fixtures/pairs/go"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("two or more projects"));
}

#[test]
fn gz_output_and_exclusion() {
    let dir = tempfile::tempdir().unwrap();
    let go = root().join("tests/fixtures/pairs/go");
    let first = dir.path().join("go.jsonl.gz");
    tokstat()
        .args(["pairs", "--language", "go", "--out"])
        .arg(&first)
        .arg(&go)
        .assert()
        .success();
    let text = tokstat::retrieval::data::read_text(&first).unwrap();
    assert_eq!(parse_jsonl(&text).len(), 5);
    // Excluding the output itself leaves nothing.
    let out = tokstat()
        .args(["pairs", "--language", "go", "--exclude"])
        .arg(&first)
        .arg(&go)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("code in an --exclude file"));
}

/// Whitespace-insensitive code keys of a split file (`.jsonl` or `.jsonl.gz`).
fn code_keys(lang: &str, split: &str) -> Vec<(String, String)> {
    let data = root().join("corpora/code-retrieval");
    let path = tokstat::retrieval::data::split_path(&data, lang, split);
    let text = tokstat::retrieval::data::read_text(&path).unwrap();
    parse_jsonl(&text)
        .iter()
        .map(|r| {
            (
                tokstat::pairs::select::code_key(field(r, "code")),
                field(r, "source").to_string(),
            )
        })
        .collect()
}

fn project_of(source: &str) -> &str {
    source.split(['@', ':']).next().unwrap_or(source)
}

#[test]
fn bundled_train_does_not_leak_into_valid_or_test() {
    for lang in LANGUAGES {
        let train = code_keys(lang, "train");
        let train_keys: HashSet<&str> = train.iter().map(|(k, _)| k.as_str()).collect();
        let train_projects: HashSet<&str> = train.iter().map(|(_, s)| project_of(s)).collect();
        for split in ["valid", "test"] {
            for (key, source) in code_keys(lang, split) {
                assert!(
                    !train_keys.contains(key.as_str()),
                    "{lang}: code of {split} {source} occurs in train"
                );
                assert!(
                    !train_projects.contains(project_of(&source)),
                    "{lang}: project of {split} {source} is also in train"
                );
            }
        }
    }
}

/// The corpus README's table of added projects matches the train files, project by project,
/// and so does its table of train pairs per language.
#[test]
fn corpus_readme_counts_match_the_train_files() {
    let readme = std::fs::read_to_string(root().join("corpora/code-retrieval/README.md")).unwrap();
    let section = readme
        .split("Every added project")
        .nth(1)
        .and_then(|s| s.split("\n\n").nth(1))
        .expect("table of added projects");
    let mut per_language: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for lang in LANGUAGES {
        let counts = per_language.entry(lang.to_string()).or_default();
        for (_, source) in code_keys(lang, "train") {
            let project = source.split(':').next().unwrap().to_string();
            *counts.entry(project).or_default() += 1;
        }
    }
    let mut rows = 0;
    for line in section.lines().skip(2) {
        let cols: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let (lang, project, version, pairs) = (cols[0], cols[1], cols[2], cols[4]);
        let actual = per_language[lang]
            .get(&format!("{project}@{version}"))
            .copied()
            .unwrap_or(0);
        assert_eq!(pairs.parse::<usize>().unwrap(), actual, "{lang} {project}");
        assert!(actual > 0, "{lang} {project} lists no pairs");
        rows += 1;
    }
    assert!(rows >= 100, "only {rows} rows");
    for lang in LANGUAGES {
        let total: usize = per_language[lang].values().sum();
        let row = format!("| {lang} | {total} |");
        assert!(readme.contains(&row), "README lacks `{row}`");
    }
}
