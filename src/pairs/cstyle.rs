//! What Java, JavaScript and PHP share: a `/** ... */` doc comment directly above a
//! declaration (no blank line; `//` comment lines may come between and stay in the code), and
//! code that runs from the line after the doc comment to the closing brace of the body.

use tree_sitter::Node;

use super::syntax::{self, Candidate};

/// The `/** */` comment directly above `node`, skipping adjacent `//` comment lines.
pub(crate) fn doc_above<'t>(node: Node<'t>, src: &str) -> Option<Node<'t>> {
    let mut next_row = node.start_position().row;
    let mut prev = node.prev_sibling();
    while let Some(p) = prev {
        if !p.kind().contains("comment") {
            return None;
        }
        let end = p.end_position().row;
        let is_doc = syntax::text(p, src).starts_with("/**");
        let gap_ok = end == next_row || end + 1 == next_row || (is_doc && end + 2 == next_row);
        if !gap_ok {
            return None;
        }
        let t = syntax::text(p, src);
        if t.starts_with("/**") && t != "/**/" {
            return Some(p);
        }
        if !t.starts_with("//") && !t.starts_with('#') {
            return None;
        }
        next_row = p.start_position().row;
        prev = p.prev_sibling();
    }
    None
}

/// A candidate whose code runs from the line after `doc` to byte `end` of the source.
///
/// Lines that hold only an annotation (`@Deprecated`) or attribute (`#[Pure]`) right after the
/// doc comment are left out of the code; `line` is the first line kept (a blank line between
/// doc and declaration counts as that line, and leading blank lines are dropped from the code).
/// The code is dedented like Python's `textwrap.dedent` (common leading whitespace removed,
/// whitespace-only lines emptied). A
/// declaration on the doc comment's own last line (`/** x */ int f() {`) starts after `*/`.
pub(crate) fn candidate(
    doc: Node<'_>,
    src: &str,
    end: usize,
    name: String,
    has_error: bool,
) -> Option<Candidate> {
    let lines: Vec<&str> = src.split('\n').collect();
    let doc_row = doc.end_position().row;
    let after_doc = src.get(doc.end_byte()..)?;
    let nl = after_doc.find('\n')?;
    let (start, row) = if after_doc[..nl].trim().is_empty() {
        let mut row = doc_row + 1;
        while lines.get(row).is_some_and(|l| is_decoration_line(l)) {
            row += 1;
        }
        let start = lines[..row].iter().map(|l| l.len() + 1).sum::<usize>();
        (start, row)
    } else {
        let skipped = after_doc.len() - after_doc.trim_start().len();
        (doc.end_byte() + skipped, doc_row)
    };
    if start >= end {
        return None;
    }
    let body = src.get(start..end)?.replace("\r\n", "\n");
    let code_lines: Vec<String> = body
        .split('\n')
        .skip_while(|l| l.trim().is_empty())
        .map(str::to_string)
        .collect();
    Some(Candidate {
        line: row + 1,
        name,
        doc: syntax::block_doc_text(syntax::text(doc, src)),
        code: syntax::common_dedent(&code_lines),
        has_error,
    })
}

/// A line holding only a Java annotation (`@Override`, `@SuppressWarnings("x")`) or a PHP
/// attribute (`#[Pure]`).
fn is_decoration_line(line: &str) -> bool {
    let t = line.trim();
    if t.starts_with("#[") && t.ends_with(']') {
        return true;
    }
    let Some(rest) = t.strip_prefix('@') else {
        return false;
    };
    let name_len = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(rest.len());
    if name_len == 0 {
        return false;
    }
    let args = rest[name_len..].trim();
    args.is_empty() || (args.starts_with('(') && args.ends_with(')'))
}
