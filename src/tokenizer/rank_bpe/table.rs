//! The compact, binary form of a byte-level BPE model, so that loading a bundled tokenizer reads
//! flat arrays instead of parsing 50,000 vocabulary entries and 50,000 merges from JSON into hash
//! maps of `String`s (most of `roberta`'s start-up).
//!
//! A model is two tables:
//! - its vocabulary by id, in the tiktoken rank-table format (`src/tokenizer/tiktoken/table.rs`:
//!   every token's text by id, a hash index from text to id, no special tokens);
//! - its merges, in this format (little-endian `u32`s):
//!
//! | field | type |
//! |---|---|
//! | magic | `b"TKMERGE1"` |
//! | flags (bit 0: `ignore_merges`), merges `m` | 2 × `u32` |
//! | merges in rank order: left id, right id, merged id | `m` × 3 × `u32` |
//!
//! `build.rs` writes both for the bundled `roberta`, `modernbert` and `olmo`, and
//! [`super::RankBpe::from_model_json`] builds them in memory from any qualifying file, through the
//! same functions here (this file is compiled into the build script too, so it uses `std` only).

use std::collections::HashMap;

/// The first bytes of the merge table.
pub const MAGIC: &[u8; 8] = b"TKMERGE1";

/// Bytes before the merges: the magic, the flags and the count.
pub const HEADER: usize = 8 + 2 * 4;

/// The BPE settings that change a model's output, as a `tokenizer.json` `model` section spells
/// them.
pub struct Settings<'a> {
    /// `type`.
    pub kind: &'a str,
    /// `dropout`.
    pub dropout: Option<f32>,
    /// Whether `unk_token` is set.
    pub unk_token: bool,
    /// `byte_fallback`.
    pub byte_fallback: bool,
    /// `continuing_subword_prefix`.
    pub continuing_subword_prefix: Option<&'a str>,
    /// `end_of_word_suffix`.
    pub end_of_word_suffix: Option<&'a str>,
}

impl Settings<'_> {
    /// Whether the rank model reproduces this config exactly: type `BPE`, no dropout (absent or
    /// 0), no `unk_token`, no `byte_fallback`, `continuing_subword_prefix` and
    /// `end_of_word_suffix` absent or empty. Any other file stays on HF's `BPE`.
    pub fn qualify(&self) -> bool {
        let empty = |s: Option<&str>| s.is_none_or(str::is_empty);
        self.kind == "BPE"
            && self.dropout.is_none_or(|d| d == 0.0)
            && !self.unk_token
            && !self.byte_fallback
            && empty(self.continuing_subword_prefix)
            && empty(self.end_of_word_suffix)
    }
}

/// A merge line as `tokenizer.json` spells it, `"a b"`: its two parts, or `None` if it has not
/// exactly two.
pub fn split_merge_line(line: &str) -> Option<(String, String)> {
    let mut parts = line.split(' ');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(a), Some(b), None) => Some((a.to_string(), b.to_string())),
        _ => None,
    }
}

/// The vocabulary by id (`None` for an unused id), or `None` if the table cannot hold it: an
/// empty token (the table reads it as a hole), two tokens with one id, or ids so sparse that
/// the table would have more than twice as many holes as tokens (a file with one id near
/// `u32::MAX` would otherwise cost gigabytes).
pub fn vocab_by_id(vocab: &HashMap<String, u32>) -> Option<Vec<Option<Vec<u8>>>> {
    let end = vocab.values().map(|&id| id as usize + 1).max().unwrap_or(0);
    if end > 3 * vocab.len() + 1024 {
        return None;
    }
    let mut by_id = vec![None; end];
    for (token, &id) in vocab {
        let slot = &mut by_id[id as usize];
        if token.is_empty() || slot.is_some() {
            return None;
        }
        *slot = Some(token.as_bytes().to_vec());
    }
    Some(by_id)
}

/// The merges as ids in rank order: left, right and merged token. `None` if a part or the merged
/// token is not in the vocabulary (HF refuses such a file too).
pub fn merge_ids(
    vocab: &HashMap<String, u32>,
    merges: &[(String, String)],
) -> Option<Vec<[u32; 3]>> {
    merges
        .iter()
        .map(|(a, b)| {
            Some([
                *vocab.get(a)?,
                *vocab.get(b)?,
                *vocab.get(&format!("{a}{b}"))?,
            ])
        })
        .collect()
}

/// Serialises merges (in rank order) and the `ignore_merges` flag.
pub fn build(merges: &[[u32; 3]], ignore_merges: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + 12 * merges.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&u32::from(ignore_merges).to_le_bytes());
    out.extend_from_slice(&(merges.len() as u32).to_le_bytes());
    for m in merges {
        for id in m {
            out.extend_from_slice(&id.to_le_bytes());
        }
    }
    out
}

/// Reads a merge table: the `ignore_merges` flag and the merges in rank order, or `None` if it
/// is not one.
pub fn read(bytes: &[u8]) -> Option<(bool, Vec<[u32; 3]>)> {
    let u32_at = |at: usize| -> Option<u32> {
        Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
    };
    if bytes.get(..8)? != MAGIC {
        return None;
    }
    let (flags, m) = (u32_at(8)?, u32_at(12)? as usize);
    if bytes.len() != HEADER + 12 * m {
        return None;
    }
    let merges = (0..m)
        .map(|k| {
            let at = HEADER + 12 * k;
            Some([u32_at(at)?, u32_at(at + 4)?, u32_at(at + 8)?])
        })
        .collect::<Option<Vec<_>>>()?;
    Some((flags & 1 != 0, merges))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_read_back_and_a_damaged_table_is_refused() {
        let merges = [[0, 1, 2], [2, 1, 3]];
        let bytes = build(&merges, true);
        assert_eq!(read(&bytes), Some((true, merges.to_vec())));
        assert_eq!(read(&build(&[], false)), Some((false, vec![])));
        assert_eq!(read(&bytes[..bytes.len() - 1]), None);
        assert_eq!(read(b"TKRANKS1\0\0\0\0\0\0\0\0"), None);
        assert_eq!(read(&bytes[..5]), None);
    }

    #[test]
    fn merge_lines_have_exactly_two_parts() {
        let pair = |a: &str, b: &str| Some((a.to_string(), b.to_string()));
        assert_eq!(split_merge_line("Ġ t"), pair("Ġ", "t"));
        assert_eq!(split_merge_line("a b c"), None);
        assert_eq!(split_merge_line("ab"), None);
        assert_eq!(split_merge_line(" a"), pair("", "a"));
    }

    #[test]
    fn merges_become_ids_within_the_vocabulary() {
        let vocab: HashMap<String, u32> = [("a", 0), ("b", 1), ("ab", 5)]
            .map(|(t, id)| (t.to_string(), id))
            .into();
        let merge = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(merge_ids(&vocab, &[merge("a", "b")]), Some(vec![[0, 1, 5]]));
        assert_eq!(merge_ids(&vocab, &[merge("b", "a")]), None);
        let by_id = vocab_by_id(&vocab).expect("holds");
        assert_eq!(by_id.len(), 6);
        assert_eq!(by_id[5].as_deref(), Some(&b"ab"[..]));
        assert_eq!(by_id[3], None);
        let sparse: HashMap<String, u32> = [("a", 0), ("b", u32::MAX - 1)]
            .map(|(t, id)| (t.to_string(), id))
            .into();
        assert_eq!(vocab_by_id(&sparse), None);
    }
}
