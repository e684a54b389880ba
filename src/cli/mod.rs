//! The command-line interface: one module per subcommand.
//!
//! Each subcommand parses its arguments, builds a report with the library, and renders it with
//! [`crate::report`].

mod budget;
mod compare;
mod encode;
mod pairs;
mod parity;
mod report;
mod retrieval;
mod tokenizers;
mod vocab;

use clap::{Parser, Subcommand};

/// Measure how tokenizers treat code and languages, what their vocabulary costs, and how they
/// change embedding quality.
#[derive(Debug, Parser)]
#[command(name = "tokstat", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Compare tokenizers on files: compression, whitespace, identifiers, scripts, round trip.
    Compare(compare::Args),
    /// Exact parameter budgets: how much of an encoder the vocabulary takes, and what-ifs.
    Budget(budget::Args),
    /// Audit vocabularies: composition, unreachable ids, overlap, corpus use, dead budget.
    Vocab(vocab::Args),
    /// Tokenization premium and fertility per language on parallel text (default: the bundled
    /// FLORES-200 sample).
    Parity(parity::Args),
    /// Train the bundled encoder once per tokenizer and score code retrieval (MRR@10, NDCG@10, …).
    Retrieval(Box<retrieval::Args>),
    /// Regenerate reports/: the published comparison, claim by claim, with measurements.
    Report(report::Args),
    /// Print token ids, token strings and byte offsets of a text.
    Encode(encode::Args),
    /// List the bundled tokenizers.
    Tokenizers(tokenizers::Args),
    /// Extract CodeSearchNet-style (documentation, function) pairs from source trees.
    Pairs(pairs::Args),
}

/// Parses the command line and runs the subcommand, writing its output to stdout.
pub fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let out = match cli.command {
        Command::Report(a) => report::run(a)?,
        Command::Tokenizers(a) => tokenizers::run(a)?,
        Command::Encode(a) => encode::run(a)?,
        Command::Budget(a) => budget::run(a)?,
        Command::Parity(a) => parity::run(a)?,
        Command::Compare(a) => compare::run(a)?,
        Command::Retrieval(a) => retrieval::run(*a)?,
        Command::Vocab(a) => vocab::run(a)?,
        Command::Pairs(a) => pairs::run(a)?,
    };
    write_stdout(&out)
}

/// Writes to stdout, treating a closed pipe (`tokstat … | head`) as success.
fn write_stdout(s: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut lock = std::io::stdout().lock();
    match lock.write_all(s.as_bytes()).and_then(|_| lock.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => Ok(r?),
    }
}
