//! Added tokens found in text as HF `tokenizers`' `AddedVocabulary` finds them, for the native
//! pipelines: a leftmost-longest Aho–Corasick automaton (the `daachorse` one HF builds) and
//! HF's `single_word`, `lstrip` and `rstrip` rules.

use std::collections::HashMap;
use std::sync::LazyLock;

use daachorse::{DoubleArrayAhoCorasick, DoubleArrayAhoCorasickBuilder, MatchKind};

/// One of HF's two added-token automata, with each token's matching rules.
pub(crate) struct AddedSet {
    automaton: DoubleArrayAhoCorasick<u32>,
    rules: HashMap<u32, Rules>,
}

/// How an added token matches (HF `AddedToken`).
#[derive(Clone, Copy)]
pub(crate) struct Rules {
    pub(crate) single_word: bool,
    pub(crate) lstrip: bool,
    pub(crate) rstrip: bool,
}

/// A part of the text: an added token, or a gap between added tokens.
pub(crate) enum Split {
    Added { id: u32, start: usize, end: usize },
    Gap { start: usize, end: usize },
}

impl AddedSet {
    /// The automaton over `tokens` (id, pattern, rules); `Some(None)` when there are none, `None`
    /// when the automaton cannot be built (an empty or repeated pattern: HF refuses it too).
    #[allow(clippy::option_option)]
    pub(crate) fn new(tokens: Vec<(u32, &str, Rules)>) -> Option<Option<Self>> {
        if tokens.is_empty() {
            return Some(None);
        }
        let automaton = DoubleArrayAhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build_with_values(tokens.iter().map(|&(id, p, _)| (p, id)))
            .ok()?;
        let rules = tokens.into_iter().map(|(id, _, r)| (id, r)).collect();
        Some(Some(Self { automaton, rules }))
    }
}

impl AddedSet {
    /// Whether any of the tokens occurs in `s` (whatever their rules).
    pub(crate) fn matches(&self, s: &str) -> bool {
        self.automaton.leftmost_find_iter(s).next().is_some()
    }
}

/// Splits `text` (at `base` in the whole input) at the added tokens of `set`, as HF's
/// `AddedVocabulary::find_matches` does, and hands each part to `f` in order, offsets in the
/// whole input. The empty text is one empty gap. `false` if HF's pipeline fails on the text
/// (then the parts handed so far are to be dropped).
pub(crate) fn split_added(
    set: Option<&AddedSet>,
    text: &str,
    base: usize,
    f: &mut impl FnMut(Split),
) -> bool {
    let Some(set) = set else {
        f(Split::Gap {
            start: base,
            end: base + text.len(),
        });
        return true;
    };
    let mut done = 0;
    for m in set.automaton.leftmost_find_iter(text) {
        let (mut start, mut end, id) = (m.start(), m.end(), m.value());
        let rules = set.rules[&id];
        if rules.single_word
            && ((start > 0 && ends_with_word(&text[..start]))
                || (end < text.len() && starts_with_word(&text[end..])))
        {
            continue;
        }
        if rules.lstrip {
            start = trailing_space_start(&text[..start]).max(done);
        }
        if rules.rstrip {
            end += leading_space_len(&text[end..]);
        }
        if start > end {
            // `rstrip` reached past this match's end, and `lstrip` past its start: HF's
            // pipeline fails on the range.
            return false;
        }
        if done < start {
            f(Split::Gap {
                start: base + done,
                end: base + start,
            });
        }
        // HF drops empty parts (`lstrip` up to where the previous `rstrip` reached).
        if start < end {
            f(Split::Added {
                id,
                start: base + start,
                end: base + end,
            });
        }
        done = end;
    }
    if done != text.len() {
        f(Split::Gap {
            start: base + done,
            end: base + text.len(),
        });
    }
    true
}

/// HF's `\w$` and `^\w` tests for `single_word` tokens, with the same `regex` definitions.
static WORD_AT_END: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"\w$").expect("valid pattern"));
static WORD_AT_START: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"^\w").expect("valid pattern"));

fn ends_with_word(s: &str) -> bool {
    WORD_AT_END.is_match(s)
}

fn starts_with_word(s: &str) -> bool {
    WORD_AT_START.is_match(s)
}

/// Where the run of white space that ends `s` starts (`s.len()` if none).
fn trailing_space_start(s: &str) -> usize {
    s.trim_end_matches(char::is_whitespace).len()
}

/// The length of the run of white space that starts `s`.
fn leading_space_len(s: &str) -> usize {
    s.len() - s.trim_start_matches(char::is_whitespace).len()
}

/// The two automata of a pipeline's added tokens, as HF builds them: `(plain, normalized)`, the
/// tokens matched on the text as given and those matched on the normalized text, plus whether
/// each id is a special token (a table by id). `normalized_ok` says whether a normalized token's
/// content is matched as it is (its normalized form is itself). `None` when a content is not, an
/// automaton cannot be built, or a special id is too large for the table.
#[allow(clippy::type_complexity)]
pub(crate) fn added_sets(
    added: &HashMap<u32, tokenizers::AddedToken>,
    normalized_ok: impl Fn(&str) -> bool,
) -> Option<(Option<AddedSet>, Option<AddedSet>, Vec<bool>)> {
    let mut plain = Vec::new();
    let mut normalized = Vec::new();
    let mut specials = Vec::new();
    for (&id, t) in added {
        if t.special {
            let i = id as usize;
            if i >= SPARSE_IDS {
                return None;
            }
            if i >= specials.len() {
                specials.resize(i + 1, false);
            }
            specials[i] = true;
        }
        if t.normalized && !normalized_ok(&t.content) {
            return None;
        }
        let set = if t.normalized {
            &mut normalized
        } else {
            &mut plain
        };
        let rules = Rules {
            single_word: t.single_word,
            lstrip: t.lstrip,
            rstrip: t.rstrip,
        };
        set.push((id, t.content.as_str(), rules));
    }
    Some((AddedSet::new(plain)?, AddedSet::new(normalized)?, specials))
}

/// Files with a special token at this id or above stay on HF's pipeline: the flag table by id
/// would cost more memory than the native path saves.
const SPARSE_IDS: usize = 1 << 22;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_strip_bounds() {
        assert_eq!(trailing_space_start("ab \t"), 2);
        assert_eq!(trailing_space_start(""), 0);
        assert_eq!(leading_space_len("\u{3000} x"), 4);
    }
}
