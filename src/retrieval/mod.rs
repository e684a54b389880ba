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
pub mod stats;
pub mod train;
pub mod uncertainty;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::encoder::optim::AdamWConfig;
use crate::encoder::rng::SeededRng;
use crate::encoder::{Encoder, EncoderConfig};
use crate::render::{Cell, Render, Table};
use crate::tokenizer::{self, Tokenizer};
use crate::{Error, Result};
use data::Pair;
use metrics::RankingMetrics;
use train::{TrainExample, TrainSettings};

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

/// Tokenized pairs of one language.
pub(crate) struct Tokenized {
    pub(crate) queries: Vec<Vec<u32>>,
    pub(crate) codes: Vec<Vec<u32>>,
}

fn cut_bytes(s: &str, n: Option<usize>) -> &str {
    match n {
        Some(n) if n < s.len() => {
            let mut e = n;
            while !s.is_char_boundary(e) {
                e -= 1;
            }
            &s[..e]
        }
        _ => s,
    }
}

pub(crate) fn tokenize(
    tok: &dyn Tokenizer,
    pairs: &[Pair],
    truncate_bytes: Option<usize>,
) -> Result<Tokenized> {
    let encoded: Vec<(Vec<u32>, Vec<u32>)> = pairs
        .par_iter()
        .map(|p| {
            Ok((
                tok.encode_ids(&p.query, false)?,
                tok.encode_ids(cut_bytes(&p.code, truncate_bytes), false)?,
            ))
        })
        .collect::<Result<_>>()?;
    let (queries, codes) = encoded.into_iter().unzip();
    Ok(Tokenized { queries, codes })
}

pub(crate) fn sample(mut pairs: Vec<Pair>, max: Option<usize>, seed: u64, label: u64) -> Vec<Pair> {
    match max {
        Some(n) if n < pairs.len() => {
            let mut rng = SeededRng::fork(seed, label);
            let mut idx: Vec<usize> = (0..pairs.len()).collect();
            rng.shuffle(&mut idx);
            let mut keep: Vec<usize> = idx.into_iter().take(n).collect();
            keep.sort_unstable();
            let mut slots: Vec<Option<Pair>> = pairs.drain(..).map(Some).collect();
            keep.into_iter().filter_map(|i| slots[i].take()).collect()
        }
        _ => pairs,
    }
}

pub(crate) fn label_of(language: &str, split: &str) -> u64 {
    // FNV-1a of "language/split": a stable per-(language, split) sampling stream.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in language.bytes().chain([b'/']).chain(split.bytes()) {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The encoder shape for a tokenizer with `vocab_size` rows under the options' budget.
pub fn encoder_config(opts: &RetrievalOptions, vocab_size: usize) -> Result<EncoderConfig> {
    match opts.budget {
        Budget::EqualCore => {
            let c = EncoderConfig::with_shape(vocab_size, opts.dim, opts.layers, opts.heads);
            c.validate()?;
            Ok(c)
        }
        Budget::EqualTotal(p) => {
            let step = 2 * opts.heads.max(1);
            let mut best = None;
            let mut d = step;
            loop {
                let c = EncoderConfig::with_shape(vocab_size, d, opts.layers, opts.heads);
                if c.parameters() > p || d > limits::MAX_DIM {
                    break;
                }
                best = Some(c);
                d += step;
            }
            best.ok_or_else(|| {
                let c = EncoderConfig::with_shape(vocab_size, step, opts.layers, opts.heads);
                Error::InvalidArgument(format!(
                    "--budget equal-total {p}: even the smallest encoder (d = {step}) needs {} parameters with a vocabulary of {vocab_size}",
                    c.parameters()
                ))
            })
        }
    }
}

fn checkpoint_path(dir: &Path, tokenizer: &str) -> PathBuf {
    dir.join(format!("{}.safetensors", file_stem(tokenizer)))
}

/// A name as a file name: every character other than ASCII letters, digits, `-` and `_`
/// becomes `_`.
fn file_stem(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn bar(opts: &RetrievalOptions, prefix: &str) -> ProgressBar {
    if !opts.progress {
        return ProgressBar::hidden();
    }
    let b = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    b.set_prefix(prefix.to_string());
    b
}

/// Cosine-similarity ranks of each query's own code among all codes (embeddings are unit
/// length, so the dot product is the cosine). Dot products run in f32 in index order, then
/// ranks follow [`metrics::gold_rank`].
pub(crate) fn dense_ranks(queries: &[Vec<f32>], codes: &[Vec<f32>]) -> Vec<usize> {
    queries
        .par_iter()
        .enumerate()
        .map(|(i, q)| {
            let scores: Vec<f64> = codes
                .iter()
                .map(|c| q.iter().zip(c).map(|(a, b)| a * b).sum::<f32>() as f64)
                .collect();
            metrics::gold_rank(&scores, i)
        })
        .collect()
}

/// Runs the experiment, on a pool of `opts.threads` threads when set.
pub fn run(opts: &RetrievalOptions) -> Result<RetrievalReport> {
    match opts.threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()
            .map_err(|e| Error::InvalidArgument(format!("--threads {n}: {e}")))?
            .install(|| run_in_pool(opts)),
        None => run_in_pool(opts),
    }
}

fn run_in_pool(opts: &RetrievalOptions) -> Result<RetrievalReport> {
    let started = Instant::now();
    limits::check_options(opts)?;
    pretrained::check_options(opts)?;
    for t in &opts.tokenizers {
        tokenizer::canonical_name(t)?; // unknown names fail before any data is read
    }
    let languages = selected_languages(opts)?;
    let training = opts.load_dir.is_none() && !opts.tokenizers.is_empty();
    let (eval_pairs, train_pairs) = load_pairs(opts, &languages, training)?;
    let toks = load_tokenizers(opts)?;

    let mut runs = Vec::new();
    for tok in &toks {
        runs.push(run_tokenizer(
            opts,
            &languages,
            tok.as_ref(),
            &eval_pairs,
            &train_pairs,
        )?);
    }
    let taken: Vec<&str> = toks.iter().map(|t| t.name()).collect();
    let models = pretrained::run_models(opts, &languages, &eval_pairs, &taken)?;
    let mut report = assemble(opts, languages, runs, models);
    report.summary = uncertainty::summary(&report)?;
    report.comparisons = uncertainty::comparisons(&report, RESAMPLES, opts.seed)?;
    report.timing.total_seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// The languages of `--languages` (all of the data directory's when empty), each checked to
/// exist there.
fn selected_languages(opts: &RetrievalOptions) -> Result<Vec<String>> {
    let available = data::languages(&opts.data_dir)?;
    if opts.languages.is_empty() {
        return Ok(available);
    }
    if let Some(l) = opts.languages.iter().find(|l| !available.contains(l)) {
        return Err(Error::InvalidArgument(format!(
            "language `{l}` not found in `{}` (available: {})",
            opts.data_dir.display(),
            available.join(", ")
        )));
    }
    Ok(opts.languages.clone())
}

/// Pairs per language, in the order of the run's languages.
type LanguagePairs = Vec<Vec<Pair>>;

/// The sampled evaluation pairs of each language and, when `training`, its sampled training
/// pairs. A language needs at least 2 evaluation pairs to rank.
fn load_pairs(
    opts: &RetrievalOptions,
    languages: &[String],
    training: bool,
) -> Result<(LanguagePairs, LanguagePairs)> {
    let mut train_pairs = Vec::new();
    let mut eval_pairs = Vec::new();
    for lang in languages {
        let ev = data::load_split(&opts.data_dir, lang, &opts.eval_split)?;
        let ev = sample(
            ev,
            opts.max_eval_pairs,
            opts.seed,
            label_of(lang, &opts.eval_split),
        );
        if ev.len() < 2 {
            return Err(Error::InvalidArgument(format!(
                "{}: language `{lang}` has {} {} pairs; ranking needs at least 2",
                data::split_path(&opts.data_dir, lang, &opts.eval_split).display(),
                ev.len(),
                opts.eval_split
            )));
        }
        eval_pairs.push(ev);
        if training {
            let tr = data::load_split(&opts.data_dir, lang, "train")?;
            train_pairs.push(sample(
                tr,
                opts.max_train_pairs,
                opts.seed,
                label_of(lang, "train"),
            ));
        }
    }
    Ok((eval_pairs, train_pairs))
}

/// The tokenizers to train encoders for (none when only pretrained models are scored), each
/// checked to fit in memory before anything is trained.
fn load_tokenizers(opts: &RetrievalOptions) -> Result<Vec<Arc<dyn Tokenizer>>> {
    let toks: Vec<Arc<dyn Tokenizer>> = if opts.tokenizers.is_empty() && !opts.pretrained.is_empty()
    {
        Vec::new()
    } else {
        tokenizer::load_many(&opts.tokenizers)?
    };
    if opts.load_dir.is_none() {
        let available = limits::available_memory();
        for tok in &toks {
            let config = encoder_config(opts, tok.vocab_size().total)?;
            limits::check_memory(tok.name(), &config, opts, available)?;
        }
    }
    if toks.is_empty() && opts.pretrained.is_empty() {
        return Err(Error::InvalidArgument("no tokenizer given".into()));
    }
    Ok(toks)
}

/// The report of the tokenizer runs and pretrained models, before its summary, comparisons
/// and total time.
fn assemble(
    opts: &RetrievalOptions,
    languages: Vec<String>,
    runs: Vec<TokenizerRun>,
    models: Vec<pretrained::ModelRun>,
) -> RetrievalReport {
    let mut infos = Vec::new();
    let mut results = Vec::new();
    let mut summaries = Vec::new();
    let mut timings = Vec::new();
    let mut overlap = Vec::new();
    for run in runs {
        infos.push(run.info);
        results.extend(run.results);
        summaries.extend(run.training);
        timings.push(run.timing);
        overlap.extend(run.overlap);
    }
    let mut model_infos = Vec::new();
    let mut model_timings = Vec::new();
    for m in models {
        results.extend(m.results);
        model_infos.push(m.info);
        model_timings.push(m.timing);
    }
    RetrievalReport {
        config: RunConfig {
            options: opts.clone(),
            languages,
            tokenizers: infos,
            rescored_from_checkpoints: opts.load_dir.is_some(),
            pretrained: model_infos,
            tokstat_version: env!("CARGO_PKG_VERSION").to_string(),
        },
        results,
        training: summaries,
        summary: Vec::new(),
        comparisons: Vec::new(),
        overlap,
        timing: Timing {
            total_seconds: 0.0,
            threads: rayon::current_num_threads(),
            tokenizers: timings,
            pretrained: model_timings,
        },
    }
}

/// Resamples of every paired randomization test and bootstrap.
pub const RESAMPLES: usize = 10_000;

/// What one tokenizer's part of a run produced.
struct TokenizerRun {
    info: TokenizerInfo,
    results: Vec<ResultRow>,
    training: Vec<TrainingSummary>,
    timing: TokenizerTiming,
    overlap: Vec<OverlapRow>,
}

/// The seeds of a run: `seed`, `seed + 1`, … (`seeds` of them).
pub fn run_seeds(opts: &RetrievalOptions) -> Vec<u64> {
    (0..opts.seeds.max(1) as u64)
        .map(|i| opts.seed.wrapping_add(i))
        .collect()
}

/// Tokenizes, trains (once per seed) and scores one tokenizer.
fn run_tokenizer(
    opts: &RetrievalOptions,
    languages: &[String],
    tok: &dyn Tokenizer,
    eval_pairs: &[Vec<Pair>],
    train_pairs: &[Vec<Pair>],
) -> Result<TokenizerRun> {
    let name = tok.name().to_string();
    let t0 = Instant::now();
    let sets = TokenizedSets::new(opts, tok, eval_pairs, train_pairs)?;
    let tokenize_seconds = t0.elapsed().as_secs_f64();
    let vocab = tok.vocab_size().total.max(sets.max_id() + 1);
    let base = training_summary(&name, &sets.train, opts);
    let examples = training_examples(sets.train);
    let views = eval_views(opts, eval_pairs, sets.eval, sets.equal_bytes);
    let mut seeds = SeedRuns::default();
    let seed_list = if opts.load_dir.is_none() {
        run_seeds(opts)
    } else {
        vec![opts.seed]
    };
    for (i, &seed) in seed_list.iter().enumerate() {
        let ctx = SeedContext {
            opts,
            languages,
            name: &name,
            tok,
            vocab,
            base: &base,
            examples: &examples,
            views: &views,
        };
        seeds.run(&ctx, i, seed)?;
    }
    let t = Instant::now();
    for view in &views {
        seeds
            .results
            .extend(bm25_results(opts, &name, languages, view));
    }
    seeds.eval_seconds += t.elapsed().as_secs_f64();
    let overlap = overlap_rows(&name, languages, &views[0].tokenized, &seeds.results, opts);
    let timing = tokenizer_timing(name, tokenize_seconds, &seeds);
    Ok(TokenizerRun {
        info: seeds
            .info
            .ok_or_else(|| Error::InvalidArgument("--seeds must be at least 1".into()))?,
        results: seeds.results,
        training: seeds.summaries,
        timing,
        overlap,
    })
}

/// One tokenizer's ids for the evaluation pairs, the training pairs and, with
/// `--equal-bytes`, the evaluation pairs cut to that many bytes.
struct TokenizedSets {
    eval: Vec<Tokenized>,
    train: Vec<Tokenized>,
    equal_bytes: Option<Vec<Tokenized>>,
}

impl TokenizedSets {
    fn new(
        opts: &RetrievalOptions,
        tok: &dyn Tokenizer,
        eval_pairs: &[Vec<Pair>],
        train_pairs: &[Vec<Pair>],
    ) -> Result<Self> {
        let all = |pairs: &[Vec<Pair>], cut: Option<usize>| -> Result<Vec<Tokenized>> {
            pairs.iter().map(|p| tokenize(tok, p, cut)).collect()
        };
        Ok(Self {
            eval: all(eval_pairs, opts.truncate_bytes)?,
            train: all(train_pairs, opts.truncate_bytes)?,
            equal_bytes: opts
                .equal_bytes
                .map(|b| all(eval_pairs, Some(b)))
                .transpose()?,
        })
    }

    /// The largest id in any set (0 when all are empty).
    fn max_id(&self) -> usize {
        self.eval
            .iter()
            .chain(self.equal_bytes.iter().flatten())
            .chain(&self.train)
            .flat_map(|t| t.queries.iter().chain(&t.codes).flatten())
            .copied()
            .max()
            .unwrap_or(0) as usize
    }
}

/// The evaluation views: the pairs as configured and, with `--equal-bytes`, cut to equal
/// bytes.
fn eval_views(
    opts: &RetrievalOptions,
    eval_pairs: &[Vec<Pair>],
    eval_tok: Vec<Tokenized>,
    equal_bytes: Option<Vec<Tokenized>>,
) -> Vec<EvalView> {
    let mut views = vec![EvalView {
        suffix: "",
        cut_shares: eval_tok
            .iter()
            .map(|t| share(&t.codes, |c| c.len() > opts.max_code_tokens))
            .collect(),
        tokenized: eval_tok,
        code_limit: opts.max_code_tokens,
    }];
    if let (Some(b), Some(tokenized)) = (opts.equal_bytes, equal_bytes) {
        views.push(EvalView {
            suffix: method::EQUAL_BYTES_SUFFIX,
            cut_shares: eval_pairs
                .iter()
                .map(|p| share(p, |x| x.code.len() > b))
                .collect(),
            tokenized,
            code_limit: limits::MAX_TOKENS,
        });
    }
    views
}

/// What every seed of one tokenizer's run shares.
struct SeedContext<'a> {
    opts: &'a RetrievalOptions,
    languages: &'a [String],
    name: &'a str,
    tok: &'a dyn Tokenizer,
    vocab: usize,
    base: &'a TrainingSummary,
    examples: &'a [TrainExample],
    views: &'a [EvalView],
}

/// What the seeds of one tokenizer's run produced so far.
#[derive(Default)]
struct SeedRuns {
    results: Vec<ResultRow>,
    summaries: Vec<TrainingSummary>,
    info: Option<TokenizerInfo>,
    train_seconds: f64,
    eval_seconds: f64,
}

impl SeedRuns {
    /// Builds (or loads) the encoder of seed number `i`, scores it untrained when asked (first
    /// seed only), trains it unless it was loaded, and scores it on every view.
    fn run(&mut self, ctx: &SeedContext, i: usize, seed: u64) -> Result<()> {
        let (opts, name) = (ctx.opts, ctx.name);
        let training = opts.load_dir.is_none();
        let (mut enc, saved) = match &opts.load_dir {
            Some(dir) => load_checkpoint(&checkpoint_path(dir, name), name, ctx.vocab)?,
            None => (Encoder::new(encoder_config(opts, ctx.vocab)?, seed)?, None),
        };
        let seed = saved.as_ref().map_or(seed, |s| s.seed);
        self.info
            .get_or_insert_with(|| tokenizer_info(name, ctx.tok, &enc.config));
        if opts.evaluate_untrained && i == 0 {
            let t = Instant::now();
            let run = (name, method::UNTRAINED, seed);
            // A loaded checkpoint's untrained encoder is rebuilt from its config and seed: the
            // same initialisation the training run started from.
            let fresh = (!training)
                .then(|| Encoder::new(enc.config.clone(), seed))
                .transpose()?;
            let untrained = fresh.as_ref().unwrap_or(&enc);
            let rows = evaluate(opts, run, ctx.languages, untrained, &ctx.views[0])?;
            self.results.extend(rows);
            self.eval_seconds += t.elapsed().as_secs_f64();
        }
        let mut summary = saved.map_or_else(
            || TrainingSummary {
                seed,
                ..ctx.base.clone()
            },
            |s| carried_summary(ctx.base, s),
        );
        if training {
            let t = Instant::now();
            train_one(
                opts,
                name,
                ctx.tok,
                &mut enc,
                ctx.examples,
                seed,
                &mut summary,
            )?;
            self.train_seconds += t.elapsed().as_secs_f64();
        }
        let t = Instant::now();
        for view in ctx.views {
            let run = (name, method::TRAINED, seed);
            self.results
                .extend(evaluate(opts, run, ctx.languages, &enc, view)?);
        }
        self.eval_seconds += t.elapsed().as_secs_f64();
        self.summaries.push(summary);
        Ok(())
    }
}

/// The timing row of one tokenizer's run; rates are 0 when nothing was trained.
fn tokenizer_timing(name: String, tokenize_seconds: f64, seeds: &SeedRuns) -> TokenizerTiming {
    let (steps, tokens) = seeds
        .summaries
        .iter()
        .fold((0, 0), |(s, t), x| (s + x.steps, t + x.tokens));
    let secs = seeds.train_seconds.max(1e-9);
    let per_second = |n: usize| if steps > 0 { n as f64 / secs } else { 0.0 };
    TokenizerTiming {
        tokenizer: name,
        tokenize_seconds,
        train_seconds: seeds.train_seconds,
        eval_seconds: seeds.eval_seconds,
        train_tokens_per_second: per_second(tokens),
        train_steps_per_second: per_second(steps),
    }
}

fn tokenizer_info(name: &str, tok: &dyn Tokenizer, cfg: &EncoderConfig) -> TokenizerInfo {
    TokenizerInfo {
        name: name.to_string(),
        fingerprint: tok.fingerprint(),
        vocab_size: cfg.vocab_size,
        embedding_parameters: cfg.embedding_parameters(),
        core_parameters: cfg.core_parameters(),
        total_parameters: cfg.parameters(),
        encoder: cfg.clone(),
    }
}

/// Loads a checkpoint, with the training summary its JSON saved (`run.training`), if any.
fn load_checkpoint(
    path: &Path,
    name: &str,
    vocab: usize,
) -> Result<(Encoder, Option<TrainingSummary>)> {
    let (e, run) = Encoder::load(path)?;
    if e.config.vocab_size < vocab {
        return Err(Error::Model(format!(
            "{}: embedding table has {} rows but tokenizer `{name}` needs {vocab}",
            path.display(),
            e.config.vocab_size
        )));
    }
    let saved = run
        .get("training")
        .and_then(|t| serde_json::from_value(t.clone()).ok());
    Ok((e, saved))
}

/// The summary of a re-scored checkpoint: the training run's as saved (seed, pairs, steps,
/// tokens, code lengths, losses), under this run's tokenizer name.
fn carried_summary(base: &TrainingSummary, saved: TrainingSummary) -> TrainingSummary {
    TrainingSummary {
        tokenizer: base.tokenizer.clone(),
        ..saved
    }
}

/// The training summary before training: data sizes and code lengths.
fn training_summary(
    name: &str,
    train_tok: &[Tokenized],
    opts: &RetrievalOptions,
) -> TrainingSummary {
    let code_lens: Vec<usize> = train_tok
        .iter()
        .flat_map(|t| t.codes.iter().map(Vec::len))
        .collect();
    let n = code_lens.len().max(1) as f64;
    TrainingSummary {
        tokenizer: name.to_string(),
        seed: opts.seed,
        pairs: code_lens.len(),
        steps: 0,
        tokens: 0,
        mean_code_tokens: code_lens.iter().sum::<usize>() as f64 / n,
        code_truncated_share: code_lens
            .iter()
            .filter(|&&l| l > opts.max_code_tokens)
            .count() as f64
            / n,
        first_loss: None,
        last_loss: None,
        loss_curve: Vec::new(),
    }
}

pub(crate) fn training_examples(train_tok: Vec<Tokenized>) -> Vec<TrainExample> {
    train_tok
        .into_iter()
        .enumerate()
        .flat_map(|(g, t)| {
            t.queries
                .into_iter()
                .zip(t.codes)
                .map(move |(query, code)| TrainExample {
                    group: g,
                    query,
                    code,
                })
        })
        .collect()
}

/// Trains `enc` with `seed` (batch order) and records the outcome in `summary`; saves the
/// checkpoint of the first seed when `--save` is set.
fn train_one(
    opts: &RetrievalOptions,
    name: &str,
    tok: &dyn Tokenizer,
    enc: &mut Encoder,
    examples: &[TrainExample],
    seed: u64,
    summary: &mut TrainingSummary,
) -> Result<()> {
    let settings = train_settings(opts, seed);
    let pb = bar(opts, name);
    let outcome = train::train(enc, examples, &settings, &pb)?;
    pb.finish_and_clear();
    summary.steps = outcome.steps;
    summary.tokens = outcome.tokens;
    summary.first_loss = Some(outcome.first_loss);
    summary.last_loss = Some(outcome.last_loss);
    summary.loss_curve = outcome.loss_curve;
    if let (Some(dir), true) = (&opts.save_dir, seed == opts.seed) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let extra = serde_json::json!({
            "tokenizer": name,
            "tokenizer_fingerprint": tok.fingerprint(),
            "max_query_tokens": opts.max_query_tokens,
            "max_code_tokens": opts.max_code_tokens,
            "truncate_bytes": opts.truncate_bytes,
            "training": &summary,
            "options": opts,
        });
        enc.save(&checkpoint_path(dir, name), &extra)?;
    }
    Ok(())
}

/// The training settings of a run's options for one seed (batch order): AdamW with β = (0.9,
/// 0.98), ε = 1e-6 and the options' learning rate, decay, warm-up and clipping.
pub(crate) fn train_settings(opts: &RetrievalOptions, seed: u64) -> TrainSettings {
    TrainSettings {
        batch_size: opts.batch_size,
        epochs: opts.epochs,
        steps: opts.steps,
        max_query_tokens: opts.max_query_tokens,
        max_code_tokens: opts.max_code_tokens,
        temperature: opts.temperature,
        optimizer: AdamWConfig {
            lr: opts.lr,
            beta1: 0.9,
            beta2: 0.98,
            eps: 1e-6,
            weight_decay: opts.weight_decay,
            warmup_steps: 0,
            total_steps: 0,
            clip_norm: opts.clip_norm,
        },
        warmup_share: opts.warmup_share,
        seed,
    }
}

/// One way of cutting the evaluation code: the token limit of the run, or the same number
/// of bytes for every tokenizer ([`RetrievalOptions::equal_bytes`]).
struct EvalView {
    /// Appended to the method name of its rows (`""` or [`method::EQUAL_BYTES_SUFFIX`]).
    suffix: &'static str,
    /// Evaluation pairs per language, tokenized for this view.
    tokenized: Vec<Tokenized>,
    /// Code token limit of this view.
    code_limit: usize,
    /// Share of each language's code that this view cuts.
    cut_shares: Vec<f64>,
}

/// Share of `items` for which `cut` holds (0 when empty).
fn share<T>(items: &[T], cut: impl Fn(&T) -> bool) -> f64 {
    items.iter().filter(|x| cut(x)).count() as f64 / items.len().max(1) as f64
}

/// Embeds and ranks every evaluation language of `view` with `enc`; `run` is (tokenizer,
/// method, seed).
fn evaluate(
    opts: &RetrievalOptions,
    run: (&str, &str, u64),
    languages: &[String],
    enc: &Encoder,
    view: &EvalView,
) -> Result<Vec<ResultRow>> {
    let (name, method, seed) = run;
    let method = format!("{method}{}", view.suffix);
    let total: usize = view.tokenized.iter().map(|t| 2 * t.queries.len()).sum();
    let pb = bar(opts, &format!("{name} {method}"));
    pb.set_length(total as u64);
    let mut out = Vec::new();
    for ((lang, t), &cut) in languages.iter().zip(&view.tokenized).zip(&view.cut_shares) {
        let q = enc.embed_all(&t.queries, opts.max_query_tokens, 64, |n| pb.inc(n as u64))?;
        let c = enc.embed_all(&t.codes, view.code_limit, 64, |n| pb.inc(n as u64))?;
        let ranks = dense_ranks(&q, &c);
        out.push(result_row(
            (name, lang, &method),
            Some(seed),
            ranks,
            t.codes.len(),
            cut,
        ));
    }
    pb.finish_and_clear();
    Ok(out)
}

/// BM25 over the tokenizer's ids, on the same cut sequences the encoder sees in `view`.
fn bm25_results(
    opts: &RetrievalOptions,
    name: &str,
    languages: &[String],
    view: &EvalView,
) -> Vec<ResultRow> {
    let method = format!("{}{}", method::BM25, view.suffix);
    languages
        .iter()
        .zip(&view.tokenized)
        .zip(&view.cut_shares)
        .map(|((lang, tt), &cut)| {
            let docs: Vec<&[u32]> = tt
                .codes
                .iter()
                .map(|c| &c[..c.len().min(view.code_limit)])
                .collect();
            let index = bm25::Bm25Index::new(&docs);
            let ranks: Vec<usize> = tt
                .queries
                .par_iter()
                .enumerate()
                .map(|(i, q)| {
                    metrics::gold_rank(&index.scores(&q[..q.len().min(opts.max_query_tokens)]), i)
                })
                .collect();
            result_row((name, lang, &method), None, ranks, tt.codes.len(), cut)
        })
        .collect()
}

/// Query–code token overlap per language, and how it goes with each method's per-query
/// reciprocal rank.
fn overlap_rows(
    name: &str,
    languages: &[String],
    eval_tok: &[Tokenized],
    results: &[ResultRow],
    opts: &RetrievalOptions,
) -> Vec<OverlapRow> {
    languages
        .iter()
        .zip(eval_tok)
        .map(|(lang, t)| {
            let shares: Vec<f64> = t
                .queries
                .iter()
                .zip(&t.codes)
                .map(|(q, c)| {
                    stats::token_overlap(
                        &q[..q.len().min(opts.max_query_tokens)],
                        &c[..c.len().min(opts.max_code_tokens)],
                    )
                })
                .collect();
            let rr = |method: &str| uncertainty::mean_reciprocal_ranks(results, name, lang, method);
            let corr = |method: &str| rr(method).and_then(|r| stats::spearman(&shares, &r));
            OverlapRow {
                tokenizer: name.to_string(),
                language: lang.clone(),
                query_code_overlap: shares.iter().sum::<f64>() / shares.len().max(1) as f64,
                spearman_bm25: corr("bm25"),
                spearman_trained: corr("trained"),
            }
        })
        .collect()
}

/// A result row from the gold ranks of (tokenizer, language, method).
fn result_row(
    (tokenizer, language, method): (&str, &str, &str),
    seed: Option<u64>,
    ranks: Vec<usize>,
    candidates: usize,
    code_truncated_share: f64,
) -> ResultRow {
    let m = RankingMetrics::from_ranks(&ranks);
    ResultRow {
        tokenizer: tokenizer.to_string(),
        language: language.to_string(),
        method: method.to_string(),
        queries: m.queries,
        candidates,
        mrr_at_10: m.mrr_at_10,
        ndcg_at_10: m.ndcg_at_10,
        recall_at_1: m.recall_at_1,
        recall_at_5: m.recall_at_5,
        recall_at_10: m.recall_at_10,
        code_truncated_share,
        seed,
        gold_ranks: ranks,
    }
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

const METHODS: &[(&str, &str)] = &[
    (method::PRETRAINED, "pretrained model"),
    (method::TRAINED, "trained encoder"),
    (method::BM25, "BM25 (token ids)"),
    (method::TRAINED_EQUAL_BYTES, "trained encoder, equal bytes"),
    (method::BM25_EQUAL_BYTES, "BM25, equal bytes"),
    (
        method::PRETRAINED_EQUAL_BYTES,
        "pretrained model, equal bytes",
    ),
    (method::UNTRAINED, "untrained encoder"),
];

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

impl Render for RetrievalReport {
    /// The human-readable view: one table per metric (rows = language × method, columns =
    /// tokenizers), then truncation and training tables.
    fn tables(&self) -> Vec<Table> {
        let metrics: [(&str, MetricFn); 5] = [
            ("MRR@10", |r| r.mrr_at_10),
            ("NDCG@10", |r| r.ndcg_at_10),
            ("Recall@1", |r| r.recall_at_1),
            ("Recall@5", |r| r.recall_at_5),
            ("Recall@10", |r| r.recall_at_10),
        ];
        let mut tables: Vec<Table> = metrics
            .into_iter()
            .map(|(title, f)| self.metric_table(title, f))
            .collect();
        if let Some(mrr) = tables.first_mut() {
            self.mrr_notes(mrr);
        }
        tables.push(self.truncation_table());
        tables.push(self.training_table());
        tables.extend(self.pretrained_table());
        tables.extend(self.interval_table());
        tables.extend(self.comparison_table());
        tables.extend(self.overlap_table());
        tables
    }
}

impl RetrievalReport {
    /// One metric: a row per language and method, and the unweighted average per method.
    fn metric_table(&self, title: &str, f: MetricFn) -> Table {
        let names = self.tokenizer_names();
        let split = &self.config.options.eval_split;
        let mut t = Table::new(
            format!(
                "{title} on the {split} split (each query against all {split} code of its language)"
            ),
            ["language", "method"]
                .into_iter()
                .map(String::from)
                .chain(names.iter().cloned()),
        );
        let float = |v: Option<f64>| v.map_or(Cell::Empty, |v| Cell::Float(v, 3));
        for (method, label) in METHODS {
            if !self.results.iter().any(|r| r.method == *method) {
                continue;
            }
            for lang in &self.config.languages {
                let mut row = vec![Cell::text(lang.clone()), Cell::text(*label)];
                row.extend(names.iter().map(|n| float(self.mean(n, lang, method, f))));
                t.row(row);
            }
            let mut row = vec![Cell::text("average"), Cell::text(*label)];
            row.extend(names.iter().map(|n| float(self.average(n, method, f))));
            t.row(row);
        }
        t
    }

    /// The MRR@10 table's notes: random ranking per language, ties, seeds.
    fn mrr_notes(&self, t: &mut Table) {
        let mut random = Vec::new();
        for lang in &self.config.languages {
            if let Some(r) = self.results.iter().find(|r| &r.language == lang) {
                let m = RankingMetrics::random(r.candidates, r.queries);
                random.push(format!(
                    "{lang} {:.4} ({} candidates)",
                    m.mrr_at_10, r.candidates
                ));
            }
        }
        t.note(format!("Random ranking MRR@10: {}.", random.join(", ")));
        t.note("Ties rank the relevant document last among equals; average = unweighted mean over languages.");
        let seeds = self.seed_count();
        if seeds > 1 {
            t.note(format!(
                "Encoder rows: mean over {seeds} seeds (see the table of intervals)."
            ));
        }
    }

    /// The share of code cut at the token limit, per language and tokenizer.
    fn truncation_table(&self) -> Table {
        let names = self.tokenizer_names();
        let lim = self.config.options.max_code_tokens;
        let split = &self.config.options.eval_split;
        let mut t = Table::new(
            format!("Code longer than {lim} tokens (cut before encoding; {split} split)"),
            ["language"]
                .into_iter()
                .map(String::from)
                .chain(names.iter().cloned()),
        );
        for lang in &self.config.languages {
            let mut row = vec![Cell::text(lang.clone())];
            row.extend(names.iter().map(|n| {
                self.result(n, lang, "trained")
                    .map_or(Cell::Empty, |r| Cell::Percent(r.code_truncated_share, 1))
            }));
            t.row(row);
        }
        if let Some(b) = self.config.options.truncate_bytes {
            t.note(format!(
                "Every code text was first cut to {b} bytes (--truncate-bytes)."
            ));
        }
        t
    }

    /// One row per trained encoder: its shape, parameters and training run.
    fn training_table(&self) -> Table {
        let mut t = Table::new(
            "Encoder and training per tokenizer",
            [
                "tokenizer",
                "seed",
                "vocab",
                "d",
                "layers",
                "embedding params",
                "core params",
                "total params",
                "train pairs",
                "steps",
                "code tok (mean)",
                "train code cut",
                "loss first→last",
                "train tok/s",
            ],
        );
        for s in &self.training {
            let Some(info) = self
                .config
                .tokenizers
                .iter()
                .find(|i| i.name == s.tokenizer)
            else {
                continue;
            };
            t.row(vec![
                Cell::text(info.name.clone()),
                Cell::int(s.seed),
                Cell::count(info.vocab_size),
                Cell::count(info.encoder.dim),
                Cell::count(info.encoder.layers),
                Cell::count(info.embedding_parameters),
                Cell::count(info.core_parameters),
                Cell::count(info.total_parameters),
                Cell::count(s.pairs),
                Cell::count(s.steps),
                Cell::Float(s.mean_code_tokens, 1),
                Cell::Percent(s.code_truncated_share, 1),
                match (s.first_loss, s.last_loss) {
                    (Some(a), Some(b)) => Cell::text(format!("{a:.3} → {b:.3}")),
                    _ => Cell::text("checkpoint"),
                },
                self.train_speed(&info.name),
            ]);
        }
        t.note(format!(
            "Budget: {}; seed {} ({} seed{}); wall time {:.0} s; candle threads: {}.",
            match self.config.options.budget {
                Budget::EqualCore => "equal core (same d and layers)".to_string(),
                Budget::EqualTotal(p) => format!("equal total of {p} parameters"),
            },
            self.config.options.seed,
            self.seed_count(),
            if self.seed_count() == 1 { "" } else { "s" },
            self.timing.total_seconds,
            self.timing.threads
        ));
        t
    }

    /// Training tokens per second for one tokenizer, when it was trained in this run.
    fn train_speed(&self, tokenizer: &str) -> Cell {
        self.timing
            .tokenizers
            .iter()
            .find(|x| x.tokenizer == tokenizer)
            .map_or(Cell::Empty, |x| {
                if x.train_tokens_per_second > 0.0 {
                    Cell::count(x.train_tokens_per_second.round() as usize)
                } else {
                    Cell::Empty
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_cut_respects_character_boundaries() {
        // "aé" is a (1 byte) + é (2 bytes): a cut at 2 would split é, so it falls back to 1.
        assert_eq!(cut_bytes("aéb", Some(2)), "a");
        assert_eq!(cut_bytes("aéb", Some(3)), "aé");
        assert_eq!(cut_bytes("abc", Some(10)), "abc");
        assert_eq!(cut_bytes("abc", None), "abc");
        assert_eq!(cut_bytes("abc", Some(0)), "");
    }

    #[test]
    fn seeded_sample_is_stable_and_ordered() {
        let pairs: Vec<Pair> = (0..20)
            .map(|i| Pair {
                id: i.to_string(),
                language: "x".into(),
                query: String::new(),
                code: String::new(),
            })
            .collect();
        let a = sample(pairs.clone(), Some(5), 1, 2);
        assert_eq!(a, sample(pairs.clone(), Some(5), 1, 2));
        assert_eq!(a.len(), 5);
        let ids: Vec<usize> = a.iter().map(|p| p.id.parse().unwrap()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
        assert_eq!(sample(pairs.clone(), None, 1, 2), pairs);
    }
}
