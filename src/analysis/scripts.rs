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
pub fn script_counts(text: &str, spans: &[(usize, usize)]) -> ScriptCounts {
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

    #[test]
    fn combining_mark_follows_base() {
        // "e" + U+0301 COMBINING ACUTE: both Latin.
        let c = script_counts("e\u{301}", &[(0, 3)]);
        assert_eq!(c["Latin"].chars, 2);
        assert!(!c.contains_key("Inherited"));
    }
}
