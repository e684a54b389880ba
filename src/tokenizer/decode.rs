//! Decoding from a per-id table of bytes, for the two decoders of the bundled `tokenizer.json`
//! files: `ByteLevel` (RoBERTa, ModernBERT, OLMo) and `Metaspace` (XLM-RoBERTa).
//!
//! HF `tokenizers` decodes by building a `String` per token and passing the list through the
//! decoder, which maps each character again (a hash map lookup per character for `ByteLevel`):
//! a tenth of `compare`'s instructions on `roberta` and about 8% on `xlm-roberta`, for the round
//! trip. Here each id's decoded bytes are prepared once, on the first decode, and decoding
//! concatenates slices.
//!
//! [`DecodeTable::decode`] equals HF's `TokenizerImpl::decode` with that decoder (checked by
//! `tokenizer::hf`'s tests against HF's own decode on every id and on random id sequences): ids
//! without a token are dropped, special tokens (by their text) are dropped when asked, then
//! - `ByteLevel`: each token's characters become their bytes if every one is in the byte-level
//!   alphabet, else the token keeps its own UTF-8; the bytes are read as UTF-8, with U+FFFD for
//!   invalid sequences;
//! - `Metaspace`: the replacement character (`▁`) becomes a space, except in the first token
//!   kept, where it is dropped unless the prepend scheme is `never`.

use super::bytelevel::push_decoded_bytes;
use crate::swar::word_at;

/// The decoders a [`DecodeTable`] reproduces.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Decoding {
    /// HF's `ByteLevel` decoder.
    ByteLevel,
    /// HF's `Metaspace` decoder: its replacement character, and whether the first token drops it
    /// (any prepend scheme but `never`).
    Metaspace {
        replacement: char,
        drop_in_first: bool,
    },
}

/// Bytes per id: id's bytes are `bytes[starts[id]..starts[id + 1]]`.
struct Spans {
    starts: Vec<u32>,
    bytes: Vec<u8>,
}

impl Default for Spans {
    fn default() -> Self {
        Self {
            starts: vec![0],
            bytes: Vec::new(),
        }
    }
}

impl Spans {
    /// Ends the current id's bytes (appended to `bytes` since the last end).
    fn end(&mut self) {
        self.starts.push(self.bytes.len() as u32);
    }

    /// Appends `text` with each character mapped (`None`: dropped) as the next id's bytes.
    fn push_mapped(&mut self, text: &str, map: impl Fn(char) -> Option<char>) {
        for c in text.chars().filter_map(map) {
            let mut buf = [0; 4];
            self.bytes
                .extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
        self.end();
    }

    /// The bytes of `id` (none past the table).
    fn get(&self, id: usize) -> &[u8] {
        self.try_get(id).unwrap_or_default()
    }

    /// The bytes of `id`, or `None` past the table.
    fn try_get(&self, id: usize) -> Option<&[u8]> {
        let (&start, &end) = (self.starts.get(id)?, self.starts.get(id + 1)?);
        self.bytes.get(start as usize..end as usize)
    }

    /// Where `text` goes on after `id`'s bytes read at `at`: `None` if they are not there, `at`
    /// itself for an id past the table (no bytes at all).
    ///
    /// A token of up to eight bytes is compared as one masked `u64` of each side when eight
    /// bytes can be read from both: no loop whose length changes from token to token, whose
    /// exit the branch predictor keeps missing.
    fn read_at(&self, id: usize, text: &[u8], at: usize) -> Option<usize> {
        let (Some(&start), Some(&end)) = (self.starts.get(id), self.starts.get(id + 1)) else {
            return Some(at);
        };
        let (start, end) = (start as usize, end as usize);
        let len = end - start;
        if len <= 8
            && let (Some(t), Some(b)) = (word_at(text, at), word_at(&self.bytes, start))
        {
            // The low `len` bytes (none for an empty token).
            let mask = u64::MAX.checked_shr(64 - 8 * len as u32).unwrap_or(0);
            return ((t ^ b) & mask == 0).then_some(at + len);
        }
        let bytes = self.bytes.get(start..end)?;
        (text.get(at..at + len)? == bytes).then_some(at + len)
    }
}

/// Every id's decoded bytes under one decoder (see the module documentation).
pub(super) struct DecodeTable {
    spans: Spans,
    /// What the first token kept decodes to, where it differs (`Metaspace`).
    first: Option<Spans>,
    /// Whether the id has a token (ids past the table have none).
    known: Vec<bool>,
    /// Whether the id's token is a special token.
    special: Vec<bool>,
}

impl DecodeTable {
    /// The table of ids `0..ids` under `decoding`: `token(id)` spells an id (`None` if it has no
    /// token) and `is_special` says whether a token text is a special token.
    pub(super) fn new(
        ids: u32,
        decoding: Decoding,
        token: impl Fn(u32) -> Option<String>,
        is_special: impl Fn(&str) -> bool,
    ) -> Self {
        let mut table = Self {
            spans: Spans::default(),
            first: match decoding {
                Decoding::Metaspace {
                    drop_in_first: true,
                    ..
                } => Some(Spans::default()),
                _ => None,
            },
            known: Vec::with_capacity(ids as usize),
            special: Vec::with_capacity(ids as usize),
        };
        for id in 0..ids {
            let t = token(id);
            let text = t.as_deref().unwrap_or_default();
            match decoding {
                Decoding::ByteLevel => {
                    push_decoded_bytes(text, &mut table.spans.bytes);
                    table.spans.end();
                }
                Decoding::Metaspace { replacement, .. } => {
                    let marker = |c| if c == replacement { ' ' } else { c };
                    table.spans.push_mapped(text, |c| Some(marker(c)));
                    if let Some(first) = &mut table.first {
                        first.push_mapped(text, |c| (c != replacement).then_some(c));
                    }
                }
            }
            table.known.push(t.is_some());
            table.special.push(t.as_deref().is_some_and(&is_special));
        }
        table
    }

    /// The decoded bytes of each id of `ids` that is kept, in order (before the UTF-8 reading).
    fn kept_bytes<'a>(
        &'a self,
        ids: &'a [u32],
        skip_special_tokens: bool,
    ) -> impl Iterator<Item = &'a [u8]> + 'a {
        let mut first = true;
        ids.iter().filter_map(move |&id| {
            let i = id as usize;
            if !self.is_known(id) || (skip_special_tokens && self.special[i]) {
                return None;
            }
            let spans = match &self.first {
                Some(f) if first => f,
                _ => &self.spans,
            };
            first = false;
            Some(spans.get(i))
        })
    }

    /// Whether [`DecodeTable::decode`] of `ids` (special tokens kept) is `text`, checked
    /// without building it: the kept bytes, laid end to end, are `text`'s bytes (then they are
    /// valid UTF-8 and read as they are). `false` also where they differ but the reading would
    /// replace an invalid sequence by a U+FFFD that `text` holds: a caller decodes then.
    pub(super) fn decodes_to(&self, ids: &[u32], text: &str) -> bool {
        let text = text.as_bytes();
        let mut at = 0;
        let mut rest = ids;
        if let Some(first) = &self.first {
            // Ids without a token are dropped before the first one kept, which reads `first`.
            let Some(k) = ids.iter().position(|&id| self.is_known(id)) else {
                return text.is_empty();
            };
            let bytes = first.get(ids[k] as usize);
            if !text.starts_with(bytes) {
                return false;
            }
            at = bytes.len();
            rest = &ids[k + 1..];
        }
        for &id in rest {
            // An id without a token has no bytes (past the table: none at all), as if dropped.
            match self.spans.read_at(id as usize, text, at) {
                Some(next) => at = next,
                None => return false,
            }
        }
        at == text.len()
    }

    /// Whether `id` decodes to exactly the bytes of `text` wherever it stands among the ids
    /// decoded: it has a token, its bytes are `text`'s, and the decoder has no rule for the
    /// first token kept.
    pub(super) fn token_is(&self, id: u32, text: &str) -> bool {
        self.first.is_none() && self.is_known(id) && self.spans.get(id as usize) == text.as_bytes()
    }

    fn is_known(&self, id: u32) -> bool {
        self.known.get(id as usize).copied().unwrap_or(false)
    }

    /// The text of `ids`, without special tokens if `skip_special_tokens`.
    pub(super) fn decode(&self, ids: &[u32], skip_special_tokens: bool) -> String {
        let mut out = Vec::with_capacity(ids.len() * 4);
        for bytes in self.kept_bytes(ids, skip_special_tokens) {
            out.extend_from_slice(bytes);
        }
        match String::from_utf8(out) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(decoding: Decoding, tokens: &'static [&'static str], ids: u32) -> DecodeTable {
        DecodeTable::new(
            ids,
            decoding,
            |id| tokens.get(id as usize).map(|s| s.to_string()),
            |s| s == "<s>",
        )
    }

    #[test]
    fn byte_level_joins_bytes_and_drops_unknown_and_special_ids() {
        let tokens = &["Ġa", "b", "<s>", "é", "\u{00C3}", "\u{00A9}"];
        let t = table(Decoding::ByteLevel, tokens, 7);
        assert_eq!(t.decode(&[0, 1, 2, 9, 0], false), " ab<s> a");
        assert_eq!(t.decode(&[2, 0, 1, 2], true), " ab");
        // `é` is in the alphabet (byte 0xE9), alone an invalid UTF-8 sequence.
        assert_eq!(t.decode(&[3], false), "\u{FFFD}");
        // U+00C3 U+00A9 are the bytes of `é`.
        assert_eq!(t.decode(&[4, 5], false), "é");
        assert_eq!(t.decode(&[6, 1000], false), "");
    }

    /// `decodes_to` on texts long enough for the eight-byte comparison, with tokens of 0 to 11
    /// bytes: yes exactly for the decoded text (all lossless here), no for every one-byte edit
    /// of it and for it cut short or run on.
    #[test]
    fn decodes_to_compares_long_texts_word_by_word() {
        let tokens = &[
            "a",
            "bc",
            "def",
            "ghij",
            "klmno",
            "pqrstu",
            "vwxyz01",
            "23456789",
            "ABCDEFGHI",
            "JKLMNOPQRST",
            "",
            "<s>",
        ];
        let t = table(Decoding::ByteLevel, tokens, 13);
        let mut rng = crate::test_text::XorShift(0x5EED_DEC0_DE00_0002);
        for _ in 0..3000 {
            let ids: Vec<u32> = (0..rng.below(12)).map(|_| rng.below(14) as u32).collect();
            let decoded = t.decode(&ids, false);
            assert!(t.decodes_to(&ids, &decoded), "{ids:?} {decoded:?}");
            for at in 0..decoded.len() {
                let mut edited = decoded.clone().into_bytes();
                edited[at] = if edited[at] == b'_' { b'-' } else { b'_' };
                let edited = String::from_utf8(edited).unwrap();
                assert!(!t.decodes_to(&ids, &edited), "{ids:?} {edited:?}");
            }
            assert!(!t.decodes_to(&ids, &format!("{decoded}x")), "{ids:?}");
            if let Some(short) = decoded.get(..decoded.len().saturating_sub(1))
                && !decoded.is_empty()
            {
                assert!(!t.decodes_to(&ids, short), "{ids:?}");
            }
        }
    }

    /// `decodes_to` says yes exactly where `decode` gives the text, except where the UTF-8
    /// reading replaced an invalid sequence (there it says no and the caller decodes).
    #[test]
    fn decodes_to_agrees_with_decode() {
        let tokens = &["Ġa", "b", "<s>", "é", "\u{00C3}", "\u{00A9}", "▁c"];
        let metaspace = Decoding::Metaspace {
            replacement: '▁',
            drop_in_first: true,
        };
        let mut rng = crate::test_text::XorShift(0x5EED_DEC0_DE00_0001);
        for decoding in [Decoding::ByteLevel, metaspace] {
            // Id 7 is in the table without a token, id 8 past it.
            let t = table(decoding, tokens, 8);
            let mut agreed = 0;
            for _ in 0..3000 {
                let ids: Vec<u32> = (0..rng.below(6)).map(|_| rng.below(9) as u32).collect();
                let decoded = t.decode(&ids, false);
                for text in [decoded.as_str(), " ab", "", "c", "\u{FFFD}"] {
                    let yes = t.decodes_to(&ids, text);
                    let lossless = !decoded.contains('\u{FFFD}');
                    assert_eq!(yes, decoded == text && lossless, "{ids:?} {text:?}");
                    agreed += usize::from(yes);
                }
            }
            assert!(agreed > 500, "{agreed} texts decoded to");
        }
    }

    #[test]
    fn metaspace_drops_the_marker_in_the_first_token_kept_only() {
        let tokens = &["▁a", "b▁▁c", "<s>", "▁"];
        let marker = |drop_in_first| Decoding::Metaspace {
            replacement: '▁',
            drop_in_first,
        };
        let t = table(marker(true), tokens, 4);
        assert_eq!(t.decode(&[0, 1, 0], false), "ab  c a");
        assert_eq!(t.decode(&[1, 0], false), "bc a");
        assert_eq!(t.decode(&[2, 0, 3], false), "<s> a ");
        assert_eq!(t.decode(&[2, 0, 3], true), "a ");
        assert_eq!(t.decode(&[7, 3, 0], false), " a");
        let never = table(marker(false), tokens, 4);
        assert_eq!(never.decode(&[0, 1], false), " ab  c");
    }
}
