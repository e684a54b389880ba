//! The experiment of [`super`]: data, training runs, probe losses, scores.

use std::time::Instant;

use indicatif::ProgressBar;

use super::{GrowthRow, RECOVERY_TOLERANCE, Role, RunRow, Shape, TilingOptions, TilingReport};
use crate::encoder::rng::SeededRng;
use crate::encoder::{Encoder, EncoderConfig, tiling};
use crate::retrieval::metrics::RankingMetrics;
use crate::retrieval::train::{self, TrainExample};
use crate::retrieval::{self, RetrievalOptions, Tokenized, data};
use crate::tokenizer::{self, Tokenizer};
use crate::{Error, Result};

/// Runs the experiment, on a pool of `opts.threads` threads when set.
pub fn run(opts: &TilingOptions) -> Result<TilingReport> {
    retrieval::with_threads(opts.threads, || run_in_pool(opts))
}

/// The retrieval options of one shape: the quick recipe with this experiment's data and lr.
fn retrieval_options(opts: &TilingOptions, shape: Shape) -> RetrievalOptions {
    RetrievalOptions {
        tokenizers: opts.tokenizers.clone(),
        data_dir: opts.data_dir.clone(),
        languages: opts.languages.clone(),
        eval_split: opts.eval_split.clone(),
        dim: shape.dim,
        layers: shape.layers,
        heads: shape.heads,
        lr: opts.lr,
        seed: opts.seed,
        seeds: opts.seeds,
        steps: Some(opts.steps.max(opts.small_steps)),
        max_train_pairs: opts.max_train_pairs,
        max_eval_pairs: opts.max_eval_pairs,
        ..RetrievalOptions::quick()
    }
}

/// Checks the options before any data is read.
fn check(opts: &TilingOptions) -> Result<()> {
    let bad = |m: String| Err(Error::InvalidArgument(m));
    if opts.tokenizers.is_empty() || opts.languages.is_empty() || opts.variants.is_empty() {
        return bad("tiling: need at least one tokenizer, language and larger shape".into());
    }
    if opts.small_steps == 0 || opts.steps == 0 || opts.probe_batches == 0 {
        return bad("tiling: --small-steps, --steps and the probe batches must be positive".into());
    }
    retrieval::limits::check_options(&retrieval_options(opts, opts.small))?;
    for v in &opts.variants {
        retrieval::limits::check_options(&retrieval_options(opts, v.shape))?;
        let s = opts.small;
        if v.shape.dim < s.dim || v.shape.layers < s.layers || v.shape == s {
            return bad(format!(
                "tiling: shape `{}` (d = {}, {} layers) must be larger than the small one (d = \
                 {}, {} layers) in width or depth and smaller in neither",
                v.name, v.shape.dim, v.shape.layers, s.dim, s.layers
            ));
        }
    }
    for t in &opts.tokenizers {
        tokenizer::canonical_name(t)?;
    }
    Ok(())
}

/// The data of one tokenizer: training examples, evaluation pairs, embedding rows.
struct Prepared {
    /// The small model's training pairs: the even positions of the sample.
    small_examples: Vec<TrainExample>,
    /// Every larger model's training pairs: the odd positions (never seen by the small model).
    examples: Vec<TrainExample>,
    probe: Vec<TrainExample>,
    eval: Vec<Tokenized>,
    vocab: usize,
}

fn prepare(tok: &dyn Tokenizer, splits: &Splits) -> Result<Prepared> {
    let (train_pairs, probe_pairs, eval_pairs) = splits;
    let tokenize = |sets: &[Vec<data::Pair>]| -> Result<Vec<Tokenized>> {
        sets.iter()
            .map(|p| retrieval::tokenize(tok, p, None))
            .collect()
    };
    let (train_tok, eval) = (tokenize(train_pairs)?, tokenize(eval_pairs)?);
    let probe_tok = tokenize(probe_pairs)?;
    let max_id = train_tok
        .iter()
        .chain(&eval)
        .chain(&probe_tok)
        .flat_map(|t| t.queries.iter().chain(&t.codes).flatten())
        .copied()
        .max()
        .unwrap_or(0) as usize;
    let (even, odd): (Vec<_>, Vec<_>) = retrieval::training_examples(train_tok)
        .into_iter()
        .enumerate()
        .partition(|(i, _)| i % 2 == 0);
    Ok(Prepared {
        vocab: tok.vocab_size().total.max(max_id + 1),
        small_examples: even.into_iter().map(|(_, e)| e).collect(),
        examples: odd.into_iter().map(|(_, e)| e).collect(),
        probe: retrieval::training_examples(probe_tok),
        eval,
    })
}

/// Training, probe (`valid`) and evaluation pairs per language.
type Splits = (
    Vec<Vec<data::Pair>>,
    Vec<Vec<data::Pair>>,
    Vec<Vec<data::Pair>>,
);

/// The split whose pairs measure every model's loss before and after training: held out from
/// training.
pub const PROBE_SPLIT: &str = "valid";

/// Loads (and samples) the training, probe and evaluation pairs of every language.
fn load_data(opts: &TilingOptions) -> Result<Splits> {
    let (mut train, mut probe, mut eval) = (Vec::new(), Vec::new(), Vec::new());
    for lang in &opts.languages {
        let tr = data::load_split(&opts.data_dir, lang, "train")?;
        let label = retrieval::label_of(lang, "train");
        train.push(retrieval::sample(
            tr,
            opts.max_train_pairs,
            opts.seed,
            label,
        ));
        let pr = data::load_split(&opts.data_dir, lang, PROBE_SPLIT)?;
        let label = retrieval::label_of(lang, PROBE_SPLIT);
        probe.push(retrieval::sample(pr, opts.max_eval_pairs, opts.seed, label));
        let ev = data::load_split(&opts.data_dir, lang, &opts.eval_split)?;
        let label = retrieval::label_of(lang, &opts.eval_split);
        let ev = retrieval::sample(ev, opts.max_eval_pairs, opts.seed, label);
        if ev.len() < 2 {
            return Err(Error::InvalidArgument(format!(
                "{}: ranking needs at least 2 {} pairs, found {}",
                data::split_path(&opts.data_dir, lang, &opts.eval_split).display(),
                opts.eval_split,
                ev.len()
            )));
        }
        eval.push(ev);
    }
    Ok((train, probe, eval))
}

fn run_in_pool(opts: &TilingOptions) -> Result<TilingReport> {
    let started = Instant::now();
    check(opts)?;
    let splits = load_data(opts)?;
    let toks = tokenizer::load_many(&opts.tokenizers)?;
    let (mut runs, mut growth) = (Vec::new(), Vec::new());
    for tok in &toks {
        let ctx = Context {
            opts,
            recipe: retrieval_options(opts, opts.small),
            data: prepare(tok.as_ref(), &splits)?,
            tokenizer: tok.name().to_string(),
        };
        for i in 0..opts.seeds as u64 {
            let (r, g) = seed_runs(&ctx, opts.seed.wrapping_add(i))?;
            runs.extend(r);
            growth.extend(g);
        }
    }
    Ok(TilingReport {
        options: opts.clone(),
        runs,
        growth,
        tokstat_version: env!("CARGO_PKG_VERSION").to_string(),
        timing: super::TilingTiming {
            total_seconds: started.elapsed().as_secs_f64(),
            threads: rayon::current_num_threads(),
        },
    })
}

/// What every run of one tokenizer shares.
struct Context<'a> {
    opts: &'a TilingOptions,
    recipe: RetrievalOptions,
    data: Prepared,
    tokenizer: String,
}

impl Context<'_> {
    fn config(&self, shape: Shape) -> EncoderConfig {
        EncoderConfig::with_shape(self.data.vocab, shape.dim, shape.layers, shape.heads)
    }

    /// Mean InfoNCE loss of `enc` on the probe batches of `seed` (no update).
    fn probe_loss(&self, enc: &Encoder, seed: u64) -> Result<f64> {
        let settings = retrieval::train_settings(&self.recipe, seed);
        let mut rng = SeededRng::fork(seed, 0x5052_4f42); // "PROB"
        let probe = &self.data.probe;
        let batches = train::epoch_batches(probe, settings.batch_size, &mut rng);
        let mut losses = Vec::new();
        for b in batches.iter().take(self.opts.probe_batches) {
            losses.push(train::batch_gradients(enc, probe, b, &settings)?.0);
        }
        if losses.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "tiling: no probe batch (need at least 2 {PROBE_SPLIT} pairs in a language)"
            )));
        }
        Ok(super::mean(losses))
    }

    /// MRR@10 per language of `enc` on the evaluation pairs.
    fn score(&self, enc: &Encoder) -> Result<Vec<f64>> {
        let (q_max, c_max) = (self.recipe.max_query_tokens, self.recipe.max_code_tokens);
        self.data
            .eval
            .iter()
            .map(|t| {
                let q = enc.embed_all(&t.queries, q_max, 64, |_| {})?;
                let c = enc.embed_all(&t.codes, c_max, 64, |_| {})?;
                let ranks = retrieval::dense_ranks(&q, &c);
                Ok(RankingMetrics::from_ranks(&ranks).mrr_at_10)
            })
            .collect()
    }

    /// Trains `enc` for `steps` with the batch order of `seed`, measuring it before and after.
    /// The small model trains on one half of the training pairs, every larger model (grown or
    /// not) on the other, so that training after growing sees new data, as it would in
    /// pretraining.
    fn measured_run(
        &self,
        (seed, variant, role): (u64, &str, Role),
        mut enc: Encoder,
        shape: Shape,
        steps: usize,
    ) -> Result<(RunRow, Encoder)> {
        let initial_probe_loss = self.probe_loss(&enc, seed)?;
        let examples = match role {
            Role::Small => &self.data.small_examples,
            _ => &self.data.examples,
        };
        let mut settings = retrieval::train_settings(&self.recipe, seed);
        settings.steps = Some(steps);
        let out = train::train(&mut enc, examples, &settings, &ProgressBar::hidden())?;
        let mrr_by_language = self.score(&enc)?;
        let row = RunRow {
            tokenizer: self.tokenizer.clone(),
            seed,
            variant: variant.to_string(),
            role,
            shape,
            core_parameters: enc.config.core_parameters(),
            steps: out.steps,
            initial_probe_loss,
            final_probe_loss: self.probe_loss(&enc, seed)?,
            first_loss: out.first_loss,
            last_loss: out.last_loss,
            loss_curve: out.loss_curve,
            mrr_at_10: super::mean(mrr_by_language.iter().copied()),
            mrr_by_language,
        };
        Ok((row, enc))
    }
}

/// Steps of a cold start with the compute of `steps` large steps plus `small_steps` small ones:
/// `steps + round(small_steps · n_small / n_large)` (compute ∝ non-embedding parameters).
pub fn equal_compute_steps(
    steps: usize,
    small_steps: usize,
    n_small: usize,
    n_large: usize,
) -> usize {
    steps + (small_steps as f64 * n_small as f64 / n_large.max(1) as f64).round() as usize
}

/// Share of a loss curve (equal slices) after which it is first within [`RECOVERY_TOLERANCE`]
/// of `target`; `None` when it never is.
pub fn recovery_share(curve: &[f64], target: f64) -> Option<f64> {
    curve
        .iter()
        .position(|&l| l <= target * (1.0 + RECOVERY_TOLERANCE))
        .map(|k| (k + 1) as f64 / curve.len() as f64)
}

/// The small model of one seed, then each variant grown from it and trained from scratch.
fn seed_runs(ctx: &Context, seed: u64) -> Result<(Vec<RunRow>, Vec<GrowthRow>)> {
    let opts = ctx.opts;
    let small_cfg = ctx.config(opts.small);
    let fresh = Encoder::new(small_cfg.clone(), seed)?;
    let (small_row, small) = ctx.measured_run(
        (seed, "small", Role::Small),
        fresh,
        opts.small,
        opts.small_steps,
    )?;
    let mut runs = vec![small_row.clone()];
    let mut growth = Vec::new();
    for v in &opts.variants {
        let cfg = ctx.config(v.shape);
        let key = |role| (seed, v.name.as_str(), role);
        let grown = tiling::grow(&small, &cfg)?;
        let (g, _) = ctx.measured_run(key(Role::Grown), grown, v.shape, opts.steps)?;
        let cold = Encoder::new(cfg.clone(), seed)?;
        let (c1, _) = ctx.measured_run(key(Role::ColdEqualSteps), cold, v.shape, opts.steps)?;
        let eq = equal_compute_steps(
            opts.steps,
            opts.small_steps,
            small_cfg.core_parameters(),
            cfg.core_parameters(),
        );
        let cold = Encoder::new(cfg, seed)?;
        let (c2, _) = ctx.measured_run(key(Role::ColdEqualCompute), cold, v.shape, eq)?;
        growth.push(GrowthRow {
            tokenizer: ctx.tokenizer.clone(),
            seed,
            variant: v.name.clone(),
            small_final_loss: small_row.last_loss,
            small_probe_loss: small_row.final_probe_loss,
            grown_initial_loss: g.initial_probe_loss,
            cold_initial_loss: c1.initial_probe_loss,
            recovery_share: recovery_share(&g.loss_curve, small_row.last_loss),
            equal_compute_steps: eq,
            mrr_small: small_row.mrr_at_10,
            mrr_grown: g.mrr_at_10,
            mrr_cold_equal_steps: c1.mrr_at_10,
            mrr_cold_equal_compute: c2.mrr_at_10,
        });
        runs.extend([g, c1, c2]);
    }
    Ok((runs, growth))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_compute_by_hand() {
        // 400 steps + 400 small steps at a quarter of the cost = 500.
        assert_eq!(equal_compute_steps(400, 400, 1000, 4000), 500);
        // 300 + round(200 · 3/7 = 85.71) = 386.
        assert_eq!(equal_compute_steps(300, 200, 3, 7), 386);
    }

    #[test]
    fn recovery_by_hand() {
        // Target 1.0, tolerance 10%: the first slice ≤ 1.1 is the third of four.
        assert_eq!(recovery_share(&[3.0, 1.5, 1.09, 0.9], 1.0), Some(0.75));
        assert_eq!(recovery_share(&[1.0, 0.9], 1.0), Some(0.5));
        assert_eq!(recovery_share(&[3.0, 2.0], 1.0), None);
    }
}
