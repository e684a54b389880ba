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
//!   `corpora/code-retrieval`.
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

pub mod bm25;
pub mod data;
pub mod limits;
pub mod metrics;
pub mod stats;
pub mod train;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::encoder::optim::AdamWConfig;
use crate::encoder::rng::SeededRng;
use crate::encoder::{Encoder, EncoderConfig};
use crate::report::{Cell, Table};
use crate::tokenizer::{self, Tokenizer};
use crate::{Error, Result};
use data::Pair;
use metrics::RankingMetrics;
use train::{TrainExample, TrainSettings};

/// How the encoder is sized per tokenizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// Seed of initialisation, sampling and batch order.
    pub seed: u64,
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
    /// Show progress bars on stderr (they stay hidden when stderr is not a terminal).
    #[serde(skip)]
    pub progress: bool,
    /// Threads for the run (`None`: the current rayon pool, i.e. `RAYON_NUM_THREADS` or every
    /// core). Results do not depend on it.
    #[serde(skip)]
    pub threads: Option<usize>,
}

impl Default for RetrievalOptions {
    /// The default run: three tokenizers, every language, d = 64, 2 layers, 4 heads, queries ≤
    /// 32 and code ≤ 64 tokens, batch 32, one epoch, lr 2e-3 (10% warm-up, linear decay),
    /// weight decay 0.01, clip 1.0, τ = 0.05, seed 42.
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
            lr: 2e-3,
            weight_decay: 0.01,
            warmup_share: 0.1,
            clip_norm: 1.0,
            temperature: 0.05,
            seed: 42,
            max_train_pairs: None,
            max_eval_pairs: None,
            evaluate_untrained: true,
            save_dir: None,
            load_dir: None,
            progress: false,
            threads: None,
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    /// The options (paths as given).
    pub options: RetrievalOptions,
    /// Languages evaluated, in order.
    pub languages: Vec<String>,
    /// Per tokenizer: version fingerprint and the encoder it got.
    pub tokenizers: Vec<TokenizerInfo>,
    /// Whether scores come from saved checkpoints rather than this run's training.
    pub rescored_from_checkpoints: bool,
    /// tokstat version.
    pub tokstat_version: String,
}

/// One (tokenizer, language, method) result: the JSON contract's `results` entries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
}

/// Training summary per tokenizer (deterministic: no times here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingSummary {
    /// Tokenizer name.
    pub tokenizer: String,
    /// Training pairs (all languages).
    pub pairs: usize,
    /// Optimiser steps (0 when re-scored from a checkpoint).
    pub steps: usize,
    /// Real query + code tokens processed in training.
    pub tokens: usize,
    /// Mean tokens per training code snippet before truncation.
    pub mean_code_tokens: f64,
    /// Share of training code snippets longer than the code token limit.
    pub code_truncated_share: f64,
    /// Mean loss over the first 10% of steps (`None` when re-scored from a checkpoint).
    pub first_loss: Option<f64>,
    /// Mean loss over the last 10% of steps (`None` when re-scored from a checkpoint).
    pub last_loss: Option<f64>,
    /// Mean loss per 5% of training.
    pub loss_curve: Vec<f64>,
}

/// Wall-clock times per tokenizer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// Whole run, seconds.
    pub total_seconds: f64,
    /// Threads of the run (`--threads`, else `RAYON_NUM_THREADS`, else every core): training
    /// splits each batch into shards that run in parallel, evaluation embeds batches in parallel.
    pub threads: usize,
    /// Per tokenizer.
    pub tokenizers: Vec<TokenizerTiming>,
}

/// The report of a retrieval run; serialised as the JSON contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetrievalReport {
    /// Every setting, the seed, the tokenizers' fingerprints.
    pub config: RunConfig,
    /// One row per (tokenizer, language, method).
    pub results: Vec<ResultRow>,
    /// Training per tokenizer.
    pub training: Vec<TrainingSummary>,
    /// Wall-clock times.
    pub timing: Timing,
}

/// Loads a report saved as JSON (`tokstat retrieval --format json > FILE`).
pub fn load_report(path: &Path) -> Result<RetrievalReport> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| Error::Data {
        path: path.to_path_buf(),
        line: e.line(),
        message: format!("not a tokstat retrieval report: {e}"),
    })
}

/// Tokenized pairs of one language.
struct Tokenized {
    queries: Vec<Vec<u32>>,
    codes: Vec<Vec<u32>>,
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

fn tokenize(
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

fn sample(mut pairs: Vec<Pair>, max: Option<usize>, seed: u64, label: u64) -> Vec<Pair> {
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

fn label_of(language: &str, split: &str) -> u64 {
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
    let safe: String = tokenizer
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir.join(format!("{safe}.safetensors"))
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
fn dense_ranks(queries: &[Vec<f32>], codes: &[Vec<f32>]) -> Vec<usize> {
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
    for t in &opts.tokenizers {
        tokenizer::canonical_name(t)?; // unknown names fail before any data is read
    }
    let available = data::languages(&opts.data_dir)?;
    let languages = if opts.languages.is_empty() {
        available.clone()
    } else {
        for l in &opts.languages {
            if !available.contains(l) {
                return Err(Error::InvalidArgument(format!(
                    "language `{l}` not found in `{}` (available: {})",
                    opts.data_dir.display(),
                    available.join(", ")
                )));
            }
        }
        opts.languages.clone()
    };
    let training = opts.load_dir.is_none();
    let mut train_pairs = Vec::new();
    let mut eval_pairs = Vec::new();
    for lang in &languages {
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
    let toks: Vec<Arc<dyn Tokenizer>> = tokenizer::load_many(&opts.tokenizers)?;
    if opts.load_dir.is_none() {
        let available = limits::available_memory();
        for tok in &toks {
            let config = encoder_config(opts, tok.vocab_size().total)?;
            limits::check_memory(tok.name(), &config, opts, available)?;
        }
    }
    if toks.is_empty() {
        return Err(Error::InvalidArgument("no tokenizer given".into()));
    }

    let mut infos = Vec::new();
    let mut results = Vec::new();
    let mut summaries = Vec::new();
    let mut timings = Vec::new();
    for tok in &toks {
        let name = tok.name().to_string();
        let t0 = Instant::now();
        let eval_tok: Vec<Tokenized> = eval_pairs
            .iter()
            .map(|p| tokenize(tok.as_ref(), p, opts.truncate_bytes))
            .collect::<Result<_>>()?;
        let train_tok: Vec<Tokenized> = train_pairs
            .iter()
            .map(|p| tokenize(tok.as_ref(), p, opts.truncate_bytes))
            .collect::<Result<_>>()?;
        let tokenize_seconds = t0.elapsed().as_secs_f64();

        let max_id = eval_tok
            .iter()
            .chain(&train_tok)
            .flat_map(|t| t.queries.iter().chain(&t.codes).flatten())
            .copied()
            .max()
            .unwrap_or(0) as usize;
        let vocab = tok.vocab_size().total.max(max_id + 1);

        let ckpt = opts.load_dir.as_ref().map(|d| checkpoint_path(d, &name));
        let mut enc = match &ckpt {
            Some(p) => {
                let (e, _) = Encoder::load(p)?;
                if e.config.vocab_size < vocab {
                    return Err(Error::Model(format!(
                        "{}: embedding table has {} rows but tokenizer `{name}` needs {vocab}",
                        p.display(),
                        e.config.vocab_size
                    )));
                }
                e
            }
            None => Encoder::new(encoder_config(opts, vocab)?, opts.seed)?,
        };
        let cfg = enc.config.clone();
        infos.push(TokenizerInfo {
            name: name.clone(),
            fingerprint: tok.fingerprint(),
            vocab_size: cfg.vocab_size,
            embedding_parameters: cfg.embedding_parameters(),
            core_parameters: cfg.core_parameters(),
            total_parameters: cfg.parameters(),
            encoder: cfg,
        });

        let mut eval_seconds = 0.0;
        let evaluate = |enc: &Encoder, method: &str, out: &mut Vec<ResultRow>| -> Result<()> {
            let total: usize = eval_tok.iter().map(|t| 2 * t.queries.len()).sum();
            let pb = bar(opts, &format!("{name} {method}"));
            pb.set_length(total as u64);
            for (lang, t) in languages.iter().zip(&eval_tok) {
                let q =
                    enc.embed_all(&t.queries, opts.max_query_tokens, 64, |n| pb.inc(n as u64))?;
                let c = enc.embed_all(&t.codes, opts.max_code_tokens, 64, |n| pb.inc(n as u64))?;
                out.push(result_row(
                    &name,
                    lang,
                    method,
                    &dense_ranks(&q, &c),
                    t,
                    opts,
                ));
            }
            pb.finish_and_clear();
            Ok(())
        };

        if opts.evaluate_untrained && training {
            let t = Instant::now();
            evaluate(&enc, "untrained", &mut results)?;
            eval_seconds += t.elapsed().as_secs_f64();
        }

        let mut train_seconds = 0.0;
        let (n_pairs, code_lens): (usize, Vec<usize>) = (
            train_tok.iter().map(|t| t.codes.len()).sum(),
            train_tok
                .iter()
                .flat_map(|t| t.codes.iter().map(Vec::len))
                .collect(),
        );
        let mut summary = TrainingSummary {
            tokenizer: name.clone(),
            pairs: n_pairs,
            steps: 0,
            tokens: 0,
            mean_code_tokens: code_lens.iter().sum::<usize>() as f64
                / code_lens.len().max(1) as f64,
            code_truncated_share: code_lens
                .iter()
                .filter(|&&n| n > opts.max_code_tokens)
                .count() as f64
                / code_lens.len().max(1) as f64,
            first_loss: None,
            last_loss: None,
            loss_curve: Vec::new(),
        };
        if training {
            let examples: Vec<TrainExample> = train_tok
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
                .collect();
            let settings = TrainSettings {
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
                seed: opts.seed,
            };
            let pb = bar(opts, &name);
            let t = Instant::now();
            let outcome = train::train(&mut enc, &examples, &settings, &pb)?;
            train_seconds = t.elapsed().as_secs_f64();
            pb.finish_and_clear();
            summary.steps = outcome.steps;
            summary.tokens = outcome.tokens;
            summary.first_loss = Some(outcome.first_loss);
            summary.last_loss = Some(outcome.last_loss);
            summary.loss_curve = outcome.loss_curve;
            if let Some(dir) = &opts.save_dir {
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
                enc.save(&checkpoint_path(dir, &name), &extra)?;
            }
        }

        let t = Instant::now();
        evaluate(&enc, "trained", &mut results)?;
        for (lang, tt) in languages.iter().zip(&eval_tok) {
            let docs: Vec<&[u32]> = tt
                .codes
                .iter()
                .map(|c| &c[..c.len().min(opts.max_code_tokens)])
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
            results.push(result_row(&name, lang, "bm25", &ranks, tt, opts));
        }
        eval_seconds += t.elapsed().as_secs_f64();
        let secs = train_seconds.max(1e-9);
        timings.push(TokenizerTiming {
            tokenizer: name.clone(),
            tokenize_seconds,
            train_seconds,
            eval_seconds,
            train_tokens_per_second: if summary.steps > 0 {
                summary.tokens as f64 / secs
            } else {
                0.0
            },
            train_steps_per_second: if summary.steps > 0 {
                summary.steps as f64 / secs
            } else {
                0.0
            },
        });
        summaries.push(summary);
    }
    Ok(RetrievalReport {
        config: RunConfig {
            options: opts.clone(),
            languages,
            tokenizers: infos,
            rescored_from_checkpoints: !training,
            tokstat_version: env!("CARGO_PKG_VERSION").to_string(),
        },
        results,
        training: summaries,
        timing: Timing {
            total_seconds: started.elapsed().as_secs_f64(),
            threads: rayon::current_num_threads(),
            tokenizers: timings,
        },
    })
}

fn result_row(
    tokenizer: &str,
    language: &str,
    method: &str,
    ranks: &[usize],
    t: &Tokenized,
    opts: &RetrievalOptions,
) -> ResultRow {
    let m = RankingMetrics::from_ranks(ranks);
    let cut = t
        .codes
        .iter()
        .filter(|c| c.len() > opts.max_code_tokens)
        .count();
    ResultRow {
        tokenizer: tokenizer.to_string(),
        language: language.to_string(),
        method: method.to_string(),
        queries: m.queries,
        candidates: t.codes.len(),
        mrr_at_10: m.mrr_at_10,
        ndcg_at_10: m.ndcg_at_10,
        recall_at_1: m.recall_at_1,
        recall_at_5: m.recall_at_5,
        recall_at_10: m.recall_at_10,
        code_truncated_share: cut as f64 / t.codes.len().max(1) as f64,
    }
}

/// Reads one metric from a result row.
pub type MetricFn = fn(&ResultRow) -> f64;

const METHODS: &[(&str, &str)] = &[
    ("trained", "trained encoder"),
    ("bm25", "BM25 (token ids)"),
    ("untrained", "untrained encoder"),
];

impl RetrievalReport {
    /// Tokenizer names in run order.
    pub fn tokenizer_names(&self) -> Vec<String> {
        self.config
            .tokenizers
            .iter()
            .map(|t| t.name.clone())
            .collect()
    }

    /// The result for a (tokenizer, language, method), if present.
    pub fn result(&self, tokenizer: &str, language: &str, method: &str) -> Option<&ResultRow> {
        self.results
            .iter()
            .find(|r| r.tokenizer == tokenizer && r.language == language && r.method == method)
    }

    /// Macro average (unweighted mean over languages) of a metric for a tokenizer and method.
    pub fn average(
        &self,
        tokenizer: &str,
        method: &str,
        metric: fn(&ResultRow) -> f64,
    ) -> Option<f64> {
        let vals: Vec<f64> = self
            .config
            .languages
            .iter()
            .filter_map(|l| self.result(tokenizer, l, method).map(metric))
            .collect();
        (vals.len() == self.config.languages.len() && !vals.is_empty())
            .then(|| vals.iter().sum::<f64>() / vals.len() as f64)
    }

    /// The human-readable view: one table per metric (rows = language × method, columns =
    /// tokenizers), then truncation and training tables.
    pub fn tables(&self) -> Vec<Table> {
        let names = self.tokenizer_names();
        let metrics: [(&str, MetricFn); 5] = [
            ("MRR@10", |r| r.mrr_at_10),
            ("NDCG@10", |r| r.ndcg_at_10),
            ("Recall@1", |r| r.recall_at_1),
            ("Recall@5", |r| r.recall_at_5),
            ("Recall@10", |r| r.recall_at_10),
        ];
        let split = &self.config.options.eval_split;
        let mut tables = Vec::new();
        for (title, f) in metrics {
            let mut t = Table::new(
                format!(
                    "{title} on the {split} split (each query against all {split} code of its language)"
                ),
                ["language", "method"]
                    .into_iter()
                    .map(String::from)
                    .chain(names.iter().cloned()),
            );
            for (method, label) in METHODS {
                if !self.results.iter().any(|r| r.method == *method) {
                    continue;
                }
                for lang in &self.config.languages {
                    let mut row = vec![Cell::text(lang.clone()), Cell::text(*label)];
                    for n in &names {
                        row.push(
                            self.result(n, lang, method)
                                .map_or(Cell::Empty, |r| Cell::Float(f(r), 3)),
                        );
                    }
                    t.row(row);
                }
                let mut row = vec![Cell::text("average"), Cell::text(*label)];
                for n in &names {
                    row.push(
                        self.average(n, method, f)
                            .map_or(Cell::Empty, |v| Cell::Float(v, 3)),
                    );
                }
                t.row(row);
            }
            if title == "MRR@10" {
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
            }
            tables.push(t);
        }

        let lim = self.config.options.max_code_tokens;
        let mut t = Table::new(
            format!("Code longer than {lim} tokens (cut before encoding; {split} split)"),
            ["language"]
                .into_iter()
                .map(String::from)
                .chain(names.iter().cloned()),
        );
        for lang in &self.config.languages {
            let mut row = vec![Cell::text(lang.clone())];
            for n in &names {
                row.push(
                    self.result(n, lang, "trained")
                        .map_or(Cell::Empty, |r| Cell::Percent(r.code_truncated_share, 1)),
                );
            }
            t.row(row);
        }
        if let Some(b) = self.config.options.truncate_bytes {
            t.note(format!(
                "Every code text was first cut to {b} bytes (--truncate-bytes)."
            ));
        }
        tables.push(t);

        let mut t = Table::new(
            "Encoder and training per tokenizer",
            [
                "tokenizer",
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
        for (info, s) in self.config.tokenizers.iter().zip(&self.training) {
            let tps = self
                .timing
                .tokenizers
                .iter()
                .find(|x| x.tokenizer == info.name)
                .map_or(Cell::Empty, |x| {
                    if x.train_tokens_per_second > 0.0 {
                        Cell::count(x.train_tokens_per_second.round() as usize)
                    } else {
                        Cell::Empty
                    }
                });
            t.row(vec![
                Cell::text(info.name.clone()),
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
                tps,
            ]);
        }
        t.note(format!(
            "Budget: {}; seed {}; wall time {:.0} s; candle threads: {}.",
            match self.config.options.budget {
                Budget::EqualCore => "equal core (same d and layers)".to_string(),
                Budget::EqualTotal(p) => format!("equal total of {p} parameters"),
            },
            self.config.options.seed,
            self.timing.total_seconds,
            self.timing.threads
        ));
        tables.push(t);
        tables
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
