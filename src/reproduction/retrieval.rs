//! `retrieval.md`: the same small encoder trained per tokenizer, scored on code retrieval.
//!
//! [`measure`] runs (or reads back) the retrieval experiment; [`claims`] decides the published
//! comparison's claims from its paired tests; [`page`] writes the section. A claim about a
//! tokenizer's effect gets "holds" or "does not hold" only when the pooled paired test over
//! queries (encoder reciprocal ranks averaged over the run's seeds) is significant at
//! [`ALPHA`]; otherwise it is "inconclusive", with the figures.

use std::fmt::Write as _;

use super::claims::{Claim, Verdict};
use super::{ReportFile, ReportOptions, Section, json};
use crate::Result;
use crate::render::chart::{self, Labels, Series};
use crate::render::{Render, TextFormat, group_thousands, render_tables};
use crate::retrieval::uncertainty::{AVERAGE, Comparison, p_value_text};
use crate::retrieval::{self, RetrievalOptions, RetrievalReport, method};

/// Significance level of every verdict.
pub const ALPHA: f64 = 0.05;

/// The published code-retrieval table (Jina AI, early 2025): task, then ModernBERT-large,
/// jina-XLM-RoBERTa, RoBERTa-large. Pretrained models fine-tuned on code, not run here; kept to
/// check the comparison's own claims against its own numbers.
const PUBLISHED_RETRIEVAL: [(&str, [f64; 3]); 13] = [
    ("AdvRetrieval", [0.342, 0.363, 0.331]),
    ("QueryRetrieval.python", [0.521, 0.530, 0.525]),
    ("QueryRetrieval.java", [0.679, 0.633, 0.644]),
    ("QueryRetrieval.javascript", [0.755, 0.768, 0.732]),
    ("QueryRetrieval.php", [0.815, 0.781, 0.755]),
    ("QueryRetrieval.ruby", [0.729, 0.744, 0.722]),
    ("QueryRetrieval.go", [0.833, 0.809, 0.796]),
    ("Retrieval.go", [0.778, 0.750, 0.759]),
    ("Retrieval.java", [0.840, 0.792, 0.796]),
    ("Retrieval.javascript", [0.817, 0.792, 0.757]),
    ("Retrieval.php", [0.852, 0.805, 0.796]),
    ("Retrieval.python", [0.849, 0.816, 0.787]),
    ("Retrieval.ruby", [0.849, 0.796, 0.803]),
];

/// The published table's average over its tasks for model `i` (0 ModernBERT-large, 1
/// jina-XLM-RoBERTa, 2 RoBERTa-large).
fn published_average(i: usize) -> f64 {
    PUBLISHED_RETRIEVAL.iter().map(|(_, v)| v[i]).sum::<f64>() / PUBLISHED_RETRIEVAL.len() as f64
}

/// A saved run of the equal-total-budget experiment, read back next to the main run.
const EQUAL_TOTAL_JSON: &str = "retrieval-equal-total-5M.json";

/// What the section is built from: the main run and, when saved beside it, the equal-total run.
pub(crate) struct Measured {
    report: RetrievalReport,
    equal_total: Option<RetrievalReport>,
}

/// `retrieval.md`, its chart and its data.
pub fn retrieval(opts: &ReportOptions) -> Result<Section> {
    let m = measure(opts)?;
    let claims = claims(&m.report);
    let mut files = vec![
        ReportFile::new("retrieval.md", page(&m)),
        ReportFile::new("retrieval-mrr.svg", mrr_chart(&m.report)?),
        ReportFile::new("data/retrieval.json", json(&m.report)?),
    ];
    if let Some(et) = &m.equal_total {
        files.push(ReportFile::new(
            format!("data/{EQUAL_TOTAL_JSON}"),
            json(et)?,
        ));
    }
    Ok(Section { files, claims })
}

/// Runs the default experiment with the report's seeds (or the CI-sized one), or reads a saved
/// run and its equal-total sibling.
fn measure(opts: &ReportOptions) -> Result<Measured> {
    if let Some(path) = &opts.retrieval_results {
        let sibling = path.with_file_name(EQUAL_TOTAL_JSON);
        let equal_total = if sibling.exists() {
            Some(retrieval::load_report(&sibling)?)
        } else {
            None
        };
        return Ok(Measured {
            report: retrieval::load_report(path)?,
            equal_total,
        });
    }
    let mut o = if opts.quick {
        RetrievalOptions::quick()
    } else {
        RetrievalOptions::default()
    };
    o.seeds = opts.seeds;
    o.data_dir = super::under(&opts.root, "corpora/code-retrieval").into();
    Ok(Measured {
        report: retrieval::run(&o)?,
        equal_total: None,
    })
}

/// "a beats b" from the paired test of a − b: holds when significantly positive, does not hold
/// when significantly negative, inconclusive otherwise.
pub(crate) fn beats(c: &Comparison) -> Verdict {
    match (c.significant(ALPHA), c.mean_difference > 0.0) {
        (true, true) => Verdict::Holds,
        (true, false) => Verdict::DoesNotHold,
        (false, _) => Verdict::Inconclusive,
    }
}

/// "a beats every other": holds when it significantly beats each, does not hold when any other
/// is significantly better, inconclusive otherwise.
pub(crate) fn beats_all(cs: &[&Comparison]) -> Verdict {
    let v: Vec<Verdict> = cs.iter().map(|c| beats(c)).collect();
    if v.contains(&Verdict::DoesNotHold) {
        Verdict::DoesNotHold
    } else if !v.is_empty() && v.iter().all(|x| *x == Verdict::Holds) {
        Verdict::Holds
    } else {
        Verdict::Inconclusive
    }
}

/// "a − b +0.012 [−0.003, 0.027], p = 0.1234".
fn difference_text(c: &Comparison) -> String {
    format!("{} − {} {}", c.a, c.b, figures_text(c))
}

/// "+0.012 [−0.003, 0.027], p = 0.1234": the mean difference, its interval and the p-value.
fn figures_text(c: &Comparison) -> String {
    format!(
        "{:+.3} [{:.3}, {:.3}], p {}",
        c.mean_difference,
        c.ci95[0],
        c.ci95[1],
        match p_value_text(c.p_value) {
            p if p.starts_with('<') => p,
            p => format!("= {p}"),
        }
    )
}

/// The pooled (average over languages) paired test of a − b under `m`, in either stored order.
fn pooled(report: &RetrievalReport, a: &str, b: &str, m: &str) -> Option<Comparison> {
    if let Some(c) = report.comparison((a, m), (b, m), AVERAGE) {
        return Some(c.clone());
    }
    report
        .comparison((b, m), (a, m), AVERAGE)
        .map(|c| Comparison {
            a: c.b.clone(),
            b: c.a.clone(),
            method_a: c.method_b.clone(),
            method_b: c.method_a.clone(),
            mean_difference: -c.mean_difference,
            ci95: [-c.ci95[1], -c.ci95[0]],
            ..c.clone()
        })
}

/// Average MRR@10 of (tokenizer, method), mean over seeds.
fn average(report: &RetrievalReport, tokenizer: &str, m: &str) -> f64 {
    report
        .average(tokenizer, m, |r| r.mrr_at_10)
        .unwrap_or(f64::NAN)
}

/// The sentence on the equal-bytes view of a − b, when the run has it.
fn equal_bytes_text(report: &RetrievalReport, a: &str, b: &str) -> String {
    match pooled(report, a, b, method::TRAINED_EQUAL_BYTES) {
        Some(c) => format!(
            "; on equal-bytes code ({} bytes): {}",
            report.config.options.equal_bytes.unwrap_or(0),
            difference_text(&c)
        ),
        None => String::new(),
    }
}

/// The published comparison's claims about code retrieval, decided by the paired tests.
pub(crate) fn claims(report: &RetrievalReport) -> Vec<Claim> {
    let section = "retrieval.md".to_string();
    let mut claims = Vec::new();
    let avg = published_average;
    let names = report.tokenizer_names();
    let have = |n: &str| names.iter().any(|x| x == n);
    if have("modernbert") && have("xlm-roberta") && have("roberta") {
        claims.push(Claim {
            claim: "On CodeSearchNet retrieval the pretrained ModernBERT-large beats \
                    jina-XLM-RoBERTa and RoBERTa-large"
                .into(),
            measured: format!(
                "needs the pretrained weights, which cannot be loaded here; the comparison's own \
                 averages are {:.3} / {:.3} / {:.3}",
                avg(0),
                avg(1),
                avg(2)
            ),
            verdict: Verdict::CannotBeTested,
            section: section.clone(),
        });
        claims.extend(tokenizer_claims(report, &section));
    }
    let mb_best = PUBLISHED_RETRIEVAL
        .iter()
        .filter(|(_, v)| v[0] > v[1] && v[0] > v[2])
        .count();
    claims.push(Claim {
        claim: "ModernBERT outperformed both alternatives on every metric (the comparison's own \
                table)"
            .into(),
        measured: format!(
            "in the published table ModernBERT-large is best on {mb_best} of {} tasks and on the \
             average ({:.3} vs {:.3} / {:.3}); jina-XLM-RoBERTa is best on the rest",
            PUBLISHED_RETRIEVAL.len(),
            avg(0),
            avg(1),
            avg(2)
        ),
        verdict: if mb_best == PUBLISHED_RETRIEVAL.len() {
            Verdict::Holds
        } else {
            Verdict::DoesNotHold
        },
        section,
    });
    claims
}

/// The two claims about what the tokenizer alone does, from the pooled paired tests of the
/// trained encoder (token-cut view).
fn tokenizer_claims(report: &RetrievalReport, section: &str) -> Vec<Claim> {
    let t = method::TRAINED;
    let (Some(mx), Some(mr), Some(xr)) = (
        pooled(report, "modernbert", "xlm-roberta", t),
        pooled(report, "modernbert", "roberta", t),
        pooled(report, "xlm-roberta", "roberta", t),
    ) else {
        return Vec::new();
    };
    let seeds = report.seed_count();
    let basis = format!(
        "trained encoder, average MRR@10 over {seeds} seed{} (code cut at {} tokens): modernbert \
         {:.3}, xlm-roberta {:.3}, roberta {:.3}",
        if seeds == 1 { "" } else { "s" },
        report.config.options.max_code_tokens,
        average(report, "modernbert", t),
        average(report, "xlm-roberta", t),
        average(report, "roberta", t),
    );
    let lead = beats_all(&[&mx, &mr]);
    let edge = beats(&xr);
    vec![
        Claim {
            claim: "ModernBERT does so well on code because of its code-trained OLMo tokenizer"
                .into(),
            measured: format!(
                "{basis}; paired tests: {}; {}{}",
                difference_text(&mx),
                difference_text(&mr),
                equal_bytes_text(report, "modernbert", "xlm-roberta")
            ),
            verdict: lead,
            section: section.to_string(),
        },
        Claim {
            claim: "jina-XLM-RoBERTa edges RoBERTa-large on code retrieval".into(),
            measured: format!(
                "{basis}; paired test: {}{}; published averages {:.3} vs {:.3}",
                difference_text(&xr),
                equal_bytes_text(report, "xlm-roberta", "roberta"),
                published_average(1),
                published_average(2),
            ),
            verdict: edge,
            section: section.to_string(),
        },
    ]
}

/// The Markdown page.
fn page(m: &Measured) -> String {
    let report = &m.report;
    let mut md = String::from("# Code retrieval: one small encoder trained per tokenizer\n\n");
    md.push_str(&what_it_measures(report));
    md.push_str("![MRR@10 per language, trained encoder](retrieval-mrr.svg)\n\n");
    md.push_str(&run_table(report));
    md.push_str("## Findings\n\n");
    md.push_str(&findings(report));
    md.push_str(&overlap_findings(report));
    md.push_str("\n## Tables\n\n");
    md.push_str(&render_tables(&report.tables(), TextFormat::Markdown));
    if let Some(et) = &m.equal_total {
        md.push_str(&equal_total_section(et));
    }
    md.push_str(&published_table());
    md
}

/// The opening paragraph and the command.
fn what_it_measures(report: &RetrievalReport) -> String {
    let o = &report.config.options;
    let core = report
        .config
        .tokenizers
        .first()
        .map_or(0, |t| t.core_parameters);
    let pairs = report.training.first().map_or(0, |t| t.pairs);
    let seeds = report.seed_count();
    let mut md = String::new();
    let _ = writeln!(
        md,
        "**What this measures.** The same small ModernBERT-style encoder bundled in tokstat \
         (candle; d = {}, {} layers, {} heads, {} parameters outside the embedding table) is \
         trained from scratch once per tokenizer and seed on the same {} (query, code) pairs of \
         `corpora/code-retrieval`, the same way ({seeds} seed{}: {}), then scored on the \
         held-back `{}` split: each query against all code of its language. Only the tokenizer \
         changes (and with it the embedding table). This isolates the tokenizer; it is **not** \
         an evaluation of the pretrained ModernBERT, XLM-RoBERTa or RoBERTa models, whose \
         published results come from pretraining on very different data. Verdicts use the \
         token-cut view (code cut at {} tokens, as the models are trained) and count a \
         difference only when the paired test over queries is significant at {ALPHA}.\n",
        o.dim,
        o.layers,
        o.heads,
        group_thousands(core as i128),
        group_thousands((pairs as u64).into()),
        if seeds == 1 { "" } else { "s" },
        retrieval::run_seeds(o)
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        o.eval_split,
        o.max_code_tokens,
    );
    let _ = writeln!(
        md,
        "Command: `tokstat retrieval{} --format json > reports/data/retrieval.json`, rendered \
         with `tokstat retrieval --from-json reports/data/retrieval.json --format markdown` · \
         data: [`data/retrieval.json`](data/retrieval.json) (every setting is in `config`)\n",
        command_flags(o)
    );
    md
}

/// The flags that reproduce the run's options from the default (or `--quick`) ones.
fn command_flags(o: &RetrievalOptions) -> String {
    let seeds = if o.seeds > 1 {
        format!(" --seeds {}", o.seeds)
    } else {
        String::new()
    };
    let same_as = |mut reference: RetrievalOptions| {
        reference.data_dir = o.data_dir.clone();
        reference.seeds = o.seeds;
        &reference == o
    };
    if same_as(RetrievalOptions::default()) {
        seeds
    } else if same_as(RetrievalOptions::quick()) {
        format!(" --quick{seeds}")
    } else {
        " [the settings in config.options]".to_string()
    }
}

/// Wall times and training summaries of the run.
fn run_table(report: &RetrievalReport) -> String {
    let mut md = String::from("## Run\n\n| | |\n|---|---|\n");
    let _ = writeln!(
        md,
        "| wall time of the run | {:.0} s ({} thread{}, {} seed{}) |",
        report.timing.total_seconds,
        report.timing.threads,
        if report.timing.threads == 1 { "" } else { "s" },
        report.seed_count(),
        if report.seed_count() == 1 { "" } else { "s" },
    );
    for t in &report.timing.tokenizers {
        let _ = writeln!(
            md,
            "| {} | tokenize {:.1} s · train {:.1} s ({:.0} tokens/s, {:.1} steps/s) · evaluate {:.1} s |",
            t.tokenizer,
            t.tokenize_seconds,
            t.train_seconds,
            t.train_tokens_per_second,
            t.train_steps_per_second,
            t.eval_seconds
        );
    }
    md.push_str(
        "\nTimes are wall-clock times of the saved run (they vary with the machine); every other \
         number is deterministic for the same seed and inputs.\n\n",
    );
    md
}

/// Per tokenizer: trained, BM25 and untrained averages, and the encoder against BM25.
fn findings(report: &RetrievalReport) -> String {
    let mut md = String::new();
    for n in report.tokenizer_names() {
        let spread = report.spread(&n, AVERAGE, method::TRAINED, "mrr_at_10");
        let trained = match spread.and_then(|s| s.sd.map(|sd| (s.mean, sd, s.ci95))) {
            Some((mean, sd, Some(ci))) => {
                format!(
                    "{mean:.3} ± {sd:.3} (95% interval {:.3}–{:.3})",
                    ci[0], ci[1]
                )
            }
            _ => format!("{:.3}", average(report, &n, method::TRAINED)),
        };
        let wins = report
            .config
            .languages
            .iter()
            .filter_map(|l| report.comparison((&n, method::TRAINED), (&n, method::BM25), l))
            .map(|c| (c.mean_difference > 0.0, beats(c) == Verdict::Holds))
            .fold((0, 0), |(w, s), (win, sig)| {
                (w + win as usize, s + sig as usize)
            });
        let versus = report
            .comparison((&n, method::TRAINED), (&n, method::BM25), AVERAGE)
            .map_or(String::new(), |c| {
                format!(" (encoder − BM25 {})", figures_text(c))
            });
        let _ = writeln!(
            md,
            "- **{n}**: average MRR@10 {trained} trained, {:.3} with BM25 over the same ids, {:.3} \
             untrained. The encoder beats BM25 in {} of {} languages ({} significantly at \
             {ALPHA}){versus}.",
            average(report, &n, method::BM25),
            average(report, &n, method::UNTRAINED),
            wins.0,
            report.config.languages.len(),
            wins.1,
        );
    }
    md.push('\n');
    md
}

/// The explanatory measurement: does the tokenizer with more query–code token overlap do
/// better with BM25 and with the encoder?
fn overlap_findings(report: &RetrievalReport) -> String {
    let names = report.tokenizer_names();
    if report.overlap.is_empty() || names.len() < 2 {
        return String::new();
    }
    let mean_of = |n: &str, f: fn(&retrieval::OverlapRow) -> Option<f64>| {
        let v: Vec<f64> = report
            .overlap
            .iter()
            .filter(|o| o.tokenizer == n)
            .filter_map(f)
            .collect();
        crate::analysis::ratio(v.iter().sum(), v.len() as f64)
    };
    let overlap = |n: &str| mean_of(n, |o| Some(o.query_code_overlap));
    let order = |key: &dyn Fn(&str) -> f64| {
        let mut v = names.clone();
        v.sort_by(|a, b| key(b).total_cmp(&key(a)));
        v
    };
    let by_overlap = order(&overlap);
    let by_bm25 = order(&|n| average(report, n, method::BM25));
    let by_encoder = order(&|n| average(report, n, method::TRAINED));
    let agree = |o: &[String]| {
        if o == by_overlap.as_slice() {
            "the same"
        } else {
            "a different"
        }
    };
    let mut md = String::from("**Query–code token overlap.** ");
    let _ = write!(
        md,
        "Averaged over languages, the share of a query's distinct tokens that also occur in its \
         code is {}. Ordered by overlap the tokenizers are {}; BM25 ranks them in {} order ({}), \
         the trained encoder in {} order ({}). Over queries, the Spearman correlation between \
         overlap and reciprocal rank averages {} for BM25 and {} for the encoder.",
        names
            .iter()
            .map(|n| format!("{:.1}% ({n})", overlap(n) * 100.0))
            .collect::<Vec<_>>()
            .join(", "),
        by_overlap.join(" > "),
        agree(&by_bm25),
        by_bm25.join(" > "),
        agree(&by_encoder),
        by_encoder.join(" > "),
        names
            .iter()
            .map(|n| format!("{:.2} ({n})", mean_of(n, |o| o.spearman_bm25)))
            .collect::<Vec<_>>()
            .join(", "),
        names
            .iter()
            .map(|n| format!("{:.2} ({n})", mean_of(n, |o| o.spearman_trained)))
            .collect::<Vec<_>>()
            .join(", "),
    );
    md.push_str("\n\n");
    md
}

/// The equal-total-budget run, when saved beside the main run.
fn equal_total_section(et: &RetrievalReport) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "\n## Equal total budget\n\nThe same experiment with `--budget equal-total {}`: each \
         tokenizer gets the widest encoder whose embedding table and core together fit the \
         budget. Data: [`data/{EQUAL_TOTAL_JSON}`](data/{EQUAL_TOTAL_JSON}).\n",
        match et.config.options.budget {
            retrieval::Budget::EqualTotal(parameters) => parameters,
            retrieval::Budget::EqualCore => 0,
        }
    );
    md.push_str(
        "| tokenizer | d | embedding parameters | core parameters | total | MRR@10 (trained, average) |\n\
         |---|---:|---:|---:|---:|---:|\n",
    );
    for t in &et.config.tokenizers {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {:.3} |",
            t.name,
            t.encoder.dim,
            group_thousands(t.embedding_parameters as i128),
            group_thousands(t.core_parameters as i128),
            group_thousands(t.total_parameters as i128),
            average(et, &t.name, method::TRAINED)
        );
    }
    md
}

/// The published table, for reference.
fn published_table() -> String {
    let mut md = String::from("\n## The published table, for reference\n\n");
    md.push_str(
        "The comparison's own numbers (pretrained models, fine-tuned; not reproducible here):\n\n\
         | task | ModernBERT-large | jina-XLM-RoBERTa | RoBERTa-large |\n|---|---:|---:|---:|\n",
    );
    for (task, v) in PUBLISHED_RETRIEVAL {
        let _ = writeln!(md, "| {task} | {:.3} | {:.3} | {:.3} |", v[0], v[1], v[2]);
    }
    md
}

/// Grouped bars of the trained encoder's MRR@10 per language (mean over seeds).
fn mrr_chart(report: &RetrievalReport) -> Result<String> {
    let languages = report.config.languages.clone();
    let series: Vec<Series> = report
        .tokenizer_names()
        .iter()
        .map(|n| Series {
            name: n.clone(),
            values: languages
                .iter()
                .map(|l| {
                    report
                        .mean(n, l, method::TRAINED, |r| r.mrr_at_10)
                        .unwrap_or(f64::NAN)
                })
                .collect(),
        })
        .collect();
    chart::grouped_bars(
        &Labels {
            title: "MRR@10 of the same encoder trained per tokenizer".into(),
            x: format!("language ({} split)", report.config.options.eval_split),
            y: "MRR@10".into(),
        },
        &languages,
        &series,
        2,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comparison(d: f64, p: f64) -> Comparison {
        Comparison {
            a: "a".into(),
            b: "b".into(),
            method_a: method::TRAINED.into(),
            method_b: method::TRAINED.into(),
            language: AVERAGE.into(),
            metric: "reciprocal_rank_at_10".into(),
            mean_difference: d,
            ci95: [d - 0.01, d + 0.01],
            p_value: p,
            resamples: 10_000,
            exact: false,
        }
    }

    #[test]
    fn verdict_follows_sign_and_significance() {
        assert_eq!(beats(&comparison(0.02, 0.001)), Verdict::Holds);
        assert_eq!(beats(&comparison(-0.02, 0.001)), Verdict::DoesNotHold);
        assert_eq!(beats(&comparison(0.02, 0.2)), Verdict::Inconclusive);
        assert_eq!(beats(&comparison(-0.02, 0.05)), Verdict::Inconclusive);
    }

    #[test]
    fn leading_needs_every_comparison() {
        let (win, loss, tie) = (
            comparison(0.02, 0.001),
            comparison(-0.02, 0.001),
            comparison(0.01, 0.3),
        );
        assert_eq!(beats_all(&[&win, &win]), Verdict::Holds);
        assert_eq!(beats_all(&[&win, &tie]), Verdict::Inconclusive);
        assert_eq!(beats_all(&[&win, &loss]), Verdict::DoesNotHold);
        assert_eq!(beats_all(&[&tie, &loss]), Verdict::DoesNotHold);
    }

    #[test]
    fn sentence_states_the_test_it_is_decided_by() {
        let t = difference_text(&comparison(0.0123, 0.04));
        assert_eq!(t, "a − b +0.012 [0.002, 0.022], p = 0.0400");
        let t = difference_text(&comparison(-0.5, 0.0));
        assert!(t.contains("-0.500") && t.ends_with("p < 0.0001"), "{t}");
    }
}
