//! Pretrained models on BEIR sets (`--data DIR --pretrained MODEL`): each model embeds the whole
//! corpus of a set once and every judged query, with its own tokenizer, window, prefixes and
//! pooling ([`crate::pretrained`]), and the queries are ranked by [`super::rank_queries`] exactly
//! as the trained encoder's are: rows with method [`method::PRETRAINED`] under the model's
//! name. BM25 over the same model's token ids (the texts' own tokens, cut to the same window)
//! is scored beside it, as in the pair layout ([`crate::retrieval::pretrained`]).
//!
//! Texts are tokenized once per set; the corpus is embedded in length-sorted batches of
//! `--embed-batch-size` (each padded to its longest text), so that batches do not depend on the
//! thread count. Memory: the token ids of the corpus (at most the window per document, dropped
//! after BM25 except those the network needs), one vector per document, 100 hits per query.

use rayon::prelude::*;

use super::data::BeirSet;
use super::report::{BeirReport, BeirRow};
use super::run::save_runs;
use super::{Embeddings, QueryRun, rank_queries};
use crate::Result;
use crate::pretrained::{ModelInput, PretrainedModel};
use crate::retrieval::pretrained::{Speed, model_names, tokenize_all};
use crate::retrieval::{self as r, RetrievalOptions, bm25, method};

/// Loads every model of `opts.pretrained` and scores it on every set; `taken` are the run's
/// tokenizer names (model names are made unique against them).
pub fn run_models(
    opts: &RetrievalOptions,
    sets: &[&BeirSet],
    taken: &[&str],
    report: &mut BeirReport,
) -> Result<()> {
    let names = model_names(&opts.pretrained, taken);
    for (spec, name) in opts.pretrained.iter().zip(&names) {
        let model = PretrainedModel::load(spec, name, &opts.embed)?;
        let mut speed = Speed::default();
        for set in sets {
            score_set(opts, &model, set, &mut speed, report)?;
        }
        report.config.pretrained.push(model.info().clone());
        report.timing.pretrained.push(speed.timing(name));
    }
    Ok(())
}

/// Scores one model on one set: BM25 over its tokens, then its embeddings.
fn score_set(
    opts: &RetrievalOptions,
    model: &PretrainedModel,
    set: &BeirSet,
    speed: &mut Speed,
    report: &mut BeirReport,
) -> Result<()> {
    let info = model.info();
    let name = info.name.as_str();
    let mut docs = tokenize_all(
        model,
        &info.document_prefix,
        set.corpus
            .texts
            .par_iter()
            .map(|t| r::cut_bytes(t, opts.truncate_bytes)),
    )?;
    let queries = tokenize_all(
        model,
        &info.query_prefix,
        set.qrels
            .queries
            .par_iter()
            .map(|&q| set.queries.texts[q as usize].as_str()),
    )?;
    let cut = r::share(&docs, |x| x.truncated);
    let runs = bm25_runs(opts, name, set, &docs, &queries);
    add_rows(opts, set, name, method::BM25, cut, &runs, report)?;
    for d in &mut docs {
        d.content = Vec::new(); // BM25 is done: the network needs only `ids`
    }
    let pb = r::bar(opts, &format!("{name} {} {}", method::PRETRAINED, set.name));
    pb.set_length((docs.len() + 2 * queries.len()) as u64);
    let doc_vectors = Embeddings::from_rows(speed.embed(model, &docs, &|n| pb.inc(n as u64))?)?;
    drop(docs);
    let query_vectors =
        Embeddings::from_rows(speed.embed(model, &queries, &|n| pb.inc(n as u64))?)?;
    let runs = rank_queries(
        &set.qrels.judgements,
        |i| doc_vectors.scores(query_vectors.row(i)),
        || pb.inc(1),
    );
    pb.finish_and_clear();
    add_rows(opts, set, name, method::PRETRAINED, cut, &runs, report)
}

/// BM25 over the texts' own token ids (no special tokens), cut as the model sees them.
fn bm25_runs(
    opts: &RetrievalOptions,
    name: &str,
    set: &BeirSet,
    docs: &[ModelInput],
    queries: &[ModelInput],
) -> Vec<QueryRun> {
    let contents: Vec<&[u32]> = docs.iter().map(|d| d.content.as_slice()).collect();
    let index = bm25::Bm25Index::new(&contents);
    let pb = r::bar(opts, &format!("{name} bm25 {}", set.name));
    pb.set_length(queries.len() as u64);
    let runs = rank_queries(
        &set.qrels.judgements,
        |i| index.scores(&queries[i].content),
        || pb.inc(1),
    );
    pb.finish_and_clear();
    runs
}

/// Saves the runs (with `--save-runs`) and adds their row.
fn add_rows(
    opts: &RetrievalOptions,
    set: &BeirSet,
    model: &str,
    method: &str,
    cut: f64,
    runs: &[QueryRun],
    report: &mut BeirReport,
) -> Result<()> {
    save_runs(opts, set, model, method, runs)?;
    report.push_row(BeirRow::new(set, model, method, None, cut, runs));
    Ok(())
}
