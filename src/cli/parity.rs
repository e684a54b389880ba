//! `tokstat parity`: tokenization premium and fertility across languages on parallel text.

use std::path::PathBuf;

use anyhow::Context;

use crate::parity::{self, DEFAULT_PIVOT, DEFAULT_WORST, ParityOptions};
use crate::render::{Format, render};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directory of line-aligned `<lang>_<Script>.txt` files (default: the bundled
    /// corpora/multilingual, FLORES-200 dev, 60 languages).
    dir: Option<PathBuf>,
    /// Tokenizer names, aliases or paths to tokenizer.json; repeat or separate with commas
    /// (default: modernbert, xlm-roberta, roberta).
    #[arg(short = 't', long = "tokenizer")]
    tokenizers: Vec<String>,
    /// The language every premium is relative to (a file stem).
    #[arg(long, default_value = DEFAULT_PIVOT)]
    pivot: String,
    /// How many highest-premium languages each summary lists.
    #[arg(long, default_value_t = DEFAULT_WORST)]
    worst: usize,
    /// Also write an SVG chart of the premium per language and tokenizer to this file.
    #[arg(long, value_name = "FILE.svg")]
    plot: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub fn run(args: Args) -> anyhow::Result<String> {
    let mut options = ParityOptions {
        dir: args.dir,
        pivot: args.pivot,
        worst: args.worst,
        ..ParityOptions::default()
    };
    if !args.tokenizers.is_empty() {
        options.tokenizers = args.tokenizers;
    }
    let report = parity::parity(&options)?;
    if let Some(path) = &args.plot {
        report
            .write_svg(path)
            .with_context(|| format!("writing the premium chart to {}", path.display()))?;
    }
    Ok(render(&report, args.format)?)
}
