//! The JSON contract of every command: the committed schemas (`docs/schemas/`) are the ones the
//! Rust types generate, real output on the bundled data validates against them with a real JSON
//! Schema validator (no field outside the schema allowed), and each command's docs page lists
//! every field of its contract. `TOKSTAT_BLESS=1` rewrites the schemas and the docs' field
//! tables from the types.

mod common;

use std::path::{Path, PathBuf};

use common::{json_of, root};
use serde_json::{Value, json};
use tokstat::cli::schemas;

/// Where each command's contract is documented.
const DOCS: &[(&str, &str)] = &[
    ("encode", "docs/tokenizers.md"),
    ("tokenizers", "docs/tokenizers.md"),
    ("compare", "docs/compare.md"),
    ("budget", "docs/budget.md"),
    ("vocab", "docs/vocab.md"),
    ("parity", "docs/parity.md"),
    ("retrieval", "docs/retrieval.md"),
    ("pairs", "docs/pairs.md"),
    ("tiling", "docs/tiling.md"),
];

fn bless() -> bool {
    std::env::var_os("TOKSTAT_BLESS").is_some_and(|v| v == "1")
}

fn schema_path(command: &str) -> PathBuf {
    root().join(format!("docs/schemas/{command}.schema.json"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn committed_schemas_are_the_generated_ones() {
    let mut stale = Vec::new();
    for (command, schema) in schemas::all() {
        let path = schema_path(command);
        let text = schemas::to_text(&schema);
        if bless() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            tokstat::output::write_atomic(&path, text.as_bytes()).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "the JSON contract changed: {stale:?} differ from the types; review the change and run \
         TOKSTAT_BLESS=1 cargo test --release --test schemas"
    );
    assert_eq!(schemas::all().len(), DOCS.len());
}

/// The section of `doc` between `<!-- contract: COMMAND -->` and `<!-- /contract -->`.
fn contract_section(doc: &str, command: &str) -> Option<(usize, usize)> {
    let open = format!("<!-- contract: {command} -->\n");
    let start = doc.find(&open)? + open.len();
    let end = start + doc[start..].find("<!-- /contract -->")?;
    Some((start, end))
}

#[test]
fn docs_list_every_field_of_each_contract() {
    for (command, schema) in schemas::all() {
        let doc_path = root().join(DOCS.iter().find(|(c, _)| *c == command).unwrap().1);
        let doc = read(&doc_path);
        let (start, end) = contract_section(&doc, command).unwrap_or_else(|| {
            panic!(
                "{} has no `<!-- contract: {command} -->` … `<!-- /contract -->` section",
                doc_path.display()
            )
        });
        let table = schemas::markdown(&schema);
        if bless() {
            let new = format!("{}{table}{}", &doc[..start], &doc[end..]);
            tokstat::output::write_atomic(&doc_path, new.as_bytes()).unwrap();
            continue;
        }
        assert!(
            doc[start..end] == table,
            "{}: the field table of `{command}` differs from its schema; run \
             TOKSTAT_BLESS=1 cargo test --release --test schemas",
            doc_path.display()
        );
        for f in schemas::fields(&schema) {
            assert!(
                doc[start..end].contains(&format!("| `{}` |", f.path)),
                "{}: field `{}` of `{command}` is undocumented",
                doc_path.display(),
                f.path
            );
        }
    }
}

/// The committed schema of `command`, made strict: an object may hold only the members its
/// schema lists, so a field missing from the contract fails validation too.
fn strict_schema(command: &str) -> Value {
    fn close(v: &mut Value) {
        match v {
            Value::Object(m) => {
                if m.contains_key("properties") && !m.contains_key("additionalProperties") {
                    m.insert("additionalProperties".into(), Value::Bool(false));
                }
                m.values_mut().for_each(close);
            }
            Value::Array(a) => a.iter_mut().for_each(close),
            _ => {}
        }
    }
    let mut schema: Value = serde_json::from_str(&read(&schema_path(command))).unwrap();
    close(&mut schema);
    schema
}

/// The validation errors of `value` against the contract of `command` (at most 10).
fn errors(command: &str, value: &Value) -> Vec<String> {
    let validator = jsonschema::validator_for(&strict_schema(command))
        .unwrap_or_else(|e| panic!("{command}.schema.json is not a valid schema: {e}"));
    validator
        .iter_errors(value)
        .take(10)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn assert_valid(command: &str, what: &str, value: &Value) {
    let errs = errors(command, value);
    assert!(
        errs.is_empty(),
        "{what} breaks the {command} contract: {errs:#?}"
    );
}

/// Runs `tokstat ARGS --format json` from the checkout root and validates its output.
fn check(command: &str, args: &[&str]) -> Value {
    let mut all = vec![command];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let v = json_of(&all);
    assert_valid(command, &format!("tokstat {}", all.join(" ")), &v);
    v
}

#[test]
fn encode_and_tokenizers_output_validates() {
    let one = check("encode", &["-t", "modernbert", "def f(x):\n    return x"]);
    assert!(one.is_object());
    let many = check("encode", &["-t", "roberta,xlm-roberta", "héllo wörld"]);
    assert!(many.is_array());
    let listed = check("tokenizers", &[]);
    assert!(listed[0]["vocab_size"].is_u64());
    // A tokenizer given by path carries `path`.
    let gz = std::fs::File::open(root().join("assets/tokenizers/roberta.json.gz")).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(gz), &mut text).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokenizer.json");
    std::fs::write(&path, text).unwrap();
    let named = check("tokenizers", &["roberta", path.to_str().unwrap()]);
    assert_eq!(named[0]["vocab_size"], named[1]["vocab_size"]);
    assert!(named[1]["path"].is_string());
    let by_path = check("encode", &["-t", path.to_str().unwrap(), "x"]);
    assert!(by_path["path"].is_string());
}

#[test]
fn compare_budget_parity_output_validates() {
    check("compare", &["corpora/code/python", "corpora/code/go"]);
    check("budget", &[]);
    let asked = check(
        "budget",
        &[
            "bert-base-uncased",
            "--tensors",
            "--vocab-sizes",
            "1000",
            "--fixed-total",
            "100M",
            "--attention",
            "--seq",
            "512",
        ],
    );
    assert!(asked[0]["tensors"].is_array());
    check("parity", &[]);
}

#[test]
fn vocab_and_pairs_output_validates() {
    check(
        "vocab",
        &[
            "-t",
            "roberta",
            "--model",
            "roberta-base",
            "--corpus",
            "corpora/code/python",
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pairs.jsonl");
    check(
        "pairs",
        &[
            "corpora/code/python",
            "--language",
            "python",
            "--out",
            out.to_str().unwrap(),
        ],
    );
}

#[test]
fn retrieval_output_validates() {
    let v = check(
        "retrieval",
        &["--quick", "-t", "roberta", "--steps", "2", "--seeds", "2"],
    );
    assert!(v["training"].as_array().unwrap().len() == 2);
    check("retrieval", &["--from-json", "reports/data/retrieval.json"]);
}

#[test]
fn tiling_output_validates() {
    let v = check(
        "tiling",
        &[
            "--seeds",
            "1",
            "--small-steps",
            "2",
            "--steps",
            "2",
            "--max-train-pairs",
            "200",
            "--max-eval-pairs",
            "20",
        ],
    );
    // The small model, then each of the two variants grown and trained from scratch twice.
    assert_eq!(v["runs"].as_array().unwrap().len(), 7);
    check("tiling", &["--from-json", "reports/data/tiling.json"]);
}

#[test]
fn committed_report_data_validates() {
    for command in [
        "budget",
        "compare",
        "parity",
        "vocab",
        "retrieval",
        "tiling",
    ] {
        let path = root().join(format!("reports/data/{command}.json"));
        let v: Value = serde_json::from_str(&read(&path)).unwrap();
        assert_valid(command, &path.display().to_string(), &v);
    }
}

#[test]
fn the_validator_rejects_a_broken_contract() {
    let mut v = json_of(&["tokenizers", "roberta", "--format", "json"]);
    assert!(errors("tokenizers", &v).is_empty());
    v[0]["vocab_size"] = json!({"total": 50265});
    assert!(!errors("tokenizers", &v).is_empty(), "an object vocab_size");
    let mut v = json_of(&["tokenizers", "roberta", "--format", "json"]);
    v[0]["undocumented"] = json!(1);
    assert!(
        !errors("tokenizers", &v).is_empty(),
        "a field outside the schema"
    );
    let mut v = json_of(&["budget", "bert-base-uncased", "--format", "json"]);
    v[0].as_object_mut().unwrap().remove("vocab_size");
    assert!(!errors("budget", &v).is_empty(), "a missing field");
}
