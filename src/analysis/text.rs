//! Compression and fertility of one encoding of one text.
//!
//! Definitions (as in `DESIGN.md`):
//! - bytes/token = Σ|utf8(d)| / Σ|t(d)|, chars/token likewise with Unicode scalar values.
//! - Fertility F = Σ_w |t(w)| / |W|: the number of tokens that overlap each word, averaged over
//!   words (Rust et al. 2021, "How Good is Your Tokenizer?"). A token that spans two words
//!   counts for both. Counted from the offsets of the full encoding, not by encoding words alone.
//! - Continued-word share: the share of words covered by two or more tokens (Rust et al. 2021).
//! - Words are UAX #29 word segments that contain at least one alphanumeric character
//!   (`unicode-segmentation`'s `unicode_word_indices`). UAX #29 has no dictionary: in unspaced
//!   scripts (Han, Hiragana/Katakana, Thai, Lao, Khmer, Myanmar) every character is its own word.
//!   Fertility there counts, per character, the tokens overlapping it: a token spanning three
//!   characters counts once for each, so values near 1 mean "about one token touches each
//!   character", not "words are kept whole". Compare such scripts by premium or chars/token.

use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

use crate::tokenizer::{Encoding, Tokenizer};

pub use crate::units::ratio;

/// Byte spans `[start, end)` of the UAX #29 words of `text` (segments with an alphanumeric
/// character).
pub fn word_spans(text: &str) -> Vec<(usize, usize)> {
    text.unicode_word_indices()
        .map(|(i, w)| (i, i + w.len()))
        .collect()
}

/// Additive counts for one text (or a sum over many) under one tokenizer.
///
/// Ratios are methods, so sums over many files stay exact: add the counts, then divide.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct TextStats {
    /// UTF-8 bytes.
    pub bytes: u64,
    /// Unicode scalar values.
    pub chars: u64,
    /// UAX #29 words (see the module docs).
    pub words: u64,
    /// Tokens, without post-processor special tokens.
    pub tokens: u64,
    /// Σ over words of the number of tokens overlapping the word.
    pub word_tokens: u64,
    /// Words overlapped by two or more tokens.
    pub continued_words: u64,
    /// Tokens equal to the tokenizer's unknown token.
    pub unk_tokens: u64,
    /// SentencePiece byte-fallback tokens (`<0x0A>` …).
    pub byte_fallback_tokens: u64,
}

impl TextStats {
    /// Adds another text's counts.
    pub fn add(&mut self, o: &TextStats) {
        self.bytes += o.bytes;
        self.chars += o.chars;
        self.words += o.words;
        self.tokens += o.tokens;
        self.word_tokens += o.word_tokens;
        self.continued_words += o.continued_words;
        self.unk_tokens += o.unk_tokens;
        self.byte_fallback_tokens += o.byte_fallback_tokens;
    }

    /// bytes / tokens.
    pub fn bytes_per_token(&self) -> f64 {
        ratio(self.bytes as f64, self.tokens as f64)
    }

    /// chars / tokens.
    pub fn chars_per_token(&self) -> f64 {
        ratio(self.chars as f64, self.tokens as f64)
    }

    /// Fertility: tokens per word (module docs).
    pub fn fertility(&self) -> f64 {
        ratio(self.word_tokens as f64, self.words as f64)
    }

    /// Share of words split into two or more tokens.
    pub fn continued_word_share(&self) -> f64 {
        ratio(self.continued_words as f64, self.words as f64)
    }

    /// Unknown tokens per token.
    pub fn unk_rate(&self) -> f64 {
        ratio(self.unk_tokens as f64, self.tokens as f64)
    }
}

/// Whether a token string is a SentencePiece byte-fallback piece such as `<0x0A>`.
pub fn is_byte_fallback(token: &str) -> bool {
    let b = token.as_bytes();
    b.len() == 6
        && token.starts_with("<0x")
        && token.ends_with('>')
        && b[3].is_ascii_hexdigit()
        && b[4].is_ascii_hexdigit()
}

/// Counts for `text` given its encoding (made without special tokens) by `tokenizer`.
pub fn text_stats(text: &str, enc: &Encoding, tokenizer: &dyn Tokenizer) -> TextStats {
    let unk = tokenizer.unk_id();
    let words = word_spans(text);
    let (word_tokens, continued) = word_token_counts(&words, &enc.offsets);
    TextStats {
        bytes: text.len() as u64,
        chars: text.chars().count() as u64,
        words: words.len() as u64,
        tokens: enc.ids.len() as u64,
        word_tokens,
        continued_words: continued,
        unk_tokens: enc.ids.iter().filter(|&&id| Some(id) == unk).count() as u64,
        byte_fallback_tokens: enc.tokens.iter().filter(|t| is_byte_fallback(t)).count() as u64,
    }
}

/// (Σ tokens overlapping each word, words overlapped by ≥ 2 tokens). A token `[a, b)` overlaps
/// a word `[s, e)` when `a < e && b > s`; empty token spans overlap nothing.
pub fn word_token_counts(words: &[(usize, usize)], offsets: &[(usize, usize)]) -> (u64, u64) {
    let mut spans: Vec<(usize, usize)> = offsets.iter().copied().filter(|(a, b)| a < b).collect();
    spans.sort_unstable();
    // Token spans sorted by start; for each word scan forward from the first token that can
    // still overlap it.
    let mut first = 0usize;
    let mut total = 0u64;
    let mut continued = 0u64;
    for &(s, e) in words {
        // Words come in order, so a token ending before this word ends before every later one.
        while first < spans.len() && spans[first].1 <= s {
            first += 1;
        }
        let mut n = 0u64;
        let mut i = first;
        while i < spans.len() && spans[i].0 < e {
            if spans[i].1 > s {
                n += 1;
            }
            i += 1;
        }
        total += n;
        if n >= 2 {
            continued += 1;
        }
    }
    (total, continued)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fertility_by_hand() {
        // "unhappy cats": words [0,7) and [8,12).
        // tokens: "un"[0,2) "happy"[2,7) " cats"[8,12) → 3 word tokens over 2 words.
        let words = word_spans("unhappy cats");
        assert_eq!(words, vec![(0, 7), (8, 12)]);
        let (t, c) = word_token_counts(&words, &[(0, 2), (2, 7), (8, 12)]);
        assert_eq!((t, c), (3, 1));
        // A token spanning both words counts for both.
        let (t, c) = word_token_counts(&words, &[(0, 12)]);
        assert_eq!((t, c), (2, 0));
        // Empty spans (special tokens) count for nothing.
        let (t, _) = word_token_counts(&words, &[(0, 0), (0, 7), (8, 12), (12, 12)]);
        assert_eq!(t, 2);
    }

    #[test]
    fn words_skip_punctuation_and_spaces() {
        assert_eq!(word_spans("  a, b!").len(), 2);
        assert_eq!(word_spans("").len(), 0);
        // Han: one word per ideograph under UAX #29.
        assert_eq!(word_spans("中文字").len(), 3);
    }

    #[test]
    fn empty_is_zeros() {
        let s = TextStats::default();
        assert_eq!(s.fertility(), 0.0);
        assert_eq!(s.bytes_per_token(), 0.0);
    }

    #[test]
    fn byte_fallback() {
        assert!(is_byte_fallback("<0x0A>"));
        assert!(!is_byte_fallback("<0xZZ>"));
        assert!(!is_byte_fallback("<unk>"));
    }
}
