//! The inputs of a comparison, read in line-aligned chunks.

use std::io::Read;

use crate::analysis::identifiers::{Lang, code_line_starts};
use crate::input::{Found, InputSource};

/// One input to read.
#[derive(Debug, Clone)]
pub struct InputFile {
    /// Where it comes from.
    pub source: InputSource,
    /// Its name in reports (`-` for standard input).
    pub display: String,
    /// Its language (`None`: prose or unknown, analysed as text).
    pub lang: Option<Lang>,
    /// Its size if known (for the progress bar).
    pub size: u64,
    /// Named on the command line (or standard input): content that cannot be read is an error,
    /// not a skip.
    pub named: bool,
}

impl InputFile {
    /// The input for a file or standard input found by the [walker](crate::input::walk);
    /// `lang` overrides the language found from the file's name. `None` for a skipped entry.
    pub fn from_found(found: Found, lang: Option<Lang>) -> Option<InputFile> {
        match found {
            Found::Stdin => Some(InputFile {
                source: InputSource::Stdin,
                display: "-".into(),
                lang,
                size: 0,
                named: true,
            }),
            Found::File(f) => Some(InputFile {
                lang: lang.or_else(|| Lang::from_path(&f.path)),
                source: InputSource::File(f.path),
                display: f.display,
                size: f.size,
                named: f.named,
            }),
            Found::Skipped(_) => None,
        }
    }
}

/// Where a chunk ends so that the next chunk starts a line and the counts do not change.
///
/// A *clean* cut is after a `\n` that is preceded and followed by a printable ASCII character
/// (`x⏎d`): every byte-level BPE pre-tokeniser (GPT-2/RoBERTa, OLMo, tiktoken) makes that `\n`
/// a piece of its own whether or not text follows, UAX #29 breaks after it, and no whitespace
/// run crosses it. (After a longer whitespace run, `\s+(?!\S)` would split the run differently
/// at the end of a text than before a word, so such places are avoided.) For code (`lang`), the
/// line must also start outside any comment or string ([`code_line_starts`]). The last clean cut
/// in `buf` is used; without one, the cut is after the last `\n`; without a newline, at the
/// last UTF-8 character boundary. Returns `buf.len()` when nothing better exists.
pub fn cut_point(buf: &[u8], lang: Option<Lang>) -> usize {
    let n = buf.len();
    let valid = match std::str::from_utf8(buf) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&buf[..e.valid_up_to()]).unwrap_or(""),
    };
    let code_starts = lang.map(|l| code_line_starts(valid, l));
    let clean = |k: usize| {
        k >= 1
            && k + 1 < n
            && buf[k] == b'\n'
            && buf[k - 1].is_ascii_graphic()
            && buf[k + 1].is_ascii_graphic()
            && code_starts
                .as_ref()
                .is_none_or(|v| v.binary_search(&(k + 1)).is_ok())
    };
    if let Some(k) = (1..n.saturating_sub(1)).rev().find(|&k| clean(k)) {
        return k + 1;
    }
    if let Some(k) = buf.iter().rposition(|&b| b == b'\n') {
        if k + 1 < n {
            return k + 1;
        }
    }
    match std::str::from_utf8(buf) {
        // An incomplete character at the end: cut before it.
        Err(e) if e.error_len().is_none() && e.valid_up_to() > 0 => e.valid_up_to(),
        _ => n,
    }
}

/// Reads a stream in chunks of at most `chunk` bytes cut by [`cut_point`]; a stream shorter
/// than `chunk` comes back as one piece.
pub struct ChunkReader<R> {
    r: R,
    lang: Option<Lang>,
    chunk: usize,
    carry: Vec<u8>,
    eof: bool,
    offset: u64,
}

impl<R: Read> ChunkReader<R> {
    /// Wraps a reader; `lang` makes the cuts avoid comments and strings of that language.
    pub fn new(r: R, chunk: usize, lang: Option<Lang>) -> Self {
        Self {
            r,
            lang,
            chunk: chunk.max(1),
            carry: Vec::new(),
            eof: false,
            offset: 0,
        }
    }

    /// Whether the stream has been read to its end and every chunk handed out.
    pub fn is_done(&self) -> bool {
        self.eof && self.carry.is_empty()
    }

    /// The next chunk and its byte offset in the stream, or `None` at the end.
    pub fn next_chunk(&mut self) -> std::io::Result<Option<(u64, Vec<u8>)>> {
        let mut buf = std::mem::take(&mut self.carry);
        while !self.eof && buf.len() < self.chunk {
            let want = self.chunk - buf.len();
            let got = (&mut self.r).take(want as u64).read_to_end(&mut buf)?;
            if got == 0 {
                self.eof = true;
            }
        }
        if buf.is_empty() {
            return Ok(None);
        }
        if !self.eof || buf.len() > self.chunk {
            let cut = cut_point(&buf, self.lang);
            self.carry = buf.split_off(cut);
        }
        let at = self.offset;
        self.offset += buf.len() as u64;
        Ok(Some((at, buf)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_prefers_line_starting_with_text() {
        // "a\n  b\nc\n d": the last "\n" between two printable characters is at index 5.
        assert_eq!(cut_point(b"a\n  b\nc\n d", None), 6);
        // "a\n\nb": no clean cut (a run of two newlines); after the last newline.
        assert_eq!(cut_point(b"a\n\nb", None), 3);
        // Only indented lines: after the last newline.
        assert_eq!(cut_point(b" a\n b", None), 3);
        // No newline: never inside a character ("é" = C3 A9 cut after C3 → cut before it).
        assert_eq!(cut_point(b"ab\xC3", None), 2);
        assert_eq!(cut_point(b"abc", None), 3);
        // Python: the clean cuts before "x" (10) and the closing quotes (12) are inside a
        // docstring; the cut goes before "y" (4) instead.
        assert_eq!(
            cut_point(b"a=1\ny=\"\"\"\nx\n\"\"\"\n", Some(Lang::Python)),
            4
        );
    }

    #[test]
    fn chunks_reassemble() {
        let text = "line one\n  two\nthree\nfour\n".repeat(50);
        let mut r = ChunkReader::new(text.as_bytes(), 64, None);
        let mut out = Vec::new();
        let mut n = 0;
        while let Some((at, c)) = r.next_chunk().unwrap() {
            assert_eq!(at as usize, out.len());
            assert!(c.len() <= 64);
            out.extend_from_slice(&c);
            n += 1;
        }
        assert_eq!(out, text.as_bytes());
        assert!(n > 1);
        // Shorter than a chunk: one piece.
        let mut r = ChunkReader::new(&b"short\n"[..], 64, None);
        assert_eq!(r.next_chunk().unwrap().unwrap().1, b"short\n");
        assert!(r.next_chunk().unwrap().is_none());
    }
}
