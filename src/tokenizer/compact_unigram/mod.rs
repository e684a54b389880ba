//! An exact unigram (SentencePiece) encoder over the compact, build-time-prepared form of a
//! vocabulary ([`table`]), for the bundled XLM-RoBERTa.
//!
//! HF `tokenizers` builds a hash-map trie of all 250,002 pieces whenever XLM-R is loaded (most of
//! its half-second start-up); here the trie is flat arrays written by `build.rs` and read in
//! place. The segmentation is HF `Unigram`'s optimised Viterbi (SentencePiece's
//! `EncodeOptimized`, Kudo 2018, "Subword Regularization", §3.1) step for step: the best-scoring
//! segmentation into pieces, an unknown character scored as the lowest piece score minus 10,
//! neighbouring unknowns fused into one token, and byte fallback (`<0xNN>` pieces) where the
//! model has it. It sits behind the same `tokenizers` pipeline (normalizer, pre-tokenizer, added
//! tokens, post-processor, decoder) as the reference, which `tests/compact_unigram.rs` checks ids
//! and offsets against, on every bundled corpus and on generated text.

mod native;
pub mod table;

pub(crate) use native::NativeUnigram;

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tokenizers::models::unigram::UnigramTrainer;
use tokenizers::{Model, Token};

use table::{MAGIC, NONE};

use super::HfTokenizer;
use super::hf::FingerprintSource;
use crate::{Error, Result};

/// Section boundaries of a compact table (byte ranges into its bytes).
#[derive(Debug, Clone, Copy)]
struct Layout {
    n: usize,
    min_score: f64,
    unk_id: Option<u32>,
    byte_fallback: bool,
    scores: usize,
    ends: usize,
    first: usize,
    value: usize,
    child: usize,
    label: usize,
    text: usize,
}

/// A unigram model read from the compact form of [`table`].
#[derive(Debug, Clone)]
pub struct CompactUnigram {
    bytes: Cow<'static, [u8]>,
    at: Layout,
}

/// Why bytes are not a compact unigram table.
#[derive(Debug, thiserror::Error)]
#[error("not a compact unigram table: {0}")]
pub struct TableError(&'static str);

/// The error `tokenizers` reports for an unknown piece without an unk id (as its `Unigram`).
#[derive(Debug, thiserror::Error)]
#[error("Encountered an unknown token but `unk_id` is missing")]
pub(crate) struct MissingUnkId;

/// The best path found so far to one position: its last piece, score and where that piece starts.
#[derive(Clone, Copy)]
struct Best {
    id: u32,
    score: f64,
    start: usize,
}

/// The length of the UTF-8 sequence that starts with byte `b`.
fn utf8_len(b: u8) -> usize {
    match b {
        0..0xC0 => 1,
        0xC0..0xE0 => 2,
        0xE0..0xF0 => 3,
        _ => 4,
    }
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(b)
}

fn f64_at(bytes: &[u8], at: usize) -> f64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&bytes[at..at + 8]);
    f64::from_le_bytes(b)
}

impl CompactUnigram {
    /// Reads a table written by [`table::build`]; checks that its sections fit its length.
    pub fn new(bytes: Cow<'static, [u8]>) -> std::result::Result<Self, TableError> {
        if bytes.len() < 36 || &bytes[..8] != MAGIC {
            return Err(TableError("wrong magic or too short"));
        }
        let field = |i: usize| u32_at(&bytes, 8 + 4 * i) as usize;
        let (n, m, e, unk) = (field(0), field(1), field(2), field(3) as u32);
        let scores = 36;
        let ends = scores + 8 * n;
        let first = ends + 4 * n;
        let value = first + 4 * (m + 1);
        let child = value + 4 * m;
        let label = child + 4 * e;
        let text = label + e;
        let text_len = if n == 0 {
            0
        } else {
            u32_at(&bytes, ends + 4 * (n - 1)) as usize
        };
        if m == 0 || bytes.len() != text + text_len {
            return Err(TableError("sections do not add up to its length"));
        }
        let at = Layout {
            n,
            min_score: f64_at(&bytes, 28),
            unk_id: (unk != NONE).then_some(unk),
            byte_fallback: field(4) != 0,
            scores,
            ends,
            first,
            value,
            child,
            label,
            text,
        };
        Ok(Self { bytes, at })
    }

    /// The id's piece, as bytes of the table.
    fn piece(&self, id: usize) -> &str {
        let end = u32_at(&self.bytes, self.at.ends + 4 * id) as usize;
        let start = match id {
            0 => 0,
            _ => u32_at(&self.bytes, self.at.ends + 4 * (id - 1)) as usize,
        };
        // Written from `String`s by `table::build`; a piece is valid UTF-8.
        std::str::from_utf8(&self.bytes[self.at.text + start..self.at.text + end]).unwrap_or("")
    }

    fn score(&self, id: usize) -> f64 {
        f64_at(&self.bytes, self.at.scores + 8 * id)
    }

    /// The child of `node` along byte `b`, if any (binary search of the node's sorted labels).
    fn child(&self, node: usize, b: u8) -> Option<usize> {
        let lo = u32_at(&self.bytes, self.at.first + 4 * node) as usize;
        let hi = u32_at(&self.bytes, self.at.first + 4 * (node + 1)) as usize;
        let labels = &self.bytes[self.at.label + lo..self.at.label + hi];
        let i = labels.binary_search(&b).ok()?;
        Some(u32_at(&self.bytes, self.at.child + 4 * (lo + i)) as usize)
    }

    fn value(&self, node: usize) -> Option<u32> {
        let v = u32_at(&self.bytes, self.at.value + 4 * node);
        (v != NONE).then_some(v)
    }

    /// The id of a piece spelled exactly `s` (the last one, if spelled twice).
    fn lookup(&self, s: &str) -> Option<u32> {
        let mut node = 0;
        for &b in s.as_bytes() {
            node = self.child(node, b)?;
        }
        if s.is_empty() { None } else { self.value(node) }
    }

    /// The best segmentation of `sentence` as `(start, end, id)` byte ranges, unknown runs
    /// fused (HF `Unigram::encode_optimized`, whose ties keep the first candidate found).
    fn segment(
        &self,
        sentence: &str,
    ) -> std::result::Result<Vec<(usize, usize, Option<u32>)>, MissingUnkId> {
        let bytes = sentence.as_bytes();
        let unk_score = self.at.min_score - 10.0;
        let mut best: Vec<Option<Best>> = vec![None; bytes.len() + 1];
        let mut start = 0;
        while start < bytes.len() {
            let here = best[start].map_or(0.0, |b| b.score);
            let mblen = utf8_len(bytes[start]);
            let mut has_single = false;
            let mut node = 0;
            for (k, &b) in bytes[start..].iter().enumerate() {
                let Some(c) = self.child(node, b) else { break };
                node = c;
                let Some(id) = self.value(node) else { continue };
                let end = start + k + 1;
                let score = self.score(id as usize) + here;
                if best[end].is_none_or(|t| score > t.score) {
                    best[end] = Some(Best { id, score, start });
                }
                has_single |= k + 1 == mblen;
            }
            if !has_single {
                let unk = self.at.unk_id.ok_or(MissingUnkId)?;
                let end = start + mblen;
                let score = unk_score + here;
                if best[end].is_none_or(|t| score > t.score) {
                    best[end] = Some(Best {
                        id: unk,
                        score,
                        start,
                    });
                }
            }
            start += mblen;
        }
        Ok(self.backtrack(&best, bytes.len()))
    }

    /// Walks the best path back from the end; a run of unknown nodes becomes one range whose id
    /// is looked up again by its text (`None` when it is not a piece).
    fn backtrack(&self, best: &[Option<Best>], len: usize) -> Vec<(usize, usize, Option<u32>)> {
        let mut out: Vec<(usize, usize, Option<u32>)> = Vec::new();
        let mut unk_run: Option<(usize, usize)> = None;
        let mut end = len;
        while end > 0 {
            let Some(Best { id, start, .. }) = best[end] else {
                break;
            };
            if Some(id) == self.at.unk_id {
                unk_run = Some((start, unk_run.map_or(end, |r| r.1)));
            } else {
                if let Some((s, e)) = unk_run.take() {
                    out.push((s, e, None));
                }
                out.push((start, end, Some(id)));
            }
            end = start;
        }
        if let Some((s, e)) = unk_run {
            out.push((s, e, None));
        }
        out.reverse();
        out
    }
}

impl Model for CompactUnigram {
    type Trainer = UnigramTrainer;

    fn tokenize(&self, sentence: &str) -> tokenizers::Result<Vec<Token>> {
        let mut tokens = Vec::new();
        self.each_token(sentence, |id, value, offsets| {
            tokens.push(Token::new(id, value.to_string(), offsets));
        })?;
        Ok(tokens)
    }

    fn token_to_id(&self, token: &str) -> Option<u32> {
        self.lookup(token)
    }

    fn id_to_token(&self, id: u32) -> Option<String> {
        ((id as usize) < self.at.n).then(|| self.piece(id as usize).to_string())
    }

    fn get_vocab(&self) -> HashMap<String, u32> {
        // Later ids win, as in `Unigram`'s map.
        (0..self.at.n)
            .map(|id| (self.piece(id).to_string(), id as u32))
            .collect()
    }

    fn get_vocab_size(&self) -> usize {
        self.at.n
    }

    fn save(&self, folder: &Path, prefix: Option<&str>) -> tokenizers::Result<Vec<PathBuf>> {
        let vocab: Vec<(&str, f64)> = (0..self.at.n)
            .map(|id| (self.piece(id), self.score(id)))
            .collect();
        let json = serde_json::json!({
            "type": "Unigram",
            "unk_id": self.at.unk_id,
            "vocab": vocab,
            "byte_fallback": self.at.byte_fallback,
        });
        let name = prefix.map_or("unigram.json".into(), |p| format!("{p}-unigram.json"));
        let path = folder.join(name);
        crate::output::write_atomic(&path, serde_json::to_string_pretty(&json)?.as_bytes())?;
        Ok(vec![path])
    }

    fn get_trainer(&self) -> UnigramTrainer {
        UnigramTrainer::default()
    }
}

impl CompactUnigram {
    /// `<0xNN>` tokens for every byte of an unknown run, all with the run's offsets, if the model
    /// has byte fallback and every one of them.
    fn byte_tokens(&self, text: &str) -> Option<Vec<(u32, String)>> {
        if !self.at.byte_fallback {
            return None;
        }
        text.bytes()
            .map(|b| {
                let piece = format!("<0x{b:02X}>");
                Some((self.lookup(&piece)?, piece))
            })
            .collect()
    }

    /// Calls `emit` with each token of `sentence` as [`Model::tokenize`] gives it: its id, its
    /// value (the text it covers, or its `<0xNN>` piece under byte fallback) and its offsets,
    /// without building the values' strings.
    pub(crate) fn each_token(
        &self,
        sentence: &str,
        mut emit: impl FnMut(u32, &str, (usize, usize)),
    ) -> std::result::Result<(), MissingUnkId> {
        for (start, end, id) in self.segment(sentence)? {
            let text = &sentence[start..end];
            let id = match id.or_else(|| self.lookup(text)) {
                Some(id) => id,
                None => {
                    if let Some(bytes) = self.byte_tokens(text) {
                        for (id, piece) in &bytes {
                            emit(*id, piece, (start, end));
                        }
                        continue;
                    }
                    self.at.unk_id.ok_or(MissingUnkId)?
                }
            };
            emit(id, text, (start, end));
        }
        Ok(())
    }
}

impl super::HfModel for CompactUnigram {
    fn algorithm(&self) -> super::Algorithm {
        super::Algorithm::Unigram
    }

    fn compact_unigram(&self) -> Option<&CompactUnigram> {
        Some(self)
    }

    fn id_end(&self) -> usize {
        self.at.n
    }
}

impl CompactUnigram {
    /// Builds the model from pieces in id order with their scores (what `build.rs` does for the
    /// bundled file, here at run time).
    pub fn from_pieces(pieces: &[(String, f64)], unk_id: Option<u32>, byte_fallback: bool) -> Self {
        let bytes = table::build(pieces, unk_id, byte_fallback);
        Self::new(Cow::Owned(bytes)).expect("table::build writes a valid table")
    }

    /// The unknown-piece id.
    pub fn unk_id(&self) -> Option<u32> {
        self.at.unk_id
    }
}

/// The compact table of the bundled XLM-RoBERTa vocabulary, written by `build.rs`.
static XLMR_TABLE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/xlm-roberta.unigram"));
/// The bundled XLM-RoBERTa `tokenizer.json` without its vocabulary, written by `build.rs`.
static XLMR_PIPELINE: &str = include_str!(concat!(env!("OUT_DIR"), "/xlm-roberta.pipeline.json"));

/// The bundled tokenizer `name` over the compact unigram model, if it has a compact table;
/// `gz` is its embedded `tokenizer.json`, which its fingerprint hashes.
pub fn load_bundled(name: &str, gz: &'static [u8]) -> Option<Result<HfTokenizer<CompactUnigram>>> {
    (name == "xlm-roberta").then(|| load(name, Cow::Borrowed(XLMR_TABLE), XLMR_PIPELINE, gz))
}

fn load(
    name: &str,
    table: Cow<'static, [u8]>,
    pipeline: &str,
    gz: &'static [u8],
) -> Result<HfTokenizer<CompactUnigram>> {
    let invalid = |message: String| Error::InvalidTokenizerFile {
        path: name.into(),
        message,
    };
    let model = CompactUnigram::new(table).map_err(|e| invalid(e.to_string()))?;
    let unk_id = model.unk_id();
    let inner = super::hf::pipeline_with_model(pipeline, |_| Some(model))
        .ok_or_else(|| invalid("the bundled pipeline does not load".into()))?;
    HfTokenizer::assemble(name, inner, unk_id, FingerprintSource::Embedded(gz))
}
