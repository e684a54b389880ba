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

/// Texts, tokens and seconds of the forward passes of one model.
#[derive(Default)]
pub(super) struct Speed {
    texts: usize,
    tokens: usize,
    seconds: f64,
}

impl Speed {
    /// Embeds `inputs` (timed), unit-normalised, in input order.
    pub(super) fn embed(
        &mut self,
        model: &PretrainedModel,
        inputs: &[ModelInput],
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<Vec<Vec<f32>>> {
        let t = Instant::now();
        let rows = model.embed_inputs(inputs, progress)?;
        self.seconds += t.elapsed().as_secs_f64();
        self.texts += inputs.len();
        self.tokens += inputs.iter().map(|x| x.ids.len()).sum::<usize>();
        Ok(normalised(rows))
    }

    /// The throughput of the model `model`.
    pub(super) fn timing(&self, model: &str) -> EmbedTiming {
        let secs = self.seconds.max(1e-9);
        EmbedTiming {
            model: model.to_string(),
            texts: self.texts,
            tokens: self.tokens,
            seconds: self.seconds,
            texts_per_second: self.texts as f64 / secs,
            tokens_per_second: self.tokens as f64 / secs,
        }
    }
}

/// Scores one model on every language.
pub fn score_model(
    opts: &RetrievalOptions,
    model: &PretrainedModel,
    languages: &[String],
    eval_pairs: &[Vec<Pair>],
) -> Result<ModelRun> {
    let info = model.info().clone();
    let views = 2 + usize::from(opts.equal_bytes.is_some());
    let total: usize = eval_pairs.iter().map(|p| views * p.len()).sum();
    let pb = super::bar(opts, &format!("{} {}", info.name, method::PRETRAINED));
    pb.set_length(total as u64);
    let progress = |n: usize| pb.inc(n as u64);
    let mut speed = Speed::default();
    let mut results = Vec::new();
    for (lang, pairs) in languages.iter().zip(eval_pairs) {
        let queries = tokenize_all(
            model,
            &info.query_prefix,
            pairs.par_iter().map(|p| p.query.as_str()),
        )?;
        let q = speed.embed(model, &queries, &progress)?;
        let lang = lang.as_str();
        let view = CodeView {
            suffix: "",
            bytes: opts.truncate_bytes,
        };
        let codes = view.tokenize(model, pairs)?;
        let c = speed.embed(model, &codes, &progress)?;
        results.extend(view.rows(&info.name, lang, pairs, (&queries, &q), (&codes, &c)));
        if let Some(b) = opts.equal_bytes {
            // Not timed: throughput is that of the run's own texts.
            let view = CodeView {
                suffix: method::EQUAL_BYTES_SUFFIX,
                bytes: Some(b),
            };
            let codes = view.tokenize(model, pairs)?;
            let c = Speed::default().embed(model, &codes, &progress)?;
            results.extend(view.rows(&info.name, lang, pairs, (&queries, &q), (&codes, &c)));
        }
    }
    pb.finish_and_clear();
    let timing = speed.timing(&info.name);
    Ok(ModelRun {
        info,
        results,
        timing,
    })
}

/// How the evaluation code is cut for one pair of rows: `--truncate-bytes` (method names as
/// they are) or the equal-bytes view (`_equal_bytes` rows, every text cut to the same bytes).
struct CodeView {
    suffix: &'static str,
    bytes: Option<usize>,
}

impl CodeView {
    fn tokenize(&self, model: &PretrainedModel, pairs: &[Pair]) -> Result<Vec<ModelInput>> {
        tokenize_all(
            model,
            &model.info().document_prefix,
            pairs
                .par_iter()
                .map(|p| super::cut_bytes(&p.code, self.bytes)),
        )
    }

    /// The model's row and BM25's over its ids; the cut share counts code cut by bytes or by
    /// the model's window.
    fn rows(
        &self,
        model: &str,
        lang: &str,
        pairs: &[Pair],
        (queries, q): (&[ModelInput], &[Vec<f32>]),
        (codes, c): (&[ModelInput], &[Vec<f32>]),
    ) -> [ResultRow; 2] {
        let cut_by_bytes = |p: &Pair| self.bytes.is_some_and(|b| p.code.len() > b);
        let cut = pairs
            .iter()
            .zip(codes)
            .filter(|(p, x)| cut_by_bytes(p) || x.truncated)
            .count() as f64
            / codes.len().max(1) as f64;
        let dense = format!("{}{}", method::PRETRAINED, self.suffix);
        let lexical = format!("{}{}", method::BM25, self.suffix);
        [
            super::result_row(
                (model, lang, &dense),
                None,
                super::dense_ranks(q, c),
                codes.len(),
                cut,
            ),
            super::result_row(
                (model, lang, &lexical),
                None,
                bm25_ranks(queries, codes),
                codes.len(),
                cut,
            ),
        ]
    }
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
