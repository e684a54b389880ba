//! The committed `reports/` is exactly what `tokstat report` produces from the committed code and
//! data. The retrieval run is not retrained here: it is read back from its committed JSON, as
//! `--retrieval-results` does, and every file (including the retrieval section rendered from that
//! JSON) must match byte for byte.

use std::path::{Path, PathBuf};

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).expect("prefix").to_path_buf());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn committed_reports_are_regenerated_byte_for_byte() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let committed = root.join("reports");
    let out = tempfile::tempdir().expect("tempdir");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_tokstat"))
        .current_dir(root)
        .args([
            "report",
            "--retrieval-results",
            "reports/data/retrieval.json",
            "--tiling-results",
            "reports/data/tiling.json",
            "--out",
        ])
        .arg(out.path())
        .output()
        .expect("run tokstat report");
    assert!(
        status.status.success(),
        "tokstat report failed: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let generated = files_under(out.path());
    let expected = files_under(&committed);
    assert_eq!(
        generated, expected,
        "the report writes exactly the committed files"
    );
    for f in &generated {
        let a = std::fs::read(out.path().join(f)).expect("generated file");
        let b = std::fs::read(committed.join(f)).expect("committed file");
        assert!(
            a == b,
            "reports/{} differs from what `tokstat report` generates; run `tokstat report \
             --retrieval-results reports/data/retrieval.json` and commit the result",
            f.display()
        );
    }
}

/// The claim table in README.md is the one in `reports/README.md` (links made relative to the
/// repository root).
#[test]
fn readme_shows_the_reports_claim_table() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let index = std::fs::read_to_string(root.join("reports/README.md")).expect("reports/README.md");
    let start = index
        .find("| # | claim |")
        .expect("claim table in reports/README.md");
    let end = index[start..]
        .find("\n\n")
        .map_or(index.len(), |e| start + e + 1);
    let mut table = index[start..end].to_string();
    for page in [
        "budget.md",
        "code-tokenization.md",
        "multilingual.md",
        "vocabulary.md",
        "retrieval.md",
        "tiling.md",
    ] {
        table = table.replace(&format!("]({page}"), &format!("](reports/{page}"));
    }
    let a = readme
        .find("<!-- claims:start -->\n")
        .expect("start marker")
        + 22;
    let b = readme.find("<!-- claims:end -->").expect("end marker");
    assert_eq!(
        &readme[a..b],
        table,
        "README.md's claim table is out of date with reports/README.md"
    );
}
