//! Reading bytes eight at a time, as one `u64` ("SIMD within a register").

/// `0x01` in every byte.
pub(crate) const ONES: u64 = u64::from_le_bytes([1; 8]);
/// `0x80` in every byte.
pub(crate) const HIGH: u64 = ONES * 0x80;

/// The eight bytes of `b` at `at` as a little-endian `u64` (the byte at `at` lowest), or `None`
/// when fewer than eight remain.
pub(crate) fn word_at(b: &[u8], at: usize) -> Option<u64> {
    let mut w = [0; 8];
    w.copy_from_slice(b.get(at..at.checked_add(8)?)?);
    Some(u64::from_le_bytes(w))
}

/// The eight bytes of `b` at `at` as [`word_at`] reads them, with zero bytes past the end of `b`.
pub(crate) fn word_at_padded(b: &[u8], at: usize) -> u64 {
    if let Some(w) = word_at(b, at) {
        return w;
    }
    let mut w = [0; 8];
    if let Some(rest) = b.get(at..) {
        w[..rest.len()].copy_from_slice(rest);
    }
    u64::from_le_bytes(w)
}

/// `0x80` in each byte of `w` within `lo..=hi`, zero in the others. Every byte of `w` must be
/// ASCII (below `0x80`), and `lo <= hi < 0x80`: then no sum below carries out of its byte.
pub(crate) fn ascii_in_range(w: u64, lo: u8, hi: u8) -> u64 {
    let at_least_lo = w + ONES * u64::from(0x80 - lo);
    let above_hi = w + ONES * u64::from(0x7F - hi);
    at_least_lo & !above_hi & HIGH
}

/// `0x80` in each byte of `w` that is an ASCII letter, digit or `_` (or `$` with `dollar`),
/// zero in the others (non-ASCII bytes included).
pub(crate) fn ascii_word_bytes(w: u64, dollar: bool) -> u64 {
    let ascii = !w & HIGH;
    let w = w & !HIGH;
    let letters = ascii_in_range(w | (ONES * 0x20), b'a', b'z');
    let digits = ascii_in_range(w, b'0', b'9');
    let underscores = ascii_in_range(w, b'_', b'_');
    let dollars = if dollar {
        ascii_in_range(w, b'$', b'$')
    } else {
        0
    };
    (letters | digits | underscores | dollars) & ascii
}

/// One bit per byte of a [`ascii_in_range`]-style flag word: bit `k` is the top bit of byte `k`.
pub(crate) fn high_bits(flags: u64) -> u8 {
    // Each flag moved to bit 0 of its byte, then gathered into the top byte by one multiply
    // (the partial products land on distinct bits, so nothing carries).
    (((flags >> 7) & ONES).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u8
}

/// The position of the first byte of `b` at or after `from` that is not ASCII, if any: eight
/// bytes at a time while eight remain.
pub(crate) fn first_non_ascii(b: &[u8], mut from: usize) -> Option<usize> {
    while let Some(w) = word_at(b, from) {
        let high = w & HIGH;
        if high != 0 {
            return Some(from + (high.trailing_zeros() / 8) as usize);
        }
        from += 8;
    }
    let rest = b.get(from..)?;
    rest.iter().position(|&x| !x.is_ascii()).map(|k| from + k)
}

/// How many bytes of `b` equal `x`.
pub(crate) fn count_byte(b: &[u8], x: u8) -> usize {
    let mut chunks = b.chunks_exact(8);
    let mut n = 0;
    for c in &mut chunks {
        let mut w = [0; 8];
        w.copy_from_slice(c);
        // A byte of `y` is zero exactly where `b` has `x`: adding 0x7F to its low seven bits
        // sets its top bit unless all of them are zero, and no sum carries out of its byte.
        let y = u64::from_le_bytes(w) ^ (ONES * u64::from(x));
        let zero = !(((y & !HIGH) + ONES * 0x7F) | y) & HIGH;
        n += zero.count_ones() as usize;
    }
    n + chunks.remainder().iter().filter(|&&c| c == x).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn low_byte_first_and_none_near_the_end() {
        let b = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        assert_eq!(word_at(&b, 0), Some(0x0807_0605_0403_0201));
        assert_eq!(word_at(&b, 1), Some(0x0908_0706_0504_0302));
        assert_eq!(word_at(&b, 2), None);
        assert_eq!(word_at(&b, usize::MAX), None);
        assert_eq!(word_at_padded(&b, 2), 0x09_0807_0605_0403);
        assert_eq!(word_at_padded(&b, 9), 0);
        assert_eq!(word_at_padded(&b, usize::MAX), 0);
    }

    #[test]
    fn first_non_ascii_is_the_first_high_byte() {
        let mut b = vec![b'a'; 40];
        for from in 0..=41 {
            assert_eq!(first_non_ascii(&b, from), None);
        }
        for at in [0, 5, 7, 8, 15, 33, 39] {
            b[at] = 0xC3;
            for from in 0..=41 {
                let want = b
                    .iter()
                    .skip(from)
                    .position(|&x| x >= 0x80)
                    .map(|k| from + k);
                assert_eq!(first_non_ascii(&b, from), want, "{at} {from}");
            }
        }
    }

    #[test]
    fn counted_bytes_are_bytewise() {
        let mut rng = crate::test_text::XorShift(0x9E37_79B9_7F4A_7C15);
        for t in rng.strings(
            &['\n', 'a', '\u{8a}', '\u{7f}', '\0', 'é', '\u{10a}'],
            2_000,
            80,
        ) {
            for x in [b'\n', 0, 0x7F, 0x80, 0x8A, 0xC3, b'a'] {
                let want = t.bytes().filter(|&c| c == x).count();
                assert_eq!(count_byte(t.as_bytes(), x), want, "{t:?} {x:#x}");
            }
        }
    }

    #[test]
    fn word_bytes_are_bytewise() {
        for x in 0..=255u8 {
            for k in 0..8 {
                let mut bytes = [b'a'; 8];
                bytes[k] = x;
                let w = u64::from_le_bytes(bytes);
                for dollar in [false, true] {
                    let is = x.is_ascii_alphanumeric() || x == b'_' || (dollar && x == b'$');
                    let got = ascii_word_bytes(w, dollar) >> (8 * k + 7) & 1 == 1;
                    assert_eq!(got, is, "{x:#x} at {k}, dollar {dollar}");
                }
            }
        }
    }

    /// Every range over every ASCII byte in every position, and every flag pattern gathered.
    #[test]
    fn ranges_and_gathered_bits_are_bytewise() {
        let ranges = [
            (b'a', b'z'),
            (b'0', b'9'),
            (b'_', b'_'),
            (0, 0x7F),
            (0, 0),
            (0x7F, 0x7F),
        ];
        for (lo, hi) in ranges {
            for x in 0..0x80u8 {
                for k in 0..8 {
                    let mut bytes = [b'#'; 8];
                    bytes[k] = x;
                    let flags = ascii_in_range(u64::from_le_bytes(bytes), lo, hi);
                    let want: u8 = (0..8)
                        .filter(|&j| (lo..=hi).contains(&bytes[j]))
                        .map(|j| 1 << j)
                        .sum();
                    assert_eq!(high_bits(flags), want, "{x:#x} at {k} in {lo:#x}..={hi:#x}");
                }
            }
        }
        for m in 0..=255u8 {
            let flags =
                u64::from_le_bytes(std::array::from_fn(
                    |j| if m >> j & 1 == 1 { 0x80 } else { 0 },
                ));
            assert_eq!(high_bits(flags), m);
        }
    }
}
