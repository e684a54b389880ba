//! The BEIR-layout run: load the sets, then per tokenizer BM25 and the encoder on each set.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;

use super::data::{self, BeirSet, Qrels};
use super::report::{BeirReport, BeirRow, TokenizerRef};
use super::{Embeddings, QueryRun, TextEmbedder, TextKind, rank_queries};
use crate::encoder::Encoder;
use crate::retrieval::data::Pair;
use crate::retrieval::{self as r, RetrievalOptions, TrainingSummary, bm25, limits, method, share};
use crate::tokenizer::{self, Tokenizer};
use crate::{Error, Result};

/// The split whose judgements train the encoder when no checkpoint is loaded.
pub const TRAIN_SPLIT: &str = "train";

/// Evaluates every BEIR set under `opts.data_dir` on the split `opts.eval_split`, on a pool of
/// `opts.threads` threads when set.
pub fn run(opts: &RetrievalOptions) -> Result<BeirReport> {
    r::with_threads(opts.threads, || run_in_pool(opts))
}

/// The sets of a data directory: the directory itself when it holds `corpus.jsonl`, else its
/// subdirectories that do (sorted), restricted to `only` when not empty.
pub fn set_dirs(dir: &Path, only: &[String]) -> Result<Vec<PathBuf>> {
    if data::is_beir_set(dir) {
        return Ok(vec![dir.to_path_buf()]);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| data::is_beir_set(p))
        .collect();
    found.sort();
    let name = |p: &PathBuf| p.file_name().map(|n| n.to_string_lossy().into_owned());
    for want in only {
        if !found.iter().any(|p| name(p).as_deref() == Some(want)) {
            return Err(Error::InvalidArgument(format!(
                "BEIR set `{want}` not found in `{}` (available: {})",
                dir.display(),
                found.iter().filter_map(name).collect::<Vec<_>>().join(", ")
            )));
        }
    }
    found.retain(|p| only.is_empty() || name(p).is_some_and(|n| only.contains(&n)));
    if found.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "`{}` holds no BEIR set (corpus.jsonl, queries.jsonl, qrels/<split>.tsv)",
            dir.display()
        )));
    }
    Ok(found)
}

/// A set with the judgements to evaluate and, when training, those to train on.
struct LoadedSet {
    set: BeirSet,
    train: Option<Qrels>,
}

fn check_beir_options(opts: &RetrievalOptions) -> Result<()> {
    limits::check_options(opts)?;
    crate::retrieval::pretrained::check_options(opts)?;
    if opts.tokenizers.is_empty() && opts.pretrained.is_empty() {
        return Err(Error::InvalidArgument("no tokenizer given".into()));
    }
    for t in &opts.tokenizers {
        tokenizer::canonical_name(t)?;
    }
    Ok(())
}

fn run_in_pool(opts: &RetrievalOptions) -> Result<BeirReport> {
    let started = Instant::now();
    check_beir_options(opts)?;
    let dirs = set_dirs(&opts.data_dir, &opts.languages)?;
    let training_wanted = opts.load_dir.is_none() && !opts.tokenizers.is_empty();
    let mut sets = Vec::new();
    for dir in &dirs {
        let set = data::load(dir, &opts.eval_split)?;
        let has_train = data::qrels_path(dir, TRAIN_SPLIT).is_file();
        let train = if training_wanted && has_train {
            Some(data::load_qrels(
                dir,
                TRAIN_SPLIT,
                &set.corpus,
                &set.queries,
            )?)
        } else {
            None
        };
        sets.push(LoadedSet { set, train });
    }
    let training = training_wanted && sets.iter().all(|s| s.train.is_some());
    let toks: Vec<Arc<dyn Tokenizer>> = if opts.tokenizers.is_empty() {
        Vec::new() // only pretrained models are scored
    } else {
        tokenizer::load_many(&opts.tokenizers)?
    };
    let set_refs: Vec<&BeirSet> = sets.iter().map(|s| &s.set).collect();
    let mut report = BeirReport::new(opts, &set_refs);
    report.config.trained_on = training.then(|| TRAIN_SPLIT.to_string());
    for tok in &toks {
        run_tokenizer(opts, tok.as_ref(), &sets, training, &mut report)?;
    }
    let taken: Vec<&str> = toks.iter().map(|t| t.name()).collect();
    super::pretrained::run_models(opts, &set_refs, &taken, &mut report)?;
    report.summary = super::seeds::summary(&report.results)?;
    report.timing.total_seconds = started.elapsed().as_secs_f64();
    report.timing.threads = rayon::current_num_threads();
    Ok(report)
}

/// One set tokenized for one tokenizer: ids cut to the limits, as BM25 sees them.
struct TokenizedSet {
    docs: Vec<Vec<u32>>,
    queries: Vec<Vec<u32>>,
    /// Share of documents longer than the code token limit.
    cut_share: f64,
}

fn tokenize_set(
    opts: &RetrievalOptions,
    tok: &dyn Tokenizer,
    set: &BeirSet,
) -> Result<TokenizedSet> {
    let pb = r::bar(opts, &format!("{} tokenize {}", tok.name(), set.name));
    pb.set_length(set.corpus.len() as u64);
    let cut = |text: &str, bytes: Option<usize>, limit: usize| -> Result<(Vec<u32>, bool)> {
        let mut ids = tok.encode_ids(r::cut_bytes(text, bytes), false)?;
        let long = ids.len() > limit;
        ids.truncate(limit);
        ids.shrink_to_fit();
        Ok((ids, long))
    };
    let docs: Vec<(Vec<u32>, bool)> = set
        .corpus
        .texts
        .par_iter()
        .map(|t| {
            let out = cut(t, opts.truncate_bytes, opts.max_code_tokens);
            pb.inc(1);
            out
        })
        .collect::<Result<_>>()?;
    pb.finish_and_clear();
    let queries = set
        .queries
        .texts
        .par_iter()
        .map(|t| Ok(cut(t, None, opts.max_query_tokens)?.0))
        .collect::<Result<_>>()?;
    let cut_share = share(&docs, |d| d.1);
    Ok(TokenizedSet {
        docs: docs.into_iter().map(|d| d.0).collect(),
        queries,
        cut_share,
    })
}

fn run_tokenizer(
    opts: &RetrievalOptions,
    tok: &dyn Tokenizer,
    sets: &[LoadedSet],
    training: bool,
    report: &mut BeirReport,
) -> Result<()> {
    let name = tok.name().to_string();
    report.config.tokenizers.push(TokenizerRef {
        name: name.clone(),
        fingerprint: tok.fingerprint(),
    });
    let tokenized: Vec<TokenizedSet> = sets
        .iter()
        .map(|s| tokenize_set(opts, tok, &s.set))
        .collect::<Result<_>>()?;
    let max_id = tokenized
        .iter()
        .flat_map(|t| t.docs.iter().chain(&t.queries).flatten())
        .copied()
        .max()
        .unwrap_or(0) as usize;
    let vocab = tok.vocab_size().total.max(max_id + 1);
    for (s, t) in sets.iter().zip(&tokenized) {
        let runs = bm25_runs(opts, &name, &s.set, t);
        save_runs(opts, &s.set, &name, method::BM25, &runs)?;
        report.push_row(BeirRow::new(
            &s.set,
            &name,
            method::BM25,
            None,
            t.cut_share,
            &runs,
        ));
    }
    let seeds = match (&opts.load_dir, training) {
        (Some(_), _) => vec![opts.seed], // a checkpoint is one seed
        (None, true) => r::run_seeds(opts),
        (None, false) => return Ok(()),
    };
    for (i, &seed) in seeds.iter().enumerate() {
        let (enc, seed) = match &opts.load_dir {
            Some(dir) => {
                let (enc, saved) =
                    r::load_checkpoint(&r::checkpoint_path(dir, &name), &name, vocab)?;
                (enc, saved.map_or(seed, |s| s.seed))
            }
            None => (train_encoder(opts, tok, sets, vocab, seed, report)?, seed),
        };
        if i == 0 {
            report.push_encoder(r::tokenizer_info(&name, tok, &enc.config));
        }
        let embedder = EncoderEmbedder {
            enc: &enc,
            tok,
            opts,
        };
        let file_method = match seeds.len() {
            1 => method::TRAINED.to_string(),
            _ => format!("{}-seed{seed}", method::TRAINED),
        };
        for (s, t) in sets.iter().zip(&tokenized) {
            let label = format!("{name} {}", file_method);
            let runs = dense_runs(opts, &label, &s.set, &embedder)?;
            save_runs(opts, &s.set, &name, &file_method, &runs)?;
            report.push_row(BeirRow::new(
                &s.set,
                &name,
                method::TRAINED,
                Some(seed),
                t.cut_share,
                &runs,
            ));
        }
    }
    Ok(())
}

/// BM25 over the tokenizer's ids of the whole corpus.
fn bm25_runs(
    opts: &RetrievalOptions,
    name: &str,
    set: &BeirSet,
    t: &TokenizedSet,
) -> Vec<QueryRun> {
    let docs: Vec<&[u32]> = t.docs.iter().map(Vec::as_slice).collect();
    let index = bm25::Bm25Index::new(&docs);
    let pb = r::bar(opts, &format!("{name} bm25 {}", set.name));
    pb.set_length(set.qrels.queries.len() as u64);
    let runs = rank_queries(
        &set.qrels.judgements,
        |i| index.scores(&t.queries[set.qrels.queries[i] as usize]),
        || pb.inc(1),
    );
    pb.finish_and_clear();
    runs
}

/// A model's runs: the corpus embedded once, in batches, then every judged query scored
/// against it.
pub fn dense_runs(
    opts: &RetrievalOptions,
    label: &str,
    set: &BeirSet,
    model: &dyn TextEmbedder,
) -> Result<Vec<QueryRun>> {
    let pb = r::bar(opts, &format!("{label} {}", set.name));
    let judged = &set.qrels.queries;
    pb.set_length((set.corpus.len() + judged.len()) as u64);
    let texts: Vec<&str> = set.corpus.texts.iter().map(String::as_str).collect();
    let docs = Embeddings::of(model, &texts, TextKind::Document, |n| pb.inc(n as u64))?;
    let queries: Vec<&str> = judged
        .iter()
        .map(|&q| set.queries.texts[q as usize].as_str())
        .collect();
    let queries = Embeddings::of(model, &queries, TextKind::Query, |_| ())?;
    let runs = rank_queries(
        &set.qrels.judgements,
        |i| docs.scores(queries.row(i)),
        || pb.inc(1),
    );
    pb.finish_and_clear();
    Ok(runs)
}

/// The bundled encoder as a [`TextEmbedder`]: the tokenizer's ids, cut as in training.
struct EncoderEmbedder<'a> {
    enc: &'a Encoder,
    tok: &'a dyn Tokenizer,
    opts: &'a RetrievalOptions,
}

impl TextEmbedder for EncoderEmbedder<'_> {
    fn embed(&self, texts: &[&str], kind: TextKind) -> Result<Vec<Vec<f32>>> {
        let (bytes, limit) = match kind {
            TextKind::Query => (None, self.opts.max_query_tokens),
            TextKind::Document => (self.opts.truncate_bytes, self.opts.max_code_tokens),
        };
        let ids: Vec<Vec<u32>> = texts
            .par_iter()
            .map(|t| self.tok.encode_ids(r::cut_bytes(t, bytes), false))
            .collect::<Result<_>>()?;
        self.enc.embed_all(&ids, limit, 64, |_| ())
    }
}

/// The (query, relevant document) pairs of the training judgements, as training pairs.
fn train_pairs(set: &BeirSet, qrels: &Qrels) -> Vec<Pair> {
    let mut out = Vec::new();
    for (&q, judged) in qrels.queries.iter().zip(&qrels.judgements) {
        for &(d, g) in judged.pairs() {
            if crate::retrieval::graded::is_relevant(g) {
                out.push(Pair {
                    id: format!(
                        "{}/{}",
                        set.queries.ids[q as usize], set.corpus.ids[d as usize]
                    ),
                    language: set.name.clone(),
                    query: set.queries.texts[q as usize].clone(),
                    code: set.corpus.texts[d as usize].clone(),
                });
            }
        }
    }
    out
}

/// Trains the encoder on every set's train judgements (one group per set, as languages are).
fn train_encoder(
    opts: &RetrievalOptions,
    tok: &dyn Tokenizer,
    sets: &[LoadedSet],
    vocab: usize,
    seed: u64,
    report: &mut BeirReport,
) -> Result<Encoder> {
    let name = tok.name();
    let mut train_tok = Vec::new();
    for s in sets {
        let qrels = s
            .train
            .as_ref()
            .expect("training only when every set has train qrels");
        train_tok.push(r::tokenize(
            tok,
            &train_pairs(&s.set, qrels),
            opts.truncate_bytes,
        )?);
    }
    let train_max = train_tok
        .iter()
        .flat_map(|t| t.queries.iter().chain(&t.codes).flatten())
        .copied()
        .max()
        .unwrap_or(0) as usize;
    let config = r::encoder_config(opts, vocab.max(train_max + 1))?;
    limits::check_memory(name, &config, opts, limits::available_memory())?;
    let mut enc = Encoder::new(config, seed)?;
    let mut summary: TrainingSummary = r::training_summary(name, &train_tok, opts);
    let examples = r::training_examples(train_tok);
    r::train_one(opts, name, tok, &mut enc, &examples, seed, &mut summary)?;
    report.training.push(summary);
    Ok(enc)
}

/// The path of a run file: `<dir>/<set>.<tokenizer>.<method>.run` (names made file-safe).
pub fn run_file_path(dir: &Path, set: &str, tokenizer: &str, method: &str) -> PathBuf {
    let stem = [set, tokenizer, method].map(r::file_stem).join(".");
    dir.join(format!("{stem}.run"))
}

/// Writes the ranking of every evaluated query as a TREC run file (`qid Q0 docid rank score
/// tag`, rank from 1, best first, at most 100 per query), when `--save-runs` is set.
pub(super) fn save_runs(
    opts: &RetrievalOptions,
    set: &BeirSet,
    tokenizer: &str,
    method: &str,
    runs: &[QueryRun],
) -> Result<()> {
    let Some(dir) = &opts.save_runs else {
        return Ok(());
    };
    let mut text = String::new();
    for (&q, run) in set.qrels.queries.iter().zip(runs) {
        let qid = run_file_id(&set.queries.ids[q as usize])?;
        for (rank, &(d, score)) in run.hits.iter().enumerate() {
            let did = run_file_id(&set.corpus.ids[d as usize])?;
            text.push_str(&format!(
                "{qid} Q0 {did} {} {score} tokstat-{method}\n",
                rank + 1
            ));
        }
    }
    crate::output::write_atomic(
        &run_file_path(dir, &set.name, tokenizer, method),
        text.as_bytes(),
    )
}

/// An id as a run-file field: whitespace would split it.
fn run_file_id(id: &str) -> Result<&str> {
    if id.is_empty() || id.contains(char::is_whitespace) {
        return Err(Error::InvalidArgument(format!(
            "--save-runs: id `{id}` is empty or contains whitespace, which a TREC run file cannot hold"
        )));
    }
    Ok(id)
}
