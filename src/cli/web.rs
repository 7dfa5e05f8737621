//! `zkmeter web`: serves the browser plugin's bundle (built by `scripts/web.sh`) on
//! 127.0.0.1 only, with a tiny HTTP/1.1 static file server (GET and HEAD, one request per
//! connection). Request paths are a whitelist of plain names, so nothing outside the bundle
//! can be named; `/params/k{K}.bin` for a pinned `K` comes from the bundle when it has the
//! file, else from the parameter store (generated once, checked by hash). The page checks the
//! parameters' pinned SHA-256 itself either way.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Args;

use super::{usage, CliError};

#[derive(Debug, Args)]
pub struct WebArgs {
    /// The bundle to serve: `web/dist` after `scripts/web.sh build`.
    #[arg(long, value_name = "DIR")]
    dir: PathBuf,
    /// Port on 127.0.0.1 (0: any free port; the address is printed).
    #[arg(long, default_value_t = 8080)]
    port: u16,
}

/// The page's Content-Security-Policy, sent with every file (the worker and the WebAssembly
/// get it from their own responses): nothing but this origin, no form posts, no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    worker-src 'self'; connect-src 'self'; img-src 'self' blob: data:; style-src 'self'; \
    form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

/// Largest request head read (request line and headers).
const MAX_HEAD: u64 = 16 * 1024;
/// Largest file served.
const MAX_FILE: u64 = 64 * 1024 * 1024;

pub fn run(args: WebArgs, store: &zkmeter_params::ParamStore) -> Result<(), CliError> {
    if !args.dir.join("index.html").is_file() {
        return Err(CliError::Usage(format!(
            "--dir {}: no index.html (build the bundle with `bash scripts/web.sh build`)",
            args.dir.display()
        )));
    }
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, args.port))
        .map_err(|e| usage(format!("127.0.0.1:{}", args.port), e))?;
    let port = listener
        .local_addr()
        .map_err(|e| usage("listener", e))?
        .port();
    println!(
        "Serving {} at http://127.0.0.1:{port}/ (Ctrl-C to stop)",
        args.dir.display()
    );
    let _ = std::io::stdout().flush();
    let server = Arc::new(Server {
        dir: args.dir,
        store: store.clone(),
        params: Mutex::new(HashMap::new()),
    });
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let server = Arc::clone(&server);
        std::thread::spawn(move || {
            if let Err(e) = server.handle(stream) {
                eprintln!("web: {e}");
            }
        });
    }
    Ok(())
}

struct Server {
    dir: PathBuf,
    store: zkmeter_params::ParamStore,
    params: Mutex<HashMap<u32, Arc<Vec<u8>>>>,
}

/// A response: status line, content type and body.
struct Reply {
    status: &'static str,
    content_type: &'static str,
    body: Arc<Vec<u8>>,
}

impl Reply {
    fn text(status: &'static str) -> Reply {
        Reply {
            status,
            content_type: "text/plain; charset=utf-8",
            body: Arc::new(format!("{status}\n").into_bytes()),
        }
    }
}

impl Server {
    fn handle(&self, stream: TcpStream) -> std::io::Result<()> {
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        stream.set_write_timeout(Some(Duration::from_secs(60)))?;
        let mut reader = BufReader::new(stream.try_clone()?.take(MAX_HEAD));
        let mut request_line = String::new();
        reader.read_line(&mut request_line)?;
        // The rest of the head: read up to the blank line (headers are not used).
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
                break;
            }
        }
        let mut parts = request_line.split_ascii_whitespace();
        let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let reply = match method {
            "GET" | "HEAD" => self.get(target),
            _ => Reply::text("405 Method Not Allowed"),
        };
        write_reply(stream, &reply, method == "HEAD")
    }

    fn get(&self, target: &str) -> Reply {
        let path = target.split(['?', '#']).next().unwrap_or("");
        let Some(names) = plain_names(path) else {
            return Reply::text("404 Not Found");
        };
        let names = if names.is_empty() {
            vec!["index.html"]
        } else {
            names
        };
        let file: PathBuf = names.iter().fold(self.dir.clone(), |p, n| p.join(n));
        match read_regular(&file) {
            Some(body) => Reply {
                status: "200 OK",
                content_type: mime(&file),
                body: Arc::new(body),
            },
            None => match params_k(&names) {
                Some(k) => self.params(k),
                None => Reply::text("404 Not Found"),
            },
        }
    }

    /// The parameter file for a pinned `k`, from the store (generated there once if missing).
    fn params(&self, k: u32) -> Reply {
        let mut cache = self.params.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(bytes) = cache.get(&k) {
            return params_reply(Arc::clone(bytes));
        }
        match self.store.load(k, |_| {}) {
            Ok(params) => {
                let mut bytes = Vec::with_capacity(zkmeter_params::file_len(k) as usize);
                if params.write(&mut bytes).is_err() {
                    return Reply::text("500 Internal Server Error");
                }
                let bytes = Arc::new(bytes);
                cache.insert(k, Arc::clone(&bytes));
                params_reply(bytes)
            }
            Err(e) => {
                eprintln!("web: parameters for k = {k}: {e}");
                Reply::text("500 Internal Server Error")
            }
        }
    }
}

fn params_reply(body: Arc<Vec<u8>>) -> Reply {
    Reply {
        status: "200 OK",
        content_type: "application/octet-stream",
        body,
    }
}

/// The path's segments if every one is a plain name (`[A-Za-z0-9._-]`, not starting with a
/// dot): no `..`, no hidden files, no percent-encoding, no backslashes. `/` is no segments.
fn plain_names(path: &str) -> Option<Vec<&str>> {
    let rest = path.strip_prefix('/')?;
    if rest.is_empty() {
        return Some(vec![]);
    }
    rest.split('/')
        .map(|name| {
            let plain = !name.is_empty()
                && !name.starts_with('.')
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
            plain.then_some(name)
        })
        .collect()
}

/// `k` for `params/k{k}.bin` when `k` has pinned parameters.
fn params_k(names: &[&str]) -> Option<u32> {
    let [dir, file] = names else { return None };
    let k: u32 = file.strip_prefix('k')?.strip_suffix(".bin")?.parse().ok()?;
    (*dir == "params" && zkmeter_params::pinned_hash(k).is_ok()).then_some(k)
}

/// A regular file's bytes (not a link, not a directory, at most [`MAX_FILE`]).
fn read_regular(path: &Path) -> Option<Vec<u8>> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    if !meta.file_type().is_file() || meta.len() > MAX_FILE {
        return None;
    }
    std::fs::read(path).ok()
}

/// The content type by extension (`application/wasm` for streaming compilation).
fn mime(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn write_reply(mut stream: TcpStream, reply: &Reply, head_only: bool) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-cache\r\n\
         X-Content-Type-Options: nosniff\r\nContent-Security-Policy: {CSP}\r\n\
         Referrer-Policy: no-referrer\r\nConnection: close\r\n\r\n",
        reply.status,
        reply.content_type,
        reply.body.len()
    );
    stream.write_all(head.as_bytes())?;
    if !head_only {
        stream.write_all(&reply.body)?;
    }
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_are_served() {
        assert_eq!(plain_names("/"), Some(vec![]));
        assert_eq!(
            plain_names("/pkg/zkmeter_web.js"),
            Some(vec!["pkg", "zkmeter_web.js"])
        );
        for hostile in [
            "",
            "index.html",
            "/../etc/passwd",
            "/pkg/../../x",
            "/.git/config",
            "/a//b",
            "/a/",
            "/%2e%2e/x",
            "/a\\..\\b",
            "//etc/passwd",
        ] {
            assert_eq!(plain_names(hostile), None, "{hostile}");
        }
    }

    #[test]
    fn params_route_only_for_pinned_k() {
        assert_eq!(params_k(&["params", "k11.bin"]), Some(11));
        assert_eq!(params_k(&["params", "k13.bin"]), Some(13));
        assert_eq!(params_k(&["params", "k99.bin"]), None);
        assert_eq!(params_k(&["params", "k11.txt"]), None);
        assert_eq!(params_k(&["other", "k11.bin"]), None);
        assert_eq!(params_k(&["k11.bin"]), None);
    }

    #[test]
    fn mime_types() {
        assert_eq!(mime(Path::new("a/x.wasm")), "application/wasm");
        assert_eq!(mime(Path::new("x.js")), "text/javascript; charset=utf-8");
        assert_eq!(mime(Path::new("index.html")), "text/html; charset=utf-8");
        assert_eq!(mime(Path::new("k11.bin")), "application/octet-stream");
    }
}
