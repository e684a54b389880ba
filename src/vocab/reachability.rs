//! Reachability of vocabulary ids: can any text make the tokenizer produce this id?
//!
//! The test of Land & Bartolo 2024, "Fishing for Magikarp: Automatically Detecting Under-trained
//! Tokens in Large Language Models" (EMNLP 2024), as in cohere-ai/magikarp
//! `magikarp/tokenization.py`: decode the single id, encode the text again, and compare.

use rayon::prelude::*;
use serde::Serialize;

use super::token::{TokenKind, VocabToken};
use crate::Result;
use crate::tokenizer::Tokenizer;

/// Where an id ends up in the decode → encode round trip.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Reachability {
    /// Encoding the decoded text gives back exactly `[v]`.
    Reachable,
    /// Encoding the decoded text gives one other id: the token is shadowed (e.g. by an added
    /// token with the same text, which is matched before the model runs).
    UnreachableSingle,
    /// Encoding the decoded text gives zero or several ids (or fails): the model never produces
    /// the token for its own text (e.g. a unigram piece whose score loses to a split, a merge that the
    /// pre-tokenizer never lets happen, text that the normalizer removes).
    UnreachableMulti,
    /// Not reachable, and the decoded text holds U+FFFD: the token is part of a UTF-8
    /// character (byte-level BPE), so the test cannot tell; such ids are used inside
    /// multi-byte characters and are not counted as dead.
    Undecodable,
    /// A special token (added token flagged special): not tested, the model's own markers.
    Special,
    /// An id without a token (holes in tiktoken's id space).
    Absent,
}

impl Reachability {
    /// Every class, in report order.
    pub const ALL: [Reachability; 6] = [
        Reachability::Reachable,
        Reachability::UnreachableSingle,
        Reachability::UnreachableMulti,
        Reachability::Undecodable,
        Reachability::Special,
        Reachability::Absent,
    ];

    /// The snake_case name used in JSON and tables.
    pub fn name(self) -> &'static str {
        match self {
            Reachability::Reachable => "reachable",
            Reachability::UnreachableSingle => "unreachable_single",
            Reachability::UnreachableMulti => "unreachable_multi",
            Reachability::Undecodable => "undecodable",
            Reachability::Special => "special",
            Reachability::Absent => "absent",
        }
    }

    /// Whether the id is unreachable (single or multi): its embedding row is never selected.
    pub fn is_unreachable(self) -> bool {
        matches!(
            self,
            Reachability::UnreachableSingle | Reachability::UnreachableMulti
        )
    }
}

/// The prefixes tried, in order, for tokenizers that prepend a word-start marker (as Magikarp's
/// `START_PREFIXES`).
pub const PREFIXES: [&str; 2] = ["«", "»"];

/// How a tokenizer is probed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// `(prefix, its id)` pairs to try, in order; empty when the tokenizer does not prepend a
    /// word-start marker.
    pub prefixes: Vec<(String, u32)>,
}

impl Probe {
    /// Decides whether `tok` needs the prefix: it does when encoding `test` gives a first token
    /// that starts with a word-start marker (space, `▁` or `Ġ`), i.e. the tokenizer prepends one
    /// (SentencePiece `prepend_scheme: always`, `add_prefix_space`). Only prefixes that encode
    /// to a single id are kept.
    pub fn for_tokenizer(tok: &dyn Tokenizer) -> Result<Self> {
        let ids = tok.encode_ids("test", false)?;
        let prepends = ids
            .first()
            .and_then(|&id| tok.id_to_token(id))
            .and_then(|s| s.chars().next())
            .is_some_and(|c| matches!(c, ' ' | '▁' | 'Ġ'));
        let mut prefixes = Vec::new();
        if prepends {
            for p in PREFIXES {
                if let [id] = tok.encode_ids(p, false)?[..] {
                    prefixes.push((p.to_string(), id));
                }
            }
        }
        Ok(Probe { prefixes })
    }

    /// The prefix actually used for decoding (the first one), if any.
    pub fn prefix(&self) -> Option<&str> {
        self.prefixes.first().map(|(p, _)| p.as_str())
    }

    /// The text of id `v`: `decode([prefix, v])` with special tokens kept, minus one leading
    /// space and the prefix; `decode([v])` without a prefix (or when no prefix survives).
    pub fn decode(&self, tok: &dyn Tokenizer, v: u32) -> Result<String> {
        for (p, pid) in &self.prefixes {
            let d = tok.decode(&[*pid, v], false)?;
            let d = d.strip_prefix(' ').unwrap_or(&d);
            if let Some(rest) = d.strip_prefix(p.as_str()) {
                return Ok(rest.to_string());
            }
        }
        tok.decode(&[v], false)
    }

    /// The ids of `text`: `encode(prefix + text)` without special tokens, minus the prefix's id
    /// (the first prefix that comes back as a separate first id); plain `encode(text)` without
    /// a prefix (or when the prefix merges with the text).
    pub fn encode(&self, tok: &dyn Tokenizer, text: &str) -> Result<Vec<u32>> {
        for (p, pid) in &self.prefixes {
            let ids = tok.encode_ids(&format!("{p}{text}"), false)?;
            if ids.first() == Some(pid) {
                return Ok(ids[1..].to_vec());
            }
        }
        tok.encode_ids(text, false)
    }

    /// Classifies id `v` of kind `kind`, returning the class, the decoded text and the ids it
    /// encodes to (empty for special and absent ids, which are not tested).
    pub fn classify(
        &self,
        tok: &dyn Tokenizer,
        v: u32,
        kind: TokenKind,
    ) -> Result<(Reachability, String, Vec<u32>)> {
        match kind {
            TokenKind::Special => return Ok((Reachability::Special, String::new(), Vec::new())),
            TokenKind::Absent => return Ok((Reachability::Absent, String::new(), Vec::new())),
            _ => {}
        }
        let text = self.decode(tok, v)?;
        // A text the tokenizer cannot encode (e.g. a byte-level model without the bytes of
        // U+FFFD and without an unknown token) gives no ids.
        let ids = self.encode(tok, &text).unwrap_or_default();
        let class = if ids == [v] {
            Reachability::Reachable
        } else if text.contains('\u{FFFD}') {
            Reachability::Undecodable
        } else if ids.len() == 1 {
            Reachability::UnreachableSingle
        } else {
            Reachability::UnreachableMulti
        };
        Ok((class, text, ids))
    }
}

/// Classifies every id of the vocabulary, in parallel. `vocab[v]` is id `v`'s entry.
pub fn classify_all(
    tok: &dyn Tokenizer,
    probe: &Probe,
    vocab: &[VocabToken],
) -> Result<Vec<Reachability>> {
    vocab
        .par_iter()
        .enumerate()
        .with_min_len(256)
        .map(|(v, t)| Ok(probe.classify(tok, v as u32, t.kind)?.0))
        .collect()
}
