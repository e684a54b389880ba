//! AdamW with warm-up and linear decay, global gradient-norm clipping, and a lazy row-wise
//! update for the token embedding table.
//!
//! AdamW: Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization" (ICLR):
//! m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − lr·(m̂ / (√v̂ + ε) + λ·p) with
//! m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ). Weight decay λ applies to matrices and embedding rows, not to
//! norm weights. Clipping scales all gradients by min(1, c / ‖g‖₂) with ‖g‖₂ over every
//! parameter (Pascanu et al. 2013).
//!
//! Embedding rows are updated lazily, as PyTorch's `SparseAdam` does: only the rows of ids that
//! occur in the batch have their moments and values updated (with the global step for bias
//! correction); rows not in the batch keep their moments and receive no weight decay that step.
//! All arithmetic runs in plain Rust loops in a fixed order, so it is deterministic; embedding
//! rows are updated in parallel, which cannot change a result because every element's update
//! depends only on that element.

use candle_core::{Tensor, Var, backprop::GradStore};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{Encoder, GatheredRows};
use crate::Result;

/// The gradients of one step, as plain vectors: one per core tensor (in
/// [`super::EncoderConfig::core_shapes`] order) and one for the gathered embedding rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Gradients {
    /// Per core tensor, flattened.
    pub core: Vec<Vec<f32>>,
    /// `[rows, dim]` gradient of the gathered embedding rows, flattened.
    pub rows: Vec<f32>,
}

impl Gradients {
    /// Reads the gradients of `enc`'s core variables and of `rows_var` from a backward pass
    /// (zeros for a tensor the pass did not reach).
    pub fn collect(enc: &Encoder, rows_var: &Var, grads: &GradStore) -> Result<Self> {
        let grad_of = |t: &Tensor| -> Result<Vec<f32>> {
            Ok(match grads.get(t) {
                Some(g) => g.flatten_all()?.to_vec1::<f32>()?,
                None => vec![0.0; t.elem_count()],
            })
        };
        Ok(Gradients {
            core: enc
                .core
                .iter()
                .map(|v| grad_of(v.as_tensor()))
                .collect::<Result<_>>()?,
            rows: grad_of(rows_var.as_tensor())?,
        })
    }

    /// Adds `other` element-wise (same shapes).
    pub fn add(&mut self, other: &Gradients) {
        for (a, b) in self
            .core
            .iter_mut()
            .chain(std::iter::once(&mut self.rows))
            .zip(other.core.iter().chain(std::iter::once(&other.rows)))
        {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        }
    }
}

/// Optimiser settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AdamWConfig {
    /// Peak learning rate.
    pub lr: f64,
    /// β₁.
    pub beta1: f64,
    /// β₂.
    pub beta2: f64,
    /// ε.
    pub eps: f64,
    /// Decoupled weight decay λ.
    pub weight_decay: f64,
    /// Steps of linear warm-up from 0 to `lr`.
    pub warmup_steps: usize,
    /// Total steps; after warm-up the rate decays linearly to 0 at this step.
    pub total_steps: usize,
    /// Maximum global gradient L2 norm.
    pub clip_norm: f64,
}

impl AdamWConfig {
    /// The learning rate at 0-based `step`: linear warm-up, then linear decay to 0.
    pub fn lr_at(&self, step: usize) -> f64 {
        let s = step as f64 + 1.0;
        if step < self.warmup_steps {
            return self.lr * s / self.warmup_steps as f64;
        }
        let rest = (self.total_steps.saturating_sub(self.warmup_steps)).max(1) as f64;
        let done = (s - self.warmup_steps as f64).max(0.0);
        self.lr * (1.0 - done / (rest + 1.0)).max(0.0)
    }
}

/// Optimiser state for one [`Encoder`].
#[derive(Debug)]
pub struct AdamW {
    /// Settings.
    pub config: AdamWConfig,
    step: usize,
    core: Vec<DenseState>,
    emb_m: Vec<f32>,
    emb_v: Vec<f32>,
}

/// Value and moments of one core tensor.
#[derive(Debug)]
struct DenseState {
    value: Vec<f32>,
    m: Vec<f32>,
    v: Vec<f32>,
    decay: bool,
}

/// What one optimiser step did.
#[derive(Debug, Clone, Copy)]
pub struct StepInfo {
    /// Global gradient norm before clipping.
    pub grad_norm: f64,
    /// Learning rate used.
    pub lr: f64,
}

impl AdamW {
    /// Fresh state for `enc`.
    pub fn new(enc: &Encoder, config: AdamWConfig) -> Result<Self> {
        let mut core = Vec::new();
        for v in &enc.core {
            let p = v.as_tensor().flatten_all()?.to_vec1::<f32>()?;
            let n = p.len();
            let decay = v.as_tensor().rank() >= 2;
            core.push(DenseState {
                value: p,
                m: vec![0.0; n],
                v: vec![0.0; n],
                decay,
            });
        }
        let e = enc.embeddings.len();
        Ok(AdamW {
            config,
            step: 0,
            core,
            emb_m: vec![0.0; e],
            emb_v: vec![0.0; e],
        })
    }

    /// Steps taken so far.
    pub fn steps(&self) -> usize {
        self.step
    }

    /// Applies one update from `grads`: the core variables of `enc` and the embedding rows in
    /// `rows`.
    pub fn step(
        &mut self,
        enc: &mut Encoder,
        rows: &GatheredRows,
        grads: &Gradients,
    ) -> Result<StepInfo> {
        let d = enc.config.dim;
        self.check_shapes(grads, rows.ids.len() * d)?;
        let grad_norm = global_norm(grads);
        let c = &self.config;
        let clip = if grad_norm > c.clip_norm {
            c.clip_norm / (grad_norm + 1e-6)
        } else {
            1.0
        };
        let lr = c.lr_at(self.step);
        self.step += 1;
        let update = Update::new(c, self.step, lr, clip);
        for ((var, st), g) in enc.core.iter().zip(&mut self.core).zip(&grads.core) {
            for (((p, m), v), &gi) in st.value.iter_mut().zip(&mut st.m).zip(&mut st.v).zip(g) {
                update.apply(p, m, v, gi, st.decay);
            }
            var.set(&Tensor::from_slice(
                &st.value,
                var.as_tensor().shape(),
                var.device(),
            )?)?;
        }
        let jobs = embedding_jobs(
            &mut enc.embeddings,
            &mut self.emb_m,
            &mut self.emb_v,
            rows,
            &grads.rows,
            d,
        )?;
        // Each element's update depends only on itself, so the rows run in parallel.
        jobs.into_par_iter()
            .with_min_len(256)
            .for_each(|(e, m, v, g)| {
                for (((p, m), v), &gi) in e.iter_mut().zip(m).zip(v).zip(g) {
                    update.apply(p, m, v, gi, true);
                }
            });
        Ok(StepInfo { grad_norm, lr })
    }

    /// Fails unless `grads` has one gradient per core variable, each of its size, and
    /// `emb_len` embedding-row gradient values.
    fn check_shapes(&self, grads: &Gradients, emb_len: usize) -> Result<()> {
        let core = &grads.core;
        if core.len() != self.core.len()
            || core
                .iter()
                .zip(&self.core)
                .any(|(g, s)| g.len() != s.value.len())
            || grads.rows.len() != emb_len
        {
            return Err(crate::Error::Model(
                "optimiser: gradient shapes do not match the encoder".into(),
            ));
        }
        Ok(())
    }
}

/// The global L2 norm of every gradient (core and embedding rows), in f64.
fn global_norm(grads: &Gradients) -> f64 {
    let sq: f64 = grads
        .core
        .iter()
        .chain(std::iter::once(&grads.rows))
        .map(|g| g.iter().map(|&x| (x as f64) * (x as f64)).sum::<f64>())
        .sum();
    sq.sqrt()
}

/// One step's AdamW update of a single element (Loshchilov & Hutter, "Decoupled Weight Decay
/// Regularization", ICLR 2019, Algorithm 2, with bias-corrected moments).
#[derive(Clone, Copy)]
struct Update {
    b1: f32,
    b2: f32,
    bc1: f64,
    bc2: f64,
    eps: f64,
    wd: f64,
    lr: f64,
    clip: f64,
}

impl Update {
    /// The update of step number `t` (1-based) at learning rate `lr`, gradients scaled by
    /// `clip`.
    fn new(c: &AdamWConfig, t: usize, lr: f64, clip: f64) -> Self {
        let t = t as i32;
        Update {
            b1: c.beta1 as f32,
            b2: c.beta2 as f32,
            bc1: 1.0 - c.beta1.powi(t),
            bc2: 1.0 - c.beta2.powi(t),
            eps: c.eps,
            wd: c.weight_decay,
            lr,
            clip,
        }
    }

    /// Updates parameter `p` and its moments `m`, `v` from gradient `g`; `decay` applies weight
    /// decay.
    fn apply(&self, p: &mut f32, m: &mut f32, v: &mut f32, g: f32, decay: bool) {
        let (b1, b2) = (self.b1, self.b2);
        let g = g * self.clip as f32;
        *m = b1 * *m + (1.0 - b1) * g;
        *v = b2 * *v + (1.0 - b2) * g * g;
        let mhat = *m as f64 / self.bc1;
        let vhat = *v as f64 / self.bc2;
        let mut delta = mhat / (vhat.sqrt() + self.eps);
        if decay {
            delta += self.wd * *p as f64;
        }
        *p -= (self.lr * delta) as f32;
    }
}

/// One embedding row's parameters, moments and gradient.
type RowJob<'a> = (&'a mut [f32], &'a mut [f32], &'a mut [f32], &'a [f32]);

/// Splits the embedding table and its moments into the disjoint rows of `rows.ids` (distinct
/// and ascending), each paired with its gradient.
fn embedding_jobs<'a>(
    embeddings: &'a mut [f32],
    emb_m: &'a mut [f32],
    emb_v: &'a mut [f32],
    rows: &GatheredRows,
    emb_grad: &'a [f32],
    d: usize,
) -> Result<Vec<RowJob<'a>>> {
    let mut jobs = Vec::with_capacity(rows.ids.len());
    let (mut pe, mut pm, mut pv) = (embeddings, emb_m, emb_v);
    let mut consumed = 0;
    for (&id, g) in rows.ids.iter().zip(emb_grad.chunks_exact(d)) {
        let skip = (id as usize * d)
            .checked_sub(consumed)
            .filter(|&s| s + d <= pe.len());
        let Some(skip) = skip else {
            return Err(crate::Error::Model(format!(
                "optimiser: embedding row {id} is out of order or out of range"
            )));
        };
        let (e, m, v) = (
            &mut std::mem::take(&mut pe)[skip..],
            &mut std::mem::take(&mut pm)[skip..],
            &mut std::mem::take(&mut pv)[skip..],
        );
        let ((e, te), (m, tm), (v, tv)) = (e.split_at_mut(d), m.split_at_mut(d), v.split_at_mut(d));
        (pe, pm, pv) = (te, tm, tv);
        consumed = (id as usize + 1) * d;
        jobs.push((e, m, v, g));
    }
    Ok(jobs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_warms_up_then_decays_to_zero() {
        let c = AdamWConfig {
            lr: 1.0,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            warmup_steps: 4,
            total_steps: 10,
            clip_norm: 1.0,
        };
        // Warm-up: steps 0..3 → 1/4, 2/4, 3/4, 4/4.
        assert_eq!(c.lr_at(0), 0.25);
        assert_eq!(c.lr_at(3), 1.0);
        // Decay over the remaining 6 steps: step 4 → 1 − 1/7, step 9 → 1 − 6/7.
        assert!((c.lr_at(4) - 6.0 / 7.0).abs() < 1e-12);
        assert!((c.lr_at(9) - 1.0 / 7.0).abs() < 1e-12);
        assert!(c.lr_at(9) > 0.0 && c.lr_at(20) == 0.0);
    }
}
