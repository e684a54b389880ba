//! Java: methods (a return type is required, so constructors are not included) with a Javadoc
//! comment directly above. Skipped: `toString`, `hashCode`, `equals`, `clone`, `finalize`,
//! `test*`, and methods without a body (abstract, interface, native).

use tree_sitter::Node;

use super::cstyle;
use super::syntax::{self, Candidate, Parsed};
use crate::Result;

const SKIPPED: [&str; 5] = ["toString", "hashCode", "equals", "clone", "finalize"];

/// Documented methods of a Java source text.
pub(crate) fn extract(src: &str) -> Result<Parsed> {
    let tree = syntax::parse(tree_sitter_java::LANGUAGE.into(), src, "Java")?;
    let mut out = Vec::new();
    syntax::walk(tree.root_node(), |node, _| {
        if node.kind() == "method_declaration" {
            out.extend(candidate(node, src));
        }
        Some(false)
    });
    Ok(Parsed::new(&tree, out))
}

fn candidate(node: Node<'_>, src: &str) -> Option<Candidate> {
    let name = syntax::field_text(node, "name", src);
    if SKIPPED.contains(&name.as_str()) || name.starts_with("test") {
        return None;
    }
    let body = node.child_by_field_name("body")?;
    let doc = cstyle::doc_above(node, src)?;
    cstyle::candidate(doc, src, body.end_byte(), name, node.has_error())
}
