//! Helpers shared by the integration tests: the binary, the checkout root, and JSON output.
//!
//! Each test file is its own crate and uses a subset, hence the `dead_code` allowance.
#![allow(dead_code)]

use std::io::Read;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

/// The `tokstat` binary built for this test run.
pub fn tokstat() -> Command {
    Command::cargo_bin("tokstat").expect("binary")
}

/// The root of the checkout (bundled corpora, assets, reports).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `tokstat ARGS` and parses its standard output as JSON; fails the test, showing stderr,
/// when the command fails.
pub fn json_of(args: &[&str]) -> Value {
    let out = tokstat().args(args).output().expect("run tokstat");
    assert!(
        out.status.success(),
        "tokstat {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

/// The output of `tokstat compare -t TOKENIZERS --format json` over the bundled code and
/// multilingual corpora with the environment variable `var` set to `value`; fails the test,
/// showing stderr, when the command fails.
pub fn compare_corpora_with_env(tokenizers: &str, var: &str, value: &str) -> Vec<u8> {
    let out = tokstat()
        .env(var, value)
        .args(["compare", "-t", tokenizers, "--format", "json"])
        .arg(root().join("corpora/code"))
        .arg(root().join("corpora/multilingual"))
        .output()
        .expect("run tokstat");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Parses JSON Lines text, skipping blank lines.
pub fn parse_jsonl(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

/// The most of one corpus file compared (the decompressed corpora hold 100 MB; their first
/// 64 KiB each make about 6 MB).
const PER_FILE: usize = 64 << 10;

/// The first [`PER_FILE`] bytes (to a character boundary) of every text file of every bundled
/// corpus, gzip-compressed ones decompressed.
pub fn corpus_texts() -> Vec<(String, String)> {
    let (files, _) = tokstat::input::walk::files(
        &[root().join("corpora").display().to_string()],
        tokstat::input::WalkOptions::default(),
    )
    .expect("corpora");
    let mut out = Vec::new();
    for f in files {
        let bytes = std::fs::read(&f.path).expect("read");
        let bytes = if f.path.extension().is_some_and(|e| e == "gz") {
            let mut v = Vec::new();
            flate2::read::GzDecoder::new(&bytes[..])
                .read_to_end(&mut v)
                .expect("gunzip");
            v
        } else {
            bytes
        };
        if let Ok(mut text) = String::from_utf8(bytes) {
            let mut cut = text.len().min(PER_FILE);
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
            out.push((f.path.display().to_string(), text));
        }
    }
    out
}

/// Checks `tok`'s own [`tokstat::tokenizer::Tokenizer::encode_lean`] of `text`, where it has
/// one, against the lean encoding derived from `reference`'s full encode (the token strings'
/// reading of `tokstat::analysis::spans`); `reference` encodes as `tok` does. An error names the
/// tokenizer, the text and the first field that differs.
pub fn lean_matches(
    tok: &dyn tokstat::tokenizer::Tokenizer,
    reference: &dyn tokstat::tokenizer::Tokenizer,
    text: &str,
) -> Result<(), String> {
    let Some(got) = tok.encode_lean(text).map_err(|e| e.to_string())? else {
        return Ok(());
    };
    let enc = reference.encode(text, false).map_err(|e| e.to_string())?;
    let want = tokstat::analysis::spans::lean_encoding(text, &enc, reference);
    let name = tok.name();
    if got.ids != want.ids {
        return Err(format!("{name}: ids differ on {text:?}"));
    }
    if got.offsets != want.offsets {
        return Err(format!("{name}: offsets differ on {text:?}"));
    }
    if got.spans() != want.spans() {
        return Err(format!(
            "{name}: spans differ on {text:?}: {:?} vs {:?}",
            got.spans(),
            want.spans()
        ));
    }
    if got.byte_fallback_tokens != want.byte_fallback_tokens {
        return Err(format!("{name}: byte-fallback counts differ on {text:?}"));
    }
    // A round trip settled by the encoder is the decoded text's.
    if let Some(settled) = got.decodes_to_text {
        let decoded = reference
            .decode(&got.ids, false)
            .map_err(|e| e.to_string())?;
        if settled != (decoded == text) {
            return Err(format!(
                "{name}: decodes_to_text is {settled} on {text:?}, decoded {decoded:?}"
            ));
        }
    }
    Ok(())
}
