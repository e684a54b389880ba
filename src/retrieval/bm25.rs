//! BM25 over token ids: the training-free lexical baseline.
//!
//! Okapi BM25 (Robertson, Walker, Jones, Hancock-Beaulieu & Gatford 1994, "Okapi at TREC-3";
//! Robertson & Zaragoza 2009, "The Probabilistic Relevance Framework: BM25 and Beyond",
//! Found. Trends Inf. Retr. 3(4)), with the Robertson/Spärck Jones IDF in the non-negative
//! form Lucene uses:
//!
//! score(q, d) = Σ_{t ∈ set(q)} IDF(t) · tf(t,d)·(k₁+1) / (tf(t,d) + k₁·(1 − b + b·|d|/avgdl)),
//! IDF(t) = ln(1 + (N − n(t) + 0.5) / (n(t) + 0.5)),
//!
//! with k₁ = 1.2, b = 0.75, N documents, n(t) documents containing t, |d| the document length in
//! tokens. A term repeated in the query counts once. Terms are the tokenizer's ids, so the
//! tokenizer decides what counts as a lexical match.

use std::collections::HashMap;

/// BM25 k₁.
pub const K1: f64 = 1.2;
/// BM25 b.
pub const B: f64 = 0.75;

/// An inverted index over documents of token ids.
#[derive(Debug, Clone)]
pub struct Bm25Index {
    postings: HashMap<u32, Vec<(u32, u32)>>, // term → (doc, tf), docs ascending
    doc_len: Vec<f64>,
    avgdl: f64,
}

impl Bm25Index {
    /// Indexes the documents.
    pub fn new(docs: &[&[u32]]) -> Self {
        let mut postings: HashMap<u32, Vec<(u32, u32)>> = HashMap::new();
        for (d, doc) in docs.iter().enumerate() {
            let mut sorted = doc.to_vec();
            sorted.sort_unstable();
            let mut i = 0;
            while i < sorted.len() {
                let mut j = i;
                while j < sorted.len() && sorted[j] == sorted[i] {
                    j += 1;
                }
                postings
                    .entry(sorted[i])
                    .or_default()
                    .push((d as u32, (j - i) as u32));
                i = j;
            }
        }
        let doc_len: Vec<f64> = docs.iter().map(|d| d.len() as f64).collect();
        let avgdl = doc_len.iter().sum::<f64>() / doc_len.len().max(1) as f64;
        Bm25Index {
            postings,
            doc_len,
            avgdl: avgdl.max(f64::MIN_POSITIVE),
        }
    }

    /// Robertson/Spärck Jones IDF, non-negative form: ln(1 + (N − n + 0.5)/(n + 0.5)).
    pub fn idf(&self, term: u32) -> f64 {
        let n = self.postings.get(&term).map_or(0, Vec::len) as f64;
        let total = self.doc_len.len() as f64;
        (1.0 + (total - n + 0.5) / (n + 0.5)).ln()
    }

    /// BM25 scores of every document for `query` (query terms in ascending id order, so the
    /// floating-point sums are reproducible).
    pub fn scores(&self, query: &[u32]) -> Vec<f64> {
        let mut terms = query.to_vec();
        terms.sort_unstable();
        terms.dedup();
        let mut out = vec![0.0; self.doc_len.len()];
        for t in terms {
            let Some(list) = self.postings.get(&t) else {
                continue;
            };
            let idf = self.idf(t);
            for &(d, tf) in list {
                let tf = tf as f64;
                let norm = K1 * (1.0 - B + B * self.doc_len[d as usize] / self.avgdl);
                out[d as usize] += idf * tf * (K1 + 1.0) / (tf + norm);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_by_hand() {
        // Docs: d0 = [1, 1, 2] (len 3), d1 = [3] (len 1), d2 = [2, 4] (len 2); avgdl = 2, N = 3.
        // Query [1, 1]: term 1 once (set semantics), n(1) = 1:
        //   IDF = ln(1 + (3 − 1 + 0.5)/(1 + 0.5)) = ln(1 + 5/3) = ln(8/3) = 0.9808293.
        //   d0: tf 2, norm = 1.2·(0.25 + 0.75·3/2) = 1.2·1.375 = 1.65;
        //       2·2.2/(2 + 1.65) = 4.4/3.65 = 1.2054795 → score 1.1823695.
        let idx = Bm25Index::new(&[&[1, 1, 2], &[3], &[2, 4]]);
        let s = idx.scores(&[1, 1]);
        assert!((s[0] - 1.182_369_5).abs() < 1e-6, "{}", s[0]);
        assert_eq!(s[1], 0.0);
        assert_eq!(s[2], 0.0);
        // Term 2 in d0 (tf 1, len 3) and d2 (tf 1, len 2): n = 2, IDF = ln(1 + 1.5/2.5) = ln 1.6.
        // d2: norm = 1.2·(0.25 + 0.75) = 1.2; 2.2/(1 + 1.2) = 1 → score ln 1.6 = 0.4700036.
        // d0: 2.2/(1 + 1.65) = 0.8301887 → 0.3901916; the shorter document wins.
        let s = idx.scores(&[2]);
        assert!((s[2] - 1.6f64.ln()).abs() < 1e-12);
        assert!((s[0] - 0.390_191_6).abs() < 1e-6, "{}", s[0]);
    }
}
