//! Retrieval evaluation on a set in the BEIR layout ([`data`]): a corpus far larger than the
//! query set, several relevant documents per query, graded relevance — the layout of BEIR, the
//! MTEB and CoIR retrieval tasks, CoSQA, and a team's own search logs.
//!
//! Every judged query of the split is ranked against the **whole corpus**; the first
//! [`graded::DEPTH`] documents are kept, by [`graded::top_k`] (ties broken against the query,
//! as in the pair evaluation), and scored with the metrics of [`graded`] (NDCG@10, MAP@100,
//! MRR@10, Recall@1/5/10/100, as pytrec_eval computes them). Queries without a relevant
//! judgement are skipped and counted.
//!
//! Methods: BM25 over the tokenizer's ids ([`super::bm25`]), and any model that embeds texts
//! ([`TextEmbedder`]): the bundled encoder trained on the set's `train` judgements or loaded
//! from a checkpoint, or a pretrained model. Scoring streams: each query's scores over the
//! corpus live only while its top 100 is selected, so memory is the corpus, its token ids (cut
//! to the code token limit), one embedding per document and 100 hits per query.

pub mod convert;
pub mod data;
mod pretrained;
mod report;
mod run;
pub mod seeds;

pub use report::{BeirConfig, BeirReport, BeirRow, BeirTiming, SetInfo, TokenizerRef};
pub use run::run;

use rayon::prelude::*;

use super::graded::{self, GradedMetrics, Judgements};
use crate::Result;

/// Whether texts are queries or documents (some models embed them differently).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// A search query.
    Query,
    /// A corpus document.
    Document,
}

/// A model that embeds texts as vectors compared by dot product (unit vectors: cosine).
///
/// The bundled encoder implements it; so can a pretrained model. Implementations must be
/// deterministic and give each text the same vector whatever batch it comes in.
pub trait TextEmbedder: Sync {
    /// One vector per text, in order, all of the same length.
    fn embed(&self, texts: &[&str], kind: TextKind) -> Result<Vec<Vec<f32>>>;
}

/// Documents embedded per call to [`TextEmbedder::embed`] (and per progress-bar step).
pub const EMBED_BATCH: usize = 1024;

/// Embeddings of many texts in one flat row-major buffer.
#[derive(Debug, Clone, Default)]
pub struct Embeddings {
    dim: usize,
    data: Vec<f32>,
}

impl Embeddings {
    /// Embeds `texts` in batches of [`EMBED_BATCH`], calling `progress` with each batch's size.
    pub fn of(
        model: &dyn TextEmbedder,
        texts: &[&str],
        kind: TextKind,
        progress: impl Fn(usize),
    ) -> Result<Self> {
        let mut out = Embeddings::default();
        for chunk in texts.chunks(EMBED_BATCH) {
            out.extend(model.embed(chunk, kind)?)?;
            progress(chunk.len());
        }
        Ok(out)
    }

    /// The vectors `rows`, in order, all of the same length.
    pub fn from_rows(rows: Vec<Vec<f32>>) -> Result<Self> {
        let mut out = Embeddings::default();
        out.extend(rows)?;
        Ok(out)
    }

    fn extend(&mut self, rows: Vec<Vec<f32>>) -> Result<()> {
        for v in rows {
            if self.data.is_empty() {
                self.dim = v.len();
            }
            if v.len() != self.dim {
                return Err(crate::Error::Model(format!(
                    "embeddings of different lengths ({} and {})",
                    self.dim,
                    v.len()
                )));
            }
            self.data.extend_from_slice(&v);
        }
        Ok(())
    }

    /// Number of vectors.
    pub fn len(&self) -> usize {
        self.data.len().checked_div(self.dim).unwrap_or(0)
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Vector `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }

    /// Dot products of `query` with every vector, summed in f32 in index order (as the pair
    /// evaluation does).
    pub fn scores(&self, query: &[f32]) -> Vec<f64> {
        if self.dim == 0 {
            return Vec::new();
        }
        self.data
            .chunks_exact(self.dim)
            .map(|d| query.iter().zip(d).map(|(a, b)| a * b).sum::<f32>() as f64)
            .collect()
    }
}

/// One query's outcome: its best documents (index, score), best first, and its metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryRun {
    /// The first [`graded::DEPTH`] documents, best first.
    pub hits: Vec<(u32, f64)>,
    /// Its metrics.
    pub metrics: GradedMetrics,
}

/// Ranks the corpus for each judged query and scores it: `scores(i)` gives the score of every
/// document for the i-th judged query. Queries run in parallel; results are in query order and
/// do not depend on the thread count.
pub fn rank_queries(
    judgements: &[Judgements],
    scores: impl Fn(usize) -> Vec<f64> + Sync,
    progress: impl Fn() + Sync,
) -> Vec<QueryRun> {
    judgements
        .par_iter()
        .enumerate()
        .map(|(i, judged)| {
            let hits = graded::top_k(&scores(i), judged, graded::DEPTH);
            progress();
            query_run(hits, judged)
        })
        .collect()
}

/// The metrics of ranked hits under a query's judgements.
pub fn query_run(hits: Vec<(u32, f64)>, judged: &Judgements) -> QueryRun {
    let grades: Vec<u32> = hits.iter().map(|&(d, _)| judged.grade(d)).collect();
    QueryRun {
        metrics: GradedMetrics::of_query(&grades, &judged.grades()),
        hits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A model that embeds a text as its counts of `a`, `b`, `c`, normalised: enough to check
    /// batching and scoring without the encoder.
    struct Letters {
        dims: usize,
    }

    impl TextEmbedder for Letters {
        fn embed(&self, texts: &[&str], _: TextKind) -> Result<Vec<Vec<f32>>> {
            Ok(texts
                .iter()
                .map(|t| {
                    let v: Vec<f32> = ['a', 'b', 'c']
                        .iter()
                        .take(self.dims)
                        .map(|&l| t.chars().filter(|&c| c == l).count() as f32)
                        .collect();
                    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-9);
                    v.into_iter().map(|x| x / n).collect()
                })
                .collect())
        }
    }

    #[test]
    fn embeddings_are_batched_in_order_and_scored_by_dot_product() {
        let texts: Vec<String> = (0..2500)
            .map(|i| ["aa", "bb", "cc"][i % 3].to_string())
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let batches = std::sync::Mutex::new(Vec::new());
        let m = Letters { dims: 3 };
        let docs = Embeddings::of(&m, &refs, TextKind::Document, |n| {
            batches.lock().unwrap().push(n)
        })
        .unwrap();
        assert_eq!(batches.into_inner().unwrap(), [1024, 1024, 452]);
        assert_eq!(docs.len(), 2500);
        assert_eq!(docs.row(4), [0.0, 1.0, 0.0]);
        let q = Embeddings::of(&m, &["b"], TextKind::Query, |_| ()).unwrap();
        let scores = docs.scores(q.row(0));
        assert_eq!(scores[..3], [0.0, 1.0, 0.0]);
        // The query's relevant documents are every "bb": index 1, 4, 7, …; ties among them and
        // among the rest leave the ranking by index.
        let judged = Judgements::new(vec![(1, 1), (4, 2), (2, 0)]);
        let hits = graded::top_k(&scores, &judged, graded::DEPTH);
        assert_eq!(
            hits[..3].iter().map(|h| h.0).collect::<Vec<_>>(),
            [7, 10, 13]
        );
    }

    #[test]
    fn vectors_of_different_lengths_are_an_error() {
        struct Ragged;
        impl TextEmbedder for Ragged {
            fn embed(&self, texts: &[&str], _: TextKind) -> Result<Vec<Vec<f32>>> {
                Ok(texts.iter().map(|t| vec![0.0; t.len()]).collect())
            }
        }
        let e = Embeddings::of(&Ragged, &["ab", "abc"], TextKind::Document, |_| ());
        assert!(e.unwrap_err().to_string().contains("different lengths"));
    }
}
