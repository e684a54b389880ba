//! JavaScript: a JSDoc `/** */` comment directly above a function declaration (also exported),
//! `x = function`, `const x = (...) => {`, an object-literal `name: function`, a class or
//! object method (not `constructor`), a class field holding a function, or a statement whose
//! first line passes a function to a call (`var add = _curry2(function add(a, b) {`). The code
//! runs to the function's closing brace; if the rest of that line is only `)`, `;`, `,` or
//! simple arguments (`}, 0);`), it is kept.

use tree_sitter::Node;

use super::cstyle;
use super::syntax::{self, Candidate, Parsed};
use crate::Result;

/// Documented functions and methods of a JavaScript source text.
pub(crate) fn extract(src: &str) -> Result<Parsed> {
    let tree = syntax::parse(tree_sitter_javascript::LANGUAGE.into(), src, "JavaScript")?;
    let mut out = Vec::new();
    syntax::walk(tree.root_node(), |node, _| {
        if !node.kind().contains("comment") {
            out.extend(candidate(node, src));
        }
        Some(false)
    });
    Ok(Parsed::new(&tree, out))
}

fn candidate(node: Node<'_>, src: &str) -> Option<Candidate> {
    let (function, name) = documented_function(node, src)?;
    if name == "constructor" {
        return None;
    }
    let doc = cstyle::doc_above(node, src)?;
    let body = function.child_by_field_name("body")?;
    if body.kind() != "statement_block" {
        return None;
    }
    let end = body.end_byte() + simple_tail(src, body.end_byte());
    cstyle::candidate(doc, src, end, name, node.has_error())
}

/// The function a documented node declares, and its name.
fn documented_function<'t>(node: Node<'t>, src: &str) -> Option<(Node<'t>, String)> {
    let name_of = |n: Node<'_>, field: &str| syntax::field_text(n, field, src);
    match node.kind() {
        "export_statement" => {
            let inner = node
                .child_by_field_name("declaration")
                .or_else(|| node.child_by_field_name("value"))?;
            let (f, name) = documented_function(inner, src)
                .or_else(|| is_function(inner).then(|| (inner, name_of(inner, "name"))))?;
            Some((
                f,
                if name.is_empty() {
                    "default".into()
                } else {
                    name
                },
            ))
        }
        "function_declaration" | "generator_function_declaration" | "method_definition" => {
            Some((node, name_of(node, "name")))
        }
        "pair" | "field_definition" | "public_field_definition" => {
            let value = node.child_by_field_name("value")?;
            let key = node
                .child_by_field_name("key")
                .or_else(|| node.child_by_field_name("property"))
                .map(|k| syntax::text(k, src).trim_matches(['"', '\'']).to_string())?;
            is_function(value).then_some((value, key))
        }
        "expression_statement" => {
            let expr = node.named_child(0)?;
            if expr.kind() == "assignment_expression" {
                let right = expr.child_by_field_name("right")?;
                let left = expr.child_by_field_name("left")?;
                let name = last_identifier(syntax::text(left, src));
                if is_function(right) {
                    return Some((right, name));
                }
            }
            first_line_function(node).map(|f| (f, name_of(f, "name")))
        }
        "lexical_declaration" | "variable_declaration" => {
            let declarator = node.named_child(0)?;
            let name = name_of(declarator, "name");
            let value = declarator.child_by_field_name("value")?;
            if is_function(value) {
                return Some((value, name));
            }
            first_line_function(value).map(|f| (f, name))
        }
        _ => None,
    }
}

fn is_function(node: Node<'_>) -> bool {
    matches!(
        node.kind(),
        "function_expression" | "function" | "arrow_function" | "generator_function"
    )
}

/// A function passed to a call on the first line of `node` (searched a few levels deep).
fn first_line_function(node: Node<'_>) -> Option<Node<'_>> {
    let row = node.start_position().row;
    let mut level = vec![node];
    for _ in 0..4 {
        let mut next = Vec::new();
        for n in level {
            let mut cursor = n.walk();
            for c in n.named_children(&mut cursor) {
                if c.start_position().row != row {
                    continue;
                }
                if is_function(c) {
                    return Some(c);
                }
                if matches!(
                    c.kind(),
                    "call_expression" | "arguments" | "assignment_expression"
                ) {
                    next.push(c);
                }
            }
        }
        level = next;
    }
    None
}

fn last_identifier(left: &str) -> String {
    left.rsplit(['.', '[', ']', '\'', '"'])
        .find(|s| !s.trim().is_empty())
        .unwrap_or(left)
        .trim()
        .to_string()
}

/// Length of the rest of the line after a function's closing brace when it is only `)`, `;`,
/// `,` or simple arguments.
fn simple_tail(src: &str, end: usize) -> usize {
    let rest = src.get(end..).unwrap_or("");
    let line = rest.split('\n').next().unwrap_or("");
    let line = line.trim_end();
    let simple = line
        .chars()
        .all(|c| c.is_alphanumeric() || " \t)],;._$'\"".contains(c));
    if simple { line.len() } else { 0 }
}
