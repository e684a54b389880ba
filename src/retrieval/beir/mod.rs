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
mod report;
mod run;

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
            for v in model.embed(chunk, kind)? {
                if out.data.is_empty() {
                    out.dim = v.len();
                }
                if v.len() != out.dim {
                    return Err(crate::Error::Model(format!(
                        "embeddings of different lengths ({} and {})",
                        out.dim,
                        v.len()
                    )));
                }
                out.data.extend_from_slice(&v);
            }
            progress(chunk.len());
        }
        Ok(out)
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
