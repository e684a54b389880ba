//! An exact rank-based byte-level BPE encoder, for the bundled byte-level BPE tokenizers
//! (`roberta`, `modernbert`, `olmo`).
//!
//! BPE (Sennrich et al. 2016, "Neural Machine Translation of Rare Words with Subword Units")
//! encodes a word by starting from its characters and repeatedly merging the adjacent pair with
//! the lowest merge rank (the position of the merge in the file), the leftmost one on a tie, until
//! no adjacent pair has a merge. HF `tokenizers`' `BPE::merge_word` does this with a binary heap
//! over every word; here short words use tiktoken's loop (a vector of pair ranks, rescanned after
//! each merge: few symbols, no heap), long ones the heap, and the pair → (rank, merged id) map
//! hashes a packed `u64` with a multiply-shift hasher. Inside HF's pipeline it replaces only the
//! model step: the normalizer, the ByteLevel pre-tokenizer, added tokens and the post-processor
//! stay HF's, so the ids, tokens and offsets are HF's, which `tests/rank_bpe.rs` checks on every
//! bundled corpus, on generated text and on every vocabulary entry. Encodes without special
//! tokens (every analysis) skip HF's pipeline altogether: the `native` module runs added tokens,
//! NFC, the GPT-2 pre-tokenizer and this model in one pass (`TOKSTAT_NATIVE=0` turns it
//! off), checked against HF's pipeline by `tests/native_bpe.rs`.
//!
//! Which model configs qualify is decided in one place, [`table::Settings::qualify`]; any other
//! file stays on HF's `BPE`. The model reads two compact tables ([`table`]): for the bundled
//! tokenizers `build.rs` writes them, so loading reads them in place instead of parsing 50,000
//! vocabulary entries and merges from JSON (start-up from about 60 ms to about 10 ms); for a file,
//! [`RankBpe::from_model_json`] builds them in memory. The bundled tokenizers run on it unless
//! `TOKSTAT_RANK_BPE=0` puts them back on HF's `BPE`. See "An exact rank-based BPE model" in
//! `docs/compare.md` for the numbers.

mod native;
pub mod table;

pub(crate) use native::{Native, Piece};

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokenizers::models::bpe::BPE;
use tokenizers::{Model, Token};

use super::HfTokenizer;
use super::hf::FingerprintSource;
use super::tiktoken::Ranks;
use crate::{Error, Result};

/// Words with more symbols than this are merged with the heap, shorter ones with the rank loop.
const HEAP_ABOVE: usize = 64;
/// No id.
const NONE: u32 = u32::MAX;
/// Characters below this code point have their single-character id in an array.
const DIRECT_CHARS: usize = 512;

/// A multiply-shift hasher for the packed `u64` pair keys (not for untrusted keys of other kinds).
#[derive(Default, Clone, Copy)]
pub struct PairHasher(u64);

impl Hasher for PairHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0 ^ v)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(29);
    }
}

type PairMap = HashMap<u64, (u32, u32), BuildHasherDefault<PairHasher>>;

fn key(a: u32, b: u32) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

/// A byte-level BPE model: vocabulary, merges by rank, and the `ignore_merges` flag, over the
/// compact tables of [`table`] (read in place for a bundled tokenizer).
#[derive(Clone)]
pub struct RankBpe {
    vocab: Arc<Ranks>,
    char_ids: Vec<u32>,
    other_chars: HashMap<char, u32>,
    merges: PairMap,
    /// The merge table, kept for [`Model::save`].
    merge_table: Cow<'static, [u8]>,
    ignore_merges: bool,
}

impl std::fmt::Debug for RankBpe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RankBpe")
            .field("ids", &self.vocab.ids)
            .field("merges", &self.merges.len())
            .field("ignore_merges", &self.ignore_merges)
            .finish()
    }
}

/// The `model` section of a `tokenizer.json`, with every field that changes BPE's output.
#[derive(serde::Deserialize)]
struct ModelJson {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    dropout: Option<f32>,
    #[serde(default)]
    unk_token: Option<String>,
    #[serde(default)]
    continuing_subword_prefix: Option<String>,
    #[serde(default)]
    end_of_word_suffix: Option<String>,
    #[serde(default)]
    byte_fallback: bool,
    #[serde(default)]
    ignore_merges: bool,
    vocab: HashMap<String, u32>,
    merges: Vec<MergeJson>,
}

/// A merge as `tokenizer.json` spells it: `"a b"` or `["a", "b"]`.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum MergeJson {
    Line(String),
    Pair(String, String),
}

impl RankBpe {
    /// The rank model of a `tokenizer.json` `model` section, if the config qualifies (see
    /// [`table::Settings::qualify`]; `ignore_merges` is honoured) and the compact tables can hold
    /// it: every merge's parts and result in the vocabulary (HF refuses such a file too), no
    /// empty token and no two tokens with one id. `None` otherwise: the file stays on HF's `BPE`,
    /// never encoded differently.
    pub fn from_model_json(raw: &str) -> Option<Self> {
        let m: ModelJson = serde_json::from_str(raw).ok()?;
        let settings = table::Settings {
            kind: &m.kind,
            dropout: m.dropout,
            unk_token: m.unk_token.is_some(),
            byte_fallback: m.byte_fallback,
            continuing_subword_prefix: m.continuing_subword_prefix.as_deref(),
            end_of_word_suffix: m.end_of_word_suffix.as_deref(),
        };
        if !settings.qualify() {
            return None;
        }
        let merge_list = m
            .merges
            .into_iter()
            .map(|mj| match mj {
                MergeJson::Pair(a, b) => Some((a, b)),
                MergeJson::Line(l) => table::split_merge_line(&l),
            })
            .collect::<Option<Vec<_>>>()?;
        let vocab = super::tiktoken::table::build(&table::vocab_by_id(&m.vocab)?, &[]);
        let merges = table::build(&table::merge_ids(&m.vocab, &merge_list)?, m.ignore_merges);
        Self::from_tables(Cow::Owned(vocab), Cow::Owned(merges))
    }

    /// The model over its two compact tables ([`table`]), or `None` if the merge table does not
    /// read or a token is not UTF-8.
    fn from_tables(vocab: Cow<'static, [u8]>, merge_table: Cow<'static, [u8]>) -> Option<Self> {
        let vocab = Ranks::new(vocab);
        let (ignore_merges, list) = table::read(&merge_table)?;
        let mut char_ids = vec![NONE; DIRECT_CHARS];
        let mut other_chars = HashMap::new();
        for id in 0..vocab.ids as u32 {
            let Some(token) = vocab.token(id) else {
                continue;
            };
            let mut cs = std::str::from_utf8(token).ok()?.chars();
            if let (Some(c), None) = (cs.next(), cs.next()) {
                match char_ids.get_mut(c as usize) {
                    Some(slot) => *slot = id,
                    None => {
                        other_chars.insert(c, id);
                    }
                }
            }
        }
        let mut merges = PairMap::with_capacity_and_hasher(list.len(), Default::default());
        for (rank, &[a, b, new]) in list.iter().enumerate() {
            // Later duplicates win, as in HF's map.
            merges.insert(key(a, b), (u32::try_from(rank).ok()?, new));
        }
        Some(Self {
            vocab: Arc::new(vocab),
            char_ids,
            other_chars,
            merges,
            merge_table,
            ignore_merges,
        })
    }

    /// The merges in rank order, as their two parts.
    fn merge_pairs(&self) -> Vec<(String, String)> {
        let list = table::read(&self.merge_table).map_or_else(Vec::new, |(_, list)| list);
        list.iter()
            .map(|&[a, b, _]| {
                let part = |id| self.text(id).unwrap_or_default().to_string();
                (part(a), part(b))
            })
            .collect()
    }

    /// The text of token `id` (tokens are UTF-8: the tables are written from `String`s).
    pub(crate) fn text(&self, id: u32) -> Option<&str> {
        std::str::from_utf8(self.vocab.token(id)?).ok()
    }

    fn char_id(&self, c: char) -> Option<u32> {
        match self.char_ids.get(c as usize) {
            Some(&id) => (id != NONE).then_some(id),
            None => self.other_chars.get(&c).copied(),
        }
    }

    fn rank(&self, a: u32, b: u32) -> Option<(u32, u32)> {
        self.merges.get(&key(a, b)).copied()
    }

    /// The word's characters as `(id, start, end)`; characters outside the vocabulary are dropped,
    /// as HF's `BPE` without `unk_token` drops them.
    fn symbols(&self, word: &str) -> Vec<(u32, usize, usize)> {
        word.char_indices()
            .filter_map(|(i, c)| Some((self.char_id(c)?, i, i + c.len_utf8())))
            .collect()
    }

    /// Merges `syms` (at most [`HEAP_ABOVE`] of them) in place: the lowest-rank adjacent pair,
    /// leftmost on a tie, until none. The pairs' ranks live on the stack: this runs once per
    /// piece, and a heap allocation per piece costs more than the merges of most pieces.
    fn merge_loop(&self, syms: &mut Vec<(u32, usize, usize)>) {
        let rank_at = |s: &[(u32, usize, usize)], i: usize| {
            self.rank(s[i].0, s[i + 1].0).map_or(u32::MAX, |r| r.0)
        };
        let mut buf = [u32::MAX; HEAP_ABOVE];
        let mut pairs = syms.len().saturating_sub(1);
        for (i, r) in buf[..pairs].iter_mut().enumerate() {
            *r = rank_at(syms, i);
        }
        loop {
            let ranks = &mut buf[..pairs];
            let mut best = (u32::MAX, 0);
            for (i, &r) in ranks.iter().enumerate() {
                if r < best.0 {
                    best = (r, i);
                }
            }
            if best.0 == u32::MAX {
                return;
            }
            let i = best.1;
            let (_, new) = self.rank(syms[i].0, syms[i + 1].0).expect("ranked pair");
            syms[i] = (new, syms[i].1, syms[i + 1].2);
            syms.remove(i + 1);
            ranks.copy_within(i + 1.., i);
            pairs -= 1;
            if i < pairs {
                buf[i] = rank_at(syms, i);
            }
            if i > 0 {
                buf[i - 1] = rank_at(syms, i - 1);
            }
        }
    }

    /// Merges `syms` with a heap over a linked list (HF's `Word::merge_all`, O(n log n)).
    fn merge_heap(&self, syms: &mut Vec<(u32, usize, usize)>) {
        let n = syms.len();
        let mut next: Vec<usize> = (1..=n).collect();
        let mut prev: Vec<usize> = (0..n).map(|i| i.wrapping_sub(1)).collect();
        let mut alive = vec![true; n];
        let mut heap = BinaryHeap::new();
        let push = |heap: &mut BinaryHeap<_>, s: &[(u32, usize, usize)], i: usize, j: usize| {
            if let Some((r, _)) = self.rank(s[i].0, s[j].0) {
                heap.push(Reverse((r, i)));
            }
        };
        for i in 0..n.saturating_sub(1) {
            push(&mut heap, syms, i, i + 1);
        }
        while let Some(Reverse((r, i))) = heap.pop() {
            let j = next[i];
            if !alive[i] || j >= n {
                continue;
            }
            let Some((r2, new)) = self.rank(syms[i].0, syms[j].0) else {
                continue;
            };
            if r2 != r {
                continue;
            }
            syms[i] = (new, syms[i].1, syms[j].2);
            alive[j] = false;
            next[i] = next[j];
            if next[i] < n {
                prev[next[i]] = i;
                push(&mut heap, syms, i, next[i]);
            }
            if prev[i] < n {
                push(&mut heap, syms, prev[i], i);
            }
        }
        let mut k = 0;
        syms.retain(|_| {
            k += 1;
            alive[k - 1]
        });
    }

    /// The tokens of one pre-tokenized word, offsets in bytes of `word`.
    pub fn encode_word(&self, word: &str) -> Vec<(u32, usize, usize)> {
        if self.ignore_merges
            && let Some(id) = self.vocab.rank(word.as_bytes())
        {
            return vec![(id, 0, word.len())];
        }
        let mut syms = self.symbols(word);
        self.merge(&mut syms);
        syms
    }

    /// The tokens of one pre-tokenized piece given as its raw bytes, each byte starting as the id
    /// of its printable character (`byte_ids`), into `out` with offsets in bytes of `piece`.
    pub(crate) fn encode_bytes(
        &self,
        piece: &[u8],
        byte_ids: &[u32; 256],
        out: &mut Vec<(u32, usize, usize)>,
    ) {
        out.clear();
        out.extend(
            piece
                .iter()
                .enumerate()
                .map(|(i, &b)| (byte_ids[b as usize], i, i + 1)),
        );
        self.merge(out);
    }

    /// Merges `syms` in place: the rank loop for short words, the heap for long ones.
    fn merge(&self, syms: &mut Vec<(u32, usize, usize)>) {
        if syms.len() > HEAP_ABOVE {
            self.merge_heap(syms);
        } else {
            self.merge_loop(syms);
        }
    }
}

impl Model for RankBpe {
    type Trainer = <BPE as Model>::Trainer;

    fn tokenize(&self, sentence: &str) -> tokenizers::Result<Vec<Token>> {
        Ok(self
            .encode_word(sentence)
            .into_iter()
            .map(|(id, s, e)| Token::new(id, self.text(id).unwrap_or_default().to_string(), (s, e)))
            .collect())
    }

    fn token_to_id(&self, token: &str) -> Option<u32> {
        self.vocab.rank(token.as_bytes())
    }

    fn id_to_token(&self, id: u32) -> Option<String> {
        self.text(id).map(str::to_string)
    }

    fn get_vocab(&self) -> HashMap<String, u32> {
        (0..self.vocab.ids as u32)
            .filter_map(|id| Some((self.text(id)?.to_string(), id)))
            .collect()
    }

    fn get_vocab_size(&self) -> usize {
        self.vocab.regular
    }

    fn save(&self, folder: &Path, prefix: Option<&str>) -> tokenizers::Result<Vec<PathBuf>> {
        let json = serde_json::json!({
            "type": "BPE",
            "ignore_merges": self.ignore_merges,
            "vocab": self.get_vocab(),
            "merges": self.merge_pairs(),
        });
        let name = prefix.map_or("bpe.json".into(), |p| format!("{p}-bpe.json"));
        let path = folder.join(name);
        crate::output::write_atomic(&path, serde_json::to_string_pretty(&json)?.as_bytes())?;
        Ok(vec![path])
    }

    fn get_trainer(&self) -> Self::Trainer {
        BPE::default().get_trainer()
    }
}

impl super::HfModel for RankBpe {
    fn algorithm(&self) -> super::Algorithm {
        super::Algorithm::Bpe
    }

    fn rank_bpe(&self) -> Option<&RankBpe> {
        Some(self)
    }

    fn id_end(&self) -> usize {
        self.vocab.ids
    }
}

/// Whether the bundled byte-level BPE tokenizers use [`RankBpe`]: yes, unless
/// `TOKSTAT_RANK_BPE=0` puts them back on HF's `BPE` (the reference, for comparisons).
pub fn enabled() -> bool {
    std::env::var_os("TOKSTAT_RANK_BPE").is_none_or(|v| v != "0")
}

/// A bundled byte-level BPE tokenizer's compact tables, written by `build.rs`: vocabulary,
/// merges, and its `tokenizer.json` without them (the pipeline).
struct Tables {
    name: &'static str,
    vocab: &'static [u8],
    merges: &'static [u8],
    pipeline: &'static str,
}

macro_rules! tables {
    ($name:literal) => {
        Tables {
            name: $name,
            vocab: include_bytes!(concat!(env!("OUT_DIR"), "/", $name, ".vocab")),
            merges: include_bytes!(concat!(env!("OUT_DIR"), "/", $name, ".merges")),
            pipeline: include_str!(concat!(env!("OUT_DIR"), "/", $name, ".pipeline.json")),
        }
    };
}

/// The bundled tokenizers `build.rs` prepares tables for.
const BUNDLED: [Tables; 3] = [tables!("roberta"), tables!("modernbert"), tables!("olmo")];

/// The bundled tokenizer `name` over [`RankBpe`] from its compact tables, if it has them and
/// [`enabled`]; `None` otherwise (HF's `BPE` is used).
pub(super) fn load_bundled(name: &str, gz: &'static [u8]) -> Option<Result<HfTokenizer<RankBpe>>> {
    enabled().then(|| bundled(name, gz)).flatten()
}

/// The bundled tokenizer `name` over [`RankBpe`] from the compact tables `build.rs` wrote for it,
/// whatever [`enabled`] says; `None` if it has none. `gz` is its `tokenizer.json`, for the
/// fingerprint. For the loader, tests and benchmarks.
pub fn bundled(name: &str, gz: &'static [u8]) -> Option<Result<HfTokenizer<RankBpe>>> {
    let t = BUNDLED.iter().find(|t| t.name == name)?;
    let invalid = |message: &str| Error::InvalidTokenizerFile {
        path: name.into(),
        message: message.to_string(),
    };
    let Some(model) = RankBpe::from_tables(Cow::Borrowed(t.vocab), Cow::Borrowed(t.merges)) else {
        return Some(Err(invalid("the bundled BPE tables do not read")));
    };
    let Some(inner) = super::hf::pipeline_with_model(t.pipeline, |_| Some(model)) else {
        return Some(Err(invalid("the bundled pipeline does not load")));
    };
    Some(HfTokenizer::assemble(
        name,
        inner,
        None,
        FingerprintSource::Embedded(gz),
    ))
}

/// A `tokenizer.json` over [`RankBpe`], if its model qualifies (see
/// [`RankBpe::from_model_json`]); `None` if not. `name` names it. For tests and benchmarks.
pub fn from_json_text(name: &str, text: &str) -> Option<Result<HfTokenizer<RankBpe>>> {
    use sha2::{Digest, Sha256};
    let digest = super::tiktoken::hex16(&Sha256::digest(text.as_bytes()));
    let inner = super::hf::pipeline_with_model(text, |raw| RankBpe::from_model_json(raw?.get()))?;
    Some(HfTokenizer::assemble(
        name,
        inner,
        None,
        FingerprintSource::Digest(digest),
    ))
}
