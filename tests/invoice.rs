//! Invoices end to end: a tariff with charges from the CLI flags, the plugin's preview, the
//! utility's `verify --json`, the batch report's `invoice_total`, and the two HTML pages; every
//! figure computed here independently (integer arithmetic written in this file) from the
//! period file and the tariff. Then a property: the plugin (from the readings) and the utility
//! (from the submission's claimed statement) compute the same invoice for any readings and
//! charges.

mod common;

use std::ffi::OsStr;
use std::path::Path;

use common::report::{records, INVOICE_TOTAL, OUTCOME};
use common::{assert_fails, assert_ok, zkmeter};
use proptest::prelude::*;
use rand_chacha::rand_core::SeedableRng;
use zkmeter_protocol::charges::{Charges, Kwh, Levy, Percent, Rounding, Tax, Tier};
use zkmeter_protocol::{
    CircuitSize, EnergyUnit, Frame, Invoice, MeterId, Period, Submission, Tariff, UtcTime, ZkFile,
};

const START: &str = "2026-03-29T00:00:00Z"; // the 23-hour London day: 23 hourly slots

fn os(s: &str) -> &OsStr {
    OsStr::new(s)
}

/// `value / divisor` rounded half to even, written independently of the code under test.
fn half_even(value: i128, divisor: i128) -> i128 {
    let q = value.div_euclid(divisor);
    let r = value.rem_euclid(divisor);
    match (2 * r).cmp(&divisor) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal => q + (q & 1),
    }
}

/// Pence as GBP text.
fn gbp(pence: i128) -> String {
    let sign = if pence < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", pence.abs() / 100, pence.abs() % 100)
}

/// Every way an HTML page could make a browser fetch something. An honest page has none.
fn external_references(html: &str) -> Vec<&'static str> {
    let lower = html.to_ascii_lowercase();
    [
        "://", "src=", "href=", "url(", "@import", "<script", "<link", "<img", "<iframe",
        "<object", "<embed", "srcset", "<base", "<form",
    ]
    .into_iter()
    .filter(|needle| lower.contains(needle))
    .collect()
}

#[test]
fn the_reference_check_finds_what_a_page_could_load() {
    assert!(external_references("<p>3.85 GBP</p>").is_empty());
    assert_eq!(
        external_references("<img src=\"https://x.invalid/a.png\">"),
        ["://", "src=", "<img"]
    );
    assert_eq!(
        external_references("<style>@import 'a.css'</style>"),
        ["@import"]
    );
}

#[test]
fn a_household_invoice_from_the_flags_to_the_batch_report_and_the_pages() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    let p = |name: &str| path(name).into_os_string();
    let frame = ["--start", START, "--slot-minutes", "60", "--slots", "23"];
    assert_ok(&zkmeter([
        os("meter"),
        os("keygen"),
        os("--out"),
        &p("keys"),
    ]));
    let mut record = vec![
        "meter".into(),
        "record".into(),
        "--meter-id".into(),
        "house-7".into(),
        "--synthetic".into(),
        "5".into(),
        "--size".into(),
        "day-15min".into(),
        "--key".into(),
        p("keys/meter.key"),
        "--out".into(),
        p("period.bin"),
    ];
    record.extend(frame.iter().map(|s| s.into()));
    assert_ok(&zkmeter(&record));
    std::fs::create_dir(path("tariffs")).unwrap();
    let mut tariff = vec![
        "tariff".into(),
        "demo".into(),
        "--size".into(),
        "day-15min".into(),
        "--standing-charge".into(),
        "0.6042".into(),
        "--levy".into(),
        "Climate levy=0.0123".into(),
        "--vat".into(),
        "5".into(),
        "--out".into(),
        p("tariffs/t.json"),
    ];
    tariff.extend(frame.iter().map(|s| s.into()));
    let made = zkmeter(&tariff);
    assert_ok(&made);
    assert!(made
        .stdout
        .contains("standing charge 0.6042/day, Climate levy 0.0123/kWh, VAT 5 %"));

    // The invoice, by hand, from the period file and the tariff (Wh readings, micro/kWh).
    let period = Period::read(&path("period.bin")).unwrap();
    let t = Tariff::read(&path("tariffs/t.json")).unwrap();
    assert_eq!(period.unit, EnergyUnit::WH);
    let bill_nano: i128 = period
        .import
        .iter()
        .zip(&t.prices)
        .map(|(&r, &p)| i128::from(r) * i128::from(p))
        .sum();
    let import_wh: i128 = period.import.iter().map(|&r| i128::from(r)).sum();
    let energy = half_even(bill_nano, 10_000_000); // nano -> pence
    let standing = half_even(604_200, 10_000); // one 23-hour day: 60 pence
    let levy = half_even(12_300 * import_wh, 10_000_000);
    let vat = half_even((energy + standing + levy) * 5, 100);
    let total = energy + standing + levy + vat;
    assert_eq!(standing, 60);

    // The plugin shows it before proving.
    std::fs::create_dir(path("in")).unwrap();
    let prove = zkmeter([
        os("prove"),
        os("--period"),
        &p("period.bin"),
        os("--tariff"),
        &p("tariffs/t.json"),
        os("--out"),
        &p("in/s.bin"),
    ]);
    assert_ok(&prove);
    let preview = prove
        .stdout
        .split("invoice preview")
        .nth(1)
        .expect("a preview");
    let total_line = preview
        .lines()
        .find(|l| l.trim_start().starts_with("Total"))
        .unwrap();
    assert!(
        total_line.contains(&format!("{} GBP", gbp(total))),
        "{prove}"
    );

    // The utility: verify --json has the same invoice, line by line.
    let verify = |sub: &Path, json: bool| {
        let mut args = vec![
            os("verify").to_owned(),
            os("--submission").to_owned(),
            sub.as_os_str().to_owned(),
            os("--meter-pub").to_owned(),
            p("keys/meter.pub"),
            os("--tariff").to_owned(),
            p("tariffs/t.json"),
        ];
        if json {
            args.push("--json".into());
        }
        zkmeter(args)
    };
    let run = verify(&path("in/s.bin"), true);
    assert_ok(&run);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("stdout is one JSON");
    assert_eq!(v["outcome"], "accepted");
    let inv = &v["invoice"];
    assert_eq!(inv["currency"], "GBP");
    let lines: Vec<(String, String)> = inv["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["label"].as_str().unwrap().to_owned(),
                l["amount"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let import_kwh = format!("{}.{:03}", import_wh / 1000, import_wh % 1000);
    assert_eq!(
        lines,
        [
            (format!("Energy, {import_kwh} kWh"), gbp(energy)),
            ("Standing charge, 1 day at 0.6042/day".into(), gbp(standing)),
            (
                format!("Climate levy, {import_kwh} kWh at 0.0123/kWh"),
                gbp(levy)
            ),
            (
                format!("VAT 5 % of {}", gbp(energy + standing + levy)),
                gbp(vat)
            ),
        ]
    );
    assert_eq!(inv["total"], gbp(total));
    // The text form prints it too.
    let text = verify(&path("in/s.bin"), false);
    assert_ok(&text);
    assert!(text.stdout.contains("invoice (1 days):"), "{text}");

    // A tampered bill: rejected for its proof, no invoice.
    let mut sub = Submission::read(&path("in/s.bin")).unwrap();
    sub.bill -= 1;
    sub.write(&path("tampered.bin")).unwrap();
    let run = verify(&path("tampered.bin"), true);
    assert_fails(&run, 1, "proof does not verify");
    assert!(!run.stdout.contains("invoice"));

    // The batch job: invoice_total column and summary.
    let public_key = std::fs::read_to_string(path("keys/meter.pub")).unwrap();
    let line =
        serde_json::json!({"meter_id": "house-7", "public_key": public_key, "revoked": false});
    std::fs::write(path("meters.jsonl"), format!("{line}\n")).unwrap();
    let batch = zkmeter([
        os("batch-verify"),
        os("--in"),
        &p("in"),
        os("--meters"),
        &p("meters.jsonl"),
        os("--tariffs"),
        &p("tariffs"),
        os("--ledger"),
        &p("ledger.sqlite"),
        os("--report"),
        &p("report.csv"),
        os("--summary"),
        &p("summary.json"),
    ]);
    assert_ok(&batch);
    let report = std::fs::read_to_string(path("report.csv")).unwrap();
    let rows = records(&report);
    assert_eq!(rows[1][OUTCOME], "accepted", "{report}");
    assert_eq!(rows[1][INVOICE_TOTAL], gbp(total), "{report}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["invoice_total"], gbp(total));

    // The utility's page: the total, aggregates only, nothing external.
    let page = zkmeter([
        os("invoice"),
        os("--submission"),
        &p("in/s.bin"),
        os("--meter-pub"),
        &p("keys/meter.pub"),
        os("--tariff"),
        &p("tariffs/t.json"),
        os("--out"),
        &p("invoice.html"),
    ]);
    assert_ok(&page);
    let html = std::fs::read_to_string(path("invoice.html")).unwrap();
    assert!(
        html.contains(&format!(
            "<td class=\"num\" id=\"total\">{} GBP</td>",
            gbp(total)
        )),
        "{html}"
    );
    assert!(html.contains("Climate levy"));
    assert!(external_references(&html).is_empty(), "{html}");
    assert!(!html.contains("slots that cost most") && !html.contains("<svg"));
    // No single reading is on it: the page of the same bill with one reading moved between
    // two slots (same total energy, another bill) would differ only in the bill figures.
    assert!(!html.contains("Per hour"));

    // A tampered submission gets no page.
    let refused = zkmeter([
        os("invoice"),
        os("--submission"),
        &p("tampered.bin"),
        os("--meter-pub"),
        &p("keys/meter.pub"),
        os("--tariff"),
        &p("tariffs/t.json"),
        os("--out"),
        &p("tampered.html"),
    ]);
    assert_fails(&refused, 1, "proof does not verify");
    assert!(!path("tampered.html").exists());
    // Without the meter key the utility's page is refused outright (usage).
    let no_key = zkmeter([
        os("invoice"),
        os("--submission"),
        &p("in/s.bin"),
        os("--tariff"),
        &p("tariffs/t.json"),
        os("--out"),
        &p("x.html"),
    ]);
    assert_eq!(no_key.code, 2, "{no_key}");

    // The household's page: the same total, plus the charts and the costliest slots.
    let mine = zkmeter([
        os("invoice"),
        os("--period"),
        &p("period.bin"),
        os("--tariff"),
        &p("tariffs/t.json"),
        os("--tz"),
        os("Europe/London"),
        os("--out"),
        &p("mine.html"),
    ]);
    assert_ok(&mine);
    let html = std::fs::read_to_string(path("mine.html")).unwrap();
    assert!(html.contains(&format!("id=\"total\">{} GBP<", gbp(total))));
    assert!(html.contains("Energy imported per day") && html.contains("per hour of day"));
    assert_eq!(html.matches("<svg").count(), 4);
    assert!(html.contains("slots that cost most"));
    // The costliest slot, found here: its cost to 4 decimals is on the page.
    let (slot, cost) = period
        .import
        .iter()
        .zip(&t.prices)
        .map(|(&r, &p)| i128::from(r) * i128::from(p))
        .enumerate()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .unwrap();
    let cost4 = half_even(cost, 100_000); // nano -> 10^-4
    let text = format!("{}.{:04}</td></tr>", cost4 / 10_000, cost4 % 10_000);
    assert!(html.contains(&text), "slot {slot}: {text} not in the page");
    assert!(external_references(&html).is_empty());
    assert!(html.contains("default-src 'none'"));
}

fn frame() -> Frame {
    Frame::new(
        UtcTime::parse("2026-06-01T00:00:00Z").unwrap(),
        60,
        24,
        CircuitSize::Day15MinIe,
    )
    .unwrap()
}

fn charges_strategy() -> impl Strategy<Value = Charges> {
    (
        proptest::option::of(0i64..2_000_000),
        proptest::option::of(-1_000_000i64..1_000_000),
        proptest::collection::vec(-100_000i64..100_000, 0..3),
        proptest::collection::vec((1u64..100_000_000, -200_000i64..200_000), 0..3),
        proptest::option::of(0i64..20_000_000),
        proptest::collection::vec(0u32..300_000, 0..3),
        any::<bool>(),
    )
        .prop_map(
            |(standing, fixed, levies, tiers, minimum, taxes, half_up)| {
                let mut thresholds: Vec<(u64, i64)> = tiers;
                thresholds.sort();
                thresholds.dedup_by_key(|t| t.0);
                Charges {
                    rounding: if half_up {
                        Rounding::HalfUp
                    } else {
                        Rounding::HalfEven
                    },
                    minor_unit: None,
                    standing_charge_per_day: standing,
                    fixed_charge_per_period: fixed,
                    levies: levies
                        .into_iter()
                        .map(|per_kwh| Levy {
                            label: "levy".into(),
                            per_kwh,
                        })
                        .collect(),
                    tiers: thresholds
                        .into_iter()
                        .map(|(mwh, adder_per_kwh)| Tier {
                            above_kwh: Kwh::from_mwh(mwh).unwrap(),
                            adder_per_kwh,
                        })
                        .collect(),
                    minimum_charge: minimum,
                    taxes: taxes
                        .into_iter()
                        .map(|m| Tax {
                            label: "tax".into(),
                            percent: Percent::from_millionths(m).unwrap(),
                            on: None,
                        })
                        .collect(),
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// The plugin's preview (from the readings) and the utility's invoice (from the statement
    /// a submission claims, checked as the utility checks it) are the same, for any readings,
    /// prices, export credits (one rate or varying) and charges. (That the proof binds the
    /// claimed figures is the circuit's and `verify`'s tests' business: here the proof is a
    /// placeholder of the right length, which the utility's cheap checks do not open.)
    #[test]
    fn plugin_and_utility_compute_the_same_invoice(
        import in proptest::collection::vec(0u32..5_000_000, 24),
        export in proptest::collection::vec(0u32..5_000_000, 24),
        prices in proptest::collection::vec(-500_000i64..2_000_000, 24),
        credits in proptest::collection::vec(0i64..500_000, 24),
        one_rate in any::<bool>(),
        charges in charges_strategy(),
        seed in any::<u64>(),
    ) {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
        let key = zkmeter_meter::MeterSigningKey::generate(&mut rng).unwrap();
        let credits = if one_rate { vec![credits[0]; 24] } else { credits };
        let tariff = Tariff::with_registers("t-p", "EUR", frame(), prices, Some(credits))
            .unwrap()
            .with_charges(Some(charges))
            .unwrap();
        let measured = zkmeter_meter::Measured {
            unit: EnergyUnit::MILLI_WH,
            import,
            export: Some(export),
            filled: 0,
        };
        let period = zkmeter_meter::record(
            &key,
            MeterId::new("p-1").unwrap(),
            frame(),
            measured,
            &mut rng,
        )
        .unwrap();

        // The plugin.
        let checked = zkmeter_prover::check(&period, &tariff, None).unwrap();
        let plugin = checked.invoice();
        // The utility, from the statement the submission claims.
        let public = checked.public();
        let submission = Submission {
            meter_id: period.meter_id.clone(),
            frame: period.frame,
            unit: period.unit,
            filled: period.filled,
            commitment: period.commitment,
            meter_signature: period.signature,
            tariff_id: tariff.tariff_id.clone(),
            tariff_digest: tariff.digest(),
            bill: public.bill,
            import_energy: public.import_energy,
            export_energy: public.export_energy,
            proof: vec![0; zkmeter_circuit::proof_len(CircuitSize::Day15MinIe)],
        };
        let utility_tariff = zkmeter_verifier::UtilityTariff::new(tariff.clone());
        let seen = zkmeter_verifier::check_submission(
            &submission,
            &key.public_key(),
            &utility_tariff,
            None,
        )
        .unwrap();
        prop_assert_eq!(seen.figures(), checked.figures());
        let utility = Invoice::compute(utility_tariff.tariff(), &seen.figures());
        prop_assert_eq!(&utility, &plugin);
        // And the lines add up to the total.
        prop_assert_eq!(utility.lines.iter().map(|l| l.amount).sum::<i128>(), utility.total);
    }
}
