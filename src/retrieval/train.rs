//! Contrastive training of the encoder on (query, code) pairs.
//!
//! Loss: InfoNCE with in-batch negatives in both directions (van den Oord et al. 2018,
//! arXiv:1807.03748; the symmetric form of CLIP, Radford et al. 2021): with L2-normalised
//! query and code embeddings qᵢ, cᵢ of a batch of B pairs and temperature τ,
//! S = Q·Cᵀ/τ, loss = ½·(CE(S, diag) + CE(Sᵀ, diag)), where CE is the mean cross-entropy of
//! each row against its own pair. A batch holds pairs of one language (harder negatives than a
//! mix of languages); the batch order is shuffled across languages every epoch.
//!
//! **Data parallelism.** A step cuts its batch into shards of at most [`SHARD_PAIRS`] pairs
//! (the cut depends only on the batch size). Each shard's forward pass runs as its own task on
//! the current rayon pool; the loss and its gradient with respect to the embeddings are computed
//! for the whole batch; then each shard's backward pass runs as a task, and the shards' weight
//! gradients are summed in shard order. A one-thread pool runs exactly the same tasks one after
//! another, so the result does not depend on the number of threads. (Set `CANDLE_NUM_THREADS=1`,
//! as the `tokstat` binary does, so that candle's element-wise ops do not start a second worker
//! pool competing for the same cores.)

use candle_core::{Tensor, Var};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::Result;
use crate::encoder::fused::{self, InfoNce, SeedGradient};
use crate::encoder::optim::{AdamW, AdamWConfig, Gradients};
use crate::encoder::rng::SeededRng;
use crate::encoder::{Encoder, GatheredRows, TokenBatch};

/// Largest number of pairs in one data-parallel shard of a batch.
pub const SHARD_PAIRS: usize = 16;

/// One training example: token ids of the query and the code, and its language group.
#[derive(Debug, Clone)]
pub struct TrainExample {
    /// Index of the language (batches never mix languages).
    pub group: usize,
    /// Query ids (untruncated).
    pub query: Vec<u32>,
    /// Code ids (untruncated).
    pub code: Vec<u32>,
}

/// Training settings.
#[derive(Debug, Clone)]
pub struct TrainSettings {
    /// Pairs per batch.
    pub batch_size: usize,
    /// Passes over the data (ignored when `steps` is set).
    pub epochs: usize,
    /// Exact number of steps, cycling through epochs as needed.
    pub steps: Option<usize>,
    /// Query length limit in tokens.
    pub max_query_tokens: usize,
    /// Code length limit in tokens.
    pub max_code_tokens: usize,
    /// InfoNCE temperature τ.
    pub temperature: f64,
    /// Optimiser (its `total_steps` and `warmup_steps` are filled in by [`train`]).
    pub optimizer: AdamWConfig,
    /// Share of the steps used for linear warm-up.
    pub warmup_share: f64,
    /// Seed of the batch order.
    pub seed: u64,
}

/// What training did.
#[derive(Debug, Clone)]
pub struct TrainOutcome {
    /// Optimiser steps taken.
    pub steps: usize,
    /// Real (non-padding) query + code tokens processed.
    pub tokens: usize,
    /// Mean loss over the first 10% of steps (at least one step).
    pub first_loss: f64,
    /// Mean loss over the last 10% of steps (at least one step).
    pub last_loss: f64,
    /// Mean loss of each 5% slice of training, in order (for a loss curve).
    pub loss_curve: Vec<f64>,
}

/// The batches of one epoch: pairs shuffled within each language, cut into batches of
/// `batch_size` (a trailing batch of fewer than 2 pairs is dropped: it has no negatives), and the
/// batch order shuffled.
pub fn epoch_batches(
    examples: &[TrainExample],
    batch_size: usize,
    rng: &mut SeededRng,
) -> Vec<Vec<usize>> {
    let groups = examples.iter().map(|e| e.group).max().map_or(0, |g| g + 1);
    let mut batches = Vec::new();
    for g in 0..groups {
        let mut idx: Vec<usize> = (0..examples.len())
            .filter(|&i| examples[i].group == g)
            .collect();
        rng.shuffle(&mut idx);
        for chunk in idx.chunks(batch_size.max(2)) {
            if chunk.len() >= 2 {
                batches.push(chunk.to_vec());
            }
        }
    }
    rng.shuffle(&mut batches);
    batches
}

/// Number of steps `train` will take.
pub fn planned_steps(examples: &[TrainExample], s: &TrainSettings) -> usize {
    if let Some(n) = s.steps {
        return n;
    }
    let mut rng = SeededRng::new(0);
    epoch_batches(examples, s.batch_size, &mut rng).len() * s.epochs
}

/// Trains `enc` in place.
pub fn train(
    enc: &mut Encoder,
    examples: &[TrainExample],
    settings: &TrainSettings,
    bar: &ProgressBar,
) -> Result<TrainOutcome> {
    let total = planned_steps(examples, settings);
    let mut opt_cfg = settings.optimizer.clone();
    opt_cfg.total_steps = total;
    opt_cfg.warmup_steps = ((total as f64 * settings.warmup_share).round() as usize).max(1);
    let mut opt = AdamW::new(enc, opt_cfg)?;
    let mut rng = SeededRng::fork(settings.seed, 0x4241_5443); // "BATC"
    bar.set_length(total as u64);
    bar.set_style(
        ProgressStyle::with_template("{prefix:>12} [{bar:30}] {pos}/{len} steps  {msg}  ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let started = std::time::Instant::now();
    let mut losses = Vec::with_capacity(total);
    let mut tokens = 0usize;
    let mut batches: Vec<Vec<usize>> = Vec::new();
    let mut next = 0;
    while losses.len() < total {
        if next == batches.len() {
            batches = epoch_batches(examples, settings.batch_size, &mut rng);
            next = 0;
            if batches.is_empty() {
                return Err(crate::Error::InvalidArgument(
                    "no training batch: need at least 2 training pairs in a language".into(),
                ));
            }
        }
        let batch = &batches[next];
        next += 1;
        let (value, step_tokens, rows, grads) = batch_gradients(enc, examples, batch, settings)?;
        tokens += step_tokens;
        if !value.is_finite() {
            return Err(crate::Error::Model(format!(
                "training diverged at step {} (loss {value}); lower the learning rate",
                losses.len() + 1
            )));
        }
        opt.step(enc, &rows, &grads)?;
        losses.push(value);
        let secs = started.elapsed().as_secs_f64().max(1e-9);
        bar.set_message(format!(
            "loss {value:.3}  {:.0} tok/s",
            tokens as f64 / secs
        ));
        bar.inc(1);
    }
    let slice = (total / 10).max(1);
    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len().max(1) as f64;
    let curve_slice = (total / 20).max(1);
    Ok(TrainOutcome {
        steps: total,
        tokens,
        first_loss: mean(&losses[..slice.min(losses.len())]),
        last_loss: mean(&losses[losses.len().saturating_sub(slice)..]),
        loss_curve: losses.chunks(curve_slice).map(mean).collect(),
    })
}

/// One shard of a batch: its queries and its code, each padded to the shard's longest sequence.
struct Shard {
    queries: TokenBatch,
    codes: TokenBatch,
}

/// The shards of a batch: ⌈len / SHARD_PAIRS⌉ contiguous pieces of near-equal size.
fn shards(examples: &[TrainExample], batch: &[usize], settings: &TrainSettings) -> Vec<Shard> {
    let n = batch.len().div_ceil(SHARD_PAIRS).max(1);
    (0..n)
        .map(|k| {
            let part = &batch[k * batch.len() / n..(k + 1) * batch.len() / n];
            let queries: Vec<&[u32]> = part.iter().map(|&i| examples[i].query.as_slice()).collect();
            let codes: Vec<&[u32]> = part.iter().map(|&i| examples[i].code.as_slice()).collect();
            Shard {
                queries: TokenBatch::new(&queries, settings.max_query_tokens),
                codes: TokenBatch::new(&codes, settings.max_code_tokens),
            }
        })
        .collect()
}

/// Forward and backward passes of one batch, data-parallel over its shards on the current rayon
/// pool. Returns the loss, the real tokens processed, the gathered embedding rows and the
/// gradients (summed over shards in shard order).
pub fn batch_gradients(
    enc: &Encoder,
    examples: &[TrainExample],
    batch: &[usize],
    settings: &TrainSettings,
) -> Result<(f64, usize, GatheredRows, Gradients)> {
    let shards = shards(examples, batch, settings);
    let all: Vec<&TokenBatch> = shards.iter().flat_map(|s| [&s.queries, &s.codes]).collect();
    let tokens = all.iter().map(|b| b.tokens()).sum();
    let rows = GatheredRows::of(&all);
    let rows_var = Var::from_tensor(&enc.gather(&rows)?)?;
    let rows_t = rows_var.as_tensor();
    let outs: Vec<(Tensor, Tensor)> = shards
        .par_iter()
        .map(|s| {
            Ok((
                enc.forward(&s.queries, &rows, rows_t, true)?,
                enc.forward(&s.codes, &rows, rows_t, true)?,
            ))
        })
        .collect::<Result<_>>()?;
    let d = enc.config.dim;
    let mut q = Vec::with_capacity(batch.len() * d);
    let mut c = Vec::with_capacity(batch.len() * d);
    for (qs, cs) in &outs {
        q.extend(qs.flatten_all()?.to_vec1::<f32>()?);
        c.extend(cs.flatten_all()?.to_vec1::<f32>()?);
    }
    let (loss, dq, dc) = fused::info_nce_with_grad(&q, &c, d, settings.temperature as f32);
    let mut offsets = Vec::with_capacity(outs.len());
    let mut start = 0;
    for s in &shards {
        offsets.push(start);
        start += s.queries.batch_size();
    }
    let parts: Vec<Gradients> = outs
        .par_iter()
        .zip(&offsets)
        .map(|((qs, cs), &off)| {
            let n = qs.dim(0)?;
            let dev = qs.device();
            let seed = SeedGradient {
                first: Tensor::from_slice(&dq[off * d..(off + n) * d], (n, d), dev)?,
                second: Tensor::from_slice(&dc[off * d..(off + n) * d], (n, d), dev)?,
            };
            let grads = qs.apply_op2(cs, seed)?.backward()?;
            Gradients::collect(enc, &rows_var, &grads)
        })
        .collect::<Result<_>>()?;
    let mut parts = parts.into_iter();
    let mut total = parts
        .next()
        .ok_or_else(|| crate::Error::Model("empty training batch".into()))?;
    for p in parts {
        total.add(&p);
    }
    Ok((loss as f64, tokens, rows, total))
}

/// Symmetric InfoNCE over in-batch negatives (see the module docs), as the fused op
/// [`fused::InfoNce`].
pub fn info_nce(q: &Tensor, c: &Tensor, temperature: f64) -> Result<Tensor> {
    Ok(q.apply_op2(
        c,
        InfoNce {
            temperature: temperature as f32,
        },
    )?)
}

/// [`info_nce`] from candle's elementary ops (`cross_entropy` both ways): the reference the
/// fused op is tested against.
pub fn info_nce_unfused(q: &Tensor, c: &Tensor, temperature: f64) -> Result<Tensor> {
    let b = q.dim(0)?;
    let logits = (q.matmul(&c.t()?)? / temperature)?;
    let labels = Tensor::arange(0u32, b as u32, q.device())?;
    let a = candle_nn::loss::cross_entropy(&logits, &labels)?;
    let bb = candle_nn::loss::cross_entropy(&logits.t()?.contiguous()?, &labels)?;
    Ok(((a + bb)? * 0.5)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn info_nce_by_hand() {
        // Two pairs, q = c = identity rows, τ = 1: S = I. Each row's CE is
        // −ln(e¹/(e¹ + e⁰)) = ln(1 + e⁻¹) = 0.3132617, in both directions.
        let eye = Tensor::from_vec(vec![1f32, 0., 0., 1.], (2, 2), &Device::Cpu).unwrap();
        let l = info_nce(&eye, &eye, 1.0)
            .unwrap()
            .to_scalar::<f32>()
            .unwrap();
        assert!((l as f64 - (1.0 + (-1f64).exp()).ln()).abs() < 1e-6, "{l}");
    }

    #[test]
    fn every_parameter_receives_a_gradient() {
        // Guards against candle ops without a backward pass (fused rope, softmax_last_dim,
        // LayerNorm with bias): gradients would silently stop at them. Three layers so that
        // both global (0) and local (1, 2) attention are on the path.
        use crate::encoder::EncoderConfig;
        let enc = Encoder::new(EncoderConfig::with_shape(40, 16, 3, 2), 3).unwrap();
        let qs: Vec<Vec<u32>> = vec![vec![1, 2, 3], vec![4, 5], vec![6, 7, 8, 9]];
        let cs: Vec<Vec<u32>> = vec![vec![10, 11, 12, 13, 14], vec![15, 16], vec![17, 18, 19]];
        let qr: Vec<&[u32]> = qs.iter().map(Vec::as_slice).collect();
        let cr: Vec<&[u32]> = cs.iter().map(Vec::as_slice).collect();
        let (qb, cb) = (TokenBatch::new(&qr, 8), TokenBatch::new(&cr, 8));
        let rows = GatheredRows::of(&[&qb, &cb]);
        let rows_var = Var::from_tensor(&enc.gather(&rows).unwrap()).unwrap();
        let q = enc.forward(&qb, &rows, rows_var.as_tensor(), true).unwrap();
        let c = enc.forward(&cb, &rows, rows_var.as_tensor(), true).unwrap();
        let grads = info_nce(&q, &c, 0.05).unwrap().backward().unwrap();
        let nonzero = |t: &Tensor| -> bool {
            grads.get(t).is_some_and(|g| {
                g.abs()
                    .unwrap()
                    .sum_all()
                    .unwrap()
                    .to_scalar::<f32>()
                    .unwrap()
                    > 0.0
            })
        };
        let shapes = enc.config.core_shapes();
        for ((name, _), v) in shapes.iter().zip(&enc.core) {
            assert!(nonzero(v.as_tensor()), "{name} got no gradient");
            if name.contains("Wqkv") {
                // The query/key columns get gradient only through RoPE and the softmax.
                let g = grads.get(v.as_tensor()).unwrap().narrow(1, 0, 32).unwrap();
                let s = g
                    .abs()
                    .unwrap()
                    .sum_all()
                    .unwrap()
                    .to_scalar::<f32>()
                    .unwrap();
                assert!(
                    s > 0.0,
                    "{name}: no gradient reaches the query/key projection"
                );
            }
        }
        assert!(
            nonzero(rows_var.as_tensor()),
            "embedding rows got no gradient"
        );
    }

    #[test]
    fn gradients_do_not_depend_on_the_thread_count() {
        // A batch of 40 pairs → 3 shards (13, 13, 14 pairs) of uneven padding.
        use crate::encoder::EncoderConfig;
        let mut rng = SeededRng::new(4);
        let examples: Vec<TrainExample> = (0..40)
            .map(|i| TrainExample {
                group: 0,
                query: (0..1 + i % 7).map(|_| rng.below(90) as u32).collect(),
                code: (0..3 + i % 11).map(|_| rng.below(90) as u32).collect(),
            })
            .collect();
        let settings = TrainSettings {
            batch_size: 40,
            epochs: 1,
            steps: None,
            max_query_tokens: 8,
            max_code_tokens: 12,
            temperature: 0.05,
            optimizer: AdamWConfig {
                lr: 1e-3,
                beta1: 0.9,
                beta2: 0.98,
                eps: 1e-6,
                weight_decay: 0.0,
                warmup_steps: 0,
                total_steps: 0,
                clip_norm: 1.0,
            },
            warmup_share: 0.1,
            seed: 1,
        };
        let mut cfg = EncoderConfig::with_shape(90, 16, 2, 2);
        cfg.local_window = 4;
        let enc = Encoder::new(cfg, 5).unwrap();
        let batch: Vec<usize> = (0..40).collect();
        let on = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let (loss, tokens, rows, grads) = pool
                .install(|| batch_gradients(&enc, &examples, &batch, &settings))
                .unwrap();
            (loss, tokens, rows.ids, grads)
        };
        let one = on(1);
        assert!(one.3.rows.iter().any(|&g| g != 0.0));
        assert_eq!(one, on(2));
        assert_eq!(one, on(3));
    }

    #[test]
    fn batches_keep_languages_apart() {
        let ex: Vec<TrainExample> = (0..10)
            .map(|i| TrainExample {
                group: i % 2,
                query: vec![],
                code: vec![],
            })
            .collect();
        let b = epoch_batches(&ex, 3, &mut SeededRng::new(1));
        // 5 per language → batches of 3 and 2 per language.
        assert_eq!(b.len(), 4);
        for batch in &b {
            let g = ex[batch[0]].group;
            assert!(batch.iter().all(|&i| ex[i].group == g));
        }
        let mut all: Vec<usize> = b.concat();
        all.sort();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
    }
}
