//! The languages of the code corpus: file extensions, comment and string syntax, keywords.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// A programming language of the code corpus.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
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
    ///
    /// The lexer asks this of every identifier, so the lists are looked up in an FxHash set
    /// built once per language (lowercased where the language ignores case); words longer than
    /// the language's longest keyword, or whose first byte starts no keyword of their length,
    /// are rejected before hashing.
    pub fn is_keyword(self, w: &str) -> bool {
        let set = &keyword_sets()[self as usize];
        if w.len() > set.longest {
            return false;
        }
        let fold = self.keywords_case_insensitive();
        // No keyword of this length starts with this byte: most identifiers stop here.
        if let Some(&c) = w.as_bytes().first() {
            let c = if fold { c.to_ascii_lowercase() } else { c };
            if !c.is_ascii() || set.starts[w.len()] >> c & 1 == 0 {
                return false;
            }
        }
        if fold && w.bytes().any(|b| b.is_ascii_uppercase()) {
            // Lowercased on the stack: `w` is no longer than a keyword.
            let mut buf = [0u8; 32];
            match buf.get_mut(..w.len()) {
                Some(lower) => {
                    lower.copy_from_slice(w.as_bytes());
                    lower.make_ascii_lowercase();
                    std::str::from_utf8(lower).is_ok_and(|l| set.words.contains(l))
                }
                None => set.words.contains(w.to_ascii_lowercase().as_str()),
            }
        } else {
            set.words.contains(w)
        }
    }

    /// The lists `is_keyword` matches (TypeScript: and JavaScript's).
    fn keyword_lists(self) -> Vec<&'static [&'static str]> {
        match self {
            Lang::Typescript => vec![JS_KEYWORDS, self.keywords()],
            _ => vec![self.keywords()],
        }
    }

    fn keywords_case_insensitive(self) -> bool {
        matches!(self, Lang::Php | Lang::Yaml)
    }

    pub(super) fn line_comments(self) -> &'static [&'static str] {
        match self {
            Lang::Python | Lang::Ruby | Lang::Yaml | Lang::Makefile => &["#"],
            Lang::Php => &["//", "#"],
            _ => &["//"],
        }
    }

    pub(super) fn has_c_block_comments(self) -> bool {
        !matches!(
            self,
            Lang::Python | Lang::Ruby | Lang::Yaml | Lang::Makefile
        )
    }

    pub(super) fn multiline_strings(self) -> bool {
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

/// One language's keywords as [`Lang::is_keyword`] looks them up.
#[derive(Clone, Default)]
struct KeywordSet {
    /// The keywords (lowercased where the language ignores case).
    words: rustc_hash::FxHashSet<String>,
    /// Bytes of the longest one.
    longest: usize,
    /// By length, up to `longest`: bit `c` set when a keyword of that length starts with the
    /// ASCII byte `c`.
    starts: Vec<u128>,
}

/// Each language's keyword set, indexed by `Lang as usize` (every language is in [`LANGS`]).
fn keyword_sets() -> &'static [KeywordSet] {
    static SETS: std::sync::OnceLock<Vec<KeywordSet>> = std::sync::OnceLock::new();
    SETS.get_or_init(|| {
        let mut sets = vec![KeywordSet::default(); LANGS.len()];
        for &lang in LANGS {
            let fold = lang.keywords_case_insensitive();
            let words: rustc_hash::FxHashSet<String> = lang
                .keyword_lists()
                .into_iter()
                .flatten()
                .map(|k| {
                    if fold {
                        k.to_ascii_lowercase()
                    } else {
                        k.to_string()
                    }
                })
                .collect();
            let longest = words.iter().map(String::len).max().unwrap_or(0);
            let mut starts = vec![0u128; longest + 1];
            for w in &words {
                if let Some(&c) = w.as_bytes().first().filter(|c| c.is_ascii()) {
                    starts[w.len()] |= 1 << c;
                }
            }
            sets[lang as usize] = KeywordSet {
                words,
                longest,
                starts,
            };
        }
        sets
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keyword sets against a scan of the lists: every keyword of every list, its upper-
    /// and title-case forms, and near misses, in every language.
    #[test]
    fn keyword_sets_match_the_lists() {
        let mut words: Vec<String> = vec!["".into(), "x".into(), "selfs".into(), "é".into()];
        for &lang in LANGS {
            for k in JS_KEYWORDS.iter().chain(lang.keywords()) {
                let mut title = k.to_string();
                if let Some(first) = title.get_mut(..1) {
                    first.make_ascii_uppercase();
                }
                words.extend([
                    k.to_string(),
                    k.to_ascii_uppercase(),
                    title,
                    format!("{k}_"),
                ]);
            }
        }
        for &lang in LANGS {
            for w in &words {
                let scan = lang.keyword_lists().iter().any(|list| {
                    list.iter().any(|k| {
                        if lang.keywords_case_insensitive() {
                            k.eq_ignore_ascii_case(w)
                        } else {
                            k == w
                        }
                    })
                });
                assert_eq!(lang.is_keyword(w), scan, "{lang:?} {w:?}");
            }
        }
    }
}
