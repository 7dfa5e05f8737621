//! End-to-end tests of `zkmeter batch-verify` with rate plans and bill periods: the registry's
//! plan picks a meter's tariff (a consumer cannot bill the cheaper of two frames), the
//! utility's tariffs are checked per plan, a bill whose period overlaps one recorded by an
//! earlier run is a duplicate naming that period (an hourly and a quarter-hourly day, a day
//! inside a month, a half-day inside a day), and a flood of copies of one statement with good
//! and bad proofs costs one proof verification.
//!
//! One meter, `m-1`, and one set of proofs, made once per test run through the library (the
//! job itself runs as the binary): four frames around 2026-01-15, each with the tariff of its
//! own plan. Every tariff overlaps the others in time, which is allowed across plans.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

mod common;

use common::report::{
    exact, records, BILL, EXPORT_KWH, FILLED, HEADER, IMPORT_KWH, OUTCOME, REASON,
};
use common::{assert_fails, assert_ok, zkmeter, Run};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use zkmeter_circuit::Fp;
use zkmeter_meter::{
    demo_tariff, record_with_blinding, synthetic_readings, Measured, MeterSigningKey,
};
use zkmeter_protocol::{CircuitSize, Frame, MeterId, PlanId, Submission, Tariff, UtcTime, ZkFile};
use zkmeter_prover::Plugin;
use zkmeter_verifier::ledger::{BillRecord, Ledger};
use zkmeter_verifier::registry::RegistryLine;

const METER: &str = "m-1";

/// One frame of the meter, priced under the tariff of its own plan.
struct Billed {
    /// The tariff (its `plan` set).
    tariff: Tariff,
    /// An honest submission under it.
    submission: Submission,
}

/// The meter's key and its four bills: an hourly day, a quarter-hourly day (both 2026-01-15),
/// the second half of that day (hourly) and the month of January (hourly, size month-30min).
struct Fixture {
    pem: String,
    hourly: Billed,
    quarter: Billed,
    half: Billed,
    monthly: Billed,
    /// A second, fresh proof of the hourly day's statement (other bytes, also valid).
    hourly_again: Submission,
}

fn at(text: &str) -> UtcTime {
    UtcTime::parse(text).unwrap()
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let key = MeterSigningKey::generate(&mut ChaCha20Rng::seed_from_u64(11)).unwrap();
        let params = |size: CircuitSize| {
            std::sync::Arc::new(
                zkmeter_params::ParamStore::default_store()
                    .load(size.k(), |_| {})
                    .unwrap(),
            )
        };
        let day_params = params(CircuitSize::Day15Min);
        let month_params = params(CircuitSize::Month30Min);
        // Keys are per tariff: each bill's plugin is built for its own tariff.
        let bill = |plan: &str, frame: Frame, seed: u64| {
            let demo = demo_tariff(&frame, 5).unwrap();
            let tariff = Tariff::new(&format!("{plan}-2026-01"), "GBP", frame, demo.prices)
                .unwrap()
                .with_plan(Some(PlanId::new(plan).unwrap()));
            let size_params = if frame.size == CircuitSize::Day15Min {
                day_params.clone()
            } else {
                month_params.clone()
            };
            let plugin = Plugin::new(&tariff, size_params).unwrap();
            let period = record_with_blinding(
                &key,
                MeterId::new(METER).unwrap(),
                frame,
                Measured::import_wh(synthetic_readings(&frame, seed).unwrap()),
                Fp::from(seed),
            )
            .unwrap();
            let submission = plugin
                .prove(&period, &tariff, None, ChaCha20Rng::seed_from_u64(seed))
                .unwrap();
            (Billed { tariff, submission }, period, plugin)
        };
        let day = at("2026-01-15T00:00:00Z");
        let size = CircuitSize::Day15Min;
        let (hourly, hourly_period, hourly_plugin) =
            bill("hourly", Frame::new(day, 60, 24, size).unwrap(), 1);
        let hourly_again = hourly_plugin
            .prove(
                &hourly_period,
                &hourly.tariff,
                None,
                ChaCha20Rng::seed_from_u64(99),
            )
            .unwrap();
        let (quarter, ..) = bill("quarter", Frame::new(day, 15, 96, size).unwrap(), 2);
        let noon = at("2026-01-15T12:00:00Z");
        let (half, ..) = bill("half", Frame::new(noon, 60, 12, size).unwrap(), 3);
        let january =
            Frame::natural(at("2026-01-01T00:00:00Z"), 60, CircuitSize::Month30Min).unwrap();
        let (monthly, ..) = bill("monthly", january, 4);
        Fixture {
            pem: key.public_key().to_pem().unwrap(),
            hourly,
            quarter,
            half,
            monthly,
            hourly_again,
        }
    })
}

/// A job's directory: registry, tariffs, inputs, one ledger.
struct Batch {
    dir: tempfile::TempDir,
}

impl Batch {
    /// A ledger of its own; every plan's tariff published (they overlap across plans).
    fn new() -> Self {
        let f = fixture();
        let b = Batch::empty();
        for billed in [&f.hourly, &f.quarter, &f.half, &f.monthly] {
            b.publish(&billed.tariff);
        }
        b
    }

    /// A ledger of its own and an empty tariff directory.
    fn empty() -> Self {
        let b = Batch {
            dir: tempfile::Builder::new()
                .prefix("zkmeter-batch-plans-")
                .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
                .unwrap(),
        };
        std::fs::create_dir_all(b.path("tariffs")).unwrap();
        b
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes `tariff` into the tariff directory as `ID.json`.
    fn publish(&self, tariff: &Tariff) -> PathBuf {
        let path = self
            .path("tariffs")
            .join(format!("{}.json", tariff.tariff_id));
        std::fs::write(&path, tariff.to_json()).unwrap();
        path
    }

    /// The registry: meter `m-1` billed under `plan` (`None`: a line with no plan field, as
    /// written before plans existed).
    fn register(&self, plan: Option<&str>) {
        let line = RegistryLine {
            meter_id: MeterId::new(METER).unwrap(),
            public_key: fixture().pem.clone(),
            revoked: false,
            plan: plan.map(|p| PlanId::new(p).unwrap()),
        };
        std::fs::write(self.path("meters"), line.to_line() + "\n").unwrap();
    }

    /// The registry: each `(meter id, SPKI PEM, plan)`.
    fn register_all(&self, meters: &[(&str, &str, &str)]) {
        let text: String = meters
            .iter()
            .map(|(id, pem, plan)| {
                RegistryLine {
                    meter_id: MeterId::new(id).unwrap(),
                    public_key: (*pem).to_owned(),
                    revoked: false,
                    plan: Some(PlanId::new(plan).unwrap()),
                }
                .to_line()
                    + "\n"
            })
            .collect();
        std::fs::write(self.path("meters"), text).unwrap();
    }

    /// A fresh input directory `name` holding `files`.
    fn input(&self, name: &str, files: &[(&str, &[u8])]) -> PathBuf {
        let dir = self.path(name);
        std::fs::create_dir_all(&dir).unwrap();
        for (file, bytes) in files {
            std::fs::write(dir.join(file), bytes).unwrap();
        }
        dir
    }

    /// Runs the job over `input` with this directory's registry, tariffs and ledger.
    fn run(&self, input: &Path, extra: &[&str]) -> Run {
        let mut args: Vec<String> = vec!["batch-verify".into(), "--in".into()];
        args.push(input.display().to_string());
        for (flag, name) in [
            ("--meters", "meters"),
            ("--tariffs", "tariffs"),
            ("--ledger", "ledger.sqlite"),
            ("--report", "report.csv"),
            ("--summary", "summary.json"),
        ] {
            args.push(flag.into());
            args.push(self.path(name).display().to_string());
        }
        args.extend(extra.iter().map(|a| a.to_string()));
        zkmeter(args)
    }

    /// Runs the job, asserting it ran to the end.
    fn run_ok(&self, input: &Path, extra: &[&str]) -> Run {
        let run = self.run(input, extra);
        assert_ok(&run);
        run
    }

    fn report(&self) -> String {
        std::fs::read_to_string(self.path("report.csv")).unwrap()
    }

    /// `file`'s row, split into its fields (unquoted).
    fn fields(&self, file: &str) -> Vec<String> {
        let report = self.report();
        let records = records(&report);
        assert_eq!(records[0].join(","), HEADER);
        records
            .into_iter()
            .skip(1)
            .find(|r| r[0] == file)
            .unwrap_or_else(|| panic!("no row for {file} in\n{report}"))
    }

    /// `(outcome, reason)` of `file`'s row.
    fn row(&self, file: &str) -> (String, String) {
        let mut r = self.fields(file);
        (
            std::mem::take(&mut r[OUTCOME]),
            std::mem::take(&mut r[REASON]),
        )
    }

    fn summary(&self) -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(self.path("summary.json")).unwrap()).unwrap()
    }

    fn bills(&self) -> usize {
        self.ledger().len()
    }

    fn ledger(&self) -> Vec<BillRecord> {
        Ledger::open(&self.path("ledger.sqlite"))
            .unwrap()
            .all()
            .unwrap()
    }
}

fn bytes(s: &Submission) -> Vec<u8> {
    s.to_bytes()
}

/// The registry's plan decides which of the meter's frames is billed: the other frame's
/// submission, although valid under its own tariff, is rejected naming both plans, whichever
/// comes first in the batch.
#[test]
fn the_meters_plan_picks_the_tariff_and_a_submission_under_another_plan_is_rejected() {
    let f = fixture();
    let files: [(&str, &[u8]); 2] = [
        ("a-quarter.bin", &bytes(&f.quarter.submission)),
        ("b-hourly.bin", &bytes(&f.hourly.submission)),
    ];
    // Honest: under the quarter-hourly plan the quarter-hourly day is billed ...
    let quarterly = Batch::new();
    quarterly.register(Some("quarter"));
    let input = quarterly.input("in", &files);
    quarterly.run_ok(&input, &[]);
    assert_eq!(quarterly.row("a-quarter.bin").0, "accepted");
    assert_eq!(
        quarterly.row("b-hourly.bin"),
        (
            "rejected".into(),
            "plan mismatch: meter m-1 is billed under plan quarter, the submission's tariff \
             'hourly-2026-01' is of plan hourly"
                .into()
        )
    );
    // ... and under the hourly plan the hourly day, though the quarter-hourly one comes first.
    let hourly = Batch::new();
    hourly.register(Some("hourly"));
    let input = hourly.input("in", &files);
    hourly.run_ok(&input, &[]);
    assert_eq!(
        hourly.row("a-quarter.bin"),
        (
            "rejected".into(),
            "plan mismatch: meter m-1 is billed under plan hourly, the submission's tariff \
             'quarter-2026-01' is of plan quarter"
                .into()
        )
    );
    assert_eq!(hourly.row("b-hourly.bin").0, "accepted");
    assert_eq!(hourly.bills(), 1);
    // A meter with no plan in its line is of the default plan, which has no tariff here.
    let default = Batch::new();
    default.register(None);
    let input = default.input("in", &[("b-hourly.bin", &bytes(&f.hourly.submission))]);
    default.run_ok(&input, &[]);
    assert_eq!(
        default.row("b-hourly.bin").1,
        "plan mismatch: meter m-1 is billed under plan default, the submission's tariff \
         'hourly-2026-01' is of plan hourly"
    );
}

/// A plan's tariffs must not overlap and must share one slot length and size; tariffs of
/// different plans may overlap (every `Batch` publishes four that do).
#[test]
fn the_job_refuses_a_plan_with_overlapping_tariffs_or_two_kinds_of_frame_naming_both_files() {
    let f = fixture();
    let b = Batch::new();
    b.register(Some("hourly"));
    let empty = b.input("empty", &[]);
    // Honest: four overlapping tariffs of four plans load.
    b.run_ok(&empty, &[]);

    // The half-day moved into the hourly plan overlaps the hourly day.
    let mut half = f
        .half
        .tariff
        .clone()
        .with_plan(Some(PlanId::new("hourly").unwrap()));
    half.tariff_id = "hourly-half".into();
    let half_path = b.publish(&half);
    let day_path = b.path("tariffs").join("hourly-2026-01.json");
    let run = b.run(&empty, &[]);
    assert_fails(
        &run,
        2,
        &format!(
            "tariffs: plan hourly: {} (2026-01-15T00:00:00Z/2026-01-16T00:00:00Z) and {} \
             (2026-01-15T12:00:00Z/2026-01-16T00:00:00Z) overlap",
            day_path.display(),
            half_path.display()
        ),
    );
    std::fs::remove_file(&half_path).unwrap();
    b.run_ok(&empty, &[]);

    // The quarter-hourly day moved into the hourly plan: another slot length.
    let mut quarter = f
        .quarter
        .tariff
        .clone()
        .with_plan(Some(PlanId::new("hourly").unwrap()));
    quarter.tariff_id = "hourly-quarter".into();
    let quarter_path = b.publish(&quarter);
    let run = b.run(&empty, &[]);
    assert_fails(
        &run,
        2,
        &format!(
            "tariffs: plan hourly: {} is for 15-minute slots of size day-15min, but {} is for \
             60-minute slots of size day-15min",
            quarter_path.display(),
            day_path.display()
        ),
    );
}

/// `tariff demo --plan` writes the plan into the tariff; without it none is written (the
/// default plan), and a malformed plan id is a usage error.
#[test]
fn tariff_files_name_their_plan_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let demo = |out: &str, plan: Option<&str>| {
        let mut args = vec![
            "tariff".to_owned(),
            "demo".into(),
            "--start".into(),
            "2026-01-15T00:00:00Z".into(),
            "--slot-minutes".into(),
            "60".into(),
            "--size".into(),
            "day-15min".into(),
            "--out".into(),
            dir.path().join(out).display().to_string(),
        ];
        if let Some(p) = plan {
            args.extend(["--plan".into(), p.into()]);
        }
        zkmeter(args)
    };
    assert_ok(&demo("plain.json", None));
    let plain = Tariff::read(&dir.path().join("plain.json")).unwrap();
    assert_eq!(plain.plan, None);
    assert_ok(&demo("hourly.json", Some("hourly")));
    let hourly = Tariff::read(&dir.path().join("hourly.json")).unwrap();
    assert_eq!(hourly.plan_id().as_str(), "hourly");
    assert_eq!(hourly.clone().with_plan(None), plain);
    assert_ne!(hourly.digest(), plain.digest());
    let run = demo("bad.json", Some("hour ly"));
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("bad plan id 'hour ly'"), "{run}");
}

/// Runs `first` on a ledger with the meter under `first_plan`, then `second` under
/// `second_plan` on the same ledger: the second is a duplicate whose reason names the period
/// recorded first. Each run is first shown to accept its own file on a fresh ledger.
fn overlap_across_runs(first: (&str, &Billed), second: (&str, &Billed), reason: &str) {
    let plan = |b: &Billed| b.tariff.plan.as_ref().unwrap().as_str().to_owned();
    // Honest: each alone is accepted.
    for (name, billed) in [first, second] {
        let b = Batch::new();
        b.register(Some(&plan(billed)));
        let input = b.input("in", &[(name, &bytes(&billed.submission))]);
        b.run_ok(&input, &[]);
        assert_eq!(b.row(name).0, "accepted", "{name} alone");
    }
    let b = Batch::new();
    b.register(Some(&plan(first.1)));
    let input = b.input("one", &[(first.0, &bytes(&first.1.submission))]);
    b.run_ok(&input, &[]);
    assert_eq!(b.row(first.0).0, "accepted");
    // The utility moves the meter to the other plan; its bill for an overlapping period is a
    // duplicate of the recorded one.
    b.register(Some(&plan(second.1)));
    let input = b.input("two", &[(second.0, &bytes(&second.1.submission))]);
    b.run_ok(&input, &[]);
    assert_eq!(b.row(second.0), ("duplicate".into(), reason.into()));
    assert_eq!(b.summary()["duplicate"], 1);
    assert_eq!(b.summary()["bill_total"], "0.00");
    assert_eq!(
        b.summary()["proofs_verified"],
        0,
        "settled before its proof"
    );
    assert_eq!(b.bills(), 1);
}

#[test]
fn an_hourly_and_a_quarter_hourly_day_are_one_period() {
    let f = fixture();
    overlap_across_runs(
        ("hourly.bin", &f.hourly),
        ("quarter.bin", &f.quarter),
        "meter m-1 period 2026-01-15T00:00:00Z/2026-01-16T00:00:00Z is already billed by \
         another submission (recorded from hourly.bin)",
    );
}

#[test]
fn a_day_inside_a_billed_month_is_a_duplicate() {
    let f = fixture();
    overlap_across_runs(
        ("month.bin", &f.monthly),
        ("day.bin", &f.hourly),
        "meter m-1 period 2026-01-15T00:00:00Z/2026-01-16T00:00:00Z overlaps the billed \
         period 2026-01-01T00:00:00Z/2026-02-01T00:00:00Z (recorded from month.bin)",
    );
}

#[test]
fn a_half_day_inside_a_billed_day_and_a_day_around_a_billed_half_day_are_duplicates() {
    let f = fixture();
    overlap_across_runs(
        ("day.bin", &f.hourly),
        ("half.bin", &f.half),
        "meter m-1 period 2026-01-15T12:00:00Z/2026-01-16T00:00:00Z overlaps the billed \
         period 2026-01-15T00:00:00Z/2026-01-16T00:00:00Z (recorded from day.bin)",
    );
    overlap_across_runs(
        ("half.bin", &f.half),
        ("day.bin", &f.hourly),
        "meter m-1 period 2026-01-15T00:00:00Z/2026-01-16T00:00:00Z overlaps the billed \
         period 2026-01-15T12:00:00Z/2026-01-16T00:00:00Z (recorded from half.bin)",
    );
}

/// 512 copies of one statement (meter, frame, commitment, tariff): byte copies of a valid
/// submission, a fresh valid proof, and bills raised by one (invalid proofs), in chunks of 64
/// on two threads. The first file by name claims the period before its proof is checked; every
/// other file is settled as a duplicate without one: one proof verified per run.
#[test]
fn a_flood_of_copies_of_one_statement_with_good_and_bad_proofs_costs_one_proof_verification() {
    let f = fixture();
    let good = bytes(&f.hourly.submission);
    let fresh = bytes(&f.hourly_again);
    let mut raised = f.hourly.submission.clone();
    raised.bill += 1;
    let bad = bytes(&raised);
    let mut flipped = f.hourly_again.clone();
    flipped.proof[200] ^= 1;
    let flipped = bytes(&flipped);

    let b = Batch::new();
    b.register(Some("hourly"));
    // Honest: the valid submission alone is accepted, its proof verified once.
    let input = b.input("honest", &[("good.bin", &good)]);
    b.run_ok(&input, &[]);
    assert_eq!(b.row("good.bin").0, "accepted");
    assert_eq!(b.summary()["proofs_verified"], 1);

    // The flood, on a fresh ledger, led by a bad proof.
    let b = Batch::new();
    b.register(Some("hourly"));
    let variants = [&good, &fresh, &bad, &flipped];
    let names: Vec<String> = (0..512).map(|i| format!("{i:03}.bin")).collect();
    let files: Vec<(&str, &[u8])> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            // File 000 is the bad one; the rest cycle through all four.
            let v = if i == 0 { &bad } else { variants[i % 4] };
            (name.as_str(), v.as_slice())
        })
        .collect();
    let input = b.input("flood", &files);
    b.run_ok(&input, &["--chunk", "64", "--threads", "2"]);
    assert_eq!(
        b.row("000.bin"),
        (
            "rejected".into(),
            "proof does not verify for this bill, energy, commitment and tariff".into()
        )
    );
    let claimed = "meter m-1 period 2026-01-15T00:00:00Z/2026-01-16T00:00:00Z is already \
                   claimed by 000.bin earlier in this batch";
    for name in ["001.bin", "002.bin", "003.bin", "004.bin", "511.bin"] {
        assert_eq!(b.row(name), ("duplicate".into(), claimed.into()), "{name}");
    }
    let s = b.summary();
    assert_eq!(
        (&s["files"], &s["rejected"], &s["duplicate"], &s["accepted"]),
        (&512.into(), &1.into(), &511.into(), &0.into())
    );
    assert_eq!(s["proofs_verified"], 1, "one proof for 512 copies");
    assert_eq!(b.bills(), 0, "a rejected claimant leaves the ledger free");

    // The bad file is taken out of the batch: the next run bills the first valid copy, again
    // verifying one proof.
    std::fs::remove_file(input.join("000.bin")).unwrap();
    b.run_ok(&input, &["--chunk", "64", "--threads", "2"]);
    assert_eq!(b.row("001.bin").0, "accepted");
    assert_eq!(
        b.row("002.bin"),
        ("duplicate".into(), claimed.replace("000.bin", "001.bin"))
    );
    let s = b.summary();
    assert_eq!(
        (&s["run"], &s["accepted"], &s["duplicate"]),
        (&2.into(), &1.into(), &510.into())
    );
    assert_eq!(s["proofs_verified"], 1);
    assert_eq!(b.bills(), 1);
}

/// Two meters of two plans on one summer day: `m-gaps` counts whole Wh on one register and
/// did not measure three quarter-hours (zero readings there, `filled` 3 signed by the meter);
/// `m-solar` is a household with solar panels counting mWh on import and export registers
/// (`day-15min-ie`, export credited by its tariff's `export_prices`). The report shows each
/// one's exact figures and the unmeasured count as the last column, the summary adds them up
/// exactly in common units, and the ledger keeps them. Every expected figure is computed here
/// from the readings and prices. Then the meter's signed facts cannot be undone: the gaps
/// hidden (`filled` 0) fails the meter signature, a larger export credit the proof.
#[test]
fn a_meter_with_unmeasured_slots_and_a_solar_meter_in_mwh_are_billed_exactly() {
    use zkmeter_meter::synthetic_measured;
    use zkmeter_protocol::EnergyUnit;

    // The helper's format, on the report's own documented examples.
    assert_eq!(exact(95_811_920_834_567, 12, 2), "95.811920834567");
    assert_eq!(exact(-1_001, 12, 2), "-0.000000001001");
    assert_eq!(exact(382_487_300, 6, 3), "382.4873");
    assert_eq!(exact(0, 6, 3), "0.000");

    let day = at("2026-06-15T00:00:00Z");
    let params = std::sync::Arc::new(
        zkmeter_params::ParamStore::default_store()
            .load(CircuitSize::Day15Min.k(), |_| {})
            .unwrap(),
    );
    assert_eq!(CircuitSize::Day15MinIe.k(), CircuitSize::Day15Min.k());
    // A tariff of `plan` for `frame` (demo prices, export credits for an -ie size), the
    // meter's period and its proof.
    let bill = |id: &str, plan: &str, key_seed: u64, frame: Frame, measured: Measured| {
        let demo = demo_tariff(&frame, key_seed).unwrap();
        let tariff = Tariff::with_registers(
            &format!("{plan}-20260615"),
            "GBP",
            frame,
            demo.prices,
            demo.export_prices,
        )
        .unwrap()
        .with_plan(Some(PlanId::new(plan).unwrap()));
        let key = MeterSigningKey::generate(&mut ChaCha20Rng::seed_from_u64(key_seed)).unwrap();
        let period = record_with_blinding(
            &key,
            MeterId::new(id).unwrap(),
            frame,
            measured,
            Fp::from(key_seed),
        )
        .unwrap();
        let plugin = Plugin::new(&tariff, params.clone()).unwrap();
        let submission = plugin
            .prove(&period, &tariff, None, ChaCha20Rng::seed_from_u64(key_seed))
            .unwrap();
        (
            key.public_key().to_pem().unwrap(),
            tariff,
            period,
            submission,
        )
    };

    // m-gaps: 10:00-10:45Z not measured.
    let gaps_frame = Frame::new(day, 15, 96, CircuitSize::Day15Min).unwrap();
    let mut import = synthetic_readings(&gaps_frame, 21).unwrap();
    for reading in &mut import[40..43] {
        assert!(*reading > 0);
        *reading = 0;
    }
    let gaps_measured = Measured {
        filled: 3,
        ..Measured::import_wh(import)
    };
    let (gaps_pem, gaps_tariff, gaps, gaps_sub) =
        bill("m-gaps", "flat", 21, gaps_frame, gaps_measured);
    // m-solar: mWh, both registers.
    let solar_frame = Frame::new(day, 15, 96, CircuitSize::Day15MinIe).unwrap();
    let solar_measured = synthetic_measured(&solar_frame, 22, EnergyUnit::MILLI_WH).unwrap();
    let (solar_pem, solar_tariff, solar, solar_sub) =
        bill("m-solar", "solar", 22, solar_frame, solar_measured);
    assert_eq!((gaps.unit, gaps.filled), (EnergyUnit::WH, 3));
    assert_eq!((solar.unit, solar.filled), (EnergyUnit::MILLI_WH, 0));
    let solar_export = solar.export.as_deref().unwrap();
    // A real export register: energy exported around noon, not all of it whole Wh.
    assert!(solar_export.iter().filter(|&&e| e > 0).count() > 8);
    assert!(solar_export.iter().any(|&e| e % 1000 != 0));

    // By hand. A bill is sum(price x reading): micro-currency/kWh x Wh = 10^-9 currency, x mWh
    // = 10^-12 (pico) currency; the export register is credited at the export prices.
    let dot = |prices: &[i64], readings: &[u32]| -> i128 {
        assert_eq!(prices.len(), readings.len());
        prices
            .iter()
            .zip(readings)
            .map(|(&p, &r)| i128::from(p) * i128::from(r))
            .sum()
    };
    let total = |readings: &[u32]| -> i128 { readings.iter().map(|&r| i128::from(r)).sum() };
    let gaps_bill_pico = dot(&gaps_tariff.prices, &gaps.import) * 1000;
    let gaps_import_mwh = total(&gaps.import) * 1000;
    let solar_bill_pico = dot(&solar_tariff.prices, &solar.import)
        - dot(solar_tariff.export_prices.as_deref().unwrap(), solar_export);
    let (solar_import_mwh, solar_export_mwh) = (total(&solar.import), total(solar_export));
    assert!(solar_export_mwh > 0);
    // The submissions claim the same (in their own units).
    assert_eq!(gaps_sub.bill * 1000, gaps_bill_pico);
    assert_eq!(solar_sub.bill, solar_bill_pico);
    assert_eq!(
        (
            solar_sub.unit,
            solar_sub.filled,
            gaps_sub.unit,
            gaps_sub.filled
        ),
        (EnergyUnit::MILLI_WH, 0, EnergyUnit::WH, 3)
    );

    let b = Batch::empty();
    b.publish(&gaps_tariff);
    b.publish(&solar_tariff);
    b.register_all(&[
        ("m-gaps", &gaps_pem, "flat"),
        ("m-solar", &solar_pem, "solar"),
    ]);
    let input = b.input(
        "in",
        &[
            ("gaps.bin", &bytes(&gaps_sub)),
            ("solar.bin", &bytes(&solar_sub)),
        ],
    );
    b.run_ok(&input, &[]);

    let r = b.fields("gaps.bin");
    assert_eq!((r[OUTCOME].as_str(), r[REASON].as_str()), ("accepted", ""));
    assert_eq!(r[BILL], exact(gaps_bill_pico, 12, 2), "{r:?}");
    assert_eq!(r[IMPORT_KWH], exact(gaps_import_mwh, 6, 3), "{r:?}");
    assert_eq!(r[EXPORT_KWH], "0.000", "{r:?}");
    assert_eq!(r[FILLED], "3", "the unmeasured slots: {r:?}");
    let r = b.fields("solar.bin");
    assert_eq!((r[OUTCOME].as_str(), r[REASON].as_str()), ("accepted", ""));
    assert_eq!(r[BILL], exact(solar_bill_pico, 12, 2), "{r:?}");
    assert_eq!(r[IMPORT_KWH], exact(solar_import_mwh, 6, 3), "{r:?}");
    assert_eq!(r[EXPORT_KWH], exact(solar_export_mwh, 6, 3), "{r:?}");
    assert_eq!(r[FILLED], "0", "{r:?}");

    let s = b.summary();
    assert_eq!((&s["accepted"], &s["rejected"]), (&2.into(), &0.into()));
    assert_eq!(
        s["bill_total"],
        exact(gaps_bill_pico + solar_bill_pico, 12, 2)
    );
    assert_eq!(
        s["import_kwh_total"],
        exact(gaps_import_mwh + solar_import_mwh, 6, 3)
    );
    assert_eq!(s["export_kwh_total"], exact(solar_export_mwh, 6, 3));
    assert_eq!(s["filled_slots_total"], 3);

    let ledger = b.ledger();
    let record = |id: &str| ledger.iter().find(|r| r.meter_id == id).unwrap().clone();
    let (g, o) = (record("m-gaps"), record("m-solar"));
    assert_eq!(ledger.len(), 2);
    assert_eq!(
        (
            g.unit,
            g.bill_pico,
            i128::from(g.import_mwh),
            g.export_mwh,
            g.filled_slots
        ),
        (EnergyUnit::WH, gaps_bill_pico, gaps_import_mwh, 0, 3)
    );
    assert_eq!(
        (
            o.unit,
            o.bill_pico,
            i128::from(o.import_mwh),
            i128::from(o.export_mwh)
        ),
        (
            EnergyUnit::MILLI_WH,
            solar_bill_pico,
            solar_import_mwh,
            solar_export_mwh
        )
    );
    assert_eq!(
        (o.filled_slots, g.plan.as_str(), o.plan.as_str()),
        (0, "flat", "solar")
    );

    // Each meter's claim changed, on a fresh ledger: the gaps hidden (the meter signed 3) and
    // one more mWh of export credited (the proof binds the export energy).
    let mut hidden = gaps_sub.clone();
    hidden.filled = 0;
    let mut credited = solar_sub.clone();
    credited.export_energy += 1;
    let b2 = Batch::empty();
    b2.publish(&gaps_tariff);
    b2.publish(&solar_tariff);
    b2.register_all(&[
        ("m-gaps", &gaps_pem, "flat"),
        ("m-solar", &solar_pem, "solar"),
    ]);
    let input = b2.input(
        "in",
        &[
            ("hidden.bin", &bytes(&hidden)),
            ("credited.bin", &bytes(&credited)),
        ],
    );
    b2.run_ok(&input, &[]);
    let (outcome, reason) = b2.row("hidden.bin");
    assert_eq!(outcome, "rejected");
    assert!(reason.starts_with("meter signature rejected"), "{reason}");
    assert_eq!(
        b2.row("credited.bin"),
        (
            "rejected".into(),
            "proof does not verify for this bill, energy, commitment and tariff".into()
        )
    );
    for file in ["hidden.bin", "credited.bin"] {
        let r = b2.fields(file);
        assert!(
            r[BILL..=EXPORT_KWH].iter().all(String::is_empty) && r[FILLED].is_empty(),
            "{file}: {r:?}"
        );
    }
    let s = b2.summary();
    assert_eq!(
        (&s["rejected"], &s["filled_slots_total"]),
        (&2.into(), &0.into())
    );
    assert_eq!(s["bill_total"], "0.00");
    assert_eq!(b2.bills(), 0);
}
