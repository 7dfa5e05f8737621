//! Just enough W3C WebDriver to drive headless Chromium through chromedriver: start both,
//! open a page, find elements, send a file path to a file input, click, run a script, take a
//! screenshot. Chromium runs with a fresh profile and writes a NetLog of every request it makes.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::http;

/// The W3C key of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// chromedriver with one Chromium session.
pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
}

/// Where Chromium and its profile write.
pub struct Profile {
    /// A fresh, empty `--user-data-dir`.
    pub user_data: PathBuf,
    /// Chromium's downloads.
    pub downloads: PathBuf,
    /// The NetLog (`--log-net-log`): every URL the browser requested.
    pub net_log: PathBuf,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .expect("a free port on 127.0.0.1")
        .port()
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session.
    pub fn start(chromium: &Path, chromedriver: &Path, profile: &Profile) -> Browser {
        let port = free_port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
        let mut browser = Browser {
            driver,
            port,
            session: String::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while http::request(port, "GET", "/status", None).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not answer");
            std::thread::sleep(Duration::from_millis(100));
        }
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            // Quieter: no network-time queries, no default apps, no extensions.
            "--disable-features=NetworkTimeServiceQuerying",
            "--disable-default-apps",
            "--disable-extensions",
            "--no-default-browser-check",
            "--disable-domain-reliability",
            "--no-pings",
            "--window-size=900,1000",
        ]
        .iter()
        .map(|a| a.to_string())
        .chain([
            format!("--user-data-dir={}", profile.user_data.display()),
            format!("--log-net-log={}", profile.net_log.display()),
        ])
        .collect::<Vec<_>>();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": args,
                "prefs": {
                    "download.default_directory": profile.downloads,
                    "download.prompt_for_download": false,
                },
            },
        }}});
        let value = browser.call("POST", "/session", Some(&caps));
        browser.session = value["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session id in {value}"))
            .to_owned();
        browser
    }

    /// One WebDriver command; panics with the driver's message on an error.
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let response = http::request(self.port, method, path, body)
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"));
        let value: Value = serde_json::from_slice(&response.body).unwrap_or_else(|e| {
            panic!(
                "WebDriver {method} {path}: {e}: {}",
                String::from_utf8_lossy(&response.body)
            )
        });
        assert_eq!(
            response.status, 200,
            "WebDriver {method} {path}: {}",
            value["value"]
        );
        value["value"].clone()
    }

    fn session_call(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        self.call(method, &format!("/session/{}{path}", self.session), body)
    }

    /// Opens `url`.
    pub fn goto(&self, url: &str) {
        self.session_call("POST", "/url", Some(&json!({ "url": url })));
    }

    /// The element matching the CSS selector.
    pub fn find(&self, css: &str) -> String {
        let value = self.session_call(
            "POST",
            "/element",
            Some(&json!({"using": "css selector", "value": css})),
        );
        value[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {value}"))
            .to_owned()
    }

    /// Types `text` into an element; for a file input, `text` is the path of the file chosen.
    pub fn send_keys(&self, css: &str, text: &str) {
        let element = self.find(css);
        self.session_call(
            "POST",
            &format!("/element/{element}/value"),
            Some(&json!({ "text": text })),
        );
    }

    /// Clicks an element.
    pub fn click(&self, css: &str) {
        let element = self.find(css);
        self.session_call(
            "POST",
            &format!("/element/{element}/click"),
            Some(&json!({})),
        );
    }

    /// The rendered text of an element.
    pub fn text(&self, css: &str) -> String {
        let element = self.find(css);
        let value = self.session_call("GET", &format!("/element/{element}/text"), None);
        value.as_str().unwrap_or_default().to_owned()
    }

    /// Runs `script` (a function body) in the page and returns its value.
    pub fn script(&self, script: &str) -> Value {
        self.session_call(
            "POST",
            "/execute/sync",
            Some(&json!({"script": script, "args": []})),
        )
    }

    /// Waits until the page's `document.body.dataset.state` is one of `states`; returns it.
    pub fn wait_state(&self, states: &[&str], timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let state = self.script("return document.body && document.body.dataset.state || ''");
            let state = state.as_str().unwrap_or_default();
            if states.contains(&state) {
                return state.to_owned();
            }
            assert!(
                Instant::now() < deadline,
                "page state '{state}' after {timeout:?}, waiting for {states:?}; error shown: {:?}",
                self.script("return document.getElementById('error').textContent")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A PNG screenshot of the page.
    pub fn screenshot(&self) -> Vec<u8> {
        let value = self.session_call("GET", "/screenshot", None);
        base64_decode(value.as_str().expect("base64 screenshot"))
    }

    /// Ends the session (Chromium exits and closes its NetLog) and chromedriver.
    pub fn quit(mut self) {
        self.session_call("DELETE", "", None);
        self.session.clear();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let path = format!("/session/{}", self.session);
            let _ = http::request(self.port, "DELETE", &path, None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let digits: Vec<u8> = text.bytes().filter(|&c| c != b'=').map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &d)| n | u32::from(d) << (18 - 6 * i));
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

#[test]
fn base64_decodes() {
    assert_eq!(base64_decode("aGVsbG8="), b"hello");
    assert_eq!(base64_decode("aGk="), b"hi");
    assert_eq!(base64_decode("YWJj"), b"abc");
}
