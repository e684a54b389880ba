//! `tokstat vocab`: what a vocabulary holds, which of its ids no text can produce, and how many
//! parameters that wastes.
//!
//! [`audit`] takes [`VocabOptions`] and returns a [`VocabReport`], one [`TokenizerVocab`] per
//! tokenizer:
//! - composition: regular / added / special / unused placeholder ids, token lengths in bytes
//!   and chars, Unicode scripts, whitespace-only tokens and the runs they cover, word-start,
//!   digit and code-like tokens (rules in [`token`]);
//! - reachability of every id (Land & Bartolo 2024, see [`reachability`]);
//! - overlap of surface forms between the selected vocabularies (count and Jaccard);
//! - with a corpus: utilization, Rényi efficiency (α = 2.5) and the most frequent tokens;
//! - with a model: the dead budget, (unreachable + unused ids) × hidden size.
//!
//! ```no_run
//! use tokstat::vocab::{VocabOptions, audit};
//!
//! let report = audit(&VocabOptions {
//!     tokenizers: vec!["roberta".into()],
//!     ..VocabOptions::default()
//! })?;
//! let r = &report.tokenizers[0].reachability;
//! assert_eq!(r.total(), 50_265);
//! # Ok::<(), tokstat::Error>(())
//! ```

pub mod corpus;
pub mod dead;
mod partial;
pub mod reachability;
mod tables;
pub mod token;

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

use crate::tokenizer::{self, Tokenizer};
use crate::{Error, Result};

pub use dead::DeadBudget;
pub use partial::{CorpusEntry, VocabPartial, plan};
pub use reachability::{Probe, Reachability};
pub use token::{CodeShape, TokenKind, VocabToken, WhitespaceShape};

/// What to audit.
#[derive(Debug, Clone)]
pub struct VocabOptions {
    /// Tokenizer names, aliases or paths to `tokenizer.json` files.
    pub tokenizers: Vec<String>,
    /// Model presets or `config.json` paths for the dead budget: none, or one per tokenizer in
    /// the same order.
    pub models: Vec<String>,
    /// Corpus files or directories for utilization and Rényi efficiency (empty: skipped).
    pub corpus: Vec<PathBuf>,
    /// Examples listed per reachability class and most-frequent tokens listed per corpus.
    pub examples: usize,
    /// How corpus directories are walked (`--no-ignore`).
    pub walk: crate::input::WalkOptions,
}

impl Default for VocabOptions {
    fn default() -> Self {
        VocabOptions {
            tokenizers: tokenizer::DEFAULT_TRIO
                .iter()
                .map(|s| s.to_string())
                .collect(),
            models: Vec::new(),
            corpus: Vec::new(),
            examples: 5,
            walk: crate::input::WalkOptions::default(),
        }
    }
}

impl VocabOptions {
    /// The options behind `reports/vocabulary.md`: ModernBERT, XLM-R and RoBERTa with the
    /// models of the published comparison (modernbert-large, jina-xlm-roberta, roberta-large),
    /// the bundled code and multilingual corpora (paths relative to the repository root), and
    /// 5 examples.
    pub fn report() -> VocabOptions {
        VocabOptions {
            tokenizers: tokenizer::DEFAULT_TRIO
                .iter()
                .map(|s| s.to_string())
                .collect(),
            models: ["modernbert-large", "jina-xlm-roberta", "roberta-large"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            corpus: vec![
                PathBuf::from("corpora/code"),
                PathBuf::from("corpora/multilingual"),
            ],
            examples: 5,
            walk: crate::input::WalkOptions::default(),
        }
    }
}

/// The audit of every tokenizer. Serialises as a JSON array with one object per tokenizer.
#[derive(Debug, Clone)]
pub struct VocabReport {
    /// One entry per tokenizer, in the order given.
    pub tokenizers: Vec<TokenizerVocab>,
    /// Warnings for the user (e.g. a config whose vocab_size disagrees with the tokenizer);
    /// the command line prints them on stderr. Not part of the JSON.
    pub warnings: Vec<String>,
}

impl Serialize for VocabReport {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.tokenizers.serialize(s)
    }
}

/// The schema of the JSON array [`VocabReport`] serialises as.
impl schemars::JsonSchema for VocabReport {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "VocabReport".into()
    }

    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut s = <Vec<TokenizerVocab>>::json_schema(g);
        s.insert(
            "description".into(),
            "One object per tokenizer, in the order given.".into(),
        );
        s
    }
}

/// The audit of one tokenizer (one element of the JSON array).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TokenizerVocab {
    /// Tokenizer name (bundled name, or the directory or file name of a `tokenizer.json`).
    pub name: String,
    /// The `tokenizer.json` it was loaded from; absent for bundled tokenizers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Truncation and padding settings of the file, turned off at load.
    pub ignored_settings: crate::tokenizer::ServingSettings,
    /// Number of ids (max id + 1, added tokens included): the rows of the embedding matrix.
    pub vocab_size: usize,
    /// Ids by kind.
    pub composition: Composition,
    /// Token lengths.
    pub lengths: Lengths,
    /// Tokens by Unicode script, most frequent first.
    pub scripts: Vec<ScriptCount>,
    /// Whitespace-only tokens.
    pub whitespace: WhitespaceTokens,
    /// Tokens that begin a word: a surface of a space followed by a non-space (vocabulary
    /// spelling with a leading `Ġ` or `▁`), or for WordPiece a piece without the `##`
    /// continuation prefix.
    pub word_start: usize,
    /// Digit-only tokens.
    pub digits: DigitTokens,
    /// Tokens that look like code.
    pub code_like: CodeTokens,
    /// Ids per reachability class; the classes add up to `vocab_size`.
    pub reachability: ReachabilityCounts,
    /// The prefix the ids were tested behind (`«` for tokenizers that prepend a word-start
    /// marker), or null.
    pub reachability_prefix: Option<String>,
    /// Up to `examples` ids of each class other than reachable and special.
    pub reachability_examples: Vec<ReachabilityExample>,
    /// Why the unreachable ids (single + multi) do not come back; adds up to their number.
    pub unreachable_causes: UnreachableCauses,
    /// Shared surface forms with each other selected tokenizer.
    pub overlap: Vec<Overlap>,
    /// Use on the corpus, if one was given.
    pub corpus: Option<CorpusUse>,
    /// Parameters spent on ids that are never selected, if a model was given.
    pub dead_budget: Option<DeadBudget>,
}

/// Ids by kind ([`TokenKind`]); the fields add up to `vocab_size`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Composition {
    /// Pieces of the model's own vocabulary.
    pub regular: usize,
    /// Added tokens that are not special and not placeholders.
    pub added: usize,
    /// Special tokens.
    pub special: usize,
    /// Placeholders reserved without meaning (`[unused0]`, `madeupword0000`).
    pub unused: usize,
    /// Ids without a token.
    pub absent: usize,
}

/// One histogram bucket: tokens whose length is in `min..=max` (`max` null: no upper bound).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct LengthBucket {
    /// Smallest length in the bucket.
    pub min: usize,
    /// Largest length in the bucket, or null for the open last bucket.
    pub max: Option<usize>,
    /// Number of tokens.
    pub count: usize,
}

/// Length distribution of the non-special tokens (regular, added, unused), measured on their
/// surface: the bytes they stand for (a `Ġ`/`▁` marker counts as the one space byte it stands
/// for) and the chars (Unicode scalar values) of that text.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Lengths {
    /// Tokens counted.
    pub tokens: usize,
    /// Histogram of byte lengths.
    pub bytes: Vec<LengthBucket>,
    /// Histogram of char lengths (tokens that are valid UTF-8 only).
    pub chars: Vec<LengthBucket>,
    /// Tokens that are not valid UTF-8 (part of a character), left out of `chars`.
    pub partial_utf8: usize,
    /// Mean byte length.
    pub mean_bytes: f64,
    /// Mean char length over the valid-UTF-8 tokens.
    pub mean_chars: f64,
    /// Longest token in bytes.
    pub max_bytes: usize,
}

/// Tokens of one script (rule: [`token::token_script`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ScriptCount {
    /// Unicode script name, `Common`, `Mixed` or `partial UTF-8`.
    pub script: String,
    /// Number of non-special tokens.
    pub count: usize,
}

/// Whitespace-only tokens (every char Unicode `White_Space`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct WhitespaceTokens {
    /// Number of whitespace-only tokens.
    pub tokens: usize,
    /// Run lengths `n` for which a token of exactly `n` spaces exists, ascending.
    pub space_runs: Vec<usize>,
    /// Run lengths of tab-only tokens.
    pub tab_runs: Vec<usize>,
    /// Run lengths of newline-only (`\n`) tokens.
    pub newline_runs: Vec<usize>,
    /// Whitespace-only tokens that mix kinds (`\n   `, `\r\n`).
    pub mixed: usize,
    /// The space run lengths whose token is reachable (or produced in context, see
    /// [`UnreachableCauses::produced_in_context`]): the runs the tokenizer really encodes as one
    /// token.
    pub reachable_space_runs: Vec<usize>,
    /// Tab run lengths whose token is reachable.
    pub reachable_tab_runs: Vec<usize>,
    /// Newline run lengths whose token is reachable.
    pub reachable_newline_runs: Vec<usize>,
}

/// Digit-only tokens (rule: [`token::digit_run`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct DigitTokens {
    /// Number of digit-only tokens.
    pub tokens: usize,
    /// Count per number of digits, ascending.
    pub by_length: Vec<DigitLength>,
}

/// Digit tokens with one number of digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct DigitLength {
    /// Number of digits.
    pub digits: usize,
    /// Number of tokens.
    pub count: usize,
}

/// Code-like tokens by rule ([`CodeShape`]); each token is counted under the first rule that
/// matches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct CodeTokens {
    /// Tokens matching any rule.
    pub tokens: usize,
    /// Indentation runs.
    pub indentation: usize,
    /// Operator and punctuation clusters.
    pub operator: usize,
    /// snake_case / camelCase identifiers.
    pub identifier: usize,
    /// Alphanumerics mixed with code symbols.
    pub code_mixed: usize,
}

/// Ids per reachability class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ReachabilityCounts {
    /// `encode(decode([v])) == [v]`.
    pub reachable: usize,
    /// Re-encodes to one other id.
    pub unreachable_single: usize,
    /// Re-encodes to zero or several ids.
    pub unreachable_multi: usize,
    /// Decoded text holds U+FFFD (part of a UTF-8 character).
    pub undecodable: usize,
    /// Special tokens (not tested).
    pub special: usize,
    /// Ids without a token (tiktoken holes); 0 for `tokenizer.json` files.
    pub absent: usize,
}

impl ReachabilityCounts {
    /// The count of one class.
    pub fn get(&self, c: Reachability) -> usize {
        match c {
            Reachability::Reachable => self.reachable,
            Reachability::UnreachableSingle => self.unreachable_single,
            Reachability::UnreachableMulti => self.unreachable_multi,
            Reachability::Undecodable => self.undecodable,
            Reachability::Special => self.special,
            Reachability::Absent => self.absent,
        }
    }

    fn add(&mut self, c: Reachability) {
        let slot = match c {
            Reachability::Reachable => &mut self.reachable,
            Reachability::UnreachableSingle => &mut self.unreachable_single,
            Reachability::UnreachableMulti => &mut self.unreachable_multi,
            Reachability::Undecodable => &mut self.undecodable,
            Reachability::Special => &mut self.special,
            Reachability::Absent => &mut self.absent,
        };
        *slot += 1;
    }

    /// Sum over all classes (equals the vocabulary size).
    pub fn total(&self) -> usize {
        Reachability::ALL.iter().map(|&c| self.get(c)).sum()
    }

    /// Unreachable ids (single + multi).
    pub fn unreachable(&self) -> usize {
        self.unreachable_single + self.unreachable_multi
    }
}

/// Why unreachable ids (single + multi) do not come back, one cause per id, tested in this
/// order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct UnreachableCauses {
    /// The token is an unused placeholder (`madeupword0000`): no text is meant to produce it.
    pub placeholder: usize,
    /// Its text re-encodes to, or through, an added or special token, which is matched before
    /// the model runs (OLMo's added space runs shadow the merged `ĠĠ…` tokens).
    pub shadowed_by_added_token: usize,
    /// Its text re-encodes to nothing: the normalizer or pre-tokenizer removes it (a control
    /// char, a bare `▁`).
    pub normalized_away: usize,
    /// The pre-tokenizer or the model splits its text differently: a BPE merge that
    /// pre-tokenization never lets happen, a unigram piece whose score loses to a split.
    pub split: usize,
    /// Not a cause, and not part of the sum: of the unreachable ids, those that some text does
    /// produce: they occur in the re-encoding of another unreachable id's text (XLM-R's bare `▁`
    /// in `« ’` → `▁«` `▁` `’`), or in the encoding of their own text followed by `»`
    /// ([`CONTEXT_SUFFIX`]; XLM-R strips a final U+0085 but keeps it before other text). They
    /// are not counted as dead.
    pub produced_in_context: usize,
}

/// One id that does not come back from its own text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ReachabilityExample {
    /// Its class.
    pub class: Reachability,
    /// The id.
    pub id: u32,
    /// The vocabulary's spelling.
    pub token: String,
    /// The decoded text (behind the prefix, prefix removed).
    pub text: String,
    /// The ids the text encodes to.
    pub reencoded_ids: Vec<u32>,
    /// Their spellings.
    pub reencoded_tokens: Vec<String>,
}

/// Shared surface forms with another vocabulary.
///
/// Surface forms: the bytes each non-special token stands for, with `Ġ`/`▁` mapped to a space
/// (so `Ġthe` and `▁the` are the same form). Jaccard = shared / |A ∪ B|.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Overlap {
    /// The other tokenizer.
    pub with: String,
    /// Distinct surface forms in this vocabulary.
    pub forms: usize,
    /// Distinct surface forms in the other.
    pub other_forms: usize,
    /// Forms in both.
    pub shared: usize,
    /// shared / (forms + other_forms − shared).
    pub jaccard: f64,
}

/// Vocabulary use on a corpus (texts encoded without special tokens).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CorpusUse {
    /// Files read.
    pub files: usize,
    /// Tokens produced.
    pub tokens: u64,
    /// Distinct ids produced.
    pub used_ids: usize,
    /// used_ids / vocab_size.
    pub utilization: f64,
    /// α of the Rényi entropy (2.5).
    pub renyi_alpha: f64,
    /// Rényi entropy H_α of the unigram id distribution, in bits.
    pub renyi_entropy: f64,
    /// H_α / log2(vocab_size) (Zouhar et al. 2023).
    pub renyi_efficiency: f64,
    /// The most frequent ids.
    pub top: Vec<TokenFrequency>,
}

/// One frequent token.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct TokenFrequency {
    /// The id.
    pub id: u32,
    /// The vocabulary's spelling.
    pub token: String,
    /// The text it stands for (bytes that are not UTF-8 on their own written `<E0>`).
    pub text: String,
    /// Occurrences.
    pub count: u64,
    /// count / tokens.
    pub share: f64,
}

/// A loaded tokenizer, with its added tokens when it is an HF `tokenizer.json`.
struct Loaded {
    tok: Arc<dyn Tokenizer>,
    added: Vec<(u32, String, bool)>,
}

/// Loads a tokenizer (bundled name, alias or `tokenizer.json` path) and reads every id of its
/// vocabulary (`vocab[id]`).
pub fn load_vocab(spec: &str) -> Result<(Arc<dyn Tokenizer>, Vec<VocabToken>)> {
    let loaded = load(spec)?;
    let vocab = token::read_vocab(loaded.tok.as_ref(), &loaded.added);
    Ok((loaded.tok, vocab))
}

/// The reachability class of every id of a tokenizer (`classes[id]`), as [`audit`] computes it.
pub fn classify_ids(spec: &str) -> Result<Vec<Reachability>> {
    let (tok, vocab) = load_vocab(spec)?;
    let probe = Probe::for_tokenizer(tok.as_ref())?;
    reachability::classify_all(tok.as_ref(), &probe, &vocab)
}

fn load(spec: &str) -> Result<Loaded> {
    let tok = tokenizer::load(spec)?;
    let added = tok.added_tokens();
    Ok(Loaded { tok, added })
}

/// Runs the audit.
///
/// Errors: unknown tokenizer names, unreadable tokenizer files, corpus paths that do not exist
/// or hold binary / non-UTF-8 files, unknown model presets or unusable config files, and a
/// `models` list whose length is neither 0 nor the number of tokenizers.
pub fn audit(opts: &VocabOptions) -> Result<VocabReport> {
    audit_with(opts, None)
}

/// The canonical tokenizer names of `opts`, duplicates dropped, in order: the names a
/// [`VocabPartial`] for this audit is built with.
pub fn canonical_specs(opts: &VocabOptions) -> Result<Vec<String>> {
    let mut specs: Vec<String> = Vec::new();
    for s in tokenizer::split_specs(&opts.tokenizers) {
        let c = tokenizer::canonical_name(&s)?;
        if !specs.contains(&c) {
            specs.push(c);
        }
    }
    if specs.is_empty() {
        return Err(Error::InvalidArgument("no tokenizer given".into()));
    }
    Ok(specs)
}

/// The audit with corpus use from `given`, or else from `opts.corpus` read as one partial.
fn audit_with(opts: &VocabOptions, given: Option<&VocabPartial>) -> Result<VocabReport> {
    let specs = canonical_specs(opts)?;
    if !opts.models.is_empty() && opts.models.len() != specs.len() {
        return Err(Error::InvalidArgument(format!(
            "{} --model value(s) for {} tokenizer(s): give one model per tokenizer, in the same order",
            opts.models.len(),
            specs.len()
        )));
    }
    let mut warnings = Vec::new();
    let mut models: Vec<dead::ModelDims> = Vec::with_capacity(opts.models.len());
    for m in &opts.models {
        let (dims, warning) = dead::ModelDims::load(m)?;
        warnings.extend(warning);
        models.push(dims);
    }
    let loaded: Vec<Loaded> = specs.iter().map(|s| load(s)).collect::<Result<_>>()?;
    let built;
    let partial = match given {
        Some(p) if p.tokenizers() != specs.as_slice() => {
            return Err(Error::PartialState(format!(
                "a vocab state of {}, the audit is of {}",
                p.tokenizers().join(","),
                specs.join(",")
            )));
        }
        Some(p) => Some(p),
        None if opts.corpus.is_empty() => None,
        None => {
            let toks: Vec<_> = loaded.iter().map(|l| l.tok.clone()).collect();
            built = VocabPartial::from_corpus(opts, &specs, &toks)?;
            Some(&built)
        }
    };
    warnings.extend(partial.and_then(|p| p.skip_warning()));
    let mut audits = Vec::with_capacity(specs.len());
    let mut surfaces = Vec::with_capacity(specs.len());
    for (i, loaded) in loaded.iter().enumerate() {
        let tok = loaded.tok.as_ref();
        let vocab = token::read_vocab(tok, &loaded.added);
        let (mut audit, classes, in_context) = audit_with_classes(tok, &vocab, opts.examples)?;
        if let Some(p) = partial {
            audit.corpus = Some(p.corpus_use(i, &vocab, opts.examples)?);
        }
        if let Some(model) = models.get(i) {
            let (budget, warning) =
                dead::dead_budget(model, &audit, &classes, &in_context, &vocab_kinds(&vocab));
            warnings.extend(warning);
            audit.dead_budget = Some(budget);
        }
        surfaces.push(surface_set(&vocab));
        audits.push(audit);
    }
    for i in 0..audits.len() {
        for j in 0..audits.len() {
            if i == j {
                continue;
            }
            let shared = surfaces[i].intersection(&surfaces[j]).count();
            let union = surfaces[i].len() + surfaces[j].len() - shared;
            let with = audits[j].name.clone();
            audits[i].overlap.push(Overlap {
                with,
                forms: surfaces[i].len(),
                other_forms: surfaces[j].len(),
                shared,
                jaccard: crate::analysis::ratio(shared as f64, union as f64),
            });
        }
    }
    Ok(VocabReport {
        tokenizers: audits,
        warnings,
    })
}

fn vocab_kinds(vocab: &[VocabToken]) -> Vec<TokenKind> {
    vocab.iter().map(|t| t.kind).collect()
}

fn surface_set(vocab: &[VocabToken]) -> HashSet<Vec<u8>> {
    vocab
        .iter()
        .filter(|t| matches!(t.kind, TokenKind::Regular | TokenKind::Added))
        .map(|t| t.bytes.clone())
        .collect()
}

/// Appended to an unreachable id's text to see whether the id appears when the text is not at
/// the end of the input.
pub const CONTEXT_SUFFIX: &str = "»";

/// Byte-length buckets: 1…8 one by one, then 9–12, 13–16, 17–32, 33+.
const BYTE_BUCKETS: &[(usize, Option<usize>)] = &[
    (1, Some(1)),
    (2, Some(2)),
    (3, Some(3)),
    (4, Some(4)),
    (5, Some(5)),
    (6, Some(6)),
    (7, Some(7)),
    (8, Some(8)),
    (9, Some(12)),
    (13, Some(16)),
    (17, Some(32)),
    (33, None),
];

fn histogram(lengths: impl Iterator<Item = usize>) -> Vec<LengthBucket> {
    let mut buckets: Vec<LengthBucket> = std::iter::once((0, Some(0)))
        .chain(BYTE_BUCKETS.iter().copied())
        .map(|(min, max)| LengthBucket { min, max, count: 0 })
        .collect();
    for n in lengths {
        if let Some(b) = buckets
            .iter_mut()
            .find(|b| n >= b.min && b.max.is_none_or(|m| n <= m))
        {
            b.count += 1;
        }
    }
    // The 0 bucket only appears when something is empty.
    if buckets[0].count == 0 {
        buckets.remove(0);
    }
    buckets
}

/// Composition and reachability of one tokenizer (no corpus, overlap or budget).
pub fn tokenizer_audit(
    tok: &dyn Tokenizer,
    vocab: &[VocabToken],
    examples: usize,
) -> Result<TokenizerVocab> {
    Ok(audit_with_classes(tok, vocab, examples)?.0)
}

/// [`tokenizer_audit`] plus the class of every id and the unreachable ids that other ids'
/// texts produce.
fn audit_with_classes(
    tok: &dyn Tokenizer,
    vocab: &[VocabToken],
    examples: usize,
) -> Result<(TokenizerVocab, Vec<Reachability>, HashSet<u32>)> {
    let probe = Probe::for_tokenizer(tok)?;
    let classes = reachability::classify_all(tok, &probe, vocab)?;
    let (causes, in_context) = unreachable_causes(tok, &probe, vocab, &classes)?;
    let content = content_tokens(vocab, &classes, &in_context);
    let wordpiece = tok.algorithm() == crate::tokenizer::Algorithm::WordPiece;
    let mut reach = ReachabilityCounts::default();
    for &c in &classes {
        reach.add(c);
    }
    let audit = TokenizerVocab {
        name: tok.name().to_string(),
        path: tok.path().map(|p| p.display().to_string()),
        ignored_settings: tok.serving_settings(),
        vocab_size: vocab.len(),
        composition: composition(vocab),
        lengths: lengths(&content),
        scripts: scripts(&content),
        whitespace: whitespace_tokens(&content),
        word_start: content
            .iter()
            .filter(|(t, _)| token::is_word_start(t, wordpiece))
            .count(),
        digits: digit_tokens(&content),
        code_like: code_tokens(&content),
        reachability: reach,
        reachability_prefix: probe.prefix().map(String::from),
        reachability_examples: reachability_examples(tok, &probe, vocab, &classes, examples)?,
        unreachable_causes: causes,
        overlap: Vec::new(),
        corpus: None,
        dead_budget: None,
    };
    Ok((audit, classes, in_context))
}

fn composition(vocab: &[VocabToken]) -> Composition {
    let mut composition = Composition::default();
    for t in vocab {
        match t.kind {
            TokenKind::Regular => composition.regular += 1,
            TokenKind::Added => composition.added += 1,
            TokenKind::Special => composition.special += 1,
            TokenKind::Unused => composition.unused += 1,
            TokenKind::Absent => composition.absent += 1,
        }
    }
    composition
}

/// Why each unreachable id is unreachable, and which unreachable ids another id's text (or
/// their own text with something after it) produces after all.
fn unreachable_causes(
    tok: &dyn Tokenizer,
    probe: &Probe,
    vocab: &[VocabToken],
    classes: &[Reachability],
) -> Result<(UnreachableCauses, HashSet<u32>)> {
    let mut causes = UnreachableCauses::default();
    let unreachable: Vec<u32> = classes
        .iter()
        .enumerate()
        .filter(|(_, c)| c.is_unreachable())
        .map(|(v, _)| v as u32)
        .collect();
    let mut produced: HashSet<u32> = HashSet::new();
    for &v in &unreachable {
        let kind = vocab[v as usize].kind;
        let (_, text, ids) = probe.classify(tok, v, kind)?;
        produced.extend(ids.iter().copied());
        // The text with something after it: normalizers strip trailing whitespace (XLM-R
        // drops a final U+0085), which a following char prevents.
        if let Ok(with_suffix) = probe.encode(tok, &format!("{text}{CONTEXT_SUFFIX}")) {
            produced.extend(with_suffix.iter().copied().filter(|&r| r == v));
        }
        let through_added = ids.iter().any(|&r| {
            vocab
                .get(r as usize)
                .is_some_and(|t| t.kind != TokenKind::Regular)
        });
        if kind == TokenKind::Unused {
            causes.placeholder += 1;
        } else if through_added {
            causes.shadowed_by_added_token += 1;
        } else if ids.is_empty() {
            causes.normalized_away += 1;
        } else {
            causes.split += 1;
        }
    }
    let in_context: HashSet<u32> = unreachable
        .into_iter()
        .filter(|v| produced.contains(v))
        .collect();
    causes.produced_in_context = in_context.len();
    Ok((causes, in_context))
}

/// The regular, added and unused tokens with their class; ids that another id's text
/// produces count as reachable.
fn content_tokens<'a>(
    vocab: &'a [VocabToken],
    classes: &[Reachability],
    in_context: &HashSet<u32>,
) -> Vec<(&'a VocabToken, Reachability)> {
    vocab
        .iter()
        .zip(classes.iter().copied())
        .enumerate()
        .map(|(v, (t, c))| {
            if in_context.contains(&(v as u32)) {
                (t, Reachability::Reachable)
            } else {
                (t, c)
            }
        })
        .filter(|(t, _)| {
            matches!(
                t.kind,
                TokenKind::Regular | TokenKind::Added | TokenKind::Unused
            )
        })
        .collect()
}

fn lengths(content: &[(&VocabToken, Reachability)]) -> Lengths {
    let char_lengths: Vec<usize> = content
        .iter()
        .filter_map(|(t, _)| t.text().map(|s| s.chars().count()))
        .collect();
    let byte_total: usize = content.iter().map(|(t, _)| t.bytes.len()).sum();
    Lengths {
        tokens: content.len(),
        bytes: histogram(content.iter().map(|(t, _)| t.bytes.len())),
        chars: histogram(char_lengths.iter().copied()),
        partial_utf8: content.len() - char_lengths.len(),
        mean_bytes: crate::analysis::ratio(byte_total as f64, content.len() as f64),
        mean_chars: crate::analysis::ratio(
            char_lengths.iter().sum::<usize>() as f64,
            char_lengths.len() as f64,
        ),
        max_bytes: content
            .iter()
            .map(|(t, _)| t.bytes.len())
            .max()
            .unwrap_or(0),
    }
}

/// Tokens per script, most frequent first (ties by script name).
fn scripts(content: &[(&VocabToken, Reachability)]) -> Vec<ScriptCount> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (t, _) in content {
        *counts.entry(token::token_script(&t.bytes)).or_default() += 1;
    }
    let mut scripts: Vec<ScriptCount> = counts
        .into_iter()
        .map(|(s, count)| ScriptCount {
            script: s.to_string(),
            count,
        })
        .collect();
    scripts.sort_by(|a, b| b.count.cmp(&a.count).then(a.script.cmp(&b.script)));
    scripts
}

/// The whitespace-only tokens: the run lengths of spaces, tabs and newlines they spell (all,
/// and reachable), sorted and without repeats.
fn whitespace_tokens(content: &[(&VocabToken, Reachability)]) -> WhitespaceTokens {
    let mut ws = WhitespaceTokens {
        tokens: 0,
        space_runs: Vec::new(),
        tab_runs: Vec::new(),
        newline_runs: Vec::new(),
        mixed: 0,
        reachable_space_runs: Vec::new(),
        reachable_tab_runs: Vec::new(),
        reachable_newline_runs: Vec::new(),
    };
    for (t, class) in content {
        let Some(shape) = token::whitespace_shape(&t.bytes) else {
            continue;
        };
        ws.tokens += 1;
        let (all, live, n) = match shape {
            WhitespaceShape::Spaces(n) => (&mut ws.space_runs, &mut ws.reachable_space_runs, n),
            WhitespaceShape::Tabs(n) => (&mut ws.tab_runs, &mut ws.reachable_tab_runs, n),
            WhitespaceShape::Newlines(n) => {
                (&mut ws.newline_runs, &mut ws.reachable_newline_runs, n)
            }
            WhitespaceShape::Mixed => {
                ws.mixed += 1;
                continue;
            }
        };
        if n > 0 {
            all.push(n);
            if *class == Reachability::Reachable {
                live.push(n);
            }
        }
    }
    for runs in [
        &mut ws.space_runs,
        &mut ws.tab_runs,
        &mut ws.newline_runs,
        &mut ws.reachable_space_runs,
        &mut ws.reachable_tab_runs,
        &mut ws.reachable_newline_runs,
    ] {
        runs.sort_unstable();
        runs.dedup();
    }
    ws
}

fn digit_tokens(content: &[(&VocabToken, Reachability)]) -> DigitTokens {
    let mut by_length: BTreeMap<usize, usize> = BTreeMap::new();
    for (t, _) in content {
        if let Some(n) = token::digit_run(&t.bytes) {
            *by_length.entry(n).or_default() += 1;
        }
    }
    DigitTokens {
        tokens: by_length.values().sum(),
        by_length: by_length
            .into_iter()
            .map(|(digits, count)| DigitLength { digits, count })
            .collect(),
    }
}

fn code_tokens(content: &[(&VocabToken, Reachability)]) -> CodeTokens {
    let mut code = CodeTokens::default();
    for shape in content
        .iter()
        .filter_map(|(t, _)| token::code_shape(&t.bytes))
    {
        code.tokens += 1;
        match shape {
            CodeShape::Indentation => code.indentation += 1,
            CodeShape::Operator => code.operator += 1,
            CodeShape::Identifier => code.identifier += 1,
            CodeShape::CodeMixed => code.code_mixed += 1,
        }
    }
    code
}

/// Up to `examples` ids of each unreachable class, with the text they decode to and what that
/// text encodes to instead.
fn reachability_examples(
    tok: &dyn Tokenizer,
    probe: &Probe,
    vocab: &[VocabToken],
    classes: &[Reachability],
    examples: usize,
) -> Result<Vec<ReachabilityExample>> {
    let mut out = Vec::new();
    for class in [
        Reachability::UnreachableSingle,
        Reachability::UnreachableMulti,
        Reachability::Undecodable,
    ] {
        let ids = classes
            .iter()
            .enumerate()
            .filter(|(_, c)| **c == class)
            .map(|(v, _)| v as u32)
            .take(examples);
        for id in ids {
            let (_, text, reencoded_ids) = probe.classify(tok, id, vocab[id as usize].kind)?;
            out.push(ReachabilityExample {
                class,
                id,
                token: vocab[id as usize].spelling.clone(),
                text,
                reencoded_tokens: reencoded_ids
                    .iter()
                    .map(|&r| tok.id_to_token(r).unwrap_or_default())
                    .collect(),
                reencoded_ids,
            });
        }
    }
    Ok(out)
}

/// `[1,2,3,5,7,8]` → `"1–3, 5, 7–8"`.
pub fn compress_runs(runs: &[usize]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < runs.len() {
        let mut j = i;
        while j + 1 < runs.len() && runs[j + 1] == runs[j] + 1 {
            j += 1;
        }
        parts.push(if i == j {
            runs[i].to_string()
        } else {
            format!("{}–{}", runs[i], runs[j])
        });
        i = j + 1;
    }
    if parts.is_empty() {
        "–".into()
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_compress() {
        assert_eq!(compress_runs(&[1, 2, 3, 5, 7, 8]), "1–3, 5, 7–8");
        assert_eq!(compress_runs(&[]), "–");
        assert_eq!(compress_runs(&[4]), "4");
    }

    #[test]
    fn histogram_buckets() {
        let h = histogram([1, 1, 8, 9, 12, 13, 40].into_iter());
        let counts: Vec<usize> = h.iter().map(|b| b.count).collect();
        // 1:2, 2–7: 0, 8:1, 9–12: 2, 13–16: 1, 17–32: 0, 33+: 1
        assert_eq!(counts, vec![2, 0, 0, 0, 0, 0, 0, 1, 2, 1, 0, 1]);
        assert_eq!(histogram([0].into_iter())[0].count, 1);
    }
}
