//! `budget.md`: the parameter budget of the three models of the published comparison.

use std::fmt::Write as _;

use super::claims::{Claim, Verdict, within_rounding};
use super::{ReportFile, Section, json};
use crate::budget::{self, BudgetOptions, PUBLISHED, PUBLISHED_CORE_RATIOS, ParamBreakdown};
use crate::render::chart::{self, Labels, Series};
use crate::render::{Render, TextFormat, render_tables};
use crate::{Error, Result};

const BUDGET_COMMAND: &str = "tokstat budget modernbert-large jina-xlm-roberta roberta-large \
--vocab-sizes 32000,50368,128256,250002 --fixed-total 400M --attention --seq 512,8192";

fn m(n: u64) -> String {
    format!("{:.1}M", n as f64 / 1e6)
}

fn find<'a>(bs: &[&'a ParamBreakdown], name: &str) -> Result<&'a ParamBreakdown> {
    bs.iter()
        .copied()
        .find(|b| b.name == name)
        .ok_or_else(|| Error::InvalidArgument(format!("budget report lacks {name}")))
}

/// What the budget section measures: the budget report of the three published models and
/// ModernBERT-large's RoPE θs.
struct Measured {
    report: budget::BudgetReport,
    thetas: (f64, f64),
}

impl Measured {
    /// ModernBERT-large, jina-XLM-RoBERTa and RoBERTa-large, in the published order.
    fn exact(&self) -> Result<[&ParamBreakdown; 3]> {
        let bs: Vec<&ParamBreakdown> = self.report.models.iter().map(|m| &m.breakdown).collect();
        Ok([
            find(&bs, "modernbert-large")?,
            find(&bs, "jina-xlm-roberta")?,
            find(&bs, "roberta-large")?,
        ])
    }
}

/// `budget.md`: exact parameter budgets and the published figures beside them.
pub fn budget() -> Result<Section> {
    let measured = measure()?;
    let claims = claims(&measured)?;
    let (md, svg) = page(&measured)?;
    Ok(Section {
        files: vec![
            ReportFile::new(SECTION, md),
            ReportFile::new("budget-vocab-share.svg", svg),
            ReportFile::new("data/budget.json", json(&measured.report)?),
        ],
        claims,
    })
}

fn measure() -> Result<Measured> {
    Ok(Measured {
        report: budget::budget(&BudgetOptions::published_report())?,
        thetas: modernbert_thetas()?,
    })
}

/// The section's claims, each verdict and sentence from the same measured values.
fn claims(m: &Measured) -> Result<Vec<Claim>> {
    let mut claims = shape_claims(m)?;
    claims.push(code_point_claim(m)?);
    claims.extend(attention_claim(m)?);
    claims.push(rope_claim(m));
    Ok(claims)
}

/// The claims about the published shapes and counts (depth, vocabulary, shares, core, ratios).
fn shape_claims(measured: &Measured) -> Result<Vec<Claim>> {
    let exact = measured.exact()?;
    Ok(vec![
        depth_claim(exact),
        vocab_params_claim(exact),
        share_claim(exact),
        core_claim(exact),
        core_ratio_claim(exact)?,
    ])
}

const SECTION: &str = "budget.md";

/// Whether every published model's figure passes `ok` against its exact breakdown.
fn all_published(
    exact: [&ParamBreakdown; 3],
    ok: impl Fn(&budget::PublishedFigures, &ParamBreakdown) -> bool,
) -> bool {
    PUBLISHED.iter().zip(exact).all(|(p, b)| ok(p, b))
}

/// One figure of each model, `a / b / c` in the published order.
fn list(exact: [&ParamBreakdown; 3], f: impl Fn(&ParamBreakdown) -> String) -> String {
    exact.iter().map(|b| f(b)).collect::<Vec<_>>().join(" / ")
}

fn holds_or_corrected(holds: bool) -> Verdict {
    if holds {
        Verdict::Holds
    } else {
        Verdict::HoldsWithCorrection
    }
}

fn depth_claim([mb, _, rb]: [&ParamBreakdown; 3]) -> Claim {
    let total_gap = mb.total_params as f64 / rb.total_params as f64 - 1.0;
    let deeper = mb.layers > rb.layers && mb.intermediate_size < rb.intermediate_size;
    Claim {
        claim:
            "ModernBERT-large is deeper and thinner (28 layers, intermediate 2,624 vs 24 layers, \
                4,096) at about RoBERTa-large's parameter count"
                .into(),
        measured: format!(
            "{} layers × intermediate {} vs {} × {} (from the configs); {} vs {} parameters, \
             {:+.1}%",
            mb.layers,
            mb.intermediate_size,
            rb.layers,
            rb.intermediate_size,
            m(mb.total_params),
            m(rb.total_params),
            total_gap * 100.0
        ),
        verdict: match (deeper, total_gap.abs() <= 0.05) {
            (true, true) => Verdict::Holds,
            (true, false) => Verdict::HoldsWithCorrection,
            _ => Verdict::DoesNotHold,
        },
        section: SECTION.into(),
    }
}

fn vocab_params_claim(exact: [&ParamBreakdown; 3]) -> Claim {
    Claim {
        claim: "Vocabulary parameters 51M / 256M / 51M (ModernBERT-large / jina-XLM-RoBERTa / \
                RoBERTa-large)"
            .into(),
        measured: format!(
            "{} (vocabulary × hidden)",
            list(exact, |b| m(b.vocab_params))
        ),
        verdict: holds_or_corrected(all_published(exact, |p, b| {
            within_rounding(p.vocab_params_m, b.vocab_params as f64 / 1e6)
        })),
        section: SECTION.into(),
    }
}

fn share_claim(exact: [&ParamBreakdown; 3]) -> Claim {
    Claim {
        claim: "Vocabulary shares 13% / 47% / 14%".into(),
        measured: list(exact, |b| format!("{:.1}%", b.vocab_share * 100.0)),
        verdict: holds_or_corrected(all_published(exact, |p, b| {
            (p.vocab_share - b.vocab_share).abs() <= 0.005
        })),
        section: SECTION.into(),
    }
}

fn core_claim(exact: [&ParamBreakdown; 3]) -> Claim {
    Claim {
        claim: "Core (non-vocabulary) parameters 349M / 294M / 304M; totals 400M / 550M / 355M"
            .into(),
        measured: format!(
            "core {}; totals {}",
            list(exact, |b| m(b.core_params)),
            list(exact, |b| m(b.total_params))
        ),
        verdict: holds_or_corrected(all_published(exact, |p, b| {
            within_rounding(p.core_m, b.core_params as f64 / 1e6)
                && within_rounding(p.params_m, b.total_params as f64 / 1e6)
        })),
        section: SECTION.into(),
    }
}

fn core_ratio_claim(exact: [&ParamBreakdown; 3]) -> Result<Claim> {
    let ratio =
        |a: &ParamBreakdown, b: &ParamBreakdown| a.core_params as f64 / b.core_params as f64 - 1.0;
    let exact_ratios: Vec<f64> = PUBLISHED_CORE_RATIOS
        .iter()
        .map(|(a, b, _)| Ok(ratio(find(&exact, a)?, find(&exact, b)?)))
        .collect::<Result<_>>()?;
    let ratios_hold = PUBLISHED_CORE_RATIOS
        .iter()
        .zip(&exact_ratios)
        .all(|((_, _, p), e)| (p - e).abs() <= 0.01);
    Ok(Claim {
        claim: "ModernBERT-large has 19% more core parameters than jina-XLM-RoBERTa and 15% more \
                than RoBERTa-large"
            .into(),
        measured: format!(
            "{:+.1}% and {:+.1}% (the published ratios divide rounded totals minus vocabulary)",
            exact_ratios[0] * 100.0,
            exact_ratios[1] * 100.0
        ),
        verdict: if ratios_hold {
            Verdict::Holds
        } else if exact_ratios.iter().all(|r| *r > 0.0) {
            Verdict::HoldsWithCorrection
        } else {
            Verdict::DoesNotHold
        },
        section: SECTION.into(),
    })
}

/// Every code point as a vocabulary (the vocabulary sweep's named row).
fn code_point_claim(measured: &Measured) -> Result<Claim> {
    let [mb, _, _] = measured.exact()?;
    let cp = budget::whatif::UNICODE_SCALAR_VALUES * mb.hidden_size;
    Ok(Claim {
        claim: "A vocabulary of every Unicode code point costs 1,112,064 × 1,024 ≈ 1B parameters"
            .into(),
        measured: format!(
            "{} × {} = {} parameters ({:.2}B)",
            crate::render::group_thousands(budget::whatif::UNICODE_SCALAR_VALUES.into()),
            crate::render::group_thousands(mb.hidden_size.into()),
            crate::render::group_thousands(cp.into()),
            cp as f64 / 1e9
        ),
        verdict: if (cp as f64 / 1e9).round() == 1.0 {
            Verdict::Holds
        } else {
            Verdict::DoesNotHold
        },
        section: SECTION.into(),
    })
}

/// Attention: ModernBERT's own pattern at the longest sequence of the report.
fn attention_claim(measured: &Measured) -> Result<Option<Claim>> {
    let mb_model = measured
        .report
        .models
        .iter()
        .find(|m| m.breakdown.name == "modernbert-large")
        .ok_or_else(|| Error::InvalidArgument("budget report lacks modernbert-large".into()))?;
    let att = mb_model.attention.as_deref().unwrap_or_default();
    let (Some(short), Some(long)) = (att.first(), att.last()) else {
        return Ok(None);
    };
    {
        Ok(Some(Claim {
            claim:
                "Global attention every third layer with 128-token local windows elsewhere cuts \
                    attention cost at long context (vs global attention in every layer)"
                    .into(),
            measured: format!(
                "ModernBERT-large ({} global + {} local layers): attention-score FLOPs ÷{:.2} at \
                 {} tokens, ÷{:.2} at {} tokens",
                long.global_layers,
                long.local_layers,
                short.flops_ratio,
                short.seq_len,
                long.flops_ratio,
                long.seq_len
            ),
            verdict: if long.flops_ratio > 1.5 && long.flops_ratio > short.flops_ratio {
                Verdict::Holds
            } else {
                Verdict::DoesNotHold
            },
            section: SECTION.into(),
        }))
    }
}

/// ModernBERT-large's RoPE θs against the published text.
fn rope_claim(measured: &Measured) -> Claim {
    let thetas = measured.thetas;
    Claim {
        claim: "Global layers use RoPE θ 160,000; local layers θ 10,000 (the same text also says \
                100,000)"
            .into(),
        measured: format!(
            "ModernBERT-large config.json: global_rope_theta {}, local_rope_theta {}",
            thetas.0, thetas.1
        ),
        verdict: if thetas == (160_000.0, 10_000.0) {
            Verdict::HoldsWithCorrection
        } else {
            Verdict::DoesNotHold
        },
        section: SECTION.into(),
    }
}

/// The page and its chart.
fn page(measured: &Measured) -> Result<(String, String)> {
    let report = &measured.report;
    let exact = measured.exact()?;
    let [mb, jina, rb] = exact;
    let mut md = String::new();
    md.push_str("# Parameter budgets: ModernBERT-large, jina-XLM-RoBERTa, RoBERTa-large\n\n");
    md.push_str(
        "Exact parameter counts, tensor by tensor, from each model's real `config.json` as HF \
         `transformers` builds the base model class (`ModernBertModel` without a head, \
         `XLMRobertaModel` / `RobertaModel` with their pooler), set against the rounded figures \
         of the published comparison.\n\n",
    );
    let _ = writeln!(
        md,
        "Command: `{BUDGET_COMMAND} --format markdown` · data: [`data/budget.json`](data/budget.json) \
         (`--format json`)\n"
    );
    md.push_str("![Vocabulary and core parameters per model](budget-vocab-share.svg)\n\n");
    md.push_str(&budget_findings(report, [mb, jina, rb])?);
    md.push_str("\n## Tables\n\n");
    md.push_str(&render_tables(&report.tables(), TextFormat::Markdown));
    if let Some(t) = report.published_check() {
        md.push('\n');
        md.push_str(&t.render(TextFormat::Markdown));
    }

    let names: Vec<String> = exact.iter().map(|b| b.name.clone()).collect();
    let svg = chart::grouped_bars(
        &Labels {
            title: "Parameters: vocabulary (V × H) and core".into(),
            x: "model (base class)".into(),
            y: "parameters (millions)".into(),
        },
        &names,
        &[
            Series {
                name: "vocabulary".into(),
                values: exact.iter().map(|b| b.vocab_params as f64 / 1e6).collect(),
            },
            Series {
                name: "core".into(),
                values: exact.iter().map(|b| b.core_params as f64 / 1e6).collect(),
            },
        ],
        1,
    )?;
    Ok((md, svg))
}

/// The findings, in words, with every number computed from the report.
fn budget_findings(report: &budget::BudgetReport, exact: [&ParamBreakdown; 3]) -> Result<String> {
    let [mb, jina, _] = exact;
    let mut s = String::from("## Findings\n\n");
    published_vs_exact(&mut s, exact);
    core_origin_finding(&mut s, exact);
    position_table_finding(&mut s)?;
    tradeoff_finding(&mut s, report, mb, jina)?;
    Ok(s)
}

/// One line per model: its exact counts against the published ones.
fn published_vs_exact(s: &mut String, exact: [&ParamBreakdown; 3]) {
    for (p, b) in PUBLISHED.iter().zip(exact) {
        let d_total = b.total_params as f64 / 1e6 - p.params_m;
        let _ = writeln!(
            s,
            "- **{}**: {} parameters (published {}M, {:+.1}M); vocabulary {} × {} = {} \
             (published {}M); core {} (published {}M); vocabulary share {:.1}% (published {:.0}%).",
            b.name,
            m(b.total_params),
            p.params_m,
            d_total,
            crate::render::group_thousands(b.vocab_size.into()),
            crate::render::group_thousands(b.hidden_size.into()),
            m(b.vocab_params),
            p.vocab_params_m,
            m(b.core_params),
            p.core_m,
            b.vocab_share * 100.0,
            p.vocab_share * 100.0,
        );
    }
}

/// Where the published core figures come from, and how their rounding moves the core ratios.
fn core_origin_finding(s: &mut String, exact: [&ParamBreakdown; 3]) {
    let [mb, jina, rb] = exact;
    let pub_core = |i: usize| PUBLISHED[i].params_m - PUBLISHED[i].vocab_params_m;
    let _ = writeln!(
        s,
        "- **Where the published core figures come from.** Each equals the rounded total minus the \
         vocabulary: {:.0} − {:.0} = {:.0}M, {:.0} − {:.0} = {:.0}M, {:.0} − {:.0} = {:.0}M. The error of a \
         rounded total lands entirely on the core, and the core ratios amplify it: published \
         {:.0}/{:.0} = {:.3} against exact {:.3}; published {:.0}/{:.0} = {:.3} against exact {:.3}.",
        PUBLISHED[0].params_m,
        PUBLISHED[0].vocab_params_m,
        pub_core(0),
        PUBLISHED[1].params_m,
        PUBLISHED[1].vocab_params_m,
        pub_core(1),
        PUBLISHED[2].params_m,
        PUBLISHED[2].vocab_params_m,
        pub_core(2),
        PUBLISHED[0].core_m,
        PUBLISHED[1].core_m,
        PUBLISHED[0].core_m / PUBLISHED[1].core_m,
        mb.core_params as f64 / jina.core_params as f64,
        PUBLISHED[0].core_m,
        PUBLISHED[2].core_m,
        PUBLISHED[0].core_m / PUBLISHED[2].core_m,
        mb.core_params as f64 / rb.core_params as f64,
    );
}

/// How jina-XLM-RoBERTa is counted: XLM-R-large without its position table.
fn position_table_finding(s: &mut String) -> Result<()> {
    let xlmr = budget::ModelConfig::load("xlm-roberta-large")?;
    let _ = writeln!(
        s,
        "- **jina-XLM-RoBERTa** is counted as XLM-R-large with rotary positions, so without \
         XLM-R-large's {} × {} position table ({} parameters). No `config.json` of the pretrained \
         checkpoint is published; see `assets/configs/SOURCES.md`.",
        xlmr.max_position_embeddings,
        crate::render::group_thousands(xlmr.hidden_size.into()),
        crate::render::group_thousands((xlmr.max_position_embeddings * xlmr.hidden_size).into()),
    );
    Ok(())
}

/// The deep-and-thin trade-off at ModernBERT-large's fixed total budget.
fn tradeoff_finding(
    s: &mut String,
    report: &budget::BudgetReport,
    mb: &ParamBreakdown,
    jina: &ParamBreakdown,
) -> Result<()> {
    let mb_model = report
        .models
        .iter()
        .find(|x| x.breakdown.name == mb.name)
        .ok_or_else(|| Error::InvalidArgument("budget report lacks modernbert-large".into()))?;
    if let Some(ft) = &mb_model.fixed_total {
        let own = ft
            .rows
            .iter()
            .find(|r| r.label.as_deref() == Some("this model"));
        let xlmr = ft.rows.iter().find(|r| r.vocab_size == jina.vocab_size);
        if let (Some(own), Some(x)) = (own, xlmr) {
            let _ = writeln!(
                s,
                "- **The deep-and-thin trade-off.** At a total budget of {} parameters with \
                 ModernBERT-large's layer shape, its own {}-token vocabulary leaves room for {} \
                 layers; XLM-R's {}-token vocabulary ({:.0}% of the budget) for {}.",
                m(ft.budget),
                crate::render::group_thousands(own.vocab_size.into()),
                own.max_layers,
                crate::render::group_thousands(x.vocab_size.into()),
                x.vocab_share_of_budget * 100.0,
                x.max_layers
            );
        }
    }
    Ok(())
}

/// `(global_rope_theta, local_rope_theta)` of the bundled ModernBERT-large config.
fn modernbert_thetas() -> Result<(f64, f64)> {
    let preset = budget::PRESETS
        .iter()
        .find(|p| p.name == "modernbert-large")
        .ok_or_else(|| Error::InvalidArgument("no modernbert-large preset".into()))?;
    let v: serde_json::Value = serde_json::from_str(preset.config_json)?;
    let get = |k: &str| {
        v.get(k)
            .and_then(serde_json::Value::as_f64)
            .ok_or_else(|| Error::Config {
                path: "modernbert-large".into(),
                message: format!("missing {k}"),
            })
    };
    Ok((get("global_rope_theta")?, get("local_rope_theta")?))
}
