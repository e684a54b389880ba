//! Whitespace runs and the tokens spent on them.
//!
//! **Runs.** The text is cut into *whitespace pieces*: every maximal run of whitespace
//! (`char::is_whitespace`) is split at line breaks, so a piece is either
//! - `newlines`: a maximal run of line breaks (`\n`, `\r\n` and a lone `\r` each count as one;
//!   length = number of line breaks), or
//! - a run of horizontal whitespace (spaces, tabs and every other non-line-break whitespace;
//!   length = characters), classified by where it stands:
//!   - `indent_spaces` / `indent_tabs` / `indent_mixed`: at the start of a line (or of the text)
//!     and followed by a non-whitespace character; only spaces, only tabs, or anything else;
//!   - `trailing`: followed by a line break or the end of the text (including whitespace-only
//!     lines);
//!   - `inner`: between two non-whitespace characters on one line.
//!
//! **Attribution of tokens.** Tokens are taken with their untrimmed byte spans
//! ([`super::spans::token_spans`]). A *whitespace token* is a token whose span is non-empty and
//! consists of whitespace only. For each piece:
//! - `tokens` = whitespace tokens whose span lies inside the piece (tokens spent on the run and on
//!   nothing else);
//! - `shared_tokens` = tokens that overlap the piece but also cover text outside it: `Ġreturn`
//!   after an 8-space indent in RoBERTa carries the indent's last space, XLM-R's `▁return` covers
//!   the collapsed run, RoBERTa's `ĊĠĠ` spans a newline piece and an indent piece.
//!
//! So `tokens` is what the run costs for certain, `tokens + shared_tokens` an upper bound. The
//! whitespace token share is whitespace tokens / all tokens.
//!
//! **Round trip.** Whether a run of a class and length survives decode(encode(·)) is checked in a
//! small fixed context ([`probe_context`]), and runs of different lengths in one class are
//! *distinguishable* when their decoded images differ.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::spans::{TokenSpans, TokenStarts};
use crate::Result;
use crate::tokenizer::Tokenizer;

/// The class of a whitespace piece (module docs).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum WsClass {
    /// Line-leading run of spaces only.
    IndentSpaces,
    /// Line-leading run of tabs only.
    IndentTabs,
    /// Line-leading run mixing spaces, tabs or other whitespace.
    IndentMixed,
    /// Run between two non-whitespace characters of a line.
    Inner,
    /// Run before a line break or the end of the text.
    Trailing,
    /// Run of line breaks.
    Newlines,
}

impl WsClass {
    /// The snake_case name used in JSON and tables.
    pub fn name(self) -> &'static str {
        match self {
            WsClass::IndentSpaces => "indent_spaces",
            WsClass::IndentTabs => "indent_tabs",
            WsClass::IndentMixed => "indent_mixed",
            WsClass::Inner => "inner",
            WsClass::Trailing => "trailing",
            WsClass::Newlines => "newlines",
        }
    }
}

/// One whitespace piece of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WsPiece {
    /// Its class.
    pub class: WsClass,
    /// Start byte offset.
    pub start: usize,
    /// End byte offset (exclusive).
    pub end: usize,
    /// Characters, or line breaks for `newlines`.
    pub length: usize,
}

/// How [`whitespace_pieces`] treats a byte: ASCII text (not whitespace), a line break, ASCII
/// whitespace other than a line break, or a byte of a multi-byte character.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ByteKind {
    Text,
    Break,
    Blank,
    NonAscii,
}

/// [`ByteKind`] of every byte. `char::is_whitespace` holds for exactly U+0009–U+000D and U+0020
/// among ASCII characters; `\n` and `\r` of those are line breaks.
const BYTE_KIND: [ByteKind; 256] = {
    let mut t = [ByteKind::Text; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = match c as u8 {
            b'\n' | b'\r' => ByteKind::Break,
            b' ' | b'\t' | 0x0B | 0x0C => ByteKind::Blank,
            0x80..=0xFF => ByteKind::NonAscii,
            _ => ByteKind::Text,
        };
        c += 1;
    }
    t
};

/// The character starting at byte `i` of `text` (a character boundary before its end).
fn char_at(text: &str, i: usize) -> Option<char> {
    text.get(i..).and_then(|r| r.chars().next())
}

/// The whitespace pieces of `text`, in order (module docs).
///
/// Reads the text in blocks of 64 bytes. A block of ASCII bytes becomes two bit masks, its
/// whitespace and its line breaks ([`ascii_masks`]), and its pieces are read from the masks
/// ([`ascii_block`]): the work follows the number of pieces, with one branch per piece rather
/// than several per byte. A block holding a non-ASCII byte is walked byte by byte
/// ([`walk_bytes`]). Every block starts on a piece boundary: a block ends after its last whole
/// piece, or after the piece that runs past it.
pub fn whitespace_pieces(text: &str) -> Vec<WsPiece> {
    let b = text.as_bytes();
    // Source code has about one piece per 7 bytes: one allocation for most texts.
    let mut out = Vec::with_capacity(text.len() / 5 + 1);
    let mut at = 0;
    while at < b.len() {
        at = match ascii_masks(b, at) {
            Some(masks) => ascii_block(text, at, &masks, &mut out),
            None => walk_bytes(text, at, at + BLOCK, &mut out),
        };
    }
    out
}

/// Bytes per block of [`whitespace_pieces`]: one bit each in a `u64`.
const BLOCK: usize = 64;

/// Whether the character starting at byte `i` of `b` starts a line: it is the first, or follows
/// a line break. Where a run of horizontal whitespace starts, this is the module docs' "at the
/// start of a line": the character before such a run is a line break, or text, never more
/// whitespace of the run's kind.
fn starts_line(b: &[u8], i: usize) -> bool {
    i == 0 || matches!(b[i - 1], b'\n' | b'\r')
}

/// The masks of an ASCII block of 64 bytes: one bit per byte, bit `k` for byte `at + k` of the
/// text (bytes past its end read as NUL).
struct BlockMasks {
    /// Whitespace.
    ws: u64,
    /// Line breaks (`\n`, `\r`).
    breaks: u64,
    /// Whether a `\r` is among them: without one, every line break is one byte.
    has_cr: bool,
}

/// The [`BlockMasks`] of the 64 bytes of `b` from `at`, or `None` when a byte is not ASCII.
fn ascii_masks(b: &[u8], at: usize) -> Option<BlockMasks> {
    use crate::swar::{HIGH, ascii_in_range, high_bits, word_at_padded};
    let (mut ws, mut breaks, mut high, mut cr) = (0u64, 0u64, 0u64, 0u64);
    for k in 0..BLOCK / 8 {
        let w = word_at_padded(b, at + 8 * k);
        high |= w & HIGH;
        let w = w & !HIGH;
        // U+0009–U+000D and U+0020 (`BYTE_KIND`).
        let white = ascii_in_range(w, 0x09, 0x0D) | ascii_in_range(w, b' ', b' ');
        let returns = ascii_in_range(w, b'\r', b'\r');
        let brk = ascii_in_range(w, b'\n', b'\n') | returns;
        cr |= returns;
        ws |= u64::from(high_bits(white)) << (8 * k);
        breaks |= u64::from(high_bits(brk)) << (8 * k);
    }
    (high == 0).then_some(BlockMasks {
        ws,
        breaks,
        has_cr: cr != 0,
    })
}

/// Pushes the pieces that start in the ASCII block of 64 bytes at `at` (a piece boundary),
/// given its masks; returns where the next block starts: the block's end, or the end of a piece
/// that runs past it (found byte by byte).
fn ascii_block(text: &str, at: usize, m: &BlockMasks, out: &mut Vec<WsPiece>) -> usize {
    let b = text.as_bytes();
    let (breaks, blank) = (m.breaks, m.ws & !m.breaks);
    // A run starts where its kind starts; bit 0 starts one, `at` being a piece boundary.
    let mut starts = (blank & !(blank << 1)) | (breaks & !(breaks << 1));
    while starts != 0 {
        let k = starts.trailing_zeros();
        starts &= starts - 1;
        let i = at + k as usize;
        let is_break = breaks >> k & 1 == 1;
        let kind = if is_break { breaks } else { blank };
        // Bits past the block read as 0, so a run reaching its end measures 64 - k or more.
        let len = (!kind >> k).trailing_zeros();
        if k + len >= BLOCK as u32 {
            // The run may go on past the block.
            let piece = if is_break {
                newline_run(b, i)
            } else {
                blank_run(text, i)
            };
            out.push(piece);
            return piece.end;
        }
        if is_break && m.has_cr {
            // `\r\n` is one break: counted byte by byte. Without a `\r`, one break per byte.
            out.push(newline_run(b, i));
            continue;
        }
        let end = i + len as usize;
        let class = if is_break {
            WsClass::Newlines
        } else {
            // The byte after the run is in the block: ASCII, and no whitespace but a break.
            let followed_by_text = end < b.len() && breaks >> (k + len) & 1 == 0;
            let at_line_start = if k == 0 {
                starts_line(b, i)
            } else {
                breaks >> (k - 1) & 1 == 1
            };
            blank_class(&b[i..end], followed_by_text, at_line_start)
        };
        out.push(WsPiece {
            class,
            start: i,
            end,
            length: len as usize,
        });
    }
    at + BLOCK
}

/// The class of a run of horizontal whitespace (module docs) from its bytes (only their
/// spaces and tabs are read, so any run will do), whether text follows it on its line, and
/// whether it starts a line.
fn blank_class(run: &[u8], followed_by_text: bool, at_line_start: bool) -> WsClass {
    if !followed_by_text {
        WsClass::Trailing
    } else if !at_line_start {
        WsClass::Inner
    } else if run.iter().all(|&x| x == b' ') {
        WsClass::IndentSpaces
    } else if run.iter().all(|&x| x == b'\t') {
        WsClass::IndentTabs
    } else {
        WsClass::IndentMixed
    }
}

/// Pushes the pieces of `text` from byte `from` (a piece boundary) until a piece boundary at or
/// after `until`, byte by byte, and returns that boundary.
///
/// Runs of printable ASCII are skipped eight bytes at a time (`skip_printable`), other ASCII
/// bytes classified by a table (`BYTE_KIND`), and only non-ASCII bytes decoded.
fn walk_bytes(text: &str, from: usize, until: usize, out: &mut Vec<WsPiece>) -> usize {
    let b = text.as_bytes();
    let mut i = from;
    while i < until {
        i = skip_printable(b, i);
        let Some(&x) = b.get(i) else {
            break;
        };
        match BYTE_KIND[usize::from(x)] {
            ByteKind::Text => i += 1,
            ByteKind::Break => {
                let piece = newline_run(b, i);
                i = piece.end;
                out.push(piece);
            }
            ByteKind::Blank => {
                let piece = blank_run(text, i);
                i = piece.end;
                out.push(piece);
            }
            ByteKind::NonAscii => {
                let Some(c) = char_at(text, i) else {
                    break;
                };
                if c.is_whitespace() {
                    let piece = blank_run(text, i);
                    i = piece.end;
                    out.push(piece);
                } else {
                    i += c.len_utf8();
                }
            }
        }
    }
    i
}

/// The first position at or after `i` whose byte is not printable ASCII (0x21–0x7E) or DEL,
/// or `b.len()`: every byte skipped is [`ByteKind::Text`].
///
/// Eight bytes at a time, as one `u64` ("SWAR"): a byte is flagged when its top bit is set
/// (non-ASCII) or when subtracting 0x21 borrows from it (below 0x21). Borrows only carry
/// upward, from a byte that is itself flagged, so the lowest flagged byte is exact.
fn skip_printable(b: &[u8], mut i: usize) -> usize {
    use crate::swar::{HIGH, ONES};
    while let Some(w) = crate::swar::word_at(b, i) {
        let flagged = ((w.wrapping_sub(ONES * 0x21) & !w) | w) & HIGH;
        if flagged != 0 {
            return i + (flagged.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while b.get(i).is_some_and(|&x| (0x21..0x80).contains(&x)) {
        i += 1;
    }
    i
}

/// The run of line breaks starting at byte `i`, which holds one (`\r\n` counts as one break).
fn newline_run(b: &[u8], i: usize) -> WsPiece {
    let mut breaks = 0;
    let mut end = i;
    while let Some(&x) = b.get(end) {
        match x {
            b'\r' if b.get(end + 1) == Some(&b'\n') => end += 2,
            b'\r' | b'\n' => end += 1,
            _ => break,
        }
        breaks += 1;
    }
    WsPiece {
        class: WsClass::Newlines,
        start: i,
        end,
        length: breaks,
    }
}

/// The run of whitespace other than line breaks starting at byte `i`, which holds such a
/// character; its class depends on whether it starts a line and on what follows it. ASCII
/// bytes are matched as bytes, only other characters decoded.
fn blank_run(text: &str, i: usize) -> WsPiece {
    let b = text.as_bytes();
    let mut chars = 0;
    let mut end = i;
    loop {
        match b.get(end) {
            Some(b' ' | b'\t' | 0x0B | 0x0C) => {}
            Some(0x80..) => match char_at(text, end) {
                // No line break is outside ASCII.
                Some(d) if d.is_whitespace() => end += d.len_utf8() - 1,
                _ => break,
            },
            _ => break,
        }
        end += 1;
        chars += 1;
    }
    // `end` is a character boundary: the next character is a line break iff its byte is one.
    let followed_by_text = b
        .get(end)
        .is_some_and(|&x| BYTE_KIND[usize::from(x)] != ByteKind::Break);
    WsPiece {
        class: blank_class(&b[i..end], followed_by_text, starts_line(b, i)),
        start: i,
        end,
        length: chars,
    }
}

/// Tokens spent on one piece (module docs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PieceTokens {
    /// Whitespace tokens inside the piece.
    pub tokens: u64,
    /// Tokens overlapping the piece that also cover other text.
    pub shared_tokens: u64,
}

/// Whether `text[s..e]` is non-empty and all whitespace.
///
/// Byte by byte while the bytes are ASCII: most spans are settled by their first or second
/// byte (`Ġreturn` by its `r`). A span of ASCII whitespace only starts and ends on character
/// boundaries (a byte after an ASCII byte never continues a character), so slicing can only
/// fail once a non-ASCII byte is met; from there the span is sliced and decoded.
#[inline]
fn is_whitespace_span(text: &str, (s, e): (usize, usize)) -> bool {
    let Some(span) = text.as_bytes().get(s..e).filter(|b| !b.is_empty()) else {
        return false;
    };
    for &x in span {
        match BYTE_KIND[usize::from(x)] {
            ByteKind::Break | ByteKind::Blank => {}
            ByteKind::Text => return false,
            ByteKind::NonAscii => {
                return text
                    .get(s..e)
                    .is_some_and(|t| t.chars().all(char::is_whitespace));
            }
        }
    }
    true
}

/// Calls `f` with each piece and the tokens spent on it; `spans` are token spans sorted by
/// start. One walk over both lists: the first span that can still overlap a piece only moves
/// forward.
///
/// Returns the number of whitespace tokens among `spans` ([`whitespace_token_count`]), counted
/// on the way: a whitespace token starts on a whitespace character, so inside exactly one piece,
/// whose walk visits it.
fn for_each_piece_tokens<'p>(
    text: &str,
    pieces: &'p [WsPiece],
    tokens: &TokenSpans<'_>,
    mut f: impl FnMut(&'p WsPiece, PieceTokens),
) -> u64 {
    if let Some(starts) = tokens.starts() {
        return for_each_piece_tiled(text, pieces, starts, f);
    }
    let spans = tokens.spans();
    let mut first = 0usize;
    let mut whitespace_tokens = 0;
    for p in pieces {
        while first < spans.len() && spans[first].1 <= p.start {
            first += 1;
        }
        let mut pt = PieceTokens::default();
        for &(s, e) in spans[first..].iter().take_while(|sp| sp.0 < p.end) {
            if e > p.start && s < e {
                let whitespace = s >= p.start && is_whitespace_span(text, (s, e));
                whitespace_tokens += u64::from(whitespace);
                if whitespace && e <= p.end {
                    pt.tokens += 1;
                } else {
                    pt.shared_tokens += 1;
                }
            }
        }
        f(p, pt);
    }
    whitespace_tokens
}

/// [`for_each_piece_tokens`] of tokens that tile the text, read from their starts. A piece is
/// whitespace only, so of the tokens starting in it all but the last end inside it and are
/// whitespace tokens spent on it alone. The last one ends at the next start at or after the
/// piece's end: at the end, it is one too; past it, it is shared, and a whitespace token when
/// the bytes it covers past the piece are whitespace. A token that starts before the piece and
/// covers its first byte is shared.
fn for_each_piece_tiled<'p>(
    text: &str,
    pieces: &'p [WsPiece],
    starts: &TokenStarts,
    mut f: impl FnMut(&'p WsPiece, PieceTokens),
) -> u64 {
    let mut whitespace_tokens = 0;
    for p in pieces {
        let inside = starts.count(p.start, p.end);
        let before = u64::from(!starts.has(p.start));
        let (mut own, mut shared) = (inside, before);
        if inside > 0 {
            // The last token to start inside ends at the first start at or after the piece's
            // end; it crosses the end when that is past it.
            let next = starts.next_from(p.end);
            if next > p.end {
                own -= 1;
                shared += 1;
                whitespace_tokens += u64::from(is_whitespace_span(text, (p.end, next)));
            }
        }
        whitespace_tokens += own;
        f(
            p,
            PieceTokens {
                tokens: own,
                shared_tokens: shared,
            },
        );
    }
    whitespace_tokens
}

/// For each piece, the tokens spent on it; `spans` are token spans sorted by start.
pub fn piece_tokens(text: &str, pieces: &[WsPiece], spans: &[(usize, usize)]) -> Vec<PieceTokens> {
    let mut out = Vec::with_capacity(pieces.len());
    let tokens = TokenSpans::new(text, spans);
    for_each_piece_tokens(text, pieces, &tokens, |_, pt| out.push(pt));
    out
}

/// Number of whitespace tokens among `spans`.
pub fn whitespace_token_count(text: &str, spans: &[(usize, usize)]) -> u64 {
    spans
        .iter()
        .filter(|&&sp| is_whitespace_span(text, sp))
        .count() as u64
}

/// Counts for one (class, length) cell.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WsCell {
    /// Pieces seen.
    pub occurrences: u64,
    /// Σ whitespace tokens inside them.
    pub tokens: u64,
    /// Σ shared tokens.
    pub shared_tokens: u64,
    /// The first run seen (used to probe the round trip).
    pub sample: String,
}

/// Additive whitespace counts for one tokenizer over any number of texts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhitespaceCounts {
    /// Per (class, length).
    pub cells: BTreeMap<(WsClass, usize), WsCell>,
    /// Whitespace tokens (module docs).
    pub whitespace_tokens: u64,
    /// All tokens.
    pub tokens: u64,
}

/// Longest run kept verbatim as a round-trip sample.
const MAX_SAMPLE_CHARS: usize = 256;

/// Runs longer than [`MAX_SAMPLE_CHARS`] share one cell per class, with this length: the number
/// of cells stays bounded (6 classes × 257) whatever the input, and so do memory and the
/// round-trip probes of [`class_rows`].
pub const LONG_RUN: usize = MAX_SAMPLE_CHARS + 1;

impl WhitespaceCounts {
    /// Counts for one text, given its token spans sorted by start.
    pub fn of_text(text: &str, spans: &[(usize, usize)]) -> Self {
        let tokens = TokenSpans::new(text, spans);
        Self::of_pieces(text, &whitespace_pieces(text), &tokens)
    }

    /// [`Self::of_text`] with the text's whitespace pieces already found (`pieces` is
    /// [`whitespace_pieces`] of `text`) and its token spans read as [`TokenSpans`], for a
    /// caller that measures one text with several tokenizers and walks.
    pub fn of_pieces(text: &str, pieces: &[WsPiece], tokens: &TokenSpans<'_>) -> Self {
        let mut cells = CellTable::new();
        let whitespace_tokens = for_each_piece_tokens(text, pieces, tokens, |p, pt| {
            let cell = cells.entry(p.class, p.length.min(LONG_RUN), || {
                // The first run of a cell is its sample, unless it is too long.
                if p.length <= MAX_SAMPLE_CHARS {
                    text[p.start..p.end].to_string()
                } else {
                    String::new()
                }
            });
            cell.occurrences += 1;
            cell.tokens += pt.tokens;
            cell.shared_tokens += pt.shared_tokens;
        });
        WhitespaceCounts {
            cells: cells.into_map(),
            whitespace_tokens,
            tokens: tokens.spans().len() as u64,
        }
    }

    /// Adds another text's counts (samples: the first one seen wins).
    pub fn add(&mut self, o: &WhitespaceCounts) {
        self.whitespace_tokens += o.whitespace_tokens;
        self.tokens += o.tokens;
        for (k, v) in &o.cells {
            let cell = self.cells.entry(*k).or_default();
            if cell.sample.is_empty() {
                cell.sample = v.sample.clone();
            }
            cell.occurrences += v.occurrences;
            cell.tokens += v.tokens;
            cell.shared_tokens += v.shared_tokens;
        }
    }
}

/// The cells of one text while its pieces are counted: a dense index by (class, length), so a
/// piece costs an array lookup instead of a map search; [`CellTable::into_map`] then sorts the
/// few cells seen into the map.
struct CellTable {
    /// `class * (LONG_RUN + 1) + length` → position in `cells` + 1 (0: not seen yet).
    index: Vec<u16>,
    cells: Vec<((WsClass, usize), WsCell)>,
}

impl CellTable {
    /// Lengths per class in `index`: 0 to [`LONG_RUN`].
    const LENGTHS: usize = LONG_RUN + 1;
    /// Classes in `index` (every [`WsClass`]).
    const CLASSES: usize = WsClass::Newlines as usize + 1;

    fn new() -> Self {
        Self {
            index: vec![0; Self::CLASSES * Self::LENGTHS],
            cells: Vec::new(),
        }
    }

    /// The cell of (`class`, `length`) (`length` at most [`LONG_RUN`]), created with the sample
    /// `sample()` when first seen.
    fn entry(
        &mut self,
        class: WsClass,
        length: usize,
        sample: impl FnOnce() -> String,
    ) -> &mut WsCell {
        let slot = &mut self.index[class as usize * Self::LENGTHS + length];
        if *slot == 0 {
            self.cells.push((
                (class, length),
                WsCell {
                    sample: sample(),
                    ..Default::default()
                },
            ));
            // At most CLASSES × LENGTHS (1,548) cells, so the position fits.
            *slot = self.cells.len() as u16;
        }
        &mut self.cells[usize::from(*slot) - 1].1
    }

    fn into_map(self) -> BTreeMap<(WsClass, usize), WsCell> {
        self.cells.into_iter().collect()
    }
}

/// The fixed context in which a run is round-tripped: `x\n{run}y\n` for indentation,
/// `x{run}\ny\n` for trailing runs, `x{run}y\n` for inner runs and line breaks. Returns the probe
/// and the byte range of the run in it.
pub fn probe_context(class: WsClass, run: &str) -> (String, (usize, usize)) {
    match class {
        WsClass::IndentSpaces | WsClass::IndentTabs | WsClass::IndentMixed => {
            (format!("x\n{run}y\n"), (2, 2 + run.len()))
        }
        WsClass::Trailing => (format!("x{run}\ny\n"), (1, 1 + run.len())),
        WsClass::Inner | WsClass::Newlines => (format!("x{run}y\n"), (1, 1 + run.len())),
    }
}

/// One row of the whitespace table of a report.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct WsClassRow {
    /// Class name (module docs).
    pub class: WsClass,
    /// Run length: characters, or line breaks for `newlines`; [`LONG_RUN`] (257) stands for
    /// every run longer than 256.
    pub length: usize,
    /// Runs seen.
    pub occurrences: u64,
    /// Whitespace tokens inside these runs.
    pub tokens: u64,
    /// Tokens shared with other text.
    pub shared_tokens: u64,
    /// tokens / occurrences.
    pub tokens_per_run: f64,
    /// Whether the sample run comes back byte for byte from decode(encode(probe)).
    pub roundtrip_exact: bool,
    /// Whether the decoded image of this run differs from those of every other length seen in
    /// the same class.
    pub distinguishable: bool,
}

/// The round trips of whitespace probes ([`probe_context`]) made with one tokenizer: each probe,
/// whether it decodes back exactly, and what it decodes to.
pub type ProbeImages = std::collections::HashMap<String, (bool, String)>;

/// Builds the per-class rows, probing each (class, length) seen with `tokenizer`. The probes'
/// round trips are read from `images` (made with `tokenizer`) and added to it, so the rows of
/// several sets of counts, such as each language's and all of them, probe each run once.
pub fn class_rows(
    counts: &WhitespaceCounts,
    tokenizer: &dyn Tokenizer,
    images: &mut ProbeImages,
) -> Result<Vec<WsClassRow>> {
    let mut probes = Vec::with_capacity(counts.cells.len());
    for ((class, _), cell) in &counts.cells {
        let (probe, _) = probe_context(*class, &cell.sample);
        if !images.contains_key(&probe) {
            let enc = tokenizer.encode_ids(&probe, false)?;
            let dec = tokenizer.decode(&enc, false)?;
            images.insert(probe.clone(), (dec == probe, dec));
        }
        probes.push(probe);
    }
    let image = |probe: &String| &images[probe];
    // A length is distinguishable when no other length of its class decodes to its image.
    let mut sharing: std::collections::HashMap<(WsClass, &str), usize> = Default::default();
    for (((class, _), _), probe) in counts.cells.iter().zip(&probes) {
        *sharing
            .entry((*class, image(probe).1.as_str()))
            .or_default() += 1;
    }
    let rows = counts
        .cells
        .iter()
        .zip(&probes)
        .map(|(((class, length), cell), probe)| {
            let (exact, decoded) = image(probe);
            WsClassRow {
                class: *class,
                length: *length,
                occurrences: cell.occurrences,
                tokens: cell.tokens,
                shared_tokens: cell.shared_tokens,
                tokens_per_run: super::ratio(cell.tokens as f64, cell.occurrences as f64),
                roundtrip_exact: *exact,
                distinguishable: sharing[&(*class, decoded.as_str())] == 1,
            }
        });
    Ok(rows.collect())
}

/// "N spaces of indentation → tokens" from the input: runs of class `indent_spaces`.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct IndentRow {
    /// N.
    pub spaces: usize,
    /// Indentation runs of exactly N spaces in the input.
    pub occurrences: u64,
    /// Mean whitespace tokens per run.
    pub tokens_per_run: f64,
    /// Mean shared tokens per run.
    pub shared_per_run: f64,
}

/// Indentation rows for N = 1..=`max` (only lengths that occur).
pub fn indent_rows(counts: &WhitespaceCounts, max: usize) -> Vec<IndentRow> {
    (1..=max)
        .filter_map(|n| {
            let c = counts.cells.get(&(WsClass::IndentSpaces, n))?;
            Some(IndentRow {
                spaces: n,
                occurrences: c.occurrences,
                tokens_per_run: super::ratio(c.tokens as f64, c.occurrences as f64),
                shared_per_run: super::ratio(c.shared_tokens as f64, c.occurrences as f64),
            })
        })
        .collect()
}

/// The synthetic probe line `if x:\n{N spaces}return x\n`, independent of the input.
pub fn indent_probe_text(n: usize) -> String {
    format!("if x:\n{}return x\n", " ".repeat(n))
}

/// One row of the synthetic indentation probe.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct IndentProbe {
    /// N.
    pub spaces: usize,
    /// Whitespace tokens inside the indent.
    pub tokens: u64,
    /// Tokens shared between the indent and other text.
    pub shared_tokens: u64,
    /// Ids of every token that overlaps the indent.
    pub ids: Vec<u32>,
    /// Whether decode(encode(probe)) == probe.
    pub roundtrip_exact: bool,
}

/// Encodes [`indent_probe_text`] for N = 1..=`max`.
pub fn indent_probe(tokenizer: &dyn Tokenizer, max: usize) -> Result<Vec<IndentProbe>> {
    (1..=max)
        .map(|n| {
            let text = indent_probe_text(n);
            let enc = tokenizer.encode(&text, false)?;
            let spans = super::spans::token_spans(&text, &enc, tokenizer);
            let piece = WsPiece {
                class: WsClass::IndentSpaces,
                start: 6,
                end: 6 + n,
                length: n,
            };
            let pt = piece_tokens(&text, &[piece], &spans)[0];
            let ids = spans
                .iter()
                .zip(&enc.ids)
                .filter(|((s, e), _)| *e > piece.start && *s < piece.end)
                .map(|(_, id)| *id)
                .collect();
            let dec = tokenizer.decode(&enc.ids, false)?;
            Ok(IndentProbe {
                spaces: n,
                tokens: pt.tokens,
                shared_tokens: pt.shared_tokens,
                ids,
                roundtrip_exact: dec == text,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_line_break(c: char) -> bool {
        c == '\n' || c == '\r'
    }

    /// The character-by-character reading of the module docs, kept as the reference for the
    /// byte walk of `whitespace_pieces`.
    fn reference_pieces(text: &str) -> Vec<WsPiece> {
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let mut out = Vec::new();
        let mut at_line_start = true;
        let mut k = 0;
        while k < chars.len() {
            let (i, c) = chars[k];
            if is_line_break(c) {
                let mut breaks = 0;
                while k < chars.len() && is_line_break(chars[k].1) {
                    let crlf = chars[k].1 == '\r' && chars.get(k + 1).is_some_and(|p| p.1 == '\n');
                    k += if crlf { 2 } else { 1 };
                    breaks += 1;
                }
                let end = chars.get(k).map_or(text.len(), |p| p.0);
                out.push(WsPiece {
                    class: WsClass::Newlines,
                    start: i,
                    end,
                    length: breaks,
                });
                at_line_start = true;
            } else if c.is_whitespace() {
                let first = k;
                while k < chars.len() && chars[k].1.is_whitespace() && !is_line_break(chars[k].1) {
                    k += 1;
                }
                let run: Vec<char> = chars[first..k].iter().map(|p| p.1).collect();
                let end = chars.get(k).map_or(text.len(), |p| p.0);
                let class = if k == chars.len() || is_line_break(chars[k].1) {
                    WsClass::Trailing
                } else if !at_line_start {
                    WsClass::Inner
                } else if run.iter().all(|&d| d == ' ') {
                    WsClass::IndentSpaces
                } else if run.iter().all(|&d| d == '\t') {
                    WsClass::IndentTabs
                } else {
                    WsClass::IndentMixed
                };
                out.push(WsPiece {
                    class,
                    start: i,
                    end,
                    length: run.len(),
                });
            } else {
                at_line_start = false;
                k += 1;
            }
        }
        out
    }

    /// The byte walk against the reference on random strings over spaces, tabs, line breaks,
    /// other ASCII and Unicode whitespace, and letters of one to four bytes.
    #[test]
    fn pieces_match_the_character_reading() {
        let alphabet: Vec<char> = " \t\r\n\u{b}\u{c}ax;\u{a0}\u{3000}\u{2028}\u{85}é漢😀"
            .chars()
            .collect();
        let mut rng = crate::test_text::XorShift(0x9E37_79B9_7F4A_7C15);
        for t in rng.strings(&alphabet, 50_000, 30) {
            assert_eq!(whitespace_pieces(&t), reference_pieces(&t), "{t:?}");
        }
    }

    /// The block reading against the reference on longer strings, mostly ASCII so that most
    /// blocks are read from their masks, with runs long enough to cross blocks, and now and
    /// then a non-ASCII character (letter or whitespace) that sends a block to the byte walk.
    #[test]
    fn blocks_match_the_character_reading() {
        let parts = [
            " ", "  ", "        ", "\t", "\t\t", "\n", "\r\n", "\r", "\n\n\n", "\u{b}", "\u{c}",
            "x", "ab", "fn", ";", "(", "\u{0}", "\u{7f}",
        ];
        let rare = ["\u{a0}", "é", "\u{3000}", "漢"];
        let mut rng = crate::test_text::XorShift(0x2545_F491_4F6C_DD1D);
        for n in 0..20_000 {
            let len = rng.below(160);
            let mut t = String::new();
            for _ in 0..len {
                if n % 4 == 0 && rng.below(40) == 0 {
                    t.push_str(rare[rng.below(rare.len())]);
                } else {
                    t.push_str(parts[rng.below(parts.len())]);
                }
            }
            assert_eq!(whitespace_pieces(&t), reference_pieces(&t), "{t:?}");
        }
    }

    /// The reading of `of_pieces` with a map entry per piece and a character test per span,
    /// kept as the reference for the merged walk and the dense cell table.
    fn reference_counts(text: &str, spans: &[(usize, usize)]) -> WhitespaceCounts {
        let is_ws = |(s, e): (usize, usize)| {
            s < e
                && text
                    .get(s..e)
                    .is_some_and(|t| t.chars().all(char::is_whitespace))
        };
        let mut c = WhitespaceCounts {
            whitespace_tokens: spans.iter().filter(|&&sp| is_ws(sp)).count() as u64,
            tokens: spans.len() as u64,
            ..Default::default()
        };
        for p in reference_pieces(text) {
            let mut pt = PieceTokens::default();
            for &(s, e) in spans {
                if e > p.start && s < p.end && s < e {
                    if s >= p.start && e <= p.end && is_ws((s, e)) {
                        pt.tokens += 1;
                    } else {
                        pt.shared_tokens += 1;
                    }
                }
            }
            let cell = c
                .cells
                .entry((p.class, p.length.min(LONG_RUN)))
                .or_default();
            if cell.occurrences == 0 && p.length <= MAX_SAMPLE_CHARS {
                cell.sample = text[p.start..p.end].to_string();
            }
            cell.occurrences += 1;
            cell.tokens += pt.tokens;
            cell.shared_tokens += pt.shared_tokens;
        }
        c
    }

    /// Random token spans over `text`, sorted by start: tilings at random byte offsets (inside
    /// characters too), with empty and overlapping spans mixed in.
    fn random_spans(rng: &mut crate::test_text::XorShift, text: &str) -> Vec<(usize, usize)> {
        let n = text.len();
        let mut spans = Vec::new();
        let mut at = 0;
        while at < n {
            let end = (at + 1 + rng.below(4)).min(n);
            spans.push((at, end));
            match rng.below(8) {
                0 => spans.push((at, at)),
                1 => spans.push((at, (end + rng.below(6)).min(n + 1))),
                _ => {}
            }
            at = end;
        }
        spans.sort_unstable();
        spans
    }

    /// `of_pieces` (and so `piece_tokens` and `whitespace_token_count`) against the reference
    /// on random texts and spans, with runs long enough to reach the shared long-run cells: the
    /// random spans, and tilings of the text at `char` boundaries (one to eight characters per
    /// token, so that tokens end inside runs, at their ends and past them), each read token by
    /// token and, where the tokens tile the text, from their starts.
    #[test]
    fn counts_match_the_reference_reading() {
        let mut tiling_read = 0;
        let alphabet: Vec<char> = " \t\r\n\u{b}\u{c}ax;\u{a0}\u{3000}\u{2028}\u{85}é漢😀"
            .chars()
            .collect();
        let mut rng = crate::test_text::XorShift(0x5851_F42D_4C95_7F2D);
        let mut texts = rng.strings(&alphabet, 20_000, 30);
        let long = [" ".repeat(300), "\t".repeat(257), " \u{3000}".repeat(140)];
        for (k, run) in long.iter().enumerate() {
            texts.push(format!("x{run}y\n{run}z{run}"));
            texts.push(format!("{}{run}\n", "ab".repeat(k)));
        }
        for t in &texts {
            let pieces = whitespace_pieces(t);
            let tiled = crate::test_text::tiling(&mut rng, t, 8);
            for spans in [random_spans(&mut rng, t), tiled] {
                let want = reference_counts(t, &spans);
                let tokens = TokenSpans::new(t, &spans);
                tiling_read += usize::from(tokens.starts().is_some());
                for tokens in [tokens, TokenSpans::stepped(&spans)] {
                    assert_eq!(
                        WhitespaceCounts::of_pieces(t, &pieces, &tokens),
                        want,
                        "{t:?} {spans:?}"
                    );
                }
            }
        }
        assert!(tiling_read > 20_000, "{tiling_read} read from their starts");
    }

    #[test]
    fn long_runs_share_one_cell() {
        // Inner runs of 300 and 400 spaces and one of 256: the two long ones share length 257.
        let text = format!(
            "a{}b{}c{}d\n",
            " ".repeat(300),
            " ".repeat(400),
            " ".repeat(256)
        );
        let c = WhitespaceCounts::of_text(&text, &[]);
        let inner: Vec<(usize, u64)> = c
            .cells
            .iter()
            .filter(|((class, _), _)| *class == WsClass::Inner)
            .map(|((_, len), cell)| (*len, cell.occurrences))
            .collect();
        assert_eq!(inner, [(256, 1), (LONG_RUN, 2)]);
    }

    fn classes(t: &str) -> Vec<(WsClass, usize)> {
        whitespace_pieces(t)
            .iter()
            .map(|p| (p.class, p.length))
            .collect()
    }

    #[test]
    fn pieces_by_hand() {
        use WsClass::*;
        // "def f():⏎····return·x··⏎⏎→y"
        let t = "def f():\n    return x  \n\n\ty";
        assert_eq!(
            classes(t),
            vec![
                (Inner, 1),        // "def f"
                (Newlines, 1),     // after ":"
                (IndentSpaces, 4), // "    return"
                (Inner, 1),        // "return x"
                (Trailing, 2),     // "x  ⏎"
                (Newlines, 2),     // "⏎⏎"
                (IndentTabs, 1),   // "→y"
            ]
        );
        assert_eq!(
            classes("\r\n\r\n x"),
            vec![(Newlines, 2), (IndentSpaces, 1)]
        );
        assert_eq!(classes(" \t x"), vec![(IndentMixed, 3)]);
        assert_eq!(classes("x   "), vec![(Trailing, 3)]);
        assert_eq!(classes("  \nx"), vec![(Trailing, 2), (Newlines, 1)]);
        assert_eq!(classes(""), vec![]);
    }

    #[test]
    fn attribution_by_hand() {
        // "x⏎··y": pieces newline [1,2), indent [2,4).
        let t = "x\n  y";
        let pieces = whitespace_pieces(t);
        // RoBERTa-like: "x" "ĊĠ" "Ġy" → ĊĠ spans both pieces (shared for both), Ġy shares the
        // indent's last space.
        let pt = piece_tokens(t, &pieces, &[(0, 1), (1, 3), (3, 5)]);
        assert_eq!(
            pt[0],
            PieceTokens {
                tokens: 0,
                shared_tokens: 1
            }
        );
        assert_eq!(
            pt[1],
            PieceTokens {
                tokens: 0,
                shared_tokens: 2
            }
        );
        // OLMo-like: "x" "Ċ" "··" "y" → one token each, nothing shared.
        let pt = piece_tokens(t, &pieces, &[(0, 1), (1, 2), (2, 4), (4, 5)]);
        assert_eq!(
            pt[0],
            PieceTokens {
                tokens: 1,
                shared_tokens: 0
            }
        );
        assert_eq!(
            pt[1],
            PieceTokens {
                tokens: 1,
                shared_tokens: 0
            }
        );
        assert_eq!(
            whitespace_token_count(t, &[(0, 1), (1, 2), (2, 4), (4, 5)]),
            2
        );
    }
}
