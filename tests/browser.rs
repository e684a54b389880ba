//! The token pages (`compare --html`, `encode --format html`) opened in a real browser: Debian's
//! headless Chromium driven through chromedriver with the W3C WebDriver protocol.
//!
//! Checked: the number of token elements per tokenizer equals the JSON token count, and every
//! element's `data-id`, `data-s`, `data-e` equal the ids and offsets of `tokstat encode --format
//! json`; hovering a token shows its id and byte range; a `<script>` (and an `onerror`
//! attribute) in the input is shown as text and never runs. A screenshot is saved to
//! `target/browser/compare.png`.
//!
//! chromedriver must be on PATH (`apt-get install chromium chromium-driver`; `.ci/run` installs
//! it): without it the test fails saying so.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{json_of, root, tokstat};
use serde_json::{Value, json};

/// Hostile input: markup that must stay text, quotes, an ampersand, code indentation.
const INPUT: &str = "def f(x):\n    return x  # é 🦀\n<script>window.pwned = 1</script>\n\
<img src=x onerror=\"window.pwned = 2\"> & 'q' </span>\n";

const TOKENIZERS: [&str; 3] = ["modernbert", "xlm-roberta", "roberta"];

/// A chromedriver process, killed when dropped.
struct Driver {
    child: Child,
    base: String,
    agent: ureq::Agent,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local address").port()
}

impl Driver {
    fn start() -> Driver {
        let exe = on_path("chromedriver").unwrap_or_else(|| {
            panic!(
                "chromedriver is not on PATH: install Debian's headless browser with \
                 `apt-get install -y chromium chromium-driver` (.ci/run does this)"
            )
        });
        let port = free_port();
        let child = Command::new(exe)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let driver = Driver {
            child,
            base: format!("http://127.0.0.1:{port}"),
            agent,
        };
        let started = Instant::now();
        loop {
            let ready = driver
                .agent
                .get(format!("{}/status", driver.base))
                .call()
                .ok()
                .and_then(|mut r| r.body_mut().read_to_string().ok())
                .and_then(|s| serde_json::from_str::<Value>(&s).ok())
                .is_some_and(|v| v["value"]["ready"] == true);
            if ready {
                return driver;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not become ready"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Sends a WebDriver command and returns its `value`; fails the test on a WebDriver error.
    fn send(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let resp = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            (_, b) => self
                .agent
                .post(&url)
                .header("Content-Type", "application/json")
                .send(b.unwrap_or_else(|| json!({})).to_string()),
        };
        let text = resp
            .expect("WebDriver request")
            .body_mut()
            .read_to_string()
            .expect("WebDriver response");
        let v: Value = serde_json::from_str(&text).expect("WebDriver JSON");
        assert!(
            v["value"].get("error").is_none(),
            "{method} {path}: {}",
            v["value"]
        );
        v["value"].clone()
    }
}

/// A browser session on a driver, deleted when dropped.
struct Session<'a> {
    driver: &'a Driver,
    id: String,
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        let _ = self
            .driver
            .agent
            .delete(format!("{}/session/{}", self.driver.base, self.id))
            .call();
    }
}

impl<'a> Session<'a> {
    fn new(driver: &'a Driver) -> Session<'a> {
        let mut options = json!({"args": [
            "--headless", "--no-sandbox", "--disable-background-networking",
            "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000"
        ]});
        if let Some(chromium) = on_path("chromium") {
            options["binary"] = json!(chromium);
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "goog:chromeOptions": options
        }}});
        let v = driver.send("POST", "/session", Some(caps));
        let id = v["sessionId"].as_str().expect("session id").to_string();
        Session { driver, id }
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.driver
            .send(method, &format!("/session/{}{path}", self.id), body)
    }

    fn open(&self, file: &Path) {
        let url = format!("file://{}", file.display());
        self.cmd("POST", "/url", Some(json!({ "url": url })));
    }

    fn script(&self, script: &str, args: Value) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
    }

    /// Moves the mouse to the centre of the element matched by `css`.
    fn hover(&self, css: &str) {
        let element = self.cmd(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        let actions = json!({"actions": [{
            "type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
            "actions": [{"type": "pointerMove", "duration": 0, "origin": element, "x": 0, "y": 0}]
        }]});
        self.cmd("POST", "/actions", Some(actions));
    }
}

/// `[[id, start, end], …]` of the token elements of each tokenizer column, by name.
const TOKENS_SCRIPT: &str = "return Array.from(document.querySelectorAll('[data-tokenizer]'))\
    .map(c => [c.dataset.tokenizer, Array.from(c.querySelectorAll('[data-id]'))\
    .map(s => [+s.dataset.id, +s.dataset.s, +s.dataset.e])]);";

/// `[[id, start, end], …]` from `tokstat encode -t NAME --file FILE --format json`.
fn encode_json(name: &str, file: &Path) -> Vec<Value> {
    let file = file.to_str().expect("UTF-8 path");
    let v = json_of(&["encode", "-t", name, "--file", file, "--format", "json"]);
    let ids = v["ids"].as_array().expect("ids");
    let offsets = v["offsets"].as_array().expect("offsets");
    ids.iter()
        .zip(offsets)
        .map(|(id, o)| json!([id, o[0], o[1]]))
        .collect()
}

/// Every column holds the tokens of `tokstat encode`, in order, with the same ids and offsets.
fn check_tokens(session: &Session<'_>, input: &Path, counts: &[(String, u64)]) {
    let columns = session.script(TOKENS_SCRIPT, json!([]));
    let columns = columns.as_array().expect("columns");
    assert_eq!(columns.len(), counts.len());
    for (col, (name, count)) in columns.iter().zip(counts) {
        assert_eq!(col[0], json!(name));
        let tokens = col[1].as_array().expect("tokens");
        assert_eq!(tokens.len() as u64, *count, "{name}: token elements");
        assert_eq!(*tokens, encode_json(name, input), "{name}: ids and offsets");
    }
}

/// Markup in the input is text on the page and does not run.
fn check_inert(session: &Session<'_>) {
    let v = session.script(
        "return [window.pwned === undefined, document.querySelectorAll('img').length, \
         document.querySelectorAll('script').length, \
         Array.from(document.querySelectorAll('.toks')).map(p => p.textContent)];",
        json!([]),
    );
    assert_eq!(v[0], true, "a script or handler from the input ran");
    assert_eq!(v[1], 0, "an <img> from the input became an element");
    assert_eq!(v[2], 1, "only the page's own script");
    for text in v[3].as_array().expect("texts") {
        let text = text.as_str().expect("text");
        assert!(text.contains("<script>window.pwned·=·1</script>"), "{text}");
        assert!(
            text.contains("onerror=\"window.pwned·=·2\">·&·'q'·</span>"),
            "{text}"
        );
    }
}

/// Hovering the `k`-th token of `name` shows its id and byte range.
fn check_hover(session: &Session<'_>, input: &Path, name: &str, k: usize) {
    let want = &encode_json(name, input)[k];
    session.hover(&format!(
        "[data-tokenizer=\"{name}\"] [data-id]:nth-of-type({})",
        k + 1
    ));
    let tip = session.script(
        "return document.getElementById('tip').textContent;",
        json!([]),
    );
    let tip = tip.as_str().expect("tip text");
    let expect_id = format!("{name}: id {} ", want[0]);
    let expect_bytes = format!("bytes {}–{}", want[1], want[2]);
    assert!(tip.starts_with(&expect_id), "{tip:?} for {want}");
    assert!(tip.ends_with(&expect_bytes), "{tip:?} for {want}");
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let bytes: Vec<u8> = s.bytes().filter(|&c| c != b'=').map(val).collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for c in bytes.chunks(4) {
        let n = c
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &v)| n | u32::from(v) << (18 - 6 * i));
        out.extend(n.to_be_bytes()[1..c.len()].iter());
    }
    out
}

fn screenshot(session: &Session<'_>, name: &str) {
    let png = base64_decode(
        session
            .cmd("GET", "/screenshot", None)
            .as_str()
            .expect("PNG"),
    );
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let dir = root().join("target/browser");
    std::fs::create_dir_all(&dir).expect("target/browser");
    std::fs::write(dir.join(name), png).expect("write the screenshot");
}

#[test]
fn token_pages_in_headless_chromium() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("hostile.py");
    std::fs::write(&input, INPUT).expect("write input");
    let page = dir.path().join("compare.html");
    let report = json_of(&[
        "compare",
        input.to_str().expect("UTF-8"),
        "-t",
        &TOKENIZERS.join(","),
        "--format",
        "json",
        "--html",
        page.to_str().expect("UTF-8"),
    ]);
    let counts: Vec<(String, u64)> = report["tokenizers"]
        .as_array()
        .expect("tokenizers")
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_string(),
                t["tokens"].as_u64().unwrap(),
            )
        })
        .collect();

    let driver = Driver::start();
    let session = Session::new(&driver);
    session.open(&page);
    check_tokens(&session, &input, &counts);
    check_inert(&session);
    check_hover(&session, &input, "roberta", 4);
    check_hover(&session, &input, "xlm-roberta", 9);
    screenshot(&session, "compare.png");

    // The same page from `encode --format html`.
    let out = tokstat()
        .args(["encode", "-t", "roberta", "--format", "html", "--file"])
        .arg(&input)
        .output()
        .expect("run encode");
    assert!(out.status.success());
    let page = dir.path().join("encode.html");
    std::fs::write(&page, out.stdout).expect("write page");
    session.open(&page);
    let n = encode_json("roberta", &input).len() as u64;
    check_tokens(&session, &input, &[("roberta".to_string(), n)]);
    check_inert(&session);
    check_hover(&session, &input, "roberta", 0);
    screenshot(&session, "encode.png");
}
