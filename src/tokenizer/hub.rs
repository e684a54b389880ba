//! Files of Hugging Face Hub repositories: from the local cache, else downloaded into it.
//!
//! [`resolve_file`] is the last steps of the resolver every command uses for a repository id
//! (`bert-base-uncased`, `Qwen/Qwen2.5-0.5B`): the file of the local cache ([`super::hub_cache`])
//! at the revision asked for, else a download from the Hub. Downloads speak the Hub's protocol
//! the way `huggingface_hub` does and leave the cache as it would, so that Python tools see the
//! files too:
//!
//! - `HEAD {endpoint}/{repo}/resolve/{revision}/{file}` (redirects on the same host, such as
//!   those of renamed repos, followed) gives the commit (`X-Repo-Commit`), the blob's etag (`X-Linked-Etag`, else `ETag`)
//!   and, for large files, the absolute address to download from (`Location`);
//! - the body goes to a temporary file in `blobs/`, renamed to `blobs/{etag}` once complete (an
//!   interrupted or short download is deleted, so the cache never holds half a file);
//! - `snapshots/{commit}/{file}` becomes a relative symbolic link to the blob (a copy where links
//!   are not possible), and `refs/{revision}` holds the commit.
//!
//! The environment is read as `huggingface_hub` reads it: `HF_ENDPOINT` (default
//! `https://huggingface.co`), `HF_TOKEN` (sent as `Authorization: Bearer` to the endpoint only),
//! `HF_HUB_OFFLINE` (`1`, `true`, `yes` or `on`: never touch the network). The revision is
//! `main` unless [`set_revision`] (the `--revision` option) says otherwise.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::time::Duration;

use super::hub_cache;

/// The default Hub address.
pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";

/// Why a file of a Hub repository could not be had. Every message names the repository and
/// says what to do.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    /// No such repository, or a private one the token (if any) cannot read.
    #[error(
        "Hugging Face repo `{repo}`: not found on {endpoint} (HTTP {status}); check the name, or if the repo is private set HF_TOKEN to a token that can read it"
    )]
    RepoNotFound {
        /// Repository id.
        repo: String,
        /// The Hub address used.
        endpoint: String,
        /// 401 or 404.
        status: u16,
    },
    /// The repository exists but has no such file at that revision.
    #[error(
        "Hugging Face repo `{repo}` has no file `{file}` at revision `{revision}` (HTTP 404); check the repo's files on {endpoint}/{repo}"
    )]
    FileNotFound {
        /// Repository id.
        repo: String,
        /// The file asked for.
        file: String,
        /// The revision asked for.
        revision: String,
        /// The Hub address used.
        endpoint: String,
    },
    /// The repository exists but not the revision.
    #[error(
        "Hugging Face repo `{repo}` has no revision `{revision}` (HTTP 404); give --revision a branch, tag or commit hash of the repo"
    )]
    RevisionNotFound {
        /// Repository id.
        repo: String,
        /// The revision asked for.
        revision: String,
    },
    /// A gated (or private) repository the request may not read.
    #[error(
        "Hugging Face repo `{repo}` is gated or private (HTTP {status}{detail}); accept its terms at {endpoint}/{repo} while logged in, then set HF_TOKEN to a token of that account{token_note}"
    )]
    Gated {
        /// Repository id.
        repo: String,
        /// The Hub address used.
        endpoint: String,
        /// 401 or 403.
        status: u16,
        /// `: <the Hub's message>` or empty.
        detail: String,
        /// Whether a token was sent, as a note.
        token_note: String,
    },
    /// `HF_HUB_OFFLINE` is set and the cache does not hold the file.
    #[error(
        "Hugging Face repo `{repo}`: `{file}` at revision `{revision}` is not in the local cache ({}) and HF_HUB_OFFLINE is set, so it is not downloaded; unset HF_HUB_OFFLINE to download it, or give a path to the file",
        cache.display()
    )]
    Offline {
        /// Repository id.
        repo: String,
        /// The file asked for.
        file: String,
        /// The revision asked for.
        revision: String,
        /// The cache directory looked in.
        cache: PathBuf,
    },
    /// The Hub could not be reached.
    #[error(
        "Hugging Face repo `{repo}`: cannot reach {endpoint} to download `{file}` ({detail}); check the network connection (and HF_ENDPOINT), or set HF_HUB_OFFLINE=1 to use only the local cache"
    )]
    Unreachable {
        /// Repository id.
        repo: String,
        /// The file asked for.
        file: String,
        /// The Hub address used.
        endpoint: String,
        /// What the connection attempt said.
        detail: String,
    },
    /// The download stopped before the whole file arrived.
    #[error(
        "Hugging Face repo `{repo}`: the download of `{file}` was cut off after {received} of {expected} bytes ({detail}); nothing was kept in the cache, run the command again"
    )]
    Partial {
        /// Repository id.
        repo: String,
        /// The file asked for.
        file: String,
        /// Bytes received.
        received: u64,
        /// Bytes announced (`?` when the server did not say).
        expected: String,
        /// What the connection said.
        detail: String,
    },
    /// Any other answer of the server that is not the file.
    #[error("Hugging Face repo `{repo}`: {endpoint} answered `{file}` with {message}")]
    Server {
        /// Repository id.
        repo: String,
        /// The file asked for.
        file: String,
        /// The Hub address used.
        endpoint: String,
        /// What was wrong with the answer.
        message: String,
    },
    /// A file of the cache could not be written.
    #[error("Hugging Face cache {}: {error}; check that the directory is writable (HF_HOME, HF_HUB_CACHE)", path.display())]
    Cache {
        /// The file or directory involved.
        path: PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },
    /// Neither `HF_HUB_CACHE`, `HF_HOME`, `XDG_CACHE_HOME` nor `HOME` is set.
    #[error(
        "Hugging Face repo `{repo}`: no cache directory (set HF_HOME or HF_HUB_CACHE to where downloads should go)"
    )]
    NoCache {
        /// Repository id.
        repo: String,
    },
    /// A `--revision` that cannot name a branch, tag or commit.
    #[error(
        "--revision `{0}`: not a branch, tag or commit name (no `..` parts, leading `/` or `\\`)"
    )]
    BadRevision(String),
}

impl HubError {
    /// Whether the error means that the Hub (or the offline cache) does not know the name, so
    /// that a caller may treat the name as a possible typo of something else.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            HubError::RepoNotFound { .. } | HubError::Offline { .. } | HubError::Unreachable { .. }
        )
    }
}

static REVISION: RwLock<Option<String>> = RwLock::new(None);

/// Sets the revision (branch, tag or commit hash) that repository ids resolve to in this
/// process; `None` goes back to `main`.
pub fn set_revision(revision: Option<&str>) -> Result<(), HubError> {
    if let Some(r) = revision {
        check_revision(r)?;
    }
    let mut slot = REVISION
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    *slot = revision.map(str::to_string);
    Ok(())
}

/// The revision repository ids resolve to: the one of [`set_revision`], else `main`.
pub fn revision() -> String {
    REVISION
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone()
        .unwrap_or_else(|| "main".to_string())
}

fn check_revision(r: &str) -> Result<(), HubError> {
    let bad = r.is_empty()
        || r.starts_with('/')
        || r.contains('\\')
        || r.split('/').any(|p| p.is_empty() || p == "." || p == "..");
    if bad {
        return Err(HubError::BadRevision(r.to_string()));
    }
    Ok(())
}

/// Whether `HF_HUB_OFFLINE` asks never to touch the network.
pub fn offline() -> bool {
    std::env::var("HF_HUB_OFFLINE")
        .map(|v| {
            matches!(
                v.trim().to_ascii_lowercase().as_str(),
                "1" | "true" | "yes" | "on"
            )
        })
        .unwrap_or(false)
}

/// The Hub address: `HF_ENDPOINT` without a trailing `/`, else [`DEFAULT_ENDPOINT`].
pub fn endpoint() -> String {
    match std::env::var("HF_ENDPOINT") {
        Ok(e) if !e.trim().is_empty() => e.trim().trim_end_matches('/').to_string(),
        _ => DEFAULT_ENDPOINT.to_string(),
    }
}

fn token() -> Option<String> {
    std::env::var("HF_TOKEN")
        .ok()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// `file` of repository `repo` at `revision`: the local cache's copy, else (unless offline) a
/// download into the cache. Returns the path of the snapshot file.
pub fn resolve_file(repo: &str, revision: &str, file: &str) -> Result<PathBuf, HubError> {
    check_revision(revision)?;
    let cache = hub_cache::cache_dir().ok_or_else(|| HubError::NoCache {
        repo: repo.to_string(),
    })?;
    if let Some(p) = hub_cache::cached_file(&cache, repo, revision, file) {
        return Ok(p);
    }
    if offline() {
        return Err(HubError::Offline {
            repo: repo.to_string(),
            file: file.to_string(),
            revision: revision.to_string(),
            cache,
        });
    }
    download(&cache, repo, revision, file)
}

/// The first of `files` that repository `repo` has at `revision`: each from the local cache,
/// else (unless offline) each downloaded in turn, going on to the next only while the repo
/// does not have the previous one. The tokenizer of a repo is `tokenizer.json`, else its
/// SentencePiece `tokenizer.model`.
pub fn resolve_first(repo: &str, revision: &str, files: &[&str]) -> Result<PathBuf, HubError> {
    check_revision(revision)?;
    let cache = hub_cache::cache_dir().ok_or_else(|| HubError::NoCache {
        repo: repo.to_string(),
    })?;
    for file in files {
        if let Some(p) = hub_cache::cached_file(&cache, repo, revision, file) {
            return Ok(p);
        }
    }
    let all = files.join("` or `");
    if offline() {
        return Err(HubError::Offline {
            repo: repo.to_string(),
            file: all,
            revision: revision.to_string(),
            cache,
        });
    }
    for file in files {
        match download(&cache, repo, revision, file) {
            Err(HubError::FileNotFound { .. }) => continue,
            r => return r,
        }
    }
    Err(HubError::FileNotFound {
        repo: repo.to_string(),
        file: all,
        revision: revision.to_string(),
        endpoint: endpoint(),
    })
}

/// What the Hub says about a file before it is downloaded.
struct Meta {
    commit: String,
    etag: String,
    size: Option<u64>,
    url: String,
}

struct Ctx<'a> {
    repo: &'a str,
    revision: &'a str,
    file: &'a str,
    endpoint: String,
    token: Option<String>,
}

impl Ctx<'_> {
    fn unreachable(&self, e: &ureq::Error) -> HubError {
        HubError::Unreachable {
            repo: self.repo.to_string(),
            file: self.file.to_string(),
            endpoint: self.endpoint.clone(),
            detail: e.to_string(),
        }
    }

    fn server(&self, message: String) -> HubError {
        HubError::Server {
            repo: self.repo.to_string(),
            file: self.file.to_string(),
            endpoint: self.endpoint.clone(),
            message,
        }
    }

    /// The `Authorization` header, for addresses of the endpoint only.
    fn auth_for(&self, url: &str) -> Option<String> {
        let t = self.token.as_ref()?;
        (origin(url) == origin(&self.endpoint)).then(|| format!("Bearer {t}"))
    }
}

/// Downloads `file` of `repo` at `revision` into `cache` and returns its snapshot path.
pub fn download(cache: &Path, repo: &str, revision: &str, file: &str) -> Result<PathBuf, HubError> {
    check_revision(revision)?;
    let ctx = Ctx {
        repo,
        revision,
        file,
        endpoint: endpoint(),
        token: token(),
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_connect(Some(Duration::from_secs(10)))
        .timeout_recv_response(Some(Duration::from_secs(60)))
        .user_agent(concat!("tokstat/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let meta = head(&agent, &ctx)?;
    let root = cache.join(format!("models--{}", repo.replace('/', "--")));
    let blob = root.join("blobs").join(&meta.etag);
    if !blob.is_file() {
        fetch_blob(&agent, &ctx, &meta, &blob)?;
    }
    let snapshot = root.join("snapshots").join(&meta.commit).join(file);
    link_snapshot(&blob, &snapshot, file)?;
    if revision != meta.commit {
        let r = root.join("refs").join(revision);
        write_atomic(&r, meta.commit.as_bytes())?;
    }
    Ok(snapshot)
}

/// `HEAD` of the resolve address, following redirects that stay on the Hub's host.
fn head(agent: &ureq::Agent, ctx: &Ctx) -> Result<Meta, HubError> {
    let mut url = format!(
        "{}/{}/resolve/{}/{}",
        ctx.endpoint,
        ctx.repo,
        encode_revision(ctx.revision),
        ctx.file
    );
    for _ in 0..10 {
        let mut req = agent.head(&url).header("Accept-Encoding", "identity");
        if let Some(a) = ctx.auth_for(&url) {
            req = req.header("Authorization", a);
        }
        let resp = req.call().map_err(|e| ctx.unreachable(&e))?;
        let status = resp.status().as_u16();
        let headers = resp.headers();
        if !(300..400).contains(&status) {
            if status != 200 {
                return Err(response_error(ctx, status, headers));
            }
            return meta_of(ctx, status, headers, url);
        }
        let Some(loc) = header(headers, "location") else {
            return Err(ctx.server(format!("a redirect (HTTP {status}) without a Location")));
        };
        let target = if loc.starts_with('/') {
            format!("{}{loc}", origin(&url))
        } else {
            loc
        };
        // Redirects on the Hub (a renamed repo) are followed; one to another host (the CDN)
        // carries the file's metadata itself, and the token must not go there.
        if origin(&target) != origin(&url) {
            return meta_of(ctx, status, headers, target);
        }
        url = target;
    }
    Err(ctx.server("too many redirects".into()))
}

/// Header `name` of a response, when present and text.
fn header(headers: &ureq::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The error a non-200 response stands for, from its status and the Hub's error headers.
fn response_error(ctx: &Ctx, status: u16, headers: &ureq::http::HeaderMap) -> HubError {
    status_error(
        ctx,
        status,
        header(headers, "x-error-code"),
        header(headers, "x-error-message"),
    )
}

/// The file's commit, etag and size from a resolve response's headers, to be downloaded from
/// `url`. Commit and etag must be safe as cache file names.
fn meta_of(
    ctx: &Ctx,
    status: u16,
    headers: &ureq::http::HeaderMap,
    url: String,
) -> Result<Meta, HubError> {
    let commit = header(headers, "x-repo-commit").ok_or_else(|| {
        ctx.server(format!(
            "HTTP {status} but no X-Repo-Commit header (is HF_ENDPOINT a Hugging Face Hub?)"
        ))
    })?;
    let etag = header(headers, "x-linked-etag")
        .or_else(|| header(headers, "etag"))
        .map(|e| normalize_etag(&e))
        .ok_or_else(|| ctx.server(format!("HTTP {status} but no ETag header")))?;
    let safe = |s: &str| {
        !s.is_empty()
            && s.len() <= 128
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !safe(&commit) || !safe(&etag) {
        return Err(ctx.server(format!(
            "a commit `{commit}` or etag `{etag}` that cannot name a cache file"
        )));
    }
    let size = header(headers, "x-linked-size")
        .or_else(|| header(headers, "content-length"))
        .and_then(|s| s.trim().parse().ok());
    Ok(Meta {
        commit,
        etag,
        size,
        url,
    })
}

fn status_error(ctx: &Ctx, status: u16, code: Option<String>, message: Option<String>) -> HubError {
    let repo = ctx.repo.to_string();
    let endpoint = ctx.endpoint.clone();
    let gated = |detail: Option<String>| HubError::Gated {
        repo: ctx.repo.to_string(),
        endpoint: ctx.endpoint.clone(),
        status,
        detail: detail.map(|m| format!(": {m}")).unwrap_or_default(),
        token_note: if ctx.token.is_some() {
            " (HF_TOKEN is set: check that its account was granted access)".into()
        } else {
            " (HF_TOKEN is not set)".into()
        },
    };
    match (status, code.as_deref()) {
        (_, Some("GatedRepo")) | (403, _) => gated(message),
        (_, Some("EntryNotFound")) => HubError::FileNotFound {
            repo,
            file: ctx.file.to_string(),
            revision: ctx.revision.to_string(),
            endpoint,
        },
        (_, Some("RevisionNotFound")) => HubError::RevisionNotFound {
            repo,
            revision: ctx.revision.to_string(),
        },
        (401 | 404, _) => HubError::RepoNotFound {
            repo,
            endpoint,
            status,
        },
        _ => ctx.server(format!(
            "HTTP {status}{}",
            message.map(|m| format!(": {m}")).unwrap_or_default()
        )),
    }
}

/// Streams the file into a temporary file next to `blob`, then renames it into place.
fn fetch_blob(agent: &ureq::Agent, ctx: &Ctx, meta: &Meta, blob: &Path) -> Result<(), HubError> {
    let mut req = agent
        .get(&meta.url)
        .config()
        .max_redirects(10)
        .build()
        .header("Accept-Encoding", "identity");
    if let Some(a) = ctx.auth_for(&meta.url) {
        req = req.header("Authorization", a);
    }
    let resp = req.call().map_err(|e| ctx.unreachable(&e))?;
    let status = resp.status().as_u16();
    if status != 200 {
        return Err(response_error(ctx, status, resp.headers()));
    }
    let expected = header(resp.headers(), "content-length")
        .and_then(|s| s.trim().parse::<u64>().ok())
        .or(meta.size);
    let dir = blob.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|error| HubError::Cache {
        path: dir.to_path_buf(),
        error,
    })?;
    let tmp = TempFile::new(blob)?;
    let cache_error = |error| HubError::Cache {
        path: tmp.path.clone(),
        error,
    };
    let mut out = std::fs::File::create(&tmp.path).map_err(cache_error)?;
    let mut reader = resp.into_body().into_reader();
    let received = copy_with_progress(ctx, &mut reader, &mut out, expected, &tmp.path)?;
    if let Some(n) = expected.filter(|&n| n != received) {
        return Err(partial_download(
            ctx,
            received,
            expected,
            format!("the server announced {n} bytes"),
        ));
    }
    out.sync_all().map_err(cache_error)?;
    drop(out);
    tmp.persist(blob)
}

/// A download that ended after `received` of `expected` bytes.
fn partial_download(ctx: &Ctx, received: u64, expected: Option<u64>, detail: String) -> HubError {
    HubError::Partial {
        repo: ctx.repo.to_string(),
        file: ctx.file.to_string(),
        received,
        expected: expected.map_or_else(|| "?".to_string(), |n| n.to_string()),
        detail,
    }
}

/// Copies `reader` into `out` (the file at `path`), with a progress bar on a terminal.
/// Returns the bytes copied.
fn copy_with_progress(
    ctx: &Ctx,
    reader: &mut impl Read,
    out: &mut std::fs::File,
    expected: Option<u64>,
    path: &Path,
) -> Result<u64, HubError> {
    let bar = progress_bar(ctx, expected);
    let mut buf = vec![0u8; 1 << 16];
    let mut received: u64 = 0;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                if let Some(b) = &bar {
                    b.abandon();
                }
                return Err(partial_download(ctx, received, expected, e.to_string()));
            }
        };
        out.write_all(&buf[..n]).map_err(|error| HubError::Cache {
            path: path.to_path_buf(),
            error,
        })?;
        received += n as u64;
        if let Some(b) = &bar {
            b.set_position(received);
        }
    }
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    Ok(received)
}

fn progress_bar(ctx: &Ctx, len: Option<u64>) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar =
        indicatif::ProgressBar::with_draw_target(len, indicatif::ProgressDrawTarget::stderr());
    let style = indicatif::ProgressStyle::with_template(
        "{msg} {wide_bar} {bytes}/{total_bytes} {bytes_per_sec}",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(format!("downloading {} {}", ctx.repo, ctx.file));
    Some(bar)
}

/// A temporary file in the cache that is deleted unless persisted.
struct TempFile {
    path: PathBuf,
    kept: bool,
}

impl TempFile {
    fn new(target: &Path) -> Result<TempFile, HubError> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let path = target.with_file_name(format!(
            ".{name}.{}.{}.tokstat-incomplete",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        Ok(TempFile { path, kept: false })
    }

    fn persist(mut self, target: &Path) -> Result<(), HubError> {
        std::fs::rename(&self.path, target).map_err(|error| HubError::Cache {
            path: target.to_path_buf(),
            error,
        })?;
        self.kept = true;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Writes `bytes` to `path` through a temporary file and a rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), HubError> {
    let cache_err = |path: &Path| {
        let path = path.to_path_buf();
        move |error| HubError::Cache { path, error }
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(cache_err(dir))?;
    }
    let tmp = TempFile::new(path)?;
    std::fs::write(&tmp.path, bytes).map_err(cache_err(&tmp.path))?;
    tmp.persist(path)
}

/// Makes `snapshot` a relative symbolic link to `blob` (a copy where links are not possible).
fn link_snapshot(blob: &Path, snapshot: &Path, file: &str) -> Result<(), HubError> {
    let dir = snapshot.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|error| HubError::Cache {
        path: dir.to_path_buf(),
        error,
    })?;
    let tmp = TempFile::new(snapshot)?;
    #[cfg(unix)]
    {
        // snapshots/<commit>/<file> → ../../blobs/<etag>, one more `..` per directory of `file`.
        let depth = 2 + file.matches('/').count();
        let mut target = PathBuf::new();
        for _ in 0..depth {
            target.push("..");
        }
        target.push("blobs");
        target.push(blob.file_name().unwrap_or_default());
        if std::os::unix::fs::symlink(&target, &tmp.path).is_ok() {
            return tmp.persist(snapshot);
        }
    }
    #[cfg(not(unix))]
    let _ = file;
    std::fs::copy(blob, &tmp.path).map_err(|error| HubError::Cache {
        path: tmp.path.clone(),
        error,
    })?;
    tmp.persist(snapshot)
}

/// `"abc"` / `W/"abc"` → `abc`.
fn normalize_etag(e: &str) -> String {
    e.trim()
        .trim_start_matches("W/")
        .trim_matches('"')
        .to_string()
}

/// `scheme://host[:port]` of an address.
fn origin(url: &str) -> &str {
    let start = url.find("://").map_or(0, |i| i + 3);
    match url[start..].find('/') {
        Some(i) => &url[..start + i],
        None => url,
    }
}

/// Percent-encodes a revision for the address (`refs/pr/1` → `refs%2Fpr%2F1`).
fn encode_revision(r: &str) -> String {
    let mut s = String::with_capacity(r.len());
    for b in r.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(normalize_etag("\"abc\""), "abc");
        assert_eq!(normalize_etag("W/\"abc\""), "abc");
        assert_eq!(origin("http://127.0.0.1:8080/a/b"), "http://127.0.0.1:8080");
        assert_eq!(origin("https://huggingface.co"), "https://huggingface.co");
        assert_eq!(encode_revision("refs/pr/1"), "refs%2Fpr%2F1");
        assert!(check_revision("v1.0").is_ok());
        assert!(check_revision("refs/pr/1").is_ok());
        assert!(check_revision("../x").is_err());
        assert!(check_revision("/x").is_err());
        assert!(check_revision("").is_err());
    }
}
