//! One self-contained HTML page that shows how tokenizers cut texts: `tokstat compare --html
//! FILE` and `tokstat encode --format html`.
//!
//! The page holds its style and script inline and loads nothing: its Content-Security-Policy
//! (`default-src 'none'`) forbids any network access, and allows one script only, the page's
//! own, by its SHA-256 hash, so that a `<script>` in a text can never run even if escaping
//! failed. Every piece of input text, token string, path and tokenizer name goes through
//! [`escape`].
//!
//! Each input is a section with one column per tokenizer. Each token is one `<span>` carrying
//! `data-id` (token id), `data-t` (token string as the vocabulary spells it), `data-s` and
//! `data-e` (its `[start, end)` byte range in the input, the offsets of `tokstat encode
//! --format json`); hovering or focusing it (each token is in the tab order) shows these in the
//! bar at the top. Text no token covers is an `<i>`. Tokens alternate between two backgrounds of
//! the Okabe–Ito palette (blue, orange); unknown tokens are vermillion (`class="u"`),
//! byte-fallback tokens yellow and underlined (`class="f"`, shown by their token string),
//! special tokens likewise (`class="x"`). Whitespace is made visible as in the terminal view
//! ([`crate::compare::show::visible`]). A token that shares a character with the token before
//! it (byte-level BPE pieces of one character) is an empty span drawn as a thin box.
//!
//! Size: a page shows at most [`crate::compare::HTML_BYTES`] of text in all (the first inputs,
//! each cut at a character boundary) and says so, so that it stays quick to open.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use crate::compare::CompareReport;
use crate::compare::show::{Piece, ShowBlock, TokenKind, printable, token_string_shown, visible};
use crate::render::{Render, Table};

/// Escapes text for HTML element content and double- or single-quoted attribute values:
/// `&`, `<`, `>`, `"` and `'` become character references. Other characters, including
/// U+FFFD from lossy decoding, are kept (the page is UTF-8); control characters are made
/// visible beforehand by [`visible`] where text is shown.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// [`escape`] of the visible form ([`visible`]) of a text: what input text and token strings
/// go through, so that no control character reaches the page.
fn shown(s: &str) -> String {
    escape(&visible(s))
}

/// [`escape`] of a label (title, path, table cell) with its control characters made visible
/// ([`printable`]).
fn label(s: &str) -> String {
    escape(&printable(s))
}

const STYLE: &str = "\
body{font:14px/1.4 system-ui,sans-serif;margin:0 1.5em 2em;color:#111;background:#fff}\
h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.5em}h3{font-size:1em;margin:.3em 0}\
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #bbb;padding:2px 8px}\
td.n{text-align:right}caption{text-align:left;font-weight:bold}.note{color:#444}\
.cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(22em,1fr));gap:1em}\
.toks{font:13px/1.8 ui-monospace,monospace;white-space:pre-wrap;word-break:break-all;\
border:1px solid #ccc;padding:.5em;margin:0}\
.toks span{background:#bfdcf0;border-radius:2px}\
.toks span:nth-of-type(even){background:#f5d99a}\
.toks span.u{background:#d55e00;color:#fff;font-weight:bold}\
.toks span.f,.toks span.x{background:#f0e442;text-decoration:underline}\
.toks i{font-style:normal;text-decoration:line-through;background:#666;color:#fff}\
.toks span:empty{display:inline-block;width:.35em;height:1.2em;vertical-align:text-bottom}\
.toks span:hover,.toks span:focus,.toks span.cur{outline:2px solid #000}\
#tip{position:sticky;top:0;background:#fff;border-bottom:1px solid #999;padding:6px 0;\
font:13px ui-monospace,monospace;z-index:1;min-height:1.2em}";

const SCRIPT: &str = "(function(){var tip=document.getElementById('tip'),cur=null;\
function show(e){var t=e.target;if(!t.dataset||t.dataset.id===undefined)return;\
if(cur)cur.classList.remove('cur');cur=t;t.classList.add('cur');\
var col=t.closest('[data-tokenizer]');\
tip.textContent=col.dataset.tokenizer+': id '+t.dataset.id+' \u{b7} token '+\
JSON.stringify(t.dataset.t)+' \u{b7} bytes '+t.dataset.s+'\u{2013}'+t.dataset.e;}\
document.addEventListener('mouseover',show);document.addEventListener('focusin',show);})();";

/// Standard base64 (RFC 4648, with padding), for the script hash of the security policy.
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= c.len() {
                out.push(ABC[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The Content-Security-Policy of the page: nothing from the network, inline style, and the
/// page's own script only (CSP Level 2 hash source).
fn security_policy() -> String {
    let hash = base64(&Sha256::digest(SCRIPT.as_bytes()));
    format!("default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{hash}'")
}

/// Appends a table: caption (the title), header, rows, notes.
fn push_table(out: &mut String, t: &Table) {
    out.push_str("<table>");
    if !t.title.is_empty() {
        let _ = write!(out, "<caption>{}</caption>", label(&t.title));
    }
    out.push_str("<thead><tr>");
    for h in &t.header {
        let _ = write!(out, "<th>{}</th>", label(h));
    }
    out.push_str("</tr></thead><tbody>");
    for row in &t.rows {
        out.push_str("<tr>");
        for c in row {
            let class = if c.is_numeric() { " class=\"n\"" } else { "" };
            let _ = write!(out, "<td{class}>{}</td>", label(&c.human()));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>\n");
    for n in &t.notes {
        let _ = writeln!(out, "<p class=\"note\">{}</p>", label(n));
    }
}

/// Appends one block: a column with the tokenizer's name, its counts, and its tokens.
fn push_block(out: &mut String, b: &ShowBlock) {
    let name = label(&b.tokenizer);
    let _ = write!(
        out,
        "<div class=\"col\" data-tokenizer=\"{name}\"><h3>{name}: {} tokens shown{}</h3><pre class=\"toks\">",
        b.tokens.len(),
        if b.truncated {
            format!(" (first {} bytes)", b.text.len())
        } else {
            String::new()
        }
    );
    for p in b.pieces() {
        match p {
            Piece::Uncovered(text) => {
                let _ = write!(
                    out,
                    "<i title=\"no token covers this text\">{}</i>",
                    shown(text)
                );
            }
            Piece::Token { index, text } => {
                let t = &b.tokens[index];
                let (class, body) = match t.kind {
                    TokenKind::Normal => ("", shown(text)),
                    TokenKind::Unknown => (" class=\"u\"", shown(text)),
                    TokenKind::ByteFallback => {
                        (" class=\"f\"", escape(&token_string_shown(&t.token, text)))
                    }
                    TokenKind::Special => {
                        (" class=\"x\"", escape(&token_string_shown(&t.token, text)))
                    }
                };
                let _ = write!(
                    out,
                    "<span{class} data-id=\"{}\" data-t=\"{}\" data-s=\"{}\" data-e=\"{}\" tabindex=\"0\">{body}</span>",
                    t.id,
                    label(&t.token),
                    t.start,
                    t.end
                );
            }
        }
    }
    out.push_str(if b.truncated { " …" } else { "" });
    out.push_str("</pre></div>\n");
}

/// Renders the page: `title`, then `tables` (counts, the overview), `notes`, and one section
/// per input with a column per tokenizer. Blocks of one input are consecutive in `blocks`.
pub fn render_page(
    title: &str,
    tables: &[Table],
    notes: &[String],
    blocks: &[ShowBlock],
) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        security_policy(),
        label(title),
        label(title)
    );
    for t in tables {
        push_table(&mut out, t);
    }
    for n in notes {
        let _ = writeln!(out, "<p class=\"note\">{}</p>", label(n));
    }
    out.push_str(
        "<div id=\"tip\" role=\"status\">Hover or focus a token for its id, token string and byte range.</div>\n",
    );
    for group in blocks.chunk_by(|a, b| a.path == b.path) {
        let _ = write!(
            out,
            "<section class=\"input\">\n<h2>{}</h2>\n<div class=\"cols\">\n",
            label(&group[0].path)
        );
        for b in group {
            push_block(&mut out, b);
        }
        out.push_str("</div>\n</section>\n");
    }
    let _ = write!(out, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
    out
}

/// The page of `tokstat compare --html`: the overview table, a note on what is shown, and the
/// tokens of [`CompareReport::show`].
pub fn compare_page(report: &CompareReport) -> String {
    let shown_inputs = report.show.chunk_by(|a, b| a.path == b.path).count();
    let note = format!(
        "Shown: {shown_inputs} of {} input(s), at most {} bytes of text in all; the table counts \
         every byte. Byte ranges are [start, end) offsets into each input, as `tokstat encode \
         --format json` gives them.",
        report.input_totals.files,
        crate::render::group_thousands(crate::compare::HTML_BYTES as i128),
    );
    let tables = report.tables();
    render_page(
        "tokstat compare: tokens",
        &tables[..1],
        &[note],
        &report.show,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenizer::Encoding;

    #[test]
    fn escape_hostile_strings() {
        assert_eq!(
            escape("<script>alert('x')</script>"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
        );
        assert_eq!(escape("a & b \"q\""), "a &amp; b &quot;q&quot;");
        assert_eq!(
            escape("</span><span data-id=\"1\">"),
            "&lt;/span&gt;&lt;span data-id=&quot;1&quot;&gt;"
        );
        // Already-escaped text is escaped again, not trusted.
        assert_eq!(escape("&lt;"), "&amp;lt;");
        // Controls are made visible before escaping; U+FFFD from lossy decoding is kept.
        assert_eq!(shown("\u{0}\u{1b}[31m\u{7f} "), "␀␛[31m␡·");
        assert_eq!(label("a b\u{1b}<"), "a b␛&lt;");
        let lossy = String::from_utf8_lossy(b"a\xff<b");
        assert_eq!(shown(&lossy), "a\u{fffd}&lt;b");
    }

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }

    /// A page built from hostile text holds no tag of its own beyond the page's: every `<` of
    /// the text and of token strings is escaped.
    #[test]
    fn hostile_text_stays_text() {
        let text = "<script>x</script>\"'&</span>\u{0}";
        let n = text.len();
        let enc = Encoding {
            ids: vec![7, 8],
            tokens: vec!["<script>".into(), "</span>\"".into()],
            offsets: vec![(0, 8), (8, n)],
            special: vec![false, false],
        };
        let b = ShowBlock::from_encoding("<b>.txt", "t\"><i>", text, &enc, None, 1 << 20);
        let page = render_page("T", &[], &[], &[b]);
        assert_eq!(
            page.matches("<script>").count(),
            1,
            "only the page's own script"
        );
        assert_eq!(page.matches("<span").count(), 2);
        assert!(!page.contains("<b>") && !page.contains("<i>"));
        assert!(page.contains("data-t=\"&lt;/span&gt;&quot;\""));
        assert!(page.contains("tabindex=\"0\">&lt;script&gt;</span>"));
        assert!(
            page.contains("tabindex=\"0\">x&lt;/script&gt;&quot;&#39;&amp;&lt;/span&gt;␀</span>")
        );
        assert!(!page.contains('\u{0}'));
    }
}
