//! The local Hugging Face hub cache, read the way `huggingface_hub` lays it out.
//!
//! ```text
//! $HF_HUB_CACHE (else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub)
//! └── models--<org>--<name>/
//!     ├── refs/main                 the commit hash the revision `main` points to
//!     ├── snapshots/<commit>/tokenizer.json   (a link into blobs/)
//!     └── blobs/<etag>
//! ```
//!
//! A name such as `bert-base-uncased` or `Qwen/Qwen2.5-0.5B` resolves to
//! `snapshots/<refs/main>/tokenizer.json` when that file is there.

use std::path::{Path, PathBuf};

/// The hub cache directory from the environment (`HF_HUB_CACHE`, `HF_HOME`, `XDG_CACHE_HOME`,
/// `HOME`, in that order, as `huggingface_hub` reads them).
pub fn cache_dir() -> Option<PathBuf> {
    let var = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(p) = var("HF_HUB_CACHE") {
        return Some(p);
    }
    if let Some(p) = var("HF_HOME") {
        return Some(p.join("hub"));
    }
    let cache = var("XDG_CACHE_HOME").or_else(|| var("HOME").map(|h| h.join(".cache")))?;
    Some(cache.join("huggingface").join("hub"))
}

/// Whether `spec` has the shape of a hub repository id: `name` or `org/name`, each part made of
/// ASCII letters, digits, `-`, `_` and `.` (not starting with `.`), and not a `.json` or
/// `.model` file name.
pub fn is_repo_id(spec: &str) -> bool {
    let part = |p: &str| {
        !p.is_empty()
            && !p.starts_with('.')
            && p.len() <= 96
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    if spec.ends_with(".json") || spec.ends_with(".model") {
        return false;
    }
    let mut parts = spec.split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(a), None, None) => part(a),
        (Some(a), Some(b), None) => part(a) && part(b),
        _ => false,
    }
}

/// The cached `file` of model repository `repo` at `revision` (a branch or tag under `refs/`,
/// or a commit hash), if the cache holds it.
pub fn cached_file(cache: &Path, repo: &str, revision: &str, file: &str) -> Option<PathBuf> {
    let root = cache.join(format!("models--{}", repo.replace('/', "--")));
    let commit = match std::fs::read_to_string(root.join("refs").join(revision)) {
        Ok(c) => c.trim().to_string(),
        Err(_) => revision.to_string(),
    };
    if commit.is_empty() || commit.contains(['/', '\\']) || commit.starts_with('.') {
        return None;
    }
    let path = root.join("snapshots").join(commit).join(file);
    path.is_file().then_some(path)
}

/// The models of the cache whose `refs/main` snapshot holds a `tokenizer.json` (else a
/// SentencePiece `tokenizer.model`), as
/// (repository id, file), sorted by id.
pub fn cached_tokenizers(cache: &Path) -> Vec<(String, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(cache) else {
        return Vec::new();
    };
    let mut found: Vec<(String, PathBuf)> = entries
        .filter_map(|e| {
            let dir = e.ok()?.file_name().into_string().ok()?;
            let repo = dir.strip_prefix("models--")?.replacen("--", "/", 1);
            let file = cached_file(cache, &repo, "main", "tokenizer.json")
                .or_else(|| cached_file(cache, &repo, "main", "tokenizer.model"))?;
            Some((repo, file))
        })
        .collect();
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The layout `huggingface_hub` writes: a blob, a snapshot link to it and `refs/main`.
    fn lay_out(cache: &Path, repo: &str, commit: &str, contents: &str) {
        let root = cache.join(format!("models--{}", repo.replace('/', "--")));
        std::fs::create_dir_all(root.join("refs")).unwrap();
        std::fs::create_dir_all(root.join("blobs")).unwrap();
        std::fs::create_dir_all(root.join("snapshots").join(commit)).unwrap();
        std::fs::write(root.join("refs/main"), commit).unwrap();
        std::fs::write(root.join("blobs/0123abcd"), contents).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(
            "../../blobs/0123abcd",
            root.join("snapshots").join(commit).join("tokenizer.json"),
        )
        .unwrap();
        #[cfg(not(unix))]
        std::fs::write(
            root.join("snapshots").join(commit).join("tokenizer.json"),
            contents,
        )
        .unwrap();
    }

    #[test]
    fn repo_ids() {
        assert!(is_repo_id("bert-base-uncased"));
        assert!(is_repo_id("Qwen/Qwen2.5-0.5B"));
        assert!(!is_repo_id("a/b/c"));
        assert!(!is_repo_id("./x"));
        assert!(!is_repo_id("tok.json"));
        assert!(!is_repo_id("dir/tokenizer.json"));
        assert!(!is_repo_id(""));
    }

    #[test]
    fn finds_the_snapshot_refs_main_points_to() {
        let cache = tempfile::tempdir().unwrap();
        let commit = "c9745ed1d9f207416be6d2e6f8de32d1f16199bf";
        lay_out(
            cache.path(),
            "sentence-transformers/all-MiniLM-L6-v2",
            commit,
            "{}",
        );
        let p = cached_file(
            cache.path(),
            "sentence-transformers/all-MiniLM-L6-v2",
            "main",
            "tokenizer.json",
        )
        .unwrap();
        assert!(p.ends_with(format!("{commit}/tokenizer.json")));
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "{}");
        // A commit hash works as a revision; an unknown revision or repo does not.
        assert!(
            cached_file(
                cache.path(),
                "sentence-transformers/all-MiniLM-L6-v2",
                commit,
                "tokenizer.json"
            )
            .is_some()
        );
        assert!(
            cached_file(
                cache.path(),
                "sentence-transformers/all-MiniLM-L6-v2",
                "v2",
                "tokenizer.json"
            )
            .is_none()
        );
        assert!(cached_file(cache.path(), "bert-base-uncased", "main", "tokenizer.json").is_none());
        let listed = cached_tokenizers(cache.path());
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].0, "sentence-transformers/all-MiniLM-L6-v2");
    }
}
