//! Pure functions over (text, encoding): compression, fertility and related counts.
//!
//! No I/O and no printing here; commands call these and render the results.

pub mod text;

pub use text::{TextStats, ratio, text_stats, word_spans};
