//! Encoding a long text in pieces, with the ids of encoding it whole.
//!
//! Encoding one huge line at once costs memory in proportion to the line (HF `tokenizers` keeps
//! an alignment per byte, the pre-tokenised splits and several per-token vectors). Most
//! tokenizers split text before a space anyway, so a cut there changes nothing:
//!
//! - a cut is made only **before a single space between two non-whitespace characters**, the
//!   character before it not a grapheme `Prepend` (so the cut is also a grapheme boundary);
//! - the GPT-2 / tiktoken pre-tokeniser regexes only ever put a space at the *start* of a piece
//!   (` ?\p{L}+`, `[^\r\n\p{L}\p{N}]?\p{L}+`, …) or in a whitespace-only piece, so a piece ends
//!   right before such a space whether or not the text goes on; SentencePiece's `Metaspace`
//!   splits before every space; NFC/NFKC and the SentencePiece charsmap do not compose across a
//!   space;
//! - a tokenizer qualifies only if every part of its pipeline is of a kind known to behave this
//!   way ([`super::Tokenizer::splits_before_single_spaces`]): no `Prepend`/`Strip` normaliser,
//!   no custom `Split` regex, no added token spanning a space, no added token that strips the
//!   whitespace to its right.
//!
//! Special tokens (`--special`) are added once around the whole text: the wrap is learnt from a
//! one-word probe encoded with and without them.

use std::ops::Range;

use super::{Encoding, Tokenizer};
use crate::Result;

/// Pieces `encode` cuts a long text into, in bytes (a target: a piece ends at the last clean
/// cut before it, or, without one, at the first one after it).
pub const CHUNK_BYTES: usize = 1 << 20;

/// Whether a cut before a space may follow `c`: not whitespace, not a grapheme `Prepend`.
fn ends_piece(c: char) -> bool {
    !c.is_whitespace() && !is_prepend(c)
}

/// Grapheme cluster `Prepend` characters (UAX #29): no grapheme break after them.
fn is_prepend(c: char) -> bool {
    matches!(c as u32,
        0x0600..=0x0605 | 0x06DD | 0x070F | 0x0890..=0x0891 | 0x08E2 | 0x0D4E
        | 0x110BD | 0x110CD | 0x111C2..=0x111C3 | 0x1193F | 0x11941 | 0x11A3A
        | 0x11A84..=0x11A89 | 0x11D46 | 0x11F02)
}

/// Whether a piece may start at byte `k` of `text` (a clean cut, see the module docs).
pub fn is_clean_cut(text: &str, k: usize) -> bool {
    let bytes = text.as_bytes();
    if k == 0 || k + 1 >= bytes.len() || bytes[k] != b' ' {
        return false;
    }
    let before = text[..k].chars().next_back();
    let after = text[k + 1..].chars().next();
    before.is_some_and(ends_piece) && after.is_some_and(|c| !c.is_whitespace())
}

/// Byte ranges covering `text` in order, each about `target` bytes long, cut only at clean cuts.
/// A text without a clean cut near a boundary yields a longer piece.
pub fn pieces(text: &str, target: usize) -> Vec<Range<usize>> {
    let target = target.max(2);
    let mut out = Vec::new();
    let mut start = 0;
    while text.len() - start > target {
        let limit = start + target;
        // The last clean cut at or before the limit, else the first one after it.
        let back = text.as_bytes()[start + 1..=limit]
            .iter()
            .rposition(|&b| b == b' ')
            .map(|i| start + 1 + i);
        let mut cut = None;
        if back.is_some() {
            cut = (start + 1..=limit)
                .rev()
                .filter(|&k| text.as_bytes()[k] == b' ')
                .find(|&k| is_clean_cut(text, k));
        }
        if cut.is_none() {
            cut = (limit + 1..text.len())
                .filter(|&k| text.as_bytes()[k] == b' ')
                .find(|&k| is_clean_cut(text, k));
        }
        match cut {
            Some(k) => {
                out.push(start..k);
                start = k;
            }
            None => break,
        }
    }
    out.push(start..text.len());
    out
}

/// Encodes `text` as [`Tokenizer::encode`] would, in pieces of about `target` bytes when the
/// tokenizer allows it (see the module docs), else whole. Offsets refer to `text`.
pub fn encode_in_pieces(
    tok: &dyn Tokenizer,
    text: &str,
    add_special_tokens: bool,
    target: usize,
) -> Result<Encoding> {
    // With special tokens the post-processor sees the whole sequence (a modernbert file gave
    // different offsets when pieces were wrapped by hand), so such texts are encoded whole.
    if add_special_tokens || text.len() <= target || !tok.splits_before_single_spaces() {
        return tok.encode(text, add_special_tokens);
    }
    let ranges = pieces(text, target);
    if ranges.len() == 1 {
        return tok.encode(text, add_special_tokens);
    }
    let (prefix, suffix) = if add_special_tokens {
        match special_wrap(tok)? {
            Some(w) => w,
            None => return tok.encode(text, add_special_tokens),
        }
    } else {
        (Encoding::default(), Encoding::default())
    };
    let mut out = prefix;
    for r in ranges {
        let piece = tok.encode(&text[r.clone()], false)?;
        out.ids.extend(piece.ids);
        out.tokens.extend(piece.tokens);
        out.special.extend(piece.special);
        out.offsets.extend(
            piece
                .offsets
                .into_iter()
                .map(|(s, e)| (s + r.start, e + r.start)),
        );
    }
    let n = text.len();
    out.ids.extend(suffix.ids);
    out.tokens.extend(suffix.tokens);
    out.special.extend(suffix.special);
    out.offsets.extend(suffix.offsets.iter().map(|_| (n, n)));
    Ok(out)
}

/// The special tokens the post-processor puts before and after a text, learnt from a probe; `None`
/// when they are not a plain wrap (the probe's own tokens are not found in one piece).
fn special_wrap(tok: &dyn Tokenizer) -> Result<Option<(Encoding, Encoding)>> {
    let probe = "probe";
    let with = tok.encode(probe, true)?;
    let without = tok.encode(probe, false)?;
    let n = without.ids.len();
    let Some(at) = (0..=with.ids.len().saturating_sub(n))
        .find(|&i| with.ids.get(i..i + n) == Some(&without.ids[..]))
    else {
        return Ok(None);
    };
    let part = |r: Range<usize>| Encoding {
        ids: with.ids[r.clone()].to_vec(),
        tokens: with.tokens[r.clone()].to_vec(),
        offsets: with.offsets[r.clone()].iter().map(|_| (0, 0)).collect(),
        special: with.special[r].to_vec(),
    };
    Ok(Some((part(0..at), part(at + n..with.ids.len()))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_only_before_single_spaces_between_words() {
        let t = "ab cd  ef\u{0600} gh";
        assert!(is_clean_cut(t, 2));
        assert!(!is_clean_cut(t, 5));
        assert!(!is_clean_cut(t, 6));
        let after_prepend = t.find("\u{0600}").unwrap() + 2;
        assert!(!is_clean_cut(t, after_prepend));
        let p = pieces("aaa bbb ccc ddd", 5);
        assert_eq!(p, vec![0..3, 3..7, 7..11, 11..15]);
        assert_eq!(pieces("aaaaaaaaaa", 3), vec![0..10]);
        assert_eq!(pieces("", 3), vec![0..0]);
    }
}
