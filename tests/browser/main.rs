//! The privacy plugin in a real browser: headless Chromium, driven through chromedriver, opens
//! the page that `zkmeter web` serves on 127.0.0.1, is given a period recorded by the meter
//! simulator and a demo tariff, shows the bill, proves it in its Web Worker and downloads the
//! submission, which the native `zkmeter verify` must accept. Chromium's NetLog must show no
//! request but the page's own files. A screenshot of the finished page is written under the
//! target directory (`browser-test/`).
//!
//! Needs the bundle (`bash scripts/web.sh build`, which `.ci/run` runs) and Debian's
//! `chromium` and `chromium-driver`. When one is missing the test fails under `CI=true` and
//! is skipped with the reason otherwise. `ZKMETER_WEB_DIST`, `ZKMETER_CHROMIUM` and
//! `ZKMETER_CHROMEDRIVER` point elsewhere.
//!
//! `browser_bench` (ignored; `scripts/browser-bench.sh` runs it) times proving in the browser
//! for the sizes in `ZKMETER_BENCH_SIZES`, `ZKMETER_BENCH_RUNS` times each.

#[path = "../common/mod.rs"]
mod common;
mod http;
mod webdriver;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{assert_ok, zkmeter, BIN};
use serde_json::Value;
use webdriver::{Browser, Profile};

/// What the test needs from outside the workspace, or why it cannot run.
struct Setup {
    dist: PathBuf,
    chromium: PathBuf,
    chromedriver: PathBuf,
}

fn find_program(env: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(env) {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

fn setup() -> Result<Setup, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dist =
        std::env::var_os("ZKMETER_WEB_DIST").map_or_else(|| root.join("web/dist"), PathBuf::from);
    if !dist.join("pkg/zkmeter_web_bg.wasm").is_file() {
        return Err(format!(
            "no bundle in {} (run `bash scripts/web.sh build`)",
            dist.display()
        ));
    }
    // A bundle built from other page sources than these is stale.
    for entry in std::fs::read_dir(root.join("web/www")).map_err(|e| e.to_string())? {
        let source = entry.map_err(|e| e.to_string())?.path();
        let built = dist.join(source.file_name().unwrap_or_default());
        if std::fs::read(&source).ok() != std::fs::read(&built).ok() {
            return Err(format!(
                "the bundle in {} is stale: {} differs (run `bash scripts/web.sh build`)",
                dist.display(),
                built.display()
            ));
        }
    }
    let chromium = find_program("ZKMETER_CHROMIUM", &["chromium", "chromium-browser"])
        .ok_or("no chromium (Debian: apt-get install chromium chromium-driver)")?;
    let chromedriver = find_program("ZKMETER_CHROMEDRIVER", &["chromedriver"])
        .ok_or("no chromedriver (Debian: apt-get install chromium-driver)")?;
    Ok(Setup {
        dist,
        chromium,
        chromedriver,
    })
}

/// The setup, or `None` after printing why the test is skipped; under `CI=true` a missing
/// piece fails the test.
fn setup_or_skip(test: &str) -> Option<Setup> {
    match setup() {
        Ok(setup) => Some(setup),
        Err(why) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("{test} cannot run in CI: {why}")
        }
        Err(why) => {
            eprintln!("SKIPPED {test}: {why}");
            None
        }
    }
}

/// `<target>/browser-test`, next to the test binaries (not in the source tree).
fn artifact_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // <target>/<profile>/deps/<test binary>
    let target = exe
        .ancestors()
        .nth(3)
        .expect("test binary under <target>/<profile>/deps");
    let dir = target.join("browser-test");
    std::fs::create_dir_all(&dir).expect("artifact dir");
    dir
}

/// `zkmeter web` on a free port of 127.0.0.1.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(dist: &Path) -> Server {
        let mut child = Command::new(BIN)
            .args(["web", "--port", "0", "--dir"])
            .arg(dist)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start zkmeter web");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("zkmeter web prints its address");
        let port = line
            .split("http://127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        Server { child, port }
    }

    fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One recorded billing period: meter keys, the period file and the utility's tariff.
struct Recorded {
    meter_pub: PathBuf,
    period: PathBuf,
    tariff: PathBuf,
}

fn record(dir: &Path, size: &str, start: &str) -> Recorded {
    let keys = dir.join("keys");
    assert_ok(&zkmeter([
        "meter".as_ref(),
        "keygen".as_ref(),
        "--out".as_ref(),
        keys.as_os_str(),
    ]));
    let period = dir.join("period.bin");
    let tariff = dir.join("tariff.json");
    let key = keys.join("meter.key");
    assert_ok(&zkmeter([
        "meter".as_ref(),
        "record".as_ref(),
        "--key".as_ref(),
        key.as_os_str(),
        "--meter-id".as_ref(),
        "browser-1".as_ref(),
        "--start".as_ref(),
        start.as_ref(),
        "--slot-minutes".as_ref(),
        "15".as_ref(),
        "--size".as_ref(),
        size.as_ref(),
        "--synthetic".as_ref(),
        "7".as_ref(),
        "--out".as_ref(),
        period.as_os_str(),
    ]));
    assert_ok(&zkmeter([
        "tariff".as_ref(),
        "demo".as_ref(),
        "--start".as_ref(),
        start.as_ref(),
        "--slot-minutes".as_ref(),
        "15".as_ref(),
        "--size".as_ref(),
        size.as_ref(),
        "--seed".as_ref(),
        "3".as_ref(),
        // Charges, so the page's invoice preview has lines of its own.
        "--standing-charge".as_ref(),
        "0.6042".as_ref(),
        "--vat".as_ref(),
        "5".as_ref(),
        "--out".as_ref(),
        tariff.as_os_str(),
    ]));
    Recorded {
        meter_pub: keys.join("meter.pub"),
        period,
        tariff,
    }
}

fn profile(dir: &Path) -> Profile {
    let profile = Profile {
        user_data: dir.join("chromium-profile"),
        downloads: dir.join("downloads"),
        net_log: dir.join("netlog.json"),
    };
    std::fs::create_dir_all(&profile.downloads).expect("downloads dir");
    profile
}

/// What the page showed and measured for one proof.
struct Proved {
    bill: String,
    bill_exact: String,
    import: String,
    filled: String,
    /// The invoice total the page previewed, e.g. `120.27 GBP`.
    invoice_total: String,
    /// `[parameters, key, proof]` in ms, as the page measured them.
    times: [u64; 3],
}

/// Chooses the files, waits for the bill, proves and waits until the page is done.
fn prove_in_page(browser: &Browser, recorded: &Recorded) -> Proved {
    let path = |p: &Path| p.to_str().expect("UTF-8 path").to_owned();
    browser.send_keys("#tariff", &path(&recorded.tariff));
    browser.send_keys("#period", &path(&recorded.period));
    browser.wait_state(&["checked"], Duration::from_secs(60));
    let proved = |css: &str| browser.text(css);
    let (bill, bill_exact, import, filled, invoice_total) = (
        proved("#bill"),
        proved("#bill-exact"),
        proved("#import"),
        proved("#filled"),
        proved("#invoice-total"),
    );
    browser.click("#prove");
    let state = browser.wait_state(&["done", "error"], Duration::from_secs(900));
    assert_eq!(
        state,
        "done",
        "proving failed in the page: {}",
        browser.text("#error")
    );
    let times = browser.script(
        "const d = document.getElementById('result').dataset; \
         return [d.paramsMs, d.keygenMs, d.proveMs].map(Number);",
    );
    let ms = |i: usize| {
        times[i]
            .as_u64()
            .unwrap_or_else(|| panic!("timings {times}"))
    };
    Proved {
        bill,
        bill_exact,
        import,
        filled,
        invoice_total,
        times: [ms(0), ms(1), ms(2)],
    }
}

fn wait_for_file(path: &Path, timeout: Duration) -> Vec<u8> {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        let partial = path.with_extension("bin.crdownload");
        if let Ok(bytes) = std::fs::read(path) {
            if !bytes.is_empty() && !partial.exists() {
                return bytes;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no download at {}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// One request in Chromium's NetLog (`URL_REQUEST_START_JOB`): its URL, the origin that
/// initiated it and its network isolation key (the top frame's site and the frame's site).
#[derive(Debug)]
struct Request {
    url: String,
    initiator: String,
    isolation_key: String,
}

/// Every request the browser started, from its NetLog.
fn net_log_requests(path: &Path) -> Vec<Request> {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("NetLog {}: {e}", path.display()));
    // A log cut short by a killed browser lacks its closing brackets.
    let log: Value = serde_json::from_str(&text)
        .or_else(|_| serde_json::from_str(&format!("{}]}}", text.trim_end().trim_end_matches(','))))
        .unwrap_or_else(|e| panic!("NetLog {} is not JSON: {e}", path.display()));
    let start_job = &log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"];
    assert!(
        start_job.is_u64(),
        "no URL_REQUEST_START_JOB in the NetLog's constants"
    );
    let field = |params: &Value, name: &str| params[name].as_str().unwrap_or("").to_owned();
    log["events"]
        .as_array()
        .expect("NetLog events")
        .iter()
        .filter(|event| &event["type"] == start_job && event["params"]["url"].is_string())
        .map(|event| Request {
            url: field(&event["params"], "url"),
            initiator: field(&event["params"], "initiator"),
            isolation_key: field(&event["params"], "network_isolation_key"),
        })
        .collect()
}

/// The site every page of the test is served from (`zkmeter web` binds 127.0.0.1).
const SITE: &str = "http://127.0.0.1";

/// The requests the page made (initiated by its site, or under its network isolation key),
/// and the rest (Chromium's own).
fn page_requests(requests: &[Request]) -> (Vec<&Request>, Vec<&Request>) {
    requests.iter().partition(|r| {
        r.initiator.starts_with(SITE) || r.isolation_key.split(' ').any(|s| s == SITE)
    })
}

/// The page's requests for anything not on `origin`.
fn off_origin<'a>(page: &[&'a Request], origin: &str) -> Vec<&'a Request> {
    page.iter()
        .filter(|r| !r.url.starts_with(&format!("{origin}/")))
        .copied()
        .collect()
}

/// The NetLog check can fail: the honest page's log passes it, and a page that sends the
/// browser elsewhere (a navigation, which no Content-Security-Policy of the page can stop) is
/// caught with the URL it went to.
#[test]
fn the_net_log_check_catches_a_page_that_goes_off_its_origin() {
    let Some(setup) = setup_or_skip("the_net_log_check_catches_a_page_that_goes_off_its_origin")
    else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(&setup.dist);
    let origin = server.origin();
    let run = |leak: bool, name: &str| {
        let profile = profile(&dir.path().join(name));
        let browser = Browser::start(&setup.chromium, &setup.chromedriver, &profile);
        browser.goto(&format!("{origin}/"));
        browser.wait_state(&["idle"], Duration::from_secs(30));
        if leak {
            // 127.0.0.2 is another origin; port 9 (discard) is closed, so nothing answers,
            // but the request is made and logged.
            browser.script("location.href = 'http://127.0.0.2:9/leak?reading=212'; return 0;");
            std::thread::sleep(Duration::from_secs(2));
        }
        browser.quit();
        net_log_requests(&profile.net_log)
    };
    let honest = run(false, "honest");
    let (page, _) = page_requests(&honest);
    assert!(!page.is_empty() && off_origin(&page, &origin).is_empty());
    let leaky = run(true, "leaky");
    let (page, _) = page_requests(&leaky);
    let off: Vec<&str> = off_origin(&page, &origin)
        .iter()
        .map(|r| r.url.as_str())
        .collect();
    assert_eq!(off, ["http://127.0.0.2:9/leak?reading=212"], "{leaky:#?}");
}

#[test]
fn the_page_proves_a_day_and_the_native_verifier_accepts_it() {
    let Some(setup) = setup_or_skip("the_page_proves_a_day_and_the_native_verifier_accepts_it")
    else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let recorded = record(dir.path(), "day-15min", "2026-03-02T00:00:00Z");
    let server = Server::start(&setup.dist);
    let profile = profile(dir.path());
    let browser = Browser::start(&setup.chromium, &setup.chromedriver, &profile);
    browser.goto(&format!("{}/", server.origin()));
    browser.wait_state(&["idle"], Duration::from_secs(30));

    // A hostile file first: the tariff's JSON as the period. Refused with the reason, no crash.
    browser.send_keys("#tariff", recorded.tariff.to_str().expect("UTF-8"));
    browser.send_keys("#period", recorded.tariff.to_str().expect("UTF-8"));
    browser.wait_state(&["error"], Duration::from_secs(30));
    let error = browser.text("#error");
    assert!(
        error.starts_with("period file:") && error.contains("not a zkmeter file"),
        "{error}"
    );

    let proved = prove_in_page(&browser, &recorded);
    assert_eq!(proved.filled, "0");
    browser.click("#download");
    let submission = dir.path().join("submission.bin");
    let bytes = wait_for_file(
        &profile.downloads.join("submission.bin"),
        Duration::from_secs(30),
    );
    std::fs::write(&submission, &bytes).expect("copy the submission");
    let shot = artifact_dir().join("day-15min-finished-page.png");
    std::fs::write(&shot, browser.screenshot()).expect("screenshot");
    eprintln!(
        "browser proof of day-15min: parameters {} ms, key {} ms, proof {} ms; screenshot {}",
        proved.times[0],
        proved.times[1],
        proved.times[2],
        shot.display()
    );
    browser.quit();

    // The utility's side, natively: the downloaded submission is accepted with the very bill
    // and energy the page showed before proving.
    let verified = zkmeter([
        "verify".as_ref(),
        "--submission".as_ref(),
        submission.as_os_str(),
        "--meter-pub".as_ref(),
        recorded.meter_pub.as_os_str(),
        "--tariff".as_ref(),
        recorded.tariff.as_os_str(),
    ]);
    assert_ok(&verified);
    let currency = proved.bill.split(' ').next().expect("currency");
    for shown in [
        format!("bill {} (exactly {})", proved.bill, proved.bill_exact),
        format!("import {}", proved.import),
    ] {
        assert!(
            verified.stdout.contains(&shown),
            "page showed '{shown}' ({currency}); verify printed: {}",
            verified.stdout
        );
    }
    // The invoice the page previewed before proving is the one the utility prints.
    let total = verified
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("Total"))
        .unwrap_or_else(|| panic!("no invoice total in {}", verified.stdout));
    assert!(
        !proved.invoice_total.is_empty() && total.trim_end().ends_with(&proved.invoice_total),
        "page previewed '{}'; verify printed '{total}'",
        proved.invoice_total
    );

    // Nothing but the page's own files: every request the page made (initiated by its origin
    // or isolated under its site: the document, its scripts, its worker, the WebAssembly, the
    // parameters) is for a file of its origin; and the page's files are all there. Requests
    // Chromium makes for itself (no initiating origin, another site) are listed, not the page's.
    let requests = net_log_requests(&profile.net_log);
    let origin = server.origin();
    let (page, browser_own) = page_requests(&requests);
    let off_page = off_origin(&page, &origin);
    assert!(off_page.is_empty(), "the page requested: {off_page:#?}");
    let page_urls: Vec<_> = page.iter().map(|r| r.url.as_str()).collect();
    for own in [
        "/",
        "/app.js",
        "/worker.js",
        "/pkg/zkmeter_web_bg.wasm",
        "/params/k11.bin",
    ] {
        assert!(
            page_urls.contains(&format!("{origin}{own}").as_str()),
            "{own} missing from the NetLog: {page_urls:?}"
        );
    }
    eprintln!(
        "NetLog: {} requests of the page, all on {origin}; {} of Chromium itself: {:?}",
        page.len(),
        browser_own.len(),
        browser_own.iter().map(|r| &r.url).collect::<Vec<_>>()
    );
}

/// Times proving in the browser: `ZKMETER_BENCH_SIZES` (default `day-15min,month-15min`),
/// `ZKMETER_BENCH_RUNS` (default 3) fresh page loads each. Prints one line per run.
#[test]
#[ignore = "benchmark: scripts/browser-bench.sh"]
fn browser_bench() {
    let Some(setup) = setup_or_skip("browser_bench") else {
        return;
    };
    let sizes =
        std::env::var("ZKMETER_BENCH_SIZES").unwrap_or_else(|_| "day-15min,month-15min".into());
    let runs: usize = std::env::var("ZKMETER_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let server = Server::start(&setup.dist);
    for size in sizes.split(',') {
        let dir = tempfile::tempdir().expect("temp dir");
        let recorded = record(dir.path(), size, "2026-01-01T00:00:00Z");
        let profile = profile(dir.path());
        let browser = Browser::start(&setup.chromium, &setup.chromedriver, &profile);
        for run in 1..=runs {
            browser.goto(&format!("{}/", server.origin()));
            browser.wait_state(&["idle"], Duration::from_secs(30));
            let proved = prove_in_page(&browser, &recorded);
            println!(
                "browser-bench size={size} run={run} params_ms={} keygen_ms={} prove_ms={} bill={}",
                proved.times[0], proved.times[1], proved.times[2], proved.bill_exact
            );
        }
        browser.quit();
    }
}
