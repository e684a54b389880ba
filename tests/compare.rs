//! `tokstat compare` on small inputs with expected values worked out by hand from the
//! tokenizers' published vocabularies (see `assets/tokenizers/PROVENANCE.md`), and on bad input.

mod common;

use common::tokstat;

use predicates::prelude::*;
use serde_json::Value;

fn compare_stdin(text: &str, args: &[&str]) -> Value {
    let out = tokstat()
        .args(["compare", "-", "--format", "json"])
        .args(args)
        .write_stdin(text)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).expect("json")
}

fn tok<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["tokenizers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no {name}"))
}

fn class<'a>(t: &'a Value, class: &str, length: u64) -> &'a Value {
    t["whitespace"]["classes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["class"] == class && c["length"] == length)
        .unwrap_or_else(|| panic!("no {class} {length}"))
}

/// `if x:⏎········return x⏎` (an 8-space Python indent), default trio.
///
/// - modernbert (OLMo BPE): the added tokens for runs of 24 down to 2 spaces sit at
///   50254–50276, so 8 spaces = 50254 + (24 − 8) = 50270, matched before pre-tokenisation:
///   `if` `Ġx` `:` `Ċ` `········` `return` `Ġx` `Ċ` = 8 tokens; the indent costs 1 token, shares 0.
/// - roberta (GPT-2 BPE, no merge `Ġ Ġ`): the regex `\s+(?!\S)` leaves 7 spaces as a piece
///   and glues the 8th to `return`: 7 × `Ġ` (1437) + `Ġreturn` (671): `if` `Ġx` `:` `Ċ` + 7 +
///   `Ġreturn` `Ġx` `Ċ` = 14 tokens; the indent costs 7 whitespace tokens and shares 1.
/// - xlm-roberta: the normaliser maps `⏎` to a space, collapses the run to one `▁`, strips the
///   final newline: `▁if` `▁x` `:` `▁return` (30646) `▁x` = 5 tokens; the indent has no token of
///   its own and shares `▁return`. Decoding gives `if x: return x`: the first difference is the
///   newline at byte 5 (line 1, column 6), where `⏎` + 8 spaces (9 bytes) became one space,
///   and the final newline (1 byte) is dropped: 10 bytes differ.
#[test]
fn eight_space_indent_by_vocabulary() {
    let v = compare_stdin("if x:\n        return x\n", &[]);
    let names: Vec<&str> = v["tokenizers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["modernbert", "xlm-roberta", "roberta"]);

    let m = tok(&v, "modernbert");
    assert_eq!(m["tokens"], 8);
    assert_eq!(m["roundtrip_exact"], true);
    let c = class(m, "indent_spaces", 8);
    assert_eq!(
        (c["tokens"].as_u64(), c["shared_tokens"].as_u64()),
        (Some(1), Some(0))
    );
    let p8 = &m["whitespace"]["indent_probe"][7];
    assert_eq!(p8["spaces"], 8);
    assert_eq!(p8["ids"], serde_json::json!([50270]));
    // 4 spaces = 50254 + 20, 2 spaces = 50254 + 22; 1 space has no added token: `Ġreturn`.
    assert_eq!(
        m["whitespace"]["indent_probe"][3]["ids"],
        serde_json::json!([50274])
    );
    assert_eq!(
        m["whitespace"]["indent_probe"][1]["ids"],
        serde_json::json!([50276])
    );
    assert_eq!(m["whitespace"]["indent_probe"][0]["tokens"], 0);
    assert_eq!(m["whitespace"]["indent_probe"][0]["shared_tokens"], 1);

    let r = tok(&v, "roberta");
    assert_eq!(r["tokens"], 14);
    assert_eq!(r["roundtrip_exact"], true);
    let c = class(r, "indent_spaces", 8);
    assert_eq!(
        (c["tokens"].as_u64(), c["shared_tokens"].as_u64()),
        (Some(7), Some(1))
    );
    assert_eq!(
        r["whitespace"]["indent_probe"][7]["ids"],
        serde_json::json!([1437, 1437, 1437, 1437, 1437, 1437, 1437, 671])
    );
    // Whitespace-only tokens: Ċ, 7 × Ġ, Ċ = 9 of 14.
    assert_eq!(r["whitespace"]["whitespace_tokens"], 9);

    let x = tok(&v, "xlm-roberta");
    assert_eq!(x["tokens"], 5);
    assert_eq!(x["roundtrip_exact"], false);
    let c = class(x, "indent_spaces", 8);
    assert_eq!(
        (c["tokens"].as_u64(), c["shared_tokens"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(
        x["whitespace"]["indent_probe"][7]["ids"],
        serde_json::json!([30646])
    );
    let f = &x["roundtrip"]["first_difference"];
    assert_eq!(
        (
            f["byte_offset"].as_u64(),
            f["line"].as_u64(),
            f["column"].as_u64()
        ),
        (Some(5), Some(1), Some(6))
    );
    assert_eq!(f["reason"], "whitespace run collapsed");
    assert_eq!(x["roundtrip"]["differing_bytes"], 10);
}

/// 4- and 8-space indents: OLMo and GPT-2 keep them apart after a round trip, XLM-R decodes both
/// as one space, so neither length is distinguishable.
#[test]
fn indent_lengths_distinguishable() {
    let v = compare_stdin("a\n    b\n        c\n", &["--lang", "python"]);
    for (name, expect) in [
        ("modernbert", true),
        ("roberta", true),
        ("xlm-roberta", false),
    ] {
        let t = tok(&v, name);
        for n in [4, 8] {
            assert_eq!(
                class(t, "indent_spaces", n)["distinguishable"],
                expect,
                "{name} {n}"
            );
        }
    }
}

/// Identifiers: `def get_value(x):⏎    return x  # get_value⏎` has 3 identifiers (`get_value`,
/// `x`, `x`): `def` and `return` are keywords, the comment is skipped. `get_value` has one
/// sub-word zone (the underscore); `x` none.
#[test]
fn identifiers_skip_keywords_and_comments() {
    let v = compare_stdin(
        "def get_value(x):\n    return x  # get_value\n",
        &["--lang", "py", "-t", "modernbert"],
    );
    let m = tok(&v, "modernbert");
    let ids = &m["identifiers"];
    assert_eq!(ids["occurrences"], 3);
    // Cross-check with `tokstat encode` (validated against published reference ids):
    // the tokens of `get_value` there must be its pieces here.
    let enc = tokstat()
        .args([
            "encode",
            "-t",
            "modernbert",
            "--format",
            "json",
            "def get_value",
        ])
        .output()
        .unwrap();
    let e: Value = serde_json::from_slice(&enc.stdout).unwrap();
    let n_get_value = e["ids"].as_array().unwrap().len() as u64 - 1; // minus `def`
    let frag = &ids["most_fragmented"][0];
    assert_eq!(frag["identifier"], "get_value");
    assert_eq!(frag["tokens"], n_get_value);
    // `x` is one token twice, so tokens = n(get_value) + 2.
    assert_eq!(ids["tokens"], n_get_value + 2);
    // Scripts are only counted for non-code text.
    assert_eq!(m["scripts"]["scripts"], serde_json::json!([]));
}

/// Scripts: `hello мир` as text has 5 Latin, 1 Common and 3 Cyrillic characters; every token is
/// counted for exactly one script.
#[test]
fn scripts_for_text() {
    let v = compare_stdin("hello мир", &["-t", "xlm-roberta,roberta"]);
    for name in ["xlm-roberta", "roberta"] {
        let t = tok(&v, name);
        let rows = t["scripts"]["scripts"].as_array().unwrap();
        let get = |s: &str| rows.iter().find(|r| r["script"] == s).unwrap();
        assert_eq!(get("Latin")["chars"], 5);
        assert_eq!(get("Cyrillic")["chars"], 3);
        assert_eq!(get("Common")["chars"], 1);
        let sum: u64 = rows.iter().map(|r| r["tokens"].as_u64().unwrap()).sum();
        assert_eq!(sum, t["tokens"].as_u64().unwrap());
    }
    assert_eq!(v["input_totals"]["by_language"][0]["language"], "text");
}

#[test]
fn empty_input_is_a_report_of_zeros() {
    let v = compare_stdin("", &[]);
    for t in v["tokenizers"].as_array().unwrap() {
        assert_eq!(t["tokens"], 0);
        assert_eq!(t["fertility"], 0.0);
        assert_eq!(t["bytes_per_token"], 0.0);
        assert_eq!(t["roundtrip_exact"], true);
        assert_eq!(t["whitespace"]["share"], 0.0);
    }
}

#[test]
fn missing_path_is_named() {
    tokstat()
        .args(["compare", "no/such/file.py"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no/such/file.py"));
}

#[test]
fn invalid_utf8_names_file_and_offset_unless_lossy() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.txt");
    std::fs::write(&p, b"ab\xffcd\n").unwrap();
    tokstat()
        .arg("compare")
        .arg(&p)
        .assert()
        .failure()
        .stderr(predicate::str::contains("bad.txt"))
        .stderr(predicate::str::contains("byte offset 2"));
    tokstat()
        .args(["compare", "--lossy", "-t", "roberta"])
        .arg(&p)
        .assert()
        .success();
}

#[test]
fn directories_leave_out_vcs_folders_even_without_ignore_rules() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    std::fs::write(dir.path().join(".git/config.py"), "x = 1\n").unwrap();
    std::fs::write(dir.path().join("a.py"), "x = 1\n").unwrap();
    for extra in [None, Some("--no-ignore")] {
        let out = tokstat()
            .args(["compare", "-t", "roberta", "--format", "json"])
            .args(extra)
            .arg(dir.path())
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["input_totals"]["files"], 1, "{extra:?}");
        assert_eq!(v["input_totals"]["by_language"][0]["language"], "python");
        assert_eq!(v["skipped"].as_array().unwrap().len(), 0);
    }
}

/// A file read in 16 KiB chunks gives the same counts as the file encoded whole: the cuts fall
/// between two printable characters around a newline, outside strings and comments.
#[test]
fn chunked_reading_keeps_the_counts() {
    let src = std::fs::read_to_string("corpora/code/python/cpython__heapq.py").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.py");
    std::fs::write(&p, src.repeat(3)).unwrap();
    let run = |chunk: &str| -> Value {
        let out = tokstat()
            .args([
                "compare",
                "-t",
                "modernbert,roberta,xlm-roberta",
                "--format",
                "json",
                "--chunk-bytes",
                chunk,
            ])
            .arg(&p)
            .output()
            .unwrap();
        assert!(out.status.success());
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let chunked = run("16384");
    let whole = run("100000000");
    assert!(chunked["input_totals"]["chunks"].as_u64().unwrap() >= 4);
    assert_eq!(whole["input_totals"]["chunks"], 1);
    for (a, b) in chunked["tokenizers"]
        .as_array()
        .unwrap()
        .iter()
        .zip(whole["tokenizers"].as_array().unwrap())
    {
        for f in [
            "tokens",
            "bytes",
            "chars",
            "words",
            "unk_tokens",
            "identifiers",
            "scripts",
        ] {
            assert_eq!(a[f], b[f], "{} {f}", a["name"]);
        }
        assert_eq!(
            a["whitespace"]["whitespace_tokens"],
            b["whitespace"]["whitespace_tokens"]
        );
        assert_eq!(
            a["roundtrip"]["differing_bytes"],
            b["roundtrip"]["differing_bytes"]
        );
        if a["name"] != "xlm-roberta" {
            // XLM-R differs only in how many `▁word` tokens share a newline at a cut.
            assert_eq!(
                a["whitespace"]["classes"], b["whitespace"]["classes"],
                "{}",
                a["name"]
            );
        }
    }
}

/// `--show` without a terminal uses plain markers: `a··b` in modernbert is `a`, the 2-space
/// added token (50276), `b`.
#[test]
fn show_plain_markers() {
    tokstat()
        .args([
            "compare",
            "-",
            "--show",
            "-t",
            "modernbert",
            "--format",
            "csv",
        ])
        .write_stdin("a  b")
        .assert()
        .success()
        .stdout(predicate::str::contains("a|··|b"))
        .stdout(predicate::str::contains("\x1b[").not());
}

#[test]
fn text_formats_render() {
    for (fmt, marker) in [
        ("markdown", "### Overview"),
        ("csv", "# Overview"),
        ("table", "Overview"),
    ] {
        tokstat()
            .args(["compare", "-", "-t", "roberta", "--format", fmt])
            .write_stdin("x = 1\n")
            .assert()
            .success()
            .stdout(predicate::str::contains(marker));
    }
}

#[test]
fn bundled_corpora_run() {
    let out = tokstat()
        .args([
            "compare",
            "corpora/code",
            "-t",
            "modernbert",
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
    let langs: Vec<&str> = tok(&v, "modernbert")["by_language"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["language"].as_str().unwrap())
        .collect();
    for l in [
        "python",
        "rust",
        "go",
        "java",
        "javascript",
        "typescript",
        "c_cpp",
        "php",
        "ruby",
        "yaml",
        "makefile",
    ] {
        assert!(langs.contains(&l), "{l} missing: {langs:?}");
    }
    let out = tokstat()
        .args([
            "compare",
            "corpora/multilingual/zho_Hans.txt",
            "corpora/multilingual/rus_Cyrl.txt",
            "-t",
            "xlm-roberta",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let scripts: Vec<&str> = tok(&v, "xlm-roberta")["scripts"]["scripts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["script"].as_str().unwrap())
        .collect();
    assert!(
        scripts.contains(&"Han") && scripts.contains(&"Cyrillic"),
        "{scripts:?}"
    );
}

/// The report is the same byte for byte whatever the thread count: the groups of small files
/// that one thread analyses tokenizer by tokenizer are sized by the number of threads, and the
/// files larger than a chunk are read in several.
#[test]
fn report_is_the_same_whatever_the_thread_count() {
    let reports: Vec<Vec<u8>> = ["1", "2", "3"]
        .iter()
        .map(|threads| {
            tokstat()
                .env("RAYON_NUM_THREADS", threads)
                .args([
                    "compare",
                    "corpora/code",
                    "corpora/multilingual",
                    "-t",
                    "roberta,xlm-roberta",
                    "--chunk-bytes",
                    "16384",
                    "--format",
                    "json",
                ])
                .assert()
                .success()
                .get_output()
                .stdout
                .clone()
        })
        .collect();
    assert!(reports[0].len() > 10_000);
    assert_eq!(reports[0], reports[1]);
    assert_eq!(reports[0], reports[2]);
}

/// A tree as found in the wild: an invalid UTF-8 file, a binary file, a `.gitignore`d folder
/// and source folders named `target/` and `build/` that nothing ignores. There is no git
/// repository: `.gitignore` is honoured all the same.
fn wild_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, bytes: &[u8]| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    };
    write("src/main.rs", b"fn main() {\n    let answer = 42;\n}\n");
    write("src/target/spec.rs", b"fn target_spec() {}\n");
    write("build/gen.py", b"def build_step():\n    return 1\n");
    write("src/latin1.c", b"int caf\xe9 = 1;\n");
    write("assets/logo.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    write("generated/big.rs", b"fn ignored() {}\n");
    write(".gitignore", b"generated/\n");
    dir
}

fn skipped_paths(v: &Value) -> Vec<(String, String)> {
    v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["path"].as_str().unwrap().to_string(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn real_trees_skip_bad_files_and_honour_gitignore() {
    let dir = wild_tree();
    let root = dir.path().display().to_string();
    let out = tokstat()
        .args(["compare", "-t", "roberta", "--format", "json"])
        .arg(&root)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    // main.rs, src/target/spec.rs and build/gen.py; not generated/ (ignored), not the bad two.
    assert_eq!(v["input_totals"]["files"], 3, "{}", v["input_totals"]);
    let langs: Vec<(String, u64)> = v["input_totals"]["by_language"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["language"].as_str().unwrap().to_string(),
                l["files"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(langs, [("python".to_string(), 1), ("rust".to_string(), 2)]);
    let sep = std::path::MAIN_SEPARATOR;
    assert_eq!(
        skipped_paths(&v),
        [
            (
                format!("{root}{sep}assets{sep}logo.png"),
                "binary".to_string()
            ),
            (
                format!("{root}{sep}src{sep}latin1.c"),
                "invalid_utf8".to_string()
            ),
        ]
    );
    assert_eq!(v["skipped"][1]["detail"], "invalid UTF-8 at byte offset 7");
    assert_eq!(v["skipped_by_reason"]["binary"], 1);
    assert_eq!(v["skipped_by_reason"]["invalid_utf8"], 1);

    // The table says what was skipped, in one line.
    tokstat()
        .args(["compare", "-t", "roberta"])
        .arg(&root)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "skipped 2 files: 1 binary, 1 invalid UTF-8; see --format json",
        ));

    // --strict stops at the first bad file in walk order (assets/ before src/).
    tokstat()
        .args(["compare", "-t", "roberta", "--strict"])
        .arg(&root)
        .assert()
        .failure()
        .stderr(predicate::str::contains(format!(
            "{root}{sep}assets{sep}logo.png: binary file"
        )))
        .stderr(predicate::str::contains("--strict"));

    // --lossy reads the Latin-1 file; --no-ignore adds generated/ and the hidden .gitignore.
    let out = tokstat()
        .args(["compare", "-t", "roberta", "--format", "json", "--lossy"])
        .arg("--no-ignore")
        .arg(&root)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["input_totals"]["files"], 6, "{}", v["input_totals"]);
    assert_eq!(v["skipped_by_reason"]["binary"], 1);
}

#[test]
fn per_file_rows_stream_to_a_file() {
    let dir = wild_tree();
    let rows = dir.path().join("rows.jsonl");
    tokstat()
        .args([
            "compare",
            "-t",
            "roberta,modernbert",
            "--format",
            "json",
            "--per-file",
        ])
        .arg(&rows)
        .arg(dir.path().join("src"))
        .assert()
        .success();
    let text = std::fs::read_to_string(&rows).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // src/latin1.c is skipped; main.rs before target/spec.rs (walk order).
    assert_eq!(lines.len(), 2);
    assert!(lines[0]["path"].as_str().unwrap().ends_with("main.rs"));
    assert_eq!(lines[0]["language"], "rust");
    assert_eq!(lines[0]["tokens"][0]["tokenizer"], "roberta");
    assert_eq!(lines[0]["tokens"][1]["tokenizer"], "modernbert");
    // `fn target_spec() {}⏎` in RoBERTa's BPE: fn, Ġtarget, _, spec, (), Ġ{}, Ċ → at least 5
    // and no more than the 20 bytes of the file.
    let t = lines[1]["tokens"][0]["tokens"].as_u64().unwrap();
    assert!((5..=20).contains(&t), "{t}");
    // A failed run leaves no file behind.
    let rows2 = dir.path().join("rows2.jsonl");
    tokstat()
        .args(["compare", "-t", "roberta", "--strict", "--per-file"])
        .arg(&rows2)
        .arg(dir.path().join("src"))
        .assert()
        .failure();
    assert!(!rows2.exists());
    assert_eq!(
        std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| e
                .as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains(".tmp-"))
            .count(),
        0
    );
}

/// Ctrl-C (SIGINT) stops a run cleanly: a clear message, exit code 130, no `--per-file` output
/// and no temporary file left behind.
#[cfg(unix)]
#[test]
fn ctrl_c_stops_cleanly_without_output() {
    let src = std::fs::read_to_string("corpora/code/python/cpython__heapq.py").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    for i in 0..400 {
        std::fs::write(tree.join(format!("f{i:03}.py")), &src).unwrap();
    }
    let rows = dir.path().join("rows.jsonl");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_tokstat"))
        .args([
            "compare",
            "-t",
            "roberta,modernbert",
            "--format",
            "json",
            "--per-file",
        ])
        .arg(&rows)
        .arg(&tree)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The temporary output exists once the Ctrl-C handler is installed: interrupt then.
    let temp_exists = || {
        std::fs::read_dir(dir.path())
            .unwrap()
            .any(|e| e.unwrap().file_name().to_string_lossy().contains(".tmp-"))
    };
    let start = std::time::Instant::now();
    while !temp_exists() {
        assert!(start.elapsed().as_secs() < 60, "no temporary output file");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted; no output written"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    assert!(!rows.exists());
    assert!(!temp_exists());
}

/// The extension table of docs/compare.md is the one the code applies: every name listed maps
/// to its language (extensions in either case), one row per language.
#[test]
fn documented_extension_table_matches_detection() {
    use tokstat::analysis::identifiers::Lang;
    let doc = std::fs::read_to_string(common::root().join("docs/compare.md")).unwrap();
    let start = doc.find("<!-- languages -->").expect("language table");
    let end = doc
        .find("<!-- /languages -->")
        .expect("end of language table");
    let mut rows = 0;
    let lines = doc[start..end].lines().map(str::trim);
    for line in lines.filter(|l| l.starts_with('|')).skip(2) {
        let cells: Vec<&str> = line.trim().trim_matches('|').split('|').collect();
        let lang = cells[0].trim().trim_matches('`');
        for name in cells[1].split(',').map(|n| n.trim().trim_matches('`')) {
            let file = if name.starts_with('.') {
                format!("x{name}")
            } else {
                name.to_string()
            };
            let upper = format!("x{}", name.to_uppercase());
            assert_eq!(
                Lang::from_path(std::path::Path::new(&file)).map(Lang::name),
                Some(lang),
                "{file}"
            );
            if name.starts_with('.') {
                assert_eq!(
                    Lang::from_path(std::path::Path::new(&upper)).map(Lang::name),
                    Some(lang),
                    "{upper}"
                );
            }
        }
        rows += 1;
    }
    assert_eq!(rows, 11, "one row per language");
    assert_eq!(Lang::from_path(std::path::Path::new("x.txt")), None);
}

/// The word spans fertility counts over (`analysis::word_spans`, which segments ASCII lines
/// itself) equal `unicode-segmentation`'s UAX #29 words over the whole text, on every bundled
/// corpus (code in each language, multilingual text).
#[test]
fn word_spans_are_uax29_words_on_every_corpus() {
    use unicode_segmentation::UnicodeSegmentation;
    let texts = common::corpus_texts();
    assert!(texts.len() > 20, "{} corpus texts", texts.len());
    for (path, text) in &texts {
        let general: Vec<(usize, usize)> = text
            .unicode_word_indices()
            .map(|(i, w)| (i, i + w.len()))
            .collect();
        assert_eq!(tokstat::analysis::word_spans(text), general, "{path}");
    }
}
