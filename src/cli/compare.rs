//! `tokstat compare`: several tokenizers side by side on the same files.

use std::io::IsTerminal;

use anyhow::Context;

use crate::compare::{self, ColorChoice, CompareOptions, ShowLimits};
use crate::input::WalkOptions;
use crate::output::AtomicFile;
use crate::render::{Format, render};
use crate::tokenizer;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files, directories, or `-` for standard input. Directories are walked with the rules of
    /// .gitignore, .ignore and hidden files; files that cannot be read as text are skipped.
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
    /// Colour the --show view: auto (when stdout is a terminal and NO_COLOR is not set),
    /// always, or never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    color: ColorChoice,
    /// Also write a self-contained HTML page to FILE: the inputs cut into tokens by each
    /// tokenizer side by side (hover a token for its id, string and byte range), under the
    /// overview table.
    #[arg(long, value_name = "FILE")]
    html: Option<std::path::PathBuf>,
    /// Language of every input (python, rust, go, java, javascript, typescript, c_cpp, php,
    /// ruby, yaml, makefile, or text), instead of guessing from file names.
    #[arg(long)]
    lang: Option<String>,
    /// Replace invalid UTF-8 with U+FFFD instead of failing (or skipping).
    #[arg(long)]
    lossy: bool,
    /// Fail at the first file found in a directory that cannot be read as text, instead of
    /// skipping it.
    #[arg(long)]
    strict: bool,
    /// Read every file below the directories: no .gitignore/.ignore rules, hidden files
    /// included (version-control folders such as .git are still left out).
    #[arg(long)]
    no_ignore: bool,
    /// Write one JSON line per analysed input (path, language, bytes, chunks, tokens per
    /// tokenizer) to FILE.
    #[arg(long, value_name = "FILE")]
    per_file: Option<std::path::PathBuf>,
    /// Chunk size in bytes for reading large files (cut at line boundaries).
    #[arg(long, default_value_t = compare::DEFAULT_CHUNK_BYTES, hide = true)]
    chunk_bytes: usize,
}

pub fn run(args: Args) -> anyhow::Result<String> {
    if args.show && args.format == Format::Json {
        anyhow::bail!("--show prints the text itself and cannot be combined with --format json");
    }
    let (lang, text_only) = compare::parse_lang_option(args.lang.as_deref())?;
    let opts = CompareOptions {
        paths: args.paths,
        tokenizers: tokenizer::split_specs(&args.tokenizers),
        lang,
        text_only,
        lossy: args.lossy,
        chunk_bytes: args.chunk_bytes.max(1),
        show: args.show || args.html.is_some(),
        show_limits: if args.html.is_some() {
            ShowLimits::HTML
        } else {
            ShowLimits::TERMINAL
        },
        progress: std::io::stderr().is_terminal(),
        walk: WalkOptions {
            no_ignore: args.no_ignore,
            max_depth: None,
        },
        strict: args.strict,
        cancel: Some(super::interrupt_flag()),
    };
    let toks = compare::load_tokenizers(&opts)?;
    let mut report = match &args.per_file {
        None => compare::compare_with(&opts, &toks)?,
        Some(path) => {
            let mut file = AtomicFile::create(path)?;
            let report = compare::compare_streaming(&opts, &toks, &mut |row| {
                let mut line = serde_json::to_vec(row)?;
                line.push(b'\n');
                file.write_all(&line)
            })?;
            file.commit()?;
            report
        }
    };
    if let Some(path) = &args.html {
        write_html(path, &report)?;
    }
    let mut out = String::new();
    if args.show {
        let no_color = std::env::var_os("NO_COLOR");
        let color = args
            .color
            .enabled(std::io::stdout().is_terminal(), no_color.as_deref());
        out.push_str(&compare::render_show(
            &report.show,
            color,
            compare::SHOW_BYTES,
        ));
    }
    report.show.clear();
    out.push_str(&render(&report, args.format)?);
    Ok(out)
}

/// Writes the `--html` page atomically.
fn write_html(path: &std::path::Path, report: &compare::CompareReport) -> anyhow::Result<()> {
    let page = crate::html::compare_page(report);
    crate::output::write_atomic(path, page.as_bytes())
        .with_context(|| format!("writing --html {}", path.display()))
}
