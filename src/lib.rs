//! # tokstat
//!
//! Measure how tokenizers treat code and languages, how much of an encoder's parameter budget
//! its vocabulary eats, and whether the choice changes downstream embedding quality.
//!
//! The library behind the `tokstat` command line:
//! - [`tokenizer`]: the bundled real tokenizers (OLMo/ModernBERT BPE, XLM-R unigram, RoBERTa BPE,
//!   tiktoken encodings) and any `tokenizer.json`, behind one [`tokenizer::Tokenizer`] trait;
//! - [`input`]: reading text verbatim with clear errors for binary or non-UTF-8 data;
//! - [`report`]: the table / JSON / CSV / Markdown renderers every command shares;
//! - [`budget`]: exact parameter counts from model configs, vocabulary share, what-ifs;
//! - [`vocab`]: the vocabulary audit (composition, unreachable ids, overlap, corpus use, dead
//!   budget).
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
mod error;
pub mod input;
pub mod report;
pub mod tokenizer;
pub mod vocab;

pub use error::{Error, Result};
