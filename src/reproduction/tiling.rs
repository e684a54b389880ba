//! `tiling.md`: weight tiling, the warm start ModernBERT-large got from ModernBERT-base.
//!
//! [`measure`] runs (or reads back) `tokstat tiling`; [`claims`] decides the comparison's three
//! statements about it from the runs; [`page`] writes the section. A verdict needs the seeds to
//! agree: "inconclusive" when they disagree; a claim about every grown model holds when it holds
//! in every seed of every variant and does not hold when the seeds agree that some variant
//! contradicts it ([`per_variant`]).

use std::fmt::Write as _;

use super::claims::{Claim, Verdict};
use super::{ReportFile, ReportOptions, Section, json};
use crate::Result;
use crate::render::{Render, TextFormat, render_tables};
use crate::tiling::{
    self, GrowthRow, QUICK_SHARE, RECOVERY_TOLERANCE, TilingOptions, TilingReport,
};

const SECTION: &str = "tiling.md";

/// `tiling.md`, its chart and its data.
pub fn tiling(opts: &ReportOptions) -> Result<Section> {
    let report = measure(opts)?;
    let claims = claims(&report);
    let files = vec![
        ReportFile::new(SECTION, page(&report, &claims)),
        ReportFile::new("tiling-loss.svg", tiling::loss_chart(&report)?),
        ReportFile::new("data/tiling.json", json(&report)?),
    ];
    Ok(Section { files, claims })
}

/// Reads the saved run, or runs the default experiment (`--quick`: one seed, 100 + 100 steps).
fn measure(opts: &ReportOptions) -> Result<TilingReport> {
    if let Some(path) = &opts.tiling_results {
        return tiling::load_report(path);
    }
    let mut o = TilingOptions {
        data_dir: super::under(&opts.root, "corpora/code-retrieval").into(),
        ..TilingOptions::default()
    };
    if opts.quick {
        (o.seeds, o.small_steps, o.steps) = (1, 100, 100);
    }
    tiling::run(&o)
}

/// "holds" when every case agrees, "does not hold" when none does, "inconclusive" otherwise
/// (and when there is no case).
pub(crate) fn unanimous(cases: &[bool]) -> Verdict {
    if cases.is_empty() {
        Verdict::Inconclusive
    } else if cases.iter().all(|&c| c) {
        Verdict::Holds
    } else if cases.iter().all(|&c| !c) {
        Verdict::DoesNotHold
    } else {
        Verdict::Inconclusive
    }
}

/// A claim about every grown model: [`unanimous`] over the seeds of each variant, then "holds"
/// when every variant holds, "inconclusive" when the seeds of a variant disagree, and "does not
/// hold" when the seeds agree and some variant contradicts the claim.
pub(crate) fn per_variant(r: &TilingReport, case: fn(&GrowthRow) -> bool) -> Verdict {
    let verdicts: Vec<Verdict> = r
        .options
        .variants
        .iter()
        .map(|v| {
            let cases: Vec<bool> = r
                .growth
                .iter()
                .filter(|g| g.variant == v.name)
                .map(case)
                .collect();
            unanimous(&cases)
        })
        .collect();
    if verdicts.is_empty() || verdicts.contains(&Verdict::Inconclusive) {
        Verdict::Inconclusive
    } else if verdicts.iter().all(|v| *v == Verdict::Holds) {
        Verdict::Holds
    } else {
        Verdict::DoesNotHold
    }
}

fn range(xs: impl IntoIterator<Item = f64>) -> (f64, f64) {
    xs.into_iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
            (lo.min(x), hi.max(x))
        })
}

fn signed(x: f64) -> String {
    format!("{x:+.3}")
}

/// The claims of the comparison about weight tiling (its third one in two parts: with size,
/// which one small size cannot test, and widening against deepening).
pub(crate) fn claims(r: &TilingReport) -> Vec<Claim> {
    let section = SECTION.to_string();
    vec![
        Claim {
            claim: "The warm-started (tiled) model quickly recovers from its high initial loss to \
                    near the base model's loss"
                .into(),
            measured: recovery_text(r),
            verdict: per_variant(r, GrowthRow::recovered_quickly),
            section: section.clone(),
        },
        Claim {
            claim: "The warm-started model stays ahead of an equivalent model trained from \
                    scratch, even at convergence"
                .into(),
            measured: ahead_text(r),
            verdict: per_variant(r, |g| g.gain_equal_compute() > 0.0),
            section: section.clone(),
        },
        Claim {
            claim: "The gains shrink at larger sizes".into(),
            measured: format!(
                "one small size only (d {}, {} layer{}): growth from a larger base is not run",
                r.options.small.dim,
                r.options.small.layers,
                if r.options.small.layers == 1 { "" } else { "s" }
            ),
            verdict: Verdict::CannotBeTested,
            section: section.clone(),
        },
        Claim {
            claim: "The gains shrink especially when the model is widened".into(),
            measured: widening_text(r),
            verdict: widening_verdict(r),
            section,
        },
    ]
}

fn recovery_text(r: &TilingReport) -> String {
    let g = &r.growth;
    let (lo, hi) = range(g.iter().map(|x| x.grown_initial_loss));
    let (slo, shi) = range(g.iter().map(|x| x.small_probe_loss));
    let (clo, chi) = range(g.iter().map(|x| x.cold_initial_loss));
    let quick = g.iter().filter(|x| x.recovered_quickly()).count();
    format!(
        "on held-out batches the grown models start at loss {lo:.2}–{hi:.2}, against \
         {slo:.2}–{shi:.2} for the trained small model and {clo:.2}–{chi:.2} for a fresh one; \
         their training loss comes within {:.0}% of the small model's final loss within the \
         first {:.0}% of the continued training in {quick} of {} runs",
        RECOVERY_TOLERANCE * 100.0,
        QUICK_SHARE * 100.0,
        g.len()
    )
}

fn gains(r: &TilingReport, variant: &str, f: fn(&GrowthRow) -> f64) -> String {
    r.growth
        .iter()
        .filter(|g| g.variant == variant)
        .map(|g| signed(f(g)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn ahead_text(r: &TilingReport) -> String {
    let mut s = format!(
        "MRR@10 of the grown model minus a cold start at equal total compute, per seed after {} \
         steps (not at convergence): ",
        r.options.steps
    );
    let parts: Vec<String> = r
        .options
        .variants
        .iter()
        .map(|v| {
            format!(
                "{} {} (at equal steps {})",
                v.name,
                gains(r, &v.name, GrowthRow::gain_equal_compute),
                gains(r, &v.name, GrowthRow::gain_equal_steps)
            )
        })
        .collect();
    s.push_str(&parts.join("; "));
    s
}

/// Per (tokenizer, seed): the wide variant's equal-compute gain and the deep one's.
fn wide_and_deep(r: &TilingReport) -> Vec<(f64, f64)> {
    let find = |g: &GrowthRow, v: &str| {
        r.growth
            .iter()
            .find(|x| x.tokenizer == g.tokenizer && x.seed == g.seed && x.variant == v)
            .map(GrowthRow::gain_equal_compute)
    };
    r.growth
        .iter()
        .filter(|g| g.variant == "wide")
        .filter_map(|g| Some((find(g, "wide")?, find(g, "deep")?)))
        .collect()
}

fn widening_verdict(r: &TilingReport) -> Verdict {
    let pairs = wide_and_deep(r);
    if pairs.is_empty() {
        return Verdict::CannotBeTested;
    }
    unanimous(&pairs.iter().map(|(w, d)| w < d).collect::<Vec<_>>())
}

fn widening_text(r: &TilingReport) -> String {
    let pairs = wide_and_deep(r);
    if pairs.is_empty() {
        return "needs a `wide` and a `deep` variant of the same small model".into();
    }
    let per_seed: Vec<String> = pairs
        .iter()
        .map(|(w, d)| format!("{} vs {}", signed(*w), signed(*d)))
        .collect();
    format!(
        "gain over a cold start at equal compute (MRR@10), widened vs deepened, per seed: {}; \
         widening gains less in {} of {}",
        per_seed.join(", "),
        pairs.iter().filter(|(w, d)| w < d).count(),
        pairs.len()
    )
}

/// The Markdown page.
fn page(r: &TilingReport, claims: &[Claim]) -> String {
    let o = &r.options;
    let mut md = String::from("# Weight tiling: growing a trained small encoder\n\n");
    let _ = write!(
        md,
        "ModernBERT-large was initialised from ModernBERT-base's weights, tiled to the larger \
         shape (\"center tiling\", Warner et al. 2024, following Gopher and Phi-2). The published \
         comparison makes three claims about it; this section tests them at tokstat's scale. Per \
         tokenizer ({}) and seed ({} seeds from {}), a small encoder (d = {}, {} layer(s), {} \
         heads) is trained for {} steps on {} pairs ({}), grown to each larger shape and trained \
         {} more steps; the same shape is trained from scratch for {} steps (equal steps) and \
         for as many plus the small model's compute (equal compute: 6·N per token, N the \
         parameters outside the embedding table). Scores: MRR@10 on the `{}` split, mean over \
         languages. Every loss and score comes from real training.\n\n",
        o.tokenizers.join(", "),
        o.seeds,
        o.seed,
        o.small.dim,
        o.small.layers,
        o.small.heads,
        o.small_steps,
        o.max_train_pairs
            .map_or("all".to_string(), |n| format!("{n} training")),
        o.languages.join(", "),
        o.steps,
        o.steps,
        o.eval_split
    );
    md.push_str("Larger shapes: ");
    let shapes: Vec<String> = o
        .variants
        .iter()
        .map(|v| {
            format!(
                "`{}` (d = {}, {} layer(s), {} heads)",
                v.name, v.shape.dim, v.shape.layers, v.shape.heads
            )
        })
        .collect();
    md.push_str(&shapes.join(", "));
    md.push_str(
        ".\n\nRegenerate the run with `tokstat tiling --format json > reports/data/tiling.json` \
         (the default options) and this page with `tokstat report --retrieval-results \
         reports/data/retrieval.json --tiling-results reports/data/tiling.json`.\n\n",
    );
    md.push_str("![Training loss after growing](tiling-loss.svg)\n\n## Claims\n\n");
    for c in claims {
        let _ = writeln!(
            md,
            "- *{}*: **{}**. {}.",
            c.claim,
            c.verdict.label(),
            c.measured
        );
    }
    md.push_str(
        "\nA verdict needs the seeds to agree; when they disagree it is \"inconclusive\". \
         The comparison's claims are about models of hundreds of millions of parameters trained \
         to convergence; these runs are tiny and short, so they test the direction of each \
         effect at this scale, not its size there. Tiling does not preserve the function: with \
         d doubled every tiled linear layer returns twice its old output (tiled), so residual \
         branches and attention logits grow, and the grown model's loss before training is \
         measured, not assumed.\n\n## Tables\n\n",
    );
    md.push_str(&render_tables(&r.tables(), TextFormat::Markdown));
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tiling::{RunRow, TilingTiming};

    fn row(seed: u64, variant: &str, recovery: Option<f64>, gain: f64) -> GrowthRow {
        GrowthRow {
            tokenizer: "modernbert".into(),
            seed,
            variant: variant.into(),
            small_final_loss: 1.0,
            small_probe_loss: 1.2,
            grown_initial_loss: 2.0,
            cold_initial_loss: 3.4,
            recovery_share: recovery,
            equal_compute_steps: 500,
            mrr_small: 0.2,
            mrr_grown: 0.3,
            mrr_cold_equal_steps: 0.3 - gain,
            mrr_cold_equal_compute: 0.3 - gain,
        }
    }

    fn report(growth: Vec<GrowthRow>) -> TilingReport {
        TilingReport {
            options: TilingOptions::default(),
            runs: Vec::<RunRow>::new(),
            growth,
            tokstat_version: "test".into(),
            timing: TilingTiming {
                total_seconds: 0.0,
                threads: 1,
            },
        }
    }

    fn verdicts(r: &TilingReport) -> Vec<Verdict> {
        claims(r).iter().map(|c| c.verdict).collect()
    }

    #[test]
    fn verdicts_follow_every_seed() {
        // Both seeds: recovered at 10%, grown ahead by 0.02 (wide) and 0.05 (deep).
        let all = report(vec![
            row(1, "wide", Some(0.1), 0.02),
            row(1, "deep", Some(0.1), 0.05),
            row(2, "wide", Some(0.1), 0.02),
            row(2, "deep", Some(0.1), 0.05),
        ]);
        use Verdict::*;
        assert_eq!(verdicts(&all), [Holds, Holds, CannotBeTested, Holds]);
        // Every run slow to recover, behind the cold start, widening gaining more.
        let none = report(vec![
            row(1, "wide", Some(0.5), -0.01),
            row(1, "deep", None, -0.03),
            row(2, "wide", Some(0.9), -0.01),
            row(2, "deep", None, -0.03),
        ]);
        assert_eq!(
            verdicts(&none),
            [DoesNotHold, DoesNotHold, CannotBeTested, DoesNotHold]
        );
        // The seeds disagree on each.
        let mixed = report(vec![
            row(1, "wide", Some(0.1), 0.02),
            row(1, "deep", Some(0.1), 0.05),
            row(2, "wide", Some(0.5), -0.02),
            row(2, "deep", None, -0.03),
        ]);
        assert_eq!(
            verdicts(&mixed),
            [Inconclusive, Inconclusive, CannotBeTested, Inconclusive]
        );
    }

    #[test]
    fn a_variant_that_agrees_against_the_claim_decides_it() {
        // Deepened ahead in both seeds, widened behind in both: the seeds agree, the claim that
        // the grown model stays ahead does not hold; widening gains less holds.
        let r = report(vec![
            row(1, "wide", Some(0.1), -0.02),
            row(1, "deep", Some(0.1), 0.05),
            row(2, "wide", Some(0.1), -0.03),
            row(2, "deep", Some(0.1), 0.04),
        ]);
        use Verdict::*;
        assert_eq!(verdicts(&r), [Holds, DoesNotHold, CannotBeTested, Holds]);
    }

    #[test]
    fn widening_needs_both_variants() {
        let only_wide = report(vec![row(1, "wide", Some(0.1), 0.02)]);
        assert_eq!(claims(&only_wide)[3].verdict, Verdict::CannotBeTested);
    }

    #[test]
    fn sentences_state_the_per_seed_figures() {
        let r = report(vec![
            row(1, "wide", Some(0.1), 0.02),
            row(1, "deep", Some(0.1), 0.05),
        ]);
        let c = claims(&r);
        assert!(c[1].measured.contains("wide +0.020"), "{}", c[1].measured);
        assert!(
            c[3].measured.contains("+0.020 vs +0.050"),
            "{}",
            c[3].measured
        );
        assert!(
            c[0].measured.contains("in 2 of 2 runs"),
            "{}",
            c[0].measured
        );
    }
}
