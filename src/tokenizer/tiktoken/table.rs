//! The compact, binary form of a tiktoken encoding's ranks: every regular token's bytes in rank
//! order, a hash index from bytes to rank, and the special tokens, so that loading is reading,
//! not building (`tiktoken-rs` decodes 200,000 base64 lines into hash maps and sorts them).
//!
//! `build.rs` writes it for the four bundled encodings from `tiktoken-rs` (this file is compiled
//! into the build script too, so it uses `std` only); [`super::Ranks`] reads it. Layout,
//! little-endian `u32`s unless said:
//!
//! | field | type |
//! |---|---|
//! | magic | `b"TKRANKS1"` |
//! | ids `n` (one past the largest regular rank), regular ranks, special tokens `s`, hash slots `h` (a power of two) | 4 × `u32` |
//! | token ends (byte offsets into the token bytes; an empty token is a hole) | `n` × `u32` |
//! | hash slots: rank + 1, or 0 for an empty slot (linear probing from [`slot`]) | `h` × `u32` |
//! | special tokens: id, then the end of its text in the special text | `s` × 2 × `u32` |
//! | token bytes, concatenated | bytes |
//! | special text, concatenated | bytes |

/// The first bytes of the format.
pub const MAGIC: &[u8; 8] = b"TKRANKS1";

/// Bytes before the token ends: the magic and four counts.
pub const HEADER: usize = 8 + 4 * 4;

/// The first slot to probe for `bytes` in a table of `slots` slots (a power of two): FNV-1a.
pub fn slot(bytes: &[u8], slots: usize) -> usize {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (h as usize) & (slots - 1)
}

/// Serialises the regular tokens (`ranks[r]` the bytes of rank `r`, `None` for a hole) and the
/// special tokens (id, text) into the compact form. For `build.rs`, and for a byte-level BPE
/// vocabulary read from a file (`rank_bpe`).
pub fn build(ranks: &[Option<Vec<u8>>], specials: &[(u32, String)]) -> Vec<u8> {
    let regular = ranks.iter().filter(|r| r.is_some()).count();
    let slots = (regular * 2).next_power_of_two().max(2);
    let mut table = vec![0u32; slots];
    for (rank, bytes) in ranks.iter().enumerate() {
        let Some(bytes) = bytes else { continue };
        let mut i = slot(bytes, slots);
        while table[i] != 0 {
            i = (i + 1) & (slots - 1);
        }
        table[i] = rank as u32 + 1;
    }
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    for n in [ranks.len(), regular, specials.len(), slots] {
        out.extend_from_slice(&(n as u32).to_le_bytes());
    }
    assert_eq!(out.len(), HEADER);
    let mut end = 0u32;
    for bytes in ranks {
        end += bytes.as_ref().map_or(0, |b| b.len() as u32);
        out.extend_from_slice(&end.to_le_bytes());
    }
    for s in &table {
        out.extend_from_slice(&s.to_le_bytes());
    }
    let mut text_end = 0u32;
    for (id, text) in specials {
        text_end += text.len() as u32;
        out.extend_from_slice(&id.to_le_bytes());
        out.extend_from_slice(&text_end.to_le_bytes());
    }
    for bytes in ranks.iter().flatten() {
        out.extend_from_slice(bytes);
    }
    for (_, text) in specials {
        out.extend_from_slice(text.as_bytes());
    }
    out
}
