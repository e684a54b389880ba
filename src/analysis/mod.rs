//! Pure functions over (text, encoding): compression, fertility, whitespace, identifiers,
//! scripts and round trip.
//!
//! No I/O and no printing here; commands call these and render the results.

pub mod identifiers;
pub mod roundtrip;
pub mod scripts;
pub mod spans;
pub mod text;
pub mod whitespace;

pub use text::{TextStats, ratio, text_stats, text_stats_of_words, word_spans};
