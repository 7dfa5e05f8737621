//! A solar household through the CLI, end to end: the meter records both registers (import
//! and export, in mWh as North American meters count), the plugin proves one bill over both
//! (import cost minus export credit), `verify` accepts it and prints both energies, and
//! `batch-verify` records it with the export energy in the report. Every figure is checked
//! against the period file and the tariff, computed here independently of the code under test.
//! Tampering with the export energy, the unit or the filled-slot count is refused.

mod common;

use std::ffi::OsStr;
use std::path::Path;

use common::report::exact;
use common::{assert_fails, assert_ok, zkmeter};
use zkmeter_protocol::{Period, Submission, Tariff, ZkFile};

const START: &str = "2026-06-21T00:00:00Z";
const SIZE: &str = "day-15min-ie";

fn run_ok<const N: usize>(args: [&OsStr; N]) -> common::Run {
    let run = zkmeter(args);
    assert_ok(&run);
    run
}

fn os(s: &str) -> &OsStr {
    OsStr::new(s)
}

#[test]
fn a_solar_household_is_recorded_proved_verified_and_batch_verified() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    run_ok([
        os("meter"),
        os("keygen"),
        os("--out"),
        path("keys").as_os_str(),
    ]);
    let frame = |cmd: &[&str]| {
        let mut args: Vec<std::ffi::OsString> = cmd.iter().map(|s| s.into()).collect();
        for a in ["--start", START, "--slot-minutes", "15", "--size", SIZE] {
            args.push(a.into());
        }
        args
    };
    let mut args = frame(&[
        "meter",
        "record",
        "--meter-id",
        "solar-1",
        "--synthetic",
        "11",
    ]);
    for a in ["--unit", "mWh", "--key"] {
        args.push(a.into());
    }
    args.push(path("keys/meter.key").into());
    args.push("--out".into());
    args.push(path("period.bin").into());
    let recorded = zkmeter(&args);
    assert_ok(&recorded);
    assert!(recorded.stdout.contains("in mWh"), "{recorded}");

    let mut args = frame(&["tariff", "demo", "--seed", "4"]);
    std::fs::create_dir_all(path("tariffs")).unwrap();
    args.push("--out".into());
    args.push(path("tariffs/tariff.json").into());
    assert_ok(&zkmeter(&args));

    // The period: both registers, in mWh, a sunny day exports at midday.
    let period = Period::read(&path("period.bin")).unwrap();
    let tariff = Tariff::read(&path("tariffs/tariff.json")).unwrap();
    let export = period.export.clone().expect("an export register");
    let credits = tariff.export_prices.clone().expect("export credits");
    assert_eq!(period.unit.exponent(), -3);
    assert_eq!((period.import.len(), export.len()), (96, 96));
    assert!(export.iter().any(|&e| e > 0), "no export on a June day");
    assert!(export
        .iter()
        .zip(&period.import)
        .all(|(&e, &i)| e == 0 || i == 0));

    // Independently: bill in pico-currency (micro/kWh x mWh), energies in mWh.
    let cost: i128 = period
        .import
        .iter()
        .zip(&tariff.prices)
        .map(|(&r, &p)| i128::from(r) * i128::from(p))
        .sum();
    let credit: i128 = export
        .iter()
        .zip(&credits)
        .map(|(&r, &p)| i128::from(r) * i128::from(p))
        .sum();
    let bill = cost - credit;
    let import_mwh: i128 = period.import.iter().map(|&r| i128::from(r)).sum();
    let export_mwh: i128 = export.iter().map(|&r| i128::from(r)).sum();

    std::fs::create_dir_all(path("in")).unwrap();
    run_ok([
        os("prove"),
        os("--period"),
        path("period.bin").as_os_str(),
        os("--tariff"),
        path("tariffs/tariff.json").as_os_str(),
        os("--out"),
        path("in/submission.bin").as_os_str(),
    ]);
    let sub = Submission::read(&path("in/submission.bin")).unwrap();
    assert_eq!(sub.bill, bill);
    assert_eq!(
        (i128::from(sub.import_energy), i128::from(sub.export_energy)),
        (import_mwh, export_mwh)
    );

    let verify = |submission: &Path| {
        zkmeter([
            os("verify"),
            os("--submission"),
            submission.as_os_str(),
            os("--meter-pub"),
            path("keys/meter.pub").as_os_str(),
            os("--tariff"),
            path("tariffs/tariff.json").as_os_str(),
        ])
    };
    let accepted = verify(&path("in/submission.bin"));
    assert_ok(&accepted);
    for expected in [
        format!("import {} kWh", exact(import_mwh, 6, 3)),
        format!("export {} kWh", exact(export_mwh, 6, 3)),
        format!("exactly {} GBP", exact(bill, 12, 12)),
    ] {
        assert!(
            accepted.stdout.contains(&expected),
            "{expected}: {accepted}"
        );
    }

    // The export energy, the unit and the filled-slot count cannot be changed.
    for (what, tamper, reason) in [
        (
            "export energy",
            (|s: &mut Submission| s.export_energy -= 1) as fn(&mut Submission),
            "proof does not verify",
        ),
        (
            "unit",
            |s: &mut Submission| s.unit = zkmeter_protocol::EnergyUnit::WH,
            "signature",
        ),
        ("filled", |s: &mut Submission| s.filled = 2, "signature"),
    ] {
        let mut s = sub.clone();
        tamper(&mut s);
        let file = path(&format!("tampered-{what}.bin"));
        s.write(&file).unwrap();
        assert_fails(&verify(&file), 1, reason);
    }

    // The household's own page shows the exported energy per day too (five charts), and the
    // invoice splits nothing (the demo's export credits vary by slot): one net energy line.
    let page = zkmeter([
        os("invoice"),
        os("--period"),
        path("period.bin").as_os_str(),
        os("--tariff"),
        path("tariffs/tariff.json").as_os_str(),
        os("--out"),
        path("mine.html").as_os_str(),
    ]);
    assert_ok(&page);
    let html = std::fs::read_to_string(path("mine.html")).unwrap();
    assert!(html.contains("Energy exported per day"), "{html}");
    assert!(html.contains("Energy cost per day, net of export credit"));
    assert_eq!(html.matches("<svg").count(), 5);
    assert!(html.contains("net of the credit for"), "{html}");

    // Batch: the utility's registry knows the meter; the report has both energies.
    let public_key = std::fs::read_to_string(path("keys/meter.pub")).unwrap();
    let line =
        serde_json::json!({"meter_id": "solar-1", "public_key": public_key, "revoked": false});
    std::fs::write(path("meters.jsonl"), format!("{line}\n")).unwrap();
    let batch = zkmeter([
        os("batch-verify"),
        os("--in"),
        path("in").as_os_str(),
        os("--meters"),
        path("meters.jsonl").as_os_str(),
        os("--tariffs"),
        path("tariffs").as_os_str(),
        os("--ledger"),
        path("ledger.sqlite").as_os_str(),
        os("--report"),
        path("report.csv").as_os_str(),
        os("--summary"),
        path("summary.json").as_os_str(),
    ]);
    assert_ok(&batch);
    let report = std::fs::read_to_string(path("report.csv")).unwrap();
    let row = report.lines().nth(1).expect("one row");
    let cells: Vec<&str> = row.split(',').collect();
    assert_eq!(cells[3], "accepted", "{report}");
    assert_eq!(cells[4], exact(bill, 12, 2), "{report}");
    assert_eq!(cells[5], exact(import_mwh, 6, 3), "{report}");
    assert_eq!(cells[6], exact(export_mwh, 6, 3), "{report}");
    assert_eq!(cells[8], "0", "no slot filled: {report}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["export_kwh_total"], exact(export_mwh, 6, 3));
    assert_eq!(summary["bill_total"], exact(bill, 12, 2));
}
