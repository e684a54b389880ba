//! The human-readable view of a [`VocabReport`]: one function per table, in display order.

use super::{LengthBucket, Reachability, TokenizerVocab, VocabReport, compress_runs, dead};
use crate::render::{Cell, Render, Table, visible_whitespace};

impl Render for VocabReport {
    /// One table per aspect, one row per tokenizer (or per example); the optional tables only
    /// when their data is there.
    fn tables(&self) -> Vec<Table> {
        let r = &self.tokenizers;
        let mut out = vec![composition(self), reachability(r), unreachable_causes(r)];
        out.extend(reachability_examples(r));
        out.extend(lengths(r));
        out.extend([scripts(r), whitespace(r), digits_and_code(r)]);
        out.extend(overlap(r));
        out.extend(corpus_use(r));
        if r.iter().any(|a| a.dead_budget.is_some()) {
            out.push(dead::table(r));
        }
        out
    }
}

fn composition(report: &VocabReport) -> Table {
    let r = &report.tokenizers;
    let mut t = Table::new(
        "Vocabulary composition",
        [
            "tokenizer",
            "ids",
            "regular",
            "added",
            "special",
            "unused",
            "absent",
            "word-start",
            "digit-only",
            "whitespace-only",
            "code-like",
        ],
    );
    for a in r {
        let c = &a.composition;
        t.row(vec![
            Cell::text(&a.name),
            Cell::count(a.vocab_size),
            Cell::count(c.regular),
            Cell::count(c.added),
            Cell::count(c.special),
            Cell::count(c.unused),
            Cell::count(c.absent),
            Cell::count(a.word_start),
            Cell::count(a.digits.tokens),
            Cell::count(a.whitespace.tokens),
            Cell::count(a.code_like.tokens),
        ]);
    }
    t.note("unused: placeholders such as [unused0] or madeupword0000; word-start: a leading Ġ/▁ marker before a non-space, or a WordPiece piece without ##; counts after `special` are over non-special tokens.");
    for a in report
        .tokenizers
        .iter()
        .filter(|a| !a.ignored_settings.is_empty())
    {
        t.note(format!("{}: {}.", a.name, a.ignored_settings));
    }
    t
}

fn reachability(r: &[TokenizerVocab]) -> Table {
    let mut t = Table::new(
        "Reachability (decode [v], encode again; Land & Bartolo 2024)",
        [
            "tokenizer",
            "prefix",
            "reachable",
            "unreachable (single)",
            "unreachable (multi)",
            "undecodable",
            "special",
            "absent",
        ],
    );
    for a in r {
        let c = &a.reachability;
        t.row(vec![
            Cell::text(&a.name),
            Cell::text(a.reachability_prefix.clone().unwrap_or_else(|| "–".into())),
            Cell::count(c.reachable),
            Cell::count(c.unreachable_single),
            Cell::count(c.unreachable_multi),
            Cell::count(c.undecodable),
            Cell::count(c.special),
            Cell::count(c.absent),
        ]);
    }
    t.note("single: the text re-encodes to one other id (shadowed); multi: to zero or several ids; undecodable: part of a UTF-8 character (U+FFFD); prefix: ids tested behind it for tokenizers that prepend ▁.");
    t
}

fn unreachable_causes(r: &[TokenizerVocab]) -> Table {
    let mut t = Table::new(
        "Why ids are unreachable",
        [
            "tokenizer",
            "unreachable",
            "placeholder",
            "shadowed by added token",
            "normalized away",
            "split",
            "produced in context",
        ],
    );
    for a in r {
        let c = &a.unreachable_causes;
        t.row(vec![
            Cell::text(&a.name),
            Cell::count(a.reachability.unreachable()),
            Cell::count(c.placeholder),
            Cell::count(c.shadowed_by_added_token),
            Cell::count(c.normalized_away),
            Cell::count(c.split),
            Cell::count(c.produced_in_context),
        ]);
    }
    t.note("First cause that applies: an unused placeholder; the text re-encodes through an added/special token (matched before the model runs); it re-encodes to nothing (normalizer/pre-tokenizer removes it); otherwise the pre-tokenizer or model splits it (a merge that never happens, a unigram piece that loses to a split). Produced in context: unreachable ids that occur in another unreachable id's re-encoding or in their own text followed by » (not dead).");
    t
}

fn reachability_examples(r: &[TokenizerVocab]) -> Option<Table> {
    if r.iter().all(|a| a.reachability_examples.is_empty()) {
        return None;
    }
    let mut t = Table::new(
        "Ids that do not come back from their own text",
        ["tokenizer", "class", "id", "token", "text", "re-encoded as"],
    );
    for a in r {
        for e in &a.reachability_examples {
            t.row(vec![
                Cell::text(&a.name),
                Cell::text(e.class.name()),
                Cell::text(e.id.to_string()),
                Cell::text(shown(&e.token)),
                Cell::text(shown(&e.text)),
                Cell::text(if e.class == Reachability::Undecodable {
                    "–".to_string()
                } else if e.reencoded_ids.is_empty() {
                    "(nothing)".to_string()
                } else {
                    e.reencoded_tokens
                        .iter()
                        .map(|t| shown(t))
                        .collect::<Vec<_>>()
                        .join(" ")
                }),
            ]);
        }
    }
    Some(t)
}

fn lengths(r: &[TokenizerVocab]) -> Vec<Table> {
    let mut out = Vec::new();
    for (title, is_bytes) in [
        ("Token length in bytes (non-special tokens)", true),
        ("Token length in chars (valid UTF-8 tokens)", false),
    ] {
        let first = r.first().map(|a| {
            if is_bytes {
                &a.lengths.bytes
            } else {
                &a.lengths.chars
            }
        });
        let labels: Vec<String> = first
            .map(|b| b.iter().map(bucket_label).collect())
            .unwrap_or_default();
        let mut header = vec!["tokenizer".to_string()];
        header.extend(labels.iter().cloned());
        header.push("mean".into());
        if !is_bytes {
            header.push("partial UTF-8".into());
        }
        let mut t = Table::new(title, header);
        for a in r {
            let buckets = if is_bytes {
                &a.lengths.bytes
            } else {
                &a.lengths.chars
            };
            let mut row = vec![Cell::text(&a.name)];
            for l in &labels {
                let c = buckets.iter().find(|b| &bucket_label(b) == l);
                row.push(Cell::count(c.map_or(0, |b| b.count)));
            }
            if is_bytes {
                row.push(Cell::Float(a.lengths.mean_bytes, 2));
            } else {
                row.push(Cell::Float(a.lengths.mean_chars, 2));
                row.push(Cell::count(a.lengths.partial_utf8));
            }
            t.row(row);
        }
        out.push(t);
    }
    out
}

fn scripts(r: &[TokenizerVocab]) -> Table {
    let mut t = Table::new(
        "Tokens by Unicode script (top 8 per tokenizer)",
        ["tokenizer", "script", "tokens", "share"],
    );
    for a in r {
        for s in a.scripts.iter().take(8) {
            t.row(vec![
                Cell::text(&a.name),
                Cell::text(&s.script),
                Cell::count(s.count),
                Cell::Percent(
                    crate::analysis::ratio(s.count as f64, a.lengths.tokens as f64),
                    1,
                ),
            ]);
        }
    }
    t.note("Script of a token: the Unicode Script of its chars, ignoring Common/Inherited (spaces, digits, punctuation, marks); Common if none is left, Mixed if several.");
    t
}

fn whitespace(r: &[TokenizerVocab]) -> Table {
    let mut t = Table::new(
        "Whitespace-only tokens",
        [
            "tokenizer",
            "tokens",
            "space runs",
            "reachable space runs",
            "tab runs",
            "reachable tab runs",
            "newline runs",
            "reachable newline runs",
            "mixed",
        ],
    );
    for a in r {
        let w = &a.whitespace;
        t.row(vec![
            Cell::text(&a.name),
            Cell::count(w.tokens),
            Cell::text(compress_runs(&w.space_runs)),
            Cell::text(compress_runs(&w.reachable_space_runs)),
            Cell::text(compress_runs(&w.tab_runs)),
            Cell::text(compress_runs(&w.reachable_tab_runs)),
            Cell::text(compress_runs(&w.newline_runs)),
            Cell::text(compress_runs(&w.reachable_newline_runs)),
            Cell::count(w.mixed),
        ]);
    }
    t.note("Runs: the lengths n for which one token of exactly n spaces / tabs / newlines exists; reachable: those whose token comes back from its own text (the runs really encoded as one token). Mixed: e.g. newline + indentation.");
    t
}

fn digits_and_code(r: &[TokenizerVocab]) -> Table {
    let mut t = Table::new(
        "Digit and code-like tokens",
        [
            "tokenizer",
            "digit-only",
            "by digits",
            "code-like",
            "indentation",
            "operator",
            "identifier",
            "code-mixed",
        ],
    );
    for a in r {
        let d = &a.digits;
        let c = &a.code_like;
        t.row(vec![
            Cell::text(&a.name),
            Cell::count(d.tokens),
            Cell::text(
                d.by_length
                    .iter()
                    .map(|l| format!("{}:{}", l.digits, l.count))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            Cell::count(c.tokens),
            Cell::count(c.indentation),
            Cell::count(c.operator),
            Cell::count(c.identifier),
            Cell::count(c.code_mixed),
        ]);
    }
    t.note("Digit-only: ASCII 0-9 after one optional leading space. Code-like (first rule that matches): indentation = whitespace-only with a tab or 2+ spaces; operator = 2+ ASCII punctuation chars; identifier = ASCII alnum/_ with an inner _ or a lower→Upper step; code-mixed = ASCII alnum with one of (){}[];=<>$@\\.");
    t
}

fn overlap(r: &[TokenizerVocab]) -> Option<Table> {
    if r.len() < 2 {
        return None;
    }
    let mut t = Table::new(
        "Overlap of surface forms (Ġ/▁ mapped to a space)",
        [
            "tokenizer",
            "other",
            "forms",
            "other forms",
            "shared",
            "Jaccard",
        ],
    );
    for (i, a) in r.iter().enumerate() {
        for o in &a.overlap {
            let j = r.iter().position(|b| b.name == o.with).unwrap_or(0);
            if j <= i {
                continue;
            }
            t.row(vec![
                Cell::text(&a.name),
                Cell::text(&o.with),
                Cell::count(o.forms),
                Cell::count(o.other_forms),
                Cell::count(o.shared),
                Cell::Float(o.jaccard, 3),
            ]);
        }
    }
    Some(t)
}

fn corpus_use(r: &[TokenizerVocab]) -> Vec<Table> {
    if r.iter().all(|a| a.corpus.is_none()) {
        return Vec::new();
    }
    let mut t = Table::new(
        "Vocabulary use on the corpus",
        [
            "tokenizer",
            "files",
            "tokens",
            "used ids",
            "utilization",
            "H_2.5 (bits)",
            "Rényi efficiency",
        ],
    );
    let mut top = Table::new(
        "Most frequent tokens",
        ["tokenizer", "rank", "id", "token", "text", "count", "share"],
    );
    for a in r {
        let Some(c) = &a.corpus else { continue };
        t.row(vec![
            Cell::text(&a.name),
            Cell::count(c.files),
            Cell::Int(c.tokens as i128),
            Cell::count(c.used_ids),
            Cell::Percent(c.utilization, 1),
            Cell::Float(c.renyi_entropy, 3),
            Cell::Float(c.renyi_efficiency, 3),
        ]);
        for (k, f) in c.top.iter().enumerate() {
            top.row(vec![
                Cell::text(&a.name),
                Cell::count(k + 1),
                Cell::text(f.id.to_string()),
                Cell::text(shown(&f.token)),
                Cell::text(shown(&f.text)),
                Cell::Int(f.count as i128),
                Cell::Percent(f.share, 2),
            ]);
        }
    }
    t.note("Utilization: share of ids used at least once. Rényi efficiency: H_α of the unigram id distribution / log2 |V|, α = 2.5 (Zouhar et al. 2023).");
    vec![t, top]
}

fn bucket_label(b: &LengthBucket) -> String {
    match b.max {
        Some(m) if m == b.min => m.to_string(),
        Some(m) => format!("{}–{}", b.min, m),
        None => format!("{}+", b.min),
    }
}

fn shown(s: &str) -> String {
    let v = visible_whitespace(s);
    let v: String = v
        .chars()
        .map(|c| if c.is_control() { '�' } else { c })
        .collect();
    if v.chars().count() > 40 {
        format!("{}…", v.chars().take(40).collect::<String>())
    } else {
        v
    }
}
