//! Dead budget: embedding parameters that belong to ids the tokenizer never selects.

use std::collections::HashSet;

use serde::Serialize;

use super::TokenizerVocab;
use super::reachability::Reachability;
use super::token::TokenKind;
use crate::render::{Cell, Table};
use crate::{Error, Result};

/// The model dimensions the dead budget needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelDims {
    /// Preset name or config path, as given.
    pub name: String,
    /// Hidden size (embedding width).
    pub hidden_size: u64,
    /// Rows of the word-embedding matrix (`vocab_size` in config.json).
    pub vocab_size: u64,
    /// All parameters of the model, when known.
    pub total_params: Option<u64>,
}

impl ModelDims {
    /// Loads a model preset or `config.json` with [`crate::budget::ModelConfig::load`] and
    /// counts all its parameters ([`crate::budget::total_params`], HF base model class).
    ///
    /// A `config.json` that the budget module cannot read (another architecture) still gives
    /// `hidden_size` (or `d_model` / `n_embd`) and `vocab_size`, without a total; the second
    /// value is then a warning saying so.
    pub fn load(spec: &str) -> Result<(Self, Option<String>)> {
        use crate::budget::{Head, ModelConfig, total_params};
        match ModelConfig::load(spec) {
            Ok(c) => Ok((
                ModelDims {
                    name: c.name.clone(),
                    hidden_size: c.hidden_size,
                    vocab_size: c.vocab_size,
                    total_params: Some(total_params(&c, Head::Base)),
                },
                None,
            )),
            Err(full) => {
                use crate::tokenizer::{hub, hub_cache};
                let file = if std::path::Path::new(spec).is_file() {
                    std::path::PathBuf::from(spec)
                } else {
                    // A repository's config.json that was fetched but is of another architecture.
                    let cached = hub_cache::is_repo_id(spec)
                        .then(hub_cache::cache_dir)
                        .flatten()
                        .and_then(|c| {
                            hub_cache::cached_file(&c, spec, &hub::revision(), "config.json")
                        });
                    match cached {
                        Some(f) if matches!(full, Error::Config { .. }) => f,
                        _ => return Err(full),
                    }
                };
                let mut dims = Self::from_config_json(&file.to_string_lossy())?;
                dims.name = spec.to_string();
                let warning = format!(
                    "warning: {full}; using only its hidden_size ({}) and vocab_size ({}), so the share of all parameters is unknown",
                    dims.hidden_size, dims.vocab_size
                );
                Ok((dims, Some(warning)))
            }
        }
    }

    /// Reads only `hidden_size` (or `d_model` / `n_embd`) and `vocab_size` from an HF
    /// `config.json`; the total parameter count stays unknown.
    pub fn from_config_json(spec: &str) -> Result<Self> {
        let path = std::path::Path::new(spec);
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        crate::input::reject_json_bom(path, &bytes)?;
        let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| Error::Config {
            path: path.into(),
            message: format!("not valid JSON: {e}"),
        })?;
        let field = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| v.get(*n).and_then(serde_json::Value::as_u64))
        };
        let hidden_size =
            field(&["hidden_size", "d_model", "n_embd"]).ok_or_else(|| Error::Config {
                path: path.into(),
                message: "no integer `hidden_size` field".into(),
            })?;
        let vocab_size = field(&["vocab_size"]).ok_or_else(|| Error::Config {
            path: path.into(),
            message: "no integer `vocab_size` field".into(),
        })?;
        Ok(ModelDims {
            name: spec.to_string(),
            hidden_size,
            vocab_size,
            total_params: None,
        })
    }
}

/// Parameters spent on embedding rows that the tokenizer never selects.
///
/// Dead rows = ids below the config's `vocab_size` that are unreachable (single or multi, see
/// [`Reachability`], less those that another id's text produces) or unused placeholders (each
/// id counted once), plus rows beyond the
/// tokenizer's last id (padding rows no id maps to). Undecodable ids (byte pieces of multi-byte
/// characters) and special tokens are not counted: they are used.
/// `dead_params = dead_rows × hidden_size`; shares are of `vocab_params = vocab_size ×
/// hidden_size` (the input embedding matrix) and of all parameters.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct DeadBudget {
    /// Preset name or config path.
    pub model: String,
    /// Hidden size.
    pub hidden_size: u64,
    /// `vocab_size` of the model config: the embedding rows counted.
    pub config_vocab_size: u64,
    /// Ids of the tokenizer.
    pub tokenizer_vocab_size: u64,
    /// Unreachable ids (single + multi) below `config_vocab_size` that no other id's text
    /// produces either.
    pub unreachable_ids: u64,
    /// Unused placeholder ids below `config_vocab_size`.
    pub unused_ids: u64,
    /// Rows no tokenizer id maps to (`config_vocab_size − tokenizer_vocab_size`, if positive).
    pub rows_without_id: u64,
    /// Dead rows: unreachable ∪ unused ids, plus rows without an id.
    pub dead_rows: u64,
    /// dead_rows × hidden_size.
    pub dead_params: u64,
    /// config_vocab_size × hidden_size.
    pub vocab_params: u64,
    /// All parameters: known for a config of an architecture tokstat counts (BERT, RoBERTa,
    /// XLM-R, ModernBERT); null for any other `config.json`, of which only `hidden_size` and
    /// `vocab_size` are read.
    pub total_params: Option<u64>,
    /// dead_params / vocab_params.
    pub share_of_vocab_params: f64,
    /// dead_params / total_params; null when `total_params` is.
    pub share_of_total_params: Option<f64>,
}

/// Computes the dead budget of one tokenizer for one model; the second value is a warning when
/// the config's `vocab_size` disagrees with the tokenizer's.
pub fn dead_budget(
    model: &ModelDims,
    audit: &TokenizerVocab,
    classes: &[Reachability],
    produced_in_context: &HashSet<u32>,
    kinds: &[TokenKind],
) -> (DeadBudget, Option<String>) {
    let rows = model.vocab_size;
    let ids = audit.vocab_size as u64;
    let limit = rows.min(ids) as usize;
    let mut unreachable = 0u64;
    let mut unused = 0u64;
    let mut dead = 0u64;
    for (id, (c, k)) in classes.iter().zip(kinds).enumerate().take(limit) {
        let u = c.is_unreachable() && !produced_in_context.contains(&(id as u32));
        let p = *k == TokenKind::Unused;
        unreachable += u64::from(u);
        unused += u64::from(p);
        dead += u64::from(u || p);
    }
    let rows_without_id = rows.saturating_sub(ids);
    let dead_rows = dead + rows_without_id;
    let dead_params = dead_rows * model.hidden_size;
    let vocab_params = rows * model.hidden_size;
    let warning = (rows != ids).then(|| {
        if rows > ids {
            format!(
                "warning: model `{}` has vocab_size {rows} but tokenizer `{}` has {ids} ids; using the config's {rows} rows (the {} rows without an id count as dead)",
                model.name,
                audit.name,
                rows - ids
            )
        } else {
            format!(
                "warning: model `{}` has vocab_size {rows} but tokenizer `{}` has {ids} ids; using the config's {rows} rows (ids {rows}..{ids} have no embedding row and are left out)",
                model.name, audit.name
            )
        }
    });
    let budget = DeadBudget {
        model: model.name.clone(),
        hidden_size: model.hidden_size,
        config_vocab_size: rows,
        tokenizer_vocab_size: ids,
        unreachable_ids: unreachable,
        unused_ids: unused,
        rows_without_id,
        dead_rows,
        dead_params,
        vocab_params,
        total_params: model.total_params,
        share_of_vocab_params: crate::analysis::ratio(dead_params as f64, vocab_params as f64),
        share_of_total_params: model
            .total_params
            .map(|t| crate::analysis::ratio(dead_params as f64, t as f64)),
    };
    (budget, warning)
}

/// The dead-budget table.
pub(super) fn table(audits: &[TokenizerVocab]) -> Table {
    let mut t = Table::new(
        "Dead budget: embedding rows the tokenizer never selects",
        [
            "tokenizer",
            "model",
            "hidden",
            "rows",
            "unreachable",
            "unused",
            "rows w/o id",
            "dead rows",
            "dead params",
            "of vocab params",
            "of all params",
        ],
    );
    for a in audits {
        let Some(d) = &a.dead_budget else { continue };
        t.row(vec![
            Cell::text(&a.name),
            Cell::text(&d.model),
            Cell::int(d.hidden_size),
            Cell::int(d.config_vocab_size),
            Cell::int(d.unreachable_ids),
            Cell::int(d.unused_ids),
            Cell::int(d.rows_without_id),
            Cell::int(d.dead_rows),
            Cell::int(d.dead_params),
            Cell::Percent(d.share_of_vocab_params, 3),
            d.share_of_total_params
                .map_or(Cell::Empty, |s| Cell::Percent(s, 3)),
        ]);
    }
    t.note("Dead rows: unreachable (single + multi) ∪ unused placeholder ids, plus config rows beyond the tokenizer's ids; × hidden size = dead params. Undecodable byte pieces and special tokens are used, so not dead.");
    t
}
