//! `tokstat compare`: several tokenizers side by side on the same files.

use std::io::IsTerminal;

use anyhow::Context;

use crate::analysis::identifiers::{LANGS, Lang};
use crate::compare::{self, CompareOptions};
use crate::report::{self, Format};
use crate::tokenizer;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files, directories (recursed; VCS/build folders and binary files skipped), or `-` for
    /// standard input.
    #[arg(required = true)]
    paths: Vec<String>,
    /// Tokenizer names, aliases or tokenizer.json paths; repeat or separate with commas
    /// [default: modernbert,xlm-roberta,roberta].
    #[arg(short = 't', long = "tokenizer")]
    tokenizers: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Print the text cut into tokens, once per tokenizer, before the tables.
    #[arg(long)]
    show: bool,
    /// Language of every input (python, rust, go, java, javascript, typescript, c_cpp, php,
    /// ruby, yaml, makefile, or text), instead of guessing from file names.
    #[arg(long)]
    lang: Option<String>,
    /// Replace invalid UTF-8 with U+FFFD instead of failing.
    #[arg(long)]
    lossy: bool,
    /// Chunk size in bytes for reading large files (cut at line boundaries).
    #[arg(long, default_value_t = compare::DEFAULT_CHUNK_BYTES, hide = true)]
    chunk_bytes: usize,
}

pub fn run(args: Args) -> anyhow::Result<String> {
    if args.show && args.format == Format::Json {
        anyhow::bail!("--show prints the text itself and cannot be combined with --format json");
    }
    let lang = match args.lang.as_deref() {
        None | Some("text") => None,
        Some(l) => Some(Lang::parse(l).with_context(|| {
            let known: Vec<&str> = LANGS.iter().map(|l| l.name()).collect();
            format!("unknown language `{l}`; known: {}, text", known.join(", "))
        })?),
    };
    let opts = CompareOptions {
        paths: args.paths,
        tokenizers: tokenizer::split_specs(&args.tokenizers),
        lang,
        text_only: args.lang.as_deref() == Some("text"),
        lossy: args.lossy,
        chunk_bytes: args.chunk_bytes.max(1),
        show: args.show,
        progress: std::io::stderr().is_terminal(),
    };
    let mut report = compare::compare(&opts)?;
    let mut out = String::new();
    if args.show {
        let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        out.push_str(&compare::render_show(&report.show, color));
        report.show.clear();
    }
    out.push_str(&report::render(&report, &report.tables(), args.format)?);
    Ok(out)
}
