//! Claims of the published comparison and the verdicts tokstat's measurements give them.

use serde::Serialize;

/// What a measurement says about a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
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
    /// The measurement cannot decide: the difference is not significant (the measurement
    /// gives the figures and the test).
    Inconclusive,
}

impl Verdict {
    /// The verdict as printed in the claim table.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::HoldsWithCorrection => "holds with correction",
            Verdict::DoesNotHold => "does not hold",
            Verdict::CannotBeTested => "cannot be tested here",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

/// One claim of the published comparison with what tokstat measured.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
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

/// Whether a published rounded figure agrees with an exact one at the precision it is written
/// with: the unit of its last significant digit is 10^(trailing zeros of the integer), and the
/// exact value must round to it or truncate to it, i.e. lie in `[p − unit/2, p + unit)`.
/// (`550` has unit 10: 545 ≤ x < 560; `51` has unit 1: 50.5 ≤ x < 52; `400` has unit 100.)
pub fn within_rounding(published: f64, exact: f64) -> bool {
    let mut unit = 1.0;
    let mut p = published.round() as i64;
    if (published - p as f64).abs() > 1e-9 || p == 0 {
        return (published - exact).abs() < 0.5;
    }
    while p % 10 == 0 {
        unit *= 10.0;
        p /= 10;
    }
    exact >= published - unit / 2.0 && exact < published + unit
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
         again, and `--tiling-results reports/data/tiling.json` to reuse the saved weight-tiling \
         run). Every section names the exact command behind each table, and its data is in \
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
         [code retrieval](retrieval.md) · [weight tiling](tiling.md)\n",
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_tolerance() {
        assert!(within_rounding(355.0, 355.36));
        assert!(within_rounding(51.0, 51.58)); // truncated
        assert!(within_rounding(400.0, 394.78)); // one significant digit
        assert!(within_rounding(550.0, 559.36)); // truncated at two significant digits
        assert!(!within_rounding(550.0, 560.0));
        assert!(!within_rounding(349.0, 343.2));
        assert!(!within_rounding(294.0, 303.36));
        assert!(within_rounding(304.0, 303.89));
        assert!(!within_rounding(1.0, 0.0));
    }
}
