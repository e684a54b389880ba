//! The Markdown report page for `reports/` and the function that regenerates it.

use std::fmt::Write as _;

use super::ParityReport;
use crate::render::{self, TextFormat};

/// File names of the parity section of `reports/`, relative to the reports directory.
pub const REPORT_MARKDOWN: &str = "multilingual.md";
/// The chart, next to the Markdown page.
pub const REPORT_CHART: &str = "multilingual-premium.svg";
/// The JSON report (the `tokstat parity --format json` contract).
pub const REPORT_JSON: &str = "data/parity.json";

/// Unknown-token rate from which a language is flagged as partly unrepresentable.
const UNK_FLAG_RATE: f64 = 0.01;

impl ParityReport {
    /// A self-contained Markdown page: summary, the worst languages per tokenizer, the chart
    /// (when `chart` names the SVG file, relative to the page), observations computed from the
    /// numbers, the premium table, per-tokenizer details and definitions. `command` is the command
    /// line that regenerates the page.
    pub fn markdown_page(&self, chart: Option<&str>, command: &str) -> String {
        let mut out = self.page_intro(command);
        out.push_str(&render::render_tables(
            &[self.summary_table()],
            TextFormat::Markdown,
        ));
        out.push_str(&self.worst_languages());
        if let Some(chart) = chart {
            out.push_str(&self.chart_section(chart));
        }
        out.push_str(&self.observations());
        out.push_str("\n## Premium per language\n\n");
        let mut premium = self.premium_table();
        premium.title.clear();
        out.push_str(&premium.render(TextFormat::Markdown));
        out.push_str("\n## Details per tokenizer\n\n");
        let details: Vec<_> = self
            .tokenizers
            .iter()
            .map(|t| self.detail_table(t))
            .collect();
        out.push_str(&render::render_tables(&details, TextFormat::Markdown));
        out.push_str(DEFINITIONS);
        out
    }

    /// The title, what was measured, the command and the metric definitions.
    fn page_intro(&self, command: &str) -> String {
        let mut out = String::new();
        let names: Vec<String> = self
            .tokenizers
            .iter()
            .map(|t| format!("`{}`", t.name))
            .collect();
        let _ = writeln!(out, "# Multilingual tokenization parity\n");
        let _ = writeln!(
            out,
            "How many tokens each language needs for the same content, relative to `{}`, \
             measured on {} line-aligned sentences per language ({} languages) with {}. \
             Every sentence is encoded on its own, without special tokens. \
             Corpus: `corpora/multilingual` (FLORES-200 `dev`, CC BY-SA 4.0; see its README).\n",
            self.pivot,
            self.sentences,
            self.tokenizers.first().map_or(0, |t| t.languages.len()),
            names.join(", ")
        );
        let _ = writeln!(out, "Regenerate with:\n\n```sh\n{command}\n```\n");
        let _ = writeln!(
            out,
            "**Premium** = Σ tokens(language) / Σ tokens({}) over the same sentences \
             (Petrov et al. 2023, \"Language Model Tokenizers Introduce Unfairness Between \
             Languages\"): 3.0 means the language pays three times the {} token count — compute \
             and context — for the same content. **Parity score** = mean |ln premium| over the \
             non-pivot languages (0 = perfect parity; exp(score) is the typical factor).\n",
            self.pivot, self.pivot
        );
        out
    }

    /// Each tokenizer's highest-premium languages, flagged when they hit the unknown token.
    fn worst_languages(&self) -> String {
        let mut out = String::from("\n## Highest premium per tokenizer\n\n");
        for tok in &self.tokenizers {
            let list: Vec<String> = tok
                .summary
                .worst
                .iter()
                .map(|w| {
                    let unk = tok
                        .languages
                        .iter()
                        .find(|l| l.language == w.language)
                        .map_or(0.0, |l| l.unk_rate);
                    if unk >= UNK_FLAG_RATE {
                        format!(
                            "`{}` {:.2} ({:.0}% unknown tokens)",
                            w.language,
                            w.premium,
                            unk * 100.0
                        )
                    } else {
                        format!("`{}` {:.2}", w.language, w.premium)
                    }
                })
                .collect();
            let _ = writeln!(out, "- **{}**: {}", tok.name, list.join(", "));
        }
        out
    }

    fn chart_section(&self, chart: &str) -> String {
        format!(
            "\n## Chart\n\n![Premium per language and tokenizer, log scale]({chart})\n\n\
             Languages are ordered by `{}`'s premium; the dashed line is parity with `{}`; \
             ringed points have at least 1% unknown tokens.\n",
            self.tokenizers.first().map_or("", |t| t.name.as_str()),
            self.pivot
        )
    }

    /// One computed sentence per tokenizer: languages over twice the pivot, cheaper than it,
    /// and with unknown tokens.
    fn observations(&self) -> String {
        let mut out = String::from("\n## Observations (computed)\n\n");
        for tok in &self.tokenizers {
            let others: Vec<_> = tok
                .languages
                .iter()
                .filter(|l| l.language != self.pivot)
                .collect();
            let over2 = others.iter().filter(|l| l.premium > 2.0).count();
            let below1: Vec<String> = others
                .iter()
                .filter(|l| l.premium < 1.0)
                .map(|l| format!("`{}` {:.3}", l.language, l.premium))
                .collect();
            let unk: Vec<String> = others
                .iter()
                .filter(|l| l.unk_rate >= UNK_FLAG_RATE)
                .map(|l| format!("`{}` ({:.0}%)", l.language, l.unk_rate * 100.0))
                .collect();
            let _ = write!(
                out,
                "- **{}**: {} of {} languages pay more than twice the {} token count",
                tok.name,
                over2,
                others.len(),
                self.pivot
            );
            if !below1.is_empty() {
                let _ = write!(out, "; cheaper than {}: {}", self.pivot, below1.join(", "));
            }
            if !unk.is_empty() {
                let _ = write!(
                    out,
                    "; ≥ 1% unknown tokens (text partly lost, so the premium is understated): {}",
                    unk.join(", ")
                );
            }
            out.push_str(".\n");
        }
        out
    }
}

/// The page's closing definitions of every column.
const DEFINITIONS: &str = "\n## Definitions\n\n\
    - tokens: without the special tokens a post-processor adds; each line encoded on its own.\n\
    - bytes/token, chars/token: UTF-8 bytes and Unicode scalar values per token (newlines excluded).\n\
    - fertility: tokens overlapping each UAX #29 word, averaged over words (Rust et al. 2021). \
    Unspaced scripts (Han, Thai, Lao, Khmer, Myanmar) have one \"word\" per character, so \
    their fertility is tokens per character and not comparable with spaced scripts.\n\
    - unk rate: tokens equal to the tokenizer's unknown token, per token. XLM-R maps a run of \
    characters missing from its vocabulary to one `<unk>`, which makes such text look cheap.\n\
    - > 2× pivot: share of sentences whose token count exceeds twice the pivot's for the same sentence.\n";
