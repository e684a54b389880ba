//! Output files written atomically: to a temporary file in the target directory, renamed over
//! the target only once complete, so that an interrupted or failed run leaves no partial file.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// A file being written; it appears at its path only after [`AtomicFile::commit`]. Dropped
/// without a commit (an error, Ctrl-C), the temporary file is removed.
pub struct AtomicFile {
    target: PathBuf,
    temp: PathBuf,
    out: Option<std::io::BufWriter<std::fs::File>>,
}

impl AtomicFile {
    /// Creates `.{name}.tmp-{pid}` beside `target`.
    pub fn create(target: &Path) -> Result<Self> {
        if target.file_name().is_none() {
            return Err(Error::InvalidArgument(format!(
                "{}: not a file name",
                target.display()
            )));
        }
        let temp = temp_path(target);
        let file = std::fs::File::create(&temp).map_err(|e| Error::io(target, e))?;
        Ok(AtomicFile {
            target: target.to_path_buf(),
            temp,
            out: Some(std::io::BufWriter::new(file)),
        })
    }

    /// Appends bytes.
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        match self.out.as_mut() {
            Some(w) => w.write_all(bytes).map_err(|e| Error::io(&self.target, e)),
            None => Ok(()),
        }
    }

    /// Flushes, syncs and renames the temporary file over the target.
    pub fn commit(mut self) -> Result<()> {
        if let Some(w) = self.out.take() {
            let file = w
                .into_inner()
                .map_err(|e| Error::io(&self.target, e.into_error()))?;
            file.sync_all().map_err(|e| Error::io(&self.target, e))?;
        }
        std::fs::rename(&self.temp, &self.target).map_err(|e| Error::io(&self.target, e))
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.out.take().is_some() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// The temporary sibling a file is written to before it is renamed into place.
pub(crate) fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

fn write_temp(path: &Path, contents: &[u8]) -> Result<PathBuf> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let tmp = temp_path(path);
    let written = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(contents).and_then(|()| f.sync_all()));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(tmp)
}

/// Writes `contents` to `path` atomically (temporary file in the same directory, then rename),
/// creating the directory if needed.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    write_all_atomic(&[(path.to_path_buf(), contents)])
}

/// Writes several files so that either all of them are replaced or none is: every file is first
/// written to a temporary sibling, and only when all are written are they renamed into place
/// (the renames take microseconds). On an error the temporary files are removed and the
/// previous files stay as they were.
pub fn write_all_atomic(files: &[(PathBuf, &[u8])]) -> Result<()> {
    let mut temps: Vec<PathBuf> = Vec::with_capacity(files.len());
    let cleanup = |temps: &[PathBuf]| {
        for t in temps {
            let _ = std::fs::remove_file(t);
        }
    };
    for (path, contents) in files {
        match write_temp(path, contents) {
            Ok(t) => temps.push(t),
            Err(e) => {
                cleanup(&temps);
                return Err(e);
            }
        }
    }
    for (k, ((path, _), tmp)) in files.iter().zip(&temps).enumerate() {
        if let Err(e) = std::fs::rename(tmp, path) {
            cleanup(&temps[k..]);
            return Err(Error::io(path, e));
        }
    }
    Ok(())
}

/// Most entries `tokstat` carries over from a directory it replaces (files it does not write
/// itself); more than that and the directory is probably not a report directory.
pub const MAX_CARRIED_ENTRIES: usize = 10_000;

/// Replaces the directory `dir` by a complete new tree, so that a failure or an interrupt at any
/// point leaves the previous tree exactly as it was.
///
/// The new tree is built aside, in `.{name}.tmp-{pid}` beside `dir`: the `files` (paths relative
/// to `dir`), plus every entry of the old tree that is not among them (hard-linked, or copied
/// across file systems, so that files the run does not write survive). Only when all of it is
/// written and synced is it swapped in: with one atomic exchange of the two directories on
/// Linux, else with two renames. The old tree is then removed. Temporary trees left by a killed
/// run are removed by the next one.
pub fn replace_dir_atomic(dir: &Path, files: &[(PathBuf, &[u8])]) -> Result<()> {
    let dir = if dir.exists() {
        dir.canonicalize().map_err(|e| Error::io(dir, e))?
    } else {
        dir.to_path_buf()
    };
    if dir.exists() && !dir.is_dir() {
        return Err(Error::InvalidArgument(format!(
            "{}: not a directory; pass a directory to write the report to",
            dir.display()
        )));
    }
    let Some(name) = dir.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Err(Error::InvalidArgument(format!(
            "{}: cannot replace this directory; pass a directory of its own for the report",
            dir.display()
        )));
    };
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
    remove_stale_trees(&parent, &name);
    let staging = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir(&staging).map_err(|e| Error::io(&staging, e))?;
    let guard = RemoveOnDrop(Some(staging.clone()));
    if dir.is_dir() {
        let written: std::collections::HashSet<&Path> =
            files.iter().map(|(p, _)| p.as_path()).collect();
        let mut carried = 0;
        carry_over(&dir, &staging, Path::new(""), &written, &mut carried)?;
    }
    for (rel, contents) in files {
        if rel.is_absolute()
            || rel
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            return Err(Error::InvalidArgument(format!(
                "{}: not a relative path inside {}",
                rel.display(),
                dir.display()
            )));
        }
        let path = staging.join(rel);
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d).map_err(|e| Error::io(dir.join(rel), e))?;
        }
        std::fs::File::create(&path)
            .and_then(|mut f| f.write_all(contents).and_then(|()| f.sync_all()))
            .map_err(|e| Error::io(dir.join(rel), e))?;
    }
    if dir.is_dir() {
        exchange_dirs(&staging, &dir)?;
        // `staging` now holds the old tree.
    } else {
        std::fs::rename(&staging, &dir).map_err(|e| Error::io(&dir, e))?;
        std::mem::forget(guard);
        return Ok(());
    }
    drop(guard);
    Ok(())
}

/// Removes the directory it holds when dropped (an error or a finished swap).
struct RemoveOnDrop(Option<PathBuf>);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_dir_all(p);
        }
    }
}

/// Removes `.{name}.tmp-{pid}` trees beside `name` whose process no longer runs.
fn remove_stale_trees(parent: &Path, name: &str) {
    let prefix = format!(".{name}.tmp-");
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for e in entries.flatten() {
        let file_name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = file_name.strip_prefix(&prefix) else {
            continue;
        };
        let alive = pid.parse::<u32>().is_ok_and(|pid| {
            pid == std::process::id() || Path::new("/proc").join(pid.to_string()).exists()
        });
        if !alive && e.file_type().is_ok_and(|t| t.is_dir()) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// Links (or copies) into `to` every entry of `from` that is not in `written`, recursively.
fn carry_over(
    from: &Path,
    to: &Path,
    rel: &Path,
    written: &std::collections::HashSet<&Path>,
    carried: &mut usize,
) -> Result<()> {
    let here = from.join(rel);
    for e in std::fs::read_dir(&here).map_err(|e| Error::io(&here, e))? {
        let e = e.map_err(|e| Error::io(&here, e))?;
        let rel = rel.join(e.file_name());
        let src = from.join(&rel);
        let dst = to.join(&rel);
        let kind = e.file_type().map_err(|e| Error::io(&src, e))?;
        if kind.is_dir() {
            std::fs::create_dir_all(&dst).map_err(|e| Error::io(&dst, e))?;
            carry_over(from, to, &rel, written, carried)?;
            continue;
        }
        if written.contains(rel.as_path()) {
            continue;
        }
        *carried += 1;
        if *carried > MAX_CARRIED_ENTRIES {
            return Err(Error::InvalidArgument(format!(
                "{}: holds more than {MAX_CARRIED_ENTRIES} files the report does not write; it does not look like a report directory, so it was left alone (pass --out with a directory of its own)",
                from.display()
            )));
        }
        let done = if kind.is_symlink() {
            std::fs::read_link(&src).and_then(|target| symlink(&target, &dst))
        } else {
            std::fs::hard_link(&src, &dst).or_else(|_| std::fs::copy(&src, &dst).map(|_| ()))
        };
        done.map_err(|e| Error::io(&src, e))?;
    }
    Ok(())
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::fs::copy(target, link).map(|_| ())
}

/// Swaps two directories: atomically with `renameat2(RENAME_EXCHANGE)` on Linux; elsewhere (or
/// on a file system without it) `b` is renamed aside, `a` into its place, and the old `b` to `a`.
fn exchange_dirs(a: &Path, b: &Path) -> Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::ffi::OsStrExt;
        let ca = std::ffi::CString::new(a.as_os_str().as_bytes());
        let cb = std::ffi::CString::new(b.as_os_str().as_bytes());
        if let (Ok(ca), Ok(cb)) = (ca, cb) {
            // SAFETY: both are valid NUL-terminated paths that outlive the call.
            let r = unsafe {
                libc::renameat2(
                    libc::AT_FDCWD,
                    ca.as_ptr(),
                    libc::AT_FDCWD,
                    cb.as_ptr(),
                    libc::RENAME_EXCHANGE,
                )
            };
            if r == 0 {
                return Ok(());
            }
        }
    }
    let aside = a.with_file_name(format!(
        "{}.old",
        a.file_name().unwrap_or_default().to_string_lossy()
    ));
    std::fs::rename(b, &aside).map_err(|e| Error::io(b, e))?;
    if let Err(e) = std::fs::rename(a, b) {
        let _ = std::fs::rename(&aside, b);
        return Err(Error::io(b, e));
    }
    std::fs::rename(&aside, a).map_err(|e| Error::io(a, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appears_only_on_commit() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.jsonl");
        let mut f = AtomicFile::create(&p).unwrap();
        f.write_all(b"a\n").unwrap();
        assert!(!p.exists());
        f.commit().unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"a\n");
        let mut g = AtomicFile::create(&p).unwrap();
        g.write_all(b"partial").unwrap();
        drop(g);
        assert_eq!(std::fs::read(&p).unwrap(), b"a\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_tree_is_replaced_whole_or_not_at_all() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("reports");
        let files = |x: &'static [u8]| {
            vec![
                (PathBuf::from("README.md"), x),
                (PathBuf::from("data/a.json"), x),
            ]
        };
        replace_dir_atomic(&dir, &files(b"one")).unwrap();
        std::fs::write(dir.join("notes.txt"), "mine").unwrap();
        replace_dir_atomic(&dir, &files(b"two")).unwrap();
        assert_eq!(std::fs::read(dir.join("data/a.json")).unwrap(), b"two");
        assert_eq!(std::fs::read(dir.join("notes.txt")).unwrap(), b"mine");
        // A later file cannot be written (its directory is a file): the old tree stays whole.
        let mut bad = files(b"three");
        bad.push((PathBuf::from("notes.txt/x"), b"y"));
        assert!(replace_dir_atomic(&dir, &bad).is_err());
        assert_eq!(std::fs::read(dir.join("README.md")).unwrap(), b"two");
        assert_eq!(std::fs::read(dir.join("data/a.json")).unwrap(), b"two");
        let names: Vec<String> = std::fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["reports"], "no temporary tree left");
        // A stale tree of a killed run is removed by the next run.
        let stale = root.path().join(".reports.tmp-999999999");
        std::fs::create_dir(&stale).unwrap();
        replace_dir_atomic(&dir, &files(b"four")).unwrap();
        assert!(!stale.exists());
    }

    #[test]
    fn all_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.txt");
        let b = dir.path().join("sub/b.txt");
        write_all_atomic(&[(a.clone(), b"one"), (b.clone(), b"two")]).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"one");
        assert_eq!(std::fs::read(&b).unwrap(), b"two");
        // A file that cannot be written (its directory would be a file): nothing changes, and
        // no temporary file is left.
        let e = write_all_atomic(&[(a.clone(), b"new"), (a.join("inner.txt"), b"y")]);
        assert!(e.is_err());
        assert_eq!(std::fs::read(&a).unwrap(), b"one");
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.contains(".tmp-")), "{names:?}");
    }
}
