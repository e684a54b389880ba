//! Identifier styles, sub-word boundaries and how tokens cut identifiers (precision, recall).

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::analysis::spans::TokenSpans;

/// The naming style of an identifier (leading and trailing underscores ignored).
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
pub enum Style {
    /// `lower_case_with_underscores`.
    SnakeCase,
    /// `lowerThenHumps`.
    CamelCase,
    /// `UpperThenHumps` (`HTTPServer` too).
    PascalCase,
    /// `UPPER_CASE_WITH_UNDERSCORES`.
    ScreamingSnake,
    /// One word without humps or inner underscores: `count`, `Count`, `HTTP`.
    SingleWord,
    /// Anything else (`Mixed_Case`, `get_HTTP`).
    Other,
}

impl Style {
    /// The snake_case name used in JSON and tables.
    pub fn name(self) -> &'static str {
        match self {
            Style::SnakeCase => "snake_case",
            Style::CamelCase => "camelCase",
            Style::PascalCase => "PascalCase",
            Style::ScreamingSnake => "SCREAMING_SNAKE",
            Style::SingleWord => "single word",
            Style::Other => "other",
        }
    }
}

/// The style of an identifier.
pub fn style(ident: &str) -> Style {
    let core = ident.trim_matches('_');
    if core.is_ascii() {
        return ascii_style(core.as_bytes());
    }
    let has_lower = core.chars().any(char::is_lowercase);
    let has_upper = core.chars().any(char::is_uppercase);
    if core.contains('_') {
        return underscored_style(has_lower, has_upper);
    }
    match core.chars().next() {
        Some(c) if has_hump(core) => hump_style(c.is_lowercase(), c.is_uppercase()),
        _ => Style::SingleWord,
    }
}

/// The style of a core (no leading or trailing `_`) with an inner underscore.
fn underscored_style(has_lower: bool, has_upper: bool) -> Style {
    match (has_lower, has_upper) {
        (true, false) | (false, false) => Style::SnakeCase,
        (false, true) => Style::ScreamingSnake,
        (true, true) => Style::Other,
    }
}

/// The style of a core with a case hump and no underscore, by the case of its first character.
fn hump_style(first_lower: bool, first_upper: bool) -> Style {
    if first_lower {
        Style::CamelCase
    } else if first_upper {
        Style::PascalCase
    } else {
        Style::Other
    }
}

/// Case bits of ASCII bytes for [`ascii_style`]: lowercase letter, uppercase letter, `_`.
const LOWER: u8 = 1;
const UPPER: u8 = 2;
const UNDERSCORE: u8 = 4;

/// The case bits of each byte below 128.
const ASCII_CASE: [u8; 128] = {
    let mut t = [0; 128];
    let mut c = 0;
    while c < 128 {
        t[c] = match c as u8 {
            b'a'..=b'z' => LOWER,
            b'A'..=b'Z' => UPPER,
            b'_' => UNDERSCORE,
            _ => 0,
        };
        c += 1;
    }
    t
};

/// [`style`] of an ASCII core (for ASCII, `char::is_lowercase` and `is_uppercase` are the
/// ASCII tests): the cases and underscores seen in one table pass, then humps looked for only
/// when both cases occur, as every hump needs.
fn ascii_style(core: &[u8]) -> Style {
    let seen = core
        .iter()
        .fold(0, |acc, &c| acc | ASCII_CASE[usize::from(c & 0x7F)]);
    let (lower, upper) = (seen & LOWER != 0, seen & UPPER != 0);
    if seen & UNDERSCORE != 0 {
        return underscored_style(lower, upper);
    }
    match core.first() {
        Some(c) if lower && upper && has_ascii_hump(core) => {
            hump_style(c.is_ascii_lowercase(), c.is_ascii_uppercase())
        }
        _ => Style::SingleWord,
    }
}

/// [`has_hump`] of ASCII bytes.
fn has_ascii_hump(s: &[u8]) -> bool {
    s.windows(2).enumerate().any(|(k, w)| {
        let (p, c) = (w[0], w[1]);
        (p.is_ascii_lowercase() && c.is_ascii_uppercase())
            || (k > 0
                && s[k - 1].is_ascii_uppercase()
                && p.is_ascii_uppercase()
                && c.is_ascii_lowercase())
    })
}

/// Whether `s` has a case hump: a lowercase letter before an uppercase one, or two uppercase
/// letters before a lowercase one.
fn has_hump(s: &str) -> bool {
    let (mut before, mut prev) = (None::<char>, None::<char>);
    for c in s.chars() {
        if let Some(p) = prev {
            let upper_upper = before.is_some_and(char::is_uppercase) && p.is_uppercase();
            if (p.is_lowercase() && c.is_uppercase()) || (upper_upper && c.is_lowercase()) {
                return true;
            }
        }
        (before, prev) = (prev, Some(c));
    }
    false
}

/// Sub-word boundary zones of an identifier, as inclusive byte ranges `[lo, hi]` relative to its
/// start: a case hump or letter↔digit change is the single position `[p, p]`, an underscore run
/// `[a, b)` is `[a, b]` without the identifier's two edges.
pub fn subword_zones(ident: &str) -> Vec<(usize, usize)> {
    let mut zones = Vec::new();
    push_subword_zones(ident, &mut zones);
    zones
}

/// Appends the [`subword_zones`] of `ident` to `zones`: ASCII identifiers byte by byte,
/// others by character.
fn push_subword_zones(ident: &str, zones: &mut Vec<(usize, usize)>) {
    if ident.is_ascii() {
        push_ascii_zones(ident.as_bytes(), zones);
        return;
    }
    let n = ident.len();
    let mut it = ident.char_indices().peekable();
    let mut prev: Option<char> = None;
    while let Some((p, c)) = it.next() {
        if c == '_' {
            while it.next_if(|&(_, d)| d == '_').is_some() {}
            let b = it.peek().map_or(n, |x| x.0);
            push_underscore_zone(zones, p, b, n);
            prev = Some('_');
            continue;
        }
        if let Some(prev) = prev.filter(|&d| d != '_') {
            let next = it.peek().map(|x| x.1);
            let hump = (prev.is_lowercase() && c.is_uppercase())
                || (prev.is_uppercase()
                    && c.is_uppercase()
                    && next.is_some_and(char::is_lowercase))
                || (prev.is_alphabetic() && c.is_numeric())
                || (prev.is_numeric() && c.is_alphabetic());
            if hump {
                zones.push((p, p));
            }
        }
        prev = Some(c);
    }
}

/// The zone of the underscore run `[a, b)` of an identifier of `n` bytes, if any.
fn push_underscore_zone(zones: &mut Vec<(usize, usize)>, a: usize, b: usize, n: usize) {
    let lo = if a == 0 { b } else { a };
    let hi = if b == n { a } else { b };
    if lo <= hi && lo > 0 && hi < n {
        zones.push((lo, hi));
    }
}

/// [`push_subword_zones`] of an ASCII identifier (for ASCII, `char::is_lowercase`,
/// `is_uppercase`, `is_alphabetic` and `is_numeric` are the ASCII tests).
fn push_ascii_zones(b: &[u8], zones: &mut Vec<(usize, usize)>) {
    let n = b.len();
    let mut k = 0;
    // The previous byte, when it is not `_` (none at the start).
    let mut prev: Option<u8> = None;
    while let Some(&c) = b.get(k) {
        if c == b'_' {
            let a = k;
            while b.get(k) == Some(&b'_') {
                k += 1;
            }
            push_underscore_zone(zones, a, k, n);
            prev = None;
            continue;
        }
        if let Some(p) = prev {
            let hump = (p.is_ascii_lowercase() && c.is_ascii_uppercase())
                || (p.is_ascii_uppercase()
                    && c.is_ascii_uppercase()
                    && b.get(k + 1).is_some_and(u8::is_ascii_lowercase))
                || (p.is_ascii_alphabetic() && c.is_ascii_digit())
                || (p.is_ascii_digit() && c.is_ascii_alphabetic());
            if hump {
                zones.push((k, k));
            }
        }
        prev = Some(c);
        k += 1;
    }
}

/// Additive identifier counts for one tokenizer (or one style).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct IdentCounts {
    /// Identifier occurrences.
    pub occurrences: u64,
    /// Σ tokens overlapping each occurrence.
    pub tokens: u64,
    /// Occurrences overlapped by exactly one token (kept whole).
    pub whole: u64,
    /// Token boundaries strictly inside identifiers.
    pub token_boundaries: u64,
    /// Of those, boundaries that fall in a sub-word zone.
    pub matched_boundaries: u64,
    /// Sub-word zones.
    pub zones: u64,
    /// Zones hit by at least one token boundary.
    pub hit_zones: u64,
}

impl IdentCounts {
    /// Adds another count.
    pub fn add(&mut self, o: &IdentCounts) {
        self.occurrences += o.occurrences;
        self.tokens += o.tokens;
        self.whole += o.whole;
        self.token_boundaries += o.token_boundaries;
        self.matched_boundaries += o.matched_boundaries;
        self.zones += o.zones;
        self.hit_zones += o.hit_zones;
    }

    /// Mean tokens per identifier occurrence.
    pub fn tokens_per_identifier(&self) -> f64 {
        crate::units::ratio(self.tokens as f64, self.occurrences as f64)
    }

    /// Share of occurrences kept as one token.
    pub fn whole_share(&self) -> f64 {
        crate::units::ratio(self.whole as f64, self.occurrences as f64)
    }

    /// Boundary precision (module docs).
    pub fn boundary_precision(&self) -> f64 {
        crate::units::ratio(self.matched_boundaries as f64, self.token_boundaries as f64)
    }

    /// Boundary recall (module docs).
    pub fn boundary_recall(&self) -> f64 {
        crate::units::ratio(self.hit_zones as f64, self.zones as f64)
    }
}

/// A fragmented identifier kept as an example.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Fragmented {
    /// The identifier.
    pub identifier: String,
    /// Tokens overlapping it (the most seen over its occurrences).
    pub tokens: u64,
    /// The identifier's text cut where the tokens cut it.
    pub pieces: Vec<String>,
}

/// How many fragmented examples are kept.
pub const FRAGMENTED_EXAMPLES: usize = 10;

/// Identifier counts for one tokenizer over any number of texts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentifierCounts {
    /// All identifiers.
    pub total: IdentCounts,
    /// Per style.
    pub styles: BTreeMap<Style, IdentCounts>,
    /// The most fragmented identifiers: most tokens first, then by name.
    pub fragmented: Vec<Fragmented>,
}

/// Number of [`Style`]s.
const STYLES: usize = Style::Other as usize + 1;

/// Every [`Style`], in order.
const STYLE_ORDER: [Style; STYLES] = [
    Style::SnakeCase,
    Style::CamelCase,
    Style::PascalCase,
    Style::ScreamingSnake,
    Style::SingleWord,
    Style::Other,
];

/// (cuts that lie in a zone, zones that hold a cut). Both lists are a handful of entries, so
/// each is tested against the other directly.
fn matched_and_hit(cuts: &[usize], zones: &[(usize, usize)]) -> (u64, u64) {
    if cuts.is_empty() || zones.is_empty() {
        return (0, 0);
    }
    let inside = |p: usize, &(lo, hi): &(usize, usize)| lo <= p && p <= hi;
    let matched = cuts
        .iter()
        .filter(|&&p| zones.iter().any(|z| inside(p, z)))
        .count() as u64;
    let hit = zones
        .iter()
        .filter(|z| cuts.iter().any(|&p| inside(p, z)))
        .count() as u64;
    (matched, hit)
}

/// The example for `ident` cut at `cuts` (sorted, distinct, inside it) into `tokens` tokens.
fn fragmented(ident: &str, tokens: u64, cuts: &[usize]) -> Fragmented {
    let mut pieces = Vec::with_capacity(cuts.len() + 1);
    let mut at = 0;
    for &p in cuts.iter().chain(std::iter::once(&ident.len())) {
        if p > at {
            pieces.push(ident[at..p].to_string());
        }
        at = p;
    }
    Fragmented {
        identifier: ident.to_string(),
        tokens,
        pieces,
    }
}

fn frag_order(a: &Fragmented, b: &Fragmented) -> std::cmp::Ordering {
    b.tokens
        .cmp(&a.tokens)
        .then_with(|| a.identifier.cmp(&b.identifier))
}

fn merge_fragmented(into: &mut Vec<Fragmented>, more: &[Fragmented]) {
    for f in more {
        match into.iter_mut().find(|g| g.identifier == f.identifier) {
            // Equal counts: the smaller pieces win, so merged totals do not depend on merge order.
            Some(g) if (f.tokens, &g.pieces) > (g.tokens, &f.pieces) => *g = f.clone(),
            Some(_) => {}
            None => into.push(f.clone()),
        }
    }
    into.sort_by(frag_order);
    into.truncate(FRAGMENTED_EXAMPLES);
}

/// What [`IdentifierCounts::of_text`] keeps per distinct identifier of a text.
struct Seen {
    style: Style,
    /// Its sub-word zones, a range of the zone buffer.
    zones: std::ops::Range<usize>,
    /// Its most fragmented occurrence so far: tokens, and its cuts as a range of the cut buffer.
    worst: Option<(u64, std::ops::Range<usize>)>,
}

/// The tokens overlapping the identifier `[s, e)` among `spans` (sorted by start), and into
/// `cuts` the token boundaries strictly inside it, relative to `s`, sorted and without repeats.
/// `first` is the first span that can still overlap it: identifiers come in order, so it only
/// moves forward.
fn stepped_cuts(
    spans: &[(usize, usize)],
    first: &mut usize,
    (s, e): (usize, usize),
    cuts: &mut Vec<usize>,
) -> u64 {
    while *first < spans.len() && spans[*first].1 <= s {
        *first += 1;
    }
    let mut n = 0u64;
    for &(ts, te) in spans[*first..].iter().take_while(|sp| sp.0 < e) {
        if te > s && ts < te {
            n += 1;
            if ts > s {
                cuts.push(ts - s);
            }
            if te < e {
                cuts.push(te - s);
            }
        }
    }
    if !cuts.is_sorted() {
        cuts.sort_unstable();
    }
    cuts.dedup();
    n
}

impl IdentifierCounts {
    /// Counts for the identifiers `idents` (byte spans in `text`) given token spans sorted by
    /// start.
    ///
    /// Per identifier no allocation: the cuts go to a buffer reused across identifiers and
    /// styles are counted in an array. What depends on the identifier's text alone (its style
    /// and sub-word zones) is worked out once per distinct identifier, kept with its most
    /// fragmented occurrence as (tokens, cuts) until the examples are picked. An FxHash map
    /// finds a distinct identifier's place in that list: its entries stay small, so the map
    /// touches fewer cache lines per occurrence.
    pub fn of_text(text: &str, idents: &[(usize, usize)], tokens: &TokenSpans<'_>) -> Self {
        let mut styles = [IdentCounts::default(); STYLES];
        // Code repeats its identifiers: about one in three occurrences is a new one.
        let mut place: FxHashMap<&str, usize> =
            FxHashMap::with_capacity_and_hasher(idents.len() / 3, Default::default());
        let mut seen: Vec<(&str, Seen)> = Vec::with_capacity(idents.len() / 3);
        // The zones of every distinct identifier, and the cuts of each one's worst occurrence.
        let mut zones: Vec<(usize, usize)> = Vec::new();
        let mut worst_cuts: Vec<usize> = Vec::new();
        let mut first = 0usize;
        let mut cuts: Vec<usize> = Vec::new();
        for &(s, e) in idents {
            let ident = &text[s..e];
            cuts.clear();
            let n = match tokens.starts() {
                // Tiling tokens: the cuts inside are the starts there, in order.
                Some(starts) => {
                    starts.for_each(s + 1, e, |p| cuts.push(p - s));
                    starts.overlapping(s, e)
                }
                None => stepped_cuts(tokens.spans(), &mut first, (s, e), &mut cuts),
            };
            let k = *place.entry(ident).or_insert_with(|| {
                let from = zones.len();
                push_subword_zones(ident, &mut zones);
                let known = Seen {
                    style: style(ident),
                    zones: from..zones.len(),
                    worst: None,
                };
                seen.push((ident, known));
                seen.len() - 1
            });
            let known = &mut seen[k].1;
            let its_zones = &zones[known.zones.clone()];
            let (matched, hit) = matched_and_hit(&cuts, its_zones);
            let one = IdentCounts {
                occurrences: 1,
                tokens: n,
                whole: u64::from(n == 1),
                token_boundaries: cuts.len() as u64,
                matched_boundaries: matched,
                zones: its_zones.len() as u64,
                hit_zones: hit,
            };
            styles[known.style as usize].add(&one);
            // The first occurrence with the most tokens, from two tokens up.
            if n >= 2 && known.worst.as_ref().is_none_or(|w| w.0 < n) {
                let at = worst_cuts.len();
                worst_cuts.extend_from_slice(&cuts);
                known.worst = Some((n, at..worst_cuts.len()));
            }
        }
        let mut all: Vec<(&str, u64, std::ops::Range<usize>)> = seen
            .into_iter()
            .filter_map(|(ident, known)| known.worst.map(|(n, range)| (ident, n, range)))
            .collect();
        // The order of `frag_order`: identifiers are distinct, so the order is total, and the
        // first examples in it are the same whether the rest is sorted or only set apart.
        let order =
            |a: &(&str, u64, _), b: &(&str, u64, _)| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0));
        if all.len() > FRAGMENTED_EXAMPLES {
            all.select_nth_unstable_by(FRAGMENTED_EXAMPLES - 1, order);
            all.truncate(FRAGMENTED_EXAMPLES);
        }
        all.sort_unstable_by(order);
        // Every occurrence is counted under exactly one style.
        let mut total = IdentCounts::default();
        styles.iter().for_each(|s| total.add(s));
        IdentifierCounts {
            total,
            styles: STYLE_ORDER
                .iter()
                .map(|&st| (st, styles[st as usize]))
                .filter(|(_, c)| c.occurrences > 0)
                .collect(),
            fragmented: all
                .into_iter()
                .map(|(ident, n, range)| fragmented(ident, n, &worst_cuts[range]))
                .collect(),
        }
    }

    /// Adds another text's counts.
    pub fn add(&mut self, o: &IdentifierCounts) {
        self.total.add(&o.total);
        for (k, v) in &o.styles {
            self.styles.entry(*k).or_default().add(v);
        }
        merge_fragmented(&mut self.fragmented, &o.fragmented);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reading of `style` over a collected `Vec<char>`, kept as the reference.
    fn reference_style(ident: &str) -> Style {
        let core = ident.trim_matches('_');
        let has_lower = core.chars().any(char::is_lowercase);
        let has_upper = core.chars().any(char::is_uppercase);
        if core.contains('_') {
            return match (has_lower, has_upper) {
                (true, false) | (false, false) => Style::SnakeCase,
                (false, true) => Style::ScreamingSnake,
                (true, true) => Style::Other,
            };
        }
        let chars: Vec<char> = core.chars().collect();
        let hump = chars
            .windows(2)
            .any(|w| w[0].is_lowercase() && w[1].is_uppercase())
            || chars
                .windows(3)
                .any(|w| w[0].is_uppercase() && w[1].is_uppercase() && w[2].is_lowercase());
        match chars.first() {
            Some(c) if hump && c.is_lowercase() => Style::CamelCase,
            Some(c) if hump && c.is_uppercase() => Style::PascalCase,
            Some(_) if hump => Style::Other,
            _ => Style::SingleWord,
        }
    }

    /// The reading of `subword_zones` over collected `(offset, char)` pairs, kept as the
    /// reference.
    fn reference_zones(ident: &str) -> Vec<(usize, usize)> {
        let mut zones = Vec::new();
        let chars: Vec<(usize, char)> = ident.char_indices().collect();
        let n = ident.len();
        let mut k = 0;
        while k < chars.len() {
            let (p, c) = chars[k];
            if c == '_' {
                while k < chars.len() && chars[k].1 == '_' {
                    k += 1;
                }
                let b = chars.get(k).map_or(n, |x| x.0);
                let lo = if p == 0 { b } else { p };
                let hi = if b == n { p } else { b };
                if lo <= hi && lo > 0 && hi < n {
                    zones.push((lo, hi));
                }
                continue;
            }
            if k > 0 {
                let prev = chars[k - 1].1;
                let next = chars.get(k + 1).map(|x| x.1);
                let hump = (prev.is_lowercase() && c.is_uppercase())
                    || (prev.is_uppercase()
                        && c.is_uppercase()
                        && next.is_some_and(char::is_lowercase))
                    || (prev.is_alphabetic() && c.is_numeric())
                    || (prev.is_numeric() && c.is_alphabetic());
                if hump && prev != '_' {
                    zones.push((p, p));
                }
            }
            k += 1;
        }
        zones
    }

    /// The reading of `of_text` with a zone list per identifier, a map entry per style and a
    /// SipHash map of examples, kept as the reference.
    fn reference_of_text(
        text: &str,
        idents: &[(usize, usize)],
        spans: &[(usize, usize)],
    ) -> IdentifierCounts {
        let mut c = IdentifierCounts::default();
        let mut worst: std::collections::HashMap<&str, Fragmented> = Default::default();
        for &(s, e) in idents {
            let ident = &text[s..e];
            let mut n = 0u64;
            let mut cuts: Vec<usize> = Vec::new();
            for &(ts, te) in spans {
                if te > s && ts < e && ts < te {
                    n += 1;
                    if ts > s {
                        cuts.push(ts - s);
                    }
                    if te < e {
                        cuts.push(te - s);
                    }
                }
            }
            cuts.sort_unstable();
            cuts.dedup();
            let zones = reference_zones(ident);
            let matched = cuts
                .iter()
                .filter(|&&p| zones.iter().any(|&(lo, hi)| lo <= p && p <= hi))
                .count() as u64;
            let hit = zones
                .iter()
                .filter(|&&(lo, hi)| cuts.iter().any(|&p| lo <= p && p <= hi))
                .count() as u64;
            let one = IdentCounts {
                occurrences: 1,
                tokens: n,
                whole: u64::from(n == 1),
                token_boundaries: cuts.len() as u64,
                matched_boundaries: matched,
                zones: zones.len() as u64,
                hit_zones: hit,
            };
            c.total.add(&one);
            c.styles
                .entry(reference_style(ident))
                .or_default()
                .add(&one);
            if n >= 2 && worst.get(ident).is_none_or(|f| f.tokens < n) {
                worst.insert(ident, fragmented(ident, n, &cuts));
            }
        }
        let mut all: Vec<Fragmented> = worst.into_values().collect();
        all.sort_by(frag_order);
        all.truncate(FRAGMENTED_EXAMPLES);
        c.fragmented = all;
        c
    }

    /// `of_text` against the reference on random texts: identifiers are the runs of
    /// non-spaces, tokens random tilings at character boundaries with empty and overlapping
    /// spans mixed in, and tilings alone. Each is read token by token and, where the tokens
    /// tile the text, from their starts.
    #[test]
    fn counts_match_the_reference_reading() {
        let mut tiling_read = 0;
        let alphabet: Vec<char> = "aaB1__ Zé漢Σ".chars().collect();
        let mut rng = crate::test_text::XorShift(0x2F6B_4C1E_93A7_D085);
        let mut texts = rng.strings(&alphabet, 20_000, 60);
        // Long enough for more fragmented identifiers than the examples kept.
        texts.extend(rng.strings(&alphabet, 1_000, 600));
        for t in texts {
            let mut idents = Vec::new();
            let mut start = None;
            for (i, ch) in t.char_indices().chain(std::iter::once((t.len(), ' '))) {
                match (ch == ' ', start) {
                    (true, Some(s)) => {
                        idents.push((s, i));
                        start = None;
                    }
                    (false, None) => start = Some(i),
                    _ => {}
                }
            }
            let bounds = crate::test_text::char_bounds(&t);
            let mut spans = Vec::new();
            let mut k = 0;
            while k + 1 < bounds.len() {
                let next = (k + 1 + rng.below(3)).min(bounds.len() - 1);
                spans.push((bounds[k], bounds[next]));
                match rng.below(6) {
                    0 => spans.push((bounds[k], bounds[k])),
                    1 => spans.push((bounds[k], bounds[(next + 2).min(bounds.len() - 1)])),
                    _ => {}
                }
                k = next;
            }
            spans.sort_unstable();
            // The spans, and a tiling of the text, read both ways.
            let tiled = crate::test_text::tiling(&mut rng, &t, 4);
            for spans in [spans, tiled] {
                let want = reference_of_text(&t, &idents, &spans);
                let tokens = TokenSpans::new(&t, &spans);
                tiling_read += usize::from(tokens.starts().is_some());
                for tokens in [tokens, TokenSpans::stepped(&spans)] {
                    assert_eq!(
                        IdentifierCounts::of_text(&t, &idents, &tokens),
                        want,
                        "{t:?} {spans:?}"
                    );
                }
            }
        }
        assert!(tiling_read > 21_000, "{tiling_read} read from their starts");
    }

    /// Styles and zones against the references on every identifier of up to five characters
    /// over `aB1_` and on random longer ones with non-ASCII letters and digits.
    #[test]
    fn styles_and_zones_match_the_collected_readings() {
        let short: Vec<char> = "aB1_".chars().collect();
        let mut idents = crate::test_text::all_strings(&short, 5);
        let wide: Vec<char> = "aZ9_éÉßǅ٣ⅫΣσ漢".chars().collect();
        let mut rng = crate::test_text::XorShift(0xD1B5_4A32_D192_ED03);
        idents.extend(rng.strings(&wide, 30_000, 16));
        let ascii: Vec<char> = "aZ9_bY0".chars().collect();
        idents.extend(rng.strings(&ascii, 30_000, 16));
        for id in &idents {
            assert_eq!(style(id), reference_style(id), "{id:?}");
            assert_eq!(subword_zones(id), reference_zones(id), "{id:?}");
        }
    }
}
