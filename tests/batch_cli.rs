//! End-to-end tests of `zkmeter corpus` and `zkmeter batch-verify`: the report and summary of a
//! mixed corpus (honest, duplicate, tampered, revoked, hostile files), later runs reporting
//! recorded bills as `already-recorded` and counting only new ones, first-by-name wins
//! whatever the threads and chunking, duplicates across batches, report cells a spreadsheet
//! would evaluate written as text, the job's own failures (unreadable registry, locked ledger),
//! and crashes: the job aborted at named points (`ZKMETER_FAULT`) and killed with SIGKILL, then
//! run again, ends with the same ledger, a byte-identical report and the same summary. No input
//! path hangs or stops the job: a FIFO, a file swapped for a FIFO or a link mid-run
//! (`wait-before-prepare`), a tree deeper than the cap, a directory removed or unreadable each
//! get a rejected row; names that are not UTF-8 get distinct rows. (Rate plans and overlapping
//! periods: `tests/batch_plans.rs`.)
//!
//! One corpus (day-15min, 5 meters) is generated once per test run and shared read-only.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

mod common;

use zkmeter_protocol::{EnergyUnit, MeterId, Submission, ZkFile};
use zkmeter_verifier::ledger::{BillRecord, Ledger};

use common::report::{
    exact, records, BILL, EXPORT_KWH, FILLED, HEADER, IMPORT_KWH, OUTCOME, REASON,
};
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
const RUN_FIELDS: [&str; 11] = [
    "run",
    "files",
    "accepted",
    "already_recorded",
    "duplicate",
    "rejected",
    "bill_total",
    "import_kwh_total",
    "export_kwh_total",
    "filled_slots_total",
    "invoice_total",
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

/// The report's row for `file` (as its `file` field reads, unquoted), split into its fields.
fn row(report: &str, file: &str) -> Vec<String> {
    records(report)
        .into_iter()
        .skip(1)
        .find(|r| r[0] == file)
        .unwrap_or_else(|| panic!("no row for {file} in\n{report}"))
}

/// Exact decimal text (`-1.5`, `95.8119196`) in units of `10^-decimals`; panics on anything
/// else (more decimals than that, a sign on the wrong side, letters).
fn units_of(text: &str, decimals: usize) -> i128 {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    assert!(
        !whole.is_empty()
            && frac.len() <= decimals
            && whole
                .chars()
                .chain(frac.chars())
                .all(|c| c.is_ascii_digit()),
        "not an exact decimal with at most {decimals} places: {text:?}"
    );
    let scaled = format!("{whole}{frac:0<decimals$}");
    sign * scaled.parse::<i128>().unwrap()
}

#[test]
fn a_mixed_batch_gets_one_row_per_file_with_its_outcome_and_reason() {
    let job = Job::new();
    let out = job.batch(&[]);
    assert!(out.status.success(), "{}", show(&out));
    let report = job.report();
    let mut lines = report.lines();
    assert_eq!(lines.next(), Some(HEADER));
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

    // Honest files are accepted with their figures, as the submission claims them (whole Wh,
    // one register, every slot measured): the bill of `bill` nano-currency is `bill x 1000`
    // pico-currency, the import energy of `import_energy` Wh is `import_energy x 1000` mWh.
    // The revoked meter is not accepted.
    let (mut bill_pico, mut import_mwh) = (0i128, 0i128);
    for i in [0, 2, 3] {
        let file = format!("meter-00000{i}.bin");
        let sub = Submission::read(&corpus().join("submissions").join(&file)).unwrap();
        assert_eq!((sub.unit, sub.filled), (EnergyUnit::WH, 0), "{file}");
        assert_eq!(sub.export_energy, 0, "{file}");
        let r = row(&report, &file);
        assert_eq!(r[OUTCOME], "accepted", "{r:?}");
        assert_eq!(r[BILL], exact(sub.bill * 1000, 12, 2), "{r:?}");
        let import = i128::from(sub.import_energy) * 1000;
        assert_eq!(r[IMPORT_KWH], exact(import, 6, 3), "{r:?}");
        assert_eq!((r[EXPORT_KWH].as_str(), r[REASON].as_str()), ("0.000", ""));
        assert_eq!(r[FILLED], "0", "{r:?}");
        bill_pico += units_of(&r[BILL], 12);
        import_mwh += import;
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
        (
            "hostile/wrong-version.bin",
            "rejected",
            "submission file has format version 4; this build reads version 3",
        ),
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
        assert_eq!(r[OUTCOME], outcome, "{file}: {r:?}");
        assert!(
            r[REASON].contains(reason),
            "{file}: expected '{reason}' in {r:?}"
        );
        // A duplicate shows the figures it claims; a rejected row none.
        let figures = &r[BILL..=EXPORT_KWH];
        if outcome == "duplicate" {
            let original = row(&report, "meter-000000.bin");
            assert_eq!(figures, &original[BILL..=EXPORT_KWH], "{file}");
            assert_eq!(r[FILLED], "0", "{file}");
        } else {
            assert!(
                figures.iter().all(String::is_empty) && r[FILLED].is_empty(),
                "{file}: {r:?}"
            );
        }
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
    // The totals are the accepted rows' sums, exact text.
    assert_eq!(s["bill_total"], exact(bill_pico, 12, 2));
    assert_eq!(s["import_kwh_total"], exact(import_mwh, 6, 3));
    assert_eq!(s["export_kwh_total"], "0.000");
    assert_eq!(s["filled_slots_total"], 0);
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
        assert_eq!(r[OUTCOME], "already-recorded", "{r:?}");
        assert_eq!(r[REASON], format!("recorded by run 1 from {from}"));
        let original = row(&report, &from);
        for col in [BILL, IMPORT_KWH, EXPORT_KWH, FILLED] {
            assert_eq!(
                r[col], original[col],
                "{file}: the claimed figures are shown"
            );
        }
    }
    let r = row(&again, "meter-000000.resubmitted.bin");
    assert_eq!(r[OUTCOME], "duplicate");
    assert!(
        r[REASON].contains("already billed by another submission (recorded from meter-000000.bin)")
    );
    assert_eq!(
        row(&again, "meter-000001.tampered.bin")[OUTCOME],
        "rejected"
    );
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
    // Nothing accepted: every total is zero, as exact text.
    assert_eq!(
        [
            &s["bill_total"],
            &s["import_kwh_total"],
            &s["export_kwh_total"]
        ],
        ["0.00", "0.000", "0.000"]
    );
    assert_eq!(s["filled_slots_total"], 0);
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
    assert_eq!(row(&job.report(), "a.bin")[OUTCOME], "accepted");
    // Later: the fresh proof is a duplicate of what the ledger holds; the same bytes are
    // the recorded submission itself (already recorded, not counted again).
    assert!(job.batch_in(&later, &[]).status.success());
    let report = job.report();
    let b = row(&report, "b.bin");
    assert_eq!(b[OUTCOME], "duplicate");
    assert!(
        b[REASON].contains("already billed by another submission (recorded from a.bin)"),
        "{b:?}"
    );
    let c = row(&report, "c.bin");
    assert_eq!(
        (c[OUTCOME].as_str(), c[REASON].as_str()),
        ("already-recorded", "recorded by run 1 from a.bin")
    );
    let s = job.summary();
    assert_eq!(
        (&s["accepted"], &s["already_recorded"]),
        (&0.into(), &1.into())
    );
    assert_eq!(s["bill_total"], "0.00");
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
    start_and_kill(&job, &args, None, "building the verifying keys");
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
    assert_eq!(
        row(&report, "meter-000000.bin")[OUTCOME],
        "already-recorded"
    );
    assert_eq!(
        row(&report, "meter-000002.bin")[OUTCOME],
        "already-recorded"
    );
    assert_eq!(row(&report, "meter-000003.bin")[OUTCOME], "accepted");
    assert_eq!(
        [&s2["run"], &s2["accepted"], &s2["already_recorded"]],
        [2, 1, 2]
    );
    assert_eq!(s2["bill_total"], row(&report, "meter-000003.bin")[BILL]);
    let ledger = job.ledger();
    let total: i128 = ledger.iter().map(|b| b.bill_pico).sum();
    let summed: i128 = [&s1, &s2]
        .map(|s| units_of(s["bill_total"].as_str().unwrap(), 12))
        .iter()
        .sum();
    assert_eq!(summed, total, "the runs' totals add up to the ledger's");
    let energy: u64 = ledger.iter().map(|b| b.import_mwh).sum();
    let summed: i128 = [&s1, &s2]
        .map(|s| units_of(s["import_kwh_total"].as_str().unwrap(), 6))
        .iter()
        .sum();
    assert_eq!(
        summed,
        i128::from(energy),
        "and so do their import energies"
    );

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

/// File names a spreadsheet would evaluate as formulas (and `'`, the escape itself).
const FORMULA_NAMES: [&str; 6] = [
    "=HYPERLINK(x).bin",
    "+1.bin",
    "-1.bin",
    "@SUM(A1).bin",
    "\tx.bin",
    "'q.bin",
];

/// File names and meter ids that a spreadsheet would evaluate are written as text (a leading
/// `'` in a quoted field); ordinary ones and the numbers are written as they are.
#[test]
fn report_cells_that_look_like_formulas_are_written_as_text() {
    let job = Job::new();
    let input = input_of(&job, "in", &["meter-000002.bin"]);
    let subs = corpus().join("submissions");
    let garbage = std::fs::read(subs.join("hostile/garbage.bin")).unwrap();
    for name in FORMULA_NAMES {
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
    assert_eq!(
        (r[1].as_str(), r[OUTCOME].as_str(), r[REASON].as_str()),
        ("meter-000002", "accepted", "")
    );
    let line = report
        .lines()
        .find(|l| l.starts_with("meter-000002.bin,"))
        .unwrap();
    assert!(!line.contains('"'), "{line}");
    units_of(&r[BILL], 12);
    let lines: Vec<&str> = report.lines().collect();
    for name in FORMULA_NAMES {
        let cell = format!(
            "\"'{name}\",,,rejected,,,,submission file is malformed: not a zkmeter file (bad magic),,"
        );
        assert!(
            lines.contains(&cell.as_str()),
            "no line {cell:?} in\n{report}"
        );
    }
    let z = lines.iter().find(|l| l.starts_with("z.bin,")).unwrap();
    assert_eq!(
        *z,
        "z.bin,\"'-5\",2026-01-01T00:00:00Z,rejected,,,,unknown meter -5,,"
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

// ---------------------------------------------------------------------------------------------
// No input path hangs or aborts the job: FIFOs, links and files swapped in mid-run, trees too
// deep, directories removed or unreadable, names that are not UTF-8.

/// Waits for `child` to end; kills it and fails the test after `secs` seconds, so that a
/// regression that blocks fails instead of hanging the test run.
fn status_within(child: &mut std::process::Child, secs: u64, what: &str) -> ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {secs} s (blocked?)");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs `cmd` (stdin empty) to its end within `secs` seconds ([`status_within`]).
fn output_within(cmd: &mut Command, secs: u64, what: &str) -> Output {
    use std::io::Read;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start zkmeter");
    let read_all = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            v
        })
    };
    let stdout = read_all(Box::new(child.stdout.take().unwrap()));
    let stderr = read_all(Box::new(child.stderr.take().unwrap()));
    let status = status_within(&mut child, secs, what);
    let out = Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    };
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("panicked"),
        "{}",
        show(&out)
    );
    out
}

/// The reason for a file that is not a zkmeter file.
const BAD_MAGIC: &str = "submission file is malformed: not a zkmeter file (bad magic)";

/// Seconds a job over a few honest files may take (it builds a verifying key); far more than
/// it needs, so that only a job that blocks reaches it.
const JOB_SECS: u64 = 300;

/// A fresh input directory of the job with copies of corpus files: `(name in the input, name
/// in the corpus's submissions)`.
fn input_dir(job: &Job, files: &[(&str, &str)]) -> PathBuf {
    let input = job.path("in");
    for (to, from) in files {
        let to = input.join(to);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(corpus().join("submissions").join(from), to).unwrap();
    }
    input
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: `c` is a valid NUL-terminated path that outlives the call.
    let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o600) };
    assert_eq!(rc, 0, "mkfifo: {}", std::io::Error::last_os_error());
}

/// Asserts that `file`'s row is rejected with a reason that starts with `reason`, and that the
/// report shows none of the job's own absolute paths.
#[track_caller]
fn assert_rejected(job: &Job, file: &str, reason: &str) {
    let report = job.report();
    let r = row(&report, file);
    assert_eq!(r[OUTCOME], "rejected", "{file}: {r:?}");
    assert!(
        r[REASON].starts_with(reason),
        "{file}: expected '{reason}' in {r:?}"
    );
    let own = job.dir.path().display().to_string();
    assert!(!report.contains(&own), "the report shows {own}:\n{report}");
}

#[cfg(unix)]
#[test]
fn a_fifo_in_the_input_directory_or_as_the_registry_is_refused_at_once() {
    let job = Job::new();
    let input = input_dir(&job, &[("a.bin", "meter-000000.bin")]);
    // Honest: the file alone is accepted.
    let out = output_within(&mut job.command(&input, &[]), JOB_SECS, "honest job");
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(row(&job.report(), "a.bin")[OUTCOME], "accepted");

    // A FIFO nobody writes to: a row of its own, and the job ends normally.
    mkfifo(&input.join("p.bin"));
    let out = output_within(&mut job.command(&input, &[]), JOB_SECS, "job over a FIFO");
    assert!(out.status.success(), "{}", show(&out));
    // A second run on the job's ledger: the bill is already recorded.
    assert_eq!(row(&job.report(), "a.bin")[OUTCOME], "already-recorded");
    assert_rejected(&job, "p.bin", "not a regular file: a named pipe (FIFO)");
    assert_eq!(job.summary()["files"], 2);

    // The registry as a FIFO: the job cannot run (exit 2) and says why, at once.
    let fifo = job.path("registry-fifo");
    mkfifo(&fifo);
    let out = output_within(
        &mut job.command_with(&input, &fifo, &[]),
        60,
        "job with a FIFO registry",
    );
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not a regular file: a named pipe (FIFO)"),
        "{}",
        show(&out)
    );
}

#[cfg(unix)]
#[test]
fn files_swapped_for_a_fifo_or_a_link_and_a_directory_removed_mid_run_get_rows_and_the_job_ends() {
    use std::io::{BufRead, BufReader, Read, Write};
    let files = [
        ("a.bin", "meter-000000.bin"),
        ("b.bin", "meter-000000.resubmitted.bin"),
        ("c.bin", "meter-000002.bin"),
        ("d/e.bin", "meter-000003.bin"),
        ("d/f.bin", "hostile/garbage.bin"),
    ];
    let args = ["--chunk", "3", "--threads", "1"];
    // Honest: the same files untouched are all walked and read.
    let honest = Job::new();
    let input = input_dir(&honest, &files);
    let out = output_within(&mut honest.command(&input, &args), JOB_SECS, "honest job");
    assert!(out.status.success(), "{}", show(&out));
    for f in ["a.bin", "c.bin", "d/e.bin"] {
        assert_eq!(row(&honest.report(), f)[OUTCOME], "accepted", "{f}");
    }
    // b.bin is a fresh proof of a.bin's statement: read, checked and settled as a duplicate.
    assert_eq!(row(&honest.report(), "b.bin")[OUTCOME], "duplicate");
    assert_rejected(&honest, "d/f.bin", BAD_MAGIC);

    // The job stops after walking the first chunk (a.bin, b.bin, c.bin: regular files), before
    // opening any; b.bin becomes a FIFO, c.bin a link to a valid submission, and d/ (listed,
    // not yet walked) is removed. Then the job goes on.
    let job = Job::new();
    let input = input_dir(&job, &files);
    let mut child = job
        .command(&input, &args)
        .env("ZKMETER_FAULT", "wait-before-prepare:1")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    while !seen.contains("fault injection: waiting before prepare 1") {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap() == 0 {
            let _ = child.kill();
            panic!("the job never reached the wait: {seen}");
        }
        seen.push_str(&line);
    }
    let rest = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    std::fs::remove_file(input.join("b.bin")).unwrap();
    mkfifo(&input.join("b.bin"));
    std::fs::remove_file(input.join("c.bin")).unwrap();
    std::os::unix::fs::symlink(input.join("a.bin"), input.join("c.bin")).unwrap();
    std::fs::remove_dir_all(input.join("d")).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"go on\n").unwrap();
    drop(stdin);
    let status = status_within(&mut child, JOB_SECS, "job after the swap");
    let stderr = seen + &rest.join().unwrap();
    assert!(status.success(), "{status:?}\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    assert_eq!(row(&job.report(), "a.bin")[OUTCOME], "accepted");
    assert_rejected(
        &job,
        "b.bin",
        "replaced after the walk listed it: not a regular file: a named pipe (FIFO)",
    );
    assert_rejected(
        &job,
        "c.bin",
        "replaced after the walk listed it: not a regular file: a symbolic link (links are not \
         followed)",
    );
    assert_rejected(
        &job,
        "d/",
        "directory cannot be read: No such file or directory",
    );
    // The first walk counted 5 files; the rows are what the real walk found.
    assert!(stderr.contains("batch-verify: 5 files"), "{stderr}");
    assert_eq!(job.report().lines().count(), 1 + 4);
    assert_eq!(job.summary()["files"], 4);
    assert_eq!(job.summary()["accepted"], 1);
    assert_eq!(job.ledger().len(), 1);
}

#[test]
fn a_tree_deeper_than_the_cap_is_one_rejected_row_and_the_job_goes_on() {
    let max = zkmeter_verifier::job::MAX_DEPTH;
    let at_cap = "d/".repeat(max);
    let job = Job::new();
    let deep = format!("{at_cap}a.bin");
    let input = input_dir(
        &job,
        &[(&deep, "meter-000000.bin"), ("z.bin", "meter-000003.bin")],
    );
    // Honest: a file in a directory exactly at the cap is walked.
    let out = output_within(&mut job.command(&input, &[]), JOB_SECS, "honest job");
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(row(&job.report(), &deep)[OUTCOME], "accepted");

    // One level more: one row for that directory, and the job goes on to z.bin.
    let too_deep = format!("{at_cap}e/");
    let input = input_dir(&job, &[(&format!("{too_deep}b.bin"), "meter-000002.bin")]);
    let out = output_within(&mut job.command(&input, &[]), JOB_SECS, "deep job");
    assert!(out.status.success(), "{}", show(&out));
    assert_rejected(
        &job,
        &too_deep,
        &format!("deeper than {max} levels: not walked"),
    );
    // A second run on the job's ledger: the first run recorded these bills.
    assert_eq!(row(&job.report(), &deep)[OUTCOME], "already-recorded");
    assert_eq!(row(&job.report(), "z.bin")[OUTCOME], "already-recorded");
    assert_eq!(job.summary()["files"], 3);
}

#[cfg(unix)]
#[test]
fn an_unreadable_directory_is_one_rejected_row_but_an_unreadable_input_stops_the_job() {
    use std::os::unix::fs::PermissionsExt;
    let job = Job::new();
    let input = input_dir(
        &job,
        &[
            ("a/x.bin", "meter-000000.bin"),
            ("b/y.bin", "meter-000003.bin"),
            ("c.bin", "meter-000002.bin"),
        ],
    );
    // The input directory itself unreadable (here: missing) is the job's own error.
    let out = output_within(
        &mut job.command(&job.path("missing"), &[]),
        60,
        "job without input",
    );
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .any(|l| l.starts_with("error:") && l.contains("cannot read input directory")),
        "{}",
        show(&out)
    );

    // Honest: everything readable is walked and read.
    let out = output_within(&mut job.command(&input, &[]), JOB_SECS, "honest job");
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(row(&job.report(), "b/y.bin")[OUTCOME], "accepted");

    let locked = input.join("b");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read_dir(&locked).is_ok() {
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
        eprintln!(
            "skipped the unreadable-directory run: this process reads a mode-000 directory \
             (root?); the walk's tests cover a directory removed or replaced mid-run"
        );
        return;
    }
    let out = output_within(&mut job.command(&input, &[]), JOB_SECS, "job");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(out.status.success(), "{}", show(&out));
    assert_rejected(&job, "b/", "directory cannot be read: Permission denied");
    assert_eq!(row(&job.report(), "a/x.bin")[OUTCOME], "accepted");
    assert_eq!(row(&job.report(), "c.bin")[OUTCOME], "accepted");
}

#[cfg(unix)]
#[test]
fn names_that_are_not_utf8_or_clash_after_lossy_conversion_get_distinct_rows() {
    use std::os::unix::ffi::OsStrExt;
    let job = Job::new();
    let input = job.path("in");
    std::fs::create_dir_all(&input).unwrap();
    let subs = corpus().join("submissions");
    // A Latin-1 byte (not UTF-8), the character a lossy conversion puts in its place, and the
    // text of the escape with a literal backslash.
    for (raw, from) in [
        (&b"caf\xe9.bin"[..], "meter-000000.bin"),
        ("caf\u{fffd}.bin".as_bytes(), "hostile/garbage.bin"),
        (b"caf\\xe9.bin", "meter-000002.bin"),
    ] {
        std::fs::copy(
            subs.join(from),
            input.join(std::ffi::OsStr::from_bytes(raw)),
        )
        .unwrap();
    }
    let out = output_within(&mut job.command(&input, &[]), JOB_SECS, "job");
    assert!(out.status.success(), "{}", show(&out));
    let report = job.report();
    let files: Vec<&str> = report
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    // Rows in byte order of the raw names: `\` (0x5c) < 0xe9 < 0xef (U+FFFD's first byte).
    assert_eq!(files, ["caf\\\\xe9.bin", "caf\\xe9.bin", "caf\u{fffd}.bin"]);
    assert_eq!(row(&report, "caf\\\\xe9.bin")[OUTCOME], "accepted");
    assert_eq!(row(&report, "caf\\xe9.bin")[OUTCOME], "accepted");
    assert_rejected(&job, "caf\u{fffd}.bin", BAD_MAGIC);
}

#[cfg(unix)]
#[test]
fn verify_refuses_a_fifo_at_once() {
    let c = corpus();
    let dir = Job::new();
    let registry = std::fs::read_to_string(c.join("meters")).unwrap();
    let line = registry
        .lines()
        .find(|l| l.contains("\"meter-000000\""))
        .unwrap();
    let entry: serde_json::Value = serde_json::from_str(line).unwrap();
    let meter_pub = dir.path("meter.pub");
    std::fs::write(&meter_pub, entry["public_key"].as_str().unwrap()).unwrap();
    let tariff = std::fs::read_dir(c.join("tariffs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .unwrap();
    let submission = c.join("submissions").join("meter-000000.bin");
    let verify = |submission: &Path, meter_pub: &Path, tariff: &Path, secs| {
        let mut cmd = Command::new(BIN);
        cmd.arg("verify")
            .arg("--submission")
            .arg(submission)
            .arg("--meter-pub")
            .arg(meter_pub)
            .arg("--tariff")
            .arg(tariff);
        output_within(&mut cmd, secs, "verify")
    };
    // Honest: the three files verify.
    let out = verify(&submission, &meter_pub, &tariff, JOB_SECS);
    assert!(out.status.success(), "{}", show(&out));

    // Each of them replaced by a FIFO nobody writes to: an I/O error (2) at once.
    let fifo = dir.path("fifo");
    mkfifo(&fifo);
    for (flag, out) in [
        ("--submission", verify(&fifo, &meter_pub, &tariff, 60)),
        ("--meter-pub", verify(&submission, &fifo, &tariff, 60)),
        ("--tariff", verify(&submission, &meter_pub, &fifo, 60)),
    ] {
        assert_eq!(out.status.code(), Some(2), "{flag}: {}", show(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.lines().any(|l| l.starts_with("error:")
                && l.contains(flag)
                && l.ends_with("not a regular file: a named pipe (FIFO)")),
            "{flag}: {}",
            show(&out)
        );
    }
}
