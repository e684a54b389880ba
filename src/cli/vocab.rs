//! `tokstat vocab`: vocabulary audit (composition, reachability, overlap, corpus use, dead
//! budget).

use std::path::PathBuf;

use crate::render::{Format, render};
use crate::vocab::{self, VocabOptions};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tokenizer names, aliases or tokenizer.json paths; repeat or separate with commas
    /// [default: modernbert,xlm-roberta,roberta].
    #[arg(short = 't', long = "tokenizer")]
    tokenizers: Vec<String>,
    /// Model preset or config.json for the dead budget; one per tokenizer, in the same order.
    #[arg(long = "model")]
    models: Vec<String>,
    /// Corpus files or directories: utilization, Rényi efficiency, most frequent tokens.
    #[arg(long, num_args = 1..)]
    corpus: Vec<PathBuf>,
    /// Examples per reachability class and most frequent tokens listed.
    #[arg(long, default_value_t = 5)]
    examples: usize,
    /// Read every file of the --corpus directories: no .gitignore/.ignore rules, hidden files
    /// included.
    #[arg(long)]
    no_ignore: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub fn run(args: Args) -> anyhow::Result<String> {
    let mut opts = VocabOptions {
        models: crate::tokenizer::split_specs(&args.models),
        corpus: args.corpus,
        examples: args.examples,
        walk: crate::input::WalkOptions {
            no_ignore: args.no_ignore,
            max_depth: None,
        },
        ..VocabOptions::default()
    };
    if !args.tokenizers.is_empty() {
        opts.tokenizers = args.tokenizers;
    }
    let report = vocab::audit(&opts)?;
    for w in &report.warnings {
        eprintln!("{w}");
    }
    Ok(render(&report, args.format)?)
}
