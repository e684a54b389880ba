//! XLM-RoBERTa's pipeline in place of HF `tokenizers`' for ASCII text: added tokens, the
//! SentencePiece normalizer (`Precompiled` charsmap, `Strip` on the right, runs of two or more
//! spaces replaced by `▁`), the `Metaspace` pre-tokenizer and the [`CompactUnigram`] model, with
//! the offsets HF's alignments give, computed per character.
//!
//! HF carries every piece of text through each normalizer step as a `NormalizedString` with an
//! alignment per byte; on ASCII the steps reduce to a few rules (each read from HF's
//! `NormalizedString` operations and checked by `tests/native_unigram.rs` against HF's pipeline):
//!
//! - the charsmap maps each ASCII character to itself, to a space or to nothing (read from the
//!   file's own charsmap at load), and the grapheme `\r\n` to what the charsmap says of it; a
//!   replaced character keeps its alignment, a removed one vanishes. A removed character at the
//!   start of a piece shifts HF's alignments by one, which this path does not reproduce: such
//!   text goes to HF's pipeline;
//! - `Strip` removes trailing white space;
//! - a run of two or more spaces becomes one `▁` aligned to the run's last space;
//! - `Metaspace` turns each remaining space into `▁` and puts a `▁` in front of a piece that does
//!   not start with one, aligned to the piece's first character; each `▁` starts a word;
//! - a token's offsets run from its first character's alignment start to its last character's
//!   alignment end.
//!
//! Text with any non-ASCII byte, with a normalized added token (`<mask>`) in it, or encoded with
//! special tokens goes to HF's pipeline ([`NativeUnigram::encode`] returns `None`).

use std::collections::HashMap;

use tokenizers::NormalizerWrapper;

use super::CompactUnigram;
use crate::tokenizer::added::{AddedSet, Split, added_sets, split_added};
use crate::tokenizer::hf::{HfModel, Pipeline};
use crate::tokenizer::rank_bpe::Piece;

/// The metaspace character.
const META: char = '▁';

/// What the charsmap makes of one ASCII character.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Map {
    Keep,
    Space,
    Remove,
}

/// What [`NativeUnigram::encode_gap`] works in: buffers reused from gap to gap, and the output.
struct Gap<'a, T, F> {
    /// The gap's normalized characters, each with its byte span in the text.
    chars: &'a mut Vec<Aligned>,
    /// One pre-tokenized word.
    word: &'a mut String,
    out: &'a mut Vec<(Piece, T)>,
    of_value: &'a F,
}

/// XLM-R's pipeline, run natively on ASCII text (see the module docs).
pub(crate) struct NativeUnigram {
    ascii: [Map; 128],
    /// What the charsmap makes of the grapheme `\r\n` (`Keep`: nothing, each character alone).
    crlf: Map,
    plain: Option<AddedSet>,
    normalized: Option<AddedSet>,
    specials: Vec<bool>,
}

/// One character of the normalized text: the character and its `[start, end)` in the input.
type Aligned = (char, usize, usize);

impl NativeUnigram {
    /// The native pipeline of `inner`, if it is XLM-R's: that normalizer sequence, `Metaspace`
    /// with `▁`, prepending always and splitting, a charsmap that maps every ASCII character to
    /// itself, a space or nothing, and added tokens the automata hold. `None` otherwise.
    pub(crate) fn new<M: HfModel>(inner: &Pipeline<M>) -> Option<Self> {
        if inner.get_encode_special_tokens() {
            return None;
        }
        let pre = serde_json::to_value(inner.get_pre_tokenizer()?).ok()?;
        let want_pre = serde_json::json!({
            "type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true,
        });
        if pre != want_pre {
            return None;
        }
        let norm = inner.get_normalizer()?;
        let NormalizerWrapper::Sequence(_) = norm else {
            return None;
        };
        let v = serde_json::to_value(norm).ok()?;
        let steps = v.get("normalizers")?.as_array()?;
        let [pre_step, strip, replace] = steps.as_slice() else {
            return None;
        };
        let want_strip =
            serde_json::json!({"type": "Strip", "strip_left": false, "strip_right": true});
        let want_replace = serde_json::json!({
            "type": "Replace", "pattern": {"Regex": " {2,}"}, "content": "▁",
        });
        if *strip != want_strip || *replace != want_replace {
            return None;
        }
        let NormalizerWrapper::Precompiled(charsmap) =
            serde_json::from_value::<NormalizerWrapper>(pre_step.clone()).ok()?
        else {
            return None;
        };
        let map = |s: &str, c: Option<char>| match charsmap.transform(s) {
            None => Some(Map::Keep),
            Some("") => Some(Map::Remove),
            Some(" ") => Some(Map::Space),
            Some(t) if c.is_some_and(|c| t.chars().eq([c])) => Some(Map::Keep),
            Some(_) => None,
        };
        let mut ascii = [Map::Keep; 128];
        for (b, slot) in (0u8..128).zip(ascii.iter_mut()) {
            let c = char::from(b);
            *slot = map(c.encode_utf8(&mut [0; 4]), Some(c))?;
        }
        let crlf = map("\r\n", None)?;
        if crlf == Map::Remove {
            return None;
        }
        // A normalized added token is matched on the normalized text; text that holds one goes
        // to HF's pipeline, so only its content matters here (see `holds_normalized`).
        let added: HashMap<u32, tokenizers::AddedToken> =
            inner.get_added_tokens_decoder().into_iter().collect();
        let (plain, normalized, specials) = added_sets(&added, |_| true)?;
        Some(Self {
            ascii,
            crlf,
            plain,
            normalized,
            specials,
        })
    }

    /// Whether `id` is a special added token.
    pub(crate) fn is_special(&self, id: u32) -> bool {
        self.specials.get(id as usize).copied().unwrap_or(false)
    }

    /// The tokens of `text` (no special tokens added), each with `of_value` of its string, or
    /// `None` if the text is not one this path takes (module docs). The strings themselves are
    /// built only by a caller that keeps them (`of_value` = `to_string`).
    pub(crate) fn encode<T>(
        &self,
        model: &CompactUnigram,
        text: &str,
        of_value: impl Fn(&str) -> T,
    ) -> Option<Vec<(Piece, T)>> {
        if !text.is_ascii() {
            return None;
        }
        let mut out = Vec::with_capacity(text.len() / 3 + 1);
        let mut ok = true;
        let mut chars = Vec::new();
        let mut word = String::new();
        ok &= split_added(self.plain.as_ref(), text, 0, &mut |split| match split {
            Split::Added { id, start, end } => {
                out.push((Piece::added(id, start, end), of_value(&text[start..end])));
            }
            Split::Gap { start, end } => {
                if ok {
                    let mut gap = Gap {
                        chars: &mut chars,
                        word: &mut word,
                        out: &mut out,
                        of_value: &of_value,
                    };
                    ok = self.encode_gap(model, text, start, end, &mut gap);
                }
            }
        });
        ok.then_some(out)
    }

    /// Normalizes, pre-tokenizes and encodes `text[start..end]` into `gap.out`; `false` if HF's
    /// pipeline has to.
    fn encode_gap<T>(
        &self,
        model: &CompactUnigram,
        text: &str,
        start: usize,
        end: usize,
        gap: &mut Gap<'_, T, impl Fn(&str) -> T>,
    ) -> bool {
        let Gap {
            chars,
            word,
            out,
            of_value,
        } = gap;
        if !self.normalize(text, start, end, chars) {
            return false;
        }
        if self.holds_normalized(chars) {
            return false;
        }
        metaspace(chars);
        let mut w = 0;
        while w < chars.len() {
            let next = chars[w + 1..]
                .iter()
                .position(|c| c.0 == META)
                .map_or(chars.len(), |p| w + 1 + p);
            let letters = &chars[w..next];
            word.clear();
            word.extend(letters.iter().map(|c| c.0));
            let mut spans_ok = true;
            let segmented = model.each_token(word, |id, value, offsets| {
                let (first, last) = (char_index(offsets.0), char_index(offsets.1));
                if first >= last {
                    spans_ok = false;
                    return;
                }
                let piece = Piece {
                    id,
                    start: letters[first].1,
                    end: letters[last - 1].2,
                    added: false,
                };
                out.push((piece, of_value(value)));
            });
            if segmented.is_err() || !spans_ok {
                return false;
            }
            w = next;
        }
        true
    }

    /// The charsmap, `Strip` and the replacement of space runs, into `chars`; `false` where the
    /// result would need HF's alignment shift (a removed character first).
    fn normalize(&self, text: &str, start: usize, end: usize, chars: &mut Vec<Aligned>) -> bool {
        chars.clear();
        let bytes = text.as_bytes();
        let mut i = start;
        while i < end {
            let b = bytes[i];
            let (map, len) = if b == b'\r' && i + 1 < end && bytes[i + 1] == b'\n' {
                match self.crlf {
                    Map::Keep => (self.ascii[usize::from(b)], 1),
                    m => (m, 2),
                }
            } else {
                (self.ascii[usize::from(b)], 1)
            };
            match map {
                Map::Keep => chars.push((char::from(b), i, i + 1)),
                Map::Space => chars.push((' ', i, i + 1)),
                Map::Remove if chars.is_empty() => return false,
                Map::Remove => {}
            }
            i += len;
        }
        while chars.last().is_some_and(|c| c.0.is_whitespace()) {
            chars.pop();
        }
        // Runs of two or more spaces: one `▁` with the run's last alignment.
        let mut kept = 0;
        let mut j = 0;
        while j < chars.len() {
            let run = chars[j..].iter().take_while(|c| c.0 == ' ').count();
            if run >= 2 {
                let last = chars[j + run - 1];
                chars[kept] = (META, last.1, last.2);
                j += run;
            } else {
                chars[kept] = chars[j];
                j += 1;
            }
            kept += 1;
        }
        chars.truncate(kept);
        true
    }

    /// Whether the normalized text holds a normalized added token.
    fn holds_normalized(&self, chars: &[Aligned]) -> bool {
        let Some(set) = &self.normalized else {
            return false;
        };
        let s: String = chars.iter().map(|c| c.0).collect();
        set.matches(&s)
    }
}

/// `Metaspace`: spaces become `▁`, and a `▁` with the first character's alignment goes in front
/// of text that does not start with one.
fn metaspace(chars: &mut Vec<Aligned>) {
    for c in chars.iter_mut() {
        if c.0 == ' ' {
            c.0 = META;
        }
    }
    if let Some(&(first, s, e)) = chars.first()
        && first != META
    {
        chars.insert(0, (META, s, e));
    }
}

/// The index of the character that starts at byte `b` of `word`, a `▁` then ASCII characters
/// (`b` at the end gives the character count).
fn char_index(b: usize) -> usize {
    b.saturating_sub(META.len_utf8() - 1)
}
