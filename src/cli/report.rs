//! `tokstat report`: regenerate `reports/`, the published comparison checked claim by claim.

use std::path::PathBuf;

use crate::reproduction::{self, ReportOptions};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to write the report.
    #[arg(long, default_value = "reports")]
    out: PathBuf,
    /// The directory holding the bundled `corpora/` (the repository root).
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Train a CI-sized retrieval run instead of the full default one.
    #[arg(long, conflicts_with = "retrieval_results")]
    quick: bool,
    /// Reuse a saved retrieval run (JSON of `tokstat retrieval --format json`) instead of
    /// training again.
    #[arg(long, value_name = "FILE.json")]
    retrieval_results: Option<PathBuf>,
    /// Training runs per tokenizer in the retrieval experiment (mean ± sd, 95% intervals and
    /// paired tests over them) [default: 3; --quick: 1].
    #[arg(long, value_name = "N", conflicts_with = "retrieval_results")]
    seeds: Option<usize>,
    /// Reuse a saved weight-tiling run (JSON of `tokstat tiling --format json`) instead of
    /// running the experiment again.
    #[arg(long, value_name = "FILE.json")]
    tiling_results: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<String> {
    let files = reproduction::generate(&ReportOptions {
        root: args.root,
        quick: args.quick,
        retrieval_results: args.retrieval_results,
        seeds: args.seeds.unwrap_or(if args.quick { 1 } else { 3 }),
        tiling_results: args.tiling_results,
    })?;
    reproduction::write(&files, &args.out)?;
    let mut out = format!("wrote {} files to {}:\n", files.len(), args.out.display());
    for f in &files {
        out.push_str(&format!("  {}\n", f.path.display()));
    }
    Ok(out)
}
