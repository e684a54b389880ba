//! HF `tokenizers` (`tokenizer.json`) behind the [`Tokenizer`] trait.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokenizers::{
    DecoderWrapper, ModelWrapper, NormalizerWrapper, PostProcessorWrapper, PreTokenizerWrapper,
    TokenizerImpl,
};

use super::compact_unigram::{CompactUnigram, NativeUnigram};
use super::decode::{DecodeTable, Decoding};
use super::lean::{is_byte_fallback, widened_offsets};
use super::rank_bpe::{Native, RankBpe};
use super::{Algorithm, Padding, ServingSettings, Tokenizer, VocabSize};
use crate::tokenizer::tiktoken::hex16;
use crate::{Error, Result};

/// A `tokenizers` pipeline (normalizer, pre-tokenizer, model, post-processor, decoder) over
/// the model `M`.
pub type Pipeline<M> =
    TokenizerImpl<M, NormalizerWrapper, PreTokenizerWrapper, PostProcessorWrapper, DecoderWrapper>;

/// What tokstat needs of a `tokenizers` model beyond its `Model` trait.
pub trait HfModel: tokenizers::Model + Send + Sync {
    /// The model's algorithm.
    fn algorithm(&self) -> Algorithm;
    /// Max id + 1 of the model's own vocabulary.
    fn id_end(&self) -> usize;
    /// The model as a [`RankBpe`], for the native byte-level pipeline; `None` for other models.
    fn rank_bpe(&self) -> Option<&RankBpe> {
        None
    }
    /// The model as a [`CompactUnigram`], for the native unigram pipeline; `None` for others.
    fn compact_unigram(&self) -> Option<&CompactUnigram> {
        None
    }
}

/// A pipeline run natively in place of HF's, for the files it reproduces.
enum NativePipeline {
    /// Byte-level BPE (see `rank_bpe`'s `native` module).
    Bpe(Box<Native>),
    /// XLM-R's SentencePiece unigram, on ASCII text (see `compact_unigram`'s `native` module).
    Unigram(Box<NativeUnigram>),
}

impl NativePipeline {
    /// The native pipeline of `inner`, if there is one for it and `TOKSTAT_NATIVE` does not
    /// turn it off.
    fn of<M: HfModel>(inner: &Pipeline<M>) -> Option<Self> {
        if !native_enabled() {
            return None;
        }
        let model = inner.get_model();
        if let Some(bpe) = model.rank_bpe() {
            return Native::new(inner, bpe).map(|n| Self::Bpe(Box::new(n)));
        }
        model.compact_unigram()?;
        NativeUnigram::new(inner).map(|n| Self::Unigram(Box::new(n)))
    }
}

impl HfModel for ModelWrapper {
    fn algorithm(&self) -> Algorithm {
        match self {
            ModelWrapper::BPE(_) => Algorithm::Bpe,
            ModelWrapper::Unigram(_) => Algorithm::Unigram,
            ModelWrapper::WordPiece(_) => Algorithm::WordPiece,
            ModelWrapper::WordLevel(_) => Algorithm::WordLevel,
        }
    }

    fn id_end(&self) -> usize {
        model_id_end(self)
    }
}

/// A tokenizer loaded from a `tokenizer.json` (bundled or on disk), over HF `tokenizers`' own
/// models (`M = ModelWrapper`) or, for the bundled XLM-RoBERTa, the compact unigram model (see
/// [`super::compact_unigram`]) inside the same pipeline.
///
/// The file's serving settings (`truncation`, `padding`) are turned off at load and recorded in
/// [`ServingSettings`]: tokstat measures the tokenizer, not a model's input window.
pub struct HfTokenizer<M = ModelWrapper> {
    name: String,
    path: Option<PathBuf>,
    serving: ServingSettings,
    inner: Pipeline<M>,
    specials: HashSet<u32>,
    unk_id: Option<u32>,
    vocab: VocabSize,
    /// The bytes the fingerprint is computed from, hashed on first use.
    fingerprint_source: FingerprintSource,
    fingerprint: OnceLock<String>,
    splits_at_spaces: OnceLock<bool>,
    /// Every id's decoded bytes, for the decoders it reproduces (see [`Self::table_for`]).
    decode_table: OnceLock<Option<DecodeTable>>,
    /// Tokens decoded by HF's decode so far, while the table is not built.
    decoded_tokens: AtomicUsize,
    /// Whether the file was a SentencePiece model (its pipeline marks word starts with `▁`).
    sentencepiece: bool,
    /// The native pipeline, for a file it reproduces.
    native: Option<NativePipeline>,
}

/// Tokenizers with more ids than this (a file with sparse ids can claim billions) decode
/// through HF's decode only: their table would cost more memory than its speed is worth.
const MAX_DECODE_TABLE_IDS: usize = 1 << 22;

/// Whether [`preflight`] checks a file before `tokenizers` reads it: every file from outside,
/// but not the bundled ones, which the tests load.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Preflight {
    Run,
    Skip,
}

/// What a tokenizer's fingerprint hashes: the embedded file (decompressed and hashed lazily, so
/// that loading does not pay for it) or the digest of a file read from disk.
pub(super) enum FingerprintSource {
    Embedded(&'static [u8]),
    Digest(String),
}

impl HfTokenizer<ModelWrapper> {
    /// Loads a gzip-compressed `tokenizer.json` embedded in the binary.
    pub fn from_gzip(name: &str, gz: &'static [u8]) -> Result<Self> {
        let mut json = Vec::with_capacity(gz.len() * 5);
        flate2::read::GzDecoder::new(gz)
            .read_to_end(&mut json)
            .map_err(|e| Error::InvalidTokenizerFile {
                path: name.into(),
                message: format!("bundled file does not decompress: {e}"),
            })?;
        // A bundled file is one of the few that `tests/reference_cases.rs` loads and checks: the
        // preflight (a second full parse of the file) is for files tokstat has not seen.
        Self::build(
            name,
            &json,
            FingerprintSource::Embedded(gz),
            Preflight::Skip,
        )
    }

    /// Loads a `tokenizer.json` from disk, named by [`super::path_label`] (`all-MiniLM-L6-v2`
    /// for `…/all-MiniLM-L6-v2/tokenizer.json`).
    pub fn from_file(path: &Path) -> Result<Self> {
        Self::from_file_named(path, &super::path_label(path))
    }

    /// Loads a `tokenizer.json` from disk under the given display name.
    ///
    /// A SentencePiece model (`tokenizer.model`, any `.model` file, or a file that starts like
    /// one) is converted to the equivalent `tokenizer.json` first (see
    /// [`super::sentencepiece`]); its fingerprint is that of the `.model` file.
    pub fn from_file_named(path: &Path, name: &str) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let label = path.display().to_string();
        let is_model = path.extension().is_some_and(|e| e == "model")
            || super::sentencepiece::looks_like_model(&bytes);
        let mut t = if is_model {
            use sha2::{Digest, Sha256};
            let digest = hex16(&Sha256::digest(&bytes));
            let json = super::sentencepiece::to_tokenizer_json(&label, &bytes)?;
            let source = FingerprintSource::Digest(digest);
            let mut t = Self::build(&label, &json, source, Preflight::Run)?;
            t.sentencepiece = true;
            t
        } else {
            Self::from_json(&label, &bytes)?
        };
        t.name = name.to_string();
        t.path = Some(path.to_path_buf());
        Ok(t)
    }

    /// Loads a tokenizer from the bytes of a `tokenizer.json`; `name` names it in errors.
    pub fn from_json(name: &str, json: &[u8]) -> Result<Self> {
        use sha2::{Digest, Sha256};
        let digest = hex16(&Sha256::digest(json));
        Self::build(
            name,
            json,
            FingerprintSource::Digest(digest),
            Preflight::Run,
        )
    }

    fn build(
        name: &str,
        json: &[u8],
        fingerprint_source: FingerprintSource,
        check: Preflight,
    ) -> Result<Self> {
        let invalid = |message: String| Error::InvalidTokenizerFile {
            path: name.into(),
            message,
        };
        crate::input::reject_json_bom(std::path::Path::new(name), json)?;
        if json.iter().all(u8::is_ascii_whitespace) {
            return Err(invalid("the file is empty".into()));
        }
        let text = std::str::from_utf8(json)
            .map_err(|e| invalid(format!("not UTF-8 (byte {})", e.valid_up_to())))?;
        if check == Preflight::Run {
            preflight(text).map_err(invalid)?;
        }
        // The preflight refuses what is known to make `tokenizers` panic while reading a file;
        // a panic it has not foreseen is an error naming the file too.
        let inner = super::caught(|| match load_model_directly(text) {
            Some(t) => Ok(t),
            None => tokenizers::Tokenizer::from_bytes(json)
                .map(tokenizers::Tokenizer::into_inner)
                .map_err(|e| explain_load_error(text, &e.to_string())),
        })
        .unwrap_or_else(|panic| {
            Err(format!(
                "the tokenizers library failed reading it ({panic})"
            ))
        })
        .map_err(invalid)?;
        let unk_id = match inner.get_model() {
            ModelWrapper::BPE(bpe) => bpe
                .get_unk_token()
                .as_ref()
                .and_then(|t| inner.token_to_id(t)),
            ModelWrapper::WordPiece(_) | ModelWrapper::WordLevel(_) => {
                json_field(text, "\"unk_token\":").and_then(|t| inner.token_to_id(&t))
            }
            ModelWrapper::Unigram(_) => {
                json_field(text, "\"unk_id\":").and_then(|v| v.parse::<u32>().ok())
            }
        };
        HfTokenizer::assemble(name, inner, unk_id, fingerprint_source)
    }

    /// The wrapped HF tokenizer, for analyses that need its internals.
    pub fn inner(&self) -> &Pipeline<ModelWrapper> {
        &self.inner
    }
}

impl<M: HfModel> HfTokenizer<M> {
    /// Wraps a loaded pipeline: offsets untrimmed, serving settings off, vocabulary counted.
    pub(super) fn assemble(
        name: &str,
        mut inner: Pipeline<M>,
        unk_id: Option<u32>,
        fingerprint_source: FingerprintSource,
    ) -> Result<Self> {
        let invalid = |message: String| Error::InvalidTokenizerFile {
            path: name.into(),
            message,
        };
        untrim_offsets(&mut inner);
        let serving = disable_serving_settings(&mut inner).map_err(invalid)?;
        let added = inner.get_added_tokens_decoder();
        let specials: HashSet<u32> = added
            .iter()
            .filter(|(_, t)| t.special)
            .map(|(id, _)| *id)
            .collect();
        let model_vocab = inner.get_vocab_size(false);
        let total = added
            .keys()
            .map(|&id| id as usize + 1)
            .chain([inner.get_model().id_end(), inner.get_vocab_size(true)])
            .max()
            .unwrap_or(0);
        let added_outside = added
            .keys()
            .filter(|&&id| (id as usize) >= model_vocab)
            .count();
        let vocab = VocabSize {
            total,
            regular: model_vocab.min(total - added_outside),
            added: added_outside,
            special: specials.len(),
        };
        let native = NativePipeline::of(&inner);
        Ok(Self {
            name: name.to_string(),
            path: None,
            serving,
            inner,
            specials,
            unk_id,
            vocab,
            fingerprint_source,
            fingerprint: OnceLock::new(),
            splits_at_spaces: OnceLock::new(),
            decode_table: OnceLock::new(),
            decoded_tokens: AtomicUsize::new(0),
            sentencepiece: false,
            native,
        })
    }

    /// The encoding of HF `tokenizers`' pipeline, whatever path [`Tokenizer::encode`] takes: the
    /// reference the native pipeline is checked against.
    pub fn pipeline_encode(&self, text: &str, add_special_tokens: bool) -> Result<super::Encoding> {
        let enc = super::guarded(&self.name, || {
            self.inner
                .encode(text, add_special_tokens)
                .map_err(|e| self.err(e))
        })?;
        let ids = enc.get_ids().to_vec();
        let special = ids.iter().map(|id| self.specials.contains(id)).collect();
        Ok(super::Encoding {
            tokens: enc.get_tokens().to_vec(),
            offsets: enc.get_offsets().to_vec(),
            ids,
            special,
        })
    }

    /// Whether [`Tokenizer::encode`] runs the native pipeline (for texts it takes).
    pub fn has_native_pipeline(&self) -> bool {
        self.native.is_some()
    }

    /// The native pipeline's encoding of `text` (no special tokens), when it has one and takes
    /// this text.
    fn native_encode(&self, text: &str) -> Option<super::Encoding> {
        let mut enc = super::Encoding::default();
        let mut push = |id: u32, start: usize, end: usize, token: String, special: bool| {
            enc.ids.push(id);
            enc.tokens.push(token);
            enc.offsets.push((start, end));
            enc.special.push(special);
        };
        match self.native.as_ref()? {
            NativePipeline::Bpe(native) => {
                let model = self.inner.get_model().rank_bpe()?;
                for p in native.encode(model, text)? {
                    let token = if p.added {
                        text[p.start..p.end].to_string()
                    } else {
                        native.token_text(model, p.id).to_string()
                    };
                    push(p.id, p.start, p.end, token, native.is_special(p.id));
                }
            }
            NativePipeline::Unigram(native) => {
                let model = self.inner.get_model().compact_unigram()?;
                for (p, token) in native.encode(model, text, str::to_string)? {
                    push(p.id, p.start, p.end, token, native.is_special(p.id));
                }
            }
        }
        Some(enc)
    }

    /// The native pipeline's [`super::LeanEncoding`] of `text` (no special tokens), when it has
    /// one and takes this text.
    fn native_lean(&self, text: &str) -> Option<super::LeanEncoding> {
        match self.native.as_ref()? {
            NativePipeline::Bpe(native) => {
                let model = self.inner.get_model().rank_bpe()?;
                let pieces = native.encode(model, text)?;
                let table = self.decode_table.get().and_then(Option::as_ref);
                let added_decodes_to =
                    |id: u32, matched: &str| table.is_some_and(|t| t.token_is(id, matched));
                Some(native.lean(model, text, &pieces, self.is_byte_level(), added_decodes_to))
            }
            // A byte-level decoder would need the spans rebuilt from the token strings.
            NativePipeline::Unigram(_) if self.is_byte_level() => None,
            NativePipeline::Unigram(native) => {
                let model = self.inner.get_model().compact_unigram()?;
                let pieces = native.encode(model, text, is_byte_fallback)?;
                let mut lean = super::LeanEncoding {
                    ids: Vec::with_capacity(pieces.len()),
                    offsets: Vec::with_capacity(pieces.len()),
                    ..Default::default()
                };
                for &(p, fallback) in &pieces {
                    lean.ids.push(p.id);
                    lean.offsets.push((p.start, p.end));
                    lean.byte_fallback_tokens += u64::from(fallback);
                }
                // Not byte-level: the spans are the widened offsets (`analysis::spans`).
                let spans = widened_offsets(text, &lean.offsets);
                lean.set_spans(spans);
                Some(lean)
            }
        }
    }

    /// The native pipeline's ids of `text` (no special tokens), when it has one and takes this
    /// text.
    fn native_ids(&self, text: &str) -> Option<Vec<u32>> {
        match self.native.as_ref()? {
            NativePipeline::Bpe(native) => {
                let model = self.inner.get_model().rank_bpe()?;
                Some(
                    native
                        .encode(model, text)?
                        .into_iter()
                        .map(|p| p.id)
                        .collect(),
                )
            }
            NativePipeline::Unigram(_) => self.native_encode(text).map(|e| e.ids),
        }
    }

    /// The decode table for a decode of `tokens` ids, once HF's decode has decoded as many
    /// tokens as the vocabulary has ids: building it costs about as much per id as HF's decode
    /// per token, so a short run (one file, a few thousand tokens) does not pay for a table of
    /// XLM-R's 250,002 ids, and a long one pays at most twice. `None` before, if the decoder is
    /// not one the table reproduces, or past [`MAX_DECODE_TABLE_IDS`]. Both decodes give the same
    /// text.
    fn table_for(&self, tokens: usize) -> Option<&DecodeTable> {
        if let Some(table) = self.decode_table.get() {
            return table.as_ref();
        }
        let decoded = self.decoded_tokens.fetch_add(tokens, Ordering::Relaxed) + tokens;
        if decoded < self.vocab.total || self.vocab.total > MAX_DECODE_TABLE_IDS {
            return None;
        }
        self.decode_table
            .get_or_init(|| self.new_decode_table())
            .as_ref()
    }

    /// The decode table, if the decoder is one it reproduces (`ByteLevel`, `Metaspace`); `None`
    /// otherwise (HF's decode is used).
    fn new_decode_table(&self) -> Option<DecodeTable> {
        use tokenizers::pre_tokenizers::metaspace::PrependScheme;
        let decoding = match self.inner.get_decoder()? {
            DecoderWrapper::ByteLevel(_) => Decoding::ByteLevel,
            DecoderWrapper::Metaspace(m) => Decoding::Metaspace {
                replacement: m.get_replacement(),
                drop_in_first: m.get_prepend_scheme() != PrependScheme::Never,
            },
            _ => return None,
        };
        let added = self.inner.get_added_vocabulary();
        Some(DecodeTable::new(
            u32::try_from(self.vocab.total).unwrap_or(u32::MAX),
            decoding,
            |id| self.inner.id_to_token(id),
            |t| added.is_special_token(t),
        ))
    }

    fn err(&self, e: impl std::fmt::Display) -> Error {
        Error::Tokenizer {
            name: self.name.clone(),
            message: e.to_string(),
        }
    }
}

/// Whether the native byte-level pipeline is used where it applies: yes, unless
/// `TOKSTAT_NATIVE=0` keeps every encode on HF's pipeline (for comparisons).
fn native_enabled() -> bool {
    std::env::var_os("TOKSTAT_NATIVE").is_none_or(|v| v != "0")
}

/// Loads a `tokenizer.json` whose model is a unigram LM or a BPE without `tokenizers`' generic
/// model deserializer, which buffers the model three times (serde content, a JSON value, then
/// the model) — for XLM-R's 250,002 pieces, and for the BPE vocabularies and merge lists of
/// RoBERTa, ModernBERT and OLMo, most of the load time. The model is deserialized with its own
/// type (`Unigram`, `BPE`: the same `Deserialize` the generic path ends in) and the parts are
/// assembled the way `tokenizers` assembles them (builder, then the added tokens in file
/// order), so the result is the same tokenizer. Returns `None` when the file is not of that
/// shape, and the caller falls back to the generic loader (which also reports errors).
fn load_model_directly(text: &str) -> Option<Pipeline<ModelWrapper>> {
    use tokenizers::models::{bpe::BPE, unigram::Unigram};
    #[derive(serde::Deserialize)]
    struct Kind<'a> {
        #[serde(rename = "type", borrow)]
        kind: Option<&'a str>,
    }
    pipeline_with_model(text, |raw| {
        let raw = raw?.get();
        match serde_json::from_str::<Kind>(raw).ok()?.kind? {
            "Unigram" => Some(ModelWrapper::Unigram(
                serde_json::from_str::<Unigram>(raw).ok()?,
            )),
            "BPE" => Some(ModelWrapper::BPE(serde_json::from_str::<BPE>(raw).ok()?)),
            _ => None,
        }
    })
}

/// Assembles the pipeline of a `tokenizer.json` (version 1.0) around the model `model_of` makes
/// from the file's `model` section, as `tokenizers` assembles it: builder, then the added tokens
/// in file order. `None` when the file is not of that shape.
pub(super) fn pipeline_with_model<M: tokenizers::Model>(
    text: &str,
    model_of: impl FnOnce(Option<&serde_json::value::RawValue>) -> Option<M>,
) -> Option<Pipeline<M>> {
    use serde_json::value::RawValue;
    use tokenizers::{AddedToken, PaddingParams, TokenizerBuilder, TruncationParams};

    #[derive(serde::Deserialize)]
    struct Parts<'a> {
        version: &'a str,
        #[serde(borrow, default)]
        model: Option<&'a RawValue>,
        #[serde(borrow, default)]
        added_tokens: Option<&'a RawValue>,
        #[serde(borrow, default)]
        normalizer: Option<&'a RawValue>,
        #[serde(borrow, default)]
        pre_tokenizer: Option<&'a RawValue>,
        #[serde(borrow, default)]
        post_processor: Option<&'a RawValue>,
        #[serde(borrow, default)]
        decoder: Option<&'a RawValue>,
        #[serde(borrow, default)]
        truncation: Option<&'a RawValue>,
        #[serde(borrow, default)]
        padding: Option<&'a RawValue>,
    }
    #[derive(serde::Deserialize)]
    struct AddedWithId {
        #[serde(flatten)]
        token: AddedToken,
    }
    fn part<T: serde::de::DeserializeOwned>(raw: Option<&RawValue>) -> Option<Option<T>> {
        match raw {
            None => Some(None),
            Some(r) => serde_json::from_str::<Option<T>>(r.get()).ok(),
        }
    }

    let parts: Parts = serde_json::from_str(text).ok()?;
    if parts.version != "1.0" {
        return None;
    }
    let model = model_of(parts.model)?;
    let added: Vec<AddedWithId> = match parts.added_tokens {
        Some(r) => serde_json::from_str(r.get()).ok()?,
        None => Vec::new(),
    };
    let mut tok = TokenizerBuilder::<
        M,
        NormalizerWrapper,
        PreTokenizerWrapper,
        PostProcessorWrapper,
        DecoderWrapper,
    >::new()
    .with_model(model)
    .with_normalizer(part(parts.normalizer)?)
    .with_pre_tokenizer(part(parts.pre_tokenizer)?)
    .with_post_processor(part(parts.post_processor)?)
    .with_decoder(part(parts.decoder)?)
    .with_truncation(part::<TruncationParams>(parts.truncation)?)
    .with_padding(part::<PaddingParams>(parts.padding)?)
    .build()
    .ok()?;
    tok.add_tokens(added.into_iter().map(|a| a.token)).ok()?;
    Some(tok)
}

/// The most vocabulary entries (or merges) a `tokenizer.json` model may have. Loading takes
/// about 1.3 KB per entry (a 1,000,000-piece unigram model 1.3 GB, measured with
/// `/usr/bin/time -v tokstat encode -t FILE hi`), so this bound keeps any accepted file under
/// 2 GB; the largest published vocabularies (XLM-R, NLLB, Gemma) have about 250,000 entries.
pub const MAX_MODEL_ENTRIES: usize = 1_000_000;

/// Counts the elements of a JSON array or the entries of a JSON object without keeping them.
struct Count(usize);

impl<'de> serde::Deserialize<'de> for Count {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Count;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an array or an object")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Count, A::Error> {
                let mut n = 0;
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                    n += 1;
                }
                Ok(Count(n))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Count, A::Error> {
                let mut n = 0;
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {
                    n += 1;
                }
                Ok(Count(n))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// A BPE model's merges as [`preflight`] reads them, without keeping them: how many, and the
/// longest common start of their second tokens, which `continuing_subword_prefix` must begin.
struct Merges {
    count: usize,
    seconds_start: Option<String>,
}

impl<'de> serde::Deserialize<'de> for Merges {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Merges;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an array of merges")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Merges, A::Error> {
                let mut m = Merges {
                    count: 0,
                    seconds_start: None,
                };
                while let Some(second) = seq.next_element::<MergeSecond>()? {
                    m.count += 1;
                    let Some(b) = second.0 else { continue };
                    m.seconds_start = Some(match m.seconds_start.take() {
                        None => b,
                        Some(mut start) => {
                            let common = common_start(&start, &b);
                            start.truncate(common);
                            start
                        }
                    });
                }
                Ok(m)
            }
        }
        d.deserialize_seq(Visitor)
    }
}

/// The second token of one merge, written `"a b"` or `["a", "b"]` (`None` for anything else,
/// which `tokenizers` reports when it reads the file).
struct MergeSecond(Option<String>);

impl<'de> serde::Deserialize<'de> for MergeSecond {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = MergeSecond;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a merge")
            }
            fn visit_str<E: serde::de::Error>(
                self,
                v: &str,
            ) -> std::result::Result<MergeSecond, E> {
                Ok(MergeSecond(v.split_once(' ').map(|(_, b)| b.to_string())))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<MergeSecond, A::Error> {
                let _first = seq.next_element::<serde::de::IgnoredAny>()?;
                let second = seq.next_element::<String>().ok().flatten();
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(MergeSecond(second))
            }
            fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<MergeSecond, E> {
                Ok(MergeSecond(None))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// The length in bytes of the longest common start of `a` and `b` (a character boundary).
fn common_start(a: &str, b: &str) -> usize {
    a.char_indices()
        .zip(b.chars())
        .find(|((_, x), y)| x != y)
        .map_or(a.len().min(b.len()), |((i, _), _)| i)
}

/// The parts of the model read before `tokenizers` sees the file: how big it is, and the
/// continuing-subword prefix its BPE merges must agree with.
#[derive(serde::Deserialize, Default)]
struct ModelSize {
    #[serde(default)]
    vocab: Option<Count>,
    #[serde(default)]
    merges: Option<Merges>,
    #[serde(default)]
    continuing_subword_prefix: Option<String>,
}

/// Checks, before `tokenizers` sees the file, that no section is nested deeper than
/// [`MAX_SECTION_DEPTH`], that it is JSON, that its model is within [`MAX_MODEL_ENTRIES`], every `Precompiled` normalizer of it and every `TemplateProcessing`
/// post-processor: that crate panics (an `expect`, a map index) on a charsmap it cannot parse
/// and on a template naming a special token it does not define, where a clear error is due.
fn preflight(text: &str) -> std::result::Result<(), String> {
    fn check_precompiled(v: &serde_json::Value) -> std::result::Result<(), String> {
        if v["type"] == "Precompiled" {
            let mut fields = v.clone();
            if let Some(map) = fields.as_object_mut() {
                map.remove("type");
            }
            // As `tokenizers` reads it: from text (the charsmap is a borrowed string).
            let text = fields.to_string();
            if let Err(e) = serde_json::from_str::<tokenizers::normalizers::Precompiled>(&text) {
                let mut why = e.to_string();
                if why.chars().count() > 120 {
                    why = why.chars().take(120).chain(['…']).collect();
                }
                return Err(format!("normalizer: invalid Precompiled charsmap ({why})"));
            }
        }
        Ok(())
    }
    #[derive(serde::Deserialize)]
    struct Head {
        #[serde(default)]
        normalizer: serde_json::Value,
        #[serde(default)]
        model: Option<ModelSize>,
        #[serde(default)]
        pre_tokenizer: serde_json::Value,
        #[serde(default)]
        post_processor: serde_json::Value,
        #[serde(default)]
        decoder: serde_json::Value,
    }
    check_depth(text)?;
    // A syntax error is reported here, before `tokenizers` reads the file: its streaming
    // parser would build (and possibly panic on) the normalizer before reaching the error.
    let head =
        serde_json::from_str::<Head>(text).map_err(|e| explain_load_error(text, &e.to_string()))?;
    let model = head.model.unwrap_or_default();
    let merges = model.merges.as_ref().map(|m| m.count);
    for (what, count) in [
        ("vocab", model.vocab.as_ref().map(|c| c.0)),
        ("merges", merges),
    ] {
        let n = count.unwrap_or(0);
        if n > MAX_MODEL_ENTRIES {
            return Err(format!(
                "model.{what} has {n} entries, more than the {MAX_MODEL_ENTRIES} tokstat reads \
                 (loading takes about 1.3 KB per entry, {:.1} GB for this one)",
                n as f64 * 1.3e-6
            ));
        }
    }
    check_subword_prefix(&model)?;
    each_node(&head.normalizer, &check_precompiled)?;
    for (name, section) in [
        ("normalizer", &head.normalizer),
        ("pre_tokenizer", &head.pre_tokenizer),
        ("decoder", &head.decoder),
    ] {
        each_node(section, &check_regex).map_err(|e| format!("{name}: {e}"))?;
    }
    each_node(&head.post_processor, &check_template)
}

/// Refuses a BPE model whose `continuing_subword_prefix` does not begin the second token of
/// every merge: `tokenizers` cuts that many bytes off each one without looking, and panics (or
/// reads a cut character) when the token is shorter or starts otherwise.
fn check_subword_prefix(model: &ModelSize) -> std::result::Result<(), String> {
    let (Some(prefix), Some(merges)) = (&model.continuing_subword_prefix, &model.merges) else {
        return Ok(());
    };
    match &merges.seconds_start {
        Some(start) if !start.starts_with(prefix.as_str()) => Err(format!(
            "model: continuing_subword_prefix {prefix:?} must begin the second token of every \
             merge (the tokenizers library cuts it off), but their common start is {start:?}"
        )),
        _ => Ok(()),
    }
}

/// The deepest nesting of arrays and objects tokstat reads in a `tokenizer.json` section. Real
/// files nest at most a few levels (a `Sequence` of `Split`s with a `Regex` pattern is 5);
/// `tokenizers` reads a decoder 64 `Sequence`s deep into serde_json's recursion limit and
/// panics (an `expect` on the result) instead of returning the error.
pub const MAX_SECTION_DEPTH: usize = 64;

/// Refuses a file with a top-level section nested deeper than [`MAX_SECTION_DEPTH`], naming the
/// section. Files that are not a JSON object are left to the parse that follows.
fn check_depth(text: &str) -> std::result::Result<(), String> {
    if json_depth(text) <= MAX_SECTION_DEPTH + 1 {
        return Ok(());
    }
    let Ok(sections) = serde_json::from_str::<
        std::collections::BTreeMap<String, &serde_json::value::RawValue>,
    >(text) else {
        return Ok(());
    };
    match sections
        .iter()
        .map(|(name, raw)| (name, json_depth(raw.get())))
        .find(|&(_, depth)| depth > MAX_SECTION_DEPTH)
    {
        Some((name, depth)) => Err(format!(
            "`{name}` is nested {depth} levels deep, more than the {MAX_SECTION_DEPTH} tokstat reads"
        )),
        None => Ok(()),
    }
}

/// The deepest nesting of arrays and objects in JSON text (0 for a scalar), by a scan that
/// skips strings; it does not check the syntax.
fn json_depth(text: &str) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in text.as_bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// The most groups, classes and quantifiers a `Regex` pattern may have. Oniguruma, which
/// compiles the `Regex` patterns of `Split`, `Replace` and the `Replace` decoder, recurses once
/// per nesting level: `a{1,2}` repeated 4,000 times overflows the 2 MB stack of a worker thread
/// and aborts the process. The published pre-tokenizer patterns have far fewer: GPT-2's 15,
/// Llama 3's 24, o200k's 56.
pub const MAX_REGEX_OPERATORS: usize = 500;

/// A `{"Regex": pattern}` value: the pattern has at most [`MAX_REGEX_OPERATORS`] operators.
fn check_regex(v: &serde_json::Value) -> std::result::Result<(), String> {
    let Some(pattern) = v.get("Regex").and_then(serde_json::Value::as_str) else {
        return Ok(());
    };
    let n = regex_operators(pattern);
    if n > MAX_REGEX_OPERATORS {
        return Err(format!(
            "a Regex pattern has {n} groups, classes and quantifiers, more than the \
             {MAX_REGEX_OPERATORS} tokstat reads (Oniguruma compiles each nesting level recursively)"
        ));
    }
    Ok(())
}

/// Counts the unescaped `(`, `[`, `{`, `*`, `+` and `?` of a regex pattern: an upper bound on
/// its nesting depth.
fn regex_operators(pattern: &str) -> usize {
    let mut escaped = false;
    pattern
        .chars()
        .filter(|&c| {
            let counts = !escaped && "([{*+?".contains(c);
            escaped = !escaped && c == '\\';
            counts
        })
        .count()
}

/// Runs `check` on `v` and on every value nested in it, stopping at the first error.
fn each_node(
    v: &serde_json::Value,
    check: &dyn Fn(&serde_json::Value) -> std::result::Result<(), String>,
) -> std::result::Result<(), String> {
    check(v)?;
    match v {
        serde_json::Value::Array(a) => a.iter().try_for_each(|v| each_node(v, check)),
        serde_json::Value::Object(o) => o.values().try_for_each(|v| each_node(v, check)),
        _ => Ok(()),
    }
}

/// A `TemplateProcessing` post-processor (the caller visits those nested in a `Sequence` too):
/// each special token its `single` and `pair` templates name is a key of its `special_tokens`,
/// and each of those has as many `ids` as `tokens`. `tokenizers` checks this when a template is
/// built in code but not when it is read from a file, and indexes its map with the name when
/// encoding. Any object with a `single`, `pair` or `special_tokens` field counts, whatever its
/// `type` says: serde does not check the tag, so `tokenizers` reads a `"TemplateProceszing"` as
/// a template too.
fn check_template(v: &serde_json::Value) -> std::result::Result<(), String> {
    let looks_like_template = ["single", "pair", "special_tokens"]
        .iter()
        .any(|k| v.get(k).is_some());
    if v["type"] == "TemplateProcessing" || looks_like_template {
        let defined = v["special_tokens"].as_object();
        for (name, token) in defined.into_iter().flatten() {
            let ids = token["ids"].as_array().map_or(0, Vec::len);
            let tokens = token["tokens"].as_array().map_or(0, Vec::len);
            if ids != tokens {
                return Err(format!(
                    "post_processor: special token {name:?} has {ids} ids but {tokens} tokens"
                ));
            }
        }
        for template in ["single", "pair"] {
            let pieces = v[template].as_array().into_iter().flatten();
            for name in pieces.filter_map(|p| p["SpecialToken"]["id"].as_str()) {
                if !defined.is_some_and(|d| d.contains_key(name)) {
                    return Err(format!(
                        "post_processor: the {template} template uses special token {name:?}, \
                         which its special_tokens does not define"
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Whether every part of the pipeline is of a kind that splits before a single space between two
/// words anyway (see [`super::chunked`]), judged from its serialised form.
fn splits_before_single_spaces<M: tokenizers::Model>(inner: &Pipeline<M>) -> bool {
    use serde_json::Value;
    fn normalizer_ok(v: &Value) -> bool {
        match v["type"].as_str() {
            Some("Sequence") => v["normalizers"]
                .as_array()
                .is_some_and(|a| a.iter().all(normalizer_ok)),
            Some(
                "NFC" | "NFD" | "NFKC" | "NFKD" | "Lowercase" | "Precompiled" | "BertNormalizer"
                | "StripAccents" | "Nmt",
            ) => true,
            // A literal replacement that cannot span the space of a cut, or the collapsing of
            // space runs (a cut space has no space beside it).
            Some("Replace") => match (&v["pattern"]["String"], &v["pattern"]["Regex"]) {
                (Value::String(s), _) => !(s.contains(' ') && s.chars().any(|c| c != ' ')),
                (_, Value::String(r)) => r == " {2,}",
                _ => false,
            },
            _ => false,
        }
    }
    fn pre_tokenizer_ok(v: &Value) -> bool {
        match v["type"].as_str() {
            Some("Sequence") => v["pretokenizers"]
                .as_array()
                .is_some_and(|a| a.iter().all(pre_tokenizer_ok)),
            Some("ByteLevel") => v["use_regex"].as_bool() != Some(false),
            Some("Metaspace") => v["split"].as_bool() != Some(false),
            Some("Whitespace" | "WhitespaceSplit" | "BertPreTokenizer" | "Punctuation") => true,
            _ => false,
        }
    }
    let as_json = |v: Option<Result<Value, serde_json::Error>>| match v {
        None => Some(Value::Null),
        Some(r) => r.ok(),
    };
    let Some(normalizer) = as_json(inner.get_normalizer().map(serde_json::to_value)) else {
        return false;
    };
    let Some(pre) = as_json(inner.get_pre_tokenizer().map(serde_json::to_value)) else {
        return false;
    };
    let added_ok = inner
        .get_added_tokens_decoder()
        .values()
        .all(|t| !(t.rstrip || (t.content.contains(' ') && t.content.chars().any(|c| c != ' '))));
    (normalizer.is_null() || normalizer_ok(&normalizer))
        && !pre.is_null()
        && pre_tokenizer_ok(&pre)
        && added_ok
}

/// Says which part of a `tokenizer.json` `tokenizers` could not load.
///
/// serde reports an unknown `type` as "data did not match any variant of untagged enum … at line
/// L column C", which reads like a syntax error. When the file is valid JSON, the message names
/// the top-level section that holds that position and its `type`.
fn explain_load_error(text: &str, message: &str) -> String {
    use serde_json::value::RawValue;
    let sections: std::collections::BTreeMap<&str, &RawValue> = match serde_json::from_str(text) {
        Ok(s) => s,
        Err(e) => return format!("not valid JSON: {e}"),
    };
    let Some(at) = error_offset(text, message) else {
        return format!("valid JSON, but `tokenizers` cannot load it: {message}");
    };
    let base = text.as_ptr() as usize;
    let section = sections.iter().find(|(_, raw)| {
        let start = raw.get().as_ptr() as usize - base;
        (start..start + raw.get().len()).contains(&at)
    });
    match section {
        Some((name, raw)) => {
            let kind = serde_json::from_str::<serde_json::Value>(raw.get())
                .ok()
                .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(String::from))
                .map(|t| format!(" (type `{t}`)"))
                .unwrap_or_default();
            format!(
                "valid JSON, but its `{name}`{kind} is not a form `tokenizers` {} knows: {message}",
                TOKENIZERS_VERSION
            )
        }
        None => format!("valid JSON, but `tokenizers` cannot load it: {message}"),
    }
}

/// The `tokenizers` release tokstat is built with.
const TOKENIZERS_VERSION: &str = "0.23";

/// The byte offset of serde's "at line L column C" in `text` (columns count bytes).
fn error_offset(text: &str, message: &str) -> Option<usize> {
    let tail = &message[message.rfind(" at line ")? + " at line ".len()..];
    let mut words = tail.split_whitespace();
    let line: usize = words.next()?.parse().ok()?;
    let column: usize = words.nth(1)?.parse().ok()?;
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line - 2)?.0 + 1
    };
    Some(line_start + column.saturating_sub(1))
}

/// Turns off `trim_offsets` in RoBERTa / byte-level post-processors.
///
/// With trimming, a `Ġ` token that is only a space gets an empty offset range, and `Ġword`
/// loses its space: offsets would no longer say which bytes a token encodes. Ids are unchanged.
fn untrim_offsets<M: tokenizers::Model>(inner: &mut Pipeline<M>) {
    match inner.get_post_processor().cloned() {
        Some(PostProcessorWrapper::Roberta(mut p)) if p.trim_offsets => {
            p.trim_offsets = false;
            inner.with_post_processor(Some(p));
        }
        Some(PostProcessorWrapper::ByteLevel(mut p)) if p.trim_offsets => {
            p.trim_offsets = false;
            inner.with_post_processor(Some(p));
        }
        _ => {}
    }
}

/// Max id + 1 of the model's own vocabulary. Unigram ids are dense (positions of the pieces);
/// the other models map strings to ids, which may leave gaps (`{"a": 0, "b": 60000}`).
fn model_id_end(model: &ModelWrapper) -> usize {
    use tokenizers::Model;
    let end = |vocab: std::collections::HashMap<String, u32>| {
        vocab.values().map(|&id| id as usize + 1).max().unwrap_or(0)
    };
    match model {
        ModelWrapper::Unigram(u) => u.get_vocab_size(),
        ModelWrapper::BPE(m) => end(m.get_vocab()),
        ModelWrapper::WordPiece(m) => end(m.get_vocab()),
        ModelWrapper::WordLevel(m) => end(m.get_vocab()),
    }
}

/// Turns off truncation and padding, and returns what was turned off.
///
/// A file such as sentence-transformers' all-MiniLM-L6-v2 pads and cuts every text to 128
/// tokens; counted as it stands, every text would be 128 tokens long.
fn disable_serving_settings<M: tokenizers::Model>(
    inner: &mut Pipeline<M>,
) -> std::result::Result<ServingSettings, String> {
    use tokenizers::PaddingStrategy;
    let serving = ServingSettings {
        truncation: inner.get_truncation().map(|t| t.max_length),
        padding: inner.get_padding().map(|p| match p.strategy {
            PaddingStrategy::Fixed(n) => Padding::Fixed(n),
            PaddingStrategy::BatchLongest => Padding::BatchLongest,
        }),
    };
    inner
        .with_truncation(None)
        .map_err(|e| format!("cannot turn truncation off: {e}"))?;
    inner.with_padding(None);
    Ok(serving)
}

/// Reads a scalar field of the model section (the last occurrence of `key` in the file).
fn json_field(text: &str, key: &str) -> Option<String> {
    let at = text.rfind(key)? + key.len();
    let rest = text[at..].trim_start();
    if let Some(s) = rest.strip_prefix('"') {
        let end = s.find('"')?;
        Some(s[..end].to_string())
    } else {
        let end = rest.find(|c: char| !c.is_ascii_digit())?;
        Some(rest[..end].to_string()).filter(|s| !s.is_empty())
    }
}

impl<M: HfModel> Tokenizer for HfTokenizer<M> {
    fn name(&self) -> &str {
        &self.name
    }

    fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn serving_settings(&self) -> ServingSettings {
        self.serving
    }

    fn algorithm(&self) -> Algorithm {
        self.inner.get_model().algorithm()
    }

    fn vocab_size(&self) -> VocabSize {
        self.vocab
    }

    fn encode(&self, text: &str, add_special_tokens: bool) -> Result<super::Encoding> {
        if !add_special_tokens && let Some(enc) = self.native_encode(text) {
            return Ok(enc);
        }
        self.pipeline_encode(text, add_special_tokens)
    }

    fn encode_lean(&self, text: &str) -> Result<Option<super::LeanEncoding>> {
        Ok(self.native_lean(text))
    }

    fn splits_before_single_spaces(&self) -> bool {
        *self
            .splits_at_spaces
            .get_or_init(|| splits_before_single_spaces(&self.inner))
    }

    fn encode_ids(&self, text: &str, add_special_tokens: bool) -> Result<Vec<u32>> {
        if !add_special_tokens && let Some(ids) = self.native_ids(text) {
            return Ok(ids);
        }
        let enc = super::guarded(&self.name, || {
            self.inner
                .encode_fast(text, add_special_tokens)
                .map_err(|e| self.err(e))
        })?;
        Ok(enc.get_ids().to_vec())
    }

    fn decode(&self, ids: &[u32], skip_special_tokens: bool) -> Result<String> {
        if let Some(table) = self.table_for(ids.len()) {
            return Ok(table.decode(ids, skip_special_tokens));
        }
        super::guarded(&self.name, || {
            self.inner
                .decode(ids, skip_special_tokens)
                .map_err(|e| self.err(e))
        })
    }

    fn decodes_to(&self, ids: &[u32], text: &str) -> bool {
        // Only once the table exists: `decode` decides when it is worth building.
        matches!(self.decode_table.get(), Some(Some(table)) if table.decodes_to(ids, text))
    }

    fn id_to_token(&self, id: u32) -> Option<String> {
        self.inner.id_to_token(id)
    }

    fn token_to_id(&self, token: &str) -> Option<u32> {
        self.inner.token_to_id(token)
    }

    fn is_special(&self, id: u32) -> bool {
        self.specials.contains(&id)
    }

    fn unk_id(&self) -> Option<u32> {
        self.unk_id
    }

    fn is_byte_level(&self) -> bool {
        matches!(self.inner.get_decoder(), Some(DecoderWrapper::ByteLevel(_)))
    }

    fn space_marker(&self) -> Option<char> {
        if self.sentencepiece {
            return Some('▁');
        }
        match self.inner.get_pre_tokenizer() {
            Some(PreTokenizerWrapper::ByteLevel(_)) => Some('Ġ'),
            Some(PreTokenizerWrapper::Metaspace(m)) => Some(m.get_replacement()),
            Some(PreTokenizerWrapper::Sequence(_)) | None | Some(_) => {
                if self.is_byte_level() {
                    Some('Ġ')
                } else if matches!(self.inner.get_decoder(), Some(DecoderWrapper::Metaspace(_))) {
                    Some('▁')
                } else {
                    None
                }
            }
        }
    }

    fn added_tokens(&self) -> Vec<(u32, String, bool)> {
        let mut added: Vec<(u32, String, bool)> = self
            .inner
            .get_added_tokens_decoder()
            .into_iter()
            .map(|(id, t)| (id, t.content, t.special))
            .collect();
        added.sort();
        added
    }

    fn fingerprint(&self) -> String {
        self.fingerprint
            .get_or_init(|| match &self.fingerprint_source {
                FingerprintSource::Embedded(gz) => {
                    // The digest of the decompressed file, as listed in PROVENANCE.md; computed on
                    // first use only, so that loading does not pay for it.
                    use sha2::{Digest, Sha256};
                    let mut json = Vec::with_capacity(gz.len() * 5);
                    match flate2::read::GzDecoder::new(*gz).read_to_end(&mut json) {
                        Ok(_) => hex16(&Sha256::digest(&json)),
                        // Loading already decompressed it once, so this cannot fail; hash the
                        // compressed bytes rather than panic if it ever did.
                        Err(_) => hex16(&Sha256::digest(gz)),
                    }
                }
                FingerprintSource::Digest(d) => d.clone(),
            })
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The decode table against HF's own decode of the same pipeline: every single id (and a few
    /// past the end) and random id sequences, with and without special tokens, on the bundled
    /// byte-level tokenizers over HF's `BPE` and over the rank model, and on XLM-R (`Metaspace`)
    /// over HF's `Unigram` and the compact one.
    #[test]
    fn the_decode_table_decodes_as_hf_does() {
        fn check<M: HfModel>(t: &HfTokenizer<M>) {
            let end = t.vocab.total as u32;
            let table = t
                .new_decode_table()
                .expect("a decoder the table reproduces");
            let hf = |ids: &[u32], skip| t.inner.decode(ids, skip).expect("HF decodes");
            for id in 0..end + 3 {
                for skip in [false, true] {
                    assert_eq!(table.decode(&[id], skip), hf(&[id], skip), "{id}");
                }
            }
            let mut rng = crate::test_text::XorShift(0x9E37_79B9_7F4A_7C15);
            for _ in 0..500 {
                let len = rng.below(40);
                // Mostly low ids (bytes, specials), some anywhere, a few past the end.
                let ids: Vec<u32> = (0..len)
                    .map(|_| match rng.below(4) {
                        0 => rng.below(300) as u32,
                        _ => rng.below(end as usize + 5) as u32,
                    })
                    .collect();
                for skip in [false, true] {
                    assert_eq!(table.decode(&ids, skip), hf(&ids, skip), "{ids:?}");
                }
            }
            // The tokenizer switches to the table once it has decoded as many tokens as it has
            // ids, and decodes the same text on both sides of the switch.
            let ids: Vec<u32> = (0..end).collect();
            assert!(t.decode_table.get().is_none());
            let before = t.decode(&ids[..end as usize / 2], false).expect("decodes");
            assert!(t.decode_table.get().is_none());
            assert_eq!(before, hf(&ids[..end as usize / 2], false));
            let all = t.decode(&ids, true).expect("decodes");
            assert!(t.decode_table.get().is_some_and(Option::is_some));
            assert_eq!(all, hf(&ids, true));
        }
        for name in ["roberta", "modernbert", "olmo"] {
            let Some(b) = crate::tokenizer::find_bundled(name) else {
                panic!("{name} is bundled")
            };
            let super::super::Source::Embedded(gz) = b.source else {
                panic!("{name} is a tokenizer.json")
            };
            check(&HfTokenizer::from_gzip(name, gz).expect("loads"));
            let rank = crate::tokenizer::rank_bpe::bundled(name, gz).expect("tables");
            check(&rank.expect("loads"));
        }
        let Some(b) = crate::tokenizer::find_bundled("xlm-roberta") else {
            panic!("xlm-roberta is bundled")
        };
        let super::super::Source::Embedded(gz) = b.source else {
            panic!("xlm-roberta is a tokenizer.json")
        };
        check(&HfTokenizer::from_gzip("xlm-roberta", gz).expect("loads"));
        let compact = crate::tokenizer::compact_unigram::load_bundled("xlm-roberta", gz);
        check(&compact.expect("tables").expect("loads"));
    }

    #[test]
    fn json_field_reads_scalars() {
        assert_eq!(
            json_field(r#"{"model":{"unk_id": 3,"x":1}}"#, "\"unk_id\":").as_deref(),
            Some("3")
        );
        assert_eq!(
            json_field(r#"{"unk_token":"[UNK]"}"#, "\"unk_token\":").as_deref(),
            Some("[UNK]")
        );
        assert_eq!(json_field(r#"{"unk_id":null}"#, "\"unk_id\":"), None);
    }

    #[test]
    fn xlm_roberta_takes_the_direct_path() {
        let Some(b) = crate::tokenizer::find_bundled("xlm-roberta") else {
            panic!("xlm-roberta is bundled")
        };
        let super::super::Source::Embedded(gz) = b.source else {
            panic!("xlm-roberta is a tokenizer.json")
        };
        let mut json = String::new();
        flate2::read::GzDecoder::new(gz)
            .read_to_string(&mut json)
            .unwrap();
        let t = load_model_directly(&json).expect("direct loader accepts XLM-R");
        assert_eq!(t.get_vocab_size(true), 250_002);
        // Other model types are left to the generic loader.
        assert!(
            load_model_directly(
                r#"{"version":"1.0","model":{"type":"WordLevel","vocab":{"a":0},"unk_token":"a"}}"#
            )
            .is_none()
        );
    }

    #[test]
    fn sparse_model_ids_count_to_the_max_id() {
        // Python `tokenizers` encodes "b a" of this file as [60000, 0].
        let json = r#"{"version":"1.0","added_tokens":[],"pre_tokenizer":{"type":"Whitespace"},
            "model":{"type":"WordLevel","vocab":{"a":0,"[UNK]":1,"b":60000},"unk_token":"[UNK]"}}"#;
        let t = HfTokenizer::from_json("sparse.json", json.as_bytes()).unwrap();
        let v = t.vocab_size();
        assert_eq!((v.total, v.regular, v.added), (60_001, 3, 0));
        assert_eq!(t.encode_ids("b a", false).unwrap(), vec![60_000, 0]);
    }

    #[test]
    fn an_unknown_type_names_its_section() {
        let json = r#"{"version":"1.0","added_tokens":[],
"pre_tokenizer":{"type":"NoSuchThing"},
"model":{"type":"WordLevel","vocab":{"a":0,"[UNK]":1},"unk_token":"[UNK]"}}"#;
        let e = HfTokenizer::from_json("t.json", json.as_bytes())
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("valid JSON, but its `pre_tokenizer` (type `NoSuchThing`)"),
            "{e}"
        );
    }

    #[test]
    fn json_depth_counts_brackets_outside_strings() {
        assert_eq!(json_depth("1"), 0);
        assert_eq!(json_depth(r#"{"a": [1, {"b": "[[{{\\\"["}]}"#), 3);
        assert_eq!(json_depth(r#"[[], [[]], {}]"#), 3);
    }

    #[test]
    fn a_section_nested_too_deep_is_named() {
        let deep = "[".repeat(MAX_SECTION_DEPTH + 1) + &"]".repeat(MAX_SECTION_DEPTH + 1);
        let text = format!(r#"{{"model": {{}}, "decoder": {deep}}}"#);
        let err = check_depth(&text).unwrap_err();
        assert!(err.contains("`decoder` is nested 65 levels deep"), "{err}");
        let ok = "[".repeat(MAX_SECTION_DEPTH) + &"]".repeat(MAX_SECTION_DEPTH);
        assert_eq!(check_depth(&format!(r#"{{"decoder": {ok}}}"#)), Ok(()));
    }

    #[test]
    fn regex_operators_skip_escaped_characters() {
        assert_eq!(regex_operators(r"(a|b)*\(\\[x]{2}\p{L}+"), 6);
        let chain = "a".to_string() + &"{1,2}".repeat(MAX_REGEX_OPERATORS + 1);
        let err = check_regex(&serde_json::json!({ "Regex": chain })).unwrap_err();
        assert!(err.contains("has 501 groups"), "{err}");
        assert_eq!(check_regex(&serde_json::json!({ "String": chain })), Ok(()));
    }

    #[test]
    fn merges_that_start_with_the_subword_prefix_load() {
        assert_eq!(common_start("##é", "##è"), 2);
        assert_eq!(common_start("é", "è"), 0);
        assert_eq!(common_start("##", "##ab"), 2);
        let file = |merges: &str| {
            format!(
                r###"{{"model": {{"type": "BPE", "continuing_subword_prefix": "##",
                "vocab": {{"a": 0, "##b": 1, "a##b": 2, "ab": 3, "##é": 4, "aé": 5}},
                "merges": {merges}}}}}"###
            )
        };
        let ok = file(r###"[["a", "##b"], ["a", "##é"]]"###);
        let t = HfTokenizer::from_json("ok.json", ok.as_bytes()).expect("loads");
        assert_eq!(t.vocab_size().regular, 6);
        let bad = file(r###"["a ##b", "a #é"]"###);
        let Err(e) = HfTokenizer::from_json("bad.json", bad.as_bytes()) else {
            panic!("bad.json loaded")
        };
        assert!(
            e.to_string().contains(r##"their common start is "#""##),
            "{e}"
        );
    }

    #[test]
    fn a_panic_while_reading_a_file_is_an_error_naming_it() {
        // The fuzz finding the preflight refuses, read without the preflight: `tokenizers`
        // panics on a slice while building the model.
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/fuzz/tokenizer_json/bpe-subword-prefix-longer-than-merge.json"
        );
        let json = std::fs::read(path).expect("fuzz finding");
        let source = FingerprintSource::Digest(String::new());
        let Err(e) = HfTokenizer::build("f.json", &json, source, Preflight::Skip) else {
            panic!("f.json loaded")
        };
        let text = e.to_string();
        assert!(text.starts_with("f.json: "), "{text}");
        assert!(text.contains("the tokenizers library failed reading it (range end index"));
    }

    #[test]
    fn garbled_json_is_an_error() {
        let e = HfTokenizer::from_json("x.json", b"{\"model\": 1")
            .err()
            .unwrap();
        assert!(
            e.to_string()
                .starts_with("x.json: not a valid tokenizer.json"),
            "{e}"
        );
        let e = HfTokenizer::from_json("y.json", b"  ").err().unwrap();
        assert!(e.to_string().contains("empty"), "{e}");
    }
}
