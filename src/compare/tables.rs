//! The tables of a `compare` result.

use super::{CompareReport, MAX_INDENT, indent_summary};
use crate::analysis::ratio;
use crate::analysis::whitespace::IndentRow;
use crate::render::{Cell, Render, Table};

/// `7+1` for whole means, `6.50+1.00` otherwise: tokens inside a run + tokens shared with text.
fn tokens_plus_shared(t: f64, s: f64) -> String {
    if t.fract() == 0.0 && s.fract() == 0.0 {
        format!("{t:.0}+{s:.0}")
    } else {
        format!("{t:.2}+{s:.2}")
    }
}

impl Render for CompareReport {
    /// The tables of the report, in the order of the sections (plus the per-language tables of
    /// [`Self::language_tables`] when the inputs hold more than one language).
    fn tables(&self) -> Vec<Table> {
        let mut out = vec![self.overview_table(), self.roundtrip_table()];
        out.extend(self.whitespace_tables());
        out.extend(self.identifier_tables());
        if let Some(t) = self.script_table() {
            out.push(t);
        }
        let languages = self.tokenizers.first().map_or(0, |r| r.by_language.len());
        if languages > 1 {
            out.extend(self.language_tables());
        }
        out
    }
}

impl CompareReport {
    fn names(&self) -> Vec<&str> {
        self.tokenizers.iter().map(|t| t.name.as_str()).collect()
    }

    fn overview_table(&self) -> Table {
        let mut t = Table::new(
            "Overview",
            [
                "tokenizer",
                "tokens",
                "bytes/token",
                "chars/token",
                "fertility",
                "continued words",
                "unk",
                "byte fallback",
                "round trip",
            ],
        );
        for r in &self.tokenizers {
            t.row(vec![
                Cell::text(&r.name),
                Cell::int(r.tokens),
                Cell::Float(r.bytes_per_token, 2),
                Cell::Float(r.chars_per_token, 2),
                Cell::Float(r.fertility, 3),
                Cell::Percent(r.continued_word_share, 1),
                Cell::int(r.unk_tokens),
                Cell::int(r.byte_fallback_tokens),
                Cell::text(if r.roundtrip_exact { "exact" } else { "lossy" }),
            ]);
        }
        let (bytes, chars, words) = self
            .tokenizers
            .first()
            .map_or((0, 0, 0), |r| (r.bytes, r.chars, r.words));
        let langs: Vec<String> = self
            .input_totals
            .by_language
            .iter()
            .map(|l| format!("{} {}", l.language, l.files))
            .collect();
        t.note(format!(
            "{} input(s) ({}): {} bytes, {} chars, {} words (UAX #29). Fertility = tokens per word.",
            self.input_totals.files,
            langs.join(", "),
            crate::render::group_thousands(bytes as i128),
            crate::render::group_thousands(chars as i128),
            crate::render::group_thousands(words as i128),
        ));
        if let Some(line) = crate::input::skip::summary_line(&self.skipped_by_reason) {
            t.note(format!("{line}; see --format json"));
        }
        t
    }

    fn roundtrip_table(&self) -> Table {
        let mut t = Table::new(
            "Round trip: decode(encode(x)) == x",
            [
                "tokenizer",
                "exact",
                "differing bytes",
                "first difference",
                "original",
                "decoded",
                "reason",
            ],
        );
        for r in &self.tokenizers {
            let rt = &r.roundtrip;
            let (at, o, d, why) = match &rt.first_difference {
                Some(f) => (
                    format!("{}:{}:{}", f.path, f.line, f.column),
                    f.original.clone(),
                    f.decoded.clone(),
                    f.reason.clone(),
                ),
                None => Default::default(),
            };
            t.row(vec![
                Cell::text(&r.name),
                Cell::text(if r.roundtrip_exact { "yes" } else { "no" }),
                Cell::int(rt.differing_bytes),
                Cell::text(at),
                Cell::text(o),
                Cell::text(d),
                Cell::text(why),
            ]);
        }
        t
    }

    fn whitespace_tables(&self) -> Vec<Table> {
        vec![
            self.whitespace_summary_table(),
            self.whitespace_class_table(),
            self.indent_table(),
            self.indent_probe_table(),
        ]
    }

    fn whitespace_summary_table(&self) -> Table {
        let mut summary = Table::new(
            "Whitespace: tokens made only of whitespace",
            [
                "tokenizer",
                "whitespace tokens",
                "share of tokens",
                "indent tokens/run",
                "indent lengths distinguishable",
            ],
        );
        for r in &self.tokenizers {
            let (_, per_run, dist) = indent_summary(&r.whitespace.classes);
            summary.row(vec![
                Cell::text(&r.name),
                Cell::int(r.whitespace.whitespace_tokens),
                Cell::Percent(r.whitespace.share, 1),
                Cell::Float(per_run, 2),
                Cell::text(if dist { "yes" } else { "no" }),
            ]);
        }
        summary
    }

    fn whitespace_class_table(&self) -> Table {
        let mut header = vec!["class".to_string(), "length".into(), "runs".into()];
        for n in self.names() {
            header.push(format!("{n} tokens/run"));
            header.push(format!("{n} distinct"));
        }
        let mut classes = Table::new("Whitespace runs by class and length", header);
        let mut omitted = 0usize;
        if let Some(first) = self.tokenizers.first() {
            for (i, row) in first.whitespace.classes.iter().enumerate() {
                if row.length > MAX_INDENT {
                    omitted += 1;
                    continue;
                }
                let mut cells = vec![
                    Cell::text(row.class.name()),
                    Cell::count(row.length),
                    Cell::int(row.occurrences),
                ];
                for c in self
                    .tokenizers
                    .iter()
                    .filter_map(|r| r.whitespace.classes.get(i))
                {
                    cells.push(Cell::text(tokens_plus_shared(
                        c.tokens_per_run,
                        ratio(c.shared_tokens as f64, c.occurrences as f64),
                    )));
                    cells.push(Cell::text(if c.distinguishable { "yes" } else { "no" }));
                }
                classes.row(cells);
            }
        }
        classes.note(
            "tokens/run = whitespace-only tokens inside the run + tokens shared with other text (e.g. `Ġreturn`), per run; \
             distinct = runs of this length decode differently from every other length of the class.",
        );
        if omitted > 0 {
            classes.note(format!(
                "{omitted} rows with runs longer than {MAX_INDENT} are in the JSON output."
            ));
        }
        classes
    }

    fn indent_table(&self) -> Table {
        let mut header = vec!["N spaces".to_string(), "runs".into()];
        header.extend(self.names().iter().map(|n| n.to_string()));
        let mut indent = Table::new("N spaces of indentation → tokens (input)", header);
        for n in 1..=MAX_INDENT {
            let rows: Vec<Option<&IndentRow>> = self
                .tokenizers
                .iter()
                .map(|r| r.whitespace.indent.iter().find(|x| x.spaces == n))
                .collect();
            let Some(Some(first)) = rows.first() else {
                continue;
            };
            let mut cells = vec![Cell::count(n), Cell::int(first.occurrences)];
            for r in rows {
                cells.push(r.map_or(Cell::Empty, |r| {
                    Cell::text(tokens_plus_shared(r.tokens_per_run, r.shared_per_run))
                }));
            }
            indent.row(cells);
        }
        indent.note("whitespace tokens + shared tokens per run, averaged over the input's indentation runs.");
        indent
    }

    fn indent_probe_table(&self) -> Table {
        let mut header = vec!["N spaces".to_string()];
        header.extend(self.names().iter().map(|n| n.to_string()));
        let mut probe = Table::new(
            "N spaces of indentation → tokens (probe `if x:⏎{N}return x⏎`)",
            header,
        );
        for n in 1..=MAX_INDENT {
            let mut cells = vec![Cell::count(n)];
            for r in &self.tokenizers {
                let p = r.whitespace.indent_probe.iter().find(|p| p.spaces == n);
                cells.push(p.map_or(Cell::Empty, |p| {
                    let mut s = tokens_plus_shared(p.tokens as f64, p.shared_tokens as f64);
                    if !p.roundtrip_exact {
                        s.push_str(" lossy");
                    }
                    Cell::text(s)
                }));
            }
            probe.row(cells);
        }
        probe.note("independent of the input; `lossy`: the probe does not come back from decode(encode(·)).");
        probe
    }

    fn identifier_tables(&self) -> Vec<Table> {
        if self
            .tokenizers
            .iter()
            .all(|r| r.identifiers.occurrences == 0)
        {
            return Vec::new();
        }
        let mut t = Table::new(
            "Identifiers (code only; keywords, strings, comments skipped)",
            [
                "tokenizer",
                "identifiers",
                "tokens/identifier",
                "kept whole",
                "boundary precision",
                "boundary recall",
            ],
        );
        for r in &self.tokenizers {
            let i = &r.identifiers;
            t.row(vec![
                Cell::text(&r.name),
                Cell::int(i.occurrences),
                Cell::Float(i.tokens_per_identifier, 2),
                Cell::Percent(i.whole_share, 1),
                Cell::Percent(i.boundary_precision, 1),
                Cell::Percent(i.boundary_recall, 1),
            ]);
        }
        t.note("precision/recall: token boundaries inside identifiers vs sub-word boundaries (case humps, underscores, digits).");

        let mut header = vec!["style".to_string(), "identifiers".into()];
        for r in &self.tokenizers {
            header.push(format!("{} tokens/id", r.name));
            header.push(format!("{} whole", r.name));
        }
        let mut styles = Table::new("Identifiers by style", header);
        if let Some(first) = self.tokenizers.first() {
            for (i, s) in first.identifiers.styles.iter().enumerate() {
                let mut cells = vec![Cell::text(&s.style), Cell::int(s.occurrences)];
                for r in &self.tokenizers {
                    let Some(x) = r.identifiers.styles.get(i) else {
                        continue;
                    };
                    cells.push(Cell::Float(x.tokens_per_identifier, 2));
                    cells.push(Cell::Percent(x.whole_share, 1));
                }
                styles.row(cells);
            }
        }

        let mut frag = Table::new(
            "Most fragmented identifiers",
            ["tokenizer", "identifier", "tokens", "pieces"],
        );
        for r in &self.tokenizers {
            for f in r.identifiers.most_fragmented.iter().take(5) {
                frag.row(vec![
                    Cell::text(&r.name),
                    Cell::text(&f.identifier),
                    Cell::int(f.tokens),
                    Cell::text(f.pieces.join("|")),
                ]);
            }
        }
        vec![t, styles, frag]
    }

    fn script_table(&self) -> Option<Table> {
        let first = self.tokenizers.first()?;
        if first.scripts.scripts.is_empty() {
            return None;
        }
        let mut header = vec!["script".to_string(), "chars".into()];
        for r in &self.tokenizers {
            header.push(format!("{} tokens", r.name));
            header.push(format!("{} chars/token", r.name));
        }
        let mut t = Table::new("Scripts (non-code text)", header);
        for s in &first.scripts.scripts {
            let mut cells = vec![Cell::text(&s.script), Cell::int(s.chars)];
            for r in &self.tokenizers {
                let x = r.scripts.scripts.iter().find(|x| x.script == s.script);
                cells.push(x.map_or(Cell::int(0u64), |x| Cell::int(x.tokens)));
                cells.push(x.map_or(Cell::Empty, |x| Cell::Float(x.chars_per_token, 2)));
            }
            t.row(cells);
        }
        t.note("a token counts for the script of its first letter that is not Common/Inherited.");
        Some(t)
    }

    /// Per-language whitespace and identifier tables (rows: language × tokenizer), for
    /// `reports/code-tokenization.md`.
    pub fn language_tables(&self) -> Vec<Table> {
        let mut ws = Table::new(
            "Whitespace by language",
            [
                "language",
                "tokenizer",
                "files",
                "tokens",
                "bytes/token",
                "whitespace share",
                "indent runs",
                "indent tokens/run",
                "indent lengths distinguishable",
            ],
        );
        let mut id = Table::new(
            "Identifiers by language",
            [
                "language",
                "tokenizer",
                "identifiers",
                "tokens/identifier",
                "kept whole",
                "boundary precision",
                "boundary recall",
            ],
        );
        let langs: Vec<String> = self
            .tokenizers
            .first()
            .map(|r| r.by_language.iter().map(|l| l.language.clone()).collect())
            .unwrap_or_default();
        for lang in &langs {
            for r in &self.tokenizers {
                let Some(l) = r.by_language.iter().find(|l| &l.language == lang) else {
                    continue;
                };
                ws.row(vec![
                    Cell::text(lang),
                    Cell::text(&r.name),
                    Cell::int(l.files),
                    Cell::int(l.tokens),
                    Cell::Float(l.bytes_per_token, 2),
                    Cell::Percent(l.whitespace_share, 1),
                    Cell::int(l.indent_runs),
                    Cell::Float(l.indent_tokens_per_run, 2),
                    Cell::text(if l.indent_distinguishable {
                        "yes"
                    } else {
                        "no"
                    }),
                ]);
                if l.identifiers > 0 {
                    id.row(vec![
                        Cell::text(lang),
                        Cell::text(&r.name),
                        Cell::int(l.identifiers),
                        Cell::Float(l.tokens_per_identifier, 2),
                        Cell::Percent(l.identifier_whole_share, 1),
                        Cell::Percent(l.boundary_precision, 1),
                        Cell::Percent(l.boundary_recall, 1),
                    ]);
                }
            }
        }
        vec![ws, id]
    }
}
