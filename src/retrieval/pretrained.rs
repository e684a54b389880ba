//! Pretrained models in the retrieval run (`--pretrained`): each model embeds the evaluation
//! queries and code with its own tokenizer ([`crate::pretrained`]) and is scored exactly as the
//! trained encoder is ([`super::dense_ranks`], [`super::result_row`]), as method
//! [`method::PRETRAINED`] under the model's name. BM25 over the same model's token ids (the
//! text's own tokens, cut to the same window) is scored beside it.

use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::data::Pair;
use super::{ResultRow, RetrievalOptions, RetrievalReport, bm25, method, metrics};
use crate::pretrained::{ModelInfo, ModelInput, PretrainedModel};
use crate::render::{Cell, Table};
use crate::{Error, Result};

/// Embedding throughput of one model in a run (wall clock: not deterministic).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EmbedTiming {
    /// Model name.
    pub model: String,
    /// Texts embedded (queries and code).
    pub texts: usize,
    /// Tokens embedded (special tokens included, padding excluded).
    pub tokens: usize,
    /// Seconds in the network and pooling (tokenizing excluded).
    pub seconds: f64,
    /// Texts per second.
    pub texts_per_second: f64,
    /// Tokens per second.
    pub tokens_per_second: f64,
}

/// What scoring one model produced.
pub struct ModelRun {
    /// The model.
    pub info: ModelInfo,
    /// Its `pretrained` and `bm25` rows, per language.
    pub results: Vec<ResultRow>,
    /// Its embedding throughput.
    pub timing: EmbedTiming,
}

/// Display names of the models: each directory's or repository's last component, made unique
/// against each other and against the run's tokenizer names the way tokenizer paths are.
pub fn model_names(specs: &[String], taken: &[&str]) -> Vec<String> {
    let paths: Vec<&std::path::Path> = specs.iter().map(std::path::Path::new).collect();
    crate::tokenizer::path_labels(&paths, taken)
}

/// Loads and scores every model of `opts.pretrained` on the evaluation pairs.
pub fn run_models(
    opts: &RetrievalOptions,
    languages: &[String],
    eval_pairs: &[Vec<Pair>],
    taken: &[&str],
) -> Result<Vec<ModelRun>> {
    let names = model_names(&opts.pretrained, taken);
    opts.pretrained
        .iter()
        .zip(&names)
        .map(|(spec, name)| {
            let model = PretrainedModel::load(spec, name, &opts.embed)?;
            score_model(opts, &model, languages, eval_pairs)
        })
        .collect()
}

/// Tokenizes `texts` for `model` with `prefix`, in parallel, in input order.
pub(super) fn tokenize_all<'a>(
    model: &PretrainedModel,
    prefix: &str,
    texts: impl IntoParallelIterator<Item = &'a str>,
) -> Result<Vec<ModelInput>> {
    texts
        .into_par_iter()
        .map(|t| model.tokenize(prefix, t))
        .collect()
}

/// Scores one model on every language.
pub fn score_model(
    opts: &RetrievalOptions,
    model: &PretrainedModel,
    languages: &[String],
    eval_pairs: &[Vec<Pair>],
) -> Result<ModelRun> {
    let info = model.info().clone();
    let total: usize = eval_pairs.iter().map(|p| 2 * p.len()).sum();
    let pb = super::bar(opts, &format!("{} {}", info.name, method::PRETRAINED));
    pb.set_length(total as u64);
    let (mut seconds, mut texts, mut tokens) = (0.0, 0, 0);
    let mut results = Vec::new();
    for (lang, pairs) in languages.iter().zip(eval_pairs) {
        let queries = tokenize_all(
            model,
            &info.query_prefix,
            pairs.par_iter().map(|p| p.query.as_str()),
        )?;
        let codes = tokenize_all(
            model,
            &info.document_prefix,
            pairs
                .par_iter()
                .map(|p| super::cut_bytes(&p.code, opts.truncate_bytes)),
        )?;
        let t = Instant::now();
        let q = model.embed_inputs(&queries, &|n| pb.inc(n as u64))?;
        let c = model.embed_inputs(&codes, &|n| pb.inc(n as u64))?;
        seconds += t.elapsed().as_secs_f64();
        texts += queries.len() + codes.len();
        tokens += queries
            .iter()
            .chain(&codes)
            .map(|x| x.ids.len())
            .sum::<usize>();
        let cut = super::share(&codes, |x| x.truncated);
        let ranks = super::dense_ranks(&normalised(q), &normalised(c));
        let row = (info.name.as_str(), lang.as_str(), method::PRETRAINED);
        results.push(super::result_row(row, None, ranks, codes.len(), cut));
        let row = (info.name.as_str(), lang.as_str(), method::BM25);
        results.push(super::result_row(
            row,
            None,
            bm25_ranks(&queries, &codes),
            codes.len(),
            cut,
        ));
    }
    pb.finish_and_clear();
    let secs = seconds.max(1e-9);
    let timing = EmbedTiming {
        model: info.name.clone(),
        texts,
        tokens,
        seconds,
        texts_per_second: texts as f64 / secs,
        tokens_per_second: tokens as f64 / secs,
    };
    Ok(ModelRun {
        info,
        results,
        timing,
    })
}

/// BM25 ranks over the texts' own token ids (no special tokens), cut as the model sees them.
fn bm25_ranks(queries: &[ModelInput], codes: &[ModelInput]) -> Vec<usize> {
    let docs: Vec<&[u32]> = codes.iter().map(|c| c.content.as_slice()).collect();
    let index = bm25::Bm25Index::new(&docs);
    queries
        .par_iter()
        .enumerate()
        .map(|(i, q)| metrics::gold_rank(&index.scores(&q.content), i))
        .collect()
}

/// Each vector scaled to unit L2 norm (in f32, summed in index order; a zero vector stays
/// zero), so that the dot product is the cosine similarity.
pub fn normalised(mut v: Vec<Vec<f32>>) -> Vec<Vec<f32>> {
    for x in &mut v {
        let n = x.iter().map(|a| a * a).sum::<f32>().sqrt();
        if n > 0.0 {
            x.iter_mut().for_each(|a| *a /= n);
        }
    }
    v
}

/// Fails when `--pretrained` is combined with options it does not follow.
pub fn check_options(opts: &RetrievalOptions) -> Result<()> {
    if opts.pretrained.is_empty() {
        return Ok(());
    }
    if opts.embed.max_tokens < 2 {
        return Err(Error::InvalidArgument(
            "--max-tokens must be at least 2".into(),
        ));
    }
    Ok(())
}

impl RetrievalReport {
    /// The pretrained models of the run: size, pooling, window and throughput.
    pub(super) fn pretrained_table(&self) -> Option<Table> {
        models_table(&self.config.pretrained, &self.timing.pretrained)
    }
}

/// The table of pretrained models: size, pooling, window and throughput (`None` without
/// models).
pub fn models_table(models: &[ModelInfo], speeds: &[EmbedTiming]) -> Option<Table> {
    if models.is_empty() {
        return None;
    }
    let mut t = Table::new(
        "Pretrained models",
        [
            "model", "type", "params", "d", "layers", "pooling", "window", "texts/s", "tokens/s",
        ],
    );
    for m in models {
        let speed = speeds.iter().find(|x| x.model == m.name);
        let rate = |f: fn(&EmbedTiming) -> f64| speed.map_or(Cell::Empty, |s| Cell::Float(f(s), 1));
        t.row(vec![
            Cell::text(m.name.clone()),
            Cell::text(m.model_type.clone()),
            Cell::count(m.parameters),
            Cell::count(m.hidden_size),
            Cell::count(m.layers),
            Cell::text(format!("{} ({})", m.pooling.name(), m.pooling_from)),
            Cell::count(m.max_tokens),
            rate(|s| s.texts_per_second),
            rate(|s| s.tokens_per_second),
        ]);
    }
    t.note("Rows `pretrained model` embed with each model's own tokenizer, window and pooling; `BM25` under a model's name ranks by its token ids. Throughput: wall clock of the forward passes, this machine, this run.");
    Some(t)
}
