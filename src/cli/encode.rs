//! `tokstat encode`: token ids, strings and byte offsets.

use std::path::PathBuf;

use anyhow::{Context, bail};
use serde::Serialize;

use crate::input::InputSource;
use crate::report::{self, Cell, Format, Table, visible_whitespace};
use crate::tokenizer;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tokenizer name, alias or path to a tokenizer.json; repeat or separate with commas.
    #[arg(short = 't', long = "tokenizer", required = true)]
    tokenizers: Vec<String>,
    /// Add the post-processor's special tokens ([CLS]/[SEP], <s>/</s>).
    #[arg(long)]
    special: bool,
    /// Read the text from a file (verbatim, byte for byte).
    #[arg(long, conflicts_with = "text")]
    file: Option<PathBuf>,
    /// Replace invalid UTF-8 with U+FFFD instead of failing.
    #[arg(long)]
    lossy: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// The text to encode; `-` reads standard input.
    text: Option<String>,
}

/// The JSON contract of `tokstat encode`.
#[derive(Debug, Serialize)]
struct EncodeOutput {
    tokenizer: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    ids: Vec<u32>,
    tokens: Vec<String>,
    offsets: Vec<(usize, usize)>,
}

pub fn run(args: Args) -> anyhow::Result<String> {
    let text = match (&args.file, args.text.as_deref()) {
        (Some(p), None) => InputSource::File(p.clone()).read_text(args.lossy)?,
        (None, Some("-")) => InputSource::Stdin.read_text(args.lossy)?,
        (None, Some(t)) => t.to_string(),
        (None, None) => bail!("nothing to encode: give TEXT, --file PATH, or - for standard input"),
        (Some(_), Some(_)) => bail!("give either TEXT or --file, not both"),
    };
    let specs = tokenizer::split_specs(&args.tokenizers);
    let toks = tokenizer::load_many(&specs)?;
    let mut outputs = Vec::with_capacity(toks.len());
    for t in &toks {
        let enc = t
            .encode(&text, args.special)
            .with_context(|| format!("encoding with {}", t.name()))?;
        outputs.push(EncodeOutput {
            tokenizer: t.name().to_string(),
            path: t.path().map(|p| p.display().to_string()),
            ids: enc.ids,
            tokens: enc.tokens,
            offsets: enc.offsets,
        });
    }
    if args.format == Format::Json {
        let s = if outputs.len() == 1 {
            serde_json::to_string(&outputs[0])?
        } else {
            serde_json::to_string(&outputs)?
        };
        return Ok(s + "\n");
    }
    let tables: Vec<Table> = outputs
        .iter()
        .map(|o| {
            let mut t = Table::new(
                format!("{}: {} tokens", o.tokenizer, o.ids.len()),
                ["#", "id", "token", "start", "end", "text"],
            );
            for (i, ((id, tok), (s, e))) in o.ids.iter().zip(&o.tokens).zip(&o.offsets).enumerate()
            {
                t.row(vec![
                    Cell::count(i),
                    Cell::text(id.to_string()),
                    Cell::text(visible_whitespace(tok)),
                    Cell::count(*s),
                    Cell::count(*e),
                    Cell::text(visible_whitespace(text.get(*s..*e).unwrap_or(""))),
                ]);
            }
            t
        })
        .collect();
    Ok(report::render(&outputs, &tables, args.format)?)
}
