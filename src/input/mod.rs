//! Reading input text: verbatim, byte for byte, with clear errors for binary and non-UTF-8 data;
//! finding it ([`walk`], the one directory walker of every command); and leaving out what cannot
//! be read ([`skip`]).

pub mod skip;
pub mod walk;

pub use skip::{SkipLog, SkipReason, Skipped};
pub use walk::{Found, FoundFile, WalkOptions, Walker};

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// How many leading bytes are checked for a NUL byte when sniffing for binary files.
pub const BINARY_SNIFF_BYTES: usize = 8192;

/// Where text comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputSource {
    /// A file on disk.
    File(PathBuf),
    /// Standard input (`-`).
    Stdin,
}

impl InputSource {
    /// `-` means standard input; anything else is a path.
    pub fn from_arg(arg: &str) -> Self {
        if arg == "-" {
            InputSource::Stdin
        } else {
            InputSource::File(PathBuf::from(arg))
        }
    }

    /// The name used in messages (`-` for standard input).
    pub fn display_path(&self) -> PathBuf {
        match self {
            InputSource::File(p) => p.clone(),
            InputSource::Stdin => PathBuf::from("-"),
        }
    }

    /// Reads all bytes.
    pub fn read_bytes(&self) -> Result<Vec<u8>> {
        match self {
            InputSource::File(p) => std::fs::read(p).map_err(|e| Error::io(p, e)),
            InputSource::Stdin => {
                let mut buf = Vec::new();
                std::io::stdin()
                    .read_to_end(&mut buf)
                    .map_err(|e| Error::io("-", e))?;
                Ok(buf)
            }
        }
    }

    /// Reads the whole input as text (see [`decode_text`]).
    pub fn read_text(&self, lossy: bool) -> Result<String> {
        decode_text(&self.display_path(), self.read_bytes()?, lossy)
    }
}

/// The UTF-8 byte-order mark (U+FEFF encoded).
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The encoding announced by a byte-order mark at the start of `bytes`, if there is one.
pub fn byte_order_mark(bytes: &[u8]) -> Option<&'static str> {
    // UTF-32LE starts like UTF-16LE, so it is checked first.
    [
        (&b"\xFF\xFE\0\0"[..], "UTF-32LE"),
        (b"\0\0\xFE\xFF", "UTF-32BE"),
        (UTF8_BOM, "UTF-8"),
        (b"\xFF\xFE", "UTF-16LE"),
        (b"\xFE\xFF", "UTF-16BE"),
    ]
    .into_iter()
    .find(|(mark, _)| bytes.starts_with(mark))
    .map(|(_, name)| name)
}

/// Advice for a text file in UTF-16 or UTF-32.
const CONVERT_TO_UTF8: &str = "tokstat reads UTF-8 text: convert the file first (e.g. `iconv -f UTF-16 -t UTF-8 FILE > FILE.utf8`)";

/// Refuses a JSON or JSONL file that starts with a byte-order mark (JSON does not allow one, and
/// the parser would report it as "expected value at line 1 column 1").
pub fn reject_json_bom(path: &Path, bytes: &[u8]) -> Result<()> {
    match byte_order_mark(bytes) {
        None => Ok(()),
        Some("UTF-8") => Err(Error::ByteOrderMark {
            path: path.to_path_buf(),
            encoding: "UTF-8",
            advice: "JSON does not allow one: save the file as UTF-8 without BOM (e.g. `sed -i '1s/^\\xEF\\xBB\\xBF//' FILE`)",
        }),
        Some(encoding) => Err(Error::ByteOrderMark {
            path: path.to_path_buf(),
            encoding,
            advice: "JSON files must be UTF-8: convert it (e.g. `iconv -f UTF-16 -t UTF-8`)",
        }),
    }
}

/// Position of the first NUL byte among the first [`BINARY_SNIFF_BYTES`], if any.
pub fn binary_marker(bytes: &[u8]) -> Option<usize> {
    bytes[..bytes.len().min(BINARY_SNIFF_BYTES)]
        .iter()
        .position(|&b| b == 0)
}

/// Turns bytes into text, verbatim: no trimming, no newline handling; only a leading UTF-8
/// byte-order mark is dropped (it marks the encoding and is not part of the text).
///
/// A UTF-16 or UTF-32 byte-order mark is an error naming the encoding. A NUL byte in the first 8 KiB marks a binary file (an error). Invalid UTF-8 is an error with
/// the offset of the first invalid byte, unless `lossy`, which replaces invalid sequences by
/// U+FFFD.
pub fn decode_text(path: &Path, mut bytes: Vec<u8>, lossy: bool) -> Result<String> {
    match byte_order_mark(&bytes) {
        Some("UTF-8") => {
            bytes.drain(..UTF8_BOM.len());
        }
        Some(encoding) => {
            return Err(Error::ByteOrderMark {
                path: path.to_path_buf(),
                encoding,
                advice: CONVERT_TO_UTF8,
            });
        }
        None => {}
    }
    if let Some(offset) = binary_marker(&bytes) {
        return Err(Error::BinaryInput {
            path: path.to_path_buf(),
            offset,
        });
    }
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) if lossy => Ok(String::from_utf8_lossy(e.as_bytes()).into_owned()),
        Err(e) => Err(Error::InvalidUtf8 {
            path: path.to_path_buf(),
            offset: e.utf8_error().valid_up_to(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_offset() {
        let e = decode_text(Path::new("f.txt"), b"ab\xffc".to_vec(), false).unwrap_err();
        assert_eq!(
            e.to_string(),
            "f.txt: invalid UTF-8 at byte offset 2 (`compare` and `encode` take --lossy to replace invalid bytes with U+FFFD; convert the file to UTF-8 for the other commands)"
        );
        assert_eq!(
            decode_text(Path::new("f"), b"ab\xffc".to_vec(), true).unwrap(),
            "ab\u{FFFD}c"
        );
    }

    #[test]
    fn binary_detected() {
        let e = decode_text(Path::new("b.bin"), b"ab\0c".to_vec(), true).unwrap_err();
        assert!(e.to_string().contains("NUL byte at offset 2"));
    }

    #[test]
    fn byte_order_marks() {
        assert_eq!(
            decode_text(Path::new("f"), b"\xEF\xBB\xBFhi".to_vec(), false).unwrap(),
            "hi"
        );
        let e = decode_text(Path::new("w.txt"), b"\xFF\xFEh\0i\0".to_vec(), false).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("w.txt: starts with a UTF-16LE byte-order mark"),
            "{e}"
        );
        assert_eq!(byte_order_mark(b"\xFF\xFE\0\0"), Some("UTF-32LE"));
        assert_eq!(byte_order_mark(b"{}"), None);
        let e = reject_json_bom(Path::new("t.json"), b"\xEF\xBB\xBF{}").unwrap_err();
        assert!(
            e.to_string()
                .contains("t.json: starts with a UTF-8 byte-order mark; JSON does not allow one"),
            "{e}"
        );
    }

    #[test]
    fn verbatim() {
        assert_eq!(
            decode_text(Path::new("f"), b" x\n\n".to_vec(), false).unwrap(),
            " x\n\n"
        );
    }
}
