//! A real headless Chromium for page tests, driven over WebDriver (Debian's `chromium` and
//! `chromium-driver`; `.ci/run` installs them). The HTTP the protocol needs — a JSON request,
//! a JSON answer, one connection each — is a few lines over `TcpStream`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The browser binary: `GRADVIZ_TEST_CHROMIUM`, else Debian's.
fn chromium() -> String {
    std::env::var("GRADVIZ_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
}

/// The flags every headless run here takes: no sandbox (CI runs as root), no GPU, nothing
/// that reaches the network on its own, and a fresh profile.
pub fn chromium_flags(profile: &Path) -> Vec<String> {
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1400,800",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect()
}

/// A chromedriver process and one browser session; both end when this is dropped.
pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session that records console messages.
    pub fn start() -> Browser {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            // Not the test's stdin: the browser's launcher once wrote its messages into it.
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs (apt-get install chromium-driver)");
        let profile = tempfile::tempdir().expect("a profile directory");
        let mut browser = Browser {
            driver,
            port,
            session: String::new(),
            _profile: profile,
        };
        browser.wait_until_ready();
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium(),
                "args": chromium_flags(browser._profile.path()),
            },
            "goog:loggingPrefs": {"browser": "ALL"},
        }}});
        let answer = browser.request("POST", "/session", Some(&capabilities));
        browser.session = answer["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {answer}"))
            .to_string();
        browser
    }

    fn wait_until_ready(&self) {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("chromedriver did not listen on port {}", self.port);
    }

    /// Loads `url` (WebDriver waits for the load event).
    pub fn navigate(&self, url: &str) {
        self.command("POST", "url", Some(&json!({ "url": url })));
    }

    /// Opens `url` and waits until the page's script has run (`<html data-ready>`).
    pub fn open(&self, url: &str) {
        self.navigate(url);
        let start = Instant::now();
        while self.eval("return document.documentElement.dataset.ready === 'true'") != json!(true) {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "the page at {url} never became ready"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Runs `script` (a function body) in the page and returns what it returns.
    pub fn eval(&self, script: &str) -> Value {
        self.command(
            "POST",
            "execute/sync",
            Some(&json!({"script": script, "args": []})),
        )
    }

    /// The element `css` selects, as WebDriver's element reference.
    pub fn find(&self, css: &str) -> String {
        let found = self.command(
            "POST",
            "element",
            Some(&json!({"using": "css selector", "value": css})),
        );
        found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}: {found}"))
            .to_string()
    }

    /// A real click on the element `css` selects.
    pub fn click(&self, css: &str) {
        let element = self.find(css);
        self.command(
            "POST",
            &format!("element/{element}/click"),
            Some(&json!({})),
        );
    }

    /// Types `text` into the element `css` selects (WebDriver key codes: `\u{E007}` Enter,
    /// `\u{E014}` ArrowRight, `\u{E012}` ArrowLeft).
    pub fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css);
        self.command(
            "POST",
            &format!("element/{element}/value"),
            Some(&json!({ "text": text })),
        );
    }

    /// Console messages of level SEVERE (errors, uncaught exceptions) since the last call.
    pub fn console_errors(&self) -> Vec<String> {
        let log = self.command("POST", "se/log", Some(&json!({"type": "browser"})));
        log.as_array()
            .into_iter()
            .flatten()
            .filter(|entry| entry["level"] == "SEVERE")
            .map(|entry| entry["message"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// A PNG of the window.
    pub fn screenshot(&self) -> Vec<u8> {
        let encoded = self.command("GET", "screenshot", None);
        base64_decode(encoded.as_str().expect("a base64 screenshot"))
    }

    fn command(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let path = format!("/session/{}/{path}", self.session);
        let answer = self.request(method, &path, body);
        if answer["value"].get("error").is_some() {
            panic!("WebDriver {method} {path} failed: {answer}");
        }
        answer["value"].clone()
    }

    fn request(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let body = body.map(Value::to_string).unwrap_or_default();
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("chromedriver");
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        );
        stream.write_all(request.as_bytes()).expect("send");
        let json = read_response(&mut stream);
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("not JSON ({e}): {json}"))
    }
}

/// The body of an HTTP response, read up to its `Content-Length`: chromedriver keeps the
/// connection open whatever the request asks.
fn read_response(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let mut buffer = [0u8; 65536];
    loop {
        let read = stream.read(&mut buffer).expect("receive");
        assert!(read > 0, "chromedriver closed the connection early");
        received.extend_from_slice(&buffer[..read]);
        let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&received[..end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no Content-Length in {head}"));
        while received.len() < end + 4 + length {
            let read = stream.read(&mut buffer).expect("receive");
            assert!(read > 0, "chromedriver closed the connection early");
            received.extend_from_slice(&buffer[..read]);
        }
        return String::from_utf8_lossy(&received[end + 4..end + 4 + length]).into_owned();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let path = format!("/session/{}", self.session);
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.request("DELETE", &path, None)
            }));
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let digits: Vec<u8> = text.bytes().filter(|&c| c != b'=').map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let bits = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &d)| acc | (u32::from(d) << (18 - 6 * i)));
        let bytes = bits.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}
