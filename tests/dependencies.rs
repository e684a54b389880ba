//! Every dependency in `Cargo.toml` is used: a `[dependencies]` crate is named in `src/`, a
//! `[dev-dependencies]` crate in `tests/`, `benches/` or the unit tests of `src/` (the job
//! `cargo machete` does, without installing it).

mod common;

use common::root;

/// The crate names (as Rust spells them) of one table of `Cargo.toml`.
fn table(manifest: &str, name: &str) -> Vec<String> {
    let header = format!("[{name}]");
    let Some(start) = manifest.find(&header) else {
        return Vec::new();
    };
    manifest[start + header.len()..]
        .lines()
        .take_while(|l| !l.starts_with('['))
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim()))
        .filter(|k| !k.is_empty() && !k.starts_with('#'))
        .map(|k| k.replace('-', "_"))
        .collect()
}

/// All Rust source text under the given folders of the checkout.
fn sources(folders: &[&str]) -> String {
    let mut text = String::new();
    let mut stack: Vec<_> = folders.iter().map(|f| root().join(f)).collect();
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else if p.extension().is_some_and(|x| x == "rs") {
            text.push_str(&std::fs::read_to_string(&p).unwrap());
        }
    }
    text
}

fn unused(deps: &[String], code: &str) -> Vec<String> {
    deps.iter()
        .filter(|d| {
            !code.contains(&format!("{d}::"))
                && !code.contains(&format!("use {d}"))
                && !code.contains(&format!("extern crate {d}"))
        })
        .cloned()
        .collect()
}

#[test]
fn every_dependency_is_used() {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let deps = table(&manifest, "dependencies");
    assert!(deps.len() > 10, "parsed {deps:?}");
    assert_eq!(unused(&deps, &sources(&["src"])), Vec::<String>::new());
    let dev = table(&manifest, "dev-dependencies");
    assert!(!dev.is_empty());
    assert_eq!(
        unused(&dev, &sources(&["tests", "benches", "src"])),
        Vec::<String>::new()
    );
}
