//! `--show`: the text cut into tokens, with alternating background colours (or markers) and
//! visible whitespace (`·` space, `→` tab, `⏎` newline).

/// One input's text as one tokenizer cuts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShowBlock {
    /// The input.
    pub path: String,
    /// The tokenizer.
    pub tokenizer: String,
    /// Consecutive pieces of the text: `(text, is_token)`; text no token covers (dropped by a
    /// normaliser) has `is_token == false`.
    pub pieces: Vec<(String, bool)>,
    /// Whether the text was cut to the show limit.
    pub truncated: bool,
}

impl ShowBlock {
    /// Builds the pieces of the first `limit` bytes of `text` from token spans sorted by start.
    pub fn new(
        path: &str,
        tokenizer: &str,
        text: &str,
        spans: &[(usize, usize)],
        limit: usize,
    ) -> Self {
        let mut end = text.len().min(limit);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let mut pieces = Vec::new();
        let mut at = 0usize;
        for &(s, e) in spans {
            if s >= end {
                break;
            }
            let (s, e) = (s.max(at), e.min(end));
            if s > at {
                pieces.push((text[at..s].to_string(), false));
            }
            if e > s {
                pieces.push((text[s..e].to_string(), true));
                at = e;
            }
        }
        if at < end {
            pieces.push((text[at..end].to_string(), false));
        }
        ShowBlock {
            path: path.to_string(),
            tokenizer: tokenizer.to_string(),
            pieces,
            truncated: end < text.len(),
        }
    }
}

fn visible(s: &str) -> String {
    // Newlines stay real line breaks after their marker so the layout of code is kept.
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            ' ' => out.push('·'),
            '\t' => out.push('→'),
            '\n' => out.push_str("⏎\n"),
            '\r' => out.push('␍'),
            c => out.push(c),
        }
    }
    out
}

/// Renders blocks. With `color`, tokens alternate between two background colours (ANSI
/// 256-colour 237/239, dark greys) and uncovered text is shown in red; without, tokens are
/// separated by `|` and uncovered text is wrapped in `[…]`.
pub fn render_show(blocks: &[ShowBlock], color: bool) -> String {
    let mut out = String::new();
    for b in blocks {
        let n = b.pieces.iter().filter(|p| p.1).count();
        out.push_str(&format!(
            "── {} · {} ({} tokens shown)\n",
            b.path, b.tokenizer, n
        ));
        let mut k = 0usize;
        for (text, is_token) in &b.pieces {
            let v = visible(text);
            if color {
                // Colour each line separately so the background does not bleed past a newline.
                let code = if !is_token {
                    "\x1b[41m"
                } else if k % 2 == 0 {
                    "\x1b[48;5;237m"
                } else {
                    "\x1b[48;5;239m"
                };
                for (i, line) in v.split('\n').enumerate() {
                    if i > 0 {
                        out.push('\n');
                    }
                    if !line.is_empty() {
                        out.push_str(code);
                        out.push_str(line);
                        out.push_str("\x1b[0m");
                    }
                }
            } else if *is_token {
                if k > 0 && !out.ends_with('\n') {
                    out.push('|');
                }
                out.push_str(&v);
            } else {
                out.push('[');
                out.push_str(&v);
                out.push(']');
            }
            if *is_token {
                k += 1;
            }
        }
        if b.truncated {
            out.push_str(" …");
        }
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_markers() {
        // "a  b" cut as "a" "··" "b" (OLMo-style).
        let b = ShowBlock::new("-", "t", "a  b", &[(0, 1), (1, 3), (3, 4)], 100);
        assert_eq!(
            render_show(&[b], false),
            "── - · t (3 tokens shown)\na|··|b\n\n"
        );
        // XLM-R-style: the run's first space is covered by no token.
        let b = ShowBlock::new("-", "t", "a  b", &[(0, 1), (2, 4)], 100);
        assert!(render_show(&[b], false).contains("a[·]|·b"));
    }

    #[test]
    fn colours_alternate() {
        let b = ShowBlock::new("-", "t", "ab", &[(0, 1), (1, 2)], 100);
        let s = render_show(&[b], true);
        assert!(
            s.contains("\x1b[48;5;237ma\x1b[0m\x1b[48;5;239mb\x1b[0m"),
            "{s:?}"
        );
        assert!(!s.contains('|'));
    }
}
