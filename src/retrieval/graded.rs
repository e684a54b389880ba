//! Graded ranking metrics with several relevant documents per query, as BEIR (Thakur et al.
//! 2021, arXiv:2104.08663) and MTEB (Muennighoff et al. 2023, arXiv:2210.07316) compute them
//! with `pytrec_eval` (Van Gysel & de Rijke 2018, the trec_eval bindings).
//!
//! A query's judgements give each judged document a grade g ≥ 0; a document is *relevant* when
//! g ≥ 1 (trec_eval's default relevance level), R is the number of relevant documents, and the
//! ranking is the list of grades in rank order (unjudged documents have grade 0). With the
//! discount 1/log₂(r + 1) of rank r ([`metrics::ndcg_at`]):
//!
//! - NDCG@10 (Järvelin & Kekäläinen 2002, trec_eval `ndcg_cut.10`): DCG@10 = Σ_{r≤10} g_r /
//!   log₂(r + 1), divided by the DCG@10 of the ideal ranking (every judged grade, descending);
//!   the gain is the grade itself (linear), as in trec_eval;
//! - MAP@100 (trec_eval `map_cut.100`): Σ over relevant documents at ranks r ≤ 100 of
//!   precision@r, divided by R (relevant documents never retrieved count as zero);
//! - MRR@10 (BEIR's `mrr@10`; trec_eval `recip_rank` on the top 10): 1/r of the first relevant
//!   document if r ≤ 10, else 0 ([`metrics::reciprocal_rank_at`]);
//! - Recall@k (trec_eval `recall.k`): relevant documents in the top k, divided by R.
//!
//! Means are taken over the queries with R ≥ 1; queries without a relevant judgement are
//! skipped (and counted) by the caller. With exactly one relevant document of grade 1 every
//! metric equals its single-relevant form in [`metrics`].

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use super::metrics;

/// The largest rank any metric looks at: a ranking longer than this changes nothing.
pub const DEPTH: usize = 100;

/// Graded metrics of one query, or their mean over queries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct GradedMetrics {
    /// NDCG@10 with the grades as gains.
    pub ndcg_at_10: f64,
    /// Mean average precision cut at rank 100.
    pub map_at_100: f64,
    /// Reciprocal rank of the first relevant document, cut at 10.
    pub mrr_at_10: f64,
    /// Recall@1.
    pub recall_at_1: f64,
    /// Recall@5.
    pub recall_at_5: f64,
    /// Recall@10.
    pub recall_at_10: f64,
    /// Recall@100.
    pub recall_at_100: f64,
}

/// Whether a grade counts as relevant (trec_eval's relevance level 1).
pub fn is_relevant(grade: u32) -> bool {
    grade >= 1
}

/// DCG@k of grades in rank order.
fn dcg_at(grades: impl Iterator<Item = u32>, k: usize) -> f64 {
    grades
        .take(k)
        .enumerate()
        .map(|(i, g)| g as f64 * metrics::ndcg_at(i + 1, k))
        .sum()
}

impl GradedMetrics {
    /// The metrics of one query: `ranked` holds the grades of the retrieved documents in rank
    /// order (at least the first [`DEPTH`]), `judged` the grades of every judged document of the
    /// query, retrieved or not. A query without a relevant judgement gets all zeros.
    pub fn of_query(ranked: &[u32], judged: &[u32]) -> Self {
        let relevant = judged.iter().filter(|&&g| is_relevant(g)).count();
        if relevant == 0 {
            return Self::default();
        }
        let r = relevant as f64;
        let mut ideal = judged.to_vec();
        ideal.sort_unstable_by(|a, b| b.cmp(a));
        let ideal_dcg = dcg_at(ideal.into_iter(), 10);
        let hits_at = |k: usize| ranked.iter().take(k).filter(|&&g| is_relevant(g)).count() as f64;
        let mut hits = 0.0;
        let mut precision_sum = 0.0;
        for (i, _) in ranked
            .iter()
            .take(DEPTH)
            .enumerate()
            .filter(|&(_, &g)| is_relevant(g))
        {
            hits += 1.0;
            precision_sum += hits / (i + 1) as f64;
        }
        let first = ranked.iter().position(|&g| is_relevant(g));
        GradedMetrics {
            ndcg_at_10: dcg_at(ranked.iter().copied(), 10) / ideal_dcg,
            map_at_100: precision_sum / r,
            mrr_at_10: first.map_or(0.0, |i| metrics::reciprocal_rank_at(i + 1, 10)),
            recall_at_1: hits_at(1) / r,
            recall_at_5: hits_at(5) / r,
            recall_at_10: hits_at(10) / r,
            recall_at_100: hits_at(100) / r,
        }
    }

    /// The unweighted mean over queries (all zeros for none).
    pub fn mean(queries: &[GradedMetrics]) -> Self {
        let n = queries.len().max(1) as f64;
        let avg = |f: fn(&GradedMetrics) -> f64| queries.iter().map(f).sum::<f64>() / n;
        GradedMetrics {
            ndcg_at_10: avg(|m| m.ndcg_at_10),
            map_at_100: avg(|m| m.map_at_100),
            mrr_at_10: avg(|m| m.mrr_at_10),
            recall_at_1: avg(|m| m.recall_at_1),
            recall_at_5: avg(|m| m.recall_at_5),
            recall_at_10: avg(|m| m.recall_at_10),
            recall_at_100: avg(|m| m.recall_at_100),
        }
    }
}

/// The judgements of one query: (document index, grade), sorted by document index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Judgements(Vec<(u32, u32)>);

impl Judgements {
    /// Collects judgements; a document judged twice keeps its last grade.
    pub fn new(mut pairs: Vec<(u32, u32)>) -> Self {
        pairs.reverse();
        pairs.sort_by_key(|&(d, _)| d); // stable: the last judgement comes first
        pairs.dedup_by_key(|&mut (d, _)| d);
        Judgements(pairs)
    }

    /// The grade of a document (0 when unjudged).
    pub fn grade(&self, doc: u32) -> u32 {
        self.0
            .binary_search_by_key(&doc, |&(d, _)| d)
            .map_or(0, |i| self.0[i].1)
    }

    /// Every judged grade.
    pub fn grades(&self) -> Vec<u32> {
        self.0.iter().map(|&(_, g)| g).collect()
    }

    /// Whether any judgement is relevant.
    pub fn has_relevant(&self) -> bool {
        self.0.iter().any(|&(_, g)| is_relevant(g))
    }

    /// The judged (document, grade) pairs, by document index.
    pub fn pairs(&self) -> &[(u32, u32)] {
        &self.0
    }
}

/// Rank order with ties broken against the query, the rule of [`metrics::gold_rank`] extended
/// to grades: higher score first (NaN below every number); among equal scores the lower grade
/// first, so a relevant document comes after every non-relevant one it ties with and a tie
/// never raises a metric; then the lower document index (which changes no metric).
pub fn rank_order(a: (u32, f64), b: (u32, f64), judged: &Judgements) -> Ordering {
    let by_score = match (a.1.is_nan(), b.1.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => b.1.partial_cmp(&a.1).unwrap_or(Ordering::Equal),
    };
    by_score
        .then_with(|| judged.grade(a.0).cmp(&judged.grade(b.0)))
        .then_with(|| a.0.cmp(&b.0))
}

/// The `k` best documents under `scores` (one per document index), best first, by
/// [`rank_order`]: a selection in O(n) plus a sort of the k kept, so no full ranking is built.
pub fn top_k(scores: &[f64], judged: &Judgements, k: usize) -> Vec<(u32, f64)> {
    let mut all: Vec<(u32, f64)> = scores
        .iter()
        .enumerate()
        .map(|(i, &s)| (i as u32, s))
        .collect();
    let cmp = |a: &(u32, f64), b: &(u32, f64)| rank_order(*a, *b, judged);
    if k == 0 {
        return Vec::new();
    }
    if k < all.len() {
        all.select_nth_unstable_by(k - 1, cmp);
        all.truncate(k);
    }
    all.sort_unstable_by(cmp);
    all.shrink_to_fit(); // the kept hits must not hold on to the whole corpus's capacity
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_agrees_with_gold_rank() {
        // Scores with many ties, NaN included; one relevant document per trial.
        let scores = [0.5, 0.9, 0.5, f64::NAN, 0.1, 0.5, 0.9, f64::NAN];
        for gold in 0..scores.len() {
            let judged = Judgements::new(vec![(gold as u32, 1)]);
            let ranked = top_k(&scores, &judged, scores.len());
            let pos = ranked.iter().position(|&(d, _)| d == gold as u32).unwrap();
            assert_eq!(pos + 1, metrics::gold_rank(&scores, gold), "gold {gold}");
            // A cut ranking is the prefix of the full one.
            assert_eq!(top_k(&scores, &judged, 3), ranked[..3].to_vec());
        }
    }

    #[test]
    fn kept_hits_do_not_hold_the_corpus() {
        // Memory per query is O(k), not O(documents): 100 queries of a 100k corpus keep 100 hits.
        let hits = top_k(&vec![0.5; 10_000], &Judgements::default(), 10);
        assert_eq!(hits.len(), 10);
        assert!(hits.capacity() < 100, "capacity {}", hits.capacity());
    }

    #[test]
    fn ties_put_lower_grades_first() {
        let judged = Judgements::new(vec![(0, 2), (1, 1), (3, 0)]);
        let ranked: Vec<u32> = top_k(&[1.0, 1.0, 1.0, 1.0, 2.0], &judged, 5)
            .into_iter()
            .map(|(d, _)| d)
            .collect();
        assert_eq!(ranked, [4, 2, 3, 1, 0]);
    }

    #[test]
    fn by_hand() {
        // Ranked grades [0, 2, 0, 1]; judged {2, 1, 3} (the grade-3 document never retrieved).
        // DCG@10 = 2/log2(3) + 1/log2(5) = 1.2618595 + 0.4306766 = 1.6925361;
        // IDCG@10 = 3 + 2/log2(3) + 1/2 = 4.7618595 → NDCG@10 = 0.3554360.
        // AP@100 = (1/2 + 2/4) / 3 = 1/3; RR@10 = 1/2; Recall@1 = 0, @5 = 2/3.
        let m = GradedMetrics::of_query(&[0, 2, 0, 1], &[2, 1, 3]);
        assert!(
            (m.ndcg_at_10 - 0.355_436_0).abs() < 1e-6,
            "{}",
            m.ndcg_at_10
        );
        assert!((m.map_at_100 - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(m.mrr_at_10, 0.5);
        assert_eq!(m.recall_at_1, 0.0);
        assert!((m.recall_at_5 - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn one_relevant_document_equals_the_binary_metrics() {
        for rank in [1, 2, 7, 10, 11, 60] {
            let mut ranked = vec![0; 100];
            ranked[rank - 1] = 1;
            let g = GradedMetrics::of_query(&ranked, &[1, 0, 0]);
            let b = metrics::RankingMetrics::from_ranks(&[rank]);
            assert_eq!(g.ndcg_at_10, b.ndcg_at_10);
            assert_eq!(g.mrr_at_10, b.mrr_at_10);
            assert_eq!(
                (g.recall_at_1, g.recall_at_5, g.recall_at_10),
                (b.recall_at_1, b.recall_at_5, b.recall_at_10)
            );
        }
    }

    #[test]
    fn no_relevant_judgement_is_all_zero() {
        assert_eq!(
            GradedMetrics::of_query(&[0, 0], &[0, 0]),
            GradedMetrics::default()
        );
    }
}
