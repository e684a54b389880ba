//! Generated inputs for the unit tests that check a fast reading against a reference one.

/// Marsaglia's xorshift64 generator ("Xorshift RNGs", 2003): a fixed seed gives the same
/// sequence everywhere.
pub(crate) struct XorShift(pub(crate) u64);

impl XorShift {
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number below `n` (`n > 0`).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// `count` strings of fewer than `max_len` characters drawn from `alphabet`.
    pub(crate) fn strings(
        &mut self,
        alphabet: &[char],
        count: usize,
        max_len: usize,
    ) -> Vec<String> {
        (0..count)
            .map(|_| {
                let len = self.below(max_len);
                (0..len)
                    .map(|_| alphabet[self.below(alphabet.len())])
                    .collect()
            })
            .collect()
    }
}

/// Token spans that tile `text` (`analysis::spans::TokenStarts`): cut at random `char`
/// boundaries into spans of one to `longest` characters.
pub(crate) fn tiling(rng: &mut XorShift, text: &str, longest: usize) -> Vec<(usize, usize)> {
    let bounds = char_bounds(text);
    let mut spans = Vec::new();
    let mut k = 0;
    while k + 1 < bounds.len() {
        let next = (k + 1 + rng.below(longest)).min(bounds.len() - 1);
        spans.push((bounds[k], bounds[next]));
        k = next;
    }
    spans
}

/// The `char` boundaries of `text`, its end included.
pub(crate) fn char_bounds(text: &str) -> Vec<usize> {
    text.char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()))
        .collect()
}

/// Every string of up to `max_len` characters over `alphabet`, the empty one first.
pub(crate) fn all_strings(alphabet: &[char], max_len: usize) -> Vec<String> {
    let mut all = vec![String::new()];
    let mut frontier = all.clone();
    for _ in 0..max_len {
        frontier = frontier
            .iter()
            .flat_map(|t| alphabet.iter().map(move |&c| format!("{t}{c}")))
            .collect();
        all.extend(frontier.iter().cloned());
    }
    all
}
