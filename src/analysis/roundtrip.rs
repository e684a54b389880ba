//! Round trip: does decode(encode(x)) give back x, and if not, where and why.
//!
//! The text is encoded without post-processor tokens and decoded with special tokens kept (text
//! that spells a special token is that token, and must come back). When the two differ, they
//! are aligned greedily, character by character, resynchronising after each difference:
//! - both sides at whitespace or an invisible format character (U+200B–U+200D, U+2060, U+FEFF,
//!   U+00AD), or one side: the two runs are compared as a whole — "zero-width character changed"
//!   when the original run holds such a character, "whitespace inserted" when the original has
//!   none there (the prefix space of ByteLevel's `add_prefix_space`), "whitespace run collapsed"
//!   when the decoded run is shorter or missing, "whitespace changed" otherwise (a newline or tab
//!   that became a space);
//! - the NFC or NFKC form of the next few original characters (up to 8, shortest first) is what
//!   follows in the decoded text: "NFC changed character" / "NFKC changed character";
//! - the decoded text has the next original characters lowercased, stripped of their accents
//!   (the canonical decomposition without its combining marks), or both, as BERT's normaliser
//!   does: "normalised: lowercased", "normalised: accents stripped" or
//!   "normalised: lowercased, accents stripped";
//! - the decoded text has `<unk>`/`[UNK]` or U+FFFD there: "unknown token";
//! - otherwise the smallest skip of up to 8 characters on either side after which the two texts
//!   agree again on 4 characters decides: "character removed", "character inserted" or
//!   "character replaced" (one character on each side when nothing agrees).
//!
//! At the end, original text left over is "trailing whitespace dropped" (if all whitespace) or
//! "text dropped", decoded text left over "text added". `differing_bytes` counts the original's
//! bytes that are not reproduced (plus bytes added by the decoder). The alignment is linear and
//! can misattribute overlapping differences; the first difference is always exact.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::swar::word_at;

/// The first place where the round trip differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FirstDifference {
    /// The input it is in (set by the caller; empty for a bare text).
    pub path: String,
    /// Byte offset in the original text.
    pub byte_offset: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column in characters.
    pub column: usize,
    /// A few characters of the original from there (whitespace made visible).
    pub original: String,
    /// The same place in the decoded text.
    pub decoded: String,
    /// Human reason (module docs).
    pub reason: String,
}

/// Additive round-trip counts for one tokenizer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RoundtripCounts {
    /// Texts checked.
    pub texts: u64,
    /// Texts that came back byte for byte.
    pub exact_texts: u64,
    /// Bytes not reproduced (module docs).
    pub differing_bytes: u64,
    /// The first difference in input order.
    pub first_difference: Option<FirstDifference>,
    /// Differences per reason: (count, bytes).
    pub reasons: BTreeMap<String, (u64, u64)>,
}

impl RoundtripCounts {
    /// The counts of one text that came back byte for byte.
    pub fn exact_text() -> Self {
        Self {
            texts: 1,
            exact_texts: 1,
            ..Default::default()
        }
    }

    /// Whether every text came back exactly.
    pub fn exact(&self) -> bool {
        self.texts == self.exact_texts
    }

    /// Adds another text's counts (the earlier first difference wins).
    pub fn add(&mut self, o: &RoundtripCounts) {
        self.texts += o.texts;
        self.exact_texts += o.exact_texts;
        self.differing_bytes += o.differing_bytes;
        if self.first_difference.is_none() {
            self.first_difference = o.first_difference.clone();
        }
        for (k, (c, b)) in &o.reasons {
            let e = self.reasons.entry(k.clone()).or_default();
            e.0 += c;
            e.1 += b;
        }
    }
}

const SNIPPET_CHARS: usize = 12;

fn snippet(s: &str) -> String {
    crate::render::visible_whitespace(&s.chars().take(SNIPPET_CHARS).collect::<String>())
}

/// Invisible format characters that normalisers drop or turn into spaces: zero-width space,
/// non-joiner and joiner, word joiner, BOM / zero-width no-break space, soft hyphen.
fn is_zero_width(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'
    )
}

/// Whitespace or an invisible format character.
fn is_blank(c: char) -> bool {
    c.is_whitespace() || is_zero_width(c)
}

fn ws_run_end(s: &str, i: usize) -> usize {
    s[i..]
        .char_indices()
        .find(|(_, c)| !is_blank(*c))
        .map_or(s.len(), |(k, _)| i + k)
}

/// Longest sequence of original characters considered for a normalisation match.
const MAX_NORMALISED_CHARS: usize = 8;

/// If up to [`MAX_NORMALISED_CHARS`] characters at the start of `a`, put in NFC or NFKC, are
/// what `b` starts with, the byte lengths consumed on each side and the reason.
fn normalised_match(a: &str, b: &str) -> Option<(usize, usize, &'static str)> {
    let ends: Vec<usize> = a
        .char_indices()
        .skip(1)
        .map(|(k, _)| k)
        .chain(std::iter::once(a.len()))
        .take(MAX_NORMALISED_CHARS)
        .collect();
    // Shortest first, so that only the characters that changed are counted; a prefix that
    // normalises to itself is skipped, so a base letter waits for its combining marks.
    for &end in &ends {
        let seg = &a[..end];
        let nfc: String = seg.nfc().collect();
        if nfc != seg && !nfc.is_empty() && b.starts_with(&nfc) {
            return Some((end, nfc.len(), "NFC changed character"));
        }
        let nfkc: String = seg.nfkc().collect();
        if nfkc != seg && !nfkc.is_empty() && b.starts_with(&nfkc) {
            return Some((end, nfkc.len(), "NFKC changed character"));
        }
    }
    None
}

/// If `b` starts with `c` lowercased, stripped of accents, or both (BERT's normaliser), the
/// bytes of `b` that stand for `c` and the reason.
fn case_or_accent_match(c: char, b: &str) -> Option<(usize, &'static str)> {
    let lower: String = c.to_lowercase().collect();
    let strip = |s: &str| -> String {
        s.nfd()
            .filter(|&m| !unicode_normalization::char::is_combining_mark(m))
            .collect()
    };
    let stripped = strip(&c.to_string());
    let both = strip(&lower);
    let original = c.to_string();
    [
        (lower, "normalised: lowercased"),
        (stripped, "normalised: accents stripped"),
        (both, "normalised: lowercased, accents stripped"),
    ]
    .into_iter()
    .find(|(form, _)| !form.is_empty() && *form != original && b.starts_with(form.as_str()))
    .map(|(form, reason)| (form.len(), reason))
}

/// Most characters skipped on either side when looking for the next common text.
const MAX_RESYNC_CHARS: usize = 8;

/// Characters that must agree after a resynchronisation.
const RESYNC_AGREE_CHARS: usize = 4;

/// Byte offsets of the first `n + 1` character boundaries of `s` (0 included).
fn char_steps(s: &str, n: usize) -> Vec<usize> {
    s.char_indices()
        .map(|(k, _)| k)
        .chain(std::iter::once(s.len()))
        .take(n + 1)
        .collect()
}

/// Whether `x` and `y` start with the same [`RESYNC_AGREE_CHARS`] characters (or end together
/// before that).
fn agrees(x: &str, y: &str) -> bool {
    let mut xs = x.chars();
    let mut ys = y.chars();
    for _ in 0..RESYNC_AGREE_CHARS {
        match (xs.next(), ys.next()) {
            (Some(p), Some(q)) if p == q => {}
            (None, None) => return true,
            _ => return false,
        }
    }
    true
}

/// The smallest skip (bytes of `a`, bytes of `b`), at most [`MAX_RESYNC_CHARS`] characters on
/// each side, after which both continue with the same [`RESYNC_AGREE_CHARS`] characters (or
/// both end).
fn resync(a: &str, b: &str) -> Option<(usize, usize)> {
    let sa = char_steps(a, MAX_RESYNC_CHARS);
    let sb = char_steps(b, MAX_RESYNC_CHARS);
    for total in 1..sa.len() + sb.len() {
        for ka in 0..=total.min(sa.len() - 1) {
            let kb = total - ka;
            if kb >= sb.len() {
                continue;
            }
            if agrees(&a[sa[ka]..], &b[sb[kb]..]) {
                return Some((sa[ka], sb[kb]));
            }
        }
    }
    None
}

/// Compares `original` with `decoded` (module docs).
pub fn compare_roundtrip(original: &str, decoded: &str) -> RoundtripCounts {
    walk(original, decoded, true)
}

/// [`compare_roundtrip`], skipping equal runs in bulk or (`bulk` false, the tests' reference)
/// one character per step.
fn walk(original: &str, decoded: &str, bulk: bool) -> RoundtripCounts {
    let mut w = Walk {
        a: original,
        b: decoded,
        r: RoundtripCounts {
            texts: 1,
            ..Default::default()
        },
    };
    if original == decoded {
        return RoundtripCounts::exact_text();
    }
    let (mut i, mut j) = (0usize, 0usize);
    while i < w.a.len() && j < w.b.len() {
        // Equal characters advance together: skip them in bulk.
        let same = if bulk {
            equal_prefix(&w.a[i..], &w.b[j..])
        } else {
            0
        };
        if same > 0 {
            (i, j) = (i + same, j + same);
            continue;
        }
        (i, j) = w.step(i, j);
    }
    w.tails(i, j);
    w.r
}

/// The length in bytes of the longest common prefix of `a` and `b` made of whole characters.
///
/// Compared eight bytes at a time. Equal bytes up to a character boundary of `a` are the same
/// whole characters in `b`, so the result is a character boundary of both.
fn equal_prefix(a: &str, b: &str) -> usize {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let n = x.len().min(y.len());
    let mut k = 0;
    while let (Some(wx), Some(wy)) = (word_at(x, k), word_at(y, k)) {
        let diff = wx ^ wy;
        if diff != 0 {
            k += (diff.trailing_zeros() / 8) as usize;
            return char_floor(a, k);
        }
        k += 8;
    }
    while k < n && x[k] == y[k] {
        k += 1;
    }
    char_floor(a, k)
}

/// The largest character boundary of `s` at or below `k` (`k <= s.len()`).
fn char_floor(s: &str, mut k: usize) -> usize {
    while !s.is_char_boundary(k) {
        k -= 1;
    }
    k
}

/// The state of one comparison: both texts and the counts so far.
struct Walk<'a> {
    a: &'a str,
    b: &'a str,
    r: RoundtripCounts,
}

impl Walk<'_> {
    /// Counts a difference of `bytes` bytes at `a[i..]` / `b[j..]`, and keeps the first one.
    fn note(&mut self, i: usize, j: usize, reason: &str, bytes: usize) {
        let (a, b) = (self.a, self.b);
        if self.r.first_difference.is_none() {
            let before = &a[..i];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            self.r.first_difference = Some(FirstDifference {
                path: String::new(),
                byte_offset: i,
                line,
                column,
                original: snippet(&a[i..]),
                decoded: snippet(&b[j.min(b.len())..]),
                reason: reason.to_string(),
            });
        }
        let e = self.r.reasons.entry(reason.to_string()).or_default();
        e.0 += 1;
        e.1 += bytes as u64;
        self.r.differing_bytes += bytes as u64;
    }

    /// One step from `a[i..]` / `b[j..]`: equal characters advance together, otherwise the first
    /// matching kind of difference is counted and skipped. Returns the new positions.
    fn step(&mut self, i: usize, j: usize) -> (usize, usize) {
        let (a, b) = (self.a, self.b);
        let ca = a[i..].chars().next().unwrap_or('\0');
        let cb = b[j..].chars().next().unwrap_or('\0');
        if ca == cb {
            return (i + ca.len_utf8(), j + cb.len_utf8());
        }
        if is_blank(ca) || is_blank(cb) {
            return self.blank_runs(i, j);
        }
        if let Some((la, lb, form)) = normalised_match(&a[i..], &b[j..]) {
            self.note(i, j, form, la);
            return (i + la, j + lb);
        }
        if let Some((lb, form)) = case_or_accent_match(ca, &b[j..]) {
            self.note(i, j, form, ca.len_utf8());
            return (i + ca.len_utf8(), j + lb);
        }
        if let Some(unk) = ["<unk>", "[UNK]", "\u{FFFD}"]
            .iter()
            .find(|u| b[j..].starts_with(**u))
        {
            return self.unknown(i, j + unk.len());
        }
        self.resynced(i, j, ca, cb)
    }

    /// A difference inside whitespace: compares the whole runs from the start of the current
    /// run.
    fn blank_runs(&mut self, i: usize, j: usize) -> (usize, usize) {
        let (a, b) = (self.a, self.b);
        let (mut ra, mut rb) = (i, j);
        while ra > 0 && rb > 0 {
            let pa = a[..ra].chars().next_back().unwrap_or('\0');
            let pb = b[..rb].chars().next_back().unwrap_or('\0');
            if is_blank(pa) && pa == pb {
                ra -= pa.len_utf8();
                rb -= pb.len_utf8();
            } else {
                break;
            }
        }
        let ea = ws_run_end(a, i);
        let eb = ws_run_end(b, j);
        let (la, lb) = (ea - ra, eb - rb);
        let reason = if a[i..ea].chars().any(is_zero_width) {
            "zero-width character changed"
        } else if la == 0 {
            "whitespace inserted"
        } else if lb < la {
            "whitespace run collapsed"
        } else {
            "whitespace changed"
        };
        self.note(i, j, reason, (ea - i).max(eb - j));
        (ea, eb)
    }

    /// An unknown token ending at `b[..j]`. It never holds whitespace: skips original
    /// characters up to the next whitespace or the character that follows the unknown token.
    fn unknown(&mut self, start: usize, j: usize) -> (usize, usize) {
        let a = self.a;
        let resume = self.b[j..].chars().next();
        let mut i = start;
        while let Some(c) = a[i..].chars().next() {
            if i > start && (Some(c) == resume || c.is_whitespace()) {
                break;
            }
            i += c.len_utf8();
        }
        self.note(start, j, "unknown token", i - start);
        (i, j)
    }

    /// Any other difference: the smallest skip after which both texts agree again.
    fn resynced(&mut self, i: usize, j: usize, ca: char, cb: char) -> (usize, usize) {
        match resync(&self.a[i..], &self.b[j..]) {
            Some((da, 0)) => {
                self.note(i, j, "character removed", da);
                (i + da, j)
            }
            Some((0, db)) => {
                self.note(i, j, "character inserted", db);
                (i, j + db)
            }
            Some((da, db)) => {
                self.note(i, j, "character replaced", da.max(db));
                (i + da, j + db)
            }
            None => {
                self.note(i, j, "character replaced", ca.len_utf8());
                (i + ca.len_utf8(), j + cb.len_utf8())
            }
        }
    }

    /// Counts what is left of either text once the other has ended.
    fn tails(&mut self, i: usize, j: usize) {
        let (a, b) = (self.a, self.b);
        if i < a.len() {
            let rest = &a[i..];
            let reason = if rest.chars().all(char::is_whitespace) {
                "trailing whitespace dropped"
            } else {
                "text dropped"
            };
            self.note(i, j, reason, rest.len());
        }
        if j < b.len() {
            self.note(i, j, "text added", b.len() - j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_text::XorShift;

    /// Skipping equal runs in bulk counts what the character-by-character walk counts, on
    /// random texts and random edits of them (whitespace, accents, NFKC forms, multi-byte
    /// characters, unknown markers).
    #[test]
    fn bulk_walk_is_the_stepwise_walk() {
        let alphabet = [
            'a', 'b', 'A', ' ', ' ', '\n', '\t', 'é', 'e', '\u{301}', '\u{FB01}', '中', '😀',
            '\u{200B}', '<', 'k', '>', '\u{FFFD}',
        ];
        let mut rng = XorShift(0x5eed_7007);
        let originals = rng.strings(&alphabet, 20_000, 24);
        for a in &originals {
            let mut chars: Vec<char> = a.chars().collect();
            for _ in 0..rng.below(4) {
                let at = rng.below(chars.len() + 1);
                match rng.below(3) {
                    0 if at < chars.len() => {
                        chars.remove(at);
                    }
                    1 if at < chars.len() => chars[at] = alphabet[rng.below(alphabet.len())],
                    _ => chars.insert(at, alphabet[rng.below(alphabet.len())]),
                }
            }
            let b: String = chars.into_iter().collect();
            assert_eq!(walk(a, &b, true), walk(a, &b, false), "{a:?} / {b:?}");
        }
    }

    #[test]
    fn equal_prefix_stops_at_whole_characters() {
        assert_eq!(equal_prefix("abcdefghij", "abcdefghiJ"), 9);
        assert_eq!(equal_prefix("é", "è"), 0);
        assert_eq!(equal_prefix("0123456é", "0123456è"), 7);
        assert_eq!(equal_prefix("ab", "abc"), 2);
        assert_eq!(equal_prefix("", "x"), 0);
    }

    #[test]
    fn exact() {
        let r = compare_roundtrip("a  b", "a  b");
        assert!(r.exact());
        assert_eq!(r.differing_bytes, 0);
    }

    #[test]
    fn collapsed_indent() {
        // XLM-R decodes "x\n        y" as "x y": the newline and 8 spaces (9 bytes) become one
        // space. The first difference is at byte 1 (the newline), line 1, column 2.
        let r = compare_roundtrip("x\n        y", "x y");
        let f = r.first_difference.clone().unwrap();
        assert_eq!((f.byte_offset, f.line, f.column), (1, 1, 2));
        assert_eq!(f.reason, "whitespace run collapsed");
        assert_eq!(r.differing_bytes, 9);
    }

    #[test]
    fn nfkc_and_trailing() {
        // "ﬁ" (U+FB01, 3 bytes) → "fi" under NFKC; the trailing newline is dropped.
        let r = compare_roundtrip("\u{FB01}x\n", "fix");
        assert_eq!(r.reasons["NFKC changed character"], (1, 3));
        assert_eq!(r.reasons["trailing whitespace dropped"], (1, 1));
        assert_eq!(r.differing_bytes, 4);
    }

    #[test]
    fn prefix_space_is_inserted_whitespace() {
        let r = compare_roundtrip("def f", " def f");
        assert_eq!(r.reasons["whitespace inserted"], (1, 1));
    }

    #[test]
    fn bert_normaliser_reasons() {
        // BERT uncased lowercases and strips accents: "Café Été" → "cafe ete".
        let r = compare_roundtrip("Caf\u{e9} \u{c9}t\u{e9}", "cafe ete");
        assert_eq!(r.reasons["normalised: lowercased"], (1, 1));
        assert_eq!(r.reasons["normalised: accents stripped"], (2, 4));
        assert_eq!(
            r.reasons["normalised: lowercased, accents stripped"],
            (1, 2)
        );
        let f = r.first_difference.unwrap();
        assert_eq!(
            (f.byte_offset, f.reason.as_str()),
            (0, "normalised: lowercased")
        );
        // Uppercase kept, only a changed letter is a replacement.
        let r = compare_roundtrip("Cat", "Cot");
        assert!(
            !r.reasons.keys().any(|k| k.starts_with("normalised")),
            "{r:?}"
        );
    }

    #[test]
    fn unknown() {
        let r = compare_roundtrip("a\u{1F600}b", "a<unk>b");
        assert_eq!(r.reasons["unknown token"], (1, 4));
        // Decomposed "é" (e + U+0301, 3 bytes) composed by an NFC normaliser.
        let r = compare_roundtrip("e\u{301}t\u{e9}", "\u{e9}t\u{e9}");
        assert_eq!(r.reasons["NFC changed character"], (1, 3));
        assert_eq!(r.differing_bytes, 3);
    }

    #[test]
    fn zero_width_spaces() {
        // XLM-R's normaliser drops U+200B (3 bytes each) after a space: 6 bytes, and the rest of
        // the text aligns again.
        let r = compare_roundtrip("a \u{200b}\u{200b}bcdef", "a bcdef");
        assert_eq!(r.reasons.len(), 1, "{:?}", r.reasons);
        assert_eq!(r.reasons["zero-width character changed"], (1, 6));
        // Between two letters it becomes a space (Khmer word separators in XLM-R): 3 bytes.
        let r = compare_roundtrip("ab\u{200b}cdef", "ab cdef");
        assert_eq!(r.reasons.len(), 1, "{:?}", r.reasons);
        assert_eq!(r.reasons["zero-width character changed"], (1, 3));
        // "x\u{200b}\n" decoded "x " (a run of ZWSP + newline collapsed to one space).
        let r = compare_roundtrip("x\u{200b}\ny", "x y");
        assert_eq!(r.reasons["zero-width character changed"], (1, 4));
    }
}
