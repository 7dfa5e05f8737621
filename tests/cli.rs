//! End-to-end tests of the `zkmeter` binary: the honest flow is accepted, and every tampered,
//! replayed, malformed or missing input is refused with the documented exit code and a reason.
//!
//! One honest fixture (two meter key pairs, a signed period, a tariff, a submission) is built
//! once per test run through the CLI itself and shared; each test copies it into its own
//! temporary directory. Every negative test first shows that its untampered input passes, then
//! changes exactly one thing. No run may panic.
//!
//! Exit codes (src/main.rs): 0 ok / accepted, 1 rejected, 2 usage or I/O error.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

mod common;

use common::{assert_fails, assert_ok, zkmeter, Run};
use zkmeter_circuit::proof_len;
use zkmeter_protocol::CircuitSize;
use zkmeter_protocol::FieldBytes;
use zkmeter_protocol::{MeterId, Period, Submission, Tariff, UtcTime, ZkFile};

const START: &str = "2026-03-29T00:00:00Z";
const NEXT_DAY: &str = "2026-03-30T00:00:00Z";
const SLOT_MINUTES: &str = "60";
const SLOTS: usize = 24;
const SIZE: &str = "day-15min";
const METER_ID: &str = "meter-0001";

/// Files of the honest fixture, by name inside its directory.
const KEY: &str = "meter.key";
const PUB: &str = "meter.pub";
const OTHER_PUB: &str = "other-meter.pub";
const PERIOD: &str = "period.bin";
const TARIFF: &str = "tariff.json";
const SUBMISSION: &str = "submission.bin";
const FIXTURE_FILES: [&str; 6] = [KEY, PUB, OTHER_PUB, PERIOD, TARIFF, SUBMISSION];

// ---------------------------------------------------------------------------------------------
// Running the binary

fn p(path: &Path) -> &OsStr {
    path.as_os_str()
}

fn verify(submission: &Path, meter_pub: &Path, tariff: &Path) -> Run {
    zkmeter([
        OsStr::new("verify"),
        OsStr::new("--submission"),
        p(submission),
        OsStr::new("--meter-pub"),
        p(meter_pub),
        OsStr::new("--tariff"),
        p(tariff),
    ])
}

fn prove(period: &Path, tariff: &Path, out: &Path) -> Run {
    zkmeter([
        OsStr::new("prove"),
        OsStr::new("--period"),
        p(period),
        OsStr::new("--tariff"),
        p(tariff),
        OsStr::new("--out"),
        p(out),
    ])
}

fn tariff_demo(start: &str, slot_minutes: &str, out: &Path) -> Run {
    zkmeter([
        OsStr::new("tariff"),
        OsStr::new("demo"),
        OsStr::new("--start"),
        OsStr::new(start),
        OsStr::new("--slot-minutes"),
        OsStr::new(slot_minutes),
        OsStr::new("--size"),
        OsStr::new(SIZE),
        OsStr::new("--out"),
        p(out),
    ])
}

fn keygen(out: &Path) -> Run {
    zkmeter([
        OsStr::new("meter"),
        OsStr::new("keygen"),
        OsStr::new("--out"),
        p(out),
    ])
}

/// `meter record` of the fixture's frame; `source` is `--synthetic SEED` or `--readings CSV`.
fn record(key: &Path, source: [&OsStr; 2], out: &Path) -> Run {
    let mut args = vec![
        OsStr::new("meter"),
        OsStr::new("record"),
        OsStr::new("--key"),
        p(key),
        OsStr::new("--meter-id"),
        OsStr::new(METER_ID),
        OsStr::new("--start"),
        OsStr::new(START),
        OsStr::new("--slot-minutes"),
        OsStr::new(SLOT_MINUTES),
        OsStr::new("--size"),
        OsStr::new(SIZE),
        OsStr::new("--out"),
        p(out),
    ];
    args.extend(source);
    zkmeter(args)
}

// ---------------------------------------------------------------------------------------------
// The shared honest fixture and per-test working copies

const FIXTURE_PREFIX: &str = "zkmeter-cli-fixture-";

/// Builds the honest fixture once: keys of this meter and of another one, a synthetic period,
/// the period's tariff and its proven submission. Lives in cargo's scratch dir for tests; a
/// static is never dropped, so fixtures of earlier runs (over an hour old) are removed here.
fn fixture() -> &'static Path {
    static FIXTURE: OnceLock<PathBuf> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        common::remove_stale_dirs(FIXTURE_PREFIX);
        let dir = tempfile::Builder::new()
            .prefix(FIXTURE_PREFIX)
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .expect("fixture dir")
            .keep();
        let keys = dir.join("keys");
        let other = dir.join("other-keys");
        assert_ok(&keygen(&keys));
        assert_ok(&keygen(&other));
        for (from, to) in [
            (keys.join("meter.key"), KEY),
            (keys.join("meter.pub"), PUB),
            (other.join("meter.pub"), OTHER_PUB),
        ] {
            std::fs::copy(from, dir.join(to)).expect("copy key");
        }
        let run = record(
            &dir.join(KEY),
            [OsStr::new("--synthetic"), OsStr::new("7")],
            &dir.join(PERIOD),
        );
        assert_ok(&run);
        assert_ok(&tariff_demo(START, SLOT_MINUTES, &dir.join(TARIFF)));
        let run = prove(&dir.join(PERIOD), &dir.join(TARIFF), &dir.join(SUBMISSION));
        assert_ok(&run);
        dir
    })
}

/// A private copy of the fixture for one test (removed when dropped).
struct Work {
    dir: tempfile::TempDir,
    /// The honest verification / proof of this copy already passed (run each once per test).
    verified: std::cell::Cell<bool>,
    proven: std::cell::Cell<bool>,
}

impl Work {
    fn new() -> Self {
        let fixture = fixture();
        let dir = tempfile::Builder::new()
            .prefix("zkmeter-cli-test-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .expect("work dir");
        for name in FIXTURE_FILES {
            std::fs::copy(fixture.join(name), dir.path().join(name)).expect("copy fixture");
        }
        Work {
            dir,
            verified: false.into(),
            proven: false.into(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Decodes a period file, checking that re-encoding gives back exactly its bytes (so a
    /// tampered copy differs from the honest file only where the test changes it).
    fn period(&self) -> Period {
        let path = self.path(PERIOD);
        let period = Period::read(&path).expect("honest period decodes");
        assert_eq!(period.to_bytes(), std::fs::read(&path).unwrap());
        period
    }

    /// As [`Work::period`], for the submission.
    fn submission(&self) -> Submission {
        let path = self.path(SUBMISSION);
        let submission = Submission::read(&path).expect("honest submission decodes");
        assert_eq!(submission.to_bytes(), std::fs::read(&path).unwrap());
        submission
    }

    /// Writes raw bytes to `name` and returns its path.
    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, bytes).expect("write test file");
        path
    }

    /// The honest case: the submission verifies under the meter's key and the tariff (run
    /// once per test; later calls in the same test reuse the result).
    #[track_caller]
    fn assert_honest_verify(&self) {
        if self.verified.get() {
            return;
        }
        let run = verify(&self.path(SUBMISSION), &self.path(PUB), &self.path(TARIFF));
        assert_ok(&run);
        assert!(run.stdout.contains("accepted"), "{run}");
        self.verified.set(true);
    }

    /// The honest case of `prove`: the period (decoded and re-encoded unchanged) is proven
    /// (once per test).
    #[track_caller]
    fn assert_honest_prove(&self) {
        if self.proven.get() {
            return;
        }
        let period = self.write("honest-period.bin", &self.period().to_bytes());
        let out = self.path("honest-submission.bin");
        assert_ok(&prove(&period, &self.path(TARIFF), &out));
        assert!(out.is_file());
        self.proven.set(true);
    }

    /// Shows the honest period is proven, then that the period changed by `tamper` is refused
    /// by `prove` with exit 1 and `reason`.
    #[track_caller]
    fn assert_tampered_period_refused(&self, tamper: impl FnOnce(&mut Period), reason: &str) {
        self.assert_honest_prove();
        let honest = self.period();
        let mut period = honest.clone();
        tamper(&mut period);
        assert_ne!(period, honest, "the tampering changed nothing");
        let tampered = self.write("tampered-period.bin", &period.to_bytes());
        let out = self.path("tampered-submission.bin");
        assert_fails(&prove(&tampered, &self.path(TARIFF), &out), 1, reason);
        assert!(
            !out.exists(),
            "a refused period still produced a submission"
        );
    }

    /// Shows the honest submission verifies, then that `bytes` (a tampered submission) are
    /// rejected by `verify` with `code` and `reason` against the meter key and tariff.
    #[track_caller]
    fn assert_submission_bytes_refused(&self, bytes: &[u8], code: i32, reason: &str) -> Run {
        self.assert_honest_verify();
        assert_ne!(bytes, std::fs::read(self.path(SUBMISSION)).unwrap());
        let tampered = self.write("tampered-submission.bin", bytes);
        let run = verify(&tampered, &self.path(PUB), &self.path(TARIFF));
        assert_fails(&run, code, reason);
        run
    }

    /// As [`Work::assert_submission_bytes_refused`], for a field-level change (exit 1).
    #[track_caller]
    fn assert_tampered_submission_rejected(
        &self,
        tamper: impl FnOnce(&mut Submission),
        reason: &str,
    ) -> Run {
        let mut submission = self.submission();
        tamper(&mut submission);
        self.assert_submission_bytes_refused(&submission.to_bytes(), 1, reason)
    }
}

// ---------------------------------------------------------------------------------------------
// The honest flow

#[test]
fn honest_submission_is_accepted_with_bill_and_energy() {
    let w = Work::new();
    let run = verify(&w.path(SUBMISSION), &w.path(PUB), &w.path(TARIFF));
    assert_ok(&run);
    let submission = w.submission();
    let energy = format!(
        "import {}.{:03} kWh",
        submission.import_energy / 1000,
        submission.import_energy % 1000
    );
    assert!(run.stdout.contains("accepted"), "{run}");
    assert!(run.stdout.contains(METER_ID), "{run}");
    assert!(run.stdout.contains(&energy), "expected {energy}: {run}");
}

#[test]
fn record_from_a_csv_then_prove_and_verify_is_accepted() {
    let w = Work::new();
    let readings: Vec<u32> = (0..SLOTS as u32).map(|h| 100 + 10 * h).collect();
    let mut csv = String::from("timestamp,wh\n");
    for (h, wh) in readings.iter().enumerate() {
        csv.push_str(&format!("2026-03-29T{h:02}:00:00Z,{wh}\n"));
    }
    let csv = w.write("readings.csv", csv.as_bytes());
    let period = w.path("csv-period.bin");
    let run = record(&w.path(KEY), [OsStr::new("--readings"), p(&csv)], &period);
    assert_ok(&run);
    assert_eq!(Period::read(&period).unwrap().import, readings);

    let submission = w.path("csv-submission.bin");
    assert_ok(&prove(&period, &w.path(TARIFF), &submission));
    let run = verify(&submission, &w.path(PUB), &w.path(TARIFF));
    assert_ok(&run);
    let energy: u32 = readings.iter().sum();
    let energy = format!("import {}.{:03} kWh", energy / 1000, energy % 1000);
    assert!(run.stdout.contains(&energy), "expected '{energy}': {run}");
}

#[test]
fn inspect_prints_json_with_the_kind_of_each_file() {
    let w = Work::new();
    for (name, kind) in [
        (PERIOD, "period"),
        (TARIFF, "tariff"),
        (SUBMISSION, "submission"),
    ] {
        let run = zkmeter([OsStr::new("inspect"), p(&w.path(name))]);
        assert_ok(&run);
        let json: serde_json::Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("inspect {name}: not JSON ({e}): {run}"));
        assert_eq!(json["kind"], kind, "{run}");
    }
    let run = zkmeter([OsStr::new("inspect"), p(&w.path(SUBMISSION))]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["import_energy"], w.submission().import_energy);
    assert_eq!(json["filled"], 0);
    assert_eq!(json["unit"], 0);
    assert_eq!(json["meter_id"], METER_ID);
}

#[test]
fn circuit_info_without_keygen_lists_every_size() {
    let run = zkmeter(["circuit-info", "--no-keygen"]);
    assert_ok(&run);
    assert_eq!(CircuitSize::ALL.len(), 6);
    for size in CircuitSize::ALL {
        let line = run
            .stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(size.name()))
            .unwrap_or_else(|| panic!("no line for {size}: {run}"));
        assert!(
            line.contains(&size.capacity().to_string())
                && line.contains(&proof_len(size).to_string()),
            "line for {size} lacks its capacity or proof length: {line}"
        );
    }
}

#[test]
fn circuit_info_json_has_one_object_per_size() {
    let run = zkmeter(["circuit-info", "--no-keygen", "--json"]);
    assert_ok(&run);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let objects = json.as_array().unwrap();
    assert_eq!(objects.len(), CircuitSize::ALL.len());
    for (object, size) in objects.iter().zip(CircuitSize::ALL) {
        assert_eq!(object["size"], size.name());
        assert_eq!(object["slots"], size.capacity());
        assert_eq!(object["k"], size.k());
        assert_eq!(object["proof_bytes"], proof_len(size));
        assert!(object["rows"].as_u64().unwrap() <= 1 << size.k());
        assert!(object["keygen_s"].is_null(), "--no-keygen: no keygen time");
    }
}

#[test]
fn help_of_every_subcommand_exits_zero() {
    let commands: &[&[&str]] = &[
        &["--help"],
        &["meter", "--help"],
        &["meter", "keygen", "--help"],
        &["meter", "record", "--help"],
        &["tariff", "--help"],
        &["tariff", "demo", "--help"],
        &["prove", "--help"],
        &["verify", "--help"],
        &["inspect", "--help"],
        &["circuit-info", "--help"],
        &["demo", "--help"],
        &["help", "verify"],
    ];
    for args in commands {
        let run = zkmeter(args.iter());
        assert_ok(&run);
        assert!(run.stdout.contains("Usage:"), "{run}");
    }
}

#[test]
fn tariff_demo_writes_the_currency_asked_for_and_refuses_a_malformed_one() {
    let dir = tempfile::tempdir().unwrap();
    let (gbp, eur) = (dir.path().join("gbp.json"), dir.path().join("eur.json"));
    let demo = |out: &Path, extra: &[&str]| {
        let mut args: Vec<&OsStr> = [
            "tariff",
            "demo",
            "--start",
            START,
            "--slot-minutes",
            SLOT_MINUTES,
            "--size",
            SIZE,
        ]
        .into_iter()
        .map(OsStr::new)
        .collect();
        args.extend(extra.iter().map(OsStr::new));
        args.extend([OsStr::new("--out"), p(out)]);
        zkmeter(args)
    };
    // Honest: the default stays GBP; --currency EUR labels the same prices EUR.
    assert_ok(&demo(&gbp, &[]));
    let run = demo(&eur, &["--currency", "EUR"]);
    assert_ok(&run);
    assert!(run.stdout.contains(" EUR/kWh"), "{run}");
    let (g, e) = (Tariff::read(&gbp).unwrap(), Tariff::read(&eur).unwrap());
    assert_eq!((g.currency.as_str(), e.currency.as_str()), ("GBP", "EUR"));
    assert_eq!(g.prices, e.prices);
    // Anything but 3 upper-case letters is a usage error naming the rule; nothing is written.
    for bad in ["eur", "EURO", "E1R", ""] {
        let out = dir.path().join("bad.json");
        let run = demo(&out, &["--currency", bad]);
        assert_fails(
            &run,
            2,
            &format!("bad currency '{bad}': 3 upper-case letters (ISO 4217 style, e.g. EUR)"),
        );
        assert!(!out.exists(), "{run}");
    }
    let run = zkmeter(["tariff", "demo", "--help"]);
    assert!(run.stdout.contains("--currency <CODE>"), "{run}");
    assert!(run.stdout.contains("[default: GBP]"), "{run}");
}

// ---------------------------------------------------------------------------------------------
// Wrong meter, tariff, period or frame at the utility

#[test]
fn verify_with_another_meters_key_is_rejected_for_the_signature() {
    let w = Work::new();
    w.assert_honest_verify();
    let run = verify(&w.path(SUBMISSION), &w.path(OTHER_PUB), &w.path(TARIFF));
    assert_fails(&run, 1, "meter signature rejected");
}

#[test]
fn tariff_of_another_period_is_a_frame_mismatch() {
    let w = Work::new();
    w.assert_honest_verify();
    let other = w.path("next-day-tariff.json");
    assert_ok(&tariff_demo(NEXT_DAY, SLOT_MINUTES, &other));
    let run = verify(&w.path(SUBMISSION), &w.path(PUB), &other);
    assert_fails(&run, 1, "frame mismatch");
}

#[test]
fn tariff_of_another_frame_is_a_frame_mismatch() {
    let w = Work::new();
    w.assert_honest_verify();
    // Same start and size, 96 quarter-hours instead of 24 hours.
    let other = w.path("quarter-hour-tariff.json");
    assert_ok(&tariff_demo(START, "15", &other));
    let run = verify(&w.path(SUBMISSION), &w.path(PUB), &other);
    assert_fails(&run, 1, "frame mismatch");
}

#[test]
fn tariff_with_a_changed_price_is_a_digest_mismatch() {
    let w = Work::new();
    w.assert_honest_verify();
    let mut tariff = Tariff::read(&w.path(TARIFF)).unwrap();
    tariff.prices[7] += 1;
    let changed = w.write("changed-tariff.json", tariff.to_json().as_bytes());
    let run = verify(&w.path(SUBMISSION), &w.path(PUB), &changed);
    assert_fails(&run, 1, "tariff digest differs");
}

// ---------------------------------------------------------------------------------------------
// Tampered submissions

#[test]
fn changed_bill_does_not_verify() {
    let w = Work::new();
    w.assert_tampered_submission_rejected(|s| s.bill -= 1, "proof does not verify");
}

#[test]
fn changed_energy_does_not_verify() {
    let w = Work::new();
    w.assert_tampered_submission_rejected(|s| s.import_energy += 1, "proof does not verify");
}

#[test]
fn submission_for_another_meter_is_rejected_for_the_signature() {
    let w = Work::new();
    w.assert_tampered_submission_rejected(
        |s| s.meter_id = MeterId::new("meter-0002").unwrap(),
        "meter signature rejected",
    );
}

#[test]
fn submission_moved_to_another_period_is_rejected() {
    let w = Work::new();
    let next_day = |s: &mut Submission| {
        s.frame.start = UtcTime::from_unix(s.frame.start.unix() + 86_400).unwrap();
    };
    // Against the utility's tariff of the real period: the frames differ.
    w.assert_tampered_submission_rejected(next_day, "frame mismatch");

    // Replayed consistently into the next day (frame, tariff id and digest all of the next
    // day's tariff): the meter never signed that frame.
    let tariff = w.path("next-day-tariff.json");
    assert_ok(&tariff_demo(NEXT_DAY, SLOT_MINUTES, &tariff));
    let next_tariff = Tariff::read(&tariff).unwrap();
    let mut replay = w.submission();
    next_day(&mut replay);
    assert_eq!(replay.frame, next_tariff.frame);
    replay.tariff_id = next_tariff.tariff_id.clone();
    replay.tariff_digest = next_tariff.digest();
    let replay = w.write("replayed-submission.bin", &replay.to_bytes());
    let run = verify(&replay, &w.path(PUB), &tariff);
    assert_fails(&run, 1, "meter signature rejected");
}

#[test]
fn truncated_proof_is_rejected_for_its_length() {
    let w = Work::new();
    let expected = proof_len(CircuitSize::Day15Min);
    assert_eq!(w.submission().proof.len(), expected);
    let run = w.assert_tampered_submission_rejected(
        |s| {
            s.proof.pop();
        },
        &format!("proof is {} bytes", expected - 1),
    );
    assert!(
        run.stderr.contains(&format!("exactly {expected} bytes")),
        "{run}"
    );
}

#[test]
fn extended_proof_is_rejected_for_its_length() {
    let w = Work::new();
    let expected = proof_len(CircuitSize::Day15Min);
    let run = w.assert_tampered_submission_rejected(
        |s| s.proof.push(0),
        &format!("proof is {} bytes", expected + 1),
    );
    assert!(
        run.stderr.contains(&format!("exactly {expected} bytes")),
        "{run}"
    );
}

#[test]
fn bit_flipped_proof_does_not_verify() {
    let w = Work::new();
    let len = w.submission().proof.len();
    // A point near the start, the middle, the last scalar.
    for at in [0, len / 2, len - 1] {
        w.assert_tampered_submission_rejected(|s| s.proof[at] ^= 0x01, "proof does not verify");
    }
}

#[test]
fn non_canonical_commitment_encoding_is_refused() {
    let w = Work::new();
    let run = w.assert_tampered_submission_rejected(
        |s| s.commitment = FieldBytes([0xff; 32]),
        "canonical",
    );
    assert!(run.stderr.contains("commitment"), "{run}");
}

// ---------------------------------------------------------------------------------------------
// Malformed, oversized and missing files

#[test]
fn unknown_format_version_is_refused() {
    let w = Work::new();
    let mut bytes = std::fs::read(w.path(SUBMISSION)).unwrap();
    assert_eq!(bytes[8..10], 3u16.to_le_bytes(), "header layout changed");
    bytes[8..10].copy_from_slice(&9u16.to_le_bytes());
    w.assert_submission_bytes_refused(&bytes, 1, "format version 9");
}

#[test]
fn oversized_files_are_refused_by_their_cap() {
    let w = Work::new();
    // 70 KiB of zeros: over the 64 KiB submission cap, refused before parsing.
    w.assert_submission_bytes_refused(&vec![0u8; 70 * 1024], 1, "larger than");

    // A 2 MiB (sparse) period file: over the 1 MiB period cap.
    w.assert_honest_prove();
    let big = w.path("big-period.bin");
    std::fs::File::create(&big)
        .and_then(|f| f.set_len(2 << 20))
        .unwrap();
    let run = prove(&big, &w.path(TARIFF), &w.path("out.bin"));
    assert_fails(&run, 1, "larger than");
}

#[test]
fn garbage_files_are_refused() {
    let w = Work::new();
    let garbage = b"this is not a zkmeter file\n\x00\xff\x13\x37".to_vec();
    w.assert_submission_bytes_refused(&garbage, 1, "bad magic");

    // A valid submission header followed by junk.
    let mut junk = std::fs::read(w.path(SUBMISSION)).unwrap()[..10].to_vec();
    junk.extend_from_slice(&[0xff; 40]);
    w.assert_submission_bytes_refused(&junk, 1, "malformed");

    // A period where a submission is expected.
    let period = std::fs::read(w.path(PERIOD)).unwrap();
    w.assert_submission_bytes_refused(&period, 1, "this is a period file");

    // The plugin refuses garbage periods and tariffs.
    w.assert_honest_prove();
    let garbage = w.write("garbage.bin", &garbage);
    let out = w.path("out.bin");
    assert_fails(&prove(&garbage, &w.path(TARIFF), &out), 1, "bad magic");
    assert_fails(
        &prove(&w.path(PERIOD), &garbage, &out),
        1,
        "tariff file is malformed",
    );

    // inspect names what it could not recognise.
    let run = zkmeter([OsStr::new("inspect"), p(&garbage)]);
    assert_fails(&run, 1, "not a zkmeter period or submission");
}

#[test]
fn missing_files_are_io_errors() {
    let w = Work::new();
    w.assert_honest_verify();
    let missing = w.path("no-such-file");
    let cases = [
        verify(&missing, &w.path(PUB), &w.path(TARIFF)),
        verify(&w.path(SUBMISSION), &missing, &w.path(TARIFF)),
        verify(&w.path(SUBMISSION), &w.path(PUB), &missing),
        prove(&missing, &w.path(TARIFF), &w.path("out.bin")),
        prove(&w.path(PERIOD), &missing, &w.path("out.bin")),
        zkmeter([OsStr::new("inspect"), p(&missing)]),
    ];
    for run in &cases {
        assert_fails(run, 2, "cannot read");
        // An unreadable file is not a rejected bill.
        assert!(!run.stderr.contains("rejected"), "{run}");
    }
}

#[test]
fn unknown_circuit_size_is_a_usage_error() {
    let w = Work::new();
    let out = w.path("out");
    let out = out.as_os_str();
    let key = w.path(KEY);
    let commands: Vec<Vec<&OsStr>> = vec![
        ["meter", "record", "--meter-id", METER_ID, "--start", START]
            .into_iter()
            .map(OsStr::new)
            .chain([
                OsStr::new("--key"),
                key.as_os_str(),
                OsStr::new("--slot-minutes"),
                OsStr::new("60"),
                OsStr::new("--synthetic"),
                OsStr::new("7"),
                OsStr::new("--out"),
                out,
            ])
            .collect(),
        ["tariff", "demo", "--start", START, "--slot-minutes", "60"]
            .into_iter()
            .map(OsStr::new)
            .chain([OsStr::new("--out"), out])
            .collect(),
        ["circuit-info", "--no-keygen"]
            .into_iter()
            .map(OsStr::new)
            .collect(),
    ];
    for mut args in commands {
        // The honest size works...
        let mut honest = args.clone();
        honest.extend([OsStr::new("--size"), OsStr::new(SIZE)]);
        assert_ok(&zkmeter(&honest));
        let _ = std::fs::remove_file(w.path("out"));
        // ...an unknown one is refused by name.
        args.extend([OsStr::new("--size"), OsStr::new("week-5min")]);
        let run = zkmeter(&args);
        assert_fails(&run, 2, "unknown circuit size 'week-5min'");
    }
}

// ---------------------------------------------------------------------------------------------
// Tampered period files: the plugin refuses them before proving

#[test]
fn tampered_reading_is_refused_by_prove() {
    Work::new().assert_tampered_period_refused(
        |p| p.import[5] += 1,
        "readings and blinding value do not open the commitment",
    );
}

#[test]
fn tampered_blinding_value_is_refused_by_prove() {
    Work::new().assert_tampered_period_refused(
        |p| {
            p.blinding.0[0] ^= 0x01;
            p.blinding
                .to_fp("blinding value")
                .expect("still a canonical field element");
        },
        "readings and blinding value do not open the commitment",
    );
}

#[test]
fn tampered_commitment_is_refused_by_prove() {
    Work::new().assert_tampered_period_refused(
        |p| {
            p.commitment.0[0] ^= 0x01;
            p.commitment
                .to_fp("commitment")
                .expect("still a canonical field element");
        },
        "meter signature on the period does not verify",
    );
}

#[test]
fn tampered_signature_is_refused_by_prove() {
    Work::new().assert_tampered_period_refused(
        |p| p.signature.0[63] ^= 0x01,
        "meter signature on the period does not verify",
    );
}

/// `prove --meter-pub` with another meter's key names the key mismatch, after the same command
/// with the right key succeeds.
#[test]
fn prove_with_another_pinned_meter_key_is_refused() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.bin");
    let run = |key: &str| {
        zkmeter([
            OsStr::new("prove"),
            OsStr::new("--period"),
            p(&f.join(PERIOD)),
            OsStr::new("--tariff"),
            p(&f.join(TARIFF)),
            OsStr::new("--out"),
            p(&out),
            OsStr::new("--meter-pub"),
            p(&f.join(key)),
        ])
    };
    let ok = run(PUB);
    assert_ok(&ok);
    let bad = run(OTHER_PUB);
    assert_eq!(bad.code, 1, "{bad}");
    assert!(bad.stderr.contains("another meter key"), "{bad}");
}

#[test]
fn writing_into_a_missing_directory_is_an_io_error_that_says_write() {
    let w = Work::new();
    w.assert_honest_prove();
    let run = prove(
        &w.path(PERIOD),
        &w.path(TARIFF),
        &w.path("no-such-dir/submission.bin"),
    );
    assert_fails(&run, 2, "cannot write");
    assert!(!run.stderr.contains("cannot read"), "{run}");
}
