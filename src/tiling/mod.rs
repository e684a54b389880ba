//! `tokstat tiling`: what does a warm start by weight tiling buy?
//!
//! ModernBERT-large starts from ModernBERT-base's weights, tiled to the larger shape
//! ([`crate::encoder::tiling`]). This experiment does the same with the bundled encoder, per
//! tokenizer and seed: it trains a small encoder, grows it to each larger shape (a widened and a
//! deepened one by default) and continues training; beside it the same larger shape is trained
//! from scratch, once for as many steps as the grown model took after growing (equal steps) and
//! once for that many plus the small model's steps converted to the larger model's cost (equal
//! total compute). Every loss comes from real training steps and every score from ranking the
//! evaluation split ([`run`]). The small model trains on one half of the training pairs and
//! every larger model on the other half, so that training after growing sees new data, as
//! continued pretraining does; with the defaults no run repeats a pair before the grown model's
//! last step (400 steps × 32 pairs = 12,800 per half).
//!
//! - **Compute** is counted as 6·N per training token (forward and backward, Kaplan et al. 2020,
//!   arXiv:2001.08361, §2.1) with N the parameters outside the embedding table (the table is a
//!   lookup; its update touches only the rows of a batch). Every run of a seed sees the same
//!   batches, so equal compute means `steps + ⌊small steps · N_small / N_large⌉` steps.
//! - **Initial loss**: the InfoNCE loss of a model on a fixed set of probe batches of the
//!   `valid` split (held out from training; the same batches for every model of a seed), before
//!   any step; the trained small model's loss on them is its final loss.
//! - **Recovery**: the share of the continued training after which the grown model's training
//!   loss (mean of a 5% slice) is first within [`RECOVERY_TOLERANCE`] of the small model's final
//!   training loss (mean of its last 10% of steps).

mod run;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::render::{Cell, Render, Table};

pub use run::run;

/// The grown model counts as recovered when its training loss is at most this much (relative)
/// above the small model's final loss.
pub const RECOVERY_TOLERANCE: f64 = 0.10;

/// "Quickly" recovered: within this share of the continued training.
pub const QUICK_SHARE: f64 = 0.25;

/// An encoder shape: hidden size, layers and heads (the intermediate size is 3d/2, as
/// everywhere in tokstat).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Shape {
    /// Hidden size d.
    pub dim: usize,
    /// Transformer layers.
    pub layers: usize,
    /// Attention heads.
    pub heads: usize,
}

/// A larger shape the small model is grown to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Variant {
    /// Name (`wide`, `deep`, …).
    pub name: String,
    /// The shape.
    pub shape: Shape,
}

/// Everything the experiment depends on. [`TilingOptions::default`] is the default run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TilingOptions {
    /// Tokenizer names or paths.
    pub tokenizers: Vec<String>,
    /// Data directory with `<language>/{train,valid,test}.jsonl`.
    pub data_dir: PathBuf,
    /// Languages.
    pub languages: Vec<String>,
    /// Split the models are scored on.
    pub eval_split: String,
    /// The small model.
    pub small: Shape,
    /// The larger shapes.
    pub variants: Vec<Variant>,
    /// Training steps of the small model.
    pub small_steps: usize,
    /// Training steps after growing (and of the equal-steps cold start).
    pub steps: usize,
    /// First seed; seeds are `seed`, `seed + 1`, ….
    pub seed: u64,
    /// Seeds per tokenizer.
    pub seeds: usize,
    /// Training pairs per language (seeded sample).
    pub max_train_pairs: Option<usize>,
    /// Evaluation pairs per language (seeded sample).
    pub max_eval_pairs: Option<usize>,
    /// Batches of the training data every model's loss is measured on before training.
    pub probe_batches: usize,
    /// Peak learning rate (the rest of the recipe is `tokstat retrieval --quick`'s).
    pub lr: f64,
    /// Threads (`None`: the current pool). Results do not depend on it.
    #[serde(skip)]
    pub threads: Option<usize>,
}

impl Default for TilingOptions {
    /// modernbert on Go and Python (12,800 training and 200 evaluation pairs per language, the
    /// test split); small d = 32, 1 layer, 2 heads, 400 steps; grown to `wide` (d = 64, 4 heads)
    /// and `deep` (2 layers) and trained 400 more steps; 3 seeds from 42; lr 3e-3.
    fn default() -> Self {
        let small = Shape {
            dim: 32,
            layers: 1,
            heads: 2,
        };
        TilingOptions {
            tokenizers: vec!["modernbert".into()],
            data_dir: crate::retrieval::default_data_dir(),
            languages: vec!["go".into(), "python".into()],
            eval_split: "test".into(),
            small,
            variants: vec![
                Variant {
                    name: "wide".into(),
                    shape: Shape {
                        dim: 64,
                        heads: 4,
                        ..small
                    },
                },
                Variant {
                    name: "deep".into(),
                    shape: Shape { layers: 2, ..small },
                },
            ],
            small_steps: 400,
            steps: 400,
            seed: 42,
            seeds: 3,
            max_train_pairs: Some(12_800),
            max_eval_pairs: Some(200),
            probe_batches: 4,
            lr: 3e-3,
            threads: None,
        }
    }
}

/// How a run started and how long it trained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The small model, from scratch.
    Small,
    /// The small model grown to the variant's shape, then trained `steps`.
    Grown,
    /// The variant's shape from scratch, `steps`.
    ColdEqualSteps,
    /// The variant's shape from scratch, `steps` + the small model's compute.
    ColdEqualCompute,
}

/// One training run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RunRow {
    /// Tokenizer.
    pub tokenizer: String,
    /// Seed (initialisation and batch order).
    pub seed: u64,
    /// Variant name (`small` for the small model).
    pub variant: String,
    /// How it started.
    pub role: Role,
    /// Its shape.
    pub shape: Shape,
    /// Parameters outside the embedding table.
    pub core_parameters: usize,
    /// Training steps.
    pub steps: usize,
    /// Loss on the probe batches before training.
    pub initial_probe_loss: f64,
    /// Loss on the probe batches after training.
    pub final_probe_loss: f64,
    /// Mean training loss of the first 10% of steps.
    pub first_loss: f64,
    /// Mean training loss of the last 10% of steps.
    pub last_loss: f64,
    /// Mean training loss of each 5% slice.
    pub loss_curve: Vec<f64>,
    /// MRR@10 per language, in the options' order.
    pub mrr_by_language: Vec<f64>,
    /// MRR@10, mean over languages.
    pub mrr_at_10: f64,
}

/// The comparison of one (tokenizer, seed, variant).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GrowthRow {
    /// Tokenizer.
    pub tokenizer: String,
    /// Seed.
    pub seed: u64,
    /// Variant.
    pub variant: String,
    /// The small model's final training loss (mean of its last 10% of steps).
    pub small_final_loss: f64,
    /// The trained small model's loss on the probe batches.
    pub small_probe_loss: f64,
    /// The grown model's loss on the same batches, before any step.
    pub grown_initial_loss: f64,
    /// A fresh model of the variant's shape on the same batches.
    pub cold_initial_loss: f64,
    /// Share of the continued training after which the grown model's loss is first within
    /// [`RECOVERY_TOLERANCE`] of `small_final_loss` (`null`: never).
    pub recovery_share: Option<f64>,
    /// Steps of the equal-compute cold start.
    pub equal_compute_steps: usize,
    /// MRR@10 of the small model.
    pub mrr_small: f64,
    /// MRR@10 of the grown model after `steps`.
    pub mrr_grown: f64,
    /// MRR@10 of the cold start after `steps`.
    pub mrr_cold_equal_steps: f64,
    /// MRR@10 of the cold start at equal total compute.
    pub mrr_cold_equal_compute: f64,
}

impl GrowthRow {
    /// MRR@10 of the grown model minus the equal-compute cold start's.
    pub fn gain_equal_compute(&self) -> f64 {
        self.mrr_grown - self.mrr_cold_equal_compute
    }

    /// MRR@10 of the grown model minus the equal-steps cold start's.
    pub fn gain_equal_steps(&self) -> f64 {
        self.mrr_grown - self.mrr_cold_equal_steps
    }

    /// Whether the grown model recovered within [`QUICK_SHARE`] of its continued training.
    pub fn recovered_quickly(&self) -> bool {
        self.recovery_share.is_some_and(|s| s <= QUICK_SHARE)
    }
}

/// Wall-clock time (the only part of the report that differs between identical runs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TilingTiming {
    /// Whole run, seconds.
    pub total_seconds: f64,
    /// Threads of the run.
    pub threads: usize,
}

/// The report of `tokstat tiling`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TilingReport {
    /// The options.
    pub options: TilingOptions,
    /// Every training run.
    pub runs: Vec<RunRow>,
    /// One comparison per (tokenizer, seed, variant).
    pub growth: Vec<GrowthRow>,
    /// tokstat version.
    pub tokstat_version: String,
    /// Wall-clock time.
    pub timing: TilingTiming,
}

/// Loads a report saved as JSON (`tokstat tiling --format json > FILE`).
pub fn load_report(path: &std::path::Path) -> crate::Result<TilingReport> {
    let text = std::fs::read_to_string(path).map_err(|e| crate::Error::io(path, e))?;
    crate::input::reject_json_bom(path, text.as_bytes())?;
    serde_json::from_str(&text).map_err(|e| crate::Error::Data {
        path: path.to_path_buf(),
        line: e.line(),
        message: format!("not a tokstat tiling report: {e}"),
    })
}

fn mean(xs: impl IntoIterator<Item = f64>) -> f64 {
    let (s, n) = xs
        .into_iter()
        .fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    s / n.max(1) as f64
}

impl TilingReport {
    /// Mean over seeds of the loss curve of (tokenizer, variant, role).
    pub fn mean_curve(&self, tokenizer: &str, variant: &str, role: Role) -> Vec<f64> {
        let curves: Vec<&Vec<f64>> = self
            .runs
            .iter()
            .filter(|r| r.tokenizer == tokenizer && r.variant == variant && r.role == role)
            .map(|r| &r.loss_curve)
            .collect();
        let len = curves.iter().map(|c| c.len()).min().unwrap_or(0);
        (0..len)
            .map(|i| mean(curves.iter().map(|c| c[i])))
            .collect()
    }

    fn growth_table(&self) -> Table {
        let mut t = Table::new(
            "Growing vs training from scratch (MRR@10 on the evaluation split, mean over languages)",
            [
                "tokenizer",
                "seed",
                "variant",
                "small final loss",
                "small held-out loss",
                "grown initial loss",
                "cold initial loss",
                "recovered after",
                "small",
                "grown",
                "cold, equal steps",
                "cold, equal compute",
            ],
        );
        for g in &self.growth {
            t.row(vec![
                Cell::text(&g.tokenizer),
                Cell::Int(g.seed as i128),
                Cell::text(&g.variant),
                Cell::Float(g.small_final_loss, 3),
                Cell::Float(g.small_probe_loss, 3),
                Cell::Float(g.grown_initial_loss, 3),
                Cell::Float(g.cold_initial_loss, 3),
                g.recovery_share
                    .map_or(Cell::text("never"), |s| Cell::Percent(s, 0)),
                Cell::Float(g.mrr_small, 3),
                Cell::Float(g.mrr_grown, 3),
                Cell::Float(g.mrr_cold_equal_steps, 3),
                Cell::Float(g.mrr_cold_equal_compute, 3),
            ]);
        }
        t.note(format!(
            "Held-out and initial losses: InfoNCE on the same {} batches of the valid split, \
             before any step of the grown or fresh model. The small model's final loss is the \
             mean training loss of its last 10% of steps; \"recovered after\": share of the \
             continued training until the grown model's training loss is within {:.0}% of it.",
            self.options.probe_batches,
            RECOVERY_TOLERANCE * 100.0
        ));
        t
    }

    fn runs_table(&self) -> Table {
        let mut t = Table::new(
            "Training runs",
            [
                "tokenizer",
                "seed",
                "variant",
                "start",
                "d",
                "layers",
                "heads",
                "core parameters",
                "steps",
                "first loss",
                "last loss",
                "MRR@10",
            ],
        );
        for r in &self.runs {
            let role = serde_json::to_value(r.role)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            t.row(vec![
                Cell::text(&r.tokenizer),
                Cell::Int(r.seed as i128),
                Cell::text(&r.variant),
                Cell::text(role),
                Cell::count(r.shape.dim),
                Cell::count(r.shape.layers),
                Cell::count(r.shape.heads),
                Cell::count(r.core_parameters),
                Cell::count(r.steps),
                Cell::Float(r.first_loss, 3),
                Cell::Float(r.last_loss, 3),
                Cell::Float(r.mrr_at_10, 3),
            ]);
        }
        t
    }
}

impl Render for TilingReport {
    fn tables(&self) -> Vec<Table> {
        vec![self.growth_table(), self.runs_table()]
    }
}

/// Loss curves (mean over seeds) of each variant grown and trained from scratch for the same
/// steps, against the small model's final loss, over the steps after growing.
pub fn loss_chart(report: &TilingReport) -> crate::Result<String> {
    use crate::render::chart::{self, Labels, Series};
    let o = &report.options;
    let mut series = Vec::new();
    let mut len = 0;
    for tok in &o.tokenizers {
        let tok = crate::tokenizer::canonical_name(tok).unwrap_or_else(|_| tok.clone());
        let prefix = if o.tokenizers.len() > 1 {
            format!("{tok} ")
        } else {
            String::new()
        };
        for v in &o.variants {
            for (role, what) in [
                (Role::Grown, "grown"),
                (Role::ColdEqualSteps, "from scratch"),
            ] {
                let values = report.mean_curve(&tok, &v.name, role);
                len = len.max(values.len());
                series.push(Series {
                    name: format!("{prefix}{} {what}", v.name),
                    values,
                });
            }
        }
        let finals = report
            .runs
            .iter()
            .filter(|r| r.tokenizer == tok && r.role == Role::Small)
            .map(|r| r.last_loss);
        series.push(Series {
            name: format!("{prefix}small, final loss"),
            values: vec![mean(finals); len],
        });
    }
    for s in &mut series {
        s.values.resize(len, f64::NAN);
    }
    let xs: Vec<f64> = (1..=len)
        .map(|k| (k * o.steps) as f64 / len.max(1) as f64)
        .collect();
    let labels = Labels {
        title: "Training loss after growing (mean over seeds)".into(),
        x: "steps after growing".into(),
        y: "InfoNCE loss (5% slices)".into(),
    };
    chart::lines(&labels, &xs, &series)
}
