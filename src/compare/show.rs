//! The text cut into tokens, for `--show` (terminal) and `--html` (see [`crate::html`]).
//!
//! A [`ShowBlock`] keeps the first bytes of one input and the tokens one tokenizer cut them
//! into: id, token string, byte range and kind. Byte ranges are the encoding's offsets
//! (`[start, end)` bytes of the input, as `tokstat encode --format json` reports them); a
//! token that holds part of a multi-byte character shares that character's range with its
//! neighbours. [`ShowBlock::pieces`] is the one rule that turns tokens into consecutive pieces
//! of text, used by both renderers.
//!
//! The terminal view ([`render_show`]) makes whitespace visible (`·` space, `→` tab, `⏎`
//! newline, `␍` carriage return). With colour, tokens alternate between two backgrounds of the
//! Okabe–Ito palette (blue, orange), chosen to stay distinct for the common forms of colour
//! blindness; unknown tokens are white on vermillion, byte-fallback tokens black on yellow and
//! underlined, text no token covers is struck through on grey. Without colour the same marks are
//! made with characters: tokens separated by `|`, an unknown token as `⟨?text⟩`, text no token
//! covers as `[text]`. A byte-fallback token is always shown by its token string (`<0xC3>`),
//! since the bytes it stands for are not a character on their own.

use crate::analysis::text::is_byte_fallback;
use crate::tokenizer::Encoding;

/// What a shown token is, for marking it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A vocabulary token.
    Normal,
    /// The model's unknown token (`<unk>`).
    Unknown,
    /// A SentencePiece byte-fallback token (`<0x0A>`).
    ByteFallback,
    /// A special token (added by a post-processor or matched as a special added token).
    Special,
}

/// One token of a [`ShowBlock`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownToken {
    /// Token id.
    pub id: u32,
    /// Token string as the vocabulary spells it (`Ġ`/`▁` markers kept).
    pub token: String,
    /// Start byte in the input (the encoding's offset).
    pub start: usize,
    /// End byte in the input (exclusive).
    pub end: usize,
    /// Kind, for marking.
    pub kind: TokenKind,
}

/// One input's text as one tokenizer cuts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShowBlock {
    /// The input.
    pub path: String,
    /// The tokenizer.
    pub tokenizer: String,
    /// The first bytes of the input (at most the show limit, cut at a character boundary).
    pub text: String,
    /// The tokens that start inside `text`, in encoding order.
    pub tokens: Vec<ShownToken>,
    /// Whether the input goes on beyond `text`.
    pub truncated: bool,
}

/// A consecutive piece of a block's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// The text shown for token `index` of [`ShowBlock::tokens`]: its range minus what earlier
    /// tokens already showed (empty for the second and later tokens of one character).
    Token {
        /// Index into [`ShowBlock::tokens`].
        index: usize,
        /// Text shown for it.
        text: &'a str,
    },
    /// Text that no token covers (removed by a normaliser, e.g. XLM-R's collapsed spaces).
    Uncovered(&'a str),
}

/// The largest character boundary of `text` at or below `limit`.
fn floor_boundary(text: &str, limit: usize) -> usize {
    let mut end = text.len().min(limit);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    end
}

impl ShowBlock {
    /// The block of the first `limit` bytes of `text` as `enc` (its encoding) cuts it; `unk` is
    /// the tokenizer's unknown-token id.
    pub fn from_encoding(
        path: &str,
        tokenizer: &str,
        text: &str,
        enc: &Encoding,
        unk: Option<u32>,
        limit: usize,
    ) -> Self {
        let end = floor_boundary(text, limit);
        let tokens = (0..enc.len())
            .filter(|&i| enc.offsets[i].0 < end || (end == text.len() && enc.offsets[i].0 == end))
            .map(|i| {
                let token = &enc.tokens[i];
                // `<unk>` is a special token too: it is marked as unknown.
                let kind = if Some(enc.ids[i]) == unk {
                    TokenKind::Unknown
                } else if enc.special.get(i).copied().unwrap_or(false) {
                    TokenKind::Special
                } else if is_byte_fallback(token) {
                    TokenKind::ByteFallback
                } else {
                    TokenKind::Normal
                };
                ShownToken {
                    id: enc.ids[i],
                    token: token.clone(),
                    start: enc.offsets[i].0,
                    end: enc.offsets[i].1,
                    kind,
                }
            })
            .collect();
        ShowBlock {
            path: path.to_string(),
            tokenizer: tokenizer.to_string(),
            text: text[..end].to_string(),
            tokens,
            truncated: end < text.len(),
        }
    }

    /// Cuts the block to its first `limit` bytes (at a character boundary).
    pub fn truncate(&mut self, limit: usize) {
        let end = floor_boundary(&self.text, limit);
        if end < self.text.len() {
            self.text.truncate(end);
            self.tokens.retain(|t| t.start < end);
            self.truncated = true;
        }
    }

    /// The text as consecutive pieces: one [`Piece::Token`] per token, in encoding order, and
    /// [`Piece::Uncovered`] for text between them that no token covers.
    pub fn pieces(&self) -> Vec<Piece<'_>> {
        let len = self.text.len();
        let mut out = Vec::with_capacity(self.tokens.len() + 1);
        let mut at = 0usize;
        for (index, t) in self.tokens.iter().enumerate() {
            let s = floor_boundary(&self.text, t.start.max(at).min(len));
            let e = floor_boundary(&self.text, t.end.min(len)).max(s);
            if s > at {
                out.push(Piece::Uncovered(&self.text[at..s]));
            }
            out.push(Piece::Token {
                index,
                text: &self.text[s..e],
            });
            at = at.max(e);
        }
        if at < len {
            out.push(Piece::Uncovered(&self.text[at..]));
        }
        out
    }
}

/// Whether to colour the terminal view (`--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when standard output is a terminal and `NO_COLOR` is not set (or empty).
    #[default]
    Auto,
    /// Always colour, even when piped or with `NO_COLOR`.
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    /// Whether to colour, given whether stdout is a terminal and the value of `NO_COLOR`
    /// (<https://no-color.org>: set to any non-empty value, it turns colour off).
    pub fn enabled(self, is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => is_terminal && no_color.is_none_or(|v| v.is_empty()),
        }
    }
}

/// The visible form of whitespace and control characters in the views: `·` space, `→` tab,
/// `⏎` newline (kept as a line break after the marker, so that code keeps its layout), `␍`
/// carriage return, other controls by [`printable`].
pub fn visible(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            ' ' => out.push('·'),
            '\t' => out.push('→'),
            '\n' => out.push_str("⏎\n"),
            '\r' => out.push('␍'),
            c => push_printable(&mut out, c),
        }
    }
    out
}

/// `s` with every control character replaced by a visible sign: C0 controls by their Unicode
/// control pictures (U+2400…, `␛` for ESC), DEL by `␡`, C1 controls by `‹U+0085›`. Used for
/// names and labels (paths, titles) that should read as one line.
pub fn printable(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        push_printable(&mut out, c);
    }
    out
}

fn push_printable(out: &mut String, c: char) {
    match c {
        c if (c as u32) < 0x20 => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('?')),
        '\x7f' => out.push('␡'),
        c if ('\u{80}'..='\u{9f}').contains(&c) => {
            out.push_str(&format!("‹U+{:04X}›", c as u32));
        }
        c => out.push(c),
    }
}

/// The token string shown for a byte-fallback or special token that covers `text`: with the
/// line break of a newline it stands for (`<0x0A>` then a line break), so that the layout is
/// kept.
pub fn token_string_shown(token: &str, text: &str) -> String {
    let mut out = printable(token);
    if text.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// How a piece is marked in the terminal view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// Even tokens: white on blue (#0072B2).
    Even,
    /// Odd tokens: black on orange (#E69F00).
    Odd,
    /// Unknown tokens: bold white on vermillion (#D55E00).
    Unknown,
    /// Byte-fallback and special tokens: underlined black on yellow (#F0E442).
    Bytes,
    /// Uncovered text: struck through, grey background.
    Uncovered,
}

/// Resets the colours.
const RESET: &str = "\x1b[0m";

impl Mark {
    /// ANSI SGR code (24-bit colours of the Okabe–Ito palette).
    fn sgr(self) -> &'static str {
        match self {
            Mark::Even => "\x1b[97;48;2;0;114;178m",
            Mark::Odd => "\x1b[30;48;2;230;159;0m",
            Mark::Unknown => "\x1b[1;97;48;2;213;94;0m",
            Mark::Bytes => "\x1b[4;30;48;2;240;228;66m",
            Mark::Uncovered => "\x1b[9;97;48;2;96;96;96m",
        }
    }
}

/// Text and mark of one piece in the terminal view; `k` counts the tokens shown before it.
fn terminal_piece(b: &ShowBlock, p: Piece<'_>, k: usize) -> Option<(String, Mark)> {
    match p {
        Piece::Uncovered(text) => Some((visible(text), Mark::Uncovered)),
        Piece::Token { index, text } => {
            let t = &b.tokens[index];
            match t.kind {
                TokenKind::ByteFallback | TokenKind::Special => {
                    Some((token_string_shown(&t.token, text), Mark::Bytes))
                }
                _ if text.is_empty() => None,
                TokenKind::Unknown => Some((visible(text), Mark::Unknown)),
                TokenKind::Normal if k % 2 == 0 => Some((visible(text), Mark::Even)),
                TokenKind::Normal => Some((visible(text), Mark::Odd)),
            }
        }
    }
}

/// Appends `v` coloured by `mark`, line by line so the background does not bleed past a
/// newline.
fn push_coloured(out: &mut String, v: &str, mark: Mark) {
    for (i, line) in v.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if !line.is_empty() {
            out.push_str(mark.sgr());
            out.push_str(line);
            out.push_str(RESET);
        }
    }
}

/// Appends one piece without colour: `|` between tokens, `⟨?…⟩` around unknown tokens, `[…]`
/// around uncovered text.
fn push_plain(out: &mut String, v: &str, mark: Mark, first_token: bool) {
    if mark == Mark::Uncovered {
        out.push('[');
        out.push_str(v);
        out.push(']');
        return;
    }
    if !first_token && !out.is_empty() && !out.ends_with('\n') {
        out.push('|');
    }
    if mark == Mark::Unknown {
        out.push_str("⟨?");
        out.push_str(v);
        out.push('⟩');
    } else {
        out.push_str(v);
    }
}

/// Renders blocks for the terminal, each cut to its first `limit` bytes (see the module docs
/// for the marks).
pub fn render_show(blocks: &[ShowBlock], color: bool, limit: usize) -> String {
    let mut out = String::new();
    for b in blocks {
        let mut b = b.clone();
        b.truncate(limit);
        let mut body = String::new();
        let mut k = 0usize;
        for p in b.pieces() {
            let Some((v, mark)) = terminal_piece(&b, p, k) else {
                continue;
            };
            if color {
                push_coloured(&mut body, &v, mark);
            } else {
                push_plain(&mut body, &v, mark, k == 0);
            }
            if matches!(p, Piece::Token { .. }) {
                k += 1;
            }
        }
        out.push_str(&format!(
            "── {} · {} ({} tokens shown)\n",
            b.path, b.tokenizer, k
        ));
        out.push_str(&body);
        if b.truncated {
            out.push_str(" …");
        }
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(text: &str, spans: &[(usize, usize)], ids: &[u32]) -> ShowBlock {
        let enc = Encoding {
            ids: ids.to_vec(),
            tokens: spans.iter().map(|&(s, e)| text[s..e].to_string()).collect(),
            offsets: spans.to_vec(),
            special: vec![false; spans.len()],
        };
        ShowBlock::from_encoding("-", "t", text, &enc, Some(3), 100)
    }

    #[test]
    fn plain_markers() {
        // "a  b" cut as "a" "··" "b" (OLMo-style).
        let b = block("a  b", &[(0, 1), (1, 3), (3, 4)], &[1, 2, 4]);
        assert_eq!(
            render_show(&[b], false, 100),
            "── - · t (3 tokens shown)\na|··|b\n\n"
        );
        // XLM-R-style: the run's first space is covered by no token; id 3 is unknown.
        let b = block("a  b", &[(0, 1), (2, 4)], &[1, 3]);
        assert!(render_show(&[b], false, 100).contains("a[·]|⟨?·b⟩"));
    }

    #[test]
    fn colours_alternate() {
        let b = block("ab", &[(0, 1), (1, 2)], &[1, 2]);
        let s = render_show(&[b], true, 100);
        let want = format!("{}a{RESET}{}b{RESET}", Mark::Even.sgr(), Mark::Odd.sgr());
        assert!(s.contains(&want), "{s:?}");
        assert!(!s.contains('|'));
    }

    #[test]
    fn pieces_give_every_token_one_piece() {
        // Three byte-level tokens of one 4-byte character share its range: the first shows it.
        let b = block("a🦀", &[(0, 1), (1, 5), (1, 5), (1, 5)], &[1, 2, 4, 5]);
        let p = b.pieces();
        assert_eq!(p.len(), 4);
        assert_eq!(
            p[1],
            Piece::Token {
                index: 1,
                text: "🦀"
            }
        );
        assert_eq!(p[2], Piece::Token { index: 2, text: "" });
        // Cut inside the character: the text stops before it, the tokens starting there go.
        let mut b = b;
        b.truncate(3);
        assert_eq!(b.text, "a");
        assert_eq!(b.tokens.len(), 1);
        assert!(b.truncated);
    }

    #[test]
    fn colour_choice() {
        use std::ffi::OsStr;
        assert!(ColorChoice::Auto.enabled(true, None));
        assert!(ColorChoice::Auto.enabled(true, Some(OsStr::new(""))));
        assert!(!ColorChoice::Auto.enabled(true, Some(OsStr::new("1"))));
        assert!(!ColorChoice::Auto.enabled(false, None));
        assert!(ColorChoice::Always.enabled(false, Some(OsStr::new("1"))));
        assert!(!ColorChoice::Never.enabled(true, None));
    }

    #[test]
    fn controls_are_visible() {
        assert_eq!(
            visible("a\u{0}\u{1b}\u{7f}\u{85} \t\n"),
            "a␀␛␡‹U+0085›·→⏎\n"
        );
        assert_eq!(printable("a b\n\u{1b}"), "a b␊␛");
    }
}
