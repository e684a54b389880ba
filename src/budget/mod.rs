//! Parameter budgets: how much of an encoder's parameters its vocabulary takes.
//!
//! For any transformer, vocabulary parameters = vocabulary size × hidden size (V·H): the rows
//! of the word-embedding table, a lookup that takes no part in attention. tokstat counts every
//! tensor of a model exactly as Hugging Face `transformers` builds it ([`params`]), from the
//! model's real `config.json` ([`config`]), and answers what-if questions ([`whatif`]): other
//! vocabulary sizes, a fixed total budget, local versus global attention.
//!
//! ```
//! use tokstat::budget::{self, BudgetOptions};
//!
//! let report = budget::budget(&BudgetOptions {
//!     models: vec!["modernbert-large".into(), "roberta-large".into()],
//!     ..Default::default()
//! })?;
//! let m = &report.models[0].breakdown;
//! assert_eq!(m.vocab_params, 50_368 * 1_024);
//! assert!(m.vocab_share < 0.14);
//! # Ok::<(), tokstat::Error>(())
//! ```

pub mod config;
pub mod params;
mod tables;
pub mod whatif;

use serde::Serialize;

pub use config::{ModelConfig, ModelType, PRESETS, PositionEmbedding, Preset};
pub use params::{Head, ParamBreakdown, TensorGroup, breakdown, total_params};
pub use whatif::{
    AttentionCost, FixedTotal, UNICODE_SCALAR_VALUES, VocabWhatIf, attention_costs, fixed_total,
    vocab_sweep,
};

use crate::{Error, Result};

/// The three models of the published comparison, in its column order.
pub const PUBLISHED_TRIO: [&str; 3] = ["modernbert-large", "jina-xlm-roberta", "roberta-large"];

/// Largest `--fixed-total` accepted (10¹⁵ parameters).
pub const MAX_BUDGET: u64 = 1_000_000_000_000_000;
/// Largest `--seq` accepted.
pub const MAX_SEQ: u64 = 100_000_000;

/// What `tokstat budget` computes.
#[derive(Debug, Clone, Default)]
pub struct BudgetOptions {
    /// Presets or `config.json` paths; empty means [`PUBLISHED_TRIO`].
    pub models: Vec<String>,
    /// Which model class to count.
    pub head: Head,
    /// Vocabulary sizes for the what-if sweep (empty: no sweep).
    pub vocab_sizes: Vec<u64>,
    /// A total budget P for the deep-and-thin table.
    pub fixed_total: Option<u64>,
    /// Sequence lengths for the attention-cost table (empty: no table).
    pub attention_seqs: Vec<u64>,
    /// Include the tensor-by-tensor tables in the text output.
    pub show_tensors: bool,
}

impl BudgetOptions {
    /// The options behind `reports/budget.md`: the three models of the published comparison,
    /// base model classes, a vocabulary sweep (32,000; 50,368; 128,256; 250,002; and every
    /// code point), a 400M fixed budget, and attention at 512 and 8,192 tokens.
    pub fn published_report() -> BudgetOptions {
        BudgetOptions {
            models: PUBLISHED_TRIO.iter().map(|s| s.to_string()).collect(),
            head: Head::Base,
            vocab_sizes: vec![32_000, 50_368, 128_256, 250_002],
            fixed_total: Some(400_000_000),
            attention_seqs: vec![512, 8192],
            show_tensors: false,
        }
    }
}

/// One model's budget and the what-ifs asked for.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ModelBudget {
    /// The exact counts.
    #[serde(flatten)]
    pub breakdown: ParamBreakdown,
    /// `--vocab-sizes`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vocab_sweep: Option<Vec<VocabWhatIf>>,
    /// `--fixed-total`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_total: Option<FixedTotal>,
    /// `--attention`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attention: Option<Vec<AttentionCost>>,
    /// `--tensors`: every tensor, by state-dict name (the same list as `breakdown.tensors`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tensors: Option<Vec<TensorGroup>>,
}

/// The report of `tokstat budget`; serialises as a JSON array with one object per model.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct BudgetReport {
    /// One entry per model, in the order given.
    pub models: Vec<ModelBudget>,
    #[serde(skip)]
    show_tensors: bool,
}

/// Computes the budget report.
pub fn budget(opts: &BudgetOptions) -> Result<BudgetReport> {
    let specs: Vec<String> = if opts.models.is_empty() {
        PUBLISHED_TRIO.iter().map(|s| s.to_string()).collect()
    } else {
        opts.models.clone()
    };
    if let Some(&v) = opts
        .vocab_sizes
        .iter()
        .find(|&&v| v == 0 || v > config::MAX_VOCAB)
    {
        return Err(Error::InvalidArgument(format!(
            "vocabulary size {v} is out of range (1 to {})",
            config::MAX_VOCAB
        )));
    }
    if let Some(p) = opts.fixed_total.filter(|&p| p == 0 || p > MAX_BUDGET) {
        return Err(Error::InvalidArgument(format!(
            "total budget {p} is out of range (1 to {MAX_BUDGET})"
        )));
    }
    if let Some(&n) = opts.attention_seqs.iter().find(|&&n| n == 0 || n > MAX_SEQ) {
        return Err(Error::InvalidArgument(format!(
            "sequence length {n} is out of range (1 to {MAX_SEQ})"
        )));
    }
    let mut models = Vec::with_capacity(specs.len());
    for spec in &specs {
        let c = ModelConfig::load(spec)?;
        let b = breakdown(&c, opts.head);
        models.push(ModelBudget {
            tensors: opts.show_tensors.then(|| b.tensors.clone()),
            breakdown: b,
            vocab_sweep: (!opts.vocab_sizes.is_empty())
                .then(|| vocab_sweep(&c, opts.head, &opts.vocab_sizes)),
            fixed_total: opts
                .fixed_total
                .map(|p| fixed_total(&c, opts.head, p, &opts.vocab_sizes)),
            attention: (!opts.attention_seqs.is_empty())
                .then(|| attention_costs(&c, &opts.attention_seqs)),
        });
    }
    Ok(BudgetReport {
        models,
        show_tensors: opts.show_tensors,
    })
}

/// A figure of the published comparison (rounded, in millions unless a share).
#[derive(Debug, Clone, Copy)]
pub struct PublishedFigures {
    /// Model preset.
    pub model: &'static str,
    /// "Parameters" (M).
    pub params_m: f64,
    /// "Vocabulary parameters" (M).
    pub vocab_params_m: f64,
    /// "Vocabulary share" (fraction).
    pub vocab_share: f64,
    /// "Core parameters" (M).
    pub core_m: f64,
}

/// The rounded figures of the published ModernBERT / jina-XLM-RoBERTa / RoBERTa-large
/// comparison (Jina AI, early 2025), to check against the exact counts.
pub const PUBLISHED: [PublishedFigures; 3] = [
    PublishedFigures {
        model: "modernbert-large",
        params_m: 400.0,
        vocab_params_m: 51.0,
        vocab_share: 0.13,
        core_m: 349.0,
    },
    PublishedFigures {
        model: "jina-xlm-roberta",
        params_m: 550.0,
        vocab_params_m: 256.0,
        vocab_share: 0.47,
        core_m: 294.0,
    },
    PublishedFigures {
        model: "roberta-large",
        params_m: 355.0,
        vocab_params_m: 51.0,
        vocab_share: 0.14,
        core_m: 304.0,
    },
];

/// The published core-parameter claims: ModernBERT-large has 19% more core parameters than
/// jina-XLM-RoBERTa and 15% more than RoBERTa-large.
pub const PUBLISHED_CORE_RATIOS: [(&str, &str, f64); 2] = [
    ("modernbert-large", "jina-xlm-roberta", 0.19),
    ("modernbert-large", "roberta-large", 0.15),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_models_are_the_published_trio() {
        let r = budget(&BudgetOptions::default()).unwrap();
        let names: Vec<&str> = r.models.iter().map(|m| m.breakdown.name.as_str()).collect();
        assert_eq!(names, PUBLISHED_TRIO);
        assert!(r.published_check().is_some());
    }
}
