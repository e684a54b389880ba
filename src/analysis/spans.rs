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

use crate::tokenizer::{Encoding, Tokenizer, char_to_byte, widen_to_char_boundaries};

/// `[start, end)` byte spans of the tokens of `enc` in `text`, on `char` boundaries, one per
/// token, sorted by start. See the module docs for how they are obtained.
pub fn token_spans(text: &str, enc: &Encoding, tokenizer: &dyn Tokenizer) -> Vec<(usize, usize)> {
    if tokenizer.is_byte_level()
        && !tokenizer.offsets_are_token_bytes()
        && let Some(spans) = rebuilt_spans(text, enc)
    {
        return spans;
    }
    let mut spans: Vec<(usize, usize)> = enc
        .offsets
        .iter()
        .map(|&(s, e)| widen_to_char_boundaries(text, s, e))
        .collect();
    if !spans.is_sorted() {
        spans.sort_unstable();
    }
    spans
}

/// The spans of a byte-level encoding rebuilt from its token strings (module docs), or `None`
/// when their lengths do not add up to the text's.
fn rebuilt_spans(text: &str, enc: &Encoding) -> Option<Vec<(usize, usize)>> {
    let mut spans = Vec::with_capacity(enc.len());
    let mut at = 0usize;
    for (tok, &special) in enc.tokens.iter().zip(&enc.special) {
        let len = if special {
            // Special added tokens are matched verbatim in the text.
            tok.len()
        } else {
            tok.chars()
                .map(|c| {
                    if char_to_byte(c).is_some() {
                        1
                    } else {
                        c.len_utf8()
                    }
                })
                .sum()
        };
        spans.push((at, at + len));
        at += len;
    }
    (at == text.len()).then(|| {
        spans
            .into_iter()
            .map(|(s, e)| widen_to_char_boundaries(text, s, e))
            .collect()
    })
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
