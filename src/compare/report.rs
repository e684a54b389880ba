//! The types of a `compare` result: the report, one tokenizer's part of it, and the per-file
//! rows of `--per-file`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::ShowBlock;
use crate::analysis::identifiers::Fragmented;
use crate::analysis::roundtrip::FirstDifference;
use crate::analysis::whitespace::{IndentProbe, IndentRow, WsClassRow};
use crate::input::{SkipReason, Skipped};

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
