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
pub mod whatif;

use serde::Serialize;

pub use config::{ModelConfig, ModelType, PRESETS, PositionEmbedding, Preset};
pub use params::{Head, ParamBreakdown, TensorGroup, breakdown, total_params};
pub use whatif::{
    AttentionCost, FixedTotal, UNICODE_SCALAR_VALUES, VocabWhatIf, attention_costs, fixed_total,
    vocab_sweep,
};

use crate::render::{Cell, Render, Table};
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

fn millions(n: u64) -> Cell {
    Cell::Float(n as f64 / 1e6, 1)
}

impl BudgetReport {
    fn find(&self, name: &str) -> Option<&ParamBreakdown> {
        self.models
            .iter()
            .map(|m| &m.breakdown)
            .find(|b| b.name == name)
    }
}

impl Render for BudgetReport {
    /// The human-readable tables: architecture and vocabulary-budget comparisons, core ratios,
    /// the parameter breakdown, the what-ifs asked for, and — when the three models of the
    /// published comparison are present with `--head base` — the published-versus-exact check.
    fn tables(&self) -> Vec<Table> {
        let bs: Vec<&ParamBreakdown> = self.models.iter().map(|m| &m.breakdown).collect();
        let names: Vec<String> = bs.iter().map(|b| b.name.clone()).collect();
        let mut out = Vec::new();
        let header = |first: &str| std::iter::once(first.to_string()).chain(names.iter().cloned());
        let row = |label: &str, f: &dyn Fn(&ParamBreakdown) -> Cell| {
            std::iter::once(Cell::text(label))
                .chain(bs.iter().map(|b| f(b)))
                .collect::<Vec<_>>()
        };

        let mut arch = Table::new("Architecture", header(""));
        arch.row(row("Parameters", &|b| Cell::int(b.total_params)));
        arch.row(row("Hidden states", &|b| Cell::int(b.hidden_size)));
        arch.row(row("Intermediate dims", &|b| {
            Cell::int(b.intermediate_size)
        }));
        arch.row(row("Attention heads", &|b| Cell::int(b.num_heads)));
        arch.row(row("Layers", &|b| Cell::int(b.layers)));
        arch.row(row("Vocabulary size", &|b| Cell::int(b.vocab_size)));
        arch.row(row("Position embeddings", &|b| {
            Cell::text(match b.position_embedding {
                PositionEmbedding::Absolute => "absolute",
                PositionEmbedding::Relative => "relative",
                PositionEmbedding::Rotary => "rotary",
            })
        }));
        arch.row(row("MLP", &|b| Cell::text(b.mlp)));
        out.push(arch);

        let mut voc = Table::new("Vocabulary budget", header(""));
        voc.row(row("Vocabulary size", &|b| Cell::int(b.vocab_size)));
        voc.row(row("Total", &|b| Cell::int(b.total_params)));
        voc.row(row("Vocabulary parameters", &|b| Cell::int(b.vocab_params)));
        voc.row(row("Vocabulary share", &|b| {
            Cell::Percent(b.vocab_share, 1)
        }));
        voc.row(row("Core parameters", &|b| Cell::int(b.core_params)));
        voc.note("Vocabulary parameters = vocabulary size × hidden size (the word-embedding matrix); core = total − vocabulary parameters.");
        out.push(voc);

        if bs.len() >= 2 {
            let mut r = Table::new(
                "Core parameters: row model relative to column model (row / column − 1)",
                header(""),
            );
            for a in &bs {
                let mut cells = vec![Cell::text(a.name.clone())];
                for b in &bs {
                    cells.push(if a.name == b.name {
                        Cell::Empty
                    } else {
                        Cell::Percent(a.core_params as f64 / b.core_params as f64 - 1.0, 1)
                    });
                }
                r.row(cells);
            }
            out.push(r);
        }

        let mut bd = Table::new(
            format!("Parameter breakdown (--head {})", self.head_name()),
            header("component"),
        );
        bd.row(row("word embeddings (V·H)", &|b| {
            Cell::int(b.embedding.word)
        }));
        bd.row(row("position embeddings", &|b| {
            Cell::int(b.embedding.position)
        }));
        bd.row(row("token-type embeddings", &|b| {
            Cell::int(b.embedding.token_type)
        }));
        bd.row(row("embedding norm", &|b| Cell::int(b.embedding.norm)));
        bd.row(row("per layer: attention weights", &|b| {
            Cell::int(b.per_layer.attention_weights)
        }));
        bd.row(row("per layer: attention biases", &|b| {
            Cell::int(b.per_layer.attention_biases)
        }));
        bd.row(row("per layer: MLP weights", &|b| {
            Cell::int(b.per_layer.mlp_weights)
        }));
        bd.row(row("per layer: MLP biases", &|b| {
            Cell::int(b.per_layer.mlp_biases)
        }));
        bd.row(row("per layer: norms", &|b| Cell::int(b.per_layer.norms)));
        bd.row(row("per layer: total", &|b| Cell::int(b.per_layer.total)));
        bd.row(row("layer 0 total", &|b| Cell::int(b.layer0_params)));
        bd.row(row("all layers", &|b| Cell::int(b.encoder_params)));
        bd.row(row("final norm", &|b| Cell::int(b.final_norm)));
        bd.row(row("head", &|b| {
            Cell::text(format!(
                "{} {}",
                b.head_params.kind,
                crate::render::group_thousands(b.head_params.params as i128)
            ))
        }));
        bd.row(row("total", &|b| Cell::int(b.total_params)));
        for b in &bs {
            for n in &b.notes {
                bd.note(n.clone());
            }
        }
        out.push(bd);

        if self.show_tensors {
            for b in &bs {
                let mut t = Table::new(
                    format!("{}: tensors", b.name),
                    ["tensor", "shape", "layers", "params"],
                );
                for g in &b.tensors {
                    t.row(vec![
                        Cell::text(match &g.tied_to {
                            Some(w) => format!("{} (tied to {w})", g.name),
                            None => g.name.clone(),
                        }),
                        Cell::text(
                            g.shape
                                .iter()
                                .map(|d| d.to_string())
                                .collect::<Vec<_>>()
                                .join("×"),
                        ),
                        match g.layers {
                            Some((a, z)) => Cell::text(format!("{a}–{z}")),
                            None => Cell::Empty,
                        },
                        Cell::int(g.params),
                    ]);
                }
                out.push(t);
            }
        }

        if self.models.iter().any(|m| m.vocab_sweep.is_some()) {
            let mut t = Table::new(
                "What if: other vocabulary sizes, same architecture",
                [
                    "model",
                    "vocabulary",
                    "",
                    "vocab params",
                    "total",
                    "vocab share",
                    "core",
                ],
            );
            for m in &self.models {
                for r in m.vocab_sweep.iter().flatten() {
                    t.row(vec![
                        Cell::text(m.breakdown.name.clone()),
                        Cell::int(r.vocab_size),
                        Cell::text(r.label.clone().unwrap_or_default()),
                        Cell::int(r.vocab_params),
                        Cell::int(r.total_params),
                        Cell::Percent(r.vocab_share, 1),
                        Cell::int(r.core_params),
                    ]);
                }
            }
            t.note(format!(
                "Every Unicode code point as a token: {} scalar values (U+0000–U+10FFFF minus 2,048 surrogates).",
                crate::render::group_thousands(UNICODE_SCALAR_VALUES as i128)
            ));
            out.push(t);
        }

        if let Some(p) = self.models.iter().find_map(|m| m.fixed_total.as_ref()) {
            let mut t = Table::new(
                format!(
                    "Fixed total budget P = {}: how deep or wide the core can be",
                    crate::render::group_thousands(p.budget as i128)
                ),
                [
                    "model",
                    "vocabulary",
                    "",
                    "vocab params",
                    "share of P",
                    "max layers",
                    "total at max layers",
                    "max hidden",
                    "intermediate",
                    "total at max hidden",
                ],
            );
            for m in &self.models {
                let Some(f) = &m.fixed_total else { continue };
                for r in &f.rows {
                    t.row(vec![
                        Cell::text(m.breakdown.name.clone()),
                        Cell::int(r.vocab_size),
                        Cell::text(r.label.clone().unwrap_or_default()),
                        Cell::int(r.vocab_params),
                        Cell::Percent(r.vocab_share_of_budget, 1),
                        Cell::int(r.max_layers),
                        Cell::int(r.total_at_max_layers),
                        Cell::int(r.max_hidden_size),
                        Cell::int(r.intermediate_at_max_hidden),
                        Cell::int(r.total_at_max_hidden),
                    ]);
                }
            }
            t.note("max layers: deepest model within P at the model's hidden and intermediate size (deep and thin); max hidden: widest model within P at the model's depth, hidden in steps of one head, intermediate scaled by I/H.");
            t.note("A vocabulary that alone exceeds P leaves 0 layers / 0 hidden.");
            out.push(t);
        }

        if self.models.iter().any(|m| m.attention.is_some()) {
            let mut t = Table::new(
                "Attention per forward pass: global in every layer vs global every n-th layer + sliding window",
                [
                    "model",
                    "seq",
                    "pattern",
                    "global/local layers",
                    "FLOPs all global",
                    "FLOPs pattern",
                    "×",
                    "scores all global",
                    "scores pattern",
                ],
            );
            for m in &self.models {
                for a in m.attention.iter().flatten() {
                    t.row(vec![
                        Cell::text(m.breakdown.name.clone()),
                        Cell::text(format!(
                            "{}{}",
                            crate::render::group_thousands(a.seq_len as i128),
                            if a.exceeds_max_positions { " †" } else { "" }
                        )),
                        Cell::text(format!(
                            "every {}, window {}{}",
                            a.global_every,
                            a.window,
                            if a.pattern_is_models_own {
                                ""
                            } else {
                                " (hypothetical)"
                            }
                        )),
                        Cell::text(format!("{}/{}", a.global_layers, a.local_layers)),
                        Cell::Int(a.full_flops as i128),
                        Cell::Int(a.pattern_flops as i128),
                        Cell::Float(a.flops_ratio, 2),
                        Cell::Int(a.full_scores_total as i128),
                        Cell::Int(a.pattern_scores_total as i128),
                    ]);
                }
            }
            t.note("FLOPs: QKᵀ and scores·V only, 4·n²·H per global layer and 4·pairs·H per window layer (pairs with |i−j| ≤ window/2); projections cost the same under both patterns and are left out.");
            t.note("scores: attention-score elements summed over layers (heads·n² per global layer, heads·pairs per window layer, as a windowed kernel computes them); multiply by 2 bytes for bf16.");
            t.note("† longer than the model's max_position_embeddings. (hypothetical): the model attends globally everywhere; the row applies ModernBERT's pattern to its shape.");
            out.push(t);
        }

        if let Some(t) = self.published_check() {
            out.push(t);
        }
        out
    }
}

impl BudgetReport {
    fn head_name(&self) -> String {
        self.models
            .first()
            .map_or("base".into(), |m| m.breakdown.head.to_string())
    }

    /// The published comparison's rounded figures next to the exact ones, when the report has
    /// all three of its models counted with `--head base`.
    pub fn published_check(&self) -> Option<Table> {
        let found: Vec<&ParamBreakdown> = PUBLISHED_TRIO
            .iter()
            .map(|n| self.find(n))
            .collect::<Option<_>>()?;
        if found.iter().any(|b| b.head != Head::Base) {
            return None;
        }
        let mut t = Table::new(
            "Published comparison (rounded) vs exact counts",
            [
                "model",
                "figure",
                "published",
                "exact",
                "exact (M or %)",
                "exact − published",
            ],
        );
        let diff_m = |exact: u64, published_m: f64| {
            Cell::text(format!("{:+.1}M", exact as f64 / 1e6 - published_m))
        };
        let diff_pp = |exact: f64, published: f64| {
            Cell::text(format!("{:+.1} pp", (exact - published) * 100.0))
        };
        for (p, b) in PUBLISHED.iter().zip(&found) {
            let name = Cell::text(p.model);
            t.row(vec![
                name.clone(),
                Cell::text("Parameters"),
                Cell::text(format!("{}M", p.params_m)),
                Cell::int(b.total_params),
                millions(b.total_params),
                diff_m(b.total_params, p.params_m),
            ]);
            t.row(vec![
                name.clone(),
                Cell::text("Vocabulary parameters"),
                Cell::text(format!("{}M", p.vocab_params_m)),
                Cell::int(b.vocab_params),
                millions(b.vocab_params),
                diff_m(b.vocab_params, p.vocab_params_m),
            ]);
            t.row(vec![
                name.clone(),
                Cell::text("Vocabulary share"),
                Cell::Percent(p.vocab_share, 0),
                Cell::Empty,
                Cell::Percent(b.vocab_share, 1),
                diff_pp(b.vocab_share, p.vocab_share),
            ]);
            t.row(vec![
                name,
                Cell::text("Core parameters"),
                Cell::text(format!("{}M", p.core_m)),
                Cell::int(b.core_params),
                millions(b.core_params),
                diff_m(b.core_params, p.core_m),
            ]);
        }
        for (a, b, claim) in PUBLISHED_CORE_RATIOS {
            let (Some(x), Some(y)) = (self.find(a), self.find(b)) else {
                continue;
            };
            let exact = x.core_params as f64 / y.core_params as f64 - 1.0;
            t.row(vec![
                Cell::text(a),
                Cell::text(format!("core vs {b}")),
                Cell::text(format!("+{:.0}%", claim * 100.0)),
                Cell::Empty,
                Cell::Percent(exact, 1),
                diff_pp(exact, claim),
            ]);
        }
        t.note("Published: Jina AI's ModernBERT / jina-XLM-RoBERTa / RoBERTa-large comparison (early 2025), rounded; its core = rounded total − rounded vocabulary parameters.");
        Some(t)
    }
}

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
