//! Pretrained encoders in the Hugging Face layout: embed texts with a real BERT, XLM-RoBERTa
//! (or RoBERTa) or ModernBERT checkpoint.
//!
//! A model is a directory (or a hub repository id, resolved through the local cache as
//! tokenizer names are) with `config.json`, `model.safetensors` (or shards listed by
//! `model.safetensors.index.json`) and the model's own `tokenizer.json`; see [`files`]. The
//! network is candle-transformers' implementation of the architecture ([`arch`]), in f32.
//!
//! Texts are embedded as sentence-transformers embeds them (Reimers & Gurevych 2019,
//! arXiv:1908.10084): tokenized with the special tokens of the model's post-processor,
//! truncated to the input window (the content is cut, the special tokens kept, as `tokenizers`
//! truncation does), run in batches padded to their longest text, and pooled under the
//! attention mask ([`Pooling`]). Pooling and the window come from the model's
//! sentence-transformers files (`modules.json` → `1_Pooling/config.json`,
//! `sentence_bert_config.json`) when it has them.
//!
//! **Determinism.** Texts are sorted by length (longest first, ties in input order) and cut
//! into batches in that order, so batches do not depend on the thread count; every output
//! goes back to its input position.

pub mod arch;
pub mod files;
pub mod pooling;

use std::path::Path;

use candle_core::{Device, Tensor};
use serde::{Deserialize, Serialize};
use tokenizers::TruncationDirection;

use crate::tokenizer::HfTokenizer;
use crate::tokenizer::Tokenizer;
use crate::{Error, Result};
use arch::{Network, Shape};
pub use pooling::Pooling;

/// Where the network runs.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    Serialize,
    Deserialize,
    clap::ValueEnum,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum DeviceKind {
    /// The CPU (always available).
    #[default]
    Cpu,
    /// The first CUDA GPU (needs a build with `--features cuda`).
    Cuda,
}

impl DeviceKind {
    /// The candle device; an error naming the missing cargo feature when CUDA was not built in.
    pub fn device(self) -> Result<Device> {
        match self {
            DeviceKind::Cpu => Ok(Device::Cpu),
            DeviceKind::Cuda => cuda_device(),
        }
    }
}

#[cfg(feature = "cuda")]
fn cuda_device() -> Result<Device> {
    Device::new_cuda(0).map_err(|e| Error::InvalidArgument(format!("--device cuda: {e}")))
}

#[cfg(not(feature = "cuda"))]
fn cuda_device() -> Result<Device> {
    Err(Error::InvalidArgument(
        "--device cuda: this tokstat was built without CUDA; rebuild with `cargo build --release --features cuda`".into(),
    ))
}

/// How pretrained models embed text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EmbedOptions {
    /// Pooling for models without a sentence-transformers pooling config (`None`: mean).
    pub pooling: Option<Pooling>,
    /// Longest input in tokens, special tokens included (further capped by the model's
    /// `max_seq_length` and its position table).
    pub max_tokens: usize,
    /// Text put before every query (`"query: "` for E5-style models).
    pub query_prefix: String,
    /// Text put before every document.
    pub document_prefix: String,
    /// Texts per forward pass.
    pub batch_size: usize,
    /// Where the network runs.
    pub device: DeviceKind,
}

impl EmbedOptions {
    /// Whether these are the defaults (reports leave them out then).
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

impl Default for EmbedOptions {
    /// Mean pooling, 512 tokens, no prefixes, batches of 32, on the CPU.
    fn default() -> Self {
        EmbedOptions {
            pooling: None,
            max_tokens: 512,
            query_prefix: String::new(),
            document_prefix: String::new(),
            batch_size: 32,
            device: DeviceKind::Cpu,
        }
    }
}

/// Anything that turns texts into one vector each: the evaluation scores any embedder.
pub trait Embedder {
    /// One embedding per text, in input order; `progress` is told how many texts each step
    /// finished.
    fn embed(&self, texts: &[&str], progress: &(dyn Fn(usize) + Sync)) -> Result<Vec<Vec<f32>>>;
}

/// A text as the model sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelInput {
    /// Ids with the special tokens, cut to the window.
    pub ids: Vec<u32>,
    /// The text's own ids (no special tokens) after the cut.
    pub content: Vec<u32>,
    /// The text's own ids before the cut.
    pub content_len: usize,
    /// Whether the cut removed tokens.
    pub truncated: bool,
}

/// A model as used in a run, for reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ModelInfo {
    /// Display name (the model directory, or the repository's name).
    pub name: String,
    /// The model as given on the command line.
    pub source: String,
    /// `model_type` of `config.json`.
    pub model_type: String,
    /// Parameters in the checkpoint (every tensor).
    pub parameters: usize,
    /// Rows of the token embedding table.
    pub vocab_size: usize,
    /// Embedding dimension.
    pub hidden_size: usize,
    /// Transformer layers.
    pub layers: usize,
    /// Pooling used.
    pub pooling: Pooling,
    /// Where the pooling came from: `sentence-transformers`, `--pooling` or `default`.
    pub pooling_from: String,
    /// Input window in tokens, special tokens included.
    pub max_tokens: usize,
    /// Query prefix.
    pub query_prefix: String,
    /// Document prefix.
    pub document_prefix: String,
    /// Fingerprint of the model's tokenizer.
    pub tokenizer_fingerprint: String,
}

/// A loaded pretrained encoder with its tokenizer.
pub struct PretrainedModel {
    info: ModelInfo,
    shape: Shape,
    network: Network,
    tokenizer: HfTokenizer,
    lower_case: bool,
    batch_size: usize,
    device: Device,
}

impl PretrainedModel {
    /// Loads the model `spec` (a directory or a hub repository id) named `name`.
    pub fn load(spec: &str, name: &str, opts: &EmbedOptions) -> Result<Self> {
        if opts.batch_size == 0 {
            return Err(Error::InvalidArgument(
                "--embed-batch-size must be at least 1".into(),
            ));
        }
        let device = opts.device.device()?;
        let f = files::resolve(spec)?;
        let (config, shape) = arch::read_config(&f.config)?;
        let tokenizer = HfTokenizer::from_file_named(&f.tokenizer, name)?;
        check_vocabulary(&f.tokenizer, &tokenizer, &shape)?;
        let st: pooling::SentenceBertConfig = match &f.sentence_bert_config {
            Some(p) => files::read_json(p)?,
            None => Default::default(),
        };
        let (pooling, pooling_from) = choose_pooling(f.pooling_config.as_deref(), opts.pooling)?;
        let max_tokens = [Some(opts.max_tokens), st.max_seq_length]
            .into_iter()
            .flatten()
            .chain((shape.max_positions > 0).then_some(shape.max_positions))
            .min()
            .unwrap_or(opts.max_tokens);
        let weights = arch::read_weights(&f.weights)?;
        let parameters = weights.values().map(|t| t.elem_count()).sum();
        let network = arch::build(&f.config, &config, &shape, weights, &device)?;
        let info = ModelInfo {
            name: name.to_string(),
            source: spec.to_string(),
            model_type: shape.model_type.clone(),
            parameters,
            vocab_size: shape.vocab_size,
            hidden_size: shape.hidden_size,
            layers: shape.layers,
            pooling,
            pooling_from,
            max_tokens,
            query_prefix: opts.query_prefix.clone(),
            document_prefix: opts.document_prefix.clone(),
            tokenizer_fingerprint: tokenizer.fingerprint(),
        };
        let model = PretrainedModel {
            info,
            shape,
            network,
            tokenizer,
            lower_case: st.do_lower_case,
            batch_size: opts.batch_size,
            device,
        };
        model.check_window()?;
        Ok(model)
    }

    /// The model's description for reports.
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// The model's tokenizer.
    pub fn tokenizer(&self) -> &HfTokenizer {
        &self.tokenizer
    }

    fn check_window(&self) -> Result<()> {
        let specials = self.special_token_count();
        if self.info.max_tokens <= specials {
            return Err(Error::InvalidArgument(format!(
                "--max-tokens {}: {} needs more than its {specials} special tokens",
                self.info.max_tokens, self.info.name
            )));
        }
        Ok(())
    }

    fn special_token_count(&self) -> usize {
        use tokenizers::PostProcessor;
        self.tokenizer
            .inner()
            .get_post_processor()
            .map_or(0, |p| p.added_tokens(false))
    }

    /// Tokenizes `text` (with `prefix` before it) as the model sees it.
    pub fn tokenize(&self, prefix: &str, text: &str) -> Result<ModelInput> {
        let text = format!("{prefix}{text}");
        let text = if self.lower_case {
            text.to_lowercase()
        } else {
            text
        };
        let err = |e: tokenizers::Error| {
            Error::Model(format!("{}: tokenizing failed: {e}", self.info.name))
        };
        let inner = self.tokenizer.inner();
        let mut enc = inner.encode(text.as_str(), false).map_err(err)?;
        let content_len = enc.len();
        let keep = self.info.max_tokens - self.special_token_count();
        enc.truncate(keep, 0, TruncationDirection::Right);
        let content = enc.get_ids().to_vec();
        let full = inner.post_process(enc, None, true).map_err(err)?;
        Ok(ModelInput {
            ids: full.get_ids().to_vec(),
            content,
            content_len,
            truncated: content_len > keep,
        })
    }

    /// Pooled embeddings (not normalised) of tokenized inputs, in input order.
    ///
    /// On the CPU the batches run in parallel on the current rayon pool, one batch per thread
    /// (the network's own matrix products use few cores on batches this small); each batch is
    /// fixed by the length order alone, so the output does not depend on the thread count.
    pub fn embed_inputs(
        &self,
        inputs: &[ModelInput],
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<Vec<Vec<f32>>> {
        use rayon::prelude::*;
        let mut order: Vec<usize> = (0..inputs.len()).collect();
        order.sort_by_key(|&i| (std::cmp::Reverse(inputs[i].ids.len()), i));
        let batches: Vec<&[usize]> = order.chunks(self.batch_size).collect();
        let run = |batch: &&[usize]| {
            let rows = self
                .forward_batch(batch.iter().map(|&i| inputs[i].ids.as_slice()))
                .map_err(|e| Error::Model(format!("{}: forward pass failed: {e}", self.info.name)));
            progress(batch.len());
            rows
        };
        let done: Vec<Vec<Vec<f32>>> = if self.device.is_cpu() {
            batches.par_iter().map(run).collect::<Result<_>>()?
        } else {
            batches.iter().map(run).collect::<Result<_>>()?
        };
        let mut out = vec![Vec::new(); inputs.len()];
        for (batch, rows) in batches.iter().zip(done) {
            for (&i, row) in batch.iter().zip(rows) {
                out[i] = row;
            }
        }
        Ok(out)
    }

    /// One padded batch through the network and the pooling.
    fn forward_batch<'a>(
        &self,
        seqs: impl Iterator<Item = &'a [u32]> + Clone,
    ) -> candle_core::Result<Vec<Vec<f32>>> {
        let b = seqs.clone().count();
        let len = seqs.clone().map(<[u32]>::len).max().unwrap_or(0).max(1);
        let mut ids = vec![self.shape.pad_token_id; b * len];
        let mut mask = vec![0u32; b * len];
        for (r, s) in seqs.enumerate() {
            ids[r * len..r * len + s.len()].copy_from_slice(s);
            mask[r * len..r * len + s.len()].fill(1);
        }
        let ids = Tensor::from_vec(ids, (b, len), &self.device)?;
        let mask = Tensor::from_vec(mask, (b, len), &self.device)?;
        let hidden = self.network.forward(&ids, &mask)?;
        self.info.pooling.pool(&hidden, &mask)?.to_vec2::<f32>()
    }
}

impl Embedder for PretrainedModel {
    fn embed(&self, texts: &[&str], progress: &(dyn Fn(usize) + Sync)) -> Result<Vec<Vec<f32>>> {
        use rayon::prelude::*;
        let inputs: Vec<ModelInput> = texts
            .par_iter()
            .map(|t| self.tokenize("", t))
            .collect::<Result<_>>()?;
        self.embed_inputs(&inputs, progress)
    }
}

/// The pooling of a model: its sentence-transformers config's when it has one (an explicit
/// `--pooling` that disagrees is an error), else `--pooling`, else mean.
fn choose_pooling(st: Option<&Path>, asked: Option<Pooling>) -> Result<(Pooling, String)> {
    match (st, asked) {
        (Some(p), asked) => {
            let own = pooling::from_sentence_transformers(p)?;
            if asked.is_some_and(|a| a != own) {
                return Err(Error::InvalidArgument(format!(
                    "--pooling {}: the model's sentence-transformers config {} pools by {}",
                    asked.map_or("", Pooling::name),
                    p.display(),
                    own.name()
                )));
            }
            Ok((own, "sentence-transformers".into()))
        }
        (None, Some(a)) => Ok((a, "--pooling".into())),
        (None, None) => Ok((Pooling::Mean, "default".into())),
    }
}

/// The tokenizer must be the model's: no id beyond the embedding table, and the config's
/// padding id must be one of the tokenizer's special tokens.
fn check_vocabulary(path: &Path, tok: &HfTokenizer, shape: &Shape) -> Result<()> {
    let ids = tok.vocab_size().total;
    if ids > shape.vocab_size {
        return Err(Error::Model(format!(
            "{}: the tokenizer has ids up to {} but the model's embedding table has {} rows: not this model's tokenizer",
            path.display(),
            ids - 1,
            shape.vocab_size
        )));
    }
    let pad = shape.pad_token_id;
    if !tok.is_special(pad) {
        return Err(Error::Model(format!(
            "{}: the model pads with id {pad}, which this tokenizer spells `{}`, not a special token: not this model's tokenizer",
            path.display(),
            tok.id_to_token(pad).unwrap_or_else(|| "(nothing)".into())
        )));
    }
    Ok(())
}
