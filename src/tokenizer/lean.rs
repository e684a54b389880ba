//! The lean encoding the analyses read ([`super::LeanEncoding`]) and the rules its spans follow, shared
//! by the tokenizers' own lean paths and `analysis::spans` (which documents them): a token's
//! length when tokens are laid end to end, the laying, and the widened-offsets fallback.

use super::{char_to_byte, widen_to_char_boundaries};

/// The bytes a token stands for when tokens are laid end to end ([`crate::analysis::spans`]): a special added
/// token's own length (it is matched verbatim in the text); otherwise one byte per character of
/// the GPT-2 byte alphabet and its UTF-8 length for any other character.
pub(crate) fn rebuilt_len(token: &str, special: bool) -> usize {
    if special {
        return token.len();
    }
    token
        .chars()
        .map(|c| {
            if char_to_byte(c).is_some() {
                1
            } else {
                c.len_utf8()
            }
        })
        .sum()
}

/// Spans of tokens of `lens` bytes laid end to end from the start of `text`, widened to `char`
/// boundaries, or `None` when the lengths do not add up to the text's.
pub(crate) fn laid_end_to_end(
    text: &str,
    lens: impl ExactSizeIterator<Item = usize>,
) -> Option<Vec<(usize, usize)>> {
    let mut spans = Vec::with_capacity(lens.len());
    let mut at = 0usize;
    for len in lens {
        spans.push((at, at + len));
        at += len;
    }
    widened_laid(text, spans)
}

/// [`laid_end_to_end`] of spans already laid end to end from 0: widened to `char` boundaries,
/// or `None` when they do not end at the text's end.
pub(crate) fn widened_laid(
    text: &str,
    mut spans: Vec<(usize, usize)>,
) -> Option<Vec<(usize, usize)>> {
    if spans.last().map_or(0, |s| s.1) != text.len() {
        return None;
    }
    if !text.is_ascii() {
        for span in &mut spans {
            *span = widen_to_char_boundaries(text, span.0, span.1);
        }
    }
    Some(spans)
}

/// A tokenizer's own offsets widened to `char` boundaries and sorted by start: the spans of a
/// tokenizer that is not byte-level, or whose token lengths do not add up (module docs).
pub(crate) fn widened_offsets(text: &str, offsets: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut spans: Vec<(usize, usize)> = offsets
        .iter()
        .map(|&(s, e)| widen_to_char_boundaries(text, s, e))
        .collect();
    if !spans.is_sorted() {
        spans.sort_unstable();
    }
    spans
}

/// Whether a token string is a SentencePiece byte-fallback piece such as `<0x0A>`.
pub fn is_byte_fallback(token: &str) -> bool {
    is_byte_fallback_bytes(token.as_bytes())
}

/// [`is_byte_fallback`] of a token given as bytes: a tiktoken token's bytes spelt through the
/// GPT-2 byte alphabet are a byte-fallback spelling exactly when the bytes are (the spelling
/// keeps printable ASCII as it is and gives every other byte a non-ASCII character).
pub(crate) fn is_byte_fallback_bytes(b: &[u8]) -> bool {
    b.len() == 6
        && b.starts_with(b"<0x")
        && b[5] == b'>'
        && b[3].is_ascii_hexdigit()
        && b[4].is_ascii_hexdigit()
}
