//! Limits of the retrieval options, checked once before any data is read or memory allocated.
//!
//! Every numeric option has a range sized to a laptop-class machine, and the encoder a run
//! would build must fit in memory: an out-of-range value is an error naming the option, never a
//! panic (`--steps 18446744073709551615`), a hang (`--budget equal-total` with a huge P) or an
//! allocation that exhausts the machine (`--dim 100000`).

use crate::encoder::EncoderConfig;
use crate::{Error, Result};

use super::{Budget, RetrievalOptions};

/// Largest hidden size d (ModernBERT-large uses 1,024).
pub const MAX_DIM: usize = 4096;
/// Most transformer layers.
pub const MAX_LAYERS: usize = 64;
/// Most attention heads.
pub const MAX_HEADS: usize = 64;
/// Most passes over the training pairs.
pub const MAX_EPOCHS: usize = 1000;
/// Most optimiser steps.
pub const MAX_STEPS: usize = 10_000_000;
/// Most training runs per tokenizer (`--seeds`).
pub const MAX_SEEDS: usize = 100;
/// Largest batch.
pub const MAX_BATCH: usize = 8192;
/// Longest query or code text, in tokens.
pub const MAX_TOKENS: usize = 8192;
/// Largest total parameter budget for `--budget equal-total`.
pub const MAX_BUDGET: usize = 10_000_000_000;
/// Bytes held per parameter while training: the f32 weight, its gradient and AdamW's two
/// moments.
const TRAINING_BYTES_PER_PARAMETER: u64 = 16;
/// f32 activations kept per token, per layer and per unit of d for the backward pass (the
/// inputs of norms, projections, attention and the GeGLU, an upper estimate).
const ACTIVATION_FLOATS_PER_TOKEN_LAYER_DIM: u64 = 24;

fn out_of_range(option: &str, value: impl std::fmt::Display, range: &str) -> Error {
    Error::InvalidArgument(format!("{option} {value} is out of range: {range}"))
}

fn check_range(option: &str, value: usize, min: usize, max: usize) -> Result<()> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(out_of_range(option, value, &format!("use {min} to {max}")))
    }
}

/// Checks every numeric option against its range (the constants of this module).
pub fn check_options(opts: &RetrievalOptions) -> Result<()> {
    check_range("--dim", opts.dim, 2, MAX_DIM)?;
    check_range("--layers", opts.layers, 1, MAX_LAYERS)?;
    check_range("--heads", opts.heads, 1, MAX_HEADS)?;
    check_range("--epochs", opts.epochs, 1, MAX_EPOCHS)?;
    check_range("--seeds", opts.seeds, 1, MAX_SEEDS)?;
    if let Some(b) = opts.equal_bytes {
        check_range("--equal-bytes", b, 1, MAX_TOKENS)?;
    }
    if let Some(s) = opts.steps {
        check_range("--steps", s, 1, MAX_STEPS)?;
    }
    check_range("--batch-size", opts.batch_size, 2, MAX_BATCH)
        .map_err(|e| Error::InvalidArgument(format!("{e} (in-batch negatives need 2)")))?;
    check_range("--max-query-tokens", opts.max_query_tokens, 1, MAX_TOKENS)?;
    check_range("--max-code-tokens", opts.max_code_tokens, 1, MAX_TOKENS)?;
    if let Budget::EqualTotal(p) = opts.budget {
        check_range("--budget equal-total", p, 1, MAX_BUDGET)?;
    }
    if !(opts.lr.is_finite() && opts.lr > 0.0 && opts.lr <= 1.0) {
        return Err(out_of_range("--lr", opts.lr, "use a positive rate up to 1"));
    }
    if !(opts.temperature.is_finite() && opts.temperature >= 1e-3 && opts.temperature <= 10.0) {
        return Err(out_of_range(
            "--temperature",
            opts.temperature,
            "use 0.001 to 10",
        ));
    }
    Ok(())
}

/// Bytes a training run of `config` needs, estimated from above: parameters with gradients and
/// AdamW moments, plus the activations of a batch of `batch` (query, code) pairs of at most
/// `tokens_per_pair` tokens.
pub fn training_bytes(config: &EncoderConfig, batch: usize, tokens_per_pair: usize) -> u64 {
    let params = config.parameters() as u64 * TRAINING_BYTES_PER_PARAMETER;
    let tokens = batch as u64 * tokens_per_pair as u64;
    let activations = tokens
        * config.layers as u64
        * config.dim.max(config.intermediate) as u64
        * ACTIVATION_FLOATS_PER_TOKEN_LAYER_DIM
        * 4;
    params.saturating_add(activations)
}

/// Memory this machine has for a run: `MemAvailable` of `/proc/meminfo`, or `None` where it
/// cannot be read.
pub fn available_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Refuses an encoder whose training would not fit in `available` bytes, saying how much it
/// needs.
pub fn check_memory(
    tokenizer: &str,
    config: &EncoderConfig,
    opts: &RetrievalOptions,
    available: Option<u64>,
) -> Result<()> {
    let need = training_bytes(
        config,
        opts.batch_size,
        opts.max_query_tokens + opts.max_code_tokens,
    );
    match available {
        Some(have) if need > have => Err(Error::InvalidArgument(format!(
            "the encoder for {tokenizer} (d = {}, layers = {}, {} parameters) needs about {:.1} GiB \
             to train with --batch-size {}, but {:.1} GiB is available: lower --dim, --layers, \
             --batch-size or the token limits",
            config.dim,
            config.layers,
            config.parameters(),
            need as f64 / (1u64 << 30) as f64,
            opts.batch_size,
            have as f64 / (1u64 << 30) as f64,
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_name_the_option() {
        let ok = RetrievalOptions::default();
        assert!(check_options(&ok).is_ok());
        let cases: Vec<(&str, RetrievalOptions)> = vec![
            (
                "--steps",
                RetrievalOptions {
                    steps: Some(usize::MAX),
                    ..ok.clone()
                },
            ),
            (
                "--steps",
                RetrievalOptions {
                    steps: Some(0),
                    ..ok.clone()
                },
            ),
            (
                "--epochs",
                RetrievalOptions {
                    epochs: usize::MAX,
                    ..ok.clone()
                },
            ),
            (
                "--dim",
                RetrievalOptions {
                    dim: 100_000,
                    ..ok.clone()
                },
            ),
            (
                "--lr",
                RetrievalOptions {
                    lr: -1.0,
                    ..ok.clone()
                },
            ),
            (
                "--lr",
                RetrievalOptions {
                    lr: f64::NAN,
                    ..ok.clone()
                },
            ),
            (
                "--budget equal-total",
                RetrievalOptions {
                    budget: Budget::EqualTotal(usize::MAX),
                    ..ok.clone()
                },
            ),
        ];
        for (option, o) in cases {
            let e = check_options(&o).unwrap_err().to_string();
            assert!(e.starts_with(option), "{e}");
        }
    }

    #[test]
    fn memory_check_refuses_what_does_not_fit() {
        let opts = RetrievalOptions::default();
        // XLM-R's 250,002 rows at d = 4,096: a billion parameters, 16 GB of training state.
        let big = EncoderConfig::with_shape(250_002, 4096, 2, 4);
        let e = check_memory("xlm-roberta", &big, &opts, Some(8 << 30))
            .unwrap_err()
            .to_string();
        assert!(e.contains("xlm-roberta") && e.contains("GiB"), "{e}");
        let small = EncoderConfig::with_shape(50_265, 64, 2, 4);
        assert!(check_memory("roberta", &small, &opts, Some(8 << 30)).is_ok());
        assert!(training_bytes(&small, 32, 96) < 1 << 30);
    }
}
