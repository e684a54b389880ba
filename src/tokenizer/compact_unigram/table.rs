//! The compact, binary form of a unigram vocabulary: every piece, its score, and a byte trie
//! over the pieces in flat arrays, so that loading is reading, not building.
//!
//! `build.rs` writes it for the bundled XLM-RoBERTa file (this file is compiled into the build
//! script too, so it uses `std` only); [`super::CompactUnigram`] reads it. Layout, little-endian:
//!
//! | field | type |
//! |---|---|
//! | magic | `b"TKUNIGR1"` |
//! | pieces `n`, trie nodes `m`, trie edges `e`, unk id (`u32::MAX`: none), byte fallback (0/1) | 5 × `u32` |
//! | min score | `f64` |
//! | scores | `n` × `f64` |
//! | piece ends (byte offsets into the piece text) | `n` × `u32` |
//! | node: first edge (edges of node `i` are `first[i]..first[i + 1]`) | `(m + 1)` × `u32` |
//! | node: piece id ending there (`u32::MAX`: none) | `m` × `u32` |
//! | edge: child node | `e` × `u32` |
//! | edge: byte label (sorted within a node) | `e` × `u8` |
//! | piece text, concatenated | bytes |
//!
//! Like HF `tokenizers`' `Unigram`, a piece spelled twice maps to its last id.

/// The first bytes of the format.
pub const MAGIC: &[u8; 8] = b"TKUNIGR1";

/// "No id" in the node and unk fields.
pub const NONE: u32 = u32::MAX;

/// Serialises pieces (in id order) with their scores into the compact form.
pub fn build(pieces: &[(String, f64)], unk_id: Option<u32>, byte_fallback: bool) -> Vec<u8> {
    let (first, value, child, label) = trie(pieces);
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    for n in [pieces.len(), value.len(), child.len()] {
        out.extend_from_slice(&(n as u32).to_le_bytes());
    }
    out.extend_from_slice(&unk_id.unwrap_or(NONE).to_le_bytes());
    out.extend_from_slice(&u32::from(byte_fallback).to_le_bytes());
    let min = pieces.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    out.extend_from_slice(&min.to_le_bytes());
    for (_, score) in pieces {
        out.extend_from_slice(&score.to_le_bytes());
    }
    let mut end = 0u32;
    for (piece, _) in pieces {
        end += piece.len() as u32;
        out.extend_from_slice(&end.to_le_bytes());
    }
    for v in first.iter().chain(&value).chain(&child) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&label);
    for (piece, _) in pieces {
        out.extend_from_slice(piece.as_bytes());
    }
    out
}

/// The byte trie of the pieces in breadth-first flat form: (first edge per node, piece id per
/// node, child per edge, label per edge).
fn trie(pieces: &[(String, f64)]) -> (Vec<u32>, Vec<u32>, Vec<u32>, Vec<u8>) {
    use std::collections::BTreeMap;
    // Pointer-based build first (small: only build time pays for it), then flattened.
    #[derive(Default)]
    struct Node {
        value: Option<u32>,
        children: BTreeMap<u8, usize>,
    }
    let mut nodes = vec![Node::default()];
    for (id, (piece, _)) in pieces.iter().enumerate() {
        let mut at = 0;
        for &b in piece.as_bytes() {
            at = match nodes[at].children.get(&b) {
                Some(&c) => c,
                None => {
                    nodes.push(Node::default());
                    let c = nodes.len() - 1;
                    nodes[at].children.insert(b, c);
                    c
                }
            };
        }
        nodes[at].value = Some(id as u32);
    }
    // Breadth-first numbering, so that node 0 is the root.
    let mut order = vec![0usize];
    let mut index = vec![0u32; nodes.len()];
    let mut i = 0;
    while i < order.len() {
        index[order[i]] = i as u32;
        order.extend(nodes[order[i]].children.values().copied());
        i += 1;
    }
    let (mut first, mut value, mut child, mut label) = (vec![0u32], vec![], vec![], vec![]);
    for &n in &order {
        value.push(nodes[n].value.unwrap_or(NONE));
        for (&b, &c) in &nodes[n].children {
            label.push(b);
            child.push(index[c]);
        }
        first.push(child.len() as u32);
    }
    (first, value, child, label)
}
