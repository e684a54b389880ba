//! The command-line interface: one module per subcommand.
//!
//! Each subcommand parses its arguments, builds a report with the library, and renders it with
//! [`crate::report`].

mod budget;
mod encode;
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
    /// List the bundled tokenizers.
    Tokenizers(tokenizers::Args),
    /// Print token ids, token strings and byte offsets of a text.
    Encode(encode::Args),
    /// Exact parameter budgets: how much of an encoder the vocabulary takes, and what-ifs.
    Budget(budget::Args),
    /// Audit vocabularies: composition, unreachable ids, overlap, corpus use, dead budget.
    Vocab(vocab::Args),
}

/// Parses the command line and runs the subcommand, writing its output to stdout.
pub fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let out = match cli.command {
        Command::Tokenizers(a) => tokenizers::run(a)?,
        Command::Encode(a) => encode::run(a)?,
        Command::Budget(a) => budget::run(a)?,
        Command::Vocab(a) => vocab::run(a)?,
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
