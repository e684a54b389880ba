//! Pooling token states into one text embedding, as sentence-transformers' `Pooling` module
//! does (Reimers & Gurevych 2019, arXiv:1908.10084).

use std::path::Path;

use candle_core::{D, DType, IndexOp, Tensor};
use serde::{Deserialize, Serialize};

use super::files::read_json;
use crate::{Error, Result};

/// How token states become one vector.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Pooling {
    /// Mean of the token states under the attention mask, special tokens included
    /// (sentence-transformers' `pooling_mode_mean_tokens`).
    Mean,
    /// The state of the first token (`[CLS]` / `<s>`; `pooling_mode_cls_token`).
    Cls,
}

impl Pooling {
    /// Pools `hidden` (batch × length × d) under `mask` (batch × length, 1 for real tokens)
    /// into batch × d.
    pub fn pool(self, hidden: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
        match self {
            Pooling::Cls => hidden.i((.., 0, ..))?.contiguous(),
            Pooling::Mean => {
                let m = mask.to_dtype(DType::F32)?.unsqueeze(D::Minus1)?;
                let sum = hidden.broadcast_mul(&m)?.sum(1)?;
                // sentence-transformers clamps the token count at 1e-9.
                let count = m.sum(1)?.maximum(1e-9)?;
                sum.broadcast_div(&count)
            }
        }
    }

    /// The name used in reports and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Pooling::Mean => "mean",
            Pooling::Cls => "cls",
        }
    }
}

/// The pooling a sentence-transformers `Pooling` config (`1_Pooling/config.json`) asks for; an
/// error for modes tokstat does not implement (max, last token, weighted mean).
pub fn from_sentence_transformers(path: &Path) -> Result<Pooling> {
    let cfg: serde_json::Map<String, serde_json::Value> = read_json(path)?;
    let on = |k: &str| cfg.get(k).and_then(|v| v.as_bool()).unwrap_or(false);
    let modes: Vec<&str> = cfg
        .keys()
        .filter(|k| k.starts_with("pooling_mode_") && on(k))
        .map(String::as_str)
        .collect();
    match modes.as_slice() {
        ["pooling_mode_mean_tokens"] => Ok(Pooling::Mean),
        ["pooling_mode_cls_token"] => Ok(Pooling::Cls),
        _ => Err(Error::Model(format!(
            "{}: pooling {} is not supported (tokstat pools by `pooling_mode_mean_tokens` or `pooling_mode_cls_token`, one of them)",
            path.display(),
            if modes.is_empty() {
                "with no mode set".to_string()
            } else {
                format!("`{}`", modes.join(" + "))
            }
        ))),
    }
}

/// sentence-transformers' `sentence_bert_config.json`: the model's input window and casing.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SentenceBertConfig {
    /// Longest input in tokens, special tokens included.
    pub max_seq_length: Option<usize>,
    /// Whether texts are lower-cased before tokenizing.
    #[serde(default)]
    pub do_lower_case: bool,
}
