//! `tokstat encode`: token ids, strings and byte offsets.

use std::path::PathBuf;

use std::io::Write;

use anyhow::{Context, bail};
use serde::Serialize;

use crate::analysis::text::is_byte_fallback;
use crate::compare::{self, ShowBlock};
use crate::input::InputSource;
use crate::render::{Cell, Format, Table, TextFormat, visible_whitespace};
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
    /// Output format; `html` is a self-contained page of the tokens (hover a token for its id,
    /// string and byte range).
    #[arg(long, value_enum, default_value_t = EncodeFormat::Table)]
    format: EncodeFormat,
    /// The text to encode; `-` reads standard input.
    text: Option<String>,
}

/// The output formats of `encode`: the table formats, JSON, and an HTML page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum EncodeFormat {
    /// Aligned terminal tables.
    Table,
    /// One JSON object per tokenizer (an array for several).
    Json,
    /// Comma-separated values.
    Csv,
    /// GitHub-flavoured Markdown tables.
    Markdown,
    /// A self-contained HTML page (see `tokstat compare --html`).
    Html,
}

impl EncodeFormat {
    /// The table format, or `None` for HTML.
    fn table_format(self) -> Option<Format> {
        match self {
            EncodeFormat::Table => Some(Format::Table),
            EncodeFormat::Json => Some(Format::Json),
            EncodeFormat::Csv => Some(Format::Csv),
            EncodeFormat::Markdown => Some(Format::Markdown),
            EncodeFormat::Html => None,
        }
    }
}

/// The encoding of the text by one tokenizer.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(super) struct EncodeOutput {
    /// Tokenizer name (bundled name, repository id, or the file's directory or name).
    tokenizer: String,
    /// The file it was loaded from; absent for bundled tokenizers.
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    /// Token ids, in order.
    ids: Vec<u32>,
    /// The token strings of the vocabulary (`Ġ`, `▁`, `##` spellings kept), one per id.
    tokens: Vec<String>,
    /// Byte offsets `[start, end)` of each token in the UTF-8 text, one per id.
    offsets: Vec<(usize, usize)>,
}

/// The JSON contract of `tokstat encode`: one object for one tokenizer, an array of them (in
/// the order given) for several. Written as it goes, never held whole; only the schema uses
/// this type.
#[derive(schemars::JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub(super) enum EncodeJson {
    /// One tokenizer.
    One(EncodeOutput),
    /// Several tokenizers.
    Many(Vec<EncodeOutput>),
}

/// Rows per rendered table block: a long encoding is printed in blocks of this many tokens, so
/// that the output is never held in memory whole.
const ROWS_PER_BLOCK: usize = 20_000;

/// Encodes the text with each tokenizer in turn and writes the result to `out` as it goes: one
/// tokenizer's encoding is held at a time, and tables are rendered in blocks of
/// [`ROWS_PER_BLOCK`] rows.
pub fn run(args: Args, out: &mut dyn Write) -> anyhow::Result<()> {
    let text = match (&args.file, args.text.as_deref()) {
        (Some(p), None) => InputSource::File(p.clone()).read_text(args.lossy)?,
        (None, Some("-")) => InputSource::Stdin.read_text(args.lossy)?,
        (None, Some(t)) => t.to_string(),
        (None, None) => bail!("nothing to encode: give TEXT, --file PATH, or - for standard input"),
        (Some(_), Some(_)) => bail!("give either TEXT or --file, not both"),
    };
    let specs = tokenizer::split_specs(&args.tokenizers);
    let toks = tokenizer::load_many(&specs)?;
    let Some(format) = args.format.table_format() else {
        let label = match (&args.file, args.text.as_deref()) {
            (Some(p), _) => p.display().to_string(),
            (None, Some("-")) => "-".to_string(),
            _ => "text".to_string(),
        };
        return write_html(&toks, &label, &text, args.special, out);
    };
    let json_array = format == Format::Json && toks.len() > 1;
    if json_array {
        out.write_all(b"[")?;
    }
    for (k, t) in toks.iter().enumerate() {
        let enc = tokenizer::chunked::encode_in_pieces(
            t.as_ref(),
            &text,
            args.special,
            tokenizer::chunked::CHUNK_BYTES,
        )
        .with_context(|| format!("encoding with {}", t.name()))?;
        let output = EncodeOutput {
            tokenizer: t.name().to_string(),
            path: t.path().map(|p| p.display().to_string()),
            ids: enc.ids,
            tokens: enc.tokens,
            offsets: enc.offsets,
        };
        match format.text() {
            None => {
                if json_array && k > 0 {
                    out.write_all(b",")?;
                }
                serde_json::to_writer(&mut *out, &output)?;
            }
            Some(table_format) => {
                if k > 0 {
                    out.write_all(b"\n")?;
                }
                write_tables(&output, &text, table_format, out)?;
            }
        }
    }
    if json_array {
        out.write_all(b"]")?;
    }
    if format == Format::Json {
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes one encoding as tables of at most [`ROWS_PER_BLOCK`] rows.
fn write_tables(
    o: &EncodeOutput,
    text: &str,
    format: TextFormat,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let n = o.ids.len();
    let blocks = n.div_ceil(ROWS_PER_BLOCK).max(1);
    for b in 0..blocks {
        let rows = b * ROWS_PER_BLOCK..((b + 1) * ROWS_PER_BLOCK).min(n);
        let title = if blocks == 1 {
            format!("{}: {} tokens", o.tokenizer, n)
        } else {
            format!(
                "{}: {} tokens, #{} to #{}",
                o.tokenizer,
                n,
                rows.start,
                rows.end - 1
            )
        };
        let mut t = Table::new(title, ["#", "id", "token", "start", "end", "text"]);
        for i in rows {
            let (s, e) = o.offsets[i];
            t.row(vec![
                Cell::count(i),
                Cell::text(o.ids[i].to_string()),
                Cell::text(visible_whitespace(&o.tokens[i])),
                Cell::count(s),
                Cell::count(e),
                Cell::text(visible_whitespace(text.get(s..e).unwrap_or(""))),
            ]);
        }
        if b > 0 {
            out.write_all(b"\n")?;
        }
        out.write_all(t.render(format).as_bytes())?;
    }
    Ok(())
}

/// Writes the HTML page (`--format html`): a count table and each tokenizer's tokens of the
/// first [`compare::HTML_BYTES`] of the text.
fn write_html(
    toks: &[std::sync::Arc<dyn tokenizer::Tokenizer>],
    label: &str,
    text: &str,
    special: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let mut counts = Table::new(
        "Tokens",
        ["tokenizer", "tokens", "bytes", "unk", "byte fallback"],
    );
    let mut blocks = Vec::with_capacity(toks.len());
    for t in toks {
        let enc = tokenizer::chunked::encode_in_pieces(
            t.as_ref(),
            text,
            special,
            tokenizer::chunked::CHUNK_BYTES,
        )
        .with_context(|| format!("encoding with {}", t.name()))?;
        let block =
            ShowBlock::from_encoding(label, t.name(), text, &enc, t.unk_id(), compare::HTML_BYTES);
        let unk = enc.ids.iter().filter(|&&id| Some(id) == t.unk_id()).count();
        let fallback = enc.tokens.iter().filter(|x| is_byte_fallback(x)).count();
        counts.row(vec![
            Cell::text(t.name()),
            Cell::count(enc.len()),
            Cell::count(text.len()),
            Cell::count(unk),
            Cell::count(fallback),
        ]);
        blocks.push(block);
    }
    let note = format!(
        "Shown: at most {} bytes of text; the token counts are for the whole text. Byte ranges \
         are [start, end) offsets into the text, as --format json gives them.",
        crate::render::group_thousands(compare::HTML_BYTES as i128)
    );
    let page = crate::html::render_page("tokstat encode: tokens", &[counts], &[note], &blocks);
    out.write_all(page.as_bytes())?;
    Ok(())
}
