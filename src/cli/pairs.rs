//! `tokstat pairs`: turn source trees into CodeSearchNet-style (query, code) pairs.

use std::collections::HashSet;
use std::path::PathBuf;

use anyhow::{Context, bail};

use crate::pairs::{self, CodeFilter, Language, PairsOptions, PairsReport, Root, Split};
use crate::render::{Format, render};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Source directories or files. `NAME=DIR` names the project (then `source` is
    /// `NAME:path:line`); otherwise the project is the directory's name and `source` is
    /// `path:line`, relative to the directory.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<String>,
    /// Language of the source files.
    #[arg(short = 'l', long, value_enum)]
    language: Language,
    /// Write the pairs here (`.jsonl`, or `.jsonl.gz` compressed) instead of to stdout; with
    /// --split-by-project a directory that gets `<language>/{train,valid,test}.jsonl`.
    #[arg(short = 'o', long, value_name = "FILE.jsonl")]
    out: Option<PathBuf>,
    /// SPDX license of the code, written into every record: once for all paths, or once per
    /// path in the same order.
    #[arg(long, value_name = "SPDX")]
    license: Vec<String>,
    /// The split named in record ids.
    #[arg(long, value_enum, default_value_t = Split::Train)]
    split: Split,
    /// Assign each project to one split (train 80 %, valid 10 %, test 10 % of the pairs, largest
    /// project to train); needs two or more projects.
    #[arg(long)]
    split_by_project: bool,
    /// Leave out code that occurs (whitespace-insensitive) in this JSONL file, e.g. an
    /// evaluation split; repeatable.
    #[arg(long, value_name = "FILE.jsonl")]
    exclude: Vec<PathBuf>,
    /// Largest function kept, in lines.
    #[arg(long, default_value_t = CodeFilter::default().max_lines)]
    max_lines: usize,
    /// Largest function kept, in characters.
    #[arg(long, default_value_t = CodeFilter::default().max_chars)]
    max_chars: usize,
    /// Format of the summary (printed to stdout with --out, else to stderr).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub fn run(args: Args) -> anyhow::Result<String> {
    let roots = roots(&args)?;
    let mut exclude_code = HashSet::new();
    for path in &args.exclude {
        exclude_code.extend(
            pairs::read_code_keys(path)
                .with_context(|| format!("reading --exclude {}", path.display()))?,
        );
    }
    let options = PairsOptions {
        language: args.language,
        split_by_project: args.split_by_project,
        split: args.split,
        exclude_code,
        code_filter: CodeFilter {
            max_lines: args.max_lines,
            max_chars: args.max_chars,
            ..CodeFilter::default()
        },
    };
    let report = pairs::run(&roots, &options)?;
    for s in report.skipped_files.iter().chain(&report.syntax_errors) {
        eprintln!("warning: {}: {}", s.path.display(), s.reason);
    }
    let summary = render(&report, args.format)?;
    match &args.out {
        Some(out) => {
            write(&report, out, args.split_by_project)?;
            Ok(summary)
        }
        None => {
            eprint!("{summary}");
            let mut jsonl = String::new();
            for (_, records) in &report.records {
                for r in records {
                    jsonl.push_str(&serde_json::to_string(r)?);
                    jsonl.push('\n');
                }
            }
            Ok(jsonl)
        }
    }
}

fn roots(args: &Args) -> anyhow::Result<Vec<Root>> {
    let licenses = match args.license.len() {
        0 => vec!["NOASSERTION".to_string(); args.paths.len()],
        1 => vec![args.license[0].clone(); args.paths.len()],
        n if n == args.paths.len() => args.license.clone(),
        n => bail!(
            "--license given {n} times for {} paths: give it once for all, or once per path",
            args.paths.len()
        ),
    };
    Ok(args
        .paths
        .iter()
        .zip(&licenses)
        .map(|(p, l)| Root::parse(p, l))
        .collect::<Result<_, _>>()?)
}

fn write(report: &PairsReport, out: &std::path::Path, by_project: bool) -> anyhow::Result<()> {
    if by_project {
        if out.is_file() {
            bail!(
                "--out {}: with --split-by-project, --out is a directory",
                out.display()
            );
        }
        for split in [Split::Train, Split::Valid, Split::Test] {
            let records = report
                .records
                .iter()
                .find(|(s, _)| *s == split)
                .map_or(&[][..], |(_, r)| r.as_slice());
            let path = out
                .join(report.language.name())
                .join(format!("{}.jsonl", split.name()));
            pairs::write_jsonl(&path, records)?;
        }
        return Ok(());
    }
    let all: Vec<_> = report
        .records
        .iter()
        .flat_map(|(_, r)| r.iter().cloned())
        .collect();
    Ok(pairs::write_jsonl(out, &all)?)
}
