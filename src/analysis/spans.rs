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
