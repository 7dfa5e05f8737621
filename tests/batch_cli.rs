//! End-to-end tests of `zkmeter corpus` and `zkmeter batch-verify`: the report and summary of a
//! mixed corpus (honest, duplicate, tampered, revoked, hostile files), idempotent re-runs,
//! first-by-name wins whatever the threads and chunking, duplicates across batches, the job's
//! own failures (unreadable registry, locked ledger), and crashes: the job aborted at named
//! points (`ZKMETER_FAULT`) and killed with SIGKILL, then run again, ends with the same ledger
//! and a byte-identical report.
//!
//! One corpus (day-15min, 5 meters) is generated once per test run and shared read-only.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

mod common;

use zkmeter_verifier::ledger::{BillRecord, Ledger};

use common::BIN;

/// The shared corpus: 5 meters, meter 0 resubmitted (fresh proof and byte copy), meter 1
/// tampered, meter 4 revoked, and the hostile files.
fn corpus() -> &'static Path {
    static CORPUS: OnceLock<PathBuf> = OnceLock::new();
    CORPUS.get_or_init(|| {
        common::remove_stale_dirs("zkmeter-batch-corpus-");
        let dir = tempfile::Builder::new()
            .prefix("zkmeter-batch-corpus-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .unwrap()
            .keep();
        let out = run(&[
            "corpus",
            "--meters",
            "5",
            "--size",
            "day-15min",
            "--duplicates",
            "1",
            "--tampered",
            "1",
            "--revoked",
            "1",
            "--hostile",
            "--out",
            dir.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "corpus failed: {}", show(&out));
        dir
    })
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("start zkmeter")
}

fn show(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout ---\n{}--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A job's working directory: ledger, report, summary (the corpus is shared).
struct Job {
    dir: tempfile::TempDir,
}

impl Job {
    fn new() -> Self {
        Job {
            dir: tempfile::Builder::new()
                .prefix("zkmeter-batch-job-")
                .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
                .unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn command(&self, input: &Path, extra: &[&str]) -> Command {
        self.command_with(input, &corpus().join("meters"), extra)
    }

    fn command_with(&self, input: &Path, registry: &Path, extra: &[&str]) -> Command {
        let c = corpus();
        let mut cmd = Command::new(BIN);
        cmd.arg("batch-verify")
            .arg("--in")
            .arg(input)
            .arg("--meters")
            .arg(registry)
            .arg("--tariffs")
            .arg(c.join("tariffs"))
            .arg("--ledger")
            .arg(self.path("ledger.sqlite"))
            .arg("--report")
            .arg(self.path("report.csv"))
            .arg("--summary")
            .arg(self.path("summary.json"))
            .args(extra)
            .env_remove("ZKMETER_FAULT");
        cmd
    }

    fn batch(&self, extra: &[&str]) -> Output {
        self.batch_in(&corpus().join("submissions"), extra)
    }

    fn batch_in(&self, input: &Path, extra: &[&str]) -> Output {
        let out = self.command(input, extra).output().expect("start zkmeter");
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("panicked"),
            "{}",
            show(&out)
        );
        out
    }

    fn report(&self) -> String {
        std::fs::read_to_string(self.path("report.csv")).expect("report written")
    }

    fn summary(&self) -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(self.path("summary.json")).unwrap()).unwrap()
    }

    fn ledger(&self) -> Vec<BillRecord> {
        Ledger::open(&self.path("ledger.sqlite"))
            .unwrap()
            .all()
            .unwrap()
    }
}

/// The report and ledger of one uninterrupted run over the corpus (computed once).
fn reference() -> &'static (String, Vec<BillRecord>) {
    static REFERENCE: OnceLock<(String, Vec<BillRecord>)> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        let job = Job::new();
        let out = job.batch(&["--chunk", "3"]);
        assert!(out.status.success(), "{}", show(&out));
        (job.report(), job.ledger())
    })
}

/// The report's row for `file`, split into its columns (no field of this corpus is quoted
/// except reasons with commas, which are last).
fn row<'a>(report: &'a str, file: &str) -> Vec<&'a str> {
    let line = report
        .lines()
        .find(|l| l.starts_with(&format!("{file},")))
        .unwrap_or_else(|| panic!("no row for {file} in\n{report}"));
    line.splitn(7, ',').collect()
}

#[test]
fn a_mixed_batch_gets_one_row_per_file_with_its_outcome_and_reason() {
    let job = Job::new();
    let out = job.batch(&[]);
    assert!(out.status.success(), "{}", show(&out));
    let report = job.report();
    let mut lines = report.lines();
    assert_eq!(
        lines.next(),
        Some("file,meter_id,period_start,outcome,bill,energy_wh,reason")
    );
    let files: Vec<&str> = lines.map(|l| l.split(',').next().unwrap()).collect();
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted, "rows are sorted by file");
    assert_eq!(files.len(), 5 + 2 + 1 + 9);

    // Honest files are accepted with their bill; the revoked meter is not.
    for i in 0..4 {
        let r = row(&report, &format!("meter-00000{i}.bin"));
        assert_eq!(r[3], "accepted", "{r:?}");
        assert!(
            r[4].parse::<i128>().is_ok() && r[5].parse::<u64>().is_ok(),
            "{r:?}"
        );
        assert_eq!(r[6], "");
    }
    let expect = [
        (
            "meter-000004.bin",
            "rejected",
            "meter meter-000004 is revoked",
        ),
        (
            "meter-000000.copy.bin",
            "duplicate",
            "already claimed by meter-000000.bin",
        ),
        (
            "meter-000000.resubmitted.bin",
            "duplicate",
            "already claimed by meter-000000.bin",
        ),
        (
            "meter-000001.tampered.bin",
            "rejected",
            "proof does not verify",
        ),
        ("hostile/empty.bin", "rejected", "bad magic"),
        ("hostile/garbage.bin", "rejected", "bad magic"),
        ("hostile/truncated.bin", "rejected", "malformed"),
        (
            "hostile/oversized.bin",
            "rejected",
            "larger than the 65536-byte cap",
        ),
        ("hostile/wrong-version.bin", "rejected", "format version 3"),
        (
            "hostile/period-file.bin",
            "rejected",
            "this is a period file",
        ),
        (
            "hostile/bad-signature.bin",
            "rejected",
            "meter signature rejected",
        ),
        (
            "hostile/unknown-meter.bin",
            "rejected",
            "unknown meter meter-unregistered",
        ),
        (
            "hostile/no-tariff.bin",
            "rejected",
            "no tariff for the period starting 2026-01-02",
        ),
    ];
    for (file, outcome, reason) in expect {
        let r = row(&report, file);
        assert_eq!(r[3], outcome, "{file}: {r:?}");
        assert!(
            r[6].contains(reason),
            "{file}: expected '{reason}' in {r:?}"
        );
    }

    let s = job.summary();
    assert_eq!(s["files"], 17);
    assert_eq!(s["accepted"], 4);
    assert_eq!(s["duplicate"], 2);
    assert_eq!(s["rejected"], 11);
    assert_eq!(s["newly_recorded"], 4);
    let bills: i128 = (0..4)
        .map(|i| {
            row(&report, &format!("meter-00000{i}.bin"))[4]
                .parse::<i128>()
                .unwrap()
        })
        .sum();
    assert_eq!(s["bill_total"].to_string(), bills.to_string());
    assert!(s["seconds"].as_f64().unwrap() > 0.0);
    assert_eq!(job.ledger().len(), 4);

    // Re-running is idempotent: byte-identical report, nothing newly recorded, same ledger,
    // whatever the chunking and threads.
    let ledger = job.ledger();
    let out = job.batch(&["--threads", "1", "--chunk", "1"]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(job.report(), report);
    assert_eq!(job.summary()["newly_recorded"], 0);
    assert_eq!(job.summary()["accepted"], 4);
    assert_eq!(job.ledger(), ledger);
    // The same as a fresh run with another chunking.
    assert_eq!(&report, &reference().0);
    assert_eq!(&ledger, &reference().1);
}

#[test]
fn a_fresh_proof_of_a_billed_statement_in_a_later_batch_is_a_duplicate() {
    let job = Job::new();
    let first = job.path("first");
    let later = job.path("later");
    std::fs::create_dir_all(&first).unwrap();
    std::fs::create_dir_all(&later).unwrap();
    let subs = corpus().join("submissions");
    std::fs::copy(subs.join("meter-000000.bin"), first.join("a.bin")).unwrap();
    std::fs::copy(
        subs.join("meter-000000.resubmitted.bin"),
        later.join("b.bin"),
    )
    .unwrap();
    std::fs::copy(subs.join("meter-000000.bin"), later.join("c.bin")).unwrap();

    // Honest: the first batch records it.
    assert!(job.batch_in(&first, &[]).status.success());
    assert_eq!(row(&job.report(), "a.bin")[3], "accepted");
    // Later: the fresh proof is a duplicate of what the ledger holds; the same bytes are
    // the recorded submission itself (accepted, not recorded again).
    assert!(job.batch_in(&later, &[]).status.success());
    let report = job.report();
    let b = row(&report, "b.bin");
    assert_eq!(b[3], "duplicate");
    assert!(
        b[6].contains("already billed by another submission (recorded from a.bin)"),
        "{b:?}"
    );
    assert_eq!(row(&report, "c.bin")[3], "accepted");
    assert_eq!(job.summary()["newly_recorded"], 0);
    assert_eq!(job.ledger().len(), 1);
}

#[test]
fn the_job_refuses_to_run_on_an_unreadable_registry_or_a_locked_ledger() {
    let job = Job::new();
    // Honest case first.
    assert!(job.batch(&[]).status.success());

    let missing = job.path("no-such-registry");
    let out = job
        .command_with(&corpus().join("submissions"), &missing, &[])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read meter registry"));

    let broken = job.path("broken-registry");
    let text = std::fs::read_to_string(corpus().join("meters")).unwrap();
    std::fs::write(
        &broken,
        text.replacen("\"revoked\":false", "\"revoked\":maybe", 1),
    )
    .unwrap();
    let out = job
        .command_with(&corpus().join("submissions"), &broken, &[])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("meter registry line 2"));

    let held = Ledger::open(&job.path("ledger.sqlite")).unwrap();
    let out = job.batch(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is locked by another job"));
    drop(held);
    assert!(job.batch(&[]).status.success());
}

/// Runs the job with `ZKMETER_FAULT=fault` (it must die by a signal), then again without:
/// the final report and ledger equal the uninterrupted reference.
fn crash_then_resume(fault: &str) {
    let (report, ledger) = reference();
    let job = Job::new();
    let out = job
        .command(&corpus().join("submissions"), &["--chunk", "3"])
        .env("ZKMETER_FAULT", fault)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        None,
        "{fault}: expected an abort: {}",
        show(&out)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("fault injection: aborting"),
        "{}",
        show(&out)
    );
    assert!(
        !job.path("report.csv").exists(),
        "{fault}: a partial report was put in place"
    );
    let out = job.batch(&["--chunk", "3"]);
    assert!(out.status.success(), "{fault}: {}", show(&out));
    assert_eq!(
        &job.report(),
        report,
        "{fault}: report differs after resuming"
    );
    assert_eq!(
        &job.ledger(),
        ledger,
        "{fault}: ledger differs after resuming"
    );
}

#[test]
fn a_job_aborted_at_any_named_point_resumes_to_the_same_ledger_and_report() {
    for fault in [
        "before-commit:1",
        "mid-commit:2",
        "after-commit:1",
        "after-commit:4",
        "before-report-rename",
    ] {
        crash_then_resume(fault);
    }
}

/// Starts the job (chunks of one file, one thread), waits until stderr shows `marker`, then
/// kills it with SIGKILL.
fn start_and_kill(job: &Job, args: &[&str], fault: Option<&str>, marker: &str) {
    use std::io::{BufRead, BufReader};
    let mut cmd = job.command(&corpus().join("submissions"), args);
    if let Some(f) = fault {
        cmd.env("ZKMETER_FAULT", f);
    }
    let mut child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = Vec::new();
    for line in stderr.lines() {
        let line = line.unwrap();
        let hit = line.contains(marker);
        seen.push(line);
        if hit {
            break;
        }
    }
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert_eq!(status.code(), None, "not killed; stderr: {seen:?}");
    assert!(
        seen.iter().any(|l| l.contains(marker)),
        "{marker} never seen: {seen:?}"
    );
}

#[test]
fn a_job_killed_with_sigkill_resumes_to_the_same_ledger_and_report() {
    let (report, ledger) = reference();
    let job = Job::new();
    let args = ["--chunk", "1", "--threads", "1"];
    // Killed while building the verifier (rejected files committed, no bill yet), then killed
    // mid-run after the 13th chunk (two bills recorded; paused there by the hook, killed by a
    // real SIGKILL), then run to the end.
    start_and_kill(&job, &args, None, "building the verifying keys");
    start_and_kill(
        &job,
        &args,
        Some("pause-after-commit:13"),
        "paused after commit 13",
    );
    assert!(!job.path("report.csv").exists());
    let recorded = job.ledger().len();
    assert!(
        recorded == 2 && recorded < ledger.len(),
        "{recorded} bills recorded"
    );
    let out = job.batch(&args);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(&job.report(), report, "report differs after SIGKILL");
    assert_eq!(&job.ledger(), ledger, "ledger differs after SIGKILL");
}

#[test]
fn the_commands_take_the_documented_flags() {
    let out = run(&["batch-verify", "--help"]);
    assert!(out.status.success(), "{}", show(&out));
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--in <DIR>",
        "--meters <REGISTRY>",
        "--tariffs <DIR>",
        "--ledger <FILE>",
        "--report <FILE>",
        "--summary <FILE>",
        "--threads <N>",
        "--chunk <N>",
    ] {
        assert!(
            help.contains(flag),
            "batch-verify --help lacks {flag}:\n{help}"
        );
    }
    let out = run(&["corpus", "--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--meters <N>",
        "--size <NAME>",
        "--out <DIR>",
        "--duplicates",
        "--tampered",
        "--hostile",
    ] {
        assert!(help.contains(flag), "corpus --help lacks {flag}:\n{help}");
    }
    // A missing required flag is a usage error, not a run.
    let out = run(&["batch-verify", "--in", "x"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
}
