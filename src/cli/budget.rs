//! `tokstat budget`: exact parameter budgets and the vocabulary trade-off.

use crate::budget::{self, BudgetOptions, Head};
use crate::render::{Format, render};

#[derive(Debug, clap::Args)]
#[command(allow_negative_numbers = true)]
pub struct Args {
    /// Model presets or paths to a Hugging Face config.json (or its directory); default:
    /// modernbert-large, jina-xlm-roberta, roberta-large. Presets: bert-base-uncased,
    /// bert-large-uncased, bert-base-multilingual-cased, roberta-base, roberta-large,
    /// xlm-roberta-base, xlm-roberta-large, jina-xlm-roberta, modernbert-base, modernbert-large.
    models: Vec<String>,
    /// Model class to count: the HF base model (with pooler for BERT/RoBERTa/XLM-R) or the
    /// masked-LM model (tied decoder weight counted once).
    #[arg(long, value_enum, default_value_t = Head::Base)]
    head: Head,
    /// What if the vocabulary had these sizes (comma-separated; 400k, 1.1M also work)? The
    /// every-Unicode-code-point case (1,112,064) is always added.
    #[arg(long, value_delimiter = ',', value_parser = parse_count)]
    vocab_sizes: Vec<u64>,
    /// Total parameter budget P (e.g. 400M): the deepest / widest model that fits per
    /// vocabulary size.
    #[arg(long, value_parser = parse_count)]
    fixed_total: Option<u64>,
    /// Compare attention FLOPs and score memory: global everywhere vs ModernBERT's
    /// global-every-3rd + 128-token window.
    #[arg(long)]
    attention: bool,
    /// Sequence lengths for --attention (default 512,8192).
    #[arg(long, value_delimiter = ',', value_parser = parse_count, requires = "attention")]
    seq: Vec<u64>,
    /// Also print every tensor with its state-dict name and shape.
    #[arg(long)]
    tensors: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

fn parse_count(s: &str) -> Result<u64, String> {
    crate::units::parse_count(s).map_err(|e| e.to_string())
}

pub fn run(args: Args) -> anyhow::Result<String> {
    let attention_seqs = match (args.attention, args.seq.is_empty()) {
        (false, _) => Vec::new(),
        (true, true) => vec![512, 8192],
        (true, false) => args.seq.clone(),
    };
    let report = budget::budget(&BudgetOptions {
        models: args.models,
        head: args.head,
        vocab_sizes: args.vocab_sizes,
        fixed_total: args.fixed_total,
        attention_seqs,
        show_tensors: args.tensors,
    })?;
    Ok(render(&report, args.format)?)
}
