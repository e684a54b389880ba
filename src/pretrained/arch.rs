//! The three encoder architectures, run with candle-transformers' implementations of the
//! Hugging Face models: BERT (Devlin et al. 2019), XLM-RoBERTa / RoBERTa (Conneau et al. 2020;
//! Liu et al. 2019) and ModernBERT (Warner et al. 2024, arXiv:2412.13663).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::{bert, modernbert, xlm_roberta};
use serde::de::DeserializeOwned;

use super::files::read_json;
use crate::{Error, Result};

/// The `model_type`s tokstat runs, as `config.json` spells them.
pub const SUPPORTED: &[&str] = &["bert", "xlm-roberta", "roberta", "modernbert"];

/// A loaded encoder.
pub enum Network {
    /// BERT.
    Bert(Box<bert::BertModel>),
    /// XLM-RoBERTa, and RoBERTa (the same network).
    XlmRoberta(Box<xlm_roberta::XLMRobertaModel>),
    /// ModernBERT.
    ModernBert(Box<modernbert::ModernBert>),
}

/// What the rest of tokstat needs to know of a model's configuration.
#[derive(Debug, Clone)]
pub struct Shape {
    /// `model_type` of `config.json`.
    pub model_type: String,
    /// Rows of the token embedding table.
    pub vocab_size: usize,
    /// Hidden size d (the embedding dimension).
    pub hidden_size: usize,
    /// Transformer layers.
    pub layers: usize,
    /// Longest input the position encoding allows.
    pub max_positions: usize,
    /// The id padded positions carry (XLM-RoBERTa derives position ids from it).
    pub pad_token_id: u32,
}

impl Network {
    /// Token states (batch × length × d) of `ids` under `mask` (1 for real tokens).
    pub fn forward(&self, ids: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
        match self {
            Network::Bert(m) => m.forward(ids, &ids.zeros_like()?, Some(mask)),
            Network::XlmRoberta(m) => m.forward(ids, mask, &ids.zeros_like()?, None, None, None),
            Network::ModernBert(m) => m.forward(ids, mask),
        }
    }
}

fn parse<T: DeserializeOwned>(config: &Path, v: &serde_json::Value, arch: &str) -> Result<T> {
    T::deserialize(v).map_err(|e| {
        Error::Model(format!(
            "{}: not a valid {arch} config: {e}",
            config.display()
        ))
    })
}

fn int(v: &serde_json::Value, key: &str) -> usize {
    v.get(key).and_then(|x| x.as_u64()).unwrap_or(0) as usize
}

/// Reads `config.json`: its architecture and shape. Unknown `model_type`s and settings the
/// candle implementations do not follow (biases in ModernBERT, relative position embeddings)
/// are errors here, before any weight is read.
pub fn read_config(config: &Path) -> Result<(serde_json::Value, Shape)> {
    let v: serde_json::Value = read_json(config)?;
    let model_type = v
        .get("model_type")
        .and_then(|m| m.as_str())
        .unwrap_or("")
        .to_string();
    if !SUPPORTED.contains(&model_type.as_str()) {
        return Err(Error::Model(format!(
            "{}: model_type `{model_type}` is not supported (tokstat runs {})",
            config.display(),
            SUPPORTED.join(", ")
        )));
    }
    check_settings(config, &v, &model_type)?;
    let v = upgrade_config(config, v, &model_type)?;
    let pad_token_id = int(&v, "pad_token_id") as u32;
    let positions = int(&v, "max_position_embeddings");
    // (XLM-)RoBERTa's positions start after the padding id.
    let max_positions = match model_type.as_str() {
        "xlm-roberta" | "roberta" => positions.saturating_sub(pad_token_id as usize + 1),
        _ => positions,
    };
    let shape = Shape {
        vocab_size: int(&v, "vocab_size"),
        hidden_size: int(&v, "hidden_size"),
        layers: int(&v, "num_hidden_layers"),
        max_positions,
        pad_token_id,
        model_type,
    };
    Ok((v, shape))
}

/// Fills in what candle-transformers' configs need and newer `transformers` versions (5.x)
/// no longer write: XLM-RoBERTa's `position_embedding_type` (absolute), and ModernBERT's
/// `global_attn_every_n_layers`, `global_rope_theta`, `local_rope_theta` and `layer_norm_eps`,
/// derived from `layer_types`, `rope_parameters` and `norm_eps` (defaults as in
/// `ModernBertConfig`: every third layer global, θ 160,000 global and 10,000 local, ε 1e-5).
fn upgrade_config(
    config: &Path,
    mut v: serde_json::Value,
    model_type: &str,
) -> Result<serde_json::Value> {
    let Some(obj) = v.as_object_mut() else {
        return Err(Error::Model(format!(
            "{}: not a JSON object",
            config.display()
        )));
    };
    let mut default = |k: &str, x: serde_json::Value| {
        obj.entry(k.to_string()).or_insert(x);
    };
    if model_type != "modernbert" {
        default("position_embedding_type", "absolute".into());
        return Ok(v);
    }
    let theta = |kind: &str, fallback: f64| {
        v.pointer(&format!("/rope_parameters/{kind}/rope_theta"))
            .and_then(|x| x.as_f64())
            .unwrap_or(fallback)
    };
    let (global, local) = (
        theta("full_attention", 160_000.0),
        theta("sliding_attention", 10_000.0),
    );
    let every = global_every(config, &v)?;
    let eps = v.get("norm_eps").and_then(|x| x.as_f64()).unwrap_or(1e-5);
    let obj = v.as_object_mut().expect("checked above");
    for (k, x) in [
        ("global_rope_theta", global.into()),
        ("local_rope_theta", local.into()),
        ("global_attn_every_n_layers", every.into()),
        ("layer_norm_eps", eps.into()),
    ] {
        obj.entry(k.to_string()).or_insert(x);
    }
    Ok(v)
}

/// ModernBERT's global-attention period from `layer_types` (layer i global exactly when
/// i mod n = 0, as candle-transformers runs it); 3 when the config has no `layer_types`.
fn global_every(config: &Path, v: &serde_json::Value) -> Result<usize> {
    if let Some(n) = v.get("global_attn_every_n_layers").and_then(|x| x.as_u64()) {
        return Ok(n as usize);
    }
    let Some(types) = v.get("layer_types").and_then(|x| x.as_array()) else {
        return Ok(3);
    };
    let global: Vec<bool> = types
        .iter()
        .map(|t| t.as_str() == Some("full_attention"))
        .collect();
    let n = global
        .iter()
        .skip(1)
        .position(|&g| g)
        .map_or(global.len().max(1), |p| p + 1);
    let periodic = global.iter().enumerate().all(|(i, &g)| g == (i % n == 0));
    if !periodic {
        return Err(Error::Model(format!(
            "{}: layer_types is not one global layer every n layers starting with the first; not supported",
            config.display()
        )));
    }
    Ok(n)
}

/// Settings that would make the candle network differ from the Hugging Face one.
fn check_settings(config: &Path, v: &serde_json::Value, model_type: &str) -> Result<()> {
    let flag = |k: &str| v.get(k).and_then(|x| x.as_bool()).unwrap_or(false);
    let text = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("");
    let bad = if model_type == "modernbert" {
        ["attention_bias", "mlp_bias", "norm_bias"]
            .into_iter()
            .find(|k| flag(k))
            .map(|k| format!("`{k}: true`"))
            .or_else(|| {
                let act = text("hidden_activation");
                (act != "gelu" && !act.is_empty()).then(|| format!("hidden_activation `{act}`"))
            })
    } else {
        let pos = text("position_embedding_type");
        (!pos.is_empty() && pos != "absolute").then(|| format!("position_embedding_type `{pos}`"))
    };
    match bad {
        Some(b) => Err(Error::Model(format!(
            "{}: {model_type} with {b} is not supported",
            config.display()
        ))),
        None => Ok(()),
    }
}

/// Reads every safetensors file into one name → tensor map, naming the file in errors.
pub fn read_weights(files: &[PathBuf]) -> Result<HashMap<String, Tensor>> {
    let mut all = HashMap::new();
    for f in files {
        let part = candle_core::safetensors::load(f, &Device::Cpu).map_err(|e| {
            Error::Model(format!(
                "{}: not a readable safetensors file: {e}",
                f.display()
            ))
        })?;
        all.extend(part);
    }
    Ok(all)
}

/// Puts the weight names where candle-transformers looks for them: XLM-RoBERTa without the
/// `roberta.` prefix of task checkpoints, ModernBERT under `model.` as in its masked-LM
/// checkpoints (a bare `ModernBertModel` saves its weights without it).
fn normalise_names(weights: HashMap<String, Tensor>, model_type: &str) -> HashMap<String, Tensor> {
    let rename = |f: &dyn Fn(&str) -> Option<String>| -> HashMap<String, Tensor> {
        weights
            .iter()
            .map(|(k, t)| (f(k).unwrap_or_else(|| k.clone()), t.clone()))
            .collect()
    };
    match model_type {
        "xlm-roberta" | "roberta" if weights.keys().any(|k| k.starts_with("roberta.")) => {
            rename(&|k| k.strip_prefix("roberta.").map(str::to_string))
        }
        "modernbert" if !weights.keys().any(|k| k.starts_with("model.")) => {
            rename(&|k| Some(format!("model.{k}")))
        }
        _ => weights,
    }
}

/// Builds the network of `model_type` from its config and weights, in f32 on `device`.
pub fn build(
    config: &Path,
    v: &serde_json::Value,
    shape: &Shape,
    weights: HashMap<String, Tensor>,
    device: &Device,
) -> Result<Network> {
    let weights = normalise_names(weights, &shape.model_type);
    let vb = VarBuilder::from_tensors(weights, DType::F32, device);
    let mt = shape.model_type.as_str();
    let built = match mt {
        "bert" => {
            let c: bert::Config = parse(config, v, mt)?;
            bert::BertModel::load(vb, &c).map(|m| Network::Bert(Box::new(m)))
        }
        "modernbert" => {
            let c: modernbert::Config = parse(config, v, mt)?;
            modernbert::ModernBert::load(vb, &c).map(|m| Network::ModernBert(Box::new(m)))
        }
        _ => {
            let c: xlm_roberta::Config = parse(config, v, mt)?;
            xlm_roberta::XLMRobertaModel::new(&c, vb).map(|m| Network::XlmRoberta(Box::new(m)))
        }
    };
    built.map_err(|e| {
        Error::Model(format!(
            "{}: the weights do not fit this {mt} config: {e}",
            config.display()
        ))
    })
}
