//! The query of a pair: the first paragraph of the documentation, cleaned of markup, and the
//! filters that drop unusable queries (the CodeSearchNet and CodeXGLUE rules, as listed in
//! `corpora/code-retrieval/README.md`).

use super::Language;

/// The first paragraph of documentation text (comment markers already removed): leading blank
/// lines skipped, then lines up to a blank line, an indented block (a line indented 2 or more
/// columns deeper than the first: a code example) or the start of a section (block tags,
/// `Args:`, `>>>`, `<pre>`, ...). A JSDoc `@description` is used when present.
pub fn first_paragraph(language: Language, doc: &str) -> String {
    let doc = if language == Language::Ruby {
        drop_call_seq(doc)
    } else {
        doc.to_string()
    };
    let lines: Vec<&str> = doc.lines().collect();
    if language == Language::Javascript
        && let Some(desc) = jsdoc_description(&lines)
    {
        return desc;
    }
    let Some(start) = lines.iter().position(|l| !l.trim().is_empty()) else {
        return String::new();
    };
    let base = columns(lines[start]);
    let mut out: Vec<&str> = Vec::new();
    for (i, line) in lines[start..].iter().enumerate() {
        let t = line.trim();
        if t.is_empty() || (i > 0 && columns(line) >= base + 2) {
            break;
        }
        let t = if i == 0 {
            strip_leading_p(language, t)
        } else {
            t
        };
        if starts_section(language, t) {
            break;
        }
        out.push(t);
    }
    out.join(" ")
}

/// Indentation in columns (a tab advances to the next multiple of 8).
fn columns(line: &str) -> usize {
    let mut col = 0;
    for c in line.chars() {
        match c {
            ' ' => col += 1,
            '\t' => col += 8 - col % 8,
            _ => break,
        }
    }
    col
}

fn strip_leading_p(language: Language, t: &str) -> &str {
    if matches!(
        language,
        Language::Java | Language::Javascript | Language::Php
    ) {
        let lower = t.get(..3).map(str::to_ascii_lowercase);
        if lower.as_deref() == Some("<p>") {
            return t[3..].trim_start();
        }
    }
    t
}

/// The text of a JSDoc `@description` tag (to the next tag or blank line), if any.
fn jsdoc_description(lines: &[&str]) -> Option<String> {
    let at = lines
        .iter()
        .position(|l| l.trim_start().starts_with("@description"))?;
    let first = lines[at].trim_start()["@description".len()..].trim();
    let mut out = vec![first];
    for l in &lines[at + 1..] {
        let t = l.trim();
        if t.is_empty() || t.starts_with('@') {
            break;
        }
        out.push(t);
    }
    Some(out.join(" ").trim().to_string())
}

/// Removes RDoc `call-seq:` blocks (the directive line and the lines up to the next blank).
fn drop_call_seq(doc: &str) -> String {
    let mut out = Vec::new();
    let mut in_block = false;
    for line in doc.lines() {
        let t = line.trim();
        if t == ":call-seq:" || t == "call-seq:" {
            in_block = true;
            continue;
        }
        if in_block {
            if t.is_empty() {
                in_block = false;
            }
            continue;
        }
        out.push(line);
    }
    out.join("\n")
}

const PYTHON_SECTIONS: [&str; 22] = [
    "args",
    "arguments",
    "parameters",
    "params",
    "returns",
    "return",
    "yields",
    "yield",
    "raises",
    "raise",
    "examples",
    "example",
    "notes",
    "note",
    "see also",
    "attributes",
    "keyword args",
    "keyword arguments",
    "other parameters",
    "references",
    "warning",
    "warnings",
];

const PYTHON_FIELDS: [&str; 18] = [
    ":param",
    ":parameter",
    ":arg",
    ":argument",
    ":key",
    ":keyword",
    ":type",
    ":raises",
    ":raise",
    ":except",
    ":exception",
    ":return",
    ":returns",
    ":rtype",
    ":yield",
    ":yields",
    ":ivar",
    ":var",
];

const RUBY_SECTIONS: [&str; 8] = [
    "example",
    "examples",
    "usage",
    "options",
    "example:",
    "examples:",
    "usage:",
    "options:",
];

/// Whether a (trimmed) line starts a section that ends the first paragraph.
fn starts_section(language: Language, t: &str) -> bool {
    let lower = t.to_ascii_lowercase();
    if t.starts_with("```") || t.starts_with("~~~") {
        return true;
    }
    match language {
        Language::Java | Language::Javascript | Language::Php => {
            t.starts_with('@')
                || [
                    "<p>",
                    "<p ",
                    "<p/",
                    "<pre",
                    "<ul",
                    "<ol",
                    "<table",
                    "<dl",
                    "<blockquote",
                ]
                .iter()
                .any(|p| lower.starts_with(p))
                || (lower.starts_with("<h") && lower[2..].starts_with(|c: char| c.is_ascii_digit()))
        }
        Language::Python => {
            let head = lower.trim_end_matches(':').trim();
            PYTHON_SECTIONS.contains(&head)
                || PYTHON_FIELDS
                    .iter()
                    .any(|f| lower.starts_with(f) && lower[f.len()..].starts_with([' ', ':']))
                || t.starts_with(">>>")
                || t.starts_with(".. ")
                || (t.len() >= 3 && t.chars().all(|c| matches!(c, '-' | '=' | '~')))
        }
        Language::Ruby => {
            t.starts_with('@') || t.starts_with('=') || RUBY_SECTIONS.contains(&lower.as_str())
        }
        Language::Go => false,
    }
}

/// Removes the language's documentation markup from a paragraph and collapses whitespace.
pub fn clean(language: Language, paragraph: &str) -> String {
    let s = match language {
        Language::Java | Language::Php => {
            unescape_entities(&strip_html_tags(&inline_tags(paragraph)))
        }
        Language::Javascript => strip_backticks(&unescape_entities(&strip_html_tags(
            &inline_tags(paragraph),
        ))),
        Language::Python => strip_backticks(&rest_roles(paragraph)),
        Language::Ruby => strip_backticks(&unescape_entities(&strip_html_tags(&rdoc_markup(
            paragraph,
        )))),
        Language::Go => go_doc_links(paragraph),
    };
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Javadoc/JSDoc inline tags: `{@code x}` → `x`, `{@link A#b label}` → `label`, else `b`
/// (or `A` without a member).
fn inline_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find("{@") {
        out.push_str(&rest[..at]);
        let inner_start = at + 2;
        let Some(close) = matching_brace(&rest[inner_start..]) else {
            out.push_str(&rest[at..]);
            return out;
        };
        let inner = &rest[inner_start..inner_start + close];
        let (tag, body) = inner.split_once(char::is_whitespace).unwrap_or((inner, ""));
        out.push_str(&inline_tag_text(tag, body.trim()));
        rest = &rest[inner_start + close + 1..];
    }
    out.push_str(rest);
    out
}

fn matching_brace(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

fn inline_tag_text(tag: &str, body: &str) -> String {
    match tag {
        "link" | "linkplain" | "linkcode" | "see" => {
            let (target, label) = split_link(body);
            if !label.is_empty() {
                return label.to_string();
            }
            match target.split_once('#') {
                Some((_, member)) if !member.is_empty() => member.to_string(),
                Some((class, _)) => class.to_string(),
                None => target.to_string(),
            }
        }
        "inheritDoc" | "inheritdoc" => String::new(),
        _ => body.to_string(),
    }
}

/// `A#b(int, long) label` → (`A#b(int, long)`, `label`); JSDoc `A|label` too.
fn split_link(body: &str) -> (&str, &str) {
    if let Some((t, l)) = body.split_once('|') {
        return (t.trim(), l.trim());
    }
    let mut depth = 0usize;
    for (i, c) in body.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            c if c.is_whitespace() && depth == 0 => return (&body[..i], body[i..].trim()),
            _ => {}
        }
    }
    (body, "")
}

/// Removes HTML tags (`<b>`, `</a>`, `<br/>`); a `<` not followed by a tag name stays.
fn strip_html_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let after = &rest[lt + 1..];
        let is_tag = after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!');
        match after.find('>') {
            Some(gt) if is_tag && !after[..gt].contains('<') => rest = &after[gt + 1..],
            _ => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` `&nbsp;` and numeric character references.
fn unescape_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let decoded = after
            .find(';')
            .filter(|&semi| semi <= 10)
            .and_then(|semi| entity(&after[..semi]).map(|c| (c, semi)));
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some(' '),
        "mdash" => Some('—'),
        "ndash" => Some('–'),
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

/// reST roles: ``:func:`x` `` and ``:py:meth:`~a.b` `` → the target text.
fn rest_roles(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(colon) = rest.find(':') {
        let after = &rest[colon + 1..];
        let role_len = after.find(":`").filter(|&e| {
            e > 0
                && after[..e]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == ':' || c == '-' || c == '_')
        });
        match role_len {
            Some(e) => {
                out.push_str(&rest[..colon]);
                rest = &after[e + 1..];
            }
            None => {
                out.push_str(&rest[..=colon]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn strip_backticks(s: &str) -> String {
    s.replace('`', "")
}

/// RDoc markup: `+x+`, `*x*` and `_x_` around a word, `\` escapes and `:directives:`.
fn rdoc_markup(s: &str) -> String {
    let words: Vec<String> = s
        .split(' ')
        .filter(|w| !is_rdoc_directive(w))
        .map(|w| {
            let mut w = w.to_string();
            for m in ['+', '*', '_'] {
                w = unwrap_marked(&w, m);
            }
            w
        })
        .collect();
    unbackslash(&words.join(" "))
}

fn is_rdoc_directive(w: &str) -> bool {
    w.len() > 2
        && w.starts_with(':')
        && w.ends_with(':')
        && w[1..w.len() - 1]
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '-' || c == '_')
}

/// `+x+` → `x` when the markers enclose a word (trailing punctuation allowed).
fn unwrap_marked(w: &str, m: char) -> String {
    let core_end = w
        .trim_end_matches(['.', ',', ';', ':', ')', '?', '!'])
        .len();
    let (core, tail) = w.split_at(core_end);
    let lead = core.len() - core.trim_start_matches(['(', '"', '\'']).len();
    let (head, core) = core.split_at(lead);
    if core.len() > 2 && core.starts_with(m) && core.ends_with(m) {
        let inner = &core[1..core.len() - 1];
        if !inner.contains(m) && !inner.starts_with(' ') {
            return format!("{head}{inner}{tail}");
        }
    }
    w.to_string()
}

fn unbackslash(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Go doc links: `[Name]`, `[pkg.Name]`, `[*T.M]` → the name.
fn go_doc_links(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find('[') {
        let prev_ok = !rest[..open]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ']' || c == ')');
        let after = &rest[open + 1..];
        let close = after.find(']');
        match close {
            Some(c)
                if prev_ok
                    && c > 0
                    && after[..c]
                        .trim_start_matches('*')
                        .starts_with(|ch: char| ch.is_alphabetic())
                    && after[..c].chars().all(|ch| {
                        ch.is_alphanumeric() || ch == '_' || ch == '.' || ch == '*' || ch == '/'
                    }) =>
            {
                out.push_str(&rest[..open]);
                out.push_str(&after[..c]);
                rest = &after[c + 1..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Why a query is not used, if it is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryRejection {
    /// Fewer than 3 or more than 256 whitespace-separated tokens.
    Length,
    /// Contains `http://`, `https://` or `<img` (the CodeXGLUE filter).
    Url,
    /// Starts with TODO, FIXME, XXX, Deprecated, inheritDoc, :nodoc:, See, copydoc, ...
    Boilerplate,
    /// More than 10 % of its letters are non-ASCII (not English).
    NonEnglish,
    /// A run of 5 or more of `* = # / _ ~ -`, or under 60 % letters, digits and spaces.
    Symbols,
}

const BOILERPLATE: [&str; 10] = [
    "todo",
    "fixme",
    "xxx",
    "deprecated",
    "@deprecated",
    "inheritdoc",
    ":nodoc:",
    "see",
    "copydoc",
    "(non-javadoc)",
];

/// Checks a cleaned query against the filters.
pub fn rejection(query: &str) -> Option<QueryRejection> {
    let tokens = query.split_whitespace().count();
    if !(3..=256).contains(&tokens) {
        return Some(QueryRejection::Length);
    }
    let lower = query.to_lowercase();
    if lower.contains("http://") || lower.contains("https://") || lower.contains("<img") {
        return Some(QueryRejection::Url);
    }
    let first = lower.split_whitespace().next().unwrap_or("");
    let first = first
        .trim_start_matches(['{', '@'])
        .trim_end_matches([':', '.', ',', '}']);
    let first_raw = lower.split_whitespace().next().unwrap_or("");
    if BOILERPLATE
        .iter()
        .any(|b| first == b.trim_start_matches('@') || first_raw == *b)
    {
        return Some(QueryRejection::Boilerplate);
    }
    let letters = query.chars().filter(|c| c.is_alphabetic()).count();
    let foreign = query
        .chars()
        .filter(|c| c.is_alphabetic() && !c.is_ascii())
        .count();
    if letters > 0 && foreign * 10 > letters {
        return Some(QueryRejection::NonEnglish);
    }
    if has_symbol_run(query) {
        return Some(QueryRejection::Symbols);
    }
    let chars = query.chars().count();
    let plain = query
        .chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .count();
    if plain * 10 < chars * 6 {
        return Some(QueryRejection::Symbols);
    }
    None
}

fn has_symbol_run(s: &str) -> bool {
    let mut run = 0;
    for c in s.chars() {
        if "*=#/_~-".contains(c) {
            run += 1;
            if run >= 5 {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn javadoc_paragraph_and_tags() {
        let doc = "Returns the {@code int} value of {@link Foo#bar(int) the bar}.\nMore words.\n<p>Details.\n@param x the x";
        let p = first_paragraph(Language::Java, doc);
        assert_eq!(
            clean(Language::Java, &p),
            "Returns the int value of the bar. More words."
        );
        assert_eq!(
            clean(Language::Java, "See {@link Map#get} and {@link List}."),
            "See get and List."
        );
        assert_eq!(clean(Language::Java, "a &lt;b&gt; <i>c</i>"), "a <b> c");
    }

    #[test]
    fn python_sections_and_roles() {
        let doc = "Return the :func:`len` of ``x``.\n\nArgs:\n  x: thing";
        assert_eq!(
            clean(Language::Python, &first_paragraph(Language::Python, doc)),
            "Return the len of x."
        );
        assert_eq!(
            first_paragraph(Language::Python, "Compute x.\n>>> f(1)\n1"),
            "Compute x."
        );
        assert_eq!(
            first_paragraph(Language::Python, "Compute x\n    indented example"),
            "Compute x"
        );
    }

    #[test]
    fn ruby_markup_and_call_seq() {
        let doc = "call-seq:\n  set.add(o) -> self\n\nAdds +o+ to the *set*. :nodoc:";
        let p = first_paragraph(Language::Ruby, doc);
        assert_eq!(clean(Language::Ruby, &p), "Adds o to the set.");
    }

    #[test]
    fn go_links() {
        assert_eq!(
            clean(Language::Go, "Reset calls [Reader.Reset] on b[i]."),
            "Reset calls Reader.Reset on b[i]."
        );
    }

    #[test]
    fn filters() {
        assert_eq!(rejection("Too short"), Some(QueryRejection::Length));
        assert_eq!(
            rejection("See the other method here"),
            Some(QueryRejection::Boilerplate)
        );
        assert_eq!(rejection("Seeks to the given offset"), None);
        assert_eq!(
            rejection("Returns the value ===== here"),
            Some(QueryRejection::Symbols)
        );
        assert_eq!(
            rejection("Gibt den Wert zurück für äöü ßäö"),
            Some(QueryRejection::NonEnglish)
        );
        assert_eq!(
            rejection("Fetch https://example.org now"),
            Some(QueryRejection::Url)
        );
    }
}
