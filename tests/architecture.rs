//! The module arrows `ARCHITECTURE.md` forbids, checked on the source: a module's non-test code
//! (everything before its `#[cfg(test)]` block, comments left out) must not name a module it may
//! not depend on.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::root;

/// (module, modules it must never use).
const FORBIDDEN: &[(&str, &[&str])] = &[
    ("input", FEATURES_AND_ABOVE),
    ("output", FEATURES_AND_ABOVE),
    ("units", FEATURES_AND_ABOVE),
    ("wire", FEATURES_AND_ABOVE),
    ("render", FEATURES_AND_ABOVE),
    ("tokenizer", FEATURES_AND_ABOVE),
    (
        "analysis",
        &[
            "budget",
            "compare",
            "vocab",
            "parity",
            "retrieval",
            "encoder",
            "pairs",
            "tiling",
            "reproduction",
            "cli",
        ],
    ),
    (
        "encoder",
        &[
            "tokenizer",
            "analysis",
            "retrieval",
            "compare",
            "vocab",
            "parity",
            "pairs",
            "budget",
            "tiling",
            "reproduction",
            "cli",
        ],
    ),
    (
        "budget",
        &[
            "analysis",
            "compare",
            "vocab",
            "parity",
            "retrieval",
            "encoder",
            "pairs",
            "tiling",
            "reproduction",
            "cli",
        ],
    ),
    (
        "compare",
        &[
            "vocab",
            "parity",
            "retrieval",
            "encoder",
            "pairs",
            "budget",
            "tiling",
            "reproduction",
            "cli",
        ],
    ),
    (
        "parity",
        &[
            "compare",
            "vocab",
            "retrieval",
            "encoder",
            "pairs",
            "budget",
            "tiling",
            "reproduction",
            "cli",
        ],
    ),
    (
        "vocab",
        &[
            "compare",
            "parity",
            "retrieval",
            "encoder",
            "pairs",
            "tiling",
            "reproduction",
            "cli",
        ],
    ),
    (
        "retrieval",
        &[
            "analysis",
            "compare",
            "vocab",
            "parity",
            "pairs",
            "budget",
            "tiling",
            "reproduction",
            "cli",
        ],
    ),
    (
        "pairs",
        &[
            "analysis",
            "compare",
            "vocab",
            "parity",
            "encoder",
            "budget",
            "tiling",
            "reproduction",
            "cli",
        ],
    ),
    (
        "html",
        &[
            "vocab",
            "parity",
            "retrieval",
            "encoder",
            "pairs",
            "budget",
            "tiling",
            "reproduction",
            "cli",
        ],
    ),
    (
        "tiling",
        &[
            "analysis",
            "compare",
            "vocab",
            "parity",
            "pairs",
            "budget",
            "reproduction",
            "cli",
        ],
    ),
    ("reproduction", &["cli"]),
];

/// Every module above the foundations (`input`, `output`, `units`, `render`, `tokenizer`).
const FEATURES_AND_ABOVE: &[&str] = &[
    "analysis",
    "budget",
    "compare",
    "vocab",
    "parity",
    "retrieval",
    "encoder",
    "pairs",
    "tiling",
    "reproduction",
    "cli",
];

/// The source files of a module: `src/<m>.rs` or everything under `src/<m>/`.
fn files(module: &str) -> Vec<std::path::PathBuf> {
    let single = root().join("src").join(format!("{module}.rs"));
    if single.exists() {
        return vec![single];
    }
    let mut out = Vec::new();
    let mut stack = vec![root().join("src").join(module)];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    assert!(!out.is_empty(), "no sources for module {module}");
    out
}

/// The crate modules a file's non-test code names (`crate::m` and `crate::{m, ...}`).
fn used_modules(path: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let code = text.split("#[cfg(test)]").next().unwrap();
    let code: String = code
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut used = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for item in group.split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                used.insert(name);
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            used.insert(name);
        }
    }
    used
}

#[test]
fn no_forbidden_module_arrows() {
    let mut violations = Vec::new();
    for (module, forbidden) in FORBIDDEN {
        for path in files(module) {
            for used in used_modules(&path) {
                if forbidden.contains(&used.as_str()) {
                    violations.push(format!("{} uses crate::{used}", path.display()));
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "forbidden arrows:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_checker_sees_an_arrow() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.rs");
    std::fs::write(&path, "use crate::{cli, render::Table};\nfn f() { crate::encoder::x(); }\n// crate::vocab\n#[cfg(test)]\nmod tests { use crate::pairs; }\n").unwrap();
    let used: Vec<String> = used_modules(&path).into_iter().collect();
    assert_eq!(used, ["cli", "encoder", "render"]);
}
