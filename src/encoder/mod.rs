//! The bundled encoder: a small ModernBERT-style transformer written with candle.
//!
//! It exists to answer one question under control: with the model, data and training fixed,
//! how much does the tokenizer change embedding quality? The architecture follows ModernBERT
//! (Warner et al. 2024, "Smarter, Better, Faster, Longer", arXiv:2412.13663; HF `transformers`
//! `modeling_modernbert.py`), scaled down for a laptop CPU:
//!
//! - token embedding (vocab × d) followed by a LayerNorm (no position embeddings);
//! - N pre-norm layers; layer 0 has no attention norm (ModernBERT feeds the already normalised
//!   embeddings straight in);
//! - rotary position embeddings (Su et al. 2021, RoFormer) with θ = 160,000 on global layers and
//!   θ = 10,000 on local ones;
//! - attention that is global every third layer (layers 0, 3, 6, …) and a 128-token sliding
//!   window otherwise (a token attends to positions at distance ≤ 64, as ModernBERT's
//!   `local_attention // 2`); implemented as an additive mask;
//! - GeGLU MLP: `Wo(gelu(x·Wi₁) ⊙ x·Wi₂)` with exact (erf) GELU;
//! - LayerNorm without bias everywhere, no biases in linear layers, a final norm;
//! - mean pooling over non-padding tokens, then L2 normalisation.
//!
//! Weights are initialised from tokstat's own seeded generator ([`rng::SeededRng`]) with a
//! truncated normal (σ = 0.02, cut at ±2σ) and norms at 1, because candle's CPU generator cannot
//! be seeded. Every layer runs on tokstat's own fused CPU kernels ([`fused`]: RoPE attention with
//! the sliding-window and padding masks, bias-free LayerNorm, GeGLU, pooling, single-threaded
//! matrix products), candle custom ops with a forward and a backward pass; candle 0.11.1's own
//! fused `rope`, `softmax_last_dim` and LayerNorm have no backward pass. The same model written
//! with candle's elementary ops ([`Encoder::forward_unfused`]) is kept as the reference the
//! kernels are tested against.
//!
//! The token embedding table is kept outside candle as a plain `Vec<f32>`: each step gathers
//! the rows of the ids in the batch into a small variable, and the optimiser updates only those
//! rows ([`optim::AdamW`]). A dense update of a 250,002 × 128 table would dominate the
//! step time for large vocabularies.

pub mod fused;
pub mod optim;
pub mod rng;
mod simd;
pub mod tiling;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use candle_core::{D, DType, Device, Tensor, Var};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};
use rng::SeededRng;

impl From<candle_core::Error> for Error {
    fn from(e: candle_core::Error) -> Self {
        Error::Model(e.to_string())
    }
}

/// The encoder's shape. Every field is part of a checkpoint's JSON config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EncoderConfig {
    /// Rows of the token embedding table (the tokenizer's max id + 1).
    pub vocab_size: usize,
    /// Hidden size d.
    pub dim: usize,
    /// Number of transformer layers.
    pub layers: usize,
    /// Attention heads (d must be divisible by it and the head size must be even).
    pub heads: usize,
    /// GeGLU intermediate size I (the input projection has 2·I outputs).
    pub intermediate: usize,
    /// A layer is global when `layer % global_every == 0` (ModernBERT: 3).
    pub global_every: usize,
    /// Sliding-window width of local layers in tokens (ModernBERT: 128).
    pub local_window: usize,
    /// RoPE θ of global layers (ModernBERT: 160,000).
    pub global_rope_theta: f64,
    /// RoPE θ of local layers (ModernBERT: 10,000).
    pub local_rope_theta: f64,
    /// LayerNorm ε (ModernBERT: 1e-5).
    pub norm_eps: f64,
}

impl EncoderConfig {
    /// The default small encoder for a vocabulary: d = 128, 2 layers, 4 heads, I = 3d/2
    /// (ModernBERT-base's ratio, 1152/768), ModernBERT's attention pattern and RoPE θs.
    pub fn small(vocab_size: usize) -> Self {
        Self::with_shape(vocab_size, 128, 2, 4)
    }

    /// A config with ModernBERT's attention pattern, RoPE θs, norm ε and I = 3d/2.
    pub fn with_shape(vocab_size: usize, dim: usize, layers: usize, heads: usize) -> Self {
        EncoderConfig {
            vocab_size,
            dim,
            layers,
            heads,
            intermediate: dim * 3 / 2,
            global_every: 3,
            local_window: 128,
            global_rope_theta: 160_000.0,
            local_rope_theta: 10_000.0,
            norm_eps: 1e-5,
        }
    }

    /// Checks that the shape is usable.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::InvalidArgument(m));
        if self.vocab_size == 0 || self.dim == 0 || self.layers == 0 || self.heads == 0 {
            return bad(format!(
                "encoder: vocab size, dim, layers and heads must be positive (got {}, {}, {}, {})",
                self.vocab_size, self.dim, self.layers, self.heads
            ));
        }
        if self.dim % self.heads != 0 || (self.dim / self.heads) % 2 != 0 {
            return bad(format!(
                "encoder: dim {} must be a multiple of 2 × heads ({}) so that each head has an even size for RoPE",
                self.dim,
                2 * self.heads
            ));
        }
        if self.intermediate == 0 || self.global_every == 0 || self.local_window < 2 {
            return bad(
                "encoder: intermediate size, global_every and local window must be positive".into(),
            );
        }
        Ok(())
    }

    /// Size of one attention head.
    pub fn head_dim(&self) -> usize {
        self.dim / self.heads
    }

    /// Whether layer `i` uses global attention (`i % global_every == 0`, as in ModernBERT).
    pub fn is_global(&self, layer: usize) -> bool {
        layer % self.global_every == 0
    }

    /// Parameters of the token embedding table: vocab_size · d.
    pub fn embedding_parameters(&self) -> usize {
        self.vocab_size * self.dim
    }

    /// Parameters of everything except the token embedding table, counted tensor by tensor as
    /// ModernBERT's modeling code defines them (no biases anywhere):
    /// embedding norm d; per layer i: attention norm d (not in layer 0), Wqkv 3d², Wo d²,
    /// MLP norm d, Wi d·2I, MLP Wo I·d; final norm d.
    pub fn core_parameters(&self) -> usize {
        let d = self.dim;
        let i = self.intermediate;
        let per_layer = 3 * d * d + d * d + d + 2 * d * i + i * d;
        d + self.layers * per_layer + (self.layers - 1) * d + d
    }

    /// All parameters: embedding table + core.
    pub fn parameters(&self) -> usize {
        self.embedding_parameters() + self.core_parameters()
    }

    /// Names and shapes of the core tensors, in a fixed order (weights are stored `[in, out]`,
    /// i.e. transposed relative to PyTorch's `nn.Linear.weight`).
    pub fn core_shapes(&self) -> Vec<(String, Vec<usize>)> {
        let d = self.dim;
        let i = self.intermediate;
        let mut v = vec![("embeddings.norm.weight".to_string(), vec![d])];
        for l in 0..self.layers {
            if l > 0 {
                v.push((format!("layers.{l}.attn_norm.weight"), vec![d]));
            }
            v.push((format!("layers.{l}.attn.Wqkv.weight"), vec![d, 3 * d]));
            v.push((format!("layers.{l}.attn.Wo.weight"), vec![d, d]));
            v.push((format!("layers.{l}.mlp_norm.weight"), vec![d]));
            v.push((format!("layers.{l}.mlp.Wi.weight"), vec![d, 2 * i]));
            v.push((format!("layers.{l}.mlp.Wo.weight"), vec![i, d]));
        }
        v.push(("final_norm.weight".to_string(), vec![d]));
        v
    }
}

/// Name of the token embedding tensor in checkpoints.
pub const EMBEDDING_NAME: &str = "embeddings.tok_embeddings.weight";

/// A batch of token sequences, padded to the longest one.
#[derive(Debug, Clone)]
pub struct TokenBatch {
    /// Row-major `[batch, len]` ids (padding positions hold 0 and are masked).
    pub ids: Vec<u32>,
    /// Real length of each sequence (≥ 1).
    pub lens: Vec<usize>,
    /// Padded length.
    pub len: usize,
}

impl TokenBatch {
    /// Pads sequences (each truncated to at most `max_len` tokens; empty ones become one id 0
    /// token so that mean pooling is defined).
    pub fn new(seqs: &[&[u32]], max_len: usize) -> Self {
        let lens: Vec<usize> = seqs.iter().map(|s| s.len().clamp(1, max_len)).collect();
        let len = lens.iter().copied().max().unwrap_or(1);
        let mut ids = vec![0u32; seqs.len() * len];
        for (b, s) in seqs.iter().enumerate() {
            let n = s.len().min(max_len);
            ids[b * len..b * len + n].copy_from_slice(&s[..n]);
        }
        TokenBatch { ids, lens, len }
    }

    /// Number of sequences.
    pub fn batch_size(&self) -> usize {
        self.lens.len()
    }

    /// Number of real (non-padding) tokens.
    pub fn tokens(&self) -> usize {
        self.lens.iter().sum()
    }
}

/// Rows of the embedding table gathered for one step: the distinct ids of the step, in
/// ascending order, and a map from vocabulary id to local row.
#[derive(Debug, Clone)]
pub struct GatheredRows {
    /// Distinct vocabulary ids, ascending.
    pub ids: Vec<u32>,
    local: HashMap<u32, u32>,
}

impl GatheredRows {
    /// Collects the distinct ids of several batches.
    pub fn of(batches: &[&TokenBatch]) -> Self {
        let mut ids: Vec<u32> = batches.iter().flat_map(|b| b.ids.iter().copied()).collect();
        ids.sort_unstable();
        ids.dedup();
        let local = ids
            .iter()
            .enumerate()
            .map(|(i, &id)| (id, i as u32))
            .collect();
        GatheredRows { ids, local }
    }

    fn remap(&self, batch: &TokenBatch) -> Result<Vec<u32>> {
        batch
            .ids
            .iter()
            .map(|id| {
                self.local.get(id).copied().ok_or_else(|| {
                    Error::Model(format!("token id {id} is not among the gathered rows"))
                })
            })
            .collect()
    }
}

/// The encoder: configuration, the embedding table (plain memory) and the core weights (candle
/// variables).
pub struct Encoder {
    /// The shape.
    pub config: EncoderConfig,
    /// Row-major `[vocab_size, dim]` token embeddings.
    pub embeddings: Vec<f32>,
    /// Core tensors in [`EncoderConfig::core_shapes`] order.
    pub core: Vec<Var>,
    device: Device,
    rope: Mutex<Option<RopeTables>>,
}

/// RoPE cos/sin tables of the global and local θ for positions `0..len`, shared by every
/// attention op of a forward pass and grown when a longer batch arrives.
#[derive(Debug, Clone)]
struct RopeTables {
    len: usize,
    global: (Arc<[f32]>, Arc<[f32]>),
    local: (Arc<[f32]>, Arc<[f32]>),
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder")
            .field("config", &self.config)
            .finish()
    }
}

impl Encoder {
    /// A freshly initialised encoder: every weight matrix and the embedding table drawn from a
    /// truncated normal (σ = 0.02, ±2σ) of a generator seeded with `seed`, norms at 1.
    pub fn new(config: EncoderConfig, seed: u64) -> Result<Self> {
        config.validate()?;
        let device = Device::Cpu;
        let mut rng = SeededRng::fork(seed, 0x454d_4244); // "EMBD"
        let embeddings: Vec<f32> = (0..config.embedding_parameters())
            .map(|_| rng.truncated_normal(0.02))
            .collect();
        let mut rng = SeededRng::fork(seed, 0x434f_5245); // "CORE"
        let mut core = Vec::new();
        for (name, shape) in config.core_shapes() {
            let n: usize = shape.iter().product();
            let data: Vec<f32> = if name.ends_with("norm.weight") {
                vec![1.0; n]
            } else {
                (0..n).map(|_| rng.truncated_normal(0.02)).collect()
            };
            core.push(Var::from_tensor(&Tensor::from_vec(
                data,
                shape.as_slice(),
                &device,
            )?)?);
        }
        Ok(Encoder {
            config,
            embeddings,
            core,
            device,
            rope: Mutex::new(None),
        })
    }

    /// The gathered embedding rows as a `[rows, dim]` tensor.
    pub fn gather(&self, rows: &GatheredRows) -> Result<Tensor> {
        let d = self.config.dim;
        let mut data = Vec::with_capacity(rows.ids.len() * d);
        for &id in &rows.ids {
            let id = id as usize;
            if id >= self.config.vocab_size {
                return Err(Error::Model(format!(
                    "token id {id} outside the embedding table of {} rows",
                    self.config.vocab_size
                )));
            }
            data.extend_from_slice(&self.embeddings[id * d..(id + 1) * d]);
        }
        Ok(Tensor::from_vec(data, (rows.ids.len(), d), &self.device)?)
    }

    /// Encodes a batch into L2-normalised `[batch, dim]` embeddings, reading token vectors from
    /// `rows_tensor` (the gathered rows of `rows`). With `train` the graph is kept for backprop.
    ///
    /// Every layer runs on the fused kernels of [`fused`]; [`Encoder::forward_unfused`] is the
    /// same model written with candle's elementary ops (used to test the kernels).
    pub fn forward(
        &self,
        batch: &TokenBatch,
        rows: &GatheredRows,
        rows_tensor: &Tensor,
        train: bool,
    ) -> Result<Tensor> {
        let cfg = &self.config;
        let (b, l) = (batch.batch_size(), batch.len);
        let w = self.weights(train);
        let local_ids = Tensor::from_vec(rows.remap(batch)?, b * l, &self.device)?;
        let mut x = rows_tensor.index_select(&local_ids, 0)?; // [b*l, d]
        let mut next = w.iter();
        let mut weight = || {
            next.next()
                .ok_or_else(|| Error::Model("encoder: missing core tensor".into()))
        };
        let eps = cfg.norm_eps as f32;
        let norm = |x: &Tensor, w: &Tensor| x.apply_op2(w, fused::LayerNorm { eps });
        let linear = |x: &Tensor, w: &Tensor| x.apply_op2(w, fused::Linear);
        x = norm(&x, weight()?)?;
        let tables = self.rope_tables(l);
        let shape = |global: bool| -> Arc<fused::AttentionShape> {
            let (cos, sin) = if global {
                tables.global.clone()
            } else {
                tables.local.clone()
            };
            Arc::new(fused::AttentionShape {
                batch: b,
                len: l,
                heads: cfg.heads,
                head_dim: cfg.head_dim(),
                lens: batch.lens.clone(),
                half_window: (!global).then_some(cfg.local_window / 2),
                cos,
                sin,
            })
        };
        let (global_shape, local_shape) = (shape(true), shape(false));
        for layer in 0..cfg.layers {
            let attn_in = if layer == 0 {
                x.clone()
            } else {
                norm(&x, weight()?)?
            };
            let (wqkv, wo) = (weight()?, weight()?);
            let sh = if cfg.is_global(layer) {
                &global_shape
            } else {
                &local_shape
            };
            let ctx =
                linear(&attn_in, wqkv)?.apply_op1(fused::Attention::new(sh.clone(), train))?;
            x = (x + linear(&ctx, wo)?)?;
            let (mlp_norm, wi, wo2) = (weight()?, weight()?, weight()?);
            let act = linear(&norm(&x, mlp_norm)?, wi)?.apply_op1(fused::GeGlu)?;
            x = (x + linear(&act, wo2)?)?;
        }
        x = norm(&x, weight()?)?;
        Ok(x.apply_op1(fused::MeanPoolNormalize {
            lens: batch.lens.clone(),
        })?)
    }

    /// RoPE tables covering at least `len` positions.
    fn rope_tables(&self, len: usize) -> RopeTables {
        let mut slot = self.rope.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = slot.as_ref().filter(|t| t.len >= len) {
            return t.clone();
        }
        let hd = self.config.head_dim();
        let make = |theta: f64| {
            let (cos, sin) = rope_table_data(len, hd, theta);
            (Arc::from(cos), Arc::from(sin))
        };
        let t = RopeTables {
            len,
            global: make(self.config.global_rope_theta),
            local: make(self.config.local_rope_theta),
        };
        *slot = Some(t.clone());
        t
    }

    /// The core weights as tensors: tracked for backprop with `train`, detached otherwise.
    fn weights(&self, train: bool) -> Vec<Tensor> {
        self.core
            .iter()
            .map(|v| {
                if train {
                    v.as_tensor().clone()
                } else {
                    v.as_tensor().detach()
                }
            })
            .collect()
    }

    /// [`Encoder::forward`] written with candle's elementary, differentiable ops only
    /// (`rope_slow`, `ops::softmax`, a LayerNorm of broadcast ops, an additive mask): the
    /// reference the fused kernels are tested against.
    pub fn forward_unfused(
        &self,
        batch: &TokenBatch,
        rows: &GatheredRows,
        rows_tensor: &Tensor,
    ) -> Result<Tensor> {
        let cfg = &self.config;
        let (b, l, h) = (batch.batch_size(), batch.len, cfg.heads);
        let w = self.weights(true);
        let local_ids = Tensor::from_vec(rows.remap(batch)?, b * l, &self.device)?;
        let mut x = rows_tensor.index_select(&local_ids, 0)?; // [b*l, d]
        let mut k = 0;
        let mut next = || {
            k += 1;
            &w[k - 1]
        };
        x = layer_norm(&x, next(), cfg.norm_eps)?;

        for layer in 0..cfg.layers {
            let attn_in = if layer == 0 {
                x.clone()
            } else {
                layer_norm(&x, next(), cfg.norm_eps)?
            };
            let (wqkv, wo) = (next(), next());
            let qkv = attn_in.matmul(wqkv)?; // [b*l, 3d]
            let ctx = if cfg.is_global(layer) {
                attention_unfused(&qkv, &batch.lens, h, None, cfg.global_rope_theta)?
            } else {
                let window = Some(cfg.local_window);
                attention_unfused(&qkv, &batch.lens, h, window, cfg.local_rope_theta)?
            };
            x = (x + ctx.matmul(wo)?)?;

            let (norm, wi, wo2) = (next(), next(), next());
            let hid = layer_norm(&x, norm, cfg.norm_eps)?.matmul(wi)?;
            let i = cfg.intermediate;
            let act = (hid.narrow(1, 0, i)?.gelu_erf()? * hid.narrow(1, i, i)?)?;
            x = (x + act.matmul(wo2)?)?;
        }
        x = layer_norm(&x, next(), cfg.norm_eps)?;
        mean_pool_normalize(&x, &batch.lens, l)
    }

    /// Embeds many sequences for evaluation, `batch_size` at a time, in length order for tight
    /// padding; returns one L2-normalised vector per input in input order. Batches run in
    /// parallel on the current rayon pool; each is computed independently, so the result does
    /// not depend on the thread count. `on_batch` is called with each finished batch's size.
    pub fn embed_all(
        &self,
        seqs: &[Vec<u32>],
        max_len: usize,
        batch_size: usize,
        on_batch: impl Fn(usize) + Sync,
    ) -> Result<Vec<Vec<f32>>> {
        let mut order: Vec<usize> = (0..seqs.len()).collect();
        order.sort_by_key(|&i| (seqs[i].len().min(max_len), i));
        let chunks: Vec<&[usize]> = order.chunks(batch_size.max(1)).collect();
        let embedded: Vec<Vec<Vec<f32>>> = chunks
            .par_iter()
            .map(|chunk| {
                let refs: Vec<&[u32]> = chunk.iter().map(|&i| seqs[i].as_slice()).collect();
                let batch = TokenBatch::new(&refs, max_len);
                let rows = GatheredRows::of(&[&batch]);
                let t = self.gather(&rows)?;
                let emb = self.forward(&batch, &rows, &t, false)?.to_vec2::<f32>()?;
                on_batch(chunk.len());
                Ok(emb)
            })
            .collect::<Result<_>>()?;
        let mut out = vec![Vec::new(); seqs.len()];
        for (chunk, emb) in chunks.iter().zip(embedded) {
            for (&i, e) in chunk.iter().zip(emb) {
                out[i] = e;
            }
        }
        Ok(out)
    }

    /// Saves the weights as safetensors (`path`) and the config as JSON beside it
    /// (`path` with extension `json`), plus `extra` fields in that JSON.
    pub fn save(&self, path: &Path, extra: &serde_json::Value) -> Result<()> {
        let mut tensors: HashMap<String, Tensor> = HashMap::new();
        tensors.insert(
            EMBEDDING_NAME.to_string(),
            Tensor::from_slice(
                &self.embeddings,
                (self.config.vocab_size, self.config.dim),
                &self.device,
            )?,
        );
        for ((name, _), v) in self.config.core_shapes().into_iter().zip(&self.core) {
            tensors.insert(name, v.as_tensor().clone());
        }
        // Both files are written aside first and only then renamed into place (the JSON, then
        // the tensors), so that an interrupted or failed save leaves the previous checkpoint
        // whole.
        let bytes = safetensors::serialize(&tensors, None)
            .map_err(|e| Error::Model(format!("{}: {e}", path.display())))?;
        let json = serde_json::json!({ "encoder": self.config, "run": extra });
        let text = serde_json::to_string_pretty(&json)? + "\n";
        crate::output::write_all_atomic(&[
            (path.with_extension("json"), text.as_bytes()),
            (path.to_path_buf(), &bytes),
        ])
    }

    /// Loads a checkpoint written by [`Encoder::save`]; returns the encoder and the `run`
    /// fields of its JSON config.
    pub fn load(path: &Path) -> Result<(Self, serde_json::Value)> {
        let cfg_path = path.with_extension("json");
        let text = std::fs::read_to_string(&cfg_path).map_err(|e| Error::io(&cfg_path, e))?;
        let tensors = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Self::from_bytes(path, &text, &tensors)
    }

    /// Builds an encoder from the contents of a checkpoint: its JSON config (`<path>.json`)
    /// and its safetensors bytes; `path` names the checkpoint in errors.
    pub fn from_bytes(
        path: &Path,
        text: &str,
        tensors: &[u8],
    ) -> Result<(Self, serde_json::Value)> {
        let cfg_path = path.with_extension("json");
        crate::input::reject_json_bom(&cfg_path, text.as_bytes())?;
        let json: serde_json::Value = serde_json::from_str(text).map_err(|e| Error::Config {
            path: cfg_path.clone(),
            message: e.to_string(),
        })?;
        let config: EncoderConfig =
            serde_json::from_value(json["encoder"].clone()).map_err(|e| Error::Config {
                path: cfg_path.clone(),
                message: format!("`encoder`: {e}"),
            })?;
        config.validate()?;
        let device = Device::Cpu;
        let mut tensors = candle_core::safetensors::load_buffer(tensors, &device)
            .map_err(|e| Error::Model(format!("{}: {e}", path.display())))?;
        let mut take = |name: &str, shape: &[usize]| -> Result<Tensor> {
            let t = tensors.remove(name).ok_or_else(|| {
                Error::Model(format!("{}: tensor `{name}` missing", path.display()))
            })?;
            if t.dims() != shape || t.dtype() != DType::F32 {
                return Err(Error::Model(format!(
                    "{}: tensor `{name}` is {:?} {:?}, expected f32 {shape:?}",
                    path.display(),
                    t.dtype(),
                    t.dims()
                )));
            }
            Ok(t)
        };
        let embeddings = take(EMBEDDING_NAME, &[config.vocab_size, config.dim])?
            .flatten_all()?
            .to_vec1::<f32>()?;
        let mut core = Vec::new();
        for (name, shape) in config.core_shapes() {
            core.push(Var::from_tensor(&take(&name, &shape)?)?);
        }
        Ok((
            Encoder {
                config,
                embeddings,
                core,
                device,
                rope: Mutex::new(None),
            },
            json["run"].clone(),
        ))
    }
}

/// The additive sliding-window mask `[len, len]` of local layers: 0 where a query position i
/// may attend to key position j, i.e. |i − j| ≤ window / 2 (ModernBERT's
/// `distance <= local_attention // 2`), −1e9 elsewhere.
pub fn window_mask(len: usize, window: usize) -> Vec<f32> {
    let half = window / 2;
    (0..len * len)
        .map(|ij| {
            if (ij / len).abs_diff(ij % len) <= half {
                0.0
            } else {
                -1e9
            }
        })
        .collect()
}

/// Multi-head RoPE attention over `qkv: [b·len, 3d]` from elementary ops: RoPE with `theta`
/// (`rope_slow`), an additive −1e9 mask on padding keys and, with `window`, on keys farther
/// than `window / 2`, `ops::softmax`. Returns `[b·len, d]`.
pub(crate) fn attention_unfused(
    qkv: &Tensor,
    lens: &[usize],
    heads: usize,
    window: Option<usize>,
    theta: f64,
) -> Result<Tensor> {
    let (rows, three_d) = qkv.dims2()?;
    let (b, d) = (lens.len(), three_d / 3);
    let (l, hd) = (rows / b, d / heads);
    let dev = qkv.device();
    let mut pad = vec![0f32; b * l];
    for (bi, &n) in lens.iter().enumerate() {
        for p in n..l {
            pad[bi * l + p] = -1e9;
        }
    }
    let mut mask = Tensor::from_vec(pad, (b, 1, 1, l), dev)?;
    if let Some(w) = window {
        mask = mask.broadcast_add(&Tensor::from_vec(window_mask(l, w), (1, 1, l, l), dev)?)?;
    }
    let (cos, sin) = rope_tables(l, hd, theta, dev)?;
    let part = |k: usize| -> Result<Tensor> {
        Ok(qkv
            .narrow(1, k * d, d)?
            .reshape((b, l, heads, hd))?
            .transpose(1, 2)?
            .contiguous()?)
    };
    let (q, k, v) = (part(0)?, part(1)?, part(2)?);
    let q = candle_nn::rotary_emb::rope_slow(&q, &cos, &sin)?;
    let k = candle_nn::rotary_emb::rope_slow(&k, &cos, &sin)?;
    let scores = (q.matmul(&k.t()?.contiguous()?)? * (1.0 / (hd as f64).sqrt()))?;
    let probs = candle_nn::ops::softmax(&scores.broadcast_add(&mask)?, D::Minus1)?;
    Ok(probs
        .matmul(&v)?
        .transpose(1, 2)?
        .contiguous()?
        .reshape((b * l, d))?)
}

/// Mean pooling over each sequence's real tokens, then L2 normalisation, from elementary ops.
pub(crate) fn mean_pool_normalize(x: &Tensor, lens: &[usize], l: usize) -> Result<Tensor> {
    let (b, d) = (lens.len(), x.dim(1)?);
    let mut mask = vec![0f32; b * l];
    for (bi, &n) in lens.iter().enumerate() {
        for p in 0..n {
            mask[bi * l + p] = 1.0 / n as f32;
        }
    }
    let mask = Tensor::from_vec(mask, (b, l, 1), x.device())?;
    let pooled = x.reshape((b, l, d))?.broadcast_mul(&mask)?.sum(1)?; // [b, d]
    let norm = (pooled.sqr()?.sum_keepdim(1)? + 1e-12)?.sqrt()?;
    Ok(pooled.broadcast_div(&norm)?)
}

/// LayerNorm without bias over the last dimension: `(x − mean) / sqrt(var + ε) · w`, written
/// from elementary ops so that it has a backward pass in candle.
pub(crate) fn layer_norm(x: &Tensor, w: &Tensor, eps: f64) -> Result<Tensor> {
    let mean = x.mean_keepdim(D::Minus1)?;
    let xc = x.broadcast_sub(&mean)?;
    let var = xc.sqr()?.mean_keepdim(D::Minus1)?;
    let xn = xc.broadcast_div(&(var + eps)?.sqrt()?)?;
    Ok(xn.broadcast_mul(w)?)
}

/// RoPE tables `[len, head_dim/2]`: angle(p, i) = p · θ^(−2i/head_dim) (Su et al. 2021), in the
/// half-split layout HF's `rotate_half` and candle's `rope_slow` use. Returns (cos, sin).
pub(crate) fn rope_table_data(len: usize, head_dim: usize, theta: f64) -> (Vec<f32>, Vec<f32>) {
    let half = head_dim / 2;
    let mut cos = Vec::with_capacity(len * half);
    let mut sin = Vec::with_capacity(len * half);
    for p in 0..len {
        for i in 0..half {
            let inv = theta.powf(-((2 * i) as f64) / head_dim as f64);
            let a = p as f64 * inv;
            cos.push(a.cos() as f32);
            sin.push(a.sin() as f32);
        }
    }
    (cos, sin)
}

/// [`rope_table_data`] as `[len, head_dim/2]` tensors.
pub(crate) fn rope_tables(
    len: usize,
    head_dim: usize,
    theta: f64,
    dev: &Device,
) -> Result<(Tensor, Tensor)> {
    let half = head_dim / 2;
    let (cos, sin) = rope_table_data(len, head_dim, theta);
    Ok((
        Tensor::from_vec(cos, (len, half), dev)?,
        Tensor::from_vec(sin, (len, half), dev)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modernbert_base_parameter_count() {
        // ModernBERT-base config.json: vocab 50368, hidden 768, 22 layers, intermediate 1152,
        // no biases. By hand: embeddings 50368·768 = 38,682,624 + norm 768; per layer
        // 4·768² (Wqkv + Wo) = 2,359,296 + 3·768·1152 (Wi + Wo) = 2,654,208 + 2·768 norms
        // = 5,015,040, × 22 = 110,330,880, minus layer 0's missing attention norm (768);
        // final norm 768. Total 149,014,272 — the paper's "149M" (ModernBertModel, no MLM head).
        let mut c = EncoderConfig::with_shape(50368, 768, 22, 12);
        c.intermediate = 1152;
        assert_eq!(c.parameters(), 149_014_272);
    }

    #[test]
    fn parameter_count_matches_the_tensors() {
        let c = EncoderConfig::with_shape(1000, 32, 4, 2);
        let e = Encoder::new(c.clone(), 1).unwrap();
        let n: usize = e.embeddings.len()
            + e.core
                .iter()
                .map(|v| v.as_tensor().elem_count())
                .sum::<usize>();
        assert_eq!(n, c.parameters());
    }

    #[test]
    fn output_is_unit_length_and_padding_does_not_matter() {
        let e = Encoder::new(EncoderConfig::with_shape(100, 16, 2, 2), 5).unwrap();
        let a: Vec<u32> = vec![5, 6, 7];
        let b: Vec<u32> = vec![8, 9, 10, 11, 12, 13];
        let alone = e
            .embed_all(std::slice::from_ref(&a), 64, 8, |_| {})
            .unwrap();
        let padded = e.embed_all(&[a, b], 64, 8, |_| {}).unwrap();
        let norm: f32 = alone[0].iter().map(|x| x * x).sum();
        assert!((norm - 1.0).abs() < 1e-4, "{norm}");
        for (x, y) in alone[0].iter().zip(&padded[0]) {
            assert!((x - y).abs() < 1e-5, "{x} vs {y}");
        }
    }

    #[test]
    fn sliding_window_mask_by_hand() {
        // window 4 → distance ≤ 2 allowed. Row 0: keys 0,1,2 open, 3,4 masked; row 2: all open;
        // row 4: keys 2,3,4 open.
        let m = window_mask(5, 4);
        let open = |i: usize| -> Vec<usize> { (0..5).filter(|&j| m[i * 5 + j] == 0.0).collect() };
        assert_eq!(open(0), vec![0, 1, 2]);
        assert_eq!(open(2), vec![0, 1, 2, 3, 4]);
        assert_eq!(open(4), vec![2, 3, 4]);
        let c = EncoderConfig::with_shape(50, 16, 4, 2);
        assert_eq!(
            (0..4).map(|l| c.is_global(l)).collect::<Vec<_>>(),
            [true, false, false, true]
        );
    }

    #[test]
    fn token_order_matters() {
        // RoPE makes the encoder position-aware: reversed input gives a different embedding.
        // At initialisation (σ = 0.02) attention is nearly uniform, so sharpen it first by
        // scaling the query/key/value projections.
        let c = EncoderConfig::with_shape(50, 16, 2, 2);
        let e = Encoder::new(c.clone(), 2).unwrap();
        for ((name, _), v) in c.core_shapes().iter().zip(&e.core) {
            if name.contains("Wqkv") {
                v.set(&(v.as_tensor() * 100.0).unwrap()).unwrap();
            }
        }
        let out = e
            .embed_all(
                &[vec![1, 2, 3, 4, 5, 6, 7, 8], vec![8, 7, 6, 5, 4, 3, 2, 1]],
                16,
                2,
                |_| {},
            )
            .unwrap();
        assert!(
            out[0]
                .iter()
                .zip(&out[1])
                .any(|(x, y)| (x - y).abs() > 1e-4)
        );
    }

    #[test]
    fn checkpoint_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.safetensors");
        let e = Encoder::new(EncoderConfig::with_shape(30, 8, 1, 2), 9).unwrap();
        e.save(&p, &serde_json::json!({"tokenizer": "x"})).unwrap();
        let (f, run) = Encoder::load(&p).unwrap();
        assert_eq!(run["tokenizer"], "x");
        assert_eq!(f.config, e.config);
        assert_eq!(f.embeddings, e.embeddings);
        let seqs = vec![vec![1, 2, 3]];
        assert_eq!(
            e.embed_all(&seqs, 8, 1, |_| {}).unwrap(),
            f.embed_all(&seqs, 8, 1, |_| {}).unwrap()
        );
    }
}
