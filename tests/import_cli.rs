//! End-to-end tests of the importers through the `zkmeter` binary: Green Button and CSV
//! readings into `meter record`, Agile / ENTSO-E / URDB files into `tariff import`, a real
//! profile billed under a real tariff and verified, and `demo --real`.
//!
//! The data files are the byte-exact copies in `import/tests/fixtures/` (see each folder's
//! PROVENANCE.txt). Every negative test first runs the honest input, then changes one thing
//! and asserts the exit code and the reason. Frames are sized with `smallest_fitting`.
//!
//! Exit codes (src/main.rs): 0 ok / accepted, 1 rejected, 2 usage or I/O error.

use std::path::{Path, PathBuf};

mod common;

use common::{assert_fails, assert_ok, zkmeter, Run};
use zkmeter_protocol::CircuitSize;
use zkmeter_protocol::{Period, Tariff, ZkFile};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("import/tests/fixtures")
        .join(rel)
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

fn size_for(slots: usize) -> &'static str {
    CircuitSize::smallest_fitting(slots).unwrap().name()
}

const OPENESPI: &str = "gb-openespi-15min/test_usage_data.xml";
const ABRIDGED: &str = "gb-gba-sample-hourly-daily/electric_containerized_abridged.xml";
const AGILE: &str = "agile-prices-energy-stats-A/csv_agile_A_Eastern_England__2020_excerpt.csv";
const ENTSOE: &str = "entsoe-dayahead-xml/BE_60M.xml";
/// Derived: BE_60M.xml plus a PT15M series for the same hours (see its PROVENANCE.txt).
const ENTSOE_TWO: &str = "entsoe-dayahead-xml-derived/BE_60M_and_PT15M.xml";
const SCE_B: &str = "urdb-rates/REopt_API__Run6c15335f__SCE_TOU-8_OptionB_2016__urdb.json";
const NIPSCO: &str = "urdb-rates/REopt_API__Run5b75684a__NIPSCO_Rate724_tiered__urdb.json";

fn keygen(dir: &Path) -> PathBuf {
    assert_ok(&zkmeter([
        "meter",
        "keygen",
        "--out",
        &s(&dir.join("keys")),
    ]));
    dir.join("keys")
}

/// `meter record` with a frame and extra source flags.
fn record(
    keys: &Path,
    start: &str,
    minutes: u16,
    slots: usize,
    source: &[&str],
    out: &Path,
) -> Run {
    let mut args = vec![
        "meter".to_owned(),
        "record".into(),
        "--key".into(),
        s(&keys.join("meter.key")),
        "--meter-id".into(),
        "meter-0001".into(),
        "--start".into(),
        start.into(),
        "--slot-minutes".into(),
        minutes.to_string(),
        "--slots".into(),
        slots.to_string(),
        "--size".into(),
        size_for(slots).into(),
        "--out".into(),
        s(out),
    ];
    args.extend(source.iter().map(|a| a.to_string()));
    zkmeter(args)
}

/// `tariff import KIND` with a frame and extra flags.
fn import(
    kind: &str,
    file: &Path,
    start: &str,
    minutes: u16,
    slots: usize,
    extra: &[&str],
    out: &Path,
) -> Run {
    let mut args = vec![
        "tariff".to_owned(),
        "import".into(),
        kind.into(),
        "--file".into(),
        s(file),
        "--start".into(),
        start.into(),
        "--slot-minutes".into(),
        minutes.to_string(),
        "--slots".into(),
        slots.to_string(),
        "--size".into(),
        size_for(slots).into(),
        "--out".into(),
        s(out),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    zkmeter(args)
}

#[test]
fn green_button_dst_day_records_its_92_real_slots() {
    let dir = tempfile::tempdir().unwrap();
    let keys = keygen(dir.path());
    let out = dir.path().join("p.bin");
    // US Eastern spring-forward day 2012-03-11: 05:00Z .. next 04:00Z = 92 quarter-hours;
    // gb.py (import/tests/real_data.rs) window sum 109403 Wh, first 327, last 899.
    let xml = s(&fixture(OPENESPI));
    assert_ok(&record(
        &keys,
        "2012-03-11T05:00:00Z",
        15,
        92,
        &["--green-button", &xml],
        &out,
    ));
    let p = Period::read(&out).unwrap();
    assert_eq!(p.frame.slots, 92);
    assert_eq!(
        p.readings.iter().map(|&r| u64::from(r)).sum::<u64>(),
        109_403
    );
    assert_eq!((p.readings[0], p.readings[91]), (327, 899));
    assert_eq!(p.fill, None);
}

#[test]
fn missing_readings_are_refused_unless_zero_fill_is_asked_and_then_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let keys = keygen(dir.path());
    let out = dir.path().join("p.bin");
    let xml = s(&fixture(ABRIDGED));
    // Honest: the first block alone (4 hours) records.
    assert_ok(&record(
        &keys,
        "2011-01-01T08:00:00Z",
        60,
        4,
        &["--green-button", &xml],
        &out,
    ));
    // Across the gap between the two blocks: refused with the first missing slot.
    let out2 = dir.path().join("p2.bin");
    let run = record(
        &keys,
        "2011-01-01T08:00:00Z",
        60,
        16,
        &["--green-button", &xml],
        &out2,
    );
    assert_fails(
        &run,
        1,
        "missing reading for the slot starting 2011-01-01T12:00:00Z",
    );
    assert!(!out2.exists());
    // With --fill-missing zero: recorded, and the period file says so.
    let run = record(
        &keys,
        "2011-01-01T08:00:00Z",
        60,
        16,
        &["--green-button", &xml, "--fill-missing", "zero"],
        &out2,
    );
    assert_ok(&run);
    assert!(run.stdout.contains("filled 8 slot(s)"), "{run}");
    let p = Period::read(&out2).unwrap();
    assert_eq!(p.fill.as_deref(), Some("zero-8-slots"));
    // gb.py: the 8 readings sum to 4086 Wh.
    assert_eq!(p.readings.iter().sum::<u32>(), 4086);
}

#[test]
fn readings_csv_in_kwh_with_units_and_a_bad_row_named_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let keys = keygen(dir.path());
    let csv = dir.path().join("r.csv");
    let honest = "\u{feff}timestamp,value,unit\r\n2026-01-01T01:00:00Z,\"1,234\",Wh\r\n2026-01-01T00:00:00Z,0.5,kWh\r\n";
    std::fs::write(&csv, honest).unwrap();
    let out = dir.path().join("p.bin");
    let src = ["--readings", &s(&csv)];
    assert_ok(&record(&keys, "2026-01-01T00:00:00Z", 60, 2, &src, &out));
    assert_eq!(Period::read(&out).unwrap().readings, vec![500, 1234]);
    std::fs::write(&csv, honest.replace("0.5,kWh", "0.5005,kWh")).unwrap();
    let run = record(
        &keys,
        "2026-01-01T00:00:00Z",
        60,
        2,
        &src,
        &dir.path().join("q.bin"),
    );
    // 0.5005 kWh is imported exactly (500500 mWh), but the period file holds whole Wh.
    assert_fails(
        &run,
        1,
        "the slot starting 2026-01-01T00:00:00Z holds 500500 mWh (not a whole number of Wh): \
         readings in mWh are not supported yet",
    );
    // The original `timestamp,wh` format still reads.
    std::fs::write(
        &csv,
        "timestamp,wh\n2026-01-01T00:00:00Z,7\n2026-01-01T01:00:00Z,8\n",
    )
    .unwrap();
    let out3 = dir.path().join("p3.bin");
    assert_ok(&record(&keys, "2026-01-01T00:00:00Z", 60, 2, &src, &out3));
    assert_eq!(Period::read(&out3).unwrap().readings, vec![7, 8]);
}

#[test]
fn tariff_import_agile_entsoe_and_urdb_write_valid_tariffs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t.json");
    // Agile, UK local day 25 Oct 2020 (25 h = 50 half-hours): Python window sum 3803520,
    // 12 negative, first 0, last 44100.
    assert_ok(&import(
        "agile",
        &fixture(AGILE),
        "2020-10-24T23:00:00Z",
        30,
        50,
        &[],
        &out,
    ));
    let t = Tariff::read(&out).unwrap();
    assert_eq!((t.currency.as_str(), t.prices.len()), ("GBP", 50));
    assert_eq!(t.prices.iter().sum::<i64>(), 3_803_520);
    assert_eq!(t.prices.iter().filter(|&&p| p < 0).count(), 12);
    assert_eq!(t.tariff_id, "agile-20201024T2300Z");

    // ENTSO-E on quarter-hours with a 0.12 EUR/kWh adder: 4 x 1691960 + 96 x 120000.
    let out2 = dir.path().join("t2.json");
    let run = import(
        "entsoe",
        &fixture(ENTSOE),
        "2024-10-07T22:00:00Z",
        15,
        96,
        &["--adder", "0.12"],
        &out2,
    );
    assert_ok(&run);
    let t = Tariff::read(&out2).unwrap();
    assert_eq!(t.currency, "EUR");
    assert_eq!(t.prices.iter().sum::<i64>(), 4 * 1_691_960 + 96 * 120_000);
    // The adder must be a decimal (a usage error, exit 2).
    let run = import(
        "entsoe",
        &fixture(ENTSOE),
        "2024-10-07T22:00:00Z",
        60,
        24,
        &["--adder", "twelve"],
        &out2,
    );
    assert_fails(&run, 2, "--adder");

    // URDB SCE TOU-8 B on Friday 2016-07-01, Los Angeles (UTC-7).
    let out3 = dir.path().join("t3.json");
    let tz = ["--tz", "America/Los_Angeles"];
    assert_ok(&import(
        "urdb",
        &fixture(SCE_B),
        "2016-07-01T07:00:00Z",
        60,
        24,
        &tz,
        &out3,
    ));
    let t = Tariff::read(&out3).unwrap();
    assert_eq!(t.currency, "USD");
    // Periods 2 (0.06202) x 9 h, 3 (0.08609) x 9 h, 4 (0.13943) x 6 h.
    assert_eq!(
        t.prices.iter().sum::<i64>(),
        9 * 62_020 + 9 * 86_090 + 6 * 139_430
    );
    // --currency takes the protocol's codes only (a usage error, checked before the file).
    let run = import(
        "urdb",
        &fixture(SCE_B),
        "2016-07-01T07:00:00Z",
        60,
        24,
        &["--tz", "America/Los_Angeles", "--currency", "usd"],
        &out3,
    );
    assert_fails(&run, 2, "bad currency 'usd': 3 upper-case letters");
    // No time zone: refused with the way out.
    let run = import(
        "urdb",
        &fixture(SCE_B),
        "2016-07-01T07:00:00Z",
        60,
        24,
        &[],
        &out3,
    );
    assert_fails(&run, 1, "has no time zone");
    // Not in force: SCE TOU-8 B runs 2016-01-01 to 2016-12-31 (startdate / enddate, see
    // import/tests/real_data.rs); local 1 January 2017 is refused with both periods.
    let run = import(
        "urdb",
        &fixture(SCE_B),
        "2017-01-01T08:00:00Z",
        60,
        24,
        &tz,
        &out3,
    );
    assert_fails(
        &run,
        1,
        "/enddate: the rate is in force from 2016-01-01 to 2016-12-31, but the frame runs from \
         2017-01-01 to 2017-01-01 (2017-01-01T08:00:00Z to 2017-01-02T08:00:00Z; dates in \
         America/Los_Angeles)",
    );
    // Tiered: refused, naming the tiers.
    let run = import(
        "urdb",
        &fixture(NIPSCO),
        "2016-07-01T07:00:00Z",
        60,
        24,
        &tz,
        &out3,
    );
    assert_fails(&run, 1, "period 0 has 4 tiers (tier 0 up to 30000 kWh");
}

#[test]
fn entsoe_two_series_for_the_same_hours_are_refused_until_one_is_picked() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t.json");
    let day = "2024-10-07T22:00:00Z";
    // Honest: the one-series document imports without --resolution.
    assert_ok(&import("entsoe", &fixture(ENTSOE), day, 15, 96, &[], &out));
    // Two series for the same hours: refused, saying so and how to pick one.
    let two = fixture(ENTSOE_TWO);
    let run = import("entsoe", &two, day, 15, 96, &[], &out);
    assert_fails(
        &run,
        1,
        "line 140: the document has both a PT15M and a PT60M series for the hours from \
         2024-10-07T22:00:00Z to 2024-10-08T22:00:00Z (the other at line 26); choose one with \
         --resolution PT15M or --resolution PT60M",
    );
    // Each pick keeps its series; figures as in import/tests/real_data.rs (Python over the
    // fixture): PT60M on quarter-hours 6767840, PT15M 5291960.
    let run = import(
        "entsoe",
        &two,
        day,
        15,
        96,
        &["--resolution", "PT60M"],
        &out,
    );
    assert_ok(&run);
    assert!(
        run.stdout.contains("only the document's PT60M series kept"),
        "{run}"
    );
    let t = Tariff::read(&out).unwrap();
    assert_eq!(t.prices.iter().sum::<i64>(), 6_767_840);
    assert_eq!(&t.prices[..5], &[64_980, 64_980, 64_980, 64_980, 57_860]);
    assert_ok(&import(
        "entsoe",
        &two,
        day,
        15,
        96,
        &["--resolution", "PT15M"],
        &out,
    ));
    let t = Tariff::read(&out).unwrap();
    assert_eq!(t.prices.iter().sum::<i64>(), 5_291_960);
    assert_eq!(&t.prices[..5], &[64_980, 57_860, 53_730, 47_520, 47_050]);
    // A resolution that is not one: a usage error naming the accepted ones.
    let run = import("entsoe", &two, day, 15, 96, &["--resolution", "15"], &out);
    assert_fails(&run, 2, "'15' is not PT15M, PT30M or PT60M");
}

#[test]
fn finer_prices_on_a_coarser_frame_are_refused_and_gaps_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t.json");
    assert_ok(&import(
        "agile",
        &fixture(AGILE),
        "2020-03-01T00:00:00Z",
        30,
        48,
        &[],
        &out,
    ));
    let run = import(
        "agile",
        &fixture(AGILE),
        "2020-03-01T00:00:00Z",
        60,
        24,
        &[],
        &out,
    );
    assert_fails(&run, 1, "finer prices cannot be put on a coarser frame");
    let run = import(
        "agile",
        &fixture(AGILE),
        "2020-12-31T23:00:00Z",
        30,
        4,
        &[],
        &out,
    );
    assert_fails(
        &run,
        1,
        "missing price for the slot starting 2021-01-01T00:00:00Z",
    );
}

#[test]
fn a_green_button_day_under_agile_prices_proves_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let keys = keygen(dir.path());
    // The 15-minute profile summed into half-hours for UTC day 2012-03-06 ...
    let period = dir.path().join("p.bin");
    let xml = s(&fixture(OPENESPI));
    assert_ok(&record(
        &keys,
        "2012-03-06T00:00:00Z",
        30,
        48,
        &["--green-button", &xml],
        &period,
    ));
    // ... billed under a 2012 frame needs 2012 prices: the tariff must be for the same frame,
    // so import Agile for 2020-03-03 and record the same readings via CSV on that frame.
    let readings = Period::read(&period).unwrap().readings;
    let mut csv = String::from("timestamp,wh\n");
    for (i, wh) in readings.iter().enumerate() {
        let t = chrono::DateTime::parse_from_rfc3339("2020-03-03T00:00:00Z").unwrap()
            + chrono::Duration::minutes(30 * i as i64);
        csv.push_str(&format!("{},{wh}\n", t.format("%Y-%m-%dT%H:%M:%SZ")));
    }
    let csv_path = dir.path().join("r.csv");
    std::fs::write(&csv_path, csv).unwrap();
    let period2020 = dir.path().join("p2020.bin");
    assert_ok(&record(
        &keys,
        "2020-03-03T00:00:00Z",
        30,
        48,
        &["--readings", &s(&csv_path)],
        &period2020,
    ));
    let tariff = dir.path().join("t.json");
    assert_ok(&import(
        "agile",
        &fixture(AGILE),
        "2020-03-03T00:00:00Z",
        30,
        48,
        &[],
        &tariff,
    ));
    let sub = dir.path().join("s.bin");
    assert_ok(&zkmeter([
        "prove",
        "--period",
        &s(&period2020),
        "--tariff",
        &s(&tariff),
        "--out",
        &s(&sub),
    ]));
    let run = zkmeter([
        "verify",
        "--submission",
        &s(&sub),
        "--meter-pub",
        &s(&keys.join("meter.pub")),
        "--tariff",
        &s(&tariff),
    ]);
    assert_ok(&run);
    // The bill, computed here independently: sum(price x Wh) nano-GBP.
    let t = Tariff::read(&tariff).unwrap();
    let bill: i128 = t
        .prices
        .iter()
        .zip(&readings)
        .map(|(&p, &r)| i128::from(p) * i128::from(r))
        .sum();
    let shown = zkmeter_protocol::encoding::format_nano(bill);
    assert!(run.stdout.contains(&shown), "bill {shown} not in {run}");
}

#[test]
fn demo_real_bills_a_real_profile_under_real_prices() {
    let run = zkmeter(["demo", "--real"]);
    assert_ok(&run);
    assert!(
        run.stdout
            .contains("shifted by 417 whole weeks onto 2020-03-03T00:00:00Z"),
        "{run}"
    );
    assert!(run.stdout.contains("ACCEPTED"), "{run}");
    assert!(run.stdout.contains("REJECTED as expected"), "{run}");
}

#[test]
fn import_help_teaches_the_formats() {
    let run = zkmeter(["tariff", "import", "--help"]);
    assert_ok(&run);
    for word in ["agile", "entsoe", "urdb", "half to even"] {
        assert!(run.stdout.contains(word), "{word}: {run}");
    }
    let run = zkmeter(["meter", "record", "--help"]);
    for word in ["--green-button", "--fill-missing", "kWh"] {
        assert!(run.stdout.contains(word), "{word}: {run}");
    }
}

#[test]
fn local_day_frames_carry_the_real_dst_slot_count() {
    let dir = tempfile::tempdir().unwrap();
    let keys = keygen(dir.path());
    let out = dir.path().join("p.bin");
    let xml = s(&fixture(OPENESPI));
    // The US Eastern spring-forward day by its local date: 92 quarter-hours from 05:00Z.
    let run = zkmeter([
        "meter",
        "record",
        "--key",
        &s(&keys.join("meter.key")),
        "--meter-id",
        "m-1",
        "--local-day",
        "2012-03-11",
        "--local-tz",
        "America/New_York",
        "--slot-minutes",
        "15",
        "--size",
        size_for(92),
        "--green-button",
        &xml,
        "--out",
        &s(&out),
    ]);
    assert_ok(&run);
    let p = Period::read(&out).unwrap();
    assert_eq!(
        (p.frame.start.to_string().as_str(), p.frame.slots),
        ("2012-03-11T05:00:00Z", 92)
    );
    assert_eq!(
        p.readings.iter().map(|&r| u64::from(r)).sum::<u64>(),
        109_403
    );
    // The UK fall-back day at 15 minutes: 100 quarter-hours, each Agile price twice.
    let t = dir.path().join("t.json");
    let run = zkmeter([
        "tariff",
        "import",
        "agile",
        "--file",
        &s(&fixture(AGILE)),
        "--local-day",
        "2020-10-25",
        "--local-tz",
        "Europe/London",
        "--slot-minutes",
        "15",
        "--size",
        size_for(100),
        "--out",
        &s(&t),
    ]);
    assert_ok(&run);
    let tariff = Tariff::read(&t).unwrap();
    assert_eq!(tariff.frame.slots, 100);
    assert_eq!(tariff.prices.iter().sum::<i64>(), 2 * 3_803_520);
    // --local-day needs its zone, and excludes --start.
    let run = zkmeter([
        "tariff",
        "import",
        "agile",
        "--file",
        &s(&fixture(AGILE)),
        "--local-day",
        "2020-10-25",
        "--slot-minutes",
        "15",
        "--size",
        size_for(100),
        "--out",
        &s(&t),
    ]);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr.contains("required arguments were not provided")
            && run.stderr.contains("--local-tz <ZONE>"),
        "{run}"
    );
    let run = zkmeter([
        "tariff",
        "import",
        "agile",
        "--file",
        &s(&fixture(AGILE)),
        "--local-day",
        "2020-10-25",
        "--local-tz",
        "Europe/Londn",
        "--slot-minutes",
        "15",
        "--size",
        size_for(100),
        "--out",
        &s(&t),
    ]);
    assert_fails(&run, 2, "'Europe/Londn' is not an IANA time zone");
}
