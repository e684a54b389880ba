//! Ranking metrics for retrieval with one relevant document per query.
//!
//! As in MTEB's CodeSearchNetRetrieval and the CodeSearchNet challenge (Husain et al. 2019,
//! arXiv:1909.09436): each query is ranked against every candidate of its language, exactly one
//! candidate is relevant. With the 1-based rank r of the relevant document:
//!
//! - RR@10 = 1/r if r ≤ 10, else 0; MRR@10 is its mean over queries (Voorhees 1999, TREC-8 QA);
//! - NDCG@10 with binary relevance (Järvelin & Kekäläinen 2002): DCG@10 = 1/log₂(r + 1) if
//!   r ≤ 10, else 0; the ideal DCG is 1 (the relevant document first), so NDCG@10 = DCG@10;
//! - Recall@k = 1 if r ≤ k, else 0 (one relevant document), averaged over queries.
//!
//! **Ties** are broken pessimistically: the relevant document is ranked after every other
//! candidate with an equal score, r = 1 + #{j ≠ gold : s_j ≥ s_gold}. A model that gives every
//! candidate the same score (or a BM25 query that shares no token with any document) therefore
//! gets the worst rank, not the best; scores that are NaN count as below every number.

use serde::{Deserialize, Serialize};

/// The 1-based rank of candidate `gold` under `scores` (higher is better), ties pessimistic.
pub fn gold_rank(scores: &[f64], gold: usize) -> usize {
    let g = scores[gold];
    if g.is_nan() {
        return scores.len();
    }
    1 + scores
        .iter()
        .enumerate()
        .filter(|&(j, &s)| j != gold && s >= g)
        .count()
}

/// Reciprocal rank cut at `k`: 1/r if r ≤ k else 0.
pub fn reciprocal_rank_at(rank: usize, k: usize) -> f64 {
    if rank <= k { 1.0 / rank as f64 } else { 0.0 }
}

/// NDCG@k with one relevant document (binary relevance): 1/log₂(r + 1) if r ≤ k else 0.
pub fn ndcg_at(rank: usize, k: usize) -> f64 {
    if rank <= k {
        1.0 / ((rank + 1) as f64).log2()
    } else {
        0.0
    }
}

/// Recall@k with one relevant document: 1 if r ≤ k else 0.
pub fn recall_at(rank: usize, k: usize) -> f64 {
    if rank <= k { 1.0 } else { 0.0 }
}

/// Mean metrics over a set of queries.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RankingMetrics {
    /// Number of queries.
    pub queries: usize,
    /// Mean reciprocal rank at 10.
    pub mrr_at_10: f64,
    /// NDCG@10, binary relevance.
    pub ndcg_at_10: f64,
    /// Recall@1.
    pub recall_at_1: f64,
    /// Recall@5.
    pub recall_at_5: f64,
    /// Recall@10.
    pub recall_at_10: f64,
}

impl RankingMetrics {
    /// Averages the per-query metrics of the given ranks (empty → all zero).
    pub fn from_ranks(ranks: &[usize]) -> Self {
        let n = ranks.len().max(1) as f64;
        let mean = |f: &dyn Fn(usize) -> f64| ranks.iter().map(|&r| f(r)).sum::<f64>() / n;
        RankingMetrics {
            queries: ranks.len(),
            mrr_at_10: mean(&|r| reciprocal_rank_at(r, 10)),
            ndcg_at_10: mean(&|r| ndcg_at(r, 10)),
            recall_at_1: mean(&|r| recall_at(r, 1)),
            recall_at_5: mean(&|r| recall_at(r, 5)),
            recall_at_10: mean(&|r| recall_at(r, 10)),
        }
    }

    /// Expected metrics of a uniformly random ranking of `candidates` documents:
    /// `E[RR@10] = H₁₀/N`, `E[NDCG@10] = Σ_{r≤10} 1/(N·log₂(r+1))`, `E[Recall@k] = min(k, N)/N`.
    pub fn random(candidates: usize, queries: usize) -> Self {
        let n = candidates.max(1) as f64;
        let upto = 10.min(candidates);
        RankingMetrics {
            queries,
            mrr_at_10: (1..=upto).map(|r| 1.0 / r as f64).sum::<f64>() / n,
            ndcg_at_10: (1..=upto).map(|r| ndcg_at(r, 10)).sum::<f64>() / n,
            recall_at_1: 1.0f64.min(n) / n,
            recall_at_5: 5.0f64.min(n) / n,
            recall_at_10: 10.0f64.min(n) / n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_with_ties_are_pessimistic() {
        // Gold = index 0. Scores 0.5 vs [0.9, 0.5, 0.1]: one strictly higher, one tie → rank 3.
        assert_eq!(gold_rank(&[0.5, 0.9, 0.5, 0.1], 0), 3);
        // All equal: the gold goes last among 4 → rank 4.
        assert_eq!(gold_rank(&[1.0; 4], 2), 4);
        // Strictly best → rank 1.
        assert_eq!(gold_rank(&[0.1, 0.2, 3.0], 2), 1);
        // NaN gold → last.
        assert_eq!(gold_rank(&[f64::NAN, 0.2, 3.0], 0), 3);
    }

    #[test]
    fn metrics_by_hand() {
        // Ranks 1, 2, 4, 11 (four queries).
        // RR@10: 1, 1/2, 1/4, 0 → mean (1.75)/4 = 0.4375.
        // NDCG@10: 1, 1/log2(3) = 0.6309298, 1/log2(5) = 0.4306766, 0 → mean 0.5154016.
        // R@1: 1/4; R@5: 3/4; R@10: 3/4 (rank 11 is outside every cut-off).
        let m = RankingMetrics::from_ranks(&[1, 2, 4, 11]);
        assert_eq!(m.queries, 4);
        assert!((m.mrr_at_10 - 0.4375).abs() < 1e-12);
        assert!(
            (m.ndcg_at_10 - 0.515_401_6).abs() < 1e-6,
            "{}",
            m.ndcg_at_10
        );
        assert_eq!(m.recall_at_1, 0.25);
        assert_eq!(m.recall_at_5, 0.75);
        assert_eq!(m.recall_at_10, 0.75);
    }

    #[test]
    fn cut_off_at_exactly_ten() {
        assert_eq!(reciprocal_rank_at(10, 10), 0.1);
        assert_eq!(reciprocal_rank_at(11, 10), 0.0);
        assert!((ndcg_at(10, 10) - 1.0 / 11f64.log2()).abs() < 1e-15);
        assert_eq!(recall_at(5, 5), 1.0);
        assert_eq!(recall_at(6, 5), 0.0);
    }

    #[test]
    fn random_ranking_expectation() {
        // 20 candidates: E[RR@10] = H10/20 = 2.9289683/20 = 0.1464484; E[R@5] = 5/20.
        let m = RankingMetrics::random(20, 1);
        assert!((m.mrr_at_10 - 0.146_448_4).abs() < 1e-6);
        assert_eq!(m.recall_at_5, 0.25);
        // Every rank 1..=20 once is exactly a uniform random ranking in expectation.
        let all: Vec<usize> = (1..=20).collect();
        let exact = RankingMetrics::from_ranks(&all);
        assert!((exact.ndcg_at_10 - m.ndcg_at_10).abs() < 1e-12);
    }
}
