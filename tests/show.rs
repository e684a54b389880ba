//! The token views: `compare --show` on a terminal (fixed snapshots, escape codes only with
//! colour) and the `--html` page's limits and errors (the page in a browser: tests/browser.rs).

mod common;

use std::io::Read;
use std::path::Path;

use common::{root, tokstat};
use predicates::prelude::*;

/// `if x:⏎··y··🦀·é⏎`: XLM-R drops a space of each run (uncovered), has no piece for 🦀
/// (unknown); the SentencePiece BPE test model spells 🦀 and the newline in byte-fallback
/// tokens.
const INPUT: &str = "if x:\n  y  🦀 é\n";

/// Unpacks the byte-fallback SentencePiece BPE model of tests/data/sentencepiece into `dir`.
fn bpe_model(dir: &Path) -> String {
    let mut bytes = Vec::new();
    let gz = std::fs::File::open(root().join("tests/data/sentencepiece/bpe.model.gz")).unwrap();
    flate2::read::GzDecoder::new(gz)
        .read_to_end(&mut bytes)
        .unwrap();
    let path = dir.join("bpe.model");
    std::fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_string()
}

/// The `--show` part of `compare - --show` (before the tables), with extra arguments and
/// environment.
fn show(extra: &[&str], env: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let tokenizers = format!("xlm-roberta,{}", bpe_model(dir.path()));
    let mut cmd = tokstat();
    cmd.args([
        "compare",
        "-",
        "--show",
        "-t",
        &tokenizers,
        "--format",
        "csv",
    ])
    .args(extra)
    .env_remove("NO_COLOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.write_stdin(INPUT).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    text.split("# Overview").next().unwrap().to_string()
}

const PLAIN: &str = "\
── - · xlm-roberta (7 tokens shown)
if|·x|:[⏎
·]|·y[·]|·|⟨?🦀⟩|·é[⏎
]

── - · bpe (13 tokens shown)
if|·x|:|<0x0A>
··|y|··|<0xF0>|<0x9F>|<0xA6>|<0x80>|·é|<0x0A>

";

/// The coloured snapshot, written with names for the SGR codes: `{B}` blue and `{O}` orange
/// (alternating tokens), `{U}` unknown, `{F}` byte fallback, `{G}` uncovered, `{R}` reset.
const COLOURED: &str = "\
── - · xlm-roberta (7 tokens shown)
{B}if{R}{O}·x{R}{B}:{R}{G}⏎{R}
{G}·{R}{O}·y{R}{G}·{R}{B}·{R}{U}🦀{R}{B}·é{R}{G}⏎{R}

── - · bpe (13 tokens shown)
{B}if{R}{O}·x{R}{B}:{R}{F}<0x0A>{R}
{B}··{R}{O}y{R}{B}··{R}{F}<0xF0>{R}{F}<0x9F>{R}{F}<0xA6>{R}{F}<0x80>{R}{O}·é{R}{F}<0x0A>{R}

";

fn coloured() -> String {
    COLOURED
        .replace("{B}", "\x1b[97;48;2;0;114;178m")
        .replace("{O}", "\x1b[30;48;2;230;159;0m")
        .replace("{U}", "\x1b[1;97;48;2;213;94;0m")
        .replace("{F}", "\x1b[4;30;48;2;240;228;66m")
        .replace("{G}", "\x1b[9;97;48;2;96;96;96m")
        .replace("{R}", "\x1b[0m")
}

#[test]
fn show_snapshots_plain_and_coloured() {
    assert_eq!(show(&["--color", "never"], &[]), PLAIN);
    // Piped, `auto` has no colour.
    assert_eq!(show(&[], &[]), PLAIN);
    assert_eq!(show(&["--color", "always"], &[]), coloured());
    // `--color always` wins over NO_COLOR.
    assert_eq!(
        show(&["--color", "always"], &[("NO_COLOR", "1")]),
        coloured()
    );
    assert!(!show(&["--color", "auto"], &[("NO_COLOR", "1")]).contains('\x1b'));
}

#[test]
fn bad_color_value_is_a_clear_error() {
    tokstat()
        .args(["compare", "-", "--show", "--color", "sometimes"])
        .write_stdin("x")
        .assert()
        .failure()
        .stderr(predicate::str::contains("--color"))
        .stderr(predicate::str::contains("sometimes"));
}

#[test]
fn html_keeps_invalid_utf8_only_with_lossy() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("bad.txt");
    std::fs::write(&input, b"ok \xff <script>x</script>\n").unwrap();
    let page = dir.path().join("page.html");
    let args = |lossy: bool| {
        let mut a = vec![
            "compare".to_string(),
            input.display().to_string(),
            "-t".into(),
            "roberta".into(),
            "--html".into(),
            page.display().to_string(),
        ];
        if lossy {
            a.push("--lossy".into());
        }
        a
    };
    tokstat()
        .args(args(false))
        .assert()
        .failure()
        .stderr(predicate::str::contains("bad.txt"));
    assert!(!page.exists(), "no page from a failed run");
    tokstat().args(args(true)).assert().success();
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains('\u{FFFD}'));
    // Tags removed, the page's text holds the input's markup escaped.
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    assert!(
        text.contains("ok·\u{FFFD}·&lt;script&gt;x&lt;/script&gt;⏎"),
        "{text}"
    );
    assert_eq!(html.matches("<script>").count(), 1);
}

#[test]
fn html_to_an_unwritable_path_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain-file");
    std::fs::write(&file, "x").unwrap();
    let target = file.join("page.html");
    tokstat()
        .args(["compare", "-", "-t", "roberta", "--html"])
        .arg(&target)
        .write_stdin("x = 1\n")
        .assert()
        .failure()
        .stderr(predicate::str::contains("page.html"))
        .stderr(predicate::str::contains("panicked").not());
}

/// A 300 KB input: the page shows its first 64 KiB, says so, and holds one element per token
/// shown, far fewer than the input's tokens.
#[test]
fn html_caps_large_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.py");
    let line = "    value = compute(value, 42)  # é\n";
    std::fs::write(&input, line.repeat(300_000 / line.len())).unwrap();
    let page = dir.path().join("big.html");
    let out = tokstat()
        .args(["compare", "-t", "roberta", "--format", "json", "--html"])
        .arg(&page)
        .arg(&input)
        .output()
        .unwrap();
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let total = json["tokenizers"][0]["tokens"].as_u64().unwrap();
    let html = std::fs::read_to_string(&page).unwrap();
    let spans = html.matches("<span").count() as u64;
    assert!(html.contains("(first 65536 bytes)"), "the cut is stated");
    assert!(spans > 0 && spans < total / 2, "{spans} of {total}");
    assert!(html.len() < 8 << 20, "page of {} bytes", html.len());
}

/// The page of a directory is the same byte for byte whatever the thread count.
#[test]
fn html_is_deterministic_across_threads() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = root().join("corpora/code/yaml");
    let pages: Vec<Vec<u8>> = ["1", "2"]
        .iter()
        .map(|threads| {
            let page = dir.path().join(format!("t{threads}.html"));
            tokstat()
                .env("RAYON_NUM_THREADS", threads)
                .args(["compare", "-t", "roberta,xlm-roberta", "--html"])
                .arg(&page)
                .arg(&yaml)
                .assert()
                .success();
            std::fs::read(&page).unwrap()
        })
        .collect();
    assert_eq!(pages[0], pages[1]);
    let html = String::from_utf8(pages[0].clone()).unwrap();
    // Every file of the folder (8 YAML files and MANIFEST.tsv) has its section: the folder is
    // far under 64 KiB.
    assert_eq!(html.matches("<section").count(), 9);
}
