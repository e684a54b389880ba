//! The one input walker: command-line paths → the files to read, in a fixed order.
//!
//! Every command that accepts directories (`compare`, `vocab --corpus`, `parity --corpus`,
//! `retrieval --data`, `report`) expands them here, with one policy:
//!
//! - **Named paths.** A file named on the command line is always read, whatever its name; `-`
//!   is standard input; a path that does not exist is an error naming it.
//! - **Ignore rules.** Below a directory, the rules of the [`ignore`] crate (the walker of
//!   ripgrep) apply: `.gitignore`, `.ignore` and `.git/info/exclude` files in the tree and in its
//!   parent directories, and hidden files and folders (names starting with `.`) are left out.
//!   `.gitignore` is honoured **whether or not the tree is inside a git repository**
//!   (`require_git(false)`): an exported tree (a release tarball, a crate in
//!   `~/.cargo/registry/src`) is measured like the checkout it came from. The user's global
//!   gitignore (`core.excludesFile`) is **not** read, so the result depends only on the files
//!   in and above the tree, not on who runs the command. Folder names such as `target`,
//!   `build`, `dist` or `out` carry no meaning of their own.
//! - **`--no-ignore`** ([`WalkOptions::no_ignore`]) reads everything: no ignore files, hidden
//!   entries included. Version-control metadata ([`VCS_DIRS`]) is still left out.
//! - **Symbolic links** to files are read; links to directories are not followed (no cycles)
//!   and are reported as skipped ([`SkipReason::NotRegularFile`]), like sockets and FIFOs.
//! - **Read errors** while walking (a folder without permission) skip that path with
//!   [`SkipReason::Unreadable`]; the walk goes on.
//! - **Order.** Entries are visited depth first, each folder's entries sorted by name (bytes),
//!   so the same tree always gives the same order and the same output.
//!
//! Binary and non-UTF-8 content is found when a file is read ([`super::decode_text`]); the
//! commands skip such files with [`Skipped::from_error`] under the same rule.

use std::path::{Path, PathBuf};

use crate::{Error, Result};

use super::skip::{SkipReason, Skipped};

/// Version-control metadata, never entered, even with `--no-ignore`.
pub const VCS_DIRS: &[&str] = &[".git", ".hg", ".svn", ".bzr", "_darcs", ".jj"];

/// How directories are walked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WalkOptions {
    /// Ignore no file: no `.gitignore`/`.ignore` rules, hidden entries included (`--no-ignore`).
    pub no_ignore: bool,
    /// How deep to go below each directory given (`Some(1)`: its own files only).
    pub max_depth: Option<usize>,
}

/// A file to read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FoundFile {
    /// Where it is.
    pub path: PathBuf,
    /// Its name in messages and reports: the path the user gave, joined with the path below it.
    pub display: String,
    /// Size in bytes when walked (0 if unknown).
    pub size: u64,
    /// Named on the command line (not found by walking a directory).
    pub named: bool,
}

/// What the walker yields.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Found {
    /// A file to read.
    File(FoundFile),
    /// Standard input (`-`).
    Stdin,
    /// A path left out while walking, with the reason.
    Skipped(Skipped),
}

/// Iterates over the inputs of command-line paths (see the module docs). Lazy: the tree is read
/// as the iterator advances, so memory does not grow with the number of files.
pub struct Walker {
    args: std::collections::VecDeque<String>,
    current: Option<ignore::Walk>,
    opts: WalkOptions,
}

impl Walker {
    /// Walks `paths` in the order given.
    pub fn new(paths: &[String], opts: WalkOptions) -> Self {
        Walker {
            args: paths.iter().cloned().collect(),
            current: None,
            opts,
        }
    }

    fn named(&mut self, arg: String) -> Result<Option<Found>> {
        if arg == "-" {
            return Ok(Some(Found::Stdin));
        }
        let path = PathBuf::from(&arg);
        let meta = std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?;
        if meta.is_dir() {
            self.current = Some(builder(&path, self.opts).build());
            return Ok(None);
        }
        Ok(Some(Found::File(FoundFile {
            path,
            display: arg,
            size: meta.len(),
            named: true,
        })))
    }
}

impl Iterator for Walker {
    type Item = Result<Found>;

    fn next(&mut self) -> Option<Result<Found>> {
        loop {
            if let Some(walk) = self.current.as_mut() {
                match walk.next() {
                    Some(entry) => match found(entry) {
                        Some(f) => return Some(Ok(f)),
                        None => continue,
                    },
                    None => self.current = None,
                }
            }
            let arg = self.args.pop_front()?;
            match self.named(arg) {
                Ok(Some(f)) => return Some(Ok(f)),
                Ok(None) => continue,
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

/// The files of `paths` (standard input excluded) with the skipped entries, in walk order: for
/// commands that read a small set of files whole (`parity`, `retrieval`, `report`).
pub fn files(paths: &[String], opts: WalkOptions) -> Result<(Vec<FoundFile>, Vec<Skipped>)> {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for f in Walker::new(paths, opts) {
        match f? {
            Found::File(f) => files.push(f),
            Found::Skipped(s) => skipped.push(s),
            Found::Stdin => {}
        }
    }
    Ok((files, skipped))
}

fn builder(root: &Path, opts: WalkOptions) -> ignore::WalkBuilder {
    let mut b = ignore::WalkBuilder::new(root);
    b.standard_filters(!opts.no_ignore)
        .git_global(false)
        .require_git(false)
        .follow_links(false)
        .max_depth(opts.max_depth)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(|e| {
            !e.file_name()
                .to_str()
                .is_some_and(|n| VCS_DIRS.contains(&n))
        });
    b
}

/// Turns one walk entry into a file, a skip, or nothing (directories).
fn found(entry: std::result::Result<ignore::DirEntry, ignore::Error>) -> Option<Found> {
    let entry = match entry {
        Ok(e) => e,
        Err(e) => return Some(Found::Skipped(walk_error(&e))),
    };
    let ft = entry.file_type()?;
    if ft.is_dir() {
        return None;
    }
    let path = entry.into_path();
    let display = path.display().to_string();
    let skipped = |reason, detail: String| {
        Some(Found::Skipped(Skipped {
            path: display.clone(),
            reason,
            detail,
        }))
    };
    // Follows a symbolic link to its target (a link to a file is read like the file).
    match std::fs::metadata(&path) {
        Ok(m) if m.is_file() => Some(Found::File(FoundFile {
            path,
            display: display.clone(),
            size: m.len(),
            named: false,
        })),
        Ok(m) if m.is_dir() => skipped(
            SkipReason::NotRegularFile,
            "symbolic link to a directory (not followed)".into(),
        ),
        Ok(_) => skipped(SkipReason::NotRegularFile, "not a regular file".into()),
        Err(e) => skipped(SkipReason::Unreadable, e.to_string()),
    }
}

fn walk_error(e: &ignore::Error) -> Skipped {
    Skipped {
        path: error_path(e).map_or_else(String::new, |p| p.display().to_string()),
        reason: SkipReason::Unreadable,
        detail: e.to_string(),
    }
}

fn error_path(e: &ignore::Error) -> Option<&Path> {
    match e {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn names(root: &Path, opts: WalkOptions) -> Vec<String> {
        let (files, _) = files(&[root.display().to_string()], opts).unwrap();
        files
            .iter()
            .map(|f| {
                f.path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect()
    }

    #[test]
    fn ignore_rules_and_hidden_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in [
            "b.rs",
            "a.rs",
            "target/debug/x.rs",
            "build/gen.rs",
            "gen/skip.rs",
            "notes.tmp",
            ".hidden/h.rs",
            ".git/config",
        ] {
            write(root, f, "x\n");
        }
        write(root, ".gitignore", "gen/\n");
        write(root, ".ignore", "*.tmp\n");
        // No git repository here: .gitignore is honoured all the same (require_git(false)).
        assert_eq!(
            names(root, WalkOptions::default()),
            ["a.rs", "b.rs", "build/gen.rs", "target/debug/x.rs"]
        );
        let all = names(
            root,
            WalkOptions {
                no_ignore: true,
                max_depth: None,
            },
        );
        assert_eq!(
            all,
            [
                ".gitignore",
                ".hidden/h.rs",
                ".ignore",
                "a.rs",
                "b.rs",
                "build/gen.rs",
                "gen/skip.rs",
                "notes.tmp",
                "target/debug/x.rs"
            ]
        );
        let top = names(
            root,
            WalkOptions {
                no_ignore: false,
                max_depth: Some(1),
            },
        );
        assert_eq!(top, ["a.rs", "b.rs"]);
    }

    #[test]
    fn named_files_are_kept_and_missing_paths_fail() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), ".hidden.rs", "x\n");
        let p = dir.path().join(".hidden.rs").display().to_string();
        let (files, _) = files(std::slice::from_ref(&p), WalkOptions::default()).unwrap();
        assert_eq!(files.len(), 1);
        assert!(files[0].named);
        let e = files_err("no/such/dir");
        assert!(e.starts_with("no/such/dir:"), "{e}");
    }

    fn files_err(p: &str) -> String {
        files(&[p.to_string()], WalkOptions::default())
            .unwrap_err()
            .to_string()
    }

    #[cfg(unix)]
    #[test]
    fn symlinked_directories_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "real/a.rs", "x\n");
        std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join("link")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("real/a.rs"), dir.path().join("b.rs")).unwrap();
        let (files, skipped) =
            files(&[dir.path().display().to_string()], WalkOptions::default()).unwrap();
        assert_eq!(files.len(), 2, "{files:?}");
        assert_eq!(skipped.len(), 1);
        assert_eq!(skipped[0].reason, SkipReason::NotRegularFile);
        assert!(skipped[0].path.ends_with("link"));
    }
}
