//! An exact rank-based byte-level BPE encoder, for the bundled byte-level BPE tokenizers
//! (`roberta`, `modernbert`, `olmo`).
//!
//! BPE (Sennrich et al. 2016, "Neural Machine Translation of Rare Words with Subword Units")
//! encodes a word by starting from its characters and repeatedly merging the adjacent pair with
//! the lowest merge rank (the position of the merge in the file), the leftmost one on a tie, until
//! no adjacent pair has a merge. HF `tokenizers`' `BPE::merge_word` does this with a binary heap
//! over every word; here short words use tiktoken's loop (a vector of pair ranks, rescanned after
//! each merge: few symbols, no heap), long ones the heap, and the pair → (rank, merged id) map
//! hashes a packed `u64` with a multiply-shift hasher. It replaces only the model step: the
//! normalizer, the ByteLevel pre-tokenizer, added tokens and the post-processor stay HF's, so the
//! ids, tokens and offsets are HF's, which `tests/rank_bpe.rs` checks on every bundled corpus, on
//! generated text and on every vocabulary entry.
//!
//! Which model configs qualify is decided in one place, [`RankBpe::from_model_json`]; any other
//! file stays on HF's `BPE`. The path is opt-in: the bundled tokenizers use it only when
//! `TOKSTAT_RANK_BPE=1` is set, because it is not measurably faster end to end (the model step
//! is about a quarter of encoding; the pre-tokenizer and HF's `Encoding` are the rest, and HF's
//! word cache already makes its model step cheap on repeated words). See "Where the time goes"
//! in `docs/compare.md` for the numbers.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};

use tokenizers::models::bpe::BPE;
use tokenizers::{Model, Token};

use super::HfTokenizer;
use super::hf::FingerprintSource;
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

/// A byte-level BPE model: vocabulary, merges by rank, and the `ignore_merges` flag.
#[derive(Debug, Clone)]
pub struct RankBpe {
    vocab: HashMap<String, u32>,
    vocab_r: Vec<Option<Box<str>>>,
    char_ids: Vec<u32>,
    other_chars: HashMap<char, u32>,
    merges: PairMap,
    merge_list: Vec<(String, String)>,
    ignore_merges: bool,
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
    /// The rank model of a `tokenizer.json` `model` section, if the config qualifies: type `BPE`,
    /// no dropout (absent or 0), no `unk_token`, no `byte_fallback`, `continuing_subword_prefix`
    /// and `end_of_word_suffix` absent or empty; `ignore_merges` is honoured. Every merge's parts
    /// and result must be in the vocabulary (HF refuses such a file too). `None` otherwise: the
    /// file stays on HF's `BPE`, never encoded differently.
    pub fn from_model_json(raw: &str) -> Option<Self> {
        let m: ModelJson = serde_json::from_str(raw).ok()?;
        let empty = |s: &Option<String>| s.as_deref().is_none_or(str::is_empty);
        let qualifies = m.kind == "BPE"
            && m.dropout.is_none_or(|d| d == 0.0)
            && m.unk_token.is_none()
            && !m.byte_fallback
            && empty(&m.continuing_subword_prefix)
            && empty(&m.end_of_word_suffix);
        if !qualifies {
            return None;
        }
        let merge_list = m
            .merges
            .into_iter()
            .map(|mj| match mj {
                MergeJson::Pair(a, b) => Some((a, b)),
                MergeJson::Line(l) => {
                    let parts: Vec<&str> = l.split(' ').collect();
                    (parts.len() == 2).then(|| (parts[0].to_string(), parts[1].to_string()))
                }
            })
            .collect::<Option<Vec<_>>>()?;
        Self::new(m.vocab, merge_list, m.ignore_merges)
    }

    fn new(
        vocab: HashMap<String, u32>,
        merge_list: Vec<(String, String)>,
        ignore_merges: bool,
    ) -> Option<Self> {
        let end = vocab.values().map(|&id| id as usize + 1).max().unwrap_or(0);
        let mut vocab_r = vec![None; end];
        let mut char_ids = vec![NONE; DIRECT_CHARS];
        let mut other_chars = HashMap::new();
        for (t, &id) in &vocab {
            vocab_r[id as usize] = Some(t.as_str().into());
            let mut cs = t.chars();
            if let (Some(c), None) = (cs.next(), cs.next()) {
                match char_ids.get_mut(c as usize) {
                    Some(slot) => *slot = id,
                    None => {
                        other_chars.insert(c, id);
                    }
                }
            }
        }
        let mut merges = PairMap::default();
        for (rank, (a, b)) in merge_list.iter().enumerate() {
            let (ia, ib) = (*vocab.get(a)?, *vocab.get(b)?);
            let new = *vocab.get(&format!("{a}{b}"))?;
            // Later duplicates win, as in HF's map.
            merges.insert(key(ia, ib), (u32::try_from(rank).ok()?, new));
        }
        Some(Self {
            vocab,
            vocab_r,
            char_ids,
            other_chars,
            merges,
            merge_list,
            ignore_merges,
        })
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

    /// Merges `syms` in place: the lowest-rank adjacent pair, leftmost on a tie, until none.
    fn merge_loop(&self, syms: &mut Vec<(u32, usize, usize)>) {
        let rank_at = |s: &[(u32, usize, usize)], i: usize| {
            self.rank(s[i].0, s[i + 1].0).map_or(u32::MAX, |r| r.0)
        };
        let mut ranks: Vec<u32> = (0..syms.len().saturating_sub(1))
            .map(|i| rank_at(syms, i))
            .collect();
        loop {
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
            ranks.remove(i);
            if i < ranks.len() {
                ranks[i] = rank_at(syms, i);
            }
            if i > 0 {
                ranks[i - 1] = rank_at(syms, i - 1);
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
            && let Some(&id) = self.vocab.get(word)
        {
            return vec![(id, 0, word.len())];
        }
        let mut syms = self.symbols(word);
        if syms.len() > HEAP_ABOVE {
            self.merge_heap(&mut syms);
        } else {
            self.merge_loop(&mut syms);
        }
        syms
    }
}

impl Model for RankBpe {
    type Trainer = <BPE as Model>::Trainer;

    fn tokenize(&self, sentence: &str) -> tokenizers::Result<Vec<Token>> {
        Ok(self
            .encode_word(sentence)
            .into_iter()
            .map(|(id, s, e)| {
                let value = self.vocab_r[id as usize].as_deref().unwrap_or_default();
                Token::new(id, value.to_string(), (s, e))
            })
            .collect())
    }

    fn token_to_id(&self, token: &str) -> Option<u32> {
        self.vocab.get(token).copied()
    }

    fn id_to_token(&self, id: u32) -> Option<String> {
        self.vocab_r
            .get(id as usize)?
            .as_deref()
            .map(str::to_string)
    }

    fn get_vocab(&self) -> HashMap<String, u32> {
        self.vocab.clone()
    }

    fn get_vocab_size(&self) -> usize {
        self.vocab.len()
    }

    fn save(&self, folder: &Path, prefix: Option<&str>) -> tokenizers::Result<Vec<PathBuf>> {
        let json = serde_json::json!({
            "type": "BPE",
            "ignore_merges": self.ignore_merges,
            "vocab": self.vocab,
            "merges": self.merge_list,
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

    fn id_end(&self) -> usize {
        self.vocab_r.len()
    }
}

/// Whether `TOKSTAT_RANK_BPE` opts the bundled byte-level BPE tokenizers into [`RankBpe`] (set
/// and not `0`).
pub fn opted_in() -> bool {
    std::env::var_os("TOKSTAT_RANK_BPE").is_some_and(|v| v != "0")
}

/// The bundled tokenizer `name` over [`RankBpe`], if `TOKSTAT_RANK_BPE` opts in and its
/// `tokenizer.json` (`gz`) qualifies; `None` otherwise (HF's `BPE` is used).
pub(super) fn load_bundled(name: &str, gz: &'static [u8]) -> Option<Result<HfTokenizer<RankBpe>>> {
    if !opted_in() {
        return None;
    }
    let mut text = String::with_capacity(gz.len() * 5);
    if let Err(e) = std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(gz), &mut text)
    {
        return Some(Err(Error::InvalidTokenizerFile {
            path: name.into(),
            message: format!("bundled file does not decompress: {e}"),
        }));
    }
    from_json(name, &text, FingerprintSource::Embedded(gz))
}

/// A `tokenizer.json` over [`RankBpe`], if its model qualifies (see
/// [`RankBpe::from_model_json`]); `None` if not. `name` names it. For tests and benchmarks.
pub fn from_json_text(name: &str, text: &str) -> Option<Result<HfTokenizer<RankBpe>>> {
    use sha2::{Digest, Sha256};
    let digest = super::tiktoken::hex16(&Sha256::digest(text.as_bytes()));
    from_json(name, text, FingerprintSource::Digest(digest))
}

fn from_json(
    name: &str,
    text: &str,
    fp: FingerprintSource,
) -> Option<Result<HfTokenizer<RankBpe>>> {
    let inner = super::hf::pipeline_with_model(text, |raw| RankBpe::from_model_json(raw?.get()))?;
    Some(HfTokenizer::assemble(name, inner, None, fp))
}
