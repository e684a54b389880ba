//! Identifiers in source code and how tokenizers cut them.
//!
//! **Extraction rule.** A small per-language lexer walks the text and skips
//! - comments: line comments (`#` in Python, Ruby, YAML, Makefile and PHP; `//` in the C family,
//!   Rust, Go, Java, JavaScript, TypeScript and PHP) and block comments (`/* */`, nested in Rust;
//!   `=begin`/`=end` in Ruby); in YAML `#` starts a comment only at a line start or after
//!   whitespace;
//! - string and character literals: `"…"` and `'…'` (backslash escapes; they end at the line end
//!   unless the language allows multi-line strings: Rust, PHP, Ruby), Python triple-quoted and
//!   prefixed strings (`r"…"`, `f'…'`, `b"""…"""`), Rust raw strings (`r#"…"#`), byte strings and
//!   char literals (a `'` not closed within one character or escape is a lifetime, skipped with
//!   its name), Go and Ruby back-quoted strings, Java text blocks (`"""`), JavaScript/TypeScript
//!   template literals (skipped whole, `${…}` included);
//! - numbers (a digit followed by any alphanumerics, `_` or `.`: `0x1F`, `1e10`, `10u32`);
//! - C/C++ preprocessor directive names (`#include`, `#define` …) and the file name of `#include`;
//! - the language's reserved keywords and literal constants (`true`, `None`, `nil` …), listed in
//!   [`Lang::keywords`] (case-insensitive for PHP and YAML).
//!
//! What remains and matches `[\p{Alphabetic}_][\p{Alphanumeric}_]*` is an identifier (also `$`
//! inside JavaScript/TypeScript identifiers; the `$` of PHP variables and Ruby's `@`/`$` sigils
//! are not part of the name). Regular-expression literals, heredocs and string interpolation are
//! not recognised: their contents count as code.
//!
//! **Sub-word boundaries** of an identifier: case humps (`fooBar` → `foo|Bar`, `HTTPServer` →
//! `HTTP|Server`), letter↔digit changes (`utf8` → `utf|8`), and underscore runs. A token boundary
//! anywhere from the start to the end of an underscore run (`foo|_bar` or `foo_|bar`) matches that
//! run's boundary. Token boundaries inside an identifier are the positions strictly inside it
//! where a token starts or ends. **Precision** = token boundaries that match a sub-word boundary /
//! token boundaries; **recall** = sub-word boundaries matched by at least one token boundary /
//! sub-word boundaries (micro-averaged over all identifier occurrences; 0 when nothing to count).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Serialize;

/// A programming language of the code corpus.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// Python.
    Python,
    /// Rust.
    Rust,
    /// Go.
    Go,
    /// Java.
    Java,
    /// JavaScript.
    Javascript,
    /// TypeScript.
    Typescript,
    /// C and C++.
    CCpp,
    /// PHP.
    Php,
    /// Ruby.
    Ruby,
    /// YAML.
    Yaml,
    /// GNU make.
    Makefile,
}

/// Every language, in display order.
pub const LANGS: &[Lang] = &[
    Lang::Python,
    Lang::Rust,
    Lang::Go,
    Lang::Java,
    Lang::Javascript,
    Lang::Typescript,
    Lang::CCpp,
    Lang::Php,
    Lang::Ruby,
    Lang::Yaml,
    Lang::Makefile,
];

impl Lang {
    /// The name used in JSON, tables and `--lang`.
    pub fn name(self) -> &'static str {
        match self {
            Lang::Python => "python",
            Lang::Rust => "rust",
            Lang::Go => "go",
            Lang::Java => "java",
            Lang::Javascript => "javascript",
            Lang::Typescript => "typescript",
            Lang::CCpp => "c_cpp",
            Lang::Php => "php",
            Lang::Ruby => "ruby",
            Lang::Yaml => "yaml",
            Lang::Makefile => "makefile",
        }
    }

    /// Parses a `--lang` value (names above plus common aliases: `py`, `rs`, `js`, `ts`, `c`,
    /// `cpp`, `c++`, `rb`, `yml`, `make`).
    pub fn parse(s: &str) -> Option<Lang> {
        Some(match s.to_ascii_lowercase().as_str() {
            "python" | "py" => Lang::Python,
            "rust" | "rs" => Lang::Rust,
            "go" | "golang" => Lang::Go,
            "java" => Lang::Java,
            "javascript" | "js" => Lang::Javascript,
            "typescript" | "ts" => Lang::Typescript,
            "c_cpp" | "c" | "cpp" | "c++" | "cc" => Lang::CCpp,
            "php" => Lang::Php,
            "ruby" | "rb" => Lang::Ruby,
            "yaml" | "yml" => Lang::Yaml,
            "makefile" | "make" | "mk" => Lang::Makefile,
            _ => return None,
        })
    }

    /// The language of a file from its extension or name (`Makefile`, `Rakefile` …).
    pub fn from_path(path: &Path) -> Option<Lang> {
        let name = path.file_name()?.to_str()?;
        match name {
            "Makefile" | "makefile" | "GNUmakefile" => return Some(Lang::Makefile),
            "Rakefile" | "Gemfile" => return Some(Lang::Ruby),
            _ => {}
        }
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "py" | "pyi" => Lang::Python,
            "rs" => Lang::Rust,
            "go" => Lang::Go,
            "java" => Lang::Java,
            "js" | "mjs" | "cjs" | "jsx" => Lang::Javascript,
            "ts" | "mts" | "cts" | "tsx" => Lang::Typescript,
            "c" | "h" | "cc" | "cpp" | "cxx" | "hpp" | "hh" | "hxx" | "inl" => Lang::CCpp,
            "php" => Lang::Php,
            "rb" | "rake" | "gemspec" => Lang::Ruby,
            "yml" | "yaml" => Lang::Yaml,
            "mk" | "mak" | "am" => Lang::Makefile,
            _ => return None,
        })
    }

    /// Reserved words and literal constants that are not counted as identifiers (for make: its
    /// directives plus the shell's reserved words used in recipes). TypeScript's list holds only
    /// what it adds to JavaScript's; [`Lang::is_keyword`] checks both.
    pub fn keywords(self) -> &'static [&'static str] {
        match self {
            Lang::Python => &[
                "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
                "continue", "def", "del", "elif", "else", "except", "finally", "for", "from",
                "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass",
                "raise", "return", "try", "while", "with", "yield",
            ],
            Lang::Rust => &[
                "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else",
                "enum", "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop", "match",
                "mod", "move", "mut", "pub", "ref", "return", "self", "Self", "static", "struct",
                "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract",
                "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized",
                "virtual", "yield", "try",
            ],
            Lang::Go => &[
                "break",
                "case",
                "chan",
                "const",
                "continue",
                "default",
                "defer",
                "else",
                "fallthrough",
                "for",
                "func",
                "go",
                "goto",
                "if",
                "import",
                "interface",
                "map",
                "package",
                "range",
                "return",
                "select",
                "struct",
                "switch",
                "type",
                "var",
                "true",
                "false",
                "nil",
                "iota",
            ],
            Lang::Java => &[
                "abstract",
                "assert",
                "boolean",
                "break",
                "byte",
                "case",
                "catch",
                "char",
                "class",
                "const",
                "continue",
                "default",
                "do",
                "double",
                "else",
                "enum",
                "extends",
                "final",
                "finally",
                "float",
                "for",
                "goto",
                "if",
                "implements",
                "import",
                "instanceof",
                "int",
                "interface",
                "long",
                "native",
                "new",
                "package",
                "private",
                "protected",
                "public",
                "return",
                "short",
                "static",
                "strictfp",
                "super",
                "switch",
                "synchronized",
                "this",
                "throw",
                "throws",
                "transient",
                "try",
                "void",
                "volatile",
                "while",
                "true",
                "false",
                "null",
                "var",
                "record",
                "yield",
                "sealed",
                "permits",
            ],
            Lang::Javascript => JS_KEYWORDS,
            Lang::Typescript => &[
                "abstract",
                "any",
                "as",
                "boolean",
                "declare",
                "enum",
                "implements",
                "interface",
                "keyof",
                "module",
                "namespace",
                "never",
                "number",
                "object",
                "private",
                "protected",
                "public",
                "readonly",
                "string",
                "symbol",
                "type",
                "unknown",
                "infer",
                "is",
                "asserts",
            ],
            Lang::CCpp => &[
                "auto",
                "break",
                "case",
                "char",
                "const",
                "continue",
                "default",
                "do",
                "double",
                "else",
                "enum",
                "extern",
                "float",
                "for",
                "goto",
                "if",
                "inline",
                "int",
                "long",
                "register",
                "restrict",
                "return",
                "short",
                "signed",
                "sizeof",
                "static",
                "struct",
                "switch",
                "typedef",
                "union",
                "unsigned",
                "void",
                "volatile",
                "while",
                "_Bool",
                "_Complex",
                "_Atomic",
                "_Static_assert",
                "_Noreturn",
                "_Thread_local",
                "_Alignas",
                "_Alignof",
                "alignas",
                "alignof",
                "bool",
                "catch",
                "char8_t",
                "char16_t",
                "char32_t",
                "class",
                "concept",
                "consteval",
                "constexpr",
                "constinit",
                "const_cast",
                "co_await",
                "co_return",
                "co_yield",
                "decltype",
                "delete",
                "dynamic_cast",
                "explicit",
                "export",
                "false",
                "friend",
                "mutable",
                "namespace",
                "new",
                "noexcept",
                "nullptr",
                "operator",
                "private",
                "protected",
                "public",
                "reinterpret_cast",
                "requires",
                "static_assert",
                "static_cast",
                "template",
                "this",
                "thread_local",
                "throw",
                "true",
                "try",
                "typeid",
                "typename",
                "using",
                "virtual",
                "wchar_t",
            ],
            Lang::Php => &[
                "abstract",
                "and",
                "array",
                "as",
                "break",
                "callable",
                "case",
                "catch",
                "class",
                "clone",
                "const",
                "continue",
                "declare",
                "default",
                "do",
                "echo",
                "else",
                "elseif",
                "empty",
                "enddeclare",
                "endfor",
                "endforeach",
                "endif",
                "endswitch",
                "endwhile",
                "eval",
                "exit",
                "extends",
                "final",
                "finally",
                "fn",
                "for",
                "foreach",
                "function",
                "global",
                "goto",
                "if",
                "implements",
                "include",
                "include_once",
                "instanceof",
                "insteadof",
                "interface",
                "isset",
                "list",
                "match",
                "namespace",
                "new",
                "or",
                "print",
                "private",
                "protected",
                "public",
                "readonly",
                "require",
                "require_once",
                "return",
                "static",
                "switch",
                "throw",
                "trait",
                "try",
                "unset",
                "use",
                "var",
                "while",
                "xor",
                "yield",
                "true",
                "false",
                "null",
                "php",
                "this",
            ],
            Lang::Ruby => &[
                "BEGIN",
                "END",
                "alias",
                "and",
                "begin",
                "break",
                "case",
                "class",
                "def",
                "defined",
                "do",
                "else",
                "elsif",
                "end",
                "ensure",
                "false",
                "for",
                "if",
                "in",
                "module",
                "next",
                "nil",
                "not",
                "or",
                "redo",
                "rescue",
                "retry",
                "return",
                "self",
                "super",
                "then",
                "true",
                "undef",
                "unless",
                "until",
                "when",
                "while",
                "yield",
                "__FILE__",
                "__LINE__",
                "__method__",
            ],
            Lang::Yaml => &["true", "false", "null", "yes", "no", "on", "off"],
            Lang::Makefile => &[
                "ifeq", "ifneq", "ifdef", "ifndef", "else", "endif", "include", "sinclude",
                "define", "endef", "export", "unexport", "override", "vpath", "private", "if",
                "then", "fi", "for", "do", "done", "case", "esac", "while", "in",
            ],
        }
    }

    /// Whether `w` is one of the language's [`keywords`](Lang::keywords) (TypeScript: or
    /// JavaScript's).
    pub fn is_keyword(self, w: &str) -> bool {
        let lists: &[&[&str]] = match self {
            Lang::Typescript => &[JS_KEYWORDS, self.keywords()],
            _ => &[self.keywords()],
        };
        if self.keywords_case_insensitive() {
            lists
                .iter()
                .any(|kw| kw.iter().any(|k| k.eq_ignore_ascii_case(w)))
        } else {
            lists.iter().any(|kw| kw.contains(&w))
        }
    }

    fn keywords_case_insensitive(self) -> bool {
        matches!(self, Lang::Php | Lang::Yaml)
    }

    fn line_comments(self) -> &'static [&'static str] {
        match self {
            Lang::Python | Lang::Ruby | Lang::Yaml | Lang::Makefile => &["#"],
            Lang::Php => &["//", "#"],
            _ => &["//"],
        }
    }

    fn has_c_block_comments(self) -> bool {
        !matches!(
            self,
            Lang::Python | Lang::Ruby | Lang::Yaml | Lang::Makefile
        )
    }

    fn multiline_strings(self) -> bool {
        matches!(self, Lang::Rust | Lang::Php | Lang::Ruby)
    }
}

const JS_KEYWORDS: &[&str] = &[
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "import",
    "in",
    "instanceof",
    "new",
    "null",
    "return",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "var",
    "void",
    "while",
    "with",
    "yield",
    "let",
    "static",
    "async",
    "await",
    "of",
];

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

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

/// Byte spans of the identifiers of `text` written in `lang` (module docs for the rule).
pub fn identifier_spans(text: &str, lang: Lang) -> Vec<(usize, usize)> {
    Lexer {
        s: text,
        b: text.as_bytes(),
        i: 0,
        lang,
        out: Vec::new(),
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

    fn skip_to_line_end(&mut self) {
        while self.i < self.b.len() && self.b[self.i] != b'\n' {
            self.i += 1;
        }
    }

    fn skip_past(&mut self, close: &str) {
        match self.s[self.i..].find(close) {
            Some(k) => self.i += k + close.len(),
            None => self.i = self.b.len(),
        }
    }

    fn skip_block_comment(&mut self) {
        // Positioned after "/*".
        let nested = self.lang == Lang::Rust;
        let mut depth = 1;
        while self.i < self.b.len() {
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
            let c = self.b[self.i];
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
        let ml = self.lang.multiline_strings();
        match (self.lang, q) {
            (Lang::Python, b'"' | b'\'') => {
                if self.at("\"\"\"") || self.at("'''") {
                    let close = if q == b'"' { "\"\"\"" } else { "'''" };
                    self.i += 3;
                    if raw {
                        self.skip_past(close);
                    } else {
                        // Escapes may hide a quote: walk.
                        while self.i < self.b.len() && !self.at(close) {
                            self.i += if self.b[self.i] == b'\\' { 2 } else { 1 };
                        }
                        self.i = (self.i + 3).min(self.b.len());
                    }
                } else {
                    self.i += 1;
                    self.skip_quoted(q, true, false);
                }
                true
            }
            (Lang::Java, b'"') if self.at("\"\"\"") => {
                self.i += 3;
                while self.i < self.b.len() && !self.at("\"\"\"") {
                    self.i += if self.b[self.i] == b'\\' { 2 } else { 1 };
                }
                self.i = (self.i + 3).min(self.b.len());
                true
            }
            (Lang::Rust, b'\'') => {
                // Char literal or lifetime.
                let start = self.i;
                if self.peek(1) == Some(b'\\') {
                    self.i += 1;
                    self.skip_quoted(b'\'', true, false);
                    return true;
                }
                if let Some(c) = self.char_at(start + 1) {
                    let after = start + 1 + c.len_utf8();
                    if self.b.get(after) == Some(&b'\'') {
                        self.i = after + 1;
                        return true;
                    }
                    // A lifetime or label: skip the quote and the name.
                    self.i = start + 1;
                    while let Some(c) = self.char_at(self.i) {
                        if !is_ident_continue(c, self.lang) {
                            break;
                        }
                        self.i += c.len_utf8();
                    }
                    return true;
                }
                self.i += 1;
                true
            }
            (Lang::Go | Lang::Ruby | Lang::Javascript | Lang::Typescript, b'`') => {
                self.i += 1;
                let escapes = self.lang != Lang::Go;
                self.skip_quoted(b'`', escapes, true);
                true
            }
            (Lang::Yaml, b'\'') => {
                // YAML single quotes escape by doubling; an apostrophe inside a plain scalar
                // (`don't`) is not a quote: only a quote after a space, `:`, `[`, `{`, `,`, `-`
                // or at the line start opens one.
                let prev = if self.i == 0 {
                    b' '
                } else {
                    self.b[self.i - 1]
                };
                if !matches!(
                    prev,
                    b' ' | b'\t' | b'\n' | b':' | b'[' | b'{' | b',' | b'-'
                ) {
                    self.i += 1;
                    return true;
                }
                self.i += 1;
                self.skip_quoted(b'\'', false, false);
                true
            }
            (Lang::Makefile, b'\'' | b'"') => {
                self.i += 1;
                self.skip_quoted(q, true, false);
                true
            }
            (_, b'"' | b'\'') => {
                self.i += 1;
                // Rust allows line breaks in "…" only ('…' is handled above).
                let multiline = ml && (q == b'"' || self.lang != Lang::Rust);
                self.skip_quoted(q, !raw, multiline);
                true
            }
            _ => false,
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

    fn lex(&mut self) {
        let lang = self.lang;
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
            // Comments.
            if lang.has_c_block_comments() && self.at("/*") {
                self.i += 2;
                self.skip_block_comment();
                continue;
            }
            if lang == Lang::Ruby && was_line_start && self.at("=begin") {
                self.skip_past("\n=end");
                continue;
            }
            if lang == Lang::CCpp && c == b'#' && was_line_start {
                // Preprocessor directive: skip its name (and an include's file name).
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
                continue;
            }
            if lang.line_comments().iter().any(|p| self.at(p)) {
                let yaml_ok = lang != Lang::Yaml
                    || self.i == 0
                    || matches!(self.b[self.i - 1], b' ' | b'\t' | b'\n');
                if yaml_ok {
                    self.skip_to_line_end();
                    continue;
                }
                self.i += 1;
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
            let Some(ch) = self.char_at(self.i) else {
                self.i += 1;
                continue;
            };
            if is_ident_start(ch, lang) {
                let s = self.i;
                while let Some(ch) = self.char_at(self.i) {
                    if !is_ident_continue(ch, lang) {
                        break;
                    }
                    self.i += ch.len_utf8();
                }
                let w = &self.s[s..self.i];
                let next = self.peek(0);
                // String prefixes.
                match lang {
                    Lang::Python
                        if matches!(next, Some(b'"' | b'\''))
                            && w.len() <= 2
                            && w.chars().all(|c| "rRbBuUfF".contains(c)) =>
                    {
                        let raw = w.contains(['r', 'R']);
                        self.string(raw);
                        continue;
                    }
                    Lang::Rust
                        if matches!(w, "r" | "br" | "cr") && matches!(next, Some(b'"' | b'#')) =>
                    {
                        self.rust_raw_string();
                        continue;
                    }
                    Lang::Rust if matches!(w, "b" | "c") && matches!(next, Some(b'"' | b'\'')) => {
                        self.i += 1;
                        self.skip_quoted(next.unwrap_or(b'"'), true, true);
                        continue;
                    }
                    _ => {}
                }
                if !self.is_keyword(w) {
                    self.out.push((s, self.i));
                }
                continue;
            }
            self.i += ch.len_utf8();
        }
    }
}

/// The naming style of an identifier (leading and trailing underscores ignored).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Style {
    /// `lower_case_with_underscores`.
    SnakeCase,
    /// `lowerThenHumps`.
    CamelCase,
    /// `UpperThenHumps` (`HTTPServer` too).
    PascalCase,
    /// `UPPER_CASE_WITH_UNDERSCORES`.
    ScreamingSnake,
    /// One word without humps or inner underscores: `count`, `Count`, `HTTP`.
    SingleWord,
    /// Anything else (`Mixed_Case`, `get_HTTP`).
    Other,
}

impl Style {
    /// The snake_case name used in JSON and tables.
    pub fn name(self) -> &'static str {
        match self {
            Style::SnakeCase => "snake_case",
            Style::CamelCase => "camelCase",
            Style::PascalCase => "PascalCase",
            Style::ScreamingSnake => "SCREAMING_SNAKE",
            Style::SingleWord => "single word",
            Style::Other => "other",
        }
    }
}

/// The style of an identifier.
pub fn style(ident: &str) -> Style {
    let core = ident.trim_matches('_');
    let has_lower = core.chars().any(char::is_lowercase);
    let has_upper = core.chars().any(char::is_uppercase);
    if core.contains('_') {
        return match (has_lower, has_upper) {
            (true, false) => Style::SnakeCase,
            (false, true) => Style::ScreamingSnake,
            (false, false) => Style::SnakeCase,
            (true, true) => Style::Other,
        };
    }
    let chars: Vec<char> = core.chars().collect();
    let hump = chars
        .windows(2)
        .any(|w| w[0].is_lowercase() && w[1].is_uppercase())
        || chars
            .windows(3)
            .any(|w| w[0].is_uppercase() && w[1].is_uppercase() && w[2].is_lowercase());
    match chars.first() {
        Some(c) if hump && c.is_lowercase() => Style::CamelCase,
        Some(c) if hump && c.is_uppercase() => Style::PascalCase,
        Some(_) if hump => Style::Other,
        _ => Style::SingleWord,
    }
}

/// Sub-word boundary zones of an identifier, as inclusive byte ranges `[lo, hi]` relative to its
/// start: a case hump or letter↔digit change is the single position `[p, p]`, an underscore run
/// `[a, b)` is `[a, b]` without the identifier's two edges.
pub fn subword_zones(ident: &str) -> Vec<(usize, usize)> {
    let mut zones = Vec::new();
    let chars: Vec<(usize, char)> = ident.char_indices().collect();
    let n = ident.len();
    let mut k = 0;
    while k < chars.len() {
        let (p, c) = chars[k];
        if c == '_' {
            let a = p;
            while k < chars.len() && chars[k].1 == '_' {
                k += 1;
            }
            let b = chars.get(k).map_or(n, |x| x.0);
            let lo = if a == 0 { b } else { a };
            let hi = if b == n { a } else { b };
            if lo <= hi && lo > 0 && hi < n {
                zones.push((lo, hi));
            }
            continue;
        }
        if k > 0 {
            let prev = chars[k - 1].1;
            let next = chars.get(k + 1).map(|x| x.1);
            let hump = (prev.is_lowercase() && c.is_uppercase())
                || (prev.is_uppercase()
                    && c.is_uppercase()
                    && next.is_some_and(char::is_lowercase))
                || (prev.is_alphabetic() && c.is_numeric())
                || (prev.is_numeric() && c.is_alphabetic());
            if hump && prev != '_' {
                zones.push((p, p));
            }
        }
        k += 1;
    }
    zones
}

/// Additive identifier counts for one tokenizer (or one style).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct IdentCounts {
    /// Identifier occurrences.
    pub occurrences: u64,
    /// Σ tokens overlapping each occurrence.
    pub tokens: u64,
    /// Occurrences overlapped by exactly one token (kept whole).
    pub whole: u64,
    /// Token boundaries strictly inside identifiers.
    pub token_boundaries: u64,
    /// Of those, boundaries that fall in a sub-word zone.
    pub matched_boundaries: u64,
    /// Sub-word zones.
    pub zones: u64,
    /// Zones hit by at least one token boundary.
    pub hit_zones: u64,
}

impl IdentCounts {
    /// Adds another count.
    pub fn add(&mut self, o: &IdentCounts) {
        self.occurrences += o.occurrences;
        self.tokens += o.tokens;
        self.whole += o.whole;
        self.token_boundaries += o.token_boundaries;
        self.matched_boundaries += o.matched_boundaries;
        self.zones += o.zones;
        self.hit_zones += o.hit_zones;
    }

    /// Mean tokens per identifier occurrence.
    pub fn tokens_per_identifier(&self) -> f64 {
        super::ratio(self.tokens as f64, self.occurrences as f64)
    }

    /// Share of occurrences kept as one token.
    pub fn whole_share(&self) -> f64 {
        super::ratio(self.whole as f64, self.occurrences as f64)
    }

    /// Boundary precision (module docs).
    pub fn boundary_precision(&self) -> f64 {
        super::ratio(self.matched_boundaries as f64, self.token_boundaries as f64)
    }

    /// Boundary recall (module docs).
    pub fn boundary_recall(&self) -> f64 {
        super::ratio(self.hit_zones as f64, self.zones as f64)
    }
}

/// A fragmented identifier kept as an example.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Fragmented {
    /// The identifier.
    pub identifier: String,
    /// Tokens overlapping it (the most seen over its occurrences).
    pub tokens: u64,
    /// The identifier's text cut where the tokens cut it.
    pub pieces: Vec<String>,
}

/// How many fragmented examples are kept.
pub const FRAGMENTED_EXAMPLES: usize = 10;

/// Identifier counts for one tokenizer over any number of texts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdentifierCounts {
    /// All identifiers.
    pub total: IdentCounts,
    /// Per style.
    pub styles: BTreeMap<Style, IdentCounts>,
    /// The most fragmented identifiers: most tokens first, then by name.
    pub fragmented: Vec<Fragmented>,
}

fn frag_order(a: &Fragmented, b: &Fragmented) -> std::cmp::Ordering {
    b.tokens
        .cmp(&a.tokens)
        .then_with(|| a.identifier.cmp(&b.identifier))
}

fn merge_fragmented(into: &mut Vec<Fragmented>, more: &[Fragmented]) {
    for f in more {
        match into.iter_mut().find(|g| g.identifier == f.identifier) {
            Some(g) if f.tokens > g.tokens => *g = f.clone(),
            Some(_) => {}
            None => into.push(f.clone()),
        }
    }
    into.sort_by(frag_order);
    into.truncate(FRAGMENTED_EXAMPLES);
}

impl IdentifierCounts {
    /// Counts for the identifiers `idents` (byte spans in `text`) given token spans sorted by
    /// start.
    pub fn of_text(text: &str, idents: &[(usize, usize)], spans: &[(usize, usize)]) -> Self {
        let mut c = IdentifierCounts::default();
        let mut worst: HashMap<&str, Fragmented> = HashMap::new();
        let mut first = 0usize;
        for &(s, e) in idents {
            while first < spans.len() && spans[first].1 <= s {
                first += 1;
            }
            let ident = &text[s..e];
            let mut n = 0u64;
            let mut cuts: Vec<usize> = Vec::new();
            let mut i = first;
            while i < spans.len() && spans[i].0 < e {
                let (ts, te) = spans[i];
                if te > s && ts < te {
                    n += 1;
                    if ts > s {
                        cuts.push(ts - s);
                    }
                    if te < e {
                        cuts.push(te - s);
                    }
                }
                i += 1;
            }
            cuts.sort_unstable();
            cuts.dedup();
            let zones = subword_zones(ident);
            let matched = cuts
                .iter()
                .filter(|&&p| zones.iter().any(|&(lo, hi)| lo <= p && p <= hi))
                .count() as u64;
            let hit = zones
                .iter()
                .filter(|&&(lo, hi)| cuts.iter().any(|&p| lo <= p && p <= hi))
                .count() as u64;
            let one = IdentCounts {
                occurrences: 1,
                tokens: n,
                whole: u64::from(n == 1),
                token_boundaries: cuts.len() as u64,
                matched_boundaries: matched,
                zones: zones.len() as u64,
                hit_zones: hit,
            };
            c.total.add(&one);
            c.styles.entry(style(ident)).or_default().add(&one);
            if n >= 2 && worst.get(ident).is_none_or(|f| f.tokens < n) {
                let mut pieces = Vec::with_capacity(cuts.len() + 1);
                let mut at = 0;
                for &p in cuts.iter().chain(std::iter::once(&ident.len())) {
                    if p > at {
                        pieces.push(ident[at..p].to_string());
                    }
                    at = p;
                }
                worst.insert(
                    ident,
                    Fragmented {
                        identifier: ident.to_string(),
                        tokens: n,
                        pieces,
                    },
                );
            }
        }
        let mut all: Vec<Fragmented> = worst.into_values().collect();
        all.sort_by(frag_order);
        all.truncate(FRAGMENTED_EXAMPLES);
        c.fragmented = all;
        c
    }

    /// Adds another text's counts.
    pub fn add(&mut self, o: &IdentifierCounts) {
        self.total.add(&o.total);
        for (k, v) in &o.styles {
            self.styles.entry(*k).or_default().add(v);
        }
        merge_fragmented(&mut self.fragmented, &o.fragmented);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idents(t: &str, lang: Lang) -> Vec<&str> {
        identifier_spans(t, lang)
            .iter()
            .map(|&(s, e)| &t[s..e])
            .collect()
    }

    #[test]
    fn python_skips_keywords_strings_comments() {
        let t = "def get_value(self, x=0x1F):  # return it\n    \"\"\"Doc string.\"\"\"\n    return f\"{x}\" + r'raw' + self.HTTP_CODE\n";
        assert_eq!(
            idents(t, Lang::Python),
            vec!["get_value", "self", "x", "self", "HTTP_CODE"]
        );
    }

    #[test]
    fn rust_lifetimes_chars_raw_strings() {
        let t = "fn f<'a>(s: &'a str) -> char { let c = 'x'; /* a /* nested */ b */ r#\"q\"# ; s }";
        assert_eq!(
            idents(t, Lang::Rust),
            vec!["f", "s", "str", "char", "c", "s"]
        );
    }

    #[test]
    fn c_preprocessor_and_js_templates() {
        let t = "#include <stdio.h>\n#define MAX_LEN 10\nint main() { return MAX_LEN; }";
        assert_eq!(idents(t, Lang::CCpp), vec!["MAX_LEN", "main", "MAX_LEN"]);
        let t = "const userName = `hi ${x}`; // c\nlet $el = 'y';";
        assert_eq!(idents(t, Lang::Javascript), vec!["userName", "$el"]);
        let t = "$this->getValue($key); # c\n";
        assert_eq!(idents(t, Lang::Php), vec!["getValue", "key"]);
        let t = "runs-on: ubuntu-latest # c\nname: 'x y'\n";
        assert_eq!(
            idents(t, Lang::Yaml),
            vec!["runs", "ubuntu", "latest", "name"]
        );
    }

    #[test]
    fn languages_from_names() {
        use std::path::Path;
        assert_eq!(Lang::from_path(Path::new("a/b.py")), Some(Lang::Python));
        assert_eq!(
            Lang::from_path(Path::new("index.d.ts")),
            Some(Lang::Typescript)
        );
        assert_eq!(
            Lang::from_path(Path::new("x/Makefile")),
            Some(Lang::Makefile)
        );
        assert_eq!(Lang::from_path(Path::new("w.YML")), Some(Lang::Yaml));
        assert_eq!(Lang::from_path(Path::new("notes.txt")), None);
        assert_eq!(Lang::parse("c++"), Some(Lang::CCpp));
        assert_eq!(Lang::parse("cobol"), None);
    }

    #[test]
    fn styles() {
        assert_eq!(style("get_value"), Style::SnakeCase);
        assert_eq!(style("__init__"), Style::SingleWord);
        assert_eq!(style("getValue"), Style::CamelCase);
        assert_eq!(style("HTTPServer"), Style::PascalCase);
        assert_eq!(style("MAX_LEN"), Style::ScreamingSnake);
        assert_eq!(style("Count"), Style::SingleWord);
        assert_eq!(style("get_HTTP"), Style::Other);
    }

    #[test]
    fn zones_by_hand() {
        // get|Http|Request: humps at 3 and 7.
        assert_eq!(subword_zones("getHttpRequest"), vec![(3, 3), (7, 7)]);
        // HTTP|Server: the hump is before the last capital of the acronym.
        assert_eq!(subword_zones("HTTPServer"), vec![(4, 4)]);
        // foo_bar: underscore [3,4) → zone [3,4].
        assert_eq!(subword_zones("foo_bar"), vec![(3, 4)]);
        // __init__: leading run zone [2,2], trailing run zone [6,6].
        assert_eq!(subword_zones("__init__"), vec![(2, 2), (6, 6)]);
        // utf8: letter→digit at 3.
        assert_eq!(subword_zones("utf8"), vec![(3, 3)]);
    }

    #[test]
    fn precision_recall_by_hand() {
        // "get_value" cut as "get" "_" "value" (OLMo's actual split of get_value):
        // token boundaries at 3 and 4, both inside the zone [3,4] → precision 2/2, recall 1/1.
        let t = "get_value";
        let c = IdentifierCounts::of_text(t, &[(0, 9)], &[(0, 3), (3, 4), (4, 9)]);
        assert_eq!(c.total.tokens, 3);
        assert_eq!(
            (c.total.matched_boundaries, c.total.token_boundaries),
            (2, 2)
        );
        assert_eq!((c.total.hit_zones, c.total.zones), (1, 1));
        assert_eq!(c.fragmented[0].pieces, vec!["get", "_", "value"]);
        // "init" cut "in" "it": one boundary at 2, no zone → precision 0/1, recall 0/0.
        let c = IdentifierCounts::of_text("init", &[(0, 4)], &[(0, 2), (2, 4)]);
        assert_eq!(
            (c.total.matched_boundaries, c.total.token_boundaries),
            (0, 1)
        );
        assert_eq!(c.total.zones, 0);
        assert_eq!(c.total.whole, 0);
        // A token that covers a leading space and the identifier keeps it whole.
        let c = IdentifierCounts::of_text(" init", &[(1, 5)], &[(0, 5)]);
        assert_eq!(c.total.whole, 1);
    }
}
