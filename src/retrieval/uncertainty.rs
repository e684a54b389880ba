//! Uncertainty over seeds and paired significance tests over queries.
//!
//! - **Over seeds** ([`summary`]): each metric of each (tokenizer, language, method) and its
//!   average over languages, as mean, sample standard deviation and a 95% Student-t interval of
//!   the mean over the seeds of the run ([`stats::spread`]).
//! - **Over queries** ([`comparisons`]): every pair of tokenizers under the same method, and the
//!   trained encoder against BM25 under the same tokenizer, compared on the per-query reciprocal
//!   rank at 10 (for the trained encoder, the mean over seeds of each query's reciprocal rank).
//!   A paired randomization (sign-flip) test gives the two-sided p-value and a paired percentile
//!   bootstrap the 95% interval of the mean difference ([`stats::paired_comparison`]), per
//!   language and on the average over languages (`language = "average"`: each language a
//!   stratum, the statistic the unweighted mean of the per-language mean differences, which is
//!   the difference of the two average MRR@10 figures the tables show).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::metrics::reciprocal_rank_at;
use super::stats::{self, PairedComparison, Spread};
use super::{MetricFn, ResultRow, RetrievalReport, method};
use crate::Result;
use crate::render::{Cell, Table};

/// The label of the average over languages (in `summary`) and of the pooled test (in
/// `comparisons`).
pub const AVERAGE: &str = "average";

/// The per-query metric of every paired test.
pub const PAIRED_METRIC: &str = "reciprocal_rank_at_10";

/// Mean, standard deviation and 95% interval over seeds of one metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SummaryRow {
    /// Tokenizer name.
    pub tokenizer: String,
    /// Language, or `average` (unweighted mean over languages, per seed).
    pub language: String,
    /// `trained`, `untrained` or `bm25`.
    pub method: String,
    /// `mrr_at_10` or `ndcg_at_10`.
    pub metric: String,
    /// Over the seeds (BM25 has one value: it is deterministic).
    #[serde(flatten)]
    pub spread: Spread,
}

/// One paired test over queries: `a` minus `b`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Comparison {
    /// Tokenizer of the first side.
    pub a: String,
    /// Tokenizer of the second side.
    pub b: String,
    /// Method of the first side (`trained` or `bm25`).
    pub method_a: String,
    /// Method of the second side.
    pub method_b: String,
    /// Language, or `average` (all languages, each a stratum).
    pub language: String,
    /// The per-query metric compared ([`PAIRED_METRIC`]).
    pub metric: String,
    /// Mean difference a − b (on `average`: the unweighted mean over languages).
    pub mean_difference: f64,
    /// 95% paired percentile-bootstrap interval of the mean difference.
    pub ci95: [f64; 2],
    /// Two-sided p-value of the paired randomization (sign-flip) test.
    pub p_value: f64,
    /// Resamples of the bootstrap and of the randomization test.
    pub resamples: usize,
    /// True when the randomization test enumerated every sign pattern.
    pub exact: bool,
}

impl Comparison {
    /// Significant at `alpha` (two-sided).
    pub fn significant(&self, alpha: f64) -> bool {
        self.p_value < alpha
    }
}

/// The metrics summarised over seeds, with their accessors.
const METRICS: [(&str, MetricFn); 2] = [
    ("mrr_at_10", |r| r.mrr_at_10),
    ("ndcg_at_10", |r| r.ndcg_at_10),
];

/// Methods in report order.
const METHODS: [&str; 7] = [
    method::PRETRAINED,
    method::TRAINED,
    method::BM25,
    method::TRAINED_EQUAL_BYTES,
    method::BM25_EQUAL_BYTES,
    method::UNTRAINED,
    method::PRETRAINED_EQUAL_BYTES,
];

/// The rows of (tokenizer, language, method), one per seed, in run order.
pub fn rows<'a, 's>(
    results: &'a [ResultRow],
    tokenizer: &'s str,
    language: &'s str,
    method: &'s str,
) -> impl Iterator<Item = &'a ResultRow> + use<'a, 's> {
    results
        .iter()
        .filter(move |r| r.tokenizer == tokenizer && r.language == language && r.method == method)
}

/// Each query's reciprocal rank at 10, averaged over the seeds of (tokenizer, language,
/// method); `None` when the run has no such rows or they carry no per-query ranks.
pub fn mean_reciprocal_ranks(
    results: &[ResultRow],
    tokenizer: &str,
    language: &str,
    method: &str,
) -> Option<Vec<f64>> {
    let runs: Vec<&ResultRow> = rows(results, tokenizer, language, method).collect();
    let n = runs.first()?.gold_ranks.len();
    if n == 0 || runs.iter().any(|r| r.gold_ranks.len() != n) {
        return None;
    }
    let mut sum = vec![0.0; n];
    for r in &runs {
        for (s, &rank) in sum.iter_mut().zip(&r.gold_ranks) {
            *s += reciprocal_rank_at(rank, 10);
        }
    }
    Some(sum.into_iter().map(|s| s / runs.len() as f64).collect())
}

/// Mean, standard deviation and 95% interval over seeds for every (tokenizer, language or
/// average, method, metric) of the report.
pub fn summary(report: &RetrievalReport) -> Result<Vec<SummaryRow>> {
    let languages = &report.config.languages;
    let mut out = Vec::new();
    for t in report.tokenizer_names() {
        for method in METHODS {
            for (metric, f) in METRICS {
                let per_language: Vec<Vec<f64>> = languages
                    .iter()
                    .map(|l| rows(&report.results, &t, l, method).map(f).collect())
                    .collect();
                if per_language.iter().any(Vec::is_empty) || languages.is_empty() {
                    continue;
                }
                let row = |language: &str, values: &[f64]| -> Result<SummaryRow> {
                    Ok(SummaryRow {
                        tokenizer: t.clone(),
                        language: language.to_string(),
                        method: method.to_string(),
                        metric: metric.to_string(),
                        spread: stats::spread(values)?,
                    })
                };
                for (l, v) in languages.iter().zip(&per_language) {
                    out.push(row(l, v)?);
                }
                let seeds = per_language.iter().map(Vec::len).min().unwrap_or(0);
                let averages: Vec<f64> = (0..seeds)
                    .map(|s| {
                        per_language.iter().map(|v| v[s]).sum::<f64>() / languages.len() as f64
                    })
                    .collect();
                out.push(row(AVERAGE, &averages)?);
            }
        }
    }
    Ok(out)
}

/// A side of a comparison: (tokenizer, method).
type Side = (String, &'static str);

/// The comparisons a report holds: every pair of tokenizers under `trained` and under `bm25`,
/// then the trained encoder against BM25 per tokenizer.
fn planned(names: &[String]) -> Vec<(Side, Side)> {
    let mut plan = Vec::new();
    for m in [
        method::TRAINED,
        method::BM25,
        method::TRAINED_EQUAL_BYTES,
        method::BM25_EQUAL_BYTES,
    ] {
        for (i, a) in names.iter().enumerate() {
            for b in &names[i + 1..] {
                plan.push(((a.clone(), m), (b.clone(), m)));
            }
        }
    }
    for n in names {
        plan.push(((n.clone(), method::TRAINED), (n.clone(), method::BM25)));
    }
    // Pretrained models (`--pretrained`): each pair, and each model against BM25 over its ids.
    for (i, a) in names.iter().enumerate() {
        for b in &names[i + 1..] {
            plan.push((
                (a.clone(), method::PRETRAINED),
                (b.clone(), method::PRETRAINED),
            ));
        }
    }
    for n in names {
        plan.push(((n.clone(), method::PRETRAINED), (n.clone(), method::BM25)));
    }
    plan
}

/// Every paired test of the report (see the module documentation), each with `resamples`
/// resamples and its own seeded stream derived from `seed`, so the result does not depend on
/// the order or the thread count.
pub fn comparisons(
    report: &RetrievalReport,
    resamples: usize,
    seed: u64,
) -> Result<Vec<Comparison>> {
    let languages = &report.config.languages;
    let mut jobs = Vec::new();
    for (a, b) in planned(&report.tokenizer_names()) {
        let sides: Option<Vec<(Vec<f64>, Vec<f64>)>> = languages
            .iter()
            .map(|l| {
                Some((
                    mean_reciprocal_ranks(&report.results, &a.0, l, a.1)?,
                    mean_reciprocal_ranks(&report.results, &b.0, l, b.1)?,
                ))
            })
            .collect();
        let Some(sides) = sides else { continue };
        for (i, l) in languages.iter().enumerate() {
            jobs.push((a.clone(), b.clone(), l.clone(), vec![sides[i].clone()]));
        }
        if languages.len() > 1 {
            jobs.push((a, b, AVERAGE.to_string(), sides));
        }
    }
    jobs.into_par_iter()
        .map(|(a, b, language, sides)| {
            let strata: Vec<(&[f64], &[f64])> = sides
                .iter()
                .map(|(x, y)| (x.as_slice(), y.as_slice()))
                .collect();
            let stream = stream_seed(seed, &[&a.0, a.1, &b.0, b.1, &language]);
            let PairedComparison {
                mean_difference,
                ci95,
                p_value,
                resamples,
                exact,
            } = stats::paired_comparison(&strata, resamples, stream)?;
            Ok(Comparison {
                a: a.0,
                b: b.0,
                method_a: a.1.to_string(),
                method_b: b.1.to_string(),
                language,
                metric: PAIRED_METRIC.to_string(),
                mean_difference,
                ci95,
                p_value,
                resamples,
                exact,
            })
        })
        .collect()
}

/// A seed for one comparison: FNV-1a of its labels, mixed with the run's seed.
fn stream_seed(seed: u64, labels: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for l in labels {
        for b in l.bytes().chain([0u8]) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

impl RetrievalReport {
    /// The summary row of (tokenizer, language or `average`, method, metric).
    pub fn spread(
        &self,
        tokenizer: &str,
        language: &str,
        method: &str,
        metric: &str,
    ) -> Option<&Spread> {
        self.summary
            .iter()
            .find(|r| {
                r.tokenizer == tokenizer
                    && r.language == language
                    && r.method == method
                    && r.metric == metric
            })
            .map(|r| &r.spread)
    }

    /// The paired test of `a` = (tokenizer, method) against `b`, as stored (a − b).
    pub fn comparison(
        &self,
        a: (&str, &str),
        b: (&str, &str),
        language: &str,
    ) -> Option<&Comparison> {
        self.comparisons.iter().find(|c| {
            c.a == a.0
                && c.method_a == a.1
                && c.b == b.0
                && c.method_b == b.1
                && c.language == language
        })
    }
}

/// Formats an interval `[lo, hi]` with three decimals.
fn interval(ci: [f64; 2]) -> String {
    format!("[{:.3}, {:.3}]", ci[0], ci[1])
}

/// Formats a p-value: three significant decimals, or `< 0.0001`.
pub fn p_value_text(p: f64) -> String {
    if p < 1e-4 {
        "< 0.0001".to_string()
    } else {
        format!("{p:.4}")
    }
}

impl RetrievalReport {
    /// Mean ± sd and the 95% interval over seeds of the trained encoder's MRR@10 (only when the
    /// run has more than one seed).
    pub(crate) fn interval_table(&self) -> Option<Table> {
        let seeds = self.seed_count();
        if seeds < 2 {
            return None;
        }
        let names = self.tokenizer_names();
        let mut t = Table::new(
            format!("MRR@10 of the trained encoder over {seeds} seeds: mean ± sd [95% interval]"),
            std::iter::once("language".to_string()).chain(names.iter().cloned()),
        );
        let languages = self.config.languages.iter().map(String::as_str);
        for lang in languages.chain([AVERAGE]) {
            let mut row = vec![Cell::text(lang)];
            for n in &names {
                row.push(match self.spread(n, lang, "trained", "mrr_at_10") {
                    Some(Spread {
                        mean,
                        sd: Some(sd),
                        ci95: Some(ci),
                        ..
                    }) => Cell::text(format!("{mean:.3} ± {sd:.3} {}", interval(*ci))),
                    Some(s) => Cell::Float(s.mean, 3),
                    None => Cell::Empty,
                });
            }
            t.row(row);
        }
        t.note(
            "sd: sample standard deviation over seeds; interval: two-sided Student-t 95% \
             interval of the mean over seeds. The average is taken per seed, then summarised.",
        );
        Some(t)
    }

    /// Every paired test: mean difference of the per-query reciprocal rank@10, its 95%
    /// bootstrap interval and the randomization test's p-value.
    pub(crate) fn comparison_table(&self) -> Option<Table> {
        let first = self.comparisons.first()?;
        let mut t = Table::new(
            "Paired tests over queries (reciprocal rank@10; encoder ranks averaged over seeds)",
            [
                "a",
                "b",
                "language",
                "mean a − b",
                "95% interval",
                "p",
                "significant (0.05)",
            ],
        );
        for c in &self.comparisons {
            t.row(vec![
                Cell::text(format!("{} ({})", c.a, method_label(&c.method_a))),
                Cell::text(format!("{} ({})", c.b, method_label(&c.method_b))),
                Cell::text(c.language.clone()),
                Cell::Float(c.mean_difference, 3),
                Cell::text(interval(c.ci95)),
                Cell::text(p_value_text(c.p_value)),
                Cell::text(if c.significant(0.05) { "yes" } else { "no" }),
            ]);
        }
        t.note(format!(
            "Two-sided paired randomization (sign-flip) test and paired percentile bootstrap, {} \
             resamples each; `average` pools the languages as strata (the statistic is the \
             difference of the averages over languages).",
            crate::render::group_thousands(first.resamples as i128)
        ));
        Some(t)
    }

    /// Query–code token overlap per tokenizer and language, with its Spearman correlation to
    /// BM25's and the trained encoder's per-query reciprocal rank.
    pub(crate) fn overlap_table(&self) -> Option<Table> {
        if self.overlap.is_empty() {
            return None;
        }
        let mut t = Table::new(
            "Query–code token overlap (share of a query's distinct tokens found in its code)",
            [
                "tokenizer",
                "language",
                "overlap",
                "Spearman with BM25 RR",
                "Spearman with encoder RR",
            ],
        );
        let corr = |c: Option<f64>| c.map_or(Cell::Empty, |v| Cell::Float(v, 3));
        for o in &self.overlap {
            t.row(vec![
                Cell::text(o.tokenizer.clone()),
                Cell::text(o.language.clone()),
                Cell::Percent(o.query_code_overlap, 1),
                corr(o.spearman_bm25),
                corr(o.spearman_trained),
            ]);
        }
        t.note(
            "Both sides cut as the models see them. RR: reciprocal rank@10 of the relevant code \
             per query (encoder: mean over seeds).",
        );
        Some(t)
    }
}

/// The label of a method in tables.
fn method_label(m: &str) -> &str {
    match m {
        method::TRAINED => "encoder",
        method::BM25 => "BM25",
        method::TRAINED_EQUAL_BYTES => "encoder, equal bytes",
        method::BM25_EQUAL_BYTES => "BM25, equal bytes",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_covers_pairs_and_bm25() {
        let names: Vec<String> = ["x", "y", "z"].iter().map(|s| s.to_string()).collect();
        let p = planned(&names);
        // 3 pairs × 4 methods + 3 encoder-vs-BM25, then 3 pretrained pairs + 3 model-vs-BM25.
        assert_eq!(p.len(), 21);
        assert_eq!(p[0], (("x".into(), "trained"), ("y".into(), "trained")));
        assert_eq!(p[14], (("z".into(), "trained"), ("z".into(), "bm25")));
        assert_eq!(
            p[15],
            (("x".into(), "pretrained"), ("y".into(), "pretrained"))
        );
        assert_eq!(p[20], (("z".into(), "pretrained"), ("z".into(), "bm25")));
    }

    #[test]
    fn stream_seeds_differ_by_label() {
        assert_ne!(stream_seed(1, &["a", "b"]), stream_seed(1, &["ab", ""]));
        assert_eq!(stream_seed(1, &["a"]), stream_seed(1, &["a"]));
    }
}
