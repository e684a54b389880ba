//! (query, code) pairs from real source trees, the way CodeSearchNet (Husain et al. 2019,
//! arXiv:1909.09436) built its benchmark and `corpora/code-retrieval/README.md` describes:
//! the query is the cleaned first paragraph of a function's documentation, the code is the
//! function with its documentation removed (original whitespace kept), and `source` points back
//! to `path:line`.
//!
//! Every language is parsed with its tree-sitter grammar; the per-language modules only know
//! which syntax nodes are documented functions and how a doc comment is written. Query
//! cleaning and filters live in [`query`], the code filters, de-duplication and split
//! assignment in [`select`], the sorted file walk in [`walk`].
//!
//! ```
//! use tokstat::pairs::{self, Language};
//!
//! let src = "def area(r):\n    \"\"\"Return the area of a circle of radius r.\"\"\"\n    \
//!            pi = 3.14159\n    square = r * r\n    return pi * square\n";
//! let found = pairs::extract_source(Language::Python, src)?;
//! assert_eq!(found.len(), 1);
//! assert_eq!(found[0].query, "Return the area of a circle of radius r.");
//! assert!(found[0].code.starts_with("def area(r):\n    pi = 3.14159"));
//! # Ok::<(), tokstat::Error>(())
//! ```

mod cstyle;
mod go;
mod java;
mod javascript;
mod php;
mod python;
pub mod query;
mod ruby;
pub mod select;
mod syntax;
pub mod walk;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::render::{Cell, Render, Table};
use crate::{Error, Result};

pub use select::{CodeFilter, Split};

/// Files larger than this are skipped (no real source file of a function library is this big;
/// the cap bounds memory and parse time).
pub const MAX_FILE_BYTES: u64 = 4 << 20;

/// A programming language `tokstat pairs` can extract from.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    clap::ValueEnum,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Python (`.py`): docstrings.
    Python,
    /// Go (`.go`): `//` comments above top-level funcs and methods.
    Go,
    /// Java (`.java`): Javadoc `/** */` above methods.
    Java,
    /// JavaScript (`.js`, `.mjs`, `.cjs`): JSDoc `/** */` above functions and methods.
    Javascript,
    /// PHP (`.php`): PHPDoc `/** */` above functions and methods.
    Php,
    /// Ruby (`.rb`): `#` comments above `def`.
    Ruby,
}

impl Language {
    /// The lowercase name used in records and file names.
    pub fn name(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::Go => "go",
            Language::Java => "java",
            Language::Javascript => "javascript",
            Language::Php => "php",
            Language::Ruby => "ruby",
        }
    }

    /// The name as people write it, for messages.
    pub fn display_name(self) -> &'static str {
        match self {
            Language::Python => "Python",
            Language::Go => "Go",
            Language::Java => "Java",
            Language::Javascript => "JavaScript",
            Language::Php => "PHP",
            Language::Ruby => "Ruby",
        }
    }

    /// File extensions (without the dot) that hold this language.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Language::Python => &["py"],
            Language::Go => &["go"],
            Language::Java => &["java"],
            Language::Javascript => &["js", "mjs", "cjs"],
            Language::Php => &["php"],
            Language::Ruby => &["rb"],
        }
    }
}

impl std::str::FromStr for Language {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let all = [
            Language::Python,
            Language::Go,
            Language::Java,
            Language::Javascript,
            Language::Php,
            Language::Ruby,
        ];
        let lower = s.trim().to_ascii_lowercase();
        all.into_iter()
            .find(|l| l.name() == lower || (lower == "js" && *l == Language::Javascript))
            .ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "unknown language `{s}`; known: python, go, java, javascript, php, ruby"
                ))
            })
    }
}

/// A documented function found in one file, before any filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// 1-based line of the declaration (`def`, `func`, the signature).
    pub line: usize,
    /// The function's name.
    pub name: String,
    /// The cleaned first paragraph of its documentation (may be empty).
    pub query: String,
    /// The function without its documentation, original whitespace kept.
    pub code: String,
    /// Whether the parser reported a syntax error inside the function.
    pub has_error: bool,
}

/// Extracts every documented function of one source text, with its cleaned query, before
/// the query and code filters. Functions the language's rules skip (tests, dunder methods,
/// constructors, bodiless declarations, ...) are not returned.
pub fn extract_source(language: Language, text: &str) -> Result<Vec<Found>> {
    Ok(extract_file(language, text)?.0)
}

/// Like [`extract_source`], plus the 1-based line of the file's first syntax error, if any.
pub fn extract_file(language: Language, text: &str) -> Result<(Vec<Found>, Option<usize>)> {
    let parsed = match language {
        Language::Python => python::extract(text)?,
        Language::Go => go::extract(text)?,
        Language::Java => java::extract(text)?,
        Language::Javascript => javascript::extract(text)?,
        Language::Php => php::extract(text)?,
        Language::Ruby => ruby::extract(text)?,
    };
    let found = parsed
        .candidates
        .into_iter()
        .map(|c| Found {
            line: c.line,
            query: query::clean(language, &query::first_paragraph(language, &c.doc)),
            name: c.name,
            code: c.code,
            has_error: c.has_error,
        })
        .collect();
    Ok((found, parsed.error_line))
}

/// One source tree (or file) to extract from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    /// Directory or file.
    pub path: PathBuf,
    /// Project label: used for the split assignment and, when given explicitly, as the
    /// `project:` prefix of `source`.
    pub project: String,
    /// Whether the label was given (`NAME=DIR`) rather than taken from the directory name.
    pub labelled: bool,
    /// SPDX license expression written into every record of this root.
    pub license: String,
}

impl Root {
    /// Parses `DIR` or `NAME=DIR` (a path that exists as written is always taken as a path).
    pub fn parse(spec: &str, license: &str) -> Result<Root> {
        let whole = PathBuf::from(spec);
        let (project, path, labelled) = match spec.split_once('=') {
            Some((name, dir)) if !whole.exists() && !name.is_empty() && !dir.is_empty() => {
                (name.to_string(), PathBuf::from(dir), true)
            }
            _ => (default_project(&whole), whole, false),
        };
        if !path.exists() {
            return Err(Error::InvalidArgument(format!(
                "{}: no such file or directory",
                path.display()
            )));
        }
        Ok(Root {
            path,
            project,
            labelled,
            license: license.to_string(),
        })
    }

    /// `source` of a record: `[project:]path:line`, `path` relative to the root with `/`.
    pub fn source(&self, rel: &str, line: usize) -> String {
        if self.labelled {
            format!("{}:{rel}:{line}", self.project)
        } else {
            format!("{rel}:{line}")
        }
    }
}

fn default_project(path: &Path) -> String {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    abs.components()
        .rev()
        .find_map(|c| match c {
            std::path::Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .unwrap_or_else(|| "project".into())
}

/// One output record, in the schema `tokstat retrieval --data` reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct PairRecord {
    /// `<language>-<split>-<5-digit number>`, numbered after sorting by source.
    pub id: String,
    /// Language name.
    pub language: String,
    /// Cleaned first paragraph of the documentation.
    pub query: String,
    /// The function without its documentation.
    pub code: String,
    /// `[project:]path:line`.
    pub source: String,
    /// SPDX license expression.
    pub license: String,
}

/// A file that was skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct SkippedFile {
    /// The file.
    pub path: PathBuf,
    /// Why (binary, not UTF-8, too large, unreadable).
    pub reason: String,
}

/// Everything `tokstat pairs` needs besides the roots.
#[derive(Debug, Clone)]
pub struct PairsOptions {
    /// Language of the files.
    pub language: Language,
    /// Assign each project to train/valid/test (needs two or more projects).
    pub split_by_project: bool,
    /// The split written into ids when not splitting by project.
    pub split: Split,
    /// Code strings (whitespace-insensitive) that must not be emitted, e.g. an evaluation split.
    pub exclude_code: std::collections::HashSet<String>,
    /// Code filters.
    pub code_filter: CodeFilter,
}

/// The result of a run: records per split and counts of what was dropped where.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PairsReport {
    /// Language.
    pub language: Language,
    /// Files parsed.
    pub files: usize,
    /// Files skipped with the reason.
    pub skipped_files: Vec<SkippedFile>,
    /// Files with syntax errors (read; the functions that contain an error are dropped).
    pub syntax_errors: Vec<SkippedFile>,
    /// Documented functions found before filters.
    pub candidates: usize,
    /// Records removed by each filter.
    pub dropped: select::DropCounts,
    /// Per project: split and number of pairs kept.
    pub projects: Vec<select::ProjectCount>,
    /// The records, per split, sorted by source and numbered.
    #[serde(skip)]
    pub records: Vec<(Split, Vec<PairRecord>)>,
}

/// Runs the extraction over every root: walk, parse, clean, filter, de-duplicate, split.
pub fn run(roots: &[Root], options: &PairsOptions) -> Result<PairsReport> {
    if options.split_by_project {
        check_projects(roots)?;
    }
    let mut scan = Scan::default();
    for (index, root) in roots.iter().enumerate() {
        let walked = walk::source_files(&root.path, options.language)?;
        scan.skipped_files.extend(walked.skipped);
        for file in walked.files {
            scan.file(index, root, &file, options.language)?;
        }
    }
    let candidates = scan.collected.len();
    let selection = scan.collected.finish(roots, options);
    Ok(PairsReport {
        language: options.language,
        files: scan.files,
        skipped_files: scan.skipped_files,
        syntax_errors: scan.syntax_errors,
        candidates,
        dropped: selection.dropped,
        projects: selection.projects,
        records: selection.records,
    })
}

/// `--split-by-project` needs two or more distinct project names.
fn check_projects(roots: &[Root]) -> Result<()> {
    let names: std::collections::BTreeSet<&str> =
        roots.iter().map(|r| r.project.as_str()).collect();
    if names.len() < 2 {
        return Err(Error::InvalidArgument(
            "--split-by-project needs two or more projects (roots with different names)".into(),
        ));
    }
    Ok(())
}

/// What the walk over the roots has gathered so far.
#[derive(Debug, Default)]
struct Scan {
    collected: select::Collected,
    files: usize,
    skipped_files: Vec<SkippedFile>,
    syntax_errors: Vec<SkippedFile>,
}

impl Scan {
    /// Reads, parses and collects one file; unreadable files are recorded, not fatal.
    fn file(
        &mut self,
        index: usize,
        root: &Root,
        file: &walk::SourceFile,
        language: Language,
    ) -> Result<()> {
        let text = match read_source(&file.path) {
            Ok(text) => text,
            Err(reason) => {
                self.skipped_files.push(SkippedFile {
                    path: file.path.clone(),
                    reason,
                });
                return Ok(());
            }
        };
        self.files += 1;
        let (found, error_line) = extract_file(language, &text)?;
        if let Some(line) = error_line {
            self.syntax_errors.push(SkippedFile {
                path: file.path.clone(),
                reason: format!(
                    "not valid {} (syntax error at line {line}); documented functions containing errors are skipped",
                    language.display_name()
                ),
            });
        }
        self.collected.add(index, root, &file.rel, found);
        Ok(())
    }
}

/// Reads a source file as UTF-8 text; `Err` holds the reason it is skipped.
fn read_source(path: &Path) -> std::result::Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "larger than {} MiB ({} bytes)",
            MAX_FILE_BYTES >> 20,
            meta.len()
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        return Err(format!("binary file (NUL byte at offset {offset})"));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

/// Reads the `code` strings of a JSONL (or `.jsonl.gz`) file of records, as the
/// whitespace-insensitive keys [`select::code_key`] gives.
pub fn read_code_keys(path: &Path) -> Result<Vec<String>> {
    let text = crate::retrieval::data::read_text(path)?;
    let mut keys = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| Error::Data {
            path: path.to_path_buf(),
            line: i + 1,
            message: e.to_string(),
        })?;
        let code = v
            .get("code")
            .and_then(|c| c.as_str())
            .ok_or_else(|| Error::Data {
                path: path.to_path_buf(),
                line: i + 1,
                message: "no string field `code`".into(),
            })?;
        keys.push(select::code_key(code));
    }
    Ok(keys)
}

/// Writes JSON lines to `path` atomically: a temporary file in the same directory, then a
/// rename. A path ending in `.gz` is gzip-compressed.
pub fn write_jsonl(path: &Path, records: &[PairRecord]) -> Result<()> {
    let mut text = String::new();
    for r in records {
        text.push_str(&serde_json::to_string(r)?);
        text.push('\n');
    }
    let bytes = if path.extension().is_some_and(|e| e == "gz") {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(text.as_bytes())
            .and_then(|_| gz.finish())
            .map_err(|e| Error::io(path, e))?
    } else {
        text.into_bytes()
    };
    write_atomic(path, &bytes)
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "pairs".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, e)
    })
}

impl Render for PairsReport {
    fn tables(&self) -> Vec<Table> {
        let r = self;
        let mut projects = Table::new(
            format!("{} pairs per project", r.language.display_name()),
            ["project", "split", "pairs"],
        );
        for p in &r.projects {
            projects.row(vec![
                Cell::text(&p.project),
                Cell::text(p.split.name()),
                Cell::count(p.pairs),
            ]);
        }
        let kept: usize = r.projects.iter().map(|p| p.pairs).sum();
        projects.note(format!(
            "{} files read, {} skipped, {} with syntax errors; {} documented functions, {kept} pairs kept",
            r.files,
            r.skipped_files.len(),
            r.syntax_errors.len(),
            r.candidates
        ));
        let d = &r.dropped;
        let mut dropped = Table::new("Dropped by filter", ["filter", "records"]);
        for (name, n) in [
            ("query length (< 3 or > 256 tokens)", d.query_length),
            ("query with URL or image", d.query_url),
            (
                "query boilerplate (TODO, See, Deprecated, ...)",
                d.query_boilerplate,
            ),
            (
                "query not English (> 10 % non-ASCII letters)",
                d.query_non_english,
            ),
            ("query mostly symbols", d.query_symbols),
            ("syntax error", d.syntax_error),
            ("code < 3 non-blank lines", d.code_too_short),
            ("code too long", d.code_too_long),
            ("code in an --exclude file", d.excluded),
            ("duplicate code (whitespace-insensitive)", d.duplicate_code),
        ] {
            dropped.row(vec![Cell::text(name), Cell::count(n)]);
        }
        vec![projects, dropped]
    }
}
