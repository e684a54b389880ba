//! The per-language lexer that finds identifiers (see the rules in [`super`]).

use super::Lang;

fn is_ident_start(c: char, lang: Lang) -> bool {
    c.is_alphabetic()
        || c == '_'
        || (c == '$' && matches!(lang, Lang::Javascript | Lang::Typescript))
}

fn is_ident_continue(c: char, lang: Lang) -> bool {
    c.is_alphanumeric()
        || c == '_'
        || (c == '$' && matches!(lang, Lang::Javascript | Lang::Typescript))
}

/// [`is_ident_continue`] of an ASCII byte (for ASCII, `char::is_alphanumeric` is the ASCII
/// test).
fn is_ascii_ident_continue(b: u8, lang: Lang) -> bool {
    b.is_ascii_alphanumeric()
        || b == b'_'
        || (b == b'$' && matches!(lang, Lang::Javascript | Lang::Typescript))
}

/// Whether the lexer reads nothing at the ASCII byte `b` but the byte itself: punctuation and
/// other symbols, none of which starts a comment or directive (`/`, `#`, `=`), a string (quotes),
/// a number or an identifier.
fn starts_nothing(b: u8, lang: Lang) -> bool {
    b.is_ascii()
        && !matches!(b, b'/' | b'#' | b'=' | b'"' | b'\'' | b'`')
        && !b.is_ascii_digit()
        && !is_ascii_ident_continue(b, lang)
}

/// Byte spans of the identifiers of `text` written in `lang` (module docs for the rule).
pub fn identifier_spans(text: &str, lang: Lang) -> Vec<(usize, usize)> {
    Lexer {
        s: text,
        b: text.as_bytes(),
        i: 0,
        lang,
        // Source code has about one identifier per 9 bytes: one allocation for most texts.
        out: Vec::with_capacity(text.len() / 6 + 1),
        line_start: true,
        line_starts: None,
    }
    .run()
}

/// Byte offsets of the line starts of `text` at which the lexer of `lang` is outside any
/// comment or string literal: lexing from such a position gives the same identifiers as lexing
/// the whole text. Used to cut large files into chunks.
pub fn code_line_starts(text: &str, lang: Lang) -> Vec<usize> {
    let mut lx = Lexer {
        s: text,
        b: text.as_bytes(),
        i: 0,
        lang,
        out: Vec::new(),
        line_start: true,
        line_starts: Some(Vec::new()),
    };
    lx.lex();
    lx.line_starts.unwrap_or_default()
}

struct Lexer<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    lang: Lang,
    out: Vec<(usize, usize)>,
    /// Only whitespace since the last line break.
    line_start: bool,
    /// When set, line starts reached in the code state are recorded here.
    line_starts: Option<Vec<usize>>,
}

impl Lexer<'_> {
    fn peek(&self, k: usize) -> Option<u8> {
        self.b.get(self.i + k).copied()
    }

    fn at(&self, pat: &str) -> bool {
        self.b[self.i..].starts_with(pat.as_bytes())
    }

    fn char_at(&self, i: usize) -> Option<char> {
        self.s.get(i..).and_then(|r| r.chars().next())
    }

    /// The bytes from the current position on.
    fn rest(&self) -> &[u8] {
        self.b.get(self.i..).unwrap_or_default()
    }

    /// Moves to the first byte from the current position that `find` (a `memchr` search of
    /// the rest) finds, or to the end.
    fn jump(&mut self, find: impl Fn(&[u8]) -> Option<usize>) {
        self.i = find(self.rest()).map_or(self.b.len(), |k| self.i + k);
    }

    fn skip_to_line_end(&mut self) {
        self.jump(|r| memchr::memchr(b'\n', r));
    }

    fn skip_past(&mut self, close: &str) {
        match self.s[self.i..].find(close) {
            Some(k) => self.i += k + close.len(),
            None => self.i = self.b.len(),
        }
    }

    fn skip_block_comment(&mut self) {
        // Positioned after "/*". Only a `*` can start "*/", and a `/` "/*".
        let nested = self.lang == Lang::Rust;
        let mut depth = 1;
        while self.i < self.b.len() {
            if nested {
                self.jump(|r| memchr::memchr2(b'*', b'/', r));
            } else {
                self.jump(|r| memchr::memchr(b'*', r));
            }
            if self.i >= self.b.len() {
                break;
            }
            if self.at("*/") {
                self.i += 2;
                depth -= 1;
                if depth == 0 {
                    return;
                }
            } else if nested && self.at("/*") {
                self.i += 2;
                depth += 1;
            } else {
                self.i += 1;
            }
        }
    }

    /// Skips a quoted string; positioned after the opening quote.
    fn skip_quoted(&mut self, q: u8, escapes: bool, multiline: bool) {
        while self.i < self.b.len() {
            // Only the quote, a backslash or a line break can end the literal or step over a
            // quote.
            self.jump(|r| memchr::memchr3(q, b'\\', b'\n', r));
            let Some(&c) = self.b.get(self.i) else {
                break;
            };
            if escapes && c == b'\\' {
                self.i += 2;
            } else if c == q {
                self.i += 1;
                return;
            } else if c == b'\n' && !multiline {
                return;
            } else {
                self.i += 1;
            }
        }
        self.i = self.i.min(self.b.len());
    }

    /// At a quote character: skips the literal. Returns false if this is not a literal start.
    fn string(&mut self, raw: bool) -> bool {
        let q = self.b[self.i];
        match (self.lang, q) {
            (Lang::Python, b'"' | b'\'') => self.python_string(q, raw),
            (Lang::Java, b'"') if self.at("\"\"\"") => {
                self.i += 3;
                self.skip_escaped_past("\"\"\"");
            }
            (Lang::Rust, b'\'') => self.rust_quote(),
            (Lang::Go | Lang::Ruby | Lang::Javascript | Lang::Typescript, b'`') => {
                self.i += 1;
                let escapes = self.lang != Lang::Go;
                self.skip_quoted(b'`', escapes, true);
            }
            (Lang::Yaml, b'\'') => self.yaml_single_quote(),
            (Lang::Makefile, b'\'' | b'"') => {
                self.i += 1;
                self.skip_quoted(q, true, false);
            }
            (_, b'"' | b'\'') => {
                self.i += 1;
                // Rust allows line breaks in "…" only ('…' is handled above).
                let multiline =
                    self.lang.multiline_strings() && (q == b'"' || self.lang != Lang::Rust);
                self.skip_quoted(q, !raw, multiline);
            }
            _ => return false,
        }
        true
    }

    /// Skips to just past `close`, stepping over backslash escapes (which may hide a quote).
    fn skip_escaped_past(&mut self, close: &str) {
        let first = close.as_bytes()[0];
        while self.i < self.b.len() {
            // Only `close`'s first byte or a backslash stops the scan.
            self.jump(|r| memchr::memchr2(first, b'\\', r));
            if self.i >= self.b.len() || self.at(close) {
                break;
            }
            self.i += if self.b[self.i] == b'\\' { 2 } else { 1 };
        }
        self.i = (self.i + close.len()).min(self.b.len());
    }

    /// A Python string at quote `q`: triple-quoted or single-line.
    fn python_string(&mut self, q: u8, raw: bool) {
        if self.at("\"\"\"") || self.at("'''") {
            let close = if q == b'"' { "\"\"\"" } else { "'''" };
            self.i += 3;
            if raw {
                self.skip_past(close);
            } else {
                self.skip_escaped_past(close);
            }
        } else {
            self.i += 1;
            self.skip_quoted(q, true, false);
        }
    }

    /// A Rust `'`: a char literal, or a lifetime or label (the quote and the name are skipped).
    fn rust_quote(&mut self) {
        let start = self.i;
        if self.peek(1) == Some(b'\\') {
            self.i += 1;
            self.skip_quoted(b'\'', true, false);
            return;
        }
        let Some(c) = self.char_at(start + 1) else {
            self.i += 1;
            return;
        };
        let after = start + 1 + c.len_utf8();
        if self.b.get(after) == Some(&b'\'') {
            self.i = after + 1;
            return;
        }
        self.i = start + 1;
        while let Some(c) = self.char_at(self.i) {
            if !is_ident_continue(c, self.lang) {
                break;
            }
            self.i += c.len_utf8();
        }
    }

    /// A YAML `'`. Single quotes escape by doubling; an apostrophe inside a plain scalar
    /// (`don't`) is not a quote: only a quote after a space, `:`, `[`, `{`, `,`, `-` or at the
    /// line start opens one.
    fn yaml_single_quote(&mut self) {
        let prev = if self.i == 0 {
            b' '
        } else {
            self.b[self.i - 1]
        };
        self.i += 1;
        if matches!(
            prev,
            b' ' | b'\t' | b'\n' | b':' | b'[' | b'{' | b',' | b'-'
        ) {
            self.skip_quoted(b'\'', false, false);
        }
    }

    fn rust_raw_string(&mut self) {
        // Positioned at `#` or `"` after an `r`/`br` prefix.
        let mut hashes = 0;
        while self.peek(0) == Some(b'#') {
            hashes += 1;
            self.i += 1;
        }
        if self.peek(0) != Some(b'"') {
            return;
        }
        self.i += 1;
        let close = format!("\"{}", "#".repeat(hashes));
        self.skip_past(&close);
    }

    fn is_keyword(&self, w: &str) -> bool {
        self.lang.is_keyword(w)
    }

    fn run(mut self) -> Vec<(usize, usize)> {
        self.lex();
        self.out
    }

    /// Reads the text from the position to its end, collecting identifiers and line starts.
    ///
    /// The position and the line-start flag live in locals while the loop steps over bytes
    /// itself, and go back to `self` only around the calls that read or move them: kept in
    /// `self`, every byte stepped over was a store and a load of the position.
    fn lex(&mut self) {
        let b = self.b;
        let (mut i, mut line_start) = (self.i, self.line_start);
        while i < b.len() {
            let c = b[i];
            if c == b'\n' {
                line_start = true;
                i += 1;
                if let Some(v) = self.line_starts.as_mut() {
                    v.push(i);
                }
                continue;
            }
            if c == b' ' || c == b'\t' || c == b'\r' {
                i += 1;
                while matches!(b.get(i), Some(b' ' | b'\t' | b'\r')) {
                    i += 1;
                }
                continue;
            }
            let was_line_start = std::mem::replace(&mut line_start, false);
            if starts_nothing(c, self.lang) {
                i += 1;
                continue;
            }
            self.i = i;
            self.lex_at(c, was_line_start);
            i = self.i;
        }
        (self.i, self.line_start) = (i, line_start);
    }

    /// One step of [`Self::lex`] at byte `c` (not a line break, blank or other punctuation):
    /// a comment, a string, a number, an identifier or a non-ASCII character.
    fn lex_at(&mut self, c: u8, was_line_start: bool) {
        // Only `/`, `#` and `=` start a comment, directive or Ruby `=begin`.
        if matches!(c, b'/' | b'#' | b'=') && self.comment(c, was_line_start) {
            return;
        }
        if c == b'"' || c == b'\'' || c == b'`' {
            if !self.string(false) {
                self.i += 1;
            }
            return;
        }
        if c.is_ascii_digit() {
            self.skip_number();
            return;
        }
        if c.is_ascii() {
            // For ASCII, `is_ident_start` is a letter, `_` or the `$` of JS/TS: the
            // continuation test without the digits, which were taken above.
            if is_ascii_ident_continue(c, self.lang) {
                self.identifier();
            } else {
                self.i += 1;
            }
            return;
        }
        match self.char_at(self.i) {
            Some(ch) if is_ident_start(ch, self.lang) => self.identifier(),
            Some(ch) => self.i += ch.len_utf8(),
            None => self.i += 1,
        }
    }

    /// At byte `c`: skips a comment or preprocessor directive (or a `#` that only looks like a
    /// YAML comment's start). Returns false, moving nothing, when there is none.
    fn comment(&mut self, c: u8, was_line_start: bool) -> bool {
        let lang = self.lang;
        if lang.has_c_block_comments() && self.at("/*") {
            self.i += 2;
            self.skip_block_comment();
        } else if lang == Lang::Ruby && was_line_start && self.at("=begin") {
            self.skip_past("\n=end");
        } else if lang == Lang::CCpp && c == b'#' && was_line_start {
            self.preprocessor_directive();
        } else if lang.line_comments().iter().any(|p| self.at(p)) {
            let yaml_ok = lang != Lang::Yaml
                || self.i == 0
                || matches!(self.b[self.i - 1], b' ' | b'\t' | b'\n');
            if yaml_ok {
                self.skip_to_line_end();
            } else {
                self.i += 1;
            }
        } else {
            return false;
        }
        true
    }

    /// A C preprocessor directive at `#`: skips its name (and an include's file name).
    fn preprocessor_directive(&mut self) {
        self.i += 1;
        while matches!(self.peek(0), Some(b' ' | b'\t')) {
            self.i += 1;
        }
        let s = self.i;
        while self
            .peek(0)
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            self.i += 1;
        }
        if matches!(&self.s[s..self.i], "include" | "import" | "include_next") {
            self.skip_to_line_end();
        }
    }

    /// A number literal: digits, letters, `_` and `.`.
    fn skip_number(&mut self) {
        self.skip_while(
            |b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.',
            |ch| ch.is_alphanumeric() || ch == '_' || ch == '.',
        );
    }

    /// Moves past the characters that pass `ascii` (an ASCII byte) or `other` (any other
    /// character): bytes are tested without decoding while they are ASCII.
    fn skip_while(&mut self, ascii: impl Fn(u8) -> bool, other: impl Fn(char) -> bool) {
        while let Some(&b) = self.b.get(self.i) {
            if b.is_ascii() {
                if !ascii(b) {
                    break;
                }
                self.i += 1;
            } else {
                match self.char_at(self.i) {
                    Some(ch) if other(ch) => self.i += ch.len_utf8(),
                    _ => break,
                }
            }
        }
    }

    /// A word at an identifier start: a string prefix (then its string is skipped), a keyword,
    /// or an identifier, which is recorded.
    fn identifier(&mut self) {
        let s = self.i;
        let lang = self.lang;
        // ASCII identifier bytes eight at a time; the rest (the last bytes of the text, a
        // non-ASCII character) as before.
        let dollar = matches!(lang, Lang::Javascript | Lang::Typescript);
        while let Some(w) = crate::swar::word_at(self.b, self.i) {
            let stop = !crate::swar::ascii_word_bytes(w, dollar) & crate::swar::HIGH;
            if stop != 0 {
                self.i += (stop.trailing_zeros() / 8) as usize;
                break;
            }
            self.i += 8;
        }
        self.skip_while(
            |b| is_ascii_ident_continue(b, lang),
            |ch| is_ident_continue(ch, lang),
        );
        let w = &self.s[s..self.i];
        if self.string_prefix(w) || self.is_keyword(w) {
            return;
        }
        self.out.push((s, self.i));
    }

    /// When word `w`, just read, prefixes a string literal (`r"…"`, `b'…'`, `f"…"` …): skips
    /// the literal and returns true.
    fn string_prefix(&mut self, w: &str) -> bool {
        let next = self.peek(0);
        match self.lang {
            Lang::Python
                if matches!(next, Some(b'"' | b'\''))
                    && w.len() <= 2
                    && w.chars().all(|c| "rRbBuUfF".contains(c)) =>
            {
                let raw = w.contains(['r', 'R']);
                self.string(raw);
            }
            Lang::Rust if matches!(w, "r" | "br" | "cr") && matches!(next, Some(b'"' | b'#')) => {
                self.rust_raw_string();
            }
            Lang::Rust if matches!(w, "b" | "c") && matches!(next, Some(b'"' | b'\'')) => {
                self.i += 1;
                self.skip_quoted(next.unwrap_or(b'"'), true, true);
            }
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::identifiers::LANGS;

    impl Lexer<'_> {
        /// The character-by-character main loop, kept as the reference for `lex`: every
        /// non-blank byte is offered to `comment`, every word and number decoded.
        fn reference_lex(&mut self) {
            while self.i < self.b.len() {
                let c = self.b[self.i];
                if c == b'\n' {
                    self.line_start = true;
                    self.i += 1;
                    if let Some(v) = self.line_starts.as_mut() {
                        v.push(self.i);
                    }
                    continue;
                }
                if c == b' ' || c == b'\t' || c == b'\r' {
                    self.i += 1;
                    continue;
                }
                let was_line_start = std::mem::replace(&mut self.line_start, false);
                if self.comment(c, was_line_start) {
                    continue;
                }
                if c == b'"' || c == b'\'' || c == b'`' {
                    if !self.string(false) {
                        self.i += 1;
                    }
                    continue;
                }
                if c.is_ascii_digit() {
                    while let Some(ch) = self.char_at(self.i) {
                        if !(ch.is_alphanumeric() || ch == '_' || ch == '.') {
                            break;
                        }
                        self.i += ch.len_utf8();
                    }
                    continue;
                }
                match self.char_at(self.i) {
                    Some(ch) if is_ident_start(ch, self.lang) => {
                        let s = self.i;
                        while let Some(ch) = self.char_at(self.i) {
                            if !is_ident_continue(ch, self.lang) {
                                break;
                            }
                            self.i += ch.len_utf8();
                        }
                        let w = &self.s[s..self.i];
                        if !(self.string_prefix(w) || self.is_keyword(w)) {
                            self.out.push((s, self.i));
                        }
                    }
                    Some(ch) => self.i += ch.len_utf8(),
                    None => self.i += 1,
                }
            }
        }
    }

    /// Byte-by-byte readings of the skips, kept as the reference for their `memchr` searches:
    /// where each one stops, from `i`.
    mod reference_skips {
        fn at(b: &[u8], i: usize, pat: &str) -> bool {
            b[i..].starts_with(pat.as_bytes())
        }

        pub fn to_line_end(b: &[u8], mut i: usize) -> usize {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            i
        }

        pub fn block_comment(b: &[u8], mut i: usize, nested: bool) -> usize {
            let mut depth = 1;
            while i < b.len() {
                if at(b, i, "*/") {
                    i += 2;
                    depth -= 1;
                    if depth == 0 {
                        return i;
                    }
                } else if nested && at(b, i, "/*") {
                    i += 2;
                    depth += 1;
                } else {
                    i += 1;
                }
            }
            i
        }

        pub fn quoted(b: &[u8], mut i: usize, q: u8, escapes: bool, multiline: bool) -> usize {
            while i < b.len() {
                let c = b[i];
                if escapes && c == b'\\' {
                    i += 2;
                } else if c == q {
                    return i + 1;
                } else if c == b'\n' && !multiline {
                    return i;
                } else {
                    i += 1;
                }
            }
            i.min(b.len())
        }

        pub fn escaped_past(b: &[u8], mut i: usize, close: &str) -> usize {
            while i < b.len() && !at(b, i, close) {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            (i + close.len()).min(b.len())
        }
    }

    /// The skips that search with `memchr` stop where the byte-by-byte readings stop, from
    /// every position of random texts over quotes, backslashes, comment delimiters, line breaks
    /// and other bytes.
    #[test]
    fn skips_match_the_byte_readings() {
        let alphabet: Vec<char> = "ab*/\\\n\"'`#é".chars().collect();
        let mut rng = crate::test_text::XorShift(0xD1B5_4A32_D192_ED03);
        for t in rng.strings(&alphabet, 3_000, 60) {
            let b = t.as_bytes();
            for from in 0..=b.len() {
                let run = |lang: Lang, f: &dyn Fn(&mut Lexer<'_>)| {
                    let mut lx = lexer(&t, lang);
                    lx.i = from;
                    f(&mut lx);
                    lx.i
                };
                let want = reference_skips::to_line_end(b, from);
                assert_eq!(run(Lang::Rust, &|lx| lx.skip_to_line_end()), want);
                for (lang, nested) in [(Lang::Rust, true), (Lang::CCpp, false)] {
                    let want = reference_skips::block_comment(b, from, nested);
                    let got = run(lang, &|lx| lx.skip_block_comment());
                    assert_eq!(got, want, "{t:?} {from} {lang:?}");
                }
                for q in [b'"', b'\'', b'`'] {
                    for (escapes, multiline) in [(true, true), (true, false), (false, true)] {
                        let want = reference_skips::quoted(b, from, q, escapes, multiline);
                        let got = run(Lang::Rust, &|lx| lx.skip_quoted(q, escapes, multiline));
                        assert_eq!(got, want, "{t:?} {from} {q} {escapes} {multiline}");
                    }
                }
                for close in ["\"\"\"", "'''", "*/"] {
                    let want = reference_skips::escaped_past(b, from, close);
                    let got = run(Lang::Python, &|lx| lx.skip_escaped_past(close));
                    assert_eq!(got, want, "{t:?} {from} {close:?}");
                }
            }
        }
    }

    fn lexer(text: &str, lang: Lang) -> Lexer<'_> {
        Lexer {
            s: text,
            b: text.as_bytes(),
            i: 0,
            lang,
            out: Vec::new(),
            line_start: true,
            line_starts: Some(Vec::new()),
        }
    }

    /// Identifiers and code line starts of `lex` against the reference loop, in every
    /// language, on random texts over letters (keywords' too), digits, quotes, comment and
    /// string-prefix characters, sigils and non-ASCII letters and digits.
    #[test]
    fn lex_matches_the_reference_loop() {
        let alphabet: Vec<char> = "aZrbf_$9 \t\n\r/*#='\"`\\.-:{ié漢٣ⅫⅩ".chars().collect();
        let mut rng = crate::test_text::XorShift(0x94D0_49BB_1331_11EB);
        let mut texts = rng.strings(&alphabet, 20_000, 40);
        // Long identifiers (read eight bytes at a time) and indentation runs.
        let wordy: Vec<char> = "abcdefgxyzRT_$09é漢  \t\n.('".chars().collect();
        texts.extend(rng.strings(&wordy, 5_000, 120));
        texts.extend(
            [
                "if x: return None # c\n",
                "fn f() { let r = r#\"q\"#; }",
                "=begin\nx\n=end\ny",
                "#include <a.h>\nint main_1() {}",
                "$A = NULL; $b = Null; ECHO $x;",
                "k: Yes # c\nv: 'a' 12.5e3x",
            ]
            .map(String::from),
        );
        for t in &texts {
            for &lang in LANGS {
                let mut fast = lexer(t, lang);
                fast.lex();
                let mut reference = lexer(t, lang);
                reference.reference_lex();
                assert_eq!(fast.out, reference.out, "{lang:?} {t:?}");
                assert_eq!(fast.line_starts, reference.line_starts, "{lang:?} {t:?}");
            }
        }
    }
}
