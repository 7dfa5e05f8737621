//! `zkmeter web` over a real socket: serves the bundle's files with their content types and a
//! Content-Security-Policy, the pinned parameters, and nothing outside the bundle.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

/// Sends a raw request line; returns the status line, the head and the body.
fn get(port: u16, request_line: &str) -> (String, String, Vec<u8>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(stream, "{request_line}\r\nHost: x\r\n\r\n").unwrap();
    let mut raw = vec![];
    stream.read_to_end(&mut raw).unwrap();
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(raw[..end].to_vec()).unwrap();
    let status = head.lines().next().unwrap().to_owned();
    (status, head, raw[end + 4..].to_vec())
}

#[test]
fn serves_the_bundle_with_content_types_and_nothing_outside_it() {
    let root = tempfile::tempdir().unwrap();
    let dist = root.path().join("dist");
    std::fs::create_dir_all(dist.join("pkg")).unwrap();
    std::fs::write(dist.join("index.html"), "<!doctype html>").unwrap();
    std::fs::write(dist.join("pkg/x_bg.wasm"), b"\0asm").unwrap();
    std::fs::write(dist.join("app.js"), "1").unwrap();
    std::fs::write(dist.join(".hidden"), "secret").unwrap();
    std::fs::write(root.path().join("outside.txt"), "secret").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(root.path().join("outside.txt"), dist.join("link.txt")).unwrap();

    let mut child = Command::new(common::BIN)
        .args(["web", "--port", "0", "--dir"])
        .arg(&dist)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line
        .split("http://127.0.0.1:")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));

    let (status, head, body) = get(port, "GET / HTTP/1.1");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(head.contains("Content-Type: text/html"), "{head}");
    assert!(
        head.contains("Content-Security-Policy: default-src 'self'"),
        "{head}"
    );
    assert_eq!(body, b"<!doctype html>");
    let (status, head, body) = get(port, "GET /pkg/x_bg.wasm?v=1 HTTP/1.1");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(head.contains("Content-Type: application/wasm"), "{head}");
    assert_eq!(body, b"\0asm");
    let (_, head, body) = get(port, "HEAD /app.js HTTP/1.1");
    assert!(head.contains("Content-Type: text/javascript"), "{head}");
    assert!(head.contains("Content-Length: 1"), "{head}");
    assert!(body.is_empty());

    // The pinned parameters for the day sizes, checked by the same hash as the store's.
    let (status, _, body) = get(port, "GET /params/k11.bin HTTP/1.1");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(zkmeter_params::from_bytes(11, &body).is_ok());

    for target in [
        "/../outside.txt",
        "/pkg/../../outside.txt",
        "/%2e%2e/outside.txt",
        "/.hidden",
        "/link.txt",
        "/missing.js",
        "/params/k99.bin",
        "//etc/passwd",
        "/pkg",
    ] {
        let (status, _, body) = get(port, &format!("GET {target} HTTP/1.1"));
        assert_eq!(status, "HTTP/1.1 404 Not Found", "{target}");
        assert!(!body.windows(6).any(|w| w == b"secret"), "{target}");
    }
    let (status, _, _) = get(port, "POST / HTTP/1.1");
    assert_eq!(status, "HTTP/1.1 405 Method Not Allowed");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn refuses_a_directory_without_a_page() {
    let empty = tempfile::tempdir().unwrap();
    let run = common::zkmeter(["web".as_ref(), "--dir".as_ref(), empty.path().as_os_str()]);
    common::assert_fails(&run, 2, "no index.html");
}
