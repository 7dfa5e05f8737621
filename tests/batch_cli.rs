//! End-to-end tests of `zkmeter corpus` and `zkmeter batch-verify`: the report and summary of a
//! mixed corpus (honest, duplicate, tampered, revoked, hostile files), later runs reporting
//! recorded bills as `already-recorded` and counting only new ones, first-by-name wins
//! whatever the threads and chunking, duplicates across batches, report cells a spreadsheet
//! would evaluate written as text, the job's own failures (unreadable registry, locked ledger),
//! and crashes: the job aborted at named points (`ZKMETER_FAULT`) and killed with SIGKILL, then
//! run again, ends with the same ledger, a byte-identical report and the same summary.
//! (Rate plans and overlapping periods: `tests/batch_plans.rs`.)
//!
//! One corpus (day-15min, 5 meters) is generated once per test run and shared read-only.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

mod common;

use zkmeter_protocol::{MeterId, Submission, ZkFile};
use zkmeter_verifier::ledger::{BillRecord, Ledger};

use common::BIN;

/// The shared corpus: 5 meters, meter 0 resubmitted (fresh proof and byte copy), meter 1
/// submitting a tampered bill instead of its honest one, meter 4 revoked, and the hostile
/// files. Registry and tariff are as written before rate plans (no `plan` field).
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

/// The report, ledger and summary of one uninterrupted run over the corpus (computed once).
fn reference() -> &'static (String, Vec<BillRecord>, serde_json::Value) {
    static REFERENCE: OnceLock<(String, Vec<BillRecord>, serde_json::Value)> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        let job = Job::new();
        let out = job.batch(&["--chunk", "3"]);
        assert!(out.status.success(), "{}", show(&out));
        (job.report(), job.ledger(), job.summary())
    })
}

/// The summary fields that a kill and resume must not change (all but `newly_recorded`,
/// `proofs_verified` and `seconds`, which count what one process did).
const RUN_FIELDS: [&str; 8] = [
    "run",
    "files",
    "accepted",
    "already_recorded",
    "duplicate",
    "rejected",
    "bill_total",
    "energy_total_wh",
];

/// Asserts that two summaries agree on [`RUN_FIELDS`].
#[track_caller]
fn assert_same_run(found: &serde_json::Value, expected: &serde_json::Value, what: &str) {
    for field in RUN_FIELDS {
        assert_eq!(
            found[field], expected[field],
            "{what}: summary field {field}"
        );
    }
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
    assert_eq!(files.len(), 4 + 2 + 1 + 9);
    // Registry and tariff name no plan: both are of the default plan, as before plans.
    for written in ["meters", "tariffs/demo-1-20260101.json"] {
        let text = std::fs::read_to_string(corpus().join(written)).unwrap();
        assert!(!text.contains("plan"), "{written} names a plan");
    }

    // Honest files are accepted with their bill; the revoked meter is not.
    for i in [0, 2, 3] {
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
            "meter meter-000000 period 2026-01-01T00:00:00Z/2026-01-02T00:00:00Z is already \
             claimed by meter-000000.bin earlier in this batch",
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
        ("hostile/wrong-version.bin", "rejected", "format version 2"),
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
            "no tariff for the period starting 2026-01-02T00:00:00Z in plan default",
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
    assert_eq!(s["run"], 1);
    assert_eq!(s["files"], 16);
    assert_eq!(s["accepted"], 3);
    assert_eq!(s["already_recorded"], 0);
    assert_eq!(s["duplicate"], 2);
    assert_eq!(s["rejected"], 11);
    assert_eq!(s["newly_recorded"], 3);
    // Meters 0, 1 (tampered), 2 and 3: the duplicates were settled before their proofs.
    assert_eq!(s["proofs_verified"], 4);
    let bills: i128 = [0, 2, 3]
        .map(|i| {
            row(&report, &format!("meter-00000{i}.bin"))[4]
                .parse::<i128>()
                .unwrap()
        })
        .iter()
        .sum();
    assert_eq!(s["bill_total"].to_string(), bills.to_string());
    assert!(s["seconds"].as_f64().unwrap() > 0.0);
    assert_eq!(job.ledger().len(), 3);
    // The same as a fresh run with another chunking.
    assert_eq!(&report, &reference().0);
    assert_eq!(&job.ledger(), &reference().1);

    // A second run: every recorded file is already-recorded (the byte copy too), nothing is
    // counted, the tampered file is checked again; the ledger is unchanged.
    let ledger = job.ledger();
    let out = job.batch(&["--threads", "1", "--chunk", "1"]);
    assert!(out.status.success(), "{}", show(&out));
    let again = job.report();
    for file in [
        "meter-000000.bin",
        "meter-000000.copy.bin",
        "meter-000002.bin",
        "meter-000003.bin",
    ] {
        let r = row(&again, file);
        let from = file.replace(".copy", "");
        assert_eq!(r[3], "already-recorded", "{r:?}");
        assert_eq!(r[6], format!("recorded by run 1 from {from}"));
        assert_eq!(r[4], row(&report, &from)[4], "the claimed bill is shown");
    }
    let r = row(&again, "meter-000000.resubmitted.bin");
    assert_eq!(r[3], "duplicate");
    assert!(r[6].contains("already billed by another submission (recorded from meter-000000.bin)"));
    assert_eq!(row(&again, "meter-000001.tampered.bin")[3], "rejected");
    let s = job.summary();
    assert_eq!(
        [
            &s["run"],
            &s["accepted"],
            &s["already_recorded"],
            &s["duplicate"],
            &s["rejected"]
        ],
        [2, 0, 4, 1, 11]
    );
    assert_eq!(
        (&s["bill_total"], &s["energy_total_wh"]),
        (&0.into(), &0.into())
    );
    assert_eq!(
        (&s["newly_recorded"], &s["proofs_verified"]),
        (&0.into(), &1.into())
    );
    assert_eq!(job.ledger(), ledger);
    // A third run reports the same, whatever the chunking.
    assert!(job.batch(&["--chunk", "5"]).status.success());
    assert_eq!(job.report(), again);
    assert_eq!(job.summary()["run"], 3);
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
    // the recorded submission itself (already recorded, not counted again).
    assert!(job.batch_in(&later, &[]).status.success());
    let report = job.report();
    let b = row(&report, "b.bin");
    assert_eq!(b[3], "duplicate");
    assert!(
        b[6].contains("already billed by another submission (recorded from a.bin)"),
        "{b:?}"
    );
    let c = row(&report, "c.bin");
    assert_eq!(
        (c[3], c[6]),
        ("already-recorded", "recorded by run 1 from a.bin")
    );
    let s = job.summary();
    assert_eq!(
        (&s["accepted"], &s["already_recorded"]),
        (&0.into(), &1.into())
    );
    assert_eq!(s["bill_total"], 0);
    assert_eq!(s["newly_recorded"], 0);
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
    let (report, ledger, summary) = reference();
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
    // The report is put in place whole, and only then is the run finished.
    let finished = Ledger::open(&job.path("ledger.sqlite"))
        .unwrap()
        .runs()
        .unwrap();
    assert_eq!(
        finished,
        [(1, false)],
        "{fault}: the killed run is unfinished"
    );
    if fault == "before-run-finished" {
        assert_eq!(&job.report(), report, "{fault}: the report in place");
    } else {
        assert!(
            !job.path("report.csv").exists(),
            "{fault}: a partial report was put in place"
        );
    }
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
    assert_same_run(&job.summary(), summary, fault);
    let runs = Ledger::open(&job.path("ledger.sqlite"))
        .unwrap()
        .runs()
        .unwrap();
    assert_eq!(runs, [(1, true)], "{fault}: one run, finished");
}

#[test]
fn a_job_aborted_at_any_named_point_resumes_to_the_same_ledger_and_report() {
    for fault in [
        "before-commit:1",
        "mid-commit:2",
        "after-commit:1",
        "after-commit:4",
        "before-report-rename",
        "before-run-finished",
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
    let (report, ledger, summary) = reference();
    let job = Job::new();
    let args = ["--chunk", "1", "--threads", "1"];
    // Killed while building the verifier (rejected files committed, no bill yet), then killed
    // mid-run after the 14th chunk (two bills recorded; paused there by the hook, killed by a
    // real SIGKILL), then run to the end.
    start_and_kill(&job, &args, None, "Building the verifying key");
    start_and_kill(
        &job,
        &args,
        Some("pause-after-commit:14"),
        "paused after commit 14",
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
    assert_same_run(&job.summary(), summary, "SIGKILL");
}

/// Copies corpus submissions into a new input directory `name` of `job`.
fn input_of(job: &Job, name: &str, files: &[&str]) -> PathBuf {
    let dir = job.path(name);
    std::fs::create_dir_all(&dir).unwrap();
    for file in files {
        std::fs::copy(corpus().join("submissions").join(file), dir.join(file)).unwrap();
    }
    dir
}

/// Run 1 records two bills; run 2, over those and a third, reports the two already-recorded and
/// counts only the third, so the two summaries add up to the ledger. Run 2 killed after it
/// recorded the third bill (or after its report was in place) and started again reports the
/// same as run 2 uninterrupted: the ledger knows the bill is this run's.
#[test]
fn a_later_run_counts_only_its_new_bills_even_when_killed_and_resumed() {
    let first = ["meter-000000.bin", "meter-000002.bin"];
    let second = ["meter-000000.bin", "meter-000002.bin", "meter-000003.bin"];
    let args = ["--chunk", "1", "--threads", "1"];
    // Uninterrupted.
    let job = Job::new();
    assert!(job
        .batch_in(&input_of(&job, "one", &first), &args)
        .status
        .success());
    let s1 = job.summary();
    assert_eq!((&s1["run"], &s1["accepted"]), (&1.into(), &2.into()));
    let input = input_of(&job, "two", &second);
    assert!(job.batch_in(&input, &args).status.success());
    let (report, s2) = (job.report(), job.summary());
    assert_eq!(row(&report, "meter-000000.bin")[3], "already-recorded");
    assert_eq!(row(&report, "meter-000002.bin")[3], "already-recorded");
    assert_eq!(row(&report, "meter-000003.bin")[3], "accepted");
    assert_eq!(
        [&s2["run"], &s2["accepted"], &s2["already_recorded"]],
        [2, 1, 2]
    );
    assert_eq!(
        s2["bill_total"].to_string(),
        row(&report, "meter-000003.bin")[4]
    );
    let ledger = job.ledger();
    let total: i128 = ledger.iter().map(|b| b.bill).sum();
    let summed: i128 = [&s1, &s2]
        .map(|s| s["bill_total"].to_string().parse::<i128>().unwrap())
        .iter()
        .sum();
    assert_eq!(summed, total, "the runs' totals add up to the ledger's");

    for fault in ["after-commit:3", "before-run-finished"] {
        let killed = Job::new();
        let one = input_of(&killed, "one", &first);
        assert!(killed.batch_in(&one, &args).status.success());
        let two = input_of(&killed, "two", &second);
        let out = killed
            .command(&two, &args)
            .env("ZKMETER_FAULT", fault)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), None, "{fault}: {}", show(&out));
        assert_eq!(
            killed.ledger().len(),
            3,
            "{fault}: the third bill is recorded"
        );
        assert!(killed.batch_in(&two, &args).status.success());
        assert_eq!(
            killed.report(),
            report,
            "{fault}: report differs after resuming"
        );
        assert_eq!(killed.ledger(), ledger, "{fault}: ledger differs");
        assert_same_run(&killed.summary(), &s2, fault);
        // The resumed run is over: a third run reports everything as already recorded.
        assert!(killed.batch_in(&two, &args).status.success());
        let s3 = killed.summary();
        assert_eq!(
            [&s3["run"], &s3["accepted"], &s3["already_recorded"]],
            [3, 0, 3]
        );
    }
}

/// File names and meter ids that a spreadsheet would evaluate are written as text (a leading
/// `'` in a quoted field); ordinary ones and the numbers are written as they are.
#[test]
fn report_cells_that_look_like_formulas_are_written_as_text() {
    let job = Job::new();
    let input = input_of(&job, "in", &["meter-000002.bin"]);
    let subs = corpus().join("submissions");
    let garbage = std::fs::read(subs.join("hostile/garbage.bin")).unwrap();
    for name in [
        "=HYPERLINK(x).bin",
        "+1.bin",
        "-1.bin",
        "@SUM(A1).bin",
        "\tx.bin",
        "'q.bin",
    ] {
        std::fs::write(input.join(name), &garbage).unwrap();
    }
    // A meter id that starts with '-' (valid, and unregistered).
    let honest = std::fs::read(subs.join("meter-000002.bin")).unwrap();
    let mut s = Submission::from_bytes(&honest).unwrap();
    s.meter_id = MeterId::new("-5").unwrap();
    std::fs::write(input.join("z.bin"), s.to_bytes()).unwrap();

    assert!(job.batch_in(&input, &[]).status.success());
    let report = job.report();
    // Honest: an ordinary row is unquoted, its bill a plain number.
    let r = row(&report, "meter-000002.bin");
    assert_eq!((r[1], r[3], r[6]), ("meter-000002", "accepted", ""));
    assert!(r[4].parse::<i128>().is_ok());
    let lines: Vec<&str> = report.lines().collect();
    for name in [
        "=HYPERLINK(x).bin",
        "+1.bin",
        "-1.bin",
        "@SUM(A1).bin",
        "\tx.bin",
        "'q.bin",
    ] {
        let cell = format!(
            "\"'{name}\",,,rejected,,,submission file is malformed: not a zkmeter file (bad magic)"
        );
        assert!(
            lines.contains(&cell.as_str()),
            "no line {cell:?} in\n{report}"
        );
    }
    let z = lines.iter().find(|l| l.starts_with("z.bin,")).unwrap();
    assert_eq!(
        *z,
        "z.bin,\"'-5\",2026-01-01T00:00:00Z,rejected,,,unknown meter -5"
    );
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
