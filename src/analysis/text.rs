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

use super::spans::TokenSpans;
use crate::tokenizer::{Encoding, LeanEncoding, Tokenizer};

pub use crate::units::ratio;

/// Byte spans `[start, end)` of the UAX #29 words of `text` (segments with an alphanumeric
/// character).
///
/// UAX #29 breaks before and after every line feed, and none of its rules looks across one, so
/// each line (up to and including its `\n`) can be segmented alone: ASCII lines (most source
/// code), each run of them at once, by a table of the word break rules, which gives the same
/// spans without the general segmenter's per-character property lookups, the others by
/// `unicode-segmentation`. The lines are not split one by one: the next non-ASCII byte is
/// searched for, and only the line holding it cut out.
pub fn word_spans(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    // Code and prose have about one word per 9 bytes: one allocation for most texts.
    let mut spans = Vec::with_capacity(text.len() / 6 + 1);
    // `at` is a line start: the lines before it are read.
    let mut at = 0;
    while let Some(k) = crate::swar::first_non_ascii(b, at) {
        // The line holding the non-ASCII byte, and the ASCII lines before it.
        let line = memchr::memrchr(b'\n', &b[at..k]).map_or(at, |i| at + i + 1);
        let end = memchr::memchr(b'\n', &b[k..]).map_or(b.len(), |i| k + i + 1);
        push_ascii_word_spans(&b[at..line], at, &mut spans);
        spans.extend(
            text[line..end]
                .unicode_word_indices()
                .map(|(i, w)| (line + i, line + i + w.len())),
        );
        at = end;
    }
    push_ascii_word_spans(&b[at..], at, &mut spans);
    spans
}

/// UAX #29 word break properties of ASCII bytes (UAX #29, table 3), as table indices.
mod wb {
    /// Every ASCII byte not listed below.
    pub const OTHER: u8 = 0;
    /// `CR`.
    pub const CR: u8 = 1;
    /// `LF`.
    pub const LF: u8 = 2;
    /// `Newline`: U+000B, U+000C.
    pub const NEWLINE: u8 = 3;
    /// `WSegSpace`: U+0020 only.
    pub const SPACE: u8 = 4;
    /// `ALetter`: A–Z, a–z.
    pub const LETTER: u8 = 5;
    /// `Numeric`: 0–9.
    pub const NUMERIC: u8 = 6;
    /// `ExtendNumLet`: `_`.
    pub const EXTEND_NUM_LET: u8 = 7;
    /// `MidLetter`: `:`.
    pub const MID_LETTER: u8 = 8;
    /// `MidNumLet` (`.`) and `Single_Quote` (`'`), which the rules treat alike (`MidNumLetQ`).
    pub const MID_NUM_LET_Q: u8 = 9;
    /// `MidNum`: `,` and `;`.
    pub const MID_NUM: u8 = 10;
    /// Number of properties (the size of the tests' pair table).
    #[cfg(test)]
    pub const COUNT: usize = 11;
}

/// The word break property of each byte below 128.
const WB_CLASS: [u8; 128] = {
    let mut t = [wb::OTHER; 128];
    let mut c = 0;
    while c < 128 {
        let b = c as u8;
        t[c] = match b {
            b'\r' => wb::CR,
            b'\n' => wb::LF,
            0x0B | 0x0C => wb::NEWLINE,
            b' ' => wb::SPACE,
            b'A'..=b'Z' | b'a'..=b'z' => wb::LETTER,
            b'0'..=b'9' => wb::NUMERIC,
            b'_' => wb::EXTEND_NUM_LET,
            b':' => wb::MID_LETTER,
            b'.' | b'\'' => wb::MID_NUM_LET_Q,
            b',' | b';' => wb::MID_NUM,
            _ => wb::OTHER,
        };
        c += 1;
    }
    t
};

/// Whether the middle character `mid`, between bytes of properties `before` and `after`, is
/// kept inside a word: WB6/WB7 (letter, `:` `.` `'`, letter) and WB11/WB12 (digit, `,` `;`
/// `.` `'`, digit). These are the only ASCII rules that join a byte other than a letter,
/// digit or `_` to one, and both sides of the middle character join or neither does.
fn joins_across(before: u8, mid: u8, after: u8) -> bool {
    match mid {
        wb::MID_LETTER => before == wb::LETTER && after == wb::LETTER,
        wb::MID_NUM_LET_Q => before == after && matches!(before, wb::LETTER | wb::NUMERIC),
        wb::MID_NUM => before == wb::NUMERIC && after == wb::NUMERIC,
        _ => false,
    }
}

/// Appends to `spans` the UAX #29 word segments of the ASCII text `b` that hold a letter or a
/// digit, shifted by `offset`. Bytes of 128 and above must not occur.
///
/// Rather than deciding every byte pair, it finds runs of letters, digits and `_` (no other
/// byte starts such a segment: the rest are split from their neighbours or joined only to
/// bytes of their own kind, CR LF and spaces, which hold no letter) and joins two runs across a
/// middle character between them ([`joins_across`]). The runs are read from bit masks of 64
/// bytes at a time ([`word_masks`]), so the work follows the number of runs, not of bytes.
fn push_ascii_word_spans(b: &[u8], offset: usize, spans: &mut Vec<(usize, usize)>) {
    let class = |k: usize| {
        b.get(k)
            .map_or(wb::OTHER, |&c| WB_CLASS[usize::from(c & 0x7F)])
    };
    // The word being read: its start and whether it holds a letter or a digit so far.
    let mut open: Option<(usize, bool)> = None;
    let mut base = 0;
    while base < b.len() {
        let (word, alnum) = word_masks(b, base);
        // Bits at and above `pos` of this block are still to be read.
        let mut pos = 0u32;
        while pos < 64 {
            match open {
                None => {
                    let rest = word >> pos;
                    if rest == 0 {
                        break;
                    }
                    pos += rest.trailing_zeros();
                    open = Some((base + pos as usize, false));
                }
                Some((start, mut has_alnum)) => {
                    let rest = !word >> pos;
                    if rest == 0 {
                        // The run goes on into the next block.
                        open = Some((start, has_alnum || alnum >> pos != 0));
                        break;
                    }
                    let end = pos + rest.trailing_zeros();
                    has_alnum |= alnum & (low_bits(end) & !low_bits(pos)) != 0;
                    let e = base + end as usize;
                    if joins_across(class(e - 1), class(e), class(e + 1)) {
                        // The byte after the middle one is a letter or digit: the run goes on.
                        open = Some((start, has_alnum));
                        pos = end + 1;
                        continue;
                    }
                    if has_alnum {
                        spans.push((offset + start, offset + e));
                    }
                    open = None;
                    pos = end;
                }
            }
        }
        base += 64;
    }
    if let Some((start, true)) = open {
        spans.push((offset + start, offset + b.len()));
    }
}

/// The bits below bit `n` (all of them for `n >= 64`).
fn low_bits(n: u32) -> u64 {
    1u64.checked_shl(n).map_or(u64::MAX, |bit| bit - 1)
}

/// For the 64 bytes of the ASCII text `b` from `at` (bytes past its end read as NUL), one bit
/// per byte (bit `k` for byte `at + k`): the letters, digits and `_`, and the letters and
/// digits alone. Two bytes of the first kind are never split (WB5, WB8–WB10, WB13a, WB13b),
/// and every UAX #29 segment holding a letter or a digit is a run of them, possibly joined
/// across single middle characters ([`joins_across`]).
fn word_masks(b: &[u8], at: usize) -> (u64, u64) {
    use crate::swar::{ascii_in_range, ascii_word_bytes, high_bits, word_at_padded};
    let (mut word, mut alnum) = (0u64, 0u64);
    for k in 0..8 {
        let w = word_at_padded(b, at + 8 * k);
        let word_bytes = ascii_word_bytes(w, false);
        let underscores = ascii_in_range(w, b'_', b'_');
        alnum |= u64::from(high_bits(word_bytes & !underscores)) << (8 * k);
        word |= u64::from(high_bits(word_bytes)) << (8 * k);
    }
    (word, alnum)
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

pub use crate::tokenizer::is_byte_fallback;

/// Counts for `text` given its encoding (made without special tokens) by `tokenizer`.
pub fn text_stats(text: &str, enc: &Encoding, tokenizer: &dyn Tokenizer) -> TextStats {
    let words = word_spans(text);
    let byte_fallback = enc.tokens.iter().filter(|t| is_byte_fallback(t)).count() as u64;
    let chars = text.chars().count() as u64;
    stats_of(
        text,
        chars,
        &words,
        &enc.ids,
        &TokenSpans::new(text, &enc.offsets),
        byte_fallback,
        tokenizer,
    )
}

/// [`text_stats`] of a [`LeanEncoding`], with the text's words and characters already found
/// (`words` is [`word_spans`] of `text`, `chars` its `char` count), for a caller that measures
/// one text with several tokenizers. `offsets` are `enc.offsets` as [`TokenSpans`] of `text`,
/// which a caller shares with the other walks where they are the spans too.
pub fn text_stats_of_words(
    text: &str,
    chars: u64,
    words: &[(usize, usize)],
    enc: &LeanEncoding,
    offsets: &TokenSpans<'_>,
    tokenizer: &dyn Tokenizer,
) -> TextStats {
    let fallback = enc.byte_fallback_tokens;
    stats_of(text, chars, words, &enc.ids, offsets, fallback, tokenizer)
}

/// The one reading behind [`text_stats`] and [`text_stats_of_words`].
fn stats_of(
    text: &str,
    chars: u64,
    words: &[(usize, usize)],
    ids: &[u32],
    offsets: &TokenSpans<'_>,
    byte_fallback_tokens: u64,
    tokenizer: &dyn Tokenizer,
) -> TextStats {
    let unk = tokenizer.unk_id();
    let (word_tokens, continued) = word_token_counts(words, offsets);
    TextStats {
        bytes: text.len() as u64,
        chars,
        words: words.len() as u64,
        tokens: ids.len() as u64,
        word_tokens,
        continued_words: continued,
        unk_tokens: unk.map_or(0, |u| ids.iter().filter(|&&id| id == u).count() as u64),
        byte_fallback_tokens,
    }
}

/// Whether every span is non-empty and starts at or after the one before it: one pass without
/// an early exit, so without a branch per span.
fn starts_in_order_and_non_empty(spans: &[(usize, usize)]) -> bool {
    let mut prev = 0;
    let mut ok = true;
    for &(a, b) in spans {
        ok &= (a >= prev) & (a < b);
        prev = a;
    }
    ok
}

/// (Σ tokens overlapping each word, words overlapped by ≥ 2 tokens). A token `[a, b)` overlaps
/// a word `[s, e)` when `a < e && b > s`; empty token spans overlap nothing.
pub fn word_token_counts(words: &[(usize, usize)], tokens: &TokenSpans<'_>) -> (u64, u64) {
    if let Some(starts) = tokens.starts() {
        // Tiling tokens: the ones overlapping a word are counted from their starts in it.
        let (mut total, mut continued) = (0u64, 0u64);
        for &(s, e) in words {
            let n = starts.overlapping(s, e);
            total += n;
            continued += u64::from(n >= 2);
        }
        return (total, continued);
    }
    let offsets = tokens.spans();
    // Offsets of one encoding are almost always in order and non-empty already; only then are
    // they read in place. The walk needs them in order of start only: it passes a token once it
    // ends before a word, and stops at the first token starting after the word's end.
    let spans: std::borrow::Cow<'_, [(usize, usize)]> = if starts_in_order_and_non_empty(offsets) {
        std::borrow::Cow::Borrowed(offsets)
    } else {
        let mut spans: Vec<(usize, usize)> =
            offsets.iter().copied().filter(|(a, b)| a < b).collect();
        spans.sort_unstable();
        std::borrow::Cow::Owned(spans)
    };
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

    /// What UAX #29 does between two ASCII bytes, by their properties: break, join, or join only if
    /// the byte after the pair (or the one before it) has a given property.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Join {
        Break,
        Always,
        IfNextIs(u8),
        IfBeforeIs(u8),
    }

    /// [`Join`] for every pair of properties: rules WB3–WB13b as they apply to ASCII (no `Extend`,
    /// `Format`, `ZWJ`, Hebrew, Katakana or regional indicators), WB999 otherwise.
    const WB_JOIN: [[Join; wb::COUNT]; wb::COUNT] = {
        use super::wb::*;
        let mut t = [[Join::Break; COUNT]; COUNT];
        t[CR as usize][LF as usize] = Join::Always; // WB3 (WB3a/b: the other newline pairs break)
        t[SPACE as usize][SPACE as usize] = Join::Always; // WB3d
        let alnum = [LETTER, NUMERIC];
        let mut i = 0;
        while i < 2 {
            let mut j = 0;
            while j < 2 {
                t[alnum[i] as usize][alnum[j] as usize] = Join::Always; // WB5, WB8, WB9, WB10
                j += 1;
            }
            t[alnum[i] as usize][EXTEND_NUM_LET as usize] = Join::Always; // WB13a
            t[EXTEND_NUM_LET as usize][alnum[i] as usize] = Join::Always; // WB13b
            i += 1;
        }
        t[EXTEND_NUM_LET as usize][EXTEND_NUM_LET as usize] = Join::Always; // WB13a
        t[LETTER as usize][MID_LETTER as usize] = Join::IfNextIs(LETTER); // WB6
        t[LETTER as usize][MID_NUM_LET_Q as usize] = Join::IfNextIs(LETTER); // WB6
        t[MID_LETTER as usize][LETTER as usize] = Join::IfBeforeIs(LETTER); // WB7
        t[MID_NUM_LET_Q as usize][LETTER as usize] = Join::IfBeforeIs(LETTER); // WB7
        t[NUMERIC as usize][MID_NUM as usize] = Join::IfNextIs(NUMERIC); // WB12
        t[NUMERIC as usize][MID_NUM_LET_Q as usize] = Join::IfNextIs(NUMERIC); // WB12
        t[MID_NUM as usize][NUMERIC as usize] = Join::IfBeforeIs(NUMERIC); // WB11
        t[MID_NUM_LET_Q as usize][NUMERIC as usize] = Join::IfBeforeIs(NUMERIC); // WB11
        t
    };

    /// The pair-by-pair reading by [`WB_JOIN`], kept as the reference for
    /// `push_ascii_word_spans`: the UAX #29 word segments of the ASCII text `b` that hold a
    /// letter or a digit, shifted by `offset`.
    fn reference_ascii_word_spans(b: &[u8], offset: usize, spans: &mut Vec<(usize, usize)>) {
        let class = |k: usize| {
            b.get(k)
                .map_or(wb::OTHER, |&c| WB_CLASS[usize::from(c & 0x7F)])
        };
        let Some(&first) = b.first() else {
            return;
        };
        let mut start = 0;
        let mut prev = class(0);
        let mut alnum = first.is_ascii_alphanumeric();
        for i in 1..b.len() {
            let cur = WB_CLASS[usize::from(b[i] & 0x7F)];
            let joined = match WB_JOIN[usize::from(prev)][usize::from(cur)] {
                Join::Break => false,
                Join::Always => true,
                Join::IfNextIs(c) => class(i + 1) == c,
                Join::IfBeforeIs(c) => i >= 2 && class(i - 2) == c,
            };
            if !joined {
                if alnum {
                    spans.push((offset + start, offset + i));
                }
                start = i;
                alnum = false;
            }
            alnum |= matches!(cur, wb::LETTER | wb::NUMERIC);
            prev = cur;
        }
        if alnum {
            spans.push((offset + start, offset + b.len()));
        }
    }

    /// `push_ascii_word_spans` against the pair-by-pair reference on random ASCII texts
    /// rich in the characters whose joins depend on a neighbour, and on every text of up to
    /// five such characters.
    #[test]
    fn ascii_words_match_the_pair_reading() {
        let alphabet: Vec<char> = "aZ7_:.',;\r\n\u{b} \t\"-".chars().collect();
        let mut texts = crate::test_text::all_strings(&alphabet, 5);
        let mut rng = crate::test_text::XorShift(0x3C6E_F372_FE94_F82B);
        texts.extend(rng.strings(&alphabet, 50_000, 60));
        // Long texts, whose words cross the 64-byte blocks read at a time.
        let common: Vec<char> = "abcdefghij_0123456789 :.,'".chars().collect();
        texts.extend(rng.strings(&alphabet, 5_000, 400));
        texts.extend(rng.strings(&common, 5_000, 400));
        texts.push("a".repeat(64));
        texts.push("a".repeat(200));
        texts.push("_".repeat(130) + "a");
        texts.push("a".repeat(63) + ".b");
        texts.push("a".repeat(62) + ".b" + &"c".repeat(70));
        for t in &texts {
            let (mut fast, mut reference) = (Vec::new(), Vec::new());
            push_ascii_word_spans(t.as_bytes(), 3, &mut fast);
            reference_ascii_word_spans(t.as_bytes(), 3, &mut reference);
            assert_eq!(fast, reference, "{t:?}");
        }
    }

    /// `word_spans` against `unicode-segmentation` over the whole text: every string of up to
    /// five characters over an alphabet of one ASCII byte per word break property (and a tab),
    /// and random longer strings over it with non-ASCII characters of the properties that interact
    /// with them (letters, a combining mark, ZWJ, an emoji, regional indicators, Han, Katakana,
    /// Hebrew, a no-break space, NEL and the line separator).
    #[test]
    fn words_are_the_general_segmenters_words() {
        let general = |t: &str| -> Vec<(usize, usize)> {
            t.unicode_word_indices()
                .map(|(i, w)| (i, i + w.len()))
                .collect()
        };
        let ascii: Vec<char> = "aZ7_:.',;\r\n\u{b} \t\"-".chars().collect();
        let mut texts = crate::test_text::all_strings(&ascii, 5);
        let mut wide = ascii.clone();
        wide.extend("é\u{301}\u{200d}😀\u{1f1eb}\u{1f1f7}漢カא\u{a0}\u{85}\u{2028}".chars());
        let mut rng = crate::test_text::XorShift(0x2545_F491_4F6C_DD1D);
        texts.extend(rng.strings(&ascii, 20_000, 40));
        texts.extend(rng.strings(&wide, 20_000, 40));
        // Lines, mostly ASCII, now and then one that is not.
        for _ in 0..3_000 {
            let mut t = String::new();
            for _ in 0..rng.below(12) {
                let alphabet = if rng.below(4) == 0 { &wide } else { &ascii };
                t.extend(rng.strings(alphabet, 1, 30));
                t.push('\n');
            }
            texts.push(t);
        }
        for t in &texts {
            assert_eq!(word_spans(t), general(t), "{t:?}");
        }
    }

    /// `word_token_counts` against its definition, pair by pair, on random words and token
    /// spans: sorted or not, with empty spans, overlaps and gaps.
    #[test]
    fn word_token_counts_match_the_definition() {
        let mut rng = crate::test_text::XorShift(0xA076_1D64_78BD_642F);
        for round in 0..5_000 {
            let mut words = Vec::new();
            let mut at = rng.below(3);
            for _ in 0..rng.below(8) {
                let len = 1 + rng.below(5);
                words.push((at, at + len));
                at += len + rng.below(3);
            }
            let mut spans: Vec<(usize, usize)> = (0..rng.below(16))
                .map(|_| {
                    let s = rng.below(at + 2);
                    (s, s + rng.below(4))
                })
                .collect();
            match round % 4 {
                0 => {}
                // In order of start only: longer spans first among equal starts.
                1 => spans.sort_unstable_by_key(|&(a, b)| (a, std::cmp::Reverse(b))),
                _ => spans.sort_unstable(),
            }
            let per_word: Vec<u64> = words
                .iter()
                .map(|&(s, e)| {
                    spans
                        .iter()
                        .filter(|&&(a, b)| a < b && a < e && b > s)
                        .count() as u64
                })
                .collect();
            let want = (
                per_word.iter().sum(),
                per_word.iter().filter(|&&n| n >= 2).count() as u64,
            );
            assert_eq!(
                word_token_counts(&words, &TokenSpans::stepped(&spans)),
                want,
                "{words:?} {spans:?}"
            );
        }
    }

    /// `word_token_counts` of tokens that tile a text, read from their starts, against the
    /// definition on the text's own words.
    #[test]
    fn word_token_counts_of_tilings_match_the_definition() {
        let alphabet: Vec<char> = "ab1_ .,\n\té漢😀".chars().collect();
        let mut rng = crate::test_text::XorShift(0x94D0_49BB_1331_11EB);
        let mut tiling_read = 0;
        for t in rng.strings(&alphabet, 5_000, 40) {
            let words = word_spans(&t);
            let spans = crate::test_text::tiling(&mut rng, &t, 4);
            let tokens = TokenSpans::new(&t, &spans);
            tiling_read += usize::from(tokens.starts().is_some());
            let per_word: Vec<u64> = words
                .iter()
                .map(|&(s, e)| spans.iter().filter(|&&(a, b)| a < e && b > s).count() as u64)
                .collect();
            let want = (
                per_word.iter().sum(),
                per_word.iter().filter(|&&n| n >= 2).count() as u64,
            );
            assert_eq!(word_token_counts(&words, &tokens), want, "{t:?} {spans:?}");
        }
        assert_eq!(tiling_read, 5_000);
    }

    #[test]
    fn fertility_by_hand() {
        // "unhappy cats": words [0,7) and [8,12).
        // tokens: "un"[0,2) "happy"[2,7) " cats"[8,12) → 3 word tokens over 2 words.
        let words = word_spans("unhappy cats");
        assert_eq!(words, vec![(0, 7), (8, 12)]);
        let counts = |spans: &[(usize, usize)]| {
            word_token_counts(&words, &TokenSpans::new("unhappy cats", spans))
        };
        let (t, c) = counts(&[(0, 2), (2, 7), (8, 12)]);
        assert_eq!((t, c), (3, 1));
        // A token spanning both words counts for both; so do tokens that tile the text.
        let (t, c) = counts(&[(0, 12)]);
        assert_eq!((t, c), (2, 0));
        let (t, c) = counts(&[(0, 2), (2, 8), (8, 12)]);
        assert_eq!((t, c), (3, 1));
        // Empty spans (special tokens) count for nothing.
        let (t, _) = counts(&[(0, 0), (0, 7), (8, 12), (12, 12)]);
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
