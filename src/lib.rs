//! # tokstat
//!
//! Measure how tokenizers treat code and languages, how much of an encoder's parameter budget
//! its vocabulary eats, and whether the choice changes downstream embedding quality.
//!
//! The library behind the `tokstat` command line:
//! - [`tokenizer`]: the bundled real tokenizers (OLMo/ModernBERT BPE, XLM-R unigram, RoBERTa BPE,
//!   tiktoken encodings) and any `tokenizer.json`, behind one [`tokenizer::Tokenizer`] trait;
//! - [`analysis`]: pure functions over (text, encoding): compression, fertility, whitespace,
//!   identifiers, scripts, round trip;
//! - [`compare`]: several tokenizers side by side on the same files (`tokstat compare`);
//! - [`budget`]: exact parameter counts from model configs, vocabulary share, what-ifs
//!   (`tokstat budget`);
//! - [`vocab`]: vocabulary audit: composition, reachability, dead budget (`tokstat vocab`);
//! - [`parity`]: tokenization premium and fertility across languages on parallel text
//!   (`tokstat parity`);
//! - [`encoder`]: the bundled small ModernBERT-style encoder (candle), its optimiser and
//!   checkpoints;
//! - [`pretrained`]: pretrained BERT, XLM-RoBERTa and ModernBERT checkpoints (candle-transformers)
//!   embedding text as sentence-transformers does (`tokstat retrieval --pretrained`);
//! - [`retrieval`]: the code-retrieval experiment: one encoder trained per tokenizer, scored with
//!   MRR@10 / NDCG@10 / Recall@k, plus a BM25 baseline over token ids (`tokstat retrieval`);
//! - [`reproduction`]: the published comparison checked claim by claim (`tokstat report`);
//! - [`pairs`]: CodeSearchNet-style (query, code) pairs from source trees, parsed with
//!   tree-sitter (`tokstat pairs`);
//! - [`input`]: the one directory walker (ignore rules), reading text verbatim with clear errors
//!   for binary or non-UTF-8 data, and the log of skipped files;
//! - [`output`]: output files written atomically (temporary file, then rename);
//! - [`units`]: the one parser for counts (`400M`, `1.5B`) and the one rule for ratios;
//! - [`render`]: the [`render::Render`] contract every command's `*Report` implements, the
//!   table / JSON / CSV / Markdown renderers and SVG charts.
//!
//! ```
//! use tokstat::tokenizer;
//!
//! let modernbert = tokenizer::load("modernbert")?;
//! let roberta = tokenizer::load("roberta")?;
//! let indent = "        return x";
//! // OLMo's BPE (ModernBERT) spends one token on an 8-space indent, RoBERTa one per space.
//! assert!(modernbert.encode(indent, false)?.len() < roberta.encode(indent, false)?.len());
//! # Ok::<(), tokstat::Error>(())
//! ```

#![warn(missing_docs)]

pub mod analysis;
pub mod budget;
pub mod cli;
pub mod compare;
pub mod encoder;
mod error;
pub mod html;
pub mod input;
pub mod output;
pub mod pairs;
pub mod parity;
pub mod pretrained;
pub mod render;
pub mod reproduction;
pub mod retrieval;
mod swar;
#[cfg(test)]
mod test_text;
pub mod tiling;
pub mod tokenizer;
pub mod units;
pub mod vocab;
pub mod wire;

pub use error::{Error, Result};
