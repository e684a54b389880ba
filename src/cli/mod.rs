//! The command-line interface: one module per subcommand.
//!
//! Each subcommand parses its arguments, builds a report with the library, and renders it with
//! [`crate::render`].

mod budget;
mod compare;
mod encode;
mod pairs;
mod parity;
mod report;
mod retrieval;
pub mod schemas;
mod tiling;
mod to_beir;
mod tokenizers;
mod vocab;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use clap::{Parser, Subcommand};

/// Measure how tokenizers treat code and languages, what their vocabulary costs, and how they
/// change embedding quality.
#[derive(Debug, Parser)]
#[command(name = "tokstat", version, about, long_about = None)]
pub struct Cli {
    /// Revision (branch, tag or commit hash) of the Hugging Face repos named by id (`-t
    /// Qwen/Qwen2.5-0.5B`, budget and vocab --model): read from the local cache, else downloaded.
    #[arg(long, global = true, value_name = "REV", default_value = "main")]
    revision: String,
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
    /// Train the bundled encoder once per tokenizer and score code retrieval (MRR@10, NDCG@10, …);
    /// `--pretrained` scores real BERT, XLM-RoBERTa and ModernBERT checkpoints the same way.
    Retrieval(Box<retrieval::Args>),
    /// Regenerate reports/: the published comparison, claim by claim, with measurements.
    Report(report::Args),
    /// Print token ids, token strings and byte offsets of a text.
    Encode(encode::Args),
    /// List the bundled tokenizers.
    Tokenizers(tokenizers::Args),
    /// Extract CodeSearchNet-style (documentation, function) pairs from source trees.
    Pairs(pairs::Args),
    /// Write (query, code) pair data as BEIR sets (corpus.jsonl, queries.jsonl, qrels/).
    ToBeir(to_beir::Args),
    /// Weight tiling: grow a trained small encoder, keep training, and compare with training
    /// the larger shape from scratch (at equal steps and equal compute).
    Tiling(Box<tiling::Args>),
    /// Grow a saved encoder checkpoint to a larger width and/or depth by weight tiling.
    Grow(tiling::GrowArgs),
}

/// Parses the command line and runs the subcommand, writing its output to stdout.
pub fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    crate::tokenizer::hub::set_revision(Some(&cli.revision))?;
    let out = match cli.command {
        Command::Report(a) => report::run(a)?,
        Command::Tokenizers(a) => tokenizers::run(a)?,
        Command::Encode(a) => return write_stream(|out| encode::run(a, out)),
        Command::Budget(a) => budget::run(a)?,
        Command::Parity(a) => parity::run(a)?,
        Command::Compare(a) => compare::run(a)?,
        Command::Retrieval(a) => retrieval::run(*a)?,
        Command::Vocab(a) => vocab::run(a)?,
        Command::Pairs(a) => pairs::run(a)?,
        Command::ToBeir(a) => to_beir::run(a)?,
        Command::Tiling(a) => tiling::run(*a)?,
        Command::Grow(a) => tiling::grow(a)?,
    };
    write_stdout(&out)
}

/// Runs a command that writes its output as it goes, to a buffered stdout, treating a closed
/// pipe as success.
fn write_stream(
    run: impl FnOnce(&mut dyn std::io::Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let result = run(&mut out).and_then(|()| Ok(out.flush()?));
    match result {
        Err(e) if is_broken_pipe(&e) => Ok(()),
        r => r,
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    let kind = e
        .downcast_ref::<std::io::Error>()
        .map(std::io::Error::kind)
        .or_else(|| e.downcast_ref::<serde_json::Error>()?.io_error_kind());
    kind == Some(std::io::ErrorKind::BrokenPipe)
}

/// The flag set by Ctrl-C: long commands check it and stop with
/// [`crate::Error::Interrupted`] before writing anything. A second Ctrl-C exits at once (code 130).
/// The handler is installed on first use.
pub fn interrupt_flag() -> Arc<AtomicBool> {
    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let set = Arc::clone(&flag);
        // Without a handler (another one installed already), Ctrl-C keeps its default action.
        let _ = ctrlc::set_handler(move || {
            if set.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
            eprintln!("\ninterrupted: stopping (Ctrl-C again to quit at once)");
        });
        flag
    })
    .clone()
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
