//! `tokstat to-beir`: write (query, code) pair data as BEIR sets.

use std::path::PathBuf;

use crate::retrieval::{beir::convert, default_data_dir};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Pair data directory with <language>/{train,valid,test}.jsonl [default:
    /// corpora/code-retrieval].
    #[arg(value_name = "DIR")]
    data: Option<PathBuf>,
    /// Output directory: one BEIR set per language, <out>/<language>/.
    #[arg(short = 'o', long, value_name = "DIR")]
    out: PathBuf,
    /// Languages to convert, comma-separated [default: every language].
    #[arg(long, value_delimiter = ',')]
    languages: Vec<String>,
    /// Splits to convert, comma-separated: each gets qrels/<split>.tsv, and the code of every
    /// listed split is in the corpus.
    #[arg(long, value_delimiter = ',', default_value = "test")]
    splits: Vec<String>,
}

pub fn run(args: Args) -> anyhow::Result<String> {
    let data = args.data.clone().unwrap_or_else(default_data_dir);
    let splits: Vec<String> = args
        .splits
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if splits.is_empty() {
        anyhow::bail!("--splits: name at least one split, e.g. --splits test");
    }
    let done = convert::pairs_to_beir(&data, &args.languages, &splits, &args.out)?;
    let mut out = String::new();
    for c in done {
        out.push_str(&format!(
            "{}: {} documents and queries, qrels {} → {}\n",
            c.language,
            c.documents,
            splits.join(", "),
            c.dir.display()
        ));
    }
    Ok(out)
}
