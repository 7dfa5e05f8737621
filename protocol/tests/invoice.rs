//! Invoice arithmetic against cases computed by hand (the working is in each test's comments).
//! Each case first shows the honest figures, then the edge it is about.

use zkmeter_protocol::charges::{Charges, Kwh, Levy, LineKind, Percent, Rounding, Tax, Tier};
use zkmeter_protocol::invoice::{frame_days, Invoice};
use zkmeter_protocol::{BillFigures, CircuitSize, EnergyUnit, Frame, Tariff, UtcTime};

fn frame(start: &str, slot_minutes: u16, slots: u32, size: CircuitSize) -> Frame {
    Frame::new(UtcTime::parse(start).unwrap(), slot_minutes, slots, size).unwrap()
}

/// A one-day hourly frame (24 slots) with a flat price.
fn day() -> Frame {
    frame("2026-01-15T00:00:00Z", 60, 24, CircuitSize::Day15Min)
}

fn tariff(frame: Frame, charges: Charges) -> Tariff {
    let slots = frame.slots as usize;
    let export = frame.size.has_export().then(|| vec![150_000; slots]);
    Tariff::with_registers("t-1", "GBP", frame, vec![300_000; slots], export)
        .unwrap()
        .with_charges(Some(charges))
        .unwrap()
}

/// Figures of a Wh meter: `bill` in nano-currency.
fn wh(bill: i128, import_wh: u64, export_wh: u64) -> BillFigures {
    BillFigures {
        unit: EnergyUnit::WH,
        bill,
        import_energy: import_wh,
        export_energy: export_wh,
        filled: 0,
    }
}

fn amounts(invoice: &Invoice) -> Vec<(LineKind, String)> {
    invoice
        .lines
        .iter()
        .map(|l| (l.kind, Invoice::text(l.amount, invoice.decimals)))
        .collect()
}

#[test]
fn standing_charge_counts_a_23_and_a_25_hour_day_once() {
    let per_day = Charges {
        standing_charge_per_day: Some(604_200), // 0.6042 GBP/day
        ..Charges::default()
    };
    // Honest case: an ordinary 24-hour day is one day; 0.6042 rounds to 0.60.
    let t = tariff(day(), per_day.clone());
    assert_eq!(frame_days(&t.frame), 1);
    let inv = Invoice::compute(&t, &wh(0, 0, 0));
    assert_eq!(
        amounts(&inv),
        [
            (LineKind::Energy, "0.00".into()),
            (LineKind::StandingCharge, "0.60".into())
        ]
    );
    // 29 March 2026 in London: 00:00 GMT to 00:00 BST is 23 hours (23 hourly slots).
    let spring = frame("2026-03-29T00:00:00Z", 60, 23, CircuitSize::Day15Min);
    assert_eq!(frame_days(&spring), 1);
    // 25 October 2026: 00:00 BST (24 Oct 23:00Z) to 00:00 GMT is 25 hours.
    let autumn = frame("2026-10-24T23:00:00Z", 60, 25, CircuitSize::Day15Min);
    assert_eq!(frame_days(&autumn), 1);
    for f in [spring, autumn] {
        let inv = Invoice::compute(&tariff(f, per_day.clone()), &wh(0, 0, 0));
        assert_eq!(inv.lines[1].label, "Standing charge, 1 day at 0.6042/day");
        assert_eq!(inv.total_text(), "0.60");
    }
    // March 2026 in London (743 hours: 2972 quarter-hours) is 31 days: 31 x 0.6042 = 18.7302.
    let march = frame("2026-03-01T00:00:00Z", 15, 2972, CircuitSize::Month15Min);
    assert_eq!(frame_days(&march), 31);
    let inv = Invoice::compute(&tariff(march, per_day.clone()), &wh(0, 0, 0));
    assert_eq!(amounts(&inv)[1], (LineKind::StandingCharge, "18.73".into()));
    // October 2026 (745 hours) too.
    let october = frame("2026-09-30T23:00:00Z", 15, 2980, CircuitSize::Month15Min);
    assert_eq!(frame_days(&october), 31);
    // Two days, one of them 23 hours (47 hours), are two days.
    assert_eq!(
        frame_days(&frame(
            "2026-03-28T00:00:00Z",
            60,
            47,
            CircuitSize::Day15Min
        )),
        2
    );
}

#[test]
fn vat_at_the_half_rounds_by_the_tariffs_rule() {
    let vat = |rounding| Charges {
        rounding,
        taxes: vec![Tax {
            label: "VAT".into(),
            percent: Percent::parse("5").unwrap(),
            on: None,
        }],
        ..Charges::default()
    };
    // Honest case: energy 0.60 GBP (2 kWh at 0.30): VAT 5 % = 0.03 exactly.
    let inv = Invoice::compute(
        &tariff(day(), vat(Rounding::HalfEven)),
        &wh(600_000_000, 2000, 0),
    );
    assert_eq!(
        amounts(&inv),
        [
            (LineKind::Energy, "0.60".into()),
            (LineKind::Tax, "0.03".into())
        ]
    );
    assert_eq!(inv.total_text(), "0.63");
    // Energy 0.50: VAT is 0.025, exactly half a penny: half to even gives 0.02, half up 0.03.
    let half = wh(500_000_000, 1667, 0);
    let even = Invoice::compute(&tariff(day(), vat(Rounding::HalfEven)), &half);
    assert_eq!(amounts(&even)[1].1, "0.02");
    assert_eq!(even.total_text(), "0.52");
    let up = Invoice::compute(&tariff(day(), vat(Rounding::HalfUp)), &half);
    assert_eq!(amounts(&up)[1].1, "0.03");
    assert_eq!(up.total_text(), "0.53");
    // 0.70: VAT 0.035, half: to even 0.04 (4 is even), up 0.04.
    let seventy = wh(700_000_000, 2334, 0);
    assert_eq!(
        amounts(&Invoice::compute(
            &tariff(day(), vat(Rounding::HalfEven)),
            &seventy
        ))[1]
            .1,
        "0.04"
    );
    // The energy line itself rounds: 0.125 GBP -> 0.12 (even), 0.13 (up).
    let line = wh(125_000_000, 417, 0);
    let no_tax = |rounding| Charges {
        rounding,
        standing_charge_per_day: Some(0),
        ..Charges::default()
    };
    assert_eq!(
        Invoice::compute(&tariff(day(), no_tax(Rounding::HalfEven)), &line).total_text(),
        "0.12"
    );
    assert_eq!(
        Invoice::compute(&tariff(day(), no_tax(Rounding::HalfUp)), &line).total_text(),
        "0.13"
    );
    // VAT on named lines only: 20 % of the standing charge 1.00, not of the energy 0.60.
    let named = Charges {
        standing_charge_per_day: Some(1_000_000),
        taxes: vec![Tax {
            label: "VAT".into(),
            percent: Percent::parse("20").unwrap(),
            on: Some(vec![LineKind::StandingCharge]),
        }],
        ..Charges::default()
    };
    let inv = Invoice::compute(&tariff(day(), named), &wh(600_000_000, 2000, 0));
    assert_eq!(inv.lines[2].label, "VAT 20 % of 1.00");
    assert_eq!(amounts(&inv)[2].1, "0.20");
    assert_eq!(inv.total_text(), "1.80");
}

#[test]
fn tiers_at_the_threshold_and_one_unit_past_it() {
    // Above 100 kWh every kWh costs 10.00 more (an absurd adder, so that one Wh is a penny).
    let tiers = Charges {
        tiers: vec![
            Tier {
                above_kwh: Kwh::parse("100").unwrap(),
                adder_per_kwh: 10_000_000,
            },
            Tier {
                above_kwh: Kwh::parse("200").unwrap(),
                adder_per_kwh: -1_000_000,
            },
        ],
        ..Charges::default()
    };
    let t = tariff(day(), tiers);
    // Honest case below the threshold: 99.999 kWh, no tier energy.
    let below = Invoice::compute(&t, &wh(30_000_000_000, 99_999, 0));
    assert_eq!(amounts(&below)[1], (LineKind::Tiers, "0.00".into()));
    assert_eq!(
        below.lines[1].label,
        "Tier 100 to 200 kWh: 0 kWh at 10.00/kWh"
    );
    // Exactly at the threshold: still nothing above it.
    let at = Invoice::compute(&t, &wh(30_000_000_000, 100_000, 0));
    assert_eq!(amounts(&at)[1].1, "0.00");
    // One Wh past it: 0.001 kWh x 10.00 = 0.01.
    let past = Invoice::compute(&t, &wh(30_000_300_000, 100_001, 0));
    assert_eq!(
        past.lines[1].label,
        "Tier 100 to 200 kWh: 0.001 kWh at 10.00/kWh"
    );
    assert_eq!(amounts(&past)[1].1, "0.01");
    // 250 kWh: 100 kWh in tier one (1000.00), 50 kWh in tier two (-50.00).
    let far = Invoice::compute(&t, &wh(75_000_000_000, 250_000, 0));
    assert_eq!(amounts(&far)[1].1, "1000.00");
    assert_eq!(
        far.lines[2].label,
        "Tier above 200 kWh: 50 kWh at -1.00/kWh"
    );
    assert_eq!(amounts(&far)[2].1, "-50.00");
    assert_eq!(far.total_text(), "1025.00"); // 75.00 + 1000.00 - 50.00
                                             // In mWh: one mWh past the threshold is 10.00 x 0.000001 = 0.00001: rounds to 0.00.
    let mwh = BillFigures {
        unit: EnergyUnit::MILLI_WH,
        bill: 0,
        import_energy: 100_000_001,
        export_energy: 0,
        filled: 0,
    };
    let inv = Invoice::compute(&t, &mwh);
    assert_eq!(
        inv.lines[1].label,
        "Tier 100 to 200 kWh: 0.000001 kWh at 10.00/kWh"
    );
    assert_eq!(amounts(&inv)[1].1, "0.00");
}

#[test]
fn a_negative_energy_bill_meets_the_minimum_charge() {
    // A two-register day whose export credits vary: only the net bill is public.
    let ie = frame("2026-06-01T00:00:00Z", 60, 24, CircuitSize::Day15MinIe);
    let varying: Vec<i64> = (0..24).map(|i| 100_000 + i).collect();
    let charges = Charges {
        standing_charge_per_day: Some(500_000),
        minimum_charge: Some(5_000_000),
        taxes: vec![Tax {
            label: "VAT".into(),
            percent: Percent::parse("5").unwrap(),
            on: None,
        }],
        ..Charges::default()
    };
    let t = Tariff::with_registers("t-2", "GBP", ie, vec![300_000; 24], Some(varying))
        .unwrap()
        .with_charges(Some(charges))
        .unwrap();
    // Honest case above the minimum: net 9.00 + 0.50 = 9.50 >= 5.00, no adjustment; VAT 0.475
    // -> 0.48 (8 is even).
    let above = Invoice::compute(&t, &wh(9_000_000_000, 40_000, 10_000));
    assert_eq!(
        amounts(&above),
        [
            (LineKind::Energy, "9.00".into()),
            (LineKind::StandingCharge, "0.50".into()),
            (LineKind::Tax, "0.48".into())
        ]
    );
    assert!(above.lines[0]
        .label
        .contains("net of the credit for 10 kWh exported"));
    // Net energy -3.20: -3.20 + 0.50 = -2.70 < 5.00: adjustment 7.70; VAT 5 % of 5.00 = 0.25.
    let below = Invoice::compute(&t, &wh(-3_200_000_000, 2_000, 30_000));
    assert_eq!(
        amounts(&below),
        [
            (LineKind::Energy, "-3.20".into()),
            (LineKind::StandingCharge, "0.50".into()),
            (LineKind::MinimumCharge, "7.70".into()),
            (LineKind::Tax, "0.25".into())
        ]
    );
    assert_eq!(below.total_text(), "5.25");
}

#[test]
fn export_credit_larger_than_import_is_a_negative_invoice() {
    // Export credited at one rate, 0.15/kWh: the bill splits into energy and export credit.
    let ie = frame("2026-06-01T00:00:00Z", 60, 24, CircuitSize::Day15MinIe);
    let charges = Charges {
        levies: vec![Levy {
            label: "Climate levy".into(),
            per_kwh: 10_000,
        }],
        taxes: vec![Tax {
            label: "VAT".into(),
            percent: Percent::parse("5").unwrap(),
            on: Some(vec![LineKind::Energy, LineKind::Levies]),
        }],
        ..Charges::default()
    };
    let t = tariff(ie, charges);
    // Honest case: 2 kWh imported at 0.30 (0.60), 1 kWh exported (-0.15): bill 0.45.
    let small = Invoice::compute(&t, &wh(450_000_000, 2_000, 1_000));
    assert_eq!(amounts(&small)[0], (LineKind::Energy, "0.60".into()));
    assert_eq!(amounts(&small)[1], (LineKind::ExportCredit, "-0.15".into()));
    // 10 kWh exported: bill 0.60 - 1.50 = -0.90; levy 2 kWh x 0.01 = 0.02; VAT 5 % of the
    // energy and levy (0.62) = 0.031 -> 0.03; total -0.90 + 0.02 + 0.03 = -0.85: a credit.
    let big = Invoice::compute(&t, &wh(-900_000_000, 2_000, 10_000));
    assert_eq!(
        amounts(&big),
        [
            (LineKind::Energy, "0.60".into()),
            (LineKind::ExportCredit, "-1.50".into()),
            (LineKind::Levies, "0.02".into()),
            (LineKind::Tax, "0.03".into())
        ]
    );
    assert_eq!(big.lines[1].label, "Export credit, 10 kWh at 0.15/kWh");
    assert_eq!(big.total_text(), "-0.85");
    let json = serde_json::to_value(big.to_json()).unwrap();
    assert_eq!(json["currency"], "GBP");
    assert_eq!(json["total"], "-0.85");
    assert_eq!(json["lines"][1]["amount"], "-1.50");
}

#[test]
fn without_charges_the_invoice_is_the_bill_rounded_in_the_currencys_minor_unit() {
    let t = Tariff::new("t-3", "GBP", day(), vec![300_000; 24]).unwrap();
    // 95.8119196 GBP -> 95.81.
    let inv = Invoice::compute(&t, &wh(95_811_919_600, 319_373, 0));
    assert_eq!(inv.lines.len(), 1);
    assert_eq!(inv.total_text(), "95.81");
    // JPY has no minor unit: 95.8119196 -> 96; a tariff may say otherwise.
    let yen = Tariff::new("t-3", "JPY", day(), vec![300_000; 24]).unwrap();
    assert_eq!(
        Invoice::compute(&yen, &wh(95_811_919_600, 1, 0)).total_text(),
        "96"
    );
    let three = yen
        .with_charges(Some(Charges {
            minor_unit: Some(3),
            ..Charges::default()
        }))
        .unwrap();
    assert_eq!(
        Invoice::compute(&three, &wh(95_811_919_600, 1, 0)).total_text(),
        "95.812"
    );
}
