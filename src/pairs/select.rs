//! From candidates to records: query and code filters, whitespace-insensitive
//! de-duplication, the split of each project, sorting and numbering.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use super::query::{self, QueryRejection};
use super::{Found, PairRecord, PairsOptions, Root};

/// A split of a retrieval data set.
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
pub enum Split {
    /// Training pairs.
    Train,
    /// Validation pairs.
    Valid,
    /// Test pairs.
    Test,
}

impl Split {
    /// `train`, `valid` or `test`.
    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Valid => "valid",
            Split::Test => "test",
        }
    }

    /// Share of the pairs that `--split-by-project` aims to give each split.
    fn target_share(self) -> f64 {
        match self {
            Split::Train => 0.8,
            Split::Valid | Split::Test => 0.1,
        }
    }

    /// Priority when de-duplicating: the copy in the higher-priority split is kept.
    fn priority(self) -> u8 {
        match self {
            Split::Test => 0,
            Split::Valid => 1,
            Split::Train => 2,
        }
    }
}

/// Code size limits: fewer than `min_lines` non-blank lines is the CodeSearchNet rule; the
/// maxima are a size cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeFilter {
    /// Minimum non-blank lines.
    pub min_lines: usize,
    /// Maximum lines.
    pub max_lines: usize,
    /// Maximum characters (Unicode scalar values).
    pub max_chars: usize,
}

impl Default for CodeFilter {
    fn default() -> Self {
        CodeFilter {
            min_lines: 3,
            max_lines: 120,
            max_chars: 5000,
        }
    }
}

/// Records removed by each filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct DropCounts {
    /// Query shorter than 3 or longer than 256 tokens (including empty first paragraphs).
    pub query_length: usize,
    /// Query with a URL or an image.
    pub query_url: usize,
    /// Query that is boilerplate (TODO, Deprecated, See, inheritDoc, ...).
    pub query_boilerplate: usize,
    /// Query with more than 10 % non-ASCII letters.
    pub query_non_english: usize,
    /// Query made mostly of symbols.
    pub query_symbols: usize,
    /// Code with fewer than 3 non-blank lines.
    pub code_too_short: usize,
    /// Code over the line or character cap.
    pub code_too_long: usize,
    /// Function with a syntax error.
    pub syntax_error: usize,
    /// Code that occurs in an excluded file (`--exclude`), whitespace-insensitive.
    pub excluded: usize,
    /// Code that repeats another kept record's code, whitespace-insensitive.
    pub duplicate_code: usize,
}

/// Pairs kept for one project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ProjectCount {
    /// Project label.
    pub project: String,
    /// Its split.
    pub split: Split,
    /// Pairs kept.
    pub pairs: usize,
}

/// The code with all whitespace removed: the key of whitespace-insensitive de-duplication.
pub fn code_key(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace()).collect()
}

/// One candidate that passed the per-record filters.
#[derive(Debug, Clone)]
struct Kept {
    root: usize,
    rel: String,
    line: usize,
    query: String,
    code: String,
}

/// Candidates gathered over all files, with the per-record filters already applied.
#[derive(Debug, Default)]
pub(crate) struct Collected {
    kept: Vec<Kept>,
    seen: usize,
    dropped: DropCounts,
}

impl Collected {
    /// Candidates seen so far.
    pub(crate) fn len(&self) -> usize {
        self.seen
    }

    /// Filters and keeps the functions found in one file of root `root`.
    pub(crate) fn add(&mut self, root: usize, _info: &Root, rel: &str, found: Vec<Found>) {
        for f in found {
            self.seen += 1;
            if let Some(r) = query::rejection(&f.query) {
                self.count_query(r);
                continue;
            }
            if f.has_error {
                self.dropped.syntax_error += 1;
                continue;
            }
            self.kept.push(Kept {
                root,
                rel: rel.to_string(),
                line: f.line,
                query: f.query,
                code: f.code,
            });
        }
    }

    fn count_query(&mut self, r: QueryRejection) {
        let d = &mut self.dropped;
        match r {
            QueryRejection::Length => d.query_length += 1,
            QueryRejection::Url => d.query_url += 1,
            QueryRejection::Boilerplate => d.query_boilerplate += 1,
            QueryRejection::NonEnglish => d.query_non_english += 1,
            QueryRejection::Symbols => d.query_symbols += 1,
        }
    }

    /// Applies the code filters, assigns splits, de-duplicates and numbers the records.
    pub(crate) fn finish(mut self, roots: &[Root], options: &PairsOptions) -> Selection {
        let mut sized = self.size_filtered(options.code_filter);
        let splits = assign_splits(roots, &sized, options);
        let order = |k: &Kept| {
            let project = &roots[k.root].project;
            (
                splits[project].priority(),
                project.clone(),
                k.rel.clone(),
                k.line,
            )
        };
        sized.sort_by_cached_key(order);
        let mut seen: HashSet<String> = HashSet::new();
        let mut per_split: BTreeMap<Split, Vec<Numbered>> = BTreeMap::new();
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for k in sized {
            let key = code_key(&k.code);
            if options.exclude_code.contains(&key) {
                self.dropped.excluded += 1;
            } else if !seen.insert(key) {
                self.dropped.duplicate_code += 1;
            } else {
                let root = &roots[k.root];
                *counts.entry(root.project.clone()).or_default() += 1;
                let split = project_split_of(&splits, root);
                per_split
                    .entry(split)
                    .or_default()
                    .push(record(k, root, options));
            }
        }
        Selection {
            records: number(per_split, options.language.name()),
            dropped: self.dropped,
            projects: project_counts(&splits, &counts),
        }
    }

    /// The kept candidates within the code size limits; the others are counted as dropped.
    fn size_filtered(&mut self, filter: CodeFilter) -> Vec<Kept> {
        let mut sized = Vec::new();
        for k in std::mem::take(&mut self.kept) {
            let non_blank = k.code.lines().filter(|l| !l.trim().is_empty()).count();
            if non_blank < filter.min_lines {
                self.dropped.code_too_short += 1;
            } else if k.code.lines().count() > filter.max_lines
                || k.code.chars().count() > filter.max_chars
            {
                self.dropped.code_too_long += 1;
            } else {
                sized.push(k);
            }
        }
        sized
    }
}

/// The outcome of [`Collected::finish`].
#[derive(Debug, Clone)]
pub(crate) struct Selection {
    /// Records per split, sorted and numbered.
    pub records: Vec<(Split, Vec<PairRecord>)>,
    /// Records removed by each filter.
    pub dropped: DropCounts,
    /// Pairs kept per project.
    pub projects: Vec<ProjectCount>,
}

/// A record with its sort key (project, path, line), before numbering.
type Numbered = (String, String, usize, PairRecord);

fn record(k: Kept, root: &Root, options: &PairsOptions) -> Numbered {
    let record = PairRecord {
        id: String::new(),
        language: options.language.name().to_string(),
        source: root.source(&k.rel, k.line),
        license: root.license.clone(),
        query: k.query,
        code: k.code,
    };
    (root.project.clone(), k.rel, k.line, record)
}

fn project_counts(
    splits: &BTreeMap<String, Split>,
    counts: &BTreeMap<String, usize>,
) -> Vec<ProjectCount> {
    let mut projects: Vec<ProjectCount> = splits
        .iter()
        .map(|(p, s)| ProjectCount {
            project: p.clone(),
            split: *s,
            pairs: counts.get(p).copied().unwrap_or(0),
        })
        .collect();
    projects.sort_by(|a, b| (a.split, &a.project).cmp(&(b.split, &b.project)));
    projects
}

fn project_split_of(splits: &BTreeMap<String, Split>, root: &Root) -> Split {
    splits.get(&root.project).copied().unwrap_or(Split::Train)
}

/// Sorts each split by (project, path, line) and numbers it `<language>-<split>-00001`, ...
fn number(
    per_split: BTreeMap<Split, Vec<Numbered>>,
    language: &str,
) -> Vec<(Split, Vec<PairRecord>)> {
    per_split
        .into_iter()
        .map(|(split, mut v)| {
            v.sort_by(|a, b| (&a.0, &a.1, a.2).cmp(&(&b.0, &b.1, b.2)));
            let records = v
                .into_iter()
                .enumerate()
                .map(|(i, (_, _, _, mut r))| {
                    r.id = format!("{language}-{}-{:05}", split.name(), i + 1);
                    r
                })
                .collect();
            (split, records)
        })
        .collect()
}

/// The split of every project. Without `--split-by-project`, all go to `options.split`.
/// With it, projects are taken largest first (by candidate count, then name) and each goes to
/// the split furthest below its target share (train 80 %, valid 10 %, test 10 %), so the
/// largest project trains and every split gets a project when there are three or more.
fn assign_splits(
    roots: &[Root],
    sized: &[Kept],
    options: &PairsOptions,
) -> BTreeMap<String, Split> {
    let mut sizes: BTreeMap<String, usize> = roots.iter().map(|r| (r.project.clone(), 0)).collect();
    for k in sized {
        *sizes.entry(roots[k.root].project.clone()).or_default() += 1;
    }
    if !options.split_by_project {
        return sizes.into_keys().map(|p| (p, options.split)).collect();
    }
    let total: usize = sizes.values().sum::<usize>().max(1);
    let mut order: Vec<(String, usize)> = sizes.into_iter().collect();
    order.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut filled: BTreeMap<Split, usize> = BTreeMap::new();
    let mut out = BTreeMap::new();
    for (i, (project, n)) in order.into_iter().enumerate() {
        let split = match i {
            0 => Split::Train,
            1 => Split::Test,
            2 => Split::Valid,
            _ => [Split::Train, Split::Valid, Split::Test]
                .into_iter()
                .max_by(|a, b| {
                    let deficit = |s: &Split| {
                        s.target_share() * total as f64 - filled.get(s).copied().unwrap_or(0) as f64
                    };
                    deficit(a).total_cmp(&deficit(b))
                })
                .unwrap_or(Split::Train),
        };
        *filled.entry(split).or_default() += n;
        out.insert(project, split);
    }
    out
}
