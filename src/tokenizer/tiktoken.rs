//! tiktoken encodings through `tiktoken-rs`.

use std::collections::HashMap;
use std::sync::OnceLock;

use tiktoken_rs::CoreBPE;

use super::{Algorithm, Tokenizer, VocabSize, bytes_to_string, widen_to_char_boundaries};
use crate::{Error, Result};

/// Bytes of every id (None for holes) and the reverse map from token string to id.
type VocabTables = (Vec<Option<Vec<u8>>>, HashMap<String, u32>);

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

/// A tiktoken encoding behind the [`Tokenizer`] trait.
///
/// Token strings are written in GPT-2's byte-level alphabet (`Ġ` for a space), as HF byte-level
/// tokenizers spell them. Encoding uses `encode_ordinary`: text that spells a special token
/// (`<|endoftext|>`) is encoded as ordinary text, as tiktoken does by default.
pub struct TiktokenTokenizer {
    name: String,
    bpe: &'static CoreBPE,
    specials: HashMap<u32, String>,
    vocab: OnceLock<VocabTables>,
    /// Regular ids and one past the largest, counted on first use: probing every id is a tenth
    /// of `o200k_base`'s start-up, and encoding never needs it.
    regular_ids: OnceLock<RegularIds>,
}

/// How many regular (non-special) ids an encoding has, and one past the largest.
#[derive(Debug, Clone, Copy)]
struct RegularIds {
    count: usize,
    end: usize,
}

impl TiktokenTokenizer {
    /// Loads the encoding (its ranks are compiled into the binary by `tiktoken-rs`).
    pub fn new(name: &str, enc: Encoding) -> Result<Self> {
        let bpe = match enc {
            Encoding::R50k => tiktoken_rs::r50k_base_singleton(),
            Encoding::P50k => tiktoken_rs::p50k_base_singleton(),
            Encoding::Cl100k => tiktoken_rs::cl100k_base_singleton(),
            Encoding::O200k => tiktoken_rs::o200k_base_singleton(),
        };
        let mut specials = HashMap::new();
        for s in bpe.special_tokens() {
            let ids = bpe.encode_with_special_tokens(s);
            if let [id] = ids[..] {
                specials.insert(id, s.to_string());
            }
        }
        Ok(Self {
            name: name.to_string(),
            bpe,
            specials,
            vocab: OnceLock::new(),
            regular_ids: OnceLock::new(),
        })
    }

    fn regular_ids(&self) -> RegularIds {
        *self.regular_ids.get_or_init(|| {
            // Ranks are not dense around the special ids (p50k_base has ranks above
            // `<|endoftext|>`), so probe every id up to a bound past the largest special id.
            let bound = self.specials.keys().copied().max().unwrap_or(0) + 4096;
            let regular: Vec<u32> = (0..bound)
                .filter(|id| {
                    !self.specials.contains_key(id) && self.bpe.decode_bytes(&[*id]).is_ok()
                })
                .collect();
            RegularIds {
                count: regular.len(),
                end: regular.last().map_or(0, |m| *m as usize + 1),
            }
        })
    }

    fn vocab(&self) -> &VocabTables {
        self.vocab.get_or_init(|| {
            let total = self.vocab_size().total;
            let mut bytes = Vec::with_capacity(total);
            let mut rev = HashMap::with_capacity(total);
            for id in 0..total as u32 {
                let b = self.bpe.decode_bytes(&[id]).ok();
                if let Some(b) = &b {
                    let s = match self.specials.get(&id) {
                        Some(s) => s.clone(),
                        None => bytes_to_string(b),
                    };
                    rev.insert(s, id);
                }
                bytes.push(b);
            }
            (bytes, rev)
        })
    }

    fn token_bytes(&self, id: u32) -> Result<Vec<u8>> {
        self.bpe.decode_bytes(&[id]).map_err(|e| Error::Tokenizer {
            name: self.name.clone(),
            message: format!("unknown id {}", e.token),
        })
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
        let regular = self.regular_ids();
        let total = max_special.unwrap_or(0).max(regular.end);
        VocabSize {
            total,
            regular: regular.count,
            added: self.specials.len(),
            special: self.specials.len(),
        }
    }

    fn encode(&self, text: &str, _add_special_tokens: bool) -> Result<super::Encoding> {
        let ids = self.bpe.encode_ordinary(text);
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
            enc.tokens.push(bytes_to_string(&b));
            enc.ids.push(id);
            enc.special.push(false);
            pos = end;
        }
        Ok(enc)
    }

    fn splits_before_single_spaces(&self) -> bool {
        // Every tiktoken pattern puts a space only at the start of a piece or in a
        // whitespace-only piece (see `chunked`).
        true
    }

    fn encode_ids(&self, text: &str, _add_special_tokens: bool) -> Result<Vec<u32>> {
        Ok(self.bpe.encode_ordinary(text))
    }

    fn decode(&self, ids: &[u32], skip_special_tokens: bool) -> Result<String> {
        let kept: Vec<u32> = if skip_special_tokens {
            ids.iter()
                .copied()
                .filter(|id| !self.specials.contains_key(id))
                .collect()
        } else {
            ids.to_vec()
        };
        let bytes = self.bpe.decode_bytes(&kept).map_err(|e| Error::Tokenizer {
            name: self.name.clone(),
            message: format!("unknown id {}", e.token),
        })?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    fn id_to_token(&self, id: u32) -> Option<String> {
        if let Some(s) = self.specials.get(&id) {
            return Some(s.clone());
        }
        self.vocab()
            .0
            .get(id as usize)?
            .as_ref()
            .map(|b| bytes_to_string(b))
    }

    fn token_to_id(&self, token: &str) -> Option<u32> {
        self.vocab().1.get(token).copied()
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
