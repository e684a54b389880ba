//! Tokenization parity across languages on parallel text.
//!
//! The same sentences in many languages (line *i* of every `<lang>_<Script>.txt` file is a
//! translation of the same sentence, as in FLORES-200) are encoded one sentence at a time, and
//! each language's token count is compared with a pivot language's (English by default).
//!
//! Metrics, per language and tokenizer (sums over the aligned sentences `s`; tokens never include
//! the special tokens a post-processor adds):
//! - **premium** = Σ_s |t(s_L)| / Σ_s |t(s_pivot)| (Petrov et al. 2023, "Language Model Tokenizers
//!   Introduce Unfairness Between Languages", NeurIPS 2023, measured on FLORES-200). A premium of
//!   2 means the language pays twice the pivot's tokens — compute and context — for the same
//!   content.
//! - **share over 2× pivot**: the share of sentences with |t(s_L)| > 2 · |t(s_pivot)|.
//! - bytes/token, chars/token, fertility (tokens per UAX #29 word) and continued-word share as in
//!   [`crate::analysis::text`]. UAX #29 has no dictionary: in unspaced scripts (Han, Thai, Lao,
//!   Khmer, Myanmar) each character with its combining marks is a word (a run of Katakana is one
//!   word; Tibetan splits into tsheg-delimited syllables). Fertility counts every token that
//!   overlaps a word, so there it is tokens per character, close to 1 whenever tokens span several
//!   characters, and not comparable with the per-word fertility of spaced scripts. Compare
//!   fertility within a script family; compare premium across all languages.
//! - unknown-token rate: tokens equal to the tokenizer's unknown token, per token. A tokenizer
//!   that maps a run of unknown characters to one unknown token (XLM-R fuses them) makes such
//!   text look cheap: a low premium with a high unknown rate means the text is lost, not
//!   efficiently encoded.
//!
//! Each sentence is encoded on its own (the way the pivot comparison is defined), in parallel.
//! Lines that are empty or blank in any file are left out for every language (see
//! [`ParallelCorpus`]); languages are reported sorted by code in byte order.
//!
//! ```no_run
//! use tokstat::parity::{parity, ParityOptions};
//!
//! let report = parity(&ParityOptions::default())?; // bundled corpus, default tokenizers
//! for t in &report.tokenizers {
//!     println!("{}: mean premium {:.2}", t.name, t.summary.mean_premium);
//! }
//! # Ok::<(), tokstat::Error>(())
//! ```

mod corpus;
mod markdown;
mod partial;
mod plot;

use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

pub use corpus::{
    DEFAULT_CORPUS, LanguageText, ParallelCorpus, parse_language_file, resolve_corpus_dir,
    split_lines,
};
pub use markdown::{REPORT_CHART, REPORT_JSON, REPORT_MARKDOWN};
pub use partial::ParityPartial;
pub use plot::premium_svg;

use crate::analysis::text::ratio;
use crate::render::{Cell, Render, Table};
use crate::tokenizer::{self, Tokenizer};
use crate::{Error, Result};

/// The default pivot language: English, as in Petrov et al. 2023.
pub const DEFAULT_PIVOT: &str = "eng_Latn";

/// How many highest-premium languages each summary lists by default.
pub const DEFAULT_WORST: usize = 5;

/// What to measure.
#[derive(Debug, Clone)]
pub struct ParityOptions {
    /// Directory of line-aligned `<lang>_<Script>.txt` files; `None` = the bundled corpus
    /// (see [`resolve_corpus_dir`]).
    pub dir: Option<PathBuf>,
    /// Tokenizer names or paths (see [`crate::tokenizer::load`]), in report order.
    pub tokenizers: Vec<String>,
    /// Code of the pivot language (a file stem such as `eng_Latn`).
    pub pivot: String,
    /// How many highest-premium languages the summary lists.
    pub worst: usize,
}

impl Default for ParityOptions {
    /// The bundled corpus, [`tokenizer::DEFAULT_TRIO`], pivot `eng_Latn`, five worst languages.
    fn default() -> Self {
        ParityOptions {
            dir: None,
            tokenizers: tokenizer::DEFAULT_TRIO
                .iter()
                .map(|s| s.to_string())
                .collect(),
            pivot: DEFAULT_PIVOT.to_string(),
            worst: DEFAULT_WORST,
        }
    }
}

/// The report of `tokstat parity` (its JSON form is the command's stable contract).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ParityReport {
    /// Code of the pivot language.
    pub pivot: String,
    /// Aligned sentences measured per language.
    pub sentences: usize,
    /// Lines left out because they are empty or blank in at least one file.
    pub skipped_lines: usize,
    /// One entry per tokenizer, in the order asked for.
    pub tokenizers: Vec<TokenizerParity>,
}

/// One tokenizer's measurements.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TokenizerParity {
    /// Tokenizer name (bundled name, or the directory or file name of a `tokenizer.json`).
    pub name: String,
    /// The `tokenizer.json` it was loaded from; absent for bundled tokenizers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Per language, sorted by code (byte order); the pivot is included (premium 1).
    pub languages: Vec<LanguageParity>,
    /// Summary over the non-pivot languages.
    pub summary: ParitySummary,
}

/// One language under one tokenizer, summed over the aligned sentences.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct LanguageParity {
    /// Language code (`fra_Latn`).
    pub language: String,
    /// ISO 15924 script code (`Latn`).
    pub script: String,
    /// Sentences measured.
    pub sentences: usize,
    /// UTF-8 bytes of those sentences (no line terminators).
    pub bytes: u64,
    /// Unicode scalar values.
    pub chars: u64,
    /// UAX #29 words (unspaced scripts: one per character; see the module docs).
    pub words: u64,
    /// Tokens, without special tokens.
    pub tokens: u64,
    /// bytes / tokens.
    pub bytes_per_token: f64,
    /// chars / tokens.
    pub chars_per_token: f64,
    /// Σ_w tokens overlapping word w / words (Rust et al. 2021).
    pub fertility: f64,
    /// Share of words covered by two or more tokens (Rust et al. 2021).
    pub continued_word_share: f64,
    /// Unknown tokens.
    pub unk_tokens: u64,
    /// Unknown tokens / tokens.
    pub unk_rate: f64,
    /// Σ tokens(language) / Σ tokens(pivot) over the aligned sentences (Petrov et al. 2023).
    pub premium: f64,
    /// Share of sentences whose token count exceeds twice the pivot's for the same sentence.
    pub share_over_2x_pivot: f64,
}

/// Summary of one tokenizer over every language except the pivot.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ParitySummary {
    /// Languages summarised (all but the pivot).
    pub languages: usize,
    /// Arithmetic mean of the premiums.
    pub mean_premium: f64,
    /// Highest premium.
    pub max_premium: f64,
    /// Language with the highest premium (ties: the smaller code).
    pub max_premium_language: String,
    /// Parity score S = (1/n) Σ_L |ln premium_L| over the n non-pivot languages (languages with
    /// zero tokens are left out). S = 0 when every language costs exactly what the pivot costs;
    /// it weighs paying 2× and paying ½× the same, and exp(S) is the geometric mean of the factor
    /// by which a language's token count differs from the pivot's, in either direction.
    pub parity_score: f64,
    /// The highest-premium languages, highest first (ties: smaller code first).
    pub worst: Vec<LanguagePremium>,
}

/// A language and its premium.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct LanguagePremium {
    /// Language code.
    pub language: String,
    /// Its premium.
    pub premium: f64,
}

/// Measures tokenization parity on a parallel corpus: resolves and reads the corpus, loads the
/// tokenizers, and calls [`measure`].
pub fn parity(options: &ParityOptions) -> Result<ParityReport> {
    let dir = resolve_corpus_dir(options.dir.as_deref())?;
    let corpus = ParallelCorpus::load(&dir)?;
    check_pivot(&corpus, &options.pivot)?;
    let specs = tokenizer::split_specs(&options.tokenizers);
    if specs.is_empty() {
        return Err(Error::InvalidArgument("no tokenizer given".into()));
    }
    let toks = tokenizer::load_many(&specs)?;
    measure(&corpus, &toks, &options.pivot, options.worst)
}

fn check_pivot(corpus: &ParallelCorpus, pivot: &str) -> Result<()> {
    if corpus.language(pivot).is_some() {
        return Ok(());
    }
    let codes: Vec<&str> = corpus.languages.iter().map(|l| l.code.as_str()).collect();
    Err(Error::InvalidArgument(format!(
        "{}: pivot language `{pivot}` not found (no {pivot}.txt); languages present: {}",
        corpus.dir.display(),
        codes.join(", ")
    )))
}

/// Measures every language of `corpus` under every tokenizer against `pivot`.
///
/// Each kept line is encoded separately without special tokens; lines and languages are
/// processed in parallel and summed in a fixed order, so the result does not depend on
/// scheduling. This is one [`ParityPartial`] over every line, then [`ParityPartial::finish`].
pub fn measure(
    corpus: &ParallelCorpus,
    tokenizers: &[Arc<dyn Tokenizer>],
    pivot: &str,
    worst: usize,
) -> Result<ParityReport> {
    let mut partial = ParityPartial::new(corpus, tokenizers, pivot)?;
    let lines: Vec<usize> = (0..ParityPartial::lines_of(corpus)).collect();
    partial.add_lines(corpus, tokenizers, &lines)?;
    partial.finish(worst)
}

/// Premium: Σ tokens / Σ pivot tokens over aligned sentences (Petrov et al. 2023).
pub fn premium(tokens: &[u64], pivot_tokens: &[u64]) -> f64 {
    ratio(
        tokens.iter().sum::<u64>() as f64,
        pivot_tokens.iter().sum::<u64>() as f64,
    )
}

/// Share of aligned sentences with `tokens[i] > 2 · pivot_tokens[i]`.
pub fn share_over_2x(tokens: &[u64], pivot_tokens: &[u64]) -> f64 {
    let over = tokens
        .iter()
        .zip(pivot_tokens)
        .filter(|(t, p)| **t > 2 * **p)
        .count();
    ratio(over as f64, tokens.len().min(pivot_tokens.len()) as f64)
}

/// Parity score: mean of |ln premium| over the premiums that are positive (see
/// [`ParitySummary::parity_score`]).
pub fn parity_score(premiums: &[f64]) -> f64 {
    let logs: Vec<f64> = premiums
        .iter()
        .filter(|p| **p > 0.0)
        .map(|p| p.ln().abs())
        .collect();
    ratio(logs.iter().sum(), logs.len() as f64)
}

fn summarise(languages: &[LanguageParity], pivot: &str, worst: usize) -> ParitySummary {
    let mut others: Vec<&LanguageParity> =
        languages.iter().filter(|l| l.language != pivot).collect();
    let premiums: Vec<f64> = others.iter().map(|l| l.premium).collect();
    // Highest premium first; equal premiums by code.
    others.sort_by(|a, b| {
        b.premium
            .total_cmp(&a.premium)
            .then_with(|| a.language.cmp(&b.language))
    });
    ParitySummary {
        languages: premiums.len(),
        mean_premium: ratio(premiums.iter().sum(), premiums.len() as f64),
        max_premium: others.first().map_or(0.0, |l| l.premium),
        max_premium_language: others.first().map_or(String::new(), |l| l.language.clone()),
        parity_score: parity_score(&premiums),
        worst: others
            .iter()
            .take(worst)
            .map(|l| LanguagePremium {
                language: l.language.clone(),
                premium: l.premium,
            })
            .collect(),
    }
}

impl Render for ParityReport {
    /// The human-readable view: a summary per tokenizer, the premium of every language under
    /// every tokenizer, then one detail table per tokenizer.
    fn tables(&self) -> Vec<Table> {
        let mut tables = vec![self.summary_table(), self.premium_table()];
        tables.extend(self.tokenizers.iter().map(|t| self.detail_table(t)));
        tables
    }
}

impl ParityReport {
    /// Summary per tokenizer: mean and max premium, parity score, worst languages.
    pub fn summary_table(&self) -> Table {
        let mut t = Table::new(
            format!(
                "Tokenization premium relative to {} ({} aligned sentences)",
                self.pivot, self.sentences
            ),
            [
                "tokenizer",
                "languages",
                "mean premium",
                "max premium",
                "max language",
                "parity score",
                "highest premium",
            ],
        );
        for tok in &self.tokenizers {
            let s = &tok.summary;
            t.row(vec![
                Cell::text(&tok.name),
                Cell::count(s.languages),
                Cell::Float(s.mean_premium, 2),
                Cell::Float(s.max_premium, 2),
                Cell::text(&s.max_premium_language),
                Cell::Float(s.parity_score, 3),
                Cell::text(
                    s.worst
                        .iter()
                        .map(|w| format!("{} {:.2}", w.language, w.premium))
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            ]);
        }
        t.note(format!(
            "premium = Σ tokens(language) / Σ tokens({}) over the same sentences (Petrov et al. 2023); \
             parity score = mean |ln premium| over the non-pivot languages (0 = every language costs the same).",
            self.pivot
        ));
        if self.skipped_lines > 0 {
            t.note(format!(
                "{} line(s) left out: empty or blank in at least one file.",
                self.skipped_lines
            ));
        }
        t
    }

    /// Premium of every language (rows, sorted by code) under every tokenizer (columns).
    pub fn premium_table(&self) -> Table {
        let mut header = vec!["language".to_string(), "script".to_string()];
        header.extend(self.tokenizers.iter().map(|t| t.name.clone()));
        let mut t = Table::new(
            format!("Premium per language (pivot {})", self.pivot),
            header,
        );
        if let Some(first) = self.tokenizers.first() {
            for (i, lang) in first.languages.iter().enumerate() {
                let mut row = vec![Cell::text(&lang.language), Cell::text(&lang.script)];
                row.extend(self.tokenizers.iter().map(|tok| {
                    tok.languages
                        .get(i)
                        .map_or(Cell::Empty, |l| Cell::Float(l.premium, 2))
                }));
                t.row(row);
            }
        }
        t
    }

    /// Every metric of every language under one tokenizer.
    pub fn detail_table(&self, tok: &TokenizerParity) -> Table {
        let mut t = Table::new(
            format!("{}: per language", tok.name),
            [
                "language",
                "sentences",
                "tokens",
                "bytes/token",
                "chars/token",
                "fertility",
                "unk rate",
                "premium",
                format!("> 2× {}", self.pivot).as_str(),
            ],
        );
        for l in &tok.languages {
            t.row(vec![
                Cell::text(&l.language),
                Cell::count(l.sentences),
                Cell::int(l.tokens),
                Cell::Float(l.bytes_per_token, 2),
                Cell::Float(l.chars_per_token, 2),
                Cell::Float(l.fertility, 2),
                Cell::Percent(l.unk_rate, 2),
                Cell::Float(l.premium, 2),
                Cell::Percent(l.share_over_2x_pivot, 1),
            ]);
        }
        t.note(
            "fertility = tokens per UAX #29 word; in unspaced scripts (Han, Thai, Lao, Khmer, \
             Myanmar) each character is a word, so there it is tokens per character. \
             A high unk rate means text mapped to the unknown token: its premium is understated.",
        );
        t
    }

    /// The SVG chart of premium per language per tokenizer (see [`premium_svg`]).
    pub fn svg(&self) -> Result<String> {
        premium_svg(self)
    }

    /// Writes the SVG chart to `path`, atomically.
    pub fn write_svg(&self, path: &std::path::Path) -> Result<()> {
        crate::output::write_atomic(path, self.svg()?.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn premium_and_share_by_hand() {
        // Pivot 3 + 4 + 5 = 12 tokens; language 6 + 9 + 5 = 20 → premium 20/12 = 5/3.
        let pivot = [3, 4, 5];
        let lang = [6, 9, 5];
        assert!((premium(&lang, &pivot) - 5.0 / 3.0).abs() < 1e-12);
        // 6 > 2·3? no (equal). 9 > 8? yes. 5 > 10? no → 1 of 3.
        assert!((share_over_2x(&lang, &pivot) - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(premium(&pivot, &pivot), 1.0);
        assert_eq!(share_over_2x(&pivot, &pivot), 0.0);
    }

    #[test]
    fn parity_score_by_hand() {
        // |ln 2| + |ln ½| = 2 ln 2 over 2 languages → ln 2.
        assert!((parity_score(&[2.0, 0.5]) - 2f64.ln()).abs() < 1e-12);
        assert_eq!(parity_score(&[1.0, 1.0]), 0.0);
        // A zero premium is left out rather than giving an infinite score.
        assert!((parity_score(&[0.0, 2.0]) - 2f64.ln()).abs() < 1e-12);
        assert_eq!(parity_score(&[]), 0.0);
    }

    fn lp(code: &str, premium: f64) -> LanguageParity {
        LanguageParity {
            language: code.into(),
            script: "Latn".into(),
            sentences: 1,
            bytes: 0,
            chars: 0,
            words: 0,
            tokens: 0,
            bytes_per_token: 0.0,
            chars_per_token: 0.0,
            fertility: 0.0,
            continued_word_share: 0.0,
            unk_tokens: 0,
            unk_rate: 0.0,
            premium,
            share_over_2x_pivot: 0.0,
        }
    }

    #[test]
    fn summary_excludes_pivot_and_breaks_ties_by_code() {
        let langs = [
            lp("aaa_Latn", 2.0),
            lp("bbb_Latn", 3.0),
            lp("eng_Latn", 1.0),
            lp("ccc_Latn", 3.0),
        ];
        let s = summarise(&langs, "eng_Latn", 2);
        assert_eq!(s.languages, 3);
        assert!((s.mean_premium - 8.0 / 3.0).abs() < 1e-12);
        assert_eq!(s.max_premium_language, "bbb_Latn");
        let worst: Vec<&str> = s.worst.iter().map(|w| w.language.as_str()).collect();
        assert_eq!(worst, vec!["bbb_Latn", "ccc_Latn"]);
    }
}
