//! Characters and tokens per Unicode script (`unicode-script`, UAX #24 Script property).
//!
//! Each character counts for its script; a combining mark (script `Inherited`) counts for the
//! script of the character before it. Each token counts for the script of the first character
//! in its span whose script is neither `Common` nor `Inherited` (so `Ġworld` is Latin), or
//! `Common` when there is none (spaces, digits, punctuation). chars/token of a script is its
//! characters over its tokens.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use unicode_script::{Script, UnicodeScript};

/// Characters and tokens of one script.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct ScriptCount {
    /// Characters.
    pub chars: u64,
    /// Tokens.
    pub tokens: u64,
}

/// Per-script counts keyed by the script's full name (`Latin`, `Han`, `Common` …).
pub type ScriptCounts = BTreeMap<String, ScriptCount>;

/// Counts for `text` given its token spans.
///
/// ASCII is read byte by byte (letters are `Latin`, everything else `Common`, which a test checks
/// against `unicode-script`); other characters are looked up. Counts go to a dense array indexed
/// by the script's `u8` value and become a map once, at the end.
pub fn script_counts(text: &str, spans: &[(usize, usize)]) -> ScriptCounts {
    let mut by = [ScriptCount::default(); 256];
    // The script behind each index counted (`unicode-script` converts only the other way).
    let mut seen: [Option<Script>; 256] = [None; 256];
    let mut prev = Script::Common;
    let mut i = 0;
    while i < text.len() {
        let (mut s, len) = script_at(text, i);
        if s == Script::Inherited {
            s = prev;
        }
        by[usize::from(s as u8)].chars += 1;
        seen[usize::from(s as u8)] = Some(s);
        prev = s;
        i += len;
    }
    for &(s, e) in spans {
        if s >= e {
            continue;
        }
        let script = text.get(s..e).map_or(Script::Common, token_script);
        by[usize::from(script as u8)].tokens += 1;
        seen[usize::from(script as u8)] = Some(script);
    }
    seen.iter()
        .zip(by)
        .filter_map(|(script, count)| Some((script.as_ref()?.full_name().to_string(), count)))
        .collect()
}

/// The script of an ASCII byte: `Latin` for a letter, `Common` for the rest.
fn ascii_script(x: u8) -> Script {
    if x.is_ascii_alphabetic() {
        Script::Latin
    } else {
        Script::Common
    }
}

/// The script of the character at byte `i` of `text` (a character boundary) and its length:
/// an ASCII byte by [`ascii_script`], any other character looked up.
fn script_at(text: &str, i: usize) -> (Script, usize) {
    match text.as_bytes()[i] {
        x if x.is_ascii() => (ascii_script(x), 1),
        _ => {
            let c = text[i..].chars().next().unwrap_or_default();
            (c.script(), c.len_utf8())
        }
    }
}

/// The script of a token's text: its first character whose script is neither `Common` nor
/// `Inherited`, else `Common`.
fn token_script(t: &str) -> Script {
    let mut i = 0;
    while i < t.len() {
        let (s, len) = script_at(t, i);
        if !matches!(s, Script::Common | Script::Inherited) {
            return s;
        }
        i += len;
    }
    Script::Common
}

/// Adds `o` into `into`.
pub fn add_scripts(into: &mut ScriptCounts, o: &ScriptCounts) {
    for (k, v) in o {
        let e = into.entry(k.clone()).or_default();
        e.chars += v.chars;
        e.tokens += v.tokens;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_hand() {
        // "héllo мир": 5 Latin chars, 1 space (Common), 3 Cyrillic chars.
        // Tokens "héllo" [0,6) and " мир" [6,13) → one Latin, one Cyrillic (the space is Common
        // and skipped when choosing the token's script).
        let t = "héllo мир";
        let c = script_counts(t, &[(0, 6), (6, 13)]);
        assert_eq!(
            c["Latin"],
            ScriptCount {
                chars: 5,
                tokens: 1
            }
        );
        assert_eq!(
            c["Cyrillic"],
            ScriptCount {
                chars: 3,
                tokens: 1
            }
        );
        assert_eq!(
            c["Common"],
            ScriptCount {
                chars: 1,
                tokens: 0
            }
        );
    }

    /// The reading before the byte walk and the dense counts: a map entry per character.
    fn script_counts_by_map(text: &str, spans: &[(usize, usize)]) -> ScriptCounts {
        let mut by: BTreeMap<&'static str, ScriptCount> = BTreeMap::new();
        let mut prev = Script::Common;
        for c in text.chars() {
            let mut s = c.script();
            if s == Script::Inherited {
                s = prev;
            }
            by.entry(s.full_name()).or_default().chars += 1;
            prev = s;
        }
        for &(s, e) in spans {
            if s >= e {
                continue;
            }
            let script = text
                .get(s..e)
                .and_then(|t| {
                    t.chars()
                        .map(|c| c.script())
                        .find(|s| !matches!(s, Script::Common | Script::Inherited))
                })
                .unwrap_or(Script::Common);
            by.entry(script.full_name()).or_default().tokens += 1;
        }
        by.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }

    #[test]
    fn ascii_scripts_match_unicode_script() {
        for x in 0..=0x7Fu8 {
            assert_eq!(ascii_script(x), char::from(x).script(), "{x:#04x}");
        }
    }

    #[test]
    fn dense_counts_match_the_map_reading() {
        let alphabet = [
            'a',
            'Z',
            ' ',
            '1',
            '.',
            '\n',
            '\u{301}',
            'é',
            'м',
            'и',
            '中',
            '文',
            'ا',
            'ب',
            'ก',
            '\u{E33}',
            '👍',
            '\u{200D}',
            'ア',
            'ー',
            '\u{10FFFF}',
            '\u{378}',
        ];
        let mut rng = crate::test_text::XorShift(0x5C41_7000_0000_0001);
        for _ in 0..5000 {
            let text: String = (0..rng.below(24))
                .map(|_| alphabet[rng.below(alphabet.len())])
                .collect();
            // Spans: cuts at random character boundaries, some of them empty or out of order.
            let bounds = crate::test_text::char_bounds(&text);
            let spans: Vec<(usize, usize)> = (0..rng.below(10))
                .map(|_| {
                    (
                        bounds[rng.below(bounds.len())],
                        bounds[rng.below(bounds.len())],
                    )
                })
                .collect();
            assert_eq!(
                script_counts(&text, &spans),
                script_counts_by_map(&text, &spans),
                "{text:?} {spans:?}"
            );
        }
    }

    #[test]
    fn combining_mark_follows_base() {
        // "e" + U+0301 COMBINING ACUTE: both Latin.
        let c = script_counts("e\u{301}", &[(0, 3)]);
        assert_eq!(c["Latin"].chars, 2);
        assert!(!c.contains_key("Inherited"));
    }
}
