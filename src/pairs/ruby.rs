//! Ruby: `def` (and `def self.x`) lines directly preceded by `#` comment lines. The method
//! runs to its `end` and is dedented like `textwrap.dedent`. Skipped: `initialize`, `to_s`, `inspect`, `==`, `hash`, `eql?`,
//! `to_str`, `method_missing`, `respond_to_missing?`, `test*`, endless (`def x = ...`) and
//! one-line definitions, and `def` that does not start its line (`private def x`).

use std::collections::HashMap;

use tree_sitter::Node;

use super::syntax::{self, Candidate, Parsed};
use crate::Result;

const SKIPPED: [&str; 9] = [
    "initialize",
    "to_s",
    "inspect",
    "==",
    "hash",
    "eql?",
    "to_str",
    "method_missing",
    "respond_to_missing?",
];

/// Documented methods of a Ruby source text.
pub(crate) fn extract(src: &str) -> Result<Parsed> {
    let tree = syntax::parse(tree_sitter_ruby::LANGUAGE.into(), src, "Ruby")?;
    let lines: Vec<&str> = src.split('\n').collect();
    let comments = syntax::line_comments_by_row(tree.root_node(), src, "#");
    let mut out = Vec::new();
    syntax::walk(tree.root_node(), |node, _| {
        if matches!(node.kind(), "method" | "singleton_method") {
            out.extend(candidate(node, src, &lines, &comments));
        }
        Some(false)
    });
    Ok(Parsed::new(&tree, out))
}

fn candidate(
    node: Node<'_>,
    src: &str,
    lines: &[&str],
    comments: &HashMap<usize, &str>,
) -> Option<Candidate> {
    let name = syntax::field_text(node, "name", src);
    if SKIPPED.contains(&name.as_str()) || name.starts_with("test") {
        return None;
    }
    let (start, end) = (node.start_position().row, node.end_position().row);
    let def_line = lines.get(start)?;
    let ends_with_end = node
        .child(node.child_count().checked_sub(1)?)
        .is_some_and(|c| c.kind() == "end");
    if start == end || !ends_with_end || !def_line.trim_start().starts_with("def") {
        return None;
    }
    let doc_lines = syntax::comment_rows_above(comments, start);
    if doc_lines.is_empty() {
        return None;
    }
    let doc = syntax::line_doc_text(doc_lines, "#");
    Some(Candidate {
        line: start + 1,
        name,
        doc,
        code: syntax::common_dedent(&syntax::rows(lines, start, end)),
        has_error: node.has_error(),
    })
}
