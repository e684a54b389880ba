//! `tokstat report`: the published ModernBERT / jina-XLM-RoBERTa / RoBERTa comparison, claim by
//! claim, checked with measurements that anyone can regenerate with one command.
//!
//! [`generate`] computes every file of the report in memory (Markdown, JSON data, SVG charts);
//! [`write()`] puts them under the output directory. Everything but the retrieval run is a pure
//! function of the bundled code and data, so regenerating the report gives the committed files
//! byte for byte; the retrieval run is either trained anew or read back from a saved JSON.

mod budget;
mod claims;
mod code;
mod multilingual;
mod retrieval;
mod tiling;
mod tokens;
mod vocabulary;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use claims::{Claim, Verdict};

use crate::{Error, Result};

/// What `tokstat report` does.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// The directory that holds `corpora/` (the repository root).
    pub root: PathBuf,
    /// Train a CI-sized retrieval run instead of the full default one.
    pub quick: bool,
    /// Reuse a saved retrieval run (the JSON of `tokstat retrieval --format json`).
    pub retrieval_results: Option<PathBuf>,
    /// Training runs per tokenizer of the retrieval experiment (`tokstat retrieval --seeds`).
    pub seeds: usize,
    /// Reuse a saved weight-tiling run (the JSON of `tokstat tiling --format json`).
    pub tiling_results: Option<PathBuf>,
}

/// One generated file, with its path relative to the report directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFile {
    /// Relative path, e.g. `budget.md` or `data/budget.json`.
    pub path: PathBuf,
    /// The file's contents.
    pub contents: String,
}

impl ReportFile {
    fn new(path: impl Into<PathBuf>, contents: String) -> Self {
        ReportFile {
            path: path.into(),
            contents,
        }
    }
}

/// A section of the report: its files and the claims it decides.
#[derive(Debug, Default)]
pub(crate) struct Section {
    pub files: Vec<ReportFile>,
    pub claims: Vec<Claim>,
}

/// Serialises data for `data/*.json` (pretty, with a final newline).
pub(crate) fn json<T: Serialize>(v: &T) -> Result<String> {
    Ok(serde_json::to_string_pretty(v)? + "\n")
}

/// Computes every file of the report.
pub fn generate(opts: &ReportOptions) -> Result<Vec<ReportFile>> {
    for dir in [
        "corpora/code",
        "corpora/multilingual",
        "corpora/code-retrieval",
    ] {
        if !opts.root.join(dir).is_dir() {
            return Err(Error::InvalidArgument(format!(
                "`{}` has no {dir}/: run `tokstat report` from the repository root or pass \
                 --root DIR",
                opts.root.display()
            )));
        }
    }
    let sections = vec![
        budget::budget()?,
        code::code(&opts.root)?,
        multilingual::multilingual(&opts.root)?,
        vocabulary::vocabulary(&opts.root)?,
        retrieval::retrieval(opts)?,
        tiling::tiling(opts)?,
    ];
    let claims: Vec<Claim> = sections.iter().flat_map(|s| s.claims.clone()).collect();
    let index = claims::index(&claims) + &tokens::index_line();
    let mut files = vec![ReportFile::new("README.md", index)];
    files.extend(sections.into_iter().flat_map(|s| s.files));
    files.push(tokens::page(&opts.root)?);
    Ok(files)
}

/// Replaces the tree `out` by these files (plus the files of the old tree the report does not
/// write), built aside and swapped in whole (see [`crate::output::replace_dir_atomic`]), so that
/// a failure or an interrupt leaves the previous report as it was.
pub fn write(files: &[ReportFile], out: &Path) -> Result<()> {
    let files: Vec<(std::path::PathBuf, &[u8])> = files
        .iter()
        .map(|f| (f.path.clone(), f.contents.as_ref()))
        .collect();
    crate::output::replace_dir_atomic(out, &files)
}

/// `rel` under `root`, written without a leading `./` when `root` is the current directory (so
/// that paths in the report do not depend on how the root was named).
pub(crate) fn under(root: &Path, rel: &str) -> String {
    if root == Path::new(".") || root.as_os_str().is_empty() {
        rel.to_string()
    } else {
        root.join(rel).display().to_string()
    }
}
