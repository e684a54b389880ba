//! tiktoken's byte-pair merge of one piece of text (the bytes of one pattern match).
//!
//! A piece starts as its single bytes; the adjacent pair whose concatenated bytes have the
//! lowest rank is merged, the leftmost one on a tie, until no adjacent pair concatenates to a
//! token. Each part left is a token, whose rank is its id. This is BPE (Sennrich et al. 2016) as
//! tiktoken defines it, with ranks of byte strings in place of a merge list. Short pieces rescan
//! a vector of pair ranks after each merge; long ones (whitespace runs, minified lines) use a
//! heap over a linked list, so that a hostile piece costs O(n log n), not O(n²).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Pieces with more bytes than this are merged with the heap.
const HEAP_ABOVE: usize = 128;

/// No rank.
const NONE: u32 = u32::MAX;

/// Appends the ranks of the tokens of `piece` to `out`; `rank` gives the rank of a byte string
/// (`None` when it is not a token). Returns `None` when a single byte is not a token, which no
/// tiktoken encoding allows.
pub fn encode(
    piece: &[u8],
    rank: &impl Fn(&[u8]) -> Option<u32>,
    out: &mut Vec<u32>,
) -> Option<()> {
    let bounds = if piece.len() > HEAP_ABOVE {
        merge_heap(piece, rank)
    } else {
        merge_loop(piece, rank)
    };
    for w in bounds.windows(2) {
        out.push(rank(&piece[w[0]..w[1]])?);
    }
    Some(())
}

/// The part boundaries after merging, by rescanning the pair ranks after each merge.
fn merge_loop(piece: &[u8], rank: &impl Fn(&[u8]) -> Option<u32>) -> Vec<usize> {
    let mut bounds: Vec<usize> = (0..=piece.len()).collect();
    // pair[i]: the rank of parts i and i + 1 together (NONE for the last part).
    let pair_rank = |bounds: &[usize], i: usize| match bounds.get(i + 2) {
        Some(&end) => rank(&piece[bounds[i]..end]).unwrap_or(NONE),
        None => NONE,
    };
    let mut pair: Vec<u32> = (0..bounds.len() - 1)
        .map(|i| pair_rank(&bounds, i))
        .collect();
    loop {
        let mut best = (NONE, 0);
        for (i, &r) in pair.iter().enumerate() {
            if r < best.0 {
                best = (r, i);
            }
        }
        let (r, i) = best;
        if r == NONE {
            return bounds;
        }
        bounds.remove(i + 1);
        pair.remove(i + 1);
        pair[i] = pair_rank(&bounds, i);
        if i > 0 {
            pair[i - 1] = pair_rank(&bounds, i - 1);
        }
    }
}

/// The part boundaries after merging, with a heap of candidate pairs ordered by (rank, start):
/// the smallest valid entry is the leftmost lowest-ranked pair, as in [`merge_loop`]. An entry
/// is stale once either of its parts has merged with another part; its boundaries then no
/// longer match the list and it is skipped.
fn merge_heap(piece: &[u8], rank: &impl Fn(&[u8]) -> Option<u32>) -> Vec<usize> {
    let n = piece.len();
    // Parts are named by their start; next[s] is the start of the following part (n at the end).
    let mut next: Vec<usize> = (1..=n).collect();
    let mut prev: Vec<usize> = (0..n).map(|i| i.wrapping_sub(1)).collect();
    let mut alive = vec![true; n];
    let mut heap = BinaryHeap::new();
    let push = |heap: &mut BinaryHeap<_>, start: usize, end: usize| {
        if let Some(r) = rank(&piece[start..end]) {
            heap.push(Reverse((r, start, end)));
        }
    };
    for s in 0..n.saturating_sub(1) {
        push(&mut heap, s, s + 2);
    }
    while let Some(Reverse((_, start, end))) = heap.pop() {
        let right = next[start];
        if !alive[start] || right >= n || next[right] != end {
            continue;
        }
        alive[right] = false;
        next[start] = end;
        if end < n {
            prev[end] = start;
            push(&mut heap, start, next[end]);
        }
        if start > 0 {
            push(&mut heap, prev[start], end);
        }
    }
    let mut bounds = vec![0];
    let mut s = 0;
    while s < n {
        s = next[s];
        bounds.push(s);
    }
    bounds
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Ranks of a toy vocabulary: every single byte, then the listed merges in rank order.
    fn ranks(merged: &[&str]) -> HashMap<Vec<u8>, u32> {
        let mut m: HashMap<Vec<u8>, u32> = (0..=255u8).map(|b| (vec![b], u32::from(b))).collect();
        for (i, t) in merged.iter().enumerate() {
            m.insert(t.as_bytes().to_vec(), 256 + i as u32);
        }
        m
    }

    fn both(piece: &str, table: &HashMap<Vec<u8>, u32>) -> (Vec<usize>, Vec<usize>) {
        let rank = |b: &[u8]| table.get(b).copied();
        (
            merge_loop(piece.as_bytes(), &rank),
            merge_heap(piece.as_bytes(), &rank),
        )
    }

    #[test]
    fn merges_the_lowest_rank_first_and_the_leftmost_on_a_tie() {
        // "ab" outranks "bc": "abc" → ab|c. "aa" on "aaa": the leftmost pair merges first.
        let t = ranks(&["ab", "bc", "aa"]);
        assert_eq!(both("abc", &t), (vec![0, 2, 3], vec![0, 2, 3]));
        assert_eq!(both("aaa", &t), (vec![0, 2, 3], vec![0, 2, 3]));
        // "bc" first when it is the lower rank: a|bc.
        let t = ranks(&["bc", "ab"]);
        assert_eq!(both("abc", &t), (vec![0, 1, 3], vec![0, 1, 3]));
    }

    #[test]
    fn merged_parts_merge_again() {
        let t = ranks(&["ab", "cd", "abcd", "abcde"]);
        let mut out = Vec::new();
        encode(b"abcdef", &|b: &[u8]| t.get(b).copied(), &mut out).unwrap();
        assert_eq!(out, vec![256 + 3, u32::from(b'f')]);
    }

    #[test]
    fn the_heap_and_the_loop_agree_on_long_pieces() {
        let t = ranks(&["  ", "    ", "        ", "ab", "abab", "ba", " a", "b "]);
        for piece in [
            " ".repeat(300),
            "ab".repeat(200),
            format!("{}b{}", " a".repeat(90), "ab ".repeat(70)),
            "ba".repeat(129) + "a",
        ] {
            let (l, h) = both(&piece, &t);
            assert_eq!(l, h, "{piece:?}");
        }
    }
}
