//! tiktoken encodings: OpenAI's byte-level BPE, with ranks in place of a merge list.
//!
//! The ranks of the four bundled encodings are compiled into the binary in a compact form
//! (`table.rs`), which `build.rs` prepares from `tiktoken-rs`'s copies of OpenAI's files, so
//! loading reads them in place instead of building hash maps. Encoding splits the text with the
//! encoding's pattern (`fancy-regex`, as `tiktoken-rs` does), then merges each piece by rank
//! (`merge.rs`). `tests/tiktoken.rs` checks ids, tokens and offsets against `tiktoken-rs` on
//! every bundled corpus and on generated text.

mod merge;
pub(crate) mod table;

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use fancy_regex::Regex;

use super::lean::is_byte_fallback_bytes;
use super::{Algorithm, Tokenizer, VocabSize, bytes_to_string, widen_to_char_boundaries};
use crate::{Error, Result};

/// The tiktoken encodings tokstat bundles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// GPT-2 / GPT-3.
    R50k,
    /// Codex.
    P50k,
    /// GPT-3.5 / GPT-4.
    Cl100k,
    /// GPT-4o.
    O200k,
}

/// GPT-2's pattern, shared by `r50k_base` and `p50k_base` (OpenAI's `tiktoken_ext/openai_public.py`).
const GPT2_PATTERN: &str =
    r"'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s";

/// `cl100k_base`'s pattern.
const CL100K_PATTERN: &str = r"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s";

/// `o200k_base`'s pattern.
const O200K_PATTERN: &str = concat!(
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    "|",
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    "|",
    r"\p{N}{1,3}",
    "|",
    r" ?[^\s\p{L}\p{N}]+[\r\n/]*",
    "|",
    r"\s*[\r\n]+",
    "|",
    r"\s+(?!\S)",
    "|",
    r"\s+",
);

impl Encoding {
    /// The compact rank table `build.rs` wrote.
    fn table(self) -> &'static [u8] {
        match self {
            Encoding::R50k => include_bytes!(concat!(env!("OUT_DIR"), "/r50k_base.ranks")),
            Encoding::P50k => include_bytes!(concat!(env!("OUT_DIR"), "/p50k_base.ranks")),
            Encoding::Cl100k => include_bytes!(concat!(env!("OUT_DIR"), "/cl100k_base.ranks")),
            Encoding::O200k => include_bytes!(concat!(env!("OUT_DIR"), "/o200k_base.ranks")),
        }
    }

    /// The pre-tokenizing pattern.
    fn pattern(self) -> &'static str {
        match self {
            Encoding::R50k | Encoding::P50k => GPT2_PATTERN,
            Encoding::Cl100k => CL100K_PATTERN,
            Encoding::O200k => O200K_PATTERN,
        }
    }
}

/// A compact rank table (see `table.rs`), read in place: a tiktoken encoding's ranks, or a
/// byte-level BPE vocabulary by id ([`crate::tokenizer::rank_bpe`]).
pub(crate) struct Ranks {
    data: Cow<'static, [u8]>,
    /// One past the largest regular rank.
    pub(crate) ids: usize,
    /// How many ranks are not holes.
    pub(crate) regular: usize,
    slots: usize,
    specials: usize,
}

impl Ranks {
    /// Reads a table written by [`table::build`] (the only writer, at build time or in memory).
    pub(crate) fn new(data: Cow<'static, [u8]>) -> Self {
        assert_eq!(
            &data[..8],
            table::MAGIC,
            "table::build writes the rank tables"
        );
        let [ids, regular, specials, slots] =
            [0, 1, 2, 3].map(|i| u32_at(&data, 8 + 4 * i) as usize);
        Ranks {
            data,
            ids,
            regular,
            slots,
            specials,
        }
    }

    fn ends_at(&self) -> usize {
        table::HEADER
    }

    fn slots_at(&self) -> usize {
        self.ends_at() + 4 * self.ids
    }

    fn specials_at(&self) -> usize {
        self.slots_at() + 4 * self.slots
    }

    fn bytes_at(&self) -> usize {
        self.specials_at() + 8 * self.specials
    }

    /// The bytes of regular rank `id` (`None` for a hole or past the end).
    pub(crate) fn token(&self, id: u32) -> Option<&[u8]> {
        let id = id as usize;
        if id >= self.ids {
            return None;
        }
        let start = match id {
            0 => 0,
            _ => u32_at(&self.data, self.ends_at() + 4 * (id - 1)) as usize,
        };
        let end = u32_at(&self.data, self.ends_at() + 4 * id) as usize;
        let base = self.bytes_at();
        (end > start).then(|| &self.data[base + start..base + end])
    }

    /// The rank of a byte string, if it is a regular token.
    pub(crate) fn rank(&self, bytes: &[u8]) -> Option<u32> {
        let mut i = table::slot(bytes, self.slots);
        loop {
            let entry = u32_at(&self.data, self.slots_at() + 4 * i);
            if entry == 0 {
                return None;
            }
            if self.token(entry - 1) == Some(bytes) {
                return Some(entry - 1);
            }
            i = (i + 1) & (self.slots - 1);
        }
    }

    /// The special tokens: id and text.
    fn specials(&self) -> HashMap<u32, String> {
        let text_at = self.bytes_at()
            + u32_at(&self.data, self.ends_at() + 4 * (self.ids.max(1) - 1)) as usize;
        let mut start = 0;
        (0..self.specials)
            .map(|k| {
                let id = u32_at(&self.data, self.specials_at() + 8 * k);
                let end = u32_at(&self.data, self.specials_at() + 8 * k + 4) as usize;
                let text = String::from_utf8_lossy(&self.data[text_at + start..text_at + end]);
                start = end;
                (id, text.into_owned())
            })
            .collect()
    }
}

fn u32_at(data: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]])
}

/// A tiktoken encoding behind the [`Tokenizer`] trait.
///
/// Token strings are written in GPT-2's byte-level alphabet (`Ġ` for a space), as HF byte-level
/// tokenizers spell them. Encoding is tiktoken's `encode_ordinary`: text that spells a special
/// token (`<|endoftext|>`) is encoded as ordinary text, as tiktoken does by default.
pub struct TiktokenTokenizer {
    name: String,
    ranks: Ranks,
    pattern: Regex,
    specials: HashMap<u32, String>,
    /// Token string → id, built on first use.
    ids_by_token: OnceLock<HashMap<String, u32>>,
}

thread_local! {
    /// Each thread's compiled copies of the encodings' patterns ([`TiktokenTokenizer::with_pattern`]).
    static PATTERN_COPIES: std::cell::RefCell<Vec<std::rc::Rc<Regex>>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// This thread's copy of the pattern `source`, made by `compile` if it has none yet (`None` if
/// that fails).
fn thread_pattern(
    source: &str,
    compile: impl FnOnce() -> Option<Regex>,
) -> Option<std::rc::Rc<Regex>> {
    PATTERN_COPIES.with(|copies| {
        let mut copies = copies.borrow_mut();
        if let Some(re) = copies.iter().find(|re| re.as_str() == source) {
            return Some(std::rc::Rc::clone(re));
        }
        let re = std::rc::Rc::new(compile()?);
        copies.push(std::rc::Rc::clone(&re));
        Some(re)
    })
}

impl TiktokenTokenizer {
    /// Loads the encoding (its ranks are compiled into the binary).
    pub fn new(name: &str, enc: Encoding) -> Result<Self> {
        let pattern = Regex::new(enc.pattern()).map_err(|e| Error::Tokenizer {
            name: name.to_string(),
            message: format!("its pattern does not compile: {e}"),
        })?;
        // The loading thread keeps this compiled pattern as its copy instead of compiling
        // another on its first encode (see `with_pattern`).
        thread_pattern(pattern.as_str(), || Some(pattern.clone()));
        let ranks = Ranks::new(Cow::Borrowed(enc.table()));
        Ok(Self {
            name: name.to_string(),
            specials: ranks.specials(),
            ranks,
            pattern,
            ids_by_token: OnceLock::new(),
        })
    }

    /// The bytes of `id`: a regular token's, or a special token's text.
    fn token_bytes(&self, id: u32) -> Result<&[u8]> {
        self.ranks
            .token(id)
            .or_else(|| self.specials.get(&id).map(|s| s.as_bytes()))
            .ok_or_else(|| Error::Tokenizer {
                name: self.name.clone(),
                message: format!("unknown id {id}"),
            })
    }

    /// Runs `f` with this thread's own compiled copy of the pattern.
    ///
    /// A compiled regex keeps a pool of search caches whose fast path serves only the first
    /// thread that searched with it; every other thread takes a locked path on every match
    /// (`regex-automata`'s `Pool::get_slow`, about a tenth of `compare`'s time on o200k_base in
    /// a profile, and contended when several threads encode). So each thread compiles the
    /// pattern once for itself. The copies are kept per pattern text, of which the bundled
    /// encodings have three; the tokenizer's own copy serves if compiling fails.
    fn with_pattern<R>(&self, f: impl FnOnce(&Regex) -> R) -> R {
        let source = self.pattern.as_str();
        let copy = thread_pattern(source, || Regex::new(source).ok());
        f(copy.as_deref().unwrap_or(&self.pattern))
    }

    /// tiktoken's `encode_ordinary`: the pattern's matches, each merged by rank.
    fn encode_ordinary(&self, text: &str) -> Result<Vec<u32>> {
        self.with_pattern(|pattern| self.encode_with(pattern, text))
    }

    /// [`Self::encode_ordinary`] with the compiled `pattern`.
    fn encode_with(&self, pattern: &Regex, text: &str) -> Result<Vec<u32>> {
        let mut ids = Vec::with_capacity(text.len() / 3);
        let rank = |b: &[u8]| self.ranks.rank(b);
        for m in pattern.find_iter(text) {
            let m = m.map_err(|e| Error::Tokenizer {
                name: self.name.clone(),
                message: format!("its pattern failed on this text: {e}"),
            })?;
            let piece = m.as_str().as_bytes();
            match rank(piece) {
                Some(id) => ids.push(id),
                None => merge::encode(piece, &rank, &mut ids).ok_or_else(|| Error::Tokenizer {
                    name: self.name.clone(),
                    message: "a single byte is not a token".to_string(),
                })?,
            }
        }
        Ok(ids)
    }
}

impl Tokenizer for TiktokenTokenizer {
    fn name(&self) -> &str {
        &self.name
    }

    fn algorithm(&self) -> Algorithm {
        Algorithm::TiktokenBpe
    }

    fn vocab_size(&self) -> VocabSize {
        let max_special = self.specials.keys().copied().max().map(|m| m as usize + 1);
        let total = max_special.unwrap_or(0).max(self.ranks.ids);
        VocabSize {
            total,
            regular: self.ranks.regular,
            added: self.specials.len(),
            special: self.specials.len(),
        }
    }

    fn encode(&self, text: &str, _add_special_tokens: bool) -> Result<super::Encoding> {
        let ids = self.encode_ordinary(text)?;
        let mut enc = super::Encoding {
            ids: Vec::with_capacity(ids.len()),
            tokens: Vec::with_capacity(ids.len()),
            offsets: Vec::with_capacity(ids.len()),
            special: Vec::with_capacity(ids.len()),
        };
        let mut pos = 0usize;
        for id in ids {
            let b = self.token_bytes(id)?;
            let end = pos + b.len();
            enc.offsets.push(widen_to_char_boundaries(text, pos, end));
            enc.tokens.push(bytes_to_string(b));
            enc.ids.push(id);
            enc.special.push(false);
            pos = end;
        }
        Ok(enc)
    }

    fn encode_lean(&self, text: &str) -> Result<Option<super::LeanEncoding>> {
        let ids = self.encode_ordinary(text)?;
        let mut offsets = Vec::with_capacity(ids.len());
        let mut byte_fallback_tokens = 0u64;
        let mut pos = 0usize;
        // `decodes_to`'s comparison, made while each token's bytes are at hand.
        let mut decodes_to_text = true;
        for &id in &ids {
            let b = self.token_bytes(id)?;
            let end = pos + b.len();
            offsets.push(widen_to_char_boundaries(text, pos, end));
            byte_fallback_tokens += u64::from(is_byte_fallback_bytes(b));
            decodes_to_text &= text.as_bytes().get(pos..end) == Some(b);
            pos = end;
        }
        decodes_to_text &= pos == text.len();
        // The offsets are the tokens' own bytes (`offsets_are_token_bytes`), in order: they
        // are the spans.
        Ok(Some(super::LeanEncoding {
            ids,
            offsets,
            own_spans: None,
            byte_fallback_tokens,
            decodes_to_text: Some(decodes_to_text),
        }))
    }

    fn offsets_are_token_bytes(&self) -> bool {
        // `encode` lays every token's bytes end to end, with no normalizer or trimming.
        true
    }

    fn splits_before_single_spaces(&self) -> bool {
        // Every tiktoken pattern puts a space only at the start of a piece or in a
        // whitespace-only piece (see `chunked`).
        true
    }

    fn encode_ids(&self, text: &str, _add_special_tokens: bool) -> Result<Vec<u32>> {
        self.encode_ordinary(text)
    }

    fn decode(&self, ids: &[u32], skip_special_tokens: bool) -> Result<String> {
        let mut bytes = Vec::with_capacity(ids.len() * 4);
        for &id in ids {
            if !(skip_special_tokens && self.specials.contains_key(&id)) {
                bytes.extend_from_slice(self.token_bytes(id)?);
            }
        }
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    fn decodes_to(&self, ids: &[u32], text: &str) -> bool {
        // `decode` reads the tokens' bytes laid end to end as UTF-8: `text` when they are its
        // bytes.
        let text = text.as_bytes();
        let mut at = 0;
        for &id in ids {
            match self.token_bytes(id) {
                Ok(b) if text.get(at..at + b.len()) == Some(b) => at += b.len(),
                _ => return false,
            }
        }
        at == text.len()
    }

    fn id_to_token(&self, id: u32) -> Option<String> {
        if let Some(s) = self.specials.get(&id) {
            return Some(s.clone());
        }
        self.ranks.token(id).map(bytes_to_string)
    }

    fn token_to_id(&self, token: &str) -> Option<u32> {
        self.ids_by_token
            .get_or_init(|| {
                let regular = (0..self.ranks.ids as u32)
                    .filter_map(|id| Some((bytes_to_string(self.ranks.token(id)?), id)));
                let special = self.specials.iter().map(|(id, s)| (s.clone(), *id));
                regular.chain(special).collect()
            })
            .get(token)
            .copied()
    }

    fn is_special(&self, id: u32) -> bool {
        self.specials.contains_key(&id)
    }

    fn unk_id(&self) -> Option<u32> {
        None
    }

    fn is_byte_level(&self) -> bool {
        true
    }

    fn space_marker(&self) -> Option<char> {
        Some('Ġ')
    }

    fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(self.name.as_bytes());
        h.update(b"tiktoken-rs 0.12");
        hex16(&h.finalize())
    }
}

pub(crate) fn hex16(d: &[u8]) -> String {
    d.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_built_table_reads_back_with_holes_and_specials() {
        let ranks = vec![
            Some(b"a".to_vec()),
            None,
            Some(b"bc".to_vec()),
            Some(b" \xff".to_vec()),
        ];
        let specials = vec![(7, "<|x|>".to_string()), (9, "<|yz|>".to_string())];
        let data = table::build(&ranks, &specials);
        let r = Ranks::new(Cow::Owned(data));
        assert_eq!((r.ids, r.regular), (4, 3));
        assert_eq!(r.token(0), Some(&b"a"[..]));
        assert_eq!(r.token(1), None);
        assert_eq!(r.token(2), Some(&b"bc"[..]));
        assert_eq!(r.token(4), None);
        for (id, bytes) in ranks.iter().enumerate() {
            if let Some(b) = bytes {
                assert_eq!(r.rank(b), Some(id as u32));
            }
        }
        assert_eq!(r.rank(b"b"), None);
        assert_eq!(r.rank(b""), None);
        let got = r.specials();
        assert_eq!(got.len(), 2);
        assert_eq!(got[&7], "<|x|>");
        assert_eq!(got[&9], "<|yz|>");
    }
}
