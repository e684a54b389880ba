//! `tokstat tiling`: the weight-tiling experiment; `tokstat grow`: grow one saved checkpoint.

use std::path::PathBuf;

use anyhow::{Context as _, bail};

use crate::encoder::{Encoder, EncoderConfig, tiling as tile};
use crate::render::{Format, render};
use crate::tiling::{self, Shape, TilingOptions};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tokenizer names or paths; repeat or separate with commas [default: modernbert].
    #[arg(short = 't', long = "tokenizer", value_delimiter = ',')]
    tokenizers: Vec<String>,
    /// Data directory (<language>/{train,valid,test}.jsonl) [default: corpora/code-retrieval].
    #[arg(long)]
    data: Option<PathBuf>,
    /// Languages, comma-separated [default: go,python].
    #[arg(long, value_delimiter = ',')]
    languages: Vec<String>,
    /// Split the models are scored on (`valid` to tune, `test` to report).
    #[arg(long, visible_alias = "eval-split", default_value = "test")]
    split: String,
    /// Seeds per tokenizer (seed, seed + 1, …).
    #[arg(long, default_value_t = 3)]
    seeds: usize,
    /// First seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Training steps of the small model.
    #[arg(long, default_value_t = 400)]
    small_steps: usize,
    /// Training steps after growing (and of the equal-steps cold start).
    #[arg(long, default_value_t = 400)]
    steps: usize,
    /// The small model's d, layers and heads.
    #[arg(long, num_args = 3, value_names = ["D", "LAYERS", "HEADS"], default_values_t = [32, 1, 2])]
    small: Vec<usize>,
    /// The `wide` variant's d and heads (the small model's layers).
    #[arg(long, num_args = 2, value_names = ["D", "HEADS"], default_values_t = [64, 4])]
    wide: Vec<usize>,
    /// The `deep` variant's layers (the small model's d and heads).
    #[arg(long, value_name = "LAYERS", default_value_t = 2)]
    deep: usize,
    /// Training pairs per language (seeded sample; the small model trains on half of them, the
    /// larger models on the other half).
    #[arg(long, value_name = "N", default_value_t = 12_800)]
    max_train_pairs: usize,
    /// Evaluation pairs per language (seeded sample).
    #[arg(long, value_name = "N", default_value_t = 200)]
    max_eval_pairs: usize,
    /// Peak learning rate.
    #[arg(long, default_value_t = 3e-3)]
    lr: f64,
    /// Threads (results do not depend on it) [default: RAYON_NUM_THREADS, else every core].
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Read a saved run (`--format json`) instead of training.
    #[arg(long, value_name = "FILE.json")]
    from_json: Option<PathBuf>,
    /// Also write the loss curves (mean over seeds) as an SVG chart.
    #[arg(long, value_name = "FILE.svg")]
    svg: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

fn options(a: &Args) -> TilingOptions {
    let mut o = TilingOptions::default();
    if !a.tokenizers.is_empty() {
        o.tokenizers = a.tokenizers.clone();
    }
    if let Some(d) = &a.data {
        o.data_dir = d.clone();
    }
    if !a.languages.is_empty() {
        o.languages = a.languages.clone();
    }
    o.eval_split = a.split.clone();
    (o.seeds, o.seed, o.small_steps, o.steps, o.lr) =
        (a.seeds, a.seed, a.small_steps, a.steps, a.lr);
    o.small = Shape {
        dim: a.small[0],
        layers: a.small[1],
        heads: a.small[2],
    };
    o.variants[0].shape = Shape {
        dim: a.wide[0],
        heads: a.wide[1],
        ..o.small
    };
    o.variants[1].shape = Shape {
        layers: a.deep,
        ..o.small
    };
    o.max_train_pairs = Some(a.max_train_pairs);
    o.max_eval_pairs = Some(a.max_eval_pairs);
    o.threads = a.threads;
    o
}

pub fn run(args: Args) -> anyhow::Result<String> {
    let report = match &args.from_json {
        Some(p) => tiling::load_report(p)?,
        None => tiling::run(&options(&args))?,
    };
    if let Some(path) = &args.svg {
        let svg = tiling::loss_chart(&report)?;
        crate::output::write_atomic(path, svg.as_bytes())?;
    }
    Ok(render(&report, args.format)?)
}

#[derive(Debug, clap::Args)]
pub struct GrowArgs {
    /// A checkpoint written by `tokstat retrieval --save DIR` (DIR/<tokenizer>.safetensors,
    /// with its .json beside it).
    #[arg(long, value_name = "FILE.safetensors")]
    from: PathBuf,
    /// Hidden size of the grown encoder [default: the checkpoint's].
    #[arg(long)]
    dim: Option<usize>,
    /// Layers of the grown encoder [default: the checkpoint's].
    #[arg(long)]
    layers: Option<usize>,
    /// Attention heads of the grown encoder [default: the checkpoint's head size kept].
    #[arg(long)]
    heads: Option<usize>,
    /// Where to write the grown checkpoint (its .json is written beside it); put it in a
    /// directory as <tokenizer>.safetensors to score it with `tokstat retrieval --load DIR`.
    #[arg(long, value_name = "FILE.safetensors")]
    out: PathBuf,
}

/// Grows a saved checkpoint by weight tiling and writes the grown one.
pub fn grow(a: GrowArgs) -> anyhow::Result<String> {
    if a.out == a.from {
        bail!("--out must differ from --from (`{}`)", a.from.display());
    }
    let (enc, mut run) = Encoder::load(&a.from)?;
    let from = enc.config.clone();
    let dim = a.dim.unwrap_or(from.dim);
    let heads = a.heads.unwrap_or(dim / from.head_dim().max(1));
    let mut to =
        EncoderConfig::with_shape(from.vocab_size, dim, a.layers.unwrap_or(from.layers), heads);
    (to.global_every, to.local_window) = (from.global_every, from.local_window);
    (to.global_rope_theta, to.local_rope_theta, to.norm_eps) =
        (from.global_rope_theta, from.local_rope_theta, from.norm_eps);
    let grown = tile::grow(&enc, &to).with_context(|| format!("growing `{}`", a.from.display()))?;
    if let Some(m) = run.as_object_mut() {
        m.remove("training");
        m.insert("grown_from".into(), serde_json::json!({ "encoder": from }));
    }
    if let Some(dir) = a.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating `{}`", dir.display()))?;
    }
    grown.save(&a.out, &run)?;
    Ok(format!(
        "grew {} (d {}, {} layers, {} heads; {} parameters) to d {}, {} layers, {} heads ({} \
         parameters): {}\n",
        a.from.display(),
        from.dim,
        from.layers,
        from.heads,
        from.parameters(),
        to.dim,
        to.layers,
        to.heads,
        to.parameters(),
        a.out.display()
    ))
}
