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

mod boundaries;
mod lang;
mod lexer;

pub use boundaries::*;
pub use lang::*;
pub use lexer::*;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::spans::TokenSpans;

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

    /// [`IdentifierCounts::of_text`] of `spans`, read both ways, which must agree.
    fn of_text(t: &str, idents: &[(usize, usize)], spans: &[(usize, usize)]) -> IdentifierCounts {
        let stepped = IdentifierCounts::of_text(t, idents, &TokenSpans::stepped(spans));
        let read = IdentifierCounts::of_text(t, idents, &TokenSpans::new(t, spans));
        assert_eq!(read, stepped);
        read
    }

    #[test]
    fn precision_recall_by_hand() {
        // "get_value" cut as "get" "_" "value" (OLMo's actual split of get_value):
        // token boundaries at 3 and 4, both inside the zone [3,4] → precision 2/2, recall 1/1.
        let t = "get_value";
        let c = of_text(t, &[(0, 9)], &[(0, 3), (3, 4), (4, 9)]);
        assert_eq!(c.total.tokens, 3);
        assert_eq!(
            (c.total.matched_boundaries, c.total.token_boundaries),
            (2, 2)
        );
        assert_eq!((c.total.hit_zones, c.total.zones), (1, 1));
        assert_eq!(c.fragmented[0].pieces, vec!["get", "_", "value"]);
        // "init" cut "in" "it": one boundary at 2, no zone → precision 0/1, recall 0/0.
        let c = of_text("init", &[(0, 4)], &[(0, 2), (2, 4)]);
        assert_eq!(
            (c.total.matched_boundaries, c.total.token_boundaries),
            (0, 1)
        );
        assert_eq!(c.total.zones, 0);
        assert_eq!(c.total.whole, 0);
        // A token that covers a leading space and the identifier keeps it whole.
        let c = of_text(" init", &[(1, 5)], &[(0, 5)]);
        assert_eq!(c.total.whole, 1);
    }
}
