//! `tokstat tokenizers`: the bundled tokenizers, or the ones named.

use serde::Serialize;

use crate::render::{Cell, Format, Render, Table, render};
use crate::tokenizer::{
    self, Algorithm, BUNDLED, HfTokenizer, ServingSettings, Tokenizer, VocabSize, hub_cache,
};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tokenizers to describe (names, aliases or paths to a tokenizer.json; commas allowed).
    /// Without any, every bundled tokenizer is listed, then those of the local Hugging Face
    /// cache.
    tokenizers: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

/// One row of `tokstat tokenizers` (the JSON contract).
#[derive(Debug, Serialize, schemars::JsonSchema)]
struct Entry {
    /// Tokenizer name (bundled name, repository id of the Hugging Face cache, or the file's
    /// directory or name).
    name: String,
    /// The file, for tokenizers given by path.
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    /// Other names a bundled tokenizer answers to.
    aliases: &'static [&'static str],
    /// The model's algorithm.
    algorithm: Algorithm,
    /// Ids the embedding matrix needs rows for (max id + 1, added tokens included): the same
    /// integer as `vocab_size` in every other command.
    vocab_size: usize,
    /// How `vocab_size` splits into the model's own pieces and added tokens.
    vocab_split: VocabSplit,
    /// Truncation and padding settings of the file, turned off at load.
    ignored_settings: ServingSettings,
    /// What the bundled tokenizer is; `""` for others.
    description: &'static str,
    /// Where the bundled file comes from; `""` for others.
    source: &'static str,
    /// The bundled file's license; `""` for others.
    license: &'static str,
}

/// The split of a vocabulary: `regular + added` ids (ids without a token aside).
#[derive(Debug, Serialize, schemars::JsonSchema)]
struct VocabSplit {
    /// Tokens of the model's own vocabulary (BPE/unigram pieces, tiktoken ranks).
    regular: usize,
    /// Added tokens outside the model vocabulary (includes `special`).
    added: usize,
    /// Added tokens flagged special.
    special: usize,
}

impl From<VocabSize> for VocabSplit {
    fn from(v: VocabSize) -> Self {
        VocabSplit {
            regular: v.regular,
            added: v.added,
            special: v.special,
        }
    }
}

impl Entry {
    fn new(t: &dyn Tokenizer) -> Self {
        let bundled = tokenizer::find_bundled(t.name()).filter(|_| t.path().is_none());
        Entry {
            name: t.name().to_string(),
            path: t.path().map(|p| p.display().to_string()),
            aliases: bundled.map_or(&[], |b| b.aliases),
            algorithm: t.algorithm(),
            vocab_size: t.vocab_size().total,
            vocab_split: VocabSplit::from(t.vocab_size()),
            ignored_settings: t.serving_settings(),
            description: bundled.map_or("", |b| b.description),
            source: bundled.map_or("", |b| b.origin),
            license: bundled.map_or("", |b| b.license),
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<String> {
    let specs = tokenizer::split_specs(&args.tokenizers);
    let listing = specs.is_empty();
    let specs: Vec<String> = if listing {
        BUNDLED.iter().map(|b| b.name.to_string()).collect()
    } else {
        specs
    };
    let mut entries: Vec<Entry> = tokenizer::load_many(&specs)?
        .iter()
        .map(|t| Entry::new(t.as_ref()))
        .collect();
    if listing {
        entries.extend(cached_entries()?);
    }
    Ok(render(&Listing(entries), args.format)?)
}

/// The tokenizers of the local Hugging Face cache, named by their repository id. A cached file
/// that does not load is left out with a warning naming it.
fn cached_entries() -> anyhow::Result<Vec<Entry>> {
    use rayon::prelude::*;
    let Some(cache) = hub_cache::cache_dir() else {
        return Ok(Vec::new());
    };
    let loaded: Vec<Option<Entry>> = hub_cache::cached_tokenizers(&cache)
        .par_iter()
        .map(
            |(repo, file)| match HfTokenizer::from_file_named(file, repo) {
                Ok(t) => Some(Entry::new(&t)),
                Err(e) => {
                    eprintln!("warning: {repo} in the Hugging Face cache left out: {e}");
                    None
                }
            },
        )
        .collect();
    Ok(loaded.into_iter().flatten().collect())
}

/// The tokenizers listed: a JSON array of entries, one table.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(transparent)]
pub(super) struct Listing(Vec<Entry>);

impl Render for Listing {
    fn tables(&self) -> Vec<Table> {
        vec![table(&self.0)]
    }
}

fn table(entries: &[Entry]) -> Table {
    let title = if entries.iter().all(|e| e.path.is_none()) {
        "Bundled tokenizers"
    } else {
        "Tokenizers (bundled, named, or in the local Hugging Face cache)"
    };
    let mut t = Table::new(
        title,
        [
            "name",
            "aliases",
            "algorithm",
            "vocab",
            "regular",
            "added",
            "special",
            "source",
            "license",
            "ignored settings",
        ],
    );
    for e in entries {
        t.row(vec![
            Cell::text(&e.name),
            Cell::text(e.aliases.join(", ")),
            Cell::text(e.algorithm.to_string()),
            Cell::count(e.vocab_size),
            Cell::count(e.vocab_split.regular),
            Cell::count(e.vocab_split.added),
            Cell::count(e.vocab_split.special),
            Cell::text(e.path.as_deref().unwrap_or(e.source)),
            Cell::text(e.license),
            Cell::text(e.ignored_settings.to_string()),
        ]);
    }
    t.note("vocab = ids the embedding matrix needs (max id + 1); added = added tokens outside the model vocabulary, of which special = flagged special.");
    t.note("Any path to a tokenizer.json also works wherever a tokenizer name is taken (-t ./tokenizer.json). Its truncation and padding are turned off: tokstat measures the tokenizer, not a model's input window.");
    t
}
