//! Loading (query, code) pairs from a CodeSearchNet-style directory:
//! `<dir>/<language>/{train,valid,test}.jsonl` (or `.jsonl.gz`, gzip-compressed), one JSON
//! object per line with at least the
//! fields `id`, `language`, `query` and `code` (others, like `source` and `license`, are kept
//! on disk but not read).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::{Error, Result};

/// One (query, code) pair.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Pair {
    /// Record id.
    pub id: String,
    /// Programming language.
    pub language: String,
    /// Natural-language query (first paragraph of the doc comment).
    pub query: String,
    /// The function without its doc comment.
    pub code: String,
}

/// The path of a split file: `<split>.jsonl`, else `<split>.jsonl.gz` if only that exists.
pub fn split_path(dir: &Path, language: &str, split: &str) -> PathBuf {
    let plain = dir.join(language).join(format!("{split}.jsonl"));
    let gz = dir.join(language).join(format!("{split}.jsonl.gz"));
    if !plain.is_file() && gz.is_file() {
        gz
    } else {
        plain
    }
}

/// Reads a text file, decompressing it when its name ends in `.gz`.
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let bytes = if path.extension().is_some_and(|e| e == "gz") {
        use std::io::Read;
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes.as_slice())
            .read_to_end(&mut out)
            .map_err(|e| Error::io(path, e))?;
        out
    } else {
        bytes
    };
    String::from_utf8(bytes).map_err(|e| Error::Data {
        path: path.to_path_buf(),
        line: 0,
        message: format!("invalid UTF-8 at byte {}", e.utf8_error().valid_up_to()),
    })
}

/// The languages in a data directory: every subdirectory that holds a `train.jsonl[.gz]` or
/// `test.jsonl[.gz]`, sorted by name, found by the [walker](crate::input::walk) (ignore rules and
/// hidden folders apply).
pub fn languages(dir: &Path) -> Result<Vec<String>> {
    if dir.is_file() {
        return Err(Error::InvalidArgument(format!(
            "--data `{}` is a file; it takes a directory holding <language>/{{train,valid,test}}.jsonl (pass the directory that contains the language folders)",
            dir.display()
        )));
    }
    if !dir.is_dir() {
        return Err(Error::InvalidArgument(format!(
            "data directory `{}` does not exist (expected <language>/{{train,valid,test}}.jsonl; pass --data DIR)",
            dir.display()
        )));
    }
    let walk = crate::input::WalkOptions {
        no_ignore: false,
        max_depth: Some(2),
    };
    let (files, _) = crate::input::walk::files(&[dir.display().to_string()], walk)?;
    let mut langs: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let rel = f.path.strip_prefix(dir).ok()?;
            let mut parts = rel.components();
            let lang = parts.next()?.as_os_str().to_str()?;
            let file = parts.next()?.as_os_str();
            let split = [
                "train.jsonl",
                "test.jsonl",
                "train.jsonl.gz",
                "test.jsonl.gz",
            ];
            split.iter().any(|s| file == *s).then(|| lang.to_string())
        })
        .collect();
    langs.dedup();
    if langs.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "data directory `{}` has no <language>/train.jsonl or test.jsonl",
            dir.display()
        )));
    }
    Ok(langs)
}

/// Reads one split. Blank lines are skipped; a line that is not a JSON object with string
/// fields `id`, `language`, `query`, `code` is an error naming `file:line`.
pub fn load_split(dir: &Path, language: &str, split: &str) -> Result<Vec<Pair>> {
    let path = split_path(dir, language, split);
    if !path.is_file() {
        return Err(Error::InvalidArgument(format!(
            "{}: missing {split} split for language `{language}`",
            path.display()
        )));
    }
    let bytes = if path.extension().is_some_and(|e| e == "gz") {
        read_text(&path)?.into_bytes()
    } else {
        std::fs::read(&path).map_err(|e| Error::io(&path, e))?
    };
    parse_split(&path, language, split, &bytes)
}

/// Parses the bytes of one split file (`path` names it in errors): one JSON record per line,
/// blank lines skipped; an empty split is an error naming the file and the language.
pub fn parse_split(path: &Path, language: &str, split: &str, bytes: &[u8]) -> Result<Vec<Pair>> {
    crate::input::reject_json_bom(path, bytes)?;
    let mut pairs = Vec::new();
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let data_err = |message: String| Error::Data {
            path: path.to_path_buf(),
            line: i + 1,
            message,
        };
        let line =
            std::str::from_utf8(line).map_err(|e| data_err(format!("invalid UTF-8: {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        let pair: Pair = serde_json::from_str(line).map_err(|e| data_err(e.to_string()))?;
        pairs.push(pair);
    }
    if pairs.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "{}: the {split} split of language `{language}` has no records (expected one JSON object per line with `id`, `language`, `query` and `code`); add records, or leave the language out with --languages",
            path.display()
        )));
    }
    Ok(pairs)
}
