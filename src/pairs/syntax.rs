//! Shared tree-sitter plumbing: parsing, an iterative walk (no recursion, so deep trees cannot
//! overflow the stack), source lines and doc-comment text.

use tree_sitter::{Language as Grammar, Node, Parser, Tree};

use crate::{Error, Result};

/// A documented function as a language module finds it; the query is derived later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Candidate {
    /// 1-based declaration line.
    pub line: usize,
    /// Function name.
    pub name: String,
    /// Documentation text with comment markers removed, one line per source line.
    pub doc: String,
    /// Function source without the documentation.
    pub code: String,
    /// A syntax error inside the function.
    pub has_error: bool,
}

/// The documented functions of one file and where its first syntax error is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Parsed {
    /// Documented functions.
    pub candidates: Vec<Candidate>,
    /// 1-based line of the first syntax error, if any.
    pub error_line: Option<usize>,
}

impl Parsed {
    /// Candidates of a parsed tree.
    pub(crate) fn new(tree: &Tree, candidates: Vec<Candidate>) -> Self {
        Parsed {
            candidates,
            error_line: first_error_line(tree.root_node()),
        }
    }
}

/// The line of the first ERROR or MISSING node.
fn first_error_line(root: Node<'_>) -> Option<usize> {
    if !root.has_error() {
        return None;
    }
    let mut node = root;
    'descend: loop {
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            if child.is_error() || child.is_missing() {
                return Some(child.start_position().row + 1);
            }
            if child.has_error() {
                node = child;
                continue 'descend;
            }
        }
        return Some(node.start_position().row + 1);
    }
}

/// Parses `text` with a grammar.
pub(crate) fn parse(grammar: Grammar, text: &str, name: &str) -> Result<Tree> {
    let mut parser = Parser::new();
    parser
        .set_language(&grammar)
        .map_err(|e| Error::InvalidArgument(format!("{name} grammar: {e}")))?;
    parser
        .parse(text, None)
        .ok_or_else(|| Error::InvalidArgument(format!("the {name} parser gave up")))
}

/// Visits every node depth-first in source order. `visit(node, inside)` gets the flag of its
/// parent and returns `None` to skip the node's children, or `Some(flag)` for them.
pub(crate) fn walk<'t>(root: Node<'t>, mut visit: impl FnMut(Node<'t>, bool) -> Option<bool>) {
    let mut stack = vec![(root, false)];
    while let Some((node, inside)) = stack.pop() {
        if let Some(flag) = visit(node, inside) {
            let mut cursor = node.walk();
            let children: Vec<Node<'t>> = node.named_children(&mut cursor).collect();
            stack.extend(children.into_iter().rev().map(|c| (c, flag)));
        }
    }
}

/// The text of a node.
pub(crate) fn text<'a>(node: Node<'_>, src: &'a str) -> &'a str {
    src.get(node.start_byte()..node.end_byte()).unwrap_or("")
}

/// The source lines `first..=last` (0-based rows), joined with `\n`, without the final newline.
pub(crate) fn rows(lines: &[&str], first: usize, last: usize) -> Vec<String> {
    lines
        .get(first..=last.min(lines.len().saturating_sub(1)))
        .unwrap_or(&[])
        .iter()
        .map(|l| l.strip_suffix('\r').unwrap_or(l).to_string())
        .collect()
}

/// Leading whitespace of a line.
pub(crate) fn indentation(line: &str) -> &str {
    &line[..line.len() - line.trim_start().len()]
}

/// Removes `indent` from every line that starts with it; other lines are kept as they are.
pub(crate) fn dedent(lines: &[String], indent: &str) -> String {
    lines
        .iter()
        .map(|l| l.strip_prefix(indent).unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text of a `/** ... */` comment with the markers removed: `/**`, `*/`, and on each line
/// a leading `*` and one following space (lines without a `*` keep their indentation).
pub(crate) fn block_doc_text(comment: &str) -> String {
    let body = comment
        .strip_prefix("/**")
        .unwrap_or(comment)
        .strip_suffix("*/")
        .unwrap_or(comment);
    body.lines()
        .enumerate()
        .map(|(i, line)| {
            if i == 0 {
                return line
                    .strip_prefix(' ')
                    .unwrap_or(line)
                    .trim_end()
                    .to_string();
            }
            match line.trim_start().strip_prefix('*') {
                Some(t) => t.strip_prefix(' ').unwrap_or(t).trim_end().to_string(),
                None => line.trim_end().to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text of consecutive line comments with the marker (`//`, `#`) and one following space
/// removed.
pub(crate) fn line_doc_text<'a>(lines: impl IntoIterator<Item = &'a str>, marker: &str) -> String {
    lines
        .into_iter()
        .map(|l| {
            let t = l.trim();
            let t = t.strip_prefix(marker).unwrap_or(t);
            t.strip_prefix(' ').unwrap_or(t).trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The comment nodes directly above `node` (each on the line right before the next, ending
/// on the line before `node`), in source order, provided each satisfies `is_line_comment`.
pub(crate) fn comments_above<'t>(
    node: Node<'t>,
    src: &str,
    is_line_comment: impl Fn(&str) -> bool,
) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    let mut next_row = node.start_position().row;
    let mut prev = node.prev_sibling();
    while let Some(p) = prev {
        if p.kind() != "comment" || p.end_position().row + 1 != next_row {
            break;
        }
        if !is_line_comment(text(p, src)) || !starts_line(p, src) {
            break;
        }
        next_row = p.start_position().row;
        out.push(p);
        prev = p.prev_sibling();
    }
    out.reverse();
    out
}

/// The `name` field's text, or empty.
pub(crate) fn field_text(node: Node<'_>, field: &str, src: &str) -> String {
    node.child_by_field_name(field)
        .map(|n| text(n, src).to_string())
        .unwrap_or_default()
}

/// Whether only whitespace precedes the node on its first line.
pub(crate) fn starts_line(node: Node<'_>, src: &str) -> bool {
    let start = node.start_byte();
    let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
    src[line_start..start].trim().is_empty()
}

/// Every comment that starts its line and begins with `marker`, by 0-based row.
pub(crate) fn line_comments_by_row<'s>(
    root: Node<'_>,
    src: &'s str,
    marker: &str,
) -> std::collections::HashMap<usize, &'s str> {
    let mut out = std::collections::HashMap::new();
    walk(root, |node, _| {
        if node.kind() == "comment" {
            let t = src.get(node.start_byte()..node.end_byte()).unwrap_or("");
            if t.starts_with(marker) && starts_line(node, src) {
                out.insert(node.start_position().row, t);
            }
            return None;
        }
        Some(false)
    });
    out
}

/// The comment lines directly above `row` (no blank line between), in source order.
pub(crate) fn comment_rows_above<'s>(
    comments: &std::collections::HashMap<usize, &'s str>,
    row: usize,
) -> Vec<&'s str> {
    let mut out = Vec::new();
    let mut r = row;
    while r > 0 {
        match comments.get(&(r - 1)) {
            Some(t) => out.push(*t),
            None => break,
        }
        r -= 1;
    }
    out.reverse();
    out
}

/// `textwrap.dedent`: lines of only whitespace become empty, and the longest whitespace
/// prefix shared by all other lines is removed.
pub(crate) fn common_dedent(lines: &[String]) -> String {
    let mut margin: Option<&str> = None;
    for l in lines.iter().filter(|l| !l.trim().is_empty()) {
        let ind = indentation(l);
        margin = Some(match margin {
            None => ind,
            Some(m) => {
                let common = m
                    .char_indices()
                    .zip(ind.chars())
                    .find(|((_, a), b)| a != b)
                    .map_or(m.len().min(ind.len()), |((i, _), _)| i);
                &m[..common]
            }
        });
    }
    let margin = margin.unwrap_or("").to_string();
    lines
        .iter()
        .map(|l| {
            if l.trim().is_empty() {
                ""
            } else {
                l.strip_prefix(margin.as_str()).unwrap_or(l)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
