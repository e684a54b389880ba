//! What one vocabulary entry is: its kind and its surface form, and the per-token rules
//! (script, whitespace, digits, code) that the composition counts are built from.

use serde::Serialize;
use unicode_script::{Script, UnicodeScript};

use crate::tokenizer::{Tokenizer, decoded_bytes};

/// The kind of a vocabulary id. Every id has exactly one kind.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// A piece of the model's own vocabulary (BPE/unigram piece, tiktoken rank).
    Regular,
    /// An added token that is not special (e.g. OLMo's space runs, `|||EMAIL_ADDRESS|||`).
    Added,
    /// An added token flagged special (`[CLS]`, `<s>`, `<|endoftext|>` in tiktoken).
    Special,
    /// A placeholder that the vocabulary reserves without a meaning: `[unused0]`,
    /// `<unused12>`, `madeupword0000` (see [`is_unused_placeholder`]).
    Unused,
    /// An id below the vocabulary size that has no token (holes in tiktoken's id space).
    Absent,
}

/// One vocabulary entry as the audit sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VocabToken {
    /// The vocabulary's spelling (`Ġ`/`▁` markers kept), empty for absent ids.
    pub spelling: String,
    /// The bytes the token stands for in text: the byte-level alphabet mapped back to bytes,
    /// `▁` mapped to a space, `<0xAB>` byte-fallback pieces to their byte, added tokens verbatim.
    pub bytes: Vec<u8>,
    /// Its kind.
    pub kind: TokenKind,
}

impl VocabToken {
    /// The surface as text, if the bytes are valid UTF-8 (a byte-level token can hold part of a
    /// character).
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.bytes).ok()
    }

    /// The surface for display: valid UTF-8 as text, other bytes as `<E2>`.
    pub fn display(&self) -> String {
        let mut out = String::new();
        for chunk in self.bytes.utf8_chunks() {
            out.push_str(chunk.valid());
            for b in chunk.invalid() {
                out.push_str(&format!("<{b:02X}>"));
            }
        }
        out
    }
}

/// The bytes a vocabulary spelling stands for.
///
/// - Byte-level vocabularies (`byte_level`): every char is mapped back through GPT-2's alphabet
///   ([`decoded_bytes`]); a spelling with a char outside the alphabet is taken as UTF-8 text,
///   as HF's ByteLevel decoder does.
/// - With a `▁` marker (SentencePiece): `▁` becomes a space; `<0xAB>` byte-fallback pieces become
///   that byte.
/// - WordPiece continuation pieces (`##ing`) lose their `##`.
pub fn surface_bytes(spelling: &str, byte_level: bool, marker: Option<char>) -> Vec<u8> {
    if byte_level {
        return decoded_bytes(spelling);
    }
    if let Some(b) = byte_fallback(spelling) {
        return vec![b];
    }
    if let Some(m) = marker.filter(|&m| m != ' ') {
        return spelling.replace(m, " ").into_bytes();
    }
    spelling
        .strip_prefix("##")
        .filter(|s| !s.is_empty())
        .unwrap_or(spelling)
        .as_bytes()
        .to_vec()
}

/// `<0xAB>` → `0xAB` (SentencePiece byte-fallback pieces).
fn byte_fallback(s: &str) -> Option<u8> {
    let hex = s.strip_prefix("<0x")?.strip_suffix('>')?;
    if hex.len() == 2 {
        u8::from_str_radix(hex, 16).ok()
    } else {
        None
    }
}

/// Whether a token is a placeholder reserved without meaning.
///
/// Rule: after removing one pair of enclosing `[]`, `<>` or `<| |>`, the text is `unused` or
/// `madeupword`, an optional `_`/`-`, and one or more ASCII digits (ASCII case-insensitive).
/// This catches BERT/ModernBERT's `[unused0]`…, Gemma-style `<unused0>` and fairseq's
/// `madeupword0000` (RoBERTa pads its vocabulary to a multiple of 8 with them).
pub fn is_unused_placeholder(text: &str) -> bool {
    let t = text.trim();
    let inner = t
        .strip_prefix("<|")
        .and_then(|s| s.strip_suffix("|>"))
        .or_else(|| t.strip_prefix('[').and_then(|s| s.strip_suffix(']')))
        .or_else(|| t.strip_prefix('<').and_then(|s| s.strip_suffix('>')))
        .unwrap_or(t)
        .to_ascii_lowercase();
    ["unused", "madeupword"].iter().any(|word| {
        inner.strip_prefix(word).is_some_and(|rest| {
            let digits = rest.strip_prefix(['_', '-']).unwrap_or(rest);
            !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
        })
    })
}

/// Reads every id of a tokenizer as a [`VocabToken`].
///
/// `added` lists the added tokens (id, content, special) of an HF tokenizer; for other
/// tokenizers pass an empty slice and special ids come from [`Tokenizer::is_special`].
pub fn read_vocab(tok: &dyn Tokenizer, added: &[(u32, String, bool)]) -> Vec<VocabToken> {
    use rayon::prelude::*;
    let total = tok.vocab_size().total;
    let byte_level = tok.is_byte_level();
    let marker = tok.space_marker();
    let mut added_by_id: Vec<Option<(&str, bool)>> = vec![None; total];
    for (id, content, special) in added {
        if let Some(slot) = added_by_id.get_mut(*id as usize) {
            *slot = Some((content.as_str(), *special));
        }
    }
    (0..total as u32)
        .into_par_iter()
        .map(|id| {
            if let Some((content, special)) = added_by_id[id as usize] {
                let kind = if special || tok.is_special(id) {
                    TokenKind::Special
                } else if is_unused_placeholder(content) {
                    TokenKind::Unused
                } else {
                    TokenKind::Added
                };
                return VocabToken {
                    spelling: content.to_string(),
                    bytes: content.as_bytes().to_vec(),
                    kind,
                };
            }
            let Some(spelling) = tok.id_to_token(id) else {
                return VocabToken {
                    spelling: String::new(),
                    bytes: Vec::new(),
                    kind: TokenKind::Absent,
                };
            };
            if tok.is_special(id) {
                return VocabToken {
                    bytes: spelling.as_bytes().to_vec(),
                    spelling,
                    kind: TokenKind::Special,
                };
            }
            let bytes = surface_bytes(&spelling, byte_level, marker);
            let unused = std::str::from_utf8(&bytes).is_ok_and(is_unused_placeholder);
            VocabToken {
                spelling,
                bytes,
                kind: if unused {
                    TokenKind::Unused
                } else {
                    TokenKind::Regular
                },
            }
        })
        .collect()
}

/// The script of a token's text.
///
/// Rule: the Unicode `Script` property of every char, ignoring `Common` and `Inherited`
/// (spaces, digits, punctuation, combining marks). One script left → its name; none →
/// `Common`; several → `Mixed`. Tokens that are not valid UTF-8 (part of a character) →
/// `partial UTF-8`.
pub fn token_script(bytes: &[u8]) -> &'static str {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return "partial UTF-8";
    };
    let mut found: Option<Script> = None;
    for c in text.chars() {
        let s = c.script();
        if matches!(s, Script::Common | Script::Inherited | Script::Unknown) {
            continue;
        }
        match found {
            None => found = Some(s),
            Some(f) if f != s => return "Mixed",
            Some(_) => {}
        }
    }
    found.map_or("Common", |s| s.full_name())
}

/// A whitespace-only token's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhitespaceShape {
    /// `n` spaces.
    Spaces(usize),
    /// `n` tabs.
    Tabs(usize),
    /// `n` newlines (`\n`).
    Newlines(usize),
    /// Any other mix of whitespace (`\n   `, `\r\n`, ` \t`).
    Mixed,
}

/// The shape of a whitespace-only token (Unicode `White_Space`), `None` for any other token.
pub fn whitespace_shape(bytes: &[u8]) -> Option<WhitespaceShape> {
    let text = std::str::from_utf8(bytes).ok()?;
    if text.is_empty() || !text.chars().all(char::is_whitespace) {
        return None;
    }
    let n = text.chars().count();
    let all = |c: char| text.chars().all(|x| x == c);
    Some(if all(' ') {
        WhitespaceShape::Spaces(n)
    } else if all('\t') {
        WhitespaceShape::Tabs(n)
    } else if all('\n') {
        WhitespaceShape::Newlines(n)
    } else {
        WhitespaceShape::Mixed
    })
}

/// Whether a token starts a word.
///
/// Marker vocabularies spell a word start: the surface starts with a space (the `Ġ`/`▁`
/// marker) followed by something other than whitespace. WordPiece (`wordpiece`) spells the
/// opposite: a regular piece continues a word with `##` and starts one otherwise (BERT; Wu et
/// al. 2016); placeholders such as `[unused0]` start nothing.
pub fn is_word_start(token: &VocabToken, wordpiece: bool) -> bool {
    if wordpiece {
        return token.kind == TokenKind::Regular
            && !token.spelling.starts_with("##")
            && token.bytes.iter().any(|b| !b.is_ascii_whitespace());
    }
    match token.bytes.split_first() {
        Some((b' ', rest)) => rest.iter().any(|b| !b.is_ascii_whitespace()),
        _ => false,
    }
}

/// The number of digits of a digit token: the surface, without one leading space, is one or
/// more ASCII digits `0-9`. `None` for any other token.
pub fn digit_run(bytes: &[u8]) -> Option<usize> {
    let t = bytes.strip_prefix(b" ").unwrap_or(bytes);
    (!t.is_empty() && t.iter().all(u8::is_ascii_digit)).then_some(t.len())
}

/// Why a token looks like code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CodeShape {
    /// Whitespace-only with a tab or at least two consecutive spaces (`    `, `\n\t\t`).
    Indentation,
    /// Two or more ASCII punctuation/symbol chars and nothing else (`==`, `->`, `();`, `{}`),
    /// after one leading space.
    Operator,
    /// An identifier in code style: ASCII letters, digits and `_` only, with an `_` between
    /// two alphanumerics (`snake_case`) or a lower-case letter followed by an upper-case one
    /// (`camelCase`).
    Identifier,
    /// ASCII letters or digits together with a bracket or code symbol from `(){}[];=<>$@\`
    /// (`self(`, `[i]`, `$this`).
    CodeMixed,
}

/// The code rule: see [`CodeShape`] for each case, tested in that order. `None` if no case
/// applies (single punctuation marks and plain words are not code).
pub fn code_shape(bytes: &[u8]) -> Option<CodeShape> {
    let text = std::str::from_utf8(bytes).ok()?;
    if whitespace_shape(bytes).is_some() {
        return (text.contains('\t') || text.contains("  ")).then_some(CodeShape::Indentation);
    }
    let t = text.strip_prefix(' ').unwrap_or(text);
    if t.chars().count() >= 2 && t.chars().all(|c| c.is_ascii_punctuation()) {
        return Some(CodeShape::Operator);
    }
    let alnum = |c: char| c.is_ascii_alphanumeric();
    if !t.is_empty() && t.chars().all(|c| alnum(c) || c == '_') {
        let chars: Vec<char> = t.chars().collect();
        let snake = chars
            .windows(3)
            .any(|w| alnum(w[0]) && w[1] == '_' && alnum(w[2]));
        let camel = chars
            .windows(2)
            .any(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase());
        return (snake || camel).then_some(CodeShape::Identifier);
    }
    let has_alnum = t.chars().any(alnum);
    let has_code_symbol = t.chars().any(|c| "(){}[];=<>$@\\".contains(c));
    let only_ascii = t.chars().all(|c| c.is_ascii_graphic());
    (has_alnum && has_code_symbol && only_ascii).then_some(CodeShape::CodeMixed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_level_surfaces() {
        // GPT-2 alphabet: Ġ = 0x20, Ċ = 0x0A, and "Ã©" = bytes C3 A9 = "é".
        assert_eq!(surface_bytes("Ġthe", true, Some('Ġ')), b" the");
        assert_eq!(surface_bytes("ĊĠĠ", true, Some('Ġ')), b"\n  ");
        assert_eq!(surface_bytes("Ã©", true, Some('Ġ')), "é".as_bytes());
        // A lone lead byte of a two-byte sequence: 0xC3 is written `Ã`.
        assert_eq!(surface_bytes("Ã", true, Some('Ġ')), vec![0xC3]);
        // A char outside the alphabet: taken as text, as HF's ByteLevel decoder does.
        assert_eq!(surface_bytes("  ", true, Some('Ġ')), b"  ");
    }

    #[test]
    fn sentencepiece_surfaces() {
        assert_eq!(surface_bytes("▁the", false, Some('▁')), b" the");
        assert_eq!(surface_bytes("ing", false, Some('▁')), b"ing");
        assert_eq!(surface_bytes("<0x0A>", false, Some('▁')), b"\n");
        assert_eq!(surface_bytes("##ing", false, None), b"ing");
        assert_eq!(surface_bytes("##", false, None), b"##");
    }

    #[test]
    fn display_marks_partial_bytes() {
        let t = VocabToken {
            spelling: "ĠâĢ".into(),
            bytes: vec![b' ', 0xE2, 0x80],
            kind: TokenKind::Regular,
        };
        assert_eq!(t.display(), " <E2><80>");
    }

    #[test]
    fn placeholders() {
        for yes in [
            "[unused0]",
            "[unused82]",
            "<unused12>",
            "madeupword0000",
            "<|unused_3|>",
        ] {
            assert!(is_unused_placeholder(yes), "{yes}");
        }
        for no in [
            "unused",
            "[unused]",
            "[CLS]",
            "unusedness",
            "madeupwords",
            "<s>",
        ] {
            assert!(!is_unused_placeholder(no), "{no}");
        }
    }

    #[test]
    fn scripts() {
        assert_eq!(token_script(b" the"), "Latin");
        assert_eq!(
            token_script("▁при".replace('▁', " ").as_bytes()),
            "Cyrillic"
        );
        assert_eq!(token_script(b"123"), "Common");
        assert_eq!(token_script("aб".as_bytes()), "Mixed");
        assert_eq!(token_script(&[0xC3]), "partial UTF-8");
        // U+0301 COMBINING ACUTE ACCENT is Inherited: the token stays Latin.
        assert_eq!(token_script("e\u{301}".as_bytes()), "Latin");
    }

    #[test]
    fn whitespace_and_words() {
        assert_eq!(whitespace_shape(b"    "), Some(WhitespaceShape::Spaces(4)));
        assert_eq!(whitespace_shape(b"\t\t"), Some(WhitespaceShape::Tabs(2)));
        assert_eq!(
            whitespace_shape(b"\n\n"),
            Some(WhitespaceShape::Newlines(2))
        );
        assert_eq!(whitespace_shape(b"\n  "), Some(WhitespaceShape::Mixed));
        assert_eq!(whitespace_shape(b" a"), None);
        assert_eq!(whitespace_shape(b""), None);
        let t = |s: &str| VocabToken {
            spelling: s.to_string(),
            bytes: surface_bytes(s, false, None),
            kind: TokenKind::Regular,
        };
        let marked = |s: &str| VocabToken {
            bytes: surface_bytes(s, false, Some('▁')),
            ..t(s)
        };
        assert!(is_word_start(&marked("▁the"), false));
        assert!(!is_word_start(&marked("▁▁▁"), false));
        assert!(!is_word_start(&marked("the"), false));
        // WordPiece: `##` continues a word, anything else starts one.
        assert!(is_word_start(&t("the"), true));
        assert!(!is_word_start(&t("##ing"), true));
        let unused = VocabToken {
            kind: TokenKind::Unused,
            ..t("[unused0]")
        };
        assert!(!is_word_start(&unused, true));
        assert_eq!(digit_run(b" 2024"), Some(4));
        assert_eq!(digit_run(b"7"), Some(1));
        assert_eq!(digit_run(b"7a"), None);
        assert_eq!(digit_run(b" "), None);
    }

    #[test]
    fn code_rule() {
        assert_eq!(code_shape(b"        "), Some(CodeShape::Indentation));
        assert_eq!(code_shape(b"\n\t"), Some(CodeShape::Indentation));
        assert_eq!(code_shape(b" "), None);
        assert_eq!(code_shape(b"\n"), None);
        assert_eq!(code_shape(b" =="), Some(CodeShape::Operator));
        assert_eq!(code_shape(b"();"), Some(CodeShape::Operator));
        assert_eq!(code_shape(b"."), None);
        assert_eq!(code_shape(b" get_value"), Some(CodeShape::Identifier));
        assert_eq!(code_shape(b"getValue"), Some(CodeShape::Identifier));
        assert_eq!(code_shape(b" the"), None);
        assert_eq!(code_shape(b"The"), None);
        assert_eq!(code_shape(b"_init"), None);
        assert_eq!(code_shape(b"self("), Some(CodeShape::CodeMixed));
        assert_eq!(code_shape(b"$this"), Some(CodeShape::CodeMixed));
        assert_eq!(code_shape(b"n't"), None);
    }
}
