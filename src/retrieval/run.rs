//! A `retrieval` run: data, tokenization, training per seed, scoring of the encoder and BM25.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget};
use rayon::prelude::*;

use super::data::{self, Pair};
use super::train::{self, TrainExample, TrainSettings};
use super::*;
use crate::encoder::optim::AdamWConfig;
use crate::encoder::rng::SeededRng;
use crate::encoder::{Encoder, EncoderConfig};
use crate::tokenizer::{self, Tokenizer};
use crate::{Error, Result};

/// Tokenized pairs of one language.
pub(crate) struct Tokenized {
    pub(crate) queries: Vec<Vec<u32>>,
    pub(crate) codes: Vec<Vec<u32>>,
}

pub(super) fn cut_bytes(s: &str, n: Option<usize>) -> &str {
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

pub(super) fn checkpoint_path(dir: &Path, tokenizer: &str) -> PathBuf {
    dir.join(format!("{}.safetensors", file_stem(tokenizer)))
}

/// A name as a file name: every character other than ASCII letters, digits, `-` and `_`
/// becomes `_`.
pub(super) fn file_stem(name: &str) -> String {
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

pub(super) fn bar(opts: &RetrievalOptions, prefix: &str) -> ProgressBar {
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
    with_threads(opts.threads, || run_in_pool(opts))
}

/// Runs `f` on a pool of `threads` threads (`--threads`; at least one) when set, else on the
/// global pool. The experiments' outputs do not depend on the thread count.
pub(crate) fn with_threads<T: Send>(
    threads: Option<usize>,
    f: impl FnOnce() -> Result<T> + Send,
) -> Result<T> {
    match threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()
            .map_err(|e| Error::InvalidArgument(format!("--threads {n}: {e}")))?
            .install(f),
        None => f(),
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

pub(super) fn tokenizer_info(
    name: &str,
    tok: &dyn Tokenizer,
    cfg: &EncoderConfig,
) -> TokenizerInfo {
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
pub(super) fn load_checkpoint(
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
pub(super) fn training_summary(
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
pub(super) fn train_one(
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
pub(super) fn share<T>(items: &[T], cut: impl Fn(&T) -> bool) -> f64 {
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
pub(super) fn result_row(
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
