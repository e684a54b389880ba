//! Go: top-level `func` declarations and methods at column 0 directly preceded by `//` comment
//! lines (gofmt doc comments). Compiler directives (`//go:`, `//line`, `//export`, `//sys`,
//! `//nolint`) are not documentation. Skipped: `Test*`, `Benchmark*`, `Example*`, `Fuzz*`,
//! `init`, `main`. The code is the declaration from `func` to its closing brace.

use tree_sitter::Node;

use super::syntax::{self, Candidate, Parsed};
use crate::Result;

const SKIPPED_PREFIXES: [&str; 4] = ["Test", "Benchmark", "Example", "Fuzz"];

/// Documented top-level functions and methods of a Go source text.
pub(crate) fn extract(src: &str) -> Result<Parsed> {
    let tree = syntax::parse(tree_sitter_go::LANGUAGE.into(), src, "Go")?;
    let root = tree.root_node();
    let mut cursor = root.walk();
    let out = root
        .named_children(&mut cursor)
        .filter(|n| matches!(n.kind(), "function_declaration" | "method_declaration"))
        .filter_map(|n| candidate(n, src))
        .collect();
    Ok(Parsed::new(&tree, out))
}

fn candidate(node: Node<'_>, src: &str) -> Option<Candidate> {
    if node.start_position().column != 0 || node.child_by_field_name("body").is_none() {
        return None;
    }
    let name = syntax::field_text(node, "name", src);
    if name == "init" || name == "main" || SKIPPED_PREFIXES.iter().any(|p| is_go_prefixed(&name, p))
    {
        return None;
    }
    let comments = syntax::comments_above(node, src, |t| t.starts_with("//"));
    let doc_lines: Vec<&str> = comments
        .iter()
        .map(|c| syntax::text(*c, src))
        .filter(|t| !is_directive(t))
        .collect();
    if doc_lines.is_empty() {
        return None;
    }
    Some(Candidate {
        line: node.start_position().row + 1,
        name,
        doc: syntax::line_doc_text(doc_lines, "//"),
        code: syntax::text(node, src).replace("\r\n", "\n"),
        has_error: node.has_error(),
    })
}

/// `TestX`, `Test_x`, `Test` — what `go test` treats as a test, benchmark, example or fuzz
/// target: the prefix not followed by a lowercase letter.
fn is_go_prefixed(name: &str, prefix: &str) -> bool {
    name.strip_prefix(prefix)
        .is_some_and(|rest| !rest.starts_with(|c: char| c.is_lowercase()))
}

/// A compiler or tool directive rather than documentation.
fn is_directive(comment: &str) -> bool {
    let t = comment.trim_end();
    [
        "//go:",
        "//line ",
        "//export ",
        "//sys",
        "//nolint",
        "//+build",
        "//lint:",
    ]
    .iter()
    .any(|d| t.starts_with(d))
}
