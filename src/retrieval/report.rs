//! The types of a `retrieval` result: run configuration, result rows, training summaries and
//! timings, and the method names of result rows.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::RetrievalOptions;
use super::{pretrained, uncertainty};
use crate::encoder::EncoderConfig;
use crate::{Error, Result};

/// One tokenizer as used in a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TokenizerInfo {
    /// Canonical name.
    pub name: String,
    /// sha256 fingerprint of its definition (16 hex chars).
    pub fingerprint: String,
    /// Rows of its embedding table (max id + 1).
    pub vocab_size: usize,
    /// The encoder trained for it.
    pub encoder: EncoderConfig,
    /// Embedding-table parameters.
    pub embedding_parameters: usize,
    /// Parameters outside the embedding table.
    pub core_parameters: usize,
    /// All parameters.
    pub total_parameters: usize,
}

/// The run's configuration, as reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RunConfig {
    /// The options (paths as given).
    pub options: RetrievalOptions,
    /// Languages evaluated, in order.
    pub languages: Vec<String>,
    /// Per tokenizer: version fingerprint and the encoder it got.
    pub tokenizers: Vec<TokenizerInfo>,
    /// Whether scores come from saved checkpoints rather than this run's training.
    pub rescored_from_checkpoints: bool,
    /// The pretrained models scored (`--pretrained`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pretrained: Vec<crate::pretrained::ModelInfo>,
    /// tokstat version.
    pub tokstat_version: String,
}

/// One (tokenizer, language, method) result: the JSON contract's `results` entries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ResultRow {
    /// Tokenizer name.
    pub tokenizer: String,
    /// Language.
    pub language: String,
    /// `trained`, `untrained` or `bm25`.
    pub method: String,
    /// Evaluation queries.
    pub queries: usize,
    /// Candidates each query is ranked against.
    pub candidates: usize,
    /// MRR@10.
    pub mrr_at_10: f64,
    /// NDCG@10 (binary relevance).
    pub ndcg_at_10: f64,
    /// Recall@1.
    pub recall_at_1: f64,
    /// Recall@5.
    pub recall_at_5: f64,
    /// Recall@10.
    pub recall_at_10: f64,
    /// Share of this language's evaluation code snippets longer than the code token limit.
    pub code_truncated_share: f64,
    /// Seed of the encoder's initialisation and batch order (`null` for BM25, which has none).
    #[serde(default)]
    pub seed: Option<u64>,
    /// The 1-based rank of each query's relevant code, in evaluation order: every metric above
    /// and every paired test is computed from these.
    #[serde(default)]
    pub gold_ranks: Vec<usize>,
}

/// Query–code token overlap of one (tokenizer, language): the explanatory measurement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OverlapRow {
    /// Tokenizer name.
    pub tokenizer: String,
    /// Language.
    pub language: String,
    /// Mean over queries of the share of the query's distinct token ids that also occur in its
    /// relevant code (both cut as the encoder sees them).
    pub query_code_overlap: f64,
    /// Spearman correlation over queries between that share and BM25's reciprocal rank@10
    /// (`null` when a side is constant).
    pub spearman_bm25: Option<f64>,
    /// The same with the trained encoder's reciprocal rank@10 (mean over seeds).
    pub spearman_trained: Option<f64>,
}

/// Training summary per tokenizer (deterministic: no times here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TrainingSummary {
    /// Tokenizer name.
    pub tokenizer: String,
    /// Seed of this training run (initialisation and batch order).
    #[serde(default)]
    pub seed: u64,
    /// Training pairs (all languages).
    pub pairs: usize,
    /// Optimiser steps (re-scored from a checkpoint: as its JSON saved them, else 0).
    pub steps: usize,
    /// Real query + code tokens processed in training (re-scored: as saved, else 0).
    pub tokens: usize,
    /// Mean tokens per training code snippet before truncation.
    pub mean_code_tokens: f64,
    /// Share of training code snippets longer than the code token limit.
    pub code_truncated_share: f64,
    /// Mean loss over the first 10% of steps (re-scored from a checkpoint: as saved, else
    /// `None`).
    pub first_loss: Option<f64>,
    /// Mean loss over the last 10% of steps (re-scored: as saved, else `None`).
    pub last_loss: Option<f64>,
    /// Mean loss over consecutive slices of ⌊steps/20⌋ steps (at least 1), the last slice
    /// holding the remainder: ⌈steps / ⌊steps/20⌋⌉ values (21 for 3,673 steps).
    pub loss_curve: Vec<f64>,
}

/// Wall-clock times per tokenizer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TokenizerTiming {
    /// Tokenizer name.
    pub tokenizer: String,
    /// Seconds spent tokenizing all pairs.
    pub tokenize_seconds: f64,
    /// Seconds spent training.
    pub train_seconds: f64,
    /// Seconds spent embedding and scoring (trained, untrained and BM25).
    pub eval_seconds: f64,
    /// Training tokens per second.
    pub train_tokens_per_second: f64,
    /// Training steps per second.
    pub train_steps_per_second: f64,
}

/// Timing of a run (the only part of the report that differs between identical runs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Timing {
    /// Whole run, seconds.
    pub total_seconds: f64,
    /// Threads of the run (`--threads`, else `RAYON_NUM_THREADS`, else every core): training
    /// splits each batch into shards that run in parallel, evaluation embeds batches in parallel.
    pub threads: usize,
    /// Per tokenizer.
    pub tokenizers: Vec<TokenizerTiming>,
    /// Embedding throughput per pretrained model.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pretrained: Vec<pretrained::EmbedTiming>,
}

/// The report of a retrieval run; serialised as the JSON contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RetrievalReport {
    /// Every setting, the seed, the tokenizers' fingerprints.
    pub config: RunConfig,
    /// One row per (tokenizer, language, method).
    pub results: Vec<ResultRow>,
    /// Training per (tokenizer, seed).
    pub training: Vec<TrainingSummary>,
    /// Mean, standard deviation and 95% interval over seeds per (tokenizer, language, method,
    /// metric), languages and their average.
    #[serde(default)]
    pub summary: Vec<uncertainty::SummaryRow>,
    /// Paired tests over queries: every pair of tokenizers per method, and the trained encoder
    /// against BM25 per tokenizer, per language and pooled.
    #[serde(default)]
    pub comparisons: Vec<uncertainty::Comparison>,
    /// Query–code token overlap per (tokenizer, language).
    #[serde(default)]
    pub overlap: Vec<OverlapRow>,
    /// Wall-clock times.
    pub timing: Timing,
}

/// Loads a report saved as JSON (`tokstat retrieval --format json > FILE`).
pub fn load_report(path: &Path) -> Result<RetrievalReport> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    crate::input::reject_json_bom(path, text.as_bytes())?;
    serde_json::from_str(&text).map_err(|e| Error::Data {
        path: path.to_path_buf(),
        line: e.line(),
        message: format!("not a tokstat retrieval report: {e}"),
    })
}

/// Reads one metric from a result row.
pub type MetricFn = fn(&ResultRow) -> f64;

/// The method names of result rows: one place for each.
pub mod method {
    /// The encoder after training.
    pub const TRAINED: &str = "trained";
    /// A pretrained model (`--pretrained`), scored as it is.
    pub const PRETRAINED: &str = "pretrained";
    /// The freshly initialised encoder.
    pub const UNTRAINED: &str = "untrained";
    /// BM25 over the tokenizer's ids.
    pub const BM25: &str = "bm25";
    /// Appended to a method scored on code cut to the same number of bytes for every
    /// tokenizer (`--equal-bytes`).
    pub const EQUAL_BYTES_SUFFIX: &str = "_equal_bytes";
    /// The trained encoder on equal-bytes code.
    pub const TRAINED_EQUAL_BYTES: &str = "trained_equal_bytes";
    /// BM25 on equal-bytes code.
    pub const BM25_EQUAL_BYTES: &str = "bm25_equal_bytes";
    /// A pretrained model on equal-bytes code.
    pub const PRETRAINED_EQUAL_BYTES: &str = "pretrained_equal_bytes";
}

impl RetrievalReport {
    /// Tokenizer names in run order.
    pub fn tokenizer_names(&self) -> Vec<String> {
        self.config
            .tokenizers
            .iter()
            .map(|t| t.name.clone())
            .chain(self.config.pretrained.iter().map(|m| m.name.clone()))
            .collect()
    }

    /// The result for a (tokenizer, language, method) of the first seed, if present.
    pub fn result(&self, tokenizer: &str, language: &str, method: &str) -> Option<&ResultRow> {
        uncertainty::rows(&self.results, tokenizer, language, method).next()
    }

    /// Mean over seeds of a metric for (tokenizer, language, method).
    pub fn mean(
        &self,
        tokenizer: &str,
        language: &str,
        method: &str,
        metric: MetricFn,
    ) -> Option<f64> {
        let v: Vec<f64> = uncertainty::rows(&self.results, tokenizer, language, method)
            .map(metric)
            .collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    }

    /// Macro average (unweighted mean over languages) of a metric for a tokenizer and method,
    /// each language's value the mean over seeds.
    pub fn average(&self, tokenizer: &str, method: &str, metric: MetricFn) -> Option<f64> {
        let vals: Vec<f64> = self
            .config
            .languages
            .iter()
            .filter_map(|l| self.mean(tokenizer, l, method, metric))
            .collect();
        (vals.len() == self.config.languages.len() && !vals.is_empty())
            .then(|| vals.iter().sum::<f64>() / vals.len() as f64)
    }

    /// Number of seeds the trained rows come from.
    pub fn seed_count(&self) -> usize {
        let mut seeds: Vec<u64> = self
            .results
            .iter()
            .filter(|r| r.method == "trained")
            .filter_map(|r| r.seed)
            .collect();
        seeds.sort_unstable();
        seeds.dedup();
        seeds.len().max(1)
    }
}
