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
//! **Large inputs.** Files are processed in parallel (rayon) in batches of 64, each batch's
//! results folded into running totals in input order, so the output is deterministic. A file is
//! read in chunks of [`CompareOptions::chunk_bytes`] (default [`DEFAULT_CHUNK_BYTES`], 256 KiB);
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
//! exact). There is one level of parallelism — the files of a batch, or the tokenizers of a
//! batch of one input — so at most one chunk per thread is being encoded. Peak memory is the
//! tokenizers plus, per thread, one chunk and its encoding (about 100 bytes per input byte for
//! the HF tokenizers, whose normalised strings keep an alignment per byte); it does not grow with
//! the number or total size of the files (measured in `docs/compare.md`, `benches/memory.sh`).

pub mod input;
pub mod partial;
mod run;
pub mod show;

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use crate::analysis::identifiers::{self, Fragmented, IdentCounts, IdentifierCounts, Lang};
use crate::analysis::roundtrip::{self, FirstDifference, RoundtripCounts};
use crate::analysis::scripts::{self, ScriptCounts};
use crate::analysis::whitespace::{
    self, IndentProbe, IndentRow, WhitespaceCounts, WsClass, WsClassRow,
};
use crate::analysis::{ratio, spans, text_stats};
use crate::input::{InputSource, SkipReason, Skipped, WalkOptions};
use crate::render::{Cell, Render, Table};
use crate::tokenizer::{self, Tokenizer};
use crate::{Error, Result};

pub use input::InputFile;
use partial::Acc;
pub use partial::ComparePartial;
pub use run::{PlannedInput, add_planned, add_texts, compare_streaming, plan};
pub use show::{ColorChoice, ShowBlock, ShownToken, TokenKind, render_show};

/// Default chunk size for reading large files: 256 KiB (see the module docs on memory).
pub const DEFAULT_CHUNK_BYTES: usize = 256 << 10;

/// Files processed in parallel before their results are folded into the totals.
const BATCH_FILES: usize = 64;

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

/// One input that was analysed: a line of the `--per-file` JSON-lines stream (never kept in
/// the report, so that memory does not grow with the number of files).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FileRow {
    /// Path as given or found (`-` for standard input).
    pub path: String,
    /// Language (`text` when not code).
    pub language: String,
    /// Bytes read.
    pub bytes: u64,
    /// Chunks it was encoded in (1 for files under the chunk size, 0 when empty).
    pub chunks: u64,
    /// Tokens per tokenizer, in the order asked.
    pub tokens: Vec<FileTokens>,
}

/// Tokens of one input for one tokenizer.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FileTokens {
    /// Canonical tokenizer name.
    pub tokenizer: String,
    /// Tokens, without post-processor special tokens.
    pub tokens: u64,
}

/// What was read, in total and per language.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct InputTotals {
    /// Inputs analysed.
    pub files: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Chunks encoded.
    pub chunks: u64,
    /// Per language (`text` for non-code inputs), by name.
    pub by_language: Vec<LanguageFiles>,
}

/// Inputs of one language.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct LanguageFiles {
    /// Language (`text` when not code).
    pub language: String,
    /// Inputs.
    pub files: u64,
    /// Bytes.
    pub bytes: u64,
    /// Chunks.
    pub chunks: u64,
}

/// The whole report: the JSON contract of `tokstat compare`.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CompareReport {
    /// What was read (per-file rows: `--per-file`).
    pub input_totals: InputTotals,
    /// Files left out, in walk order, with a reason code; at most
    /// [`crate::input::skip::MAX_SKIPPED_LISTED`] are listed.
    pub skipped: Vec<Skipped>,
    /// Files left out per reason code (exact, even beyond the listed ones).
    pub skipped_by_reason: BTreeMap<SkipReason, u64>,
    /// One entry per tokenizer, in the order asked.
    pub tokenizers: Vec<TokenizerReport>,
    /// Token-coloured text for `--show` (not part of the JSON).
    #[serde(skip)]
    pub show: Vec<ShowBlock>,
}

/// Everything measured for one tokenizer.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TokenizerReport {
    /// Tokenizer name (bundled name, or the directory or file name of a `tokenizer.json`).
    pub name: String,
    /// The `tokenizer.json` it was loaded from; absent for bundled tokenizers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Tokens, without post-processor special tokens.
    pub tokens: u64,
    /// UTF-8 bytes of the input.
    pub bytes: u64,
    /// Unicode scalar values of the input.
    pub chars: u64,
    /// UAX #29 words (see [`crate::analysis::text`]).
    pub words: u64,
    /// bytes / tokens.
    pub bytes_per_token: f64,
    /// chars / tokens.
    pub chars_per_token: f64,
    /// Tokens per word, counted from the offsets of the full encoding (Rust et al. 2021).
    pub fertility: f64,
    /// Share of words covered by ≥ 2 tokens (Rust et al. 2021).
    pub continued_word_share: f64,
    /// Unknown tokens.
    pub unk_tokens: u64,
    /// Unknown tokens / tokens.
    pub unk_rate: f64,
    /// SentencePiece byte-fallback tokens (`<0x0A>`).
    pub byte_fallback_tokens: u64,
    /// Whether decode(encode(x)) == x for every input.
    pub roundtrip_exact: bool,
    /// Round-trip details.
    pub roundtrip: RoundtripReport,
    /// Whitespace runs and their tokens.
    pub whitespace: WhitespaceReport,
    /// Identifiers in code inputs.
    pub identifiers: IdentifierReport,
    /// Per Unicode script, for non-code inputs.
    pub scripts: ScriptReport,
    /// The headline numbers per language (`text` for non-code inputs).
    pub by_language: Vec<LanguageSummary>,
}

/// Round-trip details (see [`crate::analysis::roundtrip`]).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RoundtripReport {
    /// Texts (file chunks) checked.
    pub texts: u64,
    /// Texts that came back byte for byte.
    pub exact_texts: u64,
    /// Bytes not reproduced.
    pub differing_bytes: u64,
    /// The first difference, in input order.
    pub first_difference: Option<FirstDifference>,
    /// Differences per reason.
    pub reasons: Vec<ReasonCount>,
}

/// Differences of one kind.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ReasonCount {
    /// Human reason.
    pub reason: String,
    /// Places.
    pub count: u64,
    /// Bytes.
    pub bytes: u64,
}

/// Whitespace section (see [`crate::analysis::whitespace`] for every definition).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct WhitespaceReport {
    /// Tokens made of whitespace only.
    pub whitespace_tokens: u64,
    /// whitespace_tokens / tokens.
    pub share: f64,
    /// Per class and run length.
    pub classes: Vec<WsClassRow>,
    /// N spaces of indentation → tokens, from the input (N = 1..16, lengths that occur).
    pub indent: Vec<IndentRow>,
    /// N spaces of indentation → tokens on the synthetic line `if x:⏎{N}return x⏎`.
    pub indent_probe: Vec<IndentProbe>,
}

/// Identifier section (see [`crate::analysis::identifiers`] for every definition).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct IdentifierReport {
    /// Identifier occurrences.
    pub occurrences: u64,
    /// Σ tokens over occurrences.
    pub tokens: u64,
    /// tokens / occurrences.
    pub tokens_per_identifier: f64,
    /// Share kept as one token.
    pub whole_share: f64,
    /// Boundary precision against sub-word boundaries.
    pub boundary_precision: f64,
    /// Boundary recall against sub-word boundaries.
    pub boundary_recall: f64,
    /// Per naming style.
    pub styles: Vec<StyleRow>,
    /// The most fragmented identifiers.
    pub most_fragmented: Vec<Fragmented>,
}

/// Identifier numbers of one style.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct StyleRow {
    /// Style name (`snake_case`, `camelCase`, `PascalCase`, `SCREAMING_SNAKE`, `single word`,
    /// `other`).
    pub style: String,
    /// Occurrences.
    pub occurrences: u64,
    /// tokens / occurrences.
    pub tokens_per_identifier: f64,
    /// Share kept as one token.
    pub whole_share: f64,
    /// Boundary precision.
    pub boundary_precision: f64,
    /// Boundary recall.
    pub boundary_recall: f64,
}

/// Script section (see [`crate::analysis::scripts`]).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ScriptReport {
    /// Per script, most characters first.
    pub scripts: Vec<ScriptRow>,
}

/// One script.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ScriptRow {
    /// Script name (UAX #24 full name).
    pub script: String,
    /// Characters.
    pub chars: u64,
    /// Tokens.
    pub tokens: u64,
    /// chars / tokens.
    pub chars_per_token: f64,
}

/// Headline numbers of one language for one tokenizer.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct LanguageSummary {
    /// Language (`text` for non-code inputs).
    pub language: String,
    /// Inputs.
    pub files: u64,
    /// Bytes.
    pub bytes: u64,
    /// Tokens.
    pub tokens: u64,
    /// bytes / tokens.
    pub bytes_per_token: f64,
    /// Whitespace-only tokens / tokens.
    pub whitespace_share: f64,
    /// Indentation runs (line-leading spaces, tabs or both).
    pub indent_runs: u64,
    /// Whitespace tokens per indentation run.
    pub indent_tokens_per_run: f64,
    /// Whether every indentation run seen stays distinguishable from the other lengths of its
    /// class after a round trip.
    pub indent_distinguishable: bool,
    /// Identifier occurrences.
    pub identifiers: u64,
    /// Tokens per identifier.
    pub tokens_per_identifier: f64,
    /// Share of identifiers kept as one token.
    pub identifier_whole_share: f64,
    /// Boundary precision.
    pub boundary_precision: f64,
    /// Boundary recall.
    pub boundary_recall: f64,
}

/// Where a chunk sits in its input, for round-trip positions.
struct ChunkPlace<'a> {
    path: &'a str,
    offset: u64,
    lines_before: usize,
}

/// Analyses one text with one tokenizer.
fn analyze_one(
    text: &str,
    lang: Option<Lang>,
    idents: &[(usize, usize)],
    tok: &dyn Tokenizer,
    place: &ChunkPlace<'_>,
    show_limit: usize,
) -> Result<(Acc, Option<ShowBlock>)> {
    let enc = tok.encode(text, false)?;
    let stats = text_stats(text, &enc, tok);
    let sp = spans::token_spans(text, &enc, tok);
    let ws = WhitespaceCounts::of_text(text, &sp);
    let idents = match lang {
        Some(_) => IdentifierCounts::of_text(text, idents, &sp),
        None => IdentifierCounts::default(),
    };
    let scripts = match lang {
        None => scripts::script_counts(text, &sp),
        Some(_) => ScriptCounts::default(),
    };
    let decoded = tok.decode(&enc.ids, false)?;
    let mut rt = roundtrip::compare_roundtrip(text, &decoded);
    if let Some(f) = rt.first_difference.as_mut() {
        f.path = place.path.to_string();
        f.byte_offset += place.offset as usize;
        f.line += place.lines_before;
    }
    let acc = Acc::of_chunk(stats, ws, idents, scripts, rt);
    let show = (show_limit > 0).then(|| {
        ShowBlock::from_encoding(place.path, tok.name(), text, &enc, tok.unk_id(), show_limit)
    });
    Ok((acc, show))
}

/// The result of one input.
pub(super) enum Outcome {
    Done {
        row: FileRow,
        lang: Option<Lang>,
        per_tok: Vec<Acc>,
        show: Vec<ShowBlock>,
    },
    Skipped(Skipped),
}

/// Reads and analyses one input. Content that cannot be read as text (binary, invalid UTF-8,
/// a read error) skips a file found by walking a directory and is an error for a named file or
/// standard input.
/// `text` is the content of an input given in memory (then `file.source` is not read).
pub(super) fn process_input(
    file: &InputFile,
    text: Option<&str>,
    toks: &[Arc<dyn Tokenizer>],
    opts: &CompareOptions,
    parallel_tokenizers: bool,
    show_limit: usize,
    bar: &indicatif::ProgressBar,
) -> Result<Outcome> {
    let reader: Result<Box<dyn std::io::Read + Send>> = match text {
        Some(t) => Ok(Box::new(std::io::Cursor::new(t.as_bytes().to_vec()))),
        None => open_input(file),
    };
    let result = reader
        .and_then(|r| analyse_input(file, r, toks, opts, parallel_tokenizers, show_limit, bar));
    match result {
        Err(e) if !file.named => match Skipped::from_error(&file.display, &e) {
            Some(s) => Ok(Outcome::Skipped(s)),
            None => Err(e),
        },
        r => r,
    }
}

fn open_input(file: &InputFile) -> Result<Box<dyn std::io::Read + Send>> {
    Ok(match &file.source {
        InputSource::File(p) => {
            Box::new(std::fs::File::open(p).map_err(|e| Error::io(&file.display, e))?)
        }
        InputSource::Stdin => Box::new(std::io::stdin()),
    })
}

/// Decodes one chunk (`offset` into its input) as UTF-8, or U+FFFD-replaced with `lossy`.
/// The first chunk loses a leading UTF-8 byte-order mark; one announcing UTF-16 or UTF-32 is an
/// error naming it.
fn decode_chunk(file: &InputFile, offset: u64, mut bytes: Vec<u8>, lossy: bool) -> Result<String> {
    let path = std::path::PathBuf::from(&file.display);
    if offset == 0 {
        match crate::input::byte_order_mark(&bytes) {
            Some("UTF-8") => {
                bytes.drain(..crate::input::UTF8_BOM.len());
            }
            Some(encoding) => {
                return Err(Error::ByteOrderMark {
                    path,
                    encoding,
                    advice: "tokstat reads UTF-8 text: convert the file first (e.g. `iconv -f UTF-16 -t UTF-8 FILE > FILE.utf8`)",
                });
            }
            None => {}
        }
        if let Some(at) = crate::input::binary_marker(&bytes) {
            return Err(Error::BinaryInput { path, offset: at });
        }
    }
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) if lossy => Ok(String::from_utf8_lossy(e.as_bytes()).into_owned()),
        Err(e) => Err(Error::InvalidUtf8 {
            path,
            offset: offset as usize + e.utf8_error().valid_up_to(),
        }),
    }
}

fn analyse_input(
    file: &InputFile,
    reader: Box<dyn std::io::Read + Send>,
    toks: &[Arc<dyn Tokenizer>],
    opts: &CompareOptions,
    parallel_tokenizers: bool,
    show_limit: usize,
    bar: &indicatif::ProgressBar,
) -> Result<Outcome> {
    let mut chunks =
        input::ChunkReader::new(std::io::BufReader::new(reader), opts.chunk_bytes, file.lang);
    let mut per_tok: Vec<Acc> = vec![Acc::default(); toks.len()];
    let mut row = FileRow {
        path: file.display.clone(),
        language: file.lang.map_or("text", Lang::name).to_string(),
        bytes: 0,
        chunks: 0,
        tokens: Vec::new(),
    };
    let mut show = Vec::new();
    let mut lines_before = 0usize;
    while let Some((offset, bytes)) = chunks
        .next_chunk()
        .map_err(|e| Error::io(&file.display, e))?
    {
        check_cancel(opts)?;
        let n = bytes.len() as u64;
        let text = decode_chunk(file, offset, bytes, opts.lossy)?;
        let ident_spans = file
            .lang
            .map(|l| identifiers::identifier_spans(&text, l))
            .unwrap_or_default();
        let place = ChunkPlace {
            path: &file.display,
            offset,
            lines_before,
        };
        let chunk_show = if offset == 0 { show_limit } else { 0 };
        let one = |t: &Arc<dyn Tokenizer>| {
            analyze_one(
                &text,
                file.lang,
                &ident_spans,
                t.as_ref(),
                &place,
                chunk_show,
            )
        };
        let results: Vec<(Acc, Option<ShowBlock>)> = if parallel_tokenizers {
            toks.par_iter().map(one).collect::<Result<_>>()?
        } else {
            toks.iter().map(one).collect::<Result<_>>()?
        };
        for (k, (acc, block)) in results.into_iter().enumerate() {
            per_tok[k].add_chunk(&acc);
            show.extend(block);
        }
        lines_before += text.matches('\n').count();
        row.bytes += n;
        row.chunks += 1;
        bar.inc(n);
    }
    if row.chunks > 1 {
        show.iter_mut()
            .for_each(|b: &mut ShowBlock| b.truncated = true);
    }
    for (a, t) in per_tok.iter().zip(toks) {
        row.tokens.push(FileTokens {
            tokenizer: t.name().to_string(),
            tokens: a.stats.tokens,
        });
    }
    Ok(Outcome::Done {
        row,
        lang: file.lang,
        per_tok,
        show,
    })
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
    for (lang, acc) in langs {
        all.merge(acc);
        by_language.push(language_summary(tok, *lang, acc)?);
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
            classes: whitespace::class_rows(&all.ws, tok)?,
            indent: whitespace::indent_rows(&all.ws, MAX_INDENT),
            indent_probe: whitespace::indent_probe(tok, MAX_INDENT)?,
        },
        identifiers: ident_report(&all.idents),
        scripts: script_report(&all),
        by_language,
    })
}

/// One language's row of a tokenizer's report.
fn language_summary(tok: &dyn Tokenizer, lang: Option<Lang>, acc: &Acc) -> Result<LanguageSummary> {
    let rows = whitespace::class_rows(&acc.ws, tok)?;
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

/// `7+1` for whole means, `6.50+1.00` otherwise: tokens inside a run + tokens shared with text.
fn tokens_plus_shared(t: f64, s: f64) -> String {
    if t.fract() == 0.0 && s.fract() == 0.0 {
        format!("{t:.0}+{s:.0}")
    } else {
        format!("{t:.2}+{s:.2}")
    }
}

impl Render for CompareReport {
    /// The tables of the report, in the order of the sections (plus the per-language tables of
    /// [`Self::language_tables`] when the inputs hold more than one language).
    fn tables(&self) -> Vec<Table> {
        let mut out = vec![self.overview_table(), self.roundtrip_table()];
        out.extend(self.whitespace_tables());
        out.extend(self.identifier_tables());
        if let Some(t) = self.script_table() {
            out.push(t);
        }
        let languages = self.tokenizers.first().map_or(0, |r| r.by_language.len());
        if languages > 1 {
            out.extend(self.language_tables());
        }
        out
    }
}

impl CompareReport {
    fn names(&self) -> Vec<&str> {
        self.tokenizers.iter().map(|t| t.name.as_str()).collect()
    }

    fn overview_table(&self) -> Table {
        let mut t = Table::new(
            "Overview",
            [
                "tokenizer",
                "tokens",
                "bytes/token",
                "chars/token",
                "fertility",
                "continued words",
                "unk",
                "byte fallback",
                "round trip",
            ],
        );
        for r in &self.tokenizers {
            t.row(vec![
                Cell::text(&r.name),
                Cell::int(r.tokens),
                Cell::Float(r.bytes_per_token, 2),
                Cell::Float(r.chars_per_token, 2),
                Cell::Float(r.fertility, 3),
                Cell::Percent(r.continued_word_share, 1),
                Cell::int(r.unk_tokens),
                Cell::int(r.byte_fallback_tokens),
                Cell::text(if r.roundtrip_exact { "exact" } else { "lossy" }),
            ]);
        }
        let (bytes, chars, words) = self
            .tokenizers
            .first()
            .map_or((0, 0, 0), |r| (r.bytes, r.chars, r.words));
        let langs: Vec<String> = self
            .input_totals
            .by_language
            .iter()
            .map(|l| format!("{} {}", l.language, l.files))
            .collect();
        t.note(format!(
            "{} input(s) ({}): {} bytes, {} chars, {} words (UAX #29). Fertility = tokens per word.",
            self.input_totals.files,
            langs.join(", "),
            crate::render::group_thousands(bytes as i128),
            crate::render::group_thousands(chars as i128),
            crate::render::group_thousands(words as i128),
        ));
        if let Some(line) = crate::input::skip::summary_line(&self.skipped_by_reason) {
            t.note(format!("{line}; see --format json"));
        }
        t
    }

    fn roundtrip_table(&self) -> Table {
        let mut t = Table::new(
            "Round trip: decode(encode(x)) == x",
            [
                "tokenizer",
                "exact",
                "differing bytes",
                "first difference",
                "original",
                "decoded",
                "reason",
            ],
        );
        for r in &self.tokenizers {
            let rt = &r.roundtrip;
            let (at, o, d, why) = match &rt.first_difference {
                Some(f) => (
                    format!("{}:{}:{}", f.path, f.line, f.column),
                    f.original.clone(),
                    f.decoded.clone(),
                    f.reason.clone(),
                ),
                None => Default::default(),
            };
            t.row(vec![
                Cell::text(&r.name),
                Cell::text(if r.roundtrip_exact { "yes" } else { "no" }),
                Cell::int(rt.differing_bytes),
                Cell::text(at),
                Cell::text(o),
                Cell::text(d),
                Cell::text(why),
            ]);
        }
        t
    }

    fn whitespace_tables(&self) -> Vec<Table> {
        vec![
            self.whitespace_summary_table(),
            self.whitespace_class_table(),
            self.indent_table(),
            self.indent_probe_table(),
        ]
    }

    fn whitespace_summary_table(&self) -> Table {
        let mut summary = Table::new(
            "Whitespace: tokens made only of whitespace",
            [
                "tokenizer",
                "whitespace tokens",
                "share of tokens",
                "indent tokens/run",
                "indent lengths distinguishable",
            ],
        );
        for r in &self.tokenizers {
            let (_, per_run, dist) = indent_summary(&r.whitespace.classes);
            summary.row(vec![
                Cell::text(&r.name),
                Cell::int(r.whitespace.whitespace_tokens),
                Cell::Percent(r.whitespace.share, 1),
                Cell::Float(per_run, 2),
                Cell::text(if dist { "yes" } else { "no" }),
            ]);
        }
        summary
    }

    fn whitespace_class_table(&self) -> Table {
        let mut header = vec!["class".to_string(), "length".into(), "runs".into()];
        for n in self.names() {
            header.push(format!("{n} tokens/run"));
            header.push(format!("{n} distinct"));
        }
        let mut classes = Table::new("Whitespace runs by class and length", header);
        let mut omitted = 0usize;
        if let Some(first) = self.tokenizers.first() {
            for (i, row) in first.whitespace.classes.iter().enumerate() {
                if row.length > MAX_INDENT {
                    omitted += 1;
                    continue;
                }
                let mut cells = vec![
                    Cell::text(row.class.name()),
                    Cell::count(row.length),
                    Cell::int(row.occurrences),
                ];
                for c in self
                    .tokenizers
                    .iter()
                    .filter_map(|r| r.whitespace.classes.get(i))
                {
                    cells.push(Cell::text(tokens_plus_shared(
                        c.tokens_per_run,
                        ratio(c.shared_tokens as f64, c.occurrences as f64),
                    )));
                    cells.push(Cell::text(if c.distinguishable { "yes" } else { "no" }));
                }
                classes.row(cells);
            }
        }
        classes.note(
            "tokens/run = whitespace-only tokens inside the run + tokens shared with other text (e.g. `Ġreturn`), per run; \
             distinct = runs of this length decode differently from every other length of the class.",
        );
        if omitted > 0 {
            classes.note(format!(
                "{omitted} rows with runs longer than {MAX_INDENT} are in the JSON output."
            ));
        }
        classes
    }

    fn indent_table(&self) -> Table {
        let mut header = vec!["N spaces".to_string(), "runs".into()];
        header.extend(self.names().iter().map(|n| n.to_string()));
        let mut indent = Table::new("N spaces of indentation → tokens (input)", header);
        for n in 1..=MAX_INDENT {
            let rows: Vec<Option<&IndentRow>> = self
                .tokenizers
                .iter()
                .map(|r| r.whitespace.indent.iter().find(|x| x.spaces == n))
                .collect();
            let Some(Some(first)) = rows.first() else {
                continue;
            };
            let mut cells = vec![Cell::count(n), Cell::int(first.occurrences)];
            for r in rows {
                cells.push(r.map_or(Cell::Empty, |r| {
                    Cell::text(tokens_plus_shared(r.tokens_per_run, r.shared_per_run))
                }));
            }
            indent.row(cells);
        }
        indent.note("whitespace tokens + shared tokens per run, averaged over the input's indentation runs.");
        indent
    }

    fn indent_probe_table(&self) -> Table {
        let mut header = vec!["N spaces".to_string()];
        header.extend(self.names().iter().map(|n| n.to_string()));
        let mut probe = Table::new(
            "N spaces of indentation → tokens (probe `if x:⏎{N}return x⏎`)",
            header,
        );
        for n in 1..=MAX_INDENT {
            let mut cells = vec![Cell::count(n)];
            for r in &self.tokenizers {
                let p = r.whitespace.indent_probe.iter().find(|p| p.spaces == n);
                cells.push(p.map_or(Cell::Empty, |p| {
                    let mut s = tokens_plus_shared(p.tokens as f64, p.shared_tokens as f64);
                    if !p.roundtrip_exact {
                        s.push_str(" lossy");
                    }
                    Cell::text(s)
                }));
            }
            probe.row(cells);
        }
        probe.note("independent of the input; `lossy`: the probe does not come back from decode(encode(·)).");
        probe
    }

    fn identifier_tables(&self) -> Vec<Table> {
        if self
            .tokenizers
            .iter()
            .all(|r| r.identifiers.occurrences == 0)
        {
            return Vec::new();
        }
        let mut t = Table::new(
            "Identifiers (code only; keywords, strings, comments skipped)",
            [
                "tokenizer",
                "identifiers",
                "tokens/identifier",
                "kept whole",
                "boundary precision",
                "boundary recall",
            ],
        );
        for r in &self.tokenizers {
            let i = &r.identifiers;
            t.row(vec![
                Cell::text(&r.name),
                Cell::int(i.occurrences),
                Cell::Float(i.tokens_per_identifier, 2),
                Cell::Percent(i.whole_share, 1),
                Cell::Percent(i.boundary_precision, 1),
                Cell::Percent(i.boundary_recall, 1),
            ]);
        }
        t.note("precision/recall: token boundaries inside identifiers vs sub-word boundaries (case humps, underscores, digits).");

        let mut header = vec!["style".to_string(), "identifiers".into()];
        for r in &self.tokenizers {
            header.push(format!("{} tokens/id", r.name));
            header.push(format!("{} whole", r.name));
        }
        let mut styles = Table::new("Identifiers by style", header);
        if let Some(first) = self.tokenizers.first() {
            for (i, s) in first.identifiers.styles.iter().enumerate() {
                let mut cells = vec![Cell::text(&s.style), Cell::int(s.occurrences)];
                for r in &self.tokenizers {
                    let Some(x) = r.identifiers.styles.get(i) else {
                        continue;
                    };
                    cells.push(Cell::Float(x.tokens_per_identifier, 2));
                    cells.push(Cell::Percent(x.whole_share, 1));
                }
                styles.row(cells);
            }
        }

        let mut frag = Table::new(
            "Most fragmented identifiers",
            ["tokenizer", "identifier", "tokens", "pieces"],
        );
        for r in &self.tokenizers {
            for f in r.identifiers.most_fragmented.iter().take(5) {
                frag.row(vec![
                    Cell::text(&r.name),
                    Cell::text(&f.identifier),
                    Cell::int(f.tokens),
                    Cell::text(f.pieces.join("|")),
                ]);
            }
        }
        vec![t, styles, frag]
    }

    fn script_table(&self) -> Option<Table> {
        let first = self.tokenizers.first()?;
        if first.scripts.scripts.is_empty() {
            return None;
        }
        let mut header = vec!["script".to_string(), "chars".into()];
        for r in &self.tokenizers {
            header.push(format!("{} tokens", r.name));
            header.push(format!("{} chars/token", r.name));
        }
        let mut t = Table::new("Scripts (non-code text)", header);
        for s in &first.scripts.scripts {
            let mut cells = vec![Cell::text(&s.script), Cell::int(s.chars)];
            for r in &self.tokenizers {
                let x = r.scripts.scripts.iter().find(|x| x.script == s.script);
                cells.push(x.map_or(Cell::int(0u64), |x| Cell::int(x.tokens)));
                cells.push(x.map_or(Cell::Empty, |x| Cell::Float(x.chars_per_token, 2)));
            }
            t.row(cells);
        }
        t.note("a token counts for the script of its first letter that is not Common/Inherited.");
        Some(t)
    }

    /// Per-language whitespace and identifier tables (rows: language × tokenizer), for
    /// `reports/code-tokenization.md`.
    pub fn language_tables(&self) -> Vec<Table> {
        let mut ws = Table::new(
            "Whitespace by language",
            [
                "language",
                "tokenizer",
                "files",
                "tokens",
                "bytes/token",
                "whitespace share",
                "indent runs",
                "indent tokens/run",
                "indent lengths distinguishable",
            ],
        );
        let mut id = Table::new(
            "Identifiers by language",
            [
                "language",
                "tokenizer",
                "identifiers",
                "tokens/identifier",
                "kept whole",
                "boundary precision",
                "boundary recall",
            ],
        );
        let langs: Vec<String> = self
            .tokenizers
            .first()
            .map(|r| r.by_language.iter().map(|l| l.language.clone()).collect())
            .unwrap_or_default();
        for lang in &langs {
            for r in &self.tokenizers {
                let Some(l) = r.by_language.iter().find(|l| &l.language == lang) else {
                    continue;
                };
                ws.row(vec![
                    Cell::text(lang),
                    Cell::text(&r.name),
                    Cell::int(l.files),
                    Cell::int(l.tokens),
                    Cell::Float(l.bytes_per_token, 2),
                    Cell::Percent(l.whitespace_share, 1),
                    Cell::int(l.indent_runs),
                    Cell::Float(l.indent_tokens_per_run, 2),
                    Cell::text(if l.indent_distinguishable {
                        "yes"
                    } else {
                        "no"
                    }),
                ]);
                if l.identifiers > 0 {
                    id.row(vec![
                        Cell::text(lang),
                        Cell::text(&r.name),
                        Cell::int(l.identifiers),
                        Cell::Float(l.tokens_per_identifier, 2),
                        Cell::Percent(l.identifier_whole_share, 1),
                        Cell::Percent(l.boundary_precision, 1),
                        Cell::Percent(l.boundary_recall, 1),
                    ]);
                }
            }
        }
        vec![ws, id]
    }
}
