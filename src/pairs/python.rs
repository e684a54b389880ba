//! Python: every `def`/`async def` that is not nested in another function and whose body
//! starts with a docstring (as `ast.get_docstring` sees it: a plain string literal as the first
//! statement). Skipped: names starting with `test`, dunder methods, docstrings on the `def`
//! line, bodies with nothing but the docstring. The code is the lines from `def` to the last
//! statement minus the docstring statement's lines, dedented by the `def` line's indentation;
//! decorators are not part of it.

use tree_sitter::Node;

use super::syntax::{self, Candidate, Parsed};
use crate::Result;

/// Documented top-level functions and methods of a Python source text.
pub(crate) fn extract(src: &str) -> Result<Parsed> {
    let tree = syntax::parse(tree_sitter_python::LANGUAGE.into(), src, "Python")?;
    let lines: Vec<&str> = src.split('\n').collect();
    let mut out = Vec::new();
    syntax::walk(tree.root_node(), |node, _| {
        if node.kind() == "function_definition" {
            out.extend(candidate(node, src, &lines));
            return None;
        }
        Some(false)
    });
    Ok(Parsed::new(&tree, out))
}

fn candidate(node: Node<'_>, src: &str, lines: &[&str]) -> Option<Candidate> {
    let name = syntax::field_text(node, "name", src);
    if name.starts_with("test")
        || (name.len() > 4 && name.starts_with("__") && name.ends_with("__"))
    {
        return None;
    }
    let body = node.child_by_field_name("body")?;
    let mut cursor = body.walk();
    let statements: Vec<Node<'_>> = body
        .named_children(&mut cursor)
        .filter(|n| n.kind() != "comment")
        .collect();
    let first = *statements.first()?;
    let literal = docstring_literal(first)?;
    let def_row = node.start_position().row;
    if first.start_position().row == def_row || statements.len() < 2 {
        return None;
    }
    let doc = cleandoc(&string_value(syntax::text(literal, src))?);
    let last = statements.last()?;
    let end_row = last_row(*last);
    let (ds_start, ds_end) = (first.start_position().row, last_row(first));
    let kept: Vec<String> = syntax::rows(lines, def_row, end_row)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !(ds_start..=ds_end).contains(&(def_row + i)))
        .map(|(_, l)| l)
        .collect();
    let indent = syntax::indentation(lines.get(def_row)?).to_string();
    Some(Candidate {
        line: def_row + 1,
        name,
        doc,
        code: syntax::dedent(&kept, &indent),
        has_error: node.has_error(),
    })
}

/// The row of a node's last character.
fn last_row(node: Node<'_>) -> usize {
    let end = node.end_position();
    if end.column == 0 && end.row > node.start_position().row {
        end.row - 1
    } else {
        end.row
    }
}

/// The string literal of a docstring statement: `"..."` or implicitly concatenated strings,
/// not f-strings or bytes.
fn docstring_literal(statement: Node<'_>) -> Option<Node<'_>> {
    if statement.kind() != "expression_statement" || statement.named_child_count() != 1 {
        return None;
    }
    let lit = statement.named_child(0)?;
    matches!(lit.kind(), "string" | "concatenated_string").then_some(lit)
}

/// The value of a (possibly implicitly concatenated) Python string literal; `None` for
/// f-strings and bytes, which are not docstrings.
pub(crate) fn string_value(literal: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = literal.trim();
    while !rest.is_empty() {
        let prefix_len = rest.find(['"', '\'']).filter(|&i| i <= 3)?;
        let prefix = rest[..prefix_len].to_ascii_lowercase();
        if prefix.contains('f') || prefix.contains('b') || prefix.contains('t') {
            return None;
        }
        let raw = prefix.contains('r');
        let after = &rest[prefix_len..];
        let quote = if after.starts_with("\"\"\"") || after.starts_with("'''") {
            &after[..3]
        } else {
            &after[..1]
        };
        let body_and_rest = &after[quote.len()..];
        let end = find_closing(body_and_rest, quote, raw)?;
        let body = &body_and_rest[..end];
        out.push_str(&if raw {
            body.to_string()
        } else {
            unescape(body)
        });
        rest = skip_between_parts(&body_and_rest[end + quote.len()..]);
    }
    Some(out)
}

/// Skips whitespace, line continuations and comments between concatenated string parts.
fn skip_between_parts(mut s: &str) -> &str {
    loop {
        let t = s.trim_start();
        if let Some(r) = t.strip_prefix('\\') {
            s = r;
        } else if t.starts_with('#') {
            s = t.find('\n').map_or("", |i| &t[i..]);
        } else {
            return t;
        }
    }
}

fn find_closing(s: &str, quote: &str, _raw: bool) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            i += 2;
            continue;
        }
        if bytes[i..].starts_with(quote.as_bytes()) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Python's escape sequences in a non-raw string.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            out.push('\\');
            break;
        };
        match e {
            '\n' => {}
            '\\' | '\'' | '"' => out.push(e),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            'x' | 'u' | 'U' => {
                let n = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex: String = (0..n)
                    .filter_map(|_| chars.next_if(|c| c.is_ascii_hexdigit()))
                    .collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) if hex.len() == n => out.push(ch),
                    _ => {
                        out.push('\\');
                        out.push(e);
                        out.push_str(&hex);
                    }
                }
            }
            '0'..='7' => {
                let mut oct = String::from(e);
                while oct.len() < 3 {
                    match chars.next_if(|c| ('0'..='7').contains(c)) {
                        Some(d) => oct.push(d),
                        None => break,
                    }
                }
                if let Some(ch) = u32::from_str_radix(&oct, 8).ok().and_then(char::from_u32) {
                    out.push(ch);
                }
            }
            _ => {
                out.push('\\');
                out.push(e);
            }
        }
    }
    out
}

/// `inspect.cleandoc`: tabs expanded, the first line's leading whitespace and the common
/// indentation of the other lines removed, leading and trailing blank lines dropped.
pub(crate) fn cleandoc(doc: &str) -> String {
    let expanded: Vec<String> = doc.split('\n').map(expand_tabs).collect();
    let margin = expanded
        .iter()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut lines: Vec<String> = expanded
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                l.trim_start().to_string()
            } else {
                l.get(margin..).unwrap_or("").to_string()
            }
        })
        .collect();
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    let start = lines.iter().take_while(|l| l.trim().is_empty()).count();
    lines[start..].join("\n")
}

/// `str.expandtabs(8)`.
fn expand_tabs(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut col = 0;
    for c in line.chars() {
        match c {
            '\t' => {
                let n = 8 - col % 8;
                out.extend(std::iter::repeat_n(' ', n));
                col += n;
            }
            '\r' | '\n' => {
                out.push(c);
                col = 0;
            }
            _ => {
                out.push(c);
                col += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_values() {
        assert_eq!(string_value(r#""""a\tb""""#).as_deref(), Some("a\tb"));
        assert_eq!(string_value(r#"r'''a\tb'''"#).as_deref(), Some("a\\tb"));
        assert_eq!(string_value(r#""a" 'b'"#).as_deref(), Some("ab"));
        assert_eq!(string_value(r#"f"x""#), None);
        assert_eq!(string_value(r#""\x41\u00e9""#).as_deref(), Some("Aé"));
    }

    #[test]
    fn cleandoc_like_inspect() {
        assert_eq!(
            cleandoc("  First.\n\n    More\n      deeper\n  "),
            "First.\n\nMore\n  deeper"
        );
        assert_eq!(cleandoc("\n    Summary.\n    "), "Summary.");
    }
}
