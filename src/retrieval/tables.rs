//! The tables of a `retrieval` result.

use super::*;
use crate::render::{Cell, Render, Table};

const METHODS: &[(&str, &str)] = &[
    (method::PRETRAINED, "pretrained model"),
    (method::TRAINED, "trained encoder"),
    (method::BM25, "BM25 (token ids)"),
    (method::TRAINED_EQUAL_BYTES, "trained encoder, equal bytes"),
    (method::BM25_EQUAL_BYTES, "BM25, equal bytes"),
    (
        method::PRETRAINED_EQUAL_BYTES,
        "pretrained model, equal bytes",
    ),
    (method::UNTRAINED, "untrained encoder"),
];

impl Render for RetrievalReport {
    /// The human-readable view: one table per metric (rows = language × method, columns =
    /// tokenizers), then truncation and training tables.
    fn tables(&self) -> Vec<Table> {
        let metrics: [(&str, MetricFn); 5] = [
            ("MRR@10", |r| r.mrr_at_10),
            ("NDCG@10", |r| r.ndcg_at_10),
            ("Recall@1", |r| r.recall_at_1),
            ("Recall@5", |r| r.recall_at_5),
            ("Recall@10", |r| r.recall_at_10),
        ];
        let mut tables: Vec<Table> = metrics
            .into_iter()
            .map(|(title, f)| self.metric_table(title, f))
            .collect();
        if let Some(mrr) = tables.first_mut() {
            self.mrr_notes(mrr);
        }
        tables.push(self.truncation_table());
        tables.push(self.training_table());
        tables.extend(self.pretrained_table());
        tables.extend(self.interval_table());
        tables.extend(self.comparison_table());
        tables.extend(self.overlap_table());
        tables
    }
}

impl RetrievalReport {
    /// One metric: a row per language and method, and the unweighted average per method.
    fn metric_table(&self, title: &str, f: MetricFn) -> Table {
        let names = self.tokenizer_names();
        let split = &self.config.options.eval_split;
        let mut t = Table::new(
            format!(
                "{title} on the {split} split (each query against all {split} code of its language)"
            ),
            ["language", "method"]
                .into_iter()
                .map(String::from)
                .chain(names.iter().cloned()),
        );
        let float = |v: Option<f64>| v.map_or(Cell::Empty, |v| Cell::Float(v, 3));
        for (method, label) in METHODS {
            if !self.results.iter().any(|r| r.method == *method) {
                continue;
            }
            for lang in &self.config.languages {
                let mut row = vec![Cell::text(lang.clone()), Cell::text(*label)];
                row.extend(names.iter().map(|n| float(self.mean(n, lang, method, f))));
                t.row(row);
            }
            let mut row = vec![Cell::text("average"), Cell::text(*label)];
            row.extend(names.iter().map(|n| float(self.average(n, method, f))));
            t.row(row);
        }
        t
    }

    /// The MRR@10 table's notes: random ranking per language, ties, seeds.
    fn mrr_notes(&self, t: &mut Table) {
        let mut random = Vec::new();
        for lang in &self.config.languages {
            if let Some(r) = self.results.iter().find(|r| &r.language == lang) {
                let m = RankingMetrics::random(r.candidates, r.queries);
                random.push(format!(
                    "{lang} {:.4} ({} candidates)",
                    m.mrr_at_10, r.candidates
                ));
            }
        }
        t.note(format!("Random ranking MRR@10: {}.", random.join(", ")));
        t.note("Ties rank the relevant document last among equals; average = unweighted mean over languages.");
        let seeds = self.seed_count();
        if seeds > 1 {
            t.note(format!(
                "Encoder rows: mean over {seeds} seeds (see the table of intervals)."
            ));
        }
    }

    /// The share of code cut at the token limit, per language and tokenizer.
    fn truncation_table(&self) -> Table {
        let names = self.tokenizer_names();
        let lim = self.config.options.max_code_tokens;
        let split = &self.config.options.eval_split;
        let mut t = Table::new(
            format!("Code longer than {lim} tokens (cut before encoding; {split} split)"),
            ["language"]
                .into_iter()
                .map(String::from)
                .chain(names.iter().cloned()),
        );
        for lang in &self.config.languages {
            let mut row = vec![Cell::text(lang.clone())];
            row.extend(names.iter().map(|n| {
                self.result(n, lang, "trained")
                    .map_or(Cell::Empty, |r| Cell::Percent(r.code_truncated_share, 1))
            }));
            t.row(row);
        }
        if let Some(b) = self.config.options.truncate_bytes {
            t.note(format!(
                "Every code text was first cut to {b} bytes (--truncate-bytes)."
            ));
        }
        t
    }

    /// One row per trained encoder: its shape, parameters and training run.
    fn training_table(&self) -> Table {
        let mut t = Table::new(
            "Encoder and training per tokenizer",
            [
                "tokenizer",
                "seed",
                "vocab",
                "d",
                "layers",
                "embedding params",
                "core params",
                "total params",
                "train pairs",
                "steps",
                "code tok (mean)",
                "train code cut",
                "loss first→last",
                "train tok/s",
            ],
        );
        for s in &self.training {
            let Some(info) = self
                .config
                .tokenizers
                .iter()
                .find(|i| i.name == s.tokenizer)
            else {
                continue;
            };
            t.row(vec![
                Cell::text(info.name.clone()),
                Cell::int(s.seed),
                Cell::count(info.vocab_size),
                Cell::count(info.encoder.dim),
                Cell::count(info.encoder.layers),
                Cell::count(info.embedding_parameters),
                Cell::count(info.core_parameters),
                Cell::count(info.total_parameters),
                Cell::count(s.pairs),
                Cell::count(s.steps),
                Cell::Float(s.mean_code_tokens, 1),
                Cell::Percent(s.code_truncated_share, 1),
                match (s.first_loss, s.last_loss) {
                    (Some(a), Some(b)) => Cell::text(format!("{a:.3} → {b:.3}")),
                    _ => Cell::text("checkpoint"),
                },
                self.train_speed(&info.name),
            ]);
        }
        t.note(format!(
            "Budget: {}; seed {} ({} seed{}); wall time {:.0} s; candle threads: {}.",
            match self.config.options.budget {
                Budget::EqualCore => "equal core (same d and layers)".to_string(),
                Budget::EqualTotal(p) => format!("equal total of {p} parameters"),
            },
            self.config.options.seed,
            self.seed_count(),
            if self.seed_count() == 1 { "" } else { "s" },
            self.timing.total_seconds,
            self.timing.threads
        ));
        t
    }

    /// Training tokens per second for one tokenizer, when it was trained in this run.
    fn train_speed(&self, tokenizer: &str) -> Cell {
        self.timing
            .tokenizers
            .iter()
            .find(|x| x.tokenizer == tokenizer)
            .map_or(Cell::Empty, |x| {
                if x.train_tokens_per_second > 0.0 {
                    Cell::count(x.train_tokens_per_second.round() as usize)
                } else {
                    Cell::Empty
                }
            })
    }
}
