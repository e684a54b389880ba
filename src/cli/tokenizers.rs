//! `tokstat tokenizers`: the bundled tokenizers.

use serde::Serialize;

use crate::report::{self, Cell, Format, Table};
use crate::tokenizer::{self, Algorithm, BUNDLED, VocabSize};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Serialize)]
struct Entry {
    name: &'static str,
    aliases: &'static [&'static str],
    algorithm: Algorithm,
    vocab_size: VocabSize,
    description: &'static str,
    source: &'static str,
    license: &'static str,
}

pub fn run(args: Args) -> anyhow::Result<String> {
    use rayon::prelude::*;
    let entries = BUNDLED
        .par_iter()
        .map(|b| {
            let t = tokenizer::load(b.name)?;
            Ok::<_, crate::Error>(Entry {
                name: b.name,
                aliases: b.aliases,
                algorithm: t.algorithm(),
                vocab_size: t.vocab_size(),
                description: b.description,
                source: b.origin,
                license: b.license,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut t = Table::new(
        "Bundled tokenizers",
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
        ],
    );
    for e in &entries {
        t.row(vec![
            Cell::text(e.name),
            Cell::text(e.aliases.join(", ")),
            Cell::text(e.algorithm.to_string()),
            Cell::count(e.vocab_size.total),
            Cell::count(e.vocab_size.regular),
            Cell::count(e.vocab_size.added),
            Cell::count(e.vocab_size.special),
            Cell::text(e.source),
            Cell::text(e.license),
        ]);
    }
    t.note("vocab = ids the embedding matrix needs (max id + 1); added = added tokens outside the model vocabulary, of which special = flagged special.");
    t.note("Any path to a tokenizer.json also works wherever a tokenizer name is taken (-t ./tokenizer.json).");
    Ok(report::render(&entries, &[t], args.format)?)
}
