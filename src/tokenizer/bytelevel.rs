//! GPT-2's reversible byte ↔ printable-character map (the `Ġ` alphabet).
//!
//! Byte-level BPE vocabularies (GPT-2, RoBERTa, OLMo, tiktoken) store tokens as byte strings
//! written in this alphabet: printable Latin-1 bytes map to themselves, the other 68 bytes to
//! U+0100.. in order (so a space, 0x20, is `Ġ` U+0120 and a newline `Ċ`). Definition:
//! `bytes_to_unicode()` in openai/gpt-2 `src/encoder.py`.

use std::sync::OnceLock;

/// Characters of the alphabet are below this code point.
const ALPHABET_END: usize = 0x144;

/// The alphabet: the character of each byte, and the byte of each character below
/// [`ALPHABET_END`] (`None` for the characters that stand for no byte).
type Tables = ([char; 256], [Option<u8>; ALPHABET_END]);

fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
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
        let mut rev = [None; ALPHABET_END];
        for (b, &c) in map.iter().enumerate() {
            rev[c as usize] = Some(b as u8);
        }
        (map, rev)
    })
}

/// The printable character that stands for `byte`.
pub fn byte_to_char(byte: u8) -> char {
    tables().0[byte as usize]
}

/// The byte a printable character stands for, if it is in the alphabet.
pub fn char_to_byte(c: char) -> Option<u8> {
    tables().1.get(c as usize).copied().flatten()
}

/// A token's bytes as HF `tokenizers`' `ByteLevel` decoder gives them (see
/// [`push_decoded_bytes`]).
pub fn decoded_bytes(token: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(token.len());
    push_decoded_bytes(token, &mut out);
    out
}

/// Appends a token's bytes as HF `tokenizers`' `ByteLevel` decoder gives them: each character's
/// byte if every character is in the alphabet, else the token's own UTF-8 (an added token such
/// as `<mask>` is spelled in both).
pub(super) fn push_decoded_bytes(token: &str, out: &mut Vec<u8>) {
    let start = out.len();
    for c in token.chars() {
        match char_to_byte(c) {
            Some(b) => out.push(b),
            None => {
                out.truncate(start);
                out.extend_from_slice(token.as_bytes());
                return;
            }
        }
    }
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
