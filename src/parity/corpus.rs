//! Reading a directory of line-aligned parallel text (`<lang>_<Script>.txt` files).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::input::{WalkOptions, decode_text};
use crate::{Error, Result};

/// The bundled parallel corpus, relative to the repository root (FLORES-200 `dev`, 60 languages).
pub const DEFAULT_CORPUS: &str = "corpora/multilingual";

/// Finds the corpus directory: `dir` when given, otherwise the bundled [`DEFAULT_CORPUS`].
///
/// The default is looked up relative to the current directory (a fresh clone, run at the
/// repository root), then relative to the directory the crate was built from (so `cargo run`
/// works from anywhere inside the clone). When neither exists the error says to pass `DIR`.
pub fn resolve_corpus_dir(dir: Option<&Path>) -> Result<PathBuf> {
    if let Some(d) = dir {
        if !d.is_dir() {
            return Err(Error::InvalidArgument(format!(
                "{}: not a directory (pass a directory of line-aligned <lang>_<Script>.txt files)",
                d.display()
            )));
        }
        return Ok(d.to_path_buf());
    }
    first_existing_dir(&[
        PathBuf::from(DEFAULT_CORPUS),
        Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_CORPUS),
    ])
}

/// The first candidate that is a directory, or the "pass DIR" error.
fn first_existing_dir(candidates: &[PathBuf]) -> Result<PathBuf> {
    if let Some(found) = candidates.iter().find(|c| c.is_dir()) {
        return Ok(found.clone());
    }
    Err(Error::InvalidArgument(format!(
        "the bundled corpus `{DEFAULT_CORPUS}` was not found (it ships in the tokstat repository; \
         run from the repository root or pass DIR, a directory of line-aligned \
         <lang>_<Script>.txt files)"
    )))
}

/// One language's side of a parallel corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LanguageText {
    /// FLORES-200 style code, the file stem: `fra_Latn`.
    pub code: String,
    /// ISO 15924 script code, the part after `_`: `Latn`.
    pub script: String,
    /// File name within the corpus directory (`fra_Latn.txt`).
    pub file: String,
    /// Lines without their terminators (`\n`, and a `\r` before it), in file order.
    pub lines: Vec<String>,
}

/// A set of line-aligned texts: line *i* of every language is a translation of the same sentence.
///
/// Languages are sorted by code in byte order (`arb_Arab` < `ces_Latn` < `eng_Latn` …), which is
/// the order of every report built from it.
#[derive(Debug, Clone)]
pub struct ParallelCorpus {
    /// The directory read (for messages).
    pub dir: PathBuf,
    /// Languages sorted by code.
    pub languages: Vec<LanguageText>,
    /// 0-based indices of the lines that are measured: every line that is non-blank in every
    /// language. A line that is empty or only whitespace in *any* file is left out for all
    /// languages, so every language is measured on the same sentences (see [`Self::skipped`]).
    pub kept: Vec<usize>,
    /// 0-based indices of the lines left out because some file has an empty or blank line there.
    pub skipped: Vec<usize>,
}

/// Splits `<lang>_<Script>.txt` into (`lang_Script`, `Script`).
///
/// `lang` is 2–3 lowercase ASCII letters (ISO 639-1/3), `Script` an ISO 15924 code (an uppercase
/// letter and three lowercase letters). Other names (`README.md`, `ids.tsv`) return `None`.
pub fn parse_language_file(name: &str) -> Option<(String, String)> {
    let stem = name.strip_suffix(".txt")?;
    let (lang, script) = stem.split_once('_')?;
    let lang_ok = (2..=3).contains(&lang.len()) && lang.bytes().all(|b| b.is_ascii_lowercase());
    let sb = script.as_bytes();
    let script_ok = sb.len() == 4
        && sb[0].is_ascii_uppercase()
        && sb[1..].iter().all(|b| b.is_ascii_lowercase());
    (lang_ok && script_ok).then(|| (stem.to_string(), script.to_string()))
}

/// Splits a file's text into lines: on `\n`, dropping one `\r` before it (CRLF files), with no
/// empty last line for a file that ends in a newline. A leading byte-order mark is dropped.
/// Everything else is kept verbatim (leading spaces included).
pub fn split_lines(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    if text.is_empty() {
        return Vec::new();
    }
    let body = text.strip_suffix('\n').unwrap_or(text);
    body.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l).to_string())
        .collect()
}

impl ParallelCorpus {
    /// Reads every `<lang>_<Script>.txt` file of `dir` (other files are ignored), found by the
    /// [walker](crate::input::walk) (so `.gitignore`/`.ignore` rules apply). Every file is part
    /// of the parallel corpus: one that cannot be read is an error, not a skip.
    ///
    /// Errors: the directory cannot be read; no matching file; a file that is binary or not
    /// UTF-8 (named); files with different line counts (every file and its count named); no line
    /// that is non-blank in every file.
    pub fn load(dir: &Path) -> Result<Self> {
        let walk = WalkOptions {
            no_ignore: false,
            max_depth: Some(1),
        };
        let (found, _) = crate::input::walk::files(&[dir.display().to_string()], walk)?;
        let mut files = Vec::new();
        for f in found {
            let Some(name) = f.path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
                continue;
            };
            if parse_language_file(&name).is_none() {
                continue;
            }
            let bytes = std::fs::read(&f.path).map_err(|e| Error::io(&f.path, e))?;
            files.push((name, decode_text(&f.path, bytes, false)?));
        }
        Self::from_files(dir, files)
    }

    /// Builds a corpus from (file name, text) pairs, as [`Self::load`] does after reading.
    /// Names that are not `<lang>_<Script>.txt` are ignored.
    pub fn from_files(dir: &Path, files: Vec<(String, String)>) -> Result<Self> {
        let mut languages: Vec<LanguageText> = files
            .into_iter()
            .filter_map(|(file, text)| {
                let (code, script) = parse_language_file(&file)?;
                Some(LanguageText {
                    code,
                    script,
                    file,
                    lines: split_lines(&text),
                })
            })
            .collect();
        if languages.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "{}: no <lang>_<Script>.txt files (such as eng_Latn.txt) in this directory",
                dir.display()
            )));
        }
        languages.sort_by(|a, b| a.code.cmp(&b.code));
        check_aligned(dir, &languages)?;
        let n = languages[0].lines.len();
        let (kept, skipped): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| languages.iter().all(|l| !l.lines[i].trim().is_empty()));
        if kept.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "{}: no line is non-empty in every file ({n} lines per file)",
                dir.display()
            )));
        }
        Ok(ParallelCorpus {
            dir: dir.to_path_buf(),
            languages,
            kept,
            skipped,
        })
    }

    /// The language with this code, if present.
    pub fn language(&self, code: &str) -> Option<&LanguageText> {
        self.languages.iter().find(|l| l.code == code)
    }
}

/// Every file must have the same number of lines. The reference count is the most common one
/// (ties: the larger count); the error names every file that differs, with its count.
fn check_aligned(dir: &Path, languages: &[LanguageText]) -> Result<()> {
    let mut counts: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    for l in languages {
        counts.entry(l.lines.len()).or_default().push(&l.file);
    }
    if counts.len() == 1 {
        return Ok(());
    }
    let (reference, ref_files) = counts
        .iter()
        .max_by(|a, b| a.1.len().cmp(&b.1.len()).then(a.0.cmp(b.0)))
        .map(|(n, f)| (*n, f.clone()))
        .unwrap_or_default();
    let example = ref_files.first().copied().unwrap_or("");
    let others: Vec<String> = languages
        .iter()
        .filter(|l| l.lines.len() != reference)
        .map(|l| format!("{} has {}", l.file, l.lines.len()))
        .collect();
    Err(Error::InvalidArgument(format!(
        "{}: files are not line-aligned: {} of {} files have {reference} lines (e.g. {example}), \
         but {}; every <lang>_<Script>.txt file must have one line per sentence",
        dir.display(),
        ref_files.len(),
        languages.len(),
        others.join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_default_says_to_pass_dir() {
        let e = first_existing_dir(&[PathBuf::from("no/such/dir/anywhere")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("`corpora/multilingual` was not found"), "{e}");
        assert!(e.contains("pass DIR"), "{e}");
        let e = resolve_corpus_dir(Some(Path::new("no/such/dir")))
            .unwrap_err()
            .to_string();
        assert!(e.contains("no/such/dir: not a directory"), "{e}");
    }

    #[test]
    fn file_names() {
        assert_eq!(
            parse_language_file("fra_Latn.txt"),
            Some(("fra_Latn".into(), "Latn".into()))
        );
        assert_eq!(
            parse_language_file("zho_Hans.txt"),
            Some(("zho_Hans".into(), "Hans".into()))
        );
        assert_eq!(parse_language_file("README.md"), None);
        assert_eq!(parse_language_file("ids.tsv"), None);
        assert_eq!(parse_language_file("fra_latn.txt"), None);
        assert_eq!(parse_language_file("fra_Latn.txt.bak"), None);
        assert_eq!(parse_language_file("Fra_Latn.txt"), None);
    }

    #[test]
    fn lines() {
        assert_eq!(split_lines("a\nb\n"), vec!["a", "b"]);
        assert_eq!(split_lines("a\r\nb"), vec!["a", "b"]);
        assert_eq!(split_lines(" a\n\nb\n"), vec![" a", "", "b"]);
        assert_eq!(split_lines("\u{FEFF}a\n"), vec!["a"]);
        assert!(split_lines("").is_empty());
        assert_eq!(split_lines("\n"), vec![""]);
    }

    fn corpus(files: &[(&str, &str)]) -> Result<ParallelCorpus> {
        ParallelCorpus::from_files(
            Path::new("d"),
            files
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        )
    }

    #[test]
    fn blank_lines_are_skipped_for_every_language() {
        let c = corpus(&[
            ("eng_Latn.txt", "a\nb\nc\n"),
            ("fra_Latn.txt", "x\n  \nz\n"),
            ("notes.txt", "ignored"),
        ])
        .unwrap();
        assert_eq!(c.kept, vec![0, 2]);
        assert_eq!(c.skipped, vec![1]);
        assert_eq!(c.languages.len(), 2);
        assert_eq!(c.languages[0].code, "eng_Latn");
    }

    #[test]
    fn sorted_by_code() {
        let c = corpus(&[
            ("zho_Hans.txt", "a"),
            ("arb_Arab.txt", "b"),
            ("eng_Latn.txt", "c"),
        ])
        .unwrap();
        let codes: Vec<&str> = c.languages.iter().map(|l| l.code.as_str()).collect();
        assert_eq!(codes, vec!["arb_Arab", "eng_Latn", "zho_Hans"]);
    }

    #[test]
    fn misaligned_names_files_and_counts() {
        let e = corpus(&[
            ("eng_Latn.txt", "a\nb\nc\n"),
            ("fra_Latn.txt", "a\nb\nc\n"),
            ("deu_Latn.txt", "a\nb\n"),
        ])
        .unwrap_err()
        .to_string();
        assert!(e.contains("2 of 3 files have 3 lines"), "{e}");
        assert!(e.contains("deu_Latn.txt has 2"), "{e}");
    }

    #[test]
    fn no_files_and_no_lines() {
        let e = corpus(&[("README.md", "x")]).unwrap_err().to_string();
        assert!(e.contains("no <lang>_<Script>.txt files"), "{e}");
        let e = corpus(&[("eng_Latn.txt", "\n\n")]).unwrap_err().to_string();
        assert!(e.contains("no line is non-empty"), "{e}");
    }
}
