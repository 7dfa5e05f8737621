//! A tiny HTTP/1.1 client over `TcpStream`, enough to talk to chromedriver on 127.0.0.1:
//! one request per connection, JSON bodies, `Content-Length` or chunked responses.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value;

/// A response: status code and body.
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
}

/// Sends `method path` with an optional JSON body to 127.0.0.1:`port`.
pub fn request(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> std::io::Result<Response> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json; \
         charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    // Read only as far as the response goes: a server may keep the connection open.
    let mut raw = vec![];
    let mut buf = [0u8; 64 * 1024];
    loop {
        if let Some(response) = parse(&raw) {
            return Ok(response);
        }
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return parse_at_eof(&raw).ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!(
                        "malformed HTTP response: {}",
                        String::from_utf8_lossy(&raw[..raw.len().min(200)])
                    ),
                )
            });
        }
        raw.extend_from_slice(&buf[..n]);
    }
}

/// A response whose end is only the end of the connection (no length, not chunked).
fn parse_at_eof(raw: &[u8]) -> Option<Response> {
    let (status, framing, body) = head(raw)?;
    matches!(framing, Framing::Eof).then(|| Response {
        status,
        body: body.to_vec(),
    })
}

enum Framing {
    Length(usize),
    Chunked,
    Eof,
}

/// Status, framing and the bytes after the head.
fn head(raw: &[u8]) -> Option<(u16, Framing, &[u8])> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let mut framing = Framing::Eof;
    for line in lines {
        let (name, value) = line.split_once(':')?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("transfer-encoding") && value.eq_ignore_ascii_case("chunked") {
            framing = Framing::Chunked;
        } else if name.eq_ignore_ascii_case("content-length") {
            framing = Framing::Length(value.parse().ok()?);
        }
    }
    Some((status, framing, &raw[end + 4..]))
}

/// The response if `raw` holds all of it (by its length or its last chunk).
fn parse(raw: &[u8]) -> Option<Response> {
    let (status, framing, rest) = head(raw)?;
    let body = match framing {
        Framing::Length(n) => rest.get(..n)?.to_vec(),
        Framing::Chunked => dechunk(rest)?,
        Framing::Eof => return None,
    };
    Some(Response { status, body })
}

fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = vec![];
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&rest[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size + 2..)?;
    }
}

#[test]
fn responses_parse_by_length_and_chunks() {
    let r = parse(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}").unwrap();
    assert_eq!((r.status, r.body.as_slice()), (200, &b"{}"[..]));
    let r = parse(b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n")
        .unwrap();
    assert_eq!((r.status, r.body.as_slice()), (404, &b"abc"[..]));
    assert!(parse(b"garbage").is_none());
    // Incomplete: more to read.
    assert!(parse(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n{}").is_none());
    let r = parse_at_eof(b"HTTP/1.1 200 OK\r\n\r\nall").unwrap();
    assert_eq!(r.body, b"all");
}
