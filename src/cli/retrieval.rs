//! `tokstat retrieval`: train the bundled encoder once per tokenizer and score code retrieval;
//! `--pretrained` scores pretrained models the same way.

use std::path::PathBuf;

use anyhow::bail;

use crate::render::{Format, render};
use crate::retrieval::{self, Budget, RetrievalOptions};
use crate::tokenizer;

#[derive(Debug, clap::Args)]
#[command(allow_negative_numbers = true)]
pub struct Args {
    /// Tokenizer names or paths; repeat or separate with commas [default: modernbert,xlm-roberta,roberta].
    #[arg(short = 't', long = "tokenizer")]
    tokenizers: Vec<String>,
    /// Data directory: pairs (<language>/{train,valid,test}.jsonl) or the BEIR layout
    /// (corpus.jsonl, queries.jsonl, qrels/<split>.tsv; or folders of such sets)
    /// [default: corpora/code-retrieval].
    #[arg(long)]
    data: Option<PathBuf>,
    /// Layout of --data: `auto` picks `beir` when it holds corpus.jsonl (or folders that do).
    #[arg(long, value_enum, default_value_t = DataFormat::Auto)]
    data_format: DataFormat,
    /// Languages to use, comma-separated (BEIR layout: sets, by folder name) [default: all].
    #[arg(long, value_delimiter = ',')]
    languages: Vec<String>,
    /// CI-sized run: Go and Python, 3,000 train / 200 test pairs each, d = 32, 1 layer, 2 epochs.
    #[arg(long)]
    quick: bool,
    /// Train exactly N steps (overrides --epochs).
    #[arg(long)]
    steps: Option<usize>,
    /// Passes over the training pairs [default: 1; --quick: 2].
    #[arg(long)]
    epochs: Option<usize>,
    /// Hidden size d [default: 64; --quick: 32].
    #[arg(long)]
    dim: Option<usize>,
    /// Transformer layers [default: 2; --quick: 1].
    #[arg(long)]
    layers: Option<usize>,
    /// Attention heads [default: 4; --quick: 2].
    #[arg(long)]
    heads: Option<usize>,
    /// `equal-core` (same d and layers for all) or `equal-total P` (largest d whose total
    /// parameters, embeddings included, fit P; P may use k/M suffixes, e.g. 20M).
    #[arg(long, num_args = 1..=2, value_names = ["MODE", "P"])]
    budget: Vec<String>,
    /// Query length limit in tokens.
    #[arg(long)]
    max_query_tokens: Option<usize>,
    /// Code length limit in tokens.
    #[arg(long)]
    max_code_tokens: Option<usize>,
    /// Cut every code text to N bytes before tokenizing, so every tokenizer sees the same text.
    #[arg(long, value_name = "N")]
    truncate_bytes: Option<usize>,
    /// Also score every model and BM25 on evaluation code cut to N bytes, so every tokenizer
    /// sees the same text (rows `trained_equal_bytes`, `bm25_equal_bytes`) [default: 180].
    #[arg(long, value_name = "N")]
    equal_bytes: Option<usize>,
    /// Do not score the equal-bytes view.
    #[arg(long, conflicts_with = "equal_bytes")]
    no_equal_bytes: bool,
    /// Pairs per training batch.
    #[arg(long)]
    batch_size: Option<usize>,
    /// Peak learning rate.
    #[arg(long)]
    lr: Option<f64>,
    /// InfoNCE temperature τ.
    #[arg(long, value_name = "TAU")]
    temperature: Option<f64>,
    /// Use at most N training pairs per language (seeded sample).
    #[arg(long, value_name = "N")]
    max_train_pairs: Option<usize>,
    /// Use at most N evaluation pairs per language (seeded sample).
    #[arg(long, value_name = "N")]
    max_eval_pairs: Option<usize>,
    /// Split to evaluate on (BEIR: the qrels file qrels/<split>.tsv).
    #[arg(long, visible_alias = "split", default_value = "test")]
    eval_split: String,
    /// Skip the untrained-encoder rows.
    #[arg(long)]
    no_untrained: bool,
    /// Seed of initialisation, sampling and batch order.
    #[arg(long)]
    seed: Option<u64>,
    /// Train each tokenizer N times, with seeds S, S+1, … (different initialisation and batch
    /// order): tables show the mean, JSON adds mean ± sd and 95% intervals [default: 1].
    #[arg(long, value_name = "N")]
    seeds: Option<usize>,
    /// Save each trained encoder as DIR/<tokenizer>.safetensors + .json.
    #[arg(long, value_name = "DIR")]
    save: Option<PathBuf>,
    /// Do not train: score the checkpoints saved in DIR by an earlier --save.
    #[arg(long, value_name = "DIR", conflicts_with = "save")]
    load: Option<PathBuf>,
    /// BEIR-layout data: write each ranking as a TREC run file,
    /// DIR/<set>.<tokenizer>.<method>.run (top 100 per query), for trec_eval or pytrec_eval.
    #[arg(long, value_name = "DIR")]
    save_runs: Option<PathBuf>,
    /// Do not run anything: render a report saved earlier with `--format json`.
    #[arg(long, value_name = "FILE.json")]
    from_json: Option<PathBuf>,
    /// Threads for tokenization, training and scoring [default: RAYON_NUM_THREADS, else every
    /// core]. Results do not depend on it.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    #[command(flatten)]
    pretrained: PretrainedArgs,
}

/// Pretrained models scored beside (or instead of) the trained encoders.
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "Pretrained models")]
pub struct PretrainedArgs {
    /// Score pretrained BERT, XLM-RoBERTa or ModernBERT models: directories in the Hugging Face
    /// layout (config.json, model.safetensors, tokenizer.json) or model ids in the local hub
    /// cache; repeat or separate with commas. Without -t only these models (and BM25 over their
    /// tokens) are scored.
    #[arg(long, value_name = "NAME|DIR")]
    pretrained: Vec<String>,
    /// Pooling for models without a sentence-transformers pooling config [default: mean].
    #[arg(long, value_enum)]
    pooling: Option<crate::pretrained::Pooling>,
    /// Longest model input in tokens, special tokens included (also capped by the model's
    /// max_seq_length and position table).
    #[arg(long, value_name = "N", default_value_t = 512)]
    max_tokens: usize,
    /// Text put before every query (e.g. "query: ").
    #[arg(long, value_name = "TEXT", default_value = "")]
    query_prefix: String,
    /// Text put before every code snippet (e.g. "passage: ").
    #[arg(long, value_name = "TEXT", default_value = "")]
    document_prefix: String,
    /// Texts per forward pass of a pretrained model.
    #[arg(long, value_name = "N", default_value_t = 32)]
    embed_batch_size: usize,
    /// Where pretrained models run (cuda needs a build with `--features cuda`).
    #[arg(long, value_enum, default_value_t = crate::pretrained::DeviceKind::Cpu)]
    device: crate::pretrained::DeviceKind,
}

impl PretrainedArgs {
    /// Sets the pretrained-model options; without -t, no tokenizer is trained.
    fn apply(&self, o: &mut RetrievalOptions, tokenizers_given: bool) {
        o.pretrained = tokenizer::split_specs(&self.pretrained);
        if !o.pretrained.is_empty() && !tokenizers_given {
            o.tokenizers.clear();
        }
        o.embed = crate::pretrained::EmbedOptions {
            pooling: self.pooling,
            max_tokens: self.max_tokens,
            query_prefix: self.query_prefix.clone(),
            document_prefix: self.document_prefix.clone(),
            batch_size: self.embed_batch_size,
            device: self.device,
        };
    }
}

/// A parameter count, parsed by the same rule as `tokstat budget`'s.
fn parse_total(s: &str) -> anyhow::Result<usize> {
    let n =
        crate::units::parse_count(s).map_err(|e| anyhow::anyhow!("--budget equal-total: {e}"))?;
    if n == 0 {
        bail!("--budget equal-total: the parameter budget must be positive");
    }
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

fn parse_budget(v: &[String]) -> anyhow::Result<Budget> {
    match v {
        [] => Ok(Budget::EqualCore),
        [m] if m == "equal-core" => Ok(Budget::EqualCore),
        [m, p] if m == "equal-total" => Ok(Budget::EqualTotal(parse_total(p)?)),
        [m] if m == "equal-total" => {
            bail!("--budget equal-total needs a parameter count, e.g. --budget equal-total 20M")
        }
        _ => bail!(
            "--budget takes `equal-core` or `equal-total P`, got `{}`",
            v.join(" ")
        ),
    }
}

pub fn options(args: &Args) -> anyhow::Result<RetrievalOptions> {
    let mut o = if args.quick {
        RetrievalOptions::quick()
    } else {
        RetrievalOptions::default()
    };
    if !args.tokenizers.is_empty() {
        o.tokenizers = tokenizer::split_specs(&args.tokenizers);
    }
    if let Some(d) = &args.data {
        o.data_dir = d.clone();
    }
    if !args.languages.is_empty() {
        o.languages = args
            .languages
            .iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
    }
    o.steps = args.steps.or(o.steps);
    o.epochs = args.epochs.unwrap_or(o.epochs);
    o.dim = args.dim.unwrap_or(o.dim);
    o.layers = args.layers.unwrap_or(o.layers);
    o.heads = args.heads.unwrap_or(o.heads);
    o.budget = parse_budget(&args.budget)?;
    o.max_query_tokens = args.max_query_tokens.unwrap_or(o.max_query_tokens);
    o.max_code_tokens = args.max_code_tokens.unwrap_or(o.max_code_tokens);
    o.truncate_bytes = args.truncate_bytes.or(o.truncate_bytes);
    o.equal_bytes = if args.no_equal_bytes {
        None
    } else {
        args.equal_bytes.or(o.equal_bytes)
    };
    o.batch_size = args.batch_size.unwrap_or(o.batch_size);
    o.lr = args.lr.unwrap_or(o.lr);
    o.temperature = args.temperature.unwrap_or(o.temperature);
    o.max_train_pairs = args.max_train_pairs.or(o.max_train_pairs);
    o.max_eval_pairs = args.max_eval_pairs.or(o.max_eval_pairs);
    o.eval_split = args.eval_split.clone();
    o.evaluate_untrained = !args.no_untrained;
    o.seed = args.seed.unwrap_or(o.seed);
    o.seeds = args.seeds.unwrap_or(o.seeds);
    o.save_dir = args.save.clone();
    o.load_dir = args.load.clone();
    o.save_runs = args.save_runs.clone();
    o.progress = true;
    args.pretrained.apply(&mut o, !args.tokenizers.is_empty());
    if args.threads == Some(0) {
        bail!("--threads must be at least 1");
    }
    o.threads = args.threads;
    if o.epochs == 0 && o.steps.is_none() {
        bail!("--epochs must be at least 1");
    }
    Ok(o)
}

/// The layout of a data directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DataFormat {
    /// BEIR when the directory holds corpus.jsonl or folders that do, else pairs.
    Auto,
    /// corpus.jsonl, queries.jsonl, qrels/<split>.tsv.
    Beir,
    /// <language>/{train,valid,test}.jsonl.
    Pairs,
}

/// Whether the run reads the BEIR layout.
fn is_beir(args: &Args, data_dir: &std::path::Path) -> bool {
    match args.data_format {
        DataFormat::Beir => true,
        DataFormat::Pairs => false,
        DataFormat::Auto => {
            use retrieval::beir::data::is_beir_set;
            is_beir_set(data_dir)
                || std::fs::read_dir(data_dir)
                    .into_iter()
                    .flatten()
                    .flatten()
                    .any(|e| is_beir_set(&e.path()))
        }
    }
}

/// Evaluates a BEIR-layout set; options that only pair data has are refused by name.
fn run_beir(args: &Args, opts: &RetrievalOptions) -> anyhow::Result<String> {
    let pair_only = [
        ("--equal-bytes", args.equal_bytes.is_some()),
        ("--max-eval-pairs", args.max_eval_pairs.is_some()),
        ("--max-train-pairs", args.max_train_pairs.is_some()),
        ("--from-json", args.from_json.is_some()),
        ("--quick", args.quick),
    ];
    if let Some((flag, _)) = pair_only.iter().find(|(_, given)| *given) {
        bail!(
            "{flag} applies to pair data only; `{}` is a BEIR set",
            opts.data_dir.display()
        );
    }
    let report = retrieval::beir::run(opts)?;
    Ok(render(&report, args.format)?)
}

pub fn run(args: Args) -> anyhow::Result<String> {
    if args.from_json.is_none() {
        let opts = options(&args)?;
        if is_beir(&args, &opts.data_dir) {
            return run_beir(&args, &opts);
        }
        if args.save_runs.is_some() {
            bail!(
                "--save-runs applies to BEIR-layout data only; `{}` holds pairs",
                opts.data_dir.display()
            );
        }
    }
    let report = match &args.from_json {
        Some(p) => retrieval::load_report(p)?,
        None => retrieval::run(&options(&args)?)?,
    };
    Ok(render(&report, args.format)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_parsing() {
        assert_eq!(parse_budget(&[]).unwrap(), Budget::EqualCore);
        assert_eq!(
            parse_budget(&["equal-total".into(), "20M".into()]).unwrap(),
            Budget::EqualTotal(20_000_000)
        );
        assert_eq!(
            parse_budget(&["equal-total".into(), "1.5k".into()]).unwrap(),
            Budget::EqualTotal(1500)
        );
        assert!(parse_budget(&["equal-total".into()]).is_err());
        assert!(parse_budget(&["equal".into()]).is_err());
        assert!(parse_budget(&["equal-total".into(), "x".into()]).is_err());
    }
}
