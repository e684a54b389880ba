//! PHP: functions and methods with a PHPDoc `/** */` comment directly above (`#[...]`
//! attributes and `//` lines may come between). Skipped: magic `__*` methods, `test*`, and
//! methods without a body (abstract, interface).

use tree_sitter::Node;

use super::cstyle;
use super::syntax::{self, Candidate, Parsed};
use crate::Result;

/// Documented functions and methods of a PHP source text.
pub(crate) fn extract(src: &str) -> Result<Parsed> {
    let tree = syntax::parse(tree_sitter_php::LANGUAGE_PHP.into(), src, "PHP")?;
    let mut out = Vec::new();
    syntax::walk(tree.root_node(), |node, _| {
        if matches!(node.kind(), "method_declaration" | "function_definition") {
            out.extend(candidate(node, src));
        }
        Some(false)
    });
    Ok(Parsed::new(&tree, out))
}

fn candidate(node: Node<'_>, src: &str) -> Option<Candidate> {
    let name = syntax::field_text(node, "name", src);
    if name.starts_with("__") || name.starts_with("test") {
        return None;
    }
    let body = node.child_by_field_name("body")?;
    let doc = cstyle::doc_above(node, src)?;
    cstyle::candidate(doc, src, body.end_byte(), name, node.has_error())
}
