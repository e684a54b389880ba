//! The report of a BEIR-layout run: its JSON contract and its tables.

use serde::{Deserialize, Serialize};

use super::QueryRun;
use super::data::BeirSet;
use super::seeds::BeirSummaryRow;
use crate::pretrained::ModelInfo;
use crate::render::{Cell, Render, Table};
use crate::retrieval::graded::{GradedMetrics, is_relevant};
use crate::retrieval::pretrained::{EmbedTiming, models_table};
use crate::retrieval::{RetrievalOptions, TokenizerInfo, TrainingSummary};

/// One evaluated set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetInfo {
    /// The set's name (its directory's name).
    pub name: String,
    /// Documents in the corpus (every query is ranked against all of them).
    pub documents: usize,
    /// Queries in `queries.jsonl`.
    pub queries: usize,
    /// Queries of the split with at least one relevant judgement: the ones evaluated.
    pub evaluated_queries: usize,
    /// Queries of the split whose judgements are all 0: skipped.
    pub skipped_queries: usize,
    /// Relevant (grade ≥ 1) judgements of the evaluated queries.
    pub relevant_judgements: usize,
}

impl SetInfo {
    fn of(set: &BeirSet) -> Self {
        SetInfo {
            name: set.name.clone(),
            documents: set.corpus.len(),
            queries: set.queries.len(),
            evaluated_queries: set.qrels.queries.len(),
            skipped_queries: set.qrels.skipped_queries,
            relevant_judgements: set
                .qrels
                .judgements
                .iter()
                .flat_map(|j| j.pairs())
                .filter(|&&(_, g)| is_relevant(g))
                .count(),
        }
    }
}

/// A tokenizer of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenizerRef {
    /// Canonical name.
    pub name: String,
    /// sha256 fingerprint of its definition (16 hex chars).
    pub fingerprint: String,
}

/// The run's configuration, as reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BeirConfig {
    /// Always `beir`.
    pub data_format: String,
    /// The split evaluated (`qrels/<split>.tsv`).
    pub split: String,
    /// The options (paths as given).
    pub options: RetrievalOptions,
    /// The sets, in order.
    pub sets: Vec<SetInfo>,
    /// The tokenizers, in order.
    pub tokenizers: Vec<TokenizerRef>,
    /// The encoder of each tokenizer that has encoder rows.
    pub encoders: Vec<TokenizerInfo>,
    /// The split whose judgements trained the encoder (`null`: loaded or no encoder).
    pub trained_on: Option<String>,
    /// Whether encoder rows come from checkpoints (`--load`).
    pub rescored_from_checkpoints: bool,
    /// The pretrained models scored (`--pretrained`), in order.
    #[serde(default)]
    pub pretrained: Vec<ModelInfo>,
    /// tokstat version.
    pub tokstat_version: String,
}

/// One (set, tokenizer, method) result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BeirRow {
    /// Set name.
    pub set: String,
    /// Tokenizer name (a pretrained model's rows: the model's name).
    pub tokenizer: String,
    /// `bm25`, `trained` or `pretrained`.
    pub method: String,
    /// Queries evaluated.
    pub queries: usize,
    /// Queries skipped (no relevant judgement).
    pub skipped_queries: usize,
    /// Documents each query is ranked against.
    pub documents: usize,
    /// Mean metrics over the evaluated queries.
    #[serde(flatten)]
    pub metrics: GradedMetrics,
    /// Share of documents longer than the code token limit (cut before scoring).
    pub document_truncated_share: f64,
    /// Seed of the encoder (`null` for BM25 and pretrained models).
    pub seed: Option<u64>,
}

impl BeirRow {
    /// The row of a method's query runs on a set.
    pub fn new(
        set: &BeirSet,
        tokenizer: &str,
        method: &str,
        seed: Option<u64>,
        document_truncated_share: f64,
        runs: &[QueryRun],
    ) -> Self {
        let per_query: Vec<GradedMetrics> = runs.iter().map(|r| r.metrics).collect();
        BeirRow {
            set: set.name.clone(),
            tokenizer: tokenizer.to_string(),
            method: method.to_string(),
            queries: runs.len(),
            skipped_queries: set.qrels.skipped_queries,
            documents: set.corpus.len(),
            metrics: GradedMetrics::mean(&per_query),
            document_truncated_share,
            seed,
        }
    }
}

/// Wall-clock time (the only part that differs between identical runs).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BeirTiming {
    /// Whole run, seconds.
    pub total_seconds: f64,
    /// Threads of the run.
    pub threads: usize,
    /// Embedding throughput per pretrained model (forward passes only).
    #[serde(default)]
    pub pretrained: Vec<EmbedTiming>,
}

/// The report of a BEIR-layout run; serialised as its JSON contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BeirReport {
    /// Settings, sets and tokenizers.
    pub config: BeirConfig,
    /// One row per (set, tokenizer, method).
    pub results: Vec<BeirRow>,
    /// Every metric of each (set, tokenizer, method) over the seeds of the run (`--seeds`).
    #[serde(default)]
    pub summary: Vec<BeirSummaryRow>,
    /// Training per tokenizer and seed (empty when no encoder was trained).
    pub training: Vec<TrainingSummary>,
    /// Wall-clock time.
    pub timing: BeirTiming,
}

impl Render for BeirReport {
    /// The human-readable view: the sets, then one row per (set, method, tokenizer).
    fn tables(&self) -> Vec<Table> {
        let mut tables = vec![self.set_table(), self.result_table()];
        tables.extend(super::seeds::table(&self.summary));
        tables.extend(models_table(
            &self.config.pretrained,
            &self.timing.pretrained,
        ));
        tables
    }
}

impl BeirReport {
    /// An empty report for the sets.
    pub fn new(opts: &RetrievalOptions, sets: &[&BeirSet]) -> Self {
        BeirReport {
            config: BeirConfig {
                data_format: "beir".into(),
                split: opts.eval_split.clone(),
                options: opts.clone(),
                sets: sets.iter().map(|s| SetInfo::of(s)).collect(),
                tokenizers: Vec::new(),
                encoders: Vec::new(),
                trained_on: None,
                rescored_from_checkpoints: opts.load_dir.is_some(),
                pretrained: Vec::new(),
                tokstat_version: env!("CARGO_PKG_VERSION").to_string(),
            },
            results: Vec::new(),
            summary: Vec::new(),
            training: Vec::new(),
            timing: BeirTiming::default(),
        }
    }

    /// Adds a result row.
    pub fn push_row(&mut self, row: BeirRow) {
        self.results.push(row);
    }

    /// Records the encoder of a tokenizer.
    pub fn push_encoder(&mut self, info: TokenizerInfo) {
        self.config.encoders.push(info);
    }

    fn set_table(&self) -> Table {
        let split = &self.config.split;
        let mut t = Table::new(
            format!("BEIR sets, split {split}"),
            [
                "set",
                "documents",
                "queries",
                "evaluated",
                "skipped",
                "relevant judgements",
            ],
        );
        for s in &self.config.sets {
            t.row(vec![
                Cell::text(s.name.clone()),
                Cell::count(s.documents),
                Cell::count(s.queries),
                Cell::count(s.evaluated_queries),
                Cell::count(s.skipped_queries),
                Cell::count(s.relevant_judgements),
            ]);
        }
        t.note("Evaluated: queries of the split with a relevant judgement (score ≥ 1); skipped: those whose judgements are all 0.");
        t
    }

    fn result_table(&self) -> Table {
        let mut t = Table::new(
            format!(
                "Retrieval on the {} split (each query against the whole corpus)",
                self.config.split
            ),
            [
                "set",
                "method",
                "tokenizer",
                "queries",
                "NDCG@10",
                "MAP@100",
                "MRR@10",
                "R@1",
                "R@5",
                "R@10",
                "R@100",
                "docs cut",
            ],
        );
        for r in &self.results {
            let m = &r.metrics;
            let mut row = vec![
                Cell::text(r.set.clone()),
                Cell::text(r.method.clone()),
                Cell::text(r.tokenizer.clone()),
                Cell::count(r.queries),
            ];
            row.extend(
                [
                    m.ndcg_at_10,
                    m.map_at_100,
                    m.mrr_at_10,
                    m.recall_at_1,
                    m.recall_at_5,
                    m.recall_at_10,
                    m.recall_at_100,
                ]
                .map(|v| Cell::Float(v, 4)),
            );
            row.push(Cell::Percent(r.document_truncated_share, 1));
            t.row(row);
        }
        t.note("Metrics as pytrec_eval computes them (graded NDCG, linear gain); ties rank lower grades first, so a tie never raises a metric.");
        t.note(self.encoder_note());
        t
    }

    fn encoder_note(&self) -> String {
        if self.config.tokenizers.is_empty() {
            "Rows `pretrained`: each model with its own tokenizer, window and pooling; `bm25` under a model's name ranks by its token ids.".into()
        } else if self.config.rescored_from_checkpoints {
            "Encoder rows: checkpoints loaded with --load.".into()
        } else if let Some(split) = &self.config.trained_on {
            format!(
                "Encoder rows: trained on the {split} judgements' (query, relevant document) pairs."
            )
        } else {
            "No encoder rows: a set has no qrels/train.tsv to train on and no --load was given."
                .into()
        }
    }
}
