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
