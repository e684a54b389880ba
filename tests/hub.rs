//! Downloads from the Hugging Face Hub, against a small Hub served by the test itself.
//!
//! Each test starts an HTTP server on 127.0.0.1 that answers the Hub's `resolve` addresses the
//! way huggingface.co does (`X-Repo-Commit`, `ETag` / `X-Linked-Etag`, a redirect to a CDN
//! address for large files, `X-Error-Code` on errors), points the `tokstat` binary at it with
//! `HF_ENDPOINT`, and gives it an empty temporary `HF_HOME`. No test needs the internet.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use serde_json::Value;

const COMMIT_MAIN: &str = "1111111111111111111111111111111111111111";
const COMMIT_V1: &str = "2222222222222222222222222222222222222222";

/// One answer of the test Hub.
#[derive(Clone)]
enum Reply {
    /// 200 with the body and the Hub's headers.
    File {
        body: Arc<Vec<u8>>,
        commit: &'static str,
        etag: String,
    },
    /// A large file: `HEAD`/`GET` of the resolve address redirect to `/cdn/<etag>`.
    Lfs {
        commit: &'static str,
        etag: String,
        size: usize,
    },
    /// An error status with `X-Error-Code`.
    Error { status: u16, code: &'static str },
    /// 401 unless the request carries `Authorization: Bearer <token>`, then the file.
    Gated {
        token: &'static str,
        file: Box<Reply>,
    },
    /// A `Content-Length` of `announced` bytes, of which `sent` are sent before the connection
    /// closes.
    CutOff {
        commit: &'static str,
        etag: String,
        announced: usize,
        sent: Arc<Vec<u8>>,
    },
}

/// A small Hub: addresses → replies, and the log of requests it got.
struct Hub {
    url: String,
    stop: Arc<AtomicBool>,
    log: Arc<Mutex<Vec<String>>>,
    thread: Option<JoinHandle<()>>,
}

impl Hub {
    fn start(routes: HashMap<String, Reply>, blobs: HashMap<String, Arc<Vec<u8>>>) -> Hub {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let (stop2, log2) = (stop.clone(), log.clone());
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                serve(stream, &routes, &blobs, &log2);
            }
        });
        Hub {
            url,
            stop,
            log,
            thread: Some(thread),
        }
    }

    /// Stops the server: the port refuses connections afterwards.
    fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }

    fn requests(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        self.stop();
    }
}

fn serve(
    mut stream: TcpStream,
    routes: &HashMap<String, Reply>,
    blobs: &HashMap<String, Arc<Vec<u8>>>,
    log: &Mutex<Vec<String>>,
) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return;
    }
    let mut headers = HashMap::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let mut parts = first.split_whitespace();
    let (method, path) = (
        parts.next().unwrap_or("").to_string(),
        parts.next().unwrap_or("").to_string(),
    );
    let auth = headers.get("authorization").cloned().unwrap_or_default();
    log.lock()
        .unwrap()
        .push(format!("{method} {path} auth={auth}"));
    let head = method == "HEAD";
    let reply = if let Some(etag) = path.strip_prefix("/cdn/") {
        match blobs.get(etag) {
            Some(b) => Reply::File {
                body: b.clone(),
                commit: "",
                etag: etag.to_string(),
            },
            None => Reply::Error {
                status: 404,
                code: "",
            },
        }
    } else {
        routes.get(&path).cloned().unwrap_or(Reply::Error {
            status: 404,
            code: "RepoNotFound",
        })
    };
    let reply = match reply {
        Reply::Gated { token, file } if auth == format!("Bearer {token}") => *file,
        Reply::Gated { .. } => Reply::Error {
            status: 401,
            code: "GatedRepo",
        },
        r => r,
    };
    let mut out = Vec::new();
    match reply {
        Reply::File { body, commit, etag } => {
            write!(
                out,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nETag: \"{etag}\"\r\n",
                body.len()
            )
            .unwrap();
            if !commit.is_empty() {
                write!(out, "X-Repo-Commit: {commit}\r\n").unwrap();
            }
            out.extend_from_slice(b"Connection: close\r\n\r\n");
            if !head {
                out.extend_from_slice(&body);
            }
        }
        Reply::Lfs { commit, etag, size } => {
            write!(
                out,
                "HTTP/1.1 302 Found\r\nLocation: {}/cdn/{etag}\r\nX-Repo-Commit: {commit}\r\n\
                 X-Linked-Etag: \"{etag}\"\r\nX-Linked-Size: {size}\r\nETag: \"not-the-blob\"\r\n\
                 Content-Length: 0\r\nConnection: close\r\n\r\n",
                // The CDN is another host: the same server under another name.
                headers
                    .get("host")
                    .map(|h| format!("http://{}", h.replace("127.0.0.1", "localhost")))
                    .unwrap_or_default()
            )
            .unwrap();
        }
        Reply::Error { status, code } => {
            write!(
                out,
                "HTTP/1.1 {status} Error\r\nX-Error-Code: {code}\r\n\
                 X-Error-Message: test hub says {code}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            .unwrap();
        }
        Reply::Gated { .. } => unreachable!(),
        Reply::CutOff {
            commit,
            etag,
            announced,
            sent,
        } => {
            write!(
                out,
                "HTTP/1.1 200 OK\r\nContent-Length: {announced}\r\nETag: \"{etag}\"\r\n\
                 X-Repo-Commit: {commit}\r\nConnection: close\r\n\r\n"
            )
            .unwrap();
            if !head {
                out.extend_from_slice(&sent);
            }
        }
    }
    let _ = stream.write_all(&out);
    let _ = stream.flush();
    let _ = stream.shutdown(std::net::Shutdown::Both);
}

fn gunzip(path: &str) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// all-MiniLM-L6-v2's tokenizer.json (bert-base-uncased's WordPiece vocabulary).
fn minilm() -> Arc<Vec<u8>> {
    Arc::new(gunzip("tests/data/serving/all-MiniLM-L6-v2.json.gz"))
}

/// A small byte-fallback BPE tokenizer.json, a different tokenizer from [`minilm`].
fn bpe() -> Arc<Vec<u8>> {
    Arc::new(gunzip("tests/data/serving/bpe-bytefallback.json.gz"))
}

fn resolve(repo: &str, rev: &str, file: &str) -> String {
    format!("/{repo}/resolve/{rev}/{file}")
}

/// The test Hub: `bert-base-uncased` (a small file, and a `v1` tag with another tokenizer),
/// `Qwen/Qwen2.5-0.5B` (a large file behind a CDN redirect) with its config.json, a gated repo,
/// and a repo whose download is cut off.
fn standard_hub() -> Hub {
    let (minilm, bpe) = (minilm(), bpe());
    let mut routes = HashMap::new();
    let mut blobs = HashMap::new();
    routes.insert(
        resolve("bert-base-uncased", "main", "tokenizer.json"),
        Reply::File {
            body: minilm.clone(),
            commit: COMMIT_MAIN,
            etag: "aaaa0001".into(),
        },
    );
    routes.insert(
        resolve("bert-base-uncased", "v1", "tokenizer.json"),
        Reply::File {
            body: bpe.clone(),
            commit: COMMIT_V1,
            etag: "bbbb0002".into(),
        },
    );
    let sha = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00";
    blobs.insert(sha.to_string(), bpe.clone());
    routes.insert(
        resolve("Qwen/Qwen2.5-0.5B", "main", "tokenizer.json"),
        Reply::Lfs {
            commit: COMMIT_MAIN,
            etag: sha.into(),
            size: bpe.len(),
        },
    );
    let config = std::fs::read("assets/configs/bert-base-uncased.json").unwrap();
    routes.insert(
        resolve("acme/tiny-bert", "main", "config.json"),
        Reply::File {
            body: Arc::new(config),
            commit: COMMIT_MAIN,
            etag: "cccc0003".into(),
        },
    );
    routes.insert(
        resolve("acme/tiny-bert", "main", "tokenizer.json"),
        Reply::Error {
            status: 404,
            code: "EntryNotFound",
        },
    );
    routes.insert(
        resolve("acme/tiny-bert", "main", "tokenizer.model"),
        Reply::Error {
            status: 404,
            code: "EntryNotFound",
        },
    );
    routes.insert(
        resolve("meta-llama/Gated-1B", "main", "tokenizer.json"),
        Reply::Gated {
            token: "hf_test_secret",
            file: Box::new(Reply::File {
                body: minilm.clone(),
                commit: COMMIT_MAIN,
                etag: "dddd0004".into(),
            }),
        },
    );
    routes.insert(
        resolve("acme/flaky", "main", "tokenizer.json"),
        Reply::CutOff {
            commit: COMMIT_MAIN,
            etag: "eeee0005".into(),
            announced: minilm.len(),
            sent: Arc::new(minilm[..4096].to_vec()),
        },
    );
    Hub::start(routes, blobs)
}

/// The `tokstat` binary with a clean Hugging Face environment: `HF_HOME` in `home`, the test
/// Hub as endpoint, no token, online.
fn tokstat(home: &Path, hub: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tokstat"));
    c.env("HF_HOME", home)
        .env("HF_ENDPOINT", hub)
        .env_remove("HF_HUB_CACHE")
        .env_remove("HF_TOKEN")
        .env_remove("HF_HUB_OFFLINE")
        .env_remove("HUGGING_FACE_HUB_TOKEN");
    c
}

fn ok(out: Output) -> Value {
    assert!(
        out.status.success(),
        "tokstat failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn err(out: Output) -> String {
    assert!(!out.status.success(), "tokstat succeeded unexpectedly");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn encode(home: &Path, hub: &str, spec: &str, extra: &[&str]) -> Output {
    tokstat(home, hub)
        .args(extra)
        .args([
            "encode",
            "-t",
            spec,
            "--format",
            "json",
            "Hello there, tokenizers!",
        ])
        .output()
        .unwrap()
}

/// Every file below `dir`, relative, sorted (symbolic links included as links).
fn tree(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                walk(root, &p, out);
            } else {
                out.push(p.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// The ids tokstat gives for the same text with the file loaded by path.
fn ids_by_path(bytes: &[u8]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokenizer.json");
    std::fs::write(&file, bytes).unwrap();
    let v = ok(encode(
        dir.path(),
        "http://127.0.0.1:9",
        file.to_str().unwrap(),
        &[],
    ));
    v["ids"].clone()
}

#[test]
fn first_download_lays_out_the_cache_then_a_cache_hit_needs_no_server() {
    let mut hub = standard_hub();
    let home = tempfile::tempdir().unwrap();
    let v = ok(encode(home.path(), &hub.url, "bert-base-uncased", &[]));
    assert_eq!(v["tokenizer"], "bert-base-uncased");
    assert_eq!(v["ids"], ids_by_path(&minilm()));
    assert_eq!(v["tokens"][0], "hello");
    // The layout huggingface_hub writes.
    let repo = home.path().join("hub/models--bert-base-uncased");
    assert_eq!(
        tree(&repo),
        [
            "blobs/aaaa0001".to_string(),
            "refs/main".into(),
            format!("snapshots/{COMMIT_MAIN}/tokenizer.json"),
        ]
    );
    assert_eq!(
        std::fs::read_to_string(repo.join("refs/main")).unwrap(),
        COMMIT_MAIN
    );
    let link = repo.join(format!("snapshots/{COMMIT_MAIN}/tokenizer.json"));
    assert_eq!(
        std::fs::read_link(&link).unwrap(),
        PathBuf::from("../../blobs/aaaa0001")
    );
    assert_eq!(std::fs::read(&link).unwrap(), *minilm());
    assert_eq!(hub.requests().len(), 2, "{:?}", hub.requests()); // HEAD, GET

    // With the server gone, the cache answers.
    hub.stop();
    let again = ok(encode(home.path(), &hub.url, "bert-base-uncased", &[]));
    assert_eq!(again["ids"], v["ids"]);
    // `tokstat tokenizers` lists it.
    let list = ok(tokstat(home.path(), &hub.url)
        .args(["tokenizers", "--format", "json"])
        .output()
        .unwrap());
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert!(names.contains(&"bert-base-uncased"), "{names:?}");
}

#[test]
fn a_large_file_follows_the_cdn_redirect_and_is_stored_under_its_linked_etag() {
    let hub = standard_hub();
    let home = tempfile::tempdir().unwrap();
    let sha = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00";
    // compare names both repos; the Qwen one is downloaded from the CDN address.
    let text = home.path().join("file.py");
    std::fs::write(&text, "def main():\n    return 42\n").unwrap();
    let v = ok(tokstat(home.path(), &hub.url)
        .args(["compare", "-t", "bert-base-uncased,Qwen/Qwen2.5-0.5B"])
        .arg(&text)
        .args(["--format", "json"])
        .output()
        .unwrap());
    let s = v.to_string();
    assert!(
        s.contains("Qwen2.5-0.5B") && s.contains("bert-base-uncased"),
        "{s}"
    );
    let repo = home.path().join("hub/models--Qwen--Qwen2.5-0.5B");
    assert_eq!(std::fs::read(repo.join("blobs").join(sha)).unwrap(), *bpe());
    assert!(
        hub.requests()
            .iter()
            .any(|r| r.starts_with(&format!("GET /cdn/{sha}"))),
        "{:?}",
        hub.requests()
    );
}

#[test]
fn a_revision_is_fetched_and_recorded_under_refs() {
    let hub = standard_hub();
    let home = tempfile::tempdir().unwrap();
    let v1 = ok(encode(
        home.path(),
        &hub.url,
        "bert-base-uncased",
        &["--revision", "v1"],
    ));
    assert_eq!(v1["ids"], ids_by_path(&bpe()));
    let repo = home.path().join("hub/models--bert-base-uncased");
    assert_eq!(
        std::fs::read_to_string(repo.join("refs/v1")).unwrap(),
        COMMIT_V1
    );
    assert!(!repo.join("refs/main").exists());
    // main is another tokenizer; both stay in the cache.
    let main = ok(encode(home.path(), &hub.url, "bert-base-uncased", &[]));
    assert_ne!(main["ids"], v1["ids"]);
    // A commit hash works as a revision, from the cache.
    let by_commit = ok(encode(
        home.path(),
        "http://127.0.0.1:9",
        "bert-base-uncased",
        &["--revision", COMMIT_V1],
    ));
    assert_eq!(by_commit["ids"], v1["ids"]);
}

#[test]
fn a_missing_repo_or_file_is_one_clear_error() {
    let hub = standard_hub();
    let home = tempfile::tempdir().unwrap();
    let e = err(encode(home.path(), &hub.url, "acme/no-such-model", &[]));
    assert!(
        e.contains("unknown tokenizer `acme/no-such-model`")
            && e.contains("not found on")
            && e.contains("HTTP 404")
            && e.contains("HF_TOKEN"),
        "{e}"
    );
    assert_eq!(e.trim().lines().count(), 1, "{e}");
    // A repo that exists but has no tokenizer.json.
    let e = err(encode(home.path(), &hub.url, "acme/tiny-bert", &[]));
    assert!(
        e.contains("`acme/tiny-bert` has no file `tokenizer.json`")
            && e.contains("at revision `main`"),
        "{e}"
    );
    // A typo of a bundled name still gets its suggestion.
    let e = err(encode(home.path(), &hub.url, "robreta", &[]));
    assert!(e.contains("did you mean `roberta`"), "{e}");
    // Nothing was left in the cache for them.
    assert!(tree(&home.path().join("hub")).is_empty());
}

#[test]
fn a_gated_repo_says_to_accept_the_terms_and_set_hf_token() {
    let hub = standard_hub();
    let home = tempfile::tempdir().unwrap();
    let e = err(encode(home.path(), &hub.url, "meta-llama/Gated-1B", &[]));
    assert!(
        e.contains("`meta-llama/Gated-1B` is gated or private (HTTP 401")
            && e.contains("accept its terms")
            && e.contains("HF_TOKEN is not set"),
        "{e}"
    );
    // With the token, the download works; the token goes to the endpoint.
    let v = ok(tokstat(home.path(), &hub.url)
        .env("HF_TOKEN", "hf_test_secret")
        .args([
            "encode",
            "-t",
            "meta-llama/Gated-1B",
            "--format",
            "json",
            "hi",
        ])
        .output()
        .unwrap());
    assert_eq!(v["tokens"][0], "hi");
    assert!(
        hub.requests()
            .iter()
            .any(|r| r.ends_with("auth=Bearer hf_test_secret")),
        "{:?}",
        hub.requests()
    );
}

#[test]
fn offline_mode_never_touches_the_network() {
    let hub = standard_hub();
    let home = tempfile::tempdir().unwrap();
    let out = tokstat(home.path(), &hub.url)
        .env("HF_HUB_OFFLINE", "1")
        .args(["encode", "-t", "bert-base-uncased", "hi"])
        .output()
        .unwrap();
    let e = err(out);
    assert!(
        e.contains("not in the local cache") && e.contains("HF_HUB_OFFLINE is set"),
        "{e}"
    );
    assert!(hub.requests().is_empty(), "{:?}", hub.requests());
    // Once cached, offline mode reads the cache.
    ok(encode(home.path(), &hub.url, "bert-base-uncased", &[]));
    let n = hub.requests().len();
    let out = tokstat(home.path(), &hub.url)
        .env("HF_HUB_OFFLINE", "1")
        .args([
            "encode",
            "-t",
            "bert-base-uncased",
            "--format",
            "json",
            "hi",
        ])
        .output()
        .unwrap();
    assert_eq!(ok(out)["tokens"][0], "hi");
    assert_eq!(hub.requests().len(), n);
}

#[test]
fn an_interrupted_download_leaves_the_cache_clean() {
    let hub = standard_hub();
    let home = tempfile::tempdir().unwrap();
    let e = err(encode(home.path(), &hub.url, "acme/flaky", &[]));
    assert!(
        e.contains("`acme/flaky`")
            && e.contains("cut off after")
            && e.contains("run the command again"),
        "{e}"
    );
    assert_eq!(e.trim().lines().count(), 1, "{e}");
    let left = tree(&home.path().join("hub"));
    assert!(left.is_empty(), "left in the cache: {left:?}");
}

#[test]
fn no_network_says_how_to_work_offline() {
    let home = tempfile::tempdir().unwrap();
    // A port nothing listens on.
    let dead = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let e = err(encode(home.path(), &dead, "acme/some-model", &[]));
    assert!(
        e.contains("cannot reach") && e.contains("HF_HUB_OFFLINE=1"),
        "{e}"
    );
}

#[test]
fn budget_and_vocab_models_resolve_config_json_from_the_hub() {
    let hub = standard_hub();
    let home = tempfile::tempdir().unwrap();
    let v = ok(tokstat(home.path(), &hub.url)
        .args(["budget", "acme/tiny-bert", "--format", "json"])
        .output()
        .unwrap());
    let s = v.to_string();
    assert!(s.contains("acme/tiny-bert"), "{s}");
    // The same numbers as the bundled preset of the same config.json.
    let preset = ok(tokstat(home.path(), &hub.url)
        .args(["budget", "bert-base-uncased", "--format", "json"])
        .output()
        .unwrap());
    assert_eq!(
        s.replace("acme/tiny-bert", "X"),
        preset.to_string().replace("bert-base-uncased", "X")
    );
    let e = err(tokstat(home.path(), &hub.url)
        .args(["budget", "acme/nothing-here"])
        .output()
        .unwrap());
    assert!(
        e.contains("not a bundled model preset") && e.contains("acme/nothing-here"),
        "{e}"
    );
    // vocab --model with a repo id for the dead budget.
    let v = ok(tokstat(home.path(), &hub.url)
        .args([
            "vocab",
            "-t",
            "bert-base-uncased",
            "--model",
            "acme/tiny-bert",
            "--format",
            "json",
        ])
        .output()
        .unwrap());
    assert!(v.to_string().contains("acme/tiny-bert"));
}

/// Unpacks tests/data/hub/cache.tar.gz (made by tests/fixtures/hub_cache_fixture.py with the
/// Python `huggingface_hub` library) into `home`, so that `home/hub` is the cache.
fn unpack_python_cache(home: &Path) {
    let status = Command::new("tar")
        .arg("-xzf")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/hub/cache.tar.gz"))
        .arg("-C")
        .arg(home)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn a_cache_laid_out_by_huggingface_hub_is_read_offline() {
    let home = tempfile::tempdir().unwrap();
    unpack_python_cache(home.path());
    let repo = "sentence-transformers/all-MiniLM-L6-v2";
    let offline = |args: &[&str]| {
        let mut c = tokstat(home.path(), "http://127.0.0.1:9");
        c.env("HF_HUB_OFFLINE", "1").args(args);
        c.output().unwrap()
    };
    let text = "Hello World, snake_case_name   and 日本語";
    let by_name = ok(offline(&["encode", "-t", repo, "--format", "json", text]));
    assert_eq!(by_name["tokenizer"], "all-MiniLM-L6-v2");
    // The same ids as the file loaded directly.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokenizer.json");
    std::fs::write(&file, &*bpe()).unwrap();
    let direct = ok(offline(&[
        "encode",
        "-t",
        file.to_str().unwrap(),
        "--format",
        "json",
        text,
    ]));
    assert_eq!(by_name["ids"], direct["ids"]);
    assert!(!by_name["ids"].as_array().unwrap().is_empty());
    // The tag v1 (refs/v1) is another tokenizer.json: the same BPE, lowercasing.
    let v1 = ok(offline(&[
        "encode",
        "--revision",
        "v1",
        "-t",
        repo,
        "--format",
        "json",
        text,
    ]));
    let lowered = ok(offline(&[
        "encode",
        "-t",
        file.to_str().unwrap(),
        "--format",
        "json",
        &text.to_lowercase(),
    ]));
    assert_eq!(v1["ids"], lowered["ids"]);
    assert_ne!(v1["ids"], by_name["ids"]);
    // Its config.json serves budget.
    let b = ok(offline(&["budget", repo, "--format", "json"]));
    assert!(b.to_string().contains(repo));
    // A file the cache does not hold, offline: one clear message.
    let e = err(offline(&["encode", "--revision", "v2", "-t", repo, "hi"]));
    assert!(
        e.contains("not in the local cache") && e.contains("revision `v2`"),
        "{e}"
    );
}
