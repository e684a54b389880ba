//! `vocabulary.md`: what each vocabulary holds and wastes.

use std::fmt::Write as _;
use std::path::Path;

use super::under;
use super::{ReportFile, Section, json};
use crate::Result;
use crate::render::{Render, TextFormat, render_tables};

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
