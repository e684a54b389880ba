//! The sections of the report, one function each.

use std::fmt::Write as _;
use std::path::Path;

use super::claims::{Claim, Verdict, within_rounding};
use super::{ReportFile, Section, json};
use crate::analysis::whitespace::IndentProbe;
use crate::budget::{self, BudgetOptions, PUBLISHED, PUBLISHED_CORE_RATIOS, ParamBreakdown};
use crate::render::chart::{self, Labels, Series};
use crate::render::{Render, TextFormat, render_tables};
use crate::{Error, Result};

const BUDGET_COMMAND: &str = "tokstat budget modernbert-large jina-xlm-roberta roberta-large \
--vocab-sizes 32000,50368,128256,250002 --fixed-total 400M --attention --seq 512,8192";

fn m(n: u64) -> String {
    format!("{:.1}M", n as f64 / 1e6)
}

fn find<'a>(bs: &'a [&ParamBreakdown], name: &str) -> Result<&'a ParamBreakdown> {
    bs.iter()
        .copied()
        .find(|b| b.name == name)
        .ok_or_else(|| Error::InvalidArgument(format!("budget report lacks {name}")))
}

/// `budget.md`: exact parameter budgets and the published figures beside them.
pub fn budget() -> Result<Section> {
    let opts = BudgetOptions::published_report();
    let report = budget::budget(&opts)?;
    let bs: Vec<&ParamBreakdown> = report.models.iter().map(|m| &m.breakdown).collect();
    let mb = find(&bs, "modernbert-large")?;
    let jina = find(&bs, "jina-xlm-roberta")?;
    let rb = find(&bs, "roberta-large")?;

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
    md.push_str(&budget_findings(&report, [mb, jina, rb])?);
    md.push_str("\n## Tables\n\n");
    md.push_str(&render_tables(&report.tables(), TextFormat::Markdown));
    if let Some(t) = report.published_check() {
        md.push('\n');
        md.push_str(&t.render(TextFormat::Markdown));
    }

    // Claims about the published figures.
    let mut claims = Vec::new();
    let section = "budget.md".to_string();
    let total_gap = mb.total_params as f64 / rb.total_params as f64 - 1.0;
    let deeper = mb.layers > rb.layers && mb.intermediate_size < rb.intermediate_size;
    claims.push(Claim {
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
        section: section.clone(),
    });

    let exact = [mb, jina, rb];
    let all = |f: &dyn Fn(&budget::PublishedFigures, &ParamBreakdown) -> bool| {
        PUBLISHED.iter().zip(exact).all(|(p, b)| f(p, b))
    };
    let list = |f: &dyn Fn(&ParamBreakdown) -> String| {
        exact.iter().map(|b| f(b)).collect::<Vec<_>>().join(" / ")
    };
    claims.push(Claim {
        claim: "Vocabulary parameters 51M / 256M / 51M (ModernBERT-large / jina-XLM-RoBERTa / \
                RoBERTa-large)"
            .into(),
        measured: format!("{} (vocabulary × hidden)", list(&|b| m(b.vocab_params))),
        verdict: if all(&|p, b| within_rounding(p.vocab_params_m, b.vocab_params as f64 / 1e6)) {
            Verdict::Holds
        } else {
            Verdict::HoldsWithCorrection
        },
        section: section.clone(),
    });
    let share_ok = all(&|p, b| (p.vocab_share - b.vocab_share).abs() <= 0.005);
    claims.push(Claim {
        claim: "Vocabulary shares 13% / 47% / 14%".into(),
        measured: list(&|b| format!("{:.1}%", b.vocab_share * 100.0)),
        verdict: if share_ok {
            Verdict::Holds
        } else {
            Verdict::HoldsWithCorrection
        },
        section: section.clone(),
    });
    claims.push(Claim {
        claim: "Core (non-vocabulary) parameters 349M / 294M / 304M; totals 400M / 550M / 355M"
            .into(),
        measured: format!(
            "core {}; totals {}",
            list(&|b| m(b.core_params)),
            list(&|b| m(b.total_params))
        ),
        verdict: if all(&|p, b| {
            within_rounding(p.core_m, b.core_params as f64 / 1e6)
                && within_rounding(p.params_m, b.total_params as f64 / 1e6)
        }) {
            Verdict::Holds
        } else {
            Verdict::HoldsWithCorrection
        },
        section: section.clone(),
    });
    let ratio =
        |a: &ParamBreakdown, b: &ParamBreakdown| a.core_params as f64 / b.core_params as f64 - 1.0;
    let exact_ratios: Vec<f64> = PUBLISHED_CORE_RATIOS
        .iter()
        .map(|(a, b, _)| Ok(ratio(find(&bs, a)?, find(&bs, b)?)))
        .collect::<Result<_>>()?;
    let ratios_hold = PUBLISHED_CORE_RATIOS
        .iter()
        .zip(&exact_ratios)
        .all(|((_, _, p), e)| (p - e).abs() <= 0.01);
    claims.push(Claim {
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
        section: section.clone(),
    });

    // Every code point as a vocabulary (the vocabulary sweep's named row).
    let cp = budget::whatif::UNICODE_SCALAR_VALUES * mb.hidden_size;
    claims.push(Claim {
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
        section: section.clone(),
    });

    // Attention: ModernBERT's own pattern at the longest sequence of the report.
    let mb_model = report
        .models
        .iter()
        .find(|m| m.breakdown.name == "modernbert-large")
        .ok_or_else(|| Error::InvalidArgument("budget report lacks modernbert-large".into()))?;
    let att = mb_model.attention.as_deref().unwrap_or_default();
    if let (Some(short), Some(long)) = (att.first(), att.last()) {
        claims.push(Claim {
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
            section: section.clone(),
        });
    }
    let thetas = modernbert_thetas()?;
    claims.push(Claim {
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
        section,
    });

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
    Ok(Section {
        files: vec![
            ReportFile::new("budget.md", md),
            ReportFile::new("budget-vocab-share.svg", svg),
            ReportFile::new("data/budget.json", json(&report)?),
        ],
        claims,
    })
}

/// The findings, in words, with every number computed from the report.
fn budget_findings(report: &budget::BudgetReport, exact: [&ParamBreakdown; 3]) -> Result<String> {
    let [mb, jina, rb] = exact;
    let mut s = String::from("## Findings\n\n");
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
    Ok(s)
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

/// Contexts in which the `init` claim is probed: Python's constructor, a call and a name.
const INIT_PROBES: [&str; 3] = ["def __init__(self):", "obj.init()", "init = True"];

/// How each tokenizer cuts `init` in [`INIT_PROBES`]: the tokens covering the `init` bytes.
fn init_probe(names: &[&str]) -> Result<Vec<(String, Vec<Vec<String>>)>> {
    let mut out = Vec::new();
    for name in names {
        let t = crate::tokenizer::load(name)?;
        let mut per_probe = Vec::new();
        for text in INIT_PROBES {
            let at = text.find("init").unwrap_or(0);
            let (s, e) = (at, at + 4);
            let enc = t.encode(text, false)?;
            let pieces: Vec<String> = enc
                .offsets
                .iter()
                .filter(|(a, b)| a < b && *a < e && *b > s)
                .map(|&(a, b)| text[a.max(s)..b.min(e)].to_string())
                .collect();
            per_probe.push(pieces);
        }
        out.push((name.to_string(), per_probe));
    }
    Ok(out)
}

/// Whether `init` came out as one token in every probe.
fn init_whole(probes: &[Vec<String>]) -> bool {
    probes.iter().all(|p| p.len() == 1)
}

const CODE_COMMAND: &str = "tokstat compare \
$(find corpora/code -type f ! -name MANIFEST.tsv ! -name README.md | sort) \
-t modernbert,xlm-roberta,roberta,cl100k_base,o200k_base --format markdown";

/// The source files of `corpora/code` (its README and per-folder MANIFEST.tsv left out), in the
/// order of the [walker](crate::input::walk).
fn code_files(root: &Path) -> Result<Vec<String>> {
    let (files, _) = crate::input::walk::files(
        &[under(root, "corpora/code")],
        crate::input::WalkOptions::default(),
    )?;
    Ok(files
        .into_iter()
        .filter(|f| {
            !matches!(
                f.path.file_name().and_then(|n| n.to_str()),
                Some("MANIFEST.tsv" | "README.md")
            )
        })
        .map(|f| f.display)
        .collect())
}

/// `rel` under `root`, written without a leading `./` when `root` is the current directory (so
/// that paths in the report do not depend on how the root was named).
pub(crate) fn under(root: &Path, rel: &str) -> String {
    if root == Path::new(".") || root.as_os_str().is_empty() {
        rel.to_string()
    } else {
        root.join(rel).display().to_string()
    }
}

fn probe_for<'a>(
    report: &'a crate::compare::CompareReport,
    name: &str,
) -> Result<&'a [IndentProbe]> {
    report
        .tokenizers
        .iter()
        .find(|t| t.name == name)
        .map(|t| t.whitespace.indent_probe.as_slice())
        .ok_or_else(|| Error::InvalidArgument(format!("compare report lacks {name}")))
}

fn probe_at(probe: &[IndentProbe], n: usize) -> Result<&IndentProbe> {
    probe
        .iter()
        .find(|p| p.spaces == n)
        .ok_or_else(|| Error::InvalidArgument(format!("indentation probe lacks {n} spaces")))
}

/// The three whitespace claims, decided from the synthetic indentation probe (N = 1..16).
fn whitespace_claims(report: &crate::compare::CompareReport) -> Result<Vec<Claim>> {
    indent_claims(
        probe_for(report, "modernbert")?,
        probe_for(report, "xlm-roberta")?,
        probe_for(report, "roberta")?,
    )
}

/// The whitespace claims from the indentation probes of ModernBERT, XLM-R and RoBERTa: each
/// verdict and each measured sentence come from the same probe values.
fn indent_claims(mb: &[IndentProbe], x: &[IndentProbe], r: &[IndentProbe]) -> Result<Vec<Claim>> {
    let section = "code-tokenization.md#indentation".to_string();
    let (m4, m8) = (probe_at(mb, 4)?, probe_at(mb, 8)?);
    let dedicated = |p: &IndentProbe| p.tokens == 1 && p.shared_tokens == 0 && p.roundtrip_exact;
    let mb_ok = dedicated(m4) && dedicated(m8) && m4.ids != m8.ids;
    let mut claims = vec![Claim {
        claim: "ModernBERT's tokenizer keeps Python's leading spaces as dedicated tokens and \
                distinguishes 4 from 8 spaces"
            .into(),
        measured: format!(
            "4 spaces → {} whitespace token (ids {:?}), 8 spaces → {} (ids {:?}); both decode \
             back exactly",
            m4.tokens, m4.ids, m8.tokens, m8.ids
        ),
        verdict: if mb_ok {
            Verdict::Holds
        } else {
            Verdict::DoesNotHold
        },
        section: section.clone(),
    }];

    let collapsed = x
        .iter()
        .all(|p| p.tokens == 0 && !p.roundtrip_exact || p.spaces == 1);
    let same_ids = x
        .iter()
        .filter(|p| p.spaces >= 2)
        .all(|p| p.ids == x[0].ids);
    let (x4, x8) = (probe_at(x, 4)?, probe_at(x, 8)?);
    claims.push(Claim {
        claim: "XLM-RoBERTa's tokenizer merges all consecutive spaces into one `▁`".into(),
        measured: format!(
            "4 spaces → {} whitespace tokens + {} `▁` joined to the next word (ids {:?}), 8 \
             spaces → ids {:?}; every length from 2 to 16 encodes {}; decoding gives the spaces \
             back {}",
            x4.tokens,
            x4.shared_tokens,
            x4.ids,
            x8.ids,
            if same_ids {
                "identically"
            } else {
                "differently"
            },
            if x4.roundtrip_exact && x8.roundtrip_exact {
                "exactly"
            } else {
                "as one space"
            }
        ),
        verdict: if collapsed && same_ids {
            Verdict::Holds
        } else {
            Verdict::DoesNotHold
        },
        section: section.clone(),
    });

    let per_space = r.iter().all(|p| p.tokens as usize == p.spaces);
    let all_but_last = r
        .iter()
        .all(|p| p.tokens as usize + 1 == p.spaces && p.shared_tokens == 1);
    let r8 = probe_at(r, 8)?;
    claims.push(Claim {
        claim: "RoBERTa's tokenizer treats each space as a separate token".into(),
        measured: roberta_spaces(per_space, all_but_last, r8),
        verdict: if per_space {
            Verdict::Holds
        } else if all_but_last {
            Verdict::HoldsWithCorrection
        } else {
            Verdict::DoesNotHold
        },
        section,
    });
    Ok(claims)
}

/// What RoBERTa's probe shows, in the words of the verdict it gets.
fn roberta_spaces(per_space: bool, all_but_last: bool, r8: &IndentProbe) -> String {
    let shape = if per_space {
        "N spaces → N `Ġ` tokens"
    } else if all_but_last {
        "N spaces → N − 1 `Ġ` tokens + the last space merged into the next word"
    } else {
        "the number of whitespace tokens is neither N nor N − 1 for every N spaces"
    };
    format!(
        "{shape} (8 spaces: {} + {}, ids {:?})",
        r8.tokens, r8.shared_tokens, r8.ids
    )
}

/// `code-tokenization.md`: whitespace and identifiers on the bundled real code files.
pub fn code(root: &Path) -> Result<Section> {
    use crate::compare::{self, CODE_REPORT_TOKENIZERS, CompareOptions};
    let opts = CompareOptions {
        paths: code_files(root)?,
        tokenizers: CODE_REPORT_TOKENIZERS
            .iter()
            .map(|s| s.to_string())
            .collect(),
        ..Default::default()
    };
    let report = compare::compare(&opts)?;
    let mut claims = whitespace_claims(&report)?;

    let probes = init_probe(CODE_REPORT_TOKENIZERS)?;
    let whole = |n: &str| probes.iter().any(|(name, p)| name == n && init_whole(p));
    let describe = probes
        .iter()
        .map(|(name, p)| {
            let cuts: Vec<String> = p.iter().map(|pieces| pieces.join(" + ")).collect();
            if init_whole(p) {
                format!("{name}: whole")
            } else {
                format!("{name}: {}", cuts.join(" / "))
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    let verdict = match (whole("modernbert"), whole("xlm-roberta"), whole("roberta")) {
        (true, false, false) => Verdict::Holds,
        (true, false, true) | (true, true, false) => Verdict::HoldsWithCorrection,
        _ => Verdict::DoesNotHold,
    };
    claims.push(Claim {
        claim: "A code-aware tokenizer (OLMo's, ModernBERT's) keeps `init` whole where standard \
                ones split it into `in` + `it`"
            .into(),
        measured: format!("`init` in `{}`: {describe}", INIT_PROBES.join("`, `")),
        verdict,
        section: "code-tokenization.md#init".into(),
    });

    let mut md = String::from("# Code tokenization\n\n");
    let files = report.input_totals.files;
    let bytes = report.input_totals.bytes;
    let _ = writeln!(
        md,
        "How {} treat real code: the {} unmodified source files ({} bytes) of `corpora/code` \
         ({} languages; sources and licenses in its README and MANIFEST files, which are left \
         out of the counts). cl100k_base and o200k_base are outside references.\n",
        CODE_REPORT_TOKENIZERS
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", "),
        files,
        crate::render::group_thousands(bytes.into()),
        report
            .input_totals
            .by_language
            .iter()
            .filter(|l| l.language != "text")
            .count()
    );
    let _ = writeln!(
        md,
        "Command: `{CODE_COMMAND}` · data: [`data/compare.json`](data/compare.json) (`--format json`)\n"
    );
    md.push_str("## Indentation\n\n<a id=\"indentation\"></a>\n\n");
    md.push_str(
        "Whitespace-only tokens spent on a line indented by N spaces (the probe \
         `if x:⏎{N spaces}return x⏎`, independent of the corpus). A flat line at 1 is one \
         dedicated token per indentation width (ModernBERT, tiktoken); 0 means the spaces are \
         folded into the next word's token (XLM-R's `▁return`); RoBERTa spends one `Ġ` per space \
         but the last, which goes into `Ġreturn`. The tables below give both counts as `t+s` \
         (whitespace-only + shared).\n\n![Tokens per indentation width](indent-tokens.svg)\n\n",
    );
    md.push_str("## `init`\n\n<a id=\"init\"></a>\n\n");
    md.push_str("| tokenizer |");
    for p in INIT_PROBES {
        let _ = write!(md, " `{p}` |");
    }
    md.push_str("\n|---|");
    md.push_str(&"---|".repeat(INIT_PROBES.len()));
    md.push('\n');
    for (name, p) in &probes {
        let _ = write!(md, "| {name} |");
        for pieces in p {
            let _ = write!(
                md,
                " {} |",
                pieces
                    .iter()
                    .map(|x| format!("`{x}`"))
                    .collect::<Vec<_>>()
                    .join(" + ")
            );
        }
        md.push('\n');
    }
    md.push_str("\nThe tokens that cover the bytes of `init` in each probe (`tokstat encode -t NAME TEXT`).\n\n");
    md.push_str("## Whole corpus\n\n");
    md.push_str(&render_tables(&report.tables(), TextFormat::Markdown));
    md.push_str("\n## Per language\n\n");
    md.push_str(&render_tables(
        &report.language_tables(),
        TextFormat::Markdown,
    ));

    let xs: Vec<f64> = (1..=16).map(|n| n as f64).collect();
    let series: Vec<Series> = report
        .tokenizers
        .iter()
        .map(|t| Series {
            name: t.name.clone(),
            values: xs
                .iter()
                .map(|&n| {
                    t.whitespace
                        .indent_probe
                        .iter()
                        .find(|p| p.spaces as f64 == n)
                        .map_or(f64::NAN, |p| p.tokens as f64)
                })
                .collect(),
        })
        .collect();
    let svg = chart::lines(
        &Labels {
            title: "Whitespace-only tokens for a line indented by N spaces".into(),
            x: "N spaces".into(),
            y: "whitespace-only tokens".into(),
        },
        &xs,
        &series,
    )?;
    Ok(Section {
        files: vec![
            ReportFile::new("code-tokenization.md", md),
            ReportFile::new("indent-tokens.svg", svg),
            ReportFile::new("data/compare.json", json(&report)?),
        ],
        claims,
    })
}

const PARITY_COMMAND: &str = "tokstat parity corpora/multilingual -t modernbert,xlm-roberta,roberta \
--format markdown --plot reports/multilingual-premium.svg";

/// `multilingual.md`: tokenization premium per language on the bundled FLORES-200 sample.
pub fn multilingual(root: &Path) -> Result<Section> {
    use crate::parity::{self, ParityOptions, REPORT_CHART, REPORT_JSON, REPORT_MARKDOWN};
    let opts = ParityOptions {
        dir: Some(root.join("corpora/multilingual")),
        ..ParityOptions::default()
    };
    let report = parity::parity(&opts)?;
    let page = report.markdown_page(Some(REPORT_CHART), PARITY_COMMAND);
    Ok(Section {
        files: vec![
            ReportFile::new(REPORT_MARKDOWN, page),
            ReportFile::new(REPORT_CHART, report.svg()?),
            ReportFile::new(REPORT_JSON, json(&report)?),
        ],
        claims: Vec::new(),
    })
}

const VOCAB_COMMAND: &str = "tokstat vocab -t modernbert,xlm-roberta,roberta \
--model modernbert-large,jina-xlm-roberta,roberta-large --corpus corpora/code corpora/multilingual \
--format markdown";

/// `vocabulary.md`: what each vocabulary holds, what no text can reach, and the dead budget.
pub fn vocabulary(root: &Path) -> Result<Section> {
    use crate::vocab::{self, VocabOptions};
    let mut opts = VocabOptions::report();
    opts.corpus = opts
        .corpus
        .iter()
        .map(|c| under(root, &c.display().to_string()).into())
        .collect();
    let report = vocab::audit(&opts)?;
    let mut md = String::from("# Vocabulary audit\n\n");
    md.push_str(
        "What each vocabulary spends its rows on, which ids no text can produce (reachability as in \
         Land & Bartolo 2024, \"Fishing for Magikarp\": decode the id, encode the text again, and \
         see whether the same id comes back), what that costs in embedding parameters for the \
         models of the published comparison, and how much of each vocabulary the bundled code and \
         multilingual corpora use.\n\n",
    );
    let _ = writeln!(
        md,
        "Command: `{VOCAB_COMMAND}` · data: [`data/vocab.json`](data/vocab.json) (`--format json`)\n"
    );
    md.push_str(&vocab_findings(&serde_json::to_value(&report)?));
    md.push_str("\n## Tables\n\n");
    md.push_str(&render_tables(&report.tables(), TextFormat::Markdown));
    Ok(Section {
        files: vec![
            ReportFile::new("vocabulary.md", md),
            ReportFile::new("data/vocab.json", json(&report)?),
        ],
        claims: Vec::new(),
    })
}

/// The audit's findings in words, every number read from the report (its JSON form).
fn vocab_findings(v: &serde_json::Value) -> String {
    let n = |x: &serde_json::Value| x.as_u64().unwrap_or(0);
    let f = |x: &serde_json::Value| x.as_f64().unwrap_or(0.0);
    let g = |x: u64| crate::render::group_thousands(x.into());
    let mut s = String::from("## Findings\n\n");
    for t in v.as_array().map(Vec::as_slice).unwrap_or_default() {
        let name = t["name"].as_str().unwrap_or("?");
        let r = &t["reachability"];
        let c = &t["unreachable_causes"];
        let unreachable = n(&r["unreachable_single"]) + n(&r["unreachable_multi"]);
        let _ = write!(
            s,
            "- **{name}** ({} ids): {} reachable, {} unreachable ({} shadowed by an added token, \
             {} placeholders, {} removed by normalization, {} split; {} of them produced in \
             context), {} undecodable on their own (parts of a UTF-8 character), {} special.",
            g(n(&t["vocab_size"])),
            g(n(&r["reachable"])),
            g(unreachable),
            g(n(&c["shadowed_by_added_token"])),
            g(n(&c["placeholder"])),
            g(n(&c["normalized_away"])),
            g(n(&c["split"])),
            g(n(&c["produced_in_context"])),
            g(n(&r["undecodable"])),
            g(n(&r["special"])),
        );
        let d = &t["dead_budget"];
        if d.is_object() {
            let _ = write!(
                s,
                " Dead rows in {} (ids unreachable or unused placeholders; {} unreachable, {} \
                 placeholders): {} × {} = {} parameters, {:.3}% of its vocabulary parameters and \
                 {:.4}% of all {}.",
                d["model"].as_str().unwrap_or("?"),
                g(n(&d["unreachable_ids"])),
                g(n(&d["unused_ids"])),
                g(n(&d["dead_rows"])),
                g(n(&d["hidden_size"])),
                g(n(&d["dead_params"])),
                f(&d["share_of_vocab_params"]) * 100.0,
                f(&d["share_of_total_params"]) * 100.0,
                g(n(&d["total_params"])),
            );
        }
        let c = &t["corpus"];
        if c.is_object() {
            let _ = write!(
                s,
                " On the bundled corpora ({} files, {} tokens) it uses {:.1}% of its ids; Rényi \
                 efficiency (α = 2.5) {:.3}.",
                g(n(&c["files"])),
                g(n(&c["tokens"])),
                f(&c["utilization"]) * 100.0,
                f(&c["renyi_efficiency"]),
            );
        }
        s.push('\n');
    }
    s.push_str(
        "\nThe causes are explained, id by id, in `docs/vocab.md` (section \"Findings on the bundled \
         tokenizers\"). The vocabulary's cost is its size, not its waste: see `budget.md`.\n",
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A probe for N = 1..=16 where N spaces give `tokens(N)` whitespace tokens and `shared(N)`
    /// tokens joined to the next word, with ids from `ids(N)`.
    fn probe(
        tokens: impl Fn(usize) -> u64,
        shared: impl Fn(usize) -> u64,
        ids: impl Fn(usize) -> Vec<u32>,
        exact: bool,
    ) -> Vec<IndentProbe> {
        (1..=16)
            .map(|n| IndentProbe {
                spaces: n,
                tokens: tokens(n),
                shared_tokens: shared(n),
                ids: ids(n),
                roundtrip_exact: exact || n == 1,
            })
            .collect()
    }

    fn modernbert_like() -> Vec<IndentProbe> {
        probe(|_| 1, |_| 0, |n| vec![50_000 + n as u32], true)
    }

    fn xlmr_like() -> Vec<IndentProbe> {
        probe(|_| 0, |_| 1, |_| vec![6], false)
    }

    fn roberta_like() -> Vec<IndentProbe> {
        probe(|n| n as u64 - 1, |_| 1, |n| vec![1437; n], true)
    }

    #[test]
    fn whitespace_verdicts_and_sentences_flip_together() {
        let claims = indent_claims(&modernbert_like(), &xlmr_like(), &roberta_like()).unwrap();
        let verdicts: Vec<Verdict> = claims.iter().map(|c| c.verdict).collect();
        assert_eq!(
            verdicts,
            [Verdict::Holds, Verdict::Holds, Verdict::HoldsWithCorrection]
        );
        assert!(claims[1].measured.contains("back as one space"));
        assert!(
            claims[2]
                .measured
                .starts_with("N spaces → N − 1 `Ġ` tokens")
        );

        // ModernBERT spending two tokens on 4 spaces: the verdict and the numbers change.
        let mut mb = modernbert_like();
        mb[3].tokens = 2;
        let c = indent_claims(&mb, &xlmr_like(), &roberta_like()).unwrap();
        assert_eq!(c[0].verdict, Verdict::DoesNotHold);
        assert!(c[0].measured.starts_with("4 spaces → 2 whitespace token"));

        // XLM-R keeping the spaces: the round-trip words follow the probe.
        let exact_xlmr = probe(|_| 0, |_| 1, |_| vec![6], true);
        let c = indent_claims(&modernbert_like(), &exact_xlmr, &roberta_like()).unwrap();
        assert!(c[1].measured.ends_with("back exactly"), "{}", c[1].measured);
        let varied = probe(|_| 0, |_| 1, |n| vec![n as u32], false);
        let c = indent_claims(&modernbert_like(), &varied, &roberta_like()).unwrap();
        assert_eq!(c[1].verdict, Verdict::DoesNotHold);
        assert!(c[1].measured.contains("encodes differently"));

        // RoBERTa with one token per space: holds, and the sentence says N, not N − 1.
        let per_space = probe(|n| n as u64, |_| 0, |n| vec![1437; n], true);
        let c = indent_claims(&modernbert_like(), &xlmr_like(), &per_space).unwrap();
        assert_eq!(c[2].verdict, Verdict::Holds);
        assert!(c[2].measured.starts_with("N spaces → N `Ġ` tokens ("));
        let neither = probe(|n| n as u64 / 2, |_| 1, |n| vec![1437; n], true);
        let c = indent_claims(&modernbert_like(), &xlmr_like(), &neither).unwrap();
        assert_eq!(c[2].verdict, Verdict::DoesNotHold);
        assert!(
            c[2].measured
                .starts_with("the number of whitespace tokens is neither")
        );
    }
}
