//! Untrimmed byte spans of tokens, for analyses that attribute tokens to pieces of the text.
//!
//! Some tokenizers report trimmed offsets: RoBERTa's byte-level pipeline (`trim_offsets`) gives a
//! lone `Ġ` token the empty span `(7, 7)` and `Ġreturn` the span of `return` only. Whitespace
//! analysis needs the bytes a token really stands for, so for byte-level tokenizers the spans are
//! rebuilt from the token strings: each character of the GPT-2 byte alphabet is one byte, any
//! other character (added tokens such as OLMo's literal runs of spaces) its UTF-8 length, and the
//! spans are laid end to end. When these lengths do not add up to the text's length (a normaliser
//! changed the text, e.g. NFC), the tokenizer's own offsets are used instead. So are they for a
//! tokenizer whose offsets are its tokens' own bytes already
//! ([`Tokenizer::offsets_are_token_bytes`]: the tiktoken encodings).

use crate::Result;
use crate::tokenizer::lean::{laid_end_to_end, rebuilt_len, widened_offsets};
use crate::tokenizer::{Encoding, LeanEncoding, Tokenizer, is_byte_fallback};

/// `[start, end)` byte spans of the tokens of `enc` in `text`, on `char` boundaries, one per
/// token, sorted by start. See the module docs for how they are obtained.
pub fn token_spans(text: &str, enc: &Encoding, tokenizer: &dyn Tokenizer) -> Vec<(usize, usize)> {
    if tokenizer.is_byte_level()
        && !tokenizer.offsets_are_token_bytes()
        && let Some(spans) = rebuilt_spans(text, enc)
    {
        return spans;
    }
    widened_offsets(text, &enc.offsets)
}

/// `text` encoded without special tokens by `tokenizer`, as the analyses read it: the
/// tokenizer's own [`Tokenizer::encode_lean`] where it has one, otherwise [`lean_encoding`] of
/// [`Tokenizer::encode`].
pub fn encode_lean(text: &str, tokenizer: &dyn Tokenizer) -> Result<LeanEncoding> {
    if let Some(lean) = tokenizer.encode_lean(text)? {
        return Ok(lean);
    }
    let enc = tokenizer.encode(text, false)?;
    Ok(lean_encoding(text, &enc, tokenizer))
}

/// The [`LeanEncoding`] of `enc`, an encoding of `text` made without special tokens.
pub fn lean_encoding(text: &str, enc: &Encoding, tokenizer: &dyn Tokenizer) -> LeanEncoding {
    let mut lean = LeanEncoding {
        ids: enc.ids.clone(),
        offsets: enc.offsets.clone(),
        own_spans: None,
        byte_fallback_tokens: enc.tokens.iter().filter(|t| is_byte_fallback(t)).count() as u64,
        decodes_to_text: None,
    };
    lean.set_spans(token_spans(text, enc, tokenizer));
    lean
}

/// The spans of a byte-level encoding rebuilt from its token strings (module docs), or `None`
/// when their lengths do not add up to the text's.
fn rebuilt_spans(text: &str, enc: &Encoding) -> Option<Vec<(usize, usize)>> {
    laid_end_to_end(
        text,
        enc.tokens
            .iter()
            .zip(&enc.special)
            .map(|(tok, &special)| rebuilt_len(tok, special)),
    )
}

/// Token spans sorted by start as the walks over them read them
/// ([`crate::analysis::whitespace`], [`crate::analysis::identifiers`],
/// [`crate::analysis::text::word_token_counts`]): the spans, and where they tile the text, the
/// set of their starts ([`TokenStarts`]).
///
/// Where the spans tile the text, which byte-level BPE spans of ASCII text always do, a walk
/// reads how many tokens cover a range from the starts in it in a few word operations instead
/// of stepping through the tokens. The two readings agree; the walks' tests check both.
#[derive(Debug, Clone)]
pub struct TokenSpans<'a> {
    spans: &'a [(usize, usize)],
    starts: Option<TokenStarts>,
}

impl<'a> TokenSpans<'a> {
    /// `spans` (sorted by start) of the tokens of `text`.
    pub fn new(text: &str, spans: &'a [(usize, usize)]) -> Self {
        Self {
            spans,
            starts: TokenStarts::of_tiling(text, spans),
        }
    }

    /// `spans` read one token after another only, as where they do not tile.
    pub fn stepped(spans: &'a [(usize, usize)]) -> Self {
        Self {
            spans,
            starts: None,
        }
    }

    /// The spans.
    pub fn spans(&self) -> &'a [(usize, usize)] {
        self.spans
    }

    /// Their starts, where they tile the text.
    pub fn starts(&self) -> Option<&TokenStarts> {
        self.starts.as_ref()
    }
}

/// The starts of token spans that *tile* a text: non-empty spans on `char` boundaries, the first
/// starting at 0, each next one where the one before ends, the last ending at the text's end.
/// Then the tokens that overlap a range `[s, e)` of the text (`s < e`, within it) are the one
/// covering byte `s` and one per start in `(s, e)`, and the ends inside `(s, e)` are the starts
/// there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenStarts {
    /// Bit `i % 64` of word `i / 64` is set when a token starts at byte `i`.
    bits: Vec<u64>,
    /// The text's length in bytes.
    len: usize,
}

impl TokenStarts {
    /// The starts of `spans` if they tile `text` (type docs), else `None`.
    pub fn of_tiling(text: &str, spans: &[(usize, usize)]) -> Option<Self> {
        let b = text.as_bytes();
        let len = b.len();
        let mut bits = vec![0u64; len / 64 + 1];
        let mut at = 0usize;
        // The word being filled, kept in a register and stored whole after every start: the
        // starts only move forward, so a word is done once a start falls in the next one.
        let (mut word, mut filled) = (0usize, 0u64);
        for &(s, e) in spans {
            // A byte that is not a UTF-8 continuation byte starts a `char`.
            if s != at || s >= e || s >= len || (b[s] as i8) < -0x40 {
                return None;
            }
            let w = s / 64;
            filled = if w == word { filled } else { 0 } | 1 << (s % 64);
            bits[w] = filled;
            word = w;
            at = e;
        }
        // The last end is the text's end, so every end is on a boundary too.
        (at == len).then_some(Self { bits, len })
    }

    /// Whether a token starts at byte `i`.
    #[inline]
    pub fn has(&self, i: usize) -> bool {
        self.bits
            .get(i / 64)
            .is_some_and(|w| w >> (i % 64) & 1 == 1)
    }

    /// The words of the bitmap that `[a, b)` (clamped to the text, non-empty) touches, the
    /// first and the last, and the masks of the range's bits in those two.
    #[inline]
    fn range(&self, a: usize, b: usize) -> Option<(usize, usize, u64, u64)> {
        let b = b.min(self.len);
        if a >= b {
            return None;
        }
        let (first, last) = (a / 64, (b - 1) / 64);
        Some((first, last, !0u64 << (a % 64), !0u64 >> (63 - (b - 1) % 64)))
    }

    /// How many tokens start in `[a, b)`.
    #[inline]
    pub fn count(&self, a: usize, b: usize) -> u64 {
        let Some((first, last, low, high)) = self.range(a, b) else {
            return 0;
        };
        if first == last {
            return u64::from((self.bits[first] & low & high).count_ones());
        }
        let inner: u32 = self.bits[first + 1..last]
            .iter()
            .map(|w| w.count_ones())
            .sum();
        let ends = (self.bits[first] & low).count_ones() + (self.bits[last] & high).count_ones();
        u64::from(inner + ends)
    }

    /// Calls `f` with each start in `[a, b)`, in order.
    #[inline]
    pub fn for_each(&self, a: usize, b: usize, mut f: impl FnMut(usize)) {
        let Some((first, last, low, high)) = self.range(a, b) else {
            return;
        };
        for k in first..=last {
            let mut w = self.bits[k];
            if k == first {
                w &= low;
            }
            if k == last {
                w &= high;
            }
            while w != 0 {
                f(k * 64 + w.trailing_zeros() as usize);
                w &= w - 1;
            }
        }
    }

    /// The first start at or after `i`, or the text's length if there is none.
    #[inline]
    pub fn next_from(&self, i: usize) -> usize {
        let mut k = i / 64;
        let mut w = match self.bits.get(k) {
            Some(&w) if i < self.len => w & (!0u64 << (i % 64)),
            _ => return self.len,
        };
        while w == 0 {
            k += 1;
            match self.bits.get(k) {
                Some(&next) => w = next,
                None => return self.len,
            }
        }
        (k * 64 + w.trailing_zeros() as usize).min(self.len)
    }

    /// How many tokens overlap `[s, e)`: the one covering byte `s` and each starting in
    /// `(s, e)`; none for an empty range or one past the text.
    #[inline]
    pub fn overlapping(&self, s: usize, e: usize) -> u64 {
        if s >= e || s >= self.len {
            return 0;
        }
        1 + self.count(s + 1, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenizer;

    /// The tiktoken encodings' offsets, used as they are, equal the spans rebuilt from their
    /// token strings, on text with multi-byte characters split inside tokens.
    #[test]
    fn tiktoken_offsets_are_the_rebuilt_spans() {
        let text = "fn größe() {\n    return \"日本語のテキスト\"; // 😀 naïve\n\t\t}\n";
        for name in ["r50k_base", "cl100k_base", "o200k_base"] {
            let tok = tokenizer::load(name).unwrap();
            assert!(tok.offsets_are_token_bytes());
            let enc = tok.encode(text, false).unwrap();
            assert_eq!(
                Some(token_spans(text, &enc, tok.as_ref())),
                rebuilt_spans(text, &enc),
                "{name}"
            );
        }
    }

    #[test]
    fn roberta_spaces_get_their_bytes_back() {
        // RoBERTa reports "Ġ" tokens with empty trimmed offsets; rebuilt spans are one byte each.
        let tok = tokenizer::load("roberta").unwrap();
        let text = "a   b";
        let enc = tok.encode(text, false).unwrap();
        // GPT-2 pre-tokenisation: "a", "Ġ", "Ġ", "Ġb".
        assert_eq!(enc.tokens, vec!["a", "Ġ", "Ġ", "Ġb"]);
        assert_eq!(
            token_spans(text, &enc, tok.as_ref()),
            vec![(0, 1), (1, 2), (2, 3), (3, 5)]
        );
    }
}
