//! `code-tokenization.md`: whitespace and identifiers on the bundled real code files.

use std::fmt::Write as _;
use std::path::Path;

use super::claims::{Claim, Verdict};
use super::under;
use super::{ReportFile, Section, json};
use crate::analysis::whitespace::IndentProbe;
use crate::render::chart::{self, Labels, Series};
use crate::render::{Render, TextFormat, render_tables};
use crate::{Error, Result};

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

/// What the code section measures: `compare` over the bundled code files, and how each
/// tokenizer cuts `init` in the probes.
struct Measured {
    report: crate::compare::CompareReport,
    /// Per tokenizer, per probe of [`INIT_PROBES`]: the pieces that cover `init`.
    probes: Vec<(String, Vec<Vec<String>>)>,
}

/// `code-tokenization.md`: whitespace and identifiers on the bundled real code files.
pub fn code(root: &Path) -> Result<Section> {
    let measured = measure(root)?;
    Ok(Section {
        files: vec![
            ReportFile::new("code-tokenization.md", page(&measured)),
            ReportFile::new("indent-tokens.svg", indent_chart(&measured.report)?),
            ReportFile::new("data/compare.json", json(&measured.report)?),
        ],
        claims: claims(&measured)?,
    })
}

fn measure(root: &Path) -> Result<Measured> {
    use crate::compare::{self, CODE_REPORT_TOKENIZERS, CompareOptions};
    let opts = CompareOptions {
        paths: code_files(root)?,
        tokenizers: CODE_REPORT_TOKENIZERS
            .iter()
            .map(|s| s.to_string())
            .collect(),
        ..Default::default()
    };
    Ok(Measured {
        report: compare::compare(&opts)?,
        probes: init_probe(CODE_REPORT_TOKENIZERS)?,
    })
}

fn claims(m: &Measured) -> Result<Vec<Claim>> {
    let mut claims = whitespace_claims(&m.report)?;
    claims.push(init_claim(&m.probes));
    Ok(claims)
}

/// Whether a code-aware tokenizer keeps `init` whole where the standard ones split it.
fn init_claim(probes: &[(String, Vec<Vec<String>>)]) -> Claim {
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
    Claim {
        claim: "A code-aware tokenizer (OLMo's, ModernBERT's) keeps `init` whole where standard \
                ones split it into `in` + `it`"
            .into(),
        measured: format!("`init` in `{}`: {describe}", INIT_PROBES.join("`, `")),
        verdict,
        section: "code-tokenization.md#init".into(),
    }
}

fn page(m: &Measured) -> String {
    let mut md = String::from("# Code tokenization\n\n");
    md.push_str(&intro(&m.report));
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
    md.push_str(&init_table(&m.probes));
    md.push_str("\nThe tokens that cover the bytes of `init` in each probe (`tokstat encode -t NAME TEXT`).\n\n");
    md.push_str("## Whole corpus\n\n");
    md.push_str(&render_tables(&m.report.tables(), TextFormat::Markdown));
    md.push_str("\n## Per language\n\n");
    md.push_str(&render_tables(
        &m.report.language_tables(),
        TextFormat::Markdown,
    ));
    md
}

/// The page's opening: what was measured, on which files, with which command.
fn intro(report: &crate::compare::CompareReport) -> String {
    use crate::compare::CODE_REPORT_TOKENIZERS;
    let mut md = String::new();
    let totals = &report.input_totals;
    let languages = totals
        .by_language
        .iter()
        .filter(|l| l.language != "text")
        .count();
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
        totals.files,
        crate::render::group_thousands(totals.bytes.into()),
        languages
    );
    let _ = writeln!(
        md,
        "Command: `{CODE_COMMAND}` · data: [`data/compare.json`](data/compare.json) (`--format json`)\n"
    );
    md
}

/// The Markdown table of the pieces that cover `init`, one row per tokenizer.
fn init_table(probes: &[(String, Vec<Vec<String>>)]) -> String {
    let mut md = String::from("| tokenizer |");
    for p in INIT_PROBES {
        let _ = write!(md, " `{p}` |");
    }
    md.push_str("\n|---|");
    md.push_str(&"---|".repeat(INIT_PROBES.len()));
    md.push('\n');
    for (name, p) in probes {
        let _ = write!(md, "| {name} |");
        for pieces in p {
            let cut: Vec<String> = pieces.iter().map(|x| format!("`{x}`")).collect();
            let _ = write!(md, " {} |", cut.join(" + "));
        }
        md.push('\n');
    }
    md
}

/// `indent-tokens.svg`: whitespace-only tokens per indentation width, one line per tokenizer.
fn indent_chart(report: &crate::compare::CompareReport) -> Result<String> {
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
    chart::lines(
        &Labels {
            title: "Whitespace-only tokens for a line indented by N spaces".into(),
            x: "N spaces".into(),
            y: "whitespace-only tokens".into(),
        },
        &xs,
        &series,
    )
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
