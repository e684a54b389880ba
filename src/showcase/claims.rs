//! Claims of the published comparison and the verdicts tokstat's measurements give them.

use serde::Serialize;

/// What a measurement says about a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The measurement agrees (within the claim's own rounding).
    Holds,
    /// The direction or substance holds, but a figure is off beyond its rounding.
    HoldsWithCorrection,
    /// The measurement contradicts the claim.
    DoesNotHold,
    /// The claim needs something this report cannot run (say what in the measurement).
    CannotBeTested,
}

impl Verdict {
    /// The verdict as printed in the claim table.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::HoldsWithCorrection => "holds with correction",
            Verdict::DoesNotHold => "does not hold",
            Verdict::CannotBeTested => "cannot be tested here",
        }
    }
}

/// One claim of the published comparison with what tokstat measured.
#[derive(Debug, Clone, Serialize)]
pub struct Claim {
    /// The claim, as the comparison makes it.
    pub claim: String,
    /// What tokstat measured, with numbers.
    pub measured: String,
    /// The verdict.
    pub verdict: Verdict,
    /// The section of the report with the evidence (a relative link).
    pub section: String,
}

/// Whether a published rounded figure agrees with an exact one: within 2% relative error
/// (two significant digits of rounding).
pub fn within_rounding(published: f64, exact: f64) -> bool {
    exact != 0.0 && ((published - exact) / exact).abs() <= 0.02
}

/// The report's front page: the claim table and links to the sections.
pub fn index(claims: &[Claim]) -> String {
    let mut s = String::new();
    s.push_str("# The published comparison, claim by claim\n\n");
    s.push_str(
        "tokstat grew out of a published comparison of ModernBERT-large, jina-XLM-RoBERTa and \
         RoBERTa-large (Jina AI, early 2025). This report checks each of its concrete claims with \
         measurements on the real tokenizers, real model configurations and real data bundled \
         with tokstat. Regenerate it with `tokstat report` (add `--retrieval-results \
         reports/data/retrieval.json` to reuse the saved retrieval run instead of training \
         again). Every section names the exact command behind each table, and its data is in \
         `data/`.\n\n",
    );
    s.push_str("| # | claim | what tokstat measured | verdict |\n|---:|---|---|---|\n");
    for (i, c) in claims.iter().enumerate() {
        s.push_str(&format!(
            "| {} | {} | {} ([evidence]({})) | **{}** |\n",
            i + 1,
            c.claim.replace('|', "\\|"),
            c.measured.replace('|', "\\|"),
            c.section,
            c.verdict.label()
        ));
    }
    s.push_str(
        "\nSections: [parameter budgets](budget.md) · [code tokenization](code-tokenization.md) · \
         [multilingual parity](multilingual.md) · [vocabulary audit](vocabulary.md) · \
         [code retrieval](retrieval.md)\n",
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_tolerance() {
        assert!(within_rounding(355.0, 355.36));
        assert!(within_rounding(51.0, 51.58));
        assert!(!within_rounding(550.0, 559.36));
        assert!(!within_rounding(1.0, 0.0));
    }
}
