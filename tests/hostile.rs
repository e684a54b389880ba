//! Hostile but realistic input: every case ends with a clear error naming the option or file, a
//! non-zero exit that is not a panic (101), within a time bound, and no partial output.

use std::time::{Duration, Instant};

use assert_cmd::Command;

/// Runs tokstat and returns (exit code, stderr); fails on a panic, a signal or a slow run.
fn refused(args: &[&str]) -> (i32, String) {
    let started = Instant::now();
    let out = Command::cargo_bin("tokstat")
        .unwrap()
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out.status.code().unwrap_or(-1);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "tokstat {args:?} ran past the time bound"
    );
    assert_ne!(code, 0, "tokstat {args:?} succeeded: {stderr}");
    assert_ne!(code, 101, "tokstat {args:?} panicked: {stderr}");
    assert!(!stderr.contains("panicked"), "tokstat {args:?}: {stderr}");
    (code, stderr)
}

#[test]
fn retrieval_options_out_of_range_are_refused_before_any_work() {
    for (args, names) in [
        (&["--steps", "18446744073709551615"][..], "--steps"),
        (&["--epochs", "18446744073709551615"], "--epochs"),
        (&["--steps", "0"], "--steps"),
        (&["--budget", "equal-total", "inf"], "--budget equal-total"),
        (
            &["--budget", "equal-total", "1e400"],
            "--budget equal-total",
        ),
        (
            &["--budget", "equal-total", "1000000000000000"],
            "--budget equal-total",
        ),
        (&["--budget", "equal-total", "0"], "--budget equal-total"),
        (&["--dim", "100000"], "--dim"),
        (&["--lr=-1"], "--lr"),
        (&["--lr", "NaN"], "--lr"),
        (&["--batch-size", "1"], "--batch-size"),
        (&["--max-code-tokens", "0"], "--max-code-tokens"),
    ] {
        let all: Vec<&str> = ["retrieval", "--quick"]
            .iter()
            .copied()
            .chain(args.iter().copied())
            .collect();
        let (_, stderr) = refused(&all);
        assert!(stderr.contains(names), "{args:?}: {stderr}");
    }
}

#[test]
fn an_encoder_that_does_not_fit_says_how_much_it_needs() {
    // XLM-R's 250,002 rows at d = 4,096 with a batch of 8,192 and 8,192-token texts: far more
    // than any laptop has.
    let (_, stderr) = refused(&[
        "retrieval",
        "--quick",
        "-t",
        "xlm-roberta",
        "--dim",
        "4096",
        "--heads",
        "4",
        "--batch-size",
        "8192",
        "--max-code-tokens",
        "8192",
    ]);
    assert!(
        stderr.contains("xlm-roberta") && stderr.contains("GiB"),
        "{stderr}"
    );
}

#[test]
fn an_empty_tokenizer_list_is_an_error() {
    for t in ["", ","] {
        let (_, stderr) = refused(&["encode", "-t", t, "hi"]);
        assert!(stderr.contains("-t"), "{stderr}");
    }
}

#[test]
fn a_failed_report_leaves_the_previous_one_untouched() {
    // --root without corpora fails after nothing was written; the old file stays as it was.
    let out = tempfile::tempdir().unwrap();
    let old = out.path().join("README.md");
    std::fs::write(&old, "previous report").unwrap();
    let empty_root = tempfile::tempdir().unwrap();
    refused(&[
        "report",
        "--root",
        empty_root.path().to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read_to_string(&old).unwrap(), "previous report");
    let names: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["README.md"], "no temporary or partial files");
}
