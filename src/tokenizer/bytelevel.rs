//! GPT-2's reversible byte ↔ printable-character map (the `Ġ` alphabet).
//!
//! Byte-level BPE vocabularies (GPT-2, RoBERTa, OLMo, tiktoken) store tokens as byte strings
//! written in this alphabet: printable Latin-1 bytes map to themselves, the other 68 bytes to
//! U+0100.. in order (so a space, 0x20, is `Ġ` U+0120 and a newline `Ċ`). Definition:
//! `bytes_to_unicode()` in openai/gpt-2 `src/encoder.py`.

use std::sync::OnceLock;

fn tables() -> &'static ([char; 256], std::collections::HashMap<char, u8>) {
    static T: OnceLock<([char; 256], std::collections::HashMap<char, u8>)> = OnceLock::new();
    T.get_or_init(|| {
        let mut map = ['\0'; 256];
        let printable = |b: u32| {
            (u32::from(b'!')..=u32::from(b'~')).contains(&b)
                || (0xA1..=0xAC).contains(&b)
                || (0xAE..=0xFF).contains(&b)
        };
        let mut n = 0u32;
        for b in 0u32..256 {
            let c = if printable(b) {
                b
            } else {
                n += 1;
                255 + n
            };
            map[b as usize] = char::from_u32(c).unwrap_or('\u{FFFD}');
        }
        let rev = map.iter().enumerate().map(|(b, &c)| (c, b as u8)).collect();
        (map, rev)
    })
}

/// The printable character that stands for `byte`.
pub fn byte_to_char(byte: u8) -> char {
    tables().0[byte as usize]
}

/// The byte a printable character stands for, if it is in the alphabet.
pub fn char_to_byte(c: char) -> Option<u8> {
    tables().1.get(&c).copied()
}

/// Writes bytes in the byte-level alphabet (`b" a"` → `"Ġa"`).
pub fn bytes_to_string(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| byte_to_char(b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_mappings() {
        assert_eq!(byte_to_char(b' '), 'Ġ');
        assert_eq!(byte_to_char(b'\n'), 'Ċ');
        assert_eq!(byte_to_char(b'\t'), 'ĉ');
        assert_eq!(byte_to_char(b'a'), 'a');
        assert_eq!(bytes_to_string("  x".as_bytes()), "ĠĠx");
        for b in 0..=255u8 {
            assert_eq!(char_to_byte(byte_to_char(b)), Some(b));
        }
    }
}
