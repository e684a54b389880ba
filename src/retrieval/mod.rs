//! `tokstat retrieval`: does the tokenizer change downstream embedding quality?
//!
//! A controlled experiment: the same small encoder ([`crate::encoder`]) is trained from scratch,
//! the same way, on the same CodeSearchNet-style (query, code) pairs once per tokenizer, and
//! scored on held-back queries. Only the tokenizer changes — and, with
//! [`Budget::EqualTotal`], the share of a fixed parameter budget its vocabulary takes. This
//! measures tokenizers through a small model trained from scratch; it says nothing directly
//! about the pretrained models those tokenizers come from.
//!
//! - Data: `<dir>/<language>/{train,valid,test}.jsonl` ([`data`]); the bundled corpus is
//!   `corpora/code-retrieval`. Sets in the BEIR layout (a corpus with distractors, several
//!   graded relevant documents per query) are evaluated by [`beir`] with [`graded`] metrics.
//! - Tokenization: `Tokenizer::encode_ids(text, false)`: no special tokens are added (mean
//!   pooling needs no `[CLS]`), so every tokenizer's sequence is just its tokens of the text.
//!   Queries are cut to `max_query_tokens`, code to `max_code_tokens`; the share of code cut is
//!   reported per tokenizer, because a tokenizer that compresses code better sees more of it.
//!   With `truncate_bytes` every code text is first cut to the same number of bytes, so that
//!   every tokenizer sees the same text.
//! - Training: symmetric InfoNCE with in-batch negatives ([`train`]), AdamW with warm-up and
//!   linear decay, gradient clipping, a lazy row-wise update of the embedding table.
//! - Evaluation per language as in MTEB's CodeSearchNetRetrieval: every evaluation query ranked
//!   (cosine similarity) against all evaluation code of its language, one relevant document;
//!   MRR@10, NDCG@10, Recall@1/5/10 ([`metrics`], ties pessimistic). Also BM25 over each
//!   tokenizer's ids ([`bm25`]), on the same truncated sequences the encoder sees, and
//!   optionally the untrained (freshly initialised) encoder.
//!
//! **Determinism.** Every random number comes from a seeded generator; the optimiser and the
//! scoring run in plain Rust loops in a fixed order; tokenization runs in parallel but is
//! collected in input order. Training splits each batch into fixed shards whose gradients are
//! summed in shard order ([`train`]), and every kernel runs on one thread in a fixed order, so
//! the same seed and inputs give byte-identical metrics with any thread count (a test runs 1 and
//! 2 threads); only the `timing` section of the report differs between runs.

pub mod beir;
pub mod bm25;
pub mod data;
pub mod graded;
pub mod limits;
pub mod metrics;
pub mod pretrained;
mod report;
mod run;
pub mod stats;
mod tables;
pub mod train;
pub mod uncertainty;

pub use report::*;
pub use run::*;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::tokenizer;
use metrics::RankingMetrics;

/// How the encoder is sized per tokenizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "mode", content = "parameters")]
pub enum Budget {
    /// The same d and layers for every tokenizer (the vocabulary adds parameters on top).
    EqualCore,
    /// Each tokenizer gets the largest d (a multiple of 2·heads, layers fixed) whose total
    /// parameter count — embedding table included — fits this many parameters.
    EqualTotal(usize),
}

/// Everything a run depends on. [`RetrievalOptions::default`] is the default run,
/// [`RetrievalOptions::quick`] the CI-sized one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RetrievalOptions {
    /// Tokenizer names or paths (default: modernbert, xlm-roberta, roberta).
    pub tokenizers: Vec<String>,
    /// Data directory with `<language>/{train,valid,test}.jsonl`.
    pub data_dir: PathBuf,
    /// Languages to use (empty: every language in the directory, sorted).
    pub languages: Vec<String>,
    /// Split to evaluate on (`test` by default; `valid` for tuning).
    pub eval_split: String,
    /// Hidden size (with `EqualCore`; the starting shape for `EqualTotal` is only its layers).
    pub dim: usize,
    /// Transformer layers.
    pub layers: usize,
    /// Attention heads.
    pub heads: usize,
    /// Sizing mode.
    pub budget: Budget,
    /// Query length limit in tokens.
    pub max_query_tokens: usize,
    /// Code length limit in tokens.
    pub max_code_tokens: usize,
    /// Cut every code text to this many bytes (at a character boundary) before tokenizing.
    pub truncate_bytes: Option<usize>,
    /// Pairs per training batch (also the number of in-batch negatives + 1).
    pub batch_size: usize,
    /// Passes over the training pairs.
    pub epochs: usize,
    /// Exact number of training steps (overrides `epochs`).
    pub steps: Option<usize>,
    /// Peak learning rate.
    pub lr: f64,
    /// AdamW weight decay.
    pub weight_decay: f64,
    /// Share of steps for linear warm-up.
    pub warmup_share: f64,
    /// Global gradient-norm clip.
    pub clip_norm: f64,
    /// InfoNCE temperature.
    pub temperature: f64,
    /// Seed of initialisation, sampling and batch order (the first seed when `seeds` > 1).
    pub seed: u64,
    /// Also score every model and BM25 on evaluation code cut to this many bytes (at a
    /// character boundary, no token limit): every tokenizer sees the same text.
    #[serde(default)]
    pub equal_bytes: Option<usize>,
    /// Training runs per tokenizer, with seeds `seed`, `seed + 1`, … (different initialisation
    /// and batch order; the same data sample).
    #[serde(default = "one")]
    pub seeds: usize,
    /// Use at most this many training pairs per language (seeded sample).
    pub max_train_pairs: Option<usize>,
    /// Use at most this many evaluation pairs per language (seeded sample).
    pub max_eval_pairs: Option<usize>,
    /// Also evaluate the freshly initialised encoder (`method: "untrained"`).
    pub evaluate_untrained: bool,
    /// Save each trained encoder to `<dir>/<tokenizer>.safetensors` + `.json`.
    #[serde(skip)]
    pub save_dir: Option<PathBuf>,
    /// Skip training and score the checkpoints in this directory instead.
    #[serde(skip)]
    pub load_dir: Option<PathBuf>,
    /// BEIR-layout data: write each (set, tokenizer, method)'s ranking here as a TREC run file.
    #[serde(skip)]
    pub save_runs: Option<PathBuf>,
    /// Show progress bars on stderr (they stay hidden when stderr is not a terminal).
    #[serde(skip)]
    pub progress: bool,
    /// Threads for the run (`None`: the current rayon pool, i.e. `RAYON_NUM_THREADS` or every
    /// core). Results do not depend on it.
    #[serde(skip)]
    pub threads: Option<usize>,
    /// Pretrained models (directories or hub ids) to score beside the trained encoders
    /// ([`pretrained`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pretrained: Vec<String>,
    /// How the pretrained models embed text (left out of the JSON when it is the default).
    #[serde(
        default,
        skip_serializing_if = "crate::pretrained::EmbedOptions::is_default"
    )]
    pub embed: crate::pretrained::EmbedOptions,
}

impl Default for RetrievalOptions {
    /// The default run: three tokenizers, every language, d = 64, 2 layers, 4 heads, queries ≤
    /// 32 and code ≤ 64 tokens, batch 32, one epoch, lr 4e-3 (10% warm-up, linear decay),
    /// weight decay 0.01, clip 1.0, τ = 0.1, one seed (42), and the equal-bytes view at 180
    /// bytes. The recipe was chosen on the valid split (docs/retrieval.md).
    fn default() -> Self {
        RetrievalOptions {
            tokenizers: tokenizer::DEFAULT_TRIO
                .iter()
                .map(|s| s.to_string())
                .collect(),
            data_dir: default_data_dir(),
            languages: Vec::new(),
            eval_split: "test".into(),
            dim: 64,
            layers: 2,
            heads: 4,
            budget: Budget::EqualCore,
            max_query_tokens: 32,
            max_code_tokens: 64,
            truncate_bytes: None,
            batch_size: 32,
            epochs: 1,
            steps: None,
            lr: 4e-3,
            weight_decay: 0.01,
            warmup_share: 0.1,
            clip_norm: 1.0,
            temperature: 0.1,
            seed: 42,
            seeds: 1,
            equal_bytes: Some(DEFAULT_EQUAL_BYTES),
            max_train_pairs: None,
            max_eval_pairs: None,
            evaluate_untrained: true,
            save_dir: None,
            load_dir: None,
            save_runs: None,
            progress: false,
            threads: None,
            pretrained: Vec::new(),
            embed: Default::default(),
        }
    }
}

impl RetrievalOptions {
    /// The CI-sized run: Go and Python, 3,000 training and 200 evaluation pairs per language
    /// (seeded samples), d = 32, 1 layer, 2 heads, 2 epochs, lr 3e-3. Still trains and
    /// evaluates for real; a few seconds per tokenizer.
    pub fn quick() -> Self {
        RetrievalOptions {
            languages: vec!["go".into(), "python".into()],
            dim: 32,
            layers: 1,
            heads: 2,
            epochs: 2,
            lr: 3e-3,
            max_train_pairs: Some(3000),
            max_eval_pairs: Some(200),
            ..Self::default()
        }
    }
}

/// Bytes of the default equal-bytes view: about what the median of the three default
/// tokenizers covers with 64 code tokens on the valid split (modernbert 197, xlm-roberta 182,
/// roberta 167 bytes on average).
pub const DEFAULT_EQUAL_BYTES: usize = 180;

fn one() -> usize {
    1
}

/// `corpora/code-retrieval` under the current directory, else under the crate's source tree.
pub fn default_data_dir() -> PathBuf {
    let here = PathBuf::from("corpora/code-retrieval");
    if here.is_dir() {
        return here;
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/code-retrieval");
    if src.is_dir() { src } else { here }
}
