//! Reading bytes eight at a time, as one `u64` ("SIMD within a register").

/// The eight bytes of `b` at `at` as a little-endian `u64` (the byte at `at` lowest), or `None`
/// when fewer than eight remain.
pub(crate) fn word_at(b: &[u8], at: usize) -> Option<u64> {
    let mut w = [0; 8];
    w.copy_from_slice(b.get(at..at.checked_add(8)?)?);
    Some(u64::from_le_bytes(w))
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
    }
}
