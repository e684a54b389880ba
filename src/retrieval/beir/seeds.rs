//! Several seeds on BEIR sets (`--seeds N`): the encoder is trained N times per tokenizer (seeds
//! `seed`, `seed + 1`, …: different initialisation and batch order), each run scored as its own
//! rows, and every metric of each (set, tokenizer, method) summarised over the seeds as mean,
//! sample standard deviation and 95% Student-t interval of the mean ([`stats::spread`], the
//! same rule as the pair layout's [`crate::retrieval::uncertainty::summary`]). BM25 and
//! pretrained models are deterministic: one row, n = 1.

use serde::{Deserialize, Serialize};

use super::report::BeirRow;
use crate::Result;
use crate::render::{Cell, Table};
use crate::retrieval::graded::GradedMetrics;
use crate::retrieval::stats::{self, Spread};

/// Reads one metric.
pub type GradedMetricFn = fn(&GradedMetrics) -> f64;

/// The metrics summarised over seeds, with their accessors, in table order.
pub const METRICS: [(&str, GradedMetricFn); 7] = [
    ("ndcg_at_10", |m| m.ndcg_at_10),
    ("map_at_100", |m| m.map_at_100),
    ("mrr_at_10", |m| m.mrr_at_10),
    ("recall_at_1", |m| m.recall_at_1),
    ("recall_at_5", |m| m.recall_at_5),
    ("recall_at_10", |m| m.recall_at_10),
    ("recall_at_100", |m| m.recall_at_100),
];

/// One metric of one (set, tokenizer, method) over the seeds of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BeirSummaryRow {
    /// Set name.
    pub set: String,
    /// Tokenizer (or pretrained model) name.
    pub tokenizer: String,
    /// `bm25`, `trained` or `pretrained`.
    pub method: String,
    /// A metric name of [`METRICS`].
    pub metric: String,
    /// Over the seeds (n = 1 for deterministic methods).
    #[serde(flatten)]
    pub spread: Spread,
}

/// Every metric of every (set, tokenizer, method) of `results` over its rows (one per seed), in
/// order of first appearance.
pub fn summary(results: &[BeirRow]) -> Result<Vec<BeirSummaryRow>> {
    let mut groups: Vec<(&str, &str, &str)> = Vec::new();
    for r in results {
        let key = (r.set.as_str(), r.tokenizer.as_str(), r.method.as_str());
        if !groups.contains(&key) {
            groups.push(key);
        }
    }
    let mut out = Vec::new();
    for (set, tokenizer, method) in groups {
        let rows: Vec<&BeirRow> = results
            .iter()
            .filter(|r| {
                (r.set.as_str(), r.tokenizer.as_str(), r.method.as_str())
                    == (set, tokenizer, method)
            })
            .collect();
        for (metric, f) in METRICS {
            let values: Vec<f64> = rows.iter().map(|r| f(&r.metrics)).collect();
            out.push(BeirSummaryRow {
                set: set.to_string(),
                tokenizer: tokenizer.to_string(),
                method: method.to_string(),
                metric: metric.to_string(),
                spread: stats::spread(&values)?,
            });
        }
    }
    Ok(out)
}

/// The table of NDCG@10 and MRR@10 over seeds, for the groups with more than one seed (`None`
/// when there are none).
pub fn table(rows: &[BeirSummaryRow]) -> Option<Table> {
    let shown: Vec<&BeirSummaryRow> = rows
        .iter()
        .filter(|r| r.spread.n > 1 && ["ndcg_at_10", "mrr_at_10"].contains(&r.metric.as_str()))
        .collect();
    if shown.is_empty() {
        return None;
    }
    let mut t = Table::new(
        "Over seeds: mean, standard deviation and 95% interval of the mean",
        [
            "set",
            "method",
            "tokenizer",
            "metric",
            "seeds",
            "mean",
            "sd",
            "95% interval",
        ],
    );
    for r in shown {
        let s = &r.spread;
        t.row(vec![
            Cell::text(r.set.clone()),
            Cell::text(r.method.clone()),
            Cell::text(r.tokenizer.clone()),
            Cell::text(r.metric.clone()),
            Cell::count(s.n),
            Cell::Float(s.mean, 4),
            s.sd.map_or(Cell::Empty, |v| Cell::Float(v, 4)),
            s.ci95.map_or(Cell::Empty, |[lo, hi]| {
                Cell::text(format!("[{lo:.4}, {hi:.4}]"))
            }),
        ]);
    }
    t.note("Student-t interval over the seeds' values (sample sd, n − 1); every metric is in the JSON `summary`.");
    Some(t)
}
