//! `tokstat compare`: how several tokenizers treat the same text, side by side.
//!
//! [`compare`] reads files, directories or standard input, encodes every text with every
//! tokenizer and measures, per tokenizer: compression and fertility ([`crate::analysis::text`]),
//! the round trip ([`crate::analysis::roundtrip`]), whitespace ([`crate::analysis::whitespace`]),
//! identifiers in code ([`crate::analysis::identifiers`]) and, for non-code text, Unicode scripts
//! ([`crate::analysis::scripts`]). The result is one [`CompareReport`], rendered as JSON or as
//! tables (its [`Render`](crate::render::Render) implementation).
//!
//! ```
//! use tokstat::compare::{CompareOptions, compare};
//! use tokstat::render::Render;
//!
//! let report = compare(&CompareOptions {
//!     paths: vec!["corpora/code/yaml/log__github__workflows__main.yml".into()],
//!     tokenizers: vec!["modernbert".into(), "roberta".into()],
//!     ..Default::default()
//! })?;
//! let (olmo, gpt2) = (&report.tokenizers[0], &report.tokenizers[1]);
//! // OLMo's dedicated space-run tokens spend fewer tokens on YAML indentation than GPT-2's
//! // one token per space.
//! assert!(olmo.whitespace.whitespace_tokens < gpt2.whitespace.whitespace_tokens);
//! assert!(!report.tables().is_empty());
//! # Ok::<(), tokstat::Error>(())
//! ```
//!
//! **Inputs.** Paths are expanded by the one [walker](crate::input::walk) (ignore rules, hidden
//! files, symbolic links, sorted order). A file found in a directory that cannot be read as
//! text is skipped with a [`SkipReason`] and the run goes on; a named file or standard input is
//! an error; [`CompareOptions::strict`] turns every skip into an error.
//!
//! **Large inputs.** Files are processed in parallel (rayon) in batches of 1,024, each batch's
//! results folded into running totals in input order, so the output is deterministic. A thread
//! takes consecutive small files as one group of up to 256 KiB and runs each tokenizer over the
//! whole group before the next (`group.rs`), so that the tokenizers' tables stay in the caches;
//! each file counts what it counts alone. A file is read in chunks of [`CompareOptions::chunk_bytes`] (default [`DEFAULT_CHUNK_BYTES`], 256 KiB);
//! files smaller than a chunk are encoded whole. Each chunk is encoded on its own and the counts
//! are added. The cut ([`input::cut_point`]) is after a newline that sits between two printable
//! ASCII characters (`x⏎d`) and, for code, outside comments and strings. There the byte-level
//! BPE pre-tokenisers (GPT-2/RoBERTa, OLMo/ModernBERT, tiktoken) split the same way as in the
//! whole file, UAX #29 breaks, and no whitespace run or identifier crosses the cut, so tokens,
//! words, identifiers, scripts and whitespace counts equal those of the whole file (tested with
//! 16 KiB chunks in `tests/compare.rs`). Known effects: XLM-R's `▁word` token at the start of a
//! chunk does not overlap the newline before it, so a few newline runs (at most one per cut)
//! lose a shared token; a chunk without any clean cut (one giant line, CRLF line ends, or a
//! string/comment longer than the chunk) is cut after its last newline, or at a character
//! boundary, and there the counts can differ by a token or two.
//!
//! **Memory.** Nothing is kept per file: the walker is lazy, each input's counts are folded
//! into per-language totals, and per-file rows go to the `on_file` callback of
//! [`compare_streaming`] (`--per-file`). Every total is bounded: whitespace cells by class ×
//! length (runs over 256 share one cell, [`whitespace::LONG_RUN`]), the most fragmented
//! identifiers as a top-10 merged exactly, scripts by the Unicode script list, round-trip reasons
//! by their fixed set, skipped files by [`crate::input::skip::MAX_SKIPPED_LISTED`] (counts stay
//! exact). There is one level of parallelism — the groups of a batch, or the tokenizers of a
//! batch of one group — so one chunk per thread is being encoded at a time. Peak memory is the
//! tokenizers plus, per thread, one chunk and its encoding (about 100 bytes per input byte for
//! the HF tokenizers, whose normalised strings keep an alignment per byte) and the scans of the
//! group's text waiting for the tokenizers (at most 256 KiB of text, or one chunk), plus the
//! results of one batch's files; it does not grow with the number or total size of the files
//! (measured in `docs/compare.md`, `benches/memory.sh`).

mod group;
pub mod input;
pub mod partial;
mod report;
mod run;
pub mod show;
mod tables;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::analysis::identifiers::{self, IdentCounts, IdentifierCounts, Lang};
use crate::analysis::ratio;
use crate::analysis::roundtrip::RoundtripCounts;
use crate::analysis::whitespace::{self, WsClass, WsClassRow};
use crate::input::WalkOptions;
use crate::tokenizer::{self, Tokenizer};
use crate::{Error, Result};

pub use input::InputFile;
use partial::Acc;
pub use partial::ComparePartial;
pub use report::{
    CompareReport, FileRow, FileTokens, IdentifierReport, InputTotals, LanguageFiles,
    LanguageSummary, ReasonCount, RoundtripReport, ScriptReport, ScriptRow, StyleRow,
    TokenizerReport, WhitespaceReport,
};
pub use run::{PlannedInput, add_planned, add_texts, compare_streaming, plan};
pub use show::{ColorChoice, ShowBlock, ShownToken, TokenKind, render_show};

/// Default chunk size for reading large files: 256 KiB (see the module docs on memory).
pub const DEFAULT_CHUNK_BYTES: usize = 256 << 10;

/// Inputs processed in parallel before their results are folded into the totals.
const BATCH_FILES: usize = 1024;

/// Bytes of text a group of small inputs holds at most while its tokenizers run over it, one
/// after another (`group.rs`).
const GROUP_BYTES: usize = 256 << 10;

/// Groups per thread a batch is cut into at least, when its inputs are small enough.
const GROUPS_PER_THREAD: usize = 4;

/// Bytes of each input shown by `--show`.
pub const SHOW_BYTES: usize = 16 << 10;

/// Bytes of text shown by an `--html` page, over all its inputs (see [`crate::html`]).
pub const HTML_BYTES: usize = 64 << 10;

/// How much text the token views (`--show`, `--html`) keep: the first `per_input` bytes of each
/// input, for the first inputs in input order until `total` bytes are kept. Inputs are given
/// their share before they are read (from their size on disk), so memory stays bounded whatever
/// the number of files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShowLimits {
    /// Bytes of one input.
    pub per_input: usize,
    /// Bytes of all inputs.
    pub total: usize,
}

impl ShowLimits {
    /// `--show`: 16 KiB of each input, 256 KiB in all.
    pub const TERMINAL: ShowLimits = ShowLimits {
        per_input: SHOW_BYTES,
        total: 256 << 10,
    };
    /// `--html`: [`HTML_BYTES`] in all.
    pub const HTML: ShowLimits = ShowLimits {
        per_input: HTML_BYTES,
        total: HTML_BYTES,
    };
}

/// Largest N of the "N spaces of indentation" tables.
pub const MAX_INDENT: usize = 16;

/// What to compare.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// Files, directories, or `-` for standard input.
    pub paths: Vec<String>,
    /// Tokenizer names or paths (see [`tokenizer::load`]); empty means [`tokenizer::DEFAULT_TRIO`].
    pub tokenizers: Vec<String>,
    /// Language of every input, overriding file extensions.
    pub lang: Option<Lang>,
    /// Treat every input as non-code text (`--lang text`): no identifiers, scripts counted.
    pub text_only: bool,
    /// Replace invalid UTF-8 by U+FFFD instead of failing.
    pub lossy: bool,
    /// Chunk size for reading files (see the module docs).
    pub chunk_bytes: usize,
    /// Keep the token-coloured text of each input for `--show` or `--html`.
    pub show: bool,
    /// How much text to keep when `show` is set.
    pub show_limits: ShowLimits,
    /// Draw a progress bar (files, bytes, files/s, MB/s) on stderr; the CLI sets this when
    /// stderr is a terminal.
    pub progress: bool,
    /// How directories are walked (`--no-ignore`).
    pub walk: WalkOptions,
    /// Stop at the first file that would be skipped (`--strict`).
    pub strict: bool,
    /// Checked between chunks: when set (Ctrl-C), the run stops with [`Error::Interrupted`].
    pub cancel: Option<Arc<std::sync::atomic::AtomicBool>>,
}

impl Default for CompareOptions {
    fn default() -> Self {
        Self {
            paths: Vec::new(),
            tokenizers: Vec::new(),
            lang: None,
            text_only: false,
            lossy: false,
            chunk_bytes: DEFAULT_CHUNK_BYTES,
            show: false,
            show_limits: ShowLimits::TERMINAL,
            progress: false,
            walk: WalkOptions::default(),
            strict: false,
            cancel: None,
        }
    }
}

pub(super) fn check_cancel(opts: &CompareOptions) -> Result<()> {
    match &opts.cancel {
        Some(c) if c.load(std::sync::atomic::Ordering::Relaxed) => Err(Error::Interrupted),
        _ => Ok(()),
    }
}

/// Reads `--lang`: a language name (see [`LANGS`](identifiers::LANGS)) or `text` (every input
/// is non-code text); `None` guesses from file names. Returns the language and whether `text`
/// was given.
pub fn parse_lang_option(lang: Option<&str>) -> Result<(Option<Lang>, bool)> {
    match lang {
        None => Ok((None, false)),
        Some("text") => Ok((None, true)),
        Some(l) => match Lang::parse(l) {
            Some(lang) => Ok((Some(lang), false)),
            None => {
                let known: Vec<&str> = identifiers::LANGS.iter().map(|l| l.name()).collect();
                Err(Error::InvalidArgument(format!(
                    "unknown language `{l}`; known: {}, text",
                    known.join(", ")
                )))
            }
        },
    }
}

/// Runs the comparison: loads the tokenizers named in `opts` and calls [`compare_with`].
pub fn compare(opts: &CompareOptions) -> Result<CompareReport> {
    let toks = load_tokenizers(opts)?;
    compare_with(opts, &toks)
}

/// Loads the tokenizers named in `opts` ([`tokenizer::DEFAULT_TRIO`] when none).
pub fn load_tokenizers(opts: &CompareOptions) -> Result<Vec<Arc<dyn Tokenizer>>> {
    let names: Vec<String> = if opts.tokenizers.is_empty() {
        tokenizer::DEFAULT_TRIO
            .iter()
            .map(|s| s.to_string())
            .collect()
    } else {
        opts.tokenizers.clone()
    };
    tokenizer::load_many(&names)
}

/// The tokenizers of `reports/code-tokenization.md`.
pub const CODE_REPORT_TOKENIZERS: &[&str] = &[
    "modernbert",
    "xlm-roberta",
    "roberta",
    "cl100k_base",
    "o200k_base",
];

/// Runs the comparison with tokenizers already loaded (`opts.tokenizers` is ignored).
pub fn compare_with(opts: &CompareOptions, toks: &[Arc<dyn Tokenizer>]) -> Result<CompareReport> {
    compare_streaming(opts, toks, &mut |_| Ok(()))
}

fn ident_report(c: &IdentifierCounts) -> IdentifierReport {
    let t = &c.total;
    IdentifierReport {
        occurrences: t.occurrences,
        tokens: t.tokens,
        tokens_per_identifier: t.tokens_per_identifier(),
        whole_share: t.whole_share(),
        boundary_precision: t.boundary_precision(),
        boundary_recall: t.boundary_recall(),
        styles: c
            .styles
            .iter()
            .map(|(s, v): (_, &IdentCounts)| StyleRow {
                style: s.name().to_string(),
                occurrences: v.occurrences,
                tokens_per_identifier: v.tokens_per_identifier(),
                whole_share: v.whole_share(),
                boundary_precision: v.boundary_precision(),
                boundary_recall: v.boundary_recall(),
            })
            .collect(),
        most_fragmented: c.fragmented.clone(),
    }
}

fn indent_summary(rows: &[WsClassRow]) -> (u64, f64, bool) {
    let (mut runs, mut tokens, mut dist) = (0u64, 0u64, true);
    for r in rows.iter().filter(|r| {
        matches!(
            r.class,
            WsClass::IndentSpaces | WsClass::IndentTabs | WsClass::IndentMixed
        )
    }) {
        runs += r.occurrences;
        tokens += r.tokens;
        dist &= r.distinguishable;
    }
    (runs, ratio(tokens as f64, runs as f64), dist)
}

pub(super) fn tokenizer_report(
    tok: &dyn Tokenizer,
    langs: &BTreeMap<Option<Lang>, Acc>,
) -> Result<TokenizerReport> {
    let mut all = Acc::default();
    let mut by_language = Vec::new();
    // The languages' whitespace rows and the overall ones share their probes.
    let mut images = whitespace::ProbeImages::default();
    for (lang, acc) in langs {
        all.merge(acc);
        by_language.push(language_summary(tok, *lang, acc, &mut images)?);
    }
    let s = &all.stats;
    Ok(TokenizerReport {
        name: tok.name().to_string(),
        path: tok.path().map(|p| p.display().to_string()),
        tokens: s.tokens,
        bytes: s.bytes,
        chars: s.chars,
        words: s.words,
        bytes_per_token: s.bytes_per_token(),
        chars_per_token: s.chars_per_token(),
        fertility: s.fertility(),
        continued_word_share: s.continued_word_share(),
        unk_tokens: s.unk_tokens,
        unk_rate: s.unk_rate(),
        byte_fallback_tokens: s.byte_fallback_tokens,
        roundtrip_exact: all.roundtrip.exact(),
        roundtrip: roundtrip_report(&all.roundtrip),
        whitespace: WhitespaceReport {
            whitespace_tokens: all.ws.whitespace_tokens,
            share: ratio(all.ws.whitespace_tokens as f64, all.ws.tokens as f64),
            classes: whitespace::class_rows(&all.ws, tok, &mut images)?,
            indent: whitespace::indent_rows(&all.ws, MAX_INDENT),
            indent_probe: whitespace::indent_probe(tok, MAX_INDENT)?,
        },
        identifiers: ident_report(&all.idents),
        scripts: script_report(&all),
        by_language,
    })
}

/// One language's row of a tokenizer's report.
fn language_summary(
    tok: &dyn Tokenizer,
    lang: Option<Lang>,
    acc: &Acc,
    images: &mut whitespace::ProbeImages,
) -> Result<LanguageSummary> {
    let rows = whitespace::class_rows(&acc.ws, tok, images)?;
    let (indent_runs, indent_tokens_per_run, indent_distinguishable) = indent_summary(&rows);
    let it = &acc.idents.total;
    Ok(LanguageSummary {
        language: lang.map_or("text", Lang::name).to_string(),
        files: acc.files,
        bytes: acc.stats.bytes,
        tokens: acc.stats.tokens,
        bytes_per_token: acc.stats.bytes_per_token(),
        whitespace_share: ratio(acc.ws.whitespace_tokens as f64, acc.ws.tokens as f64),
        indent_runs,
        indent_tokens_per_run,
        indent_distinguishable,
        identifiers: it.occurrences,
        tokens_per_identifier: it.tokens_per_identifier(),
        identifier_whole_share: it.whole_share(),
        boundary_precision: it.boundary_precision(),
        boundary_recall: it.boundary_recall(),
    })
}

/// Scripts by characters (most first, then by name).
fn script_report(all: &Acc) -> ScriptReport {
    let mut scripts: Vec<ScriptRow> = all
        .scripts
        .iter()
        .map(|(k, v)| ScriptRow {
            script: k.clone(),
            chars: v.chars,
            tokens: v.tokens,
            chars_per_token: ratio(v.chars as f64, v.tokens as f64),
        })
        .collect();
    scripts.sort_by(|a, b| b.chars.cmp(&a.chars).then_with(|| a.script.cmp(&b.script)));
    ScriptReport { scripts }
}

fn roundtrip_report(rt: &RoundtripCounts) -> RoundtripReport {
    RoundtripReport {
        texts: rt.texts,
        exact_texts: rt.exact_texts,
        differing_bytes: rt.differing_bytes,
        first_difference: rt.first_difference.clone(),
        reasons: rt
            .reasons
            .iter()
            .map(|(k, (c, b))| ReasonCount {
                reason: k.clone(),
                count: *c,
                bytes: *b,
            })
            .collect(),
    }
}
